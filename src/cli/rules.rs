//! `zhijian rules`: the rule set → a table of its rules, or one rule's documentation.
//!
//! In: `zhijian rules [ID] [--rules DIR]` (the built-in rules by default, as `grade` uses).
//! Out: on stdout, a table (id, 标题, dimension, points, flags, example counts), or for one
//! rule its title, message, rationale, `[match]` table and examples — all read from the rule
//! file, so the documentation cannot drift from the rule.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use unicode_width::UnicodeWidthStr;

use super::{load_rules, write_error, write_stdout, CliError, Status};
use zhijian::rule::entity::ENTITIES;
use zhijian::rule::{embedded_sources, read_dir, Expect, Group, Rule, RuleSet, RuleSource};

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// 要查看说明的规则编号,如 OPN001;不写则列出全部规则
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// 规则目录 (默认使用内置规则) / rule directory (default: the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// 质检方案文件:显示方案生效后的规则 (关掉的、改了分值的) / show the rules as a scheme file leaves them
    #[arg(long, value_name = "FILE")]
    pub scheme: Option<PathBuf>,
    /// 列出词库和内置实体,以及用到它们的规则 / list the lexicons and entities
    #[arg(long, conflicts_with_all = ["id", "export"])]
    pub lexicons: bool,
    /// 列出每句话要查找的全部字面字符串 (短语展开、词库词条、正则锚点,已折叠),每行一个,可交给 rg -F -f
    /// / every literal the rule set scans each turn for, folded, one per line, sorted
    #[arg(long, conflicts_with_all = ["id", "export", "lexicons"])]
    pub literals: bool,
    /// 把规则集 (规则、词库、评分标准、词典) 写成可编辑的文件,作为团队自己规则集的起点;
    /// 目录必须不存在或为空 / write the rule set out as editable files
    #[arg(long, value_name = "DIR", conflicts_with = "id")]
    pub export: Option<PathBuf>,
}

pub(super) fn run(args: &RulesArgs) -> Result<Status, CliError> {
    let set = load_rules(args.rules.as_deref(), args.scheme.as_deref())?;
    if let Some(dir) = &args.export {
        let sources = match &args.rules {
            Some(from) => read_dir(from).map_err(CliError::Rules)?,
            None => embedded_sources(),
        };
        let written = export(&sources, dir)?;
        println!(
            "已写出 {written} 个文件到 {}。修改后用 zhijian test --rules {0} 检验,zhijian grade --rules {0} 使用。",
            dir.display()
        );
        return Ok(Status::Success);
    }
    let text = match &args.id {
        None if args.lexicons => lexicons(&set),
        None if args.literals => literals(&set),
        None => table(&set),
        Some(id) => {
            let rule = set
                .rules
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(id.trim()))
                .ok_or_else(|| {
                    let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
                    CliError::Usage(format!(
                        "没有编号为 {id} 的规则。现有规则: {}",
                        ids.join(", ")
                    ))
                })?;
            document(&set, rule)
        }
    };
    write_stdout(&text)?;
    Ok(Status::Success)
}

/// Scoring flags of a rule in a few words: 一票否决, 复核, 每通最多 N 次.
fn flags(rule: &Rule) -> String {
    let mut flags = Vec::new();
    if rule.fatal {
        flags.push("一票否决".to_string());
    }
    if rule.review {
        flags.push("复核".to_string());
    }
    if let Some(n) = rule.max_hits {
        flags.push(format!("每通最多 {n} 次"));
    }
    flags.join("、")
}

/// The channels a rule applies to, in Chinese: 全部, or 电话/在线; 已关闭 when a scheme
/// switched it off.
fn channels(rule: &Rule) -> String {
    if !rule.enabled {
        "已关闭 (方案)".into()
    } else {
        rule.channels_zh()
    }
}

/// Signed points (-5, +2), and a plain 0 for rules that only flag.
fn points(p: i32) -> String {
    if p == 0 {
        "0".into()
    } else {
        format!("{p:+}")
    }
}

