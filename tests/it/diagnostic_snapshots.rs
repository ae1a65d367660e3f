//! Each kind of rule-file mistake, as a fixture under `tests/fixtures/diagnostics/<kind>/`,
//! rendered the way `zhijian test` and `zhijian grade` show it (snapshots in
//! `tests/it/snapshots/`). Directories named `warn-*` hold rules that work but deserve a warning.
//!
//! After changing a message on purpose: `INSTA_UPDATE=always cargo test --test it
//! diagnostic_snapshots::`, then review the diff of the `.snap` files.

use std::path::{Path, PathBuf};

use zhijian::rule::{read_dir, render_problems, RuleSet, RuleSource};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diagnostics")
}

/// Compiles a fixture directory with the real `scoring.toml` and renders what is wrong.
fn render(dir: &Path) -> (bool, String) {
    let mut sources = read_dir(dir).unwrap_or_else(|e| panic!("{e}"));
    sources.push(RuleSource {
        path: "scoring.toml".into(),
        text: include_str!("../../rules/scoring.toml").into(),
    });
    match RuleSet::compile(&sources) {
        Ok(set) => {
            let mut warnings = set.warnings.clone();
            warnings.extend(set.lint_words());
            (true, render_problems(&warnings, false))
        }
        Err(errors) => (false, errors.render(false)),
    }
}

#[test]
fn every_mistake_renders_with_its_file_line_and_explanation() {
    let mut kinds: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    kinds.sort();
    assert!(kinds.len() >= 30, "only {} fixtures", kinds.len());
    for dir in kinds {
        let kind = dir.file_name().unwrap().to_string_lossy().to_string();
        let (compiles, rendered) = render(&dir);
        let warning = kind.starts_with("warn-");
        assert_eq!(
            compiles, warning,
            "{kind}: a warn-* fixture must compile and any other must not\n{rendered}"
        );
        assert!(!rendered.trim().is_empty(), "{kind}: nothing reported");
        assert_same_position_twice(&kind, &rendered);
        insta::assert_snapshot!(kind, rendered);
    }
}

/// The `path:line:col:` before a message and the `[path:line:col]` over its source excerpt
/// name the same place, in characters (what an editor's status bar shows), for 的 as for a.
fn assert_same_position_twice(kind: &str, rendered: &str) {
    let title = |line: &str| {
        let rest = line.trim_start().strip_prefix(['×', '⚠'])?;
        rest.trim_start().split(": ").next().map(str::to_string)
    };
    let lines: Vec<&str> = rendered.lines().collect();
    let mut pairs = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = title(line) else { continue };
        // The excerpt's header follows the message, which may wrap, and comes before the next
        // message (a problem without a place has no excerpt).
        let header = lines[i + 1..]
            .iter()
            .take_while(|l| title(l).is_none())
            .find_map(|l| l.split_once("╭─[").map(|(_, h)| h.trim_end_matches(']')));
        if let Some(header) = header {
            assert_eq!(header, at, "{kind}\n{rendered}");
            pairs += 1;
        }
    }
    assert!(
        pairs == rendered.matches("╭─[").count(),
        "{kind}: an excerpt without a message\n{rendered}"
    );
}
