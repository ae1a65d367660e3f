//! The call model every stage shares: a [`Call`] is an id, metadata and [`Turn`]s, each spoken
//! by a [`Role`].
//!
//! In: built by the input readers (from whatever format) and by rule examples. Out: read by the
//! rules, the scorer and the reports. Where a recogniser named speakers rather than roles,
//! [`Turn::speaker`] keeps its label and [`Call::roles`] says how the roles were decided, so a
//! supervisor can check the decision.

use std::collections::BTreeMap;
use std::fmt;

use crate::channel::Channel;

/// Who is speaking in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Agent,
    Customer,
}

/// Labels that name the agent; matched on the text before the colon of a turn line, and on
/// the `role` field of JSON turns.
/// The first eight are the documented set; the rest are spellings exports use for the same.
pub const AGENT_LABELS: &[&str] = &[
    "客服",
    "坐席",
    "座席",
    "服务人员",
    "话务员",
    "工作人员",
    "营业员",
    "agent",
    "客服代表",
    "客服人员",
    "人工客服",
    "坐席员",
    "座席员",
];

/// Labels that name the customer.
pub const CUSTOMER_LABELS: &[&str] = &[
    "客户",
    "顾客",
    "用户",
    "来电人",
    "customer",
    "来电客户",
    "来电者",
];

impl Role {
    /// Recognises a role label exactly (`客服`, `坐席`, `customer`, …) in either script,
    /// ignoring case: `客戶` and `Customer` are customers too. JSON `role` fields use this.
    pub fn from_label(label: &str) -> Option<Role> {
        let label = crate::normalize::fold(label.trim());
        Self::labels()
            .find(|(known, _)| *known == label)
            .map(|(_, role)| role)
    }

    /// Recognises the speaker label of a transcript line, which may run straight into a short
    /// name or tag, as exports write `客户王先生` or `坐席A`: up to four letters after a known
    /// label still name its role. Longer tails are not labels (`客户说的那个问题：…` is a
    /// sentence), nor are words that merely start with a label (`客服电话`, `客户经理` — a
    /// member of staff —, `客户姓名`); the longest known label wins.
    pub fn from_speaker_label(label: &str) -> Option<Role> {
        const MAX_TAIL: usize = 4;
        const NOT_A_NAME: &[&str] = &[
            "名",
            "姓名",
            "电话",
            "热线",
            "中心",
            "号",
            "编号",
            "须知",
            "信息",
            "地址",
            "类型",
            "类别",
            "等级",
            "级别",
            "经理",
            "机器人",
            "助手",
            "id",
            "来源",
            "备注",
        ];
        let label = crate::normalize::fold(label.trim());
        Self::labels()
            .filter_map(|(known, role)| {
                let tail = label.strip_prefix(known)?;
                let short = tail.chars().count() <= MAX_TAIL;
                let name = tail.chars().all(char::is_alphanumeric)
                    && !NOT_A_NAME.iter().any(|w| tail.starts_with(w));
                (short && name).then_some((known.len(), role))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, role)| role)
    }

    fn labels() -> impl Iterator<Item = (&'static str, Role)> {
        AGENT_LABELS
            .iter()
            .map(|l| (*l, Role::Agent))
            .chain(CUSTOMER_LABELS.iter().map(|l| (*l, Role::Customer)))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    /// The other party of a conversation.
    pub fn other(self) -> Role {
        match self {
            Role::Agent => Role::Customer,
            Role::Customer => Role::Agent,
        }
    }

    /// The role as a Chinese report names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Agent => "客服",
            Role::Customer => "客户",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One utterance. `begin`/`end` are milliseconds from the start of the call, when known.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Turn {
    pub role: Role,
    pub text: String,
    pub begin: Option<u64>,
    pub end: Option<u64>,
    /// The recogniser's speaker or channel label (`spk0`, `SPEAKER_01`, `声道 1`), when the
    /// input named speakers rather than roles.
    pub speaker: Option<String>,
    /// What the recogniser measured about the turn, when it did.
    pub signals: Signals,
    /// How sure the recogniser was of the turn's words, stretch by stretch, when it said:
    /// per word where it scored words, per sentence otherwise; in order, not overlapping.
    pub confidence: Vec<Confidence>,
}

/// How sure the recogniser was of a stretch of a turn: character offsets into the turn's text
/// (as a quote's are) and a probability from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Confidence {
    pub start: usize,
    pub end: usize,
    pub value: f32,
}

impl Turn {
    /// The recogniser's confidence in the characters `start..end` of the turn: the least of
    /// the stretches they touch (one misheard word is enough to doubt a phrase), `None` where
    /// it scored none of them. An empty range asks about the character at `start`.
    pub fn confidence_in(&self, start: usize, end: usize) -> Option<f32> {
        let end = end.max(start + 1);
        self.confidence
            .iter()
            .filter(|c| c.start < end && c.end > start)
            .map(|c| c.value)
            .reduce(f32::min)
    }
}

/// Per-sentence measurements some recognisers add (Alibaba's `EmotionValue`, `SpeechRate`,
/// `SilenceDuration`; Tencent's `SpeechSpeed`, `EmotionalEnergy`). Kept so a rule can use them;
/// units are the recogniser's own.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Signals {
    pub emotion: Option<f64>,
    pub speech_rate: Option<f64>,
    pub silence_ms: Option<u64>,
}

