//! `zhijian trend`: the results of many batches → how scores, agents and rules moved over days,
//! weeks or months.
//!
//! In: `zhijian trend RESULTS.jsonl... -o trend.html|trend.xlsx [--by day|week|month]
//! [--quiet]`. Out: the page or the workbook (`-o` decides which by its extension), written
//! through the same output layer as `grade`: never over an input, replaced only when complete;
//! on stderr how many calls went in and what was left out. Exit 0, or 2 when the command could
//! not run (a file that is not results, results without any date, an unwritable output).

use std::path::PathBuf;

use clap::Args;

use super::grade::check_clashes;
use super::{CliError, Status};
use crate::input::Source;
use crate::report::output::remove_temp_files_on_signals;
use crate::report::trend::{html, xlsx, Made};
use crate::report::{Format, ReportError, Target};
use crate::rescore::Results;
use crate::trend::{parse, Builder, Period};

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// zhijian grade --out 写出的质检结果 JSONL,可多个 (如每天一个) / results JSONL files
    #[arg(value_name = "RESULTS", required = true)]
    pub results: Vec<PathBuf>,
    /// 趋势报告: .html (图表和数字) 或 .xlsx;写完才替换旧文件 / the report, by extension
    #[arg(long, short, value_name = "FILE", required = true)]
    pub out: PathBuf,
    /// 按日、周 (周一到周日) 或月汇总 (默认按跨度:一个月内按日,半年内按周,再长按月) /
    /// the period
    #[arg(long, value_name = "day|week|month", value_parser = parse_period)]
    pub by: Option<Period>,
    /// 不显示汇总 / no summary
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Xlsx,
}

pub(super) fn run(args: &TrendArgs) -> Result<Status, CliError> {
    let (kind, target) = output(args)?;
    let inputs: Vec<Source> = args
        .results
        .iter()
        .map(|p| Source::File(p.clone()))
        .collect();
    check_clashes(&inputs, &[&target])?;
    remove_temp_files_on_signals()
        .map_err(|e| CliError::Usage(format!("无法安装信号处理: {}", crate::zh::io(&e))))?;

    let mut builder = Builder::default();
    for path in &args.results {
        let results =
            Results::open_with(path, parse).map_err(|e| CliError::Usage(e.to_string()))?;
        for (n, line) in results.enumerate() {
            let line = line.map_err(|e| CliError::Usage(e.to_string()))?;
            builder
                .add(line, &format!("{}:{}", path.display(), n + 1))
                .map_err(|e| CliError::Usage(e.to_string()))?;
        }
    }
    let (undated, replaced) = (builder.undated, builder.replaced);
    let Some(trend) = builder.finish(args.by) else {
        return Err(CliError::Usage(if undated > 0 {
            format!(
                "{undated} 通都没有日期:这些结果是旧版 zhijian 写的。请用当前版本重新 zhijian grade --out 结果.jsonl \
                 (可加 --date 2026-12-05 标明这批通话的日期)"
            )
        } else {
            "结果里没有通话,没有写任何输出".to_string()
        }));
    };

    let files: Vec<String> = args
        .results
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let made = Made { files: &files };
    let failed = |source| {
        CliError::Report(ReportError {
            target: target.name(),
            source,
        })
    };
    let (mut out, stale) = target.open().map_err(failed)?;
    if stale > 0 && !args.quiet {
        eprintln!("已清理上次被中断的运行留下的临时文件 {stale} 个。");
    }
    match kind {
        Kind::Html => html(&trend, made, &mut out),
        Kind::Xlsx => xlsx(&trend, made, &mut out),
    }
    .and_then(|()| out.commit())
    .map_err(failed)?;

    if !args.quiet {
        eprintln!(
            "{} 至 {}:{} 通,按{}分 {} 期;趋势已写入 {}",
            trend.first,
            trend.last,
            trend.calls(),
            trend.period.zh(),
            trend.periods.len(),
            args.out.display()
        );
        if trend.sources.graded > 0 {
            eprintln!(
                "注意: {} 通没有日期 (既没有 grade --date,元数据里也没有),按质检当天计。",
                trend.sources.graded
            );
        }
        if replaced > 0 {
            eprintln!(
                "{replaced} 行是同一通话的重复质检结果 (通话编号和来源相同),按后给的文件计。"
            );
        }
        if undated > 0 {
            eprintln!(
                "注意: {undated} 行没有日期 (旧版 zhijian 写的结果),没有计入;用当前版本重新质检即可计入。"
            );
        }
    }
    Ok(Status::Success)
}

/// The report `-o` names, by its extension.
fn output(args: &TrendArgs) -> Result<(Kind, Target), CliError> {
    let path = &args.out;
    let target = Target::resolve(path).map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })?;
    let kind = match Format::from_extension(path) {
        Some(Format::Html) => Kind::Html,
        Some(Format::Xlsx) => Kind::Xlsx,
        _ => {
            return Err(CliError::Usage(format!(
                "-o 写的是趋势报告,只能是 .html 或 .xlsx,而不是 {}",
                path.display()
            )))
        }
    };
    if target.is_terminal() {
        return Err(CliError::Usage(
            "趋势报告不能输出到终端: 请用 -o 趋势.html 或 -o 趋势.xlsx".into(),
        ));
    }
    Ok((kind, target))
}
