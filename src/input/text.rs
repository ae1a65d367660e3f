//! Plain-text transcripts, as people type them and as ASR tools export them.
//!
//! In: the decoded text of a `.txt` file (or stdin). Out: one [`Transcript`]. Recognised, line
//! by line:
//!
//! - `客服：您好` — a role label (or `坐席（工号1024）`, `客户王先生`) or a diarized speaker
//!   (`说话人1`, `发言人2`, `SPEAKER_00`, `spk0`) before a colon, or in brackets: `[SPEAKER_00] 您好`;
//! - before it, optionally, the time: `[00:01.5-00:04.25]`, `[00:00:00.000 --> 00:00:04.000]`,
//!   `[4500-16000]` (milliseconds), or just the start: `00:04 客户：…`, `[00:04] 客户：…`;
//! - a label and a time alone on a line (`客服 00:00:03`, `说话人1 00:01:02`, `00:03 说话人1`),
//!   the words following on the next lines, as meeting-minute tools export;
//! - `# key: value` lines before the first turn: metadata (`# id:`, `# agent:`, `# channel:`);
//! - any other line continues the turn before it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::speakers::speaker_label;
use super::{Doc, Fit, InputError, Out, Probe, Reader, Role, Segment, Transcript, Unit, Who};
use crate::call::Call;

pub struct Text;

impl Reader for Text {
    fn name(&self) -> &'static str {
        "文本转写 (.txt)"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["txt", "text"]
    }

    /// By extension, or (stdin, unknown extensions) when some early line is a turn.
    fn detect(&self, probe: &Probe<'_>) -> Fit {
        if probe.extension_is(self.extensions()) {
            return Fit::EXTENSION;
        }
        let turn_lines = probe
            .head
            .lines()
            .take(200)
            .filter(|l| parse_line(l.trim(), false).is_some())
            .count();
        if turn_lines > 0 && probe.shape.is_none() {
            Fit::CONTENT
        } else {
            Fit::NONE
        }
    }

    fn read(&self, doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
        let text = doc.text()?;
        let transcript = read_text(&text);
        // `out` may grade the call at once: the document is not held beside it.
        drop(text);
        out(None, Unit::Ready(transcript));
        Ok(())
    }
}

/// A transcript's text → a call, with roles from the labels: for rule examples and tests.
/// `stem` is the call id unless a `# id:` (or `# call_id:`, `# 通话编号:`) line gives one.
pub fn parse_text(text: &str, stem: &str) -> Result<Call, InputError> {
    let transcript = read_text(&crate::normalize::clean(text))?;
    let mut call = super::speakers::assign(transcript, &Default::default())?;
    if call.id.is_empty() {
        call.id = stem.to_string();
    }
    Ok(call)
}

/// `01:02.5`, `1:02:03.250`, `00:00:04,000`: optional hours, minutes, seconds with an optional
/// fraction after `.` or `,`.
pub(super) const TIME: &str = r"(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2}(?:[.,]\d{1,3})?)";

/// `[T-T]`, `[T --> T]`, `【T～T】`, `(T-T)` at the start of a line.
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^[\[【(（]\s*{TIME}\s*(?:-->|[-~～–—至到])\s*{TIME}\s*[\]】)）]\s*"
    ))
    .unwrap()
});

/// `[4500-16000]`: milliseconds; `[0.0-3.5]`, `[12.48 - 15.2]`: seconds, told apart by the
/// decimal point.
static NUMBER_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\[【]\s*(\d{1,9}(?:\.\d{1,3})?)\s*[-~,，]\s*(\d{1,9}(?:\.\d{1,3})?)\s*[\]】]\s*")
        .unwrap()
});

/// `00:04 `, `[00:04] `: the start only.
static START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^[\[【(（]?\s*{TIME}\s*[\]】)）]?\s+")).unwrap());

/// `客服 00:00:03`, `说话人1  (01:02)`, `客服 00:00:03-00:00:08`: a label and its time alone.
static LABEL_THEN_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(\S{{1,24}}?)\s*[\[(（]?\s*{TIME}(?:\s*(?:-->|[-~～])\s*{TIME})?\s*[\])）]?$"
    ))
    .unwrap()
});

/// `00:00:03 说话人1`: the time, then the label alone.
static TIME_THEN_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^[\[(（]?{TIME}[\])）]?\s+(\S{{1,24}})$")).unwrap());

type Times = (Option<u64>, Option<u64>);

