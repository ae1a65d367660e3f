//! Chinese wording for clap: its usage errors, help and version text.
//!
//! In: a `clap::Error` (which also carries `--help` and `--version`). Out: the text to print, in
//! Chinese, with the command's usage and a pointer to `--help` after a usage error as clap's own
//! messages have. The library's errors are worded in [`zhijian::zh`]; clap is the binary's alone.

use zhijian::zh::is_chinese;

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
        | K::MissingSubcommand => return help(&e.render().to_string()),
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
        Some(usage) => format!(
            "错误: {message}\n\n{}\n\n更多信息请用 --help\n",
            help(&usage.to_string())
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

/// clap's help and usage text with its English headings and phrases in Chinese.
fn help(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("Usage:", "用法:"),
        ("Commands:", "命令:"),
        ("Arguments:", "参数:"),
        ("Options:", "选项:"),
        (
            "Print this message or the help of the given subcommand(s)",
            "显示帮助",
        ),
        (
            "Print help (see a summary with '-h')",
            "显示帮助 (-h 显示简要帮助)",
        ),
        (
            "Print help (see more with '--help')",
            "显示帮助 (--help 显示详细帮助)",
        ),
        ("Print help", "显示帮助"),
        ("Print version", "显示版本"),
        ("Possible values:", "可选值:"),
        ("[default: ", "[默认: "),
        ("[possible values: ", "[可选值: "),
        ("[aliases: ", "[别名: "),
        ("<COMMAND>", "<命令>"),
        ("[OPTIONS]", "[选项]"),
    ];
    let mut text = text.to_string();
    for (en, zh) in WORDS {
        text = text.replace(en, zh);
    }
    text
}
