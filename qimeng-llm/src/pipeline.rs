//! The two-stage workflow made dependable: stage 1a (TL sketch), stage 1b (the full TL
//! program), stage 2 (CUDA), each answer passed through its gates, each rejection sent back to
//! the model as a precise error for a bounded number of repairs.
//!
//! | stage | gates, in order |
//! |---|---|
//! | 1a sketch | `extract` (one ```tl block), `tl-parse`, `sketch` (a key-block loop and two GEMMs) |
//! | 1b params | `extract`, `tl-parse`, `tl-check` (against the GPU), `tl-interpret` (runs on small problems against the f64 reference) |
//! | 2 cuda | `extract` (```cuda kernel.cu, ```c kernel.h), `lint` (untrusted code: [`crate::lint`]), `abi` (the exact launch declaration and its definition), then the caller's [`CudaGate`] (nvcc for the target arch, bindgen on the header) |

use std::time::{Duration, Instant};

use qimeng_spec::Spec;
use serde::{Deserialize, Serialize};

use crate::client::{CallError, Client, Message};
use crate::prompts::{Context, PromptId, Rendered, TEMPLATES, expected_declaration};
use crate::secret::redact;
use crate::{extract, lint};

/// The longest message kept whole in a transcript; longer ones keep their start and end.
pub const TRANSCRIPT_MESSAGE_LIMIT: usize = 256 * 1024;
/// The longest gate error sent back to the model.
pub const FEEDBACK_LIMIT: usize = 12 * 1024;

/// The stages, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Stage 1a: the TL statements.
    Sketch,
    /// Stage 1b: the full TL program.
    Params,
    /// Stage 2: CUDA and its header.
    Cuda,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 3] = [Stage::Sketch, Stage::Params, Stage::Cuda];

    /// `stage 1a (sketch)` and so on.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Sketch => "stage 1a (TL sketch)",
            Stage::Params => "stage 1b (TL program)",
            Stage::Cuda => "stage 2 (CUDA)",
        }
    }
}

/// A gate's rejection of an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Which gate (`extract`, `tl-check`, `lint`, `nvcc`, ...).
    pub gate: String,
    /// The precise error, as the model is shown it.
    pub message: String,
}

impl Rejection {
    /// A rejection by `gate`.
    pub fn new(gate: impl Into<String>, message: impl Into<String>) -> Rejection {
        Rejection {
            gate: gate.into(),
            message: message.into(),
        }
    }
}

/// The last gate, which needs the toolchain: the caller (qimeng-build) compiles `kernel.cu`
/// for the spec's arch with the flags of a real build and binds `kernel.h`.
pub trait CudaGate {
    /// `Ok` when both files compile and bind; else the tool's diagnostics.
    fn check(&self, spec: &Spec, kernel_cu: &str, kernel_h: &str) -> Result<(), Rejection>;
}

/// What happens, for progress displays.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A stage starts.
    Stage {
        /// Which.
        stage: Stage,
    },
    /// A request for an answer is sent.
    Asking {
        /// Stage.
        stage: Stage,
        /// 1-based attempt.
        attempt: u32,
        /// Attempts allowed.
        of: u32,
    },
    /// A gate runs.
    Gate {
        /// Stage.
        stage: Stage,
        /// Gate name.
        gate: &'a str,
    },
    /// A gate rejected the answer.
    Rejected {
        /// Stage.
        stage: Stage,
        /// Attempt.
        attempt: u32,
        /// The rejection.
        rejection: &'a Rejection,
    },
    /// The stage's answer passed every gate.
    Accepted {
        /// Stage.
        stage: Stage,
        /// Attempt.
        attempt: u32,
    },
}

/// Receives [`Event`]s.
pub trait Progress {
    /// Called at each event.
    fn event(&self, event: &Event<'_>);
}

impl Progress for () {
    fn event(&self, _: &Event<'_>) {}
}

impl<F: Fn(&Event<'_>)> Progress for F {
    fn event(&self, event: &Event<'_>) {
        self(event)
    }
}

/// Everything said, stage by stage, with secrets removed: `transcript.json` of a generated
/// entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The spec's key.
    pub key: String,
    /// The model.
    pub model: String,
    /// The endpoint, without credentials.
    pub endpoint: String,
    /// The prompts used.
    pub prompts: Vec<PromptId>,
    /// The stages reached.
    pub stages: Vec<StageLog>,
}

/// One stage's conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageLog {
    /// Which stage.
    pub stage: Stage,
    /// The prompt's identity.
    pub prompt: PromptId,
    /// The messages: system, user, then answers and gate feedback in turn.
    pub messages: Vec<Message>,
    /// One record per answer asked for.
    pub attempts: Vec<AttemptLog>,
}

