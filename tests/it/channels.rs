//! Channels and scoring schemes, as a QA team meets them: `--channel`, a call's own
//! `channel` metadata, rules that are N/A on a channel, and a scheme's own tier bounds.

use crate::common::{self, edit, repo, rules_copy, stdout_of, write, zhijian};

/// An online-chat session in which the agent says no 您好, no 工号 and no 喂, and still closes
/// properly: faults on the phone, normal in a chat window.
const CHAT: &str = "客户：在吗,我买的风衣什么时候发货\n\
客服：亲,在的哦,您的订单今天下午就会发出呢\n\
客户：好的谢谢\n\
客服：不客气亲,还有其他可以帮到您的吗~\n";

fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn phone_rules_are_not_applicable_on_chat() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "chat.txt", CHAT);
    // As a phone call it misses the opening etiquette.
    let phone = rows(&stdout_of(zhijian().arg("grade").arg(&call).arg("-q")));
    assert!(
        phone[0][10].contains("OPN002") && phone[0][10].contains("OPN003"),
        "{phone:?}"
    );
    assert_eq!(phone[0][13], "phone");

    let chat = rows(&stdout_of(zhijian().arg("grade").arg(&call).args([
        "-q",
        "--channel",
        "chat",
    ])));
    assert!(!chat[0][10].contains("OPN"), "{chat:?}");
    assert_eq!(chat[0][13], "chat");
    assert_eq!(chat[0][3], "100", "{chat:?}");

    // JSONL says which rules were N/A, so nobody wonders why OPN003 never fires on chat.
    let jsonl = stdout_of(zhijian().arg("grade").arg(&call).args([
        "-q",
        "--channel",
        "在线客服",
        "--format",
        "jsonl",
    ]));
    let line: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(line["channel"], "chat");
    let na: Vec<&str> = line["not_applicable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        na,
        ["CLS002", "LNG006", "LST001", "LST002", "OPN001", "OPN002", "OPN003"]
    );
}

#[test]
fn rules_without_what_they_read_are_listed_as_unjudged() {
    let dir = tempfile::tempdir().unwrap();
    let untimed = "客服：您好,工号3017,很高兴为您服务。\n\
                   客户：我的卡被盗刷了,我要冻结。\n\
                   客服：您的卡片已经冻结了,盗刷的交易我们给您提交了争议处理。\n\
                   客户：好的谢谢。\n\
                   客服：感谢您的来电,再见。\n";
    // The same call with the recogniser's times, and 13 s of silence before the answer.
    let timed = "[00:00:00.000 --> 00:00:04.000] 客服：您好,工号3017,很高兴为您服务。\n\
                 [00:00:04.500 --> 00:00:09.000] 客户：我的卡被盗刷了,我要冻结。\n\
                 [00:00:22.000 --> 00:00:26.000] 客服：您的卡片已经冻结了,盗刷的交易我们给您提交了争议处理。\n\
                 [00:00:26.500 --> 00:00:28.000] 客户：好的谢谢。\n\
                 [00:00:28.500 --> 00:00:31.000] 客服：感谢您的来电,再见。\n";
    write(dir.path(), "a_untimed.txt", untimed);
    write(dir.path(), "b_timed.txt", timed);
    let jsonl = stdout_of(
        zhijian()
            .arg("grade")
            .arg(dir.path())
            .args(["-q", "--format", "jsonl"]),
    );
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids = |line: &serde_json::Value, key: &str| -> Vec<String> {
        line[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // Without times, no timing rule could look: a clean score is no proof of a quiet line.
    assert_eq!(
        ids(&lines[0], "unjudged"),
        ["CLS002", "LNG006", "LST001", "LST002"]
    );
    // With them, LST002 judged the call, and fired; a rule that fires was judged. The
    // recording's end is still unknown, so CLS002 cannot tell who hung up when.
    assert!(
        lines[1]["hit_counts"]["LST002"].as_u64().unwrap() >= 1,
        "{}",
        lines[1]
    );
    assert_eq!(ids(&lines[1], "unjudged"), ["CLS002"]);
    // A rule of another channel is N/A, never unjudged.
    assert!(ids(&lines[0], "not_applicable")
        .iter()
        .all(|id| !ids(&lines[0], "unjudged").contains(id)));
    // The score CSV says the same, in its last column.
    let csv = rows(&stdout_of(zhijian().arg("grade").arg(dir.path()).arg("-q")));
    assert_eq!(csv[0][16], "CLS002;LNG006;LST001;LST002");
    assert_eq!(csv[1][16], "CLS002");
}

#[test]
fn a_calls_own_channel_wins_over_the_batch_default() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a_chat.txt",
        &format!("# 渠道: 在线客服\n{CHAT}"),
    );
    write(
        dir.path(),
        "b_phone.txt",
        &format!("# channel: phone\n{CHAT}"),
    );
    write(dir.path(), "c_plain.txt", CHAT);
    // A `channel` that names a business line, not a medium, is metadata like any other.
    write(
        dir.path(),
        "d_line.txt",
        &format!("# channel: 信用卡中心\n{CHAT}"),
    );
    // A business line under one key does not hide the channel under another, and keys are
    // read in any case.
    write(
        dir.path(),
        "e_both.txt",
        &format!("# channel: 信用卡中心\n# 渠道: 在线\n{CHAT}"),
    );
    write(
        dir.path(),
        "f_case.txt",
        &format!("# Channel: Chat\n{CHAT}"),
    );
    let out = rows(&stdout_of(zhijian().arg("grade").arg(dir.path()).args([
        "-q",
        "--channel",
        "social",
    ])));
    let channels: Vec<&str> = out.iter().map(|r| r[13].as_str()).collect();
    assert_eq!(
        channels,
        ["chat", "phone", "social", "social", "chat", "chat"]
    );
}

