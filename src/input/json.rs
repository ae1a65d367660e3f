//! What every JSON format shares: recognising a document by its key paths ([`Shape`]),
//! streaming the calls out of an array of any size ([`each`]), and the [`JsonFormat`] seam a
//! recogniser's result shape implements.
//!
//! In: a [`Doc`] or one parsed JSON value (a JSONL line). Out: each call's value, handed to the
//! format's converter one at a time, so a 1 GB array of tickets never exists in memory at once.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{Doc, Fit, InputError, Out, Probe, Reader, Transcript, Unit};

/// A JSON recogniser result or export shape.
pub trait JsonFormat: Sync + 'static {
    /// The format's name in messages.
    fn name(&self) -> &'static str;
    /// Whether a document with these key paths is in this format.
    fn detect(&self, shape: &Shape) -> bool;
    /// Where the calls are: the document itself (`[]`; an array there holds one call per
    /// element), or an array under these keys (`["tickets"]`).
    fn calls_at(&self) -> &'static [&'static str] {
        &[]
    }
    /// One call's value → its transcript.
    fn call(&self, value: Value) -> Result<Transcript, InputError>;
    /// Whether a document of this shape is itself one call rather than a container of calls
    /// at [`calls_at`](Self::calls_at) (a single ticket instead of `{"tickets": [...]}`).
    fn is_call(&self, _shape: &Shape) -> bool {
        false
    }
    /// The id a call's value gives itself, so that a call that cannot be read is still
    /// reported under it.
    fn id_of(&self, _value: &Value) -> Option<String> {
        None
    }
}

/// Converts one call's value, keeping its id with the error when it fails.
fn convert<F: JsonFormat>(
    format: &F,
    value: Value,
) -> (Option<String>, Result<Transcript, InputError>) {
    let id = format.id_of(&value);
    (id, format.call(value))
}

/// A JSON format as a [`Reader`].
pub struct Json<F>(pub F);

/// What JSONL needs of a JSON format: recognise a parsed value and read it.
pub trait ValueReader: Sync {
    fn detect_value(&self, shape: &Shape) -> bool;
    fn calls_in(&self, value: Value) -> Vec<(Option<String>, Result<Transcript, InputError>)>;
}

impl<F: JsonFormat> Reader for Json<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    fn detect(&self, probe: &Probe<'_>) -> Fit {
        match &probe.shape {
            Some(shape) if self.0.detect(shape) => Fit::SIGNATURE,
            _ => Fit::NONE,
        }
    }

    fn read(&self, mut doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
        let at = match self.0.calls_at().first() {
            Some(key) => match doc.peek_shape() {
                Some(shape) if !shape.has(key) && self.0.is_call(&shape) => &[][..],
                _ => self.0.calls_at(),
            },
            None => &[][..],
        };
        each(doc, at, &mut |at, value| {
            let unit = match convert(&self.0, value) {
                (Some(id), Err(error)) => Unit::Failed { id, error },
                (_, result) => Unit::Ready(result),
            };
            out(at, unit)
        })
    }

    fn json(&self) -> Option<&dyn ValueReader> {
        Some(self)
    }
}

impl<F: JsonFormat> ValueReader for Json<F> {
    fn detect_value(&self, shape: &Shape) -> bool {
        self.0.detect(shape)
    }

    fn calls_in(&self, value: Value) -> Vec<(Option<String>, Result<Transcript, InputError>)> {
        let mut value = value;
        if let Some(key) = self.0.calls_at().first() {
            let shape = Shape::of(&value);
            if !shape.has(key) && self.0.is_call(&shape) {
                return vec![convert(&self.0, value)];
            }
        }
        for key in self.0.calls_at() {
            value = match value {
                Value::Object(mut map) => match map.remove(*key) {
                    Some(v) => v,
                    None => return vec![(None, Err(missing(self.0.name(), key)))],
                },
                _ => return vec![(None, Err(missing(self.0.name(), key)))],
            };
        }
        match value {
            Value::Array(values) => values.into_iter().map(|v| convert(&self.0, v)).collect(),
            v => vec![convert(&self.0, v)],
        }
    }
}

fn missing(format: &'static str, key: &str) -> InputError {
    InputError::Format {
        format,
        message: format!("缺少字段 {key}"),
    }
}

/// The key paths of a JSON document: `Result.Sentences.ChannelId` for a key at any depth up to
/// [`Shape::DEPTH`], looking through arrays at their first element only. Enough to tell the
/// formats apart without reading them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// The document is an array (of calls, usually).
    pub array: bool,
    paths: BTreeSet<String>,
}

impl Shape {
    const DEPTH: usize = 5;

