//! Timing conditions: when turns start and end, not what they say — the agent talking over
//! the customer (overlap) or a silence nobody announced (gap).
//!
//! Spec: `[match.timing]` with `overlap_ms` or `gap_ms`, `previous_role`, `min_chars`,
//! `[[match.timing.excused_by]]` and `excused_up_to_ms`. Compile: the excuses are text
//! conditions. Eval: needs timestamps; a call without them is N/A, not a hit.

use toml::Spanned;

use crate::input::Role;
use crate::rule::compile::FileContext;
use crate::rule::eval::{Evaluator, Evidence, Hit};
use crate::rule::schema::{MatchSpec, Mode, TimingSpec};
use crate::rule::terms::Builder;

/// A condition on the timing of a role's turns.
#[derive(Debug)]
pub(crate) struct Timing {
    pub role: Option<Role>,
    pub kind: TimingKind,
    pub previous_role: Option<Role>,
    /// Back-channel length for overlaps: turns with fewer letters are ignored.
    pub min_chars: usize,
    /// (role, condition) pairs that excuse a silence.
    pub excuses: Vec<(Role, usize)>,
    /// The longest silence an excuse covers, in ms; `None` for any length.
    pub excused_up_to: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum TimingKind {
    Overlap(u64),
    Gap(u64),
}

impl Timing {
    /// Compiles `[match.timing]` of a `[match]` table.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        timing: &Spanned<TimingSpec>,
        b: &mut Builder,
    ) -> Option<Timing> {
        super::no_window(cx, m, "抢话和静音");
        let has_terms = !m.terms().is_empty();
        if has_terms
            || m.after.is_some()
            || m.first.is_some()
            || m.last.is_some()
            || m.after_reply.is_some()
            || m.measure.is_some()
            || m.meta.is_some()
        {
            cx.error(
                Some(timing.span()),
                "[match.timing] 不能与短语、正则、first/last、after_reply、[match.after]、[match.measure] 或 [match.meta] 同时使用",
            )
            .help = Some("时间条件和文字条件请写成两条规则,或写成 all 的两个子条件".into());
        }
        if m.mode == Mode::Absent {
            cx.error(Some(timing.span()), "时间条件不支持 mode = \"absent\"");
        }
        let t = timing.get_ref();
        let kind = match (t.overlap_ms, t.gap_ms) {
            (Some(ms), None) => TimingKind::Overlap(ms),
            (None, Some(ms)) => TimingKind::Gap(ms),
            _ => {
                cx.error(
                    Some(timing.span()),
                    "[match.timing] 需要且只能有 overlap_ms 或 gap_ms 其中之一",
                );
                return None;
            }
        };
        if !t.excused_by.is_empty() && matches!(kind, TimingKind::Overlap(_)) {
            cx.error(Some(timing.span()), "excused_by 只能与 gap_ms 一起使用");
        }
        if t.min_chars.is_some() && matches!(kind, TimingKind::Gap(_)) {
            cx.error(Some(timing.span()), "min_chars 只能与 overlap_ms 一起使用");
        }
        if let Some(up_to) = &t.excused_up_to_ms {
            match kind {
                TimingKind::Gap(gap) if !t.excused_by.is_empty() => {
                    if *up_to.get_ref() <= gap {
                        cx.error(
                            Some(up_to.span()),
                            format!(
                                "excused_up_to_ms ({}) 要大于 gap_ms ({gap}):不然请客户稍等也不豁免任何静音",
                                up_to.get_ref()
                            ),
                        );
                    }
                }
                _ => {
                    cx.error(
                        Some(up_to.span()),
                        "excused_up_to_ms 只能与 gap_ms 和 [[match.timing.excused_by]] 一起使用",
                    )
                    .help = Some(
                        "它限定豁免的静音最长多久:请客户稍等以后,超过这么久还没回来照样算".into(),
                    );
                }
            }
        }
        let excuses = t
            .excused_by
            .iter()
            .map(|e| {
                let ex = e.get_ref();
                if let Some(within) = &ex.within {
                    cx.error(Some(within.span()), "within 只能用在 [match.after] 中");
                }
                if let Some(rule) = &ex.rule {
                    cx.error(Some(rule.span()), "excused_by 不支持 rule 引用,请写短语");
                }
                (ex.role, cx.condition(ex.terms(), e.span(), b))
            })
            .collect();
        Some(Timing {
            role: m.role,
            kind,
            previous_role: t.previous_role,
            min_chars: t.min_chars.unwrap_or(0),
            excuses,
            excused_up_to: t.excused_up_to_ms.as_ref().map(|ms| *ms.get_ref()),
        })
    }

