//! Deferred regexes: a verifier's regex source → checked when the rules load, compiled the first
//! time a turn needs it.
//!
//! In: a regex's source and whether it ignores case. Out: a [`Deferred`] whose [`Deferred::get`]
//! is the compiled [`Regex`], or, at load, the [`Refusal`] that says why it can never be one.
//!
//! The catalog has some 350 verifiers, and compiling them all (a forward and a reverse NFA and
//! the engines' set-up for each) was two thirds of a run's start-up: 0.1 s before the first call,
//! although one call's anchors wake a handful of them. So a rule file is checked up front, from
//! the parsed pattern alone — its syntax, a bound on the size of its NFA, and whether it matches
//! the empty string — and a mistake is still reported before anything is graded; the full regex
//! is built once, by whichever thread first needs it. The result is the same regex whatever the
//! thread count or the order calls arrive in, so grading stays deterministic.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::utf8::Utf8Sequences;

/// Bounds the NFA of one regex, as [`nfa_bytes`] reckons it at load.
pub(crate) const SIZE_LIMIT: usize = 1 << 20;

/// The limit the full build runs under. The bound checked at load is above what the forward
/// NFA takes (a test holds it to that on every built-in verifier); the reverse NFA the regex
/// crate adds for finding where a match starts is of the same order, and this margin keeps a
/// checked regex from failing when it is first needed, mid-batch.
const BUILD_LIMIT: usize = 16 * SIZE_LIMIT;

/// What one NFA state takes, with its bookkeeping, and one transition of a state, in bytes:
/// generous, so that [`nfa_bytes`] stays above the real size.
const STATE_BYTES: usize = 32;
const TRANSITION_BYTES: usize = 8;

/// Bounds the lazy DFA one regex builds as it searches, per thread. A pattern with two gaps
/// (`[为|帮|给]你…{24}…{24}[可以吗|好吗|…]`, LNG003) has thousands of states; in 1 MB its cache
/// filled and was rebuilt over and over, and that one pattern took a twentieth of a run on real
/// chats. Only the patterns that need them grow this large.
const DFA_CACHE_LIMIT: usize = 8 << 20;

/// Why a regex cannot be a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a regex: the parser's own reason (its last line, without the picture of the
    /// pattern that the span already shows).
    Syntax(String),
    /// Its compiled form exceeds this many bytes.
    TooBig(usize),
    /// It matches the empty string, so it would hit every turn with no words.
    MatchesEmpty,
}

/// A checked regex, compiled on first use.
#[derive(Debug)]
pub(crate) struct Deferred {
    source: String,
    case_insensitive: bool,
    built: OnceLock<Regex>,
}

impl Deferred {
    /// Checks `source` as the regex crate would compile it, without compiling it; the parsed
    /// pattern comes back too, for whoever wants its literals.
    pub fn check(source: String, case_insensitive: bool) -> Result<(Deferred, Hir), Refusal> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(case_insensitive)
            .build()
            .parse(&source)
            .map_err(|e| Refusal::Syntax(last_line(&e.to_string())))?;
        if nfa_bytes(&hir) > SIZE_LIMIT {
            return Err(Refusal::TooBig(SIZE_LIMIT));
        }
        if matches_empty(&hir)? {
            return Err(Refusal::MatchesEmpty);
        }
        let deferred = Deferred {
            source,
            case_insensitive,
            built: OnceLock::new(),
        };
        Ok((deferred, hir))
    }

    /// The source, as the rule set keys its verifiers by it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled regex, built by the first caller.
    pub fn get(&self) -> &Regex {
        self.built.get_or_init(|| {
            RegexBuilder::new(&self.source)
                .case_insensitive(self.case_insensitive)
                .size_limit(BUILD_LIMIT)
                .dfa_size_limit(DFA_CACHE_LIMIT)
                .build()
                .expect("a regex checked when the rules loaded compiles")
        })
    }
}

/// Whether the regex matches the empty string. Without word-boundary assertions that is whether
/// it can match nothing at all: `^` and `$` hold on an empty text. `\b` does not, and for those
/// few the engine is asked.
fn matches_empty(hir: &Hir) -> Result<bool, Refusal> {
    let props = hir.properties();
    if !props.look_set().contains_word() {
        return Ok(props.minimum_len() == Some(0));
    }
    let nfa = thompson::Compiler::new()
        .configure(thompson::Config::new().nfa_size_limit(Some(BUILD_LIMIT)))
        .build_from_hir(hir)
        .map_err(|e| Refusal::Syntax(last_line(&e.to_string())))?;
    let vm = PikeVM::new_from_nfa(nfa).map_err(|e| Refusal::Syntax(last_line(&e.to_string())))?;
    Ok(vm.is_match(&mut vm.create_cache(), ""))
}

/// An upper bound on the bytes the Thompson NFA of `hir` takes: its states and a fixed part (the
/// unanchored prefix, the group around the whole match, the start states, the group table).
fn nfa_bytes(hir: &Hir) -> usize {
    nfa_bound(hir).saturating_add(2048)
}

