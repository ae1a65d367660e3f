//! Repeats: a turn that says again, nearly word for word, what an earlier turn of the same
//! role said, after the other party spoke in between → evidence quoting the repeat, with the
//! turn it repeats and how alike they are.
//!
//! Spec: `[match.repeat]` with `min_chars`, `min_similarity`, `within` (only a repeat of one
//! of the role's last N turns: a customer saying the complaint again) and `not_a_reply`
//! (phrases that make the other party's turn in between no answer: a greeting), beside the `[match]` table's
//! `role` and `exclude` (phrases that make a turn no repeat: stock greetings and closings are
//! said again in every chat). Compile: the exclusions become a condition of their own. Eval:
//! the turns of the role long enough to compare and saying none of the exclusions are
//! compared, each with the earlier ones, by the measure of `similar` terms; a turn that
//! scores at least `min_similarity` against an earlier one, with a turn of another role in
//! between, is a repeat. An agent who pastes the reply already given to a new question has
//! not read it: the seeds' 生产型 service, “你是一条流水线上的产品”.

use std::cell::OnceCell;

use toml::Spanned;

use crate::input::Role;
use crate::rule::compile::{positive, FileContext};
use crate::rule::eval::{Evaluator, Evidence, Hit, Resemblance};
use crate::rule::schema::{MatchSpec, Mode, RepeatSpec, Terms};
use crate::rule::similar::{self, MIN_LETTERS};
use crate::rule::terms::Builder;

/// `min_chars` when a rule does not say: a sentence, not a 好的呢亲.
pub(crate) const DEFAULT_MIN_CHARS: usize = 10;

/// `min_similarity` when a rule does not say: the same reply with a word or two changed.
pub(crate) const DEFAULT_MIN_SIMILARITY: f64 = 0.9;

/// The fewest letters of the other party's turn in between that make it something to answer:
/// a 嗯、好的、是的 acknowledges what was said, and the agent may well go on with it.
const MIN_BETWEEN_LETTERS: usize = 3;

/// The most letters a turn may say after its last `not_a_reply` phrase and still be no reply:
/// the 您处理或解决呢 of 有什么问题我可以帮您处理或解决呢, not an answer after 请稍等.
const NOT_A_REPLY_REST: usize = 8;

/// The fewest letters the other party must have written in between for a reply cut down and
/// pasted again (`min_contained`) to count: after a short question asked again
/// (发票要改成公司的要怎么修改、需要多长时间), the same answer without its greeting answers it; after
/// a new complaint or three new questions, it answers nothing.
const MIN_LETTERS_BEFORE_CUT: usize = 20;

/// How much of the repeated turn the evidence names: enough to find it.
const EARLIER_QUOTE_CHARS: usize = 30;

/// A condition on turns that repeat an earlier turn of the same role.
#[derive(Debug)]
pub(crate) struct Repeat {
    pub role: Option<Role>,
    /// Turns with fewer letters are never compared.
    pub min_letters: usize,
    pub min_similarity: f64,
    /// The share of a turn an earlier one must hold for it to be a repeat however unlike in
    /// length (`min_contained`); `None`: only the similarity counts.
    pub min_contained: Option<f64>,
    /// The condition whose phrases make a turn no repeat (the table's `exclude`).
    pub excused: Option<usize>,
    /// Only a repeat of one of the role's last N turns before it (`within`).
    pub within: Option<usize>,
    /// The condition whose phrases make a turn of the other party no reply (`not_a_reply`).
    pub not_a_reply: Option<usize>,
}

impl Repeat {
    /// Compiles `[match.repeat]` of a `[match]` table.
    pub(super) fn compile(
        cx: &mut FileContext<'_>,
        m: &MatchSpec,
        repeat: &Spanned<RepeatSpec>,
        b: &mut Builder,
    ) -> Option<Repeat> {
        super::no_window(cx, m, "重复条件");
        let terms = m.terms();
        let says = !(terms.phrases.is_empty()
            && terms.words.is_empty()
            && terms.regex.is_empty()
            && terms.similar.is_empty());
        if says
            || terms.min_similarity.is_some()
            || !(terms.when.is_empty() && terms.unless.is_empty())
            || m.after.is_some()
            || m.first.is_some()
            || m.last.is_some()
            || m.after_reply.is_some()
            || m.timing.is_some()
            || m.measure.is_some()
            || m.meta.is_some()
        {
            cx.error(
                Some(repeat.span()),
                "[match.repeat] 只能和 role、exclude、exclude_regex 一起使用",
            )
            .help = Some(
                "重复看的是整句话;要再看说了什么,请写成 all 的两个子条件,或写成两条规则".into(),
            );
        }
        if m.mode == Mode::Absent {
            cx.error(
                Some(repeat.span()),
                "[match.repeat] 不支持 mode = \"absent\"",
            );
        }
        let spec = repeat.get_ref();
        let min_letters = match &spec.min_chars {
            None => DEFAULT_MIN_CHARS,
            Some(n) if (*n.get_ref() as usize) < MIN_LETTERS => {
                cx.error(
                    Some(n.span()),
                    format!("min_chars = {} 太短,至少 {MIN_LETTERS} 个字", n.get_ref()),
                )
                .help = Some("“好的”“稍等”天天重复,不算照搬;一般写 10 以上".into());
                return None;
            }
            Some(n) => *n.get_ref() as usize,
        };
        let min_similarity = match &spec.min_similarity {
            None => DEFAULT_MIN_SIMILARITY,
            Some(s) => similar::threshold(
                cx,
                "min_similarity",
                s,
                "写成 0–1 之间的小数;0.9 相当于只改了一两个词",
            )?,
        };
        let min_contained = match &spec.min_contained {
            None => None,
            Some(s) => Some(similar::threshold(
                cx,
                "min_contained",
                s,
                "写成 0–1 之间的小数;0.95 相当于后一句几乎每个字都在前一句里",
            )?),
        };
        let excused = (!(m.exclude.is_empty() && m.exclude_regex.is_empty())).then(|| {
            let excuses = Terms::lines(&m.exclude, &m.exclude_regex, m.strict_nin, m.sound_alike);
            cx.condition(excuses, repeat.span(), b)
        });
        let not_a_reply = (!spec.not_a_reply.is_empty()).then(|| {
            let greetings = Terms::lines(&spec.not_a_reply, &[], false, m.sound_alike);
            cx.condition(greetings, repeat.span(), b)
        });
        let within = match &spec.within {
            Some(n) => Some(positive(cx, n, "within")?),
            None => None,
        };
        Some(Repeat {
            role: m.role,
            min_letters,
            min_similarity,
            min_contained,
            excused,
            within,
            not_a_reply,
        })
    }

