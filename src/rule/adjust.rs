//! Scheme adjustments: a `[rules]` table (in `scoring.toml`, or a scheme file given with
//! `--scheme`) → rules switched off, re-pointed or moved to other channels, without editing the
//! rule files.
//!
//! In: `ID = "off"` or `ID = { points = -3, max_hits = 2, review = true, channels = [...] }`
//! per rule. Out: the rule set's rules changed in place, each with a note of what its scheme
//! changed, so every report and `zhijian rules` show the effective values. A QA team adapts the
//! shared catalog to its hotline this way: where the IVR announces the agent's 工号, OPN003 is
//! off; where a closing is not required on Weibo, CLS001 keeps to phone and chat.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::explain::parse_all;
use super::{Rule, RuleError, RuleErrors, RuleSource};
use crate::channel::Channel;

/// A scheme file (`--scheme FILE`): its name, and the rules it changes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeFile {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    rules: Adjustments,
    /// Whether `sound_alike` conditions also match by sound, on every channel.
    #[serde(default)]
    sound_alike: Option<bool>,
    /// What an uncertain deduction costs, on every channel.
    #[serde(default)]
    confidence: Option<super::schema::ConfidenceSpec>,
}

/// What a scheme file changes besides its rules.
pub(crate) struct Scheme {
    pub name: String,
    pub sound_alike: Option<bool>,
    pub confidence: Option<super::ConfidencePolicy>,
}

/// `[rules]`: what to change, by rule id, as written (checked in [`apply`]).
pub(crate) type Adjustments = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The keys a rule's adjustment table may have.
const KEYS: &[&str] = &["points", "max_hits", "review", "channels"];

/// Applies a scheme file to `rules`; returns the scheme's name and other settings.
pub(crate) fn apply_file(rules: &mut [Rule], src: &RuleSource) -> Result<Scheme, RuleErrors> {
    let text: Arc<str> = src.text.as_str().into();
    let file: SchemeFile = parse_all(&src.path, &text).map_err(RuleErrors)?;
    let name = file.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(RuleErrors(vec![RuleError::new(
            &src.path,
            &text,
            Some(file.name.span()),
            "方案名称 name 不能为空",
        )]));
    }
    let _ = file.description;
    let confidence = file
        .confidence
        .as_ref()
        .map(|c| super::scoring::confidence_policy(c, &src.path, &text))
        .transpose()
        .map_err(|e| RuleErrors(vec![e]))?;
    apply(rules, &file.rules, &name, &src.path, &text)?;
    Ok(Scheme {
        name,
        sound_alike: file.sound_alike,
        confidence,
    })
}

/// Applies `[rules]` adjustments written in file `path` (`text`), on behalf of scheme `name`.
pub(crate) fn apply(
    rules: &mut [Rule],
    adjustments: &Adjustments,
    name: &str,
    path: &str,
    text: &Arc<str>,
) -> Result<(), RuleErrors> {
    let mut errors = Vec::new();
    let mut error = |span: std::ops::Range<usize>, message: String, help: Option<String>| {
        let mut e = RuleError::new(path, text, Some(span), message);
        e.help = help;
        errors.push(e);
    };
    for (id, value) in adjustments {
        let Some(rule) = rules.iter_mut().find(|r| r.id == *id.get_ref()) else {
            let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
            error(
                id.span(),
                format!("没有编号为 {} 的规则", id.get_ref()),
                Some(format!("已有的规则: {}", known.join(", "))),
            );
            continue;
        };
        let mut changed = Vec::new();
        match value.get_ref() {
            toml::Value::String(s) if s == "off" => {
                rule.enabled = false;
                changed.push("关闭".to_string());
            }
            toml::Value::Table(t) => {
                // In a fixed order, so the note reads the same whatever order the file uses.
                let mut entries: Vec<(&String, &toml::Value)> = t.iter().collect();
                entries.sort_by_key(|(k, _)| KEYS.iter().position(|x| x == k));
                for (key, v) in entries {
                    match (key.as_str(), v) {
                        ("points", toml::Value::Integer(p)) if (-100..=100).contains(p) => {
                            let p = *p as i32;
                            if rule.fatal && p > 0 {
                                error(
                                    value.span(),
                                    format!("{} 是一票否决规则,不能改成加分", rule.id),
                                    None,
                                );
                                continue;
                            }
                            changed.push(format!("分值 {} → {p}", rule.points));
                            rule.points = p;
                        }
                        ("points", _) => error(
                            value.span(),
                            "points 应为 -100 到 100 之间的整数".into(),
                            None,
                        ),
                        ("max_hits", toml::Value::Integer(n)) if *n >= 1 => {
                            changed.push(format!("每通最多 {n} 次"));
                            rule.max_hits = Some(*n as u32);
                        }
                        ("max_hits", _) => {
                            error(value.span(), "max_hits 应为至少 1 的整数".into(), None)
                        }
                        ("review", toml::Value::Boolean(b)) => {
                            changed.push(
                                if *b {
                                    "命中即复核"
                                } else {
                                    "不再标记复核"
                                }
                                .into(),
                            );
                            rule.review = *b;
                        }
                        ("review", _) => {
                            error(value.span(), "review 应为 true 或 false".into(), None)
                        }
                        ("channels", v) => match channels(v) {
                            Some(list) if !list.is_empty() => {
                                changed.push(format!(
                                    "渠道 {}",
                                    list.iter().map(|c| c.zh()).collect::<Vec<_>>().join("/")
                                ));
                                rule.channels = list;
                            }
                            _ => error(
                                value.span(),
                                "channels 应为非空的渠道列表".into(),
                                Some(format!("可选: {}", Channel::names())),
                            ),
                        },
                        (other, _) => error(
                            value.span(),
                            format!("不认识的键 \"{other}\""),
                            Some(format!("可以改的: {}", KEYS.join(", "))),
                        ),
                    }
                }
            }
            _ => error(
                value.span(),
                format!("{} 的值应为 \"off\" 或一张表", id.get_ref()),
                Some("例如 OPN003 = \"off\",或 LNG001 = { points = -3, max_hits = 2 }".into()),
            ),
        }
        if !changed.is_empty() {
            rule.adjusted = Some(format!("{name}:{}", changed.join(",")));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by_key(|e| e.span.as_ref().map(|s| s.start));
        Err(RuleErrors(errors))
    }
}

fn channels(v: &toml::Value) -> Option<Vec<Channel>> {
    let mut list: Vec<Channel> = v
        .as_array()?
        .iter()
        .map(|c| c.as_str().and_then(|s| s.parse().ok()))
        .collect::<Option<_>>()?;
    list.sort();
    list.dedup();
    Some(list)
}
