//! Normalize: bytes → text, and text → the matching view rules are written against.
//!
//! In: raw file bytes, or a turn's text. Out: a `String` decoded from UTF-8 / UTF-16 (BOM) /
//! a fallback encoding; and a *matching view* of a turn in which Traditional characters are
//! Simplified, full-width ASCII is half-width and ASCII is lower-case.
//!
//! Every mapping in the view is one character to one character, so a character offset in the
//! view is the same offset in the original turn: findings can quote what the agent actually
//! said (繁體 included) without a separate offset table.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// Decodes input bytes. A UTF-8 or UTF-16 byte-order mark is honoured; otherwise the bytes must
/// be UTF-8, or decode cleanly with `fallback` when one is given.
pub fn decode(bytes: &[u8], fallback: Option<&'static Encoding>) -> Result<String, String> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!(
                "文件带有 {} 字节序标记,但内容无法按该编码解码",
                encoding.name()
            ));
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(utf8_error) => match fallback {
            Some(encoding) if encoding != UTF_16LE && encoding != UTF_16BE => {
                let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
                if had_errors {
                    Err(format!("文件既不是 UTF-8,也无法按 {} 解码", encoding.name()))
                } else {
                    Ok(text.into_owned())
                }
            }
            _ => Err(format!(
                "不是有效的 UTF-8 编码 (第 {} 字节处出错);如为 GBK/GB18030 导出文件,请加参数 --encoding gb18030",
                utf8_error.valid_up_to()
            )),
        },
    }
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
        let (gbk, _, _) = encoding_rs::GB18030.encode("客服：您好");
        assert!(decode(&gbk, None).unwrap_err().contains("UTF-8"));
        assert_eq!(
            decode(&gbk, Some(encoding_rs::GB18030)).unwrap(),
            "客服：您好"
        );
    }
}