/// One line's turn, if it starts one: its times, speaker and words (empty for a header line).
/// `seconds` says how `[a-b]` ranges are counted in this file.
fn parse_line(line: &str, seconds: bool) -> Option<(Times, Who, &str)> {
    if let Some(c) = LABEL_THEN_TIME.captures(line) {
        if let Some(who) = label(&c[1]) {
            let begin = to_ms(c.get(2), &c[3], &c[4]);
            let end = c.get(6).map(|_| to_ms(c.get(5), &c[6], &c[7]));
            return Some(((Some(begin), end), who, ""));
        }
    }
    if let Some(c) = TIME_THEN_LABEL.captures(line) {
        if let Some(who) = label(&c[4]) {
            return Some(((Some(to_ms(c.get(1), &c[2], &c[3])), None), who, ""));
        }
    }
    let (times, rest) = leading_times(line, seconds);
    let (who, said) = split_label(rest)?;
    Some((times, who, said))
}

/// Whether the file's `[a-b]` ranges are seconds: decided once for the whole file, by any of
/// them having a decimal point, so `[0.5-3.5]` and `[4-6]` in one file are both seconds.
fn ranges_in_seconds(text: &str) -> bool {
    text.lines().any(|l| {
        NUMBER_RANGE
            .captures(l.trim())
            .is_some_and(|c| c[1].contains('.') || c[2].contains('.'))
    })
}

/// The times at the start of a line, and the rest of it.
fn leading_times(line: &str, seconds: bool) -> (Times, &str) {
    if let Some(c) = RANGE.captures(line) {
        let begin = to_ms(c.get(1), &c[2], &c[3]);
        let end = to_ms(c.get(4), &c[5], &c[6]);
        return ((Some(begin), Some(end)), &line[c.get(0).unwrap().end()..]);
    }
    if let Some(c) = NUMBER_RANGE.captures(line) {
        let scale = if seconds { 1000.0 } else { 1.0 };
        let at = |s: &str| s.parse::<f64>().ok().map(|n| (n * scale).round() as u64);
        return ((at(&c[1]), at(&c[2])), &line[c.get(0).unwrap().end()..]);
    }
    if let Some(c) = START.captures(line) {
        let begin = to_ms(c.get(1), &c[2], &c[3]);
        return ((Some(begin), None), &line[c.get(0).unwrap().end()..]);
    }
    ((None, None), line)
}

/// A role or speaker label on its own (`客服`, `坐席A`, `说话人1`, `[SPEAKER_00]`).
pub(super) fn label(text: &str) -> Option<Who> {
    let text = text
        .trim()
        .trim_start_matches(['[', '【', '<'])
        .trim_end_matches([']', '】', '>']);
    if let Some(speaker) = speaker_label(text) {
        return Some(Who::Speaker(speaker));
    }
    role_of_label(text).map(Who::Role)
}

/// `客服：…`, `说话人1: …`, `[SPEAKER_00] …`, `【客服】…`: the speaker and the words.
pub(super) fn split_label(line: &str) -> Option<(Who, &str)> {
    if let Some(rest) = line.strip_prefix(['[', '【']) {
        if let Some(close) = rest.find([']', '】']) {
            let inner = &rest[..close];
            let after = &rest[close..];
            let after = &after[after.chars().next().unwrap().len_utf8()..];
            if let Some(who) = label(inner) {
                let after = after.trim_start();
                let after = after.strip_prefix([':', '：']).unwrap_or(after);
                return Some((who, after));
            }
        }
    }
    let (head, said) = split_colon(line)?;
    if let Some(speaker) = speaker_label(head) {
        return Some((Who::Speaker(speaker), said));
    }
    split_role(line).map(|(role, said)| (Who::Role(role), said))
}

fn split_colon(s: &str) -> Option<(&str, &str)> {
    let at = s.find([':', '：'])?;
    let colon_len = s[at..].chars().next().unwrap().len_utf8();
    Some((&s[..at], &s[at + colon_len..]))
}

/// Splits `客服：…` or `坐席(工号1024)：…` into its role and text. The label may carry a name
/// or 工号 in brackets or after a space, as many exports write it.
pub(super) fn split_role(line: &str) -> Option<(Role, &str)> {
    let (label, said) = split_colon(line)?;
    role_of_label(label).map(|role| (role, said))
}

/// `客服：…`, `客服1：…`, `客服（工号1024）：…` at the start of a recogniser's sentence: a
/// label spelled exactly, so that speech which merely starts with one (`客服您好：…`,
/// `客户要求：…`) is not taken for a label.
pub(super) fn split_exact_role(line: &str) -> Option<(Role, &str)> {
    let (label, said) = split_colon(line)?;
    Role::from_label(undecorated(label)).map(|role| (role, said))
}

