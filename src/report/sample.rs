//! The sample's forms: a [`Sample`] → the worksheet a reader works through, and a verdicts.csv
//! with a row for every piece of evidence drawn and its verdict left blank.
//!
//! The worksheet (人工抽检单) stands alone, for a reader who did not write the rules: how the
//! sample was drawn, then for each item its rule's own definition (its `message` and the first
//! paragraph of its `rationale`), the whole dialogue with turn numbers and 客服/客户, the evidence
//! marked 【like this】 where it was said (a missing reply noted after the turns it was missing
//! from, a measured overlap or silence before the turn it measured), and for each piece of
//! evidence a line to fill: `判定: 确认 / 误判 / 存疑   理由:`. A whole call also lists every
//! rule (so the reader knows what each looks for) and leaves room for the misses. Plain text,
//! wrapped to 78 columns with Chinese counted double, the same bytes for the same sample.
//!
//! The CSV has the review page's header ([`HEADER`]), cells and fingerprint, so a hit judged
//! here and in the page is one key to `zhijian precision`.

use std::fmt::Write as _;

use super::explain::{
    bracketed, clock, describe_hit, display_width, is_trigger, missing_note_at, signed, timing,
    turn_range,
};
use super::{uncharged, UNKNOWN_AGENT, UTF8_BOM};
use crate::grade::Outcome;
use crate::rule::{Evidence, Hit, Rule, RuleSet};
use crate::sample::{Item, Sample};
use crate::verdict::{cell, span, transcript_fingerprint, HEADER};

/// Columns of the worksheet, Chinese characters counting two.
const WIDTH: usize = 78;

/// Columns `text` takes at most: punctuation of ambiguous width (“” … · −) counts two, as a
/// Chinese editor may draw it. Lines are wrapped by this, so they fit wherever they are read.
fn wide(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width_cjk(text)
}

/// The worksheet's first line, by which it is known as a report (and never read as a call).
pub const WORKSHEET_TITLE: &str = "人工抽检单 / Sample for review";

/// What a reader fills in for each piece of evidence.
pub const JUDGE: &str = "判定: 确认 / 误判 / 存疑   理由:";

/// The strata as a table: each with its candidates and the items drawn, and a note where there
/// were fewer than asked.
pub fn strata(sample: &Sample) -> String {
    let unit = unit(sample);
    let label = "抽样层 / Stratum";
    let w = sample
        .strata
        .iter()
        .map(|s| display_width(&s.label))
        .chain([display_width(label)])
        .max()
        .unwrap_or(0);
    let mut s = format!("  {}  候选  抽出\n", pad(label, w));
    for st in &sample.strata {
        let _ = write!(
            s,
            "  {}  {:>4}  {:>4}",
            pad(&st.label, w),
            st.candidates,
            st.drawn
        );
        if st.candidates == 0 {
            s.push_str("  没有可抽的");
        } else if st.candidates < sample.plan.n {
            let _ = write!(s, "  不足 {} {unit},全部抽出", sample.plan.n);
        }
        s.push('\n');
    }
    s
}

/// `项` for rule firings, `通` for whole calls.
fn unit(sample: &Sample) -> &'static str {
    if sample.plan.per.whole_calls() {
        "通"
    } else {
        "项"
    }
}

/// `text` padded with spaces to `width` columns.
fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(display_width(text)))
    )
}

/// The whole worksheet.
pub fn worksheet(set: &RuleSet, sample: &Sample, masked: bool) -> String {
    let mut s = String::with_capacity(4096 + 2048 * sample.items.len());
    head(&mut s, set, sample, masked);
    for (k, item) in sample.items.iter().enumerate() {
        self::item(&mut s, set, sample, k + 1, item);
    }
    if sample.items.is_empty() {
        s.push_str("\n没有抽到任何一项:没有符合条件的候选。\n");
    }
    s
}

