//! Grade: sources → graded results, in parallel, in source order, a chunk at a time.
//!
//! In: the sources found by `input` (or items already read) and a compiled [`RuleSet`]. Out:
//! one [`Graded`] per call, in the same order whatever the number of threads, carrying the
//! call, its hits and its scorecard, or the input error that stopped it.
//!
//! [`grade_into`] hands results to a [`Sink`] a chunk at a time, so a month of calls needs the
//! memory of one chunk (plus the largest single file), not of the whole batch. The sink answers
//! each chunk with a [`Flow`] — go on, or stop early (every reader gone) — or fails with its own
//! error type, which comes back to the caller as it is: a report that could not be written is
//! not dressed up as an I/O error of grading. [`grade_sources`] takes a closure instead, for
//! collecting rows where nothing can fail.

use std::io;

use rayon::prelude::*;

use crate::input::{read_source, read_whole, Call, InputError, Item, Pending, ReadOptions, Source};
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
    let judged = set.judge(&call);
    let mut card = score(set, &call, &judged);
    let hits = judged.hits;
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

/// Whether grading should go on after a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Nothing more is wanted — every output is a pipe that its reader closed, say: grading
    /// stops early, and that is no failure.
    Stop,
}

/// Where a batch's graded rows go: the reports, a sample being drawn, a comparison of two rule
/// sets. Like ripgrep's `Sink`, it is told each chunk in batch order and says whether to go
/// on.
pub trait Sink {
    /// Why a chunk could not be taken. It ends the batch, and [`grade_into`] returns it as it
    /// is.
    type Error;

    /// Takes the next chunk of rows, in batch order.
    fn rows(&mut self, rows: Vec<Graded>) -> Result<Flow, Self::Error>;
}

/// A closure as a [`Sink`] that always goes on: [`grade_sources`]'s.
struct Each<F>(F);

impl<F: FnMut(Vec<Graded>) -> io::Result<()>> Sink for Each<F> {
    type Error = io::Error;

    fn rows(&mut self, rows: Vec<Graded>) -> io::Result<Flow> {
        (self.0)(rows).map(|()| Flow::Continue)
    }
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

/// [`grade_into`] with a closure that takes every chunk; its first error stops the run.
pub fn grade_sources(
    set: &RuleSet,
    sources: &[Source],
    options: &ReadOptions,
    chunk: usize,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Vec<Graded>) -> io::Result<()>,
) -> io::Result<()> {
    grade_into(set, sources, options, chunk, progress, &mut Each(sink)).map(|_| ())
}

/// Reads and grades `sources` in order, `chunk` calls at a time, passing each chunk's results
/// to `sink` before reading the next. Small files are read in parallel; a large file (or
/// stdin) is streamed, its calls graded a chunk at a time while the rest is still unread. The
/// sink's first error ends the run and is returned; its [`Flow::Stop`] ends it early with
/// `Ok(Flow::Stop)`, nothing more read.
pub fn grade_into<S: Sink>(
    set: &RuleSet,
    sources: &[Source],
    options: &ReadOptions,
    chunk: usize,
    progress: &dyn Progress,
    sink: &mut S,
) -> Result<Flow, S::Error> {
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
    let flush = |files: &mut Vec<&Source>, sink: &mut S| -> Result<Flow, S::Error> {
        if files.is_empty() {
            return Ok(Flow::Continue);
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
            if sink.rows(grade(pending, announced))? == Flow::Stop {
                return Ok(Flow::Stop);
            }
            announced = 0;
            pending = rest;
        }
        Ok(Flow::Continue)
    };
    for source in sources {
        if let Some(size) = source.file_size().filter(|&s| read_whole(s)) {
            files.push(source);
            batch_bytes += size;
            if files.len() >= chunk || batch_bytes >= BATCH_BYTES {
                if flush(&mut files, sink)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
                batch_bytes = 0;
            }
            continue;
        }
        // Large, or not a regular file (stdin, a FIFO, an unreadable path): streamed.
        if flush(&mut files, sink)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
        batch_bytes = 0;
        let mut pending = Vec::new();
        let mut announced = 1;
        // What ended the stream early: the sink's stop or its error.
        let mut ended = None;
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
            match sink.rows(rows) {
                Ok(Flow::Continue) => true,
                other => {
                    ended = Some(other);
                    false
                }
            }
        });
        if let Some(ended) = ended {
            return ended;
        }
        if (!pending.is_empty() || announced == 1)
            && sink.rows(grade(pending, announced))? == Flow::Stop
        {
            return Ok(Flow::Stop);
        }
    }
    flush(&mut files, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that counts its chunks and answers the `n`th with `last`.
    struct Until<E> {
        chunks: usize,
        n: usize,
        last: Option<Result<Flow, E>>,
    }

    impl<E> Sink for Until<E> {
        type Error = E;

        fn rows(&mut self, rows: Vec<Graded>) -> Result<Flow, E> {
            assert_eq!(rows.len(), 1);
            self.chunks += 1;
            match self.last.take_if(|_| self.chunks == self.n) {
                Some(answer) => answer,
                None => Ok(Flow::Continue),
            }
        }
    }

    fn corpus() -> (RuleSet, Vec<Source>) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/text");
        let sources = crate::input::discover(&[dir]).sources;
        assert!(sources.len() > 3);
        (RuleSet::embedded().unwrap(), sources)
    }

    #[test]
    fn a_stop_ends_the_batch_early_and_is_no_error() {
        let (set, sources) = corpus();
        let mut sink = Until::<()> {
            chunks: 0,
            n: 2,
            last: Some(Ok(Flow::Stop)),
        };
        let flow = grade_into(&set, &sources, &ReadOptions::default(), 1, &(), &mut sink);
        assert_eq!(flow, Ok(Flow::Stop));
        assert_eq!(sink.chunks, 2, "nothing is graded after the stop");
    }

    #[test]
    fn the_sinks_own_error_comes_back_as_it_is() {
        #[derive(Debug, PartialEq)]
        struct Full(&'static str);
        let (set, sources) = corpus();
        let mut sink = Until {
            chunks: 0,
            n: 3,
            last: Some(Err(Full("disk"))),
        };
        let flow = grade_into(&set, &sources, &ReadOptions::default(), 1, &(), &mut sink);
        assert_eq!(flow, Err(Full("disk")));
        assert_eq!(sink.chunks, 3);

        let mut all = Until::<()> {
            chunks: 0,
            n: 0,
            last: None,
        };
        let flow = grade_into(&set, &sources, &ReadOptions::default(), 1, &(), &mut all);
        assert_eq!(flow, Ok(Flow::Continue));
        assert_eq!(all.chunks, sources.len());
    }
}
