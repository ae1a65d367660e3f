//! Score: a call's hits → its [`Scorecard`].
//!
//! In: the hits of one call and the rule set (points, caps, fatal and review flags, and the
//! numbers of `scoring.toml`), or — to score a call again after review — the same facts as the
//! results JSONL records them ([`Weight`] per rule, the channel's [`Scoring`]). Out: the total
//! score and tier, the two sub-scores and the service type, whether the call goes to a
//! supervisor and why, and the hit count per rule.
//!
//! Score = base + Σ points × min(hits, max_hits), clamped to 0–100; a fatal hit sets 0. The
//! sub-scores are the same computation over the rules of their dimension group only. A call
//! with a fatal hit is the last service type (冷淡型) whatever its other sub-score: a call that
//! crossed the red line (abuse) is no kind of good service. Grading ([`score`]) and `zhijian
//! rescore` ([`tally`]) share this arithmetic, so a call re-scored with every hit kept gets
//! exactly the score it was graded with.

use crate::channel::Channel;
use crate::rule::{Group, Hit, Rule, RuleSet, Scoring};

/// The flag reason of a call that could not be read or parsed.
pub const ERROR_REASON: &str = "输入错误";

/// The flag reason of a diarized call whose agent could not be told from the customer.
pub const UNDECIDED_ROLES_REASON: &str = "角色未判定";

#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// hits `max_hits` counts, 0 for the evidence beyond the cap and for the second and later
    /// evidence of a rule that judges the whole call. Before clamping to 0–100.
    pub hit_points: Vec<i32>,
    /// The call's channel, which chose the scoring scheme.
    pub channel: Channel,
    /// Ids of the rules that do not apply to the call's channel (N/A), by id.
    pub not_applicable: Vec<String>,
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
        }
    }
}

/// Scores one call of `channel` from its hits, with that channel's scheme.
pub fn score(set: &RuleSet, channel: Channel, hits: &[Hit]) -> Scorecard {
    let weights: Vec<Weight<'_>> = set.rules.iter().map(Weight::of).collect();
    let rules: Vec<usize> = hits.iter().map(|h| h.rule).collect();
    let mut card = tally(set.scoring.scheme(channel), &weights, &rules, channel);
    card.not_applicable = set
        .rules
        .iter()
        .filter(|r| !r.applies_to(channel))
        .map(|r| r.id.clone())
        .collect();
    card
}

/// Scores a call of `channel` whose hits are of the rules `weights[hits[0]]`, `weights[hits[1]]`,
/// …, in the order of the evidence (the first `max_hits` of a rule are the ones that count),
/// with `scheme`'s numbers. Rules are reported in the order of `weights`; `not_applicable` is
/// left empty, since only the rule set knows which rules a channel leaves out.
pub fn tally(
    scheme: &Scoring,
    weights: &[Weight<'_>],
    hits: &[usize],
    channel: Channel,
) -> Scorecard {
    let s = scheme;
    let mut counts = vec![0usize; weights.len()];
    let mut hit_points = Vec::with_capacity(hits.len());
    for &h in hits {
        let rule = &weights[h];
        let cap = if rule.whole_call {
            Some(1)
        } else {
            rule.max_hits.map(|m| m as usize)
        };
        let counted = cap.is_none_or(|cap| counts[h] < cap);
        hit_points.push(if counted { rule.points } else { 0 });
        counts[h] += 1;
    }
    // A composition or a reference judges the whole call: one verdict, however much evidence.
    for (n, rule) in counts.iter_mut().zip(weights) {
        if rule.whole_call {
            *n = (*n).min(1);
        }
    }
    let total = |group: Option<Group>| -> u8 {
        let mut points = s.base;
        let mut fatal = false;
        for (rule, &n) in weights.iter().zip(&counts) {
            if n == 0 || group.is_some_and(|g| g != rule.group) {
                continue;
            }
            fatal |= rule.fatal;
            let counted = rule.max_hits.map_or(n, |m| n.min(m as usize));
            points += rule.points * counted as i32;
        }
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
    let fatal = weights.iter().zip(&counts).any(|(r, &n)| n > 0 && r.fatal);
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
        channel,
        not_applicable: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_text;
    use crate::testing::small_rule_set as set;

    /// Each hit carries what it counted for: the cap and a whole-call verdict leave the rest of
    /// the evidence at 0, and base plus the points is the score.
    #[test]
    fn each_hit_counts_what_it_cost() {
        let set = set();
        let call = parse_text(
            "客服：您好,不知道。\n客户：啊?\n客服：不知道,真不知道。\n",
            "t",
        )
        .unwrap();
        let hits = set.evaluate(&call);
        let card = score(&set, Channel::Phone, &hits);
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

    /// The scorecard of a call of `channel` with `n` hits of each rule id.
    fn card_on(set: &RuleSet, channel: Channel, hits: &[(&str, usize)]) -> Scorecard {
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
                    }),
                })
            })
            .collect();
        score(set, channel, &hits)
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
        };
        let weights = [
            w("CAP", -4, Some(2), false, false, Group::Attitude),
            w("ALL", -3, None, true, false, Group::Procedure),
            w("FAT", 0, None, false, true, Group::Attitude),
        ];
        let c = tally(&scheme, &weights, &[0, 1, 0, 1, 0], Channel::Phone);
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
        let c = tally(&scheme, &weights, &[2, 0], Channel::Chat);
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
}
