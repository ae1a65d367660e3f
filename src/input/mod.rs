//! Input: paths on the command line → [`Item`]s, each a [`Call`] or the [`InputError`] that
//! stopped it, in source order.
//!
//! In: files, directories (walked recursively, sorted) and `-` for stdin. Out: one `Item` per
//! call. What happens in between:
//!
//! 1. [`discover`] lists the sources; files in a directory that no reader claims by extension
//!    (recordings, spreadsheets) are skipped and counted, never read, and zhijian's own reports
//!    ([`own_reports`], known by their first bytes) are set apart, never graded as calls.
//! 2. [`read_source`] opens one: the encoding is detected from its bytes
//!    ([`crate::normalize::detect_encoding`]), then every [`Reader`] in [`READERS`] looks at a
//!    [`Probe`] of its first part (extension, text, JSON key paths) and the best fit reads it.
//!    Small files are read whole; large ones and stdin are streamed, so a 1 GB export is graded
//!    in the memory of one chunk.
//! 3. A reader turns the document into [`Transcript`]s — segments with a role label or a
//!    speaker name — and [`speakers::assign`] settles who is the agent, recording why.
//!
//! Adding a format is one file implementing [`Reader`] (or [`json::JsonFormat`] for a JSON
//! shape) and one row in [`READERS`]. A file that cannot be read is one error item; a bad line
//! or array element costs only its own item.

mod alibaba;
mod canonical;
mod funasr;
mod huawei;
mod iflytek;
pub mod json;
mod jsonl;
pub mod own_reports;
mod sca;
pub mod speakers;
mod subtitle;
mod tencent;
mod text;
mod whisper;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8};
use regex::Regex;

pub use crate::call::{
    Call, Confidence, Role, RoleBasis, Signals, Turn, AGENT_LABELS, CUSTOMER_LABELS,
};
pub use speakers::RoleOptions;
pub use text::parse_text;

/// Every input format, in one place. Order matters only between equal fits.
pub static READERS: &[&dyn Reader] = &[
    &text::Text,
    &subtitle::Srt,
    &subtitle::WebVtt,
    &jsonl::Jsonl,
    &json::Json(canonical::Canonical),
    &json::Json(alibaba::FileTrans),
    &json::Json(alibaba::DashScope),
    &json::Json(sca::Tickets),
    &json::Json(funasr::FunAsr),
    &json::Json(whisper::Whisper),
    &json::Json(tencent::Tencent),
    &json::Json(iflytek::IFlytek),
    &json::Json(huawei::Huawei),
];

/// One input format.
pub trait Reader: Sync {
    /// The format's name in messages (`阿里云录音文件识别`, `WebVTT 字幕`).
    fn name(&self) -> &'static str;
    /// File extensions (lower case, no dot) that hold this format. In a directory, only files
    /// with a known extension are read.
    fn extensions(&self) -> &'static [&'static str];
    /// How well the document fits this format; [`Fit::NONE`] when it does not. The reader with
    /// the best fit reads the document.
    fn detect(&self, probe: &Probe<'_>) -> Fit;
    /// Reads the document, handing each call to `out` in order; stops early when `out` says so.
    /// An error that concerns the whole document is returned; one that concerns one call is
    /// handed out as that call's result.
    fn read(&self, doc: Doc, out: &mut Out<'_>) -> Result<(), InputError>;
    /// For JSON formats: the calls in one already-parsed JSON value (a line of JSONL).
    fn json(&self) -> Option<&dyn json::ValueReader> {
        None
    }
}

/// How well a document fits a format. Content beats extension: a `.txt` holding WebVTT is read
/// as WebVTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fit(pub u8);

impl Fit {
    pub const NONE: Fit = Fit(0);
    /// Only the file extension says so.
    pub const EXTENSION: Fit = Fit(10);
    /// The content looks like it.
    pub const CONTENT: Fit = Fit(30);
    /// The content has this format's distinctive marks (`WEBVTT`, `"Result":{"Sentences"`).
    pub const SIGNATURE: Fit = Fit(50);
}

/// What readers look at to claim a document: its extension and its first part.
pub struct Probe<'a> {
    pub extension: Option<&'a str>,
    /// The decoded text of the document, or of its first [`HEAD`] bytes when it is streamed.
    pub head: &'a str,
    /// The JSON key paths of the head, when it starts like JSON.
    pub shape: Option<json::Shape>,
}

impl Probe<'_> {
    pub fn extension_is(&self, extensions: &[&str]) -> bool {
        self.extension.is_some_and(|e| extensions.contains(&e))
    }
}

/// A document to read: the whole decoded text, or a stream of UTF-8 for one too large to hold.
pub struct Doc {
    body: Body,
    /// The most text one call may have.
    pub limit: usize,
}

enum Body {
    Text(String),
    Stream(Box<dyn BufRead + Send>),
}

