//! Deferred regexes: a verifier's regex source → checked when the rules load, compiled the first
//! time a turn needs it.
//!
//! In: a regex's source and whether it ignores case. Out: a [`Deferred`] whose [`Deferred::get`]
//! is the compiled [`Regex`], or, at load, the [`Refusal`] that says why it can never be one.
//!
//! The catalog has some 350 verifiers, and compiling them all (a forward and a reverse NFA and
//! the engines' set-up for each) was two thirds of a run's start-up: 0.1 s before the first call,
//! although one call's anchors wake a handful of them. So a rule file is checked up front, and a
//! mistake is still reported before anything is graded: its syntax, whether it matches the empty
//! string, and whether its NFAs fit the size limit — from an estimate off the parsed pattern
//! when that is far below the limit (every built-in verifier), else by building the forward and
//! reverse NFAs as the regex crate would. The full regex is built once, by whichever thread
//! first needs it: the same regex whatever the thread count or the order calls arrive in, so
//! grading stays deterministic.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::utf8::Utf8Sequences;

/// Bounds what the NFA builder takes for one regex, forwards and in reverse: the regex crate's
/// `size_limit`, as it was when every verifier was compiled at load.
pub(crate) const SIZE_LIMIT: usize = 1 << 20;

/// How far [`estimate`] may fall short of what the builder takes. It counts a state and a
/// transition at what the builder's are, but not every helper state the builder adds (a union
/// after each literal byte of an alternation, an empty state around a class or a repetition);
/// by how it builds them, those at most double a pattern's count. An estimate this many times
/// over is still under [`SIZE_LIMIT`] needs no building at load; a test holds the factor to
/// every built-in verifier, forwards and in reverse.
const ESTIMATE_MARGIN: usize = 4;

/// The limit the full build runs under: the check at load kept the NFAs under [`SIZE_LIMIT`],
/// and the margin keeps a checked regex from failing when it is first needed, mid-batch.
const BUILD_LIMIT: usize = 16 * SIZE_LIMIT;

/// What the builder's state and transition take, in bytes.
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
        if estimate(&hir).saturating_mul(ESTIMATE_MARGIN) > SIZE_LIMIT {
            fits(&hir, SIZE_LIMIT)?;
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
    // The size was checked: building can only fail on it, and then it is too big.
    let nfa = thompson::Compiler::new()
        .configure(thompson::Config::new().nfa_size_limit(Some(BUILD_LIMIT)))
        .build_from_hir(hir)
        .map_err(|_| Refusal::TooBig(SIZE_LIMIT))?;
    let vm = PikeVM::new_from_nfa(nfa).map_err(|_| Refusal::TooBig(SIZE_LIMIT))?;
    Ok(vm.is_match(&mut vm.create_cache(), ""))
}

/// Whether the NFAs the regex crate builds for `hir` — forwards with its groups, and in reverse
/// for where a match starts — fit in `limit` bytes of the builder, as its `size_limit` checks.
fn fits(hir: &Hir, limit: usize) -> Result<(), Refusal> {
    for reverse in [false, true] {
        let groups = if reverse {
            thompson::WhichCaptures::None
        } else {
            thompson::WhichCaptures::All
        };
        thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .nfa_size_limit(Some(limit))
                    .shrink(false)
                    .reverse(reverse)
                    .which_captures(groups),
            )
            .build_from_hir(hir)
            .map_err(|e| match e.size_limit() {
                Some(_) => Refusal::TooBig(SIZE_LIMIT),
                None => Refusal::Syntax(last_line(&e.to_string())),
            })?;
    }
    Ok(())
}

/// About what the NFA builder takes for `hir`, in bytes: its states and a fixed part (the
/// unanchored prefix, the group around the whole match, the start states, the group table).
/// Cheap next to building it; [`ESTIMATE_MARGIN`] says how far off it may be.
fn estimate(hir: &Hir) -> usize {
    states(hir).saturating_add(2048)
}

