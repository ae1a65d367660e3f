//! The bundled corpus graded by the built-in rules meets `corpus/expectations.toml`, and the
//! broken fixtures each cost exactly their own row.

use std::path::PathBuf;

use zhijian::grade::{grade_all, grade_sources, Graded};
use zhijian::input::{discover, InputError, ReadOptions};
use zhijian::rule::RuleSet;
use zhijian::selftest::{check_corpus, Expectations};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn grade_dir(set: &RuleSet, dir: PathBuf) -> Vec<Graded> {
    grade_all(set, &discover(&[dir]).sources, &ReadOptions::default())
}

#[test]
fn corpus_meets_its_expectations() {
    let set = RuleSet::embedded().unwrap();
    let graded = grade_dir(&set, repo().join("corpus"));
    assert!(graded.len() >= 40, "corpus has only {} calls", graded.len());
    for g in &graded {
        assert!(
            !g.is_error(),
            "{} ({}) could not be read: {:?}",
            g.call_id,
            g.source,
            g.outcome
        );
    }
    let text = std::fs::read_to_string(repo().join("corpus/expectations.toml")).unwrap();
    let expectations = Expectations::parse(&text).unwrap();
    let failures = check_corpus(&set, &graded, &expectations);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} corpus expectations failed:\n{}",
        failures.len(),
        report.join("\n")
    );
}

#[test]
fn every_rule_fires_on_some_corpus_call_and_not_on_others() {
    let set = RuleSet::embedded().unwrap();
    let graded = grade_dir(&set, repo().join("corpus"));
    for rule in &set.rules {
        let firing = graded
            .iter()
            .filter(|g| {
                g.outcome
                    .as_ref()
                    .is_ok_and(|o| o.card.hit_counts.iter().any(|(id, _)| *id == rule.id))
            })
            .count();
        assert!(firing >= 2, "{} fires on {firing} corpus calls", rule.id);
        assert!(
            firing < graded.len() * 4 / 5,
            "{} fires on {firing} of {} calls",
            rule.id,
            graded.len()
        );
    }
}

/// A call's id, score and hits per rule.
type Row = (String, u8, Vec<(String, usize)>);

/// Each call of `corpus/misheard/` and its recognition with sound-alike mistakes (`X_heard`)
/// grade the same, hit for hit; without sound-alike matching they would not.
#[test]
fn misheard_calls_grade_as_their_clean_versions() {
    let graded = |set: &RuleSet| -> Vec<Row> {
        grade_dir(set, repo().join("corpus/misheard"))
            .into_iter()
            .map(|g| {
                let o = g.outcome.unwrap();
                (g.call_id, o.card.score, o.card.hit_counts)
            })
            .collect()
    };
    let pairs = |rows: &[Row]| {
        rows.iter()
            .filter(|(id, ..)| !id.ends_with("_heard"))
            .map(|clean| {
                let heard = rows
                    .iter()
                    .find(|(id, ..)| *id == format!("{}_heard", clean.0))
                    .unwrap_or_else(|| panic!("{} has no _heard version", clean.0));
                (clean.clone(), heard.clone())
            })
            .collect::<Vec<_>>()
    };
    let set = RuleSet::embedded().unwrap();
    let rows = graded(&set);
    assert!(rows.len() >= 8, "{rows:?}");
    for (clean, heard) in pairs(&rows) {
        assert_eq!((clean.1, &clean.2), (heard.1, &heard.2), "{}", clean.0);
    }
    let mut deaf = RuleSet::embedded().unwrap();
    deaf.apply_scheme(&zhijian::rule::RuleSource {
        path: "deaf.toml".into(),
        text: "name = \"只按字面\"\nsound_alike = false\n".into(),
    })
    .unwrap();
    for (clean, heard) in pairs(&graded(&deaf)) {
        assert_ne!((clean.1, &clean.2), (heard.1, &heard.2), "{}", clean.0);
    }
}

