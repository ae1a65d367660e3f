//! Grade: sources → graded results, in parallel, in source order, a chunk at a time.
//!
//! In: the sources found by `input` (or items already read) and a compiled [`RuleSet`]. Out:
//! one [`Graded`] per call, in the same order whatever the number of threads, carrying the
//! call, its hits and its scorecard, or the input error that stopped it.
//!
//! [`grade_sources`] hands results to its sink a chunk at a time, so a month of calls needs
//! the memory of one chunk (plus the largest single file), not of the whole batch.

use std::io;

use rayon::prelude::*;

use crate::input::{
    read_source, Call, InputError, Item, Pending, ReadOptions, Source, WHOLE_FILE_LIMIT,
};
use crate::rule::{Hit, RuleSet};
use crate::score::{score, Scorecard, UNDECIDED_ROLES_REASON};

/// A call that was graded.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub call: Call,
    pub hits: Vec<Hit>,
    pub card: Scorecard,
}

/// One row of the report: an item and what became of it.
#[derive(Debug, Clone)]
pub struct Graded {
    pub source: String,
    pub call_id: String,
    pub outcome: Result<Outcome, InputError>,
}

impl Graded {
    pub fn is_error(&self) -> bool {
        self.outcome.is_err()
    }
}

/// Evaluates and scores one call.
pub fn grade_call(set: &RuleSet, call: Call) -> Outcome {
    let hits = set.evaluate(&call);
    let mut card = score(set, &call, &hits);
    // Roles that are a guess make every role-bound hit a guess: a supervisor checks first.
    if call.roles.is_undecided() {
        card.flagged = true;
        card.flag_reasons.push(UNDECIDED_ROLES_REASON.to_string());
    }
    Outcome { call, hits, card }
}

/// Grades items on the current rayon pool, keeping their order; `tick` is called once per
/// item, from any thread.
pub fn grade_items(set: &RuleSet, items: Vec<Item>, tick: &(dyn Fn() + Sync)) -> Vec<Graded> {
    items
        .into_par_iter()
        .map(|item| {
            let outcome = item.call.map(|call| grade_call(set, call));
            tick();
            Graded {
                source: item.source,
                call_id: item.id,
                outcome,
            }
        })
        .collect()
}

/// Grades a whole batch in memory through the same path as [`grade_sources`]: for library
/// users and tests with batches small enough to hold.
pub fn grade_all(set: &RuleSet, sources: &[Source], options: &ReadOptions) -> Vec<Graded> {
    let mut all = Vec::new();
    grade_sources(set, sources, options, usize::MAX, &(), &mut |rows| {
        all.extend(rows);
        Ok(())
    })
    .expect("collecting into memory cannot fail");
    all
}

/// Follows a batch whose size is only known as files are opened.
pub trait Progress: Sync {
    /// `n` more calls than announced so far (a JSONL file holds many).
    fn more(&self, n: u64);
    /// One call graded.
    fn tick(&self);
}

/// No progress display.
impl Progress for () {
    fn more(&self, _: u64) {}
    fn tick(&self) {}
}

/// Text of a streamed file's calls gathered before they are graded: a chunk of long calls
/// (recogniser output with word timings, megabytes a line) is cut short here.
const STREAM_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Small files read together before they are graded: at most this many bytes of them, so a
/// folder of large exports does not fill memory a chunk at a time.
const BATCH_BYTES: u64 = 32 * 1024 * 1024;

/// Reads and grades `sources` in order, `chunk` calls at a time, passing each chunk's results
/// to `sink` before reading the next. Small files are read in parallel; a large file (or
/// stdin) is streamed, its calls graded a chunk at a time while the rest is still unread. The
/// first error from `sink` stops the run.
pub fn grade_sources(
    set: &RuleSet,
    sources: &[Source],
    options: &ReadOptions,
    chunk: usize,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Vec<Graded>) -> io::Result<()>,
) -> io::Result<()> {
    let chunk = chunk.max(1);
    let grade = |pending: Vec<Pending>, announced: usize| -> Vec<Graded> {
        let items: Vec<Item> = pending
            .into_par_iter()
            .map(|p| p.resolve(options))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        progress.more(items.len().saturating_sub(announced) as u64);
        grade_items(set, items, &|| progress.tick())
    };
    let mut files: Vec<&Source> = Vec::new();
    let mut batch_bytes = 0;
    let flush = |files: &mut Vec<&Source>, sink: &mut dyn FnMut(Vec<Graded>) -> io::Result<()>| {
        if files.is_empty() {
            return Ok(());
        }
        let pending: Vec<Pending> = files
            .par_iter()
            .map(|s| {
                let mut found = Vec::new();
                read_source(s, options, &mut |p| {
                    found.push(p);
                    true
                });
                found
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        let mut announced = files.len();
        files.clear();
        // A small file may still hold many calls (a JSON array): graded a chunk at a time too.
        let mut pending = pending;
        while !pending.is_empty() {
            let rest = pending.split_off(chunk.min(pending.len()));
            sink(grade(pending, announced))?;
            announced = 0;
            pending = rest;
        }
        Ok(())
    };
    for source in sources {
        let size = match source {
            Source::File(path) => std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            Source::Stdin => None,
        };
        if let Some(size) = size.filter(|&s| s <= WHOLE_FILE_LIMIT) {
            files.push(source);
            batch_bytes += size;
            if files.len() >= chunk || batch_bytes >= BATCH_BYTES {
                flush(&mut files, sink)?;
                batch_bytes = 0;
            }
            continue;
        }
        // Large, or not a regular file (stdin, a FIFO, an unreadable path): streamed.
        flush(&mut files, sink)?;
        batch_bytes = 0;
        let mut pending = Vec::new();
        let mut announced = 1;
        let mut failed = None;
        let mut weight = 0;
        read_source(source, options, &mut |p| {
            weight += p.weight();
            pending.push(p);
            // Long calls (recogniser output with word timings) fill memory before the count
            // does: grade when either is reached.
            if pending.len() < chunk && weight < STREAM_BATCH_BYTES {
                return true;
            }
            weight = 0;
            let rows = grade(std::mem::take(&mut pending), announced);
            announced = 0;
            match sink(rows) {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if !pending.is_empty() || announced == 1 {
            sink(grade(pending, announced))?;
        }
    }
    flush(&mut files, sink)
}
