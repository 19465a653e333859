//! The CPU interpreter: runs a program's statements, tile by tile, for every thread block of a
//! small problem, in f32 with each buffer's dtype rounding, and compares the output with the
//! f64 reference of `qimeng-reference`.
//!
//! It follows the program, not the algorithm it should be: the loop runs the bounds the
//! program states, masks apply the conditions written on the blocks named, a missing rescale
//! leaves stale terms in the accumulator. Memory the program did not write reads as NaN (shared
//! memory, scratch registers, rows past a sequence that no guard zero-fills, and the output),
//! so forgetting a write shows up in the numbers.

use std::collections::HashMap;

use qimeng_reference::{
    Comparison, Problem, Rng, attention_f64, attention_lowp, compare, random_tensor, round_to,
};
use qimeng_spec::{DType, Spec};

use crate::ast::*;
use crate::check::walk;
use crate::diag::Diagnostic;
use crate::eval;

/// A fault while running: the statement and what went wrong (a tensor index out of range, a
/// store past the end, a shape that does not fit).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {}: {message}", span.line)]
pub struct InterpretError {
    /// The statement.
    pub span: Span,
    /// What happened.
    pub message: String,
}

impl InterpretError {
    /// As a diagnostic (rule `interpret`).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error("interpret", Some(self.span), self.message.clone())
    }
}

/// The first output element over the error bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mismatch {
    /// Batch.
    pub b: usize,
    /// Query row.
    pub i: usize,
    /// Query head.
    pub h: usize,
    /// Element of the head dimension.
    pub d: usize,
    /// What the program computed.
    pub got: f32,
    /// The f64 reference.
    pub expected: f64,
}

/// One problem run through a program.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The problem.
    pub problem: Problem,
    /// Against the references (`passed` is the verdict).
    pub comparison: Comparison,
    /// Where it first went wrong, if it did.
    pub mismatch: Option<Mismatch>,
}

impl Run {
    /// `b x s_q x s_k x h_q:h_kv x d [causal]`.
    pub fn shape(&self) -> String {
        let p = &self.problem;
        format!(
            "b={} s_q={} s_k={} h={}:{} d={}{}",
            p.batch,
            p.seqlen_q,
            p.seqlen_k,
            p.heads_q,
            p.heads_kv,
            p.head_dim,
            if p.causal { " causal" } else { "" }
        )
    }

    /// One line: the problem, the max error, the bound and the first mismatch.
    pub fn summary(&self) -> String {
        let c = &self.comparison;
        let mut s = format!(
            "{}: max error {:.3e} (bound {:.3e}), rel L2 {:.2e}",
            self.shape(),
            c.max_error,
            2.0 * c.lowp_error + qimeng_reference::ABS_SLACK,
            c.rel_l2
        );
        if c.non_finite > 0 {
            s += &format!(", {} non-finite outputs", c.non_finite);
        }
        if let Some(m) = self.mismatch {
            s += &format!(
                "; first mismatch O[b={}, i={}, h={}, d={}] = {}, expected {:.6}",
                m.b, m.i, m.h, m.d, m.got, m.expected
            );
        }
        s
    }
}

/// The problems every program is run on: a single key, tails (17, 150), GQA 4:1, causal with
/// s_q < s_k and s_q > s_k (rows that see no key), and tile-divisible lengths.
pub fn standard_problems(head_dim: usize, causal: bool) -> Vec<Problem> {
    vec![
        Problem::new(1, 1, 1, 1, 1, head_dim, causal),
        Problem::new(1, 17, 17, 2, 2, head_dim, causal),
        Problem::new(2, 17, 150, 4, 1, head_dim, causal),
        Problem::new(1, 150, 100, 1, 1, head_dim, causal),
        Problem::new(1, 128, 256, 1, 1, head_dim, causal),
    ]
}

/// Runs `program` on `problem` with random inputs of `dtype` (from `seed`) and compares.
pub fn run(
    program: &Program,
    dtype: DType,
    problem: &Problem,
    seed: u64,
) -> Result<Run, InterpretError> {
    let mut rng = Rng::new(seed);
    let q = random_tensor(&mut rng, problem.q_len(), dtype);
    let k = random_tensor(&mut rng, problem.kv_len(), dtype);
    let v = random_tensor(&mut rng, problem.kv_len(), dtype);
    let out = interpret(program, problem, &q, &k, &v)?;
    let exact = attention_f64(problem, &q, &k, &v);
    let lowp = attention_lowp(problem, &q, &k, &v, dtype);
    let comparison = compare(dtype, &out, &exact, &lowp);
    let mismatch = comparison.first_bad.map(|idx| {
        let d = idx % problem.head_dim;
        let row = idx / problem.head_dim;
        let h = row % problem.heads_q;
        let i = (row / problem.heads_q) % problem.seqlen_q;
        let b = row / (problem.heads_q * problem.seqlen_q);
        Mismatch {
            b,
            i,
            h,
            d,
            got: out[idx],
            expected: exact[idx],
        }
    });
    Ok(Run {
        problem: problem.clone(),
        comparison,
        mismatch,
    })
}