#[test]
fn an_unknown_channel_is_a_usage_error() {
    let out = zhijian()
        .arg("grade")
        .arg(repo().join("corpus/text"))
        .args(["--channel", "fax"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("未知的渠道 \"fax\""), "{err}");
    assert!(err.contains("chat (在线)"), "{err}");
}

#[test]
fn rules_not_applicable_on_a_channel_cost_nothing_there() {
    // A scheme of one's own: this rule set's chat scheme puts 良好 at 94.
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_copy();
    edit(&rules.path().join("scoring.toml"), |t| {
        t.replace(
            "tier_min = { \"优秀\" = 96, \"良好\" = 92, \"达标\" = 85 }\n\n[scheme.social]",
            "tier_min = { \"优秀\" = 96, \"良好\" = 94, \"达标\" = 85 }\n\n[scheme.social]",
        )
    });
    let text = "客户：宽带又断了\n客服：我们会尽快处理的,请问还有其他问题吗\n客户：没有了\n客服：好的,感谢您的来电,再见\n";
    let call = write(dir.path(), "call.txt", text);
    let grade = |channel: &str| {
        let out = stdout_of(
            zhijian()
                .arg("grade")
                .arg(&call)
                .args(["-q", "--channel", channel, "--rules"])
                .arg(rules.path()),
        );
        let r = rows(&out).remove(0);
        (r[3].clone(), r[4].clone())
    };
    let (phone_score, phone_tier) = grade("phone");
    let (chat_score, chat_tier) = grade("chat");
    // RSP001 (我们会尽快) costs 2 on both; phone also loses 5 for the missing 您好 and 3 for
    // the missing 工号.
    assert_eq!((phone_score.as_str(), phone_tier.as_str()), ("90", "良好"));
    assert_eq!((chat_score.as_str(), chat_tier.as_str()), ("98", "优秀"));
    let (social_score, social_tier) = grade("social");
    assert_eq!(
        (social_score.as_str(), social_tier.as_str()),
        ("100", "优秀")
    );
}

#[test]
fn the_chat_scheme_flags_and_bounds_differ_from_the_phone_one() {
    let set = zhijian::rule::RuleSet::embedded().unwrap();
    let phone = set.scoring.scheme(zhijian::channel::Channel::Phone);
    let chat = set.scoring.scheme(zhijian::channel::Channel::Chat);
    let social = set.scoring.scheme(zhijian::channel::Channel::Social);
    assert_eq!(phone.name, None);
    assert_eq!(chat.name.as_deref(), Some("在线客服质检方案"));
    assert_eq!(
        chat.tiers.iter().find(|t| t.0 == "良好").map(|t| t.1),
        Some(92)
    );
    assert_eq!(social.flag_tiers, ["达标", "不达标"]);
    // Ticket has no scheme of its own: the defaults.
    let ticket = set.scoring.scheme(zhijian::channel::Channel::Ticket);
    assert_eq!(ticket.tiers, phone.tiers);
}

// --- Schemes that select rules: `--scheme FILE` and `[rules]` in scoring.toml ---

/// A phone call whose agent skips the 工号 (the IVR said it) and says 不知道 twice, in two
/// sentences.
const IVR_CALL: &str = "客服：您好,请问有什么可以帮您?\n\
客户：我的宽带装好了吗\n\
客服：不知道。不知道。\n\
客户：好吧。\n\
客服：感谢您的来电,再见。\n";

#[test]
fn a_scheme_file_switches_rules_off_and_changes_points_without_touching_rule_files() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "ivr.txt", IVR_CALL);
    let plain = rows(&stdout_of(zhijian().arg("grade").arg(&call).arg("-q")));
    assert!(plain[0][10].contains("OPN003"), "{plain:?}");
    assert!(plain[0][10].contains("LNG001:2"), "{plain:?}");
    let scheme = write(
        dir.path(),
        "hotline.toml",
        "name = \"10000号热线\"\n[rules]\nOPN003 = \"off\"\nLNG001 = { points = -2, max_hits = 1 }\n",
    );
    let out = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--scheme")
        .arg(&scheme)
        .output()
        .unwrap();
    assert!(out.status.success());
    let with = rows(&String::from_utf8(out.stdout).unwrap());
    assert!(!with[0][10].contains("OPN003"), "{with:?}");
    // 100 - 2 (one 不知道 counted) - 3 (CLS001 needs nothing, OPN002 is said) … by difference:
    // the plain score lost 3 for OPN003 and 10 for LNG001; the scheme's loses 2.
    let plain_score: i32 = plain[0][3].parse().unwrap();
    let scheme_score: i32 = with[0][3].parse().unwrap();
    assert_eq!(scheme_score - plain_score, 3 + 10 - 2, "{plain:?} {with:?}");
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("(质检方案: 10000号热线)"));
    // The JSONL lists the rule as N/A and carries the new points.
    let jsonl = stdout_of(
        zhijian()
            .arg("grade")
            .arg(&call)
            .args(["-q", "--format", "jsonl", "--scheme"])
            .arg(&scheme),
    );
    let line: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert!(line["not_applicable"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "OPN003"));
    // `zhijian rules --scheme` shows the rules as the scheme leaves them.
    let listing = stdout_of(zhijian().args(["rules", "--scheme"]).arg(&scheme));
    assert!(listing.contains("已关闭 (方案)"), "{listing}");
    assert!(
        listing.contains("LNG001 服务禁语  10000号热线:分值 -5 → -2,每通最多 1 次"),
        "{listing}"
    );
    let page = stdout_of(zhijian().args(["rules", "OPN003", "--scheme"]).arg(&scheme));
    assert!(page.contains("质检方案: 10000号热线:关闭"), "{page}");
}

