//! Decode plans (`dec-*` specs): split-KV attention over a paged cache, then the combine.
//!
//! A decode program is the body of one block of grid `(split s, KV head h, batch b)`: it holds
//! every query row of KV head `h` (`GROUP * S_q` rows, `at batch b, group h`), reads the cache
//! through the block table (`through block_table`), walks the key blocks of its split (`Loop j
//! over key blocks of split s`) and stores a normalized partial output and its log-sum-exp to
//! the workspace (`O_part`, `lse_part` at `[split s]`). The `Combine over splits` section runs
//! after every split and merges the partials by their log-sum-exp.
//!
//! Checking lowers the split part to the prefill form its statements mean for one block (the
//! group rows as one head's rows, the split's loop as a loop over key blocks) and runs the
//! prefill checker on it, so every online-softmax, tail-mask and budget rule holds inside each
//! split; the decode rules (`gqa-mapping`, `paged`, `split-combine`, `load-bounds` on the group
//! rows) are checked here on the program as written.

use std::collections::HashSet;

use qimeng_reference::{
    Comparison, DecodeProblem, Problem, Rng, compare, decode_reference, gather, random_tensor,
    round_to,
};
use qimeng_spec::{DType, DecodeSpec, Variants};

use crate::ast::*;
use crate::check::{Report, Target, check, walk};
use crate::diag::Diagnostic;
use crate::eval;
use crate::interp::{Block, Buf, Global, InterpretError, R, Which, exp, setup};

/// Which pass of a decode launch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The split blocks (`Combine` skipped).
    Split,
    /// The combine (only global allocations and the `Combine` body run).
    Combine,
}

/// A decode launch's state shared by its blocks: the block table and the workspace.
pub(crate) struct Ctx {
    pub(crate) phase: Phase,
    /// Inside the `Combine` body.
    pub(crate) inside: bool,
    page: usize,
    table: Vec<i32>,
    pages_per_seq: usize,
    splits: usize,
    rows: usize,
    batch: usize,
    heads_kv: usize,
    d: usize,
    ws_o: Vec<f32>,
    ws_lse: Vec<f32>,
    lse_out: Vec<f32>,
    lse_written: bool,
    /// Row vectors holding base-2 log-sum-exps (`logsumexp2`).
    base2: HashSet<String>,
}

impl Ctx {
    fn ws_row(&self, s: usize, b: usize, hk: usize, r: usize) -> usize {
        ((s * self.batch + b) * self.heads_kv + hk) * self.rows + r
    }
}

/// One decode problem as the interpreter poses it: the sequences, the page size of the paged
/// cache and the number of splits.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeCase {
    /// Lengths, heads, causality.
    pub problem: DecodeProblem,
    /// Keys per page of the cache.
    pub page: usize,
    /// Key/value splits (`SPLITS`).
    pub splits: usize,
}

/// The cases every decode plan runs on: ragged cache lengths (1, non-multiples of the tile and
/// the page), shuffled block tables, GQA 8:1 and 4:1, 1 to 8 new tokens (64 rows), causal with
/// a cache shorter than the new tokens (rows that see no key), one split, and more splits than
/// key blocks (empty splits).
pub fn decode_cases(spec: &DecodeSpec) -> Vec<DecodeCase> {
    let d = spec.head_dim as usize;
    // (cache lengths, S_q, heads_q, heads_kv, page, splits, causal)
    #[allow(clippy::type_complexity)]
    let shapes: [(&[usize], usize, usize, usize, usize, usize, bool); 5] = [
        (&[1, 37, 300], 1, 8, 1, 16, 3, false),
        (&[70, 5], 4, 8, 2, 16, 5, true),
        (&[129, 8, 2], 8, 8, 1, 32, 1, true),
        (&[200], 3, 2, 2, 48, 16, false),
        (&[64, 65], 2, 4, 4, 64, 2, true),
    ];
    shapes
        .iter()
        .map(|(lens, sq, hq, hkv, page, splits, causal)| DecodeCase {
            problem: DecodeProblem {
                batch: lens.len(),
                seqlen_q: *sq,
                heads_q: *hq,
                heads_kv: *hkv,
                head_dim: d,
                causal: *causal,
                scale: spec.default_scale(),
                seqlens: lens.to_vec(),
            },
            page: *page,
            splits: *splits,
        })
        .collect()
}

/// One decode case run through a program.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeRun {
    /// The case.
    pub case: DecodeCase,
    /// The output against the references.
    pub comparison: Comparison,
    /// Largest log-sum-exp error, when the program writes `LSE` (`inf`: a row's lse is finite
    /// where it should be `-inf` or the other way round).
    pub lse_error: Option<f64>,
    /// The verdict: output within the standard, lse within `2 x` the dtype's lse error + 1e-3.
    pub passed: bool,
}

impl DecodeRun {
    /// One line: the case and the errors.
    pub fn summary(&self) -> String {
        let p = &self.case.problem;
        let c = &self.comparison;
        let mut s = format!(
            "lens={:?} s_q={} h={}:{} d={}{} page={} splits={}: max error {:.3e} (bound {:.3e})",
            p.seqlens,
            p.seqlen_q,
            p.heads_q,
            p.heads_kv,
            p.head_dim,
            if p.causal { " causal" } else { "" },
            self.case.page,
            self.case.splits,
            c.max_error,
            2.0 * c.lowp_error + qimeng_reference::ABS_SLACK,
        );
        if c.non_finite > 0 {
            s += &format!(", {} non-finite outputs", c.non_finite);
        }
        if let Some(e) = self.lse_error {
            s += &format!(", lse error {e:.3e}");
        }
        s
    }
}

