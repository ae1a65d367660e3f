//! The trend report: a [`Trend`] → a self-contained HTML page of charts and tables, or a workbook.
//!
//! In: the figures `crate::trend` summed up over the periods. Out: the page or the workbook, on
//! any [`Write`]. The page has no script at all: its charts are inline SVG drawn here, each with
//! the table of the numbers behind it, and its Content-Security-Policy forbids anything to load,
//! so it opens offline from a mail attachment as the review page does. Points carry a `<title>`,
//! the browser's own tooltip. The workbook holds the same tables, one sheet each, with Excel's
//! own charts over the period sheet.
//!
//! The order of both is what a QA lead looks at on Monday: what moved most since the period
//! before, then the distribution of scores, the tiers, the flagged share, each agent, each rule.

use std::fmt::Write as _;
use std::io::{self, Write};

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};

use super::html::{escape, GENERATOR};
use super::xlsx::{dress, formats, workbook, xlsx_error};
use super::Output;
use crate::trend::{AgentRow, Period, PeriodStats, RuleRow, Trend};

/// The page's second meta tag, right after the generator's: how `input::own_reports` tells a
/// trend page from a review page.
pub const TREND_MARK: &str = "<meta name=\"zhijian-report\" content=\"trend\">";

/// What the page says about the files it was made from.
#[derive(Debug, Clone, Copy)]
pub struct Made<'a> {
    /// The results files, in the order given.
    pub files: &'a [String],
}

const CSS: &str = include_str!("html/trend.css");

/// The colours of the tiers from the highest down; a scheme with more tiers repeats the last.
const TIER_COLOURS: [&str; 4] = ["#1a7f37", "#4d9a2a", "#bf8700", "#cf222e"];
/// Lines of the rule chart: Okabe–Ito, told apart by colour-blind readers too.
const SERIES: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];
/// Rules drawn in the rule chart: the most frequent; the table has them all.
const CHART_RULES: usize = 6;
/// Period columns in the agent and rule tables: more scroll off a screen.
const TABLE_PERIODS: usize = 12;
/// Periods a chart can draw legibly; past this the page suggests a longer period.
pub const LEGIBLE_PERIODS: usize = 60;

/// The longer period to suggest when there are more than [`LEGIBLE_PERIODS`]; none past months.
pub fn longer(period: Period) -> Option<&'static str> {
    match period {
        Period::Day => Some("week"),
        Period::Week => Some("month"),
        Period::Month => None,
    }
}

/// Writes the page.
pub fn html(trend: &Trend, made: Made<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024);
    let t = trend;
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n{GENERATOR}\n{TREND_MARK}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <title>质检趋势 {} 至 {} · zhijian</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        t.first, t.last
    );
    let _ = write!(
        page,
        "<header>\n<h1>质检趋势 <small>zhijian trend</small></h1>\n<p class=\"meta\">{} 至 {} · 按{}汇总,{} 期 · {} 通{}</p>\n\
         <nav><a href=\"#movers\">变化最大</a><a href=\"#scores\">得分分布</a><a href=\"#tiers\">档位占比</a>\
         <a href=\"#flags\">复核标记</a><a href=\"#agents\">坐席</a><a href=\"#rules\">规则</a></nav>\n</header>\n<main>\n",
        t.first,
        t.last,
        t.period.zh(),
        t.periods.len(),
        thousands(t.calls()),
        errors_note(t.periods.iter().map(|p| p.errors).sum()),
    );
    if t.sources.graded > 0 {
        let _ = writeln!(
            page,
            "<p class=\"warn\">{} 通没有可用的日期,按质检当天计 (见页末“数据来源”);补录的旧录音请在质检时用 <code>--date</code> 标明日期。</p>",
            thousands(t.sources.graded)
        );
    }
    if let Some(by) = longer(t.period).filter(|_| t.periods.len() > LEGIBLE_PERIODS) {
        let _ = writeln!(
            page,
            "<p class=\"warn\">{} 期太多,图上难以分辨;可用 <code>--by {by}</code> 按更长的周期汇总。</p>",
            t.periods.len(),
        );
    }
    movers(&mut page, t);
    scores(&mut page, t);
    tiers(&mut page, t);
    flags(&mut page, t);
    agents(&mut page, t);
    rules(&mut page, t);
    footer(&mut page, t, made);
    page.push_str("</main>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

fn errors_note(errors: usize) -> String {
    if errors == 0 {
        String::new()
    } else {
        format!(",其中 {} 通无法读取", thousands(errors))
    }
}

/// `12,345`: counts as the other reports print them.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".into(), |s| format!("{:.1}%", s * 100.0))
}

fn mean(m: Option<f64>) -> String {
    m.map_or_else(|| "—".into(), |m| format!("{m:.1}"))
}

