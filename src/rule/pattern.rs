//! Patterns: how a rule author writes a phrase → either plain strings for the shared automaton,
//! or a verifier (a linear-time regex) anchored on strings the automaton finds.
//!
//! In: one entry of `phrases` or `exclude` as written (`那是 … {上级} … 的事`), the rule set's
//! lexicons. Out: a [`Lowered`] term: a finite list of folded strings when the pattern has no
//! gap, entity or clause edge (most phrases, and every lexicon of plain words), otherwise a regex
//! over the folded view plus the strings that must occur wherever it matches.
//!
//! The syntax, which docs/rules.md (短语写法) documents for rule authors:
//! - text is matched folded: 繁→简, full-width → half-width, case, and 您 → 你, so one spelling
//!   covers them all;
//! - `[甲|乙|丙]` one of several alternatives, each itself a pattern; `[的]?` optional;
//! - `{名}` a lexicon from `rules/lexicons/` or a built-in entity such as `{数字}` or `{时长}`;
//!   `{名}?` optional;
//! - `…` (also `……` or `...`) up to 10 characters inside the same clause, `…{24}` up to 24;
//!   a clause ends at punctuation or at a pause (the space a recogniser leaves between
//!   sentences);
//! - `^` at the start, `$` at the end: the match starts or ends a clause;
//! - `\` before any of `[]|{}?…^$\` makes it an ordinary character.
//!
//! Nothing here backtracks: gaps are bounded, verifiers are `regex` automata, and a verifier
//! only runs on turns where the automaton found one of its anchors. A pattern with no fixed
//! part at all (`{数字}…{3}{工号}`) has no anchor and runs on every turn its condition looks at.

use std::collections::BTreeSet;
use std::ops::Range;

use super::entity::{Entity, ENTITIES};
use crate::normalize::fold;

/// Characters that end a clause in the folded view; a gap never crosses one.
pub(crate) const CLAUSE_ENDS: &str = ",.!?;:、。…~—\"'“”‘’()（）《》【】";
/// What `…` alone allows between two parts of a pattern.
pub const DEFAULT_GAP: usize = 10;
/// The largest gap an author may ask for: a longer one is no longer "the same clause".
pub const MAX_GAP: usize = 40;
/// Beyond this many combinations a pattern is matched by a verifier rather than spelled out.
const MAX_EXPANSION: usize = 256;

/// A parsed pattern, references not yet resolved. Spans are byte offsets in the pattern text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Lit(String),
    /// Alternatives; `optional` when followed by `?`.
    Alt {
        alts: Vec<Vec<Node>>,
        optional: bool,
    },
    Ref {
        name: String,
        optional: bool,
        span: Range<usize>,
    },
    Gap(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub nodes: Vec<Node>,
    pub clause_start: bool,
    pub clause_end: bool,
}

/// A syntax error at a byte span of the pattern text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl PatternError {
    fn at(span: Range<usize>, message: impl Into<String>) -> PatternError {
        PatternError {
            span,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: &str) -> PatternError {
        self.help = Some(help.into());
        self
    }
}

/// A `?` written straight after a character that does not end a question (`丧失了?耐心`,
/// `简直是?`): in a phrase `?` is a literal question mark, and only `[了]?` makes a character
/// optional, so the author almost certainly meant the brackets. Returns the character and the
/// byte offset of the `?` in `text`. 吗? 么? 呢? and a run of ?? are questions as written.
pub fn stray_question_mark(text: &str) -> Option<(char, usize)> {
    const ASKING: &[char] = &[
        '吗', '么', '呢', '嘛', '吧', '啊', '呀', '啦', '哪', '谁', '啥', '没', '否',
    ];
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let is_mark = |c: char| matches!(c, '?' | '？');
        if !is_mark(c) || chars.get(k + 1).is_some_and(|&(_, n)| is_mark(n)) || k == 0 {
            continue;
        }
        let before = chars[k - 1].1;
        // 去不去? 是不是? 有没有?: the A-not-A question ends on the verb itself.
        let a_not_a = k >= 3 && chars[k - 3].1 == before && matches!(chars[k - 2].1, '不' | '没');
        if crate::normalize::is_cjk(before) && !ASKING.contains(&before) && !a_not_a {
            return Some((before, i));
        }
    }
    None
}

/// Whether `text` uses any pattern syntax at all; a plain phrase skips parsing.
pub fn is_plain(text: &str) -> bool {
    !text.contains(['[', ']', '|', '{', '}', '…', '\\', '^', '$']) && !text.contains("...")
}

pub(crate) fn parse(text: &str) -> Result<Parsed, PatternError> {
    // An author typing with a Chinese input method writes ［｜］｛｝？ for the syntax; they
    // mean the same, so they are read as ASCII, and spans are mapped back to the text.
    let (ascii, map) = ascii_syntax(text);
    let back = |r: Range<usize>| map[r.start]..map[r.end];
    let mut parsed = parse_ascii(&ascii).map_err(|e| PatternError {
        span: back(e.span.clone()),
        ..e
    })?;
    map_spans(&mut parsed.nodes, &back);
    Ok(parsed)
}

const FULL_WIDTH_SYNTAX: [(char, char); 6] = [
    ('［', '['),
    ('］', ']'),
    ('｛', '{'),
    ('｝', '}'),
    ('｜', '|'),
    ('？', '?'),
];

/// `text` with full-width syntax characters made ASCII, and for each byte offset of the result
/// (and its end) the offset in `text`.
fn ascii_syntax(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let c = FULL_WIDTH_SYNTAX
            .iter()
            .find(|(f, _)| *f == c)
            .map_or(c, |(_, a)| *a);
        for _ in 0..c.len_utf8() {
            map.push(i);
        }
        out.push(c);
    }
    map.push(text.len());
    (out, map)
}

