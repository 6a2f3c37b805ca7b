//! Who the process runs as: supplementary groups, gid, uid; HOME from the container's passwd.

use std::fs::File;
use std::os::fd::BorrowedFd;
use std::path::Path;

use nix::fcntl::OFlag;

use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};
use oci_spec::runtime::User;

use super::ProcessError;
use crate::rootfs::resolve::open_in_root;

/// setgroups, then gid, then uid (the uid last: afterwards we may lack the right to change
/// the others). `allow_setgroups` is false in a user namespace whose setgroups is denied.
pub fn switch(user: &User, allow_setgroups: bool) -> Result<(), ProcessError> {
    if allow_setgroups {
        let gids: Vec<Gid> = user.additional_gids().iter().flatten().map(|g| Gid::from_raw(*g)).collect();
        setgroups(&gids).map_err(|errno| ProcessError::User { what: "setgroups".into(), errno })?;
    }
    let g = Gid::from_raw(user.gid());
    setresgid(g, g, g).map_err(|errno| ProcessError::User { what: format!("setgid {g}"), errno })?;
    let u = Uid::from_raw(user.uid());
    setresuid(u, u, u).map_err(|errno| ProcessError::User { what: format!("setuid {u}"), errno })
}

/// The home directory of `uid` in the container's /etc/passwd (resolved inside `root`, so a
/// symlink in the image cannot point it at a host file), "/" when it has none; runc sets
/// HOME from it when the config leaves HOME out, and images rely on that.
pub fn home_in_root(root: BorrowedFd<'_>, uid: u32) -> String {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY;
    open_in_root(root, Path::new("/etc/passwd"), flags)
        .ok()
        .and_then(|fd| read_passwd(File::from(fd)))
        .and_then(|text| home_in(&text, uid))
        .unwrap_or_else(|| "/".into())
}

/// The image's passwd file, if it is a regular file of sane size: a FIFO or a huge file
/// planted there must not stall or bloat the container's setup.
fn read_passwd(f: File) -> Option<String> {
    use std::io::Read;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    f.take(4 << 20).read_to_string(&mut text).ok()?;
    Some(text)
}

fn home_in(text: &str, uid: u32) -> Option<String> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[5].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_home_by_uid() {
        let t = "root:x:0:0:root:/root:/bin/sh\nbad line\nweb:x:1000:1000::/home/web:/bin/sh\n";
        assert_eq!(home_in(t, 0).as_deref(), Some("/root"));
        assert_eq!(home_in(t, 1000).as_deref(), Some("/home/web"));
        assert_eq!(home_in(t, 5), None);
    }

    #[test]
    fn home_is_read_inside_the_root_and_only_from_a_regular_file() {
        let d = std::env::temp_dir().join(format!("tsc-box-home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("etc")).unwrap();
        let root = nix::fcntl::open(&d, OFlag::O_PATH | OFlag::O_DIRECTORY, nix::sys::stat::Mode::empty()).unwrap();
        use std::os::fd::AsFd;
        assert_eq!(home_in_root(root.as_fd(), 0), "/");
        // An absolute symlink resolves inside the root (to nothing here), never to the host's.
        std::os::unix::fs::symlink("/../../../../etc/passwd", d.join("etc/passwd")).unwrap();
        assert_eq!(home_in_root(root.as_fd(), 0), "/");
        std::fs::remove_file(d.join("etc/passwd")).unwrap();
        // Not a regular file: ignored rather than read.
        nix::unistd::mkfifo(&d.join("etc/passwd"), nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        assert_eq!(home_in_root(root.as_fd(), 0), "/");
        std::fs::remove_file(d.join("etc/passwd")).unwrap();
        std::fs::write(d.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        assert_eq!(home_in_root(root.as_fd(), 0), "/root");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
