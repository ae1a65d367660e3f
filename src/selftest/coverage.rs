//! Term coverage (`zhijian test --coverage`): each term of a rule set removed in turn → the
//! terms whose removal changes no example and no corpus expectation.
//!
//! In: the rule set's sources, its examples' results and, when there is a corpus, the graded
//! calls and their expectations. Out: one [`Unproven`] per term, alternative (`[甲|乙]`) or
//! exclusion that nothing depends on, with its file and line. Such a term may be dead (a
//! spelling nobody says), or alive but untested: either way a later edit can break it
//! unnoticed. The fix is an example that needs it, or deleting it.
//!
//! How: every array of terms in a rule file (`phrases`, `words`, `regex`, `exclude`,
//! `exclude_regex`, `similar`, `not_a_reply`, wherever the table is) and every lexicon's
//! `terms` is found with its source span; one mutant of the source is made per element (the
//! element cut out) and per alternative of a `[…|…]` group in it (the alternative cut out),
//! compiled, and checked like the original. A mutant that no longer compiles (the only phrase
//! of a condition) proves the term is needed and is not reported.
//!
//! Most unproven terms are words no example says at all, and compiling a rule set costs far
//! more than a search: so a term (or alternative) whose anchors — strings one of which occurs
//! in each of its matches — occur in none of the texts examples and corpus give is unproven
//! without compiling anything. Terms matched by sound have no such strings and are always
//! compiled.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use rayon::prelude::*;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{check_corpus, check_rule_examples, passed, Expectations};
use crate::grade::{grade_call, Graded};
use crate::normalize::fold;
use crate::rule::pattern::{parse, references};
use crate::rule::{
    line_col, Hit, Lexicons, RuleSet, RuleSource, SayingChecks, SayingOwner, LEXICON_DIR,
};

/// Keys of a rule file whose arrays hold terms.
const TERM_KEYS: &[&str] = &[
    "phrases",
    "words",
    "regex",
    "exclude",
    "exclude_regex",
    "similar",
    "not_a_reply",
];

/// A term, alternative or exclusion whose removal nothing noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unproven {
    /// The source's path in the rule set (`language/LNG001-forbidden-phrases.toml`).
    pub path: String,
    /// Where the term is written in that source.
    pub span: Range<usize>,
    /// What was removed, in words: 短语 "没办法",短语 "[给|打]个?{好评}" 中的选项 "打".
    pub what: String,
}

/// One way to change a source: replace `cut` with `with`.
#[derive(Debug, Clone)]
struct Mutant {
    source: usize,
    /// The span of the term it concerns, for reporting.
    term: Range<usize>,
    cut: Range<usize>,
    with: String,
    what: String,
    /// Strings one of which occurs, folded, wherever what is cut could have matched; `None`
    /// when that is not known, or when cutting it may do more than lose its matches (the only
    /// term of a list).
    needs: Option<BTreeSet<String>>,
}

/// Strings one of which occurs in every match of a term or alternative, given the key of its
/// array and its text; `None` when not known.
type Anchors<'a> = dyn FnMut(&str, &str) -> Option<BTreeSet<String>> + 'a;

/// The corpus a coverage run grades each mutant against: its calls, already read, and their
/// expectations.
pub struct Corpus<'a> {
    pub graded: &'a [Graded],
    pub expectations: &'a Expectations,
}

/// What the unchanged rule set says, to compare each mutant with.
struct Baseline {
    /// Whether each example passes, by rule id.
    examples: BTreeMap<String, Vec<bool>>,
    /// The evidence of each readable corpus call.
    hits: Vec<Vec<Hit>>,
    /// The corpus expectations that fail, in words, sorted.
    failures: Vec<String>,
    /// Whether each saying passes, by entry of [`RuleSet::sayings`].
    sayings: Vec<Vec<bool>>,
}

