//! Report: graded calls → the files a QA team opens and a supervisor reads.
//!
//! In: the [`Graded`] rows of a batch, in batch order, a chunk at a time. Out: one file (or
//! stdout) per requested report, each appearing only when complete:
//!
//! | format | what it holds |
//! |---|---|
//! | [`Format::Csv`] | the score CSV: one row per call, fixed columns |
//! | [`Format::Findings`] | the findings CSV: one row per hit, the evidence behind every deduction |
//! | [`Format::Jsonl`] | one JSON object per call: scores, every hit's structured evidence, the transcript |
//! | [`Format::Xlsx`] | an Excel workbook: 得分, 证据, 坐席 and 规则 sheets |
//! | [`Format::Html`] | the supervisor's review page: overview, queue, call view, agents, verdicts |
//!
//! Besides the batch's reports, [`rescore`] writes the final scores of `zhijian rescore` (one row
//! per call after review and appeals) as CSV or a workbook.
//!
//! Every format is one file implementing [`Report`], listed once in [`Format::spec`]. The
//! fan-out, [`Reports`], owns what they share: order, a closed stdout, atomic commit and which
//! output an error belongs to. Where each byte goes, and why writing never destroys a file, is
//! [`output`]'s business.

mod cell;
pub mod explain;
mod findings;
mod html;
pub mod impact;
mod jsonl;
pub mod output;
pub mod rescore;
mod row;
pub mod sample;
mod scores;
mod stats;
pub mod trend;
mod xlsx;

use std::io;
use std::path::Path;

pub use crate::grade::Flow;
pub use cell::neutralise;
pub use findings::FINDINGS_HEADER;
pub use html::GENERATOR;
#[cfg(test)]
pub(crate) use jsonl::text as jsonl_line;
pub use jsonl::SCHEMA;
pub use output::{FileId, Output, Target};
pub use row::SCORES_HEADER;
pub use sample::WORKSHEET_TITLE;
pub use stats::{AgentStats, RuleStats, Stats, UNKNOWN_AGENT};

use crate::grade::{Graded, Outcome};
use crate::input::Turn;
use crate::rule::{Hit, RuleSet};
use crate::score::{waived_note, Scorecard};

/// The UTF-8 byte-order mark Excel needs to open a CSV as UTF-8 instead of the system code page.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// One output format: receives the batch in order, then finishes its file.
pub trait Report: Send {
    /// Writes a chunk of rows, in batch order.
    fn write(&mut self, rows: &[Graded]) -> io::Result<()>;
    /// Passes on what the chunks so far wrote, at the end of each: a pipe's reader (the next
    /// stage of a Spark job, `head`) gets every row of a chunk then, not when a buffer happens
    /// to fill or the batch ends. A report that is whole only at the end (a workbook, the
    /// review page) has nothing to pass on.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Writes whatever comes after the last row and hands back the output to be committed.
    fn finish(self: Box<Self>) -> io::Result<Output>;
}

/// What every report is told about the run.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub rules: &'a RuleSet,
    /// Start CSV files with a UTF-8 BOM.
    pub bom: bool,
    /// List only calls that need a supervisor (and calls that could not be read); totals still
    /// count every call.
    pub only_flagged: bool,
    /// The customer's personal numbers were masked in the rows (the default): every report
    /// says whether they were.
    pub masked: bool,
    /// How each call's day is decided, as the JSONL records it for `zhijian trend`.
    pub dating: crate::day::Dating<'a>,
}

impl Context<'_> {
    /// 已遮盖 or 未遮盖, as the workbook and the review page say it.
    pub fn masked_zh(&self) -> &'static str {
        if self.masked {
            "已遮盖"
        } else {
            "未遮盖"
        }
    }
}

impl Context<'_> {
    /// Whether `row` gets its own rows in a report.
    pub fn lists(&self, row: &Graded) -> bool {
        !self.only_flagged || row.outcome.as_ref().map_or(true, |o| o.card.flagged)
    }
}

/// The output formats. A front end names them as it likes; [`Spec::name`] is how messages do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 得分 CSV,每通电话一行 / the score CSV, one row per call
    Csv,
    /// 证据 CSV,每处命中一行 / the findings CSV, one row per hit
    Findings,
    /// JSON Lines,每通电话一个对象 (含证据和转写) / one JSON object per call
    Jsonl,
    /// Excel 工作簿: 得分、证据、坐席、规则 四张表 / an Excel workbook
    Xlsx,
    /// HTML 复核报告: 概览、复核队列、通话视图、坐席,可标记误判 / the supervisor's review page
    Html,
}

