//! The score CSV: one row per call, in source order.

use std::io::{self, Write};

use super::csv_writer;
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

/// Writes the header and one row per graded item. An item that could not be read has its
/// `error` filled, everything it could not know left empty, and is flagged.
pub fn write_scores(out: &mut dyn Write, rows: &[Graded]) -> io::Result<()> {
    let mut w = csv_writer(out);
    w.write_record(SCORES_HEADER)?;
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
                w.write_record([
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
                ])?;
            }
            Err(e) => {
                w.write_record([
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
                ])?;
            }
        }
    }
    w.flush()
}
