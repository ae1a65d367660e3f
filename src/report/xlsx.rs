//! The Excel workbook a QA team opens: four sheets, Chinese headers, ready to filter.
//!
//! - 得分: one row per call (the score CSV's columns), tiers coloured.
//! - 证据: one row per hit: rule, what it cost, the words or the measurement, when.
//! - 坐席: per agent: calls, mean score, calls per tier, flagged, the rules that fire most.
//! - 规则: per rule: calls hit, share of calls, hits, points over the batch.
//!
//! Every sheet has a frozen header row, an autofilter and column widths sized for Chinese text.
//! Ids, agents and transcript text are stored as text cells, so an 18-digit call id stays
//! exact and a transcript that starts with `=` is never a formula. The 得分 and 证据 sheets are
//! streamed row by row to temporary files (rust_xlsxwriter's constant-memory mode), so memory
//! does not grow with the batch; a sheet that reaches Excel's 1,048,576 rows continues on
//! `得分 (2)`, `证据 (2)`, …

use std::io::{self, Write};

use rust_xlsxwriter::{
    ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Workbook, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::row::{self, Value, SHEET_HEADER, TIER_COLUMN};
use super::stats::Stats;
use super::{when, Context, Output, Report, Spec};
use crate::grade::Graded;
use crate::rule::{Group, Scoring};
use crate::score::dimension_zh;

pub(super) const SPEC: Spec = Spec {
    name: "xlsx",
    extensions: &["xlsx"],
    binary: true,
    commit_rank: 1,
    open: |out, cx| Ok(Box::new(Xlsx::new(out, cx, EXCEL_ROWS)?)),
};

/// Rows in one Excel worksheet, header included.
const EXCEL_ROWS: u32 = 1_048_576;
/// Characters in one Excel cell.
const EXCEL_CELL_CHARS: usize = 32_767;
/// Columns never get wider than this many characters; longer text is still all there.
const MAX_WIDTH: usize = 60;

const EVIDENCE_HEADERS: [&str; 15] = [
    "通话编号",
    "来源",
    "坐席",
    "规则编号",
    "规则",
    "分值",
    "一票否决",
    "证据类型",
    "第几句",
    "角色",
    "原话或观察",
    "开始(秒)",
    "结束(秒)",
    "时长(秒)",
    "说明",
];

/// One cell of a row.
pub(super) enum Cell<'s> {
    Text(&'s str),
    Int(i64),
    Seconds(u64),
    Decimal(f64),
    Percent(f64),
    Empty,
}

impl<'s> Cell<'s> {
    /// A cell of the score row (see [`row`]).
    fn of(value: &'s Value<'_>) -> Self {
        match value {
            Value::Input(text) | Value::Own(text) => Cell::Text(text),
            Value::Int(n) => Cell::Int(*n),
            Value::Flag(yes) => Cell::Text(if *yes { "是" } else { "否" }),
            Value::Coded(_, zh) => Cell::Text(zh),
            Value::Empty => Cell::Empty,
        }
    }

    fn opt_seconds(ms: Option<u64>) -> Cell<'static> {
        ms.map_or(Cell::Empty, Cell::Seconds)
    }
}

pub(super) struct Formats {
    pub(super) header: Format,
    seconds: Format,
    pub(super) decimal: Format,
    pub(super) percent: Format,
}

/// A sheet written top to bottom that continues on a new sheet when Excel's row limit is
/// reached.
struct Stream {
    title: &'static str,
    headers: &'static [&'static str],
    /// Worksheet index and rows written (header included) of each part, in order.
    parts: Vec<(usize, u32)>,
    widths: Vec<usize>,
}

impl Stream {
    fn new(title: &'static str, headers: &'static [&'static str]) -> Stream {
        Stream {
            title,
            headers,
            parts: Vec::new(),
            widths: headers.iter().map(|h| h.width()).collect(),
        }
    }

    /// Adds a worksheet for the next part, with the header row.
    fn start_part(&mut self, book: &mut Workbook, formats: &Formats) -> Result<(), XlsxError> {
        let index = book.worksheets().len();
        let sheet = book.add_worksheet_with_constant_memory();
        let name = match self.parts.len() {
            0 => self.title.to_string(),
            n => format!("{} ({})", self.title, n + 1),
        };
        sheet.set_name(name)?;
        for (col, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *h, &formats.header)?;
        }
        self.parts.push((index, 1));
        Ok(())
    }

