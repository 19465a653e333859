//! `qimeng generate`: fills the cache with one spec ahead of time, through the LLM the
//! environment (or `~/.config/qimeng/llm.toml`) configures; the same code the build script
//! runs on a miss. `--dry-run` writes the rendered prompts instead and needs no LLM.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use qimeng_build::cache::Cache;
use qimeng_build::generate::{self, Written};
use qimeng_llm::{Config, Event, Progress, Rendered, Stage};
use qimeng_spec::{Arg, Spec, Value};
use qimeng_toolchain::Toolchain;

/// What to generate, and where.
#[derive(Args)]
pub struct GenerateArgs {
    /// The GPU (t4, a100, h100, l4, ...).
    #[arg(long)]
    gpu: String,
    /// The element type (f16, bf16).
    #[arg(long)]
    dtype: String,
    /// The head dimension.
    #[arg(long)]
    head_dim: u64,
    /// Causal (bottom-right) masking.
    #[arg(long)]
    causal: bool,
    /// Sliding window `LEFT,RIGHT` (causal needs RIGHT = 0).
    #[arg(long, value_parser = parse_window)]
    window: Option<(u64, u64)>,
    /// Logit softcap (a whole number, e.g. 50).
    #[arg(long)]
    softcap: Option<u64>,
    /// ALiBi biases (per-head slopes given at run time).
    #[arg(long)]
    alibi: bool,
    /// Packed variable-length batches (cu_seqlens given at run time).
    #[arg(long)]
    varlen: bool,
    /// Generate even when a cache already holds the spec. The new entry goes to the first
    /// cache directory, which is searched first, so it shadows the one found.
    #[arg(long)]
    force: bool,
    /// Write the three rendered prompts to files in --prompts-dir and stop (no LLM needed).
    #[arg(long)]
    dry_run: bool,
    /// Where --dry-run writes the prompts. Default: ./qimeng-prompts/<key>.
    #[arg(long)]
    prompts_dir: Option<PathBuf>,
}

/// Runs `qimeng generate`. The entry goes to `--cache-dir`, else `$QIMENG_CACHE_DIR`, else
/// `./kernels-cache`.
fn parse_window(s: &str) -> Result<(u64, u64), String> {
    let (l, r) = s
        .split_once(',')
        .ok_or_else(|| format!("`{s}`: expected LEFT,RIGHT"))?;
    let n = |x: &str| x.trim().parse::<u64>().map_err(|e| format!("`{x}`: {e}"));
    Ok((n(l)?, n(r)?))
}

pub fn run(args: GenerateArgs, cache: &Cache, cache_dir: Option<&Path>) -> Result<(), String> {
    let mut attr = vec![
        Arg::new("gpu", Value::Str(args.gpu.clone())),
        Arg::new("dtype", Value::Str(args.dtype.clone())),
        Arg::new("head_dim", Value::Int(args.head_dim)),
        Arg::new("causal", Value::Bool(args.causal)),
    ];
    if let Some((l, r)) = args.window {
        attr.push(Arg::new(
            "window",
            Value::Tuple(vec![Value::Int(l), Value::Int(r)]),
        ));
    }
    if let Some(c) = args.softcap {
        attr.push(Arg::new("softcap", Value::Int(c)));
    }
    if args.alibi {
        attr.push(Arg::new("alibi", Value::Bool(true)));
    }
    if args.varlen {
        attr.push(Arg::new("varlen", Value::Bool(true)));
    }
    let spec = Spec::from_args(&attr).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let context = generate::context();
    if args.dry_run {
        let dir = args
            .prompts_dir
            .unwrap_or_else(|| PathBuf::from("qimeng-prompts").join(spec.key()));
        return dry_run(&spec, &context, &dir);
    }
    if let Some(e) = cache
        .lookup(spec)
        .map_err(|e| e.to_string())?
        .filter(|_| !args.force)
    {
        say!(
            "`{}` is already in the cache ({}, {}); nothing to do",
            spec.key(),
            e.dir.display(),
            e.meta.provenance.origin
        );
        return Ok(());
    }
    if qimeng_llm::config::offline() {
        return Err(format!(
            "{}=1: no LLM may be called. Unset it to generate `{}`.",
            qimeng_llm::config::OFFLINE_ENV,
            spec.key()
        ));
    }
    let config = Config::from_env()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "no LLM is configured: set {} (e.g. https://api.deepseek.com/v1), {} and, if the \
             endpoint needs one, {}; or write them as base_url, model, api_key in {}. \
             `--dry-run` writes the prompts without an LLM.",
                qimeng_llm::config::BASE_URL_ENV,
                qimeng_llm::config::MODEL_ENV,
                qimeng_llm::config::API_KEY_ENV,
                qimeng_llm::config::config_file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.config/qimeng/llm.toml".into())
            )
        })?;
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let toolchain = Toolchain::find(&[&cwd]).map_err(|e| e.to_string())?;
    let target = cache_dir
        .map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os(qimeng_build::cache::CACHE_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| cwd.join("kernels-cache"));
    let scratch = std::env::temp_dir().join("qimeng-generate");
    say!(
        "generating `{}` with `{}` at {} (budget {:?}, {} answers per stage)",
        spec.key(),
        config.model,
        config.display_url(),
        config.budget,
        config.attempts
    );
    let bars = Bars::new();
    let result = generate::generate(&spec, config, &toolchain, &target, &scratch, &bars);
    bars.finish();
    match result.map_err(|e| e.to_string())? {
        Written::Created(e) => say!(
            "wrote {} (origin generated; not yet verified on a GPU: run the GPU suite)",
            e.dir.display()
        ),
        Written::AlreadyThere(e) => say!(
            "{} was written meanwhile by another run; kept it, discarded this one",
            e.dir.display()
        ),
    }
    Ok(())
}

