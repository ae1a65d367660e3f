//! The output layer as a user meets it: every report format, and the guarantee that no run
//! destroys data — not an input, not a device, not a file it was interrupted writing.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{repo, write, zhijian};
use calamine::{open_workbook, Data, Reader, Xlsx};

const GOOD_CALL: &str = "# agent: 张敏\n客服：您好,工号1024为您服务。\n客户：我想查一下话费。\n客服：好的,麻烦您提供一下手机号码。\n客户：13800001234。\n客服：您本月话费 58 元。请问还有其他问题吗?\n客户：没有了,好的谢谢。\n客服：感谢您的来电,再见。\n";

/// A call with every kind of evidence: words said (喂, 不知道), a missing closing, an
/// interruption and a silence, with an 18-digit id and an agent name that is a formula.
const EVERY_KIND: &str = "\
# id: 202611240000000001
# agent: =HYPERLINK(\"http://evil.example\",\"点我\")
[00:00.0-00:03.0] 客服：喂,你好。
[00:03.5-00:09.0] 客户：我的宽带从昨天开始就连不上了,你们到底管不管?
[00:07.0-00:10.0] 客服：不知道,你自己去查一下吧。
[00:25.0-00:27.0] 客服：查到了,是线路故障。
[00:27.5-00:29.0] 客户：那什么时候能修好?
[00:29.5-00:31.0] 客服：明天吧。
";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zhijian"))
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn temp_files(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.contains(".zhijian-"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The four ways earlier versions destroyed data.
// ---------------------------------------------------------------------------------------------

/// `--out /dev/stdout | cat` replaced the system's `/dev/stdout` symlink with a regular file (as
/// root) and printed nothing. The same mechanism, reproduced with a symlink of our own to
/// `/proc/self/fd/1`, and then the real `/dev/stdout`.
#[test]
fn an_output_symlinked_to_stdout_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let link = dir.path().join("to-stdout");
    symlink("/proc/self/fd/1", &link).unwrap();
    for out in [link.as_path(), Path::new("/dev/stdout")] {
        let run = bin()
            .args(["grade", "-q", "--out"])
            .arg(out)
            .arg(&call)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        let csv = String::from_utf8(run.stdout).unwrap();
        assert!(csv.starts_with("call_id,"), "{out:?}: {csv:?}");
        assert_eq!(csv.lines().count(), 2, "{csv}");
    }
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata("/dev/stdout")
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

/// With stdout redirected to a file, `--findings /dev/stdout` used to replace that file by
/// rename, losing everything else written to stdout.
#[test]
fn findings_on_a_redirected_stdout_share_it_instead_of_replacing_it() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(
        dir.path(),
        "wei.txt",
        "客服：喂,你好。\n客户：在吗?\n客服：不知道。\n",
    );
    let redirected = dir.path().join("redirected.txt");
    let scores = dir.path().join("scores.csv");
    let run = bin()
        .args(["grade", "-q", "--findings", "/dev/stdout", "--out"])
        .arg(&scores)
        .arg(&call)
        .stdout(File::create(&redirected).unwrap())
        .status()
        .unwrap();
    assert_eq!(run.code(), Some(0));
    let findings = fs::read_to_string(&redirected).unwrap();
    assert!(findings.starts_with("call_id,rule_id,"), "{findings}");
    assert!(
        findings.contains("wei,OPN001,0,agent,0,1,喂,"),
        "{findings}"
    );
    assert!(fs::read_to_string(&scores)
        .unwrap()
        .starts_with("call_id,source,"));

    // Scores and findings both on stdout: one file for two reports is refused, and the file
    // stdout goes to is left as it was.
    fs::write(&redirected, "kept").unwrap();
    let run = bin()
        .args(["grade", "-q", "--findings", "/dev/stdout"])
        .arg(&call)
        .stdout(
            fs::OpenOptions::new()
                .append(true)
                .open(&redirected)
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("两个输出是同一个文件"));
    assert_eq!(fs::read_to_string(&redirected).unwrap(), "kept");
}

/// `grade x.jsonl --out x.jsonl` replaced the transcripts with the CSV. Every spelling of the
/// same file, for every kind of output, is now a usage error before anything is read.
#[test]
fn an_output_that_is_an_input_is_refused_however_it_is_spelled() {
    let dir = tempfile::tempdir().unwrap();
    let line = "{\"id\":\"j1\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好\"}]}\n";
    let input = write(dir.path(), "calls.jsonl", line);
    let text_input = write(dir.path(), "call.txt", GOOD_CALL);
    symlink(&input, dir.path().join("link.jsonl")).unwrap();
    fs::hard_link(&input, dir.path().join("hard.jsonl")).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--out".into(), "calls.jsonl".into()], "calls.jsonl"),
        (
            vec!["--out".into(), "./sub/../calls.jsonl".into()],
            "calls.jsonl",
        ),
        (vec!["--out".into(), "link.jsonl".into()], "calls.jsonl"),
        (vec!["--out".into(), "hard.jsonl".into()], "calls.jsonl"),
        (vec!["--findings".into(), "call.txt".into()], "call.txt"),
        (
            vec![
                "--out".into(),
                "x.xlsx".into(),
                "--out".into(),
                "calls.jsonl".into(),
            ],
            "calls.jsonl",
        ),
        // A directory input holds the output.
        (vec!["--out".into(), "calls.jsonl".into()], "."),
    ];
    for (args, input_arg) in cases {
        let run = bin()
            .current_dir(dir.path())
            .args(["grade", "-q"])
            .args(&args)
            .arg(input_arg)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("就是输入"), "{args:?}: {err}");
        assert_eq!(fs::read_to_string(&input).unwrap(), line, "{args:?}");
        assert_eq!(
            fs::read_to_string(&text_input).unwrap(),
            GOOD_CALL,
            "{args:?}"
        );
        assert!(!dir.path().join("x.xlsx").exists());
    }
    // Reading stdin from the file that is also the output.
    let run = bin()
        .current_dir(dir.path())
        .args(["grade", "-q", "-", "--out", "calls.jsonl"])
        .stdin(File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("标准输入"));
    assert_eq!(fs::read_to_string(&input).unwrap(), line);
    // Appending stdout to an input.
    let run = bin()
        .current_dir(dir.path())
        .args(["grade", "-q", "calls.jsonl"])
        .stdout(fs::OpenOptions::new().append(true).open(&input).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&input).unwrap(), line);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

/// Starts a run that has opened its outputs and waits forever on stdin, so a signal arrives
/// mid-run, deterministically.
fn start_blocked_run(dir: &Path, out: &Path) -> std::process::Child {
    start_blocked_run_beside(dir, out, &[])
}

