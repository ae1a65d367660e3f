//! Explain: one graded call → the call view for a terminal.
//!
//! In: a [`Graded`] row and its rule set. Out: text: who and what, the transcript with every
//! quoted hit marked in place (coloured on a terminal, 【】 in plain text so a pipe or a log
//! keeps the marks), each hit under its turn, missing words after the turns they were missing
//! from and timing observations before the turn they measured, then the score rule by rule and,
//! for each rule that did not fire, why in a word (N/A on this channel, no timestamps, the
//! required words were said…). The plain marks and the words for evidence (the turns a reply was
//! missing from, what an overlap or a silence measured) serve the sample's worksheet too.

use std::fmt::Write as _;

use crate::call::Call;
use crate::grade::Graded;
use crate::rule::{seconds, Evidence, Hit, Quote, RuleSet, Shape, Unmet};
/// How marks are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// ANSI colours.
    Color,
    /// 【】 around quoted words, no escape codes.
    Plain,
}

struct Paint {
    style: Style,
}

/// The escape codes, from anstyle (what clap colours its help with) rather than written by hand.
mod look {
    use anstyle::{AnsiColor, Effects, Style};

    pub const DIM: Style = Style::new().effects(Effects::DIMMED);
    pub const BOLD: Style = Style::new().effects(Effects::BOLD);
    pub const LOSS: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
    pub const GAIN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
    pub const ALERT: Style = LOSS.effects(Effects::BOLD);
    pub const DEDUCTED: Style = ALERT;
    pub const REWARDED: Style = GAIN.effects(Effects::BOLD);
    pub const TRIGGER: Style = Style::new()
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
        .effects(Effects::UNDERLINE);
}

impl Paint {
    fn wrap(&self, look: anstyle::Style, text: &str) -> String {
        match self.style {
            Style::Color => format!("{}{text}{}", look.render(), look.render_reset()),
            Style::Plain => text.to_string(),
        }
    }
    fn dim(&self, t: &str) -> String {
        self.wrap(look::DIM, t)
    }
    fn bold(&self, t: &str) -> String {
        self.wrap(look::BOLD, t)
    }
    fn points(&self, p: i32) -> String {
        let text = signed(p);
        match p.signum() {
            -1 => self.wrap(look::LOSS, &text),
            1 => self.wrap(look::GAIN, &text),
            _ => text,
        }
    }
    /// Quoted words in place: red for a deduction, green for a bonus, underlined for the words
    /// that made a missing reply expected.
    fn mark(&self, text: &str, bonus: bool, trigger: bool) -> String {
        match self.style {
            Style::Color => {
                let look = match (bonus, trigger) {
                    (_, true) => look::TRIGGER,
                    (true, false) => look::REWARDED,
                    (false, false) => look::DEDUCTED,
                };
                self.wrap(look, text)
            }
            Style::Plain => format!("【{text}】"),
        }
    }
}

pub(super) fn signed(p: i32) -> String {
    if p > 0 {
        format!("+{p}")
    } else if p < 0 {
        format!("−{}", -p)
    } else {
        "0".into()
    }
}

pub(super) fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// A moment to a tenth of a second (`00:09.3`): an interruption or a silence is a matter of
/// tenths, and two moments in the same second would otherwise read the same.
pub(super) fn clock_tenths(ms: u64) -> String {
    format!("{}.{}", clock(ms), ms % 1000 / 100)
}

