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
    // Call centres write Simplified (GB18030, of which GBK is a subset) or Traditional (Big5);
    // chardetng's guess decides which is tried first.
    let candidates = match detector.guess(None, chardetng::Utf8Detection::Deny) {
        e if e == BIG5 => [BIG5, GB18030],
        _ => [GB18030, BIG5],
    };
    for encoding in candidates {
        if let Some(text) = decode_strictly(encoding, bytes, complete) {
            if reads_as_chinese(&text) {
                return Ok((encoding, 0));
            }
        }
    }
    Err("无法识别文件编码:既不是 UTF-8/UTF-16,也不像 GB18030 (GBK) 或 Big5 中文文本;如确为其他编码,请用 --encoding 指定".into())
}

/// The text, if `bytes` decode without a single malformed sequence; a stream's first part
/// (`complete` false) may end inside a character.
fn decode_strictly(encoding: &'static Encoding, bytes: &[u8], complete: bool) -> Option<String> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(decoder.max_utf8_buffer_length(bytes.len())?);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, complete);
    match result {
        encoding_rs::DecoderResult::InputEmpty if read == bytes.len() => Some(text),
        _ => None,
    }
}

/// Transcodes a stream to UTF-8 as it is read, strictly: the first byte sequence the encoding
/// cannot decode is an `InvalidData` error saying where, never a replacement character. For
/// inputs too large to decode whole.
pub struct StrictDecoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    input: Vec<u8>,
    output: Vec<u8>,
    at: usize,
    /// Bytes of input decoded so far.
    offset: u64,
    done: bool,
}

impl<R: std::io::Read> StrictDecoder<R> {
    /// `inner` without its byte-order mark.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        StrictDecoder {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            encoding,
            input: vec![0; 64 * 1024],
            output: Vec::new(),
            at: 0,
            offset: 0,
            done: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for StrictDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.output.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(n)
                .unwrap_or(n * 3 + 16);
            self.output.resize(room, 0);
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[..n],
                &mut self.output,
                last,
            );
            if let encoding_rs::DecoderResult::Malformed(bad, after) = result {
                let at = self.offset + read as u64 - u64::from(bad) - u64::from(after);
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "文件第 {at} 字节附近无法按 {} 解码 (文件前部按此编码识别,后面夹杂了其他编码或二进制内容)",
                        zh_name(self.encoding)
                    ),
                ));
            }
            self.output.truncate(written);
            self.at = 0;
            self.offset += read as u64;
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.at);
        buf[..n].copy_from_slice(&self.output[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
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
/// control characters, nearly all non-ASCII characters CJK ideographs or punctuation, and among
/// the ideographs enough of the most common ones. Bytes of another kind decode, in GB18030, to a
/// scatter of rare ideographs; real speech is dense with 的、是、您、了.
fn reads_as_chinese(text: &str) -> bool {
    /// The most frequent characters of Chinese speech and service calls, Simplified and
    /// Traditional.
    const COMMON: &str =
        "的一是不了人我在有他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于\
        着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好\
        小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全\
        三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加\
        西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义\
        各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件\
        计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强\
        即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观\
        清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转\
        夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离\
        况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻\
        易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红\
        响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站\
        严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举\
        您嗯哦啊喂谢稍等帮麻烦抱歉宽带账户套餐充值退款投诉订单快递這個們來說時會還沒麼問題請\
        謝幫寬帳戶訂單話電號為務對過點當裡嗎讓應麼見關聽開";
    let (mut controls, mut non_ascii, mut chinese, mut ideographs, mut common) = (0, 0, 0, 0, 0);
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            controls += 1;
        } else if !c.is_ascii() {
            non_ascii += 1;
            if is_cjk(c) {
                chinese += 1;
                ideographs += 1;
                common += usize::from(COMMON.contains(c));
            } else if ('\u{3400}'..='\u{4DBF}').contains(&c) {
                // CJK Extension A: rare, so not counted as common.
                chinese += 1;
                ideographs += 1;
            } else if ('\u{3000}'..='\u{303F}').contains(&c)
                || ('\u{FF00}'..='\u{FFEF}').contains(&c)
                || ('\u{2010}'..='\u{206F}').contains(&c)
            {
                // CJK and full-width punctuation, and the general punctuation Chinese text
                // uses: “ ” ‘ ’ … —
                chinese += 1;
            }
        }
    }
    let total = text.chars().count().max(1);
    controls * 100 <= total
        && non_ascii > 0
        && chinese * 10 >= non_ascii * 9
        && common * 20 >= ideographs
        && common > 0
}

