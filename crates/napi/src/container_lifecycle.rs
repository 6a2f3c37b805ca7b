//! `stop`, `kill`, `pause` and `unpause` for the TypeScript commands and the SDK: the store's
//! lifecycle (tsc_box_containers::lifecycle, which the runtime's native front door runs too),
//! with the runtime's own operations done by spawning the runtime binary. `stop` waits up to
//! its grace time, so it runs on libuv's thread pool.

use std::path::PathBuf;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use tsc_box_containers::lifecycle;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::view::{self, ContainerView};
use tsc_box_containers::Coded;

use crate::container_remove::Spawned;
use crate::errors::{fail, CodedResult as Result};
use crate::image::{job, Job};

fn container(paths: &Paths, id: &str) -> Result<ContainerView> {
    view::by_id(paths, id).ok_or_else(|| {
        let e = ResolveError::NoSuch(id.to_string());
        fail(e.code(), e)
    })
}

fn paths(data_root: String, run_dir: String) -> Paths {
    Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) }
}

/// `stop -t SECS` of the container with this full id; resolves to its exit status as then
/// recorded (null if none).
#[napi(ts_return_type = "Promise<number | null>")]
pub fn container_stop(data_root: String, run_dir: String, runtime: String, id: String, time_secs: u32) -> AsyncTask<Job<Option<i32>, Option<i32>>> {
    job(move || {
        let p = paths(data_root, run_dir);
        let v = container(&p, &id)?;
        let ops = Spawned::new(Some(runtime), &p);
        lifecycle::stop(&p, &v, std::time::Duration::from_secs(time_secs.into()), &ops).map_err(|e| fail(e.code(), e))?;
        Ok(view::by_id(&p, &id).and_then(|now| now.exit_code))
    })
}

/// `kill -s SIGNAL` of the container with this full id.
#[napi]
pub fn container_kill(data_root: String, run_dir: String, runtime: String, id: String, signal: String) -> Result<()> {
    let p = paths(data_root, run_dir);
    let v = container(&p, &id)?;
    lifecycle::kill(&p, &v, &signal, &Spawned::new(Some(runtime), &p)).map_err(|e| fail(e.code(), e))
}

/// `pause` (`pause: true`) or `unpause` of the container with this full id.
#[napi]
pub fn container_set_paused(data_root: String, run_dir: String, runtime: String, id: String, pause: bool) -> Result<()> {
    let p = paths(data_root, run_dir);
    let v = container(&p, &id)?;
    lifecycle::set_paused(&v, pause, &Spawned::new(Some(runtime), &p)).map_err(|e| fail(e.code(), e))
}
