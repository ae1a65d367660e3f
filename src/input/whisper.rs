//! OpenAI Whisper `transcribe()` JSON and WhisperX's diarized output: `{"text", "segments":
//! [{"start", "end", "text", "speaker"?, "words"?}], "language"}`, times in float seconds.
//!
//! In: one result's JSON value. Out: a [`Transcript`]; WhisperX's `speaker` (`SPEAKER_00`)
//! names the segment's speaker. Plain Whisper does not diarize: unless the text itself labels
//! the speakers (`客服：`), such a call cannot be told apart and is reported as such. Whisper's
//! habit of starting a segment's text with a space is undone.

use serde_json::Value;

use super::json::{array, field, id_field, ms, text_field, times, JsonFormat, Shape};
use super::{InputError, Segment, Transcript, Who};

pub struct Whisper;

const NAME: &str = "Whisper / WhisperX";

impl JsonFormat for Whisper {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has_all(&["segments.start", "segments.end", "segments.text"])
            && !shape.has("segments.result")
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let items = array(NAME, &value, &["segments"])?;
        let mut segments = Vec::with_capacity(items.len());
        for (n, s) in items.iter().enumerate() {
            let begin = field(s, &["start"]).and_then(|v| ms(v, 1000.0));
            let end = field(s, &["end"]).and_then(|v| ms(v, 1000.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            let who = match id_field(s, &["speaker"]) {
                Some(speaker) => Who::Speaker(speaker),
                None => Who::Unknown,
            };
            segments.push(Segment {
                who,
                text: text_field(s, &["text"]).trim().to_string(),
                begin,
                end,
                ..Segment::default()
            });
        }
        let mut meta = std::collections::BTreeMap::new();
        if let Some(language) = id_field(&value, &["language"]) {
            meta.insert("language".to_string(), language);
        }
        Ok(Transcript {
            id: None,
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
    fn seconds_speakers_and_leading_spaces() {
        let v = json!({"language":"zh","text":" 您好","segments":[
            {"id":0,"start":0.38,"end":2.41,"text":" 您好，很高兴为您服务。","speaker":"SPEAKER_00",
             "words":[{"word":"您好","start":0.38,"end":0.62,"score":0.91,"speaker":"SPEAKER_00"}]},
            {"id":1,"start":2.9,"end":4.3,"text":"我想查一下账单。"}]});
        assert!(Whisper.detect(&Shape::of(&v)));
        let t = Whisper.call(v).unwrap();
        assert_eq!(t.segments[0].text, "您好，很高兴为您服务。");
        assert_eq!(
            (t.segments[0].begin, t.segments[0].end),
            (Some(380), Some(2410))
        );
        assert_eq!(t.segments[0].who, Who::Speaker("SPEAKER_00".into()));
        assert_eq!(t.segments[1].who, Who::Unknown);
        assert_eq!(t.meta["language"], "zh");
    }
}
