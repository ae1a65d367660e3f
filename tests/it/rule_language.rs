//! The rule language end to end: rule files written with patterns, lexicons, entities, clause
//! context and `strict_nin`, compiled and run over calls, with the evidence they quote.

use zhijian::input::parse_text;
use zhijian::rule::{Evidence, RuleSet, RuleSource};

/// `(path, text)` files plus the real scoring, as rule sources.
fn sources<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)]) -> Vec<RuleSource> {
    let mut sources = vec![RuleSource {
        path: "scoring.toml".into(),
        text: include_str!("../../rules/scoring.toml").into(),
    }];
    sources.extend(files.iter().map(|(p, t)| RuleSource {
        path: p.as_ref().to_string(),
        text: t.as_ref().to_string(),
    }));
    sources
}

/// A rule set from `(path, text)` files plus the real scoring.
fn compile(files: &[(&str, &str)]) -> RuleSet {
    RuleSet::compile(&sources(files)).unwrap_or_else(|e| panic!("{}", e.render(false)))
}

/// The rendered errors of `(path, text)` files that must not compile.
fn errors_of<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)]) -> String {
    match RuleSet::compile(&sources(files)) {
        Ok(_) => panic!("these rule files must not compile"),
        Err(e) => e.render(false),
    }
}

/// A rule `TST001` with the given `[match]` body.
fn rule(body: &str) -> String {
    format!(
        "id = \"TST001\"\ntitle = \"测试\"\nmessage = \"测试\"\ndimension = \"language\"\npoints = -5\n\n[match]\n{body}\n"
    )
}

/// The quotes of every hit of the rule set on a transcript, as (turn, quote).
/// A transcript of customer turns only gets an agent's 嗯 in front (a call needs an agent),
/// and turn numbers are given without it.
fn quotes(set: &RuleSet, transcript: &str) -> Vec<(usize, String)> {
    let padded = !transcript.contains("客服");
    let text = if padded {
        format!("客服：嗯\n{transcript}")
    } else {
        transcript.to_string()
    };
    let call = parse_text(&text, "t").unwrap();
    set.evaluate(&call)
        .iter()
        .map(|h| {
            let turn = if padded { h.turn - 1 } else { h.turn };
            (turn, h.quote().map(|q| q.text.clone()).unwrap_or_default())
        })
        .collect()
}

const SUPERIOR: (&str, &str) = (
    "lexicons/superior.toml",
    "name = \"上级\"\ndescription = \"上级\"\ninclude = [\"后台\"]\nterms = [\"领导\", \"主管\", \"[值班]?经理\"]\n",
);
const BACK_OFFICE: (&str, &str) = (
    "lexicons/back-office.toml",
    "name = \"后台\"\ndescription = \"后台部门\"\nterms = [\"后台\", \"技术部[门]?\"]\n",
);

#[test]
fn a_gapped_pattern_with_a_lexicon_finds_the_seed_case_in_both_scripts() {
    let r = rule("role = \"agent\"\nphrases = [\"那是…{上级}…的事\"]");
    let set = compile(&[("t/TST001.toml", &r), SUPERIOR, BACK_OFFICE]);
    assert_eq!(
        quotes(
            &set,
            "客户：能不能给我加急?\n客服：那是我们领导的事,我管不了。\n"
        ),
        [(1, "那是我们领导的事".to_string())]
    );
    assert_eq!(
        quotes(&set, "客戶：能不能給我加急?\n客服：那是我們領導的事。\n"),
        [(1, "那是我們領導的事".to_string())],
        "Traditional, quoted as said"
    );
    // Through the included lexicon, and an optional part of a term.
    assert_eq!(quotes(&set, "客服：那是技术部门的事。\n").len(), 1);
    assert_eq!(quotes(&set, "客服：那是值班经理的事\n").len(), 1);
    // Not across a clause, not beyond the gap, not the customer.
    assert!(quotes(&set, "客服：那是您的问题,得找领导的事\n").is_empty());
    assert!(quotes(&set, "客服：那是我们这边负责处理投诉的那位领导的事\n").is_empty());
    assert!(quotes(&set, "客户：那是你们领导的事吧\n").is_empty());
    let lexicons: Vec<&str> = set.lexicons.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(lexicons, ["上级", "后台"]);
    assert_eq!(set.rules[0].lexicons, ["上级"]);
    assert_eq!(set.lexicon_users("后台"), ["TST001"], "used through 上级");
}

/// A lexicon with one gapped term among plain ones still finds every term where it overlaps
/// another: the quote is the whole stretch, as for a lexicon of plain words. One regex over the
/// whole lexicon would stop at the leftmost-first alternative (能理解您, not 能理解您的顾虑).
#[test]
fn a_lexicon_with_a_gapped_term_still_quotes_overlapping_terms_whole() {
    let empathy = (
        "lexicons/empathy.toml",
        "name = \"共情\"\ndescription = \"共情\"\nterms = [\"能理解您\", \"理解您的[顾虑|心情]\", \"理解…{12}给您带来[了]?不便\"]\n",
    );
    let r = rule("role = \"agent\"\nphrases = [\"{共情}\"]");
    let set = compile(&[("t/TST001.toml", &r), empathy]);
    assert_eq!(
        quotes(&set, "客服：我能理解您的顾虑,我再帮您确认一下。\n"),
        [(0, "能理解您的顾虑".to_string())]
    );
    assert_eq!(
        quotes(&set, "客服：我理解这台机器给您带来了不便。\n"),
        [(0, "理解这台机器给您带来了不便".to_string())]
    );
}

/// A phrase that starts or ends with a digit is a number, never a piece of a longer code:
/// each side is checked on its own.
#[test]
fn a_number_is_not_found_inside_a_longer_code_on_either_side() {
    let r = rule("role = \"customer\"\nphrases = [\"12315\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客户：我要打12315投诉\n"),
        [(0, "12315".to_string())]
    );
    assert_eq!(quotes(&set, "客户：12315\n"), [(0, "12315".to_string())]);
    assert!(
        quotes(&set, "客户：账号1231500\n").is_empty(),
        "digits after"
    );
    assert!(
        quotes(&set, "客户：账号12315a\n").is_empty(),
        "a letter after"
    );
    assert!(
        quotes(&set, "客户：单号CANCZ12315\n").is_empty(),
        "letters before"
    );
    assert!(
        quotes(&set, "客户：账号0012315\n").is_empty(),
        "digits before"
    );
}

/// An exclusion cancels the matches it overlaps, not the ones next to it.
#[test]
fn an_exclusion_next_to_a_match_does_not_cancel_it() {
    let r = rule("role = \"customer\"\nphrases = [\"退款\"]\nexclude = [\"申请\", \"不退款\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客户：我申请退款\n"),
        [(0, "退款".to_string())]
    );
    assert_eq!(quotes(&set, "客户：退款申请\n"), [(0, "退款".to_string())]);
    assert!(quotes(&set, "客户：我不退款了\n").is_empty(), "overlapped");
}

/// Overlapping terms of one lexicon are one stretch, and the clause context is judged on the
/// stretch: the negation before 找媒体曝光 also covers the 媒体曝光 inside it.
#[test]
fn clause_context_judges_overlapping_terms_as_one_stretch() {
    let outlets = (
        "lexicons/outlets.toml",
        "name = \"投诉渠道\"\ndescription = \"投诉渠道\"\nterms = [\"找媒体\", \"媒体曝光\", \"{数字}…{2}热线\"]\n",
    );
    let r = rule("role = \"customer\"\nphrases = [\"{投诉渠道}\"]\nunless = [\"否定\"]");
    let set = compile(&[("t/TST001.toml", &r), outlets]);
    assert!(quotes(&set, "客户：我也不会找媒体曝光的\n").is_empty());
    assert_eq!(
        quotes(&set, "客户：再不退我就找媒体曝光\n"),
        [(0, "找媒体曝光".to_string())]
    );
}

/// A `regex` term is folded like the text it runs on, 著 and 妳 included.
#[test]
fn regex_terms_fold_variant_characters_like_the_text() {
    let r = rule("role = \"agent\"\nregex = [\"[别別]著急\", \"妳好\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：您先別著急\n").len(), 1);
    assert_eq!(quotes(&set, "客服：您先别着急\n").len(), 1);
    assert_eq!(quotes(&set, "客服：你好\n").len(), 1);
}

#[test]
fn nin_and_ni_are_one_character_unless_strict_nin() {
    let r = rule("role = \"agent\"\nphrases = [\"给您添麻烦\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客服：不好意思给你添麻烦了\n"),
        [(0, "给你添麻烦".to_string())]
    );
    assert_eq!(
        quotes(&set, "客服：不好意思給您添麻煩了\n"),
        [(0, "給您添麻煩".to_string())]
    );

    let r = rule("role = \"agent\"\nstrict_nin = true\nphrases = [\"[您好|早上好]\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：您好,请讲\n"), [(0, "您好".to_string())]);
    assert!(quotes(&set, "客服：你好,请讲\n").is_empty());
    assert_eq!(quotes(&set, "客服：早上好\n").len(), 1);

    // A plain phrase under strict_nin as well.
    let r = rule("role = \"agent\"\nstrict_nin = true\nphrases = [\"您好\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：您好,请讲\n"), [(0, "您好".to_string())]);
    assert!(quotes(&set, "客服：你好,请讲\n").is_empty());
}

#[test]
fn entities_match_numbers_durations_and_masks() {
    let r = rule("role = \"customer\"\nphrases = [\"等了{时长}\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    for (text, quote) in [
        ("客户：我等了三十秒都没人理", "等了三十秒"),
        ("客户：我都等了半个小时了", "等了半个小时"),
        ("客户：等了两三天了", "等了两三天"),
    ] {
        assert_eq!(quotes(&set, text), [(0, quote.to_string())], "{text}");
    }
    assert!(quotes(&set, "客户：我等了好久\n").is_empty());

    let r = rule("role = \"agent\"\nphrases = [\"工号{工号}\", \"{工号}号[客服|坐席]?…为您服务\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    for text in [
        "客服：您好,工号***为您服务",
        "客服：您好,工号[数字x]为您服务",
        "客服：您好工号九五二七",
        "客服：您好,1024号客服很高兴为您服务",
    ] {
        assert_eq!(quotes(&set, text).len(), 1, "{text}");
    }
    assert!(quotes(&set, "客服：您好,请问有什么可以帮您\n").is_empty());
}

#[test]
fn a_pattern_made_only_of_an_entity_runs_without_an_anchor() {
    let r = rule("role = \"agent\"\nphrases = [\"^{数字}$\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客服：请报一下号码\n客服：1024。\n"),
        [(1, "1024".to_string())]
    );
}

#[test]
fn clause_edges_find_every_clause_even_side_by_side() {
    let r = rule("role = \"agent\"\nphrases = [\"^好的$\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：好的,好的,好的\n").len(), 3);
    assert_eq!(
        quotes(&set, "客服：好的 好的\n").len(),
        2,
        "a pause is a clause edge too"
    );
    assert!(quotes(&set, "客服：好的吧\n").is_empty());
}

#[test]
fn strict_nin_covers_regexes_too() {
    let r = rule("role = \"agent\"\nstrict_nin = true\nregex = ['^您好']");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：您好\n").len(), 1);
    assert!(quotes(&set, "客服：你好\n").is_empty());
    let r = rule("role = \"agent\"\nregex = ['^您好']");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：你好\n").len(), 1, "folded by default");
}

#[test]
fn lexicons_that_double_each_other_are_refused_not_expanded() {
    let mut sources = vec![
        RuleSource {
            path: "scoring.toml".into(),
            text: include_str!("../../rules/scoring.toml").into(),
        },
        RuleSource {
            path: "lexicons/l0.toml".into(),
            text: "name = \"L0\"\ndescription = \"x\"\nterms = [\"a\", \"b\"]\n".into(),
        },
    ];
    for i in 1..24 {
        sources.push(RuleSource {
            path: format!("lexicons/l{i}.toml"),
            text: format!(
                "name = \"L{i}\"\ndescription = \"x\"\nterms = [\"{{L{p}}}{{L{p}}}\"]\n",
                p = i - 1
            ),
        });
    }
    sources.push(RuleSource {
        path: "t/TST001.toml".into(),
        text: rule("phrases = [\"{L23}\"]"),
    });
    let Err(errors) = RuleSet::compile(&sources) else {
        panic!("an exponential lexicon must not compile");
    };
    let text = errors.render(false);
    assert!(text.contains("超过 100000 的上限"), "{text}");
}

#[test]
fn exclusions_can_be_patterns_too() {
    let r = rule(
        "role = \"agent\"\nphrases = [\"没办法\"]\nexclude = [\"[没办法|没有办法]…{4}[接通|联系|打通]\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客服：这个我们没办法。\n").len(), 1);
    assert!(quotes(&set, "客服：您那边信号不好,没办法跟您接通\n").is_empty());
}

#[test]
fn clause_context_keeps_or_drops_a_match() {
    let r = rule(
        "role = \"customer\"\nphrases = [\"投诉\"]\nunless = [\"否定\", \"已解决\", \"假设\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客户：我要投诉你们!\n").len(), 1);
    assert!(quotes(&set, "客户：老实说,联通还不错,投诉的问题很快就解决了\n").is_empty());
    assert!(quotes(&set, "客户：我不是要投诉,就问问\n").is_empty());
    assert!(quotes(&set, "客户：如果明天还不来,我就投诉\n").is_empty());

    let r = rule("role = \"customer\"\nphrases = [\"明白了\"]\nunless = [\"疑问\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(quotes(&set, "客户：好的,明白了,谢谢\n").len(), 1);
    assert!(quotes(&set, "客户：这回明白了没有?\n").is_empty());

    let r = rule("role = \"agent\"\nphrases = [\"好的\"]\nwhen = [\"疑问\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客服：这样处理好的吧?\n客服：好的。\n"),
        [(0, "好的".to_string())]
    );
}

