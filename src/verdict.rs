//! Verdicts: the `verdicts.csv` files supervisors download from the review report → each rule's
//! precision, the hits judged wrong, and those hits as rule examples.
//!
//! In: one or more CSV files with the columns `call_id,source,rule_id,turn,start,end,verdict,
//! reviewer,comment,rules_version` (the report and `zhijian sample` add `kind,rule_title,quote,
//! context,channel,transcript`; other tools may leave them out), and for agents' appeals (申诉)
//! `appeal,decision,decided_by,decided_at` (see [`APPEAL_COLUMNS`]). Out: [`Precision`] per rule
//! with a Wilson 95 % interval and the appeals upheld and overturned, the 误判 (and 存疑) hits
//! with their words, and `[[example]] expect = "pass"` blocks (checked against the current
//! rules: a block whose excerpt no longer triggers the rule says so).
//!
//! The `reviewer` column tells reviewers apart. One reviewer's verdict on a hit, read twice (two
//! exports of the same work), counts once: the last read wins. Different reviewers' verdicts on
//! one hit are all kept: precision counts the hit once, with the verdict most of them gave (a tie
//! is 存疑, see [`consensus`]), and [`agreement`] measures how often they agree, with the hits
//! they disagree on listed for a calibration session. The writing side lives here too:
//! [`HEADER`], [`cell`] and [`transcript_fingerprint`] are what a file must hold for the same hit
//! to be one key whoever wrote it, the review page or `zhijian sample`.

mod agreement;

pub use agreement::{cohen, fleiss, Kappa, Method};

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::channel::Channel;
use crate::input::own_reports::Kind;
use crate::input::Turn;
use crate::rule::{Evidence, RuleSet};

/// A supervisor's judgement of one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// 确认: the hit is right.
    Confirmed,
    /// 误判: the rule fired where it should not have.
    Rejected,
    /// 存疑: debatable; a reviewer could argue either way. Counted apart, so precision can be
    /// given strictly (存疑 is wrong) and leniently (存疑 is right).
    Debatable,
}

impl Judgement {
    /// Every judgement, in the order of [`Judgement::index`].
    pub const ALL: [Judgement; 3] = [
        Judgement::Confirmed,
        Judgement::Rejected,
        Judgement::Debatable,
    ];

    /// The judgement as a report writes it.
    pub fn zh(self) -> &'static str {
        match self {
            Judgement::Confirmed => "确认",
            Judgement::Rejected => "误判",
            Judgement::Debatable => "存疑",
        }
    }

    /// Its category number for agreement statistics.
    fn index(self) -> usize {
        match self {
            Judgement::Confirmed => 0,
            Judgement::Rejected => 1,
            Judgement::Debatable => 2,
        }
    }

    /// Reads a `verdict` cell; `None` for an empty one (not judged yet).
    pub fn parse(cell: &str) -> Result<Option<Judgement>, String> {
        let v = cell.trim().to_lowercase();
        Ok(Some(match v.as_str() {
            "" => return Ok(None),
            "确认" | "正确" | "confirmed" | "confirm" | "correct" | "tp" | "true" | "yes" | "y"
            | "✓" | "对" => Judgement::Confirmed,
            "误判" | "错误" | "rejected" | "reject" | "false_positive" | "false-positive"
            | "fp" | "wrong" | "false" | "no" | "n" | "✗" | "错" => Judgement::Rejected,
            "存疑" | "两可" | "不确定" | "debatable" | "unsure" | "uncertain" | "?" | "？" => {
                Judgement::Debatable
            }
            _ => {
                return Err(format!(
                    "verdict 列的值 \"{}\" 不认识: 应为 确认、误判 或 存疑",
                    cell.trim()
                ))
            }
        }))
    }
}

/// What was decided on an agent's appeal (申诉) against a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 维持: the hit stands.
    Upheld,
    /// 撤销: the hit is overturned, and no longer counts against the agent.
    Overturned,
}

impl Decision {
    /// Reads a `decision` cell; `None` for an empty one (not decided yet).
    pub fn parse(cell: &str) -> Result<Option<Decision>, String> {
        let v = cell.trim().to_lowercase();
        Ok(Some(match v.as_str() {
            "" => return Ok(None),
            "维持" | "维持原判" | "upheld" | "uphold" | "kept" | "keep" => Decision::Upheld,
            "撤销" | "撤消" | "overturned" | "overturn" | "revoked" | "revoke" | "removed"
            | "remove" => Decision::Overturned,
            _ => {
                return Err(format!(
                    "decision 列的值 \"{}\" 不认识: 应为 维持 (命中成立) 或 撤销 (命中不成立),\
                     未裁决的留空",
                    cell.trim()
                ))
            }
        }))
    }

    /// The decision as a report writes it.
    pub fn zh(self) -> &'static str {
        match self {
            Decision::Upheld => "维持",
            Decision::Overturned => "撤销",
        }
    }
}

/// An agent's appeal (申诉) against a hit, as read: the agent's reason, and once decided, the
/// decision, who made it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    pub call_id: String,
    pub source: String,
    pub rule_id: String,
    pub rule_title: String,
    pub turn: usize,
    pub quote: String,
    /// Why the agent says the hit is wrong (`appeal`).
    pub reason: String,
    /// `None` while it waits for a decision.
    pub decision: Option<Decision>,
    pub decided_by: String,
    /// As written: a date, or a date and a time.
    pub decided_at: String,
    /// Where it was read: file and line, for messages.
    pub at: String,
    /// Which hit: [`Verdict::hit_key`] of the row.
    pub key: String,
}

/// The columns of an appeal, after the verdict columns: the agent's reason, the decision (维持 or
/// 撤销), who decided and when. A row may carry a review verdict, an appeal, or both (an appeal
/// is usually made on the row of the verdict it contests).
pub const APPEAL_COLUMNS: [&str; 4] = ["appeal", "decision", "decided_by", "decided_at"];

/// One judged hit, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub call_id: String,
    pub source: String,
    pub rule_id: String,
    pub turn: usize,
    pub start: u64,
    pub end: u64,
    pub judgement: Judgement,
    pub reviewer: String,
    pub comment: String,
    pub rules_version: String,
    pub kind: String,
    pub rule_title: String,
    pub quote: String,
    pub context: String,
    pub channel: Option<Channel>,
    /// The report's fingerprint of the call's words (`transcript`), when the file has it.
    pub transcript: String,
    /// Where it was read: file and line, for messages.
    pub at: String,
}

impl Verdict {
    /// Which hit this judges: the same hit in another export has the same key. The call is
    /// known by its words' fingerprint where the report wrote one, so `calls/a.txt` and
    /// `./calls/a.txt` are one call and next week's different `a.txt` is another.
    pub fn hit_key(&self) -> String {
        let call = if self.transcript.is_empty() {
            &self.source
        } else {
            &self.transcript
        };
        hit_key(
            call,
            &self.call_id,
            &self.rule_id,
            self.turn,
            &self.kind,
            (self.start, self.end),
            &self.rules_version,
        )
    }

    fn key(&self) -> String {
        self.hit_key()
    }

    /// Which hit, judged by whom: one reviewer's verdicts on one hit are one judgement.
    fn reviewer_key(&self) -> String {
        format!("{}\u{1f}{}", self.key(), self.reviewer)
    }

    /// The reviewer as a list names them.
    fn reviewer_name(&self) -> &str {
        if self.reviewer.is_empty() {
            UNSIGNED
        } else {
            &self.reviewer
        }
    }
}

/// The key of a hit as verdicts and appeals name it: `call` is the fingerprint of the call's
/// words (`transcript`), or its source where a file has no fingerprint; `span` is [`span`]'s.
pub fn hit_key(
    call: &str,
    call_id: &str,
    rule_id: &str,
    turn: usize,
    kind: &str,
    span: (u64, u64),
    rules_version: &str,
) -> String {
    format!(
        "{call}\u{1f}{call_id}\u{1f}{rule_id}\u{1f}{turn}\u{1f}{kind}\u{1f}{}\u{1f}{}\u{1f}{rules_version}",
        span.0, span.1
    )
}

/// How a report names a reviewer who left the `reviewer` column empty. Every such verdict is
/// one reviewer's: nothing tells two unsigned people apart.
pub const UNSIGNED: &str = "(未署名)";

/// A file that could not be read as verdicts.
#[derive(Debug, thiserror::Error)]
pub enum VerdictError {
    #[error("无法读取 {}: {}", .path.display(), crate::zh::io(.source))]
    Io { path: PathBuf, source: io::Error },
    #[error("{at}: {message}")]
    Bad { at: String, message: String },
}

/// Every verdict of the files, in order: one per hit and reviewer, after merging one reviewer's
/// repeated verdicts on one hit.
#[derive(Debug, Default)]
pub struct Verdicts {
    pub verdicts: Vec<Verdict>,
    /// Rows that judged a hit the same reviewer had already judged (the later one was kept).
    pub repeated: usize,
    /// Of those, the ones whose judgement differed.
    pub disagreements: usize,
    /// Rows with an empty verdict and no appeal (exported before they were judged).
    pub unjudged: usize,
    /// Appeals, one per hit: a later row on the same hit replaces an earlier one (the appeal
    /// file updated once decided).
    pub appeals: Vec<Appeal>,
}

const REQUIRED: [&str; 7] = [
    "call_id", "source", "rule_id", "turn", "start", "end", "verdict",
];

/// The header of a `verdicts.csv` as the review page downloads it and `zhijian sample` writes
/// it: the [`REQUIRED`] columns, then who judged and under which rules, then what the judgement
/// was about (the kind of evidence, the rule's title, the words, a few turns around them, the
/// channel, and the fingerprint of the call's words).
pub const HEADER: [&str; 16] = [
    "call_id",
    "source",
    "rule_id",
    "turn",
    "start",
    "end",
    "verdict",
    "reviewer",
    "comment",
    "rules_version",
    "kind",
    "rule_title",
    "quote",
    "context",
    "channel",
    "transcript",
];

