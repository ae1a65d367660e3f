//! Huawei Cloud SIS 录音文件识别 (`CollectTranscriberJob`) results: `segments[{start_time,
//! end_time, result: {text, analysis_info: {role, emotion, speed}}}]`, times in milliseconds,
//! `audio_duration` in milliseconds. With `need_analysis_info` the recogniser names the roles
//! itself (`AGENT`, `USER` for 8 kHz and dual-channel audio) or speakers (`speaker1`…).
//!
//! In: one result's JSON value. Out: a [`Transcript`] with roles, or speakers when SIS gave
//! speakers or nothing.

use serde_json::Value;

use super::json::{array, field, id_field, ms, number_field, text_field, times, JsonFormat, Shape};
use super::{probability, InputError, Role, Segment, Signals, Transcript, Who};

pub struct Huawei;

const NAME: &str = "华为云录音文件识别";

impl JsonFormat for Huawei {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        shape.has_all(&["segments.start_time", "segments.result"])
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let status = text_field(&value, &["status"]);
        if !status.is_empty() && status != "FINISHED" {
            return Err(InputError::Format {
                format: NAME,
                message: format!(
                    "识别任务没有完成 (status: {status}{}),没有可质检的文字",
                    match text_field(&value, &["error_msg"]) {
                        m if m.is_empty() => String::new(),
                        m => format!(", {m}"),
                    }
                ),
            });
        }
        let mut segments = Vec::new();
        for (n, s) in array(NAME, &value, &["segments"])?.iter().enumerate() {
            let begin = field(s, &["start_time"]).and_then(|v| ms(v, 1.0));
            let end = field(s, &["end_time"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            let result = field(s, &["result"]).unwrap_or(&Value::Null);
            let analysis = field(result, &["analysis_info"]).unwrap_or(&Value::Null);
            let who = match id_field(analysis, &["role"]).as_deref() {
                Some(r) if r.eq_ignore_ascii_case("AGENT") => Who::Role(Role::Agent),
                Some(r) if r.eq_ignore_ascii_case("USER") => Who::Role(Role::Customer),
                Some(speaker) => Who::Speaker(speaker.to_string()),
                None => Who::Unknown,
            };
            segments.push(Segment {
                who,
                text: text_field(result, &["text"]),
                begin,
                end,
                signals: Signals {
                    // SIS names the emotion (NORMAL, ANGRY) rather than measuring it.
                    emotion: match text_field(analysis, &["emotion"]).as_str() {
                        "ANGRY" => Some(1.0),
                        "NORMAL" => Some(0.0),
                        _ => None,
                    },
                    speech_rate: number_field(analysis, &["speed"]),
                    silence_ms: None,
                },
                // `score`: the sentence's confidence, 0–1.
                confidence: probability(number_field(result, &["score"])),
                words: Vec::new(),
            });
        }
        let mut meta = std::collections::BTreeMap::new();
        if let Some(job) = id_field(&value, &["job_id"]) {
            meta.insert("job_id".to_string(), job);
        }
        Ok(Transcript {
            id: None,
            meta,
            segments,
            duration_ms: field(&value, &["audio_duration"]).and_then(|v| ms(v, 1.0)),
            sentences: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_from_analysis_info() {
        let v = json!({"status":"FINISHED","audio_duration":9000,"segments":[
            {"start_time":300,"end_time":2500,"result":{"text":"您好，请问有什么可以帮您？","analysis_info":{"role":"AGENT","emotion":"NORMAL","speed":4.1}}},
            {"start_time":2900,"end_time":5000,"result":{"text":"我要投诉。","analysis_info":{"role":"USER","emotion":"ANGRY","speed":5.3}}}]});
        assert!(Huawei.detect(&Shape::of(&v)));
        let t = Huawei.call(v).unwrap();
        assert_eq!(t.segments[0].who, Who::Role(Role::Agent));
        assert_eq!(t.segments[1].who, Who::Role(Role::Customer));
        assert_eq!(t.segments[1].signals.emotion, Some(1.0));
        assert_eq!(t.duration_ms, Some(9000));
        let err = Huawei
            .call(json!({"status":"ERROR","error_msg":"音频格式不支持","segments":[]}))
            .unwrap_err();
        assert!(err.to_string().contains("音频格式不支持"), "{err}");
    }
}
