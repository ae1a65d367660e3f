//! Chinese wording for the errors zhijian passes on from the standard library and serde.
//!
//! In: an `io::Error`, a serde message. Out: a sentence a QA team reads,
//! without the English of the library underneath ("No such file or directory (os error 2)"
//! becomes 文件或目录不存在). Messages zhijian writes itself are already Chinese and pass through.

use std::io;

/// What went wrong with a file, in Chinese.
pub fn io(e: &io::Error) -> String {
    use io::ErrorKind as K;
    let reason = match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "文件已存在",
        K::IsADirectory => "这是一个目录",
        K::NotADirectory => "路径中有一段不是目录",
        K::DirectoryNotEmpty => "目录不是空的",
        K::StorageFull => "磁盘空间不足",
        K::QuotaExceeded => "超出磁盘配额",
        K::ReadOnlyFilesystem => "文件系统是只读的",
        K::FileTooLarge => "文件太大",
        K::ResourceBusy => "资源正被占用",
        K::CrossesDevices => "不能跨文件系统移动",
        K::InvalidFilename => "文件名无效",
        K::TooManyLinks => "链接太多",
        K::StaleNetworkFileHandle => "网络文件句柄已失效 (共享盘断开?)",
        K::BrokenPipe => "管道已被对方关闭",
        K::UnexpectedEof => "文件意外结束",
        K::InvalidData => "数据无效 (不是预期的编码或格式)",
        K::TimedOut => "操作超时",
        K::Interrupted => "操作被中断",
        K::OutOfMemory => "内存不足",
        K::Unsupported => "此系统不支持该操作",
        K::WouldBlock => "资源暂时不可用",
        _ => "",
    };
    if !reason.is_empty() {
        return match (e.get_ref(), e.raw_os_error()) {
            // Our own errors (`io::Error::new(kind, "这是一个目录,请给出文件名")`) say it better.
            (Some(inner), None) if is_chinese(&inner.to_string()) => inner.to_string(),
            _ => reason.to_string(),
        };
    }
    match (e.raw_os_error(), e.get_ref()) {
        // Callers that know the path name the links (`input::symlink_loop`).
        (Some(code), _) if Some(code) == ELOOP => "符号链接循环 (或层数过多)".into(),
        (Some(code), _) => format!("系统错误 (错误码 {code})"),
        (None, Some(inner)) if is_chinese(&inner.to_string()) => inner.to_string(),
        (None, Some(inner)) => format!("输入输出错误: {inner}"),
        (None, None) => "输入输出错误".into(),
    }
}

/// "Too many levels of symbolic links", for which std has no stable `ErrorKind`.
#[cfg(any(target_os = "linux", target_os = "android"))]
const ELOOP: Option<i32> = Some(40);
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const ELOOP: Option<i32> = Some(62);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
const ELOOP: Option<i32> = None;

/// Whether `text` has any Chinese (CJK unified) character: a message already in Chinese passes
/// through untranslated.
pub fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A JSON parse error: where it is (line, column) and what is wrong, in Chinese.
pub fn json(e: &serde_json::Error) -> String {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the place is given separately.
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message.as_str(),
    };
    let reason = match e.classify() {
        serde_json::error::Category::Data => serde_data(message, "字段")
            .map(|(text, help)| match help {
                Some(help) => format!("{text} ({help})"),
                None => text,
            })
            .unwrap_or_else(|| message.to_string()),
        _ => json_syntax(message),
    };
    if e.line() == 0 {
        reason
    } else {
        format!("第 {} 行第 {} 列: {reason}", e.line(), e.column())
    }
}

/// A JSON parse error in one line of a JSONL file, whose line number the source already gives
/// (`calls.jsonl#2`): only the column, so no one looks for the problem on line 1.
pub fn json_in_line(e: &serde_json::Error) -> String {
    let full = json(e);
    match full.split_once("行第 ") {
        Some((_, rest)) if e.line() == 1 => format!("第 {rest}"),
        _ => full,
    }
}