/// The terms of `sources` nothing depends on: removing one changes no example of `set` (the
/// compiled `sources`) and no expectation of `corpus`. Only the files `only` names are
/// mutated (a path ending in the file's path under the rule directory), or every file when it
/// is empty.
///
/// Each mutant is compiled whole (the rules share one automaton), but only what it can change
/// is checked again: the examples of the rules that use the changed file, directly, through a
/// lexicon or through another rule's verdict; and the corpus only where those rules' evidence
/// moved.
pub fn unproven(
    sources: &[RuleSource],
    set: &RuleSet,
    corpus: Option<&Corpus<'_>>,
    only: &[String],
) -> Vec<Unproven> {
    let calls: Vec<&crate::input::Call> = corpus.map_or_else(Vec::new, |c| {
        c.graded
            .iter()
            .filter_map(|g| g.outcome.as_ref().ok().map(|o| &o.call))
            .collect()
    });
    let baseline = Baseline {
        examples: passes(
            set,
            &set.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ),
        hits: calls.iter().map(|c| set.evaluate(c)).collect(),
        failures: corpus.map_or_else(Vec::new, |c| failures(set, c)),
        sayings: sayings_pass(set, |_| true),
    };
    let mut lexicons = Lexicons::read(sources, &mut Vec::new());
    let sounded = sounded(sources, &lexicons);
    let named = |path: &str| {
        only.is_empty()
            || only
                .iter()
                .any(|o| o == path || o.ends_with(&format!("/{path}")))
    };
    let mutants: Vec<Mutant> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| named(&s.path))
        .flat_map(|(i, s)| {
            let by_sound = match lexicons.list().into_iter().find(|l| l.path == s.path) {
                Some(lexicon) => sounded.contains(&lexicon.name),
                None => says_sound_alike(&s.text),
            };
            let mut anchors = |key: &str, text: &str| {
                if by_sound
                    || !matches!(
                        key,
                        "phrases" | "words" | "exclude" | "not_a_reply" | "terms"
                    )
                {
                    return None;
                }
                let mut names = Vec::new();
                references(&parse(text).ok()?.nodes, &mut names);
                if names.iter().any(|n| sounded.contains(n)) {
                    return None;
                }
                lexicons.anchors(text)
            };
            mutants_of(i, s, &mut anchors)
        })
        .collect();
    let texts = texts(set, &calls);
    mutants
        .par_iter()
        .filter(|m| {
            if m.needs
                .as_ref()
                .is_some_and(|needs| !needs.iter().any(|a| texts.contains(a.as_str())))
            {
                return true;
            }
            let mut changed = sources.to_vec();
            changed[m.source].text.replace_range(m.cut.clone(), &m.with);
            // A mutant that no longer compiles needed the term.
            let Ok(mut mutant) = RuleSet::compile_for_test(&changed) else {
                return false;
            };
            // The same user dictionary: the jieba dictionary is loaded once, not per mutant.
            mutant.segmenter = set.segmenter.clone();
            let path = &sources[m.source].path;
            let affected = affected(&mutant, path);
            // Lexicons include each other; a rule file's sayings are its own.
            let lexicon = path.starts_with(LEXICON_DIR);
            let sayings = sayings_pass(&mutant, |c| match &c.owner {
                SayingOwner::Lexicon(_) => lexicon,
                SayingOwner::Rule(id) => affected.contains(&id.as_str()),
            });
            let moved = sayings
                .iter()
                .zip(&baseline.sayings)
                .any(|(now, before)| !now.is_empty() && now != before);
            if moved {
                return false;
            }
            let examples = passes(&mutant, &affected);
            if examples
                .iter()
                .any(|(id, p)| baseline.examples.get(id) != Some(p))
            {
                return false;
            }
            let Some(corpus) = corpus else { return true };
            let moved = calls.iter().zip(&baseline.hits).any(|(call, before)| {
                let of_affected = |hits: &[Hit], set: &RuleSet| -> Vec<Hit> {
                    hits.iter()
                        .filter(|h| affected.contains(&set.rules[h.rule].id.as_str()))
                        .cloned()
                        .collect()
                };
                of_affected(&mutant.evaluate(call), &mutant) != of_affected(before, set)
            });
            !moved || failures(&mutant, corpus) == baseline.failures
        })
        .map(|m| Unproven {
            path: sources[m.source].path.clone(),
            span: m.term.clone(),
            what: m.what.clone(),
        })
        .collect()
}

