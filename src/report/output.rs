//! Output files: where a report's bytes go, and the guarantee that writing them never destroys
//! anything.
//!
//! In: the paths given on the command line (or none, for stdout). Out: a [`Target`] per path,
//! checked against the inputs and against each other before anything is read, and an
//! [`Output`] that is written and then committed.
//!
//! - A regular file is replaced atomically: the report goes to a hidden temporary file beside
//!   it (`.NAME.zhijian-XXXXXX.tmp`), which is renamed over the target only when complete. A
//!   symlink to a regular file is followed, so the file it points to is the one replaced. A
//!   read-only one (no write bit in its mode) is refused when the target is resolved: the rename
//!   would replace it all the same.
//! - Anything else — a terminal, a pipe, `/dev/stdout`, `/dev/null`, a FIFO, or a symlink to
//!   one — is written in place and never renamed over. A path that is the process's own stdout
//!   (`/dev/stdout`, `/dev/fd/1`, or the file stdout was redirected to) is stdout.
//! - While a temporary file exists it is registered, and [`abandon_all`] deletes it: a front end
//!   calls that before the process dies of a signal (the `zhijian` binary does, on
//!   SIGINT/SIGTERM/SIGHUP), so an interrupted run leaves the old file and no debris. A temporary file is locked (`flock`) while its run is
//!   alive; one left by a run killed outright (SIGKILL, power loss) is unlocked, and the next run
//!   writing beside it removes it.

use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files of this process that are not yet renamed into place. [`abandon_all`] removes
/// them; a commit renames under the same lock, so an interruption sees each output either before
/// its rename (and removes the temporary file, leaving the old output) or after.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// What marks a temporary file as ours, after the leading `.` and the target's file name.
const TEMP_MARK: &str = ".zhijian-";
const TEMP_SUFFIX: &str = ".tmp";

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A file's identity, the same however its path is spelled (symlinks, `..`, hard links).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
    kind: fs::FileType,
}

impl FileId {
    #[cfg(unix)]
    fn of(meta: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            kind: meta.file_type(),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &Metadata) -> Option<FileId> {
        None
    }

    /// Whether it is a regular file: the only kind an output can destroy by writing over it.
    pub fn is_regular_file(&self) -> bool {
        self.kind.is_file()
    }

    /// A terminal or `/dev/null`: two reports may share one without harm.
    fn is_char_device(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            self.kind.is_char_device()
        }
        #[cfg(not(unix))]
        false
    }

    /// The identity of the file at `path`, following symlinks.
    pub fn of_path(path: &Path) -> Option<FileId> {
        FileId::of(&fs::metadata(path).ok()?)
    }

    /// What the process's stdout is connected to.
    pub fn stdout() -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            FileId::of_fd(io::stdout().as_fd())
        }
        #[cfg(not(unix))]
        None
    }

    /// What the process's stdin is connected to.
    pub fn stdin() -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            FileId::of_fd(io::stdin().as_fd())
        }
        #[cfg(not(unix))]
        None
    }

    #[cfg(unix)]
    fn of_fd(fd: std::os::fd::BorrowedFd<'_>) -> Option<FileId> {
        // A duplicate, so that closing it leaves the process's own descriptor open.
        let file = File::from(fd.try_clone_to_owned().ok()?);
        FileId::of(&file.metadata().ok()?)
    }
}

/// Where one report goes, settled before anything is written.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as the user wrote it, for messages; `None` for stdout.
    pub spelled: Option<PathBuf>,
    place: Place,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Stdout,
    /// Not a regular file (a terminal, a pipe, a device): opened and written as it is.
    Device(PathBuf),
    /// A regular file, existing or not, at its real path (symlinks resolved).
    Replace {
        path: PathBuf,
        existed: bool,
    },
}

impl Target {
    /// The process's stdout.
    pub fn stdout() -> Target {
        Target {
            spelled: None,
            place: Place::Stdout,
        }
    }

    /// Settles where `spelled` leads. `-` is stdout.
    pub fn resolve(spelled: &Path) -> io::Result<Target> {
        let place = if spelled.as_os_str() == "-" {
            Place::Stdout
        } else {
            place_of(spelled)?
        };
        Ok(Target {
            spelled: Some(spelled.to_path_buf()),
            place,
        })
    }

