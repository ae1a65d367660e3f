//! Rescore: a run's results and the verdicts on them → every call's final score.
//!
//! In: the lines of a results JSONL (`zhijian.call.v1`, each carrying the `scoring` it was graded
//! with) and [`Verdicts`]: reviewers' 确认/误判/存疑 and agents' appeals decided 维持/撤销. Out: a
//! [`Final`] per call: the machine scorecard, the final one, and what became of each hit and on
//! whose word.
//!
//! Which hits stay: a decided appeal is the last word, 撤销 removes the hit and 维持 keeps it.
//! Without one, the reviewers' verdict decides — the majority of several, a tie being 存疑, as
//! `zhijian precision` counts it: 误判 removes the hit, 确认 and 存疑 keep it. A hit nobody judged,
//! or whose appeal waits for a decision, stays. The final score is [`tally`] over the hits that
//! stay, in their order, with the weights, the sentence policy and each hit's sentence the line
//! records: grading's own arithmetic, and the review page's (its score after review), so the
//! three agree — a charged hit removed lets the next deduction of its sentence count.
//!
//! Why from the line and not from the rule files: appeals are decided days after grading, and
//! the 误判 that review finds are fixed in the rules in the meantime. Each line is checked
//! first: scored with every hit kept, it must give the machine score it records.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::channel::Channel;
use crate::input::own_reports::{self, Kind};
use crate::rule::{ConfidencePolicy, Group, Scoring, SentencePolicy, Uncertain};
use crate::score::{tally, Charge, Scorecard, Weight};
use crate::verdict::{fingerprint, hit_key, Appeal, Decision, Judgement, Verdict, Verdicts};

/// A results file that cannot be rescored.
#[derive(Debug, thiserror::Error)]
pub enum RescoreError {
    #[error("无法读取 {}: {}", .path.display(), crate::zh::io(.source))]
    Io { path: PathBuf, source: io::Error },
    #[error("{at}: {message}")]
    Bad { at: String, message: String },
}

/// One call as a results line has it, as far as rescoring needs.
#[derive(Debug, Deserialize)]
pub struct ResultLine {
    #[serde(default)]
    schema: Option<String>,
    call_id: String,
    source: String,
    #[serde(default)]
    agent: Option<String>,
    score: Option<u8>,
    tier: Option<String>,
    service_type: Option<String>,
    attitude: Option<u8>,
    procedure: Option<u8>,
    hits: Vec<HitLine>,
    turns: Vec<TurnLine>,
    error: Option<String>,
    rules_version: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    scoring: Option<ScoringLine>,
    /// Where it was read: file and line.
    #[serde(skip)]
    at: String,
}

#[derive(Debug, Deserialize)]
struct HitLine {
    rule_id: String,
    fatal: bool,
    review: bool,
    turn: usize,
    /// The sentence of the turn the words were said in; absent for the hits that are no
    /// sentence charges, and in lines written before the sentence policy.
    #[serde(default)]
    sentence: Option<usize>,
    evidence: EvidenceLine,
    /// The recogniser's confidence in the words; absent where the input gave none.
    #[serde(default)]
    confidence: Option<f32>,
}

