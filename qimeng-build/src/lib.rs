//! The build-script side of qimeng: finds the `#[flash_attention]` specs of a crate, takes each
//! kernel from the cache, compiles it with nvcc and emits the typed wrapper the macro includes.
//!
//! # Example
//!
//! `build.rs` of a crate that uses `#[qimeng_macros::flash_attention(...)]`:
//!
//! ```no_run
//! // build.rs
//! qimeng_build::Builder::new().build();
//! ```
//!
//! with `qimeng-build` under `[build-dependencies]`. The builder scans `src/` for the attribute
//! (written literally, as the macro sees it), resolves each spec from the cache
//! (`QIMENG_CACHE_DIR`, then `<crate>/kernels-cache`, then the curated cache bundled with this
//! crate), compiles it for that GPU's architecture plus PTX, runs bindgen on its header and
//! writes `$OUT_DIR/qimeng/<key>.rs`. A spec that no cache holds is [generated](generate)
//! through the LLM when one is configured (`QIMENG_LLM_BASE_URL`, `QIMENG_LLM_MODEL`,
//! `QIMENG_LLM_API_KEY`), the build is not locked, `QIMENG_OFFLINE` is not set and the `llm`
//! feature (default) is on; otherwise it becomes a compile error at the attribute, naming the
//! spec, its key and the `qimeng generate` command that fills the cache.
//!
//! Each compiled kernel is stored in the [object cache](objcache) (`QIMENG_BUILD_CACHE`,
//! default `~/.cache/qimeng`), keyed by the bytes of its entry and of the shared headers, the
//! nvcc version, the flags and the arch; a build that finds it there runs no nvcc. A normal
//! build records what it used in [`qimeng.lock`](lock) beside the workspace's `Cargo.lock`;
//! with `QIMENG_LOCKED=1` ([`Mode::Locked`]) it builds exactly what the lock pins or fails,
//! naming the spec and what differs, and never reaches an LLM.
//!
//! The CUDA toolchain is found by [`qimeng_toolchain`]; under docs.rs (`DOCS_RS`) nothing is
//! compiled and the wrappers still document.
#![deny(missing_docs)]

pub mod bindings;
pub mod cache;
pub mod compile;
pub mod emit;
pub mod generate;
pub mod lock;
pub mod mode;
pub mod objcache;
pub mod scan;

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use qimeng_spec::KernelSpec;
use qimeng_toolchain::Toolchain;

pub use cache::{Cache, Entry};
pub use mode::Mode;
pub use qimeng_spec;

/// Environment variables of qimeng whose change must rerun the build script (besides those of
/// [`qimeng_toolchain::ENV_VARS`] and [`compile::CC_ENV_VARS`]).
pub const ENV_VARS: &[&str] = &[
    cache::CACHE_DIR_ENV,
    "DOCS_RS",
    "QIMENG_CUTLASS_INCLUDE",
    mode::LOCKED_ENV,
    mode::LLM_BASE_URL_ENV,
    objcache::BUILD_CACHE_ENV,
    lock::LOCK_FILE_ENV,
    "XDG_CACHE_HOME",
    "HOME",
];

/// Configures and runs the build-script side of qimeng.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    src_dirs: Vec<PathBuf>,
    specs: Vec<KernelSpec>,
    all_cached: bool,
    cache_dirs: Vec<PathBuf>,
    mode: Option<Mode>,
    object_cache: Option<Option<PathBuf>>,
}

/// What a build provided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Specs compiled and wrapped, sorted.
    pub built: Vec<KernelSpec>,
    /// Specs of the sources that no cache holds; each became a compile error at its attribute.
    pub missing: Vec<KernelSpec>,
    /// Of `built`, those compiled by nvcc in this run (the others came from the object cache).
    pub compiled: Vec<KernelSpec>,
    /// The lock file checked or updated, if any.
    pub lock_file: Option<PathBuf>,
}

