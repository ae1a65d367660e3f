//! zhijian as one stage of a pipeline: `zhijian grade - --format jsonl` under Spark's
//! `RDD.pipe`, Hadoop Streaming or `xargs -P` over shards (docs/spark.md).
//!
//! What such a stage owes the job around it, each checked here on the command as users run it:
//! rows while the producer is still writing (a chunk at a time, each passed on at once), one row
//! per call in input order with a bad line as an error row, nothing on stdout but rows, an empty
//! partition as no rows and exit 0, and the same bytes whatever `--threads`. The last test runs a
//! real Spark (PySpark in local mode, `tests/spark/grade_rdd.py`) over the corpus and compares it
//! row by row with one machine; it needs pyspark and Java 17, so it is `#[ignore]`d and CI runs
//! it with `cargo test --release -- --include-ignored`, where a missing tool fails the test.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The calls `zhijian grade` grades between two writes of its reports (`CHUNK` in
/// src/cli/grade.rs): a reader must have every row of a chunk while the next is unread.
const CHUNK: usize = 2048;

/// A grading day, so that calls without a date in their metadata are dated the same by every
/// run being compared.
const EPOCH: &str = "1796400000";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn zhijian() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhijian"));
    cmd.env("SOURCE_DATE_EPOCH", EPOCH);
    cmd
}

/// `n` calls as JSONL lines, the corpus's own JSONL calls over and over, each with its own id.
fn calls(n: usize) -> Vec<String> {
    let corpus =
        std::fs::read_to_string(repo().join("corpus/jsonl/ecommerce_batch.jsonl")).unwrap();
    let lines: Vec<&str> = corpus.lines().filter(|l| !l.trim().is_empty()).collect();
    (0..n)
        .map(|i| {
            let mut call: serde_json::Value = serde_json::from_str(lines[i % lines.len()]).unwrap();
            call["id"] = serde_json::json!(format!("c{i}"));
            call.to_string()
        })
        .collect()
}

