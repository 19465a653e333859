//! nvcc, through the `cc` crate: one static library per entry, for its GPU's real arch plus
//! the matching PTX, which the driver JIT-compiles on a newer card (how our H100 test machine
//! runs the sm_75/80/86/89 entries). Not for the h100/h200 entries: their arch is `sm_90a`, and
//! `compute_90a` PTX (wgmma, setmaxnreg, the arch-specific features the Hopper family needs)
//! loads on sm_90 devices only; a Blackwell or later card cannot JIT it and gets no kernel
//! image (a launch error), so those entries serve the H100 and H200 alone.
//!
//! Each library is keyed in the [object cache](crate::objcache) by [`object_key`]: the bytes
//! of the entry and of the shared headers it includes, `nvcc --version`, the host compiler, the flags, the
//! arch, the target and every environment variable that `cc` or nvcc read. A build that finds
//! its key runs no nvcc.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use qimeng_toolchain::Toolchain;

use crate::Error;
use crate::cache::{Entry, include_dir, sha256};
use crate::objcache::ObjectKey;

/// Environment variables that `cc` (1.2) or nvcc read when compiling and archiving a CUDA
/// library for the host target. The set ones are part of the object key; all of them rerun the
/// build script when they change. `<target>` stands for both spellings of `$TARGET`.
pub const CC_ENV_VARS: &[&str] = &[
    "AR",
    "ARFLAGS",
    "AR_<target>",
    "ARFLAGS_<target>",
    "HOST_AR",
    "HOST_ARFLAGS",
    "CC_FORCE_DISABLE",
    "CC_ENABLE_DEBUG_OUTPUT",
    "COMPILER_PATH",
    "CPATH",
    "CPLUS_INCLUDE_PATH",
    "C_INCLUDE_PATH",
    "OBJC_INCLUDE_PATH",
    "OBJCPLUS_INCLUDE_PATH",
    "GCC_EXEC_PREFIX",
    "CRATE_CC_NO_DEFAULTS",
    "CXX",
    "CXX_<target>",
    "HOST_CXX",
    "CXXFLAGS",
    "CXXFLAGS_<target>",
    "HOST_CXXFLAGS",
    "CXXSTDLIB",
    "CXXSTDLIB_<target>",
    "HOST_CXXSTDLIB",
    "CXXSTDLIB_STATIC",
    "CXXSTDLIB_STATIC_<target>",
    "HOST_CXXSTDLIB_STATIC",
    "NVCC_<target>",
    "HOST_NVCC",
    "NVCC_APPEND_FLAGS",
    "NVCC_PREPEND_FLAGS",
    "NVCC_CCBIN",
    "SOURCE_DATE_EPOCH",
    "CARGO_ENCODED_RUSTFLAGS",
];

/// [`CC_ENV_VARS`] with `<target>` expanded for `target` (both `-` and `_` spellings).
pub fn cc_env_vars(target: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in CC_ENV_VARS {
        if v.contains("<target>") {
            out.push(v.replace("<target>", target));
            out.push(v.replace("<target>", &target.replace('-', "_")));
        } else {
            out.push(v.to_string());
        }
    }
    out
}

/// The `cc` settings [`compile`] applies besides [`nvcc_flags`]; part of the object key.
pub const CC_SETTINGS: &str =
    "cc: cuda, cudart=none, debug=false, opt-level=3, warnings=false, -I include -I entry";

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

/// What every entry of one build shares in its object key.
#[derive(Clone, Debug)]
pub struct CommonInputs {
    /// `sha256` of the full `nvcc --version` output (release and build id).
    pub nvcc: String,
    /// The host compiler nvcc uses and its `--version` line.
    pub host_compiler: String,
    /// `$TARGET`.
    pub target: String,
    /// The set variables of [`cc_env_vars`], `NAME=value`.
    pub env: Vec<(String, String)>,
}

impl CommonInputs {
    /// Gathers them for this build; `nvcc_version_text` is the output of `nvcc --version`.
    pub fn gather(nvcc_version_text: &str) -> CommonInputs {
        let target = std::env::var("TARGET").unwrap_or_default();
        let env = cc_env_vars(&target)
            .into_iter()
            .filter_map(|v| std::env::var(&v).ok().map(|val| (v, val)))
            .collect();
        CommonInputs {
            nvcc: sha256(nvcc_version_text.as_bytes()),
            host_compiler: host_compiler(&target),
            target,
            env,
        }
    }
}

/// The host C++ compiler cc hands nvcc (`-ccbin`) and the first line of its `--version`.
fn host_compiler(target: &str) -> String {
    let cxx = ["NVCC_CCBIN", "HOST_CXX", "CXX"]
        .iter()
        .map(|v| v.to_string())
        .chain([
            format!("CXX_{target}"),
            format!("CXX_{}", target.replace('-', "_")),
        ])
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "c++".into());
    let program = cxx.split_whitespace().next().unwrap_or("c++").to_string();
    let version = Command::new(&program)
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into());
    format!("{cxx} ({version})")
}

