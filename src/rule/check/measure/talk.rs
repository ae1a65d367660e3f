//! 说话占比 and 静音占比: how much of the call a role spent talking, and how much of it nobody
//! did, in percent of the call's length.
//!
//! Both from timestamps: a role's talk time is the union of its turns' intervals, so its own
//! overlapping sentences count once; silence is the call's length minus the union of everyone's.
//! The call's length is the recording's when the input gives it: an IVR survey or a wait after
//! the last words counts as silence.

use super::{call_end, covered, turns_of, untimed, Measure, Reading, Settings};
use crate::rule::eval::Evaluator;

pub(super) const TALK_SHARE: Measure = Measure {
    key: "talk_share",
    name: "说话占比",
    unit: "%",
    decimals: 1,
    how: "该角色说话的总时长 (句子重叠只算一次) 占通话时长的百分比",
    per_turn: false,
    takes_role: true,
    min_chars: None,
    overlap_ms: None,
    read: talk_share,
};

pub(super) const SILENCE_SHARE: Measure = Measure {
    key: "silence_share",
    name: "静音占比",
    unit: "%",
    decimals: 1,
    how: "通话中双方都没有说话的时间占通话时长的百分比 (通话时长取录音时长,没有时取最后一句结束)",
    per_turn: false,
    takes_role: false,
    min_chars: None,
    overlap_ms: None,
    read: silence_share,
};

fn share(ev: &Evaluator<'_>, turns: &[usize], what: &str) -> Result<(u64, u64), String> {
    if !ev.timed() {
        return Err(untimed(what));
    }
    let end = call_end(ev)?;
    Ok((covered(ev, turns).min(end), end))
}

fn talk_share(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    let turns = turns_of(ev, s.role)?;
    let (talk, end) = share(ev, turns, "说话占比")?;
    Ok(vec![Reading {
        turn: turns[turns.len() - 1],
        value: talk as f64 * 100.0 / end as f64,
        begin_ms: Some(0),
        end_ms: Some(end),
    }])
}

fn silence_share(ev: &Evaluator<'_>, _: &Settings) -> Result<Vec<Reading>, String> {
    let turns = turns_of(ev, None)?;
    let (talk, end) = share(ev, turns, "静音占比")?;
    Ok(vec![Reading {
        turn: turns[turns.len() - 1],
        value: (end - talk) as f64 * 100.0 / end as f64,
        begin_ms: Some(0),
        end_ms: Some(end),
    }])
}
