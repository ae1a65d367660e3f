//! Compile: rule sources → [`RuleSet`], checking everything a rule author can get wrong.
//!
//! In: the text of every rule file, `scoring.toml` and `dictionary.txt`. Out: the compiled
//! rule set, or every problem found (not just the first), each with its file and span.
//!
//! Here: reading each rule file, its scope, scoring and examples, linking references between
//! rules, sharing identical conditions, and building the one aho-corasick automaton every turn
//! is scanned with. The terms of each condition (phrases, words, exclusions, regexes) are
//! compiled by [`super::terms`]; the condition kinds by [`super::check`]; `scoring.toml` by
//! [`super::scoring`]; TOML errors are explained in Chinese by [`super::explain`].

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use toml::Spanned;

use super::explain::parse_all;
use super::lexicon::{self, Lexicons};
use super::schema::{Expect, RuleFile, Terms};
use super::scoring::compile_scoring;
use super::sound::{Sounds, SOUND_FILE};
use super::terms::Builder;
use super::{
    Check, Group, Rule, RuleError, RuleErrors, RuleRef, RuleSet, RuleSource, SayingChecks,
    SayingOwner, Scoring, Severity, TermKind,
};
use crate::channel::Channel;
use crate::segment::{parse_user_dictionary, Segmenter};

const SCORING_FILE: &str = "scoring.toml";
const DICTIONARY_FILE: &str = "dictionary.txt";

/// `probes`: also compile a condition per lexicon with `[examples]`, for `zhijian test` to
/// check them with, and refuse sayings nothing would check; grading has no use for either and
/// would pay for the matches and a second parse of each file.
pub(super) fn compile(sources: &[RuleSource], probes: bool) -> Result<RuleSet, RuleErrors> {
    let mut errors = Vec::new();
    let (scoring, adjustments) = match sources.iter().find(|s| s.path == SCORING_FILE) {
        Some(src) => match compile_scoring(src) {
            Ok((scoring, adjustments)) => (Some(scoring), Some((src, adjustments))),
            Err(problems) => {
                errors.extend(problems);
                (None, None)
            }
        },
        None => {
            errors.push(RuleError::new(
                SCORING_FILE,
                &Arc::from(""),
                None,
                "规则目录中缺少评分标准文件 scoring.toml",
            ));
            (None, None)
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
    let sounds = match Sounds::compile(sources.iter().find(|s| s.path == SOUND_FILE)) {
        Ok(s) => s,
        Err(e) => {
            errors.push(e);
            Sounds::compile(None).expect("no table, no mistake")
        }
    };
    let mut builder = Builder::new(lexicons, sounds);
    let mut rules: Vec<Rule> = Vec::new();
    let mut warnings = lexicon_warnings;
    let mut word_checks = Vec::new();
    // Every id a file declared, compiled or not, so that a reference to a broken rule is not
    // also reported as a reference to a missing one.
    let mut declared: HashMap<String, String> = HashMap::new();
    let rule_files = sources.iter().filter(|s| {
        s.path.ends_with(".toml")
            && s.path != SCORING_FILE
            && s.path != SOUND_FILE
            && !lexicon::is_lexicon_file(&s.path)
    });
    for src in rule_files {
        let mut compiled = compile_rule(src, scoring.as_ref(), &mut builder, probes);
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
    // A rule file with errors has no rule to adjust; its errors are what matters then.
    let adjust_now = errors.is_empty();
    if let Some((src, adjustments)) = adjustments.filter(|(_, a)| adjust_now && !a.is_empty()) {
        let text: Arc<str> = src.text.as_str().into();
        if let Err(e) =
            super::adjust::apply(&mut rules, &adjustments, SCORING_FILE, &src.path, &text)
        {
            errors.extend(e.0);
        }
    }
    let order = link(&mut rules, &declared, sources, &mut errors);
    if probes {
        lexicon_probes(&mut builder);
    }
    share_identical_conditions(&mut builder, &mut rules);
    let automaton = match build_automaton(&builder.patterns, "短语") {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            return Err(RuleErrors(errors));
        }
    };
    // Most rule sets match few terms by sound; none, and no turn is transcribed.
    let sound_automaton = if builder.sound_patterns.is_empty() {
        None
    } else {
        match build_automaton(&builder.sound_patterns, "听音匹配") {
            Ok(a) => Some(a),
            Err(e) => {
                errors.push(e);
                return Err(RuleErrors(errors));
            }
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
            similars: builder.similars,
            lexicons: lexicon_list,
            lexicon_reach,
            sayings: builder.sayings,
            automaton,
            patterns: builder.patterns,
            owners: builder.owners,
            sounds: builder.sounds,
            sound_automaton,
            sound_owners: builder.sound_owners,
            sound_spelled: builder.sound_spelled,
            segmenter: Segmenter::new(user_words),
            version: fingerprint(sources),
            scheme: None,
        }),
        _ => Err(RuleErrors(errors)),
    }
}

/// The automaton that finds every one of `patterns`, overlapping matches included; `what` names
/// it in the error.
fn build_automaton(patterns: &[String], what: &str) -> Result<AhoCorasick, RuleError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .map_err(|e| {
            RuleError::new(
                ".",
                &Arc::from(""),
                None,
                format!("{what}自动机构建失败: {e}"),
            )
        })
}

