//! `tsc-box stats`: CPU %, memory use and limit and pids of running containers, read from
//! their cgroups (tsc_box_cgroups), and the output: docker's table, `--format` templates and
//! the `--json` entries. One implementation: the runtime's native front door prints it for
//! `stats --no-stream`, the Node CLI through the binding for each reading of its stream.

use std::time::{Duration, Instant};

use serde::Serialize;
use tsc_box_format::time::human_size;
use tsc_box_format::{Format, TemplateError, Value};

use crate::paths::Paths;
use crate::resolve::{resolve_container, ResolveError};
use crate::view::{self, ContainerView, State};

/// One container's reading; the `--json` entry (sizes in bytes, CPU % of one CPU).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsEntry {
    pub id: String,
    pub name: String,
    #[serde(serialize_with = "tsc_box_format::value::js_number")]
    pub cpu_percent: f64,
    pub memory_usage: u64,
    /// The cgroup's limit, or the host's memory when unlimited.
    pub memory_limit: u64,
    #[serde(serialize_with = "tsc_box_format::value::js_number")]
    pub memory_percent: f64,
    pub pids: u64,
}

/// The containers named, else every running (or paused) one, with the runtime's state as ps
/// judges it (a killed foreground run's ended container is not running).
pub fn pick(paths: &Paths, refs: &[String]) -> Result<Vec<ContainerView>, ResolveError> {
    if refs.is_empty() {
        let rt = paths.runtime_root();
        return Ok(view::list(paths, Some(&rt)).into_iter().filter(|v| matches!(v.state, State::Running | State::Paused)).collect());
    }
    refs.iter().map(|r| resolve_container(paths, r)).collect()
}

/// The cgroup the container was created in (its config.json's linux.cgroupsPath).
fn cgroups_path(v: &ContainerView) -> String {
    std::fs::read(v.dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|c| c.pointer("/linux/cgroupsPath").and_then(|p| p.as_str()).map(String::from))
        .unwrap_or_else(|| format!("/tsc-box/{}", v.id))
}

/// None when the cgroup is gone (the container stopped) or unreadable.
fn read(path: &str) -> Option<tsc_box_cgroups::Stats> {
    let m = tsc_box_cgroups::Manager::new(path).ok()?;
    if !m.exists() {
        return None;
    }
    m.stats().ok()
}

fn host_memory() -> u64 {
    nix::sys::sysinfo::sysinfo().map(|i| i.ram_total()).unwrap_or(0)
}

/// A percentage rounded to two decimals.
fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole * 10000.0).round() / 100.0
    } else {
        0.0
    }
}

/// Over what time a reading's CPU % is taken.
#[derive(Clone, Copy, Debug)]
pub enum Window {
    /// One reading, its CPU time over the time since the container started (podman's first
    /// reading): `--no-stream` and `--json` answer at once instead of sampling.
    SinceStart,
    /// Two readings this far apart (each reading of the stream).
    Interval(Duration),
}

/// A reading of each container (taken together, not one by one); one that stopped meanwhile
/// is left out.
pub fn sample(views: &[ContainerView], window: Window) -> Vec<StatsEntry> {
    let paths: Vec<String> = views.iter().map(cgroups_path).collect();
    let t0 = Instant::now();
    let first: Vec<_> = match window {
        Window::SinceStart => views.iter().map(|_| None).collect(),
        Window::Interval(d) => {
            let first = paths.iter().map(|p| read(p)).collect();
            std::thread::sleep(d);
            first
        }
    };
    let second: Vec<_> = paths.iter().map(|p| read(p)).collect();
    let now_ms = tsc_box_format::time::now_ms();
    let host = host_memory();
    views
        .iter()
        .zip(first.into_iter().zip(second))
        .filter_map(|(v, (a, b))| {
            let b = b?;
            let (cpu, wall_ns) = match window {
                Window::SinceStart => {
                    let started = v.started_at.as_deref().and_then(tsc_box_format::time::parse_rfc3339);
                    (b.cpu.usage_ns, started.map_or(0.0, |s| (now_ms - s).max(0) as f64 * 1e6))
                }
                Window::Interval(_) => (a.map_or(0, |a| b.cpu.usage_ns.saturating_sub(a.cpu.usage_ns)), t0.elapsed().as_nanos() as f64),
            };
            let limit = b.memory.limit.unwrap_or(host);
            Some(StatsEntry {
                id: v.id.clone(),
                name: v.name.clone(),
                cpu_percent: percent(cpu as f64, wall_ns),
                memory_usage: b.memory.usage,
                memory_limit: limit,
                memory_percent: percent(b.memory.usage as f64, limit as f64),
                pids: b.pids.current,
            })
        })
        .collect()
}

