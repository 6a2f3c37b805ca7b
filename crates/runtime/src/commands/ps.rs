//! `ps [--format table|json] ID [PS OPTIONS]`: the container's processes, like `runc ps`:
//! JSON is the array of host pids (its cgroup's); the table is the host's `ps` (with the
//! options given, `-ef` by default) narrowed to those pids. The CLI's `top` reads the JSON.

use std::process::Command;

use tsc_box_core::kind::Kind;
use tsc_box_core::state::StateDir;

use super::Global;
use crate::error::CmdError;

#[derive(clap::Args, Debug)]
pub struct PsArgs {
    #[arg(short = 'f', long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    pub id: String,
    /// Options for ps(1) in the table format.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

pub fn run(g: &Global<'_>, a: &PsArgs) -> Result<i32, CmdError> {
    let dir = StateDir::open_unlocked(&g.root, &a.id)?;
    let rec = dir.load()?;
    let cg = rec.cgroup.ok_or_else(|| CmdError::other(Kind::Cgroup, format!("container {:?} has no cgroup", a.id)))?;
    let mut pids = if cg.exists() { cg.pids()? } else { Vec::new() };
    pids.sort_unstable();
    if a.format == "json" {
        println!("{}", serde_json::to_string(&pids).expect("pids serialize"));
        return Ok(0);
    }
    let args = if a.ps_args.is_empty() { vec!["-ef".to_string()] } else { a.ps_args.clone() };
    let out = Command::new("ps").args(&args).output().map_err(|e| CmdError::other(Kind::Internal, format!("cannot run ps: {e}")))?;
    if !out.status.success() {
        return Err(CmdError::other(Kind::Config, format!("ps {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{}", narrowed(&text, &pids).map_err(|e| CmdError::other(Kind::Config, e))?);
    Ok(0)
}

/// ps's header and the lines whose PID column is one of `pids`.
fn narrowed(text: &str, pids: &[i32]) -> Result<String, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("ps printed nothing")?;
    let col = header.split_whitespace().position(|h| h == "PID").ok_or("ps's output has no PID column")?;
    let mut out = format!("{header}\n");
    for l in lines {
        if l.split_whitespace().nth(col).and_then(|p| p.parse::<i32>().ok()).is_some_and(|p| pids.contains(&p)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_header_and_the_containers_lines() {
        let ps =
            "UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 init\nroot 42 1 0 10:00 ? 00:00:00 sleep 1\nroot 420 1 0 10:00 ? 00:00:00 sh\n";
        assert_eq!(narrowed(ps, &[42]).unwrap(), "UID PID PPID C STIME TTY TIME CMD\nroot 42 1 0 10:00 ? 00:00:00 sleep 1\n");
        assert!(narrowed("USER COMMAND\n", &[1]).is_err());
    }
}
