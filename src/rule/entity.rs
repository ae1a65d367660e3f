//! Entities: the built-in classes a pattern names in braces (`{数字}`, `{时长}`, `{时间点}`,
//! `{工号}`, `{金额}`) → a regex fragment over the folded view and the strings that anchor it.
//!
//! Numbers in call transcripts come as digits, as Chinese numerals and, in exported
//! (脱敏) transcripts, as masks: `***`, `＊＊` (folded to `**`), `[数字x]`, `XX`. Every entity
//! accepts all three, so `工号{工号}` matches `工号1024`, `工号九五二七` and `工号***` alike.
//!
//! To add an entity: one row in [`ENTITIES`] and a test below that it matches what it should.

/// A built-in class of words, matched by a regex fragment over the folded view.
#[derive(Debug, PartialEq)]
pub struct Entity {
    pub name: &'static str,
    /// What it matches, in Chinese, for `zhijian rules --lexicons` and error messages.
    pub description: &'static str,
    pub regex: &'static str,
    /// Strings one of which occurs in every match; empty when there are none worth scanning
    /// for (a bare number).
    pub anchors: &'static [&'static str],
}

/// A number: digits, Chinese numerals, or a mask left by 脱敏.
macro_rules! number {
    () => {
        r"(?:[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿几]+|\*{2,}|x{2,}|\[数字x?\]|【数字x?】|<数字>)"
    };
}

/// A length of time: 三十秒, 二十分钟, 半小时, 一两天, 3-5个工作日, 一个半小时, 24h (chat
/// scripts write 24h内, folded from 24H).
macro_rules! duration {
    () => {
        concat!(
            r"(?:(?:",
            number!(),
            r"(?:\s*[-~到至]\s*",
            number!(),
            r")?|好几|一两|两三|三五)\s*多?\s*个?\s*半?\s*(?:秒钟|秒|分钟|分半钟?|刻钟|个?钟头|小时|工作日|天|日|周|星期|礼拜|个?月|年)|(?:[0-9]+|\[数字x?\])\s*h|半\s*个?\s*(?:小时|钟头|天|月|年))"
        )
    };
}

/// A day: 今天, 明天, 下周一, 3月5日.
macro_rules! day {
    () => {
        r"(?:大?后天|今天|明天|今日|明日|今晚|明晚|今早|明早|[本这下]周[一二三四五六日天]?|[本这下]个?星期[一二三四五六日天]?|周[一二三四五六日天]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?:[12][0-9]|3[01]|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]|(?:[12][0-9]|3[01]|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])"
    };
}

/// A part of the day: 上午, 下班前.
macro_rules! part_of_day {
    () => {
        r"(?:上午|下午|中午|晚上|早上|傍晚|晚些时候|下班前|中午前|今晚前)"
    };
}

