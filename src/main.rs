//! The `wol` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

/// wol's own allocations: a publish allocates and frees a few strings per entry, which
/// mimalloc does in half the time glibc took at 100,000 entries (README, dependencies).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    keep_glibc_heap_top();
    wol::main_entry()
}

/// libgit2 and zlib still allocate through glibc. With wol's own allocations elsewhere,
/// glibc's heap held little else, so the 256 KB that zlib takes to compress each new
/// object lay at its top, and freeing it gave it back to the kernel every time: a full
/// publish of 10,000 entries faulted 413,000 pages in instead of 52,000, and took 17%
/// longer. Up to 16 MiB freed at the top stay; a publish still gives all of it back
/// before its push (`malloc_trim`).
fn keep_glibc_heap_top() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of glibc's malloc, which takes it
    // into account from its next call on; it is safe to call at any time.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 << 20);
    }
}
