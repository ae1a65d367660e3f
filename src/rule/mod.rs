//! Rules: TOML files → one compiled [`RuleSet`] → the [`Hit`]s of a call.
//!
//! In: rule files (`rules/<category>/<ID>-<name>.toml`), `scoring.toml` and an optional
//! `dictionary.txt`, from a directory or compiled into the binary. Out: a `RuleSet` that is
//! built once per run and shared by every thread, and for each call the list of hits with
//! their evidence.
//!
//! `schema` is the file format, `compile` checks it and builds the matchers (one aho-corasick
//! automaton for every phrase of every rule), `eval` runs them over a call.

mod adjust;
mod check;
mod compile;
pub mod context;
mod deferred;
mod diagnostic;
pub mod entity;
mod eval;
mod explain;
mod lexicon;
pub mod pattern;
pub mod schema;
mod scoring;
mod similar;
mod sound;
mod terms;

use std::ops::Range;
use std::path::Path;

use aho_corasick::AhoCorasick;

pub use diagnostic::{join_display, line_col, render_problems, RuleError, RuleErrors, Severity};
pub(crate) use eval::seconds;
pub(crate) use eval::with_unit;
pub use eval::{Evidence, Hit, Judged, Measurement, Quote, Resemblance, WHOLE_TURN_QUOTE_CHARS};
pub(crate) use lexicon::Lexicons;
pub use lexicon::{Lexicon, LEXICON_DIR};
pub use schema::{Expect, Mode, Saying};
pub use similar::similarity;

use crate::input::Call;

use crate::segment::Segmenter;
pub use check::measure::how as measure_how;
pub use check::Unmet;
pub(crate) use check::{Check, RuleRef};
pub(crate) use compile::{fnv1a, FNV1A_START};

/// A text file of a rule set, as read from disk or from the binary.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// Path relative to the rule set's root, with `/` separators (`opening/OPN001-wei.toml`).
    pub path: String,
    pub text: String,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The rule set compiled into the binary from the repository's `rules/` at build time.
pub fn embedded_sources() -> Vec<RuleSource> {
    embedded::FILES
        .iter()
        .map(|(path, text)| RuleSource {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// Reads a rule directory: every `.toml` file below it and `dictionary.txt`, sorted by path.
pub fn read_dir(dir: &Path) -> Result<Vec<RuleSource>, RuleErrors> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let empty: std::sync::Arc<str> = "".into();
    if !dir.is_dir() {
        // Named relative to the directory, which `under` puts in front.
        return Err(RuleErrors(vec![RuleError::new(
            ".",
            &empty,
            None,
            "规则目录不存在或不是目录",
        )]));
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).display().to_string();
                errors.push(RuleError::new(
                    &path,
                    &empty,
                    None,
                    format!("无法读取: {e}"),
                ));
                continue;
            }
        };
        let path = entry.path();
        // The dictionary is read from the root only, as `compile` looks for it there.
        let is_rule_file = path.extension().is_some_and(|e| e == "toml")
            || (entry.depth() == 1 && path.file_name().is_some_and(|n| n == "dictionary.txt"));
        if !entry.file_type().is_file() || !is_rule_file {
            continue;
        }
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match std::fs::read_to_string(path) {
            Ok(text) => sources.push(RuleSource {
                path: relative,
                text,
            }),
            Err(e) => errors.push(RuleError::new(
                &path.display().to_string(),
                &empty,
                None,
                format!("无法读取: {e}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(RuleErrors(errors))
    }
}

/// Which of the two sub-scores a rule's dimension counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// 个人特性: attitude, language, behaviour.
    Attitude,
    /// 程序特性: efficiency, resolution.
    Procedure,
}

/// Whose sayings a [`SayingChecks`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SayingOwner {
    /// A lexicon, by name.
    Lexicon(String),
    /// A condition table of a rule, by the rule's id.
    Rule(String),
}

/// The sayings of one lexicon or condition table, and the condition that checks them.
#[derive(Debug, Clone)]
pub struct SayingChecks {
    pub owner: SayingOwner,
    /// The file they are written in, relative to the rule set's root.
    pub path: String,
    pub sayings: Vec<Saying>,
    pub(crate) cond: usize,
}

/// A compiled rule: its documentation and scoring, and how it matches.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub title_en: Option<String>,
    pub message: String,
    pub rationale: Option<String>,
    pub dimension: String,
    pub group: Group,
    pub points: i32,
    pub max_hits: Option<u32>,
    pub fatal: bool,
    pub review: bool,
    pub examples: Vec<Example>,
    /// Where the rule came from, relative to the rule set's root.
    pub path: String,
    /// Byte range of the `id` value in the file, where rule-wide problems point.
    pub id_span: Range<usize>,
    /// The `[match]` table as written in the file, sub-tables included, for documentation.
    pub match_toml: String,
    /// Ids of the rules whose verdict this rule uses.
    pub uses: Vec<String>,
    /// Names of the lexicons its phrases name directly, sorted.
    pub lexicons: Vec<String>,
    /// The channels it applies to; empty for all. On other channels it is N/A.
    pub channels: Vec<crate::channel::Channel>,
    /// False when a scheme switched it off (`OPN003 = "off"`): N/A on every channel.
    pub enabled: bool,
    /// What a scheme changed, in one Chinese line (`10000号方案:关闭`), for reports.
    pub adjusted: Option<String>,
    pub(crate) check: Check,
}

