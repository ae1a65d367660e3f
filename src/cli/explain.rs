//! `zhijian explain`: one call → why it scored what it scored, in the terminal.
//!
//! In: `zhijian explain FILE... [--call ID]` and the input options `grade` takes. Out: on
//! stdout, the call view of [`zhijian::report::explain`], coloured on a terminal unless
//! `NO_COLOR` is set. A file of several calls needs `--call`; without it the calls are listed.

use std::io::IsTerminal;

use clap::Args;

use super::grade::InputArgs;
use super::{load_rules, write_stdout, CliError, Status};
use zhijian::grade::grade_sources;
use zhijian::report::explain::{render, Style};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 要解释的通话编号 (文件里有多通电话时必须指定) / the call to explain
    #[arg(long, value_name = "ID")]
    pub call: Option<String>,
}

/// Calls named when a file holds several and none was chosen.
const LISTED: usize = 20;

pub(super) fn run(args: &ExplainArgs) -> Result<Status, CliError> {
    let options = args.input.read_options()?;
    zhijian::segment::preload();
    let rules = load_rules(args.input.rules.as_deref(), args.input.scheme.as_deref())?;
    let pool = args.input.pool()?;
    let found = args.input.discover(&pool)?;
    let mut chosen = Vec::new();
    let mut seen: Vec<(String, Option<u8>)> = Vec::new();
    let mut total = 0usize;
    pool.install(|| {
        grade_sources(
            &rules,
            &found.sources,
            &options,
            256,
            // One call is explained: there is nothing to show progress on.
            &(),
            &mut |mut rows| {
                if !args.input.no_mask {
                    zhijian::mask::mask_rows(&mut rows);
                }
                for row in rows {
                    total += 1;
                    let wanted = args.call.as_deref().is_none_or(|id| id == row.call_id);
                    if seen.len() < LISTED {
                        seen.push((
                            row.call_id.clone(),
                            row.outcome.as_ref().ok().map(|o| o.card.score),
                        ));
                    }
                    if wanted && chosen.len() < 2 {
                        chosen.push(row);
                    }
                }
                Ok(())
            },
        )
    })
    .map_err(|e| CliError::Usage(format!("读取中断: {}", zhijian::zh::io(&e))))?;

    if chosen.is_empty() {
        let id = args.call.as_deref().unwrap_or_default();
        return Err(CliError::Usage(format!(
            "没有编号为 {id} 的通话;读到的通话: {}",
            list(&seen, total)
        )));
    }
    if args.call.is_none() && total > 1 {
        return Err(CliError::Usage(format!(
            "输入里有 {total} 通电话,请用 --call 指定一通: {}",
            list(&seen, total)
        )));
    }
    let style = if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Style::Color
    } else {
        Style::Plain
    };
    let mut text = String::new();
    for (i, row) in chosen.iter().enumerate() {
        if i > 0 {
            text.push_str("\n────────\n");
        }
        text.push_str(&render(&rules, row, style));
    }
    if args.input.no_mask {
        text.push_str("\n个人信息未遮盖 (--no-mask):客户的号码原样显示,仅限内部使用。\n");
    }
    if chosen.len() > 1 {
        eprintln!(
            "注意: 编号 {} 不止一通 (来源不同),都列出了。",
            chosen[0].call_id
        );
    }
    write_stdout(&text)?;
    Ok(if chosen.iter().any(|r| r.is_error()) {
        Status::Problems
    } else {
        Status::Success
    })
}

fn list(seen: &[(String, Option<u8>)], total: usize) -> String {
    let mut names: Vec<String> = seen
        .iter()
        .map(|(id, score)| match score {
            Some(s) => format!("{id} ({s} 分)"),
            None => format!("{id} (无法读取)"),
        })
        .collect();
    if total > seen.len() {
        names.push(format!("等 {total} 通"));
    }
    names.join("、")
}
