//! Entry point: parse the command line and run the chosen subcommand.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fixed_mmap_threshold();
    smp_guide::cli::run(smp_guide::cli::Cli::parse())
}

/// Keeps glibc's malloc from holding on to memory the server has freed.
///
/// glibc serves blocks over 128 KiB with their own `mmap` and unmaps them on `free`, but
/// the first time such a block is freed it raises that threshold to the block's size
/// ("adjusted dynamically", glibc manual, Malloc Tunable Parameters). Loading the guide
/// builds and frees blocks of up to a few MiB (pages of 160 KB, brotli's match finder), so
/// after the first load those blocks came from a thread's heap instead and stayed resident
/// once freed: about 9 MiB that nothing used (docs/PERFORMANCE.md, "Resident memory").
/// Setting the threshold turns the adjustment off. Nothing on the request path allocates
/// that much, so serving does not pay for the extra `mmap` calls. An operator's own
/// `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` setting is left to win.
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let operator_set = std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
            || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"));
        if !operator_set {
            // SAFETY: called first thing in `main`, before any other thread exists, as
            // mallopt requires; the parameter and value are valid for glibc.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
            }
        }
    }
}