impl Rule {
    /// Whether the rule applies to calls of `channel` (otherwise it is N/A for them).
    pub fn applies_to(&self, channel: crate::channel::Channel) -> bool {
        self.enabled && (self.channels.is_empty() || self.channels.contains(&channel))
    }

    /// The channels it applies to, in Chinese: 全部, or 电话/在线.
    pub fn channels_zh(&self) -> String {
        if self.channels.is_empty() {
            "全部".into()
        } else {
            self.channels
                .iter()
                .map(|c| c.zh())
                .collect::<Vec<_>>()
                .join("/")
        }
    }

    /// What kind of evidence the rule looks for.
    pub fn shape(&self) -> Shape {
        self.check.shape()
    }

    /// Whether the rule judges the call as a whole (`all`/`any`/`not`, or another rule's
    /// verdict): it counts once per call, whatever the evidence.
    pub fn judges_whole_call(&self) -> bool {
        self.check.is_call_level()
    }
}

/// What kind of evidence a rule looks for: what explains, in a word, why it did not fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Words that must not be said (`mode = "present"`).
    Said,
    /// Words that must be said (`mode = "absent"`).
    Required,
    /// An overlap or a silence, measured from timestamps.
    Timing,
    /// A turn that says again what an earlier turn of the same role said.
    Repeated,
    /// A number measured on the call or its turns, or a value of its metadata.
    Measured,
    /// Other rules' verdicts combined (`all`/`any`/`not`, `rule = …`).
    WholeCall,
}

/// One of a rule's own examples, already parsed as a transcript.
#[derive(Debug)]
pub struct Example {
    pub expect: Expect,
    pub text: String,
    pub note: Option<String>,
    pub call: Call,
    /// Byte range of the example's `text` in the rule file, for pointing at a failure.
    pub span: Range<usize>,
}

/// What a condition needs besides its automaton patterns (phrases, words, exclusions and the
/// anchors of its verifiers, which live in the shared automaton).
#[derive(Debug, Default)]
pub(crate) struct Condition {
    /// Verifiers with no anchor in the automaton, run on every turn the condition looks at:
    /// (verifier, whether it excludes).
    pub unanchored: Vec<(usize, bool)>,
    /// Each match's clause must be in one of these contexts (when not empty)…
    pub when: Vec<context::Context>,
    /// …and in none of these.
    pub unless: Vec<context::Context>,
    /// A `similar` term: the matcher (an index into [`RuleSet::similars`]) and the lowest score
    /// that counts.
    pub similar: Option<(usize, f64)>,
    /// Its terms also match by sound (`sound_alike`): its evidence says what was heard.
    pub sound_alike: bool,
}

/// A pattern that the automaton alone cannot match (a gap, an entity, a clause edge), or a
/// `regex` term: a linear-time regex, run on a turn only when the automaton found one of its
/// anchors there (strings one of which occurs in every match).
#[derive(Debug)]
pub(crate) struct Verifier {
    /// Compiled the first time a turn holds one of its anchors.
    pub regex: deferred::Deferred,
    /// Runs on the view that keeps 您 apart from 你 (`strict_nin`).
    pub strict_nin: bool,
    /// The capture group that is the match: 1 for a pattern with clause edges (group 0
    /// includes the boundary character), 0 for the rest, which then search without captures.
    pub group: usize,
    /// Runs on the sound view (a `sound_alike` condition's pattern), writing back what it
    /// finds in the pattern's characters.
    pub sound: Option<sound::Respell>,
}

