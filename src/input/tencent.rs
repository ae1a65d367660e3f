//! Tencent Cloud 录音文件识别 (`DescribeTaskStatus`) results: `Response.Data.ResultDetail[]`
//! with `FinalSentence`, `StartMs`/`EndMs`, and when enabled `SpeakerId`, `SpeechSpeed`,
//! `SilenceTime`, `EmotionalEnergy`; `AudioDuration` in float seconds. With `ResTextFormat=0`
//! there is no `ResultDetail`, only the flat `Result` text, `[0:0.020,0:2.380,0]  text` per
//! line (the third number being the speaker), which is read instead.
//!
//! In: one result's JSON value (the `Response` envelope, its `Data`, or `Data` alone). Out: a
//! [`Transcript`] with speakers `spk0`, `spk1`….

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::json::{field, id_field, ms, number_field, text_field, times, JsonFormat, Shape};
use super::{InputError, Segment, Signals, Transcript, Who};

pub struct Tencent;

const NAME: &str = "腾讯云录音文件识别";

impl JsonFormat for Tencent {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        ["Response.Data", "Data"].iter().any(|d| {
            shape.has(&format!("{d}.ResultDetail"))
                || shape.has(&format!("{d}.Result")) && shape.has(&format!("{d}.StatusStr"))
        }) || shape.has("ResultDetail.FinalSentence")
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let response = field(&value, &["Response"]).unwrap_or(&value);
        if let Some(error) = response.get("Error") {
            return Err(InputError::Format {
                format: NAME,
                message: format!("接口返回错误: {}", text_field(error, &["Message", "Code"])),
            });
        }
        let data = field(response, &["Data"]).unwrap_or(response);
        let status = text_field(data, &["StatusStr"]);
        if !status.is_empty() && status != "success" {
            return Err(InputError::Format {
                format: NAME,
                message: format!(
                    "识别任务没有成功 (StatusStr: {status}{}),没有可质检的文字",
                    match text_field(data, &["ErrorMsg"]) {
                        m if m.is_empty() => String::new(),
                        m => format!(", {m}"),
                    }
                ),
            });
        }
        let segments = match field(data, &["ResultDetail"]) {
            Some(Value::Array(details)) => details
                .iter()
                .enumerate()
                .map(|(n, s)| {
                    let begin = field(s, &["StartMs"]).and_then(|v| ms(v, 1.0));
                    let end = field(s, &["EndMs"]).and_then(|v| ms(v, 1.0));
                    let (begin, end) = times(NAME, n, begin, end)?;
                    Ok(Segment {
                        who: match id_field(s, &["SpeakerId"]) {
                            Some(id) => Who::Speaker(format!("spk{id}")),
                            None => Who::Unknown,
                        },
                        text: text_field(s, &["FinalSentence"]),
                        begin,
                        end,
                        signals: Signals {
                            emotion: number_field(s, &["EmotionalEnergy"]),
                            speech_rate: number_field(s, &["SpeechSpeed"]),
                            silence_ms: field(s, &["SilenceTime"]).and_then(|v| ms(v, 1.0)),
                        },
                        ..Segment::default()
                    })
                })
                .collect::<Result<Vec<_>, InputError>>()?,
            _ => flat_result(&text_field(data, &["Result"]))?,
        };
        let mut meta = std::collections::BTreeMap::new();
        if let Some(task) = id_field(data, &["TaskId"]) {
            meta.insert("task_id".to_string(), task);
        }
        Ok(Transcript {
            id: None,
            meta,
            segments,
            duration_ms: field(data, &["AudioDuration"]).and_then(|v| ms(v, 1000.0)),
            sentences: true,
        })
    }
}

/// `[0:0.020,0:2.380,0]  腾讯云语音识别欢迎您。` lines: minutes:seconds, twice, then the speaker.
static FLAT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(\d+):(\d+(?:\.\d+)?),(\d+):(\d+(?:\.\d+)?)(?:,(\d+))?\]\s*(.*)$").unwrap()
});

fn flat_result(text: &str) -> Result<Vec<Segment>, InputError> {
    let mut segments = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(c) = FLAT_LINE.captures(line) else {
            continue;
        };
        let at = |m: &str, s: &str| {
            let minutes: f64 = m.parse().unwrap_or(0.0);
            let seconds: f64 = s.parse().unwrap_or(0.0);
            ((minutes * 60.0 + seconds) * 1000.0).round() as u64
        };
        let (begin, end) = times(
            NAME,
            segments.len(),
            Some(at(&c[1], &c[2])),
            Some(at(&c[3], &c[4])),
        )?;
        segments.push(Segment {
            who: c
                .get(5)
                .map_or(Who::Unknown, |m| Who::Speaker(format!("spk{}", m.as_str()))),
            text: c[6].to_string(),
            begin,
            end,
            ..Segment::default()
        });
    }
    if segments.is_empty() {
        return Err(InputError::Format {
            format: NAME,
            message: "既没有 ResultDetail,Result 里也没有 [开始,结束] 形式的识别结果".into(),
        });
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_detail_in_the_envelope() {
        let v = json!({"Response":{"RequestId":"r","Data":{"TaskId":9266418,"Status":2,"StatusStr":"success","AudioDuration":4.3,
            "Result":"[0:0.020,0:2.380,0]  您好，工号1024。\n",
            "ResultDetail":[
                {"FinalSentence":"您好，工号1024。","StartMs":20,"EndMs":2380,"SpeechSpeed":5.9,"SpeakerId":0,"SilenceTime":0,"EmotionalEnergy":0},
                {"FinalSentence":"我要投诉。","StartMs":2900,"EndMs":4300,"SpeakerId":1}]}}});
        assert!(Tencent.detect(&Shape::of(&v)));
        let t = Tencent.call(v).unwrap();
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.segments[1].who, Who::Speaker("spk1".into()));
        assert_eq!(t.duration_ms, Some(4300));
        assert_eq!(t.meta["task_id"], "9266418");
    }

    #[test]
    fn flat_result_text_and_failures() {
        let v = json!({"Data":{"StatusStr":"success","Result":"[0:0.020,0:2.380,0]  您好，工号1024。\n[0:2.900,0:4.300,1]  我要投诉。\n"}});
        assert!(Tencent.detect(&Shape::of(&v)));
        let t = Tencent.call(v).unwrap();
        assert_eq!(t.segments[1].begin, Some(2900));
        assert_eq!(t.segments[1].text, "我要投诉。");
        let failed = json!({"Response":{"Data":{"StatusStr":"failed","ErrorMsg":"音频下载失败","Result":""}}});
        let err = Tencent.call(failed).unwrap_err().to_string();
        assert!(err.contains("音频下载失败"), "{err}");
    }
}
