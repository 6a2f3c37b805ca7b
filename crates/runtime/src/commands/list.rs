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

/// One container of `list --format json`, with runc's keys in runc's order (scripts match
/// on the text; serde_json's maps would sort them) and no empty annotations.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(rename = "ociVersion")]
    oci_version: &'a serde_json::Value,
    id: &'a serde_json::Value,
    pid: &'a serde_json::Value,
    status: &'a serde_json::Value,
    bundle: &'a serde_json::Value,
    rootfs: &'a serde_json::Value,
    created: &'a serde_json::Value,
    #[serde(skip_serializing_if = "no_annotations")]
    annotations: &'a serde_json::Value,
    owner: &'a str,
}

fn no_annotations(v: &&serde_json::Value) -> bool {
    v.as_object().is_none_or(|m| m.is_empty())
}

impl<'a> Listed<'a> {
    fn of(i: &'a Item) -> Listed<'a> {
        let d = &i.doc;
        Listed {
            oci_version: &d["ociVersion"],
            id: &d["id"],
            pid: &d["pid"],
            status: &d["status"],
            bundle: &d["bundle"],
            rootfs: &d["rootfs"],
            created: &d["created"],
            annotations: &d["annotations"],
            owner: &i.owner,
        }
    }
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
        let docs: Vec<Listed<'_>> = list.iter().map(Listed::of).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_items_keep_runcs_key_order_and_drop_empty_annotations() {
        let doc = serde_json::json!({"annotations": {}, "bundle": "/b", "created": "t", "id": "c1", "ociVersion": "1.2.0", "pid": 7, "rootfs": "/b/rootfs", "status": "running"});
        let i = Item { doc, owner: "root".into() };
        let line = serde_json::to_string(&Listed::of(&i)).unwrap();
        assert_eq!(line, r#"{"ociVersion":"1.2.0","id":"c1","pid":7,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"t","owner":"root"}"#);
        let i = Item { doc: serde_json::json!({"annotations": {"a": "b"}}), owner: String::new() };
        assert!(serde_json::to_string(&Listed::of(&i)).unwrap().contains(r#""annotations":{"a":"b"}"#));
    }
}