    /// The target as a user names it: the path they gave, or 标准输出.
    pub fn name(&self) -> String {
        match (&self.spelled, &self.place) {
            (Some(p), _) if p.as_os_str() != "-" => p.display().to_string(),
            _ => "标准输出".into(),
        }
    }

    /// Whether the target is a regular file (replaced atomically), rather than stdout or a
    /// device.
    pub fn is_regular_file(&self) -> bool {
        matches!(self.place, Place::Replace { .. })
    }

    /// Whether the target is a terminal (binary output there is a mistake).
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        match &self.place {
            Place::Stdout => io::stdout().is_terminal(),
            // Not by opening it: opening a FIFO blocks until the other end is opened.
            Place::Device(path) => fs::canonicalize(path)
                .is_ok_and(|p| p.starts_with("/dev/pts") || p.starts_with("/dev/tty")),
            Place::Replace { .. } => false,
        }
    }

    /// The identity of the file this target writes to, if it exists already.
    pub fn id(&self) -> Option<FileId> {
        match &self.place {
            Place::Stdout => FileId::stdout(),
            Place::Device(path) => FileId::of_path(path),
            Place::Replace { path, existed } => existed.then(|| FileId::of_path(path)).flatten(),
        }
    }

    /// Whether two targets would write the same file: both stdout, one regular file or one
    /// pipe however spelled — not a terminal or `/dev/null`, which two reports can share.
    pub fn same_as(&self, other: &Target) -> bool {
        match (&self.place, &other.place) {
            (Place::Stdout, Place::Stdout) => true,
            (Place::Replace { path: a, .. }, Place::Replace { path: b, .. }) if a == b => true,
            _ => match (self.id(), other.id()) {
                (Some(a), Some(b)) => a == b && !a.is_char_device(),
                _ => false,
            },
        }
    }

    /// Opens the target for writing. For a regular file this creates the temporary file (after
    /// removing any stale ones a killed run left beside it); the target itself is untouched
    /// until [`Output::commit`]. Also returns how many stale temporary files were removed.
    pub fn open(&self) -> io::Result<(Output, usize)> {
        match &self.place {
            Place::Stdout => Ok((Output::Stdout(BufWriter::new(io::stdout())), 0)),
            Place::Device(path) => {
                let file = fs::OpenOptions::new().write(true).open(path)?;
                Ok((Output::Device(BufWriter::new(file)), 0))
            }
            Place::Replace { path, .. } => {
                let removed = remove_stale_temp_files(path);
                Ok((Output::Atomic(Pending::create(path)?), removed))
            }
        }
    }
}

fn place_of(spelled: &Path) -> io::Result<Place> {
    match fs::metadata(spelled) {
        Ok(meta) => {
            // `/dev/stdout` (or the file stdout was redirected to) is already open as stdout:
            // opening it again would truncate it under our own feet, and renaming over it
            // would replace the system's symlink.
            if FileId::of(&meta).is_some() && FileId::of(&meta) == FileId::stdout() {
                return Ok(Place::Stdout);
            }
            if meta.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "这是一个目录,请给出文件名",
                ));
            }
            if !meta.is_file() {
                return Ok(Place::Device(spelled.to_path_buf()));
            }
            let real = fs::canonicalize(spelled)?;
            if is_virtual(&real) {
                // A /proc/…/fd link to a deleted or anonymous file: only writable as it is.
                return Ok(Place::Device(spelled.to_path_buf()));
            }
            // Renaming over a file needs only the directory to be writable, so a read-only
            // report would be replaced as if it were not: its mode is somebody's wish to keep
            // it. By the mode bits, not access(2), so the answer is the same for root.
            if meta.permissions().readonly() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "文件是只读的,不会替换它;确需替换请先 chmod u+w {},或换一个输出文件",
                        spelled.display()
                    ),
                ));
            }
            Ok(Place::Replace {
                path: real,
                existed: true,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let path = follow_dangling(spelled)?;
            if is_virtual(&path) {
                return Err(e);
            }
            let name = path
                .file_name()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidFilename, "路径没有文件名"))?;
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let parent = fs::canonicalize(parent).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => {
                    io::Error::new(io::ErrorKind::NotFound, "所在的目录不存在")
                }
                _ => e,
            })?;
            Ok(Place::Replace {
                path: parent.join(name),
                existed: false,
            })
        }
        Err(e) => Err(e),
    }
}

