//! zhijian's own reports, known by their first bytes, so that they are never graded as calls.
//!
//! In: the start of a file (at most [`PEEK`] bytes). Out: the [`OwnReport`] it is, or `None`.
//!
//! A report written into the directory being graded (`zhijian grade 转写/ --out
//! 转写/结果.jsonl`) would otherwise be read back by the next run: its JSONL rows carry `turns`,
//! so they read as zhijian JSON calls and every call would be graded twice, and the run that
//! replaces the report would be refused for writing over one of its inputs. So
//! [`super::discover`] leaves these files out of a directory walk and lists them apart, and a
//! report named as an input (or piped in) is an error row that says what it is, while the rest
//! of the batch goes on.
//!
//! Adding a report is one row in [`OWN_REPORTS`]. A recogniser looks only at the start of the
//! file — a header row, the schema field, the marker the writer puts first — so checking every
//! file of a walk costs one small read each. The marks are the writers' own constants, so a
//! report and its recogniser cannot drift apart.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::report::rescore::KEYS as FINAL_HEADER;
use crate::report::trend::TREND_MARK;
use crate::report::{FINDINGS_HEADER, GENERATOR, SCHEMA, SCORES_HEADER, UTF8_BOM, WORKSHEET_TITLE};

/// How much of a file is looked at: every mark sits in its first line or its HTML head.
pub const PEEK: usize = 1024;

/// Which report a row of [`OWN_REPORTS`] knows, for a reader that expected another one (`zhijian
/// rescore` given its own output, or verdicts where the results belong) and says what to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The results JSONL.
    Results,
    Scores,
    Findings,
    Verdicts,
    Page,
    /// The page of `zhijian trend`.
    TrendPage,
    Worksheet,
    Workbook,
    /// The final scores of `zhijian rescore`.
    FinalScores,
}

/// A kind of file zhijian writes (or that is no transcript for the same reason).
#[derive(Debug)]
pub struct OwnReport {
    pub kind: Kind,
    /// What the file is, in messages (see [`OwnReport::this_is`]).
    pub what: &'static str,
    /// Extensions it is written under that no reader reads. In a directory walk files with
    /// these are looked at too, so that 得分.csv is named as a report rather than counted with
    /// the recordings; files with a readable extension are always looked at.
    pub extensions: &'static [&'static str],
    /// Whether a file starting with these bytes (a UTF-8 BOM removed) is one.
    pub starts: fn(&[u8]) -> bool,
}

/// Every kind of report, in one place.
pub static OWN_REPORTS: &[OwnReport] = &[
    OwnReport {
        kind: Kind::Results,
        what: "zhijian 写的 JSONL 报告",
        extensions: &[],
        starts: |head| {
            // Every line starts with the schema field (the first field serde writes), whatever
            // the version: `{"schema":"zhijian.call.v1",…`.
            let family = SCHEMA.rsplit_once('.').map_or(SCHEMA, |(family, _)| family);
            head.strip_prefix(b"{\"schema\":\"".as_slice())
                .is_some_and(|rest| rest.starts_with(family.as_bytes()))
        },
    },
    OwnReport {
        kind: Kind::Scores,
        what: "zhijian 写的得分 CSV",
        extensions: &["csv"],
        // Columns are only ever appended: the first eight are those of every version.
        starts: |head| header_starts_with(head, &SCORES_HEADER[..8]),
    },
    OwnReport {
        kind: Kind::Findings,
        what: "zhijian 写的证据 CSV",
        extensions: &["csv"],
        starts: |head| header_starts_with(head, &FINDINGS_HEADER[..8]),
    },
    OwnReport {
        kind: Kind::Verdicts,
        what: "复核结论表 (verdicts.csv)",
        extensions: &["csv"],
        // The columns `zhijian precision` requires, which every writer of verdicts puts first.
        starts: |head| header_starts_with(head, &crate::verdict::HEADER[..7]),
    },
    // Before the review page: a trend page carries the generator's mark too.
    OwnReport {
        kind: Kind::TrendPage,
        what: "zhijian 写的 HTML 趋势报告",
        extensions: &["html", "htm"],
        starts: |head| {
            head.get(..15)
                .is_some_and(|d| d.eq_ignore_ascii_case(b"<!DOCTYPE html>"))
                && contains(head, TREND_MARK.as_bytes())
        },
    },
    OwnReport {
        kind: Kind::Page,
        what: "zhijian 写的 HTML 复核报告",
        extensions: &["html", "htm"],
        starts: |head| {
            head.get(..15)
                .is_some_and(|d| d.eq_ignore_ascii_case(b"<!DOCTYPE html>"))
                && contains(head, GENERATOR.as_bytes())
        },
    },
    OwnReport {
        kind: Kind::Worksheet,
        what: "zhijian 写的人工抽检单",
        extensions: &[],
        starts: |head| {
            head.strip_prefix(WORKSHEET_TITLE.as_bytes())
                .is_some_and(|rest| rest.starts_with(b"\n") || rest.starts_with(b"\r\n"))
        },
    },
    // A workbook cannot be told from any other from its first bytes (a zip whose first entry is
    // `[Content_Types].xml`), and no reader reads one: in a walk it is counted with the other
    // files that are not read, and only a workbook named as an input is said to be one.
    OwnReport {
        kind: Kind::Workbook,
        what: "Excel 工作簿 (或其他 Office 文档)",
        extensions: &[],
        starts: |head| {
            head.starts_with(b"PK\x03\x04")
                && head
                    .get(30..)
                    .is_some_and(|name| name.starts_with(b"[Content_Types].xml"))
        },
    },
    OwnReport {
        kind: Kind::FinalScores,
        what: "zhijian rescore 写的最终得分表",
        extensions: &["csv"],
        starts: |head| header_starts_with(head, &FINAL_HEADER[..5]),
    },
];

