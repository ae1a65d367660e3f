//! Self-test: a rule set, its examples and a corpus with expectations → a [`TestReport`].
//!
//! In: a rule directory and optionally a corpus directory with `expectations.toml`. Out: one
//! test case per rule example, per corpus call and per rule (its warnings), each with the
//! problems found, every problem a [`RuleError`] that points at the file and line to fix.
//! `zhijian test` renders the report as text, JUnit XML or GitHub annotations (`render`);
//! the test suite uses the same checks.

pub mod coverage;
pub(crate) mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use render::{github, human, junit};

use crate::grade::{grade_all, grade_call, Graded};
use crate::input::{discover, ReadOptions};
use crate::rule::{
    join_display, line_col, read_dir, Expect, Rule, RuleError, RuleErrors, RuleSet, SayingOwner,
    Severity,
};

/// How problems in the built-in rules name their directory (`zhijian rules --export` writes
/// them out to edit).
const BUILT_IN: &str = "<内置规则>";

/// A rule fires on more than this share of corpus calls: probably too broad.
pub const BROAD_SHARE: f64 = 0.8;

/// The result of one rule example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub rule_id: String,
    /// 1-based position among the rule's examples.
    pub index: usize,
    pub expect: Expect,
    pub note: Option<String>,
    /// Byte range of the example's text in the rule file.
    pub span: Range<usize>,
    /// Every rule that fired on the example, so an author sees what happened instead.
    pub fired: Vec<String>,
    /// What the rule itself matched, for a `pass` example that fired.
    pub evidence: Vec<String>,
    /// What the example lacks for the rule to look at anything (没有客服说的话): a `pass`
    /// that proves nothing.
    pub vacuous: Option<String>,
}

impl ExampleResult {
    pub fn passed(&self) -> bool {
        self.fired.contains(&self.rule_id) == (self.expect == Expect::Hit) && self.vacuous.is_none()
    }

    /// What went wrong, in one line, for a failed example (the rule id goes with it as the
    /// problem's `[ID]`).
    pub fn problem(&self) -> String {
        let id = &self.rule_id;
        let mut line = match self.expect {
            Expect::Pass if self.vacuous.is_some() && !self.fired.contains(id) => format!(
                "第 {} 个示例不命中,但它证明不了什么:{},规则无从检查",
                self.index,
                self.vacuous.as_deref().unwrap_or_default()
            ),
            Expect::Hit => {
                let fired = if self.fired.is_empty() {
                    "无".to_string()
                } else {
                    self.fired.join(", ")
                };
                format!(
                    "第 {} 个示例应当命中,却没有命中;实际命中的规则: {fired}",
                    self.index
                )
            }
            Expect::Pass => {
                let others: Vec<&str> = self
                    .fired
                    .iter()
                    .filter(|f| *f != id)
                    .map(String::as_str)
                    .collect();
                let mut line = format!(
                    "第 {} 个示例不应命中,却命中了: {}",
                    self.index,
                    quoted(&self.evidence)
                );
                if !others.is_empty() {
                    line.push_str(&format!(";同时命中: {}", others.join(", ")));
                }
                line
            }
        };
        if let Some(note) = &self.note {
            line.push_str(&format!(" (示例说明: {note})"));
        }
        line
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|e| format!("\"{e}\""))
        .collect::<Vec<_>>()
        .join("、")
}

/// How one saying of a lexicon's or condition table's examples fared.
#[derive(Debug, Clone, PartialEq)]
pub struct SayingResult {
    pub owner: SayingOwner,
    /// The file it is written in, relative to the rule set's root.
    pub path: String,
    /// 1-based within its lexicon or table: `hit` ones, then `pass` ones.
    pub index: usize,
    pub expect: Expect,
    pub text: String,
    pub span: Range<usize>,
    /// What the terms found in it.
    pub found: Vec<String>,
}

/// Whether a saying expected to be found (`Hit`) or not (`Pass`) fared as expected, given what
/// was found in it.
fn passed(expect: Expect, found: &[String]) -> bool {
    match expect {
        Expect::Hit => !found.is_empty(),
        Expect::Pass => found.is_empty(),
    }
}

impl SayingResult {
    pub fn passed(&self) -> bool {
        passed(self.expect, &self.found)
    }

