//! Input: paths on the command line → an ordered list of [`Item`]s, each either a parsed
//! [`Call`] or the [`InputError`] that stopped it.
//!
//! In: files, directories (walked recursively, sorted, picking `.txt`, `.json`, `.jsonl`) and
//! `-` for JSONL on stdin. Out: one `Item` per call, in source order. A file that cannot be
//! read or parsed becomes one `Item` carrying the error, so the batch goes on; a bad JSONL line
//! costs only that line's item.

mod json;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use rayon::prelude::*;

pub use text::parse_text;

/// Who is speaking in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Customer,
}

/// Labels that name the agent; matched on the text before the colon of a turn line, and on
/// the `role` field of JSON turns.
/// The first eight are the documented set; the rest are spellings exports use for the same.
pub const AGENT_LABELS: &[&str] = &[
    "客服",
    "坐席",
    "座席",
    "服务人员",
    "话务员",
    "工作人员",
    "营业员",
    "agent",
    "客服代表",
    "客服人员",
    "人工客服",
    "坐席员",
    "座席员",
];

/// Labels that name the customer.
pub const CUSTOMER_LABELS: &[&str] = &[
    "客户",
    "顾客",
    "用户",
    "来电人",
    "customer",
    "来电客户",
    "来电者",
];

impl Role {
    /// Recognises a role label exactly (`客服`, `坐席`, `customer`, …) in either script,
    /// ignoring case: `客戶` and `Customer` are customers too. JSON `role` fields use this.
    pub fn from_label(label: &str) -> Option<Role> {
        let label = crate::normalize::fold(label.trim());
        Self::labels()
            .find(|(known, _)| *known == label)
            .map(|(_, role)| role)
    }

    /// Recognises the speaker label of a transcript line, which may run straight into a short
    /// name or tag, as exports write `客户王先生` or `坐席A`: up to four letters after a known
    /// label still name its role. Longer tails are not labels (`客户说的那个问题：…` is a
    /// sentence), nor are words that merely start with a label (`客服电话`, `客户经理` — a
    /// member of staff —, `客户姓名`); the longest known label wins.
    pub fn from_speaker_label(label: &str) -> Option<Role> {
        const MAX_TAIL: usize = 4;
        const NOT_A_NAME: &[&str] = &[
            "名",
            "姓名",
            "电话",
            "热线",
            "中心",
            "号",
            "编号",
            "须知",
            "信息",
            "地址",
            "类型",
            "类别",
            "等级",
            "级别",
            "经理",
            "机器人",
            "助手",
            "id",
            "来源",
            "备注",
        ];
        let label = crate::normalize::fold(label.trim());
        Self::labels()
            .filter_map(|(known, role)| {
                let tail = label.strip_prefix(known)?;
                let short = tail.chars().count() <= MAX_TAIL;
                let name = tail.chars().all(char::is_alphanumeric)
                    && !NOT_A_NAME.iter().any(|w| tail.starts_with(w));
                (short && name).then_some((known.len(), role))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, role)| role)
    }

    fn labels() -> impl Iterator<Item = (&'static str, Role)> {
        AGENT_LABELS
            .iter()
            .map(|l| (*l, Role::Agent))
            .chain(CUSTOMER_LABELS.iter().map(|l| (*l, Role::Customer)))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    /// The role as a Chinese report names it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Agent => "客服",
            Role::Customer => "客户",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One utterance. `begin`/`end` are milliseconds from the start of the call, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: Role,
    pub text: String,
    pub begin: Option<u64>,
    pub end: Option<u64>,
}

/// One call, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub id: String,
    pub meta: BTreeMap<String, String>,
    pub turns: Vec<Turn>,
}

impl Call {
    /// The agent's name or 工号 from metadata, if the source gave one.
    pub fn agent(&self) -> Option<&str> {
        ["agent", "agent_id", "坐席", "客服", "工号"]
            .iter()
            .find_map(|k| self.meta.get(*k))
            .map(String::as_str)
    }
}

/// Why one input could not be graded. Messages are for QA staff, so they are in Chinese and
/// say where the problem is.
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
    #[error("第 {line} 行: {message}")]
    Line { line: usize, message: String },
    #[error("第 {turn} 轮 (从 0 数): {message}")]
    Turn { turn: usize, message: String },
    #[error("未找到带角色标签的对话行 (支持的标签: {})", AGENT_LABELS.iter().chain(CUSTOMER_LABELS).copied().collect::<Vec<_>>().join("、"))]
    NoTurns,
    #[error("通话中没有客服发言,无法质检")]
    NoAgentTurn,
    #[error("不支持的文件类型 (支持 .txt、.json、.jsonl)")]
    UnsupportedExtension,
}

