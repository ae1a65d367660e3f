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

use crate::input::{load, Call, InputError, Item, ReadOptions, Source};
use crate::rule::{Hit, RuleSet};
use crate::score::{score, Scorecard};

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
    let card = score(set, &hits);
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
pub fn grade_all(set: &RuleSet, sources: &[Source], options: ReadOptions) -> Vec<Graded> {
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

/// Reads and grades `sources` in order, `chunk` calls at a time, passing each chunk's results
/// to `sink` before reading the next. Small files are read in parallel; a JSONL file is read
/// whole and graded a slice of lines at a time. The first error from `sink` stops the run.
pub fn grade_sources(
    set: &RuleSet,
    sources: &[Source],
    options: ReadOptions,
    chunk: usize,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Vec<Graded>) -> io::Result<()>,
) -> io::Result<()> {
    let chunk = chunk.max(1);
    let tick = || progress.tick();
    let mut files: Vec<&Source> = Vec::new();
    let flush = |files: &mut Vec<&Source>, sink: &mut dyn FnMut(Vec<Graded>) -> io::Result<()>| {
        if files.is_empty() {
            return Ok(());
        }
        let items: Vec<Item> = files
            .par_iter()
            .map(|s| load(s, options).items())
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        // A JSON array file holds several calls.
        progress.more(items.len().saturating_sub(files.len()) as u64);
        files.clear();
        sink(grade_items(set, items, &tick))
    };
    for source in sources {
        if !source.is_jsonl() {
            files.push(source);
            if files.len() >= chunk {
                flush(&mut files, sink)?;
            }
            continue;
        }
        flush(&mut files, sink)?;
        let doc = load(source, options);
        let lines = doc.jsonl_lines();
        if lines.is_empty() {
            // Unreadable, or empty: its one error item.
            sink(grade_items(set, doc.items(), &tick))?;
            continue;
        }
        progress.more(lines.len() as u64 - 1);
        for slice in lines.chunks(chunk) {
            let items: Vec<Item> = slice
                .par_iter()
                .map(|&(number, line)| doc.jsonl_item(number, line))
                .collect();
            sink(grade_items(set, items, &tick))?;
        }
    }
    flush(&mut files, sink)
}