#[derive(Debug, Deserialize)]
struct EvidenceLine {
    kind: String,
    start: Option<u64>,
    end: Option<u64>,
    text: Option<String>,
    begin_ms: Option<u64>,
    end_ms: Option<u64>,
    measured_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct TurnLine {
    role: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct ScoringLine {
    base: i32,
    tiers: Vec<(String, i32)>,
    service_threshold: i32,
    service_types: [String; 4],
    /// The sentence policy; absent in lines written before there was one, which charged
    /// every hit.
    #[serde(default)]
    sentence: Option<String>,
    /// What an uncertain hit costs; absent in lines written before there was a policy, which
    /// charged every hit.
    #[serde(default)]
    confidence: Option<ConfidencePolicyLine>,
    rules: BTreeMap<String, WeightLine>,
}

#[derive(Debug, Deserialize)]
struct ConfidencePolicyLine {
    below: f64,
    action: String,
    #[serde(default)]
    fraction: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct WeightLine {
    points: i32,
    max_hits: Option<u32>,
    whole_call: bool,
    group: String,
    #[serde(default)]
    dimension: String,
}

impl EvidenceLine {
    /// The `start` and `end` a verdict names it by ([`crate::verdict::span`]).
    fn span(&self) -> (u64, u64) {
        match self.kind.as_str() {
            "said" | "missing" => (self.start.unwrap_or(0), self.end.unwrap_or(0)),
            _ => (self.begin_ms.unwrap_or(0), self.end_ms.unwrap_or(0)),
        }
    }

    /// The evidence in a few characters: the words, cut, or the measured time.
    fn brief(&self) -> String {
        const WORDS: usize = 20;
        let seconds = |what: &str| {
            format!(
                "{what}{:.1}秒",
                self.measured_ms.unwrap_or(0) as f64 / 1000.0
            )
        };
        match self.kind.as_str() {
            "silence" => seconds("静音"),
            "overlap" => seconds("抢话"),
            _ => {
                let text: String = self
                    .text
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if text.chars().count() > WORDS {
                    let cut: String = text.chars().take(WORDS).collect();
                    format!("“{cut}…”")
                } else {
                    format!("“{text}”")
                }
            }
        }
    }
}

/// The lines of a results JSONL, read one at a time: a month of results is never all in memory.
/// Each line is read as a `T` by `parse`: [`ResultLine`] for rescoring, what a trend needs for
/// `zhijian trend`.
pub struct Results<T = ResultLine> {
    lines: io::Lines<BufReader<File>>,
    name: String,
    line: usize,
    parse: fn(&str, &str) -> Result<T, RescoreError>,
}

impl Results {
    /// Opens a results JSONL to rescore.
    pub fn open(path: &Path) -> Result<Results, RescoreError> {
        Results::open_with(path, parse, Purpose::Rescore)
    }
}

impl<T> Results<T> {
    /// Opens a results JSONL whose lines `parse` reads. A file zhijian writes for another
    /// purpose — rescore's own final scores, a verdicts.csv, the score CSV, a workbook, the
    /// review page — is named as what it is, so a user who gave the wrong file knows which one
    /// to give.
    pub fn open_with(
        path: &Path,
        parse: fn(&str, &str) -> Result<T, RescoreError>,
        purpose: Purpose,
    ) -> Result<Results<T>, RescoreError> {
        let io = |source| RescoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let name = path.display().to_string();
        let mut reader = BufReader::with_capacity(64 * 1024, File::open(path).map_err(io)?);
        let head = reader.fill_buf().map_err(io)?;
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(RescoreError::Bad {
                at: name,
                message: match purpose {
                    Purpose::Rescore => "文件为空,没有可重算的通话",
                    Purpose::Trend => "文件为空,没有通话",
                }
                .into(),
            });
        }
        match own_reports::recognise(head) {
            Some(r) if r.kind != Kind::Results => {
                return Err(RescoreError::Bad {
                    at: name,
                    message: format!("{},不是质检结果{}", r.this_is(), hint(r.kind, purpose)),
                })
            }
            _ => {}
        }
        Ok(Results {
            lines: reader.lines(),
            name,
            line: 0,
            parse,
        })
    }
}

/// What a results file is read for, which decides what a message about a wrong file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `zhijian rescore`.
    Rescore,
    /// `zhijian trend`.
    Trend,
}

/// What to give instead, when a report of `kind` was given as the results.
fn hint(kind: Kind, purpose: Purpose) -> &'static str {
    if purpose == Purpose::Trend {
        return match kind {
            Kind::Page => ";请给和它一起写出的质检结果 (zhijian grade --out 结果.jsonl)",
            Kind::Results => "",
            _ => ";趋势读的是每批质检时 zhijian grade --out 结果.jsonl 写出的 JSONL",
        };
    }
    match kind {
        Kind::FinalScores => {
            ";请给质检时 zhijian grade --out 结果.jsonl 写出的 JSONL (最终得分表是重算的结果,不能再拿来重算)"
        }
        Kind::Verdicts => ";质检结果在前,复核结论在后: zhijian rescore 结果.jsonl verdicts.csv",
        Kind::Scores | Kind::Findings | Kind::Workbook | Kind::Worksheet => {
            ";这里面没有重算所需的命中和评分参数,请给 zhijian grade --out 结果.jsonl 写出的 JSONL"
        }
        Kind::Page => ";请给和它一起写出的质检结果 (zhijian grade --out 结果.jsonl)",
        Kind::TrendPage => ";请给质检时 zhijian grade --out 结果.jsonl 写出的 JSONL",
        Kind::Results => "",
    }
}

impl<T> Iterator for Results<T> {
    type Item = Result<T, RescoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = match self.lines.next()? {
                Ok(text) => text,
                Err(e) => {
                    let message = if e.kind() == io::ErrorKind::InvalidData {
                        "不是 UTF-8 文本,不是 zhijian 写出的质检结果".to_string()
                    } else {
                        crate::zh::io(&e)
                    };
                    // The line is gone either way: the next one is the line after it.
                    self.line += 1;
                    return Some(Err(RescoreError::Bad {
                        at: format!("{}:{}", self.name, self.line),
                        message,
                    }));
                }
            };
            self.line += 1;
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            return Some((self.parse)(text, &format!("{}:{}", self.name, self.line)));
        }
    }
}