#[test]
fn an_absent_phrase_is_reported_where_it_was_expected() {
    // The last turns: the evidence is the last turn of the agent.
    let r = rule(
        "role = \"agent\"\nlast = 2\nmode = \"absent\"\nphrases = [\"[还有|其他]…可以帮…您\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    let call = parse_text(
        "客服：您好\n客户：查话费\n客服：58元\n客户：好\n客服：好的\n",
        "t",
    )
    .unwrap();
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].turn, 4);
    match &hits[0].evidence {
        Evidence::Missing { quote, first, last } => {
            assert_eq!((quote.text.as_str(), *first, *last), ("好的", 2, 4));
        }
        other => panic!("{other:?}"),
    }
    // JD's closing with one extra 还 is a closing.
    assert!(quotes(&set, "客服：请问还有其他还可以帮到您的吗\n").is_empty());

    // The first turns: the evidence is the first turn of the agent.
    let r = rule("role = \"agent\"\nfirst = 2\nmode = \"absent\"\nphrases = [\"工号{工号}\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    let call = parse_text(
        "客户：喂\n客服：您好\n客户：我查话费\n客服：请稍等\n客服：58元\n",
        "t",
    )
    .unwrap();
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].turn, 1);
    match &hits[0].evidence {
        Evidence::Missing { first, last, .. } => assert_eq!((*first, *last), (1, 3)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rules_with_identical_conditions_share_them_and_all_still_fire() {
    // Two rules with the same phrase, and a third whose [match.after] trigger is that same
    // condition: compiled once, evaluated once, and every rule keeps its own hits.
    let same = "role = \"customer\"\nphrases = [\"我要投诉\"]";
    let a = rule(same);
    let b = rule(same).replace("TST001", "TST002");
    let c = rule(&format!(
        "role = \"agent\"\nmode = \"absent\"\nphrases = [\"抱歉\"]\n[match.after]\n{same}\nwithin = 1"
    ))
    .replace("TST001", "TST003");
    let set = compile(&[
        ("t/TST001.toml", &a),
        ("t/TST002.toml", &b),
        ("t/TST003.toml", &c),
    ]);
    let call = parse_text("客服：您好\n客户：我要投诉你们\n客服：请讲\n", "t").unwrap();
    let mut fired: Vec<&str> = set
        .evaluate(&call)
        .iter()
        .map(|h| set.rules[h.rule].id.as_str())
        .collect();
    fired.dedup();
    assert_eq!(fired, ["TST001", "TST002", "TST003"]);
}

#[test]
fn a_rule_reference_or_a_composition_mixed_with_a_scope_is_an_error() {
    let sources = |body: &str| {
        let mut s = vec![RuleSource {
            path: "scoring.toml".into(),
            text: include_str!("../../rules/scoring.toml").into(),
        }];
        s.push(RuleSource {
            path: "t/TST001.toml".into(),
            text: rule(body),
        });
        s.push(RuleSource {
            path: "t/TST002.toml".into(),
            text: rule("phrases = [\"x\"]").replace("TST001", "TST002"),
        });
        s
    };
    for (body, message) in [
        // A reference must stand alone: not with timing, not with sub-conditions.
        (
            "rule = \"TST002\"\n[match.timing]\ngap_ms = 1000",
            "rule 引用不能",
        ),
        (
            "rule = \"TST002\"\n[[match.all]]\nphrases = [\"y\"]",
            "rule 引用不能",
        ),
        // A composition's own role, first, last or mode needs terms of its own.
        (
            "first = 2\n[[match.all]]\nphrases = [\"y\"]",
            "只作用于本表",
        ),
        ("last = 1\n[[match.any]]\nphrases = [\"y\"]", "只作用于本表"),
        (
            "mode = \"absent\"\n[[match.all]]\nphrases = [\"y\"]",
            "只作用于本表",
        ),
        // …and a reference takes no scope either.
        ("rule = \"TST002\"\nfirst = 2", "rule 引用不能"),
        ("rule = \"TST002\"\nlast = 1", "rule 引用不能"),
    ] {
        let Err(errors) = RuleSet::compile(&sources(body)) else {
            panic!("{body} must not compile");
        };
        let text = errors.render(false);
        assert!(text.contains(message), "{body}\n{text}");
    }
}

#[test]
fn overlapping_evidence_of_a_composition_is_one_quote() {
    let r = rule(
        "[[match.all]]\nrole = \"customer\"\nphrases = [\"我要投诉\"]\n[[match.all]]\nrole = \"customer\"\nphrases = [\"投诉你们\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客户：我要投诉你们!\n"),
        [(0, "我要投诉你们".to_string())]
    );
    assert_eq!(
        quotes(&set, "客户：喂,我要投诉你们!听见没有\n"),
        [(0, "我要投诉你们".to_string())],
        "not from the start of the turn"
    );
    // Evidence inside other evidence adds nothing.
    let r = rule(
        "[[match.all]]\nrole = \"customer\"\nphrases = [\"我要投诉你们\"]\n[[match.all]]\nrole = \"customer\"\nphrases = [\"投诉\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    assert_eq!(
        quotes(&set, "客户：我要投诉你们!\n"),
        [(0, "我要投诉你们".to_string())]
    );
}

#[test]
fn the_turns_after_a_trigger_of_the_same_role_exclude_the_trigger_itself() {
    // After the agent says 请稍等, the agent's next turn must thank the customer for waiting;
    // a 谢谢 in the same turn as 请稍等 is not that.
    let r = rule(
        "role = \"agent\"\nmode = \"absent\"\nphrases = [\"谢谢\"]\n[match.after]\nrole = \"agent\"\nwithin = 1\nphrases = [\"请稍等\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    let call = parse_text("客服：好的谢谢,请稍等\n客户：嗯\n客服：查到了\n", "t").unwrap();
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].turn, 0);
    let call = parse_text("客服：请稍等\n客户：嗯\n客服：谢谢您的等待,查到了\n", "t").unwrap();
    assert!(set.evaluate(&call).is_empty());
}

#[test]
fn lexicon_names_and_clause_edges_are_checked() {
    let lexicon = |file: &str, name: &str, terms: &str| {
        (
            format!("lexicons/{file}.toml"),
            format!("name = \"{name}\"\ndescription = \"x\"\nterms = [{terms}]\n"),
        )
    };
    let text = errors_of(&[
        lexicon("empty", " ", "\"甲\""),
        lexicon("digits", "123", "\"乙\""),
        lexicon("brace", "上{级}", "\"丙\""),
        lexicon("start", "开头", "\"^领导\""),
        lexicon("end", "结尾", "\"领导$\""),
        ("t/TST001.toml".into(), rule("phrases = [\"没办法\"]")),
    ]);
    assert_eq!(text.matches("不能为空、纯数字或含有").count(), 3, "{text}");
    assert_eq!(text.matches("词库里的词不能用 ^ 或 $").count(), 2, "{text}");

    // A name with digits in it is a name; edges inside a rule's phrase are fine.
    let ok = compile(&[
        (
            "lexicons/l.toml",
            "name = \"上级2\"\ndescription = \"x\"\nterms = [\"领导\"]\n",
        ),
        ("t/TST001.toml", &rule("phrases = [\"^{上级2}\"]")),
    ]);
    assert_eq!(quotes(&ok, "客服：领导说了算\n").len(), 1);
}

#[test]
fn a_lexicon_reaches_each_other_lexicon_once() {
    const DEPARTMENTS: (&str, &str) = (
        "lexicons/departments.toml",
        "name = \"部门\"\ndescription = \"部门\"\ninclude = [\"后台\"]\nterms = [\"{后台}办公室\", \"财务\"]\n",
    );
    const BOSSES: (&str, &str) = (
        "lexicons/bosses.toml",
        "name = \"领导们\"\ndescription = \"x\"\ninclude = [\"上级\", \"部门\"]\nterms = [\"{后台}主任\", \"{部门}经理\"]\n",
    );
    let set = compile(&[
        SUPERIOR,
        BACK_OFFICE,
        DEPARTMENTS,
        BOSSES,
        ("t/TST001.toml", &rule("phrases = [\"{领导们}\"]")),
    ]);
    let mut reach = set.lexicon_reach("领导们").to_vec();
    reach.sort();
    assert_eq!(
        reach,
        ["上级", "后台", "部门"],
        "each once, itself not among them"
    );
    assert_eq!(set.lexicon_reach("部门"), ["后台"]);
    assert!(set.lexicon_reach("后台").is_empty());
}

#[test]
fn lexicons_that_name_each_other_in_their_terms_are_a_cycle() {
    let text = errors_of(&[
        (
            "lexicons/a.toml",
            "name = \"甲\"\ndescription = \"x\"\nterms = [\"{乙}的事\"]\n",
        ),
        (
            "lexicons/b.toml",
            "name = \"乙\"\ndescription = \"x\"\nterms = [\"领导\", \"{甲}说的\"]\n",
        ),
        ("t/TST001.toml", &rule("phrases = [\"{甲}\"]")),
    ]);
    assert!(
        text.contains("词库之间的引用形成循环: 甲 → 乙 → 甲"),
        "{text}"
    );
}

#[test]
fn a_lexicon_of_exactly_the_size_limit_compiles_and_one_more_part_does_not() {
    // A term `{十}xN` is 12 parts (the ten alternatives, their group, the literal); 8,333 of
    // them and four plain terms make exactly 100,000.
    let files = |extra: usize| {
        let mut terms: Vec<String> = (0..8333).map(|n| format!("\"{{十}}x{n}\"")).collect();
        terms.extend((0..4 + extra).map(|n| format!("\"y{n}\"")));
        vec![
            (
                "lexicons/ten.toml".to_string(),
                "name = \"十\"\ndescription = \"x\"\nterms = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\"]\n".to_string(),
            ),
            (
                "lexicons/big.toml".to_string(),
                format!("name = \"大\"\ndescription = \"x\"\nterms = [{}]\n", terms.join(", ")),
            ),
            ("t/TST001.toml".to_string(), rule("phrases = [\"没办法\"]")),
        ]
    };
    if let Err(e) = RuleSet::compile(&sources(&files(0))) {
        panic!("100,000 parts is within the limit:\n{}", e.render(false));
    }
    let text = errors_of(&files(1));
    assert!(text.contains("词库展开后有 100001 个部分"), "{text}");
}

/// The timing checks, each edge on its own: who was talked over, how long a turn must be, and
/// which silences a `previous_role` counts.
#[test]
fn timing_edges_overlap_length_and_previous_role() {
    let overlap = rule("role = \"agent\"\n[match.timing]\nprevious_role = \"customer\"\noverlap_ms = 500\nmin_chars = 3");
    let set = compile(&[("t/TST001.toml", &overlap)]);
    // Exactly min_chars letters is long enough to count.
    assert_eq!(
        quotes(
            &set,
            "[00:00.0-00:05.0] 客户：我想查一下账单\n[00:03.0-00:06.0] 客服：您稍等\n"
        )
        .len(),
        1
    );
    assert!(
        quotes(
            &set,
            "[00:00.0-00:05.0] 客户：我想查一下账单\n[00:03.0-00:06.0] 客服：嗯嗯\n"
        )
        .is_empty(),
        "two letters are a back-channel"
    );
    // The recogniser split one agent sentence into overlapping pieces: the agent did not talk
    // over the customer, who had finished long before.
    assert!(quotes(
        &set,
        "[00:00.0-00:05.0] 客户：我想查一下账单\n[00:05.5-00:12.0] 客服：好的我这边帮您查询一下上个月的账单\n[00:11.0-00:13.0] 客服：请您稍等片刻\n"
    )
    .is_empty());

    let gap = rule("role = \"agent\"\n[match.timing]\nprevious_role = \"customer\"\ngap_ms = 5000");
    let set = compile(&[("t/TST001.toml", &gap)]);
    let silent_after = |first: &str| {
        quotes(
            &set,
            &format!("{first}\n[00:20.0-00:22.0] 客服：查到了,是上个月的补扣。\n"),
        )
        .len()
    };
    assert_eq!(silent_after("[00:00.0-00:04.0] 客户：帮我查一下扣费"), 1);
    assert_eq!(
        silent_after("[00:00.0-00:04.0] 客服：我帮您查一下扣费"),
        0,
        "a silence after the agent's own turn is not the one previous_role asks about"
    );
    assert_eq!(
        silent_after("[00:00.0] 客户：帮我查一下扣费"),
        0,
        "without an end time nobody knows when the silence began"
    );
}

#[test]
fn an_excused_silence_has_its_limit() {
    let gap = |limit: &str| {
        rule(&format!(
            "role = \"agent\"\n[match.timing]\ngap_ms = 10000\n{limit}\n\
             [[match.timing.excused_by]]\nrole = \"agent\"\nphrases = [\"请您稍等\"]"
        ))
    };
    let call = |back_at: &str| {
        format!(
            "[00:00.0-00:04.0] 客户：帮我查一下扣费\n[00:04.5-00:06.0] 客服：好的请您稍等\n\
             [{back_at}-02:59.0] 客服：查到了,是上个月的补扣。\n"
        )
    };
    let unlimited = compile(&[("t/TST001.toml", &gap(""))]);
    let limited = compile(&[("t/TST001.toml", &gap("excused_up_to_ms = 60000"))]);
    // 请您稍等 excuses a silence of any length unless the rule limits it.
    assert!(quotes(&unlimited, &call("02:50.0")).is_empty());
    assert_eq!(quotes(&limited, &call("02:50.0")).len(), 1);
    // Within the limit, and exactly at it, the excuse holds.
    assert!(quotes(&limited, &call("00:40.0")).is_empty());
    assert!(quotes(&limited, &call("01:06.0")).is_empty());
    assert_eq!(quotes(&limited, &call("01:06.1")).len(), 1);
    // Unannounced, a silence counts whatever the limit.
    let unannounced = "[00:00.0-00:04.0] 客户：帮我查一下扣费\n[00:04.5-00:06.0] 客服：好的\n\
                       [00:20.0-00:22.0] 客服：查到了。\n";
    assert_eq!(quotes(&limited, unannounced).len(), 1);

    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\n[match.timing]\ngap_ms = 10000\nexcused_up_to_ms = 60000"),
    )]);
    assert!(
        text.contains("excused_up_to_ms 只能与 gap_ms 和 [[match.timing.excused_by]] 一起使用"),
        "{text}"
    );
    let text = errors_of(&[("t/TST001.toml", &gap("excused_up_to_ms = 8000"))]);
    assert!(
        text.contains("excused_up_to_ms (8000) 要大于 gap_ms (10000)"),
        "{text}"
    );
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\n[match.timing]\noverlap_ms = 500\nexcused_up_to_ms = 60000"),
    )]);
    assert!(text.contains("excused_up_to_ms 只能与"), "{text}");
}

