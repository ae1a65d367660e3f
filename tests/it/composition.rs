//! Boolean composition (`all` / `any` / `not`) and references between rules, judged over the
//! whole call.

use crate::common::with_scoring;
use zhijian::grade::grade_call;
use zhijian::input::parse_text;
use zhijian::rule::{Evidence, RuleSet};

fn compile(files: &[(&str, &str)]) -> Result<RuleSet, Vec<String>> {
    RuleSet::compile(&with_scoring(files))
        .map_err(|e| e.0.iter().map(ToString::to_string).collect())
}

/// (rule id, matched text) of every hit on `transcript`.
fn hits(set: &RuleSet, transcript: &str) -> Vec<(String, String)> {
    let call = parse_text(transcript, "t").unwrap();
    set.evaluate(&call)
        .into_iter()
        .map(|h| (set.rules[h.rule].id.clone(), h.describe()))
        .collect()
}

fn rule(id: &str, body: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"测试\"\nmessage = \"测试\"\ndimension = \"resolution\"\npoints = -3\n\n{body}"
    )
}

/// "Mentions a refund and never confirms it": a call-level `not`, which an exclusion (that
/// only cancels the words it overlaps) cannot say.
const REFUND: &str = r#"
[match]
role = "customer"
phrases = ["退款", "退钱"]

[[match.not]]
role = "agent"
phrases = ["已经退款", "已退款", "退款已经到账", "已经给您退"]
"#;

#[test]
fn not_is_judged_over_the_whole_call() {
    let set = compile(&[("r/TST001.toml", &rule("TST001", REFUND))]).unwrap();
    let unconfirmed = "客户：我要退款。\n客服：好的,我帮您登记一下。\n";
    assert_eq!(
        hits(&set, unconfirmed),
        vec![("TST001".to_string(), "退款".to_string())]
    );
    let confirmed_later =
        "客户：我要退款。\n客服：请稍等。\n客服：已经给您退回原卡了,三个工作日到账。\n";
    assert_eq!(hits(&set, confirmed_later), vec![]);
    // The agent saying 退款 is not the customer asking for it.
    assert_eq!(
        hits(&set, "客服：退款规则是七天无理由。\n客户：好的。\n"),
        vec![]
    );
}

#[test]
fn a_composed_rule_counts_once_per_call_with_all_its_evidence() {
    let set = compile(&[("r/TST001.toml", &rule("TST001", REFUND))]).unwrap();
    let call = parse_text("客户：退款!\n客服：嗯。\n客户：我说退钱!\n", "t").unwrap();
    let outcome = grade_call(&set, call);
    assert_eq!(outcome.hits.len(), 2, "both requests are evidence");
    assert_eq!(outcome.card.hit_counts, vec![("TST001".to_string(), 1)]);
    assert_eq!(outcome.card.score, 97, "the call loses 3 points once");

    // max_hits means nothing for a whole-call verdict, and the author is told so.
    let capped = rule("TST001", &format!("max_hits = 2\n{REFUND}"));
    let set = compile(&[("r/TST001.toml", &capped)]).unwrap();
    let warnings: Vec<String> = set.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("r/TST001.toml:7:12: [TST001] 组合条件")),
        "{warnings:?}"
    );
}

#[test]
fn overlapping_evidence_of_two_members_is_one_quote() {
    let body = r#"
[[match.all]]
role = "customer"
phrases = ["我要投诉你们"]

[[match.all]]
role = "customer"
phrases = ["投诉"]
"#;
    let set = compile(&[("r/TST001.toml", &rule("TST001", body))]).unwrap();
    assert_eq!(
        hits(&set, "客服：您好。\n客户：我要投诉你们,太慢了。\n"),
        vec![("TST001".to_string(), "我要投诉你们".to_string())]
    );
}

