//! The `zhijian` binary as a user runs it: arguments, files, exit codes, output bytes.

use std::fs;

use crate::common::{self, repo, rules_copy, stdout_of, write, zhijian};

const GOOD_CALL: &str = "# agent: 张敏\n客服：您好,工号1024为您服务。\n客户：我想查一下话费。\n客服：好的,麻烦您提供一下手机号码。\n客户：13800001234。\n客服：您本月话费 58 元。请问还有其他问题吗?\n客户：没有了,好的谢谢。\n客服：感谢您的来电,再见。\n";

#[test]
fn no_path_is_a_usage_error_with_a_hint() {
    let out = zhijian().arg("grade").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("zhijian grade corpus/"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn grades_a_file_to_stdout_with_the_exact_columns() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "good.txt", GOOD_CALL);
    let out = stdout_of(zhijian().arg("grade").arg(&call).arg("--quiet"));
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "call_id,source,agent,score,tier,service_type,attitude,procedure,flagged,flag_reasons,hits,error,roles,channel,masked,not_applicable,unjudged"
    );
    let row = lines.next().unwrap();
    assert_eq!(
        row,
        format!(
            "good,{},张敏,100,优秀,优质型,100,100,false,,LNG003:1;RES002:1,,角色标签,phone,true,LNG005;RES004;RES005,CLS002;LNG006;LST001;LST002",
            call.display()
        )
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn broken_inputs_are_error_rows_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a_good.txt", GOOD_CALL);
    write(dir.path(), "b_empty.txt", "");
    write(dir.path(), "c_prose.txt", "这是一段没有角色标签的文字。\n");
    fs::write(
        dir.path().join("d_gbk.txt"),
        encoding_rs::GB18030.encode(GOOD_CALL).0,
    )
    .unwrap();
    write(
        dir.path(),
        "e.jsonl",
        "{\"id\":\"j1\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好\"}]}\n{oops\n",
    );
    let out = zhijian()
        .arg("grade")
        .arg(dir.path())
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{csv}");
    assert!(rows[0].starts_with("a_good,"));
    assert!(
        rows[1].starts_with("b_empty,") && rows[1].ends_with(",true,输入错误,,文件为空,,,true,,"),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains("未找到带角色标签的对话行"), "{}", rows[2]);
    // A GBK export is detected and graded like its UTF-8 twin.
    assert!(
        rows[3].starts_with("d_gbk,") && rows[3].contains(",100,优秀,"),
        "{}",
        rows[3]
    );
    assert!(rows[4].starts_with("j1,"));
    assert!(
        rows[5].starts_with("e#2,")
            && rows[5].contains("e.jsonl#2")
            && rows[5].contains("JSON 格式错误"),
        "{}",
        rows[5]
    );

    // Forcing the encoding gives the same.
    let out = stdout_of(
        zhijian()
            .args(["grade", "--encoding", "gb18030", "-q"])
            .arg(dir.path().join("d_gbk.txt")),
    );
    assert!(out.lines().nth(1).unwrap().contains(",100,优秀,"), "{out}");
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let corpus = repo().join("corpus");
    let one = zhijian()
        .args(["grade", "-q", "--threads", "1"])
        .arg(&corpus)
        .output()
        .unwrap();
    let four = zhijian()
        .args(["grade", "-q", "--threads", "4"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, four.stdout);
}

#[test]
fn out_and_findings_are_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(
        dir.path(),
        "wei.txt",
        "坐席：喂,你好。\n客戶：我家貓咪的餵養問題……\n坐席：不知道,你自己去查。\n",
    );
    let out = dir.path().join("scores.csv");
    let findings = dir.path().join("findings.csv");
    let run = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--out")
        .arg(&out)
        .arg("--findings")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert!(
        run.stdout.is_empty(),
        "stdout carries data only when --out is not given"
    );
    let scores = fs::read_to_string(&out).unwrap();
    assert!(scores.lines().nth(1).unwrap().starts_with("wei,"));
    let findings = fs::read_to_string(&findings).unwrap();
    assert!(findings.starts_with(
        "call_id,rule_id,turn,role,start,end,matched,message,source,agent,rule_title,points,fatal,evidence,begin_ms,end_ms,measured_ms,masked,uncharged,confidence\n"
    ));
    assert!(
        findings.contains("wei,OPN001,0,agent,0,1,喂,"),
        "{findings}"
    );
    assert!(
        findings.contains("wei,LNG001,2,agent,4,9,你自己去查,"),
        "{findings}"
    );
    // No temporary files are left beside the outputs.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn unwritable_out_is_an_error_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let run = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--out")
        .arg(dir.path().join("no/such/dir/scores.csv"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8(run.stderr).unwrap().contains("无法写入"));
}

#[test]
fn reads_jsonl_from_stdin() {
    let input = "{\"id\":\"s1\",\"turns\":[{\"role\":\"客服\",\"text\":\"您好,我是小王\"},{\"role\":\"客户\",\"text\":\"喂养宠物的保险怎么买?\"}]}\n";
    let out = zhijian()
        .args(["grade", "-", "-q"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8(out.stdout).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("s1,<stdin>#1,"), "{row}");
    assert!(!row.contains("OPN001"), "{row}");
}

#[test]
fn bom_flag_prefixes_the_csv_for_excel() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let out = zhijian()
        .args(["grade", "--bom", "-q"])
        .arg(&call)
        .output()
        .unwrap();
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBFcall_id,"));
}

#[test]
fn rule_errors_name_file_line_and_exit_2() {
    let rules = rules_copy();
    let path = rules.path().join("opening/OPN001-wei.toml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("max_hits = 1", "max_hits = 1\nmax_hit = 2"),
    )
    .unwrap();
    let regex_file = rules.path().join("language/LNG003-request-form.toml");
    let text = fs::read_to_string(&regex_file).unwrap();
    fs::write(
        &regex_file,
        text.replacen("[match]\n", "[match]\nregex = ['((您看|你看)']\n", 1),
    )
    .unwrap();
    let max_hit_line = fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l == "max_hit = 2")
        .unwrap()
        + 1;

    let out = zhijian()
        .arg("grade")
        .arg(repo().join("corpus"))
        .arg("--rules")
        .arg(rules.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("opening/OPN001-wei.toml:{max_hit_line}:1")),
        "{err}"
    );
    assert!(err.contains("未知的键 \"max_hit\""), "{err}");
    assert!(err.contains("language/LNG003-request-form.toml:"), "{err}");
    assert!(
        err.contains("[LNG003] 正则表达式无法编译: unclosed group"),
        "{err}"
    );
    assert!(err.contains("规则文件有 2 处错误"), "{err}");
}