pub static ENTITIES: &[Entity] = &[
    Entity {
        name: "数字",
        description: "数字:阿拉伯数字、中文数字 (三十、两、几),以及脱敏后的 ***、＊＊、[数字x]、XX",
        regex: number!(),
        anchors: &[],
    },
    Entity {
        name: "时长",
        description:
            "一段时间:三十秒、二十分钟、半小时、一两天、3-5个工作日、一个半小时、半年、24h",
        regex: duration!(),
        anchors: &[
            "秒",
            "分钟",
            "分半",
            "刻钟",
            "钟头",
            "小时",
            "h",
            "工作日",
            "天",
            "日",
            "周",
            "星期",
            "礼拜",
            "月",
            "年",
        ],
    },
    Entity {
        name: "时间点",
        description: "一个时间:明天上午、今天下午三点、周五前、24小时内、两个工作日之内、今天之内",
        regex: concat!(
            r"(?:",
            // 明天上午十点前, 下周一, 3月5日下午
            day!(),
            part_of_day!(),
            "?",
            r"(?:",
            number!(),
            r"[点:](?:半|一刻|三刻|",
            number!(),
            r"分?)?)?(?:之前|以前|前|之内|以内|内)?",
            // 下午三点, 上午
            "|",
            part_of_day!(),
            "(?:",
            number!(),
            r"[点:](?:半|一刻|三刻|",
            number!(),
            r"分?)?)?(?:之前|以前|前)?",
            // 三点半, 10:30, 五点前 — but not 快一点 or 有三点需要注意: a bare 三点 is not a time.
            r"|",
            number!(),
            r"(?:点钟|点整|点半|点一刻|点三刻|:[0-9]{2}|点",
            number!(),
            r"分?)(?:之前|以前|前|左右)?|",
            number!(),
            r"点(?:之前|以前|前|左右)",
            // 24小时内, 两个工作日之内
            r"|",
            duration!(),
            r"\s*(?:之内|以内|内)",
            r")"
        ),
        anchors: &[
            "今",
            "明",
            "后天",
            "周",
            "星期",
            "礼拜",
            "月",
            "日",
            "号",
            "上午",
            "下午",
            "中午",
            "晚",
            "早",
            "点",
            ":",
            "内",
            "下班前",
        ],
    },
    Entity {
        name: "工号",
        description: "工号:两位以上的数字或中文数字,可带字母前缀 (A1024、九五二七),或脱敏的 ***",
        regex: r"(?:[a-z]{0,3}[0-9]{2,}|[零〇一二两三四五六七八九幺]{2,}|\*{2,}|x{2,}|\[数字x?\]|【数字x?】|<数字>)",
        anchors: &[],
    },
    Entity {
        name: "金额",
        description: "钱数:58元、三十块钱、一百二十八块五、¥99.9、两块五毛",
        regex: concat!(
            r"(?:[¥￥$]\s*[0-9][0-9,]*(?:\.[0-9]+)?|",
            number!(),
            r"\s*多?\s*(?:元|块钱|块|毛钱|毛|角|分钱)(?:[0-9一二三四五六七八九]+(?:毛|角|分)?)?)"
        ),
        anchors: &["元", "块", "毛", "角", "分钱", "¥", "￥", "$"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    fn finds(name: &str, text: &str) -> Option<String> {
        let e = ENTITIES.iter().find(|e| e.name == name).unwrap();
        let re = regex::Regex::new(e.regex).unwrap();
        re.find(&fold(text)).map(|m| m.as_str().to_string())
    }

    #[test]
    fn numbers_include_masks() {
        for (text, want) in [
            ("工号1024", "1024"),
            ("工号九五二七", "九五二七"),
            ("工号***为您服务", "***"),
            ("工号＊＊＊", "***"),
            ("[数字x]小时", "[数字x]"),
            ("XX号", "xx"),
        ] {
            assert_eq!(finds("数字", text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn durations() {
        for (text, want) in [
            ("我等了三十秒", "三十秒"),
            ("等了二十分钟了", "二十分钟"),
            ("半小时内", "半小时"),
            ("一两天就到", "一两天"),
            ("3-5个工作日到账", "3-5个工作日"),
            ("一个半小时", "一个半小时"),
            ("[数字x]小时内回电", "[数字x]小时"),
            ("等了好几天", "好几天"),
            ("专员会在24h内联系您", "24h"),
            ("[数字x]h内给您回电", "[数字x]h"),
            ("我都等了半年了", "半年"),
        ] {
            assert_eq!(finds("时长", text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(
            finds("时长", "点击http链接"),
            None,
            "h alone is no duration"
        );
        assert_eq!(finds("时长", "打三分"), None, "a score is not a duration");
    }

    #[test]
    fn points_in_time() {
        for (text, want) in [
            ("明天上午给您回电", "明天上午"),
            ("今天下午三点前", "今天下午三点前"),
            ("24小时内给您答复", "24小时内"),
            ("两个工作日之内", "两个工作日之内"),
            ("周五前处理", "周五前"),
            ("下午三点半", "下午三点半"),
            ("10:30前", "10:30前"),
        ] {
            assert_eq!(finds("时间点", text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(finds("时间点", "稍等一下"), None);
        for not_a_time in [
            "快一点",
            "一点用都没有",
            "有三点需要注意",
            "10000号为您服务",
        ] {
            assert_eq!(finds("时间点", not_a_time), None, "{not_a_time}");
        }
        assert_eq!(finds("时间点", "3月15号").as_deref(), Some("3月15号"));
        assert_eq!(finds("时间点", "三点钟").as_deref(), Some("三点钟"));
    }

    #[test]
    fn staff_numbers_and_money() {
        assert_eq!(finds("工号", "工号A1024").as_deref(), Some("a1024"));
        assert_eq!(finds("工号", "工号幺零二四").as_deref(), Some("幺零二四"));
        assert_eq!(finds("金额", "本月话费58元").as_deref(), Some("58元"));
        assert_eq!(finds("金额", "三十块钱").as_deref(), Some("三十块钱"));
        assert_eq!(finds("金额", "一共¥99.9").as_deref(), Some("¥99.9"));
        assert_eq!(finds("金额", "两块五").as_deref(), Some("两块五"));
    }

    #[test]
    fn every_entity_compiles_and_never_matches_nothing() {
        for e in ENTITIES {
            let re = regex::Regex::new(e.regex).unwrap();
            assert!(!re.is_match(""), "{} matches the empty string", e.name);
        }
    }
}
