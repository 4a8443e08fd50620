//! Integration tests for `wol digest`: every test drives the real `wol` binary in a
//! sealed world (see `common`) and checks files and history with the git CLI.

mod common;

mod digest;
