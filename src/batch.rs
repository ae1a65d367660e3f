//! Batch policy: what any front end must settle before a batch is graded, and watch while it is.
//!
//! In: the report files a user asked for ([`Request`]), the sources [`crate::input::discover`]
//! found, and the graded rows as they come. Out: the outputs planned — which [`Format`] goes to
//! which [`Target`] ([`plan`]) — or why the request cannot be met ([`PlanError`]); a [`Clash`]
//! when an output would destroy an input or two outputs share a file ([`check_clashes`]); and the
//! running [`Tally`] of a batch, which names each call id seen more than once ([`Duplicate`]).
//!
//! These are the library's so that every front end refuses the same dangerous runs and plans
//! the same files: a command line, a service or a test harness. Writing the planned outputs — a
//! temporary file renamed into place only when complete — is [`crate::report`]'s
//! ([`crate::report::Reports`], [`crate::report::output`]). How a refusal is worded for a user
//! who typed flags is the front end's; [`Clash`] reads the same everywhere, as it names only
//! files.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::day::Dating;
use crate::grade::Graded;
use crate::input::Source;
use crate::report::{FileId, Format, Target};

/// The reports a user asked a batch for, before anything is resolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// Report files, each in the format its extension names (else `format`). None: one report,
    /// to stdout.
    pub files: &'a [PathBuf],
    /// The format of stdout, and of a file whose name does not say.
    pub format: Option<Format>,
    /// The supervisor's review page, as well.
    pub html: Option<&'a Path>,
    /// The findings CSV, one row per hit, as well.
    pub findings: Option<&'a Path>,
}

/// Why the reports asked for cannot be written as asked. Nothing has been written.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The destination cannot be written (a missing directory, a read-only file, a directory).
    #[error("无法写入 {}: {}", .path.display(), crate::zh::io(.source))]
    Unwritable { path: PathBuf, source: io::Error },
    /// A report file's extension names another format than the one asked for.
    #[error("{} 的扩展名表示 {} 格式,与要求的 {} 格式矛盾", .path.display(), .by_name.spec().name, .asked.spec().name)]
    Contradicts {
        path: PathBuf,
        by_name: Format,
        asked: Format,
    },
    /// A report file whose name says no format, and no format was asked for.
    #[error("无法从 {} 的扩展名判断格式: 请用 {}", .path.display(), Format::known_extensions())]
    NoFormat { path: PathBuf },
    /// The findings CSV asked for as a report file: it has a place of its own in the request.
    #[error("证据明细须单独指定输出")]
    FindingsAsReport,
    /// The review page or the findings given a file name of another format.
    #[error("{} 写的是 {} 格式,不能写成 {} 文件", .path.display(), .writes.spec().name, .named.spec().name)]
    WrongExtension {
        path: PathBuf,
        /// What goes there.
        writes: Format,
        /// What the file name says.
        named: Format,
    },
    /// A binary format bound for a terminal.
    #[error("{} 是二进制格式,不能输出到终端", .0.spec().name)]
    BinaryToTerminal(Format),
}