    fn push(
        &mut self,
        book: &mut Workbook,
        formats: &Formats,
        limit: u32,
        cells: &[Cell<'_>],
    ) -> Result<(), XlsxError> {
        if self.parts.last().is_none_or(|&(_, rows)| rows >= limit) {
            self.start_part(book, formats)?;
        }
        let (index, rows) = self.parts.last_mut().expect("a part was just added");
        let sheet = book.worksheet_from_index(*index)?;
        write_row(sheet, formats, *rows, cells, &mut self.widths)?;
        *rows += 1;
        Ok(())
    }

    /// Widths, frozen header and autofilter on every part; `each` adds what is specific.
    fn finish(
        &self,
        book: &mut Workbook,
        mut each: impl FnMut(&mut rust_xlsxwriter::Worksheet, u32) -> Result<(), XlsxError>,
    ) -> Result<(), XlsxError> {
        for &(index, rows) in &self.parts {
            let sheet = book.worksheet_from_index(index)?;
            dress(sheet, &self.widths, rows)?;
            each(sheet, rows)?;
        }
        Ok(())
    }
}

fn write_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    formats: &Formats,
    row: u32,
    cells: &[Cell<'_>],
    widths: &mut [usize],
) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let c = col as u16;
        let shown = match cell {
            Cell::Text("") => 0,
            Cell::Text(text) => {
                let text = fit(text);
                sheet.write_string(row, c, text.as_ref())?;
                text.width()
            }
            &Cell::Int(n) => {
                sheet.write_number(row, c, n as f64)?;
                n.to_string().len()
            }
            &Cell::Seconds(ms) => {
                sheet.write_number_with_format(row, c, ms as f64 / 1000.0, &formats.seconds)?;
                6
            }
            &Cell::Decimal(x) => {
                sheet.write_number_with_format(row, c, x, &formats.decimal)?;
                5
            }
            &Cell::Percent(x) => {
                sheet.write_number_with_format(row, c, x, &formats.percent)?;
                6
            }
            Cell::Empty => 0,
        };
        widths[col] = widths[col].max(shown.min(MAX_WIDTH));
    }
    Ok(())
}

/// Each tier's (fill, font) colour: the best tier green, the next light green, tiers that are
/// flagged red, the rest amber — whatever the tiers of `scoring.toml` are called.
fn tier_colours(scoring: &Scoring) -> Vec<(String, (u32, u32))> {
    const GREEN: (u32, u32) = (0xC6EFCE, 0x006100);
    const LIGHT_GREEN: (u32, u32) = (0xE2EFDA, 0x375623);
    const AMBER: (u32, u32) = (0xFFEB9C, 0x9C5700);
    const RED: (u32, u32) = (0xFFC7CE, 0x9C0006);
    scoring
        .tiers
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let colour = if scoring.flag_tiers.contains(name) {
                RED
            } else {
                [GREEN, LIGHT_GREEN].get(i).copied().unwrap_or(AMBER)
            };
            (name.clone(), colour)
        })
        .collect()
}

/// Text cut to what one Excel cell holds, saying that it was cut.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    const CUT: &str = "…(超出 Excel 单元格上限,已截断)";
    if text.len() <= EXCEL_CELL_CHARS || text.chars().count() <= EXCEL_CELL_CHARS {
        return text.into();
    }
    let keep = EXCEL_CELL_CHARS - CUT.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(CUT);
    cut.into()
}

/// Column widths, a frozen header row and an autofilter over `rows` rows.
pub(super) fn dress(
    sheet: &mut rust_xlsxwriter::Worksheet,
    widths: &[usize],
    rows: u32,
) -> Result<(), XlsxError> {
    for (col, w) in widths.iter().enumerate() {
        // Display width counts a Chinese character as 2, as Excel's default font draws it;
        // the margin leaves room for the autofilter's arrow.
        sheet.set_column_width(col as u16, *w as f64 + 3.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.saturating_sub(1), widths.len() as u16 - 1)?;
    // Printed: landscape, all columns on the width of a page, the header on every page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// A workbook with zhijian's properties: a fixed creation time, so that the same rows give a
/// byte-identical file.
pub(super) fn workbook(title: &str, comment: &str) -> io::Result<Workbook> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1).map_err(xlsx_error)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("zhijian")
            .set_comment(comment)
            .set_creation_datetime(&created),
    );
    Ok(book)
}