/// The review page's fingerprint of a call's words (`fingerprint()` in `report/html/review.js`,
/// which the browser computes): FNV-1a 32 over the UTF-16 code units of each turn's role, a NUL,
/// its text and a U+0001, as eight hex digits. A verdict carries it in the `transcript` column,
/// so the same words are one call whatever the file was called.
pub fn transcript_fingerprint(turns: &[Turn]) -> String {
    fingerprint(turns.iter().map(|t| (t.role.as_str(), t.text.as_str())))
}

/// [`transcript_fingerprint`] of turns given as (role, text), the role as the JSONL writes it
/// (`agent`, `customer`): what a results line holds.
pub fn fingerprint<'a>(turns: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for (role, text) in turns {
        for unit in role
            .encode_utf16()
            .chain([0])
            .chain(text.encode_utf16())
            .chain([1])
        {
            h ^= u32::from(unit);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    format!("{h:08x}")
}

/// The `start` and `end` of a hit as a verdict names it: the quoted words' character range in
/// the turn, or a timing observation's interval in milliseconds.
pub fn span(evidence: &Evidence) -> (u64, u64) {
    match *evidence {
        Evidence::Said(ref q) | Evidence::Missing { quote: ref q, .. } => {
            (q.start as u64, q.end as u64)
        }
        Evidence::Overlap { begin_ms, end_ms } | Evidence::Silence { begin_ms, end_ms } => {
            (begin_ms, end_ms)
        }
        Evidence::Measured(ref m) => (m.begin_ms.unwrap_or(0), m.end_ms.unwrap_or(0)),
    }
}

/// A cell as the review page writes it, which [`unquote`] reads back exactly: a leading `'` is
/// added before what a spreadsheet would evaluate (`=` `+` `-` `@` tab CR, see
/// [`crate::report::neutralise`]) and before a `'` of the text itself.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with('\'') {
        Cow::Owned(format!("'{text}"))
    } else {
        crate::report::neutralise(text)
    }
}

/// Reads verdict files, in order.
pub fn read_files(paths: &[PathBuf]) -> Result<Verdicts, VerdictError> {
    let mut all = Verdicts::default();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|source| VerdictError::Io {
            path: path.clone(),
            source,
        })?;
        read_into(&mut all, &bytes, path)?;
    }
    Ok(all)
}

/// Reads one file's bytes into `all`, merging repeated judgements.
pub fn read_into(all: &mut Verdicts, bytes: &[u8], path: &Path) -> Result<(), VerdictError> {
    let name = path.display().to_string();
    // Excel's 另存为 CSV on a Chinese Windows writes GBK: the encoding is detected as for every
    // other input, and the text kept exactly (no cleaning: a cell is read back as written).
    let bad = |message: String| VerdictError::Bad {
        at: name.clone(),
        message,
    };
    let own = crate::input::own_reports::recognise(bytes);
    if own.is_some_and(|r| r.kind == Kind::Workbook) {
        return Err(bad(
            "这是 Excel 工作簿,不是 CSV;请在 Excel 里另存为 CSV (UTF-8) 再读".into(),
        ));
    }
    let (encoding, bom) = crate::normalize::detect_encoding(bytes, true, None).map_err(bad)?;
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
    if had_errors {
        return Err(bad(format!(
            "无法按 {} 解码",
            crate::normalize::zh_name(encoding)
        )));
    }
    if text.trim().is_empty() {
        return Err(bad("文件为空".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| VerdictError::Bad {
            at: name.clone(),
            message: format!("无法读取表头: {e}"),
        })?
        .clone();
    let column = |key: &str| headers.iter().position(|h| h.trim() == key);
    // A file of appeals only may leave out the verdict column.
    let appeals = column("appeal").is_some() || column("decision").is_some();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|k| column(k).is_none() && !(*k == "verdict" && appeals))
        .collect();
    if !missing.is_empty() {
        // Another file of zhijian's, given where verdicts belong: say which.
        if let Some(r) = own.filter(|r| r.kind != Kind::Verdicts) {
            return Err(VerdictError::Bad {
                at: name,
                message: format!(
                    "{},不是复核结论 (verdicts.csv);复核结论是复核报告下载的 verdicts.csv、\
                     zhijian sample --verdicts 写的结论表,或加了申诉列的这两种表",
                    r.this_is()
                ),
            });
        }
        return Err(VerdictError::Bad {
            at: name,
            message: format!(
                "缺少列 {};复核报告下载的 verdicts.csv 的表头是 {}",
                missing.join("、"),
                REQUIRED.join(",")
            ),
        });
    }
    let mut index: BTreeMap<String, usize> = all
        .verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| (v.reviewer_key(), i))
        .collect();
    let mut appealed: HashMap<String, usize> = all
        .appeals
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key.clone(), i))
        .collect();
    for (n, record) in reader.records().enumerate() {
        let at = format!("{name}:{}", n + 2);
        let record = record.map_err(|e| VerdictError::Bad {
            at: at.clone(),
            message: format!("CSV 格式错误: {e}"),
        })?;
        let text = |key: &str| -> String {
            column(key)
                .and_then(|i| record.get(i))
                .map(unquote)
                .unwrap_or_default()
        };
        let number = |key: &str| -> Result<u64, VerdictError> {
            let cell = text(key);
            cell.trim().parse().map_err(|_| VerdictError::Bad {
                at: at.clone(),
                message: format!("{key} 列应为非负整数,而不是 \"{cell}\""),
            })
        };
        let bad = |message| VerdictError::Bad {
            at: at.clone(),
            message,
        };
        let judgement = Judgement::parse(&text("verdict")).map_err(bad)?;
        let reason = text("appeal").trim().to_string();
        let decision = Decision::parse(&text("decision")).map_err(bad)?;
        let appeal = !reason.is_empty() || decision.is_some();
        if judgement.is_none() && !appeal {
            all.unjudged += 1;
            continue;
        }
        let rule_id = text("rule_id").trim().to_string();
        if rule_id.is_empty() {
            return Err(bad("rule_id 列为空".into()));
        }
        let verdict = Verdict {
            call_id: text("call_id"),
            source: text("source"),
            rule_id,
            turn: number("turn")? as usize,
            start: number("start")?,
            end: number("end")?,
            // A row with an appeal only is never kept as a verdict: it lends the appeal its
            // key and words.
            judgement: judgement.unwrap_or(Judgement::Debatable),
            reviewer: text("reviewer").trim().to_string(),
            comment: text("comment").trim().to_string(),
            rules_version: text("rules_version").trim().to_string(),
            kind: text("kind").trim().to_string(),
            rule_title: text("rule_title").trim().to_string(),
            quote: text("quote"),
            context: text("context"),
            channel: Channel::from_meta(text("channel").trim()),
            transcript: text("transcript").trim().to_string(),
            at: at.clone(),
        };
        if appeal {
            let appeal = Appeal {
                call_id: verdict.call_id.clone(),
                source: verdict.source.clone(),
                rule_id: verdict.rule_id.clone(),
                rule_title: verdict.rule_title.clone(),
                turn: verdict.turn,
                quote: verdict.quote.clone(),
                reason,
                decision,
                decided_by: text("decided_by").trim().to_string(),
                decided_at: text("decided_at").trim().to_string(),
                at: at.clone(),
                key: verdict.hit_key(),
            };
            match appealed.get(&appeal.key) {
                Some(&i) => all.appeals[i] = appeal,
                None => {
                    appealed.insert(appeal.key.clone(), all.appeals.len());
                    all.appeals.push(appeal);
                }
            }
        }
        if judgement.is_none() {
            continue;
        }
        let k = verdict.reviewer_key();
        match index.get(&k) {
            Some(&i) => {
                all.repeated += 1;
                if all.verdicts[i].judgement != verdict.judgement {
                    all.disagreements += 1;
                }
                all.verdicts[i] = verdict;
            }
            None => {
                index.insert(k, all.verdicts.len());
                all.verdicts.push(verdict);
            }
        }
    }
    Ok(())
}

/// A cell as the report wrote it: a leading `'` keeps spreadsheets from reading text as a
/// formula, and is not part of the text.
fn unquote(cell: &str) -> String {
    cell.strip_prefix('\'').unwrap_or(cell).to_string()
}

/// One hit, with every reviewer's verdict on it and the verdict it counts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The hit and the verdict it counts with ([`consensus`]); `reviewer` names those who gave
    /// that verdict (all of them after a tie) and `comment` holds their comments.
    pub verdict: Verdict,
    /// Each reviewer's own verdict, in the order read.
    pub judgements: Vec<Verdict>,
}

impl Judged {
    /// Whether two or more reviewers judged it: only such hits say anything of agreement.
    pub fn by_several(&self) -> bool {
        self.judgements.len() >= 2
    }

    /// Whether every reviewer gave the same verdict.
    pub fn unanimous(&self) -> bool {
        self.judgements
            .iter()
            .all(|v| v.judgement == self.judgements[0].judgement)
    }
}

/// The verdict several reviewers' verdicts on one hit come to: the one most of them gave; when
/// two verdicts are given equally often, 存疑 — the reviewers could not settle it, and a hit they
/// split on is exactly what the lenient precision and a calibration session are for. `None`
/// without verdicts.
pub fn consensus(judgements: impl IntoIterator<Item = Judgement>) -> Option<Judgement> {
    let mut counts = [0usize; 3];
    for j in judgements {
        counts[j.index()] += 1;
    }
    let most = *counts.iter().max()?;
    if most == 0 {
        return None;
    }
    let mut top = Judgement::ALL
        .into_iter()
        .filter(|j| counts[j.index()] == most);
    match (top.next(), top.next()) {
        (Some(only), None) => Some(only),
        _ => Some(Judgement::Debatable),
    }
}

