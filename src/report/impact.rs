//! Impact reports: an [`Impact`] → what a rule author reads before merging an edit.
//!
//! In: the impact of an edit on a batch (`crate::impact`). Out: plain text for the terminal,
//! Markdown for a pull-request comment (`--format github`), or a CSV with one row per call
//! that changes. Every view lists the same calls in batch order; the text views show at most
//! `examples` pieces of evidence per rule and direction, the CSV all of them.

use std::fmt::Write as _;

use crate::impact::{Change, Found, Impact};

/// The longest quote a line shows, in characters.
const QUOTE_CHARS: usize = 40;

/// The impact for a terminal.
pub fn text(impact: &Impact, examples: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "规则改动的影响 / what the edit changes");
    let _ = writeln!(s, "{}", headline(impact));
    for (id, changes) in &impact.settings {
        let _ = writeln!(s, "  规则设置 {id}: {}", changes.join(","));
    }
    for ((from, to), n) in &impact.tier_moves {
        let _ = writeln!(s, "  档位 {from} → {to}: {n} 通");
    }
    if impact.changed.is_empty() {
        let _ = writeln!(s, "\n这次改动不改变任何一通电话的得分和证据。");
        return s;
    }
    let _ = writeln!(s, "\n规则命中 (改前 → 改后):");
    if impact.rules_changed().next().is_none() {
        let _ = writeln!(s, "  各规则的命中都没有变化,变的是分值或评分设置。");
    }
    for (id, c) in impact.rules_changed() {
        let _ = writeln!(
            s,
            "  {id} {}{}  命中 {} → {} 处 ({:+}),涉及 {} → {} 通",
            c.title,
            lifecycle(c.in_base, c.in_edited),
            c.hits_before,
            c.hits_after,
            c.hits_after as i64 - c.hits_before as i64,
            c.calls_before,
            c.calls_after
        );
    }
    for (label, pick) in [("新增的命中", Pick::Added), ("不再命中", Pick::Removed)] {
        let shown = evidence(impact, pick, examples);
        if shown.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{label} (每条规则最多 {examples} 处):");
        for (change, f) in shown {
            let _ = writeln!(
                s,
                "  {} {} 第 {} 轮 “{}”",
                f.rule,
                change.call_id,
                f.turn + 1,
                quote(&f.text)
            );
        }
    }
    let _ = writeln!(s, "\n改变的通话 ({} 通):", impact.changed.len());
    for c in &impact.changed {
        let _ = writeln!(s, "  {}", call_line(c));
    }
    s
}

/// The impact as a Markdown comment for a pull request.
pub fn markdown(impact: &Impact, examples: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### 规则改动的影响 / what the edit changes\n");
    let _ = writeln!(s, "{}\n", headline(impact));
    for (id, changes) in &impact.settings {
        let _ = writeln!(s, "- 规则设置 {id}: {}", changes.join(","));
    }
    if !impact.settings.is_empty() {
        s.push('\n');
    }
    if !impact.tier_moves.is_empty() {
        let _ = writeln!(s, "| 档位变化 | 通话 |\n|---|---:|");
        for ((from, to), n) in &impact.tier_moves {
            let _ = writeln!(s, "| {from} → {to} | {n} |");
        }
        s.push('\n');
    }
    if impact.changed.is_empty() {
        let _ = writeln!(s, "这次改动不改变任何一通电话的得分和证据。");
        return s;
    }
    if impact.rules_changed().next().is_none() {
        let _ = writeln!(s, "各规则的命中都没有变化,变的是分值或评分设置。");
    } else {
        let _ = writeln!(
            s,
            "| 规则 | 命中 (改前 → 改后) | 通话 (改前 → 改后) |\n|---|---:|---:|"
        );
    }
    for (id, c) in impact.rules_changed() {
        let _ = writeln!(
            s,
            "| {id} {}{} | {} → {} ({:+}) | {} → {} |",
            cell(&c.title),
            lifecycle(c.in_base, c.in_edited),
            c.hits_before,
            c.hits_after,
            c.hits_after as i64 - c.hits_before as i64,
            c.calls_before,
            c.calls_after
        );
    }
    for (label, pick) in [("新增的命中", Pick::Added), ("不再命中", Pick::Removed)] {
        let shown = evidence(impact, pick, examples);
        if shown.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "\n<details><summary>{label} (每条规则最多 {examples} 处)</summary>\n\n| 规则 | 通话 | 轮 | 原话 |\n|---|---|---:|---|"
        );
        for (change, f) in shown {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                f.rule,
                cell(&change.call_id),
                f.turn + 1,
                cell(&quote(&f.text))
            );
        }
        let _ = writeln!(s, "\n</details>");
    }
    let _ = writeln!(
        s,
        "\n<details><summary>改变的通话 ({} 通)</summary>\n\n| 通话 | 得分 | 档位 | 复核 | 多了证据 | 少了证据 |\n|---|---:|---|---|---|---|",
        impact.changed.len()
    );
    for c in &impact.changed {
        let _ = writeln!(
            s,
            "| {} | {} → {} | {} | {} | {} | {} |",
            cell(&c.call_id),
            c.before.score,
            c.after.score,
            arrow(&c.before.tier, &c.after.tier),
            arrow(flag(c.before.flagged), flag(c.after.flagged)),
            rules_of(&c.added),
            rules_of(&c.removed)
        );
    }
    let _ = writeln!(s, "\n</details>");
    s
}

