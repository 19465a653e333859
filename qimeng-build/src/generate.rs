//! A kernel no cache holds, generated through the LLM ([`qimeng_llm`]) and written as a cache
//! entry: the build-side half of issue 4.
//!
//! [`NvccGate`] is stage 2's last gate: nvcc with exactly the flags of a real build
//! ([`compile::nvcc_flags`]) for the spec's arch, then bindgen on the header
//! ([`bindings::generate`]), so an entry that passes compiles and binds in every build.
//! [`write_entry`] writes the result atomically: a temporary directory in the cache directory,
//! sealed, then renamed to the key; when two generations race, the first rename wins and the
//! other discards its result and uses the winner's.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use qimeng_llm::{Config, Context, CudaGate, Generated, Generator, Progress, Rejection};
use qimeng_spec::Spec;
use qimeng_toolchain::Toolchain;

use crate::cache::{self, Entry, Generation, Meta, Provenance, SpecFile};
use crate::{Error, bindings, compile};

/// The transcript's file name in a generated entry.
pub const TRANSCRIPT_FILE: &str = "transcript.json";

/// Most lines of compiler output sent back to the model.
const COMPILER_LINES: usize = 60;

static SCRATCH: AtomicU64 = AtomicU64::new(0);

/// Compiles and binds candidate CUDA in a scratch folder, as a build would.
#[derive(Clone, Debug)]
pub struct NvccGate {
    nvcc: PathBuf,
    scratch: PathBuf,
}

impl NvccGate {
    /// A gate that runs the toolchain's nvcc in folders under `scratch`.
    pub fn new(toolchain: &Toolchain, scratch: impl Into<PathBuf>) -> NvccGate {
        NvccGate {
            nvcc: toolchain.nvcc.clone(),
            scratch: scratch.into(),
        }
    }

    fn run(&self, dir: &Path, spec: &Spec, cu: &str, h: &str) -> Result<(), Rejection> {
        let io = |e: std::io::Error, what: &str| {
            Rejection::new("toolchain", format!("{what} in {}: {e}", dir.display()))
        };
        fs::create_dir_all(dir).map_err(|e| io(e, "cannot create the scratch folder"))?;
        fs::write(dir.join("kernel.cu"), cu).map_err(|e| io(e, "cannot write kernel.cu"))?;
        fs::write(dir.join("kernel.h"), h).map_err(|e| io(e, "cannot write kernel.h"))?;
        let entry = scratch_entry(spec, dir);
        let out = Command::new(&self.nvcc)
            .args(compile::nvcc_flags(&entry))
            .arg("-I")
            .arg(cache::include_dir())
            .arg("-I")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("kernel.cu"))
            .arg("-o")
            .arg(dir.join("kernel.o"))
            .current_dir(dir)
            .output()
            .map_err(|e| io(e, &format!("cannot run {}", self.nvcc.display())))?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stderr).to_string()
                + &String::from_utf8_lossy(&out.stdout);
            // Paths of the scratch folder mean nothing to the model.
            let text = text.replace(&format!("{}/", dir.display()), "");
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let mut shown = lines
                .iter()
                .take(COMPILER_LINES)
                .copied()
                .collect::<Vec<_>>()
                .join("\n");
            if lines.len() > COMPILER_LINES {
                shown.push_str(&format!("\n[{} more lines]", lines.len() - COMPILER_LINES));
            }
            return Err(Rejection::new(
                "nvcc",
                format!(
                    "nvcc {} for {} failed:\n{shown}",
                    compile::nvcc_flags(&entry).join(" "),
                    spec.gpu_info().sm_arch()
                ),
            ));
        }
        bindings::generate(&entry).map_err(|e| {
            let text = e.to_string().replace(&format!("{}/", dir.display()), "");
            Rejection::new("bindgen", text)
        })?;
        Ok(())
    }
}

