//! The kernel cache: one directory per canonical key, each file content-hashed in `meta.json`.
//!
//! ```text
//! kernels-cache/
//!   include/qimeng/      headers every entry may include (launch ABI, primitives, families)
//!   fwd-h100-bf16-d128-causal/
//!     spec.json  kernel.tl  kernel.cu  kernel.h  meta.json
//! ```
//!
//! An entry is used only when every file is present and matches its hash; anything else is an
//! error that names the entry and the file, never a silent fallback.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use qimeng_spec::{DecodeSpec, KernelSpec, Spec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;

/// Files of an entry whose hashes `meta.json` records, in hashing order.
pub const ENTRY_FILES: &[&str] = &["spec.json", "kernel.tl", "kernel.cu", "kernel.h"];

/// The files of a decode (`dec-*`) entry, each hashed in its meta: the same as a prefill
/// entry's; its kernel.tl is the split/combine plan of decode_fwd.cuh with the entry's tiles
/// (written by scripts/decode-tl.py from kernel.cu).
pub const DECODE_ENTRY_FILES: &[&str] = &["spec.json", "kernel.tl", "kernel.cu", "kernel.h"];

/// The hashed files of the entry named `key`: [`DECODE_ENTRY_FILES`] for `dec-*` keys,
/// [`ENTRY_FILES`] otherwise.
pub fn entry_files(key: &str) -> &'static [&'static str] {
    if key.starts_with("dec-") {
        DECODE_ENTRY_FILES
    } else {
        ENTRY_FILES
    }
}

/// The environment variable naming a user cache directory, searched before the bundled one.
pub const CACHE_DIR_ENV: &str = "QIMENG_CACHE_DIR";

/// The curated cache shipped with qimeng-build: `<crate>/kernels-cache`, which in the workspace
/// is a symlink to the top-level `kernels-cache/` so that `cargo package` copies the cache into
/// the published crate (cargo packages only files under the crate's folder and follows a
/// symlinked directory); `../kernels-cache` if the link is missing (a checkout without symlinks).
pub fn bundled_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let packaged = here.join("kernels-cache");
    if packaged.is_dir() {
        packaged
    } else {
        here.join("../kernels-cache")
    }
}

/// Headers shared by all entries: `#include "qimeng/..."` resolves here.
pub fn include_dir() -> PathBuf {
    bundled_dir().join("include")
}

/// Every file under [`include_dir`], sorted: what `#include "qimeng/..."` may pull into a kernel.
pub fn include_files() -> Result<Vec<PathBuf>, Error> {
    let dir = include_dir();
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let path = entry.map_err(|e| Error::io(&d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The shared headers an entry's sources include, directly or through each other: every
/// `#include "qimeng/..."` in `sources` and, transitively, in the headers they name, mapped from
/// `include/qimeng/<name>` to `sha256:<hex>` of its bytes.
///
/// Their bytes are part of what the entry compiles to, so they are part of its
/// [`Entry::content_hash`]: an edit to `fa3_fwd.cuh` changes the hash (and drops the verification
/// records) of the entries built on it and of no other. Directives are read textually, also
/// inside `#if` blocks, so the set may be larger than what one compilation uses, never smaller.
pub fn included_headers(sources: &[PathBuf]) -> Result<BTreeMap<String, String>, Error> {
    let root = include_dir();
    let mut out = BTreeMap::new();
    let mut todo: Vec<PathBuf> = sources.to_vec();
    while let Some(file) = todo.pop() {
        let text = read(&file)?;
        for name in shared_includes(&text) {
            let rel = format!("include/qimeng/{name}");
            if out.contains_key(&rel) {
                continue;
            }
            let path = root.join("qimeng").join(name);
            let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.insert(rel, sha256(&bytes));
            todo.push(path);
        }
    }
    Ok(out)
}

/// The names `X` of the `#include "qimeng/X"` directives in `text` (a plain name: no folders,
/// so nothing outside the include directory can be named).
fn shared_includes(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix('#')?.trim_start();
        let rest = rest.strip_prefix("include")?.trim_start();
        let rest = rest
            .strip_prefix("\"qimeng/")
            .or_else(|| rest.strip_prefix("<qimeng/"))?;
        let name = &rest[..rest.find(['"', '>'])?];
        let plain = !name.is_empty() && !name.contains(['/', '\\']) && name != "..";
        plain.then_some(name)
    })
}

/// `spec.json`: the spec an entry implements, readable without parsing the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// GPU name.
    pub gpu: String,
    /// dtype name.
    pub dtype: String,
    /// Head dimension.
    pub head_dim: u32,
    /// Causal masking.
    pub causal: bool,
    /// Sliding window `[left, right]`; absent for none (so plain entries' files are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[u32; 2]>,
    /// Logit softcap; absent for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub softcap: Option<u32>,
    /// ALiBi; absent for none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alibi: bool,
    /// Packed variable-length batches; absent for none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub varlen: bool,
}