impl Doc {
    /// The whole text, for formats that cannot be streamed; refused beyond the call limit.
    pub fn text(self) -> Result<String, InputError> {
        match self.body {
            Body::Text(text) if text.len() > self.limit => Err(InputError::TooLarge(self.limit)),
            Body::Text(text) => Ok(text),
            Body::Stream(stream) => {
                let mut bytes = Vec::new();
                stream
                    .take(self.limit as u64 + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| InputError::Io(crate::zh::io(&e)))?;
                if bytes.len() > self.limit {
                    return Err(InputError::TooLarge(self.limit));
                }
                let text = String::from_utf8(bytes)
                    .map_err(|_| InputError::Encoding("文件中途出现无法解码的字节".into()))?;
                Ok(crate::normalize::clean_owned(text))
            }
        }
    }

    /// The document as a stream of UTF-8 bytes.
    pub fn reader(self) -> Box<dyn BufRead + Send> {
        match self.body {
            Body::Text(text) => Box::new(io::Cursor::new(text.into_bytes())),
            Body::Stream(stream) => stream,
        }
    }

    /// The key paths of the document's first part, without consuming it.
    pub fn peek_shape(&mut self) -> Option<json::Shape> {
        match &mut self.body {
            Body::Text(text) => json::Shape::probe(head_prefix(text)),
            Body::Stream(stream) => {
                let head = String::from_utf8_lossy(stream.fill_buf().ok()?).into_owned();
                json::Shape::probe(&head)
            }
        }
    }

    /// The whole text when it is in memory (so parsers can take the faster path).
    pub fn in_memory(&self) -> Option<&str> {
        match &self.body {
            Body::Text(text) => Some(text),
            Body::Stream(_) => None,
        }
    }
}

/// Where a reader hands its calls: `(n, call)`, `n` being the call's 1-based place in a
/// document that holds several (an array element, a JSONL line), `None` for a document that is
/// one call. Returns false when the batch has stopped.
pub type Out<'a> = dyn FnMut(Option<usize>, Unit) -> bool + 'a;

/// A call as a reader hands it over.
pub enum Unit {
    /// Parsed (or failed).
    Ready(Result<Transcript, InputError>),
    /// Failed, but the id it gives itself is known: the error row is reported under it.
    Failed { id: String, error: InputError },
    /// A JSONL line, parsed in parallel where it is graded rather than on the reading thread.
    Line(String),
}

/// What a reader makes of one call before roles are settled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    pub id: Option<String>,
    pub meta: BTreeMap<String, String>,
    pub segments: Vec<Segment>,
    pub duration_ms: Option<u64>,
    /// The segments are a recogniser's sentences: consecutive ones from one speaker, close in
    /// time, are one turn.
    pub sentences: bool,
}

/// One timed stretch of speech.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segment {
    pub who: Who,
    pub text: String,
    pub begin: Option<u64>,
    pub end: Option<u64>,
    pub signals: Signals,
    /// How sure the recogniser was of the whole segment, 0–1, when it said.
    pub confidence: Option<f32>,
    /// How sure it was of each word, in the order said: the word as the recogniser wrote it
    /// and a probability 0–1. Where present, these say more than [`Segment::confidence`].
    pub words: Vec<(String, f32)>,
}

/// A recogniser's confidence as zhijian keeps it: a probability from 0 to 1 to two decimals,
/// or nothing. Values outside that range are some other scale that cannot be compared with a
/// threshold. Two decimals are all a supervisor reads, and every report (and the review page's
/// script) then writes and compares the same short number.
pub(crate) fn probability(value: Option<f64>) -> Option<f32> {
    value
        .filter(|v| (0.0..=1.0).contains(v))
        .map(|v| ((v * 100.0).round() / 100.0) as f32)
}

/// Who a segment belongs to, as far as the input says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Who {
    Role(Role),
    /// A diarized speaker or an audio channel, named as the input names it.
    Speaker(String),
    /// A speaker whose role a label in its own text gave.
    Labelled(String, Role),
    /// The input does not say (a Whisper segment without diarization).
    #[default]
    Unknown,
}

/// Why one input could not be graded. Messages are for QA staff, so they are in Chinese and
/// say where the problem is.
///
/// Every message begins with zhijian's own words, never with text from the input (a speaker's
/// name, a JSON key) nor with a character a spreadsheet reads as a formula (`=` `+` `-` `@`):
/// reports write it as it is, without the guard that input text gets (see
/// [`crate::report::neutralise`]), so a flag is named inside a sentence, not at its start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("无法读取文件: {0}")]
    Io(String),
    #[error("文件为空")]
    Empty,
    #[error("{0}")]
    Encoding(String),
    #[error("JSON 格式错误: {0}")]
    Json(String),
    #[error("{format}: {message}")]
    Format {
        format: &'static str,
        message: String,
    },
    #[error("第 {line} 行: {message}")]
    Line { line: usize, message: String },
    #[error("第 {turn} 轮 (从 0 数): {message}")]
    Turn { turn: usize, message: String },
    #[error("未找到带角色标签的对话行 (支持的标签: {}; 也支持 说话人1、SPEAKER_00、spk0 等说话人编号,以及带时间戳的 ASR 导出格式)", AGENT_LABELS.iter().chain(CUSTOMER_LABELS).copied().collect::<Vec<_>>().join("、"))]
    NoTurns,
    #[error("{0}")]
    NoSpeech(String),
    #[error("通话中没有客服发言,无法质检")]
    NoAgentTurn,
    #[error("{0}")]
    Roles(String),
    #[error("通话文本超过单通上限 {} MB (--max-call-mb),未读取", .0 / (1024 * 1024))]
    TooLarge(usize),
    #[error("无法识别的格式{0} (支持: {formats})", formats = known_formats())]
    Unrecognised(String),
    /// One of zhijian's own reports (see [`own_reports`]), named as an input: what it is.
    #[error("{0},不是通话转写")]
    Report(String),
}

