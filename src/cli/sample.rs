//! `zhijian sample`: transcripts → a fair, reproducible sample of hits or calls to check by hand.
//!
//! In: `zhijian sample [PATH]... [--per rule|rule-channel|channel|agent|tier|call|call-channel]
//! [--n N] [--seed S] [--rule ID]... [--only-channel NAME]... [-o FILE] [--verdicts FILE]
//! [--html FILE]` and the input options `grade` takes. Out: the worksheet (on stdout without
//! `-o`), a verdicts.csv with a blank verdict for every piece of evidence drawn, the review page
//! of the sampled calls; on stderr the strata with their candidates and draws. Every file goes
//! through the same output layer as `grade`: never over an input, replaced only when complete.
//! Exit 1 when some inputs could not be read, 2 when the command could not run.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;

use super::grade::{note_stale, only_format, Batch, InputArgs};
use super::{CliError, Status};
use zhijian::channel::Channel;
use zhijian::report::{self, Context, Flow, Format, Output, ReportError, Reports, Target};
use zhijian::sample::{Per, Plan, Sampler};

#[derive(Debug, Args)]
pub struct SampleArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 抽样层: rule 每条规则、rule-channel 每条规则的每个渠道、channel 每个渠道、agent 每个坐席、tier 每个档位
    /// (以上抽命中);call 整通电话、call-channel 每个渠道的整通电话 / what a stratum is
    #[arg(
        long,
        value_name = "WHAT",
        default_value = "rule",
        value_parser = PossibleValuesParser::new(Per::ALL.map(Per::name))
            .map(|s| s.parse::<Per>().expect("one of the possible values"))
    )]
    pub per: Per,
    /// 每层抽几项 (不足的全部抽出) / items drawn per stratum
    #[arg(long = "n", short = 'n', value_name = "N", default_value_t = 8)]
    pub n: usize,
    /// 随机种子:种子和通话相同,抽到的就相同 / the same seed draws the same sample
    #[arg(long, value_name = "SEED", default_value_t = 13)]
    pub seed: u64,
    /// 只抽这条规则的命中 (可写多次) / only this rule's hits (repeatable)
    #[arg(long = "rule", value_name = "ID")]
    pub only_rules: Vec<String>,
    /// 只抽这个渠道的通话: phone、chat、social、ticket (可写多次) / only calls of this channel
    #[arg(long = "only-channel", value_name = "NAME", value_parser = parse_channel)]
    pub only_channels: Vec<Channel>,
    /// 抽检单 (纯文本,逐项判定);默认输出到标准输出 / the worksheet, stdout by default
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// 抽到的每处证据一行的 verdicts.csv,verdict 列留空,填好后交给 zhijian precision /
    /// a verdicts.csv of the sample with the verdicts blank
    #[arg(long, value_name = "FILE")]
    pub verdicts: Option<PathBuf>,
    /// 只含抽到的通话的 HTML 复核报告 (同 zhijian review) / the review page of the sampled calls
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn parse_channel(s: &str) -> Result<Channel, String> {
    s.parse()
}

/// The worksheet, the CSV and the page, each with where it goes.
struct Outputs {
    sheet: Target,
    verdicts: Option<Target>,
    html: Option<Target>,
}

impl Outputs {
    fn plan(args: &SampleArgs) -> Result<Outputs, CliError> {
        let resolve = |path: &PathBuf| {
            Target::resolve(path).map_err(|source| CliError::Write {
                path: path.clone(),
                source,
            })
        };
        let sheet = match &args.out {
            Some(path) => {
                if let Some(format) = Format::from_extension(path) {
                    return Err(CliError::Usage(format!(
                        "-o 写的是给人读的抽检单 (纯文本),不能写成 {} 文件: 请用 -o {}.txt;\
                         verdicts.csv 用 --verdicts,复核页面用 --html",
                        format.spec().name,
                        path.with_extension("").display()
                    )));
                }
                resolve(path)?
            }
            None => Target::stdout(),
        };
        let verdicts = match &args.verdicts {
            Some(path) => {
                only_format(path, "--verdicts", Format::Csv, "CSV")?;
                Some(resolve(path)?)
            }
            None => None,
        };
        let html = match &args.html {
            Some(path) => {
                only_format(path, "--html", Format::Html, "HTML 复核报告")?;
                let target = resolve(path)?;
                if target.is_terminal() {
                    return Err(CliError::Usage(
                        "HTML 报告不输出到终端: 请用 --html 抽检.html".into(),
                    ));
                }
                Some(target)
            }
            None => None,
        };
        Ok(Outputs {
            sheet,
            verdicts,
            html,
        })
    }

