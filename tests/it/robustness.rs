//! Arbitrary input never crashes a batch: mangled corpus calls and random junk each become a
//! graded row or an error row, in order.

use std::fs;
use std::path::PathBuf;

use zhijian::grade::grade_all;
use zhijian::input::{discover, ReadOptions};
use zhijian::rule::RuleSet;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "客服：",
    "客户:",
    "坐席（工号1024）：",
    "客戶：",
    "agent:",
    "Customer：",
    "：",
    ":",
    "\n",
    "\n\n",
    "[00:01.0-00:02.5] ",
    "[99:59.9-00:00.0] ",
    "[1:00:00-1:00:01]",
    "# id: ",
    "# agent: 张敏\n",
    "喂",
    "喂养",
    "您好",
    "不知道您",
    "我们会",
    "滚",
    "滚筒",
    "还是不行",
    "算了",
    "请稍等",
    "等了半天",
    "太差了",
    "。",
    "，",
    "?",
    "\u{feff}",
    "\u{3000}",
    "ＡＢＣ１２３",
    "😀",
    "\t",
    "\r\n",
    "\"",
    "{",
    "}",
    "\\",
    "讓您久等了",
    "",
];

fn junk(rng: &mut Rng) -> String {
    (0..rng.below(40))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

#[test]
fn mangled_and_random_inputs_never_crash_the_batch() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5EED_2026);
    let originals: Vec<String> = fs::read_dir(repo.join("corpus/text"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let mut files = 0;
    for i in 0..300 {
        let text = match i % 3 {
            // A corpus call cut at a random character and spliced with junk.
            0 | 1 => {
                let original = &originals[rng.below(originals.len())];
                let chars: Vec<char> = original.chars().collect();
                let cut = rng.below(chars.len() + 1);
                let mut s: String = chars[..cut].iter().collect();
                s.push_str(&junk(&mut rng));
                s.extend(&chars[rng.below(chars.len() + 1).min(chars.len())..]);
                s
            }
            _ => junk(&mut rng),
        };
        fs::write(dir.path().join(format!("c{i:03}.txt")), &text).unwrap();
        // The same junk as a JSONL line and as a JSON turn text.
        let json = serde_json::json!({"id": format!("j{i}"), "turns": [
            {"role": "agent", "text": text, "begin": rng.below(5000), "end": rng.below(5000) + 5000},
            {"role": "customer", "text": junk(&mut rng)},
        ]});
        fs::write(
            dir.path().join(format!("j{i:03}.jsonl")),
            format!("{json}\n{}\n", junk(&mut rng)),
        )
        .unwrap();
        files += 2;
    }
    let bytes: Vec<u8> = (0..4096).map(|_| rng.below(256) as u8).collect();
    fs::write(dir.path().join("zz_binary.txt"), bytes).unwrap();
    files += 1;

    let set = RuleSet::embedded().unwrap();
    let sources = discover(&[dir.path().to_path_buf()]).sources;
    assert_eq!(sources.len(), files);
    let graded = grade_all(&set, &sources, &ReadOptions::default());
    // Every text file is one row; every JSONL file two (its second line may be blank junk).
    assert!(
        graded.len() >= files,
        "{} rows for {files} files",
        graded.len()
    );
    let graded_calls = graded.iter().filter(|g| !g.is_error()).count();
    assert!(
        graded_calls >= 300,
        "only {graded_calls} of the mangled calls were graded"
    );
    for g in &graded {
        if let Ok(o) = &g.outcome {
            assert!(o.card.score <= 100);
            for h in &o.hits {
                let turn = &o.call.turns[h.turn].text;
                if let Some(q) = h.quote() {
                    assert!(
                        q.start <= q.end && q.end <= turn.chars().count(),
                        "{h:?} outside {turn:?}"
                    );
                    let chars: String = turn.chars().skip(q.start).take(q.end - q.start).collect();
                    assert_eq!(chars, q.text, "{h:?} misquotes {turn:?}");
                }
                if let Some((begin, end)) = h.evidence.interval() {
                    assert!(begin < end, "{h:?}");
                }
            }
        }
    }
}
