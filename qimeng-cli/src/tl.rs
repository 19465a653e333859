//! `qimeng tl check` and `qimeng tl run`: the Thinking Language checker and interpreter of
//! qimeng-tl on one file, with diagnostics rendered the way rustc renders them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use qimeng_spec::{DType, Gpu, Spec};
use qimeng_tl::ast::{Allocate, Space, StmtKind};
use qimeng_tl::check::walk;
use qimeng_tl::diag::render_all;
use qimeng_tl::{Diagnostic, Program, Target};

/// The `tl` subcommands.
#[derive(Subcommand)]
pub enum TlCommand {
    /// Parses and checks a TL program against a GPU (and a spec, when known).
    Check(TlArgs),
    /// Checks, then interprets a TL program on small random problems against the f64 reference.
    Run(TlArgs),
}

/// Which file, against what.
#[derive(Args)]
pub struct TlArgs {
    /// The TL program (e.g. kernels-cache/fwd-t4-f16-d64-full/kernel.tl).
    file: PathBuf,
    /// The GPU to check against (t4, a100, h100, ...). Default: the spec's.
    #[arg(long)]
    gpu: Option<String>,
    /// The kernel key the program implements. Default: the file's directory name when it is a
    /// key; otherwise dtype, head_dim and causality are read from the program.
    #[arg(long)]
    spec: Option<String>,
}

/// Runs one `tl` command; diagnostics go to stderr (in colour on a terminal).
pub fn run(command: TlCommand) -> Result<(), String> {
    let (args, interpret) = match command {
        TlCommand::Check(a) => (a, false),
        TlCommand::Run(a) => (a, true),
    };
    let source = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let file = args.file.display().to_string();
    let color = std::io::stderr().is_terminal();
    let fail = |diags: Vec<Diagnostic>| -> String {
        eprint!("{}", render_all(&diags, &source, &file, color));
        let n = diags.len();
        format!(
            "{file}: rejected with {n} error{}",
            if n == 1 { "" } else { "s" }
        )
    };
    let program = qimeng_tl::parse(&source).map_err(|e| fail(vec![e.diagnostic()]))?;
    let decode = match &args.spec {
        Some(k) => qimeng_spec::DecodeSpec::from_key(k),
        None => decode_key_of_dir(&args.file),
    };
    if let Some(d) = decode {
        return run_decode(&program, d, args.gpu.as_deref(), interpret, &file, fail);
    }
    let spec = match &args.spec {
        Some(k) => Some(Spec::from_key(k).ok_or_else(|| format!("`{k}` is not a kernel key"))?),
        None => key_of_dir(&args.file),
    };
    let gpu = match (&args.gpu, spec) {
        (Some(g), _) => Gpu::from_name(g)
            .ok_or_else(|| format!("unknown GPU `{g}` (known: {})", Gpu::known_names()))?,
        (None, Some(s)) => s.gpu,
        (None, None) => return Err("name the GPU with --gpu (or the spec with --spec)".into()),
    };
    let target = match spec {
        Some(s) => Target {
            gpu,
            ..Target::from(s)
        },
        None => Target::gpu(gpu),
    };
    let report = qimeng_tl::check(&program, &target);
    if !report.is_ok() {
        return Err(fail(report.diagnostics));
    }
    say!(
        "{file}: checked for {} ({}): {:.1} KiB shared memory, ~{} registers per thread",
        gpu,
        gpu.info().sm_arch(),
        report.smem_bytes as f64 / 1024.0,
        report.registers
    );
    if !interpret {
        return Ok(());
    }
    let spec = match spec {
        Some(s) => Spec { gpu, ..s },
        None => infer_spec(&program, gpu)?,
    };
    let runs = qimeng_tl::run_spec(&program, &spec).map_err(|e| fail(vec![e.diagnostic()]))?;
    let mut ok = true;
    for r in &runs {
        say!(
            "  {} {}",
            if r.comparison.passed { "ok  " } else { "FAIL" },
            r.summary()
        );
        ok &= r.comparison.passed;
    }
    if ok {
        say!(
            "{file}: computes attention ({}) on all {} problems",
            spec,
            runs.len()
        );
        Ok(())
    } else {
        Err(format!("{file}: the program computes the wrong function"))
    }
}