impl Builder {
    /// A builder that scans `<crate>/src` and uses the standard cache search order.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Scans `dir` (relative to the crate) instead of `src/`; call again to scan several.
    /// Default: `src`.
    pub fn src_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.src_dirs.push(dir.into());
        self
    }

    /// Also builds `spec`, whether or not the sources ask for it. A miss is an error.
    pub fn spec(mut self, spec: impl Into<KernelSpec>) -> Builder {
        self.specs.push(spec.into());
        self
    }

    /// Also builds every entry of every cache directory (for test suites that cover the whole
    /// cache). Default: off.
    pub fn all_cached_entries(mut self) -> Builder {
        self.all_cached = true;
        self
    }

    /// Searches `dir` before the standard cache directories. Default: none.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.cache_dirs.push(dir.into());
        self
    }

    /// Locked or not, instead of what the environment says. Default: [`Mode::from_env`]
    /// (`QIMENG_LOCKED`, `QIMENG_LLM_BASE_URL`).
    pub fn mode(mut self, mode: Mode) -> Builder {
        self.mode = Some(mode);
        self
    }

    /// Uses the object cache at `dir`, or none with `None`. Default:
    /// [`objcache::default_root`] (`QIMENG_BUILD_CACHE`, else `$XDG_CACHE_HOME/qimeng`, else
    /// `~/.cache/qimeng`).
    pub fn object_cache(mut self, dir: Option<PathBuf>) -> Builder {
        self.object_cache = Some(dir);
        self
    }

    /// Runs the build; on error prints it and exits the build script with status 1.
    pub fn build(self) -> Report {
        match self.try_build() {
            Ok(report) => report,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }

    /// Runs the build and returns what went wrong instead of exiting.
    pub fn try_build(self) -> Result<Report, Error> {
        let crate_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
        let out_dir = PathBuf::from(env_var("OUT_DIR")?);
        let crate_name = env_var("CARGO_PKG_NAME")?;
        let target = env::var("TARGET").unwrap_or_default();
        // Not the API key: cargo records the value of each such variable in target/.
        let llm_vars = qimeng_llm::config::ENV_VARS
            .iter()
            .filter(|v| **v != qimeng_llm::config::API_KEY_ENV);
        for var in ENV_VARS
            .iter()
            .chain(qimeng_toolchain::ENV_VARS)
            .chain(llm_vars)
        {
            println!("cargo:rerun-if-env-changed={var}");
        }
        for var in compile::cc_env_vars(&target) {
            println!("cargo:rerun-if-env-changed={var}");
        }
        // Chosen once: nothing below looks at the environment to decide what may be contacted.
        let mode = match self.mode.clone() {
            Some(m) => m,
            None => Mode::from_env()?,
        };
        let object_cache = self
            .object_cache
            .clone()
            .unwrap_or_else(objcache::default_root)
            .map(objcache::ObjectCache::new);

        let mut cache = Cache::standard(Some(&crate_dir));
        for d in self.cache_dirs.iter().rev() {
            cache.dirs.insert(0, crate_dir.join(d));
        }

        // Which specs, and where the sources ask for them.
        let src_dirs = if self.src_dirs.is_empty() {
            vec![crate_dir.join("src")]
        } else {
            self.src_dirs.iter().map(|d| crate_dir.join(d)).collect()
        };
        let mut wanted: BTreeMap<KernelSpec, Option<scan::Found>> = BTreeMap::new();
        for dir in &src_dirs {
            println!("cargo:rerun-if-changed={}", dir.display());
            for file in scan::rust_files(dir)? {
                println!("cargo:rerun-if-changed={}", file.display());
                let text = fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
                for found in scan::scan_source(&file, &text)? {
                    wanted.entry(found.spec).or_insert(Some(found));
                }
            }
        }
        for spec in &self.specs {
            wanted.entry(*spec).or_insert(None);
        }
        if self.all_cached {
            for spec in cache.kernel_keys()? {
                wanted.entry(spec).or_insert(None);
            }
        }

        // Resolve each spec; a damaged entry is an error, a miss in the sources is reported at
        // the attribute by the macro.
        let gen_dir = out_dir.join("qimeng");
        fs::create_dir_all(&gen_dir).map_err(|e| Error::io(&gen_dir, e))?;
        let mut entries = Vec::new();
        let mut report = Report::default();
        let mut keep: Vec<String> = vec!["registry.rs".into()];
        for (spec, found) in &wanted {
            match cache.lookup(*spec)? {
                Some(entry) => entries.push(entry),
                None => {
                    // The one place the LLM is reached: never when locked or offline.
                    // Only prefill kernels are generated; decode kernels come from the cache.
                    let generated = match spec.prefill() {
                        Some(p) => generate::on_miss(&p, &mode, &crate_dir, &out_dir)?,
                        None => None,
                    };
                    if let Some(entry) = generated {
                        entries.push(entry);
                        continue;
                    }
                    // Filling any searched location must rerun this script: without these
                    // lines cargo would keep the failed result until a source file changes.
                    for path in miss_watch(&cache, &crate_dir) {
                        println!("cargo:rerun-if-changed={}", path.display());
                    }
                    let message = miss_message(spec, found.as_ref(), &cache, &mode, &crate_dir);
                    let Some(found) = found else {
                        return Err(Error::Missing { message });
                    };
                    println!(
                        "cargo:warning={}:{}: no cached kernel for {}",
                        found.file.display(),
                        found.line,
                        spec.key()
                    );
                    emit::write_if_changed(&gen_dir.join(spec.error_file()), &message)?;
                    keep.push(spec.error_file());
                    report.missing.push(*spec);
                }
            }
        }
        for entry in &entries {
            for f in cache::entry_files(&entry.spec.key())
                .iter()
                .chain(&["meta.json"])
            {
                println!("cargo:rerun-if-changed={}", entry.dir.join(f).display());
            }
            keep.push(entry.spec.wrapper_file());
        }
        if !entries.is_empty() {
            let include = cache::include_dir();
            println!("cargo:rerun-if-changed={}", include.display());
            for f in cache::include_files()? {
                println!("cargo:rerun-if-changed={}", f.display());
            }
        }
        remove_stale(&gen_dir, &keep)?;
        let lock_path = lock::path_for(&crate_dir);
        if mode.is_locked()
            && let Some(p) = &lock_path
        {
            println!("cargo:rerun-if-changed={}", p.display());
        }
        report.lock_file = lock_path.clone();

        let docs_only = env::var_os("DOCS_RS").is_some();
        let wrappers: Vec<(KernelSpec, String)> = if docs_only {
            entries
                .iter()
                .map(|e| {
                    let w = emit::kernel_wrapper(
                        &e.spec,
                        &origin(e),
                        &e.content_hash(),
                        emit::Linkage::Documentation,
                    );
                    (e.spec, w)
                })
                .collect()
        } else if entries.is_empty() {
            if let Some(path) = &lock_path {
                settle_lock(&mode, path, &crate_name, &BTreeMap::new(), &report)?;
            }
            Vec::new()
        } else {
            let toolchain = Toolchain::find(&[&crate_dir, &out_dir])?;
            let version_text = match &object_cache {
                Some(c) => c.nvcc_version_text(&toolchain.nvcc)?,
                None => objcache::nvcc_version_text(&toolchain.nvcc)?,
            };
            let nvcc_version = qimeng_toolchain::parse_version(&version_text).unwrap_or_default();
            let pins: BTreeMap<String, lock::Pin> = entries
                .iter()
                .map(|e| (e.spec.key(), pin(e, &nvcc_version)))
                .collect();
            // A locked build fails before compiling anything; an unlocked one records what it
            // built once it has built it.
            if mode.is_locked()
                && let Some(path) = &lock_path
            {
                settle_lock(&mode, path, &crate_name, &pins, &report)?;
            }
            // SAFETY: single-threaded here; the compile threads start in build_entries.
            unsafe { compile::use_nvcc(&toolchain) };
            let common = compile::CommonInputs::gather(&version_text);
            let built = build_entries(&entries, &out_dir, object_cache.as_ref(), &common)?;
            if let Some(lib) = stdcxx(&target) {
                println!("cargo:rustc-link-lib={lib}");
            }
            if !mode.is_locked()
                && let Some(path) = &lock_path
            {
                settle_lock(&mode, path, &crate_name, &pins, &report)?;
            }
            report.compiled = built
                .iter()
                .filter(|(_, _, compiled)| *compiled)
                .map(|(s, _, _)| *s)
                .collect();
            built.into_iter().map(|(s, w, _)| (s, w)).collect()
        };
        for (spec, text) in &wrappers {
            emit::write_if_changed(&gen_dir.join(spec.wrapper_file()), text)?;
            report.built.push(*spec);
        }
        emit::write_if_changed(&gen_dir.join("registry.rs"), &emit::registry(&report.built))?;
        Ok(report)
    }
}