/// Runs `program` on `case` with random inputs of `dtype` (a shuffled block table over a pool
/// with spare pages) and compares output and lse with `qimeng_reference::decode_reference`.
pub fn run_decode(
    program: &Program,
    dtype: DType,
    case: &DecodeCase,
    seed: u64,
) -> Result<DecodeRun, InterpretError> {
    let p = &case.problem;
    let mut rng = Rng::new(seed);
    let pages_per_seq = p
        .seqlens
        .iter()
        .map(|l| l.div_ceil(case.page))
        .max()
        .unwrap_or(0)
        + 1;
    let pages = p.batch * pages_per_seq + 3;
    let mut perm: Vec<i32> = (0..pages as i32).collect();
    for n in (1..perm.len()).rev() {
        perm.swap(n, (rng.next_u64() % (n as u64 + 1)) as usize);
    }
    let table: Vec<i32> = perm[..p.batch * pages_per_seq].to_vec();
    let row = p.heads_kv * p.head_dim;
    let q = random_tensor(&mut rng, p.q_len(), dtype);
    let pool_k = random_tensor(&mut rng, pages * case.page * row, dtype);
    let pool_v = random_tensor(&mut rng, pages * case.page * row, dtype);
    let k = gather(p, &pool_k, case.page, &table, pages_per_seq);
    let v = gather(p, &pool_v, case.page, &table, pages_per_seq);
    let (out, lse) = interpret_decode(program, case, &q, &pool_k, &pool_v, &table)?;
    let r = decode_reference(p, &q, &k, &v, dtype);
    let comparison = compare(dtype, &out, &r.exact, &r.lowp);
    let lse_error = lse.map(|got| {
        let lowp_err = r
            .lse_lowp
            .iter()
            .zip(&r.lse_exact)
            .filter(|(_, e)| e.is_finite())
            .map(|(l, e)| (*l as f64 - e).abs())
            .fold(0.0, f64::max);
        let err = got
            .iter()
            .zip(&r.lse_exact)
            .map(|(g, e)| match (g.is_finite(), e.is_finite()) {
                (true, true) => (*g as f64 - e).abs(),
                (false, false) if *g == f32::NEG_INFINITY => 0.0,
                _ => f64::INFINITY,
            })
            .fold(0.0, f64::max);
        (err, 2.0 * lowp_err + 1e-3)
    });
    let passed = comparison.passed && lse_error.is_none_or(|(e, bound)| e <= bound);
    Ok(DecodeRun {
        case: case.clone(),
        comparison,
        lse_error: lse_error.map(|(e, _)| e),
        passed,
    })
}

/// Runs every split block and then the combine of `program` on one case: `q` is `[batch, S_q,
/// heads_q, D]`, the pools `[pages, page, heads_kv, D]`, `table` `pages_per_seq` entries per
/// sequence. Returns the output and, when the program writes `LSE`, the natural-log lse
/// (`[batch, heads_q, S_q]`).
pub fn interpret_decode(
    program: &Program,
    case: &DecodeCase,
    q: &[f32],
    pool_k: &[f32],
    pool_v: &[f32],
    table: &[i32],
) -> Result<(Vec<f32>, Option<Vec<f32>>), InterpretError> {
    let p = &case.problem;
    let fault = |m: &str| InterpretError {
        span: Span::default(),
        message: m.to_string(),
    };
    if p.heads_kv == 0 || !p.heads_q.is_multiple_of(p.heads_kv) || p.batch == 0 {
        return Err(fault("heads_q must be a multiple of heads_kv"));
    }
    let (params, init, running) = setup(program);
    let bm = params
        .get("BM")
        .copied()
        .filter(|x| (1..=4096).contains(x))
        .ok_or_else(|| fault("`param BM` is missing or out of range"))? as usize;
    let group = p.heads_q / p.heads_kv;
    let rows = group * p.seqlen_q;
    let splits = case.splits.max(1);
    let ws_rows = splits * p.batch * p.heads_kv * rows;
    let mut ctx = Ctx {
        phase: Phase::Split,
        inside: false,
        page: case.page,
        table: table.to_vec(),
        pages_per_seq: table.len() / p.batch,
        splits,
        rows,
        batch: p.batch,
        heads_kv: p.heads_kv,
        d: p.head_dim,
        ws_o: vec![f32::NAN; ws_rows * p.head_dim],
        ws_lse: vec![f32::NAN; ws_rows],
        lse_out: vec![f32::NAN; p.lse_len()],
        lse_written: false,
        base2: HashSet::new(),
    };
    let mut out = vec![f32::NAN; p.q_len()];
    for phase in [Phase::Split, Phase::Combine] {
        ctx.phase = phase;
        let split_range = if phase == Phase::Split { splits } else { 1 };
        for b in 0..p.batch {
            let mut prob = Problem::new(
                p.batch,
                p.seqlen_q,
                p.seqlens[b],
                p.heads_q,
                p.heads_kv,
                p.head_dim,
                p.causal,
            );
            prob.scale = p.scale;
            for hk in 0..p.heads_kv {
                for i in 0..rows.div_ceil(bm) {
                    for s in 0..split_range {
                        let mut env = params.clone();
                        for (n, val) in [
                            ("S_q", p.seqlen_q),
                            ("S_k", p.seqlens[b]),
                            ("GROUP", group),
                            ("SPLITS", splits),
                            ("b", b),
                            ("h", hk),
                            ("i", i),
                            ("s", s),
                        ] {
                            env.insert(n.to_string(), val as i64);
                        }
                        let mut m = Block {
                            p: &prob,
                            q,
                            k: pool_k,
                            v: pool_v,
                            out: &mut out,
                            env,
                            bufs: Default::default(),
                            globals: Default::default(),
                            init: &init,
                            running: &running,
                            loop_j: None,
                            loop_iter: 0,
                            barriers: Default::default(),
                            steps: 0,
                            dec: Some(&mut ctx),
                        };
                        m.block(&program.stmts)?;
                    }
                }
            }
        }
    }
    let lse = ctx.lse_written.then_some(ctx.lse_out);
    Ok((out, lse))
}

