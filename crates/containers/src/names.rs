//! Container names: docker's syntax, unique per data root. A name is claimed by linking a file
//! holding the container's id to `names/<name>`: link(2) fails with EEXIST like O_EXCL, so two
//! parallel `run --name x` never both win, and the claim appears complete or not at all.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

use crate::paths::Paths;
use crate::{short_id, Coded, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum NameError {
    #[error("invalid container name \"{0}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters")]
    Invalid(String),
    #[error("the container name \"{name}\" is already in use by {holder}: remove that container or choose another name")]
    InUse { name: String, holder: String },
    #[error("claiming the container name \"{0}\": {1}")]
    Io(String, std::io::Error),
}

impl Coded for NameError {
    fn code(&self) -> ErrorCode {
        match self {
            NameError::Invalid(_) => ErrorCode::InvalidName,
            NameError::InUse { .. } => ErrorCode::NameInUse,
            NameError::Io(..) => ErrorCode::CreateFailed,
        }
    }
}

/// docker's rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, and at most 128 characters here.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let b = name.as_bytes();
    let ok =
        b.len() >= 2 && b.len() <= 128 && b[0].is_ascii_alphanumeric() && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(NameError::Invalid(name.to_string()))
    }
}

/// Claims `name` for container `id`, whose directory must exist already (so a name always
/// leads to a container directory, or to one `container prune` may remove). The claim is
/// written in that directory first and then linked into names/: a process killed at any point
/// leaves no name or a complete one, never an empty file naming no holder.
pub fn claim_name(paths: &Paths, name: &str, id: &str) -> Result<(), NameError> {
    validate_name(name)?;
    let io = |e| NameError::Io(name.to_string(), e);
    let dir = paths.names_dir();
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(io)?;
    let claim = paths.container_dir(id).join("name.claim");
    let linked = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&claim)?;
        f.write_all(id.as_bytes())?;
        drop(f);
        std::fs::hard_link(&claim, dir.join(name))
    })();
    let _ = std::fs::remove_file(&claim);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let holder = match std::fs::read_to_string(dir.join(name)) {
                Ok(h) => format!("container {}", short_id(h.trim())),
                // Its holder is being removed right now: the name is still taken at this instant.
                Err(_) => "another container".to_string(),
            };
            Err(NameError::InUse { name: name.to_string(), holder })
        }
        Err(e) => Err(io(e)),
    }
}

/// The container holding `name`, if any.
pub fn holder(paths: &Paths, name: &str) -> Option<String> {
    if validate_name(name).is_err() {
        return None;
    }
    std::fs::read_to_string(paths.names_dir().join(name)).ok().map(|h| h.trim().to_string())
}

/// The name container `id` holds, if any.
pub fn name_of(paths: &Paths, id: &str) -> Option<String> {
    claims(paths).into_iter().find(|(_, h)| h == id).map(|(n, _)| n)
}

/// Every claim, as (name, holder id).
fn claims(paths: &Paths) -> Vec<(String, String)> {
    let Ok(rd) = std::fs::read_dir(paths.names_dir()) else { return Vec::new() };
    rd.flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            // Released meanwhile: not a claim any more.
            let id = std::fs::read_to_string(e.path()).ok()?;
            Some((name, id.trim().to_string()))
        })
        .collect()
}

/// Claims whose holder has no container directory (its `run` was killed while creating it).
pub fn stale_names(paths: &Paths) -> Vec<(String, String)> {
    claims(paths).into_iter().filter(|(_, id)| id.is_empty() || id.contains('/') || !paths.container_dir(id).exists()).collect()
}

const ADJECTIVES: [&str; 20] = [
    "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "rapid", "sharp", "tender", "upbeat",
    "vivid", "witty", "zen",
];
const NOUNS: [&str; 20] = [
    "babbage", "curie", "darwin", "euler", "fermi", "gauss", "hopper", "kepler", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "turing",
    "volta", "wozniak", "yalow", "zuse", "hypatia",
];

/// A docker-style default name (adjective_noun_NNNN) for a container started without --name.
pub fn random_name() -> std::io::Result<String> {
    let r = crate::id::random_bytes::<4>()?;
    let suffix = 1000 + u16::from_le_bytes([r[2], r[3]]) % 9000;
    Ok(format!("{}_{}_{suffix}", ADJECTIVES[usize::from(r[0]) % ADJECTIVES.len()], NOUNS[usize::from(r[1]) % NOUNS.len()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> Paths {
        let base = std::env::temp_dir().join(format!("tsc-box-names-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        Paths { data_root: base.join("data"), run_dir: base.join("run") }
    }

    #[test]
    fn docker_syntax() {
        for ok in ["ab", "web-1", "a.b_c", "0x", &"a".repeat(128)] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "-ab", ".ab", "a/b", "a b", "é1", &"a".repeat(129)] {
            let e = validate_name(bad).unwrap_err();
            assert_eq!(e.code().as_str(), "invalid_name", "{bad}");
        }
        assert_eq!(
            validate_name("a").unwrap_err().to_string(),
            "invalid container name \"a\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters"
        );
    }

    #[test]
    fn one_claim_wins_and_leaves_no_claim_file() {
        let p = tmp("claim");
        for id in ["0123456789abcdef", "fedcba9876543210"] {
            std::fs::create_dir_all(p.container_dir(id)).unwrap();
        }
        claim_name(&p, "web", "0123456789abcdef").unwrap();
        let e = claim_name(&p, "web", "fedcba9876543210").unwrap_err();
        assert_eq!(e.code().as_str(), "name_in_use");
        assert_eq!(e.to_string(), "the container name \"web\" is already in use by container 0123456789ab: remove that container or choose another name");
        assert_eq!(holder(&p, "web").as_deref(), Some("0123456789abcdef"));
        assert_eq!(name_of(&p, "0123456789abcdef").as_deref(), Some("web"));
        assert!(!p.container_dir("fedcba9876543210").join("name.claim").exists());
        assert!(!p.container_dir("0123456789abcdef").join("name.claim").exists());
        // A claim needs its container's directory.
        assert_eq!(claim_name(&p, "db", "missing").unwrap_err().code().as_str(), "create_failed");
        assert!(holder(&p, "db").is_none());
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn names_without_a_container_are_stale() {
        let p = tmp("stale");
        std::fs::create_dir_all(p.container_dir("aaaa")).unwrap();
        claim_name(&p, "kept", "aaaa").unwrap();
        std::fs::write(p.names_dir().join("orphan"), "bbbb\n").unwrap();
        assert_eq!(stale_names(&p), vec![("orphan".to_string(), "bbbb".to_string())]);
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn random_names_are_valid() {
        for _ in 0..50 {
            let n = random_name().unwrap();
            validate_name(&n).unwrap();
            assert_eq!(n.split('_').count(), 3, "{n}");
        }
    }
}