/// What `qimeng.lock` records for `entry`.
pub fn pin(entry: &Entry, nvcc_version: &str) -> lock::Pin {
    lock::Pin {
        spec: entry.spec.to_string(),
        entry: entry.files_hash(),
        headers: entry.headers_hash(),
        toolchain: format!("nvcc {nvcc_version}"),
        crates: Default::default(),
    }
}

/// Locked: fails on any difference between the lock and `pins`. Unlocked: records `pins` as
/// this crate's part of the lock (creating the file only when there is something to pin).
fn settle_lock(
    mode: &Mode,
    path: &Path,
    crate_name: &str,
    pins: &BTreeMap<String, lock::Pin>,
    report: &Report,
) -> Result<(), Error> {
    if mode.is_locked() {
        let mut result = lock::check(path, crate_name, pins);
        if !report.missing.is_empty() {
            let mut problems = match result {
                Err(Error::Lock { problems, .. }) => problems,
                _ => Vec::new(),
            };
            for spec in &report.missing {
                problems.push(format!("`{}` ({spec}) is in no kernel cache", spec.key()));
            }
            result = Err(Error::Lock {
                path: path.to_path_buf(),
                problems,
            });
        }
        return result;
    }
    if pins.is_empty() && !path.exists() {
        return Ok(());
    }
    lock::update(path, crate_name, pins).map(|_| ())
}

