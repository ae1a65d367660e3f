//! Command line: raw arguments → validated settings → a run of the pipeline → an exit status.
//!
//! In: `zhijian grade [PATH]... [--rules DIR] [--out FILE] [--findings FILE] [--threads N]`.
//! Out: the score CSV on stdout or in `--out`, the findings CSV in `--findings`, progress and a
//! summary on stderr, and an exit status: 0 every input graded, 1 some inputs could not be
//! read (their rows are still written), 2 usage or rule-file errors.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::grade::{grade_items, Graded};
use crate::input::{discover, read_all, ReadOptions};
use crate::report::{write_atomic, write_findings, write_scores, UTF8_BOM};
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
}

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

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every input was graded (flagged calls are not an error).
    Graded = 0,
    /// Some inputs could not be read or parsed; their rows carry the error.
    InputErrors = 1,
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
    #[error("无法写入 {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

pub fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Grade(args) => grade(&args),
    }
}

/// Loads the rule set named by `--rules`, or the built-in one.
pub fn load_rules(dir: Option<&Path>) -> Result<RuleSet, CliError> {
    match dir {
        Some(dir) => RuleSet::from_dir(dir),
        None => RuleSet::embedded(),
    }
    .map_err(CliError::Rules)
}

fn grade(args: &GradeArgs) -> Result<Status, CliError> {
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Usage(format!("无法创建线程池: {e}")))?;

    let sources = discover(&args.paths);
    let show_progress = !args.quiet && io::stderr().is_terminal();
    let rows: Vec<Graded> = pool.install(|| {
        let items = read_all(&sources, ReadOptions { fallback });
        let bar = progress_bar(items.len() as u64, show_progress);
        let rows = grade_items(&rules, items, &|| bar.inc(1));
        bar.finish_and_clear();
        rows
    });

    let bom = args.bom;
    let emit = |path: &Option<PathBuf>, write: &dyn Fn(&mut dyn Write) -> io::Result<()>| {
        let with_bom = |out: &mut dyn Write| {
            if bom {
                out.write_all(UTF8_BOM)?;
            }
            write(out)
        };
        match path {
            Some(path) => write_atomic(path, with_bom).map_err(|source| CliError::Write {
                path: path.clone(),
                source,
            }),
            None => {
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                match with_bom(&mut lock).and_then(|_| lock.flush()) {
                    // A closed pipe (`| head`) is the reader's choice, not a failure.
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Write {
                        path: PathBuf::from("<stdout>"),
                        source: e,
                    }),
                    _ => Ok(()),
                }
            }
        }
    };
    if let Some(findings) = &args.findings {
        emit(&Some(findings.clone()), &|out| {
            write_findings(out, &rules, &rows)
        })?;
    }
    emit(&args.out, &|out| write_scores(out, &rows))?;

    let errors = rows.iter().filter(|r| r.is_error()).count();
    if !args.quiet {
        let flagged = rows
            .iter()
            .filter(|r| r.outcome.as_ref().is_ok_and(|o| o.card.flagged))
            .count();
        eprintln!(
            "已质检 {} 通 (需复核 {flagged} 通,无法读取 {errors} 个),规则 {} 条,用时 {:.2} 秒",
            rows.len() - errors,
            rules.rules.len(),
            started.elapsed().as_secs_f64()
        );
        if errors > 0 {
            eprintln!("无法读取的输入已写入 CSV,原因见 error 列。");
        }
    }
    Ok(if errors > 0 {
        Status::InputErrors
    } else {
        Status::Graded
    })
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
