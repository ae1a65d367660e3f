//! The findings CSV: one row per hit, the evidence a supervisor checks.

use std::io::{self, Write};

use super::csv_writer;
use crate::grade::Graded;
use crate::rule::RuleSet;

pub const FINDINGS_HEADER: [&str; 8] = [
    "call_id", "rule_id", "turn", "role", "start", "end", "matched", "message",
];

/// Writes one row per hit: the turn (from 0), who spoke, the character offsets of the
/// evidence in that turn's text, what was said, and the rule's message.
pub fn write_findings(out: &mut dyn Write, set: &RuleSet, rows: &[Graded]) -> io::Result<()> {
    let mut w = csv_writer(out);
    w.write_record(FINDINGS_HEADER)?;
    for row in rows {
        let Ok(o) = &row.outcome else { continue };
        for hit in &o.hits {
            let rule = &set.rules[hit.rule];
            w.write_record([
                row.call_id.as_str(),
                rule.id.as_str(),
                &hit.turn.to_string(),
                o.call.turns[hit.turn].role.as_str(),
                &hit.start.to_string(),
                &hit.end.to_string(),
                &hit.matched,
                &rule.message,
            ])?;
        }
    }
    w.flush()
}
