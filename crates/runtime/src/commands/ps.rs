//! `ps [--format table|json] ID`: the host pids of the container's processes (its cgroup),
//! like `runc ps`; the CLI's `top` reads /proc for each of them.

use tsc_box_core::kind::Kind;
use tsc_box_core::state::StateDir;

use super::Global;
use crate::error::CmdError;

#[derive(clap::Args, Debug)]
pub struct PsArgs {
    #[arg(short = 'f', long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    pub id: String,
}

pub fn run(g: &Global<'_>, a: &PsArgs) -> Result<i32, CmdError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let cg = rec.cgroup.ok_or_else(|| CmdError::other(Kind::Cgroup, format!("container {:?} has no cgroup", a.id)))?;
    let mut pids = if cg.exists() { cg.pids()? } else { Vec::new() };
    pids.sort_unstable();
    if a.format == "json" {
        println!("{}", serde_json::to_string(&pids).expect("pids serialize"));
    } else {
        println!("PID");
        for p in pids {
            println!("{p}");
        }
    }
    Ok(0)
}