#[test]
fn a_problem_inside_a_phrase_points_at_it_past_leading_spaces() {
    let text = errors_of(&[("t/TST001.toml", &rule("phrases = [\"  没办法]\"]"))]);
    // `]` is the 18th character of line 8 (`phrases = ["  没办法]"]`).
    assert!(
        text.contains("TST001.toml:8:18: [TST001] 多余的 ]"),
        "{text}"
    );
}

#[test]
fn an_unknown_lexicon_is_pointed_at_even_inside_an_alternative() {
    let text = errors_of(&[
        (
            "lexicons/s.toml",
            "name = \"上级\"\ndescription = \"x\"\nterms = [\"领导\", \"主管\"]\n",
        ),
        (
            "t/TST001.toml",
            &rule("phrases = [\"{上级}…[找{上极}|问]\"]"),
        ),
    ]);
    // Not at the known {上级} in front: at {上极}, the 20th character of line 8.
    assert!(text.contains("TST001.toml:8:20: [TST001] "), "{text}");
    assert!(text.contains("上极"), "{text}");
}

// --- Dialogue shape: `[match.dialogue]`, `after_reply`, and turns that say nothing ---

/// A closing rule that asks only where the agent had the last word and spoke at least twice.
fn closing_rule(dialogue: &str) -> String {
    rule(&format!(
        "role = \"agent\"\nlast = 2\nmode = \"absent\"\nphrases = [\"再见\", \"还有…[其他|别的]…吗\"]\n\n[match.dialogue]\n{dialogue}"
    ))
}

#[test]
fn a_closing_is_missing_only_where_the_agent_had_the_last_word() {
    let set = compile(&[("t/TST001.toml", &closing_rule("last_speaker = \"agent\""))]);
    // The agent answered last and said no goodbye: a hit at its last turn.
    let ended_by_agent = "客户：发票能开公司抬头吗?\n客服：可以的。\n客户：好的。\n客服：嗯嗯。\n";
    assert_eq!(quotes(&set, ended_by_agent), [(3, "嗯嗯。".to_string())]);
    // The thread ends on the customer's message: the agent never had the chance.
    let ended_by_customer = "客户：发票能开公司抬头吗?\n客服：可以的。\n客户：那纸质的呢?\n";
    assert!(quotes(&set, ended_by_customer).is_empty());
    let call = parse_text(ended_by_customer, "t").unwrap();
    assert_eq!(
        set.unmet_shape(0, &call).as_deref(),
        Some("最后一句不是客服说的")
    );
    let call = parse_text(ended_by_agent, "t").unwrap();
    assert_eq!(set.unmet_shape(0, &call), None);
}

#[test]
fn a_dialogue_needs_as_many_turns_as_asked_of_each_side() {
    let set = compile(&[(
        "t/TST001.toml",
        &closing_rule("min_agent_turns = 2\nmin_customer_turns = 2"),
    )]);
    // One reply to one post: too short to ask for a closing.
    assert!(quotes(&set, "客户：积分怎么兑换?\n客服：在App首页点积分商城。\n").is_empty());
    let call = parse_text("客户：积分怎么兑换?\n客服：在App首页点积分商城。\n", "t").unwrap();
    assert_eq!(
        set.unmet_shape(0, &call).as_deref(),
        Some("客服只说了 1 句 (至少 2 句才检查)")
    );
    // Two each, but only one from the customer in the second call.
    let two_each =
        "客户：积分怎么兑换?\n客服：在App首页点积分商城。\n客户：找到了。\n客服：好的。\n";
    assert_eq!(quotes(&set, two_each).len(), 1);
    let one_customer = "客户：积分怎么兑换?\n客服：在App首页点积分商城。\n客服：好的。\n";
    assert!(quotes(&set, one_customer).is_empty());
    let call = parse_text(one_customer, "t").unwrap();
    assert_eq!(
        set.unmet_shape(0, &call).as_deref(),
        Some("客户只说了 1 句 (至少 2 句才检查)")
    );
}

#[test]
fn a_dialogue_shape_inside_a_composition_guards_only_its_own_table() {
    // Fires on 投诉 anywhere, unless the dialogue ended on the customer and the customer's
    // last turn says it again.
    let r = rule(
        "role = \"customer\"\nphrases = [\"投诉\"]\n\n[[match.not]]\nrole = \"customer\"\nlast = 1\nphrases = [\"投诉\"]\n[match.not.dialogue]\nlast_speaker = \"customer\"",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    assert!(quotes(&set, "客户：我要投诉。\n客服：您好。\n客户：我要投诉。\n").is_empty());
    assert_eq!(
        quotes(
            &set,
            "客户：我要投诉。\n客服：您好。\n客户：我要投诉。\n客服：抱歉。\n"
        )
        .len(),
        2
    );
}

#[test]
fn a_shape_on_a_channel_holds_only_in_dialogues_on_it() {
    // Fires on 投诉, unless the dialogue is a Weibo thread whose customer says 谢谢.
    let r = rule(
        "role = \"customer\"\nphrases = [\"投诉\"]\n\n[[match.not]]\nrole = \"customer\"\nphrases = [\"谢谢\"]\n[match.not.dialogue]\non = [\"social\", \"ticket\"]",
    );
    let set = compile(&[("t/TST001.toml", &r)]);
    let text = "客户：投诉的事办好了,谢谢。\n客服：不客气。\n";
    let mut call = parse_text(text, "t").unwrap();
    let hits_on = |call: &zhijian::call::Call| set.evaluate(call).len();
    assert_eq!(
        hits_on(&call),
        1,
        "on the phone the exception does not hold"
    );
    call.channel = zhijian::channel::Channel::Chat;
    assert_eq!(hits_on(&call), 1, "nor in an online chat");
    call.channel = zhijian::channel::Channel::Social;
    assert_eq!(hits_on(&call), 0, "on Weibo it does");
    call.channel = zhijian::channel::Channel::Ticket;
    assert_eq!(hits_on(&call), 0, "and on every channel listed");
    // An empty list matches no dialogue, and says so.
    let empty = rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]\non = []");
    let e = errors_of(&[("t/TST001.toml", &empty)]);
    assert!(e.contains("on 为空"), "{e}");
    // A shape of the top table names the channels the dialogue is not on.
    let top = rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]\non = [\"social\"]");
    let set = compile(&[("t/TST001.toml", &top)]);
    let call = parse_text("客户：好的。\n客服：再见。\n", "t").unwrap();
    assert_eq!(set.unmet_shape(0, &call).as_deref(), Some("不是社媒的对话"));
    assert!(set.evaluate(&call).is_empty());
}

#[test]
fn after_reply_skips_the_customers_opening_and_keeps_what_follows_the_answer() {
    let r = rule("role = \"customer\"\nlast = 2\nafter_reply = true\nphrases = [\"没解决\"]");
    let set = compile(&[("t/TST001.toml", &r)]);
    // The opening complaint is the question the agent answers, not the verdict.
    assert!(quotes(
        &set,
        "客户：宽带断了9天都没解决!\n客服：抱歉,我马上派单。\n"
    )
    .is_empty());
    assert!(quotes(
        &set,
        "客户：宽带断了9天都没解决!\n客服：抱歉,我马上派单。\n客户：好的,谢谢。\n"
    )
    .is_empty());
    // After the answer, the same words are the verdict.
    assert_eq!(
        quotes(
            &set,
            "客户：宽带断了。\n客服：重启一下光猫。\n客户：重启了还是没解决。\n"
        ),
        [(2, "没解决".to_string())]
    );
    // Turns before the agent ever spoke never count, however many there are.
    assert!(quotes(&set, "客户：没解决\n客户：还是没解决\n客服：您好\n").is_empty());
}

#[test]
fn a_turn_without_a_letter_does_not_push_the_last_words_out() {
    let set = compile(&[("t/TST001.toml", &closing_rule("last_speaker = \"agent\""))]);
    // The agent's closing, then a stray 、 sent by mistake: still closed, and still the
    // agent's last word.
    let t = "客户：好的。\n客服：请问还有其他问题吗?\n客户：没有了。\n客服：好的。\n客服：、\n";
    assert!(quotes(&set, t).is_empty());
    // The customer's stray ? does not end the dialogue either.
    let t = "客户：好的。\n客服：好的。\n客服：嗯。\n客户：?\n";
    assert_eq!(quotes(&set, t).len(), 1);
}

#[test]
fn dialogue_and_after_reply_mistakes_are_pointed_at() {
    let empty = rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]");
    let e = errors_of(&[("t/TST001.toml", &empty)]);
    assert!(e.contains("[match.dialogue] 是空的"), "{e}");
    let zero =
        rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]\nmin_agent_turns = 0");
    let e = errors_of(&[("t/TST001.toml", &zero)]);
    assert!(e.contains("min_agent_turns"), "{e}");
    let zero =
        rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]\nmin_customer_turns = 0");
    let e = errors_of(&[("t/TST001.toml", &zero)]);
    assert!(e.contains("min_customer_turns"), "{e}");
    let no_role = rule("after_reply = true\nphrases = [\"再见\"]");
    let e = errors_of(&[("t/TST001.toml", &no_role)]);
    assert!(e.contains("after_reply 要和 role 一起写"), "{e}");
    let timing = rule("role = \"agent\"\nafter_reply = true\n[match.timing]\ngap_ms = 1000");
    let e = errors_of(&[("t/TST001.toml", &timing)]);
    assert!(e.contains("after_reply"), "{e}");
    let composed =
        rule("after_reply = true\n[[match.all]]\nrole = \"agent\"\nphrases = [\"再见\"]");
    let e = errors_of(&[("t/TST001.toml", &composed)]);
    assert!(e.contains("after_reply"), "{e}");
    let referenced = rule("rule = \"TST002\"\nafter_reply = true");
    let e = errors_of(&[("t/TST001.toml", &referenced)]);
    assert!(e.contains("rule 引用不能"), "{e}");
}

#[test]
fn a_dialogue_shape_can_be_required_on_some_channels_only() {
    let set = compile(&[(
        "t/TST001.toml",
        &closing_rule("last_speaker = \"agent\"\nchannels = [\"social\"]"),
    )]);
    let ended_by_customer = "客户：积分怎么兑换?\n客服：在App首页点积分商城。\n客户：嗯。\n";
    // A phone call the customer ended with 嗯: the agent could still have said goodbye.
    let mut call = parse_text(ended_by_customer, "t").unwrap();
    assert_eq!(set.evaluate(&call).len(), 1);
    assert_eq!(set.unmet_shape(0, &call), None);
    // A Weibo thread the customer ended: the agent never had the chance.
    call.channel = zhijian::channel::Channel::Social;
    assert!(set.evaluate(&call).is_empty());
    assert_eq!(
        set.unmet_shape(0, &call).as_deref(),
        Some("最后一句不是客服说的")
    );
    let empty = rule("role = \"agent\"\nphrases = [\"再见\"]\n[match.dialogue]\nlast_speaker = \"agent\"\nchannels = []");
    let e = errors_of(&[("t/TST001.toml", &empty)]);
    assert!(e.contains("channels 为空"), "{e}");
}

/// The similar sentences of a customer's dissatisfaction, as a QA team would write them.
const DISSATISFIED: &str = "similar = [\n    \"你们这服务也太差劲了吧\",\n    \"我对你们的处理结果非常不满意\",\n    \"这都多少天了,还没给我解决\",\n]";

/// A rule set of the one rule `TST001` with the given `[match]` body.
fn set_of(body: &str) -> RuleSet {
    compile(&[("t/TST001.toml", &rule(body))])
}

/// Every hit on a transcript as its quote, followed by the example it resembles and the score
/// when a similar sentence found it: `你们这服务也太差了吧 相似于“你们这服务也太差劲了吧”(0.84)`.
fn resembling(set: &RuleSet, transcript: &str) -> Vec<String> {
    let call = parse_text(transcript, "t").unwrap();
    set.evaluate(&call)
        .iter()
        .map(|h| {
            let q = h.quote().unwrap();
            match &q.similar {
                Some(r) => format!("{} {}", q.text, r.describe()),
                None => q.text.clone(),
            }
        })
        .collect()
}

/// [`resembling`] on a call where the agent says 嗯 and the customer `words`.
fn customer_says(set: &RuleSet, words: &str) -> Vec<String> {
    resembling(set, &format!("客服：嗯\n客户：{words}\n"))
}

#[test]
fn a_similar_sentence_finds_paraphrases_in_every_channel_and_quotes_the_clause() {
    let set = set_of(&format!("role = \"customer\"\n{DISSATISFIED}"));
    for (transcript, found) in [
        // Phone: another word order; the clause is quoted as said, without its punctuation,
        // and Traditional text as written.
        (
            "客服：您好,请问有什么可以帮您?\n客户：喂,我非常不满意你们的处理结果!\n",
            "我非常不满意你们的处理结果 相似于“我对你们的处理结果非常不满意”(0.86)",
        ),
        (
            "客服：您好\n客户：我對這個處理結果非常不滿意。\n",
            "我對這個處理結果非常不滿意 相似于“我对你们的处理结果非常不满意”(0.88)",
        ),
        // Online chat: 亲亲 in front, 差了 for 差劲了.
        (
            "客服：亲亲在的哦\n客户：亲亲 你们这服务也太差了吧\n",
            "你们这服务也太差了吧 相似于“你们这服务也太差劲了吧”(0.84)",
        ),
        // An example with a comma inside matches two clauses together, quoted with their
        // comma; an ASR transcript without punctuation splits at the recogniser's pauses.
        (
            "客服：您好\n客户：都这么多天了,还没给我解决\n",
            "都这么多天了,还没给我解决 相似于“这都多少天了,还没给我解决”(0.76)",
        ),
        (
            "客服：喂\n客户：喂 这都多少天了 还没给我解决 你们到底管不管\n",
            "这都多少天了 还没给我解决 相似于“这都多少天了,还没给我解决”(1.00)",
        ),
    ] {
        assert_eq!(resembling(&set, transcript), [found]);
    }
    // Same words, another question; the agent's own words; clauses too short to compare.
    for transcript in [
        "客服：您好\n客户：请问你们的处理结果什么时候出来\n",
        "客服：我对你们的处理结果非常不满意\n客户：啊?\n",
        "客服：您好\n客户：不满意,太差了,没解决\n",
    ] {
        assert!(resembling(&set, transcript).is_empty(), "{transcript}");
    }
}

