//! Condition kinds: a `[match]` table (or a sub-table) → a [`Check`] → the evidence that it
//! holds on a call.
//!
//! Each kind lives in its own file with its compile and eval: [`text`] (phrases, words and
//! regexes of a role's turns, in a scope), [`timing`] (overlaps and silences), [`reference`]
//! (another rule's verdict), [`repeat`] (a turn saying again what an earlier one said),
//! [`compose`] (all/any/not) and [`dialogue`] (the shape a dialogue must have for any of them
//! to be checked). A new kind is one file, one arm of [`Check`], and
//! one line in each `match` below.

mod compose;
mod dialogue;
pub(crate) mod measure;
mod meta;
mod reference;
mod repeat;
mod text;
pub(crate) mod timing;

use std::ops::Range;

pub use compose::Unmet;
pub(crate) use compose::{unnamed, Compose};
pub(crate) use dialogue::Dialogue;
pub(crate) use measure::MeasureCheck;
pub(crate) use meta::Meta;
pub(crate) use repeat::Repeat;
pub(crate) use text::{Scope, Text, Trigger};
pub(crate) use timing::Timing;

use super::compile::FileContext;
use super::eval::{Evaluator, Hit};
use super::schema::MatchSpec;
use super::terms::Builder;

/// How a rule decides that it fires.
#[derive(Debug)]
pub(crate) enum Check {
    Text(Text),
    Timing(Timing),
    Repeat(Repeat),
    Measure(MeasureCheck),
    Meta(Meta),
    /// Holds when another rule fired; the evidence is that rule's.
    Rule(RuleRef),
    Compose(Compose),
    /// `check`, only in dialogues of this shape (`[match.dialogue]`).
    Guarded {
        shape: Dialogue,
        check: Box<Check>,
    },
    /// `check`, only where it finds at least `at_least` pieces of evidence (`at_least`), or
    /// that many different words (`at_least_words`).
    Counted {
        at_least: usize,
        words: bool,
        check: Box<Check>,
    },
}

/// The time-window key of a table (`first_s`, `last_s`, `window_pct`), if it has one: only
/// text conditions pick turns by time, so the other kinds reject it rather than ignore it.
pub(super) fn window_key(m: &MatchSpec) -> Option<(&'static str, Range<usize>)> {
    m.first_s
        .as_ref()
        .map(|s| ("first_s", s.span()))
        .or_else(|| m.last_s.as_ref().map(|s| ("last_s", s.span())))
        .or_else(|| m.window_pct.as_ref().map(|s| ("window_pct", s.span())))
}

/// Whether a table picks or reads turns itself — terms, a turn scope, a time window, timing or
/// repeats — which a condition on the call as a whole (a measure, metadata) cannot share a
/// table with.
pub(super) fn looks_at_turns(m: &MatchSpec) -> bool {
    !m.terms().is_empty()
        || m.after.is_some()
        || m.first.is_some()
        || m.last.is_some()
        || m.after_reply.is_some()
        || window_key(m).is_some()
        || m.timing.is_some()
        || m.repeat.is_some()
}

/// Rejects a time window on a condition kind that does not pick turns by time.
pub(super) fn no_window(cx: &mut FileContext<'_>, m: &MatchSpec, kind: &str) {
    if let Some((key, span)) = window_key(m) {
        cx.error(
            Some(span),
            format!("{key} 只用于找短语的条件 (按时间取句子),{kind}不看它"),
        );
    }
}

/// A reference to another rule by id, resolved to its index once all rules are compiled.
#[derive(Debug)]
pub(crate) struct RuleRef {
    pub id: String,
    /// Where the reference is written, for reporting a missing rule or a cycle.
    pub span: Range<usize>,
    pub index: usize,
}