/// One answer and what the gates said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptLog {
    /// 1-based.
    pub attempt: u32,
    /// HTTP requests it took (retries included); 0 when the call failed.
    pub requests: u32,
    /// Seconds from asking to the gates' verdict.
    pub seconds: f64,
    /// The rejection, if the answer was rejected.
    pub rejection: Option<Rejection>,
    /// The call's error, if no answer came.
    pub call_error: Option<String>,
}

/// A kernel that passed every gate, ready to be written as a cache entry.
#[derive(Clone, Debug)]
pub struct Generated {
    /// Its spec.
    pub spec: Spec,
    /// The accepted sketch.
    pub sketch: String,
    /// `kernel.tl`.
    pub kernel_tl: String,
    /// `kernel.cu` (as compiled).
    pub kernel_cu: String,
    /// `kernel.h` (as bound).
    pub kernel_h: String,
    /// The model that wrote it.
    pub model: String,
    /// The prompts, in stage order.
    pub prompts: Vec<PromptId>,
    /// Answers asked for, over all stages.
    pub attempts: u32,
    /// The whole conversation.
    pub transcript: Transcript,
}

impl Generated {
    /// `transcript.json`: pretty, newline-terminated.
    pub fn transcript_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.transcript).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Why a kernel could not be generated. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A call to the LLM failed (after its retries).
    #[error("generating `{key}`: {source}")]
    Call {
        /// The spec's key.
        key: String,
        /// The call and why it failed.
        #[source]
        source: Box<CallError>,
        /// What was said before.
        transcript: Box<Transcript>,
    },
    /// Every answer of a stage was rejected.
    #[error(
        "generating `{key}`: {} failed: all {attempts} answers were rejected; the last by the \
         `{}` gate:\n{}",
        stage.label(), last.gate, last.message
    )]
    Exhausted {
        /// The spec's key.
        key: String,
        /// The stage.
        stage: Stage,
        /// Answers asked for.
        attempts: u32,
        /// The last rejection.
        last: Rejection,
        /// What was said.
        transcript: Box<Transcript>,
    },
    /// The time budget ran out between calls.
    #[error("generating `{key}`: the time budget of {budget:?} ran out during {}", stage.label())]
    Budget {
        /// The spec's key.
        key: String,
        /// The stage.
        stage: Stage,
        /// The budget.
        budget: Duration,
    },
    /// A prompt could not be rendered (its inputs are missing).
    #[error("generating `{key}`: cannot build the prompt: {message}")]
    Prompt {
        /// The spec's key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl GenerateError {
    /// The conversation up to the failure, if any was held.
    pub fn transcript(&self) -> Option<&Transcript> {
        match self {
            GenerateError::Call { transcript, .. }
            | GenerateError::Exhausted { transcript, .. } => Some(transcript),
            _ => None,
        }
    }
}

/// Drives the three stages for one spec.
#[derive(Clone, Debug)]
pub struct Generator {
    client: Client,
    context: Context,
}

impl Generator {
    /// A generator talking through `client`, its prompts filled from `context`.
    pub fn new(client: Client, context: Context) -> Generator {
        Generator { client, context }
    }