/// A quantile: a whole score as it is (`97`), one between two scores with its fraction (`98.5`).
fn score(q: Option<f64>) -> String {
    match q {
        None => "—".into(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{}", (v * 100.0).round() / 100.0),
    }
}

/// A change, signed, with an arrow and the class that colours it: `good` when it is the
/// direction a QA lead wants (`up_is_good` for scores, not for deductions or flags). A change
/// that rests on too few calls (`solid` false) is grey and has no arrow: a call more or less
/// would move it.
fn change(delta: Option<f64>, unit: &str, scale: f64, up_is_good: bool, solid: bool) -> String {
    let Some(d) = delta else {
        return "<td class=\"num\">—</td>".into();
    };
    let v = d * scale;
    if v.abs() < 0.05 {
        return format!("<td class=\"num\">±0{unit}</td>");
    }
    let (arrow, sign) = if v > 0.0 {
        ("▲", "+")
    } else {
        ("▼", "−")
    };
    if !solid {
        return format!(
            "<td class=\"num muted\" title=\"通话太少,变化仅供参考\">{sign}{:.1}{unit}</td>",
            v.abs()
        );
    }
    let class = if (v > 0.0) == up_is_good {
        "good"
    } else {
        "bad"
    };
    format!(
        "<td class=\"num {class}\">{arrow} {sign}{:.1}{unit}</td>",
        v.abs()
    )
}

/// The short name of a period on a chart's axis: `12-05`, `W49`, `2026-12`.
fn tick(period: Period, p: &PeriodStats) -> String {
    match period {
        Period::Day => format!("{:02}-{:02}", p.start.month(), p.start.day()),
        Period::Week => p.label.rsplit('-').next().unwrap_or(&p.label).to_string(),
        Period::Month => p.label.clone(),
    }
}

/// The periods the agent and rule tables have a column for: the latest [`TABLE_PERIODS`]; the
/// sparkline beside them draws all, and the workbook has all.
fn shown(t: &Trend) -> std::ops::Range<usize> {
    t.periods.len().saturating_sub(TABLE_PERIODS)..t.periods.len()
}

fn period_header(t: &Trend) -> String {
    t.periods[shown(t)]
        .iter()
        .map(|p| {
            format!(
                "<th class=\"num\" title=\"{}\">{}</th>",
                escape(&p.covers),
                escape(&p.label)
            )
        })
        .collect()
}

fn movers(page: &mut String, t: &Trend) {
    page.push_str("<section id=\"movers\">\n<h2>变化最大</h2>\n");
    let latest = t.periods.last().expect("a trend has a period");
    let Some(before) = t.before.map(|i| &t.periods[i]) else {
        let _ = writeln!(
            page,
            "<p class=\"muted\">只有一期有通话 ({}),还没有可比较的变化;给两期以上的结果,这里列出变化最大的坐席和规则。</p>\n</section>",
            escape(&latest.label)
        );
        return;
    };
    let _ = writeln!(
        page,
        "<p class=\"muted\">{} 对比 {}。坐席两期各至少 {} 通、规则两期各至少适用 {} 通才列入,以免一两通电话就显得大起大落。</p>\n<div class=\"pair\">",
        escape(&latest.label),
        escape(&before.label),
        crate::trend::MOVER_CALLS,
        crate::trend::MOVER_APPLICABLE
    );
    let agents = t.agent_movers();
    page.push_str("<div><h3>坐席平均分</h3>");
    if agents.is_empty() {
        page.push_str("<p class=\"muted\">没有两期通话都足够的坐席。</p>");
    } else {
        page.push_str("<table><thead><tr><th>坐席</th><th class=\"num\">上期</th><th class=\"num\">本期</th><th class=\"num\">变化</th><th class=\"num\">本期通话</th></tr></thead><tbody>\n");
        for a in agents {
            let Some((b, l)) = a.compared() else {
                continue;
            };
            let _ = writeln!(
                page,
                "<tr><td><a href=\"#agent-{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}<td class=\"num\">{}</td></tr>",
                anchor(&a.name),
                escape(&a.name),
                mean(b.mean()),
                mean(l.mean()),
                change(a.change(), "", 1.0, true, true),
                l.calls
            );
        }
        page.push_str("</tbody></table>");
    }
    page.push_str("</div>\n<div><h3>规则触发率</h3>");
    let rules = t.rule_movers();
    if rules.is_empty() {
        page.push_str("<p class=\"muted\">没有触发率变化的规则 (或两期适用的通话不够)。</p>");
    } else {
        page.push_str("<table><thead><tr><th>规则</th><th class=\"num\">上期</th><th class=\"num\">本期</th><th class=\"num\">变化</th></tr></thead><tbody>\n");
        for r in rules {
            let Some((b, l)) = r.compared() else {
                continue;
            };
            let _ = writeln!(
                page,
                "<tr><td><a href=\"#rule-{}\">{}</a> {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>",
                anchor(&r.id),
                escape(&r.id),
                escape(&r.title),
                percent(b.share()),
                percent(l.share()),
                change(r.change(), " 个百分点", 100.0, r.bonus, true)
            );
        }
        page.push_str("</tbody></table>");
    }
    page.push_str("</div>\n</div>\n</section>\n");
}

/// An id fragment for any name: its bytes in hex, so every agent and rule has a unique, valid one.
fn anchor(name: &str) -> String {
    name.bytes().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The plot area of every chart, in SVG user units.
const W: f64 = 760.0;
const H: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The x of the middle of period `i` of `n`, and the width of one period's band.
fn band(i: usize, n: usize) -> (f64, f64) {
    let width = (W - LEFT - RIGHT) / n as f64;
    (LEFT + width * (i as f64 + 0.5), width)
}

/// A chart's frame: horizontal grid lines at `ticks` (values mapped by `y`, labelled by
/// `label`), and the periods' names under the x axis, thinned so that they do not overlap.
fn frame(
    svg: &mut String,
    t: &Trend,
    ticks: &[f64],
    y: &dyn Fn(f64) -> f64,
    label: &dyn Fn(f64) -> String,
) {
    for &v in ticks {
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"ytick\" x=\"{}\" y=\"{:.1}\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            label(v),
            y = y(v)
        );
    }
    let n = t.periods.len();
    // About 60 units per label: 11 labels fit across.
    let every = n.div_ceil(((W - LEFT - RIGHT) / 60.0) as usize).max(1);
    for (i, p) in t.periods.iter().enumerate() {
        // Counted back from the latest, which is always named.
        if !(n - 1 - i).is_multiple_of(every) {
            continue;
        }
        // A label is centred under its period, but never past the chart's edges: with many
        // periods the first and last sit a few units from them.
        let (x, _) = band(i, n);
        let x = x.clamp(LEFT + 20.0, W - 20.0);
        let _ = writeln!(
            svg,
            "<text class=\"xtick\" x=\"{x:.1}\" y=\"{}\">{}</text>",
            H - 8.0,
            escape(&tick(t.period, p))
        );
    }
}

fn svg_open(label: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        escape(label)
    )
}