/// The names of the lexicons whose terms may be matched by sound: those that ask to be, those
/// a rule file that asks for it names, and every lexicon they include or name.
fn sounded(sources: &[RuleSource], lexicons: &Lexicons) -> BTreeSet<String> {
    let mut roots: Vec<String> = lexicons
        .list()
        .into_iter()
        .filter(|l| l.sound_alike)
        .map(|l| l.name)
        .collect();
    for source in sources.iter().filter(|s| says_sound_alike(&s.text)) {
        // Every `{…}` of the file, whatever array it is in: a superset is safe.
        for (at, _) in source.text.match_indices('{') {
            if let Some(end) = source.text[at..].find('}') {
                roots.push(source.text[at + 1..at + end].to_string());
            }
        }
    }
    let mut all: BTreeSet<String> = BTreeSet::new();
    for root in roots {
        all.extend(lexicons.reaches(&root));
        all.insert(root);
    }
    all
}

/// Whether a rule or lexicon file turns on matching by sound anywhere in it.
fn says_sound_alike(text: &str) -> bool {
    text.lines().any(|line| {
        let code = line.split('#').next().unwrap_or_default();
        code.split_whitespace().collect::<String>() == "sound_alike=true"
    })
}

/// Everything a mutant is checked on, folded, one text to a line: each saying, each rule
/// example's turns and metadata, and each corpus call's.
fn texts(set: &RuleSet, calls: &[&crate::input::Call]) -> String {
    let examples = set
        .rules
        .iter()
        .flat_map(|r| r.examples.iter().map(|e| &e.call));
    let mut out = String::new();
    for saying in set.sayings.iter().flat_map(|c| &c.sayings) {
        out.push_str(&fold(&saying.text));
        out.push('\n');
    }
    for call in examples.chain(calls.iter().copied()) {
        for text in call.turns.iter().map(|t| &t.text).chain(call.meta.values()) {
            out.push_str(&fold(text));
            out.push('\n');
        }
    }
    out
}

/// The ids of the rules whose verdict may change when the file at `path` changes: the rule it
/// holds, or the rules using the lexicon it holds, and every rule that uses their verdicts.
fn affected<'s>(set: &'s RuleSet, path: &str) -> Vec<&'s str> {
    let mut ids: Vec<&str> = match set.lexicons.iter().find(|l| l.path == path) {
        Some(lexicon) => set.lexicon_users(&lexicon.name),
        None => set
            .rules
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.id.as_str())
            .collect(),
    };
    loop {
        let more: Vec<&str> = set
            .rules
            .iter()
            .filter(|r| !ids.contains(&r.id.as_str()))
            .filter(|r| r.uses.iter().any(|u| ids.contains(&u.as_str())))
            .map(|r| r.id.as_str())
            .collect();
        if more.is_empty() {
            return ids;
        }
        ids.extend(more);
    }
}

/// Whether each saying passes, by entry of [`RuleSet::sayings`]; the entries `keep` refuses
/// are left empty.
fn sayings_pass(set: &RuleSet, keep: impl Fn(&SayingChecks) -> bool) -> Vec<Vec<bool>> {
    set.sayings
        .iter()
        .map(|checks| {
            if !keep(checks) {
                return Vec::new();
            }
            checks
                .sayings
                .iter()
                .map(|s| passed(s.expect, &set.finds(checks, &s.text)))
                .collect()
        })
        .collect()
}

