//! Compile: rule sources → [`RuleSet`], checking everything a rule author can get wrong.
//!
//! In: the text of every rule file, `scoring.toml` and `dictionary.txt`. Out: the compiled
//! rule set, or every problem found (not just the first), each with its file and span.
//!
//! Phrases, words and exclusions of all rules go into one aho-corasick automaton, so a turn is
//! scanned once whatever the number of rules; the same phrase used by several rules is one
//! pattern with several owners. Regexes are compiled with a size limit so that a hostile or
//! careless pattern is an error instead of a memory blow-up.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder};
use toml::Spanned;

use super::explain::toml_error;
use super::lexicon::{self, Lexicons};
use super::pattern::{self, Lowered, Part, PatternError};
use super::schema::{Expect, RuleFile, Terms};
use super::scoring::compile_scoring;
use super::{
    Check, Condition, Group, Rule, RuleError, RuleErrors, RuleRef, RuleSet, RuleSource, Scoring,
    Severity, TermKind, Verifier,
};
use crate::channel::Channel;
use crate::normalize::fold;
use crate::segment::{parse_user_dictionary, Segmenter};

const SCORING_FILE: &str = "scoring.toml";
const DICTIONARY_FILE: &str = "dictionary.txt";
/// Bounds the memory one regex may take when compiled (and its lazy DFA at run time).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub(super) fn compile(sources: &[RuleSource]) -> Result<RuleSet, RuleErrors> {
    let mut errors = Vec::new();
    let scoring = match sources.iter().find(|s| s.path == SCORING_FILE) {
        Some(src) => compile_scoring(src).map_err(|e| errors.push(e)).ok(),
        None => {
            errors.push(RuleError::new(
                SCORING_FILE,
                &Arc::from(""),
                None,
                "规则目录中缺少评分标准文件 scoring.toml",
            ));
            None
        }
    };
    let user_words = match sources.iter().find(|s| s.path == DICTIONARY_FILE) {
        Some(src) => parse_user_dictionary(&src.text).unwrap_or_else(|(line, message)| {
            let text: Arc<str> = src.text.as_str().into();
            let start = line_start(&src.text, line);
            errors.push(RuleError::new(
                &src.path,
                &text,
                Some(start..start),
                message,
            ));
            Vec::new()
        }),
        None => Vec::new(),
    };

    let mut lexicon_problems = Vec::new();
    let lexicons = Lexicons::read(sources, &mut lexicon_problems);
    let (lexicon_warnings, mut lexicon_errors): (Vec<RuleError>, Vec<RuleError>) = lexicon_problems
        .into_iter()
        .partition(|e| e.severity == Severity::Warning);
    errors.append(&mut lexicon_errors);
    let mut builder = Builder {
        patterns: Vec::new(),
        index: HashMap::new(),
        owners: Vec::new(),
        conditions: Vec::new(),
        verifiers: Vec::new(),
        verifier_ids: HashMap::new(),
        lowered: HashMap::new(),
        lexicons,
    };
    let mut rules: Vec<Rule> = Vec::new();
    let mut warnings = lexicon_warnings;
    let mut word_checks = Vec::new();
    // Every id a file declared, compiled or not, so that a reference to a broken rule is not
    // also reported as a reference to a missing one.
    let mut declared: HashMap<String, String> = HashMap::new();
    let rule_files = sources.iter().filter(|s| {
        s.path.ends_with(".toml") && s.path != SCORING_FILE && !lexicon::is_lexicon_file(&s.path)
    });
    for src in rule_files {
        let mut compiled = compile_rule(src, scoring.as_ref(), &mut builder);
        errors.append(&mut compiled.errors);
        warnings.append(&mut compiled.warnings);
        word_checks.append(&mut compiled.word_checks);
        if let Some(id) = &compiled.id {
            if let Some(other) = declared.get(id) {
                if let Some(rule) = &compiled.rule {
                    let text: Arc<str> = src.text.as_str().into();
                    errors.push(
                        RuleError::new(
                            &src.path,
                            &text,
                            Some(rule.id_span.clone()),
                            format!("规则编号 {id} 重复,已在 {other} 中使用"),
                        )
                        .for_rule(id),
                    );
                }
                continue;
            }
            declared.insert(id.clone(), src.path.clone());
        }
        if let Some(rule) = compiled.rule {
            rules.push(rule);
        }
    }
    if declared.is_empty() && errors.is_empty() {
        errors.push(RuleError::new(
            ".",
            &Arc::from(""),
            None,
            "规则目录中没有任何规则文件 (*.toml)",
        ));
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let order = link(&mut rules, &declared, sources, &mut errors);
    share_identical_conditions(&mut builder, &mut rules);
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&builder.patterns);
    let automaton = match automaton {
        Ok(a) => a,
        Err(e) => {
            errors.push(RuleError::new(
                ".",
                &Arc::from(""),
                None,
                format!("短语自动机构建失败: {e}"),
            ));
            return Err(RuleErrors(errors));
        }
    };
    let mut lexicon_list = builder.lexicons.list();
    lexicon_list.sort_by(|a, b| a.name.cmp(&b.name));
    let lexicon_reach = lexicon_list
        .iter()
        .map(|l| (l.name.clone(), builder.lexicons.reaches(&l.name)))
        .collect();
    match scoring {
        Some(scoring) if errors.is_empty() => Ok(RuleSet {
            rules,
            scoring,
            warnings,
            order,
            word_checks,
            conditions: builder.conditions,
            verifiers: builder.verifiers,
            lexicons: lexicon_list,
            lexicon_reach,
            automaton,
            owners: builder.owners,
            segmenter: Segmenter::new(user_words),
            version: fingerprint(sources),
        }),
        _ => Err(RuleErrors(errors)),
    }
}

