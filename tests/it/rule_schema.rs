//! The published JSON Schemas of rule and lexicon files (`schema/`), which editors (taplo /
//! Even Better TOML) use for completion and hover help: every shipped file validates, a wrong
//! file does not, and the schema names exactly the keys the rule compiler accepts.

use std::collections::BTreeSet;
use std::fs;

use crate::common::{self, repo};
use serde_json::Value;

fn schema(name: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(repo().join("schema").join(name)).unwrap()).unwrap()
}

fn as_json(toml_text: &str) -> Value {
    let value: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(value).unwrap()
}

fn shipped(dir_is_lexicons: bool) -> Vec<(String, String)> {
    zhijian::rule::embedded_sources()
        .into_iter()
        .filter(|s| {
            s.path.ends_with(".toml") && s.path != "scoring.toml" && s.path != "sound-alike.toml"
        })
        .filter(|s| s.path.starts_with("lexicons/") == dir_is_lexicons)
        .map(|s| (s.path, s.text))
        .collect()
}

#[test]
fn every_shipped_rule_and_lexicon_validates() {
    for (schema_file, lexicons) in [
        ("zhijian.rule.v1.schema.json", false),
        ("zhijian.lexicon.v1.schema.json", true),
    ] {
        let validator = jsonschema::validator_for(&schema(schema_file)).unwrap();
        let files = shipped(lexicons);
        assert!(
            files.len() >= 19,
            "{schema_file}: only {} files",
            files.len()
        );
        for (path, text) in files {
            let errors: Vec<String> = validator
                .iter_errors(&as_json(&text))
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{path}: {errors:?}");
        }
    }
}

#[test]
fn a_misspelt_key_or_a_wrong_value_fails_validation() {
    let validator = jsonschema::validator_for(&schema("zhijian.rule.v1.schema.json")).unwrap();
    let (_, good) = shipped(false)
        .into_iter()
        .find(|(p, _)| p.contains("OPN001"))
        .unwrap();
    assert!(validator.is_valid(&as_json(&good)));
    for bad in [
        good.replace("max_hits = 1", "max_hit = 1"),
        good.replace("role = \"agent\"", "role = \"坐席\""),
        good.replace("channels = [\"phone\"]", "channels = [\"fax\"]"),
        good.replace("points = -5", "points = -500"),
        good.replace("expect = \"hit\"", "expect = \"yes\""),
    ] {
        assert_ne!(bad, good);
        assert!(!validator.is_valid(&as_json(&bad)), "{bad}");
    }
}

/// The keys the compiler allows in a table, from its own error message for an unknown key.
fn allowed_keys(rule_text: &str) -> BTreeSet<String> {
    let sources = common::with_scoring(&[("t/TST001.toml", rule_text)]);
    let errors = match zhijian::rule::RuleSet::compile(&sources) {
        Ok(_) => panic!("an unknown key must not compile"),
        Err(e) => e,
    };
    let help = errors.0[0].help.clone().unwrap();
    help.trim_start_matches("这里允许的键: ")
        .split(", ")
        .map(str::to_string)
        .collect()
}

fn schema_keys(schema: &Value, pointer: &str) -> BTreeSet<String> {
    schema
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_schema_names_exactly_the_keys_the_compiler_accepts() {
    let schema = schema("zhijian.rule.v1.schema.json");
    let head =
        "id = \"TST001\"\ntitle = \"t\"\nmessage = \"m\"\ndimension = \"language\"\npoints = -1\n";
    let cases = [
        (format!("{head}zzz = 1\n[match]\nphrases = [\"a\"]\n"), "/properties"),
        (format!("{head}[match]\nzzz = 1\nphrases = [\"a\"]\n"), "/$defs/match/properties"),
        (
            format!("{head}[match]\nphrases = [\"a\"]\n[match.after]\nrole = \"customer\"\nwithin = 1\nzzz = 1\nphrases = [\"b\"]\n"),
            "/$defs/condition/properties",
        ),
        (format!("{head}[match]\n[match.timing]\ngap_ms = 1\nzzz = 1\n"), "/$defs/timing/properties"),
        (
            format!("{head}[match]\nphrases = [\"a\"]\n[match.dialogue]\nzzz = 1\n"),
            "/$defs/dialogue/properties",
        ),
        (
            format!("{head}[match]\nphrases = [\"a\"]\n[[example]]\nexpect = \"hit\"\ntext = \"客服：a\"\nzzz = 1\n"),
            "/$defs/example/properties",
        ),
    ];
    for (text, pointer) in cases {
        assert_eq!(
            allowed_keys(&text),
            schema_keys(&schema, pointer),
            "{pointer}"
        );
    }
}

#[test]
fn the_schema_knows_every_channel_name_the_compiler_accepts() {
    let schema = schema("zhijian.rule.v1.schema.json");
    let listed: BTreeSet<String> = schema
        .pointer("/$defs/channel/enum")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let accepted: BTreeSet<String> = zhijian::channel::CHANNELS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
        .map(str::to_string)
        .collect();
    assert_eq!(listed, accepted);
    for name in &listed {
        assert!(name.parse::<zhijian::channel::Channel>().is_ok(), "{name}");
    }
}
