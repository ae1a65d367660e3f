//! `zhijian precision`: supervisors' verdicts → how often each rule is right.
//!
//! In: `zhijian precision verdicts.csv... [--format markdown|csv] [--suggest] [--rules DIR]`.
//! Out: on stdout, per rule the hits reviewed (each once, however many reviewers judged it),
//! 确认, 误判 and the precision with a 95 % Wilson interval, then the 误判 hits with their words,
//! and where several reviewers judged the same hits their agreement and the hits they disagree
//! on; or, with `--suggest`, every 误判 as an `[[example]] expect = "pass"` block checked against
//! the rules. Exit 0, or 2 when a file cannot be read.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{load_rules, write_stdout, CliError, Status};
use zhijian::verdict;

#[derive(Debug, Args)]
pub struct PrecisionArgs {
    /// 复核报告下载的 verdicts.csv (可多个:按 reviewer 列区分复核人,同一人对同一处命中以后读到的为准) /
    /// verdict files
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
    let summary = verdict::summarise(&all, Some(&rules));
    let text = if args.suggest {
        verdict::suggest(&summary.verdicts(), Some(&rules))
    } else {
        match args.format {
            PrecisionFormat::Markdown => verdict::markdown(&summary),
            PrecisionFormat::Csv => verdict::csv(&summary.rows),
        }
    };
    write_stdout(&text)?;
    let mut notes = Vec::new();
    // The same verdict read again (the rows an appeal was filed on, a second download) is no
    // news; a reviewer who changed their mind, or two unsigned people, are.
    if all.disagreements > 0 {
        notes.push(format!(
            "{} 处命中被同一位复核人前后判得不一样,按最后读到的计;\
             不同的人请在 reviewer 列署名,才会分开统计一致性",
            all.disagreements
        ));
    }
    let several = summary.hits.iter().filter(|j| j.by_several()).count();
    if several > 0 && args.format == PrecisionFormat::Csv && !args.suggest {
        notes.push(format!(
            "{several} 处命中由几位复核人判过,每处只计一次 (多数人的结论,票数相同记为存疑)"
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