/// Whether each example of the rules `ids` passes, by rule id.
fn passes(set: &RuleSet, ids: &[&str]) -> BTreeMap<String, Vec<bool>> {
    set.rules
        .iter()
        .enumerate()
        .filter(|(_, r)| ids.contains(&r.id.as_str()))
        .map(|(i, r)| {
            let results = check_rule_examples(set, i);
            (r.id.clone(), results.iter().map(|e| e.passed()).collect())
        })
        .collect()
}

/// The corpus expectations `set` fails, in words, sorted.
fn failures(set: &RuleSet, corpus: &Corpus<'_>) -> Vec<String> {
    let graded: Vec<Graded> = corpus
        .graded
        .iter()
        .map(|g| Graded {
            source: g.source.clone(),
            call_id: g.call_id.clone(),
            outcome: g
                .outcome
                .as_ref()
                .map(|o| grade_call(set, o.call.clone()))
                .map_err(Clone::clone),
        })
        .collect();
    let mut failures: Vec<String> = check_corpus(set, &graded, corpus.expectations)
        .iter()
        .map(ToString::to_string)
        .collect();
    failures.sort();
    failures
}

/// Every mutant of source `index`: each term cut out, and each alternative of each term.
fn mutants_of(index: usize, source: &RuleSource, anchors: &mut Anchors<'_>) -> Vec<Mutant> {
    let Ok(table) = DeTable::parse(&source.text) else {
        return Vec::new(); // Not this module's to report: the rule set did not compile.
    };
    let lexicon = source.path.starts_with(LEXICON_DIR);
    let mut arrays = Vec::new();
    collect(table.get_ref(), lexicon, &mut arrays);
    let mut out = Vec::new();
    for (key, items) in arrays {
        let kind = kind_zh(key);
        for (k, item) in items.iter().enumerate() {
            let DeValue::String(term) = item.get_ref() else {
                continue;
            };
            let span = item.span();
            // Cut with the separator after it, or before it for the last one.
            let cut = match (items.get(k + 1), k.checked_sub(1).map(|p| &items[p])) {
                (Some(next), _) => span.start..next.span().start,
                (None, Some(prev)) => prev.span().end..span.end,
                (None, None) => span.clone(),
            };
            out.push(Mutant {
                source: index,
                term: span.clone(),
                cut,
                with: String::new(),
                what: format!("{kind} \"{term}\""),
                needs: if items.len() > 1 {
                    anchors(key, term)
                } else {
                    None
                },
            });
            for (alt, without) in alternatives(term) {
                out.push(Mutant {
                    source: index,
                    term: span.clone(),
                    cut: span.clone(),
                    with: toml::Value::String(without).to_string(),
                    needs: anchors(key, &alt),
                    what: format!("{kind} \"{term}\" 中的选项 \"{alt}\""),
                });
            }
        }
    }
    out
}

