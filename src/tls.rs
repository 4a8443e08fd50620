//! Keeping TLS set-up off the path of commands that never connect anywhere.
//!
//! libgit2, built with HTTPS, initialises OpenSSL the first time git2 is used and asks it
//! for the default certificate locations; git2 points `SSL_CERT_FILE` at the system
//! bundle first, and OpenSSL then parses every certificate in it (~20 ms here, more than
//! the rest of `wol log` together). Commands that never open a connection point
//! `SSL_CERT_FILE` at an empty file instead, before git2 is first used. Child processes
//! (the editor) get the original value back.

use std::ffi::OsString;
use std::process::Command;
use std::sync::OnceLock;

const VAR: &str = "SSL_CERT_FILE";

/// The value `SSL_CERT_FILE` had before [`skip_ca_bundle`] changed it.
static ORIGINAL: OnceLock<Option<OsString>> = OnceLock::new();

/// Make OpenSSL load no certificate bundle in this process.
///
/// Call it at start-up, before any thread is spawned and before git2 is used.
#[allow(unsafe_code)]
pub fn skip_ca_bundle() {
    ORIGINAL.get_or_init(|| std::env::var_os(VAR));
    // SAFETY: called from `main_entry` before wol starts any thread, so nothing reads the
    // environment concurrently.
    unsafe { std::env::set_var(VAR, "/dev/null") };
}

/// Give a child process the environment the user had.
pub fn restore_for_child(cmd: &mut Command) {
    match ORIGINAL.get() {
        None => {}
        Some(None) => {
            cmd.env_remove(VAR);
        }
        Some(Some(value)) => {
            cmd.env(VAR, value);
        }
    }
}
