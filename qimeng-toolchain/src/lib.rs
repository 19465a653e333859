//! Finds the CUDA toolchain qimeng compiles and links with.
//!
//! Discovery order: `QIMENG_CUDA_HOME`, `CUDA_HOME`, `CUDA_PATH`, the directory above an `nvcc`
//! found on `PATH`, then a project-local install made by `scripts/install-toolchain.sh`
//! (`.qimeng/toolchain` in the directory being built or any of its ancestors).
//!
//! # Example
//!
//! ```no_run
//! let tc = qimeng_toolchain::Toolchain::find(&[std::path::Path::new(".")]).unwrap();
//! println!("nvcc {} at {}", tc.version().unwrap(), tc.nvcc.display());
//! ```
#![deny(missing_docs)]

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variables that change what [`Toolchain::find`] returns; build scripts print a
/// `rerun-if-env-changed` line for each.
pub const ENV_VARS: &[&str] = &["QIMENG_CUDA_HOME", "CUDA_HOME", "CUDA_PATH", "PATH"];

/// Folder, relative to a project root, of the install made by `scripts/install-toolchain.sh`.
pub const LOCAL_DIR: &str = ".qimeng/toolchain";

/// The pinned packages of the project-local install, as `pip` requirement strings.
pub const PINNED: &[&str] = &[
    "nvidia-cuda-nvcc==13.0.88",
    "nvidia-cuda-runtime==13.0.96",
    "nvidia-cuda-crt==13.0.88",
    "nvidia-nvvm==13.0.88",
    "nvidia-cuda-cccl==13.0.85",
    "nvidia-cutlass==4.2.0.0",
];

/// Where a toolchain was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An environment variable naming the CUDA root.
    Env(&'static str),
    /// `nvcc` on `PATH`.
    Path,
    /// A project-local install under [`LOCAL_DIR`].
    Local,
}

/// A usable CUDA toolchain.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// The CUDA root (holds `bin/nvcc`, `include/`, and `lib/` or `lib64/`).
    pub root: PathBuf,
    /// The `nvcc` executable.
    pub nvcc: PathBuf,
    /// CUDA headers.
    pub include: PathBuf,
    /// The folder that holds `libcudart_static.a`.
    pub lib: PathBuf,
    /// CUTLASS/CuTe headers, when installed.
    pub cutlass_include: Option<PathBuf>,
    /// How it was found.
    pub source: Source,
}

/// No toolchain could be found; `Display` says how to install one.
#[derive(Clone, Debug)]
pub struct NotFound {
    /// Every place looked at, with why it did not qualify.
    pub tried: Vec<String>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "no CUDA toolchain found (qimeng needs nvcc and libcudart_static.a)."
        )?;
        for t in &self.tried {
            writeln!(f, "  looked at {t}")?;
        }
        writeln!(
            f,
            "Install the pinned CUDA 13.0 toolchain into the project with\n    \
             bash scripts/install-toolchain.sh\n\
             (it runs `python3 -m pip install --target {LOCAL_DIR}` of {}),\n\
             or point QIMENG_CUDA_HOME at an existing CUDA 13 install.",
            PINNED.join(" ")
        )
    }
}

impl std::error::Error for NotFound {}