    /// The prompt context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Runs the three stages for `spec`; `cuda` is the last gate of stage 2.
    pub fn generate(
        &self,
        spec: &Spec,
        cuda: &dyn CudaGate,
        progress: &dyn Progress,
    ) -> Result<Generated, GenerateError> {
        let config = self.client.config();
        let key = spec.key();
        let start = Instant::now();
        let deadline = start + config.budget;
        let mut run = Run {
            generator: self,
            spec,
            deadline,
            progress,
            attempts: 0,
            transcript: Transcript {
                key: key.clone(),
                model: config.model.clone(),
                endpoint: config.display_url(),
                prompts: TEMPLATES.iter().map(|t| t.id()).collect(),
                stages: Vec::new(),
            },
        };
        let prompt_err = |message: String| GenerateError::Prompt {
            key: key.clone(),
            message,
        };

        let prompt = self.context.sketch_prompt(spec).map_err(prompt_err)?;
        let sketch = run.stage(Stage::Sketch, prompt, |answer, _| sketch_gate(answer))?;

        let prompt = self
            .context
            .params_prompt(spec, &sketch)
            .map_err(prompt_err)?;
        let kernel_tl = run.stage(Stage::Params, prompt, |answer, _| tl_gate(answer, spec))?;

        let prompt = self
            .context
            .cuda_prompt(spec, &kernel_tl)
            .map_err(prompt_err)?;
        let model = config.model.clone();
        let (kernel_cu, kernel_h) = run.stage(Stage::Cuda, prompt, |answer, progress| {
            cuda_gates(answer, spec, &model, cuda, progress)
        })?;
        Ok(Generated {
            spec: *spec,
            sketch,
            kernel_tl,
            kernel_cu,
            kernel_h,
            model: config.model.clone(),
            prompts: run.transcript.prompts.clone(),
            attempts: run.attempts,
            transcript: run.transcript,
        })
    }
}

struct Run<'g> {
    generator: &'g Generator,
    spec: &'g Spec,
    deadline: Instant,
    progress: &'g dyn Progress,
    attempts: u32,
    transcript: Transcript,
}

type GateFn<'s, T> = dyn FnMut(&str, &dyn Fn(&str)) -> Result<T, Rejection> + 's;

impl Run<'_> {
    fn stage<T>(
        &mut self,
        stage: Stage,
        prompt: Rendered,
        mut gate: impl FnMut(&str, &dyn Fn(&str)) -> Result<T, Rejection>,
    ) -> Result<T, GenerateError> {
        let gate: &mut GateFn<'_, T> = &mut gate;
        let config = self.generator.client.config();
        let key = config.api_key.as_ref();
        let n = config.attempts.max(1);
        self.progress.event(&Event::Stage { stage });
        let mut messages = vec![Message::system(&prompt.system), Message::user(&prompt.user)];
        self.transcript.stages.push(StageLog {
            stage,
            prompt: prompt.id.clone(),
            messages: messages.iter().map(|m| kept(m, key)).collect(),
            attempts: Vec::new(),
        });
        let mut last = None;
        for attempt in 1..=n {
            if Instant::now() >= self.deadline {
                return Err(GenerateError::Budget {
                    key: self.spec.key(),
                    stage,
                    budget: config.budget,
                });
            }
            self.progress.event(&Event::Asking {
                stage,
                attempt,
                of: n,
            });
            self.attempts += 1;
            let asked = Instant::now();
            let call = format!(
                "{} {}, attempt {attempt} of {n}",
                self.spec.key(),
                stage.label()
            );
            let reply = match self.generator.client.chat(&call, &messages, self.deadline) {
                Ok(r) => r,
                Err(e) => {
                    self.log(AttemptLog {
                        attempt,
                        requests: 0,
                        seconds: asked.elapsed().as_secs_f64(),
                        rejection: None,
                        call_error: Some(redact(&e.to_string(), key)),
                    });
                    return Err(GenerateError::Call {
                        key: self.spec.key(),
                        source: Box::new(e),
                        transcript: Box::new(self.transcript.clone()),
                    });
                }
            };
            let answer = Message::assistant(&reply.content);
            self.push(kept(&answer, key));
            messages.push(answer);
            let progress = self.progress;
            let on_gate = |g: &str| progress.event(&Event::Gate { stage, gate: g });
            let verdict = gate(&reply.content, &on_gate);
            let mut log = AttemptLog {
                attempt,
                requests: reply.requests,
                seconds: asked.elapsed().as_secs_f64(),
                rejection: None,
                call_error: None,
            };
            match verdict {
                Ok(t) => {
                    self.log(log);
                    self.progress.event(&Event::Accepted { stage, attempt });
                    return Ok(t);
                }
                Err(mut rejection) => {
                    rejection.message = clip(&redact(&rejection.message, key), FEEDBACK_LIMIT);
                    self.progress.event(&Event::Rejected {
                        stage,
                        attempt,
                        rejection: &rejection,
                    });
                    log.rejection = Some(rejection.clone());
                    self.log(log);
                    if attempt < n {
                        let fb = Message::user(feedback(stage, &rejection));
                        self.push(kept(&fb, key));
                        messages.push(fb);
                    }
                    last = Some(rejection);
                }
            }
        }
        Err(GenerateError::Exhausted {
            key: self.spec.key(),
            stage,
            attempts: n,
            last: last.unwrap_or_else(|| Rejection::new("none", "no answer")),
            transcript: Box::new(self.transcript.clone()),
        })
    }

    fn current(&mut self) -> Option<&mut StageLog> {
        self.transcript.stages.last_mut()
    }

    fn push(&mut self, m: Message) {
        if let Some(s) = self.current() {
            s.messages.push(m);
        }
    }

    fn log(&mut self, a: AttemptLog) {
        if let Some(s) = self.current() {
            s.attempts.push(a);
        }
    }
}

