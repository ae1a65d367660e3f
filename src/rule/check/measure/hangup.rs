//! 末句到挂机: seconds from the end of the last sentence to the end of the recording, when the
//! last sentence is the rule's role's.
//!
//! Alibaba's 非正常挂机 check measures the same: a call that ends within a second of the
//! customer's last words was cut off while the customer was talking (or the customer hung up
//! — which the rule's other conditions tell apart, such as a goodbye in those words); a long
//! wait after the agent's last words is an agent who left the line open. Needs the recording's
//! length, which a transcript alone does not give.

use super::{span, turns_of, Measure, Reading, Settings};
use crate::rule::eval::Evaluator;

pub(super) const HANGUP: Measure = Measure {
    key: "hangup",
    name: "末句到挂机",
    unit: "秒",
    decimals: 1,
    how: "最后一句 (最后结束的一句) 结束到录音结束的秒数,只在它是该角色说的时候计算;要有录音时长 (阿里云、腾讯、华为、讯飞的结果,或文本头 # duration_ms:)",
    per_turn: false,
    takes_role: true,
    min_chars: None,
    overlap_ms: None,
    read,
};

fn read(ev: &Evaluator<'_>, s: &Settings) -> Result<Vec<Reading>, String> {
    turns_of(ev, s.role)?;
    if ev.call.duration_ms.is_none() {
        return Err("输入没有录音时长,不知道何时挂机".into());
    }
    let length = super::call_end(ev)?;
    // The last words are those that ended last, not the last line: a back-channel said during
    // the customer's question starts later but ends first.
    let Some((last, end)) = ev
        .turns_of(None)
        .iter()
        .filter_map(|&t| span(ev, t).map(|(_, e)| (t, e)))
        .max_by_key(|&(t, e)| (e, t))
    else {
        return Err(super::untimed("末句到挂机"));
    };
    if s.role.is_some_and(|r| ev.views[last].turn.role != r) {
        return Ok(Vec::new());
    }
    Ok(vec![Reading {
        turn: last,
        value: length.saturating_sub(end) as f64 / 1000.0,
        begin_ms: Some(end),
        end_ms: Some(length),
    }])
}
