//! `zhijian rescore`: a run's results, reviewers' verdicts and agents' appeals → every call's
//! final score.
//!
//! In: `zhijian rescore RESULTS.jsonl VERDICTS.csv... [-o FILE.csv|FILE.xlsx] [--bom] [--quiet]`.
//! Out: the final scores (CSV on stdout without `-o`), one row per call of the results: machine
//! and final score, tier and service type, the hits removed and kept and on whose word; on stderr
//! what changed, and the verdicts that matched no hit. The file goes through the same output
//! layer as `grade`: never over an input, replaced only when complete. Exit 0, or 2 when the
//! command could not run (a file that is not what it should be, an unwritable output).

use std::path::PathBuf;

use clap::Args;

use super::{CliError, Status};
use zhijian::batch::check_clashes;
use zhijian::input::own_reports::{self, Kind};
use zhijian::input::Source;
use zhijian::report::rescore::{FinalFormat, FinalTable};
use zhijian::report::{Format, ReportError, Target};
use zhijian::rescore::{rescore, Decisions, Results};
use zhijian::verdict;

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// zhijian grade --out 写出的质检结果 JSONL / the results JSONL of a grade run
    #[arg(value_name = "RESULTS")]
    pub results: PathBuf,
    /// 复核结论和申诉 (verdicts.csv,可多个) / verdicts and appeals
    #[arg(value_name = "VERDICTS", required = true)]
    pub verdicts: Vec<PathBuf>,
    /// 最终得分表: .csv 或 .xlsx;写完才替换旧文件 (默认: CSV 到标准输出) / the final scores,
    /// CSV or a workbook by extension
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// 在 CSV 开头写入 UTF-8 BOM,便于 Excel 直接打开 / start the CSV with a BOM for Excel
    #[arg(long)]
    pub bom: bool,
    /// 不显示汇总 / no summary
    #[arg(long, short)]
    pub quiet: bool,
}

pub(super) fn run(args: &RescoreArgs) -> Result<Status, CliError> {
    let (format, target) = output(args)?;
    let inputs: Vec<Source> = std::iter::once(&args.results)
        .chain(&args.verdicts)
        .map(|p| Source::File(p.clone()))
        .collect();
    check_clashes(&inputs, &[&target])?;
    swapped(args)?;
    super::signals::remove_temp_files_on_signals()?;

    let all = verdict::read_files(&args.verdicts).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut decisions = Decisions::new(&all);
    let results = Results::open(&args.results).map_err(|e| CliError::Usage(e.to_string()))?;
    let failed = |source| {
        CliError::Report(ReportError {
            target: target.name(),
            source,
        })
    };
    let (out, stale) = target.open().map_err(failed)?;
    if stale > 0 && !args.quiet {
        eprintln!("已清理上次被中断的运行留下的临时文件 {stale} 个。");
    }
    let comment = format!(
        "复核、申诉后的最终得分:{}",
        args.results
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    let mut table = FinalTable::open(format, out, args.bom, &comment).map_err(failed)?;
    let mut tally = Tally::default();
    for line in results {
        let line = line.map_err(|e| CliError::Usage(e.to_string()))?;
        let row = rescore(&line, &mut decisions).map_err(|e| CliError::Usage(e.to_string()))?;
        tally.add(&row);
        match table.write(&row) {
            Ok(()) => {}
            // `| head`: the reader has what it wanted.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Status::Success),
            Err(e) => return Err(failed(e)),
        }
    }
    if tally.calls == 0 {
        return Err(CliError::Usage(format!(
            "{} 里没有通话,没有写任何输出",
            args.results.display()
        )));
    }
    table
        .finish()
        .and_then(|out| out.commit())
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(e),
        })
        .map_err(failed)?;

    if !args.quiet {
        eprintln!("{}", tally.summary());
        let unused = decisions.unused();
        if !unused.is_empty() {
            const NAMED: usize = 3;
            let more = if unused.len() > NAMED { " 等" } else { "" };
            eprintln!(
                "注意: {} 条复核结论或申诉在结果里找不到对应的命中,没有用上 ({}{more});\
                 它们可能属于另一批通话,或是在另一版规则的结果上做的 (rules_version 不同)。",
                unused.len(),
                unused[..unused.len().min(NAMED)].join("、")
            );
        }
        if let Some(path) = &args.out {
            eprintln!("最终得分已写入 {}", path.display());
        }
    }
    Ok(Status::Success)
}

