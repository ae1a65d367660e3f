//! `zhijian grade`: transcripts → the score CSV (and the findings CSV), streamed in chunks.
//!
//! In: `zhijian grade [PATH]... [--rules DIR] [--out FILE] [--findings FILE] [--threads N]
//! [--encoding ENC] [--bom] [--quiet]`. Out: the score CSV on stdout or in `--out`, the
//! findings CSV in `--findings`, progress and a summary on stderr; exit 1 when some inputs
//! could not be read (their rows are still written).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{load_rules, write_error, CliError, Status};
use crate::grade::{grade_sources, Progress};
use crate::input::{discover, ReadOptions};
use crate::report::{FindingsCsv, Output, ScoresCsv, UTF8_BOM};

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// 文件、目录 (递归读取 .txt/.json/.jsonl),或 - 表示从标准输入读 JSONL
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 规则目录 (默认使用内置规则) / rule directory (default: the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// 得分 CSV 写入此文件 (原子写入;默认输出到标准输出)
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// 每条命中证据一行的明细 CSV / one row per hit, the evidence for each deduction
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,
    /// 并行线程数 (默认: CPU 核数);结果与线程数无关
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// 不显示进度条和汇总
    #[arg(long, short)]
    pub quiet: bool,
    /// 非 UTF-8 文件按此编码读取,如 gb18030 / fallback encoding for files that are not UTF-8
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// 在 CSV 开头写入 UTF-8 BOM,便于 Excel 直接打开
    #[arg(long)]
    pub bom: bool,
}

/// Calls graded between two writes of the reports: enough to keep both cores busy, small
/// enough that memory does not grow with the batch.
const CHUNK: usize = 2048;

/// More threads than this only cost memory and start-up; the work is CPU-bound.
const MAX_THREADS: usize = 256;

pub(super) fn run(args: &GradeArgs) -> Result<Status, CliError> {
    if args.paths.is_empty() {
        return Err(CliError::Usage(
            "请指定要质检的文件或目录,例如: zhijian grade corpus/\n\
             从标准输入读取 JSONL 请用 -: cat calls.jsonl | zhijian grade -"
                .into(),
        ));
    }
    let fallback = match &args.encoding {
        None => None,
        Some(label) => Some(
            encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                CliError::Usage(format!(
                    "不认识的编码 \"{label}\" (可用如 gb18030、gbk、big5)"
                ))
            })?,
        ),
    };
    let started = Instant::now();
    let rules = load_rules(args.rules.as_deref())?;
    if args.threads.is_some_and(|n| n > MAX_THREADS) {
        return Err(CliError::Usage(format!(
            "--threads 最多 {MAX_THREADS} (0 或不写表示按 CPU 核数)"
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Usage(format!("无法创建线程池: {e}")))?;

    if let (Some(out), Some(findings)) = (&args.out, &args.findings) {
        let same = out == findings
            || std::fs::canonicalize(out)
                .ok()
                .is_some_and(|o| std::fs::canonicalize(findings).ok() == Some(o));
        if same {
            return Err(CliError::Usage(
                "--out 和 --findings 不能是同一个文件".into(),
            ));
        }
    }
    let sources = discover(&args.paths);
    if sources.is_empty() {
        return Err(CliError::Usage(
            "给定的目录里没有找到可质检的文件 (.txt、.json、.jsonl)".into(),
        ));
    }
    let open = |path: Option<&Path>| -> Result<Output, CliError> {
        let mut out = Output::create(path).map_err(|e| write_error(path, e))?;
        if args.bom {
            out.write_all(UTF8_BOM).map_err(|e| write_error(path, e))?;
        }
        Ok(out)
    };
    let findings_path = args.findings.as_deref();
    let out_path = args.out.as_deref();
    let mut findings = match findings_path {
        Some(path) => Some(
            FindingsCsv::new(open(Some(path))?, &rules).map_err(|e| write_error(Some(path), e))?,
        ),
        None => None,
    };
    let mut scores = ScoresCsv::new(open(out_path)?).map_err(|e| write_error(out_path, e))?;

    let bar = progress_bar(
        sources.len() as u64,
        !args.quiet && io::stderr().is_terminal(),
    );
    let (mut calls, mut flagged, mut errors) = (0usize, 0usize, 0usize);
    let mut failure: Option<CliError> = None;
    let mut stdout_closed = false;
    let run = pool.install(|| {
        grade_sources(
            &rules,
            &sources,
            ReadOptions { fallback },
            CHUNK,
            &bar,
            &mut |rows| {
                calls += rows.len();
                errors += rows.iter().filter(|r| r.is_error()).count();
                flagged += rows
                    .iter()
                    .filter(|r| r.outcome.as_ref().is_ok_and(|o| o.card.flagged))
                    .count();
                if let Some(f) = &mut findings {
                    f.write(&rows).map_err(|e| {
                        failure = Some(write_error(findings_path, e));
                        io::Error::other("findings")
                    })?;
                }
                if stdout_closed {
                    return Ok(());
                }
                match scores.write(&rows) {
                    // A closed pipe (`| head`) is the reader's choice, not a failure: stop
                    // printing, but finish the findings file if one was asked for.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe && out_path.is_none() => {
                        stdout_closed = true;
                        match findings {
                            Some(_) => Ok(()),
                            None => Err(e),
                        }
                    }
                    Err(e) => {
                        failure = Some(write_error(out_path, e));
                        Err(io::Error::other("scores"))
                    }
                    Ok(()) => Ok(()),
                }
            },
        )
    });
    bar.finish_and_clear();
    match (run, failure) {
        (_, Some(failure)) => return Err(failure),
        (Err(_), None) if stdout_closed => return Ok(status(errors)),
        (Err(e), None) => return Err(write_error(out_path, e)),
        (Ok(()), None) => {}
    }
    // Findings first: when the score file appears, its evidence is already in place.
    if let Some(f) = findings {
        f.finish()
            .and_then(Output::commit)
            .map_err(|e| write_error(findings_path, e))?;
    }
    if !stdout_closed {
        match scores.finish().and_then(Output::commit) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe && out_path.is_none() => {}
            other => other.map_err(|e| write_error(out_path, e))?,
        }
    }

    if !args.quiet {
        eprintln!(
            "已质检 {} 通 (需复核 {flagged} 通,无法读取 {errors} 个),规则 {} 条,用时 {:.2} 秒",
            calls - errors,
            rules.rules.len(),
            started.elapsed().as_secs_f64()
        );
        if errors > 0 {
            eprintln!("无法读取的输入已写入 CSV,原因见 error 列。");
        }
    }
    Ok(status(errors))
}

fn status(input_errors: usize) -> Status {
    if input_errors > 0 {
        Status::Problems
    } else {
        Status::Success
    }
}

impl Progress for ProgressBar {
    fn more(&self, n: u64) {
        self.inc_length(n);
    }

    fn tick(&self) {
        self.inc(1);
    }
}

fn progress_bar(len: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} 质检中 [{bar:30}] {pos}/{len} 通 ({per_sec}, 预计剩余 {eta})",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar
}
