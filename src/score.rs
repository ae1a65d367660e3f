//! Score: a call's hits → its [`Scorecard`].
//!
//! In: the hits of one call and the rule set (points, caps, fatal and review flags, dimensions,
//! and the numbers of `scoring.toml`), or — to score a call again after review — the same facts
//! as the results JSONL records them ([`Weight`] per rule, each hit's sentence, the channel's
//! [`Scoring`]). Out: the total score and tier, the two sub-scores and the service type, whether
//! the call goes to a supervisor and why, the hit count per rule, and what each hit cost.
//!
//! Score = base + Σ points × min(charged hits, max_hits), clamped to 0–100; a fatal hit sets
//! 0. A deduction for words said is charged once per sentence and dimension (`sentence =
//! "dimension"`, the default): of the deductions of one dimension in one sentence, only the
//! largest counts (the earliest of equals) and the others are waived, before `max_hits`, so a
//! waived hit uses up no cap. `"rule"` waives only a rule's repeats in a sentence, `"hit"`
//! nothing. Bonuses, evidence other than words said, and rules that judge the whole call are
//! no sentence charges. The sub-scores are the same computation over the rules of their
//! dimension group only. A call with a fatal hit is the last service type (冷淡型) whatever
//! its other sub-score: a call that crossed the red line (abuse) is no kind of good service.
//! Grading ([`score`]), `zhijian rescore` ([`tally`]) and the review page's script share this
//! arithmetic, so a call re-scored with every hit kept gets exactly the score it was graded
//! with, and one re-scored without a hit charges the next deduction of its sentence.

use std::collections::HashMap;

use crate::channel::Channel;
use crate::input::Call;
use crate::rule::context::{sentence_at, sentence_starts};
use crate::rule::{
    ConfidencePolicy, Evidence, Group, Hit, Judged, Rule, RuleSet, Scoring, SentencePolicy,
    Uncertain,
};

/// The flag reason of a call that could not be read or parsed.
pub const ERROR_REASON: &str = "输入错误";

/// The flag reason of a diarized call whose agent could not be told from the customer.
pub const UNDECIDED_ROLES_REASON: &str = "角色未判定";

/// The flag reason of a call with a deduction held for review because the recogniser was
/// unsure of its words.
pub const UNCERTAIN_REASON: &str = "识别存疑";

#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub score: u8,
    pub tier: String,
    /// 个人特性 sub-score.
    pub attitude: u8,
    /// 程序特性 sub-score.
    pub procedure: u8,
    pub service_type: String,
    pub flagged: bool,
    pub flag_reasons: Vec<String>,
    /// (rule id, number of hits) for each rule that hit, by rule id: every piece of evidence,
    /// before `max_hits`, except that a rule judging the whole call counts once.
    pub hit_counts: Vec<(String, usize)>,
    /// What each hit cost (or earned), in the order of the hits: the rule's points for the
    /// hits `max_hits` counts, 0 for a waived hit, for the evidence beyond the cap and for the
    /// second and later evidence of a rule that judges the whole call. Before clamping to 0–100.
    pub hit_points: Vec<i32>,
    /// For each hit, the hit charged instead of it for its sentence (an index into the hits),
    /// when the sentence policy waived it.
    pub waived_by: Vec<Option<usize>>,
    /// For each hit of words said, the sentence of its turn they were said in (from 0); `None`
    /// for other evidence and for rules that judge the whole call, which are no sentence
    /// charges.
    pub hit_sentences: Vec<Option<usize>>,
    /// For each hit, the recogniser's confidence in the words it quotes (the least of the
    /// stretches they touch); `None` where the input scored none of them.
    pub hit_confidence: Vec<Option<f32>>,
    /// For each hit, whether its confidence is below the scheme's threshold: the hit is
    /// uncertain, and costs what the scheme's `[confidence]` says.
    pub uncertain: Vec<bool>,
    /// For each hit, whether it is held for a supervisor instead of costing (an uncertain
    /// deduction under `action = "review"`, or an uncertain fatal one): it neither costs nor
    /// zeroes the call until someone confirms it.
    pub held: Vec<bool>,
    /// The call's channel, which chose the scoring scheme.
    pub channel: Channel,
    /// Ids of the rules that do not apply to the call's channel (N/A), by id.
    pub not_applicable: Vec<String>,
    /// Ids of the rules that apply but could not judge the call, for want of what they read
    /// (timestamps, a metadata field, the agent's turns): no deduction from them is no pass.
    pub unjudged: Vec<String>,
}

/// The dimensions of `scoring.toml` by the names of the service standard, as every report shows
/// them; a dimension a team added keeps its own name.
pub fn dimension_zh(dimension: &str) -> &str {
    match dimension {
        "attitude" => "服务态度",
        "language" => "语言规范",
        "behaviour" => "行为习惯",
        "efficiency" => "效率",
        "resolution" => "问题解决",
        other => other,
    }
}

/// Why a waived hit of rule `rule` cost nothing, in every report's words: the hit of rule
/// `by` was charged for its sentence.
pub fn waived_note(rule: &str, by: &str) -> String {
    if rule == by {
        format!("同一句已按 {by} 扣分,不重复扣")
    } else {
        format!("同一句同一维度只扣一次,已按 {by} 扣分")
    }
}

// Confidences are probabilities, never NaN.
impl Eq for Scorecard {}

/// What scoring needs to know of a rule, and no more: a call can be scored from these alone,
/// long after the rule files have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight<'a> {
    pub id: &'a str,
    /// Points per counted hit (negative for a deduction).
    pub points: i32,
    /// Hits counted per call; `None` for all.
    pub max_hits: Option<u32>,
    /// Counts once per call, whatever the evidence (a composition or a reference).
    pub whole_call: bool,
    pub fatal: bool,
    pub review: bool,
    pub group: Group,
    /// The rule's dimension (`language`): a sentence is charged once per dimension.
    pub dimension: &'a str,
}

impl<'a> Weight<'a> {
    pub fn of(rule: &'a Rule) -> Weight<'a> {
        Weight {
            id: &rule.id,
            points: rule.points,
            max_hits: rule.max_hits,
            whole_call: rule.judges_whole_call(),
            fatal: rule.fatal,
            review: rule.review,
            group: rule.group,
            dimension: &rule.dimension,
        }
    }
}

/// One hit as scoring sees it: its rule, where its words were said, and how sure the
/// recogniser was of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Charge {
    /// Index into the weights.
    pub rule: usize,
    /// The turn and the sentence in it of words said; `None` for other evidence.
    pub sentence: Option<(usize, usize)>,
    /// The recogniser's confidence in the words, 0–1; `None` where it gave none.
    pub confidence: Option<f32>,
}