/// RSK001's shape: the customer's 12315 is the rule's own words, another rule's words, and the
/// trigger of a third rule's missing reply. The words said are one quote, however many members
/// found them; the missing reply after them is a different finding and stays.
#[test]
fn the_same_words_from_several_members_are_one_quote_next_to_a_missing_reply() {
    let said = rule(
        "TST001",
        "[match]\nrole = \"customer\"\nphrases = [\"12315\"]\n",
    );
    let unsoothed = rule(
        "TST002",
        r#"
[match]
role = "agent"
mode = "absent"
phrases = ["抱歉"]

[match.after]
role = "customer"
phrases = ["12315"]
within = 1
"#,
    );
    let risk = rule(
        "TST003",
        r#"
[match]
any = [{ rule = "TST001" }, { rule = "TST002" }]

[[match.all]]
role = "customer"
phrases = ["12315", "投诉"]
"#,
    );
    let set = compile(&[
        ("r/TST001.toml", &said),
        ("r/TST002.toml", &unsoothed),
        ("r/TST003.toml", &risk),
    ])
    .unwrap();
    let call = parse_text("客户：我要去12315投诉你。\n客服：随便。\n", "t").unwrap();
    let evidence: Vec<(usize, &'static str, String)> = set
        .evaluate(&call)
        .into_iter()
        .filter(|h| set.rules[h.rule].id == "TST003")
        .map(|h| {
            let kind = match h.evidence {
                Evidence::Said(_) => "said",
                Evidence::Missing { .. } => "missing",
                _ => "timing",
            };
            (h.turn, kind, h.describe())
        })
        .collect();
    assert_eq!(
        evidence,
        vec![
            (0, "said", "12315".to_string()),
            (0, "said", "投诉".to_string()),
            (0, "missing", "12315".to_string()),
        ]
    );
}

#[test]
fn all_and_any_need_their_members_and_bring_their_evidence() {
    let body = r#"
[[match.all]]
role = "customer"
phrases = ["投诉"]

[[match.any]]
role = "agent"
phrases = ["不归我管"]

[[match.any]]
role = "agent"
phrases = ["你自己去问"]
"#;
    let set = compile(&[("r/TST001.toml", &rule("TST001", body))]).unwrap();
    assert_eq!(
        hits(
            &set,
            "客户：我要投诉你们。\n客服：这个不归我管,你自己去问营业厅。\n"
        ),
        vec![
            ("TST001".to_string(), "投诉".to_string()),
            ("TST001".to_string(), "不归我管".to_string()),
            ("TST001".to_string(), "你自己去问".to_string()),
        ]
    );
    // `all` without any `any`: no hit.
    assert_eq!(
        hits(&set, "客户：我要投诉你们。\n客服：非常抱歉,我马上处理。\n"),
        vec![]
    );
    // An `any` without the `all`: no hit.
    assert_eq!(
        hits(&set, "客户：宽带怎么办理?\n客服：这个不归我管。\n"),
        vec![]
    );
}

#[test]
fn nested_inline_composition() {
    // (客户说“投诉” && !(客服说“抱歉” || 客服说“对不起”))
    let body = r#"
[match]
all = [
    { role = "customer", phrases = ["投诉"] },
]
not = [
    { any = [ { role = "agent", phrases = ["抱歉"] }, { role = "agent", phrases = ["对不起"] } ] },
]
"#;
    let set = compile(&[("r/TST001.toml", &rule("TST001", body))]).unwrap();
    assert_eq!(hits(&set, "客户：我要投诉。\n客服：您说。\n").len(), 1);
    assert_eq!(hits(&set, "客户：我要投诉。\n客服：对不起。\n").len(), 0);
    assert_eq!(hits(&set, "客户：我要投诉。\n客服：很抱歉。\n").len(), 0);
}

#[test]
fn a_rule_can_use_another_rules_verdict_and_its_trigger_turns() {
    let upset = rule(
        "TST001",
        "[match]\nrole = \"customer\"\nphrases = [\"太差了\", \"投诉\"]\n",
    );
    // Refers to TST001's verdict; evaluated after it although its id sorts first.
    let risk = rule(
        "TSA002",
        r#"
[[match.all]]
rule = "TST001"

[[match.all]]
role = "customer"
phrases = ["12315"]
"#,
    );
    // Uses TST001's hits as the trigger turns of [match.after].
    let soothe = rule(
        "TST003",
        r#"
[match]
role = "agent"
mode = "absent"
phrases = ["抱歉"]

[match.after]
role = "customer"
rule = "TST001"
within = 1
"#,
    );
    let set = compile(&[
        ("r/TST001.toml", &upset),
        ("r/TSA002.toml", &risk),
        ("r/TST003.toml", &soothe),
    ])
    .unwrap();
    let call = "客户：服务太差了,我要打12315。\n客服：您稍等。\n";
    let got = hits(&set, call);
    assert_eq!(
        got,
        vec![
            ("TSA002".to_string(), "太差了".to_string()),
            ("TSA002".to_string(), "12315".to_string()),
            ("TST001".to_string(), "太差了".to_string()),
            ("TST003".to_string(), "太差了".to_string()),
        ]
    );
    let soothed = "客户：服务太差了。\n客服：非常抱歉。\n";
    assert_eq!(
        hits(&set, soothed),
        vec![("TST001".to_string(), "太差了".to_string())]
    );
}

#[test]
fn reference_mistakes_are_reported_at_the_reference() {
    let missing = rule("TST001", "[[match.all]]\nrule = \"NOPE01\"\n");
    let got = compile(&[("r/TST001.toml", &missing)])
        .err()
        .expect("should not compile");
    assert_eq!(
        got,
        vec!["r/TST001.toml:8:8: [TST001] 引用了不存在的规则 NOPE01"]
    );

    let a = rule("TST001", "[[match.all]]\nrule = \"TST002\"\n");
    let b = rule("TST002", "[[match.any]]\nrule = \"TST001\"\n");
    let got = compile(&[("r/TST001.toml", &a), ("r/TST002.toml", &b)])
        .err()
        .expect("should not compile");
    assert_eq!(
        got,
        vec!["r/TST002.toml:8:8: [TST002] 规则之间的引用形成循环: TST001 → TST002 → TST001"]
    );

    // A reference to a rule that exists but is broken is that rule's problem only.
    let broken = rule("TST002", "[match]\nphrases = [\"x\"]\nbogus = 1\n");
    let got = compile(&[("r/TST001.toml", &a), ("r/TST002.toml", &broken)])
        .err()
        .expect("should not compile");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("未知的键 \"bogus\""), "{got:?}");
}
