//! Similar sentences (相似句): a condition's example sentences → how much each clause of a turn
//! reads like the closest of them.
//!
//! In: at compile time, the `similar` examples of a condition (and its `min_similarity`); at run
//! time, a turn's folded view. Out: the condition's [`Matcher`] (shared by every condition with
//! the same examples), and for a turn, every [`Scored`] unit: the byte range of a clause, or of
//! two adjacent clauses of one sentence, with the closest example and its score. Which units
//! count is the condition's business: those scoring at least its `min_similarity`.
//!
//! The measure is lexical, offline and deterministic: the cosine of character unigram and
//! bigram counts, on the folded view (Traditional → Simplified, full → half width, lower case,
//! 您 → 你) with everything but letters and digits removed. Grammatical characters that every
//! sentence is full of (的、了、吗、我、你、这…) weigh [`FUNCTION_WEIGHT`] instead of 1, a fixed
//! prior rather than an IDF learnt from a handful of examples (which would mostly punish the
//! topic words the examples share, and make one example's score move when another is added).
//! Nothing depends on the batch being graded or on the thread count: a clause scores the same
//! wherever and whenever it is seen.
//!
//! Words in another order, a particle more or less, a word swapped among several that stay
//! score high; a synonym scores as a different word, and negation barely moves the score (我对
//! 处理结果很满意 is 0.88 like 我对处理结果很不满意): `unless = ["否定"]` is the remedy, see
//! [`super::context::Context::holds_for_clauses`].
//!
//! The examples' n-grams are a sorted vocabulary built at compile time; a clause's n-grams that
//! are in no example only add to its norm. Each unit costs one pass over its letters and a
//! binary search per n-gram, so a turn costs time linear in its length.

use std::ops::Range;

use toml::Spanned;

use super::compile::FileContext;
use super::context::{ends_clause, ends_sentence};
use super::terms::Builder;
use crate::normalize::fold;

/// A clause (or two) with fewer letters than this is never compared: 好的、对对对、不是 would
/// look like too many examples by chance. Examples must be at least this long too.
pub(crate) const MIN_LETTERS: usize = 4;

/// `min_similarity` when a condition does not say.
pub(crate) const DEFAULT_MIN_SIMILARITY: f64 = 0.7;

/// The weight of an n-gram made only of [`FUNCTION_CHARS`].
const FUNCTION_WEIGHT: f64 = 0.4;

/// The compiled examples of one or more conditions with the same `similar` list.
#[derive(Debug)]
pub(crate) struct Matcher {
    /// The examples as the rule file writes them, quoted in the evidence.
    pub examples: Vec<String>,
    /// The examples folded, for judging a match's clause context against its example.
    pub folded: Vec<String>,
    /// Every n-gram of the examples, sorted: its position is its id.
    vocabulary: Vec<Gram>,
    /// For each n-gram id, each example that has it with its weight in the example's unit
    /// vector.
    postings: Vec<Vec<(usize, f64)>>,
    /// Every character of the examples, as bits: a clause's n-gram whose first character is
    /// not one of them is in no example, and most are not (the examples are a few sentences,
    /// the clauses everything customers say), so this spares the vocabulary search.
    chars: CharSet,
    /// The lowest `min_similarity` of the conditions that use the matcher: a clause that
    /// cannot reach it is of no use to any of them, and is not scored exactly (0 before any
    /// condition says: every clause is).
    floor: f64,
}

/// A set of characters: a bit for each of the Basic Multilingual Plane, a sorted list for
/// the rest.
#[derive(Debug)]
struct CharSet {
    bmp: Vec<u64>,
    other: Vec<char>,
}

impl CharSet {
    fn new(chars: impl Iterator<Item = char>) -> CharSet {
        let mut set = CharSet {
            bmp: vec![0; 1 << 10],
            other: Vec::new(),
        };
        for c in chars {
            match u32::from(c) {
                n @ 0..=0xFFFF => set.bmp[(n >> 6) as usize] |= 1 << (n & 63),
                _ => set.other.push(c),
            }
        }
        set.other.sort_unstable();
        set.other.dedup();
        set
    }

    fn contains(&self, c: char) -> bool {
        match u32::from(c) {
            n @ 0..=0xFFFF => self.bmp[(n >> 6) as usize] & (1 << (n & 63)) != 0,
            _ => self.other.binary_search(&c).is_ok(),
        }
    }
}

/// The first character of an n-gram (see [`key`]).
fn first_char(g: Gram) -> char {
    char::from_u32((g >> 21) as u32).unwrap_or('\0')
}

/// A clause, or two adjacent clauses of one sentence, and the example it reads most like.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scored {
    /// Byte range in the folded view, from its first letter to its last.
    pub range: Range<usize>,
    pub example: usize,
    pub score: f64,
}

/// A unigram or a bigram of letters, as a number: one compare to sort or search by.
type Gram = u64;

/// The key of a unigram (`b` is `None`) or a bigram: chars are below 2²¹, and the unigram's
/// second half is not a char.
fn key(a: char, b: Option<char>) -> Gram {
    (u64::from(a) << 21) | b.map_or(0x1F_FFFF, u64::from)
}

/// Characters of grammar rather than meaning: particles, pronouns, the commonest verbs and
/// adverbs, which nearly every sentence of spoken Chinese has. Sorted, for a binary search.
const FUNCTION_CHARS: &[char] = &[
    '一', '下', '个', '也', '了', '他', '们', '你', '吗', '吧', '呀', '呢', '和', '哈', '哎', '哦',
    '啊', '嗯', '嘛', '在', '地', '她', '它', '就', '得', '我', '是', '有', '的', '着', '过', '还',
    '这', '那', '都',
];

