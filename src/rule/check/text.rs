//! Text conditions: phrases, words and regexes of one role's turns, within a scope (all turns,
//! the first or last N, or the N after a trigger), present or absent.
//!
//! Spec: the terms of `[match]` with `role`, `first`/`last`/`[match.after]`, `after_reply`,
//! a time window (`first_s`, `last_s`, `window_pct`: only turns in that stretch of the call)
//! and `mode`.
//! Compile: the terms go to the shared automaton through [`FileContext::condition`]; the scope
//! and mode stay here. Eval: reads the condition's spans from the per-call view and turns them
//! into evidence: the words said, or the turn where something was missing.

use std::ops::Range;

use super::RuleRef;
use crate::input::Role;
use crate::rule::compile::{positive, FileContext};
use crate::rule::eval::{Evaluator, Evidence, Hit};
use crate::rule::schema::{MatchSpec, Mode, Terms};
use crate::rule::terms::Builder;

/// A condition on the words of a role's turns.
#[derive(Debug)]
pub(crate) struct Text {
    pub role: Option<Role>,
    /// Only the role's turns after the other party first replied (`after_reply`).
    pub after_reply: bool,
    pub scope: Scope,
    /// Only the turns within this stretch of the call (`first_s`, `last_s`, `window_pct`).
    pub window: Option<Window>,
    pub mode: Mode,
    pub cond: usize,
    /// The condition whose phrases, when a turn says nothing else, keep the turn out of the
    /// count of `first`/`last` and of `[match.after]`'s `within` (`skip`).
    pub skip: Option<usize>,
}

/// The most letters a turn may say besides its `skip` phrases and still be skipped: the 请问,
/// 亲亲 and 的呢 around 还有其他可以帮您的吗, not an answer.
const SKIP_REST: usize = 12;

/// A stretch of the call in time: the turns a condition looks at must lie in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Window {
    /// Turns that start within the first N ms.
    First(u64),
    /// Turns that end within the last N ms.
    Last(u64),
    /// Turns that start between these fractions of the call's length.
    Share(f64, f64),
}

impl Window {
    /// The window of a `[match]` table, if it names one.
    fn compile(cx: &mut FileContext<'_>, m: &MatchSpec) -> Option<Option<Window>> {
        let mut windows = Vec::new();
        if let Some(s) = &m.first_s {
            windows.push((s.span(), Window::First(u64::from(*s.get_ref()) * 1000)));
        }
        if let Some(s) = &m.last_s {
            windows.push((s.span(), Window::Last(u64::from(*s.get_ref()) * 1000)));
        }
        if let Some(p) = &m.window_pct {
            match p.get_ref()[..] {
                [from, to] if (0.0..to).contains(&from) && to <= 100.0 => {
                    windows.push((p.span(), Window::Share(from / 100.0, to / 100.0)));
                }
                _ => {
                    cx.error(
                        Some(p.span()),
                        "window_pct 要写成 [起, 止] 两个百分数,0 ≤ 起 < 止 ≤ 100",
                    )
                    .help = Some("例如 window_pct = [0, 20]:通话的前 20%".into());
                    return None;
                }
            }
        }
        match &windows[..] {
            [] => Some(None),
            [(span, w)] => {
                if let Window::First(0) | Window::Last(0) = w {
                    let key = if matches!(w, Window::First(_)) {
                        "first_s"
                    } else {
                        "last_s"
                    };
                    cx.error(Some(span.clone()), format!("{key} 至少为 1 (秒)"));
                    return None;
                }
                Some(Some(*w))
            }
            [_, (span, _), ..] => {
                cx.error(
                    Some(span.clone()),
                    "first_s、last_s 和 window_pct 只能选用其中一个",
                );
                None
            }
        }
    }

    /// Whether turn `t` lies in the window; never for a turn without timestamps.
    pub(in crate::rule) fn holds(self, ev: &Evaluator<'_>, t: usize) -> bool {
        let turn = ev.views[t].turn;
        // The conversation's end, not the recording's: an IVR survey after the goodbye is not
        // the last seconds of what was said.
        let end_of_call = || super::measure::speech_end(ev);
        match self {
            Window::First(ms) => turn.begin.is_some_and(|b| b <= ms),
            Window::Last(ms) => turn
                .end
                .zip(end_of_call())
                .is_some_and(|(e, end)| e.saturating_add(ms) >= end),
            Window::Share(from, to) => turn.begin.zip(end_of_call()).is_some_and(|(b, end)| {
                let at = b as f64 / end as f64;
                from <= at && at <= to
            }),
        }
    }
}

/// Which turns of the rule's role a text check looks at.
#[derive(Debug)]
pub(crate) enum Scope {
    All,
    First(usize),
    Last(usize),
    /// The next `within` turns after each turn of `role` where the trigger holds.
    After {
        role: Role,
        trigger: Trigger,
        within: usize,
    },
}

/// What makes a turn a trigger for [`Scope::After`].
#[derive(Debug)]
pub(crate) enum Trigger {
    /// The turn satisfies this condition.
    Cond(usize),
    /// That rule fired on the turn.
    Rule(RuleRef),
}