    fn all(&self) -> Vec<&Target> {
        [
            Some(&self.sheet),
            self.verdicts.as_ref(),
            self.html.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

pub(super) fn run(args: &SampleArgs) -> Result<Status, CliError> {
    let options = args.input.read_options()?;
    if args.n == 0 {
        return Err(CliError::Usage("--n 至少为 1".into()));
    }
    if args.per.whole_calls() && !args.only_rules.is_empty() {
        return Err(CliError::Usage(format!(
            "--per {} 抽的是整通电话,看的是全部规则;只抽某条规则的命中请用 --per rule --rule {}",
            args.per.name(),
            args.only_rules[0]
        )));
    }
    let outputs = Outputs::plan(args)?;
    let batch = Batch::open(&args.input, &outputs.all())?;
    let set = &batch.rules;
    let mut rules = Vec::new();
    for id in &args.only_rules {
        match set.rules.iter().position(|r| r.id == *id) {
            Some(i) if !rules.contains(&i) => rules.push(i),
            Some(_) => {}
            None => {
                let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
                return Err(CliError::Usage(format!(
                    "没有编号为 {id} 的规则;规则有: {}",
                    ids.join("、")
                )));
            }
        }
    }
    let mut channels = args.only_channels.clone();
    channels.sort_unstable();
    channels.dedup();
    let plan = Plan {
        per: args.per,
        n: args.n,
        seed: args.seed,
        rules,
        channels,
    };

    // Every file is opened before the batch is read, so an unwritable one fails at once; none
    // is written to until the sample is drawn.
    let open = |target: &Target| -> Result<(Output, usize), CliError> {
        target.open().map_err(|source| failed(target, source))
    };
    let (mut sheet, mut stale) = open(&outputs.sheet)?;
    let mut csv = match &outputs.verdicts {
        Some(target) => {
            let (out, removed) = open(target)?;
            stale += removed;
            Some(out)
        }
        None => None,
    };
    let cx = Context {
        rules: set,
        bom: false,
        only_flagged: false,
        masked: !args.input.no_mask,
        dating: args.input.dating()?,
    };
    let mut page = match &outputs.html {
        Some(target) => {
            let reports = Reports::open(vec![(Format::Html, target.clone())], cx)?;
            stale += reports.stale_removed;
            Some(reports)
        }
        None => None,
    };
    note_stale(&args.input, stale);

    let mut sampler = Sampler::new(set, plan);
    let done = batch.grade(&args.input, &options, &mut |rows| {
        sampler.add(rows);
        Ok(Flow::Continue)
    })?;
    let sample = sampler.finish();

    // Everything is written out before anything is committed: a failure leaves every file as
    // it was.
    write_all(
        &mut sheet,
        report::sample::worksheet(set, &sample, !args.input.no_mask).as_bytes(),
    )
    .map_err(|e| failed(&outputs.sheet, e))?;
    if let (Some(out), Some(target)) = (&mut csv, &outputs.verdicts) {
        write_all(out, report::sample::verdicts(set, &sample).as_bytes())
            .map_err(|e| failed(target, e))?;
    }
    if let Some(reports) = &mut page {
        reports.write(&sample.calls)?;
    }
    if let Some(reports) = page {
        reports.finish()?;
    }
    sheet
        .commit()
        .or_else(closed_pipe)
        .map_err(|e| failed(&outputs.sheet, e))?;
    if let (Some(out), Some(target)) = (csv, &outputs.verdicts) {
        out.commit().map_err(|e| failed(target, e))?;
    }

    done.summarise(&args.input, set);
    if !args.input.quiet {
        let unit = if sample.plan.per.whole_calls() {
            "通"
        } else {
            "项"
        };
        eprintln!(
            "抽样 ({},每层 {} {unit},种子 {}): {} 层,共抽出 {} {unit},来自 {} 通电话",
            sample.plan.per.zh(),
            sample.plan.n,
            sample.plan.seed,
            sample.strata.len(),
            sample.items.len(),
            sample.calls.len()
        );
        eprint!("{}", report::sample::strata(&sample));
        for (what, path) in [
            ("抽检单", args.out.as_deref()),
            ("空白结论表", args.verdicts.as_deref()),
            ("复核报告", args.html.as_deref()),
        ] {
            if let Some(path) = path {
                eprintln!("{what}已写入 {}", path.display());
            }
        }
    }
    Ok(done.status())
}

/// Writes to an output and flushes it; a reader that closed the pipe (`| head`) is not an error.
fn write_all(out: &mut Output, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)
        .and_then(|()| out.prepare())
        .or_else(closed_pipe)
}

fn closed_pipe(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn failed(target: &Target, source: io::Error) -> CliError {
    CliError::Report(ReportError {
        target: target.name(),
        source,
    })
}
