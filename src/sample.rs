//! Sample (人工抽检): graded calls → a fair, reproducible draw of hits or calls for people to
//! check by hand.
//!
//! In: the [`Graded`] rows of a batch, in batch order, a chunk at a time, and a [`Plan`]: what a
//! stratum is ([`Per`]), how many items to draw from each, the seed, and which rules and
//! channels take part. Out: a [`Sample`]: every stratum with its number of candidates and of
//! items drawn, the items, and the calls they come from, in batch order (what
//! [`crate::report::sample`] renders, and what the review page is written from).
//!
//! An item of the hit strata (`rule`, `rule-channel`, `channel`, `agent`, `tier`) is one rule
//! firing on one call, with all of its evidence. A reader judges whether the rule was right to
//! fire there, and a call where LNG001 quoted three phrases is one candidate, not three, so calls
//! with many hits do not crowd the sample. Evidence beyond `max_hits` costs nothing but is still
//! evidence, and is listed; bonuses and zero-point flags are items like deductions. An item of the
//! call strata (`call`, `call-channel`) is a whole call, for finding what no rule caught.
//!
//! The draw: every candidate gets a 64-bit number from the seed, the call's id, the call's words
//! and the rule's id (FNV-1a, then SplitMix64's finaliser to spread the bits), and each stratum
//! takes the `n` smallest. That is a uniform draw without replacement that depends on nothing
//! else: not on the threads, not on the other calls of the batch, not on where the files are
//! kept. A larger `n` keeps the smaller sample and adds to it. While the batch streams past,
//! only the `n` best candidates of each stratum and their calls are kept.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::str::FromStr;

use crate::channel::Channel;
use crate::grade::{Graded, Outcome};
use crate::input::Turn;
use crate::report::UNKNOWN_AGENT;
use crate::rule::{fnv1a, RuleSet, FNV1A_START};

/// What a stratum is: the draw takes `n` items from each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// Each rule's firings.
    Rule,
    /// Each rule's firings on each channel.
    RuleChannel,
    /// Every rule's firings on each channel.
    Channel,
    /// Every rule's firings on each agent's calls.
    Agent,
    /// Every rule's firings on the calls of each tier.
    Tier,
    /// Whole calls, from the whole batch.
    Call,
    /// Whole calls, from each channel.
    CallChannel,
}

impl Per {
    pub const ALL: [Per; 7] = [
        Per::Rule,
        Per::RuleChannel,
        Per::Channel,
        Per::Agent,
        Per::Tier,
        Per::Call,
        Per::CallChannel,
    ];

    /// The name `--per` takes.
    pub fn name(self) -> &'static str {
        match self {
            Per::Rule => "rule",
            Per::RuleChannel => "rule-channel",
            Per::Channel => "channel",
            Per::Agent => "agent",
            Per::Tier => "tier",
            Per::Call => "call",
            Per::CallChannel => "call-channel",
        }
    }

    /// How the strata are drawn, as a reader is told.
    pub fn zh(self) -> &'static str {
        match self {
            Per::Rule => "每条规则",
            Per::RuleChannel => "每条规则的每个渠道",
            Per::Channel => "每个渠道",
            Per::Agent => "每个坐席",
            Per::Tier => "每个档位",
            Per::Call => "整通电话",
            Per::CallChannel => "每个渠道的整通电话",
        }
    }

    /// Whether an item is a whole call rather than one rule's firing.
    pub fn whole_calls(self) -> bool {
        matches!(self, Per::Call | Per::CallChannel)
    }
}

impl FromStr for Per {
    type Err = String;

    fn from_str(s: &str) -> Result<Per, String> {
        Per::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Per::ALL.iter().map(|p| p.name()).collect();
            format!("不认识的抽样层 \"{s}\": 可用 {}", names.join("、"))
        })
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub per: Per,
    /// Items drawn from each stratum (all of them where there are fewer).
    pub n: usize,
    pub seed: u64,
    /// The rules whose firings take part, as indices into the rule set; empty for all.
    pub rules: Vec<usize>,
    /// The channels whose calls take part; empty for all.
    pub channels: Vec<Channel>,
}

/// One stratum of the draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stratum {
    /// What it is, for a reader: `LNG001 服务禁语`, `渠道 在线`, `坐席 张敏`, `档位 达标`.
    pub label: String,
    pub candidates: usize,
    pub drawn: usize,
}

