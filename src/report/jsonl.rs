//! JSON Lines: one object per call, the machine interface for other tools.
//!
//! Each line stands alone: the call's identity and source, its scores, every hit with its
//! structured evidence and what it cost, the transcript the evidence points into, or the input
//! error. The shape is versioned by the `schema` field and described by
//! `schema/zhijian.call.v1.schema.json` in the repository; a new field may be added within a
//! version, a field is never renamed or removed without a new one. Text is written exactly as
//! read: no spreadsheet neutralising here.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Output, Report, Spec};
use crate::grade::Graded;
use crate::rule::{Evidence, Group, Quote, RuleSet};
use crate::score::ERROR_REASON;

/// The value of every line's `schema` field.
pub const SCHEMA: &str = "zhijian.call.v1";

pub(super) const SPEC: Spec = Spec {
    name: "jsonl",
    extensions: &["jsonl", "ndjson"],
    binary: false,
    commit_rank: 1,
    open: |out, cx| Ok(Box::new(Jsonl { out, cx })),
};

struct Jsonl<'a> {
    out: Output,
    cx: Context<'a>,
}

/// One call as the JSONL line (and the HTML report's data) has it.
#[derive(Serialize)]
pub(super) struct Line<'a> {
    schema: &'static str,
    call_id: &'a str,
    source: &'a str,
    agent: Option<&'a str>,
    /// The call's day (`2026-12-05`) and where it came from: `given` (`grade --date`),
    /// `meta:KEY`, or `graded` (the day of grading).
    date: String,
    date_from: String,
    meta: Option<&'a BTreeMap<String, String>>,
    score: Option<u8>,
    tier: Option<&'a str>,
    service_type: Option<&'a str>,
    attitude: Option<u8>,
    procedure: Option<u8>,
    flagged: bool,
    flag_reasons: Vec<&'a str>,
    hit_counts: BTreeMap<&'a str, usize>,
    hits: Vec<HitLine<'a>>,
    turns: Vec<TurnLine<'a>>,
    error: Option<String>,
    rules_version: &'a str,
    roles: Option<RolesLine<'a>>,
    duration_ms: Option<u64>,
    channel: Option<&'static str>,
    not_applicable: Vec<&'a str>,
    /// Rules that apply but could not judge the call (no timestamps, no metadata field).
    unjudged: Vec<&'a str>,
    /// Whether the customer's personal numbers were masked.
    masked: bool,
    scoring: Option<ScoringLine<'a>>,
}

/// What scoring the call again needs (`zhijian rescore`, after review and appeals): the numbers
/// of the channel's scheme and the weight of each rule that hit. A hit's own `points` are what it
/// counted for, 0 beyond the cap, so they cannot tell what the next hit is worth once one is
/// removed; and the rule files may have changed by the time an appeal is decided.
#[derive(Serialize)]
struct ScoringLine<'a> {
    base: i32,
    /// Tier names with their lowest score, from the highest down.
    tiers: Vec<(&'a str, i32)>,
    service_threshold: i32,
    /// Both sub-scores good, 个人特性 only, 程序特性 only, neither.
    service_types: [&'a str; 4],
    /// How often one sentence may cost: `dimension`, `rule` or `hit`.
    sentence: &'static str,
    /// What a hit whose words the recogniser was unsure of costs.
    confidence: ConfidencePolicyLine,
    /// Each rule that hit, by id; `fatal` and `review` are on its hits.
    rules: BTreeMap<&'a str, WeightLine<'a>>,
}

#[derive(Serialize)]
pub(super) struct ConfidencePolicyLine {
    /// Hits whose confidence is below this are uncertain.
    below: f64,
    /// `review`, `fraction` or `deduct`.
    action: &'static str,
    /// The share of the points a `fraction` charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    fraction: Option<f64>,
}

impl ConfidencePolicyLine {
    pub(super) fn of(policy: crate::rule::ConfidencePolicy) -> Self {
        ConfidencePolicyLine {
            below: policy.below,
            action: policy.action.name(),
            fraction: policy.action.fraction(),
        }
    }
}

#[derive(Serialize)]
struct WeightLine<'a> {
    points: i32,
    max_hits: Option<u32>,
    whole_call: bool,
    group: &'static str,
    /// A sentence is charged once per dimension.
    dimension: &'a str,
}

impl<'a> ScoringLine<'a> {
    fn of(set: &'a RuleSet, o: &'a crate::grade::Outcome) -> Self {
        let s = set.scoring.scheme(o.card.channel);
        ScoringLine {
            base: s.base,
            tiers: s.tiers.iter().map(|(n, m)| (n.as_str(), *m)).collect(),
            service_threshold: s.service_threshold,
            service_types: [
                &s.service_types[0],
                &s.service_types[1],
                &s.service_types[2],
                &s.service_types[3],
            ],
            sentence: s.sentence.name(),
            confidence: ConfidencePolicyLine::of(s.confidence),
            rules: o
                .hits
                .iter()
                .map(|h| {
                    let r = &set.rules[h.rule];
                    let weight = WeightLine {
                        points: r.points,
                        max_hits: r.max_hits,
                        whole_call: r.judges_whole_call(),
                        group: match r.group {
                            Group::Attitude => "attitude",
                            Group::Procedure => "procedure",
                        },
                        dimension: &r.dimension,
                    };
                    (r.id.as_str(), weight)
                })
                .collect(),
        }
    }
}