/// What one hit is worth under a scheme's `[confidence]`: its points, whether it zeroes the
/// call, and whether it is held for a supervisor instead (a held hit charges nothing, waives
/// nothing and uses none of `max_hits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Worth {
    points: i32,
    fatal: bool,
    held: bool,
}

impl Worth {
    fn of(rule: &Weight<'_>, uncertain: bool, policy: ConfidencePolicy) -> Worth {
        let held = Worth {
            points: 0,
            fatal: false,
            held: true,
        };
        // Only what costs the agent is in doubt: a bonus stays, marked.
        if !uncertain || (rule.points >= 0 && !rule.fatal) {
            return Worth {
                points: rule.points,
                fatal: rule.fatal,
                held: false,
            };
        }
        match policy.action {
            Uncertain::Deduct => Worth {
                points: rule.points,
                fatal: rule.fatal,
                held: false,
            },
            Uncertain::Review => held,
            Uncertain::Fraction(_) if rule.fatal => held,
            // In f64, as the review page's script computes it: the same number either way.
            Uncertain::Fraction(f) => Worth {
                points: (f64::from(rule.points) * f).trunc() as i32,
                fatal: false,
                held: false,
            },
        }
    }
}

/// Whether the recogniser's `confidence` in a hit's words is below the scheme's threshold.
/// Confidences are kept to two decimals; compared as those decimals (0.7, not the f32 nearest
/// it, 0.69999998), as the review page's script compares the number the JSONL writes.
pub fn is_uncertain(confidence: Option<f32>, policy: ConfidencePolicy) -> bool {
    confidence.is_some_and(|c| (f64::from(c) * 100.0).round() / 100.0 < policy.below)
}

/// The recogniser's confidence in the words a hit quotes; `None` for evidence that quotes no
/// words (timing, measurements) and for input that scored none. For words that were not said
/// (no apology, no greeting), also the agent's turns where they were due: a stretch the
/// recogniser barely heard there may be the apology it lost.
pub fn hit_confidence(call: &Call, hit: &Hit) -> Option<f32> {
    let q = hit.quote()?;
    let quoted = call.turns.get(hit.turn)?.confidence_in(q.start, q.end);
    let Evidence::Missing { first, last, .. } = hit.evidence else {
        return quoted;
    };
    let due = call
        .turns
        .get(first..=last)
        .into_iter()
        .flatten()
        .filter(|t| t.role == crate::input::Role::Agent)
        .flat_map(|t| t.confidence.iter().map(|c| c.value));
    quoted.into_iter().chain(due).reduce(f32::min)
}

/// Scores one call from what the rules made of it, with the scheme of its channel.
pub fn score(set: &RuleSet, call: &Call, judged: &Judged) -> Scorecard {
    let hits = &judged.hits;
    let weights: Vec<Weight<'_>> = set.rules.iter().map(Weight::of).collect();
    let sentences = sentences(set, call, hits);
    let confidence: Vec<Option<f32>> = hits.iter().map(|h| hit_confidence(call, h)).collect();
    let charges: Vec<Charge> = hits
        .iter()
        .zip(&sentences)
        .zip(&confidence)
        .map(|((h, s), c)| Charge {
            rule: h.rule,
            sentence: s.map(|s| (h.turn, s)),
            confidence: *c,
        })
        .collect();
    let channel = call.channel;
    let mut card = tally(set.scoring.scheme(channel), &weights, &charges, channel);
    card.hit_sentences = sentences;
    card.hit_confidence = confidence;
    card.not_applicable = set
        .rules
        .iter()
        .filter(|r| !r.applies_to(channel))
        .map(|r| r.id.clone())
        .collect();
    card.unjudged = judged
        .unjudged
        .iter()
        .map(|&i| set.rules[i].id.clone())
        .collect();
    card
}

/// The sentence of its turn that holds the start of each hit's words, for the hits that are
/// sentence charges: words said, by a rule that does not judge the whole call.
pub fn sentences(set: &RuleSet, call: &Call, hits: &[Hit]) -> Vec<Option<usize>> {
    // Each turn is split once, however many hits it has: a recogniser's one-line call can hold
    // hundreds.
    let mut starts: Vec<Option<Vec<usize>>> = vec![None; call.turns.len()];
    hits.iter()
        .map(|h| match &h.evidence {
            Evidence::Said(q) if !set.rules[h.rule].judges_whole_call() => {
                let starts =
                    starts[h.turn].get_or_insert_with(|| sentence_starts(&call.turns[h.turn].text));
                Some(sentence_at(starts, q.start))
            }
            _ => None,
        })
        .collect()
}