/// Where a trigger of `[match.after]` held in a turn: the words of its own condition, or a
/// hit of the rule it refers to.
enum Fired<'h> {
    /// The trigger condition and where it held.
    Span(usize, Range<usize>),
    Hit(&'h Hit),
}

impl Text {
    /// Compiles the terms and scope of a `[match]` table that has no timing.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        b: &mut Builder,
    ) -> Option<Text> {
        let scope = match (&m.first, &m.last, &m.after) {
            (None, None, None) => Scope::All,
            (Some(n), None, None) => Scope::First(positive(cx, n, "first")?),
            (None, Some(n), None) => Scope::Last(positive(cx, n, "last")?),
            (None, None, Some(after)) => {
                let t = after.get_ref();
                let Some(within) = &t.within else {
                    cx.error(
                        Some(after.span()),
                        "[match.after] 缺少 within (触发后看本方接下来几句)",
                    );
                    return None;
                };
                let within = positive(cx, within, "within")?;
                let trigger = match &t.rule {
                    Some(rule) => {
                        if !t.terms().is_empty() {
                            cx.error(
                                Some(rule.span()),
                                "[match.after] 的触发条件要么写 rule,要么写短语,不能同时写",
                            );
                        }
                        Trigger::Rule(cx.rule_ref(rule))
                    }
                    None => Trigger::Cond(cx.condition(t.terms(), after.span(), b)),
                };
                Scope::After {
                    role: t.role,
                    trigger,
                    within,
                }
            }
            _ => {
                cx.error(Some(span), "first、last 和 [match.after] 只能选用其中一个");
                return None;
            }
        };
        let after_reply = m.after_reply.as_ref().is_some_and(|a| *a.get_ref());
        if let (true, None) = (after_reply, m.role) {
            let at = m.after_reply.as_ref().map(|a| a.span());
            cx.error(at, "after_reply 要和 role 一起写:看谁在对方回复之后说的话")
                .help = Some(
                "例如 role = \"customer\" 加 after_reply = true:客户开场的投诉不算结论".into(),
            );
        }
        let window = Window::compile(cx, m)?;
        let skipped = m.skip.as_ref().map_or(&[][..], |s| &s.get_ref()[..]);
        if let Some(empty) = m.skip.as_ref().filter(|_| skipped.is_empty()) {
            cx.error(Some(empty.span()), "skip 为空,什么也不跳过").help = Some(
                "删掉 skip,或写上只说了哪些话的句子不算一句,例如 skip = [\"{结束语}\"]".into(),
            );
            return None;
        }
        let skip = match (skipped, &scope) {
            ([], _) => None,
            (_, Scope::First(_) | Scope::Last(_) | Scope::After { .. }) => Some(cx.condition(
                Terms::lines(skipped, &[], m.strict_nin, m.sound_alike),
                span.clone(),
                b,
            )),
            ([first, ..], _) => {
                cx.error(
                    Some(first.span()),
                    "skip 只和 first、last、[match.after] 一起用:数句数时跳过只说了这些话的句子",
                )
                .help = Some(
                    "例如 last = 2 加 skip = [\"{结束语}\"]:坐席最后两句不算只说了结束语的句子"
                        .into(),
                );
                return None;
            }
        };
        let cond = cx.condition(m.terms(), span, b);
        Some(Text {
            role: m.role,
            after_reply,
            scope,
            window,
            mode: m.mode,
            cond,
            skip,
        })
    }

    /// Adds the evidence that the condition holds for rule `rule` to `hits`.
    pub(super) fn eval(
        &self,
        ev: &Evaluator<'_>,
        rule: usize,
        results: &[Vec<Hit>],
        hits: &mut Vec<Hit>,
    ) {
        self.eval_as(self.mode, ev, rule, results, hits);
    }

    /// For a condition that requires words (`mode = "absent"`): where the turns it looks at
    /// said them, which is why it did not hold. Empty for one that looks for words.
    pub(super) fn said_instead(
        &self,
        ev: &Evaluator<'_>,
        rule: usize,
        results: &[Vec<Hit>],
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        if self.mode == Mode::Absent {
            self.eval_as(Mode::Present, ev, rule, results, &mut hits);
        }
        hits
    }

    fn eval_as(
        &self,
        mode: Mode,
        ev: &Evaluator<'_>,
        rule: usize,
        results: &[Vec<Hit>],
        hits: &mut Vec<Hit>,
    ) {
        let Text {
            role,
            scope,
            window,
            cond,
            skip,
            ..
        } = self;
        let (role, cond) = (*role, *cond);
        let own = self.own_turns(ev);
        let windowed: Vec<usize>;
        let own = match (window, skip) {
            (None, None) => own,
            _ => {
                windowed = own
                    .iter()
                    .copied()
                    .filter(|&t| window.is_none_or(|w| w.holds(ev, t)))
                    .filter(|&t| skip.is_none_or(|c| !says_only(ev, c, t)))
                    .collect();
                &windowed[..]
            }
        };
        let present = |turns: &[usize], hits: &mut Vec<Hit>| {
            for &t in turns {
                for span in ev.spans(cond, t) {
                    hits.push(ev.said_at(rule, cond, t, &span));
                }
            }
        };
        let any = |turns: &[usize]| turns.iter().any(|&t| !ev.spans(cond, t).is_empty());
        match scope {
            Scope::After {
                role: trigger_role,
                trigger,
                within,
            } => {
                let mut windows: Vec<usize> = Vec::new();
                for &t in ev.turns_of(Some(*trigger_role)) {
                    // The trigger's first words in the turn, as evidence if nothing follows.
                    let fired = match trigger {
                        Trigger::Cond(c) => ev
                            .spans(*c, t)
                            .into_iter()
                            .next()
                            .map(|span| Fired::Span(*c, span)),
                        Trigger::Rule(r) => results[r.index]
                            .iter()
                            .find(|h| h.turn == t)
                            .map(Fired::Hit),
                    };
                    let Some(fired) = fired else {
                        continue;
                    };
                    let window: Vec<usize> = own
                        .iter()
                        .copied()
                        .filter(|&o| o > t)
                        .take(*within)
                        .collect();
                    match mode {
                        Mode::Present => windows.extend(window),
                        // Nothing followed the trigger (the call ended), so nothing was
                        // missed: N/A rather than a hit.
                        Mode::Absent if !window.is_empty() && !any(&window) => {
                            let (first, last) = (window[0], window[window.len() - 1]);
                            let quote = match fired {
                                Fired::Span(c, span) => Some(ev.quote_of(c, t, &span)),
                                Fired::Hit(h) => h.quote().cloned(),
                            };
                            hits.push(match quote {
                                Some(quote) => Hit {
                                    rule,
                                    turn: t,
                                    evidence: Evidence::Missing { quote, first, last },
                                },
                                // The trigger was a timing observation: nothing to quote but
                                // the turn itself.
                                None => ev.missing_in(rule, &window, t),
                            })
                        }
                        Mode::Absent => {}
                    }
                }
                windows.sort_unstable();
                windows.dedup();
                present(&windows, hits);
            }
            _ => {
                let turns: &[usize] = match scope {
                    Scope::First(n) => &own[..(*n).min(own.len())],
                    Scope::Last(n) => &own[own.len().saturating_sub(*n)..],
                    _ => own,
                };
                match mode {
                    Mode::Present => present(turns, hits),
                    // Nothing of the role in the window (the agent first spoke at 8 s when
                    // the greeting is due in the first 5): missing too, in whatever was said
                    // then — or, if nobody spoke, in the role's first turn.
                    Mode::Absent if turns.is_empty() && window.is_some() => {
                        let Some(&first) = ev.turns_of(role).first() else {
                            return;
                        };
                        if !ev.timed() {
                            return; // N/A: nobody knows when anything was said.
                        }
                        let w = window.unwrap();
                        let then: Vec<usize> = ev
                            .turns_of(None)
                            .iter()
                            .copied()
                            .filter(|&t| w.holds(ev, t))
                            .collect();
                        let at = then.first().copied().unwrap_or(first);
                        let range = if then.is_empty() { vec![first] } else { then };
                        hits.push(ev.missing_in(rule, &range, at));
                    }
                    Mode::Absent if !turns.is_empty() && !any(turns) => {
                        let at = if matches!(scope, Scope::Last(_)) {
                            turns[turns.len() - 1]
                        } else {
                            turns[0]
                        };
                        hits.push(ev.missing_in(rule, turns, at));
                    }
                    Mode::Absent => {}
                }
            }
        }
    }
}

