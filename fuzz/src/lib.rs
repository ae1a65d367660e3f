//! What every fuzz target checks: reading never panics, and a call that was read has turns,
//! begin ≤ end, and grades with hits that point inside it.

use std::sync::LazyLock;

use zhijian::grade::grade_call;
use zhijian::input::{read_bytes, ReadOptions, READERS};
use zhijian::rule::RuleSet;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::embedded().expect("built-in rules"));

/// Reads `data` with the reader named `reader` (or detects the format) and checks the calls.
pub fn check(data: &[u8], reader: Option<&str>) {
    let reader = reader.map(|name| {
        *READERS
            .iter()
            .find(|r| r.name() == name)
            .unwrap_or_else(|| panic!("no reader named {name}"))
    });
    let name = match reader.and_then(|r| r.extensions().first()) {
        Some(ext) => format!("fuzz.{ext}"),
        None => "fuzz".to_string(),
    };
    for item in read_bytes(data, &name, reader, &ReadOptions::default()) {
        let Ok(call) = item.call else { continue };
        assert!(!call.turns.is_empty());
        for t in &call.turns {
            if let (Some(b), Some(e)) = (t.begin, t.end) {
                assert!(b <= e);
            }
        }
        let outcome = grade_call(&RULES, call);
        for hit in &outcome.hits {
            let turn = &outcome.call.turns[hit.turn];
            if let Some(q) = hit.quote() {
                assert!(q.start <= q.end && q.end <= turn.text.chars().count());
            }
        }
    }
}