/// The arrays of terms in `table` and the tables under it, with their keys; examples are not
/// terms.
fn collect<'t, 'i>(
    table: &'t DeTable<'i>,
    lexicon: bool,
    out: &mut Vec<(&'t str, &'t [Spanned<DeValue<'i>>])>,
) {
    for (key, value) in table {
        let key = key.get_ref().as_ref();
        match value.get_ref() {
            DeValue::Array(items) if is_terms(key, lexicon) => out.push((key, items)),
            DeValue::Array(items) if key != "example" => {
                for item in items.iter() {
                    if let DeValue::Table(t) = item.get_ref() {
                        collect(t, lexicon, out);
                    }
                }
            }
            DeValue::Table(t) => collect(t, lexicon, out),
            _ => {}
        }
    }
}

fn is_terms(key: &str, lexicon: bool) -> bool {
    if lexicon {
        key == "terms"
    } else {
        TERM_KEYS.contains(&key)
    }
}

fn kind_zh(key: &str) -> &'static str {
    match key {
        "phrases" => "短语",
        "words" => "词",
        "regex" => "正则",
        "exclude" => "排除短语",
        "exclude_regex" => "排除正则",
        "similar" => "相似句",
        "not_a_reply" => "不算回复的话",
        _ => "词库条目",
    }
}

/// Each alternative of each `[…|…]` group of a pattern with two or more, and the pattern
/// without it. Escaped brackets and bars (`\[`) are text, not syntax.
fn alternatives(pattern: &str) -> Vec<(String, String)> {
    let chars: Vec<(usize, char)> = pattern.char_indices().collect();
    // Open groups: where each starts, and where its alternatives start.
    let mut open: Vec<Vec<usize>> = Vec::new();
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        match c {
            '\\' => k += 1,
            '[' => open.push(vec![at + 1]),
            '|' => {
                if let Some(group) = open.last_mut() {
                    group.push(at + 1);
                }
            }
            ']' => {
                if let Some(starts) = open.pop() {
                    if starts.len() >= 2 {
                        for (n, &start) in starts.iter().enumerate() {
                            let end = starts.get(n + 1).map_or(at, |next| next - 1);
                            // Cut the alternative with the bar before it, or after it for the
                            // first.
                            let cut = if n == 0 {
                                start..end + 1
                            } else {
                                start - 1..end
                            };
                            let mut without = pattern.to_string();
                            without.replace_range(cut, "");
                            out.push((pattern[start..end].to_string(), without));
                        }
                    }
                }
            }
            _ => {}
        }
        k += 1;
    }
    out
}

