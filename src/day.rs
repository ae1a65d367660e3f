//! Day: a call → the day it belongs to, so that batches graded over weeks can be put in order.
//!
//! In: the day the user gave for the batch (`zhijian grade --date`), the call's metadata, and the
//! day it was graded. Out: a [`Dated`] day and where it came from, which every results JSONL line
//! records (`date`, `date_from`) and `zhijian trend` groups by.
//!
//! The order is the user's word first (a batch of yesterday's recordings graded this morning),
//! then the call's own date as its platform wrote it (`start_time`, `通话时间`, …), then the
//! grading day. A metadata value without a zone is taken as written (`2026-12-05 23:50` is the
//! 5th), because a platform writes the day its call centre lives in. An instant — a Unix
//! timestamp, or a time with its offset (`2026-12-04T23:30:00Z`) — is a day only in a zone: the
//! one [`Dating::zone`] names, which the command line sets to `TZ` when the user set it and to
//! Beijing time otherwise. The servers that grade Chinese call centres' recordings often run on
//! UTC, and a call at 07:30 Beijing time is not of the day before.
//!
//! A metadata date that cannot be the call's — unreadable, before 2000, or after tomorrow — is
//! not used, and [`Dating::unusable`] names it, so that the run can say why those calls fell
//! back to the grading day.

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
pub struct Dating<'z> {
    /// The day the user gave for the whole batch.
    pub given: Option<Date>,
    /// The day of grading: the caller's clock, which the library never reads itself.
    pub today: Date,
    /// The zone a bare Unix timestamp is read in.
    pub zone: &'z TimeZone,
}

/// Beijing time, UTC+8 all year: the zone of a timestamp when the user named none.
pub static BEIJING: TimeZone = TimeZone::fixed(jiff::tz::offset(8));

impl Dating<'_> {
    /// The day of a call with `meta` (`None` for a call that could not be read).
    pub fn of(&self, meta: Option<&BTreeMap<String, String>>) -> Dated {
        if let Some(date) = self.given {
            return Dated {
                date,
                from: DateFrom::Given,
            };
        }
        if let Some((key, date)) = meta.and_then(|m| self.from_meta(m)) {
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

impl Dating<'_> {
    /// The first of [`DATE_META_KEYS`] whose value reads as a day that can be the call's, and
    /// the day.
    pub fn from_meta<'m>(&self, meta: &'m BTreeMap<String, String>) -> Option<(&'m str, Date)> {
        date_values(meta).find_map(|(key, value)| {
            // A day after tomorrow is a typo or a clock gone wrong; tomorrow is a call just
            // after midnight graded by a machine a zone behind.
            parse(value, self.zone)
                .filter(|d| *d <= self.today.tomorrow().unwrap_or(self.today))
                .map(|d| (key, d))
        })
    }

    /// When no metadata date can be the call's but some key holds one: the first such key and
    /// its value, for a message (`time: 11/09/2026`, `date: 2099-12-31`).
    pub fn unusable<'m>(&self, meta: &'m BTreeMap<String, String>) -> Option<(&'m str, &'m str)> {
        if self.from_meta(meta).is_some() {
            return None;
        }
        date_values(meta).find(|(_, v)| !v.trim().is_empty())
    }
}

/// The metadata's values under [`DATE_META_KEYS`], in their order.
fn date_values(meta: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    DATE_META_KEYS.iter().flat_map(move |want| {
        meta.iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(want))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    })
}

