//! The score CSV: one row per call, in batch order, with fixed columns.
//!
//! The columns and their order are a contract with the spreadsheets and scripts built on this
//! file: new columns are only ever appended.

use std::io;

use super::{csv_writer, hit_counts_cell, io_error, neutralise, Context, Output, Report, Spec};
use crate::grade::Graded;
use crate::score::ERROR_REASON;

pub const SCORES_HEADER: [&str; 15] = [
    "call_id",
    "source",
    "agent",
    "score",
    "tier",
    "service_type",
    "attitude",
    "procedure",
    "flagged",
    "flag_reasons",
    "hits",
    "error",
    "roles",
    "channel",
    "masked",
];

pub(super) const SPEC: Spec = Spec {
    name: "csv",
    extensions: &["csv"],
    binary: false,
    commit_rank: 2,
    open: |out, cx| Ok(Box::new(ScoresCsv::new(out, cx)?)),
};

struct ScoresCsv<'a> {
    csv: csv::Writer<Output>,
    cx: Context<'a>,
}

impl<'a> ScoresCsv<'a> {
    fn new(out: Output, cx: Context<'a>) -> io::Result<Self> {
        let mut csv = csv_writer(out, &cx)?;
        csv.write_record(SCORES_HEADER).map_err(io_error)?;
        Ok(ScoresCsv { csv, cx })
    }
}

impl Report for ScoresCsv<'_> {
    /// One row per graded item. An item that could not be read has `error` filled, what it
    /// could not know left empty, and is flagged.
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        let masked = if self.cx.masked { "true" } else { "false" };
        for row in rows.iter().filter(|r| self.cx.lists(r)) {
            let id = neutralise(&row.call_id);
            let source = neutralise(&row.source);
            let record = match &row.outcome {
                Ok(o) => {
                    let c = &o.card;
                    let hits = hit_counts_cell(c);
                    [
                        id,
                        source,
                        neutralise(o.call.agent().unwrap_or("")),
                        c.score.to_string().into(),
                        c.tier.as_str().into(),
                        c.service_type.as_str().into(),
                        c.attitude.to_string().into(),
                        c.procedure.to_string().into(),
                        if c.flagged { "true" } else { "false" }.into(),
                        c.flag_reasons.join(";").into(),
                        hits.into(),
                        "".into(),
                        neutralise(&o.call.roles.describe()).into_owned().into(),
                        c.channel.name().into(),
                        masked.into(),
                    ]
                }
                Err(e) => [
                    id,
                    source,
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                    "true".into(),
                    ERROR_REASON.into(),
                    "".into(),
                    // zhijian's own sentence (see `InputError`): text from the input is only
                    // ever inside it, so it is written as it is.
                    e.to_string().into(),
                    "".into(),
                    "".into(),
                    masked.into(),
                ],
            };
            self.csv
                .write_record(record.iter().map(|c| c.as_bytes()))
                .map_err(io_error)?;
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
