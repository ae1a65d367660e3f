//! 语速: letters per second of a role's turns, from the text and the timestamps.
//!
//! Recomputed rather than taken from the recogniser: the engines' own fields disagree on the
//! unit (Alibaba's `SpeechRate` is characters per minute, Tencent's `SpeechSpeed` does not
//! say), and a rule's threshold must mean the same on every input. Punctuation does not count;
//! turns shorter than `min_chars` are not measured, because a 好的 said in 0.3 s is no pace.

use super::{span, turns_of, untimed, Measure, Reading, Settings};
use crate::rule::eval::Evaluator;
use crate::rule::schema::Per;

pub(super) const SPEECH_RATE: Measure = Measure {
    key: "speech_rate",
    name: "语速",
    unit: "字/秒",
    decimals: 1,
    how: "每句的字数 (不计标点) 除以这句从开始到结束的秒数;per = \"call\" 时是该角色所有句子的总字数除以总时长。不到 min_chars 个字的句子不计",
    per_turn: true,
    takes_role: true,
    min_chars: Some(8),
    overlap_ms: None,
    read,
};

fn read(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    let turns = turns_of(ev, s.role)?;
    let measured: Vec<(usize, u64, u64, usize)> = turns
        .iter()
        .filter_map(|&t| span(ev, t).map(|(b, e)| (t, b, e, ev.letters(t))))
        .collect();
    if measured.is_empty() {
        return Err(untimed("语速"));
    }
    let long: Vec<_> = measured
        .into_iter()
        .filter(|&(_, _, _, letters)| letters >= s.min_chars.max(1))
        .collect();
    let rate = |letters: usize, ms: u64| letters as f64 * 1000.0 / ms as f64;
    Ok(match s.per {
        Per::Turn => long
            .iter()
            .map(|&(t, b, e, letters)| Reading {
                turn: t,
                value: rate(letters, e - b),
                begin_ms: Some(b),
                end_ms: Some(e),
            })
            .collect(),
        Per::Call => {
            let Some(&(last, ..)) = long.last() else {
                return Err(format!(
                    "没有 {} 个字以上的句子,量不出整通语速",
                    s.min_chars
                ));
            };
            let letters = long.iter().map(|x| x.3).sum();
            let ms = long.iter().map(|x| x.2 - x.1).sum();
            let (begin_ms, end_ms) = super::stretch(long.iter().map(|x| (Some(x.1), Some(x.2))));
            vec![Reading {
                turn: last,
                value: rate(letters, ms),
                begin_ms,
                end_ms,
            }]
        }
    })
}
