//! Bytes to text. PxWeb writes UTF-8 (often with a byte-order mark) or,
//! from older installations and after a round trip through Excel,
//! Windows-1252; Excel's "Unicode text" is UTF-16 with a byte-order mark.

pub(super) fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|e| {
            format!(
                "the file starts with a UTF-8 byte-order mark but byte {} is not UTF-8",
                e.utf8_error().valid_up_to() + 3
            )
        });
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    // Swedish text in Windows-1252 is practically never valid UTF-8 (å, ä
    // and ö are single bytes above 0x7F, which UTF-8 never has alone), so a
    // file that decodes as UTF-8 is taken to be UTF-8.
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Ok(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err("the file starts with a UTF-16 byte-order mark but has an odd length".into());
    }
    char::decode_utf16(pairs.map(|p| unit([p[0], p[1]])))
        .collect::<Result<String, _>>()
        .map_err(|e| format!("the file is not valid UTF-16: {e}"))
}

/// Windows-1252 is ISO-8859-1 except for 0x80–0x9F, where it has
/// typographic characters; the en dash (0x96) of "0–17" is one of them.
/// The five unassigned bytes map to the C1 controls, as browsers do.
fn windows_1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(u32::from(HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}'),
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode("ålder".as_bytes()).unwrap(), "ålder");
        assert_eq!(decode(b"\xEF\xBB\xBF\xC3\xA5r").unwrap(), "år");
        assert!(decode(b"\xEF\xBB\xBF\xE5r").unwrap_err().contains("byte 3"));
    }

    #[test]
    fn windows_1252_and_latin1() {
        assert_eq!(decode(b"\xE5lder; k\xF6n").unwrap(), "ålder; kön");
        assert_eq!(decode(b"0\x9617 \xE5r").unwrap(), "0–17 år");
        assert_eq!(decode(b"\x80").unwrap(), "€");
    }

    #[test]
    fn utf16_with_bom() {
        assert_eq!(decode(b"\xFF\xFE\xE5\x00r\x00").unwrap(), "år");
        assert_eq!(decode(b"\xFE\xFF\x00\xE5\x00r").unwrap(), "år");
        assert!(decode(b"\xFF\xFE\xE5").is_err());
    }
}
