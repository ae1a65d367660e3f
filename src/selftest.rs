//! Self-test: the rule set's own examples and the corpus expectations → failures.
//!
//! In: a compiled [`RuleSet`] (whose rules carry parsed examples), and for the corpus the
//! graded calls plus `expectations.toml`. Out: one failure per example that did not behave as
//! its rule says, and per corpus expectation that did not hold. Plain library code rather
//! than test-only code, so the same checks can run outside `cargo test` (the planned
//! `zhijian test` command) as well as in the test suite.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use crate::grade::{grade_call, Graded};
use crate::rule::{Expect, RuleSet};

/// A rule example that did not do what it says.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub path: String,
    /// 1-based position among the rule's examples.
    pub index: usize,
    pub expect: Expect,
    pub note: Option<String>,
    /// Every rule that fired on the example, so an author sees what happened instead.
    pub fired: Vec<String>,
    pub text: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wanted = match self.expect {
            Expect::Hit => "应当命中却没有命中",
            Expect::Pass => "不应命中却命中了",
        };
        write!(
            f,
            "{} ({}) 第 {} 个示例{wanted}",
            self.rule_id, self.path, self.index
        )?;
        if let Some(note) = &self.note {
            write!(f, " [{note}]")?;
        }
        let fired = if self.fired.is_empty() {
            "无".to_string()
        } else {
            self.fired.join(", ")
        };
        write!(f, "; 实际命中: {fired}\n{}", self.text.trim_end())
    }
}

/// Runs every rule's examples through the whole rule set.
pub fn check_examples(set: &RuleSet) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for rule in &set.rules {
        for (i, example) in rule.examples.iter().enumerate() {
            let outcome = grade_call(set, example.call.clone());
            let fired: Vec<String> = outcome
                .card
                .hit_counts
                .iter()
                .map(|(id, _)| id.clone())
                .collect();
            let hit = fired.contains(&rule.id);
            if hit != (example.expect == Expect::Hit) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    path: rule.path.clone(),
                    index: i + 1,
                    expect: example.expect,
                    note: example.note.clone(),
                    fired,
                    text: example.text.clone(),
                });
            }
        }
    }
    failures
}

/// `expectations.toml`: what must and must not fire on each corpus call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(rename = "call")]
    pub calls: Vec<ExpectedCall>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCall {
    pub id: String,
    #[serde(default)]
    pub must_hit: Vec<String>,
    #[serde(default)]
    pub must_not_hit: Vec<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Expectations {
    pub fn parse(text: &str) -> Result<Expectations, toml::de::Error> {
        toml::from_str(text)
    }
}

/// A corpus expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFailure {
    pub call_id: String,
    pub problem: String,
}

impl fmt::Display for CorpusFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call_id, self.problem)
    }
}

/// Checks graded corpus calls against their expectations.
pub fn check_corpus(
    set: &RuleSet,
    graded: &[Graded],
    expectations: &Expectations,
) -> Vec<CorpusFailure> {
    let mut failures = Vec::new();
    let mut fail = |call_id: &str, problem: String| {
        failures.push(CorpusFailure {
            call_id: call_id.to_string(),
            problem,
        })
    };
    let mut by_id: BTreeMap<&str, &Graded> = BTreeMap::new();
    for g in graded.iter().filter(|g| !g.is_error()) {
        if by_id.insert(g.call_id.as_str(), g).is_some() {
            fail(&g.call_id, "通话编号在语料中重复".into());
        }
    }
    let mut seen = BTreeSet::new();
    for exp in &expectations.calls {
        if !seen.insert(exp.id.as_str()) {
            fail(&exp.id, "expectations.toml 中重复列出".into());
        }
        for id in exp.must_hit.iter().chain(&exp.must_not_hit) {
            if set.rule(id).is_none() {
                fail(&exp.id, format!("期望中引用了不存在的规则 {id}"));
            }
        }
        let Some(g) = by_id.get(exp.id.as_str()) else {
            fail(&exp.id, "语料中找不到这通电话 (或它无法读取)".into());
            continue;
        };
        let Ok(outcome) = &g.outcome else { continue };
        let fired: BTreeSet<&str> = outcome
            .card
            .hit_counts
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        for id in &exp.must_hit {
            if !fired.contains(id.as_str()) {
                fail(
                    &exp.id,
                    format!("应命中 {id} 但没有命中 (实际命中: {fired:?})"),
                );
            }
        }
        for id in &exp.must_not_hit {
            if fired.contains(id.as_str()) {
                let evidence: Vec<&str> = outcome
                    .hits
                    .iter()
                    .filter(|h| set.rules[h.rule].id == *id)
                    .map(|h| h.matched.as_str())
                    .collect();
                fail(&exp.id, format!("不应命中 {id} 却命中了: {evidence:?}"));
            }
        }
        if let Some(tier) = &exp.tier {
            if &outcome.card.tier != tier {
                fail(
                    &exp.id,
                    format!(
                        "档位应为 {tier},实际为 {} ({} 分)",
                        outcome.card.tier, outcome.card.score
                    ),
                );
            }
        }
    }
    for id in by_id.keys() {
        if !seen.contains(id) {
            fail(id, "语料中的通话没有写入 expectations.toml".into());
        }
    }
    failures
}
