//! zhijian's own JSON: `{"id", "meta", "turns": [{"role", "text", "begin", "end"}]}`, one call
//! per object; a `.json` file may hold one or an array of them, a `.jsonl` file one per line.
//!
//! In: one call's JSON value. Out: a [`Transcript`]. `role` is a role label (`agent`, `客服`,
//! `客戶`) or a diarized speaker (`spk0`, `说话人1`); `begin`/`end` are milliseconds.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::json::{format_error, scalar, JsonFormat, Shape};
use super::speakers::speaker_label;
use super::{InputError, Role, Segment, Transcript, Who};

pub struct Canonical;

const NAME: &str = "zhijian JSON";

#[derive(Deserialize)]
struct JsonCall {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    meta: Option<BTreeMap<String, Value>>,
    turns: Vec<JsonTurn>,
}

#[derive(Deserialize)]
struct JsonTurn {
    role: String,
    text: String,
    #[serde(default, deserialize_with = "millis")]
    begin: Option<u64>,
    #[serde(default, deserialize_with = "millis")]
    end: Option<u64>,
    /// The recogniser's confidence, 0–1: one number for the turn, or stretches of it as the
    /// results JSONL writes them (`[{"start", "end", "value"}]`, character offsets).
    #[serde(default)]
    confidence: Option<TurnConfidence>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TurnConfidence {
    Turn(f64),
    Stretches(Vec<Stretch>),
}

#[derive(Deserialize)]
struct Stretch {
    start: usize,
    end: usize,
    value: f64,
}

/// Milliseconds as an integer or a number with a fraction (some exporters write `1234.5`);
/// negative or non-finite values are an error rather than a silently wrong timeline.
fn millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms.round() as u64)),
        Some(ms) => Err(serde::de::Error::custom(format!(
            "begin/end 应为非负的毫秒数,而不是 {ms}"
        ))),
    }
}

