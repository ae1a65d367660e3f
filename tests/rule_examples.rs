//! Every example in every built-in rule file behaves as it says.

use zhijian::rule::RuleSet;
use zhijian::selftest::check_examples;

#[test]
fn every_builtin_rule_example_holds() {
    let set = RuleSet::embedded().unwrap_or_else(|e| panic!("{e}"));
    let failures = check_examples(&set);
    let report: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(failures.is_empty(), "{}", report.join("\n\n"));
}

#[test]
fn every_builtin_rule_has_hit_and_pass_examples() {
    let set = RuleSet::embedded().unwrap_or_else(|e| panic!("{e}"));
    for rule in &set.rules {
        let hits = rule
            .examples
            .iter()
            .filter(|e| e.expect == zhijian::rule::Expect::Hit)
            .count();
        let passes = rule.examples.len() - hits;
        assert!(
            hits >= 2 && passes >= 2,
            "{} has {hits} hit and {passes} pass examples",
            rule.id
        );
    }
}