/// `spec.json` of a decode entry: `{"mode": "decode", "gpu": .., "dtype": .., "head_dim": ..}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeSpecFile {
    /// Always `"decode"`.
    pub mode: String,
    /// GPU name.
    pub gpu: String,
    /// dtype name.
    pub dtype: String,
    /// Head dimension.
    pub head_dim: u32,
}

impl DecodeSpecFile {
    /// The file for `spec`.
    pub fn of(spec: &DecodeSpec) -> DecodeSpecFile {
        DecodeSpecFile {
            mode: "decode".into(),
            gpu: spec.gpu.name().into(),
            dtype: spec.dtype.name().into(),
            head_dim: spec.head_dim,
        }
    }
}

/// The text of `spec.json` for `spec`, newline-terminated.
pub fn spec_json(spec: &KernelSpec) -> String {
    let text = match spec {
        KernelSpec::Prefill(s) => serde_json::to_string(&SpecFile::of(s)),
        KernelSpec::Decode(d) => serde_json::to_string(&DecodeSpecFile::of(d)),
    };
    text.unwrap_or_default() + "\n"
}

impl SpecFile {
    /// The file for `spec`.
    pub fn of(spec: &Spec) -> SpecFile {
        SpecFile {
            gpu: spec.gpu.name().into(),
            dtype: spec.dtype.name().into(),
            head_dim: spec.head_dim,
            causal: spec.causal,
            window: spec.variants.window.map(|w| [w.left, w.right]),
            softcap: spec.variants.softcap,
            alibi: spec.variants.alibi,
            varlen: spec.variants.varlen,
        }
    }
}

/// `meta.json`: provenance, content hashes and verification records of an entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The canonical key; equals the directory name.
    pub key: String,
    /// Where the entry came from.
    pub provenance: Provenance,
    /// `sha256:<hex>` of each of [`ENTRY_FILES`].
    pub files: BTreeMap<String, String>,
    /// GPU verification runs, newest last.
    #[serde(default)]
    pub verification: Vec<Verification>,
}

/// Where an entry came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// `curated` (written and reviewed by people) or `generated` (by an LLM).
    pub origin: String,
    /// Date the content was last sealed (YYYY-MM-DD).
    pub date: String,
    /// Free-form notes: who, how, from what.
    #[serde(default)]
    pub notes: String,
    /// For `generated` entries: how (model, prompts, attempts, transcript). Absent in curated
    /// entries and in every meta.json written before generation existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<Generation>,
}

/// How a `generated` entry was generated (issue 4: qimeng-llm).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    /// The model, as named in the requests.
    pub model: String,
    /// Each prompt used: `<name>` -> `v<version> sha256:<hex of the template file>`.
    pub prompts: BTreeMap<String, String>,
    /// Answers asked of the model over all stages (first answers and repairs).
    pub attempts: u32,
    /// The conversation, secrets removed: a file of the entry (not one of [`ENTRY_FILES`]).
    pub transcript: String,
    /// `sha256:<hex>` of the transcript file.
    pub transcript_sha256: String,
}

