//! `net-attach PLAN` / `net-detach PLAN`: the createRuntime and poststop hooks the CLI puts in
//! config.json for bridge networking; `slirp-attach PLAN` the createRuntime hook of
//! `--network slirp4netns` (no poststop: slirp4netns ends with the container's init). The runtime-spec state arrives on stdin (id, init pid);
//! PLAN is the CLI's network plan (tsc_box_net::attach::Plan) in the container's directory.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;
use tsc_box_core::kind::Kind;
use tsc_box_net::attach::{self, Plan, Target};
use tsc_box_net::slirp::{self, SlirpPlan};

use crate::error::CmdError;

#[derive(Args)]
pub struct NetHookArgs {
    /// The network plan (JSON) written by the CLI.
    pub plan: PathBuf,
    /// net-detach: release the plan's network only (disconnect), not every network.
    #[arg(long)]
    pub only: bool,
}

#[derive(Deserialize)]
struct HookState {
    id: String,
    #[serde(default)]
    pid: i32,
}

fn read_state() -> Result<HookState, CmdError> {
    let mut buf = Vec::new();
    std::io::stdin().take(1 << 20).read_to_end(&mut buf).map_err(|e| CmdError::other(Kind::Config, format!("reading the container state on stdin: {e}")))?;
    serde_json::from_slice(&buf).map_err(|e| CmdError::other(Kind::Config, format!("container state on stdin: {e}")))
}

fn read_plan<T: serde::de::DeserializeOwned>(p: &Path) -> Result<T, CmdError> {
    let bytes = std::fs::read(p).map_err(|e| CmdError::other(Kind::Config, format!("network plan {}: {e}", p.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| CmdError::other(Kind::Config, format!("network plan {}: {e}", p.display())))
}

fn net_err(e: attach::AttachError) -> CmdError {
    CmdError::other(Kind::Config, format!("network: {e}"))
}

pub fn attach(a: &NetHookArgs) -> Result<i32, CmdError> {
    let state = read_state()?;
    let plan: Plan = read_plan(&a.plan)?;
    if state.pid <= 0 {
        return Err(CmdError::other(Kind::Config, "network: the container state has no pid (net-attach is a createRuntime hook)"));
    }
    attach::attach(&plan, &Target { id: &state.id, pid: state.pid }).map_err(net_err)?;
    Ok(0)
}

pub fn slirp_attach(a: &NetHookArgs) -> Result<i32, CmdError> {
    let state = read_state()?;
    let plan: SlirpPlan = read_plan(&a.plan)?;
    if state.pid <= 0 {
        return Err(CmdError::other(Kind::Config, "network: the container state has no pid (slirp-attach is a createRuntime hook)"));
    }
    slirp::attach(&plan, state.pid).map_err(|e| CmdError::other(Kind::Config, format!("network: {e}")))?;
    Ok(0)
}

pub fn detach(a: &NetHookArgs) -> Result<i32, CmdError> {
    let state = read_state()?;
    let plan: Plan = read_plan(&a.plan)?;
    let only = a.only.then_some(plan.network.as_str());
    attach::detach(&plan.dir, only, &state.id).map_err(net_err)?;
    Ok(0)
}