impl JsonFormat for Canonical {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has("turns") && !shape.has("turns.words")
    }

    fn id_of(&self, value: &Value) -> Option<String> {
        super::json::id_field(value, &["id"])
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let raw: JsonCall = serde_json::from_value(value).map_err(|e| format_error(NAME, &e))?;
        let id = raw.id.as_ref().map(scalar).filter(|s| !s.is_empty());
        let meta = raw
            .meta
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), scalar(v)))
            .collect();
        let segments = raw
            .turns
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let who = match Role::from_label(&t.role) {
                    Some(role) => Who::Role(role),
                    None => Who::Speaker(speaker_label(&t.role).ok_or_else(|| {
                        InputError::Turn {
                            turn: i,
                            message: format!(
                                "无法识别的角色 \"{}\" (应为 agent/customer、客服、客户 等,或 spk0、说话人1 这样的说话人编号)",
                                t.role
                            ),
                        }
                    })?),
                };
                if let (Some(b), Some(e)) = (t.begin, t.end) {
                    if e < b {
                        return Err(InputError::Turn {
                            turn: i,
                            message: format!("end ({e}) 早于 begin ({b})"),
                        });
                    }
                }
                // The text is kept as given here; the roles stage only removes control
                // characters (and a role label at its start, for speaker turns).
                let bad = |c: f64| InputError::Turn {
                    turn: i,
                    message: format!("confidence 应为 0 到 1 之间的识别置信度,而不是 {c}"),
                };
                let (whole, words) = match t.confidence {
                    None => (None, Vec::new()),
                    Some(TurnConfidence::Turn(c)) if !(0.0..=1.0).contains(&c) => return Err(bad(c)),
                    Some(TurnConfidence::Turn(c)) => (super::probability(Some(c)), Vec::new()),
                    Some(TurnConfidence::Stretches(stretches)) => {
                        // Each stretch becomes the words it covers, found again in the text
                        // as a recogniser's scored words are.
                        let chars: Vec<char> = t.text.chars().collect();
                        let mut words = Vec::with_capacity(stretches.len());
                        for s in stretches {
                            if !(0.0..=1.0).contains(&s.value) {
                                return Err(bad(s.value));
                            }
                            let end = s.end.min(chars.len());
                            let word: String = chars[s.start.min(end)..end].iter().collect();
                            words.extend(super::probability(Some(s.value)).map(|p| (word, p)));
                        }
                        (None, words)
                    }
                };
                Ok(Segment {
                    who,
                    text: t.text,
                    begin: t.begin,
                    end: t.end,
                    confidence: whole,
                    words,
                    ..Segment::default()
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Transcript {
            id,
            meta,
            segments,
            ..Transcript::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json::{Json, ValueReader};
    use serde_json::json;

    #[test]
    fn ids_meta_speakers_and_text_as_given() {
        let t = Canonical
            .call(json!({"id":7,"meta":{"agent":1024,"line":null},"turns":[
                {"role":"客服","text":"  您好 ","begin":0,"end":899.6},
                {"role":"spk1","text":"喂"}]}))
            .unwrap();
        assert_eq!(t.id.as_deref(), Some("7"));
        assert_eq!(t.meta["agent"], "1024");
        assert_eq!(t.meta["line"], "");
        assert_eq!(t.segments[0].text, "  您好 ");
        assert_eq!(t.segments[0].end, Some(900));
        assert_eq!(t.segments[1].who, Who::Speaker("spk1".into()));
    }

    #[test]
    fn bad_times_and_roles_name_the_turn() {
        let err = Canonical
            .call(json!({"turns":[{"role":"agent","text":"您好","begin":-5}]}))
            .unwrap_err();
        assert!(err.to_string().contains("非负的毫秒数"), "{err}");
        let err = Canonical
            .call(json!({"turns":[{"role":"agent","text":"a"},{"role":"IVR","text":"欢迎致电"}]}))
            .unwrap_err();
        assert!(matches!(err, InputError::Turn { turn: 1, .. }), "{err:?}");
        let err = Canonical
            .call(json!({"turns":[{"role":"agent","text":"a","begin":5,"end":1}]}))
            .unwrap_err();
        assert!(err.to_string().contains("早于"), "{err}");
        let err = Canonical
            .call(json!({"turns":[{"role":"agent","text":"a"},{"role":"agent","text":"b","confidence":87}]}))
            .unwrap_err();
        assert!(matches!(err, InputError::Turn { turn: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("0 到 1"), "{err}");
    }

    #[test]
    fn a_turn_s_confidence_covers_the_turn() {
        let t = Canonical
            .call(json!({"turns":[{"role":"agent","text":"您好","confidence":0.456},{"role":"customer","text":"喂"}]}))
            .unwrap();
        assert_eq!(t.segments[0].confidence, Some(0.46));
        assert_eq!(t.segments[1].confidence, None);
        // Stretches as the results JSONL writes them read back as scored words.
        let t = Canonical
            .call(
                json!({"turns":[{"role":"agent","text":"您好不知道","confidence":[
                {"start":0,"end":2,"value":0.9},{"start":2,"end":5,"value":0.2}]}]}),
            )
            .unwrap();
        assert_eq!(
            t.segments[0].words,
            [("您好".to_string(), 0.9), ("不知道".to_string(), 0.2)]
        );
        let err = Canonical
            .call(json!({"turns":[{"role":"agent","text":"您好","confidence":[{"start":0,"end":2,"value":3}]}]}))
            .unwrap_err();
        assert!(err.to_string().contains("0 到 1"), "{err}");
    }

    #[test]
    fn an_array_holds_one_call_per_element() {
        let calls = Json(Canonical).calls_in(json!([
            {"turns":[{"role":"agent","text":"a"}]},
            {"id":"J2","turns":"oops"}
        ]));
        assert_eq!(calls.len(), 2);
        assert!(calls[0].1.is_ok() && calls[1].1.is_err());
        // The broken call keeps its own id for its error row.
        assert_eq!(calls[1].0.as_deref(), Some("J2"));
    }
}