/// One verification run of an entry on a GPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The card, as the driver names it.
    pub card: String,
    /// How the code ran there: `native` (its own cubin) or `ptx-jit` (older PTX compiled by
    /// the driver).
    pub mode: String,
    /// Date of the run (YYYY-MM-DD).
    pub date: String,
    /// The command that ran it.
    pub command: String,
    /// Number of shapes checked.
    pub shapes: u32,
    /// Largest absolute error against the f64 reference over all shapes.
    pub max_error: f64,
    /// Largest relative L2 error over all shapes.
    pub rel_l2: f64,
    /// Whether every shape passed the correctness standard.
    pub passed: bool,
    /// [`Entry::content_hash`] of what was verified: the entry's files and the shared headers
    /// they include. A record of other bytes is kept but no longer counts.
    pub content_hash: String,
}

/// A cache entry that passed every integrity check.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The spec it implements.
    pub spec: KernelSpec,
    /// Its directory.
    pub dir: PathBuf,
    /// Its metadata.
    pub meta: Meta,
    /// The shared headers its sources include ([`included_headers`]).
    pub headers: BTreeMap<String, String>,
}

impl Entry {
    /// `kernel.cu`.
    pub fn source(&self) -> PathBuf {
        self.dir.join("kernel.cu")
    }

    /// `kernel.h`.
    pub fn header(&self) -> PathBuf {
        self.dir.join("kernel.h")
    }

    /// One hash over what the entry compiles to: its files (as recorded in its meta) and the
    /// shared headers they include. Verification records, the object cache and the generated
    /// wrapper's `CONTENT_HASH` name this.
    pub fn content_hash(&self) -> String {
        compiled_hash(&self.meta.files, &self.headers)
    }

    /// One hash over the entry's own files, as recorded in its meta.
    pub fn files_hash(&self) -> String {
        content_hash(&self.meta.files)
    }

    /// One hash over the shared headers the entry includes.
    pub fn headers_hash(&self) -> String {
        content_hash(&self.headers)
    }

