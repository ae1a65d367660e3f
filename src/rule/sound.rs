//! Sound-alike matching (听音匹配): a turn's folded text → its sound view, where characters
//! that a speech recogniser confuses are the same character.
//!
//! In: `sound-alike.toml` of the rule set (which initials, finals and syllables the recogniser
//! hears as one), and folded text (a turn, or a term of a `sound_alike = true` condition). Out:
//! the same text with every common ideograph replaced by a private-use character that stands
//! for its toneless pinyin syllable as the table groups it: 稍等 and 少等 both become the two
//! characters of "shao deng", 工号 and 公号 of "gong hao", 领导 and 宁导 of "ling dao" when n and
//! l are one sound.
//!
//! The view is exactly as long as the folded text, byte for byte (an ideograph of U+3400–U+9FFF
//! and a private-use character of U+E000–U+F8FF are both three bytes in UTF-8), so a match in
//! the sound view is a match at the same offsets of the folded view and of the original turn:
//! nothing maps offsets back. ASCII, punctuation, spaces and Chinese numerals keep their own
//! characters, so clause edges, gaps and the `{数字}` entity mean the same in both views.
//!
//! A character has one reading here, the first (most common) the pinyin table gives: the
//! recogniser chose a character for its sound, and reading it back by its usual sound is
//! what finds the word it stood for.

use std::collections::HashMap;
use std::sync::Arc;

use pinyin::ToPinyin;
use serde::Deserialize;

use super::explain::toml_error;
use super::{RuleError, RuleSource};

/// The file of a rule set that says which sounds the recogniser confuses.
pub(crate) const SOUND_FILE: &str = "sound-alike.toml";

/// The ideographs given a sound: CJK Extension A and the Unified Ideographs, every character
/// of common text, all three bytes long in UTF-8.
const FIRST: char = '\u{3400}';
const LAST: char = '\u{9FFF}';
/// The first private-use character: the sound with key `k` is `BASE + k`.
const BASE: u32 = 0xE000;
/// Private-use characters available in the Basic Multilingual Plane (U+E000–U+F8FF). Toneless
/// Mandarin has about 410 syllables.
const MAX_SOUNDS: usize = 0x1900;

/// Numerals keep their characters: a phone number, a 工号 or a duration is matched by the
/// entities' own patterns in both views.
const NUMERALS: &str = "〇零一二两三四五六七八九十百千万亿几幺";

/// Initials, longest first so that `zh` is not read as `z`.
const INITIALS: [&str; 23] = [
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s", "y", "w",
];

/// `sound-alike.toml` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SoundFile {
    /// Groups of initials heard as one (`["n", "l"]`).
    #[serde(default)]
    initials: Vec<Vec<String>>,
    /// Groups of finals heard as one, matched at the end of the final (`["an", "ang"]` makes
    /// `iang` and `ian` one too).
    #[serde(default)]
    finals: Vec<Vec<String>>,
    /// Whole syllables heard as one (`["nin", "ni"]`: 您 as 你).
    #[serde(default)]
    syllables: Vec<Vec<String>>,
}

/// The sound of every ideograph, with the rule set's confusions applied.
#[derive(Debug)]
pub(crate) struct Sounds {
    /// For each character from [`FIRST`] to [`LAST`], its sound's key + 1; 0 for a character
    /// that keeps itself (no reading, or a numeral).
    table: Vec<u16>,
}

