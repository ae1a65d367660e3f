//! Helpers shared by the tests that run the `zhijian` binary.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use zhijian::rule::RuleSource;

/// The day every test run is graded on (2026-12-06 12:00 UTC, the same day in every time zone
/// from −11 to +11), so that the JSONL's `date` of an undated call is the same tomorrow.
pub const GRADING_DAY_EPOCH: &str = "1796558400";

pub fn zhijian() -> Command {
    let mut cmd = Command::cargo_bin("zhijian").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", GRADING_DAY_EPOCH);
    cmd
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

/// Copies a directory of the repository (`rules`, `corpus`) into a temp dir, so a test can
/// break one file.
pub fn copy_of(dir: &str) -> tempfile::TempDir {
    let to_dir = tempfile::tempdir().unwrap();
    let from = repo().join(dir);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = to_dir
            .path()
            .join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
    to_dir
}

/// Copies the repository's rules into a temp dir.
pub fn rules_copy() -> tempfile::TempDir {
    copy_of("rules")
}

/// Rewrites one file in place.
pub fn edit(path: &Path, f: impl FnOnce(&str) -> String) {
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, f(&text)).unwrap();
}

pub fn stdout_of(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

/// Rule files to compile next to the repository's `scoring.toml`.
pub fn with_scoring(files: &[(&str, &str)]) -> Vec<RuleSource> {
    let mut sources = vec![RuleSource {
        path: "scoring.toml".into(),
        text: include_str!("../../rules/scoring.toml").into(),
    }];
    sources.extend(files.iter().map(|(path, text)| RuleSource {
        path: path.to_string(),
        text: text.to_string(),
    }));
    sources
}