/// Makes conditions that look for exactly the same thing one condition, evaluated once per
/// turn for every rule that uses it: a trigger shared by several rules, or a rule set that
/// repeats a condition, costs what one condition costs.
fn share_identical_conditions(b: &mut Builder, rules: &mut [Rule]) {
    // What a condition is: the automaton patterns it owns and how, its unanchored verifiers
    // and its clause context.
    let mut owned: Vec<Vec<(usize, TermKind)>> = vec![Vec::new(); b.conditions.len()];
    for (pattern, owners) in b.owners.iter().enumerate() {
        for &(cond, kind) in owners {
            owned[cond].push((pattern, kind));
        }
    }
    let mut canonical: HashMap<String, usize> = HashMap::new();
    let mut map: Vec<usize> = (0..b.conditions.len()).collect();
    for (cond, c) in b.conditions.iter().enumerate() {
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}",
            owned[cond], c.unanchored, c.when, c.unless
        );
        map[cond] = *canonical.entry(key).or_insert(cond);
    }
    if map.iter().enumerate().all(|(i, &m)| i == m) {
        return;
    }
    for owners in &mut b.owners {
        owners.retain(|&(cond, _)| map[cond] == cond);
    }
    for rule in rules {
        for cond in rule.check.conds_mut() {
            *cond = map[*cond];
        }
    }
}

