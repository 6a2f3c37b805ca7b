//! docker's `--restart` policies and the delay between restarts.

use std::time::Duration;

use super::MonitorError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    No,
    Always,
    /// Like always here: without a daemon there is no restart of the engine to tell them apart,
    /// and a container stopped by `stop` is never restarted by either.
    UnlessStopped,
    /// Restart after a non-zero exit, at most `max` times (0: no limit).
    OnFailure {
        max: u32,
    },
}

impl Policy {
    pub fn parse(s: &str) -> Result<Policy, MonitorError> {
        let bad = || MonitorError::BadPolicy(s.to_string());
        Ok(match s {
            "" | "no" => Policy::No,
            "always" => Policy::Always,
            "unless-stopped" => Policy::UnlessStopped,
            "on-failure" => Policy::OnFailure { max: 0 },
            _ => match s.strip_prefix("on-failure:") {
                Some(n) => Policy::OnFailure { max: n.parse().map_err(|_| bad())? },
                None => return Err(bad()),
            },
        })
    }

    /// Whether a container that ended with `status`, after `restarts` restarts already, runs
    /// again. A container someone stopped on purpose never does.
    pub fn restarts(self, status: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self {
            Policy::No => false,
            Policy::Always | Policy::UnlessStopped => true,
            Policy::OnFailure { max } => status != 0 && (max == 0 || restarts < max),
        }
    }
}

/// docker's back-off: 100 ms doubled after each restart, at most one minute.
pub fn delay(restarts: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1u64 << restarts.min(10))).min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_spellings() {
        assert_eq!(Policy::parse("no").unwrap(), Policy::No);
        assert_eq!(Policy::parse("always").unwrap(), Policy::Always);
        assert_eq!(Policy::parse("on-failure").unwrap(), Policy::OnFailure { max: 0 });
        assert_eq!(Policy::parse("on-failure:3").unwrap(), Policy::OnFailure { max: 3 });
        for bad in ["sometimes", "on-failure:", "on-failure:x", "always:2"] {
            assert!(Policy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decides_like_docker() {
        let p = Policy::OnFailure { max: 2 };
        assert!(p.restarts(1, 0, false));
        assert!(p.restarts(1, 1, false));
        assert!(!p.restarts(1, 2, false));
        assert!(!p.restarts(0, 0, false));
        assert!(Policy::Always.restarts(0, 100, false));
        assert!(!Policy::Always.restarts(0, 0, true));
        assert!(!Policy::No.restarts(1, 0, false));
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(delay(0), Duration::from_millis(100));
        assert_eq!(delay(3), Duration::from_millis(800));
        assert_eq!(delay(30), Duration::from_secs(60));
    }
}
