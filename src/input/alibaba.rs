//! Alibaba Cloud speech recognition results.
//!
//! - [`FileTrans`]: 录音文件识别 (`GetTaskResult`): `Result.Sentences[]` with `ChannelId`,
//!   `BeginTime`/`EndTime` (ms), `Text`, and when enabled `SpeakerId` (智能分轨),
//!   `EmotionValue`, `SpeechRate`, `SilenceDuration` (s). The whole response envelope
//!   (`TaskId`, `StatusText`, `BizDuration`), the bare `Result` object, and the lower-case
//!   spellings older SDKs write (`result.sentences[].begin_time`) are read alike.
//! - [`DashScope`]: 百炼 / DashScope Paraformer file transcription:
//!   `transcripts[{channel_id, sentences[{begin_time, end_time, text, speaker_id}]}]`.
//!
//! In: one result's JSON value. Out: a [`Transcript`] whose speakers are channels (`声道0`) or
//! 智能分轨 speakers (`说话人1`); which one is the agent is decided later.

use serde_json::Value;

use super::json::{
    array, field, id_field, ms, number_field, text_field, times, unwrap_string_json, JsonFormat,
    Shape,
};
use super::speakers::channel_label;
use super::{InputError, Segment, Signals, Transcript, Who};

pub struct FileTrans;
pub struct DashScope;

const FILETRANS: &str = "阿里云录音文件识别";
const DASHSCOPE: &str = "阿里云百炼 (DashScope) 录音文件识别";