fn head(s: &mut String, set: &RuleSet, sample: &Sample, masked: bool) {
    let plan = &sample.plan;
    let unit = unit(sample);
    s.push_str(WORKSHEET_TITLE);
    s.push_str("\n\n");
    wrap(
        s,
        "",
        "  ",
        &format!(
            "抽样: {} (--per {}),每层随机抽 {} {unit} (不足的全部抽出),种子 {}",
            plan.per.zh(),
            plan.per.name(),
            plan.n,
            plan.seed
        ),
    );
    if !plan.rules.is_empty() {
        let ids: Vec<&str> = plan
            .rules
            .iter()
            .map(|&r| set.rules[r].id.as_str())
            .collect();
        wrap(s, "", "  ", &format!("只抽规则: {}", ids.join("、")));
    }
    if !plan.channels.is_empty() {
        let names: Vec<&str> = plan.channels.iter().map(|c| c.zh()).collect();
        wrap(s, "", "  ", &format!("只抽渠道: {}", names.join("、")));
    }
    let _ = writeln!(s, "规则版本: {}", set.version);
    s.push_str(if masked {
        "个人信息: 已遮盖 (客户的号码显示为 138****5678)\n"
    } else {
        "个人信息: 未遮盖 (--no-mask),仅限内部使用\n"
    });
    if plan.per.whole_calls() {
        let _ = writeln!(s, "共 {} 通电话\n", sample.calls.len());
    } else {
        let _ = writeln!(
            s,
            "共 {} 项,来自 {} 通电话\n",
            sample.items.len(),
            sample.calls.len()
        );
    }
    s.push_str(&strata(sample));
    s.push_str("\n怎么判 / How to judge\n");
    if plan.per.whole_calls() {
        wrap(
            s,
            "  ",
            "  ",
            "每一项是随机抽出的一整通电话,列出规则在这通电话上的全部命中。先给每处命中圈一个结论,\
             理由写一句;再通读对话,把没有任何规则抓到的违规 (漏检) 写在“漏检”下面:第几轮、\
             属于哪条规则 (或规则里没有的问题)、理由。后面的规则一览说明每条规则查什么。",
        );
    } else {
        wrap(
            s,
            "  ",
            "  ",
            "每一项是一条规则在一通电话上的命中,列出这条规则在这通电话上的全部证据。先读规则说明,\
             再读整段对话 (【】里是证据所在的原话),然后给每处证据圈一个结论,理由写一句。",
        );
    }
    s.push_str(
        "    确认  规则说得对 (right)\n\
         \x20   误判  不该命中 (wrong: the rule should not have fired here)\n\
         \x20   存疑  两可,说得出两边的理由 (debatable)\n",
    );
    wrap(
        s,
        "  ",
        "  ",
        "结论可以填进 --verdicts 写出的 CSV 的 verdict 列 (每处证据一行,按轮次和原话对应),\
         再用 zhijian precision 统计每条规则的准确率。",
    );
    if plan.per.whole_calls() {
        s.push_str("\n规则一览 / Rules\n");
        for rule in &set.rules {
            let channels = if rule.channels.is_empty() {
                "全部渠道".to_string()
            } else {
                let names: Vec<&str> = rule.channels.iter().map(|c| c.zh()).collect();
                names.join("、")
            };
            wrap(
                s,
                "  ",
                "      ",
                &format!(
                    "{} {} · {} · 适用: {channels}",
                    rule.id,
                    rule.title,
                    kind(rule)
                ),
            );
            wrap(s, "      ", "      ", &rule.message);
        }
    }
}

/// Deduction, bonus or flag, and what else a hit of the rule does.
fn kind(rule: &Rule) -> String {
    let mut s = match rule.points.signum() {
        _ if rule.fatal => "一票否决,总分记 0 (fatal)".to_string(),
        -1 => format!("扣分 {} (deduction)", signed(rule.points)),
        1 => format!("加分 {} (bonus)", signed(rule.points)),
        _ => "标记,不计分 (flag)".to_string(),
    };
    if rule.review {
        s.push_str(" · 需复核");
    }
    s
}

