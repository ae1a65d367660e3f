//! Each kind of rule-file mistake, as a fixture under `tests/fixtures/diagnostics/<kind>/`,
//! rendered the way `zhijian test` and `zhijian grade` show it (snapshots in
//! `tests/snapshots/`). Directories named `warn-*` hold rules that work but deserve a warning.
//!
//! After changing a message on purpose: `INSTA_UPDATE=always cargo test --test
//! diagnostic_snapshots`, then review the diff of the `.snap` files.

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
        text: include_str!("../rules/scoring.toml").into(),
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
        insta::assert_snapshot!(kind, rendered);
    }
}
