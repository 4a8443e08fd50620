//! Keeping TLS set-up off the path of every command until it connects over HTTP(S).
//!
//! libgit2, built with HTTPS, initialises OpenSSL the first time git2 is used and asks it
//! for the default certificate locations; git2 points `SSL_CERT_FILE` at the system
//! bundle first, and OpenSSL then parses every certificate in it (~20 ms here, more than
//! the rest of `wol log` together, and 9% of a `wol publish` at 10,000 entries). So
//! `SSL_CERT_FILE` names an empty file when libgit2 starts, and a command that connects
//! loads the bundle (the one git2 would have found) into libgit2's TLS context just
//! before its first connection to an `http(s)://` URL: a publish to a folder, an ssh or a
//! `git://` remote never pays for it.
//!
//! What other programs see is the user's own value: a command that may connect starts
//! libgit2 at once and puts the variable back (git's credential helper, which libgit2
//! runs, may make HTTPS requests of its own); the others, which may never start libgit2
//! (`wol list` does not), keep the empty file and give the editor the original.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Once, OnceLock};

const VAR: &str = "SSL_CERT_FILE";

/// The value `SSL_CERT_FILE` had before [`defer_ca_bundle`] changed it.
static ORIGINAL: OnceLock<Option<OsString>> = OnceLock::new();

/// The bundle git2 would have pointed OpenSSL at, for a command that may connect.
static BUNDLE: OnceLock<PathBuf> = OnceLock::new();

/// Make OpenSSL load no certificate bundle when libgit2 starts; a command that may
/// connect (`network`) finds the bundle first, for [`before_connecting`], starts libgit2
/// and puts the variable back.
///
/// Call it at start-up, before any thread is spawned and before git2 is used.
#[allow(unsafe_code)]
pub fn defer_ca_bundle(network: bool) {
    let original = ORIGINAL.get_or_init(|| std::env::var_os(VAR));
    if network {
        // The same search git2 makes (`SSL_CERT_FILE` first, then the usual places).
        match openssl_probe::probe().cert_file {
            Some(file) => {
                let _ = BUNDLE.set(file);
            }
            // None found: OpenSSL's own default is what git2 would leave, so leave it.
            None => return,
        }
    }
    // SAFETY (this and the two below): called from `main_entry` before wol starts any
    // thread, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(VAR, "/dev/null") };
    if network {
        // Any git2 call starts libgit2; the object cache is on already, so this one
        // changes nothing else.
        git2::opts::enable_caching(true);
        match original {
            Some(value) => unsafe { std::env::set_var(VAR, value) },
            None => unsafe { std::env::remove_var(VAR) },
        }
    }
}

/// Load the certificate bundle into libgit2 before `remote` connects, if the connection
/// may use TLS: its URL or its push URL (where libgit2 puts a `pushInsteadOf` rewrite)
/// is `http(s)://`, since a plain HTTP server may redirect to HTTPS. Done once per
/// process, before the first such connection.
#[allow(unsafe_code)]
pub fn before_connecting(remote: &git2::Remote<'_>) {
    static LOADED: Once = Once::new();
    let Some(file) = BUNDLE.get() else {
        return;
    };
    let http = |url: &[u8]| {
        url.get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"http"))
    };
    if !(http(remote.url_bytes()) || remote.pushurl_bytes().is_some_and(http)) {
        return;
    }
    LOADED.call_once(|| {
        // SAFETY: this changes libgit2's global TLS context, which is why git2 marks it
        // unsafe; `Once` makes it happen once, and before any TLS connection of this
        // process, since every connection passes here first.
        if let Err(e) = unsafe { git2::opts::set_ssl_cert_file(file) } {
            crate::diag::info(format_args!(
                "cannot load the certificate bundle {}: {}",
                file.display(),
                e.message()
            ));
        }
    });
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