/// The C++ runtime nvcc's host code needs, as cc would link it (`CXXSTDLIB` overrides).
fn stdcxx(target: &str) -> Option<String> {
    if let Ok(v) = env::var("CXXSTDLIB") {
        return (!v.is_empty()).then_some(v);
    }
    if target.contains("msvc") {
        None
    } else if target.contains("apple") || target.contains("freebsd") || target.contains("openbsd") {
        Some("c++".into())
    } else {
        Some("stdc++".into())
    }
}

/// Compiles (or takes from the object cache) and binds every entry, several at once (up to
/// cargo's job count). Each result says whether nvcc ran for it.
fn build_entries(
    entries: &[Entry],
    out_dir: &Path,
    object_cache: Option<&objcache::ObjectCache>,
    common: &compile::CommonInputs,
) -> Result<Vec<(KernelSpec, String, bool)>, Error> {
    let jobs = env::var("NUM_JOBS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let mut out = Vec::new();
    for chunk in entries.chunks(jobs) {
        let results: Vec<Result<(KernelSpec, String, bool), Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|entry| s.spawn(move || build_entry(entry, out_dir, object_cache, common)))
                .collect();
            handles
                .into_iter()
                .zip(chunk)
                .map(|(h, entry)| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Compile {
                            key: entry.spec.key(),
                            message: "the compile thread panicked".into(),
                        })
                    })
                })
                .collect()
        });
        for r in results {
            out.push(r?);
        }
    }
    Ok(out)
}

fn build_entry(
    entry: &Entry,
    out_dir: &Path,
    object_cache: Option<&objcache::ObjectCache>,
    common: &compile::CommonInputs,
) -> Result<(KernelSpec, String, bool), Error> {
    let lib = compile::lib_path(entry, out_dir);
    let build = || -> Result<objcache::Artifacts, Error> {
        let path = compile::compile(entry, out_dir)?;
        Ok(objcache::Artifacts {
            lib: fs::read(&path).map_err(|e| Error::io(&path, e))?,
            bindings: bindings::generate(entry)?,
        })
    };
    let (artifacts, compiled) = match object_cache {
        None => (build()?, true),
        Some(c) => {
            let key = compile::object_key(entry, common);
            let (artifacts, outcome) = c.get_or_build(&key, build)?;
            if let objcache::Outcome::Replaced(why) = &outcome {
                println!(
                    "cargo:warning=qimeng: the cached object of `{}` at {} was damaged ({why}); \
                     rebuilt it from the verified cache entry",
                    entry.spec.key(),
                    c.dir(&key).display()
                );
            }
            (artifacts, outcome != objcache::Outcome::Hit)
        }
    };
    if !compiled {
        if let Some(dir) = lib.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        if fs::read(&lib).ok().as_deref() != Some(artifacts.lib.as_slice()) {
            fs::write(&lib, &artifacts.lib).map_err(|e| Error::io(&lib, e))?;
        }
    }
    compile::print_link_lines(entry, out_dir);
    let text = emit::kernel_wrapper(
        &entry.spec,
        &origin(entry),
        &entry.content_hash(),
        emit::Linkage::Compiled {
            bindings: &artifacts.bindings,
        },
    );
    Ok((entry.spec, text, compiled))
}

