//! nvcc, through the `cc` crate: one static library per entry, for its GPU's real arch plus
//! the matching PTX (so newer cards, and our H100 test machine, can JIT it).

use std::path::Path;

use qimeng_toolchain::Toolchain;

use crate::Error;
use crate::cache::{Entry, include_dir};

/// The nvcc flags an entry is compiled with, apart from include paths. One function, so the
/// build script and any tool that reproduces a build agree.
pub fn nvcc_flags(entry: &Entry) -> Vec<String> {
    let gpu = entry.spec.gpu_info();
    let (sm, compute) = (gpu.sm_arch(), gpu.compute_arch());
    vec![
        "-std=c++17".into(),
        "-O3".into(),
        format!("-gencode=arch={compute},code={sm}"),
        format!("-gencode=arch={compute},code={compute}"),
    ]
}

/// The static library name of an entry (`lib<name>.a`).
pub fn lib_name(entry: &Entry) -> String {
    entry.spec.key().replace('-', "_")
}

/// Points the `cc` crate at the toolchain's nvcc. cc reads `NVCC` from the process
/// environment only (`Build::env` sets it for the child processes, not for the lookup).
///
/// # Safety
/// No other thread may read or write the environment during the call: call it from the build
/// script's main thread before spawning compile threads.
pub unsafe fn use_nvcc(toolchain: &Toolchain) {
    // SAFETY: the caller guarantees no concurrent environment access.
    unsafe { std::env::set_var("NVCC", &toolchain.nvcc) };
}

/// Compiles `entry` into `out_dir/<lib>/lib<lib>.a` and prints the cargo link lines for it.
pub fn compile(entry: &Entry, out_dir: &Path) -> Result<(), Error> {
    let name = lib_name(entry);
    let mut build = cc::Build::new();
    build
        .cuda(true)
        .cudart("none")
        .out_dir(out_dir.join(&name))
        // Release device code even in debug builds: `-G` makes kernels unusably slow.
        .debug(false)
        .opt_level(3)
        .warnings(false)
        .include(include_dir())
        .include(&entry.dir)
        .file(entry.source());
    for flag in nvcc_flags(entry) {
        build.flag(flag);
    }
    build.try_compile(&name).map_err(|e| Error::Compile {
        key: entry.spec.key(),
        message: e.to_string(),
    })
}
