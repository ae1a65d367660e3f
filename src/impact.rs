//! Impact: the same calls graded by the rules before and after an edit → what the edit changes.
//!
//! In: pairs of [`Graded`] rows, the same call graded by the base rule set and by the edited
//! one, in batch order. Out: an [`Impact`]: how many calls change score, tier or review flag,
//! each rule's hits before and after, and for every call that changes, its two scores and the
//! evidence found only before or only after. A rule author sees "this edit moves 37 calls from
//! 良好 to 达标" before the edit goes live, as the commercial QA consoles show it.
//!
//! Rules are compared by id, so a rule added, removed or renumbered shows as such; evidence is
//! compared by rule, turn, position and words, so a hit that moved is one gone and one new.

use std::collections::BTreeMap;

use crate::grade::Graded;
use crate::rule::{Evidence, Hit, RuleSet};

/// A call's verdict under one rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub score: u8,
    pub tier: String,
    pub flagged: bool,
}

/// One piece of evidence, as the two rule sets are compared on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub rule: String,
    pub turn: usize,
    /// Where in the turn (characters), 0 for timing evidence.
    pub start: usize,
    /// The words, or what was measured.
    pub text: String,
}

/// A call whose grading the edit changes.
#[derive(Debug, Clone)]
pub struct Change {
    pub call_id: String,
    pub source: String,
    pub before: Verdict,
    pub after: Verdict,
    /// Evidence the edited rules find and the base rules did not…
    pub added: Vec<Found>,
    /// …and the other way round.
    pub removed: Vec<Found>,
}

/// A rule's hits over the batch under each rule set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCounts {
    /// The rule's title in the edited set, or in the base set for a rule the edit removed.
    pub title: String,
    pub calls_before: usize,
    pub calls_after: usize,
    pub hits_before: usize,
    pub hits_after: usize,
    /// Whether each rule set has the rule.
    pub in_base: bool,
    pub in_edited: bool,
}

/// What an edit of the rules changes on a batch of calls.
#[derive(Debug, Clone, Default)]
pub struct Impact {
    pub base_version: String,
    pub edited_version: String,
    /// Calls graded by both (inputs that could not be read are counted in `unreadable`).
    pub calls: usize,
    pub unreadable: usize,
    /// Calls whose score, tier, flag or evidence changes, in batch order.
    pub changed: Vec<Change>,
    /// Every rule of either set, by id.
    pub rules: BTreeMap<String, RuleCounts>,
    /// (tier before, tier after) → calls, for the calls whose tier changes.
    pub tier_moves: BTreeMap<(String, String), usize>,
    /// Rules of both sets whose scoring the edit changes, by id: each change in a few words
    /// (分值 -5 → -6), so a report says why calls moved when no evidence did.
    pub settings: BTreeMap<String, Vec<String>>,
}

impl Impact {
    pub fn new(base: &RuleSet, edited: &RuleSet) -> Impact {
        let mut rules: BTreeMap<String, RuleCounts> = BTreeMap::new();
        for r in &base.rules {
            let c = rules.entry(r.id.clone()).or_default();
            c.title = r.title.clone();
            c.in_base = true;
        }
        for r in &edited.rules {
            let c = rules.entry(r.id.clone()).or_default();
            c.title = r.title.clone();
            c.in_edited = true;
        }
        let mut settings: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for after in &edited.rules {
            let Some(before) = base.rules.iter().find(|r| r.id == after.id) else {
                continue;
            };
            let mut changes = Vec::new();
            let mut note = |what: &str, b: String, a: String| {
                if b != a {
                    changes.push(format!("{what} {b} → {a}"));
                }
            };
            note("分值", before.points.to_string(), after.points.to_string());
            let cap =
                |r: &crate::rule::Rule| r.max_hits.map_or("不限".to_string(), |n| n.to_string());
            note("每通最多计", cap(before), cap(after));
            note(
                "一票否决",
                before.fatal.to_string(),
                after.fatal.to_string(),
            );
            note(
                "需复核",
                before.review.to_string(),
                after.review.to_string(),
            );
            note(
                "启用",
                before.enabled.to_string(),
                after.enabled.to_string(),
            );
            note("渠道", before.channels_zh(), after.channels_zh());
            if !changes.is_empty() {
                settings.insert(after.id.clone(), changes);
            }
        }
        Impact {
            base_version: base.version.clone(),
            edited_version: edited.version.clone(),
            rules,
            settings,
            ..Impact::default()
        }
    }