    /// The shape of a JSON text, or of as much of it as there is: a document cut off by the
    /// probe's length still shows its first keys. `None` when the text does not start like
    /// JSON or shows no keys at all.
    pub fn probe(text: &str) -> Option<Shape> {
        let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        if !trimmed.starts_with(['{', '[']) {
            return None;
        }
        let paths = RefCell::new(BTreeSet::new());
        let mut de = serde_json::Deserializer::from_str(trimmed);
        // An error (a cut-off document, or trailing lines of JSONL) ends the walk; what was
        // seen before it stands.
        let _ = Walk {
            prefix: String::new(),
            depth: 0,
            paths: &paths,
        }
        .deserialize(&mut de);
        let shape = Shape {
            array: trimmed.starts_with('['),
            paths: paths.into_inner(),
        };
        (!shape.paths.is_empty()).then_some(shape)
    }

    /// The shape of a parsed value.
    pub fn of(value: &Value) -> Shape {
        fn walk(v: &Value, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
            if depth >= Shape::DEPTH {
                return;
            }
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        let path = join(prefix, k);
                        walk(v, &path, depth + 1, out);
                        out.insert(path);
                    }
                }
                Value::Array(items) => {
                    if let Some(first) = items.first() {
                        walk(first, prefix, depth + 1, out)
                    }
                }
                _ => {}
            }
        }
        let mut paths = BTreeSet::new();
        walk(value, "", 0, &mut paths);
        Shape {
            array: value.is_array(),
            paths,
        }
    }

    /// Whether the document has this key path (`Result.Sentences`).
    pub fn has(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// Whether it has every one of these paths.
    pub fn has_all(&self, paths: &[&str]) -> bool {
        paths.iter().all(|p| self.has(p))
    }

    /// The top-level keys, for a message about a document nobody recognised.
    pub fn top_keys(&self) -> Vec<&str> {
        self.paths
            .iter()
            .filter(|p| !p.contains('.'))
            .map(String::as_str)
            .take(12)
            .collect()
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Records key paths while serde walks the document, building nothing else.
struct Walk<'a> {
    prefix: String,
    depth: usize,
    paths: &'a RefCell<BTreeSet<String>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let path = join(&self.prefix, &key);
            self.paths.borrow_mut().insert(path.clone());
            if self.depth + 1 < Shape::DEPTH {
                map.next_value_seed(Walk {
                    prefix: path,
                    depth: self.depth + 1,
                    paths: self.paths,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let first = Walk {
            prefix: self.prefix.clone(),
            depth: self.depth + 1,
            paths: self.paths,
        };
        if seq.next_element_seed(first)?.is_some() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Hands each call of a JSON document to `f`: the elements of the array at `at` (numbered from
/// 1), or the one object there. The document is parsed as it streams: only one call's value
/// exists at a time. Stops when `f` returns false.
pub fn each(
    doc: Doc,
    at: &[&str],
    f: &mut dyn FnMut(Option<usize>, Value) -> bool,
) -> Result<(), InputError> {
    let stopped = std::cell::Cell::new(false);
    let limit = doc.limit;
    let result = match doc.in_memory() {
        // A document that is one call (an object where the calls are) is one call's text.
        Some(text) if at.is_empty() && text.len() > limit && text.trim_start().starts_with('{') => {
            return Err(InputError::TooLarge(limit));
        }
        Some(text) => {
            let seed = Descend {
                path: at,
                f,
                stopped: &stopped,
                budget: None,
            };
            let mut de = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut de).and_then(|()| de.end())
        }
        None => {
            // Streamed: the reader refuses to go on once one call has taken more than the
            // limit, so an oversized call is never built in memory.
            let budget = Budget::default();
            let reader = Metered {
                inner: doc.reader(),
                budget: &budget,
                limit: limit as u64,
            };
            // The parser keeps a buffer as long as the longest string it has read: a document
            // that is one call (not an array of them) is handed on once the parser is gone, or
            // a call of one long turn would be held a third time while it is graded.
            let mut whole: Option<Value> = None;
            let mut hand = |n: Option<usize>, value: Value| match n {
                None => {
                    whole = Some(value);
                    true
                }
                Some(_) => f(n, value),
            };
            let seed = Descend {
                path: at,
                f: &mut hand,
                stopped: &stopped,
                budget: Some(&budget),
            };
            let mut de = serde_json::Deserializer::from_reader(reader);
            let result = seed.deserialize(&mut de).and_then(|()| de.end());
            drop(de);
            if let Some(value) = whole {
                if !f(None, value) {
                    return Ok(());
                }
            }
            result
        }
    };
    match result {
        Err(_) if stopped.get() => Ok(()),
        Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::FileTooLarge) => {
            Err(InputError::Format {
                format: "JSON",
                message: format!(
                    "{}超过单通上限 {} MB (--max-call-mb),此后的内容未读取",
                    match e.to_string().split_once('#') {
                        Some((_, n)) =>
                            format!("第 {} 通", n.split_whitespace().next().unwrap_or("?")),
                        None => "一通电话".to_string(),
                    },
                    limit / (1024 * 1024)
                ),
            })
        }
        Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::InvalidData) => {
            Err(InputError::Encoding(e.to_string()))
        }
        Err(e) if e.is_io() => Err(InputError::Io(e.to_string())),
        Err(e) => Err(InputError::Json(crate::zh::json(&e))),
        Ok(()) => Ok(()),
    }
}

/// How far a streamed document has been read, and where the call being read began.
#[derive(Default)]
struct Budget {
    read: std::cell::Cell<u64>,
    call_start: std::cell::Cell<u64>,
    call: std::cell::Cell<usize>,
}

impl Budget {
    fn start_call(&self, n: usize) {
        self.call_start.set(self.read.get());
        self.call.set(n);
    }
}

/// A reader that fails with `FileTooLarge` once the current call passes the limit.
struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
    limit: u64,
}

impl<R: std::io::Read> std::io::Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = self.budget.read.get() + n as u64;
        self.budget.read.set(read);
        if read - self.budget.call_start.get() > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("call #{}", self.budget.call.get()),
            ));
        }
        Ok(n)
    }
}

