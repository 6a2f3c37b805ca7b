//! How a failure reaches JavaScript: a `napi::Error` whose status is an `ErrorCode` (the one
//! contract of tsc-box-errors). napi-rs makes the status string the thrown JS error's `code`
//! property, so the CLI reads `e.code` (src/errors.ts `fromNative`) and the exit status from
//! the same table generated into src/generated/error-codes.ts: nothing is parsed from text.

use napi::bindgen_prelude::{JsError, Status};
use napi::Env;
pub(crate) use tsc_box_errors::ErrorCode;

/// A result whose failure carries its code to JavaScript.
pub(crate) type CodedResult<T> = napi::Result<T, ErrorCode>;

pub(crate) fn fail(code: ErrorCode, msg: impl std::fmt::Display) -> napi::Error<ErrorCode> {
    napi::Error::new(code, msg.to_string())
}

/// The failure of an async task: computed on the thread pool, where no JS value can be made,
/// and thrown once back on the JS thread (`Task::reject`) with its code.
pub(crate) struct Pending(ErrorCode, String);

impl Pending {
    /// The code and message kept aside, and the plain error napi-rs carries to `reject`.
    pub(crate) fn split(e: napi::Error<ErrorCode>) -> (Pending, napi::Error) {
        let plain = napi::Error::new(Status::GenericFailure, e.reason.clone());
        (Pending(e.status, e.reason), plain)
    }

    /// The JS error with its `code`, as the error the promise rejects with.
    pub(crate) fn into_js(self, env: Env) -> napi::Error {
        let js = JsError::from(napi::Error::new(self.0, self.1)).into_unknown(env);
        napi::Error::from(js)
    }
}
