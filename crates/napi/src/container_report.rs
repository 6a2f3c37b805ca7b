//! `stats` and `top` for the TypeScript commands: the readings and their output
//! (tsc_box_containers::stats and ::top, which the runtime's native front door prints too).
//! Each answer is the `--json` document (as JSON text) and the text the command prints.

use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::stats::{self, Window};
use tsc_box_containers::{top, Coded};

use crate::errors::{fail, CodedResult as Result, ErrorCode};
use crate::image::{job, Job};

#[napi(object)]
pub struct Answer {
    /// The `--json` document.
    pub json: String,
    /// What the command prints without --json (no final newline).
    pub text: String,
}

fn paths(data_root: String, run_dir: String) -> Paths {
    Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) }
}

fn coded(e: impl Coded) -> napi::Error<ErrorCode> {
    fail(e.code(), e)
}

/// One reading of `stats` of the containers named (all running ones without `refs`):
/// `intervalMs` apart for each reading of the stream, else (--no-stream, --json) CPU % since
/// each container started. A bad `format` fails (invalid_format) before anything is read.
#[napi(ts_return_type = "Promise<Answer>")]
pub fn container_stats(
    data_root: String,
    run_dir: String,
    refs: Vec<String>,
    format: Option<String>,
    interval_ms: Option<u32>,
) -> AsyncTask<Job<Answer, Answer>> {
    job(move || {
        let bad = |e: tsc_box_format::TemplateError| fail(ErrorCode::InvalidFormat, e);
        stats::render(&[], format.as_deref()).map_err(bad)?;
        let p = paths(data_root, run_dir);
        let views = stats::pick(&p, &refs).map_err(coded)?;
        let window = interval_ms.map_or(Window::SinceStart, |ms| Window::Interval(Duration::from_millis(ms.into())));
        let entries = stats::sample(&views, window);
        let text = stats::render(&entries, format.as_deref()).map_err(bad)?;
        Ok(Answer { json: serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into()), text })
    })
}

/// `top` of a container reference.
#[napi]
pub fn container_top(data_root: String, run_dir: String, reference: String) -> Result<Answer> {
    let p = paths(data_root, run_dir);
    let v = resolve_container(&p, &reference).map_err(coded)?;
    let entries = top::top(&p.runtime_root(), &v).map_err(coded)?;
    Ok(Answer { json: serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into()), text: top::render(&entries) })
}

/// `info`: the host's probe (tsc_box_containers::info); `runtimePath` is the runtime binary
/// whose version to report.
#[napi]
pub fn host_info(runtime_path: String, data_root: String, run_dir: String) -> Answer {
    let r = tsc_box_containers::info::probe(&paths(data_root, run_dir), std::path::Path::new(&runtime_path));
    Answer { json: serde_json::to_string(&r).unwrap_or_else(|_| "{}".into()), text: tsc_box_containers::info::render(&r) }
}