/// The object-cache key of `entry`.
pub fn object_key(entry: &Entry, common: &CommonInputs) -> ObjectKey {
    let mut key = ObjectKey::default()
        .with("entry", entry.content_hash())
        .with("nvcc", &common.nvcc)
        .with("host-compiler", &common.host_compiler)
        .with(
            "flags",
            format!("{} | {CC_SETTINGS}", nvcc_flags(entry).join(" ")),
        )
        .with("arch", entry.spec.gpu_info().sm_arch())
        .with("target", &common.target)
        // cc and bindgen come with qimeng-build; their output for one input is fixed by it.
        .with("qimeng-build", env!("CARGO_PKG_VERSION"));
    for (k, v) in &common.env {
        key = key.with(format!("env:{k}"), v);
    }
    key
}

/// The static library name of an entry (`lib<name>.a`).
pub fn lib_name(entry: &Entry) -> String {
    entry.spec.key().replace('-', "_")
}

/// Where [`compile`] leaves the library of `entry`.
pub fn lib_path(entry: &Entry, out_dir: &Path) -> PathBuf {
    let name = lib_name(entry);
    out_dir.join(&name).join(format!("lib{name}.a"))
}

/// Prints the cargo lines that link the library at [`lib_path`] (the same whether it was
/// compiled or taken from the object cache).
pub fn print_link_lines(entry: &Entry, out_dir: &Path) {
    let name = lib_name(entry);
    println!(
        "cargo:rustc-link-search=native={}",
        out_dir.join(&name).display()
    );
    println!("cargo:rustc-link-lib=static={name}");
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

/// Compiles `entry` into [`lib_path`]. Prints no cargo lines: the caller prints
/// [`print_link_lines`] and the `rerun-if-env-changed` lines of [`cc_env_vars`].
pub fn compile(entry: &Entry, out_dir: &Path) -> Result<PathBuf, Error> {
    let name = lib_name(entry);
    let mut build = cc::Build::new();
    build
        .cuda(true)
        .cudart("none")
        .cargo_metadata(false)
        .out_dir(out_dir.join(&name))
        // Release device code even in debug builds: `-G` makes kernels unusably slow.
        .debug(false)
        .opt_level(3)
        .warnings(false)
        .include(include_dir())
        .include(&entry.dir)
        .file(entry.source());
    // cc names each object after a hash of its source folder; relative to the cache root, the
    // name (and so the archive) is the same wherever the workspace is checked out.
    if let Some(root) = entry.dir.parent() {
        build.source_root(root);
    }
    for flag in nvcc_flags(entry) {
        build.flag(flag);
    }
    build.try_compile(&name).map_err(|e| Error::Compile {
        key: entry.spec.key(),
        message: e.to_string(),
    })?;
    let lib = lib_path(entry, out_dir);
    let mut bytes = fs::read(&lib).map_err(|e| Error::io(&lib, e))?;
    if neutralize_temp_names(&mut bytes) > 0 {
        fs::write(&lib, &bytes).map_err(|e| Error::io(&lib, e))?;
    }
    Ok(lib)
}

/// The one thing that differs between two nvcc runs on the same input (checked with `cmp`,
/// nvcc 13.0.88): the host compiler records the name of nvcc's intermediate file,
/// `tmpxft_<pid, 8 hex digits>_00000000-6_kernel.cudafe1.cpp`, as the object's file symbol.
/// This rewrites each such pid to `00000000` (same length, so no offset moves; the name is
/// only a string-table entry) and returns how many were rewritten.
pub fn neutralize_temp_names(bytes: &mut [u8]) -> usize {
    const PREFIX: &[u8] = b"tmpxft_";
    let mut n = 0;
    let mut i = 0;
    while i + PREFIX.len() + 9 <= bytes.len() {
        if &bytes[i..i + PREFIX.len()] == PREFIX {
            let digits = i + PREFIX.len();
            let hex = &bytes[digits..digits + 8];
            if hex.iter().all(u8::is_ascii_hexdigit) && bytes[digits + 8] == b'_' {
                if hex.iter().any(|&c| c != b'0') {
                    bytes[digits..digits + 8].copy_from_slice(b"00000000");
                    n += 1;
                }
                i = digits + 9;
                continue;
            }
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_lose_their_pid() {
        let mut b = b"\0tmpxft_00001e30_00000000-6_kernel.cudafe1.cpp\0tmpxft_zz\0".to_vec();
        assert_eq!(neutralize_temp_names(&mut b), 1);
        assert_eq!(
            b,
            b"\0tmpxft_00000000_00000000-6_kernel.cudafe1.cpp\0tmpxft_zz\0".to_vec()
        );
        assert_eq!(neutralize_temp_names(&mut b), 0);
    }
}