/// How the roles were decided.
#[derive(Serialize)]
struct RolesLine<'a> {
    basis: &'static str,
    agent_speaker: Option<&'a str>,
    reason: String,
}

#[derive(Serialize)]
struct HitLine<'a> {
    rule_id: &'a str,
    rule_title: &'a str,
    dimension: &'a str,
    points: i32,
    fatal: bool,
    review: bool,
    message: &'a str,
    turn: usize,
    /// The sentence of the turn the words were said in, from 0; absent for the hits that are
    /// no sentence charges (other evidence, rules that judge the whole call).
    #[serde(skip_serializing_if = "Option::is_none")]
    sentence: Option<usize>,
    role: &'static str,
    begin_ms: Option<u64>,
    end_ms: Option<u64>,
    evidence: EvidenceLine<'a>,
    /// The recogniser's confidence in the quoted words, 0–1, where the input scored them.
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f32>,
    /// Below the scheme's `[confidence]` threshold: what the hit cost follows its `action`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    uncertain: bool,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum EvidenceLine<'a> {
    Said {
        start: usize,
        end: usize,
        text: &'a str,
        #[serde(flatten)]
        similar: Option<SimilarLine<'a>>,
        /// Matched by sound: the words as the rule spells them.
        #[serde(skip_serializing_if = "Option::is_none")]
        sounds_like: Option<&'a str>,
    },
    Missing {
        start: usize,
        end: usize,
        text: &'a str,
        first_turn: usize,
        last_turn: usize,
        #[serde(flatten)]
        similar: Option<SimilarLine<'a>>,
    },
    Overlap {
        begin_ms: u64,
        end_ms: u64,
        measured_ms: u64,
    },
    Silence {
        begin_ms: u64,
        end_ms: u64,
        measured_ms: u64,
    },
    Measured {
        measure: &'a str,
        name: &'a str,
        /// The measurement in words, as every report says it.
        text: String,
        /// A number, or the metadata's text.
        value: serde_json::Value,
        #[serde(skip_serializing_if = "str::is_empty")]
        unit: &'a str,
        limit: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        begin_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end_ms: Option<u64>,
    },
}

/// Words a `similar` term found: the example they read most like, and the score rounded to
/// three places. Absent from every other quote, so their lines are as before.
#[derive(Serialize)]
struct SimilarLine<'a> {
    similar_to: &'a str,
    similarity: f64,
}

impl<'a> SimilarLine<'a> {
    fn of(q: &'a Quote) -> Option<Self> {
        q.similar.as_ref().map(|r| SimilarLine {
            similar_to: &r.example,
            similarity: (f64::from(r.score) * 1000.0).round() / 1000.0,
        })
    }
}

impl<'a> EvidenceLine<'a> {
    fn of(e: &'a Evidence) -> Self {
        match e {
            Evidence::Said(q) => EvidenceLine::Said {
                start: q.start,
                end: q.end,
                text: &q.text,
                similar: SimilarLine::of(q),
                sounds_like: q.sounds_like.as_deref(),
            },
            Evidence::Missing { quote, first, last } => EvidenceLine::Missing {
                start: quote.start,
                end: quote.end,
                text: &quote.text,
                first_turn: *first,
                last_turn: *last,
                similar: SimilarLine::of(quote),
            },
            &Evidence::Overlap { begin_ms, end_ms } => EvidenceLine::Overlap {
                begin_ms,
                end_ms,
                measured_ms: end_ms - begin_ms,
            },
            &Evidence::Silence { begin_ms, end_ms } => EvidenceLine::Silence {
                begin_ms,
                end_ms,
                measured_ms: end_ms - begin_ms,
            },
            Evidence::Measured(m) => EvidenceLine::Measured {
                measure: m.measure,
                name: &m.name,
                text: m.describe(),
                // A count is written as one (3, not 3.0).
                value: match m.number {
                    Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => (n as i64).into(),
                    Some(n) => serde_json::Number::from_f64(n)
                        .map_or_else(|| m.value.clone().into(), serde_json::Value::Number),
                    None => m.value.clone().into(),
                },
                unit: m.unit,
                limit: &m.limit,
                begin_ms: m.begin_ms,
                end_ms: m.end_ms,
            },
        }
    }
}

#[derive(Serialize)]
struct TurnLine<'a> {
    role: &'static str,
    text: &'a str,
    begin_ms: Option<u64>,
    end_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speaker: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    emotion: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speech_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    silence_ms: Option<u64>,
    /// How sure the recogniser was of each stretch of the text (character offsets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    confidence: Vec<ConfidenceLine>,
}