fn map_spans(nodes: &mut [Node], back: &dyn Fn(Range<usize>) -> Range<usize>) {
    for node in nodes {
        match node {
            Node::Ref { span, .. } => *span = back(span.clone()),
            Node::Alt { alts, .. } => alts.iter_mut().for_each(|a| map_spans(a, back)),
            Node::Lit(_) | Node::Gap(_) => {}
        }
    }
}

/// The most brackets one pattern may nest: deeper is a mistake, and unbounded depth would
/// exhaust the stack.
const MAX_DEPTH: usize = 16;

fn parse_ascii(text: &str) -> Result<Parsed, PatternError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let mut clause_start = false;
    if p.peek() == Some('^') {
        p.pos += 1;
        clause_start = true;
    }
    let nodes = p.sequence()?;
    let mut clause_end = false;
    if p.peek() == Some('$') {
        p.pos += 1;
        clause_end = true;
    }
    if let Some(c) = p.peek() {
        let span = p.pos..p.pos + c.len_utf8();
        return Err(match c {
            ']' => PatternError::at(span, "多余的 ],前面没有对应的 ["),
            '|' => PatternError::at(span, "| 只能写在 [ ] 里面,用来分隔几个可选的说法")
                .help("例如 [没办法|没法|没有办法]"),
            '}' => PatternError::at(span, "多余的 },前面没有对应的 {"),
            '^' => PatternError::at(span, "^ 只能写在开头,表示从分句开头匹配")
                .help("要匹配字符 ^ 本身,请写成 \\^"),
            _ => PatternError::at(span, "$ 只能写在末尾,表示匹配到分句结尾")
                .help("要匹配字符 $ 本身,请写成 \\$"),
        });
    }
    let parsed = Parsed {
        nodes,
        clause_start,
        clause_end,
    };
    if parsed.nodes.is_empty() {
        return Err(PatternError::at(0..text.len(), "短语为空"));
    }
    Ok(parsed)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    /// A sequence up to the end of the text, or (inside brackets) up to `|` or `]`.
    fn sequence(&mut self) -> Result<Vec<Node>, PatternError> {
        let mut nodes = Vec::new();
        let mut last_gap = 0..0;
        let mut lit = String::new();
        let flush = |lit: &mut String, nodes: &mut Vec<Node>| {
            if !lit.is_empty() {
                nodes.push(Node::Lit(std::mem::take(lit)));
            }
        };
        while let Some(c) = self.peek() {
            let at = self.pos;
            match c {
                '\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(PatternError::at(at..at + 1, "\\ 后面缺少要转义的字符"));
                    };
                    lit.push(e);
                    self.pos += e.len_utf8();
                }
                '[' => {
                    flush(&mut lit, &mut nodes);
                    self.pos += 1;
                    let alts = self.alternatives(at)?;
                    let optional = self.question();
                    nodes.push(Node::Alt { alts, optional });
                }
                '{' => {
                    let close = self.rest().find('}').map(|i| self.pos + i);
                    let Some(close) = close else {
                        return Err(PatternError::at(at..self.text.len(), "{ 没有闭合")
                            .help("词库和实体写成 {上级}、{数字} 这样"));
                    };
                    let name = self.text[at + 1..close].trim().to_string();
                    self.pos = close + 1;
                    if name.is_empty() {
                        return Err(PatternError::at(at..close + 1, "{} 里缺少词库或实体的名字"));
                    }
                    if name.chars().all(|c| c.is_ascii_digit()) {
                        return Err(PatternError::at(
                            at..close + 1,
                            format!("{{{name}}} 只能紧跟在 … 后面,表示最多隔几个字"),
                        )
                        .help("例如 您看…{24}可以吗"));
                    }
                    flush(&mut lit, &mut nodes);
                    let optional = self.question();
                    nodes.push(Node::Ref {
                        name,
                        optional,
                        span: at..self.pos,
                    });
                }
                '…' | '.' if c == '…' || self.rest().starts_with("...") => {
                    while self.rest().starts_with('…') || self.rest().starts_with("...") {
                        // `…` and `...` are both three bytes.
                        self.pos += 3;
                        while self.rest().starts_with('.') {
                            self.pos += 1;
                        }
                    }
                    let trimmed = lit.trim_end().len();
                    lit.truncate(trimmed);
                    flush(&mut lit, &mut nodes);
                    let mut gap = DEFAULT_GAP;
                    // `…{24}` bounds the gap; `…{上级}` is a gap followed by a lexicon.
                    let bound = self.rest().strip_prefix('{').and_then(|r| {
                        let inner = &r[..r.find('}').unwrap_or(r.len())];
                        inner
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '-')
                            .then_some(())
                    });
                    if bound.is_some() {
                        let close = self.rest().find('}').map(|i| self.pos + i);
                        let bound =
                            close.and_then(|c| self.text[self.pos + 1..c].trim().parse().ok());
                        match (close, bound) {
                            (Some(close), Some(n)) if (1..=MAX_GAP).contains(&n) => {
                                gap = n;
                                self.pos = close + 1;
                            }
                            (Some(close), _) => {
                                return Err(PatternError::at(
                                    self.pos..close + 1,
                                    format!("… 后面的字数上限必须是 1 到 {MAX_GAP} 之间的整数"),
                                ))
                            }
                            (None, _) => {
                                return Err(PatternError::at(
                                    self.pos..self.text.len(),
                                    "{ 没有闭合",
                                ))
                            }
                        }
                    }
                    // A gap needs something on each side, or a clause edge: `^…{2}好的`.
                    // Right after the top level's `^` is the only place where nothing has been
                    // parsed yet at offset 1.
                    let after_start = at == 1 && self.text.starts_with('^');
                    if matches!(nodes.last(), Some(Node::Gap(_)))
                        || (nodes.is_empty() && !after_start)
                    {
                        return Err(PatternError::at(at..self.pos, "… 必须写在两个部分之间")
                            .help("开头或结尾的 … 没有意义;两个 … 之间要有文字"));
                    }
                    nodes.push(Node::Gap(gap));
                    last_gap = at..self.pos;
                    while self.peek().is_some_and(char::is_whitespace) {
                        self.pos += self.peek().map_or(1, char::len_utf8);
                    }
                }
                // The caller decides whether these are in place.
                ']' | '|' | '}' | '^' | '$' => break,
                _ => {
                    lit.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        flush(&mut lit, &mut nodes);
        let before_end = self.depth == 0 && self.rest() == "$";
        // A gap followed only by optional parts is a trailing gap too: `a…[b]?` is `a` alone.
        let trailing = nodes
            .iter()
            .rposition(|n| {
                !matches!(
                    n,
                    Node::Alt { optional: true, .. } | Node::Ref { optional: true, .. }
                )
            })
            .is_some_and(|i| matches!(nodes[i], Node::Gap(_)));
        if trailing && !before_end {
            return Err(PatternError::at(last_gap, "… 必须写在两个部分之间")
                .help("结尾的 … 没有意义;要匹配到分句结尾,写成 …$"));
        }
        Ok(nodes)
    }

    /// After `[`: alternatives up to the matching `]`.
    fn alternatives(&mut self, open: usize) -> Result<Vec<Vec<Node>>, PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PatternError::at(
                open..open + 1,
                format!("[ ] 嵌套超过 {MAX_DEPTH} 层"),
            ));
        }
        let mut alts = Vec::new();
        loop {
            let mut alt = self.sequence()?;
            trim_lits(&mut alt);
            match self.peek() {
                Some('|') => {
                    self.pos += 1;
                    alts.push(alt);
                }
                Some(']') => {
                    self.pos += 1;
                    alts.push(alt);
                    break;
                }
                _ => {
                    return Err(PatternError::at(open..self.text.len(), "[ 没有闭合")
                        .help("可选说法写成 [没办法|没法],括号要成对"))
                }
            }
        }
        self.depth -= 1;
        if alts.iter().all(Vec::is_empty) {
            return Err(PatternError::at(open..self.pos, "[ ] 里没有内容"));
        }
        if alts.iter().any(Vec::is_empty) {
            return Err(PatternError::at(
                open..self.pos,
                "[ ] 里有空的说法 (两个 | 之间,或 | 在两端)",
            )
            .help("可有可无的部分请写成 [的]?,不要写成 [的|]"));
        }
        Ok(alts)
    }

    fn question(&mut self) -> bool {
        if self.peek() == Some('?') {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

/// Spaces around `|` are for the reader: `[没办法 | 没法]`; an alternative that is only
/// spaces means a space (`工号[:| ]{工号}`).
fn trim_lits(seq: &mut Vec<Node>) {
    if let [Node::Lit(s)] = seq.as_slice() {
        if !s.is_empty() && s.trim().is_empty() {
            *seq = vec![Node::Lit(" ".into())];
            return;
        }
    }
    if let Some(Node::Lit(s)) = seq.first_mut() {
        *s = s.trim_start().to_string();
    }
    if let Some(Node::Lit(s)) = seq.last_mut() {
        *s = s.trim_end().to_string();
    }
    seq.retain(|n| !matches!(n, Node::Lit(s) if s.is_empty()));
}

/// A pattern with its references resolved: what is matched, folded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Lit(String),
    Alt(Vec<Vec<Part>>),
    Opt(Vec<Part>),
    Gap(usize),
    Entity(&'static Entity),
}

/// What a resolved pattern becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lowered {
    /// Every way of writing it, folded: each goes into the automaton as it is.
    Strings(Vec<String>),
    /// A regex over the folded view that only runs on turns where one of `anchors` occurs; no
    /// anchors means it runs on every turn it may look at. `group` is the capture group that is
    /// the match (0, the whole match, unless the pattern has clause edges).
    Verify {
        regex: String,
        anchors: Vec<String>,
        group: usize,
    },
}

/// Why a pattern that can match the empty string is refused.
pub(crate) const MATCHES_NOTHING: &str =
    "这个短语可以什么都不匹配 (所有部分都是可选的),会在每一句话上命中";

/// The cheapest form of a resolved pattern: strings when it has a finite spelling, else a
/// verifier. A pattern that is one alternation (most often a whole lexicon, `{共情}`) is its
/// alternatives, each lowered on its own: one regex would report only the leftmost-first of
/// overlapping alternatives (能理解你 and not 理解你的顾虑 a character later), while the
/// automaton reports them all and the condition merges them into one quote. It also keeps the
/// finite alternatives in the automaton when only one of them needs a verifier.
pub(crate) fn lower(
    parts: &[Part],
    clause_start: bool,
    clause_end: bool,
) -> Result<Vec<Lowered>, String> {
    lower_each(parts, clause_start, clause_end, true)
}

/// A resolved pattern as verifiers, even when it could be spelled out: for conditions whose
/// text must be checked on a view the automaton does not scan (`strict_nin`).
pub(crate) fn lower_verify(
    parts: &[Part],
    clause_start: bool,
    clause_end: bool,
) -> Result<Vec<Lowered>, String> {
    lower_each(parts, clause_start, clause_end, false)
}

fn lower_each(
    parts: &[Part],
    clause_start: bool,
    clause_end: bool,
    spell_out: bool,
) -> Result<Vec<Lowered>, String> {
    let [Part::Alt(alts)] = parts else {
        return Ok(vec![lower_as(parts, clause_start, clause_end, spell_out)?]);
    };
    let mut strings = Vec::new();
    let mut verifiers = Vec::new();
    for alt in alts {
        for lowered in lower_each(alt, clause_start, clause_end, spell_out)? {
            match lowered {
                Lowered::Strings(s) => strings.extend(s),
                verify => verifiers.push(verify),
            }
        }
    }
    strings.sort();
    strings.dedup();
    Ok((!strings.is_empty())
        .then_some(Lowered::Strings(strings))
        .into_iter()
        .chain(verifiers)
        .collect())
}

fn lower_as(
    parts: &[Part],
    clause_start: bool,
    clause_end: bool,
    spell_out: bool,
) -> Result<Lowered, String> {
    let spelled = expand(parts);
    if spelled
        .as_ref()
        .is_some_and(|s| s.iter().any(String::is_empty))
    {
        return Err(MATCHES_NOTHING.into());
    }
    if spell_out && !clause_start && !clause_end {
        if let Some(strings) = spelled {
            return Ok(Lowered::Strings(strings.into_iter().collect()));
        }
    }
    let mut body = String::new();
    regex_of(parts, &mut body);
    let boundary = format!("[{}\\s]", regex_class(CLAUSE_ENDS));
    // Without clause edges the whole match is the match, and the regex runs without capture
    // groups (a plain DFA search); with them, group 1 excludes the boundary character.
    let (regex, group) = if clause_start || clause_end {
        let regex = format!(
            "{}({body}){}",
            if clause_start {
                format!("(?:^|{boundary})")
            } else {
                String::new()
            },
            if clause_end {
                format!("(?:{boundary}|$)")
            } else {
                String::new()
            },
        );
        (regex, 1)
    } else {
        (body, 0)
    };
    let anchors = anchors_of(parts).map_or_else(Vec::new, |a| a.into_iter().collect());
    Ok(Lowered::Verify {
        regex,
        anchors,
        group,
    })
}

/// Every string a gap-free, entity-free pattern can match, unless there are too many.
fn expand(parts: &[Part]) -> Option<BTreeSet<String>> {
    let mut out: BTreeSet<String> = [String::new()].into();
    for part in parts {
        let options: BTreeSet<String> = match part {
            Part::Lit(s) => [s.clone()].into(),
            Part::Alt(alts) => {
                let mut all = BTreeSet::new();
                for alt in alts {
                    all.extend(expand(alt)?);
                    // Too many already: the product below would say so, after spelling out
                    // every alternative of a lexicon of hundreds.
                    if all.len() > MAX_EXPANSION {
                        return None;
                    }
                }
                all
            }
            Part::Opt(seq) => {
                let mut all = expand(seq)?;
                all.insert(String::new());
                all
            }
            Part::Gap(_) | Part::Entity(_) => return None,
        };
        if out.len() * options.len() > MAX_EXPANSION {
            return None;
        }
        out = out
            .iter()
            .flat_map(|a| options.iter().map(move |b| format!("{a}{b}")))
            .collect();
    }
    Some(out)
}

fn regex_class(chars: &str) -> String {
    chars
        .chars()
        .map(|c| regex::escape(&c.to_string()))
        .collect()
}

fn regex_of(parts: &[Part], out: &mut String) {
    for part in parts {
        match part {
            Part::Lit(s) => out.push_str(&regex::escape(s)),
            Part::Alt(alts) => {
                // Longest first: the regex takes the first alternative that matches, and the
                // evidence should be the longest phrase said.
                let mut rendered: Vec<String> = alts
                    .iter()
                    .map(|a| {
                        let mut s = String::new();
                        regex_of(a, &mut s);
                        s
                    })
                    .collect();
                rendered.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
                rendered.dedup();
                out.push_str("(?:");
                out.push_str(&rendered.join("|"));
                out.push(')');
            }
            Part::Opt(seq) => {
                out.push_str("(?:");
                regex_of(seq, out);
                out.push_str(")?");
            }
            Part::Gap(n) => {
                out.push_str(&format!("[^{}\\s]{{0,{n}}}?", regex_class(CLAUSE_ENDS)));
            }
            Part::Entity(e) => {
                out.push_str("(?:");
                out.push_str(e.regex);
                out.push(')');
            }
        }
    }
}

/// Strings one of which occurs in every match of `parts`, chosen to be as selective as
/// possible; `None` when no such set is known (a pattern made only of entities without
/// anchors).
pub(crate) fn anchors_of(parts: &[Part]) -> Option<BTreeSet<String>> {
    let mut candidates: Vec<Option<BTreeSet<String>>> = Vec::new();
    // Runs of parts with a finite spelling are anchored as a whole: `[我|我这边]是` by 我是 and
    // 我这边是, not by a lone 我 that occurs in every other sentence.
    // When the whole run spells out too many ways, its shorter stretches are candidates too:
    // `[为|帮|替|给]你[办理|查询|…]` is anchored by a stretch such as 你办理, 你查询, … (or 为你,
    // 帮你, …), not by 你 alone.
    // The run's parts, each as the strings it spells.
    let mut run: Vec<BTreeSet<String>> = Vec::new();
    let close_run = |run: &mut Vec<BTreeSet<String>>,
                     candidates: &mut Vec<Option<BTreeSet<String>>>| {
        // Each stretch of two parts or more, spelled out by extending the one before it by a
        // part: what `expand` would give for the stretch, without spelling its start again for
        // every end. A stretch only grows as it is extended, so once one is too long to be an
        // anchor set (or to spell out at all), so are all that extend it.
        for start in 0..run.len() {
            let mut spelled = run[start].clone();
            for next in &run[start + 1..] {
                if spelled.len() * next.len() > MAX_EXPANSION {
                    break;
                }
                spelled = spelled
                    .iter()
                    .flat_map(|a| next.iter().map(move |b| format!("{a}{b}")))
                    .collect();
                if spelled.len() > MAX_ANCHORS {
                    break;
                }
                if !spelled.iter().any(String::is_empty) {
                    candidates.push(Some(spelled.clone()));
                }
            }
        }
        run.clear();
    };
    for part in parts {
        let spelled = expand(std::slice::from_ref(part)).filter(|set| set.len() <= MAX_ANCHORS);
        if let Some(spelled) = spelled {
            run.push(spelled);
            // Each part alone is a candidate too, in case the run spells out too many ways.
            candidates.push(match part {
                Part::Lit(s) => Some([s.clone()].into()),
                Part::Alt(alts) => union(alts.iter().map(|a| anchors_of(a))),
                _ => None,
            });
            continue;
        }
        close_run(&mut run, &mut candidates);
        candidates.push(match part {
            Part::Alt(alts) => union(alts.iter().map(|a| anchors_of(a))),
            // An entity without anchors ({数字}) gives an empty set, which anchors nothing.
            Part::Entity(e) => Some(e.anchors.iter().map(|s| s.to_string()).collect()),
            _ => None,
        });
    }
    close_run(&mut run, &mut candidates);
    most_selective(candidates.into_iter())
}

/// At most this many strings anchor one verifier.
const MAX_ANCHORS: usize = 64;

/// Strings one of which occurs in every match of a regex, from its syntax tree: what lets a
/// `regex` term run only on the turns where the automaton found one of them.
pub(crate) fn regex_anchors(hir: &regex_syntax::hir::Hir) -> Option<BTreeSet<String>> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            Some([s.to_string()].into())
        }
        // regex-syntax merges adjacent literals (请您 is one literal, not 请 and 您), so each
        // part of a concatenation is already as long an anchor as it can be.
        HirKind::Concat(parts) => most_selective(parts.iter().map(regex_anchors)),
        HirKind::Alternation(alts) => union(alts.iter().map(regex_anchors)),
        HirKind::Capture(c) => regex_anchors(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => regex_anchors(&r.sub),
        HirKind::Repetition(_) | HirKind::Class(_) | HirKind::Look(_) | HirKind::Empty => None,
    }
}

