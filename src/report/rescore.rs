//! The final scores of `zhijian rescore`: one row per call after review and appeals → a CSV or
//! an Excel sheet.
//!
//! In: [`Final`] rows in the order of the results. Out: the table, its columns defined once in
//! [`COLUMNS`] (the CSV's English key, the workbook's Chinese header) and filled once by
//! [`values`], so the two formats cannot drift apart. Each hit that was removed or kept is one
//! `; `-separated item of its cell: rule, turn, the words or the measured time, and on whose
//! word (`RSP002 第4轮“那是领导的事”: 误判 (李强)`).

use std::borrow::Cow;
use std::io::{self, Write};

use super::xlsx::{Cell, Table};
use super::{io_error, neutralise, Output, UTF8_BOM};
use crate::rescore::{Basis, Fate, Final};

/// Every column: the CSV header key and the workbook's header, in order.
pub const COLUMNS: [(&str, &str); 18] = [
    ("call_id", "通话编号"),
    ("source", "来源"),
    ("agent", "坐席"),
    ("channel", "渠道"),
    ("machine_score", "机评得分"),
    ("final_score", "最终得分"),
    ("change", "变化"),
    ("machine_tier", "机评档位"),
    ("final_tier", "最终档位"),
    ("machine_service_type", "机评服务类型"),
    ("final_service_type", "最终服务类型"),
    ("final_attitude", "最终个人特性"),
    ("final_procedure", "最终程序特性"),
    ("removed", "去掉的命中"),
    ("kept", "保留的命中"),
    ("decided_by", "复核/裁决人"),
    ("decided_at", "裁决时间"),
    ("error", "错误"),
];

/// The CSV header: [`COLUMNS`]' first halves.
pub const KEYS: [&str; COLUMNS.len()] = {
    let mut out = [""; COLUMNS.len()];
    let mut i = 0;
    while i < COLUMNS.len() {
        out[i] = COLUMNS[i].0;
        i += 1;
    }
    out
};

/// The workbook's headers: [`COLUMNS`]' second halves.
static HEADERS_ZH: [&str; COLUMNS.len()] = {
    let mut out = [""; COLUMNS.len()];
    let mut i = 0;
    while i < COLUMNS.len() {
        out[i] = COLUMNS[i].1;
        i += 1;
    }
    out
};

/// One cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Empty,
}

/// The row of `f`, column by column.
pub fn values(f: &Final) -> [Value<'_>; COLUMNS.len()] {
    let text = |s: &str| {
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(Cow::Owned(s.to_string()))
        }
    };
    let int = |n: Option<i64>| n.map_or(Value::Empty, Value::Int);
    let m = f.machine.as_ref();
    let a = f.after.as_ref();
    let items = |kept: bool| {
        f.hits
            .iter()
            .filter(|h| h.kept == kept)
            .map(item)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut by: Vec<&str> = Vec::new();
    let mut at: Vec<&str> = Vec::new();
    for h in &f.hits {
        match &h.basis {
            Basis::Review { reviewers, .. } => by.extend(reviewers.split('、')),
            Basis::Appeal {
                decided_by,
                decided_at,
                ..
            } => {
                by.push(decided_by);
                at.push(decided_at);
            }
            Basis::Unreviewed => {}
        }
    }
    let distinct = |list: Vec<&str>| {
        let mut seen: Vec<&str> = Vec::new();
        for x in list.into_iter().filter(|x| !x.is_empty()) {
            if !seen.contains(&x) {
                seen.push(x);
            }
        }
        seen.join("、")
    };
    [
        text(&f.call_id),
        text(&f.source),
        text(&f.agent),
        text(&f.channel),
        int(m.map(|c| c.score.into())),
        int(a.map(|c| c.score.into())),
        int(m
            .zip(a)
            .map(|(m, a)| i64::from(a.score) - i64::from(m.score))),
        text(m.map_or("", |c| c.tier.as_str())),
        text(a.map_or("", |c| c.tier.as_str())),
        text(m.map_or("", |c| c.service_type.as_str())),
        text(a.map_or("", |c| c.service_type.as_str())),
        int(a.map(|c| c.attitude.into())),
        int(a.map(|c| c.procedure.into())),
        text(&items(false)),
        text(&items(true)),
        text(&distinct(by)),
        text(&distinct(at)),
        text(f.error.as_deref().unwrap_or_default()),
    ]
}

/// One hit in a removed or kept cell.
fn item(h: &Fate) -> String {
    let why = match &h.basis {
        Basis::Unreviewed => "未复核".to_string(),
        Basis::Review {
            judgement,
            reviewers,
        } => with_who(judgement.zh(), &[reviewers]),
        Basis::Appeal {
            decision,
            decided_by,
            decided_at,
        } => with_who(&format!("申诉{}", decision.zh()), &[decided_by, decided_at]),
    };
    let pending = if h.pending { ",申诉待裁决" } else { "" };
    format!(
        "{} 第{}轮{}: {why}{pending}",
        h.rule_id,
        h.turn + 1,
        h.evidence
    )
}

/// `what (who when)`, leaving out what is empty.
fn with_who(what: &str, who: &[&str]) -> String {
    let who: Vec<&str> = who.iter().copied().filter(|w| !w.is_empty()).collect();
    if who.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({})", who.join(" "))
    }
}

/// The final scores' formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalFormat {
    Csv,
    Xlsx,
}

/// The final scores on their way into a file.
pub struct FinalTable(Sink);

enum Sink {
    Csv(Box<csv::Writer<Output>>),
    Xlsx(Box<Table>, Output),
}

impl FinalTable {
    /// Starts the table in `out`: the header row. `comment` goes into a workbook's properties.
    pub fn open(format: FinalFormat, out: Output, bom: bool, comment: &str) -> io::Result<Self> {
        Ok(match format {
            FinalFormat::Csv => {
                let mut out = out;
                if bom {
                    out.write_all(UTF8_BOM)?;
                }
                let mut w = csv::Writer::from_writer(out);
                w.write_record(KEYS).map_err(io_error)?;
                FinalTable(Sink::Csv(Box::new(w)))
            }
            FinalFormat::Xlsx => FinalTable(Sink::Xlsx(
                Box::new(Table::new("最终得分", &HEADERS_ZH, comment)?),
                out,
            )),
        })
    }

    pub fn write(&mut self, f: &Final) -> io::Result<()> {
        let values = values(f);
        match &mut self.0 {
            Sink::Csv(w) => {
                let cells = values.iter().map(|v| match v {
                    Value::Text(t) => neutralise(t).into_owned(),
                    Value::Int(n) => n.to_string(),
                    Value::Empty => String::new(),
                });
                w.write_record(cells).map_err(io_error)
            }
            Sink::Xlsx(table, _) => {
                let cells: Vec<Cell<'_>> = values
                    .iter()
                    .map(|v| match v {
                        Value::Text(t) => Cell::Text(t),
                        Value::Int(n) => Cell::Int(*n),
                        Value::Empty => Cell::Empty,
                    })
                    .collect();
                table.push(&cells)
            }
        }
    }

    /// Writes what follows the last row and hands back the output, to be committed.
    pub fn finish(self) -> io::Result<Output> {
        match self.0 {
            Sink::Csv(w) => w.into_inner().map_err(|e| e.into_error()),
            Sink::Xlsx(table, mut out) => {
                table.save(&mut out)?;
                Ok(out)
            }
        }
    }
}
