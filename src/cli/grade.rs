//! `zhijian grade`: transcripts → score reports, streamed in chunks.
//!
//! In: `zhijian grade [PATH]... [--rules DIR] [--out FILE]... [--findings FILE] [--format F]
//! [--only-flagged] [--threads N] [--encoding ENC] [--agent-speaker ID | --agent-channel N]
//! [--agent-from-path REGEX] [--max-call-mb MB] [--bom] [--quiet] [--verbose]`. Out: the
//! reports (score CSV on stdout by default; CSV, JSONL or Excel files by extension; the findings
//! CSV), warnings, progress and a summary on stderr (with the files skipped and the calls whose
//! roles were guessed); exit 1 when some inputs could not be read (their rows are still
//! written), 2 when the command could not run.
//!
//! Every output is checked before anything is read: none may be one of the inputs, and no two
//! may be the same file, however their paths are spelled. zhijian's own reports found in a
//! directory are no inputs ([`zhijian::input::own_reports`]; each is named on stderr as it is set
//! aside), so a report written beside the transcripts is replaced by the next run, not refused
//! as an input nor graded as calls. The policy itself is the library's ([`zhijian::batch`]: the
//! output plan, the clash check, the tally and its duplicate call ids); this file words it for
//! the command line. [`Batch`] runs it with the progress bar and the summary, for `sample` and
//! `diff` as well, which keep the rows instead of writing them.

use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::{load_rules, CliError, Status};
use zhijian::batch::{self, check_clashes, PlanError, Request, Tally};
use zhijian::channel::Channel;
use zhijian::grade::{grade_into, Flow, Graded, Progress, Sink};
use zhijian::input::{discover, known_extensions, Discovered, ReadOptions, RoleOptions, Source};
use zhijian::report::{Context, Format, Reports, Target};
use zhijian::rule::RuleSet;

/// What to read and how to grade it: shared by `grade`, `review`, `explain` and `sample`.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// 文件、目录 (递归读取转写文本、ASR 结果 JSON、JSONL、SRT/WebVTT 字幕),或 - 表示标准输入 (自动识别格式) /
    /// files, directories, or - for stdin; formats are detected from content
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 规则目录 (默认使用内置规则) / rule directory (default: the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// 质检方案文件:不改规则文件,关掉规则或改分值、次数、渠道 (如 OPN003 = "off") /
    /// a scheme file that switches rules off or changes their points
    #[arg(long, value_name = "FILE")]
    pub scheme: Option<PathBuf>,
    /// 并行线程数 (默认: CPU 核数);结果与线程数无关 / threads; output does not depend on them
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// 不显示进度条和汇总 / no progress bar or summary
    #[arg(long, short)]
    pub quiet: bool,
    /// 强制按此编码读取 (默认自动识别 UTF-8/UTF-16/GB18030/Big5),如 gb18030 / force an encoding
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// 说话人分离的结果中,哪位说话人是客服 (如 spk0、SPEAKER_01、说话人2,或编号 1) / the agent's speaker
    #[arg(long, value_name = "ID", conflicts_with = "agent_channel")]
    pub agent_speaker: Option<String>,
    /// 双声道录音中客服所在的声道 (如 0) / the agent's audio channel
    #[arg(long, value_name = "N")]
    pub agent_channel: Option<u32>,
    /// 从文件路径中取坐席工号的正则,取名为 agent 的分组或第一个分组,如 '/(A\d+)/' /
    /// regex taking the agent id from the path
    #[arg(long, value_name = "REGEX")]
    pub agent_from_path: Option<String>,
    /// 这批通话的渠道: phone 电话 (默认)、chat 在线、social 社媒、ticket 工单;通话元数据里的
    /// channel/渠道 优先。只适用于其他渠道的规则记为不适用 (N/A) / the batch's channel
    #[arg(long, value_name = "NAME", value_parser = parse_channel)]
    pub channel: Option<Channel>,
    /// 单通电话文本的上限 (MB),超过的记为一行错误 / the most text one call may have
    #[arg(long, value_name = "MB", default_value_t = 16)]
    pub max_call_mb: usize,
    /// 列出跳过的文件等详细信息 / list skipped files and other details
    #[arg(long, short)]
    pub verbose: bool,
    /// 不遮盖个人信息:报告里原样保留客户的手机号、座机、身份证号、银行卡号和邮箱,仅供内部使用
    /// (默认遮盖为 138****5678;规则看到的总是原文) / keep personal numbers unmasked in every report
    #[arg(long)]
    pub no_mask: bool,
    /// 这批通话的日期 (如 2026-12-05),写进 JSONL 每一行供 zhijian trend 按天、按周汇总;
    /// 不给则取通话元数据里的日期 (date、start_time、通话时间…),再没有就取质检当天 /
    /// the batch's day, recorded in every JSONL line for trends
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<jiff::civil::Date>,
}

