//! Rule authors' view of TOML and serde errors: a parser's message → a Chinese explanation and
//! a hint at the usual cause, at the span the parser reported.

use std::sync::Arc;

use super::RuleError;
use crate::zh::Expected;
// How many characters to insert, delete or replace to make one key into another.
use strsim::levenshtein as edit_distance;

/// Turns a TOML or serde error into a diagnostic at the span the parser reported.
pub(crate) fn toml_error(path: &str, text: &Arc<str>, e: &toml::de::Error) -> RuleError {
    let message = e.message().trim();
    let (message, help) = explain_toml(message);
    let err = RuleError::new(path, text, e.span(), message);
    match help {
        Some(h) => err.with_help(h),
        None => err,
    }
}

/// The TOML parser's syntax messages, by how they start, in a rule author's words, with the fix.
const SYNTAX: &[(&str, &str, &str)] = &[
    (
        "string values must be quoted",
        "这里应当有一个值:值不能空着,字符串要加引号",
        "写成 键 = 值,如 max_hits = 1、title = \"使用“喂”\";数字和 true/false 不加引号,一行只写一个值",
    ),
    (
        "duplicate key",
        "同一个键写了两次",
        "删掉其中一个;同一张表 ([match]、[[example]] 等) 里每个键只能出现一次",
    ),
    (
        "invalid basic string",
        "字符串没有闭合:缺少结尾的双引号",
        "单行字符串写在一对 \"…\" 之间;要跨行请用三个引号 \"\"\"…\"\"\"",
    ),
    (
        "invalid multiline basic string",
        "三引号字符串没有闭合:缺少结尾的 \"\"\"",
        "多行文字写在 \"\"\" 和 \"\"\" 之间,结尾的三个引号不能少",
    ),
    (
        "invalid literal string",
        "单引号字符串没有闭合:缺少结尾的单引号",
        "单引号字符串 '…' 写在一行里;正则里的 \\ 不用转义",
    ),
    (
        "missing comma between array elements",
        "数组的元素之间缺少逗号",
        "写成 [\"phone\", \"chat\"],每个元素后面加逗号;指向的是下一张表 ([match]、[[example]]) 时,是上面的数组少了结尾的 ]",
    ),
    (
        "unclosed array",
        "数组没有闭合:缺少 ]",
        "数组写成 [\"甲\", \"乙\"],可以跨行,但结尾的 ] 不能少",
    ),
    (
        "unclosed table",
        "表头没有闭合:缺少 ]",
        "表头写成 [match]、[match.after] 或 [[example]]",
    ),
    (
        "unclosed inline table",
        "行内表 {…} 没有闭合:缺少 }",
        "行内表写在一行里: { points = -3, max_hits = 2 }",
    ),
    (
        "key with no value",
        "键后面缺少 = 和值,或键名里有空格",
        "写成 键 = 值;键名不能有空格,如 max_hits",
    ),
    (
        "missing escaped value",
        "字符串里的反斜杠 \\ 后面不是合法的转义",
        "要写反斜杠本身请写 \\\\,或改用单引号字符串 '…' (正则常这样写)",
    ),
    (
        "invalid escape",
        "字符串里的反斜杠 \\ 后面不是合法的转义",
        "要写反斜杠本身请写 \\\\,或改用单引号字符串 '…' (正则常这样写)",
    ),
    (
        "invalid unquoted key",
        "键名不合法",
        "键名只用英文字母、数字、下划线和连字符 (如 max_hits);其他字符要把键名放在引号里",
    ),
    (
        "expected newline",
        "一行只能写一个 键 = 值",
        "把后面的内容移到下一行,或用 # 开始注释",
    ),
];

/// Rephrases serde's and the TOML parser's messages for rule authors, keeping the original for
/// the rest.
fn explain_toml(message: &str) -> (String, Option<String>) {
    if let Some((zh, help)) = crate::zh::serde_data(message, "键") {
        // A number written in quotes: the usual slip, with the usual fix.
        let quoted_number = message.starts_with("invalid type: string")
            && message
                .rsplit("expected ")
                .next()
                .is_some_and(|e| matches!(Expected::of(e), Expected::Integer | Expected::Float));
        let help =
            help.or_else(|| quoted_number.then(|| "数字不加引号: 写成 points = -5".to_string()));
        return (zh, help);
    }
    if let Some((_, zh, help)) = SYNTAX.iter().find(|(en, ..)| message.starts_with(en)) {
        return (format!("TOML 格式错误: {zh}"), Some((*help).to_string()));
    }
    (
        format!("TOML 格式错误: {message}"),
        Some("常见原因: 引号或方括号没有闭合、数组元素之间缺逗号、同一个键写了两次".into()),
    )
}

/// The most problems one file reports in a run.
const MAX_PROBLEMS: usize = 32;