/// What a pattern of the shared automaton means to the condition that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    Phrase,
    /// Matches only on jieba word boundaries.
    Word,
    /// Cancels any phrase, word or regex match of the same condition that it overlaps.
    Exclude,
    /// One of the anchors of a verifier; `exclude` when the verifier's matches cancel.
    Anchor {
        verifier: usize,
        exclude: bool,
    },
}

/// How often one sentence may cost the agent points (`sentence` in `scoring.toml`): a QA team
/// charges one fault per sentence, however many forbidden phrases the sentence holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SentencePolicy {
    /// `"dimension"`: one deduction per sentence and dimension, the largest.
    #[default]
    Dimension,
    /// `"rule"`: one deduction per sentence and rule; different rules each cost.
    Rule,
    /// `"hit"`: every hit costs, as before there was a policy.
    Hit,
}

impl SentencePolicy {
    pub const NAMES: [&'static str; 3] = ["dimension", "rule", "hit"];

    /// The value as `scoring.toml` and the results JSONL write it.
    pub fn name(self) -> &'static str {
        match self {
            SentencePolicy::Dimension => "dimension",
            SentencePolicy::Rule => "rule",
            SentencePolicy::Hit => "hit",
        }
    }

    pub fn from_name(name: &str) -> Option<SentencePolicy> {
        match name {
            "dimension" => Some(SentencePolicy::Dimension),
            "rule" => Some(SentencePolicy::Rule),
            "hit" => Some(SentencePolicy::Hit),
            _ => None,
        }
    }
}

/// What a deduction costs when the recogniser was unsure of its evidence (`[confidence]` in
/// `scoring.toml` or a scheme file): an agent is not charged for words a recogniser may have
/// made up, nor cleared for a greeting it may have lost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidencePolicy {
    /// Evidence in words the recogniser scored below this (0–1) is uncertain; 0 never is.
    pub below: f64,
    pub action: Uncertain,
}

impl Default for ConfidencePolicy {
    fn default() -> Self {
        ConfidencePolicy {
            below: 0.4,
            action: Uncertain::Review,
        }
    }
}

/// What an uncertain deduction does (`action`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Uncertain {
    /// `"review"`: costs nothing and sends the call to a supervisor, who keeps or rejects it.
    Review,
    /// `"fraction"`: costs this share of the points, rounded towards nothing (−5 × 0.5 → −2);
    /// a fatal rule cannot cost a fraction of a zero, so it goes to review.
    Fraction(f64),
    /// `"deduct"`: costs as usual; reports still say the words were uncertain.
    Deduct,
}

impl Uncertain {
    pub const NAMES: [&'static str; 3] = ["review", "fraction", "deduct"];

    /// The action as `scoring.toml` and the results JSONL write it.
    pub fn name(self) -> &'static str {
        match self {
            Uncertain::Review => "review",
            Uncertain::Fraction(_) => "fraction",
            Uncertain::Deduct => "deduct",
        }
    }

    /// The share a fraction charges; `None` for the other actions.
    pub fn fraction(self) -> Option<f64> {
        match self {
            Uncertain::Fraction(f) => Some(f),
            _ => None,
        }
    }
}

/// The service standard's numbers, from `scoring.toml`.
#[derive(Debug, Clone)]
pub struct Scoring {
    /// The scheme's name (`[scheme.chat] name`); `None` for the default one.
    pub name: Option<String>,
    pub base: i32,
    /// Sorted from the highest `min` down.
    pub tiers: Vec<(String, i32)>,
    pub flag_tiers: Vec<String>,
    pub attitude_dimensions: Vec<String>,
    pub procedure_dimensions: Vec<String>,
    pub service_threshold: i32,
    pub service_types: [String; 4],
    /// How often one sentence may cost the agent (`sentence`).
    pub sentence: SentencePolicy,
    /// Whether `sound_alike` conditions also match by sound (`rule/sound.rs`).
    pub sound_alike: bool,
    /// What a deduction costs when the recogniser was unsure of its evidence.
    pub confidence: ConfidencePolicy,
    /// The schemes of channels that score differently (`[scheme.<channel>]`), complete.
    pub schemes: Vec<(crate::channel::Channel, Scoring)>,
}

impl Scoring {
    /// The numbers a call of `channel` is scored with.
    pub fn scheme(&self, channel: crate::channel::Channel) -> &Scoring {
        self.schemes
            .iter()
            .find(|(c, _)| *c == channel)
            .map_or(self, |(_, s)| s)
    }
}

