//! 情绪值: the recogniser's own emotion or energy value of a role's turns.
//!
//! Only the recogniser can hear it, so it is read from the input and never guessed from the
//! words: Alibaba's `EmotionValue` (volume in dB / 10, 1–10), Tencent's `EmotionalEnergy`,
//! Huawei's `emotion` (1 for ANGRY, 0 otherwise). The scales differ: a threshold is written
//! for the team's recogniser.

use super::{turns_of, Measure, Reading, Settings};
use crate::rule::eval::Evaluator;
use crate::rule::schema::Per;

pub(super) const EMOTION: Measure = Measure {
    key: "emotion",
    name: "情绪值",
    unit: "",
    decimals: 1,
    how: "识别引擎给出的每句情绪/能量值 (阿里云 EmotionValue 1–10,腾讯 EmotionalEnergy,华为 ANGRY 记 1);per = \"call\" 时取平均。各引擎刻度不同,阈值按所用引擎写",
    per_turn: true,
    takes_role: true,
    min_chars: None,
    overlap_ms: None,
    read,
};

fn read(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    let turns = turns_of(ev, s.role)?;
    let valued: Vec<Reading> = turns
        .iter()
        .filter_map(|&t| {
            let turn = ev.views[t].turn;
            turn.signals.emotion.map(|value| Reading {
                turn: t,
                value,
                begin_ms: turn.begin,
                end_ms: turn.end,
            })
        })
        .collect();
    if valued.is_empty() {
        return Err(
            "输入没有情绪值 (阿里云 EmotionValue、腾讯 EmotionalEnergy、华为 emotion)".into(),
        );
    }
    Ok(match s.per {
        Per::Turn => valued,
        Per::Call => {
            let last = valued[valued.len() - 1];
            let mean = valued.iter().map(|r| r.value).sum::<f64>() / valued.len() as f64;
            let (begin_ms, end_ms) = super::stretch(valued.iter().map(|r| (r.begin_ms, r.end_ms)));
            vec![Reading {
                turn: last.turn,
                value: mean,
                begin_ms,
                end_ms,
            }]
        }
    })
}
