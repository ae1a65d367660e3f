//! Rule references: `rule = "EMP001"` holds when that rule fired on the call, and its evidence
//! is that rule's. Rules are evaluated in an order where every referenced rule comes first
//! (`compile::link` rejects cycles), like SCA's conditions built from other conditions.

use toml::Spanned;

use super::RuleRef;
use crate::rule::compile::FileContext;
use crate::rule::eval::Hit;
use crate::rule::schema::{MatchSpec, Mode};

/// Compiles `rule = "…"`, which must stand alone in its table (`other` says the table also has
/// terms, timing or sub-conditions).
pub(super) fn compile(
    cx: &mut FileContext<'_>,
    m: &MatchSpec,
    rule: &Spanned<String>,
    other: bool,
) -> Option<RuleRef> {
    let scoped = m.role.is_some()
        || m.first.is_some()
        || m.last.is_some()
        || m.after_reply.is_some()
        || super::window_key(m).is_some();
    if other || scoped || m.mode != Mode::Present {
        cx.error(
            Some(rule.span()),
            "rule 引用不能与短语、角色、范围或 all/any/not 写在同一张表里",
        )
        .help = Some("把引用单独写成一个子条件,如 [[match.all]] rule = \"EMP001\"".into());
        return None;
    }
    Some(cx.rule_ref(rule))
}

/// The referenced rule's hits, as evidence of rule `rule`.
pub(super) fn eval(r: &RuleRef, rule: usize, results: &[Vec<Hit>], hits: &mut Vec<Hit>) {
    hits.extend(results[r.index].iter().map(|h| Hit { rule, ..h.clone() }));
}
