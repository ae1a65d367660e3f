//! Channels: where a conversation happened (phone, online chat, social media, ticket/email) →
//! which rules apply to it and which scoring scheme grades it.
//!
//! In: a call's metadata (`channel`/`渠道`), `--channel NAME` for a whole batch, or nothing
//! (phone, what QA teams grade most). Out: a [`Channel`]. A rule lists the channels it applies
//! to (`channels = ["phone"]`); on any other channel it is N/A: not evaluated, not scored, and
//! listed as such in the reports. The phone etiquette rules (喂, 工号, 您好 as the first word)
//! mean nothing in a chat window that already shows the agent's id.
//!
//! To add a channel: one row in [`CHANNELS`] and one variant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Where a conversation happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Channel {
    /// A phone call: a hotline, an outbound call, a recording.
    #[default]
    Phone,
    /// Online chat: a shop's or an app's customer-service window.
    Chat,
    /// Replies on social media (微博, 抖音, 小红书), usually handed over to 私信.
    Social,
    /// Email and tickets (工单), written and answered asynchronously.
    Ticket,
}

/// One row per channel: the name written in files and on the command line, the Chinese name,
/// and the other spellings found in platform exports.
pub struct ChannelInfo {
    pub channel: Channel,
    pub name: &'static str,
    pub zh: &'static str,
    pub aliases: &'static [&'static str],
}

pub static CHANNELS: &[ChannelInfo] = &[
    ChannelInfo {
        channel: Channel::Phone,
        name: "phone",
        zh: "电话",
        aliases: &[
            "电话",
            "热线",
            "语音",
            "voice",
            "call",
            "telephone",
            "hotline",
            "ivr",
            "外呼",
            "呼入",
        ],
    },
    ChannelInfo {
        channel: Channel::Chat,
        name: "chat",
        zh: "在线",
        aliases: &[
            "在线",
            "在线客服",
            "聊天",
            "im",
            "online",
            "webchat",
            "web",
            "app",
            "千牛",
            "旺旺",
            "咚咚",
            "微信",
            "wechat",
        ],
    },
    ChannelInfo {
        channel: Channel::Social,
        name: "social",
        zh: "社媒",
        aliases: &[
            "社媒",
            "社交媒体",
            "微博",
            "抖音",
            "小红书",
            "weibo",
            "douyin",
            "twitter",
            "social media",
        ],
    },
    ChannelInfo {
        channel: Channel::Ticket,
        name: "ticket",
        zh: "工单",
        aliases: &["工单", "邮件", "email", "mail", "e-mail", "留言"],
    },
];

impl Channel {
    pub fn info(self) -> &'static ChannelInfo {
        CHANNELS
            .iter()
            .find(|c| c.channel == self)
            .expect("every channel has a row")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn zh(self) -> &'static str {
        self.info().zh
    }

    /// The channel a metadata value names, if it names one: exports use `channel` for other
    /// things too (信用卡中心, a hotline's name), which are not an error.
    pub fn from_meta(value: &str) -> Option<Channel> {
        value.parse().ok()
    }

    /// Every channel name, for help lines.
    pub fn names() -> String {
        CHANNELS
            .iter()
            .map(|c| format!("{} ({})", c.name, c.zh))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The metadata keys that may name a call's channel.
pub const META_KEYS: &[&str] = &["channel", "渠道", "medium", "媒介"];

impl FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Channel, String> {
        let s = s.trim().to_lowercase();
        CHANNELS
            .iter()
            .find(|c| c.name == s || c.aliases.contains(&s.as_str()))
            .map(|c| c.channel)
            .ok_or_else(|| format!("未知的渠道 \"{s}\",可选: {}", Channel::names()))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Channel, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_chinese_parse() {
        assert_eq!("phone".parse(), Ok(Channel::Phone));
        assert_eq!("Chat".parse(), Ok(Channel::Chat));
        assert_eq!("在线客服".parse(), Ok(Channel::Chat));
        assert_eq!("微博".parse(), Ok(Channel::Social));
        assert_eq!("工单".parse(), Ok(Channel::Ticket));
        assert!("信用卡中心"
            .parse::<Channel>()
            .unwrap_err()
            .contains("phone (电话)"));
        assert_eq!(Channel::from_meta("信用卡中心"), None);
        for c in CHANNELS {
            assert_eq!(c.name.parse(), Ok(c.channel));
            assert_eq!(c.channel.name(), c.name);
        }
    }
}
