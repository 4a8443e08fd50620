//! Integration tests: every test drives the real `wol` binary in a sealed world (temp
//! HOME and XDG dirs, `GIT_CONFIG_GLOBAL=/dev/null`, a fixed clock through `WOL_NOW`)
//! and checks files, git history and output the way a user would.
//!
//! One test binary (`cargo test --test it`): the modules below share `common`.

// Helpers other modules of the suite use; not every one is used on this branch.
#[allow(dead_code)]
mod common;

mod doctor;
mod ergonomics;
mod import_export;