impl Sounds {
    /// Reads `sound-alike.toml`, or takes sounds as pinyin spells them when the rule set has
    /// none.
    pub(crate) fn compile(src: Option<&RuleSource>) -> Result<Sounds, RuleError> {
        let file = match src {
            None => SoundFile::default(),
            Some(src) => {
                let text: Arc<str> = src.text.as_str().into();
                let file: SoundFile =
                    toml::from_str(&src.text).map_err(|e| toml_error(&src.path, &text, &e))?;
                let known = |s: &str| s.chars().all(|c| c.is_ascii_lowercase()) && !s.is_empty();
                let lists = [
                    ("initials", &file.initials),
                    ("finals", &file.finals),
                    ("syllables", &file.syllables),
                ];
                for (key, groups) in lists {
                    for group in groups {
                        if group.len() < 2 {
                            return Err(RuleError::new(
                                &src.path,
                                &text,
                                None,
                                format!("{key} 的每一组至少要写两个拼音,如 [\"n\", \"l\"]"),
                            ));
                        }
                        if let Some(bad) = group.iter().find(|s| !known(s)) {
                            return Err(RuleError::new(
                                &src.path,
                                &text,
                                None,
                                format!("{key} 中的 \"{bad}\" 不是不带声调的小写拼音"),
                            ));
                        }
                        if key == "initials" {
                            if let Some(bad) =
                                group.iter().find(|s| !INITIALS.contains(&s.as_str()))
                            {
                                return Err(RuleError::new(
                                    &src.path,
                                    &text,
                                    None,
                                    format!(
                                        "initials 中的 \"{bad}\" 不是声母;声母有 {}",
                                        INITIALS.join(" ")
                                    ),
                                ));
                            }
                        }
                    }
                }
                file
            }
        };
        Ok(Sounds::with(&file))
    }

    fn with(file: &SoundFile) -> Sounds {
        let mut keys: HashMap<String, u16> = HashMap::new();
        // Twenty thousand ideographs share four hundred readings: each is heard once (at
        // start-up, a run's first cost).
        let mut heard: HashMap<&'static str, u16> = HashMap::new();
        let numerals: Vec<char> = NUMERALS.chars().collect();
        let table = (FIRST..=LAST)
            .map(|c| {
                let reading = match c.to_pinyin() {
                    Some(r) if !numerals.contains(&c) => r.plain(),
                    _ => return 0,
                };
                let key = *heard.entry(reading).or_insert_with(|| {
                    let next = keys.len() as u16;
                    *keys.entry(canonical(reading, file)).or_insert(next)
                });
                key + 1
            })
            .collect();
        debug_assert!(keys.len() < MAX_SOUNDS);
        Sounds { table }
    }

    /// The key of `c`'s sound, if it has one.
    pub(crate) fn key(&self, c: char) -> Option<u16> {
        if !(FIRST..=LAST).contains(&c) {
            return None;
        }
        match self.table[(c as u32 - FIRST as u32) as usize] {
            0 => None,
            k => Some(k - 1),
        }
    }

    /// `c` as the sound view writes it.
    fn sound_of(&self, c: char) -> char {
        match self.key(c) {
            Some(k) => char::from_u32(BASE + u32::from(k)).expect("a private-use character"),
            // A private-use character of the text itself must not pass for a sound.
            None if (BASE..BASE + MAX_SOUNDS as u32).contains(&(c as u32)) => '\u{FFFD}',
            None => c,
        }
    }

    /// The sound view of folded text: the same length in bytes, ideographs replaced by their
    /// sounds. Also applied to the literal characters of a term's regex, whose syntax is ASCII.
    pub(crate) fn transcribe(&self, folded: &str) -> String {
        let mut out = String::with_capacity(folded.len());
        out.extend(folded.chars().map(|c| self.sound_of(c)));
        debug_assert_eq!(out.len(), folded.len());
        out
    }

    /// How many characters of `text` have a sound: a term needs two to be matched by sound.
    pub(crate) fn syllable_count(&self, text: &str) -> usize {
        text.chars().filter(|&c| self.key(c).is_some()).count()
    }
}

/// How to write back, in the characters a term uses, what a recogniser wrote for it: the
/// evidence then says 听写为“少等”,按“稍等”匹配.
#[derive(Debug, Clone, Default)]
pub(crate) struct Respell {
    /// The term's own characters, which stand for themselves.
    own: Vec<char>,
    /// For each sound of the term, the first of its characters with that sound.
    by_sound: Vec<(u16, char)>,
}

impl Respell {
    /// From the characters of a term as written (a regex over the folded view, or, with 您,
    /// over the view that keeps 您 apart from 你).
    pub(crate) fn of(sounds: &Sounds, term: &str) -> Respell {
        let mut r = Respell::default();
        for c in term.chars() {
            if let Some(k) = sounds.key(c) {
                if !r.own.contains(&c) {
                    r.own.push(c);
                }
                if !r.by_sound.iter().any(|&(s, _)| s == k) {
                    r.by_sound.push((k, c));
                }
            }
        }
        r
    }

