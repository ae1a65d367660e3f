//! What the unit tests of several stages share.

use crate::rule::{RuleSet, RuleSource};

/// Three rules whose arithmetic is easy to follow, with the repository's `scoring.toml`:
/// TST001 禁语 (不知道, −3, at most twice, language), TST002 整通 (TST001's verdict, −4, whole
/// call, review, resolution), TST003 加分 (您好, +2, attitude) and TST004 记录 (投诉, 0 points,
/// resolution).
pub fn small_rule_set() -> RuleSet {
    let source = |path: &str, text: &str| RuleSource {
        path: path.into(),
        text: text.into(),
    };
    RuleSet::compile(&[
        source("scoring.toml", include_str!("../rules/scoring.toml")),
        source(
            "t/TST001-capped.toml",
            "id = \"TST001\"\ntitle = \"禁语\"\nmessage = \"禁语\"\ndimension = \"language\"\n\
             points = -3\nmax_hits = 2\n[match]\nrole = \"agent\"\nphrases = [\"不知道\"]\n",
        ),
        source(
            "t/TST002-whole.toml",
            "id = \"TST002\"\ntitle = \"整通\"\nmessage = \"整通\"\ndimension = \"resolution\"\n\
             points = -4\nreview = true\n[match]\nrule = \"TST001\"\n",
        ),
        source(
            "t/TST003-bonus.toml",
            "id = \"TST003\"\ntitle = \"加分\"\nmessage = \"加分\"\ndimension = \"attitude\"\n\
             points = 2\n[match]\nrole = \"agent\"\nphrases = [\"您好\"]\n",
        ),
        source(
            "t/TST004-note.toml",
            "id = \"TST004\"\ntitle = \"记录\"\nmessage = \"记录\"\ndimension = \"resolution\"\n\
             points = 0\n[match]\nphrases = [\"投诉\"]\n",
        ),
    ])
    .unwrap()
}
