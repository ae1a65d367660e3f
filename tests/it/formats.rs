//! One call, every format: the same conversation written as each recogniser or exporter would
//! write it — and in GBK, UTF-16 with BOM and CRLF, Traditional Chinese, Big5 — grades with the
//! same roles, timestamps, hits and score.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zhijian::grade::{grade_all, Graded};
use zhijian::input::{discover, ReadOptions, Role, RoleBasis};
use zhijian::rule::RuleSet;

/// (agent?, begin ms, end ms, Simplified, Traditional). The agent opens with 喂 (OPN001),
/// shifts blame onto 领导 (RSP002) and leaves 13 s of silence unannounced (LST002).
const CALL: &[(bool, u64, u64, &str, &str)] = &[
    (
        true,
        0,
        3000,
        "喂，您好，工号1024为您服务，请问有什么可以帮您？",
        "喂，您好，工號1024為您服務，請問有什麼可以幫您？",
    ),
    (
        false,
        3400,
        7000,
        "我家宽带从昨天开始就断了，你们怎么回事啊",
        "我家寬頻從昨天開始就斷了，你們怎麼回事啊",
    ),
    (
        true,
        7300,
        9500,
        "这个不归我管，那是我们领导的事",
        "這個不歸我管，那是我們領導的事",
    ),
    (
        false,
        9800,
        11000,
        "那到底什么时候能修好",
        "那到底什麼時候能修好",
    ),
    (
        true,
        24000,
        27000,
        "线路有故障，明天上午十点前师傅上门维修",
        "線路有故障，明天上午十點前師傅上門維修",
    ),
    (false, 27300, 28500, "好，谢谢", "好，謝謝"),
    (
        true,
        28800,
        31000,
        "请问还有其他问题吗？感谢您的来电，再见",
        "請問還有其他問題嗎？感謝您的來電，再見",
    ),
];

fn said(traditional: bool) -> impl Iterator<Item = (bool, u64, u64, &'static str)> {
    CALL.iter()
        .map(move |&(agent, b, e, s, t)| (agent, b, e, if traditional { t } else { s }))
}

fn clock(ms: u64, sep: char) -> String {
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn role(agent: bool) -> &'static str {
    if agent {
        "客服"
    } else {
        "客户"
    }
}

/// The agent is the second speaker in every diarized rendering: the mapping has to be earned.
fn spk(agent: bool) -> u32 {
    u32::from(agent)
}

fn labelled_text(traditional: bool) -> String {
    said(traditional)
        .map(|(a, b, e, t)| {
            // Traditional transcripts label the customer 客戶.
            let who = if traditional && !a { "客戶" } else { role(a) };
            format!("[{}-{}] {who}：{t}\n", clock(b, '.'), clock(e, '.'))
        })
        .collect()
}

