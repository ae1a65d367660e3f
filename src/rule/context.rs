//! Clause context: a match and the words around it in its turn → whether the clause it sits
//! in is a question, negated, about something already resolved, or a condition.
//!
//! In: a turn's folded view and the byte span of a match. Out: for each [`Context`], whether it
//! holds. A condition lists what it requires (`when = ["疑问"]`) or forbids (`unless =
//! ["否定", "已解决"]`); this is what keeps 老实说,投诉的问题很快就解决了 (praise) from being a
//! complaint, 这回明白了没有? (a question) from being a confirmation, and 我不是要投诉 from
//! being a threat.
//!
//! The tests are cues in the same clause or sentence, deliberately simple and bounded: a few
//! characters before or after the match, never across a sentence end. They are documented for
//! rule authors in docs/rules.md (分句语境); when one misjudges, a rule example shows it.

use std::ops::Range;

use serde::Deserialize;

use super::pattern::CLAUSE_ENDS;

/// What may be required of, or forbidden for, the clause a match sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Context {
    /// 疑问: the clause asks (`?`, 吗/呢/没有 at its end, 是不是/有没有 before the match).
    #[serde(rename = "疑问", alias = "question")]
    Question,
    /// 否定: a negator (不/没/别/未/无) right before the match in its clause.
    #[serde(rename = "否定", alias = "negated")]
    Negated,
    /// 已解决: the sentence goes on to say it was resolved (投诉的问题很快就解决了).
    #[serde(rename = "已解决", alias = "resolved")]
    Resolved,
    /// 假设: a condition or concession (如果…, …的话, 不能退就算了).
    #[serde(rename = "假设", alias = "conditional")]
    Conditional,
    /// 给出路: a refusal (退不了, 没办法, 不清楚) followed later in the same turn by a way
    /// forward (您可以…, 建议您…, 我帮您…, 只能…): 目前暂时无法…,我可以…, as the standard asks.
    #[serde(rename = "给出路", alias = "way_forward")]
    WayForward,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Question => "疑问",
            Context::Negated => "否定",
            Context::Resolved => "已解决",
            Context::Conditional => "假设",
            Context::WayForward => "给出路",
        }
    }

    /// Whether this context holds for the match at `span` of `text` (a folded view).
    pub fn holds(self, text: &str, span: &Range<usize>) -> bool {
        let s = Surroundings::of(text, span);
        match self {
            Context::Question => s.is_question(),
            Context::Negated => s.is_negated(),
            Context::Resolved => s.is_resolved(),
            Context::Conditional => s.is_conditional(),
            Context::WayForward => s.offers_way_forward(),
        }
    }

    /// Whether this context holds for whole clauses at `span` of `text` (a folded view) that a
    /// `similar` term found because they read like `example` (folded). The words that decide
    /// are inside the clauses here, where the tests for a phrase do not look: 否定 holds when
    /// one of the two is negated and the other is not (我对处理结果很满意 against the example
    /// 我对处理结果很不满意), 疑问 when the last clause asks, 已解决 and 假设 are judged as
    /// for a phrase that ends where the clauses end, and 给出路 as for a phrase that is the
    /// clauses.
    pub fn holds_for_clauses(self, text: &str, span: &Range<usize>, example: &str) -> bool {
        match self {
            Context::Negated => negations(&text[span.clone()]) % 2 != negations(example) % 2,
            Context::Question => {
                let inside = &text[span.clone()];
                let last = inside.rfind(ends_clause).map_or(span.start, |i| {
                    span.start + i + inside[i..].chars().next().map_or(1, char::len_utf8)
                });
                Surroundings::of(text, &(last..last)).is_question()
            }
            Context::Resolved | Context::Conditional => self.holds(text, &(span.end..span.end)),
            // A refusal inside the clauses, with a way forward after them in the turn.
            Context::WayForward => self.holds(text, span),
        }
    }
}

/// Characters that end a sentence (as opposed to a clause).
const SENTENCE_ENDS: &[char] = &['。', '!', '?', '\n'];

