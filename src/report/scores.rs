//! The score CSV: one row per call, in batch order, with the fixed columns of [`row`].

use std::io;

use super::row::{self, SCORES_HEADER};
use super::{csv_writer, io_error, Context, Output, Report, Spec};
use crate::grade::Graded;

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
    /// One row per graded item (see [`row`]).
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for graded in rows.iter().filter(|r| self.cx.lists(r)) {
            let cells = row::cells(graded, self.cx.masked);
            self.csv
                .write_record(cells.iter().map(|c| c.csv().into_owned()))
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