/// Settles every report of `request`: its format and where its bytes go, in the order the
/// reports are listed (the files, else stdout; then the review page; then the findings). Each
/// file is resolved as [`Target::resolve`] does, so an unwritable one is refused here, before
/// any input is read.
pub fn plan(request: &Request<'_>) -> Result<Vec<(Format, Target)>, PlanError> {
    let resolve = |path: &Path| {
        Target::resolve(path).map_err(|source| PlanError::Unwritable {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut outputs = Vec::new();
    for path in request.files {
        let target = resolve(path)?;
        let format = match (Format::from_extension(path), request.format) {
            (Some(by_name), Some(asked)) if by_name != asked => {
                return Err(PlanError::Contradicts {
                    path: path.clone(),
                    by_name,
                    asked,
                })
            }
            (Some(format), _) | (None, Some(format)) => format,
            // A terminal, a pipe or a device has no name to go by: the default report.
            (None, None) if !target.is_regular_file() => Format::Csv,
            (None, None) => return Err(PlanError::NoFormat { path: path.clone() }),
        };
        if format == Format::Findings {
            return Err(PlanError::FindingsAsReport);
        }
        outputs.push((format, target));
    }
    if request.files.is_empty() {
        outputs.push((request.format.unwrap_or(Format::Csv), Target::stdout()));
    }
    if let Some(path) = request.html {
        only_format(path, Format::Html)?;
        outputs.push((Format::Html, resolve(path)?));
    }
    if let Some(path) = request.findings {
        // The findings are a CSV of their own: a `.csv` name is the right one.
        if let Some(named) = Format::from_extension(path).filter(|f| *f != Format::Csv) {
            return Err(PlanError::WrongExtension {
                path: path.to_path_buf(),
                writes: Format::Findings,
                named,
            });
        }
        outputs.push((Format::Findings, resolve(path)?));
    }
    for (format, target) in &outputs {
        if format.spec().binary && target.is_terminal() {
            return Err(PlanError::BinaryToTerminal(*format));
        }
    }
    Ok(outputs)
}

/// Refuses a file for `format` whose extension names another format: a review page called
/// `报告.xlsx` is a mistake, not a request for a workbook. A name without a known extension is
/// taken as it is.
pub fn only_format(path: &Path, format: Format) -> Result<(), PlanError> {
    match Format::from_extension(path).filter(|f| *f != format) {
        Some(named) => Err(PlanError::WrongExtension {
            path: path.to_path_buf(),
            writes: format,
            named,
        }),
        None => Ok(()),
    }
}

/// A run that would destroy data it was given, or lose a report to another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Clash {
    /// Two outputs are the same file, however their paths are spelled.
    #[error("两个输出是同一个文件: {first} 和 {second};每个报告需要自己的文件")]
    SharedOutput { first: String, second: String },
    /// An output is one of the inputs: writing it would destroy what is to be graded.
    #[error("输出 {output} 就是输入 {input},写入会毁掉要质检的数据;请换一个输出文件")]
    OutputIsInput { output: String, input: String },
}

/// Refuses a run that would write over one of its inputs, or write two reports into one file:
/// the same regular file, the same pipe, stdout twice, however the paths are spelled (symlinks,
/// `..`, hard links, `/dev/stdout`). Two reports may share a terminal or `/dev/null`, and a
/// terminal that is both stdin and stdout is no clash.
pub fn check_clashes(sources: &[Source], outputs: &[&Target]) -> Result<(), Clash> {
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[..i] {
            if a.same_as(b) {
                return Err(Clash::SharedOutput {
                    first: b.name(),
                    second: a.name(),
                });
            }
        }
    }
    // Only a regular file is destroyed by writing: a terminal that is both stdin and stdout
    // (`zhijian grade -` typed by hand) is no clash.
    let written: Vec<(FileId, &Target)> = outputs
        .iter()
        .filter_map(|t| Some((t.id().filter(FileId::is_regular_file)?, *t)))
        .collect();
    if written.is_empty() {
        return Ok(());
    }
    for source in sources {
        let (id, name) = match source {
            Source::Stdin => (FileId::stdin(), "标准输入".to_string()),
            Source::File(path) => (FileId::of_path(path), path.display().to_string()),
        };
        let Some(id) = id else { continue };
        if let Some((_, target)) = written.iter().find(|(w, _)| *w == id) {
            return Err(Clash::OutputIsInput {
                output: target.name(),
                input: name,
            });
        }
    }
    Ok(())
}

/// A call id met again: the reports keep both rows, told apart by their sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub call_id: String,
    /// Where the id was first seen (`calls.jsonl#12`, or a file).
    pub first: String,
    /// Where it is seen again.
    pub again: String,
    /// Which duplicate of the batch this is, from 1: a front end names the first few and
    /// counts the rest.
    pub nth: usize,
}

/// What a batch's rows have come to so far: the counts a summary gives and the exit status
/// depends on, and every call id seen.
#[derive(Debug, Default)]
pub struct Tally {
    /// Rows, readable or not.
    pub calls: usize,
    /// Graded calls that need a supervisor (unreadable inputs are counted in `errors`).
    pub flagged: usize,
    /// Inputs that could not be read or parsed.
    pub errors: usize,
    /// Graded calls whose agent was guessed.
    pub undecided: usize,
    /// Rows whose call id an earlier row had.
    pub duplicates: usize,
    /// Graded calls whose metadata has a date that cannot be theirs, so they count on the
    /// grading day; and the first such key and value (`time: 11/09/2026`).
    pub undated: usize,
    pub undated_example: Option<String>,
    ids: SeenIds,
}

impl Tally {
    /// Counts a chunk of rows, in batch order, and returns the call ids in it seen before.
    pub fn add(&mut self, rows: &[Graded], dating: &Dating<'_>) -> Vec<Duplicate> {
        let mut again = Vec::new();
        self.calls += rows.len();
        for row in rows {
            match &row.outcome {
                Ok(o) => {
                    self.flagged += usize::from(o.card.flagged);
                    self.undecided += usize::from(o.call.roles.is_undecided());
                    if dating.given.is_none() {
                        if let Some((key, value)) = dating.unusable(&o.call.meta) {
                            self.undated += 1;
                            self.undated_example
                                .get_or_insert_with(|| format!("{key}: {value}"));
                        }
                    }
                }
                Err(_) => self.errors += 1,
            }
            if let Some(first) = self.ids.see(&row.call_id, &row.source) {
                self.duplicates += 1;
                again.push(Duplicate {
                    call_id: row.call_id.clone(),
                    first,
                    again: row.source.clone(),
                    nth: self.duplicates,
                });
            }
        }
        again
    }
}

/// Where each call id was first seen, kept compact because a month of calls passes through (it
/// still grows with the batch, some 30 bytes a call).
#[derive(Debug, Default)]
struct SeenIds {
    /// A hash of the id → (the source's file, its `#N` place or `u32::MAX`).
    first_source: HashMap<u64, (u32, u32)>,
    /// The files of `first_source`, each once.
    files: Vec<String>,
    file_index: HashMap<String, u32>,
}

