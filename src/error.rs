//! Errors a person can act on: a message, the cause chain, and a hint saying what to do.
//!
//! Domain code returns `anyhow::Error`s; where the fix is known it wraps the failure in a
//! [`UserError`] carrying a hint. `report` prints `error: …`, each `caused by: …` and the hint.

use std::io::{self, Write};

use crate::term;

/// A failure whose message is meant for the user, with an optional hint saying what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
}

/// A user-facing error with a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: Some(hint.into()),
    }
    .into()
}

/// A user-facing error without a hint.
pub fn user(message: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: None,
    }
    .into()
}

/// True when the failure is only a closed stdout (`wol list | head`): not an error.
///
/// Looks through the whole chain, and into `serde_json::Error`s too: serde_json keeps
/// the `io::Error` of a failed write to itself (its `source()` skips it), so a closed
/// pipe under `--json` only shows as its `io_error_kind()`.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = if let Some(e) = cause.downcast_ref::<io::Error>() {
            Some(e.kind())
        } else {
            cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// Print an error with its cause chain and hint to stderr.
pub fn report(err: &anyhow::Error) {
    // Messages quote what people typed and what entries hold: nothing in them may drive
    // the terminal.
    let clean = |text: String| term::sanitize_text(&text).into_owned();
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", clean(err.to_string()));
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {}", clean(cause.to_string()));
    }
    if let Some(hint) = err.chain().find_map(|c| {
        c.downcast_ref::<UserError>()
            .and_then(|u| u.hint.as_deref())
    }) {
        let _ = writeln!(stderr, "hint: {}", term::sanitize_text(hint));
    }
}
