//! The on-disk shape of rule files and `scoring.toml`, exactly as authors write them.
//!
//! Every table denies unknown keys, so a misspelt key is an error naming the file and line
//! rather than a rule that silently never fires. Values the compiler needs to point back at
//! (ids, regexes, phrases) keep their source spans.

use serde::Deserialize;
use toml::Spanned;

use super::context::Context;
use crate::channel::Channel;
use crate::input::Role;

/// One rule file: `rules/<category>/<ID>-<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub title_en: Option<String>,
    pub message: Spanned<String>,
    #[serde(default)]
    pub rationale: Option<String>,
    pub dimension: Spanned<String>,
    pub points: Spanned<i32>,
    #[serde(default)]
    pub max_hits: Option<Spanned<u32>>,
    #[serde(default)]
    pub fatal: bool,
    #[serde(default)]
    pub review: bool,
    /// The channels the rule applies to; all when absent. Elsewhere it is N/A.
    #[serde(default)]
    pub channels: Option<Spanned<Vec<Channel>>>,
    #[serde(rename = "match")]
    pub matcher: Spanned<MatchSpec>,
    #[serde(default, rename = "example")]
    pub examples: Vec<ExampleSpec>,
}

/// Whether the condition fires when its terms are found, or when they are missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Present,
    Absent,
}

/// `[match]`: which turns to look at and what to look for in them — or, with `all`, `any` and
/// `not`, a combination of sub-conditions of the same shape (`[[match.all]]`, ...), or with
/// `rule`, another rule's verdict.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Whose turns to look at; both roles when absent.
    #[serde(default)]
    pub role: Option<Role>,
    /// Only the first N turns of `role`.
    #[serde(default)]
    pub first: Option<Spanned<u32>>,
    /// Only the last N turns of `role`.
    #[serde(default)]
    pub last: Option<Spanned<u32>>,
    /// Turns that say nothing but these phrases are not counted by `first`/`last` or by
    /// `[match.after]`'s `within`: the agent's real last words come before 请问还有其他可以帮您的吗
    /// and 祝您生活愉快,再见; its first real reply comes after the platform's greeting.
    /// Spanned as a whole so that `skip = []`, which would skip nothing, can be pointed at.
    #[serde(default)]
    pub skip: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub words: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_regex: Vec<Spanned<String>>,
    /// Example sentences: a clause that reads enough like one of them matches (相似句).
    #[serde(default)]
    pub similar: Vec<Spanned<String>>,
    /// How similar a clause must be to the closest example, in (0, 1] (`rule/similar.rs`).
    #[serde(default)]
    pub min_similarity: Option<Spanned<f64>>,
    /// “您” in this condition's phrases means 您 only: the engine otherwise treats 你 and 您
    /// as one character, so a phrase is written once.
    #[serde(default)]
    pub strict_nin: bool,
    /// The condition's phrases, words and exclusions also match what sounds like them
    /// (听音匹配, `rule/sound.rs`): 少等 for 稍等, 公号 for 工号, as a recogniser writes them.
    #[serde(default)]
    pub sound_alike: bool,
    /// Only matches whose clause is in one of these contexts (疑问, 否定, 已解决, 假设).
    #[serde(default)]
    pub when: Vec<Context>,
    /// No match whose clause is in one of these contexts.
    #[serde(default)]
    pub unless: Vec<Context>,
    /// Sayings the terms above must find and must not (`zhijian test`).
    #[serde(default)]
    pub examples: SayingsSpec,
    /// Only the turns of `role` that follow a trigger turn.
    #[serde(default)]
    pub after: Option<Spanned<ConditionSpec>>,
    /// Only the turns of `role` after the other party first replied: a customer's opening
    /// complaint is the question, not the verdict.
    #[serde(default)]
    pub after_reply: Option<Spanned<bool>>,
    /// Only in dialogues of this shape; elsewhere the condition does not hold (the agent had no
    /// chance to say what it asks for).
    #[serde(default)]
    pub dialogue: Option<Spanned<DialogueSpec>>,
    /// A condition on the timing of turns instead of their words.
    #[serde(default)]
    pub timing: Option<Spanned<TimingSpec>>,
    /// A turn that says again, nearly word for word, what an earlier turn of the same role
    /// said, after the other party spoke in between.
    #[serde(default)]
    pub repeat: Option<Spanned<RepeatSpec>>,
    /// A measurement of the call or of a role's turns against a threshold: speech rate, call
    /// duration, talk share, interruptions, … (`rule/check/measure/`).
    #[serde(default)]
    pub measure: Option<Spanned<MeasureSpec>>,
    /// A value of the call's metadata (随录参数): who hung up, the business line, the queue.
    #[serde(default)]
    pub meta: Option<Spanned<MetaSpec>>,
    /// Only the role's turns that start within the first N seconds of the call.
    #[serde(default)]
    pub first_s: Option<Spanned<u32>>,
    /// Only the role's turns that end within the last N seconds of the call.
    #[serde(default)]
    pub last_s: Option<Spanned<u32>>,
    /// Only the role's turns that start between these two percentages of the call (`[0, 20]`).
    #[serde(default)]
    pub window_pct: Option<Spanned<Vec<f64>>>,
    /// The condition holds only where it finds at least this many pieces of evidence in the
    /// call (抢话 3 次以上).
    #[serde(default)]
    pub at_least: Option<Spanned<u32>>,
    /// The condition holds only where it finds at least this many different words or phrases
    /// (any N of a keyword set).
    #[serde(default)]
    pub at_least_words: Option<Spanned<u32>>,
    /// Holds when that rule fired on the call; its evidence is that rule's.
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    /// Sub-conditions that must all hold. The table's own terms, if any, are one more.
    #[serde(default)]
    pub all: Vec<Spanned<MatchSpec>>,
    /// Sub-conditions of which at least one must hold.
    #[serde(default)]
    pub any: Vec<Spanned<MatchSpec>>,
    /// Sub-conditions none of which may hold.
    #[serde(default)]
    pub not: Vec<Spanned<MatchSpec>>,
    /// `[[match.not]]` only: what the exception is, in a few words (坐席在等客户回答).
    /// `zhijian explain` names it when it is why the rule did not fire.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
}