    /// Whose terms, in words: 词库“请稍等”, or 条件 (the problem names its rule).
    pub fn whose(&self) -> String {
        match &self.owner {
            SayingOwner::Lexicon(name) => format!("词库“{name}”"),
            SayingOwner::Rule(_) => "条件".to_string(),
        }
    }

    /// Why it failed, in words.
    pub fn problem(&self) -> String {
        let (whose, text) = (self.whose(), &self.text);
        match self.expect {
            Expect::Hit => format!("{whose}应当在“{text}”里找到说法,却一个也没找到"),
            Expect::Pass => format!(
                "{whose}不应在“{text}”里找到说法,却找到了: {}",
                quoted(&self.found)
            ),
        }
    }
}

/// Checks every saying of `set` against the terms it belongs to: condition tables in rule
/// file order, then (compiled for test) lexicons in name order.
pub fn check_sayings(set: &RuleSet) -> Vec<SayingResult> {
    set.sayings
        .iter()
        .flat_map(|checks| {
            checks
                .sayings
                .iter()
                .enumerate()
                .map(move |(i, saying)| SayingResult {
                    owner: checks.owner.clone(),
                    path: checks.path.clone(),
                    index: i + 1,
                    expect: saying.expect,
                    text: saying.text.clone(),
                    span: saying.span.clone(),
                    found: set.finds(checks, &saying.text),
                })
        })
        .collect()
}

/// Runs every example of every rule through the whole rule set, in rule order.
pub fn check_examples(set: &RuleSet) -> Vec<ExampleResult> {
    (0..set.rules.len())
        .flat_map(|index| check_rule_examples(set, index))
        .collect()
}

/// Runs the examples of rule `index` through the whole rule set.
pub fn check_rule_examples(set: &RuleSet, index: usize) -> Vec<ExampleResult> {
    let rule = &set.rules[index];
    let mut results = Vec::new();
    {
        for (i, example) in rule.examples.iter().enumerate() {
            let outcome = grade_call(set, example.call.clone());
            let vacuous = match example.expect {
                Expect::Pass => set.lacks(index, &example.call),
                Expect::Hit => None,
            };
            results.push(ExampleResult {
                vacuous,
                rule_id: rule.id.clone(),
                index: i + 1,
                expect: example.expect,
                note: example.note.clone(),
                span: example.span.clone(),
                fired: outcome
                    .card
                    .hit_counts
                    .iter()
                    .map(|(id, _)| id.clone())
                    .collect(),
                evidence: outcome
                    .hits
                    .iter()
                    .filter(|h| h.rule == index)
                    .map(|h| match h.resemblance() {
                        Some(r) => format!("{} ({})", h.describe(), r.describe()),
                        None => h.describe(),
                    })
                    .collect(),
            });
        }
    }
    results
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
    pub id: Spanned<String>,
    #[serde(default)]
    pub must_hit: Vec<Spanned<String>>,
    #[serde(default)]
    pub must_not_hit: Vec<Spanned<String>>,
    #[serde(default)]
    pub tier: Option<Spanned<String>>,
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
    /// Where in `expectations.toml` the broken expectation is written, if it is.
    pub span: Option<Range<usize>>,
}

