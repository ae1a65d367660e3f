//! JSON Lines: one JSON value per line, each in any JSON format zhijian reads (its own calls,
//! or one recogniser result per line).
//!
//! In: a [`Doc`], streamed a line at a time. Out: one [`Unit::Line`] per non-blank line, parsed
//! later on the grading threads by [`parse_line`]; a line longer than the call limit is one
//! error row, skipped without being held in memory.

use std::io::BufRead;

use serde_json::Value;

use super::json::Shape;
use super::{Doc, Fit, InputError, Out, Probe, Reader, Transcript, Unit, READERS};

pub struct Jsonl;

impl Reader for Jsonl {
    fn name(&self) -> &'static str {
        "JSON Lines"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl", "ndjson"]
    }

    /// By extension. Otherwise by content: without an extension (stdin) a first line that
    /// is a whole JSON object is enough, since one object on one line reads the same either
    /// way; a `.json` file needs two such lines (JSONL saved under the wrong name).
    fn detect(&self, probe: &Probe<'_>) -> Fit {
        if probe.extension_is(self.extensions()) {
            return Fit(60);
        }
        let objects = probe
            .head
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(2)
            .take_while(|l| matches!(serde_json::from_str::<Value>(l), Ok(Value::Object(_))))
            .count();
        let needed = if probe.extension_is(&["json"]) { 2 } else { 1 };
        if objects >= needed {
            Fit(60)
        } else {
            Fit::NONE
        }
    }

    fn read(&self, doc: Doc, out: &mut Out<'_>) -> Result<(), InputError> {
        let limit = doc.limit;
        let mut reader = doc.reader();
        let mut buf = Vec::new();
        let mut number = 0;
        loop {
            buf.clear();
            number += 1;
            let (read, complete) =
                read_line_capped(&mut reader, &mut buf, limit).map_err(|e| match e.kind() {
                    // A stream that stops decoding part-way: the message says where.
                    std::io::ErrorKind::InvalidData => InputError::Encoding(e.to_string()),
                    _ => InputError::Io(crate::zh::io(&e)),
                })?;
            if read == 0 {
                return Ok(());
            }
            let unit = if !complete {
                Unit::Ready(Err(InputError::TooLarge(limit)))
            } else {
                match std::str::from_utf8(&buf).map(|line| line.trim().is_empty()) {
                    Ok(true) => continue,
                    // The line's bytes become its text, not a copy: `out` may grade it at
                    // once, and a long call is not held twice.
                    Ok(false) => Unit::Line(
                        String::from_utf8(std::mem::take(&mut buf)).expect("checked as UTF-8"),
                    ),
                    Err(_) => {
                        Unit::Ready(Err(InputError::Encoding("此行含有无法解码的字节".into())))
                    }
                }
            };
            if !out(Some(number), unit) {
                return Ok(());
            }
        }
    }
}

/// Reads one line into `buf` (without its end), keeping at most `limit` bytes: the rest of an
/// over-long line is read past and dropped. Returns the bytes consumed and whether the line fit.
fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut fits = true;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let (chunk, done) = match memchr(available) {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if fits && buf.len() + chunk.len() <= limit {
            buf.extend_from_slice(chunk);
        } else {
            fits = false;
            buf.clear();
        }
        let used = done.unwrap_or(available.len());
        reader.consume(used);
        consumed += used;
        if done.is_some() {
            break;
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok((consumed, fits))
}

fn memchr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// One line → its calls (usually one), in whichever JSON format the line is. The reader has
/// already refused lines over the call limit.
pub(super) fn parse_line(line: &str) -> Vec<(Option<String>, Result<Transcript, InputError>)> {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return vec![(None, Err(InputError::Json(crate::zh::json_in_line(&e))))],
    };
    let shape = Shape::of(&value);
    let reader = READERS
        .iter()
        .filter_map(|r| r.json())
        .find(|r| r.detect_value(&shape));
    match reader {
        Some(r) => r.calls_in(value),
        None => vec![(None, Err(super::unknown_json(&shape)))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interrupted once, then the bytes; or failing for good.
    struct Flaky {
        interrupted: bool,
        broken: bool,
        data: &'static [u8],
    }

    impl std::io::Read for Flaky {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            unreachable!("read through BufRead")
        }
    }

    impl BufRead for Flaky {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            if self.broken {
                return Err(std::io::Error::other("disk gone"));
            }
            if !self.interrupted {
                self.interrupted = true;
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            Ok(self.data)
        }
        fn consume(&mut self, n: usize) {
            self.data = &self.data[n..];
        }
    }

    #[test]
    fn an_interrupted_read_is_retried_and_a_failed_one_reported() {
        let mut buf = Vec::new();
        let mut r = Flaky {
            interrupted: false,
            broken: false,
            data: b"line\n",
        };
        assert_eq!(read_line_capped(&mut r, &mut buf, 100).unwrap(), (5, true));
        assert_eq!(buf, b"line");
        let mut r = Flaky {
            interrupted: true,
            broken: true,
            data: b"",
        };
        assert!(read_line_capped(&mut r, &mut buf, 100).is_err());
    }

    #[test]
    fn blank_lines_are_no_calls_but_keep_the_numbering() {
        let text = "{\"id\":\"a\",\"turns\":[{\"role\":\"agent\",\"text\":\"您好\"}]}\n\n   \n{\"turns\":[{\"role\":\"agent\",\"text\":\"您好\"}]}\n";
        let items = crate::input::read_bytes(text.as_bytes(), "b.jsonl", None, &Default::default());
        let sources: Vec<&str> = items.iter().map(|i| i.source.as_str()).collect();
        assert_eq!(sources, ["b.jsonl#1", "b.jsonl#4"]);
    }

    #[test]
    fn a_line_one_byte_over_the_limit_does_not_fit() {
        let text = b"abcdefghi\nok";
        let mut r = std::io::BufReader::with_capacity(8, &text[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (10, false));
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (2, true));
    }

    #[test]
    fn capped_lines_drop_what_is_too_long_and_go_on() {
        let text = b"short\r\n0123456789abcdef\nlast";
        let mut r = std::io::BufReader::with_capacity(4, &text[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (7, true));
        assert_eq!(buf, b"short");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (17, false));
        assert!(buf.is_empty());
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (4, true));
        assert_eq!(buf, b"last");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (0, true));
    }
}
