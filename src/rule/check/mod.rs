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
mod reference;
mod repeat;
mod text;
mod timing;

use std::ops::Range;

pub(crate) use compose::Compose;
pub(crate) use dialogue::Dialogue;
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
    /// Holds when another rule fired; the evidence is that rule's.
    Rule(RuleRef),
    Compose(Compose),
    /// `check`, only in dialogues of this shape (`[match.dialogue]`).
    Guarded {
        shape: Dialogue,
        check: Box<Check>,
    },
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
        let Some(spec) = &m.dialogue else {
            return Check::unguarded(cx, m, span, b);
        };
        let shape = Dialogue::compile(cx, spec);
        let check = Check::unguarded(cx, m, span, b)?;
        Some(Check::Guarded {
            shape: shape?,
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
        let leaf =
            !m.terms().is_empty() || m.timing.is_some() || m.repeat.is_some() || m.after.is_some();
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
            Check::Rule(r) => reference::eval(r, rule, results, &mut hits),
            Check::Compose(c) => hits = c.eval(ev, rule, results),
            Check::Guarded { shape, check } if shape.holds(ev) => {
                hits = check.eval(ev, rule, results)
            }
            Check::Guarded { .. } => {}
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
            },
            Check::Timing(t) => no_turns(t.role, 1).or_else(|| {
                (!ev.timed()).then(|| "没有时间戳 (计时规则要有每句话的开始和结束时间)".to_string())
            }),
            Check::Repeat(r) => no_turns(r.role, 2),
            Check::Rule(_) => None,
            Check::Compose(Compose { all, any, not }) => {
                let mut reasons = all.iter().chain(any).chain(not).map(|c| c.lacks(ev));
                let first = reasons.next().flatten()?;
                reasons.all(|r| r.is_some()).then_some(first)
            }
            Check::Guarded { check, .. } => check.lacks(ev),
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
            Check::Text(_) | Check::Timing(_) | Check::Repeat(_) => vec![],
            Check::Compose(Compose { all, any, not }) => all
                .iter_mut()
                .chain(any)
                .chain(not)
                .flat_map(Check::refs_mut)
                .collect(),
            Check::Guarded { check, .. } => check.refs_mut(),
        }
    }

    /// Every condition id this check evaluates, for sharing identical conditions.
    pub(super) fn conds_mut(&mut self) -> Vec<&mut usize> {
        match self {
            Check::Text(Text { scope, cond, .. }) => {
                let mut conds = vec![cond];
                if let Scope::After {
                    trigger: Trigger::Cond(c),
                    ..
                } = scope
                {
                    conds.push(c);
                }
                conds
            }
            Check::Timing(Timing { excuses, .. }) => excuses.iter_mut().map(|(_, c)| c).collect(),
            Check::Repeat(Repeat { excused, .. }) => excused.iter_mut().collect(),
            Check::Rule(_) => vec![],
            Check::Compose(Compose { all, any, not }) => all
                .iter_mut()
                .chain(any)
                .chain(not)
                .flat_map(Check::conds_mut)
                .collect(),
            Check::Guarded { check, .. } => check.conds_mut(),
        }
    }

    /// Whether the check judges the call as a whole (a composition, another rule's verdict)
    /// rather than counting each turn that matches.
    pub(super) fn is_call_level(&self) -> bool {
        match self {
            Check::Guarded { check, .. } => check.is_call_level(),
            _ => matches!(self, Check::Rule(_) | Check::Compose(_)),
        }
    }

    pub(super) fn shape(&self) -> super::Shape {
        match self {
            Check::Text(t) if t.mode == super::schema::Mode::Absent => super::Shape::Required,
            Check::Text(_) => super::Shape::Said,
            Check::Timing(_) => super::Shape::Timing,
            Check::Repeat(_) => super::Shape::Repeated,
            Check::Rule(_) | Check::Compose(_) => super::Shape::WholeCall,
            Check::Guarded { check, .. } => check.shape(),
        }
    }
}