impl std::fmt::Display for CorpusFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
    let mut fail = |call_id: &str, span: Option<Range<usize>>, problem: String| {
        failures.push(CorpusFailure {
            call_id: call_id.to_string(),
            problem,
            span,
        })
    };
    let mut by_id: BTreeMap<&str, &Graded> = BTreeMap::new();
    for g in graded.iter().filter(|g| !g.is_error()) {
        if by_id.insert(g.call_id.as_str(), g).is_some() {
            fail(
                &g.call_id,
                None,
                format!("通话编号在语料中重复 ({})", g.source),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for exp in &expectations.calls {
        let id = exp.id.get_ref().as_str();
        if !seen.insert(id) {
            fail(
                id,
                Some(exp.id.span()),
                "expectations.toml 中重复列出".into(),
            );
        }
        for rule in exp.must_hit.iter().chain(&exp.must_not_hit) {
            if set.rule(rule.get_ref()).is_none() {
                fail(
                    id,
                    Some(rule.span()),
                    format!("期望中引用了不存在的规则 {}", rule.get_ref()),
                );
            }
        }
        let Some(g) = by_id.get(id) else {
            fail(
                id,
                Some(exp.id.span()),
                "语料中找不到这通电话 (或它无法读取)".into(),
            );
            continue;
        };
        let Ok(outcome) = &g.outcome else { continue };
        let fired: Vec<&str> = outcome
            .card
            .hit_counts
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        for rule in &exp.must_hit {
            if !fired.contains(&rule.get_ref().as_str()) {
                let fired = if fired.is_empty() {
                    "无".to_string()
                } else {
                    fired.join(", ")
                };
                fail(
                    id,
                    Some(rule.span()),
                    format!(
                        "{id} 应命中 {} 却没有命中;实际命中的规则: {fired}",
                        rule.get_ref()
                    ),
                );
            }
        }
        for rule in &exp.must_not_hit {
            if fired.contains(&rule.get_ref().as_str()) {
                let evidence: Vec<String> = outcome
                    .hits
                    .iter()
                    .filter(|h| set.rules[h.rule].id == *rule.get_ref())
                    .map(|h| format!("第 {} 句 \"{}\"", h.turn + 1, h.describe()))
                    .collect();
                fail(
                    id,
                    Some(rule.span()),
                    format!(
                        "{id} 不应命中 {} 却命中了: {}",
                        rule.get_ref(),
                        evidence.join("、")
                    ),
                );
            }
        }
        if let Some(tier) = &exp.tier {
            if outcome.card.tier != *tier.get_ref() {
                fail(
                    id,
                    Some(tier.span()),
                    format!(
                        "{id} 的档位应为 {},实际为 {} ({} 分)",
                        tier.get_ref(),
                        outcome.card.tier,
                        outcome.card.score
                    ),
                );
            }
        }
    }
    for (id, g) in &by_id {
        if !seen.contains(id) {
            fail(
                id,
                None,
                format!("{id} ({}) 没有写入 expectations.toml", g.source),
            );
        }
    }
    failures
}

/// In how many corpus calls a rule must have taken the same dictionary word by sound before
/// `zhijian test` asks whether it was misheard at all: once is a recogniser's slip, in call
/// after call it is more likely the word itself (领到 in 领到工资, not 领导).
pub const HEARD_WORD_CALLS: usize = 3;

/// A word of the dictionary that a rule's hits took, by sound, for another in several calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeardWord {
    pub rule: usize,
    /// As the recogniser wrote it (folded): 领到.
    pub heard: String,
    /// As the rule spells it: 领导.
    pub meant: String,
    /// The corpus calls, by id, in order.
    pub calls: Vec<String>,
}

impl HeardWord {
    /// What `zhijian test` says of it, for rule `id`.
    pub fn message(&self, id: &str) -> String {
        let shown: Vec<&str> = self.calls.iter().take(3).map(String::as_str).collect();
        format!(
            "{id} 按读音把“{}”当成“{}”,语料里有 {} 通电话都这样 ({}{}):“{}”本身是词典里的词,说的可能就是它",
            self.heard,
            self.meant,
            self.calls.len(),
            shown.join("、"),
            if self.calls.len() > 3 { "……" } else { "" },
            self.heard,
        )
    }
}

/// The dictionary words (two characters or more) that hits found by sound took for the rule's
/// words in at least [`HEARD_WORD_CALLS`] calls, by rule and word. A recogniser's slips
/// (少等 for 稍等) are no words and are not listed; the sound guard already refuses words
/// nearly as common as the rule's (经历 for 经理), so what is left are rarer real words a
/// team's own calls may say as they are.
pub fn heard_words(set: &RuleSet, graded: &[Graded]) -> Vec<HeardWord> {
    let mut taken: BTreeMap<(usize, String, String), BTreeSet<String>> = BTreeMap::new();
    for g in graded {
        let Ok(o) = &g.outcome else { continue };
        for hit in &o.hits {
            let crate::rule::Evidence::Said(q) = &hit.evidence else {
                continue;
            };
            let Some(spelled) = &q.sounds_like else {
                continue;
            };
            let said = crate::normalize::fold(&q.text);
            let spelled: Vec<char> = crate::normalize::fold(spelled).chars().collect();
            // Sound matches character for character: the i-th character heard stands for the
            // i-th of the rule's spelling.
            let starts: Vec<usize> = said.char_indices().map(|(at, _)| at).collect();
            if starts.len() != spelled.len() {
                continue;
            }
            for w in set.segmenter.boundaries(&said).windows(2) {
                let word = &said[w[0]..w[1]];
                let chars = starts.partition_point(|&at| at < w[0])
                    ..starts.partition_point(|&at| at < w[1]);
                let meant: String = spelled[chars.clone()].iter().collect();
                if chars.len() < 2 || meant == word || !set.segmenter.is_word(word) {
                    continue;
                }
                taken
                    .entry((hit.rule, word.to_string(), meant))
                    .or_default()
                    .insert(g.call_id.clone());
            }
        }
    }
    taken
        .into_iter()
        .filter(|(_, calls)| calls.len() >= HEARD_WORD_CALLS)
        .map(|((rule, heard, meant), calls)| HeardWord {
            rule,
            heard,
            meant,
            calls: calls.into_iter().collect(),
        })
        .collect()
}

/// How many graded calls each rule fired on, by rule index.
pub fn coverage(set: &RuleSet, graded: &[Graded]) -> Vec<usize> {
    let mut counts = vec![0; set.rules.len()];
    for outcome in graded.iter().filter_map(|g| g.outcome.as_ref().ok()) {
        let fired: BTreeSet<usize> = outcome.hits.iter().map(|h| h.rule).collect();
        for r in fired {
            counts[r] += 1;
        }
    }
    counts
}

/// What `zhijian test` was asked to check.
#[derive(Debug, Clone)]
pub struct TestOptions<'a> {
    /// The rule directory; `None` tests the rules built into the binary.
    pub rules: Option<&'a Path>,
    /// `None`: no corpus to check.
    pub corpus: Option<&'a Path>,
    /// Warnings are failures.
    pub strict: bool,
    /// Also remove each term in turn and report those nothing depends on (`--coverage`): of
    /// every file when the list is empty, else of the files it names (a path ending in a
    /// file's path under the rule directory, `rules/lexicons/hold.toml` or `lexicons/hold.toml`).
    pub coverage: Option<Vec<String>>,
}