/// One thing drawn for a reader to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Index into [`Sample::strata`].
    pub stratum: usize,
    /// Index into [`Sample::calls`].
    pub call: usize,
    /// The rule that fired, as an index into the rule set; `None` for a whole call.
    pub rule: Option<usize>,
    /// The evidence to judge, as indices into the call's hits: the rule's, or every hit of a
    /// whole call. Evidence repeated word for word (the same rule, turn, kind and place, as a
    /// composition can quote one sentence through two of its conditions) is listed once, as the
    /// review page judges it once.
    pub hits: Vec<usize>,
}

/// The draw: strata in order (by rule, channel, agent or tier), the items of each stratum in
/// the order drawn, and the calls they come from in batch order.
#[derive(Debug, Clone)]
pub struct Sample {
    pub plan: Plan,
    pub strata: Vec<Stratum>,
    pub items: Vec<Item>,
    pub calls: Vec<Graded>,
}

/// Which stratum a candidate belongs to; only the fields that `Per` names are set, so the
/// strata sort by them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rule: Option<usize>,
    channel: Option<Channel>,
    agent: Option<String>,
    /// The tier's place in its scheme (the best first), and its name.
    tier: Option<(usize, String)>,
}

impl Key {
    fn label(&self, set: &RuleSet) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.rule {
            parts.push(format!("{} {}", set.rules[r].id, set.rules[r].title));
        }
        if let Some(c) = self.channel {
            parts.push(format!("渠道 {}", c.zh()));
        }
        if let Some(a) = &self.agent {
            parts.push(format!("坐席 {a}"));
        }
        if let Some((_, t)) = &self.tier {
            parts.push(format!("档位 {t}"));
        }
        if parts.is_empty() {
            "全部通话".into()
        } else {
            parts.join(" · ")
        }
    }
}

/// A candidate: its draw number, the call's place in the batch, the rule. Ordered by the draw
/// number; two candidates with the same number (the same call twice in one batch) by place.
type Ticket = (u64, usize, Option<usize>);

#[derive(Debug, Default)]
struct Draw {
    candidates: usize,
    /// The `n` smallest tickets so far.
    best: BTreeSet<Ticket>,
}

/// Draws a [`Sample`] from a batch fed to it a chunk at a time.
pub struct Sampler<'a> {
    set: &'a RuleSet,
    plan: Plan,
    draws: BTreeMap<Key, Draw>,
    /// The calls of the tickets in some `best`, by place in the batch.
    kept: BTreeMap<usize, Graded>,
    /// The place in the batch of the next row.
    next: usize,
}

impl<'a> Sampler<'a> {
    pub fn new(set: &'a RuleSet, plan: Plan) -> Self {
        let mut draws = BTreeMap::new();
        // A rule that never fired is still a stratum: the reader sees that it had nothing to
        // draw from, rather than not seeing it at all. Rules that apply to none of the chosen
        // channels are left out.
        if plan.per == Per::Rule {
            for (i, rule) in set.rules.iter().enumerate() {
                let chosen = plan.rules.is_empty() || plan.rules.contains(&i);
                let applies =
                    plan.channels.is_empty() || plan.channels.iter().any(|&c| rule.applies_to(c));
                if chosen && applies {
                    draws.insert(
                        Key {
                            rule: Some(i),
                            channel: None,
                            agent: None,
                            tier: None,
                        },
                        Draw::default(),
                    );
                }
            }
        }
        Sampler {
            set,
            plan,
            draws,
            kept: BTreeMap::new(),
            next: 0,
        }
    }

    /// Takes the next rows of the batch, in batch order.
    pub fn add(&mut self, rows: Vec<Graded>) {
        for row in rows {
            let at = self.next;
            self.next += 1;
            if self.offer(&row, at) {
                self.kept.insert(at, row);
            }
        }
        // Calls whose every ticket has been pushed out by smaller ones are no longer needed.
        let wanted: HashSet<usize> = self
            .draws
            .values()
            .flat_map(|d| d.best.iter().map(|t| t.1))
            .collect();
        self.kept.retain(|at, _| wanted.contains(at));
    }

