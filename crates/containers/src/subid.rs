//! /etc/subuid and /etc/subgid: the id ranges a user may map into a user namespace
//! (newuidmap/newgidmap check the same files). Lines are NAME_OR_UID:START:COUNT. A rootless
//! user's helpers (`remove-tree`, `unpack-layer`) run with the same maps its containers get by
//! default: root inside is the user, 1.. are the user's ranges.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRange {
    pub start: u32,
    pub count: u32,
}

/// The ranges of the user named `name` (or with uid `uid`), in file order; bad lines skipped.
pub fn parse_subid(text: &str, name: Option<&str>, uid: Option<u32>) -> Vec<IdRange> {
    let uid = uid.map(|u| u.to_string());
    text.split('\n')
        .filter_map(|line| {
            let line = line.trim_end();
            let mut f = line.splitn(3, ':');
            let (who, start, count) = (f.next()?, f.next()?, f.next()?);
            if who.is_empty() || who.contains('#') || who.contains(char::is_whitespace) {
                return None;
            }
            if Some(who) != name && Some(who) != uid.as_deref() {
                return None;
            }
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(start) || !digits(count) {
                return None;
            }
            let (start, count): (u64, u64) = (start.parse().ok()?, count.parse().ok()?);
            // Every id of the range must be a valid 32-bit id.
            (count > 0 && start + count - 1 <= u64::from(u32::MAX) && count <= u64::from(u32::MAX))
                .then_some(IdRange { start: start as u32, count: count as u32 })
        })
        .collect()
}

/// The ranges in `file`; an unreadable file has none.
pub fn read_subid(file: &Path, name: Option<&str>, uid: Option<u32>) -> Vec<IdRange> {
    std::fs::read_to_string(file).map(|t| parse_subid(&t, name, uid)).unwrap_or_default()
}

/// The login name of `uid` in the host's /etc/passwd (newuidmap matches /etc/subuid by name too).
pub fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.split('\n').find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 3 && !f[2].is_empty() && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[0].to_string())
    })
}

/// A user, its name and its ranges, as newuidmap/newgidmap see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    pub uid: u32,
    pub gid: u32,
    pub name: Option<String>,
    pub subuid: Vec<IdRange>,
    pub subgid: Vec<IdRange>,
}

impl HostUser {
    pub fn current() -> HostUser {
        let (uid, gid) = (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw());
        let name = user_name(uid);
        let n = name.as_deref();
        HostUser { uid, gid, subuid: read_subid(Path::new("/etc/subuid"), n, Some(uid)), subgid: read_subid(Path::new("/etc/subgid"), n, Some(uid)), name }
    }

    /// The helpers' --uidmap/--gidmap flags: 0 is the user, 1.. its ranges in file order.
    pub fn helper_map_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (flag, own, sub) in [("--uidmap", self.uid, &self.subuid), ("--gidmap", self.gid, &self.subgid)] {
            out.push(flag.to_string());
            out.push(format!("0:{own}:1"));
            let mut next: u64 = 1;
            for r in sub {
                out.push(flag.to_string());
                out.push(format!("{next}:{}:{}", r.start, r.count));
                next += u64::from(r.count);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_by_name_or_uid_bad_lines_skipped() {
        let text = "alice:100000:65536\n1000:200000:10\n# c:1:1\nbob:1:2\nalice:x:1\nalice:5:0\nalice:4294967295:2\nalice:7:3 \n";
        assert_eq!(
            parse_subid(text, Some("alice"), Some(1000)),
            vec![IdRange { start: 100000, count: 65536 }, IdRange { start: 200000, count: 10 }, IdRange { start: 7, count: 3 }]
        );
        assert_eq!(parse_subid(text, None, Some(1000)), vec![IdRange { start: 200000, count: 10 }]);
        assert_eq!(parse_subid(text, Some("carol"), None), vec![]);
        assert_eq!(read_subid(Path::new("/nonexistent/subuid"), Some("alice"), None), vec![]);
    }

    #[test]
    fn helper_maps_put_the_user_at_zero_and_its_ranges_after() {
        let u = HostUser {
            uid: 1000,
            gid: 100,
            name: Some("u".into()),
            subuid: vec![IdRange { start: 100000, count: 65536 }, IdRange { start: 300000, count: 5 }],
            subgid: vec![IdRange { start: 200000, count: 10 }],
        };
        let want = "--uidmap 0:1000:1 --uidmap 1:100000:65536 --uidmap 65537:300000:5 --gidmap 0:100:1 --gidmap 1:200000:10";
        assert_eq!(u.helper_map_args().join(" "), want);
    }
}
