//! Score: a call's hits → its [`Scorecard`].
//!
//! In: the hits of one call and the rule set (points, caps, fatal and review flags, and the
//! numbers of `scoring.toml`). Out: the total score and tier, the two sub-scores and the
//! service type, whether the call goes to a supervisor and why, and the hit count per rule.
//!
//! Score = base + Σ points × min(hits, max_hits), clamped to 0–100; a fatal hit sets 0. The
//! sub-scores are the same computation over the rules of their dimension group only.

use crate::rule::{Group, Hit, RuleSet};

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
}

/// Scores one call from its hits.
pub fn score(set: &RuleSet, hits: &[Hit]) -> Scorecard {
    let s = &set.scoring;
    let mut counts = vec![0usize; set.rules.len()];
    let mut hit_points = Vec::with_capacity(hits.len());
    for h in hits {
        let rule = &set.rules[h.rule];
        let cap = if rule.judges_whole_call() {
            Some(1)
        } else {
            rule.max_hits.map(|m| m as usize)
        };
        let counted = cap.is_none_or(|cap| counts[h.rule] < cap);
        hit_points.push(if counted { rule.points } else { 0 });
        counts[h.rule] += 1;
    }
    // A composition or a reference judges the whole call: one verdict, however much evidence.
    for (n, rule) in counts.iter_mut().zip(&set.rules) {
        if rule.judges_whole_call() {
            *n = (*n).min(1);
        }
    }
    let total = |group: Option<Group>| -> u8 {
        let mut points = s.base;
        let mut fatal = false;
        for (rule, &n) in set.rules.iter().zip(&counts) {
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
    let good = |v: u8| i32::from(v) >= s.service_threshold;
    let service_type = match (good(attitude), good(procedure)) {
        (true, true) => &s.service_types[0],
        (true, false) => &s.service_types[1],
        (false, true) => &s.service_types[2],
        (false, false) => &s.service_types[3],
    }
    .clone();

    let mut flag_reasons: Vec<String> = set
        .rules
        .iter()
        .zip(&counts)
        .filter(|(r, &n)| n > 0 && (r.fatal || r.review))
        .map(|(r, _)| r.id.clone())
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
        hit_counts: set
            .rules
            .iter()
            .zip(&counts)
            .filter(|(_, &n)| n > 0)
            .map(|(r, &n)| (r.id.clone(), n))
            .collect(),
        hit_points,
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
        let card = score(&set, &hits);
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