/// Every check of a run, grouped as JUnit groups them.
#[derive(Debug)]
pub struct TestReport {
    pub suites: Vec<Suite>,
    /// The rule files could not be compiled; nothing else was checked.
    pub unusable: bool,
    pub strict: bool,
    /// What was checked, for the summary (`规则 16 条` ...).
    pub scope: Vec<String>,
}

#[derive(Debug)]
pub struct Suite {
    pub name: &'static str,
    pub cases: Vec<Case>,
}

impl Suite {
    pub fn failures(&self, strict: bool) -> usize {
        self.cases.iter().filter(|c| c.failed(strict)).count()
    }
}

/// One test case: an example, a corpus call, or a rule's own warnings.
#[derive(Debug)]
pub struct Case {
    /// The rule id or the corpus file.
    pub class: String,
    pub name: String,
    /// The file (and line) the case is about, as the report shows it.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub problems: Vec<RuleError>,
}

impl Case {
    pub fn failed(&self, strict: bool) -> bool {
        self.problems
            .iter()
            .any(|p| strict || p.severity == Severity::Error)
    }
}

/// How a run of `zhijian test` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Some checks failed (or, under `--strict`, warned).
    Failed,
    /// The rule files do not compile; nothing else was checked.
    Unusable,
}

/// The suite names, as CI servers and the text report show them.
pub const SUITE_RULE_FILES: &str = "规则文件";
pub const SUITE_EXAMPLES: &str = "规则示例";
pub const SUITE_SAYINGS: &str = "说法示例";
pub const SUITE_CORPUS: &str = "语料期望";
pub const SUITE_LINTS: &str = "规则检查";
pub const SUITE_COVERAGE: &str = "条款覆盖";

