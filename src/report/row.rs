//! The score row: what the score CSV and the workbook's 得分 sheet say about one call, column
//! by column, defined once.
//!
//! In: a [`Graded`] row and whether personal numbers were masked. Out: [`COLUMNS`] cells,
//! each a [`Value`] the two formats render their own way (`true` in the CSV, 是 in the
//! workbook). The JSONL line carries the same facts under the same names; a test holds the
//! three to each other.
//!
//! The columns are a contract with the spreadsheets and scripts built on these files: new
//! columns are only ever appended.

use std::borrow::Cow;

use crate::grade::Graded;
use crate::score::ERROR_REASON;

/// Columns of the score row.
pub(super) const COLUMNS: usize = 17;

/// Each column's name in the CSV header (and the JSONL field that holds the same fact) and in
/// the workbook.
const NAMES: [(&str, &str); COLUMNS] = [
    ("call_id", "通话编号"),
    ("source", "来源"),
    ("agent", "坐席"),
    ("score", "总分"),
    ("tier", "档位"),
    ("service_type", "服务类型"),
    ("attitude", "个人特性"),
    ("procedure", "程序特性"),
    ("flagged", "需复核"),
    ("flag_reasons", "复核原因"),
    ("hits", "命中"),
    ("error", "错误"),
    ("roles", "角色判定"),
    ("channel", "渠道"),
    ("masked", "个人信息"),
    ("not_applicable", "不适用的规则"),
    ("unjudged", "无法判断的规则"),
];

/// The score CSV's header.
pub const SCORES_HEADER: [&str; COLUMNS] = names(0);

/// The workbook's 得分 sheet's header.
pub(super) const SHEET_HEADER: [&str; COLUMNS] = names(1);

/// Where the tier is: the workbook colours it.
pub(super) const TIER_COLUMN: usize = 4;

const fn names(which: usize) -> [&'static str; COLUMNS] {
    let mut out = [""; COLUMNS];
    let mut i = 0;
    while i < COLUMNS {
        out[i] = if which == 0 { NAMES[i].0 } else { NAMES[i].1 };
        i += 1;
    }
    out
}

/// One cell of the score row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'a> {
    /// Text from the input (the call's id, its source, the agent): a CSV keeps a spreadsheet
    /// from reading it as a formula.
    Input(Cow<'a, str>),
    /// zhijian's own text.
    Own(Cow<'a, str>),
    Int(i64),
    /// `true`/`false` in the CSV, 是/否 in the workbook.
    Flag(bool),
    /// A code and its Chinese name: the CSV writes the code (`chat`), the workbook the name
    /// (在线).
    Coded(&'static str, &'static str),
    Empty,
}

/// The row of `row`. A call that could not be read has its error, is flagged, and leaves
/// empty what it could not know.
pub(super) fn cells(row: &Graded, masked: bool) -> [Value<'_>; COLUMNS] {
    use Value::*;
    let masked = Coded(
        if masked { "true" } else { "false" },
        if masked { "已遮盖" } else { "未遮盖" },
    );
    let (id, source) = (
        Input(row.call_id.as_str().into()),
        Input(row.source.as_str().into()),
    );
    match &row.outcome {
        Ok(o) => {
            let c = &o.card;
            [
                id,
                source,
                Input(o.call.agent().unwrap_or("").into()),
                Int(c.score.into()),
                Own(c.tier.as_str().into()),
                Own(c.service_type.as_str().into()),
                Int(c.attitude.into()),
                Int(c.procedure.into()),
                Flag(c.flagged),
                Own(c.flag_reasons.join(";").into()),
                Own(super::hit_counts_cell(c).into()),
                Empty,
                // Says which speaker label was taken for the agent: the label is the input's.
                Input(o.call.roles.describe().into()),
                Coded(c.channel.name(), c.channel.zh()),
                masked,
                Own(c.not_applicable.join(";").into()),
                Own(c.unjudged.join(";").into()),
            ]
        }
        Err(e) => [
            id,
            source,
            Empty,
            Empty,
            Empty,
            Empty,
            Empty,
            Empty,
            Flag(true),
            Own(ERROR_REASON.into()),
            Empty,
            // zhijian's own sentence (see `InputError`): text from the input is only ever
            // inside it, so it is written as it is.
            Own(e.to_string().into()),
            Empty,
            Empty,
            masked,
            Empty,
            Empty,
        ],
    }
}

impl Value<'_> {
    /// The cell as the CSV writes it.
    pub(super) fn csv(&self) -> Cow<'_, str> {
        match self {
            Value::Input(text) => super::neutralise(text),
            Value::Own(text) => Cow::Borrowed(text),
            Value::Int(n) => n.to_string().into(),
            Value::Flag(yes) => Cow::Borrowed(if *yes { "true" } else { "false" }),
            Value::Coded(code, _) => Cow::Borrowed(code),
            Value::Empty => Cow::Borrowed(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_headers_name_the_same_columns_in_the_same_order() {
        assert_eq!(SCORES_HEADER[0], "call_id");
        assert_eq!(SHEET_HEADER[0], "通话编号");
        assert_eq!(SCORES_HEADER[TIER_COLUMN], "tier");
        assert_eq!(SHEET_HEADER[TIER_COLUMN], "档位");
        assert_eq!(SCORES_HEADER[COLUMNS - 2], "not_applicable");
        assert_eq!(SHEET_HEADER[COLUMNS - 2], "不适用的规则");
        assert_eq!(SCORES_HEADER[COLUMNS - 1], "unjudged");
        assert_eq!(SHEET_HEADER[COLUMNS - 1], "无法判断的规则");
    }

    #[test]
    fn each_kind_of_value_has_its_csv_spelling() {
        let csv = |v: Value<'_>| v.csv().into_owned();
        assert_eq!(csv(Value::Input("=1+1".into())), "'=1+1");
        assert_eq!(csv(Value::Own("=1+1".into())), "=1+1");
        assert_eq!(csv(Value::Int(-3)), "-3");
        assert_eq!(csv(Value::Flag(true)), "true");
        assert_eq!(csv(Value::Flag(false)), "false");
        assert_eq!(csv(Value::Coded("chat", "在线")), "chat");
        assert_eq!(csv(Value::Empty), "");
    }
}