#[test]
fn a_rule_directory_replaces_the_builtin_rules() {
    let rules = rules_copy();
    fs::remove_file(rules.path().join("opening/OPN001-wei.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let call = write(
        dir.path(),
        "w.txt",
        "客服：喂,您好,我是小王。\n客户：你好。\n",
    );
    let with_builtin = stdout_of(zhijian().args(["grade", "-q"]).arg(&call));
    let with_copy = stdout_of(
        zhijian()
            .args(["grade", "-q", "--rules"])
            .arg(rules.path())
            .arg(&call),
    );
    assert!(with_builtin.contains("OPN001:1"));
    assert!(!with_copy.contains("OPN001"));
}

#[cfg(unix)]
#[test]
fn outputs_follow_symlinks_and_are_readable_by_the_team() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let real = dir.path().join("real.csv");
    fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.csv");
    symlink(&real, &link).unwrap();
    let run = zhijian()
        .args(["grade", "-q"])
        .arg(&call)
        .arg("--out")
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&real).unwrap().starts_with("call_id,"));
    // Group and others may read it unless the umask forbids (tempfile's default is 0600).
    let mode = fs::metadata(&real).unwrap().permissions().mode();
    assert_ne!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn nothing_to_grade_and_one_file_for_two_reports_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhijian().arg("grade").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("没有找到可质检的文件"));

    let call = write(dir.path(), "c.txt", GOOD_CALL);
    let same = dir.path().join("same.csv");
    let out = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--out")
        .arg(&same)
        .arg("--findings")
        .arg(&same)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!same.exists());
}

/// `zhijian sample` on the bundled corpus, run from the repository so sources read `corpus/…`.
fn sample_corpus(args: &[&str]) -> std::process::Output {
    zhijian()
        .current_dir(repo())
        .args(["sample", "corpus", "-q"])
        .args(args)
        .output()
        .unwrap()
}

