/**
 * Names taken from archives (RepoTags, member names) are hostile text: printed raw,
 * `\x1b]...` or `\x1b[2J` would drive the user's terminal and a right-to-left override would
 * make one name read as another. The Rust side escapes the names in its errors
 * (crates/image/src/escape.rs); this is the same rule for what the CLI itself prints.
 */
export function escapeName(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '\\') out += '\\\\'
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`
    else if ((c >= 0x80 && c <= 0x9f) || invisible(c)) out += `\\u{${c.toString(16)}}`
    else out += ch
  }
  return out
}

/** Bidirectional overrides and isolates, zero-width characters, the BOM. */
function invisible(c: number): boolean {
  return (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c === 0xfeff || c === 0x061c
}