    /// Adds one call, graded by the base rules (`before`) and the edited ones (`after`).
    pub fn add(&mut self, base: &RuleSet, edited: &RuleSet, before: &Graded, after: &Graded) {
        let (Ok(b), Ok(a)) = (&before.outcome, &after.outcome) else {
            self.unreadable += 1;
            return;
        };
        self.calls += 1;
        let found_before = found(base, &b.hits);
        let found_after = found(edited, &a.hits);
        for (list, after_side) in [(&found_before, false), (&found_after, true)] {
            let mut calls: Vec<&str> = Vec::new();
            for f in list.iter() {
                let c = self.rules.entry(f.rule.clone()).or_default();
                if after_side {
                    c.hits_after += 1;
                } else {
                    c.hits_before += 1;
                }
                if !calls.contains(&f.rule.as_str()) {
                    calls.push(&f.rule);
                    if after_side {
                        c.calls_after += 1;
                    } else {
                        c.calls_before += 1;
                    }
                }
            }
        }
        let verdict = |card: &crate::score::Scorecard| Verdict {
            score: card.score,
            tier: card.tier.clone(),
            flagged: card.flagged,
        };
        let (vb, va) = (verdict(&b.card), verdict(&a.card));
        let added = difference(&found_after, &found_before);
        let removed = difference(&found_before, &found_after);
        if vb == va && added.is_empty() && removed.is_empty() {
            return;
        }
        if vb.tier != va.tier {
            *self
                .tier_moves
                .entry((vb.tier.clone(), va.tier.clone()))
                .or_default() += 1;
        }
        self.changed.push(Change {
            call_id: after.call_id.clone(),
            source: after.source.clone(),
            before: vb,
            after: va,
            added,
            removed,
        });
    }

    /// Calls whose score changes.
    pub fn rescored(&self) -> usize {
        self.changed
            .iter()
            .filter(|c| c.before.score != c.after.score)
            .count()
    }

    /// Calls whose tier changes.
    pub fn retiered(&self) -> usize {
        self.tier_moves.values().sum()
    }

    /// Calls flagged for review by one rule set and not the other.
    pub fn reflagged(&self) -> usize {
        self.changed
            .iter()
            .filter(|c| c.before.flagged != c.after.flagged)
            .count()
    }

    /// The rules whose hits change, by id.
    pub fn rules_changed(&self) -> impl Iterator<Item = (&String, &RuleCounts)> {
        self.rules.iter().filter(|(_, c)| {
            c.hits_before != c.hits_after
                || c.calls_before != c.calls_after
                || c.in_base != c.in_edited
        })
    }
}

/// The evidence of `hits`, sorted, as the comparison sees it.
fn found(set: &RuleSet, hits: &[Hit]) -> Vec<Found> {
    let mut out: Vec<Found> = hits
        .iter()
        .map(|h| Found {
            rule: set.rules[h.rule].id.clone(),
            turn: h.turn,
            start: match &h.evidence {
                Evidence::Said(q) | Evidence::Missing { quote: q, .. } => q.start,
                Evidence::Overlap { .. } | Evidence::Silence { .. } | Evidence::Measured(_) => 0,
            },
            text: h.describe(),
        })
        .collect();
    out.sort();
    out
}