/// A symlink whose target does not exist yet names the file to create: the link stays.
fn follow_dangling(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many hops as Linux itself follows before it calls it a loop.
    for _ in 0..40 {
        let Ok(link) = fs::read_link(&path) else {
            // Not a symlink: the file to create.
            return Ok(path);
        };
        // Relative to the link's directory; `join` keeps an absolute link as it is.
        path = path.parent().unwrap_or(Path::new("")).join(link);
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "符号链接层数过多 (可能成环)",
    ))
}

/// Kernel file systems, where creating or renaming files is never what a report wants.
fn is_virtual(path: &Path) -> bool {
    path.starts_with("/proc") || path.starts_with("/dev/fd") || path == Path::new("/dev/stdout")
}

/// `.NAME.zhijian-`: the prefix of the temporary files for the output `NAME`.
fn temp_prefix(target: &Path) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(target.file_name().unwrap_or_default());
    prefix.push(TEMP_MARK);
    prefix
}

/// Removes temporary files left beside `target` by runs that were killed before they could
/// clean up: files of our naming that no live process holds locked. Also the unlocked
/// `.zhijian-XXXXXX.tmp` files of versions before the lock. Returns how many were removed.
fn remove_stale_temp_files(target: &Path) -> usize {
    let (Some(dir), Some(prefix)) = (
        target.parent(),
        temp_prefix(target).to_str().map(String::from),
    ) else {
        return 0;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let legacy = name.len() == ".zhijian-XXXXXX.tmp".len()
            && name.starts_with(TEMP_MARK)
            && name.ends_with(TEMP_SUFFIX);
        let ours = name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX);
        if !(ours || legacy) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let Ok(file) = File::open(entry.path()) else {
            continue;
        };
        // Locked: its run is alive. Unlocked: its run is gone, or it is being checked by
        // another run this instant — which then gives that file up, see `Pending::create`.
        if file.try_lock().is_ok() && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A temporary file that becomes `path` on commit, or disappears.
pub struct Pending {
    file: BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl Pending {
    fn create(path: &Path) -> io::Result<Pending> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let existing = fs::metadata(path).ok();
        let prefix = temp_prefix(path);
        for _ in 0..8 {
            let mut builder = tempfile::Builder::new();
            builder.prefix(&prefix).suffix(TEMP_SUFFIX);
            // tempfile creates 0600 files; a report is for the whole QA team, so ask for what a
            // plain create would give (0666 less the umask).
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(fs::Permissions::from_mode(0o666));
            }
            let (file, tmp) = builder.tempfile_in(dir)?.keep().map_err(|e| e.error)?;
            // Registered before anything else can fail, so that a signal from here on
            // removes it.
            pending().push(tmp.clone());
            let pending = Pending {
                file: BufWriter::new(file),
                tmp,
                path: path.to_path_buf(),
            };
            // Another run checking for stale files holds the lock this instant and will
            // delete the file: give it up and make another.
            if pending.file.get_ref().try_lock().is_err() {
                continue;
            }
            // Replacing a file keeps its permissions.
            if let Some(meta) = &existing {
                pending.file.get_ref().set_permissions(meta.permissions())?;
            }
            return Ok(pending);
        }
        Err(io::Error::new(
            io::ErrorKind::ResourceBusy,
            "无法创建临时文件: 一直被其他进程占用",
        ))
    }

    /// Everything written is on disk; only the rename is left.
    fn prepare(&mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.get_ref().sync_all()
    }

    fn commit(mut self) -> io::Result<()> {
        self.prepare()?;
        let mut pending = pending();
        fs::rename(&self.tmp, &self.path)?;
        pending.retain(|p| *p != self.tmp);
        drop(pending);
        // The rename is durable once the directory is; a failure here loses nothing.
        if let Some(dir) = self.path.parent() {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        // Nothing left to remove on drop.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.tmp.as_os_str().is_empty() {
            return;
        }
        let mut pending = pending();
        let _ = fs::remove_file(&self.tmp);
        pending.retain(|p| *p != self.tmp);
    }
}