#[test]
fn min_similarity_sets_the_bar_per_condition() {
    // 你们这个服务也太烂了吧 is 0.59 like the first example: under the default, over 0.55.
    let words = "你们这个服务也太烂了吧";
    let default = set_of(&format!("role = \"customer\"\n{DISSATISFIED}"));
    assert!(customer_says(&default, words).is_empty());
    let lower = set_of(&format!(
        "role = \"customer\"\n{DISSATISFIED}\nmin_similarity = 0.55"
    ));
    assert_eq!(
        customer_says(&lower, words),
        ["你们这个服务也太烂了吧 相似于“你们这服务也太差劲了吧”(0.59)"]
    );
    // 1 is only the example itself (its letters, folded).
    let exact = set_of("role = \"customer\"\nsimilar = [\"我要投诉你们\"]\nmin_similarity = 1");
    assert_eq!(customer_says(&exact, "我要投訴你們!").len(), 1);
    assert!(customer_says(&exact, "我要投诉你们的").is_empty());
}

/// 我对处理结果很满意 shares nearly every character with 我对处理结果很不满意 and means the
/// opposite: lexical similarity scores it 0.88 and it matches. `unless = ["否定"]` judges a
/// similar clause's negation against its example, and drops it.
#[test]
fn negation_is_the_trap_and_unless_negated_the_remedy() {
    let body =
        "role = \"customer\"\nsimilar = [\"我对处理结果很不满意\", \"你们这服务也太差劲了吧\"]";
    let trap = "客服：请问您对这次的处理满意吗?\n客户：我对处理结果很满意,谢谢\n";
    assert_eq!(
        resembling(&set_of(body), trap),
        ["我对处理结果很满意 相似于“我对处理结果很不满意”(0.88)"]
    );
    let guarded = set_of(&format!("{body}\nunless = [\"否定\"]"));
    assert!(resembling(&guarded, trap).is_empty());
    // The other way round too (我不是说…), while a paraphrase with the same negation counts.
    assert!(customer_says(&guarded, "我不是说你们这服务太差劲了吧").is_empty());
    for words in ["说实话,我对处理结果非常不满意", "你们这服务也太差劲了"] {
        assert_eq!(customer_says(&guarded, words).len(), 1, "{words}");
    }
    // A question is no complaint either, when the condition says so.
    let asking = set_of(&format!(
        "role = \"customer\"\n{DISSATISFIED}\nunless = [\"疑问\"]"
    ));
    assert!(customer_says(&asking, "这都多少天了还没给我解决吗?").is_empty());
    assert_eq!(customer_says(&asking, "这都多少天了还没给我解决!").len(), 1);
}

#[test]
fn an_exclusion_cancels_an_overlapping_similar_clause() {
    let set = set_of(&format!(
        "role = \"customer\"\n{DISSATISFIED}\nexclude = [\"上次\", \"[不是|没]…{{4}}说\"]"
    ));
    assert!(customer_says(&set, "上次你们这服务也太差劲了吧").is_empty());
    assert!(customer_says(&set, "我没说你们这服务也太差劲了吧").is_empty());
    // …but not the clause next to it.
    assert_eq!(
        customer_says(&set, "上次就算了,你们这服务也太差劲了吧"),
        ["你们这服务也太差劲了吧 相似于“你们这服务也太差劲了吧”(1.00)"]
    );
}

#[test]
fn similar_sentences_and_phrases_in_one_condition_are_one_piece_of_evidence() {
    let set = set_of(&format!(
        "role = \"customer\"\nphrases = [\"太差劲\"]\n{DISSATISFIED}"
    ));
    assert_eq!(
        customer_says(&set, "你们这服务也太差劲了吧,我要退款"),
        ["你们这服务也太差劲了吧 相似于“你们这服务也太差劲了吧”(1.00)"]
    );
    // A phrase alone names no example.
    assert_eq!(customer_says(&set, "太差劲"), ["太差劲"]);
}

#[test]
fn an_agent_must_say_something_like_a_closing_in_the_last_turns() {
    let set = set_of(
        "role = \"agent\"\nlast = 2\nmode = \"absent\"\nsimilar = [\"请问还有其他可以帮到您的吗\", \"感谢您的耐心等待,祝您生活愉快\"]",
    );
    for closing in ["请问还有什么可以帮到您的", "亲亲,还有其他可以帮您的吗~"]
    {
        let text = format!("客户：好的\n客服：{closing}\n客户：没有了\n客服：好的再见\n");
        assert!(resembling(&set, &text).is_empty(), "{closing}");
    }
    let text = "客户：好的\n客服：您的问题已经提交了\n客户：嗯\n客服：好的再见\n";
    let hits = set.evaluate(&parse_text(text, "t").unwrap());
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].turn, hits[0].resemblance()), (3, None));
}

#[test]
fn a_similar_sentence_can_trigger_what_must_follow() {
    let set = set_of(&format!(
        "role = \"agent\"\nmode = \"absent\"\nphrases = [\"抱歉\", \"对不起\", \"理解您的心情\"]\n[match.after]\nrole = \"customer\"\nwithin = 2\n{DISSATISFIED}"
    ));
    let call = parse_text(
        "客服：您好\n客户：你们服务也太差劲了吧\n客服：您的单号是多少\n客户：123\n客服：我查一下\n",
        "t",
    )
    .unwrap();
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1, "{hits:?}");
    match &hits[0].evidence {
        Evidence::Missing { quote, first, last } => {
            assert_eq!((hits[0].turn, *first, *last), (1, 2, 4));
            assert_eq!(quote.text, "你们服务也太差劲了吧");
            let r = quote.similar.as_ref().unwrap();
            assert_eq!(r.example, "你们这服务也太差劲了吧");
            assert!(r.score > 0.9, "{}", r.score);
        }
        other => panic!("{other:?}"),
    }
    let call = parse_text(
        "客服：您好\n客户：你们服务也太差劲了吧\n客服：非常抱歉给您添麻烦了\n",
        "t",
    )
    .unwrap();
    assert!(set.evaluate(&call).is_empty());
}

#[test]
fn a_similar_sentence_works_inside_a_composition() {
    // A Weibo reply: the customer complains publicly, and the brand's reply never moves the
    // conversation to private messages.
    let set = set_of(&format!(
        "[[match.all]]\nrole = \"customer\"\n{DISSATISFIED}\n[[match.not]]\nrole = \"agent\"\nsimilar = [\"已私信您,请查收私信\"]\nmin_similarity = 0.6"
    ));
    let complaint = "客户：@某某宽带 你们这服务也太差劲了吧,报修三天没人来\n";
    let reply = |words: &str| resembling(&set, &format!("{complaint}客服：{words}\n"));
    assert_eq!(reply("亲,很抱歉给您带来不便").len(), 1);
    assert!(reply("您好,已经私信您了,请注意查收私信哦").is_empty());
}

#[test]
fn a_composition_quotes_overlapping_evidence_once_with_the_closest_example() {
    // The phrase quotes 你们这服务, the similar sentence the whole clause: one quote, which
    // keeps the example whichever comes first.
    let set = set_of(&format!(
        "[[match.all]]\nrole = \"customer\"\nphrases = [\"你们这服务\"]\n[[match.all]]\nrole = \"customer\"\n{DISSATISFIED}"
    ));
    assert_eq!(
        customer_says(&set, "你们这服务也太差了吧"),
        ["你们这服务也太差了吧 相似于“你们这服务也太差劲了吧”(0.84)"]
    );
    // Two similar sentences about the same clause: the closer example is named.
    for (first, second) in [
        ("你们的服务差劲", "你们这服务也太差了"),
        ("你们这服务也太差了", "你们的服务差劲"),
    ] {
        let set = set_of(&format!(
            "[[match.all]]\nrole = \"customer\"\nsimilar = [\"{first}\"]\nmin_similarity = 0.3\n[[match.all]]\nrole = \"customer\"\nsimilar = [\"{second}\"]\nmin_similarity = 0.3"
        ));
        let found = customer_says(&set, "你们这服务也太差了吧");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("“你们这服务也太差了”"), "{found:?}");
    }
    // A tie names the example of the sub-condition written first.
    let set = set_of(
        "[[match.all]]\nrole = \"customer\"\nsimilar = [\"你们服务太差劲\"]\n[[match.all]]\nrole = \"customer\"\nsimilar = [\"你们服务太差劲!\"]",
    );
    assert_eq!(
        customer_says(&set, "你们服务太差劲"),
        ["你们服务太差劲 相似于“你们服务太差劲”(1.00)"]
    );
}

#[test]
fn similar_sentences_are_checked_when_compiled() {
    for (body, message) in [
        ("similar = [\"  \"]", "相似句为空 (或只有标点)"),
        ("similar = [\"……!\"]", "相似句为空 (或只有标点)"),
        ("similar = [\"太差了!\"]", "相似句 \"太差了!\" 只有 3 个字"),
        (
            "phrases = [\"太差\"]\nmin_similarity = 0.5",
            "min_similarity 只对 similar 例句起作用",
        ),
        (
            "similar = [\"太差劲了\"]\nmin_similarity = 0",
            "min_similarity = 0 不在 0 (不含) 到 1 之间",
        ),
        (
            "similar = [\"太差劲了\"]\nmin_similarity = 1.5",
            "min_similarity = 1.5 不在",
        ),
        (
            "similar = [\"太差劲了\"]\nmin_similarity = nan",
            "min_similarity = NaN 不在",
        ),
    ] {
        let text = errors_of(&[("t/TST001.toml", &rule(body))]);
        assert!(text.contains(message), "{body}\n{text}");
    }
    // The bounds themselves: anything above 0, up to 1.
    for min in ["0.0001", "1"] {
        set_of(&format!("similar = [\"太差劲了\"]\nmin_similarity = {min}"));
    }
}

/// `?` after a plain character is a literal question mark; `丧失了?耐心` matched only posts that
/// typed one, and the catalog carried three such terms unnoticed. A lexicon term and a rule
/// phrase both get the warning with the fix; questions as written (好吗? 是不是?) do not.
#[test]
fn a_question_mark_meant_as_optional_is_warned_about() {
    let lexicon = (
        "lexicons/patience.toml",
        "name = \"耐心\"\ndescription = \"耐心\"\nterms = [\"丧失了?耐心\", \"还有耐心吗?\"]\n",
    );
    let r = rule("role = \"customer\"\nphrases = [\"{耐心}\", \"简直是?有病\", \"是不是?\"]");
    let set = compile(&[("t/TST001.toml", &r), lexicon]);
    let warned: Vec<(String, Option<String>)> = set
        .warnings
        .iter()
        .filter(|w| w.message.contains("问号"))
        .map(|w| (w.message.clone(), w.help.clone()))
        .collect();
    assert_eq!(
        warned,
        [
            (
                "\"丧失了?耐心\" 里“了”后面的 ? 是字面的问号,只匹配真打了问号的地方".to_string(),
                Some("想让“了”可有可无,写成 [了]?".to_string())
            ),
            (
                "\"简直是?有病\" 里“是”后面的 ? 是字面的问号,只匹配真打了问号的地方".to_string(),
                Some("想让“是”可有可无,写成 [是]?".to_string())
            ),
        ]
    );
    // As written, the term matches the typed question mark only.
    assert!(quotes(&set, "客户：我已经丧失耐心了\n").is_empty());
    assert_eq!(quotes(&set, "客户：丧失了?耐心\n").len(), 1);
}

#[test]
fn repeated_or_long_similar_sentences_are_warned_about() {
    let warnings = |similar: &str| -> Vec<String> {
        set_of(&format!("similar = [{similar}]"))
            .warnings
            .iter()
            .map(|w| w.message.clone())
            .filter(|m| m.contains("相似句"))
            .collect()
    };
    assert_eq!(
        warnings("\"我要投诉你们\", \"我要投訴你們!\""),
        ["相似句 \"我要投訴你們!\" 重复出现 (繁简、全半角、标点、你/您视为相同)"]
    );
    let three = warnings("\"喂,你好,你们这服务也太差劲了吧\"");
    assert!(three[0].contains("有 3 个分句"), "{three:?}");
    assert!(
        warnings("\"这都多少天了,还没给我解决\"").is_empty(),
        "two clauses are fine"
    );
}

#[test]
fn each_piece_of_evidence_names_the_example_of_its_own_clauses() {
    let set = set_of(&format!(
        "role = \"customer\"\n{DISSATISFIED}\nphrases = [\"不满意,你们\", \"差劲了,我对\"]"
    ));
    // Two clauses apart: each its own example.
    assert_eq!(
        customer_says(&set, "你们服务太差劲了。我对你们的处理结果非常不满意"),
        [
            "你们服务太差劲了 相似于“你们这服务也太差劲了吧”(0.77)",
            "我对你们的处理结果非常不满意 相似于“我对你们的处理结果非常不满意”(1.00)"
        ]
    );
    // Joined by a phrase into one piece of evidence: the closer of the two, first or last.
    for (words, example) in [
        (
            "我对你们的处理结果非常不满意,你们服务太差劲了",
            "我对你们的处理结果非常不满意",
        ),
        (
            "你们服务太差劲了,我对你们的处理结果非常不满意",
            "我对你们的处理结果非常不满意",
        ),
    ] {
        let found = customer_says(&set, words);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains(&format!("相似于“{example}”")),
            "{found:?}"
        );
    }
}

#[test]
fn a_hit_found_by_a_similar_sentence_says_so_in_its_message() {
    let set = set_of(&format!(
        "role = \"customer\"\nphrases = [\"差劲\"]\n{DISSATISFIED}"
    ));
    let call = parse_text("客服：嗯\n客户：你们这服务也太差了吧\n客户：差劲\n", "t").unwrap();
    let hits = set.evaluate(&call);
    let messages: Vec<String> = hits.iter().map(|h| h.message("客户抱怨。")).collect();
    assert_eq!(
        messages,
        [
            "客户抱怨。 相似于“你们这服务也太差劲了吧”(0.84)",
            "客户抱怨。"
        ]
    );
    assert_eq!(
        hits[0].resemblance().unwrap().example,
        "你们这服务也太差劲了吧"
    );
    assert_eq!(hits[1].resemblance(), None);
}