/// Characters that negate what follows them.
const NEGATORS: &[char] = &['不', '没', '别', '未', '无', '非', '甭'];

/// Words with a negator in them that negate nothing after them.
const NOT_NEGATORS: &[&str] = &[
    "不错",
    "不少",
    "不久",
    "不断",
    "不过",
    "不仅",
    "不光",
    "不好意思",
    "没错",
    "不管",
    "无论",
    "未来",
    "别人",
    "别的",
    "无法",
    "不得不",
    "没想到",
    "没关系",
    // A suggestion: 要不您问问代理人吧 (不如, 不然 end in a character that is no bridge).
    "要不",
];

/// A-not-A questions: 是不是…, 有没有…, 会不会…
const ASKING: &[&str] = &[
    "是不是",
    "有没有",
    "能不能",
    "可不可以",
    "会不会",
    "要不要",
    "对不对",
    "行不行",
    "好不好",
    "明不明白",
    "清不清楚",
    "懂不懂",
    "是否",
];

/// How many negations `text` says: its negators, not counting words that merely contain one
/// (不错, 对不起, 非常, 没关系…) nor A-not-A questions (是不是, 有没有…). 没有不满意 says two.
pub(crate) fn negations(text: &str) -> usize {
    // 无法 does negate the verb after it; 非常, 对不起 and the rest negate nothing.
    const ALSO_NOT: &[&str] = &["非常", "对不起", "差不多", "不客气", "了不起", "不得了"];
    let mut masked = text.to_string();
    for w in NOT_NEGATORS
        .iter()
        .filter(|w| **w != "无法")
        .chain(ALSO_NOT)
        .chain(ASKING)
    {
        masked = masked.replace(w, "_");
    }
    masked.chars().filter(|c| NEGATORS.contains(c)).count()
}

/// The text around one match, cut at clause and sentence boundaries.
struct Surroundings<'a> {
    /// The match itself.
    matched: &'a str,
    /// From the start of the match's clause to the match.
    clause_before: &'a str,
    /// From the end of the match to the end of its clause.
    clause_after: &'a str,
    /// The character that ends the clause, if any (`?`, `,` …); `None` at the end of the turn.
    clause_end: Option<char>,
    /// From the start of the sentence to the match.
    sentence_before: &'a str,
    /// From the end of the match to the end of the sentence.
    sentence_after: &'a str,
    /// From the end of the match to the end of the turn.
    turn_after: &'a str,
}

/// Whether `c` ends a clause: punctuation, or the pause of unpunctuated speech.
pub(super) fn ends_clause(c: char) -> bool {
    CLAUSE_ENDS.contains(c) || c.is_whitespace()
}

/// Whether `c` ends a sentence.
pub(super) fn ends_sentence(c: char) -> bool {
    SENTENCE_ENDS.contains(&c)
}

/// Where each sentence of a turn after its first begins, as character offsets into `text`
/// (the turn's original text): what scoring charges once. A run of ends (`?!`, `。。`) closes
/// one sentence, not several empty ones, so a sentence's number is the one a reader counts; an
/// unpunctuated recogniser turn is one sentence.
pub fn sentence_starts(text: &str) -> Vec<usize> {
    // The folded view turns full-width ！ and ？ into the ends listed; it keeps offsets.
    let folded = crate::normalize::fold(text);
    let mut starts = Vec::new();
    let mut after_end = false;
    for (i, c) in folded.chars().enumerate() {
        let end = ends_sentence(c);
        if after_end && !end {
            starts.push(i);
        }
        after_end = end;
    }
    starts
}

/// The sentence (from 0) of a turn whose sentences begin at `starts` ([`sentence_starts`])
/// that holds the character at `offset`.
pub fn sentence_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset)
}