/// An opened report destination.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    Device(BufWriter<File>),
    Atomic(Pending),
}

impl Output {
    /// Flushes, and for a regular file makes the new content durable and moves it into place.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::Device(mut out) => out.flush(),
            Output::Atomic(pending) => pending.commit(),
        }
    }

    /// Writes out everything buffered (and for a regular file makes it durable), so that the
    /// commit that follows has nothing left that can fail but the rename.
    pub fn prepare(&mut self) -> io::Result<()> {
        self.flush()?;
        match self {
            Output::Atomic(pending) => pending.file.get_ref().sync_all(),
            Output::Stdout(_) | Output::Device(_) => Ok(()),
        }
    }

    /// An output that is dropped without a commit leaves the target as it was.
    pub fn abandon(self) {}
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::Device(out) => out.write(buf),
            Output::Atomic(p) => p.file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.write_all(buf),
            Output::Device(out) => out.write_all(buf),
            Output::Atomic(p) => p.file.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::Device(out) => out.flush(),
            Output::Atomic(p) => p.file.flush(),
        }
    }
}

/// Every temporary file of this process, removed, with commits held off while it lives.
///
/// For a front end that is about to end the process — on Ctrl-C, say — and must leave each old
/// output as it was and no debris beside it. Any commit that has not begun its rename waits for
/// the lock this holds, so no output appears after the cleanup; a front end that ends the
/// process keeps it until then.
pub struct Abandoned {
    _held: std::sync::MutexGuard<'static, Vec<PathBuf>>,
    /// How many temporary files were there to remove: 0 when no report had been opened yet.
    pub removed: usize,
}

