//! Canonical JSON calls: `{"id", "meta", "turns": [{"role", "text", "begin", "end"}]}`.
//!
//! In: the decoded text of a `.json` file (one call, or an array of calls) or a `.jsonl` file /
//! stdin (one call per line). Out: one [`Item`] per call; a malformed line is one error item
//! under `file.jsonl#LINE` and the rest of the file is still read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{failed, validate, Call, InputError, Item, Role, Turn};

#[derive(Deserialize)]
struct JsonCall {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    meta: Option<BTreeMap<String, Value>>,
    turns: Vec<JsonTurn>,
}

#[derive(Deserialize)]
struct JsonTurn {
    role: String,
    text: String,
    #[serde(default, deserialize_with = "millis")]
    begin: Option<u64>,
    #[serde(default, deserialize_with = "millis")]
    end: Option<u64>,
}

/// Milliseconds as an integer or a number with a fraction (some exporters write `1234.5`);
/// negative or non-finite values are an error rather than a silently wrong timeline.
fn millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms.round() as u64)),
        Some(ms) => Err(serde::de::Error::custom(format!(
            "begin/end 应为非负的毫秒数,而不是 {ms}"
        ))),
    }
}

/// A `.json` file: one call object, or an array of them (as many exports write).
pub(super) fn parse_json_document(text: &str, source: &str, stem: &str) -> Vec<Item> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(calls)) if calls.is_empty() => vec![failed(
            source.into(),
            stem.into(),
            InputError::Json("数组为空,没有通话".into()),
        )],
        Ok(Value::Array(calls)) => calls
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                item(
                    v,
                    format!("{source}#{}", i + 1),
                    format!("{stem}#{}", i + 1),
                )
            })
            .collect(),
        Ok(v) => vec![item(v, source.to_string(), stem.to_string())],
        Err(e) => vec![failed(
            source.into(),
            stem.into(),
            InputError::Json(crate::zh::json(&e)),
        )],
    }
}

/// One line of a JSONL document: its source and fallback id carry the 1-based line number.
pub(super) fn parse_jsonl_line(line: &str, number: usize, source: &str, stem: &str) -> Item {
    let source = format!("{source}#{number}");
    let id = format!("{stem}#{number}");
    match serde_json::from_str::<Value>(line) {
        Ok(v) => item(v, source, id),
        Err(e) => failed(source, id, InputError::Json(crate::zh::json_in_line(&e))),
    }
}

fn item(value: Value, source: String, fallback_id: String) -> Item {
    let call = serde_json::from_value::<JsonCall>(value)
        .map_err(|e| InputError::Json(crate::zh::json(&e)))
        .and_then(|c| to_call(c, &fallback_id));
    let id = call.as_ref().map_or(fallback_id, |c| c.id.clone());
    Item { source, id, call }
}

fn to_call(raw: JsonCall, fallback_id: &str) -> Result<Call, InputError> {
    let id = raw
        .id
        .as_ref()
        .map(scalar)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| fallback_id.to_string());
    let meta = raw
        .meta
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), scalar(v)))
        .collect();
    let turns = raw
        .turns
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let role = Role::from_label(&t.role).ok_or_else(|| InputError::Turn {
                turn: i,
                message: format!(
                    "无法识别的角色 \"{}\" (应为 agent/customer 或 客服、客户 等)",
                    t.role
                ),
            })?;
            if let (Some(b), Some(e)) = (t.begin, t.end) {
                if e < b {
                    return Err(InputError::Turn {
                        turn: i,
                        message: format!("end ({e}) 早于 begin ({b})"),
                    });
                }
            }
            // The text is kept as given, so findings' offsets count from its first character.
            Ok(Turn {
                role,
                text: t.text,
                begin: t.begin,
                end: t.end,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    validate(Call { id, meta, turns })
}

/// Metadata values are shown in a CSV cell, so strings lose their quotes and anything else is
/// written as JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_jsonl(text: &str, source: &str, stem: &str) -> Vec<Item> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| parse_jsonl_line(l, i + 1, source, stem))
            .collect()
    }

    #[test]
    fn one_bad_jsonl_line_costs_one_item() {
        let text = concat!(
            r#"{"id":"a","turns":[{"role":"agent","text":"您好"}]}"#,
            "\n{not json\n\n",
            r#"{"turns":[{"role":"客服","text":"您好","begin":0,"end":899.6},{"role":"客户","text":"喂"}]}"#,
        );
        let items = parse_jsonl(text, "b.jsonl", "b");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].id, "a");
        assert!(items[0].call.is_ok());
        assert_eq!(items[1].source, "b.jsonl#2");
        assert!(matches!(items[1].call, Err(InputError::Json(_))));
        assert_eq!(items[2].source, "b.jsonl#4");
        assert_eq!(items[2].id, "b#4");
        let call = items[2].call.as_ref().unwrap();
        assert_eq!(call.turns[0].end, Some(900));
        assert_eq!(call.turns[1].role, Role::Customer);
    }

    #[test]
    fn empty_array_null_meta_and_untrimmed_text() {
        let items = parse_json_document("[]", "e.json", "e");
        assert!(matches!(
            &items[..],
            [Item {
                call: Err(InputError::Json(_)),
                ..
            }]
        ));
        let items = parse_json_document(
            r#"{"meta":null,"turns":[{"role":"agent","text":"  您好 "}]}"#,
            "m.json",
            "m",
        );
        let call = items[0].call.as_ref().unwrap();
        assert_eq!(call.turns[0].text, "  您好 ");
        assert!(call.meta.is_empty());
    }

    #[test]
    fn negative_times_are_errors() {
        let items = parse_jsonl(
            r#"{"turns":[{"role":"agent","text":"您好","begin":-5}]}"#,
            "n.jsonl",
            "n",
        );
        let err = items[0].call.as_ref().unwrap_err().to_string();
        assert!(err.contains("非负的毫秒数"), "{err}");
    }

    #[test]
    fn unknown_role_and_missing_agent_are_errors() {
        let items = parse_jsonl(
            concat!(
                r#"{"turns":[{"role":"IVR","text":"欢迎致电"}]}"#,
                "\n",
                r#"{"turns":[{"role":"customer","text":"在吗"}]}"#
            ),
            "x.jsonl",
            "x",
        );
        assert!(matches!(
            items[0].call,
            Err(InputError::Turn { turn: 0, .. })
        ));
        assert_eq!(items[1].call, Err(InputError::NoAgentTurn));
    }

    #[test]
    fn json_document_may_be_an_array() {
        let items = parse_json_document(
            r#"[{"id":7,"meta":{"agent":1024},"turns":[{"role":"agent","text":"您好"}]}]"#,
            "d.json",
            "d",
        );
        assert_eq!(items[0].source, "d.json#1");
        let call = items[0].call.as_ref().unwrap();
        assert_eq!(call.id, "7");
        assert_eq!(call.agent(), Some("1024"));
    }
}