/// Every rendering: (file name, bytes).
fn renderings() -> Vec<(&'static str, Vec<u8>)> {
    let simplified: Vec<_> = said(false).collect();
    let text = |f: &dyn Fn(bool, u64, u64, &str) -> String| -> Vec<u8> {
        simplified
            .iter()
            .map(|&(a, b, e, t)| f(a, b, e, t))
            .collect::<String>()
            .into_bytes()
    };
    let json = |v: Value| serde_json::to_vec_pretty(&v).unwrap();
    let mut out: Vec<(&'static str, Vec<u8>)> = vec![
        ("labelled.txt", labelled_text(false).into_bytes()),
        (
            "arrow.txt",
            text(&|a, b, e, t| {
                format!(
                    "[{} --> {}] {}：{t}\n",
                    clock(b, '.'),
                    clock(e, '.'),
                    role(a)
                )
            }),
        ),
        (
            "ms.txt",
            text(&|a, b, e, t| format!("[{b}-{e}] {}：{t}\n", role(a))),
        ),
        (
            "numbered.txt",
            text(&|a, b, e, t| {
                format!(
                    "[{} --> {}] 说话人{}：{t}\n",
                    clock(b, '.'),
                    clock(e, '.'),
                    spk(a) + 1
                )
            }),
        ),
        (
            "speaker_00.txt",
            text(&|a, b, e, t| format!("[{b}-{e}] SPEAKER_0{}: {t}\n", spk(a))),
        ),
        (
            "subtitles.srt",
            simplified
                .iter()
                .enumerate()
                .map(|(i, &(a, b, e, t))| {
                    format!(
                        "{}\n{} --> {}\n[SPEAKER_0{}] {t}\n\n",
                        i + 1,
                        clock(b, ','),
                        clock(e, ','),
                        spk(a)
                    )
                })
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "subtitles.vtt",
            format!(
                "WEBVTT\n\n{}",
                simplified
                    .iter()
                    .map(|&(a, b, e, t)| format!(
                        "{} --> {}\n<v {}>{t}</v>\n\n",
                        clock(b, '.'),
                        clock(e, '.'),
                        role(a)
                    ))
                    .collect::<String>()
            )
            .into_bytes(),
        ),
        (
            "zhijian.json",
            json(
                json!({"turns": simplified.iter().map(|&(a, b, e, t)| json!({
                "role": if a { "agent" } else { "customer" }, "text": t, "begin": b, "end": e
            })).collect::<Vec<_>>()}),
            ),
        ),
        (
            "calls.jsonl",
            format!(
                "{}\n",
                json!({"turns": simplified.iter().map(|&(a, b, e, t)| json!({
                    "role": role(a), "text": t, "begin": b, "end": e
                })).collect::<Vec<_>>()})
            )
            .into_bytes(),
        ),
        (
            "alibaba.json",
            json(
                json!({"TaskId": "9f0c", "StatusText": "SUCCESS", "BizDuration": 31000,
                "Result": {"Sentences": simplified.iter().map(|&(a, b, e, t)| json!({
                    "BeginTime": b, "EndTime": e, "Text": t, "ChannelId": spk(a),
                    "SpeechRate": 200, "EmotionValue": 5.5, "SilenceDuration": 0
                })).collect::<Vec<_>>()}}),
            ),
        ),
        (
            "dashscope.json",
            json(
                json!({"file_url": "https://example.com/a.wav", "transcripts": ([0u32, 1].iter().map(|&ch| json!({
                "channel_id": ch,
                "sentences": simplified.iter().filter(|s| spk(s.0) == ch).map(|&(_, b, e, t)| json!({
                    "begin_time": b, "end_time": e, "text": t
                })).collect::<Vec<_>>()
            })).collect::<Vec<_>>())}),
            ),
        ),
        (
            "sca.json",
            json(
                json!({"tickets": [{"tid": "sca-1", "dialogue": simplified.iter().map(|&(a, b, e, t)| json!({
                "role": role(a), "identity": if a { "A1024" } else { "客户" }, "words": t, "begin": b, "end": e
            })).collect::<Vec<_>>()}]}),
            ),
        ),
        (
            "funasr.json",
            json(
                json!([{"key": "funasr", "text": simplified.iter().map(|s| s.3).collect::<String>(),
                "sentence_info": simplified.iter().map(|&(a, b, e, t)| json!({
                    "text": t, "start": b, "end": e, "timestamp": [[b, e]], "spk": spk(a)
                })).collect::<Vec<_>>()}]),
            ),
        ),
        (
            "whisperx.json",
            json(
                json!({"language": "zh", "segments": simplified.iter().map(|&(a, b, e, t)| json!({
                "start": b as f64 / 1000.0, "end": e as f64 / 1000.0, "text": format!(" {t}"),
                "speaker": format!("SPEAKER_0{}", spk(a))
            })).collect::<Vec<_>>()}),
            ),
        ),
        (
            "tencent.json",
            json(
                json!({"Response": {"RequestId": "r", "Data": {"TaskId": 1, "Status": 2, "StatusStr": "success",
                "AudioDuration": 31.0, "Result": "",
                "ResultDetail": simplified.iter().map(|&(a, b, e, t)| json!({
                    "FinalSentence": t, "SliceSentence": t, "StartMs": b, "EndMs": e,
                    "SpeakerId": spk(a), "SpeechSpeed": 4.2, "WordsNum": 4
                })).collect::<Vec<_>>()}}}),
            ),
        ),
        (
            "iflytek.json",
            json(json!({"code": "000000", "descInfo": "success", "content": {
                "orderInfo": {"orderId": "DKHJQ", "status": 4, "originalDuration": 31000},
                "orderResult": json!({"lattice": simplified.iter().map(|&(a, b, e, t)| json!({
                    "json_1best": json!({"st": {"bg": b.to_string(), "ed": e.to_string(),
                        "rl": (spk(a) + 1).to_string(),
                        "rt": [{"ws": [{"cw": [{"w": t, "wp": "n"}], "wb": 1, "we": 40}]}]}}).to_string()
                })).collect::<Vec<_>>()}).to_string()}})),
        ),
        (
            "huawei.json",
            json(
                json!({"status": "FINISHED", "audio_duration": 31000, "segments": simplified.iter().map(|&(a, b, e, t)| json!({
                "start_time": b, "end_time": e,
                "result": {"text": t, "analysis_info": {"role": if a { "AGENT" } else { "USER" }, "emotion": "NORMAL", "speed": 4.0}}
            })).collect::<Vec<_>>()}),
            ),
        ),
        (
            "gbk.txt",
            encoding_rs::GB18030
                .encode(&labelled_text(false))
                .0
                .into_owned(),
        ),
        ("utf16.txt", {
            let crlf = labelled_text(false).replace('\n', "\r\n");
            [0xFF, 0xFE]
                .into_iter()
                .chain(crlf.encode_utf16().flat_map(u16::to_le_bytes))
                .collect()
        }),
        ("traditional.txt", labelled_text(true).into_bytes()),
        (
            "big5.txt",
            encoding_rs::BIG5
                .encode(&labelled_text(true))
                .0
                .into_owned(),
        ),
    ];
    // UTF-8 with a BOM and CRLF line ends, as Windows tools save.
    out.push(("bom_crlf.txt", {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend(labelled_text(false).replace('\n', "\r\n").into_bytes());
        b
    }));
    out
}

