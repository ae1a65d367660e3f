//! Metadata conditions (随录参数): a value the platform recorded with the call — who hung up,
//! the business line, the queue, the call's direction — rather than anything said in it.
//!
//! Spec: `[match.meta]` with `key` and `is` (one of these values) and/or `contains` (a value
//! containing one of these), compared folded (繁简、全半角、大小写; 座席 and 坐席 are one
//! word). Eval: holds when the call's metadata has the key with such a value; the evidence
//! names the key and the value. A call whose metadata lacks the key is N/A — `zhijian test`
//! fails an example without it — unless `if_missing = "not_met"`, which judges it with the
//! condition not holding.

use toml::Spanned;

use crate::normalize;
use crate::rule::compile::FileContext;
use crate::rule::eval::{Evaluator, Evidence, Hit, Measurement};
use crate::rule::schema::{MatchSpec, MetaSpec, Mode};

/// A compiled `[match.meta]`.
#[derive(Debug)]
pub(crate) struct Meta {
    /// The key as written, for reports.
    pub key: String,
    /// The key folded, as it is looked up.
    folded_key: String,
    /// Folded values the whole value may be.
    is: Vec<String>,
    /// Folded values the value may contain.
    contains: Vec<String>,
    /// The values as written, for reports: 为 坐席/Agent.
    limit: String,
    /// A call without the key is judged, the condition not holding (`if_missing = "not_met"`),
    /// rather than left without a verdict.
    missing_not_met: bool,
}

/// A key or value as compared: folded, and 座席 written 坐席. Platforms and teams spell the
/// agent's seat either way (the national standard writes 座席, most consoles 坐席); a rule
/// written with one must read calls exported with the other.
fn fold(s: &str) -> String {
    normalize::fold(s).replace("座席", "坐席")
}

impl Meta {
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        spec: &Spanned<MetaSpec>,
    ) -> Option<Meta> {
        let s = spec.get_ref();
        if super::looks_at_turns(m) || m.role.is_some() {
            cx.error(
                Some(spec.span()),
                "[match.meta] 看的是通话的随录参数,不能和 role、短语或时间条件写在同一个表里",
            )
            .help = Some("要同时看说了什么,请写成 all 的两个子条件".into());
        }
        if m.mode == Mode::Absent {
            cx.error(Some(spec.span()), "[match.meta] 不支持 mode = \"absent\"")
                .help = Some(
                "“不是某个值”请在 is 里列出其余的值;写在 not 里时,没有这个参数的通话整条规则不判断,\
                 要照查就加 if_missing = \"not_met\""
                    .into(),
            );
        }
        let key = s.key.get_ref().trim().to_string();
        if key.is_empty() {
            cx.error(Some(s.key.span()), "key 是空的");
            return None;
        }
        if s.is.is_empty() && s.contains.is_empty() {
            cx.error(
                Some(spec.span()),
                "[match.meta] 缺少 is 或 contains (什么值算命中)",
            )
            .help = Some("例如 key = \"挂机方\" 加 is = [\"坐席\", \"客服\"]".into());
            return None;
        }
        let values = |list: &[Spanned<String>], cx: &mut FileContext<'_>| -> Vec<String> {
            list.iter()
                .filter_map(|v| {
                    let folded = fold(v.get_ref().trim());
                    if folded.is_empty() {
                        cx.error(Some(v.span()), "空的值什么也不匹配");
                        None
                    } else {
                        Some(folded)
                    }
                })
                .collect()
        };
        let missing_not_met = match s
            .if_missing
            .as_ref()
            .map(|m| (m.get_ref().trim(), m.span()))
        {
            None | Some(("no_verdict", _)) => false,
            Some(("not_met", _)) => true,
            Some((other, span)) => {
                cx.error(Some(span), format!("if_missing 的值 \"{other}\" 不认识"))
                    .help = Some(
                    "no_verdict (默认:没有这个参数的通话整条规则不判断) 或 not_met (当作条件不成立)"
                        .into(),
                );
                return None;
            }
        };
        let is = values(&s.is, cx);
        let contains = values(&s.contains, cx);
        let written = |list: &[Spanned<String>]| {
            list.iter()
                .map(|v| v.get_ref().trim())
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut parts = Vec::new();
        if !s.is.is_empty() {
            parts.push(format!("为 {}", written(&s.is)));
        }
        if !s.contains.is_empty() {
            parts.push(format!("含 {}", written(&s.contains)));
        }
        Some(Meta {
            folded_key: fold(&key),
            key,
            is,
            contains,
            limit: parts.join(" 或 "),
            missing_not_met,
        })
    }

    /// The call's value for the key, if it has one.
    fn value<'c>(&self, ev: &'c Evaluator<'_>) -> Option<&'c str> {
        ev.call
            .meta
            .iter()
            .find(|(k, _)| fold(k.trim()) == self.folded_key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn eval(&self, ev: &Evaluator<'_>, rule: usize, hits: &mut Vec<Hit>) {
        let Some(value) = self.value(ev) else { return };
        let folded = fold(value);
        let matched =
            self.is.contains(&folded) || self.contains.iter().any(|v| folded.contains(v.as_str()));
        if !matched {
            return;
        }
        hits.push(Hit {
            rule,
            turn: ev.turns_of(None).last().copied().unwrap_or(0),
            evidence: Evidence::Measured(Measurement {
                measure: "meta",
                name: format!("随录参数“{}”", self.key),
                value: value.to_string(),
                number: None,
                unit: "",
                limit: self.limit.clone(),
                begin_ms: None,
                end_ms: None,
            }),
        });
    }

    pub(super) fn lacks(&self, ev: &Evaluator<'_>) -> Option<String> {
        (!self.missing_not_met && self.value(ev).is_none())
            .then(|| format!("通话没有随录参数“{}”", self.key))
    }
}
