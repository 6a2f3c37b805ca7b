//! Names taken from archives (member names, link targets, names in an archive's manifest) are
//! hostile text: printed raw in an error, `\x1b]...` or `\x1b[2J` would drive the user's
//! terminal, and a right-to-left override would make a name read as another. Every message
//! that quotes such a name escapes it here.

/// `bytes` as text with control characters, invisible formatting characters and bytes that
/// are not UTF-8 written as escapes (`\x1b`, `\u{202e}`, `\xff`); a backslash is doubled so
/// that an escape in the output always means an escaped byte.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// As `escape_bytes`, for text already decoded.
pub fn escape_str(s: &str) -> String {
    escape_bytes(s.as_bytes())
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if (c as u32) < 0x80 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() || is_invisible_format(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Characters that change how the text around them displays without showing themselves:
/// bidirectional overrides and isolates, zero-width characters, the BOM.
fn is_invisible_format(c: char) -> bool {
    matches!(c as u32, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff | 0x061c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_invisible_characters_are_shown_not_sent() {
        assert_eq!(escape_bytes(b"etc/\x1b]0;pwned\x07/x"), "etc/\\x1b]0;pwned\\x07/x");
        assert_eq!(escape_bytes(b"a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
        assert_eq!(escape_str("caf\u{e9}/\u{202e}txt.exe"), "caf\u{e9}/\\u{202e}txt.exe");
        assert_eq!(escape_str("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_bytes(b"bad\xff\\"), "bad\\xff\\\\");
        assert_eq!(escape_str("usr/lib/libc.so.6"), "usr/lib/libc.so.6");
    }
}
