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

use super::{CliError, Status};
use zhijian::batch::check_clashes;
use zhijian::input::own_reports::{self, Kind as ReportKind};
use zhijian::input::Source;
use zhijian::report::trend::{html, longer, xlsx, Made, LEGIBLE_PERIODS};
use zhijian::report::{Format, ReportError, Target};
use zhijian::rescore::{Purpose, Results};
use zhijian::trend::{parse, Builder, Period};

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// zhijian grade --out 写出的质检结果 JSONL,可多个 (如每天一个);目录则读其中所有的结果
    /// JSONL / results JSONL files, or directories of them
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
    let (files, others) = results_files(&args.results)?;
    let inputs: Vec<Source> = files.iter().map(|p| Source::File(p.clone())).collect();
    check_clashes(&inputs, &[&target])?;
    super::signals::remove_temp_files_on_signals()?;

    let mut builder = Builder::default();
    // A line that cannot be read is left out and counted, and the batch goes on; a file none
    // of whose lines can be read is the wrong file.
    let mut bad = 0usize;
    let mut first_bad = None;
    for path in &files {
        let results = Results::open_with(path, parse, Purpose::Trend)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let (mut read, mut failed) = (0usize, None);
        for line in results {
            match line.and_then(|l| builder.add(l)) {
                Ok(()) => read += 1,
                Err(e) => {
                    bad += 1;
                    failed.get_or_insert(e.to_string());
                }
            }
        }
        match failed {
            Some(e) if read == 0 => return Err(CliError::Usage(e)),
            Some(e) => {
                first_bad.get_or_insert(e);
            }
            None => {}
        }
    }
    let (undated, replaced, unread) = (builder.undated, builder.replaced, builder.unread_undated);
    let Some(trend) = builder.finish(args.by) else {
        return Err(CliError::Usage(if unread > 0 && undated == 0 {
            format!("只有 {unread} 通无法读取的输入,又没有日期,画不出趋势")
        } else if undated > 0 {
            format!(
                "{undated} 通都没有日期:这些结果是旧版 zhijian 写的。请用当前版本重新 zhijian grade --out 结果.jsonl \
                 (可加 --date 2026-12-05 标明这批通话的日期)"
            )
        } else {
            "结果里没有通话,没有写任何输出".to_string()
        }));
    };

    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let made = Made { files: &names };
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
        if others > 0 {
            eprintln!("跳过目录里不是质检结果的文件 {others} 个。");
        }
        if trend.sources.graded > 0 {
            eprintln!(
                "注意: {} 通没有可用的日期 (质检时没有 --date,元数据里没有日期或读不出),按质检当天计。",
                trend.sources.graded
            );
        }
        if let Some(by) = longer(trend.period).filter(|_| trend.periods.len() > LEGIBLE_PERIODS) {
            eprintln!(
                "{} 期太多,图上难以分辨;可用 --by {by} 按更长的周期汇总。",
                trend.periods.len()
            );
        }
        if trend.unread_undated > 0 {
            eprintln!(
                "{} 通无法读取的输入没有日期 (质检时没有 --date),不属于任何一期,没有计入。",
                trend.unread_undated
            );
        }
        if let Some(e) = &first_bad {
            eprintln!("注意: {bad} 行读不了,没有计入 (第一处 {e})。");
        }
        if replaced > 0 {
            eprintln!(
                "{replaced} 行是同一通话的重复质检结果 (通话编号、日期和通话内容都相同),按后给的文件计。"
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

/// The files to read: each file named, and in each directory named, its results JSONL files
/// (`.jsonl`, `.ndjson` whose first line is zhijian's results) in the order of their paths;
/// and how many other files the directories held.
fn results_files(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, usize), CliError> {
    let mut files = Vec::new();
    let mut others = 0;
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = Vec::new();
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            let entry = entry
                .map_err(|e| CliError::Usage(format!("无法读取目录 {}: {e}", path.display())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let p = entry.into_path();
            let jsonl = p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson")
            });
            if jsonl && own_reports::peek(&p).is_some_and(|r| r.kind == ReportKind::Results) {
                found.push(p);
            } else {
                others += 1;
            }
        }
        if found.is_empty() {
            return Err(CliError::Usage(format!(
                "{} 里没有质检结果 JSONL (zhijian grade --out 结果.jsonl 写出的文件)",
                path.display()
            )));
        }
        found.sort();
        files.extend(found);
    }
    Ok((files, others))
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