/// `path:line` of an unproven term in `sources`, for reports.
pub fn line_of(sources: &[RuleSource], u: &Unproven) -> usize {
    sources
        .iter()
        .find(|s| s.path == u.path)
        .map_or(0, |s| line_col(&s.text, u.span.start).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternatives_are_cut_one_at_a_time_with_their_bar() {
        assert_eq!(
            alternatives("[给|打]个?{好评}"),
            [
                ("给".to_string(), "[打]个?{好评}".to_string()),
                ("打".to_string(), "[给]个?{好评}".to_string()),
            ]
        );
        assert_eq!(
            alternatives("那是[我们|他们|你们]的事"),
            [
                ("我们".to_string(), "那是[他们|你们]的事".to_string()),
                ("他们".to_string(), "那是[我们|你们]的事".to_string()),
                ("你们".to_string(), "那是[我们|他们]的事".to_string()),
            ]
        );
        // An optional single part is no choice; escaped brackets are text.
        assert!(alternatives("好[的]?").is_empty());
        assert!(alternatives("\\[数字\\|x\\]").is_empty());
        // Nested groups: the inner one's alternatives, then the outer one's.
        let nested = alternatives("[a[b|c]|d]");
        assert_eq!(nested[0], ("b".to_string(), "[a[c]|d]".to_string()));
        assert_eq!(nested[1], ("c".to_string(), "[a[b]|d]".to_string()));
        assert_eq!(nested[2], ("a[b|c]".to_string(), "[d]".to_string()));
        assert_eq!(nested[3], ("d".to_string(), "[a[b|c]]".to_string()));
    }

    #[test]
    fn every_term_array_is_found_but_not_in_examples() {
        let text = r#"
id = "T"
[match]
phrases = ["甲", "乙"]
exclude = ["丙"]
[[match.not]]
words = ["丁"]
[match.after]
role = "customer"
phrases = ["戊"]
[[example]]
expect = "hit"
text = "客服：甲"
"#;
        let source = RuleSource {
            path: "x/T.toml".into(),
            text: text.into(),
        };
        let whats: Vec<String> = mutants_of(0, &source, &mut |_, _| None)
            .into_iter()
            .map(|m| m.what)
            .collect();
        for want in [
            "短语 \"甲\"",
            "短语 \"乙\"",
            "排除短语 \"丙\"",
            "词 \"丁\"",
            "短语 \"戊\"",
        ] {
            assert!(whats.iter().any(|w| w == want), "{want} in {whats:?}");
        }
        assert_eq!(whats.len(), 5, "{whats:?}");
        // Cutting the first of two takes its comma; cutting the last, the comma before it.
        let cut = |k: usize| {
            let m = &mutants_of(0, &source, &mut |_, _| None)[k];
            let mut t = text.to_string();
            t.replace_range(m.cut.clone(), &m.with);
            t
        };
        let first = mutants_of(0, &source, &mut |_, _| None)
            .iter()
            .position(|m| m.what == "短语 \"甲\"")
            .unwrap();
        assert!(cut(first).contains("phrases = [\"乙\"]"));
        assert!(cut(first + 1).contains("phrases = [\"甲\"]"));
    }

    #[test]
    fn what_a_cut_needs_is_asked_only_where_cutting_just_loses_matches() {
        let source = RuleSource {
            path: "x/T.toml".into(),
            text: "id = \"T\"\n[match]\nphrases = [\"[甲|乙]丙\", \"丁\"]\nexclude = [\"戊\"]\n"
                .into(),
        };
        let mut asked = Vec::new();
        let mutants = mutants_of(0, &source, &mut |key, text| {
            asked.push(format!("{key}:{text}"));
            Some([text.to_string()].into())
        });
        // The only exclusion is not asked about: cutting it may make the file not compile.
        assert_eq!(
            asked,
            [
                "phrases:[甲|乙]丙",
                "phrases:甲",
                "phrases:乙",
                "phrases:丁"
            ]
        );
        let needs: Vec<_> = mutants.iter().map(|m| m.needs.is_some()).collect();
        assert_eq!(
            needs,
            [false, true, true, true, true],
            "the exclusion comes first"
        );
    }

    #[test]
    fn lexicons_heard_by_sound_are_those_asked_for_and_all_they_reach() {
        let lexicon = |name: &str, extra: &str, terms: &str| RuleSource {
            path: format!("{LEXICON_DIR}{name}.toml"),
            text: format!("name = \"{name}\"\ndescription = \"\"\n{extra}terms = [{terms}]\n"),
        };
        let sources = [
            lexicon("等", "sound_alike = true\n", "\"稍等\", \"{片刻}\""),
            lexicon("片刻", "", "\"片刻\""),
            lexicon("上级", "", "\"领导\""),
            lexicon("工号", "", "\"工号\""),
            lexicon("无关", "", "\"无关\""),
            RuleSource {
                path: "x/T.toml".into(),
                text: "[match]\nsound_alike = true # 听音\nphrases = [\"{上级}\"]\n".into(),
            },
            RuleSource {
                path: "x/U.toml".into(),
                text: "[match]\n# sound_alike = true\nphrases = [\"{工号}\"]\n".into(),
            },
        ];
        let lexicons = Lexicons::read(&sources, &mut Vec::new());
        let heard: Vec<String> = sounded(&sources, &lexicons).into_iter().collect();
        assert_eq!(heard, ["上级", "片刻", "等"]);
        assert!(says_sound_alike("sound_alike=true"));
        assert!(!says_sound_alike("sound_alike = false"));
    }

    #[test]
    fn lexicon_terms_are_found_under_terms() {
        let source = RuleSource {
            path: format!("{LEXICON_DIR}x.toml"),
            text: "name = \"上级\"\ndescription = \"\"\nterms = [\"领导\", \"[主管|经理]\"]\n"
                .into(),
        };
        let whats: Vec<String> = mutants_of(0, &source, &mut |_, _| None)
            .into_iter()
            .map(|m| m.what)
            .collect();
        assert_eq!(
            whats,
            [
                "词库条目 \"领导\"",
                "词库条目 \"[主管|经理]\"",
                "词库条目 \"[主管|经理]\" 中的选项 \"主管\"",
                "词库条目 \"[主管|经理]\" 中的选项 \"经理\"",
            ]
        );
    }
}