/// One row per call that changes, every piece of evidence in full.
pub fn csv(impact: &Impact) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record([
        "call_id",
        "source",
        "score_before",
        "score_after",
        "tier_before",
        "tier_after",
        "flagged_before",
        "flagged_after",
        "added",
        "removed",
    ]);
    let list = |found: &[Found]| {
        found
            .iter()
            .map(|f| format!("{}@{}:{}", f.rule, f.turn, f.text))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for c in &impact.changed {
        let _ = w.write_record([
            super::neutralise(&c.call_id).as_ref(),
            super::neutralise(&c.source).as_ref(),
            &c.before.score.to_string(),
            &c.after.score.to_string(),
            &c.before.tier,
            &c.after.tier,
            &c.before.flagged.to_string(),
            &c.after.flagged.to_string(),
            super::neutralise(&list(&c.added)).as_ref(),
            super::neutralise(&list(&c.removed)).as_ref(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[derive(Clone, Copy)]
enum Pick {
    Added,
    Removed,
}

/// The evidence of one direction, at most `examples` per rule, in batch order.
fn evidence(impact: &Impact, pick: Pick, examples: usize) -> Vec<(&Change, &Found)> {
    let mut per_rule: std::collections::BTreeMap<&str, Vec<(&Change, &Found)>> =
        std::collections::BTreeMap::new();
    for c in &impact.changed {
        let list = match pick {
            Pick::Added => &c.added,
            Pick::Removed => &c.removed,
        };
        for f in list {
            let shown = per_rule.entry(&f.rule).or_default();
            if shown.len() < examples {
                shown.push((c, f));
            }
        }
    }
    per_rule.into_values().flatten().collect()
}

fn headline(impact: &Impact) -> String {
    let unreadable = if impact.unreadable > 0 {
        format!(" (另有 {} 个输入无法读取)", impact.unreadable)
    } else {
        String::new()
    };
    format!(
        "改前规则 {} → 改后规则 {} · {} 通电话{unreadable} · 有变化 {} 通:得分变化 {} 通,档位变化 {} 通,复核标记变化 {} 通",
        impact.base_version,
        impact.edited_version,
        impact.calls,
        impact.changed.len(),
        impact.rescored(),
        impact.retiered(),
        impact.reflagged()
    )
}

fn call_line(c: &Change) -> String {
    let mut line = format!(
        "{}  {} → {}  {}",
        c.call_id,
        c.before.score,
        c.after.score,
        arrow(&c.before.tier, &c.after.tier)
    );
    if c.before.flagged != c.after.flagged {
        let _ = write!(
            line,
            "  复核 {}",
            arrow(flag(c.before.flagged), flag(c.after.flagged))
        );
    }
    if !c.added.is_empty() {
        let _ = write!(line, "  多了证据 {}", rules_of(&c.added));
    }
    if !c.removed.is_empty() {
        let _ = write!(line, "  少了证据 {}", rules_of(&c.removed));
    }
    line
}

/// `良好 → 达标`, or the one value when it does not change.
fn arrow(before: &str, after: &str) -> String {
    if before == after {
        before.to_string()
    } else {
        format!("{before} → {after}")
    }
}

fn flag(flagged: bool) -> &'static str {
    if flagged {
        "待复核"
    } else {
        "不复核"
    }
}

/// The rules of some evidence, each once, with how many pieces (`OPN001×2`).
fn rules_of(found: &[Found]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for f in found {
        match counts.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((&f.rule, 1)),
        }
    }
    counts
        .iter()
        .map(|(r, n)| {
            if *n > 1 {
                format!("{r}×{n}")
            } else {
                r.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn lifecycle(in_base: bool, in_edited: bool) -> &'static str {
    match (in_base, in_edited) {
        (false, true) => " (新增规则)",
        (true, false) => " (已删除)",
        _ => "",
    }
}

fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Text for a Markdown table cell: no line breaks, no column separators.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
