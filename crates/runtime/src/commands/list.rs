//! `list [--format table|json] [-q]`: the containers under --root, as `runc list` prints them.

use std::io::Write;
use std::os::unix::fs::MetadataExt;

use tsc_box_core::state::{StateDir, Status};

use super::Global;
use crate::error::CmdError;

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[arg(short = 'f', long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Only the container ids.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

struct Item {
    doc: serde_json::Value,
    owner: String,
}

fn owner_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok().flatten().map_or_else(|| format!("#{uid}"), |u| u.name)
}

fn items(g: &Global<'_>) -> Vec<Item> {
    let Ok(entries) = std::fs::read_dir(&g.root) else { return Vec::new() };
    let mut names: Vec<String> = entries.flatten().filter_map(|e| e.file_name().into_string().ok()).collect();
    names.sort();
    let mut out = Vec::new();
    for id in names {
        // Ids the runtime never made (other files under --root) are skipped, as runc does.
        let Ok(dir) = StateDir::open_unlocked(&g.root, &id) else { continue };
        let Ok(rec) = dir.load() else { continue };
        let status = dir.status(&rec);
        let mut doc = rec.to_oci(status);
        if status == Status::Running && super::state::paused(&rec) {
            doc["status"] = "paused".into();
        }
        let owner = std::fs::metadata(&dir.path).map(|m| owner_name(m.uid())).unwrap_or_default();
        out.push(Item { doc, owner });
    }
    out
}

pub fn run(g: &Global<'_>, a: &ListArgs) -> Result<i32, CmdError> {
    let list = items(g);
    let mut out = std::io::stdout().lock();
    if a.quiet {
        for i in &list {
            let _ = writeln!(out, "{}", i.doc["id"].as_str().unwrap_or(""));
        }
        return Ok(0);
    }
    if a.format == "json" {
        let docs: Vec<serde_json::Value> = list
            .into_iter()
            .map(|mut i| {
                i.doc["owner"] = i.owner.into();
                i.doc
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::to_string(&docs).expect("state serializes"));
        return Ok(0);
    }
    let rows: Vec<[String; 6]> = list
        .iter()
        .map(|i| {
            let s = |k: &str| i.doc[k].as_str().map(str::to_string).unwrap_or_else(|| i.doc[k].to_string());
            [s("id"), s("pid"), s("status"), s("bundle"), s("created"), i.owner.clone()]
        })
        .collect();
    let header = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"].map(str::to_string);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    for r in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = r.iter().zip(widths).enumerate().map(|(n, (c, w))| if n == 5 { c.clone() } else { format!("{c:<w$}") }).collect();
        let _ = writeln!(out, "{}", line.join("   "));
    }
    Ok(0)
}