/// `zhijian grade - ARGS` on `input`.
fn stage(args: &[&str], input: &str) -> Output {
    let mut child = zhijian()
        .args(["grade", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn rows(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a row ({e}): {l}")))
        .collect()
}

/// A producer that has written one chunk and is not done yet sees every row of it: the rows
/// are graded before stdin ends, and passed on down the pipe at the end of the chunk, not kept
/// in a buffer until it fills or the run ends.
#[test]
fn each_chunk_reaches_the_reader_while_the_producer_is_still_writing() {
    let input = calls(CHUNK);
    // A JSONL row is larger than a write buffer, a CSV row far smaller: the CSV's last rows
    // are the ones a buffer would keep. The findings have a row per hit.
    for format in ["jsonl", "csv", "findings"] {
        let args = ["--quiet", "--format", format];
        let whole = stage(&args, &(input.join("\n") + "\n"));
        assert_eq!(whole.status.code(), Some(0));
        let expected = String::from_utf8(whole.stdout).unwrap();
        let expected: Vec<&str> = expected.lines().collect();
        assert!(
            expected.len() >= CHUNK,
            "{format}: {} lines",
            expected.len()
        );

        let mut child = zhijian()
            .args(["grade", "-"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let lines = input.clone();
        let producer = std::thread::spawn(move || {
            for line in lines {
                writeln!(stdin, "{line}").unwrap();
            }
            stdin.flush().unwrap();
            // Still writing, as far as zhijian can tell: stdin stays open until the rows are
            // in.
            done_rx.recv().unwrap();
            drop(stdin);
        });
        let (row_tx, row_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                row_tx.send(line.unwrap()).unwrap();
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while got.len() < expected.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match row_rx.recv_timeout(left) {
                Ok(row) => got.push(row),
                Err(_) => panic!(
                    "{format}: {} of the chunk's {} lines came out while stdin was open: the \
                     rest waited for more input or for the end",
                    got.len(),
                    expected.len()
                ),
            }
        }
        assert_eq!(got, expected, "{format}");
        done_tx.send(()).unwrap();
        producer.join().unwrap();
        reader.join().unwrap();
        assert!(child.wait().unwrap().success());
        assert!(
            row_rx.try_recv().is_err(),
            "{format}: no line after the chunk's"
        );
    }
}

/// Spark users join the stage's output to its input by call id or by line: every line that
/// holds a call gives a row, in input order, a line that cannot be read an error row that says
/// why, under the line's number; a blank line is no call, and the numbering counts it.
#[test]
fn every_line_gives_its_row_in_order_and_a_bad_line_an_error_row() {
    let good = calls(3);
    let input = [
        good[0].as_str(),
        "not json",
        "",
        r#"{"id": "bad-turns", "turns": "oops"}"#,
        good[1].as_str(),
        r#"{"id": "cut-off", "turns": [{"role": "agent", "te"#,
        r#"{"turns": [{"role": "customer", "text": "喂?"}]}"#,
        good[2].as_str(),
    ]
    .join("\n");
    let out = stage(&["--format", "jsonl", "--quiet"], &input);
    assert_eq!(out.status.code(), Some(1), "some lines could not be read");
    let shown: Vec<String> = rows(&out)
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["source"].as_str().unwrap(),
                r["call_id"].as_str().unwrap(),
                r["error"].as_str().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!(shown.join("\n"), @r#"
    <stdin>#1 c0 -
    <stdin>#2 stdin#2 JSON 格式错误: 第 2 列: 无法识别的词 (true、false、null 要小写)
    <stdin>#4 bad-turns zhijian JSON: 值的类型不对: 这里应是数组 [...],实际写的是字符串 "oops"
    <stdin>#5 c1 -
    <stdin>#6 stdin#6 JSON 格式错误: 第 49 列: 字符串没有结束 (缺少引号)
    <stdin>#7 stdin#7 通话中没有客服发言,无法质检
    <stdin>#8 c2 -
    "#);
    assert!(
        out.stderr.is_empty(),
        "--quiet: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stdout is the stage's output, nothing else: without `--quiet` the summary, and with it
/// the warning about a duplicate id, go to stderr.
#[test]
fn stdout_holds_rows_only_and_the_summary_goes_to_stderr() {
    let mut lines = calls(4);
    lines.push(lines[0].clone());
    let out = stage(&["--format", "jsonl"], &lines.join("\n"));
    assert_eq!(out.status.code(), Some(0));
    let rows = rows(&out);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r["schema"] == "zhijian.call.v1"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("已质检 5 通"), "{err}");
    assert!(err.contains("通话编号 c0 出现了不止一次"), "{err}");
}

/// An empty partition (or shard, or a filter upstream that let nothing through) is an empty
/// batch: no rows, exit 0, as a merge of the partitions' outputs wants. A file named on the
/// command line is meant to hold calls, so an empty one stays an error row.
#[test]
fn an_empty_stdin_is_an_empty_batch_but_an_empty_file_an_error() {
    for input in ["", "\n\n  \n"] {
        let out = stage(&["--format", "jsonl", "--quiet"], input);
        assert_eq!(out.status.code(), Some(0), "{input:?}");
        assert!(out.stdout.is_empty(), "{input:?}: {:?}", out.stdout);
        assert!(out.stderr.is_empty());
    }
    let out = stage(&["--format", "jsonl"], "");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("已质检 0 通 (需复核 0 通,无法读取 0 个)"),
        "{err}"
    );
    // CSV: the header alone, so that every shard's CSV has the same first line.
    let out = stage(&["--quiet"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);

    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = zhijian()
        .args(["grade", "--format", "jsonl", "--quiet"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(rows(&out)[0]["error"], "文件为空");
}

/// Shards graded on different machines must merge into what one machine writes: the same
/// bytes whatever the thread count, across a chunk boundary.
#[test]
fn the_same_bytes_whatever_the_threads() {
    let mut lines = calls(CHUNK + 40);
    lines.insert(CHUNK - 1, "not json".into());
    let input = lines.join("\n");
    let one = stage(&["--format", "jsonl", "--quiet", "--threads", "1"], &input);
    let two = stage(&["--format", "jsonl", "--quiet", "--threads", "2"], &input);
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(rows(&one).len(), CHUNK + 41);
    assert!(
        one.stdout == two.stdout,
        "--threads 1 and 2 wrote different bytes"
    );
}

/// Whether `python3` can import pyspark and `java` is 17 or newer (what pyspark 4 needs); if
/// not, what is missing.
fn spark_missing() -> Option<String> {
    let pyspark = Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !pyspark {
        return Some("python3 cannot import pyspark (pip install pyspark)".into());
    }
    let java = match Command::new("java").arg("-version").output() {
        Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
        Err(_) => return Some("no java (apt-get install openjdk-17-jre-headless)".into()),
    };
    // `openjdk version "17.0.15" …`, or "1.8.0_412" for Java 8.
    let major = java
        .split('"')
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m >= 17 => None,
        _ => Some(format!(
            "pyspark 4 needs Java 17 or newer; `java -version` says {}",
            java.lines().next().unwrap_or("nothing")
        )),
    }
}

/// The corpus through `RDD.pipe` in PySpark's local mode, in contiguous and in shuffled
/// partitions, row by row against one `zhijian grade` of the same JSONL; and an empty
/// partition. `tests/spark/grade_rdd.py` says what it compares and what it maps.
#[test]
#[ignore = "needs pyspark and Java 17: cargo test --release -- --include-ignored"]
fn spark_pipe_grades_the_corpus_as_one_machine_does() {
    // Asked for (it is ignored otherwise), so a missing tool is a failure that says what to
    // install, never a silent pass.
    if let Some(missing) = spark_missing() {
        panic!("Spark 测试需要 pyspark 和 Java 17 / the Spark test needs pyspark and Java 17: {missing}");
    }
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(repo().join("tests/spark/grade_rdd.py"))
        .arg("--zhijian")
        .arg(env!("CARGO_BIN_EXE_zhijian"))
        .arg("--repo")
        .arg(repo())
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Spark driver failed ({}): {said}\n{}",
        out.status,
        last_lines(&out.stderr, 40)
    );
    eprintln!("{}", said.trim());
    let merged = std::fs::read_to_string(work.path().join("merged.jsonl")).unwrap();
    assert!(merged.lines().count() >= 100, "{said}");
}

fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
