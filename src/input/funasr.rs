//! FunASR / Paraformer `AutoModel.generate()` output with `vad_model`, `punc_model` and
//! `spk_model`: a list of `{"key", "text", "sentence_info": [{"text", "start", "end", "spk"}]}`,
//! one element per recording. Times are integer milliseconds; `spk` is a cluster number, not a
//! role. With `spk_mode="vad_segment"` a sentence's words are under `sentence`.
//!
//! In: one result's JSON value. Out: a [`Transcript`] with speakers `spk0`, `spk1`…; the
//! element's `key` (the audio file's name) is the call id.

use serde_json::Value;

use super::json::{array, field, id_field, ms, text_field, times, JsonFormat, Shape};
use super::{InputError, Segment, Transcript, Who};

pub struct FunAsr;

const NAME: &str = "FunASR / Paraformer";

impl JsonFormat for FunAsr {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has("sentence_info")
    }

    fn id_of(&self, value: &Value) -> Option<String> {
        super::json::id_field(value, &["key"])
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let sentences = array(NAME, &value, &["sentence_info"])?;
        let mut segments = Vec::with_capacity(sentences.len());
        for (n, s) in sentences.iter().enumerate() {
            let begin = field(s, &["start"]).and_then(|v| ms(v, 1.0));
            let end = field(s, &["end"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            let who = match id_field(s, &["spk"]) {
                Some(spk) => Who::Speaker(format!("spk{spk}")),
                None => Who::Unknown,
            };
            segments.push(Segment {
                who,
                text: text_field(s, &["text", "sentence"]),
                begin,
                end,
                ..Segment::default()
            });
        }
        Ok(Transcript {
            id: id_field(&value, &["key"]),
            segments,
            sentences: true,
            ..Transcript::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sentences_speakers_and_key() {
        let v = json!({"key":"call_0001","text":"您好，很高兴为您服务。我想查一下账单。",
            "sentence_info":[
                {"text":"您好，很高兴为您服务。","start":380,"end":2410,"timestamp":[[380,620]],"spk":0},
                {"sentence":"我想查一下账单。","start":2900,"end":4300,"spk":1}]});
        assert!(FunAsr.detect(&Shape::of(&json!([v.clone()]))));
        let t = FunAsr.call(v).unwrap();
        assert_eq!(t.id.as_deref(), Some("call_0001"));
        assert_eq!(t.segments[1].who, Who::Speaker("spk1".into()));
        assert_eq!(t.segments[1].text, "我想查一下账单。");
    }
}