    /// Loads `dir` as the entry for `spec`, checking that it is complete and unmodified.
    pub fn load(dir: &Path, spec: impl Into<KernelSpec>) -> Result<Entry, Error> {
        let spec: KernelSpec = spec.into();
        let bad = |problem: String| Error::Entry {
            key: spec.key(),
            dir: dir.to_path_buf(),
            problem,
        };
        for f in entry_files(&spec.key()).iter().chain(&["meta.json"]) {
            if !dir.join(f).is_file() {
                return Err(bad(format!("{f} is missing")));
            }
        }
        let meta_text = read(&dir.join("meta.json"))?;
        let meta: Meta = serde_json::from_str(&meta_text)
            .map_err(|e| bad(format!("meta.json is not valid: {e}")))?;
        if meta.key != spec.key() {
            return Err(bad(format!(
                "meta.json is for `{}`, not `{}`",
                meta.key,
                spec.key()
            )));
        }
        let actual = hash_entry_files(dir, &spec.key())?;
        for (name, want) in &actual {
            match meta.files.get(name) {
                None => return Err(bad(format!("meta.json records no hash for {name}"))),
                Some(recorded) if recorded != want => {
                    let root = dir.parent().unwrap_or(dir);
                    // The curated cache of a downloaded qimeng-build is not the user's to reseal.
                    let in_checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../.git")
                        .exists();
                    let packaged = root == bundled_dir() && !in_checkout;
                    let fix = if packaged {
                        format!(
                            "this is the curated cache shipped in qimeng-build ({}): restore it \
                             (delete that crate folder and let cargo download it again)",
                            root.parent().unwrap_or(root).display()
                        )
                    } else {
                        format!(
                            "if the edit is intended, reseal the entry with `qimeng cache seal {} \
                             --cache-dir {}`",
                            spec.key(),
                            root.display()
                        )
                    };
                    return Err(bad(format!(
                        "{name} does not match the hash recorded in meta.json (recorded {recorded}, \
                         found {want}); the file was edited or corrupted; {fix}"
                    )));
                }
                Some(_) => {}
            }
        }
        if let Some(extra) = meta.files.keys().find(|k| !actual.contains_key(*k)) {
            return Err(bad(format!(
                "meta.json records a hash for unknown file {extra}"
            )));
        }
        let spec_text = read(&dir.join("spec.json"))?;
        match &spec {
            KernelSpec::Prefill(prefill) => {
                let file: SpecFile = serde_json::from_str(&spec_text)
                    .map_err(|e| bad(format!("spec.json is not valid: {e}")))?;
                if file != SpecFile::of(prefill) {
                    return Err(bad(format!("spec.json describes {file:?}, not {spec}")));
                }
            }
            KernelSpec::Decode(decode) => {
                let file: DecodeSpecFile = serde_json::from_str(&spec_text)
                    .map_err(|e| bad(format!("spec.json is not valid: {e}")))?;
                if file != DecodeSpecFile::of(decode) {
                    return Err(bad(format!("spec.json describes {file:?}, not {spec}")));
                }
            }
        }
        let headers = included_headers(&[dir.join("kernel.cu"), dir.join("kernel.h")])?;
        Ok(Entry {
            spec,
            dir: dir.to_path_buf(),
            meta,
            headers,
        })
    }
}

/// The `sha256:<hex>` of each of [`ENTRY_FILES`] in `dir`.
pub fn hash_files(dir: &Path) -> Result<BTreeMap<String, String>, Error> {
    hash_entry_files(dir, "")
}

/// The `sha256:<hex>` of each of [`entry_files`]`(key)` in `dir`.
pub fn hash_entry_files(dir: &Path, key: &str) -> Result<BTreeMap<String, String>, Error> {
    entry_files(key)
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Ok((f.to_string(), sha256(&bytes)))
        })
        .collect()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// One hash over the per-file hashes, in name order.
pub fn content_hash(files: &BTreeMap<String, String>) -> String {
    let joined: String = files.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    sha256(joined.as_bytes())
}

