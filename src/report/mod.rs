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

/// Where a report goes: stdout, a regular file written atomically, or a special file (a
/// device, a pipe) written directly.
///
/// A regular file's content goes to a temporary file in the same directory, renamed over the
/// target only by [`Output::commit`]; an interrupted run leaves the previous file (or none),
/// never half a report. A symlink is followed, so the file it points to is the one replaced.
/// `/dev/null` or a named pipe cannot be replaced by a rename and has no half-written state to
/// protect, so it is opened and written as is.
pub enum Output {
    Stdout(io::Stdout),
    Atomic {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
    Direct(BufWriter<File>),
}

impl Output {
    /// Opens the destination for `path`, or stdout when there is no path.
    pub fn create(path: Option<&Path>) -> io::Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(io::stdout()));
        };
        let target = match std::fs::canonicalize(path) {
            Ok(real) if !std::fs::metadata(&real)?.is_file() => {
                return Ok(Output::Direct(BufWriter::new(File::create(&real)?)))
            }
            Ok(real) => real,
            Err(_) => path.to_path_buf(),
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".zhijian-").suffix(".tmp");
        // tempfile creates 0600 files; a report is for the whole QA team, so ask for what a
        // plain create would give (0666 less the umask).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        Ok(Output::Atomic {
            tmp: BufWriter::new(builder.tempfile_in(dir)?),
            path: target,
        })
    }

    /// Flushes, and for a regular file makes it durable and moves it into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::Direct(mut out) => out.flush(),
            Output::Atomic { tmp, path } => {
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
            Output::Atomic { tmp, .. } => tmp.write(buf),
            Output::Direct(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::Atomic { tmp, .. } => tmp.flush(),
            Output::Direct(out) => out.flush(),
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