/// The problems a program for `spec` is run on: [`standard_problems`] posed through
/// [`Problem::for_spec`] (its window and softcap, at the scale that makes the cap bite, and its
/// random ALiBi slopes, one per batch entry and head), and for
/// a window, shapes where each edge cuts through the rows: `s_q = 150` against
/// `s_k = left + right + 200` (the left edge), and for a two-sided window `s_q = s_k = left +
/// right + 100` (the right edge).
///
/// Varlen: a block sees only its own sequence (`at sequence b`: that sequence's rows, `S_q`
/// and `S_k` its lengths), so a packed batch is interpreted as its sequences, each a problem
/// of its own; the standard shapes already give single-token and tail sequences, and a
/// sequence with unequal, non-tile lengths (`s_q = 33`, `s_k = 7`: rows that see no key when
/// causal) is added. A read past a sequence's rows is NaN here (on the GPU: the next
/// sequence's rows) and a write past them a fault, so a plan whose tiles cross sequences fails.
pub fn spec_problems(spec: &Spec) -> Vec<Problem> {
    let mut shapes: Vec<(usize, usize, usize, usize, usize)> = standard_problems(1, false)
        .iter()
        .map(|p| (p.batch, p.seqlen_q, p.seqlen_k, p.heads_q, p.heads_kv))
        .collect();
    if let Some(w) = spec.variants.window {
        let span = (w.left + w.right) as usize;
        shapes.push((1, 150, span + 200, 2, 1));
        if w.right > 0 {
            shapes.push((1, span + 100, span + 100, 1, 1));
        }
    }
    if spec.variants.varlen {
        shapes.push((1, 33, 7, 2, 1));
    }
    shapes
        .into_iter()
        .map(|(b, sq, sk, hq, hkv)| Problem::for_spec(spec, b, sq, sk, hq, hkv))
        .collect()
}

/// Runs `program` on every [`spec_problems`] of `spec`; stops at the first fault. A program of
/// several `Schedule`s runs each of them on every problem (the launcher's choice is a matter of
/// speed: each schedule must compute the function on any shape).
pub fn run_spec(program: &Program, spec: &Spec) -> Result<Vec<Run>, InterpretError> {
    let problems = spec_problems(spec);
    let mut runs = Vec::new();
    for (_, schedule) in program.schedules() {
        for (n, p) in problems.iter().enumerate() {
            runs.push(run(&schedule, spec.dtype, p, 1000 + n as u64)?);
        }
    }
    Ok(runs)
}

/// Runs `program` on one problem and returns the output (`[batch, s_q, heads_q, head_dim]`,
/// f32). Inputs are contiguous `[batch, seq, heads, head_dim]`; their values should already be
/// rounded to the program's dtype.
pub fn interpret(
    program: &Program,
    p: &Problem,
    q: &[f32],
    k: &[f32],
    v: &[f32],
) -> Result<Vec<f32>, InterpretError> {
    let top = Span::default();
    let fault = |m: String| InterpretError {
        span: top,
        message: m,
    };
    if q.len() != p.q_len() || k.len() != p.kv_len() || v.len() != p.kv_len() {
        return Err(fault("input lengths do not match the problem".into()));
    }
    if p.heads_kv == 0 || !p.heads_q.is_multiple_of(p.heads_kv) || p.head_dim == 0 {
        return Err(fault("heads_q must be a multiple of heads_kv".into()));
    }
    let schedules = program.schedules();
    if !matches!(schedules.as_slice(), [(None, _)]) {
        // The launcher's choice: the first schedule whose condition holds for this shape.
        let env: crate::eval::Env = [
            (
                "S_q".to_string(),
                i64::try_from(p.seqlen_q).unwrap_or(i64::MAX),
            ),
            (
                "S_k".to_string(),
                i64::try_from(p.seqlen_k).unwrap_or(i64::MAX),
            ),
        ]
        .into();
        for (head, schedule) in &schedules {
            let runs_here = match head.as_ref().and_then(|h| h.when.as_ref()) {
                Some(c) => crate::eval::cond(c, &env).map_err(fault)?,
                None => true,
            };
            if runs_here {
                return interpret(schedule, p, q, k, v);
            }
        }
        return Err(fault("no schedule runs this shape".into()));
    }
    let (params, init, running) = setup(program);
    let bm = params
        .get("BM")
        .copied()
        .filter(|x| *x > 0 && *x <= 4096)
        .ok_or_else(|| fault("`param BM` is missing or out of range".into()))?
        as usize;
    let mut out = vec![f32::NAN; p.q_len()];
    let group = p.heads_q / p.heads_kv;
    for b in 0..p.batch {
        for h in 0..p.heads_q {
            for i in 0..p.seqlen_q.div_ceil(bm) {
                let mut env = params.clone();
                for (n, val) in [
                    ("S_q", p.seqlen_q),
                    ("S_k", p.seqlen_k),
                    ("GROUP", group),
                    ("b", b),
                    ("h", h),
                    ("i", i),
                ] {
                    env.insert(n.to_string(), val as i64);
                }
                let mut m = Block {
                    p,
                    q,
                    k,
                    v,
                    out: &mut out,
                    env,
                    bufs: HashMap::new(),
                    globals: HashMap::new(),
                    init: &init,
                    running: &running,
                    loop_j: None,
                    loop_iter: 0,
                    barriers: HashMap::new(),
                    steps: 0,
                    dec: None,
                };
                m.block(&program.stmts)?;
            }
        }
    }
    Ok(out)
}