fn item(s: &mut String, set: &RuleSet, sample: &Sample, number: usize, item: &Item) {
    let row = &sample.calls[item.call];
    let Ok(o) = &row.outcome else { return };
    s.push('\n');
    s.push_str(&"=".repeat(WIDTH));
    s.push('\n');
    let title = match item.rule {
        Some(r) => format!(
            "{} {} · {}",
            set.rules[r].id,
            set.rules[r].title,
            kind(&set.rules[r])
        ),
        None => format!("整通电话 / whole call · 命中 {} 处", item.hits.len()),
    };
    wrap(
        s,
        "",
        "    ",
        &format!("第 {number} 项 / Item {number} · {title}"),
    );
    wrap(
        s,
        "",
        "    ",
        &format!("通话 {} · 来源 {}", row.call_id, row.source),
    );
    wrap(
        s,
        "",
        "    ",
        &format!(
            "渠道 {} · 坐席 {} · 得分 {} {} · 抽样层 {}",
            o.card.channel.zh(),
            o.call.agent().unwrap_or(UNKNOWN_AGENT),
            o.card.score,
            o.card.tier,
            sample.strata[item.stratum].label
        ),
    );
    if let Some(r) = item.rule {
        let rule = &set.rules[r];
        s.push('\n');
        wrap(s, "规则说明: ", "          ", &rule.message);
        let why = rule.rationale.as_deref().map(first_paragraph);
        for (k, line) in why.iter().flatten().enumerate() {
            let first = if k == 0 {
                "规则依据: "
            } else {
                "          "
            };
            let rest = if line.starts_with("- ") {
                "            "
            } else {
                "          "
            };
            wrap(s, first, rest, line);
        }
    }
    s.push('\n');
    dialogue(s, set, o, item);
    s.push('\n');
    s.push_str(if item.rule.is_some() {
        "证据与判定 / Evidence and verdict\n"
    } else {
        "命中与判定 / Hits and verdicts\n"
    });
    for (k, &i) in item.hits.iter().enumerate() {
        let hit = &o.hits[i];
        let rule = &set.rules[hit.rule];
        // A composition's evidence is another rule's: its own title would mislead. A whole
        // call's line starts with the rule.
        let what = if item.rule.is_none() {
            format!(
                "{} {}: {}",
                rule.id,
                rule.title,
                describe_hit(&o.call, hit, None)
            )
        } else if rule.judges_whole_call() {
            describe_hit(&o.call, hit, None)
        } else {
            describe_hit(&o.call, hit, Some(&rule.title))
        };
        wrap(
            s,
            &format!("  [{}] ", k + 1),
            "      ",
            &format!("{what} · {}", cost(set, o, i)),
        );
        let _ = writeln!(s, "      {JUDGE}");
    }
    if item.rule.is_none() {
        if item.hits.is_empty() {
            s.push_str("  (没有规则命中这通电话)\n");
        }
        s.push_str("\n漏检 / Misses (没有规则抓到的违规;没有就写“无”)\n");
        for _ in 0..3 {
            s.push_str("  - 第    轮   规则或问题:                    理由:\n");
        }
    }
}

/// The transcript, every turn, with the item's evidence marked and numbered.
fn dialogue(s: &mut String, set: &RuleSet, o: &Outcome, item: &Item) {
    let turns = &o.call.turns;
    let n = turns.len();
    let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut before: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut after: Vec<Vec<String>> = vec![Vec::new(); n];
    for (k, &i) in item.hits.iter().enumerate() {
        let hit = &o.hits[i];
        let tag = if item.rule.is_some() {
            format!("[{}]", k + 1)
        } else {
            format!("[{}] {}", k + 1, set.rules[hit.rule].id)
        };
        match &hit.evidence {
            Evidence::Said(q) => {
                spans[hit.turn].push((q.start, q.end));
                after[hit.turn].push(format!("{tag} “{}”", q.text));
            }
            Evidence::Missing { quote, first, last } => {
                let range = turn_range(*first, *last);
                if is_trigger(hit) {
                    spans[hit.turn].push((quote.start, quote.end));
                    after[hit.turn].push(format!("{tag} “{}”: 此后{range}应当回应", quote.text));
                }
                after[missing_note_at(hit, n)].push(format!("{tag} {range}没有说到规则要求的话"));
            }
            Evidence::Overlap { .. } | Evidence::Silence { .. } | Evidence::Measured(_) => {
                before[hit.turn].push(format!("{tag} {}", timing(&hit.evidence)));
            }
        }
    }
    let _ = writeln!(
        s,
        "对话 / Dialogue (共 {n} 轮;【】里是证据所在的原话,[n] 是下面的证据编号)"
    );
    for (t, turn) in turns.iter().enumerate() {
        for note in &before[t] {
            wrap(s, "        ⏱ ", "          ", note);
        }
        let when = turn
            .begin
            .map_or(String::new(), |ms| format!(" {}", clock(ms)));
        let head = format!("{:>4} {}{when} ", t + 1, turn.role.label_zh());
        let text: String = bracketed(&turn.text, &spans[t])
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        wrap(s, &head, &" ".repeat(wide(&head)), &text);
        for note in &after[t] {
            wrap(s, "        ↳ ", "          ", note);
        }
    }
}

