//! The LLM side of qimeng: generates the kernel of a spec that no cache holds, in the
//! two-stage workflow of QiMeng-Attention (arXiv 2506.12355) — a plan in the Thinking Language
//! (first its statements, then its parameters), then CUDA translated from the plan — with a
//! gate after every answer that sends a precise error back to the model.
//!
//! # Example
//!
//! ```no_run
//! use qimeng_llm::{Client, Config, Context, Generator, Rejection};
//! use qimeng_spec::Spec;
//!
//! struct NoCompiler;
//! impl qimeng_llm::CudaGate for NoCompiler {
//!     fn check(&self, _: &Spec, _: &str, _: &str) -> Result<(), Rejection> { Ok(()) }
//! }
//!
//! // QIMENG_LLM_BASE_URL, QIMENG_LLM_MODEL, QIMENG_LLM_API_KEY (or ~/.config/qimeng/llm.toml)
//! let config = Config::from_env()?.expect("no LLM configured");
//! let context = Context::new("kernels-cache/include", "kernels-cache".as_ref());
//! let generator = Generator::new(Client::new(config), context);
//! let spec = Spec::from_key("fwd-l4-bf16-d128-causal").unwrap();
//! let generated = generator.generate(&spec, &NoCompiler, &())?;
//! println!("{}", generated.kernel_tl);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! qimeng-build supplies the real [`CudaGate`] (nvcc with the build's flags, bindgen on the
//! header) and writes the result as a cache entry; `qimeng generate` and the build script both
//! go through it.
//!
//! # Modules
//!
//! - [`client`]: chat completions over `ureq`: timeouts, retries with backoff honouring
//!   `Retry-After`, a time budget per kernel, errors that name the call.
//! - [`config`]: the environment and the config file.
//! - [`secret`]: the API key, which never reaches a log, error, transcript or file.
//! - [`prompts`]: the three versioned prompt files and what fills them.
//! - [`extract`], [`lint`], [`pipeline`]: the gates and the stage loop.
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod extract;
#[cfg(feature = "fake-server")]
pub mod fake_server;
pub mod lint;
pub mod pipeline;
pub mod prompts;
pub mod secret;

pub use client::{CallError, CallErrorKind, Client, Message, Reply};
pub use config::{Config, ConfigError};
pub use pipeline::{
    CudaGate, Event, GenerateError, Generated, Generator, Progress, Rejection, Stage, Transcript,
};
pub use prompts::{Context, PromptId, Rendered};
pub use secret::ApiKey;

/// `sha256:<hex>` of `bytes` (the form qimeng's cache records hashes in).
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
