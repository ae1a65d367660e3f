//! Rule-file mistakes are reported with file, line and a plain explanation, all of them at once.

use crate::common::with_scoring;
use zhijian::rule::{RuleSet, RuleSource};

const GOOD: &str = r#"id = "TST001"
title = "测试规则"
message = "测试"
dimension = "language"
points = -1

[match]
role = "agent"
phrases = ["测试"]
"#;

/// Compiles and returns each error as `path:line:col: message`.
fn errors(files: &[(&str, &str)]) -> Vec<String> {
    match RuleSet::compile(&with_scoring(files)) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_good_rule_compiles() {
    assert_eq!(
        errors(&[("t/TST001-test.toml", GOOD)]),
        Vec::<String>::new()
    );
}

#[test]
fn each_mistake_points_at_its_line() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "points = -1",
            "points = -1\npoint = 2",
            "t/TST001.toml:6:1: 未知的键 \"point\"",
        ),
        (
            "points = -1",
            "points = \"-1\"",
            "t/TST001.toml:5:10: 值的类型不对",
        ),
        (
            "points = -1",
            "points = -150",
            "t/TST001.toml:5:10: [TST001] 分值 -150 超出 -100 到 100 的范围",
        ),
        (
            "dimension = \"language\"",
            "dimension = \"mood\"",
            "t/TST001.toml:4:13: [TST001] 未知的维度 \"mood\"",
        ),
        (
            "phrases = [\"测试\"]",
            "phrases = [\"  \"]",
            "t/TST001.toml:9:12: [TST001] 短语为空字符串",
        ),
        (
            "phrases = [\"测试\"]",
            "regex = ['(测试']",
            "t/TST001.toml:9:10: [TST001] 正则表达式无法编译: unclosed group",
        ),
        (
            "phrases = [\"测试\"]",
            "regex = ['\\w{1000}\\w{1000}\\w{1000}']",
            "t/TST001.toml:9:10: [TST001] 正则表达式编译后可能超过",
        ),
        (
            "phrases = [\"测试\"]",
            "",
            "t/TST001.toml:7:1: [TST001] 条件没有任何可匹配的内容",
        ),
        (
            "phrases = [\"测试\"]",
            "similar = [\"测试一下\", \"\"]",
            "t/TST001.toml:9:20: [TST001] 相似句为空",
        ),
        (
            "phrases = [\"测试\"]",
            "similar = [\"太差了\"]",
            "t/TST001.toml:9:12: [TST001] 相似句 \"太差了\" 只有 3 个字,不到 4 个字",
        ),
        (
            "phrases = [\"测试\"]",
            "phrases = [\"测试\"]\nmin_similarity = 0.8",
            "t/TST001.toml:10:18: [TST001] min_similarity 只对 similar 例句起作用",
        ),
        (
            "phrases = [\"测试\"]",
            "similar = [\"测试一下\"]\nmin_similarity = 0",
            "t/TST001.toml:10:18: [TST001] min_similarity = 0 不在 0 (不含) 到 1 之间",
        ),
        (
            "phrases = [\"测试\"]",
            "similar = [\"测试一下\"]\nmin_similarity = 1.01",
            "t/TST001.toml:10:18: [TST001] min_similarity = 1.01 不在",
        ),
        (
            "role = \"agent\"",
            "role = \"boss\"",
            "t/TST001.toml:8:8: 取值 \"boss\" 不在允许范围内",
        ),
        (
            "[match]",
            "[match]\nfirst = 1\nlast = 2",
            "t/TST001.toml:7:1: [TST001] first、last 和 [match.after] 只能选用其中一个",
        ),
        (
            "id = \"TST001\"",
            "id = \"TST 1\"",
            "t/TST001.toml:1:6: [TST 1] 规则编号只能由字母、数字和下划线组成",
        ),
        // An exception's name is shown by explain; anywhere else it would be shown nowhere.
        (
            "role = \"agent\"",
            "role = \"agent\"\nname = \"坐席在办\"",
            "t/TST001.toml:9:8: [TST001] name 只写在 [[match.not]] 里",
        ),
        (
            "phrases = [\"测试\"]",
            "phrases = [\"测试\"]\n[[match.all]]\nname = \"坐席在办\"\nphrases = [\"办\"]",
            "t/TST001.toml:11:8: [TST001] name 只写在 [[match.not]] 里",
        ),
        (
            "title = \"测试规则\"",
            "title = \"测试规则\n",
            "t/TST001.toml:2:14: TOML 格式错误",
        ),
    ];
    for (from, to, want) in cases {
        let text = GOOD.replace(from, to);
        let got = errors(&[("t/TST001.toml", &text)]);
        assert!(
            got.len() == 1 && got[0].starts_with(want),
            "want {want}\n got {got:?}\n{text}"
        );
    }
}