impl InputArgs {
    /// How the calls are dated: `--date`, else each call's metadata, else today.
    pub(super) fn dating(&self) -> Result<zhijian::day::Dating<'static>, CliError> {
        let zone = &*ZONE;
        Ok(zhijian::day::Dating {
            given: self.date,
            today: today(zone)?,
            zone,
        })
    }
}

/// The zone of the grading day and of timestamps in metadata: `TZ` when the user set it,
/// Beijing time otherwise (a server on UTC grades calls of a centre on UTC+8).
static ZONE: std::sync::LazyLock<jiff::tz::TimeZone> =
    std::sync::LazyLock::new(|| match std::env::var_os("TZ") {
        Some(tz) if !tz.is_empty() => jiff::tz::TimeZone::system(),
        _ => zhijian::day::BEIJING.clone(),
    });

/// The day of grading; `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds
/// convention) stands in for the clock, so a run can be repeated byte for byte on another day.
fn today(zone: &jiff::tz::TimeZone) -> Result<jiff::civil::Date, CliError> {
    let Some(epoch) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(jiff::Timestamp::now().to_zoned(zone.clone()).date());
    };
    epoch
        .to_str()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.to_zoned(zone.clone()).date())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "环境变量 SOURCE_DATE_EPOCH 应是 1970 年以来的秒数,而不是 {}",
                epoch.to_string_lossy()
            ))
        })
}

/// `--date`: a day written as a person writes one, and nothing else (not a timestamp, not a
/// range such as `2026-12-05/06`).
fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    static DAY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{8})$")
            .unwrap()
    });
    let t = s.trim();
    if let Some(d) = zhijian::day::parse(t, &zhijian::day::BEIJING).filter(|_| DAY.is_match(t)) {
        return Ok(d);
    }
    match t.parse::<jiff::civil::Date>() {
        Ok(d) => Err(format!("{d} 不在 2000–2099 年之间,不像是通话的日期")),
        Err(_) => Err(format!("不是日期: {s} (请写成 2026-12-05)")),
    }
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 报告文件,格式按扩展名: .csv 得分表、.jsonl/.ndjson 每通一行 JSON、.xlsx Excel 工作簿、
    /// .html 复核报告;可写多次;写完才替换旧文件 (默认: 得分 CSV 到标准输出) / report file,
    /// format by extension, repeatable, replaced only when complete
    #[arg(long, short, value_name = "FILE")]
    pub out: Vec<PathBuf>,
    /// 证据明细 CSV,每处命中一行 / one row per hit, the evidence for each deduction
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,
    /// 主管复核用的 HTML 报告 (同 zhijian review) / the supervisor's HTML review report
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// 标准输出 (或扩展名看不出格式的 --out) 的格式 / the format of stdout
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub format: Option<FormatArg>,
    /// 只列出需复核的通话 (及无法读取的输入);坐席、规则统计仍按全部通话 / list only flagged calls
    #[arg(long)]
    pub only_flagged: bool,
    /// 在 CSV 开头写入 UTF-8 BOM,便于 Excel 直接打开 / start CSV files with a BOM for Excel
    #[arg(long)]
    pub bom: bool,
}