/// The message sent back after a rejection.
pub fn feedback(stage: Stage, r: &Rejection) -> String {
    let what = match stage {
        Stage::Sketch => "the complete sketch in one ```tl block",
        Stage::Params => "the complete TL program in one ```tl block",
        Stage::Cuda => "both files, complete, in the blocks ```cuda kernel.cu and ```c kernel.h",
    };
    format!(
        "Your answer was rejected by the `{}` gate:\n\n{}\n\nFix exactly this (change nothing \
         that was not wrong) and answer again with {what}.",
        r.gate, r.message
    )
}

/// `m` as a transcript keeps it: secrets removed, very long contents clipped.
fn kept(m: &Message, key: Option<&crate::ApiKey>) -> Message {
    Message {
        role: m.role.clone(),
        content: clip(&redact(&m.content, key), TRANSCRIPT_MESSAGE_LIMIT),
    }
}

fn clip(s: &str, limit: usize) -> String {
    if s.len() <= limit {
        return s.to_string();
    }
    let mut head = limit / 2;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - limit / 4;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n[... {} bytes left out ...]\n{}",
        &s[..head],
        tail - head,
        &s[tail..]
    )
}

/// Stage 1a: one ```tl block that parses, with a key-block loop and the two GEMMs.
pub fn sketch_gate(answer: &str) -> Result<String, Rejection> {
    let src = extract::one(answer, "tl").map_err(|e| Rejection::new("extract", e))?;
    qimeng_tl::parse(&src)
        .map_err(|e| Rejection::new("tl-parse", e.diagnostic().render(&src, "sketch.tl", false)))?;
    let code: Vec<&str> = src
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .collect();
    let loops = code.iter().filter(|l| l.starts_with("Loop")).count();
    let gemms = code
        .iter()
        .filter(|l| l.starts_with("Compute GEMM"))
        .count();
    if loops == 0 || gemms < 2 {
        return Err(Rejection::new(
            "sketch",
            format!(
                "the sketch has {loops} Loop statement(s) and {gemms} GEMM(s): a FlashAttention \
                 forward pass loops over key blocks and computes two GEMMs in the loop (scores \
                 S = Q K^T and O_acc += P V)"
            ),
        ));
    }
    Ok(src)
}

/// Stage 1b: one ```tl block that parses, checks against the spec's GPU and computes
/// attention on the interpreter's problems.
pub fn tl_gate(answer: &str, spec: &Spec) -> Result<String, Rejection> {
    let src = extract::one(answer, "tl").map_err(|e| Rejection::new("extract", e))?;
    match qimeng_tl::verify(&src, spec) {
        Ok(_) => Ok(src),
        Err(e) => {
            let gate = match &e {
                qimeng_tl::Error::Parse(_) => "tl-parse",
                qimeng_tl::Error::Check(_) => "tl-check",
                _ => "tl-interpret",
            };
            Err(Rejection::new(
                gate,
                qimeng_tl::diag::render_all(&e.diagnostics(), &src, "kernel.tl", false),
            ))
        }
    }
}

