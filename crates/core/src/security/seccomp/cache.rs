//! On-disk cache of compiled filters: `<dir>/<sha256 of (compiler version, host, profile)>.bpf`.
//! The file is written atomically (temp + rename) and verified on load (owner, mode, header,
//! checksum), because the state dir is the only trust anchor: anything odd means recompile.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use oci_spec::runtime::LinuxSeccomp;
use sha2::{Digest, Sha256};

use super::arch::Host;
use super::bpf::{SockFilter, MAX_INSNS};
use super::Filter;

/// Bump whenever the compiler's output for a given profile changes.
const COMPILER_VERSION: &str = "tsc-box-seccomp-1";
const MAGIC: &[u8; 8] = b"TSCBPF1\0";
const HEADER: usize = 8 + 4 + 4 + 32;

pub fn key(profile: &LinuxSeccomp) -> String {
    let mut h = Sha256::new();
    h.update(COMPILER_VERSION);
    h.update(format!("{:?}", Host::native()));
    // Serializing the typed struct (not the raw config bytes) makes the key independent of
    // whitespace and field order in config.json.
    h.update(serde_json::to_vec(profile).unwrap_or_default());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(filter: &Filter) -> Vec<u8> {
    let mut body = Vec::with_capacity(filter.insns.len() * 8);
    for i in &filter.insns {
        body.extend_from_slice(&i.code.to_le_bytes());
        body.push(i.jt);
        body.push(i.jf);
        body.extend_from_slice(&i.k.to_le_bytes());
    }
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&filter.flags.to_le_bytes());
    out.extend_from_slice(&(filter.insns.len() as u32).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&body));
    out.extend_from_slice(&body);
    out
}

fn decode(bytes: &[u8]) -> Option<Filter> {
    let (head, body) = bytes.split_at_checked(HEADER)?;
    if &head[..8] != MAGIC {
        return None;
    }
    let flags = u32::from_le_bytes(head[8..12].try_into().ok()?);
    let n = u32::from_le_bytes(head[12..16].try_into().ok()?) as usize;
    if n == 0 || n > MAX_INSNS || body.len() != n * 8 || Sha256::digest(body).as_slice() != &head[16..48] {
        return None;
    }
    let insns = body
        .chunks_exact(8)
        .map(|c| SockFilter { code: u16::from_le_bytes([c[0], c[1]]), jt: c[2], jf: c[3], k: u32::from_le_bytes([c[4], c[5], c[6], c[7]]) })
        .collect();
    Some(Filter { insns, flags })
}

pub fn load(dir: &Path, key: &str) -> Option<Filter> {
    let mut f = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(dir.join(format!("{key}.bpf"))).ok()?;
    let meta = f.metadata().ok()?;
    // Only a file we wrote ourselves and nobody else can change is trusted.
    let euid = nix::unistd::geteuid().as_raw();
    if !meta.is_file() || meta.uid() != euid || meta.mode() & 0o022 != 0 || meta.len() > (HEADER + MAX_INSNS * 8) as u64 {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.read_to_end(&mut bytes).ok()?;
    decode(&bytes)
}

pub fn store(dir: &Path, key: &str, filter: &Filter) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f: File = OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(&tmp)?;
        f.write_all(&encode(filter))?;
        fs::rename(&tmp, dir.join(format!("{key}.bpf")))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::seccomp::{compile, prepare};

    fn profile(json: &str) -> LinuxSeccomp {
        serde_json::from_str(json).unwrap()
    }

    fn tempdir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("tsc-box-seccomp-cache-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn roundtrip_and_reuse() {
        let p = profile(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}"#);
        let dir = tempdir();
        let first = prepare(&p, Some(&dir)).unwrap();
        let k = key(&p);
        assert!(dir.join(format!("{k}.bpf")).is_file());
        assert_eq!(load(&dir, &k).unwrap(), first);
        assert_eq!(prepare(&p, Some(&dir)).unwrap(), compile(&p).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_depends_on_content_only() {
        let a = profile(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#);
        let b = profile(r#"{ "syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read"]}], "defaultAction":"SCMP_ACT_ERRNO" }"#);
        let c = profile(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["write"],"action":"SCMP_ACT_ALLOW"}]}"#);
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
    }

    #[test]
    fn corrupt_or_foreign_files_are_ignored() {
        let p = profile(r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#);
        let dir = tempdir();
        let f = prepare(&p, Some(&dir)).unwrap();
        let path = dir.join(format!("{}.bpf", key(&p)));
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).unwrap();
        assert!(load(&dir, &key(&p)).is_none(), "checksum mismatch must be ignored");
        // prepare recompiles and rewrites a good file.
        assert_eq!(prepare(&p, Some(&dir)).unwrap(), f);
        assert!(load(&dir, &key(&p)).is_some());
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(load(&dir, &key(&p)).is_none(), "a world-writable cache file is not trusted");
        fs::remove_dir_all(&dir).unwrap();
    }
}