impl SeenIds {
    /// Records `call_id` from `source`; if it was seen before, where that was.
    fn see(&mut self, call_id: &str, source: &str) -> Option<String> {
        let key = {
            use std::hash::{Hash, Hasher};
            // SipHash with fixed keys: the same ids collide (or not) on every run.
            let mut h = std::hash::DefaultHasher::new();
            call_id.hash(&mut h);
            h.finish()
        };
        let place = self.place(source);
        match self.first_source.get(&key) {
            None => {
                self.first_source.insert(key, place);
                None
            }
            Some(&first) => Some(self.source_at(first)),
        }
    }

    /// A source as (file, place): `calls.jsonl#12` is the file `calls.jsonl` and place 12.
    fn place(&mut self, source: &str) -> (u32, u32) {
        let (file, at) = match source.rsplit_once('#') {
            Some((file, n)) => match n.parse::<u32>() {
                Ok(n) if n != u32::MAX => (file, n),
                _ => (source, u32::MAX),
            },
            None => (source, u32::MAX),
        };
        let index = match self.file_index.get(file) {
            Some(&i) => i,
            None => {
                let i = self.files.len() as u32;
                self.files.push(file.to_string());
                self.file_index.insert(file.to_string(), i);
                i
            }
        };
        (index, at)
    }

    fn source_at(&self, (file, at): (u32, u32)) -> String {
        let file = &self.files[file as usize];
        if at == u32::MAX {
            file.clone()
        } else {
            format!("{file}#{at}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_id_seen_again_names_where_it_was_first() {
        let mut seen = SeenIds::default();
        assert_eq!(seen.see("A1", "calls.jsonl#1"), None);
        assert_eq!(seen.see("B2", "calls.jsonl#2"), None);
        assert_eq!(seen.see("C3", "c.txt"), None);
        assert_eq!(
            seen.see("A1", "other.jsonl#7").as_deref(),
            Some("calls.jsonl#1")
        );
        assert_eq!(seen.see("C3", "d.txt").as_deref(), Some("c.txt"));
        // A `#` that is no place is part of the file's name.
        assert_eq!(seen.see("D4", "报告#草稿.txt"), None);
        assert_eq!(seen.see("D4", "x").as_deref(), Some("报告#草稿.txt"));
        assert_eq!(
            seen.files,
            [
                "calls.jsonl",
                "c.txt",
                "other.jsonl",
                "d.txt",
                "报告#草稿.txt",
                "x"
            ]
        );
    }

    #[test]
    fn two_outputs_into_one_file_clash_however_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("sub/../a.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let (ta, tb) = (Target::resolve(&a).unwrap(), Target::resolve(&b).unwrap());
        let err = check_clashes(&[], &[&ta, &tb]).unwrap_err();
        assert!(matches!(err, Clash::SharedOutput { .. }), "{err}");
        let other = Target::resolve(&dir.path().join("b.csv")).unwrap();
        assert_eq!(check_clashes(&[], &[&ta, &other]), Ok(()));
    }

    #[test]
    fn an_output_that_is_an_input_clashes_and_a_new_file_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("calls.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let sources = [Source::File(input.clone())];
        let same = Target::resolve(&input).unwrap();
        assert_eq!(
            check_clashes(&sources, &[&same]),
            Err(Clash::OutputIsInput {
                output: input.display().to_string(),
                input: input.display().to_string(),
            })
        );
        let fresh = Target::resolve(&dir.path().join("out.csv")).unwrap();
        assert_eq!(check_clashes(&sources, &[&fresh]), Ok(()));
    }

    #[test]
    fn a_plan_takes_formats_from_names_and_refuses_contradictions() {
        let dir = tempfile::tempdir().unwrap();
        let files = [dir.path().join("a.jsonl"), dir.path().join("b.xlsx")];
        let findings = dir.path().join("f.csv");
        let html = dir.path().join("r.html");
        let plan = plan(&Request {
            files: &files,
            format: None,
            html: Some(&html),
            findings: Some(&findings),
        })
        .unwrap();
        let formats: Vec<Format> = plan.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            formats,
            [Format::Jsonl, Format::Xlsx, Format::Html, Format::Findings]
        );

        let stdout = super::plan(&Request::default()).unwrap();
        assert_eq!(stdout.len(), 1);
        assert_eq!(stdout[0].0, Format::Csv);
        assert_eq!(stdout[0].1.name(), "标准输出");

        let err = super::plan(&Request {
            files: &files[..1],
            format: Some(Format::Csv),
            ..Request::default()
        })
        .unwrap_err();
        assert!(matches!(
            err,
            PlanError::Contradicts {
                by_name: Format::Jsonl,
                asked: Format::Csv,
                ..
            }
        ));
        let nameless = [dir.path().join("report")];
        assert!(matches!(
            super::plan(&Request {
                files: &nameless,
                ..Request::default()
            }),
            Err(PlanError::NoFormat { .. })
        ));
        let wrong = dir.path().join("f.xlsx");
        assert!(matches!(
            super::plan(&Request {
                findings: Some(&wrong),
                ..Request::default()
            }),
            Err(PlanError::WrongExtension {
                writes: Format::Findings,
                named: Format::Xlsx,
                ..
            })
        ));
        // Nothing was created by planning.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
