//! The findings CSV: one row per hit, the evidence a supervisor checks.

use std::io::{self, Write};

use super::{csv_writer, io_error};
use crate::grade::Graded;
use crate::rule::RuleSet;

pub const FINDINGS_HEADER: [&str; 8] = [
    "call_id", "rule_id", "turn", "role", "start", "end", "matched", "message",
];

/// Writes the findings CSV a chunk of rows at a time.
pub struct FindingsCsv<'a, W: Write> {
    csv: csv::Writer<W>,
    set: &'a RuleSet,
}

impl<'a, W: Write> FindingsCsv<'a, W> {
    /// Starts the CSV with its header.
    pub fn new(out: W, set: &'a RuleSet) -> io::Result<Self> {
        let mut csv = csv_writer(out);
        csv.write_record(FINDINGS_HEADER).map_err(io_error)?;
        Ok(FindingsCsv { csv, set })
    }

    /// One row per hit: the turn (from 0), who spoke, the character offsets of the evidence in
    /// that turn's text, what was said, and the rule's message.
    pub fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for row in rows {
            let Ok(o) = &row.outcome else { continue };
            for hit in &o.hits {
                let rule = &self.set.rules[hit.rule];
                self.csv
                    .write_record([
                        row.call_id.as_str(),
                        rule.id.as_str(),
                        &hit.turn.to_string(),
                        o.call.turns[hit.turn].role.as_str(),
                        &hit.start.to_string(),
                        &hit.end.to_string(),
                        &hit.matched,
                        &rule.message,
                    ])
                    .map_err(io_error)?;
            }
        }
        Ok(())
    }

    /// Flushes and gives back the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}
