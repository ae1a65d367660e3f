//! HTML review report: graded calls → one self-contained page a supervisor reviews a day in.
//!
//! In: the batch's rows, in order. Out: one HTML file, CSS and script inline and nothing
//! fetched, that opens from a shared drive in any current browser:
//!
//! - 概览: calls, flagged, tiers, service types, a score histogram and a per-rule chart (inline
//!   SVG, written here), and the rules that cost the most points;
//! - 复核: the queue (flagged calls first), filters kept in the URL hash, and the call view: the
//!   transcript with every hit highlighted where it was said, missing and timing hits at the turn
//!   or gap they refer to, the score rule by rule, why the roles are what they are;
//! - 坐席: per agent, linking to their calls;
//! - verdicts (确认/误判) kept in the browser and downloaded as `verdicts.csv` for
//!   `zhijian precision`.
//!
//! The calls are embedded exactly as the JSONL report writes them (schema `zhijian.call.v1`), one
//! line each, gzip-compressed and base64-encoded: 20,000 calls are some 86 MB of JSON but 18 MB
//! of page, and a browser parses the page in a fraction of the time (the script inflates them
//! with the browser's own `DecompressionStream`). They are streamed as they are graded: memory
//! does not grow with the batch, and the totals the overview needs come at the end, after them.
//!
//! Why no transcript can inject markup: input text reaches the page only (a) inside the base64
//! block, whose alphabet has no `<`, and the script puts it into the page as text nodes, never
//! as HTML; (b) in the small metadata JSON, with `<`, `>` and `&` written as `\u003c`…; or (c) in
//! the overview written here, through [`escape`]. The page's Content-Security-Policy allows only
//! the report's own script (by hash), so even a mistake there could not run injected code.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use super::jsonl::{line, SCHEMA};
use super::stats::{Stats, UNKNOWN_AGENT};
use super::{Context, Output, Report, Spec};

use crate::grade::Graded;
use crate::rule::{RuleSet, Scoring};

pub(super) const SPEC: Spec = Spec {
    name: "html",
    extensions: &["html", "htm"],
    binary: false,
    commit_rank: 1,
    open: |out, cx| Ok(Box::new(Html::new(out, cx)?)),
};

const STYLE: &str = include_str!("html/review.css");
const SCRIPT: &str = include_str!("html/review.js");
/// The page up to the embedded calls: head, style, the views the script fills.
const SHELL: &str = include_str!("html/shell.html");
/// The mark in the page's head that says zhijian wrote it (so it is never read as a call).
pub const GENERATOR: &str = "<meta name=\"generator\" content=\"zhijian\">";

/// The calls' JSON lines on their way into the page: gzip, then base64, counted.
type Packed = flate2::write::GzEncoder<
    base64::write::EncoderWriter<'static, base64::engine::GeneralPurpose, Counted>,
>;

/// The most base64 text the page may hold. The script reads it as one string, and a browser
/// string holds at most about 512 M characters (2^29 − 24 in Chrome); past that the page would
/// open empty. Measured: 641,340 real dialogues (630 MB of JSONL) make 321 MB, and open in 76 s.
const MOST_PACKED: u64 = 500_000_000;

/// The output, counting what is written to it: the base64 text of the calls.
struct Counted {
    out: Output,
    written: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Why a batch makes no review page, and what to do instead.
fn too_big(limit: u64) -> io::Error {
    io::Error::other(format!(
        "复核报告的数据超过了浏览器单页能载入的上限 (约 {} MB),打开会是空的,所以不写:\
         请加 --only-flagged 只收录待复核的通话,或把这批通话分成几份,各出一份报告。\
         这次运行没有替换任何文件",
        limit / 1_000_000
    ))
}

struct Html<'a> {
    data: Packed,
    /// Bytes of base64 written so far, and the most the page may hold.
    packed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    limit: u64,
    cx: Context<'a>,
    stats: Stats,
    listed: usize,
    buf: Vec<u8>,
}

