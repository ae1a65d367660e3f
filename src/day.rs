//! Day: a call → the day it belongs to, so that batches graded over weeks can be put in order.
//!
//! In: the day the user gave for the batch (`zhijian grade --date`), the call's metadata, and the
//! day it was graded. Out: a [`Dated`] day and where it came from, which every results JSONL line
//! records (`date`, `date_from`) and `zhijian trend` groups by.
//!
//! The order is the user's word first (a batch of yesterday's recordings graded this morning),
//! then the call's own date as its platform wrote it (`start_time`, `通话时间`, …), then the
//! grading day. A metadata value is taken as written: `2026-12-05T23:50:00+08:00` is the 5th,
//! whatever the grading machine's time zone, because the platform wrote the day its call centre
//! lives in. Only a bare Unix timestamp needs a time zone, and gets the machine's.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use regex::Regex;

/// Metadata keys that give the day of a call, in the order they are tried (ASCII keys in any
/// case): the day itself, then the start of the call, then when the record was made.
pub const DATE_META_KEYS: &[&str] = &[
    "date",
    "call_date",
    "日期",
    "通话日期",
    "start_time",
    "begin_time",
    "call_start",
    "call_time",
    "开始时间",
    "通话开始时间",
    "通话时间",
    "呼叫时间",
    "time",
    "时间",
    "created_at",
    "create_time",
    "创建时间",
    "timestamp",
];

/// Where a call's day came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFrom {
    /// `zhijian grade --date`.
    Given,
    /// The call's metadata, under this key.
    Meta(String),
    /// Neither: the day it was graded.
    Graded,
}

impl fmt::Display for DateFrom {
    /// As the JSONL writes it: `given`, `meta:start_time`, `graded`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateFrom::Given => f.write_str("given"),
            DateFrom::Meta(key) => write!(f, "meta:{key}"),
            DateFrom::Graded => f.write_str("graded"),
        }
    }
}

/// A call's day and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    pub date: Date,
    pub from: DateFrom,
}

/// How a batch's calls are dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dating {
    /// The day the user gave for the whole batch.
    pub given: Option<Date>,
    /// The day of grading: the caller's clock, which the library never reads itself.
    pub today: Date,
}

impl Dating {
    /// The day of a call with `meta` (`None` for a call that could not be read).
    pub fn of(&self, meta: Option<&BTreeMap<String, String>>) -> Dated {
        if let Some(date) = self.given {
            return Dated {
                date,
                from: DateFrom::Given,
            };
        }
        if let Some((key, date)) = meta.and_then(from_meta) {
            return Dated {
                date,
                from: DateFrom::Meta(key.to_string()),
            };
        }
        Dated {
            date: self.today,
            from: DateFrom::Graded,
        }
    }
}

/// The first of [`DATE_META_KEYS`] whose value reads as a day, and the day.
pub fn from_meta(meta: &BTreeMap<String, String>) -> Option<(&str, Date)> {
    DATE_META_KEYS.iter().find_map(|want| {
        meta.iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(want))
            .find_map(|(key, value)| parse(value).map(|d| (key.as_str(), d)))
    })
}

