//! Speakers → roles: who in a diarized transcript is the agent, and why.
//!
//! In: a [`Transcript`] whose segments carry role labels, speaker names (`spk0`, `SPEAKER_01`,
//! `声道1`) or nothing, and the user's [`RoleOptions`]. Out: a [`Call`] whose turns all have a
//! role, with [`RoleBasis`] saying how they were decided.
//!
//! In order, what decides: a role label on every segment; a role label inside a speaker's text
//! (`spk0: 客服：您好`), which always wins for that speaker; `--agent-speaker` /
//! `--agent-channel`; then what the speakers say — the one who greets with 工号 or 请问有什么
//! 可以帮您, or asks 还有其他问题吗, is the agent. When nothing tells them apart the first
//! speaker is taken and the call is marked undecided, so it is flagged rather than silently
//! guessed. A transcript with a single unlabelled speaker cannot be graded at all.
//!
//! Recogniser sentences are then joined into turns: consecutive segments of one speaker less
//! than [`JOIN_GAP_MS`] apart are one turn, so a rule about "the agent's first two turns" sees
//! what a listener would call two turns.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::{validate, InputError, Segment, Transcript, Who};
use crate::call::{Call, Confidence, Role, RoleBasis, Turn};

/// The user's say in who the agent is.
#[derive(Debug, Clone, Default)]
pub struct RoleOptions {
    /// `--agent-speaker`: the agent's speaker label (`spk0`, `SPEAKER_01`, `说话人2`), or its
    /// number (`1` is `spk1`, `说话人1` and `SPEAKER_01`).
    pub agent_speaker: Option<String>,
    /// `--agent-channel`: the agent's audio channel in dual-channel recordings.
    pub agent_channel: Option<u32>,
}

/// Sentences of one speaker closer than this are one turn. A longer pause is kept as a turn
/// boundary, because the silence rules measure pauses between turns.
pub const JOIN_GAP_MS: u64 = 2000;

/// How readers name an audio channel as a speaker.
pub fn channel_label(channel: u64) -> String {
    format!("声道{channel}")
}

/// `说话人1`, `发言人 2`, `SPEAKER_00`, `spk0`, `Speaker 1`, `角色1`, `声道0`: a diarized speaker's
/// name, as written (trimmed); `None` for anything else.
pub fn speaker_label(label: &str) -> Option<String> {
    static SPEAKER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:说话人|說話人|发言人|發言人|讲话人|講話人|角色|声道|聲道|通道|speaker|spk|channel|ch)[\s_\-#]*\d{1,3}$")
            .unwrap()
    });
    let label = label.trim();
    SPEAKER.is_match(label).then(|| label.to_string())
}

