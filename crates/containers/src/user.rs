//! Resolves `-u user[:group]` against a root filesystem's /etc/passwd and /etc/group, with the
//! semantics docker and runc share: names must exist, numeric ids need not; with no explicit
//! group the user's supplementary groups are the groups listing the user by name.

use std::path::Path;

use crate::{Coded, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Unknown(String),
    /// /etc/passwd or /etc/group is there but cannot be a user database: a FIFO (which would
    /// block the reader), a device, a directory, a huge file, an unreadable one.
    #[error("{path} in the rootfs {why}")]
    BadFile { path: String, why: String },
    #[error("too many symbolic links resolving {path} in {root}")]
    SymlinkLoop { path: String, root: String },
}

impl Coded for UserError {
    fn code(&self) -> ErrorCode {
        match self {
            UserError::Unknown(_) => ErrorCode::UnknownUser,
            UserError::BadFile { .. } => ErrorCode::RootfsBadFile,
            UserError::SymlinkLoop { .. } => ErrorCode::RootfsSymlinkLoop,
        }
    }
}

const MAX_ID: u64 = (1 << 31) - 1;

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_id(s: &str) -> Option<u32> {
    if !all_digits(s) {
        return None;
    }
    // Any number of digits: a long one is out of range, not malformed.
    let trimmed = s.trim_start_matches('0');
    if trimmed.len() > 10 {
        return None;
    }
    let n: u64 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    (n <= MAX_ID).then_some(n as u32)
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    lines(text)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            // Malformed lines match nobody.
            if f.len() < 4 {
                return None;
            }
            let (uid, gid) = (parse_id(f[2])?, parse_id(f[3])?);
            let home = f.get(5).filter(|h| !h.is_empty()).unwrap_or(&"/");
            Some(PasswdEntry { name: f[0].to_string(), uid, gid, home: home.to_string() })
        })
        .collect()
}

pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    lines(text)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 3 {
                return None;
            }
            let gid = parse_id(f[2])?;
            let members = f.get(3).map(|m| m.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect()).unwrap_or_default();
            Some(GroupEntry { name: f[0].to_string(), gid, members })
        })
        .collect()
}

/// `spec` is the -u value; empty means the image default, root.
pub fn resolve_user(spec: &str, passwd: &[PasswdEntry], groups: &[GroupEntry]) -> Result<ResolvedUser, UserError> {
    let unknown = |m: String| UserError::Unknown(m);
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => {
            if g.is_empty() {
                return Err(unknown(format!("invalid user \"{spec}\": empty group")));
            }
            (u, g)
        }
        None => (spec, ""),
    };
    let who = if user_part.is_empty() { "0" } else { user_part };
    let numeric_uid = parse_id(who);
    if numeric_uid.is_none() && all_digits(who) {
        return Err(unknown(format!("invalid user \"{spec}\": uid out of range")));
    }
    let entry = passwd.iter().find(|p| p.name == who).or_else(|| numeric_uid.and_then(|n| passwd.iter().find(|p| p.uid == n)));
    let uid = match (entry, numeric_uid) {
        (Some(e), _) => e.uid,
        (None, Some(n)) => n,
        (None, None) => return Err(unknown(format!("unable to find user {who}: no matching entries in passwd file"))),
    };
    let home = entry.map(|e| e.home.clone()).unwrap_or_else(|| "/".into());
    if !group_part.is_empty() {
        let numeric_gid = parse_id(group_part);
        let g = groups.iter().find(|e| e.name == group_part).or_else(|| numeric_gid.and_then(|n| groups.iter().find(|e| e.gid == n)));
        let gid = match (g, numeric_gid) {
            (Some(g), _) => g.gid,
            (None, Some(n)) => n,
            (None, None) if all_digits(group_part) => return Err(unknown(format!("invalid group \"{group_part}\": gid out of range"))),
            (None, None) => return Err(unknown(format!("unable to find group {group_part}: no matching entries in group file"))),
        };
        return Ok(ResolvedUser { uid, gid, additional_gids: Vec::new(), home });
    }
    let mut additional_gids: Vec<u32> = Vec::new();
    if let Some(e) = entry {
        for g in groups.iter().filter(|g| g.members.contains(&e.name)) {
            if !additional_gids.contains(&g.gid) {
                additional_gids.push(g.gid);
            }
        }
    }
    Ok(ResolvedUser { uid, gid: entry.map_or(0, |e| e.gid), additional_gids, home })
}