/// More than a pipe can hold: 64 KiB by default, and no more than `/proc/sys/fs/pipe-max-size`
/// (1 MiB by default) even when a program asks for more.
const MORE_THAN_A_PIPE_HOLDS: usize = 1024 * 1024 + 1;

/// The same, when `debris` (temporary files of an earlier run) lies beside the outputs. The run
/// reads stdin only once it has opened its outputs, so a write larger than the pipe can hold
/// returns only after the run's temporary files exist: no polling, no clock. Stdin stays open,
/// and the run waits for the rest.
fn start_blocked_run_beside(dir: &Path, out: &Path, debris: &[String]) -> std::process::Child {
    let mut child = bin()
        .args(["grade", "-", "--findings"])
        .arg(dir.join("findings.csv"))
        .arg("--out")
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One call, then blank lines, which the JSONL reader reads past.
    let mut input = String::from(
        "{\"id\":\"t1\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好,工号1024\"}]}\n",
    );
    input.push_str(&"\n".repeat(MORE_THAN_A_PIPE_HOLDS));
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(input.as_bytes())
        .expect("the run stopped before reading its input");
    let now = temp_files(dir);
    assert_eq!(
        now.iter().filter(|n| !debris.contains(n)).count(),
        2,
        "the run reads its input before it has opened both outputs: {now:?}"
    );
    child
}

fn signal(child: &std::process::Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Ctrl-C and SIGTERM left hidden `.zhijian-*.tmp` files that no later run removed. Now the
/// old outputs stay as they were, the temporary files go, and the process still dies of the
/// signal (exit status 130/143 in a shell).
#[test]
fn an_interrupted_run_leaves_the_old_files_and_no_debris() {
    for (name, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report.xlsx");
        fs::write(&out, "yesterday's report").unwrap();
        fs::write(dir.path().join("findings.csv"), "yesterday's findings").unwrap();
        let child = start_blocked_run(dir.path(), &out);
        signal(&child, name);
        let died = child.wait_with_output().unwrap();
        let status = died.status;
        assert_eq!(status.signal(), Some(number), "SIG{name}: {status:?}");
        assert_eq!(fs::read_to_string(&out).unwrap(), "yesterday's report");
        assert_eq!(
            fs::read_to_string(dir.path().join("findings.csv")).unwrap(),
            "yesterday's findings"
        );
        assert_eq!(temp_files(dir.path()), Vec::<String>::new(), "SIG{name}");
        let err = String::from_utf8_lossy(&died.stderr);
        assert!(
            err.contains("已中断:没写完的报告已删除,原有的输出文件保持不变"),
            "SIG{name}: {err}"
        );
    }
}

/// SIGKILL cannot be caught: the temporary files stay, unlocked. The next run that writes
/// beside them removes them and says so; a run that is alive keeps its own.
#[test]
fn a_killed_runs_debris_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    let mut killed = start_blocked_run(dir.path(), &out);
    signal(&killed, "KILL");
    killed.wait().unwrap();
    let debris = temp_files(dir.path());
    assert_eq!(debris.len(), 2);

    // The next run removes the debris; alive and writing the same outputs, it holds its own
    // temporary files locked.
    let mut alive = start_blocked_run_beside(dir.path(), &out, &debris);
    let own = temp_files(dir.path());
    assert!(
        own.iter().all(|n| !debris.contains(n)),
        "{own:?} {debris:?}"
    );
    let call = write(dir.path(), "in/c.txt", GOOD_CALL);
    let run = bin()
        .args(["grade"])
        .arg(&call)
        .arg("--out")
        .arg(&out)
        .arg("--findings")
        .arg(dir.path().join("findings.csv"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!err.contains("已清理"), "{err}");
    assert_eq!(temp_files(dir.path()), own, "the live run's own files stay");
    assert_eq!(fs::read_to_string(&out).unwrap().lines().count(), 2);
    drop(alive.stdin.take());
    let alive = alive.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&alive.stderr);
    assert!(
        err.contains("已清理上次被中断的运行留下的临时文件 2 个"),
        "{err}"
    );
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

/// Header values went raw into a CSV the README tells teams to open in Excel.
#[test]
fn spreadsheet_cells_from_input_are_never_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "inj.txt", EVERY_KIND);
    let csv = dir.path().join("s.csv");
    let findings = dir.path().join("f.csv");
    let jsonl = dir.path().join("s.jsonl");
    let xlsx = dir.path().join("r.xlsx");
    // The CSVs on their own first, as earlier versions could write them.
    let run = bin()
        .args(["grade", "-q"])
        .arg(&call)
        .arg("--out")
        .arg(&csv)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let agent = "=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")";
    let scores = fs::read_to_string(&csv).unwrap();
    let row = scores.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!(
            "202611240000000001,{},\"'{agent}\",",
            call.display()
        )),
        "{row}"
    );
    let findings = fs::read_to_string(&findings).unwrap();
    assert!(findings
        .lines()
        .skip(1)
        .all(|l| l.contains(&format!("\"'{agent}\""))));
    let run = bin()
        .args(["grade", "-q"])
        .arg(&call)
        .arg("--out")
        .arg(&jsonl)
        .arg("--out")
        .arg(&xlsx)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    // JSONL keeps the data as it was.
    let line: serde_json::Value =
        serde_json::from_str(fs::read_to_string(&jsonl).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(
        line["agent"],
        "=HYPERLINK(\"http://evil.example\",\"点我\")"
    );
    // Excel: a text cell, not a formula; the id exact.
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("得分").unwrap();
    assert_eq!(
        sheet.get_value((1, 2)),
        Some(&Data::String(
            "=HYPERLINK(\"http://evil.example\",\"点我\")".into()
        ))
    );
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&Data::String("202611240000000001".into()))
    );
    let formulas = book.worksheet_formula("得分").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

/// The guard is for text from the input: zhijian's own message in the `error` column (which
/// named `--agent-channel` first and was written `'--agent-channel…`) is written as it is, while
/// an id taken from the file name still gets the quote.
#[test]
fn the_tools_own_messages_are_not_guarded_like_input() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(
        dir.path(),
        "-0001.txt",
        "说话人1：喂,我家宽带又断了\n说话人2：您好,工号1024很高兴为您服务\n",
    );
    let run = bin()
        .args(["grade", "-q", "--agent-channel", "9"])
        .arg(&call)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8(run.stdout).unwrap();
    let row: Vec<String> = csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(row[0], "'-0001", "input text keeps its guard");
    assert_eq!(
        row[11], "此通话没有 --agent-channel 指定的声道 9 (说话人: 说话人1、说话人2)",
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// What each format holds.
// ---------------------------------------------------------------------------------------------

fn grade_to(dir: &Path, inputs: &[&Path], extra: &[&str]) -> std::process::Output {
    bin()
        .arg("grade")
        .args(inputs)
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn findings_stand_alone_with_every_kind_of_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "every.txt", EVERY_KIND);
    let run = grade_to(dir.path(), &[&call], &["-q", "--format", "findings"]);
    assert_eq!(run.status.code(), Some(0));
    let csv = String::from_utf8(run.stdout).unwrap();
    let csv = csv.replace(&call.display().to_string(), "every.txt");
    insta::assert_snapshot!("findings_every_kind", csv);
}

