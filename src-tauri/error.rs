//! The one error that crosses to the UI: `{ code, message }`.

use serde::Serialize;

/// Serialised as `{ "code": ErrorCode | null, "message": "…" }`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UiError {
    pub code: Option<earshot_core::error::ErrorCode>,
    pub message: String,
}

impl From<earshot_core::Error> for UiError {
    fn from(e: earshot_core::Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

pub type UiResult<T> = Result<T, UiError>;
