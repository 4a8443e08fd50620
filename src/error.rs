//! Errors a person can act on: a message, the cause chain, a hint saying what to do, and
//! the exit code.
//!
//! Domain code returns `anyhow::Error`s; where the fix is known it wraps the failure in a
//! [`UserError`] carrying a hint (remote operations carry a typed
//! [`RemoteError`](crate::remote::RemoteError) whose hint is part of its kind, as does a
//! followed log's [`ReadError`](crate::follow::ReadError), and a template that ran out of
//! fuel its [`TooMuchWork`](crate::templates::TooMuchWork)).
//! [`report`] prints `error: …`, each `caused by: …` and the hint; [`exit_code`] maps the
//! kind to 1 (failure) or 2 (usage). Warnings have one shape too: [`warn`].

use std::io::{self, Write};

use crate::term;

/// A failure whose message is meant for the user, with an optional hint saying what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
    /// A usage error found after parsing (flags that do not go together): exit 2.
    pub usage: bool,
}

/// A user-facing error with a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: Some(hint.into()),
        usage: false,
    }
    .into()
}

/// A usage error (exit code 2) with a hint, for what clap cannot check by itself.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: Some(hint.into()),
        usage: true,
    }
    .into()
}

/// A user-facing error without a hint.
pub fn user(message: impl Into<String>) -> anyhow::Error {
    UserError {
        message: message.into(),
        hint: None,
        usage: false,
    }
    .into()
}

/// A failure that has said all there is to say: exit 1, and nothing on stderr. `wol
/// search` finding nothing is one (as with `grep` and `rg`: scripts test the exit code).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Quiet(pub &'static str);

/// The hint of the first cause that has one.
pub fn hint_of(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|c| {
        if let Some(u) = c.downcast_ref::<UserError>() {
            return u.hint.clone();
        }
        if let Some(r) = c.downcast_ref::<crate::remote::RemoteError>() {
            return Some(r.hint());
        }
        if let Some(r) = c.downcast_ref::<crate::follow::ReadError>() {
            return Some(r.hint());
        }
        if let Some(t) = c.downcast_ref::<crate::templates::TooMuchWork>() {
            return Some(t.hint());
        }
        disk_full(c).then(|| {
            "the disk is full: free some space, then run the command again (wol never commits half a change)".to_owned()
        })
    })
}

/// True when `cause` is a write that failed for lack of space (an `io::Error`, or
/// libgit2's report of one).
fn disk_full(cause: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(e) = cause.downcast_ref::<io::Error>() {
        return e.kind() == io::ErrorKind::StorageFull || e.raw_os_error() == Some(28);
    }
    cause
        .downcast_ref::<git2::Error>()
        .is_some_and(|e| e.message().contains("No space left on device"))
}

/// 2 for a usage error, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let usage = err
        .chain()
        .any(|c| c.downcast_ref::<UserError>().is_some_and(|u| u.usage));
    if usage { 2 } else { 1 }
}

/// Print a warning (`warning: …`, then `hint: …` when there is one) to stderr.
pub fn warn(message: impl std::fmt::Display, hint: Option<&str>) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "warning: {message}");
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
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

/// Print an error with its cause chain and hint to stderr; nothing for a [`Quiet`] one.
pub fn report(err: &anyhow::Error) {
    if err.downcast_ref::<Quiet>().is_some() {
        return;
    }
    // Messages quote what people typed and what entries hold: nothing in them may drive
    // the terminal.
    let clean = |text: String| term::sanitize_text(&text).into_owned();
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", clean(describe(err.as_ref())));
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {}", clean(describe(cause)));
    }
    let hint = hint_of(err).or_else(|| {
        silent_git_failure(err).then(|| {
            "check that the disk is not full and that you may write to the journal (df -h, ls -l .git)"
                .to_string()
        })
    });
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {}", term::sanitize_text(&hint));
    }
}

/// A cause as a person should read it. libgit2 reports some failures of the file system
/// (a full disk) as `no error`; say what that means instead.
fn describe(cause: &(dyn std::error::Error + 'static)) -> String {
    match cause.downcast_ref::<git2::Error>() {
        Some(e) if e.message().trim().is_empty() || e.message() == "no error" => {
            "git could not write and did not say why (a full disk, or no permission?)".into()
        }
        _ => cause.to_string(),
    }
}

fn silent_git_failure(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<git2::Error>()
            .is_some_and(|e| e.message().trim().is_empty() || e.message() == "no error")
    })
}
