//! Lexicons (词库): named term lists shared by rules → the alternatives a `{名}` stands for.
//!
//! In: every `lexicons/*.toml` file of a rule set:
//!
//! ```toml
//! name = "上级"
//! description = "坐席把问题推给的上级:领导、主管、经理……"
//! include = ["后台部门"]          # optional: other lexicons whose terms count too
//! sound_alike = true              # optional: a phrase that names it also matches by sound
//! terms = ["领导", "主管", "经理", "上面", "上头"]
//!
//! [examples]                      # optional: what `zhijian test` checks the terms against
//! hit = ["这个得问我们领导"]       # each must be found by some term
//! pass = ["我上面说的那个号码"]    # none may be
//! ```
//!
//! Out: a [`Lexicons`] table that resolves a name to its terms as patterns (a term may itself
//! use pattern syntax and other lexicons), with every problem — a duplicate name, an unknown
//! or cyclic reference, a term that does not parse — reported at its place in the file.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::entity::ENTITIES;
use super::pattern::{self, Node, Part, PatternError};
use super::schema::{Saying, SayingsSpec};
use super::{RuleError, RuleSource};

/// The most parts a lexicon may resolve to (a few thousand terms with their alternatives).
const MAX_PARTS: usize = 100_000;

/// The directory of a rule set that holds lexicon files.
pub const LEXICON_DIR: &str = "lexicons/";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    name: Spanned<String>,
    description: String,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    sound_alike: bool,
    #[serde(default)]
    examples: SayingsSpec,
}

/// One lexicon, as its file declares it.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub name: String,
    pub description: String,
    /// Where it came from, relative to the rule set's root.
    pub path: String,
    /// The terms as written, in file order.
    pub terms: Vec<String>,
    /// The lexicons it includes, by name.
    pub include: Vec<String>,
    /// A phrase that names it also matches by sound (听音匹配): its words are the ones a
    /// recogniser mishears.
    pub sound_alike: bool,
    /// Its `[examples]`, `hit` ones first.
    pub examples: Vec<Saying>,
}

struct Entry {
    lexicon: Lexicon,
    text: Arc<str>,
    name_span: Range<usize>,
    /// Each term parsed, with its span in the file.
    parsed: Vec<(Vec<Node>, Range<usize>)>,
    include_spans: Vec<Range<usize>>,
}

/// Every lexicon of a rule set, resolved on demand and remembered.
pub(crate) struct Lexicons {
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    /// Resolved alternatives by (lexicon, whether 您 is kept apart from 你).
    resolved: HashMap<(usize, bool), Vec<Vec<Part>>>,
}

impl Lexicons {
    /// Reads every lexicon file among `sources`, reporting syntax problems into `errors`.
    pub(crate) fn read(sources: &[RuleSource], errors: &mut Vec<RuleError>) -> Lexicons {
        let mut entries: Vec<Entry> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for src in sources.iter().filter(|s| is_lexicon_file(&s.path)) {
            let text: Arc<str> = src.text.as_str().into();
            let file: LexiconFile = match super::explain::parse_all(&src.path, &text) {
                Ok(f) => f,
                Err(problems) => {
                    errors.extend(problems);
                    continue;
                }
            };
            let at = |span: Range<usize>, message: String| {
                RuleError::new(&src.path, &text, Some(span), message)
            };
            let name = file.name.get_ref().trim().to_string();
            let bad_name = name.is_empty()
                || name.chars().all(|c| c.is_ascii_digit())
                || name.contains(['{', '}', '[', ']', '|', '…', '\\', ' ']);
            if bad_name {
                errors.push(
                    at(
                        file.name.span(),
                        format!("词库名 \"{name}\" 不能为空、纯数字或含有 {{}}[]|… 等符号"),
                    )
                    .with_help("词库名就是规则里 {…} 中写的名字,例如 name = \"上级\""),
                );
                continue;
            }
            if ENTITIES.iter().any(|e| e.name == name) {
                errors.push(
                    at(
                        file.name.span(),
                        format!("词库名 \"{name}\" 与内置实体同名"),
                    )
                    .with_help("内置实体: 数字、时长、时间点、工号、金额;请换一个名字"),
                );
                continue;
            }
            if let Some(&other) = by_name.get(&name) {
                errors.push(at(
                    file.name.span(),
                    format!(
                        "词库名 \"{name}\" 重复,已在 {} 中使用",
                        entries[other].lexicon.path
                    ),
                ));
                continue;
            }
            if file.terms.is_empty() && file.include.is_empty() {
                errors.push(at(
                    file.name.span(),
                    format!("词库 \"{name}\" 没有任何词 (terms 和 include 都为空)"),
                ));
            }
            let mut parsed = Vec::new();
            let mut seen: HashMap<String, Range<usize>> = HashMap::new();
            for term in &file.terms {
                let raw = term.get_ref().trim();
                let offset = super::terms::inner_offset(&src.text, term);
                match pattern::parse(raw) {
                    Ok(p) if p.clause_start || p.clause_end => errors.push(at(
                        term.span(),
                        "词库里的词不能用 ^ 或 $;分句边界请写在规则的短语里".into(),
                    )),
                    Ok(p) => {
                        if let Some((c, _)) = pattern::stray_question_mark(raw) {
                            let (message, help) = stray_question(raw, c);
                            errors.push(at(term.span(), message).with_help(&help).warning());
                        }
                        let key = crate::normalize::fold(raw);
                        if seen.insert(key, term.span()).is_some() {
                            errors.push(
                                at(
                                    term.span(),
                                    format!(
                                        "\"{raw}\" 在词库中重复出现 (繁简、全半角、你/您视为相同)"
                                    ),
                                )
                                .warning(),
                            );
                        }
                        parsed.push((p.nodes, term.span()));
                    }
                    Err(e) => errors.push(pattern_error(&src.path, &text, offset, term.span(), e)),
                }
            }
            by_name.insert(name.clone(), entries.len());
            entries.push(Entry {
                lexicon: Lexicon {
                    name,
                    description: file.description,
                    path: src.path.clone(),
                    terms: file
                        .terms
                        .iter()
                        .map(|t| t.get_ref().trim().to_string())
                        .collect(),
                    include: file
                        .include
                        .iter()
                        .map(|i| i.get_ref().trim().to_string())
                        .collect(),
                    sound_alike: file.sound_alike,
                    examples: file.examples.sayings(),
                },
                text,
                name_span: file.name.span(),
                parsed,
                include_spans: file.include.iter().map(Spanned::span).collect(),
            });
        }
        let mut table = Lexicons {
            entries,
            by_name,
            resolved: HashMap::new(),
        };
        // Resolve each lexicon once so that its own problems are reported in its own file,
        // whether or not a rule uses it.
        for i in 0..table.entries.len() {
            let mut stack = Vec::new();
            table.resolve(i, false, &mut stack, errors);
        }
        table
    }

