//! `--filter KEY=VALUE`, the one parser and matcher every list and prune command uses (ps,
//! images, network ls, volume ls, the prune commands), with docker's rules: several values of
//! one key are alternatives (OR), different keys must all match (AND), and a key the command
//! does not know is refused with docker's "invalid filter 'KEY'". Each command says which keys
//! it takes and how one value matches one of its items; label and time values are read here.

use crate::time::parse_rfc3339;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error("bad format of filter (expected name=value)")]
    Syntax(String),
    #[error("invalid filter '{0}'")]
    Key(String),
    /// A value the key cannot take (`status=sleeping`, `dangling=maybe`, `until=soon`).
    #[error("invalid filter '{0}={1}'")]
    Value(String, String),
}

/// The parsed filters, in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pairs: Vec<(String, String)>,
}

impl Filters {
    /// `args` as given to `--filter` (each `KEY=VALUE`), each key checked against `keys`.
    pub fn parse(args: &[String], keys: &[&str]) -> Result<Filters, FilterError> {
        let mut pairs = Vec::with_capacity(args.len());
        for a in args {
            let Some((k, v)) = a.split_once('=') else { return Err(FilterError::Syntax(a.clone())) };
            let k = k.trim().to_lowercase();
            if !keys.contains(&k.as_str()) {
                return Err(FilterError::Key(k));
            }
            pairs.push((k, v.to_string()));
        }
        Ok(Filters { pairs })
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// The values given for `key`.
    pub fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Checks each value with `check` (a value the key cannot take), before anything is listed.
    pub fn validate(&self, check: impl Fn(&str, &str) -> bool) -> Result<(), FilterError> {
        match self.pairs.iter().find(|(k, v)| !check(k, v)) {
            Some((k, v)) => Err(FilterError::Value(k.clone(), v.clone())),
            None => Ok(()),
        }
    }

    /// Whether an item passes: for every key given, one of its values matches (`test(key,
    /// value)`). `label` is the exception, as in docker: each of its values must match.
    pub fn matches(&self, test: impl Fn(&str, &str) -> bool) -> bool {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter().all(|key| {
            let mut vals = self.values(key);
            if key == "label" || key == "label!" {
                vals.all(|v| test(key, v))
            } else {
                vals.any(|v| test(key, v))
            }
        })
    }
}

/// A `label=` value against an item's labels: `KEY` (present, any value) or `KEY=VALUE`.
pub fn label_matches<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>, filter: &str) -> bool {
    let (key, want) = match filter.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (filter, None),
    };
    labels.into_iter().any(|(k, v)| k == key && want.is_none_or(|w| w == v))
}

/// `true`/`1` and `false`/`0`, as docker's boolean filters (dangling) take them.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// A time as `until=`/`since=` of the prune commands take it, in ms since the epoch: a Unix
/// timestamp (seconds, with an optional fraction), an RFC 3339 time or date (`2006-01-02`,
/// `2006-01-02T15:04:05`, UTC unless it says otherwise), or a Go duration before now
/// (`10m`, `1h30m`, `24h`).
pub fn parse_time(v: &str, now_ms: i64) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Some(d) = parse_duration_ms(v) {
        return Some(now_ms - d);
    }
    if v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let secs: f64 = v.parse().ok()?;
        return Some((secs * 1000.0) as i64);
    }
    if let Some(t) = parse_rfc3339(v) {
        return Some(t);
    }
    let with_zone = if v.len() == 10 { format!("{v}T00:00:00Z") } else { format!("{v}Z") };
    parse_rfc3339(&with_zone)
}

/// A Go duration (`300ms`, `1.5h`, `2h45m`) in ms; None unless every part has a unit.
pub fn parse_duration_ms(v: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = v;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += num * unit;
        rest = &rest[u..];
    }
    Some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(args: &[&str]) -> Result<Filters, FilterError> {
        Filters::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &["name", "status", "label"])
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_dockers_errors() {
        assert_eq!(f(&["nope=1"]).unwrap_err().to_string(), "invalid filter 'nope'");
        assert_eq!(f(&["name"]).unwrap_err().to_string(), "bad format of filter (expected name=value)");
        let v = f(&["status=sleeping"]).unwrap();
        assert_eq!(v.validate(|_, v| v != "sleeping").unwrap_err().to_string(), "invalid filter 'status=sleeping'");
    }

    #[test]
    fn values_of_one_key_or_and_keys_and() {
        fn item(name: &'static str, status: &'static str) -> impl Fn(&str, &str) -> bool {
            move |k, v| if k == "name" { name == v } else { status == v }
        }
        let two_names = f(&["name=a", "name=b"]).unwrap();
        assert!(two_names.matches(item("a", "x")) && two_names.matches(item("b", "x")) && !two_names.matches(item("c", "x")));
        let name_and_status = f(&["name=a", "status=up"]).unwrap();
        assert!(name_and_status.matches(item("a", "up")));
        assert!(!name_and_status.matches(item("a", "down")));
        assert!(f(&[]).unwrap().matches(|_, _| false));
    }

    #[test]
    fn every_label_value_must_match() {
        let labels = [("a", "1"), ("b", "2")];
        let two = f(&["label=a", "label=b=2"]).unwrap();
        assert!(two.matches(|_, v| label_matches(labels, v)));
        let one_missing = f(&["label=a", "label=c"]).unwrap();
        assert!(!one_missing.matches(|_, v| label_matches(labels, v)));
        assert!(!label_matches(labels, "a=2"));
        assert!(label_matches(labels, "a=1"));
    }

    #[test]
    fn times_and_durations() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_time("10m", now), Some(now - 600_000));
        assert_eq!(parse_time("1h30m", now), Some(now - 5_400_000));
        assert_eq!(parse_time("1700000000", now), Some(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20Z", now), Some(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14", now), Some(1_699_920_000_000));
        assert_eq!(parse_time("soon", now), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }
}
