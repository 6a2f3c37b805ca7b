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
            return Err(UnpackError::BadPath(String::from_utf8_lossy(raw).into_owned(), "contains a NUL byte"));
        }
        let mut out = Vec::new();
        for comp in raw.split(|b| *b == b'/') {
            match comp {
                b"" | b"." => continue,
                b".." => {
                    return Err(UnpackError::BadPath(String::from_utf8_lossy(raw).into_owned(), "contains a '..' component"))
                }
                c => out.push(OsStr::from_bytes(c).to_os_string()),
            }
        }
        Ok(CleanPath(out))
    }

    /// The parent's components and the last name; None for the root itself.
    pub fn split_last(&self) -> Option<(&[OsString], &OsStr)> {
        self.0.split_last().map(|(last, parents)| (parents, last.as_os_str()))
    }

    pub fn display(&self) -> String {
        let parts: Vec<_> = self.0.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        format!("/{}", parts.join("/"))
    }
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
    fn dot_dot_is_refused_anywhere() {
        for bad in [&b"../x"[..], b"a/../../x", b"a/..", b"/.."] {
            assert!(matches!(CleanPath::parse(bad), Err(UnpackError::BadPath(_, _))), "{:?}", bad);
        }
    }
}
