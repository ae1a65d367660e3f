//! iFlytek 录音文件转写 (lfasr) results: `content.orderResult` is a JSON *string* whose
//! `lattice[].json_1best` is another JSON string (in `lattice2` an object) of the form
//! `{"st": {"bg": "820", "ed": "2410", "rl": "1", "rt": [{"ws": [{"cw": [{"w": "您好",
//! "wp": "n"}]}]}]}}`: times in milliseconds as strings, `rl` the separated role (0 when role
//! separation was off). The older `raasr` API's `data` string of `{bg, ed, onebest, speaker}`
//! is read too.
//!
//! In: one result's JSON value. Out: a [`Transcript`] with speakers `说话人1`, `说话人2`….

use serde_json::Value;

use super::json::{
    field, id_field, ms, number_field, text_field, times, unwrap_string_json, JsonFormat, Shape,
};
use super::{probability, InputError, Segment, Transcript, Who};

pub struct IFlytek;

const NAME: &str = "讯飞录音文件转写";

impl JsonFormat for IFlytek {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, shape: &Shape) -> bool {
        ["content.orderResult", "orderResult", "lattice", "lattice2"]
            .iter()
            .any(|p| shape.has(p))
            || shape.has("data") && shape.has("err_no")
    }

    fn call(&self, value: Value) -> Result<Transcript, InputError> {
        let bad = |e: serde_json::Error| super::json::format_error(NAME, &e);
        let code = text_field(&value, &["code"]);
        if !code.is_empty() && code != "000000" {
            return Err(InputError::Format {
                format: NAME,
                message: format!(
                    "转写没有成功 (code {code}: {})",
                    text_field(&value, &["descInfo"])
                ),
            });
        }
        if let Some(data) = field(&value, &["data"]).filter(|_| value.get("err_no").is_some()) {
            return legacy(unwrap_string_json(data.clone()).map_err(bad)?);
        }
        let content = field(&value, &["content"]).unwrap_or(&value);
        let order = match field(content, &["orderResult"]) {
            Some(o) => unwrap_string_json(o.clone()).map_err(bad)?,
            None => content.clone(),
        };
        let lattice = match (field(&order, &["lattice"]), field(&order, &["lattice2"])) {
            (Some(Value::Array(l)), _) if !l.is_empty() => l,
            (_, Some(Value::Array(l))) => l,
            _ => {
                return Err(InputError::Format {
                    format: NAME,
                    message: "orderResult 中没有 lattice/lattice2 (转写可能还没完成)".into(),
                })
            }
        };
        let mut segments = Vec::with_capacity(lattice.len());
        for (n, item) in lattice.iter().enumerate() {
            let best = match field(item, &["json_1best"]) {
                Some(b) => unwrap_string_json(b.clone()).map_err(bad)?,
                None => continue,
            };
            let st = field(&best, &["st"]).unwrap_or(&best);
            let begin = field(st, &["bg"]).and_then(|v| ms(v, 1.0));
            let end = field(st, &["ed"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            let mut text = String::new();
            let mut words = Vec::new();
            for rt in st.get("rt").and_then(Value::as_array).into_iter().flatten() {
                for ws in rt.get("ws").and_then(Value::as_array).into_iter().flatten() {
                    // The first candidate is the recogniser's choice; `g` marks a paragraph.
                    if let Some(cw) = ws
                        .get("cw")
                        .and_then(Value::as_array)
                        .and_then(|c| c.first())
                    {
                        let wp = text_field(cw, &["wp"]);
                        if wp != "g" {
                            let w = text_field(cw, &["w"]);
                            // `wc`: the word's confidence, 0–1. Punctuation (`p`) is no word
                            // heard and carries 0.0000.
                            if let Some(p) =
                                probability(number_field(cw, &["wc"])).filter(|_| wp != "p")
                            {
                                words.push((w.clone(), p));
                            }
                            text.push_str(&w);
                        }
                    }
                }
            }
            segments.push(Segment {
                who: role(id_field(st, &["rl"]).or_else(|| id_field(item, &["spk"]))),
                text,
                begin,
                end,
                words,
                ..Segment::default()
            });
        }
        // lfasr often writes 0.0000 for every word when it measured nothing: a call scored 0
        // throughout was not scored at all.
        if segments
            .iter()
            .flat_map(|s| &s.words)
            .all(|(_, p)| *p == 0.0)
        {
            for s in &mut segments {
                s.words.clear();
            }
        }
        let mut meta = std::collections::BTreeMap::new();
        let info = content.get("orderInfo");
        if let Some(order_id) = info.and_then(|i| id_field(i, &["orderId"])) {
            meta.insert("order_id".to_string(), order_id);
        }
        Ok(Transcript {
            id: None,
            meta,
            segments,
            duration_ms: info
                .and_then(|i| field(i, &["originalDuration"]))
                .and_then(|v| ms(v, 1.0))
                .filter(|&d| d > 0),
            sentences: true,
        })
    }
}

/// `rl` 0 means role separation was off: nobody is named.
fn role(rl: Option<String>) -> Who {
    match rl {
        Some(r) if r != "0" => Who::Speaker(format!("说话人{r}")),
        _ => Who::Unknown,
    }
}

fn legacy(data: Value) -> Result<Transcript, InputError> {
    let Value::Array(items) = data else {
        return Err(InputError::Format {
            format: NAME,
            message: "data 应为句子数组".into(),
        });
    };
    let segments = items
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let begin = field(s, &["bg"]).and_then(|v| ms(v, 1.0));
            let end = field(s, &["ed"]).and_then(|v| ms(v, 1.0));
            let (begin, end) = times(NAME, n, begin, end)?;
            Ok(Segment {
                who: role(id_field(s, &["speaker"])),
                text: text_field(s, &["onebest"]),
                begin,
                end,
                ..Segment::default()
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(Transcript {
        segments,
        sentences: true,
        ..Transcript::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn best(bg: &str, ed: &str, rl: &str, words: &[(&str, &str)]) -> String {
        let ws: Vec<Value> = words
            .iter()
            .map(|(w, wp)| json!({"cw":[{"w":w,"wp":wp}],"wb":1,"we":40}))
            .collect();
        json!({"st":{"bg":bg,"ed":ed,"rl":rl,"rt":[{"ws":ws}]}}).to_string()
    }

    #[test]
    fn doubly_encoded_lattice() {
        let order = json!({"lattice":[
            {"json_1best": best("820","2410","1",&[("您好","n"),("，","p"),("工号","n"),("1024","n")])},
            {"json_1best": best("2900","4300","2",&[("我要","n"),("投诉","n"),("。","p")])}]});
        let v = json!({"code":"000000","descInfo":"success","content":{
            "orderInfo":{"orderId":"DKHJQ2022","status":4,"originalDuration":4300},
            "orderResult": order.to_string()}});
        assert!(IFlytek.detect(&Shape::of(&v)));
        let t = IFlytek.call(v).unwrap();
        assert_eq!(t.segments[0].text, "您好，工号1024");
        assert_eq!(t.segments[1].who, Who::Speaker("说话人2".into()));
        assert_eq!(t.segments[0].begin, Some(820));
        assert_eq!(t.duration_ms, Some(4300));
    }

    /// `wc` is each word's confidence, as a string or a number.
    #[test]
    fn word_confidence() {
        let st = json!({"st":{"bg":"0","ed":"900","rl":"1","rt":[{"ws":[
            {"cw":[{"w":"您好","wp":"n","wc":"0.9800"}]},
            {"cw":[{"w":"，","wp":"p","wc":"0.0000"}]},
            {"cw":[{"w":"少等","wp":"n","wc":0.31}]}]}]}});
        let v = json!({"content":{"orderResult": json!({"lattice":[{"json_1best": st.to_string()}]}).to_string()}});
        let t = IFlytek.call(v).unwrap();
        assert_eq!(t.segments[0].text, "您好，少等");
        let words: Vec<(&str, f32)> = t.segments[0]
            .words
            .iter()
            .map(|(w, p)| (w.as_str(), *p))
            .collect();
        // Punctuation is no word heard: its 0.0000 does not count.
        assert_eq!(words, [("您好", 0.98), ("少等", 0.31)]);
    }

    /// lfasr writes 0.0000 for every word when it measured nothing: a call scored 0 throughout
    /// carries no confidence, but one real 0 among others stays.
    #[test]
    fn a_call_scored_zero_throughout_was_not_scored() {
        let call = |wc: [&str; 2]| {
            let st = |w: &str, wc: &str| {
                json!({"st":{"bg":"0","ed":"900","rl":"1","rt":[{"ws":[
                {"cw":[{"w":w,"wp":"n","wc":wc}]}]}]}})
                .to_string()
            };
            let v = json!({"content":{"orderResult": json!({"lattice":[
                {"json_1best": st("您好", wc[0])}, {"json_1best": st("工号", wc[1])}]}).to_string()}});
            IFlytek.call(v).unwrap()
        };
        let t = call(["0.0000", "0.0000"]);
        assert!(t.segments.iter().all(|s| s.words.is_empty()));
        let t = call(["0.0000", "0.9000"]);
        assert_eq!(t.segments[0].words, [("您好".to_string(), 0.0)]);
    }

    #[test]
    fn legacy_api_and_errors() {
        let v = json!({"data":"[{\"bg\":\"0\",\"ed\":\"1000\",\"onebest\":\"您好\",\"speaker\":\"1\"}]","err_no":0,"ok":0});
        assert!(IFlytek.detect(&Shape::of(&v)));
        assert_eq!(IFlytek.call(v).unwrap().segments[0].text, "您好");
        let err = IFlytek
            .call(json!({"code":"26601","descInfo":"订单不存在","content":null}))
            .unwrap_err();
        assert!(err.to_string().contains("26601"));
    }
}