impl Signals {
    pub fn is_empty(&self) -> bool {
        *self == Signals::default()
    }
}

/// One call, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Call {
    pub id: String,
    pub meta: BTreeMap<String, String>,
    pub turns: Vec<Turn>,
    /// How each turn's role was decided.
    pub roles: RoleBasis,
    /// The length of the recording, when the format says.
    pub duration_ms: Option<u64>,
    /// Where the conversation happened: from the metadata, `--channel`, or phone.
    pub channel: Channel,
}

impl Call {
    /// The channel the metadata names (`channel: chat`, `渠道: 在线客服`), if any.
    pub fn channel_in_meta(&self) -> Option<Channel> {
        // Any key that names a channel counts (`channel: 信用卡中心` may sit next to
        // `渠道: chat`), whatever its case (`Channel: chat`).
        self.meta.iter().find_map(|(key, value)| {
            crate::channel::META_KEYS
                .contains(&key.trim().to_lowercase().as_str())
                .then(|| Channel::from_meta(value))
                .flatten()
        })
    }

    /// The agent's name or 工号 from metadata, if the source gave one (a blank value names
    /// nobody).
    pub fn agent(&self) -> Option<&str> {
        AGENT_META_KEYS
            .iter()
            .filter_map(|k| self.meta.get(*k))
            .map(|v| v.trim())
            .find(|v| !v.is_empty())
    }
}

/// Metadata keys that name the agent, in the order `agent()` tries them: their values are the
/// agent's, never the customer's personal data.
pub const AGENT_META_KEYS: &[&str] = &["agent", "agent_id", "坐席", "客服", "工号"];

/// Why the turns have the roles they have. Inputs with role labels need no decision; diarized
/// recognisers name speakers, and one of them had to be chosen as the agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RoleBasis {
    /// Every turn carried a role label (`客服：`, `"role": "agent"`).
    #[default]
    Labels,
    /// The user named the agent's speaker or channel (`--agent-speaker`, `--agent-channel`).
    Given { agent: String },
    /// A speaker's turns were labelled inside the text (`spk0: 客服：您好`).
    LabelInText { agent: String },
    /// The agent was recognised by what the speakers said.
    Cues { agent: String, evidence: String },
    /// The other speaker talked like the customer, so this one is the agent.
    CustomerCues {
        agent: String,
        customer: String,
        evidence: String,
    },
    /// Nothing told the speakers apart; the first speaker was taken as the agent. Such a call
    /// is flagged: its roles are a guess.
    Undecided { agent: String },
}

impl RoleBasis {
    /// Whether the roles are a guess a supervisor should check.
    pub fn is_undecided(&self) -> bool {
        matches!(self, RoleBasis::Undecided { .. })
    }

    /// The decision in one short Chinese sentence, for a report cell.
    pub fn describe(&self) -> String {
        match self {
            RoleBasis::Labels => "角色标签".into(),
            RoleBasis::Given { agent } => format!("指定 {agent} 为客服"),
            RoleBasis::LabelInText { agent } => format!("{agent} 的发言带“客服”标签"),
            RoleBasis::Cues { agent, evidence } => format!("{agent} 说了“{evidence}”,判定为客服"),
            RoleBasis::CustomerCues {
                agent,
                customer,
                evidence,
            } => format!("{customer} 说了“{evidence}”,是客户;{agent} 判定为客服"),
            RoleBasis::Undecided { agent } => {
                format!("未能判定:无可区分的话术,按第一位说话人 {agent} 为客服")
            }
        }
    }

    /// A stable name for machine-readable outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            RoleBasis::Labels => "labels",
            RoleBasis::Given { .. } => "given",
            RoleBasis::LabelInText { .. } => "label_in_text",
            RoleBasis::Cues { .. } | RoleBasis::CustomerCues { .. } => "cues",
            RoleBasis::Undecided { .. } => "undecided",
        }
    }

    /// The speaker taken as the agent, when there was a choice to make.
    pub fn agent_speaker(&self) -> Option<&str> {
        match self {
            RoleBasis::Labels => None,
            RoleBasis::Given { agent }
            | RoleBasis::LabelInText { agent }
            | RoleBasis::Cues { agent, .. }
            | RoleBasis::CustomerCues { agent, .. }
            | RoleBasis::Undecided { agent } => Some(agent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_agent_names_nobody_and_the_next_key_may() {
        let mut call = Call::default();
        assert_eq!(call.agent(), None);
        call.meta.insert("agent".into(), "  ".into());
        assert_eq!(call.agent(), None);
        call.meta.insert("工号".into(), "1024".into());
        assert_eq!(call.agent(), Some("1024"));
        call.meta.insert("agent".into(), "张敏".into());
        assert_eq!(call.agent(), Some("张敏"));
    }
}
