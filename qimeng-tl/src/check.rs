//! The checker: does a program fit its GPU, and is it the online-softmax algorithm?
//!
//! Every rejection is a [`Diagnostic`] that names the statement (its line and text) and the
//! rule broken. Rules (the `rule` field):
//!
//! | rule | what it rejects |
//! |---|---|
//! | `param` | missing or duplicate parameters, `D` unlike the spec's head_dim |
//! | `unknown-name` | a buffer nothing allocated |
//! | `unwritten-read` | a read of a buffer nothing wrote before |
//! | `smem-budget` | shared memory over the GPU's per-block limit |
//! | `register-budget` | estimated registers per thread over 255 (or the role's budget) |
//! | `tile-divisibility` | tiles the tensor-core shapes do not divide |
//! | `tensor-core-dtype` | a GEMM operand dtype the GPU's tensor cores lack (bf16 on sm_75) |
//! | `dtype` | dtypes that disagree (spec, declaration, contents, conversion) |
//! | `copy-engine` | `async` before sm_80, `tma` and `registers` before sm_90 |
//! | `coordinate` | a tile at the wrong coordinate or of the wrong size |
//! | `load-bounds` | a load past the sequence without `rows >= S as zeros`, a store without `rows < S_q` |
//! | `sync` | shared memory read after a copy with no `Sync` between |
//! | `gemm-shape` | GEMM operands whose shapes do not chain, accumulators not f32 registers |
//! | `reshape-missing` | a GEMM operand still in accumulator layout |
//! | `tail-mask` | scores past `S_k` not masked (or masked with the wrong condition) |
//! | `causal-mask` | causal spec without the diagonal mask, or a mask the spec does not have |
//! | `window-mask` | a window edge masked off by one (or not at all), a window the spec lacks |
//! | `softcap` | the cap missing, of the wrong value, or applied after a mask or in the log2 domain |
//! | `alibi` | an ALiBi spec's bias missing, of the wrong sign or alignment, in units unlike the scores', after a mask; a bias the spec lacks |
//! | `gqa-mapping` | K/V not at head `h / GROUP`, Q/O not at head `h`, batch not `b` |
//! | `varlen` | a varlen spec's tensor addressed `at batch` (a batch stride over packed rows crosses sequences), or `at sequence` without varlen |
//! | `online-softmax` | a running max never updated, an accumulator or row sum not rescaled |
//! | `softmax-scale` | scores not scaled by `softmax_scale` (times `log2(e)` for `exp2`) |
//! | `normalize` | the output stored before it is divided by the row sum |
//! | `structure` | statements in places they cannot be (GEMM outside a loop over key blocks, ...) |
//! | `barrier` | a ring stage read before its full barrier's wait, refilled before its empty barrier's wait, never released, or a barrier nothing arrives on |
//! | `wgmma` | `on wgmma` before sm_90a, or a BM that is not 64 rows per warpgroup of the GEMM role |
//! | `schedule` | `pingpong` without `overlap` or with one warpgroup, `overlap` with synchronous GEMMs, roles whose warps do not add up to `WARPS`; `Schedule` lines out of place (nested, after other statements, a `when` missing on an earlier schedule or present on the last, a condition over other names than `S_q`, `S_k`) |
//! | `paged` | (decode, `crate::decode`) K/V read without the block table or past the cache length |
//! | `split-combine` | (decode) no split loop, partials not written, no combine, partials merged without their lse rescale |

use std::collections::{HashMap, HashSet};

use qimeng_spec::{DType, Gpu, GpuInfo, Spec, Variants};

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::eval::{self, Env};

/// What a program is checked against: a GPU and, when known, the spec's dtype, head_dim and
/// causality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The card.
    pub gpu: Gpu,
    /// Element type of q, k, v, out; `None`: taken from the program.
    pub dtype: Option<DType>,
    /// Head dimension; `None`: taken from `param D`.
    pub head_dim: Option<u32>,
    /// Causal masking; `None`: whatever the program's masks say.
    pub causal: Option<bool>,
    /// Window and softcap; `None`: whatever the program says.
    pub variants: Option<Variants>,
}

impl Target {
    /// Only a GPU: everything else is taken from the program.
    pub fn gpu(gpu: Gpu) -> Target {
        Target {
            gpu,
            dtype: None,
            head_dim: None,
            causal: None,
            variants: None,
        }
    }
}

impl From<Spec> for Target {
    fn from(s: Spec) -> Target {
        Target {
            gpu: s.gpu,
            dtype: Some(s.dtype),
            head_dim: Some(s.head_dim),
            causal: Some(s.causal),
            variants: Some(s.variants),
        }
    }
}

/// The checker's findings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Rejections (and warnings), in program order.
    pub diagnostics: Vec<Diagnostic>,
    /// Shared memory the program allocates, bytes.
    pub smem_bytes: u64,
    /// Estimated registers per thread of the threads that hold the register tiles.
    pub registers: u64,
}

impl Report {
    /// Whether no error was found.
    pub fn is_ok(&self) -> bool {
        self.diagnostics
            .iter()
            .all(|d| d.severity != crate::diag::Severity::Error)
    }
}

/// Registers a thread needs besides its tiles (addresses, indices, loop state): an estimate.
pub const REGISTER_OVERHEAD: u64 = 40;
/// The most registers one thread may have.
pub const MAX_REGISTERS: u64 = 255;

/// Checks `program` against `target`. A program of several `Schedule`s is checked schedule by
/// schedule, each a whole program (the report's sizes are the largest of them).
pub fn check(program: &Program, target: &Target) -> Report {
    let schedules = program.schedules();
    if let [(None, _)] = schedules.as_slice() {
        let mut c = Checker::new(target);
        c.run(program);
        return c.report;
    }
    let mut report = Report {
        diagnostics: schedule_lines(program),
        ..Report::default()
    };
    for (_, p) in &schedules {
        let mut c = Checker::new(target);
        c.run(p);
        report.diagnostics.extend(c.report.diagnostics);
        report.smem_bytes = report.smem_bytes.max(c.report.smem_bytes);
        report.registers = report.registers.max(c.report.registers);
    }
    report
}

/// The `schedule` rule on the `Schedule` lines of a program that has some: first statement
/// (after comments), a `when` on each but the last, conditions over `S_q` and `S_k`.
fn schedule_lines(program: &Program) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let heads: Vec<(&Stmt, &Schedule)> = program
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Schedule(h) => Some((s, h)),
            _ => None,
        })
        .collect();
    if let Some(s) = program
        .stmts
        .iter()
        .take_while(|s| !matches!(s.kind, StmtKind::Schedule(_)))
        .find(|s| !matches!(s.kind, StmtKind::Blank | StmtKind::Comment(_)))
    {
        out.push(
            Diagnostic::error(
                "schedule",
                Some(s.span),
                "a statement before the first `Schedule` belongs to no schedule",
            )
            .help("each schedule is a whole program after its `Schedule` line"),
        );
    }
    let last = heads.len().saturating_sub(1);
    for (n, (s, h)) in heads.iter().enumerate() {
        match &h.when {
            None if n < last => out.push(
                Diagnostic::error(
                    "schedule",
                    Some(s.span),
                    "only the last `Schedule` may omit `when`: the schedules after it never run",
                )
                .help("state the shapes this schedule runs on: `when S_k <= 1024`"),
            ),
            Some(_) if n == last => out.push(
                Diagnostic::error(
                    "schedule",
                    Some(s.span),
                    "the last `Schedule` has a `when`: no schedule runs the other shapes",
                )
                .help("drop its `when`: it runs every shape no earlier schedule took"),
            ),
            Some(c) => {
                let env: Env = [("S_q".to_string(), 1), ("S_k".to_string(), 1)].into();
                if eval::cond(c, &env).is_err() {
                    out.push(Diagnostic::error(
                        "schedule",
                        Some(s.span),
                        "a schedule's condition is over `S_q`, `S_k` and integers only: the launcher picks it from the call's shape",
                    ));
                }
            }
            None => {}
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Plain,
    Accumulator,
    Operand,
}

#[derive(Clone, Debug)]
struct Buf {
    space: Space,
    dims: Vec<i64>,
    dtype: DType,
    content: DType,
    layout: Layout,
    written: bool,
    decl: Span,
    /// A copy into shared memory not yet made visible by a `Sync`: (copy statement, async?).
    pending: Option<(Span, bool)>,
    scaled: bool,
    tail_masked: bool,
    causal_masked: bool,
    /// The window's left edge (`key < query + S_k - S_q - left`) is masked.
    left_masked: bool,
    /// A two-sided window's right edge (`key > query + S_k - S_q + right`) is masked.
    right_masked: bool,
    /// `softcap` applied.
    softcapped: bool,
    /// The ALiBi `bias` added.
    biased: bool,
    normalized: bool,
    accumulated: bool,
}

#[derive(Default)]
struct LoopState {
    var: String,
    rowmax: Vec<String>,
    committed: Option<(String, String)>,
    rescaled: HashSet<String>,
    rescale_span: Option<Span>,
    span: Span,
    /// `role/barrier` pairs waited on in this iteration.
    waited: HashSet<String>,
    /// Guarded staged buffers read in this iteration: buffer -> (role, statement number, span).
    reads: HashMap<String, (String, u64, Span)>,
    /// Their releases (`Sync arrive <empty>`): buffer -> statement number.
    released: HashMap<String, u64>,
}

struct Checker<'a> {
    target: &'a Target,
    info: &'static GpuInfo,
    report: Report,
    params: HashMap<String, i64>,
    bufs: HashMap<String, Buf>,
    loops: Vec<LoopState>,
    roles: Vec<String>,
    /// Register buffers that start initialized (accumulators, running maxima).
    initialized: HashSet<String>,
    exp_base: Option<ExpBase>,
    causal_seen: bool,
    store_seen: bool,
    gemm_warps: Option<(u64, Option<u64>)>,
    /// Whether the program's GEMMs run `on fma` (CUDA cores) rather than on tensor cores.
    fma_gemms: bool,
    /// Whether any GEMM runs `on wgmma`.
    wgmma_gemms: bool,
    /// Declared barriers by guarded buffer.
    guards: HashMap<String, Barrier>,
    /// Declared barrier name -> (guarded buffer, whether it is the full barrier).
    barrier_of: HashMap<String, (String, bool)>,
    /// Barriers some statement arrives on.
    arrived_anywhere: HashSet<String>,
    /// `role/barrier` pairs waited on anywhere so far.
    waited_ever: HashSet<String>,
    /// Copies into guarded buffers whose full barrier has not been arrived on yet:
    /// (buffer, role, copy statement).
    unannounced: Vec<(String, String, Span)>,
    /// Each role's header: (warps, registers, pingpong, overlap).
    role_headers: HashMap<String, (u64, Option<u64>, bool, bool)>,
    /// Statements seen, in program order (orders reads and releases).
    seq: u64,
}