/// `坐席1`, `客服-张敏`, `客户 (来电)`: the role is the part before any decoration.
fn undecorated(label: &str) -> &str {
    label
        .split(['(', '（', '[', '【', ' ', '\u{3000}', '-', '_'])
        .next()
        .unwrap_or(label)
        .trim_end_matches(|c: char| c.is_ascii_digit())
}

fn role_of_label(label: &str) -> Option<Role> {
    if label.chars().count() > 24 {
        return None;
    }
    Role::from_speaker_label(undecorated(label))
}

/// Reads a transcript's (cleaned) text.
fn read_text(text: &str) -> Result<Transcript, InputError> {
    let mut meta = BTreeMap::new();
    let mut segments: Vec<Segment> = Vec::new();
    let seconds = ranges_in_seconds(text);
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if segments.is_empty() {
            if let Some(rest) = line.strip_prefix('#') {
                if let Some((key, value)) = split_colon(rest) {
                    meta.insert(key.trim().to_string(), value.trim().to_string());
                }
                continue;
            }
        }
        match parse_line(line, seconds) {
            Some(((begin, end), who, said)) => {
                if let (Some(b), Some(e)) = (begin, end) {
                    if e < b {
                        return Err(InputError::Line {
                            line: line_no,
                            message: "时间戳的结束时间早于开始时间".into(),
                        });
                    }
                }
                segments.push(Segment {
                    who,
                    text: said.trim().to_string(),
                    begin,
                    end,
                    ..Segment::default()
                })
            }
            // A time range promises a turn; a bare time (`10:30 之前上门`) may be words.
            None if leading_times(line, seconds).0 .1.is_some() && !segments.is_empty() => {
                let rest = leading_times(line, seconds).1;
                return Err(InputError::Line {
                    line: line_no,
                    message: format!("有时间戳但没有可识别的角色标签: \"{}\"", excerpt(rest)),
                });
            }
            // A wrapped line belongs to the turn before it. Lines before the first turn (a
            // title, an export header) carry no speech to grade and are skipped.
            None => {
                if let Some(last) = segments.last_mut() {
                    if !last.text.is_empty() {
                        last.text.push('\n');
                    }
                    last.text.push_str(line);
                }
            }
        }
    }
    if segments.is_empty() {
        return Err(InputError::NoTurns);
    }
    // The call's id, as exports spell the header (`# id:`, `# call_id:`, `# 通话编号:`).
    let id = ID_KEYS
        .iter()
        .find_map(|k| meta.remove(*k).filter(|s| !s.is_empty()));
    Ok(Transcript {
        id,
        meta,
        segments,
        ..Transcript::default()
    })
}

/// Header keys that name the call, most specific first.
const ID_KEYS: [&str; 5] = ["id", "call_id", "callid", "通话编号", "通话ID"];

