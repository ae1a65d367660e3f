//! Evaluate: a call and the compiled rules → the hits, each with its evidence.
//!
//! In: a [`Call`] and a [`RuleSet`]. Out: [`Hit`]s ordered by rule id, turn and position, with
//! character offsets into the turn's original text and the words the agent actually said.
//!
//! Each turn is folded and scanned by the shared automaton once; conditions then read their
//! matches from that scan, run their own regexes, and drop whatever an exclusion overlaps.

use std::cell::{OnceCell, RefCell};
use std::ops::Range;

use regex_automata::Input;

use super::similar::Scored;
use super::{RuleSet, TermKind};
use crate::input::{Call, Role, Turn};
use crate::normalize::{fold, fold_keeping_nin};

/// One piece of evidence that a rule fired: where in the call, and what was observed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    /// The turn the evidence points at, from 0.
    pub turn: usize,
    pub evidence: Evidence,
}

/// What a rule saw. Each report renders it its own way: a CSV row, a JSON object, a highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Words said in the turn.
    Said(Quote),
    /// None of turns `first..=last` said what the rule expects. `quote` is in the hit's turn:
    /// the words that made the reply expected (a customer's complaint), or, when nothing
    /// triggered it, the whole turn where it should have been said (its first
    /// [`WHOLE_TURN_QUOTE_CHARS`] characters, for a turn longer than any spoken one).
    Missing {
        quote: Quote,
        first: usize,
        last: usize,
    },
    /// The speaker of the turn started at `begin_ms` while the other party talked until
    /// `end_ms`.
    Overlap { begin_ms: u64, end_ms: u64 },
    /// Nobody spoke from `begin_ms` until the turn began at `end_ms`.
    Silence { begin_ms: u64, end_ms: u64 },
    /// A number measured on the turn or the call (语速, 通话时长), or a value of the call's
    /// metadata, that crossed the rule's threshold.
    Measured(Measurement),
}

/// What a `[match.measure]` or `[match.meta]` condition observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The measure's key as rule files write it (`speech_rate`), or `meta`.
    pub measure: &'static str,
    /// What was measured, as a supervisor calls it (语速, 随录参数“挂机方”).
    pub name: String,
    /// The value, formatted to the precision it is read at (`7.3`, `3`, `坐席`).
    pub value: String,
    /// The value as a number, for machine-readable reports; `None` for metadata.
    pub number: Option<f64>,
    /// The value's unit (字/秒, 秒, %, 次); empty for counts of sentences and metadata.
    pub unit: &'static str,
    /// The threshold it crossed, in words (超过 6 字/秒, 为“坐席”).
    pub limit: String,
    /// The stretch of the call measured, when timestamps say.
    pub begin_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

// Measured numbers are never NaN.
impl Eq for Measurement {}

impl Measurement {
    /// 语速 7.3 字/秒 (超过 6 字/秒): how every report names a measurement.
    pub fn describe(&self) -> String {
        let value = match self.number {
            Some(_) => with_unit(&self.value, self.unit),
            None => self.value.clone(),
        };
        format!("{} {value} ({})", self.name, self.limit)
    }
}

/// A number and its unit as Chinese reports write them: 7.3 字/秒, 75.4%.
pub(crate) fn with_unit(number: &str, unit: &str) -> String {
    match unit {
        "" => number.to_string(),
        "%" => format!("{number}%"),
        _ => format!("{number} {unit}"),
    }
}

/// The most of a turn a missing reply quotes: far more than anyone says in one turn, far less
/// than a recogniser's single-line dump of a whole call, which each such hit would otherwise
/// copy whole (a 50 MB line, several rules: hundreds of MB).
pub const WHOLE_TURN_QUOTE_CHARS: usize = 4096;

/// A piece of a turn's original text: character offsets (not bytes) and the characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Found by a `similar` term: the example it reads most like. `None` for everything else.
    pub similar: Option<Resemblance>,
    /// Found by sound (`sound_alike`) in words that read differently: the words as the rule
    /// spells them (听写为“少等”,按“稍等”匹配). `None` for everything else.
    pub sounds_like: Option<String>,
}

/// The example sentence a quote was found by, and how similar they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Resemblance {
    /// The example as the rule file writes it; for a repeat, the earlier turn it repeats
    /// (第 3 句:…).
    pub example: String,
    /// The cosine similarity, 0–1 (see `rule/similar.rs`).
    pub score: f32,
}

// Scores are never NaN.
impl Eq for Resemblance {}

impl Resemblance {
    /// 相似于“…”(0.86): how every report names it next to the quote.
    pub fn describe(&self) -> String {
        format!("相似于“{}”({:.2})", self.example, self.score)
    }
}

impl Quote {
    /// 听写为“少等一下”,按“稍等一下”匹配: how every report says that words were matched by
    /// sound; `None` for words matched as written.
    pub fn heard(&self) -> Option<String> {
        self.sounds_like
            .as_ref()
            .map(|s| format!("听写为“{}”,按“{s}”匹配", self.text))
    }
}

impl Hit {
    /// The words the evidence quotes, if it quotes any (timing observations do not).
    pub fn quote(&self) -> Option<&Quote> {
        match &self.evidence {
            Evidence::Said(q) | Evidence::Missing { quote: q, .. } => Some(q),
            Evidence::Overlap { .. } | Evidence::Silence { .. } | Evidence::Measured(_) => None,
        }
    }

    /// The example a `similar` term found the quoted words by, if one did.
    pub fn resemblance(&self) -> Option<&Resemblance> {
        self.quote()?.similar.as_ref()
    }

    /// The rule's message for this piece of evidence: with the example and the score after it
    /// when a `similar` term found the words, or the measurement for a measured hit, so a row
    /// of a spreadsheet says why on its own.
    pub fn message(&self, message: &str) -> String {
        let mut out = match self.resemblance() {
            Some(r) => format!("{message} {}", r.describe()),
            None => message.to_string(),
        };
        if let Some(heard) = self.quote().and_then(Quote::heard) {
            out.push(' ');
            out.push_str(&heard);
        }
        if let Evidence::Measured(m) = &self.evidence {
            out.push(' ');
            out.push_str(&m.describe());
        }
        out
    }

    /// What a reviewer judges, in words: the quoted words, or what was measured; `None` for
    /// an overlap or a silence, which only their times describe.
    pub fn words(&self) -> Option<String> {
        match &self.evidence {
            Evidence::Measured(m) => Some(m.describe()),
            _ => self.quote().map(|q| q.text.clone()),
        }
    }