impl<'a> Html<'a> {
    fn new(mut out: Output, cx: Context<'a>) -> io::Result<Self> {
        let (head, tail) = SHELL
            .split_once("/*STYLE*/")
            .expect("shell.html has a /*STYLE*/ slot");
        // Only the report's own script may run, whatever a transcript contains.
        let head = head.replace("/*SCRIPT-HASH*/", &script_hash());
        let tail = tail.replace("/*PRIVACY*/", privacy(&cx));
        out.write_all(head.as_bytes())?;
        out.write_all(STYLE.as_bytes())?;
        out.write_all(tail.as_bytes())?;
        out.write_all(
            b"<script type=\"text/plain\" id=\"zj-calls\" data-encoding=\"gzip+base64\">",
        )?;
        let packed = std::sync::Arc::default();
        let counted = Counted {
            out,
            written: std::sync::Arc::clone(&packed),
        };
        let base64 =
            base64::write::EncoderWriter::new(counted, &base64::engine::general_purpose::STANDARD);
        Ok(Html {
            data: flate2::write::GzEncoder::new(base64, flate2::Compression::new(6)),
            packed,
            limit: MOST_PACKED,
            cx,
            stats: Stats::new(cx.rules),
            listed: 0,
            buf: Vec::with_capacity(8192),
        })
    }
}

impl Report for Html<'_> {
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for row in rows {
            self.stats.add(self.cx.rules, row);
            if !self.cx.lists(row) {
                continue;
            }
            self.buf.clear();
            serde_json::to_writer(&mut self.buf, &line(&self.cx, row)).map_err(io::Error::other)?;
            self.buf.push(b'\n');
            self.data.write_all(&self.buf)?;
            self.listed += 1;
        }
        if self.packed.load(std::sync::atomic::Ordering::Relaxed) > self.limit {
            return Err(too_big(self.limit));
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<Output> {
        let Html {
            data,
            packed,
            limit,
            cx,
            stats,
            listed,
            mut buf,
        } = *self;
        let mut out = data.finish()?.finish()?.out;
        if packed.load(std::sync::atomic::Ordering::Relaxed) > limit {
            return Err(too_big(limit));
        }
        out.write_all(b"</script>\n")?;
        buf.clear();
        serde_json::to_writer(&mut buf, &Meta::new(cx, listed)).map_err(io::Error::other)?;
        out.write_all(b"<script type=\"application/json\" id=\"zj-meta\">")?;
        write_script_safe(&mut out, &buf)?;
        out.write_all(b"</script>\n")?;
        out.write_all(overview(cx.rules, &stats).as_bytes())?;
        out.write_all(agents(cx.rules, &stats).as_bytes())?;
        out.write_all(b"</main>\n<script>")?;
        out.write_all(SCRIPT.as_bytes())?;
        out.write_all(b"</script>\n</body>\n</html>\n")?;
        Ok(out)
    }
}

/// Whether the page shows the customer's numbers: said at the top of every view, since the
/// page is what gets mailed around.
fn privacy(cx: &Context) -> &'static str {
    if cx.masked {
        "<span id=\"privacy\" title=\"客户的手机号、座机、身份证号、银行卡号和邮箱已遮盖,如 138****5678\">个人信息已遮盖</span>"
    } else {
        "<span id=\"privacy\" class=\"unmasked\" title=\"用 --no-mask 生成:客户的号码原样保留,仅限内部使用,勿外发\">个人信息未遮盖 · 仅限内部</span>"
    }
}

/// What the script needs besides the calls: the rules, the schemes' numbers, the batch's name.
#[derive(Serialize)]
struct Meta<'a> {
    schema: &'static str,
    rules_version: &'a str,
    listed: usize,
    only_flagged: bool,
    unknown_agent: &'static str,
    rules: Vec<RuleMeta<'a>>,
    /// The default scheme first, then one per channel that scores differently.
    schemes: Vec<SchemeMeta<'a>>,
}