fn grade(dir: &Path) -> Vec<Graded> {
    let set = RuleSet::embedded().unwrap();
    grade_all(
        &set,
        &discover(&[dir.to_path_buf()]).sources,
        &ReadOptions::default(),
    )
}

/// What must be the same in every rendering: each turn's role and times, and every hit's rule
/// and turn; and the score.
type Fingerprint = (
    Vec<(Role, Option<u64>, Option<u64>)>,
    Vec<(String, usize)>,
    u8,
);

fn fingerprint(g: &Graded, set: &RuleSet) -> Fingerprint {
    let o = g
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{} could not be read: {e}", g.source));
    (
        o.call
            .turns
            .iter()
            .map(|t| (t.role, t.begin, t.end))
            .collect(),
        o.hits
            .iter()
            .map(|h| (set.rules[h.rule].id.clone(), h.turn))
            .collect(),
        o.card.score,
    )
}

#[test]
fn the_same_call_in_every_format_and_encoding_grades_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let renderings = renderings();
    for (name, bytes) in &renderings {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let set = RuleSet::embedded().unwrap();
    let graded = grade(dir.path());
    assert_eq!(graded.len(), renderings.len());
    let reference = graded
        .iter()
        .find(|g| g.source.ends_with("labelled.txt"))
        .unwrap();
    let expected = fingerprint(reference, &set);
    let fired: Vec<&str> = expected.1.iter().map(|(id, _)| id.as_str()).collect();
    for rule in ["OPN001", "RSP002", "LST002"] {
        assert!(fired.contains(&rule), "{rule} should fire: {fired:?}");
    }
    assert_eq!(expected.0.len(), CALL.len());
    for g in &graded {
        assert_eq!(fingerprint(g, &set), expected, "{}", g.source);
    }
    // Diarized renderings record who was taken for the agent and why.
    let by_name = |n: &str| {
        graded
            .iter()
            .find(|g| g.source.contains(n))
            .and_then(|g| g.outcome.as_ref().ok())
            .unwrap()
    };
    assert_eq!(by_name("labelled.txt").call.roles, RoleBasis::Labels);
    for (name, agent) in [
        ("alibaba.json", "声道1"),
        ("funasr.json", "spk1"),
        ("whisperx.json", "SPEAKER_01"),
        ("numbered.txt", "说话人2"),
        ("iflytek.json", "说话人2"),
    ] {
        let roles = &by_name(name).call.roles;
        assert!(
            matches!(roles, RoleBasis::Cues { agent: a, .. } if a == agent),
            "{name}: {roles:?}"
        );
    }
    // The recogniser's measurements and the recording's length come through.
    let alibaba = by_name("alibaba.json");
    assert_eq!(alibaba.call.turns[0].signals.emotion, Some(5.5));
    assert_eq!(alibaba.call.duration_ms, Some(31000));
    assert_eq!(by_name("sca.json").call.agent(), Some("A1024"));
}

