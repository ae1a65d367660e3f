//! 句数: how many turns a role (or the call) has; works without timestamps.
//!
//! A turn with no letter at all (a lone 「?」, an emoticon) says nothing and is not counted, as
//! everywhere else.

use super::{Measure, Reading, Settings};
use crate::rule::eval::Evaluator;

pub(super) const TURNS: Measure = Measure {
    key: "turns",
    name: "句数",
    unit: "句",
    decimals: 0,
    how: "该角色 (不写 role 时双方) 说了几句;只有表情或标点的一句不算",
    per_turn: false,
    takes_role: true,
    min_chars: None,
    overlap_ms: None,
    read,
};

fn read(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    let turns = ev.turns_of(s.role);
    let at = turns
        .last()
        .copied()
        .unwrap_or(ev.views.len().saturating_sub(1));
    Ok(vec![Reading {
        turn: at,
        value: turns.len() as f64,
        begin_ms: None,
        end_ms: None,
    }])
}