/// Where a wrapper's kernel came from, without machine-specific paths so that two builds in
/// different directories emit the same bytes.
fn origin(entry: &Entry) -> String {
    format!(
        "cache entry `{}` ({})",
        entry.spec.key(),
        entry.meta.provenance.origin
    )
}

fn miss_message(
    spec: &KernelSpec,
    found: Option<&scan::Found>,
    cache: &Cache,
    mode: &Mode,
    crate_dir: &Path,
) -> String {
    let mut m = format!(
        "no cached kernel for `{spec}` (key `{}`).\nSearched, in order:\n",
        spec.key()
    );
    for d in &cache.dirs {
        m.push_str(&format!("    {}\n", d.join(spec.key()).display()));
    }
    if let Some(f) = found {
        m.push_str(&format!("Asked for at {}:{}.\n", f.file.display(), f.line));
    }
    let same_gpu: Vec<String> = cache
        .kernel_keys()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.gpu() == spec.gpu())
        .map(|s| s.key())
        .collect();
    if same_gpu.is_empty() {
        m.push_str(&format!(
            "No cached kernel exists for {} yet.\n",
            spec.gpu()
        ));
    } else {
        m.push_str(&format!(
            "Cached for {}: {}.\n",
            spec.gpu(),
            same_gpu.join(", ")
        ));
    }
    let Some(prefill) = spec.prefill() else {
        m.push_str(
            "Decode kernels are not generated: they come from the curated cache \
             (kernels-cache/dec-*), for the GPUs, dtypes and head dims listed there.",
        );
        return m;
    };
    m.push_str(&generate::why_not(mode));
    // The crate's own cache, spelled out: `qimeng` run from a workspace root would otherwise
    // write ./kernels-cache there, which this crate's build never searches.
    let local = crate_dir.join("kernels-cache");
    m.push_str(&format!(
        "\nTo fill the cache, run\n    {} --cache-dir {}\nwith QIMENG_LLM_BASE_URL, \
         QIMENG_LLM_MODEL and QIMENG_LLM_API_KEY set (the `qimeng` command: `cargo install \
         --path qimeng-cli` in a checkout of the qimeng repository), or put an entry in {} \
         (spec.json, kernel.tl, kernel.cu, kernel.h) and seal it with\n    \
         qimeng cache seal {} --cache-dir {}\nThe next build looks there again.",
        generate::command(&prefill),
        local.display(),
        local.join(spec.key()).display(),
        spec.key(),
        local.display(),
    ));
    m
}

/// What a miss watches so that the next build sees an entry put where it searched: each
/// searched cache directory that exists (cargo scans a watched directory's files, so a new
/// `<key>/` in it reruns the build script), and `<crate>/kernels-cache` while it does not exist
/// (creating it adds it to the search). Watching directories that exist, not the missing
/// `<dir>/<key>` paths, keeps a crate whose missing spec is compiled out (a `cfg` the scanner
/// does not evaluate) from rerunning its build script on every build; only a crate without its
/// own `kernels-cache/` pays that until the folder exists.
fn miss_watch(cache: &Cache, crate_dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = cache.dirs.iter().filter(|d| d.is_dir()).cloned().collect();
    let local = crate_dir.join("kernels-cache");
    if !paths.contains(&local) {
        paths.push(local);
    }
    paths
}

