//! Every example in every built-in rule file behaves as it says.

use zhijian::rule::RuleSet;
use zhijian::selftest::check_examples;

#[test]
fn every_builtin_rule_example_holds() {
    let set = RuleSet::embedded().unwrap_or_else(|e| panic!("{e}"));
    let results = check_examples(&set);
    let examples: usize = set.rules.iter().map(|r| r.examples.len()).sum();
    assert_eq!(results.len(), examples, "every example is checked");
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.problem())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
