//! `tsc-box stop [-t SECS]`, `kill [-s SIG]`, `pause` and `unpause CONTAINER...`: the store's
//! lifecycle (tsc_box_containers::lifecycle, the code the Node CLI calls through the binding
//! too) with the runtime's kill, pause, resume and state done in this process. Each reference
//! is printed as typed once done; with several, each failure is reported and the first one
//! decides the status. --json: stop [{id, name, exitCode}], kill [{id, name, signal}],
//! pause/unpause [{id, name}].

use std::time::Duration;

use serde::Serialize;
use tsc_box_containers::lifecycle::{self, LifecycleError};
use tsc_box_containers::paths::Paths;
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::view::{self, ContainerView};

use super::ops::InProcess;
use super::{argv, FrontError, Outcome};

/// One `--json` entry, its keys in the Node CLI's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<String>,
}

impl From<LifecycleError> for FrontError {
    fn from(e: LifecycleError) -> FrontError {
        FrontError::coded(&e)
    }
}

/// stop's and restart's -t: the table's integer flag with its default and minimum, always a
/// number >= 0.
pub(super) fn stop_timeout(p: &argv::Parsed) -> Duration {
    Duration::from_secs(p.value("time").and_then(|t| t.parse::<u64>().ok()).unwrap_or(10))
}

pub fn run(verb: &str, args: &[String]) -> Result<Outcome, FrontError> {
    let Some((p, paths)) = argv::over_containers(verb, args)? else { return Ok(Outcome::ToNode) };
    let lookup = paths.clone();
    let logger = InProcess::logger();
    let ops = InProcess::new(&paths, &logger);
    let done = |v: ContainerView| Done { id: v.id, name: v.name, exit_code: None, signal: None };
    let op: Box<dyn Fn(ContainerView) -> Result<Done, LifecycleError>> = match verb {
        "stop" => {
            let timeout = stop_timeout(&p);
            Box::new(move |v| {
                lifecycle::stop(&paths, &v, timeout, &ops)?;
                let code = view::by_id(&paths, &v.id).and_then(|now| now.exit_code);
                Ok(Done { exit_code: Some(code), ..done(v) })
            })
        }
        "kill" => {
            let sig = p.value("signal").unwrap_or_else(|| "KILL".into());
            Box::new(move |v| {
                lifecycle::kill(&paths, &v, &sig, &ops)?;
                Ok(Done { signal: Some(sig.clone()), ..done(v) })
            })
        }
        _ => {
            let pause = verb == "pause";
            Box::new(move |v| lifecycle::set_paused(&v, pause, &ops).map(|()| done(v)))
        }
    };
    each_container(&lookup, &p.rest, p.bool("json"), |v| op(v).map_err(FrontError::from))
}

/// Runs `op` on each container reference as docker does (`each_ref`), the reference resolved first.
pub(super) fn each_container<T: Serialize>(
    paths: &Paths,
    refs: &[String],
    json: bool,
    op: impl Fn(ContainerView) -> Result<T, FrontError>,
) -> Result<Outcome, FrontError> {
    each_ref(refs, json, true, |r, _| r.to_string(), |r| resolve_container(paths, r).map_err(FrontError::from).and_then(&op))
}

/// Runs `op` on each reference as docker does: all of them, even after a failure, each done
/// one printed as `line` says (the reference as typed, or wait's exit status); the first
/// failure decides the status. `--json` prints the results' array instead (`pretty`:
/// indented as the Node CLI prints this command's).
pub(super) fn each_ref<T: Serialize>(
    refs: &[String],
    json: bool,
    pretty: bool,
    line: impl Fn(&str, &T) -> String,
    op: impl Fn(&str) -> Result<T, FrontError>,
) -> Result<Outcome, FrontError> {
    let several = refs.len() > 1;
    let mut out = Vec::new();
    let mut first: Option<FrontError> = None;
    for r in refs {
        match op(r) {
            Ok(v) => {
                if !json {
                    println!("{}", line(r, &v));
                }
                out.push(v);
            }
            Err(e) => {
                if several {
                    eprintln!("tsc-box: {e}");
                }
                first.get_or_insert(e);
            }
        }
    }
    match first {
        // Already shown one by one: only the --json object and the status remain.
        Some(e) if several => Err(FrontError::Shown(Box::new(e))),
        Some(e) => Err(e),
        None => {
            if json {
                let text = if pretty { serde_json::to_string_pretty(&out) } else { serde_json::to_string(&out) };
                println!("{}", text.unwrap_or_else(|_| "[]".into()));
            }
            Ok(Outcome::Exit(0))
        }
    }
}
