//! Command line: raw arguments → validated settings → a run of a command → an exit status.
//!
//! In: `zhijian grade …` (score calls), `zhijian test …` (prove the rule files work) or
//! `zhijian rules [ID]` (list or document the rules). Out: what the command writes and an
//! exit status, 0 success, 1 problems found (inputs that could not be read, tests that
//! failed), 2 the command could not run (usage, unusable rule files, unwritable output).

mod grade;
mod rules;
mod test;

use std::io;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

pub use grade::GradeArgs;
pub use rules::RulesArgs;
pub use test::TestArgs;

use crate::rule::{RuleErrors, RuleSet};

#[derive(Debug, Parser)]
#[command(
    name = "zhijian",
    version,
    about = "质检: 按规则文件批量给客服通话转写打分 / batch-grade Chinese call transcripts",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 批量质检通话,输出每通电话的得分 CSV / grade calls into a per-call score CSV
    Grade(GradeArgs),
    /// 检验规则文件: 校验格式、运行示例、核对语料期望 / test the rule files
    Test(TestArgs),
    /// 列出规则,或显示一条规则的说明 / list the rules, or document one
    Rules(RulesArgs),
}

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `grade`: every input was graded (flagged calls are not an error); `test`: every check
    /// passed.
    Success = 0,
    /// `grade`: some inputs could not be read or parsed, and their rows carry the error;
    /// `test`: some checks failed.
    Problems = 1,
    /// The command could not run: bad usage, unusable rules, or output that could not be
    /// written.
    Failed = 2,
}

/// Why a command could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Rules(RuleErrors),
    #[error("无法写入 {}: {}", .path.display(), crate::zh::io(.source))]
    Write { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Report(#[from] crate::report::ReportError),
}

pub fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Grade(args) => grade::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Rules(args) => rules::run(&args),
    }
}

/// Loads the rule set named by `--rules`, or the built-in one.
pub fn load_rules(dir: Option<&Path>) -> Result<RuleSet, CliError> {
    match dir {
        Some(dir) => RuleSet::from_dir(dir).map_err(|e| e.under(&dir.display().to_string())),
        None => RuleSet::embedded(),
    }
    .map_err(CliError::Rules)
}

fn write_error(path: Option<&Path>, source: io::Error) -> CliError {
    CliError::Write {
        path: path.map_or_else(|| PathBuf::from("标准输出"), Path::to_path_buf),
        source,
    }
}
