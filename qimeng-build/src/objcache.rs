//! The compiled-object cache: each kernel's static library and bindgen output, stored under a
//! hash of everything that goes into them, shared by every crate and target directory of the
//! user.
//!
//! ```text
//! $QIMENG_BUILD_CACHE            (default $XDG_CACHE_HOME/qimeng or ~/.cache/qimeng)
//!   objects/<hash>/              one per key, made complete in a temporary folder and renamed
//!     lib.a  bindings.rs  manifest.json
//!   objects/<hash>.lock          OS lock held while the key is looked up or built
//!   toolchains/<hash>.txt        `nvcc --version`, memoized per nvcc binary (path, size, mtime)
//! ```
//!
//! Two builds that need the same key at once serialize on its `.lock`: one compiles, the other
//! waits and then finds the result, so nvcc runs once. A folder that fails its manifest's
//! hashes is reported as a warning and replaced by a fresh build from the (verified) sources;
//! bad bytes are never linked.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::cache::sha256;

/// Where the cache lives; `off` (or `0`, `none`) disables it.
pub const BUILD_CACHE_ENV: &str = "QIMENG_BUILD_CACHE";

/// The cache root the environment asks for: `QIMENG_BUILD_CACHE`, else
/// `$XDG_CACHE_HOME/qimeng`, else `$HOME/.cache/qimeng` (`%LOCALAPPDATA%\qimeng` on Windows);
/// `None` when disabled or when no home is known.
pub fn default_root() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(v) = var(BUILD_CACHE_ENV) {
        let s = v.to_string_lossy().to_ascii_lowercase();
        return (!matches!(s.as_str(), "off" | "0" | "none" | "false")).then(|| PathBuf::from(v));
    }
    if let Some(x) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(x).join("qimeng"));
    }
    if let Some(h) = var("HOME") {
        return Some(PathBuf::from(h).join(".cache/qimeng"));
    }
    var("LOCALAPPDATA").map(|l| PathBuf::from(l).join("qimeng"))
}

/// Everything that determines a kernel's object and bindings, by name. The key is the hash of
/// these lines, so the manifest of a cached object says exactly what it was built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectKey {
    /// Input name -> value (content hashes, versions, flags, set environment variables).
    pub inputs: BTreeMap<String, String>,
}

impl ObjectKey {
    /// Adds one input.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> ObjectKey {
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// The hex digest naming the cached folder.
    pub fn hash(&self) -> String {
        let joined: String = self
            .inputs
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        sha256(joined.as_bytes())
            .trim_start_matches("sha256:")
            .to_string()
    }
}

/// A built kernel: its static library and the bindgen output of its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifacts {
    /// Bytes of `lib<name>.a`.
    pub lib: Vec<u8>,
    /// bindgen's Rust for the header.
    pub bindings: String,
}

/// How a lookup was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Found and intact: nothing was compiled.
    Hit,
    /// Not cached: built and stored.
    Built,
    /// Cached but damaged (the reason): built again from the sources and replaced.
    Replaced(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    key: ObjectKey,
    lib: String,
    bindings: String,
}

/// An object cache rooted at a directory.
#[derive(Clone, Debug)]
pub struct ObjectCache {
    /// The root (holds `objects/` and `toolchains/`).
    pub root: PathBuf,
}

static TMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl ObjectCache {
    /// A cache at `root` (created on first use).
    pub fn new(root: impl Into<PathBuf>) -> ObjectCache {
        ObjectCache { root: root.into() }
    }

    fn objects(&self) -> PathBuf {
        self.root.join("objects")
    }

    /// The folder of `key`.
    pub fn dir(&self, key: &ObjectKey) -> PathBuf {
        self.objects().join(key.hash())
    }

    /// The cached artifacts of `key`: `Ok(None)` when absent, `Err(reason)` when present but
    /// damaged.
    pub fn get(&self, key: &ObjectKey) -> Result<Option<Artifacts>, String> {
        let dir = self.dir(key);
        if !dir.is_dir() {
            return Ok(None);
        }
        let manifest: Manifest = fs::read_to_string(dir.join("manifest.json"))
            .map_err(|e| format!("manifest.json: {e}"))
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| format!("manifest.json is not valid: {e}"))
            })?;
        if manifest.key != *key {
            return Err("manifest.json is for other inputs".into());
        }
        let lib = fs::read(dir.join("lib.a")).map_err(|e| format!("lib.a: {e}"))?;
        if sha256(&lib) != manifest.lib {
            return Err("lib.a does not match the hash in manifest.json".into());
        }
        let bindings =
            fs::read_to_string(dir.join("bindings.rs")).map_err(|e| format!("bindings.rs: {e}"))?;
        if sha256(bindings.as_bytes()) != manifest.bindings {
            return Err("bindings.rs does not match the hash in manifest.json".into());
        }
        Ok(Some(Artifacts { lib, bindings }))
    }

    /// Stores `artifacts` under `key`: written complete into a temporary folder, then renamed
    /// into place (replacing a damaged folder).
    pub fn put(&self, key: &ObjectKey, artifacts: &Artifacts) -> Result<(), Error> {
        let objects = self.objects();
        fs::create_dir_all(&objects).map_err(|e| Error::io(&objects, e))?;
        let tmp = objects.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let manifest = Manifest {
            key: key.clone(),
            lib: sha256(&artifacts.lib),
            bindings: sha256(artifacts.bindings.as_bytes()),
        };
        let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        text.push('\n');
        for (name, bytes) in [
            ("lib.a", artifacts.lib.as_slice()),
            ("bindings.rs", artifacts.bindings.as_bytes()),
            ("manifest.json", text.as_bytes()),
        ] {
            let p = tmp.join(name);
            fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
        }
        let dst = self.dir(key);
        if dst.exists() {
            let _ = fs::remove_dir_all(&dst);
        }
        fs::rename(&tmp, &dst).map_err(|e| {
            let _ = fs::remove_dir_all(&tmp);
            Error::io(&dst, e)
        })
    }

    /// An exclusive OS lock on `key`, released on drop.
    pub fn lock(&self, key: &ObjectKey) -> Result<File, Error> {
        let objects = self.objects();
        fs::create_dir_all(&objects).map_err(|e| Error::io(&objects, e))?;
        let path = objects.join(format!("{}.lock", key.hash()));
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        f.lock().map_err(|e| Error::io(&path, e))?;
        Ok(f)
    }

    /// The artifacts of `key`, from the cache or from `build` (then stored), holding the key's
    /// lock throughout so concurrent builds of the same key compile once.
    pub fn get_or_build(
        &self,
        key: &ObjectKey,
        build: impl FnOnce() -> Result<Artifacts, Error>,
    ) -> Result<(Artifacts, Outcome), Error> {
        let _guard = self.lock(key)?;
        let outcome = match self.get(key) {
            Ok(Some(a)) => return Ok((a, Outcome::Hit)),
            Ok(None) => Outcome::Built,
            Err(why) => Outcome::Replaced(why),
        };
        let artifacts = build()?;
        self.put(key, &artifacts)?;
        Ok((artifacts, outcome))
    }

    /// `nvcc --version` of the `nvcc` at `path`, memoized by its path, size and modification
    /// time so a build that finds everything cached runs no nvcc at all.
    pub fn nvcc_version_text(&self, nvcc: &Path) -> Result<String, Error> {
        let stamp = fs::metadata(nvcc)
            .ok()
            .map(|m| format!("{}|{}|{:?}", nvcc.display(), m.len(), m.modified().ok()));
        let memo = stamp.map(|s| {
            self.root
                .join("toolchains")
                .join(format!("{}.txt", &sha256(s.as_bytes())[7..]))
        });
        if let Some(m) = &memo
            && let Ok(text) = fs::read_to_string(m)
            && qimeng_toolchain::parse_version(&text).is_some()
        {
            return Ok(text);
        }
        let text = nvcc_version_text(nvcc)?;
        if let Some(m) = &memo
            && let Some(parent) = m.parent()
            && fs::create_dir_all(parent).is_ok()
        {
            let _ = crate::lock::write_atomic(m, &text);
        }
        Ok(text)
    }
}

/// Runs `nvcc --version`.
pub fn nvcc_version_text(nvcc: &Path) -> Result<String, Error> {
    let out = Command::new(nvcc)
        .arg("--version")
        .output()
        .map_err(|e| Error::io(nvcc, e))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || qimeng_toolchain::parse_version(&text).is_none() {
        return Err(Error::Config {
            message: format!(
                "`{} --version` failed or printed no version: {}{}",
                nvcc.display(),
                text,
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> ObjectCache {
        let d = std::env::temp_dir().join(format!(
            "qimeng-objcache-test-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        ObjectCache::new(d)
    }

    fn art() -> Artifacts {
        Artifacts {
            lib: b"!<arch>\nbytes".to_vec(),
            bindings: "pub fn f();\n".into(),
        }
    }

    #[test]
    fn built_once_then_hit() {
        let c = scratch("hit");
        let key = ObjectKey::default().with("entry", "sha256:1");
        let (a, o) = c.get_or_build(&key, || Ok(art())).unwrap();
        assert_eq!((a, o), (art(), Outcome::Built));
        let (a, o) = c
            .get_or_build(&key, || panic!("must not build again"))
            .unwrap();
        assert_eq!((a, o), (art(), Outcome::Hit));
        let other = ObjectKey::default().with("entry", "sha256:2");
        assert_ne!(c.dir(&key), c.dir(&other));
    }

    #[test]
    fn a_damaged_object_is_rebuilt_never_used() {
        let c = scratch("damaged");
        let key = ObjectKey::default().with("entry", "sha256:1");
        c.get_or_build(&key, || Ok(art())).unwrap();
        fs::write(c.dir(&key).join("lib.a"), b"!<arch>\ntampered").unwrap();
        let (a, o) = c.get_or_build(&key, || Ok(art())).unwrap();
        assert_eq!(a, art());
        assert!(
            matches!(o, Outcome::Replaced(ref why) if why.contains("lib.a")),
            "{o:?}"
        );
        assert_eq!(c.get(&key), Ok(Some(art())));
        // A truncated manifest is damage too.
        fs::write(c.dir(&key).join("manifest.json"), "{\"key\"").unwrap();
        assert!(c.get(&key).unwrap_err().contains("manifest.json"));
    }
}