    /// Whether lexicon `name` asks to be matched by sound.
    pub(crate) fn sound_alike(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|&i| self.entries[i].lexicon.sound_alike)
    }

    pub(crate) fn list(&self) -> Vec<Lexicon> {
        self.entries.iter().map(|e| e.lexicon.clone()).collect()
    }

    /// The alternatives `{name}` stands for, or `None` when there is no such lexicon.
    pub(crate) fn get(&mut self, name: &str, keep_nin: bool) -> Option<Vec<Vec<Part>>> {
        let &i = self.by_name.get(name)?;
        let mut ignored = Vec::new();
        Some(self.resolve(i, keep_nin, &mut Vec::new(), &mut ignored))
    }

    /// Strings one of which occurs, folded, in every text the pattern `text` matches, its
    /// references resolved; `None` when that is not known (it does not parse, names an unknown
    /// lexicon, or is made only of entities with no fixed part). What lets `--coverage` see
    /// that a term cannot have matched anything without compiling a rule set without it.
    pub(crate) fn anchors(&mut self, text: &str) -> Option<std::collections::BTreeSet<String>> {
        let parsed = pattern::parse(text).ok()?;
        let mut lookup = |name: &str, _: &Range<usize>| -> Result<Vec<Vec<Part>>, PatternError> {
            self.get(name, false).ok_or_else(|| PatternError {
                span: 0..0,
                message: String::new(),
                help: None,
            })
        };
        let parts = pattern::resolve(&parsed.nodes, &mut lookup, false).ok()?;
        pattern::anchors_of(&parts)
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .entries
            .iter()
            .map(|e| e.lexicon.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Every lexicon `name` includes or names in its terms, itself excluded, transitively.
    pub(crate) fn reaches(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            let Some(&i) = self.by_name.get(&n) else {
                continue;
            };
            let e = &self.entries[i];
            let mut direct = e.lexicon.include.clone();
            for (nodes, _) in &e.parsed {
                pattern::references(nodes, &mut direct);
            }
            for d in direct {
                if d != name && !out.contains(&d) {
                    out.push(d.clone());
                    todo.push(d);
                }
            }
        }
        out.sort();
        out
    }

    fn resolve(
        &mut self,
        i: usize,
        keep_nin: bool,
        stack: &mut Vec<usize>,
        errors: &mut Vec<RuleError>,
    ) -> Vec<Vec<Part>> {
        if let Some(done) = self.resolved.get(&(i, keep_nin)) {
            return done.clone();
        }
        if stack.contains(&i) {
            return Vec::new();
        }
        stack.push(i);
        let mut alts = Vec::new();
        let entry_path = self.entries[i].lexicon.path.clone();
        let text = self.entries[i].text.clone();
        let includes: Vec<(String, Range<usize>)> = self.entries[i]
            .lexicon
            .include
            .iter()
            .cloned()
            .zip(self.entries[i].include_spans.iter().cloned())
            .collect();
        for (name, span) in includes {
            match self.by_name.get(&name).copied() {
                Some(j) if stack.contains(&j) => {
                    errors.push(cycle(&entry_path, &text, span, self.cycle_names(stack, j)))
                }
                Some(j) => alts.extend(self.resolve(j, keep_nin, stack, errors)),
                None => errors.push(unknown(&entry_path, &text, span, &name, &self.names())),
            }
        }
        let parsed: Vec<(Vec<Node>, Range<usize>)> = self.entries[i].parsed.clone();
        for (nodes, span) in parsed {
            let mut lookup = |name: &str,
                              _: &Range<usize>|
             -> Result<Vec<Vec<Part>>, PatternError> {
                match self.by_name.get(name).copied() {
                    Some(j) if stack.contains(&j) => Err(PatternError {
                        span: 0..0,
                        message: format!("词库之间的引用形成循环: {}", self.cycle_names(stack, j)),
                        help: None,
                    }),
                    Some(j) => Ok(self.resolve(j, keep_nin, stack, errors)),
                    None => Err(PatternError {
                        span: 0..0,
                        message: format!("没有名为 \"{name}\" 的词库或实体"),
                        help: Some(known_names(&self.names())),
                    }),
                }
            };
            match pattern::resolve(&nodes, &mut lookup, keep_nin) {
                Ok(parts) => alts.push(parts),
                Err(e) => {
                    let mut err = RuleError::new(&entry_path, &text, Some(span), e.message);
                    err.help = e.help;
                    errors.push(err);
                }
            }
        }
        stack.pop();
        let parts: usize = alts.iter().map(|a| pattern::size(a)).sum();
        if parts > MAX_PARTS {
            errors.push(
                RuleError::new(
                    &entry_path,
                    &text,
                    Some(self.entries[i].name_span.clone()),
                    format!("词库展开后有 {parts} 个部分,超过 {MAX_PARTS} 的上限"),
                )
                .with_help("多半是词库之间互相包含了好几层;把共用的词直接写进一个词库"),
            );
            alts = Vec::new();
        }
        self.resolved.insert((i, keep_nin), alts.clone());
        alts
    }

    fn cycle_names(&self, stack: &[usize], back_to: usize) -> String {
        let from = stack.iter().position(|&s| s == back_to).unwrap_or(0);
        stack[from..]
            .iter()
            .chain([&back_to])
            .map(|&s| self.entries[s].lexicon.name.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

pub(crate) fn is_lexicon_file(path: &str) -> bool {
    path.starts_with(LEXICON_DIR) && path.ends_with(".toml")
}

/// The names a `{…}` may hold, for a help line.
pub(crate) fn known_names(lexicons: &[&str]) -> String {
    let entities: Vec<&str> = ENTITIES.iter().map(|e| e.name).collect();
    if lexicons.is_empty() {
        format!(
            "内置实体: {};词库放在 rules/lexicons/ 中",
            entities.join("、")
        )
    } else {
        format!(
            "内置实体: {};词库: {}",
            entities.join("、"),
            lexicons.join("、")
        )
    }
}

fn unknown(
    path: &str,
    text: &Arc<str>,
    span: Range<usize>,
    name: &str,
    names: &[&str],
) -> RuleError {
    RuleError::new(
        path,
        text,
        Some(span),
        format!("没有名为 \"{name}\" 的词库"),
    )
    .with_help(known_names(names))
}

fn cycle(path: &str, text: &Arc<str>, span: Range<usize>, names: String) -> RuleError {
    RuleError::new(
        path,
        text,
        Some(span),
        format!("词库之间的引用形成循环: {names}"),
    )
    .with_help("一个词库不能 (间接) 包含它自己")
}

/// A pattern's syntax error at its place in the file: `offset` is where the pattern's text
/// starts in the file when it is written without escapes, else the error covers the string.
pub(crate) fn pattern_error(
    path: &str,
    text: &Arc<str>,
    offset: Option<usize>,
    whole: Range<usize>,
    e: PatternError,
) -> RuleError {
    let span = match offset {
        Some(o) if e.span.end > e.span.start => o + e.span.start..o + e.span.end,
        _ => whole,
    };
    let mut err = RuleError::new(path, text, Some(span), e.message);
    err.help = e.help;
    err
}
/// What to say of a [`pattern::stray_question_mark`] in `term`, and the fix; shared by lexicons
/// and rule files.
pub(super) fn stray_question(term: &str, c: char) -> (String, String) {
    (
        format!("\"{term}\" 里“{c}”后面的 ? 是字面的问号,只匹配真打了问号的地方"),
        format!("想让“{c}”可有可无,写成 [{c}]?"),
    )
}