/// The strata table at the head of a worksheet: (label's first word, candidates, drawn).
fn strata_of(sheet: &str) -> Vec<(String, usize, usize)> {
    sheet
        .lines()
        .skip_while(|l| !l.contains("抽样层 / Stratum"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let at = 1 + t[1..]
                .iter()
                .position(|w| w.parse::<usize>().is_ok())
                .unwrap();
            (
                t[0].to_string(),
                t[at].parse().unwrap(),
                t[at + 1].parse().unwrap(),
            )
        })
        .collect()
}

/// The score CSV of the corpus: (call_id, channel, rule ids that hit).
fn corpus_hits() -> Vec<(String, String, Vec<String>)> {
    let csv = stdout_of(
        zhijian()
            .current_dir(repo())
            .args(["grade", "corpus", "-q"]),
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let rules = r[10]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(|s| s.split(':').next().unwrap().to_string())
                .collect();
            (r[0].to_string(), r[13].to_string(), rules)
        })
        .collect()
}

/// The corpus graded as JSONL lines.
fn corpus_jsonl() -> Vec<serde_json::Value> {
    stdout_of(
        zhijian()
            .current_dir(repo())
            .args(["grade", "corpus", "-q", "--format", "jsonl"]),
    )
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

#[test]
fn sample_draws_the_same_items_for_the_same_seed_whatever_the_threads() {
    let first = sample_corpus(&["--per", "rule", "--n", "2", "--seed", "1"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let sheet = String::from_utf8(first.stdout.clone()).unwrap();
    // The rules' fingerprint changes with every rule edit; what is drawn and how it reads is
    // what this snapshot is for.
    let version = zhijian::rule::RuleSet::embedded().unwrap().version;
    assert!(sheet.contains(&format!("规则版本: {version}")), "{sheet}");
    insta::assert_snapshot!(
        "sample_corpus_per_rule",
        sheet.replace(&version, "[规则版本]")
    );

    for threads in ["1", "2"] {
        let again = sample_corpus(&["--per", "rule", "--n", "2", "--seed", "1", "-j", threads]);
        assert_eq!(again.stdout, first.stdout, "--threads {threads}");
    }
    let other = sample_corpus(&["--per", "rule", "--n", "2", "--seed", "2"]);
    assert_eq!(other.status.code(), Some(0));
    assert_ne!(other.stdout, first.stdout);
    // Another seed draws other items from the same strata.
    let other = String::from_utf8(other.stdout).unwrap();
    assert_eq!(strata_of(&other), strata_of(&sheet));
    let calls = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("通话 "))
            .map(String::from)
            .collect()
    };
    assert_ne!(calls(&other), calls(&sheet));

    // The default seed is a fixed number too.
    let a = sample_corpus(&["--n", "1"]);
    let b = sample_corpus(&["--n", "1", "--seed", "13"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn each_rule_is_a_stratum_of_the_calls_it_fired_on() {
    let hits = corpus_hits();
    let out = sample_corpus(&["--n", "3", "--seed", "5"]);
    let sheet = String::from_utf8(out.stdout).unwrap();
    let strata = strata_of(&sheet);
    assert_eq!(
        strata.len(),
        zhijian::rule::RuleSet::embedded().unwrap().rules.len(),
        "every built-in rule, fired or not"
    );
    for (id, candidates, drawn) in &strata {
        let fired = hits.iter().filter(|(_, _, r)| r.contains(id)).count();
        assert_eq!(*candidates, fired, "{id}");
        assert_eq!(*drawn, fired.min(3), "{id}");
    }
    // The items are the strata's, in order, each on a call the rule fired on.
    let items: Vec<(String, String)> = sheet
        .lines()
        .filter(|l| l.starts_with("第 ") && l.contains(" / Item "))
        .map(|l| {
            l.split(" · ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .zip(
            sheet
                .lines()
                .filter(|l| l.starts_with("通话 "))
                .map(|l| l.split(' ').nth(1).unwrap().to_string()),
        )
        .collect();
    assert_eq!(items.len(), strata.iter().map(|s| s.2).sum::<usize>());
    for (rule, call) in &items {
        assert!(
            hits.iter().any(|(id, _, r)| id == call && r.contains(rule)),
            "{rule} on {call}"
        );
    }
    let mut sorted = items.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        items.iter().map(|i| &i.0).collect::<Vec<_>>(),
        sorted.iter().map(|i| &i.0).collect::<Vec<_>>()
    );

    // By channel: the candidates are the (call, rule) pairs of each channel, in channel order.
    let out = sample_corpus(&["--per", "channel", "--n", "4"]);
    let sheet = String::from_utf8(out.stdout).unwrap();
    let expected: Vec<(String, usize, usize)> = ["phone", "chat", "social", "ticket"]
        .iter()
        .map(|name| {
            hits.iter()
                .filter(|(_, c, _)| c == name)
                .map(|(_, _, r)| r.len())
                .sum::<usize>()
        })
        .filter(|&pairs| pairs > 0)
        .map(|pairs| ("渠道".to_string(), pairs, pairs.min(4)))
        .collect();
    assert_eq!(strata_of(&sheet), expected);
    assert!(sheet.contains("\n  渠道 电话 "), "{sheet}");

    let out = sample_corpus(&[
        "--only-channel",
        "chat",
        "--rule",
        "CLS001",
        "--rule",
        "RSP001",
    ]);
    let sheet = String::from_utf8(out.stdout).unwrap();
    let strata = strata_of(&sheet);
    for (id, candidates, _) in &strata {
        let fired = hits
            .iter()
            .filter(|(_, c, r)| c == "chat" && r.contains(id))
            .count();
        assert_eq!(*candidates, fired, "{id}");
    }
    assert_eq!(
        strata.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["CLS001", "RSP001"]
    );
    assert!(
        sheet.contains("只抽规则: CLS001、RSP001\n只抽渠道: 在线\n"),
        "{sheet}"
    );
    assert!(sheet
        .lines()
        .filter(|l| l.starts_with("渠道 "))
        .all(|l| l.starts_with("渠道 在线 ")));
}

#[test]
fn the_blank_verdicts_filled_in_are_what_precision_counts() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("sample.csv");
    let out = sample_corpus(&[
        "--n",
        "2",
        "--seed",
        "1",
        "--verdicts",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sheet = String::from_utf8(out.stdout).unwrap();
    let raw = fs::read_to_string(&csv_path).unwrap();
    assert!(raw.starts_with(
        "\u{feff}call_id,source,rule_id,turn,start,end,verdict,reviewer,comment,rules_version,kind,rule_title,quote,context,channel,transcript\r\n"
    ));
    let mut reader = csv::Reader::from_reader(raw.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // One row per piece of evidence, one 判定 line each.
    assert_eq!(
        rows.len(),
        sheet.matches("判定: 确认 / 误判 / 存疑   理由:").count()
    );
    assert!(rows
        .iter()
        .all(|r| r[6].is_empty() && r[7].is_empty() && r[8].is_empty()));

    // Every row names a hit the grader found, and the call's words as the review page does.
    let calls = corpus_jsonl();
    for r in &rows {
        let call = calls
            .iter()
            .find(|c| c["call_id"] == r[0] && c["source"] == r[1])
            .unwrap_or_else(|| panic!("{r:?}"));
        let turns: Vec<zhijian::input::Turn> = call["turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| zhijian::input::Turn {
                role: if t["role"] == "agent" {
                    zhijian::input::Role::Agent
                } else {
                    zhijian::input::Role::Customer
                },
                text: t["text"].as_str().unwrap().into(),
                ..Default::default()
            })
            .collect();
        assert_eq!(
            r[15],
            zhijian::verdict::transcript_fingerprint(&turns),
            "{r:?}"
        );
        assert_eq!(&r[9], call["rules_version"].as_str().unwrap());
        assert_eq!(&r[14], call["channel"].as_str().unwrap());
        let found = call["hits"].as_array().unwrap().iter().any(|h| {
            let e = &h["evidence"];
            let (s, en) = match e["kind"].as_str().unwrap() {
                "said" | "missing" => (&e["start"], &e["end"]),
                _ => (&e["begin_ms"], &e["end_ms"]),
            };
            h["rule_id"] == r[2]
                && h["turn"].as_u64() == r[3].parse().ok()
                && s.as_u64() == r[4].parse().ok()
                && en.as_u64() == r[5].parse().ok()
                && e["kind"] == r[10]
                && h["rule_title"] == r[11]
                && e["text"].as_str().unwrap_or("") == unguarded(&r[12])
        });
        assert!(found, "{r:?}");
        assert!(r[13].contains('：'), "context lines: {r:?}");
    }

    // Unjudged, precision has nothing to count and says why.
    let blank = zhijian().arg("precision").arg(&csv_path).output().unwrap();
    assert_eq!(blank.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&blank.stderr).contains(&format!("{} 行没有结论", rows.len())),
        "{blank:?}"
    );

    // Filled in: row k of each rule is 确认, 误判 or 存疑 in turn.
    let mut filled = csv::WriterBuilder::new().from_writer(Vec::new());
    filled.write_record(reader.headers().unwrap()).unwrap();
    let judgements = ["确认", "误判", "存疑"];
    let mut expected: std::collections::BTreeMap<String, [usize; 3]> = Default::default();
    for r in &rows {
        let counts = expected.entry(r[2].to_string()).or_default();
        let k = counts.iter().sum::<usize>() % 3;
        counts[k] += 1;
        let mut r = r.clone();
        let cells: Vec<String> = r.iter().map(String::from).collect();
        r = csv::StringRecord::from(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| if i == 6 { judgements[k] } else { c.as_str() })
                .collect::<Vec<_>>(),
        );
        filled.write_record(&r).unwrap();
    }
    fs::write(&csv_path, filled.into_inner().unwrap()).unwrap();
    let table = stdout_of(
        zhijian()
            .arg("precision")
            .arg(&csv_path)
            .args(["--format", "csv"]),
    );
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rule_id,title,reviewed,confirmed,rejected,precision,ci_low,ci_high,debatable,lenient,lenient_low,lenient_high"
    );
    let mut total = [0usize; 3];
    for (rule, [c, r, d]) in &expected {
        let line = lines.next().unwrap();
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], rule, "{table}");
        let n = c + r + d;
        assert_eq!(
            cells[2..5],
            [n.to_string(), c.to_string(), r.to_string()],
            "{line}"
        );
        assert_eq!(cells[5], format!("{:.4}", *c as f64 / n as f64), "{line}");
        assert_eq!(cells[8], d.to_string(), "{line}");
        assert_eq!(
            cells[9],
            format!("{:.4}", (c + d) as f64 / n as f64),
            "{line}"
        );
        for (t, x) in total.iter_mut().zip([c, r, d]) {
            *t += x;
        }
    }
    let last: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(last[0], "合计");
    assert_eq!(
        [last[3], last[4], last[8]],
        [
            total[0].to_string(),
            total[1].to_string(),
            total[2].to_string()
        ]
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn sample_per_call_shows_whole_dialogues_and_room_for_misses() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("calls.csv");
    let html = dir.path().join("calls.html");
    let out = zhijian()
        .current_dir(repo())
        .args([
            "sample",
            "corpus",
            "--per",
            "call",
            "--n",
            "3",
            "--seed",
            "4",
            "--verdicts",
        ])
        .arg(&csv_path)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let sheet = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let calls = corpus_hits().len();
    assert_eq!(strata_of(&sheet), [("全部通话".to_string(), calls, 3)]);
    assert!(
        stderr.lines().any(|l| l
            .split_whitespace()
            .eq(["全部通话", &calls.to_string(), "3"])),
        "{stderr}"
    );
    assert!(stderr.contains("共抽出 3 通,来自 3 通电话"), "{stderr}");
    assert!(sheet.contains("\n规则一览 / Rules\n  CLS001 未使用结束语 · 扣分 −3 (deduction) · 适用: 电话、在线、社媒\n"), "{sheet}");
    assert_eq!(sheet.matches("\n漏检 / Misses").count(), 3);
    assert_eq!(sheet.matches(" · 整通电话 / whole call · 命中 ").count(), 3);

    // Each item shows every turn of its call, and a 判定 line per hit.
    let lines = corpus_jsonl();
    let mut hits = 0;
    for item in sheet.split("\n==========").skip(1) {
        let id = item
            .lines()
            .find(|l| l.starts_with("通话 "))
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap();
        let call = lines.iter().find(|c| c["call_id"] == id).unwrap();
        let turns = call["turns"].as_array().unwrap();
        assert!(item.contains(&format!("(共 {} 轮;", turns.len())), "{item}");
        let last = turns.len().to_string();
        assert!(
            item.lines()
                .any(|l| l.trim_start().starts_with(&format!("{last} "))),
            "turn {last} of {id}"
        );
        let n = call["hits"].as_array().unwrap().len();
        assert_eq!(
            item.matches("判定: 确认 / 误判 / 存疑").count(),
            n,
            "{item}"
        );
        hits += n;
    }
    let rows = csv::Reader::from_path(&csv_path).unwrap().records().count();
    assert_eq!(rows, hits);

    // The review page holds the sampled calls and nothing else.
    let page = fs::read_to_string(&html).unwrap();
    let packed = {
        let at = page.find("id=\"zj-calls\"").unwrap();
        let at = at + page[at..].find('>').unwrap() + 1;
        page[at..at + page[at..].find("</script>").unwrap()]
            .trim()
            .to_string()
    };
    use base64::Engine as _;
    use std::io::Read as _;
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        &base64::engine::general_purpose::STANDARD
            .decode(packed)
            .unwrap()[..],
    )
    .read_to_string(&mut text)
    .unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["call_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut drawn: Vec<String> = sheet
        .lines()
        .filter(|l| l.starts_with("通话 "))
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .collect();
    drawn.sort();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, drawn);

    // Per channel: one stratum per channel of the corpus.
    let out = sample_corpus(&["--per", "call-channel", "--n", "1"]);
    let strata = strata_of(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        strata.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["渠道", "渠道", "渠道"]
    );
    assert_eq!(strata.iter().map(|s| s.1).sum::<usize>(), calls);
}

#[test]
fn sample_refuses_bad_usage_and_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "c.txt", GOOD_CALL);
    for (args, message) in [
        (vec!["--n", "0"], "--n 至少为 1"),
        (
            vec!["--per", "call", "--rule", "LNG001"],
            "--per call 抽的是整通电话",
        ),
        (vec!["--rule", "XYZ999"], "没有编号为 XYZ999 的规则"),
        (vec!["--per", "rules"], "rules"),
        (vec!["-o", "sheet.csv"], "请用 -o sheet.txt"),
        (vec!["--verdicts", "v.xlsx"], "请用 --verdicts v.csv"),
        (vec!["--html", "p.csv"], "请用 --html p.html"),
        (vec!["--verdicts", "-"], "两个输出是同一个文件"),
    ] {
        let out = zhijian()
            .current_dir(dir.path())
            .arg("sample")
            .arg(&call)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let before = fs::read(&call).unwrap();
    let out = zhijian()
        .arg("sample")
        .arg(&call)
        .arg("--verdicts")
        .arg(&call)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("写入会毁掉要质检的数据"));
    assert_eq!(fs::read(&call).unwrap(), before);

    // An unreadable input is counted and the sample still drawn: exit 1, files written whole.
    write(dir.path(), "empty.txt", "");
    let sheet = dir.path().join("sheet.txt");
    let out = zhijian()
        .arg("sample")
        .arg(dir.path())
        .arg("-o")
        .arg(&sheet)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    let text = fs::read_to_string(&sheet).unwrap();
    assert!(
        text.starts_with("人工抽检单 / Sample for review\n"),
        "{text}"
    );
    assert!(text.contains("通话 c · 来源 "), "{text}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("无法读取 1 个"), "{err}");
    assert!(err.contains("抽检单已写入"), "{err}");
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "no temporary files left: {names:?}");
}