#[test]
fn a_scheme_can_move_a_rule_to_other_channels_and_change_its_review_flag() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "chat.txt", "客户：我的订单呢\n客服：不知道\n");
    let plain = rows(&stdout_of(zhijian().arg("grade").arg(&call).args([
        "-q",
        "--channel",
        "chat",
    ])));
    assert!(plain[0][10].contains("LNG001"), "{plain:?}");
    assert_eq!(plain[0][8], "false", "{plain:?}");
    let scheme = write(
        dir.path(),
        "s.toml",
        "name = \"电话专用\"\n[rules]\nLNG001 = { channels = [\"phone\"] }\nCLS001 = { review = true }\n",
    );
    let with = rows(&stdout_of(
        zhijian()
            .arg("grade")
            .arg(&call)
            .args(["-q", "--channel", "chat", "--scheme"])
            .arg(&scheme),
    ));
    assert!(!with[0][10].contains("LNG001"), "{with:?}");
    // CLS001 (no closing) now sends the call to a supervisor.
    assert!(with[0][10].contains("CLS001"), "{with:?}");
    assert_eq!(with[0][8], "true", "{with:?}");
    assert!(with[0][9].contains("CLS001"), "{with:?}");
}

#[test]
fn scheme_mistakes_are_pointed_at_and_nothing_is_graded() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "a.txt", IVR_CALL);
    let scheme = write(
        dir.path(),
        "bad.toml",
        "name = \"x\"\n[rules]\nOPN009 = \"off\"\nLNG001 = { pointz = 3 }\nOPN001 = \"of\"\nLNG002 = { points = 5 }\nLNG003 = { max_hits = 0 }\nLNG004 = { channels = [] }\nRES001 = { review = 1 }\n",
    );
    let out = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--scheme")
        .arg(&scheme)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "bad.toml:3:1: 没有编号为 OPN009 的规则",
        "bad.toml:4:10: 不认识的键 \"pointz\"",
        "bad.toml:5:10: OPN001 的值应为 \"off\" 或一张表",
        "bad.toml:6:10: LNG002 是一票否决规则,不能改成加分",
        "bad.toml:7:10: max_hits 应为至少 1 的整数",
        "bad.toml:8:10: channels 应为非空的渠道列表",
        "bad.toml:9:10: review 应为 true 或 false",
        "规则文件有 7 处错误",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let missing = zhijian()
        .arg("grade")
        .arg(&call)
        .args(["--scheme", "/nonexistent/scheme.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8(missing.stderr)
        .unwrap()
        .contains("无法读取质检方案"));
    let nameless = write(
        dir.path(),
        "nameless.toml",
        "name = \" \"\n[rules]\nOPN003 = \"off\"\n",
    );
    let out = zhijian()
        .arg("grade")
        .arg(&call)
        .arg("--scheme")
        .arg(&nameless)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("方案名称 name 不能为空"));
}