/// What `stats` prints of one reading (without the final newline): docker's table, or the
/// `--format` value (`table TEMPLATE`, `json`, a template) over docker's fields.
pub fn render(entries: &[StatsEntry], format: Option<&str>) -> Result<String, TemplateError> {
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let short = crate::short_id(&e.id).to_string();
            Value::map([
                ("Container", Value::str(short.clone())),
                ("ID", Value::str(short)),
                ("Name", Value::str(e.name.clone())),
                ("CPUPerc", Value::str(format!("{:.2}%", e.cpu_percent))),
                ("MemUsage", Value::str(format!("{} / {}", human_size(e.memory_usage as f64), human_size(e.memory_limit as f64)))),
                ("MemPerc", Value::str(format!("{:.2}%", e.memory_percent))),
                ("PIDs", Value::str(e.pids.to_string())),
            ])
        })
        .collect();
    const COLUMNS: [(&str, &str); 7] = [
        ("Container", "CONTAINER"),
        ("ID", "CONTAINER ID"),
        ("Name", "NAME"),
        ("CPUPerc", "CPU %"),
        ("MemUsage", "MEM USAGE / LIMIT"),
        ("MemPerc", "MEM %"),
        ("PIDs", "PIDS"),
    ];
    let titles = Value::map(COLUMNS.iter().map(|(k, t)| (*k, Value::str(*t))));
    if let Some(text) = Format::parse(format.unwrap_or(""))?.render(&items, &titles)? {
        return Ok(text);
    }
    let field = |i: &Value, k: &str| match i.get(k) {
        Some(Value::Str(s)) => s.clone(),
        _ => String::new(),
    };
    let header: Vec<&str> = COLUMNS[1..].iter().map(|(_, t)| *t).collect();
    let rows: Vec<Vec<String>> = items.iter().map(|i| COLUMNS[1..].iter().map(|(k, _)| field(i, k)).collect()).collect();
    Ok(tsc_box_format::table(&header, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> StatsEntry {
        StatsEntry {
            id: "0123456789abcdef".repeat(4),
            name: "web".into(),
            cpu_percent: 12.5,
            memory_usage: 1_500_000,
            memory_limit: 2_000_000_000,
            memory_percent: 0.08,
            pids: 3,
        }
    }

    #[test]
    fn the_table_is_dockers() {
        assert_eq!(
            render(&[entry()], None).unwrap(),
            "CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %   PIDS\n0123456789ab   web    12.50%   1.50MB / 2.00GB     0.08%   3"
        );
        assert_eq!(render(&[], Some("table")).unwrap(), "CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT   MEM %   PIDS");
    }

    #[test]
    fn formats_see_dockers_fields() {
        assert_eq!(render(&[entry()], Some("{{.Name}} {{.CPUPerc}} {{.PIDs}}")).unwrap(), "web 12.50% 3");
        assert_eq!(render(&[entry()], Some("table {{.Container}}\\t{{.MemPerc}}")).unwrap(), "CONTAINER      MEM %\n0123456789ab   0.08%");
        assert!(render(&[entry()], Some("{{.Name")).is_err());
        let json = serde_json::to_string(&entry()).unwrap();
        assert!(json.starts_with("{\"id\":\"0123456789abcdef") && json.contains("\"cpuPercent\":12.5,\"memoryUsage\":1500000"), "{json}");
    }

    #[test]
    fn percentages_round_to_two_decimals_and_never_divide_by_zero() {
        assert_eq!(percent(1.0, 3.0), 33.33);
        assert_eq!(percent(2.0, 3.0), 66.67);
        assert_eq!(percent(5.0, 0.0), 0.0);
    }

    #[test]
    fn a_container_without_a_cgroup_is_left_out() {
        let base = std::env::temp_dir().join(format!("tsc-box-stats-{}", std::process::id()));
        let paths = Paths { data_root: base.join("data"), run_dir: base.join("run") };
        let v = crate::view::test_view(&paths, &"f".repeat(64), State::Running);
        std::fs::write(v.dir.join("config.json"), r#"{"linux":{"cgroupsPath":"/tsc-box-test-none/x"}}"#).unwrap();
        assert_eq!(cgroups_path(&v), "/tsc-box-test-none/x");
        assert!(sample(std::slice::from_ref(&v), Window::Interval(Duration::ZERO)).is_empty());
        assert!(sample(&[v], Window::SinceStart).is_empty());
    }
}