fn known_formats() -> String {
    READERS
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join("、")
}

/// One unit of the batch: where it came from, the id to report it under, and the parsed call
/// or the reason it could not be parsed.
#[derive(Debug, Clone)]
pub struct Item {
    pub source: String,
    pub id: String,
    pub call: Result<Call, InputError>,
}

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Decode files with this encoding instead of detecting it (a BOM still wins).
    pub encoding: Option<&'static Encoding>,
    pub roles: RoleOptions,
    /// Takes the agent's id from the path: the `agent` group of the regex, or its first group.
    pub agent_from_path: Option<Regex>,
    /// The most text one call may have.
    pub max_call_bytes: usize,
    /// The channel of every call whose metadata does not name one (`--channel`); phone when
    /// `None`.
    pub channel: Option<crate::channel::Channel>,
}

/// 16 MB of text is some fifty hours of speech: anything larger is not one call.
pub const DEFAULT_MAX_CALL_BYTES: usize = 16 * 1024 * 1024;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            encoding: None,
            roles: RoleOptions::default(),
            agent_from_path: None,
            max_call_bytes: DEFAULT_MAX_CALL_BYTES,
            channel: None,
        }
    }
}

/// A place to read calls from, as found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// Its size when it is a regular file; `None` for stdin, a FIFO, a device, or a path that
    /// cannot be read (which [`read_source`] reports).
    pub fn file_size(&self) -> Option<u64> {
        match self {
            Source::File(path) => std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            Source::Stdin => None,
        }
    }
}

/// Whether a regular file of this size (see [`Source::file_size`]) is read whole rather than
/// streamed: the batch groups such files to read them in parallel, and [`read_source`] reads
/// them in one go. One decision, made here.
pub fn read_whole(size: u64) -> bool {
    size <= WHOLE_FILE_LIMIT
}

/// The sources of a run, and the files in its directories that were not read.
#[derive(Debug, Default)]
pub struct Discovered {
    pub sources: Vec<Source>,
    /// Files inside the given directories whose extension no reader knows.
    pub skipped: Vec<PathBuf>,
    /// Files inside the given directories that are zhijian's own reports, with what each is.
    pub reports: Vec<(PathBuf, &'static own_reports::OwnReport)>,
}

/// Every extension some reader reads, for messages.
pub fn known_extensions() -> Vec<String> {
    let mut all: Vec<String> = READERS
        .iter()
        .flat_map(|r| r.extensions())
        .map(|e| format!(".{e}"))
        .collect();
    all.dedup();
    all
}

/// The extensions some reader reads.
fn known_extension(path: &Path) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    let ext = ext.to_ascii_lowercase();
    READERS
        .iter()
        .any(|r| r.extensions().contains(&ext.as_str()))
}

/// Expands the command-line paths into a sorted, de-duplicated list of sources. Directories
/// are walked recursively (hidden entries skipped); a path given by name is always read, so a
/// file that does not exist or is in no known format reports that in its own row. A walked
/// file that is one of zhijian's reports is no source: a report written into the directory it
/// grades is not graded by the next run, nor does it make that run write over an input.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    use rayon::prelude::*;
    let mut found = Discovered::default();
    // Files of the walks that may be reports: looked at together, in parallel, after the walk.
    let mut walked: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.sources.push(Source::Stdin);
        } else if path.is_dir() {
            let walker = walkdir::WalkDir::new(path)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        let path = e.into_path();
                        let readable = known_extension(&path);
                        if readable || own_reports::written_as(&path) {
                            walked.push((path, readable));
                        } else {
                            found.skipped.push(path);
                        }
                    }
                    Ok(_) => {}
                    // An unreadable directory entry becomes an error row under its path.
                    Err(e) => {
                        if let Some(p) = e.path() {
                            found.sources.push(Source::File(p.to_path_buf()))
                        }
                    }
                }
            }
        } else {
            found.sources.push(Source::File(path.clone()));
        }
    }
    // One small read a file; on the current thread pool, as the grading that follows.
    let peeked: Vec<_> = walked
        .into_par_iter()
        .map(|(path, readable)| {
            let report = own_reports::peek(&path);
            (path, readable, report)
        })
        .collect();
    for (path, readable, report) in peeked {
        match report {
            Some(report) => found.reports.push((path, report)),
            None if readable => found.sources.push(Source::File(path)),
            None => found.skipped.push(path),
        }
    }
    found.sources.sort();
    found.sources.dedup();
    found.skipped.sort();
    found.reports.sort_by(|a, b| a.0.cmp(&b.0));
    found.reports.dedup_by(|a, b| a.0 == b.0);
    found
}