impl TestReport {
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.suites.iter().flat_map(|s| &s.cases)
    }

    pub fn failures(&self) -> usize {
        self.suites.iter().map(|s| s.failures(self.strict)).sum()
    }

    pub fn warnings(&self) -> usize {
        self.cases()
            .flat_map(|c| &c.problems)
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }

    pub fn verdict(&self) -> Verdict {
        if self.unusable {
            Verdict::Unusable
        } else if self.failures() > 0 {
            Verdict::Failed
        } else {
            Verdict::Passed
        }
    }

    /// A report for rule files that do not compile: one failing case per file.
    pub fn unusable(errors: RuleErrors, strict: bool) -> TestReport {
        let mut by_file: BTreeMap<String, Vec<RuleError>> = BTreeMap::new();
        for e in errors.0 {
            by_file.entry(e.path().to_string()).or_default().push(e);
        }
        let cases = by_file
            .into_iter()
            .map(|(file, problems)| Case {
                class: file.clone(),
                name: file.clone(),
                file: Some(file),
                line: None,
                problems,
            })
            .collect();
        TestReport {
            suites: vec![Suite {
                name: SUITE_RULE_FILES,
                cases,
            }],
            unusable: true,
            strict,
            scope: Vec::new(),
        }
    }
}

/// Runs `zhijian test`: compiles the rules, runs their examples, grades the corpus and checks
/// its expectations and each rule's reach. Rule files that do not compile give an
/// [`TestReport::unusable`] report.
pub fn run(options: &TestOptions<'_>) -> TestReport {
    let rules_dir = options
        .rules
        .map_or_else(|| BUILT_IN.to_string(), |d| d.display().to_string());
    let sources = match options.rules {
        Some(dir) => read_dir(dir),
        None => Ok(crate::rule::embedded_sources()),
    };
    let compiled = sources.and_then(|sources| {
        let set = RuleSet::compile_for_test(&sources)?;
        Ok((sources, set))
    });
    let (sources, set) = match compiled {
        Ok(x) => x,
        Err(errors) => return TestReport::unusable(errors.under(&rules_dir), options.strict),
    };
    // Failures point into the rule files, shown below the directory as the user named it.
    let texts: BTreeMap<&str, Arc<str>> = sources
        .iter()
        .map(|s| (s.path.as_str(), Arc::from(s.text.as_str())))
        .collect();
    let text_of = |rule: &Rule| {
        texts
            .get(rule.path.as_str())
            .cloned()
            .unwrap_or_else(|| "".into())
    };
    let at = |rule: &Rule, span: Range<usize>, message: String| {
        RuleError::new(
            &join_display(&rules_dir, &rule.path),
            &text_of(rule),
            Some(span),
            message,
        )
        .for_rule(&rule.id)
    };
    let line_of = |rule: &Rule, span: &Range<usize>| line_col(&text_of(rule), span.start).0;

    let examples = check_examples(&set);
    let mut scope = vec![
        format!("规则 {} 条", set.rules.len()),
        format!("示例 {} 个", examples.len()),
    ];
    let example_cases = examples
        .iter()
        .map(|r| {
            let rule = set
                .rule(&r.rule_id)
                .expect("examples belong to rules of the set");
            let expect = match r.expect {
                Expect::Hit => "应命中",
                Expect::Pass => "不应命中",
            };
            Case {
                class: r.rule_id.clone(),
                name: format!("{} 示例 {} ({expect})", r.rule_id, r.index),
                file: Some(join_display(&rules_dir, &rule.path)),
                line: Some(line_of(rule, &r.span)),
                problems: if r.passed() {
                    Vec::new()
                } else {
                    vec![at(rule, r.span.clone(), r.problem())]
                },
            }
        })
        .collect();

    // Every rule has a case for its warnings, so a CI server lists the rule as checked.
    let mut lints: BTreeMap<String, Vec<RuleError>> = set
        .rules
        .iter()
        .map(|r| (r.id.clone(), Vec::new()))
        .collect();
    let mut unattached = Vec::new();
    for w in set.warnings.iter().chain(&set.lint_words()) {
        let w = w.clone().under(&rules_dir);
        match w.rule_id.clone().and_then(|id| lints.get_mut(&id)) {
            Some(list) => list.push(w),
            None => unattached.push(w),
        }
    }

    let sayings = check_sayings(&set);
    let mut suites = vec![Suite {
        name: SUITE_EXAMPLES,
        cases: example_cases,
    }];
    if !sayings.is_empty() {
        scope.push(format!("说法示例 {} 条", sayings.len()));
        suites.push(Suite {
            name: SUITE_SAYINGS,
            cases: saying_cases(&sayings, &rules_dir, &texts),
        });
    }
    let mut checked_corpus = None;
    if let Some(corpus) = options.corpus {
        let (cases, graded, expectations) = corpus_cases(&set, corpus);
        scope.push(format!("语料 {} 通", graded.len()));
        let counts = coverage(&set, &graded);
        let total = graded.iter().filter(|g| !g.is_error()).count();
        for (rule, &n) in set.rules.iter().zip(&counts) {
            let warning = if total == 0 {
                None
            } else if n == 0 {
                Some(format!(
                    "{} 在语料的 {total} 通电话中一次也没有命中:短语可能写错了,或语料缺少这类通话",
                    rule.id
                ))
            } else if n as f64 > BROAD_SHARE * total as f64 {
                Some(format!(
                    "{} 命中了语料中 {n}/{total} 通电话 ({:.0}%),范围可能过宽",
                    rule.id,
                    100.0 * n as f64 / total as f64
                ))
            } else {
                None
            };
            if let Some(message) = warning {
                lints
                    .get_mut(&rule.id)
                    .expect("every rule has a lint case")
                    .push(at(rule, rule.id_span.clone(), message).warning());
            }
        }
        for taken in heard_words(&set, &graded) {
            let rule = &set.rules[taken.rule];
            let mut w = at(rule, rule.id_span.clone(), taken.message(&rule.id)).warning();
            w.help = Some(format!(
                "真是误听就不用管;否则给用到“{}”的短语加上前后文 (如“那是…{}…的事”),或把“{}”写进这条规则的 exclude",
                taken.meant, taken.meant, taken.heard
            ));
            lints
                .get_mut(&rule.id)
                .expect("every rule has a lint case")
                .push(w);
        }
        suites.push(Suite {
            name: SUITE_CORPUS,
            cases,
        });
        checked_corpus = expectations.map(|e| (graded, e));
    }
    let lint_cases = set
        .rules
        .iter()
        .map(|rule| Case {
            class: rule.id.clone(),
            name: format!("{} 规则检查", rule.id),
            file: Some(join_display(&rules_dir, &rule.path)),
            line: Some(line_of(rule, &rule.id_span)),
            problems: lints.remove(&rule.id).unwrap_or_default(),
        })
        .chain(unattached.into_iter().map(|w| Case {
            class: w.path().to_string(),
            name: w.path().to_string(),
            file: Some(w.path().to_string()),
            line: w.line_col().map(|(l, _)| l),
            problems: vec![w],
        }))
        .collect();
    suites.push(Suite {
        name: SUITE_LINTS,
        cases: lint_cases,
    });
    if let Some(only) = &options.coverage {
        let corpus = checked_corpus
            .as_ref()
            .map(|(graded, expectations)| coverage::Corpus {
                graded,
                expectations,
            });
        let unproven = coverage::unproven(&sources, &set, corpus.as_ref(), only);
        scope.push(format!("条款 {} 条无人验证", unproven.len()));
        suites.push(Suite {
            name: SUITE_COVERAGE,
            cases: coverage_cases(&sources, &rules_dir, unproven),
        });
    }
    TestReport {
        suites,
        unusable: false,
        strict: options.strict,
        scope,
    }
}

