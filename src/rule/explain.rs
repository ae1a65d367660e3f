//! Rule authors' view of TOML and serde errors: a parser's message → a Chinese explanation and
//! a hint at the usual cause, at the span the parser reported.

use std::sync::Arc;

use super::RuleError;

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

/// Rephrases serde's messages for rule authors, keeping the original for the rest.
fn explain_toml(message: &str) -> (String, Option<String>) {
    crate::zh::serde_data(message, "键").unwrap_or_else(|| {
        (
            format!("TOML 格式错误: {message}"),
            Some("常见原因: 引号或方括号没有闭合、数组元素之间缺逗号、同一个键写了两次".into()),
        )
    })
}