/// A decode plan (`dec-*` spec): the decode checker, then the splits and the combine on the
/// decode cases.
fn run_decode(
    program: &Program,
    spec: qimeng_spec::DecodeSpec,
    gpu: Option<&str>,
    interpret: bool,
    file: &str,
    fail: impl Fn(Vec<Diagnostic>) -> String,
) -> Result<(), String> {
    let gpu = match gpu {
        Some(g) => Gpu::from_name(g)
            .ok_or_else(|| format!("unknown GPU `{g}` (known: {})", Gpu::known_names()))?,
        None => spec.gpu,
    };
    let spec = qimeng_spec::DecodeSpec { gpu, ..spec };
    let report = qimeng_tl::check_decode(program, &spec);
    if !report.is_ok() {
        return Err(fail(report.diagnostics));
    }
    say!(
        "{file}: decode plan checked for {} ({}): {:.1} KiB shared memory, ~{} registers per thread",
        gpu,
        gpu.info().sm_arch(),
        report.smem_bytes as f64 / 1024.0,
        report.registers
    );
    if !interpret {
        return Ok(());
    }
    let mut ok = true;
    let cases = qimeng_tl::decode_cases(&spec);
    for (n, c) in cases.iter().enumerate() {
        let r = qimeng_tl::run_decode(program, spec.dtype, c, 2000 + n as u64)
            .map_err(|e| fail(vec![e.diagnostic()]))?;
        say!(
            "  {} {}",
            if r.passed { "ok  " } else { "FAIL" },
            r.summary()
        );
        ok &= r.passed;
    }
    if ok {
        say!(
            "{file}: computes decode attention ({spec}) on all {} cases",
            cases.len()
        );
        Ok(())
    } else {
        Err(format!("{file}: the program computes the wrong function"))
    }
}

/// The decode spec named by the file's directory (`kernels-cache/dec-*/kernel.tl`).
fn decode_key_of_dir(file: &Path) -> Option<qimeng_spec::DecodeSpec> {
    let dir = file.canonicalize().ok()?;
    qimeng_spec::DecodeSpec::from_key(dir.parent()?.file_name()?.to_str()?)
}

/// The spec named by the file's directory (`kernels-cache/<key>/kernel.tl`).
fn key_of_dir(file: &Path) -> Option<Spec> {
    let dir = file.canonicalize().ok()?;
    Spec::from_key(dir.parent()?.file_name()?.to_str()?)
}

/// dtype from `Q`'s allocation, head_dim from `param D`, causal from a mask over `query`.
fn infer_spec(program: &Program, gpu: Gpu) -> Result<Spec, String> {
    let (mut dtype, mut head_dim, mut causal) = (None::<DType>, None, false);
    walk(&program.stmts, &mut |s| match &s.kind {
        StmtKind::Allocate(Allocate {
            names,
            space: Space::Global,
            dtype: d,
            ..
        }) if names.iter().any(|n| n == "Q") => dtype = Some(*d),
        StmtKind::Param(ps) => {
            for (n, v) in ps {
                if n == "D" {
                    head_dim = u32::try_from(*v).ok();
                }
            }
        }
        StmtKind::Compute(qimeng_tl::ast::Compute::Mask { cond, .. }) => {
            causal |= qimeng_tl::eval::mentions(&cond.lhs, "query")
                || qimeng_tl::eval::mentions(&cond.rhs, "query");
        }
        _ => {}
    });
    Ok(Spec {
        gpu,
        dtype: dtype.ok_or("the program allocates no global `Q`: pass --spec")?,
        head_dim: head_dim.ok_or("the program declares no `param D`: pass --spec")?,
        causal,
        // A window or softcap plan is interpreted against the spec its directory names.
        variants: qimeng_spec::Variants::NONE,
    })
}
