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

use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_automata::util::syntax;
use regex_automata::Input;
use regex_automata::MatchKind;
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};
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
    /// The most bytes a match can span; `None` when unbounded (`.*`, `\s*$`). A match holds
    /// one of its anchors, so it lies within this many bytes of one: a turn is searched only
    /// around where the automaton found them.
    reach: Option<usize>,
    built: OnceLock<Regex>,
    /// The same regex with its long counted gaps left open (`[^。?？]{0,80}` as `[^。?？]*`),
    /// when it has any: it matches wherever the regex does, and its lazy DFA stays small.
    /// A gap counted to 80 is a DFA state for every set of counts the gap can be at, more than
    /// the cache holds, and the search falls back to the NFA at a hundred nanoseconds a byte;
    /// most turns an anchor wakes the regex on hold no match, and the open regex says so at
    /// DFA speed.
    open: Option<(String, OnceLock<Regex>)>,
}

/// Counted gaps up to this long stay counted in the open regex: their DFA is small.
const OPEN_GAPS_OVER: u32 = 8;

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
            reach: hir.properties().maximum_len(),
            built: OnceLock::new(),
            open: open_gaps(&hir).map(|open| (open.to_string(), OnceLock::new())),
        };
        Ok((deferred, hir))
    }

    /// The source, as the rule set keys its verifiers by it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The most bytes one match can span, if that is bounded.
    pub fn reach(&self) -> Option<usize> {
        self.reach
    }

    /// The compiled regex, built by the first caller: the regex crate's `Regex` underneath
    /// (leftmost-first, no empty match inside a character), which searches a part of a turn
    /// while its `^`, `$` and `\b` still see the whole of it.
    pub fn get(&self) -> &Regex {
        self.built
            .get_or_init(|| build(&self.source, self.case_insensitive))
    }

    /// Whether the regex may match in `input`: false only where it cannot, and cheaply where
    /// its search would be slow (see `open`).
    pub fn may_match(&self, input: &Input<'_>) -> bool {
        match &self.open {
            // The open regex is printed from the parsed one, case already folded into it.
            Some((source, open)) => open
                .get_or_init(|| build(source, false))
                .is_match(input.clone()),
            None => true,
        }
    }
}

/// Builds the regex with the engines a verifier's search uses: the lazy DFA (forwards, and in
/// reverse for where a match starts) and, for clause edges' capture groups, the backtracker and
/// the PikeVM. A full DFA and the one-pass engine are left out: building them for each of some
/// 350 verifiers took longer than they ever saved (4 % of a run on 10 MB of real dialogues,
/// paired; the same matches either way).
fn build(source: &str, case_insensitive: bool) -> Regex {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(true)
                .nfa_size_limit(Some(BUILD_LIMIT))
                .hybrid_cache_capacity(DFA_CACHE_LIMIT)
                .dfa(false)
                .onepass(false),
        )
        .syntax(
            syntax::Config::new()
                .utf8(true)
                .case_insensitive(case_insensitive),
        )
        .build(source)
        .expect("a regex checked when the rules loaded compiles")
}

/// `hir` with every repetition of one character counted past [`OPEN_GAPS_OVER`] left open at
/// the top, or `None` when it has none. It matches a superset of what `hir` matches.
fn open_gaps(hir: &Hir) -> Option<Hir> {
    match hir.kind() {
        HirKind::Repetition(rep)
            if matches!(rep.sub.kind(), HirKind::Class(_))
                && rep.max.is_some_and(|max| max > OPEN_GAPS_OVER) =>
        {
            Some(Hir::repetition(Repetition {
                max: None,
                ..rep.clone()
            }))
        }
        HirKind::Repetition(rep) => open_gaps(&rep.sub).map(|sub| {
            Hir::repetition(Repetition {
                sub: Box::new(sub),
                ..rep.clone()
            })
        }),
        HirKind::Capture(cap) => open_gaps(&cap.sub).map(|sub| {
            Hir::capture(Capture {
                sub: Box::new(sub),
                ..cap.clone()
            })
        }),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            let opened: Vec<Option<Hir>> = subs.iter().map(open_gaps).collect();
            if opened.iter().all(Option::is_none) {
                return None;
            }
            let subs = opened
                .into_iter()
                .zip(subs)
                .map(|(o, h)| o.unwrap_or_else(|| h.clone()))
                .collect();
            Some(match hir.kind() {
                HirKind::Concat(_) => Hir::concat(subs),
                _ => Hir::alternation(subs),
            })
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
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
    use regex::RegexBuilder;

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

    /// How far a match can reach is what the parsed pattern says: bytes, not characters.
    #[test]
    fn the_reach_of_a_regex_is_its_longest_match_in_bytes() {
        assert_eq!(check("您好|你好").unwrap().reach(), Some(6));
        // Any character but 。 may take four bytes.
        assert_eq!(
            check("请[^。]{0,4}私信").unwrap().reach(),
            Some(3 + 4 * 4 + 6)
        );
        assert_eq!(check("请.*私信").unwrap().reach(), None);
    }

    /// Only counted gaps longer than `OPEN_GAPS_OVER` are opened, wherever they sit; the open
    /// regex finds every text the regex does and more, and says no where neither matches.
    #[test]
    fn long_counted_gaps_are_opened_for_the_quick_no() {
        assert!(check("请[^。]{0,8}私信").unwrap().open.is_none());
        assert!(check("您好|你好").unwrap().open.is_none());
        let d = check("(提供|告知)[^。?？]{0,12}(号码)(后)?[^。]{0,80}?(联系你)").unwrap();
        let (source, _) = d.open.as_ref().expect("two long gaps");
        assert!(!source.contains("80") && !source.contains("12"), "{source}");
        // Nested in a group and a repetition of its own.
        let nested = check("(私信(?:[^。]{0,40}好)+)").unwrap();
        let (source, _) = nested.open.as_ref().expect("a long gap inside");
        assert!(!source.contains("40"), "{source}");

        let far = format!("请提供号码,{}联系你", "等".repeat(81));
        let near = "请提供号码,我们会联系你";
        let none = "请提供号码。我们会联系你";
        for (text, exact) in [(near, true), (far.as_str(), false), (none, false)] {
            assert_eq!(d.get().is_match(text), exact, "{text}");
        }
        assert!(d.may_match(&Input::new(near)));
        // The open regex is no stricter than the regex: a far match is a maybe, not a no.
        assert!(d.may_match(&Input::new(far.as_str())));
        assert!(!d.may_match(&Input::new(none)));
        // A part of the text: the match outside it is not seen.
        assert!(!d.may_match(&Input::new(near).range(0..6)));
        // A regex without long gaps has no quick no.
        assert!(check("您好").unwrap().may_match(&Input::new("再见")));
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
