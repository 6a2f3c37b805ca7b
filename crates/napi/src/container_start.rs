//! `start` and `restart` for the TypeScript commands and the SDK: the store's start
//! (tsc_box_containers::start, which the runtime's native front door runs too), the runtime's
//! own operations done by spawning the runtime binary. Both wait for the monitor to report the
//! container running (restart for its stop first), so they run on libuv's thread pool.

use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::start::{self, Launcher};
use tsc_box_containers::view;
use tsc_box_containers::Coded;

use crate::container_remove::Spawned;
use crate::errors::{fail, CodedResult as Result, ErrorCode};
use crate::image::{job, Job};

fn coded(e: impl Coded) -> napi::Error<ErrorCode> {
    fail(e.code(), e)
}

fn run(data_root: String, run_dir: String, runtime: String, cli: Vec<String>, id: String, restart: Option<u32>) -> Result<()> {
    let p = Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) };
    let v = view::by_id(&p, &id).ok_or_else(|| coded(ResolveError::NoSuch(id)))?;
    let ops = Spawned::new(Some(runtime.clone()), &p);
    let runtime = PathBuf::from(runtime);
    let launcher = Launcher { runtime: &runtime, cli: &cli };
    let r = match restart {
        Some(secs) => start::restart(&p, &v, Duration::from_secs(secs.into()), &launcher, &ops),
        None => start::start(&p, &v, &launcher, &ops),
    };
    r.map_err(coded)
}

/// `start` of the container with this full id; `cli` is the command (program and first
/// arguments) the monitor of a `--rm` container runs `rm` with. Resolves once running.
#[napi(ts_return_type = "Promise<void>")]
pub fn container_start(data_root: String, run_dir: String, runtime: String, cli: Vec<String>, id: String) -> AsyncTask<Job<(), ()>> {
    job(move || run(data_root, run_dir, runtime, cli, id, None))
}

/// `restart -t SECS`: `stop`, then `start`.
#[napi(ts_return_type = "Promise<void>")]
pub fn container_restart(data_root: String, run_dir: String, runtime: String, cli: Vec<String>, id: String, time_secs: u32) -> AsyncTask<Job<(), ()>> {
    job(move || run(data_root, run_dir, runtime, cli, id, Some(time_secs)))
}

/// `run -d` (and `create` then `start`): container `id`, whose files `run` has just written in
/// `dir`, handed to a new monitor (`restart`: its policy, `rm`: removed once ended); resolves
/// once it runs.
#[napi(ts_return_type = "Promise<void>")]
#[allow(clippy::too_many_arguments)]
pub fn container_launch(
    data_root: String,
    run_dir: String,
    runtime: String,
    cli: Vec<String>,
    id: String,
    dir: String,
    runtime_log: String,
    restart: String,
    rm: bool,
) -> AsyncTask<Job<(), ()>> {
    job(move || {
        let p = Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) };
        let runtime = PathBuf::from(runtime);
        let settings = tsc_box_containers::status::Settings { restart, rm: rm.then_some(true) };
        start::launch(&p, &id, std::path::Path::new(&dir), std::path::Path::new(&runtime_log), &settings, &Launcher { runtime: &runtime, cli: &cli })
            .map_err(coded)
    })
}

/// The overlay of the container whose directory is `dir` mounted again over its upper layer
/// if it is not mounted (`cp` into a stopped container; `start` does it itself).
#[napi(ts_return_type = "Promise<void>")]
pub fn container_ensure_rootfs(data_root: String, dir: String) -> AsyncTask<Job<(), ()>> {
    job(move || {
        let p = Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::new() };
        start::ensure_rootfs(&p, std::path::Path::new(&dir)).map_err(coded)
    })
}