#[derive(Serialize)]
struct RuleMeta<'a> {
    id: &'a str,
    title: &'a str,
    dimension: &'a str,
    /// The dimension as the service standard names it (服务态度), for the score table.
    dimension_zh: &'a str,
    points: i32,
    /// Hits counted per call; `None` for all.
    max_hits: Option<u32>,
    /// Counts once per call, whatever the evidence (a composition or a reference).
    whole_call: bool,
    fatal: bool,
    review: bool,
    message: &'a str,
    path: &'a str,
}

#[derive(Serialize)]
struct SchemeMeta<'a> {
    /// `None` for the default scheme.
    channel: Option<&'static str>,
    base: i32,
    tiers: Vec<(&'a str, i32)>,
    service_threshold: i32,
    /// How often one sentence may cost: `dimension`, `rule` or `hit`.
    sentence: &'static str,
    /// What a hit whose words the recogniser was unsure of costs.
    confidence: super::jsonl::ConfidencePolicyLine,
}

impl<'a> Meta<'a> {
    fn new(cx: Context<'a>, listed: usize) -> Self {
        let set = cx.rules;
        let scheme = |channel, s: &'a Scoring| SchemeMeta {
            channel,
            base: s.base,
            tiers: s.tiers.iter().map(|(n, m)| (n.as_str(), *m)).collect(),
            service_threshold: s.service_threshold,
            sentence: s.sentence.name(),
            confidence: super::jsonl::ConfidencePolicyLine::of(s.confidence),
        };
        let mut schemes = vec![scheme(None, &set.scoring)];
        schemes.extend(
            set.scoring
                .schemes
                .iter()
                .map(|(c, s)| scheme(Some(c.name()), s)),
        );
        Meta {
            schema: SCHEMA,
            rules_version: &set.version,
            listed,
            only_flagged: cx.only_flagged,
            unknown_agent: UNKNOWN_AGENT,
            rules: set
                .rules
                .iter()
                .map(|r| RuleMeta {
                    id: &r.id,
                    title: &r.title,
                    dimension: &r.dimension,
                    dimension_zh: crate::score::dimension_zh(&r.dimension),
                    points: r.points,
                    max_hits: r.max_hits,
                    whole_call: r.judges_whole_call(),
                    fatal: r.fatal,
                    review: r.review,
                    message: &r.message,
                    path: &r.path,
                })
                .collect(),
            schemes,
        }
    }
}

/// The Content-Security-Policy source that allows exactly the report's script.
fn script_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Writes JSON so that it cannot end the `<script>` element it sits in, nor open a comment:
/// `<`, `>` and `&` only occur inside JSON strings, where `\u003c` means the same.
fn write_script_safe(out: &mut impl Write, json: &[u8]) -> io::Result<()> {
    let mut from = 0;
    for (i, &b) in json.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            b'&' => b"\\u0026",
            _ => continue,
        };
        out.write_all(&json[from..i])?;
        out.write_all(escaped)?;
        from = i + 1;
    }
    out.write_all(&json[from..])
}

/// Text for HTML element content or a quoted attribute: the XML escaping the JUnit report uses
/// is HTML5's too (`&apos;` included), and dropping the control characters XML cannot hold
/// costs a page nothing.
pub(crate) fn escape(text: &str) -> String {
    crate::selftest::render::xml(text)
}

/// A value for the URL hash the script reads with `URLSearchParams`: everything but ASCII
/// letters and digits percent-encoded, so any agent name or rule id survives the round trip.
fn hash_value(text: &str) -> String {
    let mut s = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

/// The score histogram's bins: (label, lowest score, highest score).
const BINS: [(&str, usize, usize); 10] = [
    ("<60", 0, 59),
    ("60–64", 60, 64),
    ("65–69", 65, 69),
    ("70–74", 70, 74),
    ("75–79", 75, 79),
    ("80–84", 80, 84),
    ("85–89", 85, 89),
    ("90–94", 90, 94),
    ("95–99", 95, 99),
    ("100", 100, 100),
];

/// The tier a score falls in under the default scheme, as a CSS class (`t0` the best).
fn tier_class(scoring: &Scoring, score: usize) -> String {
    let t = scoring
        .tiers
        .iter()
        .position(|(_, min)| score as i32 >= *min)
        .unwrap_or(scoring.tiers.len().saturating_sub(1));
    format!("t{}", t.min(3))
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / of as f64)
    }
}

