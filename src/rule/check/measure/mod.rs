//! Measures: a number read off the call or off each turn of a role — speech rate, call
//! duration, talk share, silence share, interruptions, time to hang-up, the recogniser's
//! emotion value — compared with a threshold → evidence naming the value and the threshold.
//!
//! Spec: `[match.measure]` with `of` (a key of [`MEASURES`]), `above` and/or `below`, and
//! what that measure reads (`per`, `min_chars`, `overlap_ms`), beside the `[match]` table's
//! `role`. Compile: checks the keys against the measure's row. Eval: the measure's reader
//! returns its readings, or what the call lacks for it (no timestamps, no recording length, no
//! emotion field) — such a call is N/A, never a pass that proves nothing: `zhijian test` fails
//! an example that lacks it, and `explain` says why the rule could not judge.
//!
//! A new measure is one file with one [`Measure`] and one row of [`MEASURES`].

mod duration;
mod emotion;
mod hangup;
mod interruptions;
mod speech_rate;
mod talk;
mod turns;

use toml::Spanned;

use crate::input::Role;
use crate::rule::compile::FileContext;
use crate::rule::eval::{with_unit, Evaluator, Evidence, Hit, Measurement};
use crate::rule::schema::{MatchSpec, MeasureSpec, Mode, Per};

/// Every measure a rule can name, in the order `zhijian explain` lists them.
pub(crate) const MEASURES: &[&Measure] = &[
    &speech_rate::SPEECH_RATE,
    &emotion::EMOTION,
    &duration::DURATION,
    &turns::TURNS,
    &talk::TALK_SHARE,
    &talk::SILENCE_SHARE,
    &interruptions::INTERRUPTIONS,
    &interruptions::OVERLAP,
    &hangup::HANGUP,
];

/// One measure: what it is called, its unit, how it is read and what it accepts.
pub(crate) struct Measure {
    /// The key rule files write in `of`.
    pub key: &'static str,
    /// Its name in reports (语速).
    pub name: &'static str,
    /// Its unit (字/秒); empty for a bare number.
    pub unit: &'static str,
    /// Decimals it is shown and compared at.
    pub decimals: usize,
    /// How it is measured, in one Chinese sentence, for rule authors.
    pub how: &'static str,
    /// Whether it can be read per turn (`per = "turn"`, its default then) as well as per call.
    pub per_turn: bool,
    /// Whether `role` means anything to it: whose turns are measured.
    pub takes_role: bool,
    /// `min_chars` when the rule does not say; `None` when the measure does not read it.
    pub min_chars: Option<usize>,
    /// `overlap_ms` when the rule does not say; `None` when the measure does not read it.
    pub overlap_ms: Option<u64>,
    /// The readings on a call, or what the call lacks for this measure, in a short Chinese
    /// phrase.
    pub(in crate::rule) read: fn(&Evaluator<'_>, &Settings) -> Result<Vec<Reading>, String>,
}

/// What a rule asked of its measure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub role: Option<Role>,
    pub per: Per,
    pub min_chars: usize,
    pub overlap_ms: u64,
}

/// One value measured, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reading {
    /// The turn the evidence points at: the turn measured, or for the whole call the last
    /// turn that counted.
    pub turn: usize,
    pub value: f64,
    pub begin_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

/// A compiled `[match.measure]`.
#[derive(Debug)]
pub(crate) struct MeasureCheck {
    pub measure: &'static Measure,
    pub settings: Settings,
    pub above: Option<f64>,
    pub below: Option<f64>,
}

impl std::fmt::Debug for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)
    }
}

/// The measure named `key`.
pub(crate) fn find(key: &str) -> Option<&'static Measure> {
    MEASURES.iter().copied().find(|m| m.key == key)
}

/// How the measure named `key` is measured, in one sentence; for reports that explain a
/// measurement.
pub fn how(key: &str) -> Option<&'static str> {
    find(key).map(|m| m.how)
}