/// A CSV cell as written before the spreadsheet guard: a cell that starts with = + - @ (a
/// formula to Excel) carries a leading ', which `zhijian precision` removes on reading.
fn unguarded(cell: &str) -> &str {
    cell.strip_prefix('\'')
        .filter(|rest| rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']))
        .unwrap_or(cell)
}

/// The calls of the bundled corpus where the built-in rules find `rule`, and their scores, from
/// `zhijian grade`'s own score CSV.
fn corpus_calls_hit_by(rule: &str) -> Vec<(String, u8)> {
    let out = stdout_of(zhijian().args(["grade", "-q"]).arg(repo().join("corpus")));
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    rdr.records()
        .map(|r| r.unwrap())
        .filter(|r| r[10].split(';').any(|h| h.starts_with(&format!("{rule}:"))))
        .map(|r| (r[0].to_string(), r[3].parse().unwrap()))
        .collect()
}

/// A one-line edit (OPN003 costs 4 points instead of 3) changes exactly the calls where OPN003
/// fires, each by one point, and nothing else; the CSV lists them and only them.
#[test]
fn diff_of_a_one_line_edit_reports_exactly_the_calls_it_changes() {
    let edited = rules_copy();
    common::edit(
        &edited.path().join("opening/OPN003-no-self-intro.toml"),
        |t| t.replacen("\npoints = -3\n", "\npoints = -4\n", 1),
    );
    let out = stdout_of(
        zhijian()
            .args(["diff", "-q", "--format", "csv", "--base"])
            .arg(repo().join("rules"))
            .arg("--rules")
            .arg(edited.path())
            .arg(repo().join("corpus")),
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let mut changed: Vec<(String, u8, u8, String, String)> = rdr
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            (
                r[0].to_string(),
                r[2].parse().unwrap(),
                r[3].parse().unwrap(),
                r[8].to_string(),
                r[9].to_string(),
            )
        })
        .collect();
    changed.sort();
    // A call at 0 (a fatal rule, or deductions past 100) cannot lose the point.
    let mut expected: Vec<(String, u8)> = corpus_calls_hit_by("OPN003")
        .into_iter()
        .filter(|(_, score)| *score > 0)
        .collect();
    expected.sort();
    assert!(expected.len() >= 10, "{expected:?}");
    let ids = |v: &[(String, u8, u8, String, String)]| -> Vec<String> {
        v.iter().map(|c| c.0.clone()).collect()
    };
    assert_eq!(
        ids(&changed),
        expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>()
    );
    for ((id, before, after, added, removed), (_, graded)) in changed.iter().zip(&expected) {
        assert_eq!(before, graded, "{id}");
        assert_eq!(*after, before.saturating_sub(1), "{id}");
        assert!(
            added.is_empty() && removed.is_empty(),
            "{id}: {added} / {removed}"
        );
    }
}