/// [`Entry::content_hash`] from an entry's file hashes and its [`included_headers`]: one list,
/// since header names (`include/qimeng/...`) never collide with entry file names.
pub fn compiled_hash(
    files: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
) -> String {
    let mut all = files.clone();
    all.extend(headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    content_hash(&all)
}

fn read(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// The ordered list of cache directories to search.
#[derive(Clone, Debug)]
pub struct Cache {
    /// Searched in order; the first directory holding the key wins.
    pub dirs: Vec<PathBuf>,
}

impl Cache {
    /// `QIMENG_CACHE_DIR` (if set), then `<crate>/kernels-cache` (if it exists), then the
    /// bundled curated cache.
    pub fn standard(crate_dir: Option<&Path>) -> Cache {
        let mut dirs = Vec::new();
        if let Some(d) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(d));
        }
        if let Some(c) = crate_dir {
            let local = c.join("kernels-cache");
            if local.is_dir() {
                dirs.push(local);
            }
        }
        let bundled = bundled_dir();
        if !dirs.iter().any(|d| same_dir(d, &bundled)) {
            dirs.push(bundled);
        }
        Cache { dirs }
    }

    /// The entry for `spec`: `Ok(None)` when no directory has it, `Err` when the first one
    /// that has it is damaged (never falls through to another copy).
    pub fn lookup(&self, spec: impl Into<KernelSpec>) -> Result<Option<Entry>, Error> {
        let spec: KernelSpec = spec.into();
        for d in &self.dirs {
            let dir = d.join(spec.key());
            if dir.is_dir() {
                return Entry::load(&dir, spec).map(Some);
            }
        }
        Ok(None)
    }

    /// Every kernel, prefill or decode, with a directory in any of the cache dirs, sorted,
    /// each once.
    pub fn kernel_keys(&self) -> Result<Vec<KernelSpec>, Error> {
        let mut specs = Vec::new();
        for d in &self.dirs {
            let Ok(read) = fs::read_dir(d) else { continue };
            for entry in read {
                let entry = entry.map_err(|e| Error::io(d, e))?;
                if let Some(spec) = entry.file_name().to_str().and_then(KernelSpec::from_key) {
                    specs.push(spec);
                }
            }
        }
        specs.sort();
        specs.dedup();
        Ok(specs)
    }

    /// Every prefill spec with a directory in any of the cache dirs, sorted, each once.
    pub fn keys(&self) -> Result<Vec<Spec>, Error> {
        let mut specs = Vec::new();
        for d in &self.dirs {
            let Ok(read) = fs::read_dir(d) else { continue };
            for entry in read {
                let entry = entry.map_err(|e| Error::io(d, e))?;
                if let Some(spec) = entry.file_name().to_str().and_then(Spec::from_key) {
                    specs.push(spec);
                }
            }
        }
        specs.sort();
        specs.dedup();
        Ok(specs)
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Writes `meta.json` for the entry in `dir` with fresh hashes, keeping its provenance and
/// dropping verification records whose content hash no longer matches. For curators: this is
/// what `qimeng cache seal` runs after an intended edit.
pub fn seal(
    dir: &Path,
    spec: impl Into<KernelSpec>,
    origin: &str,
    date: &str,
) -> Result<Meta, Error> {
    let spec: KernelSpec = spec.into();
    let files = hash_entry_files(dir, &spec.key())?;
    let headers = included_headers(&[dir.join("kernel.cu"), dir.join("kernel.h")])?;
    let hash = compiled_hash(&files, &headers);
    let old: Option<Meta> = fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    // A record stays only while it names what the entry now compiles to; a shared header's
    // edit drops it as an edit of the entry's own files does, but dates only the latter.
    let (provenance, verification) = match old {
        Some(m) => (
            if m.files == files {
                m.provenance
            } else {
                Provenance {
                    date: date.into(),
                    ..m.provenance
                }
            },
            m.verification
                .into_iter()
                .filter(|v| v.content_hash == hash)
                .collect(),
        ),
        None => (
            Provenance {
                origin: origin.into(),
                date: date.into(),
                notes: String::new(),
                generation: None,
            },
            Vec::new(),
        ),
    };
    let meta = Meta {
        key: spec.key(),
        provenance,
        files,
        verification,
    };
    write_meta(dir, &meta)?;
    Ok(meta)
}

/// Writes `meta.json` atomically (temporary file, then rename), pretty and newline-terminated.
pub fn write_meta(dir: &Path, meta: &Meta) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(meta).map_err(|e| Error::Entry {
        key: meta.key.clone(),
        dir: dir.to_path_buf(),
        problem: format!("cannot serialize meta.json: {e}"),
    })?;
    text.push('\n');
    let tmp = dir.join(format!(".meta.json.{}.tmp", std::process::id()));
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    let dst = dir.join("meta.json");
    fs::rename(&tmp, &dst).map_err(|e| Error::io(&dst, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qimeng_spec::{DType, Gpu};

    fn spec() -> Spec {
        Spec {
            gpu: Gpu::T4,
            dtype: DType::F16,
            head_dim: 64,
            causal: false,
            variants: qimeng_spec::Variants::NONE,
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("qimeng-cache-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn make_entry(root: &Path) -> PathBuf {
        let dir = root.join(spec().key());
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("spec.json"),
            serde_json::to_string(&SpecFile::of(&spec())).unwrap(),
        )
        .unwrap();
        fs::write(dir.join("kernel.tl"), "param BM = 64\n").unwrap();
        fs::write(dir.join("kernel.cu"), "// kernel\n").unwrap();
        fs::write(dir.join("kernel.h"), "// header\n").unwrap();
        seal(&dir, spec(), "curated", "2026-11-25").unwrap();
        dir
    }

    // The published crate carries only what lies under its folder: the curated cache must be
    // reachable from there (the symlink), or a crates.io user gets an empty cache.
    #[test]
    fn the_bundled_cache_lies_under_the_crate_folder() {
        let inside = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernels-cache");
        assert!(
            inside.join("include/qimeng/abi.h").is_file(),
            "{} does not hold the curated cache",
            inside.display()
        );
        assert_eq!(bundled_dir(), inside);
        let keys = Cache {
            dirs: vec![bundled_dir()],
        }
        .kernel_keys()
        .unwrap();
        assert!(keys.len() > 100, "only {} entries bundled", keys.len());
    }

    #[test]
    fn a_sealed_entry_loads() {
        let root = scratch("ok");
        make_entry(&root);
        let cache = Cache {
            dirs: vec![root.clone()],
        };
        let e = cache.lookup(spec()).unwrap().expect("entry");
        assert_eq!(e.meta.provenance.origin, "curated");
        assert_eq!(cache.keys().unwrap(), vec![spec()]);
        assert!(e.content_hash().starts_with("sha256:"));
    }

    #[test]
    fn tampering_is_an_error_never_a_fallback() {
        let root = scratch("tamper");
        let dir = make_entry(&root);
        fs::write(dir.join("kernel.cu"), "// edited\n").unwrap();
        let cache = Cache {
            dirs: vec![root.clone(), bundled_dir()],
        };
        let msg = cache.lookup(spec()).unwrap_err().to_string();
        assert!(msg.contains("kernel.cu does not match"), "{msg}");
        assert!(
            msg.contains(&format!(
                "qimeng cache seal fwd-t4-f16-d64-full --cache-dir {}`",
                root.display()
            )),
            "{msg}"
        );
    }

    #[test]
    fn missing_file_and_truncated_meta_are_errors() {
        let root = scratch("missing");
        let dir = make_entry(&root);
        fs::remove_file(dir.join("kernel.h")).unwrap();
        let msg = Entry::load(&dir, spec()).unwrap_err().to_string();
        assert!(msg.contains("kernel.h is missing"), "{msg}");

        let root = scratch("truncated");
        let dir = make_entry(&root);
        let meta = fs::read_to_string(dir.join("meta.json")).unwrap();
        fs::write(dir.join("meta.json"), &meta[..meta.len() / 2]).unwrap();
        let msg = Entry::load(&dir, spec()).unwrap_err().to_string();
        assert!(msg.contains("meta.json is not valid"), "{msg}");
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        // (what is done to a sealed entry, what the error must say)
        type Damage = fn(&Path);
        let cases: &[(&str, Damage, &str)] = &[
            (
                "meta.json deleted",
                |d| fs::remove_file(d.join("meta.json")).unwrap(),
                "meta.json is missing",
            ),
            (
                "kernel.cu deleted",
                |d| fs::remove_file(d.join("kernel.cu")).unwrap(),
                "kernel.cu is missing",
            ),
            (
                "kernel.cu truncated to nothing",
                |d| fs::write(d.join("kernel.cu"), "").unwrap(),
                "kernel.cu does not match",
            ),
            (
                "kernel.tl edited",
                |d| fs::write(d.join("kernel.tl"), "param BM = 128\n").unwrap(),
                "kernel.tl does not match",
            ),
            (
                "meta.json emptied",
                |d| fs::write(d.join("meta.json"), "").unwrap(),
                "meta.json is not valid",
            ),
            (
                "meta.json lost a hash",
                |d| {
                    let mut m: Meta =
                        serde_json::from_str(&fs::read_to_string(d.join("meta.json")).unwrap())
                            .unwrap();
                    m.files.remove("kernel.h");
                    write_meta(d, &m).unwrap();
                },
                "records no hash for kernel.h",
            ),
            (
                "meta.json of another entry",
                |d| {
                    let mut m: Meta =
                        serde_json::from_str(&fs::read_to_string(d.join("meta.json")).unwrap())
                            .unwrap();
                    m.key = "fwd-t4-f16-d64-causal".into();
                    write_meta(d, &m).unwrap();
                },
                "meta.json is for `fwd-t4-f16-d64-causal`",
            ),
            (
                "a file replaced by a folder",
                |d| {
                    fs::remove_file(d.join("kernel.h")).unwrap();
                    fs::create_dir(d.join("kernel.h")).unwrap();
                },
                "kernel.h is missing",
            ),
        ];
        for (i, (what, damage, expected)) in cases.iter().enumerate() {
            let root = scratch(&format!("damage-{i}"));
            let dir = make_entry(&root);
            damage(&dir);
            let cache = Cache {
                dirs: vec![root.clone(), bundled_dir()],
            };
            let msg = match cache.lookup(spec()) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{what}: the damaged entry was used"),
            };
            assert!(msg.contains(expected), "{what}: {msg}");
            assert!(msg.contains("fwd-t4-f16-d64-full"), "{what}: {msg}");
        }
    }

    #[test]
    fn an_entry_hashes_the_shared_headers_it_includes_and_no_others() {
        let root = scratch("headers");
        let dir = make_entry(&root);
        let bare = Entry::load(&dir, spec()).unwrap();
        assert!(bare.headers.is_empty(), "{:?}", bare.headers);
        fs::write(
            dir.join("kernel.cu"),
            "#include \"kernel.h\"\n  #  include \"qimeng/fa2_fwd.cuh\"\n",
        )
        .unwrap();
        seal(&dir, spec(), "curated", "2026-01-01").unwrap();
        let e = Entry::load(&dir, spec()).unwrap();
        // fa2_fwd.cuh and what it includes in turn; never the Hopper or decode families.
        for h in ["fa2_fwd.cuh", "prims.cuh", "abi.h"] {
            assert!(
                e.headers.contains_key(&format!("include/qimeng/{h}")),
                "{h}"
            );
        }
        assert!(
            !e.headers
                .keys()
                .any(|h| h.contains("fa3") || h.contains("decode"))
        );
        assert_ne!(e.content_hash(), e.files_hash());
        assert_eq!(e.content_hash(), compiled_hash(&e.meta.files, &e.headers));
    }

    #[test]
    fn include_directives_name_only_plain_shared_headers() {
        let text = "#include \"qimeng/a.h\"\n#include <qimeng/b.cuh>\n#include \"qimeng/../x\"\n\
                    #include \"qimeng/sub/c.h\"\n#include <cuda.h>\n// #include \"qimeng/d.h\"\n";
        let names: Vec<&str> = shared_includes(text).collect();
        assert_eq!(names, ["a.h", "b.cuh"]);
    }

    #[test]
    fn spec_file_must_match_the_key() {
        let root = scratch("specfile");
        let dir = make_entry(&root);
        let mut other = SpecFile::of(&spec());
        other.causal = true;
        fs::write(
            dir.join("spec.json"),
            serde_json::to_string(&other).unwrap(),
        )
        .unwrap();
        seal(&dir, spec(), "curated", "2026-11-25").unwrap();
        let msg = Entry::load(&dir, spec()).unwrap_err().to_string();
        assert!(msg.contains("spec.json describes"), "{msg}");
    }

    #[test]
    fn a_miss_is_none() {
        let root = scratch("miss");
        let cache = Cache { dirs: vec![root] };
        assert!(cache.lookup(spec()).unwrap().is_none());
    }
}