/// Resolves every rule reference to an index and returns an evaluation order in which each
/// rule comes after the rules it refers to; a missing rule or a cycle is an error at the
/// reference.
fn link(
    rules: &mut [Rule],
    declared: &HashMap<String, String>,
    sources: &[RuleSource],
    errors: &mut Vec<RuleError>,
) -> Vec<usize> {
    let index: HashMap<String, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let at = |rule: &Rule, span: Range<usize>, message: String| {
        let text: Arc<str> = sources
            .iter()
            .find(|s| s.path == rule.path)
            .map_or("", |s| s.text.as_str())
            .into();
        RuleError::new(&rule.path, &text, Some(span), message).for_rule(&rule.id)
    };
    // (referenced rule, where) for each rule.
    let mut deps: Vec<Vec<(usize, Range<usize>)>> = Vec::with_capacity(rules.len());
    for rule in rules.iter_mut() {
        let mut mine = Vec::new();
        let mut missing = Vec::new();
        for r in rule.check.refs_mut() {
            match index.get(&r.id) {
                Some(&i) => {
                    r.index = i;
                    mine.push((i, r.span.clone()));
                    rule.uses.push(r.id.clone());
                }
                None if declared.contains_key(&r.id) => {}
                None => missing.push((r.id.clone(), r.span.clone())),
            }
        }
        for (id, span) in missing {
            let mut e = at(rule, span, format!("引用了不存在的规则 {id}"));
            e.help = Some("rule 的值应是另一条规则的 id,如 \"EMP001\"".into());
            errors.push(e);
        }
        deps.push(mine);
    }

    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Visiting,
        Done,
    }
    struct Walk<'a> {
        deps: &'a [Vec<(usize, Range<usize>)>],
        state: Vec<State>,
        path: Vec<usize>,
        order: Vec<usize>,
        /// (rule, span of its reference, the cycle as rule indices)
        cycles: Vec<(usize, Range<usize>, Vec<usize>)>,
    }
    impl Walk<'_> {
        fn visit(&mut self, i: usize) {
            self.state[i] = State::Visiting;
            self.path.push(i);
            for (j, span) in &self.deps[i] {
                match self.state[*j] {
                    State::New => self.visit(*j),
                    State::Visiting => {
                        let from = self.path.iter().position(|&p| p == *j).unwrap_or(0);
                        let mut cycle = self.path[from..].to_vec();
                        cycle.push(*j);
                        self.cycles.push((i, span.clone(), cycle));
                    }
                    State::Done => {}
                }
            }
            self.path.pop();
            self.state[i] = State::Done;
            self.order.push(i);
        }
    }
    let mut walk = Walk {
        deps: &deps,
        state: vec![State::New; rules.len()],
        path: Vec::new(),
        order: Vec::with_capacity(rules.len()),
        cycles: Vec::new(),
    };
    for i in 0..rules.len() {
        if walk.state[i] == State::New {
            walk.visit(i);
        }
    }
    for (i, span, cycle) in walk.cycles {
        let names: Vec<&str> = cycle.iter().map(|&c| rules[c].id.as_str()).collect();
        let mut e = at(
            &rules[i],
            span,
            format!("规则之间的引用形成循环: {}", names.join(" → ")),
        );
        e.help = Some("规则只能引用不 (间接) 引用它自己的规则".into());
        errors.push(e);
    }
    walk.order
}