fn dim_text(dims: &[i64]) -> String {
    format!(
        "({})",
        dims.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Sample values of the run-time sizes, for comparing expressions with their meaning.
fn samples() -> Vec<Env> {
    let mut v = Vec::new();
    for (sq, sk) in [(1, 1), (17, 150), (150, 17), (64, 64), (100, 333)] {
        for group in [1, 4] {
            for h in [0, 1, 3, 6] {
                for b in [0, 2] {
                    let mut e = Env::new();
                    e.insert("S_q".into(), sq);
                    e.insert("S_k".into(), sk);
                    e.insert("GROUP".into(), group);
                    e.insert("h".into(), h);
                    e.insert("b".into(), b);
                    v.push(e);
                }
            }
        }
    }
    v
}

impl<'a> Checker<'a> {
    fn new(target: &'a Target) -> Checker<'a> {
        Checker {
            target,
            info: target.gpu.info(),
            report: Report::default(),
            params: HashMap::new(),
            bufs: HashMap::new(),
            loops: Vec::new(),
            roles: Vec::new(),
            initialized: HashSet::new(),
            exp_base: None,
            causal_seen: false,
            store_seen: false,
            gemm_warps: None,
            fma_gemms: false,
            wgmma_gemms: false,
            guards: HashMap::new(),
            barrier_of: HashMap::new(),
            arrived_anywhere: HashSet::new(),
            waited_ever: HashSet::new(),
            unannounced: Vec::new(),
            role_headers: HashMap::new(),
            seq: 0,
        }
    }

    fn err(&mut self, d: Diagnostic) {
        self.report.diagnostics.push(d);
    }

    fn p(&self, name: &str) -> Option<i64> {
        self.params.get(name).copied()
    }

    fn env(&self) -> Env {
        self.params.clone()
    }

    fn run(&mut self, program: &Program) {
        // Pre-pass: parameters (wherever declared) and which register buffers start initialized.
        let mut first_param = None;
        walk(&program.stmts, &mut |s| match &s.kind {
            StmtKind::Param(ps) => {
                first_param.get_or_insert(s.span);
                for (n, v) in ps {
                    let v = i64::try_from(*v).unwrap_or(i64::MAX);
                    if self.params.insert(n.clone(), v).is_some() {
                        self.report.diagnostics.push(
                            Diagnostic::error(
                                "param",
                                Some(s.span),
                                format!("parameter `{n}` is declared twice"),
                            )
                            .label("declared again here"),
                        );
                    }
                }
            }
            StmtKind::Compute(Compute::Gemm {
                c,
                accumulate: true,
                ..
            }) => {
                self.initialized.insert(c.clone());
            }
            StmtKind::Compute(Compute::RowSum {
                dst,
                accumulate: true,
                ..
            }) => {
                self.initialized.insert(dst.clone());
            }
            StmtKind::Compute(Compute::Rescale {
                targets, commit, ..
            }) => {
                self.initialized.extend(targets.iter().cloned());
                if let Some((l, _)) = commit {
                    self.initialized.insert(l.clone());
                }
            }
            _ => {}
        });
        for name in ["BM", "BN", "D", "WARPS"] {
            if !self.params.contains_key(name) {
                self.err(
                    Diagnostic::error("param", first_param, format!("parameter `{name}` is missing"))
                        .help("declare the tile sizes once: `param BM = 128, BN = 64, D = 128, STAGES = 2, WARPS = 4`"),
                );
            }
        }
        if let (Some(d), Some(hd)) = (self.p("D"), self.target.head_dim)
            && d != i64::from(hd)
        {
            self.err(
                Diagnostic::error(
                    "param",
                    first_param,
                    format!("`D = {d}` but the spec's head_dim is {hd}"),
                )
                .label("D declared here"),
            );
        }
        if !self.report.diagnostics.is_empty() {
            return;
        }
        walk(&program.stmts, &mut |s| match &s.kind {
            StmtKind::Compute(Compute::Gemm { engine, .. }) => {
                self.fma_gemms |= *engine == Engine::Fma;
                self.wgmma_gemms |= *engine == Engine::Wgmma;
            }
            StmtKind::Sync(Sync::Arrive(b)) => {
                self.arrived_anywhere.insert(b.clone());
            }
            _ => {}
        });
        self.block(&program.stmts);
        if !self.store_seen {
            self.err(Diagnostic::error(
                "unwritten-read",
                None,
                "the output `O` is never written: end with `Copy O_acc (BM, D) as <dtype> to O at [row block i] (rows < S_q)`",
            ));
        }
        self.budgets(program);
        self.tiles(first_param);
    }

    fn block(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let span = Some(s.span);
        self.seq += 1;
        match &s.kind {
            StmtKind::Blank | StmtKind::Comment(_) | StmtKind::Param(_) => {}
            StmtKind::Allocate(a) => self.allocate(a, s.span),
            StmtKind::Copy(c) => self.copy(c, s.span),
            StmtKind::Compute(c) => self.compute(c, s.span),
            StmtKind::Reshape(r) => {
                if let Some(b) = self.read(&r.src, s.span) {
                    if b.layout != Layout::Accumulator {
                        self.err(
                            Diagnostic::error("structure", span, format!("`{}` is not in accumulator layout: only a GEMM result is reshaped", r.src))
                                .label("reshape of a non-accumulator"),
                        );
                    }
                    let dims = b.dims.clone();
                    if let Some(d) = self.write(&r.dst, s.span) {
                        // FMA GEMMs read P by key across a row group's threads: through shared.
                        let space_ok = d.space == Space::Register
                            || (self.fma_gemms && d.space == Space::Shared);
                        if d.dims != dims || !space_ok {
                            let msg = format!(
                                "`{}` must be a register tile of the same shape as `{}` {}",
                                r.dst,
                                r.src,
                                dim_text(&dims)
                            );
                            self.err(Diagnostic::error("gemm-shape", span, msg));
                        } else if d.dtype != r.dtype {
                            let msg = format!(
                                "`{}` is declared {} but the Reshape makes {}",
                                r.dst, d.dtype, r.dtype
                            );
                            self.err(Diagnostic::error("dtype", span, msg));
                        }
                    }
                    if let Some(d) = self.bufs.get_mut(&r.dst) {
                        d.layout = Layout::Operand;
                        d.content = r.dtype;
                    }
                }
            }
            StmtKind::Sync(Sync::Arrive(b)) => self.arrive(b),
            StmtKind::Sync(Sync::Wait(b)) if self.barrier_of.contains_key(b) => {
                self.wait(b, s.span);
            }
            StmtKind::Sync(Sync::Block | Sync::Wait(_)) => {
                for b in self.bufs.values_mut() {
                    b.pending = None;
                }
            }
            StmtKind::Barrier(b) => self.barrier(b, s.span),
            StmtKind::Loop(l) => self.loop_(l, s.span),
            StmtKind::Combine(_) => self.decode_only(s.span, "`Combine`"),
            StmtKind::Schedule(_) => self.err(
                Diagnostic::error(
                    "schedule",
                    Some(s.span),
                    "`Schedule` stands only at the top level, before its program",
                )
                .label("inside a block"),
            ),
            StmtKind::Role(r) => {
                if r.registers.is_some() && !self.info.wgmma {
                    self.err(
                        Diagnostic::error(
                            "copy-engine",
                            span,
                            format!(
                                "`registers` (setmaxnreg) needs sm_90; {} is {}",
                                self.info.name,
                                self.info.sm_arch()
                            ),
                        )
                        .label("not on this GPU"),
                    );
                }
                if let Some(n) = r.registers
                    && (!(24..=256).contains(&n) || n % 8 != 0)
                {
                    self.err(Diagnostic::error(
                        "register-budget",
                        span,
                        format!("setmaxnreg takes 24..=256 in steps of 8, not {n}"),
                    ));
                }
                if contains_gemm(&r.body) {
                    self.gemm_warps = Some((r.warps, r.registers));
                }
                self.role_header(r, s.span);
                self.roles.push(r.name.clone());
                self.block(&r.body);
                self.role_end(&r.name);
                self.roles.pop();
            }
        }
    }

    fn role_name(&self) -> String {
        self.roles.last().cloned().unwrap_or_default()
    }

    /// Whether `buf` is a ring: a shared buffer with a leading `STAGES` dimension.
    fn staged(&self, buf: &str) -> bool {
        self.bufs
            .get(buf)
            .is_some_and(|b| b.dims.len() == 3 && Some(b.dims[0]) == self.p("STAGES"))
    }

    fn barrier(&mut self, b: &Barrier, span: Span) {
        let sp = Some(span);
        match self.bufs.get(&b.buffer) {
            Some(buf) if buf.space == Space::Shared => {}
            Some(_) => self.err(Diagnostic::error(
                "barrier",
                sp,
                format!(
                    "`{}` is not in shared memory: barriers guard shared buffers",
                    b.buffer
                ),
            )),
            None => {
                self.lookup(&b.buffer, span);
            }
        }
        for n in std::iter::once(&b.full).chain(&b.empty) {
            if self.barrier_of.contains_key(n) || self.bufs.contains_key(n) {
                self.err(Diagnostic::error(
                    "barrier",
                    sp,
                    format!("`{n}` is already declared"),
                ));
            }
        }
        if self.guards.contains_key(&b.buffer) {
            self.err(Diagnostic::error(
                "barrier",
                sp,
                format!("`{}` already has its barriers", b.buffer),
            ));
        }
        self.barrier_of
            .insert(b.full.clone(), (b.buffer.clone(), true));
        if let Some(e) = &b.empty {
            self.barrier_of.insert(e.clone(), (b.buffer.clone(), false));
        }
        self.guards.insert(b.buffer.clone(), b.clone());
    }

    fn arrive(&mut self, name: &str) {
        let Some((buf, full)) = self.barrier_of.get(name).cloned() else {
            return;
        };
        if full {
            let role = self.role_name();
            self.unannounced
                .retain(|(b, r, _)| !(b == &buf && r == &role));
        } else if let Some(l) = self.loops.last_mut() {
            l.released.insert(buf, self.seq);
        }
    }

    fn wait(&mut self, name: &str, span: Span) {
        let key = format!("{}/{name}", self.role_name());
        if !self.arrived_anywhere.contains(name) {
            self.err(
                Diagnostic::error(
                    "barrier",
                    Some(span),
                    format!("nothing arrives on `{name}`: this wait never returns"),
                )
                .label("deadlock")
                .help(format!("the role that fills or reads the buffer ends its part with `Sync arrive {name}`")),
            );
        }
        if let Some((buf, _)) = self.barrier_of.get(name).cloned()
            && let Some(b) = self.bufs.get_mut(&buf)
        {
            b.pending = None;
        }
        self.waited_ever.insert(key.clone());
        if let Some(l) = self.loops.last_mut() {
            l.waited.insert(key);
        }
    }

    /// A shared buffer with barriers is read (a GEMM operand): its full barrier must have been
    /// waited on by this role (in this key block, for a ring stage).
    fn guarded_read(&mut self, buf: &str, span: Span) {
        let Some(g) = self.guards.get(buf).cloned() else {
            return;
        };
        let role = self.role_name();
        let key = format!("{role}/{}", g.full);
        let ring = self.staged(buf) && !self.loops.is_empty();
        let ok = if ring {
            self.loops.last().is_some_and(|l| l.waited.contains(&key))
        } else {
            self.waited_ever.contains(&key)
        };
        if !ok {
            let what = if ring {
                format!(
                    "`{buf}` (the stage of key block {}) is read before `Sync wait {}` in this block",
                    self.loops.last().map_or("j", |l| l.var.as_str()),
                    g.full
                )
            } else {
                format!("`{buf}` is read before `Sync wait {}`", g.full)
            };
            self.err(
                Diagnostic::error("barrier", Some(span), what)
                    .label("the copy may not have landed")
                    .help(format!("wait for the copy first: `Sync wait {}`", g.full)),
            );
        }
        if ring && g.empty.is_some() {
            let seq = self.seq;
            if let Some(l) = self.loops.last_mut() {
                l.reads.insert(buf.to_string(), (role, seq, span));
            }
        }
    }

    /// A load into a shared buffer with barriers: a ring stage is refilled only after its
    /// empty barrier's wait; the copy must then be announced on the full barrier.
    fn guarded_write(&mut self, buf: &str, span: Span) {
        let Some(g) = self.guards.get(buf).cloned() else {
            return;
        };
        let role = self.role_name();
        if self.staged(buf) && !self.loops.is_empty() {
            match &g.empty {
                None => self.err(
                    Diagnostic::error(
                        "barrier",
                        Some(span),
                        format!(
                            "the ring `{buf}` is refilled every key block but has no empty barrier"
                        ),
                    )
                    .help(format!(
                        "declare `Barrier {}, <empty> for {buf}` and wait on it before the copy",
                        g.full
                    )),
                ),
                Some(e) => {
                    let key = format!("{role}/{e}");
                    if !self.loops.last().is_some_and(|l| l.waited.contains(&key)) {
                        self.err(
                            Diagnostic::error(
                                "barrier",
                                Some(span),
                                format!("the stage of `{buf}` is overwritten before `Sync wait {e}`: its readers may still be using it"),
                            )
                            .label("refills a stage STAGES blocks back")
                            .help(format!("wait for the readers first: `Sync wait {e}`")),
                        );
                    }
                }
            }
        }
        self.unannounced.push((buf.to_string(), role, span));
    }

    fn role_header(&mut self, r: &Role, span: Span) {
        let sp = Some(span);
        let header = (r.warps, r.registers, r.pingpong, r.overlap);
        if let Some(old) = self.role_headers.insert(r.name.clone(), header) {
            if old != header {
                self.err(Diagnostic::error(
                    "structure",
                    sp,
                    format!(
                        "role `{}` is declared again with a different header",
                        r.name
                    ),
                ));
            }
            // The header's own rules were checked where the role first appeared.
            return;
        }
        if r.registers.is_some() && !r.warps.is_multiple_of(4) {
            self.err(Diagnostic::error(
                "register-budget",
                sp,
                format!("setmaxnreg sets the registers of whole warpgroups: warps {} is not a multiple of 4", r.warps),
            ));
        }
        if r.pingpong && !r.overlap {
            self.err(
                Diagnostic::error("schedule", sp, "`pingpong` hands the tensor cores over around the overlapped step: it needs `overlap`")
                    .help("write `pingpong, overlap`"),
            );
        }
        if r.pingpong && r.warps < 8 {
            self.err(Diagnostic::error(
                "schedule",
                sp,
                format!(
                    "`pingpong` needs at least 2 warpgroups to take turns; warps {} is one",
                    r.warps
                ),
            ));
        }
        if r.overlap {
            let mut sync_gemm = None;
            walk(&r.body, &mut |s| {
                if let StmtKind::Compute(Compute::Gemm { engine, .. }) = &s.kind
                    && *engine != Engine::Wgmma
                {
                    sync_gemm.get_or_insert(s.span);
                }
            });
            if let Some(at) = sync_gemm {
                self.err(
                    Diagnostic::error("schedule", Some(at), "`overlap` runs the softmax while a GEMM is in flight: the role's GEMMs must be asynchronous (`on wgmma`)")
                        .label("a synchronous GEMM"),
                );
            }
        }
    }

    /// End of a role's block: its copies are announced, its ring reads released.
    fn role_end(&mut self, role: &str) {
        let mut left = Vec::new();
        self.unannounced.retain(|(b, r, at)| {
            if r == role {
                left.push((b.clone(), *at));
                false
            } else {
                true
            }
        });
        for (buf, at) in left {
            let full = self
                .guards
                .get(&buf)
                .map_or(String::new(), |g| g.full.clone());
            self.err(
                Diagnostic::error(
                    "barrier",
                    Some(at),
                    format!("nothing arrives on `{full}` after this copy into `{buf}`: its readers wait forever"),
                )
                .help(format!("follow the copy with `Sync arrive {full}` (the copy engine completes its bytes on it)")),
            );
        }
        let Some(l) = self.loops.last_mut() else {
            return;
        };
        let reads: Vec<(String, u64, Span)> = l
            .reads
            .iter()
            .filter(|(_, (r, _, _))| r == role)
            .map(|(b, (_, seq, at))| (b.clone(), *seq, *at))
            .collect();
        let released = l.released.clone();
        l.reads.retain(|_, (r, _, _)| r != role);
        for (buf, seq, at) in reads {
            let empty = self
                .guards
                .get(&buf)
                .and_then(|g| g.empty.clone())
                .unwrap_or_default();
            match released.get(&buf) {
                Some(rel) if *rel > seq => {}
                Some(_) => self.err(
                    Diagnostic::error(
                        "barrier",
                        Some(at),
                        format!("`{buf}` is read after `Sync arrive {empty}` released its stage: the producer may be refilling it"),
                    )
                    .help(format!("arrive on `{empty}` after the last read of the stage")),
                ),
                None => self.err(
                    Diagnostic::error(
                        "barrier",
                        Some(at),
                        format!("the stage of `{buf}` is never released (`Sync arrive {empty}`): its producer waits forever STAGES blocks later"),
                    )
                    .label("last read of the stage")
                    .help(format!("after the last read: `Sync arrive {empty}`")),
                ),
            }
        }
    }

    fn loop_(&mut self, l: &Loop, span: Span) {
        if !self.loops.is_empty() {
            self.err(Diagnostic::error(
                "structure",
                Some(span),
                "loops over key blocks do not nest",
            ));
        }
        if let LoopBound::Window(i) = &l.bound {
            if i != "i" {
                self.err(Diagnostic::error(
                    "coordinate",
                    Some(span),
                    format!("the query block is `i`, not `{i}`"),
                ));
            }
            if self.target.variants.is_some_and(|v| v.window.is_none()) {
                self.err(
                    Diagnostic::error(
                        "window-mask",
                        Some(span),
                        "the spec has no window, but the loop stops at one",
                    )
                    .label("skips keys the queries see")
                    .help("write `Loop j over key blocks` (or `up to the diagonal of block i`, causal)"),
                );
            }
        }
        if let LoopBound::Split(_) = &l.bound {
            self.decode_only(span, "a loop over a split's key blocks");
        }
        if let LoopBound::Diagonal(i) = &l.bound {
            if i != "i" {
                self.err(Diagnostic::error(
                    "coordinate",
                    Some(span),
                    format!("the query block is `i`, not `{i}`"),
                ));
            }
            if self.target.causal == Some(false) {
                self.err(
                    Diagnostic::error(
                        "causal-mask",
                        Some(span),
                        "the spec is not causal, but the loop stops at the diagonal",
                    )
                    .label("skips keys every query sees")
                    .help("write `Loop j over key blocks`"),
                );
            }
        }
        self.loops.push(LoopState {
            var: l.var.clone(),
            span,
            ..LoopState::default()
        });
        self.block(&l.body);
        let st = self.loops.pop().unwrap_or_default();
        if let Some(m_new) = st.rowmax.first()
            && st.committed.is_none()
        {
            self.err(
                    Diagnostic::error("online-softmax", Some(st.span), format!("the running max is never updated from `{m_new}` in this loop"))
                        .help(format!("rescale the accumulators and commit: `Compute rescale O_acc, l by exp2(m - {m_new}); m = {m_new}`")),
                );
        }
    }

    fn lookup(&mut self, name: &str, span: Span) -> Option<Buf> {
        match self.bufs.get(name) {
            Some(b) => Some(b.clone()),
            None => {
                self.err(
                    Diagnostic::error(
                        "unknown-name",
                        Some(span),
                        format!("`{name}` is not allocated"),
                    )
                    .help(format!(
                        "add `Allocate {name} in register (...) f32` (or shared / global) before it"
                    )),
                );
                None
            }
        }
    }

    fn read(&mut self, name: &str, span: Span) -> Option<Buf> {
        let b = self.lookup(name, span)?;
        if !b.written {
            let what = match b.space {
                Space::Global => "it is the output".to_string(),
                _ => "no statement before this one writes it".to_string(),
            };
            self.err(
                Diagnostic::error(
                    "unwritten-read",
                    Some(span),
                    format!("`{name}` is read here but nothing wrote it: {what}"),
                )
                .label(format!("reads `{name}`"))
                .note(format!("`{name}` is allocated at line {}", b.decl.line)),
            );
            // Report each buffer once.
            if let Some(b) = self.bufs.get_mut(name) {
                b.written = true;
            }
        }
        Some(b)
    }

    fn write(&mut self, name: &str, span: Span) -> Option<Buf> {
        let b = self.lookup(name, span)?;
        if let Some(m) = self.bufs.get_mut(name) {
            m.written = true;
        }
        Some(b)
    }

    fn allocate(&mut self, a: &Allocate, span: Span) {
        let env = self.env();
        for name in &a.names {
            if self.bufs.contains_key(name) {
                self.err(Diagnostic::error(
                    "structure",
                    Some(span),
                    format!("`{name}` is allocated twice"),
                ));
                continue;
            }
            let mut dims = Vec::new();
            if a.space == Space::Global {
                self.global(name, a, span);
            } else {
                if a.at.is_some() {
                    self.err(Diagnostic::error(
                        "structure",
                        Some(span),
                        "only global tensors have `at batch .., head ..`",
                    ));
                }
                for d in &a.shape {
                    match eval::int(d, &env) {
                        Ok(v) if v > 0 => dims.push(v),
                        Ok(v) => {
                            self.err(Diagnostic::error(
                                "structure",
                                Some(span),
                                format!("dimension `{d}` is {v}"),
                            ));
                            return;
                        }
                        Err(e) => {
                            self.err(Diagnostic::error(
                                "param",
                                Some(span),
                                format!(
                                    "shape of a {} buffer must be known at compile time: {e}",
                                    a.space.name()
                                ),
                            ));
                            return;
                        }
                    }
                }
            }
            let written = match a.space {
                Space::Global => name != "O",
                Space::Shared => false,
                Space::Register => self.initialized.contains(name),
            };
            self.bufs.insert(
                name.clone(),
                Buf {
                    space: a.space,
                    dims,
                    dtype: a.dtype,
                    content: a.dtype,
                    layout: Layout::Plain,
                    written,
                    decl: span,
                    pending: None,
                    scaled: false,
                    tail_masked: false,
                    causal_masked: false,
                    left_masked: false,
                    right_masked: false,
                    softcapped: false,
                    biased: false,
                    normalized: false,
                    accumulated: false,
                },
            );
        }
    }

    fn global(&mut self, name: &str, a: &Allocate, span: Span) {
        let sp = Some(span);
        let (seq, input) = match name {
            "Q" => ("S_q", true),
            "O" => ("S_q", false),
            "K" | "V" => ("S_k", true),
            _ => {
                self.err(Diagnostic::error(
                    "structure",
                    sp,
                    format!("global tensors are Q, K, V (inputs) and O (output), not `{name}`"),
                ));
                return;
            }
        };
        let _ = input;
        if let Some(d) = self.target.dtype
            && a.dtype != d
        {
            self.err(Diagnostic::error(
                "dtype",
                sp,
                format!("`{name}` is {} but the spec's dtype is {d}", a.dtype),
            ));
        }
        let Some(at) = &a.at else {
            self.err(Diagnostic::error(
                "gqa-mapping",
                sp,
                format!("global `{name}` needs `at batch b, head ...` (varlen: `at sequence b`)"),
            ));
            return;
        };
        if let Some(v) = self.target.variants
            && v.varlen != at.packed
        {
            let msg = if v.varlen {
                format!(
                    "`{name}` is addressed `at batch`, but the spec is varlen: the tensors are \
                     packed [total_tokens, heads, D], and a batch stride over packed rows \
                     crosses into other sequences"
                )
            } else {
                format!("`{name}` is addressed `at sequence`, but the spec is not varlen")
            };
            let help = if v.varlen {
                "`at sequence b, head ...`: rows cu_seqlens[b] .. cu_seqlens[b + 1], S_q and S_k \
                 that sequence's lengths"
            } else {
                "`at batch b, head ...`"
            };
            self.err(Diagnostic::error("varlen", sp, msg).help(help));
        }
        if at.group || at.paged.is_some() {
            self.decode_only(span, "`group` and `through` addressing");
        }
        let env0 = self.env();
        let mut shape_ok = a.shape.len() == 2;
        let mut batch_ok = true;
        let mut head_ok = true;
        for s in samples() {
            let mut env = env0.clone();
            env.extend(s);
            if shape_ok {
                let want = [env[seq], env0.get("D").copied().unwrap_or(-1)];
                for (e, w) in a.shape.iter().zip(want) {
                    shape_ok &= eval::int(e, &env).ok() == Some(w);
                }
            }
            batch_ok &= eval::int(&at.batch, &env).ok() == Some(env["b"]);
            let want_head = if seq == "S_k" {
                env["h"] / env["GROUP"]
            } else {
                env["h"]
            };
            head_ok &= eval::int(&at.head, &env).ok() == Some(want_head);
        }
        if !shape_ok {
            self.err(Diagnostic::error(
                "structure",
                sp,
                format!("global `{name}` has shape ({seq}, D)"),
            ));
        }
        if !batch_ok {
            self.err(Diagnostic::error(
                "gqa-mapping",
                sp,
                format!("`{name}` must be at batch `b`, not `{}`", at.batch),
            ));
        }
        if !head_ok {
            let (want, why) = if seq == "S_k" {
                (
                    "h / GROUP",
                    "query head h shares K/V head h / GROUP (GROUP = heads_q / heads_kv)",
                )
            } else {
                ("h", "each block works on query head h")
            };
            self.err(
                Diagnostic::error(
                    "gqa-mapping",
                    sp,
                    format!(
                        "`{name}` is read at head `{}`, which is not `{want}`",
                        at.head
                    ),
                )
                .label(format!("expected `head {want}`"))
                .note(why),
            );
        }
    }

    fn same_as(&self, e: &Expr, var: &str) -> bool {
        let env0 = self.env();
        samples().into_iter().all(|s| {
            let mut env = env0.clone();
            env.extend(s);
            eval::int(e, &env).ok() == env.get(var).copied()
        })
    }

    fn copy(&mut self, c: &Copy, span: Span) {
        let sp = Some(span);
        if c.srcs.len() != c.dsts.len() {
            self.err(Diagnostic::error(
                "structure",
                sp,
                format!("{} sources but {} destinations", c.srcs.len(), c.dsts.len()),
            ));
            return;
        }
        let is_async = c.opts().any(|o| matches!(o, CopyOpt::Async));
        let is_tma = c.opts().any(|o| matches!(o, CopyOpt::Tma));
        if is_async && !self.info.cp_async {
            self.err(
                Diagnostic::error(
                    "copy-engine",
                    sp,
                    format!(
                        "`async` copies (cp.async) need sm_80; {} is {}",
                        self.info.name,
                        self.info.sm_arch()
                    ),
                )
                .label("no cp.async here")
                .help("use `sync` (copies through registers)"),
            );
        }
        if is_tma && !self.info.wgmma {
            self.err(
                Diagnostic::error(
                    "copy-engine",
                    sp,
                    format!(
                        "`tma` copies need sm_90; {} is {}",
                        self.info.name,
                        self.info.sm_arch()
                    ),
                )
                .label("no TMA here"),
            );
        }
        let env = self.env();
        let shape: Vec<i64> = match c.shape.iter().map(|e| eval::int(e, &env)).collect() {
            Ok(v) => v,
            Err(e) => {
                self.err(Diagnostic::error("param", sp, format!("tile shape: {e}")));
                return;
            }
        };
        for (src, dst) in c.srcs.iter().zip(&c.dsts) {
            let Some(s) = self.read(src, span) else {
                continue;
            };
            let Some(d) = self.write(dst, span) else {
                continue;
            };
            match (s.space, d.space) {
                (Space::Global, Space::Global) => {
                    self.err(Diagnostic::error(
                        "structure",
                        sp,
                        "a copy from global to global",
                    ));
                }
                (Space::Global, _) => self.load(c, span, src, dst, &shape, &d),
                (_, Space::Global) => self.store(c, span, src, dst, &shape, &s),
                _ => {
                    let n: i64 = shape.iter().fold(1i64, |a, x| a.saturating_mul(*x));
                    if s.dims.iter().fold(1i64, |a, x| a.saturating_mul(*x)) != n
                        || d.dims.iter().fold(1i64, |a, x| a.saturating_mul(*x)) != n
                    {
                        self.err(Diagnostic::error(
                            "coordinate",
                            sp,
                            format!(
                                "`{src}` {} and `{dst}` {} do not match the tile {}",
                                dim_text(&s.dims),
                                dim_text(&d.dims),
                                dim_text(&shape)
                            ),
                        ));
                    }
                    if let Some(b) = self.bufs.get_mut(dst) {
                        b.content = s.content;
                        b.layout = s.layout;
                    }
                }
            }
            if let Some(b) = self.bufs.get_mut(dst)
                && b.space == Space::Shared
            {
                b.pending = Some((span, is_async || is_tma));
            }
            if s.space == Space::Global && d.space == Space::Shared {
                self.guarded_write(dst, span);
            }
        }
    }

    fn load(&mut self, c: &Copy, span: Span, src: &str, dst: &str, shape: &[i64], d: &Buf) {
        let sp = Some(span);
        let (axis, seq, rows, rows_name) = if src == "Q" {
            (Axis::Row, "S_q", self.p("BM"), "BM")
        } else {
            (Axis::Key, "S_k", self.p("BN"), "BN")
        };
        match &c.src_at {
            Some(at) if at.axis == axis => {
                let want = if axis == Axis::Row {
                    "i".to_string()
                } else {
                    self.loops.last().map(|l| l.var.clone()).unwrap_or_default()
                };
                if at.index != want {
                    self.err(Diagnostic::error(
                        "coordinate",
                        sp,
                        format!("`{src}` tiles are at block `{want}`, not `{}`", at.index),
                    ));
                }
            }
            _ => {
                let w = if axis == Axis::Row {
                    "[row block i]"
                } else {
                    "[key block j]"
                };
                self.err(
                    Diagnostic::error(
                        "coordinate",
                        sp,
                        format!("a `{src}` tile is loaded `at {w}`"),
                    )
                    .label("coordinate missing or on the wrong axis"),
                );
            }
        }
        if axis == Axis::Key && self.loops.is_empty() {
            self.err(Diagnostic::error(
                "structure",
                sp,
                format!("`{src}` tiles are loaded inside `Loop j over key blocks`"),
            ));
        }
        if shape.len() != 2 || Some(shape[0]) != rows || Some(shape[1]) != self.p("D") {
            self.err(Diagnostic::error(
                "coordinate",
                sp,
                format!(
                    "a `{src}` tile is ({rows_name}, D), not {}",
                    dim_text(shape)
                ),
            ));
        }
        let staged = d.dims.len() == shape.len() + 1;
        if d.dims != shape && !(staged && d.dims[1..] == *shape) {
            self.err(Diagnostic::error(
                "coordinate",
                sp,
                format!(
                    "`{dst}` {} does not hold a tile {}",
                    dim_text(&d.dims),
                    dim_text(shape)
                ),
            ));
        }
        for o in c.opts() {
            if let CopyOpt::Deep(e) = o {
                let deep = eval::int(e, &self.env()).unwrap_or(-1);
                let stages = if staged { d.dims[0] } else { 1 };
                if deep != stages {
                    self.err(Diagnostic::error(
                        "coordinate",
                        sp,
                        format!("{deep} deep, but `{dst}` has {stages} stage buffers"),
                    ));
                }
            }
        }
        let guarded = c
            .opts()
            .any(|o| matches!(o, CopyOpt::ZeroFill(e) if self.same_as(e, seq)));
        if !guarded {
            self.err(
                Diagnostic::error(
                    "load-bounds",
                    sp,
                    format!("the last `{src}` tile reads rows past {seq} (out of bounds)"),
                )
                .label("tail rows unguarded")
                .help(format!(
                    "add `rows >= {seq} as zeros` to the copy's options"
                )),
            );
        }
        let content = self_dtype_of(&self.bufs, src);
        if let Some(b) = self.bufs.get_mut(dst) {
            b.content = content;
            b.layout = Layout::Plain;
        }
    }

    fn store(&mut self, c: &Copy, span: Span, src: &str, dst: &str, shape: &[i64], s: &Buf) {
        let sp = Some(span);
        self.store_seen = true;
        if dst != "O" {
            self.err(Diagnostic::error(
                "structure",
                sp,
                format!("only `O` is written to global memory, not `{dst}`"),
            ));
            return;
        }
        let o_dtype = self.bufs.get("O").map_or(s.content, |b| b.dtype);
        let out = c.as_dtype.unwrap_or(s.content);
        if out != o_dtype {
            self.err(
                Diagnostic::error(
                    "dtype",
                    sp,
                    format!("`{src}` holds {} but `O` is {o_dtype}", s.content),
                )
                .help(format!(
                    "convert on the way: `Copy {src} (BM, D) as {o_dtype} to O ...`"
                )),
            );
        }
        if !matches!(&c.dst_at, Some(at) if at.axis == Axis::Row && at.index == "i") {
            self.err(Diagnostic::error(
                "coordinate",
                sp,
                "`O` is written `at [row block i]`",
            ));
        }
        if shape.len() != 2
            || Some(shape[0]) != self.p("BM")
            || Some(shape[1]) != self.p("D")
            || s.dims != shape
        {
            self.err(Diagnostic::error(
                "coordinate",
                sp,
                format!(
                    "the output tile is (BM, D) and `{src}` must be it; found {} from {}",
                    dim_text(shape),
                    dim_text(&s.dims)
                ),
            ));
        }
        if !c
            .opts()
            .any(|o| matches!(o, CopyOpt::Guard(e) if self.same_as(e, "S_q")))
        {
            self.err(
                Diagnostic::error(
                    "load-bounds",
                    sp,
                    "the last output tile writes rows past S_q (out of bounds)",
                )
                .label("tail rows unguarded")
                .help("add `(rows < S_q)`"),
            );
        }
        if s.accumulated && !s.normalized {
            self.err(
                Diagnostic::error(
                    "normalize",
                    sp,
                    format!("`{src}` is stored before it is divided by the row sum"),
                )
                .help(format!(
                    "add `Compute normalize {src} by l (l == 0 -> 0)` before the store"
                )),
            );
        }
    }

    fn in_loop(&mut self, span: Span, what: &str) -> bool {
        if self.loops.is_empty() {
            self.err(Diagnostic::error(
                "structure",
                Some(span),
                format!("{what} belongs inside `Loop j over key blocks`"),
            ));
            false
        } else {
            true
        }
    }

    /// A decode statement in a prefill program (decode programs are lowered before this
    /// checker sees them: `crate::decode`).
    fn decode_only(&mut self, span: Span, what: &str) {
        self.err(
            Diagnostic::error(
                "structure",
                Some(span),
                format!("{what} belongs to decode programs"),
            )
            .help("check a decode plan against a `dec-*` spec"),
        );
    }

    fn compute(&mut self, c: &Compute, span: Span) {
        let sp = Some(span);
        match c {
            Compute::Lse { .. } | Compute::SplitLse { .. } | Compute::Merge { .. } => {
                self.decode_only(span, "this computation")
            }
            Compute::Gemm {
                a,
                b,
                c: acc,
                shape,
                dtype,
                accumulate,
                engine,
            } => {
                self.in_loop(span, "a GEMM");
                if *engine == Engine::Wgmma && !self.info.wgmma {
                    self.err(
                        Diagnostic::error(
                            "wgmma",
                            sp,
                            format!(
                                "`on wgmma` needs sm_90a; {} is {}",
                                self.info.name,
                                self.info.sm_arch()
                            ),
                        )
                        .label("no warpgroup MMA here")
                        .help("drop `on wgmma`: the GEMM runs on mma.sync"),
                    );
                }
                let (Some(ab), Some(bb)) = (self.read(&a.name, span), self.read(&b.name, span))
                else {
                    return;
                };
                for (op, buf) in [(a, &ab), (b, &bb)] {
                    if buf.space == Space::Shared {
                        self.guarded_read(&op.name, span);
                    }
                    if let Some((copy, _)) = buf.pending
                        && !self.guards.contains_key(&op.name)
                    {
                        self.err(
                            Diagnostic::error("sync", sp, format!("`{}` was filled by the copy at line {} and is read with no `Sync` between", op.name, copy.line))
                                .label("reads shared memory other threads may still be writing")
                                .help("add `Sync` (or `Sync wait <barrier>`) before the GEMM"),
                        );
                        if let Some(m) = self.bufs.get_mut(&op.name) {
                            m.pending = None;
                        }
                    }
                    if buf.layout == Layout::Accumulator {
                        self.err(
                            Diagnostic::error("reshape-missing", sp, format!("GEMM operand `{}` is still in accumulator layout", op.name))
                                .label("accumulator used as an operand")
                                .help(format!("between the two GEMMs write `Reshape {} from accumulator layout to operand layout as <dtype> -> P` and use P", op.name)),
                        );
                        continue;
                    }
                    if buf.content != buf.dtype {
                        self.err(
                            Diagnostic::error(
                                "dtype",
                                sp,
                                format!(
                                    "`{}` holds {} data but is declared {}",
                                    op.name, buf.content, buf.dtype
                                ),
                            )
                            .help(format!(
                                "convert after the copy: `Compute convert {} {} -> {}`",
                                op.name, buf.content, buf.dtype
                            )),
                        );
                    } else if *engine != Engine::Fma && !self.info.native_tensor_core(buf.content) {
                        let native: Vec<&str> = self
                            .info
                            .tensor_core_dtypes
                            .iter()
                            .map(|d| d.name())
                            .collect();
                        self.err(
                            Diagnostic::error(
                                "tensor-core-dtype",
                                sp,
                                format!(
                                    "`{}` is {}, which the tensor cores of {} ({}) do not take",
                                    op.name,
                                    buf.content,
                                    self.info.name,
                                    self.info.sm_arch()
                                ),
                            )
                            .label(format!("{} operand", buf.content))
                            .note(format!(
                                "native GEMM operand dtypes on {}: {}",
                                self.info.sm_arch(),
                                native.join(", ")
                            ))
                            .help(if buf.content == DType::F32 {
                                "exact f32 runs on the CUDA cores: end the GEMM with `on fma`"
                                    .to_string()
                            } else {
                                format!(
                                    "convert first, e.g. `Compute convert {} {} -> {}`",
                                    op.name,
                                    buf.content,
                                    native.first().copied().unwrap_or("f16")
                                )
                            }),
                        );
                    }
                }
                if ab.content != bb.content
                    && ab.layout != Layout::Accumulator
                    && bb.layout != Layout::Accumulator
                {
                    self.err(Diagnostic::error(
                        "dtype",
                        sp,
                        format!(
                            "GEMM operands `{}` ({}) and `{}` ({}) differ in dtype",
                            a.name, ab.content, b.name, bb.content
                        ),
                    ));
                }
                let Some(cb) = (if *accumulate {
                    self.read(acc, span)
                } else {
                    self.write(acc, span)
                }) else {
                    return;
                };
                if cb.space != Space::Register
                    || cb.dtype != DType::F32
                    || dtype.is_some_and(|d| d != DType::F32)
                {
                    self.err(Diagnostic::error(
                        "gemm-shape",
                        sp,
                        format!("the accumulator `{acc}` must be a register tile of f32"),
                    ));
                }
                let mat = |buf: &Buf| -> Vec<i64> {
                    if buf.dims.len() == 3 {
                        buf.dims[1..].to_vec()
                    } else {
                        buf.dims.clone()
                    }
                };
                let (am, bm, cm) = (mat(&ab), mat(&bb), cb.dims.clone());
                let ok = am.len() == 2 && bm.len() == 2 && cm.len() == 2 && {
                    let (bk, bn) = if b.transposed {
                        (bm[1], bm[0])
                    } else {
                        (bm[0], bm[1])
                    };
                    am[1] == bk && cm == [am[0], bn]
                };
                if !ok {
                    self.err(
                        Diagnostic::error(
                            "gemm-shape",
                            sp,
                            format!(
                                "`{}` {} x `{}` {} does not make `{acc}` {}",
                                a,
                                dim_text(&am),
                                b,
                                dim_text(&bm),
                                dim_text(&cm)
                            ),
                        )
                        .note("a GEMM multiplies (M, K) by (K, N), or by (N, K) written `^T`"),
                    );
                }
                if let Some(s) = shape {
                    let env = self.env();
                    let v: Result<Vec<i64>, _> = s.iter().map(|e| eval::int(e, &env)).collect();
                    if v.as_deref() != Ok(&cm[..]) {
                        self.err(Diagnostic::error(
                            "gemm-shape",
                            sp,
                            format!("`{acc}` is {}, not the shape written here", dim_text(&cm)),
                        ));
                    }
                }
                if *accumulate {
                    self.check_rescaled(acc, span, "accumulates P V products");
                }
                if let Some(m) = self.bufs.get_mut(acc) {
                    m.layout = Layout::Accumulator;
                    m.content = DType::F32;
                    m.scaled = false;
                    m.tail_masked = false;
                    m.causal_masked = false;
                    m.left_masked = false;
                    m.right_masked = false;
                    m.softcapped = false;
                    m.biased = false;
                    m.normalized = false;
                    m.accumulated |= *accumulate;
                }
            }
            Compute::Scale { target, factor } => {
                self.read(target, span);
                // Checked when the exponential's base is known.
                if let Some(m) = self.bufs.get_mut(target) {
                    m.scaled = true;
                }
                let scale = 0.125;
                let v = eval::real(factor, &self.env(), scale);
                let capped = self.bufs.get(target).is_some_and(|b| b.softcapped);
                let biased_natural = self.exp_base == Some(ExpBase::E)
                    && self.bufs.get(target).is_some_and(|b| b.biased);
                match v {
                    Ok(v) if biased_natural && !capped => {
                        // The bias was added in natural units: only log2(e) is left.
                        if (v - std::f64::consts::LOG2_E).abs() < 1e-9 {
                            self.exp_base = Some(ExpBase::Two);
                        } else {
                            self.err(
                                Diagnostic::error("softmax-scale", sp, format!("after the ALiBi bias the scores are scaled by `{factor}`; only `log2(e)` (for exp2) is left to apply"))
                                    .help("scale by softmax_scale, add the bias, then scale by log2(e)"),
                            );
                        }
                    }
                    Ok(v) if capped => {
                        // After the cap the scores are in natural units: only log2(e) is left.
                        if (v - std::f64::consts::LOG2_E).abs() < 1e-9 {
                            self.exp_base = Some(ExpBase::Two);
                        } else {
                            self.err(
                                Diagnostic::error("softmax-scale", sp, format!("after the softcap the scores are scaled by `{factor}`; only `log2(e)` (for exp2) is left to apply"))
                                    .help("scale by softmax_scale, softcap, then scale by log2(e)"),
                            );
                        }
                    }
                    Ok(v) => {
                        let base = if (v - scale * std::f64::consts::LOG2_E).abs() < 1e-9 {
                            ExpBase::Two
                        } else if (v - scale).abs() < 1e-9 {
                            ExpBase::E
                        } else {
                            self.err(
                                Diagnostic::error("softmax-scale", sp, format!("the scores are scaled by `{factor}`, which is neither softmax_scale nor softmax_scale * log2(e)")),
                            );
                            return;
                        };
                        self.exp_base = Some(base);
                    }
                    Err(e) => self.err(Diagnostic::error("softmax-scale", sp, e)),
                }
            }
            Compute::Softcap { target, cap } => {
                self.in_loop(span, "a softcap");
                let Some(b) = self.read(target, span) else {
                    return;
                };
                let want = self.target.variants.and_then(|v| v.softcap);
                let got = eval::int(cap, &self.env());
                match (got, want) {
                    (Err(e), _) => self.err(Diagnostic::error("softcap", sp, e)),
                    (Ok(_), None) if self.target.variants.is_some() => self.err(
                        Diagnostic::error(
                            "softcap",
                            sp,
                            "the spec has no softcap, but the scores are capped",
                        )
                        .label("remove this step"),
                    ),
                    (Ok(c), Some(w)) if c != i64::from(w) => self.err(Diagnostic::error(
                        "softcap",
                        sp,
                        format!("the scores are capped at {c}, but the spec's softcap is {w}"),
                    )),
                    _ => {}
                }
                if b.tail_masked || b.causal_masked || b.left_masked || b.right_masked {
                    self.err(
                        Diagnostic::error("softcap", sp, format!("`{target}` is capped after it was masked"))
                            .label("tanh(-inf) = -1: masked scores become -cap, weights the softmax counts")
                            .help("cap the scaled scores first, then mask: `Compute softcap S by <cap>` right after `Compute scale S by softmax_scale`"),
                    );
                } else if !b.scaled || self.exp_base != Some(ExpBase::E) {
                    self.err(
                        Diagnostic::error("softcap", sp, format!("`{target}` is capped before it is scaled by exactly softmax_scale"))
                            .label("the cap applies to softmax_scale * Q K^T, in natural units")
                            .help("`Compute scale S by softmax_scale`, then the softcap, then `Compute scale S by log2(e)`"),
                    );
                }
                if let Some(m) = self.bufs.get_mut(target) {
                    m.softcapped = true;
                }
            }
            Compute::Bias {
                target,
                negative,
                term,
            } => self.bias(target, *negative, term, span),
            Compute::Mask { target, cond, when } => {
                self.in_loop(span, "a mask");
                self.read(target, span);
                self.mask(target, cond, *when, span);
            }
            Compute::RowMax { src, dst, .. } => {
                self.in_loop(span, "the running max");
                let Some(s) = self.read(src, span) else {
                    return;
                };
                self.softmax_input_checks(src, &s, span);
                let rows = s.dims.first().copied().unwrap_or(0);
                self.implicit(dst, rows, span);
                if let Some(l) = self.loops.last_mut() {
                    l.rowmax.push(dst.clone());
                }
            }
            Compute::Rescale {
                targets,
                base,
                old,
                new,
                commit,
            } => {
                self.in_loop(span, "a rescale");
                for t in targets {
                    self.read(t, span);
                }
                self.read(old, span);
                self.read(new, span);
                let from_rowmax = self.loops.last().is_some_and(|l| l.rowmax.contains(new));
                if !from_rowmax {
                    self.err(Diagnostic::error(
                        "online-softmax",
                        sp,
                        format!("`{new}` is not a row max computed earlier in this loop"),
                    ));
                }
                if self.exp_base.is_some_and(|b| b != *base) {
                    self.err(Diagnostic::error(
                        "softmax-scale",
                        sp,
                        format!(
                            "`{}` here, but the scores were scaled for the other exponential",
                            base.name()
                        ),
                    ));
                }
                match commit {
                    Some((l, r)) if l == old && r == new => {}
                    Some((l, r)) => self.err(Diagnostic::error(
                        "online-softmax",
                        sp,
                        format!("the running max is committed as `{old} = {new}`, not `{l} = {r}`"),
                    )),
                    None => {}
                }
                if let Some(l) = self.loops.last_mut() {
                    l.rescaled.extend(targets.iter().cloned());
                    l.rescale_span = Some(span);
                    if commit.is_some() {
                        l.committed = Some((old.clone(), new.clone()));
                    }
                }
            }
            Compute::Exp {
                base,
                src,
                sub,
                dst,
            } => {
                self.in_loop(span, "the exponential");
                let Some(s) = self.read(src, span) else {
                    return;
                };
                self.read(sub, span);
                let ok = self.loops.last().is_some_and(|l| {
                    l.rowmax.contains(sub) || l.committed.as_ref().is_some_and(|(m, _)| m == sub)
                });
                if !ok {
                    self.err(Diagnostic::error(
                        "online-softmax",
                        sp,
                        format!(
                            "`{sub}` is not the running max of this loop: subtract the new row max"
                        ),
                    ));
                }
                if self.exp_base.is_some_and(|b| b != *base) {
                    self.err(
                        Diagnostic::error("softmax-scale", sp, format!("`{}` of scores scaled for `{}`", base.name(), if *base == ExpBase::Two { "exp" } else { "exp2" }))
                            .help("with exp2, scale by `softmax_scale * log2(e)`; with exp, by `softmax_scale`"),
                    );
                }
                let dims = s.dims.clone();
                if let Some(d) = self.write(dst, span)
                    && d.dims != dims
                {
                    self.err(Diagnostic::error(
                        "gemm-shape",
                        sp,
                        format!(
                            "`{dst}` {} is not the shape of `{src}` {}",
                            dim_text(&d.dims),
                            dim_text(&dims)
                        ),
                    ));
                }
                if let Some(m) = self.bufs.get_mut(dst) {
                    m.layout = s.layout;
                    m.content = DType::F32;
                }
            }
            Compute::RowSum {
                src,
                dst,
                accumulate,
            } => {
                self.in_loop(span, "the row sum");
                let Some(s) = self.read(src, span) else {
                    return;
                };
                let rows = s.dims.first().copied().unwrap_or(0);
                if *accumulate {
                    self.read(dst, span);
                    self.check_rescaled(dst, span, "sums exponentials across key blocks");
                } else {
                    self.implicit(dst, rows, span);
                }
                if let Some(m) = self.bufs.get_mut(dst) {
                    m.written = true;
                }
            }
            Compute::Normalize {
                target,
                by,
                zero_guard,
            } => {
                self.read(target, span);
                self.read(by, span);
                if !zero_guard && self.target.causal != Some(false) {
                    self.err(
                        Diagnostic::error("normalize", sp, format!("a causal row that sees no key has `{by} == 0`: the division makes NaN"))
                            .help(format!("write `Compute normalize {target} by {by} ({by} == 0 -> 0)`")),
                    );
                }
                if let Some(m) = self.bufs.get_mut(target) {
                    m.normalized = true;
                }
            }
            Compute::Convert { names, from, to } => {
                for n in names {
                    let Some(b) = self.read(n, span) else {
                        continue;
                    };
                    if let Some((copy, true)) = b.pending {
                        self.err(
                            Diagnostic::error("sync", sp, format!("`{n}` is converted while the async copy at line {} may still be writing it", copy.line))
                                .help("add `Sync` first"),
                        );
                    }
                    if b.content != *from {
                        self.err(Diagnostic::error(
                            "dtype",
                            sp,
                            format!("`{n}` holds {}, not {from}", b.content),
                        ));
                    }
                    if b.dtype != *to {
                        self.err(Diagnostic::error(
                            "dtype",
                            sp,
                            format!("`{n}` is declared {}; it cannot hold {to}", b.dtype),
                        ));
                    }
                    if let Some(m) = self.bufs.get_mut(n) {
                        m.content = *to;
                    }
                }
            }
        }
    }

    /// A row vector created by the statement that first writes it (`-> m_new (BM)`).
    fn implicit(&mut self, name: &str, rows: i64, span: Span) {
        if !self.bufs.contains_key(name) {
            self.bufs.insert(
                name.to_string(),
                Buf {
                    space: Space::Register,
                    dims: vec![rows],
                    dtype: DType::F32,
                    content: DType::F32,
                    layout: Layout::Plain,
                    written: true,
                    decl: span,
                    pending: None,
                    scaled: false,
                    tail_masked: false,
                    causal_masked: false,
                    left_masked: false,
                    right_masked: false,
                    softcapped: false,
                    biased: false,
                    normalized: false,
                    accumulated: false,
                },
            );
        } else if let Some(b) = self.bufs.get_mut(name) {
            b.written = true;
        }
    }

    fn check_rescaled(&mut self, name: &str, span: Span, what: &str) {
        let Some(l) = self.loops.last() else { return };
        if l.rowmax.is_empty() {
            return;
        }
        if !l.rescaled.contains(name) {
            let at = l.rescale_span.map_or(String::new(), |s| {
                format!(" (the rescale at line {})", s.line)
            });
            let d = Diagnostic::error(
                "online-softmax",
                Some(span),
                format!("`{name}` {what} but is not rescaled when the running max changes{at}"),
            )
            .label(format!("`{name}` keeps terms of the old max"))
            .help(format!(
                "list `{name}` in `Compute rescale ... by exp2(m - m_new)` before this statement"
            ));
            self.err(d);
        }
        if let Some(m) = self.bufs.get_mut(name) {
            m.accumulated = true;
        }
    }

    /// One edge of a sliding window: the mask must be exactly that edge (`exact`, with `rule`
    /// saying what it should be) and apply on every key block, since the edge crosses blocks of
    /// any position. Reports what is wrong; returns whether the edge is now masked.
    fn window_edge(
        &mut self,
        sp: Option<Span>,
        cond: &Cond,
        when: MaskWhen,
        exact: bool,
        edge: &str,
        rule: String,
    ) -> bool {
        if !exact {
            self.err(
                Diagnostic::error(
                    "window-mask",
                    sp,
                    format!("the mask `{cond}` is not the window's {edge} edge"),
                )
                .label("masks the wrong scores")
                .note(rule),
            );
            false
        } else if when != MaskWhen::Always {
            self.err(
                Diagnostic::error(
                    "window-mask",
                    sp,
                    "a window edge is masked on every key block",
                )
                .label("wrong blocks")
                .help("drop the qualifier: the edge crosses blocks of any position"),
            );
            false
        } else {
            true
        }
    }

    fn mask(&mut self, target: &str, cond: &Cond, when: MaskWhen, span: Span) {
        if when == MaskWhen::IfCausal {
            self.decode_only(span, "a mask `(if causal)`");
        }
        let sp = Some(span);
        let causal_kind = eval::mentions(&cond.lhs, "query") || eval::mentions(&cond.rhs, "query");
        let window = self.target.variants.and_then(|v| v.window);
        // Sample keys up to one block past the end (at most 256 past it).
        let bn = self.p("BN").unwrap_or(1).clamp(1, 256);
        let env0 = self.env();
        let mut sizes = vec![(1i64, 1i64), (17, 150), (150, 17), (64, 64), (5, 7)];
        if let Some(w) = window {
            // Shapes where each edge of the window cuts through the sampled rows.
            let (l, r) = (i64::from(w.left), i64::from(w.right));
            sizes.push((40, l + r + 100));
            sizes.push((r + 60, r + 60));
        }
        // Which masks the condition is exactly: [tail, causal, left edge, right edge]. Keys past
        // the end do not matter for the three masks over `query` (the tail mask covers them).
        let mut exact = [true; 4];
        'outer: for &(sq, sk) in &sizes {
            for query in 0..sq.min(40) {
                for key in 0..(sk + bn) {
                    let get = |n: &str| match n {
                        "S_q" => Some(sq),
                        "S_k" => Some(sk),
                        "query" => Some(query),
                        "key" => Some(key),
                        _ => env0.get(n).copied(),
                    };
                    let holds = eval::int_by(&cond.lhs, &get)
                        .and_then(|l| eval::int_by(&cond.rhs, &get).map(|r| cond.op.holds(l, r)));
                    let got = match holds {
                        Ok(g) => g,
                        Err(e) => {
                            self.err(Diagnostic::error(
                                "structure",
                                sp,
                                format!("mask condition: {e}"),
                            ));
                            return;
                        }
                    };
                    let diag = query + sk - sq;
                    let past = key >= sk;
                    let wants = [
                        past,
                        if past { got } else { key > diag },
                        if past {
                            got
                        } else {
                            window.is_some_and(|w| key < diag - i64::from(w.left))
                        },
                        if past {
                            got
                        } else {
                            window.is_some_and(|w| key > diag + i64::from(w.right))
                        },
                    ];
                    for (e, want) in exact.iter_mut().zip(wants) {
                        *e &= got == want;
                    }
                    if !exact.contains(&true) {
                        break 'outer;
                    }
                }
            }
        }
        let [tail_exact, causal_exact, left_exact, right_exact] = exact;
        // What a mask over `query` means to do: `key < ...` is a left edge; `key > ...` the
        // causal diagonal, or a two-sided window's right edge.
        let leftward = matches!(cond.op, CmpOp::Lt | CmpOp::Le) == eval::mentions(&cond.lhs, "key");
        let two_sided = window.is_some() && self.target.causal == Some(false);
        if causal_kind && window.is_some() && (left_exact || leftward) {
            let w = window.unwrap_or_default();
            let rule = format!(
                "query i sees key j iff j >= i + S_k - S_q - {0} (the left edge is inside the window): mask `key < query + S_k - S_q - {0}`",
                w.left
            );
            if self.window_edge(sp, cond, when, left_exact, "left", rule)
                && let Some(b) = self.bufs.get_mut(target)
            {
                b.left_masked = true;
            }
            return;
        }
        if causal_kind && two_sided && !causal_exact {
            let w = window.unwrap_or_default();
            let rule = format!(
                "query i sees key j iff j <= i + S_k - S_q + {0}: mask `key > query + S_k - S_q + {0}`",
                w.right
            );
            if self.window_edge(sp, cond, when, right_exact, "right", rule)
                && let Some(b) = self.bufs.get_mut(target)
            {
                b.right_masked = true;
            }
            return;
        }
        let exact = if causal_kind {
            causal_exact
        } else {
            tail_exact
        };
        if causal_kind {
            self.causal_seen = true;
            if !exact {
                self.err(
                    Diagnostic::error("causal-mask", sp, format!("the mask `{cond}` is not the causal mask"))
                        .label("masks the wrong scores")
                        .note("query i sees key j iff j <= i + S_k - S_q (bottom-right aligned): mask `key > query + S_k - S_q`"),
                );
            } else if when == MaskWhen::Tail {
                self.err(
                    Diagnostic::error(
                        "causal-mask",
                        sp,
                        "the causal mask belongs on the diagonal blocks, not only the tail block",
                    )
                    .label("wrong blocks"),
                );
            } else if self.target.causal == Some(false) {
                self.err(
                    Diagnostic::error(
                        "causal-mask",
                        sp,
                        "the spec is not causal, but this mask is",
                    )
                    .label("remove this mask"),
                );
            }
        } else if !exact {
            self.err(
                Diagnostic::error(
                    "tail-mask",
                    sp,
                    format!("the mask `{cond}` does not mask exactly the keys past the end"),
                )
                .label("wrong on the partial tile")
                .help("mask `key >= S_k`: key S_k - 1 is the last real key"),
            );
        } else if when == MaskWhen::Diagonal {
            self.err(
                Diagnostic::error(
                    "tail-mask",
                    sp,
                    "the key-tail mask belongs on the tail block, not on `diagonal blocks only`",
                )
                .label("wrong blocks")
                .help("use `(tail block only)`"),
            );
        }
        if let Some(b) = self.bufs.get_mut(target)
            && exact
        {
            if causal_kind {
                b.causal_masked = true;
                if when == MaskWhen::Always {
                    b.tail_masked = true;
                }
            } else if when != MaskWhen::Diagonal {
                b.tail_masked = true;
            }
        }
    }

    /// Rule `alibi`: `Compute bias` adds exactly `-slope * |query + S_k - S_q - key|` (times
    /// `log2(e)` when the scores are already in the log2 domain), compared with its meaning on
    /// sample points, to scaled, unmasked scores of a spec with ALiBi.
    fn bias(&mut self, target: &str, negative: bool, term: &Expr, span: Span) {
        let sp = Some(span);
        self.in_loop(span, "a bias");
        let Some(b) = self.read(target, span) else {
            return;
        };
        if self.target.variants.is_some_and(|v| !v.alibi) {
            self.err(
                Diagnostic::error(
                    "alibi",
                    sp,
                    "the spec has no ALiBi, but the scores get a bias",
                )
                .label("remove this step"),
            );
        }
        if b.tail_masked || b.causal_masked || b.left_masked || b.right_masked {
            self.err(
                Diagnostic::error("alibi", sp, format!("`{target}` gets its bias after it was masked"))
                    .label("the bias belongs to the score; the masks decide what the softmax sees")
                    .help("bias the scaled scores first, then mask (FlashAttention's order, the kernel template's)"),
            );
        }
        let unit = match (b.scaled, self.exp_base) {
            (true, Some(ExpBase::E)) => 1.0,
            (true, Some(ExpBase::Two)) => std::f64::consts::LOG2_E,
            _ => {
                self.err(
                    Diagnostic::error("alibi", sp, format!("`{target}` gets its bias before it is scaled by softmax_scale"))
                        .label("the slopes apply to softmax_scale * Q K^T")
                        .help("`Compute scale S by softmax_scale`, then the bias, then `Compute scale S by log2(e)`"),
                );
                return;
            }
        };
        // Compare with the meaning on sample points: sizes, positions on both sides of the
        // diagonal, two slopes.
        let params = self.env();
        let sign = if negative { -1.0 } else { 1.0 };
        let (mut right, mut flipped, mut top_left, mut natural) = (true, true, true, true);
        for (sq, sk) in [(17i64, 150i64), (150, 17), (64, 64)] {
            for (query, key) in [(0i64, 0i64), (3, 140), (16, 5), (63, 2), (9, 9)] {
                for slope in [0.25f64, 1.5] {
                    let get = |n: &str| match n {
                        "slope" => Some(slope),
                        "query" => Some(query as f64),
                        "key" => Some(key as f64),
                        "S_q" => Some(sq as f64),
                        "S_k" => Some(sk as f64),
                        "softmax_scale" => Some(0.125),
                        "GROUP" | "h" | "b" => Some(1.0),
                        _ => params.get(n).map(|x| *x as f64),
                    };
                    let got = match eval::real_by(term, &get) {
                        Ok(v) => sign * v,
                        Err(e) => {
                            self.err(Diagnostic::error("alibi", sp, e).help(
                                "the bias is over `slope`, `query`, `key`, `S_q`, `S_k`: `-slope * abs(query + S_k - S_q - key)`",
                            ));
                            return;
                        }
                    };
                    let dist = (query + sk - sq - key).abs() as f64;
                    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
                    right &= near(got, -slope * unit * dist);
                    flipped &= near(got, slope * unit * dist);
                    top_left &= near(got, -slope * unit * (query - key).abs() as f64);
                    natural &= near(got, -slope * dist);
                }
            }
        }
        if !right {
            let (msg, help) = if flipped {
                (
                    format!("`{target}` gets +slope * |distance|: ALiBi subtracts it"),
                    "far keys must lose weight: `-slope * abs(query + S_k - S_q - key)`"
                        .to_string(),
                )
            } else if top_left {
                (
                    format!("`{target}`'s bias is aligned top-left (|query - key|)"),
                    "ALiBi aligns bottom-right, like the causal mask: `abs(query + S_k - S_q - key)`".to_string(),
                )
            } else if natural {
                (
                    format!("`{target}` is in the log2 domain, but its bias is in natural units"),
                    "bias between `Compute scale S by softmax_scale` and `Compute scale S by log2(e)`".to_string(),
                )
            } else {
                (
                    format!("`{target}`'s bias is not -slope * |query + S_k - S_q - key|"),
                    "`Compute bias S by -slope * abs(query + S_k - S_q - key)` on softmax_scale-scaled scores".to_string(),
                )
            };
            self.err(Diagnostic::error("alibi", sp, msg).help(help));
        }
        if let Some(m) = self.bufs.get_mut(target) {
            m.biased = true;
        }
    }

    fn softmax_input_checks(&mut self, src: &str, s: &Buf, span: Span) {
        let sp = Some(span);
        if !s.scaled {
            self.err(
                Diagnostic::error("softmax-scale", sp, format!("`{src}` reaches the softmax without `Compute scale {src} by softmax_scale * log2(e)`")),
            );
        }
        if !s.tail_masked {
            self.err(
                Diagnostic::error(
                    "tail-mask",
                    sp,
                    format!("`{src}` reaches the softmax with the key tail unmasked"),
                )
                .label("scores of keys >= S_k are garbage here")
                .help(format!(
                    "before it: `Compute mask {src} where key >= S_k (tail block only)`"
                )),
            );
        }
        if let Some(v) = self.target.variants {
            if v.softcap.is_some() && !s.softcapped {
                self.err(
                    Diagnostic::error("softcap", sp, format!("the spec caps the scores, but `{src}` reaches the softmax uncapped"))
                        .help(format!("after `Compute scale {src} by softmax_scale`: `Compute softcap {src} by {}`", v.softcap.unwrap_or(0))),
                );
            }
            if v.alibi && !s.biased {
                self.err(
                    Diagnostic::error("alibi", sp, format!("the spec has ALiBi, but `{src}` reaches the softmax without its bias"))
                        .help(format!("after `Compute scale {src} by softmax_scale`: `Compute bias {src} by -slope * abs(query + S_k - S_q - key)`")),
                );
            }
            if let Some(w) = v.window {
                if !s.left_masked {
                    self.err(
                        Diagnostic::error("window-mask", sp, format!("the spec has a window, but `{src}` reaches the softmax without its left edge masked"))
                            .help(format!("before it: `Compute mask {src} where key < query + S_k - S_q - {}`", w.left)),
                    );
                }
                if self.target.causal == Some(false) && !s.right_masked {
                    self.err(
                        Diagnostic::error("window-mask", sp, format!("the spec has a two-sided window, but `{src}` reaches the softmax without its right edge masked"))
                            .help(format!("before it: `Compute mask {src} where key > query + S_k - S_q + {}`", w.right)),
                    );
                }
            }
        }
        let causal = self.target.causal.unwrap_or(self.causal_seen);
        if causal && !s.causal_masked {
            self.err(
                Diagnostic::error("causal-mask", sp, format!("the spec is causal but `{src}` reaches the softmax without the causal mask"))
                    .help(format!("before it: `Compute mask {src} where key > query + S_k - S_q (diagonal blocks only)`")),
            );
        }
    }

    fn budgets(&mut self, program: &Program) {
        let info = self.info;
        let mut smem = 0u64;
        let mut biggest_shared: Option<(u64, Span)> = None;
        let (warps, role_regs) = match self.gemm_warps {
            Some((w, r)) => (w, r),
            None => (self.p("WARPS").unwrap_or(4).max(1) as u64, None),
        };
        let warps = warps.clamp(1, 1 << 20);
        let threads = warps * 32;
        let mut regs = REGISTER_OVERHEAD;
        let mut biggest_reg: Option<(u64, Span)> = None;
        let mut seen = HashSet::new();
        // A Reshape's operand tile in registers is built from the accumulator's registers as
        // they die (FA2 converts S to P in place): it costs no registers of its own. One in
        // shared memory (the FMA kernels' P) costs its bytes like any shared tile.
        walk(&program.stmts, &mut |s| {
            if let StmtKind::Reshape(r) = &s.kind
                && self
                    .bufs
                    .get(&r.dst)
                    .is_none_or(|b| b.space == Space::Register)
            {
                seen.insert(r.dst.clone());
            }
        });
        walk(&program.stmts, &mut |s| {
            if let StmtKind::Allocate(a) = &s.kind {
                for n in &a.names {
                    if !seen.insert(n.clone()) {
                        continue;
                    }
                    let Some(b) = self.bufs.get(n) else { continue };
                    let elems: u64 = b.dims.iter().fold(1u64, |a, d| a.saturating_mul(*d as u64));
                    let bytes = elems.saturating_mul(b.dtype.size() as u64);
                    match b.space {
                        Space::Shared => {
                            smem = smem.saturating_add(bytes);
                            if biggest_shared.is_none_or(|(x, _)| bytes > x) {
                                biggest_shared = Some((bytes, s.span));
                            }
                        }
                        Space::Register => {
                            let r = if b.dims.len() == 1 {
                                (elems).div_ceil(warps * 8)
                            } else {
                                (bytes / 4).div_ceil(threads)
                            };
                            regs = regs.saturating_add(r);
                            if biggest_reg.is_none_or(|(x, _)| r > x) {
                                biggest_reg = Some((r, s.span));
                            }
                        }
                        Space::Global => {}
                    }
                }
            }
        });
        // Implicit row vectors (m_new).
        for (n, b) in &self.bufs {
            if b.space == Space::Register && b.dims.len() == 1 && !seen.contains(n) {
                regs = regs.saturating_add((b.dims[0] as u64).div_ceil(warps * 8));
            }
        }
        // Warp roles with setmaxnreg budgets share the SM's register file.
        let mut roles: HashMap<&str, (u64, u64)> = HashMap::new();
        walk(&program.stmts, &mut |s| {
            if let StmtKind::Role(r) = &s.kind
                && let Some(n) = r.registers
            {
                roles.insert(&r.name, (r.warps, n));
            }
        });
        let role_warps: u64 = self
            .role_headers
            .values()
            .fold(0u64, |a, h| a.saturating_add(h.0));
        if let Some(w) = self.p("WARPS")
            && !self.role_headers.is_empty()
            && role_warps != w as u64
        {
            self.err(Diagnostic::error(
                "schedule",
                None,
                format!("the roles have {role_warps} warps in all but `WARPS = {w}`"),
            ));
        }
        let role_total: u64 = roles.values().fold(0u64, |a, (w, n)| {
            a.saturating_add(w.saturating_mul(32).saturating_mul(*n))
        });
        if role_total > u64::from(info.regs_per_sm) {
            self.err(Diagnostic::error(
                "register-budget",
                None,
                format!("the roles' register budgets need {role_total} registers, more than the {} of an SM", info.regs_per_sm),
            ));
        }
        self.report.smem_bytes = smem;
        self.report.registers = regs;
        if smem > u64::from(info.smem_per_block) {
            self.err(
                Diagnostic::error(
                    "smem-budget",
                    biggest_shared.map(|x| x.1),
                    format!(
                        "shared memory {:.1} KiB exceeds {}'s {} KiB per block",
                        smem as f64 / 1024.0,
                        info.name,
                        info.smem_per_block / 1024
                    ),
                )
                .label("the largest shared allocation")
                .help("use fewer STAGES or smaller BM / BN"),
            );
        }
        let limit = role_regs.unwrap_or(MAX_REGISTERS).min(MAX_REGISTERS);
        if regs > limit {
            self.err(
                Diagnostic::error("register-budget", biggest_reg.map(|x| x.1), format!("an estimated {regs} registers per thread exceed the limit of {limit}"))
                    .label("the largest register tile")
                    .note(format!("register tiles are spread over {threads} threads, plus {REGISTER_OVERHEAD} for addresses and indices"))
                    .help("use a smaller BN, or more WARPS"),
            );
        } else if regs.saturating_mul(threads) > u64::from(info.regs_per_sm) {
            self.err(Diagnostic::error(
                "register-budget",
                biggest_reg.map(|x| x.1),
                format!(
                    "{threads} threads x {regs} registers exceed the {} registers of an SM",
                    info.regs_per_sm
                ),
            ));
        }
    }

    fn tiles(&mut self, at: Option<Span>) {
        let warps = match self.gemm_warps {
            Some((w, _)) => w as i64,
            None => self.p("WARPS").unwrap_or(4),
        };
        let (bm, bn, d) = (
            self.p("BM").unwrap_or(0),
            self.p("BN").unwrap_or(0),
            self.p("D").unwrap_or(0),
        );
        // FMA GEMMs split rows over 16-thread groups (two per warp); MMA over 16-row tiles.
        let (rows, unit) = if self.fma_gemms {
            (
                warps.clamp(1, 1 << 20) * 2,
                "rows over the 16-thread groups of",
            )
        } else {
            (warps.clamp(1, 1 << 20) * 16, "16-row MMA tiles over")
        };
        if bm <= 0 || bm % rows != 0 {
            self.err(
                Diagnostic::error(
                    "tile-divisibility",
                    at,
                    format!("BM = {bm} does not split into {unit} {warps} warps"),
                )
                .help(format!("BM a multiple of {rows}")),
            );
        }
        if self.wgmma_gemms && bm != warps * 16 {
            self.err(
                Diagnostic::error(
                    "wgmma",
                    at,
                    format!("BM = {bm}, but a wgmma covers 64 rows per warpgroup: the GEMM role's {warps} warps take BM = {}", warps * 16),
                )
                .help("one 64-row wgmma tile per consumer warpgroup"),
            );
        }
        if bn <= 0 || bn % 16 != 0 {
            self.err(Diagnostic::error(
                "tile-divisibility",
                at,
                format!("BN = {bn} is not a multiple of 16 (the MMA k of the second GEMM)"),
            ));
        }
        if d <= 0 || d % 16 != 0 {
            self.err(Diagnostic::error(
                "tile-divisibility",
                at,
                format!("D = {d} is not a multiple of 16"),
            ));
        }
        if let Some(s) = self.p("STAGES")
            && !(1..=4).contains(&s)
        {
            self.err(Diagnostic::error(
                "param",
                at,
                format!("STAGES = {s}: 1 to 4 stage buffers"),
            ));
        }
    }
}

fn self_dtype_of(bufs: &HashMap<String, Buf>, name: &str) -> DType {
    bufs.get(name).map_or(DType::F32, |b| b.content)
}

fn contains_gemm(stmts: &[Stmt]) -> bool {
    let mut found = false;
    walk(stmts, &mut |s| {
        found |= matches!(s.kind, StmtKind::Compute(Compute::Gemm { .. }));
    });
    found
}

/// Calls `f` on every statement, blocks before their bodies.
pub fn walk<'p>(stmts: &'p [Stmt], f: &mut dyn FnMut(&'p Stmt)) {
    for s in stmts {
        f(s);
        match &s.kind {
            StmtKind::Loop(l) => walk(&l.body, f),
            StmtKind::Role(r) => walk(&r.body, f),
            StmtKind::Combine(b) => walk(b, f),
            _ => {}
        }
    }
}