fn is_function(c: char) -> bool {
    FUNCTION_CHARS.binary_search(&c).is_ok()
}

fn weight(a: char, b: Option<char>) -> f64 {
    if is_function(a) && b.is_none_or(is_function) {
        FUNCTION_WEIGHT
    } else {
        1.0
    }
}

/// Whether `c` counts as a letter: what is compared, and what the length floor counts.
fn is_letter(c: char) -> bool {
    crate::normalize::is_letter(c)
}

/// The n-grams of `letters` into `out`, each once with its weighted count, sorted by key.
fn grams(letters: &[char], out: &mut Vec<(Gram, f64)>) {
    out.clear();
    out.extend(letters.iter().map(|&a| (key(a, None), weight(a, None))));
    out.extend(
        letters
            .windows(2)
            .map(|w| (key(w[0], Some(w[1])), weight(w[0], Some(w[1])))),
    );
    out.sort_unstable_by_key(|g| g.0);
    // Counted in place: each run of one key becomes its first entry.
    out.dedup_by(|later, first| {
        let same = later.0 == first.0;
        if same {
            first.1 += later.1;
        }
        same
    });
}

fn norm(grams: &[(Gram, f64)]) -> f64 {
    grams.iter().map(|g| g.1 * g.1).sum::<f64>().sqrt()
}

/// The letters of `text`, in order.
fn letters(text: &str) -> Vec<char> {
    text.chars().filter(|&c| is_letter(c)).collect()
}

/// Buffers reused for every unit of a turn.
#[derive(Default)]
struct Scratch {
    grams: Vec<(Gram, f64)>,
    dots: Vec<f64>,
}

impl Matcher {
    /// Compiles examples already checked to be at least [`MIN_LETTERS`] long.
    pub(crate) fn new(examples: Vec<String>) -> Matcher {
        let folded: Vec<String> = examples.iter().map(|e| fold(e)).collect();
        let vectors: Vec<Vec<(Gram, f64)>> = folded
            .iter()
            .map(|f| {
                let mut v = Vec::new();
                grams(&letters(f), &mut v);
                v
            })
            .collect();
        let mut vocabulary: Vec<Gram> = vectors.iter().flatten().map(|g| g.0).collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let mut postings = vec![Vec::new(); vocabulary.len()];
        for (example, v) in vectors.iter().enumerate() {
            let n = norm(v);
            for &(k, w) in v {
                if let Ok(id) = vocabulary.binary_search(&k) {
                    postings[id].push((example, w / n));
                }
            }
        }
        let chars = CharSet::new(folded.iter().flat_map(|f| f.chars()));
        Matcher {
            examples,
            folded,
            vocabulary,
            postings,
            chars,
            floor: f64::INFINITY,
        }
    }

    /// Lets the matcher skip clauses below `min`, the threshold of a condition that uses it;
    /// the lowest of them is the floor.
    pub(crate) fn lower_floor(&mut self, min: f64) {
        self.floor = self.floor.min(min);
    }

    /// The n-grams of `letters` that some example has (by vocabulary id, each once with its
    /// weighted count, sorted), and the sum of the squared weights of the occurrences of all
    /// the others.
    fn summarise(&self, letters: &[char]) -> Summary {
        let mut summary = Summary::default();
        let occurrences = letters
            .iter()
            .map(|&a| (key(a, None), weight(a, None)))
            .chain(
                letters
                    .windows(2)
                    .map(|w| (key(w[0], Some(w[1])), weight(w[0], Some(w[1])))),
            );
        for (k, w) in occurrences {
            summary.add(self.id_of(k), w);
        }
        summary.count();
        summary
    }

    /// The vocabulary id of n-gram `k`, if an example has it.
    fn id_of(&self, k: Gram) -> Option<usize> {
        if self.chars.contains(first_char(k)) {
            self.vocabulary.binary_search(&k).ok()
        } else {
            None
        }
    }

    /// The closest example to `letters` (whose n-grams `summary` describes) and its cosine
    /// similarity; `None` below the length floor, when nothing is shared, or when no example
    /// can reach the matcher's floor. Ties go to the example written first.
    ///
    /// Most clauses share a few characters with the examples and no more, so the exact norm
    /// (which needs every n-gram counted) is computed only for a clause that could reach the
    /// floor: the dot products need only the shared n-grams, and every occurrence of an
    /// unshared one adds at least its weight squared to the squared norm, which bounds the
    /// cosine from above. A clause under the bound would be dropped by every condition anyway.
    fn closest(
        &self,
        letters: &[char],
        summary: &Summary,
        scratch: &mut Scratch,
    ) -> Option<(usize, f64)> {
        if letters.len() < MIN_LETTERS {
            return None;
        }
        let Scratch { grams: g, dots } = scratch;
        let bound = self.dots_and_bound(summary, dots);
        // Below the floor by more than the six-place rounding of a score: no condition keeps it.
        if self.floor.is_finite() && bound < self.floor - 1e-6 {
            return None;
        }
        grams(letters, g);
        let n = norm(g);
        let mut best: Option<(usize, f64)> = None;
        for (example, &dot) in dots.iter().enumerate() {
            // Six places: the same letters score exactly 1, not a rounding error off it.
            let score = (dot / n * 1e6).round() / 1e6;
            if score > best.map_or(0.0, |b| b.1) {
                best = Some((example, score));
            }
        }
        best
    }

