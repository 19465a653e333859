//! `qimeng prepare [--check]`, in the spirit of `cargo sqlx prepare`: finds every workspace
//! member whose build script uses qimeng-build, scans its sources with the build script's own
//! scanner, resolves each spec through the verified cache lookup, and writes `qimeng.lock` (or,
//! with `--check`, fails on any difference from it, naming the spec and what differs).
//!
//! What a member builds is read the way its build script reads it: the `#[flash_attention]`
//! attributes under `src/`, plus every cached entry when its `build.rs` calls
//! `all_cached_entries()`. Specs added in `build.rs` with `Builder::spec` are not seen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use qimeng_build::cache::Cache;
use qimeng_build::lock::{self, LockFile, Pin};
use qimeng_build::scan;
use qimeng_spec::KernelSpec;
use qimeng_toolchain::Toolchain;

/// Arguments of `qimeng prepare`.
#[derive(clap::Args)]
pub struct PrepareArgs {
    /// Change nothing; fail if the lock is missing, stale or differs from the workspace, or if
    /// an entry is missing or damaged.
    #[arg(long)]
    check: bool,
    /// The workspace's Cargo.toml (default: the one cargo finds from the current directory).
    #[arg(long)]
    manifest_path: Option<PathBuf>,
}

/// A workspace member that builds kernels.
struct Member {
    name: String,
    dir: PathBuf,
}

#[derive(serde::Deserialize)]
struct Metadata {
    workspace_root: PathBuf,
    packages: Vec<Package>,
    workspace_members: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    id: String,
    manifest_path: PathBuf,
    dependencies: Vec<Dependency>,
}

#[derive(serde::Deserialize)]
struct Dependency {
    name: String,
    kind: Option<String>,
}

fn workspace(manifest_path: Option<&Path>) -> Result<(PathBuf, Vec<Member>), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ]);
    if let Some(m) = manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let meta: Metadata = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed unexpected JSON: {e}"))?;
    let members = meta
        .packages
        .into_iter()
        .filter(|p| meta.workspace_members.contains(&p.id))
        .filter(|p| {
            p.dependencies
                .iter()
                .any(|d| d.name == "qimeng-build" && d.kind.as_deref() == Some("build"))
        })
        .filter_map(|p| {
            Some(Member {
                name: p.name,
                dir: p.manifest_path.parent()?.to_path_buf(),
            })
        })
        .collect();
    Ok((meta.workspace_root, members))
}

/// The specs `member` builds, as its build script finds them.
fn specs_of(member: &Member, cache: &Cache) -> Result<Vec<KernelSpec>, String> {
    let mut specs = Vec::new();
    let src = member.dir.join("src");
    if src.is_dir() {
        for file in scan::rust_files(&src).map_err(|e| e.to_string())? {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            for found in scan::scan_source(&file, &text).map_err(|e| e.to_string())? {
                specs.push(found.spec);
            }
        }
    }
    let build_rs = std::fs::read_to_string(member.dir.join("build.rs")).unwrap_or_default();
    if build_rs.contains("all_cached_entries()") {
        specs.extend(cache.kernel_keys().map_err(|e| e.to_string())?);
    }
    specs.sort();
    specs.dedup();
    Ok(specs)
}

/// Runs `qimeng prepare`; `cli_cache` is the CLI's cache (its `--cache-dir` is searched first
/// for every member).
pub fn run(args: &PrepareArgs, cli_cache: &Cache) -> Result<(), String> {
    let (root, members) = workspace(args.manifest_path.as_deref())?;
    let cwd_standard = Cache::standard(std::env::current_dir().ok().as_deref());
    let extra: Vec<PathBuf> = cli_cache
        .dirs
        .iter()
        .filter(|d| !cwd_standard.dirs.contains(d))
        .cloned()
        .collect();
    let toolchain = Toolchain::find(&[&root]).map_err(|e| e.to_string())?;
    let version = toolchain.version()?;

    let mut problems = Vec::new();
    let mut expected = LockFile::default();
    for member in &members {
        let mut cache = Cache::standard(Some(&member.dir));
        for d in extra.iter().rev() {
            cache.dirs.insert(0, d.clone());
        }
        let mut pins: BTreeMap<String, Pin> = BTreeMap::new();
        for spec in specs_of(member, &cache)? {
            match cache.lookup(spec) {
                Ok(Some(entry)) => {
                    pins.insert(spec.key(), qimeng_build::pin(&entry, &version));
                }
                Ok(None) => problems.push(format!(
                    "`{}` ({spec}), used by `{}`, is in no kernel cache",
                    spec.key(),
                    member.name
                )),
                Err(e) => problems.push(format!("used by `{}`: {e}", member.name)),
            }
        }
        expected = lock::merged(&expected, &member.name, &pins);
    }

    let path = std::env::var_os(lock::LOCK_FILE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(lock::LOCK_FILE));
    let kernels: usize = expected.kernels.len();
    if args.check {
        let current = lock::read(&path).map_err(|e| e.to_string())?;
        if current.is_none() {
            problems.push(format!("{} does not exist", path.display()));
        }
        problems.extend(lock::differences(current.as_ref(), &expected, None));
        if !problems.is_empty() {
            return Err(format!(
                "{} does not match the workspace:\n{}\nRun `qimeng prepare` (or a normal \
                 `cargo build`), review the diff and commit it.",
                path.display(),
                problems
                    .iter()
                    .map(|p| format!("  - {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        say!(
            "{} is up to date: {kernels} kernels for {} crates, every entry complete and \
             unmodified",
            path.display(),
            members.len()
        );
        return Ok(());
    }
    if !problems.is_empty() {
        return Err(format!(
            "cannot prepare the lock:\n{}",
            problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    let changed = lock::write(&path, &expected).map_err(|e| e.to_string())?;
    say!(
        "{} {}: {kernels} kernels for {} crates",
        path.display(),
        if changed { "written" } else { "unchanged" },
        members.len()
    );
    Ok(())
}
