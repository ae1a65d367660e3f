//! Render: a [`TestReport`] → text for a person, JUnit XML for a CI server, or GitHub
//! workflow annotations.
//!
//! The three formats show the same cases and problems; only the layout differs. Paths are
//! those of the report (below the directories as the user named them), so an annotation or a
//! terminal link opens the right file.

use std::fmt::Write;

use super::{Case, TestReport};
use crate::rule::{render_problems, RuleError, Severity};

/// The report for a person: every problem with its source line (miette), then a summary.
pub fn human(report: &TestReport, color: bool) -> String {
    let mut out = String::new();
    for suite in &report.suites {
        let failed = suite.failures(report.strict);
        let problems: Vec<RuleError> = suite
            .cases
            .iter()
            .flat_map(|c| c.problems.iter().cloned())
            .map(|p| strict_severity(p, report.strict))
            .collect();
        let mark = if failed > 0 {
            "✗"
        } else if problems.is_empty() {
            "✓"
        } else {
            "⚠"
        };
        let _ = writeln!(
            out,
            "{mark} {}: {} 项,失败 {failed}",
            suite.name,
            suite.cases.len()
        );
        // Unproven terms run to thousands in a large catalog: one line each, by file, with
        // the count first, rather than a source excerpt each.
        if suite.name == super::SUITE_COVERAGE && !problems.is_empty() {
            out.push('\n');
            for case in &suite.cases {
                let file = case.file.as_deref().unwrap_or(&case.name);
                let _ = writeln!(out, "  {file}: {} 条无人验证", case.problems.len());
                for p in &case.problems {
                    let line = p.line_col().map_or(0, |(l, _)| l);
                    let _ = writeln!(out, "    {line:>4} 行  {}", p.message);
                }
            }
            out.push_str("  补一个需要它的示例 (应命中或不应命中),或者删掉它。\n\n");
            continue;
        }
        if !problems.is_empty() {
            out.push('\n');
            out.push_str(&render_problems(&problems, color));
            out.push('\n');
        }
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn summary(report: &TestReport) -> String {
    if report.unusable {
        let errors: usize = report.cases().map(|c| c.problems.len()).sum();
        return format!("规则文件有 {errors} 处错误,无法加载,未运行示例和语料检查。");
    }
    let (failures, warnings) = (report.failures(), report.warnings());
    let verdict = if failures == 0 { "通过" } else { "未通过" };
    let strict = if report.strict && warnings > 0 {
        " (--strict: 警告按失败计)"
    } else {
        ""
    };
    format!(
        "{verdict}: {};失败 {failures} 项,警告 {warnings} 条{strict}",
        report.scope.join("、")
    )
}

/// Under `--strict` a warning fails the run, so it is shown as the error it now is.
fn strict_severity(mut p: RuleError, strict: bool) -> RuleError {
    if strict {
        p.severity = Severity::Error;
    }
    p
}

/// JUnit XML: one `<testsuite>` per suite, one `<testcase>` per example, corpus call and
/// rule, with a `<failure>` for each problem that fails the run.
pub fn junit(report: &TestReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"zhijian test\" tests=\"{}\" failures=\"{}\">",
        report.cases().count(),
        report.failures()
    );
    for suite in &report.suites {
        let failed = suite.failures(report.strict);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            xml(suite.name),
            suite.cases.len()
        );
        for case in &suite.cases {
            junit_case(&mut out, case, report.strict);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn junit_case(out: &mut String, case: &Case, strict: bool) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml(&case.class),
        xml(&case.name)
    );
    if let Some(file) = &case.file {
        let _ = write!(out, " file=\"{}\"", xml(file));
    }
    if let Some(line) = case.line {
        let _ = write!(out, " line=\"{line}\"");
    }
    if case.problems.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let mut warnings = String::new();
    for p in &case.problems {
        if p.severity == Severity::Error || strict {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&p.message),
                if p.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                xml(&p.to_string())
            );
        } else {
            let _ = writeln!(warnings, "警告: {p}");
        }
    }
    if !warnings.is_empty() {
        let _ = writeln!(out, "      <system-err>{}</system-err>", xml(&warnings));
    }
    out.push_str("    </testcase>\n");
}

/// Escapes text for XML attributes and content, dropping the characters XML 1.0 cannot hold
/// at all (a control character pasted into a transcript must not make the report unreadable).
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// GitHub workflow commands: `::error file=…,line=…,col=…,title=…::message` for each problem,
/// so they appear on the pull request's diff; then the summary as plain text.
pub fn github(report: &TestReport) -> String {
    let mut out = String::new();
    for case in report.cases() {
        for p in &case.problems {
            let level = if p.severity == Severity::Error || report.strict {
                "error"
            } else {
                "warning"
            };
            let mut props = format!("file={}", property(p.path()));
            if let Some((line, col)) = p.line_col() {
                let _ = write!(props, ",line={line},col={col}");
            }
            let _ = write!(props, ",title={}", property(&case.name));
            let mut message = p.message.clone();
            if let Some(help) = &p.help {
                let _ = write!(message, "\n{help}");
            }
            let _ = writeln!(out, "::{level} {props}::{}", data(&message));
        }
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// Escapes a workflow command's message, as GitHub's toolkit does.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value, which also cannot hold `:` or `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            xml("<a href=\"x\">&'\u{7}\n</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\n&lt;/a&gt;"
        );
    }

    #[test]
    fn github_escaping_follows_the_toolkit() {
        assert_eq!(data("50%\r\n下一行"), "50%25%0D%0A下一行");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
