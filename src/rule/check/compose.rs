//! Compositions: `[[match.all]]`, `[[match.any]]` and `[[match.not]]` sub-conditions, judged
//! on the whole call, like Alibaba SCA's `1&&2||!3`.
//!
//! Spec: sub-tables of the same shape as `[match]`, nested at will; the table's own terms count
//! as one more `all`. Eval: every `all` holds, at least one `any` (when there are any), no
//! `not`; the evidence is all of theirs, overlapping quotes merged.

use std::ops::Range;

use toml::Spanned;

use super::Check;
use crate::rule::compile::FileContext;
use crate::rule::eval::{order_key, Evaluator, Evidence, Hit};
use crate::rule::schema::{MatchSpec, Mode};
use crate::rule::terms::Builder;

/// Holds when every check of `all`, at least one of `any` (unless empty) and none of `not`
/// hold. Compilation makes sure `all` or `any` is not empty, so a composition that holds
/// always has evidence.
#[derive(Debug)]
pub(crate) struct Compose {
    pub all: Vec<Check>,
    pub any: Vec<Check>,
    pub not: Vec<Check>,
    /// Each of `not`'s `name`, in the same order.
    pub not_names: Vec<Option<String>>,
}

impl Compose {
    /// Compiles a table with `all`/`any`/`not`; `leaf` says whether it has terms of its own.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        span: Range<usize>,
        leaf: bool,
        b: &mut Builder,
    ) -> Option<Compose> {
        if !leaf
            && (m.role.is_some()
                || m.first.is_some()
                || m.after_reply.is_some()
                || m.last.is_some()
                || super::window_key(m).is_some()
                || m.mode != Mode::Present)
        {
            cx.error(
                Some(span.clone()),
                "role、first、last、first_s、last_s、window_pct、after_reply 和 mode 只作用于本表的 phrases/words/regex,而这里没有",
            )
            .help = Some("组合条件的角色和范围请写在各个子条件 ([[match.all]] 等) 里".into());
        }
        let own = if leaf {
            Some(Check::leaf(cx, m, span.clone(), b)?)
        } else {
            None
        };
        let mut sub = |list: &[Spanned<MatchSpec>], exceptions: bool| {
            let mut checks = Vec::new();
            let mut names = Vec::new();
            for c in list {
                let spec = c.get_ref();
                if !exceptions {
                    unnamed(cx, spec);
                }
                if let Some(check) = Check::compile(cx, spec, c.span(), b) {
                    checks.push(check);
                    names.push(spec.name.as_ref().map(|n| n.get_ref().trim().to_string()));
                }
            }
            (checks, names)
        };
        let all: Vec<Check> = own.into_iter().chain(sub(&m.all, false).0).collect();
        let any = sub(&m.any, false).0;
        let (not, not_names) = sub(&m.not, true);
        if all.is_empty() && any.is_empty() && cx.errors.is_empty() {
            cx.error(Some(span), "组合条件只有 not,没有可作为证据的 all 或 any")
                .help = Some(
                "只检查\"没有说\"时,请在子条件里用 mode = \"absent\",它会把应说未说的那句作为证据"
                    .into(),
            );
            return None;
        }
        Some(Compose {
            all,
            any,
            not,
            not_names,
        })
    }

    /// The evidence of every sub-condition when the composition holds; empty otherwise.
    pub(super) fn eval(&self, ev: &Evaluator<'_>, rule: usize, results: &[Vec<Hit>]) -> Vec<Hit> {
        let Compose { all, any, not, .. } = self;
        let mut hits = Vec::new();
        for c in all {
            let found = c.eval(ev, rule, results);
            if found.is_empty() {
                return found;
            }
            hits.extend(found);
        }
        if !any.is_empty() {
            let before = hits.len();
            for c in any {
                hits.extend(c.eval(ev, rule, results));
            }
            if hits.len() == before {
                return Vec::new();
            }
        }
        // A `not` the call cannot judge (no timestamps for its measure) holds no more than it
        // fails: the composition is N/A.
        if not
            .iter()
            .any(|c| c.unknowable(ev) || !c.eval(ev, rule, results).is_empty())
        {
            return Vec::new();
        }
        hits.sort_by(|a, b| (a.turn, order_key(a)).cmp(&(b.turn, order_key(b))));
        hits = merge_overlaps(ev, hits);
        hits
    }
}