/// Writes the three prompts as they would be sent (stage 1b and 2 with a marker where the
/// previous stage's accepted answer goes).
fn dry_run(spec: &Spec, context: &qimeng_llm::Context, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let sketch = "# (the sketch accepted in stage 1a goes here)\n";
    let tl = "# (the TL program accepted in stage 1b goes here)\n";
    let prompts: Vec<Rendered> = vec![
        context.sketch_prompt(spec)?,
        context.params_prompt(spec, sketch)?,
        context.cuda_prompt(spec, tl)?,
    ];
    for p in &prompts {
        let path = dir.join(format!("{}.v{}.md", p.id.name, p.id.version));
        std::fs::write(&path, p.to_markdown()).map_err(|e| format!("{}: {e}", path.display()))?;
        say!(
            "wrote {} ({} bytes)",
            path.display(),
            p.user.len() + p.system.len()
        );
    }
    Ok(())
}

/// One progress line per stage.
struct Bars {
    multi: MultiProgress,
    bars: RefCell<Vec<(Stage, ProgressBar)>>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            multi: MultiProgress::new(),
            bars: RefCell::new(Vec::new()),
        }
    }

    fn bar(&self, stage: Stage) -> ProgressBar {
        let mut bars = self.bars.borrow_mut();
        if let Some((_, b)) = bars.iter().find(|(s, _)| *s == stage) {
            return b.clone();
        }
        let b = self.multi.add(ProgressBar::new_spinner());
        b.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<22} [{elapsed:>4}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.set_prefix(stage.label());
        b.enable_steady_tick(Duration::from_millis(120));
        bars.push((stage, b.clone()));
        b
    }

    fn finish(&self) {
        for (_, b) in self.bars.borrow().iter() {
            if !b.is_finished() {
                b.abandon();
            }
        }
    }
}

impl Progress for Bars {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::Stage { stage } => self.bar(*stage).set_message("starting"),
            Event::Asking { stage, attempt, of } => self
                .bar(*stage)
                .set_message(format!("answer {attempt}/{of}: waiting for the model")),
            Event::Gate { stage, gate } => {
                self.bar(*stage).set_message(format!("checking: {gate}"))
            }
            Event::Rejected {
                stage,
                attempt,
                rejection,
            } => {
                let b = self.bar(*stage);
                let first = rejection.message.lines().next().unwrap_or("");
                b.println(format!(
                    "  {} answer {attempt} rejected by `{}`: {first}",
                    stage.label(),
                    rejection.gate
                ));
            }
            Event::Accepted { stage, attempt } => self
                .bar(*stage)
                .finish_with_message(format!("accepted (answer {attempt})")),
            _ => {}
        }
    }
}
