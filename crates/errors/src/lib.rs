//! The error contract of tsc-box, in one place: every code a user can see with docker's exit
//! status (`ErrorCode`), and the runtime's error kinds (`Kind`). The napi binding puts code
//! and status on the JS errors it throws, the runtime's front door writes them in its JSON
//! errors, and `typescript()` emits them for the CLI (src/generated/error-codes.ts), so
//! `CliError.code` is checked by tsc against this same list.

mod code;
mod kind;
mod typescript;

pub use code::ErrorCode;
pub use kind::Kind;
pub use typescript::{typescript, TS_PATH};

/// docker's status when tsc-box itself failed (bad input included).
pub const EXIT_ENGINE: i32 = 125;
/// docker's status when the command cannot be invoked.
pub const EXIT_CANNOT_INVOKE: i32 = 126;
/// docker's status when the command is not found.
pub const EXIT_NOT_FOUND: i32 = 127;
/// docker's status when the container named does not exist or is not in a state for the
/// command (`docker kill` of a stopped container).
pub const EXIT_NO_SUCH: i32 = 1;