/// Parameters, the register buffers that start initialized (accumulators at 0, running maxima
/// at -inf) and which new-max buffer commits to which running max.
#[allow(clippy::type_complexity)]
pub(crate) fn setup(
    program: &Program,
) -> (
    HashMap<String, i64>,
    HashMap<String, f32>,
    HashMap<String, String>,
) {
    let mut params: HashMap<String, i64> = HashMap::new();
    let mut init: HashMap<String, f32> = HashMap::new();
    let mut running: HashMap<String, String> = HashMap::new();
    walk(&program.stmts, &mut |s| match &s.kind {
        StmtKind::Param(ps) => {
            for (n, val) in ps {
                params.insert(n.clone(), i64::try_from(*val).unwrap_or(i64::MAX));
            }
        }
        StmtKind::Compute(Compute::Gemm {
            c,
            accumulate: true,
            ..
        }) => {
            init.entry(c.clone()).or_insert(0.0);
        }
        StmtKind::Compute(Compute::RowSum {
            dst,
            accumulate: true,
            ..
        }) => {
            init.entry(dst.clone()).or_insert(0.0);
        }
        StmtKind::Compute(Compute::Rescale {
            targets, commit, ..
        }) => {
            for t in targets {
                init.entry(t.clone()).or_insert(0.0);
            }
            if let Some((m, m_new)) = commit {
                init.insert(m.clone(), f32::NEG_INFINITY);
                running.insert(m_new.clone(), m.clone());
            }
        }
        _ => {}
    });
    (params, init, running)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Q,
    K,
    V,
    O,
    /// Decode: the partial outputs, `(SPLITS, rows, D)` f32 per batch and KV head.
    OPart,
    /// Decode: the partial log-sum-exps, `(SPLITS, rows)`.
    LsePart,
    /// Decode: the log-sum-exp output.
    Lse,
}

#[derive(Clone, Copy)]
pub(crate) struct Global {
    pub(crate) which: Which,
    pub(crate) batch: usize,
    pub(crate) head: usize,
    pub(crate) dtype: DType,
    /// `group`: rows are `query * GROUP + g` of KV head `head`'s query heads.
    pub(crate) group: bool,
    /// `through block_table`.
    pub(crate) paged: bool,
}

#[derive(Clone)]
pub(crate) struct Buf {
    pub(crate) dims: Vec<usize>,
    pub(crate) data: Vec<f32>,
    pub(crate) content: DType,
    /// For (stages, rows, cols) buffers: the stage the last copy filled.
    pub(crate) slot: usize,
}

impl Buf {
    /// The 2-D (or 1-D) matrix currently meant: the last-filled stage of a staged buffer.
    pub(crate) fn mat(&self) -> (&[f32], &[usize]) {
        if self.dims.len() == 3 {
            let n = self.dims[1] * self.dims[2];
            (&self.data[self.slot * n..][..n], &self.dims[1..])
        } else {
            (&self.data, &self.dims)
        }
    }
}

/// Statements executed per thread block, at most (guards against runaway programs).
const MAX_STEPS: u64 = 1 << 22;

pub(crate) struct Block<'a> {
    pub(crate) p: &'a Problem,
    pub(crate) q: &'a [f32],
    pub(crate) k: &'a [f32],
    pub(crate) v: &'a [f32],
    pub(crate) out: &'a mut [f32],
    pub(crate) env: HashMap<String, i64>,
    pub(crate) bufs: HashMap<String, Buf>,
    pub(crate) globals: HashMap<String, Global>,
    pub(crate) init: &'a HashMap<String, f32>,
    pub(crate) running: &'a HashMap<String, String>,
    pub(crate) loop_j: Option<i64>,
    /// Iterations of the key-block loop done before this one (0 outside it): a ring's stage
    /// and phase count from the loop's first block.
    pub(crate) loop_iter: i64,
    /// Declared barriers: name -> phases completed per stage, and whether it is an empty
    /// barrier (its first phase of each stage is free: the ring starts empty).
    pub(crate) barriers: HashMap<String, (Vec<i64>, bool)>,
    pub(crate) steps: u64,
    /// A decode block's extra state (`None` for prefill).
    pub(crate) dec: Option<&'a mut crate::decode::Ctx>,
}

pub(crate) type R<T> = Result<T, InterpretError>;