#[test]
fn jsonl_lines_validate_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(repo().join("schema/zhijian.call.v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let every = write(dir.path(), "every.txt", EVERY_KIND);
    let broken = write(
        dir.path(),
        "broken.jsonl",
        "{\"id\":\"x\",\"turns\":[]}\n{oops\n",
    );
    let run = grade_to(
        dir.path(),
        &[&repo().join("corpus"), &every, &broken],
        &["-q", "--format", "jsonl"],
    );
    assert_eq!(run.status.code(), Some(1), "two broken lines");
    let text = String::from_utf8(run.stdout).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut lines = 0;
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{line}");
        for hit in value["hits"].as_array().unwrap() {
            kinds.insert(hit["evidence"]["kind"].as_str().unwrap().to_string());
        }
        lines += 1;
    }
    let corpus_calls = zhijian::grade::grade_all(
        &zhijian::rule::RuleSet::embedded().unwrap(),
        &zhijian::input::discover(&[repo().join("corpus")]).sources,
        &Default::default(),
    )
    .len();
    assert_eq!(lines, corpus_calls + 1 + 2);
    assert!(
        text.contains("\"basis\":\"cues\""),
        "diarized corpus calls carry their roles decision"
    );
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["measured", "missing", "overlap", "said", "silence"]
    );
    // The schema is strict enough to catch a wrong line.
    let with_hits = text
        .lines()
        .find(|l| l.contains("\"kind\":\"said\""))
        .unwrap();
    let mut wrong: serde_json::Value = serde_json::from_str(with_hits).unwrap();
    wrong["score"] = serde_json::json!(101);
    assert!(!validator.is_valid(&wrong));
    wrong["score"] = serde_json::json!(90);
    wrong["hits"][0]["evidence"] = serde_json::json!({"kind": "said", "start": 1});
    assert!(!validator.is_valid(&wrong));
}

#[test]
fn jsonl_carries_the_score_the_evidence_and_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let every = write(dir.path(), "every.txt", EVERY_KIND);
    let empty = write(dir.path(), "empty.txt", "");
    let run = grade_to(dir.path(), &[&every, &empty], &["-q", "--format", "jsonl"]);
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["call_id"], "empty");
    assert_eq!(lines[0]["error"], "文件为空");
    assert_eq!(lines[0]["flag_reasons"], serde_json::json!(["输入错误"]));
    assert!(lines[0]["score"].is_null());
    let call = &lines[1];
    assert_eq!(call["schema"], "zhijian.call.v1");
    assert_eq!(call["call_id"], "202611240000000001");
    let hits = call["hits"].as_array().unwrap();
    let silence = hits
        .iter()
        .find(|h| h["evidence"]["kind"] == "silence")
        .unwrap();
    assert_eq!(silence["rule_id"], "LST002");
    assert_eq!(
        silence["evidence"],
        serde_json::json!({"kind": "silence", "begin_ms": 10000, "end_ms": 25000, "measured_ms": 15000})
    );
    let overlap = hits
        .iter()
        .find(|h| h["evidence"]["kind"] == "overlap")
        .unwrap();
    assert_eq!(
        overlap["evidence"],
        serde_json::json!({"kind": "overlap", "begin_ms": 7000, "end_ms": 9000, "measured_ms": 2000})
    );
    // Points are what each hit counted for; together with the base they give the score.
    let points: i64 = hits.iter().map(|h| h["points"].as_i64().unwrap()).sum();
    assert_eq!(100 + points, call["score"].as_i64().unwrap());
    assert_eq!(call["turns"][2]["text"], "不知道,你自己去查一下吧。");
    assert_eq!(call["turns"][2]["begin_ms"], 7000);
}