impl OwnReport {
    /// `这是 zhijian 写的 JSONL 报告`: what the file is, as a message says it.
    pub fn this_is(&self) -> String {
        // A space between Chinese and a Latin word, as the rest of zhijian's messages write it.
        let space = if self.what.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            " "
        } else {
            ""
        };
        format!("这是{space}{}", self.what)
    }
}

/// The report a file with this start is, if it is one.
pub fn recognise(head: &[u8]) -> Option<&'static OwnReport> {
    let head = &head[..head.len().min(PEEK)];
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    OWN_REPORTS.iter().find(|r| (r.starts)(head))
}

/// Whether some report is written under the extension of `path`.
pub fn written_as(path: &Path) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    let ext = ext.to_ascii_lowercase();
    OWN_REPORTS
        .iter()
        .any(|r| r.extensions.contains(&ext.as_str()))
}

/// The report the file at `path` is, reading only its first [`PEEK`] bytes. A file that cannot
/// be read is no report: reading it again reports why, in its own row.
pub fn peek(path: &Path) -> Option<&'static OwnReport> {
    let mut head = Vec::with_capacity(PEEK);
    File::open(path)
        .ok()?
        .take(PEEK as u64)
        .read_to_end(&mut head)
        .ok()?;
    recognise(&head)
}