/// The number at the end of a speaker label (`SPEAKER_01` → 1).
fn speaker_number(label: &str) -> Option<u64> {
    let digits: String = label
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

/// Whether the user's `--agent-speaker` names this speaker.
fn names(wanted: &str, speaker: &str) -> bool {
    if wanted.eq_ignore_ascii_case(speaker) {
        return true;
    }
    match (wanted.parse::<u64>(), speaker_number(speaker)) {
        (Ok(w), Some(s)) => w == s && !speaker.starts_with(['声', '聲', '通']),
        _ => false,
    }
}

/// What agents say and customers do not, with a weight: the strong ones are how an agent opens
/// or closes a call; the weak one is a polite 您好 at the start of a speaker's first sentence.
/// Matched on the folded view, so Traditional and full-width text count too.
const AGENT_CUES: &[(&str, i32)] = &[
    ("工号", 3),
    ("为您服务", 3),
    ("有什么可以帮您", 3),
    ("有什么可以帮到您", 3),
    ("有什么能帮您", 3),
    ("有什么可以为您", 3),
    ("有什么需要帮助", 2),
    ("很高兴为您", 3),
    ("欢迎致电", 3),
    ("欢迎来电", 3),
    ("感谢您的来电", 3),
    ("感谢来电", 3),
    ("还有其他问题", 3),
    ("还有什么问题", 2),
    ("还有其他需要", 3),
    ("还有其他可以帮", 3),
    ("还有什么可以帮", 3),
    ("还有其他业务", 3),
    ("请问是机主", 2),
    ("请问您是机主", 2),
    ("请您稍等", 2),
    ("请稍等", 2),
    ("帮您查询", 2),
    ("为您查询", 2),
    ("给您查询", 2),
    ("帮您查一下", 2),
    ("给您办理", 2),
    ("为您办理", 2),
    ("帮您办理", 2),
    ("请问怎么称呼", 2),
    ("祝您生活愉快", 3),
    ("请对我的服务", 3),
    ("服务评价", 2),
];

/// What customers say to an agent.
const CUSTOMER_CUES: &[(&str, i32)] = &[
    ("我要投诉", 3),
    ("我想投诉", 3),
    ("我想问", 2),
    ("我想查", 2),
    ("我想咨询", 2),
    ("我想办", 2),
    ("我想了解", 1),
    ("我要办", 2),
    ("我要查", 2),
    ("帮我查", 2),
    ("给我查", 2),
    ("你们怎么", 2),
    ("你们这", 2),
    ("你们的", 1),
    ("我的宽带", 2),
    ("我的手机", 2),
    ("我的账户", 2),
    ("我的订单", 2),
    ("我家", 1),
    ("怎么回事", 1),
];

static CUES: LazyLock<(AhoCorasick, Vec<(Role, i32)>)> = LazyLock::new(|| {
    let (patterns, weights): (Vec<&str>, Vec<(Role, i32)>) = AGENT_CUES
        .iter()
        .map(|(p, w)| (*p, (Role::Agent, *w)))
        .chain(
            CUSTOMER_CUES
                .iter()
                .map(|(p, w)| (*p, (Role::Customer, *w))),
        )
        .unzip();
    (AhoCorasick::new(patterns).unwrap(), weights)
});

/// Turns a transcript into a call, deciding the roles.
pub fn assign(transcript: Transcript, options: &RoleOptions) -> Result<Call, InputError> {
    let Transcript {
        id,
        meta,
        mut segments,
        duration_ms,
        sentences,
    } = transcript;
    for s in &mut segments {
        s.text = crate::normalize::clean_owned(std::mem::take(&mut s.text));
    }
    // A segment that is only noise or an empty recogniser sentence carries nothing to grade.
    segments.retain(|s| !s.text.trim().is_empty());
    // Recognisers may list sentences by channel or speaker rather than by time: the
    // conversation is their order in time. The sort is stable, so equal times keep file order.
    if sentences && segments.iter().all(|s| s.begin.is_some()) {
        segments.sort_by_key(|s| s.begin);
    }
    if segments.is_empty() {
        return Err(InputError::NoSpeech(
            "转写中没有任何有文字的语句 (turns/句子列表为空,或每句的文字都为空)".into(),
        ));
    }
    let roles = decide(&mut segments, options)?;
    let mut turns: Vec<Turn> = Vec::with_capacity(segments.len());
    let agent = roles.agent_speaker().map(str::to_string);
    for mut s in segments {
        let (role, speaker) = match std::mem::take(&mut s.who) {
            Who::Role(role) => (role, None),
            Who::Speaker(name) => {
                let role = if Some(&name) == agent.as_ref() {
                    Role::Agent
                } else {
                    Role::Customer
                };
                (role, Some(name))
            }
            Who::Labelled(name, role) => (role, Some(name)),
            Who::Unknown => unreachable!("decide() names every speaker"),
        };
        if sentences {
            if let Some(last) = turns.last_mut() {
                let close = match (last.end, s.begin) {
                    (Some(end), Some(begin)) => begin.saturating_sub(end) < JOIN_GAP_MS,
                    _ => true,
                };
                if last.role == role && last.speaker == speaker && close {
                    join_text(&mut last.text, &s.text);
                    last.end = s.end.or(last.end);
                    last.begin = last.begin.or(s.begin);
                    let at = last.text.chars().count() - s.text.trim_start().chars().count();
                    last.confidence.extend(confidence(&s, at));
                    continue;
                }
            }
        }
        let confidence = confidence(&s, 0);
        turns.push(Turn {
            role,
            text: s.text,
            begin: s.begin,
            end: s.end,
            speaker,
            signals: s.signals,
            confidence,
        });
    }
    let mut call = Call {
        id: id.unwrap_or_default(),
        duration_ms: duration_ms.or_else(|| super::duration_in_meta(&meta)),
        meta,
        turns,
        roles,
        channel: Default::default(),
    };
    call.channel = call.channel_in_meta().unwrap_or_default();
    validate(call)
}

/// The stretches of a segment the recogniser scored, as offsets into the turn where its text
/// (without leading spaces) starts at character `at`: each scored word found in order in the
/// text, or the whole text when it scored no word it wrote there.
fn confidence(s: &Segment, at: usize) -> Vec<Confidence> {
    let text: Vec<char> = s.text.trim_start().chars().collect();
    let mut out = Vec::new();
    let mut from = 0;
    for (word, value) in &s.words {
        let word: Vec<char> = word.trim().chars().collect();
        if word.is_empty() {
            continue;
        }
        // A word the text does not hold (cleaned away, or the recogniser's own spelling) is
        // skipped; the search goes on from where the last word ended.
        let found =
            (from..=text.len().saturating_sub(word.len())).find(|&i| text[i..].starts_with(&word));
        if let Some(i) = found {
            out.push(Confidence {
                start: at + i,
                end: at + i + word.len(),
                value: *value,
            });
            from = i + word.len();
        }
    }
    if out.is_empty() {
        if let Some(value) = s.confidence {
            out.push(Confidence {
                start: at,
                end: at + text.len(),
                value,
            });
        }
    }
    out
}

/// Joins a recogniser's next sentence to the turn: directly after punctuation, after a space
/// otherwise, so unpunctuated words do not run together.
fn join_text(turn: &mut String, next: &str) {
    let ends_clause = turn
        .chars()
        .last()
        .is_some_and(|c| c.is_whitespace() || "，。！？、；：,.!?;:…~—".contains(c));
    if !ends_clause {
        turn.push(' ');
    }
    turn.push_str(next.trim_start());
}

/// Settles every segment's speaker, returning which one is the agent and why. Segments with
/// role labels keep them.
fn decide(segments: &mut [Segment], options: &RoleOptions) -> Result<RoleBasis, InputError> {
    // A role label at the start of a speaker's text names the speaker's role. Segments whose
    // role the input already gave keep it, whatever their words start with.
    let mut labelled: BTreeMap<String, Role> = BTreeMap::new();
    for s in segments.iter_mut() {
        if matches!(s.who, Who::Role(_) | Who::Labelled(..)) {
            continue;
        }
        if let Some((role, rest)) = super::text::split_exact_role(&s.text) {
            let rest = rest.trim_start().to_string();
            // The label decides this segment; the speaker's first label decides its others.
            s.who = match &s.who {
                Who::Speaker(name) => {
                    labelled.entry(name.clone()).or_insert(role);
                    Who::Labelled(name.clone(), role)
                }
                _ => Who::Role(role),
            };
            s.text = rest;
        }
    }
    let speakers: Vec<String> = {
        let mut seen = Vec::new();
        for s in segments.iter() {
            if let Who::Speaker(name) = &s.who {
                if !seen.contains(name) {
                    seen.push(name.clone());
                }
            }
        }
        seen
    };
    let unknown = segments.iter().any(|s| s.who == Who::Unknown);
    if speakers.is_empty() && !unknown {
        return Ok(RoleBasis::Labels);
    }
    if unknown {
        // Unlabelled segments of a transcript that otherwise has roles continue the turn before
        // them (a subtitle cue without its speaker); without any, nothing can be decided.
        let has_roles = segments.iter().any(|s| !matches!(s.who, Who::Unknown));
        if !has_roles {
            return Err(InputError::Roles(
                "转写没有区分说话人 (没有角色标签,也没有说话人分离的结果),无法判断哪些话是客服说的;\
                 请在识别时开启说话人分离/双声道,或在文本中标注“客服：”“客户：”"
                    .into(),
            ));
        }
        let mut previous = Who::Unknown;
        for s in segments.iter_mut() {
            if s.who == Who::Unknown {
                s.who = previous.clone();
            }
            previous = s.who.clone();
        }
        // Leading unlabelled segments take the first label that follows.
        let first = segments
            .iter()
            .find(|s| s.who != Who::Unknown)
            .map(|s| s.who.clone())
            .unwrap_or_default();
        for s in segments.iter_mut().take_while(|s| s.who == Who::Unknown) {
            s.who = first.clone();
        }
        if speakers.is_empty() {
            return Ok(RoleBasis::Labels);
        }
    }
    // Speakers whose own text labels them keep that role whoever is chosen as the agent.
    let decided = |basis: RoleBasis, segments: &mut [Segment]| {
        for s in segments.iter_mut() {
            if let Who::Speaker(name) = &s.who {
                if let Some(role) = labelled.get(name) {
                    s.who = Who::Labelled(name.clone(), *role);
                }
            }
        }
        basis
    };
    if let Some((agent, _)) = labelled.iter().find(|(_, r)| **r == Role::Agent) {
        let agent = agent.clone();
        return Ok(decided(RoleBasis::LabelInText { agent }, segments));
    }
    if let Some(channel) = options.agent_channel {
        let wanted = channel_label(channel as u64);
        return match speakers.iter().find(|s| **s == wanted) {
            Some(agent) => Ok(decided(
                RoleBasis::Given {
                    agent: agent.clone(),
                },
                segments,
            )),
            None => Err(InputError::Roles(format!(
                "此通话没有 --agent-channel 指定的声道 {channel} (说话人: {})",
                speakers.join("、")
            ))),
        };
    }
    if let Some(wanted) = &options.agent_speaker {
        return match speakers.iter().find(|s| names(wanted, s)) {
            Some(agent) => Ok(decided(
                RoleBasis::Given {
                    agent: agent.clone(),
                },
                segments,
            )),
            None => Err(InputError::Roles(format!(
                "此通话没有 --agent-speaker 指定的说话人 {wanted} (说话人: {})",
                speakers.join("、")
            ))),
        };
    }
    let unlabelled: Vec<&String> = speakers
        .iter()
        .filter(|s| !labelled.contains_key(*s))
        .collect();
    if unlabelled.is_empty() {
        // Every speaker labelled, none of them as the agent: the labels stand (and the call
        // is refused for having no agent).
        return Ok(decided(RoleBasis::Labels, segments));
    }
    let given = |role: Role| {
        labelled.values().any(|r| *r == role) || segments.iter().any(|s| s.who == Who::Role(role))
    };
    if given(Role::Agent) {
        // The agent's turns carry a label; the speakers without one are the customer.
        return Ok(decided(RoleBasis::Labels, segments));
    }
    if unlabelled.len() == 1 && given(Role::Customer) {
        // The customer is labelled; the one other speaker is the agent.
        let agent = unlabelled[0].clone();
        return Ok(decided(RoleBasis::LabelInText { agent }, segments));
    }
    if speakers.len() == 1
        && !segments
            .iter()
            .any(|s| matches!(s.who, Who::Role(_) | Who::Labelled(..)))
    {
        return Err(InputError::Roles(format!(
            "转写中只有一个说话人 ({}),无法区分客服和客户;请在识别时开启说话人分离或双声道",
            speakers[0]
        )));
    }
    let basis = by_cues(segments, &unlabelled);
    Ok(decided(basis, segments))
}

fn name_of(who: &Who) -> Option<&str> {
    match who {
        Who::Speaker(name) => Some(name),
        _ => None,
    }
}

/// What one speaker said that tells the roles apart.
#[derive(Clone, Default)]
struct Said {
    score: i32,
    /// The weightiest agent cue, as said.
    agent_cue: Option<(i32, String)>,
    /// The weightiest customer cue, as said.
    customer_cue: Option<(i32, String)>,
}

/// Scores each candidate speaker by what it says. The one clear winner is the agent — by its
/// own agent cue, or, when it said none, because the others talked like customers. No clear
/// winner: the first candidate, undecided.
fn by_cues(segments: &[Segment], candidates: &[&String]) -> RoleBasis {
    let (matcher, weights) = &*CUES;
    let mut said: Vec<Said> = vec![Said::default(); candidates.len()];
    let mut first_seen = vec![false; candidates.len()];
    for s in segments {
        let Some(i) = name_of(&s.who).and_then(|n| candidates.iter().position(|c| *c == n)) else {
            continue;
        };
        // 您 stays 您: the polite form is what marks an agent (为您服务, 帮您查询); a
        // customer's 你稍等 is not a cue.
        let folded = crate::normalize::fold_keeping_nin(&s.text);
        let original: Vec<char> = s.text.chars().collect();
        // The cue as said, in the speaker's own script: the folded view is one character for
        // one character.
        let as_said = |start: usize, end: usize| -> String {
            let from = folded[..start].chars().count();
            let len = folded[start..end].chars().count();
            original[from..from + len].iter().collect()
        };
        let keep = |slot: &mut Option<(i32, String)>, weight: i32, text: String| {
            if slot.as_ref().is_none_or(|(w, _)| weight > *w) {
                *slot = Some((weight, text));
            }
        };
        if !first_seen[i] {
            first_seen[i] = true;
            if folded.trim_start().starts_with("您好") {
                said[i].score += 1;
                keep(&mut said[i].agent_cue, 1, "您好".to_string());
            }
        }
        for m in matcher.find_iter(&folded) {
            let (role, weight) = weights[m.pattern().as_usize()];
            let text = as_said(m.start(), m.end());
            match role {
                Role::Agent => {
                    said[i].score += weight;
                    keep(&mut said[i].agent_cue, weight, text);
                }
                Role::Customer => {
                    said[i].score -= weight;
                    keep(&mut said[i].customer_cue, weight, text);
                }
            }
        }
    }
    let best = (0..candidates.len()).max_by_key(|&i| (said[i].score, std::cmp::Reverse(i)));
    let Some(best) = best else {
        return RoleBasis::Undecided {
            agent: candidates[0].clone(),
        };
    };
    let clear = (0..candidates.len()).all(|j| j == best || said[j].score < said[best].score);
    let agent = candidates[best].clone();
    match (&said[best].agent_cue, clear) {
        (Some((_, evidence)), true) if said[best].score > 0 => RoleBasis::Cues {
            agent,
            evidence: evidence.clone(),
        },
        (_, true) => {
            // The others scored lower: the lowest talked most like a customer.
            let customer = (0..candidates.len())
                .filter(|&j| j != best)
                .min_by_key(|&j| (said[j].score, j));
            match customer.and_then(|j| said[j].customer_cue.clone().map(|c| (j, c))) {
                Some((j, (_, evidence))) => RoleBasis::CustomerCues {
                    agent,
                    customer: candidates[j].clone(),
                    evidence,
                },
                None => RoleBasis::Undecided {
                    agent: candidates[0].clone(),
                },
            }
        }
        (_, false) => RoleBasis::Undecided {
            agent: candidates[0].clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(who: &str, text: &str, begin: u64, end: u64) -> Segment {
        Segment {
            who: Who::Speaker(who.into()),
            text: text.into(),
            begin: Some(begin),
            end: Some(end),
            ..Segment::default()
        }
    }

    fn transcript(segments: Vec<Segment>) -> Transcript {
        Transcript {
            segments,
            sentences: true,
            ..Transcript::default()
        }
    }

    #[test]
    fn the_speaker_who_greets_with_a_staff_number_is_the_agent() {
        let call = assign(
            transcript(vec![
                seg("spk0", "喂你好我的宽带又断了", 0, 2000),
                seg("spk1", "您好工号1024很高兴为您服务", 2500, 4000),
                seg("spk0", "你们怎么回事", 4200, 5000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(call.turns[0].role, Role::Customer);
        assert_eq!(call.turns[1].role, Role::Agent);
        assert_eq!(call.turns[1].speaker.as_deref(), Some("spk1"));
        assert!(
            matches!(&call.roles, RoleBasis::Cues { agent, evidence } if agent == "spk1" && evidence == "工号")
        );
    }

    #[test]
    fn traditional_cues_count_and_are_quoted_as_said() {
        let call = assign(
            transcript(vec![
                seg("A", "您好!我是某服務中心32號,竭誠為您服務", 0, 3000),
                seg("B", "你能不能讓我少等會兒?", 3200, 5000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(
            call.roles,
            RoleBasis::Cues {
                agent: "A".into(),
                evidence: "為您服務".into()
            }
        );
    }

    #[test]
    fn nothing_to_tell_them_apart_is_undecided_not_a_silent_guess() {
        let call = assign(
            transcript(vec![
                seg("spk0", "嗯", 0, 500),
                seg("spk1", "好的", 800, 1200),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(
            call.roles,
            RoleBasis::Undecided {
                agent: "spk0".into()
            }
        );
        assert!(call.roles.is_undecided());
        // A tie is undecided too.
        let call = assign(
            transcript(vec![
                seg("spk0", "请稍等", 0, 500),
                seg("spk1", "请稍等", 800, 1200),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert!(call.roles.is_undecided());
    }

    #[test]
    fn a_label_in_the_text_wins_over_cues_and_options() {
        let options = RoleOptions {
            agent_speaker: Some("spk0".into()),
            agent_channel: None,
        };
        let call = assign(
            transcript(vec![
                seg("spk0", "您好工号1024", 0, 1000),
                seg("spk1", "客服：请问还有其他问题吗", 1500, 2000),
            ]),
            &options,
        )
        .unwrap();
        assert_eq!(call.turns[1].role, Role::Agent);
        assert_eq!(call.turns[1].text, "请问还有其他问题吗");
        assert_eq!(call.turns[0].role, Role::Customer);
        assert!(matches!(call.roles, RoleBasis::LabelInText { .. }));
    }

    #[test]
    fn given_speakers_and_channels() {
        let t = || {
            transcript(vec![
                seg("SPEAKER_00", "我想问一下", 0, 1000),
                seg("SPEAKER_01", "嗯", 1500, 2000),
            ])
        };
        let by_number = RoleOptions {
            agent_speaker: Some("1".into()),
            ..RoleOptions::default()
        };
        let call = assign(t(), &by_number).unwrap();
        assert_eq!(call.turns[1].role, Role::Agent);
        assert_eq!(
            call.roles,
            RoleBasis::Given {
                agent: "SPEAKER_01".into()
            }
        );
        let absent = RoleOptions {
            agent_speaker: Some("spk7".into()),
            ..RoleOptions::default()
        };
        let err = assign(t(), &absent).unwrap_err().to_string();
        assert!(err.contains("SPEAKER_00、SPEAKER_01"), "{err}");
        let channel = RoleOptions {
            agent_channel: Some(0),
            ..RoleOptions::default()
        };
        let call = assign(
            transcript(vec![
                seg("声道1", "喂", 0, 500),
                seg("声道0", "您好", 800, 1000),
            ]),
            &channel,
        )
        .unwrap();
        assert_eq!(call.turns[1].role, Role::Agent);
        assert!(assign(t(), &channel).is_err(), "speakers are not channels");
    }

    /// A recogniser's confidence lands on the characters it scored, wherever joining sentences
    /// and removing a role label moved them: each scored word where it is found in order, or
    /// the whole sentence; a word the text does not hold is passed over.
    #[test]
    fn confidence_follows_the_words_into_the_turn() {
        let scored = |who, text: &str, begin, whole: Option<f32>, words: &[(&str, f32)]| Segment {
            confidence: whole,
            words: words.iter().map(|(w, p)| (w.to_string(), *p)).collect(),
            ..seg(who, text, begin, begin + 400)
        };
        let call = assign(
            transcript(vec![
                scored("a", "客服：您好 工号1024", 0, Some(0.9), &[]),
                scored(
                    "a",
                    " 请问有什么可以帮您",
                    500,
                    None,
                    &[("请问", 0.8), ("什么", 0.3), ("帮帮", 0.1), ("可以", 0.7)],
                ),
                scored("b", "我要投诉", 5000, None, &[]),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        let t = &call.turns[0];
        assert_eq!(t.text, "您好 工号1024 请问有什么可以帮您");
        let spans: Vec<(String, f32)> = t
            .confidence
            .iter()
            .map(|c| {
                (
                    t.text.chars().skip(c.start).take(c.end - c.start).collect(),
                    c.value,
                )
            })
            .collect();
        assert_eq!(
            spans,
            [
                ("您好 工号1024".to_string(), 0.9),
                ("请问".to_string(), 0.8),
                ("什么".to_string(), 0.3),
                ("可以".to_string(), 0.7),
            ]
        );
        // The least of what a quote touches; nothing where nothing was scored.
        assert_eq!(t.confidence_in(10, 15), Some(0.3));
        assert_eq!(t.confidence_in(13, 13), Some(0.3));
        assert_eq!(t.confidence_in(12, 13), None);
        assert_eq!(t.confidence_in(17, 19), None);
        assert!(call.turns[1].confidence.is_empty());
    }

    #[test]
    fn sentences_join_into_turns_unless_a_pause_separates_them() {
        let call = assign(
            transcript(vec![
                seg("a", "您好", 0, 500),
                seg("a", "工号1024", 600, 1500),
                seg("a", "请稍等。", 1600, 2000),
                seg("a", "我查一下", 2100, 2500),
                seg("a", "让您久等了", 15000, 16000),
                seg("b", "好", 16500, 17000),
                // Exactly the joining gap apart: a new turn.
                seg("b", "谢谢", 19000, 19500),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(call.turns.len(), 4);
        // A space only where the recogniser left no punctuation.
        assert_eq!(call.turns[0].text, "您好 工号1024 请稍等。我查一下");
        assert_eq!(
            (call.turns[0].begin, call.turns[0].end),
            (Some(0), Some(2500))
        );
        assert_eq!(call.turns[1].text, "让您久等了");
    }

    #[test]
    fn sentences_listed_by_channel_are_put_in_time_order() {
        let call = assign(
            transcript(vec![
                seg("声道0", "我想查话费", 3000, 4000),
                seg("声道0", "好的谢谢", 9000, 9500),
                seg("声道1", "您好工号1024", 0, 2500),
                seg("声道1", "请您稍等", 5000, 6000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        let texts: Vec<&str> = call.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            ["您好工号1024", "我想查话费", "请您稍等", "好的谢谢"]
        );
    }

    #[test]
    fn the_one_who_talks_like_the_customer_is_not_the_agent() {
        let call = assign(
            transcript(vec![
                seg("spk0", "喂,我想查一下话费", 0, 2000),
                seg("spk1", "好的,您稍等", 2500, 4000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(call.turns[1].role, Role::Agent);
        assert_eq!(
            call.roles.describe(),
            "spk0 说了“我想查”,是客户;spk1 判定为客服"
        );
        assert!(!call.roles.is_undecided());
    }

    #[test]
    fn speech_that_starts_like_a_label_is_not_one() {
        let call = assign(
            transcript(vec![
                seg("spk0", "您好,工号1024,请问有什么可以帮您", 0, 2000),
                seg("spk1", "客服您好：我的宽带断了", 2500, 4000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert_eq!(call.turns[0].role, Role::Agent);
        assert_eq!(call.turns[1].text, "客服您好：我的宽带断了");
        // Turns whose role the input gave keep it.
        let labelled = Transcript {
            segments: vec![
                Segment {
                    who: Who::Role(Role::Agent),
                    text: "客户反映：宽带断了三天".into(),
                    ..Segment::default()
                },
                Segment {
                    who: Who::Speaker("说话人2".into()),
                    text: "我要查话费".into(),
                    ..Segment::default()
                },
            ],
            ..Transcript::default()
        };
        let call = assign(labelled, &RoleOptions::default()).unwrap();
        assert_eq!(call.turns[0].role, Role::Agent);
        assert_eq!(call.turns[0].text, "客户反映：宽带断了三天");
        // With the agent labelled, the lone numbered speaker is the customer.
        assert_eq!(call.turns[1].role, Role::Customer);
        assert_eq!(call.roles, RoleBasis::Labels);
    }

    #[test]
    fn unlabelled_segments_take_the_speaker_around_them() {
        let unlabelled = |text: &str| Segment {
            text: text.into(),
            ..Segment::default()
        };
        let role = |role: Role, text: &str| Segment {
            who: Who::Role(role),
            text: text.into(),
            ..Segment::default()
        };
        // A subtitle whose speaker is named only when it changes.
        let call = assign(
            transcript(vec![
                unlabelled("您好"),
                role(Role::Agent, "工号1024为您服务"),
                role(Role::Customer, "我想查话费"),
                unlabelled("上个月的"),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        let roles: Vec<Role> = call.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles, [Role::Agent, Role::Customer]);
        assert_eq!(call.turns[0].text, "您好 工号1024为您服务");
        assert_eq!(call.turns[1].text, "我想查话费 上个月的");
    }

    #[test]
    fn a_labelled_customer_makes_the_one_other_speaker_the_agent() {
        let call = assign(
            transcript(vec![
                seg("spk0", "嗯,好的", 0, 1000),
                seg("spk1", "客户：我要投诉", 1500, 2500),
                seg("spk0", "您说", 3000, 3500),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        let roles: Vec<Role> = call.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles, [Role::Agent, Role::Customer, Role::Agent]);
        assert_eq!(
            call.roles,
            RoleBasis::LabelInText {
                agent: "spk0".into()
            }
        );
        // With two unlabelled speakers beside the customer, the labels do not decide.
        let call = assign(
            transcript(vec![
                seg("spk0", "嗯", 0, 1000),
                seg("spk1", "客户：我要投诉", 1500, 2500),
                seg("spk2", "好", 3000, 3500),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        assert!(call.roles.is_undecided(), "{:?}", call.roles);
    }

    #[test]
    fn a_polite_first_word_is_a_weak_cue_and_only_counts_first() {
        let call = assign(
            transcript(vec![
                seg("spk0", "嗯", 0, 500),
                seg("spk1", "您好", 800, 1200),
                seg("spk0", "您好", 1500, 2000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        // spk0 says 您好 too, but not first: spk1 is the one who greeted.
        assert_eq!(
            call.roles,
            RoleBasis::Cues {
                agent: "spk1".into(),
                evidence: "您好".into()
            }
        );
    }

    #[test]
    fn each_labelled_sentence_keeps_its_own_label() {
        // One recogniser speaker for both sides, told apart only by labels in the text.
        let call = assign(
            transcript(vec![
                seg("spk0", "客服：您好,工号1024", 0, 1000),
                seg("spk0", "客户：我想查话费", 3500, 4000),
                seg("spk0", "客服：好的", 6500, 7000),
            ]),
            &RoleOptions::default(),
        )
        .unwrap();
        let roles: Vec<Role> = call.turns.iter().map(|t| t.role).collect();
        assert_eq!(roles, [Role::Agent, Role::Customer, Role::Agent]);
        assert_eq!(call.turns[1].text, "我想查话费");
    }

    #[test]
    fn speakers_all_labelled_customers_have_no_agent() {
        let err = assign(
            transcript(vec![
                seg("spk0", "客户：喂", 0, 500),
                seg("spk1", "客户：在吗", 800, 1200),
            ]),
            &RoleOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err, InputError::NoAgentTurn);
    }

    #[test]
    fn one_speaker_or_none_cannot_be_graded() {
        let err = assign(
            transcript(vec![
                seg("spk0", "您好", 0, 500),
                seg("spk0", "好的", 800, 1200),
            ]),
            &RoleOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, InputError::Roles(_)));
        let unknown = Transcript {
            segments: vec![Segment {
                text: "您好".into(),
                ..Segment::default()
            }],
            ..Transcript::default()
        };
        assert!(matches!(
            assign(unknown, &RoleOptions::default()),
            Err(InputError::Roles(_))
        ));
        let empty = Transcript::default();
        assert!(matches!(
            assign(empty, &RoleOptions::default()),
            Err(InputError::NoSpeech(_))
        ));
    }

    #[test]
    fn speaker_labels() {
        for label in [
            "说话人1",
            "發言人 2",
            "SPEAKER_00",
            "spk0",
            "Speaker 1",
            "声道0",
            "角色2",
        ] {
            assert!(speaker_label(label).is_some(), "{label}");
        }
        for label in ["客服", "张三", "speaker", "说话人一二"] {
            assert!(speaker_label(label).is_none(), "{label}");
        }
    }
}