impl Toolchain {
    /// Looks for a toolchain; `project_dirs` are where a project-local install may be found
    /// (each and its ancestors are searched), typically `CARGO_MANIFEST_DIR` and `OUT_DIR`.
    pub fn find(project_dirs: &[&Path]) -> Result<Toolchain, NotFound> {
        let mut tried = Vec::new();
        for var in ["QIMENG_CUDA_HOME", "CUDA_HOME", "CUDA_PATH"] {
            if let Some(dir) = env::var_os(var).filter(|v| !v.is_empty()) {
                match Toolchain::at(Path::new(&dir), Source::Env(var)) {
                    Ok(tc) => return Ok(tc),
                    Err(why) => tried.push(format!("{var}={}: {why}", Path::new(&dir).display())),
                }
            }
        }
        if let Some(path) = env::var_os("PATH") {
            for dir in env::split_paths(&path) {
                let nvcc = dir.join("nvcc");
                if nvcc.is_file()
                    && let Some(root) = dir.parent()
                {
                    match Toolchain::at(root, Source::Path) {
                        Ok(tc) => return Ok(tc),
                        Err(why) => tried.push(format!("{} (on PATH): {why}", nvcc.display())),
                    }
                }
            }
        }
        for start in project_dirs {
            for dir in start.ancestors() {
                let local = dir.join(LOCAL_DIR);
                if local.is_dir() {
                    match Toolchain::at(&local.join("nvidia/cu13"), Source::Local) {
                        Ok(mut tc) => {
                            let cutlass = local.join("cutlass_library/source/include");
                            tc.cutlass_include = cutlass.join("cute").is_dir().then_some(cutlass);
                            return Ok(tc);
                        }
                        Err(why) => tried.push(format!("{}: {why}", local.display())),
                    }
                }
            }
        }
        if tried.is_empty() {
            tried.push(format!(
                "QIMENG_CUDA_HOME, CUDA_HOME, CUDA_PATH (unset), PATH (no nvcc), and {LOCAL_DIR} \
                 above {}",
                project_dirs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Err(NotFound { tried })
    }

    /// A toolchain rooted at `root`, if it holds what qimeng needs.
    pub fn at(root: &Path, source: Source) -> Result<Toolchain, String> {
        let nvcc = root.join("bin/nvcc");
        if !nvcc.is_file() {
            return Err("no bin/nvcc".into());
        }
        let include = root.join("include");
        if !include.join("cuda_runtime.h").is_file() {
            return Err("no include/cuda_runtime.h".into());
        }
        let lib = ["lib64", "lib", "targets/x86_64-linux/lib"]
            .iter()
            .map(|l| root.join(l))
            .find(|l| l.join("libcudart_static.a").is_file())
            .ok_or("no libcudart_static.a under lib64/ or lib/")?;
        let cutlass_include = env::var_os("QIMENG_CUTLASS_INCLUDE")
            .map(PathBuf::from)
            .filter(|p| p.join("cute").is_dir());
        Ok(Toolchain {
            root: root.to_path_buf(),
            nvcc,
            include,
            lib,
            cutlass_include,
            source,
        })
    }

    /// The release reported by `nvcc --version`, e.g. `13.0.88` (falls back to `13.0`).
    pub fn version(&self) -> Result<String, String> {
        let out = Command::new(&self.nvcc)
            .arg("--version")
            .output()
            .map_err(|e| format!("running {}: {e}", self.nvcc.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} --version failed: {}",
                self.nvcc.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        parse_version(&text).ok_or_else(|| format!("unrecognised nvcc --version output: {text}"))
    }
}

/// Picks `V13.0.88` (or else `release 13.0`) out of `nvcc --version`.
pub fn parse_version(text: &str) -> Option<String> {
    for word in text.split_whitespace() {
        if let Some(v) = word.strip_prefix('V')
            && v.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return Some(v.to_string());
        }
    }
    let after = text.split("release ").nth(1)?;
    Some(after.split(',').next()?.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nvcc_version() {
        let text = "nvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2025 NVIDIA \
                    Corporation\nCuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0";
        assert_eq!(parse_version(text).as_deref(), Some("13.0.88"));
        assert_eq!(
            parse_version("Cuda compilation tools, release 12.4, X").as_deref(),
            Some("12.4")
        );
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn a_folder_without_nvcc_is_not_a_toolchain() {
        let err = Toolchain::at(Path::new("/nonexistent"), Source::Local).unwrap_err();
        assert!(err.contains("bin/nvcc"));
    }

    #[test]
    fn not_found_tells_how_to_install() {
        let msg = NotFound {
            tried: vec!["x".into()],
        }
        .to_string();
        assert!(msg.contains("scripts/install-toolchain.sh"));
        assert!(msg.contains("nvidia-cuda-nvcc==13.0.88"));
    }
}
