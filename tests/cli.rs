//! The `zhijian` binary as a user runs it: arguments, files, exit codes, output bytes.

mod common;

use std::fs;

use common::{repo, rules_copy, stdout_of, write, zhijian};

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
        "call_id,source,agent,score,tier,service_type,attitude,procedure,flagged,flag_reasons,hits,error,roles,channel"
    );
    let row = lines.next().unwrap();
    assert_eq!(
        row,
        format!(
            "good,{},张敏,100,优秀,优质型,100,100,false,,LNG003:1;RES002:1,,角色标签,phone",
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
        rows[1].starts_with("b_empty,") && rows[1].ends_with(",true,输入错误,,文件为空,,"),
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
        "call_id,rule_id,turn,role,start,end,matched,message,source,agent,rule_title,points,fatal,evidence,begin_ms,end_ms,measured_ms\n"
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