/// A word the recogniser barely heard does not cost the agent by default: the hit is listed,
/// held for review, and the call flagged; a scheme can charge it in full or in part.
#[test]
fn a_deduction_in_words_the_recogniser_doubted_follows_the_scheme() {
    let grade = |scheme: Option<&str>| {
        let mut set = RuleSet::embedded().unwrap();
        if let Some(text) = scheme {
            set.apply_scheme(&zhijian::rule::RuleSource {
                path: "scheme.toml".into(),
                text: text.into(),
            })
            .unwrap();
        }
        let file = repo().join("corpus/asr/whisperx_low_confidence.json");
        let mut rows = grade_all(&set, &discover(&[file]).sources, &ReadOptions::default());
        let o = rows.remove(0).outcome.unwrap();
        let lng001: Vec<(i32, Option<f32>, bool)> = o
            .hits
            .iter()
            .enumerate()
            .filter(|(_, h)| set.rules[h.rule].id == "LNG001")
            .map(|(i, _)| {
                (
                    o.card.hit_points[i],
                    o.card.hit_confidence[i],
                    o.card.uncertain[i],
                )
            })
            .collect();
        (o.card.score, o.card.flag_reasons, lng001)
    };
    let (score, flags, lng001) = grade(None);
    assert_eq!(lng001, [(0, Some(0.27), true)]);
    assert_eq!((score, flags), (100, vec!["识别存疑".to_string()]));

    let deduct = "name = \"照扣\"\n[confidence]\naction = \"deduct\"\n";
    let (score, flags, lng001) = grade(Some(deduct));
    assert_eq!(lng001, [(-5, Some(0.27), true)]);
    assert_eq!((score, flags), (97, Vec::<String>::new()));

    let half = "name = \"减半\"\n[confidence]\naction = \"fraction\"\nfraction = 0.5\n";
    let (score, _, lng001) = grade(Some(half));
    assert_eq!(lng001, [(-2, Some(0.27), true)]);
    assert_eq!(score, 100 - 2 + 2);

    // A lower threshold trusts the word.
    let trusting = "name = \"信任\"\n[confidence]\nbelow = 0.2\n";
    let (score, flags, lng001) = grade(Some(trusting));
    assert_eq!(lng001, [(-5, Some(0.27), false)]);
    assert_eq!((score, flags), (97, Vec::<String>::new()));
}

#[test]
fn broken_inputs_cost_only_their_own_rows() {
    let set = RuleSet::embedded().unwrap();
    let graded = grade_dir(&set, repo().join("tests/fixtures/broken"));
    let summary: Vec<(String, Option<InputError>)> = graded
        .iter()
        .map(|g| {
            (
                g.source.rsplit('/').next().unwrap().to_string(),
                g.outcome.as_ref().err().cloned(),
            )
        })
        .collect();
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert_eq!(summary[0].0, "broken_batch.jsonl#1");
    assert_eq!(summary[0].1, None);
    assert_eq!(summary[1].0, "broken_batch.jsonl#2");
    assert!(
        matches!(summary[1].1, Some(InputError::Json(_))),
        "{:?}",
        summary[1]
    );
    assert_eq!(summary[2].0, "broken_batch.jsonl#3");
    assert_eq!(summary[2].1, None);
    assert_eq!(
        summary[3],
        ("empty.txt".to_string(), Some(InputError::Empty))
    );
    assert_eq!(
        summary[4],
        ("no_role_labels.txt".to_string(), Some(InputError::NoTurns))
    );
}

#[test]
fn streaming_in_small_chunks_gives_the_same_rows_in_the_same_order() {
    let set = RuleSet::embedded().unwrap();
    let dirs = [repo().join("corpus"), repo().join("tests/fixtures/broken")];
    let sources = discover(&dirs).sources;
    let all_at_once: Vec<String> = grade_all(&set, &sources, &ReadOptions::default())
        .iter()
        .map(|g| {
            format!(
                "{} {} {:?}",
                g.source,
                g.call_id,
                g.outcome.as_ref().map(|o| &o.card)
            )
        })
        .collect();
    for chunk in [1, 3, 1000] {
        let mut streamed = Vec::new();
        grade_sources(
            &set,
            &sources,
            &ReadOptions::default(),
            chunk,
            &(),
            &mut |rows| {
                assert!(
                    rows.len() <= chunk,
                    "a chunk of {} rows for chunk size {chunk}",
                    rows.len()
                );
                streamed.extend(rows.iter().map(|g| {
                    format!(
                        "{} {} {:?}",
                        g.source,
                        g.call_id,
                        g.outcome.as_ref().map(|o| &o.card)
                    )
                }));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(streamed, all_at_once, "chunk size {chunk}");
    }
}

/// What a supervisor sees for the whole corpus, score CSV and findings CSV, as snapshots: any
/// change to a rule, a lexicon, the scoring or the reports shows up here as a reviewed diff.
/// After an intended change: `INSTA_UPDATE=always cargo test --release --test it corpus::`, then
/// read the `.snap` diff.
#[test]
fn corpus_scores_and_findings_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let scores = dir.path().join("scores.csv");
    let findings = dir.path().join("findings.csv");
    let out = assert_cmd::Command::cargo_bin("zhijian")
        .unwrap()
        .current_dir(repo())
        .args(["grade", "corpus", "-q", "--threads", "2", "--out"])
        .arg(&scores)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scores = std::fs::read_to_string(&scores).unwrap();
    let findings = std::fs::read_to_string(&findings).unwrap();
    assert!(scores.lines().count() > 100);
    insta::assert_snapshot!("corpus_scores", scores);
    insta::assert_snapshot!("corpus_findings", findings);
}