/// One line of a results JSONL as JSON, once it is known to be one.
pub fn results_value(text: &str, at: &str) -> Result<serde_json::Value, RescoreError> {
    let not_results = || {
        RescoreError::Bad {
        at: at.to_string(),
        message: format!(
            "不是 zhijian 的质检结果 (zhijian grade --out 结果.jsonl 写出的 JSONL,每行带 \"schema\": \"{}\")",
            crate::report::SCHEMA
        ),
    }
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // A line that starts as ours and breaks off: the file was cut short (a full disk, a run
        // killed while another program copied it), not some other file.
        let ours = format!("{{\"schema\":\"{}\"", crate::report::SCHEMA);
        if e.is_eof() && text.starts_with(&ours) {
            RescoreError::Bad {
                at: at.to_string(),
                message: "这一行不完整 (文件在这里断了:可能还在写入,或复制、写入时中断)".into(),
            }
        } else {
            not_results()
        }
    })?;
    if value.get("schema").and_then(|s| s.as_str()) != Some(crate::report::SCHEMA) {
        return Err(not_results());
    }
    Ok(value)
}

/// One results line; `at` names it in messages.
pub fn parse(text: &str, at: &str) -> Result<ResultLine, RescoreError> {
    let bad = |message: String| RescoreError::Bad {
        at: at.to_string(),
        message,
    };
    let value = results_value(text, at)?;
    let mut line: ResultLine = serde_json::from_value(value)
        .map_err(|e| bad(format!("质检结果的字段不完整或类型不对: {e}")))?;
    debug_assert_eq!(line.schema.as_deref(), Some(crate::report::SCHEMA));
    if line.error.is_none() && line.scoring.is_none() {
        return Err(bad(
            "这一行没有 scoring (重算所需的评分参数),是旧版 zhijian 写的结果;\
             请用当前版本重新 zhijian grade --out 结果.jsonl (同一版规则下,复核结论仍然对得上)"
                .into(),
        ));
    }
    line.at = at.to_string();
    Ok(line)
}

/// A call's scores, as graded or after review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub score: u8,
    pub tier: String,
    pub service_type: String,
    pub attitude: u8,
    pub procedure: u8,
}

impl Card {
    fn of(card: &Scorecard) -> Card {
        Card {
            score: card.score,
            tier: card.tier.clone(),
            service_type: card.service_type.clone(),
            attitude: card.attitude,
            procedure: card.procedure,
        }
    }
}

/// On whose word a hit was removed or kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// Nobody judged it (or only an appeal waits): it stays.
    Unreviewed,
    /// The reviewers' verdict, and who gave it (`、`-separated).
    Review {
        judgement: Judgement,
        reviewers: String,
    },
    /// An appeal's decision, who made it and when.
    Appeal {
        decision: Decision,
        decided_by: String,
        decided_at: String,
    },
}

/// What became of one hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fate {
    pub rule_id: String,
    pub turn: usize,
    /// The words, cut to a few characters, or the measured time.
    pub evidence: String,
    pub kept: bool,
    pub basis: Basis,
    /// An appeal against it waits for a decision.
    pub pending: bool,
}

/// A call's final score after review and appeals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Final {
    pub call_id: String,
    pub source: String,
    pub agent: String,
    pub channel: String,
    /// As graded; `None` for an input that could not be read.
    pub machine: Option<Card>,
    /// With the removed hits gone.
    pub after: Option<Card>,
    /// Every hit, in the order of the results.
    pub hits: Vec<Fate>,
    pub error: Option<String>,
}

impl Final {
    /// Removed hits, by how: (误判 in review, 撤销 on appeal).
    pub fn removed(&self) -> (usize, usize) {
        let mut by = (0, 0);
        for f in self.hits.iter().filter(|f| !f.kept) {
            match f.basis {
                Basis::Appeal { .. } => by.1 += 1,
                _ => by.0 += 1,
            }
        }
        by
    }
}

/// What review and appeals decided, by hit, and which of it the results used.
pub struct Decisions {
    review: HashMap<String, Verdict>,
    appeals: HashMap<String, Appeal>,
    used: HashSet<String>,
}

impl Decisions {
    /// Each hit's settled verdict (as precision counts it) and its appeal.
    pub fn new(all: &Verdicts) -> Decisions {
        Decisions {
            review: all
                .hits()
                .into_iter()
                .map(|j| (j.verdict.hit_key(), j.verdict))
                .collect(),
            appeals: all
                .appeals
                .iter()
                .map(|a| (a.key.clone(), a.clone()))
                .collect(),
            used: HashSet::new(),
        }
    }

    /// What was decided of the hit known by any of `keys`.
    fn of(&mut self, keys: &[String]) -> (Option<&Verdict>, Option<&Appeal>) {
        let review = keys.iter().find(|k| self.review.contains_key(*k));
        let appeal = keys.iter().find(|k| self.appeals.contains_key(*k));
        for k in review.into_iter().chain(appeal) {
            self.used.insert(k.clone());
        }
        (
            review.and_then(|k| self.review.get(k)),
            appeal.and_then(|k| self.appeals.get(k)),
        )
    }

