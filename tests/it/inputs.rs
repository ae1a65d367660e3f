//! Recordings in, as a QA team feeds them: folders of mixed exports, stdin, speakers that need
//! a decision, agents named by the path, oversized calls — through the binary.

use crate::common::{self, write, zhijian};

const DIARIZED: &str = "说话人1：喂,我家宽带又断了\n说话人2：您好,工号1024很高兴为您服务,我帮您查询一下\n说话人1：好\n说话人2：线路已经恢复了,请问还有其他问题吗\n";

fn records(csv: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn files_no_reader_knows_are_skipped_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/0001.txt", DIARIZED);
    for name in ["a/0001.wav", "a/0002.mp3", "b/list.xlsx", "b/notes.md"] {
        write(dir.path(), name, "not a transcript");
    }
    let out = zhijian().arg("grade").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("跳过了 4 个无法识别格式的文件"), "{err}");
    assert!(
        err.contains("0001.wav") && err.contains("--verbose"),
        "{err}"
    );
    assert!(
        !err.contains("notes.md"),
        "only a few are named without --verbose: {err}"
    );
    assert_eq!(records(&String::from_utf8(out.stdout).unwrap()).len(), 1);

    let out = zhijian()
        .args(["grade", "--verbose"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("notes.md") && !err.contains("--verbose"),
        "{err}"
    );

    // A directory with nothing to read is a usage error that says what it skipped.
    let empty = tempfile::tempdir().unwrap();
    write(empty.path(), "0001.wav", "RIFF");
    let out = zhijian().arg("grade").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("跳过了 1 个其他文件"), "{err}");
}

#[test]
fn stdin_is_sniffed_like_a_file() {
    let out = zhijian()
        .args(["grade", "-", "-q"])
        .write_stdin(DIARIZED)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(&rows[0][0], "stdin");
    assert_eq!(&rows[0][12], "说话人2 说了“工号”,判定为客服");

    let srt = "1\n00:00:00,000 --> 00:00:02,000\n[SPEAKER_01] 您好,工号1024为您服务\n\n2\n00:00:02,500 --> 00:00:04,000\n[SPEAKER_00] 我想查话费\n";
    let out = zhijian()
        .args(["grade", "-", "-q"])
        .write_stdin(srt)
        .output()
        .unwrap();
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(&rows[0][12], "SPEAKER_01 说了“工号”,判定为客服", "{rows:?}");
}

#[test]
fn undecided_roles_are_flagged_and_the_summary_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(
        dir.path(),
        "0001.txt",
        "spk0：嗯\nspk1：好的\nspk0：那就这样\nspk1：行\n",
    );
    let out = zhijian().arg("grade").arg(&call).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(&rows[0][8], "true");
    assert!(rows[0][9].contains("角色未判定"), "{:?}", rows[0]);
    assert!(rows[0][12].starts_with("未能判定"), "{:?}", rows[0]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--agent-speaker"), "{err}");

    // Naming the agent settles it.
    let out = zhijian()
        .args(["grade", "-q", "--agent-speaker", "spk1"])
        .arg(&call)
        .output()
        .unwrap();
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(&rows[0][12], "指定 spk1 为客服");
    assert!(!rows[0][9].contains("角色未判定"));
}