/// How much of a document readers see to detect its format, and how much of a stream is
/// decoded to detect its encoding.
pub const HEAD: usize = 1024 * 1024;

/// Files up to this size are read whole (in parallel with their neighbours); larger ones are
/// streamed.
const WHOLE_FILE_LIMIT: u64 = 8 * 1024 * 1024;

/// A call handed out by a reader, with where it came from; turned into an [`Item`] by
/// [`Pending::resolve`], on whichever thread grades it.
pub struct Pending {
    source: String,
    stem: String,
    path: Option<PathBuf>,
    at: Option<usize>,
    unit: Unit,
}

impl Pending {
    /// About how many bytes of text the call holds, to bound what waits to be graded.
    pub fn weight(&self) -> usize {
        match &self.unit {
            Unit::Line(line) => line.len(),
            Unit::Ready(Ok(t)) => t.segments.iter().map(|s| s.text.len()).sum(),
            Unit::Ready(Err(_)) | Unit::Failed { .. } => 0,
        }
    }

    /// Parses what is left to parse, settles the roles and names the item.
    pub fn resolve(self, options: &ReadOptions) -> Vec<Item> {
        let (source, id) = match self.at {
            Some(n) => (format!("{}#{n}", self.source), format!("{}#{n}", self.stem)),
            None => (self.source.clone(), self.stem.clone()),
        };
        let results: Vec<(Option<String>, Result<Transcript, InputError>)> = match self.unit {
            Unit::Ready(result) => vec![(None, result)],
            Unit::Failed { id, error } => vec![(Some(id), Err(error))],
            Unit::Line(line) => jsonl::parse_line(&line),
        };
        let several = results.len() > 1;
        results
            .into_iter()
            .enumerate()
            .map(|(k, (own_id, result))| {
                let (source, fallback) = if several {
                    (format!("{source}.{}", k + 1), format!("{id}.{}", k + 1))
                } else {
                    (source.clone(), id.clone())
                };
                // An error row keeps the id its call gives itself, when that was readable.
                let mut known = own_id;
                let call = result.and_then(|t| {
                    known = t.id.clone().or(known.take());
                    finish(t, &fallback, self.path.as_deref(), options)
                });
                let id = match &call {
                    Ok(c) => c.id.clone(),
                    Err(_) => known.filter(|k| !k.is_empty()).unwrap_or(fallback),
                };
                Item { source, id, call }
            })
            .collect()
    }
}

/// Transcript → call: roles, identity and metadata from the path.
fn finish(
    transcript: Transcript,
    fallback_id: &str,
    path: Option<&Path>,
    options: &ReadOptions,
) -> Result<Call, InputError> {
    let mut call = speakers::assign(transcript, &options.roles)?;
    if call.id.is_empty() {
        call.id = fallback_id.to_string();
    }
    if let (Some(re), Some(path)) = (&options.agent_from_path, path) {
        if call.agent().is_none() {
            if let Some(agent) = agent_from_path(re, path) {
                call.meta.insert("agent".into(), agent);
            }
        }
    }
    // The call's own metadata is more specific than a batch-wide --channel.
    if let (None, Some(channel)) = (call.channel_in_meta(), options.channel) {
        call.channel = channel;
    }
    if let Some(ms) = call.duration_ms {
        call.meta
            .entry("duration_ms".into())
            .or_insert_with(|| ms.to_string());
    }
    Ok(call)
}

/// The recording's length as a text or JSON export's metadata gives it (`# duration_ms: 312500`,
/// `# 录音时长: 05:12.5`, `# 通话时长: 5分12秒`, `"duration": 312.5`), for the measures that need
/// to know when the call ended: milliseconds under `duration_ms`, seconds, a clock or 时/分/秒
/// under the others. A value that is none of these is no length.
pub(crate) fn duration_in_meta(meta: &BTreeMap<String, String>) -> Option<u64> {
    const SECONDS: &[&str] = &["duration", "录音时长", "通话时长", "时长"];
    let get = |key: &str| {
        meta.iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().replace([',', '，', '_'], ""))
    };
    let ms = match get("duration_ms") {
        Some(ms) => ms.parse::<f64>().ok()?,
        None => seconds_of(&SECONDS.iter().find_map(|k| get(k))?)? * 1000.0,
    };
    (ms.is_finite() && ms > 0.0).then_some(ms.round() as u64)
}

/// `312.5`, `312.5s`, `312.5秒`, `05:12.5`, `1:05:12`, `5分12秒`, `1小时5分` → seconds.
fn seconds_of(text: &str) -> Option<f64> {
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
    };
    if text.contains([':', '：']) {
        let parts: Vec<f64> = text.split([':', '：']).map(number).collect::<Option<_>>()?;
        // Minutes and seconds after the first part are below 60: 05:72 is no clock.
        if parts.len() > 3 || parts[1..].iter().any(|&p| p >= 60.0) {
            return None;
        }
        return Some(parts.iter().fold(0.0, |total, p| total * 60.0 + p));
    }
    if text.contains(['时', '分', '秒']) {
        let mut total = 0.0;
        let mut rest = text.trim();
        for (unit, scale) in [
            ("小时", 3600.0),
            ("时", 3600.0),
            ("分钟", 60.0),
            ("分", 60.0),
            ("秒", 1.0),
        ] {
            if let Some(at) = rest.find(unit) {
                total += number(&rest[..at])? * scale;
                rest = &rest[at + unit.len()..];
            }
        }
        return rest.trim().is_empty().then_some(total);
    }
    number(text.strip_suffix(['s', 'S']).unwrap_or(text))
}

