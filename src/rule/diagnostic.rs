//! Rule-file problems, each pointing at a file, line and column with a plain explanation.
//!
//! In: the file's path and text and a byte span. Out: a [`RuleError`] that prints as
//! `path:line:col: message` and renders through miette with the offending source line.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};

/// Whether a problem stops the rule set from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    /// Probably a mistake, but the rules still work; `zhijian test --strict` fails on it.
    Warning,
}

/// One problem in one rule file (or in `scoring.toml`, or the dictionary).
#[derive(Debug, Clone)]
pub struct RuleError {
    pub severity: Severity,
    /// Byte range in the file's text.
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
    /// The id of the rule concerned, when the file got far enough to have one.
    pub rule_id: Option<String>,
    /// The file's path and text, shared by all of its errors.
    source: Arc<CharColumns>,
}

impl RuleError {
    pub fn new(
        path: &str,
        text: &Arc<str>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> RuleError {
        RuleError {
            severity: Severity::Error,
            span: span.map(|s| char_floor(text, s.start)..char_ceil(text, s.end)),
            message: message.into(),
            help: None,
            rule_id: None,
            source: Arc::new(CharColumns::new(path, text.to_string())),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> RuleError {
        self.help = Some(help.into());
        self
    }

    pub fn for_rule(mut self, id: &str) -> RuleError {
        self.rule_id = Some(id.to_string());
        self
    }

    pub fn warning(mut self) -> RuleError {
        self.severity = Severity::Warning;
        self
    }

    /// The same problem with its path shown below `dir` (the rule directory as the user named
    /// it), so that it can be opened from a terminal or an editor.
    pub fn under(mut self, dir: &str) -> RuleError {
        let path = join_display(dir, self.path());
        self.source = Arc::new(CharColumns::new(path, self.text().to_string()));
        self
    }

    /// The rule file's path, relative to the rule set's root.
    pub fn path(&self) -> &str {
        self.source.0.name()
    }

    fn text(&self) -> &str {
        self.source.0.inner()
    }

    /// 1-based line and column of the start of the span.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        Some(line_col(self.text(), self.span.as_ref()?.start))
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col() {
            Some((line, col)) => write!(f, "{}:{line}:{col}: ", self.path())?,
            None => write!(f, "{}: ", self.path())?,
        }
        if let Some(id) = &self.rule_id {
            write!(f, "[{id}] ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}

impl Diagnostic for RuleError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.span.as_ref().map(|_| &*self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let len = span.end.saturating_sub(span.start).max(1);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("这里".into()),
            span.start,
            len.min(self.text().len().saturating_sub(span.start)),
        ))))
    }
}

/// A rule file for miette, whose `[path:line:col]` header then counts columns in characters,
/// as editors and the message line above it do; miette's own count is in bytes, so every
/// Chinese character before the span would count three.
#[derive(Debug)]
struct CharColumns(NamedSource<String>);

impl CharColumns {
    fn new(path: impl AsRef<str>, text: String) -> CharColumns {
        CharColumns(NamedSource::new(path, text).with_language("toml"))
    }
}

impl SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.0.read_span(span, before, after)?;
        let (_, column) = line_col(self.0.inner(), span.offset().min(self.0.inner().len()));
        let mut contents = MietteSpanContents::new_named(
            self.0.name().to_string(),
            bytes.data(),
            *bytes.span(),
            bytes.line(),
            column - 1,
            bytes.line_count(),
        );
        if let Some(language) = bytes.language() {
            contents = contents.with_language(language);
        }
        Ok(Box::new(contents))
    }
}

/// Every problem found while loading a rule set; loading reports all of them, not the first.
#[derive(Debug, Clone)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        write!(f, "规则文件有 {} 处错误", self.0.len())
    }
}

impl std::error::Error for RuleErrors {}

impl RuleErrors {
    /// The same problems with their paths shown below `dir`; see [`RuleError::under`].
    pub fn under(self, dir: &str) -> RuleErrors {
        RuleErrors(self.0.into_iter().map(|e| e.under(dir)).collect())
    }

    /// Renders every problem with its source line, as the CLI prints them.
    pub fn render(&self, color: bool) -> String {
        let mut out = render_problems(&self.0, color);
        out.push_str(&format!(
            "规则文件有 {} 处错误,未进行质检。\n",
            self.0.len()
        ));
        out
    }
}

/// Renders problems with their source lines (miette's graphical report), one after another.
pub fn render_problems(problems: &[RuleError], color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    let mut out = String::new();
    for e in problems {
        if e.span.is_some() || e.help.is_some() {
            let _ = handler.render_report(&mut out, e);
        } else {
            out.push_str(&format!("{e}\n"));
        }
    }
    out
}

/// `at`, moved back to the start of the character it falls in (and into `text`): a span that
/// cuts a character must not panic the renderer.
fn char_floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at`, moved forward to the end of the character it falls in.
fn char_ceil(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..char_floor(text, at)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// `dir/path` as a user would type it: no `./` in front, `/` between.
pub fn join_display(dir: &str, path: &str) -> String {
    let dir = dir.trim_end_matches(['/', '\\']);
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    if dir.is_empty() || dir == "." {
        path.to_string()
    } else if path.is_empty() || path == "." {
        // A problem with the directory itself (it does not exist).
        dir.to_string()
    } else {
        format!("{dir}/{path}")
    }
}
