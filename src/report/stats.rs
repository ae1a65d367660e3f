//! Totals over a batch: per agent and per rule, for the reports that summarise (the Excel
//! 坐席 and 规则 sheets).
//!
//! In: every graded row, in order (also those a report does not list). Out: counts that do not
//! depend on the order or the chunking of the rows, in a stable order.

use std::collections::BTreeMap;

use crate::grade::Graded;
use crate::rule::RuleSet;

/// Calls whose metadata names no agent are counted under this name.
pub const UNKNOWN_AGENT: &str = "(未注明)";

/// One agent's calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentStats {
    pub calls: usize,
    pub score_sum: u64,
    /// Calls per tier, in the order of `scoring.toml`'s tiers.
    pub tiers: Vec<usize>,
    pub flagged: usize,
    /// Calls on which each rule fired, by rule index; a rule whose every hit on a call is held
    /// for review (the recogniser doubted its words) does not count against the agent until a
    /// supervisor confirms it.
    pub rule_calls: Vec<usize>,
}

impl AgentStats {
    pub fn mean_score(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.score_sum as f64 / self.calls as f64
        }
    }

    /// Up to `n` rule indices that fired on most of this agent's calls, most first, only rules
    /// that cost points. Ties go to the graver rule (fatal, then more points per hit), then by
    /// id: a coach should see 推卸责任 before a missing 结束语 fired as often.
    pub fn top_rules(&self, set: &RuleSet, n: usize) -> Vec<(usize, usize)> {
        let mut rules: Vec<(usize, usize)> = self
            .rule_calls
            .iter()
            .enumerate()
            .filter(|&(i, &calls)| calls > 0 && (set.rules[i].points < 0 || set.rules[i].fatal))
            .map(|(i, &calls)| (i, calls))
            .collect();
        let gravity = |i: usize| (!set.rules[i].fatal, set.rules[i].points);
        rules.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(gravity(a.0).cmp(&gravity(b.0)))
                .then(a.0.cmp(&b.0))
        });
        rules.truncate(n);
        rules
    }
}

/// One rule over the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Calls on which the rule fired.
    pub calls: usize,
    /// Pieces of evidence (before `max_hits`).
    pub hits: usize,
    /// Points the rule cost (negative) or earned over the batch, after `max_hits`.
    pub points: i64,
}

/// Totals over a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Calls graded (input errors not included).
    pub graded: usize,
    pub errors: usize,
    pub flagged: usize,
    pub agents: BTreeMap<String, AgentStats>,
    /// By rule index.
    pub rules: Vec<RuleStats>,
    /// Graded calls per tier, in the order of `scoring.toml`'s tiers.
    pub tiers: Vec<usize>,
    /// Graded calls per service type (优质型…), by name.
    pub service_types: BTreeMap<String, usize>,
    /// Graded calls per score, 0 to 100.
    pub scores: Vec<usize>,
}

impl Stats {
    pub fn new(set: &RuleSet) -> Stats {
        Stats {
            graded: 0,
            errors: 0,
            flagged: 0,
            agents: BTreeMap::new(),
            rules: vec![RuleStats::default(); set.rules.len()],
            tiers: vec![0; set.scoring.tiers.len()],
            service_types: BTreeMap::new(),
            scores: vec![0; 101],
        }
    }