impl JsonFormat for FileTrans {
    fn name(&self) -> &'static str {
        FILETRANS
    }

    fn detect(&self, shape: &Shape) -> bool {
        [
            "Result.Sentences",
            "result.sentences",
            "Sentences",
            "sentences",
        ]
        .iter()
        .any(|p| shape.has(p))
            && !shape.has("transcripts")
            || shape.has("StatusText") && shape.has("TaskId")
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let status = text_field(&value, &["StatusText", "statusText", "status_text"]);
        if !status.is_empty() && !status.eq_ignore_ascii_case("SUCCESS") {
            return Err(InputError::Format {
                format: FILETRANS,
                message: format!("识别任务没有成功 (StatusText: {status}),没有可质检的文字"),
            });
        }
        let result = match field(&value, &["Result", "result"]) {
            Some(r) => unwrap_string_json(r.clone())
                .map_err(|e| super::json::format_error(FILETRANS, &e))?,
            None => value.clone(),
        };
        let sentences = array(FILETRANS, &result, &["Sentences", "sentences"])?;
        let mut segments = Vec::with_capacity(sentences.len());
        for (n, s) in sentences.iter().enumerate() {
            let begin =
                field(s, &["BeginTime", "beginTime", "begin_time"]).and_then(|v| ms(v, 1.0));
            let end = field(s, &["EndTime", "endTime", "end_time"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(FILETRANS, n, begin, end)?;
            let who = match id_field(s, &["SpeakerId", "speakerId", "speaker_id"]) {
                Some(id) => Who::Speaker(format!("说话人{id}")),
                None => match number_field(s, &["ChannelId", "channelId", "channel_id"]) {
                    Some(ch) if ch >= 0.0 => Who::Speaker(channel_label(ch as u64)),
                    _ => Who::Unknown,
                },
            };
            segments.push(Segment {
                who,
                text: text_field(s, &["Text", "text"]),
                begin,
                end,
                signals: Signals {
                    emotion: number_field(s, &["EmotionValue", "emotionValue", "emotion_value"]),
                    speech_rate: number_field(s, &["SpeechRate", "speechRate", "speech_rate"]),
                    silence_ms: field(
                        s,
                        &["SilenceDuration", "silenceDuration", "silence_duration"],
                    )
                    .and_then(|v| ms(v, 1000.0)),
                },
                // The realtime API's `confidence` of a sentence, 0–1, where an export keeps it.
                confidence: super::probability(number_field(s, &["Confidence", "confidence"])),
                words: Vec::new(),
            });
        }
        let mut meta = std::collections::BTreeMap::new();
        if let Some(task) = id_field(&value, &["TaskId", "taskId", "task_id"]) {
            meta.insert("task_id".to_string(), task);
        }
        Ok(Transcript {
            id: None,
            meta,
            segments,
            duration_ms: field(&value, &["BizDuration", "bizDuration", "biz_duration"])
                .and_then(|v| ms(v, 1.0)),
            sentences: true,
        })
    }
}

impl JsonFormat for DashScope {
    fn name(&self) -> &'static str {
        DASHSCOPE
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has("transcripts.sentences")
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let mut segments = Vec::new();
        for channel in array(DASHSCOPE, &value, &["transcripts"])? {
            let channel_id = number_field(channel, &["channel_id"]);
            for (n, s) in array(DASHSCOPE, channel, &["sentences"])?
                .iter()
                .enumerate()
            {
                let begin = field(s, &["begin_time"]).and_then(|v| ms(v, 1.0));
                let end = field(s, &["end_time"]).and_then(|v| ms(v, 1.0));
                let (begin, end) = times(DASHSCOPE, n, begin, end)?;
                let who = match (id_field(s, &["speaker_id"]), channel_id) {
                    (Some(id), _) => Who::Speaker(format!("说话人{id}")),
                    (None, Some(ch)) => Who::Speaker(channel_label(ch as u64)),
                    (None, None) => Who::Unknown,
                };
                segments.push(Segment {
                    who,
                    text: text_field(s, &["text"]),
                    begin,
                    end,
                    ..Segment::default()
                });
            }
        }
        // Channels are listed one after the other; the roles stage puts the sentences in time
        // order (when every one has a time), as it does for any recogniser.
        let duration_ms = value
            .pointer("/properties/original_duration_in_milliseconds")
            .and_then(|v| ms(v, 1.0));
        let mut meta = std::collections::BTreeMap::new();
        if let Some(url) = field(&value, &["file_url"]).and_then(Value::as_str) {
            meta.insert("file_url".to_string(), url.to_string());
        }
        Ok(Transcript {
            id: None,
            meta,
            segments,
            duration_ms,
            sentences: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_channels_and_signals() {
        let v = json!({"TaskId":"t1","StatusText":"SUCCESS","BizDuration":4300,
            "Result":{"Sentences":[
                {"BeginTime":340,"EndTime":2365,"Text":"您好，很高兴为您服务。","ChannelId":0,"SpeechRate":177,"EmotionValue":5.0,"SilenceDuration":0},
                {"BeginTime":2900,"EndTime":4300,"Text":"我要投诉。","ChannelId":1,"SpeechRate":210,"EmotionValue":6.2,"SilenceDuration":1}]}});
        assert!(FileTrans.detect(&Shape::of(&v)));
        assert!(!DashScope.detect(&Shape::of(&v)));
        let t = FileTrans.call(v).unwrap();
        assert_eq!(t.segments[1].who, Who::Speaker("声道1".into()));
        assert_eq!(t.segments[1].signals.emotion, Some(6.2));
        assert_eq!(t.segments[1].signals.silence_ms, Some(1000));
        assert_eq!(t.duration_ms, Some(4300));
        assert_eq!(t.meta["task_id"], "t1");
    }

    #[test]
    fn lower_case_and_failed_tasks() {
        let v = json!({"result":{"sentences":[{"begin_time":0,"end_time":900,"text":"您好","channel_id":0}]}});
        assert!(FileTrans.detect(&Shape::of(&v)));
        assert_eq!(FileTrans.call(v).unwrap().segments[0].end, Some(900));
        let failed = json!({"TaskId":"t","StatusText":"FILE_DOWNLOAD_FAILED"});
        assert!(FileTrans.detect(&Shape::of(&failed)));
        let err = FileTrans.call(failed).unwrap_err().to_string();
        assert!(err.contains("FILE_DOWNLOAD_FAILED"), "{err}");
    }

    #[test]
    fn dashscope_channels_interleave() {
        let v = json!({"file_url":"https://x/a.wav","properties":{"original_duration_in_milliseconds":5000},
            "transcripts":[
                {"channel_id":0,"sentences":[{"begin_time":0,"end_time":1000,"text":"您好"},{"begin_time":3000,"end_time":4000,"text":"好的"}]},
                {"channel_id":1,"sentences":[{"begin_time":1500,"end_time":2500,"text":"我要查话费"}]}]});
        let call =
            crate::input::speakers::assign(DashScope.call(v.clone()).unwrap(), &Default::default())
                .unwrap();
        let texts: Vec<&str> = call.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["您好", "我要查话费", "好的"]);
        let t = DashScope.call(v).unwrap();
        assert_eq!(t.duration_ms, Some(5000));
    }
}