#[test]
fn the_agent_can_be_named_instead_of_inferred() {
    let dir = tempfile::tempdir().unwrap();
    let renderings = renderings();
    for (name, bytes) in renderings
        .iter()
        .filter(|(n, _)| ["alibaba.json", "funasr.json", "whisperx.json"].contains(n))
    {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let set = RuleSet::embedded().unwrap();
    let sources = discover(&[dir.path().to_path_buf()]).sources;
    // Naming the wrong speaker swaps the roles — the user's word is final.
    let options = ReadOptions {
        roles: zhijian::input::RoleOptions {
            agent_speaker: Some("0".into()),
            agent_channel: None,
        },
        ..ReadOptions::default()
    };
    for g in grade_all(&set, &sources, &options) {
        match &g.outcome {
            // Channels are not speakers: --agent-speaker does not name 声道0.
            Err(e) => assert!(g.source.ends_with("alibaba.json"), "{}: {e}", g.source),
            Ok(o) => {
                assert_eq!(o.call.turns[0].role, Role::Customer, "{}", g.source);
                assert!(matches!(o.call.roles, RoleBasis::Given { .. }));
            }
        }
    }
    let options = ReadOptions {
        roles: zhijian::input::RoleOptions {
            agent_speaker: None,
            agent_channel: Some(1),
        },
        ..ReadOptions::default()
    };
    let alibaba: Vec<PathBuf> = vec![dir.path().join("alibaba.json")];
    let g = grade_all(&set, &discover(&alibaba).sources, &options);
    let o = g[0].outcome.as_ref().unwrap();
    assert_eq!(o.call.turns[0].role, Role::Agent);
    assert_eq!(
        o.call.roles,
        RoleBasis::Given {
            agent: "声道1".into()
        }
    );
}

/// A documentation file of the repository.
fn doc(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The minimal example of each recogniser's output in docs/formats.md reads as a call with both
/// roles: the documentation cannot drift from what the readers accept.
#[test]
fn the_documented_examples_read() {
    let formats = doc("docs/formats.md");
    let start = formats
        .find("```jsonc\n")
        .expect("docs/formats.md's JSON examples")
        + 9;
    let block = &formats[start..start + formats[start..].find("```").unwrap()];
    let mut examples: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("// ") {
            Some(title) => examples.push((title.to_string(), String::new())),
            None => examples.last_mut().unwrap().1.push_str(line),
        }
    }
    assert!(examples.len() >= 8, "{examples:?}");
    for (title, json) in examples {
        let items = zhijian::input::read_bytes(
            json.as_bytes(),
            "example.json",
            None,
            &ReadOptions::default(),
        );
        assert_eq!(items.len(), 1, "{title}");
        let call = items[0]
            .call
            .as_ref()
            .unwrap_or_else(|e| panic!("{title}: {e}"));
        let roles: std::collections::HashSet<Role> = call.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles.len(), 2, "{title}: {:?}", call.turns);
    }
}