fn scores(page: &mut String, t: &Trend) {
    page.push_str("<section id=\"scores\">\n<h2>得分分布</h2>\n<p class=\"muted\">每期一个箱形:箱体是中间一半通话的得分 (P25–P75),横线是中位数,圆点是平均分,细线从最低分到最高分。</p>\n");
    // The y axis starts at the lowest ten below every period's lowest score: real batches
    // crowd between 80 and 100, and a 0–100 axis would draw them as one line.
    let low = t
        .periods
        .iter()
        .filter_map(|p| p.scores.quantile(0.0))
        .fold(100.0f64, f64::min);
    let floor = ((low / 10.0).floor() * 10.0).min(90.0);
    let y = |v: f64| TOP + (100.0 - v) / (100.0 - floor) * (H - TOP - BOTTOM);
    let mut svg = svg_open("每期得分分布");
    let ticks: Vec<f64> = (0..=10)
        .map(|i| f64::from(i) * 10.0)
        .filter(|v| *v >= floor)
        .collect();
    frame(&mut svg, t, &ticks, &y, &|v| format!("{v:.0}"));
    let n = t.periods.len();
    for (i, p) in t.periods.iter().enumerate() {
        let s = &p.scores;
        let (Some(min), Some(q1), Some(med), Some(q3), Some(max), Some(avg)) = (
            s.quantile(0.0),
            s.quantile(0.25),
            s.quantile(0.5),
            s.quantile(0.75),
            s.quantile(1.0),
            s.mean(),
        ) else {
            continue;
        };
        let (x, width) = band(i, n);
        let half = (width * 0.3).min(18.0);
        let f = y;
        let _ = writeln!(
            svg,
            "<g class=\"box\"><title>{}: {} 通,平均 {avg:.1},最低 {min},P25 {q1},中位数 {med},P75 {q3},最高 {max}</title>\
             <line class=\"whisker\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>\
             <line class=\"median\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3\"/></g>",
            escape(&p.label),
            s.n,
            f(max),
            f(min),
            x - half,
            f(q3),
            half * 2.0,
            (f(q1) - f(q3)).max(1.0),
            x - half,
            x + half,
            f(med),
            f(med),
            y(avg)
        );
    }
    svg.push_str("</svg>\n");
    page.push_str(&svg);
    page.push_str("<table><thead><tr><th>期</th><th>日期</th><th class=\"num\">已评分</th><th class=\"num\">平均分</th><th class=\"num\">最低</th><th class=\"num\">P25</th><th class=\"num\">中位数</th><th class=\"num\">P75</th><th class=\"num\">最高</th><th class=\"num\">无法读取</th></tr></thead><tbody>\n");
    for p in &t.periods {
        let q = |v: f64| score(p.scores.quantile(v));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&p.label),
            escape(&p.covers),
            thousands(p.scores.n),
            mean(p.scores.mean()),
            q(0.0),
            q(0.25),
            q(0.5),
            q(0.75),
            q(1.0),
            thousands(p.errors)
        );
    }
    page.push_str("</tbody></table>\n</section>\n");
}

