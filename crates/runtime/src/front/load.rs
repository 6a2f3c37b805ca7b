//! `tsc-box load -i FILE [-q] [--json]`: an archive loaded into the image store without
//! starting Node (whose start is most of a small image's load), by the code the Node CLI calls
//! through the binding (tsc_box_image::archive::load: the images, and their names' references
//! recorded in the same index write). Left to Node: stdin (its copy into the store shows a
//! meter on a terminal), a user other than root (Node picks the rootless unpacking helper with
//! the user's subordinate ids), --help and arguments.

use std::io::Write as _;

use tsc_box_image::archive;
use tsc_box_image::escape::escape_str;
use tsc_box_image::store::Store;

use super::{argv, FrontError, Outcome};

/// One image of `load --json`, in the Node CLI's field order (src/sdk/json.ts LoadEntry).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    id: String,
    digest: String,
    references: &'a [String],
    ignored_names: &'a [String],
}

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("load", args)?;
    let Some(input) = p.value("input") else { return Ok(Outcome::ToNode) };
    if p.bool("help") || !p.rest.is_empty() || !nix::unistd::geteuid().is_root() {
        return Ok(Outcome::ToNode);
    }
    let paths = p.paths();
    // As Node names it in its errors: resolved against the working directory.
    let file = std::path::absolute(&input).map_err(|e| FrontError::Input { code: tsc_box_containers::ErrorCode::ArchiveIo, msg: format!("{input}: {e}") })?;
    let store = Store::open(paths.data_root.join("images")).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    let loaded = archive::load(&store, &file).map_err(|e| FrontError::Input { code: e.code(), msg: e.to_string() })?;
    let mut out = std::io::stdout().lock();
    // A closed pipe (load | head) is no failure of the load.
    if p.bool("json") {
        let entries: Vec<Entry> = loaded
            .iter()
            .map(|l| Entry { id: l.record.id.to_string(), digest: l.record.manifest.digest.to_string(), references: &l.references, ignored_names: &l.ignored })
            .collect();
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()));
    } else if !p.bool("quiet") {
        for l in &loaded {
            if l.references.is_empty() {
                let _ = writeln!(out, "Loaded image ID: {}", l.record.id);
            }
            for r in &l.references {
                let _ = writeln!(out, "Loaded image: {r}");
            }
        }
        // oclif's warning form, after the lines, as the Node CLI prints them.
        for n in loaded.iter().flat_map(|l| &l.ignored) {
            eprintln!(" ›   Warning: ignored the archive's name \"{}\": not a valid reference", escape_str(n));
        }
    }
    Ok(Outcome::Exit(0))
}