/// Whether turn `t` says nothing but what condition `c` found: at most [`SKIP_REST`] letters
/// outside its spans, and fewer than inside them (已通知[姓名x] 嗯嗯 is news, not a 嗯嗯).
impl Text {
    /// The turns of the condition's role it may look at: all of them, or with `after_reply`
    /// only those after the other party first answered.
    fn own_turns<'e>(&self, ev: &'e Evaluator<'_>) -> &'e [usize] {
        match self.role {
            Some(r) if self.after_reply => ev.turns_after_reply(r),
            _ => ev.turns_of(self.role),
        }
    }

    /// The turns of this condition's role that its `skip` passes over.
    pub(super) fn skipped(&self, ev: &Evaluator<'_>) -> Vec<usize> {
        let Some(c) = self.skip else {
            return Vec::new();
        };
        self.own_turns(ev)
            .iter()
            .copied()
            .filter(|&t| says_only(ev, c, t))
            .collect()
    }
}

fn says_only(ev: &Evaluator<'_>, c: usize, t: usize) -> bool {
    let spans = ev.spans(c, t);
    if spans.is_empty() {
        return false;
    }
    let (mut inside, mut rest) = (0, 0);
    for (i, ch) in ev.folded(t).char_indices() {
        if crate::normalize::is_letter(ch) {
            if spans.iter().any(|s| s.contains(&i)) {
                inside += 1;
            } else {
                rest += 1;
            }
        }
    }
    rest <= SKIP_REST && rest < inside
}
