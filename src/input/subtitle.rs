//! Subtitles: SRT and WebVTT, as Whisper's command line, FunASR web UIs and vendors export
//! recognised calls.
//!
//! In: the decoded text of a `.srt` / `.vtt` file. Out: one [`Transcript`] whose segments are
//! the cues. The speaker comes from a WebVTT voice tag (`<v 客服>`), or a label at the start of
//! the cue (`客服：`, `[SPEAKER_00]`, `说话人1：`); a cue without one continues the speaker
//! before it. Cue numbers and identifiers, `NOTE`/`STYLE` blocks, settings after the times and
//! formatting tags are dropped; a missing blank line between cues is tolerated.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{label, split_label, to_ms, TIME};
use super::{Doc, Fit, InputError, Out, Probe, Reader, Segment, Transcript, Unit, Who};

pub struct Srt;
pub struct WebVtt;

impl Reader for Srt {
    fn name(&self) -> &'static str {
        "SRT 字幕"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["srt"]
    }

    fn detect(&self, probe: &Probe<'_>) -> Fit {
        if probe
            .head
            .trim_start_matches('\u{feff}')
            .starts_with("WEBVTT")
        {
            return Fit::NONE;
        }
        match (
            probe.extension_is(self.extensions()),
            first_cue_time(probe.head),
        ) {
            (_, true) => Fit(40),
            (true, false) => Fit::EXTENSION,
            _ => Fit::NONE,
        }
    }

    fn read(&self, doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
        read_document(doc, out)
    }
}

impl Reader for WebVtt {
    fn name(&self) -> &'static str {
        "WebVTT 字幕"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["vtt"]
    }

    fn detect(&self, probe: &Probe<'_>) -> Fit {
        if probe
            .head
            .trim_start_matches('\u{feff}')
            .starts_with("WEBVTT")
        {
            Fit::SIGNATURE
        } else if probe.extension_is(self.extensions()) {
            Fit::EXTENSION
        } else {
            Fit::NONE
        }
    }

    fn read(&self, doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
        read_document(doc, out)
    }
}

/// Both subtitle formats are one call per file, read the same way.
fn read_document(doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
    let text = doc.text()?;
    let transcript = read_cues(&text);
    // `out` may grade the call at once: the document is not held beside it.
    drop(text);
    out(None, Unit::Ready(transcript));
    Ok(())
}

/// `00:00:00,380 --> 00:00:02,410` or `00:00.380 --> 00:02.410 align:start`.
static CUE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*{TIME}\s*-->\s*{TIME}(?:\s.*)?$")).unwrap());

static VOICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<v(?:\.[^\s>]*)?\s+([^>]+)>").unwrap());

/// `<i>`, `</v>`, `<c.yellow>`, `<00:00:01.000>`, and SRT's `{\an8}`.
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>|\{\\[^}]*\}").unwrap());

/// Whether a cue timing line comes early in the text (within the first twenty lines).
fn first_cue_time(head: &str) -> bool {
    head.lines().take(20).any(|l| CUE_TIME.is_match(l))
}

struct Cue {
    begin: u64,
    end: u64,
    lines: Vec<String>,
}