/// Whether the first line of `head` is a CSV header whose first cells are `columns`.
fn header_starts_with(head: &[u8], columns: &[&str]) -> bool {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut cells = line.split(|&b| b == b',');
    columns
        .iter()
        .all(|c| cells.next().is_some_and(|cell| cell == c.as_bytes()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_space_latin_words() {
        let said: Vec<String> = OWN_REPORTS.iter().map(OwnReport::this_is).collect();
        assert_eq!(said[0], "这是 zhijian 写的 JSONL 报告");
        assert_eq!(said[3], "这是复核结论表 (verdicts.csv)");
        assert_eq!(said[4], "这是 zhijian 写的 HTML 趋势报告");
        assert_eq!(said[7], "这是 Excel 工作簿 (或其他 Office 文档)");
    }

    fn what(head: &str) -> Option<&'static str> {
        recognise(head.as_bytes()).map(|r| r.what)
    }

    #[test]
    fn each_report_is_known_by_its_first_line() {
        let scores = SCORES_HEADER.join(",");
        let findings = FINDINGS_HEADER.join(",");
        let verdicts = crate::verdict::HEADER.join(",");
        for (head, expected) in [
            (
                "{\"schema\":\"zhijian.call.v1\",\"call_id\":\"a\"}\n".to_string(),
                "zhijian 写的 JSONL 报告",
            ),
            // A later version of the schema is still a report.
            (
                "{\"schema\":\"zhijian.call.v2\"}".into(),
                "zhijian 写的 JSONL 报告",
            ),
            (
                format!("{scores}\r\nc1,a.txt,,100\r\n"),
                "zhijian 写的得分 CSV",
            ),
            // With --bom, and as an older version with fewer columns wrote it.
            (format!("\u{feff}{scores}\n"), "zhijian 写的得分 CSV"),
            (SCORES_HEADER[..12].join(",") + "\n", "zhijian 写的得分 CSV"),
            (findings, "zhijian 写的证据 CSV"),
            (
                format!("\u{feff}{verdicts}\r\n"),
                "复核结论表 (verdicts.csv)",
            ),
            (
                "call_id,source,rule_id,turn,start,end,verdict\n".into(),
                "复核结论表 (verdicts.csv)",
            ),
            (
                "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"generator\" content=\"zhijian\">"
                    .into(),
                "zhijian 写的 HTML 复核报告",
            ),
            (
                format!(
                    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n{}\n{TREND_MARK}\n",
                    crate::report::GENERATOR
                ),
                "zhijian 写的 HTML 趋势报告",
            ),
            (
                "人工抽检单 / Sample for review\n\n抽样: …".into(),
                "zhijian 写的人工抽检单",
            ),
            (
                format!("\u{feff}{}\r\n", FINAL_HEADER.join(",")),
                "zhijian rescore 写的最终得分表",
            ),
        ] {
            assert_eq!(what(&head), Some(expected), "{head:?}");
        }
        let workbook = b"PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00\x21\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x00\x00[Content_Types].xml";
        assert_eq!(
            recognise(workbook).map(|r| r.what),
            Some("Excel 工作簿 (或其他 Office 文档)")
        );
    }

    #[test]
    fn transcripts_and_lookalikes_are_no_reports() {
        for head in [
            "客服：您好,工号1024为您服务。\n客户：你好。\n",
            // zhijian JSON and other tools' JSON with a schema field of their own.
            "{\"id\":\"a\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好\"}]}\n",
            "{\"schema\":\"acme.call.v1\",\"turns\":[]}",
            " {\"schema\":\"zhijian.call.v1\"}",
            // A header that only starts like ours, or has our columns later in the line.
            "call_id,source,agent\n",
            "call_id,source,agent_name,score,tier,service_type,attitude,procedure\n",
            "id,call_id,source,agent,score,tier,service_type,attitude,procedure\n",
            // Somebody else's page, and a page that mentions zhijian in its text.
            "<!DOCTYPE html>\n<html><head><meta name=\"generator\" content=\"Hugo\">",
            "<html><head><meta name=\"generator\" content=\"zhijian\">",
            "人工抽检单 / Sample for review (副本) \n",
            "PK\x03\x04 a zip of something else",
            "",
        ] {
            assert_eq!(what(head), None, "{head:?}");
        }
    }

    #[test]
    fn the_marks_are_where_the_writers_put_them() {
        // The review page's marker is in its head, well inside what is looked at.
        let shell = include_str!("../report/html/shell.html");
        assert!(shell.starts_with("<!DOCTYPE html>"));
        let at = shell.find(GENERATOR).expect("shell.html has the marker");
        assert!(at + GENERATOR.len() < PEEK / 2, "{at}");
        // Every CSV mark is within a header row that fits in what is looked at.
        for header in [
            SCORES_HEADER.join(","),
            FINDINGS_HEADER.join(","),
            crate::verdict::HEADER.join(","),
            FINAL_HEADER.join(","),
        ] {
            assert!(header.len() + UTF8_BOM.len() < PEEK);
        }
    }

    #[test]
    fn only_the_extensions_reports_are_written_under_are_looked_at() {
        assert!(written_as(Path::new("out/得分.CSV")));
        assert!(written_as(Path::new("复核.html")));
        assert!(!written_as(Path::new("0001.wav")));
        assert!(!written_as(Path::new("报告.xlsx")));
        assert!(!written_as(Path::new("README")));
    }

    #[test]
    fn a_file_is_known_by_its_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut text = "{\"schema\":\"zhijian.call.v1\"}\n".to_string();
        text.push_str(&"x".repeat(3 * PEEK));
        std::fs::write(&path, &text).unwrap();
        assert_eq!(peek(&path).map(|r| r.what), Some("zhijian 写的 JSONL 报告"));
        assert!(peek(&dir.path().join("missing.jsonl")).is_none());
    }
}