/// docs/scoring.md's table of the built-in rules has one row per rule, with its id, title,
/// dimension, points (or 一票否决), cap, review flag and channels; and the number of lexicons it
/// states is the set's. A rule added, removed or changed without the table fails here.
#[test]
fn the_documented_rule_table_and_lexicon_count_are_current() {
    let scoring = doc("docs/scoring.md");
    let set = RuleSet::embedded().unwrap();
    let is_id = |s: &str| {
        let b = s.as_bytes();
        b.len() == 6
            && b[..3].iter().all(u8::is_ascii_uppercase)
            && b[3..].iter().all(u8::is_ascii_digit)
    };
    let rows: Vec<Vec<&str>> = scoring
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .map(|l| {
            l.trim_end_matches(" |")
                .split(" | ")
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|cells| is_id(cells[0]))
        .collect();
    let mut ids: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    ids.sort_unstable();
    let expected: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, expected, "the rules listed in docs/scoring.md");
    for rule in &set.rules {
        let row = rows.iter().find(|r| r[0] == rule.id).unwrap();
        assert_eq!(row.len(), 6, "{row:?}");
        assert_eq!(
            (row[1], row[2]),
            (rule.title.as_str(), rule.dimension.as_str()),
            "{}",
            rule.id
        );
        let points = row[3];
        if rule.fatal {
            assert!(points.contains("一票否决"), "{}: {points}", rule.id);
        } else {
            let shown = match rule.points {
                p if p < 0 => format!("−{}", -p),
                p if p > 0 => format!("+{p}"),
                _ => "0".to_string(),
            };
            assert!(
                points.contains(&shown),
                "{}: {points}, not {shown}",
                rule.id
            );
        }
        if let Some(cap) = rule.max_hits {
            assert!(
                points.contains(&format!("{cap} 次")) || points.contains(&format!("{cap} 处")),
                "{}: {points}, capped at {cap}",
                rule.id
            );
        }
        assert_eq!(
            points.contains("复核"),
            rule.review,
            "{}: {points}",
            rule.id
        );
        let order = ["phone", "chat", "social", "ticket"];
        let mut channels: Vec<&str> = rule.channels.iter().map(|c| c.name()).collect();
        channels.sort_by_key(|c| order.iter().position(|o| o == c));
        let shown = if channels.is_empty() || channels.len() == order.len() {
            "全部".to_string()
        } else {
            let zh = |c: &&str| match *c {
                "phone" => "电话",
                "chat" => "在线",
                "social" => "社媒",
                _ => "工单",
            };
            channels.iter().map(zh).collect::<Vec<_>>().join("/")
        };
        assert_eq!(row[4], shown, "{}'s channels", rule.id);
    }
    let lexicons = format!("短语写在 {} 个词库", set.lexicons.len());
    assert!(
        scoring.contains(&lexicons),
        "docs/scoring.md should say {lexicons}"
    );
}

/// The worked example in docs/rules.md shows what `zhijian test` prints when LNG004 lacks its
/// `{数字}分钟` exclusion: the same mistake, made on a copy of the rules and corpus, prints the
/// same, counts included.
#[test]
fn the_worked_example_prints_what_zhijian_test_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for sub in ["rules", "corpus"] {
        let from = root.join(sub);
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let to = dir
                .path()
                .join(sub)
                .join(entry.path().strip_prefix(&from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
    }
    let lng004 = dir.path().join("rules/language/LNG004-solicit-rating.toml");
    let text = std::fs::read_to_string(&lng004).unwrap();
    let forgotten = |l: &&str| l.trim_start().starts_with("\"{数字}分钟\",");
    assert_eq!(
        text.lines().filter(forgotten).count(),
        1,
        "LNG004 excludes {{数字}}分钟"
    );
    let edited: String = text
        .lines()
        .filter(|l| !forgotten(l))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&lng004, edited).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhijian"))
        .arg("test")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let rules = doc("docs/rules.md");
    let start = rules
        .find("```text\n✗ 规则示例")
        .expect("docs/rules.md's worked example")
        + "```text\n".len();
    let shown = &rules[start..start + rules[start..].find("```").unwrap()];
    assert_eq!(
        shown.trim_end(),
        printed.trim_end(),
        "docs/rules.md's worked example (step 3) should show what zhijian test prints now:\n{printed}"
    );
}

/// The Rust version the README asks for is Cargo.toml's `rust-version`, and the Playwright
/// version docs/testing.md installs is the one `.ci/run` installs.
#[test]
fn the_documented_versions_are_the_ones_in_use() {
    let cargo = doc("Cargo.toml");
    let version = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml's rust-version");
    let readme = doc("README.md");
    assert!(
        readme.contains(&format!("**Rust {version} 或更新**")),
        "README.md should ask for Rust {version}"
    );
    let ci = doc(".ci/run");
    let pinned = |text: &str| -> Vec<String> {
        text.match_indices("playwright==")
            .map(|(at, _)| {
                text[at..]
                    .chars()
                    .take_while(|c| !matches!(c, '"' | ' ' | '\n'))
                    .collect()
            })
            .collect()
    };
    let in_ci = pinned(&ci);
    assert_eq!(in_ci.len(), 1, "{in_ci:?}");
    assert_eq!(
        pinned(&doc("docs/testing.md")),
        in_ci,
        "docs/testing.md's playwright"
    );
}
