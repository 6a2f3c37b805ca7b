//! `--log` / `--log-format`: errors always reach stderr; with --log they also go to the file,
//! as JSON lines when asked (contract 2 of the CLI: one line per failure, a stable `kind`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use tsc_box_core::kind::Kind;
use tsc_box_core::state::now_rfc3339;

use crate::cli::LogFormat;

pub struct Logger {
    file: Option<File>,
    json: bool,
    debug: bool,
}

impl Logger {
    pub fn open(path: Option<&Path>, format: LogFormat, debug: bool) -> Logger {
        // A log file we cannot open must not stop the container; stderr still gets errors.
        let file = path.and_then(|p| OpenOptions::new().create(true).append(true).open(p).ok());
        Logger { file, json: format == LogFormat::Json, debug }
    }

    pub fn error(&self, kind: Kind, msg: &str) {
        eprintln!("tsc-box-runtime: {msg}");
        self.write(|json| {
            if json {
                serde_json::json!({"level": "error", "msg": msg, "kind": kind.as_str(), "time": now_rfc3339()}).to_string()
            } else {
                format!("{} error [{}] {msg}", now_rfc3339(), kind.as_str())
            }
        });
    }

    /// Something failed that does not fail the command (e.g. a poststart hook), or a value
    /// is ignored. With --log it goes there only, as runc's: engines give `create` the
    /// container's own stdio (containerd's shim does), so stderr would put it in the
    /// container's output.
    pub fn warn(&self, msg: &str) {
        if self.file.is_none() {
            eprintln!("tsc-box-runtime: warning: {msg}");
        }
        self.write(|json| {
            if json {
                serde_json::json!({"level": "warning", "msg": msg, "time": now_rfc3339()}).to_string()
            } else {
                format!("{} warning {msg}", now_rfc3339())
            }
        });
    }

    pub fn debug(&self, msg: &str) {
        if self.debug {
            self.write(|json| {
                if json {
                    serde_json::json!({"level": "debug", "msg": msg, "time": now_rfc3339()}).to_string()
                } else {
                    format!("{} debug {msg}", now_rfc3339())
                }
            });
        }
    }

    /// The end of a foreground `run`; only in JSON (the CLI reads it), text logs get a line too.
    pub fn exit(&self, id: &str, status: i32, oom_killed: bool) {
        self.write(|json| {
            if json {
                serde_json::json!({
                    "level": "info", "msg": "container exited", "kind": "exit", "id": id,
                    "status": status, "oomKilled": oom_killed, "time": now_rfc3339()
                })
                .to_string()
            } else {
                format!("{} info container {id} exited with status {status}{}", now_rfc3339(), if oom_killed { " (OOM killed)" } else { "" })
            }
        });
    }

    fn write(&self, line: impl FnOnce(bool) -> String) {
        if let Some(mut f) = self.file.as_ref() {
            let mut l = line(self.json);
            l.push('\n');
            let _ = f.write_all(l.as_bytes());
        }
    }
}