    /// Fills `dots` with the dot product of the clause `summary` describes with each example,
    /// and returns an upper bound of its best cosine: the exact squared norm of the clause is
    /// at least that of its shared n-grams plus `summary.unshared`.
    fn dots_and_bound(&self, summary: &Summary, dots: &mut Vec<f64>) -> f64 {
        dots.clear();
        dots.resize(self.examples.len(), 0.0);
        let mut shared_norm = 0.0;
        for &(id, w) in &summary.shared {
            shared_norm += w * w;
            for &(example, we) in &self.postings[id] {
                dots[example] += w * we;
            }
        }
        let best_dot = dots.iter().copied().fold(0.0, f64::max);
        best_dot / (shared_norm + summary.unshared).sqrt()
    }

    /// Every clause of `text` (a folded view), and every two adjacent clauses of a sentence
    /// that read more like an example than either does alone, with the closest example. The
    /// clauses are read one at a time: a turn of any length costs the memory of two clauses.
    pub(crate) fn score(&self, text: &str) -> Vec<Scored> {
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        let mut windows = Vec::new();
        let mut both: Vec<char> = Vec::new();
        // The clause before: its range, its letters, their summary and its own best score.
        let mut before: Option<(Clause, Vec<char>, Summary, f64)> = None;
        for_each_clause(text, |clause, letters| {
            let summary = self.summarise(&letters);
            let found = self.closest(&letters, &summary, &mut scratch);
            let alone = found.map_or(0.0, |f| f.1);
            if let Some((example, score)) = found {
                out.push(Scored {
                    range: clause.range.clone(),
                    example,
                    score,
                });
            }
            // A long example may have a comma inside: 这都多少天了,还没给我解决. A window of two
            // clauses counts only when it beats both of its clauses, so that a clause that
            // matches on its own is not quoted with its neighbour. Its n-grams are the two
            // clauses' and the bigram across the boundary.
            if let Some((prev, prev_letters, prev_summary, prev_alone)) = &before {
                if !prev.ends_sentence {
                    let (a, b) = (prev_letters[prev_letters.len() - 1], letters[0]);
                    let joined = prev_summary.joined(
                        &summary,
                        self.id_of(key(a, Some(b))),
                        weight(a, Some(b)),
                    );
                    both.clear();
                    both.extend(prev_letters.iter().chain(&letters));
                    if let Some((example, score)) = self.closest(&both, &joined, &mut scratch) {
                        if score > prev_alone.max(alone) {
                            windows.push(Scored {
                                range: prev.range.start..clause.range.end,
                                example,
                                score,
                            });
                        }
                    }
                }
            }
            before = Some((clause, letters, summary, alone));
        });
        // Every clause, then every window, as the conditions read them.
        out.extend(windows);
        out
    }
}

/// What the exact score of a unit needs from its n-grams before the norm: those an example
/// has, counted, and how much the rest add to the squared norm at the least.
#[derive(Default, Clone)]
struct Summary {
    /// (vocabulary id, weighted count), sorted by id once [`Summary::count`] has run.
    shared: Vec<(usize, f64)>,
    /// Σ weight² over every occurrence of an n-gram no example has: a lower bound of their
    /// part of the squared norm (a count squared is at least the count).
    unshared: f64,
}

impl Summary {
    fn add(&mut self, id: Option<usize>, w: f64) {
        match id {
            Some(id) => self.shared.push((id, w)),
            None => self.unshared += w * w,
        }
    }

    /// Each shared n-gram once, with the weights of its occurrences summed.
    fn count(&mut self) {
        self.shared.sort_unstable_by_key(|s| s.0);
        self.shared.dedup_by(|later, first| {
            let same = later.0 == first.0;
            if same {
                first.1 += later.1;
            }
            same
        });
    }

    /// The summary of two adjacent units and the bigram across them.
    fn joined(&self, next: &Summary, across: Option<usize>, w: f64) -> Summary {
        let mut joined = Summary {
            shared: self.shared.iter().chain(&next.shared).copied().collect(),
            unshared: self.unshared + next.unshared,
        };
        joined.add(across, w);
        joined.count();
        joined
    }
}

/// A clause of a turn: where it is, and whether a sentence ends after it.
struct Clause {
    /// Byte range in the text, from its first letter to its last.
    range: Range<usize>,
    ends_sentence: bool,
}

/// Hands each clause of `text` to `each`, in order, with its letters: split where phrases and
/// clause context split them (the punctuation of `pattern::CLAUSE_ENDS` and whitespace, the
/// pauses of unpunctuated speech), each trimmed to its first and last letter; clauses without a
/// letter are left out. A clause is handed over when the next one starts, once it is settled
/// whether a sentence ended after it, so only two clauses are held at a time, however long the
/// text (a recogniser's whole call on one line).
fn for_each_clause(text: &str, mut each: impl FnMut(Clause, Vec<char>)) {
    // The byte start of the clause being read, its byte end so far, and its letters.
    let mut open: Option<usize> = None;
    let mut end = 0;
    let mut letters: Vec<char> = Vec::new();
    // The clause read last, until the next one starts.
    let mut closed: Option<(Clause, Vec<char>)> = None;
    for (i, c) in text.char_indices().chain([(text.len(), '\n')]) {
        if crate::normalize::is_cjk(c) {
            // The common case first: a letter, never a boundary.
        } else if ends_clause(c) {
            if let Some(start) = open.take() {
                let clause = Clause {
                    range: start..end,
                    ends_sentence: false,
                };
                closed = Some((clause, std::mem::take(&mut letters)));
            }
            if ends_sentence(c) {
                if let Some((last, _)) = &mut closed {
                    last.ends_sentence = true;
                }
            }
            continue;
        } else if !is_letter(c) {
            continue;
        }
        if open.is_none() {
            if let Some((clause, letters)) = closed.take() {
                each(clause, letters);
            }
            open = Some(i);
        }
        letters.push(c);
        end = i + c.len_utf8();
    }
    if let Some((clause, letters)) = closed {
        each(clause, letters);
    }
}

