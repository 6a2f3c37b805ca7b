//! The front's failures, reported as the Node CLI reports them (src/cli/error-output.ts):
//! `tsc-box: MESSAGE` on stderr and, under --json, {"error":{"code","message"}} on stdout.

use tsc_box_containers::remove::RemoveError;
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::user::UserError;
use tsc_box_containers::{Coded, EXIT_ENGINE};

use crate::error::CmdError;

#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    /// Bad input the CLI itself refuses (exit 125 unless said otherwise).
    #[error("{msg}")]
    Input { code: &'static str, msg: String, exit: i32 },
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Remove(#[from] RemoveError),
    /// Already on stderr (one of several names failed): only --json's object remains to write.
    #[error(transparent)]
    Shown(Box<FrontError>),
    /// The runtime's own failure: `runtime_<kind>`, 126/127 for a command that cannot run.
    #[error(transparent)]
    Runtime(#[from] CmdError),
}

impl FrontError {
    pub fn usage(code: &'static str, msg: &str) -> FrontError {
        FrontError::Input { code, msg: msg.to_string(), exit: EXIT_ENGINE }
    }

    pub fn code(&self) -> String {
        match self {
            FrontError::Input { code, .. } => (*code).to_string(),
            FrontError::Resolve(e) => e.code().to_string(),
            FrontError::User(e) => e.code().to_string(),
            FrontError::Remove(e) => e.code().to_string(),
            FrontError::Shown(e) => e.code(),
            FrontError::Runtime(e) => format!("runtime_{}", e.kind().as_str()),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            FrontError::Input { exit, .. } => *exit,
            FrontError::Resolve(e) => e.exit_code(),
            FrontError::User(e) => e.exit_code(),
            FrontError::Remove(e) => e.exit_code(),
            FrontError::Shown(e) => e.exit_code(),
            FrontError::Runtime(e) => match e.kind().exit_status() {
                1 => EXIT_ENGINE,
                s => s,
            },
        }
    }

    /// Writes the report and returns the exit status.
    pub fn report(&self, json: bool) -> i32 {
        if !matches!(self, FrontError::Shown(_)) {
            eprintln!("tsc-box: {self}");
        }
        if json {
            println!("{}", serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}}));
        }
        self.exit_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsc_box_core::kind::Kind;

    #[test]
    fn runtime_kinds_map_to_docker_statuses() {
        let e = |k| FrontError::Runtime(CmdError::other(k, "x"));
        assert_eq!((e(Kind::NotFound).code(), e(Kind::NotFound).exit_code()), ("runtime_not_found".into(), 127));
        assert_eq!(e(Kind::Permission).exit_code(), 126);
        assert_eq!(e(Kind::Namespace).exit_code(), 125);
        let no = FrontError::Resolve(ResolveError::NoSuch("x".into()));
        assert_eq!((no.code(), no.exit_code()), ("no_such_container".into(), 1));
    }
}