/// `[match.after]` and `[match.timing.excused_by]`: a condition on one turn of `role`.
///
/// The term lists are spelled out here and in [`MatchSpec`] rather than shared through
/// `#[serde(flatten)]`, because serde cannot combine `flatten` with `deny_unknown_fields`, and
/// rejecting misspelt keys matters more to rule authors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    pub role: Role,
    /// `[match.after]` only: how many turns of the rule's role after the trigger to look at.
    #[serde(default)]
    pub within: Option<Spanned<u32>>,
    /// `[match.after]` only: the trigger is a turn of `role` where that rule fired.
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub words: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_regex: Vec<Spanned<String>>,
    /// Example sentences: a clause that reads enough like one of them matches (相似句).
    #[serde(default)]
    pub similar: Vec<Spanned<String>>,
    /// How similar a clause must be to the closest example, in (0, 1] (`rule/similar.rs`).
    #[serde(default)]
    pub min_similarity: Option<Spanned<f64>>,
    /// “您” in this condition's phrases means 您 only: the engine otherwise treats 你 and 您
    /// as one character, so a phrase is written once.
    #[serde(default)]
    pub strict_nin: bool,
    /// The condition's phrases, words and exclusions also match what sounds like them
    /// (听音匹配, `rule/sound.rs`): 少等 for 稍等, 公号 for 工号, as a recogniser writes them.
    #[serde(default)]
    pub sound_alike: bool,
    /// Only matches whose clause is in one of these contexts (疑问, 否定, 已解决, 假设).
    #[serde(default)]
    pub when: Vec<Context>,
    /// No match whose clause is in one of these contexts.
    #[serde(default)]
    pub unless: Vec<Context>,
    /// Sayings the terms above must find and must not (`zhijian test`).
    #[serde(default)]
    pub examples: SayingsSpec,
}

