//! `zhijian precision`: supervisors' verdicts → how often each rule is right.
//!
//! In: `zhijian precision verdicts.csv... [--format markdown|csv] [--suggest] [--rules DIR]`.
//! Out: on stdout, per rule the hits reviewed, 确认, 误判 and the precision with a 95 % Wilson
//! interval, then the 误判 hits with their words; or, with `--suggest`, every 误判 as an
//! `[[example]] expect = "pass"` block checked against the rules. Exit 0, or 2 when a file
//! cannot be read.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{load_rules, write_stdout, CliError, Status};
use crate::verdict;

#[derive(Debug, Args)]
pub struct PrecisionArgs {
    /// 复核报告下载的 verdicts.csv (可多个,同一处命中以后读到的为准) / verdict files
    #[arg(value_name = "VERDICTS", required = true)]
    pub files: Vec<PathBuf>,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = PrecisionFormat::Markdown)]
    pub format: PrecisionFormat,
    /// 把每处误判写成可粘贴进规则文件的 [[example]] expect = "pass" 示例 / write each 误判 as an example
    #[arg(long)]
    pub suggest: bool,
    /// 规则目录,用于规则名称和核对示例 (默认内置规则) / rule directory (default: built-in)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionFormat {
    /// Markdown 表格和误判明细 / a Markdown table and the 误判 list
    Markdown,
    /// CSV,每条规则一行 / CSV, one row per rule
    Csv,
}

pub(super) fn run(args: &PrecisionArgs) -> Result<Status, CliError> {
    let all = verdict::read_files(&args.files).map_err(|e| CliError::Usage(e.to_string()))?;
    let rules = load_rules(args.rules.as_deref(), None)?;
    let text = if args.suggest {
        verdict::suggest(&all.verdicts, Some(&rules))
    } else {
        let rows = verdict::precision(&all.verdicts, Some(&rules));
        match args.format {
            PrecisionFormat::Markdown => verdict::markdown(&rows, &all.verdicts),
            PrecisionFormat::Csv => verdict::csv(&rows),
        }
    };
    write_stdout(&text)?;
    let mut notes = Vec::new();
    if all.repeated > 0 {
        notes.push(format!(
            "{} 处命中被复核了不止一次,按最后读到的计 (其中 {} 处前后结论不同)",
            all.repeated, all.disagreements
        ));
    }
    if all.unjudged > 0 {
        notes.push(format!("{} 行没有结论,未计入", all.unjudged));
    }
    if all.verdicts.is_empty() {
        notes.push("文件里没有已复核的命中".into());
    }
    if !notes.is_empty() {
        eprintln!("注意: {}。", notes.join(";"));
    }
    Ok(Status::Success)
}
