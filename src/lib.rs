//! zhijian (质检): grade Chinese call-centre transcripts against rule files.
//!
//! The pipeline, one module per stage:
//! [`input`] (files → calls) → [`normalize`] (decoding, the folded matching view) →
//! [`segment`] (jieba word boundaries) → [`rule`] (compiled rules → hits) → [`score`]
//! (hits → scorecard) → [`report`] (CSV, JSONL, Excel, the HTML review page, the terminal
//! explanation of one call). [`grade`] runs the middle of it in parallel, a chunk at a time, and
//! [`batch`] holds the policy around it that every front end shares (which reports go where, no
//! output over an input, duplicate call ids);
//! [`selftest`] checks rule examples and corpus expectations; [`sample`] draws the hits or calls
//! people check by hand; [`verdict`] reads supervisors' verdicts back into each rule's precision
//! and the reviewers' agreement; [`rescore`] turns results, verdicts and appeals into each call's
//! final score; [`day`] dates each call and [`trend`] follows many batches' results over days
//! and weeks. The command line is the `zhijian` binary's own (`src/main.rs`, `src/cli/`): this
//! library knows nothing of arguments, progress bars, signals or exit codes.

pub mod batch;
pub mod call;
pub mod channel;
pub mod day;
pub mod grade;
pub mod impact;
pub mod input;
pub mod mask;
pub mod normalize;
pub mod report;
pub mod rescore;
pub mod rule;
pub mod sample;
pub mod score;
pub mod segment;
pub mod selftest;
pub mod trend;
pub mod verdict;
pub mod zh;

#[cfg(test)]
mod testing;