#[test]
fn scoring_toml_can_adjust_rules_for_its_whole_rule_set() {
    let rules = common::rules_copy();
    let scoring = rules.path().join("scoring.toml");
    let text = std::fs::read_to_string(&scoring).unwrap();
    std::fs::write(&scoring, format!("{text}\n[rules]\nOPN003 = \"off\"\n")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "a.txt", IVR_CALL);
    let out = rows(&stdout_of(
        zhijian()
            .arg("grade")
            .arg(&call)
            .arg("-q")
            .arg("--rules")
            .arg(rules.path()),
    ));
    assert!(!out[0][10].contains("OPN003"), "{out:?}");
    // A rule set that changes rules is a different rule set: its version says so.
    let jsonl = |dir: &std::path::Path| -> String {
        let s = stdout_of(
            zhijian()
                .arg("grade")
                .arg(&call)
                .args(["-q", "--format", "jsonl", "--rules"])
                .arg(dir),
        );
        let v: serde_json::Value = serde_json::from_str(s.lines().next().unwrap()).unwrap();
        v["rules_version"].as_str().unwrap().to_string()
    };
    let scheme = write(
        dir.path(),
        "s.toml",
        "name = \"x\"\n[rules]\nOPN003 = \"off\"\n",
    );
    let v1 = jsonl(rules.path());
    let s = stdout_of(
        zhijian()
            .arg("grade")
            .arg(&call)
            .args(["-q", "--format", "jsonl", "--rules"])
            .arg(rules.path())
            .arg("--scheme")
            .arg(&scheme),
    );
    let v: serde_json::Value = serde_json::from_str(s.lines().next().unwrap()).unwrap();
    assert_ne!(v["rules_version"].as_str().unwrap(), v1);
}

#[test]
fn a_scheme_keeps_points_in_range_and_fatal_rules_from_becoming_bonuses() {
    let dir = tempfile::tempdir().unwrap();
    let call = write(dir.path(), "a.txt", IVR_CALL);
    let run = |scheme: &str| {
        let path = write(dir.path(), "s.toml", scheme);
        zhijian()
            .arg("grade")
            .arg(&call)
            .arg("-q")
            .arg("--scheme")
            .arg(&path)
            .output()
            .unwrap()
    };
    let out = run("name = \"x\"\n[rules]\nLNG001 = { points = -200 }\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("points 应为 -100 到 100 之间的整数"));
    // A bonus may grow, and a fatal rule may stop costing anything beyond the zero it sets.
    let out = run("name = \"x\"\n[rules]\nEMP002 = { points = 5 }\nLNG002 = { points = 0 }\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = stdout_of(
        zhijian()
            .args(["rules", "--scheme"])
            .arg(dir.path().join("s.toml")),
    );
    assert!(
        listing.contains("EMP002 体谅客户情绪  x:分值 2 → 5"),
        "{listing}"
    );
}