impl Check {
    /// Compiles a `[match]` table, or one of its sub-conditions: a leaf (terms, timing), a
    /// reference to another rule, or a composition whose own terms count as one more `all`.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        b: &mut Builder,
    ) -> Option<Check> {
        let check = Check::counted(cx, m, span, b);
        let Some(spec) = &m.dialogue else {
            return check;
        };
        let shape = Dialogue::compile(cx, spec);
        let check = check?;
        Some(Check::Guarded {
            shape: shape?,
            check: Box::new(check),
        })
    }

    /// The table's condition with its `at_least` or `at_least_words` count.
    fn counted(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        b: &mut Builder,
    ) -> Option<Check> {
        let count = match (&m.at_least, &m.at_least_words) {
            (None, None) => return Check::unguarded(cx, m, span, b),
            (Some(n), None) => (n, false),
            (None, Some(n)) => (n, true),
            (Some(_), Some(n)) => {
                cx.error(Some(n.span()), "at_least 和 at_least_words 只能写一个");
                return None;
            }
        };
        let key = if count.1 {
            "at_least_words"
        } else {
            "at_least"
        };
        let at_least = super::compile::positive(cx, count.0, key);
        if !(m.all.is_empty() && m.any.is_empty() && m.not.is_empty()) {
            cx.error(
                Some(count.0.span()),
                format!("{key} 数的是一个条件自己的证据,不能写在有 all/any/not 的表上"),
            )
            .help = Some(format!(
                "请把 {key} 写在要数次数的那个子条件 ([[match.all]] 等) 里"
            ));
        }
        if m.mode == super::schema::Mode::Absent {
            cx.error(
                Some(count.0.span()),
                "at_least 不能和 mode = \"absent\" 一起用:没说到的话没有次数",
            );
        }
        if count.1 && (m.timing.is_some() || m.measure.is_some() || m.meta.is_some()) {
            cx.error(
                Some(count.0.span()),
                "at_least_words 数的是说到的不同的词,只能用在找短语的条件上",
            )
            .help = Some("数次数请写 at_least".into());
        }
        let check = Check::unguarded(cx, m, span, b)?;
        Some(Check::Counted {
            at_least: at_least?,
            words: count.1,
            check: Box::new(check),
        })
    }

    /// The table's condition, whatever the shape of the dialogue.
    fn unguarded(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        b: &mut Builder,
    ) -> Option<Check> {
        let leaf = !m.terms().is_empty()
            || m.timing.is_some()
            || m.repeat.is_some()
            || m.after.is_some()
            || m.measure.is_some()
            || m.meta.is_some();
        let composed = !(m.all.is_empty() && m.any.is_empty() && m.not.is_empty());
        if let Some(rule) = &m.rule {
            return reference::compile(cx, m, rule, leaf || composed).map(Check::Rule);
        }
        if !composed {
            return Check::leaf(cx, m, span, b);
        }
        Compose::compile(cx, m, span, leaf, b).map(Check::Compose)
    }

    /// A condition on the words or the timing of turns.
    fn leaf(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        b: &mut Builder,
    ) -> Option<Check> {
        if let Some(repeat) = &m.repeat {
            return Repeat::compile(cx, m, repeat, b).map(Check::Repeat);
        }
        if let Some(measure) = &m.measure {
            return MeasureCheck::compile(cx, m, measure).map(Check::Measure);
        }
        if let Some(meta) = &m.meta {
            return Meta::compile(cx, m, meta).map(Check::Meta);
        }
        match &m.timing {
            Some(timing) => Timing::compile(cx, m, timing, b).map(Check::Timing),
            None => Text::compile(cx, m, span, b).map(Check::Text),
        }
    }

    /// The evidence that the check holds for rule `rule`; empty when it does not hold.
    /// `results` holds the hits of every rule evaluated so far.
    pub(super) fn eval(&self, ev: &Evaluator<'_>, rule: usize, results: &[Vec<Hit>]) -> Vec<Hit> {
        let mut hits = Vec::new();
        match self {
            Check::Text(t) => t.eval(ev, rule, results, &mut hits),
            Check::Timing(t) => t.eval(ev, rule, &mut hits),
            Check::Repeat(r) => r.eval(ev, rule, &mut hits),
            // A call with no turn has nowhere to point the evidence.
            Check::Measure(_) | Check::Meta(_) if ev.views.is_empty() => {}
            Check::Measure(m) => m.eval(ev, rule, &mut hits),
            Check::Meta(m) => m.eval(ev, rule, &mut hits),
            Check::Rule(r) => reference::eval(r, rule, results, &mut hits),
            Check::Compose(c) => hits = c.eval(ev, rule, results),
            Check::Guarded { shape, check } if shape.holds(ev) => {
                hits = check.eval(ev, rule, results)
            }
            Check::Guarded { .. } => {}
            Check::Counted {
                at_least,
                words,
                check,
            } => {
                hits = check.eval(ev, rule, results);
                let count = if *words {
                    // Words heard by sound count as the word they were taken for (少等 is 稍等).
                    let mut said: Vec<String> = hits
                        .iter()
                        .filter_map(|h| {
                            h.quote().map(|q| {
                                crate::normalize::fold(q.sounds_like.as_deref().unwrap_or(&q.text))
                            })
                        })
                        .collect();
                    said.sort_unstable();
                    said.dedup();
                    said.len()
                } else {
                    hits.len()
                };
                if count < *at_least {
                    hits.clear();
                }
            }
        }
        hits
    }

    /// Why the dialogue is not one this check looks at (`[match.dialogue]` of the top table),
    /// in a short Chinese phrase; `None` when it is.
    /// What the call lacks for this check to look at anything (没有客服说的话, 没有时间戳), in a
    /// short Chinese phrase; `None` when it has what the check reads. A `pass` example that
    /// lacks it proves nothing.
    pub(super) fn lacks(&self, ev: &Evaluator<'_>) -> Option<String> {
        let no_turns = |role: Option<crate::input::Role>, at_least: usize| {
            (ev.turns_of(role).len() < at_least).then(|| match (role, at_least) {
                (Some(r), 1) => format!("没有{}说的话", r.label_zh()),
                (Some(r), _) => format!("{}只说了一句,没有可比较的", r.label_zh()),
                (None, _) => "没有一句话".to_string(),
            })
        };
        match self {
            Check::Text(t) => match &t.scope {
                Scope::After { role, .. } => {
                    no_turns(Some(*role), 1).or_else(|| no_turns(t.role, 1))
                }
                _ => no_turns(t.role, 1),
            }
            .or_else(|| {
                (t.window.is_some() && !ev.timed())
                    .then(|| measure::untimed("按通话时间取句子 (first_s、last_s、window_pct)"))
            }),
            Check::Timing(t) => no_turns(t.role, 1).or_else(|| {
                (!ev.timed()).then(|| "没有时间戳 (计时规则要有每句话的开始和结束时间)".to_string())
            }),
            Check::Repeat(r) => no_turns(r.role, 2),
            Check::Measure(m) => m.lacks(ev),
            Check::Meta(m) => m.lacks(ev),
            Check::Rule(_) => None,
            // A composition cannot hold when one condition it needs cannot be judged (an
            // `all` whose measure lacks the recording's length), or when none of those it may
            // hold by can be (every `any`; every `not`, for a composition of `not` alone).
            Check::Compose(Compose { all, any, not, .. }) => {
                if let Some(reason) = all.iter().find_map(|c| c.lacks(ev)) {
                    return Some(reason);
                }
                // A `not` that cannot be judged makes the whole composition N/A (see
                // `Compose::eval`).
                if let Some(reason) = not
                    .iter()
                    .find(|c| c.unknowable(ev))
                    .and_then(|c| c.lacks(ev))
                {
                    return Some(reason);
                }
                let alternatives = match (all.is_empty(), any.is_empty()) {
                    (_, false) => any,
                    (true, true) => not,
                    (false, true) => return None,
                };
                let mut reasons = alternatives.iter().map(|c| c.lacks(ev));
                let first = reasons.next().flatten()?;
                reasons.all(|r| r.is_some()).then_some(first)
            }
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.lacks(ev),
        }
    }

    /// Whether the call lacks the data this check reads — timestamps, the recording's length,
    /// an emotion value, a metadata key — rather than merely saying nothing it looks for. A
    /// `not` of such a check cannot be said to hold: “not faster than 6 字/秒” is unknown on a
    /// call without timestamps, not true.
    pub(super) fn unknowable(&self, ev: &Evaluator<'_>) -> bool {
        match self {
            Check::Measure(_) | Check::Meta(_) | Check::Timing(_) => self.lacks(ev).is_some(),
            Check::Text(t) => t.window.is_some() && !ev.timed(),
            Check::Repeat(_) | Check::Rule(_) => false,
            Check::Compose(Compose { all, any, .. }) => {
                all.iter().any(|c| c.unknowable(ev))
                    || (!any.is_empty() && any.iter().all(|c| c.unknowable(ev)))
            }
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.unknowable(ev),
        }
    }

    /// The reading of a measure rule that came nearest its threshold without crossing it, for
    /// `explain` to say how far the call was from firing; `None` for other kinds.
    pub(super) fn nearest(&self, ev: &Evaluator<'_>) -> Option<super::eval::Measurement> {
        match self {
            Check::Measure(m) => m.nearest(ev),
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.nearest(ev),
            _ => None,
        }
    }

    /// The turns this check's `skip` passed over on the call (they said nothing but the skip
    /// phrases), in order: what `explain` shows so that a reader can see which turn was counted
    /// as the agent's last or first.
    pub(super) fn skipped(&self, ev: &Evaluator<'_>) -> Vec<usize> {
        let mut turns = match self {
            Check::Text(t) => t.skipped(ev),
            Check::Compose(Compose { all, any, not, .. }) => all
                .iter()
                .chain(any)
                .chain(not)
                .flat_map(|c| c.skipped(ev))
                .collect(),
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.skipped(ev),
            Check::Timing(_)
            | Check::Repeat(_)
            | Check::Measure(_)
            | Check::Meta(_)
            | Check::Rule(_) => Vec::new(),
        };
        turns.sort_unstable();
        turns.dedup();
        turns
    }

    /// Why this check did not hold, when a line can say it (see [`Compose::why_not`]).
    pub(super) fn why_not(
        &self,
        ev: &Evaluator<'_>,
        rule: usize,
        results: &[Vec<Hit>],
    ) -> Option<Unmet> {
        if !self.eval(ev, rule, results).is_empty() {
            return None;
        }
        match self {
            Check::Compose(c) => c.why_not(ev, rule, results),
            Check::Guarded { shape, check } if shape.holds(ev) => check.why_not(ev, rule, results),
            Check::Counted { check, .. } => check.why_not(ev, rule, results),
            Check::Text(t) if t.mode == super::schema::Mode::Absent => {
                let said = t.said_instead(ev, rule, results);
                (!said.is_empty()).then_some(Unmet::Said(said))
            }
            Check::Text(_) => Some(Unmet::NotSaid),
            Check::Rule(r) => Some(Unmet::Quiet(r.index)),
            _ => None,
        }
    }

    pub(super) fn unmet_shape(&self, ev: &Evaluator<'_>) -> Option<String> {
        match self {
            Check::Guarded { shape, .. } => shape.unmet(ev),
            _ => None,
        }
    }

    /// Every rule reference in this check, the trigger of `[match.after]` included.
    pub(super) fn refs_mut(&mut self) -> Vec<&mut RuleRef> {
        match self {
            Check::Rule(r) => vec![r],
            Check::Text(Text {
                scope:
                    Scope::After {
                        trigger: Trigger::Rule(r),
                        ..
                    },
                ..
            }) => vec![r],
            Check::Text(_)
            | Check::Timing(_)
            | Check::Repeat(_)
            | Check::Measure(_)
            | Check::Meta(_) => vec![],
            Check::Compose(Compose { all, any, not, .. }) => all
                .iter_mut()
                .chain(any)
                .chain(not)
                .flat_map(Check::refs_mut)
                .collect(),
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.refs_mut(),
        }
    }

    /// Every condition id this check evaluates, for sharing identical conditions.
    pub(super) fn conds_mut(&mut self) -> Vec<&mut usize> {
        match self {
            Check::Text(Text {
                scope, cond, skip, ..
            }) => {
                let mut conds = vec![cond];
                if let Scope::After {
                    trigger: Trigger::Cond(c),
                    ..
                } = scope
                {
                    conds.push(c);
                }
                conds.extend(skip.iter_mut());
                conds
            }
            Check::Timing(Timing { excuses, .. }) => excuses.iter_mut().map(|(_, c)| c).collect(),
            Check::Repeat(Repeat {
                excused,
                not_a_reply,
                ..
            }) => excused.iter_mut().chain(not_a_reply).collect(),
            Check::Rule(_) | Check::Measure(_) | Check::Meta(_) => vec![],
            Check::Compose(Compose { all, any, not, .. }) => all
                .iter_mut()
                .chain(any)
                .chain(not)
                .flat_map(Check::conds_mut)
                .collect(),
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.conds_mut(),
        }
    }

    /// Whether the check judges the call as a whole (a composition, another rule's verdict)
    /// rather than counting each turn that matches.
    pub(super) fn is_call_level(&self) -> bool {
        match self {
            Check::Guarded { check, .. } => check.is_call_level(),
            // Reached only by counting the whole call's evidence.
            Check::Counted { .. } => true,
            _ => matches!(self, Check::Rule(_) | Check::Compose(_)),
        }
    }

    pub(super) fn shape(&self) -> super::Shape {
        match self {
            Check::Text(t) if t.mode == super::schema::Mode::Absent => super::Shape::Required,
            Check::Text(_) => super::Shape::Said,
            Check::Timing(_) => super::Shape::Timing,
            Check::Repeat(_) => super::Shape::Repeated,
            Check::Measure(_) | Check::Meta(_) => super::Shape::Measured,
            Check::Rule(_) | Check::Compose(_) => super::Shape::WholeCall,
            Check::Guarded { check, .. } | Check::Counted { check, .. } => check.shape(),
        }
    }
}