/// `--format`: the library's [`Format`]s as the command line names and documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// 得分 CSV,每通电话一行 / the score CSV, one row per call
    Csv,
    /// 证据 CSV,每处命中一行 / the findings CSV, one row per hit
    Findings,
    /// JSON Lines,每通电话一个对象 (含证据和转写) / one JSON object per call
    Jsonl,
    /// Excel 工作簿: 得分、证据、坐席、规则 四张表 / an Excel workbook
    Xlsx,
    /// HTML 复核报告: 概览、复核队列、通话视图、坐席,可标记误判 / the supervisor's review page
    Html,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Csv => Format::Csv,
            FormatArg::Findings => Format::Findings,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Xlsx => Format::Xlsx,
            FormatArg::Html => Format::Html,
        }
    }
}

/// Calls graded between two writes of the reports: enough to keep both cores busy, small
/// enough that memory does not grow with the batch.
const CHUNK: usize = 2048;

/// More threads than this only cost memory and start-up; the work is CPU-bound.
const MAX_THREADS: usize = 256;

/// Duplicate call ids named one by one on stderr; beyond this only counted.
const DUPLICATES_NAMED: usize = 20;

impl InputArgs {
    /// Checks the arguments that need no reading, and settles how inputs are read.
    pub(super) fn read_options(&self) -> Result<ReadOptions, CliError> {
        if self.paths.is_empty() {
            return Err(CliError::Usage(
                "请指定要质检的文件或目录,例如: zhijian grade corpus/\n\
                 从标准输入读取 JSONL 请用 -: cat calls.jsonl | zhijian grade -"
                    .into(),
            ));
        }
        let encoding = match &self.encoding {
            None => None,
            Some(label) => Some(
                encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                    CliError::Usage(format!(
                        "不认识的编码 \"{label}\" (可用如 gb18030、gbk、big5)"
                    ))
                })?,
            ),
        };
        if self.threads.is_some_and(|n| n > MAX_THREADS) {
            return Err(CliError::Usage(format!(
                "--threads 最多 {MAX_THREADS} (0 或不写表示按 CPU 核数)"
            )));
        }
        // A mistyped path would grade nothing and still replace yesterday's report with a
        // single error row: refuse the run before any output is touched.
        let missing: Vec<&PathBuf> = self
            .paths
            .iter()
            .filter(|p| p.as_os_str() != "-" && fs::metadata(p).is_err())
            .collect();
        if let Some(chain) = missing.iter().find_map(|p| zhijian::input::symlink_loop(p)) {
            return Err(CliError::Usage(format!(
                "无法读取输入: {chain};没有写任何输出"
            )));
        }
        let missing: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
        if !missing.is_empty() {
            return Err(CliError::Usage(format!(
                "找不到输入: {} (文件或目录不存在);没有写任何输出",
                missing.join("、")
            )));
        }
        let agent_from_path = match &self.agent_from_path {
            None => None,
            Some(re) => Some(regex::Regex::new(re).map_err(|e| {
                CliError::Usage(format!("--agent-from-path 不是有效的正则表达式: {e}"))
            })?),
        };
        if self.max_call_mb == 0 || self.max_call_mb > 1024 {
            return Err(CliError::Usage("--max-call-mb 应在 1 到 1024 之间".into()));
        }
        Ok(ReadOptions {
            encoding,
            roles: RoleOptions {
                agent_speaker: self.agent_speaker.clone(),
                agent_channel: self.agent_channel,
            },
            agent_from_path,
            max_call_bytes: self.max_call_mb * 1024 * 1024,
            channel: self.channel,
        })
    }

    /// The readable sources under the paths, or why there are none, found on `pool`'s threads.
    /// Each of zhijian's own reports found in a directory is named on stderr as it is set aside.
    pub(super) fn discover(&self, pool: &rayon::ThreadPool) -> Result<Discovered, CliError> {
        let found = pool.install(|| discover(&self.paths));
        if !self.quiet {
            for (path, report) in &found.reports {
                eprintln!("跳过 {}: {},不是通话", path.display(), report.this_is());
            }
        }
        if found.sources.is_empty() {
            let reports = match found.reports.len() {
                0 => String::new(),
                n => format!("、{n} 个 zhijian 写的报告"),
            };
            return Err(CliError::Usage(format!(
                "给定的目录里没有找到可质检的文件 (支持的扩展名: {});跳过了 {} 个其他文件{reports}",
                known_extensions().join("、"),
                found.skipped.len()
            )));
        }
        Ok(found)
    }

    pub(super) fn pool(&self) -> Result<rayon::ThreadPool, CliError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .map_err(|e| CliError::Usage(format!("无法创建线程池: {e}")))
    }
}

