use super::*;

#[test]
fn every_measure_has_its_own_key_a_name_and_an_explanation() {
    let mut keys: Vec<&str> = MEASURES.iter().map(|m| m.key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), MEASURES.len(), "two measures share a key");
    for m in MEASURES {
        assert!(!m.name.is_empty() && !m.how.is_empty(), "{}", m.key);
        assert_eq!(find(m.key).map(|f| f.key), Some(m.key));
        assert_eq!(how(m.key), Some(m.how));
    }
    assert!(find("speed").is_none());
}

#[test]
fn the_rule_schema_and_the_rule_docs_name_every_measure() {
    let schema = include_str!("../../../../schema/zhijian.rule.v1.schema.json");
    let readme = include_str!("../../../../docs/rules.md");
    for m in MEASURES {
        assert!(
            schema.contains(&format!("\"{}\"", m.key)),
            "schema lacks {}",
            m.key
        );
        assert!(
            readme.contains(&format!("`{}`", m.key)),
            "docs/rules.md lacks {}",
            m.key
        );
    }
}

#[test]
fn values_are_compared_at_the_precision_shown() {
    assert_eq!(round(5.96, 1), 6.0);
    assert_eq!(round(5.94, 1), 5.9);
    assert_eq!(round(2.5, 0), 3.0);
    assert_eq!(round(7.25, 2), 7.25);
}

#[test]
fn limits_read_as_chinese_with_their_unit() {
    let check = |key: &str, above, below| MeasureCheck {
        measure: find(key).unwrap(),
        settings: Settings {
            role: None,
            per: Per::Call,
            min_chars: 0,
            overlap_ms: 0,
        },
        above,
        below,
    };
    assert_eq!(
        check("speech_rate", Some(6.0), None).limit(),
        "超过 6 字/秒"
    );
    assert_eq!(check("talk_share", None, Some(20.5)).limit(), "低于 20.5%");
    assert_eq!(check("emotion", Some(7.0), None).limit(), "超过 7");
    assert_eq!(
        check("duration", Some(10.0), Some(20.0)).limit(),
        "在 10 与 20 秒之间"
    );
}

#[test]
fn a_measure_shows_as_its_key_in_debug_output() {
    assert_eq!(format!("{:?}", find("speech_rate")), "Some(speech_rate)");
}