/// What `a` has that `b` has not, both sorted, counting repeats.
fn difference(a: &[Found], b: &[Found]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j < b.len() && b[j] == *x {
            j += 1;
        } else {
            out.push(x.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::grade_call;
    use crate::input::{parse_text, InputError};
    use crate::rule::RuleSource;

    /// The built-in rules with one rule file edited.
    fn edited(path: &str, edit: impl Fn(&str) -> String) -> RuleSet {
        let sources: Vec<RuleSource> = crate::rule::embedded_sources()
            .into_iter()
            .map(|mut s| {
                if s.path == path {
                    s.text = edit(&s.text);
                }
                s
            })
            .collect();
        RuleSet::compile(&sources).unwrap()
    }

    fn graded(set: &RuleSet, id: &str, text: &str) -> Graded {
        Graded {
            source: format!("{id}.txt"),
            call_id: id.into(),
            outcome: Ok(grade_call(set, parse_text(text, id).unwrap())),
        }
    }

    /// An edit that adds a phrase: the call that says it changes, with the new evidence and
    /// its scores; the call that does not is counted but not listed; an unreadable input is
    /// counted apart.
    #[test]
    fn an_edit_changes_the_calls_that_say_its_words_and_no_other() {
        let base = RuleSet::embedded().unwrap();
        let after = edited("language/LNG001-forbidden-phrases.toml", |t| {
            t.replacen("phrases = [", "phrases = [\"按流程走\", ", 1)
        });
        let said = "客服：您好,工号1024为您服务。\n客户：能快点吗?\n客服：只能按流程走。\n客户：好吧。\n客服：感谢您的来电,再见。";
        let other = "客服：您好,工号1024为您服务。\n客户：查话费。\n客服：好的,本月58元。\n客户：好的谢谢。\n客服：感谢您的来电,再见。";
        let mut impact = Impact::new(&base, &after);
        for (id, text) in [("said", said), ("other", other)] {
            impact.add(
                &base,
                &after,
                &graded(&base, id, text),
                &graded(&after, id, text),
            );
        }
        let broken = Graded {
            source: "bad.txt".into(),
            call_id: "bad".into(),
            outcome: Err(InputError::Empty),
        };
        impact.add(&base, &after, &broken, &broken);
        assert_eq!((impact.calls, impact.unreadable), (2, 1));
        assert_eq!(impact.changed.len(), 1);
        let c = &impact.changed[0];
        assert_eq!(c.call_id, "said");
        assert_eq!(c.after.score + 5, c.before.score);
        assert_eq!(
            c.added,
            [Found {
                rule: "LNG001".into(),
                turn: 2,
                start: 2,
                text: "按流程走".into()
            }]
        );
        assert!(c.removed.is_empty());
        assert_eq!((impact.rescored(), impact.reflagged()), (1, 0));
        let lng = &impact.rules["LNG001"];
        assert_eq!(
            (lng.hits_before + 1, lng.calls_before + 1),
            (lng.hits_after, lng.calls_after)
        );
        assert_eq!(
            impact
                .rules_changed()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["LNG001"]
        );
        // A second hit in a call the rule already hit: more hits, the same calls.
        let twice = "客服：您好,工号1024为您服务。\n客户：能快点吗?\n客服：这个我不知道。\n客户：那怎么办?\n客服：只能按流程走。";
        let mut more = Impact::new(&base, &after);
        more.add(
            &base,
            &after,
            &graded(&base, "twice", twice),
            &graded(&after, "twice", twice),
        );
        let lng = &more.rules["LNG001"];
        assert_eq!((lng.calls_before, lng.calls_after), (1, 1));
        assert_eq!(lng.hits_before + 1, lng.hits_after);
        assert_eq!(
            more.rules_changed()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["LNG001"]
        );
        // The same rules both sides: nothing changes.
        let mut same = Impact::new(&base, &base);
        same.add(
            &base,
            &base,
            &graded(&base, "said", said),
            &graded(&base, "said", said),
        );
        assert!(same.changed.is_empty() && same.rules_changed().next().is_none());
        assert_eq!(
            (same.rescored(), same.retiered(), same.reflagged()),
            (0, 0, 0)
        );
    }

    /// Tiers and flags that move are counted by move; a rule only one side has shows as such.
    #[test]
    fn tier_moves_flags_and_rules_added_or_removed_are_counted() {
        let base = RuleSet::embedded().unwrap();
        let after = edited("opening/OPN003-no-self-intro.toml", |t| {
            t.replacen("\npoints = -3\n", "\npoints = -15\nreview = true\n", 1)
        });
        let text = "客服：您好,请问有什么可以帮您?\n客户：查话费。\n客服：好的,本月58元。请问还有其他问题吗?\n客户：没有了谢谢。\n客服：感谢您的来电,再见。";
        let mut impact = Impact::new(&base, &after);
        impact.add(
            &base,
            &after,
            &graded(&base, "t", text),
            &graded(&after, "t", text),
        );
        let c = &impact.changed[0];
        assert_eq!((c.before.score - c.after.score) as i32, 12);
        assert_ne!(c.before.tier, c.after.tier);
        assert!(!c.before.flagged && c.after.flagged);
        assert_eq!(impact.tier_moves.values().sum::<usize>(), 1);
        assert_eq!(
            impact.tier_moves.keys().next(),
            Some(&(c.before.tier.clone(), c.after.tier.clone()))
        );
        assert_eq!((impact.retiered(), impact.reflagged()), (1, 1));
        // Only the points moved: no rule's hits did; the settings say so.
        assert!(impact.rules_changed().next().is_none());
        assert_eq!(
            impact.settings["OPN003"],
            ["分值 -3 → -15", "需复核 false → true"]
        );
        assert_eq!(impact.settings.len(), 1);
        let mut fewer = RuleSet::embedded().unwrap();
        fewer.rules.retain(|r| r.id != "OPN003");
        let gone = Impact::new(&base, &fewer);
        assert!(gone.rules["OPN003"].in_base && !gone.rules["OPN003"].in_edited);
        assert_eq!(gone.rules_changed().count(), 1);
    }

    fn f(rule: &str, turn: usize, text: &str) -> Found {
        Found {
            rule: rule.into(),
            turn,
            start: 0,
            text: text.into(),
        }
    }

    #[test]
    fn the_difference_counts_repeats_and_keeps_order() {
        let a = vec![
            f("A", 0, "x"),
            f("A", 0, "x"),
            f("B", 1, "y"),
            f("C", 2, "z"),
        ];
        let b = vec![f("A", 0, "x"), f("C", 2, "z"), f("D", 3, "w")];
        assert_eq!(difference(&a, &b), [f("A", 0, "x"), f("B", 1, "y")]);
        assert_eq!(difference(&b, &a), [f("D", 3, "w")]);
        assert!(difference(&a, &a).is_empty());
        assert_eq!(difference(&a, &[]), a);
    }
}
