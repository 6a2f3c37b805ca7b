//! The `--filter` of docker's prune commands (`container`, `image`, `network prune`):
//! `until=` (a time or a duration ago: created before it), `label=` and `label!=`. One
//! reading for the commands the Node CLI composes (through napi) and the runtime's own.

use crate::filter::{label_matches, parse_time, FilterError, Filters};

pub struct PruneFilter {
    filters: Filters,
    now_ms: i64,
}

impl PruneFilter {
    /// Refuses an unknown key and a time `until=` cannot read, before anything is removed.
    pub fn parse(args: &[String], now_ms: i64) -> Result<PruneFilter, FilterError> {
        let filters = Filters::parse(args, &["until", "label", "label!"])?;
        filters.validate(|k, v| k != "until" || parse_time(v, now_ms).is_some())?;
        Ok(PruneFilter { filters, now_ms })
    }

    /// Whether a candidate created at `created` (RFC 3339) with `labels` may be removed. One
    /// without a readable creation time is never older than `until`.
    pub fn matches<'a>(&self, created: Option<&str>, labels: impl Fn() -> Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>) -> bool {
        let created = created.and_then(crate::time::parse_rfc3339);
        self.filters.matches(|k, v| match k {
            "until" => created.zip(parse_time(v, self.now_ms)).is_some_and(|(c, t)| c < t),
            "label" => label_matches(labels(), v),
            "label!" => !label_matches(labels(), v),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn keeps(args: &[&str], created: &str, labels: &[(&str, &str)]) -> bool {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let labels: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let now = crate::time::parse_rfc3339("2026-01-02T00:00:00Z").unwrap();
        let f = PruneFilter::parse(&args, now).unwrap();
        f.matches(Some(created), || Box::new(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    }

    #[test]
    fn until_and_labels_follow_dockers_rules() {
        assert!(keeps(&[], "2026-01-01T00:00:00Z", &[]));
        assert!(keeps(&["until=12h"], "2026-01-01T00:00:00Z", &[]));
        assert!(!keeps(&["until=48h"], "2026-01-01T00:00:00Z", &[]));
        assert!(keeps(&["label=env=ci"], "2026-01-01T00:00:00Z", &[("env", "ci")]));
        assert!(!keeps(&["label=env=ci"], "2026-01-01T00:00:00Z", &[("env", "prod")]));
        assert!(keeps(&["label!=keep"], "2026-01-01T00:00:00Z", &[("env", "ci")]));
        assert!(!keeps(&["label!=keep"], "2026-01-01T00:00:00Z", &[("keep", "")]));
    }

    #[test]
    fn unknown_keys_and_bad_times_are_refused() {
        assert!(PruneFilter::parse(&["dangling=true".into()], 0).is_err());
        assert!(PruneFilter::parse(&["until=soon".into()], 0).is_err());
    }
}
