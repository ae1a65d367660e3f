//! Alibaba Cloud 智能对话分析 (SCA) tickets: `{"tickets": [{"tid", "dialogue": [{"role",
//! "identity", "words", "begin", "end"}]}]}`, several calls per file — the shape SCA imports
//! and exports conversations in.
//!
//! In: one ticket's JSON value (the array is streamed, so a file of any size is read a ticket
//! at a time). Out: a [`Transcript`] with role labels (`客服`/`客户`), or speakers when `role`
//! is a number; `identity` of the agent's sentences becomes the agent's id.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::{
    array, field, id_field, ms, number_field, scalar, text_field, times, JsonFormat, Shape,
};
use super::speakers::speaker_label;
use super::{InputError, Role, Segment, Signals, Transcript, Who};

pub struct Tickets;

const NAME: &str = "阿里云智能对话分析工单";

impl JsonFormat for Tickets {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has("tickets.dialogue") || shape.has("dialogue.words")
    }

    fn calls_at(&self) -> &'static [&'static str] {
        &["tickets"]
    }

    /// One ticket on its own (a JSONL line per ticket, or a file per ticket).
    fn is_call(&self, shape: &Shape) -> bool {
        shape.has("dialogue")
    }

    fn id_of(&self, value: &Value) -> Option<String> {
        super::json::id_field(value, &["tid", "ticketId", "id"])
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let dialogue = array(NAME, &value, &["dialogue"])?;
        let mut agent_identity = None;
        let mut segments = Vec::with_capacity(dialogue.len());
        for (n, s) in dialogue.iter().enumerate() {
            let role = text_field(s, &["role"]);
            let who = match Role::from_label(&role) {
                Some(r) => {
                    if r == Role::Agent && agent_identity.is_none() {
                        agent_identity =
                            id_field(s, &["identity"]).filter(|i| Role::from_label(i).is_none());
                    }
                    Who::Role(r)
                }
                None if role.is_empty() => Who::Unknown,
                None => Who::Speaker(speaker_label(&role).unwrap_or(role)),
            };
            let begin = field(s, &["begin"]).and_then(|v| ms(v, 1.0));
            let end = field(s, &["end"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            segments.push(Segment {
                who,
                text: text_field(s, &["words", "text"]),
                begin,
                end,
                signals: Signals {
                    emotion: number_field(s, &["emotionValue", "emotion_value"]),
                    speech_rate: number_field(s, &["speechRate", "speech_rate"]),
                    silence_ms: field(s, &["silenceDuration"]).and_then(|v| ms(v, 1000.0)),
                },
                ..Segment::default()
            });
        }
        let mut meta = BTreeMap::new();
        if let Value::Object(map) = &value {
            for (k, v) in map {
                if k != "dialogue" && k != "tid" && !v.is_object() && !v.is_array() && !v.is_null()
                {
                    meta.insert(k.clone(), scalar(v));
                }
            }
        }
        if let Some(agent) = agent_identity {
            meta.entry("agent".into()).or_insert(agent);
        }
        Ok(Transcript {
            id: id_field(&value, &["tid", "ticketId", "id"]),
            meta,
            segments,
            duration_ms: None,
            sentences: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tickets_with_identity_and_metadata() {
        let v = json!({"tid":"20261101-0001","skillGroup":"宽带","dialogue":[
            {"role":"客服","identity":"A1024","words":"您好，工号1024为您服务","begin":0,"end":2100},
            {"role":"客户","identity":"客户","words":"我家宽带断了","begin":2500,"end":4000}]});
        let t = Tickets.call(v).unwrap();
        assert_eq!(t.id.as_deref(), Some("20261101-0001"));
        assert_eq!(t.meta["agent"], "A1024");
        assert_eq!(t.meta["skillGroup"], "宽带");
        assert_eq!(t.segments[1].who, Who::Role(Role::Customer));
        assert!(Tickets.detect(&Shape::of(
            &json!({"tickets":[{"dialogue":[{"words":"x"}]}]})
        )));
    }
}