struct Descend<'p, 'f, 's> {
    path: &'p [&'p str],
    f: &'f mut dyn FnMut(Option<usize>, Value) -> bool,
    stopped: &'s std::cell::Cell<bool>,
    budget: Option<&'s Budget>,
}

impl<'de> DeserializeSeed<'de> for Descend<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Descend<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.path.first() {
            Some(key) => write!(f, "含有字段 {key} 的对象"),
            None => f.write_str("通话对象或通话数组"),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((key, rest)) = self.path.split_first() else {
            let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            if !(self.f)(None, value) {
                self.stopped.set(true);
                return Err(de::Error::custom("stopped"));
            }
            return Ok(());
        };
        let mut inner = Some(Descend {
            path: rest,
            f: self.f,
            stopped: self.stopped,
            budget: self.budget,
        });
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match inner.take() {
                Some(seed) if k == *key => map.next_value_seed(seed)?,
                other => {
                    inner = other;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if inner.is_some() {
            return Err(de::Error::custom(format!("缺少字段 {key}")));
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !self.path.is_empty() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut n = 0;
        loop {
            if let Some(budget) = self.budget {
                budget.start_call(n + 1);
            }
            let Some(value) = seq.next_element::<Value>()? else {
                break;
            };
            n += 1;
            if !(self.f)(Some(n), value) {
                self.stopped.set(true);
                return Err(de::Error::custom("stopped"));
            }
        }
        if n == 0 {
            return Err(de::Error::custom("数组为空,没有通话"));
        }
        Ok(())
    }
}

/// A time in milliseconds from a number or a numeric string (iFlytek writes `"820"`), `scale`
/// being the milliseconds per unit (1000 for seconds). Negative, fractional-nonsense or
/// non-finite values are `None`, so the caller can say which field is wrong.
pub fn ms(value: &Value, scale: f64) -> Option<u64> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    let ms = n * scale;
    (0.0..1e15).contains(&ms).then(|| ms.round() as u64)
}

/// A field that may hold JSON as a string (iFlytek's `orderResult`, `json_1best`) or as the
/// value itself.
pub fn unwrap_string_json(value: Value) -> Result<Value, serde_json::Error> {
    match value {
        Value::String(s) => serde_json::from_str(&s),
        v => Ok(v),
    }
}

/// A metadata value as a cell shows it: strings without quotes, anything else as JSON.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A serde error converting a value of `format`, in Chinese.
pub fn format_error(format: &'static str, e: &serde_json::Error) -> InputError {
    InputError::Format {
        format,
        message: crate::zh::json(e),
    }
}

/// The first of several spellings of a field (`BeginTime`, `beginTime`, `begin_time`) that an
/// object has.
pub fn field<'v>(object: &'v Value, names: &[&str]) -> Option<&'v Value> {
    names
        .iter()
        .find_map(|n| object.get(*n))
        .filter(|v| !v.is_null())
}