pub(super) fn run(args: &GradeArgs) -> Result<Status, CliError> {
    let options = args.input.read_options()?;
    let outputs = outputs(args)?;
    execute(&args.input, options, outputs, args.bom, args.only_flagged)
}

/// Grades the inputs into `outputs`.
pub(super) fn execute(
    input: &InputArgs,
    options: ReadOptions,
    outputs: Vec<(Format, Target)>,
    bom: bool,
    only_flagged: bool,
) -> Result<Status, CliError> {
    let targets: Vec<&Target> = outputs.iter().map(|(_, t)| t).collect();
    let batch = Batch::open(input, &targets)?;
    let cx = Context {
        rules: &batch.rules,
        bom,
        only_flagged,
        masked: !input.no_mask,
        dating: input.dating()?,
    };
    let mut reports = Reports::open(outputs, cx)?;
    note_stale(input, reports.stale_removed);
    let done = batch.grade(input, &options, &mut |rows| Ok(reports.write(&rows)?))?;
    if done.stopped {
        return Ok(done.status());
    }
    reports.finish()?;
    done.summarise(input, &batch.rules);
    Ok(done.status())
}

/// Says that stale temporary files of an interrupted run were removed beside the outputs.
pub(super) fn note_stale(input: &InputArgs, removed: usize) {
    if removed > 0 && !input.quiet {
        eprintln!("已清理上次被中断的运行留下的临时文件 {removed} 个。");
    }
}

/// A batch ready to be graded: the rules, the inputs found, the threads, and outputs that are
/// known not to be one of the inputs.
pub(super) struct Batch {
    pub rules: RuleSet,
    sources: Vec<Source>,
    skipped: Vec<PathBuf>,
    pool: rayon::ThreadPool,
    started: Instant,
}

/// The rows on their way from the library to a command: masked, counted (each duplicate call
/// id named below the progress bar), then handed on.
struct Counted<'a, 's> {
    mask: bool,
    tally: &'a mut Tally,
    bar: &'a ProgressBar,
    dating: &'a zhijian::day::Dating<'a>,
    next: &'a mut (dyn FnMut(Vec<Graded>) -> Result<Flow, CliError> + Send + 's),
}

impl Sink for Counted<'_, '_> {
    type Error = CliError;

    fn rows(&mut self, mut rows: Vec<Graded>) -> Result<Flow, CliError> {
        // The rules have read the original words; what leaves the program is masked.
        if self.mask {
            zhijian::mask::mask_rows(&mut rows);
        }
        warn_duplicates(&self.tally.add(&rows, self.dating), self.bar);
        (self.next)(rows)
    }
}

/// What grading a batch came to, for the exit status and the summary.
pub(super) struct Done {
    tally: Tally,
    skipped: Vec<PathBuf>,
    started: Instant,
    /// Every output was a pipe its reader closed: grading stopped early.
    pub stopped: bool,
}