/// A new phrase shows as new evidence of its rule, with the calls it moves, in the terminal
/// and in a pull-request comment; the same rules change nothing; no base is a usage error.
#[test]
fn diff_shows_new_evidence_and_says_when_nothing_changes() {
    let edited = rules_copy();
    common::edit(
        &edited
            .path()
            .join("responsibility/RSP002-blame-shifting.toml"),
        |t| {
            t.replacen(
                "    \"机器就是这样\",",
                "    \"机器就是这样\", \"只能按合同\",",
                1,
            )
        },
    );
    let diff = |format: &str, base: &std::path::Path| {
        stdout_of(
            zhijian()
                .args([
                    "diff",
                    "-q",
                    "--examples",
                    "2",
                    "--format",
                    format,
                    "--base",
                ])
                .arg(base)
                .arg("--rules")
                .arg(edited.path())
                .arg(repo().join("corpus/text"))
                .current_dir(repo()),
        )
    };
    // The rules' fingerprints change with every edit of the catalog: not what is shown here.
    let versions = regex::Regex::new("[0-9a-f]{16}").unwrap();
    let text = diff("text", &repo().join("rules"));
    insta::assert_snapshot!(
        "diff_new_phrase_text",
        versions.replace_all(&text, "<规则版本>")
    );
    assert!(text.contains("RSP002 推卸责任  命中"), "{text}");
    let github = diff("github", &repo().join("rules"));
    insta::assert_snapshot!(
        "diff_new_phrase_github",
        versions.replace_all(&github, "<规则版本>")
    );
    let same = diff("text", edited.path());
    assert!(same.contains("有变化 0 通"), "{same}");
    assert!(
        same.contains("这次改动不改变任何一通电话的得分和证据"),
        "{same}"
    );
    let out = zhijian()
        .args(["diff", "-q"])
        .arg(repo().join("corpus/text"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base"));
}
