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

/// The oldest CUDA major release qimeng compiles with (the kernels use CUDA 13 PTX and the
/// runtime it links).
pub const MIN_CUDA_MAJOR: u32 = 13;

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
        // The pip command itself, not the repository's script: a crate from crates.io has no
        // scripts/ folder.
        writeln!(
            f,
            "Install the pinned CUDA 13.0 toolchain into your project's root folder with\n    \
             python3 -m pip install --no-deps --target {LOCAL_DIR} {}\n\
             or point QIMENG_CUDA_HOME at an existing CUDA {MIN_CUDA_MAJOR} (or newer) install.",
            PINNED.join(" ")
        )
    }
}

impl std::error::Error for NotFound {}

impl Toolchain {
    /// Looks for a toolchain; `project_dirs` are where a project-local install may be found
    /// (each and its ancestors are searched), typically `CARGO_MANIFEST_DIR` and `OUT_DIR`.
    pub fn find(project_dirs: &[&Path]) -> Result<Toolchain, NotFound> {
        find_with(&|var| env::var_os(var), project_dirs)
    }

    /// A toolchain rooted at `root`, if it holds what qimeng needs: nvcc, the headers and the
    /// static runtime of CUDA [`MIN_CUDA_MAJOR`] or newer. The release is read from the
    /// headers (`CUDART_VERSION`), not by running nvcc: a build that finds its kernels in the
    /// object cache runs no nvcc at all.
    pub fn at(root: &Path, source: Source) -> Result<Toolchain, String> {
        let nvcc = root.join("bin/nvcc");
        if !nvcc.is_file() {
            return Err("no bin/nvcc".into());
        }
        // Some installs (conda's) keep headers and libraries only under targets/<triple>/.
        let include = ["include", "targets/x86_64-linux/include"]
            .iter()
            .map(|i| root.join(i))
            .find(|i| i.join("cuda_runtime.h").is_file())
            .ok_or("no cuda_runtime.h under include/ or targets/x86_64-linux/include/")?;
        let api = include.join("cuda_runtime_api.h");
        let bytes =
            std::fs::read(&api).map_err(|e| format!("cannot read {}: {e}", api.display()))?;
        let (major, minor) = cudart_version(&String::from_utf8_lossy(&bytes))
            .ok_or_else(|| format!("{} defines no CUDART_VERSION", api.display()))?;
        if major < MIN_CUDA_MAJOR {
            return Err(format!(
                "CUDA {major}.{minor} (CUDART_VERSION in {}), older than the CUDA \
                 {MIN_CUDA_MAJOR} qimeng needs",
                api.display()
            ));
        }
        let lib = ["lib64", "lib", "targets/x86_64-linux/lib"]
            .iter()
            .map(|l| root.join(l))
            .find(|l| l.join("libcudart_static.a").is_file())
            .ok_or("no libcudart_static.a under lib64/, lib/ or targets/x86_64-linux/lib/")?;
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

/// [`Toolchain::find`] with the environment read through `var`.
fn find_with(
    var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    project_dirs: &[&Path],
) -> Result<Toolchain, NotFound> {
    // Every place looked at goes into the error, found wanting or absent: the user must see
    // where a toolchain would have been taken from.
    let mut tried = Vec::new();
    for name in ["QIMENG_CUDA_HOME", "CUDA_HOME", "CUDA_PATH"] {
        match var(name).filter(|v| !v.is_empty()) {
            Some(dir) => match Toolchain::at(Path::new(&dir), Source::Env(name)) {
                Ok(tc) => return Ok(tc),
                Err(why) => tried.push(format!("{name}={}: {why}", Path::new(&dir).display())),
            },
            None => tried.push(format!("{name}: not set")),
        }
    }
    let mut without_nvcc = Vec::new();
    if let Some(path) = var("PATH") {
        for dir in env::split_paths(&path) {
            let nvcc = dir.join("nvcc");
            match dir.parent() {
                Some(root) if nvcc.is_file() => match Toolchain::at(root, Source::Path) {
                    Ok(tc) => return Ok(tc),
                    Err(why) => tried.push(format!("{} (on PATH): {why}", nvcc.display())),
                },
                _ => without_nvcc.push(dir.display().to_string()),
            }
        }
    }
    tried.push(if var("PATH").is_none() {
        "PATH: not set".to_string()
    } else if without_nvcc.is_empty() {
        "PATH: no other folders".to_string()
    } else {
        format!("PATH: no nvcc in {}", without_nvcc.join(", "))
    });
    let mut absent = Vec::new();
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
            } else {
                let shown = local.display().to_string();
                if !absent.contains(&shown) {
                    absent.push(shown);
                }
            }
        }
    }
    if !absent.is_empty() {
        tried.push(format!("no {LOCAL_DIR} at {}", absent.join(", ")));
    }
    Err(NotFound { tried })
}