#[derive(Serialize)]
struct ConfidenceLine {
    start: usize,
    end: usize,
    value: f32,
}

/// `row` as one line of the schema.
pub(super) fn line<'r>(cx: &Context<'r>, row: &'r Graded) -> Line<'r> {
    let set = cx.rules;
    let mut line = Line {
        schema: SCHEMA,
        call_id: &row.call_id,
        source: &row.source,
        agent: None,
        date: String::new(),
        date_from: String::new(),
        meta: None,
        score: None,
        tier: None,
        service_type: None,
        attitude: None,
        procedure: None,
        flagged: true,
        flag_reasons: vec![ERROR_REASON],
        hit_counts: BTreeMap::new(),
        hits: Vec::new(),
        turns: Vec::new(),
        error: None,
        rules_version: &set.version,
        roles: None,
        duration_ms: None,
        channel: None,
        not_applicable: Vec::new(),
        unjudged: Vec::new(),
        masked: cx.masked,
        scoring: None,
    };
    let day = cx
        .dating
        .of(row.outcome.as_ref().ok().map(|o| &o.call.meta));
    line.date = day.date.to_string();
    line.date_from = day.from.to_string();
    let o = match &row.outcome {
        Ok(o) => o,
        Err(e) => {
            line.error = Some(e.to_string());
            return line;
        }
    };
    let card = &o.card;
    line.agent = o.call.agent();
    line.meta = Some(&o.call.meta);
    line.roles = Some(RolesLine {
        basis: o.call.roles.kind(),
        agent_speaker: o.call.roles.agent_speaker(),
        reason: o.call.roles.describe(),
    });
    line.duration_ms = o.call.duration_ms;
    line.channel = Some(card.channel.name());
    line.not_applicable = card.not_applicable.iter().map(String::as_str).collect();
    line.unjudged = card.unjudged.iter().map(String::as_str).collect();
    line.scoring = Some(ScoringLine::of(set, o));
    line.score = Some(card.score);
    line.tier = Some(&card.tier);
    line.service_type = Some(&card.service_type);
    line.attitude = Some(card.attitude);
    line.procedure = Some(card.procedure);
    line.flagged = card.flagged;
    line.flag_reasons = card.flag_reasons.iter().map(String::as_str).collect();
    line.hit_counts = card
        .hit_counts
        .iter()
        .map(|(id, n)| (id.as_str(), *n))
        .collect();
    line.hits = o
        .hits
        .iter()
        .zip(&card.hit_points)
        .enumerate()
        .map(|(i, (hit, &points))| {
            let rule = &set.rules[hit.rule];
            let turn = &o.call.turns[hit.turn];
            HitLine {
                rule_id: &rule.id,
                rule_title: &rule.title,
                dimension: &rule.dimension,
                points,
                fatal: rule.fatal,
                review: rule.review,
                message: &rule.message,
                turn: hit.turn,
                sentence: card.hit_sentences.get(i).copied().flatten(),
                role: turn.role.as_str(),
                begin_ms: turn.begin,
                end_ms: turn.end,
                evidence: EvidenceLine::of(&hit.evidence),
                confidence: card.hit_confidence.get(i).copied().flatten(),
                uncertain: card.uncertain.get(i).copied().unwrap_or(false),
            }
        })
        .collect();
    line.turns = o
        .call
        .turns
        .iter()
        .map(|t| TurnLine {
            role: t.role.as_str(),
            text: &t.text,
            begin_ms: t.begin,
            end_ms: t.end,
            speaker: t.speaker.as_deref(),
            emotion: t.signals.emotion,
            speech_rate: t.signals.speech_rate,
            silence_ms: t.signals.silence_ms,
            confidence: t
                .confidence
                .iter()
                .map(|c| ConfidenceLine {
                    start: c.start,
                    end: c.end,
                    value: c.value,
                })
                .collect(),
        })
        .collect();
    line
}

/// `row` as its JSONL line, without the newline: for tests that need a results line.
#[cfg(test)]
pub(crate) fn text(set: &crate::rule::RuleSet, row: &Graded) -> String {
    let cx = Context {
        rules: set,
        bom: false,
        only_flagged: false,
        masked: false,
        dating: crate::day::Dating {
            given: None,
            today: jiff::civil::date(2026, 12, 6),
            zone: &crate::day::BEIJING,
        },
    };
    serde_json::to_string(&line(&cx, row)).expect("a line serialises")
}

impl Report for Jsonl<'_> {
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(4096);
        for row in rows.iter().filter(|r| self.cx.lists(r)) {
            buf.clear();
            serde_json::to_writer(&mut buf, &line(&self.cx, row)).map_err(io::Error::other)?;
            buf.push(b'\n');
            self.out.write_all(&buf)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(self: Box<Self>) -> io::Result<Output> {
        Ok(self.out)
    }
}