    /// Verdicts and appeals that named no hit of the results, as `call 规则 第 N 轮` (from
    /// another batch, or made under other rules: the rules version is part of a hit's name).
    pub fn unused(&self) -> Vec<String> {
        let mut out: Vec<((String, usize), String)> = self
            .review
            .iter()
            .filter(|(k, _)| !self.used.contains(*k))
            .map(|(_, v)| (place(&v.at), describe(&v.call_id, &v.rule_id, v.turn)))
            .chain(
                self.appeals
                    .iter()
                    .filter(|(k, _)| !self.used.contains(*k))
                    .map(|(_, a)| {
                        (
                            place(&a.at),
                            format!("{} (申诉)", describe(&a.call_id, &a.rule_id, a.turn)),
                        )
                    }),
            )
            .collect();
        out.sort();
        out.into_iter().map(|(_, d)| d).collect()
    }
}

/// `file:line` as something that sorts line 9 before line 10.
fn place(at: &str) -> (String, usize) {
    match at.rsplit_once(':') {
        Some((file, line)) => (file.to_string(), line.parse().unwrap_or(0)),
        None => (at.to_string(), 0),
    }
}

fn describe(call_id: &str, rule_id: &str, turn: usize) -> String {
    format!("{call_id} {rule_id} 第 {} 轮", turn + 1)
}