    /// Adds a hit for each turn that repeats an earlier one.
    pub(super) fn eval(&self, ev: &Evaluator<'_>, rule: usize, hits: &mut Vec<Hit>) {
        let compared: Vec<usize> = ev
            .turns_of(self.role)
            .iter()
            .copied()
            .filter(|&t| ev.letters(t) >= self.min_letters)
            .collect();
        if compared.len() < 2 {
            return;
        }
        // An excused turn is neither a repeat nor repeated. Few turns are alike enough to
        // matter, so the exclusions are looked for only in those, once each.
        let excused: Vec<OnceCell<bool>> = compared.iter().map(|_| OnceCell::new()).collect();
        let is_excused = |k: usize| {
            *excused[k].get_or_init(|| {
                self.excused
                    .is_some_and(|c| !ev.spans(c, compared[k]).is_empty())
            })
        };
        let role_of = |t: usize| ev.views[t].turn.role;
        // Said again to someone who had said something new since: the same role, with a turn
        // of another role in between that is more than an acknowledgement (the earlier turn
        // itself is of the same role, so starting the search there changes nothing).
        // A reply: more than an acknowledgement, and more than a greeting (`not_a_reply`): a
        // turn that ends on one (您好,我是京东物流小红人,有什么能帮到您的吗?) answered nothing;
        // one that goes on after 请稍等 with an answer, however wrong, did. (An answer that ends
        // on 还有什么可以帮您 counts as none: a repeat after it is missed, not charged.)
        let replies = |x: usize| {
            ev.letters(x) >= MIN_BETWEEN_LETTERS
                && self.not_a_reply.is_none_or(|c| {
                    let Some(last) = ev.spans(c, x).iter().map(|s| s.end).max() else {
                        return true;
                    };
                    let after = &ev.folded(x)[last..];
                    after
                        .chars()
                        .filter(|&c| crate::normalize::is_letter(c))
                        .count()
                        > NOT_A_REPLY_REST
                })
        };
        // A reply cut down and pasted again (`contained`) answers a short question asked again;
        // it repeats only after a new message of `MIN_LETTERS_BEFORE_CUT` letters.
        let allowed = |j: usize, i: usize, contained: bool| {
            let (earlier, later) = (compared[j], compared[i]);
            let other = |x: &usize| role_of(*x) != role_of(later);
            role_of(earlier) == role_of(later)
                && (earlier..later).any(|x| other(&x) && replies(x))
                && !is_excused(i)
                && !is_excused(j)
                && (!contained
                    || (earlier..later)
                        .filter(other)
                        .map(|x| ev.letters(x))
                        .sum::<usize>()
                        >= MIN_LETTERS_BEFORE_CUT)
        };
        // `within`: a turn is compared only with those from the one `within` turns of its role
        // back, the earliest it may repeat.
        let earliest = |i: usize| {
            let Some(n) = self.within else { return 0 };
            let later = compared[i];
            let own = ev.turns_of(Some(role_of(later)));
            let back = own.partition_point(|&t| t < later).saturating_sub(n);
            compared.partition_point(|&t| t < own[back])
        };
        let texts: Vec<&str> = compared.iter().map(|&t| ev.folded(t)).collect();
        let floors = similar::Floors {
            similarity: self.min_similarity,
            contained: self.min_contained,
        };
        let closest = similar::closest_earlier(&texts, floors, earliest, allowed);
        for (i, closest) in closest.into_iter().enumerate() {
            let Some(similar::Closest {
                earlier: j,
                score,
                contained,
            }) = closest
            else {
                continue;
            };
            let (t, earlier) = (compared[i], compared[j]);
            let text = &ev.views[earlier].turn.text;
            let mut excerpt: String = text.chars().take(EARLIER_QUOTE_CHARS).collect();
            if excerpt.len() < text.len() {
                excerpt.push('…');
            }
            let mut quote = ev.whole_turn(t);
            quote.similar = Some(Resemblance {
                example: format!(
                    "第 {} 句{}:{excerpt}",
                    earlier + 1,
                    if contained {
                        " (这一句几乎都在其中)"
                    } else {
                        ""
                    }
                ),
                score: score as f32,
            });
            hits.push(Hit {
                rule,
                turn: t,
                evidence: Evidence::Said(quote),
            });
        }
    }
}