fn example_counts(rule: &Rule) -> (usize, usize) {
    let hits = rule
        .examples
        .iter()
        .filter(|e| e.expect == Expect::Hit)
        .count();
    (hits, rule.examples.len() - hits)
}

fn group_name(group: Group) -> &'static str {
    match group {
        Group::Attitude => "个人特性",
        Group::Procedure => "程序特性",
    }
}

/// One line per rule, columns aligned by display width (a Chinese character takes two).
fn table(set: &RuleSet) -> String {
    let header = [
        "编号",
        "标题",
        "维度",
        "分值",
        "标记",
        "渠道",
        "示例 (命中/不命中)",
    ];
    let rows: Vec<[String; 7]> = set
        .rules
        .iter()
        .map(|r| {
            let (hits, passes) = example_counts(r);
            [
                r.id.clone(),
                r.title.clone(),
                zhijian::score::dimension_zh(&r.dimension).to_string(),
                points(r.points),
                flags(r),
                channels(r),
                format!("{hits}/{passes}"),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    let examples: usize = set.rules.iter().map(|r| r.examples.len()).sum();
    let _ = writeln!(
        out,
        "\n共 {} 条规则,{examples} 个示例。查看一条规则的说明: zhijian rules <编号>",
        set.rules.len()
    );
    let adjusted: Vec<(&Rule, &str)> = set
        .rules
        .iter()
        .filter_map(|r| Some((r, r.adjusted.as_deref()?)))
        .collect();
    if !adjusted.is_empty() {
        let _ = writeln!(out, "\n质检方案改动的规则 (上表已是改动后的值):");
        for (r, note) in adjusted {
            let _ = writeln!(out, "  {} {}  {note}", r.id, r.title);
        }
    }
    out
}

/// A rule's documentation, from its file.
fn document(set: &RuleSet, rule: &Rule) -> String {
    let mut out = String::new();
    let _ = write!(out, "{} {}", rule.id, rule.title);
    if let Some(en) = &rule.title_en {
        let _ = write!(out, " / {en}");
    }
    out.push('\n');
    let _ = writeln!(out, "文件: {}", rule.path);
    let mut facts = vec![
        format!(
            "维度: {} ({}, {})",
            zhijian::score::dimension_zh(&rule.dimension),
            rule.dimension,
            group_name(rule.group)
        ),
        format!("分值: {}", points(rule.points)),
    ];
    let flags = flags(rule);
    if !flags.is_empty() {
        facts.push(flags);
    }
    facts.push(format!("适用渠道: {}", channels(rule)));
    let _ = writeln!(out, "{}", facts.join(" · "));
    if let Some(note) = &rule.adjusted {
        let _ = writeln!(out, "质检方案: {note} (以上是改动后的值)");
    }
    let _ = writeln!(out, "\n说明: {}", rule.message.trim());
    if let Some(rationale) = &rule.rationale {
        let _ = writeln!(out, "\n依据:\n{}", indent(rationale.trim(), "  "));
    }
    let _ = writeln!(out, "\n匹配条件:\n{}", indent(&rule.match_toml, "  "));
    if !rule.lexicons.is_empty() {
        let named: Vec<String> = rule
            .lexicons
            .iter()
            .map(|name| match set.lexicons.iter().find(|l| &l.name == name) {
                Some(l) => format!("{{{name}}} ({})", l.path),
                None => format!("{{{name}}}"),
            })
            .collect();
        let _ = writeln!(out, "\n用到的词库: {}", named.join("、"));
    }
    let used_by: Vec<&str> = set
        .rules
        .iter()
        .filter(|r| r.uses.contains(&rule.id))
        .map(|r| r.id.as_str())
        .collect();
    if !used_by.is_empty() {
        let _ = writeln!(out, "\n被以下规则引用: {}", used_by.join(", "));
    }
    let (hits, passes) = example_counts(rule);
    let _ = writeln!(out, "\n示例 ({hits} 个应命中,{passes} 个不应命中):");
    for (i, ex) in rule.examples.iter().enumerate() {
        let expect = match ex.expect {
            Expect::Hit => "应命中",
            Expect::Pass => "不应命中",
        };
        let note = ex
            .note
            .as_ref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n  {}. {expect}{note}", i + 1);
        let _ = writeln!(out, "{}", indent(ex.text.trim(), "     "));
    }
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every lexicon with its terms and the rules that use it, then the built-in entities.
/// One literal a line, sorted, so two rule sets' lists compare with `diff`. A literal cannot
/// hold a line break: turns are scanned one at a time, and the folded view keeps none.
fn literals(set: &RuleSet) -> String {
    let mut all: Vec<&str> = set
        .literals()
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .collect();
    all.sort_unstable();
    all.dedup();
    let mut out = String::new();
    for l in all {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn lexicons(set: &RuleSet) -> String {
    let mut out = String::new();
    if set.lexicons.is_empty() {
        out.push_str("这套规则没有词库 (词库放在规则目录的 lexicons/ 下)。\n");
    }
    for l in &set.lexicons {
        let users = set.lexicon_users(&l.name);
        let used = if users.is_empty() {
            "没有规则用到".to_string()
        } else {
            format!("用于 {}", users.join(", "))
        };
        let _ = writeln!(
            out,
            "{{{}}}  {} 个词 · {} · {used}",
            l.name,
            l.terms.len(),
            l.path
        );
        let _ = writeln!(out, "  {}", l.description.trim());
        if !l.include.is_empty() {
            let included: Vec<String> = l.include.iter().map(|i| format!("{{{i}}}")).collect();
            let _ = writeln!(out, "  包含: {}", included.join("、"));
        }
        if !l.terms.is_empty() {
            let _ = writeln!(out, "  {}", l.terms.join("、"));
        }
        out.push('\n');
    }
    out.push_str("内置实体:\n");
    for e in ENTITIES {
        let written = format!("{{{}}}", e.name);
        // Named in the rule's own phrases (not in a comment), or in a lexicon it reaches.
        let in_lexicon = |name: &str| {
            set.lexicons
                .iter()
                .any(|l| l.name == name && l.terms.iter().any(|t| t.contains(&written)))
        };
        let users: Vec<&str> = set
            .rules
            .iter()
            .filter(|r| {
                r.match_toml
                    .lines()
                    .any(|l| !l.trim_start().starts_with('#') && l.contains(&written))
                    || r.lexicons.iter().any(|l| {
                        in_lexicon(l) || set.lexicon_reach(l).iter().any(|x| in_lexicon(x))
                    })
            })
            .map(|r| r.id.as_str())
            .collect();
        let used = if users.is_empty() {
            String::new()
        } else {
            format!(" · 用于 {}", users.join(", "))
        };
        let _ = writeln!(out, "{{{}}}  {}{used}", e.name, e.description);
    }
    let _ = writeln!(
        out,
        "\n规则里写 {{名字}} 使用词库或实体,写法见 docs/rules.md 的“短语写法”一节。"
    );
    out
}

/// Writes `sources` below `dir`, which must not exist or be empty: an export never replaces
/// a file a team may have edited.
fn export(sources: &[RuleSource], dir: &std::path::Path) -> Result<usize, CliError> {
    use std::fs;
    let usage = |message: String| CliError::Usage(message);
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(usage(format!(
                    "{} 不是空目录;为了不覆盖已有的规则,请指定一个新目录",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(write_error(Some(dir), e)),
    }
    for src in sources {
        let path = src
            .path
            .split('/')
            .fold(dir.to_path_buf(), |p, part| p.join(part));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| write_error(Some(parent), e))?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| write_error(Some(&path), e))?;
        file.write_all(src.text.as_bytes())
            .map_err(|e| write_error(Some(&path), e))?;
    }
    Ok(sources.len())
}