    /// Adds an overlap or silence observation for each turn where the condition holds.
    pub(super) fn eval(&self, ev: &Evaluator<'_>, rule: usize, hits: &mut Vec<Hit>) {
        let Timing {
            role,
            kind,
            previous_role,
            min_chars,
            excuses,
            excused_up_to,
        } = self;
        let (role, kind, previous_role, min_chars) = (*role, *kind, *previous_role, *min_chars);
        let turns = &ev.views;
        if turns.iter().all(|v| v.turn.begin.is_none()) {
            return; // N/A for a call without timestamps.
        }
        let limit = match kind {
            TimingKind::Overlap(limit) => {
                for o in overlaps(ev, role, previous_role, min_chars, limit) {
                    hits.push(Hit {
                        rule,
                        turn: o.turn,
                        evidence: Evidence::Overlap {
                            begin_ms: o.begin_ms,
                            end_ms: o.end_ms,
                        },
                    });
                }
                return;
            }
            TimingKind::Gap(limit) => limit,
        };
        // When the last voice before each turn stopped: a short turn nested inside a long one
        // does not end the long one earlier.
        let mut voice_until = Vec::with_capacity(turns.len());
        let mut latest: Option<u64> = None;
        for view in turns {
            voice_until.push(latest);
            latest = latest.max(view.turn.end);
        }
        for &t in ev.turns_of(role).iter().filter(|&&t| t > 0) {
            let this = turns[t].turn;
            // Without timestamps the rule cannot be judged: N/A, not a hit.
            let Some(begin) = this.begin else { continue };
            if previous_role.is_some_and(|r| turns[t - 1].turn.role != r)
                || turns[t - 1].turn.end.is_none()
            {
                continue;
            }
            let Some(silent_from) = voice_until[t] else {
                continue;
            };
            if begin <= silent_from.saturating_add(limit) {
                continue;
            }
            // Whoever breaks the silence may have announced it earlier (the agent's
            // 请稍等, then the customer's 好的); the other party only by the last words
            // before it (the customer's 我找一下身份证), not by something said before
            // the agent spoke again. An announced wait has its limit.
            let too_long =
                excused_up_to.is_some_and(|up_to| begin > silent_from.saturating_add(up_to));
            let excused = !too_long
                && excuses.iter().any(|&(excuse_role, cond)| {
                    let said = if excuse_role == this.role {
                        (0..t).rev().find(|&e| turns[e].turn.role == excuse_role)
                    } else {
                        Some(t - 1).filter(|&e| turns[e].turn.role == excuse_role)
                    };
                    said.is_some_and(|e| !ev.spans(cond, e).is_empty())
                });
            if excused {
                continue;
            }
            let evidence = Evidence::Silence {
                begin_ms: silent_from,
                end_ms: begin,
            };
            hits.push(Hit {
                rule,
                turn: t,
                evidence,
            });
        }
    }
}

/// One turn that started while the other party was still talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overlap {
    /// The turn that started too early.
    pub turn: usize,
    pub begin_ms: u64,
    /// When the turn talked over ended.
    pub end_ms: u64,
    /// How long both talked at once: to whichever of the two stopped first (a customer's
    /// 等一下 inside a long agent turn overlaps it only for its own length).
    pub overlap_ms: u64,
}

/// The turns of `role` that start more than `limit` ms before the turn they talk over ends:
/// the latest earlier turn of `previous_role` (of the other party when `None`: nobody
/// interrupts themselves) with at least `min_chars` letters. Back-channels (fewer letters)
/// neither interrupt nor are interrupted, and an interruption split over several turns talks
/// over one turn once.
pub(crate) fn overlaps(
    ev: &Evaluator<'_>,
    role: Option<Role>,
    previous_role: Option<Role>,
    min_chars: usize,
    limit: u64,
) -> Vec<Overlap> {
    let turns = &ev.views;
    let mut found = Vec::new();
    let mut talked_over_already: Option<usize> = None;
    for &t in ev.turns_of(role).iter().filter(|&&t| t > 0) {
        let this = turns[t].turn;
        let Some(begin) = this.begin else { continue };
        if ev.letters(t) < min_chars {
            continue;
        }
        // The turn talked over is the latest earlier one of the other party that is more
        // than a back-channel: an agent's 嗯 in between changes nothing.
        let talked_over = (0..t).rev().find(|&p| {
            let by = turns[p].turn.role;
            previous_role.map_or(by != this.role, |r| by == r) && ev.letters(p) >= min_chars
        });
        let Some(p) = talked_over else { continue };
        let Some(prev_end) = turns[p].turn.end else {
            continue;
        };
        if prev_end <= begin.saturating_add(limit) || talked_over_already == Some(p) {
            continue;
        }
        talked_over_already = Some(p);
        found.push(Overlap {
            turn: t,
            begin_ms: begin,
            end_ms: prev_end,
            overlap_ms: prev_end
                .min(this.end.unwrap_or(prev_end))
                .saturating_sub(begin),
        });
    }
    found
}