/// The `agent` group of `re` in the path (with `/` separators), or its first group, or the
/// whole match.
pub fn agent_from_path(re: &Regex, path: &Path) -> Option<String> {
    let text = path.to_string_lossy().replace('\\', "/");
    let caps = re.captures(&text)?;
    let m = caps
        .name("agent")
        .or_else(|| caps.get(1))
        .or_else(|| caps.get(0))?;
    Some(m.as_str().to_string()).filter(|s| !s.is_empty())
}

/// Reads one source, handing each call to `out` as a [`Pending`] in order. Returns false when
/// `out` stopped the batch.
pub fn read_source(
    source: &Source,
    options: &ReadOptions,
    out: &mut dyn FnMut(Pending) -> bool,
) -> bool {
    let (display, stem, path) = match source {
        Source::Stdin => ("<stdin>".to_string(), "stdin".to_string(), None),
        Source::File(path) => (
            path.display().to_string(),
            path.file_name()
                .map(|s| call_stem(&s.to_string_lossy()))
                .unwrap_or_else(|| path.display().to_string()),
            Some(path.clone()),
        ),
    };
    let mut emit = |at: Option<usize>, unit: Unit| {
        out(Pending {
            source: display.clone(),
            stem: stem.clone(),
            path: path.clone(),
            at,
            unit,
        })
    };
    let result = open(source, options).and_then(|(reader, doc)| {
        let mut any = false;
        let result = reader.read(doc, &mut |at, unit| {
            any = true;
            emit(at, unit)
        });
        match result {
            Ok(()) if !any => Err(InputError::Empty),
            other => other,
        }
    });
    match result {
        Ok(()) => true,
        // Stdin without a call is an empty batch, not a broken file: an empty Spark partition or
        // shard, or a filter upstream that let nothing through. A file is named to hold calls,
        // so an empty one stays an error row.
        Err(InputError::Empty) if *source == Source::Stdin => true,
        Err(e) => emit(None, Unit::Ready(Err(e))),
    }
}

/// How many links the system follows before it calls a path a loop (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// The symbolic links by which `path` leads back into itself, as a message naming them
/// (`符号链接循环: d/a.txt -> d/b.txt -> d/a.txt`), or to a directory that holds it (`d/sub/up ->
/// ..`); `None` when `path` is no such loop. What the system reports for both is only "too many
/// levels of symbolic links" (ELOOP), or for the second, in a walk, a directory.
pub fn symlink_loop(path: &Path) -> Option<String> {
    // Where a link is, however it was reached: its real directory and its own name.
    let place = |p: &Path| -> Option<PathBuf> {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
    };
    let first = std::fs::read_link(path).ok()?;
    // A link to a directory above it: walking it would walk the same files forever.
    if let (Ok(target), Some(dir)) = (std::fs::canonicalize(path), place(path)) {
        if target.is_dir() && dir.starts_with(&target) {
            return Some(format!(
                "符号链接循环: {} -> {} (指向包含它的目录)",
                path.display(),
                first.display()
            ));
        }
    }
    let mut chain = vec![path.to_path_buf()];
    let mut seen = vec![place(path)?];
    let mut link = first;
    for _ in 0..MAX_LINKS {
        // Relative to the link's own directory; `join` keeps an absolute target as it is.
        let next = chain[chain.len() - 1]
            .parent()
            .unwrap_or(Path::new(""))
            .join(&link);
        let at = place(&next)?;
        chain.push(next);
        if seen.contains(&at) {
            let names: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
            return Some(format!("符号链接循环: {}", names.join(" -> ")));
        }
        seen.push(at);
        // Not a link: the chain ends at a file (or at nothing), not in a loop.
        link = std::fs::read_link(&chain[chain.len() - 1]).ok()?;
    }
    Some(format!(
        "符号链接层数过多 (超过 {MAX_LINKS} 层): {} -> {} -> …",
        chain[0].display(),
        chain[1].display()
    ))
}

/// The id a file's name gives its call: the name without its extensions, so that
/// `A1024-20261101-0001.wav.json` is `A1024-20261101-0001`, as the recording was called.
fn call_stem(name: &str) -> String {
    const MEDIA: &[&str] = &[
        "wav", "mp3", "m4a", "amr", "ogg", "opus", "flac", "pcm", "aac", "wma", "silk",
    ];
    let Some((rest, _ext)) = name.rsplit_once('.') else {
        return name.to_string();
    };
    match rest.rsplit_once('.') {
        Some((inner, media))
            if MEDIA.contains(&media.to_ascii_lowercase().as_str()) && !inner.is_empty() =>
        {
            inner.to_string()
        }
        _ if rest.is_empty() => name.to_string(),
        _ => rest.to_string(),
    }
}