    /// Enters the candidates of one row; whether any of them is among the best of its stratum.
    fn offer(&mut self, row: &Graded, at: usize) -> bool {
        let Ok(o) = &row.outcome else { return false };
        let plan = &self.plan;
        if !plan.channels.is_empty() && !plan.channels.contains(&o.card.channel) {
            return false;
        }
        let call = call_hash(plan.seed, &row.call_id, &o.call.turns);
        if plan.per.whole_calls() {
            let key = self.key(o, None);
            return self.enter(key, (spread(call), at, None));
        }
        let mut fired: Vec<usize> = o.hits.iter().map(|h| h.rule).collect();
        fired.sort_unstable();
        fired.dedup();
        let mut entered = false;
        for rule in fired {
            if !self.plan.rules.is_empty() && !self.plan.rules.contains(&rule) {
                continue;
            }
            let number = spread(fnv1a(call, self.set.rules[rule].id.bytes()));
            let key = self.key(o, Some(rule));
            entered |= self.enter(key, (number, at, Some(rule)));
        }
        entered
    }

    /// The stratum of a call's candidate.
    fn key(&self, o: &Outcome, rule: Option<usize>) -> Key {
        let per = self.plan.per;
        let card = &o.card;
        Key {
            rule: rule.filter(|_| matches!(per, Per::Rule | Per::RuleChannel)),
            channel: matches!(per, Per::RuleChannel | Per::Channel | Per::CallChannel)
                .then_some(card.channel),
            agent: (per == Per::Agent).then(|| o.call.agent().unwrap_or(UNKNOWN_AGENT).to_string()),
            tier: (per == Per::Tier).then(|| {
                let place = self
                    .set
                    .scoring
                    .scheme(card.channel)
                    .tiers
                    .iter()
                    .position(|(name, _)| *name == card.tier)
                    .unwrap_or(usize::MAX);
                (place, card.tier.clone())
            }),
        }
    }

    /// Counts a candidate in its stratum; whether it is among the `n` best so far.
    fn enter(&mut self, key: Key, ticket: Ticket) -> bool {
        let draw = self.draws.entry(key).or_default();
        draw.candidates += 1;
        draw.best.insert(ticket);
        draw.best.len() <= self.plan.n || draw.best.pop_last() != Some(ticket)
    }

    /// The sample, once every row has been added.
    pub fn finish(self) -> Sample {
        let places: Vec<usize> = self.kept.keys().copied().collect();
        let calls: Vec<Graded> = self.kept.into_values().collect();
        let mut strata = Vec::with_capacity(self.draws.len());
        let mut items = Vec::new();
        for (s, (key, draw)) in self.draws.into_iter().enumerate() {
            strata.push(Stratum {
                label: key.label(self.set),
                candidates: draw.candidates,
                drawn: draw.best.len(),
            });
            for (_, at, rule) in draw.best {
                let call = places
                    .binary_search(&at)
                    .expect("the call of a drawn ticket is kept");
                let Ok(o) = &calls[call].outcome else {
                    unreachable!("only graded calls are candidates")
                };
                items.push(Item {
                    stratum: s,
                    call,
                    rule,
                    hits: evidence(o, rule),
                });
            }
        }
        Sample {
            plan: self.plan,
            strata,
            items,
            calls,
        }
    }
}

/// The hits of `rule` (or all, for `None`), each piece of evidence once.
fn evidence(o: &Outcome, rule: Option<usize>) -> Vec<usize> {
    let mut seen = HashSet::new();
    (0..o.hits.len())
        .filter(|&i| {
            let h = &o.hits[i];
            rule.is_none_or(|r| h.rule == r)
                && seen.insert((
                    h.rule,
                    h.turn,
                    h.evidence.kind(),
                    crate::verdict::span(&h.evidence),
                ))
        })
        .collect()
}

/// Where the draw numbers of a call's candidates start: FNV-1a over the seed, the call's id and
/// its words (each turn's role, a NUL, its text and a U+0001). The place of the file is left
/// out on purpose: the same calls copied elsewhere give the same sample.
fn call_hash(seed: u64, id: &str, turns: &[Turn]) -> u64 {
    let mut h = fnv1a(FNV1A_START, seed.to_le_bytes());
    h = fnv1a(h, id.bytes().chain([0]));
    for t in turns {
        h = fnv1a(
            h,
            t.role
                .as_str()
                .bytes()
                .chain([0])
                .chain(t.text.bytes())
                .chain([1]),
        );
    }
    h
}