/// `[match.dialogue]`: the shape a dialogue must have for the condition to be checked at all.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialogueSpec {
    /// Who spoke last: a closing can only be missing where the agent had the last word.
    #[serde(default)]
    pub last_speaker: Option<Role>,
    /// The agent spoke at least this many times.
    #[serde(default)]
    pub min_agent_turns: Option<Spanned<u32>>,
    /// The customer spoke at least this many times.
    #[serde(default)]
    pub min_customer_turns: Option<Spanned<u32>>,
    /// The shape is required only on these channels (all when absent): a Weibo thread the
    /// customer ended gave the agent no chance to reply, a phone call always does.
    #[serde(default)]
    pub channels: Option<Spanned<Vec<Channel>>>,
    /// The dialogue itself is on one of these channels; on any other the condition does not
    /// hold. A sub-condition about Weibo threads (a fan's post that asks nothing) says so here.
    #[serde(default)]
    pub on: Option<Spanned<Vec<Channel>>>,
}

/// `[match.timing]`: overlap with, or silence after, the previous turn.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingSpec {
    /// Fires when a turn of the rule's role starts more than this many ms before the previous
    /// turn ends.
    #[serde(default)]
    pub overlap_ms: Option<u64>,
    /// Fires when a turn of the rule's role starts more than this many ms after the previous
    /// turn ends.
    #[serde(default)]
    pub gap_ms: Option<u64>,
    /// Only when the previous turn is of this role.
    #[serde(default)]
    pub previous_role: Option<Role>,
    /// Only for `overlap_ms`: turns with fewer letters than this (back-channels such as 嗯、
    /// 好的、对对) neither interrupt nor are interrupted.
    #[serde(default)]
    pub min_chars: Option<usize>,
    /// Only for `gap_ms`: not a hit when the latest turn of one of these roles before the
    /// silence says one of their terms (the agent asked the customer to wait, or the other
    /// way round).
    #[serde(default)]
    pub excused_by: Vec<Spanned<ConditionSpec>>,
    /// Only with `excused_by`: an excused silence longer than this counts all the same (a
    /// 请您稍等 covers a short lookup, not two minutes of dead line without coming back).
    #[serde(default)]
    pub excused_up_to_ms: Option<Spanned<u64>>,
}

/// `[match.repeat]`: a turn of the rule's role that nearly repeats an earlier one of the same
/// role, with a turn of the other party in between (a pasted reply sent again to a new
/// question).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatSpec {
    /// Turns with fewer letters are never compared: 好的、稍等、在的 are said again and again.
    #[serde(default)]
    pub min_chars: Option<Spanned<u32>>,
    /// How alike the two turns must be, in (0, 1], measured as a `similar` term measures a
    /// clause against an example.
    #[serde(default)]
    pub min_similarity: Option<Spanned<f64>>,
    /// Also a repeat: a turn whose words lie, at least this share of them, in an earlier turn
    /// (the same reply pasted again with its greeting and 谢谢 cut off), in (0, 1].
    #[serde(default)]
    pub min_contained: Option<Spanned<f64>>,
    /// Only a repeat of one of the role's last N turns before it (a customer who has to say
    /// the complaint again within a few sentences).
    #[serde(default)]
    pub within: Option<Spanned<u32>>,
    /// Phrases that make the other party's turn in between no reply (a greeting, 请稍等): a
    /// question sent again after only those was never answered, so it is no repeat.
    #[serde(default)]
    pub not_a_reply: Vec<Spanned<String>>,
}

