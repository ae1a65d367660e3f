//! Normalize: bytes → text, and text → the matching view rules are written against.
//!
//! In: raw file bytes, or a turn's text. Out: a `String` decoded from UTF-8 / UTF-16 (BOM) /
//! GB18030 / Big5 (detected) or a forced encoding, with line endings and stray control
//! characters cleaned; and a *matching view* of a turn in which Traditional characters are
//! Simplified, full-width ASCII is half-width and ASCII is lower-case.
//!
//! Every mapping in the view is one character to one character, so a character offset in the
//! view is the same offset in the original turn: findings can quote what the agent actually
//! said (繁體 included) without a separate offset table.

use encoding_rs::{Encoding, BIG5, GB18030, UTF_8};

/// Decodes a whole input. See [`detect_encoding`] for how the encoding is chosen; the bytes
/// must then decode without a single error, so a wrong guess is an error, never mojibake.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<String, String> {
    let (encoding, bom) = detect_encoding(bytes, true, forced)?;
    decode_with(&bytes[bom..], encoding).map_err(|e| match forced {
        Some(f) if bom == 0 => format!("文件无法按指定的编码 {} 解码", f.name()),
        _ if bom > 0 => format!(
            "文件带有 {} 字节序标记,但内容无法按该编码解码",
            encoding.name()
        ),
        _ => e,
    })
}

/// Decodes bytes (without their BOM) strictly as `encoding` and cleans the text.
pub fn decode_with(bytes: &[u8], encoding: &'static Encoding) -> Result<String, String> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(format!("文件无法按 {} 完整解码", zh_name(encoding)));
    }
    Ok(clean(&text))
}

/// Chooses the encoding of an input from its bytes (all of them, or the first part of a
/// stream when `complete` is false) and returns it with the length of its byte-order mark.
///
/// A BOM wins; then the forced encoding; then UTF-8 if the bytes are valid UTF-8; then, for
/// bytes with no NUL (NULs without a BOM mean binary content, or UTF-16 nobody marked),
/// chardetng's guess, GB18030 or Big5 — the first that decodes cleanly and reads as Chinese
/// rather than as a scatter of rare characters.
pub fn detect_encoding(
    bytes: &[u8],
    complete: bool,
    forced: Option<&'static Encoding>,
) -> Result<(&'static Encoding, usize), String> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return Ok((encoding, bom));
    }
    if let Some(f) = forced {
        return Ok((f, 0));
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => return Ok((UTF_8, 0)),
        // A stream's first part may end inside a character.
        Err(e) if !complete && e.error_len().is_none() => return Ok((UTF_8, 0)),
        Err(_) => {}
    }
    if bytes.contains(&0) {
        return Err(
            "文件含有 NUL 字节:是二进制文件,或没有字节序标记的 UTF-16 (请另存为 UTF-8)".into(),
        );
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, complete);
    // chardetng's guess first (GBK meaning GB18030, a superset), then the other Chinese one.
    let guess = match detector.guess(None, chardetng::Utf8Detection::Deny) {
        e if e == encoding_rs::GBK => GB18030,
        e => e,
    };
    let mut candidates = vec![guess];
    for e in [GB18030, BIG5] {
        if !candidates.contains(&e) {
            candidates.push(e);
        }
    }
    for encoding in candidates {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        // A stream's first part may end inside a character: judge what decoded before it.
        let clean_prefix = !had_errors
            || !complete && {
                let cut = bytes.len().saturating_sub(4);
                !encoding.decode_without_bom_handling(&bytes[..cut]).1
            };
        if clean_prefix && reads_as_chinese(&text) {
            return Ok((encoding, 0));
        }
    }
    Err("无法识别文件编码:既不是 UTF-8/UTF-16,也不像 GB18030 (GBK) 或 Big5 中文文本;如确为其他编码,请用 --encoding 指定".into())
}

/// How an encoding is named to users.
pub fn zh_name(encoding: &'static Encoding) -> &'static str {
    if encoding == GB18030 || encoding == encoding_rs::GBK {
        "GB18030 (GBK)"
    } else {
        encoding.name()
    }
}

/// Whether decoded text looks like Chinese prose rather than binary read as characters: few
/// control characters, and most non-ASCII characters common CJK ideographs or CJK punctuation.
fn reads_as_chinese(text: &str) -> bool {
    let (mut controls, mut non_ascii, mut chinese) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            controls += 1;
        } else if !c.is_ascii() {
            non_ascii += 1;
            if is_cjk(c)
                || ('\u{3000}'..='\u{303F}').contains(&c)
                || ('\u{FF00}'..='\u{FFEF}').contains(&c)
            {
                chinese += 1;
            }
        }
    }
    let total = text.chars().count().max(1);
    controls * 100 <= total && non_ascii > 0 && chinese * 10 >= non_ascii * 9
}

/// Line endings made `\n` (CRLF and old Mac CR alike) and stray control characters (NUL, BEL,
/// ESC, C1 controls, zero-width no-break spaces left by concatenated BOMs) removed; tabs kept.
pub fn clean(text: &str) -> String {
    let dirty =
        |c: char| c == '\r' || c == '\u{feff}' || c.is_control() && !matches!(c, '\n' | '\t');
    if !text.contains(dirty) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if dirty(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The matching view of `text`: same number of characters, each one folded.
pub fn fold(text: &str) -> String {
    // fast2s maps each Traditional character to exactly one Simplified one (choosing by its
    // neighbours), which is what keeps offsets aligned.
    let simplified = if text.is_ascii() {
        text.to_string()
    } else {
        fast2s::convert(text)
    };
    debug_assert_eq!(simplified.chars().count(), text.chars().count());
    if simplified
        .chars()
        .all(|c| c.is_ascii() && !c.is_ascii_uppercase() || is_cjk(c))
    {
        return simplified;
    }
    simplified.chars().map(fold_char).collect()
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn fold_char(c: char) -> char {
    match c {
        // Full-width forms of ASCII: ａ → a, １ → 1, ， → ,
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
        }
        '\u{3000}' => ' ',
        _ => c.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_fullwidth_and_case_one_to_one() {
        let original = "您好，請稍等，讓您久等了。工號ＡＢ１２３";
        let view = fold(original);
        assert_eq!(view, "您好,请稍等,让您久等了。工号ab123");
        assert_eq!(view.chars().count(), original.chars().count());
    }

    #[test]
    fn decodes_boms_and_reports_bad_utf8() {
        assert_eq!(
            decode("\u{feff}客服：您好".as_bytes(), None).unwrap(),
            "客服：您好"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("您好".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16, None).unwrap(), "您好");
        let (gbk, _, _) = encoding_rs::GB18030.encode("客服：您好,请问有什么可以帮您?");
        assert_eq!(
            decode(&gbk, Some(encoding_rs::GB18030)).unwrap(),
            "客服：您好,请问有什么可以帮您?"
        );
    }
}
