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

use super::schema::{Mode, RuleFile, ScoringFile, Terms};
use super::{
    Check, Condition, Group, Rule, RuleError, RuleErrors, RuleSet, RuleSource, Scope, Scoring,
    TermKind, TimingKind,
};
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

    let mut builder = Builder::default();
    let mut rules: Vec<Rule> = Vec::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    let rule_files = sources
        .iter()
        .filter(|s| s.path.ends_with(".toml") && s.path != SCORING_FILE);
    for src in rule_files {
        match compile_rule(src, scoring.as_ref(), &mut builder) {
            Ok((rule, id_span)) => {
                if let Some(other) = first_seen.get(&rule.id) {
                    let text: Arc<str> = src.text.as_str().into();
                    errors.push(
                        RuleError::new(
                            &src.path,
                            &text,
                            Some(id_span),
                            format!("规则编号 {} 重复,已在 {other} 中使用", rule.id),
                        )
                        .for_rule(&rule.id),
                    );
                } else {
                    first_seen.insert(rule.id.clone(), src.path.clone());
                    rules.push(rule);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if rules.is_empty() && errors.is_empty() {
        errors.push(RuleError::new(
            ".",
            &Arc::from(""),
            None,
            "规则目录中没有任何规则文件 (*.toml)",
        ));
    }
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
    match scoring {
        Some(scoring) if errors.is_empty() => {
            rules.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(RuleSet {
                rules,
                scoring,
                conditions: builder.conditions,
                automaton,
                owners: builder.owners,
                segmenter: Segmenter::new(user_words),
            })
        }
        _ => Err(RuleErrors(errors)),
    }
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// Turns a TOML or serde error into a diagnostic at the span the parser reported.
fn toml_error(path: &str, text: &Arc<str>, e: &toml::de::Error) -> RuleError {
    let message = e.message().trim();
    let (message, help) = explain_toml(message);
    let err = RuleError::new(path, text, e.span(), message);
    match help {
        Some(h) => err.with_help(h),
        None => err,
    }
}

/// Rephrases serde's messages for rule authors, keeping the original for the rest.
fn explain_toml(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        let expected = rest.split_once("expected ").map(|x| x.1).unwrap_or("");
        return (
            format!("未知的键 \"{field}\""),
            Some(format!("这里允许的键: {}", expected.replace('`', ""))),
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return (format!("缺少必填的键 \"{field}\""), None);
    }
    if message.starts_with("invalid type") {
        return (format!("值的类型不对: {message}"), None);
    }
    if message.starts_with("unknown variant") {
        return (format!("取值不在允许范围内: {message}"), None);
    }
    (format!("TOML 格式错误: {message}"), None)
}

fn compile_scoring(src: &RuleSource) -> Result<Scoring, RuleError> {
    let text: Arc<str> = src.text.as_str().into();
    let file: ScoringFile =
        toml::from_str(&src.text).map_err(|e| toml_error(&src.path, &text, &e))?;
    let mut tiers: Vec<(String, i32)> = file.tiers.into_iter().map(|t| (t.name, t.min)).collect();
    tiers.sort_by_key(|t| std::cmp::Reverse(t.1));
    let problem = |message: &str| Err(RuleError::new(&src.path, &text, None, message));
    if tiers.last().is_none_or(|t| t.1 > 0) {
        return problem("[[tier]] 必须包含一个 min = 0 的最低档,否则低分通话没有档位");
    }
    for name in &file.flag_tiers {
        if !tiers.iter().any(|t| &t.0 == name) {
            return problem(&format!(
                "flag_tiers 中的档位 \"{name}\" 未在 [[tier]] 中定义"
            ));
        }
    }
    let groups = &file.dimensions;
    if let Some(d) = groups
        .attitude
        .iter()
        .find(|d| groups.procedure.contains(d))
    {
        return problem(&format!("维度 \"{d}\" 同时出现在 attitude 和 procedure 中"));
    }
    let s = file.service_type;
    Ok(Scoring {
        base: file.base,
        tiers,
        flag_tiers: file.flag_tiers,
        attitude_dimensions: file.dimensions.attitude,
        procedure_dimensions: file.dimensions.procedure,
        service_threshold: s.threshold,
        service_types: [s.both, s.attitude_only, s.procedure_only, s.neither],
    })
}

/// Collects the patterns of every condition into one automaton's pattern list.
#[derive(Default)]
struct Builder {
    patterns: Vec<String>,
    index: HashMap<String, usize>,
    owners: Vec<Vec<(usize, TermKind)>>,
    conditions: Vec<Condition>,
}

impl Builder {
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
struct FileContext<'a> {
    path: &'a str,
    text: Arc<str>,
    id: Option<String>,
    errors: Vec<RuleError>,
}

impl FileContext<'_> {
    fn error(&mut self, span: Option<Range<usize>>, message: impl Into<String>) -> &mut RuleError {
        let mut e = RuleError::new(self.path, &self.text, span, message);
        if let Some(id) = &self.id {
            e = e.for_rule(id);
        }
        self.errors.push(e);
        self.errors.last_mut().unwrap()
    }

    fn regex(&mut self, pattern: &Spanned<String>) -> Option<Regex> {
        // Regexes run on the folded view; Simplifying the pattern's own characters lets an
        // author write either script. Nothing else is folded, so `\D` stays `\D`.
        let built = RegexBuilder::new(&fast2s::convert(pattern.get_ref()))
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build();
        match built {
            Ok(r) => Some(r),
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
    fn condition(&mut self, terms: Terms<'_>, span: Range<usize>, b: &mut Builder) -> usize {
        let cond = b.conditions.len();
        b.conditions.push(Condition::default());
        if terms.phrases.is_empty() && terms.words.is_empty() && terms.regex.is_empty() {
            self.error(Some(span), "条件没有任何可匹配的内容").help =
                Some("至少写一项 phrases (短语)、words (分词后的词) 或 regex (正则)".into());
        }
        let lists = [
            (terms.phrases, TermKind::Phrase),
            (terms.words, TermKind::Word),
            (terms.exclude, TermKind::Exclude),
        ];
        for (list, kind) in lists {
            for term in list {
                let folded = fold(term.get_ref().trim());
                if folded.is_empty() {
                    self.error(Some(term.span()), "短语为空字符串");
                } else {
                    b.add_pattern(folded, cond, kind);
                }
            }
        }
        let regex: Vec<Regex> = terms.regex.iter().filter_map(|r| self.regex(r)).collect();
        let exclude_regex: Vec<Regex> = terms
            .exclude_regex
            .iter()
            .filter_map(|r| self.regex(r))
            .collect();
        b.conditions[cond] = Condition {
            regex,
            exclude_regex,
        };
        cond
    }
}

fn compile_rule(
    src: &RuleSource,
    scoring: Option<&Scoring>,
    b: &mut Builder,
) -> Result<(Rule, Range<usize>), Vec<RuleError>> {
    let mut cx = FileContext {
        path: &src.path,
        text: src.text.as_str().into(),
        id: None,
        errors: Vec::new(),
    };
    let file: RuleFile = match toml::from_str(&src.text) {
        Ok(f) => f,
        Err(e) => return Err(vec![toml_error(&src.path, &cx.text, &e)]),
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

    let check = compile_check(&mut cx, &file, b);

    let mut examples = Vec::new();
    for (n, ex) in file.examples.iter().enumerate() {
        let text = ex.text.get_ref();
        match crate::input::parse_text(text, &format!("{id}-example-{}", n + 1)) {
            Ok(call) => examples.push(super::Example {
                expect: ex.expect,
                text: text.clone(),
                note: ex.note.clone(),
                call,
            }),
            Err(e) => {
                cx.error(Some(ex.text.span()), format!("示例无法解析为对话: {e}"))
                    .help = Some("示例用文本格式书写,每行一轮,如 \"客服：您好\"".into());
            }
        }
    }

    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    Ok((
        Rule {
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
            check: check.unwrap_or(Check::Text {
                role: None,
                scope: Scope::All,
                mode: Mode::Present,
                cond: 0,
            }),
        },
        file.id.span(),
    ))
}

fn compile_check(cx: &mut FileContext<'_>, file: &RuleFile, b: &mut Builder) -> Option<Check> {
    let m = file.matcher.get_ref();
    let span = file.matcher.span();
    let has_terms = !(m.phrases.is_empty()
        && m.words.is_empty()
        && m.regex.is_empty()
        && m.exclude.is_empty()
        && m.exclude_regex.is_empty());
    if let Some(timing) = &m.timing {
        if has_terms || m.after.is_some() || m.first.is_some() || m.last.is_some() {
            cx.error(
                Some(timing.span()),
                "[match.timing] 不能与短语、正则、first/last 或 [match.after] 同时使用",
            )
            .help = Some("时间条件和文字条件请写成两条规则".into());
        }
        if m.mode == Mode::Absent {
            cx.error(Some(timing.span()), "时间条件不支持 mode = \"absent\"");
        }
        let t = timing.get_ref();
        let kind = match (t.overlap_ms, t.gap_ms) {
            (Some(ms), None) => TimingKind::Overlap(ms),
            (None, Some(ms)) => TimingKind::Gap(ms),
            _ => {
                cx.error(
                    Some(timing.span()),
                    "[match.timing] 需要且只能有 overlap_ms 或 gap_ms 其中之一",
                );
                return None;
            }
        };
        if !t.excused_by.is_empty() && matches!(kind, TimingKind::Overlap(_)) {
            cx.error(Some(timing.span()), "excused_by 只能与 gap_ms 一起使用");
        }
        if t.min_chars.is_some() && matches!(kind, TimingKind::Gap(_)) {
            cx.error(Some(timing.span()), "min_chars 只能与 overlap_ms 一起使用");
        }
        let excuses = t
            .excused_by
            .iter()
            .map(|e| {
                let ex = e.get_ref();
                if let Some(within) = &ex.within {
                    cx.error(Some(within.span()), "within 只能用在 [match.after] 中");
                }
                (ex.role, cx.condition(ex.terms(), e.span(), b))
            })
            .collect();
        return Some(Check::Timing {
            role: m.role,
            kind,
            previous_role: t.previous_role,
            min_chars: t.min_chars.unwrap_or(0),
            excuses,
        });
    }

    let scope = match (&m.first, &m.last, &m.after) {
        (None, None, None) => Scope::All,
        (Some(n), None, None) => Scope::First(positive(cx, n, "first")?),
        (None, Some(n), None) => Scope::Last(positive(cx, n, "last")?),
        (None, None, Some(after)) => {
            let t = after.get_ref();
            let Some(within) = &t.within else {
                cx.error(
                    Some(after.span()),
                    "[match.after] 缺少 within (触发后看本方接下来几句)",
                );
                return None;
            };
            let within = positive(cx, within, "within")?;
            let cond = cx.condition(t.terms(), after.span(), b);
            Scope::After {
                role: t.role,
                cond,
                within,
            }
        }
        _ => {
            cx.error(Some(span), "first、last 和 [match.after] 只能选用其中一个");
            return None;
        }
    };
    let cond = cx.condition(m.terms(), span, b);
    Some(Check::Text {
        role: m.role,
        scope,
        mode: m.mode,
        cond,
    })
}

fn positive(cx: &mut FileContext<'_>, n: &Spanned<u32>, key: &str) -> Option<usize> {
    if *n.get_ref() == 0 {
        cx.error(Some(n.span()), format!("{key} 至少为 1"));
        None
    } else {
        Some(*n.get_ref() as usize)
    }
}