/// Line endings made `\n` (CRLF and old Mac CR alike) and stray control characters (NUL, BEL,
/// ESC, C1 controls, zero-width no-break spaces left by concatenated BOMs) removed; tabs kept.
pub fn clean(text: &str) -> String {
    if !text.contains(dirty) {
        return text.to_string();
    }
    clean_dirty(text)
}

/// [`clean`] of a text that is no longer needed: one already clean is handed back as it is,
/// rather than copied (a long call is not held twice).
pub fn clean_owned(text: String) -> String {
    if text.contains(dirty) {
        clean_dirty(&text)
    } else {
        text
    }
}

/// What [`clean`] removes or rewrites.
fn dirty(c: char) -> bool {
    c == '\r' || c == '\u{feff}' || c.is_control() && !matches!(c, '\n' | '\t')
}

fn clean_dirty(text: &str) -> String {
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

/// The matching view of `text`: same number of characters, each one folded — Traditional to
/// Simplified, full-width to half-width, upper to lower case, and 您 to 你, so that a rule
/// phrase is written once. Every folded character has the same UTF-8 length as the
/// Simplified one it replaces, except full-width forms, which become one byte.
pub fn fold(text: &str) -> String {
    fold_with(text, |c| if c == '您' { '你' } else { fold_char(c) })
}

/// [`fold`] without making 您 and 你 the same, for the conditions where the polite form is the
/// point (开场必须说“您好”).
pub fn fold_keeping_nin(text: &str) -> String {
    fold_with(text, fold_char)
}

fn fold_with(text: &str, fold: impl Fn(char) -> char) -> String {
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
        .all(|c| c.is_ascii() && !c.is_ascii_uppercase() || is_cjk(c) && fold(c) == c)
    {
        return simplified;
    }
    // Exactly as long as the simplified text or shorter (full-width forms shrink): sized once,
    // as collecting would grow it by doubling to up to twice a long call.
    let mut folded = String::with_capacity(simplified.len());
    folded.extend(simplified.chars().map(fold));
    folded
}

/// A common CJK ideograph (the block folding and the pattern checks treat as Chinese text).
pub(crate) fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Whether `c` is a letter of what was said: a character or a digit, not punctuation, an
/// emoticon or a combining mark. Weibo's decorated text (花漾字) puts a Tibetan vowel sign
/// after every character (“没ོ有ོ”); Unicode calls those marks alphabetic, and counted as
/// letters they would make any two decorated posts read alike.
pub fn is_letter(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    // ASCII and the common ideographs first: the Unicode tables are walked only for the rest.
    c.is_ascii_alphanumeric()
        || is_cjk(c)
        || (!c.is_ascii()
            && c.is_alphanumeric()
            && !matches!(
                get_general_category(c),
                G::NonspacingMark | G::SpacingMark | G::EnclosingMark
            ))
}

fn fold_char(c: char) -> char {
    match c {
        // Full-width forms of ASCII: ａ → a, １ → 1, ， → ,
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
        }
        '\u{3000}' => ' ',
        _ => fold_variant(c).to_ascii_lowercase(),
    }
}