/// Every string of every set, or `None` when one of them has none.
fn union(sets: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut all = BTreeSet::new();
    for set in sets {
        all.extend(set?);
    }
    Some(all)
}

/// Characters so common in service calls (folded: 您 is 你) that an anchor of one of them alone
/// lets its verifier run on nearly every turn; like ripgrep picking the rarest byte to search
/// for, anchor selection ranks them below any other single character.
const COMMON_CHARS: &str = "你我的了是不有这一在好吗么呢吧啊哦个们就也要说";

/// How much an anchor narrows the turns a verifier runs on: longer is rarer, and a lone common
/// character is the weakest of all.
fn rarity(s: &str) -> usize {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if COMMON_CHARS.contains(c) => 0,
        _ => s.chars().count(),
    }
}

/// Of several sets that each must occur, the one that rules out the most turns: the rarest
/// shortest string, then the fewest strings. Sets with an empty string rule out nothing.
fn most_selective(
    sets: impl Iterator<Item = Option<BTreeSet<String>>>,
) -> Option<BTreeSet<String>> {
    let score = |set: &BTreeSet<String>| {
        let weakest = set.iter().map(|s| rarity(s)).min().unwrap_or(0);
        (weakest, std::cmp::Reverse(set.len()))
    };
    let mut best: Option<BTreeSet<String>> = None;
    for set in sets.flatten() {
        if set.is_empty() || set.iter().any(String::is_empty) {
            continue;
        }
        if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
            best = Some(set);
        }
    }
    best
}

