//! Cleaning of archive member names. A layer names files relative to its root; a leading `/`
//! is clamped away (it means the same place), and any `..` component is refused rather than
//! resolved, because resolving it lexically would hide an attempt to leave the root.
use super::UnpackError;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// Components of a member name, every one a plain file name (no `/`, `.`, `..`, NUL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPath(pub Vec<OsString>);

impl CleanPath {
    pub fn parse(raw: &[u8]) -> Result<Self, UnpackError> {
        if raw.contains(&0) {
            return Err(UnpackError::BadPath(raw_display(raw), "contains a NUL byte"));
        }
        let mut out = Vec::new();
        for comp in raw.split(|b| *b == b'/') {
            match comp {
                b"" | b"." => continue,
                b".." => return Err(UnpackError::BadPath(raw_display(raw), "contains a '..' component")),
                c => out.push(OsStr::from_bytes(c).to_os_string()),
            }
        }
        Ok(CleanPath(out))
    }

    /// The parent's components and the last name; None for the root itself.
    pub fn split_last(&self) -> Option<(&[OsString], &OsStr)> {
        self.0.split_last().map(|(last, parents)| (parents, last.as_os_str()))
    }

    /// The name for messages: escaped (it comes from the archive), and with only its ends
    /// shown when it is thousands of levels deep.
    pub fn display(&self) -> String {
        let p: std::path::PathBuf = self.0.iter().collect();
        format!("/{}", crate::tree::shorten(&p))
    }
}

/// A raw member name for a message, escaped and shortened like `CleanPath::display`.
pub fn raw_display(raw: &[u8]) -> String {
    crate::tree::shorten(std::path::Path::new(OsStr::from_bytes(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_and_dotted_names_are_clamped_into_the_root() {
        assert_eq!(CleanPath::parse(b"/etc//./passwd").unwrap().display(), "/etc/passwd");
        assert!(CleanPath::parse(b"./").unwrap().0.is_empty());
    }

    #[test]
    fn names_in_messages_are_escaped_and_deep_ones_shortened() {
        assert_eq!(CleanPath::parse(b"etc/\x1b[31mred").unwrap().display(), "/etc/\\x1b[31mred");
        let deep = b"a/".repeat(60_000);
        let shown = CleanPath::parse(&deep).unwrap().display();
        assert_eq!(shown, "/a/a/a/a/...(59992 more levels).../a/a/a/a");
        match CleanPath::parse(b"\x1b]0;x\x07/../y") {
            Err(UnpackError::BadPath(p, _)) => assert_eq!(p, "\\x1b]0;x\\x07/../y"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dot_dot_is_refused_anywhere() {
        for bad in [&b"../x"[..], b"a/../../x", b"a/..", b"/.."] {
            assert!(matches!(CleanPath::parse(bad), Err(UnpackError::BadPath(_, _))), "{:?}", bad);
        }
    }
}