/// One case per saying, failing with its problem at its place in its file.
fn saying_cases(
    results: &[SayingResult],
    rules_dir: &str,
    texts: &BTreeMap<&str, Arc<str>>,
) -> Vec<Case> {
    results
        .iter()
        .map(|r| {
            let text = texts
                .get(r.path.as_str())
                .cloned()
                .unwrap_or_else(|| "".into());
            let file = join_display(rules_dir, &r.path);
            let expect = match r.expect {
                Expect::Hit => "应找到",
                Expect::Pass => "不应找到",
            };
            let (class, name) = match &r.owner {
                SayingOwner::Lexicon(name) => {
                    (name.clone(), format!("词库 {name} 说法 {}", r.index))
                }
                SayingOwner::Rule(id) => (id.clone(), format!("{id} 条件说法 {}", r.index)),
            };
            let mut problems = Vec::new();
            if !r.passed() {
                let e = RuleError::new(&file, &text, Some(r.span.clone()), r.problem());
                problems.push(match &r.owner {
                    SayingOwner::Rule(id) => e.for_rule(id),
                    SayingOwner::Lexicon(_) => e,
                });
            }
            Case {
                class,
                name: format!("{name} ({expect})"),
                file: Some(file),
                line: Some(line_col(&text, r.span.start).0),
                problems,
            }
        })
        .collect()
}

