//! The score CSV: one row per call, in source order.

use std::io::{self, Write};

use super::{csv_writer, io_error};
use crate::grade::Graded;
use crate::score::ERROR_REASON;

pub const SCORES_HEADER: [&str; 12] = [
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
];

/// Writes the score CSV a chunk of rows at a time.
pub struct ScoresCsv<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> ScoresCsv<W> {
    /// Starts the CSV with its header.
    pub fn new(out: W) -> io::Result<Self> {
        let mut csv = csv_writer(out);
        csv.write_record(SCORES_HEADER).map_err(io_error)?;
        Ok(ScoresCsv { csv })
    }

    /// One row per graded item. An item that could not be read has `error` filled, what it
    /// could not know left empty, and is flagged.
    pub fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for row in rows {
            match &row.outcome {
                Ok(o) => {
                    let c = &o.card;
                    let hits = c
                        .hit_counts
                        .iter()
                        .map(|(id, n)| format!("{id}:{n}"))
                        .collect::<Vec<_>>()
                        .join(";");
                    self.csv
                        .write_record([
                            row.call_id.as_str(),
                            row.source.as_str(),
                            o.call.agent().unwrap_or(""),
                            &c.score.to_string(),
                            &c.tier,
                            &c.service_type,
                            &c.attitude.to_string(),
                            &c.procedure.to_string(),
                            if c.flagged { "true" } else { "false" },
                            &c.flag_reasons.join(";"),
                            &hits,
                            "",
                        ])
                        .map_err(io_error)?;
                }
                Err(e) => self
                    .csv
                    .write_record([
                        row.call_id.as_str(),
                        row.source.as_str(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "true",
                        ERROR_REASON,
                        "",
                        &e.to_string(),
                    ])
                    .map_err(io_error)?,
            }
        }
        Ok(())
    }

    /// Flushes and gives back the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}
