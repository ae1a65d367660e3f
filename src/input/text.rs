//! Plain-text transcripts: one turn per line, `ROLE：text`.
//!
//! In: the decoded text of a `.txt` file and its stem. Out: a [`Call`]. Lines of `# key: value`
//! before the first turn are metadata; an optional `[mm:ss.s-mm:ss.s]` before the role gives
//! the turn's timestamps; a line without a known label continues the previous turn.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::{validate, Call, InputError, Role, Turn};

/// `[01:02.5-01:07]`, `[1:02:03.25 - 1:02:09]`; the separator may be `-`, `~`, `–` or `—`.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    let t = r"(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2}(?:\.\d{1,3})?)";
    Regex::new(&format!(r"^[\[【]\s*{t}\s*[-~–—]\s*{t}\s*[\]】]\s*")).unwrap()
});

/// Parses a text transcript. `stem` is the call id unless a `# id:` line gives one.
pub fn parse_text(text: &str, stem: &str) -> Result<Call, InputError> {
    let mut meta = BTreeMap::new();
    let mut turns: Vec<Turn> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if turns.is_empty() {
            if let Some(rest) = line.strip_prefix('#') {
                if let Some((key, value)) = split_colon(rest) {
                    meta.insert(key.trim().to_string(), value.trim().to_string());
                }
                continue;
            }
        }
        let (times, rest) = match TIMESTAMP.captures(line) {
            Some(c) => {
                let begin = to_ms(c.get(1), &c[2], &c[3]);
                let end = to_ms(c.get(4), &c[5], &c[6]);
                if end < begin {
                    return Err(InputError::Line {
                        line: line_no,
                        message: "时间戳的结束时间早于开始时间".into(),
                    });
                }
                (Some((begin, end)), &line[c.get(0).unwrap().end()..])
            }
            None => (None, line),
        };
        match split_role(rest) {
            Some((role, said)) => turns.push(Turn {
                role,
                text: said.trim().to_string(),
                begin: times.map(|t| t.0),
                end: times.map(|t| t.1),
            }),
            None if times.is_some() => {
                return Err(InputError::Line {
                    line: line_no,
                    message: format!("有时间戳但没有可识别的角色标签: \"{}\"", excerpt(rest)),
                })
            }
            // A wrapped line belongs to the turn before it. Lines before the first turn (a
            // title, an export header) carry no speech to grade and are skipped.
            None => {
                if let Some(last) = turns.last_mut() {
                    if !last.text.is_empty() {
                        last.text.push('\n');
                    }
                    last.text.push_str(line);
                }
            }
        }
    }
    let id = meta
        .remove("id")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| stem.to_string());
    validate(Call { id, meta, turns })
}

fn split_colon(s: &str) -> Option<(&str, &str)> {
    let at = s.find([':', '：'])?;
    let colon_len = s[at..].chars().next().unwrap().len_utf8();
    Some((&s[..at], &s[at + colon_len..]))
}

/// Splits `客服：…` or `坐席(工号1024)：…` into its role and text. The label may carry a name
/// or 工号 in brackets or after a space, as many exports write it.
fn split_role(line: &str) -> Option<(Role, &str)> {
    let (label, said) = split_colon(line)?;
    if label.chars().count() > 24 {
        return None;
    }
    // `坐席1`, `客服-张敏`, `客户 (来电)`: the role is the part before any decoration.
    let head = label
        .split(['(', '（', '[', '【', ' ', '\u{3000}', '-', '_'])
        .next()
        .unwrap_or(label)
        .trim_end_matches(|c: char| c.is_ascii_digit());
    Role::from_speaker_label(head).map(|role| (role, said))
}

fn to_ms(hours: Option<regex::Match>, minutes: &str, seconds: &str) -> u64 {
    let h: u64 = hours.map_or(0, |m| m.as_str().parse().unwrap_or(0));
    let m: u64 = minutes.parse().unwrap_or(0);
    let s: f64 = seconds.parse().unwrap_or(0.0);
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
    fn rejects_calls_without_agent_or_labels() {
        assert_eq!(parse_text("客户：喂？", "s"), Err(InputError::NoAgentTurn));
        assert_eq!(
            parse_text("这是一段没有角色的文字。\n第二行。", "s"),
            Err(InputError::NoTurns)
        );
    }

    #[test]
    fn timestamp_without_role_is_a_line_error() {
        let err = parse_text("客服：您好\n[00:01-00:02] 张三：在吗", "s").unwrap_err();
        assert!(matches!(err, InputError::Line { line: 2, .. }), "{err:?}");
    }
}