/// What hit `i` of `o` counted for: its points, or why it counted none.
fn cost(set: &RuleSet, o: &Outcome, i: usize) -> String {
    let rule = &set.rules[o.hits[i].rule];
    if o.card.held.get(i).copied().unwrap_or(false) {
        uncharged(set, o, i).unwrap_or_default()
    } else if rule.fatal {
        "一票否决".into()
    } else if rule.points == 0 {
        "不计分".into()
    } else {
        uncharged(set, o, i).unwrap_or_else(|| format!("{} 分", signed(o.card.hit_points[i])))
    }
}

/// The first paragraph of a rule's rationale, a line per sentence run or list item: the
/// file's other line breaks are only for the editor (joined without a space between Chinese
/// characters, with one between words).
fn first_paragraph(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text
        .trim_start()
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
    {
        match out.last_mut() {
            Some(last) if !line.starts_with("- ") => {
                if last.ends_with(|c: char| c.is_ascii_alphanumeric())
                    && line.starts_with(|c: char| c.is_ascii_alphanumeric())
                {
                    last.push(' ');
                }
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// Appends `text` wrapped to [`WIDTH`] columns: the first line after `first`, the others after
/// `rest`. Lines break between Chinese characters, or between words; a closing punctuation mark
/// stays at the end of its line even if it sticks out.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut line = first.to_string();
    let mut width = wide(first);
    let mut empty = true;
    let mut push = |line: &mut String, width: &mut usize, empty: &mut bool| {
        out.push_str(line.trim_end());
        out.push('\n');
        *line = rest.to_string();
        *width = wide(rest);
        *empty = true;
    };
    for token in tokens(text) {
        let closing = token.starts_with(|c: char| "，。、；：？！,.;:?!）)】」』》”’".contains(c));
        if !empty && width + wide(token) > WIDTH && !closing {
            push(&mut line, &mut width, &mut empty);
            if token == " " {
                continue;
            }
        }
        // Character by character: what fits goes on whole, and what is longer than a whole line
        // (a URL, a long number) is cut where it must be.
        for c in token.chars() {
            let w = wide(c.encode_utf8(&mut [0; 4]));
            if !empty && width + w > WIDTH && !closing {
                push(&mut line, &mut width, &mut empty);
            }
            line.push(c);
            width += w;
            empty = false;
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The pieces a line may break between: a run of ASCII letters, digits and marks (a word, a
/// number), or any other single character.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let word = |from: &str| match from.chars().next() {
            Some(c) if c.is_ascii_graphic() => from
                .find(|c: char| !c.is_ascii_graphic())
                .unwrap_or(from.len()),
            Some(c) => c.len_utf8(),
            None => 0,
        };
        let mut len = word(rest);
        // An opening mark goes with what it opens, never alone at the end of a line.
        if len == c.len_utf8()
            && "“‘（【「『《([".contains(c)
            && rest[len..].starts_with(|next: char| !next.is_whitespace())
        {
            len += word(&rest[len..]);
        }
        let (token, after) = rest.split_at(len);
        rest = after;
        Some(token)
    })
}

/// The verdicts.csv of the sample: the review page's header, one row per piece of evidence in
/// the order of the worksheet, `verdict`, `reviewer` and `comment` empty. A UTF-8 BOM and CRLF
/// line ends, as the page writes it, so Excel opens it as UTF-8.
pub fn verdicts(set: &RuleSet, sample: &Sample) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(UTF8_BOM.to_vec());
    let _ = w.write_record(HEADER);
    for item in &sample.items {
        let row = &sample.calls[item.call];
        let Ok(o) = &row.outcome else { continue };
        let print = transcript_fingerprint(&o.call.turns);
        for &i in &item.hits {
            let hit = &o.hits[i];
            let rule = &set.rules[hit.rule];
            let (start, end) = span(&hit.evidence);
            let _ = w.write_record([
                cell(&row.call_id).as_ref(),
                &cell(&row.source),
                &cell(&rule.id),
                &hit.turn.to_string(),
                &start.to_string(),
                &end.to_string(),
                "",
                "",
                "",
                &cell(&set.version),
                hit.evidence.kind(),
                &cell(&rule.title),
                &cell(&hit.words().unwrap_or_default()),
                &cell(&context(o, hit)),
                o.card.channel.name(),
                &print,
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The call a verdict is made on, as the review page quotes it (`contextLines` in review.js):
/// whole, one `客服：…` line a turn, because a hit is often wrong for what the call says
/// elsewhere (a later 好了能用了, an earlier deadline), and an excerpt cut before it would make
/// `zhijian precision --suggest` propose an example no fix can pass. A call of more than
/// [`CONTEXT_MAX_TURNS`] keeps that many turns from a few before the evidence.
fn context(o: &Outcome, hit: &Hit) -> String {
    let first = match hit.evidence {
        Evidence::Missing { first, .. } => first.min(hit.turn),
        _ => hit.turn,
    };
    let turns = &o.call.turns;
    let from = if turns.len() <= CONTEXT_MAX_TURNS {
        0
    } else {
        first.saturating_sub(6)
    };
    turns[from..turns.len().min(from + CONTEXT_MAX_TURNS)]
        .iter()
        .map(|t| {
            let text: Vec<&str> = t
                .text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            format!("{}：{}", t.role.label_zh(), text.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The longest context a verdict carries, in turns (`CONTEXT_MAX_TURNS` in review.js).
const CONTEXT_MAX_TURNS: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::grade::Graded;
    use crate::rule::Quote;
    use crate::sample::{Per, Plan, Sampler};
    use crate::testing::{graded, small_rule_set};

    fn wrapped(first: &str, rest: &str, text: &str) -> String {
        let mut s = String::new();
        wrap(&mut s, first, rest, text);
        s
    }

    #[test]
    fn lines_break_between_characters_and_words_within_the_width() {
        let one = "一".repeat(39);
        assert_eq!(wide(&one), WIDTH);
        assert_eq!(wrapped("", "  ", &one), format!("{one}\n"));
        assert_eq!(
            wrapped("", "  ", &format!("{one}二")),
            format!("{one}\n  二\n")
        );
        assert_eq!(
            wrapped("> ", "  ", &format!("{one}二")),
            format!("> {}\n  一二\n", "一".repeat(38)),
            "the first line's prefix counts"
        );
        // Closing marks stay on their line; opening ones go with what they open.
        assert_eq!(
            wrapped("", "  ", &format!("{one}。好")),
            format!("{one}。\n  好\n")
        );
        let most = "一".repeat(38);
        assert_eq!(
            wrapped("", "  ", &format!("{most}“二”")),
            format!("{most}\n  “二”\n")
        );
        // A word moves whole, and the space before it is not carried over.
        let short = "一".repeat(37);
        assert_eq!(
            wrapped("", "  ", &format!("{short} hello")),
            format!("{short}\n  hello\n")
        );
        // What is longer than a line is cut where it must be.
        let long = "a".repeat(100);
        assert_eq!(
            wrapped("", "", &long),
            format!("{}\n{}\n", "a".repeat(78), "a".repeat(22))
        );
        assert_eq!(wrapped("前: ", "    ", ""), "前:\n");
        // Cut to what is left after a wide indent, on the first line and the next.
        let indent = " ".repeat(50);
        assert_eq!(
            wrapped(&indent, &indent, &"a".repeat(40)),
            format!("{indent}{}\n{indent}{}\n", "a".repeat(28), "a".repeat(12))
        );
        // A closing mark after a long word still hangs rather than starting a line.
        assert_eq!(
            wrapped("", "", &format!("{}。", "a".repeat(78))),
            format!("{}。\n", "a".repeat(78))
        );
    }

    #[test]
    fn tokens_are_words_single_characters_and_opened_marks() {
        let t: Vec<&str> = tokens("ab c“中”(points = 0) (中 “ x").collect();
        assert_eq!(
            t,
            [
                "ab", " ", "c", "“中", "”", "(points", " ", "=", " ", "0)", " ", "(中", " ", "“",
                " ", "x"
            ]
        );
    }

    #[test]
    fn the_first_paragraph_keeps_list_items_on_their_own_lines() {
        let text = "\n  第一行\n第二行 end\nmore text\n- 列表\n  接着\n- 二\n\n第二段\n";
        assert_eq!(
            first_paragraph(text),
            ["第一行第二行 end more text", "- 列表接着", "- 二"]
        );
        assert_eq!(first_paragraph("中\nabc\n9\n中"), ["中abc 9中"]);
        assert!(first_paragraph("").is_empty());
    }

    fn fatal_set() -> RuleSet {
        crate::testing::rule_set(&[(
            "t/TST009-fatal.toml",
            "id = \"TST009\"\ntitle = \"骂人\"\nmessage = \"骂人\"\ndimension = \"attitude\"\n\
             points = 0\nfatal = true\n[match]\nrole = \"agent\"\nphrases = [\"笨蛋\"]\n",
        )])
    }

    #[test]
    fn each_rule_says_what_a_hit_costs() {
        let set = small_rule_set();
        let rule = |id: &str| set.rule(id).unwrap();
        assert_eq!(kind(rule("TST001")), "扣分 −3 (deduction)");
        assert_eq!(kind(rule("TST002")), "扣分 −4 (deduction) · 需复核");
        assert_eq!(kind(rule("TST003")), "加分 +2 (bonus)");
        assert_eq!(kind(rule("TST004")), "标记,不计分 (flag)");
        let row = crate::testing::graded(
            &set,
            "c",
            "客服：您好,不知道。\n客户：啊?\n客服：不知道,真不知道。\n客服：不知道。投诉。\n",
            Channel::Phone,
            "",
        );
        let o = row.outcome.as_ref().unwrap();
        let costs: Vec<(&str, String)> = (0..o.hits.len())
            .map(|i| (set.rules[o.hits[i].rule].id.as_str(), cost(&set, o, i)))
            .collect();
        let whole = "整通只计一次,这一处不再计分";
        assert_eq!(
            costs,
            [
                ("TST001", "−3 分".into()),
                ("TST001", "−3 分".into()),
                ("TST001", "同一句已按 TST001 扣分,不重复扣".into()),
                ("TST001", "超出每通 2 次的上限,不计分".into()),
                ("TST002", "−4 分".into()),
                ("TST002", whole.into()),
                ("TST002", whole.into()),
                ("TST002", whole.into()),
                ("TST003", "+2 分".into()),
                ("TST004", "不计分".into()),
            ]
        );
        let fatal = fatal_set();
        let rule = fatal.rule("TST009").unwrap();
        assert_eq!(kind(rule), "一票否决,总分记 0 (fatal)");
        let row = crate::testing::graded(&fatal, "f", "客服：笨蛋。\n", Channel::Phone, "");
        assert_eq!(cost(&fatal, row.outcome.as_ref().unwrap(), 0), "一票否决");
    }

    /// A sample of `rows` drawn by `per`, eight a stratum.
    fn sample_of(set: &RuleSet, per: Per, rows: Vec<Graded>) -> Sample {
        let mut s = Sampler::new(
            set,
            Plan {
                per,
                n: 8,
                seed: 1,
                rules: Vec::new(),
                channels: Vec::new(),
            },
        );
        s.add(rows);
        s.finish()
    }

    const WHOLE: &str = "客服：您好。\n客户：我要投诉。\n客服：不知道。\n客户：啊?";

    fn quote(start: usize, end: usize, text: &str) -> Quote {
        Quote {
            start,
            end,
            text: text.into(),
            similar: None,
            sounds_like: None,
        }
    }

    #[test]
    fn a_long_call_keeps_forty_turns_from_a_few_before_the_evidence() {
        let set = small_rule_set();
        let text: String = (0..50)
            .map(|i| {
                if i % 2 == 0 {
                    format!("客服：第{i}句\n")
                } else {
                    format!("客户：第{i}句\n")
                }
            })
            .collect();
        let row = graded(&set, "long", &text, Channel::Phone, "");
        let o = row.outcome.as_ref().unwrap();
        let at = |turn| Hit {
            rule: 0,
            turn,
            evidence: Evidence::Said(quote(0, 1, "第")),
        };
        let lines = |c: String| c.lines().map(str::to_string).collect::<Vec<_>>();
        let late = lines(context(o, &at(20)));
        assert_eq!(
            late.len(),
            36,
            "from six turns before the evidence to the end"
        );
        assert_eq!(late[0], "客服：第14句");
        assert_eq!(late[35], "客户：第49句");
        let early = lines(context(o, &at(3)));
        assert_eq!((early[0].as_str(), early.len()), ("客服：第0句", 40));
        // A missing phrase is judged over the turns it was looked for in: the window opens a few
        // turns before the first of them, not before the turn the hit is reported on.
        let missing = Hit {
            rule: 0,
            turn: 45,
            evidence: Evidence::Missing {
                quote: quote(0, 1, "第"),
                first: 30,
                last: 45,
            },
        };
        assert_eq!(lines(context(o, &missing))[0], "客服：第24句");
    }

    #[test]
    fn evidence_of_every_kind_in_words_and_in_context() {
        let set = small_rule_set();
        let row = graded(
            &set,
            "c",
            "客服：您好。\n客户：我要投诉。\n客服：不知道。\n客户：啊?\n",
            Channel::Phone,
            "",
        );
        let o = row.outcome.as_ref().unwrap();
        let tst001 = set.rules.iter().position(|r| r.id == "TST001").unwrap();
        let hit = |turn, evidence| Hit {
            rule: tst001,
            turn,
            evidence,
        };
        let title = Some("禁语");
        let said = hit(2, Evidence::Said(quote(0, 3, "不知道")));
        assert_eq!(
            describe_hit(&o.call, &said, title),
            "第 3 轮客服说了“不知道”"
        );
        // The whole call, whatever the evidence: what made a hit wrong may be anywhere in it.
        assert_eq!(context(o, &said), WHOLE);
        let first = hit(0, Evidence::Said(quote(0, 2, "您好")));
        assert_eq!(context(o, &first), WHOLE);
        let triggered = hit(
            1,
            Evidence::Missing {
                quote: quote(2, 4, "投诉"),
                first: 2,
                last: 3,
            },
        );
        assert_eq!(
            describe_hit(&o.call, &triggered, title),
            "第 3–4 轮没有说到规则要求的话 (禁语),由第 2 轮客户的“投诉”引出"
        );
        assert_eq!(context(o, &triggered), WHOLE);
        let whole_turn = hit(
            2,
            Evidence::Missing {
                quote: quote(0, 4, "不知道。"),
                first: 2,
                last: 2,
            },
        );
        assert_eq!(
            describe_hit(&o.call, &whole_turn, title),
            "第 3 轮没有说到规则要求的话 (禁语)"
        );
        assert_eq!(
            describe_hit(&o.call, &whole_turn, None),
            "第 3 轮没有说到规则要求的话"
        );
        let overlap = hit(
            2,
            Evidence::Overlap {
                begin_ms: 11_000,
                end_ms: 12_200,
            },
        );
        assert_eq!(
            describe_hit(&o.call, &overlap, title),
            "第 3 轮客服抢话 1.2 秒: 对方说到 00:12.2,这一轮在 00:11.0 开口"
        );
        let silence = hit(
            2,
            Evidence::Silence {
                begin_ms: 10_000,
                end_ms: 23_000,
            },
        );
        assert_eq!(
            describe_hit(&o.call, &silence, title),
            "第 3 轮客服开口前静音 13.0 秒 (00:10.0–00:23.0)"
        );
        assert_eq!(context(o, &silence), WHOLE);
        // A range said to run past the last turn is cut there.
        let past = hit(
            2,
            Evidence::Missing {
                quote: quote(0, 4, "不知道。"),
                first: 2,
                last: 9,
            },
        );
        assert_eq!(context(o, &past), WHOLE);

        // In the dialogue: words marked where said, the missing reply after its turns, the
        // measurement before the turn it measured.
        let mut with = row.clone();
        let oo = with.outcome.as_mut().unwrap();
        oo.hits = vec![said, triggered, overlap];
        oo.card.hit_points = vec![-3, -3, 0];
        let item = Item {
            stratum: 0,
            call: 0,
            rule: Some(tst001),
            hits: vec![0, 1, 2],
        };
        // A line break inside a turn (JSON text may have one) is a space in the worksheet.
        with.outcome.as_mut().unwrap().call.turns[3].text = "啊?\n什么\r意思".into();
        let mut s = String::new();
        dialogue(&mut s, &set, with.outcome.as_ref().unwrap(), &item);
        assert_eq!(
            s,
            "对话 / Dialogue (共 4 轮;【】里是证据所在的原话,[n] 是下面的证据编号)\n   \
             1 客服 您好。\n   \
             2 客户 我要【投诉】。\n        \
             ↳ [2] “投诉”: 此后第 3–4 轮应当回应\n        \
             ⏱ [3] 抢话 1.2 秒: 对方说到 00:12.2,这一轮在 00:11.0 开口\n   \
             3 客服 【不知道】。\n        \
             ↳ [1] “不知道”\n   \
             4 客户 啊? 什么 意思\n        \
             ↳ [2] 第 3–4 轮没有说到规则要求的话\n"
        );
    }

    #[test]
    fn the_worksheet_and_the_csv_of_a_small_sample() {
        let set = small_rule_set();
        let rows = vec![
            graded(
                &set,
                "=c1",
                "客服：您好,不知道。\n客户：我要投诉。\n",
                Channel::Chat,
                "张敏",
            ),
            graded(&set, "c2", "客服：好的。\n", Channel::Phone, ""),
        ];
        let sample = sample_of(&set, Per::Rule, rows.clone());
        let sheet = worksheet(&set, &sample, true);
        assert!(sheet.starts_with(
            "人工抽检单 / Sample for review\n\n\
             抽样: 每条规则 (--per rule),每层随机抽 8 项 (不足的全部抽出),种子 1\n"
        ));
        assert!(sheet.contains("共 4 项,来自 1 通电话\n"), "{sheet}");
        assert!(
            sheet.contains("  TST001 禁语          1     1  不足 8 项,全部抽出\n"),
            "{sheet}"
        );
        assert_eq!(sheet.matches(JUDGE).count(), 4);
        assert!(sheet.contains(
            "第 1 项 / Item 1 · TST001 禁语 · 扣分 −3 (deduction)\n\
             通话 =c1 · 来源 =c1.txt\n\
             渠道 在线 · 坐席 张敏 · 得分 "
        ));
        assert!(
            sheet.contains("\n规则说明: 禁语\n\n对话 / Dialogue"),
            "{sheet}"
        );
        assert!(!sheet.contains("漏检"), "misses belong to whole calls");

        let csv = verdicts(&set, &sample);
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next().unwrap(),
            format!("\u{feff}{}", HEADER.join(","))
        );
        let print = transcript_fingerprint(&rows[0].outcome.as_ref().unwrap().call.turns);
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "'=c1,'=c1.txt,TST001,0,3,6,,,,{},said,禁语,不知道,\"客服：您好,不知道。\n客户：我要投诉。\",chat,{print}",
                set.version
            )
        );
        assert_eq!(csv.matches("\r\n").count(), 5, "{csv}");

        // A whole call: every hit, every rule listed, room for misses; a call without hits too.
        let sample = sample_of(&set, Per::Call, rows);
        let sheet = worksheet(&set, &sample, true);
        assert!(
            sheet.contains("\n规则一览 / Rules\n  TST001 禁语 · 扣分 −3 (deduction) · 适用: 全部渠道\n      禁语\n"),
            "{sheet}"
        );
        assert_eq!(sheet.matches("\n漏检 / Misses").count(), 2);
        assert!(
            sheet.contains("命中与判定 / Hits and verdicts\n  (没有规则命中这通电话)\n"),
            "{sheet}"
        );
        assert!(
            sheet.contains("  [1] TST001 禁语: 第 1 轮客服说了“不知道” · −3 分\n"),
            "{sheet}"
        );
        assert!(sheet.contains("        ↳ [1] TST001 “不知道”\n"), "{sheet}");
        assert!(sheet.contains("\n共 2 通电话\n"), "{sheet}");
        assert!(
            sheet.contains("  全部通话             2     2  不足 8 通,全部抽出\n"),
            "{sheet}"
        );

        let empty = sample_of(&set, Per::Channel, Vec::new());
        let sheet = worksheet(&set, &empty, true);
        assert!(sheet.contains("\n个人信息: 已遮盖"), "{sheet}");
        let unmasked = worksheet(&set, &empty, false);
        assert!(
            unmasked.contains("\n个人信息: 未遮盖 (--no-mask)"),
            "{unmasked}"
        );
        assert!(
            sheet.ends_with("\n没有抽到任何一项:没有符合条件的候选。\n"),
            "{sheet}"
        );
        assert_eq!(
            verdicts(&set, &empty),
            format!("\u{feff}{}\r\n", HEADER.join(","))
        );
    }

    #[test]
    fn filters_are_named_and_an_empty_stratum_says_so() {
        let set = small_rule_set();
        let mut s = Sampler::new(
            &set,
            Plan {
                per: Per::Rule,
                n: 1,
                seed: 1,
                rules: vec![0, 3],
                channels: vec![Channel::Chat, Channel::Social],
            },
        );
        s.add(vec![graded(
            &set,
            "c",
            "客服：不知道。\n",
            Channel::Chat,
            "",
        )]);
        let sample = s.finish();
        let sheet = worksheet(&set, &sample, true);
        assert!(
            sheet.contains("只抽规则: TST001、TST004\n只抽渠道: 在线、社媒\n规则版本: "),
            "{sheet}"
        );
        let table = strata(&sample);
        assert_eq!(
            table,
            "  抽样层 / Stratum  候选  抽出\n  \
             TST001 禁语          1     1\n  \
             TST004 记录          0     0  没有可抽的\n"
        );
    }
}
