//! The thin N-API binding of tsc-box: the launch of the runtime binary (spawn + an async wait
//! that never blocks the event loop) and the host probe behind `tsc-box info`.
// napi-derive registers exports only outside `cfg(test)`, so the unit-test build sees every
// export as unused.
#![cfg_attr(test, allow(dead_code))]
#![deny(clippy::undocumented_unsafe_blocks)]

mod build;
mod cgroup_validate;
mod container_lifecycle;
mod container_remove;
mod container_report;
mod container_start;
mod containers;
mod cp;
mod errors;
mod format;
mod image;
mod listing;
mod port;
mod process;
mod relay;
mod terminal;
mod volumes;