/// Scores `line` again without the hits review and appeals removed.
pub fn rescore(line: &ResultLine, decisions: &mut Decisions) -> Result<Final, RescoreError> {
    let bad = |message: String| RescoreError::Bad {
        at: line.at.clone(),
        message: format!("通话 {}: {message}", line.call_id),
    };
    let mut out = Final {
        call_id: line.call_id.clone(),
        source: line.source.clone(),
        agent: line.agent.clone().unwrap_or_default(),
        channel: line.channel.clone().unwrap_or_default(),
        machine: None,
        after: None,
        hits: Vec::new(),
        error: line.error.clone(),
    };
    let Some(scoring) = &line.scoring else {
        return Ok(out);
    };
    let scheme = Scoring {
        name: None,
        base: scoring.base,
        tiers: scoring.tiers.clone(),
        flag_tiers: Vec::new(),
        attitude_dimensions: Vec::new(),
        procedure_dimensions: Vec::new(),
        service_threshold: scoring.service_threshold,
        service_types: scoring.service_types.clone(),
        sentence: match scoring.sentence.as_deref() {
            None => SentencePolicy::Hit,
            Some(name) => SentencePolicy::from_name(name).ok_or_else(|| {
                bad(format!(
                    "scoring 的 sentence 是 \"{name}\",应为 {}",
                    SentencePolicy::NAMES.join("、")
                ))
            })?,
        },
        // Rescoring reads hits already found; how they were matched does not matter here.
        sound_alike: false,
        confidence: match &scoring.confidence {
            None => ConfidencePolicy {
                below: 0.0,
                action: Uncertain::Deduct,
            },
            Some(c) => ConfidencePolicy {
                below: c.below,
                action: match (c.action.as_str(), c.fraction) {
                    ("review", _) => Uncertain::Review,
                    ("fraction", Some(f)) => Uncertain::Fraction(f),
                    ("deduct", _) => Uncertain::Deduct,
                    (other, _) => {
                        return Err(bad(format!(
                            "scoring 的 confidence.action 是 \"{other}\"{},应为 {}",
                            if other == "fraction" {
                                " 却没有 fraction"
                            } else {
                                ""
                            },
                            Uncertain::NAMES.join("、")
                        )))
                    }
                },
            },
        },
        schemes: Vec::new(),
    };
    let mut weights: Vec<Weight<'_>> = Vec::with_capacity(scoring.rules.len());
    for (id, w) in &scoring.rules {
        let group = match w.group.as_str() {
            "attitude" => Group::Attitude,
            "procedure" => Group::Procedure,
            other => {
                return Err(bad(format!(
                    "规则 {id} 的 group 是 \"{other}\",应为 attitude 或 procedure"
                )))
            }
        };
        // Fatal and review are written on each hit.
        let first = line.hits.iter().find(|h| h.rule_id == *id);
        weights.push(Weight {
            id,
            points: w.points,
            max_hits: w.max_hits,
            whole_call: w.whole_call,
            fatal: first.is_some_and(|h| h.fatal),
            review: first.is_some_and(|h| h.review),
            group,
            dimension: &w.dimension,
        });
    }
    let mut rules = Vec::with_capacity(line.hits.len());
    for h in &line.hits {
        match weights.iter().position(|w| w.id == h.rule_id) {
            Some(i) => rules.push(Charge {
                rule: i,
                sentence: h.sentence.map(|s| (h.turn, s)),
                confidence: h.confidence,
            }),
            None => {
                return Err(bad(format!(
                    "命中的规则 {} 不在 scoring.rules 里,无法重算",
                    h.rule_id
                )))
            }
        }
    }
    let channel: Channel = line
        .channel
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or_default();
    let machine = Card::of(&tally(&scheme, &weights, &rules, channel));
    let recorded = Card {
        score: line.score.unwrap_or_default(),
        tier: line.tier.clone().unwrap_or_default(),
        service_type: line.service_type.clone().unwrap_or_default(),
        attitude: line.attitude.unwrap_or_default(),
        procedure: line.procedure.unwrap_or_default(),
    };
    if machine != recorded {
        return Err(bad(format!(
            "按这一行记录的评分参数,保留全部命中重算得 {} 分 ({}),与记录的 {} 分 ({}) 不同;\
             这一行可能被改过,无法据此重算",
            machine.score, machine.tier, recorded.score, recorded.tier
        )));
    }

    let print = fingerprint(
        line.turns
            .iter()
            .map(|t| (t.role.as_str(), t.text.as_str())),
    );
    let mut kept = Vec::with_capacity(rules.len());
    for (h, &rule) in line.hits.iter().zip(&rules) {
        let keys: Vec<String> = [print.as_str(), line.source.as_str()]
            .iter()
            .map(|call| {
                hit_key(
                    call,
                    &line.call_id,
                    &h.rule_id,
                    h.turn,
                    &h.evidence.kind,
                    h.evidence.span(),
                    &line.rules_version,
                )
            })
            .collect();
        let (review, appeal) = decisions.of(&keys);
        let decided = appeal.and_then(|a| a.decision.map(|d| (a, d)));
        // A person who listened and kept the hit settles what the recogniser was unsure of:
        // it costs in full.
        let heard = match (decided, review) {
            (Some((_, decision)), _) => decision == Decision::Upheld,
            (None, Some(v)) => v.judgement == Judgement::Confirmed,
            (None, None) => false,
        };
        let (stays, basis) = match (decided, review) {
            (Some((a, decision)), _) => (
                decision == Decision::Upheld,
                Basis::Appeal {
                    decision,
                    decided_by: a.decided_by.clone(),
                    decided_at: a.decided_at.clone(),
                },
            ),
            (None, Some(v)) => (
                v.judgement != Judgement::Rejected,
                Basis::Review {
                    judgement: v.judgement,
                    reviewers: v.reviewer.clone(),
                },
            ),
            (None, None) => (true, Basis::Unreviewed),
        };
        if stays {
            kept.push(Charge {
                confidence: if heard { None } else { rule.confidence },
                ..rule
            });
        }
        out.hits.push(Fate {
            rule_id: h.rule_id.clone(),
            turn: h.turn,
            evidence: h.evidence.brief(),
            kept: stays,
            basis,
            pending: appeal.is_some() && decided.is_none(),
        });
    }
    out.after = Some(Card::of(&tally(&scheme, &weights, &kept, channel)));
    out.machine = Some(machine);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::grade_call;
    use crate::input::parse_text;
    use crate::rule::RuleSet;

    /// The JSONL line of one call graded with the built-in rules.
    fn line_of(text: &str) -> ResultLine {
        let set = RuleSet::embedded().unwrap();
        let call = parse_text(text, "c1").unwrap();
        let row = crate::grade::Graded {
            source: "calls/c1.txt".into(),
            call_id: "c1".into(),
            outcome: Ok(grade_call(&set, call)),
        };
        let json = crate::report::jsonl_line(&set, &row);
        parse(&json, "r.jsonl:1").unwrap()
    }

    /// Verdict rows on hits of `line` (by index): (hit, verdict, reviewer, appeal decision); the
    /// decision `待` is an appeal not decided yet, an empty one no appeal.
    fn verdicts(line: &ResultLine, rows: &[(usize, &str, &str, &str)]) -> Verdicts {
        let mut csv = String::from(
            "call_id,source,rule_id,turn,start,end,verdict,reviewer,rules_version,kind,transcript,appeal,decision,decided_by,decided_at\n",
        );
        let print = fingerprint(
            line.turns
                .iter()
                .map(|t| (t.role.as_str(), t.text.as_str())),
        );
        for &(n, verdict, reviewer, decision) in rows {
            let h = &line.hits[n];
            let (start, end) = h.evidence.span();
            let appeal = if decision.is_empty() { "" } else { "不服" };
            let decision = if decision == "待" { "" } else { decision };
            csv.push_str(&format!(
                "{},{},{},{},{start},{end},{verdict},{reviewer},{},{},{print},{appeal},{decision},王经理,2026-11-20\n",
                line.call_id, line.source, h.rule_id, h.turn, line.rules_version, h.evidence.kind
            ));
        }
        let mut all = Verdicts::default();
        crate::verdict::read_into(&mut all, csv.as_bytes(), Path::new("v.csv")).unwrap();
        all
    }

    /// Four 不知道 by the agent, each its own sentence: LNG001 counts three (max_hits), so
    /// removing the first brings the fourth into the score, as the review page does.
    const FOUR_DONT_KNOWS: &str = "客服：您好,请问有什么可以帮您?\n客户：我的快递呢?\n\
        客服：不知道。\n客户：啊?\n客服：不知道。真不知道。\n客户：那谁知道?\n客服：不知道。\n\
        客户：好吧。\n客服：还有其他问题吗?感谢您的来电,再见。\n";

    #[test]
    fn every_hit_kept_is_the_machine_score_and_a_removed_one_lets_the_next_count() {
        let line = line_of(FOUR_DONT_KNOWS);
        let ids: Vec<&str> = line.hits.iter().map(|h| h.rule_id.as_str()).collect();
        let lng: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == "LNG001").collect();
        assert_eq!(lng.len(), 4, "{ids:?}");
        let mut none = Decisions::new(&Verdicts::default());
        let f = rescore(&line, &mut none).unwrap();
        assert_eq!(f.machine, f.after);
        assert_eq!(f.machine.as_ref().unwrap().score, line.score.unwrap());
        assert!(f
            .hits
            .iter()
            .all(|h| h.kept && h.basis == Basis::Unreviewed));

        // The first 不知道 is 误判: the fourth now counts, the score is unchanged.
        let all = verdicts(&line, &[(lng[0], "误判", "张敏", "")]);
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        assert_eq!(f.after, f.machine, "the cap: one removed, the next counts");
        assert!(!f.hits[lng[0]].kept);
        assert_eq!(f.hits[lng[0]].evidence, "“不知道”");
        assert_eq!(f.removed(), (1, 0));
        // Two removed: one deduction fewer.
        let all = verdicts(
            &line,
            &[(lng[0], "误判", "张敏", ""), (lng[1], "误判", "张敏", "")],
        );
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        let (before, after) = (f.machine.unwrap(), f.after.unwrap());
        assert_eq!(after.score, before.score + 5, "LNG001 is -5");
        assert_eq!(after.attitude, before.attitude + 5);
        assert_eq!(after.procedure, before.procedure);
    }

    /// A deduction held because the recogniser doubted its words: kept unreviewed it still
    /// costs nothing; confirmed by a supervisor (or upheld on appeal) it costs in full; 误判
    /// removes it. Lines written before the policy charge every hit, as they were scored.
    #[test]
    fn a_doubted_hit_costs_once_a_person_confirms_it() {
        let mut line = line_of(FOUR_DONT_KNOWS);
        let lng: Vec<usize> = (0..line.hits.len())
            .filter(|&i| line.hits[i].rule_id == "LNG001")
            .collect();
        // The last 不知道 barely heard: three still count (the cap), but the call is flagged;
        // scored with it held, the recorded score is what the machine gives.
        line.hits[lng[3]].confidence = Some(0.2);
        let f = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap();
        assert_eq!(f.machine, f.after);
        // The first removed: the fourth, doubted, does not take its place.
        let all = verdicts(&line, &[(lng[0], "误判", "张敏", "")]);
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        let (before, after) = (f.machine.clone().unwrap(), f.after.clone().unwrap());
        assert_eq!(after.score, before.score + 5);
        // ...unless a supervisor heard it.
        for rows in [
            vec![(lng[0], "误判", "张敏", ""), (lng[3], "确认", "张敏", "")],
            vec![
                (lng[0], "误判", "张敏", ""),
                (lng[3], "确认", "张敏", "维持"),
            ],
        ] {
            let all = verdicts(&line, &rows);
            let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
            assert_eq!(f.after, f.machine, "{rows:?}");
        }
        // 存疑 is no confirmation.
        let all = verdicts(
            &line,
            &[(lng[0], "误判", "张敏", ""), (lng[3], "存疑", "张敏", "")],
        );
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        assert_eq!(f.after.unwrap().score, before.score + 5);
        // A line from before the policy charged everything: a confidence there changes nothing.
        line.scoring.as_mut().unwrap().confidence = None;
        let all = verdicts(&line, &[(lng[0], "误判", "张敏", "")]);
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        assert_eq!(f.after, f.machine);
    }

    /// One sentence with RSP001 (−2) and LNG001 (−5), both language: the line records the
    /// sentence and the policy, LNG001 is charged and RSP001 waived; once LNG001 is found 误判
    /// the sentence costs RSP001's two points, as grading without it would.
    #[test]
    fn a_sentence_charged_once_charges_the_next_deduction_once_its_own_is_removed() {
        let text = "客服：您好,工号1024为您服务。\n客户：我的快递呢?\n\
                    客服：我们会尽快给您处理,这个没办法。\n客户：好吧。\n\
                    客服：还有其他问题吗?感谢您的来电,再见。\n";
        let line = line_of(text);
        let scoring = line.scoring.as_ref().unwrap();
        assert_eq!(scoring.sentence.as_deref(), Some("dimension"));
        assert_eq!(scoring.rules["RSP001"].dimension, "language");
        let at = |id: &str| line.hits.iter().position(|h| h.rule_id == id).unwrap();
        let (lng, rsp) = (at("LNG001"), at("RSP001"));
        assert_eq!(line.hits[lng].sentence, Some(0));
        assert_eq!(line.hits[rsp].sentence, Some(0));
        assert_eq!(line.score, Some(95), "one charge: LNG001's five points");
        let f = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap();
        assert_eq!(f.machine, f.after);

        let all = verdicts(&line, &[(lng, "误判", "张敏", "")]);
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        assert_eq!(
            f.after.as_ref().unwrap().score,
            98,
            "RSP001 now costs its two"
        );
        // Grading the call without LNG001 gives the same.
        let mut set = RuleSet::embedded().unwrap();
        let i = set.rules.iter().position(|r| r.id == "LNG001").unwrap();
        set.rules[i].enabled = false;
        let call = parse_text(text, "c1").unwrap();
        let hits: Vec<_> = set
            .evaluate(&call)
            .into_iter()
            .filter(|h| h.rule != i)
            .collect();
        let judged = crate::rule::Judged {
            hits,
            ..Default::default()
        };
        assert_eq!(crate::score::score(&set, &call, &judged).score, 98);

        // A line that records another policy is re-scored with it; an older line without one
        // charged every hit.
        for (policy, score) in [(Some("hit"), 93), (Some("rule"), 93), (None, 93)] {
            let mut line = line_of(text);
            line.scoring.as_mut().unwrap().sentence = policy.map(String::from);
            line.score = Some(score);
            line.attitude = Some(score);
            line.tier = Some("良好".into());
            let f = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap();
            assert_eq!(f.machine.unwrap().score, score, "{policy:?}");
        }
        let mut line = line_of(text);
        line.scoring.as_mut().unwrap().sentence = Some("once".into());
        let e = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("scoring 的 sentence 是 \"once\",应为 dimension、rule、hit"),
            "{e}"
        );
    }

    #[test]
    fn an_appeal_decision_is_the_last_word_and_a_tie_keeps_the_hit() {
        let line = line_of(FOUR_DONT_KNOWS);
        let n = line
            .hits
            .iter()
            .position(|h| h.rule_id == "LNG001")
            .unwrap();
        let fate = |rows: &[(usize, &str, &str, &str)]| {
            let all = verdicts(&line, rows);
            let mut d = Decisions::new(&all);
            rescore(&line, &mut d).unwrap().hits[n].clone()
        };
        // 误判 in review, appeal 维持: kept, on the appeal's word.
        let f = fate(&[(n, "误判", "张敏", "维持")]);
        assert!(f.kept && !f.pending);
        assert_eq!(
            f.basis,
            Basis::Appeal {
                decision: Decision::Upheld,
                decided_by: "王经理".into(),
                decided_at: "2026-11-20".into()
            }
        );
        // 确认 in review, appeal 撤销: removed, and counted as overturned.
        let f = fate(&[(n, "确认", "张敏", "撤销")]);
        assert!(!f.kept);
        let all = verdicts(&line, &[(n, "确认", "张敏", "撤销")]);
        let whole = rescore(&line, &mut Decisions::new(&all)).unwrap();
        assert_eq!(whole.removed(), (0, 1));
        // An appeal without a decision: the review decides, and the appeal is pending.
        let f = fate(&[(n, "误判", "张敏", "")]);
        assert!(!f.kept && !f.pending, "no appeal at all");
        let f = fate(&[(n, "确认", "张敏", "待")]);
        assert!(f.kept && f.pending);
        assert_eq!(
            f.basis,
            Basis::Review {
                judgement: Judgement::Confirmed,
                reviewers: "张敏".into()
            }
        );
        // Two reviewers split: 存疑, and the hit stays.
        let f = fate(&[(n, "确认", "张敏", ""), (n, "误判", "李强", "")]);
        assert!(f.kept);
        assert_eq!(
            f.basis,
            Basis::Review {
                judgement: Judgement::Debatable,
                reviewers: "张敏、李强".into()
            }
        );
        // Two of three say 误判: removed.
        let f = fate(&[
            (n, "确认", "张敏", ""),
            (n, "误判", "李强", ""),
            (n, "误判", "王芳", ""),
        ]);
        assert!(!f.kept);
    }

    #[test]
    fn verdicts_on_other_hits_are_reported_unused() {
        let line = line_of(FOUR_DONT_KNOWS);
        // A verdict and an appeal on hits of the line, and one of each made under other rules
        // (another rules version) on another turn.
        let mut all = verdicts(&line, &[(0, "误判", "张敏", ""), (1, "", "", "撤销")]);
        let mut other = all.verdicts[0].clone();
        other.rules_version = "0000000000000000".into();
        other.turn = 9;
        other.at = "v.csv:9".into();
        all.verdicts.push(other);
        let mut appeal = all.appeals[0].clone();
        appeal.key = "elsewhere".into();
        appeal.turn = 8;
        appeal.at = "v.csv:10".into();
        all.appeals.push(appeal);
        let mut d = Decisions::new(&all);
        rescore(&line, &mut d).unwrap();
        let (a, b) = (&line.hits[0], &line.hits[1]);
        assert_eq!(
            d.unused(),
            [
                format!("c1 {} 第 10 轮", a.rule_id),
                format!("c1 {} 第 9 轮 (申诉)", b.rule_id),
            ],
            "in the order of the files: line 9, then line 10"
        );
    }

    /// An insult (LNG002) is fatal: the call scores 0 whatever else it has, until the insult is
    /// found 误判; then the rest counts. Fatal is written on the hits, so each rule's weight
    /// takes it from its own hits.
    #[test]
    fn a_fatal_hit_removed_gives_the_call_back_its_score() {
        let line = line_of(
            "客户：你们这什么破服务,我要投诉你!\n客服：你有病吧?不知道。\n客户：……\n\
             客服：还有其他问题吗?感谢您的来电,再见。\n",
        );
        let fatal = line
            .hits
            .iter()
            .position(|h| h.rule_id == "LNG002")
            .unwrap();
        assert!(line.hits.iter().any(|h| h.rule_id == "LNG001"));
        let f = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap();
        let machine = f.machine.unwrap();
        assert_eq!(
            (machine.score, machine.service_type.as_str()),
            (0, "冷淡型")
        );
        let all = verdicts(&line, &[(fatal, "误判", "张敏", "")]);
        let f = rescore(&line, &mut Decisions::new(&all)).unwrap();
        let after = f.after.unwrap();
        assert!(after.score > 0 && after.score < 100, "{after:?}");
    }

    #[test]
    fn evidence_is_its_words_cut_short_or_the_time_measured() {
        let evidence = |kind: &str, text: &str, measured: u64| EvidenceLine {
            kind: kind.into(),
            start: Some(2),
            end: Some(5),
            text: Some(text.into()),
            begin_ms: Some(1000),
            end_ms: Some(1000 + measured),
            measured_ms: Some(measured),
        };
        assert_eq!(evidence("silence", "", 15_000).brief(), "静音15.0秒");
        assert_eq!(evidence("overlap", "", 1_250).brief(), "抢话1.2秒");
        let twenty = "一二三四五六七八九十".repeat(2);
        assert_eq!(evidence("said", &twenty, 0).brief(), format!("“{twenty}”"));
        let longer = format!("{twenty}多");
        assert_eq!(
            evidence("missing", &longer, 0).brief(),
            format!("“{twenty}…”")
        );
        assert_eq!(evidence("said", "不 知\n道", 0).brief(), "“不 知 道”");
        assert_eq!(evidence("said", "", 0).span(), (2, 5));
        assert_eq!(evidence("missing", "", 0).span(), (2, 5));
        assert_eq!(evidence("silence", "", 300).span(), (1000, 1300));
        assert_eq!(evidence("overlap", "", 300).span(), (1000, 1300));
    }

    #[test]
    fn a_line_whose_scoring_does_not_give_its_score_is_refused() {
        let mut line = line_of(FOUR_DONT_KNOWS);
        line.score = line.score.map(|s| s - 1);
        let e = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("r.jsonl:1: 通话 c1: 按这一行记录的评分参数,保留全部命中重算得"),
            "{e}"
        );
    }

    #[test]
    fn lines_that_are_not_results_say_so() {
        let e = parse("{\"a\": 1}", "x:1").unwrap_err();
        assert!(
            e.to_string().starts_with("x:1: 不是 zhijian 的质检结果"),
            "{e}"
        );
        let e = parse("call_id,source", "x:1").unwrap_err();
        assert!(
            e.to_string().starts_with("x:1: 不是 zhijian 的质检结果"),
            "{e}"
        );
        let mut value: serde_json::Value = serde_json::from_str(&crate::report::jsonl_line(
            &RuleSet::embedded().unwrap(),
            &crate::grade::Graded {
                source: "a".into(),
                call_id: "a".into(),
                outcome: Ok(grade_call(
                    &RuleSet::embedded().unwrap(),
                    parse_text("客服：不知道。\n客户：哦。\n", "a").unwrap(),
                )),
            },
        ))
        .unwrap();
        value.as_object_mut().unwrap().remove("scoring");
        let e = parse(&value.to_string(), "old.jsonl:1").unwrap_err();
        assert!(e.to_string().contains("是旧版 zhijian 写的结果"), "{e}");
        // An input error has no scores to recompute: it passes through.
        value["error"] = "空文件".into();
        let line = parse(&value.to_string(), "e:1").unwrap();
        let f = rescore(&line, &mut Decisions::new(&Verdicts::default())).unwrap();
        assert_eq!((f.machine, f.error.as_deref()), (None, Some("空文件")));
    }
}
