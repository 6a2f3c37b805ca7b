//! The thin N-API binding of tsc-box: the launch of the runtime binary (spawn + an async wait
//! that never blocks the event loop) and the host probe behind `tsc-box info`.
use napi_derive::napi;

mod cgroup_stats;
mod cgroup_validate;
mod container_remove;
mod containers;
mod host;
mod image;
mod process;
mod relay;
mod terminal;

/// Version of the native core, to check that the binding and the CLI agree.
#[napi]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