    /// The evidence in one line of Chinese: the quoted words, or what was measured.
    pub fn describe(&self) -> String {
        match &self.evidence {
            Evidence::Said(q) | Evidence::Missing { quote: q, .. } => q.text.clone(),
            Evidence::Overlap { begin_ms, end_ms } => {
                format!("在对方说完前 {} 秒开口", seconds(end_ms - begin_ms))
            }
            Evidence::Silence { begin_ms, end_ms } => {
                format!("静音 {} 秒", seconds(end_ms - begin_ms))
            }
            Evidence::Measured(m) => m.describe(),
        }
    }
}

impl Evidence {
    /// A stable name for the kind of evidence, as the reports write it.
    pub fn kind(&self) -> &'static str {
        match self {
            Evidence::Said(_) => "said",
            Evidence::Missing { .. } => "missing",
            Evidence::Overlap { .. } => "overlap",
            Evidence::Silence { .. } => "silence",
            Evidence::Measured(_) => "measured",
        }
    }

    /// The kind of evidence as a supervisor calls it.
    pub fn kind_zh(&self) -> &'static str {
        match self {
            Evidence::Said(_) => "原话",
            Evidence::Missing { .. } => "缺少",
            Evidence::Overlap { .. } => "抢话",
            Evidence::Silence { .. } => "静音",
            Evidence::Measured(_) => "指标",
        }
    }

    /// The measured interval of a timing observation, or the stretch a measurement covers.
    pub fn interval(&self) -> Option<(u64, u64)> {
        match *self {
            Evidence::Overlap { begin_ms, end_ms } | Evidence::Silence { begin_ms, end_ms } => {
                Some((begin_ms, end_ms))
            }
            Evidence::Measured(ref m) => m.begin_ms.zip(m.end_ms),
            Evidence::Said(_) | Evidence::Missing { .. } => None,
        }
    }
}

/// Where in its turn a piece of evidence sits, for ordering the evidence of a composition:
/// timing observations (which quote nothing) first, then words said, then words a reply was
/// missing after, each by position. Keeping the kinds apart puts the same words found by two
/// sub-conditions next to each other, so they become one quote, even when another kind of
/// evidence quotes them too (a customer's 12315 is both said and left without a reply).
pub(super) fn order_key(h: &Hit) -> (u8, usize, usize, &str) {
    match &h.evidence {
        Evidence::Overlap { .. } | Evidence::Silence { .. } | Evidence::Measured(_) => {
            (0, 0, 0, "")
        }
        Evidence::Said(q) => (1, q.start, q.end, q.text.as_str()),
        Evidence::Missing { quote: q, .. } => (2, q.start, q.end, q.text.as_str()),
    }
}

/// Milliseconds as seconds with one decimal, the precision a supervisor reads.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

/// A turn as the matchers see it: folded once, scanned once, segmented only if asked.
pub(super) struct TurnView<'a> {
    pub(super) turn: &'a Turn,
    folded: String,
    /// The folded view with 您 kept apart from 你, for `strict_nin` verifiers; byte offsets
    /// are the same as in `folded`.
    strict: OnceCell<String>,
    /// The sound view (`rule/sound.rs`), byte for byte as long as `folded`; and that of
    /// `strict`, for `strict_nin` patterns matched by sound.
    sound: OnceCell<String>,
    strict_sound: OnceCell<String>,
    /// What was matched by sound and reads differently from the term: where, and the term's
    /// spelling of it (少等 → 稍等).
    heard: RefCell<Vec<(Range<usize>, String)>>,
    /// What each verifier found in this turn, once asked: a verifier shared by several
    /// conditions runs once.
    verified: RefCell<Vec<(usize, Vec<Range<usize>>)>>,
    /// Where each condition asked about so far holds in this turn: rules that share a
    /// condition, and scopes that ask twice, compute it once.
    held: RefCell<Vec<Held>>,
    /// Every clause scored by each similar-sentence matcher, once asked.
    scored: RefCell<Vec<(usize, Vec<Scored>)>>,
    /// Every automaton match, overlapping included, sorted by condition: each condition reads
    /// its own slice.
    matches: Vec<TermMatch>,
    boundaries: OnceCell<Vec<usize>>,
    /// Character offsets of `folded` and of the original text, built on the first hit so that
    /// evidence offsets cost a short scan, not a rescan of the turn.
    char_starts: OnceCell<(CharIndex, CharIndex)>,
}

/// One automaton match: its condition, its kind and its byte range in the folded view, in 16
/// bytes rather than 40, because a recogniser's whole call on one line can have millions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TermMatch {
    cond: u32,
    start: u32,
    end: u32,
    kind: u32,
}

impl TermMatch {
    /// A call is at most `--max-call-mb` (1 GB), so its offsets fit.
    fn new(cond: usize, kind: TermKind, range: Range<usize>) -> TermMatch {
        let small = |n: usize| u32::try_from(n).expect("a turn is under 4 GB");
        let kind = match kind {
            TermKind::Phrase => 0,
            TermKind::Word => 1,
            TermKind::Exclude => 2,
            TermKind::Anchor { verifier, exclude } => {
                3 + (small(verifier) << 1 | u32::from(exclude))
            }
        };
        TermMatch {
            cond: small(cond),
            start: small(range.start),
            end: small(range.end),
            kind,
        }
    }

    fn kind(&self) -> TermKind {
        match self.kind {
            0 => TermKind::Phrase,
            1 => TermKind::Word,
            2 => TermKind::Exclude,
            k => {
                let anchor = k - 3;
                TermKind::Anchor {
                    verifier: (anchor >> 1) as usize,
                    exclude: anchor & 1 == 1,
                }
            }
        }
    }

    fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where a condition holds in a turn: byte spans of the folded view, and the clauses among
/// them that its `similar` term found.
struct Held {
    cond: usize,
    spans: Vec<Range<usize>>,
    similar: Vec<Scored>,
}

/// How much more common a word of the rule must be than the word the recogniser wrote for the
/// latter to count as a mishearing of it (jieba's frequencies): 领导 is 113 times as common as
/// 领到, 经理 half as common as 经历.
const MISHEARD_RATIO: usize = 20;

/// Whether the words at `range` of `folded`, which sound like `spelled` (character for
/// character), may be taken for it. Words that differ only in 您 and 你 may: the sounds matched
/// them, so `sound-alike.toml` says the recogniser cannot tell them apart. Otherwise the words
/// the recogniser wrote mean what they say when the match cuts a word of the dictionary (the
/// 理好 of 整理好 is no 您好), or when a word of two or more characters inside it is in the
/// dictionary and not far rarer than the rule's word it stands for (经历 is no mishearing of
/// 经理; 领到 of 领导 is). Single characters prove nothing: jieba cuts what it does not know
/// (少等) into them.
fn heard_as(
    set: &RuleSet,
    folded: &str,
    boundaries: &OnceCell<Vec<usize>>,
    range: &Range<usize>,
    spelled: &str,
) -> bool {
    let said = &folded[range.clone()];
    if fold(spelled) == said {
        return true;
    }
    let seg = &set.segmenter;
    let b = boundaries.get_or_init(|| seg.boundaries(folded));
    // The dictionary word around each end of the match, if the end falls inside one.
    let cuts = |at: usize| {
        let i = b.partition_point(|&x| x <= at);
        i > 0 && i < b.len() && b[i - 1] < at && seg.is_word(&folded[b[i - 1]..b[i]])
    };
    if cuts(range.start) || cuts(range.end) {
        return false;
    }
    let inside = b
        .windows(2)
        .filter(|w| range.start <= w[0] && w[1] <= range.end);
    for w in inside {
        let word = &folded[w[0]..w[1]];
        let len = word.chars().count();
        if len < 2 || !seg.is_word(word) {
            continue;
        }
        let skip = folded[range.start..w[0]].chars().count();
        let meant: String = spelled.chars().skip(skip).take(len).collect();
        if fold(&meant) != word && seg.frequency(&meant) < MISHEARD_RATIO * seg.frequency(word) {
            return false;
        }
    }
    true
}

/// Whether `range` of `text` cuts a number out of a longer code: digits next to digits or
/// Latin letters (12345 in CANCZ12345, 12315 in 0201231500).
fn splits_number(text: &str, range: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let code = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
    (range.start.checked_sub(1).is_some_and(code) && digit(range.start))
        || (range.end.checked_sub(1).is_some_and(digit) && code(range.end))
}

/// Whether a turn has a letter outside emoticons: "[呵呵]" and "[挖鼻屎]" (Weibo's emoticon
/// codes) say nothing, while "[订单x]" and "[链接x]" (placeholders of anonymised exports) stand
/// for what the speaker sent.
fn says_something(text: &str) -> bool {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            if let Some(close) = rest[1..].find(']') {
                let inner = &rest[1..1 + close];
                let emoticon = (1..=6).contains(&inner.chars().count())
                    && !inner.chars().any(|c| c.is_ascii_alphanumeric());
                if emoticon {
                    rest = &rest[close + 2..];
                    continue;
                }
            }
        }
        if crate::normalize::is_letter(c) {
            return true;
        }
        rest = &rest[c.len_utf8()..];
    }
    false
}

/// Overlapping matches of one condition are one piece of evidence: "没办法" and "我也没办法"
/// in the same place must not deduct twice.
/// The stretches of `text` within `reach` bytes of an anchor, widened to whole characters,
/// sorted and merged: where a match of at most `reach` bytes holding one of them can lie.
/// Empty when there are no anchors.
fn around(
    text: &str,
    anchors: impl Iterator<Item = Range<usize>>,
    reach: usize,
) -> Vec<Range<usize>> {
    let mut stretches: Vec<Range<usize>> = Vec::new();
    for a in anchors {
        // (Never narrower than the anchor, whatever `reach` says.)
        let mut start = a.end.saturating_sub(reach).min(a.start);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = a.start.saturating_add(reach).max(a.end).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        // Anchors come in order of where they start, so only the last stretch can meet this one.
        match stretches.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => stretches.push(start..end),
        }
    }
    stretches
}