fn remove_stale(gen_dir: &Path, keep: &[String]) -> Result<(), Error> {
    for entry in fs::read_dir(gen_dir).map_err(|e| Error::io(gen_dir, e))? {
        let path = entry.map_err(|e| Error::io(gen_dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && !keep.iter().any(|k| k == name) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

fn env_var(name: &'static str) -> Result<String, Error> {
    env::var(name).map_err(|_| Error::NotBuildScript { var: name })
}

/// What can go wrong in a build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A `#[flash_attention]` attribute in the sources is invalid.
    #[error("{}:{line}: invalid #[flash_attention] attribute: {message}", file.display())]
    Attribute {
        /// The source file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A cache entry is incomplete, corrupt or modified.
    #[error("cache entry `{key}` at {} is unusable: {problem}", dir.display())]
    Entry {
        /// Its key.
        key: String,
        /// Its directory.
        dir: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A spec asked for through [`Builder::spec`] is in no cache.
    #[error("{message}")]
    Missing {
        /// Which spec, where it was looked for, and how to provide it.
        message: String,
    },
    /// No CUDA toolchain.
    #[error(transparent)]
    Toolchain(#[from] qimeng_toolchain::NotFound),
    /// nvcc failed.
    #[error("compiling the kernel `{key}` failed: {message}")]
    Compile {
        /// The spec's key.
        key: String,
        /// nvcc's diagnostics.
        message: String,
    },
    /// bindgen failed or the header does not match the launch ABI.
    #[error("binding the kernel `{key}` failed: {message}")]
    Bindgen {
        /// The spec's key.
        key: String,
        /// What went wrong.
        message: String,
    },
    /// `qimeng.lock` is unreadable, or (locked build) differs from what the build needs.
    #[error(
        "{} does not match this build:\n{}\nA locked build (QIMENG_LOCKED=1) builds exactly what \
         the lock pins. If the change is intended, update the lock with an unlocked build or \
         `qimeng prepare`, review the diff and commit it.",
        path.display(),
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Every difference, one per line, each naming the spec.
        problems: Vec<String>,
    },
    /// Generating a kernel through the LLM failed (nothing was written).
    #[error(transparent)]
    Generate(#[from] qimeng_llm::GenerateError),
    /// A QIMENG_* setting is invalid, or a tool misbehaved.
    #[error("{message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// Run outside a build script.
    #[error(
        "{var} is not set: qimeng_build::Builder must run from a build script (build.rs), \
         where cargo sets it"
    )]
    NotBuildScript {
        /// The missing variable.
        var: &'static str,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_miss_watches_the_searched_folders_that_exist_and_the_crate_cache_to_be() {
        let tmp = std::env::temp_dir().join(format!("qimeng-miss-watch-{}", std::process::id()));
        let env_cache = tmp.join("env-cache");
        let crate_dir = tmp.join("user-crate");
        fs::create_dir_all(&env_cache).unwrap();
        fs::create_dir_all(&crate_dir).unwrap();
        let cache = Cache {
            dirs: vec![env_cache.clone(), tmp.join("absent"), cache::bundled_dir()],
        };
        // Existing folders, never a missing <dir>/<key> (cargo would rerun on every build);
        // the crate's own cache while it does not exist yet.
        assert_eq!(
            miss_watch(&cache, &crate_dir),
            vec![
                env_cache.clone(),
                cache::bundled_dir(),
                crate_dir.join("kernels-cache"),
            ]
        );
        // Once <crate>/kernels-cache exists it is in the search list: not watched twice.
        fs::create_dir_all(crate_dir.join("kernels-cache")).unwrap();
        let cache = Cache {
            dirs: vec![crate_dir.join("kernels-cache"), cache::bundled_dir()],
        };
        assert_eq!(miss_watch(&cache, &crate_dir).len(), 2);
        fs::remove_dir_all(&tmp).unwrap();
    }

    // Both commands of the message must work as printed: generate and seal into the crate's
    // own cache (searched by its build), seal without a --date it would reject.
    #[test]
    fn the_miss_message_names_commands_that_fill_this_crates_cache() {
        let crate_dir = Path::new("/work/ws/member");
        let spec = KernelSpec::from_key("fwd-l4-bf16-d96-causal").unwrap();
        let cache = Cache {
            dirs: vec![cache::bundled_dir()],
        };
        let m = miss_message(&spec, None, &cache, &Mode::Locked, crate_dir);
        assert!(
            m.contains(
                "qimeng generate --gpu l4 --dtype bf16 --head-dim 96 --causal \
                 --cache-dir /work/ws/member/kernels-cache\n"
            ),
            "{m}"
        );
        assert!(
            m.contains(
                "qimeng cache seal fwd-l4-bf16-d96-causal --cache-dir /work/ws/member/kernels-cache\n"
            ),
            "{m}"
        );
        assert!(m.contains("cargo install --path qimeng-cli"), "{m}");
        assert!(!m.contains("./kernels-cache"), "{m}");
    }
}