/// One unit of the batch: where it came from, the id to report it under, and the parsed call
/// or the reason it could not be parsed.
#[derive(Debug, Clone)]
pub struct Item {
    pub source: String,
    pub id: String,
    pub call: Result<Call, InputError>,
}

/// How input bytes are decoded. UTF-8 (with or without BOM) and BOM-marked UTF-16 are always
/// recognised; `fallback`, when set, decodes files that are not valid UTF-8 (call-centre
/// exports are often GB18030).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    pub fallback: Option<&'static Encoding>,
}

/// A place to read calls from, as found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

/// Expands the command-line paths into a sorted, de-duplicated list of sources. Directories
/// are walked recursively (hidden entries skipped); a path that does not exist is kept so that
/// reading it reports the error in its own row.
pub fn discover(paths: &[PathBuf]) -> Vec<Source> {
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
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
                    Ok(e) if e.file_type().is_file() && Format::of(e.path()).is_some() => {
                        sources.push(Source::File(e.into_path()))
                    }
                    Ok(_) => {}
                    // An unreadable directory entry becomes an error row under its path.
                    Err(e) => {
                        if let Some(p) = e.path() {
                            sources.push(Source::File(p.to_path_buf()))
                        }
                    }
                }
            }
        } else {
            sources.push(Source::File(path.clone()));
        }
    }
    sources.sort();
    sources.dedup();
    sources
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Jsonl,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Format::Text),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

impl Source {
    /// Whether the source holds one call per line, and so may hold a great many.
    pub fn is_jsonl(&self) -> bool {
        match self {
            Source::Stdin => true,
            Source::File(path) => Format::of(path) == Some(Format::Jsonl),
        }
    }
}

/// A source read into memory and decoded, not yet split into calls.
pub struct Document {
    pub source: String,
    stem: String,
    format: Option<Format>,
    text: Result<String, InputError>,
}

/// Reads and decodes one source. Failures are kept in the document and come out as its one
/// error item.
pub fn load(source: &Source, options: ReadOptions) -> Document {
    let (display, stem, format, bytes) = match source {
        Source::Stdin => {
            let mut bytes = Vec::new();
            let read = std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map(|_| bytes);
            (
                "<stdin>".to_string(),
                "stdin".to_string(),
                Some(Format::Jsonl),
                read,
            )
        }
        Source::File(path) => {
            let display = path.display().to_string();
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| display.clone());
            (display, stem, Format::of(path), std::fs::read(path))
        }
    };
    let text = match (format, bytes) {
        (_, Err(e)) => Err(InputError::Io(crate::zh::io(&e))),
        (None, _) => Err(InputError::UnsupportedExtension),
        (_, Ok(bytes)) => crate::normalize::decode(&bytes, options.fallback)
            .map_err(InputError::Encoding)
            .and_then(|text| {
                if text.trim().is_empty() {
                    Err(InputError::Empty)
                } else {
                    Ok(text)
                }
            }),
    };
    Document {
        source: display,
        stem,
        format,
        text,
    }
}

impl Document {
    /// Every call in the document, in order.
    pub fn items(&self) -> Vec<Item> {
        let text = match &self.text {
            Ok(text) => text,
            Err(e) => return vec![failed(self.source.clone(), self.stem.clone(), e.clone())],
        };
        match self.format {
            Some(Format::Json) => json::parse_json_document(text, &self.source, &self.stem),
            Some(Format::Jsonl) => self
                .jsonl_lines()
                .into_par_iter()
                .map(|(n, line)| self.jsonl_item(n, line))
                .collect(),
            _ => {
                let call = parse_text(text, &self.stem);
                let id = call
                    .as_ref()
                    .map_or_else(|_| self.stem.clone(), |c| c.id.clone());
                vec![Item {
                    source: self.source.clone(),
                    id,
                    call,
                }]
            }
        }
    }

    /// The non-blank lines of a readable JSONL document with their 1-based numbers, so a large
    /// file can be graded a slice at a time; empty for anything else.
    pub fn jsonl_lines(&self) -> Vec<(usize, &str)> {
        match (&self.text, self.format) {
            (Ok(text), Some(Format::Jsonl)) => text
                .lines()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty())
                .map(|(i, line)| (i + 1, line))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The call on line `number` of a JSONL document.
    pub fn jsonl_item(&self, number: usize, line: &str) -> Item {
        json::parse_jsonl_line(line, number, &self.source, &self.stem)
    }
}

fn failed(source: String, id: String, error: InputError) -> Item {
    Item {
        source,
        id,
        call: Err(error),
    }
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