#[test]
fn the_agent_comes_from_the_path_when_the_call_does_not_name_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "2026-11-01/A1024/0001.wav.txt", DIARIZED);
    write(
        dir.path(),
        "2026-11-01/A2048/0002.txt",
        &format!("# agent: 张敏\n{DIARIZED}"),
    );
    let out = zhijian()
        .args(["grade", "-q", "--agent-from-path", r"/(A\d+)/"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!((&rows[0][0], &rows[0][2]), ("0001", "A1024"));
    assert_eq!(&rows[1][2], "张敏", "the call's own metadata wins");

    let out = zhijian()
        .args(["grade", "--agent-from-path", "(A\\d+"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("--agent-from-path 不是有效的正则表达式"));
}

#[test]
fn an_oversized_call_is_one_error_row_and_the_limit_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("客服：您好{}\n客户：好\n", "您好".repeat(700_000));
    write(dir.path(), "big.txt", &big);
    write(dir.path(), "small.txt", DIARIZED);
    let out = zhijian()
        .args(["grade", "-q", "--max-call-mb", "1"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert!(rows[0][11].contains("超过单通上限 1 MB"), "{:?}", rows[0]);
    assert_eq!(&rows[1][11], "");
    for bad in ["0", "5000"] {
        let out = zhijian()
            .args(["grade", "--max-call-mb", bad])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--max-call-mb {bad}");
    }
}

#[test]
fn agent_speaker_and_channel_are_one_choice() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", DIARIZED);
    let out = zhijian()
        .args(["grade", "--agent-speaker", "1", "--agent-channel", "0"])
        .arg(&call)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--agent-channel"), "{err}");
}

/// Streamed input (stdin is always streamed) crosses chunk boundaries and still gives the rows
/// a file read whole gives, in order, whatever the thread count.
#[test]
fn streamed_input_matches_whole_files_at_every_thread_count() {
    let corpus =
        std::fs::read_to_string(common::repo().join("corpus/jsonl/ecommerce_batch.jsonl")).unwrap();
    let lines: Vec<&str> = corpus.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut batch = String::new();
    for n in 0..5000 {
        let mut call: serde_json::Value = serde_json::from_str(lines[n % lines.len()]).unwrap();
        call["id"] = serde_json::json!(format!("c{n}"));
        batch.push_str(&call.to_string());
        batch.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "batch.jsonl", &batch);
    let run = |threads: &str, from_stdin: bool| {
        let mut cmd = zhijian();
        cmd.args(["grade", "-q", "--threads", threads]);
        if from_stdin {
            cmd.arg("-").write_stdin(batch.clone());
        } else {
            cmd.arg(&file);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run("1", true);
    assert_eq!(one, run("2", true));
    assert_eq!(one.lines().count(), 5001);
    let whole = run("2", false).replace(&format!("{}#", file.display()), "<stdin>#");
    assert_eq!(one, whole);
}

/// Large files are streamed; an oversized call inside one stops the reading there with a row
/// that says which call, without building it in memory, and a stream that stops decoding says
/// where — the calls before either are graded.
#[test]
fn streamed_files_stop_cleanly_at_an_oversized_call_or_a_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let ticket = |tid: &str, words: &str| {
        serde_json::json!({"tid": tid, "dialogue": [
            {"role": "客服", "words": words, "begin": 0, "end": 900},
            {"role": "客户", "words": "好的", "begin": 1000, "end": 1500}]})
    };
    let huge = "您好".repeat(1_600_000); // about 9.6 MB: the file is streamed
    let doc = serde_json::json!({"tickets": [ticket("t1", "您好,工号1024"), ticket("t2", &huge), ticket("t3", "您好")]});
    let path = dir.path().join("tickets.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = zhijian()
        .args(["grade", "-q", "--max-call-mb", "2"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((&rows[0][0], &rows[0][11]), ("t1", ""));
    assert!(
        rows[1][11].contains("第 2 通超过单通上限 2 MB"),
        "{:?}",
        rows[1]
    );

    // GBK, large enough to stream (over 8 MB once encoded), with garbage near the end.
    let line = "{\"turns\":[{\"role\":\"客服\",\"text\":\"您好,工号1024为您服务,请问有什么可以帮您?\"},{\"role\":\"客户\",\"text\":\"我想查一下话费。\"}]}\n";
    let mut bytes = encoding_rs::GB18030
        .encode(&line.repeat(13 * 1024 * 1024 / line.len() + 1))
        .0
        .into_owned();
    bytes.extend([0xFF, 0xFF, b'\n']);
    let path = dir.path().join("gbk.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let out = zhijian().args(["grade", "-q"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = records(&text);
    let last = rows.last().unwrap();
    assert!(last[11].contains("无法按 GB18030 (GBK) 解码"), "{last:?}");
    assert!(rows.len() > 1000 && rows[..rows.len() - 1].iter().all(|r| r[11].is_empty()));
}

const CALL: &str =
    "客服：您好,工号1024为您服务。\n客户：我想查一下话费。\n客服：好的,您本月话费 58 元。\n";

/// `zhijian grade 转写/ --out 转写/结果.jsonl` run every day: earlier versions graded the report
/// as two more calls on every other run, and refused the run that replaced it as writing over an
/// input. Each report zhijian writes is set aside by content, whatever its name, and named.
#[test]
fn reports_in_the_directory_being_graded_are_set_aside_not_graded() {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    write(&calls, "0001.txt", CALL);
    write(&calls, "0002.txt", DIARIZED);
    let grade = |extra: &[&str]| {
        zhijian()
            .current_dir(dir.path())
            .args(["grade", "calls"])
            .args(extra)
            .output()
            .unwrap()
    };
    let every_report = [
        "--out",
        "calls/results.jsonl",
        "--out",
        "calls/scores.csv",
        "--findings",
        "calls/findings.csv",
        "--html",
        "calls/review.html",
        "--out",
        "calls/book.xlsx",
    ];
    let first = grade(&every_report);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    // A report under a name some reader reads, as `--format` lets anyone write it.
    let jsonl = std::fs::read(calls.join("results.jsonl")).unwrap();
    std::fs::write(calls.join("yesterday.json"), &jsonl).unwrap();
    let bom_csv = grade(&["--bom", "--out", "calls/scores-bom.txt", "--format", "csv"]);
    assert_eq!(bom_csv.status.code(), Some(0), "{bom_csv:?}");
    let sample = zhijian()
        .current_dir(dir.path())
        .args(["sample", "calls", "-o", "calls/抽检单.txt"])
        .args(["--verdicts", "calls/verdicts.csv"])
        .output()
        .unwrap();
    assert_eq!(sample.status.code(), Some(0), "{sample:?}");

    // The second run replaces every report in place, and grades the two calls only.
    let again = grade(&every_report);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    let err = String::from_utf8(again.stderr).unwrap();
    for (name, what) in [
        ("results.jsonl", "这是 zhijian 写的 JSONL 报告"),
        ("yesterday.json", "这是 zhijian 写的 JSONL 报告"),
        ("scores.csv", "这是 zhijian 写的得分 CSV"),
        ("scores-bom.txt", "这是 zhijian 写的得分 CSV"),
        ("findings.csv", "这是 zhijian 写的证据 CSV"),
        ("review.html", "这是 zhijian 写的 HTML 复核报告"),
        ("抽检单.txt", "这是 zhijian 写的人工抽检单"),
        ("verdicts.csv", "这是复核结论表 (verdicts.csv)"),
    ] {
        let line = format!("跳过 calls/{name}: {what},不是通话\n");
        assert_eq!(err.matches(&line).count(), 1, "{line}\n{err}");
    }
    assert!(err.contains("已质检 2 通"), "{err}");
    assert!(!err.contains("就是输入"), "{err}");
    // A workbook cannot be told from any other: it is counted with the files not read.
    assert!(err.contains("跳过了 1 个无法识别格式的文件"), "{err}");
    let lines = std::fs::read_to_string(calls.join("results.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    let scores = std::fs::read_to_string(calls.join("scores.csv")).unwrap();
    assert_eq!(records(&scores).len(), 2, "{scores}");

    // --quiet is quiet about them too.
    let quiet = grade(&["-q"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(String::from_utf8(quiet.stderr).unwrap(), "");
    assert_eq!(records(&String::from_utf8(quiet.stdout).unwrap()).len(), 2);

    // A directory of nothing but reports says so.
    let only = tempfile::tempdir().unwrap();
    std::fs::write(only.path().join("results.jsonl"), &jsonl).unwrap();
    let out = zhijian().arg("grade").arg(only.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1 个 zhijian 写的报告"), "{err}");
}

/// A report named on the command line, or piped in, is read as asked and is one error row
/// saying what it is; the batch goes on.
#[test]
fn a_report_named_as_an_input_is_an_error_row_that_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "0001.txt", CALL);
    let run = zhijian()
        .current_dir(dir.path())
        .args(["grade", "0001.txt", "--out", "r.jsonl", "--out", "r.xlsx"])
        .args(["--out", "r.csv"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let out = zhijian()
        .current_dir(dir.path())
        .args(["grade", "r.jsonl", "r.xlsx", "r.csv"])
        .arg(&call)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let rows = records(&String::from_utf8(out.stdout).unwrap());
    let error = |source: &str| {
        let row = rows.iter().find(|r| &r[1] == source).unwrap();
        row[11].to_string()
    };
    assert_eq!(
        error("r.jsonl"),
        "这是 zhijian 写的 JSONL 报告,不是通话转写"
    );
    assert_eq!(error("r.csv"), "这是 zhijian 写的得分 CSV,不是通话转写");
    assert_eq!(
        error("r.xlsx"),
        "这是 Excel 工作簿 (或其他 Office 文档),不是通话转写"
    );
    assert_eq!(rows.len(), 4, "the call is graded all the same");
    assert_eq!(error(&call.display().to_string()), "");

    let piped = zhijian()
        .args(["grade", "-"])
        .write_stdin(std::fs::read(dir.path().join("r.jsonl")).unwrap())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(1));
    let rows = records(&String::from_utf8(piped.stdout).unwrap());
    assert_eq!(rows.len(), 1);
    assert!(rows[0][11].starts_with("这是 zhijian 写的 JSONL 报告"));
}

/// A symlink loop was reported as 系统错误 (错误码 40): the links are named, so they can be
/// found and fixed, in a walk and on the command line.
#[test]
fn a_symlink_loop_is_named_link_by_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/0001.txt", CALL);
    symlink("b.txt", dir.path().join("d/a.txt")).unwrap();
    symlink("a.txt", dir.path().join("d/b.txt")).unwrap();
    symlink("self.txt", dir.path().join("d/self.txt")).unwrap();
    std::fs::create_dir(dir.path().join("d/sub")).unwrap();
    symlink("..", dir.path().join("d/sub/up")).unwrap();
    let out = zhijian()
        .current_dir(dir.path())
        .args(["grade", "d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("错误码"), "{stdout}");
    let rows = records(&stdout);
    let error = |source: &str| {
        let row = rows.iter().find(|r| &r[1] == source).unwrap();
        row[11].to_string()
    };
    assert_eq!(
        error("d/a.txt"),
        "无法读取文件: 符号链接循环: d/a.txt -> d/b.txt -> d/a.txt"
    );
    assert_eq!(
        error("d/self.txt"),
        "无法读取文件: 符号链接循环: d/self.txt -> d/self.txt"
    );
    assert_eq!(
        error("d/sub/up"),
        "无法读取文件: 符号链接循环: d/sub/up -> .. (指向包含它的目录)"
    );
    assert_eq!(error("d/0001.txt"), "", "the rest is graded");

    // Named on the command line: refused before anything is written, saying why.
    let out = zhijian()
        .current_dir(dir.path())
        .args(["grade", "d/a.txt", "--out", "r.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("符号链接循环: d/a.txt -> d/b.txt -> d/a.txt"),
        "{err}"
    );
    assert!(!dir.path().join("r.csv").exists());
    // Named from its own directory, without a path.
    let out = zhijian()
        .current_dir(dir.path().join("d"))
        .args(["grade", "a.txt"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("符号链接循环: a.txt -> b.txt -> a.txt"),
        "{err}"
    );
}

/// A recogniser's whole call on one line: graded with evidence in the right place, deep in the
/// line, and a missing reply quotes the start of the turn rather than a copy of all of it (each
/// such copy made a 50 MB line cost hundreds of MB).
#[test]
fn a_call_on_one_long_line_is_graded_with_bounded_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "今天天气很好我们一起去公园散步然后回家吃饭。".repeat(40_000);
    let turn = format!("{filler}这个我不知道。");
    let call = write(
        dir.path(),
        "long.txt",
        &format!("客服：{turn}\n客户：好的。\n"),
    );
    let out = zhijian()
        .args(["grade", "-q", "--format", "jsonl"])
        .arg(&call)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = line["hits"].as_array().unwrap();
    let said = hits
        .iter()
        .find(|h| h["evidence"]["text"] == "不知道")
        .expect("the words at the end of the line");
    let start = turn[..turn.find("不知道").unwrap()].chars().count();
    assert_eq!(said["evidence"]["start"], start);
    assert_eq!(said["evidence"]["end"], start + 3);
    let missing = hits
        .iter()
        .find(|h| h["evidence"]["kind"] == "missing" && h["turn"] == 0)
        .expect("no closing");
    let quoted = missing["evidence"]["text"].as_str().unwrap();
    assert_eq!(
        quoted.chars().count(),
        zhijian::rule::WHOLE_TURN_QUOTE_CHARS
    );
    assert!(turn.starts_with(quoted));
    assert_eq!(missing["evidence"]["start"], 0);
    assert_eq!(
        missing["evidence"]["end"],
        zhijian::rule::WHOLE_TURN_QUOTE_CHARS
    );
    assert_eq!(line["turns"][0]["text"], turn, "the turn itself is whole");
}
