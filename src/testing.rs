//! What the unit tests of several stages share.

use crate::rule::{RuleSet, RuleSource};

/// Three rules whose arithmetic is easy to follow, with the repository's `scoring.toml`:
/// TST001 禁语 (不知道, −3, at most twice, language), TST002 整通 (TST001's verdict, −4, whole
/// call, review, resolution), TST003 加分 (您好, +2, attitude) and TST004 记录 (投诉, 0 points,
/// resolution).
pub fn small_rule_set() -> RuleSet {
    rule_set(&[
        (
            "t/TST001-capped.toml",
            "id = \"TST001\"\ntitle = \"禁语\"\nmessage = \"禁语\"\ndimension = \"language\"\n\
             points = -3\nmax_hits = 2\n[match]\nrole = \"agent\"\nphrases = [\"不知道\"]\n",
        ),
        (
            "t/TST002-whole.toml",
            "id = \"TST002\"\ntitle = \"整通\"\nmessage = \"整通\"\ndimension = \"resolution\"\n\
             points = -4\nreview = true\n[match]\nrule = \"TST001\"\n",
        ),
        (
            "t/TST003-bonus.toml",
            "id = \"TST003\"\ntitle = \"加分\"\nmessage = \"加分\"\ndimension = \"attitude\"\n\
             points = 2\n[match]\nrole = \"agent\"\nphrases = [\"您好\"]\n",
        ),
        (
            "t/TST004-note.toml",
            "id = \"TST004\"\ntitle = \"记录\"\nmessage = \"记录\"\ndimension = \"resolution\"\n\
             points = 0\n[match]\nphrases = [\"投诉\"]\n",
        ),
    ])
}

/// The rule files `(path, text)` compiled with the repository's `scoring.toml`.
pub fn rule_set(files: &[(&str, &str)]) -> RuleSet {
    let mut sources = vec![RuleSource {
        path: "scoring.toml".into(),
        text: include_str!("../rules/scoring.toml").into(),
    }];
    sources.extend(files.iter().map(|(path, text)| RuleSource {
        path: path.to_string(),
        text: text.to_string(),
    }));
    RuleSet::compile(&sources).unwrap()
}

/// The graded row of a transcript in text form, as if read from `{id}.txt`, on `channel`, with
/// `agent` in its metadata (none when empty).
pub fn graded(
    set: &RuleSet,
    id: &str,
    text: &str,
    channel: crate::channel::Channel,
    agent: &str,
) -> crate::grade::Graded {
    let mut call = crate::input::parse_text(text, id).unwrap();
    call.channel = channel;
    if !agent.is_empty() {
        call.meta.insert("agent".into(), agent.into());
    }
    crate::grade::Graded {
        source: format!("{id}.txt"),
        call_id: id.into(),
        outcome: Ok(crate::grade::grade_call(set, call)),
    }
}