/// Characters that are also valid Simplified, so fast2s keeps them, but that Traditional text
/// (and many a Simplified typist) uses for everyday words: 別著急 is 别着急, and Taiwan's 妳 is
/// 你. Rule regexes get the same folding as the text they run on.
pub(crate) fn fold_variant(c: char) -> char {
    match c {
        '著' => '着',
        '妳' => '你',
        _ => c,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn letters_are_characters_and_digits_not_marks_or_punctuation() {
        for c in ['没', 'a', 'Z', '7', '７', 'é', '㐀', 'ㄅ'] {
            assert!(is_letter(c), "{c}");
        }
        // 花漾字: the Tibetan vowel sign after each character is decoration.
        for c in [
            '\u{0F7C}', '\u{0301}', '\u{20DD}', ',', '。', '?', ' ', '~', '😀',
        ] {
            assert!(!is_letter(c), "{c:?}");
        }
        let decorated = "没ོ有ོ";
        assert_eq!(decorated.chars().filter(|&c| is_letter(c)).count(), 2);
    }

    use super::*;

    /// A long call is neither copied by cleaning when it is clean, nor folded into a buffer
    /// grown by doubling.
    #[test]
    fn a_clean_text_is_handed_back_and_a_fold_is_sized_once() {
        let text = "客服：您好,ＡＢＣ 123。".repeat(1000);
        let owned = text.clone();
        let at = owned.as_ptr();
        let kept = clean_owned(owned);
        assert_eq!(
            (kept.as_ptr(), kept.as_str()),
            (at, text.as_str()),
            "not copied"
        );
        assert_eq!(clean_owned("a\r\nb\u{7}".into()), clean("a\r\nb\u{7}"));
        assert_eq!(clean_owned("a\r\nb\u{7}".into()), "a\nb");
        for folded in [fold(&text), fold_keeping_nin(&text)] {
            assert!(folded.capacity() <= text.len(), "{}", folded.capacity());
        }
        assert_eq!(fold("您ＡＢ"), "你ab");
        assert_eq!(fold_keeping_nin("您ＡＢ"), "您ab");
    }

    #[test]
    fn folds_traditional_fullwidth_and_case_one_to_one() {
        let original = "您好，請稍等，讓您久等了。工號ＡＢ１２３";
        let view = fold(original);
        assert_eq!(view, "你好,请稍等,让你久等了。工号ab123");
        assert_eq!(view.chars().count(), original.chars().count());
        assert_eq!(fold("您先別著急,妳放心"), "你先别着急,你放心");
        assert_eq!(fold("别著急"), "别着急", "著 in Simplified text too");
        assert_eq!(fold_keeping_nin("妳好"), "你好", "妳 is not the polite 您");
        assert_eq!(
            fold_keeping_nin(original),
            "您好,请稍等,让您久等了。工号ab123"
        );
        // 您 and 你 are the same length, so byte offsets agree between the two views.
        assert_eq!(fold_keeping_nin(original).len(), view.len());
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

    #[test]
    fn chinese_legacy_encodings_are_detected_and_checked() {
        let text = "客服：您好,工号1024为您服务,请问有什么可以帮您?\n客户：我家宽带断了。";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        assert_eq!(decode(&gbk, None).unwrap(), text);
        let traditional = "客服：您好,請問有什麼可以幫您?\n客戶：我的信用卡不見了。";
        let (big5, _, _) = encoding_rs::BIG5.encode(traditional);
        assert_eq!(decode(&big5, None).unwrap(), traditional);
        // Binary, or UTF-16 nobody marked with a BOM: refused, never mojibake.
        let utf16: Vec<u8> = "客服: ok"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode(&utf16, None).unwrap_err().contains("NUL"));
        let noise: Vec<u8> = (0..400u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
            .collect();
        assert!(decode(&noise, None).is_err(), "{:?}", decode(&noise, None));
        // Latin-1 text is not Chinese, whatever it decodes as.
        assert!(decode(
            "café crème brûlée"
                .as_bytes()
                .iter()
                .map(|&b| if b > 127 { 0xE9 } else { b })
                .collect::<Vec<_>>()
                .as_slice(),
            None
        )
        .is_err());
    }

    #[test]
    fn streams_decode_strictly() {
        use std::io::Read;
        let text = "客服：您好,请问有什么可以帮您?\n".repeat(5000);
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let mut out = String::new();
        StrictDecoder::new(&gbk[..], GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let mut broken = gbk.into_owned();
        broken.extend([0xFF, 0xFF]);
        let err = StrictDecoder::new(&broken[..], GB18030)
            .read_to_string(&mut String::new())
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .contains(&format!("第 {} 字节", broken.len() - 2)),
            "{err}"
        );
    }

    #[test]
    fn short_gbk_with_quotes_and_ellipses_is_chinese() {
        let text = "客服：“您好”……\n客户：“嗯”";
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        assert_eq!(decode(&gbk, None).unwrap(), text);
    }

    #[test]
    fn a_stream_head_may_end_inside_a_character() {
        let text = "客服：您好".repeat(50);
        let bytes = text.as_bytes();
        let (enc, bom) = detect_encoding(&bytes[..bytes.len() - 1], false, None).unwrap();
        assert_eq!((enc, bom), (UTF_8, 0));
        assert!(detect_encoding(&bytes[..bytes.len() - 1], true, None).is_err());
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let (enc, _) = detect_encoding(&gbk[..gbk.len() - 1], false, None).unwrap();
        assert_eq!(enc, GB18030);
    }

    #[test]
    fn line_ends_and_stray_controls_are_cleaned() {
        assert_eq!(
            clean("客服：您好\r\n客户：嗯\r客服：好"),
            "客服：您好\n客户：嗯\n客服：好"
        );
        assert_eq!(clean("您\u{0}好\u{7}\u{1b}\u{feff}\t!"), "您好\t!");
        assert_eq!(clean("不变"), "不变");
    }
}
