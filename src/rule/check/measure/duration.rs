//! 通话时长: how long the call lasted, in seconds.
//!
//! The recording's length when the input gives one (Alibaba, Tencent, Huawei, iFlytek, or a
//! `# duration_ms:` header), otherwise the end of the last word.

use super::{call_end, Measure, Reading, Settings};
use crate::rule::eval::Evaluator;

pub(super) const DURATION: Measure = Measure {
    key: "duration",
    name: "通话时长",
    unit: "秒",
    decimals: 1,
    how: "录音时长 (格式给出时),否则到最后一句结束的时刻",
    per_turn: false,
    takes_role: false,
    min_chars: None,
    overlap_ms: None,
    read,
};

fn read(ev: &Evaluator<'_>, _: &Settings) -> Result<Vec<Reading>, String> {
    let end = call_end(ev)?;
    Ok(vec![Reading {
        turn: ev.views.len().saturating_sub(1),
        value: end as f64 / 1000.0,
        begin_ms: Some(0),
        end_ms: Some(end),
    }])
}
