//! Text that came from a transcript or its metadata, made safe for a spreadsheet cell.
//!
//! A CSV cell that starts with `=`, `+`, `-` or `@` is read by Excel, LibreOffice and WPS as a
//! formula (`=HYPERLINK(...)` in a `# agent:` header becomes a live link), and a leading tab or
//! carriage return hides the same trick. OWASP's advice is to prefix such cells with a single
//! quote, which the spreadsheet shows as text. Only cells that carry input text get this; our
//! own numbers (a `-5` in `points`) stay numbers, our own messages (an input's `error`, which
//! never starts with such a character) are written as they are, and the JSONL output keeps the
//! text as it was.

use std::borrow::Cow;

/// `text` as a CSV cell that no spreadsheet evaluates.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_starts_are_quoted_and_the_rest_kept() {
        for (input, cell) in [
            (
                "=HYPERLINK(\"http://x\",\"点我\")",
                "'=HYPERLINK(\"http://x\",\"点我\")",
            ),
            ("+86 138", "'+86 138"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("张敏", "张敏"),
            ("1024", "1024"),
            (" =1", " =1"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(neutralise(input), cell, "{input:?}");
        }
    }
}
