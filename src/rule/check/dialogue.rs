//! Dialogue shape: who had the last word and how often each side spoke → whether a condition
//! is checked on the call at all.
//!
//! Spec: `[match.dialogue]` with `last_speaker`, `min_agent_turns`, `min_customer_turns`, `on`
//! (the channels the dialogue itself must be on) and the `channels` that require them, on any
//! table beside what it looks for. Eval: when the
//! dialogue does not have the shape, the table does not hold and gives no evidence. A missing
//! closing is the agent's fault only where the agent had the chance to close: a Weibo thread
//! the customer ended never gave it, a phone call where the customer said the last 嗯 did.

use crate::channel::Channel;
use crate::input::Role;
use crate::rule::compile::{positive, FileContext};
use crate::rule::eval::Evaluator;
use crate::rule::schema::DialogueSpec;

/// The shape a dialogue must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dialogue {
    pub last_speaker: Option<Role>,
    /// (role, fewest turns of that role).
    pub min_turns: Vec<(Role, usize)>,
    /// The channels that require the shape; empty for all.
    pub channels: Vec<Channel>,
    /// The channels the dialogue must be on (`on`); empty for any.
    pub on: Vec<Channel>,
}

impl Dialogue {
    /// Compiles `[match.dialogue]`; an empty table is an error, as it would check nothing.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        spec: &toml::Spanned<DialogueSpec>,
    ) -> Option<Dialogue> {
        let s = spec.get_ref();
        let mut min_turns = Vec::new();
        for (role, n, key) in [
            (Role::Agent, &s.min_agent_turns, "min_agent_turns"),
            (Role::Customer, &s.min_customer_turns, "min_customer_turns"),
        ] {
            if let Some(n) = n {
                min_turns.push((role, positive(cx, n, key)?));
            }
        }
        let on = s.on.as_ref().map_or_else(Vec::new, |c| c.get_ref().clone());
        if let Some(spanned) = s.on.as_ref().filter(|_| on.is_empty()) {
            cx.error(Some(spanned.span()), "on 为空,没有一通对话符合")
                .help = Some(format!("写上对话所在的渠道;可选: {}", Channel::names()));
            return None;
        }
        if s.last_speaker.is_none() && min_turns.is_empty() && s.on.is_none() {
            cx.error(Some(spec.span()), "[match.dialogue] 是空的,什么也不检查")
                .help = Some(
                "写 last_speaker = \"agent\" (最后一句是坐席说的)、min_agent_turns = 2 (坐席至少说了两句) 或 on = [\"social\"] (社媒上的对话)"
                    .into(),
            );
            return None;
        }
        let channels = s
            .channels
            .as_ref()
            .map_or_else(Vec::new, |c| c.get_ref().clone());
        if let Some(spanned) = s.channels.as_ref().filter(|_| channels.is_empty()) {
            cx.error(
                Some(spanned.span()),
                "channels 为空,这个前提在任何渠道都不要求",
            )
            .help = Some(format!(
                "删去 channels 表示所有渠道都要求;可选: {}",
                Channel::names()
            ));
        }
        Some(Dialogue {
            last_speaker: s.last_speaker,
            min_turns,
            channels,
            on,
        })
    }

    /// Whether the call has this shape.
    pub(super) fn holds(&self, ev: &Evaluator<'_>) -> bool {
        self.unmet(ev).is_none()
    }

    /// What the call lacks, in a short Chinese phrase; `None` when it has the shape.
    pub(super) fn unmet(&self, ev: &Evaluator<'_>) -> Option<String> {
        if !self.channels.is_empty() && !self.channels.contains(&ev.call.channel) {
            return None;
        }
        if !self.on.is_empty() && !self.on.contains(&ev.call.channel) {
            let on: Vec<&str> = self.on.iter().map(|c| c.zh()).collect();
            return Some(format!("不是{}的对话", on.join("、")));
        }
        let all = ev.turns_of(None);
        if let Some(role) = self.last_speaker {
            match all.last() {
                Some(&t) if ev.views[t].turn.role == role => {}
                Some(_) => return Some(format!("最后一句不是{}说的", role.label_zh())),
                None => return Some("通话没有发言".into()),
            }
        }
        for &(role, n) in &self.min_turns {
            let had = ev.turns_of(Some(role)).len();
            if had < n {
                return Some(format!(
                    "{}只说了 {had} 句 (至少 {n} 句才检查)",
                    role.label_zh()
                ));
            }
        }
        None
    }
}
