//! The stable error kinds of the runtime's JSON log line: defined with the rest of the error
//! contract in tsc-box-errors (which the CLI's codes `runtime_<kind>` and their exit statuses
//! are derived from), re-exported here where the core's errors use them.

pub use tsc_box_errors::Kind;