fn tier_colour(i: usize) -> &'static str {
    TIER_COLOURS[i.min(TIER_COLOURS.len() - 1)]
}

fn tiers(page: &mut String, t: &Trend) {
    page.push_str("<section id=\"tiers\">\n<h2>档位占比</h2>\n<p class=\"legend\">");
    for (i, name) in t.tiers.iter().enumerate() {
        let _ = write!(
            page,
            "<span><i style=\"background:{}\"></i>{}</span>",
            tier_colour(i),
            escape(name)
        );
    }
    page.push_str("</p>\n");
    let y = |share: f64| TOP + (1.0 - share) * (H - TOP - BOTTOM);
    let mut svg = svg_open("每期各档位占比");
    frame(&mut svg, t, &[0.0, 0.25, 0.5, 0.75, 1.0], &y, &|v| {
        format!("{:.0}%", v * 100.0)
    });
    let n = t.periods.len();
    for (i, p) in t.periods.iter().enumerate() {
        let total = p.scores.n;
        if total == 0 {
            continue;
        }
        let (x, width) = band(i, n);
        let half = (width * 0.35).min(24.0);
        let mut below = 0usize;
        for (k, &count) in p.tiers.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let top = y((below + count) as f64 / total as f64);
            let bottom = y(below as f64 / total as f64);
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" style=\"fill:{}\"><title>{} {}: {} 通,{}</title></rect>",
                x - half,
                half * 2.0,
                bottom - top,
                tier_colour(k),
                escape(&p.label),
                escape(&t.tiers[k]),
                count,
                percent(Some(count as f64 / total as f64))
            );
            below += count;
        }
    }
    svg.push_str("</svg>\n");
    page.push_str(&svg);
    page.push_str("<table><thead><tr><th>期</th>");
    for name in &t.tiers {
        let _ = write!(page, "<th class=\"num\">{}</th>", escape(name));
    }
    page.push_str("<th class=\"num\">通话</th></tr></thead><tbody>\n");
    for p in &t.periods {
        let _ = write!(page, "<tr><td>{}</td>", escape(&p.label));
        for &count in &p.tiers {
            let share = (p.scores.n > 0).then(|| count as f64 / p.scores.n as f64);
            let _ = write!(
                page,
                "<td class=\"num\">{} <small>({})</small></td>",
                percent(share),
                thousands(count)
            );
        }
        let _ = writeln!(
            page,
            "<td class=\"num\">{}</td></tr>",
            thousands(p.scores.n)
        );
    }
    page.push_str("</tbody></table>\n</section>\n");
}

/// A line per series over the periods, with a dot and a tooltip at every value; `None` breaks
/// the line.
/// A line of a chart: its name, colour, a value per period (`None` breaks the line) and what
/// each point's tooltip adds after the value.
type Series<'a> = (String, &'a str, Vec<Option<f64>>, Vec<String>);

fn lines(
    svg: &mut String,
    t: &Trend,
    series: &[Series<'_>],
    y: &dyn Fn(f64) -> f64,
    show: &dyn Fn(f64) -> String,
) {
    let n = t.periods.len();
    for (name, colour, values, notes) in series {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let (x, _) = band(i, n);
                    let _ = write!(
                        d,
                        "{}{x:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = writeln!(
            svg,
            "<path class=\"series\" d=\"{}\" style=\"stroke:{colour}\"/>",
            d.trim_end()
        );
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let (x, _) = band(i, n);
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3.5\" style=\"fill:{colour}\"><title>{} {}: {}{}</title></circle>",
                    y(*v),
                    escape(&t.periods[i].label),
                    escape(name),
                    show(*v),
                    escape(notes.get(i).map_or("", String::as_str))
                );
            }
        }
    }
}

/// Grid lines for shares up to `top`: 4 or 5 round steps.
fn share_ticks(top: f64) -> (f64, Vec<f64>) {
    let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
        .into_iter()
        .find(|s| top / s <= 5.0)
        .unwrap_or(0.25);
    let ceiling = ((top / step).ceil() * step).clamp(step, 1.0);
    let ticks = (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|v| *v <= ceiling + 1e-9)
        .collect();
    (ceiling, ticks)
}

