//! Writes the error contract as TypeScript (src/generated/error-codes.ts) when it changed:
//! `tsc-box-error-codes [WORKSPACE_ROOT]` (default: the current directory).

use std::path::PathBuf;

fn main() {
    let root = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let path = root.join(tsc_box_errors::TS_PATH);
    let text = tsc_box_errors::typescript();
    // Unchanged: left alone, so that tsc's incremental build and editors see no change.
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return;
    }
    let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, text));
    if let Err(e) = written {
        eprintln!("tsc-box-error-codes: {}: {e}", path.display());
        std::process::exit(1);
    }
}
