//! Chinese wording for clap: its usage errors, help and version text.
//!
//! In: a `clap::Error` (which also carries `--help` and `--version`). Out: the text to print, in
//! Chinese, with the command's usage and a pointer to `--help` after a usage error as clap's own
//! messages have. The library's errors are worded in [`zhijian::zh`]; clap is the binary's alone.

use clap::builder::PossibleValue;
use clap::{Arg, ArgAction, Command, CommandFactory as _};
use zhijian::zh::is_chinese;

/// The command line, worded in Chinese through clap's own settings: the help template, the
/// headings of arguments, options and commands, help and version flags of our own, and default
/// and possible values written into each argument's help. clap's English never reaches the
/// text, so nothing has to be found and replaced in it.
pub fn command() -> Command {
    let cli = super::Cli::command()
        .disable_help_subcommand(true)
        .subcommand(
            Command::new("help")
                .about("显示帮助;zhijian help grade 显示 grade 的帮助 / show help")
                .arg(
                    Arg::new("命令")
                        .num_args(0..=1)
                        .help("要看帮助的命令 / the command"),
                ),
        );
    let cli = localize(cli, true);
    // Each usage line after the settings above, which it depends on.
    let mut built = cli.clone();
    built.build();
    cli.mut_subcommands(|sub| {
        let usage = built
            .find_subcommand_mut(sub.get_name())
            .map(|b| usage_of(b.render_usage().to_string()));
        match usage {
            Some(u) => sub.override_usage(u),
            None => sub,
        }
    })
}

/// `zhijian help [命令]`: the long help of that command, or of zhijian; `Err` is the message
/// for a command that does not exist.
pub fn help_for(asked: &clap::ArgMatches) -> Result<String, String> {
    // As --help renders: in the long layout only where some argument has a long help.
    let render = |mut cmd: Command| {
        if cmd.get_arguments().any(|a| a.get_long_help().is_some()) {
            cmd.render_long_help().to_string()
        } else {
            cmd.render_help().to_string()
        }
    };
    let mut cmd = command();
    match asked.get_one::<String>("命令") {
        None => Ok(render(cmd)),
        Some(name) => match cmd.find_subcommand_mut(name) {
            Some(sub) => Ok(render(sub.clone().bin_name(format!("zhijian {name}")))),
            None => Err(format!(
                "错误: 不认识的命令 {name}\n\n用法: zhijian help [命令]\n\n更多信息请用 --help\n"
            )),
        },
    }
}

/// `zhijian grade [OPTIONS] [PATH]...` as clap renders it, less its `Usage:` heading, with the
/// two placeholders clap has no setting for in Chinese.
fn usage_of(rendered: String) -> String {
    rendered
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
}

/// What clap leaves in English, set in Chinese on `cmd` and everything under it.
fn localize(cmd: Command, top: bool) -> Command {
    // clap lays --help out long (each help on its own lines, defaults in a paragraph of their
    // own) when some argument has a long help; a described list of values is one.
    let long = cmd.get_arguments().any(|a| {
        a.get_long_help().is_some()
            || (a.get_action().takes_values()
                && !a.is_hide_possible_values_set()
                && a.get_possible_values()
                    .iter()
                    .any(|v| v.get_help().is_some()))
    });
    let cmd = cmd.mut_args(|a| localize_arg(a, long));
    // As clap's own flag does: -h and --help differ only where some argument has a long help.
    let help = Arg::new("help")
        .short('h')
        .long("help")
        .action(ArgAction::Help)
        .help_heading("选项");
    let help = if long {
        help.help("显示帮助 (--help 显示详细帮助)")
            .long_help("显示帮助 (-h 显示简要帮助)")
    } else {
        help.help("显示帮助")
    };
    let mut cmd = cmd
        .help_template("{before-help}{about-with-newline}\n用法: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .arg(help);
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        );
    }
    cmd.mut_subcommands(|sub| localize(sub, false))
}

fn tail_values(values: &[PossibleValue]) -> String {
    let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
    format!("[可选值: {}]", names.join(", "))
}

/// An argument under 参数 or 选项, with its default and possible values in its own help, laid
/// out as clap lays out its `[default: …]` and `Possible values:` (compact, or in paragraphs
/// when the command's --help is `long_layout`).
fn localize_arg(arg: Arg, long_layout: bool) -> Arg {
    let heading = if arg.is_positional() {
        "参数"
    } else {
        "选项"
    };
    let arg = if arg.get_help_heading().is_none() {
        arg.help_heading(heading)
    } else {
        arg
    };
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let default = (!defaults.is_empty() && !arg.is_hide_default_value_set())
        .then(|| format!("[默认: {}]", defaults.join(", ")));
    let values: Vec<PossibleValue> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    // (How many values an argument takes is settled only when clap builds the command; its
    // action is known now.)
    let list_values =
        arg.get_action().takes_values() && !values.is_empty() && !arg.is_hide_possible_values_set();
    if default.is_none() && !list_values {
        return arg;
    }
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let long_help = arg.get_long_help().map(|h| h.to_string());
    let tail: Vec<String> = default
        .iter()
        .cloned()
        .chain(list_values.then(|| tail_values(&values)))
        .collect();
    let short = std::iter::once(help.clone())
        .filter(|h| !h.is_empty())
        .chain(tail)
        .collect::<Vec<_>>()
        .join(" ");
    let arg = arg
        .hide_default_value(true)
        .hide_possible_values(true)
        .help(short);
    if !long_layout {
        return arg;
    }
    // The text, then the values (each with its help, names padded to one column), then the
    // default, each a paragraph of its own.
    let mut paragraphs = vec![long_help.unwrap_or(help)];
    if list_values && values.iter().any(|v| v.get_help().is_some()) {
        let width = values.iter().map(|v| v.get_name().len()).max().unwrap_or(0);
        let mut list = String::from("可选值:");
        for v in &values {
            let name = v.get_name();
            match v.get_help() {
                Some(h) => list.push_str(&format!(
                    "\n- {name}:{} {h}",
                    " ".repeat(width - name.len())
                )),
                None => list.push_str(&format!("\n- {name}")),
            }
        }
        paragraphs.push(list);
    } else if list_values {
        paragraphs.push(tail_values(&values));
    }
    paragraphs.extend(default);
    arg.long_help(paragraphs.join("\n\n"))
}