impl Verdicts {
    /// Each judged hit once, in the order first read, with the verdict it counts with.
    pub fn hits(&self) -> Vec<Judged> {
        let mut hits: Vec<Judged> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for v in &self.verdicts {
            match index.get(&v.key()) {
                Some(&i) => hits[i].judgements.push(v.clone()),
                None => {
                    index.insert(v.key(), hits.len());
                    hits.push(Judged {
                        verdict: v.clone(),
                        judgements: vec![v.clone()],
                    });
                }
            }
        }
        for hit in &mut hits {
            if hit.by_several() {
                hit.verdict = settle(&hit.judgements);
            }
        }
        hits
    }
}

/// The verdict that stands for several reviewers' verdicts on one hit.
fn settle(judgements: &[Verdict]) -> Verdict {
    let judgement =
        consensus(judgements.iter().map(|v| v.judgement)).expect("a hit is judged at least once");
    let backing: Vec<&Verdict> = judgements
        .iter()
        .filter(|v| v.judgement == judgement)
        .collect();
    // A tie between 确认 and 误判 is 存疑 that nobody said: it stands for everyone.
    let who: Vec<&Verdict> = if backing.is_empty() {
        judgements.iter().collect()
    } else {
        backing
    };
    let mut v = who[0].clone();
    v.judgement = judgement;
    v.reviewer = who
        .iter()
        .map(|v| v.reviewer_name())
        .collect::<Vec<_>>()
        .join("、");
    v.comment = who
        .iter()
        .map(|v| v.comment.as_str())
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("；");
    // What the hit was about, from whichever export carried it.
    for other in judgements {
        for (mine, theirs) in [
            (&mut v.rule_title, &other.rule_title),
            (&mut v.quote, &other.quote),
            (&mut v.context, &other.context),
        ] {
            if mine.is_empty() {
                mine.clone_from(theirs);
            }
        }
        v.channel = v.channel.or(other.channel);
    }
    v
}

/// One rule's precision over the judged hits.
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    pub rule_id: String,
    pub title: String,
    pub confirmed: usize,
    pub rejected: usize,
    /// Judged 存疑: neither clearly right nor clearly wrong.
    pub debatable: usize,
    /// How well the reviewers agreed on the rule's hits that two or more of them judged;
    /// `None` when no hit was.
    pub agreement: Option<Agreement>,
    /// Agents' appeals against the rule's hits: decided 维持, decided 撤销, not decided yet.
    pub appeals: AppealCounts,
}

/// Appeals by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppealCounts {
    pub upheld: usize,
    pub overturned: usize,
    pub pending: usize,
}

impl AppealCounts {
    pub fn total(&self) -> usize {
        self.upheld + self.overturned + self.pending
    }

    fn add(&mut self, decision: Option<Decision>) {
        match decision {
            Some(Decision::Upheld) => self.upheld += 1,
            Some(Decision::Overturned) => self.overturned += 1,
            None => self.pending += 1,
        }
    }
}

impl Precision {
    fn new(rule_id: &str, title: String) -> Precision {
        Precision {
            rule_id: rule_id.to_string(),
            title,
            confirmed: 0,
            rejected: 0,
            debatable: 0,
            agreement: None,
            appeals: AppealCounts::default(),
        }
    }

    pub fn reviewed(&self) -> usize {
        self.confirmed + self.rejected + self.debatable
    }

    /// Confirmed over reviewed (strict: a 存疑 counts as wrong); `None` when nothing was
    /// reviewed.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.confirmed, self.reviewed())
    }

    /// The Wilson score interval at 95 %: honest for the handful of hits a rule gets in a
    /// day's review, where the normal approximation would claim 100 % ± 0 after three hits.
    pub fn interval(&self) -> Option<(f64, f64)> {
        wilson(self.confirmed, self.reviewed())
    }

    /// Confirmed and 存疑 over reviewed (lenient: a 存疑 counts as right).
    pub fn lenient(&self) -> Option<f64> {
        ratio(self.confirmed + self.debatable, self.reviewed())
    }

    /// The Wilson interval of [`Precision::lenient`].
    pub fn lenient_interval(&self) -> Option<(f64, f64)> {
        wilson(self.confirmed + self.debatable, self.reviewed())
    }
}

/// How well reviewers agreed on the hits two or more of them judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Hits judged by two or more reviewers.
    pub hits: usize,
    /// The reviewers who judged them.
    pub reviewers: usize,
    /// Cohen's κ when they are two, Fleiss' κ when more.
    pub method: Method,
    pub kappa: Kappa,
}

/// The agreement over `hits`, of those judged by two or more reviewers; `None` if none was.
pub fn agreement<'a>(hits: impl IntoIterator<Item = &'a Judged>) -> Option<Agreement> {
    let several: Vec<&Judged> = hits.into_iter().filter(|j| j.by_several()).collect();
    let reviewers: BTreeSet<&str> = several
        .iter()
        .flat_map(|j| j.judgements.iter().map(|v| v.reviewer.as_str()))
        .collect();
    let (method, kappa) = if reviewers.len() == 2 {
        // Two reviewers, each of whom judged every one of these hits once: Cohen's κ, which
        // keeps each reviewer's own habits (one says 误判 more readily) apart.
        let (first, second) = (*reviewers.first()?, *reviewers.last()?);
        let of = |j: &Judged, who: &str| {
            j.judgements
                .iter()
                .find(|v| v.reviewer == who)
                .map_or(0, |v| v.judgement.index())
        };
        let pairs: Vec<(usize, usize)> = several
            .iter()
            .map(|j| (of(j, first), of(j, second)))
            .collect();
        (Method::Cohen, cohen(&pairs, Judgement::ALL.len())?)
    } else {
        let counts: Vec<Vec<usize>> = several
            .iter()
            .map(|j| {
                let mut row = vec![0; Judgement::ALL.len()];
                for v in &j.judgements {
                    row[v.judgement.index()] += 1;
                }
                row
            })
            .collect();
        (Method::Fleiss, fleiss(&counts)?)
    };
    Some(Agreement {
        hits: several.len(),
        reviewers: reviewers.len(),
        method,
        kappa,
    })
}

fn ratio(k: usize, n: usize) -> Option<f64> {
    (n > 0).then(|| k as f64 / n as f64)
}

/// The Wilson score interval for `k` successes in `n` trials, z = 1.96.
pub fn wilson(k: usize, n: usize) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let spread = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z2 / n;
    Some((
        ((centre - spread) / denom).max(0.0),
        ((centre + spread) / denom).min(1.0),
    ))
}

/// A rule's title: the rule set's, or the one the verdicts carry.
fn title_of(set: Option<&RuleSet>, v: &Verdict) -> String {
    set.and_then(|s| s.rule(&v.rule_id))
        .map_or_else(|| v.rule_title.clone(), |r| r.title.clone())
}

/// Precision per rule, by rule id, plus the total over all rules (id `合计`) last. Each verdict
/// is one hit: give it each hit's settled verdict ([`Judged::verdict`]), not every reviewer's.
pub fn precision(verdicts: &[Verdict], set: Option<&RuleSet>) -> Vec<Precision> {
    let mut rules: BTreeMap<&str, Precision> = BTreeMap::new();
    for v in verdicts {
        let p = rules
            .entry(&v.rule_id)
            .or_insert_with(|| Precision::new(&v.rule_id, title_of(set, v)));
        if p.title.is_empty() {
            p.title.clone_from(&v.rule_title);
        }
        match v.judgement {
            Judgement::Confirmed => p.confirmed += 1,
            Judgement::Rejected => p.rejected += 1,
            Judgement::Debatable => p.debatable += 1,
        }
    }
    let mut out: Vec<Precision> = rules.into_values().collect();
    let mut total = Precision::new(TOTAL, String::new());
    total.confirmed = out.iter().map(|p| p.confirmed).sum();
    total.rejected = out.iter().map(|p| p.rejected).sum();
    total.debatable = out.iter().map(|p| p.debatable).sum();
    out.push(total);
    out
}

/// The id of the row that sums every rule.
pub const TOTAL: &str = "合计";

/// Everything `zhijian precision` reports from the verdicts read.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Per rule by id, then [`TOTAL`]: each hit counted once, with the reviewers' agreement and
    /// the appeals.
    pub rows: Vec<Precision>,
    /// Each judged hit once, in the order first read.
    pub hits: Vec<Judged>,
    /// Every appeal, in the order read.
    pub appeals: Vec<Appeal>,
}

impl Summary {
    /// Each hit's settled verdict, in the order first read.
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.hits.iter().map(|j| j.verdict.clone()).collect()
    }

    /// Every reviewer named, by name.
    pub fn reviewers(&self) -> Vec<&str> {
        let names: BTreeSet<&str> = self
            .hits
            .iter()
            .flat_map(|j| j.judgements.iter().map(Verdict::reviewer_name))
            .collect();
        names.into_iter().collect()
    }
}

