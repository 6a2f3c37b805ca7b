//! `tsc-box port` (tsc_box_containers::port, the code the runtime's front door runs too).
use std::path::PathBuf;

use napi_derive::napi;
use tsc_box_containers::paths::Paths;
use tsc_box_containers::resolve::resolve_container;
use tsc_box_containers::{port, ErrorCode};

use crate::containers::coded;

/// What `port` prints (without its final newline; empty: nothing), and the bindings as JSON.
#[napi(object)]
pub struct PortAnswer {
    pub text: String,
    pub json: String,
}

#[napi]
pub fn port_answer(data_root: String, run_dir: String, reference: String, private_port: Option<String>) -> napi::Result<PortAnswer, ErrorCode> {
    let p = Paths { data_root: PathBuf::from(data_root), run_dir: PathBuf::from(run_dir) };
    let v = resolve_container(&p, &reference).map_err(|e| coded(&e))?;
    let (text, bindings) = port::answer(&v, private_port.as_deref()).map_err(|e| coded(&e))?;
    Ok(PortAnswer { text, json: serde_json::to_string_pretty(&bindings).unwrap_or_else(|_| "[]".into()) })
}