impl Compose {
    /// Why the composition does not hold, when that can be said in a line: the first
    /// sub-condition that failed (looked into when it is a composition itself), or the
    /// exception that held. `None` when it holds, or failed in a way with nothing to show.
    pub(super) fn why_not(
        &self,
        ev: &Evaluator<'_>,
        rule: usize,
        results: &[Vec<Hit>],
    ) -> Option<Unmet> {
        let Compose {
            all,
            any,
            not,
            not_names,
        } = self;
        if let Some(failed) = all.iter().find(|c| c.eval(ev, rule, results).is_empty()) {
            return failed.why_not(ev, rule, results);
        }
        if !any.is_empty() && any.iter().all(|c| c.eval(ev, rule, results).is_empty()) {
            // Each branch failed; the most telling reason first (an exception, words said).
            return any
                .iter()
                .filter_map(|c| c.why_not(ev, rule, results))
                .min_by_key(|r| match r {
                    Unmet::Exception { .. } => 0,
                    Unmet::Said(_) => 1,
                    Unmet::NotSaid | Unmet::Quiet(_) => 2,
                });
        }
        not.iter()
            .zip(not_names)
            .map(|(c, name)| (c.eval(ev, rule, results), name))
            .find(|(found, _)| !found.is_empty())
            .map(|(found, name)| Unmet::Exception {
                name: name.clone(),
                found,
            })
    }
}

/// A `name` outside `[[match.not]]` would never be shown: an error, not a silent no-op.
pub(crate) fn unnamed(cx: &mut FileContext<'_>, spec: &MatchSpec) {
    if let Some(name) = &spec.name {
        cx.error(
            Some(name.span()),
            "name 只写在 [[match.not]] 里:它是这条例外的名字,zhijian explain 说明规则为什么没命中时用",
        );
    }
}

/// Why a condition did not hold, as `zhijian explain` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmet {
    /// One of the rule's own exceptions (`[[match.not]]`) held: its `name`, if it has one, and
    /// its evidence.
    Exception {
        name: Option<String>,
        found: Vec<Hit>,
    },
    /// A condition that requires words (`mode = "absent"`) found them: where.
    Said(Vec<Hit>),
    /// A condition that looks for words found none.
    NotSaid,
    /// A rule it refers to did not fire: that rule's index.
    Quiet(usize),
}

/// Sub-conditions may find the same or overlapping words (投诉 and 我要投诉你们); in the
/// evidence they are one quote. Timing observations (an empty span) stay as they are.
fn merge_overlaps(ev: &Evaluator<'_>, sorted: Vec<Hit>) -> Vec<Hit> {
    let mut merged: Vec<Hit> = Vec::with_capacity(sorted.len());
    for h in sorted {
        if let Some(last) = merged.last_mut() {
            if *last == h {
                continue;
            }
            if let (Evidence::Said(a), Evidence::Said(b)) = (&mut last.evidence, &h.evidence) {
                if last.turn == h.turn && b.start < a.end {
                    if b.end > a.end {
                        let text = &ev.views[h.turn].turn.text;
                        a.end = b.end;
                        a.text = text.chars().skip(a.start).take(a.end - a.start).collect();
                    }
                    // One quote, the closer of the examples the two resemble.
                    if b.similar
                        .as_ref()
                        .is_some_and(|s| a.similar.as_ref().is_none_or(|r| r.score < s.score))
                    {
                        a.similar = b.similar.clone();
                    }
                    continue;
                }
            }
        }
        merged.push(h);
    }
    merged
}
