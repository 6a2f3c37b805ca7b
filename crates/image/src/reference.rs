//! A name as people type it (`busybox`, `me/app:1`, `localhost:5000/x@sha256:...`) in the
//! fully qualified form the store keys references by (`docker.io/library/busybox:latest`), for
//! the Rust commands that look images up by name (inspect). The TypeScript side's parser
//! (src/image/reference.ts) also validates; a name this refuses is simply not found.

/// None when `input` cannot be a reference (empty, upper case in the path, spaces).
pub fn normalize(input: &str) -> Option<String> {
    if input.is_empty() || input.chars().any(|c| c.is_whitespace()) {
        return None;
    }
    let (name, digest) = match input.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (input, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let (domain, path) = match repo.split_once('/') {
        Some((d, p)) if d.contains('.') || d.contains(':') || d == "localhost" => (d.to_string(), p.to_string()),
        _ => ("docker.io".to_string(), repo.to_string()),
    };
    if path.is_empty() || path.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let path = if domain == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path };
    Some(match (tag, digest) {
        (_, Some(d)) => format!("{domain}/{path}@{d}"),
        (Some(t), None) => format!("{domain}/{path}:{t}"),
        (None, None) => format!("{domain}/{path}:latest"),
    })
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn names_as_the_store_keys_them() {
        assert_eq!(normalize("busybox").as_deref(), Some("docker.io/library/busybox:latest"));
        assert_eq!(normalize("me/app:1").as_deref(), Some("docker.io/me/app:1"));
        assert_eq!(normalize("localhost:5000/x").as_deref(), Some("localhost:5000/x:latest"));
        assert_eq!(normalize("localhost/y:2").as_deref(), Some("localhost/y:2"));
        assert_eq!(normalize("quay.io/a/b@sha256:00").as_deref(), Some("quay.io/a/b@sha256:00"));
        assert_eq!(normalize("Bad"), None);
        assert_eq!(normalize(""), None);
    }
}