fn flags(page: &mut String, t: &Trend) {
    page.push_str("<section id=\"flags\">\n<h2>复核标记比例</h2>\n<p class=\"muted\">每期送主管复核的通话占已评分通话的比例。</p>\n");
    let shares: Vec<Option<f64>> = t.periods.iter().map(PeriodStats::flagged_share).collect();
    let top = shares.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
    let (ceiling, ticks) = share_ticks(top);
    let y = |v: f64| TOP + (1.0 - v / ceiling) * (H - TOP - BOTTOM);
    let mut svg = svg_open("每期复核标记比例");
    frame(&mut svg, t, &ticks, &y, &|v| format!("{:.0}%", v * 100.0));
    lines(
        &mut svg,
        t,
        &[(
            "复核标记".to_string(),
            SERIES[1],
            shares,
            t.periods
                .iter()
                .map(|p| format!(" ({}/{} 通)", p.flagged, p.scores.n))
                .collect(),
        )],
        &y,
        &|v| percent(Some(v)),
    );
    svg.push_str("</svg>\n");
    page.push_str(&svg);
    page.push_str("<table><thead><tr><th>期</th><th class=\"num\">复核标记</th><th class=\"num\">已评分通话</th><th class=\"num\">比例</th></tr></thead><tbody>\n");
    for p in &t.periods {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&p.label),
            thousands(p.flagged),
            thousands(p.scores.n),
            percent(p.flagged_share())
        );
    }
    page.push_str("</tbody></table>\n</section>\n");
}