/// How a format is named, recognised and opened.
pub struct Spec {
    pub name: &'static str,
    /// File extensions that choose this format for `--out`, lower case, without the dot.
    pub extensions: &'static [&'static str],
    /// Binary output is never written to a terminal.
    pub binary: bool,
    /// Outputs are committed by rank, lowest first: evidence is in place before the scores
    /// that refer to it appear.
    pub commit_rank: u8,
    pub open: for<'a> fn(Output, Context<'a>) -> io::Result<Box<dyn Report + 'a>>,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Findings,
        Format::Jsonl,
        Format::Xlsx,
        Format::Html,
    ];

    pub fn spec(self) -> &'static Spec {
        match self {
            Format::Csv => &scores::SPEC,
            Format::Findings => &findings::SPEC,
            Format::Jsonl => &jsonl::SPEC,
            Format::Xlsx => &xlsx::SPEC,
            Format::Html => &html::SPEC,
        }
    }

    /// The format an `--out` file's extension asks for.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.spec().extensions.contains(&ext.as_str()))
    }

    /// Every extension `--out` recognises, for messages.
    pub fn known_extensions() -> String {
        Format::ALL
            .iter()
            .flat_map(|f| f.spec().extensions)
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A report that could not be written, and which output it was.
#[derive(Debug, thiserror::Error)]
#[error("无法写入 {target}: {}", crate::zh::io(.source))]
pub struct ReportError {
    pub target: String,
    pub source: io::Error,
}

struct Slot<'a> {
    target: Target,
    rank: u8,
    report: Option<Box<dyn Report + 'a>>,
}

/// Every report of a run, fed the same rows in the same order.
pub struct Reports<'a> {
    slots: Vec<Slot<'a>>,
    /// Stale temporary files removed beside the outputs when they were opened.
    pub stale_removed: usize,
}

impl<'a> Reports<'a> {
    /// Opens every `(format, target)`; nothing is written to a file until [`Reports::finish`].
    pub fn open(outputs: Vec<(Format, Target)>, cx: Context<'a>) -> Result<Self, ReportError> {
        let mut slots = Vec::with_capacity(outputs.len());
        let mut stale_removed = 0;
        for (format, target) in outputs {
            let spec = format.spec();
            let fail = |source| ReportError {
                target: target.name(),
                source,
            };
            let (out, removed) = target.open().map_err(fail)?;
            stale_removed += removed;
            let report = (spec.open)(out, cx).map_err(fail)?;
            slots.push(Slot {
                target,
                rank: spec.commit_rank,
                report: Some(report),
            });
        }
        Ok(Reports {
            slots,
            stale_removed,
        })
    }