    /// `heard` (folded) with each character that is not the term's own replaced by the term's
    /// character of the same sound.
    pub(crate) fn apply(&self, sounds: &Sounds, heard: &str) -> String {
        heard
            .chars()
            .map(|c| {
                if self.own.contains(&c) {
                    return c;
                }
                sounds
                    .key(c)
                    .and_then(|k| self.by_sound.iter().find(|&&(s, _)| s == k))
                    .map_or(c, |&(_, own)| own)
            })
            .collect()
    }
}

/// A syllable as the confusion table hears it: the initial's group, then the end of the
/// final's, and last the group of whole syllables that sounds like one of (each group is named
/// by its first member). 宁 (ning) is then 您 (nin) when in/ing are one, and 你 (ni) too when
/// nin/ni are.
fn canonical(syllable: &str, file: &SoundFile) -> String {
    let heard = phonetic(syllable, file);
    file.syllables
        .iter()
        .find(|g| g.iter().any(|m| phonetic(m, file) == heard))
        .map_or(heard, |g| phonetic(&g[0], file))
}

/// A syllable with its initial and final replaced by their groups' first members.
fn phonetic(syllable: &str, file: &SoundFile) -> String {
    let first_of = |groups: &[Vec<String>], s: &str| {
        groups
            .iter()
            .find(|g| g.iter().any(|m| m == s))
            .map(|g| g[0].clone())
    };
    let initial = INITIALS
        .iter()
        .find(|i| syllable.starts_with(*i))
        .copied()
        .unwrap_or("");
    let fin = &syllable[initial.len()..];
    let initial = first_of(&file.initials, initial).unwrap_or_else(|| initial.to_string());
    // The longest member of any group that ends the final decides: `iang` ends in `ang`.
    let fin = file
        .finals
        .iter()
        .flat_map(|g| g.iter().map(move |m| (m, &g[0])))
        .filter(|(m, _)| fin.ends_with(m.as_str()))
        .max_by_key(|(m, _)| m.len())
        .map_or_else(
            || fin.to_string(),
            |(m, first)| format!("{}{first}", &fin[..fin.len() - m.len()]),
        );
    format!("{initial}{fin}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asr() -> Sounds {
        Sounds::compile(Some(&RuleSource {
            path: SOUND_FILE.into(),
            text: r#"
initials = [["n", "l"], ["z", "zh"], ["c", "ch"], ["s", "sh"], ["f", "h"]]
finals = [["an", "ang"], ["en", "eng"], ["in", "ing"]]
syllables = [["ni", "nin"]]
"#
            .into(),
        }))
        .unwrap()
    }

    #[test]
    fn what_a_recogniser_confuses_sounds_the_same() {
        let s = asr();
        let same = |a: &str, b: &str| s.transcribe(a) == s.transcribe(b);
        // Homophones, whatever the tone.
        for (said, heard) in [
            ("稍等", "少等"),
            ("工号", "公号"),
            ("抱歉", "报歉"),
            ("领导", "领到"),
            ("柜员机", "贵员机"),
            ("喂你好", "为你好"),
            // The table's confusions: n/l, zh/z, an/ang, in/ing, 您/你.
            ("领导", "宁导"),
            ("知道", "资道"),
            ("帮忙", "班忙"),
            ("您好", "你好"),
            ("请问", "轻问"),
        ] {
            assert!(same(said, heard), "{said} / {heard}");
        }
        for (a, b) in [
            ("稍等", "稍后"),
            ("工号", "工作"),
            ("您好", "您早"),
            ("喂", "好"),
        ] {
            assert!(!same(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn without_a_table_only_homophones_are_the_same() {
        let s = Sounds::compile(None).unwrap();
        assert_eq!(s.transcribe("少等"), s.transcribe("稍等"));
        assert_ne!(s.transcribe("领导"), s.transcribe("宁导"));
        assert_ne!(s.transcribe("您好"), s.transcribe("你好"));
    }

    /// The view keeps every offset: numerals, Latin letters, digits, punctuation and spaces
    /// are themselves, and a private-use character in the text is not taken for a sound.
    #[test]
    fn the_view_is_byte_for_byte_as_long_and_keeps_what_is_not_an_ideograph() {
        let s = asr();
        let text = "工号 1024,三十秒后ok?\u{E001}𠮷";
        let view = s.transcribe(text);
        assert_eq!(view.len(), text.len());
        let kept: Vec<(char, char)> = text.chars().zip(view.chars()).collect();
        for (c, v) in &kept {
            let ideograph = (FIRST..=LAST).contains(c) && !NUMERALS.contains(*c);
            assert_eq!(c == v, !ideograph && *c != '\u{E001}', "{c} → {v}");
        }
        assert_eq!(kept[kept.len() - 2].1, '\u{FFFD}');
        assert_eq!(view.chars().next(), s.transcribe("公").chars().next());
        assert_eq!(s.syllable_count(text), 4);
    }

    #[test]
    fn what_was_heard_is_written_back_in_the_term_s_characters() {
        let s = asr();
        let r = Respell::of(&s, "^(?:喂)[,]?(?:你|您)好");
        assert_eq!(r.apply(&s, "为你好,请问"), "喂你好,请问");
        // With 您 and 你 one sound, the term's 您 is what it asked for.
        let r = Respell::of(&s, "您(?:早上)?好");
        assert_eq!(r.apply(&s, "你好"), "您好");
        assert_eq!(r.apply(&s, "宁好"), "您好");
        assert_eq!(r.apply(&s, "您好"), "您好");
        // Characters with no sound of the term stay as they were heard.
        let r = Respell::of(&s, "稍等");
        assert_eq!(r.apply(&s, "少等一下ok"), "稍等一下ok");
    }

    /// Every ideograph with a reading has a sound, and two characters share one exactly when
    /// their readings are heard alike.
    #[test]
    fn every_read_ideograph_has_a_sound_of_its_own_class() {
        let s = Sounds::compile(None).unwrap();
        let mut by_syllable: HashMap<&str, u16> = HashMap::new();
        for c in FIRST..=LAST {
            let Some(reading) = c.to_pinyin() else {
                assert_eq!(s.key(c), None, "{c}");
                continue;
            };
            if NUMERALS.contains(c) {
                assert_eq!(s.key(c), None, "{c}");
                continue;
            }
            let key = s
                .key(c)
                .unwrap_or_else(|| panic!("{c} ({}) has no sound", reading.plain()));
            assert_eq!(
                *by_syllable.entry(reading.plain()).or_insert(key),
                key,
                "{c}"
            );
        }
        let distinct: std::collections::HashSet<u16> = by_syllable.values().copied().collect();
        assert_eq!(distinct.len(), by_syllable.len());
        assert!(
            distinct.len() > 380 && distinct.len() < MAX_SOUNDS,
            "{}",
            distinct.len()
        );
        assert_eq!(s.key('a'), None);
        assert_eq!(s.key('\u{A000}'), None);
    }

    #[test]
    fn confusions_group_under_their_first_member() {
        let file = SoundFile {
            initials: vec![vec!["n".into(), "l".into()], vec!["z".into(), "zh".into()]],
            finals: vec![
                vec!["an".into(), "ang".into()],
                vec!["in".into(), "ing".into()],
            ],
            syllables: vec![vec!["ni".into(), "nin".into()]],
        };
        for (syllable, heard) in [
            // n/l, in/ing and nin/ni: all one.
            ("ling", "ni"),
            ("ning", "ni"),
            ("nin", "ni"),
            ("lin", "ni"),
            ("zhang", "zan"),
            ("liang", "nian"),
            ("shi", "shi"),
            ("a", "a"),
            ("er", "er"),
        ] {
            assert_eq!(canonical(syllable, &file), heard, "{syllable}");
        }
    }

    #[test]
    fn a_table_with_a_mistake_says_which() {
        let bad = |text: &str| {
            Sounds::compile(Some(&RuleSource {
                path: SOUND_FILE.into(),
                text: text.into(),
            }))
            .unwrap_err()
            .message
        };
        assert!(bad(r#"initials = [["n"]]"#).contains("至少要写两个"));
        assert!(bad(r#"finals = [["an", "Ang"]]"#).contains("\"Ang\""));
        assert!(bad(r#"initials = [["n", "ng"]]"#).contains("不是声母"));
        assert!(!bad("finals = 3").is_empty());
    }
}
