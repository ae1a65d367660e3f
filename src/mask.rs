//! Mask: graded rows → the same rows with the customer's personal numbers masked.
//!
//! In: a [`Graded`] row, after the rules have matched the original words. Out: the same row in
//! which mobile and landline numbers, 18-digit ID numbers, bank-card numbers and e-mail
//! addresses read `138****5678`, in the turns, every evidence quote, the metadata and the error
//! text. Customers read numbers out, so they come in every shape a recogniser writes:
//! `13812345678`, `138 1234 5678`, `+86-138-1234-5678`, `幺三八幺二三四五六七八`,
//! `一三八,一二三四,五六七八`.
//!
//! Every masked character becomes one `*`, so character offsets into a turn (the evidence, the
//! review page's highlights) stay right; only digits are masked, separators stay.
//!
//! What is a number, and why:
//!
//! | kind | what | kept |
//! |---|---|---|
//! | mobile | 11 digits `1[3-9]…`, with or without `+86`/`0086` | first 3, last 4 |
//! | landline | `0` + area code + 7–8 digits (11–12 digits), separated or not | area code, last 4 |
//! | ID number | 18 characters whose ISO 7064 check digit and birth date are valid | first 1, last 1 |
//! | bank card | 16–19 digits passing Luhn, or starting 62 (UnionPay) | last 4 |
//! | e-mail | `name@domain.tld` | first letter, `@domain` |
//!
//! Numbers after 订单号, 单号, 工号, 编号, 流水号 and the like are not personal data (an order
//! number, the agent's 工号) and stay, as do hotline and service numbers (95588, 400-…), which
//! match none of the shapes. Local landlines without an area code (8 digits) are not masked:
//! too many dates and amounts look the same.

use std::borrow::Cow;
use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;

use crate::call::AGENT_META_KEYS;
use crate::grade::Graded;
use crate::input::InputError;
use crate::rule::Evidence;

/// What kind of personal data a masked number was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mobile,
    Landline,
    IdNumber,
    BankCard,
    Email,
}

/// A piece of personal data in a text: character offsets and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Character offsets of the characters to mask, in order.
    masked: Vec<usize>,
}

/// Masks every row, on the current rayon pool.
pub fn mask_rows(rows: &mut [Graded]) {
    rows.par_iter_mut().for_each(mask_row);
}

/// Masks one row: its turns, the quotes of its hits, its metadata (but the agent's name or
/// 工号) and its error.
pub fn mask_row(row: &mut Graded) {
    match &mut row.outcome {
        Ok(o) => {
            let masked: Vec<Option<String>> = o
                .call
                .turns
                .iter()
                .map(|t| match mask(&t.text) {
                    Cow::Owned(m) => Some(m),
                    Cow::Borrowed(_) => None,
                })
                .collect();
            for hit in &mut o.hits {
                let (Evidence::Said(q) | Evidence::Missing { quote: q, .. }) = &mut hit.evidence
                else {
                    continue;
                };
                let Some(Some(turn)) = masked.get(hit.turn) else {
                    continue;
                };
                let original = &o.call.turns[hit.turn].text;
                // A quote is a slice of its turn: the masked turn's slice masks a number the
                // quote only holds part of. A quote that is not (never expected) is masked alone.
                q.text = if slice(original, q.start, q.end) == q.text {
                    slice(turn, q.start, q.end).to_string()
                } else {
                    mask(&q.text).into_owned()
                };
            }
            for (turn, text) in o.call.turns.iter_mut().zip(masked) {
                if let Some(text) = text {
                    turn.text = text;
                }
            }
            for (key, value) in &mut o.call.meta {
                // The agent's keys name the agent, and a call's own day is no one's number.
                if !AGENT_META_KEYS.contains(&key.as_str()) && !crate::day::is_date(key, value) {
                    replace(value);
                }
            }
        }
        Err(e) => mask_error(e),
    }
}

fn replace(text: &mut String) {
    if let Cow::Owned(m) = mask(text) {
        *text = m;
    }
}

/// Error messages quote the input they could not read.
fn mask_error(e: &mut InputError) {
    match e {
        InputError::Io(m) | InputError::Encoding(m) | InputError::Json(m) => replace(m),
        InputError::Format { message, .. }
        | InputError::Line { message, .. }
        | InputError::Turn { message, .. } => replace(message),
        _ => {}
    }
}

/// The characters `start..end` of `text`.
fn slice(text: &str, start: usize, end: usize) -> &str {
    let mut at = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let from = at.nth(start).unwrap_or(text.len());
    let to = if end > start {
        at.nth(end - start - 1).unwrap_or(text.len())
    } else {
        from
    };
    &text[from..to]
}

