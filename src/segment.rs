//! Segment: a turn's matching view → word boundaries, with jieba.
//!
//! In: the folded text of a turn (see `normalize`) and the rule set's user dictionary. Out: the
//! byte offsets where jieba puts a word boundary. Rules that match `words` (喂, 滚) use them to
//! tell the greeting 喂 from the 喂 in 喂养, and the insult 滚 from 滚筒洗衣机.
//!
//! Segmentation is the slowest stage, so it only runs on a turn after the phrase automaton has
//! found a candidate word in it; most turns are never segmented. The dictionary (the largest
//! allocation of a run) is only loaded the first time that happens, unless a front end that
//! expects to need it asks for it ahead with [`preload`].

use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use jieba_rs::Jieba;

/// jieba's default dictionary, being loaded on a thread of its own ([`preload`]) for the first
/// segmenter that needs one.
static PRELOADED: Mutex<Option<JoinHandle<Jieba>>> = Mutex::new(None);

/// Starts loading jieba's default dictionary on a thread of its own. Loading takes longer than
/// compiling the rules (0.15–0.2 s here), and nearly every batch meets a candidate word in its
/// first calls, so a front end that calls this before it compiles the rules has the dictionary
/// when the first turn asks for it, instead of starting then; a single call is graded in about
/// the time the slower of the two takes. A batch that never segments pays one core for that
/// long, and the memory until it exits. Where no thread can be started, nothing is loaded
/// ahead and the first segmenter loads the dictionary as it always did.
pub fn preload() {
    let mut slot = PRELOADED.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        *slot = std::thread::Builder::new()
            .name("jieba-preload".into())
            .spawn(Jieba::new)
            .ok();
    }
}

/// The preloaded dictionary if there is one (waiting for it to finish), else a fresh one.
fn default_dictionary() -> Jieba {
    let ahead = PRELOADED.lock().unwrap_or_else(|e| e.into_inner()).take();
    ahead
        .and_then(|loading| loading.join().ok())
        // `Jieba::default()` is `Jieba::new()`: the default dictionary, loaded here.
        .unwrap_or_default()
}

/// A word-boundary oracle: jieba's default dictionary plus the rule set's own words. A clone
/// shares the dictionary, loaded once for both.
#[derive(Clone)]
pub struct Segmenter {
    user_words: Vec<UserWord>,
    jieba: Arc<OnceLock<Jieba>>,
}

/// One entry of a user dictionary file: `word [frequency] [part-of-speech]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWord {
    pub word: String,
    pub freq: Option<usize>,
    pub tag: Option<String>,
}

impl Segmenter {
    pub fn new(user_words: Vec<UserWord>) -> Segmenter {
        Segmenter {
            user_words,
            jieba: Arc::default(),
        }
    }

    fn jieba(&self) -> &Jieba {
        self.jieba.get_or_init(|| {
            let mut jieba = default_dictionary();
            for w in &self.user_words {
                jieba.add_word(&w.word, w.freq, w.tag.as_deref());
            }
            jieba
        })
    }

    /// Whether `word` (folded) is a word of the dictionary, the rule set's own included.
    pub fn is_word(&self, word: &str) -> bool {
        self.jieba().has_word(word)
    }

    /// How common `word` is: its frequency in the dictionary, 0 for a word not in it.
    pub fn frequency(&self, word: &str) -> usize {
        let jieba = self.jieba();
        // For a word of the dictionary, jieba's suggestion is its frequency (plus one).
        if jieba.has_word(word) {
            jieba.suggest_freq(word)
        } else {
            0
        }
    }

    /// Byte offsets of every word boundary in `text`, in order, including 0 and `text.len()`.
    pub fn boundaries(&self, text: &str) -> Vec<usize> {
        let mut out = vec![0];
        out.extend(self.jieba().cut(text, true).iter().map(|t| t.byte_end));
        out
    }
}

/// Parses a user dictionary in jieba's format: one word per line, optionally followed by a
/// frequency and a part-of-speech tag; `#` starts a comment. Errors carry the 1-based line.
pub fn parse_user_dictionary(text: &str) -> Result<Vec<UserWord>, (usize, String)> {
    let mut words = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else { continue };
        let freq = match fields.next() {
            Some(f) => Some(f.parse::<usize>().map_err(|_| {
                (
                    i + 1,
                    format!("词频 \"{f}\" 不是正整数 (格式: 词语 [词频] [词性])"),
                )
            })?),
            None => None,
        };
        words.push(UserWord {
            word: crate::normalize::fold(word),
            freq,
            tag: fields.next().map(str::to_string),
        });
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wei_the_greeting_is_a_word_but_not_inside_weiyang() {
        let seg = Segmenter::new(vec![]);
        let has_word = |text: &str, word: &str| {
            let b = seg.boundaries(text);
            text.match_indices(word)
                .any(|(s, w)| b.contains(&s) && b.contains(&(s + w.len())))
        };
        assert!(has_word("喂,您好,请问有什么可以帮您", "喂"));
        assert!(!has_word("宠物喂养的问题", "喂"));
        assert!(!has_word("宝宝喂奶的时间", "喂"));
        assert!(has_word("你给我滚", "滚"));
        assert!(!has_word("滚筒洗衣机不转了", "滚"));
    }

    #[test]
    fn a_preloaded_dictionary_goes_to_one_segmenter_with_its_own_words_added() {
        preload();
        let with_words = |word: &str| {
            Segmenter::new(vec![UserWord {
                word: word.into(),
                freq: Some(50),
                tag: None,
            }])
        };
        // Whichever of them gets the preloaded dictionary, each has the whole default one and
        // only its own words: taking it ahead of time shares nothing between rule sets.
        let (a, b) = (with_words("宽带报修单"), with_words("流量加油包"));
        assert!(a.is_word("宽带报修单") && !a.is_word("流量加油包"));
        assert!(b.is_word("流量加油包") && !b.is_word("宽带报修单"));
        assert!(a.is_word("我们") && b.is_word("我们"));
        assert!(PRELOADED.lock().unwrap().is_none(), "taken by the first");
    }

    #[test]
    fn user_dictionary_lines_and_errors() {
        let words = parse_user_dictionary("# 注释\n宽带报修 100 n\n\n流量包\n").unwrap();
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].freq, Some(100));
        assert_eq!(words[1].word, "流量包");
        assert_eq!(parse_user_dictionary("好词 abc").unwrap_err().0, 1);
    }
}