impl<'a> Surroundings<'a> {
    fn of(text: &'a str, span: &Range<usize>) -> Surroundings<'a> {
        let before = &text[..span.start];
        let after = &text[span.end..];
        let clause_start = before.rfind(ends_clause).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let clause_stop = after.find(ends_clause).unwrap_or(after.len());
        let sentence_start = before.rfind(SENTENCE_ENDS).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let sentence_stop = after.find(SENTENCE_ENDS).unwrap_or(after.len());
        Surroundings {
            matched: &text[span.clone()],
            clause_before: &before[clause_start..],
            clause_after: &after[..clause_stop],
            clause_end: after[clause_stop..].chars().next(),
            sentence_before: &before[sentence_start..],
            sentence_after: &after[..sentence_stop],
            turn_after: after,
        }
    }

    fn is_question(&self) -> bool {
        if self.clause_end == Some('?') {
            return true;
        }
        // Unpunctuated speech: a question particle ends the clause (明白了没有, 好了吗), maybe
        // softened by 啊/呀 (解决了没有啊); 吗 anywhere after the match asks (好了吗你说).
        let tail = self
            .clause_after
            .trim_end()
            .trim_end_matches(['啊', '呀', '哇', '哈', '呐']);
        if self.clause_after.contains('吗') {
            return true;
        }
        const PARTICLES: &[&str] = &[
            "么",
            "呢",
            "没有",
            "没",
            "不",
            "嘛",
            "不是",
            "对吧",
            "是吧",
            "对不对",
            "是不是",
            "好不好",
        ];
        if tail.chars().count() <= 6 && PARTICLES.iter().any(|p| tail.ends_with(p)) {
            return true;
        }
        // 是不是…, 有没有…, 会不会…: an A-not-A question before or inside the match, and
        // after it too: 重启一下就解决了对不对.
        ASKING.iter().any(|a| {
            self.clause_before.contains(a)
                || self.matched.contains(a)
                || self.clause_after.contains(a)
        })
    }

    fn is_negated(&self) -> bool {
        // A negator shortly before the match, joined to it by nothing but auxiliaries: 不是要
        // 投诉, 没有不满意, 倒没想去投诉. A negator followed by another verb negates that verb
        // (别逼我投诉, 还是不行我要投诉, 我不知道你去问商家), and 不…就 is a condition.
        const BRIDGE: &str = "是要想会能用去在太很再都也还有过倒并从来得";
        let mut window = self.clause_before.to_string();
        for w in NOT_NEGATORS {
            window = window.replace(w, &"_".repeat(w.chars().count()));
        }
        let chars: Vec<char> = window.chars().collect();
        let Some(at) = chars.iter().rposition(|c| NEGATORS.contains(c)) else {
            return false;
        };
        let bridge = &chars[at + 1..];
        if bridge.len() > 3 || !bridge.iter().all(|c| BRIDGE.contains(*c)) {
            return false;
        }
        // 非…不可 insists rather than denies.
        !(chars[at] == '非' && self.clause_after.contains("不可"))
    }

    fn is_resolved(&self) -> bool {
        // Something later in the sentence reports it settled: 很快就解决了, 已经处理好了.
        const DONE: &[&str] = &[
            "解决了",
            "处理好了",
            "处理完了",
            "搞定了",
            "弄好了",
            "修好了",
            "办好了",
            "退回来了",
            "到账了",
            "已经处理",
            "已经解决",
            "已解决",
            "已处理",
            "处理得很快",
            "解决得很快",
            "都好了",
            "没事了",
            "恢复了",
        ];
        // 没解决, 还没处理好; 直到解决了为止 is a demand, not a report.
        const UNDONE: &[&str] = &["没", "未", "不", "直到", "等到", "除非"];
        // Reported or doubted, it is not settled: 你们上次说解决了,根本就没有; 到底解决了吗?
        const REPORTED: &[&str] = &["说", "以为", "号称", "声称", "保证"];
        let settled = |text: &str| {
            DONE.iter().any(|d| {
                text.match_indices(d).any(|(i, _)| {
                    let lead: String = text[..i]
                        .chars()
                        .rev()
                        .take(2)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    let trail = &text[i + d.len()..];
                    let asked = trail.starts_with(['吗', '?', '么', '没']);
                    !UNDONE.iter().any(|u| lead.contains(u))
                        && !REPORTED.iter().any(|r| text[..i].contains(r))
                        && !trail.starts_with("为止")
                        && !asked
                })
            })
        };
        // The last clause of the turn wins: in 我要投诉!……后来客服帮我处理好了! the complaint is
        // one the customer reports as settled, whatever sentence the match sits in; in
        // 上次解决了,这次又坏了 the last clause is the new fault.
        let last_clause = self
            .turn_after
            .trim_end_matches(ends_clause)
            .rsplit(ends_clause)
            .next()
            .unwrap_or("");
        let asked = self.turn_after.trim_end().ends_with('?') || last_clause.contains(['吗', '么']);
        settled(self.sentence_after) || (!asked && settled(last_clause))
    }

    fn offers_way_forward(&self) -> bool {
        // Only a refusal to do something can be softened by a way forward: 你听不懂吗 and 这是规定
        // stay what they are whatever follows, and 我不清楚,您到时候再打过来问 passes the
        // question on rather than answering it.
        const REFUSALS: &[&str] = &[
            "不了",
            "没办法",
            "没有办法",
            "没法",
            "无法",
            "不能",
            "不行",
            "不可以",
            "不支持",
        ];
        // What the agent offers instead: the customer's own route (您可以在售后申请上取消), the
        // agent's next step (我帮您申请), or the one option left (只能换货).
        const WAYS: &[&str] = &[
            "你可以",
            "可以在",
            "可以通过",
            "可以到",
            "可以去",
            "可以联系",
            "可以申请",
            "可以选择",
            "可以帮你",
            "可以给你",
            "建议你",
            "建议",
            "需要你",
            "麻烦你",
            "请你",
            "我帮你",
            "我给你",
            "我这边帮",
            "我这边给",
            "我这边可以",
            "我可以",
            "我们可以",
            "帮你",
            "给你申请",
            "给你换",
            "给你补",
            "给你安排",
            "给你备注",
            "为你",
            "只能",
            "或者",
            "不过",
            "但是",
            "但可以",
            "改为",
            "换成",
        ];
        // Asking to be understood offers nothing: 这个我们确实没办法提供帮助,还请您理解哦.
        const NOT_WAYS: &[&str] = &[
            "请你理解",
            "请你谅解",
            "请你多多理解",
            "请你见谅",
            "请你包涵",
            "请你多包涵",
        ];
        let after = blanked(self.turn_after, NOT_WAYS);
        REFUSALS.iter().any(|r| self.matched.contains(r)) && WAYS.iter().any(|w| after.contains(w))
    }

    fn is_conditional(&self) -> bool {
        const IF: &[&str] = &[
            "如果",
            "要是",
            "假如",
            "万一",
            "若是",
            "倘若",
            "假设",
            "只要",
            "如若",
            "一旦",
            "即使",
            "哪怕",
            "即便",
            "纵然",
            "不然",
            "要不然",
            "否则",
        ];
        // Words that contain a conditional without being one: 主要是, 重要是, 只要求.
        const NOT_IF: &[&str] = &["就算了", "主要是", "重要是", "需要是", "想要是", "只要求"];
        let before = blanked(self.sentence_before, NOT_IF);
        if IF.iter().any(|w| before.contains(w)) || before.contains("就算") {
            return true;
        }
        if says_if(self.clause_after) || says_if(self.clause_before) {
            return true;
        }
        // 不能退就算了, 退不了就算了, 今天不解决就投诉: a negative condition right before 就.
        if let Some(cond) = self.clause_before.strip_suffix('就') {
            return cond.contains(['不', '没', '无']);
        }
        false
    }
}

/// `text` with each of `words` blanked out, so a search for a shorter word does not find it
/// inside them (要是 in 想要是, 请你 in 请你理解).
fn blanked(text: &str, words: &[&str]) -> String {
    words.iter().fold(text.to_string(), |t, w| {
        t.replace(w, &"_".repeat(w.chars().count()))
    })
}

/// Whether `clause` has a conditional 的话 (不满意的话), not the start of a noun that only
/// spells it (上个月的话费, 这个的话题, 电话的话筒).
fn says_if(clause: &str) -> bool {
    clause
        .match_indices("的话")
        .any(|(at, w)| !clause[at + w.len()..].starts_with(['费', '题', '筒', '术']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    /// Whether `context` holds for the first occurrence of `word` in `text`.
    fn at(context: Context, text: &str, word: &str) -> bool {
        let text = fold(text);
        let word = fold(word);
        let start = text
            .find(&word)
            .unwrap_or_else(|| panic!("{word} not in {text}"));
        context.holds(&text, &(start..start + word.len()))
    }

    /// Sentences of the original text: full-width ends count, a run of ends is one, a line
    /// break ends one, and a character offset at a sentence's first character is in it.
    #[test]
    fn sentences_begin_after_their_ends() {
        assert_eq!(sentence_starts("不知道没办法 真的"), Vec::<usize>::new());
        let text = "不知道。没办法！？真的?好\n嗯。";
        let starts = sentence_starts(text);
        assert_eq!(starts, [4, 9, 12, 14]);
        let of = |offset| sentence_at(&starts, offset);
        assert_eq!(
            [of(0), of(3), of(4), of(8), of(9), of(12), of(14)],
            [0, 0, 1, 1, 2, 3, 4]
        );
        // A run of ends before any words closes one (empty) sentence, not two.
        assert_eq!(sentence_starts("。。好"), [2]);
    }

    #[test]
    fn names_are_what_rule_files_write() {
        use Context::*;
        for c in [Question, Negated, Resolved, Conditional, WayForward] {
            let parsed: Context =
                serde_json::from_value(serde_json::Value::String(c.name().into())).unwrap();
            assert_eq!(parsed, c);
        }
    }

    #[test]
    fn questions() {
        use Context::Question as Q;
        assert!(at(Q, "这回明白了没有?", "明白了"));
        assert!(at(Q, "这回明白了没有", "明白了"), "unpunctuated");
        assert!(at(Q, "您看这样解决了吗", "解决了"));
        assert!(at(Q, "是不是已经解决了", "解决了"));
        assert!(at(Q, "好的明白了吗?", "明白了"));
        assert!(!at(Q, "好的,明白了,谢谢。", "明白了"));
        assert!(
            !at(Q, "明白了,那这个怎么弄?", "明白了"),
            "the question is the next clause"
        );
        assert!(!at(Q, "行吧,就这样吧", "就这样"));
        assert!(at(Q, "到底解决了没有啊", "解决了"));
        assert!(at(Q, "这下好了吗你说", "好了"));
        assert!(at(Q, "我们会不会给您回电", "我们会不会给你回电"));
        assert!(at(Q, "那我重启一下就解决了对不对", "解决了"));
    }

    #[test]
    fn negation() {
        use Context::Negated as N;
        assert!(at(N, "我不是要投诉,就问问", "投诉"));
        assert!(at(N, "这不是您的问题", "是你的问题"));
        assert!(at(N, "我没有不满意", "不满意"));
        assert!(!at(N, "我要投诉你们", "投诉"));
        assert!(!at(N, "这是您的问题", "是你的问题"));
        assert!(
            !at(N, "不好意思,我要投诉", "投诉"),
            "不好意思 is not a negation"
        );
        assert!(!at(N, "不过,我还是要投诉", "投诉"));
        assert!(at(N, "我倒没想去投诉", "投诉"));
        // Up to three auxiliaries between the negator and the match, and only auxiliaries.
        assert!(at(N, "我不是要再投诉", "投诉"));
        assert!(
            !at(N, "我不是还要再去投诉", "投诉"),
            "four characters apart"
        );
        // 非 negates unless 非…不可 insists; 不可 elsewhere does not matter.
        assert!(at(N, "这是非投诉类的工单", "投诉"));
        assert!(at(N, "我不是投诉,这个不可以吗", "投诉"));
        for (text, word) in [
            ("别逼我投诉你们", "投诉"),
            ("我非投诉你们不可", "投诉"),
            ("还是不行我要投诉", "投诉"),
            ("说了也没用我要投诉", "投诉"),
            ("我不知道你去问商家吧", "你去问商家"),
            ("没关系明白了", "明白了"),
            ("没两天就修好了", "修好了"),
            ("今天不解决就投诉", "投诉"),
            ("要不你问问你的代理人吧", "你问问你的代理人吧"),
            ("不如你去找商家", "你去找商家"),
            ("不然你自己去问快递", "你自己去问快递"),
        ] {
            assert!(!at(N, text, word), "{text}");
        }
    }

    #[test]
    fn resolved() {
        use Context::Resolved as R;
        assert!(at(R, "老实说,联通还不错,投诉的问题很快就解决了", "投诉"));
        assert!(at(R, "上次投诉的那个已经处理好了", "投诉"));
        assert!(!at(R, "我投诉了三次,到现在都没解决", "投诉"));
        assert!(!at(R, "我要投诉!", "投诉"));
        assert!(!at(R, "我要投诉。后来解决了吗", "投诉"), "another sentence");
        assert!(!at(R, "我要投诉,直到解决了为止", "投诉"));
        assert!(
            !at(R, "我投诉的事到现在都没有解决了", "投诉"),
            "没有 before it"
        );
        assert!(
            !at(R, "我要投诉,你们上次说解决了,根本就没有!", "投诉"),
            "reported"
        );
        assert!(!at(R, "我要投诉,问题到底解决了吗?", "投诉"), "asked");
        assert!(
            !at(R, "我要投诉!后来处理好了?", "投诉"),
            "asked by the question mark alone"
        );
    }

    #[test]
    fn negations_count_negators_but_not_words_that_only_contain_one() {
        for (text, n) in [
            ("我对处理结果很满意", 0),
            ("我对处理结果很不满意", 1),
            ("我没有不满意", 2),
            ("非常抱歉,对不起,不好意思", 0),
            ("差不多了,没关系,不客气", 0),
            ("是不是还没解决", 1),
            ("有没有人管", 0),
            ("这个问题我们无法处理", 1),
        ] {
            assert_eq!(negations(text), n, "{text}");
        }
    }

    /// Whether `context` holds for the clauses of `text` that `words` are, found by their
    /// likeness to `example`.
    fn for_clauses(context: Context, text: &str, words: &str, example: &str) -> bool {
        let text = fold(text);
        let start = text.find(words).unwrap();
        context.holds_for_clauses(&text, &(start..start + words.len()), &fold(example))
    }

    #[test]
    fn clauses_found_by_similarity_are_judged_whole() {
        use Context::*;
        let ex = "我对处理结果很不满意";
        // 否定: the clause and its example disagree on negation, whichever way round.
        assert!(for_clauses(
            Negated,
            "我对处理结果很满意",
            "我对处理结果很满意",
            ex
        ));
        assert!(!for_clauses(
            Negated,
            "我对处理结果非常不满意",
            "我对处理结果非常不满意",
            ex
        ));
        assert!(for_clauses(
            Negated,
            "我不是说服务太差",
            "我不是说服务太差",
            "服务太差了"
        ));
        // 疑问: the last clause asks, wherever the question word is.
        let ex = "这都多少天了还没给我解决";
        assert!(for_clauses(
            Question,
            "这都多少天了还没给我解决吗",
            "这都多少天了还没给我解决吗",
            ex
        ));
        assert!(for_clauses(
            Question,
            "是不是这都多少天了还没给我解决",
            "是不是这都多少天了还没给我解决",
            ex
        ));
        assert!(for_clauses(
            Question,
            "这都多少天了,还没给我解决?",
            "这都多少天了,还没给我解决",
            ex
        ));
        assert!(
            !for_clauses(
                Question,
                "这都多少天了?还没给我解决",
                "这都多少天了?还没给我解决",
                ex
            ),
            "the first clause asks, the last does not"
        );
        assert!(!for_clauses(
            Question,
            "这都多少天了还没给我解决",
            "这都多少天了还没给我解决",
            ex
        ));
        // 已解决 and 假设, where the clauses end.
        assert!(for_clauses(
            Resolved,
            "上次那个投诉,后来已经解决了",
            "上次那个投诉",
            "我要投诉你们"
        ));
        assert!(!for_clauses(
            Resolved,
            "我要投诉你们,到现在都没解决",
            "我要投诉你们",
            "我要投诉你们"
        ));
        assert!(for_clauses(
            Conditional,
            "如果再不给我解决,我就投诉",
            "如果再不给我解决",
            ex
        ));
        assert!(for_clauses(
            Conditional,
            "要是还没给我解决的话",
            "要是还没给我解决的话",
            ex
        ));
        assert!(!for_clauses(
            Conditional,
            "还没给我解决,我就投诉",
            "还没给我解决",
            ex
        ));
    }

    #[test]
    fn conditional() {
        use Context::Conditional as C;
        assert!(at(C, "不能退就算了", "算了"));
        assert!(at(C, "如果还是不行,我就投诉", "投诉"));
        assert!(at(C, "不满意的话可以退", "不满意"));
        assert!(!at(C, "那就算了,我不办了", "算了"));
        assert!(!at(C, "算了算了,不想说了", "算了"));
        for (text, word) in [
            ("退不了就算了", "算了"),
            ("没办法退就算了", "算了"),
            ("来不及就算了", "算了"),
            ("邮寄的话就算了", "算了"),
            ("今天不解决就投诉", "投诉"),
            ("不然我就投诉", "投诉"),
            ("就算不是我们的问题", "我们的问题"),
        ] {
            assert!(at(C, text, word), "{text}");
        }
        for (text, word) in [
            ("实在太慢了,算了", "算了"),
            ("我实在忙不过来", "忙不过来"),
            ("那就算了,我要投诉", "投诉"),
            ("主要是你们一直拖着,问题还是没解决,我要投诉", "投诉"),
            ("我只要求你们给个说法", "给个说法"),
            ("上个月的话费已经结算了", "结算了"),
        ] {
            assert!(!at(C, text, word), "{text}");
        }
    }

    #[test]
    fn the_last_sentence_of_the_turn_settles_an_earlier_complaint() {
        use Context::Resolved as R;
        assert!(at(
            R,
            "我要投诉!你们拖了一个月。后来客服帮我处理好了!",
            "投诉"
        ));
        assert!(!at(R, "我要投诉!上次那个问题解决了,这次又坏了。", "投诉"));
        assert!(
            !at(R, "我要投诉!已经处理好了吗?", "投诉"),
            "asked, not reported"
        );
        assert!(!at(R, "我要投诉!到现在还没处理好!", "投诉"));
    }

    #[test]
    fn ways_forward() {
        use Context::WayForward as W;
        assert!(at(
            W,
            "这个取消不了呢 亲亲 您可以在售后申请上取消",
            "取消不了"
        ));
        assert!(at(W, "减免不了,不过我可以帮您申请分期", "减免不了"));
        assert!(at(W, "退不了,只能给您换货", "退不了"));
        assert!(at(W, "我这边没办法修改,建议您重新下单", "没办法"));
        assert!(!at(W, "这个我也没办法。", "没办法"), "nothing offered");
        assert!(
            !at(W, "您可以试试,退不了", "退不了"),
            "the offer came before"
        );
        assert!(
            !at(W, "你听不懂吗?您可以再看一下短信", "听不懂"),
            "not a refusal"
        );
        assert!(
            !at(W, "这个我们确实没办法提供帮助,还请您理解哦", "没办法"),
            "asking to be understood offers nothing"
        );
        assert!(at(W, "这个没办法,还请您理解,您可以到营业厅办理", "没办法"));
    }
}