pub(super) fn to_ms(hours: Option<regex::Match>, minutes: &str, seconds: &str) -> u64 {
    let h: u64 = hours.map_or(0, |m| m.as_str().parse().unwrap_or(0));
    let m: u64 = minutes.parse().unwrap_or(0);
    let s: f64 = seconds.replace(',', ".").parse().unwrap_or(0.0);
    (h * 3600 + m * 60) * 1000 + (s * 1000.0).round() as u64
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_roles_colons_metadata_and_continuations() {
        let call = parse_text(
            "# id: c42\n# agent: 张敏\n客服：您好,很高兴为您服务\n客户: 我的宽带断了\n从昨天晚上开始\n\n坐席（工号1024）：请您稍等\n客戶2：好\nAgent:OK",
            "stem",
        )
        .unwrap();
        assert_eq!(call.id, "c42");
        assert_eq!(call.agent(), Some("张敏"));
        assert_eq!(call.turns.len(), 5);
        assert_eq!(call.turns[1].role, Role::Customer);
        assert_eq!(call.turns[1].text, "我的宽带断了\n从昨天晚上开始");
        assert_eq!(call.turns[2].role, Role::Agent);
        assert_eq!(call.turns[2].text, "请您稍等");
        assert_eq!(call.turns[3].role, Role::Customer);
        assert_eq!(
            (call.turns[4].role, call.turns[4].text.as_str()),
            (Role::Agent, "OK")
        );
    }

    #[test]
    fn exports_name_the_call_id_header_their_own_way() {
        for (header, id) in [
            ("# call_id: ECM-0004\n", "ECM-0004"),
            ("# 通话编号: 0315-1022\n", "0315-1022"),
            ("# id: c1\n# call_id: other\n", "c1"),
            ("# call_id:\n", "stem"),
        ] {
            let call = parse_text(&format!("{header}客服：您好"), "stem").unwrap();
            assert_eq!(call.id, id, "{header}");
        }
        let call = parse_text("# id: c1\n# call_id: other\n客服：您好", "stem").unwrap();
        assert_eq!(call.meta.get("call_id").map(String::as_str), Some("other"));
    }

    #[test]
    fn labels_may_carry_a_short_name() {
        let call = parse_text(
            "客服A：您好\n客户王先生：你们这什么服务\n客户说的那个问题：接着说\n客服电话：10000\n客户经理：小刘",
            "s",
        )
        .unwrap();
        assert_eq!(call.turns.len(), 2);
        assert_eq!(call.turns[1].role, Role::Customer);
        assert_eq!(
            call.turns[1].text,
            "你们这什么服务\n客户说的那个问题：接着说\n客服电话：10000\n客户经理：小刘"
        );
    }

    #[test]
    fn parses_timestamps() {
        let call = parse_text(
            "[00:01.5-00:04.25] 客服：您好\n[1:00:02-1:00:03] 客户：嗯",
            "s",
        )
        .unwrap();
        assert_eq!(call.turns[0].begin, Some(1500));
        assert_eq!(call.turns[0].end, Some(4250));
        assert_eq!(call.turns[1].begin, Some(3_602_000));
        assert_eq!(call.id, "s");
    }

    #[test]
    fn asr_export_layouts() {
        let layouts = [
            "[00:00:00.000 --> 00:00:04.000] 客服：您好,工号1024\n[00:00:05.500 --> 00:00:07.000] 客户：我想查话费",
            "[0-4000] 客服：您好,工号1024\n[5500-7000] 客户：我想查话费",
            "[0.0-4.0] 客服：您好,工号1024\n[5.5-7] 客户：我想查话费",
            "[0-4] 客服：您好,工号1024\n[5.5-7] 客户：我想查话费",
            "00:00 客服：您好,工号1024\n00:05.5 客户：我想查话费",
            "客服 00:00:00\n您好,工号1024\n\n客户 00:00:05.5\n我想查话费",
            "00:00:00 客服\n您好,工号1024\n00:00:05.5 客户\n我想查话费",
            "[00:00,000 --> 00:04,000] [客服] 您好,工号1024\n[00:05,500 --> 00:07,000] [客户] 我想查话费",
        ];
        for text in layouts {
            let call = parse_text(text, "s").unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(call.turns.len(), 2, "{text}");
            assert_eq!(call.turns[0].text, "您好,工号1024", "{text}");
            assert_eq!(call.turns[1].role, Role::Customer, "{text}");
            assert_eq!(call.turns[1].begin, Some(5500), "{text}");
            // Where only the start is given, the end stays unknown rather than invented.
            assert!(call.turns[0].end.is_none_or(|e| e == 4000), "{text}");
        }
    }

    #[test]
    fn numbered_speakers_are_assigned_roles_by_what_they_say() {
        let call = parse_text(
            "说话人1：喂,我家宽带断了\n说话人2：您好,很高兴为您服务,请问您的宽带账号是多少\n说话人1：02012345678",
            "s",
        )
        .unwrap();
        assert_eq!(call.turns[0].role, Role::Customer);
        assert_eq!(call.turns[1].role, Role::Agent);
        assert_eq!(call.turns[1].speaker.as_deref(), Some("说话人2"));
        let call = parse_text("SPEAKER_00: 您好,工号3306\nSPEAKER_01: 我要投诉", "s").unwrap();
        assert_eq!(call.turns[0].role, Role::Agent);
    }

    #[test]
    fn rejects_calls_without_agent_or_labels() {
        assert_eq!(parse_text("客户：喂？", "s"), Err(InputError::NoAgentTurn));
        assert_eq!(
            parse_text("这是一段没有角色的文字。\n第二行。", "s"),
            Err(InputError::NoTurns)
        );
    }

    #[test]
    fn turns_stay_in_the_order_written() {
        // A typed transcript is not a recogniser's sentence list: its order is the author's.
        let call = parse_text(
            "[00:05-00:06] 客服：您好,工号1024\n[00:01-00:02] 客户：喂",
            "s",
        )
        .unwrap();
        assert_eq!(call.turns[0].role, Role::Agent);
        assert_eq!(call.turns[1].begin, Some(1000));
    }

    #[test]
    fn a_wrapped_line_may_start_with_a_time_of_day() {
        let call = parse_text("客服：师傅明天上午\n10:30 之前上门\n客户：好", "s").unwrap();
        assert_eq!(call.turns[0].text, "师傅明天上午\n10:30 之前上门");
    }

    #[test]
    fn timestamp_without_role_is_a_line_error() {
        let err = parse_text("客服：您好\n[00:01-00:02] 张三：在吗", "s").unwrap_err();
        assert!(matches!(err, InputError::Line { line: 2, .. }), "{err:?}");
    }
}