impl Block<'_> {
    pub(crate) fn block(&mut self, stmts: &[Stmt]) -> R<()> {
        for s in stmts {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err(self.fault(s.span, "the program runs too long".into()));
            }
            self.stmt(s)?;
        }
        Ok(())
    }

    fn combine_phase(&self) -> bool {
        self.dec
            .as_ref()
            .is_some_and(|d| d.phase == crate::decode::Phase::Combine && !d.inside)
    }

    fn set_inside(&mut self, inside: bool) {
        if let Some(d) = self.dec.as_mut() {
            d.inside = inside;
        }
    }

    pub(crate) fn fault(&self, span: Span, message: String) -> InterpretError {
        InterpretError { span, message }
    }

    pub(crate) fn int(&self, e: &Expr, span: Span) -> R<i64> {
        eval::int(e, &self.env).map_err(|m| self.fault(span, m))
    }

    pub(crate) fn buf(&self, name: &str, span: Span) -> R<&Buf> {
        self.bufs
            .get(name)
            .ok_or_else(|| self.fault(span, format!("`{name}` is not allocated")))
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        let span = s.span;
        match &s.kind {
            StmtKind::Blank
            | StmtKind::Comment(_)
            | StmtKind::Param(_)
            | StmtKind::Sync(Sync::Block) => Ok(()),
            StmtKind::Barrier(b) => {
                let stages = match self.buf(&b.buffer, span)?.dims.as_slice() {
                    [st, _, _] => (*st).max(1),
                    _ => 1,
                };
                self.barriers
                    .insert(b.full.clone(), (vec![0; stages], false));
                if let Some(e) = &b.empty {
                    self.barriers.insert(e.clone(), (vec![0; stages], true));
                }
                Ok(())
            }
            StmtKind::Sync(Sync::Arrive(name)) => {
                let it = self.loop_iter;
                if let Some((done, _)) = self.barriers.get_mut(name) {
                    let n = done.len() as i64;
                    done[(it % n) as usize] += 1;
                }
                Ok(())
            }
            StmtKind::Sync(Sync::Wait(name)) => {
                let it = self.loop_iter;
                if let Some((done, empty)) = self.barriers.get(name) {
                    let n = done.len() as i64;
                    let need = it / n + i64::from(!*empty);
                    let have = done[(it % n) as usize];
                    if have < need {
                        return Err(self.fault(
                            span,
                            format!(
                                "deadlock: `Sync wait {name}` (stage {}, phase {}) waits for an arrival that no statement before it made",
                                it % n,
                                need - 1
                            ),
                        ));
                    }
                }
                Ok(())
            }
            StmtKind::Allocate(a) => self.allocate(a, span),
            StmtKind::Copy(c) => self.copy(c, span),
            StmtKind::Compute(c) => self.compute(c, span),
            StmtKind::Reshape(_) if self.combine_phase() => Ok(()),
            StmtKind::Reshape(r) => {
                let src = self.buf(&r.src, span)?.clone();
                let data = src.data.iter().map(|x| round_to(r.dtype, *x)).collect();
                self.put(
                    &r.dst,
                    Buf {
                        dims: src.dims,
                        data,
                        content: r.dtype,
                        slot: 0,
                    },
                    span,
                )
            }
            StmtKind::Role(r) => self.block(&r.body),
            StmtKind::Schedule(_) => Err(self.fault(
                span,
                "`Schedule` stands only at the top level, before its program".into(),
            )),
            StmtKind::Combine(body) => match self.dec.as_ref().map(|d| d.phase) {
                Some(crate::decode::Phase::Combine) => {
                    self.set_inside(true);
                    let r = self.block(body);
                    self.set_inside(false);
                    r
                }
                Some(crate::decode::Phase::Split) => Ok(()),
                None => Err(self.fault(span, "`Combine` runs only in decode programs".into())),
            },
            StmtKind::Loop(_) if self.combine_phase() => Ok(()),
            StmtKind::Loop(l) => {
                let bn = self
                    .env
                    .get("BN")
                    .copied()
                    .filter(|x| *x > 0)
                    .ok_or_else(|| self.fault(span, "`param BN` is missing".into()))?;
                let sk = self.p.seqlen_k as i64;
                let mut n = (sk + bn - 1) / bn;
                let mut first = 0;
                if let LoopBound::Window(iv) = &l.bound {
                    let Some((left, right)) = self.p.window else {
                        return Err(self.fault(
                            span,
                            "the loop is bounded by a window, but the problem has none".into(),
                        ));
                    };
                    let i = self.int(&Expr::Var(iv.clone()), span)?;
                    let bm = self.env.get("BM").copied().unwrap_or(1);
                    let shift = sk - self.p.seqlen_q as i64;
                    let right = if self.p.causal { 0 } else { right as i64 };
                    // Keys of the block's first row start at its left edge; its last row's
                    // right edge (or diagonal) ends them.
                    let seen = (i + 1) * bm + shift + right;
                    n = if seen <= 0 {
                        0
                    } else {
                        n.min((seen + bn - 1) / bn)
                    };
                    first = (i * bm + shift - left as i64).max(0) / bn;
                }
                if let LoopBound::Split(sv) = &l.bound {
                    let s = self.int(&Expr::Var(sv.clone()), span)?;
                    let splits = self.int(&Expr::Var("SPLITS".into()), span)?.max(1);
                    let per = (n + splits - 1) / splits;
                    first = (s * per).min(n);
                    n = (first + per).min(n);
                }
                if let LoopBound::Diagonal(iv) = &l.bound {
                    let i = self.int(&Expr::Var(iv.clone()), span)?;
                    let bm = self.env.get("BM").copied().unwrap_or(1);
                    let seen = (i + 1) * bm + sk - self.p.seqlen_q as i64;
                    n = if seen <= 0 {
                        0
                    } else {
                        n.min((seen + bn - 1) / bn)
                    };
                }
                for j in first..n {
                    self.env.insert(l.var.clone(), j);
                    self.loop_j = Some(j);
                    self.loop_iter = j - first;
                    self.block(&l.body)?;
                }
                self.env.remove(&l.var);
                self.loop_j = None;
                self.loop_iter = 0;
                Ok(())
            }
        }
    }

    /// Replaces `name`'s contents, keeping its declared shape.
    pub(crate) fn put(&mut self, name: &str, new: Buf, span: Span) -> R<()> {
        match self.bufs.get_mut(name) {
            Some(b) if b.dims == new.dims => {
                *b = new;
                Ok(())
            }
            Some(b) => Err(InterpretError {
                span,
                message: format!("`{name}` is {:?} but the value is {:?}", b.dims, new.dims),
            }),
            None => Err(self.fault(span, format!("`{name}` is not allocated"))),
        }
    }

    fn allocate(&mut self, a: &Allocate, span: Span) -> R<()> {
        for name in &a.names {
            if a.space == Space::Global {
                let which = match name.as_str() {
                    "Q" => Which::Q,
                    "K" => Which::K,
                    "V" => Which::V,
                    "O" => Which::O,
                    "O_part" if self.dec.is_some() => Which::OPart,
                    "lse_part" if self.dec.is_some() => Which::LsePart,
                    "LSE" if self.dec.is_some() => Which::Lse,
                    _ => return Err(self.fault(span, format!("unknown global tensor `{name}`"))),
                };
                let at =
                    a.at.as_ref()
                        .ok_or_else(|| self.fault(span, format!("`{name}` has no `at`")))?;
                let batch = self.int(&at.batch, span)?;
                let head = self.int(&at.head, span)?;
                let heads = match which {
                    Which::K | Which::V => self.p.heads_kv,
                    _ if at.group => self.p.heads_kv,
                    _ => self.p.heads_q,
                };
                if batch < 0 || batch as usize >= self.p.batch {
                    return Err(self.fault(
                        span,
                        format!("`{name}` at batch {batch}: outside 0..{}", self.p.batch),
                    ));
                }
                if head < 0 || head as usize >= heads {
                    return Err(self.fault(
                        span,
                        format!(
                            "`{name}` at head {head} (`{}` with h = {}, GROUP = {}): outside 0..{heads}",
                            at.head,
                            self.env["h"],
                            self.env["GROUP"]
                        ),
                    ));
                }
                self.globals.insert(
                    name.clone(),
                    Global {
                        which,
                        batch: batch as usize,
                        head: head as usize,
                        dtype: a.dtype,
                        group: at.group,
                        paged: at.paged.is_some(),
                    },
                );
                continue;
            }
            let mut dims = Vec::new();
            for d in &a.shape {
                let v = self.int(d, span)?;
                if !(1..=1 << 16).contains(&v) {
                    return Err(
                        self.fault(span, format!("dimension {v} of `{name}` is out of range"))
                    );
                }
                dims.push(v as usize);
            }
            let n: usize = dims.iter().product();
            if n > 1 << 24 {
                return Err(self.fault(span, format!("`{name}` is too large to interpret")));
            }
            let fill = match a.space {
                Space::Register => self.init.get(name).copied().unwrap_or(f32::NAN),
                _ => f32::NAN,
            };
            self.bufs.insert(
                name.clone(),
                Buf {
                    dims,
                    data: vec![fill; n],
                    content: a.dtype,
                    slot: 0,
                },
            );
        }
        Ok(())
    }

    fn copy(&mut self, c: &Copy, span: Span) -> R<()> {
        if c.srcs.len() != c.dsts.len() {
            return Err(self.fault(span, "sources and destinations differ in number".into()));
        }
        let shape: Vec<usize> = c
            .shape
            .iter()
            .map(|e| self.int(e, span).map(|v| v.max(0) as usize))
            .collect::<R<_>>()?;
        if self.combine_phase() {
            return Ok(());
        }
        for (src, dst) in c.srcs.iter().zip(&c.dsts) {
            if let Some(g) = self.globals.get(src).copied()
                && self.dec.is_some()
            {
                crate::decode::load(self, c, span, g, dst, &shape)?;
            } else if let Some(g) = self.globals.get(dst).copied()
                && self.dec.is_some()
            {
                crate::decode::store(self, c, span, src, g, &shape)?;
            } else if let Some(g) = self.globals.get(src).copied() {
                self.load(c, span, g, dst, &shape)?;
            } else if let Some(g) = self.globals.get(dst).copied() {
                self.store(c, span, src, g, &shape)?;
            } else {
                let s = self.buf(src, span)?.clone();
                let (data, _) = s.mat();
                let d = self.bufs.get_mut(dst).ok_or_else(|| InterpretError {
                    span,
                    message: format!("`{dst}` is not allocated"),
                })?;
                if d.data.len() != data.len() {
                    return Err(InterpretError {
                        span,
                        message: format!("`{src}` and `{dst}` differ in size"),
                    });
                }
                d.data.copy_from_slice(data);
                d.content = s.content;
            }
        }
        Ok(())
    }

    pub(crate) fn block_index(&self, at: Option<&Coord>, span: Span) -> R<i64> {
        let at = at.ok_or_else(|| {
            self.fault(span, "a global tile needs `at [row|key block ..]`".into())
        })?;
        self.int(&Expr::Var(at.index.clone()), span)
    }

    fn load(&mut self, c: &Copy, span: Span, g: Global, dst: &str, shape: &[usize]) -> R<()> {
        if shape.len() != 2 {
            return Err(self.fault(span, "a tile has two dimensions".into()));
        }
        let (rows, cols) = (shape[0], shape[1]);
        let p = self.p;
        let d = p.head_dim;
        if cols != d {
            return Err(self.fault(span, format!("tile width {cols} is not head_dim {d}")));
        }
        let blk = self.block_index(c.src_at.as_ref(), span)?;
        let (data, seqlen, heads) = match g.which {
            Which::Q => (self.q, p.seqlen_q, p.heads_q),
            Which::K => (self.k, p.seqlen_k, p.heads_kv),
            Which::V => (self.v, p.seqlen_k, p.heads_kv),
            _ => return Err(self.fault(span, "only `Q`, `K` and `V` are loaded".into())),
        };
        let mut zero_from = i64::MAX;
        for o in c.opts() {
            if let CopyOpt::ZeroFill(e) = o {
                zero_from = self.int(e, span)?;
            }
        }
        let mut tile = vec![0.0f32; rows * cols];
        for r in 0..rows {
            let pos = blk * rows as i64 + r as i64;
            let row = &mut tile[r * cols..][..cols];
            if pos >= zero_from {
                row.fill(0.0);
            } else if pos < 0 || pos >= seqlen as i64 {
                row.fill(f32::NAN); // out of bounds: whatever memory holds
            } else {
                let base = ((g.batch * seqlen + pos as usize) * heads + g.head) * d;
                for (x, y) in row.iter_mut().zip(&data[base..base + d]) {
                    *x = round_to(g.dtype, *y);
                }
            }
        }
        let b = self.bufs.get_mut(dst).ok_or_else(|| InterpretError {
            span,
            message: format!("`{dst}` is not allocated"),
        })?;
        let n = rows * cols;
        if b.dims.len() == 3 && b.dims[1..] == *shape {
            let slot = (blk.max(0) as usize) % b.dims[0];
            b.data[slot * n..][..n].copy_from_slice(&tile);
            b.slot = slot;
        } else if b.dims == shape {
            b.data.copy_from_slice(&tile);
        } else {
            return Err(InterpretError {
                span,
                message: format!("`{dst}` {:?} does not hold a tile {shape:?}", b.dims),
            });
        }
        b.content = g.dtype;
        Ok(())
    }

    fn store(&mut self, c: &Copy, span: Span, src: &str, g: Global, shape: &[usize]) -> R<()> {
        if g.which != Which::O {
            return Err(self.fault(span, "only `O` is written".into()));
        }
        let s = self.buf(src, span)?.clone();
        let (data, dims) = s.mat();
        if dims != shape || shape.len() != 2 || shape[1] != self.p.head_dim {
            return Err(self.fault(span, format!("`{src}` {dims:?} is not the tile {shape:?}")));
        }
        let blk = self.block_index(c.dst_at.as_ref(), span)?;
        let mut guard = i64::MAX;
        for o in c.opts() {
            if let CopyOpt::Guard(e) = o {
                guard = self.int(e, span)?;
            }
        }
        let dtype = c.as_dtype.unwrap_or(g.dtype);
        let (rows, d) = (shape[0], shape[1]);
        let p = self.p;
        for r in 0..rows {
            let pos = blk * rows as i64 + r as i64;
            if pos >= guard {
                continue;
            }
            if pos < 0 || pos >= p.seqlen_q as i64 {
                return Err(self.fault(
                    span,
                    format!(
                        "writes output row {pos}, past S_q = {} (out of bounds)",
                        p.seqlen_q
                    ),
                ));
            }
            let base = p.q_index(g.batch, pos as usize, g.head);
            for (o, x) in self.out[base..base + d].iter_mut().zip(&data[r * d..]) {
                *o = round_to(dtype, *x);
            }
        }
        Ok(())
    }

    fn compute(&mut self, c: &Compute, span: Span) -> R<()> {
        if self.combine_phase() {
            return Ok(());
        }
        match c {
            Compute::Gemm {
                a,
                b,
                c: acc,
                accumulate,
                ..
            } => {
                let (ab, bb) = (self.buf(&a.name, span)?, self.buf(&b.name, span)?);
                let ((ad, adims), (bd, bdims)) = (ab.mat(), bb.mat());
                if adims.len() != 2 || bdims.len() != 2 {
                    return Err(self.fault(span, "GEMM operands are matrices".into()));
                }
                let (m, kk) = (adims[0], adims[1]);
                let (bk, n) = if b.transposed {
                    (bdims[1], bdims[0])
                } else {
                    (bdims[0], bdims[1])
                };
                if bk != kk {
                    return Err(self.fault(span, format!("inner dimensions {kk} and {bk} differ")));
                }
                let mut res = vec![0.0f32; m * n];
                for r in 0..m {
                    for col in 0..n {
                        let mut sum = 0.0f32;
                        for x in 0..kk {
                            let bv = if b.transposed {
                                bd[col * kk + x]
                            } else {
                                bd[x * n + col]
                            };
                            sum += ad[r * kk + x] * bv;
                        }
                        res[r * n + col] = sum;
                    }
                }
                let cb = self.bufs.get_mut(acc).ok_or_else(|| InterpretError {
                    span,
                    message: format!("`{acc}` is not allocated"),
                })?;
                if cb.dims != [m, n] {
                    return Err(InterpretError {
                        span,
                        message: format!("`{acc}` is {:?}, the product is [{m}, {n}]", cb.dims),
                    });
                }
                if *accumulate {
                    for (x, y) in cb.data.iter_mut().zip(res) {
                        *x += y;
                    }
                } else {
                    cb.data = res;
                }
                cb.content = DType::F32;
                Ok(())
            }
            Compute::Scale { target, factor } => {
                let f = eval::real(factor, &self.env, f64::from(self.p.scale))
                    .map_err(|m| self.fault(span, m))? as f32;
                let b = self.mut_buf(target, span)?;
                b.data.iter_mut().for_each(|x| *x *= f);
                Ok(())
            }
            Compute::Softcap { target, cap } => {
                let c = self.int(cap, span)?;
                if c <= 0 {
                    return Err(self.fault(span, format!("softcap {c} is not a positive cap")));
                }
                let c = c as f32;
                // -inf (a score masked too early) becomes -cap: a weight the softmax counts.
                let b = self.mut_buf(target, span)?;
                b.data.iter_mut().for_each(|x| *x = c * (*x / c).tanh());
                Ok(())
            }
            Compute::Bias {
                target,
                negative,
                term,
            } => self.bias(target, *negative, term, span),
            Compute::Mask { target, cond, when } => self.mask(target, cond, *when, span),
            Compute::RowMax { src, dst, .. } => {
                let s = self.buf(src, span)?;
                let (rows, cols) =
                    rc(&s.dims).ok_or_else(|| self.fault(span, "rowmax of a matrix".into()))?;
                let mut m: Vec<f32> = (0..rows)
                    .map(|r| {
                        s.data[r * cols..][..cols]
                            .iter()
                            .copied()
                            .fold(f32::NEG_INFINITY, f32::max)
                    })
                    .collect();
                if let Some(run) = self.running.get(dst) {
                    let old = self.buf(run, span)?;
                    if old.data.len() != rows {
                        return Err(self.fault(
                            span,
                            format!("`{run}` has {} rows, not {rows}", old.data.len()),
                        ));
                    }
                    for (x, o) in m.iter_mut().zip(&old.data) {
                        *x = x.max(*o);
                    }
                }
                self.set_vec(dst, m);
                Ok(())
            }
            Compute::Rescale {
                targets,
                base,
                old,
                new,
                commit,
            } => {
                let (o, n) = (
                    self.buf(old, span)?.data.clone(),
                    self.buf(new, span)?.data.clone(),
                );
                if o.len() != n.len() {
                    return Err(self.fault(span, "running maxima differ in length".into()));
                }
                let alpha: Vec<f32> = o
                    .iter()
                    .zip(&n)
                    .map(|(o, n)| {
                        if *o == f32::NEG_INFINITY {
                            0.0 // nothing seen yet: the accumulators are 0 anyway
                        } else {
                            exp(*base, o - n)
                        }
                    })
                    .collect();
                for t in targets {
                    let b = self.mut_buf(t, span)?;
                    let rows = alpha.len();
                    if b.data.is_empty()
                        || b.data.len() % rows != 0
                        || b.dims.first() != Some(&rows)
                    {
                        return Err(InterpretError {
                            span,
                            message: format!("`{t}` does not have {rows} rows"),
                        });
                    }
                    let w = b.data.len() / rows;
                    for (r, a) in alpha.iter().enumerate() {
                        b.data[r * w..][..w].iter_mut().for_each(|x| *x *= a);
                    }
                }
                if let Some((l, r)) = commit {
                    let v = self.buf(r, span)?.data.clone();
                    let b = self.mut_buf(l, span)?;
                    if b.data.len() != v.len() {
                        return Err(InterpretError {
                            span,
                            message: format!("`{l}` and `{r}` differ in length"),
                        });
                    }
                    b.data = v;
                }
                Ok(())
            }
            Compute::Exp {
                base,
                src,
                sub,
                dst,
            } => {
                let s = self.buf(src, span)?.clone();
                let m = self.buf(sub, span)?.data.clone();
                let (rows, cols) =
                    rc(&s.dims).ok_or_else(|| self.fault(span, "exp of a matrix".into()))?;
                if m.len() != rows {
                    return Err(
                        self.fault(span, format!("`{sub}` has {} rows, not {rows}", m.len()))
                    );
                }
                let mut data = s.data.clone();
                for r in 0..rows {
                    // A row that has seen no key keeps max -inf: subtract 0 so exp gives 0.
                    let mr = if m[r] == f32::NEG_INFINITY { 0.0 } else { m[r] };
                    data[r * cols..][..cols]
                        .iter_mut()
                        .for_each(|x| *x = exp(*base, *x - mr));
                }
                if !self.bufs.contains_key(dst) {
                    self.bufs.insert(dst.clone(), s.clone());
                }
                self.put(
                    dst,
                    Buf {
                        dims: s.dims,
                        data,
                        content: DType::F32,
                        slot: 0,
                    },
                    span,
                )
            }
            Compute::RowSum {
                src,
                dst,
                accumulate,
            } => {
                let s = self.buf(src, span)?;
                let (rows, cols) =
                    rc(&s.dims).ok_or_else(|| self.fault(span, "rowsum of a matrix".into()))?;
                let sums: Vec<f32> = (0..rows)
                    .map(|r| s.data[r * cols..][..cols].iter().sum())
                    .collect();
                if *accumulate {
                    let b = self.mut_buf(dst, span)?;
                    if b.data.len() != rows {
                        return Err(InterpretError {
                            span,
                            message: format!("`{dst}` does not have {rows} rows"),
                        });
                    }
                    b.data.iter_mut().zip(sums).for_each(|(x, y)| *x += y);
                } else {
                    self.set_vec(dst, sums);
                }
                Ok(())
            }
            Compute::Normalize {
                target,
                by,
                zero_guard,
            } => {
                let l = self.buf(by, span)?.data.clone();
                let b = self.mut_buf(target, span)?;
                let rows = l.len();
                if rows == 0 || b.data.len() % rows != 0 {
                    return Err(InterpretError {
                        span,
                        message: format!("`{target}` does not have {rows} rows"),
                    });
                }
                let w = b.data.len() / rows;
                for (r, d) in l.iter().enumerate() {
                    for x in &mut b.data[r * w..][..w] {
                        *x = if *d == 0.0 && *zero_guard {
                            0.0
                        } else {
                            *x / d
                        };
                    }
                }
                Ok(())
            }
            Compute::Lse { .. } | Compute::SplitLse { .. } | Compute::Merge { .. } => {
                crate::decode::compute(self, c, span)
            }
            Compute::Convert { names, from, to } => {
                for n in names {
                    let b = self.mut_buf(n, span)?;
                    if b.content != *from {
                        let c = b.content;
                        return Err(InterpretError {
                            span,
                            message: format!("`{n}` holds {c}, not {from}"),
                        });
                    }
                    b.data.iter_mut().for_each(|x| *x = round_to(*to, *x));
                    b.content = *to;
                }
                Ok(())
            }
        }
    }

    pub(crate) fn mut_buf(&mut self, name: &str, span: Span) -> R<&mut Buf> {
        self.bufs.get_mut(name).ok_or_else(|| InterpretError {
            span,
            message: format!("`{name}` is not allocated"),
        })
    }

    /// Writes a row vector, creating it (f32 register) when no Allocate did.
    pub(crate) fn set_vec(&mut self, name: &str, v: Vec<f32>) {
        let b = self.bufs.entry(name.to_string()).or_insert_with(|| Buf {
            dims: vec![v.len()],
            data: Vec::new(),
            content: DType::F32,
            slot: 0,
        });
        b.dims = vec![v.len()];
        b.data = v;
        b.content = DType::F32;
    }

    /// Adds the term (over `slope`, `query`, `key` and the sizes) to every score of the tile.
    fn bias(&mut self, target: &str, negative: bool, term: &Expr, span: Span) -> R<()> {
        let i = self.env.get("i").copied().unwrap_or(0);
        let j = self.loop_j.unwrap_or(0);
        let (b, h) = (self.env.get("b"), self.env.get("h"));
        let slope = match (b, h) {
            (Some(&b), Some(&h)) => self.p.slope(b as usize, h as usize),
            _ => None,
        }
        .ok_or_else(|| self.fault(span, "a bias, but the problem has no ALiBi slopes".into()))?;
        let buf = self.buf(target, span)?;
        let (rows, cols) =
            rc(&buf.dims).ok_or_else(|| self.fault(span, "bias of a matrix".into()))?;
        let (env, scale) = (&self.env, f64::from(self.p.scale));
        let mut add = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                let query = (i * rows as i64 + r as i64) as f64;
                let key = (j * cols as i64 + c as i64) as f64;
                let get = |n: &str| match n {
                    "slope" => Some(f64::from(slope)),
                    "query" => Some(query),
                    "key" => Some(key),
                    "softmax_scale" => Some(scale),
                    _ => env.get(n).map(|x| *x as f64),
                };
                let t =
                    eval::real_by(term, &get).map_err(|m| InterpretError { span, message: m })?;
                add.push(if negative { -t } else { t } as f32);
            }
        }
        let buf = self.mut_buf(target, span)?;
        for (x, a) in buf.data.iter_mut().zip(add) {
            *x += a;
        }
        Ok(())
    }

    fn mask(&mut self, target: &str, cond: &Cond, when: MaskWhen, span: Span) -> R<()> {
        let (sq, sk) = (self.p.seqlen_q as i64, self.p.seqlen_k as i64);
        let i = self.env.get("i").copied().unwrap_or(0);
        let j = self.loop_j.unwrap_or(0);
        let b = self.buf(target, span)?;
        let (rows, cols) =
            rc(&b.dims).ok_or_else(|| self.fault(span, "mask of a matrix".into()))?;
        let (rows_i, cols_i) = (rows as i64, cols as i64);
        let apply = match when {
            MaskWhen::Always => true,
            MaskWhen::Tail => j == (sk + cols_i - 1) / cols_i - 1,
            MaskWhen::Diagonal => (j + 1) * cols_i - 1 > i * rows_i + sk - sq,
            MaskWhen::IfCausal => self.p.causal,
        };
        // Decode rows are `query * GROUP + g`: the query of row r is r / GROUP.
        let per_query = match &self.dec {
            Some(_) => self.env.get("GROUP").copied().unwrap_or(1).max(1),
            None => 1,
        };
        if !apply {
            return Ok(());
        }
        let env = &self.env;
        let mut hits = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let query = (i * rows_i + r as i64) / per_query;
                let key = j * cols_i + c as i64;
                let get = |n: &str| match n {
                    "query" => Some(query),
                    "key" => Some(key),
                    _ => env.get(n).copied(),
                };
                let l = eval::int_by(&cond.lhs, &get)
                    .map_err(|m| InterpretError { span, message: m })?;
                let rr = eval::int_by(&cond.rhs, &get)
                    .map_err(|m| InterpretError { span, message: m })?;
                if cond.op.holds(l, rr) {
                    hits.push(r * cols + c);
                }
            }
        }
        let b = self.mut_buf(target, span)?;
        for h in hits {
            b.data[h] = f32::NEG_INFINITY;
        }
        Ok(())
    }
}

pub(crate) fn rc(dims: &[usize]) -> Option<(usize, usize)> {
    match dims {
        [r, c] => Some((*r, *c)),
        _ => None,
    }
}

pub(crate) fn exp(base: ExpBase, x: f32) -> f32 {
    match base {
        ExpBase::E => x.exp(),
        ExpBase::Two => x.exp2(),
    }
}
