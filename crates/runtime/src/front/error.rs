//! The front's failures, reported as the Node CLI reports them (src/cli/error-output.ts):
//! `tsc-box: MESSAGE` on stderr and, under --json, {"error":{"code","message"}} on stdout.

use tsc_box_containers::remove::RemoveError;
use tsc_box_containers::resolve::ResolveError;
use tsc_box_containers::user::UserError;
use tsc_box_containers::Coded;
pub use tsc_box_containers::ErrorCode;

use crate::error::CmdError;

#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    /// Bad input the CLI itself refuses, or a container not in a state for the command: the
    /// code's exit status.
    #[error("{msg}")]
    Input { code: ErrorCode, msg: String },
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
    pub fn usage(code: ErrorCode, msg: &str) -> FrontError {
        FrontError::Input { code, msg: msg.to_string() }
    }

    /// A store's failure, with its own code and message.
    pub fn coded(e: &dyn Coded) -> FrontError {
        FrontError::Input { code: e.code(), msg: e.to_string() }
    }

    /// The same codes as the Node CLI's (one enum, tsc-box-errors).
    pub fn code(&self) -> ErrorCode {
        match self {
            FrontError::Input { code, .. } => *code,
            FrontError::Resolve(e) => e.code(),
            FrontError::User(e) => e.code(),
            FrontError::Remove(e) => e.code(),
            FrontError::Shown(e) => e.code(),
            FrontError::Runtime(e) => ErrorCode::runtime(e.kind()),
        }
    }

    /// The code's status: a runtime failure is 126/127 for a command that cannot run, else 125.
    pub fn exit_code(&self) -> i32 {
        self.code().exit_status()
    }

    /// Writes the report and returns the exit status.
    pub fn report(&self, json: bool) -> i32 {
        if !matches!(self, FrontError::Shown(_)) {
            eprintln!("tsc-box: {self}");
        }
        if json {
            println!("{}", serde_json::json!({"error": {"code": self.code().as_str(), "message": self.to_string()}}));
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
        assert_eq!((e(Kind::NotFound).code().as_str(), e(Kind::NotFound).exit_code()), ("runtime_not_found", 127));
        assert_eq!(e(Kind::Permission).exit_code(), 126);
        assert_eq!(e(Kind::Namespace).exit_code(), 125);
        let no = FrontError::Resolve(ResolveError::NoSuch("x".into()));
        assert_eq!((no.code().as_str(), no.exit_code()), ("no_such_container", 1));
        let usage = FrontError::usage(ErrorCode::InvalidEnv, "x");
        assert_eq!((usage.code().as_str(), usage.exit_code()), ("invalid_env", 125));
        let shown = FrontError::Shown(Box::new(FrontError::Input { code: ErrorCode::ContainerNotRunning, msg: "x".into() }));
        assert_eq!((shown.code().as_str(), shown.exit_code()), ("container_not_running", 1));
    }
}