/// What the states of `hir` take: every literal byte a state, every class the states of its
/// UTF-8 sequences, a bounded repetition its copies, with their splits. Saturates rather than
/// overflows (`\w{1000}{1000}`).
fn states(hir: &Hir) -> usize {
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
            copies
                .saturating_mul(states(&rep.sub).saturating_add(STATE_BYTES + 2 * TRANSITION_BYTES))
        }
        HirKind::Capture(cap) => states(&cap.sub).saturating_add(2 * STATE_BYTES),
        HirKind::Concat(subs) => subs.iter().fold(0, |n, h| n.saturating_add(states(h))),
        HirKind::Alternation(subs) => subs.iter().fold(STATE_BYTES, |n, h| {
            n.saturating_add(states(h)).saturating_add(TRANSITION_BYTES)
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

    /// A verifier checked by the estimate alone must fit as the regex crate builds it: the
    /// builder's own limit, set to the estimate times the margin, must let both of its NFAs
    /// through, on every built-in verifier (the shapes rule files produce: gaps, lexicon
    /// alternations, clause edges).
    #[test]
    fn the_estimate_with_its_margin_covers_every_built_in_verifier() {
        let set = crate::rule::RuleSet::embedded().unwrap();
        assert!(set.verifiers.len() > 100);
        // Those the estimate cannot clear are built at load, as all of them once were.
        let mut exact = 0;
        for v in &set.verifiers {
            let hir = regex_syntax::ParserBuilder::new()
                .case_insensitive(v.regex.case_insensitive)
                .build()
                .parse(v.regex.as_str())
                .unwrap();
            let allowed = estimate(&hir) * ESTIMATE_MARGIN;
            if allowed <= SIZE_LIMIT {
                fits(&hir, allowed).unwrap_or_else(|e| panic!("{}: {e:?}", v.regex.as_str()));
            } else {
                exact += 1;
            }
        }
        // Building them all at load is what this module saves: the estimate clears nearly all.
        assert!(exact * 20 < set.verifiers.len(), "{exact} built at load");
    }

    /// What each shape of pattern is charged: the model that [`ESTIMATE_MARGIN`] is held to.
    #[test]
    fn each_shape_is_charged_for_its_states() {
        let cost = |re: &str| states(&regex_syntax::Parser::new().parse(re).unwrap());
        let (s, t) = (STATE_BYTES, TRANSITION_BYTES);
        assert_eq!(cost("ab"), 2 * (s + t), "a state and a transition a byte");
        assert_eq!(cost(r"\b"), s);
        assert_eq!(
            cost(r"(?-u:[\x00-\x10\x20-\x30])"),
            s + 2 * t,
            "a byte class: one state"
        );
        assert_eq!(cost("[a-c]"), s + (s + t), "one one-byte sequence");
        assert_eq!(cost("[a-cé]"), s + 3 * (s + t), "and é, a two-byte one");
        assert_eq!(
            cost("a{2,3}"),
            4 * ((s + t) + s + 2 * t),
            "each copy with its split"
        );
        assert_eq!(
            cost("a{2,}"),
            3 * ((s + t) + s + 2 * t),
            "and one more for the loop"
        );
        assert_eq!(cost("(a)"), (s + t) + 2 * s, "the group's two ends");
        assert_eq!(
            cost("ab|cd"),
            s + 2 * (2 * (s + t) + t),
            "a union and its branches"
        );
    }

    /// Whatever the estimate makes of them, what fitted the regex crate's limit still loads,
    /// and what did not is still refused.
    #[test]
    fn the_size_limit_is_the_regex_crates() {
        for fitting in [
            r"\w{1,10}",
            r"\d{11}",
            // Four of the pattern language's widest gaps.
            r"您好[^,。!?\s]{0,40}请[^,。!?\s]{0,40}稍[^,。!?\s]{0,40}等[^,。!?\s]{0,40}谢谢",
        ] {
            assert!(RegexBuilder::new(fitting)
                .size_limit(SIZE_LIMIT)
                .build()
                .is_ok());
            assert!(check(fitting).is_ok(), "{fitting}");
        }
        let too_big = r"\w{500}\w{500}\w{500}";
        assert!(RegexBuilder::new(too_big)
            .size_limit(SIZE_LIMIT)
            .build()
            .is_err());
        assert_eq!(check(too_big).unwrap_err(), Refusal::TooBig(SIZE_LIMIT));
    }

    #[test]
    fn a_pattern_that_only_looks_empty_is_not_refused() {
        // Nothing to consume, but `\b` needs a word character beside it: never an empty hit.
        assert!(check(r"\b").is_ok());
        assert!(!RegexBuilder::new(r"\b").build().unwrap().is_match(""));
    }
}
