//! Integration tests: every test drives the real `wol` binary in a sealed world (temp
//! HOME and XDG dirs, `GIT_CONFIG_GLOBAL=/dev/null`, a fixed clock through `WOL_NOW`, a
//! fake `$EDITOR`) and checks the files, the git history and `git status` with the git
//! CLI, the way a user would. Partners are real bare repositories and a `git daemon` on
//! 127.0.0.1.
//!
//! One test binary (`cargo test --test it`): the modules below share `common`.

mod common;

mod attachments;
mod audience;
mod bad_input;
mod browser;
mod cache;
mod concurrency;
mod conventions;
mod crash;
mod digest;
mod doctor;
mod edges;
mod edit_rm;
mod ergonomics;
mod follow;
mod followers;
mod gc;
mod html_valid;
mod import_export;
mod index;
mod init;
mod list;
mod log;
mod output;
mod partner;
mod publish;
mod read;
mod sync;
mod tls;
mod trust;