pub(super) fn formats() -> Formats {
    Formats {
        header: Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color(0xDDEBF7)
            .set_border_bottom(FormatBorder::Thin),
        seconds: Format::new().set_num_format("0.0"),
        decimal: Format::new().set_num_format("0.0"),
        percent: Format::new().set_num_format("0.0%"),
    }
}

/// A workbook of one table that is not the batch's (the final scores of `zhijian rescore`), with
/// the report's header style, widths, frozen header, autofilter and text cells, streamed row by
/// row.
pub(super) struct Table {
    book: Workbook,
    formats: Formats,
    sheet: Stream,
}

impl Table {
    pub(super) fn new(
        title: &'static str,
        headers: &'static [&'static str],
        comment: &str,
    ) -> io::Result<Table> {
        let mut book = workbook(title, comment)?;
        let formats = formats();
        let mut sheet = Stream::new(title, headers);
        sheet.start_part(&mut book, &formats).map_err(xlsx_error)?;
        Ok(Table {
            book,
            formats,
            sheet,
        })
    }

    pub(super) fn push(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        self.sheet
            .push(&mut self.book, &self.formats, EXCEL_ROWS, cells)
            .map_err(xlsx_error)
    }

    pub(super) fn save(mut self, out: &mut Output) -> io::Result<()> {
        self.sheet
            .finish(&mut self.book, |_, _| Ok(()))
            .and_then(|()| self.book.save_to_writer(&mut *out))
            .map_err(xlsx_error)?;
        out.flush()
    }
}

struct Xlsx<'a> {
    out: Output,
    cx: Context<'a>,
    book: Workbook,
    formats: Formats,
    scores: Stream,
    evidence: Stream,
    stats: Stats,
    limit: u32,
}

pub(super) fn xlsx_error(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        other => io::Error::other(format!("无法生成 Excel 文件: {other}")),
    }
}

impl<'a> Xlsx<'a> {
    fn new(out: Output, cx: Context<'a>, limit: u32) -> io::Result<Self> {
        let book = workbook(
            "zhijian 质检报告",
            &format!("规则版本 {}", cx.rules.version),
        )?;
        let formats = formats();
        let mut x = Xlsx {
            out,
            cx,
            book,
            formats,
            scores: Stream::new("得分", &SHEET_HEADER),
            evidence: Stream::new("证据", &EVIDENCE_HEADERS),
            stats: Stats::new(cx.rules),
            limit,
        };
        // Both sheets exist, in this order, even for a batch with no hits.
        x.scores
            .start_part(&mut x.book, &x.formats)
            .map_err(xlsx_error)?;
        x.evidence
            .start_part(&mut x.book, &x.formats)
            .map_err(xlsx_error)?;
        Ok(x)
    }

    fn add(&mut self, row: &Graded) -> Result<(), XlsxError> {
        let (book, formats, limit) = (&mut self.book, &self.formats, self.limit);
        let values = row::cells(row, self.cx.masked);
        let cells: Vec<Cell<'_>> = values.iter().map(Cell::of).collect();
        self.scores.push(book, formats, limit, &cells)?;
        let Ok(o) = &row.outcome else {
            return Ok(());
        };
        let card = &o.card;
        let agent = o.call.agent().unwrap_or("");
        for (hit, &points) in o.hits.iter().zip(&card.hit_points) {
            let rule = &self.cx.rules.rules[hit.rule];
            let turn = &o.call.turns[hit.turn];
            let observed = hit.describe();
            let (begin, end, length) = when(hit, turn);
            self.evidence.push(
                book,
                formats,
                limit,
                &[
                    Cell::Text(&row.call_id),
                    Cell::Text(&row.source),
                    Cell::Text(agent),
                    Cell::Text(&rule.id),
                    Cell::Text(&rule.title),
                    Cell::Int(points.into()),
                    Cell::Text(if rule.fatal { "是" } else { "" }),
                    Cell::Text(hit.evidence.kind_zh()),
                    Cell::Int(hit.turn as i64 + 1),
                    Cell::Text(turn.role.label_zh()),
                    Cell::Text(&observed),
                    Cell::opt_seconds(begin),
                    Cell::opt_seconds(end),
                    Cell::opt_seconds(length),
                    Cell::Text(&hit.message(&rule.message)),
                ],
            )?;
        }
        Ok(())
    }