/// `[match.measure]`: a number measured on the call, or on each turn of the rule's role,
/// against a threshold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureSpec {
    /// Which measure (`speech_rate`, `duration`, …; `rule/check/measure/`).
    pub of: Spanned<String>,
    /// Fires when the value is greater than this.
    #[serde(default)]
    pub above: Option<Spanned<f64>>,
    /// Fires when the value is less than this.
    #[serde(default)]
    pub below: Option<Spanned<f64>>,
    /// `turn` (each turn on its own) or `call` (the role's whole call), for the measures that
    /// have both.
    #[serde(default)]
    pub per: Option<Spanned<Per>>,
    /// Turns with fewer letters are not measured: a 嗯 has no speech rate, a 好的 interrupts
    /// nobody.
    #[serde(default)]
    pub min_chars: Option<Spanned<u32>>,
    /// How much overlap makes an interruption, in ms.
    #[serde(default)]
    pub overlap_ms: Option<Spanned<u64>>,
}

/// Whether a measure is read per turn or over the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Turn,
    Call,
}

/// `[match.meta]`: a key of the call's metadata and the values that make the condition hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaSpec {
    /// The metadata key (`挂机方`), compared folded and ignoring case.
    pub key: Spanned<String>,
    /// Holds when the value is one of these (compared folded: 繁简、全半角、大小写).
    #[serde(default)]
    pub is: Vec<Spanned<String>>,
    /// Holds when the value contains one of these.
    #[serde(default)]
    pub contains: Vec<Spanned<String>>,
    /// What a call without the key means: `no_verdict` (the default: the rule does not judge
    /// the call) or `not_met` (the condition does not hold, so an exception in `not` lets the
    /// rule judge calls whose platform records no such parameter).
    #[serde(default)]
    pub if_missing: Option<Spanned<String>>,
}

/// The kinds of terms a condition is made of, borrowed from whichever table held them.
pub struct Terms<'a> {
    pub phrases: &'a [Spanned<String>],
    pub words: &'a [Spanned<String>],
    pub regex: &'a [Spanned<String>],
    pub exclude: &'a [Spanned<String>],
    pub exclude_regex: &'a [Spanned<String>],
    pub similar: &'a [Spanned<String>],
    pub min_similarity: Option<&'a Spanned<f64>>,
    pub strict_nin: bool,
    pub sound_alike: bool,
    pub when: &'a [Context],
    pub unless: &'a [Context],
    /// The table's `examples`, when it is a table of its own.
    pub examples: Option<&'a SayingsSpec>,
}

impl<'a> Terms<'a> {
    /// Phrases and regexes alone, with no exclusion, similarity or clause context: what a
    /// condition kind compiles as a condition of its own to recognise stock lines (the turns
    /// `skip` passes over, the greetings that are `not_a_reply`, the turns a repeat excuses).
    pub fn lines(
        phrases: &'a [Spanned<String>],
        regex: &'a [Spanned<String>],
        strict_nin: bool,
        sound_alike: bool,
    ) -> Terms<'a> {
        Terms {
            phrases,
            words: &[],
            regex,
            exclude: &[],
            exclude_regex: &[],
            similar: &[],
            min_similarity: None,
            strict_nin,
            sound_alike,
            when: &[],
            unless: &[],
            examples: None,
        }
    }

    /// No term at all, not even an exclusion.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
            && self.words.is_empty()
            && self.regex.is_empty()
            && self.exclude.is_empty()
            && self.exclude_regex.is_empty()
            && self.similar.is_empty()
            && self.min_similarity.is_none()
    }
}

macro_rules! terms_of {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn terms(&self) -> Terms<'_> {
                Terms {
                    phrases: &self.phrases,
                    words: &self.words,
                    regex: &self.regex,
                    exclude: &self.exclude,
                    exclude_regex: &self.exclude_regex,
                    similar: &self.similar,
                    min_similarity: self.min_similarity.as_ref(),
                    strict_nin: self.strict_nin,
                    sound_alike: self.sound_alike,
                    when: &self.when,
                    unless: &self.unless,
                    examples: Some(&self.examples),
                }
            }
        }
    )*};
}
terms_of!(MatchSpec, ConditionSpec);

/// `[examples]` of a lexicon, `[match.examples]` (or of any table with terms) of a condition:
/// single sayings its terms must find (`hit`) and must not (`pass`). The unit tests of a term
/// list, next to the `[[example]]` dialogues that test the whole rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SayingsSpec {
    #[serde(default)]
    pub hit: Vec<Spanned<String>>,
    #[serde(default)]
    pub pass: Vec<Spanned<String>>,
}

