//! Image references, normalised the way docker does it (distribution/reference), in this one
//! place for both doors (the Node CLI calls `parse` through the binding): `busybox` means
//! docker.io/library/busybox:latest, `me/app` docker.io/me/app:latest, a first component with a
//! dot, a colon, an upper-case letter or `localhost` is a registry, and a digest
//! (`@sha256:...`) pins the content.

pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DOMAIN: &str = "index.docker.io";
const OFFICIAL_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";
const MAX_NAME: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host[:port], e.g. docker.io or localhost:5000.
    pub domain: String,
    /// Repository path inside the registry, e.g. library/busybox.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl std::fmt::Display for Reference {
    /// The fully qualified form the store keys references by; a digest pins the content, the
    /// tag beside it is informational only (as in docker).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.digest {
            Some(d) => write!(f, "{}/{}@{d}", self.domain, self.path),
            None => write!(f, "{}/{}:{}", self.domain, self.path, self.tag.as_deref().unwrap_or(DEFAULT_TAG)),
        }
    }
}

/// docker's refusal of a name: `invalid reference format "X": why`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid reference format \"{input}\": {why}")]
pub struct InvalidReference {
    pub input: String,
    pub why: String,
}

/// Parses and normalises `input`, refusing anything docker refuses.
pub fn parse(input: &str) -> Result<Reference, InvalidReference> {
    let invalid = |why: String| InvalidReference { input: input.to_string(), why };
    if input.is_empty() {
        return Err(invalid("empty".into()));
    }
    let (mut rest, digest) = match input.split_once('@') {
        Some((n, d)) => {
            if !is_digest(d) {
                return Err(invalid("the digest must be sha256: followed by 64 lowercase hex digits".into()));
            }
            (n, Some(d.to_string()))
        }
        None => (input, None),
    };
    let mut tag = None;
    let last_slash = rest.rfind('/');
    if let Some(colon) = rest.rfind(':').filter(|c| last_slash.is_none_or(|s| *c > s)) {
        let t = &rest[colon + 1..];
        if !is_tag(t) {
            return Err(invalid(format!("invalid tag \"{t}\"")));
        }
        tag = Some(t.to_string());
        rest = &rest[..colon];
    }
    let mut parts: Vec<&str> = rest.split('/').collect();
    let mut domain = DEFAULT_DOMAIN.to_string();
    let first = parts[0];
    if parts.len() > 1 && (first.contains('.') || first.contains(':') || first == "localhost" || first.chars().any(|c| c.is_uppercase())) {
        if !is_domain(first) {
            return Err(invalid(format!("invalid registry \"{first}\"")));
        }
        domain = parts.remove(0).to_string();
    }
    if domain == LEGACY_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    for c in &parts {
        if c.chars().any(|ch| ch.is_uppercase()) {
            return Err(invalid("repository name must be lowercase".into()));
        }
        if !is_component(c) {
            return Err(invalid(format!("invalid repository name component \"{c}\"")));
        }
    }
    let mut path = parts.join("/");
    if domain == DEFAULT_DOMAIN && parts.len() == 1 {
        path = format!("{OFFICIAL_PREFIX}{path}");
    }
    if domain.len() + 1 + path.len() > MAX_NAME {
        return Err(invalid(format!("repository name longer than {MAX_NAME} characters")));
    }
    if tag.is_none() && digest.is_none() {
        tag = Some(DEFAULT_TAG.to_string());
    }
    Ok(Reference { domain, path, tag, digest })
}

/// The fully qualified form of `input`; None when it cannot be a reference (the Rust commands
/// that look images up by name: such a name is simply not found).
pub fn normalize(input: &str) -> Option<String> {
    parse(input).ok().map(|r| r.to_string())
}

fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn is_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(t: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = t.as_bytes();
    !b.is_empty() && b.len() <= 128 && word(b[0]) && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
}

/// A host name (labels of letters, digits and inner hyphens, joined by dots) or a bracketed
/// IPv6 address, with an optional `:port`.
fn is_domain(d: &str) -> bool {
    let (host, port) = match d.rfind(':') {
        // A colon inside brackets belongs to the address.
        Some(i) if !d[i..].contains(']') => (&d[..i], Some(&d[i + 1..])),
        _ => (d, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_hexdigit() || c == b':');
    }
    !host.is_empty()
        && host.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric() && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::{normalize, parse};

    #[test]
    fn names_as_the_store_keys_them() {
        let d = format!("sha256:{}", "a".repeat(64));
        for (input, want) in [
            ("busybox", "docker.io/library/busybox:latest".to_string()),
            ("busybox:1.36", "docker.io/library/busybox:1.36".into()),
            ("me/app:1", "docker.io/me/app:1".into()),
            ("index.docker.io/library/busybox", "docker.io/library/busybox:latest".into()),
            ("docker.io/busybox", "docker.io/library/busybox:latest".into()),
            ("localhost:5000/x", "localhost:5000/x:latest".into()),
            ("localhost/y:2", "localhost/y:2".into()),
            ("registry:5000/a/b/c:t", "registry:5000/a/b/c:t".into()),
            ("[::1]:5000/a", "[::1]:5000/a:latest".into()),
            ("Registry.Example/a", "Registry.Example/a:latest".into()),
            ("a__b/c.d-e--f", "docker.io/a__b/c.d-e--f:latest".into()),
            (&format!("quay.io/a/b@{d}"), format!("quay.io/a/b@{d}")),
            (&format!("busybox:1.36@{d}"), format!("docker.io/library/busybox@{d}")),
        ] {
            assert_eq!(normalize(input).as_deref(), Some(want.as_str()), "{input}");
        }
    }

    #[test]
    fn what_docker_refuses_is_refused_with_its_reason() {
        let long = "x".repeat(300);
        for (bad, why) in [
            ("", "empty"),
            ("Busybox", "repository name must be lowercase"),
            ("a//b", "invalid repository name component \"\""),
            ("busybox:", "invalid tag \"\""),
            ("busybox:-x", "invalid tag \"-x\""),
            ("bad@sha256:1234", "the digest must be sha256: followed by 64 lowercase hex digits"),
            ("-x", "invalid repository name component \"-x\""),
            ("a/B", "repository name must be lowercase"),
            ("a_.b", "invalid repository name component \"a_.b\""),
            ("exa_mple.com/a", "invalid registry \"exa_mple.com\""),
            ("host:port/a", "invalid registry \"host:port\""),
            (long.as_str(), "repository name longer than 255 characters"),
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.why, why, "{bad}");
            assert_eq!(e.to_string(), format!("invalid reference format \"{bad}\": {why}"));
        }
    }
}
