//! Every reader, fed arbitrary bytes, arbitrary JSON, and damaged copies of real recogniser
//! output: no panic, and whatever is read is a call the rest of the pipeline can trust —
//! turns with text, begin ≤ end, hits pointing at real turns and quotes inside their text.

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::Value;
use zhijian::grade::grade_call;
use zhijian::input::{read_bytes, Item, ReadOptions, READERS};
use zhijian::rule::RuleSet;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::embedded().unwrap());

/// Real documents of every format, from the corpus, to damage.
static SAMPLES: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/asr");
    let mut samples: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    samples.sort();
    samples
});

fn check(items: &[Item]) -> Result<(), TestCaseError> {
    for item in items {
        let Ok(call) = &item.call else { continue };
        prop_assert!(!call.turns.is_empty());
        for t in &call.turns {
            if let (Some(b), Some(e)) = (t.begin, t.end) {
                prop_assert!(b <= e, "turn ends before it begins: {t:?}");
            }
        }
        let outcome = grade_call(&RULES, call.clone());
        prop_assert!(outcome.card.score <= 100);
        for hit in &outcome.hits {
            prop_assert!(hit.turn < call.turns.len());
            if let Some(q) = hit.quote() {
                let len = call.turns[hit.turn].text.chars().count();
                prop_assert!(q.start <= q.end && q.end <= len, "{q:?} in a turn of {len}");
            }
        }
    }
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        // Keys and texts the readers look for, so the structure is sometimes nearly right.
        prop::sample::select(vec![
            "您好,工号1024为您服务",
            "客服",
            "客户",
            "spk0",
            "SPEAKER_01",
            "820",
            "-5",
            "",
            "喂",
            "客户：喂",
            "客服：您好",
        ])
        .prop_map(|s| Value::String(s.to_string())),
        ".{0,12}".prop_map(Value::String),
    ];
    let keys = prop::sample::select(vec![
        "turns",
        "role",
        "text",
        "begin",
        "end",
        "tickets",
        "dialogue",
        "words",
        "sentence_info",
        "start",
        "spk",
        "segments",
        "speaker",
        "Result",
        "Sentences",
        "BeginTime",
        "EndTime",
        "Text",
        "ChannelId",
        "Response",
        "Data",
        "ResultDetail",
        "FinalSentence",
        "StartMs",
        "EndMs",
        "SpeakerId",
        "content",
        "orderResult",
        "lattice",
        "json_1best",
        "st",
        "bg",
        "ed",
        "rl",
        "rt",
        "ws",
        "cw",
        "w",
        "transcripts",
        "sentences",
        "begin_time",
        "end_time",
        "id",
        "key",
        "tid",
        "StatusText",
        "TaskId",
        "start_time",
        "end_time",
        "result",
        "analysis_info",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), name in prop::sample::select(vec!["x.txt", "x.json", "x.jsonl", "x.srt", "x.vtt", "x"])) {
        check(&read_bytes(&bytes, name, None, &ReadOptions::default()))?;
        for reader in READERS {
            check(&read_bytes(&bytes, name, Some(*reader), &ReadOptions::default()))?;
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        check(&read_bytes(&bytes, "x.json", None, &ReadOptions::default()))?;
        for reader in READERS.iter().filter(|r| r.json().is_some()) {
            check(&read_bytes(&bytes, "x.json", Some(*reader), &ReadOptions::default()))?;
        }
    }

    #[test]
    fn damaged_real_documents_never_panic(
        which in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let (name, original) = &SAMPLES[which.index(SAMPLES.len())];
        let mut bytes = original.clone();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
        check(&read_bytes(&bytes, name, None, &ReadOptions::default()))?;
    }
}

#[test]
fn the_undamaged_samples_all_read() {
    for (name, bytes) in SAMPLES.iter() {
        let items = read_bytes(bytes, name, None, &ReadOptions::default());
        assert!(!items.is_empty(), "{name}");
        for item in &items {
            assert!(item.call.is_ok(), "{name}: {:?}", item.call);
        }
        check(&items).unwrap();
    }
}