/// Gives the alternatives of a lexicon by name, or an error naming the unknown reference.
pub(crate) type Lookup<'a> =
    dyn FnMut(&str, &Range<usize>) -> Result<Vec<Vec<Part>>, PatternError> + 'a;

/// Resolves the references of a parsed pattern. `lookup` gives the alternatives of a lexicon
/// by name (already resolved), or `None` when there is no lexicon of that name.
pub(crate) fn resolve(
    nodes: &[Node],
    lookup: &mut Lookup<'_>,
    keep_nin: bool,
) -> Result<Vec<Part>, PatternError> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(match node {
            Node::Lit(s) => Part::Lit(fold_term(s, keep_nin)),
            Node::Gap(n) => Part::Gap(*n),
            Node::Alt { alts, optional } => {
                let alts = alts
                    .iter()
                    .map(|a| resolve(a, lookup, keep_nin))
                    .collect::<Result<Vec<_>, _>>()?;
                let alt = Part::Alt(alts);
                if *optional {
                    Part::Opt(vec![alt])
                } else {
                    alt
                }
            }
            Node::Ref {
                name,
                optional,
                span,
            } => {
                let part = match ENTITIES.iter().find(|e| e.name == name) {
                    Some(e) => Part::Entity(e),
                    None => Part::Alt(lookup(name, span)?),
                };
                if *optional {
                    Part::Opt(vec![part])
                } else {
                    part
                }
            }
        });
    }
    Ok(out)
}