    /// The 坐席 sheet: one row per agent, by name.
    fn agents_sheet(&mut self) -> Result<(), XlsxError> {
        let set = self.cx.rules;
        let tiers: Vec<&str> = set.scoring.tiers.iter().map(|(n, _)| n.as_str()).collect();
        let mut headers: Vec<&str> = vec!["坐席", "通话数", "平均分"];
        headers.extend(&tiers);
        headers.extend(["需复核", "最常命中的扣分规则"]);
        let sheet = self.book.add_worksheet();
        sheet.set_name("坐席")?;
        let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
        for (col, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *h, &self.formats.header)?;
        }
        let mut row = 1;
        for (agent, a) in &self.stats.agents {
            let top = a
                .top_rules(set, 3)
                .into_iter()
                .map(|(i, calls)| {
                    format!("{} {} ({calls} 通)", set.rules[i].id, set.rules[i].title)
                })
                .collect::<Vec<_>>()
                .join("; ");
            let mut cells = vec![
                Cell::Text(agent),
                Cell::Int(a.calls as i64),
                Cell::Decimal(a.mean_score()),
            ];
            cells.extend(a.tiers.iter().map(|&n| Cell::Int(n as i64)));
            cells.extend([Cell::Int(a.flagged as i64), Cell::Text(&top)]);
            write_row(sheet, &self.formats, row, &cells, &mut widths)?;
            row += 1;
        }
        dress(sheet, &widths, row)
    }

    /// The 规则 sheet: one row per rule of the set, by id, also those that never fired.
    fn rules_sheet(&mut self) -> Result<(), XlsxError> {
        let set = self.cx.rules;
        let headers = [
            "规则编号",
            "标题",
            "维度",
            "分项",
            "每次分值",
            "一票否决",
            "命中通话数",
            "命中率",
            "命中次数",
            "合计分值",
        ];
        let sheet = self.book.add_worksheet();
        sheet.set_name("规则")?;
        let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
        for (col, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *h, &self.formats.header)?;
        }
        let graded = self.stats.graded.max(1) as f64;
        for (i, (rule, r)) in set.rules.iter().zip(&self.stats.rules).enumerate() {
            let group = match rule.group {
                Group::Attitude => "个人特性",
                Group::Procedure => "程序特性",
            };
            write_row(
                sheet,
                &self.formats,
                i as u32 + 1,
                &[
                    Cell::Text(&rule.id),
                    Cell::Text(&rule.title),
                    Cell::Text(dimension_zh(&rule.dimension)),
                    Cell::Text(group),
                    Cell::Int(rule.points.into()),
                    Cell::Text(if rule.fatal { "是" } else { "" }),
                    Cell::Int(r.calls as i64),
                    Cell::Percent(r.calls as f64 / graded),
                    Cell::Int(r.hits as i64),
                    Cell::Int(r.points),
                ],
                &mut widths,
            )?;
        }
        dress(sheet, &widths, set.rules.len() as u32 + 1)
    }

    fn save(&mut self) -> Result<(), XlsxError> {
        let set = self.cx.rules;
        let tiers: Vec<(String, Format)> = tier_colours(&set.scoring)
            .into_iter()
            .map(|(name, (fill, font))| {
                let format = Format::new()
                    .set_background_color(fill)
                    .set_font_color(font);
                (name, format)
            })
            .collect();
        self.scores.finish(&mut self.book, |sheet, rows| {
            if rows > 1 {
                for (name, format) in &tiers {
                    let rule = ConditionalFormatCell::new()
                        .set_rule(ConditionalFormatCellRule::EqualTo(name.as_str()))
                        .set_format(format.clone());
                    sheet.add_conditional_format(
                        1,
                        TIER_COLUMN as u16,
                        rows - 1,
                        TIER_COLUMN as u16,
                        &rule,
                    )?;
                }
            }
            Ok(())
        })?;
        self.evidence.finish(&mut self.book, |_, _| Ok(()))?;
        self.agents_sheet()?;
        self.rules_sheet()?;
        self.book.save_to_writer(&mut self.out)
    }
}

