//! Report: graded calls → CSV files a QA team opens and a supervisor reads.
//!
//! In: the [`Graded`] rows of a batch. Out: the score CSV (one row per call, fixed columns),
//! the findings CSV (one row per hit: the evidence behind every deduction), and the atomic
//! file writes both go through.

mod findings;
mod scores;

use std::io::{self, Write};
use std::path::Path;

pub use findings::{write_findings, FINDINGS_HEADER};
pub use scores::{write_scores, SCORES_HEADER};

/// Writes a file so that it is either complete or not there: the content goes to a temporary
/// file in the same directory, which is renamed over `path` only once fully written. An
/// interrupted run leaves the previous file (or none), never half a report.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".zhijian-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut out = io::BufWriter::new(tmp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The UTF-8 byte-order mark Excel needs to open a CSV as UTF-8 instead of the system code page.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::Writer::from_writer(out)
}