    pub fn add(&mut self, set: &RuleSet, row: &Graded) {
        let Ok(o) = &row.outcome else {
            self.errors += 1;
            self.flagged += 1;
            return;
        };
        self.graded += 1;
        let card = &o.card;
        self.flagged += usize::from(card.flagged);
        let agent = self
            .agents
            .entry(o.call.agent().unwrap_or(UNKNOWN_AGENT).to_string())
            .or_insert_with(|| AgentStats {
                tiers: vec![0; set.scoring.tiers.len()],
                rule_calls: vec![0; set.rules.len()],
                ..AgentStats::default()
            });
        agent.calls += 1;
        agent.score_sum += u64::from(card.score);
        agent.flagged += usize::from(card.flagged);
        if let Some(t) = set
            .scoring
            .tiers
            .iter()
            .position(|(name, _)| *name == card.tier)
        {
            agent.tiers[t] += 1;
            self.tiers[t] += 1;
        }
        *self
            .service_types
            .entry(card.service_type.clone())
            .or_default() += 1;
        self.scores[usize::from(card.score.min(100))] += 1;
        let mut fired = vec![false; set.rules.len()];
        let mut charged = vec![false; set.rules.len()];
        for (i, (hit, points)) in o.hits.iter().zip(&card.hit_points).enumerate() {
            let r = &mut self.rules[hit.rule];
            r.hits += 1;
            r.points += i64::from(*points);
            fired[hit.rule] = true;
            charged[hit.rule] |= card.held.get(i) != Some(&true);
        }
        for (i, _) in fired.iter().enumerate().filter(|(_, &f)| f) {
            self.rules[i].calls += 1;
        }
        for (i, _) in charged.iter().enumerate().filter(|(_, &c)| c) {
            agent.rule_calls[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::grade_call;
    use crate::input::{parse_text, InputError};

    fn graded(agent: Option<&str>, id: &str, transcript: &str, set: &RuleSet) -> Graded {
        let header = agent.map_or(String::new(), |a| format!("# agent: {a}\n"));
        let call = parse_text(&format!("{header}{transcript}"), id).unwrap();
        Graded {
            source: format!("{id}.txt"),
            call_id: id.into(),
            outcome: Ok(grade_call(set, call)),
        }
    }

    #[test]
    fn totals_per_agent_and_per_rule() {
        let set = crate::testing::small_rule_set();
        let rows = [
            // 95: TST001 −3, TST002 −4, TST003 +2; flagged by TST002.
            graded(
                Some("A"),
                "a1",
                "客服：您好,不知道。\n客户：我要投诉。",
                &set,
            ),
            // 100 (102 clamped): TST003 +2.
            graded(Some("A"), "a2", "客服：您好。", &set),
            // 90: TST001 three times, a sentence each, counted twice (−6), TST002 −4; flagged.
            graded(Some("B"), "b1", "客服：不知道。不知道。不知道。", &set),
            graded(None, "n1", "客服：您好。", &set),
            Graded {
                source: "bad.txt".into(),
                call_id: "bad".into(),
                outcome: Err(InputError::Empty),
            },
        ];
        let mut stats = Stats::new(&set);
        for row in &rows {
            stats.add(&set, row);
        }
        assert_eq!((stats.graded, stats.errors, stats.flagged), (4, 1, 3));

        let a = &stats.agents["A"];
        assert_eq!((a.calls, a.score_sum, a.flagged), (2, 195, 1));
        assert_eq!(a.mean_score(), 97.5);
        assert_eq!(a.tiers, [2, 0, 0, 0]);
        assert_eq!(a.rule_calls, [1, 1, 2, 1]);
        // Bonus and 0-point rules are not what an agent is coached on; ties go to the graver
        // rule (TST002 costs 4, TST001 3).
        assert_eq!(a.top_rules(&set, 3), [(1, 1), (0, 1)]);
        assert_eq!(a.top_rules(&set, 1), [(1, 1)]);

        let b = &stats.agents["B"];
        assert_eq!((b.calls, b.score_sum, b.flagged), (1, 90, 1));
        assert_eq!(b.tiers, [0, 1, 0, 0]);
        assert_eq!(b.top_rules(&set, 3), [(1, 1), (0, 1)]);
        // The same call with its TST002 hit held for review (a doubted word): the batch still
        // saw the rule fire, the agent is not charged with it until someone confirms.
        let mut held = graded(Some("C"), "c1", "客服：不知道。\n客户：我要投诉。", &set);
        if let Ok(o) = &mut held.outcome {
            let tst002 = o
                .hits
                .iter()
                .position(|h| h.rule == 1)
                .expect("TST002 fires");
            o.card.held[tst002] = true;
        }
        let mut with_held = Stats::new(&set);
        with_held.add(&set, &held);
        assert_eq!(with_held.rules[1].calls, 1);
        assert_eq!(with_held.agents["C"].rule_calls[..2], [1, 0]);
        assert_eq!(with_held.agents["C"].top_rules(&set, 3), [(0, 1)]);
        assert_eq!(stats.agents[UNKNOWN_AGENT].calls, 1);
        assert_eq!(stats.agents.len(), 3);
        assert_eq!(stats.tiers, [3, 1, 0, 0]);
        assert_eq!(stats.scores[95], 1);
        assert_eq!(stats.scores[100], 2);
        assert_eq!(stats.scores[90], 1);
        assert_eq!(stats.scores.iter().sum::<usize>(), 4);
        assert_eq!(
            stats.service_types.values().sum::<usize>(),
            4,
            "{:?}",
            stats.service_types
        );

        assert_eq!(
            stats.rules,
            [
                RuleStats {
                    calls: 2,
                    hits: 4,
                    points: -9
                },
                RuleStats {
                    calls: 2,
                    hits: 4,
                    points: -8
                },
                RuleStats {
                    calls: 3,
                    hits: 3,
                    points: 6
                },
                RuleStats {
                    calls: 1,
                    hits: 1,
                    points: 0
                },
            ]
        );
    }

    #[test]
    fn rules_that_fired_most_come_first() {
        let set = crate::testing::small_rule_set();
        let agent = AgentStats {
            calls: 5,
            rule_calls: vec![2, 3, 5, 4],
            ..AgentStats::default()
        };
        assert_eq!(agent.top_rules(&set, 3), [(1, 3), (0, 2)]);
        assert_eq!(AgentStats::default().mean_score(), 0.0);
    }
}