/// A text field, or the empty string.
pub fn text_field(object: &Value, names: &[&str]) -> String {
    match field(object, names) {
        Some(Value::String(s)) => s.clone(),
        Some(v @ Value::Number(_)) => v.to_string(),
        _ => String::new(),
    }
}

/// A number field as f64 (numbers or numeric strings).
pub fn number_field(object: &Value, names: &[&str]) -> Option<f64> {
    match field(object, names)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// An identifier field (a speaker id, a channel) as text: `0`, `"1"`, `"SPEAKER_00"`.
pub fn id_field(object: &Value, names: &[&str]) -> Option<String> {
    match field(object, names)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The times of one sentence: both present, in order, or the error naming the sentence.
pub fn times(
    format: &'static str,
    n: usize,
    begin: Option<u64>,
    end: Option<u64>,
) -> Result<(Option<u64>, Option<u64>), InputError> {
    match (begin, end) {
        (Some(b), Some(e)) if e < b => Err(InputError::Format {
            format,
            message: format!("第 {} 句的结束时间 ({e} ms) 早于开始时间 ({b} ms)", n + 1),
        }),
        other => Ok(other),
    }
}

/// Each element of the array at `names` in `object`, or the error saying it is missing.
pub fn array<'v>(
    format: &'static str,
    object: &'v Value,
    names: &[&str],
) -> Result<&'v Vec<Value>, InputError> {
    match field(object, names) {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(InputError::Format {
            format,
            message: format!("字段 {} 应为数组", names[0]),
        }),
        None => Err(InputError::Format {
            format,
            message: format!("缺少字段 {}", names[0]),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(text: &str) -> Doc {
        Doc {
            body: crate::input::Body::Stream(Box::new(std::io::Cursor::new(
                text.as_bytes().to_vec(),
            ))),
            limit: 1 << 20,
        }
    }

    /// A streamed document that is one call hands it on once the parser is done with the
    /// document, as it was handed on before: trailing junk still follows it as an error, and a
    /// stop is no error.
    #[test]
    fn a_streamed_single_call_is_handed_on_after_the_parser() {
        let call = r#"{"turns":[{"role":"agent","text":"您好"}]}"#;
        let mut seen = Vec::new();
        let result = each(streamed(call), &[], &mut |n, v| {
            seen.push((n, v["turns"][0]["text"].clone()));
            true
        });
        assert_eq!(result, Ok(()));
        assert_eq!(seen, [(None, Value::from("您好"))]);

        let mut seen = 0;
        let result = each(streamed(&format!("{call} x")), &[], &mut |_, _| {
            seen += 1;
            true
        });
        assert_eq!(seen, 1, "the call comes first");
        assert!(matches!(result, Err(InputError::Json(_))), "{result:?}");

        assert_eq!(each(streamed(call), &[], &mut |_, _| false), Ok(()));

        // The elements of an array are still handed on as they are parsed.
        let mut order = Vec::new();
        let result = each(streamed(&format!("[{call},{call}")), &[], &mut |n, _| {
            order.push(n);
            true
        });
        assert_eq!(order, [Some(1), Some(2)]);
        assert!(result.is_err(), "cut off after the second");
    }

    #[test]
    fn shapes_see_through_arrays_and_cut_off_documents() {
        let s = Shape::probe(
            r#"{"TaskId":"x","Result":{"Sentences":[{"BeginTime":1,"Text":"您好"},{"Other":2}]}}"#,
        )
        .unwrap();
        assert!(s.has_all(&[
            "TaskId",
            "Result",
            "Result.Sentences",
            "Result.Sentences.BeginTime"
        ]));
        assert!(
            !s.has("Result.Sentences.Other"),
            "only the first element is looked at"
        );
        assert!(!s.array);
        let cut = Shape::probe(r#"[{"key":"a","sentence_info":[{"text":"您好","st"#).unwrap();
        assert!(cut.array && cut.has("sentence_info.text"));
        assert_eq!(Shape::probe("客服：您好"), None);
        assert_eq!(Shape::probe("[00:01.000 --> 00:02.000] 客服：您好"), None);
        assert_eq!(
            Shape::of(&serde_json::json!([{"a":{"b":[{"c":1}]}}]))
                .paths
                .len(),
            3
        );
    }

    #[test]
    fn times_from_numbers_and_strings() {
        assert_eq!(ms(&serde_json::json!(1.2345), 1000.0), Some(1235));
        assert_eq!(ms(&serde_json::json!("820"), 1.0), Some(820));
        assert_eq!(ms(&serde_json::json!(-1), 1.0), None);
        assert_eq!(ms(&serde_json::json!("x"), 1.0), None);
        assert_eq!(ms(&serde_json::json!(null), 1.0), None);
    }
}
