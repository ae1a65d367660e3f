//! Terms: the `phrases`, `words`, `exclude`, `regex` and `similar` of one condition → its share
//! of the shared automaton, verifiers anchored on it, and a matcher of similar sentences.
//!
//! In: a condition's terms as written, with the file they came from (for diagnostics) and the
//! rule set's lexicons. Out: the condition's id in the [`Builder`], whose strings (each with
//! the conditions that own it) become the one aho-corasick automaton every turn is scanned
//! with, and whose verifiers (linear-time regexes) run only where the automaton found their
//! anchors. The same phrase, pattern or regex used by many rules is compiled and stored once.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::compile::FileContext;
use super::deferred::{Deferred, Refusal};
use super::lexicon::{self, Lexicons};
use super::pattern::{self, Lowered, Part, PatternError};
use super::schema::Terms;
use super::similar::{self, Matcher};
use super::sound::{Respell, Sounds};
use super::{Condition, TermKind, Verifier};
use crate::normalize::fold;

/// Collects the patterns of every condition into one automaton's pattern list.
pub(crate) struct Builder {
    pub(super) patterns: Vec<String>,
    index: HashMap<String, usize>,
    pub(super) owners: Vec<Vec<(usize, TermKind)>>,
    pub(super) conditions: Vec<Condition>,
    pub(super) verifiers: Vec<Verifier>,
    /// The example sentences of `similar` terms, one matcher per distinct list.
    pub(super) similars: Vec<Matcher>,
    similar_ids: HashMap<Vec<String>, usize>,
    /// Each verifier by (regex, strict_nin, group), so that the same one is compiled once.
    verifier_ids: HashMap<(String, bool, usize), usize>,
    /// Each pattern already compiled, by (text as written, strict_nin), with the lexicons it
    /// names.
    lowered: HashMap<(String, bool), (Vec<Lowered>, Vec<String>)>,
    pub(super) lexicons: Lexicons,
    pub(super) sounds: Sounds,
    /// The patterns of the automaton that scans the sound view (`sound_alike` conditions),
    /// with their owners, and each with the folded term it was first added for.
    pub(super) sound_patterns: Vec<String>,
    sound_index: HashMap<String, usize>,
    pub(super) sound_owners: Vec<Vec<(usize, TermKind)>>,
    pub(super) sound_spelled: Vec<String>,
    /// The sayings of condition tables (and, compiled for test, lexicons) to check.
    pub(super) sayings: Vec<super::SayingChecks>,
}