#[test]
fn matches_side_by_side_are_two_pieces_of_evidence() {
    let set = set_of("role = \"customer\"\nphrases = [\"太差\", \"劲了\"]");
    assert_eq!(customer_says(&set, "太差劲了"), ["太差", "劲了"]);
    assert_eq!(customer_says(&set, "太差了"), ["太差"]);
}

/// The similarity a repeat found, from a hit's evidence: (example, score).
fn resemblances(set: &RuleSet, transcript: &str) -> Vec<(usize, String, f32)> {
    let call = parse_text(transcript, "t").unwrap();
    set.evaluate(&call)
        .iter()
        .map(|h| {
            let r = h.resemblance().expect("a repeat names the turn it repeats");
            (h.turn, r.example.clone(), r.score)
        })
        .collect()
}

/// `[match.repeat]`: a turn said again after the other party spoke, each edge on its own —
/// what is in between, how long and how alike the turns are, what excuses a turn, and what
/// the evidence names.
#[test]
fn repeat_edges_what_lies_between_length_likeness_and_exclusions() {
    let r = rule("role = \"agent\"\nexclude = [\"再见\"]\n[match.repeat]\nmin_chars = 10\nmin_similarity = 0.9");
    let set = compile(&[("t/TST001.toml", &r)]);
    let pasted = "客服：商品价格以下单时页面显示为准哦\n客户：那能退差价吗\n客服：商品价格以下单时页面显示为准哦\n";
    assert_eq!(
        resemblances(&set, pasted),
        [(2, "第 1 句:商品价格以下单时页面显示为准哦".to_string(), 1.0)]
    );
    assert_eq!(
        quotes(&set, pasted),
        [(2, "商品价格以下单时页面显示为准哦".to_string())],
        "the evidence is the whole repeated turn"
    );
    // A long earlier turn is named by its first 30 characters.
    let long = "您好,电子发票开具后我们会联系财务进行修改,财务会在三个工作日内开具寄出的,您可以在我的发票里下载";
    let found = resemblances(
        &set,
        &format!("客服：{long}\n客户：多长时间能好\n客服：{long}\n"),
    );
    let expected: String = long.chars().take(30).collect();
    assert_eq!(found[0].1, format!("第 1 句:{expected}…"));

    // Nothing in between, or only an acknowledgement: no new question was ignored. What the
    // customer said before the first of them is not in between.
    assert!(quotes(
        &set,
        "客户：那能退差价吗\n客服：商品价格以下单时页面显示为准哦\n客服：商品价格以下单时页面显示为准哦\n"
    )
    .is_empty());
    // Three turns compared: the third repeats the first across the customer's questions.
    assert_eq!(
        quotes(
            &set,
            "客服：商品价格以下单时页面显示为准哦\n客户：那能退差价吗\n客服：您可以申请价格保护的\n客户：在哪里申请呢\n客服：商品价格以下单时页面显示为准哦\n"
        ),
        [(4, "商品价格以下单时页面显示为准哦".to_string())]
    );
    assert!(quotes(
        &set,
        "客服：商品价格以下单时页面显示为准哦\n客户：是的\n客服：商品价格以下单时页面显示为准哦\n"
    )
    .is_empty());
    assert_eq!(
        quotes(&set, "客服：商品价格以下单时页面显示为准哦\n客户：能退吗\n客服：商品价格以下单时页面显示为准哦\n").len(),
        1,
        "three letters are something to answer"
    );
    // Exactly min_chars letters is compared; one fewer is not.
    let ten = "客服：请您提供一下订单号码\n客户：我不知道在哪看\n客服：请您提供一下订单号码\n";
    assert_eq!(quotes(&set, ten).len(), 1);
    let nine = "客服：请您提供下订单号码\n客户：我不知道在哪看\n客服：请您提供下订单号码\n";
    assert!(quotes(&set, nine).is_empty());
    // An excluded turn is neither a repeat nor repeated.
    assert!(quotes(&set, "客服：感谢您的支持祝您生活愉快再见\n客户：等一下还有个问题\n客服：感谢您的支持祝您生活愉快再见\n").is_empty());
    // Reworded is no repeat; a word changed is.
    assert!(quotes(&set, "客服：可以的下单时在发票信息里选择专票\n客户：那资料要提前填吗\n客服：需要的下单前在增票资质里提交审核\n").is_empty());
    assert_eq!(
        quotes(&set, "客服：您好请您先通过私信提供一下您的号码\n客户：为什么我这里老是没信号\n客服：您好请您先通过私信提供下您的号码\n").len(),
        1
    );
    // The customer saying the same thing twice is not the agent's repeat.
    assert!(quotes(
        &set,
        "客户：我的退款到底什么时候到账啊\n客服：我帮您查一下\n客户：我的退款到底什么时候到账啊\n"
    )
    .is_empty());

    // Without a role, each side is compared with its own earlier turns only.
    let both = rule("[match.repeat]");
    let set = compile(&[("t/TST001.toml", &both)]);
    assert_eq!(
        quotes(&set, "客户：我的退款到底什么时候到账啊\n客服：我帮您查一下\n客户：我的退款到底什么时候到账啊\n"),
        [(2, "我的退款到底什么时候到账啊".to_string())]
    );
    assert!(
        quotes(
            &set,
            "客户：我的退款到底什么时候到账啊\n客服：我的退款到底什么时候到账啊\n"
        )
        .is_empty(),
        "a turn of the other role is never the one repeated"
    );
}

/// `min_contained`: a reply cut down and pasted again counts once the customer has written 20
/// letters or more in between — a new complaint, not a short question asked again.
#[test]
fn a_cut_down_reply_is_a_repeat_after_a_new_message_of_twenty_letters() {
    let r = rule("role = \"agent\"\n[match.repeat]\nmin_similarity = 0.9\nmin_contained = 1.0");
    let set = compile(&[("t/TST001.toml", &r)]);
    let after = |customer: &str| {
        let t = format!(
            "客服：您好,为保障号码安全,建议您今后用本人身份证件实名登记,谢谢!\n客户：{customer}\n客服：建议您今后用本人身份证件实名登记\n"
        );
        quotes(&set, &t).len()
    };
    // 20 letters: 我问的是另外一件事情 + 你们到底能不能退款呢.
    assert_eq!(after("我问的是另外一件事情,你们到底能不能退款呢"), 1);
    assert_eq!(
        after("我问的是另外一件事情,你们到底能不能退款"),
        0,
        "19 letters"
    );
    let bad = rule("role = \"agent\"\n[match.repeat]\nmin_contained = 0");
    let e = errors_of(&[("t/TST001.toml", &bad)]);
    assert!(
        e.contains("min_contained = 0 不在 0 (不含) 到 1 之间"),
        "{e}"
    );
}

#[test]
fn repeat_thresholds_and_what_it_cannot_be_written_with() {
    let strict = rule("role = \"agent\"\n[match.repeat]\nmin_similarity = 1.0");
    let set = compile(&[("t/TST001.toml", &strict)]);
    assert!(quotes(&set, "客服：您好请您先通过私信提供一下您的号码\n客户：为什么老是没信号\n客服：您好请您先通过私信提供下您的号码\n").is_empty());
    assert_eq!(quotes(&set, "客服：您好请您先通过私信提供一下您的号码\n客户：为什么老是没信号\n客服：您好,请您先通过私信提供一下您的号码。\n").len(), 1, "punctuation is not compared");

    for (body, message) in [
        (
            "role = \"agent\"\nphrases = [\"订单\"]\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nsimilar = [\"请提供订单号码\"]\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nlast = 2\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nfirst = 2\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nafter_reply = true\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nmin_similarity = 0.8\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nunless = [\"疑问\"]\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nwhen = [\"疑问\"]\n[match.repeat]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\n[match.repeat]\n[match.after]\nrole = \"customer\"\nphrases = [\"投诉\"]",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\n[match.repeat]\n[match.timing]\ngap_ms = 5000",
            "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
        ),
        (
            "role = \"agent\"\nmode = \"absent\"\n[match.repeat]",
            "[match.repeat] 不支持 mode = \"absent\"",
        ),
        (
            "role = \"agent\"\n[match.repeat]\nmin_chars = 3",
            "min_chars = 3 太短,至少 4 个字",
        ),
        (
            "role = \"agent\"\n[match.repeat]\nmin_similarity = 0.0",
            "min_similarity = 0 不在 0 (不含) 到 1 之间",
        ),
        (
            "role = \"agent\"\n[match.repeat]\nmin_similarity = 1.5",
            "min_similarity = 1.5 不在 0 (不含) 到 1 之间",
        ),
        (
            "role = \"agent\"\n[match.repeat]\nmin_count = 2",
            "min_count",
        ),
    ] {
        let text = errors_of(&[("t/TST001.toml", &rule(body))]);
        assert!(text.contains(message), "{body}:\n{text}");
    }
    // Exactly 4 letters is allowed.
    compile(&[(
        "t/TST001.toml",
        &rule("role = \"agent\"\n[match.repeat]\nmin_chars = 4"),
    )]);
}

/// The sounds a recogniser confuses, as the shipped rule set writes them.
const SOUNDS: (&str, &str) = (
    "sound-alike.toml",
    include_str!("../../rules/sound-alike.toml"),
);

/// The evidence of every hit: (quote, the rule's spelling when matched by sound).
fn heard(set: &RuleSet, transcript: &str) -> Vec<(String, Option<String>)> {
    let call = parse_text(transcript, "t").unwrap();
    set.evaluate(&call)
        .iter()
        .filter_map(|h| h.quote())
        .map(|q| (q.text.clone(), q.sounds_like.clone()))
        .collect()
}

#[test]
fn a_sound_alike_condition_takes_what_the_recogniser_wrote_for_its_terms() {
    let r = rule(
        "role = \"agent\"\nsound_alike = true\nphrases = [\"稍等一下\", \"那是…{6}领导的事\"]",
    );
    let set = compile(&[("t/TST001-t.toml", &r), SOUNDS]);
    let some = |a: &str, b: &str| Some((a.to_string(), Some(b.to_string())));
    assert_eq!(
        heard(&set, "客服：您少等一下").first().cloned(),
        some("少等一下", "稍等一下")
    );
    // n/l, and a verifier's match written back in the pattern's characters.
    assert_eq!(
        heard(&set, "客服：那是我们宁导的事").first().cloned(),
        some("那是我们宁导的事", "那是我们领导的事")
    );
    // Said as written: a hit with nothing heard.
    assert_eq!(
        heard(&set, "客服：您稍等一下"),
        [("稍等一下".to_string(), None)]
    );
    // Another sound, and the customer's turn, are not it.
    assert!(heard(&set, "客服：您稍后一下").is_empty());
    assert!(heard(&set, "客户：少等一下\n客服：好的").is_empty());
    // Without the condition's key, only the letters count.
    let literal = compile(&[
        (
            "t/TST001-t.toml",
            &rule("role = \"agent\"\nphrases = [\"稍等一下\"]"),
        ),
        SOUNDS,
    ]);
    assert!(heard(&literal, "客服：您少等一下").is_empty());
}

#[test]
fn words_the_recogniser_wrote_that_mean_something_else_are_not_taken_for_the_term() {
    let r = rule(
        "role = \"agent\"\nsound_alike = true\nphrases = [\"喂\", \"稍候\", \"经理定的\", \"你好\", \"领导的事\"]",
    );
    let set = compile(&[("t/TST001-t.toml", &r), SOUNDS]);
    // One syllable is never matched by sound.
    assert!(heard(&set, "客服：为什么").is_empty());
    // 稍后 and 经历 are words of the dictionary, not far rarer than 稍候 and 经理.
    assert!(heard(&set, "客服：稍后发给您").is_empty());
    assert!(heard(&set, "客服：这是根据经历定的").is_empty());
    // A match that cuts a word of the dictionary: the 理好 of 整理好.
    assert!(heard(&set, "客服：我帮您整理好了").is_empty());
    // 领到 is more than twenty times rarer than 领导: a mishearing.
    assert_eq!(
        heard(&set, "客服：那是领到的事"),
        [("领到的事".to_string(), Some("领导的事".to_string()))]
    );
}

#[test]
fn a_lexicon_marked_sound_alike_makes_the_phrases_that_name_it_match_by_sound() {
    let lexicon = (
        "lexicons/machines.toml",
        "name = \"机器\"\ndescription = \"柜员机\"\nsound_alike = true\nterms = [\"柜员机\"]\n",
    );
    let r = rule("role = \"agent\"\nphrases = [\"{机器}…{4}吃卡\", \"柜台\"]");
    let set = compile(&[("t/TST001-t.toml", r.as_str()), lexicon, SOUNDS]);
    assert_eq!(
        heard(&set, "客服：那台贵员机经常吃卡"),
        [(
            "贵员机经常吃卡".to_string(),
            Some("柜员机经常吃卡".to_string())
        )]
    );
    // A phrase that does not name it is matched as written only.
    assert!(heard(&set, "客服：去贵台办理").is_empty());
}

#[test]
fn a_scheme_switches_sound_alike_matching_off_per_channel_or_for_the_run() {
    // The shipped scoring.toml matches by sound on the phone only: typed channels have no
    // recogniser to mishear.
    let r = rule("role = \"agent\"\nsound_alike = true\nphrases = [\"稍等一下\"]");
    let shipped = include_str!("../../rules/scoring.toml");
    let mut files = sources(&[("t/TST001-t.toml", r.as_str()), SOUNDS]);
    files[0].text = shipped.to_string();
    let set = RuleSet::compile(&files).unwrap();
    assert_eq!(heard(&set, "客服：您少等一下").len(), 1);
    for typed in ["chat", "social", "ticket"] {
        let call = format!("# channel: {typed}\n客服：您少等一下");
        assert!(heard(&set, &call).is_empty(), "{typed}");
        let call = format!("# channel: {typed}\n客服：您稍等一下");
        assert_eq!(heard(&set, &call).len(), 1, "{typed}");
    }
    // A team whose chat agents type with a pinyin IME turns it back on for that channel.
    let scoring = shipped.replace(
        "name = \"在线客服质检方案\"\nsound_alike = false\n",
        "name = \"在线客服质检方案\"\nsound_alike = true\n",
    );
    assert_ne!(scoring, shipped);
    files[0].text = scoring;
    let mut set = RuleSet::compile(&files).unwrap();
    assert_eq!(heard(&set, "# channel: chat\n客服：您少等一下").len(), 1);
    assert!(heard(&set, "# channel: social\n客服：您少等一下").is_empty());
    set.apply_scheme(&RuleSource {
        path: "deaf.toml".into(),
        text: "name = \"只按字面\"\nsound_alike = false\n".into(),
    })
    .unwrap();
    assert!(heard(&set, "客服：您少等一下").is_empty());
}

