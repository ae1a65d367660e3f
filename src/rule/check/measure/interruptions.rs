//! 抢话次数 and 抢话时长: how often a role started talking while the other party was still
//! talking, and for how long in all, over the whole call.
//!
//! The same interruptions as `[match.timing] overlap_ms` finds one by one (`timing.rs`):
//! back-channels of fewer than `min_chars` letters (嗯、对对、好的) neither interrupt nor are
//! interrupted, and an interruption split over several turns counts once. Overlap can only be
//! heard on a recording with one channel per party; a mono recording's diarized turns rarely
//! overlap, so these measures read low there.

use super::{turns_of, untimed, Measure, Reading, Settings};
use crate::rule::check::timing::overlaps;
use crate::rule::eval::Evaluator;

pub(super) const INTERRUPTIONS: Measure = Measure {
    key: "interruptions",
    name: "抢话次数",
    unit: "次",
    decimals: 0,
    how: "该角色在对方一句话结束前 overlap_ms 毫秒以上就开口的次数;不到 min_chars 个字的应答 (嗯、好的) 不算,一次打断分几句说只算一次。单声道录音几乎测不出重叠",
    per_turn: false,
    takes_role: true,
    min_chars: Some(4),
    overlap_ms: Some(1000),
    read: count,
};

pub(super) const OVERLAP: Measure = Measure {
    key: "overlap",
    name: "抢话时长",
    unit: "秒",
    decimals: 1,
    how: "该角色每次抢话 (同 interruptions) 与对方重叠的秒数之和",
    per_turn: false,
    takes_role: true,
    min_chars: Some(4),
    overlap_ms: Some(1000),
    read: total,
};

fn read(
    ev: &Evaluator<'_>,
    s: &Settings,
    value: fn(&[crate::rule::check::timing::Overlap]) -> f64,
) -> Result<Vec<Reading>, String> {
    let turns = turns_of(ev, s.role)?;
    if !ev.timed() {
        return Err(untimed("抢话"));
    }
    let found = overlaps(ev, s.role, None, s.min_chars, s.overlap_ms);
    let (begin_ms, end_ms) =
        super::stretch(found.iter().map(|o| (Some(o.begin_ms), Some(o.end_ms))));
    Ok(vec![Reading {
        turn: found.last().map_or(turns[turns.len() - 1], |o| o.turn),
        value: value(&found),
        begin_ms,
        end_ms,
    }])
}

fn count(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    read(ev, s, |found| found.len() as f64)
}

fn total(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    read(ev, s, |found| {
        found.iter().map(|o| o.overlap_ms).sum::<u64>() as f64 / 1000.0
    })
}