impl Report for Xlsx<'_> {
    fn write(&mut self, rows: &[Graded]) -> io::Result<()> {
        for row in rows {
            self.stats.add(self.cx.rules, row);
            if self.cx.lists(row) {
                self.add(row).map_err(xlsx_error)?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<Output> {
        self.save().map_err(xlsx_error)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::grade_call;
    use crate::input::parse_text;
    use crate::report::Target;
    use crate::rule::RuleSet;
    use calamine::{open_workbook, Reader};

    /// A sheet that reaches the row limit continues on a numbered sheet with its own header.
    #[test]
    fn full_sheets_continue_on_numbered_sheets() {
        let rules = RuleSet::embedded().unwrap();
        let rows: Vec<Graded> = (0..5)
            .map(|i| {
                let call = parse_text("客服：喂,不知道。\n客户：好吧。", &format!("c{i}")).unwrap();
                Graded {
                    source: format!("c{i}.txt"),
                    call_id: format!("c{i}"),
                    outcome: Ok(grade_call(&rules, call)),
                }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xlsx");
        let (out, _) = Target::resolve(&path).unwrap().open().unwrap();
        let cx = Context {
            rules: &rules,
            bom: false,
            only_flagged: false,
            masked: true,
            dating: crate::day::Dating {
                given: None,
                today: jiff::civil::date(2026, 12, 6),
                zone: &crate::day::BEIJING,
            },
        };
        let mut report = Box::new(Xlsx::new(out, cx, 3).unwrap());
        report.write(&rows[..2]).unwrap();
        report.write(&rows[2..]).unwrap();
        report.finish().unwrap().commit().unwrap();

        let mut book: calamine::Xlsx<_> = open_workbook(&path).unwrap();
        let names = book.sheet_names();
        assert_eq!(names[..3], ["得分", "证据", "证据 (2)"], "{names:?}");
        assert_eq!(names[names.len() - 2..], ["坐席", "规则"]);
        let scores: Vec<&String> = names.iter().filter(|n| n.starts_with("得分")).collect();
        assert_eq!(scores, ["得分", "得分 (2)", "得分 (3)"]);
        let ids = |book: &mut calamine::Xlsx<_>, name: &str| -> Vec<String> {
            let range = book.worksheet_range(name).unwrap();
            range.rows().map(|r| r[0].to_string()).collect()
        };
        assert_eq!(ids(&mut book, "得分"), ["通话编号", "c0", "c1"]);
        assert_eq!(ids(&mut book, "得分 (2)"), ["通话编号", "c2", "c3"]);
        assert_eq!(ids(&mut book, "得分 (3)"), ["通话编号", "c4"]);
        // Every call's evidence is somewhere, once.
        let evidence: usize = names
            .iter()
            .filter(|n| n.starts_with("证据"))
            .map(|n| ids(&mut book, n).len() - 1)
            .sum();
        let hits: usize = rows
            .iter()
            .map(|r| r.outcome.as_ref().unwrap().hits.len())
            .sum();
        assert_eq!(evidence, hits);
    }

    #[test]
    fn tiers_are_coloured_by_rank_and_flag() {
        let mut scoring = RuleSet::embedded().unwrap().scoring;
        let names = |c: Vec<(String, (u32, u32))>| -> Vec<(String, u32)> {
            c.into_iter().map(|(n, (fill, _))| (n, fill)).collect()
        };
        let expect = |pairs: &[(&str, u32)]| -> Vec<(String, u32)> {
            pairs.iter().map(|(n, f)| (n.to_string(), *f)).collect()
        };
        assert_eq!(
            names(tier_colours(&scoring)),
            expect(&[
                ("优秀", 0xC6EFCE),
                ("良好", 0xE2EFDA),
                ("达标", 0xFFEB9C),
                ("不达标", 0xFFC7CE)
            ])
        );
        scoring.flag_tiers = vec!["达标".into(), "不达标".into()];
        scoring.tiers.insert(2, ("合格".into(), 85));
        assert_eq!(
            names(tier_colours(&scoring)),
            expect(&[
                ("优秀", 0xC6EFCE),
                ("良好", 0xE2EFDA),
                ("合格", 0xFFEB9C),
                ("达标", 0xFFC7CE),
                ("不达标", 0xFFC7CE)
            ])
        );
    }

    #[test]
    fn long_text_is_cut_to_a_cell_and_says_so() {
        let long = "好".repeat(EXCEL_CELL_CHARS + 10);
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), EXCEL_CELL_CHARS);
        assert!(cut.ends_with("已截断)"));
        assert_eq!(fit("短句"), "短句");
        let exact = "a".repeat(EXCEL_CELL_CHARS);
        assert_eq!(fit(&exact), exact);
    }
}