impl Builder {
    pub(super) fn new(lexicons: Lexicons, sounds: Sounds) -> Builder {
        Builder {
            patterns: Vec::new(),
            index: HashMap::new(),
            owners: Vec::new(),
            conditions: Vec::new(),
            verifiers: Vec::new(),
            similars: Vec::new(),
            similar_ids: HashMap::new(),
            verifier_ids: HashMap::new(),
            lowered: HashMap::new(),
            lexicons,
            sounds,
            sound_patterns: Vec::new(),
            sound_index: HashMap::new(),
            sound_owners: Vec::new(),
            sound_spelled: Vec::new(),
            sayings: Vec::new(),
        }
    }

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
        // A verifier of the sound view has the sounds' characters in its regex: a key of its own.
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
        let kind = TermKind::Anchor {
            verifier: v,
            exclude,
        };
        let by_sound = self.verifiers[v].sound.is_some();
        for anchor in anchors {
            // Anchors are found by the automaton, which always folds 您 to 你; a verifier of
            // the sound view is found by the sounds of its anchors.
            if by_sound {
                // The sound view is of the folded text, where 您 is 你; a `strict_nin`
                // pattern's 您 is its own sound, and one the recogniser heard (宁好) is found
                // by that.
                if anchor.contains('您') {
                    self.add_sound(&anchor, cond, kind);
                }
                self.add_sound(&fold(&anchor), cond, kind);
            } else {
                self.add_pattern(fold(&anchor), cond, kind);
            }
        }
    }

    /// The id of the matcher for `examples`: the same list in several conditions (a copied
    /// rule, a shared trigger) is compiled, and scored on a turn, once.
    pub(super) fn similar(&mut self, examples: Vec<String>) -> usize {
        if let Some(&id) = self.similar_ids.get(&examples) {
            return id;
        }
        self.similars.push(Matcher::new(examples.clone()));
        self.similar_ids.insert(examples, self.similars.len() - 1);
        self.similars.len() - 1
    }

    /// Adds folded term `spelled` of a `sound_alike` condition to the sound automaton. A term
    /// of one syllable is not matched by sound: 喂 sounds like 为, 位 and 未, which are said in
    /// every call; written with its context (`喂[,]?你好`), it is.
    fn add_sound(&mut self, spelled: &str, cond: usize, kind: TermKind) {
        let anchor = matches!(kind, TermKind::Anchor { .. });
        if !anchor && self.sounds.syllable_count(spelled) < 2 {
            return;
        }
        let pattern = self.sounds.transcribe(spelled);
        let id = match self.sound_index.get(&pattern) {
            Some(&id) => id,
            None => {
                self.sound_patterns.push(pattern.clone());
                self.sound_owners.push(Vec::new());
                self.sound_spelled.push(spelled.to_string());
                self.sound_index
                    .insert(pattern, self.sound_patterns.len() - 1);
                self.sound_patterns.len() - 1
            }
        };
        if !self.sound_owners[id].contains(&(cond, kind)) {
            self.sound_owners[id].push((cond, kind));
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

impl FileContext<'_> {
    /// A `regex` term, checked, with the strings one of which occurs in each of its matches.
    fn regex(
        &mut self,
        pattern: &Spanned<String>,
        strict_nin: bool,
    ) -> Option<(Deferred, Vec<String>)> {
        // Regexes run on the folded view; Simplifying the pattern's own characters (and 您 to
        // 你, unless the condition keeps them apart) lets an author write either. Nothing else
        // is folded, so `\D` stays `\D`.
        let simplified: String = fast2s::convert(pattern.get_ref())
            .chars()
            .map(crate::normalize::fold_variant)
            .collect();
        let folded = if strict_nin {
            simplified
        } else {
            simplified.replace('您', "你")
        };
        match Deferred::check(folded, true) {
            Ok((regex, hir)) => {
                let anchors =
                    pattern::regex_anchors(&hir).map_or_else(Vec::new, |a| a.into_iter().collect());
                Some((regex, anchors))
            }
            // An empty match is a hit with no words on every turn (`(您好)?`, `a*`).
            Err(Refusal::MatchesEmpty) => {
                self.error(
                    Some(pattern.span()),
                    "正则表达式能匹配空字符串,会在每一句话上命中",
                )
                .help = Some("去掉让整个表达式可以为空的 ? 或 *,例如把 (您好)? 写成 您好".into());
                None
            }
            Err(Refusal::TooBig(limit)) => {
                self.error(
                    Some(pattern.span()),
                    format!("正则表达式编译后可能超过 {limit} 字节的上限 (按最坏情况估算)"),
                )
                .help = Some("拆成几条较短的正则,或改用 phrases 短语列表".into());
                None
            }
            Err(Refusal::Syntax(reason)) => {
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
    pub(crate) fn condition(
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
        if terms.phrases.is_empty()
            && terms.words.is_empty()
            && terms.regex.is_empty()
            && terms.similar.is_empty()
        {
            self.error(Some(span.clone()), "条件没有任何可匹配的内容")
                .help = Some(
                "至少写一项 phrases (短语)、words (分词后的词)、regex (正则) 或 similar (相似句)"
                    .into(),
            );
        }
        if let Some(examples) = terms.examples {
            let sayings = examples.sayings();
            if !sayings.is_empty() {
                b.sayings.push(super::SayingChecks {
                    owner: super::SayingOwner::Rule(self.id.clone().unwrap_or_default()),
                    path: self.path.to_string(),
                    sayings,
                    cond,
                });
            }
        }
        b.conditions[cond].similar = similar::compile(self, terms.similar, terms.min_similarity, b);
        if let Some((matcher, min)) = b.conditions[cond].similar {
            b.similars[matcher].lower_floor(min);
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
                if let Some((c, _)) = pattern::stray_question_mark(written) {
                    let (message, help) = lexicon::stray_question(written, c);
                    self.warn(Some(term.span()), message).help = Some(help);
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
                    if terms.sound_alike {
                        b.add_sound(&folded, cond, kind);
                    }
                    b.add_pattern(folded, cond, kind);
                    continue;
                }
                let exclude = kind == TermKind::Exclude;
                if pattern::is_plain(written) && !terms.strict_nin {
                    if terms.sound_alike {
                        b.add_sound(&folded, cond, kind);
                    }
                    b.add_pattern(folded, cond, kind);
                    continue;
                }
                let how = How {
                    kind,
                    exclude,
                    strict_nin: terms.strict_nin,
                    sound_alike: terms.sound_alike,
                };
                self.pattern(term, cond, how, b);
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
                        sound: None,
                    },
                    anchors,
                    cond,
                    exclude,
                );
            }
        }
        b.conditions[cond].sound_alike |= terms.sound_alike;
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
    fn pattern(&mut self, term: &Spanned<String>, cond: usize, how: How, b: &mut Builder) {
        let strict_nin = how.strict_nin;
        let written = term.get_ref().trim();
        let key = (written.to_string(), strict_nin);
        // A phrase that names a lexicon of misheard words is matched by sound as a whole.
        let by_sound = |how: How, refs: &[String], b: &mut Builder| {
            let sound_alike = how.sound_alike || refs.iter().any(|r| b.lexicons.sound_alike(r));
            b.conditions[cond].sound_alike |= sound_alike;
            How { sound_alike, ..how }
        };
        if let Some((lowered, refs)) = b.lowered.get(&key).cloned() {
            // The same phrase in another rule (or another copy of a rule set): compiled once.
            let how = by_sound(how, &refs, b);
            self.lexicons.extend(refs);
            for lowered in lowered {
                self.add_lowered(term, lowered, cond, how, b);
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
                let how = by_sound(how, &refs, b);
                b.lowered.insert(key, (lowered.clone(), refs));
                for lowered in lowered {
                    self.add_lowered(term, lowered, cond, how, b);
                }
            }
        }
    }

    /// Adds a compiled pattern to condition `cond`: its strings to the automaton, or a verifier;
    /// for a `sound_alike` condition, the same again for the sound view.
    fn add_lowered(
        &mut self,
        term: &Spanned<String>,
        lowered: Lowered,
        cond: usize,
        how: How,
        b: &mut Builder,
    ) {
        match lowered {
            Lowered::Strings(strings) => {
                for s in strings {
                    if how.sound_alike {
                        b.add_sound(&s, cond, how.kind);
                    }
                    b.add_pattern(s, cond, how.kind);
                }
            }
            Lowered::Verify {
                regex,
                anchors,
                group,
            } => {
                if how.sound_alike {
                    // A `strict_nin` pattern keeps its 您, and runs on the sound view of the
                    // text that keeps its 您: they are one sound only if `sound-alike.toml`
                    // says so.
                    let source = b.sounds.transcribe(&regex);
                    if source != regex {
                        let respell = Respell::of(&b.sounds, &regex);
                        let anchors = anchors.clone();
                        self.add_verifier_source(
                            term,
                            source,
                            anchors,
                            group,
                            cond,
                            how,
                            Some(respell),
                            b,
                        );
                    }
                }
                self.add_verifier_source(term, regex, anchors, group, cond, how, None, b);
            }
        }
    }

    /// Compiles a verifier's regex (once per distinct regex) and makes it part of `cond`.
    #[allow(clippy::too_many_arguments)]
    fn add_verifier_source(
        &mut self,
        term: &Spanned<String>,
        regex: String,
        anchors: Vec<String>,
        group: usize,
        cond: usize,
        how: How,
        sound: Option<Respell>,
        b: &mut Builder,
    ) {
        let strict_nin = how.strict_nin;
        if let Some(&v) = b.verifier_ids.get(&(regex.clone(), strict_nin, group)) {
            b.use_verifier(v, anchors, cond, how.exclude);
            return;
        }
        let regex = match Deferred::check(regex, false) {
            Ok((r, _)) => r,
            Err(Refusal::MatchesEmpty) => {
                self.error(Some(term.span()), pattern::MATCHES_NOTHING);
                return;
            }
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
                sound,
            },
            anchors,
            cond,
            how.exclude,
        );
    }
}

/// How a term of a condition is matched: what it means to the condition, and on which views.
#[derive(Debug, Clone, Copy)]
struct How {
    kind: TermKind,
    exclude: bool,
    strict_nin: bool,
    sound_alike: bool,
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