/// A condition `phrases = ["{名}"]` for each lexicon with examples, to check them on: what the
/// lexicon's terms find, matched by sound if the lexicon is, and nothing else.
fn lexicon_probes(b: &mut Builder) {
    for lexicon in b.lexicons.list() {
        if lexicon.examples.is_empty() {
            continue;
        }
        // The lexicon's own problems were reported when it was read: none are new here.
        let mut cx = FileContext::new(&lexicon.path, "".into());
        let phrase = [Spanned::new(0..0, format!("{{{}}}", lexicon.name))];
        let cond = cx.condition(Terms::lines(&phrase, &[], false, false), 0..0, b);
        b.sayings.push(SayingChecks {
            owner: SayingOwner::Lexicon(lexicon.name),
            path: lexicon.path,
            sayings: lexicon.examples,
            cond,
        });
    }
}

/// Makes conditions that look for exactly the same thing one condition, evaluated once per
/// turn for every rule that uses it: a trigger shared by several rules, or a rule set that
/// repeats a condition, costs what one condition costs.
fn share_identical_conditions(b: &mut Builder, rules: &mut [Rule]) {
    // What a condition is: the automaton patterns it owns and how, its unanchored verifiers,
    // its clause context and its similar sentences.
    let mut owned: Vec<Vec<(usize, TermKind)>> = vec![Vec::new(); b.conditions.len()];
    for (pattern, owners) in b.owners.iter().enumerate() {
        for &(cond, kind) in owners {
            owned[cond].push((pattern, kind));
        }
    }
    let mut heard: Vec<Vec<(usize, TermKind)>> = vec![Vec::new(); b.conditions.len()];
    for (pattern, owners) in b.sound_owners.iter().enumerate() {
        for &(cond, kind) in owners {
            heard[cond].push((pattern, kind));
        }
    }
    let mut canonical: HashMap<String, usize> = HashMap::new();
    let mut map: Vec<usize> = (0..b.conditions.len()).collect();
    for (cond, c) in b.conditions.iter().enumerate() {
        let key = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            owned[cond], heard[cond], c.unanchored, c.when, c.unless, c.similar, c.sound_alike
        );
        map[cond] = *canonical.entry(key).or_insert(cond);
    }
    for owners in b.owners.iter_mut().chain(&mut b.sound_owners) {
        owners.retain(|&(cond, _)| map[cond] == cond);
    }
    for rule in rules {
        for cond in rule.check.conds_mut() {
            *cond = map[*cond];
        }
    }
    for checks in &mut b.sayings {
        checks.cond = map[checks.cond];
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
pub(super) fn fingerprint(sources: &[RuleSource]) -> String {
    let mut sorted: Vec<&RuleSource> = sources.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hash = FNV1A_START;
    for src in sorted {
        hash = fnv1a(
            hash,
            src.path
                .bytes()
                .chain([0])
                .chain(src.text.bytes())
                .chain([0]),
        );
    }
    format!("{hash:016x}")
}

/// FNV-1a 64's offset basis: the hash of no bytes.
pub(crate) const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a 64 of what `hash` was the hash of, followed by `bytes`.
pub(crate) fn fnv1a(mut hash: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// Reports problems of one rule file against its path and text.
pub(super) struct FileContext<'a> {
    pub(super) path: &'a str,
    pub(super) text: Arc<str>,
    pub(super) id: Option<String>,
    pub(super) errors: Vec<RuleError>,
    pub(super) warnings: Vec<RuleError>,
    /// `words` terms with a warning to give if jieba does not keep them whole; checked by
    /// [`RuleSet::lint_words`] so that compiling does not load the jieba dictionary.
    pub(super) word_checks: Vec<(String, RuleError)>,
    /// Lexicons the rule's phrases name.
    pub(super) lexicons: Vec<String>,
}

impl<'a> FileContext<'a> {
    fn new(path: &'a str, text: Arc<str>) -> FileContext<'a> {
        FileContext {
            path,
            text,
            id: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            word_checks: Vec::new(),
            lexicons: Vec::new(),
        }
    }

    pub(super) fn problem(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> RuleError {
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

/// `for_test`: also refuse sayings nothing would check (a second parse of the file that
/// grading has no use for).
fn compile_rule(
    src: &RuleSource,
    scoring: Option<&Scoring>,
    b: &mut Builder,
    for_test: bool,
) -> Compiled {
    let mut cx = FileContext::new(&src.path, src.text.as_str().into());
    let mut rule = compile_rule_in(&mut cx, src, scoring, b);
    if let Some(rule) = &mut rule {
        cx.lexicons.sort();
        cx.lexicons.dedup();
        rule.lexicons = std::mem::take(&mut cx.lexicons);
        if for_test {
            unchecked_sayings(&mut cx, src, b);
        }
    }
    Compiled {
        rule,
        id: cx.id,
        errors: cx.errors,
        warnings: cx.warnings,
        word_checks: cx.word_checks,
    }
}

/// Sayings written in a table whose terms are not looked for one turn at a time (a `repeat`,
/// the turns `skip` passes over): nothing checks them, and a saying nothing checks must not
/// pass as one that was.
fn unchecked_sayings(cx: &mut FileContext<'_>, src: &RuleSource, b: &Builder) {
    let checked: std::collections::HashSet<usize> = b
        .sayings
        .iter()
        .filter(|c| c.path == src.path)
        .flat_map(|c| c.sayings.iter().map(|s| s.span.start))
        .collect();
    let Ok(table) = toml::de::DeTable::parse(&src.text) else {
        return;
    };
    let mut spans = Vec::new();
    saying_spans(table.get_ref(), &mut spans);
    for span in spans.into_iter().filter(|s| !checked.contains(&s.start)) {
        cx.error(
            Some(span),
            "这张表的词不是逐句查找的 (repeat 等),这里的说法示例不会被检查",
        )
        .help = Some("改写成 [[example]] 对话,或写到逐句查找的条件表里".into());
    }
}

/// The span of every saying under an `examples` key of `table` and the tables under it (rule
/// examples, `[[example]]`, are not sayings).
fn saying_spans(table: &toml::de::DeTable<'_>, out: &mut Vec<Range<usize>>) {
    use toml::de::DeValue;
    for (key, value) in table {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("examples", DeValue::Table(t)) => {
                for list in ["hit", "pass"].iter().filter_map(|k| t.get(*k)) {
                    if let DeValue::Array(items) = list.get_ref() {
                        out.extend(items.iter().map(|i| i.span()));
                    }
                }
            }
            ("example", _) => {}
            (_, DeValue::Table(t)) => saying_spans(t, out),
            (_, DeValue::Array(items)) => {
                for item in items.iter() {
                    if let DeValue::Table(t) = item.get_ref() {
                        saying_spans(t, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn compile_rule_in(
    cx: &mut FileContext<'_>,
    src: &RuleSource,
    scoring: Option<&Scoring>,
    b: &mut Builder,
) -> Option<Rule> {
    let file: RuleFile = match parse_all(&src.path, &cx.text) {
        Ok(f) => f,
        Err(problems) => {
            cx.errors.extend(problems);
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
    for (key, value) in [("title", &file.title), ("message", &file.message)] {
        if value.get_ref().trim().is_empty() {
            cx.error(Some(value.span()), format!("{key} 不能为空")).help =
                Some("title 是规则的名称,message 是命中时给主管看的说明".into());
        }
    }

    super::check::unnamed(cx, file.matcher.get_ref());
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
        title: file.title.into_inner(),
        title_en: file.title_en,
        message: file.message.into_inner(),
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
        enabled: true,
        adjusted: None,
        check,
    })
}

/// The text of the `[match]` table: from its header to the next header that is not one of
/// its sub-tables (`[match.after]`, `[[match.all]]` ...); an inline table is its own span.
fn match_section(text: &str, span: Range<usize>) -> String {
    let mut start = span.start.min(text.len());
    // A file without a `[match]` table of its own (only `[[match.any]]` …): the span is the
    // `match` of the first sub-table's header, which starts its line.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..].starts_with("[[match.") || text[line_start..].starts_with("[match.") {
        start = line_start;
    } else if !text[start..].starts_with("[match]") {
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

#[cfg(test)]
mod tests {
    use crate::rule::{RuleSet, RuleSource};

    fn source(id: &str, body: &str) -> RuleSource {
        RuleSource {
            path: format!("language/{id}.toml"),
            text: format!(
                "id = \"{id}\"\ntitle = \"测试\"\nmessage = \"测试\"\ndimension = \"language\"\npoints = -5\n\n[match]\n{body}\n"
            ),
        }
    }

    #[test]
    fn the_fingerprint_is_fnv1a_over_paths_and_texts_in_path_order() {
        let src = |path: &str, text: &str| RuleSource {
            path: path.into(),
            text: text.into(),
        };
        // The reference value is FNV-1a 64 of "rules/A.toml\0id = \"A\"\0", computed apart.
        assert_eq!(
            super::fingerprint(&[src("rules/A.toml", "id = \"A\"")]),
            "639f032b739dd63b"
        );
        let a = src("a.toml", "x");
        let b = src("b.toml", "y");
        let both = super::fingerprint(&[a.clone(), b.clone()]);
        assert_eq!(both, super::fingerprint(&[b.clone(), a.clone()]));
        assert_ne!(both, super::fingerprint(&[a.clone(), src("b.toml", "z")]));
        // The separator keeps a path's end apart from its text's start.
        assert_ne!(
            super::fingerprint(&[src("ab", "c")]),
            super::fingerprint(&[src("a", "bc")])
        );
    }

    #[test]
    fn the_match_section_runs_to_the_next_table_that_is_not_its_own() {
        let text = "id = \"A\"\n\n[match]\nrole = \"agent\"\n  # 子条件\n\n  [[match.not]]\nphrases = [\"x\"]\n\n# 示例\n[[example]]\nexpect = \"hit\"\n";
        let start = text.find("[match]").unwrap();
        assert_eq!(
            super::match_section(text, start..start + 7),
            "[match]\nrole = \"agent\"\n  # 子条件\n\n  [[match.not]]\nphrases = [\"x\"]"
        );
        // No `[match]` of its own: the section starts at the first sub-table's header, where
        // the parser puts the span of `match` (zhijian rules RES002 showed only “match”).
        let text = "id = \"B\"\n[[match.any]]\nrole = \"customer\"\n[[match.any]]\nrole = \"agent\"\n[[example]]\n";
        let start = text.find("match.any").unwrap();
        assert_eq!(
            super::match_section(text, start..start + 5),
            "[[match.any]]\nrole = \"customer\"\n[[match.any]]\nrole = \"agent\""
        );
        // An inline table is its own span.
        let text = "match = { role = \"agent\", phrases = [\"x\"] }\n[[example]]\n";
        let (start, end) = (text.find('{').unwrap(), text.find('}').unwrap() + 1);
        assert_eq!(
            super::match_section(text, start..end),
            "{ role = \"agent\", phrases = [\"x\"] }"
        );
    }

    #[test]
    fn identical_conditions_are_one_condition() {
        let same = "role = \"agent\"\nphrases = [\"{上级}…的事\", \"没办法\"]";
        let lexicon = RuleSource {
            path: "lexicons/superiors.toml".into(),
            text: "name = \"上级\"\ndescription = \"上级\"\nterms = [\"领导\", \"主管\"]\n".into(),
        };
        let mut set = RuleSet::compile(&[
            source("TST001", same),
            source("TST002", same),
            source("TST003", "role = \"agent\"\nphrases = [\"没办法\"]"),
            source("TST004", "role = \"customer\"\nphrases = [\"没办法\"]"),
            lexicon,
            RuleSource {
                path: "scoring.toml".into(),
                text: include_str!("../../rules/scoring.toml").into(),
            },
        ])
        .unwrap_or_else(|e| panic!("{}", e.render(false)));
        let mut conds = |id: &str| -> Vec<usize> {
            let rule = set.rules.iter_mut().find(|r| r.id == id).unwrap();
            rule.check.conds_mut().into_iter().map(|c| *c).collect()
        };
        assert_eq!(
            conds("TST001"),
            conds("TST002"),
            "the same terms, one condition"
        );
        assert_ne!(
            conds("TST001"),
            conds("TST003"),
            "other terms, another condition"
        );
        // The role is the rule's scope, not part of the condition: the same terms are shared.
        assert_eq!(conds("TST003"), conds("TST004"));
        // A verifier anchored in the automaton is not also run on every turn; plain phrases
        // need no verifier at all.
        assert_eq!(set.verifiers.len(), 1);
        assert!(set.conditions.iter().all(|c| c.unanchored.is_empty()));
        // Only conditions still in use own automaton patterns.
        let used: std::collections::BTreeSet<usize> = ["TST001", "TST003"]
            .iter()
            .flat_map(|id| conds(id))
            .collect();
        assert!(set
            .owners
            .iter()
            .flatten()
            .all(|(cond, _)| used.contains(cond)));
        let hits =
            set.evaluate(&crate::input::parse_text("客服：那是领导的事,我也没办法", "t").unwrap());
        // Shared, each rule still reports what it found, and a customer rule nothing here.
        let found: Vec<(&str, usize)> = hits
            .iter()
            .map(|h| (set.rules[h.rule].id.as_str(), h.turn))
            .collect();
        assert_eq!(
            found,
            [
                ("TST001", 0),
                ("TST001", 0),
                ("TST002", 0),
                ("TST002", 0),
                ("TST003", 0)
            ]
        );
    }
}