/// `text` with its personal data masked; borrowed when there was none.
pub fn mask(text: &str) -> Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut chars: Vec<char> = text.chars().collect();
    for f in &found {
        for &at in &f.masked {
            chars[at] = '*';
        }
    }
    Cow::Owned(chars.into_iter().collect())
}

/// Fewer digits than this cannot be a mobile number, the shortest kind.
const FEWEST_DIGITS: usize = 11;

/// The personal data in `text`, in order.
pub fn find(text: &str) -> Vec<Found> {
    let digits = text.chars().filter(|&c| digit(c).is_some()).count();
    let mut found = Vec::new();
    if digits >= FEWEST_DIGITS {
        let chars: Vec<char> = text.chars().collect();
        numbers(&chars, &mut found);
    }
    if text.contains('@') {
        emails(text, &mut found);
        found.sort_by_key(|f| f.start);
    }
    found
}

/// The value of a digit as customers say or type it: ASCII, full width, or spoken (幺 for 1,
/// 两 for 2, and the radio words 洞 拐 勾 some people use for 0, 7, 9).
fn digit(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '０'..='９' => (c as u32 - '０' as u32) as u8,
        '零' | '〇' | '洞' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '兩' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' | '拐' => 7,
        '八' | '捌' => 8,
        '九' | '玖' | '勾' => 9,
        _ => return None,
    })
}

/// What may sit between the groups of one number: spaces, dashes, the commas and dots a
/// recogniser puts where the customer paused, and the brackets around an area code.
fn separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '\u{a0}'
            | '\t'
            | '-'
            | '－'
            | '—'
            | '–'
            | ','
            | '，'
            | '、'
            | '.'
            | '·'
            | ')'
            | '）'
            | '('
            | '（'
    )
}

/// At most this many separators between two groups of one number.
const MAX_GAP: usize = 3;

/// Words after which a number is an order, a waybill or the agent's 工号, not the customer's.
const NOT_PERSONAL: &[&str] = &[
    "订单号码",
    "订单编号",
    "订单号",
    "订单",
    "单号码",
    "单号",
    "工号",
    "编号",
    "流水号",
    "交易号",
    "货号",
    "型号",
    "序列号",
    "批次号",
    "发票号",
    "发票号码",
];

/// A run of digits with no separator inside: character positions and values (10 is an ID
/// number's check character X).
struct Group {
    at: Vec<usize>,
    value: Vec<u8>,
}

fn numbers(chars: &[char], found: &mut Vec<Found>) {
    // Chains of groups joined by short separator runs.
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let mut chain: Vec<Group> = Vec::new();
        let mut chained = 0;
        let mut j = i;
        loop {
            let mut group = Group {
                at: Vec::new(),
                value: Vec::new(),
            };
            while j < chars.len() {
                match digit(chars[j]) {
                    Some(v) => {
                        group.at.push(j);
                        group.value.push(v);
                        j += 1;
                    }
                    None => break,
                }
            }
            // An ID number's last character may be X.
            if chained + group.value.len() >= 17
                && matches!(chars.get(j), Some('X' | 'x' | 'Ｘ'))
                && !chars.get(j + 1).is_some_and(char::is_ascii_alphanumeric)
            {
                group.at.push(j);
                group.value.push(10);
                j += 1;
            }
            chained += group.value.len();
            chain.push(group);
            let gap = chars[j..]
                .iter()
                .take_while(|&&c| separator(c))
                .take(MAX_GAP + 1)
                .count();
            let next = chars[j + gap..]
                .iter()
                .take_while(|&&c| digit(c).is_some())
                .count();
            // Dots join `020.84401778` but not the short groups of an IP address or a version
            // (`14.215.137.138`), which would otherwise read as a mobile number.
            let dots = chars[j..j + gap].iter().all(|&c| matches!(c, '.' | '·'));
            let short = chain.last().is_some_and(|g| g.value.len() < 4) && next < 4;
            if (1..=MAX_GAP).contains(&gap) && next > 0 && !(dots && short) {
                j += gap;
            } else {
                break;
            }
        }
        in_chain(chars, &chain, found);
        i = j.max(i + 1);
    }
}