impl Batch {
    /// Loads the rules, finds the inputs and checks `outputs` against them (none may be an
    /// input, no two the same file). From here on an interrupted run removes its temporary
    /// files.
    pub(super) fn open(input: &InputArgs, outputs: &[&Target]) -> Result<Batch, CliError> {
        let started = Instant::now();
        zhijian::segment::preload();
        let rules = load_rules(input.rules.as_deref(), input.scheme.as_deref())?;
        let pool = input.pool()?;
        let Discovered {
            sources, skipped, ..
        } = input.discover(&pool)?;
        check_clashes(&sources, outputs)?;
        super::signals::remove_temp_files_on_signals()?;
        Ok(Batch {
            rules,
            sources,
            skipped,
            pool,
            started,
        })
    }

    /// Grades every input, handing the rows to `sink` a chunk at a time in batch order, with a
    /// progress bar on a terminal. The sink's [`Flow::Stop`] ends the run early (`stopped`).
    pub(super) fn grade(
        &self,
        input: &InputArgs,
        options: &ReadOptions,
        sink: &mut (dyn FnMut(Vec<Graded>) -> Result<Flow, CliError> + Send),
    ) -> Result<Done, CliError> {
        self.grade_masking(input, options, !input.no_mask, sink)
    }

    /// [`Batch::grade`], handing the sink the rows as the rules read them when `mask` is
    /// false: a command that grades them again (`diff`) masks them itself.
    pub(super) fn grade_masking(
        &self,
        input: &InputArgs,
        options: &ReadOptions,
        mask: bool,
        sink: &mut (dyn FnMut(Vec<Graded>) -> Result<Flow, CliError> + Send),
    ) -> Result<Done, CliError> {
        let bar = progress_bar(
            self.sources.len() as u64,
            !input.quiet && io::stderr().is_terminal(),
        );
        let mut tally = Tally::default();
        let dating = input.dating()?;
        let mut counted = Counted {
            mask,
            tally: &mut tally,
            bar: &bar,
            dating: &dating,
            next: sink,
        };
        let run = self.pool.install(|| {
            grade_into(
                &self.rules,
                &self.sources,
                options,
                CHUNK,
                &Bar(&bar),
                &mut counted,
            )
        });
        bar.finish_and_clear();
        let stopped = run? == Flow::Stop;
        Ok(Done {
            tally,
            skipped: self.skipped.clone(),
            started: self.started,
            stopped,
        })
    }
}

impl Done {
    pub(super) fn status(&self) -> Status {
        status(self.tally.errors)
    }

    /// The warnings and the summary on stderr, once the outputs are in place.
    pub(super) fn summarise(&self, input: &InputArgs, rules: &RuleSet) {
        let tally = &self.tally;
        report_duplicates(tally);
        if !input.quiet {
            eprintln!(
                "已质检 {} 通 (需复核 {} 通,无法读取 {} 个),规则 {} 条{},用时 {:.2} 秒",
                tally.calls - tally.errors,
                tally.flagged,
                tally.errors,
                rules.rules.len(),
                rules
                    .scheme
                    .as_ref()
                    .map_or(String::new(), |s| format!(" (质检方案: {s})")),
                self.started.elapsed().as_secs_f64()
            );
            if tally.errors > 0 {
                eprintln!("无法读取的输入已写入报告,原因见 error (错误) 列。");
            }
            if let Some(example) = &tally.undated_example {
                eprintln!(
                    "注意: {} 通电话元数据里的日期读不出或不可能是通话日期 (如 “{example}”),\
                     结果 JSONL 里按质检当天计;可用 --date 指定这批通话的日期。",
                    tally.undated
                );
            }
            if tally.undecided > 0 {
                eprintln!(
                    "有 {} 通电话无法从话术判断哪位说话人是客服,已按第一位说话人处理并标记复核;\
                     如已知客服的说话人或声道,请加 --agent-speaker 或 --agent-channel。",
                    tally.undecided
                );
            }
        }
        if !self.skipped.is_empty() && !input.quiet {
            eprintln!("{}", skipped_summary(&self.skipped, input.verbose));
        }
    }
}