/// The 概览 view: totals, tiers, service types, the histogram and the per-rule chart.
fn overview(set: &RuleSet, stats: &Stats) -> String {
    let mut h = String::with_capacity(16 * 1024);
    let total = stats.graded + stats.errors;
    let mean = if stats.graded == 0 {
        0.0
    } else {
        stats
            .scores
            .iter()
            .enumerate()
            .map(|(s, n)| (s * n) as f64)
            .sum::<f64>()
            / stats.graded as f64
    };
    h.push_str("<section id=\"overview\" class=\"view\">\n<h2>概览 <small>Overview</small></h2>\n<div class=\"cards\">\n");
    for (label, value, note) in [
        ("通话", total.to_string(), String::new()),
        ("已评分", stats.graded.to_string(), String::new()),
        (
            "待复核",
            stats.flagged.to_string(),
            percent(stats.flagged, total),
        ),
        ("无法读取", stats.errors.to_string(), String::new()),
        ("平均分", format!("{mean:.1}"), String::new()),
    ] {
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div><div class=\"sub\">{note}</div></div>"
        );
    }
    h.push_str("</div>\n<div class=\"panels\">\n");

    // Tiers and service types: counts with a bar, each linking to its calls.
    h.push_str("<div class=\"panel\"><h3>档位</h3><table class=\"counts\">\n");
    for ((name, min), n) in set.scoring.tiers.iter().zip(&stats.tiers) {
        let t = tier_class(&set.scoring, (*min).max(0) as usize);
        let _ = writeln!(
            h,
            "<tr><th><a href=\"#v=review&amp;tier={}\"><span class=\"tier {t}\">{}</span></a></th><td class=\"num\">{n}</td><td class=\"bar\"><span style=\"width:{}\"></span></td><td class=\"num\">{}</td></tr>",
            hash_value(name),
            escape(name),
            percent(*n, stats.graded.max(1)),
            percent(*n, stats.graded),
        );
    }
    h.push_str("</table></div>\n<div class=\"panel\"><h3>服务类型</h3><table class=\"counts\">\n");
    for name in &set.scoring.service_types {
        let n = stats.service_types.get(name).copied().unwrap_or(0);
        let _ = writeln!(
            h,
            "<tr><th>{}</th><td class=\"num\">{n}</td><td class=\"bar\"><span style=\"width:{}\"></span></td><td class=\"num\">{}</td></tr>",
            escape(name),
            percent(n, stats.graded.max(1)),
            percent(n, stats.graded),
        );
    }
    h.push_str("</table></div>\n");

    // Score histogram.
    let counts: Vec<usize> = BINS
        .iter()
        .map(|&(_, lo, hi)| stats.scores[lo..=hi].iter().sum())
        .collect();
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let (w, bar_h, gap) = (36, 120, 6);
    let width = BINS.len() * (w + gap) + gap;
    let _ = writeln!(
        h,
        "<div class=\"panel\"><h3>分数分布</h3><svg class=\"hist\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"分数分布\">",
        bar_h + 40
    );
    for (i, (&(label, lo, _), &n)) in BINS.iter().zip(&counts).enumerate() {
        let x = gap + i * (w + gap);
        let bh = n * bar_h / top;
        let y = 20 + bar_h - bh;
        let _ = writeln!(
            h,
            "<g><title>{label} 分: {n} 通</title><rect class=\"{}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{bh}\"/><text x=\"{}\" y=\"{}\" class=\"n\">{n}</text><text x=\"{}\" y=\"{}\" class=\"l\">{label}</text></g>",
            tier_class(&set.scoring, lo),
            x + w / 2,
            y.saturating_sub(4).max(12),
            x + w / 2,
            bar_h + 36,
        );
    }
    h.push_str("</svg></div>\n</div>\n");

    // Rules: the ones that cost the most points first, as bars of calls hit.
    let mut fired: Vec<usize> = (0..set.rules.len())
        .filter(|&i| stats.rules[i].calls > 0)
        .collect();
    fired.sort_by(|&a, &b| {
        stats.rules[a]
            .points
            .cmp(&stats.rules[b].points)
            .then(stats.rules[b].calls.cmp(&stats.rules[a].calls))
            .then(a.cmp(&b))
    });
    h.push_str("<div class=\"panel wide\"><h3>规则命中 <small>按合计分值,扣分最多的在前;点击查看这些通话</small></h3>\n");
    if fired.is_empty() {
        h.push_str("<p class=\"empty\">没有规则命中。</p>\n");
    } else {
        // Bars measure the points, which is what the order is by; the calls are in the label.
        let top = fired
            .iter()
            .map(|&i| stats.rules[i].points.unsigned_abs())
            .max()
            .unwrap_or(1)
            .max(1);
        let row_h = 26;
        let _ = writeln!(
            h,
            "<div class=\"rules-wrap\"><svg class=\"rules\" viewBox=\"0 0 760 {}\" role=\"img\" aria-label=\"规则命中\">",
            fired.len() * row_h + 4
        );
        for (k, &i) in fired.iter().enumerate() {
            let r = &set.rules[i];
            let s = &stats.rules[i];
            let y = k * row_h + 2;
            let bw = (s.points.unsigned_abs() * 300 / top).max(2);
            let cost = match s.points.signum() {
                -1 => "loss",
                0 => "zero",
                _ => "gain",
            };
            let _ = writeln!(
                h,
                "<a href=\"#v=review&amp;rule={}\"><g><title>{} {}: {} 通,{} 处,合计 {:+} 分</title><text x=\"0\" y=\"{}\" class=\"id\">{}</text><text x=\"64\" y=\"{}\" class=\"t\">{}</text><rect class=\"{cost}\" x=\"300\" y=\"{}\" width=\"{bw}\" height=\"{}\"/><text x=\"{}\" y=\"{}\" class=\"n\">{} 通 · {:+} 分</text></g></a>",
                hash_value(&r.id),
                escape(&r.id),
                escape(&r.title),
                s.calls,
                s.hits,
                s.points,
                y + 17,
                escape(&r.id),
                y + 17,
                escape(&truncate(&r.title, 14)),
                y + 4,
                row_h - 8,
                300 + bw + 6,
                y + 17,
                s.calls,
                s.points,
            );
        }
        h.push_str("</svg></div>\n");
    }
    h.push_str("</div>\n</section>\n");
    h
}

