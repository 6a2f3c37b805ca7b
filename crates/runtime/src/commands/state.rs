//! `state`: the runtime-spec state document, with the status as the kernel sees it now.

use tsc_box_core::state::StateDir;

use super::Global;
use crate::cli::IdArgs;
use crate::error::CmdError;

pub fn run(g: &Global<'_>, a: &IdArgs) -> Result<i32, CmdError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let doc = rec.to_oci(dir.status(&rec));
    println!("{}", serde_json::to_string_pretty(&doc).expect("state serializes"));
    Ok(0)
}