#[test]
fn a_mistake_in_the_sound_table_is_reported_in_its_file() {
    let r = rule("role = \"agent\"\nphrases = [\"稍等\"]");
    let e = errors_of(&[
        ("t/TST001-t.toml", r.as_str()),
        ("sound-alike.toml", "initials = [[\"n\", \"ng\"]]\n"),
    ]);
    assert!(
        e.contains("sound-alike.toml") && e.contains("不是声母"),
        "{e}"
    );
    let e = errors_of(&[
        ("t/TST001-t.toml", r.as_str()),
        ("sound-alike.toml", "finals = [[\"an\"]]\nvowels = 1\n"),
    ]);
    assert!(e.contains("sound-alike.toml"), "{e}");
}

/// A `pass` example the rule cannot look at (no turn of its role, no timestamps for a timing
/// rule, one turn for a repeat) fails `zhijian test`: it would pass whatever the rule said.
#[test]
fn an_example_the_rule_cannot_look_at_proves_nothing_and_fails() {
    let with_examples = |body: &str, pass: &str| {
        format!(
            "{}\n[[example]]\nexpect = \"hit\"\ntext = \"\"\"\n[00:00.0-00:05.0] 客户：我想查话费。\n[00:20.0-00:22.0] 客服：不知道。\n\"\"\"\n\n[[example]]\nexpect = \"pass\"\ntext = \"\"\"\n{pass}\n\"\"\"\n",
            rule(body)
        )
    };
    let vacuous = |body: &str, pass: &str| {
        let file = with_examples(body, pass);
        let set = compile(&[("t/TST001-t.toml", file.as_str())]);
        let results = zhijian::selftest::check_examples(&set);
        let failed: Vec<String> = results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| r.problem())
            .collect();
        (results.len(), failed)
    };
    // Words of the customer, and the example has none (a call always has the agent's).
    let (n, failed) = vacuous(
        "role = \"customer\"\nphrases = [\"查话费\"]",
        "客服：您好,请问有什么可以帮您?",
    );
    assert_eq!(n, 2);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("第 2 个示例不命中,但它证明不了什么:没有客户说的话"),
        "{failed:?}"
    );
    // A silence, and the example has no timestamps.
    let (_, failed) = vacuous(
        "role = \"agent\"\n\n[match.timing]\ngap_ms = 10000",
        "客户：我想查话费。\n客服：好的。",
    );
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("没有时间戳"), "{failed:?}");
    // The same, with what the rule reads: a pass that means something.
    let (_, failed) = vacuous(
        "role = \"agent\"\nphrases = [\"不知道\"]",
        "客户：我想查话费。\n客服：好的,我帮您查。",
    );
    assert!(failed.is_empty(), "{failed:?}");
    let (_, failed) = vacuous(
        "role = \"agent\"\n\n[match.timing]\ngap_ms = 10000",
        "[00:00.0-00:05.0] 客户：我想查话费。\n[00:06.0-00:08.0] 客服：好的。",
    );
    assert!(failed.is_empty(), "{failed:?}");
}

/// What each hit of the rule set measured on a transcript (`Evidence::Measured`), in words.
fn measured(set: &RuleSet, transcript: &str) -> Vec<String> {
    let call = parse_text(transcript, "t").unwrap();
    set.evaluate(&call)
        .iter()
        .map(|h| match &h.evidence {
            Evidence::Measured(m) => format!("{}@{}", m.describe(), h.turn),
            other => panic!("not a measurement: {other:?}"),
        })
        .collect()
}

/// What a rule set says the call lacks for rule 0, if anything.
fn lacks(set: &RuleSet, transcript: &str) -> Option<String> {
    let call = parse_text(transcript, "t").unwrap();
    set.lacks(0, &call)
}

/// A call at a normal pace: about 4 letters a second, nobody talking over anybody, short
/// pauses, the agent says goodbye last.
const NORMAL_PACE: &str = "# duration_ms: 30500
[00:00.0-00:04.0] 客服：您好,很高兴为您服务。
[00:04.5-00:09.0] 客户：我想查一下这个月的话费。
[00:09.5-00:16.0] 客服：好的,请您稍等,我这边帮您查询一下。
[00:16.5-00:22.0] 客户：好的,麻烦你了,谢谢啊。
[00:23.0-00:30.0] 客服：不客气,感谢您的来电,再见。
";

#[test]
fn speech_rate_per_turn_and_per_call() {
    let fast = rule("role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nabove = 6");
    let set = compile(&[("t/TST001.toml", &fast)]);
    assert!(
        measured(&set, NORMAL_PACE).is_empty(),
        "4 letters a second is a normal pace"
    );
    // 20 letters in 2.5 s: 8 a second.
    let rushed = "[00:00.0-00:02.5] 客服：您好这个业务我们这边办理不了您去营业厅吧\n[00:03.0-00:05.0] 客户：啊?";
    assert_eq!(
        measured(&set, rushed),
        ["客服语速 8.0 字/秒 (超过 6 字/秒)@0"]
    );
    // Punctuation does not count: the same words with commas are as fast.
    let commas = "[00:00.0-00:02.5] 客服：您好,这个业务我们这边办理不了,您去营业厅吧。\n[00:03.0-00:05.0] 客户：啊?";
    assert_eq!(measured(&set, commas), measured(&set, rushed));
    // A short turn has no pace worth measuring (min_chars defaults to 8).
    assert!(measured(
        &set,
        "[00:00.0-00:00.5] 客服：好的好的\n[00:01.0-00:02.0] 客户：嗯"
    )
    .is_empty());
    // Exactly at the threshold is not above it.
    let six = "[00:00.0-00:02.0] 客服：您好请问有什么可以帮您\n[00:03.0-00:05.0] 客户：查话费";
    assert!(
        measured(&set, six).is_empty(),
        "12 letters in 2 s is 6.0, not above 6"
    );

    let average =
        rule("role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nper = \"call\"\nabove = 6");
    let set = compile(&[("t/TST001.toml", &average)]);
    // One rushed sentence among slow ones: its average is a normal pace.
    let one_rushed =
        format!("{rushed}\n[00:06.0-00:16.0] 客服：您可以带上身份证到附近的营业厅办理这个业务\n");
    assert!(measured(&set, &one_rushed).is_empty());
    assert_eq!(
        measured(&set, rushed),
        ["客服整通平均语速 8.0 字/秒 (超过 6 字/秒)@0"]
    );
    // Without timestamps there is no pace: the call lacks what the rule reads.
    assert_eq!(
        lacks(&set, "客服：您好这个业务我们这边办理不了\n客户：啊").as_deref(),
        Some("没有时间戳 (语速要每句话的开始和结束时间)")
    );
    assert!(measured(&set, "客服：您好这个业务我们这边办理不了\n客户：啊").is_empty());
    assert_eq!(lacks(&set, rushed), None);
}

#[test]
fn call_measures_duration_turns_talk_and_silence() {
    let long = rule("[match.measure]\nof = \"duration\"\nabove = 30");
    let set = compile(&[("t/TST001.toml", &long)]);
    // The recording's length counts, not the last word's end.
    assert_eq!(
        measured(&set, NORMAL_PACE),
        ["通话时长 30.5 秒 (超过 30 秒)@4"]
    );
    let ends_at_30 = NORMAL_PACE.replace("# duration_ms: 30500\n", "");
    assert!(
        measured(&set, &ends_at_30).is_empty(),
        "without a length, the last word's end"
    );
    assert_eq!(
        lacks(&set, "客服：您好\n客户：查话费"),
        Some("没有时间戳,也没有录音时长".into())
    );
    // A clock in the metadata is read as the length too.
    let clock = ends_at_30.replace("[00:00.0", "# 录音时长: 01:02\n[00:00.0");
    assert_eq!(measured(&set, &clock), ["通话时长 62.0 秒 (超过 30 秒)@4"]);

    let few = rule("role = \"customer\"\n[match.measure]\nof = \"turns\"\nbelow = 2");
    let set = compile(&[("t/TST001.toml", &few)]);
    assert!(measured(&set, NORMAL_PACE).is_empty());
    assert_eq!(
        measured(&set, "客服：您好\n客户：查话费\n客服：好的"),
        ["客户句数 1 句 (低于 2 句)@1"]
    );

    let talky = rule("role = \"agent\"\n[match.measure]\nof = \"talk_share\"\nabove = 60");
    let set = compile(&[("t/TST001.toml", &talky)]);
    // The agent talks 4 + 6.5 + 7 = 17.5 s of 30.5: 57.4 %.
    assert!(measured(&set, NORMAL_PACE).is_empty());
    let lecture = NORMAL_PACE
        .replace("[00:16.5-00:22.0] 客户", "[00:16.5-00:17.0] 客户")
        .replace("[00:23.0-00:30.0] 客服", "[00:17.5-00:30.0] 客服");
    assert_eq!(
        measured(&set, &lecture),
        ["客服说话占比 75.4% (超过 60%)@4"]
    );

    let quiet = rule("[match.measure]\nof = \"silence_share\"\nabove = 20");
    let set = compile(&[("t/TST001.toml", &quiet)]);
    // 30.5 s, 27.5 s of it talk: 9.8 % silence; in a 45 s recording, 38.9 %.
    assert!(measured(&set, NORMAL_PACE).is_empty());
    let waits = NORMAL_PACE.replace("# duration_ms: 30500", "# duration_ms: 45000");
    assert_eq!(measured(&set, &waits), ["静音占比 38.9% (超过 20%)@4"]);
}

#[test]
fn interruptions_count_and_total_overlap_not_back_channels() {
    let often = rule("role = \"agent\"\n[match.measure]\nof = \"interruptions\"\nabove = 1");
    let set = compile(&[("t/TST001.toml", &often)]);
    assert!(measured(&set, NORMAL_PACE).is_empty());
    let talks_over = "[00:00.0-00:06.0] 客户：我上个月的话费怎么多扣了五十块钱\n\
        [00:03.0-00:07.0] 客服：这个是您开通的增值业务\n\
        [00:07.5-00:12.0] 客户：我从来没有开通过什么增值业务啊\n\
        [00:10.0-00:11.0] 客服：嗯嗯\n\
        [00:10.5-00:14.0] 客服：系统显示是您自己开的\n";
    // Two interruptions of 3 s and 1.5 s; the 嗯嗯 is a back-channel.
    assert_eq!(
        measured(&set, talks_over),
        ["客服抢话次数 2 次 (超过 1 次)@4"]
    );
    let once = talks_over.replace("[00:10.5-00:14.0]", "[00:12.5-00:14.0]");
    assert!(
        measured(&set, &once).is_empty(),
        "one interruption is not more than one"
    );

    let long = rule("role = \"agent\"\n[match.measure]\nof = \"overlap\"\nabove = 4");
    let set = compile(&[("t/TST001.toml", &long)]);
    assert_eq!(
        measured(&set, talks_over),
        ["客服抢话时长 4.5 秒 (超过 4 秒)@4"]
    );
    // The customer interrupted nobody.
    let customer = rule("role = \"customer\"\n[match.measure]\nof = \"interruptions\"\nabove = 0");
    let set = compile(&[("t/TST001.toml", &customer)]);
    assert!(measured(&set, talks_over).is_empty());
}

#[test]
fn hangup_needs_the_recording_length_and_the_last_speaker() {
    let cut_off = rule("role = \"customer\"\n[match.measure]\nof = \"hangup\"\nbelow = 1");
    let set = compile(&[("t/TST001.toml", &cut_off)]);
    let asks = "# duration_ms: 12300\n[00:00.0-00:04.0] 客服：您好,请问有什么可以帮您\n[00:05.0-00:12.0] 客户：我想问一下那个宽带续费的话是不是";
    assert_eq!(
        measured(&set, asks),
        ["客户末句到挂机 0.3 秒 (低于 1 秒)@1"]
    );
    // The agent spoke last: no measurement of the customer's last words.
    assert!(measured(&set, NORMAL_PACE).is_empty());
    // The line stayed open for 5 s after the customer's words.
    assert!(measured(&set, &asks.replace("12300", "17000")).is_empty());
    assert_eq!(
        lacks(&set, &asks.replace("# duration_ms: 12300\n", "")).as_deref(),
        Some("输入没有录音时长,不知道何时挂机")
    );
}

#[test]
fn emotion_is_read_only_from_the_recogniser() {
    let angry = rule("role = \"customer\"\n[match.measure]\nof = \"emotion\"\nabove = 7");
    let set = compile(&[("t/TST001.toml", &angry)]);
    assert_eq!(
        lacks(&set, NORMAL_PACE).as_deref(),
        Some("输入没有情绪值 (阿里云 EmotionValue、腾讯 EmotionalEnergy、华为 emotion)")
    );
    let mut call = parse_text(NORMAL_PACE, "t").unwrap();
    call.turns[1].signals.emotion = Some(8.5);
    call.turns[3].signals.emotion = Some(4.0);
    let said: Vec<String> = set.evaluate(&call).iter().map(|h| h.describe()).collect();
    assert_eq!(said, ["客户情绪值 8.5 (超过 7)"]);
    // Over the call: the mean of the turns the recogniser valued, pointing at the last.
    let mean =
        rule("role = \"customer\"\n[match.measure]\nof = \"emotion\"\nper = \"call\"\nabove = 6");
    let set = compile(&[("t/TST001.toml", &mean)]);
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].turn, 3);
    assert_eq!(hits[0].describe(), "客户整通平均情绪值 6.3 (超过 6)");
}