impl MeasureCheck {
    /// Compiles `[match.measure]` of a `[match]` table.
    pub(in crate::rule::check) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        spec: &Spanned<MeasureSpec>,
    ) -> Option<MeasureCheck> {
        let s = spec.get_ref();
        if super::looks_at_turns(m) || m.meta.is_some() {
            cx.error(
                Some(spec.span()),
                "[match.measure] 只能和 role、[match.dialogue]、at_least 一起使用",
            )
            .help = Some("指标和说了什么要一起看,请写成 all 的两个子条件".into());
        }
        if m.mode == Mode::Absent {
            cx.error(Some(spec.span()), "指标条件不支持 mode = \"absent\"")
                .help = Some("“低于”请写 below,“高于”请写 above".into());
        }
        let Some(measure) = find(s.of.get_ref()) else {
            let known: Vec<&str> = MEASURES.iter().map(|m| m.key).collect();
            let close = MEASURES
                .iter()
                .find(|m| strsim::levenshtein(m.key, s.of.get_ref()) <= 2);
            let e = cx.error(
                Some(s.of.span()),
                format!("没有叫 \"{}\" 的指标", s.of.get_ref()),
            );
            e.help = Some(match close {
                Some(m) => format!("是不是 \"{}\" ({})?", m.key, m.name),
                None => format!("可用的指标: {}", known.join("、")),
            });
            return None;
        };
        let (above, below) = (s.above.as_ref(), s.below.as_ref());
        match (above, below) {
            (None, None) => {
                cx.error(
                    Some(spec.span()),
                    format!(
                        "[match.measure] 缺少 above 或 below ({}超过或低于多少算命中)",
                        measure.name
                    ),
                );
                return None;
            }
            (Some(a), Some(b)) if a.get_ref() >= b.get_ref() => {
                cx.error(
                    Some(b.span()),
                    "below 要大于 above:两个都写时,值在两者之间才算命中",
                );
                return None;
            }
            _ => {}
        }
        for bound in [above, below].into_iter().flatten() {
            if !bound.get_ref().is_finite() {
                cx.error(Some(bound.span()), "阈值要是一个有限的数");
                return None;
            }
            // A share written as a fraction: 0.3 means 0.3 %, which every call exceeds.
            let x = *bound.get_ref();
            if measure.unit == "%" && x > 0.0 && x < 1.0 {
                cx.warn(
                    Some(bound.span()),
                    format!("{}按百分数计:{x} 表示 {x}%", measure.name),
                )
                .help = Some({
                    let pct = (x * 100.0 * 1e6).round() / 1e6;
                    format!("如果是 {pct}%,请写 {pct}")
                });
            }
        }
        if let (Some(role), false) = (&m.role, measure.takes_role) {
            let _ = role;
            cx.error(
                Some(spec.span()),
                format!(
                    "{} ({}) 量的是整通电话,不分角色:请删去 role",
                    measure.name, measure.key
                ),
            );
        }
        let per = match (&s.per, measure.per_turn) {
            (Some(p), false) if *p.get_ref() == Per::Turn => {
                cx.error(
                    Some(p.span()),
                    format!(
                        "{} ({}) 只能按整通电话计算,不能 per = \"turn\"",
                        measure.name, measure.key
                    ),
                );
                Per::Call
            }
            (Some(p), _) => *p.get_ref(),
            (None, true) => Per::Turn,
            (None, false) => Per::Call,
        };
        let min_chars = match (&s.min_chars, measure.min_chars) {
            (Some(n), None) => {
                cx.error(
                    Some(n.span()),
                    format!("{} ({}) 不看 min_chars", measure.name, measure.key),
                );
                0
            }
            (Some(n), Some(_)) => *n.get_ref() as usize,
            (None, default) => default.unwrap_or(0),
        };
        let overlap_ms = match (&s.overlap_ms, measure.overlap_ms) {
            (Some(n), None) => {
                cx.error(
                    Some(n.span()),
                    format!("{} ({}) 不看 overlap_ms", measure.name, measure.key),
                );
                0
            }
            (Some(n), Some(_)) => *n.get_ref(),
            (None, default) => default.unwrap_or(0),
        };
        Some(MeasureCheck {
            measure,
            settings: Settings {
                role: m.role,
                per,
                min_chars,
                overlap_ms,
            },
            above: above.map(|a| *a.get_ref()),
            below: below.map(|b| *b.get_ref()),
        })
    }

    /// A hit for each reading beyond the threshold.
    pub(in crate::rule::check) fn eval(
        &self,
        ev: &Evaluator<'_>,
        rule: usize,
        hits: &mut Vec<Hit>,
    ) {
        let Ok(readings) = (self.measure.read)(ev, &self.settings) else {
            return; // N/A: the call lacks what the measure reads.
        };
        for r in readings {
            // Compared at the precision shown, so a report never says 6.0 (超过 6).
            let value = round(r.value, self.measure.decimals);
            let crosses =
                self.above.is_none_or(|a| value > a) && self.below.is_none_or(|b| value < b);
            if crosses {
                hits.push(Hit {
                    rule,
                    turn: r.turn,
                    evidence: Evidence::Measured(self.measurement(value, &r)),
                });
            }
        }
    }

    /// The reading nearest the threshold: the highest for `above`, the lowest for `below` (for
    /// a band, the one nearest either edge). `None` when the call lacks what the measure reads
    /// or gives no reading.
    pub(in crate::rule::check) fn nearest(&self, ev: &Evaluator<'_>) -> Option<Measurement> {
        let readings = (self.measure.read)(ev, &self.settings).ok()?;
        let distance = |v: f64| match (self.above, self.below) {
            (Some(a), None) => a - v,
            (None, Some(b)) => v - b,
            (Some(a), Some(b)) => (a - v).abs().min((v - b).abs()),
            (None, None) => 0.0,
        };
        readings
            .iter()
            .map(|r| (round(r.value, self.measure.decimals), r))
            .min_by(|(x, _), (y, _)| distance(*x).total_cmp(&distance(*y)))
            .map(|(value, r)| self.measurement(value, r))
    }

    /// What the call lacks for this measure, if anything.
    pub(in crate::rule::check) fn lacks(&self, ev: &Evaluator<'_>) -> Option<String> {
        (self.measure.read)(ev, &self.settings).err()
    }

    fn measurement(&self, value: f64, r: &Reading) -> Measurement {
        let m = self.measure;
        let per_turn = self.settings.per == Per::Turn && m.per_turn;
        let whose = match (self.settings.role, m.takes_role) {
            (Some(role), true) => role.label_zh(),
            _ => "",
        };
        let name = match (per_turn, m.per_turn) {
            (false, true) => format!("{whose}整通平均{}", m.name),
            _ => format!("{whose}{}", m.name),
        };
        Measurement {
            measure: m.key,
            name,
            value: format!("{value:.*}", m.decimals),
            number: Some(value),
            unit: m.unit,
            limit: self.limit(),
            begin_ms: r.begin_ms,
            end_ms: r.end_ms,
        }
    }

    /// The threshold in words: 超过 6 字/秒, 低于 2 秒, 在 1 与 3 之间.
    pub(crate) fn limit(&self) -> String {
        let n = |x: f64| with_unit(&x.to_string(), self.measure.unit);
        match (self.above, self.below) {
            (Some(a), None) => format!("超过 {}", n(a)),
            (None, Some(b)) => format!("低于 {}", n(b)),
            (Some(a), Some(b)) => format!("在 {a} 与 {}之间", n(b)),
            (None, None) => String::new(),
        }
    }
}