/// Grades the corpus and turns its expectations into one case per call.
/// One case per rule or lexicon file, its unproven terms as warnings: what to give an example
/// or delete.
fn coverage_cases(
    sources: &[crate::rule::RuleSource],
    rules_dir: &str,
    unproven: Vec<coverage::Unproven>,
) -> Vec<Case> {
    let mut by_file: BTreeMap<String, Vec<coverage::Unproven>> = BTreeMap::new();
    for u in unproven {
        by_file.entry(u.path.clone()).or_default().push(u);
    }
    by_file
        .into_iter()
        .map(|(path, items)| {
            let shown = join_display(rules_dir, &path);
            let text: Arc<str> = sources
                .iter()
                .find(|s| s.path == path)
                .map_or_else(|| "".into(), |s| s.text.as_str().into());
            let line = items.first().map(|u| line_col(&text, u.span.start).0);
            let problems = items
                .iter()
                .map(|u| {
                    let mut e = RuleError::new(
                        &shown,
                        &text,
                        Some(u.span.clone()),
                        format!("删去{}后,没有一个示例或语料期望因此变化", u.what),
                    )
                    .warning();
                    e.help = Some("补一个需要它的示例 (应命中或不应命中),或者删掉它".into());
                    e
                })
                .collect();
            Case {
                class: shown.clone(),
                name: format!("{shown} 条款覆盖"),
                file: Some(shown),
                line,
                problems,
            }
        })
        .collect()
}

fn corpus_cases(set: &RuleSet, dir: &Path) -> (Vec<Case>, Vec<Graded>, Option<Expectations>) {
    let dir_shown = dir.display().to_string();
    let graded = grade_all(
        set,
        &discover(&[dir.to_path_buf()]).sources,
        &ReadOptions::default(),
    );
    let exp_path = dir.join("expectations.toml");
    let exp_shown = join_display(&dir_shown, "expectations.toml");
    let mut cases: Vec<Case> = Vec::new();
    let mut case_of: BTreeMap<String, usize> = BTreeMap::new();
    for g in &graded {
        let problems = match &g.outcome {
            Ok(_) => Vec::new(),
            Err(e) => vec![RuleError::new(
                &g.source,
                &Arc::from(""),
                None,
                format!("语料文件无法读取: {e}"),
            )],
        };
        case_of.entry(g.call_id.clone()).or_insert(cases.len());
        cases.push(Case {
            class: g.source.clone(),
            name: g.call_id.clone(),
            file: Some(g.source.clone()),
            line: None,
            problems,
        });
    }
    let text = match std::fs::read_to_string(&exp_path) {
        Ok(text) => text,
        Err(e) => {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                "语料目录中没有 expectations.toml,无法核对每通电话应命中哪些规则".to_string()
            } else {
                format!("无法读取: {e}")
            };
            cases.push(Case {
                class: exp_shown.clone(),
                name: exp_shown.clone(),
                file: Some(exp_shown.clone()),
                line: None,
                problems: vec![RuleError::new(&exp_shown, &Arc::from(""), None, message)],
            });
            return (cases, graded, None);
        }
    };
    let shared: Arc<str> = text.as_str().into();
    let expectations = match Expectations::parse(&text) {
        Ok(e) => e,
        Err(e) => {
            let problem = RuleError::new(
                &exp_shown,
                &shared,
                e.span(),
                format!("expectations.toml 格式错误: {}", e.message().trim()),
            );
            cases.push(Case {
                class: exp_shown.clone(),
                name: exp_shown.clone(),
                file: Some(exp_shown.clone()),
                line: problem.line_col().map(|(l, _)| l),
                problems: vec![problem],
            });
            return (cases, graded, None);
        }
    };
    for f in check_corpus(set, &graded, &expectations) {
        let problem = RuleError::new(&exp_shown, &shared, f.span.clone(), f.problem);
        match case_of.get(&f.call_id) {
            Some(&i) => cases[i].problems.push(problem),
            None => {
                case_of.insert(f.call_id.clone(), cases.len());
                cases.push(Case {
                    class: exp_shown.clone(),
                    name: f.call_id,
                    file: Some(exp_shown.clone()),
                    line: problem.line_col().map(|(l, _)| l),
                    problems: vec![problem],
                });
            }
        }
    }
    (cases, graded, Some(expectations))
}