/// What was not read: counted with a few examples, or every file with `--verbose`.
fn skipped_summary(skipped: &[PathBuf], verbose: bool) -> String {
    const NAMED: usize = 3;
    let names: Vec<String> = skipped
        .iter()
        .take(if verbose { usize::MAX } else { NAMED })
        .map(|p| p.display().to_string())
        .collect();
    let mut text = format!(
        "跳过了 {} 个无法识别格式的文件 (扩展名不是 {}): {}",
        skipped.len(),
        known_extensions().join("、"),
        names.join("、")
    );
    if skipped.len() > names.len() {
        text.push_str(" 等;加 --verbose 列出全部");
    }
    text
}

/// The reports the arguments ask for, each with its format and settled destination, as
/// [`batch::plan`] settles them; its refusals worded with the flags the user typed.
fn outputs(args: &GradeArgs) -> Result<Vec<(Format, Target)>, CliError> {
    let request = Request {
        files: &args.out,
        format: args.format.map(Format::from),
        html: args.html.as_deref(),
        findings: args.findings.as_deref(),
    };
    batch::plan(&request).map_err(|e| match e {
        PlanError::Unwritable { path, source } => CliError::Write { path, source },
        PlanError::Contradicts {
            path,
            by_name,
            asked,
        } => CliError::Usage(format!(
            "--out {} 的扩展名表示 {} 格式,与 --format {} 矛盾",
            path.display(),
            by_name.spec().name,
            asked.spec().name
        )),
        PlanError::NoFormat { path } => CliError::Usage(format!(
            "无法从 --out {} 的扩展名判断格式: 请用 {},或加 --format",
            path.display(),
            Format::known_extensions()
        )),
        PlanError::FindingsAsReport => CliError::Usage("证据明细请用 --findings FILE 输出".into()),
        PlanError::WrongExtension {
            path,
            writes: Format::Findings,
            named,
        } => CliError::Usage(format!(
            "--findings 写的是 CSV,不能写成 {} 文件;{} 报告里已经包含证据,请用 --out {}",
            named.spec().name,
            named.spec().name,
            path.display()
        )),
        PlanError::WrongExtension {
            path,
            writes,
            named,
        } => wrong_extension(&path, "--html", writes, "HTML 复核报告", named),
        PlanError::BinaryToTerminal(format) => CliError::Usage(format!(
            "{} 是二进制格式,不能输出到终端: 请用 --out 报告.{}",
            format.spec().name,
            format.spec().extensions[0]
        )),
    })
}

/// Refuses an output file whose extension names another format than the one `flag` writes
/// (`what`): `--html 报告.xlsx` is a mistake, not a request for a workbook.
pub(super) fn only_format(
    path: &Path,
    flag: &str,
    format: Format,
    what: &str,
) -> Result<(), CliError> {
    batch::only_format(path, format).map_err(|e| match e {
        PlanError::WrongExtension { named, .. } => wrong_extension(path, flag, format, what, named),
        other => CliError::Usage(other.to_string()),
    })
}

fn wrong_extension(path: &Path, flag: &str, format: Format, what: &str, named: Format) -> CliError {
    CliError::Usage(format!(
        "{flag} 写的是 {what},不能写成 {} 文件: 请用 {flag} {}.{}",
        named.spec().name,
        path.with_extension("").display(),
        format.spec().extensions[0]
    ))
}

/// Names a call id seen again on stderr, below the progress bar: the first
/// [`DUPLICATES_NAMED`] one by one, the rest only counted in the summary.
fn warn_duplicates(again: &[batch::Duplicate], bar: &ProgressBar) {
    for d in again.iter().filter(|d| d.nth <= DUPLICATES_NAMED) {
        bar.suspend(|| {
            eprintln!(
                "警告: 通话编号 {} 出现了不止一次: {} 和 {} (报告里按来源区分)",
                d.call_id, d.first, d.again
            )
        });
    }
}

