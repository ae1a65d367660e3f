//! `zhijian review`: transcripts → the supervisor's HTML review report.
//!
//! In: `zhijian review [PATH]... [-o FILE] [--only-flagged]` and the input options `grade`
//! takes. Out: one self-contained HTML file (default `review.html`), written through the same
//! output layer as `grade --html`: never over an input, replaced only when complete.

use std::path::PathBuf;

use clap::Args;

use super::grade::{self, InputArgs};
use super::{CliError, Status};
use zhijian::report::{Format, Target};

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// HTML 报告文件 (默认 review.html);写完才替换旧文件 / the report file
    #[arg(long, short, value_name = "FILE", default_value = "review.html")]
    pub out: PathBuf,
    /// 只收录需复核的通话;概览和坐席统计仍按全部通话 / list only flagged calls
    #[arg(long)]
    pub only_flagged: bool,
}

pub(super) fn run(args: &ReviewArgs) -> Result<Status, CliError> {
    let options = args.input.read_options()?;
    if let Some(other) = Format::from_extension(&args.out).filter(|f| *f != Format::Html) {
        return Err(CliError::Usage(format!(
            "review 写的是 HTML 复核报告,不能写成 {} 文件: 请用 -o {}.html",
            other.spec().name,
            args.out.with_extension("").display()
        )));
    }
    let target = Target::resolve(&args.out).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    if target.is_terminal() {
        return Err(CliError::Usage(
            "HTML 报告不输出到终端: 请用 -o 报告.html".into(),
        ));
    }
    let status = grade::execute(
        &args.input,
        options,
        vec![(Format::Html, target)],
        false,
        args.only_flagged,
    )?;
    if !args.input.quiet {
        eprintln!(
            "复核报告已写入 {},用浏览器打开即可 (不需要网络)。",
            args.out.display()
        );
    }
    Ok(status)
}