/// The score CSV, the workbook's 得分 sheet and the JSONL line say the same about every call,
/// column by column, an unreadable one included: the row is defined once, and no format
/// drifts from the others.
#[test]
fn the_score_csv_the_workbook_and_jsonl_say_the_same_about_each_call() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "calls/every.txt", EVERY_KIND);
    write(dir.path(), "calls/good.txt", GOOD_CALL);
    write(dir.path(), "calls/empty.txt", "");
    write(
        dir.path(),
        "calls/chat.jsonl",
        concat!(
            r#"{"id":"=chat1","meta":{"channel":"chat","agent":"+A01"},"turns":["#,
            r#"{"role":"customer","text":"都三天了还没发货,你们到底能不能发?"},"#,
            r#"{"role":"agent","text":"没办法,仓库那边的事我们管不了"}]}"#,
            "\n"
        ),
    );
    let run = grade_to(
        dir.path(),
        &[&dir.path().join("calls")],
        &[
            "-q", "--out", "s.csv", "--out", "s.xlsx", "--out", "s.jsonl",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let text = fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let mut csv = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let mut book: Xlsx<_> = open_workbook(dir.path().join("s.xlsx")).unwrap();
    let sheet = sheet(&mut book, "得分");
    let lines: Vec<serde_json::Value> = fs::read_to_string(dir.path().join("s.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        sheet.len(),
        rows.len() + 1,
        "the sheet has the header and a row per call"
    );
    assert_eq!(lines.len(), rows.len());
    assert_eq!(sheet[0].len(), header.len());
    let chat = rows
        .iter()
        .position(|r| r[0] == "'=chat1")
        .expect("the id is guarded");
    assert_eq!(rows[chat][2], "'+A01");
    assert_eq!(
        rows[chat][header.len() - 2].split(';').count(),
        7,
        "{:?}",
        rows[chat]
    );
    let mut compared = 0;
    for ((row, cells), line) in rows.iter().zip(&sheet[1..]).zip(&lines) {
        for (k, name) in header.iter().enumerate() {
            let csv = row[k].as_str();
            // What the CSV guards against formulas, the workbook and JSONL keep as it is.
            let plain = csv.strip_prefix('\'').unwrap_or(csv);
            let in_sheet = match csv {
                "true" if name != "masked" => "是",
                "false" if name != "masked" => "否",
                "true" => "已遮盖",
                "false" => "未遮盖",
                "chat" => "在线",
                "phone" => "电话",
                _ => plain,
            };
            assert_eq!(cells[k], in_sheet, "{name} of {}", row[0]);
            let field = match name.as_str() {
                "hits" => "hit_counts",
                other => other,
            };
            let json = &line[field];
            let in_json = match json {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(";"),
                serde_json::Value::Object(o) if name == "hits" => o
                    .iter()
                    .map(|(id, n)| format!("{id}:{n}"))
                    .collect::<Vec<_>>()
                    .join(";"),
                serde_json::Value::Object(o) if name == "roles" => {
                    o["reason"].as_str().unwrap().to_string()
                }
                other => panic!("{name}: {other}"),
            };
            assert_eq!(in_json, plain, "{name} of {}", row[0]);
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * header.len());
}

/// Reads one sheet into rows of displayed strings.
fn sheet(book: &mut Xlsx<std::io::BufReader<File>>, name: &str) -> Vec<Vec<String>> {
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn excel_workbook_has_the_four_sheets_with_their_contents() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("报告.xlsx");
    let every = write(dir.path(), "calls/every.txt", EVERY_KIND);
    let good = write(dir.path(), "calls/good.txt", GOOD_CALL);
    write(dir.path(), "calls/empty.txt", "");
    let run = grade_to(
        dir.path(),
        &[&dir.path().join("calls")],
        &["-q", "--out", "报告.xlsx"],
    );
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["得分", "证据", "坐席", "规则"]);

    let scores = sheet(&mut book, "得分");
    assert_eq!(
        scores[0],
        [
            "通话编号",
            "来源",
            "坐席",
            "总分",
            "档位",
            "服务类型",
            "个人特性",
            "程序特性",
            "需复核",
            "复核原因",
            "命中",
            "错误",
            "角色判定",
            "渠道",
            "个人信息",
            "不适用的规则",
            "无法判断的规则"
        ]
    );
    assert_eq!(scores.len(), 4);
    assert_eq!(scores[1][0], "empty");
    assert_eq!(scores[1][8], "是");
    assert_eq!(scores[1][11], "文件为空");
    assert_eq!(scores[2][0], "202611240000000001");
    assert_eq!(
        scores[3][..6],
        [
            "good",
            &good.display().to_string(),
            "张敏",
            "100",
            "优秀",
            "优质型"
        ]
    );
    let range = book.worksheet_range("得分").unwrap();
    assert_eq!(
        range.get_value((3, 3)),
        Some(&Data::Float(100.0)),
        "scores are numbers"
    );

    let evidence = sheet(&mut book, "证据");
    assert_eq!(
        evidence[0][..6],
        ["通话编号", "来源", "坐席", "规则编号", "规则", "分值"]
    );
    let silence = evidence.iter().find(|r| r[3] == "LST002").unwrap();
    assert_eq!(silence[0], "202611240000000001");
    assert_eq!(silence[1], every.display().to_string());
    assert_eq!(silence[7], "静音");
    assert_eq!(silence[10], "静音 15.0 秒");
    assert_eq!(silence[11..14], ["10", "25", "15"]);
    let wei = evidence.iter().find(|r| r[3] == "OPN001").unwrap();
    assert_eq!(wei[5], "-5");
    assert_eq!(
        (wei[7].as_str(), wei[8].as_str(), wei[10].as_str()),
        ("原话", "1", "喂")
    );

    let agents = sheet(&mut book, "坐席");
    assert_eq!(agents[0][..3], ["坐席", "通话数", "平均分"]);
    assert_eq!(agents[0][3..7], ["优秀", "良好", "达标", "不达标"]);
    assert_eq!(agents.len(), 3, "{agents:?}");
    let zhang = agents.iter().find(|r| r[0] == "张敏").unwrap();
    assert_eq!(zhang[1..8], ["1", "100", "1", "0", "0", "0", "0"]);
    let other = agents
        .iter()
        .find(|r| r[0].starts_with("=HYPERLINK"))
        .unwrap();
    assert!(
        other[8].starts_with("LNG001 服务禁语 (1 通)") || other[8].contains("(1 通)"),
        "{other:?}"
    );

    let rules = sheet(&mut book, "规则");
    assert_eq!(
        rules[0],
        [
            "规则编号",
            "标题",
            "维度",
            "分项",
            "每次分值",
            "一票否决",
            "命中通话数",
            "命中率",
            "命中次数",
            "合计分值"
        ]
    );
    assert_eq!(
        rules.len(),
        1 + zhijian::rule::RuleSet::embedded().unwrap().rules.len(),
        "every rule, also those that never fired"
    );
    let lst002 = rules.iter().find(|r| r[0] == "LST002").unwrap();
    assert_eq!(
        lst002[2..],
        ["效率", "程序特性", "-3", "", "1", "0.5", "1", "-3"]
    );
    let range = book.worksheet_range("规则").unwrap();
    let row = rules.iter().position(|r| r[0] == "LST002").unwrap() as u32;
    assert_eq!(
        range.get_value((row, 4)),
        Some(&Data::Float(-3.0)),
        "points are numbers"
    );
    let lng002 = rules.iter().find(|r| r[0] == "LNG002").unwrap();
    assert_eq!(lng002[2..6], ["服务态度", "个人特性", "0", "是"]);
}

#[test]
fn excel_sheets_are_dressed_for_reading() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.txt", EVERY_KIND);
    let run = grade_to(
        dir.path(),
        &[Path::new("c.txt")],
        &["-q", "--out", "r.xlsx"],
    );
    assert_eq!(run.status.code(), Some(0));
    // The parts of the package that carry the dressing.
    let file = File::open(dir.path().join("r.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let scores = xml("xl/worksheets/sheet1.xml");
    assert!(
        scores.contains("<pane ySplit=\"1\" topLeftCell=\"A2\""),
        "frozen header"
    );
    assert!(scores.contains("<autoFilter ref=\"A1:Q2\""), "autofilter");
    assert!(
        scores.contains("<conditionalFormatting sqref=\"E2\""),
        "tier colours"
    );
    assert!(scores.contains("<cols>"), "column widths");
    assert!(
        scores.contains("orientation=\"landscape\""),
        "printed landscape"
    );
    assert!(
        scores.contains("fitToHeight=\"0\""),
        "printed on the width of a page"
    );
    assert!(
        xml("xl/workbook.xml").contains("_xlnm.Print_Titles"),
        "header on every page"
    );
    for sheet in ["sheet2", "sheet3", "sheet4"] {
        let x = xml(&format!("xl/worksheets/{sheet}.xml"));
        assert!(x.contains("ySplit=\"1\""), "{sheet}");
        assert!(x.contains("<autoFilter"), "{sheet}");
    }
}

#[test]
fn reports_are_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo().join("corpus");
    for threads in ["1", "2"] {
        let run = bin()
            .args(["grade", "-q", "--threads", threads])
            .arg(&corpus)
            .arg("--out")
            .arg(dir.path().join(format!("r{threads}.xlsx")))
            .arg("--out")
            .arg(dir.path().join(format!("r{threads}.jsonl")))
            .arg("--findings")
            .arg(dir.path().join(format!("f{threads}.csv")))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0));
    }
    for (a, b) in [
        ("r1.xlsx", "r2.xlsx"),
        ("r1.jsonl", "r2.jsonl"),
        ("f1.csv", "f2.csv"),
    ] {
        let (a, b) = (
            fs::read(dir.path().join(a)).unwrap(),
            fs::read(dir.path().join(b)).unwrap(),
        );
        assert!(!a.is_empty());
        assert!(a == b, "{a:?} differs");
    }
}