/// A short, stable name for the exact rule files of a set (FNV-1a over every path and text, in
/// path order): graded results say which rules produced them, and a verdict on a hit can be
/// matched with the rules it was made under.
fn fingerprint(sources: &[RuleSource]) -> String {
    let mut sorted: Vec<&RuleSource> = sources.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for src in sorted {
        for byte in src
            .path
            .bytes()
            .chain([0])
            .chain(src.text.bytes())
            .chain([0])
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// Collects the patterns of every condition into one automaton's pattern list.
pub(super) struct Builder {
    patterns: Vec<String>,
    index: HashMap<String, usize>,
    owners: Vec<Vec<(usize, TermKind)>>,
    conditions: Vec<Condition>,
    verifiers: Vec<Verifier>,
    /// Each verifier by (regex, strict_nin, group), so that the same one is compiled once.
    verifier_ids: HashMap<(String, bool, usize), usize>,
    /// Each pattern already compiled, by (text as written, strict_nin), with the lexicons it
    /// names.
    lowered: HashMap<(String, bool), (Vec<Lowered>, Vec<String>)>,
    lexicons: Lexicons,
}

impl Builder {
    /// Adds a verifier of condition `cond`, found through `anchors`, or run on every turn when
    /// there are none.
    fn add_verifier(
        &mut self,
        verifier: Verifier,
        anchors: Vec<String>,
        cond: usize,
        exclude: bool,
    ) {
        // The same pattern in several rules (a shared lexicon, a copied phrase) is one
        // verifier, run once per turn whatever the number of rules that use it.
        let key = (
            verifier.regex.as_str().to_string(),
            verifier.strict_nin,
            verifier.group,
        );
        let v = match self.verifier_ids.get(&key) {
            Some(&v) => v,
            None => {
                self.verifiers.push(verifier);
                self.verifier_ids.insert(key, self.verifiers.len() - 1);
                self.verifiers.len() - 1
            }
        };
        self.use_verifier(v, anchors, cond, exclude);
    }

    /// Makes verifier `v` part of condition `cond`.
    fn use_verifier(&mut self, v: usize, anchors: Vec<String>, cond: usize, exclude: bool) {
        if anchors.is_empty() && !self.conditions[cond].unanchored.contains(&(v, exclude)) {
            self.conditions[cond].unanchored.push((v, exclude));
        }
        for anchor in anchors {
            // Anchors are found by the automaton, which always folds 您 to 你.
            self.add_pattern(
                fold(&anchor),
                cond,
                TermKind::Anchor {
                    verifier: v,
                    exclude,
                },
            );
        }
    }

    fn add_pattern(&mut self, pattern: String, cond: usize, kind: TermKind) {
        let id = *self.index.entry(pattern.clone()).or_insert_with(|| {
            self.patterns.push(pattern);
            self.owners.push(Vec::new());
            self.patterns.len() - 1
        });
        if !self.owners[id].contains(&(cond, kind)) {
            self.owners[id].push((cond, kind));
        }
    }
}

/// Reports problems of one rule file against its path and text.
pub(super) struct FileContext<'a> {
    path: &'a str,
    text: Arc<str>,
    id: Option<String>,
    pub(super) errors: Vec<RuleError>,
    warnings: Vec<RuleError>,
    /// `words` terms with a warning to give if jieba does not keep them whole; checked by
    /// [`RuleSet::lint_words`] so that compiling does not load the jieba dictionary.
    word_checks: Vec<(String, RuleError)>,
    /// Lexicons the rule's phrases name.
    lexicons: Vec<String>,
}

impl FileContext<'_> {
    fn problem(&self, span: Option<Range<usize>>, message: impl Into<String>) -> RuleError {
        let e = RuleError::new(self.path, &self.text, span, message);
        match &self.id {
            Some(id) => e.for_rule(id),
            None => e,
        }
    }

    pub(super) fn error(
        &mut self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> &mut RuleError {
        let e = self.problem(span, message);
        self.errors.push(e);
        self.errors.last_mut().unwrap()
    }

    pub(super) fn warn(
        &mut self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> &mut RuleError {
        let e = self.problem(span, message).warning();
        self.warnings.push(e);
        self.warnings.last_mut().unwrap()
    }

    /// A reference to another rule, resolved once every rule is compiled.
    pub(super) fn rule_ref(&mut self, id: &Spanned<String>) -> RuleRef {
        RuleRef {
            id: id.get_ref().trim().to_string(),
            span: id.span(),
            index: usize::MAX,
        }
    }

    /// A `regex` term, compiled, with the strings one of which occurs in each of its matches.
    fn regex(
        &mut self,
        pattern: &Spanned<String>,
        strict_nin: bool,
    ) -> Option<(Regex, Vec<String>)> {
        // Regexes run on the folded view; Simplifying the pattern's own characters (and 您 to
        // 你, unless the condition keeps them apart) lets an author write either. Nothing else
        // is folded, so `\D` stays `\D`.
        let simplified = fast2s::convert(pattern.get_ref());
        let folded = if strict_nin {
            simplified
        } else {
            simplified.replace('您', "你")
        };
        let built = RegexBuilder::new(&folded)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build();
        match built {
            // An empty match is a hit with no words on every turn (`(您好)?`, `a*`).
            Ok(r) if r.is_match("") => {
                self.error(
                    Some(pattern.span()),
                    "正则表达式能匹配空字符串,会在每一句话上命中",
                )
                .help = Some("去掉让整个表达式可以为空的 ? 或 *,例如把 (您好)? 写成 您好".into());
                None
            }
            Ok(r) => {
                let anchors = regex_syntax::ParserBuilder::new()
                    .case_insensitive(true)
                    .build()
                    .parse(&folded)
                    .ok()
                    .and_then(|hir| pattern::regex_anchors(&hir))
                    .map_or_else(Vec::new, |a| a.into_iter().collect());
                Some((r, anchors))
            }
            Err(regex::Error::CompiledTooBig(limit)) => {
                self.error(
                    Some(pattern.span()),
                    format!("正则表达式编译后超过 {limit} 字节的上限"),
                )
                .help = Some("拆成几条较短的正则,或改用 phrases 短语列表".into());
                None
            }
            Err(e) => {
                // regex's syntax errors are a multi-line picture of the pattern whose last
                // line says what is wrong; the span already shows the pattern.
                let text = e.to_string();
                let reason = text
                    .lines()
                    .rev()
                    .find_map(|l| l.trim().strip_prefix("error:"))
                    .unwrap_or(&text)
                    .trim()
                    .to_string();
                self.error(
                    Some(pattern.span()),
                    format!("正则表达式无法编译: {reason}"),
                )
                .help = Some("正则语法见 https://docs.rs/regex/latest/regex/#syntax".into());
                None
            }
        }
    }

    /// Adds a condition's terms to the builder and returns its id.
    pub(super) fn condition(
        &mut self,
        terms: Terms<'_>,
        span: Range<usize>,
        b: &mut Builder,
    ) -> usize {
        let cond = b.conditions.len();
        b.conditions.push(Condition::default());
        // A lexicon may hold the 您 (`{问候}`), so only a condition that names none is checked.
        if terms.strict_nin
            && !terms
                .phrases
                .iter()
                .chain(terms.exclude)
                .any(|t| t.get_ref().contains(['您', '{']))
        {
            self.warn(
                Some(span.clone()),
                "strict_nin = true,但短语里没有“您”,这个设置不起作用",
            );
        }
        if terms.phrases.is_empty() && terms.words.is_empty() && terms.regex.is_empty() {
            self.error(Some(span.clone()), "条件没有任何可匹配的内容")
                .help =
                Some("至少写一项 phrases (短语)、words (分词后的词) 或 regex (正则)".into());
        }
        let lists = [
            (terms.phrases, TermKind::Phrase),
            (terms.words, TermKind::Word),
            (terms.exclude, TermKind::Exclude),
        ];
        let mut seen: HashMap<String, TermKind> = HashMap::new();
        for (list, kind) in lists {
            for term in list {
                let written = term.get_ref().trim();
                // Compared as they are matched: 帳單 and 账单 are the same term, and so are 你
                // and 您 unless the condition keeps them apart.
                let folded = pattern::fold_term(written, terms.strict_nin);
                if folded.is_empty() {
                    self.error(Some(term.span()), "短语为空字符串");
                    continue;
                }
                if let Some(&earlier) = seen.get(&folded) {
                    let message = if earlier == kind {
                        format!("\"{written}\" 在同一列表中重复出现 (繁简、全半角、你/您视为相同)")
                    } else if kind == TermKind::Exclude {
                        format!("\"{written}\" 既是要找的词又被 exclude 排除,永远不会命中")
                    } else {
                        format!("\"{written}\" 同时写在 phrases 和 words 中,phrases 已涵盖 words")
                    };
                    self.warn(Some(term.span()), message);
                } else {
                    seen.insert(folded.clone(), kind);
                }
                if kind == TermKind::Word && terms.strict_nin && written.contains('您') {
                    self.error(
                        Some(term.span()),
                        "words 不区分“你”和“您”,strict_nin 对它不起作用",
                    )
                    .help = Some("要区分“您”,请把这个词写在 phrases 里".into());
                    continue;
                }
                if kind == TermKind::Word {
                    if !pattern::is_plain(written) {
                        self.error(
                            Some(term.span()),
                            "words 只能写一个词,不能用 […]、{…}、… 等写法",
                        )
                        .help = Some("要用这些写法,请写在 phrases 里".into());
                        continue;
                    }
                    let w = self.problem(Some(term.span()), String::new()).warning();
                    self.word_checks.push((folded.clone(), w));
                    b.add_pattern(folded, cond, kind);
                    continue;
                }
                let exclude = kind == TermKind::Exclude;
                if pattern::is_plain(written) && !terms.strict_nin {
                    b.add_pattern(folded, cond, kind);
                    continue;
                }
                self.pattern(term, cond, kind, exclude, terms.strict_nin, b);
            }
        }
        for (list, exclude) in [(terms.regex, false), (terms.exclude_regex, true)] {
            for pattern in list {
                let Some((regex, anchors)) = self.regex(pattern, terms.strict_nin) else {
                    continue;
                };
                b.add_verifier(
                    Verifier {
                        regex,
                        strict_nin: terms.strict_nin,
                        group: 0,
                    },
                    anchors,
                    cond,
                    exclude,
                );
            }
        }
        b.conditions[cond].when = terms.when.to_vec();
        b.conditions[cond].unless = terms.unless.to_vec();
        if let Some(c) = terms.when.iter().find(|c| terms.unless.contains(c)) {
            self.error(
                Some(span.clone()),
                format!("“{}”同时写在 when 和 unless 里,永远不会命中", c.name()),
            );
        }
        cond
    }

    /// Adds one `phrases` or `exclude` entry written in pattern syntax: spelled out into the
    /// automaton when it can be, else a verifier anchored on its most selective part.
    fn pattern(
        &mut self,
        term: &Spanned<String>,
        cond: usize,
        kind: TermKind,
        exclude: bool,
        strict_nin: bool,
        b: &mut Builder,
    ) {
        let written = term.get_ref().trim();
        let key = (written.to_string(), strict_nin);
        if let Some((lowered, refs)) = b.lowered.get(&key).cloned() {
            // The same phrase in another rule (or another copy of a rule set): compiled once.
            self.lexicons.extend(refs);
            for lowered in lowered {
                self.add_lowered(term, lowered, cond, kind, exclude, strict_nin, b);
            }
            return;
        }
        let offset = inner_offset(&self.text, term);
        let parsed = match pattern::parse(written) {
            Ok(p) => p,
            Err(e) => {
                let err = lexicon::pattern_error(self.path, &self.text, offset, term.span(), e);
                self.errors.push(match &self.id {
                    Some(id) => err.for_rule(id),
                    None => err,
                });
                return;
            }
        };
        let mut refs = Vec::new();
        pattern::references(&parsed.nodes, &mut refs);
        self.lexicons.extend(refs.iter().cloned());
        let names: Vec<String> = b.lexicons.names().iter().map(|n| n.to_string()).collect();
        let mut lookup = |name: &str, _: &Range<usize>| -> Result<Vec<Vec<Part>>, PatternError> {
            b.lexicons
                .get(name, strict_nin)
                .ok_or_else(|| PatternError {
                    span: 0..0,
                    message: format!("没有名为 \"{name}\" 的词库或实体"),
                    help: Some(lexicon::known_names(
                        &names.iter().map(String::as_str).collect::<Vec<_>>(),
                    )),
                })
        };
        let parts = match pattern::resolve(&parsed.nodes, &mut lookup, strict_nin) {
            Ok(p) => p,
            Err(e) => {
                let span = parsed_ref_span(&parsed.nodes, &e).map(|s| s.start..s.end);
                let e = PatternError {
                    span: span.unwrap_or(0..0),
                    ..e
                };
                let err = lexicon::pattern_error(self.path, &self.text, offset, term.span(), e);
                self.errors.push(match &self.id {
                    Some(id) => err.for_rule(id),
                    None => err,
                });
                return;
            }
        };
        let lowered = if strict_nin {
            pattern::lower_verify(&parts, parsed.clause_start, parsed.clause_end)
        } else {
            pattern::lower(&parts, parsed.clause_start, parsed.clause_end)
        };
        match lowered {
            Err(message) => {
                self.error(Some(term.span()), message);
            }
            Ok(lowered) => {
                b.lowered.insert(key, (lowered.clone(), refs));
                for lowered in lowered {
                    self.add_lowered(term, lowered, cond, kind, exclude, strict_nin, b);
                }
            }
        }
    }

    /// Adds a compiled pattern to condition `cond`: its strings to the automaton, or a verifier.
    #[allow(clippy::too_many_arguments)]
    fn add_lowered(
        &mut self,
        term: &Spanned<String>,
        lowered: Lowered,
        cond: usize,
        kind: TermKind,
        exclude: bool,
        strict_nin: bool,
        b: &mut Builder,
    ) {
        match lowered {
            Lowered::Strings(strings) => {
                for s in strings {
                    b.add_pattern(s, cond, kind);
                }
            }
            Lowered::Verify {
                regex,
                anchors,
                group,
            } => {
                if let Some(&v) = b.verifier_ids.get(&(regex.clone(), strict_nin, group)) {
                    b.use_verifier(v, anchors, cond, exclude);
                    return;
                }
                let built = RegexBuilder::new(&regex)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .build();
                let regex = match built {
                    Ok(r) if r.is_match("") => {
                        self.error(Some(term.span()), pattern::MATCHES_NOTHING);
                        return;
                    }
                    Ok(r) => r,
                    Err(_) => {
                        self.error(Some(term.span()), "短语展开后过大 (可选部分或词库太多)")
                            .help = Some("把它拆成几条短语,或减少 … 的字数上限".into());
                        return;
                    }
                };
                b.add_verifier(
                    Verifier {
                        regex,
                        strict_nin,
                        group,
                    },
                    anchors,
                    cond,
                    exclude,
                );
            }
        }
    }
}

/// Where a string value's text starts in the file, when the file spells it out as is (a basic
/// or literal string without escapes), so that a problem can point inside the string.
pub(crate) fn inner_offset(file: &str, value: &Spanned<String>) -> Option<usize> {
    let span = value.span();
    let raw = file.get(span.clone())?;
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    let leading = value.get_ref().len() - value.get_ref().trim_start().len();
    (inner == value.get_ref()).then_some(span.start + 1 + leading)
}

/// The span of the reference an unresolved-reference error is about: the first `{name}` whose
/// name the message quotes.
fn parsed_ref_span(nodes: &[pattern::Node], e: &PatternError) -> Option<Range<usize>> {
    for node in nodes {
        match node {
            pattern::Node::Ref { name, span, .. } if e.message.contains(&format!("\"{name}\"")) => {
                return Some(span.clone())
            }
            pattern::Node::Alt { alts, .. } => {
                if let Some(s) = alts.iter().find_map(|a| parsed_ref_span(a, e)) {
                    return Some(s);
                }
            }
            _ => {}
        }
    }
    None
}

/// What compiling one rule file gave: the rule (unless it has errors), and its problems.
struct Compiled {
    rule: Option<Rule>,
    /// The id, when the file got far enough to have one (even with errors elsewhere).
    id: Option<String>,
    errors: Vec<RuleError>,
    warnings: Vec<RuleError>,
    word_checks: Vec<(String, RuleError)>,
}

fn compile_rule(src: &RuleSource, scoring: Option<&Scoring>, b: &mut Builder) -> Compiled {
    let mut cx = FileContext {
        path: &src.path,
        text: src.text.as_str().into(),
        id: None,
        errors: Vec::new(),
        warnings: Vec::new(),
        word_checks: Vec::new(),
        lexicons: Vec::new(),
    };
    let mut rule = compile_rule_in(&mut cx, src, scoring, b);
    if let Some(rule) = &mut rule {
        cx.lexicons.sort();
        cx.lexicons.dedup();
        rule.lexicons = std::mem::take(&mut cx.lexicons);
    }
    Compiled {
        rule,
        id: cx.id,
        errors: cx.errors,
        warnings: cx.warnings,
        word_checks: cx.word_checks,
    }
}

fn compile_rule_in(
    cx: &mut FileContext<'_>,
    src: &RuleSource,
    scoring: Option<&Scoring>,
    b: &mut Builder,
) -> Option<Rule> {
    let file: RuleFile = match toml::from_str(&src.text) {
        Ok(f) => f,
        Err(e) => {
            cx.errors.push(toml_error(&src.path, &cx.text, &e));
            // Still learn the id if the file is valid TOML, so that rules referring to this
            // one are not also told it does not exist.
            cx.id = toml::from_str::<toml::Table>(&src.text)
                .ok()
                .and_then(|t| Some(t.get("id")?.as_str()?.to_string()));
            return None;
        }
    };
    let id = file.id.get_ref().clone();
    cx.id = Some(id.clone());

    let valid_id = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let stem = src
        .path
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".toml");
    if !valid_id {
        cx.error(Some(file.id.span()), "规则编号只能由字母、数字和下划线组成");
    } else if stem != id && !stem.starts_with(&format!("{id}-")) {
        cx.error(
            Some(file.id.span()),
            format!("规则编号 {id} 与文件名 {stem}.toml 不一致"),
        )
        .help = Some(format!("文件名应为 {id}.toml 或 {id}-<说明>.toml"));
    }

    let dimension = file.dimension.get_ref().clone();
    let group = match scoring {
        Some(s) if s.attitude_dimensions.contains(&dimension) => Group::Attitude,
        Some(s) if s.procedure_dimensions.contains(&dimension) => Group::Procedure,
        Some(s) => {
            let known: Vec<&str> = s
                .attitude_dimensions
                .iter()
                .chain(&s.procedure_dimensions)
                .map(String::as_str)
                .collect();
            cx.error(
                Some(file.dimension.span()),
                format!("未知的维度 \"{dimension}\""),
            )
            .help = Some(format!("scoring.toml 中定义的维度: {}", known.join(", ")));
            Group::Attitude
        }
        None => Group::Attitude,
    };

    let points = *file.points.get_ref();
    if !(-100..=100).contains(&points) {
        cx.error(
            Some(file.points.span()),
            format!("分值 {points} 超出 -100 到 100 的范围"),
        );
    }
    if file.fatal && points > 0 {
        cx.error(Some(file.points.span()), "一票否决 (fatal) 规则不能加分");
    }
    if let Some(max) = &file.max_hits {
        if *max.get_ref() == 0 {
            cx.error(Some(max.span()), "max_hits 至少为 1 (不限次数请删去此键)");
        }
    }
    if file.title.trim().is_empty() || file.message.trim().is_empty() {
        cx.error(Some(file.id.span()), "title 和 message 不能为空");
    }

    let check = Check::compile(cx, file.matcher.get_ref(), file.matcher.span(), b);

    let mut channels: Vec<Channel> = file
        .channels
        .as_ref()
        .map_or_else(Vec::new, |c| c.get_ref().clone());
    channels.sort();
    channels.dedup();
    if let Some(spanned) = &file.channels {
        if channels.is_empty() {
            cx.error(
                Some(spanned.span()),
                "channels 为空,这条规则在任何渠道都不适用",
            )
            .help = Some(format!(
                "删去 channels 表示适用于所有渠道;可选: {}",
                Channel::names()
            ));
        }
    }
    // Examples are phone calls unless the rule does not apply to phone.
    let default_channel = if channels.is_empty() || channels.contains(&Channel::Phone) {
        Channel::Phone
    } else {
        channels[0]
    };

    let mut examples = Vec::new();
    for (n, ex) in file.examples.iter().enumerate() {
        let text = ex.text.get_ref();
        match crate::input::parse_text(text, &format!("{id}-example-{}", n + 1)) {
            Ok(mut call) => {
                // An example on a channel the rule does not apply to shows it is N/A there.
                call.channel = ex
                    .channel
                    .or(call.channel_in_meta())
                    .unwrap_or(default_channel);
                examples.push(super::Example {
                    expect: ex.expect,
                    text: text.clone(),
                    note: ex.note.clone(),
                    call,
                    span: ex.text.span(),
                })
            }
            Err(e) => {
                cx.error(Some(ex.text.span()), format!("示例无法解析为对话: {e}"))
                    .help = Some("示例用文本格式书写,每行一轮,如 \"客服：您好\"".into());
            }
        }
    }

    let hits = examples.iter().filter(|e| e.expect == Expect::Hit).count();
    let missing = match (hits, examples.len() - hits) {
        (0, 0) => Some("规则没有任何 [[example]] 示例,无法验证它是否按预期工作"),
        (0, _) => Some("规则没有 expect = \"hit\" 的示例,无法证明它能命中"),
        (_, 0) => Some("规则没有 expect = \"pass\" 的示例,无法证明它不会误报"),
        _ => None,
    };
    if let Some(message) = missing {
        cx.warn(Some(file.id.span()), message).help =
            Some("每条规则至少写一个应命中 (hit) 和一个不应命中 (pass) 的示例".into());
    }

    if !cx.errors.is_empty() {
        return None;
    }
    let check = check?;
    if let Some(max) = file.max_hits.as_ref().filter(|_| check.is_call_level()) {
        cx.warn(
            Some(max.span()),
            "组合条件 (all/any/not) 或 rule 引用按整通电话判断,每通只计一次,max_hits 不起作用",
        );
    }
    Some(Rule {
        id,
        title: file.title,
        title_en: file.title_en,
        message: file.message,
        rationale: file.rationale,
        dimension,
        group,
        points,
        max_hits: file.max_hits.map(|m| m.into_inner()),
        fatal: file.fatal,
        review: file.review,
        examples,
        path: src.path.clone(),
        id_span: file.id.span(),
        match_toml: match_section(&src.text, file.matcher.span()),
        uses: Vec::new(),
        lexicons: Vec::new(),
        channels,
        check,
    })
}

/// The text of the `[match]` table: from its header to the next header that is not one of
/// its sub-tables (`[match.after]`, `[[match.all]]` ...); an inline table is its own span.
fn match_section(text: &str, span: Range<usize>) -> String {
    let start = span.start.min(text.len());
    if !text[start..].starts_with("[match]") {
        return text[start..span.end.min(text.len())].to_string();
    }
    let mut end = start;
    for line in text[start..].split_inclusive('\n') {
        let header = line.trim_start();
        let own = ["[match]", "[match.", "[[match."]
            .iter()
            .any(|p| header.starts_with(p));
        if header.starts_with('[') && !own {
            break;
        }
        end += line.len();
    }
    // Comments and blank lines before the next table belong to it.
    let mut lines: Vec<&str> = text[start..end].lines().collect();
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        lines.pop();
    }
    lines.join("\n")
}

pub(super) fn positive(cx: &mut FileContext<'_>, n: &Spanned<u32>, key: &str) -> Option<usize> {
    if *n.get_ref() == 0 {
        cx.error(Some(n.span()), format!("{key} 至少为 1"));
        None
    } else {
        Some(*n.get_ref() as usize)
    }
}