impl CudaGate for NvccGate {
    fn check(&self, spec: &Spec, kernel_cu: &str, kernel_h: &str) -> Result<(), Rejection> {
        let dir = self.scratch.join(format!(
            "{}-{}-{}",
            spec.key(),
            std::process::id(),
            SCRATCH.fetch_add(1, Ordering::Relaxed)
        ));
        let result = self.run(&dir, spec, kernel_cu, kernel_h);
        let _ = fs::remove_dir_all(&dir);
        result
    }
}

/// An [`Entry`] for files in a scratch folder (unsealed: only for compiling and binding).
fn scratch_entry(spec: &Spec, dir: &Path) -> Entry {
    Entry {
        spec: (*spec).into(),
        dir: dir.to_path_buf(),
        meta: Meta {
            key: spec.key(),
            provenance: Provenance {
                origin: "candidate".into(),
                date: String::new(),
                notes: String::new(),
                generation: None,
            },
            files: BTreeMap::new(),
            verification: Vec::new(),
        },
        headers: BTreeMap::new(),
    }
}

/// What [`write_entry`] did.
#[derive(Clone, Debug)]
pub enum Written {
    /// The entry was written by this call.
    Created(Entry),
    /// Another generation wrote the key first; this result was discarded.
    AlreadyThere(Entry),
}

impl Written {
    /// The entry now in the cache.
    pub fn entry(&self) -> &Entry {
        match self {
            Written::Created(e) | Written::AlreadyThere(e) => e,
        }
    }
}

/// Writes `g` as the entry `<cache_dir>/<key>/` (spec.json, kernel.tl, kernel.cu, kernel.h,
/// transcript.json, meta.json with origin `generated`), atomically.
pub fn write_entry(cache_dir: &Path, g: &Generated, date: &str) -> Result<Written, Error> {
    let key = g.spec.key();
    let dst = cache_dir.join(&key);
    fs::create_dir_all(cache_dir).map_err(|e| Error::io(cache_dir, e))?;
    if dst.exists() {
        return Ok(Written::AlreadyThere(Entry::load(&dst, g.spec)?));
    }
    let tmp = cache_dir.join(format!(
        ".{key}.tmp-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, Ordering::Relaxed)
    ));
    let result = fill(&tmp, g, date);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    match fs::rename(&tmp, &dst) {
        Ok(()) => Ok(Written::Created(Entry::load(&dst, g.spec)?)),
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            // Lost the race: the winner's entry stands (and must be whole).
            if dst.join("meta.json").is_file() {
                Ok(Written::AlreadyThere(Entry::load(&dst, g.spec)?))
            } else {
                Err(Error::io(&dst, e))
            }
        }
    }
}

fn fill(tmp: &Path, g: &Generated, date: &str) -> Result<(), Error> {
    fs::create_dir(tmp).map_err(|e| Error::io(tmp, e))?;
    let spec_json = serde_json::to_string(&SpecFile::of(&g.spec)).unwrap_or_default() + "\n";
    let transcript = g.transcript_json();
    for (name, text) in [
        ("spec.json", spec_json.as_str()),
        ("kernel.tl", g.kernel_tl.as_str()),
        ("kernel.cu", g.kernel_cu.as_str()),
        ("kernel.h", g.kernel_h.as_str()),
        (TRANSCRIPT_FILE, transcript.as_str()),
    ] {
        let p = tmp.join(name);
        fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
    }
    let meta = Meta {
        key: g.spec.key(),
        provenance: Provenance {
            origin: "generated".into(),
            date: date.into(),
            notes: format!(
                "Generated by qimeng-llm through `{}` in {} answers; passed the TL gates \
                 (parse, check, interpretation against the f64 reference), the CUDA lint, nvcc \
                 and the launch ABI. Not yet verified on a GPU.",
                g.model, g.attempts
            ),
            generation: Some(Generation {
                model: g.model.clone(),
                prompts: g
                    .prompts
                    .iter()
                    .map(|p| (p.name.clone(), format!("v{} {}", p.version, p.sha256)))
                    .collect(),
                attempts: g.attempts,
                transcript: TRANSCRIPT_FILE.into(),
                transcript_sha256: cache::sha256(transcript.as_bytes()),
            }),
        },
        files: cache::hash_files(tmp)?,
        verification: Vec::new(),
    };
    cache::write_meta(tmp, &meta)
}