#[test]
fn time_windows_pick_turns_by_when_they_were_said() {
    // The greeting must come in the first 5 seconds.
    let late_greeting =
        rule("role = \"agent\"\nfirst_s = 5\nmode = \"absent\"\nphrases = [\"您好\"]");
    let set = compile(&[("t/TST001.toml", &late_greeting)]);
    assert!(quotes(&set, NORMAL_PACE).is_empty());
    let late = "[00:00.0-00:03.0] 客户：喂?喂?\n[00:08.0-00:10.0] 客服：您好,请讲。";
    assert_eq!(quotes(&set, late).len(), 1, "the greeting came at 8 s");
    assert_eq!(
        lacks(&set, "客服：您好\n客户：嗯").as_deref(),
        Some("没有时间戳 (按通话时间取句子 (first_s、last_s、window_pct)要每句话的开始和结束时间)")
    );
    // A goodbye in the last 10 seconds, and in the last 30 % of the call (it starts at 77 % of
    // the conversation, which ends with the last words at 30 s, not with the recording).
    for window in ["last_s = 10", "window_pct = [70, 100]"] {
        let goodbye = rule(&format!("role = \"agent\"\n{window}\nphrases = [\"再见\"]"));
        let set = compile(&[("t/TST001.toml", &goodbye)]);
        assert_eq!(
            quotes(&set, NORMAL_PACE),
            [(4, "再见".to_string())],
            "{window}"
        );
        let early = "[00:00.0-00:04.0] 客服：您好,再见是吗?\n[00:05.0-00:09.0] 客户：对\n[00:50.0-00:55.0] 客户：我想问一下话费";
        assert!(quotes(&set, early).is_empty(), "{window}");
    }
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\nfirst_s = 5\nlast_s = 5\nphrases = [\"您好\"]"),
    )]);
    assert!(
        text.contains("first_s、last_s 和 window_pct 只能选用其中一个"),
        "{text}"
    );
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\nwindow_pct = [50, 20]\nphrases = [\"您好\"]"),
    )]);
    assert!(text.contains("0 ≤ 起 < 止 ≤ 100"), "{text}");
}

#[test]
fn at_least_counts_evidence_and_different_words() {
    let three = rule("role = \"customer\"\nat_least = 3\nphrases = [\"投诉\"]");
    let set = compile(&[("t/TST001.toml", &three)]);
    assert!(quotes(&set, "客户：我要投诉\n客服：您别急\n客户：我要投诉你").is_empty());
    assert_eq!(
        quotes(
            &set,
            "客户：我要投诉\n客服：您别急\n客户：我要投诉你\n客服：好的\n客户：投诉!"
        )
        .len(),
        3
    );
    // Any two of a keyword set: the same word said twice is one word.
    let two_words =
        rule("role = \"customer\"\nat_least_words = 2\nphrases = [\"投诉\", \"曝光\", \"12315\"]");
    let set = compile(&[("t/TST001.toml", &two_words)]);
    assert!(quotes(&set, "客户：我要投诉\n客服：您别急\n客户：我要投诉你").is_empty());
    assert_eq!(
        quotes(&set, "客户：我要投诉\n客服：您别急\n客户：我去12315").len(),
        2
    );
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\nat_least = 2\nat_least_words = 2\nphrases = [\"您好\"]"),
    )]);
    assert!(
        text.contains("at_least 和 at_least_words 只能写一个"),
        "{text}"
    );
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\nat_least = 2\nmode = \"absent\"\nphrases = [\"您好\"]"),
    )]);
    assert!(text.contains("没说到的话没有次数"), "{text}");
}

#[test]
fn meta_conditions_read_the_calls_metadata() {
    let agent_hung_up = rule("[match.meta]\nkey = \"挂机方\"\nis = [\"坐席\", \"Agent\"]");
    let set = compile(&[("t/TST001.toml", &agent_hung_up)]);
    let call = |hung_up_by: &str| format!("# 挂机方: {hung_up_by}\n客服：您好\n客户：我还没说完");
    assert_eq!(
        measured(&set, &call("坐席")),
        ["随录参数“挂机方” 坐席 (为 坐席/Agent)@1"]
    );
    assert_eq!(
        measured(&set, &call("AGENT")).len(),
        1,
        "case does not matter"
    );
    assert!(measured(&set, &call("客户")).is_empty());
    // 座席 and 坐席 are one word, in the value and in the key.
    assert_eq!(measured(&set, &call("座席")).len(), 1, "座席 is 坐席");
    assert_eq!(
        measured(&set, "# 挂机方: 座席员\n客服：您好\n客户：我还没说完").len(),
        0,
        "is compares the whole value"
    );
    let seat = rule("[match.meta]\nkey = \"座席组\"\ncontains = [\"投诉\"]");
    let set_seat = compile(&[("t/TST001.toml", &seat)]);
    assert_eq!(
        measured(&set_seat, "# 坐席组: 投诉专席\n客服：您好\n客户：嗯").len(),
        1,
        "a key written 座席 reads a call's 坐席"
    );
    assert_eq!(
        lacks(&set, "客服：您好\n客户：嗯").as_deref(),
        Some("通话没有随录参数“挂机方”")
    );
    let queue = rule("[match.meta]\nkey = \"queue\"\ncontains = [\"投诉\"]");
    let set = compile(&[("t/TST001.toml", &queue)]);
    assert_eq!(
        measured(&set, "# queue: 宽带投诉专席\n客服：您好\n客户：嗯").len(),
        1
    );
    assert!(measured(&set, "# queue: 宽带新装\n客服：您好\n客户：嗯").is_empty());
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\n[match.meta]\nkey = \"挂机方\"\nis = [\"坐席\"]"),
    )]);
    assert!(
        text.contains("不能和 role、短语或时间条件写在同一个表里"),
        "{text}"
    );
}

#[test]
fn measure_keys_are_checked_with_the_measures_row() {
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("[match.measure]\nof = \"speed_rate\"\nabove = 6"),
    )]);
    assert!(text.contains("没有叫 \"speed_rate\" 的指标"), "{text}");
    assert!(text.contains("是不是 \"speech_rate\" (语速)?"), "{text}");
    let text = errors_of(&[("t/TST001.toml", rule("[match.measure]\nof = \"duration\""))]);
    assert!(text.contains("缺少 above 或 below"), "{text}");
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("[match.measure]\nof = \"duration\"\nabove = 60\nbelow = 30"),
    )]);
    assert!(text.contains("below 要大于 above"), "{text}");
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\n[match.measure]\nof = \"duration\"\nabove = 60"),
    )]);
    assert!(text.contains("量的是整通电话,不分角色"), "{text}");
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("[match.measure]\nof = \"duration\"\nper = \"turn\"\nabove = 60"),
    )]);
    assert!(text.contains("只能按整通电话计算"), "{text}");
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("[match.measure]\nof = \"duration\"\nmin_chars = 3\nabove = 60"),
    )]);
    assert!(text.contains("不看 min_chars"), "{text}");
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("[match.measure]\nof = \"turns\"\noverlap_ms = 3\nabove = 60"),
    )]);
    assert!(text.contains("不看 overlap_ms"), "{text}");
    let text = errors_of(&[("t/TST001.toml", rule("role = \"agent\"\nphrases = [\"您好\"]\n[match.measure]\nof = \"speech_rate\"\nabove = 6"))]);
    assert!(
        text.contains("[match.measure] 只能和 role、[match.dialogue]、at_least 一起使用"),
        "{text}"
    );
    // Both bounds: inside the band.
    let band = rule("[match.measure]\nof = \"duration\"\nabove = 10\nbelow = 20");
    let set = compile(&[("t/TST001.toml", &band)]);
    assert_eq!(
        measured(
            &set,
            "[00:00.0-00:15.0] 客服：您好\n[00:15.0-00:16.0] 客户：嗯"
        ),
        ["通话时长 16.0 秒 (在 10 与 20 秒之间)@1"]
    );
    assert!(measured(&set, NORMAL_PACE).is_empty());
}

#[test]
fn repeat_within_n_turns_of_the_role() {
    let again = rule(
        "role = \"customer\"\n[match.repeat]\nmin_chars = 8\nmin_similarity = 0.8\nwithin = 2",
    );
    let set = compile(&[("t/TST001.toml", &again)]);
    let soon = "客户：我的宽带从昨天开始就连不上网了\n客服：您重启一下光猫试试\n客户：我的宽带从昨天开始就一直连不上网了";
    assert_eq!(quotes(&set, soon).len(), 1);
    let two_back = "客户：我的宽带从昨天开始就连不上网了\n客服：您重启一下光猫试试\n客户：重启过了没有用的\n客服：好的\n客户：我的宽带从昨天开始就一直连不上网了";
    assert_eq!(
        quotes(&set, two_back).len(),
        1,
        "exactly two back is within 2"
    );
    let late = "客户：我的宽带从昨天开始就连不上网了\n客服：您重启一下光猫试试\n客户：重启过了没有用的\n客服：好的\n客户：指示灯是红色的一直在闪\n客服：好的\n客户：我的宽带从昨天开始就一直连不上网了";
    assert!(
        quotes(&set, late).is_empty(),
        "three of the customer's turns back is not within 2"
    );
}

#[test]
fn a_not_that_cannot_be_judged_leaves_the_rule_unjudged() {
    // "Said 退款 and not faster than 6 字/秒": on a call without timestamps the pace is
    // unknown, so the bonus is not given.
    let calm = rule(
        "role = \"agent\"\nphrases = [\"退款\"]\n\n[[match.not]]\nrole = \"agent\"\n[match.not.measure]\nof = \"speech_rate\"\nabove = 6",
    );
    let set = compile(&[("t/TST001.toml", &calm)]);
    let untimed = "客服：您好,退款已经提交了\n客户：好的";
    assert!(quotes(&set, untimed).is_empty());
    assert_eq!(
        lacks(&set, untimed).as_deref(),
        Some("没有时间戳 (语速要每句话的开始和结束时间)")
    );
    let timed = "[00:00.0-00:04.0] 客服：您好,退款已经提交了\n[00:04.5-00:05.0] 客户：好的";
    assert_eq!(quotes(&set, timed), [(0, "退款".to_string())]);
    // The same with metadata: no 挂机方, no verdict.
    let by_customer = rule(
        "role = \"agent\"\nphrases = [\"再见\"]\n\n[[match.not]]\n[match.not.meta]\nkey = \"挂机方\"\nis = [\"客户\"]",
    );
    let set = compile(&[("t/TST001.toml", &by_customer)]);
    assert!(quotes(&set, "客服：再见\n客户：嗯").is_empty());
    assert_eq!(
        quotes(&set, "# 挂机方: 坐席\n客服：再见\n客户：嗯").len(),
        1
    );
    assert!(quotes(&set, "# 挂机方: 客户\n客服：再见\n客户：嗯").is_empty());
    // With if_missing = "not_met" a call without 挂机方 is judged, the exception not holding.
    let judged = rule(
        "role = \"agent\"\nphrases = [\"再见\"]\n\n[[match.not]]\n[match.not.meta]\nkey = \"挂机方\"\nis = [\"客户\"]\nif_missing = \"not_met\"",
    );
    let set = compile(&[("t/TST001.toml", &judged)]);
    assert_eq!(quotes(&set, "客服：再见\n客户：嗯").len(), 1);
    assert_eq!(lacks(&set, "客服：再见\n客户：嗯"), None);
    assert!(quotes(&set, "# 挂机方: 客户\n客服：再见\n客户：嗯").is_empty());
    assert_eq!(
        quotes(&set, "# 挂机方: 坐席\n客服：再见\n客户：嗯").len(),
        1
    );
    let typo = rule("[match.meta]\nkey = \"挂机方\"\nis = [\"客户\"]\nif_missing = \"skip\"");
    let e = errors_of(&[("t/TST001.toml", &typo)]);
    assert!(e.contains("if_missing 的值 \"skip\" 不认识"), "{e}");
}

#[test]
fn time_windows_are_rejected_where_nothing_reads_them() {
    for (body, kind) in [
        ("role = \"agent\"\nfirst_s = 10\n[match.timing]\ngap_ms = 5000", "抢话和静音不看它"),
        ("role = \"customer\"\nlast_s = 10\n[match.repeat]\nmin_chars = 10", "重复条件不看它"),
        ("window_pct = [0, 20]\n[[match.all]]\nrole = \"agent\"\nphrases = [\"您好\"]", "first_s、last_s、window_pct"),
        ("first_s = 10\nrule = \"TST002\"", "rule 引用不能与"),
        ("at_least = 2\nphrases = [\"您好\"]\n[[match.all]]\nrole = \"agent\"\nphrases = [\"再见\"]", "不能写在有 all/any/not 的表上"),
    ] {
        let text = errors_of(&[("t/TST001.toml", rule(body))]);
        assert!(text.contains(kind), "{body}\n{text}");
    }
}

#[test]
fn measured_stretches_run_forward_whatever_the_order_of_the_lines() {
    let fast =
        rule("role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nper = \"call\"\nabove = 6");
    let set = compile(&[("t/TST001.toml", &fast)]);
    // The transcript lists the later sentence first.
    let call = parse_text(
        "[00:20.0-00:22.0] 客服：您好这个业务我们办理不了的\n[00:05.0-00:07.0] 客服：您好这个业务我们办理不了的\n[00:08.0-00:09.0] 客户：啊",
        "t",
    )
    .unwrap();
    let hits = set.evaluate(&call);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].evidence.interval(), Some((5000, 22000)));
}

#[test]
fn the_last_words_are_those_that_ended_last() {
    let cut_off = rule("role = \"customer\"\n[match.measure]\nof = \"hangup\"\nbelow = 1");
    let set = compile(&[("t/TST001.toml", &cut_off)]);
    // The agent's 嗯 starts after the customer's question but ends inside it.
    let nested = "# duration_ms: 20300\n[00:00.0-00:03.0] 客服：您好请问有什么可以帮您\n[00:04.0-00:20.0] 客户：我想问一下那个宽带续费的话是不是要去营业厅办理\n[00:10.0-00:10.5] 客服：嗯";
    assert_eq!(
        measured(&set, nested),
        ["客户末句到挂机 0.3 秒 (低于 1 秒)@1"]
    );
    // A recording that ends before its last words is wrong somewhere: not judged.
    let short = nested.replace("20300", "15000");
    assert_eq!(
        lacks(&set, &short).as_deref(),
        Some("录音时长 (15.0 秒) 短于最后一句的结束时间 (20.0 秒),时长或时间戳有误")
    );
    assert!(measured(&set, &short).is_empty());
}

