//! The integration tests, as one test binary (`cargo test --test it`): each module was a test
//! binary of its own, and after a change to the library every one of them had to be linked
//! again — seventeen links of the whole library and its dependencies, which took longer than
//! compiling the change. One binary links once.
//!
//! Run one module with a filter: `cargo test --release --test it formats::`.

mod channels;
mod cli;
mod cli_test;
mod common;
mod composition;
mod corpus;
mod diagnostic_snapshots;
mod formats;
mod inputs;
mod output;
mod readers_proptest;
mod review;
mod robustness;
mod rule_diagnostics;
mod rule_examples;
mod rule_language;
mod rule_schema;
mod spark;
mod traps;
