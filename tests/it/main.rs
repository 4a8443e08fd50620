//! Integration tests for publishing: every test drives the real `wol` binary in a sealed
//! world and checks real remotes (bare repos by path, a loopback git-daemon) with the
//! git CLI.

mod common;

mod partner;
mod publish;