/// Whether `value` under `key` is a call's day, which masking leaves alone.
pub fn is_date(key: &str, value: &str) -> bool {
    // Only a value that is a date and time and nothing else: `20261205 13800001234` or
    // `2026-12-05 回拨13800001234` hold a number too, and are masked like any other value.
    // Digit runs of a date and time are at most 6 long (`143000`), or 8 (`20261205`), 14
    // (`20261205143000`), or a timestamp's 10 or 13; a phone number is 7 or more.
    static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[0-9\s\-/.:+TZ年月日号时点分秒]|[A-Za-z]{3},?)*$").unwrap()
    });
    let value = value.trim();
    let runs_fit = value
        .split(|c: char| !c.is_ascii_digit())
        .all(|run| matches!(run.len(), 0..=6 | 8 | 14) || run.len() == value.len());
    DATE_TIME.is_match(value)
        && runs_fit
        && DATE_META_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k))
        && parse(value, &TimeZone::UTC).is_some()
}

/// A day in the ways platforms write one: `2026-12-05`, `2026/12/5`, `2026.12.05`,
/// `2026年12月5日`, any of these followed by a time, `20261205` (also followed by a time, as in
/// `20261205143000`), e-mail style `Sat, 5 Dec 2026 14:30:00 +0800`, and Unix timestamps in
/// seconds or milliseconds (with a fraction or not), which are read in `zone`. Years outside
/// 2000–2099 are taken for something else. Day-first and month-first forms (`05/12/2026`) are
/// not read: which is which cannot be told.
pub fn parse(value: &str, zone: &TimeZone) -> Option<Date> {
    static SEPARATED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:[^\d]|$)").unwrap()
    });
    let value = value.trim();
    let ymd = |y: &str, m: &str, d: &str| -> Option<Date> {
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
    };
    let date = if let Ok(at) = value.parse::<Timestamp>() {
        // A time with its offset (RFC 3339): an instant, a day in `zone`.
        at.to_zoned(zone.clone()).date()
    } else if let Some(c) = SEPARATED.captures(value) {
        ymd(&c[1], &c[2], &c[3])?
    } else if let Ok(z) = jiff::fmt::rfc2822::parse(value) {
        z.timestamp().to_zoned(zone.clone()).date()
    } else {
        let digits = value.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &value[digits..];
        // A timestamp may carry a fraction of a second.
        let fraction = rest
            .strip_prefix('.')
            .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
        match digits {
            // 20261205, 20261205 14:30:00, 20261205143000
            8 | 14 if rest.is_empty() || digits == 8 && rest.starts_with([' ', 'T']) => {
                ymd(&value[0..4], &value[4..6], &value[6..8])?
            }
            10 | 13 if rest.is_empty() || fraction => {
                let n: i64 = value[..digits].parse().ok()?;
                let at = if digits == 10 {
                    Timestamp::from_second(n)
                } else {
                    Timestamp::from_millisecond(n)
                }
                .ok()?;
                at.to_zoned(zone.clone()).date()
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

    fn day(v: &str) -> Option<Date> {
        parse(v, &BEIJING)
    }

    #[test]
    fn days_in_the_ways_platforms_write_them() {
        let d = Some(date(2026, 12, 5));
        for v in [
            "2026-12-05",
            "2026-12-05 14:30:00",
            "2026-12-05T23:50:00+08:00",
            "2026-12-04T23:30:00Z",
            "2026-12-05T15:59:59Z",
            "2026/12/5 9:05",
            "2026.12.05",
            "2026年12月5日 下午2点",
            "2026 年 12 月 5 日",
            " 20261205 ",
            "20261205 14:30:00",
            "20261205T143000",
            "20261205143000",
            "Sat, 5 Dec 2026 14:30:00 +0800",
            "Fri, 04 Dec 2026 23:30:00 +0000",
        ] {
            assert_eq!(day(v), d, "{v}");
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
            "05/12/2026 10:00",
            "2026120",
            "202612051",
            "20261205x",
            "2026-12-051",
            "13800001234",
            "00:03:15",
            "1796472000.",
            "1796472000.5x",
            "1796472000,5",
        ] {
            assert_eq!(day(v), None, "{v}");
        }
    }

    #[test]
    fn unix_timestamps_are_read_in_the_zone_given() {
        // 2026-12-04 23:30 UTC is 07:30 on the 5th in Beijing.
        let seconds = 1_796_427_000i64;
        assert_eq!(
            Timestamp::from_second(seconds).unwrap().to_string(),
            "2026-12-04T23:30:00Z"
        );
        assert_eq!(day(&seconds.to_string()), Some(date(2026, 12, 5)));
        assert_eq!(
            parse(&seconds.to_string(), &TimeZone::UTC),
            Some(date(2026, 12, 4))
        );
        assert_eq!(
            day(&(seconds * 1000 + 999).to_string()),
            Some(date(2026, 12, 5))
        );
        assert_eq!(day(&format!("{seconds}.25")), Some(date(2026, 12, 5)));
        assert_eq!(
            day(&format!("{}.125", seconds * 1000)),
            Some(date(2026, 12, 5))
        );
        assert_eq!(day(&format!("{seconds}5")), None);
    }

    fn dating(given: Option<Date>) -> Dating<'static> {
        Dating {
            given,
            today: date(2026, 12, 6),
            zone: &BEIJING,
        }
    }

    #[test]
    fn the_users_day_then_the_calls_then_the_grading_day() {
        let today = date(2026, 12, 6);
        let mut meta = BTreeMap::new();
        meta.insert("Start_Time".to_string(), "2026-12-04 08:00".to_string());
        meta.insert("时间".to_string(), "2026-12-03".to_string());
        let by_meta = dating(None);
        assert_eq!(
            by_meta.of(Some(&meta)),
            Dated {
                date: date(2026, 12, 4),
                from: DateFrom::Meta("Start_Time".into())
            }
        );
        assert_eq!(by_meta.of(Some(&meta)).from.to_string(), "meta:Start_Time");
        assert_eq!(by_meta.unusable(&meta), None);
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
        assert_eq!(by_meta.unusable(&meta), None);
        assert_eq!(by_meta.of(None).date, today);
        let given = dating(Some(date(2026, 11, 30)));
        meta.insert("date".to_string(), "2026-12-04".to_string());
        let d = given.of(Some(&meta));
        assert_eq!(
            (d.date, d.from.to_string()),
            (date(2026, 11, 30), "given".into())
        );
    }

    #[test]
    fn a_day_that_cannot_be_the_calls_falls_back_and_is_named() {
        let d = dating(None);
        let mut meta = BTreeMap::new();
        // Tomorrow is a call just after midnight; the day after is a typo.
        meta.insert("date".to_string(), "2026-12-07".to_string());
        assert_eq!(d.of(Some(&meta)).date, date(2026, 12, 7));
        meta.insert("date".to_string(), "2026-12-08".to_string());
        assert_eq!(d.of(Some(&meta)).from, DateFrom::Graded);
        assert_eq!(d.unusable(&meta), Some(("date", "2026-12-08")));
        meta.insert("date".to_string(), "11/09/2026 10:00".to_string());
        meta.insert("TIME".to_string(), " ".to_string());
        assert_eq!(d.unusable(&meta), Some(("date", "11/09/2026 10:00")));
        meta.remove("date");
        assert_eq!(d.unusable(&meta), None);
    }

    #[test]
    fn only_a_date_under_a_date_key_is_one() {
        for v in [
            "2026-12-05 10:00:00",
            "2026-12-05T10:00:00.123+08:00",
            "2026年12月5日 10点30分",
            "20261205143000",
            "20261205 143000",
            "1796427000",
            "1796427000123",
            "Sat, 5 Dec 2026 14:30:00 +0800",
        ] {
            assert!(is_date("Call_Time", v), "{v}");
        }
        assert!(!is_date("备注", "2026-12-05"));
        for v in [
            "13800001234",
            "20261205 13800001234",
            "2026-12-05 10:00 回拨13800001234",
            "2026-12-05 0755-1234567",
        ] {
            assert!(!is_date("date", v), "{v}");
        }
    }
}