/// `text` cut to `n` characters, with an ellipsis when cut.
fn truncate(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(n - 1).collect();
        s.push('…');
        s
    }
}

/// The 坐席 view: per agent, worst mean score first, each linking to the agent's calls.
fn agents(set: &RuleSet, stats: &Stats) -> String {
    let mut h = String::with_capacity(8 * 1024);
    h.push_str("<section id=\"agents\" class=\"view\">\n<h2>坐席 <small>Agents</small></h2>\n");
    if stats.agents.is_empty() {
        h.push_str("<p class=\"empty\">没有已评分的通话。</p>\n</section>\n");
        return h;
    }
    h.push_str("<div class=\"scroll\"><table class=\"grid\" id=\"agent-table\">\n<thead><tr><th>坐席</th><th class=\"num\">通话</th><th class=\"num\">平均分</th>");
    for (name, _) in &set.scoring.tiers {
        let _ = write!(h, "<th class=\"num\">{}</th>", escape(name));
    }
    h.push_str("<th class=\"num\">待复核</th><th>最常见的问题</th></tr></thead>\n<tbody>\n");
    let mut agents: Vec<_> = stats.agents.iter().collect();
    agents.sort_by(|a, b| {
        a.1.mean_score()
            .total_cmp(&b.1.mean_score())
            .then(a.0.cmp(b.0))
    });
    for (name, a) in agents {
        let link = hash_value(name);
        let _ = write!(
            h,
            "<tr><td><a href=\"#v=review&amp;agent={link}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td>",
            escape(name),
            a.calls,
            a.mean_score()
        );
        for n in &a.tiers {
            let _ = write!(h, "<td class=\"num\">{n}</td>");
        }
        let _ = write!(h, "<td class=\"num\">{}</td><td>", a.flagged);
        for (i, calls) in a.top_rules(set, 3) {
            let r = &set.rules[i];
            let _ = write!(
                h,
                "<a class=\"chip\" href=\"#v=review&amp;agent={link}&amp;rule={}\" title=\"{}\">{} ×{calls}</a> ",
                hash_value(&r.id),
                escape(&r.title),
                escape(&r.id)
            );
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody></table></div>\n</section>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose data would be past what a browser can unpack is not written: the run
    /// fails before anything is replaced, with what to do instead.
    #[test]
    fn a_page_too_big_to_open_is_refused_not_written_empty() {
        use crate::grade::{grade_call, Graded};
        use crate::input::parse_text;
        use crate::report::Target;
        let rules = RuleSet::embedded().unwrap();
        let rows: Vec<Graded> = (0..40)
            .map(|i| Graded {
                source: format!("c{i}.txt"),
                call_id: format!("c{i}"),
                outcome: Ok(grade_call(
                    &rules,
                    parse_text(&format!("客服：您好,第{i}通。\n客户：好的谢谢。"), "c").unwrap(),
                )),
            })
            .collect();
        let cx = Context {
            rules: &rules,
            bom: false,
            only_flagged: false,
            masked: true,
            dating: crate::day::Dating {
                given: None,
                today: jiff::civil::date(2026, 12, 6),
                zone: &crate::day::BEIJING,
            },
        };
        let dir = tempfile::tempdir().unwrap();
        let open = |limit| {
            let (out, _) = Target::resolve(&dir.path().join("r.html"))
                .unwrap()
                .open()
                .unwrap();
            let mut page = Box::new(Html::new(out, cx).unwrap());
            page.limit = limit;
            page
        };
        // Within the limit: written, whatever gzip holds back until the end.
        let mut page = open(MOST_PACKED);
        page.write(&rows).unwrap();
        page.finish().unwrap();
        // Past it, while writing or when the last bytes are flushed.
        let mut page = open(64);
        let result = match page.write(&rows) {
            Err(e) => Err(e),
            Ok(()) => page.finish().map(drop),
        };
        let e = result.unwrap_err().to_string();
        assert!(
            e.contains("超过了浏览器单页能载入的上限") && e.contains("--only-flagged"),
            "{e}"
        );
    }

    #[test]
    fn script_data_cannot_close_its_element() {
        let mut out = Vec::new();
        let json = br#"{"t":"</script><script>alert(1)</script><!-- & -->"}"#;
        write_script_safe(&mut out, json).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            r#"{"t":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!-- \u0026 --\u003e"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            back["t"], "</script><script>alert(1)</script><!-- & -->",
            "the escapes mean the same string"
        );
    }

    #[test]
    fn markup_is_escaped_and_hash_values_round_trip() {
        assert_eq!(
            escape(r#""><img src=x onerror=alert(2)>&'"#),
            "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;&apos;"
        );
        assert_eq!(hash_value("A1024"), "A1024");
        assert_eq!(hash_value("张 a&b=c"), "%E5%BC%A0%20a%26b%3Dc");
        assert_eq!(truncate("一二三四五", 5), "一二三四五");
        assert_eq!(truncate("一二三四五六", 5), "一二三四…");
    }

    #[test]
    fn bins_cover_every_score_once() {
        let mut seen = [0; 101];
        for (_, lo, hi) in BINS {
            for n in &mut seen[lo..=hi] {
                *n += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
    }
}