/// Removes this process's unfinished reports' temporary files at once, leaving every target as
/// it was, and blocks commits until the [`Abandoned`] is dropped. Safe to call from any thread,
/// including one that handles signals, while other threads are writing.
pub fn abandon_all() -> Abandoned {
    let held = pending();
    for tmp in held.iter() {
        let _ = fs::remove_file(tmp);
    }
    Abandoned {
        removed: held.len(),
        _held: held,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(TEMP_SUFFIX))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_regular_file_changes_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        fs::write(&path, "old").unwrap();
        let target = Target::resolve(&path).unwrap();
        let (mut out, _) = target.open().unwrap();
        out.write_all(b"new").unwrap();
        out.flush().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(temp_files(dir.path()).len(), 1);
        assert!(temp_files(dir.path())[0].starts_with(".scores.csv.zhijian-"));
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert!(temp_files(dir.path()).is_empty());
        assert!(!pending().iter().any(|p| p.starts_with(dir.path())));
    }

    #[test]
    fn an_abandoned_output_leaves_the_old_file_and_no_debris() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        fs::write(&path, "old").unwrap();
        let (mut out, _) = Target::resolve(&path).unwrap().open().unwrap();
        out.write_all(b"half a rep").unwrap();
        out.abandon();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn stale_temp_files_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let stale = dir.path().join(".r.csv.zhijian-AbC123.tmp");
        let legacy = dir.path().join(".zhijian-XyZ789.tmp");
        let other = dir.path().join(".other.csv.zhijian-AbC123.tmp");
        let unrelated = dir.path().join(".r.csv.tmp");
        // As long as an old temporary file's name, and nothing like one.
        let same_length = dir.path().join("report-2026-11.xlsx");
        for p in [&stale, &legacy, &other, &unrelated, &same_length] {
            fs::write(p, "debris").unwrap();
        }
        // A run that is still writing holds its temporary file locked.
        let live = dir.path().join(".r.csv.zhijian-Live00.tmp");
        let held = File::create(&live).unwrap();
        held.lock().unwrap();

        let (out, removed) = Target::resolve(&path).unwrap().open().unwrap();
        assert_eq!(removed, 2);
        assert!(!stale.exists() && !legacy.exists());
        assert!(live.exists(), "a locked temp file belongs to a live run");
        assert!(
            other.exists(),
            "another output's temp files are its own run's business"
        );
        assert!(unrelated.exists() && same_length.exists());
        out.abandon();
    }

    /// [`abandon_all`] removes what is registered: each output unregisters only its own
    /// temporary file, whether it is committed or abandoned.
    #[test]
    fn each_output_registers_its_own_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| {
            Target::resolve(&dir.path().join(name))
                .unwrap()
                .open()
                .unwrap()
                .0
        };
        let ours = |tag: &str| {
            pending()
                .iter()
                .filter(|p| p.starts_with(dir.path()))
                .filter(|p| p.to_string_lossy().contains(tag))
                .count()
        };
        let (a, b, c) = (open("a.csv"), open("b.csv"), open("c.csv"));
        assert_eq!(
            (ours(".a.csv."), ours(".b.csv."), ours(".c.csv.")),
            (1, 1, 1)
        );
        a.abandon();
        assert_eq!(
            (ours(".a.csv."), ours(".b.csv."), ours(".c.csv.")),
            (0, 1, 1)
        );
        b.commit().unwrap();
        assert_eq!((ours(".b.csv."), ours(".c.csv.")), (0, 1));
        c.abandon();
        assert_eq!(ours(".zhijian-"), 0);
    }

    #[test]
    fn a_dangling_symlink_names_the_file_to_create() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("latest.csv");
        std::os::unix::fs::symlink("2026-11-24.csv", &link).unwrap();
        // A chain of links, one of them absolute.
        let first = dir.path().join("current.csv");
        std::os::unix::fs::symlink(&link, &first).unwrap();
        let (mut out, _) = Target::resolve(&first).unwrap().open().unwrap();
        out.write_all(b"via the chain").unwrap();
        out.commit().unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("2026-11-24.csv")).unwrap(),
            "via the chain"
        );
        fs::remove_file(dir.path().join("2026-11-24.csv")).unwrap();
        let (mut out, _) = Target::resolve(&link).unwrap().open().unwrap();
        out.write_all(b"x").unwrap();
        out.commit().unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_to_string(dir.path().join("2026-11-24.csv")).unwrap(),
            "x"
        );
    }

    #[test]
    fn special_files_are_written_in_place() {
        let target = Target::resolve(Path::new("/dev/null")).unwrap();
        assert!(matches!(target.place, Place::Device(_)));
        let (mut out, _) = target.open().unwrap();
        out.write_all(b"gone").unwrap();
        out.commit().unwrap();
        assert!(fs::symlink_metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device_like());
    }

    trait CharDevice {
        fn is_char_device_like(&self) -> bool;
    }
    impl CharDevice for fs::FileType {
        fn is_char_device_like(&self) -> bool {
            use std::os::unix::fs::FileTypeExt;
            self.is_char_device()
        }
    }

    #[test]
    fn a_read_only_file_is_refused_and_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.csv");
        fs::write(&path, "old").unwrap();
        for mode in [0o444, 0o400, 0o555] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = Target::resolve(&path).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{mode:o}");
            assert!(crate::zh::io(&err).starts_with("文件是只读的"), "{err}");
            // Through a symlink too: the file it points to is the one that would be replaced.
            let link = dir.path().join(format!("link-{mode:o}.csv"));
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(Target::resolve(&link).is_err(), "{mode:o}");
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        // Writable by its owner only is writable.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Target::resolve(&path).is_ok());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_directory_or_a_missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Target::resolve(dir.path()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        let err = Target::resolve(&dir.path().join("no/such/x.csv")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn spellings_of_one_file_are_the_same_target() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        fs::write(&a, "").unwrap();
        fs::hard_link(&a, dir.path().join("hard.csv")).unwrap();
        let t = |p: &str| Target::resolve(&dir.path().join(p)).unwrap();
        assert!(t("a.csv").same_as(&t("./a.csv")));
        assert!(t("a.csv").same_as(&t("hard.csv")));
        assert!(t("new.csv").same_as(&t("./new.csv")));
        assert!(!t("a.csv").same_as(&t("new.csv")));
        assert!(Target::stdout().same_as(&Target::stdout()));
        let null = || Target::resolve(Path::new("/dev/null")).unwrap();
        assert!(
            !null().same_as(&null()),
            "two reports may both be discarded"
        );
        assert!(!null().id().unwrap().is_regular_file());
        assert!(t("a.csv").id().unwrap().is_regular_file());
        assert!(!Target::stdout().same_as(&t("a.csv")));
    }
}