/// Stage 2: the two files extracted, each with a banner saying what wrote it, linted, their
/// ABI checked, then compiled and bound by `cuda`.
pub fn cuda_gates(
    answer: &str,
    spec: &Spec,
    model: &str,
    cuda: &dyn CudaGate,
    on_gate: &dyn Fn(&str),
) -> Result<(String, String), Rejection> {
    on_gate("extract");
    let cu = extract::file(answer, "kernel.cu").map_err(|e| Rejection::new("extract", e))?;
    let h = extract::file(answer, "kernel.h").map_err(|e| Rejection::new("extract", e))?;
    on_gate("lint");
    let sym = spec.symbol();
    let mut problems = Vec::new();
    for (name, text) in [("kernel.cu", &cu), ("kernel.h", &h)] {
        let v = lint::lint(text, &sym);
        if !v.is_empty() {
            problems.push(lint::render(name, &v));
        }
    }
    if !problems.is_empty() {
        return Err(Rejection::new("lint", problems.join("\n")));
    }
    on_gate("abi");
    abi_gate(spec, &cu, &h)?;
    let banner = |file: &str| {
        format!(
            "/* {file} of `{}`: generated by `qimeng generate` (model `{model}`, prompt \
             stage2-cuda v{}); the conversation is in transcript.json. */\n",
            spec.key(),
            crate::prompts::CUDA.version
        )
    };
    let cu = banner("kernel.cu") + &cu;
    let h = banner("kernel.h") + &h;
    on_gate("compile");
    cuda.check(spec, &cu, &h)?;
    Ok((cu, h))
}

/// The header declares the launch function exactly as the ABI says and includes the ABI; the
/// source includes the header and defines the function.
pub fn abi_gate(spec: &Spec, cu: &str, h: &str) -> Result<(), Rejection> {
    let sym = spec.symbol();
    let want = expected_declaration(spec);
    // Whitespace is free; every other character of the declaration must be there.
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let fail = |m: String| Err(Rejection::new("abi", m));
    if !h.contains("#include \"qimeng/abi.h\"") {
        return fail("kernel.h must `#include \"qimeng/abi.h\"` (the launch ABI)".into());
    }
    let decl = want.lines().last().unwrap_or_default();
    let found = squash(h).contains(&squash(decl));
    if !found {
        return fail(format!(
            "kernel.h does not declare the launch function exactly as the ABI requires; it \
             must contain\n    {decl}"
        ));
    }
    if h.matches(&sym).count() != 1 {
        return fail(format!(
            "kernel.h must declare `{sym}` exactly once, and nothing else by that name"
        ));
    }
    if !cu.contains("#include \"kernel.h\"") {
        return fail("kernel.cu must `#include \"kernel.h\"` first".into());
    }
    if !lint::defines_function(cu, &sym) {
        return fail(format!(
            "kernel.cu does not define the launch function `{sym}` (declared in kernel.h)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::from_key("fwd-t4-f16-d64-full").unwrap()
    }

    #[test]
    fn the_abi_gate_wants_the_exact_declaration() {
        let h = "#include \"qimeng/abi.h\"\nQIMENG_EXTERN_C int qimeng_fwd_t4_f16_d64_full( const QimengAttnArgs *args,\n void* stream );\n";
        let cu = "#include \"kernel.h\"\nQIMENG_EXTERN_C int qimeng_fwd_t4_f16_d64_full(const QimengAttnArgs* a, void* s) { return 0; }\n";
        assert_eq!(abi_gate(&spec(), cu, h), Ok(()));
        let bad = h.replace("void* stream", "int stream");
        assert!(
            abi_gate(&spec(), cu, &bad)
                .unwrap_err()
                .message
                .contains("exactly as the ABI")
        );
        let e = abi_gate(&spec(), "#include \"kernel.h\"\n", h).unwrap_err();
        assert!(e.message.contains("does not define"), "{e:?}");
        let e = abi_gate(&spec(), cu, "QIMENG_EXTERN_C int x();").unwrap_err();
        assert!(e.message.contains("qimeng/abi.h"), "{e:?}");
    }

    #[test]
    fn sketch_gate_needs_a_loop_and_two_gemms() {
        let e = sketch_gate("```tl\nSync\n```\n").unwrap_err();
        assert_eq!(e.gate, "sketch");
        let e = sketch_gate("no block").unwrap_err();
        assert_eq!(e.gate, "extract");
    }

    #[test]
    fn clipping_keeps_both_ends() {
        let s = "a".repeat(100) + &"b".repeat(100);
        let c = clip(&s, 40);
        assert!(c.starts_with("aaaa") && c.ends_with("bbbb") && c.contains("left out"));
    }
}