    /// Hands a chunk of rows to every report still open, and passes them on
    /// ([`Report::flush`]).
    pub fn write(&mut self, rows: &[Graded]) -> Result<Flow, ReportError> {
        for slot in &mut self.slots {
            let Some(report) = &mut slot.report else {
                continue;
            };
            match report.write(rows).and_then(|()| report.flush()) {
                Ok(()) => {}
                Err(e) if closed_pipe(&e) => {
                    slot.report = None;
                }
                Err(source) => {
                    return Err(ReportError {
                        target: slot.target.name(),
                        source,
                    })
                }
            }
        }
        Ok(if self.slots.iter().all(|s| s.report.is_none()) {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }

    /// Finishes every report and writes out its buffers, then commits them: if any fails
    /// before the commits begin, none is committed and every file is left as it was.
    pub fn finish(self) -> Result<(), ReportError> {
        let mut finished = Vec::with_capacity(self.slots.len());
        for slot in self.slots {
            let Some(report) = slot.report else { continue };
            match report
                .finish()
                .and_then(|mut out| out.prepare().map(|()| out))
            {
                Ok(out) => finished.push((slot.rank, slot.target, out)),
                Err(e) if closed_pipe(&e) => {}
                Err(source) => {
                    return Err(ReportError {
                        target: slot.target.name(),
                        source,
                    })
                }
            }
        }
        finished.sort_by_key(|(rank, _, _)| *rank);
        // Everything is written out: what is left is renaming files into place.
        for (_, target, out) in finished {
            out.commit().map_err(|source| ReportError {
                target: target.name(),
                source,
            })?;
        }
        Ok(())
    }
}

/// When the evidence of `hit` happened, in milliseconds: (begin, end, measured length). A
/// timing observation is its own interval and has a length; words are placed at the time of
/// their turn, when the transcript has one.
fn when(hit: &Hit, turn: &Turn) -> (Option<u64>, Option<u64>, Option<u64>) {
    match hit.evidence.interval() {
        // A measurement's value is in its words (语速 7.3 字/秒), not in how long it covered.
        Some((begin, end)) if matches!(hit.evidence, crate::rule::Evidence::Measured(_)) => {
            (Some(begin), Some(end), None)
        }
        Some((begin, end)) => (Some(begin), Some(end), Some(end.saturating_sub(begin))),
        None => (turn.begin, turn.end, None),
    }
}

/// Why hit `i` of `o` counted other points than its rule's, in Chinese: the recogniser was
/// unsure of its words, its sentence was already charged, the rule's cap was reached, or a rule
/// that judges the whole call counted once. `None` for a hit that counted in full, or whose
/// rule has no points.
fn uncharged(set: &RuleSet, o: &Outcome, i: usize) -> Option<String> {
    let rule = &set.rules[o.hits[i].rule];
    let doubt = || {
        let policy = set.scoring.scheme(o.card.channel).confidence;
        let confidence = o.card.hit_confidence.get(i).copied().flatten();
        uncertain_note(
            confidence.unwrap_or_default(),
            policy,
            rule.points,
            rule.fatal,
        )
    };
    let uncertain = o.card.uncertain.get(i) == Some(&true);
    // Held for review: the doubt is why it cost nothing. Otherwise a sentence already charged
    // or a cap explains a 0 first, and the doubt a fraction or a full charge after.
    if o.card.held.get(i) == Some(&true) {
        return Some(doubt());
    }
    if rule.points == 0 || o.card.hit_points.get(i).is_none_or(|&p| p != 0) {
        return uncertain.then(doubt);
    }
    if let Some(by) = o.card.waived_by.get(i).copied().flatten() {
        return Some(waived_note(&rule.id, &set.rules[o.hits[by].rule].id));
    }
    Some(if rule.judges_whole_call() {
        "整通只计一次,这一处不再计分".into()
    } else {
        format!(
            "超出每通 {} 次的上限,不计分",
            rule.max_hits.unwrap_or_default()
        )
    })
}

/// 识别置信度 0.31,低于 0.4:待主管复核,不扣分 — what every report says of an uncertain hit
/// of a rule worth `points` (a bonus is only marked).
pub fn uncertain_note(
    confidence: f32,
    policy: crate::rule::ConfidencePolicy,
    points: i32,
    fatal: bool,
) -> String {
    use crate::rule::Uncertain;
    // f32's Display is the shortest that reads back: 0.4, not 0.4000000059604645.
    let what = format!("识别置信度 {confidence},低于 {}", policy.below);
    if points >= 0 && !fatal {
        return what;
    }
    match policy.action {
        Uncertain::Review => format!("{what}:待主管复核,不扣分"),
        Uncertain::Fraction(_) if fatal => format!("{what}:一票否决不按比例扣,待主管复核"),
        Uncertain::Fraction(f) => format!("{what}:按 {f} 倍扣分"),
        Uncertain::Deduct => format!("{what}:照常扣分"),
    }
}

/// A call's hit counts as one cell: `规则编号:次数`, `;`-separated, by rule id.
fn hit_counts_cell(card: &Scorecard) -> String {
    card.hit_counts
        .iter()
        .map(|(id, n)| format!("{id}:{n}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// A closed pipe (`| head`, or the reader of a named pipe gone) is the reader's choice, not a
/// failure: writing there stops, and the other outputs are finished. A regular file never
/// reports a broken pipe.
fn closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Unwraps csv's error so the caller sees the I/O error's own kind: a closed stdout must stay
/// recognisable as `BrokenPipe`.
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A CSV writer over `out`, after the BOM if the run asked for one.
fn csv_writer(mut out: Output, cx: &Context<'_>) -> io::Result<csv::Writer<Output>> {
    use std::io::Write;
    if cx.bom {
        out.write_all(UTF8_BOM)?;
    }
    Ok(csv::Writer::from_writer(out))
}