/// Opens a source: detects its encoding and format, and returns the reader with the document.
fn open(source: &Source, options: &ReadOptions) -> Result<(&'static dyn Reader, Doc), InputError> {
    let io_err = |e: io::Error| InputError::Io(crate::zh::io(&e));
    let (extension, size, mut stream): (Option<String>, Option<u64>, Box<dyn Read + Send>) =
        match source {
            Source::Stdin => (None, None, Box::new(io::stdin())),
            Source::File(path) => {
                // A link that leads back into itself is named, link by link, so it can be
                // fixed: the system only says "too many levels of symbolic links".
                let file = File::open(path)
                    .map_err(|e| symlink_loop(path).map_or_else(|| io_err(e), InputError::Io))?;
                let meta = file.metadata().map_err(io_err)?;
                if meta.is_dir() {
                    // In a walk, a link to a directory that holds it (`sub/up -> ..`).
                    return Err(InputError::Io(
                        symlink_loop(path).unwrap_or_else(|| "这是一个目录".into()),
                    ));
                }
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                let size = meta.is_file().then_some(meta.len());
                (ext, size, Box::new(file))
            }
        };
    let whole = size.is_some_and(read_whole);
    let mut head = Vec::new();
    let want = if whole {
        WHOLE_FILE_LIMIT + 1
    } else {
        HEAD as u64
    };
    (&mut stream)
        .take(want)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    let complete = whole || (head.len() as u64) < want;
    if head.iter().all(u8::is_ascii_whitespace) && complete {
        return Err(InputError::Empty);
    }
    if let Some(report) = own_reports::recognise(&head) {
        return Err(InputError::Report(report.this_is()));
    }
    let (encoding, bom) = crate::normalize::detect_encoding(&head, complete, options.encoding)
        .map_err(InputError::Encoding)?;
    let (body, head_text) = if complete {
        let text =
            crate::normalize::decode(&head, options.encoding).map_err(InputError::Encoding)?;
        if text.trim().is_empty() {
            return Err(InputError::Empty);
        }
        (Body::Text(text), None)
    } else {
        let (decoded, _) = encoding.decode_without_bom_handling(&head[bom..]);
        let head_text = decoded.into_owned();
        let mut rest = io::Cursor::new(head).chain(stream);
        io::copy(&mut (&mut rest).take(bom as u64), &mut io::sink()).map_err(io_err)?;
        let utf8: Box<dyn Read + Send> = if encoding == UTF_8 {
            Box::new(rest)
        } else {
            Box::new(crate::normalize::StrictDecoder::new(rest, encoding))
        };
        (
            Body::Stream(Box::new(BufReader::with_capacity(256 * 1024, utf8))),
            Some(head_text),
        )
    };
    let head = match (&body, &head_text) {
        (Body::Text(text), _) => head_prefix(text),
        (_, Some(text)) => head_prefix(text),
        (Body::Stream(_), None) => "",
    };
    let reader = detect(extension.as_deref(), head)?;
    Ok((
        reader,
        Doc {
            body,
            limit: options.max_call_bytes,
        },
    ))
}

/// The reader for a document with this extension and first part, or the error naming what it
/// looked like.
fn detect(extension: Option<&str>, head: &str) -> Result<&'static dyn Reader, InputError> {
    let probe = Probe {
        extension,
        head,
        shape: json::Shape::probe(head),
    };
    choose(&probe).ok_or_else(|| match (&probe.shape, extension) {
        (Some(shape), _) => unknown_json(shape),
        (None, Some(ext)) => InputError::Unrecognised(format!(" (.{ext})")),
        (None, None) => InputError::Unrecognised(String::new()),
    })
}

/// JSON that no format claims, named by its top-level keys.
fn unknown_json(shape: &json::Shape) -> InputError {
    InputError::Unrecognised(format!(
        ": JSON 中没有已知格式的字段 (顶层字段: {})",
        shape.top_keys().join(", ")
    ))
}