/// The largest /etc/passwd or /etc/group read: more is refused, never truncated.
const MAX_ETC_FILE: u64 = 4 << 20;

/// Reads /etc/NAME of the (hostile) root filesystem, every symlink resolved inside it
/// (openat2 RESOLVE_IN_ROOT, no magic links). Missing (or a missing root) means empty: numeric
/// ids still work, as with docker. Anything but a regular file of at most 4 MiB is an error,
/// the same one for `run -u` and `exec -u`. The open is non-blocking, so a FIFO cannot hang
/// it, and the type is checked on the opened file, so a swap after a check cannot fool it.
fn read_etc(rootfs: &Path, name: &str) -> Result<String, UserError> {
    use nix::errno::Errno;
    use nix::fcntl::{open, openat2, OFlag, OpenHow, ResolveFlag};
    use nix::sys::stat::Mode;
    use std::io::Read;
    let shown = format!("/etc/{name}");
    let bad = |why: String| UserError::BadFile { path: shown.clone(), why };
    let root = match open(rootfs, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(String::new()),
        Err(e) => return Err(UserError::BadFile { path: rootfs.display().to_string(), why: format!("cannot be opened: {e}") }),
    };
    let how = OpenHow::new()
        .flags(OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK | OFlag::O_NOCTTY)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let fd = match openat2(&root, format!("etc/{name}").as_str(), how) {
        Ok(fd) => fd,
        Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(String::new()),
        Err(Errno::ELOOP) => return Err(UserError::SymlinkLoop { path: shown, root: rootfs.display().to_string() }),
        Err(e) => return Err(bad(format!("cannot be opened: {e}"))),
    };
    let f = std::fs::File::from(fd);
    let meta = f.metadata().map_err(|e| bad(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(bad("is not a regular file".into()));
    }
    if meta.len() > MAX_ETC_FILE {
        return Err(bad(format!("is too large ({} bytes)", meta.len())));
    }
    let mut buf = Vec::new();
    // Bounded again: the container may be growing the file right now.
    f.take(MAX_ETC_FILE).read_to_end(&mut buf).map_err(|e| bad(format!("cannot be read: {e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The user of `spec` as the root filesystem's own files define it: `run -u` (through the
/// binding) and `exec -u` (the runtime's front door) both ask this.
pub fn resolve_in_rootfs(rootfs: &Path, spec: &str) -> Result<ResolvedUser, UserError> {
    resolve_user(spec, &parse_passwd(&read_etc(rootfs, "passwd")?), &parse_group(&read_etc(rootfs, "group")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n# comment\nbroken:x\napp:x:1000:1000::/home/app:/bin/sh\nbig:x:99999999999:1::\nnohome:x:7:7:::\n";
    const GROUP: &str = "root:x:0:\napp:x:1000:\nwheel:x:10:app, root\nstaff:x:50:app\nstaff2:x:50:app\n";

    fn r(spec: &str) -> Result<ResolvedUser, UserError> {
        resolve_user(spec, &parse_passwd(PASSWD), &parse_group(GROUP))
    }

    #[test]
    fn names_numbers_and_groups() {
        assert_eq!(r("").unwrap(), ResolvedUser { uid: 0, gid: 0, additional_gids: vec![10], home: "/root".into() });
        assert_eq!(r("app").unwrap(), ResolvedUser { uid: 1000, gid: 1000, additional_gids: vec![10, 50], home: "/home/app".into() });
        assert_eq!(r("1000:wheel").unwrap(), ResolvedUser { uid: 1000, gid: 10, additional_gids: vec![], home: "/home/app".into() });
        assert_eq!(r("4242:4343").unwrap(), ResolvedUser { uid: 4242, gid: 4343, additional_gids: vec![], home: "/".into() });
        assert_eq!(r("nohome").unwrap().home, "/");
    }

    #[test]
    fn errors_name_the_problem() {
        let msg = |s: &str| r(s).unwrap_err().to_string();
        assert_eq!(msg("ghost"), "unable to find user ghost: no matching entries in passwd file");
        assert_eq!(msg("app:"), "invalid user \"app:\": empty group");
        assert_eq!(msg("99999999999"), "invalid user \"99999999999\": uid out of range");
        assert_eq!(msg("app:nogroup"), "unable to find group nogroup: no matching entries in group file");
        assert_eq!(msg("app:99999999999"), "invalid group \"99999999999\": gid out of range");
        assert_eq!(r("ghost").unwrap_err().code().as_str(), "unknown_user");
        // The malformed and out-of-range lines match nobody.
        assert_eq!(parse_passwd(PASSWD).len(), 3);
    }

    #[test]
    fn hostile_etc_symlinks_stay_inside_the_root() {
        let d = std::env::temp_dir().join(format!("tsc-box-user-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("etc")).unwrap();
        std::fs::create_dir_all(d.join("real")).unwrap();
        // An absolute link means the root's own /real/passwd, never the host's /etc/passwd.
        std::os::unix::fs::symlink("/real/passwd", d.join("etc/passwd")).unwrap();
        assert_eq!(resolve_in_rootfs(&d, "root").unwrap_err().code().as_str(), "unknown_user");
        std::fs::write(d.join("real/passwd"), "u:x:5:6::/h:\n").unwrap();
        assert_eq!(resolve_in_rootfs(&d, "u").unwrap().uid, 5);
        // A relative escape stays inside too.
        std::fs::remove_file(d.join("etc/passwd")).unwrap();
        std::os::unix::fs::symlink("../../../../../../real/passwd", d.join("etc/passwd")).unwrap();
        assert_eq!(resolve_in_rootfs(&d, "u").unwrap().uid, 5);
        // An absolute link into /proc is the root's own /proc (absent here), never this process's.
        std::fs::remove_file(d.join("etc/passwd")).unwrap();
        std::os::unix::fs::symlink("/proc/self/root/etc/passwd", d.join("etc/passwd")).unwrap();
        assert!(resolve_in_rootfs(&d, "root").is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn root_with_etc(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("tsc-box-user-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("etc")).unwrap();
        d
    }

    #[test]
    fn a_fifo_or_directory_passwd_is_refused_without_blocking() {
        let d = root_with_etc("fifo");
        nix::unistd::mkfifo(&d.join("etc/passwd"), nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        // A numeric user too: the file is there, and it is not a user database.
        for spec in ["root", "0:0"] {
            let e = resolve_in_rootfs(&d, spec).unwrap_err();
            assert_eq!((e.code().as_str(), e.to_string().as_str()), ("rootfs_bad_file", "/etc/passwd in the rootfs is not a regular file"));
        }
        std::fs::remove_file(d.join("etc/passwd")).unwrap();
        std::fs::create_dir(d.join("etc/group")).unwrap();
        assert_eq!(resolve_in_rootfs(&d, "0").unwrap_err().to_string(), "/etc/group in the rootfs is not a regular file");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn no_passwd_file_numeric_ids_work_names_do_not() {
        let d = root_with_etc("none");
        assert_eq!(resolve_in_rootfs(&d, "1234:5678").unwrap(), ResolvedUser { uid: 1234, gid: 5678, additional_gids: vec![], home: "/".into() });
        assert_eq!(resolve_in_rootfs(&d, "").unwrap().uid, 0);
        assert_eq!(resolve_in_rootfs(&d, "app").unwrap_err().to_string(), "unable to find user app: no matching entries in passwd file");
        // No etc at all, or no root at all: the same.
        assert_eq!(resolve_in_rootfs(&d.join("missing"), "7").unwrap().uid, 7);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_huge_passwd_is_refused_not_truncated() {
        let d = root_with_etc("huge");
        let f = std::fs::File::create(d.join("etc/passwd")).unwrap();
        f.set_len(MAX_ETC_FILE + 1).unwrap();
        let e = resolve_in_rootfs(&d, "root").unwrap_err();
        assert_eq!(e.to_string(), format!("/etc/passwd in the rootfs is too large ({} bytes)", MAX_ETC_FILE + 1));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_symlink_loop_is_named() {
        let d = root_with_etc("loop");
        std::os::unix::fs::symlink("/etc/passwd", d.join("etc/passwd")).unwrap();
        assert_eq!(resolve_in_rootfs(&d, "root").unwrap_err().code().as_str(), "rootfs_symlink_loop");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