#[test]
fn only_flagged_lists_flagged_calls_and_counts_them_all() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_good.txt", GOOD_CALL);
    write(dir.path(), "b_bad.txt", EVERY_KIND);
    write(dir.path(), "c_empty.txt", "");
    let run = grade_to(
        dir.path(),
        &[Path::new(".")],
        &[
            "-q",
            "--only-flagged",
            "--out",
            "s.csv",
            "--out",
            "r.xlsx",
            "--findings",
            "f.csv",
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let scores = fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let ids: Vec<&str> = scores
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["202611240000000001", "c_empty"]);
    let findings = fs::read_to_string(dir.path().join("f.csv")).unwrap();
    assert!(!findings.contains("\ngood,"), "{findings}");
    assert!(findings.contains("\n202611240000000001,"));
    let mut book: Xlsx<_> = open_workbook(dir.path().join("r.xlsx")).unwrap();
    assert_eq!(sheet(&mut book, "得分").len(), 3);
    // The agent sheet still counts the good call.
    assert!(sheet(&mut book, "坐席")
        .iter()
        .any(|r| r[0] == "张敏" && r[1] == "1"));
}

#[test]
fn one_call_id_twice_is_a_warning_naming_both_sources() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "day1/20261120-0001.txt", GOOD_CALL);
    write(dir.path(), "day2/20261120-0001.txt", GOOD_CALL);
    let run = grade_to(dir.path(), &[Path::new("day1"), Path::new("day2")], &["-q"]);
    assert_eq!(run.status.code(), Some(0));
    let err = String::from_utf8(run.stderr).unwrap();
    assert!(
        err.contains("通话编号 20261120-0001 出现了不止一次: day1/20261120-0001.txt 和 day2/20261120-0001.txt"),
        "{err}"
    );
    let csv = String::from_utf8(run.stdout).unwrap();
    assert!(csv.contains(",day1/20261120-0001.txt,") && csv.contains(",day2/20261120-0001.txt,"));
}

#[test]
fn formats_are_chosen_by_extension_and_mistakes_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.txt", GOOD_CALL);
    let c = Path::new("c.txt");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--out", "scores.txt"],
            "无法从 --out scores.txt 的扩展名判断格式: 请用 .csv、.jsonl、.ndjson、.xlsx",
        ),
        (
            &["--out", "s.csv", "--format", "jsonl"],
            "与 --format jsonl 矛盾",
        ),
        (&["--findings", "f.xlsx"], "--findings 写的是 CSV"),
        (
            &["--out", "a.csv", "--out", "./a.csv"],
            "两个输出是同一个文件: a.csv 和 ./a.csv",
        ),
        (
            &["--out", "-", "--findings", "-"],
            "两个输出是同一个文件: 标准输出 和 标准输出",
        ),
        (
            &["--out", "no/such/dir/s.csv"],
            "无法写入 no/such/dir/s.csv: 所在的目录不存在",
        ),
        (&["--out", "."], "无法写入 .: 这是一个目录"),
        (
            &["--format", "pdf"],
            "参数 --format <FORMAT> 的值 \"pdf\" 无效;可选的值: csv、findings、jsonl、xlsx",
        ),
    ];
    for (args, message) in cases {
        let run = grade_to(dir.path(), &[c], args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(run.stderr).unwrap();
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(run.stdout.is_empty());
        assert_eq!(names_in(dir.path()), ["c.txt"], "{args:?} wrote something");
    }
    // An unknown extension with --format is fine, and .ndjson is JSONL.
    let run = grade_to(
        dir.path(),
        &[c],
        &[
            "-q", "--out", "s.txt", "--format", "jsonl", "--out", "s.ndjson",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    assert!(fs::read_to_string(dir.path().join("s.txt"))
        .unwrap()
        .starts_with("{\"schema\""));
    assert_eq!(
        fs::read(dir.path().join("s.txt")).unwrap(),
        fs::read(dir.path().join("s.ndjson")).unwrap()
    );
}

#[test]
fn a_replaced_report_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let out = dir.path().join("shared.csv");
    fs::write(&out, "old").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o640)).unwrap();
    let run = bin()
        .args(["grade", "-q"])
        .arg(&call)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(run.success());
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(fs::read_to_string(&out).unwrap().starts_with("call_id,"));
}