#[test]
fn overlap_lasts_until_the_first_of_the_two_stops() {
    let total = rule("role = \"customer\"\n[match.measure]\nof = \"overlap\"\nabove = 0");
    let set = compile(&[("t/TST001.toml", &total)]);
    // The customer tries twice to get a word in while the agent talks on.
    let talked_over = "[00:09.5-00:35.0] 客服：您这个套餐是两年的合约期内不能降档如果要降档的话需要交违约金的而且违约金是按照剩余月份计算的\n\
        [00:14.0-00:17.0] 客户：等一下等一下我不是这个意思\n\
        [00:20.0-00:24.0] 客户：你先听我说我的合约已经到期了";
    assert_eq!(
        measured(&set, talked_over),
        ["客户抢话时长 3.0 秒 (超过 0 秒)@1"]
    );
}

#[test]
fn a_whole_call_pace_needs_sentences_long_enough_to_measure() {
    let fast =
        rule("role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nper = \"call\"\nbelow = 3");
    let set = compile(&[("t/TST001.toml", &fast)]);
    let short =
        "[00:00.0-00:01.0] 客服：您好\n[00:01.5-00:02.0] 客户：喂\n[00:02.5-00:03.0] 客服：请讲";
    assert_eq!(
        lacks(&set, short).as_deref(),
        Some("没有 8 个字以上的句子,量不出整通语速")
    );
}

#[test]
fn a_share_written_as_a_fraction_is_warned_about() {
    let set = compile(&[(
        "t/TST001.toml",
        &rule("[match.measure]\nof = \"silence_share\"\nabove = 0.3"),
    )]);
    let warnings = vec![zhijian::rule::render_problems(&set.warnings, false)];
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("静音占比按百分数计:0.3 表示 0.3%")
                && w.contains("如果是 30%,请写 30")),
        "{warnings:?}"
    );
    let set = compile(&[(
        "t/TST001.toml",
        &rule("[match.measure]\nof = \"silence_share\"\nabove = 30"),
    )]);
    assert!(!zhijian::rule::render_problems(&set.warnings, false).contains("百分数"));
}

#[test]
fn measures_and_metadata_stand_alone_in_their_table() {
    let others = [
        "phrases = [\"您好\"]",
        "[match.after]\nrole = \"customer\"\nwithin = 1\nphrases = [\"投诉\"]",
        "first = 2",
        "last = 2",
        "after_reply = true",
        "[match.timing]\ngap_ms = 5000",
        "[match.repeat]\nmin_chars = 10",
        "first_s = 10",
        "last_s = 10",
        "window_pct = [0, 20]",
    ];
    for other in others {
        // Keys go before the sub-tables that follow them.
        let (keys, tables) = if other.starts_with('[') {
            ("", other)
        } else {
            (other, "")
        };
        let measure = format!(
            "role = \"customer\"\n{keys}\n[match.measure]\nof = \"turns\"\nabove = 1\n{tables}"
        );
        let text = errors_of(&[("t/TST001.toml", rule(&measure))]);
        assert!(
            text.contains("[match.measure] 只能和 role、[match.dialogue]、at_least 一起使用")
                || text.contains("[match.repeat] 只能和"),
            "{other}\n{text}"
        );
        let meta = format!("{keys}\n[match.meta]\nkey = \"挂机方\"\nis = [\"坐席\"]\n{tables}");
        let text = errors_of(&[("t/TST001.toml", rule(&meta))]);
        assert!(
            text.contains("[match.meta] 看的是通话的随录参数")
                || text.contains("[match.repeat] 只能和")
                || text.contains("[match.timing] 不能与"),
            "{other}\n{text}"
        );
    }
    let text = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\n[match.meta]\nkey = \"挂机方\"\nis = [\"坐席\"]"),
    )]);
    assert!(text.contains("[match.meta] 看的是通话的随录参数"), "{text}");
    // `per = "call"` is what a whole-call measure is anyway.
    compile(&[(
        "t/TST001.toml",
        &rule("[match.measure]\nof = \"duration\"\nper = \"call\"\nabove = 60"),
    )]);
}

#[test]
fn a_turn_without_length_has_no_pace_and_a_zero_length_recording_no_end() {
    let fast = rule("role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nabove = 6");
    let set = compile(&[("t/TST001.toml", &fast)]);
    // Begin and end the same: no time to divide by.
    assert!(measured(
        &set,
        "[00:03.0-00:03.0] 客服：您好这个业务我们办理不了的\n[00:04.0-00:05.0] 客户：啊"
    )
    .is_empty());
    let long = rule("[match.measure]\nof = \"duration\"\nabove = 0");
    let set = compile(&[("t/TST001.toml", &long)]);
    let mut call = parse_text("客服：您好\n客户：嗯", "t").unwrap();
    call.duration_ms = Some(0);
    assert_eq!(
        set.lacks(0, &call).as_deref(),
        Some("没有时间戳,也没有录音时长")
    );
}

#[test]
fn without_previous_role_an_overlap_is_with_the_other_party() {
    let overlap = rule("role = \"agent\"\n[match.timing]\noverlap_ms = 500\nmin_chars = 3");
    let set = compile(&[("t/TST001.toml", &overlap)]);
    // The recogniser cut one agent sentence into overlapping pieces: nobody was interrupted.
    let split = "[00:00.0-00:03.0] 客户：我想查一下账单\n[00:03.5-00:09.0] 客服：好的我这边帮您查询一下上个月的账单\n[00:07.0-00:10.0] 客服：请您稍等片刻";
    assert!(quotes(&set, split).is_empty());
    let over = "[00:00.0-00:05.0] 客户：我想查一下上个月的账单\n[00:03.0-00:06.0] 客服：您稍等";
    assert_eq!(quotes(&set, over).len(), 1);
}

/// `skip`: a turn that says nothing but the skip phrases is not counted by `first`/`last`,
/// so the agent's real last words are found before the stock closing lines; a turn that says
/// something besides them still counts.
#[test]
fn skip_keeps_stock_turns_out_of_the_last_n() {
    let skipping = rule("role = \"agent\"\nlast = 1\nskip = [\"还有其他问题吗\", \"祝你生活愉快再见\"]\nphrases = [\"短信告知\"]");
    let plain = rule("role = \"agent\"\nlast = 1\nphrases = [\"短信告知\"]");
    let call = "客服：改好以后短信告知您\n客户：好的谢谢\n客服：请问还有其他问题吗\n客户：没有了\n客服：祝您生活愉快再见\n";
    let set = compile(&[("t/TST001.toml", &skipping)]);
    assert_eq!(quotes(&set, call), [(0, "短信告知".to_string())]);
    let set_plain = compile(&[("t/TST001.toml", &plain)]);
    assert!(
        quotes(&set_plain, call).is_empty(),
        "without skip the last turn is the goodbye"
    );

    // Besides the phrase (7 letters), a turn may say fewer letters than the phrase has, and at
    // most 12: 亲亲请问一下 (6) is skipped, 亲亲我再请问一下 (8) is news.
    let set = compile(&[("t/TST001.toml", &skipping)]);
    let with = |tail: &str| format!("客服：改好以后短信告知您\n客户：好的谢谢\n客服：{tail}\n");
    assert!(quotes(&set, &with("亲亲我再请问一下还有其他问题吗")).is_empty());
    assert_eq!(
        quotes(&set, &with("亲亲您请问下还有其他问题吗")).len(),
        1,
        "6 letters besides 7"
    );
    assert!(
        quotes(&set, &with("亲亲您再请问下还有其他问题吗")).is_empty(),
        "7 letters besides 7"
    );
    // A long stock line (祝你生活愉快再见, 8 letters, and 还有其他问题吗, 7) leaves room for 12 more
    // letters, not 13.
    let long = |besides: &str| with(&format!("{besides}还有其他问题吗祝您生活愉快再见"));
    assert_eq!(
        quotes(&set, &long("好的亲亲那么我们今天就先")).len(),
        1,
        "12 letters besides 15"
    );
    assert!(
        quotes(&set, &long("好的亲亲那么我们今天就先这")).is_empty(),
        "13 letters besides 15"
    );
    // `first` skips in the same way: the greeting is not the first thing the agent said.
    let first = rule("role = \"agent\"\nfirst = 1\nskip = [\"你好\"]\nphrases = [\"工号\"]");
    let set = compile(&[("t/TST001.toml", &first)]);
    assert_eq!(
        quotes(&set, "客服：您好\n客户：喂\n客服：工号1024为您服务\n"),
        [(2, "工号".to_string())]
    );

    // `[match.after]` skips in the same way: the platform's greeting is not the agent's reply
    // to the complaint, the next turn is.
    let after = rule(
        "role = \"agent\"\nmode = \"absent\"\nskip = [\"有什么可以帮你\"]\nphrases = [\"抱歉\"]\n[match.after]\nrole = \"customer\"\nwithin = 1\nphrases = [\"好几天了\"]",
    );
    let set = compile(&[("t/TST001.toml", &after)]);
    let chased = |reply: &str| {
        format!("客户：好几天了\n客服：有什么可以帮您?\n客户：订单呢\n客服：{reply}\n")
    };
    assert!(quotes(&set, &chased("抱歉让您久等了")).is_empty());
    let missing = set.evaluate(&parse_text(&chased("我查一下"), "t").unwrap());
    assert_eq!(missing.len(), 1);
    assert!(
        matches!(
            missing[0].evidence,
            Evidence::Missing {
                first: 3,
                last: 3,
                ..
            }
        ),
        "the reply looked at is the agent's own, after the greeting: {:?}",
        missing[0].evidence
    );

    // An empty list would skip nothing; it is a mistake, pointed at, not a silent no-op.
    let empty = rule("role = \"agent\"\nlast = 1\nskip = []\nphrases = [\"短信告知\"]");
    let e = errors_of(&[("t/TST001.toml", &empty)]);
    assert!(e.contains("skip 为空,什么也不跳过"), "{e}");
    assert!(
        e.contains("TST001.toml:10:"),
        "the error points at the empty list: {e}"
    );

    let errors = errors_of(&[(
        "t/TST001.toml",
        rule("role = \"agent\"\nskip = [\"再见\"]\nphrases = [\"短信告知\"]"),
    )]);
    assert!(
        errors.contains("skip 只和 first、last、[match.after] 一起用"),
        "{errors}"
    );
}

/// A measure rule that did not fire says how near it came: the highest reading for `above`,
/// the lowest for `below`, nothing for a call without timestamps or a rule of another kind.
#[test]
fn a_measure_rule_names_its_reading_nearest_the_threshold() {
    let call = parse_text(
        "[00:00.0-00:05.0] 客服：您好请问有什么可以帮您的吗\n[00:05.5-00:06.0] 客户：查账户\n[00:06.0-00:08.0] 客服：好的我帮您查一下账户\n",
        "t",
    )
    .unwrap();
    let nearest = |body: &str| {
        let set = compile(&[("t/TST001.toml", &rule(body))]);
        set.nearest_reading(0, &call).map(|m| (m.value, m.limit))
    };
    let rate = "role = \"agent\"\n[match.measure]\nof = \"speech_rate\"\nper = \"turn\"\n";
    // 13 letters in 5 s and 10 in 2 s: 2.6 and 5.0 字/秒.
    assert_eq!(
        nearest(&format!("{rate}above = 6")),
        Some(("5.0".into(), "超过 6 字/秒".into()))
    );
    assert_eq!(
        nearest(&format!("{rate}below = 2")),
        Some(("2.6".into(), "低于 2 字/秒".into()))
    );
    // A band: the reading nearest either edge (5.0 is 1 from 6; 2.6 is 1.6 from 1).
    assert_eq!(
        nearest(&format!("{rate}above = 1\nbelow = 6")).map(|m| m.0),
        Some("5.0".into())
    );
    assert_eq!(
        nearest(&format!("{rate}above = 2.5\nbelow = 9")).map(|m| m.0),
        Some("2.6".into())
    );
    assert_eq!(
        nearest("role = \"agent\"\nphrases = [\"您好\"]"),
        None,
        "not a measure"
    );
    let untimed = parse_text("客服：您好请问有什么可以帮您的吗\n", "t").unwrap();
    let set = compile(&[("t/TST001.toml", &rule(&format!("{rate}above = 6")))]);
    assert!(
        set.nearest_reading(0, &untimed).is_none(),
        "no timestamps, no reading"
    );
}

/// Two rules whose `skip` lists are the same share one condition, and both still skip: the
/// sharing must repoint `skip` as it does the terms (a user rule with RES002's list once turned
/// RES002's `skip` off).
#[test]
fn rules_sharing_a_skip_list_both_skip() {
    let body = |phrase: &str| {
        format!("role = \"agent\"\nlast = 1\nskip = [\"再见\", \"还有其他问题吗\"]\nphrases = [\"{phrase}\"]")
    };
    let one = rule(&body("短信告知"));
    let two = rule(&body("邮件告知")).replace("TST001", "TST002");
    // The other rule's plain condition on the same words must not take the skip away either.
    let three = rule("role = \"agent\"\nphrases = [\"再见\", \"还有其他问题吗\"]")
        .replace("TST001", "TST003")
        .replace("points = -5", "points = 0");
    let set = compile(&[
        ("t/TST001.toml", &one),
        ("t/TST002.toml", &two),
        ("t/TST003.toml", &three),
    ]);
    let call = "客服：改好以后短信告知您,发票邮件告知您\n客户：好的\n客服：请问还有其他问题吗\n客户：没有了\n客服：再见\n";
    let fired: Vec<&str> = set
        .evaluate(&parse_text(call, "t").unwrap())
        .iter()
        .map(|h| set.rules[h.rule].id.as_str())
        .filter(|id| *id != "TST003")
        .collect();
    assert_eq!(fired, ["TST001", "TST002"]);
}