/// Reads a file of type `T`, or all its problems at once: five typos are five diagnostics of
/// one run, not five runs. After each problem the statement it is in is set aside (a value of
/// the wrong type replaced by a harmless one of the right type when it fits in place, or its
/// lines blanked) and the text read again; offsets never move, so every diagnostic points into
/// the file as written. It stops at a missing key, and at a syntax error that blanking its
/// lines does not get past: what follows could not be read as the author meant it.
///
/// Only the file's own keys and types are found this way; what they mean (a points value out
/// of range, a pattern that does not parse) is checked once the file reads.
pub(crate) fn parse_all<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &Arc<str>,
) -> Result<T, Vec<RuleError>> {
    let mut work = text.to_string();
    let mut problems: Vec<RuleError> = Vec::new();
    // Keys whose statements were set aside: their absence is no further problem.
    let mut removed: Vec<String> = Vec::new();
    // Unknown keys, with their problem: a missing key spelt nearly like one was misspelt.
    let mut unknown: Vec<(String, usize)> = Vec::new();
    while problems.len() < MAX_PROBLEMS {
        let e = match toml::from_str::<T>(&work) {
            Ok(v) if problems.is_empty() => return Ok(v),
            Ok(_) => break,
            Err(e) => e,
        };
        let message = e.message().trim();
        if let Some(key) = message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            match unknown.iter().find(|(u, _)| edit_distance(u, key) <= 2) {
                Some((u, at)) => {
                    let p = &mut problems[*at];
                    p.help = Some(format!("是不是 \"{key}\"?“{u}”多半是把它写错了"));
                }
                None if !removed.iter().any(|k| k == key) => {
                    problems.push(toml_error(path, text, &e));
                }
                None => {}
            }
            break;
        }
        if let Some(key) = message
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
        {
            unknown.push((key.to_string(), problems.len()));
        }
        problems.push(toml_error(path, text, &e));
        let Some(span) = e.span() else { break };
        let syntax = toml::from_str::<toml::Table>(&work).is_err();
        let before = work.clone();
        if syntax || !replace_value(&mut work, &span, message) {
            if let Some(key) = blank_statement(&mut work, &span) {
                removed.push(key);
            }
            // A key set aside leaves its value's other lines behind (the rest of a multi-line
            // array or string): blank them too, up to where the file reads again.
            let mut next = span.end;
            while !syntax && toml::from_str::<toml::Table>(&work).is_err() {
                let Some(eol) = work[next.min(work.len())..].find('\n') else {
                    break;
                };
                next += eol + 1;
                if next >= work.len() {
                    break;
                }
                blank_statement(&mut work, &(next..next));
            }
        }
        // After a syntax error the rest of the file is read again only when what is left is
        // valid TOML, or its first error comes earlier (one the parser did not name first): a
        // later one may be the same mistake seen again (an unclosed bracket).
        let unreadable_after = syntax
            && toml::from_str::<toml::Table>(&work)
                .err()
                .is_some_and(|next| next.span().is_none_or(|s| s.start >= span.start));
        if work == before || unreadable_after {
            break;
        }
    }
    // In the order of the file, as an editor lists them.
    problems.sort_by_key(|p| p.span.as_ref().map(|s| s.start));
    Err(problems)
}

/// Replaces the value at `span` with one of the type the message expected, padded with spaces
/// to the same length; false when there is none or it does not fit.
fn replace_value(work: &mut String, span: &std::ops::Range<usize>, message: &str) -> bool {
    let expected = message.rsplit("expected ").next().unwrap_or("");
    let stand_in = if message.starts_with("unknown variant") {
        // The first value it allows: `agent` or `customer` → "agent".
        match expected.split('`').nth(1) {
            Some(first) => format!("\"{first}\""),
            None => return false,
        }
    } else if !message.starts_with("invalid type") {
        return false;
    } else {
        match Expected::of(expected) {
            Expected::Integer => "1",
            Expected::Float => "0.5",
            Expected::Bool => "false",
            Expected::String => "\"\"",
            Expected::Sequence => "[]",
            Expected::Table | Expected::Other => return false,
        }
        .to_string()
    };
    let Some(old) = work.get(span.clone()) else {
        return false;
    };
    if old.contains('\n') || stand_in.len() > old.len() {
        return false;
    }
    let padded = format!("{stand_in:<width$}", width = old.len());
    work.replace_range(span.clone(), &padded);
    true
}

