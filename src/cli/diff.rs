//! `zhijian diff`: calls and two rule sets → what editing the rules changes, before it goes live.
//!
//! In: `zhijian diff [PATH]... [--base DIR] [--base-scheme FILE] [--rules DIR] [--scheme FILE]
//! [--format text|github|csv] [--examples N] [-o FILE]` and the input options `grade` takes. The
//! base side is the rules before the edit, the other side (`--rules`, `--scheme`, as for
//! `grade`) after it. Out: the [`zhijian::impact`] of the edit: text, a Markdown comment for a pull
//! request, or a CSV of the calls that change, on stdout or replacing `-o` only when complete.
//! Each call is read once and graded by both sets. Exit 1 when some inputs could not be read,
//! 2 when the command could not run.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::grade::{note_stale, Batch, InputArgs};
use super::{load_rules, CliError, Status};
use zhijian::grade::{grade_call, Graded};
use zhijian::impact::Impact;
use zhijian::report::{self, Flow, ReportError, Target};

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 改动前的规则目录 (默认内置规则) / the rules before the edit (default: built-in)
    #[arg(long, value_name = "DIR")]
    pub base: Option<PathBuf>,
    /// 改动前的质检方案文件 / the scheme before the edit
    #[arg(long, value_name = "FILE")]
    pub base_scheme: Option<PathBuf>,
    /// 输出格式: text 终端、github PR 评论 (Markdown)、csv 每通变化的电话一行 / output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// 每条规则列出几处新增或不再命中的证据 (csv 全部列出) / evidence shown per rule and direction
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub examples: usize,
    /// 写到文件 (写完才替换旧文件;默认标准输出) / output file
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// 给人在终端里读 / for a terminal
    Text,
    /// Markdown,贴进 GitHub/GitLab 的 PR 评论 / a pull-request comment
    Github,
    /// CSV,每通变化的电话一行 / one row per call that changes
    Csv,
}

pub(super) fn run(args: &DiffArgs) -> Result<Status, CliError> {
    if args.base.is_none() && args.base_scheme.is_none() {
        return Err(CliError::Usage(
            "请用 --base 指定改动前的规则目录 (或 --base-scheme 指定改动前的质检方案),\
             改动后的规则用 --rules 和 --scheme"
                .into(),
        ));
    }
    let options = args.input.read_options()?;
    let target = match &args.out {
        Some(path) => Target::resolve(path).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?,
        None => Target::stdout(),
    };
    let batch = Batch::open(&args.input, &[&target])?;
    // Without --base, the base is the same rules as the other side, before the scheme edit.
    let base_dir = args.base.as_deref().or(args.input.rules.as_deref());
    let base = load_rules(base_dir, args.base_scheme.as_deref())?;
    let edited = &batch.rules;
    let failed = |source| {
        CliError::Report(ReportError {
            target: target.name(),
            source,
        })
    };
    let (mut out, stale) = target.open().map_err(failed)?;
    note_stale(&args.input, stale);

    let mut impact = Impact::new(&base, edited);
    let mask = !args.input.no_mask;
    let done = batch.grade_masking(&args.input, &options, false, &mut |mut after| {
        // The base rules read the same words the edited ones did, unmasked.
        let mut before: Vec<Graded> = after
            .par_iter()
            .map(|g| Graded {
                source: g.source.clone(),
                call_id: g.call_id.clone(),
                outcome: match &g.outcome {
                    Ok(o) => Ok(grade_call(&base, o.call.clone())),
                    Err(e) => Err(e.clone()),
                },
            })
            .collect();
        if mask {
            zhijian::mask::mask_rows(&mut after);
            zhijian::mask::mask_rows(&mut before);
        }
        for (b, a) in before.iter().zip(&after) {
            impact.add(&base, edited, b, a);
        }
        Ok(Flow::Continue)
    })?;
    let text = match args.format {
        DiffFormat::Text => report::impact::text(&impact, args.examples),
        DiffFormat::Github => report::impact::markdown(&impact, args.examples),
        DiffFormat::Csv => report::impact::csv(&impact),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.commit())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(failed)?;
    done.summarise(&args.input, edited);
    Ok(done.status())
}