/// `chmod 444 scores.csv` was ignored: the rename that replaces a report needs only the
/// directory to be writable. A read-only report is refused before anything is read, by its mode
/// bits, so that root (which access(2) lets write anything) is refused too.
#[test]
fn a_read_only_report_is_refused_and_left_as_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    for flag in ["--out", "--findings", "--html"] {
        let out = dir.path().join(match flag {
            "--html" => "kept.html",
            _ => "kept.csv",
        });
        fs::write(&out, "yesterday").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o444)).unwrap();
        let run = bin()
            .args(["grade", "-q"])
            .arg(&call)
            .arg(flag)
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains(&format!("无法写入 {}: 文件是只读的", out.display())),
            "{flag}: {err}"
        );
        assert!(err.contains("chmod u+w"), "{err}");
        assert!(run.stdout.is_empty(), "{flag}: nothing graded");
        assert_eq!(fs::read_to_string(&out).unwrap(), "yesterday");
        assert_eq!(
            fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o444
        );
        fs::remove_file(&out).unwrap();
    }
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn a_closed_pipe_stops_quietly_and_files_are_still_finished() {
    // `| head -1` closes stdout early; the findings file is still complete.
    let dir = tempfile::tempdir().unwrap();
    let findings = dir.path().join("f.csv");
    let mut child = bin()
        .args(["grade", "-q", "--findings"])
        .arg(&findings)
        .arg(repo().join("corpus"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = bin()
        .args(["grade", "-q", "--format", "findings"])
        .arg(repo().join("corpus"))
        .output()
        .unwrap();
    assert_eq!(fs::read(&findings).unwrap(), full.stdout);

    // The same when the pipe closes while the batch is still being written (the JSONL of the
    // corpus is larger than any buffer), not only at the final flush.
    fs::remove_file(&findings).unwrap();
    let mut child = bin()
        .args(["grade", "-q", "--format", "jsonl", "--findings"])
        .arg(&findings)
        .arg(repo().join("corpus"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(fs::read(&findings).unwrap(), full.stdout);
}

/// A closed pipe found only at the final flush (the report is smaller than any buffer) is the
/// reader's choice too.
#[test]
fn a_pipe_closed_before_a_small_report_is_flushed_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let findings = dir.path().join("f.csv");
    let mut child = bin()
        .args(["grade", "-q", "--findings"])
        .arg(&findings)
        .arg(&call)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(fs::read_to_string(&findings)
        .unwrap()
        .starts_with("call_id,rule_id,"));
}

/// A stdout that fails for any other reason than a closed pipe is an error, while writing and
/// at the final flush.
#[test]
fn a_full_stdout_is_an_error() {
    for format in ["jsonl", "csv"] {
        let run = bin()
            .args(["grade", "-q", "--format", format])
            .arg(repo().join("corpus"))
            .stdout(File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{format}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("无法写入 标准输出: 磁盘空间不足"),
            "{format}: {err}"
        );
    }
}

/// Every command's -h and --help as a user sees them: the Chinese headings, defaults and value
/// lists come from clap's own settings (`cli/usage.rs`), laid out compact for -h and long for
/// --help where an option has more to say.
#[test]
fn every_help_as_users_see_it() {
    let mut all = String::new();
    for command in [
        "",
        "grade",
        "review",
        "explain",
        "sample",
        "precision",
        "rescore",
        "trend",
        "test",
        "diff",
        "rules",
    ] {
        for flag in ["-h", "--help"] {
            let mut run = zhijian();
            if !command.is_empty() {
                run.arg(command);
            }
            let out = run.arg(flag).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "zhijian {command} {flag}");
            all.push_str(&format!("===== zhijian {command} {flag}\n"));
            all.push_str(&String::from_utf8(out.stdout).unwrap());
        }
    }
    insta::assert_snapshot!("every_help", all);
}

#[test]
fn messages_are_chinese_first() {
    let run = zhijian()
        .args(["grade", "--threads", "x", "corpus"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8(run.stderr).unwrap();
    insta::assert_snapshot!("usage_error_threads", err);
    let run = zhijian().args(["grade", "--outt", "x"]).output().unwrap();
    insta::assert_snapshot!(
        "usage_error_unknown",
        String::from_utf8(run.stderr).unwrap()
    );
    let run = zhijian().args(["grade", "--help"]).output().unwrap();
    let help = String::from_utf8(run.stdout).unwrap();
    for english in [
        "Usage:",
        "Options:",
        "Arguments:",
        "Print help",
        "Possible values",
    ] {
        assert!(!help.contains(english), "{english} in:\n{help}");
    }
    assert!(help.starts_with("批量质检通话"));
    // `zhijian help grade` is `zhijian grade --help`; a command that does not exist is a usage
    // error.
    let asked = zhijian().args(["help", "grade"]).output().unwrap();
    assert_eq!(asked.status.code(), Some(0));
    assert_eq!(String::from_utf8(asked.stdout).unwrap(), help);
    let unknown = zhijian().args(["help", "grades"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8(unknown.stderr)
        .unwrap()
        .starts_with("错误: 不认识的命令 grades"));
    // An input that cannot be read says why in Chinese: here a link in a directory that
    // points nowhere.
    let dir = tempfile::tempdir().unwrap();
    symlink("gone.txt", dir.path().join("a.txt")).unwrap();
    let run = zhijian()
        .args(["grade", "-q", "--format", "jsonl"])
        .arg(dir.path())
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(line["error"], "无法读取文件: 文件或目录不存在");
    // A broken JSONL line is placed by the column of its own line.
    let jsonl = write(
        dir.path(),
        "b.jsonl",
        "{\"turns\": []}\n{\"turns\": [1, 2}\n",
    );
    let run = zhijian()
        .args(["grade", "-q", "--format", "jsonl"])
        .arg(&jsonl)
        .output()
        .unwrap();
    let text = String::from_utf8(run.stdout).unwrap();
    let second: serde_json::Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert!(second["source"].as_str().unwrap().ends_with("b.jsonl#2"));
    assert_eq!(second["error"], "JSON 格式错误: 第 16 列: 这里应是逗号或 ]");
}

/// Runs `zhijian ARGS` on a pseudo-terminal of its own, as a person at a terminal does, typing
/// `input` and then Ctrl-D (end of input at a terminal); returns what the terminal showed and
/// the exit status. `sh -c` lets ARGS name the terminal as `$(tty)`, and `setsid -c` makes it the
/// run's controlling terminal, which `/dev/tty` names.
fn on_a_terminal(args: &str, input: &str) -> (String, Option<i32>) {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let terminal = || {
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .unwrap()
    };
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_zhijian"));
    // The Command, and with it this process's own handles on the terminal, is gone after this
    // statement: from then on only the run holds the terminal open.
    let mut child = Command::new("setsid")
        .args(["-w", "-c", "sh", "-c", &command])
        .stdin(terminal())
        .stdout(terminal())
        .stderr(terminal())
        .spawn()
        .expect("util-linux `setsid`");
    let mut master = File::from(master);
    master.write_all(input.as_bytes()).unwrap();
    master.write_all(b"\x04").unwrap();
    // Read until the terminal hangs up, which it does when the last process holding it has
    // exited (reading then fails with EIO): everything shown has been read by then, with no
    // waiting for a while in case more comes.
    let mut shown = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => shown.extend_from_slice(&buf[..n]),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the terminal: {e}"),
        }
    }
    let status = child.wait().unwrap();
    (String::from_utf8_lossy(&shown).into_owned(), status.code())
}

#[test]
fn a_terminal_is_no_clash_and_no_place_for_a_workbook() {
    // Typing JSONL at the terminal that also shows the CSV: stdin and stdout are one device,
    // which is not an input being overwritten.
    let line = "{\"id\":\"t1\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好,工号1024\"}]}\n";
    let (shown, code) = on_a_terminal("grade -q -", line);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("t1,<stdin>#1,,97,"), "{shown}");
    // Binary output is refused on a terminal, with the way to do it instead.
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let (shown, code) = on_a_terminal(&format!("grade -q --format xlsx {}", call.display()), "");
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("xlsx 是二进制格式,不能输出到终端: 请用 --out 报告.xlsx"),
        "{shown}"
    );
    // Also when the terminal is named: /dev/tty, or its /dev/pts/N (`$(tty)`).
    for out in ["/dev/tty", "$(tty)"] {
        let (shown, code) = on_a_terminal(
            &format!("grade -q --out {out} --format xlsx {}", call.display()),
            "",
        );
        assert_eq!(code, Some(2), "{out}: {shown}");
        assert!(shown.contains("xlsx 是二进制格式"), "{out}: {shown}");
    }
    // Two reports on one terminal would interleave: stdout is one output, however named.
    let (shown, code) = on_a_terminal(
        &format!("grade -q --out - --findings - {}", call.display()),
        "",
    );
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("两个输出是同一个文件: 标准输出 和 标准输出"),
        "{shown}"
    );
}