/// serde_json's syntax messages, in Chinese.
fn json_syntax(message: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        ("EOF while parsing a list", "数组没有结束 (缺少 ])"),
        ("EOF while parsing an object", "对象没有结束 (缺少 }})"),
        ("EOF while parsing a string", "字符串没有结束 (缺少引号)"),
        ("EOF while parsing a value", "内容不完整,缺少值"),
        ("expected `:`", "这里应是冒号 :"),
        ("expected `,` or `]`", "这里应是逗号或 ]"),
        ("expected `,` or `}`", "这里应是逗号或 }"),
        ("expected ident", "无法识别的词 (true、false、null 要小写)"),
        ("expected value", "这里应是一个值 (字符串要用双引号)"),
        ("expected `\"`", "这里应是双引号"),
        ("invalid escape", "无效的转义字符"),
        ("invalid number", "无效的数字"),
        ("number out of range", "数字超出范围"),
        ("invalid unicode code point", "无效的 Unicode 字符"),
        ("control character", "字符串里有未转义的控制字符 (如换行)"),
        ("key must be a string", "键必须是双引号字符串"),
        ("lone leading surrogate", "无效的 UTF-16 代理对"),
        ("unexpected end of hex escape", "\\u 转义不完整"),
        ("trailing comma", "多了一个结尾逗号"),
        (
            "trailing characters",
            "JSON 结束后还有多余的内容 (一行只能有一个对象)",
        ),
        ("recursion limit exceeded", "嵌套层数过多"),
    ];
    KNOWN
        .iter()
        .find(|(en, _)| message.starts_with(en))
        .map_or_else(
            || "JSON 语法错误".to_string(),
            |(_, zh)| zh.replace("}}", "}"),
        )
}

/// Rephrases serde's data messages (unknown field, missing field, unknown variant, invalid
/// type), naming fields with `noun` (键 in TOML, 字段 in JSON). `None` for anything else.
pub fn serde_data(message: &str, noun: &str) -> Option<(String, Option<String>)> {
    let quoted = |rest: &str| rest.split('`').next().unwrap_or("").to_string();
    let listed = |list: &str| {
        let list = list.trim().trim_start_matches("one of ");
        list.replace('`', "").replace(" or ", ", ")
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let expected = rest.split_once("expected ").map_or("", |x| x.1);
        return Some((
            format!("未知的{noun} \"{}\"", quoted(rest)),
            Some(format!("这里允许的{noun}: {}", listed(expected))),
        ));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return Some((format!("缺少必填的{noun} \"{}\"", quoted(rest)), None));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let expected = rest.split_once("expected ").map_or("", |x| x.1);
        return Some((
            format!("取值 \"{}\" 不在允许范围内", quoted(rest)),
            Some(format!("可选的值: {}", listed(expected))),
        ));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        // "string \"-5\", expected i32"
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return Some((
            format!(
                "值的类型不对: 这里应是{},实际写的是{}",
                kind_zh(expected),
                found_zh(found)
            ),
            None,
        ));
    }
    None
}

/// The kind of value serde's "expected …" names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    Integer,
    String,
    Bool,
    Sequence,
    Table,
    Float,
    Other,
}

impl Expected {
    /// From serde's words: `i32`, `a string`, `a boolean`, `a sequence`, `struct …`, `f64`.
    pub(crate) fn of(expected: &str) -> Expected {
        let e = expected.trim();
        if e.starts_with('i') || e.starts_with('u') || e.contains("integer") {
            Expected::Integer
        } else if e.contains("string") {
            Expected::String
        } else if e.contains("bool") {
            Expected::Bool
        } else if e.contains("sequence") {
            Expected::Sequence
        } else if e.contains("struct") || e.contains("map") {
            Expected::Table
        } else if e.starts_with('f') || e.contains("float") {
            Expected::Float
        } else {
            Expected::Other
        }
    }
}