/// An upper bound, in bytes, on the states the regex compiles to: every literal byte a
/// state, every class the states of its UTF-8 sequences, a bounded repetition its copies, with
/// their splits. Saturates rather than overflows (`\w{1000}{1000}`).
fn nfa_bound(hir: &Hir) -> usize {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => STATE_BYTES,
        HirKind::Literal(lit) => lit.0.len().saturating_mul(STATE_BYTES + TRANSITION_BYTES),
        HirKind::Class(Class::Bytes(c)) => {
            STATE_BYTES + c.ranges().len().saturating_mul(TRANSITION_BYTES)
        }
        HirKind::Class(Class::Unicode(c)) => {
            // Each byte range of each UTF-8 sequence at most a state with one transition (the
            // compiler shares the common ones).
            let ranges: usize = c
                .ranges()
                .iter()
                .flat_map(|r| Utf8Sequences::new(r.start(), r.end()))
                .map(|seq| seq.len())
                .sum();
            STATE_BYTES + ranges.saturating_mul(STATE_BYTES + TRANSITION_BYTES)
        }
        HirKind::Repetition(rep) => {
            let copies = rep.max.unwrap_or(rep.min).max(rep.min) as usize + 1;
            copies.saturating_mul(
                nfa_bound(&rep.sub).saturating_add(STATE_BYTES + 2 * TRANSITION_BYTES),
            )
        }
        HirKind::Capture(cap) => nfa_bound(&cap.sub).saturating_add(2 * STATE_BYTES),
        HirKind::Concat(subs) => subs.iter().fold(0, |n, h| n.saturating_add(nfa_bound(h))),
        HirKind::Alternation(subs) => subs.iter().fold(STATE_BYTES, |n, h| {
            n.saturating_add(nfa_bound(h))
                .saturating_add(TRANSITION_BYTES)
        }),
    }
}

/// The regex crates' errors are a picture of the pattern whose last line says what is wrong.
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .unwrap_or(text)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> Result<Deferred, Refusal> {
        Deferred::check(source.to_string(), false).map(|(d, _)| d)
    }

    #[test]
    fn a_checked_regex_is_built_when_first_needed_and_then_kept() {
        let d = check("您好|你好").unwrap();
        assert!(d.built.get().is_none(), "nothing is compiled at load");
        assert!(d.get().is_match("喂,你好"));
        assert!(!d.get().is_match("喂"));
        assert!(d.built.get().is_some());
        assert_eq!(d.as_str(), "您好|你好");
    }

    #[test]
    fn case_is_ignored_only_when_asked() {
        let (d, _) = Deferred::check("vip".into(), true).unwrap();
        assert!(d.get().is_match("VIP客户"));
        let (d, _) = Deferred::check("vip".into(), false).unwrap();
        assert!(!d.get().is_match("VIP客户"));
    }

    #[test]
    fn what_the_regex_crate_would_refuse_is_refused_at_load() {
        match check("(您好") {
            Err(Refusal::Syntax(reason)) => assert!(reason.contains("unclosed group"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(check("(您好)?").unwrap_err(), Refusal::MatchesEmpty);
        assert_eq!(check("a*").unwrap_err(), Refusal::MatchesEmpty);
        assert_eq!(
            check(r"\w{1000}{1000}").unwrap_err(),
            Refusal::TooBig(SIZE_LIMIT)
        );
    }

    /// The bound is what keeps a deferred regex from failing when first needed: it must stay
    /// above what the regex crate's compiler takes, forwards and backwards, on every built-in
    /// verifier (the shapes rule files produce: gaps, lexicon alternations, clause edges).
    #[test]
    fn the_bound_is_above_every_built_in_verifiers_nfa() {
        let set = crate::rule::RuleSet::embedded().unwrap();
        assert!(set.verifiers.len() > 100);
        let mut tightest = f64::MAX;
        for v in &set.verifiers {
            let hir = regex_syntax::ParserBuilder::new()
                .case_insensitive(v.regex.case_insensitive)
                .build()
                .parse(v.regex.as_str())
                .unwrap();
            let bound = nfa_bytes(&hir);
            for reverse in [false, true] {
                let nfa = thompson::Compiler::new()
                    .configure(
                        thompson::Config::new()
                            .shrink(false)
                            .reverse(reverse)
                            // The reverse NFA is for finding where a match starts: no groups.
                            .which_captures(if reverse {
                                thompson::WhichCaptures::None
                            } else {
                                thompson::WhichCaptures::All
                            }),
                    )
                    .build_from_hir(&hir)
                    .unwrap();
                let used = nfa.memory_usage();
                assert!(
                    bound >= used,
                    "{} (reverse {reverse}): bound {bound} < {used}",
                    v.regex.as_str()
                );
                tightest = tightest.min(bound as f64 / used as f64);
            }
        }
        assert!(
            tightest < 50.0,
            "a bound this loose refuses patterns that would fit: {tightest}"
        );
    }

    #[test]
    fn a_pattern_that_only_looks_empty_is_not_refused() {
        // Nothing to consume, but `\b` needs a word character beside it: never an empty hit.
        assert!(check(r"\b").is_ok());
        assert!(!RegexBuilder::new(r"\b").build().unwrap().is_match(""));
    }
}