/// A full disk (`/dev/full` answers every write with ENOSPC) is an error naming the output, and
/// no other output of the run is committed: a half-finished batch never looks finished.
#[test]
fn a_failed_write_is_an_error_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    // Large enough to fail while writing, small enough to fail only when flushed at the end.
    let cases = [
        (
            repo().join("corpus"),
            ["--findings", "/dev/full", "--out", "OK"],
        ),
        (call.clone(), ["--out", "/dev/full", "--out", "OK"]),
        (call.clone(), ["--out", "OK", "--out", "/dev/full"]),
    ];
    for (input, args) in cases {
        let flag = args.join(" ");
        let ok = dir.path().join("ok.csv");
        fs::write(&ok, "old").unwrap();
        let run = bin()
            .arg("grade")
            .arg("-q")
            .args(args.map(|a| {
                if a == "OK" {
                    ok.as_os_str()
                } else {
                    a.as_ref()
                }
            }))
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("无法写入 /dev/full: 磁盘空间不足"),
            "{flag}: {err}"
        );
        assert_eq!(fs::read_to_string(&ok).unwrap(), "old", "{flag}");
        assert_eq!(names_in(dir.path()), ["c.txt", "ok.csv"], "{flag}");
    }
}

/// A descriptor path of a descriptor that is not open leads nowhere: an error before anything is
/// read, and no file is created in `/proc` or `/dev`. (A closed stdout itself is no such case:
/// Rust's runtime reopens it on `/dev/null`.)
#[test]
fn a_descriptor_that_is_not_open_is_not_a_place_to_create_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    for out in ["/dev/fd/9", "/proc/self/fd/9"] {
        let run = bin()
            .args(["grade", "-q", "--out", out])
            .arg(&call)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{out}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains(&format!("无法写入 {out}: 文件或目录不存在")),
            "{out}: {err}"
        );
    }
}

/// A mistyped input path used to grade nothing and still replace the old report with one error
/// row. Now it is a usage error before any output is touched.
#[test]
fn a_missing_input_path_is_refused_before_any_output_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "calls/c.txt", GOOD_CALL);
    fs::write(dir.path().join("report.xlsx"), "yesterday").unwrap();
    let run = grade_to(
        dir.path(),
        &[
            Path::new("calls"),
            Path::new("calls_typo/"),
            Path::new("nope.jsonl"),
        ],
        &["--out", "report.xlsx"],
    );
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8(run.stderr).unwrap();
    assert!(
        err.contains("找不到输入: calls_typo/、nope.jsonl (文件或目录不存在);没有写任何输出"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("report.xlsx")).unwrap(),
        "yesterday"
    );
}

/// The summary counts flagged calls among the graded ones; unreadable inputs on their own.
#[test]
fn the_summary_counts_each_call_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_good.txt", GOOD_CALL);
    write(dir.path(), "b_bad.txt", EVERY_KIND);
    write(dir.path(), "c_empty.txt", "");
    let run = grade_to(dir.path(), &[Path::new(".")], &["--out", "s.csv"]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8(run.stderr).unwrap();
    let rules = zhijian::rule::RuleSet::embedded().unwrap().rules.len();
    assert!(
        err.contains(&format!(
            "已质检 2 通 (需复核 1 通,无法读取 1 个),规则 {rules} 条"
        )),
        "{err}"
    );
}

