//! Report: graded calls → CSV files a QA team opens and a supervisor reads.
//!
//! In: the [`Graded`](crate::grade::Graded) rows of a batch, a chunk at a time. Out: the score
//! CSV (one row per call, fixed columns) and the findings CSV (one row per hit: the evidence
//! behind every deduction), written to stdout or to files that appear only when complete.

mod findings;
mod scores;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use findings::{FindingsCsv, FINDINGS_HEADER};
pub use scores::{ScoresCsv, SCORES_HEADER};

/// The UTF-8 byte-order mark Excel needs to open a CSV as UTF-8 instead of the system code page.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a report goes: stdout, or a file written atomically. A file's content goes to a
/// temporary file in the same directory, renamed over the target only by [`Output::commit`];
/// an interrupted run leaves the previous file (or none), never half a report.
pub enum Output {
    Stdout(io::Stdout),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Output {
    /// Opens `path`'s temporary sibling, or stdout when there is no path.
    pub fn create(path: Option<&Path>) -> io::Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(io::stdout()));
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".zhijian-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(Output::File {
            tmp: BufWriter::new(tmp),
            path: path.to_path_buf(),
        })
    }

    /// Flushes, and for a file makes it durable and moves it into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::File { tmp, path } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map(|_: File| ()).map_err(|e| e.error)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File { tmp, .. } => tmp.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { tmp, .. } => tmp.flush(),
        }
    }
}

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::Writer::from_writer(out)
}

/// Unwraps csv's error so the caller sees the I/O error's own kind: a closed stdout must stay
/// recognisable as `BrokenPipe`.
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