/// After the summary's counts: how many duplicates were not named.
fn report_duplicates(tally: &Tally) {
    if tally.duplicates > DUPLICATES_NAMED {
        eprintln!(
            "警告: 共有 {} 行的通话编号与前面的重复,只列出了前 {DUPLICATES_NAMED} 个",
            tally.duplicates
        );
    }
}

fn status(input_errors: usize) -> Status {
    if input_errors > 0 {
        Status::Problems
    } else {
        Status::Success
    }
}

/// The terminal's progress bar as the library's [`Progress`]: the library draws nothing itself.
struct Bar<'a>(&'a ProgressBar);

impl Progress for Bar<'_> {
    fn more(&self, n: u64) {
        self.0.inc_length(n);
    }

    fn tick(&self) {
        self.0.inc(1);
    }
}

/// The rate is not shown before this much time has passed, nor the time left before the rate
/// has settled: the first chunk includes start-up, and a JSONL file's length is only known once
/// it is opened.
const SETTLE: Duration = Duration::from_secs(3);

/// Calls per second as a person reads it: no decimals from 10 up.
fn rate_text(per_sec: f64) -> String {
    if per_sec >= 10.0 {
        format!("每秒 {per_sec:.0} 通")
    } else {
        format!("每秒 {per_sec:.1} 通")
    }
}

/// Time left, once `elapsed` is long enough and at least 1 % of the calls are done; `None`
/// before.
fn eta_text(elapsed: Duration, done: u64, total: u64) -> Option<String> {
    if elapsed < SETTLE || done == 0 || done >= total || done * 100 < total {
        return None;
    }
    let left = elapsed.as_secs_f64() * (total - done) as f64 / done as f64;
    let secs = left.round() as u64;
    Some(match secs {
        0..=59 => format!("约 {secs} 秒"),
        60..=3599 => format!("约 {} 分 {} 秒", secs / 60, secs % 60),
        _ => format!("约 {} 小时 {} 分", secs / 3600, secs % 3600 / 60),
    })
}

fn progress_bar(len: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} 质检中 [{bar:30}] {pos}/{len} 通{rate}{left}")
            .expect("static template")
            .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                if s.elapsed() >= SETTLE {
                    let _ = write!(w, ",{}", rate_text(s.per_sec()));
                }
            })
            .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                if let Some(left) = eta_text(s.elapsed(), s.pos(), s.len().unwrap_or(0)) {
                    let _ = write!(w, ",剩余{left}");
                }
            })
            .progress_chars("=> "),
    );
    bar
}

fn parse_channel(s: &str) -> Result<Channel, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A format the library gains is one `--format` can name, and the names map one to one.
    #[test]
    fn every_format_has_its_own_value() {
        use clap::ValueEnum as _;
        let mapped: Vec<Format> = FormatArg::value_variants()
            .iter()
            .map(|&arg| arg.into())
            .collect();
        assert_eq!(mapped, Format::ALL);
    }

    #[test]
    fn rates_read_without_decimals_noise() {
        assert_eq!(rate_text(10_704.345_6), "每秒 10704 通");
        assert_eq!(rate_text(10.0), "每秒 10 通");
        assert_eq!(rate_text(3.456), "每秒 3.5 通");
    }

    #[test]
    fn no_time_left_until_the_rate_has_settled() {
        let s = Duration::from_secs;
        assert_eq!(eta_text(s(1), 500, 1000), None, "too early");
        assert_eq!(eta_text(s(5), 0, 1000), None, "nothing done");
        assert_eq!(eta_text(s(5), 9, 1000), None, "under 1 %");
        assert!(eta_text(s(5), 10, 1000).is_some());
        assert_eq!(eta_text(s(5), 1000, 1000), None, "finished");
        assert_eq!(eta_text(s(3), 500, 1000).as_deref(), Some("约 3 秒"));
        assert_eq!(eta_text(s(10), 100, 1000).as_deref(), Some("约 1 分 30 秒"));
        assert_eq!(eta_text(s(3600), 1, 3).as_deref(), Some("约 2 小时 0 分"));
    }
}