/// A batch with nothing to list still makes a workbook: every sheet, headers only where there
/// is nothing to show.
#[test]
fn an_empty_listing_is_a_workbook_with_headers() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.txt", GOOD_CALL);
    let run = grade_to(
        dir.path(),
        &[Path::new("good.txt")],
        &["-q", "--only-flagged", "--out", "r.xlsx"],
    );
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let mut book: Xlsx<_> = open_workbook(dir.path().join("r.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["得分", "证据", "坐席", "规则"]);
    assert_eq!(sheet(&mut book, "得分").len(), 1);
    assert_eq!(sheet(&mut book, "证据").len(), 1);
    assert_eq!(
        sheet(&mut book, "坐席").len(),
        2,
        "the good call is still counted"
    );
}

/// A rule set of its own with one rule that uses similar sentences: the customer complains,
/// in words like one of the examples, and the agent does not apologise in the next two turns.
fn similar_rules(dir: &Path) -> std::path::PathBuf {
    let rules = dir.join("rules");
    write(
        &rules,
        "scoring.toml",
        &fs::read_to_string(repo().join("rules/scoring.toml")).unwrap(),
    );
    write(
        &rules,
        "empathy/SIM001-complaint.toml",
        r#"id = "SIM001"
title = "客户抱怨"
message = "客户抱怨服务。"
dimension = "attitude"
points = -2

[match]
role = "customer"
similar = ["你们这服务也太差劲了吧", "这都多少天了,还没给我解决"]
unless = ["否定"]

[[example]]
expect = "hit"
text = "客服：您好\n客户：你们服务太差劲了"

[[example]]
expect = "pass"
text = "客服：您好\n客户：你们服务不差"
"#,
    );
    rules
}

/// Words a similar sentence found say which example they resemble, and how much, in every
/// report; other evidence is unchanged.
#[test]
fn similar_evidence_names_its_example_and_score_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let rules = similar_rules(dir.path());
    let call = write(
        dir.path(),
        "c.txt",
        "客服：您好,请问有什么可以帮您?\n客户：我的宽带都這麼多天了,還沒給我解決!\n客服：我帮您查一下。\n客户：你们这服务也太差了吧\n",
    );
    let run = |args: &[&str]| {
        let out = bin()
            .args(args)
            .arg("--rules")
            .arg(&rules)
            .arg(&call)
            .arg("-q")
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .replace(&call.display().to_string(), "c.txt")
    };
    let findings = run(&["grade", "--format", "findings"]);
    let jsonl = run(&["grade", "--format", "jsonl"]);
    let explain = run(&["explain"]);
    let line: serde_json::Value = serde_json::from_str(jsonl.trim()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(repo().join("schema/zhijian.call.v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&line), "{line}");
    // As written, in the line's own key order.
    let evidence: Vec<&str> = jsonl
        .split("\"evidence\":")
        .skip(1)
        .map(|rest| &rest[..=rest.find('}').unwrap()])
        .collect();
    insta::assert_snapshot!(
        "similar_evidence",
        format!("{findings}\n{}\n\n{explain}", evidence.join("\n"))
    );
}

/// A synthetic ID number: region 89 is no province, so no real person has it; the birth date
/// and the check character are valid, so it must be masked.
fn synthetic_id() -> String {
    let body = "89010119850615123";
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A synthetic 19-digit card number on an unassigned 62 range, with a valid Luhn digit.
fn synthetic_card() -> String {
    let body = "629900000012345678";
    (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|n| {
            let sum: u32 = n
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let v = (b - b'0') as u32 * if i % 2 == 1 { 2 } else { 1 };
                    if v > 9 {
                        v - 9
                    } else {
                        v
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .unwrap()
}

/// The text of every part of a workbook (sheets, shared strings, properties).
fn xlsx_text(path: &Path) -> String {
    let mut zip = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut all).unwrap();
    }
    all
}

/// The review page with its packed calls unpacked.
fn html_text(path: &Path) -> String {
    use base64::Engine as _;
    let html = fs::read_to_string(path).unwrap();
    let at = html.find("id=\"zj-calls\"").unwrap();
    let at = at + html[at..].find('>').unwrap() + 1;
    let len = html[at..].find("</script>").unwrap();
    let packed = base64::engine::general_purpose::STANDARD
        .decode(html[at..at + len].trim())
        .unwrap();
    let mut calls = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut calls)
        .unwrap();
    html + &calls
}

#[test]
fn no_personal_number_leaves_in_any_report_unless_asked() {
    let id = synthetic_id();
    let card = synthetic_card();
    // Each number as the customer gave it, and the digits alone: neither may appear.
    let said = [
        "幺三八 零零幺三 八零零零",
        "+86 139-0000-1111",
        "010-87654321",
        id.as_str(),
        card.as_str(),
        "zhang.san@example.com",
    ];
    let digits = ["13800138000", "13900001111", "01087654321", &id, &card];
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pii.txt",
        &format!(
            "# agent: 工号1024\n\
             # 来电号码: 13900001111\n\
             客服：您好,工号1024为您服务。\n\
             客户：我手机号{},备用{},家里座机{}。\n\
             客服：好的,请提供一下身份证号。\n\
             客户：{},扣款的卡是{},邮箱{},订单号13512345678,你们怎么回事啊!\n\
             客服：这个不归我管。\n",
            said[0], said[1], said[2], said[3], said[4], said[5]
        ),
    );
    let outputs = [
        "-q",
        "-o",
        "s.csv",
        "--findings",
        "f.csv",
        "-o",
        "r.jsonl",
        "-o",
        "r.xlsx",
        "--html",
        "r.html",
    ];
    let run = grade_to(dir.path(), &[Path::new("pii.txt")], &outputs);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let read = |d: &Path| {
        [
            fs::read_to_string(d.join("s.csv")).unwrap(),
            fs::read_to_string(d.join("f.csv")).unwrap(),
            fs::read_to_string(d.join("r.jsonl")).unwrap(),
            xlsx_text(&d.join("r.xlsx")),
            html_text(&d.join("r.html")),
        ]
    };
    let names = ["score CSV", "findings", "JSONL", "workbook", "review page"];
    let reports = read(dir.path());
    for (name, text) in names.iter().zip(&reports) {
        for number in said.iter().chain(&digits) {
            assert!(!text.contains(number), "{name} shows {number}");
        }
    }
    let jsonl = &reports[2];
    for masked in [
        "幺三八 **** 八零零零",
        "+86 139-****-1111",
        "010-****4321",
        "订单号13512345678",
        "工号1024",
        "\"来电号码\":\"139****1111\"",
        "z********@example.com",
        "\"masked\":true",
    ] {
        assert!(jsonl.contains(masked), "{masked} not in {jsonl}");
    }
    assert!(jsonl.contains(&format!("8{}{}", "*".repeat(16), &id[17..])));
    assert!(jsonl.contains(&format!("{}{}", "*".repeat(15), &card[15..])));
    // The score CSV's `masked` column, before the columns appended after it.
    let masked_score = |scores: &str| -> String {
        let scores = scores.trim_start_matches('\u{feff}');
        let mut scores = csv::Reader::from_reader(scores.as_bytes());
        let at = scores.headers().unwrap().iter().position(|h| h == "masked");
        assert_eq!(at, Some(14));
        scores.records().next().unwrap().unwrap()[14].to_string()
    };
    assert_eq!(masked_score(&reports[0]), "true");
    // The findings' `masked` column, before the columns appended after it.
    let masked = |findings: &str| -> Vec<String> {
        csv::Reader::from_reader(findings.as_bytes())
            .records()
            .map(|r| r.unwrap()[17].to_string())
            .collect()
    };
    let column = masked(&reports[1]);
    assert!(
        !column.is_empty() && column.iter().all(|m| m == "true"),
        "{column:?}"
    );
    assert!(reports[3].contains("已遮盖"));
    assert!(reports[4].contains("个人信息已遮盖"));

    // An internal run keeps them, and every report says so.
    let run = grade_to(
        dir.path(),
        &[Path::new("pii.txt")],
        &[&outputs[..], &["--no-mask"]].concat(),
    );
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let reports = read(dir.path());
    for number in &said {
        assert!(reports[2].contains(number), "--no-mask lost {number}");
    }
    assert_eq!(masked_score(&reports[0]), "false");
    assert!(reports[2].contains("\"masked\":false"));
    assert!(reports[3].contains("未遮盖"));
    assert!(reports[4].contains("个人信息未遮盖"));
}

/// `explain` on a call a measure rule passed says how far it was from firing: the reading
/// nearest the threshold, and the threshold, so a supervisor sees 3.8 against 6.5 字/秒.
#[test]
fn explain_names_a_passing_measure_rules_reading() {
    let out = zhijian()
        .args(["explain", "-q"])
        .arg(repo().join("corpus/timed/broadband_normal_pace.txt"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("LNG006"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.ends_with("指标没有越过阈值:客服整通平均语速 3.8 字/秒 (规则:超过 6.5 字/秒)"),
        "{line}"
    );
}