/// Where the final scores go and as what: `.csv` or `.xlsx`, CSV on stdout or a pipe.
fn output(args: &RescoreArgs) -> Result<(FinalFormat, Target), CliError> {
    let Some(path) = &args.out else {
        return Ok((FinalFormat::Csv, Target::stdout()));
    };
    let target = Target::resolve(path).map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })?;
    let format = match Format::from_extension(path) {
        Some(Format::Csv) => FinalFormat::Csv,
        Some(Format::Xlsx) => FinalFormat::Xlsx,
        None if !target.is_regular_file() => FinalFormat::Csv,
        _ => {
            return Err(CliError::Usage(format!(
                "-o 写的是最终得分表,只能是 .csv 或 .xlsx,而不是 {}",
                path.display()
            )))
        }
    };
    if format == FinalFormat::Xlsx && target.is_terminal() {
        return Err(CliError::Usage(
            "xlsx 是二进制格式,不能输出到终端: 请用 -o 最终得分.xlsx".into(),
        ));
    }
    Ok((format, target))
}

/// Refuses the arguments the wrong way round (verdicts first, results after) in one sentence,
/// rather than with a complaint about each file.
fn swapped(args: &RescoreArgs) -> Result<(), CliError> {
    let known = |path: &PathBuf| own_reports::peek(path).map(|r| r.kind);
    if known(&args.results) == Some(Kind::Verdicts)
        && args
            .verdicts
            .iter()
            .any(|p| known(p) == Some(Kind::Results))
    {
        return Err(CliError::Usage(
            "参数顺序反了: 先写质检结果,再写复核结论,如 zhijian rescore 结果.jsonl verdicts.csv"
                .into(),
        ));
    }
    Ok(())
}

/// What the rows came to, for the summary.
#[derive(Default)]
struct Tally {
    calls: usize,
    errors: usize,
    changed: usize,
    rejected: usize,
    overturned: usize,
    upheld: usize,
    pending: usize,
}

impl Tally {
    fn add(&mut self, row: &zhijian::rescore::Final) {
        use zhijian::rescore::Basis;
        use zhijian::verdict::Decision;
        self.calls += 1;
        self.errors += usize::from(row.error.is_some());
        let shown = |c: &Option<zhijian::rescore::Card>| {
            c.as_ref()
                .map(|c| (c.score, c.tier.clone(), c.service_type.clone()))
        };
        self.changed += usize::from(shown(&row.machine) != shown(&row.after));
        let (rejected, overturned) = row.removed();
        self.rejected += rejected;
        self.overturned += overturned;
        for h in &row.hits {
            self.upheld += usize::from(matches!(
                h.basis,
                Basis::Appeal {
                    decision: Decision::Upheld,
                    ..
                }
            ));
            self.pending += usize::from(h.pending);
        }
    }

    fn summary(&self) -> String {
        let mut s = format!(
            "已重算 {} 通{}:{} 通的得分、档位或服务类型有变;去掉 {} 处命中 (误判 {},申诉撤销 {})",
            self.calls,
            if self.errors > 0 {
                format!(" (其中 {} 通当时无法读取,照原样列出)", self.errors)
            } else {
                String::new()
            },
            self.changed,
            self.rejected + self.overturned,
            self.rejected,
            self.overturned
        );
        if self.upheld > 0 {
            s.push_str(&format!(",申诉维持 {} 处", self.upheld));
        }
        if self.pending > 0 {
            s.push_str(&format!(",申诉待裁决 {} 处 (按原判计)", self.pending));
        }
        s.push('。');
        s
    }
}
