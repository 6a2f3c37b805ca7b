//! Dynamic string tokens in DT_RPATH/DT_RUNPATH entries, expanded the way glibc's ld.so does:
//! `$ORIGIN` (the directory of the object, symlinks resolved), `$LIB` (the loader's library
//! directory: `lib/x86_64-linux-gnu` on Debian, `lib64` on Fedora, `lib` on Arch) and
//! `$PLATFORM` (the processor, `x86_64`), each also as `${NAME}`. A name must end where an
//! identifier would (`$ORIGINAL` is no token); unknown names are left as written.
use std::path::{Path, PathBuf};

/// What the tokens stand for, for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub origin: String,
    /// None when no loader is known (a static executable): `$LIB` is left as written.
    pub lib: Option<String>,
    pub platform: Option<String>,
}

impl Tokens {
    /// For `object`, loaded by `loader`, built for ELF `machine`.
    /// As `of`, for an object in `view`. In a root, `$PLATFORM` is the kernel's for the
    /// machine: the root's loader is never run to ask it (it is the build's, hostile code).
    pub fn of_in(view: &super::View, object: &Path, loader: Option<&Path>, machine: u16) -> Tokens {
        if !view.is_root() {
            return Tokens::of(object, loader, machine);
        }
        let real = view.canonical(object).unwrap_or_else(|| object.to_path_buf());
        let lib = loader.and_then(|l| view.canonical(l)).and_then(|real| {
            let dir = real.parent()?.to_path_buf();
            let rel = dir.strip_prefix("/usr").or_else(|_| dir.strip_prefix("/")).ok()?.to_str()?.to_string();
            (!rel.is_empty()).then_some(rel)
        });
        Tokens { origin: real.parent().unwrap_or(Path::new("/")).to_string_lossy().into_owned(), lib, platform: platform_of(machine) }
    }

    pub fn of(object: &Path, loader: Option<&Path>, machine: u16) -> Tokens {
        let real = std::fs::canonicalize(object).unwrap_or_else(|_| object.to_path_buf());
        Tokens {
            origin: real.parent().unwrap_or(Path::new("/")).to_string_lossy().into_owned(),
            lib: loader.and_then(lib_of_loader),
            platform: loader.and_then(platform_of_loader).or_else(|| platform_of(machine)),
        }
    }
}

/// `$LIB` of a loader: the directory it lives in, relative to the root, a merged /usr counted
/// as the root (glibc's slibdir: /lib/x86_64-linux-gnu is /usr/lib/x86_64-linux-gnu).
pub fn lib_of_loader(loader: &Path) -> Option<String> {
    let real = std::fs::canonicalize(loader).ok()?;
    let dir = real.parent()?;
    let rel = dir.strip_prefix("/usr").or_else(|_| dir.strip_prefix("/")).ok()?;
    let s = rel.to_str()?;
    (!s.is_empty()).then(|| s.to_string())
}

/// `$PLATFORM` as the loader itself expands it. glibc's x86_64 ld.so does not use the
/// kernel's AT_PLATFORM as is: on CPUs with the right features it names a platform of its own
/// ("haswell", "xeon_phi"). Only the loader knows, and it says so with --list-diagnostics
/// (glibc 2.33 and later); asked once per loader.
fn platform_of_loader(loader: &Path) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<PathBuf, Option<String>>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashMap::new);
    if let Some(p) = seen.get(loader) {
        return p.clone();
    }
    let out = std::process::Command::new(loader).arg("--list-diagnostics").stdin(std::process::Stdio::null()).stderr(std::process::Stdio::null()).output().ok();
    let found = out.filter(|o| o.status.success()).and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        text.lines().find_map(|l| Some(l.strip_prefix("dl_platform=\"")?.strip_suffix('"')?.to_string())).filter(|p| !p.is_empty())
    });
    seen.insert(loader.to_path_buf(), found.clone());
    found
}

/// AT_PLATFORM as the kernel gives it for the ELF machine, where the loader cannot be asked.
fn platform_of(machine: u16) -> Option<String> {
    use goblin::elf::header::{EM_386, EM_AARCH64, EM_X86_64};
    match machine {
        EM_X86_64 => Some("x86_64".into()),
        EM_AARCH64 => Some("aarch64".into()),
        EM_386 => Some("i686".into()),
        _ => None,
    }
}

pub fn expand(entry: &str, t: &Tokens) -> PathBuf {
    let mut out = String::with_capacity(entry.len());
    let mut rest = entry;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(b) => match b.find('}') {
                Some(end) => (&b[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        let value = match name {
            "ORIGIN" => Some(t.origin.as_str()),
            "LIB" => t.lib.as_deref(),
            "PLATFORM" => t.platform.as_deref(),
            _ => None,
        };
        match value {
            Some(v) if len > 0 => {
                out.push_str(v);
                rest = &after[len..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Tokens {
        Tokens { origin: "/opt/app/bin".into(), lib: Some("lib/x86_64-linux-gnu".into()), platform: Some("x86_64".into()) }
    }

    #[test]
    fn origin_lib_and_platform_expand_bare_and_braced() {
        assert_eq!(expand("$ORIGIN/../$LIB", &t()), PathBuf::from("/opt/app/bin/../lib/x86_64-linux-gnu"));
        assert_eq!(expand("${ORIGIN}/../${LIB}/${PLATFORM}", &t()), PathBuf::from("/opt/app/bin/../lib/x86_64-linux-gnu/x86_64"));
        assert_eq!(expand("/usr/$LIB/plugins-$PLATFORM", &t()), PathBuf::from("/usr/lib/x86_64-linux-gnu/plugins-x86_64"));
        let fedora = Tokens { lib: Some("lib64".into()), ..t() };
        assert_eq!(expand("$ORIGIN/../$LIB", &fedora), PathBuf::from("/opt/app/bin/../lib64"));
    }

    #[test]
    fn non_tokens_and_unknown_values_stay_as_written() {
        assert_eq!(expand("$ORIGINAL/x", &t()), PathBuf::from("$ORIGINAL/x"));
        assert_eq!(expand("/a/$HOME/${LIB", &t()), PathBuf::from("/a/$HOME/${LIB"));
        assert_eq!(expand("/a/$", &t()), PathBuf::from("/a/$"));
        let static_exe = Tokens { lib: None, platform: None, ..t() };
        assert_eq!(expand("/x/$LIB/$PLATFORM", &static_exe), PathBuf::from("/x/$LIB/$PLATFORM"));
    }

    #[test]
    fn lib_of_the_host_loader_is_where_the_host_libc_lives() {
        let env = crate::elf::inspect(Path::new("/usr/bin/env")).unwrap().unwrap();
        let loader = PathBuf::from(env.interpreter.expect("env is dynamic"));
        let lib = lib_of_loader(&loader).expect("the loader has a directory");
        // glibc installs the loader beside libc: $LIB names the directory holding both.
        assert!(Path::new("/").join(&lib).join("libc.so.6").is_file(), "$LIB = {lib}");
        if cfg!(target_arch = "x86_64") {
            assert!(["lib/x86_64-linux-gnu", "lib64", "lib"].contains(&lib.as_str()), "{lib}");
            // What the host's ld.so itself says: x86_64, or a platform of glibc's own.
            let platform = Tokens::of(Path::new("/usr/bin/env"), Some(&loader), env.machine).platform;
            assert!(matches!(platform.as_deref(), Some("x86_64" | "haswell" | "xeon_phi")), "{platform:?}");
        }
    }
}