/// A small line of `values` (scaled to `lo..=hi`) for a table cell.
fn sparkline(values: &[Option<f64>], lo: f64, hi: f64) -> String {
    const SW: f64 = 96.0;
    const SH: f64 = 22.0;
    let n = values.len();
    let x = |i: usize| {
        if n == 1 {
            SW / 2.0
        } else {
            2.0 + (SW - 4.0) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| 2.0 + (1.0 - ((v - lo) / (hi - lo).max(1e-9)).clamp(0.0, 1.0)) * (SH - 4.0);
    let mut d = String::new();
    let mut pen_down = false;
    let mut dots = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if let Some((i, Some(v))) = values.iter().enumerate().rev().find(|(_, v)| v.is_some()) {
        let _ = write!(
            dots,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\"/>",
            x(i),
            y(*v)
        );
    }
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 {SW} {SH}\" width=\"{SW}\" height=\"{SH}\" aria-hidden=\"true\" xmlns=\"http://www.w3.org/2000/svg\"><path d=\"{}\"/>{dots}</svg>",
        d.trim_end()
    )
}

fn agents(page: &mut String, t: &Trend) {
    let _ = writeln!(
        page,
        "<section id=\"agents\">\n<h2>坐席</h2>\n<p class=\"muted\">每期的平均分 (括号里是通话数);按最近一期的平均分从低到高,最需要辅导的在前。变化是最近一期对比上一期有通话的一期,两期各不到 {} 通的变化是灰色的,仅供参考。{}</p>\n\
         <div class=\"wide\"><table><thead><tr><th>坐席</th><th>走势</th>{}<th class=\"num\">通话</th><th class=\"num\">本期复核比例</th><th class=\"num\">变化</th></tr></thead><tbody>",
        crate::trend::MOVER_CALLS,
        cut_note(t),
        period_header(t)
    );
    for a in &t.agents {
        agent_row(page, a, shown(t));
    }
    page.push_str("</tbody></table></div>\n</section>\n");
}

/// What the tables leave out when there are more periods than columns.
fn cut_note(t: &Trend) -> String {
    let cut = shown(t).start;
    if cut == 0 {
        String::new()
    } else {
        format!(
            "表中只列最近 {TABLE_PERIODS} 期 (共 {} 期;走势小图画全部,工作簿里有全部)。",
            t.periods.len()
        )
    }
}

fn agent_row(page: &mut String, a: &AgentRow, shown: std::ops::Range<usize>) {
    let means: Vec<Option<f64>> = a.cells.iter().map(|c| c.mean()).collect();
    // Each agent's own range, at least five points tall: a move of half a point is drawn as
    // small as it is, and a move of ten fills the cell.
    let lo = means.iter().flatten().fold(100.0f64, |a, b| a.min(*b));
    let hi = means.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
    let mid = (lo + hi) / 2.0;
    let half = ((hi - lo) / 2.0).max(2.5);
    let _ = write!(
        page,
        "<tr id=\"agent-{}\"><th>{}</th><td>{}</td>",
        anchor(&a.name),
        escape(&a.name),
        sparkline(&means, mid - half, mid + half)
    );
    for c in &a.cells[shown] {
        if c.calls == 0 {
            page.push_str("<td class=\"num muted\">—</td>");
        } else {
            let _ = write!(
                page,
                "<td class=\"num\">{} <small>({})</small></td>",
                mean(c.mean()),
                c.calls
            );
        }
    }
    let _ = writeln!(
        page,
        "<td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>",
        thousands(a.calls()),
        percent(a.cells.last().and_then(|c| c.flagged_share())),
        change(a.change(), "", 1.0, true, a.change_is_solid())
    );
}

fn rules(page: &mut String, t: &Trend) {
    page.push_str("<section id=\"rules\">\n<h2>规则触发率</h2>\n<p class=\"muted\">每期命中该规则的通话占它适用的已评分通话 (渠道不适用的不算) 的比例;鼠标停在数字上看通话数。只列这段时间里至少触发过一次的规则。图中是总触发率最高的几条规则。</p>\n");
    let mut top: Vec<&RuleRow> = t.rules.iter().collect();
    top.sort_by(|a, b| {
        b.total()
            .share()
            .unwrap_or(0.0)
            .total_cmp(&a.total().share().unwrap_or(0.0))
            .then_with(|| a.id.cmp(&b.id))
    });
    top.truncate(CHART_RULES);
    if !top.is_empty() {
        let series: Vec<Series<'_>> = top
            .iter()
            .zip(SERIES)
            .map(|(r, colour)| {
                (
                    r.id.clone(),
                    colour,
                    r.cells.iter().map(|c| c.share()).collect(),
                    r.cells
                        .iter()
                        .map(|c| format!(" ({}/{} 通)", c.fired, c.applicable))
                        .collect(),
                )
            })
            .collect();
        page.push_str("<p class=\"legend\">");
        for (name, colour, ..) in &series {
            let _ = write!(
                page,
                "<span><i style=\"background:{colour}\"></i>{}</span>",
                escape(name)
            );
        }
        page.push_str("</p>\n");
        let highest = series
            .iter()
            .flat_map(|(_, _, v, _)| v.iter().flatten())
            .fold(0.0f64, |a, b| a.max(*b));
        let (ceiling, ticks) = share_ticks(highest);
        let y = |v: f64| TOP + (1.0 - v / ceiling) * (H - TOP - BOTTOM);
        let mut svg = svg_open("触发率最高的规则每期的触发率");
        frame(&mut svg, t, &ticks, &y, &|v| format!("{:.0}%", v * 100.0));
        lines(&mut svg, t, &series, &y, &|v| percent(Some(v)));
        svg.push_str("</svg>\n");
        page.push_str(&svg);
    }
    let _ = writeln!(
        page,
        "<p class=\"muted\">{}</p><div class=\"wide\"><table><thead><tr><th>规则</th><th>走势</th>{}<th class=\"num\">合计</th><th class=\"num\">变化</th></tr></thead><tbody>",
        cut_note(t),
        period_header(t)
    );
    for r in &t.rules {
        let shares: Vec<Option<f64>> = r.cells.iter().map(|c| c.share()).collect();
        let hi = shares.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
        let _ = write!(
            page,
            "<tr id=\"rule-{}\"><th>{} <small>{}</small></th><td>{}</td>",
            anchor(&r.id),
            escape(&r.id),
            escape(&r.title),
            sparkline(&shares, 0.0, hi)
        );
        for c in &r.cells[shown(t)] {
            let _ = write!(
                page,
                "<td class=\"num\" title=\"{} / {} 通\">{}</td>",
                c.fired,
                c.applicable,
                percent(c.share())
            );
        }
        let total = r.total();
        let _ = writeln!(
            page,
            "<td class=\"num\" title=\"{} / {} 通\">{}</td>{}</tr>",
            total.fired,
            total.applicable,
            percent(total.share()),
            change(r.change(), " 个百分点", 100.0, r.bonus, r.change_is_solid())
        );
    }
    page.push_str("</tbody></table></div>\n</section>\n");
}

fn footer(page: &mut String, t: &Trend, made: Made<'_>) {
    page.push_str("<footer>\n<h2>数据来源</h2>\n<ul>\n");
    let _ = writeln!(
        page,
        "<li>质检结果 {} 个文件:{}</li>",
        made.files.len(),
        made.files
            .iter()
            .map(|f| format!("<code>{}</code>", escape(f)))
            .collect::<Vec<_>>()
            .join("、")
    );
    let s = t.sources;
    let from: Vec<String> = [
        (s.meta, "取自通话元数据"),
        (s.given, "由 <code>zhijian grade --date</code> 指定"),
        (s.graded, "没有日期、按质检当天计"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{} 通{what}", thousands(*n)))
    .collect();
    let _ = writeln!(page, "<li>通话日期:{}。</li>", from.join(","));
    if s.graded > 0 {
        page.push_str("<li class=\"warn\">按质检当天计的通话可能不在它实际发生的那天:补录的旧录音请在质检时用 <code>--date</code> 标明日期。</li>\n");
    }
    if t.replaced > 0 {
        let _ = writeln!(
            page,
            "<li>{} 行是同一通话 (通话编号、日期和通话内容都相同) 的重复质检结果,按后给的文件计。</li>",
            thousands(t.replaced)
        );
    }
    if t.unread_undated > 0 {
        let _ = writeln!(
            page,
            "<li>{} 通无法读取的输入没有日期 (质检时没有 --date),不属于任何一期,没有计入。</li>",
            thousands(t.unread_undated)
        );
    }
    if t.undated > 0 {
        let _ = writeln!(
            page,
            "<li class=\"warn\">{} 行没有日期 (旧版 zhijian 写的结果),没有计入;用当前版本重新质检即可计入。</li>",
            thousands(t.undated)
        );
    }
    page.push_str("</ul>\n<p class=\"muted\">zhijian trend 生成。本页不含通话内容,只有坐席名、规则和统计数字。</p>\n</footer>\n");
}

/// Writes the workbook: 各期 (with Excel charts), 坐席, 规则, 变化最大.
pub fn xlsx(trend: &Trend, made: Made<'_>, out: &mut Output) -> io::Result<()> {
    let comment = format!("质检趋势:{}", made.files.join("、"));
    let mut book = workbook("质检趋势", &comment)?;
    sheets(&mut book, trend).map_err(xlsx_error)?;
    book.save_to_writer(&mut *out).map_err(xlsx_error)?;
    out.flush()
}

fn sheets(book: &mut Workbook, t: &Trend) -> Result<(), XlsxError> {
    let f = formats();
    let int = Format::new();
    let period_sheet = "各期";
    {
        let sheet = book.add_worksheet().set_name(period_sheet)?;
        let mut headers: Vec<String> = [
            "期",
            "日期",
            "通话",
            "无法读取",
            "已评分",
            "平均分",
            "最低",
            "P25",
            "中位数",
            "P75",
            "最高",
            "复核标记",
            "复核比例",
        ]
        .map(String::from)
        .to_vec();
        headers.extend(t.tiers.iter().map(|n| format!("{n} 占比")));
        write_headers(sheet, &headers, &f.header)?;
        for (i, p) in t.periods.iter().enumerate() {
            let r = i as u32 + 1;
            let s = &p.scores;
            sheet.write_string(r, 0, &p.label)?;
            sheet.write_string(r, 1, &p.covers)?;
            sheet.write_number_with_format(r, 2, p.calls as f64, &int)?;
            sheet.write_number(r, 3, p.errors as f64)?;
            sheet.write_number(r, 4, s.n as f64)?;
            if let Some(m) = s.mean() {
                sheet.write_number_with_format(r, 5, m, &f.decimal)?;
            }
            for (c, q) in [(6, 0.0), (7, 0.25), (8, 0.5), (9, 0.75), (10, 1.0)] {
                if let Some(v) = s.quantile(q) {
                    sheet.write_number(r, c, v)?;
                }
            }
            sheet.write_number(r, 11, p.flagged as f64)?;
            if let Some(share) = p.flagged_share() {
                sheet.write_number_with_format(r, 12, share, &f.percent)?;
            }
            for (k, &count) in p.tiers.iter().enumerate() {
                if s.n > 0 {
                    sheet.write_number_with_format(
                        r,
                        13 + k as u16,
                        count as f64 / s.n as f64,
                        &f.percent,
                    )?;
                }
            }
        }
        let widths: Vec<usize> = headers.iter().map(|h| width(h).max(8)).collect();
        dress(sheet, &widths, t.periods.len() as u32 + 1)?;
        let last = t.periods.len() as u32;
        let below = last + 3;
        let mut scores = Chart::new(ChartType::Line);
        scores.title().set_name("平均分");
        for (col, name) in [(5u16, "平均分"), (8, "中位数"), (7, "P25")] {
            scores
                .add_series()
                .set_name(name)
                .set_categories((period_sheet, 1, 0, last, 0))
                .set_values((period_sheet, 1, col, last, col));
        }
        // Excel refuses a chart with nothing to draw: a batch of only unreadable calls.
        if t.periods.iter().any(|p| p.scores.n > 0) {
            sheet.insert_chart(below, 0, &scores)?;
        }
        let mut tiers = Chart::new(ChartType::ColumnPercentStacked);
        tiers.title().set_name("档位占比");
        for (k, name) in t.tiers.iter().enumerate() {
            let col = 13 + k as u16;
            tiers
                .add_series()
                .set_name(name.as_str())
                .set_categories((period_sheet, 1, 0, last, 0))
                .set_values((period_sheet, 1, col, last, col))
                .set_format(
                    rust_xlsxwriter::ChartFormat::new().set_solid_fill(
                        rust_xlsxwriter::ChartSolidFill::new()
                            .set_color(u32::from_str_radix(&tier_colour(k)[1..], 16).unwrap_or(0)),
                    ),
                );
        }
        if !t.tiers.is_empty() {
            sheet.insert_chart(below, 8, &tiers)?;
        }
    }
    {
        let sheet = book.add_worksheet().set_name("坐席")?;
        let mut headers = vec!["坐席".to_string(), "通话".into()];
        for p in &t.periods {
            headers.push(format!("{} 平均分", p.label));
            headers.push(format!("{} 通话", p.label));
        }
        headers.extend(["本期复核比例".to_string(), "变化".into()]);
        write_headers(sheet, &headers, &f.header)?;
        for (i, a) in t.agents.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_string(r, 0, &a.name)?;
            sheet.write_number(r, 1, a.calls() as f64)?;
            for (k, c) in a.cells.iter().enumerate() {
                let col = 2 + 2 * k as u16;
                if let Some(m) = c.mean() {
                    sheet.write_number_with_format(r, col, m, &f.decimal)?;
                }
                sheet.write_number(r, col + 1, c.calls as f64)?;
            }
            let col = 2 + 2 * a.cells.len() as u16;
            if let Some(s) = a.cells.last().and_then(|c| c.flagged_share()) {
                sheet.write_number_with_format(r, col, s, &f.percent)?;
            }
            if let Some(d) = a.change() {
                sheet.write_number_with_format(r, col + 1, d, &f.decimal)?;
            }
        }
        let widths: Vec<usize> = headers.iter().map(|h| width(h).max(8)).collect();
        dress(sheet, &widths, t.agents.len() as u32 + 1)?;
    }
    {
        let sheet = book.add_worksheet().set_name("规则")?;
        let mut headers = vec!["规则".to_string(), "标题".into(), "合计触发率".into()];
        headers.extend(t.periods.iter().map(|p| format!("{} 触发率", p.label)));
        headers.push("变化 (百分点)".into());
        write_headers(sheet, &headers, &f.header)?;
        for (i, rule) in t.rules.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_string(r, 0, &rule.id)?;
            sheet.write_string(r, 1, &rule.title)?;
            if let Some(s) = rule.total().share() {
                sheet.write_number_with_format(r, 2, s, &f.percent)?;
            }
            for (k, c) in rule.cells.iter().enumerate() {
                if let Some(s) = c.share() {
                    sheet.write_number_with_format(r, 3 + k as u16, s, &f.percent)?;
                }
            }
            if let Some(d) = rule.change() {
                sheet.write_number_with_format(
                    r,
                    3 + rule.cells.len() as u16,
                    d * 100.0,
                    &f.decimal,
                )?;
            }
        }
        let mut widths: Vec<usize> = headers.iter().map(|h| width(h).max(8)).collect();
        widths[1] = t
            .rules
            .iter()
            .map(|r| width(&r.title))
            .max()
            .unwrap_or(8)
            .clamp(8, 40);
        dress(sheet, &widths, t.rules.len() as u32 + 1)?;
    }
    {
        let sheet = book.add_worksheet().set_name("变化最大")?;
        let headers = ["类别", "名称", "上期", "本期", "变化"].map(String::from);
        write_headers(sheet, &headers, &f.header)?;
        let mut r = 1u32;
        for a in t.agent_movers() {
            let Some((b, l)) = a.compared() else {
                continue;
            };
            sheet.write_string(r, 0, "坐席平均分")?;
            sheet.write_string(r, 1, &a.name)?;
            for (col, v) in [(2, b.mean()), (3, l.mean()), (4, a.change())] {
                if let Some(v) = v {
                    sheet.write_number_with_format(r, col, v, &f.decimal)?;
                }
            }
            r += 1;
        }
        for rule in t.rule_movers() {
            let Some((b, l)) = rule.compared() else {
                continue;
            };
            // Rates as percentages, their change in points, as on the 规则 sheet.
            sheet.write_string(r, 0, "规则触发率 (变化为百分点)")?;
            sheet.write_string(r, 1, format!("{} {}", rule.id, rule.title))?;
            for (col, v) in [(2, b.share()), (3, l.share())] {
                if let Some(v) = v {
                    sheet.write_number_with_format(r, col, v, &f.percent)?;
                }
            }
            if let Some(d) = rule.change() {
                sheet.write_number_with_format(r, 4, d * 100.0, &f.decimal)?;
            }
            r += 1;
        }
        dress(sheet, &[26, 40, 10, 10, 10], r)?;
    }
    Ok(())
}

fn write_headers(
    sheet: &mut Worksheet,
    headers: &[String],
    format: &Format,
) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, format)?;
    }
    Ok(())
}

fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}
