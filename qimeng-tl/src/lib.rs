//! The Thinking Language (TL) of qimeng: the plan an LLM writes before any CUDA, made a real
//! language with a parser, a printer, a checker against the GPU table and a CPU interpreter.
//!
//! The language is specified in `docs/TL.md`. A program is the body of one thread block of a
//! FlashAttention forward kernel; [`verify`] parses it, checks it against a [`Spec`] and runs it
//! on small random problems against the f64 reference, so a plan that computes the wrong
//! function is caught before a kernel exists.
//!
//! # Example
//!
//! ```
//! use qimeng_spec::{DecodeSpec, Spec};
//!
//! let spec = Spec::from_key("fwd-a100-bf16-d128-causal").unwrap();
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../kernels-cache/fwd-a100-bf16-d128-causal");
//! let source = std::fs::read_to_string(format!("{dir}/kernel.tl")).unwrap();
//!
//! let verified = qimeng_tl::verify(&source, &spec).unwrap();
//! assert!(verified.runs.iter().all(|r| r.comparison.passed));
//! println!("{}", verified.runs[2].summary()); // b=2 s_q=17 s_k=150 h=4:1 d=128 causal: max error ...
//!
//! // The same plan on a T4 is rejected: bf16 is not a tensor-core dtype of sm_75.
//! let t4 = Spec { gpu: qimeng_spec::Gpu::T4, ..spec };
//! let err = qimeng_tl::verify(&source, &t4).unwrap_err();
//! assert!(err.to_string().contains("tensor-core-dtype"));
//! ```
//!
//! # Round trip
//!
//! ```
//! let p = qimeng_tl::parse("param BM = 64, BN = 64, D = 64, WARPS = 4\nSync\n").unwrap();
//! assert_eq!(qimeng_tl::parse(&p.to_string()).unwrap(), p);
//! ```
#![deny(missing_docs)]

pub mod ast;
pub mod check;
pub mod decode;
pub mod diag;
pub mod eval;
pub mod interp;
mod parse;
mod print;

pub use ast::Program;
pub use check::{Report, Target, check};
pub use decode::{DecodeCase, DecodeRun, check_decode, decode_cases, run_decode};
pub use diag::{Diagnostic, Severity};
pub use interp::{InterpretError, Mismatch, Run, run_spec, spec_problems, standard_problems};
pub use parse::{ParseError, parse};
pub use print::StmtLine;

use qimeng_spec::{DecodeSpec, Spec};

/// A program that passed: what the checker measured and every interpreted run.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The parsed program.
    pub program: Program,
    /// The checker's report (no errors).
    pub report: Report,
    /// One run per problem of [`spec_problems`], all passing.
    pub runs: Vec<Run>,
}

/// Why a program was rejected.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// It does not parse.
    #[error("{}", .0.diagnostic())]
    Parse(#[from] ParseError),
    /// The checker rejected it (every error found, in program order).
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Check(Vec<Diagnostic>),
    /// A statement faulted while running.
    #[error("{}", .0.diagnostic())]
    Interpret(#[from] InterpretError),
    /// It ran but computed the wrong function.
    #[error("error[interpret]: the program computes the wrong function on {}", .0.summary())]
    Mismatch(Box<Run>),
    /// A decode plan ran but computed the wrong function.
    #[error("error[interpret]: the program computes the wrong function on {}", .0.summary())]
    DecodeMismatch(Box<DecodeRun>),
}

impl Error {
    /// The rejection as diagnostics, ready to [`Diagnostic::render`].
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Error::Parse(e) => vec![e.diagnostic()],
            Error::Check(d) => d.clone(),
            Error::Interpret(e) => vec![e.diagnostic()],
            Error::Mismatch(run) => vec![
                Diagnostic::error(
                    "interpret",
                    None,
                    format!("the program computes the wrong function on {}", run.shape()),
                )
                .note(run.summary()),
            ],
            Error::DecodeMismatch(run) => vec![
                Diagnostic::error("interpret", None, "the program computes the wrong function")
                    .note(run.summary()),
            ],
        }
    }
}

/// Parses, checks against `spec` and interprets on [`spec_problems`]; the first stage that
/// rejects the program gives the error.
pub fn verify(source: &str, spec: &Spec) -> Result<Verified, Error> {
    let program = parse(source)?;
    let report = check(&program, &Target::from(*spec));
    if !report.is_ok() {
        return Err(Error::Check(report.diagnostics));
    }
    let runs = run_spec(&program, spec)?;
    if let Some(bad) = runs.iter().find(|r| !r.comparison.passed) {
        return Err(Error::Mismatch(Box::new(bad.clone())));
    }
    Ok(Verified {
        program,
        report,
        runs,
    })
}

/// A decode plan that passed.
#[derive(Clone, Debug)]
pub struct VerifiedDecode {
    /// The parsed program.
    pub program: Program,
    /// The checker's report (no errors).
    pub report: Report,
    /// One run per case of [`decode_cases`], all passing.
    pub runs: Vec<DecodeRun>,
}

/// [`verify`] for a decode plan: parses, checks against `spec` ([`check_decode`]) and runs the
/// splits and the combine on [`decode_cases`].
pub fn verify_decode(source: &str, spec: &DecodeSpec) -> Result<VerifiedDecode, Error> {
    let program = parse(source)?;
    let report = check_decode(&program, spec);
    if !report.is_ok() {
        return Err(Error::Check(report.diagnostics));
    }
    let runs = decode_cases(spec)
        .iter()
        .enumerate()
        .map(|(n, c)| run_decode(&program, spec.dtype, c, 2000 + n as u64))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(bad) = runs.iter().find(|r| !r.passed) {
        return Err(Error::DecodeMismatch(Box::new(bad.clone())));
    }
    Ok(VerifiedDecode {
        program,
        report,
        runs,
    })
}