/// Generates `spec` through the LLM of `config` and writes it under `cache_dir`. Few-shot
/// examples come from the curated cache; candidate CUDA is compiled with `toolchain` in
/// `scratch`. Nothing is written unless every gate passed.
pub fn generate(
    spec: &Spec,
    config: Config,
    toolchain: &Toolchain,
    cache_dir: &Path,
    scratch: &Path,
    progress: &dyn Progress,
) -> Result<Written, Error> {
    let generator = Generator::new(qimeng_llm::Client::new(config), context());
    let gate = NvccGate::new(toolchain, scratch);
    let generated = generator.generate(spec, &gate, progress)?;
    write_entry(cache_dir, &generated, &today())
}

/// The prompt context: the shared headers and the curated entries as examples.
pub fn context() -> Context {
    Context::new(cache::include_dir(), &cache::bundled_dir())
}

/// The command that fills the cache with `spec` ahead of time.
pub fn command(spec: &Spec) -> String {
    format!(
        "qimeng generate --gpu {} --dtype {} --head-dim {}{}{}{}{}{}",
        spec.gpu.name(),
        spec.dtype.name(),
        spec.head_dim,
        if spec.causal { " --causal" } else { "" },
        spec.variants.window.map_or(String::new(), |w| format!(
            " --window {},{}",
            w.left, w.right
        )),
        spec.variants
            .softcap
            .map_or(String::new(), |c| format!(" --softcap {c}")),
        if spec.variants.alibi { " --alibi" } else { "" },
        if spec.variants.varlen {
            " --varlen"
        } else {
            ""
        },
    )
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    // Civil from days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Why a build did not generate a missing kernel, in one sentence for the miss error.
pub fn why_not(mode: &crate::Mode) -> String {
    if mode.is_locked() {
        "A locked build (QIMENG_LOCKED=1) never generates kernels.".into()
    } else if !cfg!(feature = "llm") {
        "This qimeng-build has no LLM client (its `llm` feature is off), so the build did not \
         generate it."
            .into()
    } else if mode.llm().is_none() {
        format!(
            "No LLM is configured ({} is not set), so the build did not generate it.",
            qimeng_llm::config::BASE_URL_ENV
        )
    } else {
        format!(
            "{} is set, so the build did not generate it.",
            qimeng_llm::config::OFFLINE_ENV
        )
    }
}

/// At build time, for a spec no cache holds: generates it when the build may (an LLM is
/// configured through `QIMENG_LLM_BASE_URL`, the build is not locked — [`crate::Mode::llm`] is
/// `None` then — and `QIMENG_OFFLINE` is not set), writing it to `$QIMENG_CACHE_DIR`, else
/// `<crate>/kernels-cache`, and reporting progress as `cargo:warning` lines. `Ok(None)` when
/// the build may not generate.
pub fn on_miss(
    spec: &Spec,
    mode: &crate::Mode,
    crate_dir: &Path,
    out_dir: &Path,
) -> Result<Option<Entry>, Error> {
    if !cfg!(feature = "llm") || mode.llm().is_none() || qimeng_llm::config::offline() {
        return Ok(None);
    }
    let config = qimeng_llm::Config::from_env()
        .map_err(|e| Error::Config {
            message: e.to_string(),
        })?
        .ok_or_else(|| Error::Config {
            message: format!(
                "{} is set but no LLM configuration could be read",
                qimeng_llm::config::BASE_URL_ENV
            ),
        })?;
    let toolchain = Toolchain::find(&[crate_dir, out_dir])?;
    let cache_dir = std::env::var_os(cache::CACHE_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("kernels-cache"));
    build_time(
        spec,
        config,
        &toolchain,
        &cache_dir,
        &out_dir.join("qimeng-scratch"),
        &mut std::io::stdout(),
    )
    .map(Some)
}

/// The generation of [`on_miss`], its progress written to `out` as `cargo:warning` lines.
pub fn build_time(
    spec: &Spec,
    config: Config,
    toolchain: &Toolchain,
    cache_dir: &Path,
    scratch: &Path,
    out: &mut dyn std::io::Write,
) -> Result<Entry, Error> {
    let key = spec.key();
    let out = std::cell::RefCell::new(out);
    let say = |line: String| {
        let mut o = out.borrow_mut();
        let _ = writeln!(o, "cargo:warning=qimeng: {line}");
        let _ = o.flush();
    };
    say(format!(
        "`{key}` is in no cache; generating it with `{}` at {} (budget {:?}); `{}` does the \
         same ahead of time",
        config.model,
        config.display_url(),
        config.budget,
        command(spec)
    ));
    let progress = |e: &qimeng_llm::Event<'_>| match e {
        qimeng_llm::Event::Asking { stage, attempt, of } => say(format!(
            "{key}: {}: asking for answer {attempt} of {of}",
            stage.label()
        )),
        qimeng_llm::Event::Rejected {
            stage,
            attempt,
            rejection,
        } => say(format!(
            "{key}: {}: answer {attempt} rejected by `{}`: {}",
            stage.label(),
            rejection.gate,
            rejection.message.lines().next().unwrap_or("")
        )),
        qimeng_llm::Event::Accepted { stage, attempt } => say(format!(
            "{key}: {}: answer {attempt} accepted",
            stage.label()
        )),
        _ => {}
    };
    let written = generate(spec, config, toolchain, cache_dir, scratch, &progress)?;
    let entry = written.entry().clone();
    say(format!(
        "wrote `{key}` to {} (origin generated, not yet verified on a GPU); review and commit it",
        entry.dir.display()
    ));
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run by CI as `cargo test -p qimeng-build --no-default-features --lib`.
    #[cfg(not(feature = "llm"))]
    #[test]
    fn without_the_llm_feature_a_miss_is_never_generated() {
        let mode = crate::Mode::Update {
            llm: Some(crate::mode::LlmEndpoint {
                base_url: "http://127.0.0.1:9".into(),
            }),
        };
        let spec = Spec::from_key("fwd-l4-bf16-d128-causal").unwrap();
        let scratch = std::env::temp_dir().join(format!("qimeng-nollm-{}", std::process::id()));
        let got = on_miss(&spec, &mode, &scratch, &scratch).unwrap();
        assert!(got.is_none());
        assert!(!scratch.exists(), "nothing may be written");
        assert!(
            why_not(&mode).contains("`llm` feature is off"),
            "{}",
            why_not(&mode)
        );
    }

    #[test]
    fn the_fill_command_names_every_argument() {
        let s = Spec::from_key("fwd-l4-bf16-d128-causal").unwrap();
        assert_eq!(
            command(&s),
            "qimeng generate --gpu l4 --dtype bf16 --head-dim 128 --causal"
        );
    }

    #[cfg(feature = "llm")]
    #[test]
    fn a_miss_says_why_it_was_not_generated() {
        use crate::mode::{LlmEndpoint, Mode};
        assert!(why_not(&Mode::Locked).contains("never generates"));
        assert!(why_not(&Mode::Update { llm: None }).contains("QIMENG_LLM_BASE_URL is not set"));
        let llm = Some(LlmEndpoint {
            base_url: "http://127.0.0.1:9/v1".into(),
        });
        assert!(why_not(&Mode::Update { llm }).contains("QIMENG_OFFLINE is set"));
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.starts_with("20"), "{t}");
    }
}
