//! `qimeng`: the command-line face of qimeng-build. It adds no logic of its own: every command
//! calls the library the build script uses.

/// `println!` for the command's output: when stdout is closed early (`qimeng list | head`)
/// the command stops quietly instead of panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }};
}

mod coverage;
mod generate;
mod prepare;
mod tl;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qimeng_build::cache::{self, Cache, Entry};
use qimeng_spec::KernelSpec;
use qimeng_toolchain::Toolchain;

#[derive(Parser)]
#[command(
    name = "qimeng",
    version,
    about = "FlashAttention kernels for Rust, from a verified cache"
)]
struct Cli {
    /// Cache directory to search before the standard ones ($QIMENG_CACHE_DIR, ./kernels-cache,
    /// the bundled curated cache).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists every cached spec with its origin and verification state.
    List,
    /// Shows one entry: where it is, its provenance, hashes and verification records.
    Show {
        /// The canonical key, e.g. fwd-h100-bf16-d128-causal.
        key: String,
    },
    /// Cache maintenance.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Shows the CUDA toolchain the build would use.
    Toolchain,
    /// Writes qimeng.lock for the workspace's kernels; with --check, fails on any difference.
    Prepare(prepare::PrepareArgs),
    /// The Thinking Language: check or interpret a kernel plan (kernel.tl).
    #[command(subcommand)]
    Tl(tl::TlCommand),
    /// Generates a kernel no cache holds through the configured LLM (TL sketch, TL program,
    /// CUDA, each gated) and writes it to the cache; --dry-run writes the prompts only.
    Generate(generate::GenerateArgs),
    /// Prints the coverage table of the cache (markdown): origin, TL check, GPU verification,
    /// max error and measured speed of every spec; --out docs/COVERAGE.md writes it.
    Coverage(coverage::CoverageArgs),
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Checks that every entry is complete and matches its recorded hashes.
    Check,
    /// Records fresh hashes in meta.json after an intended edit of an entry.
    Seal {
        /// Keys to seal; none with --all.
        keys: Vec<String>,
        /// Seal every entry of the first cache directory.
        #[arg(long)]
        all: bool,
        /// Origin recorded for entries that have no meta.json yet.
        #[arg(long, default_value = "curated")]
        origin: String,
        /// Date recorded (YYYY-MM-DD); default today (UTC).
        #[arg(long)]
        date: Option<String>,
    },
    /// Adds the verification records of a GPU test run (JSON lines written by the GPU test
    /// suite with QIMENG_VERIFY_LOG) to the entries' meta.json.
    Record {
        /// The JSON-lines file.
        log: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut cache = Cache::standard(std::env::current_dir().ok().as_deref());
    if let Some(d) = &cli.cache_dir {
        cache.dirs.insert(0, d.clone());
    }
    match run(cli.command, &cache, cli.cache_dir.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_key(key: &str) -> Result<KernelSpec, String> {
    KernelSpec::from_key(key).ok_or_else(|| {
        // The format lives in one place, the key's doc: pointing there keeps this message
        // right when a variant adds a suffix.
        format!(
            "`{key}` is not a kernel key: keys are made by qimeng_spec::Spec::key (e.g. \
             fwd-h100-bf16-d128-causal, fwd-h100-bf16-d128-causal-w1024_0-varlen) and \
             qimeng_spec::DecodeSpec::key (e.g. dec-h100-bf16-d128); `qimeng list` prints every \
             cached one"
        )
    })
}

fn run(command: Command, cache: &Cache, cache_dir: Option<&Path>) -> Result<(), String> {
    match command {
        Command::List => {
            say!("{:<32} {:<9} {:<8} verified", "key", "origin", "sm");
            for spec in cache.kernel_keys().map_err(|e| e.to_string())? {
                match cache.lookup(spec) {
                    Ok(Some(e)) => {
                        let v = e
                            .meta
                            .verification
                            .iter()
                            .rev()
                            .find(|v| v.content_hash == e.content_hash());
                        let verified = v.map_or("no".to_string(), |v| {
                            format!(
                                "{} on {} ({}), max err {:.2e}",
                                if v.passed { "passed" } else { "FAILED" },
                                v.card,
                                v.date,
                                v.max_error
                            )
                        });
                        say!(
                            "{:<32} {:<9} {:<8} {verified}",
                            spec.key(),
                            e.meta.provenance.origin,
                            spec.gpu_info().sm_arch()
                        );
                    }
                    Ok(None) => {}
                    Err(err) => say!("{:<32} DAMAGED: {err}", spec.key()),
                }
            }
            Ok(())
        }
        Command::Show { key } => {
            let spec = parse_key(&key)?;
            let e = cache
                .lookup(spec)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no cache entry for {key}"))?;
            say!("{}\n  spec: {spec}\n  dir: {}", spec.key(), e.dir.display());
            say!(
                "  origin: {} ({})  {}",
                e.meta.provenance.origin,
                e.meta.provenance.date,
                e.meta.provenance.notes
            );
            say!("  content: {}", e.content_hash());
            for (f, h) in &e.meta.files {
                say!("    {f}: {h}");
            }
            for v in &e.meta.verification {
                say!(
                    "  verified {}: {} {} ({}), {} shapes, max err {:.3e}, rel L2 {:.3e}{}",
                    v.date,
                    v.card,
                    v.mode,
                    if v.passed { "passed" } else { "FAILED" },
                    v.shapes,
                    v.max_error,
                    v.rel_l2,
                    if v.content_hash == e.content_hash() {
                        ""
                    } else {
                        " [older content]"
                    }
                );
            }
            Ok(())
        }
        Command::Cache(CacheCommand::Check) => {
            let mut bad = 0;
            let specs = cache.kernel_keys().map_err(|e| e.to_string())?;
            for spec in &specs {
                if let Err(e) = cache.lookup(*spec) {
                    say!("{e}");
                    bad += 1;
                }
            }
            if bad > 0 {
                return Err(format!("{bad} of {} entries are unusable", specs.len()));
            }
            say!("{} entries, all complete and unmodified", specs.len());
            Ok(())
        }
        Command::Cache(CacheCommand::Seal {
            keys,
            all,
            origin,
            date,
        }) => {
            let date = date.unwrap_or_else(qimeng_build::generate::today);
            check_date(&date, "--date")?;
            let root = cache.dirs.first().ok_or("no cache directory")?;
            let specs: Vec<KernelSpec> = if all {
                Cache {
                    dirs: vec![root.clone()],
                }
                .kernel_keys()
                .map_err(|e| e.to_string())?
            } else {
                keys.iter()
                    .map(|k| parse_key(k))
                    .collect::<Result<_, _>>()?
            };
            for spec in specs {
                let dir = root.join(spec.key());
                let meta = cache::seal(&dir, spec, &origin, &date).map_err(|e| e.to_string())?;
                say!(
                    "sealed {} ({} verification records kept)",
                    spec.key(),
                    meta.verification.len()
                );
            }
            Ok(())
        }
        Command::Cache(CacheCommand::Record { log }) => {
            let text =
                std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let record: RecordLine = serde_json::from_str(line)
                    .map_err(|e| format!("{}:{}: {e}", log.display(), n + 1))?;
                let spec = parse_key(&record.key)?;
                check_date(
                    &record.verification.date,
                    &format!("{}:{}: the record's date", log.display(), n + 1),
                )?;
                let entry: Entry = cache
                    .lookup(spec)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no cache entry for {}", record.key))?;
                if record.verification.content_hash != entry.content_hash() {
                    return Err(format!(
                        "{}: the run verified content {}, the entry now holds {}",
                        record.key,
                        record.verification.content_hash,
                        entry.content_hash()
                    ));
                }
                let mut meta = entry.meta.clone();
                meta.verification.retain(|v| {
                    !(v.card == record.verification.card
                        && v.date == record.verification.date
                        && v.content_hash == record.verification.content_hash)
                });
                meta.verification.push(record.verification);
                cache::write_meta(&entry.dir, &meta).map_err(|e| e.to_string())?;
                say!("recorded {}", record.key);
            }
            Ok(())
        }
        Command::Prepare(args) => prepare::run(&args, cache),
        Command::Tl(c) => tl::run(c),
        Command::Generate(args) => generate::run(args, cache, cache_dir),
        Command::Coverage(args) => coverage::run(&args, cache),
        Command::Toolchain => {
            let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
            let tc = Toolchain::find(&[&cwd]).map_err(|e| e.to_string())?;
            say!(
                "CUDA root: {} (found via {:?})",
                tc.root.display(),
                tc.source
            );
            say!("nvcc: {} ({})", tc.nvcc.display(), tc.version()?);
            say!("static cudart: {}", tc.lib.display());
            match &tc.cutlass_include {
                Some(c) => say!("CUTLASS/CuTe headers: {}", c.display()),
                None => say!("CUTLASS/CuTe headers: not installed"),
            }
            Ok(())
        }
    }
}

#[derive(serde::Deserialize)]
struct RecordLine {
    key: String,
    verification: cache::Verification,
}

/// Dates in meta.json are compared as text (the coverage table's speeds), so they must all be
/// `YYYY-MM-DD`; `what` names where the date came from.
fn check_date(date: &str, what: &str) -> Result<(), String> {
    if coverage::is_iso_date(date) {
        Ok(())
    } else {
        Err(format!(
            "{what} `{date}` is not a YYYY-MM-DD date (QIMENG_DATE sets it in GPU runs)"
        ))
    }
}