/// What clap has to say — a usage error, or the help or version text — in Chinese. Usage errors
/// end with the command's usage and a pointer to `--help`, as clap's own do.
pub fn clap(e: &clap::Error) -> String {
    use clap::error::{ContextKind as C, ErrorKind as K};
    let get = |kind: C| e.get(kind).map(|v| v.to_string()).unwrap_or_default();
    let list = |kind: C| match e.get(kind) {
        Some(clap::error::ContextValue::Strings(v)) => v.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let message = match e.kind() {
        K::DisplayHelp
        | K::DisplayVersion
        | K::DisplayHelpOnMissingArgumentOrSubcommand
        | K::MissingSubcommand => return e.render().to_string(),
        K::InvalidValue => {
            let mut m = format!(
                "参数 {} 的值 \"{}\" 无效",
                get(C::InvalidArg),
                get(C::InvalidValue)
            );
            if e.get(C::InvalidValue)
                .is_some_and(|v| v.to_string().is_empty())
            {
                m = format!("参数 {} 需要一个值", get(C::InvalidArg));
            }
            if e.get(C::ValidValue).is_some() {
                m.push_str(&format!(";可选的值: {}", list(C::ValidValue)));
            }
            if e.get(C::SuggestedValue).is_some() {
                m.push_str(&format!(";是不是想写 {}?", get(C::SuggestedValue)));
            }
            m
        }
        K::ValueValidation => {
            let cause = std::error::Error::source(e)
                .map(|s| value_problem(&s.to_string()))
                .unwrap_or_default();
            format!(
                "参数 {} 的值 \"{}\" 无效{}{cause}",
                get(C::InvalidArg),
                get(C::InvalidValue),
                if cause.is_empty() { "" } else { ": " },
            )
        }
        K::UnknownArgument => {
            let mut m = format!("不认识的参数 {}", get(C::InvalidArg));
            if e.get(C::SuggestedArg).is_some() {
                m.push_str(&format!(";是不是想写 {}?", get(C::SuggestedArg)));
            }
            if e.get(C::TrailingArg).is_some() {
                m.push_str(&format!(
                    ";如果 {} 是文件名,请写在 -- 之后",
                    get(C::InvalidArg)
                ));
            }
            m
        }
        K::InvalidSubcommand => {
            let mut m = format!("不认识的命令 {}", get(C::InvalidSubcommand));
            if e.get(C::SuggestedSubcommand).is_some() {
                m.push_str(&format!(";是不是想用 {}?", get(C::SuggestedSubcommand)));
            }
            m
        }
        K::MissingRequiredArgument => format!("缺少必填的参数: {}", list(C::InvalidArg)),
        K::ArgumentConflict => format!(
            "参数 {} 不能和 {} 同时使用",
            get(C::InvalidArg),
            get(C::PriorArg)
        ),
        K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => {
            format!("参数 {} 的值的个数不对", get(C::InvalidArg))
        }
        K::NoEquals => format!("参数 {} 的值要用 = 连接", get(C::InvalidArg)),
        K::InvalidUtf8 => "参数里有无效的 UTF-8 字符".into(),
        _ => "命令行参数有误".into(),
    };
    match e.get(C::Usage) {
        // clap puts its own heading before the usage line that `command` set in Chinese.
        Some(usage) => format!(
            "错误: {message}\n\n用法: {}\n\n更多信息请用 --help\n",
            usage.to_string().trim_start_matches("Usage:").trim()
        ),
        None => format!("错误: {message}\n\n更多信息请用 --help\n"),
    }
}

/// Why a value did not parse (the number parsers' English), in Chinese.
fn value_problem(cause: &str) -> String {
    match cause {
        "invalid digit found in string" => "应为非负整数".into(),
        "number too large to fit in target type" => "数字太大".into(),
        "cannot parse integer from empty string" => "不能为空".into(),
        other if is_chinese(other) => other.into(),
        _ => "格式不对".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values without help of their own are one bracket in the long help too, as clap shows
    /// them; values with help are a list, one a line. No command has the first kind today.
    #[test]
    fn values_without_help_stay_one_bracket() {
        let plain = Arg::new("k")
            .long("k")
            .value_parser(["a", "bb"])
            .default_value("a")
            .help("种类");
        let arg = localize_arg(plain, true);
        assert_eq!(
            arg.get_help().unwrap().to_string(),
            "种类 [默认: a] [可选值: a, bb]"
        );
        assert_eq!(
            arg.get_long_help().unwrap().to_string(),
            "种类\n\n[可选值: a, bb]\n\n[默认: a]"
        );
        let described = Arg::new("k").long("k").help("种类").value_parser([
            PossibleValue::new("a").help("甲"),
            PossibleValue::new("bb").help("乙"),
        ]);
        assert_eq!(
            localize_arg(described, true)
                .get_long_help()
                .unwrap()
                .to_string(),
            "种类\n\n可选值:\n- a:  甲\n- bb: 乙"
        );
    }
}