#[test]
fn file_level_mistakes() {
    let got = errors(&[("t/TST002-x.toml", GOOD)]);
    assert!(
        got[0].contains("规则编号 TST001 与文件名 TST002-x.toml 不一致"),
        "{got:?}"
    );

    let got = errors(&[("a/TST001.toml", GOOD), ("b/TST001-dup.toml", GOOD)]);
    assert_eq!(
        got,
        vec!["b/TST001-dup.toml:1:6: [TST001] 规则编号 TST001 重复,已在 a/TST001.toml 中使用"]
    );

    let after = GOOD.replace("phrases = [\"测试\"]", "mode = \"absent\"\nphrases = [\"抱歉\"]\n[match.after]\nrole = \"customer\"\nphrases = [\"太差\"]");
    let got = errors(&[("t/TST001.toml", &after)]);
    assert!(got[0].contains("[match.after] 缺少 within"), "{got:?}");

    let timing = GOOD.replace(
        "phrases = [\"测试\"]",
        "phrases = [\"测试\"]\n[match.timing]\ngap_ms = 1000",
    );
    let got = errors(&[("t/TST001.toml", &timing)]);
    assert!(got[0].contains("[match.timing] 不能与短语"), "{got:?}");
    // Each of first, last and [match.after] alone is refused next to a timing check too.
    let head = GOOD.replace("phrases = [\"测试\"]\n", "");
    for scope in [
        "first = 2\n[match.timing]\ngap_ms = 1000\n",
        "last = 2\n[match.timing]\ngap_ms = 1000\n",
        "[match.timing]\ngap_ms = 1000\n[match.after]\nrole = \"customer\"\nphrases = [\"太差\"]\nwithin = 1\n",
    ] {
        let got = errors(&[("t/TST001.toml", &format!("{head}{scope}"))]);
        assert!(
            got.iter().any(|e| e.contains("[match.timing] 不能与短语")),
            "{scope}: {got:?}"
        );
    }

    let example = format!("{GOOD}\n[[example]]\nexpect = \"hit\"\ntext = \"没有角色的一句话\"\n");
    let got = errors(&[("t/TST001.toml", &example)]);
    assert!(
        got[0].starts_with("t/TST001.toml:13:8: [TST001] 示例无法解析为对话"),
        "{got:?}"
    );
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let bad_regex = GOOD.replace("phrases = [\"测试\"]", "regex = ['(']");
    let bad_dim = GOOD
        .replace("TST001", "TST002")
        .replace("\"language\"", "\"mood\"");
    let got = errors(&[
        ("t/TST001.toml", &bad_regex),
        ("t/TST002.toml", &bad_dim),
        ("t/TST003.toml", "id = "),
    ]);
    assert_eq!(got.len(), 3, "{got:?}");
}

#[test]
fn missing_scoring_and_bad_dictionary() {
    let only_rule = vec![RuleSource {
        path: "t/TST001.toml".into(),
        text: GOOD.into(),
    }];
    let err = RuleSet::compile(&only_rule).err().unwrap();
    assert!(err.0[0].message.contains("缺少评分标准文件 scoring.toml"));

    let mut with_dict = with_scoring(&[("t/TST001.toml", GOOD)]);
    with_dict.push(RuleSource {
        path: "dictionary.txt".into(),
        text: "喂养 100\n好词 很多\n".into(),
    });
    let err = RuleSet::compile(&with_dict).err().unwrap();
    assert_eq!(
        err.0[0].to_string(),
        "dictionary.txt:2:1: 词频 \"很多\" 不是正整数 (格式: 词语 [词频] [词性])"
    );
}

#[test]
fn rendered_report_shows_the_source_line() {
    let text = GOOD.replace("points = -1", "points = -1\nmax_hit = 2");
    let err = RuleSet::compile(&with_scoring(&[("t/TST001.toml", &text)]))
        .err()
        .unwrap();
    let rendered = err.render(false);
    assert!(rendered.contains("max_hit = 2"), "{rendered}");
    assert!(rendered.contains("这里允许的键"), "{rendered}");
    assert!(
        rendered.ends_with("规则文件有 1 处错误,未进行质检。\n"),
        "{rendered}"
    );
}
