//! The `wol` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wol::main_entry()
}