/// Finds numbers in a chain, each made of whole groups: the longest starting at the earliest
/// group first.
fn in_chain(chars: &[char], chain: &[Group], found: &mut Vec<Found>) {
    let mut first = 0;
    while first < chain.len() {
        let mut best = None;
        let mut value: Vec<u8> = Vec::new();
        let mut at: Vec<usize> = Vec::new();
        for (last, group) in chain.iter().enumerate().skip(first) {
            value.extend(&group.value);
            at.extend(&group.at);
            if value.len() > 19 + 4 {
                break;
            }
            if let Some((kind, masked)) = classify(&value) {
                best = Some((last, kind, masked.map(|k| at[k]).collect::<Vec<_>>()));
            }
        }
        match best {
            Some((last, kind, masked)) => {
                let start = chain[first].at[0];
                let end = *chain[last].at.last().expect("groups are not empty") + 1;
                if stands_alone(chars, start, end) && !after_not_personal(chars, start) {
                    found.push(Found {
                        start,
                        end,
                        kind,
                        masked,
                    });
                }
                first = last + 1;
            }
            None => first += 1,
        }
    }
}

/// A number run into letters is a code (a waybill `SF1234…`, a model), not a phone number.
fn stands_alone(chars: &[char], start: usize, end: usize) -> bool {
    let letter = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    !letter(start.checked_sub(1).and_then(|i| chars.get(i))) && !letter(chars.get(end))
}

/// Whether the words just before `start` name an order number, a waybill or a 工号.
fn after_not_personal(chars: &[char], start: usize) -> bool {
    let before: String = chars[start.saturating_sub(10)..start]
        .iter()
        .rev()
        .skip_while(|&&c| {
            separator(c) || matches!(c, ':' | '：' | '是' | '为' | '#' | '＃' | '+' | '＋')
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    NOT_PERSONAL.iter().any(|w| before.ends_with(w))
}

/// What a digit sequence is, and which of its digits (by index) to mask.
fn classify(d: &[u8]) -> Option<(Kind, std::ops::Range<usize>)> {
    if d.contains(&10) {
        return (d.len() == 18 && id_number(d)).then_some((Kind::IdNumber, 1..17));
    }
    let n = d.len();
    // A mobile, bare or after the country code.
    for prefix in [&[][..], &[8, 6], &[0, 0, 8, 6]] {
        if n == prefix.len() + 11 && d.starts_with(prefix) && mobile(&d[prefix.len()..]) {
            let p = prefix.len();
            return Some((Kind::Mobile, p + 3..p + 7));
        }
    }
    if n == 18 && id_number(d) {
        return Some((Kind::IdNumber, 1..17));
    }
    if (16..=19).contains(&n) && (luhn(d) || d.starts_with(&[6, 2])) {
        return Some((Kind::BankCard, 0..n - 4));
    }
    if (11..=12).contains(&n) && d[0] == 0 && d[1] != 0 {
        // 010 and 02x are the big cities' three-digit codes; the rest have four.
        let area = if matches!(d[1], 1 | 2) { 3 } else { 4 };
        // A mobile dialled with a leading 0 from out of town.
        if n == 12 && mobile(&d[1..]) {
            return Some((Kind::Mobile, 4..8));
        }
        let local = n - area;
        if (7..=8).contains(&local) {
            return Some((Kind::Landline, area..n - 4));
        }
    }
    None
}

fn mobile(d: &[u8]) -> bool {
    d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1])
}

/// GB 11643: 17 digits, a valid birth date at 7–14, and the ISO 7064 MOD 11-2 check character.
fn id_number(d: &[u8]) -> bool {
    if d.len() != 18 || d[..17].contains(&10) || !(1..=8).contains(&d[0]) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |n, &v| n * 10 + v as u32);
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if !(1900..=2099).contains(&year) || !(1..=days).contains(&day) {
        return false;
    }
    id_check(&d[..17]) == d[17]
}

/// The check character of an ID number's first 17 digits (10 stands for X).
fn id_check(d: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(&v, w)| v as u32 * w).sum();
    ((12 - sum % 11) % 11) as u8
}

fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &v)| {
            let v = v as u32;
            match i % 2 {
                0 => v,
                _ if v * 2 > 9 => v * 2 - 9,
                _ => v * 2,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn emails(text: &str, found: &mut Vec<Found>) {
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
            .expect("valid regex")
    });
    for m in EMAIL.find_iter(text) {
        let start = text[..m.start()].chars().count();
        let local = m.as_str().find('@').expect("an e-mail has an @");
        let local_chars = m.as_str()[..local].chars().count();
        let end = start + m.as_str().chars().count();
        found.push(Found {
            start,
            end,
            kind: Kind::Email,
            masked: (start + 1..start + local_chars).collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic ID number with a valid check character: region 110105 (made up for the
    /// test's purpose, any six digits do), a birth date, a sequence number.
    fn id(birth: &str, seq: &str) -> String {
        let body = format!("110105{birth}{seq}");
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        let check = match id_check(&digits) {
            10 => 'X',
            v => char::from(b'0' + v),
        };
        format!("{body}{check}")
    }

    /// A synthetic card number: `prefix` followed by zeros and a Luhn check digit.
    fn card(prefix: &str, len: usize) -> String {
        let mut body: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
        body.resize(len - 1, 0);
        let check = (0..10)
            .find(|c| {
                let mut d = body.clone();
                d.push(*c);
                luhn(&d)
            })
            .unwrap();
        body.push(check);
        body.iter().map(|v| char::from(b'0' + v)).collect()
    }

    fn kinds(text: &str) -> Vec<Kind> {
        find(text).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn mobiles_in_every_shape_a_recogniser_writes() {
        for (said, masked) in [
            ("我的手机号13812345678", "我的手机号138****5678"),
            ("号码是 138 1234 5678 谢谢", "号码是 138 **** 5678 谢谢"),
            ("138-1234-5678", "138-****-5678"),
            ("+86 13812345678", "+86 138****5678"),
            ("+86-138-1234-5678。", "+86-138-****-5678。"),
            ("008613812345678", "0086138****5678"),
            ("幺三八幺二三四五六七八", "幺三八****五六七八"),
            ("幺三九洞洞零〇拐拐勾勾", "幺三九****拐拐勾勾"),
            ("壹叁捌贰肆伍陆柒捌玖零", "壹叁捌****柒捌玖零"),
            ("一三八,一二三四,五六七八", "一三八,****,五六七八"),
            ("１３８１２３４５６７８", "１３８****５６７８"),
            ("138.1234.5678", "138.****.5678"),
            (
                "电话13812345678和13987654321",
                "电话138****5678和139****4321",
            ),
            ("外地手机要加零:013812345678", "外地手机要加零:0138****5678"),
        ] {
            assert_eq!(mask(said), masked, "{said}");
            assert!(kinds(said).iter().all(|k| *k == Kind::Mobile), "{said}");
        }
    }

    #[test]
    fn landlines_keep_the_area_code() {
        assert_eq!(mask("座机010-12345678"), "座机010-****5678");
        assert_eq!(mask("(0755)1234567"), "(0755)***4567");
        assert_eq!(mask("02112345678"), "021****5678");
        assert_eq!(kinds("0755-12345678"), [Kind::Landline]);
    }

    #[test]
    fn id_numbers_need_their_check_character_and_a_real_birth_date() {
        let good = id("19900307", "123");
        let masked = mask(&format!("身份证{good}")).into_owned();
        assert_eq!(masked.chars().filter(|&c| c == '*').count(), 16);
        assert!(masked.starts_with("身份证1****"));
        assert!(masked.ends_with(good.chars().last().unwrap()));
        // One with an X, as some are.
        let x = (0..1000)
            .map(|n| id("19851231", &format!("{n:03}")))
            .find(|s| s.ends_with('X'))
            .unwrap();
        assert_eq!(kinds(&x), [Kind::IdNumber]);
        assert_eq!(kinds(&x.to_lowercase()), [Kind::IdNumber]);
        // A wrong check character, or the 30th of February, is some other number.
        let mut wrong: Vec<char> = good.chars().collect();
        wrong[17] = if wrong[17] == '1' { '2' } else { '1' };
        let wrong: String = wrong.into_iter().collect();
        assert!(!kinds(&wrong).contains(&Kind::IdNumber));
        assert!(!kinds(&id("19900230", "123")).contains(&Kind::IdNumber));
        // Spoken and split like the rest.
        let spoken: String = good[..6]
            .chars()
            .chain(" ".chars())
            .chain(good[6..].chars())
            .collect();
        assert_eq!(kinds(&spoken), [Kind::IdNumber]);
    }

    #[test]
    fn bank_cards_by_luhn_or_unionpay_prefix() {
        let visa = card("4", 16);
        assert_eq!(mask(&visa), format!("{}{}", "*".repeat(12), &visa[12..]));
        let unionpay = card("621700", 19);
        let spaced = format!(
            "{} {} {} {} {}",
            &unionpay[..4],
            &unionpay[4..8],
            &unionpay[8..12],
            &unionpay[12..16],
            &unionpay[16..]
        );
        assert_eq!(kinds(&spaced), [Kind::BankCard]);
        let last_four = format!("{} {}", &unionpay[15..16], &unionpay[16..]);
        assert!(mask(&spaced).ends_with(&last_four), "{}", mask(&spaced));
        // 16 digits that fail Luhn and do not start 62: a transaction or tracking number.
        let mut other = card("4", 16).into_bytes();
        other[15] = if other[15] == b'9' {
            b'0'
        } else {
            other[15] + 1
        };
        assert!(find(std::str::from_utf8(&other).unwrap()).is_empty());
    }

    #[test]
    fn e_mail_keeps_its_first_letter_and_domain() {
        assert_eq!(
            mask("发到zhang.wei88@example.com谢谢"),
            format!("发到z{}@example.com谢谢", "*".repeat(10))
        );
        // A Weibo mention is not an address.
        assert!(find("@12315消费者维权 @中国电信客服").is_empty());
    }

    #[test]
    fn order_numbers_hotlines_and_the_agents_number_stay() {
        for text in [
            "订单号13812345678请核实",
            "您的运单号:13812345678",
            "工号13812345678为您服务",
            "订单编号 6217000000000000000",
            "请拨打95588或400-820-8820",
            "请拨打10086",
            "SF13812345678",
            "2023-12-01 13:45 已付款 1234.56 元",
            "20231201",
            "一二三四五六七八九十",
            "包丢在14.215.137.138这一跳",
            "版本 1.3.8.1234.5678",
            "QQ：2544125814",
        ] {
            assert_eq!(mask(text), text, "{text}");
        }
        // 订单 earlier in the sentence does not protect the phone number after it.
        assert_eq!(
            mask("订单上留的电话是13812345678"),
            "订单上留的电话是138****5678"
        );
    }

    #[test]
    fn masking_keeps_every_offset() {
        let text = "幺三八 幺二三四 五六七八,邮箱ab@qq.com";
        let masked = mask(text);
        assert_eq!(masked.chars().count(), text.chars().count());
        for (a, b) in text.chars().zip(masked.chars()) {
            assert!(a == b || b == '*');
        }
    }

    #[test]
    fn a_graded_row_is_masked_everywhere_but_the_agents_number() {
        use crate::grade::{grade_call, Graded};
        use crate::input::parse_text;
        let rules = crate::testing::rule_set(&[(
            "t/TST009-digits.toml",
            "id = \"TST009\"\ntitle = \"号码\"\nmessage = \"号码\"\ndimension = \"language\"\n\
             points = -1\n[match]\nphrases = [\"三四五六\"]\n",
        )]);
        let text = "# agent: 13912345678\n# 来电号码: 13800138000\n\
                    客服：您好,工号13912345678为您服务。\n\
                    客户：我的号码是幺三八幺二三四五六七八。\n";
        let call = parse_text(text, "c").unwrap();
        let mut row = Graded {
            source: "c.txt".into(),
            call_id: "c".into(),
            outcome: Ok(grade_call(&rules, call)),
        };
        mask_row(&mut row);
        let o = row.outcome.as_ref().unwrap();
        assert_eq!(o.call.turns[0].text, "您好,工号13912345678为您服务。");
        assert_eq!(o.call.turns[1].text, "我的号码是幺三八****五六七八。");
        assert_eq!(o.call.meta["来电号码"], "138****8000");
        assert_eq!(o.call.agent(), Some("13912345678"));
        // The rule read the original words; its quote, a piece of the number, is masked with
        // the turn, at the same offsets.
        let q = o.hits[0].quote().unwrap();
        assert_eq!((q.start, q.end, q.text.as_str()), (10, 14, "**五六"));

        let mut broken = Graded {
            source: "b.jsonl#2".into(),
            call_id: "b".into(),
            outcome: Err(InputError::Line {
                line: 2,
                message: "无法解析: 13800138000".into(),
            }),
        };
        mask_row(&mut broken);
        assert_eq!(
            broken.outcome.unwrap_err().to_string(),
            "第 2 行: 无法解析: 138****8000"
        );
        let mut json = Graded {
            source: "b.json".into(),
            call_id: "b".into(),
            outcome: Err(InputError::Json(
                "第 1 行第 9 列: \"13800138000\" 后面缺少逗号".into(),
            )),
        };
        mask_row(&mut json);
        assert!(json
            .outcome
            .unwrap_err()
            .to_string()
            .contains("138****8000"));
    }

    #[test]
    fn slice_counts_characters() {
        assert_eq!(slice("您好一三八", 2, 5), "一三八");
        assert_eq!(slice("您好", 0, 0), "");
        assert_eq!(slice("您好", 1, 9), "好");
    }
}