/// `(major, minor)` of the `#define CUDART_VERSION 13000` in `cuda_runtime_api.h`
/// (major * 1000 + minor * 10).
pub fn cudart_version(header: &str) -> Option<(u32, u32)> {
    header.lines().find_map(|line| {
        // `#define` or `# define`
        let rest = line.trim_start().strip_prefix('#')?.trim_start();
        let rest = rest.strip_prefix("define")?.trim_start();
        let value = rest.strip_prefix("CUDART_VERSION")?;
        let n: u32 = value.split_whitespace().next()?.parse().ok()?;
        Some((n / 1000, n % 1000 / 10))
    })
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
        // The command a crates.io user can run, with every pin, not the repository's script.
        assert!(!msg.contains("scripts/"), "{msg}");
        assert!(
            msg.contains(&format!(
                "python3 -m pip install --no-deps --target .qimeng/toolchain {}\n",
                PINNED.join(" ")
            )),
            "{msg}"
        );
    }

    fn scratch(name: &str) -> PathBuf {
        let d = env::temp_dir().join(format!("qimeng-tc-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A CUDA root with the files [`Toolchain::at`] looks for, of release `cudart`.
    fn fake_cuda(root: &Path, cudart: u32) {
        for d in ["bin", "include", "lib64"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("bin/nvcc"), "").unwrap();
        std::fs::write(root.join("include/cuda_runtime.h"), "").unwrap();
        std::fs::write(
            root.join("include/cuda_runtime_api.h"),
            format!("/* api */\n#define CUDART_VERSION  {cudart}\n"),
        )
        .unwrap();
        std::fs::write(root.join("lib64/libcudart_static.a"), "").unwrap();
    }

    #[test]
    fn a_cuda_older_than_13_is_refused_with_its_version() {
        let root = scratch("old");
        fake_cuda(&root, 12040);
        let err = Toolchain::at(&root, Source::Path).unwrap_err();
        assert!(err.contains("CUDA 12.4"), "{err}");
        fake_cuda(&root, 13000);
        assert!(Toolchain::at(&root, Source::Path).is_ok());
        assert_eq!(
            cudart_version("#define CUDART_VERSION 12080"),
            Some((12, 8))
        );
        assert_eq!(cudart_version("#define CUDART_VERSION_X 1"), None);
        assert_eq!(
            cudart_version("#  define CUDART_VERSION 13000"),
            Some((13, 0))
        );
    }

    // conda-style: headers and libraries only under targets/x86_64-linux/.
    #[test]
    fn headers_and_libraries_under_targets_are_found() {
        let root = scratch("targets");
        let t = root.join("targets/x86_64-linux");
        for d in ["include", "lib"] {
            std::fs::create_dir_all(t.join(d)).unwrap();
        }
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("bin/nvcc"), "").unwrap();
        std::fs::write(t.join("include/cuda_runtime.h"), "").unwrap();
        std::fs::write(
            t.join("include/cuda_runtime_api.h"),
            "#define CUDART_VERSION 13000\n",
        )
        .unwrap();
        std::fs::write(t.join("lib/libcudart_static.a"), "").unwrap();
        let tc = Toolchain::at(&root, Source::Path).unwrap();
        assert_eq!(tc.include, t.join("include"));
        assert_eq!(tc.lib, t.join("lib"));
    }

    // An old CUDA on CUDA_HOME must not win over the project's install, and the error of a
    // search that finds nothing names every place it looked.
    #[test]
    fn the_search_skips_an_old_cuda_and_names_every_place() {
        let base = scratch("search");
        let old = base.join("cuda-12");
        fake_cuda(&old, 12040);
        let project = base.join("project/crate");
        std::fs::create_dir_all(&project).unwrap();
        let local = base.join("project").join(LOCAL_DIR).join("nvidia/cu13");
        fake_cuda(&local, 13000);
        let bin_without = base.join("bin");
        let path = env::join_paths([&bin_without, &old.join("bin")]).unwrap();
        let vars = |name: &str| match name {
            "CUDA_HOME" => Some(old.clone().into_os_string()),
            "PATH" => Some(path.clone()),
            _ => None,
        };
        let tc = find_with(&vars, &[&project]).unwrap();
        assert_eq!(tc.source, Source::Local);
        assert_eq!(tc.root, local);

        std::fs::remove_dir_all(base.join("project").join(LOCAL_DIR)).unwrap();
        let err = find_with(&vars, &[&project]).unwrap_err();
        let msg = err.to_string();
        for want in [
            "QIMENG_CUDA_HOME: not set".to_string(),
            format!("CUDA_HOME={}: CUDA 12.4", old.display()),
            "CUDA_PATH: not set".to_string(),
            format!("{} (on PATH): CUDA 12.4", old.join("bin/nvcc").display()),
            format!("PATH: no nvcc in {}", bin_without.display()),
            format!("{}", project.join(LOCAL_DIR).display()),
            format!("{}", base.join("project").join(LOCAL_DIR).display()),
        ] {
            assert!(msg.contains(&want), "{want:?} not in {msg}");
        }
    }
}