fn read_cues(text: &str) -> Result<Transcript, InputError> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut in_cue = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(c) = CUE_TIME.captures(line) {
            // A cue number with no blank line before it was taken as text; only the number
            // the next cue would have, so a spoken number (a phone number) is kept.
            let next = (cues.len() + 1).to_string();
            if let Some(last) = cues.last_mut() {
                if in_cue && last.lines.last() == Some(&next) {
                    last.lines.pop();
                }
            }
            let begin = to_ms(c.get(1), &c[2], &c[3]);
            let end = to_ms(c.get(4), &c[5], &c[6]);
            if end < begin {
                return Err(InputError::Line {
                    line: i + 1,
                    message: "字幕的结束时间早于开始时间".into(),
                });
            }
            cues.push(Cue {
                begin,
                end,
                lines: Vec::new(),
            });
            in_cue = true;
        } else if line.is_empty() {
            in_cue = false;
        } else if in_cue {
            if let Some(cue) = cues.last_mut() {
                cue.lines.push(line.to_string());
            }
        }
    }
    if cues.is_empty() {
        return Err(InputError::Format {
            format: "字幕",
            message: "没有找到任何字幕时间行 (如 00:00:01,000 --> 00:00:03,000)".into(),
        });
    }
    let segments = cues
        .into_iter()
        .map(|cue| {
            let raw = cue.lines.join("\n");
            let voice = VOICE.captures(&raw).and_then(|c| {
                let name = c[1].trim();
                label(name).or_else(|| (!name.is_empty()).then(|| Who::Speaker(name.to_string())))
            });
            let plain = entities(&TAG.replace_all(&raw, ""));
            let (who, words) = match voice {
                Some(who) => (who, plain.trim().to_string()),
                None => match split_label(plain.trim()) {
                    Some((who, said)) => (who, said.trim().to_string()),
                    None => (Who::Unknown, plain.trim().to_string()),
                },
            };
            Segment {
                who,
                text: words,
                begin: Some(cue.begin),
                end: Some(cue.end),
                ..Segment::default()
            }
        })
        .collect();
    Ok(Transcript {
        segments,
        sentences: true,
        ..Transcript::default()
    })
}

/// The character references subtitle files use.
fn entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Role;

    #[test]
    fn srt_with_speaker_prefixes_and_a_missing_blank_line() {
        let t = read_cues(
            "\u{feff}1\r\n00:00:00,380 --> 00:00:02,410\n[SPEAKER_00] 您好，很高兴为您服务。\n2\n00:00:02,900 --> 00:00:04,300\n[SPEAKER_01] 我想查一下<i>账单</i>。\n\n3\n00:00:04,500 --> 00:00:05,000\n好的\n",
        )
        .unwrap();
        assert_eq!(t.segments.len(), 3);
        assert_eq!(t.segments[0].who, Who::Speaker("SPEAKER_00".into()));
        assert_eq!(t.segments[0].text, "您好，很高兴为您服务。");
        assert_eq!(t.segments[1].text, "我想查一下账单。");
        assert_eq!(
            (t.segments[1].begin, t.segments[1].end),
            (Some(2900), Some(4300))
        );
        assert_eq!(t.segments[2].who, Who::Unknown);
    }

    #[test]
    fn webvtt_voices_notes_and_settings() {
        let t = read_cues(
            "WEBVTT - 通话 0001\n\nNOTE 由 FunASR 导出\n\nc1\n00:00.380 --> 00:02.410 align:start\n<v 客服>您好，请问有什么可以帮您？</v>\n\n00:02.900 --> 00:04.300\n<v.loud 客户>我要投诉 &amp; 退费</v>\n",
        )
        .unwrap();
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.segments[0].who, Who::Role(Role::Agent));
        assert_eq!(t.segments[1].who, Who::Role(Role::Customer));
        assert_eq!(t.segments[1].text, "我要投诉 & 退费");
        assert_eq!(t.segments[0].begin, Some(380));
    }

    #[test]
    fn a_spoken_number_at_the_end_of_a_cue_is_kept() {
        let t = read_cues("1\n00:00:00,000 --> 00:00:02,000\n客户：我的号码是\n13800138000\n2\n00:00:02,500 --> 00:00:03,000\n客服：好的\n").unwrap();
        assert_eq!(t.segments[0].text, "我的号码是\n13800138000");
        assert_eq!(t.segments.len(), 2);
    }

    #[test]
    fn reversed_cue_times_name_the_line() {
        let err = read_cues("1\n00:00:05,000 --> 00:00:01,000\n客服：您好\n").unwrap_err();
        assert!(matches!(err, InputError::Line { line: 2, .. }));
    }
}