/// The whole explanation of `row`.
pub fn render(set: &RuleSet, row: &Graded, style: Style) -> String {
    let p = Paint { style };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}",
        p.bold(&format!("通话 {}", row.call_id)),
        p.dim(&format!("({})", row.source))
    );
    let o = match &row.outcome {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(s, "无法读取: {e}");
            return s;
        }
    };
    let (call, card) = (&o.call, &o.card);
    let mut facts = vec![
        format!(
            "坐席 {}",
            call.agent().unwrap_or(super::stats::UNKNOWN_AGENT)
        ),
        format!("渠道 {}", card.channel.zh()),
    ];
    if let Some(ms) = call.duration_ms {
        facts.push(format!("时长 {}", clock(ms)));
    }
    facts.push(format!("角色 {}", call.roles.describe()));
    let _ = writeln!(s, "{}", p.dim(&facts.join(" · ")));
    let mut line = format!(
        "总分 {} {} · 个人特性 {} · 程序特性 {} · 服务类型 {}",
        p.bold(&card.score.to_string()),
        card.tier,
        card.attitude,
        card.procedure,
        card.service_type
    );
    if card.flagged {
        let _ = write!(
            line,
            " · {}",
            p.wrap(
                look::ALERT,
                &format!("待复核: {}", card.flag_reasons.join("、"))
            )
        );
    }
    let _ = writeln!(s, "{line}\n");

    // Evidence by turn: quoted spans, notes before (timing) and after (missing words).
    let n = call.turns.len();
    let mut spans: Vec<Vec<(usize, usize, bool, bool)>> = vec![Vec::new(); n];
    let mut under: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut before: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut measured: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut after: Vec<Vec<String>> = vec![Vec::new(); n];
    for (i, (hit, &points)) in o.hits.iter().zip(&card.hit_points).enumerate() {
        let rule = &set.rules[hit.rule];
        let mut head = format!("{} {} {}", p.bold(&rule.id), rule.title, p.points(points));
        if let Some(why) = super::uncharged(set, o, i) {
            let _ = write!(head, " {}", p.dim(&format!("({why})")));
        }
        let bonus = points > 0;
        match &hit.evidence {
            Evidence::Said(q) => {
                spans[hit.turn].push((q.start, q.end, bonus, false));
                under[hit.turn].push(format!("{head}  “{}”{}", q.text, resembles(q)));
            }
            Evidence::Missing { quote, first, last } => {
                // The words that made the reply expected are marked; a whole turn quoted
                // because nothing triggered the rule is not (the note says it).
                if is_trigger(hit) {
                    spans[hit.turn].push((quote.start, quote.end, bonus, true));
                }
                // A trigger found by similarity says which example it resembled.
                let trigger = match &quote.similar {
                    Some(_) => format!(";引出它的“{}”{}", quote.text, resembles(quote)),
                    None => String::new(),
                };
                after[missing_note_at(hit, n)].push(format!(
                    "{head}  {}没有说到要求的话{trigger}",
                    turn_range(*first, *last)
                ));
            }
            Evidence::Measured(m) => {
                let mut note = format!("{head}  {}", timing(&hit.evidence));
                if let Some(how) = crate::rule::measure_how(m.measure) {
                    let _ = write!(note, "\n      {}", p.dim(&format!("怎么量: {how}")));
                }
                // After the turn: a measurement of the whole call (or of the end of the
                // recording) is read once its last counted turn is over.
                measured[hit.turn].push(note);
            }
            Evidence::Overlap { .. } | Evidence::Silence { .. } => {
                before[hit.turn].push(format!("{head}  {}", timing(&hit.evidence)));
            }
        }
    }
    let arrow = p.dim("  ↳ ");
    for (i, turn) in call.turns.iter().enumerate() {
        for note in &before[i] {
            let _ = writeln!(s, "{}{note}", p.dim("  ⏱ "));
        }
        let when = turn.begin.map_or_else(|| format!("#{}", i + 1), clock);
        let who = match &turn.speaker {
            Some(sp) => format!("{} {sp}", turn.role.label_zh()),
            None => turn.role.label_zh().to_string(),
        };
        let _ = writeln!(
            s,
            "{} {} {}",
            p.dim(&format!("{when:>5}")),
            p.bold(&who),
            marked(&turn.text, &mut spans[i], &p)
        );
        for note in under[i].iter().chain(&after[i]) {
            let _ = writeln!(s, "{arrow}{note}");
        }
        for note in &measured[i] {
            let _ = writeln!(s, "{}{note}", p.dim("  ⏱ "));
        }
    }

    // The score, rule by rule.
    let scheme = set.scoring.scheme(card.channel);
    let _ = writeln!(s, "\n{}", p.bold("得分"));
    let _ = writeln!(s, "  基础分 {:>31}", scheme.base);
    let mut total = scheme.base;
    let mut fatal = false;
    for (id, count) in &card.hit_counts {
        let Some((index, rule)) = set.rules.iter().enumerate().find(|(_, r)| &r.id == id) else {
            continue;
        };
        let points: i32 = o
            .hits
            .iter()
            .zip(&card.hit_points)
            .filter(|(h, _)| h.rule == index)
            .map(|(_, p)| *p)
            .sum();
        total += points;
        // A fatal hit held for review (the recogniser doubted it) zeroes nothing yet.
        let held = |i: usize| card.held.get(i).copied().unwrap_or(false);
        fatal |= rule.fatal
            && o.hits
                .iter()
                .enumerate()
                .any(|(i, h)| h.rule == index && !held(i));
        let label = format!("{} {} ×{count}", rule.id, rule.title);
        let _ = writeln!(
            s,
            "  {}{} {}{}",
            label,
            " ".repeat(34usize.saturating_sub(display_width(&label))),
            p.points(points),
            p.dim(&skipped_note(set, index, call))
        );
    }
    let why = if fatal {
        " (含致命项,记 0)".to_string()
    } else if total > 100 {
        format!(" ({total} 封顶为 100)")
    } else if total < 0 {
        format!(" ({total} 记为 0)")
    } else {
        String::new()
    };
    let tier_min = scheme
        .tiers
        .iter()
        .find(|(name, _)| *name == card.tier)
        .filter(|(_, min)| *min > 0)
        .map_or(String::new(), |(_, min)| format!(" ≥{min}"));
    let _ = writeln!(
        s,
        "  {} {:>33}  {}{tier_min}{why}",
        p.bold("总分"),
        p.bold(&card.score.to_string()),
        card.tier
    );

    // Why the others did not fire.
    let timed = call.turns.iter().any(|t| t.begin.is_some());
    let quiet: Vec<String> = set
        .rules
        .iter()
        .filter(|r| !card.hit_counts.iter().any(|(id, _)| *id == r.id))
        .map(|r| {
            let index = set.rules.iter().position(|x| x.id == r.id);
            let shape = index.and_then(|i| set.unmet_shape(i, call));
            // Missing data (no timestamps, no recording length) is said as such: the rule could
            // not judge the call, which is not the same as the call passing.
            let lacks = index.and_then(|i| set.lacks(i, call));
            let reason = if card.not_applicable.contains(&r.id) {
                format!("不适用于{}渠道", card.channel.zh())
            } else if let Some(shape) = shape {
                format!("不检查:{shape}")
            } else if let Some(lacks) = lacks {
                format!("无法判断:{lacks}")
            } else {
                match r.shape() {
                    Shape::Said => "没有说到规则里的话".to_string(),
                    Shape::Required => "没有缺少要求的话".to_string(),
                    Shape::Timing if !timed => "转写没有时间戳,无法判断".to_string(),
                    Shape::Timing => "没有超过阈值的抢话或静音".to_string(),
                    Shape::Repeated => "没有照搬前面说过的话".to_string(),
                    Shape::Measured => match index.and_then(|i| set.nearest_reading(i, call)) {
                        Some(m) => format!(
                            "指标没有越过阈值:{} {} (规则:{})",
                            m.name,
                            crate::rule::with_unit(&m.value, m.unit),
                            m.limit
                        ),
                        None => "指标没有越过阈值".to_string(),
                    },
                    Shape::WholeCall => match index.and_then(|i| set.why_not(i, call)) {
                        // What held it back, or what it looked for and did not find.
                        Some(Unmet::Exception { name, found }) => match name {
                            Some(name) => format!("例外成立 ({name}):{}", said(call, &found)),
                            None => format!("例外成立:{}", said(call, &found)),
                        },
                        Some(Unmet::Said(found)) => {
                            format!("说到了要求的话:{}", said(call, &found))
                        }
                        Some(Unmet::NotSaid) => "没有说到规则里的话".to_string(),
                        Some(Unmet::Quiet(other)) => {
                            let other = &set.rules[other];
                            format!("{} {}没有命中", other.id, other.title)
                        }
                        None => "组合条件不成立".to_string(),
                    },
                }
            };
            let label = format!("{} {}", r.id, r.title);
            let skipped = match index {
                Some(i) if !card.not_applicable.contains(&r.id) => skipped_note(set, i, call),
                _ => String::new(),
            };
            format!(
                "  {}{} {}",
                label,
                " ".repeat(34usize.saturating_sub(display_width(&label))),
                p.dim(&format!("{reason}{skipped}"))
            )
        })
        .collect();
    if !quiet.is_empty() {
        let _ = writeln!(s, "\n{}", p.bold("未命中的规则"));
        for line in quiet {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}

/// A piece of evidence in words: where, who, and what was said, missing or measured; a missing
/// reply names what was missing by `title`, when given.
pub(super) fn describe_hit(call: &Call, hit: &Hit, title: Option<&str>) -> String {
    let at = hit.turn + 1;
    let who = call.turns[hit.turn].role.label_zh();
    match &hit.evidence {
        Evidence::Said(q) => format!("第 {at} 轮{who}说了“{}”", q.text),
        Evidence::Missing { quote, first, last } => {
            let mut d = format!("{}没有说到规则要求的话", turn_range(*first, *last));
            if let Some(title) = title {
                let _ = write!(d, " ({title})");
            }
            if is_trigger(hit) {
                let _ = write!(d, ",由第 {at} 轮{who}的“{}”引出", quote.text);
            }
            d
        }
        Evidence::Overlap { .. } => format!("第 {at} 轮{who}{}", timing(&hit.evidence)),
        Evidence::Silence { .. } => format!("第 {at} 轮{who}开口前{}", timing(&hit.evidence)),
        Evidence::Measured(_) => format!("第 {at} 轮{who}: {}", timing(&hit.evidence)),
    }
}

/// Evidence in one line: each piece where and who, the words said; the same turn's pieces one
/// after another (第 4 轮客服说了“…”“…”).
fn said(call: &Call, found: &[Hit]) -> String {
    let mut out = String::new();
    let mut last_turn = None;
    for h in found {
        match (&h.evidence, last_turn) {
            (Evidence::Said(q), Some(t)) if t == h.turn => {
                let _ = write!(out, "“{}”", q.text);
            }
            _ => {
                if !out.is_empty() {
                    out.push(';');
                }
                out.push_str(&describe_hit(call, h, None));
            }
        }
        last_turn = Some(h.turn);
    }
    out
}

/// `(跳过 #9、#11:只说了套话,不算一句)` after a rule whose `skip` passed over turns of the call,
/// so that a reader sees which turn the rule took as the agent's last or first; nothing for
/// the rest.
fn skipped_note(set: &RuleSet, rule: usize, call: &crate::call::Call) -> String {
    let turns = set.skipped_turns(rule, call);
    if turns.is_empty() {
        return String::new();
    }
    let numbers: Vec<String> = turns.iter().map(|t| format!("#{}", t + 1)).collect();
    format!(" (跳过 {}:只说了套话,不算一句)", numbers.join("、"))
}

/// ` 相似于“例句”(0.86)` after words a `similar` term found, ` 听写为“…”,按“…”匹配` after
/// words matched by sound; nothing after other words.
fn resembles(q: &Quote) -> String {
    let mut out = q
        .similar
        .as_ref()
        .map_or(String::new(), |r| format!(" {}", r.describe()));
    if let Some(heard) = q.heard() {
        out.push(' ');
        out.push_str(&heard);
    }
    out
}

/// Whether a missing reply's quote is the words that made it expected (a customer's
/// complaint), rather than a turn where it should have been said.
pub(super) fn is_trigger(hit: &Hit) -> bool {
    match &hit.evidence {
        Evidence::Missing { first, last, .. } => !(*first..=*last).contains(&hit.turn),
        _ => false,
    }
}

/// The turn a missing reply is noted after: the last it was missing from, or the words that
/// made it expected if they came later; within a call of `n` turns.
pub(super) fn missing_note_at(hit: &Hit, n: usize) -> usize {
    let last = match &hit.evidence {
        Evidence::Missing { last, .. } => *last,
        _ => hit.turn,
    };
    last.max(hit.turn).min(n.saturating_sub(1))
}

/// Turns counted from 1: 第 3 轮, 第 3–4 轮.
pub(super) fn turn_range(first: usize, last: usize) -> String {
    if first == last {
        format!("第 {} 轮", first + 1)
    } else {
        format!("第 {}–{} 轮", first + 1, last + 1)
    }
}

/// What a timing observation or a measurement measured, in words (empty for words said or
/// missing).
pub(super) fn timing(evidence: &Evidence) -> String {
    match *evidence {
        Evidence::Overlap { begin_ms, end_ms } => format!(
            "抢话 {} 秒: 对方说到 {},这一轮在 {} 开口",
            seconds(end_ms - begin_ms),
            clock_tenths(end_ms),
            clock_tenths(begin_ms)
        ),
        Evidence::Silence { begin_ms, end_ms } => format!(
            "静音 {} 秒 ({}–{})",
            seconds(end_ms - begin_ms),
            clock_tenths(begin_ms),
            clock_tenths(end_ms)
        ),
        Evidence::Measured(ref m) => match (m.begin_ms, m.end_ms) {
            (Some(begin), Some(end)) => format!(
                "{} ({}–{})",
                m.describe(),
                clock_tenths(begin),
                clock_tenths(end)
            ),
            _ => m.describe(),
        },
        Evidence::Said(_) | Evidence::Missing { .. } => String::new(),
    }
}

/// `text` with the character ranges of `spans` in 【】, overlapping ranges merged.
pub(super) fn bracketed(text: &str, spans: &[(usize, usize)]) -> String {
    let mut spans: Vec<_> = spans.iter().map(|&(s, e)| (s, e, false, false)).collect();
    marked(
        text,
        &mut spans,
        &Paint {
            style: Style::Plain,
        },
    )
}

pub(super) fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` with the character ranges of `spans` marked; overlapping spans are merged.
fn marked(text: &str, spans: &mut [(usize, usize, bool, bool)], p: &Paint) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_by_key(|s| (s.0, s.1));
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16 * spans.len());
    let mut at = 0;
    let mut k = 0;
    while k < spans.len() {
        let (start, mut end, mut bonus, mut trigger) = spans[k];
        let start = start.clamp(at, chars.len());
        k += 1;
        while k < spans.len() && spans[k].0 < end {
            end = end.max(spans[k].1);
            bonus &= spans[k].2;
            trigger &= spans[k].3;
            k += 1;
        }
        let end = end.clamp(start, chars.len());
        out.extend(&chars[at..start]);
        if end > start {
            let piece: String = chars[start..end].iter().collect();
            out.push_str(&p.mark(&piece, bonus, trigger));
        }
        at = end;
    }
    out.extend(&chars[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_marks_merge_and_plain_text_keeps_them() {
        let p = Paint {
            style: Style::Plain,
        };
        let mut spans = vec![
            (4, 6, false, false),
            (0, 2, false, false),
            (1, 3, false, true),
        ];
        assert_eq!(
            marked("今天电话特别多", &mut spans, &p),
            "【今天电】话【特别】多"
        );
        let mut none = vec![];
        assert_eq!(marked("好的", &mut none, &p), "好的");
        let mut past_end = vec![(1, 99, false, false)];
        assert_eq!(marked("好的", &mut past_end, &p), "好【的】");
    }

    #[test]
    fn a_bonus_is_green_and_a_deduction_red_in_place() {
        let set = crate::testing::small_rule_set();
        let call = crate::input::parse_text("客服：您好,不知道。", "c").unwrap();
        let row = Graded {
            source: "c.txt".into(),
            call_id: "c".into(),
            outcome: Ok(crate::grade::grade_call(&set, call)),
        };
        let out = render(&set, &row, Style::Color);
        assert!(out.contains("\x1b[1m\x1b[32m您好\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[1m\x1b[31m不知道\x1b[0m"), "{out:?}");
        let plain = render(&set, &row, Style::Plain);
        assert!(plain.contains("【您好】,【不知道】"), "{plain}");
        assert!(!plain.contains('\x1b'));
    }

    /// A rule that counts the agent's last turns says which turns its `skip` passed over, so a
    /// reader sees why the turn it judged is not the last one on the page.
    /// A rule that is another rule's verdict says that rule did not fire.
    #[test]
    fn a_rule_on_another_rule_names_the_quiet_one() {
        let set = crate::testing::small_rule_set();
        let row = crate::testing::graded(
            &set,
            "c",
            "客服：您好\n客户：好的\n",
            crate::channel::Channel::Phone,
            "",
        );
        let out = render(&set, &row, Style::Plain);
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with("TST002"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.ends_with("TST001 禁语没有命中"), "{out}");
    }

    /// A rule held back by one of its own exceptions says which words held it back.
    #[test]
    fn an_exception_that_holds_a_rule_back_is_quoted() {
        let set = RuleSet::embedded().unwrap();
        let row = crate::testing::graded(
            &set,
            "c",
            "客户：我的订单到哪了\n客服：您好,正在为您查询\n",
            crate::channel::Channel::Chat,
            "",
        );
        let out = render(&set, &row, Style::Plain);
        let cls001 = out
            .lines()
            .find(|l| l.trim_start().starts_with("CLS001"))
            .unwrap_or_else(|| panic!("{out}"));
        // The agent is still looking it up: no closing is due yet.
        assert!(
            cls001.ends_with("例外成立 (在等客户回答):第 2 轮客服说了“正在为您查询”"),
            "{out}"
        );
    }

    /// A named exception is named: the supervisor reads what it is, not only its words.
    #[test]
    fn a_named_exception_is_named() {
        let rule = |name: &str| {
            format!(
                "id = \"TST005\"\ntitle = \"回电\"\nmessage = \"回电\"\ndimension = \"resolution\"\n\
                 points = -3\n[match]\nrole = \"agent\"\nphrases = [\"给您回电\"]\n\
                 [[match.not]]\n{name}role = \"agent\"\nphrases = [\"今天下午\"]\n"
            )
        };
        let text = "客户：什么时候能修好\n客服：今天下午给您回电\n";
        let line = |file: &str| {
            let set = crate::testing::rule_set(&[("t/TST005-callback.toml", file)]);
            let row = crate::testing::graded(&set, "c", text, crate::channel::Channel::Phone, "");
            let out = render(&set, &row, Style::Plain);
            out.lines()
                .find(|l| l.trim_start().starts_with("TST005"))
                .unwrap_or_else(|| panic!("{out}"))
                .to_string()
        };
        let named = line(&rule("name = \"给了时限\"\n"));
        assert!(
            named.ends_with("例外成立 (给了时限):第 2 轮客服说了“今天下午”"),
            "{named}"
        );
        let unnamed = line(&rule(""));
        assert!(
            unnamed.ends_with("例外成立:第 2 轮客服说了“今天下午”"),
            "{unnamed}"
        );
    }

    #[test]
    fn a_rule_names_the_turns_its_skip_passed_over() {
        let set = RuleSet::embedded().unwrap();
        let mut call = crate::input::parse_text(
            "客户：订单什么时候到\n客服：您好,正在为您查询\n客服：这边给您催一下站点,有消息短信告知您\n\
             客户：好的谢谢\n客服：请问还有其他可以帮到您的吗?\n客户：没有了,谢谢\n\
             客服：感谢您对京东的支持,祝您生活愉快,再见!\n",
            "c",
        )
        .unwrap();
        call.channel = crate::channel::Channel::Chat;
        let row = Graded {
            source: "c.txt".into(),
            call_id: "c".into(),
            outcome: Ok(crate::grade::grade_call(&set, call)),
        };
        let out = render(&set, &row, Style::Plain);
        let line = |id: &str| {
            out.lines()
                .find(|l| l.trim_start().starts_with(id))
                .unwrap_or_else(|| panic!("no line for {id}: {out}"))
                .to_string()
        };
        // The thanks are there; what holds RES002 back is the agent leaving it for later, and
        // that is what the line says, with the turns `skip` passed over.
        assert!(
            line("RES002").ends_with(
                "例外成立 (坐席把事情留到以后):第 3 轮客服说了“给您催”“短信告知您” (跳过 #5、#7:只说了套话,不算一句)"
            ),
            "{out}"
        );
        // A rule that requires words, which were said: where (the closings of CLS001).
        assert!(
            line("CLS001").ends_with(
                "说到了要求的话:第 5 轮客服说了“还有其他可以帮”;第 7 轮客服说了“感谢您对京东的支持”“祝您”“生活愉快”“再见”"
            ),
            "{out}"
        );
        // A composition whose words are not there says so (RSK001: no threat to complain).
        assert!(line("RSK001").ends_with("没有说到规则里的话"), "{out}");
        // A rule without `skip`, and one not applicable to the channel, say nothing of it.
        assert!(line("RSP001").ends_with("没有说到规则里的话"), "{out}");
        assert!(line("OPN001").ends_with("不适用于在线渠道"), "{out}");
        // On a channel where the rule does not apply, its skips are not news either.
        let Ok(o) = &row.outcome else { unreachable!() };
        let mut social = o.call.clone();
        social.channel = crate::channel::Channel::Social;
        let row = Graded {
            outcome: Ok(crate::grade::grade_call(&set, social)),
            ..row
        };
        let out = render(&set, &row, Style::Plain);
        let res002 = out
            .lines()
            .find(|l| l.trim_start().starts_with("RES002"))
            .unwrap();
        assert!(res002.ends_with("不适用于社媒渠道"), "{out}");
    }

    /// An insult the recogniser barely heard is held for review: the call is not zeroed, and the
    /// page says why it cost nothing; heard clearly, it zeroes the call.
    #[test]
    fn a_fatal_hit_in_doubt_zeroes_nothing() {
        let set = RuleSet::embedded().unwrap();
        let row = |confidence: f64| {
            let json = serde_json::json!({"id": "c", "turns": [
                {"role": "agent", "text": "您好,工号1024为您服务。"},
                {"role": "customer", "text": "我的宽带怎么又断了"},
                {"role": "agent", "text": "你是白痴吗", "confidence": confidence}]});
            let options = crate::input::ReadOptions::default();
            let mut items =
                crate::input::read_bytes(json.to_string().as_bytes(), "c.json", None, &options);
            let call = items.remove(0).call.unwrap();
            Graded {
                source: "c.json".into(),
                call_id: "c".into(),
                outcome: Ok(crate::grade::grade_call(&set, call)),
            }
        };
        let doubted = render(&set, &row(0.2), Style::Plain);
        assert!(
            doubted.contains("识别置信度 0.2,低于 0.4:待主管复核,不扣分"),
            "{doubted}"
        );
        assert!(!doubted.contains("含致命项"), "{doubted}");
        assert!(doubted.contains("待复核: LNG002、识别存疑"), "{doubted}");
        let heard = render(&set, &row(0.9), Style::Plain);
        assert!(heard.contains("含致命项"), "{heard}");
    }

    #[test]
    fn colours_say_what_a_mark_is() {
        let p = Paint {
            style: Style::Color,
        };
        assert_eq!(p.mark("喂", false, false), "\x1b[1m\x1b[31m喂\x1b[0m");
        assert_eq!(p.mark("好", true, false), "\x1b[1m\x1b[32m好\x1b[0m");
        assert_eq!(p.mark("投诉", false, true), "\x1b[4m\x1b[33m投诉\x1b[0m");
        assert_eq!(p.mark("投诉", true, true), "\x1b[4m\x1b[33m投诉\x1b[0m");
        assert_eq!(p.points(-3), "\x1b[31m−3\x1b[0m");
        assert_eq!(p.points(2), "\x1b[32m+2\x1b[0m");
        assert_eq!(p.points(0), "0");
        assert_eq!(clock(61_500), "01:01");
        assert_eq!(clock_tenths(9_300), "00:09.3");
        assert_eq!(clock_tenths(61_999), "01:01.9");
        assert_eq!(
            timing(&Evidence::Overlap {
                begin_ms: 9_300,
                end_ms: 9_900
            }),
            "抢话 0.6 秒: 对方说到 00:09.9,这一轮在 00:09.3 开口"
        );
        assert_eq!(seconds(1_260), "1.3");
    }
}