/// A day in the ways platforms write one: `2026-12-05`, `2026/12/5`, `2026.12.05`,
/// `2026年12月5日`, any of these followed by a time, `20261205` (also followed by a time, as in
/// `20261205143000`), and Unix timestamps in seconds or milliseconds. Years outside 2000–2099
/// are taken for something else.
pub fn parse(value: &str) -> Option<Date> {
    static SEPARATED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:[^\d]|$)").unwrap()
    });
    let value = value.trim();
    let date = if let Some(c) = SEPARATED.captures(value) {
        let n = |i: usize| c[i].parse::<i16>().ok();
        Date::new(n(1)?, i8::try_from(n(2)?).ok()?, i8::try_from(n(3)?).ok()?).ok()?
    } else {
        let digits = value.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &value[digits..];
        match digits {
            // 20261205, 20261205 14:30:00, 20261205143000
            8 | 14 if digits == value.len() || digits == 8 && rest.starts_with([' ', 'T']) => {
                let n = |r: std::ops::Range<usize>| value[r].parse::<i16>().ok();
                Date::new(
                    n(0..4)?,
                    i8::try_from(n(4..6)?).ok()?,
                    i8::try_from(n(6..8)?).ok()?,
                )
                .ok()?
            }
            10 | 13 if digits == value.len() => {
                let n: i64 = value.parse().ok()?;
                let at = if digits == 10 {
                    Timestamp::from_second(n)
                } else {
                    Timestamp::from_millisecond(n)
                }
                .ok()?;
                at.to_zoned(TimeZone::system()).date()
            }
            _ => return None,
        }
    };
    (2000..2100).contains(&date.year()).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn days_in_the_ways_platforms_write_them() {
        let d = Some(date(2026, 12, 5));
        for v in [
            "2026-12-05",
            "2026-12-05 14:30:00",
            "2026-12-05T23:50:00+08:00",
            "2026/12/5 9:05",
            "2026.12.05",
            "2026年12月5日 下午2点",
            "2026 年 12 月 5 日",
            " 20261205 ",
            "20261205 14:30:00",
            "20261205143000",
        ] {
            assert_eq!(parse(v), d, "{v}");
        }
    }

    #[test]
    fn what_is_not_a_day() {
        for v in [
            "",
            "明天",
            "2026-13-05",
            "2026-02-30",
            "1999-12-31",
            "2100-01-01",
            "12/05/2026",
            "2026120",
            "202612051",
            "20261205x",
            "2026-12-051",
            "13800001234",
            "00:03:15",
        ] {
            assert_eq!(parse(v), None, "{v}");
        }
    }

    #[test]
    fn unix_timestamps_in_seconds_and_milliseconds() {
        // 2026-12-05 12:00:00 UTC: the same day in every time zone from −11 to +11.
        let seconds = 1_796_472_000i64;
        let day = Timestamp::from_second(seconds)
            .unwrap()
            .to_zoned(TimeZone::system())
            .date();
        assert_eq!(day, date(2026, 12, 5));
        assert_eq!(parse(&seconds.to_string()), Some(day));
        assert_eq!(parse(&(seconds * 1000 + 999).to_string()), Some(day));
        assert_eq!(parse(&format!("{seconds}5")), None);
    }

    #[test]
    fn the_users_day_then_the_calls_then_the_grading_day() {
        let today = date(2026, 12, 6);
        let mut meta = BTreeMap::new();
        meta.insert("Start_Time".to_string(), "2026-12-04 08:00".to_string());
        meta.insert("时间".to_string(), "2026-12-03".to_string());
        let by_meta = Dating { given: None, today };
        assert_eq!(
            by_meta.of(Some(&meta)),
            Dated {
                date: date(2026, 12, 4),
                from: DateFrom::Meta("Start_Time".into())
            }
        );
        assert_eq!(by_meta.of(Some(&meta)).from.to_string(), "meta:Start_Time");
        // An unreadable value under an earlier key gives way to a later key.
        meta.insert("date".to_string(), "昨天".to_string());
        assert_eq!(by_meta.of(Some(&meta)).date, date(2026, 12, 4));
        meta.clear();
        meta.insert("remark".to_string(), "2026-12-01".to_string());
        let graded = by_meta.of(Some(&meta));
        assert_eq!(
            (graded.date, graded.from.to_string()),
            (today, "graded".into())
        );
        assert_eq!(by_meta.of(None).date, today);
        let given = Dating {
            given: Some(date(2026, 11, 30)),
            today,
        };
        meta.insert("date".to_string(), "2026-12-04".to_string());
        let d = given.of(Some(&meta));
        assert_eq!(
            (d.date, d.from.to_string()),
            (date(2026, 11, 30), "given".into())
        );
    }
}