/// Blanks the lines `span` is on (newlines kept, so offsets stay) and returns the key they set,
/// if they start with one.
fn blank_statement(work: &mut String, span: &std::ops::Range<usize>) -> Option<String> {
    let start = work[..span.start.min(work.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end_from = span.end.max(span.start).min(work.len());
    let end = work[end_from..]
        .find('\n')
        .map_or(work.len(), |i| end_from + i);
    // From just after one newline to just before the next: no newline inside.
    let line = &work[start..end];
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty());
    let blank: String = line.chars().map(|c| " ".repeat(c.len_utf8())).collect();
    work.replace_range(start..end, &blank);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        points: i32,
        #[serde(default)]
        fatal: bool,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        role: Option<crate::input::Role>,
    }

    fn problems(text: &str) -> Vec<String> {
        let text: Arc<str> = text.into();
        match parse_all::<Doc>("t.toml", &text) {
            Ok(_) => Vec::new(),
            Err(p) => p
                .iter()
                .map(|e| {
                    let (line, _) =
                        crate::rule::line_col(&text, e.span.clone().unwrap_or(0..0).start);
                    format!("{line}: {}", e.message)
                })
                .collect(),
        }
    }

    /// Every mistake, in the order of the file: a value replaced where one fits (so the key is
    /// still there and what follows is read), a statement blanked where none does, the rest of
    /// a multi-line value with it.
    #[test]
    fn every_key_and_type_mistake_of_a_file_in_one_reading() {
        let found = problems(
            "title = \"t\"\npoints = \"-5\"\nfatal = 1\nrole = \"agnet\"\nbad = [\n  1,\n  2,\n]\ntags = \"x\"\n",
        );
        assert_eq!(found.len(), 5, "{found:?}");
        let lines: Vec<&str> = found.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["2", "3", "4", "5", "9"], "{found:?}");
        assert!(found[3].contains("未知的键 \"bad\""), "{found:?}");
        assert!(problems("title = \"t\"\npoints = 1\n").is_empty());
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Items {
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        n: i32,
        role: crate::input::Role,
        name: String,
    }

    /// A wrong value of a required key is replaced, not blanked: blanked, the table it is in
    /// would be missing the key, and the tables after it would not be read.
    #[test]
    fn a_wrong_value_is_replaced_so_the_tables_after_it_are_read() {
        let text: Arc<str> = "[[items]]\nn = \"5\"\nrole = \"agnet\"\nname = \"a\"\n\n[[items]]\nn = 1\nrole = \"agent\"\nname = 3\n".into();
        let found = parse_all::<Items>("t.toml", &text).unwrap_err();
        let lines: Vec<usize> = found
            .iter()
            .map(|e| crate::rule::line_col(&text, e.span.clone().unwrap().start).0)
            .collect();
        assert_eq!(lines, [2, 3, 9], "{found:?}");
    }

    /// A misspelt required key is one problem, with the right spelling, not two.
    #[test]
    fn a_misspelt_key_is_one_problem_that_names_the_right_one() {
        let text: Arc<str> = "titel = \"t\"\npoints = 1\n".into();
        let found = parse_all::<Doc>("t.toml", &text).unwrap_err();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("未知的键 \"titel\""), "{found:?}");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("是不是 \"title\""),
            "{found:?}"
        );
        // A key nothing like it: both problems stand.
        let text: Arc<str> = "heading = \"t\"\npoints = 1\n".into();
        assert_eq!(parse_all::<Doc>("t.toml", &text).unwrap_err().len(), 2);
        assert_eq!(edit_distance("mesage", "message"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("firts", "first"), 2);
        assert_eq!(edit_distance("title", "title"), 0);
        // A quoted number says how to fix it.
        let text: Arc<str> = "title = \"t\"\npoints = \"-5\"\n".into();
        let found = parse_all::<Doc>("t.toml", &text).unwrap_err();
        assert!(
            found[0].help.as_deref().unwrap().contains("数字不加引号"),
            "{found:?}"
        );
    }

    /// A required key set aside is not missing too; one that was never written is.
    #[test]
    fn a_key_set_aside_is_not_also_reported_missing() {
        assert_eq!(problems("title = 3\npoints = 1\n").len(), 1);
        let missing = problems("points = 1\n");
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(missing[0].contains("缺少必填的键 \"title\""), "{missing:?}");
        // Set aside a different key: the missing one is still reported.
        let both = problems("tags = 3\npoints = 1\n");
        assert_eq!(both.len(), 2, "{both:?}");
    }

    /// However many mistakes, at most [`MAX_PROBLEMS`] are listed.
    #[test]
    fn at_most_so_many_problems_per_file() {
        let text: String = (0..MAX_PROBLEMS + 8)
            .map(|i| format!("unknown{i} = 1\n"))
            .chain(["title = \"t\"\npoints = 1\n".to_string()])
            .collect();
        assert_eq!(problems(&text).len(), MAX_PROBLEMS);
        let text: String = (0..MAX_PROBLEMS - 1)
            .map(|i| format!("unknown{i} = 1\n"))
            .chain(["title = \"t\"\npoints = 1\n".to_string()])
            .collect();
        assert_eq!(problems(&text).len(), MAX_PROBLEMS - 1);
    }

    /// A syntax error is explained in Chinese; an unclosed bracket is one problem, not one per
    /// line after it; an earlier one the parser named second is found too.
    #[test]
    fn syntax_errors_in_chinese_without_a_cascade() {
        let found = problems("title = \"t\"\npoints = \nfatal = [\"a\" \"b\"]\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found.iter().any(|f| f.contains("这里应当有一个值")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|f| f.contains("数组的元素之间缺少逗号")),
            "{found:?}"
        );
        let found = problems("title = \"t\"\npoints = 1\ntags = [\"a\",\n\n[next]\nx = 1\ny = 2\n");
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