/// The first [`HEAD`] bytes of a text, cut at a character boundary.
fn head_prefix(text: &str) -> &str {
    if text.len() <= HEAD {
        return text;
    }
    let mut end = HEAD;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The reader that fits the probe best.
pub fn choose(probe: &Probe<'_>) -> Option<&'static dyn Reader> {
    READERS
        .iter()
        .map(|r| (r.detect(probe), *r))
        .filter(|(fit, _)| *fit > Fit::NONE)
        // The first of equal fits: `max_by_key` would take the last.
        .fold(
            None,
            |best: Option<(Fit, &'static dyn Reader)>, (fit, r)| match best {
                Some((b, _)) if b >= fit => best,
                _ => Some((fit, r)),
            },
        )
        .map(|(_, r)| r)
}

/// Reads every call of the given sources into memory: for tests, rule examples and library
/// users with batches small enough to hold.
pub fn read_all(sources: &[Source], options: &ReadOptions) -> Vec<Item> {
    let mut items = Vec::new();
    for source in sources {
        read_source(source, options, &mut |p| {
            items.extend(p.resolve(options));
            true
        });
    }
    items
}

/// Reads a document held in memory — detecting its encoding and, unless `reader` is given,
/// its format — into items named after `name`. For fuzzing, property tests and library users
/// whose transcripts are not files.
pub fn read_bytes(
    bytes: &[u8],
    name: &str,
    reader: Option<&'static dyn Reader>,
    options: &ReadOptions,
) -> Vec<Item> {
    let path = Path::new(name);
    let stem = call_stem(name);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut items = Vec::new();
    let mut push = |at: Option<usize>, unit: Unit| {
        let pending = Pending {
            source: name.to_string(),
            stem: stem.clone(),
            path: Some(path.to_path_buf()),
            at,
            unit,
        };
        items.extend(pending.resolve(options));
        true
    };
    let opened = (|| {
        if bytes.len() > options.max_call_bytes && reader.is_none_or(|r| r.json().is_none()) {
            return Err(InputError::TooLarge(options.max_call_bytes));
        }
        // A reader the caller chose is its word on what the bytes are.
        match own_reports::recognise(bytes) {
            Some(report) if reader.is_none() => return Err(InputError::Report(report.this_is())),
            _ => {}
        }
        let (encoding, bom) = crate::normalize::detect_encoding(bytes, true, options.encoding)
            .map_err(InputError::Encoding)?;
        let text =
            crate::normalize::decode_with(&bytes[bom..], encoding).map_err(InputError::Encoding)?;
        if text.trim().is_empty() {
            return Err(InputError::Empty);
        }
        let chosen = match reader {
            Some(r) => r,
            None => detect(extension.as_deref(), head_prefix(&text))?,
        };
        Ok((chosen, text))
    })();
    let result = opened.and_then(|(chosen, text)| {
        let doc = Doc {
            body: Body::Text(text),
            limit: options.max_call_bytes,
        };
        chosen.read(doc, &mut push)
    });
    if let Err(e) = result {
        push(None, Unit::Ready(Err(e)));
    }
    items
}

/// Checks what every call must have, whatever its format.
fn validate(call: Call) -> Result<Call, InputError> {
    if call.turns.is_empty() {
        return Err(InputError::NoTurns);
    }
    if !call.turns.iter().any(|t| t.role == Role::Agent) {
        return Err(InputError::NoAgentTurn);
    }
    Ok(call)
}

#[cfg(test)]
mod tests {

    #[test]
    fn recording_lengths_are_read_from_metadata_in_the_ways_exports_write_them() {
        let length = |key: &str, value: &str| {
            let meta = BTreeMap::from([(key.to_string(), value.to_string())]);
            duration_in_meta(&meta)
        };
        assert_eq!(length("duration_ms", "312500"), Some(312_500));
        assert_eq!(length("duration_ms", "312,000"), Some(312_000));
        assert_eq!(length("Duration", "312.5"), Some(312_500));
        assert_eq!(length("录音时长", "312.5秒"), Some(312_500));
        assert_eq!(length("录音时长", "05:12.5"), Some(312_500));
        assert_eq!(length("通话时长", "1:05:12"), Some(3_912_000));
        assert_eq!(length("通话时长", "5分12秒"), Some(312_000));
        assert_eq!(length("时长", "1小时5分"), Some(3_900_000));
        assert_eq!(length("时长", "12s"), Some(12_000));
        for nonsense in [
            "05:72",
            "1:-30",
            "一分钟",
            "abc",
            "0",
            "-5",
            "1:2:3:4",
            "5分多钟",
        ] {
            assert_eq!(length("时长", nonsense), None, "{nonsense}");
        }
        assert_eq!(length("agent", "312"), None, "not a length key");
    }

    use super::*;

    /// The messages whose text comes whole from a caller, as they are built; the others start
    /// with the words of their `#[error]`.
    #[test]
    fn every_message_begins_with_zhijians_own_words() {
        let hostile = "=HYPERLINK(\"http://x\")";
        let mut messages: Vec<String> = [
            InputError::Io(hostile.into()),
            InputError::Empty,
            InputError::Json(hostile.into()),
            InputError::Format {
                format: READERS[5].name(),
                message: hostile.into(),
            },
            InputError::Line {
                line: 3,
                message: hostile.into(),
            },
            InputError::Turn {
                turn: 0,
                message: hostile.into(),
            },
            InputError::NoTurns,
            InputError::NoAgentTurn,
            InputError::TooLarge(DEFAULT_MAX_CALL_BYTES),
            InputError::Unrecognised(hostile.into()),
            InputError::Report(own_reports::OWN_REPORTS[0].this_is()),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        // The caller-built ones, from their callers: roles the flags name but the call lacks.
        let call = Transcript {
            segments: ["-spk1", "=spk2"]
                .iter()
                .map(|who| Segment {
                    who: Who::Speaker(who.to_string()),
                    text: "您好".into(),
                    ..Segment::default()
                })
                .collect(),
            ..Transcript::default()
        };
        for roles in [
            RoleOptions {
                agent_channel: Some(9),
                ..RoleOptions::default()
            },
            RoleOptions {
                agent_speaker: Some("-spk3".into()),
                ..RoleOptions::default()
            },
        ] {
            messages.push(
                speakers::assign(call.clone(), &roles)
                    .unwrap_err()
                    .to_string(),
            );
        }
        for bytes in [&b"\0\0binary"[..], b"abc \x80\x81\xff\xff\xfe"] {
            for item in read_bytes(bytes, "x.txt", None, &ReadOptions::default()) {
                messages.push(item.call.unwrap_err().to_string());
            }
        }
        for m in &messages {
            assert_eq!(crate::report::neutralise(m), m.as_str(), "{m}");
            assert!(!m.starts_with(hostile), "{m}");
        }
        assert!(messages.iter().any(|m| m.contains("--agent-channel")));
        assert!(messages
            .iter()
            .any(|m| m.contains("--agent-speaker 指定的说话人 -spk3")));
    }

    #[test]
    fn symlink_loops_are_told_from_links_that_lead_somewhere() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::create_dir_all(at("d/sub")).unwrap();
        std::fs::create_dir(at("other")).unwrap();
        std::fs::write(at("d/real.txt"), "客服：您好").unwrap();
        symlink("b.txt", at("d/a.txt")).unwrap();
        symlink("a.txt", at("d/b.txt")).unwrap();
        symlink("..", at("d/sub/up")).unwrap();
        symlink("../other", at("d/sibling")).unwrap();
        symlink("real.txt", at("d/file.txt")).unwrap();
        symlink("gone.txt", at("d/dangling.txt")).unwrap();
        let shown = |name: &str| at(name).display().to_string();
        assert_eq!(
            symlink_loop(&at("d/a.txt")),
            Some(format!(
                "符号链接循环: {} -> {} -> {}",
                shown("d/a.txt"),
                shown("d/b.txt"),
                shown("d/a.txt")
            ))
        );
        assert_eq!(
            symlink_loop(&at("d/sub/up")),
            Some(format!(
                "符号链接循环: {} -> .. (指向包含它的目录)",
                shown("d/sub/up")
            ))
        );
        for fine in [
            "d/sibling",
            "d/file.txt",
            "d/dangling.txt",
            "d/real.txt",
            "d",
        ] {
            assert_eq!(symlink_loop(&at(fine)), None, "{fine}");
        }
        // More links in a row than the system follows, none of them twice.
        for i in 0..MAX_LINKS + 2 {
            symlink(format!("l{}", i + 1), at(&format!("d/l{i}"))).unwrap();
        }
        std::fs::write(at(&format!("d/l{}", MAX_LINKS + 2)), "end").unwrap();
        assert!(std::fs::read(at("d/l0")).is_err(), "the system gives up");
        let said = symlink_loop(&at("d/l0")).unwrap();
        assert!(said.starts_with("符号链接层数过多 (超过 40 层)"), "{said}");
        assert_eq!(symlink_loop(&at("d/l2")), None, "within the limit");
    }

    #[test]
    fn call_stems_drop_the_recording_extension() {
        assert_eq!(call_stem("A1024-0001.wav.json"), "A1024-0001");
        assert_eq!(call_stem("A1024-0001.MP3.srt"), "A1024-0001");
        assert_eq!(call_stem("v1.2.json"), "v1.2");
        assert_eq!(call_stem("call.txt"), "call");
        assert_eq!(call_stem(".wav.json"), ".wav");
        assert_eq!(call_stem("README"), "README");
    }

    #[test]
    fn agent_from_path_prefers_the_named_group() {
        let p = Path::new("exports/2026-11-01/A1024/0001.wav.json");
        let re = Regex::new(r"/(A\d+)/").unwrap();
        assert_eq!(agent_from_path(&re, p).as_deref(), Some("A1024"));
        let re = Regex::new(r"(\d{4}-\d\d-\d\d)/(?P<agent>[^/]+)/").unwrap();
        assert_eq!(agent_from_path(&re, p).as_deref(), Some("A1024"));
        let re = Regex::new(r"B\d+").unwrap();
        assert_eq!(agent_from_path(&re, p), None);
    }

    #[test]
    fn every_reader_has_a_name_and_an_extension() {
        let message = InputError::Unrecognised(String::new()).to_string();
        for (r, name) in READERS.iter().zip([
            "文本转写 (.txt)",
            "SRT 字幕",
            "WebVTT 字幕",
            "JSON Lines",
            "zhijian JSON",
            "阿里云录音文件识别",
            "阿里云百炼 (DashScope) 录音文件识别",
            "阿里云智能对话分析工单",
            "FunASR / Paraformer",
            "Whisper / WhisperX",
            "腾讯云录音文件识别",
            "讯飞录音文件转写",
            "华为云录音文件识别",
        ]) {
            assert_eq!(r.name(), name);
            // An unrecognised file's row lists what is supported.
            assert!(message.contains(name), "{message}");
            assert!(!r.extensions().is_empty(), "{}", r.name());
        }
        assert_eq!(
            known_extensions().join(" "),
            ".txt .text .srt .vtt .jsonl .ndjson .json"
        );
    }
}