fn merge(mut found: Vec<Range<usize>>) -> Vec<Range<usize>> {
    found.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(found.len());
    for r in found {
        match merged.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Whether `f` overlaps one of `merged`, as [`merge`] leaves them (sorted and disjoint): the
/// only one that can is the first that ends after `f` starts, so this is a lookup, not a scan
/// (a long turn has thousands of exclusions, and as many matches to check).
fn overlaps_any(merged: &[Range<usize>], f: &Range<usize>) -> bool {
    let first = merged.partition_point(|x| x.end <= f.start);
    merged.get(first).is_some_and(|x| x.start < f.end)
}

/// Byte ↔ character offsets of a text: the byte offset of every [`CharIndex::STRIDE`]-th
/// character, and a scan of at most that many characters from there. A byte offset for every
/// character would cost eight bytes a character, twice (the folded view and the original):
/// for a 50 MB single-line call, more than five times the call.
struct CharIndex {
    /// Byte offset of characters 0, STRIDE, 2 × STRIDE, …
    starts: Vec<usize>,
}

impl CharIndex {
    const STRIDE: usize = 64;

    fn new(text: &str) -> CharIndex {
        CharIndex {
            starts: text
                .char_indices()
                .step_by(Self::STRIDE)
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The last recorded character at or before byte `byte`: where a scan for it starts.
    fn checkpoint(&self, byte: usize) -> usize {
        self.starts
            .partition_point(|&b| b <= byte)
            .saturating_sub(1)
    }

    /// How many characters of `text` start before byte `byte`: the character at `byte`, or
    /// the one after the character `byte` falls inside.
    fn char_at(&self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        let k = self.checkpoint(byte);
        let from = self.starts.get(k).copied().unwrap_or(0);
        let starts_between = text.as_bytes()[from..byte]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        k * Self::STRIDE + starts_between
    }

    /// The byte offset of character `ch` of `text` (its length for the end).
    fn byte_of(&self, text: &str, ch: usize) -> usize {
        let Some(last) = self.starts.len().checked_sub(1) else {
            return 0;
        };
        let k = (ch / Self::STRIDE).min(last);
        let from = self.starts[k];
        text[from..]
            .char_indices()
            .nth(ch - k * Self::STRIDE)
            .map_or(text.len(), |(i, _)| from + i)
    }
}

pub(super) fn evaluate(set: &RuleSet, call: &Call) -> Judged {
    let ev = Evaluator::new(set, call);
    // Rules that others refer to come first in `order`, so their hits are ready.
    let mut results: Vec<Vec<Hit>> = vec![Vec::new(); set.rules.len()];
    let mut unjudged = Vec::new();
    for &index in &set.order {
        // A rule of another channel is N/A: no evidence, so neither it nor a rule that refers
        // to it fires.
        if set.rules[index].applies_to(call.channel) {
            results[index] = set.rules[index].check.eval(&ev, index, &results);
            // Without hits, a rule the call gave nothing to read (no timestamps for a timing
            // rule, no 挂机方 for a metadata rule) did not pass: it was not asked.
            if results[index].is_empty() && set.rules[index].check.lacks(&ev).is_some() {
                unjudged.push(index);
            }
        }
    }
    unjudged.sort_unstable();
    Judged {
        // Moved, not cloned: a long call's evidence is not held twice.
        hits: results.into_iter().flatten().collect(),
        unjudged,
    }
}

/// What the rules made of one call: their hits, ordered by rule id, turn and position, and the
/// rules that apply to its channel but could not judge it, for want of what they read.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub hits: Vec<Hit>,
    /// Indexes into the rule set's rules, in order.
    pub unjudged: Vec<usize>,
}

/// What `call` lacks for rule `rule` to look at anything (a role's turns, timestamps), if it
/// lacks it.
pub(super) fn lacks(set: &RuleSet, rule: usize, call: &Call) -> Option<String> {
    set.rules[rule].check.lacks(&Evaluator::new(set, call))
}

/// The folded words where condition `cond` holds in `text`, said by the agent as the one turn
/// of a phone call (where matching by sound is on unless the scheme turns it off).
pub(super) fn condition_finds(set: &RuleSet, cond: usize, text: &str) -> Vec<String> {
    let call = Call {
        turns: vec![Turn {
            role: Role::Agent,
            text: text.to_string(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let ev = Evaluator::new(set, &call);
    ev.spans(cond, 0)
        .into_iter()
        .map(|r| ev.views[0].folded[r].to_string())
        .collect()
}

/// For a measure rule, its reading on `call` nearest the threshold.
pub(super) fn nearest(set: &RuleSet, rule: usize, call: &Call) -> Option<Measurement> {
    set.rules[rule].check.nearest(&Evaluator::new(set, call))
}

/// The turns of `call` that rule `rule`'s `skip` lists passed over.
pub(super) fn skipped(set: &RuleSet, rule: usize, call: &Call) -> Vec<usize> {
    set.rules[rule].check.skipped(&Evaluator::new(set, call))
}

/// Why rule `rule` did not fire on `call`, when a line can say it (see `Compose::why_not`).
pub(super) fn why_not(set: &RuleSet, rule: usize, call: &Call) -> Option<super::check::Unmet> {
    let ev = Evaluator::new(set, call);
    // The rules it refers to come before it in `order`.
    let mut results: Vec<Vec<Hit>> = vec![Vec::new(); set.rules.len()];
    for &index in set.order.iter().take_while(|&&i| i != rule) {
        if set.rules[index].applies_to(call.channel) {
            results[index] = set.rules[index].check.eval(&ev, index, &results);
        }
    }
    set.rules[rule].check.why_not(&ev, rule, &results)
}

/// Why rule `rule` does not look at `call` at all (its `[match.dialogue]`), if it does not.
pub(super) fn unmet_shape(set: &RuleSet, rule: usize, call: &Call) -> Option<String> {
    set.rules[rule]
        .check
        .unmet_shape(&Evaluator::new(set, call))
}

impl<'a> Evaluator<'a> {
    fn new(set: &'a RuleSet, call: &'a Call) -> Evaluator<'a> {
        let sound_on =
            set.sound_automaton.is_some() && set.scoring.scheme(call.channel).sound_alike;
        let views: Vec<TurnView> = call
            .turns
            .iter()
            .map(|turn| {
                let folded = fold(&turn.text);
                let mut matches: Vec<TermMatch> = Vec::new();
                for m in set.automaton.find_overlapping_iter(&folded) {
                    for &(cond, kind) in &set.owners[m.pattern().as_usize()] {
                        matches.push(TermMatch::new(cond, kind, m.range()));
                    }
                }
                let sound = OnceCell::new();
                let boundaries = OnceCell::new();
                let mut heard = Vec::new();
                if let (true, Some(automaton)) = (sound_on, &set.sound_automaton) {
                    let view = sound.get_or_init(|| set.sounds.transcribe(&folded));
                    for m in automaton.find_overlapping_iter(view) {
                        let p = m.pattern().as_usize();
                        let said = &folded[m.range()];
                        let spelled = &set.sound_spelled[p];
                        // A term said as written is the ordinary automaton's match; an anchor
                        // only says where to look, and is looked at either way.
                        let taken = said != spelled
                            && heard_as(set, &folded, &boundaries, &m.range(), spelled);
                        if taken {
                            heard.push((m.range(), spelled.clone()));
                        }
                        for &(cond, kind) in &set.sound_owners[p] {
                            if taken || matches!(kind, TermKind::Anchor { .. }) {
                                matches.push(TermMatch::new(cond, kind, m.range()));
                            }
                        }
                    }
                }
                // In place (a stable sort would take half as much again): what a condition
                // makes of its matches does not depend on their order.
                matches.sort_unstable();
                matches.shrink_to_fit();
                TurnView {
                    turn,
                    folded,
                    strict: OnceCell::new(),
                    sound,
                    strict_sound: OnceCell::new(),
                    heard: RefCell::new(heard),
                    verified: RefCell::new(Vec::new()),
                    held: RefCell::new(Vec::new()),
                    scored: RefCell::new(Vec::new()),
                    matches,
                    boundaries,
                    char_starts: OnceCell::new(),
                }
            })
            .collect();
        Evaluator {
            set,
            call,
            sound_on,
            views,
            letter_counts: OnceCell::new(),
            turns_by_role: OnceCell::new(),
        }
    }
}

pub(super) struct Evaluator<'a> {
    pub(super) set: &'a RuleSet,
    /// The call as read: its metadata and recording length, for measures and `[match.meta]`.
    pub(super) call: &'a Call,
    /// Whether `sound_alike` terms also match by sound on this call's channel.
    sound_on: bool,
    pub(super) views: Vec<TurnView<'a>>,
    /// Letters (not punctuation) in each turn, for back-channels and repeats ([`Self::letters`]).
    pub(super) letter_counts: OnceCell<Vec<usize>>,
    /// The turns of all roles, the agent and the customer.
    turns_by_role: OnceCell<[Vec<usize>; 3]>,
}

impl Evaluator<'_> {
    /// Byte spans in turn `t`'s folded text where condition `cond` holds.
    pub(super) fn spans(&self, cond: usize, t: usize) -> Vec<Range<usize>> {
        let view = &self.views[t];
        if let Some(held) = view.held.borrow().iter().find(|h| h.cond == cond) {
            return held.spans.clone();
        }
        let held = self.find_spans(cond, view);
        let spans = held.spans.clone();
        view.held.borrow_mut().push(held);
        spans
    }

    fn find_spans(&self, cond: usize, view: &TurnView<'_>) -> Held {
        let mut found = Vec::new();
        let mut excluded = Vec::new();
        let condition = &self.set.conditions[cond];
        let mut similar: Vec<Scored> = match condition.similar {
            Some((matcher, min)) => {
                let mut scored = self.scored(view, matcher);
                scored.retain(|s| s.score >= min);
                scored
            }
            None => Vec::new(),
        };
        // Where each anchored verifier's anchors are: (exclusion, verifier, anchor).
        let mut anchors: Vec<(bool, usize, Range<usize>)> = Vec::new();
        let from = view.matches.partition_point(|m| (m.cond as usize) < cond);
        for m in view.matches[from..]
            .iter()
            .take_while(|m| m.cond as usize == cond)
        {
            let range = m.range();
            match m.kind() {
                TermKind::Phrase => found.push(range),
                TermKind::Word if self.on_word_boundaries(view, &range) => found.push(range),
                TermKind::Word => {}
                TermKind::Exclude => excluded.push(range),
                TermKind::Anchor { verifier, exclude } => anchors.push((exclude, verifier, range)),
            }
        }
        // Sorted, a verifier's anchors are together and in order. Each verifier runs once,
        // with the indices of its anchors; an unanchored one has none and searches the whole
        // turn.
        anchors.sort_by_key(|(exclude, v, r)| (*exclude, *v, r.start, r.end));
        let mut runs: Vec<(bool, usize, Range<usize>)> = Vec::new();
        for (i, &(exclude, v, _)) in anchors.iter().enumerate() {
            match runs.last_mut() {
                Some(run) if (run.0, run.1) == (exclude, v) => run.2.end = i + 1,
                _ => runs.push((exclude, v, i..i + 1)),
            }
        }
        for &(v, exclude) in &condition.unanchored {
            match runs.iter_mut().find(|run| (run.0, run.1) == (exclude, v)) {
                Some(run) => run.2 = 0..0,
                None => runs.push((exclude, v, 0..0)),
            }
        }
        // Exclusions can only cancel matches; most turns have none to cancel.
        runs.sort_by_key(|run| run.0);
        for (exclude, v, which) in runs {
            if exclude && found.is_empty() && similar.is_empty() {
                break;
            }
            let into = if exclude { &mut excluded } else { &mut found };
            into.extend(self.verify(view, v, anchors[which].iter().map(|a| a.2.clone())));
        }
        // A term that starts or ends with a digit is a number: 12315 is not found in the
        // account number 0201231500, nor 12345 in the report number CANCZ12345.
        found.retain(|r| !splits_number(&view.folded, r));
        if found.is_empty() && similar.is_empty() {
            return Held {
                cond,
                spans: found,
                similar,
            };
        }
        let excluded = merge(excluded);
        let overlaps = |f: &Range<usize>| overlaps_any(&excluded, f);
        found.retain(|f| !overlaps(f));
        similar.retain(|s| !overlaps(&s.range));
        let mut merged = merge(found);
        // The clause context is judged on the whole stretch: in 我也不会找媒体曝光的 the
        // negation reaches 找媒体曝光, and the 媒体曝光 inside it must not escape on its own.
        // Clauses found by similarity are judged as whole clauses, against their example.
        if !condition.when.is_empty() || !condition.unless.is_empty() {
            let text = &view.folded;
            merged.retain(|f| {
                (condition.when.is_empty() || condition.when.iter().any(|c| c.holds(text, f)))
                    && !condition.unless.iter().any(|c| c.holds(text, f))
            });
            if let Some((matcher, _)) = condition.similar {
                let examples = &self.set.similars[matcher].folded;
                similar.retain(|s| {
                    let holds = |c: &super::context::Context| {
                        c.holds_for_clauses(text, &s.range, &examples[s.example])
                    };
                    (condition.when.is_empty() || condition.when.iter().any(holds))
                        && !condition.unless.iter().any(holds)
                });
            }
        }
        if !similar.is_empty() {
            merged.extend(similar.iter().map(|s| s.range.clone()));
            merged = merge(merged);
        }
        Held {
            cond,
            spans: merged,
            similar,
        }
    }

    /// Every clause of a turn as similar-sentence matcher `m` scores it, computed once per
    /// turn whatever the number of conditions that share the matcher.
    fn scored(&self, view: &TurnView<'_>, m: usize) -> Vec<Scored> {
        if let Some((_, scored)) = view.scored.borrow().iter().find(|(w, _)| *w == m) {
            return scored.clone();
        }
        let scored = self.set.similars[m].score(&view.folded);
        view.scored.borrow_mut().push((m, scored.clone()));
        scored
    }

    /// The example a piece of evidence of condition `cond` in turn `t` was found by: the
    /// closest among the clauses inside `span` that its `similar` term found.
    fn resemblance(&self, cond: usize, t: usize, span: &Range<usize>) -> Option<Resemblance> {
        let (matcher, _) = self.set.conditions[cond].similar?;
        let held = self.views[t].held.borrow();
        let best = held
            .iter()
            .find(|h| h.cond == cond)?
            .similar
            .iter()
            .filter(|s| span.start <= s.range.start && s.range.end <= span.end)
            .fold(None, |best: Option<&Scored>, s| match best {
                Some(b) if b.score >= s.score => Some(b),
                _ => Some(s),
            })?;
        Some(Resemblance {
            example: self.set.similars[matcher].examples[best.example].clone(),
            score: best.score as f32,
        })
    }

    /// The byte spans of verifier `v`'s matches in a turn, computed once per turn.
    /// Where verifier `v` matches in the turn. `anchors` are where the automaton found its
    /// anchors (none: search the whole turn). Every match holds one of them, so a verifier
    /// whose matches are bounded searches only the stretches around them; those are merged and
    /// searched in order, so it finds exactly the matches a search of the whole turn would
    /// (a match that overlapped a stretch's edge would hold an anchor of a stretch it was
    /// merged with).
    fn verify(
        &self,
        view: &TurnView<'_>,
        v: usize,
        anchors: impl Iterator<Item = Range<usize>>,
    ) -> Vec<Range<usize>> {
        if let Some((_, found)) = view.verified.borrow().iter().find(|(w, _)| *w == v) {
            return found.clone();
        }
        let verifier = &self.set.verifiers[v];
        let strict = || {
            view.strict
                .get_or_init(|| fold_keeping_nin(&view.turn.text))
        };
        let text = if verifier.sound.is_some() {
            if !self.sound_on {
                return Vec::new();
            }
            if verifier.strict_nin {
                view.strict_sound
                    .get_or_init(|| self.set.sounds.transcribe(strict()))
            } else {
                view.sound
                    .get_or_init(|| self.set.sounds.transcribe(&view.folded))
            }
        } else if verifier.strict_nin {
            view.strict
                .get_or_init(|| fold_keeping_nin(&view.turn.text))
        } else {
            &view.folded
        };
        // The sound and 您 views keep the folded text's byte offsets, so the anchors' stretches
        // are theirs too (a sound verifier's anchors were found in the sound view itself).
        let stretches = match verifier.regex.reach() {
            Some(reach) => around(text, anchors, reach),
            None => Vec::new(),
        };
        let whole = 0..text.len();
        let stretches = if stretches.is_empty() {
            std::slice::from_ref(&whole)
        } else {
            &stretches[..]
        };
        let regex = verifier.regex.get();
        let mut found = Vec::new();
        for stretch in stretches {
            if !verifier
                .regex
                .may_match(&Input::new(text).range(stretch.clone()))
            {
                continue;
            }
            // Capture groups cost a slower search; only clause edges need them.
            if verifier.group == 0 {
                let input = Input::new(text).range(stretch.clone());
                found.extend(
                    regex
                        .find_iter(input)
                        .filter(|m| !m.is_empty())
                        .map(|m| m.range()),
                );
                continue;
            }
            // The boundary character before a clause is part of the whole match; searching on
            // from the end of the group, not of the whole match, lets `^好的$` find every one
            // of 好的,好的,好的.
            let mut caps = regex.create_captures();
            let mut at = stretch.start;
            while at < stretch.end {
                regex.search_captures(&Input::new(text).range(at..stretch.end), &mut caps);
                let Some(m) = caps.get_group(verifier.group) else {
                    break;
                };
                if !m.is_empty() {
                    found.push(m.range());
                }
                // On past the match, and at least one character on so an empty one cannot stall.
                at = m
                    .end
                    .max(at + text[at..].chars().next().map_or(1, char::len_utf8));
            }
        }
        let found = match &verifier.sound {
            None => found,
            Some(respell) => found
                .into_iter()
                .filter(|r| {
                    let said = if verifier.strict_nin {
                        &strict()[r.clone()]
                    } else {
                        &view.folded[r.clone()]
                    };
                    let spelled = respell.apply(&self.set.sounds, said);
                    if spelled == said {
                        return true;
                    }
                    let keep = heard_as(self.set, &view.folded, &view.boundaries, r, &spelled);
                    if keep {
                        view.heard.borrow_mut().push((r.clone(), spelled));
                    }
                    keep
                })
                .collect(),
        };
        view.verified.borrow_mut().push((v, found.clone()));
        found
    }

    fn on_word_boundaries(&self, view: &TurnView<'_>, range: &Range<usize>) -> bool {
        let b = view
            .boundaries
            .get_or_init(|| self.set.segmenter.boundaries(&view.folded));
        b.binary_search(&range.start).is_ok() && b.binary_search(&range.end).is_ok()
    }

    /// The letters (not punctuation) of turn `t`: how long it is for a back-channel or a repeat.
    pub(super) fn letters(&self, t: usize) -> usize {
        self.letter_counts.get_or_init(|| {
            self.views
                .iter()
                .map(|v| {
                    v.turn
                        .text
                        .chars()
                        .filter(|&c| crate::normalize::is_letter(c))
                        .count()
                })
                .collect()
        })[t]
    }

    /// Whether some turn has both its start and its end time.
    pub(super) fn timed(&self) -> bool {
        self.views
            .iter()
            .any(|v| v.turn.begin.is_some() && v.turn.end.is_some())
    }

    /// Turn `t` folded (Traditional → Simplified, full → half width, lower case, 您 → 你), as
    /// every condition reads it.
    pub(super) fn folded(&self, t: usize) -> &str {
        &self.views[t].folded
    }

    /// The turns of `role` (all turns for `None`), in order; listed once per call. A turn with
    /// no letter at all (a stray "、", a lone "?", an emoticon such as "[呵呵]") says nothing and
    /// is not one of them: it must not push the agent's real last words out of `last = 2`, nor
    /// end the dialogue.
    pub(super) fn turns_of(&self, role: Option<Role>) -> &[usize] {
        let [all, agent, customer] = self.turns_by_role.get_or_init(|| {
            let of = |r: Option<Role>| -> Vec<usize> {
                (0..self.views.len())
                    .filter(|&t| r.is_none_or(|r| self.views[t].turn.role == r))
                    .filter(|&t| says_something(&self.views[t].turn.text))
                    .collect()
            };
            [of(None), of(Some(Role::Agent)), of(Some(Role::Customer))]
        });
        match role {
            None => all,
            Some(Role::Agent) => agent,
            Some(Role::Customer) => customer,
        }
    }

    /// The turns of `role` after the other party's first reply to it: what the customer says
    /// once the agent has answered, not the opening complaint.
    pub(super) fn turns_after_reply(&self, role: Role) -> &[usize] {
        let own = self.turns_of(Some(role));
        let Some(&first) = own.first() else {
            return own;
        };
        match self
            .turns_of(Some(role.other()))
            .iter()
            .find(|&&o| o > first)
        {
            Some(&reply) => &own[own.partition_point(|&t| t < reply)..],
            None => &[],
        }
    }

    /// The original words at byte span `span` of turn `t`'s folded text.
    pub(super) fn quote_at(&self, t: usize, span: &Range<usize>) -> Quote {
        let view = &self.views[t];
        let (folded, original) = view.char_starts.get_or_init(|| {
            (
                CharIndex::new(&view.folded),
                CharIndex::new(&view.turn.text),
            )
        });
        // Matches start and end on character boundaries of the folded view, which has the
        // same characters, one for one, as the original.
        let char_of = |byte: usize| folded.char_at(&view.folded, byte);
        let (start, end) = (char_of(span.start), char_of(span.end));
        let text = &view.turn.text;
        Quote {
            start,
            end,
            text: text[original.byte_of(text, start)..original.byte_of(text, end)].to_string(),
            similar: None,
            sounds_like: None,
        }
    }

    /// The original words at byte span `span` of turn `t`, where condition `cond` holds, with
    /// the example they resemble when a `similar` term found them.
    pub(super) fn quote_of(&self, cond: usize, t: usize, span: &Range<usize>) -> Quote {
        let quote = self.quote_at(t, span);
        // Written back in the speaker's own characters where the rule did not change them: the
        // 您 of 位您好 stays 您, though the folded view reads 你.
        let sounds_like = self.spelled(cond, t, span).map(|spelled| {
            let folded = &self.views[t].folded[span.clone()];
            spelled
                .chars()
                .zip(folded.chars())
                .zip(quote.text.chars())
                .map(|((s, f), o)| if s == f { o } else { s })
                .collect()
        });
        Quote {
            similar: self.resemblance(cond, t, span),
            sounds_like,
            ..quote
        }
    }

    /// The words at `span` of turn `t` as condition `cond`'s terms spell them, when some of
    /// them were matched by sound and read differently (少等一下 → 稍等一下).
    fn spelled(&self, cond: usize, t: usize, span: &Range<usize>) -> Option<String> {
        if !self.set.conditions[cond].sound_alike {
            return None;
        }
        let view = &self.views[t];
        let heard = view.heard.borrow();
        let mut inside: Vec<&(Range<usize>, String)> = heard
            .iter()
            .filter(|(r, _)| span.start <= r.start && r.end <= span.end)
            .collect();
        if inside.is_empty() {
            return None;
        }
        // Earliest first, and of two that start together the longer: each character is
        // written back once.
        inside.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
        let mut out = String::with_capacity(span.len());
        let mut at = span.start;
        for (r, spelled) in inside {
            if r.start < at {
                continue;
            }
            out.push_str(&view.folded[at..r.start]);
            out.push_str(spelled);
            at = r.end;
        }
        out.push_str(&view.folded[at..span.end]);
        (out != view.folded[span.clone()]).then_some(out)
    }

    pub(super) fn said_at(&self, rule: usize, cond: usize, t: usize, span: &Range<usize>) -> Hit {
        Hit {
            rule,
            turn: t,
            evidence: Evidence::Said(self.quote_of(cond, t, span)),
        }
    }

    /// Evidence for something missing from `turns` (the turns where it was expected, in
    /// order), reported at turn `at` with the whole of that turn as the quote (up to
    /// [`WHOLE_TURN_QUOTE_CHARS`]).
    pub(super) fn missing_in(&self, rule: usize, turns: &[usize], at: usize) -> Hit {
        Hit {
            rule,
            turn: at,
            evidence: Evidence::Missing {
                quote: self.whole_turn(at),
                first: turns[0],
                last: turns[turns.len() - 1],
            },
        }
    }

    /// Turn `t` as a quote: all of it, up to [`WHOLE_TURN_QUOTE_CHARS`] characters.
    pub(super) fn whole_turn(&self, t: usize) -> Quote {
        let text = &self.views[t].turn.text;
        let (end, len) = text.char_indices().nth(WHOLE_TURN_QUOTE_CHARS).map_or_else(
            || (text.chars().count(), text.len()),
            |(i, _)| (WHOLE_TURN_QUOTE_CHARS, i),
        );
        Quote {
            start: 0,
            end,
            text: text[..len].to_string(),
            similar: None,
            sounds_like: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{around, merge, overlaps_any, says_something, CharIndex, TermKind, TermMatch};
    use proptest::prelude::*;
    use regex_automata::{meta::Regex, Input};

    /// Stretches widen to whole characters, stay inside the text, and merge when they meet.
    #[test]
    fn stretches_around_anchors_are_whole_characters_and_merged() {
        let text = "你好啊,请私信我们,谢谢"; // 3-byte characters, 1-byte commas
        assert!(around(text, std::iter::empty(), 4).is_empty());
        let at = |s: &str| text.find(s).unwrap();
        let sixin = at("私信")..at("私信") + 6;
        // A match of 10 bytes holding 私信 starts at most 4 bytes before it (the comma and 请)
        // and ends at most 4 after it, in 们: the stretch ends where 们 does.
        assert_eq!(
            around(text, [sixin.clone()].into_iter(), 10),
            vec![at(",请")..at(",谢")]
        );
        // 11 bytes back from the end of 私信 is inside 啊: the stretch starts where 啊 does.
        assert_eq!(
            around(text, [sixin.clone()].into_iter(), 11),
            vec![at("啊")..at(",谢")]
        );
        let hao = at("好")..at("好") + 3;
        assert_eq!(
            around(text, [hao.clone(), sixin.clone()].into_iter(), 3),
            vec![hao.clone(), sixin.clone()],
            "no match is shorter than its anchor"
        );
        assert_eq!(
            around(text, [hao, sixin].into_iter(), 30),
            vec![0..text.len()],
            "overlapping stretches merge, and stop at the text's ends"
        );
    }

    /// What the evaluator relies on: the matches found in the merged stretches around every
    /// anchor are the matches of a search of the whole text, when every match holds an anchor
    /// and is at most `reach` bytes long.
    fn windows_find_what_the_whole_text_finds(pattern: &str, anchors: &[&str], text: &str) {
        let regex = Regex::new(pattern).unwrap();
        let reach = regex_syntax::parse(pattern)
            .unwrap()
            .properties()
            .maximum_len()
            .unwrap();
        let mut found: Vec<std::ops::Range<usize>> = anchors
            .iter()
            .flat_map(|a| text.match_indices(a).map(|(i, m)| i..i + m.len()))
            .collect();
        found.sort_by_key(|r| (r.start, r.end));
        let whole: Vec<_> = regex.find_iter(text).map(|m| m.range()).collect();
        let windowed: Vec<_> = around(text, found.into_iter(), reach)
            .into_iter()
            .flat_map(|w| {
                regex
                    .find_iter(Input::new(text).range(w))
                    .map(|m| m.range())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(windowed, whole, "{pattern} in {text:?}");
    }

    /// A verifier whose anchor occurs twice in a turn, the match only around the second: the
    /// stretches of both are searched, not only the first one's.
    #[test]
    fn every_anchor_of_a_verifier_is_searched_around() {
        let set = crate::testing::rule_set(&[(
            "t/TST001-gap.toml",
            "id = \"TST001\"\ntitle = \"转私信\"\nmessage = \"转私信\"\ndimension = \"language\"\n\
             points = -1\n[match]\nrole = \"agent\"\nphrases = [\"请…{3}私信\"]\n",
        )]);
        // 请 and 私信 each twice, far apart; only the last 请你私信 is the phrase.
        let call = crate::input::parse_text(
            "客服：私信以后一直没有人回复我们这边请问也查不到原因所以最后只好说请你私信\n",
            "c",
        )
        .unwrap();
        let hits = set.evaluate(&call);
        let quotes: Vec<&str> = hits
            .iter()
            .filter_map(|h| h.quote().map(|q| q.text.as_str()))
            .collect();
        assert_eq!(quotes, ["请你私信"]);
    }

    /// A condition with an anchored phrase and a regex without anchors runs both: the regex
    /// searches the whole turn.
    #[test]
    fn an_unanchored_verifier_runs_beside_anchored_ones() {
        let set = crate::testing::rule_set(&[(
            "t/TST001-mixed.toml",
            "id = \"TST001\"\ntitle = \"混合\"\nmessage = \"混合\"\ndimension = \"language\"\n\
             points = -1\n[match]\nrole = \"agent\"\nphrases = [\"请…{3}私信\"]\n\
             regex = ['[0-9]{5}']\n",
        )]);
        let call = crate::input::parse_text("客服：请你私信,单号是 12345\n", "c").unwrap();
        let quotes: Vec<String> = set
            .evaluate(&call)
            .iter()
            .filter_map(|h| h.quote().map(|q| q.text.clone()))
            .collect();
        assert_eq!(quotes, ["请你私信", "12345"]);
    }

    proptest! {
        #[test]
        fn windowed_search_finds_exactly_the_whole_search(text in "[请你私信好,。的a ]{0,40}") {
            // A gap, clause edges that look outside the stretch, alternatives that share an
            // anchor, and leftmost-first preferences between overlapping matches.
            windows_find_what_the_whole_text_finds("请[^,。]{0,3}私信", &["私信"], &text);
            windows_find_what_the_whole_text_finds("(?:^|[,。])你好(?:[,。]|$)", &["你好"], &text);
            windows_find_what_the_whole_text_finds("请你|请你私信|你私信好", &["你"], &text);
            windows_find_what_the_whole_text_finds("(?:请|的)[^。]{0,4}(?:好|信)", &["请", "的"], &text);
        }
    }

    /// The lookup answers as comparing with every exclusion did, empty ranges included.
    #[test]
    fn an_overlap_is_found_by_lookup_as_by_scan() {
        let ranges: Vec<std::ops::Range<usize>> =
            (0..12).flat_map(|a| (a..12).map(move |b| a..b)).collect();
        // Sets of exclusions: every seventh range from each starting point, overlapping or not.
        for offset in 0..ranges.len() {
            let excluded: Vec<_> = ranges.iter().skip(offset).step_by(7).cloned().collect();
            let merged = merge(excluded.clone());
            for f in &ranges {
                let scan = excluded.iter().any(|x| x.start < f.end && f.start < x.end);
                assert_eq!(overlaps_any(&merged, f), scan, "{f:?} in {excluded:?}");
            }
        }
        assert!(!overlaps_any(&[], &(0..3)));
    }

    #[test]
    fn a_term_match_keeps_its_condition_kind_and_range() {
        for kind in [
            TermKind::Phrase,
            TermKind::Word,
            TermKind::Exclude,
            TermKind::Anchor {
                verifier: 0,
                exclude: false,
            },
            TermKind::Anchor {
                verifier: 4_000_000,
                exclude: true,
            },
        ] {
            let m = TermMatch::new(12, kind, 3..9);
            assert_eq!((m.cond, m.kind(), m.range()), (12, kind, 3..9));
        }
        assert_eq!(std::mem::size_of::<TermMatch>(), 16);
        // Sorted, a condition's matches are one slice.
        let mut ms = [
            TermMatch::new(2, TermKind::Phrase, 0..1),
            TermMatch::new(1, TermKind::Exclude, 5..6),
            TermMatch::new(2, TermKind::Word, 0..1),
        ];
        ms.sort_unstable();
        assert_eq!(ms.map(|m| m.cond), [1, 2, 2]);
    }

    /// The sparse index answers as a byte offset for every character did, across strides,
    /// at both ends, and for a byte inside a character.
    #[test]
    fn the_char_index_is_a_full_table_s_answers() {
        let text: String = "喂a您好,𠮷野家😀 ok。"
            .chars()
            .cycle()
            .take(3 * CharIndex::STRIDE + 5)
            .collect();
        let full: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let index = CharIndex::new(&text);
        for (ch, &byte) in full.iter().enumerate() {
            assert_eq!(index.char_at(&text, byte), ch, "byte {byte}");
            assert_eq!(index.byte_of(&text, ch), byte, "char {ch}");
            // A lookup scans less than a stride, not the text.
            let last = (full.len() - 2) / CharIndex::STRIDE;
            assert_eq!(index.checkpoint(byte), (ch / CharIndex::STRIDE).min(last));
        }
        assert_eq!(index.starts.len(), (full.len() - 2) / CharIndex::STRIDE + 1);
        for byte in 0..=text.len() {
            let expected = full.binary_search(&byte).unwrap_or_else(|i| i);
            assert_eq!(index.char_at(&text, byte), expected, "byte {byte}");
        }
        let empty = CharIndex::new("");
        assert_eq!((empty.char_at("", 0), empty.byte_of("", 0)), (0, 0));
    }

    #[test]
    fn emoticons_and_punctuation_say_nothing_placeholders_do() {
        for silent in ["、", "?", "???", "[呵呵]", " [呵呵][挖鼻屎] ", "~~", ""] {
            assert!(!says_something(silent), "{silent:?}");
        }
        for said in [
            "好",
            "[订单x]",
            "[链接x]",
            "[呵呵]好的",
            "ok",
            "[呵呵",
            "[很长很长的方括号内容]",
        ] {
            assert!(says_something(said), "{said:?}");
        }
    }
}