/// Every rule of a run, compiled once and shared by all threads.
pub struct RuleSet {
    /// Sorted by id, so hits, counts and reports come out in a stable order.
    pub rules: Vec<Rule>,
    pub scoring: Scoring,
    /// Problems that do not stop grading but probably are mistakes (`zhijian test` shows
    /// them; `--strict` fails on them).
    pub warnings: Vec<RuleError>,
    /// Rule indices in evaluation order: a rule comes after every rule it refers to.
    pub(crate) order: Vec<usize>,
    /// Each `words` term, folded, with the warning to give if jieba splits it.
    pub(crate) word_checks: Vec<(String, RuleError)>,
    pub(crate) conditions: Vec<Condition>,
    /// The sayings of every condition table's `examples` and, when compiled for test, of
    /// every lexicon's `[examples]`.
    pub sayings: Vec<SayingChecks>,
    pub(crate) verifiers: Vec<Verifier>,
    /// The compiled examples of every `similar` term.
    pub(crate) similars: Vec<similar::Matcher>,
    /// Every lexicon of the set, sorted by name.
    pub lexicons: Vec<Lexicon>,
    /// For each lexicon (by name), every lexicon it reaches through includes and terms.
    pub(crate) lexicon_reach: Vec<(String, Vec<String>)>,
    pub(crate) automaton: AhoCorasick,
    /// The automaton's patterns, folded: see [`RuleSet::literals`].
    pub(crate) patterns: Vec<String>,
    /// For each automaton pattern, the conditions that use it and how.
    pub(crate) owners: Vec<Vec<(usize, TermKind)>>,
    /// The sound of every ideograph (`sound-alike.toml`).
    pub(crate) sounds: sound::Sounds,
    /// The automaton of `sound_alike` terms over the sound view, if any condition has one;
    /// its patterns' owners, and the folded term each pattern stands for.
    pub(crate) sound_automaton: Option<AhoCorasick>,
    pub(crate) sound_owners: Vec<Vec<(usize, TermKind)>>,
    pub(crate) sound_spelled: Vec<String>,
    pub(crate) segmenter: Segmenter,
    /// A fingerprint of the rule files (16 hex digits), the same for the same files (and
    /// scheme file).
    pub version: String,
    /// The name of the scheme file applied with [`RuleSet::apply_scheme`], if any.
    pub scheme: Option<String>,
}

impl RuleSet {
    /// Compiles a rule set from its files, reporting every problem found.
    pub fn compile(sources: &[RuleSource]) -> Result<RuleSet, RuleErrors> {
        compile::compile(sources, false)
    }

    /// Compiles a rule set as [`RuleSet::compile`] does, and a condition for each lexicon
    /// with `[examples]` so that they are among [`RuleSet::sayings`]: what `zhijian test` runs
    /// on.
    pub fn compile_for_test(sources: &[RuleSource]) -> Result<RuleSet, RuleErrors> {
        compile::compile(sources, true)
    }

    /// What the terms `checks` belong to find in `text`, said by the agent as the one turn of
    /// a phone call: the folded words of each match.
    pub fn finds(&self, checks: &SayingChecks, text: &str) -> Vec<String> {
        eval::condition_finds(self, checks.cond, text)
    }

    /// Every literal string the rule set scans each turn for, folded, in no particular order:
    /// each phrase's expansions and lexicon terms, and the anchors of its patterns and regexes.
    /// What a plain multi-pattern search (`rg -F -f`) would have to look for to do the
    /// automaton's part of the work.
    pub fn literals(&self) -> &[String] {
        &self.patterns
    }

    /// Applies a scheme file (`--scheme`): its `[rules]` switch rules off or change their
    /// points, caps, review flag or channels. The version fingerprint covers the scheme too,
    /// since the same calls now score differently.
    pub fn apply_scheme(&mut self, src: &RuleSource) -> Result<(), RuleErrors> {
        let scheme = adjust::apply_file(&mut self.rules, src)?;
        if let Some(on) = scheme.sound_alike {
            self.scoring.sound_alike = on;
            for (_, s) in &mut self.scoring.schemes {
                s.sound_alike = on;
            }
        }
        if let Some(policy) = scheme.confidence {
            self.scoring.confidence = policy;
            for (_, s) in &mut self.scoring.schemes {
                s.confidence = policy;
            }
        }
        self.version = compile::fingerprint(&[
            RuleSource {
                path: "rules".into(),
                text: self.version.clone(),
            },
            src.clone(),
        ]);
        self.scheme = Some(scheme.name);
        Ok(())
    }