/// The cosine similarity of two texts as a `similar` term measures it, for tests and tools:
/// 1 for the same letters, 0 when they share none, 0 when either is shorter than the floor.
pub fn similarity(text: &str, example: &str) -> f64 {
    let m = Matcher::new(vec![example.to_string()]);
    let letters = letters(&fold(text));
    m.closest(&letters, &m.summarise(&letters), &mut Scratch::default())
        .map_or(0.0, |c| c.1)
}

/// How much alike two turns are, for a `repeat` condition: the floors a pair must reach.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floors {
    /// The cosine, as a `similar` term compares a clause with an example.
    pub similarity: f64,
    /// The share of the later text's n-grams, by weight, that the earlier one has too: the
    /// same reply pasted again with its greeting and 谢谢 cut off. `None`: not looked at.
    pub contained: Option<f64>,
}

/// The earlier text a text repeats (see [`closest_earlier`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Closest {
    pub earlier: usize,
    /// The cosine, or the share contained when `contained`.
    pub score: f64,
    /// Found by containment, not by the cosine.
    pub contained: bool,
}

/// Each of `texts` (already folded, as [`fold`] does) against the texts before it, as a
/// `similar` term compares a clause with its examples: for text `i`, the most similar earlier
/// text `j` that scores at least `floors.similarity` and is `allowed(j, i, false)`; failing
/// that, the earlier text that holds most of text `i` (at least `floors.contained`, if given)
/// and is `allowed(j, i, true)`; `None`
/// for a text shorter than [`MIN_LETTERS`] or with no such earlier one. Ties go to the earlier
/// text. Only texts from `earliest(i)` on are compared with text `i` (a repeat of one of the
/// last N turns); `allowed` is asked only about pairs above a floor, so it may be costly. For
/// `repeat` conditions.
///
/// A handful of turns is compared pair by pair: each text's n-grams are counted once, sorted,
/// and two texts meet in one merge of their lists. A shared vocabulary (as [`Matcher`] builds
/// for a rule's examples) would cost an allocation per n-gram for every call.
pub(crate) fn closest_earlier(
    texts: &[&str],
    floors: Floors,
    earliest: impl Fn(usize) -> usize,
    allowed: impl Fn(usize, usize, bool) -> bool,
) -> Vec<Option<Closest>> {
    // Each text's n-grams, their norm and their total weight; `None` for a text too short to
    // compare.
    type Counted = Option<(Vec<(Gram, f64)>, f64, f64)>;
    let vectors: Vec<Counted> = texts
        .iter()
        .map(|text| {
            let letters = letters(text);
            (letters.len() >= MIN_LETTERS).then(|| {
                let mut g = Vec::new();
                grams(&letters, &mut g);
                let n = norm(&g);
                let total = g.iter().map(|g| g.1).sum();
                (g, n, total)
            })
        })
        .collect();
    // Six places, as `closest`: the same letters score exactly 1.
    let round = |x: f64| (x * 1e6).round() / 1e6;
    (0..texts.len())
        .map(|i| {
            let (later, n, total) = vectors[i].as_ref()?;
            let mut best: Option<Closest> = None;
            let mut held: Option<Closest> = None;
            let from = earliest(i).min(i);
            for (j, earlier) in vectors.iter().enumerate().take(i).skip(from) {
                let Some((earlier, m, _)) = earlier else {
                    continue;
                };
                let score = round(dot(later, earlier) / (n * m));
                if score >= floors.similarity
                    && score > best.map_or(0.0, |b| b.score)
                    && allowed(j, i, false)
                {
                    best = Some(Closest {
                        earlier: j,
                        score,
                        contained: false,
                    });
                    continue;
                }
                if best.is_some() {
                    continue;
                }
                let Some(floor) = floors.contained else {
                    continue;
                };
                let share = round(overlap(later, earlier) / total);
                if share >= floor && share > held.map_or(0.0, |h| h.score) && allowed(j, i, true) {
                    held = Some(Closest {
                        earlier: j,
                        score: share,
                        contained: true,
                    });
                }
            }
            best.or(held)
        })
        .collect()
}

/// The weight two n-gram lists sorted by key have in common: the smaller count of each gram.
fn overlap(a: &[(Gram, f64)], b: &[(Gram, f64)]) -> f64 {
    merged(a, b, f64::min)
}

/// The dot product of two n-gram lists sorted by key.
fn dot(a: &[(Gram, f64)], b: &[(Gram, f64)]) -> f64 {
    merged(a, b, |x, y| x * y)
}