/// serde's name for an expected type, in the words of the rule-file guide.
fn kind_zh(expected: &str) -> String {
    match Expected::of(expected) {
        Expected::Integer => "整数".into(),
        Expected::String => "字符串 (用引号括起来)".into(),
        Expected::Bool => "true 或 false".into(),
        Expected::Sequence => "数组 [...]".into(),
        Expected::Table => "表 (如 [match] 或 { ... })".into(),
        Expected::Float => "数字".into(),
        Expected::Other => expected.trim().to_string(),
    }
}

/// serde's description of the value found ("string \"-5\"", "integer `3`", "sequence").
fn found_zh(found: &str) -> String {
    let f = found.trim();
    let value = f
        .split_once(' ')
        .map(|(_, v)| v.trim_matches('`'))
        .unwrap_or("");
    let kind = if f.starts_with("string") {
        "字符串"
    } else if f.starts_with("integer") {
        "整数"
    } else if f.starts_with("floating") {
        "小数"
    } else if f.starts_with("boolean") {
        "布尔值"
    } else if f.starts_with("sequence") {
        "数组"
    } else if f.starts_with("map") {
        "表"
    } else if f.starts_with("null") {
        "null"
    } else {
        return f.to_string();
    };
    if value.is_empty() || kind == "数组" || kind == "表" {
        kind.to_string()
    } else {
        format!("{kind} {value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_in_chinese() {
        let missing = std::fs::read("/no/such/file").unwrap_err();
        assert_eq!(io(&missing), "文件或目录不存在");
        let ours = io::Error::new(io::ErrorKind::IsADirectory, "这是一个目录,请给出文件名");
        assert_eq!(io(&ours), "这是一个目录,请给出文件名");
        let english = io::Error::new(io::ErrorKind::NotFound, "entity not found");
        assert_eq!(io(&english), "文件或目录不存在");
        assert_eq!(io(&io::Error::from_raw_os_error(28)), "磁盘空间不足");
        assert!(io(&io::Error::other("zip failure")).contains("zip failure"));
        assert!(io(&io::Error::from_raw_os_error(1)).contains("没有权限"));
        if cfg!(target_os = "linux") {
            assert_eq!(
                io(&io::Error::from_raw_os_error(40)),
                "符号链接循环 (或层数过多)",
                "not 错误码 40"
            );
        }
    }

    #[test]
    fn json_errors_say_where_in_chinese() {
        let e = serde_json::from_str::<serde_json::Value>("{\"a\": 1,}").unwrap_err();
        assert_eq!(json(&e), "第 1 行第 9 列: 多了一个结尾逗号");
        let e = serde_json::from_str::<serde_json::Value>("{oops").unwrap_err();
        assert_eq!(json(&e), "第 1 行第 2 列: 键必须是双引号字符串");
        let e = serde_json::from_str::<serde_json::Value>("{\"a\": [1, 2").unwrap_err();
        assert_eq!(json(&e), "第 1 行第 11 列: 数组没有结束 (缺少 ])");
        assert_eq!(json_in_line(&e), "第 11 列: 数组没有结束 (缺少 ])");
        let e = serde_json::from_str::<serde_json::Value>("{} {}").unwrap_err();
        assert!(json(&e).contains("多余的内容"), "{}", json(&e));

        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Call {
            turns: Vec<String>,
        }
        let e = serde_json::from_str::<Call>("{\"id\": 1}").unwrap_err();
        assert_eq!(json(&e), "第 1 行第 9 列: 缺少必填的字段 \"turns\"");
        let e = serde_json::from_str::<Call>("{\"turns\": \"x\"}").unwrap_err();
        assert!(
            json(&e).contains("这里应是数组 [...],实际写的是字符串 \"x\""),
            "{}",
            json(&e)
        );
    }
}