    /// The rule set built into the binary.
    pub fn embedded() -> Result<RuleSet, RuleErrors> {
        RuleSet::compile(&embedded_sources())
    }

    /// Loads and compiles the rule set in `dir`.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, RuleErrors> {
        RuleSet::compile(&read_dir(dir)?)
    }

    /// Every lexicon `name` reaches through its includes and terms (itself excluded).
    pub fn lexicon_reach(&self, name: &str) -> &[String] {
        self.lexicon_reach
            .iter()
            .find(|(from, _)| from == name)
            .map_or(&[], |(_, reach)| reach.as_slice())
    }

    /// The rules that use lexicon `name`, directly or through another lexicon, by id.
    pub fn lexicon_users(&self, name: &str) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| {
                r.lexicons.iter().any(|l| {
                    l == name
                        || self
                            .lexicon_reach
                            .iter()
                            .any(|(from, reach)| from == l && reach.iter().any(|x| x == name))
                })
            })
            .map(|r| r.id.as_str())
            .collect()
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Warnings for `words` terms that jieba cuts into several words on their own: such a
    /// term can only match where context happens to keep it whole, which is rarely what the
    /// author meant. Separate from [`RuleSet::warnings`] because it loads the jieba dictionary.
    pub fn lint_words(&self) -> Vec<RuleError> {
        let mut out = Vec::new();
        for (word, warning) in &self.word_checks {
            let bounds = self.segmenter.boundaries(word);
            if bounds.len() <= 2 {
                continue;
            }
            let pieces: Vec<&str> = bounds.windows(2).map(|w| &word[w[0]..w[1]]).collect();
            let mut w = warning.clone();
            w.message = format!(
                "jieba 会把 \"{word}\" 切成 {},作为 words 多半匹配不上",
                pieces.join(" / ")
            );
            w.help = Some("改写到 phrases 里,或把这个词加入 dictionary.txt".into());
            out.push(w);
        }
        out
    }

    /// Why the rule at index `rule` does not look at `call` at all, in a short Chinese phrase
    /// (its `[match.dialogue]`: 最后一句不是客服说的); `None` when it does.
    pub fn unmet_shape(&self, rule: usize, call: &Call) -> Option<String> {
        eval::unmet_shape(self, rule, call)
    }

    /// Why the rule at index `rule` did not fire on `call`, when a line can say it: one of its
    /// exceptions (`[[match.not]]`, at any depth) held, words it requires were said, words it
    /// looks for were not, a rule it refers to did not fire. `None` when it fired, or failed in
    /// a way with nothing to show (timing, a measure, metadata).
    pub fn why_not(&self, rule: usize, call: &Call) -> Option<Unmet> {
        eval::why_not(self, rule, call)
    }

    /// The turns of `call` (from 0) that the rule at index `rule` does not count because they
    /// say nothing but its `skip` phrases (请问还有其他可以帮您的吗, the platform's greeting).
    pub fn skipped_turns(&self, rule: usize, call: &Call) -> Vec<usize> {
        eval::skipped(self, rule, call)
    }

    /// For a measure rule (`[match.measure]`) that did not fire on `call`: its reading nearest
    /// the threshold (语速 5.2 字/秒 against 超过 6.5 字/秒), so a reader sees how far the call
    /// was from it. `None` for other rules, and for a call without the data.
    pub fn nearest_reading(&self, rule: usize, call: &Call) -> Option<Measurement> {
        eval::nearest(self, rule, call)
    }

    /// What `call` lacks for the rule at index `rule` to look at anything, in a short Chinese
    /// phrase (没有客服说的话, 没有时间戳); `None` when it has what the rule reads.
    pub fn lacks(&self, rule: usize, call: &Call) -> Option<String> {
        eval::lacks(self, rule, call)
    }

    /// Runs every rule over `call`; hits are ordered by rule id, turn and position.
    pub fn evaluate(&self, call: &Call) -> Vec<Hit> {
        eval::evaluate(self, call).hits
    }

    /// Runs every rule over `call`: its hits, as [`RuleSet::evaluate`] gives them, and the
    /// rules that could not judge it (what [`RuleSet::lacks`] says of a rule without hits).
    pub fn judge(&self, call: &Call) -> Judged {
        eval::evaluate(self, call)
    }
}