fn round(value: f64, decimals: usize) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    (value * scale).round() / scale
}

/// The role's turns as a measure reads them, or what is missing: 没有客服说的话.
pub(super) fn turns_of<'e>(
    ev: &'e Evaluator<'_>,
    role: Option<Role>,
) -> Result<&'e [usize], String> {
    let turns = ev.turns_of(role);
    if turns.is_empty() {
        return Err(match role {
            Some(r) => format!("没有{}说的话", r.label_zh()),
            None => "没有一句话".to_string(),
        });
    }
    Ok(turns)
}

/// The reason a measure gives for a call without timestamps.
pub(in crate::rule::check) fn untimed(what: &str) -> String {
    format!("没有时间戳 ({what}要每句话的开始和结束时间)")
}

/// When a turn starts and ends, when both are known and in order.
pub(super) fn span(ev: &Evaluator<'_>, t: usize) -> Option<(u64, u64)> {
    let turn = ev.views[t].turn;
    turn.begin.zip(turn.end).filter(|(b, e)| e > b)
}

/// How far a recording may end before its last timestamp and still be taken at its word:
/// recognisers round both.
const LENGTH_TOLERANCE_MS: u64 = 1000;

/// When the last word ended, if any turn says.
pub(in crate::rule::check) fn speech_end(ev: &Evaluator<'_>) -> Option<u64> {
    ev.views
        .iter()
        .filter_map(|v| v.turn.end)
        .max()
        .filter(|&end| end > 0)
}

/// How long the call lasted: the recording's length when the format says, otherwise until the
/// last word; or what is wrong — no time at all, or a length that ends before the words do
/// (seconds written as milliseconds), which would make every share and the hang-up nonsense.
pub(in crate::rule::check) fn call_end(ev: &Evaluator<'_>) -> Result<u64, String> {
    let spoken = speech_end(ev);
    match (ev.call.duration_ms.filter(|&d| d > 0), spoken) {
        (Some(length), Some(words)) if length + LENGTH_TOLERANCE_MS < words => Err(format!(
            "录音时长 ({} 秒) 短于最后一句的结束时间 ({} 秒),时长或时间戳有误",
            crate::rule::seconds(length),
            crate::rule::seconds(words)
        )),
        (Some(length), words) => Ok(length.max(words.unwrap_or(0))),
        (None, Some(words)) => Ok(words),
        (None, None) => Err("没有时间戳,也没有录音时长".into()),
    }
}

/// The earliest start and the latest end of `readings`' stretches: turns are in the order the
/// input gave, which need not be the order of time.
pub(super) fn stretch(
    spans: impl Iterator<Item = (Option<u64>, Option<u64>)>,
) -> (Option<u64>, Option<u64>) {
    spans.fold((None, None), |(b, e), (sb, se)| {
        (
            match (b, sb) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            e.max(se),
        )
    })
}

/// Total time covered by the intervals of `turns`, overlaps counted once.
pub(super) fn covered(ev: &Evaluator<'_>, turns: &[usize]) -> u64 {
    let mut spans: Vec<(u64, u64)> = turns.iter().filter_map(|&t| span(ev, t)).collect();
    spans.sort_unstable();
    let mut total = 0;
    let mut reach = 0;
    for (begin, end) in spans {
        total += end.saturating_sub(begin.max(reach));
        reach = reach.max(end);
    }
    total
}

#[cfg(test)]
mod tests;
