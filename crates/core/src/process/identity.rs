//! Who the process runs as: supplementary groups, gid, uid; HOME from the container's passwd.

use std::path::Path;

use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};
use oci_spec::runtime::User;

use super::ProcessError;

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

/// The home directory of `uid` in the rootfs's /etc/passwd, "/" when it has none; runc sets
/// HOME from it when the config leaves HOME out, and images rely on that.
pub fn home_of(uid: u32, passwd: &Path) -> String {
    read_passwd(passwd).and_then(|text| home_in(&text, uid)).unwrap_or_else(|| "/".into())
}

/// The image's passwd file, if it is a regular file of sane size: a FIFO or a huge file
/// planted there must not stall or bloat the container's setup.
fn read_passwd(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path).ok()?;
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
        assert_eq!(home_of(0, Path::new("/nonexistent/passwd")), "/");
        // Not a regular file: ignored rather than read.
        assert_eq!(home_of(0, Path::new("/dev/zero")), "/");
    }
}