/// Row `pos` of a group-addressed tensor: (query, query head).
fn group_row(pos: usize, group: usize, kv_head: usize) -> (usize, usize) {
    (pos / group, kv_head * group + pos % group)
}

fn group_of(m: &Block<'_>) -> usize {
    m.env.get("GROUP").copied().unwrap_or(1).max(1) as usize
}

/// A decode load: Q by group rows, K/V through the block table.
pub(crate) fn load(
    m: &mut Block<'_>,
    c: &Copy,
    span: Span,
    g: Global,
    dst: &str,
    shape: &[usize],
) -> R<()> {
    let [rows, cols] = shape else {
        return Err(m.fault(span, "a tile has two dimensions".into()));
    };
    let (rows, cols) = (*rows, *cols);
    let p = m.p;
    let d = p.head_dim;
    if cols != d {
        return Err(m.fault(span, format!("tile width {cols} is not head_dim {d}")));
    }
    let blk = m.block_index(c.src_at.as_ref(), span)?;
    let mut zero_from = i64::MAX;
    for o in c.opts() {
        if let CopyOpt::ZeroFill(e) = o {
            zero_from = m.int(e, span)?;
        }
    }
    let group = group_of(m);
    let Some(ctx) = m.dec.as_ref() else {
        return Err(m.fault(span, "not a decode block".into()));
    };
    let mut tile = vec![0.0f32; rows * cols];
    for r in 0..rows {
        let pos = blk * rows as i64 + r as i64;
        let row = &mut tile[r * cols..][..cols];
        if pos >= zero_from {
            row.fill(0.0);
            continue;
        }
        let at = match g.which {
            Which::Q => {
                let seq = if g.group {
                    group * p.seqlen_q
                } else {
                    p.seqlen_q
                };
                (pos >= 0 && (pos as usize) < seq).then(|| {
                    let (qi, h) = if g.group {
                        group_row(pos as usize, group, g.head)
                    } else {
                        (pos as usize, g.head)
                    };
                    (m.q, p.q_index(g.batch, qi, h))
                })
            }
            Which::K | Which::V => {
                let pool = if g.which == Which::K { m.k } else { m.v };
                let in_seq = pos >= 0 && (pos as usize) < p.seqlen_k;
                // Without the table the cache is read as if contiguous per sequence.
                let (page, off) = if g.paged {
                    let slot = g.batch * ctx.pages_per_seq + pos.max(0) as usize / ctx.page;
                    let page = ctx.table.get(slot).copied().unwrap_or(-1);
                    (page as i64, pos.max(0) as usize % ctx.page)
                } else {
                    ((g.batch * ctx.pages_per_seq) as i64, pos.max(0) as usize)
                };
                let at = ((page.max(0) as usize * ctx.page + off) * p.heads_kv + g.head) * d;
                (in_seq && page >= 0 && at + d <= pool.len()).then_some((pool, at))
            }
            _ => return Err(m.fault(span, "only `Q`, `K` and `V` are loaded".into())),
        };
        match at {
            Some((data, base)) => {
                for (x, y) in row.iter_mut().zip(&data[base..base + d]) {
                    *x = round_to(g.dtype, *y);
                }
            }
            None => row.fill(f32::NAN),
        }
    }
    let b = m.mut_buf(dst, span)?;
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

/// A decode store: partials to the workspace at `[split s]`, the output and the lse by group
/// rows.
pub(crate) fn store(
    m: &mut Block<'_>,
    c: &Copy,
    span: Span,
    src: &str,
    g: Global,
    shape: &[usize],
) -> R<()> {
    let s = m.buf(src, span)?.clone();
    let (data, dims) = s.mat();
    if dims != shape {
        return Err(m.fault(span, format!("`{src}` {dims:?} is not the tile {shape:?}")));
    }
    let mut guard = i64::MAX;
    for o in c.opts() {
        if let CopyOpt::Guard(e) = o {
            guard = m.int(e, span)?;
        }
    }
    let tile_rows = shape[0];
    let width = if shape.len() == 2 { shape[1] } else { 1 };
    let (split, blk) = match &c.dst_at {
        Some(at) if at.axis == Axis::Split => (
            Some(m.int(&Expr::Var(at.index.clone()), span)?),
            m.env.get("i").copied().unwrap_or(0),
        ),
        other => (None, m.block_index(other.as_ref(), span)?),
    };
    let group = group_of(m);
    let (sq, hq) = (m.p.seqlen_q, m.p.heads_q);
    let dtype = c.as_dtype.unwrap_or(g.dtype);
    let base2 = m.dec.as_ref().is_some_and(|d| d.base2.contains(src));
    let p_index = |b: usize, qi: usize, h: usize| m.p.q_index(b, qi, h);
    let mut writes: Vec<(usize, usize)> = Vec::new(); // (tile row, flat destination)
    let Some(ctx) = m.dec.as_ref() else {
        return Err(m.fault(span, "not a decode block".into()));
    };
    let rows = ctx.rows;
    for r in 0..tile_rows {
        let pos = blk * tile_rows as i64 + r as i64;
        if pos >= guard {
            continue;
        }
        if pos < 0 || pos as usize >= rows || (!g.group && pos as usize >= sq) {
            return Err(InterpretError {
                span,
                message: format!("writes row {pos}, past the block's {rows} rows (out of bounds)"),
            });
        }
        let pos = pos as usize;
        let dst = match (g.which, split) {
            (Which::OPart | Which::LsePart, Some(sp)) => {
                if sp < 0 || sp as usize >= ctx.splits {
                    return Err(InterpretError {
                        span,
                        message: format!("split {sp} outside 0..{}", ctx.splits),
                    });
                }
                ctx.ws_row(sp as usize, g.batch, g.head, pos)
            }
            (Which::OPart | Which::LsePart, None) => {
                return Err(InterpretError {
                    span,
                    message: "the workspace is written `at [split s]`".into(),
                });
            }
            (Which::O, _) if g.group => {
                let (qi, h) = group_row(pos, group, g.head);
                p_index(g.batch, qi, h)
            }
            (Which::O, _) => p_index(g.batch, pos, g.head),
            (Which::Lse, _) if g.group => {
                let (qi, h) = group_row(pos, group, g.head);
                (g.batch * hq + h) * sq + qi
            }
            _ => {
                return Err(InterpretError {
                    span,
                    message: format!("`{src}` cannot be stored there"),
                });
            }
        };
        writes.push((r, dst));
    }
    let which = g.which;
    let Some(ctx) = m.dec.as_mut() else {
        return Ok(());
    };
    for (r, dst) in writes {
        let src_row = &data[r * width..][..width];
        match which {
            Which::OPart => ctx.ws_o[dst * width..][..width].copy_from_slice(src_row),
            Which::LsePart => ctx.ws_lse[dst] = src_row[0],
            Which::Lse => {
                // The stored lse is natural, as FlashAttention's: a base-2 one times ln 2.
                let x = src_row[0];
                ctx.lse_out[dst] = if base2 { x * std::f32::consts::LN_2 } else { x };
                ctx.lse_written = true;
            }
            _ => {
                for (o, x) in m.out[dst..dst + width].iter_mut().zip(src_row) {
                    *o = round_to(dtype, *x);
                }
            }
        }
    }
    Ok(())
}

fn log(base: ExpBase, x: f32) -> f32 {
    match base {
        ExpBase::E => x.ln(),
        ExpBase::Two => x.log2(),
    }
}

fn workspace(m: &Block<'_>, name: &str, which: Which, span: Span) -> R<Global> {
    match m.globals.get(name) {
        Some(g) if g.which == which => Ok(*g),
        _ => Err(m.fault(
            span,
            format!("`{name}` is not the partial workspace this reads"),
        )),
    }
}

/// `logsumexp2`, `logsumexp2 .. over splits`, `merge`.
pub(crate) fn compute(m: &mut Block<'_>, c: &Compute, span: Span) -> R<()> {
    let bm = m.env.get("BM").copied().unwrap_or(1).max(1) as usize;
    let i = m.env.get("i").copied().unwrap_or(0).max(0) as usize;
    match c {
        Compute::Lse {
            base,
            max,
            sum,
            dst,
        } => {
            let mx = m.buf(max, span)?.data.clone();
            let l = m.buf(sum, span)?.data.clone();
            if mx.len() != l.len() {
                return Err(m.fault(span, format!("`{max}` and `{sum}` differ in length")));
            }
            let v = mx
                .iter()
                .zip(&l)
                .map(|(m, l)| {
                    if *l == 0.0 {
                        f32::NEG_INFINITY
                    } else {
                        m + log(*base, *l)
                    }
                })
                .collect();
            m.set_vec(dst, v);
            mark_base(m, dst, *base);
            Ok(())
        }
        Compute::SplitLse { base, src, dst } => {
            let g = workspace(m, src, Which::LsePart, span)?;
            let Some(ctx) = m.dec.as_ref() else {
                return Err(m.fault(span, "not a decode block".into()));
            };
            let v: Vec<f32> = (0..bm)
                .map(|r| {
                    let pos = i * bm + r;
                    if pos >= ctx.rows {
                        return f32::NEG_INFINITY;
                    }
                    let parts: Vec<f32> = (0..ctx.splits)
                        .map(|s| ctx.ws_lse[ctx.ws_row(s, g.batch, g.head, pos)])
                        .collect();
                    let mx = parts.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    if mx == f32::NEG_INFINITY {
                        return mx;
                    }
                    let sum: f32 = parts.iter().map(|x| exp(*base, x - mx)).sum();
                    mx + log(*base, sum)
                })
                .collect();
            m.set_vec(dst, v);
            mark_base(m, dst, *base);
            Ok(())
        }
        Compute::Merge { src, weight, dst } => {
            let g = workspace(m, src, Which::OPart, span)?;
            let total = match weight {
                Some(w) => {
                    workspace(m, &w.parts, Which::LsePart, span)?;
                    Some((w.base, m.buf(&w.total, span)?.data.clone()))
                }
                None => None,
            };
            let Some(ctx) = m.dec.as_ref() else {
                return Err(m.fault(span, "not a decode block".into()));
            };
            let d = ctx.d;
            let mut acc = vec![0.0f32; bm * d];
            for r in 0..bm {
                let pos = i * bm + r;
                if pos >= ctx.rows {
                    continue;
                }
                for s in 0..ctx.splits {
                    let row = ctx.ws_row(s, g.batch, g.head, pos);
                    let w = match &total {
                        Some((base, t)) => {
                            let (x, t) = (ctx.ws_lse[row], t.get(r).copied().unwrap_or(f32::NAN));
                            if x == f32::NEG_INFINITY || t == f32::NEG_INFINITY {
                                0.0
                            } else {
                                exp(*base, x - t)
                            }
                        }
                        None => 1.0,
                    };
                    // An empty split's partial is not read (its weight is 0).
                    if w == 0.0 {
                        continue;
                    }
                    for (a, x) in acc[r * d..][..d].iter_mut().zip(&ctx.ws_o[row * d..][..d]) {
                        *a += w * x;
                    }
                }
            }
            let new = Buf {
                dims: vec![bm, d],
                data: acc,
                content: DType::F32,
                slot: 0,
            };
            if m.bufs.contains_key(dst) {
                m.put(dst, new, span)
            } else {
                m.bufs.insert(dst.clone(), new);
                Ok(())
            }
        }
        _ => Err(m.fault(span, "not a decode computation".into())),
    }
}

fn mark_base(m: &mut Block<'_>, name: &str, base: ExpBase) {
    if let Some(ctx) = m.dec.as_mut() {
        if base == ExpBase::Two {
            ctx.base2.insert(name.to_string());
        } else {
            ctx.base2.remove(name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checking.

const WORKSPACE: &[&str] = &["O_part", "lse_part", "LSE"];

/// Sample environments for comparing expressions over the decode names.
fn samples(params: &eval::Env) -> Vec<eval::Env> {
    let mut v = Vec::new();
    for (sq, sk) in [(1, 1), (3, 37), (8, 300)] {
        for group in [1, 4, 8] {
            for (h, b) in [(0, 0), (1, 2), (3, 1)] {
                let mut e = params.clone();
                for (n, x) in [
                    ("S_q", sq),
                    ("S_k", sk),
                    ("GROUP", group),
                    ("h", h),
                    ("b", b),
                    ("s", 2),
                    ("SPLITS", 5),
                    ("i", 0),
                ] {
                    e.insert(n.into(), x);
                }
                v.push(e);
            }
        }
    }
    v
}

fn same(e: &Expr, want: &Expr, params: &eval::Env) -> bool {
    samples(params).iter().all(|env| {
        eval::int(e, env)
            .ok()
            .is_some_and(|x| Ok(x) == eval::int(want, env))
    })
}

fn var(n: &str) -> Expr {
    Expr::Var(n.into())
}

fn rows_expr() -> Expr {
    Expr::Bin(Box::new(var("GROUP")), BinOp::Mul, Box::new(var("S_q")))
}

/// Checks a decode program against `spec`: the prefill rules on each split (lowered), then the
/// decode rules (`gqa-mapping`, `paged`, `load-bounds` on group rows, `split-combine`).
pub fn check_decode(program: &Program, spec: &DecodeSpec) -> Report {
    let lowered = lower(program, spec.dtype);
    let target = Target {
        gpu: spec.gpu,
        dtype: Some(spec.dtype),
        head_dim: Some(spec.head_dim),
        causal: None,
        variants: Some(Variants::default()),
    };
    let mut report = check(&lowered, &target);
    let mut params = eval::Env::new();
    walk(&program.stmts, &mut |s| {
        if let StmtKind::Param(ps) = &s.kind {
            for (n, v) in ps {
                params.insert(n.clone(), i64::try_from(*v).unwrap_or(i64::MAX));
            }
        }
    });
    let mut rules = Rules {
        params,
        diags: Vec::new(),
    };
    rules.run(program);
    report.diagnostics.extend(rules.diags);
    report
        .diagnostics
        .sort_by_key(|d| d.span.map_or(u32::MAX, |s| s.line));
    report
}

/// The prefill form of the split part: group rows as one head's rows (`S_q` = the rows), the
/// split's loop as a loop over key blocks, the partial store as the output store; the lse, the
/// workspace and the combine (checked by the decode rules) left out.
fn lower(program: &Program, dtype: DType) -> Program {
    Program {
        stmts: program.stmts.iter().map(|s| lower_stmt(s, dtype)).collect(),
    }
}

fn lower_stmt(s: &Stmt, dtype: DType) -> Stmt {
    let keep = |kind: StmtKind| Stmt {
        kind,
        span: s.span,
        comment: s.comment.clone(),
    };
    let blank = || keep(StmtKind::Blank);
    let params = eval::Env::new();
    let fix_rows = |e: &Expr| {
        if same(e, &rows_expr(), &params) {
            var("S_q")
        } else {
            e.clone()
        }
    };
    match &s.kind {
        StmtKind::Allocate(a) if a.space == Space::Global => {
            if a.names.iter().any(|n| WORKSPACE.contains(&n.as_str())) {
                return blank();
            }
            let mut a = a.clone();
            if let Some(at) = &mut a.at {
                if at.group {
                    at.group = false;
                    if let Some(first) = a.shape.first_mut() {
                        *first = fix_rows(first);
                    }
                } else {
                    at.head = Expr::Bin(
                        Box::new(at.head.clone()),
                        BinOp::Div,
                        Box::new(var("GROUP")),
                    );
                }
                at.paged = None;
            }
            keep(StmtKind::Allocate(a))
        }
        StmtKind::Copy(c) => {
            if c.dsts
                .iter()
                .any(|d| d == "lse_part" || d == "LSE" || d == "O")
            {
                return blank();
            }
            let mut c = c.clone();
            for o in c.options.iter_mut().flatten() {
                match o {
                    CopyOpt::ZeroFill(e) | CopyOpt::Guard(e) => *e = fix_rows(e),
                    _ => {}
                }
            }
            if c.dsts.iter().any(|d| d == "O_part") {
                c.dsts = vec!["O".into()];
                c.as_dtype = Some(dtype);
                c.dst_at = Some(Coord {
                    axis: Axis::Row,
                    index: "i".into(),
                });
            }
            keep(StmtKind::Copy(c))
        }
        StmtKind::Loop(l) => {
            let bound = match &l.bound {
                LoopBound::Split(_) => LoopBound::All,
                b => b.clone(),
            };
            keep(StmtKind::Loop(Loop {
                var: l.var.clone(),
                bound,
                body: l.body.iter().map(|s| lower_stmt(s, dtype)).collect(),
            }))
        }
        StmtKind::Role(r) => keep(StmtKind::Role(Role {
            body: r.body.iter().map(|s| lower_stmt(s, dtype)).collect(),
            ..r.clone()
        })),
        StmtKind::Compute(Compute::Mask {
            target,
            cond,
            when: MaskWhen::IfCausal,
        }) => keep(StmtKind::Compute(Compute::Mask {
            target: target.clone(),
            cond: cond.clone(),
            when: MaskWhen::Diagonal,
        })),
        StmtKind::Compute(
            Compute::Lse { .. } | Compute::SplitLse { .. } | Compute::Merge { .. },
        )
        | StmtKind::Combine(_) => blank(),
        k => keep(k.clone()),
    }
}

/// The diagnostic just added, for a label or help.
struct Added<'a>(&'a mut Vec<Diagnostic>);

impl Added<'_> {
    fn edit(self, f: impl FnOnce(Diagnostic) -> Diagnostic) -> Self {
        if let Some(d) = self.0.pop() {
            self.0.push(f(d));
        }
        self
    }

    fn help(self, text: &str) -> Self {
        self.edit(|d| d.help(text.to_string()))
    }

    fn label(self, text: &str) -> Self {
        self.edit(|d| d.label(text.to_string()))
    }
}

struct Rules {
    params: eval::Env,
    diags: Vec<Diagnostic>,
}

impl Rules {
    fn err(&mut self, rule: &'static str, span: Span, msg: String) -> Added<'_> {
        self.diags.push(Diagnostic::error(rule, Some(span), msg));
        Added(&mut self.diags)
    }

    fn run(&mut self, program: &Program) {
        let mut split_loop = None;
        let mut combine: Option<(&Stmt, &Vec<Stmt>)> = None;
        let mut partial_o = None;
        let mut partial_lse: Option<(&Stmt, &str)> = None;
        let mut lses: Vec<(&Stmt, &Compute)> = Vec::new();
        let mut committed = HashSet::new();
        let mut sums = HashSet::new();
        let mut exp_base = None;
        let mut combines = 0;
        for s in &program.stmts {
            if let StmtKind::Combine(b) = &s.kind {
                combines += 1;
                combine.get_or_insert((s, b));
            }
        }
        let mut all: Vec<&Stmt> = Vec::new();
        walk(&program.stmts, &mut |s| all.push(s));
        let mut in_split: Vec<&Stmt> = Vec::new();
        for s in &program.stmts {
            if matches!(s.kind, StmtKind::Combine(_)) {
                continue;
            }
            walk(std::slice::from_ref(s), &mut |x| in_split.push(x));
        }
        for s in &all {
            match &s.kind {
                StmtKind::Allocate(a) if a.space == Space::Global => self.global(a, s.span),
                StmtKind::Copy(c) => self.guards(c, s.span),
                _ => {}
            }
        }
        for s in &in_split {
            match &s.kind {
                StmtKind::Loop(l) => {
                    if let LoopBound::Split(v) = &l.bound {
                        if v != "s" {
                            self.err(
                                "coordinate",
                                s.span,
                                format!("this block's split is `s`, not `{v}`"),
                            );
                        }
                        split_loop = Some(*s);
                    }
                }
                StmtKind::Copy(c) if c.dsts.iter().any(|d| d == "O_part") => {
                    self.split_coord(c, s.span);
                    partial_o = Some(*s);
                }
                StmtKind::Copy(c) if c.dsts.iter().any(|d| d == "lse_part") => {
                    self.split_coord(c, s.span);
                    partial_lse = Some((*s, c.srcs[0].as_str()));
                }
                StmtKind::Compute(
                    c @ Compute::Lse { .. }
                    | c @ Compute::SplitLse { .. }
                    | c @ Compute::Merge { .. },
                ) => {
                    if matches!(c, Compute::Lse { .. }) {
                        lses.push((*s, c));
                    } else {
                        self.err(
                            "split-combine",
                            s.span,
                            "the splits are combined inside `Combine over splits` only".into(),
                        );
                    }
                }
                StmtKind::Compute(Compute::Rescale {
                    commit: Some((m, _)),
                    ..
                }) => {
                    committed.insert(m.clone());
                }
                StmtKind::Compute(Compute::RowSum {
                    dst,
                    accumulate: true,
                    ..
                }) => {
                    sums.insert(dst.clone());
                }
                StmtKind::Compute(Compute::Exp { base, .. }) => {
                    exp_base.get_or_insert(*base);
                }
                StmtKind::Combine(_) => {}
                _ => {}
            }
        }
        let top = program.stmts.first().map_or(Span::default(), |s| s.span);
        if split_loop.is_none() {
            self.err(
                "split-combine",
                top,
                "a decode block walks its split's keys: `Loop j over key blocks of split s`".into(),
            )
            .help("the KV length is cut into SPLITS parts, one block each");
        }
        let Some(po) = partial_o else {
            self.err(
                "split-combine",
                top,
                "the split never writes its partial output".into(),
            )
            .help("`Copy O_acc (BM, D) to O_part at [split s] (rows < GROUP * S_q)` after normalizing");
            return;
        };
        let Some((pl, lse_src)) = partial_lse else {
            self.err(
                "split-combine",
                po.span,
                "the split writes a partial output but not its log-sum-exp: the combine cannot weigh it".into(),
            )
            .help("`Compute logsumexp2 m, l -> lse_s` and `Copy lse_s (BM) to lse_part at [split s] (rows < GROUP * S_q)`");
            return;
        };
        match lses
            .iter()
            .find(|(_, c)| matches!(c, Compute::Lse { dst, .. } if dst == lse_src))
        {
            Some((s, Compute::Lse { base, max, sum, .. })) => {
                if !committed.contains(max) || !sums.contains(sum) {
                    self.err(
                        "split-combine",
                        s.span,
                        format!("the partial lse is the split's running max and row sum, not `{max}`, `{sum}`"),
                    );
                }
                if exp_base.is_some_and(|b| b != *base) {
                    self.err(
                        "split-combine",
                        s.span,
                        "the lse's base differs from the softmax's exponential".into(),
                    )
                    .help("`logsumexp2` with `exp2`, `logsumexp` with `exp`");
                }
            }
            _ => {
                self.err(
                    "split-combine",
                    pl.span,
                    format!("`{lse_src}` is stored as the partial lse but no `Compute logsumexp2 m, l -> {lse_src}` makes it"),
                );
            }
        }
        if combines > 1
            && let Some((s, _)) = combine
        {
            self.err(
                "split-combine",
                s.span,
                "one `Combine over splits` section".into(),
            );
        }
        let Some((cs, body)) = combine else {
            self.err(
                "split-combine",
                po.span,
                "the splits' partial outputs are never combined".into(),
            )
            .help(
                "end with `Combine over splits` ... `End`: merge the partials by their log-sum-exp",
            );
            return;
        };
        self.combine(cs, body);
    }

    fn combine(&mut self, cs: &Stmt, body: &[Stmt]) {
        let mut total: Option<(ExpBase, String)> = None;
        let mut merged = None;
        let mut o_stored = false;
        for s in body {
            match &s.kind {
                StmtKind::Compute(Compute::SplitLse { base, src, dst }) => {
                    if src != "lse_part" {
                        self.err(
                            "split-combine",
                            s.span,
                            format!("the combine reads `{src}`, which no split wrote; the partial lse is `lse_part`"),
                        );
                    }
                    total = Some((*base, dst.clone()));
                }
                StmtKind::Compute(Compute::Merge { src, weight, dst }) => {
                    if src != "O_part" {
                        self.err(
                            "split-combine",
                            s.span,
                            format!("the combine reads `{src}`, which no split wrote; the partial output is `O_part`"),
                        );
                    }
                    match (weight, &total) {
                        (None, _) => {
                            self.err(
                                "split-combine",
                                s.span,
                                "the partial outputs are summed without their lse rescale".into(),
                            )
                            .label("each split's output was divided by its own row sum")
                            .help("weigh split s by exp2(lse_part[s] - lse): `Compute merge O_part over splits by exp2(lse_part - lse) -> O_c`, after `Compute logsumexp2 lse_part over splits -> lse`");
                        }
                        (Some(w), Some((base, t))) if w.parts == "lse_part" && &w.total == t => {
                            if w.base != *base {
                                self.err(
                                    "split-combine",
                                    s.span,
                                    "the weights' base differs from the combined lse's".into(),
                                );
                            }
                        }
                        (Some(w), _) => {
                            self.err(
                                "split-combine",
                                s.span,
                                format!(
                                    "the partials are rescaled by exp({} - {}), not by their lse against the combined one",
                                    w.parts, w.total
                                ),
                            )
                            .help("`by exp2(lse_part - lse)` with `lse` from `Compute logsumexp2 lse_part over splits -> lse` before it");
                        }
                    }
                    merged = Some(dst.clone());
                }
                StmtKind::Copy(c) if c.dsts.iter().any(|d| d == "O") => {
                    o_stored = true;
                    if merged.as_ref() != Some(&c.srcs[0]) {
                        self.err(
                            "split-combine",
                            s.span,
                            format!(
                                "the output is the merge of the partials, not `{}`",
                                c.srcs[0]
                            ),
                        );
                    }
                }
                StmtKind::Copy(c) if c.dsts.iter().any(|d| d == "LSE") => {
                    if total.as_ref().map(|t| &t.1) != Some(&c.srcs[0]) {
                        self.err(
                            "split-combine",
                            s.span,
                            format!("the lse output is the combined lse, not `{}`", c.srcs[0]),
                        );
                    }
                }
                StmtKind::Blank | StmtKind::Comment(_) | StmtKind::Allocate(_) => {}
                _ => {
                    self.err(
                        "structure",
                        s.span,
                        "a `Combine` holds `logsumexp2 .. over splits`, `merge`, and the stores of O and LSE".into(),
                    );
                }
            }
        }
        if !o_stored {
            self.err(
                "unwritten-read",
                cs.span,
                "the combine never writes the output `O`".into(),
            )
            .help("`Copy O_c (BM, D) as <dtype> to O at [row block i] (rows < GROUP * S_q)`");
        }
    }

    fn split_coord(&mut self, c: &Copy, span: Span) {
        if !matches!(&c.dst_at, Some(at) if at.axis == Axis::Split && at.index == "s") {
            self.err(
                "coordinate",
                span,
                "a partial result is written `at [split s]`".into(),
            );
        }
    }

    fn global(&mut self, a: &Allocate, span: Span) {
        let Some(at) = &a.at else { return };
        let p = self.params.clone();
        if !same(&at.batch, &var("b"), &p) {
            self.err(
                "gqa-mapping",
                span,
                format!(
                    "`{}` must be at batch `b`, not `{}`",
                    a.names.join(", "),
                    at.batch
                ),
            );
        }
        for name in &a.names {
            match name.as_str() {
                "K" | "V" => {
                    if at.group || !same(&at.head, &var("h"), &p) {
                        self.err(
                            "gqa-mapping",
                            span,
                            format!("`{name}` is read at KV head `h` (a decode block owns one KV head): `at batch b, head h`"),
                        );
                    }
                    if at.paged.as_deref() != Some("block_table") {
                        self.err(
                            "paged",
                            span,
                            format!("`{name}` is read without the block table: a paged cache's key j is in page block_table[b][j / page]"),
                        )
                        .help("`at batch b, head h through block_table`");
                    }
                }
                _ => {
                    if !at.group || !same(&at.head, &var("h"), &p) {
                        self.err(
                            "gqa-mapping",
                            span,
                            format!("`{name}` holds every query head of KV head h: `at batch b, group h` (rows query * GROUP + g)"),
                        );
                    }
                    if at.paged.is_some() {
                        self.err(
                            "paged",
                            span,
                            format!("only K and V are paged, not `{name}`"),
                        );
                    }
                }
            }
        }
    }

    /// Group-row bounds: Q loads zero-fill and stores guard at `GROUP * S_q`; K/V loads
    /// zero-fill at the sequence's cache length `S_k`.
    fn guards(&mut self, c: &Copy, span: Span) {
        let p = self.params.clone();
        let zero = c.opts().find_map(|o| match o {
            CopyOpt::ZeroFill(e) => Some(e.clone()),
            _ => None,
        });
        let guard = c.opts().find_map(|o| match o {
            CopyOpt::Guard(e) => Some(e.clone()),
            _ => None,
        });
        if c.srcs.iter().any(|s| s == "Q")
            && !zero.as_ref().is_some_and(|e| same(e, &rows_expr(), &p))
        {
            self.err(
                "load-bounds",
                span,
                "the query tile holds GROUP * S_q rows: `rows >= GROUP * S_q as zeros`".into(),
            );
        }
        if c.srcs.iter().any(|s| s == "K" || s == "V")
            && !zero.as_ref().is_some_and(|e| same(e, &var("S_k"), &p))
        {
            self.err(
                "paged",
                span,
                "the cache read is not bounded by the sequence's cache length: `rows >= S_k as zeros`".into(),
            )
            .label("keys past the length read another sequence's pages");
        }
        if c.dsts
            .iter()
            .any(|d| WORKSPACE.contains(&d.as_str()) || d == "O")
            && !guard.as_ref().is_some_and(|e| same(e, &rows_expr(), &p))
        {
            self.err(
                "load-bounds",
                span,
                "the block's rows end at GROUP * S_q: `rows < GROUP * S_q`".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_fit_the_kernels() {
        let spec = DecodeSpec::from_key("dec-h100-bf16-d64").unwrap();
        for c in decode_cases(&spec) {
            let p = &c.problem;
            assert!(p.seqlen_q * p.heads_q / p.heads_kv <= 64);
            assert!(p.seqlen_q <= 8);
        }
    }
}