/// SplitMix64's finaliser: FNV-1a's last bytes barely reach its high bits, so candidates that
/// differ only in a rule id's last digit would otherwise be ordered alike.
fn spread(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{graded as row, small_rule_set};

    fn plan(per: Per, n: usize, seed: u64) -> Plan {
        Plan {
            per,
            n,
            seed,
            rules: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// Calls that each fire TST001 (不知道) and TST004 (投诉); TST003 (您好) on the even ones.
    fn batch(set: &RuleSet, n: usize) -> Vec<Graded> {
        (0..n)
            .map(|i| {
                let hello = if i % 2 == 0 { "您好," } else { "" };
                row(
                    set,
                    &format!("c{i:02}"),
                    &format!("客户：我要投诉。\n客服：{hello}这个我不知道,第 {i} 号。\n"),
                    if i % 3 == 0 {
                        Channel::Chat
                    } else {
                        Channel::Phone
                    },
                    if i % 4 == 0 { "" } else { "张敏" },
                )
            })
            .collect()
    }

    fn draw(set: &RuleSet, plan: Plan, chunks: Vec<Vec<Graded>>) -> Sample {
        let mut s = Sampler::new(set, plan);
        for rows in chunks {
            s.add(rows);
        }
        s.finish()
    }

    /// The drawn (call id, rule id) pairs, by stratum label.
    fn drawn(set: &RuleSet, sample: &Sample) -> Vec<(String, String, String)> {
        sample
            .items
            .iter()
            .map(|it| {
                (
                    sample.strata[it.stratum].label.clone(),
                    sample.calls[it.call].call_id.clone(),
                    it.rule.map_or("—".into(), |r| set.rules[r].id.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_whatever_the_chunks_and_the_other_calls() {
        let set = small_rule_set();
        let rows = batch(&set, 30);
        let whole = draw(&set, plan(Per::Rule, 4, 7), vec![rows.clone()]);
        let singly = draw(
            &set,
            plan(Per::Rule, 4, 7),
            rows.iter().map(|r| vec![r.clone()]).collect(),
        );
        assert_eq!(drawn(&set, &whole), drawn(&set, &singly));
        assert_eq!(whole.strata, singly.strata);
        // Only the calls of drawn items are kept, in batch order.
        let ids: Vec<&str> = whole.calls.iter().map(|c| c.call_id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        let used: HashSet<usize> = whole.items.iter().map(|i| i.call).collect();
        assert_eq!(used.len(), whole.calls.len());

        // Reversed, with unreadable rows in between: the same pairs.
        let mut reversed: Vec<Graded> = rows.iter().rev().cloned().collect();
        reversed.insert(
            3,
            Graded {
                source: "bad.txt".into(),
                call_id: "bad".into(),
                outcome: Err(crate::input::InputError::Empty),
            },
        );
        let back = draw(&set, plan(Per::Rule, 4, 7), vec![reversed]);
        let mut a = drawn(&set, &whole);
        let mut b = drawn(&set, &back);
        a.sort();
        b.sort();
        assert_eq!(a, b);

        // Another seed draws another sample.
        let other = draw(&set, plan(Per::Rule, 4, 8), vec![rows.clone()]);
        assert_ne!(drawn(&set, &whole), drawn(&set, &other));
    }

    #[test]
    fn a_larger_n_keeps_the_smaller_sample_and_a_small_stratum_is_drawn_whole() {
        let set = small_rule_set();
        let rows = batch(&set, 12);
        let small = draw(&set, plan(Per::Rule, 3, 1), vec![rows.clone()]);
        let large = draw(&set, plan(Per::Rule, 5, 1), vec![rows.clone()]);
        let large = drawn(&set, &large);
        for pair in drawn(&set, &small) {
            assert!(large.contains(&pair), "{pair:?} {large:?}");
        }
        let counts: Vec<(&str, usize, usize)> = small
            .strata
            .iter()
            .map(|s| (s.label.as_str(), s.candidates, s.drawn))
            .collect();
        // TST002 refers to TST001: it fires on every call too, as a whole-call rule.
        assert_eq!(
            counts,
            [
                ("TST001 禁语", 12, 3),
                ("TST002 整通", 12, 3),
                ("TST003 加分", 6, 3),
                ("TST004 记录", 12, 3)
            ]
        );
        let all = draw(&set, plan(Per::Rule, 100, 1), vec![rows]);
        assert!(all.strata.iter().all(|s| s.drawn == s.candidates));
        assert_eq!(all.items.len(), 12 * 3 + 6);
    }

    #[test]
    fn a_rule_fired_three_times_on_a_call_is_one_item_with_its_evidence_once_each() {
        let set = small_rule_set();
        let r = row(
            &set,
            "x",
            "客服：不知道。\n客户：啊?\n客服：不知道,真不知道。\n",
            Channel::Phone,
            "",
        );
        let o = r.outcome.as_ref().unwrap();
        let tst001 = set.rules.iter().position(|r| r.id == "TST001").unwrap();
        assert_eq!(o.hits.iter().filter(|h| h.rule == tst001).count(), 3);
        let sample = draw(&set, plan(Per::Rule, 8, 1), vec![vec![r.clone()]]);
        let item = sample
            .items
            .iter()
            .find(|i| i.rule == Some(tst001))
            .unwrap();
        assert_eq!(
            item.hits.len(),
            3,
            "the third, over max_hits, is evidence too"
        );
        assert!(item.hits.iter().all(|&h| o.hits[h].rule == tst001));
        assert_eq!(sample.strata[0].candidates, 1);

        // The same evidence twice is judged once.
        let mut twice = r.clone();
        let o = twice.outcome.as_mut().unwrap();
        let first = o.hits.iter().position(|h| h.rule == tst001).unwrap();
        o.hits.insert(first, o.hits[first].clone());
        o.card.hit_points.insert(first, 0);
        let sample = draw(&set, plan(Per::Call, 8, 1), vec![vec![twice.clone()]]);
        let all = &sample.items[0];
        assert_eq!(all.rule, None);
        let total = twice.outcome.as_ref().unwrap().hits.len();
        assert_eq!(all.hits.len(), total - 1);
        assert!(!all.hits.contains(&(first + 1)));
    }

    #[test]
    fn strata_follow_per_and_the_filters_narrow_the_candidates() {
        let set = small_rule_set();
        let rows = batch(&set, 12);
        let labels = |per: Per| -> Vec<(String, usize)> {
            draw(&set, plan(per, 2, 1), vec![rows.clone()])
                .strata
                .into_iter()
                .map(|s| (s.label, s.candidates))
                .collect()
        };
        let owned = |v: &[(&str, usize)]| -> Vec<(String, usize)> {
            v.iter().map(|(l, n)| (l.to_string(), *n)).collect()
        };
        // 12 calls, 4 of them chat (0, 3, 6, 9); each fires 3 rules, the even ones 4.
        assert_eq!(
            labels(Per::Channel),
            owned(&[("渠道 电话", 8 * 3 + 4), ("渠道 在线", 4 * 3 + 2)])
        );
        assert_eq!(
            labels(Per::Agent),
            owned(&[("坐席 (未注明)", 3 * 4), ("坐席 张敏", 9 * 3 + 3)])
        );
        assert_eq!(labels(Per::Call), owned(&[("全部通话", 12)]));
        assert_eq!(
            labels(Per::CallChannel),
            owned(&[("渠道 电话", 8), ("渠道 在线", 4)])
        );
        let by_rule_channel = labels(Per::RuleChannel);
        assert_eq!(by_rule_channel.len(), 8);
        assert_eq!(
            by_rule_channel[..2],
            owned(&[
                ("TST001 禁语 · 渠道 电话", 8),
                ("TST001 禁语 · 渠道 在线", 4)
            ])
        );
        // −3 −4 +2 on the even calls, −3 −4 on the odd ones: 95 and 93, 优秀 and 良好 on the
        // phone; chat's scheme asks 96 and 92 (95 → 良好, 93 → 良好).
        let tiers = labels(Per::Tier);
        assert_eq!(
            tiers,
            owned(&[("档位 优秀", 4 * 4), ("档位 良好", 8 * 3 + 2)])
        );

        let tst003 = set.rules.iter().position(|r| r.id == "TST003").unwrap();
        let only = Plan {
            rules: vec![tst003],
            channels: vec![Channel::Chat],
            ..plan(Per::Rule, 8, 1)
        };
        let sample = draw(&set, only, vec![rows]);
        assert_eq!(sample.strata.len(), 1);
        assert_eq!(sample.strata[0].candidates, 2, "calls 0 and 6");
        let ids: Vec<&str> = sample.calls.iter().map(|c| c.call_id.as_str()).collect();
        assert_eq!(ids, ["c00", "c06"]);
    }

    #[test]
    fn a_rule_that_applies_to_none_of_the_chosen_channels_is_no_stratum() {
        let set = crate::rule::RuleSet::embedded().unwrap();
        let only_chat = Plan {
            channels: vec![Channel::Chat],
            ..plan(Per::Rule, 2, 1)
        };
        let sample = draw(&set, only_chat, vec![]);
        let ids: Vec<&str> = sample
            .strata
            .iter()
            .map(|s| s.label.split(' ').next().unwrap())
            .collect();
        assert!(!ids.contains(&"OPN001"), "{ids:?}");
        assert!(
            ids.contains(&"CLS001") && ids.contains(&"RSP001"),
            "{ids:?}"
        );
        assert!(sample.strata.iter().all(|s| s.candidates == 0));
        let all = draw(&set, plan(Per::Rule, 2, 1), vec![]);
        assert_eq!(all.strata.len(), set.rules.len());
        assert!(draw(&set, plan(Per::Channel, 2, 1), vec![])
            .strata
            .is_empty());
    }

    #[test]
    fn every_candidate_is_as_likely_to_be_drawn() {
        // Ten calls that differ in one character, three drawn, over 3000 seeds: each should be
        // drawn about 900 times (binomial, σ ≈ 25).
        let set = small_rule_set();
        let rows: Vec<Graded> = (0..10)
            .map(|i| {
                row(
                    &set,
                    "same",
                    &format!("客服：不知道{i}。\n"),
                    Channel::Phone,
                    "",
                )
            })
            .collect();
        let tst001 = set.rules.iter().position(|r| r.id == "TST001").unwrap();
        let mut times = [0usize; 10];
        for seed in 0..3000 {
            let p = Plan {
                rules: vec![tst001],
                ..plan(Per::Rule, 3, seed)
            };
            let mut s = Sampler::new(&set, p);
            s.add(rows.clone());
            let sample = s.finish();
            for item in &sample.items {
                let text = &sample.calls[item.call].outcome.as_ref().unwrap().call.turns[0].text;
                let i = text.chars().nth(3).unwrap().to_digit(10).unwrap() as usize;
                times[i] += 1;
            }
        }
        assert_eq!(times.iter().sum::<usize>(), 9000);
        assert!(
            times.iter().all(|&t| (800..=1000).contains(&t)),
            "{times:?}"
        );
    }

    #[test]
    fn draw_numbers_are_fnv1a_of_the_seed_id_and_words_spread() {
        let turns = crate::input::parse_text("客服：您好。\n", "x")
            .unwrap()
            .turns;
        let h = call_hash(1, "x", &turns);
        let mut bytes = 1u64.to_le_bytes().to_vec();
        bytes.extend(b"x\0agent\0\xe6\x82\xa8\xe5\xa5\xbd\xe3\x80\x82\x01");
        assert_eq!(h, fnv1a(FNV1A_START, bytes));
        assert_ne!(h, call_hash(2, "x", &turns));
        assert_ne!(h, call_hash(1, "y", &turns));
        // SplitMix64's reference: the first outputs from state 0 are the finaliser of
        // 0x9e3779b97f4a7c15 and of twice that.
        assert_eq!(spread(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf);
        assert_eq!(spread(0x3c6e_f372_fe94_f82a), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn per_names_round_trip() {
        for p in Per::ALL {
            assert_eq!(p.name().parse::<Per>(), Ok(p));
        }
        let e = "rules".parse::<Per>().unwrap_err();
        assert!(
            e.contains("\"rules\"") && e.contains("rule-channel、channel"),
            "{e}"
        );
        assert!(Per::Call.whole_calls() && Per::CallChannel.whole_calls());
        assert!(!Per::Rule.whole_calls() && !Per::Tier.whole_calls());
    }
}
