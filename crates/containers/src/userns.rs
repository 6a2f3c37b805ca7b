//! `--userns=auto`: each container gets its own block of host ids, taken from the ranges
//! /etc/subuid and /etc/subgid give to the user "tsc-box" (root) or to the calling user
//! (rootless). Blocks are claimed with one file per block, `userns/<index>`, created with
//! O_EXCL (atomic: two parallel runs never get the same block) and holding the container id;
//! the claim lives as long as the container (every removal releases it,
//! crates/containers/src/remove.rs). A claim whose container directory is gone (a crash
//! between claim and cleanup) is taken back after a grace period.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::paths::Paths;
use crate::subid::IdRange;
use crate::{Coded, ErrorCode};

/// podman's default size for auto: enough for any distribution's system and user ids.
pub const AUTO_BLOCK: u32 = 65536;
/// A claim younger than this may belong to a container whose directory is being created.
const STALE_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoBlock {
    pub uid: IdRange,
    pub gid: IdRange,
}

#[derive(Debug, thiserror::Error)]
pub enum UsernsError {
    #[error("--userns=auto needs id ranges for {0} in /etc/subuid and /etc/subgid (e.g. \"{0}:2147483648:2147483648\")")]
    NoRanges(String),
    #[error("--userns=auto: all {count} id blocks of {owner}'s ranges are in use")]
    Exhausted { count: usize, owner: String },
    #[error("--userns=auto: claiming an id block in {0}: {1}")]
    Io(String, std::io::Error),
}

impl Coded for UsernsError {
    fn code(&self) -> ErrorCode {
        match self {
            UsernsError::NoRanges(_) => ErrorCode::InvalidUserns,
            UsernsError::Exhausted { .. } => ErrorCode::UsernsExhausted,
            UsernsError::Io(..) => ErrorCode::CreateFailed,
        }
    }
}

/// Every block the ranges hold, in order, each AUTO_BLOCK ids (or the whole range if smaller).
pub fn blocks_of(ranges: &[IdRange]) -> Vec<IdRange> {
    let mut out = Vec::new();
    for r in ranges {
        if r.count < AUTO_BLOCK {
            out.push(*r);
            continue;
        }
        let end = u64::from(r.start) + u64::from(r.count);
        let mut s = u64::from(r.start);
        while s + u64::from(AUTO_BLOCK) <= end {
            out.push(IdRange { start: s as u32, count: AUTO_BLOCK });
            s += u64::from(AUTO_BLOCK);
        }
    }
    out
}

/// The holder of a stale claim: its container directory is gone, and not just now.
fn stale_holder(paths: &Paths, file: &Path, now: SystemTime) -> Option<String> {
    let owner = std::fs::read_to_string(file).ok()?;
    if owner.is_empty() || owner.contains('/') || paths.container_dir(&owner).exists() {
        return None;
    }
    let age = now.duration_since(std::fs::metadata(file).ok()?.modified().ok()?).unwrap_or_default();
    (age >= STALE_AFTER).then_some(owner)
}

fn create_claim(file: &Path, id: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
    f.write_all(id.as_bytes())
}

/// Claims the first free block for container `id`. `owner` names whose ranges these are (for
/// the messages).
pub fn claim_auto_block(paths: &Paths, id: &str, uids: &[IdRange], gids: &[IdRange], owner: &str) -> Result<AutoBlock, UsernsError> {
    let (ub, gb) = (blocks_of(uids), blocks_of(gids));
    let n = ub.len().min(gb.len());
    if n == 0 {
        return Err(UsernsError::NoRanges(owner.to_string()));
    }
    let dir = paths.data_root.join("userns");
    let io = |e| UsernsError::Io(dir.display().to_string(), e);
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(io)?;
    for i in 0..n {
        let file = dir.join(i.to_string());
        for _attempt in 0..2 {
            match create_claim(&file, id) {
                Ok(()) => return Ok(AutoBlock { uid: ub[i], gid: gb[i] }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
            let Some(stale) = stale_holder(paths, &file, SystemTime::now()) else { break };
            // Move the stale claim aside under a name of our own, then make sure what we
            // moved is the stale claim and not one made meanwhile by another run (which we
            // put back).
            let aside = dir.join(format!("{i}.{id}.stale"));
            if std::fs::rename(&file, &aside).is_err() {
                break;
            }
            let moved = std::fs::read_to_string(&aside).unwrap_or_default();
            if moved != stale {
                // Claimed again already? The block stays theirs either way.
                let _ = std::fs::hard_link(&aside, &file);
                let _ = std::fs::remove_file(&aside);
                break;
            }
            let _ = std::fs::remove_file(&aside);
        }
    }
    Err(UsernsError::Exhausted { count: n, owner: owner.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> Paths {
        let base = std::env::temp_dir().join(format!("tsc-box-userns-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        Paths { data_root: base.join("data"), run_dir: base.join("run") }
    }

    const fn r(start: u32, count: u32) -> IdRange {
        IdRange { start, count }
    }

    #[test]
    fn ranges_split_into_blocks() {
        assert_eq!(blocks_of(&[r(100000, 65536 * 2 + 5), r(5, 10)]), vec![r(100000, 65536), r(165536, 65536), r(5, 10)]);
        assert_eq!(blocks_of(&[r(u32::MAX - 65535, 65536)]), vec![r(u32::MAX - 65535, 65536)]);
        assert!(blocks_of(&[]).is_empty());
    }

    #[test]
    fn blocks_go_one_per_container_until_exhausted() {
        let p = tmp("claim");
        let ranges = [r(100000, 65536 * 2)];
        for id in ["aaaa", "bbbb"] {
            std::fs::create_dir_all(p.container_dir(id)).unwrap();
        }
        assert_eq!(claim_auto_block(&p, "aaaa", &ranges, &ranges, "tsc-box").unwrap().uid, r(100000, 65536));
        assert_eq!(claim_auto_block(&p, "bbbb", &ranges, &ranges, "tsc-box").unwrap().gid, r(165536, 65536));
        let e = claim_auto_block(&p, "cccc", &ranges, &ranges, "tsc-box").unwrap_err();
        assert_eq!((e.code().as_str(), e.to_string().as_str()), ("userns_exhausted", "--userns=auto: all 2 id blocks of tsc-box's ranges are in use"));
        // A block released by a removal is free again.
        crate::remove::release_auto_block(&p, "aaaa");
        assert_eq!(claim_auto_block(&p, "cccc", &ranges, &ranges, "tsc-box").unwrap().uid, r(100000, 65536));
        let e = claim_auto_block(&p, "dddd", &[], &ranges, "bob").unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_userns");
        assert_eq!(e.to_string(), "--userns=auto needs id ranges for bob in /etc/subuid and /etc/subgid (e.g. \"bob:2147483648:2147483648\")");
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }

    #[test]
    fn a_stale_claim_is_taken_back_only_when_old() {
        let p = tmp("stale");
        let ranges = [r(100000, 65536)];
        let dir = p.data_root.join("userns");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0"), "gone").unwrap();
        // Young: its container may be being created right now.
        assert_eq!(claim_auto_block(&p, "new1", &ranges, &ranges, "o").unwrap_err().code().as_str(), "userns_exhausted");
        let old = SystemTime::now() - Duration::from_secs(120);
        std::fs::File::options().write(true).open(dir.join("0")).unwrap().set_modified(old).unwrap();
        assert_eq!(claim_auto_block(&p, "new1", &ranges, &ranges, "o").unwrap().uid, r(100000, 65536));
        assert_eq!(std::fs::read_to_string(dir.join("0")).unwrap(), "new1");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&p.data_root).unwrap();
    }
}
