//! OpenAI Whisper `transcribe()` JSON and WhisperX's diarized output: `{"text", "segments":
//! [{"start", "end", "text", "speaker"?, "words"?}], "language"}`, times in float seconds.
//!
//! In: one result's JSON value. Out: a [`Transcript`]; WhisperX's `speaker` (`SPEAKER_00`)
//! names the segment's speaker. Plain Whisper does not diarize: unless the text itself labels
//! the speakers (`客服：`), such a call cannot be told apart and is reported as such. Whisper's
//! habit of starting a segment's text with a space is undone.

use serde_json::Value;

use super::json::{array, field, id_field, ms, number_field, text_field, times, JsonFormat, Shape};
use super::{probability, InputError, Segment, Transcript, Who};

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
            // exp(avg_logprob) is the segment's mean token probability. Whisper drops a segment
            // as silence only when no_speech_prob > 0.6 *and* avg_logprob < -1: confident
            // tokens are speech whatever no_speech_prob says, so it adds nothing here.
            let confidence = number_field(s, &["avg_logprob"]).map(f64::exp);
            // Word probabilities: `probability` from Whisper, `score` from WhisperX.
            let words = field(s, &["words"])
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|w| {
                    let p = probability(number_field(w, &["probability", "score"]))?;
                    Some((text_field(w, &["word", "text"]), p))
                })
                .collect();
            segments.push(Segment {
                who,
                text: text_field(s, &["text"]).trim().to_string(),
                begin,
                end,
                confidence: probability(confidence),
                words,
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
        // WhisperX scores words; plain Whisper's segments have neither.
        assert_eq!(t.segments[0].words, [("您好".to_string(), 0.91)]);
        assert_eq!(t.segments[1].confidence, None);
    }

    /// A segment is as sure as exp(avg_logprob), to two decimals; Whisper's word `probability`
    /// is read as WhisperX's `score` is.
    #[test]
    fn segment_and_word_confidence() {
        let v = json!({"segments":[
            {"start":0.0,"end":1.0,"text":"您好","avg_logprob":-0.1,"no_speech_prob":0.02},
            {"start":1.0,"end":2.0,"text":"嗯","avg_logprob":-0.1,"no_speech_prob":0.7},
            {"start":2.0,"end":3.0,"text":" 稍等","avg_logprob":-1.2,
             "words":[{"word":" 稍","start":2.0,"end":2.4,"probability":0.412},
                      {"word":"等","start":2.4,"end":3.0,"probability":1.7}]}]});
        let t = Whisper.call(v).unwrap();
        let whole: Vec<Option<f32>> = t.segments.iter().map(|s| s.confidence).collect();
        // A high no_speech_prob with confident tokens is still speech, as Whisper keeps it.
        assert_eq!(whole, [Some(0.9), Some(0.9), Some(0.3)]);
        // A probability above 1 is no probability.
        assert_eq!(t.segments[2].words, [(" 稍".to_string(), 0.41)]);
    }
}
