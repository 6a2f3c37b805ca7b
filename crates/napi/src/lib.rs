//! The thin N-API binding of tsc-box.
use napi_derive::napi;

/// Version of the native core, to check that the binding and the CLI agree.
#[napi]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
