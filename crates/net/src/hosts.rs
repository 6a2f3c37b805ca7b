//! The /etc/hosts of every container on a network, rewritten in place whenever a member comes
//! or goes: the file is bind-mounted into the container, so its inode must stay the same (a
//! rename would leave the container looking at the old one). This is how containers on a
//! user-defined network find each other by name without a DNS daemon.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::ipam::Lease;

/// The base lines the CLI wrote, then one line per member of the network (itself included).
pub fn render(base: &str, members: &[Lease]) -> String {
    let mut out = base.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for m in members {
        let mut names = vec![m.name.as_str()];
        names.extend(m.aliases.iter().map(String::as_str).filter(|a| *a != m.name));
        out += &format!("{}\t{}\n", m.ip, names.join(" "));
        if let Some(ip6) = m.ip6 {
            out += &format!("{ip6}\t{}\n", names.join(" "));
        }
    }
    out
}

/// Rewrites the file without replacing it; a file gone (its container's directory removed)
/// is skipped, one already right is left alone. The new text is written over the old and the
/// file then cut to its length: truncating to zero first would make ext4 flush the file to
/// disk on close (its replace-by-truncate heuristic), milliseconds for every member.
pub fn write_in_place(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    let mut f = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut old = Vec::new();
    f.read_to_end(&mut old)?;
    if old == content.as_bytes() {
        return Ok(());
    }
    f.rewind()?;
    f.write_all(content.as_bytes())?;
    f.set_len(content.len() as u64)
}

/// Rewrites the hosts file of each member that has one.
pub fn update_all(members: &[Lease]) {
    for m in members {
        if let Some(p) = &m.hosts {
            // Best effort: a member whose file cannot be written still has a working network.
            let _ = write_in_place(p, &render(&m.hosts_base, members));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn lease(ip: [u8; 4], name: &str, aliases: &[&str]) -> Lease {
        Lease {
            ip: Ipv4Addr::from(ip),
            ip6: None,
            id: name.into(),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            pid: 1,
            start_time: 0,
            veth: "v".into(),
            hosts: None,
            hosts_base: String::new(),
            ports: vec![],
            nft_table: None,
            proxy: None,
        }
    }

    #[test]
    fn renders_members_after_base() {
        let s = render("127.0.0.1\tlocalhost", &[lease([10, 0, 0, 2], "web", &["abc123", "web"]), lease([10, 0, 0, 3], "db", &[])]);
        assert_eq!(s, "127.0.0.1\tlocalhost\n10.0.0.2\tweb abc123\n10.0.0.3\tdb\n");
        let mut v6 = lease([10, 0, 0, 4], "v6", &[]);
        v6.ip6 = Some("fd00::4".parse().unwrap());
        assert_eq!(render("", &[v6]), "10.0.0.4\tv6\nfd00::4\tv6\n");
    }

    #[test]
    fn rewrites_in_place_keeping_the_inode() {
        use std::os::unix::fs::MetadataExt;
        let p = std::env::temp_dir().join(format!("tscbox-hosts-{}", std::process::id()));
        std::fs::write(&p, "a much longer original content\n").unwrap();
        let ino = std::fs::metadata(&p).unwrap().ino();
        write_in_place(&p, "short\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "short\n");
        assert_eq!(std::fs::metadata(&p).unwrap().ino(), ino);
        std::fs::remove_file(&p).unwrap();
        write_in_place(&p, "x").unwrap();
        assert!(!p.exists());
    }
}
