//! Grade: items → graded results, in parallel, in source order.
//!
//! In: the [`Item`]s read by `input` and a compiled [`RuleSet`]. Out: one [`Graded`] per item,
//! in the same order whatever the number of threads, carrying the call, its hits and its
//! scorecard, or the input error that stopped it.

use rayon::prelude::*;

use crate::input::{Call, InputError, Item};
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

/// Grades every item on the current rayon pool; `tick` is called once per item, from any
/// thread, so a progress bar can follow.
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
