//! What the engine decides when the built-in rules grade a whole call through the library API:
//! timing rules without timestamps, Traditional characters, the evidence's original words,
//! caps and fatal rules. Whether a rule should fire on a sentence, and on its lookalikes, is
//! written as that rule's examples (`[[example]]` in `rules/`), which `rule_examples` checks.

use std::sync::LazyLock;

use zhijian::grade::grade_call;
use zhijian::input::parse_text;
use zhijian::rule::{Evidence, Quote, RuleSet};

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::embedded().unwrap());

/// Rule ids that fire on a one-off transcript.
fn fired(transcript: &str) -> Vec<String> {
    let call = parse_text(transcript, "trap").unwrap();
    let outcome = grade_call(&RULES, call);
    outcome
        .card
        .hit_counts
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn assert_fires(rule: &str, transcript: &str) {
    let got = fired(transcript);
    assert!(
        got.iter().any(|id| id == rule),
        "{rule} should fire on:\n{transcript}\nfired: {got:?}"
    );
}

fn assert_silent(rule: &str, transcript: &str) {
    let got = fired(transcript);
    assert!(
        !got.iter().any(|id| id == rule),
        "{rule} should not fire on:\n{transcript}\nfired: {got:?}"
    );
}

/// The same words with and without timestamps: a rule example cannot say this, since a `pass`
/// example of a timing rule without timestamps proves nothing and `zhijian test` refuses it.
#[test]
fn timing_rules_need_timestamps() {
    let interrupt =
        "[00:01.0-00:06.0] 客户：我想说的是那个套餐\n[00:04.0-00:07.0] 客服：我知道,您听我说。";
    assert_fires("LST001", interrupt);
    assert_silent("LST001", "客户：我想说的是那个套餐\n客服：我知道。");
}

#[test]
fn traditional_characters_match_simplified_rules() {
    assert_fires("LNG001", "客戶：怎麼辦?\n客服：不知道,你自己去查。");
    assert_fires("EMP003", "客戶：等了半天才接通!\n客服：請講。");
    assert_silent("EMP003", "客戶：等了半天才接通!\n客服：抱歉讓您久等了。");
}

#[test]
fn evidence_quotes_the_original_characters() {
    let call = parse_text("客戶：怎麼辦?\n客服：您好，這個我不清楚。", "t").unwrap();
    let outcome = grade_call(&RULES, call);
    let lng = RULES.rules.iter().position(|r| r.id == "LNG001").unwrap();
    let hit = outcome.hits.iter().find(|h| h.rule == lng).unwrap();
    assert_eq!(
        hit.evidence,
        Evidence::Said(Quote {
            start: 6,
            end: 9,
            text: "不清楚".into(),
            similar: None,
            sounds_like: None,
        })
    );
    assert_eq!(hit.turn, 1);
}

#[test]
fn caps_limit_deductions_but_not_evidence() {
    let call = parse_text(
        "客户：怎么办?\n客服：不知道。不清楚。没办法。随便你。你自己去查。",
        "t",
    )
    .unwrap();
    let outcome = grade_call(&RULES, call);
    assert_eq!(
        outcome
            .card
            .hit_counts
            .iter()
            .find(|(id, _)| id == "LNG001")
            .unwrap()
            .1,
        5
    );
    // 100 − 3×5 (LNG001 capped) − 5 (OPN002) − 3 (OPN003) − 3 (CLS001) = 74.
    assert_eq!(outcome.card.score, 74);
    assert_eq!(outcome.card.tier, "不达标");
}

#[test]
fn an_insult_is_fatal() {
    let call = parse_text("客户：你们太差了!\n客服：你有病吧,滚!", "x").unwrap();
    let card = grade_call(&RULES, call).card;
    assert_eq!(card.score, 0);
    assert_eq!(card.tier, "不达标");
    assert!(card.flagged);
    assert!(card.flag_reasons.contains(&"LNG002".to_string()));
}
