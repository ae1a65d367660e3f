//! The findings CSV: one row per hit, the evidence a supervisor checks, each row readable on
//! its own (which call, from which file, which agent, which rule, what it cost, what was said or
//! measured, and when).
//!
//! The first eight columns are those of earlier versions, in the same order; the rest are
//! appended so that existing spreadsheets keep working.

use std::io;

use super::{csv_writer, io_error, neutralise, uncharged, when, Context, Output, Report, Spec};
use crate::grade::Graded;

pub const FINDINGS_HEADER: [&str; 20] = [
    "call_id",
    "rule_id",
    "turn",
    "role",
    "start",
    "end",
    "matched",
    "message",
    "source",
    "agent",
    "rule_title",
    "points",
    "fatal",
    "evidence",
    "begin_ms",
    "end_ms",
    "measured_ms",
    "masked",
    "uncharged",
    "confidence",
];

pub(super) const SPEC: Spec = Spec {
    name: "findings",
    extensions: &[],
    binary: false,
    commit_rank: 0,
    open: |out, cx| Ok(Box::new(FindingsCsv::new(out, cx)?)),
};

struct FindingsCsv<'a> {
    csv: csv::Writer<Output>,
    cx: Context<'a>,
}

impl<'a> FindingsCsv<'a> {
    fn new(out: Output, cx: Context<'a>) -> io::Result<Self> {
        let mut csv = csv_writer(out, &cx)?;
        csv.write_record(FINDINGS_HEADER).map_err(io_error)?;
        Ok(FindingsCsv { csv, cx })
    }
}

fn number(n: Option<impl ToString>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl Report for FindingsCsv<'_> {
    /// One row per hit. Words said (or, for something missing, the turn where it was due, or
    /// what made it due) have their character offsets in the turn and the turn's time; a
    /// timing observation has no words, only its interval and length.
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for row in rows.iter().filter(|r| self.cx.lists(r)) {
            let Ok(o) = &row.outcome else { continue };
            let id = neutralise(&row.call_id);
            let source = neutralise(&row.source);
            let agent = neutralise(o.call.agent().unwrap_or(""));
            for (i, (hit, points)) in o.hits.iter().zip(&o.card.hit_points).enumerate() {
                let rule = &self.cx.rules.rules[hit.rule];
                let turn = &o.call.turns[hit.turn];
                let quote = hit.quote();
                let (begin, end, measured) = when(hit, turn);
                self.csv
                    .write_record([
                        id.as_ref(),
                        &rule.id,
                        &hit.turn.to_string(),
                        turn.role.as_str(),
                        &number(quote.map(|q| q.start)),
                        &number(quote.map(|q| q.end)),
                        &neutralise(quote.map_or("", |q| q.text.as_str())),
                        &neutralise(&hit.message(&rule.message)),
                        &source,
                        &agent,
                        &neutralise(&rule.title),
                        &points.to_string(),
                        if rule.fatal { "true" } else { "false" },
                        hit.evidence.kind(),
                        &number(begin),
                        &number(end),
                        &number(measured),
                        if self.cx.masked { "true" } else { "false" },
                        &uncharged(self.cx.rules, o, i).unwrap_or_default(),
                        &number(
                            o.card
                                .hit_confidence
                                .get(i)
                                .copied()
                                .flatten()
                                .map(|c| c.to_string()),
                        ),
                    ])
                    .map_err(io_error)?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.csv.flush()
    }

    fn finish(self: Box<Self>) -> io::Result<Output> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}