/// Counts each hit once, measures per rule and over all how well reviewers agreed, and counts
/// the appeals by their decision. Appeals are not verdicts: agents choose which hits to appeal,
/// so the appealed hits are no sample of a rule's hits, and precision leaves them out.
pub fn summarise(all: &Verdicts, set: Option<&RuleSet>) -> Summary {
    let hits = all.hits();
    let settled: Vec<Verdict> = hits.iter().map(|j| j.verdict.clone()).collect();
    let mut rows = precision(&settled, set);
    let mut total = rows.pop().expect("the total row");
    for a in &all.appeals {
        let at = match rows.binary_search_by(|p| p.rule_id.as_str().cmp(&a.rule_id)) {
            Ok(at) => at,
            Err(at) => {
                let title = set
                    .and_then(|s| s.rule(&a.rule_id))
                    .map_or_else(|| a.rule_title.clone(), |r| r.title.clone());
                rows.insert(at, Precision::new(&a.rule_id, title));
                at
            }
        };
        rows[at].appeals.add(a.decision);
        total.appeals.add(a.decision);
    }
    rows.push(total);
    for row in &mut rows {
        row.agreement = if row.rule_id == TOTAL {
            agreement(&hits)
        } else {
            agreement(hits.iter().filter(|j| j.verdict.rule_id == row.rule_id))
        };
    }
    Summary {
        rows,
        hits,
        appeals: all.appeals.clone(),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// κ to three places; `—` where it is undefined.
fn kappa_cell(k: &Kappa) -> String {
    k.kappa().map_or_else(|| "—".into(), |k| format!("{k:.3}"))
}

/// The table and the 误判 hits as Markdown; with 存疑 verdicts, the table has their count and
/// the lenient precision too, and the 存疑 hits are listed after the 误判 ones. Where several
/// reviewers judged the same hits, how well they agreed and the hits they disagree on close the
/// report.
pub fn markdown(summary: &Summary) -> String {
    let rows = &summary.rows;
    let verdicts: Vec<&Verdict> = summary.hits.iter().map(|j| &j.verdict).collect();
    let debatable = rows.iter().any(|p| p.debatable > 0);
    let appealed = !summary.appeals.is_empty();
    let mut s = String::new();
    if debatable {
        s.push_str("| 规则 | 名称 | 复核 | 确认 | 误判 | 存疑 | 准确率 | 95% 区间 | 宽松准确率 | 95% 区间 |");
    } else {
        s.push_str("| 规则 | 名称 | 复核 | 确认 | 误判 | 准确率 | 95% 区间 |");
    }
    if appealed {
        s.push_str(" 申诉维持 | 申诉撤销 | 待裁决 |");
    }
    if debatable {
        s.push_str("\n|---|---|---:|---:|---:|---:|---:|---|---:|---|");
    } else {
        s.push_str("\n|---|---|---:|---:|---:|---:|---|");
    }
    if appealed {
        s.push_str("---:|---:|---:|");
    }
    s.push('\n');
    let cells = |x: Option<f64>, interval: Option<(f64, f64)>| match (x, interval) {
        (Some(x), Some((lo, hi))) => format!("{} | {}–{}", pct(x), pct(lo), pct(hi)),
        _ => "— | —".into(),
    };
    for p in rows {
        let _ = write!(
            s,
            "| {} | {} | {} | {} | {} |",
            row_id(p),
            md_cell(&p.title),
            p.reviewed(),
            p.confirmed,
            p.rejected
        );
        if debatable {
            let _ = write!(s, " {} |", p.debatable);
        }
        let _ = write!(s, " {} |", cells(p.precision(), p.interval()));
        if debatable {
            let _ = write!(s, " {} |", cells(p.lenient(), p.lenient_interval()));
        }
        if appealed {
            let a = p.appeals;
            let _ = write!(s, " {} | {} | {} |", a.upheld, a.overturned, a.pending);
        }
        s.push('\n');
    }
    if debatable {
        s.push_str(
            "\n准确率 = 确认 / 复核 (存疑算错);宽松准确率 = (确认 + 存疑) / 复核 (存疑算对)。\n",
        );
    }
    if appealed {
        s.push_str(
            "\n申诉是坐席自己挑出来的命中,不是随机抽的,所以不计入准确率,单独计数;\
             撤销和维持之后的最终得分见 zhijian rescore。\n",
        );
    }
    let several = summary.hits.iter().filter(|j| j.by_several()).count();
    if several > 0 {
        let _ = writeln!(
            s,
            "\n复核数是命中数,每处只计一次:{several} 处命中由几位复核人判过,计的是多数人的结论,\
             票数相同记为存疑 (见文末“复核一致性”)。"
        );
    }
    let listed = list(&mut s, rows, &verdicts, Judgement::Rejected, "误判");
    if listed == 0 {
        s.push_str("\n没有误判。\n");
    }
    list(&mut s, rows, &verdicts, Judgement::Debatable, "存疑");
    list_appeals(&mut s, summary, Some(Decision::Overturned), "申诉撤销");
    list_appeals(&mut s, summary, None, "待裁决的申诉");
    calibration(&mut s, summary);
    s
}

/// Appends the appeals decided `decision` (`None`: not yet) under a `## {name} (N 处)`
/// heading, by rule.
fn list_appeals(s: &mut String, summary: &Summary, decision: Option<Decision>, name: &str) {
    let chosen: Vec<&Appeal> = summary
        .appeals
        .iter()
        .filter(|a| a.decision == decision)
        .collect();
    if chosen.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n## {name} ({} 处)", chosen.len());
    let chosen = by_rule(
        &summary.rows,
        chosen.into_iter().map(|a| (a.rule_id.clone(), a)),
    );
    for (rule, list) in chosen {
        let _ = writeln!(s, "\n### {rule}\n");
        for a in list {
            let words = if a.quote.is_empty() {
                String::new()
            } else {
                format!(" “{}”", md_cell(&one_line(&a.quote)))
            };
            let mut line = format!(
                "- {} ({}) 第 {} 轮{words}",
                md_cell(&a.call_id),
                md_cell(&a.source),
                a.turn + 1
            );
            if !a.reason.is_empty() {
                let _ = write!(line, " — 申诉理由:{}", md_cell(&one_line(&a.reason)));
            }
            let who: Vec<&str> = [a.decided_by.as_str(), a.decided_at.as_str()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect();
            if !who.is_empty() {
                let _ = write!(line, " ({})", md_cell(&who.join(" ")));
            }
            s.push_str(&line);
            s.push('\n');
        }
    }
}

/// The id cell of a table row: the total in bold.
fn row_id(p: &Precision) -> String {
    if p.rule_id == TOTAL {
        format!("**{TOTAL}**")
    } else {
        p.rule_id.clone()
    }
}

/// The words of a hit for a list item: ` “…”`, or nothing for a timing hit.
fn words(v: &Verdict) -> String {
    if v.quote.is_empty() {
        String::new()
    } else {
        format!(" “{}”", md_cell(&one_line(&v.quote)))
    }
}

/// Appends the hits judged `judgement` under a `## {name} (N 处)` heading, by rule; how many.
fn list(
    s: &mut String,
    rows: &[Precision],
    verdicts: &[&Verdict],
    judgement: Judgement,
    name: &str,
) -> usize {
    let chosen: Vec<&Verdict> = verdicts
        .iter()
        .copied()
        .filter(|v| v.judgement == judgement)
        .collect();
    if chosen.is_empty() {
        return 0;
    }
    let _ = writeln!(s, "\n## {name} ({} 处)", chosen.len());
    let chosen_by_rule = by_rule(rows, chosen.iter().map(|v| (v.rule_id.clone(), *v)));
    for (rule, list) in chosen_by_rule {
        let _ = writeln!(s, "\n### {rule}\n");
        for v in list {
            let mut line = format!(
                "- {} ({}) 第 {} 轮{}",
                md_cell(&v.call_id),
                md_cell(&v.source),
                v.turn + 1,
                words(v)
            );
            if !v.comment.is_empty() {
                let _ = write!(line, " — {}", md_cell(&one_line(&v.comment)));
            }
            if !v.reviewer.is_empty() {
                let _ = write!(line, " ({})", md_cell(&v.reviewer));
            }
            s.push_str(&line);
            s.push('\n');
        }
    }
    chosen.len()
}

/// `items`, each with its rule id, grouped by rule id under the rule's heading
/// (`RSP001 用“我们”推托`).
fn by_rule<T>(
    rows: &[Precision],
    items: impl IntoIterator<Item = (String, T)>,
) -> Vec<(String, Vec<T>)> {
    let mut groups: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for (rule, item) in items {
        groups.entry(rule).or_default().push(item);
    }
    groups
        .into_iter()
        .map(|(rule, list)| {
            let title = rows
                .iter()
                .find(|p| p.rule_id == rule)
                .map_or("", |p| p.title.as_str());
            (format!("{rule} {}", md_cell(title)), list)
        })
        .collect()
}

/// Appends how well reviewers agreed and the hits they disagree on, if any hit was judged by
/// two or more reviewers.
fn calibration(s: &mut String, summary: &Summary) {
    let Some(total) = summary.rows.last().and_then(|p| p.agreement.as_ref()) else {
        return;
    };
    let _ = writeln!(
        s,
        "\n## 复核一致性 ({} 处命中由两位以上复核人判过)\n\n复核人:{}\n",
        total.hits,
        summary.reviewers().join("、")
    );
    s.push_str("| 规则 | 名称 | 多人复核 | 复核人数 | 一致率 | κ | 方法 |\n");
    s.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for p in &summary.rows {
        let Some(a) = &p.agreement else { continue };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row_id(p),
            md_cell(&p.title),
            a.hits,
            a.reviewers,
            pct(a.kappa.observed),
            kappa_cell(&a.kappa),
            a.method.name()
        );
    }
    s.push_str(
        "\n一致率 = 每处命中上,复核人两两之间结论相同的比例,再对命中取平均;只有两位复核人时,\
         就是两人结论相同的命中所占的比例。κ 扣除了碰巧的一致 (大多数命中都对时,两个人不看也常常\
         一致):1 完全一致,0 与碰巧无异,小于 0 比碰巧还差。同一批命中只有两位复核人时用 Cohen's κ,\
         三位及以上用 Fleiss' κ (每处命中的复核人数可以不同);所有结论都一样时 κ 无定义,记为 —。\
         只统计至少两位复核人判过的命中;命中只有几处时 κ 起伏很大,以逐条的分歧为准。\n",
    );
    let split: Vec<&Judged> = summary
        .hits
        .iter()
        .filter(|j| j.by_several() && !j.unanimous())
        .collect();
    if split.is_empty() {
        s.push_str("\n复核人的结论全部一致。\n");
        return;
    }
    let _ = writeln!(s, "\n### 意见不一 ({} 处,校准时逐条讨论)", split.len());
    let split = by_rule(
        &summary.rows,
        split.into_iter().map(|j| (j.verdict.rule_id.clone(), j)),
    );
    for (rule, list) in split {
        let _ = writeln!(s, "\n#### {rule}\n");
        for j in list {
            let v = &j.verdict;
            let each: Vec<String> = j
                .judgements
                .iter()
                .map(|r| {
                    let mut said = format!("{} {}", md_cell(r.reviewer_name()), r.judgement.zh());
                    if !r.comment.is_empty() {
                        let _ = write!(said, " ({})", md_cell(&one_line(&r.comment)));
                    }
                    said
                })
                .collect();
            let _ = writeln!(
                s,
                "- {} ({}) 第 {} 轮{}:{} → 计为 {}",
                md_cell(&v.call_id),
                md_cell(&v.source),
                v.turn + 1,
                words(v),
                each.join(";"),
                v.judgement.zh()
            );
        }
    }
}

/// The table as CSV: `rule_id,title,reviewed,confirmed,rejected,precision,ci_low,ci_high`;
/// with 存疑 verdicts also `debatable,lenient,lenient_low,lenient_high`; where several reviewers
/// judged the same hits also `multi_reviewed,reviewers,agreement,kappa,kappa_method`; with
/// appeals also `appeals_upheld,appeals_overturned,appeals_pending`. Each group is appended, so a
/// script reading the first columns keeps working.
pub fn csv(rows: &[Precision]) -> String {
    let debatable = rows.iter().any(|p| p.debatable > 0);
    let agreed = rows.iter().any(|p| p.agreement.is_some());
    let appealed = rows.iter().any(|p| p.appeals.total() > 0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "rule_id",
        "title",
        "reviewed",
        "confirmed",
        "rejected",
        "precision",
        "ci_low",
        "ci_high",
    ];
    if debatable {
        header.extend(["debatable", "lenient", "lenient_low", "lenient_high"]);
    }
    if agreed {
        header.extend([
            "multi_reviewed",
            "reviewers",
            "agreement",
            "kappa",
            "kappa_method",
        ]);
    }
    if appealed {
        header.extend(["appeals_upheld", "appeals_overturned", "appeals_pending"]);
    }
    let _ = w.write_record(&header);
    for p in rows {
        let f = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.4}"));
        let (lo, hi) = p.interval().unzip();
        let mut record = vec![
            crate::report::neutralise(&p.rule_id).into_owned(),
            crate::report::neutralise(&p.title).into_owned(),
            p.reviewed().to_string(),
            p.confirmed.to_string(),
            p.rejected.to_string(),
            f(p.precision()),
            f(lo),
            f(hi),
        ];
        if debatable {
            let (lo, hi) = p.lenient_interval().unzip();
            record.extend([p.debatable.to_string(), f(p.lenient()), f(lo), f(hi)]);
        }
        if agreed {
            match &p.agreement {
                Some(a) => record.extend([
                    a.hits.to_string(),
                    a.reviewers.to_string(),
                    f(Some(a.kappa.observed)),
                    f(a.kappa.kappa()),
                    a.method.key().to_string(),
                ]),
                None => record.extend(std::iter::repeat_n(String::new(), 5)),
            }
        }
        if appealed {
            let a = p.appeals;
            record.extend([a.upheld, a.overturned, a.pending].map(|n| n.to_string()));
        }
        let _ = w.write_record(&record);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for a Markdown table cell or list item: no line breaks, no column separators.
fn md_cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// Each 误判 as an `[[example]] expect = "pass"` block for its rule file, grouped by rule.
/// With the rule set, each excerpt is graded: one that does not trigger the rule now (too
/// little context, or the rule has changed) carries a warning instead of pretending to be a
/// failing example.
pub fn suggest(verdicts: &[Verdict], set: Option<&RuleSet>) -> String {
    let mut by_rule: BTreeMap<&str, Vec<&Verdict>> = BTreeMap::new();
    for v in verdicts
        .iter()
        .filter(|v| v.judgement == Judgement::Rejected)
    {
        by_rule.entry(&v.rule_id).or_default().push(v);
    }
    let mut s = String::new();
    if !by_rule.is_empty() {
        s.push_str(
            "# 复核认定的误判,写成“不该命中”的示例。加进规则文件后 zhijian test 会报它们失败,\n\
             # 直到改好规则 (短语、exclude、when/unless) 让它们通过为止——这正是要修的地方。\n\n",
        );
    }
    for (rule_id, list) in by_rule {
        let rule = set.and_then(|s| s.rule(rule_id));
        let _ = writeln!(
            s,
            "# ---- {rule_id} {} — 粘贴到规则目录的 {} ----",
            rule.map_or(list[0].rule_title.as_str(), |r| r.title.as_str()),
            rule.map_or("该规则文件", |r| r.path.as_str())
        );
        for v in list {
            let _ = writeln!(
                s,
                "# 复核误判: {} ({}) 第 {} 轮{}",
                one_line(&v.call_id),
                one_line(&v.source),
                v.turn + 1,
                if v.reviewer.is_empty() {
                    String::new()
                } else {
                    format!(",复核人 {}", one_line(&v.reviewer))
                }
            );
            if v.context.trim().is_empty() {
                s.push_str("# 这条记录没有上下文 (context 列),无法生成示例;请从原通话摘录。\n\n");
                continue;
            }
            if let Some(set) = set {
                if let Some(warning) = check_excerpt(set, v) {
                    let _ = writeln!(s, "# 注意: {warning}");
                }
            }
            let note = if v.comment.is_empty() {
                format!("复核误判: {}", one_line(&v.quote))
            } else {
                format!("复核误判: {}", one_line(&v.comment))
            };
            let example = Example {
                expect: "pass",
                channel: v.channel.filter(|c| *c != Channel::Phone).map(|c| c.name()),
                note,
                text: format!("{}\n", v.context.trim_end().replace('\r', "")),
            };
            // The toml crate quotes and escapes (a `"""` or a control character in an excerpt
            // cannot end the string early) and writes the text as a multi-line string.
            let table = Examples { example: [example] };
            s.push_str(&toml::to_string(&table).expect("an example is plain strings"));
            s.push('\n');
        }
    }
    if s.is_empty() {
        s.push_str("# 没有误判,没有要补充的示例。\n");
    }
    s
}

/// Whether the excerpt of `v` still triggers its rule under `set`; the problem if not.
fn check_excerpt(set: &RuleSet, v: &Verdict) -> Option<String> {
    let Some(index) = set.rules.iter().position(|r| r.id == v.rule_id) else {
        return Some(format!("当前规则集里没有 {},这条示例无处可放", v.rule_id));
    };
    let mut call = match crate::input::parse_text(&v.context, "excerpt") {
        Ok(call) => call,
        Err(e) => return Some(format!("摘录无法解析为对话: {e}")),
    };
    call.channel = v.channel.unwrap_or(Channel::Phone);
    if set.evaluate(&call).iter().any(|h| h.rule == index) {
        None
    } else {
        Some(format!(
            "这段摘录在当前规则下不命中 {};可能上下文不够 (规则看的是整通电话),或规则已经改过。请核对后再加入。",
            v.rule_id
        ))
    }
}

/// One `[[example]]` table of a rule file, as `suggest` writes it.
#[derive(serde::Serialize)]
struct Example<'a> {
    expect: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    note: String,
    text: String,
}

#[derive(serde::Serialize)]
struct Examples<'a> {
    example: [Example<'a>; 1],
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "call_id,source,rule_id,turn,start,end,verdict,reviewer,comment,rules_version,kind,rule_title,quote,context,channel\n";

    fn read(text: &str) -> Result<Verdicts, VerdictError> {
        read_bytes(text.as_bytes())
    }

    fn read_bytes(bytes: &[u8]) -> Result<Verdicts, VerdictError> {
        let mut all = Verdicts::default();
        read_into(&mut all, bytes, Path::new("v.csv"))?;
        Ok(all)
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662.
        let (lo, hi) = wilson(81, 263).unwrap();
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
        // 15/148 → 0.0624–0.1605 (same table).
        let (lo, hi) = wilson(15, 148).unwrap();
        assert!(
            (lo - 0.0624).abs() < 5e-4 && (hi - 0.1605).abs() < 5e-4,
            "{lo} {hi}"
        );
        // All confirmed: the interval is not [1, 1].
        let (lo, hi) = wilson(3, 3).unwrap();
        assert!((lo - 0.4385).abs() < 5e-4 && hi == 1.0, "{lo} {hi}");
        let (lo, hi) = wilson(0, 4).unwrap();
        assert!(lo == 0.0 && (hi - 0.4899).abs() < 5e-4, "{lo} {hi}");
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn nothing_reviewed_has_no_precision() {
        let summary = summarise(&Verdicts::default(), None);
        let rows = &summary.rows;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].precision(), None);
        assert_eq!(rows[0].interval(), None);
        assert_eq!(rows[0].agreement, None);
        let md = markdown(&summary);
        assert!(md.contains("| **合计** |  | 0 | 0 | 0 | — | — |"), "{md}");
        assert!(md.ends_with("没有误判。\n"), "{md}");
        assert!(csv(rows).ends_with("合计,,0,0,0,,,\n"));
    }

    #[test]
    fn verdict_cells_in_chinese_and_english() {
        for c in ["确认", " confirmed ", "TP", "正确"] {
            assert_eq!(Judgement::parse(c), Ok(Some(Judgement::Confirmed)), "{c}");
        }
        for c in ["误判", "rejected", "FP", "false_positive"] {
            assert_eq!(Judgement::parse(c), Ok(Some(Judgement::Rejected)), "{c}");
        }
        for c in ["存疑", "debatable", "两可", "？"] {
            assert_eq!(Judgement::parse(c), Ok(Some(Judgement::Debatable)), "{c}");
        }
        assert_eq!(Judgement::parse("  "), Ok(None));
        let e = Judgement::parse("也许").unwrap_err();
        assert!(
            e.contains("也许") && e.ends_with("应为 确认、误判 或 存疑"),
            "{e}"
        );
    }

    #[test]
    fn debatable_verdicts_give_a_strict_and_a_lenient_precision() {
        let text = format!(
            "{HEADER}c1,a.txt,RSP001,1,0,2,确认,,,v1,said,用“我们”推托,我们,,\n\
             c1,a.txt,RSP001,2,0,2,存疑,王芳,说不清,v1,said,用“我们”推托,我们会,,\n\
             c1,a.txt,RSP001,3,0,2,误判,,,v1,said,用“我们”推托,我们,,\n\
             c2,b.txt,CLS001,4,0,2,存疑,,,v1,missing,未使用结束语,好的,,\n\
             c3,b.txt,LNG001,1,0,3,确认,,,v1,said,服务禁语,不知道,,\n"
        );
        let all = read(&text).unwrap();
        let rows = precision(&all.verdicts, None);
        let rsp = &rows[2];
        assert_eq!(rsp.rule_id, "RSP001");
        assert_eq!((rsp.confirmed, rsp.rejected, rsp.debatable), (1, 1, 1));
        assert_eq!(rsp.reviewed(), 3);
        assert_eq!(rsp.precision(), Some(1.0 / 3.0));
        assert_eq!(rsp.lenient(), Some(2.0 / 3.0));
        assert_eq!(rsp.interval(), wilson(1, 3));
        assert_eq!(rsp.lenient_interval(), wilson(2, 3));
        let total = rows.last().unwrap();
        assert_eq!(
            (total.confirmed, total.rejected, total.debatable),
            (2, 1, 2)
        );
        assert_eq!(total.lenient(), Some(0.8));

        let md = markdown(&summarise(&all, None));
        assert!(
            md.starts_with("| 规则 | 名称 | 复核 | 确认 | 误判 | 存疑 | 准确率 | 95% 区间 | 宽松准确率 | 95% 区间 |\n\
                            |---|---|---:|---:|---:|---:|---:|---|---:|---|\n"),
            "{md}"
        );
        assert!(
            md.contains("| CLS001 | 未使用结束语 | 1 | 0 | 0 | 1 | 0.0% | 0.0%–79.3% | 100.0% | 20.7%–100.0% |\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "| **合计** |  | 5 | 2 | 1 | 2 | 40.0% | 11.8%–76.9% | 80.0% | 37.6%–96.4% |\n"
            ),
            "{md}"
        );
        assert!(md.contains("\n准确率 = 确认 / 复核 (存疑算错)"), "{md}");
        assert!(md.contains("\n## 误判 (1 处)\n"), "{md}");
        assert!(
            md.ends_with(
                "\n## 存疑 (2 处)\n\n### CLS001 未使用结束语\n\n- c2 (b.txt) 第 5 轮 “好的”\n\
                 \n### RSP001 用“我们”推托\n\n- c1 (a.txt) 第 3 轮 “我们会” — 说不清 (王芳)\n"
            ),
            "{md}"
        );
        let csv = csv(&rows);
        assert!(
            csv.starts_with("rule_id,title,reviewed,confirmed,rejected,precision,ci_low,ci_high,debatable,lenient,lenient_low,lenient_high\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\n合计,,5,2,1,0.4000,0.1176,0.7693,2,0.8000,0.3755,0.9638\n"),
            "{csv}"
        );
        // Only debatable verdicts: no 误判, and the 存疑 still listed.
        let only = read(&format!(
            "{HEADER}c2,b.txt,CLS001,4,0,2,存疑,,,v1,missing,t,好的,,\n"
        ))
        .unwrap();
        let md = markdown(&summarise(&only, None));
        assert!(md.contains("\n没有误判。\n\n## 存疑 (1 处)\n"), "{md}");
        // Suggestions are made of 误判 only.
        assert!(suggest(&all.verdicts, None).contains("复核误判: c1 (a.txt) 第 4 轮"));
        assert!(!suggest(&all.verdicts, None).contains("说不清"));
    }

    #[test]
    fn the_transcript_fingerprint_is_the_review_page_s() {
        use crate::input::Role;
        let turn = |role, text: &str| Turn {
            role,
            text: text.into(),
            ..Turn::default()
        };
        let turns = [
            turn(Role::Agent, "您好,工号1024为您服务。"),
            turn(Role::Customer, "我要投诉😀"),
        ];
        // Values from review.js's fingerprint() run in node.
        assert_eq!(transcript_fingerprint(&turns), "65b95a7d");
        assert_eq!(transcript_fingerprint(&[]), "811c9dc5");
        assert_ne!(
            transcript_fingerprint(&turns[..1]),
            transcript_fingerprint(&turns)
        );

        // And the page's own function, where node is installed, on text of every width.
        let texts = ["", "a", "喂", "𠮷野家😀", "客服：\u{0}\u{1}\n", "=1+1 'x'"];
        let mut cases = Vec::new();
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i..] {
                cases.push(vec![turn(Role::Agent, a), turn(Role::Customer, b)]);
            }
        }
        let script = include_str!("report/html/review.js");
        let at = script.find("function fingerprint(c) {").unwrap();
        let end = at + script[at..].find("\n  }\n").unwrap() + 4;
        let json: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                serde_json::json!({"turns": c.iter().map(|t| serde_json::json!({
                    "role": t.role.as_str(), "text": t.text})).collect::<Vec<_>>()})
            })
            .collect();
        let program = format!(
            "{}\nfor (const c of {}) console.log(fingerprint(c));",
            &script[at..end],
            serde_json::Value::Array(json)
        );
        let Ok(out) = std::process::Command::new("node")
            .args(["-e", &program])
            .output()
        else {
            eprintln!("没有 node,跳过与 review.js 的核对");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let js: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let rust: Vec<String> = cases.iter().map(|c| transcript_fingerprint(c)).collect();
        assert_eq!(js, rust);
    }

    #[test]
    fn cells_are_written_as_the_page_writes_them_and_read_back_exactly() {
        for text in ["=1+1", "'引号", "-5", "@x", "\t制表", "普通", "", "a'b"] {
            let written = cell(text);
            assert_eq!(unquote(&written), text, "{text:?}");
            assert_eq!(
                written.starts_with('\''),
                text.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']),
                "{text:?}"
            );
        }
        let said = Evidence::Said(crate::rule::Quote {
            start: 3,
            end: 5,
            text: "不知".into(),
            similar: None,
            sounds_like: None,
        });
        assert_eq!(span(&said), (3, 5));
        let quiet = Evidence::Silence {
            begin_ms: 1000,
            end_ms: 13_500,
        };
        assert_eq!(span(&quiet), (1000, 13_500));
        assert_eq!(super::HEADER[..REQUIRED.len()], REQUIRED);
    }

    #[test]
    fn rows_are_read_merged_and_counted() {
        let text = format!(
            "\u{feff}{HEADER}\
c1,a.txt,RSP001,2,0,2,确认,张敏,,v1,said,用“我们”推托,我们,客服：我们,phone
c1,a.txt,RSP001,4,3,5,误判,张敏,'=说的是公司,v1,said,用“我们”推托,我们,\"客户：嗯\n客服：我们会记录\",chat
c2,b.txt,CLS001,9,0,6,误判,李强,,v1,missing,未使用结束语,好的。,客服：好的。,
c2,b.txt,CLS001,9,0,6,确认,李强,看错了,v1,missing,未使用结束语,好的。,客服：好的。,
c3,b.txt,CLS001,1,0,6,,,,v1,missing,未使用结束语,好的。,客服：好的。,
"
        );
        let all = read(&text).unwrap();
        assert_eq!(all.verdicts.len(), 3);
        assert_eq!((all.repeated, all.disagreements, all.unjudged), (1, 1, 1));
        let v = &all.verdicts[1];
        assert_eq!(v.comment, "=说的是公司", "the spreadsheet quote is removed");
        assert_eq!(v.context, "客户：嗯\n客服：我们会记录");
        assert_eq!(v.channel, Some(Channel::Chat));
        assert_eq!(v.at, "v.csv:3");
        assert_eq!(
            all.verdicts[2].judgement,
            Judgement::Confirmed,
            "the same reviewer's later verdict wins"
        );
        assert_eq!(all.verdicts[2].comment, "看错了");
        assert!(all.hits().iter().all(|j| !j.by_several()));

        let rows = precision(&all.verdicts, None);
        let ids: Vec<_> = rows.iter().map(|p| p.rule_id.as_str()).collect();
        assert_eq!(ids, ["CLS001", "RSP001", TOTAL]);
        assert_eq!((rows[1].confirmed, rows[1].rejected), (1, 1));
        assert_eq!(rows[1].title, "用“我们”推托");
        assert_eq!(rows[1].precision(), Some(0.5));
        assert_eq!((rows[2].confirmed, rows[2].rejected), (2, 1));
    }

    /// Four hits two reviewers both judged (the case `three_verdicts_by_hand` in agreement.rs
    /// works out: κ = 0.2), one judged by one of them; then a third reviewer on two of them.
    const TWO_REVIEWERS: &str = "\
c1,a.txt,RSP001,1,0,2,确认,李强,,v1,said,用“我们”推托,我们,,
c1,a.txt,RSP001,1,0,2,确认,王芳,,v1,said,用“我们”推托,我们,,
c1,a.txt,RSP001,3,0,2,确认,李强,,v1,said,用“我们”推托,我们会,,
c1,a.txt,RSP001,3,0,2,误判,王芳,说的是公司,v1,said,用“我们”推托,我们会,,
c2,b.txt,CLS001,4,0,2,误判,李强,,v1,missing,未使用结束语,好的,,
c2,b.txt,CLS001,4,0,2,误判,王芳,已经说了再见,v1,missing,未使用结束语,好的,,
c3,b.txt,CLS001,6,0,2,存疑,李强,,v1,missing,未使用结束语,嗯,,
c3,b.txt,CLS001,6,0,2,确认,王芳,,v1,missing,未使用结束语,嗯,,
c4,d.txt,LNG001,0,0,3,确认,李强,,v1,said,服务禁语,不知道,,
";

    #[test]
    fn several_reviewers_count_each_hit_once_with_the_majority_verdict() {
        assert_eq!(consensus([Judgement::Rejected]), Some(Judgement::Rejected));
        let two_to_one = [
            Judgement::Rejected,
            Judgement::Confirmed,
            Judgement::Rejected,
        ];
        assert_eq!(consensus(two_to_one), Some(Judgement::Rejected));
        let tie = [Judgement::Confirmed, Judgement::Rejected];
        assert_eq!(consensus(tie), Some(Judgement::Debatable), "a tie is 存疑");
        let tie = [Judgement::Confirmed, Judgement::Debatable];
        assert_eq!(consensus(tie), Some(Judgement::Debatable));
        assert_eq!(consensus([]), None);

        let all = read(&format!("{HEADER}{TWO_REVIEWERS}")).unwrap();
        assert_eq!(all.verdicts.len(), 9, "every reviewer's verdict is kept");
        assert_eq!((all.repeated, all.disagreements), (0, 0));
        let hits = all.hits();
        assert_eq!(hits.len(), 5, "five hits");
        let settled: Vec<(&str, Judgement, &str, &str)> = hits
            .iter()
            .map(|j| {
                let v = &j.verdict;
                (
                    v.call_id.as_str(),
                    v.judgement,
                    v.reviewer.as_str(),
                    v.comment.as_str(),
                )
            })
            .collect();
        assert_eq!(
            settled,
            [
                ("c1", Judgement::Confirmed, "李强、王芳", ""),
                ("c1", Judgement::Debatable, "李强、王芳", "说的是公司"),
                ("c2", Judgement::Rejected, "李强、王芳", "已经说了再见"),
                ("c3", Judgement::Debatable, "李强", ""),
                ("c4", Judgement::Confirmed, "李强", ""),
            ]
        );
        assert!(hits[0].unanimous() && !hits[1].unanimous() && hits[4].unanimous());

        let summary = summarise(&all, None);
        let ids: Vec<&str> = summary.rows.iter().map(|p| p.rule_id.as_str()).collect();
        assert_eq!(ids, ["CLS001", "LNG001", "RSP001", TOTAL]);
        let total = summary.rows.last().unwrap();
        assert_eq!(
            (
                total.reviewed(),
                total.confirmed,
                total.rejected,
                total.debatable
            ),
            (5, 2, 1, 2),
            "each hit once"
        );
        let a = total.agreement.as_ref().unwrap();
        assert_eq!((a.hits, a.reviewers, a.method), (4, 2, Method::Cohen));
        assert_eq!(a.kappa.observed, 0.5);
        assert!((a.kappa.kappa().unwrap() - 0.2).abs() < 1e-9, "{a:?}");
        // CLS001: (误判, 误判), (存疑, 确认): pₒ = 0.5, pₑ = 0.25, κ = 1/3. RSP001: (确认, 确认),
        // (确认, 误判): pₒ = 0.5, pₑ = 1 · 0.5 = 0.5, κ = 0.
        let cls = summary.rows[0].agreement.as_ref().unwrap();
        assert!(
            (cls.kappa.kappa().unwrap() - 1.0 / 3.0).abs() < 1e-9,
            "{cls:?}"
        );
        let rsp = summary.rows[2].agreement.as_ref().unwrap();
        assert_eq!((rsp.kappa.observed, rsp.kappa.kappa()), (0.5, Some(0.0)));
        assert_eq!(summary.rows[1].agreement, None, "LNG001 had one reviewer");
        assert_eq!(summary.reviewers(), ["李强", "王芳"]);

        // A third reviewer on two of the hits: Fleiss' κ over the same four. Per hit
        // 1, 0, 1/3, 0 → P̄ = 1/3; ten verdicts 6 确认 3 误判 1 存疑 → P̄ₑ = 0.46.
        let third = "\
c1,a.txt,RSP001,1,0,2,确认,张敏,,v1,said,用“我们”推托,我们,,
c2,b.txt,CLS001,4,0,2,确认,张敏,,v1,missing,未使用结束语,好的,,
";
        let all = read(&format!("{HEADER}{TWO_REVIEWERS}{third}")).unwrap();
        let summary = summarise(&all, None);
        let a = summary.rows.last().unwrap().agreement.clone().unwrap();
        assert_eq!((a.hits, a.reviewers, a.method), (4, 3, Method::Fleiss));
        assert!((a.kappa.observed - 1.0 / 3.0).abs() < 1e-9, "{a:?}");
        assert!((a.kappa.expected - 0.46).abs() < 1e-9, "{a:?}");
        assert!((a.kappa.kappa().unwrap() - (1.0 / 3.0 - 0.46) / 0.54).abs() < 1e-9);
        assert_eq!(
            summary.hits[2].verdict.judgement,
            Judgement::Rejected,
            "two 误判 to one 确认"
        );
        assert_eq!(summary.hits[2].verdict.reviewer, "李强、王芳");
        // RSP001 alone still has two reviewers on one hit, and a third on the other.
        let rsp = summary.rows[2].agreement.as_ref().unwrap();
        assert_eq!(
            (rsp.hits, rsp.reviewers, rsp.method),
            (2, 3, Method::Fleiss)
        );

        let md = markdown(&summary);
        assert!(
            md.contains("\n复核数是命中数,每处只计一次:4 处命中由几位复核人判过"),
            "{md}"
        );
        assert!(
            md.contains(
                "\n## 复核一致性 (4 处命中由两位以上复核人判过)\n\n复核人:张敏、李强、王芳\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("| **合计** |  | 4 | 3 | 33.3% | -0.235 | Fleiss' κ |\n"),
            "{md}"
        );
        assert!(
            md.contains("\n### 意见不一 (3 处,校准时逐条讨论)\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "- c1 (a.txt) 第 4 轮 “我们会”:李强 确认;王芳 误判 (说的是公司) → 计为 存疑\n"
            ),
            "{md}"
        );
        let csv = csv(&summary.rows);
        assert!(
            csv.starts_with(
                "rule_id,title,reviewed,confirmed,rejected,precision,ci_low,ci_high,\
                             debatable,lenient,lenient_low,lenient_high,\
                             multi_reviewed,reviewers,agreement,kappa,kappa_method\n"
            ),
            "{csv}"
        );
        assert!(csv.contains(",4,3,0.3333,-0.2346,fleiss\n"), "{csv}");
        assert!(
            csv.contains(
                "\nLNG001,服务禁语,1,1,0,1.0000,0.2065,1.0000,0,1.0000,0.2065,1.0000,,,,,\n"
            ),
            "{csv}"
        );
    }

    #[test]
    fn unsigned_verdicts_are_one_reviewer_s() {
        let all = read(&format!(
            "{HEADER}c1,a.txt,R,1,0,2,确认,,,v1,said,t,我们,,\nc1,a.txt,R,1,0,2,误判,,,v1,said,t,我们,,\n\
             c1,a.txt,R,1,0,2,误判,王芳,,v1,said,t,我们,,\n"
        ))
        .unwrap();
        assert_eq!(
            (all.verdicts.len(), all.repeated, all.disagreements),
            (2, 1, 1)
        );
        let summary = summarise(&all, None);
        assert_eq!(summary.reviewers(), [UNSIGNED, "王芳"]);
        assert_eq!(summary.hits[0].verdict.reviewer, "(未署名)、王芳");
        assert!(markdown(&summary).contains("复核人的结论全部一致"));
    }

    #[test]
    fn appeals_are_read_beside_verdicts_and_counted_per_rule() {
        let header = "call_id,source,rule_id,turn,start,end,verdict,reviewer,comment,rules_version,\
                      kind,rule_title,quote,context,channel,transcript,appeal,decision,decided_by,decided_at\n";
        let text = format!(
            "{header}\
c1,a.txt,RSP001,4,0,2,确认,张敏,,v1,said,用“我们”推托,我们会,,,fp1,说的是公司流程,撤销,王经理,2026-11-20
c2,b.txt,RSP001,1,0,2,确认,张敏,,v1,said,用“我们”推托,我们,,,fp2,不服,维持,王经理,2026-11-21 09:30
c3,b.txt,LNG001,0,0,3,,,,v1,said,服务禁语,不知道,,,fp3,我没这么说,,,
c4,b.txt,CLS001,2,0,3,误判,张敏,,v1,missing,未使用结束语,好的,,,fp4,,,,
c5,b.txt,CLS001,5,0,3,,,,v1,missing,未使用结束语,好的,,,fp5,,,,
"
        );
        let mut all = read(&text).unwrap();
        assert_eq!(
            (all.verdicts.len(), all.appeals.len(), all.unjudged),
            (3, 3, 1)
        );
        let a = &all.appeals[0];
        assert_eq!(
            (
                a.reason.as_str(),
                a.decision,
                a.decided_by.as_str(),
                a.decided_at.as_str()
            ),
            (
                "说的是公司流程",
                Some(Decision::Overturned),
                "王经理",
                "2026-11-20"
            )
        );
        assert_eq!(
            a.key,
            all.verdicts[0].hit_key(),
            "the appeal names the verdict's hit"
        );
        assert_eq!(all.appeals[1].decision, Some(Decision::Upheld));
        assert_eq!(all.appeals[2].decision, None, "waiting for a decision");
        assert_eq!(all.appeals[2].quote, "不知道");

        let summary = summarise(&all, None);
        let row = |id: &str| {
            summary
                .rows
                .iter()
                .find(|p| p.rule_id == id)
                .unwrap()
                .clone()
        };
        let ids: Vec<&str> = summary.rows.iter().map(|p| p.rule_id.as_str()).collect();
        assert_eq!(
            ids,
            ["CLS001", "LNG001", "RSP001", TOTAL],
            "a rule with appeals only has a row"
        );
        assert_eq!(row("LNG001").reviewed(), 0);
        assert_eq!(row("LNG001").title, "服务禁语");
        assert_eq!(
            row("RSP001").appeals,
            AppealCounts {
                upheld: 1,
                overturned: 1,
                pending: 0
            }
        );
        assert_eq!(
            (row("RSP001").confirmed, row("RSP001").reviewed()),
            (2, 2),
            "an overturned appeal does not change the reviewers' verdicts"
        );
        assert_eq!(
            row(TOTAL).appeals,
            AppealCounts {
                upheld: 1,
                overturned: 1,
                pending: 1
            }
        );
        let md = markdown(&summary);
        assert!(md.starts_with("| 规则 | 名称 | 复核 | 确认 | 误判 | 准确率 | 95% 区间 | 申诉维持 | 申诉撤销 | 待裁决 |\n\
                                |---|---|---:|---:|---:|---:|---|---:|---:|---:|\n"), "{md}");
        assert!(
            md.contains("| LNG001 | 服务禁语 | 0 | 0 | 0 | — | — | 0 | 0 | 1 |\n"),
            "{md}"
        );
        assert!(
            md.contains("\n申诉是坐席自己挑出来的命中,不是随机抽的"),
            "{md}"
        );
        assert!(
            md.contains("\n## 申诉撤销 (1 处)\n\n### RSP001 用“我们”推托\n\n\
                         - c1 (a.txt) 第 5 轮 “我们会” — 申诉理由:说的是公司流程 (王经理 2026-11-20)\n"),
            "{md}"
        );
        assert!(
            md.contains("\n## 待裁决的申诉 (1 处)\n\n### LNG001 服务禁语\n\n- c3 (b.txt) 第 1 轮 “不知道” — 申诉理由:我没这么说\n"),
            "{md}"
        );
        let csv = csv(&summary.rows);
        assert!(csv.starts_with("rule_id,title,reviewed,confirmed,rejected,precision,ci_low,ci_high,appeals_upheld,appeals_overturned,appeals_pending\n"), "{csv}");
        assert!(
            csv.ends_with("\n合计,,3,2,1,0.6667,0.2077,0.9385,1,1,1\n"),
            "{csv}"
        );

        // The appeal decided later, in a file of appeals only (no verdict column): it replaces
        // the pending one.
        read_into(
            &mut all,
            "call_id,source,rule_id,turn,start,end,rules_version,kind,transcript,appeal,decision,decided_by,decided_at\n\
             c3,b.txt,LNG001,0,0,3,v1,said,fp3,我没这么说,撤销,王经理,2026-11-22\n"
                .as_bytes(),
            Path::new("申诉.csv"),
        )
        .unwrap();
        assert_eq!(all.appeals.len(), 3);
        assert_eq!(all.appeals[2].decision, Some(Decision::Overturned));
        assert_eq!(all.appeals[2].at, "申诉.csv:2");
        assert_eq!(all.verdicts.len(), 3, "an appeal is no verdict");
    }

    #[test]
    fn appeals_are_counted_whatever_became_of_them() {
        let counts = AppealCounts {
            upheld: 1,
            overturned: 2,
            pending: 4,
        };
        assert_eq!(counts.total(), 7);
        assert_eq!(AppealCounts::default().total(), 0);
    }

    #[test]
    fn decisions_in_chinese_and_english_and_a_bad_one_is_named() {
        for c in ["维持", " upheld ", "维持原判", "Keep"] {
            assert_eq!(Decision::parse(c), Ok(Some(Decision::Upheld)), "{c}");
        }
        for c in ["撤销", "overturned", "撤消", "REVOKED"] {
            assert_eq!(Decision::parse(c), Ok(Some(Decision::Overturned)), "{c}");
        }
        assert_eq!(Decision::parse(" "), Ok(None));
        assert_eq!(
            (Decision::Upheld.zh(), Decision::Overturned.zh()),
            ("维持", "撤销")
        );
        let e = read("call_id,source,rule_id,turn,start,end,decision\nc1,a,R,1,0,1,驳回\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "v.csv:2: decision 列的值 \"驳回\" 不认识: 应为 维持 (命中成立) 或 撤销 (命中不成立),未裁决的留空"
        );
        // Without a verdict, appeal or decision column the file says what it lacks.
        let e = read("call_id,source,rule_id,turn,start,end\nc1,a,R,1,0,1\n").unwrap_err();
        assert!(e.to_string().contains("缺少列 verdict;"), "{e}");
    }

    #[test]
    fn a_call_is_known_by_its_words_where_the_report_gave_them() {
        let header = "call_id,source,rule_id,turn,start,end,verdict,kind,transcript\n";
        // The same words graded from two spellings of the path: one hit, judged twice.
        let all = read(&format!(
            "{header}c1,calls/a.txt,R,1,0,2,确认,said,0badc0de\nc1,./calls/a.txt,R,1,0,2,误判,said,0badc0de\n"
        ))
        .unwrap();
        assert_eq!(
            (all.verdicts.len(), all.repeated, all.disagreements),
            (1, 1, 1)
        );
        // Next week's a.txt says something else: another call.
        let all = read(&format!(
            "{header}c1,calls/a.txt,R,1,0,2,确认,said,0badc0de\nc1,calls/a.txt,R,1,0,2,误判,said,feedf00d\n"
        ))
        .unwrap();
        assert_eq!((all.verdicts.len(), all.repeated), (2, 0));
        // The same place, but a missing reply rather than words said: another hit.
        let all = read(&format!(
            "{header}c1,a.txt,R,1,0,2,确认,said,x\nc1,a.txt,R,1,0,2,确认,missing,x\n"
        ))
        .unwrap();
        assert_eq!(all.verdicts.len(), 2);
    }

    #[test]
    fn gbk_files_from_excel_are_read_and_an_empty_file_is_named() {
        let text = format!(
            "{HEADER}c1,a.txt,RSP001,4,3,5,误判,张敏,说的是公司流程,v1,said,用“我们”推托,我们,客服：我们,\n"
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        assert!(std::str::from_utf8(&bytes).is_err(), "really GBK");
        let all = read_bytes(&bytes).unwrap();
        assert_eq!(all.verdicts[0].comment, "说的是公司流程");
        assert_eq!(all.verdicts[0].reviewer, "张敏");
        let e = read_bytes(b"").unwrap_err();
        assert_eq!(e.to_string(), "v.csv: 文件为空");
        let e = read_bytes(b"\r\n").unwrap_err();
        assert_eq!(e.to_string(), "v.csv: 文件为空");
    }

    #[test]
    fn a_file_without_the_columns_or_with_bad_cells_is_an_error() {
        let e = read("call_id,rule_id,verdict\nc1,R,确认\n").unwrap_err();
        assert!(
            e.to_string().contains("缺少列 source、turn、start、end"),
            "{e}"
        );
        let e = read(&format!("{HEADER}c1,a,R,two,0,1,确认\n")).unwrap_err();
        assert_eq!(e.to_string(), "v.csv:2: turn 列应为非负整数,而不是 \"two\"");
        let e = read(&format!("{HEADER}c1,a,R,1,0,1,maybe\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("v.csv:2: verdict 列的值 \"maybe\""),
            "{e}"
        );
        let e = read(&format!("{HEADER}c1,a,,1,0,1,误判\n")).unwrap_err();
        assert_eq!(e.to_string(), "v.csv:2: rule_id 列为空");
    }

    #[test]
    fn markdown_lists_every_rejected_hit_with_its_words() {
        let text = format!(
            "{HEADER}c1,a.txt,RSP001,4,3,5,误判,张敏,说的是公司|不是推托,v1,said,用“我们”推托,我们会,客服：我们会,\n\
             c2,b.txt,RSP001,0,0,2,确认,,,v1,said,用“我们”推托,我们,客服：我们,\n"
        );
        let all = read(&text).unwrap();
        let md = markdown(&summarise(&all, None));
        assert!(
            md.contains("| RSP001 | 用“我们”推托 | 2 | 1 | 1 | 50.0% | 9.5%–90.5% |"),
            "{md}"
        );
        assert!(
            md.contains("- c1 (a.txt) 第 5 轮 “我们会” — 说的是公司\\|不是推托 (张敏)"),
            "{md}"
        );
        let csv = csv(&precision(&all.verdicts, None));
        assert!(
            csv.contains("RSP001,用“我们”推托,2,1,1,0.5000,0.0945,0.9055"),
            "{csv}"
        );
    }

    #[test]
    fn suggested_examples_are_valid_toml_whatever_the_text() {
        let text = format!(
            "{HEADER}c1,a.txt,RSP001,4,3,5,误判,张敏,\"他说 \"\"我们\"\" 是指公司\u{7}\",v1,said,t,我们,\"客户：\\\"\"\"\"\"\"\n客服：我们\u{1b}\",social\n"
        );
        let all = read(&text).unwrap();
        let out = suggest(&all.verdicts, None);
        let parsed: toml::Table = toml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        let ex = &parsed["example"].as_array().unwrap()[0];
        assert_eq!(ex["expect"].as_str(), Some("pass"));
        assert_eq!(ex["channel"].as_str(), Some("social"));
        assert_eq!(
            ex["text"].as_str(),
            Some("客户：\\\"\"\"\n客服：我们\u{1b}\n"),
            "the excerpt survives quotes, backslashes and control characters"
        );
        assert_eq!(
            ex["note"].as_str(),
            Some("复核误判: 他说 \"我们\" 是指公司\u{7}")
        );
        assert!(
            out.contains("\n\n# ---- RSP001 t — 粘贴到规则目录的 该规则文件 ----\n"),
            "{out}"
        );
    }
}