impl SayingsSpec {
    /// `hit` sayings, then `pass` ones, in file order.
    pub fn sayings(&self) -> Vec<Saying> {
        let hits = self.hit.iter().map(|t| (Expect::Hit, t));
        let passes = self.pass.iter().map(|t| (Expect::Pass, t));
        hits.chain(passes)
            .map(|(expect, t)| Saying {
                expect,
                text: t.get_ref().clone(),
                span: t.span(),
            })
            .collect()
    }
}

/// One saying of a lexicon's or condition's examples.
#[derive(Debug, Clone, PartialEq)]
pub struct Saying {
    pub expect: Expect,
    pub text: String,
    /// Where it is written in its file.
    pub span: std::ops::Range<usize>,
}

/// Whether an example must make its rule fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Hit,
    Pass,
}

/// `[[example]]`: a short transcript in the text format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    pub expect: Expect,
    pub text: Spanned<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The example's channel; by default phone, or the rule's first channel if it does not
    /// apply to phone.
    #[serde(default)]
    pub channel: Option<Channel>,
}

/// `rules/scoring.toml`: the service standard's numbers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringFile {
    pub base: i32,
    #[serde(rename = "tier")]
    pub tiers: Vec<TierSpec>,
    /// Tiers whose calls are flagged for supervisor review.
    #[serde(default)]
    pub flag_tiers: Vec<String>,
    pub dimensions: DimensionGroups,
    pub service_type: ServiceTypeSpec,
    /// How often one sentence may cost the agent: `dimension` (default), `rule` or `hit`.
    #[serde(default)]
    pub sentence: Option<toml::Spanned<String>>,
    /// Whether `sound_alike` conditions also match by sound (default true): a team whose
    /// recogniser it trusts, or whose input is typed, turns it off.
    #[serde(default)]
    pub sound_alike: Option<bool>,
    /// `[confidence]`: what a deduction costs when the recogniser was unsure of its evidence.
    #[serde(default)]
    pub confidence: Option<ConfidenceSpec>,
    /// 质检方案 per channel (`[scheme.chat]`): what differs from the numbers above.
    #[serde(default)]
    pub scheme: std::collections::BTreeMap<Channel, SchemeSpec>,
    /// `[rules]`: rules this rule set switches off or changes (`OPN003 = "off"`), as a scheme
    /// file would.
    #[serde(default)]
    pub(crate) rules: super::adjust::Adjustments,
}

/// `[scheme.<channel>]`: a channel's own scoring; every key is optional and falls back to the
/// top of `scoring.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeSpec {
    pub name: String,
    #[serde(default)]
    pub base: Option<i32>,
    /// The lowest score of each tier, by tier name (`{ 优秀 = 92 }`); tiers not named keep theirs.
    #[serde(default)]
    pub tier_min: std::collections::BTreeMap<String, i32>,
    #[serde(default)]
    pub flag_tiers: Option<Vec<String>>,
    /// The service-type threshold of both sub-scores.
    #[serde(default)]
    pub service_threshold: Option<i32>,
    #[serde(default)]
    pub sentence: Option<toml::Spanned<String>>,
    /// Whether `sound_alike` conditions also match by sound on this channel.
    #[serde(default)]
    pub sound_alike: Option<bool>,
}

/// `[confidence]`, as written; checked by `scoring::confidence_policy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceSpec {
    #[serde(default)]
    pub below: Option<toml::Spanned<f64>>,
    #[serde(default)]
    pub action: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub fraction: Option<toml::Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    pub name: String,
    pub min: i32,
}

/// Which rule dimensions count towards each of the two sub-scores.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionGroups {
    /// 个人特性
    pub attitude: Vec<String>,
    /// 程序特性
    pub procedure: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTypeSpec {
    pub threshold: i32,
    pub both: String,
    pub attitude_only: String,
    pub procedure_only: String,
    pub neither: String,
}