/// Scores a call of `channel` whose hits are `hits` (rules by index into `weights`), in the
/// order of the evidence (the first `max_hits` charged hits of a rule are the ones that
/// count), with `scheme`'s numbers and sentence policy. Rules are reported in the order of
/// `weights`; `not_applicable` and `hit_sentences` are left empty, since only the rule set and
/// the call know them.
pub fn tally(
    scheme: &Scoring,
    weights: &[Weight<'_>],
    hits: &[Charge],
    channel: Channel,
) -> Scorecard {
    let s = scheme;
    let uncertain: Vec<bool> = hits
        .iter()
        .map(|h| is_uncertain(h.confidence, s.confidence))
        .collect();
    let worth: Vec<Worth> = hits
        .iter()
        .zip(&uncertain)
        .map(|(h, &u)| Worth::of(&weights[h.rule], u, s.confidence))
        .collect();
    let waived_by = waivers(s.sentence, weights, hits, &worth);
    let mut counts = vec![0usize; weights.len()];
    for hit in hits {
        counts[hit.rule] += 1;
    }
    // Charged hits per rule, which `max_hits` caps: a waived or held hit uses none of it, and
    // the cap keeps the gravest charges, a full deduction before a doubted one charged at a
    // fraction (the earlier of equals): three doubted words early in the call do not crowd out
    // a certain one after them.
    let mut charged = vec![0usize; weights.len()];
    let mut hit_points = vec![0; hits.len()];
    let mut eligible: Vec<usize> = (0..hits.len())
        .filter(|&i| waived_by[i].is_none() && !worth[i].held)
        .collect();
    eligible.sort_by_key(|&i| std::cmp::Reverse(worth[i].points.unsigned_abs()));
    for i in eligible {
        let h = hits[i].rule;
        let rule = &weights[h];
        let cap = if rule.whole_call {
            Some(1)
        } else {
            rule.max_hits.map(|m| m as usize)
        };
        if cap.is_none_or(|cap| charged[h] < cap) {
            hit_points[i] = worth[i].points;
        }
        charged[h] += 1;
    }
    // A composition or a reference judges the whole call: one verdict, however much evidence.
    for (n, rule) in counts.iter_mut().zip(weights) {
        if rule.whole_call {
            *n = (*n).min(1);
        }
    }
    let total = |group: Option<Group>| -> u8 {
        let mut points = s.base;
        for (hit, p) in hits.iter().zip(&hit_points) {
            if group.is_none_or(|g| g == weights[hit.rule].group) {
                points += p;
            }
        }
        let fatal = hits
            .iter()
            .zip(&worth)
            .any(|(h, w)| w.fatal && group.is_none_or(|g| g == weights[h.rule].group));
        if fatal {
            0
        } else {
            points.clamp(0, 100) as u8
        }
    };
    let score = total(None);
    let attitude = total(Some(Group::Attitude));
    let procedure = total(Some(Group::Procedure));
    let tier = s
        .tiers
        .iter()
        .find(|(_, min)| i32::from(score) >= *min)
        .map(|(name, _)| name.clone())
        .unwrap_or_default();
    let fatal = worth.iter().any(|w| w.fatal);
    let good = |v: u8| !fatal && i32::from(v) >= s.service_threshold;
    let service_type = match (good(attitude), good(procedure)) {
        (true, true) => &s.service_types[0],
        (true, false) => &s.service_types[1],
        (false, true) => &s.service_types[2],
        (false, false) => &s.service_types[3],
    }
    .clone();

    let mut flag_reasons: Vec<String> = weights
        .iter()
        .zip(&counts)
        .filter(|(r, &n)| n > 0 && (r.fatal || r.review))
        .map(|(r, _)| r.id.to_string())
        .collect();
    if s.flag_tiers.contains(&tier) {
        flag_reasons.push(tier.clone());
    }
    if worth.iter().any(|w| w.held) {
        flag_reasons.push(UNCERTAIN_REASON.to_string());
    }
    Scorecard {
        score,
        tier,
        attitude,
        procedure,
        service_type,
        flagged: !flag_reasons.is_empty(),
        flag_reasons,
        hit_counts: weights
            .iter()
            .zip(&counts)
            .filter(|(_, &n)| n > 0)
            .map(|(r, &n)| (r.id.to_string(), n))
            .collect(),
        hit_points,
        waived_by,
        hit_sentences: Vec::new(),
        hit_confidence: hits.iter().map(|h| h.confidence).collect(),
        uncertain,
        held: worth.iter().map(|w| w.held).collect(),
        channel,
        not_applicable: Vec::new(),
        unjudged: Vec::new(),
    }
}

/// For each hit, the hit charged instead of it for its sentence under `policy`, if any: among
/// the deductions of one sentence and one dimension (or one rule), the largest is charged, the
/// earliest of equals, and the others are waived.
fn waivers(
    policy: SentencePolicy,
    weights: &[Weight<'_>],
    hits: &[Charge],
    worth: &[Worth],
) -> Vec<Option<usize>> {
    // What a hit is charged with: its sentence and its dimension (or rule); `None` for a hit
    // the policy does not touch, and for one held for review, which is no charge.
    let key = |i: usize| {
        let hit = &hits[i];
        let rule = &weights[hit.rule];
        let of = match policy {
            SentencePolicy::Hit => return None,
            SentencePolicy::Rule => rule.id,
            SentencePolicy::Dimension => rule.dimension,
        };
        let charge = rule.points < 0 && !rule.whole_call && !worth[i].held;
        hit.sentence.filter(|_| charge).map(|s| (s, of))
    };
    let mut charged: HashMap<((usize, usize), &str), usize> = HashMap::new();
    for i in 0..hits.len() {
        let Some(k) = key(i) else { continue };
        let best = charged.entry(k).or_insert(i);
        // More points lost than the hit charged so far: it takes the charge.
        if worth[i].points < worth[*best].points {
            *best = i;
        }
    }
    (0..hits.len())
        .map(|i| {
            let best = charged[&key(i)?];
            (best != i).then_some(best)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_text;
    use crate::testing::small_rule_set as set;

    /// Each hit carries what it counted for: its sentence already charged, the cap and a
    /// whole-call verdict leave the rest of the evidence at 0, and base plus the points is the
    /// score.
    #[test]
    fn each_hit_counts_what_it_cost() {
        let set = set();
        let call = parse_text(
            "客服：您好,不知道。\n客户：啊?\n客服：不知道,真不知道。\n",
            "t",
        )
        .unwrap();
        let judged = set.judge(&call);
        let card = score(&set, &call, &judged);
        let hits = judged.hits;
        let ids: Vec<(&str, i32)> = hits
            .iter()
            .zip(&card.hit_points)
            .map(|(h, p)| (set.rules[h.rule].id.as_str(), *p))
            .collect();
        assert_eq!(
            ids,
            [
                ("TST001", -3),
                ("TST001", -3),
                ("TST001", 0),
                ("TST002", -4),
                ("TST002", 0),
                ("TST002", 0),
                ("TST003", 2),
            ]
        );
        assert_eq!(card.score, 92);
        // Language and attitude rules count towards 个人特性, resolution towards 程序特性.
        assert_eq!((card.attitude, card.procedure), (96, 96));
        assert_eq!(card.tier, "良好");
        assert!(card.flagged);
        assert_eq!(card.flag_reasons, ["TST002"]);
        assert_eq!(
            i32::from(card.score),
            set.scoring.base + card.hit_points.iter().sum::<i32>()
        );
        assert_eq!(
            card.hit_counts,
            [
                ("TST001".to_string(), 3),
                ("TST002".to_string(), 1),
                ("TST003".to_string(), 1)
            ]
        );
        // 不知道,真不知道。 is one sentence: its second 不知道 is waived, not over the cap.
        assert_eq!(
            card.waived_by,
            [None, None, Some(1), None, None, None, None]
        );
        // TST002 judges the whole call: no sentence charge, though its evidence is words.
        assert_eq!(
            card.hit_sentences,
            [Some(0), Some(0), Some(0), None, None, None, Some(0)]
        );
    }

    /// Sentences end at 。!? (full-width or not) and line breaks; a run of ends is one end;
    /// an unpunctuated turn is one sentence.
    #[test]
    fn a_hit_lies_in_the_sentence_where_its_words_start() {
        let set = set();
        let call = parse_text(
            "客服：不知道。您好!不知道?!真的不知道\n客户：哦\n客服：不知道 不知道 不知道\n",
            "t",
        )
        .unwrap();
        let hits = set.evaluate(&call);
        let said: Vec<(usize, Option<usize>)> = hits
            .iter()
            .zip(sentences(&set, &call, &hits))
            .filter(|(h, _)| set.rules[h.rule].id != "TST002")
            .map(|(h, s)| (h.turn, s))
            .collect();
        assert_eq!(
            said,
            [
                (0, Some(0)),
                (0, Some(2)),
                (0, Some(3)),
                (2, Some(0)),
                (2, Some(0)),
                (2, Some(0)),
                (0, Some(1)),
            ]
        );
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::rule::{Evidence, Quote, RuleSource};

    /// Rules whose only purpose is their points and group; hits are made by hand.
    fn set() -> RuleSet {
        let rule = |id: &str, dimension: &str, points: i32, extra: &str| RuleSource {
            path: format!("t/{id}.toml"),
            text: format!(
                "id = \"{id}\"\ntitle = \"{id}\"\nmessage = \"{id}\"\ndimension = \"{dimension}\"\n\
                 points = {points}\n{extra}[match]\nphrases = [\"{id}\"]\n"
            ),
        };
        RuleSet::compile(&[
            RuleSource {
                path: "scoring.toml".into(),
                text: include_str!("../rules/scoring.toml").into(),
            },
            rule("ATT", "attitude", -12, ""),
            rule("PRO", "resolution", -12, ""),
            rule("ONE", "language", -1, ""),
            rule("BON", "attitude", 5, ""),
            rule("FAT", "attitude", 0, "fatal = true\n"),
            rule("REV", "efficiency", 0, "review = true\n"),
        ])
        .unwrap()
    }

    fn card(set: &RuleSet, hits: &[(&str, usize)]) -> Scorecard {
        card_on(set, Channel::Phone, hits)
    }

    /// A call of `channel` with `n` turns of one word each.
    fn call_of(channel: Channel, n: usize) -> Call {
        Call {
            turns: vec![
                crate::input::Turn {
                    text: "x".into(),
                    ..Default::default()
                };
                n
            ],
            channel,
            ..Default::default()
        }
    }

    /// The scorecard of a call of `channel` with `n` hits of each rule id.
    fn card_on(set: &RuleSet, channel: Channel, hits: &[(&str, usize)]) -> Scorecard {
        let turns = hits.iter().map(|h| h.1).max().unwrap_or(0);
        let hits: Vec<Hit> = hits
            .iter()
            .flat_map(|&(id, n)| {
                let rule = set.rules.iter().position(|r| r.id == id).unwrap();
                (0..n).map(move |turn| Hit {
                    rule,
                    turn,
                    evidence: Evidence::Said(Quote {
                        start: 0,
                        end: 1,
                        text: "x".into(),
                        similar: None,
                        sounds_like: None,
                    }),
                })
            })
            .collect();
        let judged = Judged {
            hits,
            ..Judged::default()
        };
        score(set, &call_of(channel, turns), &judged)
    }

    #[test]
    fn sub_scores_and_service_types_follow_their_own_rules() {
        let set = set();
        let c = card(&set, &[]);
        assert_eq!((c.score, c.attitude, c.procedure), (100, 100, 100));
        assert_eq!(
            (c.tier.as_str(), c.service_type.as_str()),
            ("优秀", "优质型")
        );
        assert!(!c.flagged);

        // An attitude fault lowers 个人特性 only: the agent is efficient but not friendly.
        let c = card(&set, &[("ATT", 1)]);
        assert_eq!((c.score, c.attitude, c.procedure), (88, 88, 100));
        assert_eq!(c.service_type, "生产型");

        // A procedure fault lowers 程序特性 only: friendly but not effective.
        let c = card(&set, &[("PRO", 1)]);
        assert_eq!((c.score, c.attitude, c.procedure), (88, 100, 88));
        assert_eq!(c.service_type, "友好型");

        let c = card(&set, &[("ATT", 1), ("PRO", 1)]);
        assert_eq!((c.score, c.attitude, c.procedure), (76, 88, 88));
        assert_eq!(c.service_type, "冷淡型");
        assert_eq!(c.tier, "不达标");
        assert_eq!(c.flag_reasons, ["不达标"]);

        // Exactly at the threshold (90) counts as reaching it.
        let c = card(&set, &[("ONE", 10)]);
        assert_eq!((c.attitude, c.service_type.as_str()), (90, "优质型"));
        let c = card(&set, &[("ONE", 11)]);
        assert_eq!((c.attitude, c.service_type.as_str()), (89, "生产型"));
    }

    #[test]
    fn tiers_change_exactly_at_their_bounds() {
        let set = set();
        for (lost, score, tier) in [
            (5, 95, "优秀"),
            (6, 94, "良好"),
            (10, 90, "良好"),
            (11, 89, "达标"),
            (20, 80, "达标"),
            (21, 79, "不达标"),
        ] {
            let c = card(&set, &[("ONE", lost)]);
            assert_eq!(
                (c.score, c.tier.as_str()),
                (score, tier),
                "{lost} points lost"
            );
            assert_eq!(c.flagged, tier == "不达标", "{lost}");
        }
    }

    #[test]
    fn scores_stay_between_0_and_100() {
        let set = set();
        let c = card(&set, &[("ONE", 150)]);
        assert_eq!((c.score, c.attitude, c.procedure), (0, 0, 100));
        let c = card(&set, &[("BON", 3)]);
        assert_eq!((c.score, c.attitude), (100, 100));
        // A bonus makes up for a fault before clamping.
        let c = card(&set, &[("BON", 1), ("ATT", 1)]);
        assert_eq!(c.score, 93);
    }

    #[test]
    fn each_channel_is_scored_with_its_scheme() {
        let set = set();
        let on = |channel: Channel, lost: usize| {
            let c = card_on(&set, channel, &[("ONE", lost)]);
            (c.score, c.tier, c.flagged, c.channel)
        };
        // rules/scoring.toml: chat and social raise the bounds to 96/92/85; social also sends
        // 达标 to review.
        assert_eq!(
            on(Channel::Phone, 5),
            (95, "优秀".into(), false, Channel::Phone)
        );
        assert_eq!(
            on(Channel::Chat, 5),
            (95, "良好".into(), false, Channel::Chat)
        );
        assert_eq!(
            on(Channel::Phone, 9),
            (91, "良好".into(), false, Channel::Phone)
        );
        assert_eq!(
            on(Channel::Chat, 9),
            (91, "达标".into(), false, Channel::Chat)
        );
        assert_eq!(
            on(Channel::Social, 9),
            (91, "达标".into(), true, Channel::Social)
        );
        assert_eq!(
            on(Channel::Ticket, 9),
            (91, "良好".into(), false, Channel::Ticket)
        );
    }

    /// The results JSONL records a rule's weight, not the rule: scoring from weights alone
    /// caps, counts a whole-call rule once, groups the sub-scores and zeroes a fatal call.
    #[test]
    fn a_call_is_scored_from_its_rules_weights_alone() {
        let scheme = set().scoring.scheme(Channel::Phone).clone();
        let w = |id, points, max_hits, whole_call, fatal, group| Weight {
            id,
            points,
            max_hits,
            whole_call,
            fatal,
            review: false,
            group,
            dimension: id,
        };
        let at = |rules: &[usize]| -> Vec<Charge> {
            rules
                .iter()
                .map(|&rule| Charge {
                    rule,
                    sentence: None,
                    confidence: None,
                })
                .collect()
        };
        let weights = [
            w("CAP", -4, Some(2), false, false, Group::Attitude),
            w("ALL", -3, None, true, false, Group::Procedure),
            w("FAT", 0, None, false, true, Group::Attitude),
        ];
        let c = tally(&scheme, &weights, &at(&[0, 1, 0, 1, 0]), Channel::Phone);
        assert_eq!(c.hit_points, [-4, -3, -4, 0, 0]);
        assert_eq!((c.score, c.attitude, c.procedure), (89, 92, 97));
        assert_eq!(
            (c.tier.as_str(), c.service_type.as_str()),
            ("达标", "优质型")
        );
        assert_eq!(
            c.hit_counts,
            [("CAP".to_string(), 3), ("ALL".to_string(), 1)]
        );
        assert!(!c.flagged);
        let c = tally(&scheme, &weights, &at(&[2, 0]), Channel::Chat);
        assert_eq!((c.score, c.attitude, c.procedure), (0, 0, 100));
        assert_eq!(c.flag_reasons, ["FAT", "不达标"]);
        assert_eq!(c.channel, Channel::Chat);
        assert!(c.not_applicable.is_empty());
    }

    #[test]
    fn a_fatal_hit_is_zero_and_goes_to_review() {
        let set = set();
        let c = card(&set, &[("FAT", 1), ("BON", 1)]);
        assert_eq!((c.score, c.attitude, c.procedure), (0, 0, 100));
        assert_eq!(c.tier, "不达标");
        // Not 生产型 for its untouched procedure sub-score: an abusive call is 冷淡型.
        assert_eq!(c.service_type, "冷淡型");
        assert_eq!(c.flag_reasons, ["FAT", "不达标"]);
        // A review rule flags the call without costing points.
        let c = card(&set, &[("REV", 2)]);
        assert_eq!(
            (c.score, c.flag_reasons.clone()),
            (100, vec!["REV".to_string()])
        );
        assert_eq!(c.hit_counts, [("REV".to_string(), 2)]);
    }

    /// Weights of a rule per dimension and kind, for the sentence policy: L5 and L2 language
    /// deductions (L5 capped at 2), L5B another −5 language rule, RES a resolution deduction, W a
    /// language rule that judges the whole call, BON a language bonus, FAT a fatal language
    /// rule of no points.
    fn sentence_weights() -> Vec<Weight<'static>> {
        let w = |id, dimension, points, max_hits, whole_call, fatal| Weight {
            id,
            points,
            max_hits,
            whole_call,
            fatal,
            review: false,
            group: if dimension == "resolution" {
                Group::Procedure
            } else {
                Group::Attitude
            },
            dimension,
        };
        vec![
            w("L5", "language", -5, Some(2), false, false),
            w("L2", "language", -2, None, false, false),
            w("L5B", "language", -5, None, false, false),
            w("RES", "resolution", -3, None, false, false),
            w("W", "language", -4, None, true, false),
            w("BON", "language", 2, None, false, false),
            w("FAT", "language", 0, None, false, true),
        ]
    }

    /// (points of each hit, hit charged instead of each) for hits `(rule id, turn, sentence)`,
    /// a sentence of `None` being evidence other than words said.
    fn charged(
        policy: SentencePolicy,
        hits: &[(&str, usize, Option<usize>)],
    ) -> (Vec<i32>, Vec<Option<usize>>, Scorecard) {
        let hits: Vec<_> = hits.iter().map(|&(id, t, s)| (id, t, s, None)).collect();
        let mut scheme = set().scoring.scheme(Channel::Phone).clone();
        scheme.sentence = policy;
        heard(&scheme, &hits)
    }

    /// Like [`charged`], with each hit's confidence, under `scheme`.
    fn heard(
        scheme: &Scoring,
        hits: &[(&str, usize, Option<usize>, Option<f32>)],
    ) -> (Vec<i32>, Vec<Option<usize>>, Scorecard) {
        let weights = sentence_weights();
        let hits: Vec<Charge> = hits
            .iter()
            .map(|&(id, turn, sentence, confidence)| Charge {
                rule: weights.iter().position(|w| w.id == id).unwrap(),
                sentence: sentence.map(|s| (turn, s)),
                confidence,
            })
            .collect();
        let c = tally(scheme, &weights, &hits, Channel::Phone);
        (c.hit_points.clone(), c.waived_by.clone(), c)
    }

    fn with_confidence(action: Uncertain) -> Scoring {
        let mut scheme = set().scoring.scheme(Channel::Phone).clone();
        scheme.confidence = ConfidencePolicy { below: 0.4, action };
        scheme
    }

    /// The built-in scheme holds a deduction the recogniser doubted for review: it costs
    /// nothing, leaves its sentence to the next deduction, uses none of the cap, and flags the
    /// call once; at the threshold itself the words are trusted.
    #[test]
    fn an_uncertain_deduction_is_held_for_review() {
        let scheme = set().scoring.scheme(Channel::Phone).clone();
        assert_eq!(scheme.confidence, ConfidencePolicy::default());
        let (points, waived, c) = heard(
            &scheme,
            &[
                ("L5", 0, Some(0), Some(0.21)),
                ("L2", 0, Some(0), Some(0.9)),
                ("L5", 1, Some(0), Some(0.4)),
                ("L5", 2, Some(0), None),
                ("L5", 3, Some(0), Some(0.39)),
            ],
        );
        assert_eq!(points, [0, -2, -5, -5, 0]);
        assert_eq!(waived, [None; 5]);
        assert_eq!(c.uncertain, [true, false, false, false, true]);
        assert_eq!(
            c.hit_confidence,
            [Some(0.21), Some(0.9), Some(0.4), None, Some(0.39)]
        );
        assert_eq!(c.score, 88);
        assert_eq!(c.flag_reasons, [UNCERTAIN_REASON]);
        assert_eq!(c.hit_counts, [("L5".to_string(), 4), ("L2".to_string(), 1)]);
    }

    /// A hit's confidence is that of the words it quotes; for words not said, also of the
    /// agent's turns where they were due (a customer's mumble there is no excuse); timing has
    /// none.
    #[test]
    fn a_hit_is_as_sure_as_its_words_and_the_agent_turns_it_judged() {
        let turn = |role, text: &str, value: f32| crate::input::Turn {
            role,
            text: text.into(),
            confidence: vec![crate::call::Confidence {
                start: 0,
                end: text.chars().count(),
                value,
            }],
            ..Default::default()
        };
        use crate::input::Role::{Agent, Customer};
        let call = Call {
            turns: vec![
                turn(Customer, "我等了半天", 0.9),
                turn(Agent, "请问您要办什么", 0.2),
                turn(Customer, "嗯", 0.1),
                turn(Agent, "好的", 0.8),
            ],
            ..Default::default()
        };
        let quote = Quote {
            start: 0,
            end: 5,
            text: "我等了半天".into(),
            similar: None,
            sounds_like: None,
        };
        let hit = |evidence| Hit {
            rule: 0,
            turn: 0,
            evidence,
        };
        assert_eq!(
            hit_confidence(&call, &hit(Evidence::Said(quote.clone()))),
            Some(0.9)
        );
        let missing = |first, last| {
            hit(Evidence::Missing {
                quote: quote.clone(),
                first,
                last,
            })
        };
        assert_eq!(hit_confidence(&call, &missing(1, 2)), Some(0.2));
        assert_eq!(hit_confidence(&call, &missing(2, 3)), Some(0.8));
        let timing = hit(Evidence::Silence {
            begin_ms: 0,
            end_ms: 10_000,
        });
        assert_eq!(hit_confidence(&call, &timing), None);
    }

    /// Confidences are compared as the two decimals every report writes: 0.7 is not below
    /// 0.7, though the f32 nearest 0.7 is 0.69999998 (the review page compares 0.7 too).
    #[test]
    fn a_confidence_at_the_threshold_is_trusted() {
        for below in [0.35, 0.4, 0.45, 0.7, 0.9] {
            let policy = ConfidencePolicy {
                below,
                action: Uncertain::Review,
            };
            let at = below as f32;
            assert!(!is_uncertain(Some(at), policy), "{below}");
            assert!(is_uncertain(Some(at - 0.01), policy), "{below}");
            assert!(!is_uncertain(None, policy));
        }
    }

    /// A fatal rule doubted never zeroes the call, whatever the action short of `deduct`; a
    /// bonus doubted still counts; timing and other unscored evidence are never in doubt.
    #[test]
    fn a_doubted_fatal_hit_goes_to_review_and_a_doubted_bonus_stays() {
        for action in [Uncertain::Review, Uncertain::Fraction(0.5)] {
            let (points, _, c) = heard(
                &with_confidence(action),
                &[
                    ("FAT", 0, Some(0), Some(0.1)),
                    ("BON", 1, Some(0), Some(0.1)),
                ],
            );
            assert_eq!(points, [0, 2], "{action:?}");
            assert_eq!((c.score, c.attitude), (100, 100), "{action:?}");
            assert_eq!(c.service_type, "优质型", "{action:?}");
            assert_eq!(c.flag_reasons, ["FAT", UNCERTAIN_REASON], "{action:?}");
            assert_eq!(c.uncertain, [true, true]);
        }
        let (_, _, c) = heard(
            &with_confidence(Uncertain::Deduct),
            &[("FAT", 0, Some(0), Some(0.1))],
        );
        assert_eq!(
            (c.score, c.flag_reasons.clone()),
            (0, vec!["FAT".into(), "不达标".into()])
        );
    }

    /// The cap keeps the gravest charges: two doubted −5s (−2 each) early in the call do not
    /// crowd a certain −5 after them out of L5's two; of equals, the earlier counts.
    #[test]
    fn the_cap_keeps_full_deductions_before_fractions() {
        let scheme = with_confidence(Uncertain::Fraction(0.5));
        let (points, _, c) = heard(
            &scheme,
            &[
                ("L5", 0, Some(0), Some(0.3)),
                ("L5", 1, Some(0), Some(0.3)),
                ("L5", 2, Some(0), None),
            ],
        );
        assert_eq!(points, [-2, 0, -5]);
        assert_eq!(c.score, 93);
        assert_eq!(c.hit_counts, [("L5".to_string(), 3)]);
        // Three certain ones: the first two, in transcript order.
        let (points, _, _) = heard(
            &scheme,
            &[
                ("L5", 0, Some(0), None),
                ("L5", 1, Some(0), None),
                ("L5", 2, Some(0), None),
            ],
        );
        assert_eq!(points, [-5, -5, 0]);
    }

    /// A fraction is rounded towards nothing and is what the sentence compares: a halved −5
    /// (−2) ties with a −2 in its sentence, and the earlier is charged.
    #[test]
    fn a_fraction_charges_part_and_competes_for_its_sentence_at_that_part() {
        let scheme = with_confidence(Uncertain::Fraction(0.5));
        let (points, waived, c) = heard(
            &scheme,
            &[
                ("L5", 0, Some(0), Some(0.3)),
                ("L2", 0, Some(0), None),
                ("RES", 1, Some(0), Some(0.3)),
            ],
        );
        assert_eq!(points, [-2, 0, -1]);
        assert_eq!(waived, [None, Some(0), None]);
        assert_eq!(c.score, 97);
        assert!(!c.flagged);
        // −10 × 0.7 is −7, computed in f64 as the review page's script computes it.
        let weights = [Weight {
            id: "TEN",
            points: -10,
            max_hits: None,
            whole_call: false,
            fatal: false,
            review: false,
            group: Group::Attitude,
            dimension: "language",
        }];
        let mut seven = with_confidence(Uncertain::Fraction(0.7));
        seven.sentence = SentencePolicy::Hit;
        let hit = Charge {
            rule: 0,
            sentence: None,
            confidence: Some(0.1),
        };
        assert_eq!(
            tally(&seven, &weights, &[hit], Channel::Phone).hit_points,
            [-7]
        );
        // `deduct` charges in full and says so.
        let (points, _, c) = heard(
            &with_confidence(Uncertain::Deduct),
            &[("L5", 0, Some(0), Some(0.3))],
        );
        assert_eq!((points, c.uncertain), (vec![-5], vec![true]));
        assert!(!c.flagged);
    }

    const DIMENSION: SentencePolicy = SentencePolicy::Dimension;

    #[test]
    fn one_rule_twice_in_a_sentence_is_charged_once() {
        let (points, waived, c) = charged(DIMENSION, &[("L2", 0, Some(0)), ("L2", 0, Some(0))]);
        assert_eq!(points, [-2, 0]);
        assert_eq!(waived, [None, Some(0)]);
        assert_eq!((c.score, c.attitude), (98, 98));
        // Still two pieces of evidence.
        assert_eq!(c.hit_counts, [("L2".to_string(), 2)]);
    }

    #[test]
    fn of_two_rules_of_a_dimension_in_a_sentence_the_largest_is_charged() {
        let (points, waived, c) = charged(DIMENSION, &[("L2", 1, Some(3)), ("L5", 1, Some(3))]);
        assert_eq!(points, [0, -5]);
        assert_eq!(waived, [Some(1), None]);
        assert_eq!(c.score, 95);
        // Equals: the earliest.
        let (points, waived, _) = charged(
            DIMENSION,
            &[("L5B", 0, Some(0)), ("L5", 0, Some(0)), ("L2", 0, Some(0))],
        );
        assert_eq!(points, [-5, 0, 0]);
        assert_eq!(waived, [None, Some(0), Some(0)]);
    }

    /// RSP001 (language) and RES003 (resolution) on 我们会给您回电 are two faults.
    #[test]
    fn rules_of_different_dimensions_in_a_sentence_are_each_charged() {
        let (points, waived, c) = charged(DIMENSION, &[("L2", 0, Some(0)), ("RES", 0, Some(0))]);
        assert_eq!(points, [-2, -3]);
        assert_eq!(waived, [None, None]);
        assert_eq!((c.score, c.attitude, c.procedure), (95, 98, 97));
    }

    #[test]
    fn a_rule_in_two_sentences_is_charged_twice() {
        // Sentence 0 of turns 0 and 1, and sentence 1 of turn 0: three sentences.
        let (points, waived, _) = charged(
            DIMENSION,
            &[("L2", 0, Some(0)), ("L2", 0, Some(1)), ("L2", 1, Some(0))],
        );
        assert_eq!(points, [-2, -2, -2]);
        assert_eq!(waived, [None, None, None]);
    }

    #[test]
    fn a_waived_hit_uses_up_none_of_its_rule_s_cap() {
        // L5 counts twice a call: the waived repeat leaves the second sentence its charge.
        let (points, waived, c) = charged(
            DIMENSION,
            &[
                ("L5", 0, Some(0)),
                ("L5", 0, Some(0)),
                ("L5", 2, Some(0)),
                ("L5", 4, Some(0)),
            ],
        );
        assert_eq!(points, [-5, 0, -5, 0]);
        assert_eq!(
            waived,
            [None, Some(0), None, None],
            "the last is over the cap"
        );
        assert_eq!(c.score, 90);
        // The waiving comes first: a sentence whose largest deduction is over its cap costs
        // nothing, not its smaller one.
        let (points, _, _) = charged(
            DIMENSION,
            &[
                ("L5", 0, Some(0)),
                ("L5", 1, Some(0)),
                ("L2", 2, Some(0)),
                ("L5", 2, Some(0)),
            ],
        );
        assert_eq!(points, [-5, -5, 0, 0]);
    }

    #[test]
    fn rule_charges_a_rule_once_a_sentence_and_hit_charges_every_hit() {
        let hits = [
            ("L2", 0, Some(0)),
            ("L5", 0, Some(0)),
            ("L2", 0, Some(0)),
            ("L5B", 0, Some(0)),
        ];
        let (points, waived, _) = charged(SentencePolicy::Rule, &hits);
        assert_eq!(points, [-2, -5, 0, -5]);
        assert_eq!(waived, [None, None, Some(0), None]);
        let (points, waived, c) = charged(SentencePolicy::Hit, &hits);
        assert_eq!(points, [-2, -5, -2, -5]);
        assert_eq!(waived, [None; 4]);
        assert_eq!(c.score, 86);
        let (points, _, _) = charged(DIMENSION, &hits);
        assert_eq!(points, [0, -5, 0, 0]);
    }

    /// Missing words, overlaps and silences (no sentence) and whole-call rules are no sentence
    /// charges, and neither waive nor are waived; a bonus is untouched and waives nothing.
    #[test]
    fn other_evidence_whole_call_rules_and_bonuses_are_exempt() {
        let (points, waived, _) = charged(
            DIMENSION,
            &[("L2", 0, None), ("L2", 0, None), ("L5", 0, None)],
        );
        assert_eq!(points, [-2, -2, -5]);
        assert_eq!(waived, [None; 3]);
        let (points, waived, _) = charged(
            DIMENSION,
            &[("W", 0, Some(0)), ("L2", 0, Some(0)), ("W", 0, Some(0))],
        );
        assert_eq!(
            points,
            [-4, -2, 0],
            "W counts once for the call, L2 for its sentence"
        );
        assert_eq!(waived, [None; 3]);
        let (points, waived, c) = charged(
            DIMENSION,
            &[
                ("BON", 0, Some(0)),
                ("BON", 0, Some(0)),
                ("L2", 0, Some(0)),
                ("FAT", 0, Some(0)),
            ],
        );
        assert_eq!(points, [2, 2, -2, 0]);
        assert_eq!(waived, [None; 4]);
        assert_eq!(c.score, 0, "a fatal hit is fatal in any sentence");
    }

    /// Every report says why a waived hit cost nothing in the same words.
    #[test]
    fn a_waived_hit_names_the_rule_charged_instead() {
        assert_eq!(
            waived_note("LNG001", "LNG001"),
            "同一句已按 LNG001 扣分,不重复扣"
        );
        assert_eq!(
            waived_note("RSP001", "LNG001"),
            "同一句同一维度只扣一次,已按 LNG001 扣分"
        );
    }

    /// Re-scoring without the charged hit of a sentence (a 误判) charges the next largest.
    #[test]
    fn without_the_charged_hit_the_next_largest_is_charged() {
        let (points, _, c) = charged(DIMENSION, &[("L2", 0, Some(0)), ("L5", 0, Some(0))]);
        assert_eq!((points, c.score), (vec![0, -5], 95));
        let (points, waived, c) = charged(DIMENSION, &[("L2", 0, Some(0))]);
        assert_eq!((points, waived, c.score), (vec![-2], vec![None], 98));
    }

    /// A rule set of one language rule scored by the `scoring.toml` written as `text`.
    fn with_scoring(text: String) -> Result<RuleSet, crate::rule::RuleErrors> {
        RuleSet::compile(&[
            RuleSource {
                path: "scoring.toml".into(),
                text,
            },
            RuleSource {
                path: "t/ONE.toml".into(),
                text: "id = \"ONE\"\ntitle = \"一\"\nmessage = \"一\"\n\
                       dimension = \"language\"\npoints = -1\n[match]\nphrases = [\"一\"]\n"
                    .into(),
            },
        ])
    }

    /// The policy is read from `scoring.toml`, top level and per scheme, with a Chinese error
    /// for a value it does not know.
    #[test]
    fn the_policy_is_set_in_scoring_toml() {
        let scoring = |extra: &str, chat: &str| {
            let text = include_str!("../rules/scoring.toml")
                .replace("sentence = \"dimension\"\n", extra)
                .replace(
                    "name = \"在线客服质检方案\"\n",
                    &format!("name = \"在线客服质检方案\"\n{chat}"),
                );
            with_scoring(text).map(|s| {
                (
                    s.scoring.sentence,
                    s.scoring.scheme(Channel::Chat).sentence,
                    s.scoring.scheme(Channel::Social).sentence,
                )
            })
        };
        use SentencePolicy::*;
        assert_eq!(scoring("", "").unwrap(), (Dimension, Dimension, Dimension));
        assert_eq!(
            scoring("sentence = \"hit\"\n", "sentence = \"rule\"\n").unwrap(),
            (Hit, Rule, Hit)
        );
        assert_eq!(
            scoring("sentence = \"rule\"\n", "").unwrap(),
            (Rule, Rule, Rule)
        );
        let e = scoring("sentence = \"句子\"\n", "")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sentence 的值 \"句子\" 不认识"), "{e}");
        let e = scoring("", "sentence = \"once\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sentence 的值 \"once\" 不认识"), "{e}");
        for name in SentencePolicy::NAMES {
            assert_eq!(SentencePolicy::from_name(name).unwrap().name(), name);
        }
    }

    /// `[confidence]` in `scoring.toml` sets every channel's policy; each mistake names the key.
    #[test]
    fn the_confidence_policy_is_set_in_scoring_toml() {
        let policy = |section: &str| {
            let text = include_str!("../rules/scoring.toml")
                .replace("[confidence]\nbelow = 0.4\naction = \"review\"\n", section);
            with_scoring(text)
                .map(|s| {
                    (
                        s.scoring.confidence,
                        s.scoring.scheme(Channel::Social).confidence,
                    )
                })
                .map_err(|e| e.to_string())
        };
        let p = |below, action| ConfidencePolicy { below, action };
        assert_eq!(policy("").unwrap().0, ConfidencePolicy::default());
        assert_eq!(
            policy("[confidence]\nbelow = 0.25\naction = \"fraction\"\nfraction = 0.3\n").unwrap(),
            (
                p(0.25, Uncertain::Fraction(0.3)),
                p(0.25, Uncertain::Fraction(0.3))
            )
        );
        assert_eq!(
            policy("[confidence]\naction = \"fraction\"\n").unwrap().0,
            p(0.4, Uncertain::Fraction(0.5))
        );
        assert_eq!(
            policy("[confidence]\naction = \"deduct\"\n").unwrap().0,
            p(0.4, Uncertain::Deduct)
        );
        for (section, says) in [
            ("[confidence]\nbelow = 40\n", "below 应为 0 到 1 之间"),
            ("[confidence]\nbelow = -0.1\n", "below 应为 0 到 1 之间"),
            (
                "[confidence]\naction = \"fraction\"\nfraction = 1.5\n",
                "fraction 应为 0 到 1 之间",
            ),
            (
                "[confidence]\naction = \"ignore\"\n",
                "action 是 \"ignore\"",
            ),
            (
                "[confidence]\nfraction = 0.5\n",
                "但 action 不是 \"fraction\"",
            ),
        ] {
            let e = policy(section).unwrap_err();
            assert!(e.contains(says), "{section}: {e}");
        }
        for name in Uncertain::NAMES {
            let action = match name {
                "review" => Uncertain::Review,
                "fraction" => Uncertain::Fraction(0.5),
                _ => Uncertain::Deduct,
            };
            assert_eq!(action.name(), name);
        }
        assert_eq!(Uncertain::Fraction(0.5).fraction(), Some(0.5));
        assert_eq!(Uncertain::Review.fraction(), None);
    }
}