/// The sum of `each` over the grams two lists sorted by key have in common, in one merge.
fn merged(a: &[(Gram, f64)], b: &[(Gram, f64)], each: impl Fn(f64, f64) -> f64) -> f64 {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    let mut sum = 0.0;
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        match x.0.cmp(&y.0) {
            std::cmp::Ordering::Less => {
                a.next();
            }
            std::cmp::Ordering::Greater => {
                b.next();
            }
            std::cmp::Ordering::Equal => {
                sum += each(x.1, y.1);
                a.next();
                b.next();
            }
        }
    }
    sum
}

/// A share such as `min_similarity` (the key's name) as written, if it is in (0, 1]; otherwise
/// an error at it with `help`.
pub(crate) fn threshold(
    cx: &mut FileContext<'_>,
    key: &str,
    m: &Spanned<f64>,
    help: &str,
) -> Option<f64> {
    let value = *m.get_ref();
    // Written so that NaN is out of range too.
    if !(value > 0.0 && value <= 1.0) {
        cx.error(
            Some(m.span()),
            format!("{key} = {value} 不在 0 (不含) 到 1 之间"),
        )
        .help = Some(help.into());
        return None;
    }
    Some(value)
}

/// Compiles a condition's `similar` and `min_similarity`: the matcher's id in the builder and
/// the threshold, or `None` when the condition has no examples (or they are all wrong).
pub(crate) fn compile(
    cx: &mut FileContext<'_>,
    examples: &[Spanned<String>],
    min: Option<&Spanned<f64>>,
    b: &mut Builder,
) -> Option<(usize, f64)> {
    let threshold = match min {
        None => DEFAULT_MIN_SIMILARITY,
        Some(m) if examples.is_empty() => {
            cx.error(
                Some(m.span()),
                "min_similarity 只对 similar 例句起作用,这里没有 similar",
            )
            .help = Some("在同一个表里写 similar = [\"例句\", …],或删去 min_similarity".into());
            return None;
        }
        Some(m) => threshold(
            cx,
            "min_similarity",
            m,
            "写成 0–1 之间的小数,如 0.7;阿里云的相似度 80 分相当于 0.8",
        )?,
    };
    let mut kept: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for example in examples {
        let written = example.get_ref().trim();
        let compared: String = letters(&fold(written)).into_iter().collect();
        if compared.is_empty() {
            cx.error(Some(example.span()), "相似句为空 (或只有标点)");
            continue;
        }
        let n = compared.chars().count();
        if n < MIN_LETTERS {
            cx.error(
                Some(example.span()),
                format!(
                    "相似句 \"{written}\" 只有 {n} 个字,不到 {MIN_LETTERS} 个字的分句不做相似比较"
                ),
            )
            .help = Some("写一句完整的话;很短的说法请写在 phrases 里".into());
            continue;
        }
        if seen.contains(&compared) {
            cx.warn(
                Some(example.span()),
                format!("相似句 \"{written}\" 重复出现 (繁简、全半角、标点、你/您视为相同)"),
            );
            continue;
        }
        let mut pieces = 0;
        for_each_clause(&fold(written), |_, _| pieces += 1);
        if pieces > 2 {
            cx.warn(
                Some(example.span()),
                format!(
                    "相似句 \"{written}\" 有 {pieces} 个分句,而只和一个分句或相邻两个分句比较,多半达不到 min_similarity"
                ),
            )
            .help = Some("拆成几条相似句,每条一两个分句".into());
        }
        seen.push(compared);
        kept.push(written.to_string());
    }
    // A wrong example is an error, so the rule is not compiled whatever is kept.
    if kept.is_empty() {
        return None;
    }
    Some((b.similar(kept), threshold))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    const DISSATISFIED: [&str; 3] = [
        "你们这服务也太差劲了吧",
        "我对你们的处理结果非常不满意",
        "这都多少天了,还没给我解决",
    ];

    fn cosine(similarity: f64) -> Floors {
        Floors {
            similarity,
            contained: None,
        }
    }

    fn found(earlier: usize, score: f64) -> Closest {
        Closest {
            earlier,
            score,
            contained: false,
        }
    }

    #[test]
    fn a_reply_cut_down_and_pasted_again_is_held_in_the_earlier_one() {
        let texts = [
            "你好,为保障号码安全,建议你后续使用号码时使用自己的有效身份证进行实名登记处理.谢谢!",
            "建议你后续使用号码时使用自己的有效身份证进行实名登记.",
            "建议你后续使用号码时使用有效身份证进行实名登记,另外通话记录可以在营业厅打印",
        ];
        let cut = similarity(texts[1], texts[0]);
        assert!(cut < 0.9, "the cosine alone misses it: {cut}");
        let floors = Floors {
            similarity: 0.9,
            contained: Some(0.95),
        };
        let found = closest_earlier(&texts, floors, |_| 0, |_, _, _| true);
        // Every gram of the cut-down reply is in the whole one.
        assert_eq!(
            found[1],
            Some(Closest {
                earlier: 0,
                score: 1.0,
                contained: true
            })
        );
        // A reply that goes on to say something new is not held in either.
        assert_eq!(found[2], None);
        // Without the floor, containment is not looked at.
        assert_eq!(
            closest_earlier(&texts, cosine(0.9), |_| 0, |_, _, _| true)[1],
            None
        );
        // Exactly the floor is enough; `allowed` still decides.
        let share = {
            let f = Floors {
                similarity: 1.0,
                contained: Some(0.5),
            };
            closest_earlier(&texts, f, |_| 0, |_, _, _| true)[2].unwrap()
        };
        assert!(share.contained && share.score < 0.95, "{share:?}");
        let at = Floors {
            similarity: 1.0,
            contained: Some(share.score),
        };
        assert_eq!(
            closest_earlier(&texts, at, |_| 0, |_, _, _| true)[2],
            Some(share)
        );
        let above = Floors {
            similarity: 1.0,
            contained: Some(share.score + 1e-6),
        };
        assert_eq!(
            closest_earlier(&texts, above, |_| 0, |_, _, _| true)[2],
            None
        );
        assert_eq!(
            closest_earlier(&texts, floors, |_| 0, |j, _, _| j != 0)[1],
            None
        );
        // Two earlier replies hold it whole: the tie goes to the earlier one, as for the cosine.
        let twice = [texts[0], texts[0], texts[1]];
        assert_eq!(
            closest_earlier(&twice, floors, |_| 0, |_, _, _| true)[2],
            Some(Closest {
                earlier: 0,
                score: 1.0,
                contained: true
            })
        );
        // The cosine wins over containment: a turn said again word for word is a repeat by
        // the cosine, and shows that score.
        let same = [
            "请你先通过私信提供一下你的号码",
            "请你先通过私信提供一下你的号码",
        ];
        assert_eq!(
            closest_earlier(&same, floors, |_| 0, |_, _, _| true)[1],
            Some(Closest {
                earlier: 0,
                score: 1.0,
                contained: false
            })
        );
    }

    #[test]
    fn each_text_is_compared_with_the_allowed_earlier_ones_only() {
        let texts = [
            "请你提供一下订单号码",
            "好的",
            "请你提供下订单号码",
            "请你提供一下订单号码",
            "订单号码",
            "订单号",
            "请你提供一下订单号码",
        ];
        let all = closest_earlier(&texts, cosine(0.0), |_| 0, |_, _, _| true);
        assert_eq!(all[0], None, "nothing comes before the first");
        assert_eq!(all[1], None, "too short to compare");
        let Closest {
            earlier: j, score, ..
        } = all[2].unwrap();
        assert_eq!(j, 0);
        assert!(score > 0.9 && score < 1.0, "{score}");
        // The same letters score exactly 1, and a tie goes to the earlier text.
        assert_eq!(all[3], Some(found(0, 1.0)));
        assert_eq!(all[6], Some(found(0, 1.0)), "the first and the fourth tie");
        // Scores are the ones `similarity` gives.
        assert_eq!(score, similarity(texts[2], texts[0]));
        // Exactly the floor is compared (closest to the shorter sentence), one letter less is not.
        assert_eq!(all[4].map(|c| c.earlier), Some(2));
        assert_eq!(all[5], None);
        // What `allowed` forbids is never chosen, however alike.
        let not_first = closest_earlier(&texts, cosine(0.0), |_| 0, |j, _, _| j != 0);
        assert_eq!(not_first[2], None);
        assert_eq!(not_first[3].map(|c| c.earlier), Some(2));
        // Below the floor nothing is chosen, and `allowed` is not even asked; exactly the
        // floor is enough.
        let asked = std::cell::Cell::new(0);
        let above = closest_earlier(
            &texts,
            cosine(score),
            |_| 0,
            |_, _, _| {
                asked.set(asked.get() + 1);
                true
            },
        );
        assert_eq!(above[2], Some(found(0, score)));
        assert_eq!(
            closest_earlier(&texts, cosine(score + 1e-6), |_| 0, |_, _, _| true)[2],
            None
        );
        // Of the ten pairs of long enough texts, only the third, the fourth and the last text
        // against the first are at the floor and better than what was found before.
        assert_eq!(asked.get(), 3);
        // Texts before `earliest` are not compared: the last text finds the fourth, not the
        // first, when only the three before it count.
        let recent = closest_earlier(&texts, cosine(0.0), |i| i.saturating_sub(3), |_, _, _| true);
        assert_eq!(recent[6], Some(found(3, 1.0)));
        assert_eq!(recent[3], Some(found(0, 1.0)));
    }

    fn matcher(examples: &[&str]) -> Matcher {
        Matcher::new(examples.iter().map(|e| e.to_string()).collect())
    }

    /// Each unit `matcher` scores in `text`, as (words of the folded view, example, score
    /// rounded to three places).
    fn units(m: &Matcher, text: &str) -> Vec<(String, usize, f64)> {
        let folded = fold(text);
        m.score(&folded)
            .into_iter()
            .map(|s| {
                let score = (s.score * 1000.0).round() / 1000.0;
                (folded[s.range].to_string(), s.example, score)
            })
            .collect()
    }

    #[test]
    fn a_char_set_holds_its_characters_and_no_others() {
        let set = CharSet::new("你好😀".chars());
        for c in ['你', '好', '😀'] {
            assert!(set.contains(c), "{c}");
        }
        // 奼 shares 好's word of the bitmap, 😁 the list of characters past the BMP.
        for c in ['我', '奼', 'a', '😁'] {
            assert!(!set.contains(c), "{c}");
        }
    }

    #[test]
    fn the_bound_is_never_below_the_score_and_tight_for_an_example() {
        let m = matcher(&DISSATISFIED);
        let mut scratch = Scratch::default();
        let bound_and_score = |text: &str, scratch: &mut Scratch| {
            let letters = letters(&fold(text));
            let summary = m.summarise(&letters);
            let bound = m.dots_and_bound(&summary, &mut scratch.dots);
            let (_, score) = m.closest(&letters, &summary, scratch).unwrap();
            (bound, score)
        };
        for (text, tight) in [
            ("你们这服务也太差劲了吧", true),
            ("你们这服务太差了吧我要退货", false),
            ("处理结果我非常不满意", false),
        ] {
            let (bound, score) = bound_and_score(text, &mut scratch);
            assert!(bound <= 1.0 + 1e-9, "{text}: past 1 ({bound})");
            // No n-gram of these clauses occurs twice, so the bound is the score itself: the
            // squared norm of the unshared n-grams is exactly their weights squared.
            assert!((bound - score).abs() < 1e-6, "{text}: {bound} {score}");
            if tight {
                assert!((bound - 1.0).abs() < 1e-9, "{text}: {bound}");
            } else {
                assert!(bound < 1.0, "{text}: {bound}");
            }
        }
        // A shared n-gram twice counts once with its weights summed, as the exact norm does.
        let (bound, score) = bound_and_score("太差劲了太差劲了", &mut scratch);
        assert!((bound - score).abs() < 1e-6, "{bound} {score}");
    }

    #[test]
    fn the_floor_skips_only_clauses_that_cannot_reach_it() {
        let mut scratch = Scratch::default();
        let closest = |m: &Matcher, text: &str, scratch: &mut Scratch| {
            let letters = letters(&fold(text));
            m.closest(&letters, &m.summarise(&letters), scratch)
                .map(|(_, score)| score)
        };
        let (near, far) = ("你们这服务太差了吧我要退货", "请问明天几点上门安装宽带");
        let m = matcher(&DISSATISFIED);
        let exact = closest(&m, near, &mut scratch).unwrap();
        let low = closest(&m, far, &mut scratch).unwrap();
        assert!(low < 0.5 && exact > 0.5, "{low} {exact}");
        // A floor at the clause's own score keeps it; one above the other clause's drops it.
        let mut m = matcher(&DISSATISFIED);
        m.lower_floor(exact);
        assert_eq!(closest(&m, near, &mut scratch), Some(exact));
        assert_eq!(closest(&m, far, &mut scratch), None);
    }

    #[test]
    fn two_clauses_joined_are_summarised_as_their_letters_together() {
        let m = matcher(&DISSATISFIED);
        let (first, second) = (letters("这都多少天了"), letters("还没给我解决吗"));
        let both: Vec<char> = first.iter().chain(&second).copied().collect();
        let (a, b) = (first[first.len() - 1], second[0]);
        let joined = m.summarise(&first).joined(
            &m.summarise(&second),
            m.id_of(key(a, Some(b))),
            weight(a, Some(b)),
        );
        let whole = m.summarise(&both);
        assert_eq!(joined.shared, whole.shared);
        assert!((joined.unshared - whole.unshared).abs() < 1e-12);
        assert!(whole.unshared > 0.0, "吗 is in no example");
    }

    #[test]
    fn the_floor_is_the_lowest_threshold_of_the_conditions() {
        let mut m = matcher(&DISSATISFIED);
        assert_eq!(
            m.floor,
            f64::INFINITY,
            "before any condition, every clause is scored"
        );
        m.lower_floor(0.8);
        m.lower_floor(0.7);
        m.lower_floor(0.75);
        assert_eq!(m.floor, 0.7);
    }

    #[test]
    fn identical_is_one_and_disjoint_is_zero() {
        for s in DISSATISFIED
            .iter()
            .chain(&["亲亲这边帮您登记一下稍后给您回复哦"])
        {
            assert_eq!(similarity(s, s), 1.0, "{s}");
        }
        assert_eq!(similarity("稍等我给您查一下物流", "套餐每月多少钱"), 0.0);
    }

    #[test]
    fn a_paraphrase_scores_above_the_default_and_an_unrelated_sentence_below() {
        let ex = "我对你们的处理结果非常不满意";
        for paraphrase in [
            "我对这个处理结果非常不满意", // a word swapped: 0.88
            "我非常不满意你们的处理结果", // another order: 0.86
            "对你们的处理结果我很不满意", // 0.76
        ] {
            let s = similarity(paraphrase, ex);
            assert!(s >= DEFAULT_MIN_SIMILARITY, "{paraphrase}: {s}");
        }
        // The same length and the same 你们…处理结果, another question: 0.38.
        let unrelated = similarity("请问你们的处理结果什么时候出来", ex);
        assert!(unrelated < 0.4, "{unrelated}");
        // A synonym is another word: 太烂了 for 太差劲了 is 0.59, under the default.
        let s = similarity("你们这个服务也太烂了吧", DISSATISFIED[0]);
        assert!((0.55..DEFAULT_MIN_SIMILARITY).contains(&s), "{s}");
    }

    #[test]
    fn negation_barely_moves_the_score() {
        // Lexical similarity cannot see that 满意 is the opposite of 不满意: the remedy is
        // unless = ["否定"] (tested in context.rs and tests/it/rule_language.rs).
        let s = similarity("我对你们的处理结果非常满意", "我对你们的处理结果非常不满意");
        assert!(s > 0.9, "{s}");
    }

    #[test]
    fn traditional_full_width_and_punctuation_are_ignored() {
        let ex = "我对你们的处理结果非常不满意";
        assert_eq!(similarity("我對你們的處理結果非常不滿意！", ex), 1.0);
        assert_eq!(similarity("我对你们的处理结果,非常不满意……", ex), 1.0);
        assert_eq!(
            similarity("我对您们的处理结果 非常不满意", ex),
            1.0,
            "您 is 你"
        );
        assert_eq!(
            similarity("我對這個處理結果非常不滿意", ex),
            similarity("我对这个处理结果非常不满意", ex)
        );
        // Digits and Latin letters are letters; emoji and symbols are not.
        assert_eq!(similarity("我要打12315投诉 😡", "我要打12315投诉"), 1.0);
        assert!(similarity("我要打12345投诉", "我要打12315投诉") < 1.0);
    }

    #[test]
    fn clauses_shorter_than_the_floor_never_match() {
        assert_eq!(MIN_LETTERS, 4);
        assert_eq!(similarity("不满意", "不满意"), 0.0, "three letters");
        assert_eq!(similarity("太不满意", "太不满意"), 1.0, "four");
        assert_eq!(
            similarity("不满意!!", "不满意"),
            0.0,
            "punctuation is no letter"
        );
        // Two short clauses are compared together when they are one sentence.
        let m = matcher(&["好的好的谢谢"]);
        assert!(units(&m, "好的。好的!").is_empty());
        assert_eq!(units(&m, "好的,好的!"), [("好的,好的".into(), 0, 0.785)]);
    }

    #[test]
    fn grammatical_characters_weigh_less() {
        // 我们很好 and 我们很坏: unigrams 我 们 很 好 and bigrams 我们 们很 很好. 我, 们 and 我们
        // are grammar (0.4), the rest 1: shared 我 们 很 我们 们很 give 3 × 0.16 + 2 = 2.48,
        // each norm² is 3 × 0.16 + 4 = 4.48.
        let s = similarity("我们很好", "我们很坏");
        assert!((s - 2.48 / 4.48).abs() < 1e-6, "{s}");
        // A bigram is grammar only when both its characters are: 们很 weighs 1 here.
        let s = similarity("们很好好", "们很坏坏");
        // 们 .4, 很 1, 好 2 / 坏 2, 们很 1, 很好 1 / 很坏 1, 好好 1 / 坏坏 1: shared 们 很 们很.
        let (dot, n2) = (0.16 + 1.0 + 1.0, 0.16 + 1.0 + 4.0 + 1.0 + 1.0 + 1.0);
        assert!((s - dot / n2).abs() < 1e-6, "{s}");
    }

    #[test]
    fn grammatical_characters_are_sorted_for_the_search() {
        assert!(FUNCTION_CHARS.windows(2).all(|w| w[0] < w[1]));
        assert!(FUNCTION_CHARS.iter().all(|&c| is_function(c)));
        assert!(!is_function('差') && !is_function('a'));
    }

    #[test]
    fn ties_go_to_the_example_written_first() {
        let m = matcher(&["我要投诉你们", "我要投诉你们"]);
        assert_eq!(units(&m, "我要投诉你们"), [("我要投诉你们".into(), 0, 1.0)]);
        let m = matcher(&["服务太差了吧", "我要投诉你们"]);
        assert_eq!(units(&m, "我要投诉你们")[0].1, 1);
    }

    #[test]
    fn two_clauses_of_a_sentence_count_when_together_they_read_more_like_an_example() {
        let m = matcher(&DISSATISFIED);
        // Each clause is 0.67 and 0.74 alone; together they are the example.
        assert_eq!(
            units(&m, "这都多少天了,还没给我解决!"),
            [
                ("这都多少天了".into(), 2, 0.668),
                ("还没给我解决".into(), 2, 0.738),
                ("这都多少天了,还没给我解决".into(), 2, 1.0),
            ]
        );
        // Unpunctuated speech: the recogniser's pauses are clause ends, not sentence ends.
        let found = units(&m, "喂 这都多少天了 还没给我解决 你们到底管不管");
        assert!(
            found.contains(&("这都多少天了 还没给我解决".into(), 2, 1.0)),
            "{found:?}"
        );
        // Never across a sentence end.
        let found = units(&m, "这都多少天了。还没给我解决");
        assert_eq!(found.len(), 2, "{found:?}");
        // A window that does not beat its clauses is not a unit of its own.
        let found = units(&m, "我对你们的处理结果非常不满意,我要退款");
        assert_eq!(found[0], ("我对你们的处理结果非常不满意".into(), 1, 1.0));
        assert!(found.iter().all(|u| !u.0.contains(',')), "{found:?}");
        // Nor one that only ties: the clause is the example, so is the window another one.
        let m = matcher(&["你们服务太差", "你们服务太差,我要投诉"]);
        let found = units(&m, "你们服务太差,我要投诉");
        assert_eq!(found[0], ("你们服务太差".into(), 0, 1.0));
        assert!(found.iter().all(|u| !u.0.contains(',')), "{found:?}");
    }

    #[test]
    fn a_clause_is_quoted_from_its_first_letter_to_its_last() {
        let m = matcher(&["你们这服务也太差劲了吧"]);
        let found = units(&m, "@客服小王 “你们这服务也太差劲了吧”#差评#");
        assert!(
            found
                .iter()
                .any(|u| u.0 == "你们这服务也太差劲了吧" && u.2 == 1.0),
            "{found:?}"
        );
        // Digits and Latin letters are letters, of a clause as of an example; symbols and
        // emoji are not.
        let m = matcher(&["我要打12315投诉"]);
        assert_eq!(
            units(&m, "@客服小王 我要打12315投诉😡"),
            [("我要打12315投诉".into(), 0, 1.0)]
        );
        assert!(units(&m, "……").is_empty());
        assert!(units(&m, "").is_empty());
    }
}
