//! `tsc-box-runtime events [--stats] [--interval 5s] ID`: a container's resource usage as
//! JSON, like `runc events`. With --stats, one stats object; without, a stats object every
//! interval and an "oom" object whenever the OOM killer struck, until the container stops.
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tsc_box_cgroups::{Manager, ManagerError, Stats};
use tsc_box_core::kind::Kind;
use tsc_box_core::state::{StateDir, StateError, Status};

#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// Print one stats object and exit
    #[arg(long)]
    pub stats: bool,
    /// Time between stats objects when streaming (e.g. 500ms, 5s, 1m)
    #[arg(long, default_value = "5s", value_parser = parse_interval)]
    pub interval: Duration,
    /// The container
    pub id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("container {0:?} is stopped")]
    Stopped(String),
    #[error("container {0:?} has no cgroup")]
    NoCgroup(String),
    #[error(transparent)]
    Cgroup(#[from] ManagerError),
    #[error("cannot write events: {0}")]
    Output(#[source] std::io::Error),
}

impl EventsError {
    pub fn kind(&self) -> Kind {
        match self {
            EventsError::State(e) => e.kind(),
            EventsError::Stopped(_) | EventsError::NoCgroup(_) => Kind::State,
            EventsError::Cgroup(_) => Kind::Cgroup,
            EventsError::Output(_) => Kind::Internal,
        }
    }
}

/// "250ms", "5s", "2m", or a bare number of seconds. At least 10 ms.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: u64 = num.parse().map_err(|_| format!("invalid interval {s:?}: expected e.g. 500ms, 5s or 1m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("invalid interval {s:?}: the unit must be ms, s or m")),
    };
    if d < Duration::from_millis(10) {
        return Err(format!("invalid interval {s:?}: at least 10ms"));
    }
    Ok(d)
}

/// One line of output, its keys in runc's order (type, id, data): scripts match on the
/// line's start (runc's suite does), and serde_json's maps would sort them.
#[derive(serde::Serialize)]
pub struct Event<'a> {
    #[serde(rename = "type")]
    typ: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
}

/// runc's stats document: unlimited memory is u64::MAX, unlimited pids 0.
pub fn stats_event<'a>(id: &'a str, s: &Stats) -> Event<'a> {
    Event {
        typ: "stats",
        id,
        data: Some(json!({
            "cpu": {
                "usage": {"total": s.cpu.usage_ns, "user": s.cpu.user_ns, "kernel": s.cpu.system_ns},
                "throttling": {
                    "periods": s.cpu.periods,
                    "throttledPeriods": s.cpu.throttled_periods,
                    "throttledTime": s.cpu.throttled_ns
                }
            },
            "memory": {
                "usage": {
                    "usage": s.memory.usage,
                    "max": s.memory.peak.unwrap_or(0),
                    "limit": s.memory.limit.unwrap_or(u64::MAX)
                },
                "cache": s.memory.cache,
                "oomKills": s.memory.oom_kills
            },
            "pids": {"current": s.pids.current, "limit": s.pids.limit.unwrap_or(0)}
        })),
    }
}

/// The container's cgroup, if it is still alive.
fn open(root: &Path, id: &str) -> Result<Manager, EventsError> {
    let dir = StateDir::open_unlocked(root, id)?;
    let rec = dir.load()?;
    if dir.status(&rec) == Status::Stopped {
        return Err(EventsError::Stopped(id.to_string()));
    }
    rec.cgroup.ok_or_else(|| EventsError::NoCgroup(id.to_string()))
}

fn emit(out: &mut impl Write, e: &Event<'_>) -> Result<(), EventsError> {
    let line = serde_json::to_string(e).map_err(|e| EventsError::Output(e.into()))?;
    writeln!(out, "{line}").and_then(|_| out.flush()).map_err(EventsError::Output)
}

pub fn run(root: &Path, a: &EventsArgs) -> Result<(), EventsError> {
    let cg = open(root, &a.id)?;
    let mut out = std::io::stdout().lock();
    if a.stats {
        return emit(&mut out, &stats_event(&a.id, &cg.stats()?));
    }
    let mut ooms = cg.oom_kills()?;
    loop {
        let stats = match cg.stats() {
            Ok(s) => s,
            // The container ended and its cgroup went away between two rounds.
            Err(_) if !cg.exists() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if stats.memory.oom_kills > ooms {
            ooms = stats.memory.oom_kills;
            emit(&mut out, &Event { typ: "oom", id: &a.id, data: None })?;
        }
        emit(&mut out, &stats_event(&a.id, &stats))?;
        std::thread::sleep(a.interval);
        match open(root, &a.id) {
            Ok(_) => {}
            Err(EventsError::Stopped(_)) | Err(EventsError::State(StateError::NotFound(_))) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

impl From<EventsError> for crate::error::CmdError {
    fn from(e: EventsError) -> Self {
        crate::error::CmdError::other(e.kind(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_interval("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_interval("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_interval("3"), Ok(Duration::from_secs(3)));
        assert!(parse_interval("1ms").is_err());
        assert!(parse_interval("5h").is_err());
        assert!(parse_interval("x").is_err());
    }

    #[test]
    fn stats_shape() {
        let mut s = Stats::default();
        s.memory.limit = None;
        s.pids.limit = Some(10);
        let line = serde_json::to_string(&stats_event("c1", &s)).unwrap();
        assert!(line.starts_with(r#"{"type":"stats","id":"c1","data":{"#), "{line}");
        assert_eq!(serde_json::to_string(&Event { typ: "oom", id: "c1", data: None }).unwrap(), r#"{"type":"oom","id":"c1"}"#);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["data"]["memory"]["usage"]["limit"], u64::MAX);
        assert_eq!(v["data"]["pids"]["limit"], 10);
    }
}