/// The engine's fold of a pattern's text; `keep_nin` leaves 您 as it is written.
pub(crate) fn fold_term(text: &str, keep_nin: bool) -> String {
    if keep_nin {
        crate::normalize::fold_keeping_nin(text)
    } else {
        fold(text)
    }
}

/// How many parts a resolved pattern has, all alternatives counted: lexicons that include
/// each other twice over grow exponentially, and this is what bounds them.
pub(crate) fn size(parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(_) | Part::Gap(_) | Part::Entity(_) => 1,
            Part::Alt(alts) => 1 + alts.iter().map(|a| size(a)).sum::<usize>(),
            Part::Opt(seq) => 1 + size(seq),
        })
        .sum()
}

/// Every lexicon a parsed pattern names directly (not entities).
pub(crate) fn references(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Ref { name, .. } if !ENTITIES.iter().any(|e| e.name == name) => {
                out.push(name.clone())
            }
            Node::Alt { alts, .. } => alts.iter().for_each(|a| references(a, out)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_question_mark_after_a_plain_character_is_flagged() {
        // Meant as optional: 了? and 是? (the brackets are missing).
        assert_eq!(stray_question_mark("丧失了?耐心"), Some(('了', 9)));
        assert_eq!(stray_question_mark("简直是?有病"), Some(('是', 9)));
        // A full-width ？ is the same mistake.
        assert_eq!(stray_question_mark("的？评价"), Some(('的', 3)));
        // Questions as written: a particle before it, a run of them, or the optional syntax.
        for fine in [
            "好吗?",
            "在不在??",
            "没消息了??",
            "[了]?耐心",
            "你是谁?",
            "去不去?",
            "是不是?",
            "a?",
            "?开头",
        ] {
            assert_eq!(stray_question_mark(fine), None, "{fine}");
        }
    }

    use super::*;

    /// An alternation spells out up to its limit exactly: a lexicon of 256 phrases still
    /// becomes 256 strings for the automaton, one more and it is left to a verifier.
    #[test]
    fn an_alternation_spells_out_up_to_the_limit_and_no_further() {
        let words =
            |n: usize| Part::Alt((0..n).map(|i| vec![Part::Lit(format!("词{i}"))]).collect());
        assert_eq!(
            expand(&[words(MAX_EXPANSION)]).map(|s| s.len()),
            Some(MAX_EXPANSION)
        );
        assert_eq!(expand(&[words(MAX_EXPANSION + 1)]), None);
        assert_eq!(
            expand(&[Part::Lit("请".into()), words(MAX_EXPANSION)]).map(|s| s.len()),
            Some(MAX_EXPANSION)
        );
    }

    fn lowered(text: &str) -> Lowered {
        let parsed = parse(text).unwrap();
        let mut lookup = |name: &str, _: &Range<usize>| -> Result<Vec<Vec<Part>>, PatternError> {
            match name {
                "上级" => Ok(vec![
                    vec![Part::Lit("领导".into())],
                    vec![Part::Lit("主管".into())],
                ]),
                _ => Err(PatternError::at(0..0, "unknown")),
            }
        };
        let parts = resolve(&parsed.nodes, &mut lookup, false).unwrap();
        let mut lowered = lower(&parts, parsed.clause_start, parsed.clause_end).unwrap();
        assert_eq!(
            lowered.len(),
            1,
            "{text}: one alternation's parts: {lowered:?}"
        );
        lowered.remove(0)
    }

    fn strings(text: &str) -> Vec<String> {
        match lowered(text) {
            Lowered::Strings(s) => s,
            other => panic!("{text}: expected strings, got {other:?}"),
        }
    }

    fn matches(pattern: &str, text: &str) -> Option<String> {
        let Lowered::Verify { regex, group, .. } = lowered(pattern) else {
            panic!("{pattern}: expected a verifier");
        };
        let re = regex::Regex::new(&regex).unwrap();
        re.captures(&fold(text))
            .map(|c| c.get(group).unwrap().as_str().to_string())
    }

    #[test]
    fn plain_text_is_one_folded_string() {
        assert_eq!(strings("請您稍等"), ["请你稍等"]);
        assert!(is_plain("请您稍等"));
        assert!(!is_plain("还有…吗"));
    }

    #[test]
    fn alternatives_optional_parts_and_lexicons_spell_out() {
        assert_eq!(
            strings("[没办法|没法 | 没有办法]远程[处理]?"),
            [
                "没办法远程",
                "没办法远程处理",
                "没有办法远程",
                "没有办法远程处理",
                "没法远程",
                "没法远程处理"
            ]
        );
        assert_eq!(strings("找{上级}"), ["找主管", "找领导"]);
        assert_eq!(strings("a\\[b\\]"), ["a[b]"]);
        // One escaped bracket alone, and an escaped character of several bytes.
        assert_eq!(strings("工号\\[1024"), ["工号[1024"]);
        assert_eq!(strings("等\\…待"), ["等…待"]);
    }

    #[test]
    fn gaps_stay_inside_one_clause() {
        let p = "那是…{上级}…的事";
        assert_eq!(
            matches(p, "那是我们领导的事"),
            Some("那是我们领导的事".into())
        );
        assert_eq!(
            matches(p, "那是我們領導的事"),
            Some("那是我们领导的事".into())
        );
        assert_eq!(matches(p, "那是你的事,找领导的事"), None);
        assert_eq!(matches(p, "那是 领导的事"), None, "a pause ends the clause");
        // The default gap is 10 characters.
        assert_eq!(
            matches("还有…帮…你", "还有其他还可以帮到您的吗"),
            Some("还有其他还可以帮到你".into())
        );
        assert_eq!(matches("a…{2}b", "axxb"), Some("axxb".into()));
        assert_eq!(matches("a…{2}b", "axxxb"), None);
        assert_eq!(matches("a…b", &format!("a{}b", "x".repeat(11))), None);
        // An input method's ……, four dots, and a space after the gap write the same gap.
        for written in ["a……b", "a....b", "a… b", "a...  b"] {
            assert_eq!(matches(written, "axxb"), Some("axxb".into()), "{written}");
            assert_eq!(matches(written, "ax.b"), None, "{written}");
        }
    }

    #[test]
    fn a_gap_may_run_to_a_clause_edge_and_a_space_is_an_alternative() {
        assert_eq!(
            matches("我[这边]?是…{3}$", "您好,我是张敏"),
            Some("我是张敏".into())
        );
        assert_eq!(matches("我[这边]?是…{3}$", "您好,我是张敏敏敏敏"), None);
        assert_eq!(matches("^…{2}好的", "嗯嗯好的"), Some("嗯嗯好的".into()));
        assert_eq!(strings("工号[:| ]1024"), ["工号 1024", "工号:1024"]);
    }

    #[test]
    fn full_width_syntax_typed_with_an_input_method_means_the_same() {
        assert_eq!(strings("给您添［了］？麻烦"), strings("给您添[了]?麻烦"));
        assert_eq!(
            strings("［没办法｜没法］处理"),
            strings("[没办法|没法]处理")
        );
        assert_eq!(strings("找｛上级｝"), ["找主管", "找领导"]);
        // A full-width ？ after text is the text's own question mark.
        assert_eq!(strings("还有问题吗？"), ["还有问题吗?"]);
        // Spans point into the text as written.
        assert_eq!(parse("［没办法｜没法").unwrap_err().span, 0..21);
        let written = "给您添［了］？｛上级｝";
        let Some(Node::Ref { span, .. }) = parse(written).unwrap().nodes.last().cloned() else {
            panic!()
        };
        assert_eq!(&written[span], "｛上级｝");
    }

    #[test]
    fn clause_edges() {
        assert_eq!(matches("^你自己看$", "你自己看。"), Some("你自己看".into()));
        assert_eq!(
            matches("^你自己看$", "好的,您自己看"),
            Some("你自己看".into())
        );
        assert_eq!(matches("^你自己看$", "你自己看一下短信"), None);
    }

    #[test]
    fn anchors_are_the_most_selective_required_part() {
        let Lowered::Verify { anchors, .. } = lowered("那是…{上级}…的事") else {
            panic!()
        };
        // Equally long: the single string is preferred over a set.
        assert_eq!(anchors, ["那是"]);
        let Lowered::Verify { anchors, .. } = lowered("[还有|其他]…可以帮…你") else {
            panic!()
        };
        assert_eq!(anchors, ["可以帮"]);
        let Lowered::Verify { anchors, .. } = lowered("^好的$") else {
            panic!()
        };
        assert_eq!(anchors, ["好的"]);
        // A run with a finite spelling anchors as a whole, rather than by its commonest part.
        let Lowered::Verify { anchors, .. } = lowered("我[这边]?是…{3}$") else {
            panic!()
        };
        assert_eq!(anchors, ["我是", "我这边是"]);
        // A run that spells out too many ways is anchored by its most selective stretch.
        let Lowered::Verify { anchors, .. } = lowered(&format!("[为|帮|给]你[{}]…办", DEPTS))
        else {
            panic!()
        };
        assert_eq!(anchors.len(), 30, "{anchors:?}");
        assert!(anchors
            .iter()
            .all(|a| a.starts_with('你') && a.chars().count() == 3));
        // A lone common character is the last resort: 再 is rarer than 有.
        let Lowered::Verify { anchors, .. } = lowered("有…再…[打|找|问]") else {
            panic!()
        };
        assert_eq!(anchors, ["再"]);
        // An alternation between gaps anchors by all of its alternatives, an entity by its
        // units, both rather than a lone common character.
        let Lowered::Verify { anchors, .. } = lowered("我…[投诉电话|举报热线]…了")
        else {
            panic!()
        };
        assert_eq!(anchors, ["举报热线", "投诉电话"]);
        let Lowered::Verify { anchors, .. } = lowered("我…[没…办法|不能…处理]")
        else {
            panic!()
        };
        assert_eq!(anchors, ["不能", "办法"]);
        let Lowered::Verify { anchors, .. } = lowered("{时长}了") else {
            panic!()
        };
        assert!(anchors.contains(&"分钟".to_string()), "{anchors:?}");
        assert!(!anchors.contains(&"了".to_string()), "{anchors:?}");
        // An entity with no anchors is passed over, even for a lone common character.
        let Lowered::Verify { anchors, .. } = lowered("{数字}了") else {
            panic!()
        };
        assert_eq!(anchors, ["了"]);
        // The best stretch of a run may start anywhere in it, here at its fourth part: every
        // longer stretch spells out too many ways.
        let Lowered::Verify { anchors, .. } = lowered(
            "[甲|乙|丙][丁|戊|己][庚|辛|壬][子丑|寅卯|辰巳|午未|申酉|戌亥|金木|水火]\
             [退款单|退货单|换货单|补发单|维修单|投诉单|工单号|快递单]…办",
        ) else {
            panic!()
        };
        assert_eq!(anchors.len(), 64, "{anchors:?}");
        assert!(
            anchors.iter().all(|a| a.chars().count() == 5),
            "{anchors:?}"
        );
    }

    #[test]
    fn a_regex_is_anchored_by_a_string_every_match_contains() {
        let anchors = |re: &str| {
            let hir = regex_syntax::parse(re).unwrap();
            regex_anchors(&hir).map(|set| set.into_iter().collect::<Vec<_>>())
        };
        assert_eq!(anchors("请您稍等"), Some(vec!["请您稍等".into()]));
        // Of the parts every match has, the rarest: the longer alternatives, not 处理.
        assert_eq!(
            anchors("(没有办法|没办法)处理"),
            Some(vec!["没办法".into(), "没有办法".into()])
        );
        // A part that may be missing anchors nothing; one that repeats at least once does.
        assert_eq!(anchors("(帮您处理)?好"), Some(vec!["好".into()]));
        assert_eq!(anchors("(帮您处理)+好"), Some(vec!["帮您处理".into()]));
        assert_eq!(anchors("(帮您处理){2,3}好"), Some(vec!["帮您处理".into()]));
        // Equally rare parts: the first; a lone common character: never when another is there.
        assert_eq!(anchors("等了[0-9]+分钟"), Some(vec!["等了".into()]));
        assert_eq!(anchors("了[0-9]+分"), Some(vec!["分".into()]));
        assert_eq!(anchors("[0-9]+"), None);
        assert_eq!(anchors("(帮您处理)?"), None);
        assert_eq!(anchors("^$"), None);
    }

    #[test]
    fn references_name_lexicons_at_any_depth_but_not_entities() {
        let mut refs = Vec::new();
        references(
            &parse("[找{上级}|问{数字}]…{致歉}").unwrap().nodes,
            &mut refs,
        );
        assert_eq!(refs, ["上级", "致歉"]);
    }

    #[test]
    fn size_counts_every_part_of_every_alternative() {
        let size_of = |text: &str| {
            let parsed = parse(text).unwrap();
            let mut lookup = |_: &str, _: &Range<usize>| Err(PatternError::at(0..0, "none"));
            size(&resolve(&parsed.nodes, &mut lookup, false).unwrap())
        };
        assert_eq!(size_of("找领导"), 1);
        assert_eq!(size_of("找…{数字}"), 3);
        // The alternation, and its two alternatives.
        assert_eq!(size_of("找[领导|主管]"), 4);
        // The optional part, the alternation in it, and its two alternatives.
        assert_eq!(size_of("[领导|主管]?"), 4);
        assert_eq!(size_of("[[领导|主管]们|上面]"), 6);
    }

    #[test]
    fn a_pattern_that_spells_out_too_many_ways_is_verified_instead() {
        // 16 × 16 = 256 spellings are strings for the automaton; 16 × 17 are too many.
        let alts = |n: usize| {
            let chars: Vec<String> = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午"
                .chars()
                .take(n)
                .map(String::from)
                .collect();
            format!("[{}]", chars.join("|"))
        };
        assert_eq!(strings(&format!("{}{}", alts(16), alts(16))).len(), 256);
        assert!(matches!(
            lowered(&format!("{}{}", alts(16), alts(17))),
            Lowered::Verify { .. }
        ));
        // Three small alternations: few in sum, many in product.
        assert!(matches!(
            lowered(&format!("{}{}{}", alts(7), alts(7), alts(7))),
            Lowered::Verify { .. }
        ));
    }

    /// Thirty two-character alternatives: with three before them, 90 spellings, more than an
    /// anchor set may hold.
    const DEPTS: &str = "上报|修改|冻结|办理|加急|升级|协调|反馈|取消|回复|处理|备注|安排|开通|恢复|提交|查询|核实|申请|登记|联系|补发|解决|解除|记录|跟进|转交|退款|预约|催办";

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let err = |t: &str| parse(t).unwrap_err();
        assert_eq!(err("[没办法|没法").span, 0..17);
        assert_eq!(err("没办法]").span, 9..10);
        assert_eq!(err("没办法]").message, "多余的 ],前面没有对应的 [");
        assert_eq!(err("没办法}").message, "多余的 },前面没有对应的 {");
        assert!(err("a$b").message.contains("$ 只能写在末尾"));
        assert_eq!(
            err("没|法").message,
            "| 只能写在 [ ] 里面,用来分隔几个可选的说法"
        );
        assert_eq!(err("…没法").message, "… 必须写在两个部分之间");
        assert_eq!(err("没法…").message, "… 必须写在两个部分之间");
        assert!(err("a…{99}b").message.contains("1 到 40"));
        assert!(err("a{12}b").message.contains("只能紧跟在 … 后面"));
        assert_eq!(err("a{12}b").span, 1..5);
        assert_eq!(err("a…{0}b").span, 4..7);
        assert!(err("^[…好的]").message.contains("两个部分之间"));
        assert_eq!(err("a{ }b").span, 1..4);
        assert!(err("a{ }b").message.contains("缺少词库或实体的名字"));
        assert_eq!(err("没法\\").span, 6..7);
        assert!(err("a{上级").message.contains("没有闭合"));
        assert!(err("a^b").message.contains("^ 只能写在开头"));
        assert_eq!(err("[]").message, "[ ] 里没有内容");
        assert!(err("[没办法||没法]处理").message.contains("空的说法"));
        assert!(
            err("a…[b]?").message.contains("两个部分之间"),
            "a trailing gap"
        );
        // The span of a trailing gap is the gap, on character boundaries.
        assert_eq!(err("没法…").span, 6..9);
        assert!(err(&"[".repeat(40)).message.contains("嵌套超过"));
        // Sixteen levels are allowed; the seventeenth bracket is the one pointed at.
        let nested = |n: usize| format!("{}a{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(err(&nested(MAX_DEPTH + 1)).span, 16..17);
    }

    #[test]
    fn an_all_optional_pattern_is_refused() {
        let parsed = parse("[的]?").unwrap();
        let mut none =
            |_: &str, _: &Range<usize>| -> Result<Vec<Vec<Part>>, PatternError> { unreachable!() };
        let parts = resolve(&parsed.nodes, &mut none, false).unwrap();
        assert!(lower(&parts, false, false).is_err());
    }
}
