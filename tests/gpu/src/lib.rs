//! Every kernel of the kernel cache, compiled by this crate's build script, and the checks the
//! GPU test suite (`tests/kernels.rs`) runs on them.
#![deny(missing_docs)]

use qimeng_reference::{
    Comparison, Problem, Rng, attention_f64, attention_lowp, compare, random_slopes, random_tensor,
    round_to,
};
use qimeng_runtime::{
    AttentionKernel, DType, DeviceBuffer, Element, Spec, Stream, Tensor, TensorMut, bf16, f16,
};

include!(concat!(env!("OUT_DIR"), "/qimeng/registry.rs"));

mod decode;

pub use decode::{
    CacheLayout, DECODE_FULL, DECODE_SMALL, DecodeCase, DecodeOutcome, decode_cases,
    run_decode_case,
};

/// How the inputs are laid out in device memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// q, k, v, out each contiguous `[b, s, h, d]`.
    Contiguous,
    /// q, k and v are slices of one packed `[b, s, hq + 2 hkv, d]` buffer (as a fused QKV
    /// projection leaves them), so their batch and row strides exceed their own extent.
    /// Needs `seqlen_q == seqlen_k`.
    PackedQkv,
}

/// One test case.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The problem; `head_dim` and `causal` are taken from the kernel's spec.
    pub batch: usize,
    /// Query length.
    pub seqlen_q: usize,
    /// Key length.
    pub seqlen_k: usize,
    /// Query heads.
    pub heads_q: usize,
    /// Key/value heads.
    pub heads_kv: usize,
    /// Memory layout.
    pub layout: Layout,
    /// ALiBi kernels: slopes `[batch, heads_q]` (else `[heads_q]`, one per head for every
    /// batch entry: the kernel must apply batch stride 0).
    pub slopes_per_batch: bool,
    /// Factor on the random queries (a power of two: exact in every dtype). Every kernel gets
    /// a case at 32 and one at 8, where a row's block maxima swing by tens (log2 units) from
    /// key block to key block: the online softmax's rescales run there (the Hopper family's
    /// kSpecExp: its rescale of a speculative P and, past 2^64, its recomputed S). Softcap
    /// kernels: at 32 most scaled scores pass the cap: the saturated tanh and the kernels'
    /// paths for large scores (the Hopper family's MUFU fallback) run there and nowhere else;
    /// at 8 they reach about 0.7 of the cap (the Hopper family's degree-7 polynomial: at 1,
    /// under a quarter of the cap, its degree-3 one runs).
    pub q_scale: f32,
    /// Scores that jump by hundreds (log2 units) from the first key block a kernel visits to
    /// the next ones; 16-bit kernels only (see [`cases`]).
    pub swing: Swing,
    /// Softcap kernels: the queries of every other group of 96 rows times 8 (on top of
    /// `q_scale`), so that some 64-row warpgroups of a query tile see only small scores, some
    /// only large ones and some both (one warp's scores under a quarter of the cap, the next
    /// one's past it), and a persistent kernel's block meets both kinds of tile in turn: the
    /// Hopper family's polynomial tiers (fa3_fwd.cuh: per warp and key block; the narrow one
    /// is the form its bf16 kernels' scaled Q, kQScale, changes), which at `q_scale` 1 the
    /// softcap problems' score scale (`Problem::for_spec`) mostly keeps out of the narrow one.
    /// The keys of every other group of 320 are times 8 too, so that a small-score warp's key
    /// blocks (128 keys) run narrow, narrow, wide (or both in one block) and narrow again: the
    /// Hopper family's bf16 kernels carry the tier from block to block (kFixedMax), and fold a
    /// masked block's polynomial only after a narrow one (kMaskedFold).
    pub q_tiers: bool,
}

/// [`Case::swing`]: every query the same random direction `u`, the keys `-u` over one 128-key
/// block and `+u` elsewhere (plus noise), so that the low block's scores are about `-16 d` and
/// the others' `+16 d` (scaled, hundreds in log2 units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swing {
    /// Random keys.
    None,
    /// The first 128 keys low: a kernel visiting key blocks in order starts there. Softcap
    /// kernels: the scores saturate the cap, `-cap` then `+cap`; the Hopper family's bf16
    /// kernels set a row's offset from its first block (from a floor when that block scores
    /// low) and keep it for the later blocks (fa3_fwd.cuh's kFixedMax): this is their largest
    /// P. Other kernels: a row's max jumps past any f32 exp2 of the old one (the Hopper
    /// family's kSpecExp recomputes S there).
    FirstLow,
    /// The last 128 keys low: the Hopper family's ALiBi kernels visit a tile's key blocks
    /// outward from its first row's diagonal (fa3_fwd.cuh's kOutward), so with `seqlen_q <=
    /// seqlen_k` their first block is the last one; then the row max jumps on the next, and
    /// the speculative softmax recomputes S with the ALiBi key part preloaded.
    LastLow,
}

const fn case(b: usize, sq: usize, sk: usize, hq: usize, hkv: usize, layout: Layout) -> Case {
    assert!(
        !matches!(layout, Layout::PackedQkv) || sq == sk,
        "a packed QKV buffer has one sequence length"
    );
    Case {
        batch: b,
        seqlen_q: sq,
        seqlen_k: sk,
        heads_q: hq,
        heads_kv: hkv,
        layout,
        slopes_per_batch: false,
        q_scale: 1.0,
        swing: Swing::None,
        q_tiers: false,
    }
}

/// The full grid: tails (1, 17, 1000, 4096), batch 1 to 3, GQA ratios 1, 4 and 8, sq < sk and
/// sq > sk, a packed (strided) layout, and 8300 keys: past the largest short-sequence bound of a
/// two-schedule Hopper entry (kernel.cu's `ShortSpec::kMaxSeqlenK`, 8192), so that both of its
/// kernels run; 288 query tiles of 128 rows, so that a persistent Hopper kernel's blocks (one
/// per SM: 132 on an H100) run two or three tiles each, carrying the ring and the ping-pong turns
/// from one tile to the next. 137 and 192 tiles (132 + 5 and 132 + 60) with 650 and 900 keys:
/// a last persistent round that fills at most half the SMs, its tiles of several key blocks
/// with a tail (the shapes a schedule that splits such a round's tiles over pairs of blocks
/// must get right: hop10's kSplitTail, bench/results/h100-fa3-entries-2026-11-26.md). 450
/// tiles of 3 query blocks a head (3.4 rounds): a causal kEvenTail schedule runs two rounds in
/// today's order, then reorders the last two (fa3_fwd.cuh's tile_index).
pub const FULL: &[Case] = &[
    case(1, 1, 1, 1, 1, Layout::Contiguous),
    case(2, 17, 17, 4, 1, Layout::Contiguous),
    case(3, 17, 1000, 8, 1, Layout::Contiguous),
    case(1, 1000, 1000, 2, 2, Layout::Contiguous),
    case(1, 100, 37, 4, 4, Layout::Contiguous),
    case(2, 1, 1000, 8, 8, Layout::Contiguous),
    case(2, 300, 4096, 8, 2, Layout::Contiguous),
    case(1, 4096, 4096, 2, 1, Layout::Contiguous),
    case(2, 333, 333, 4, 2, Layout::PackedQkv),
    case(1, 130, 8300, 2, 1, Layout::Contiguous),
    case(3, 129, 129, 48, 12, Layout::Contiguous),
    case(1, 100, 650, 137, 137, Layout::Contiguous),
    case(2, 250, 900, 48, 6, Layout::Contiguous),
    case(3, 300, 300, 50, 10, Layout::Contiguous),
];

/// Small shapes for compute-sanitizer, which slows kernels a hundredfold. The last three have
/// more query tiles than an H100's 132 SMs, so that a persistent kernel's blocks run a second
/// tile: 140 with 65 and with 300 keys (its short last round has tiles of 3 key blocks), and 280
/// tiles of 2 query blocks a head, which a causal kEvenTail schedule reorders (fa3_fwd.cuh's
/// tile_index: every round is its tail).
/// The 600-key case runs a schedule bounded above 512 keys (d64 full's ShortSpec: its TinySpec
/// takes every shorter call) under the sanitizers.
pub const SMALL: &[Case] = &[
    case(1, 1, 1, 1, 1, Layout::Contiguous),
    case(2, 17, 70, 4, 1, Layout::Contiguous),
    case(1, 100, 37, 4, 4, Layout::Contiguous),
    case(1, 65, 65, 2, 2, Layout::PackedQkv),
    case(2, 65, 65, 70, 10, Layout::Contiguous),
    case(2, 65, 300, 70, 10, Layout::Contiguous),
    case(1, 200, 200, 140, 20, Layout::Contiguous),
    case(1, 65, 600, 2, 2, Layout::Contiguous),
];

/// The cases for a kernel of `spec`: [`FULL`] (or [`SMALL`]), and for a sliding window shapes
/// where its edges cut through the rows and whole key blocks are skipped: `s_q` 300 against
/// `s_k = left + right + 700`, and for a two-sided window `s_q = s_k = 2 (left + right) + 200`
/// (`SMALL`: the same with `s_q` 64 and `s_k = left + right + 300`); for a window also 8600
/// query rows of two heads and two sequences (68 query tiles a (head, batch) pair, 272 in all: a
/// persistent Hopper kernel's round of 132 tiles covers fewer than two pairs, so fa3_fwd.cuh's
/// kHeadGroup order deals the four pairs' tiles in turn), with 8600 keys (`SMALL`: 1500, so
/// that most rows see none and the reference stays cheap under the sanitizers); for every
/// kernel, cases at `q_scale` 32 and 8 (see [`Case::q_scale`]), with a window its edge case
/// among them, and (16-bit kernels) [`Case::swing`]'s inputs (ALiBi: both of them).
pub fn cases(spec: &Spec, small: bool) -> Vec<Case> {
    let mut v = if small { SMALL } else { FULL }.to_vec();
    // the case whose rows the window's edges cut (again at large scales, below)
    let mut edge = None;
    if let Some(w) = spec.variants.window {
        let span = (w.left + w.right) as usize;
        let c = if small {
            case(1, 64, span + 300, 2, 1, Layout::Contiguous)
        } else {
            case(2, 300, span + 700, 4, 2, Layout::Contiguous)
        };
        v.push(c);
        edge = Some(c);
        v.push(case(
            2,
            8600,
            if small { 1500 } else { 8600 },
            2,
            1,
            Layout::Contiguous,
        ));
        if !small && w.right > 0 {
            v.push(case(
                1,
                2 * span + 200,
                2 * span + 200,
                2,
                1,
                Layout::Contiguous,
            ));
        }
    }
    // Large scores, every kernel (see Case::q_scale and Case::swing).
    let mut big = if small {
        case(1, 64, 130, 2, 1, Layout::Contiguous)
    } else {
        case(1, 300, 1000, 2, 1, Layout::Contiguous)
    };
    big.q_scale = 32.0;
    v.push(big);
    v.push(Case {
        q_scale: 8.0,
        ..big
    });
    // With a window, its edge case at both scales too: the case above is too short for
    // the window's left edge to cut its rows, so the masked edge blocks (some taken in
    // 64-key halves by the Hopper family) meet large scores only here (softcap: its
    // saturated tanh).
    if let Some(e) = edge {
        v.push(Case { q_scale: 32.0, ..e });
        v.push(Case { q_scale: 8.0, ..e });
    }
    // Not for f32 kernels: scaled scores of about 180 carry f32's rounding (2^-24 of
    // them) into every exp, 1e-5 of P, which is f32's whole rel L2 budget (DESIGN.md;
    // their max error stays within twice the f32 reference's).
    if spec.dtype != DType::F32 {
        let swing = Case {
            swing: Swing::FirstLow,
            ..case(
                1,
                64,
                if small { 300 } else { 1000 },
                2,
                1,
                Layout::Contiguous,
            )
        };
        v.push(swing);
        if spec.variants.alibi {
            v.push(Case {
                swing: Swing::LastLow,
                ..swing
            });
        }
    }
    if spec.variants.softcap.is_some() {
        // At q_scale 1/4 (softcap problems scale their scores by 4 / sqrt(d): Problem::for_spec)
        // the small rows' scores stay under a quarter of the cap and the large rows' pass it:
        // the Hopper family's narrow and wide polynomial tiers, and the keys' groups of 320
        // (Case::q_tiers) move the small rows between them. Full grid: 288 query tiles (8 a
        // head), so a persistent kernel's block runs two or three of them. Small grid: 700 keys,
        // so that the last tiles' rows see two narrow unmasked blocks and then a wide one.
        v.push(Case {
            q_tiers: true,
            q_scale: 0.25,
            ..if small {
                case(1, 512, 700, 3, 1, Layout::Contiguous)
            } else {
                case(1, 1024, 1024, 36, 6, Layout::Contiguous)
            }
        });
    }
    if spec.variants.alibi {
        // Both slope layouts with batch > 1 (alternating over the grid), plus a tall causal
        // case (sq > sk: rows that see no key, distances past the diagonal) with GQA 4:1.
        v.push(if small {
            case(2, 33, 17, 4, 1, Layout::Contiguous)
        } else {
            case(2, 1000, 17, 4, 1, Layout::Contiguous)
        });
        for (n, c) in v.iter_mut().enumerate() {
            c.slopes_per_batch = n % 2 == 1;
        }
    }
    v
}

impl Case {
    /// The problem this case poses to a kernel of `kernel`'s spec (its head_dim, causality,
    /// window and softcap: [`Problem::for_spec`]); for ALiBi, random slopes seeded by the
    /// shape in the case's layout.
    pub fn problem(&self, kernel: &AttentionKernel) -> Problem {
        let mut p = Problem::for_spec(
            &kernel.spec(),
            self.batch,
            self.seqlen_q,
            self.seqlen_k,
            self.heads_q,
            self.heads_kv,
        );
        if p.alibi_slopes.is_some() {
            let n = if self.slopes_per_batch {
                self.batch * self.heads_q
            } else {
                self.heads_q
            };
            let seed = (self.batch * 7919 + self.seqlen_q) * 7919 + self.seqlen_k;
            p.alibi_slopes = Some(random_slopes(&mut Rng::new(seed as u64), n));
        }
        p
    }
}

/// Host-side inputs and references for one problem, shared by kernels of the same dtype.
pub struct Reference {
    /// The problem.
    pub problem: Problem,
    /// q, k, v as f32 values exactly representable in the dtype.
    pub q: Vec<f32>,
    /// Keys.
    pub k: Vec<f32>,
    /// Values.
    pub v: Vec<f32>,
    /// Exact attention.
    pub exact: Vec<f64>,
    /// Attention computed in the dtype.
    pub lowp: Vec<f32>,
}

impl Reference {
    /// Random inputs (never zeros) for `problem` in `dtype`, seeded, the queries times the
    /// case's `q_scale` (a power of two) and, with its `q_tiers`, every other 96 rows' times 8
    /// more and every other 320 keys' times 8, or its [`Case::swing`]'s queries and keys, with
    /// both references.
    pub fn new(problem: Problem, dtype: DType, seed: u64, case: &Case) -> Reference {
        let Case {
            q_scale,
            swing,
            q_tiers,
            ..
        } = *case;
        let mut rng = qimeng_reference::Rng::new(seed);
        let mut q = random_tensor(&mut rng, problem.q_len(), dtype);
        let d = problem.head_dim;
        for (i, x) in q.iter_mut().enumerate() {
            // q is [batch, seqlen_q, heads_q, head_dim]
            let row = (i / d / problem.heads_q) % problem.seqlen_q;
            *x *= if q_tiers && (row / 96) % 2 == 1 {
                8.0 * q_scale
            } else {
                q_scale
            };
        }
        let mut k = random_tensor(&mut rng, problem.kv_len(), dtype);
        // k is [batch, seqlen_k, heads_kv, head_dim]: element i's key
        let key_of = |i: usize| (i / d / problem.heads_kv) % problem.seqlen_k;
        if q_tiers {
            for (i, x) in k.iter_mut().enumerate() {
                if (key_of(i) / 320) % 2 == 1 {
                    *x *= 8.0;
                }
            }
        }
        let v = random_tensor(&mut rng, problem.kv_len(), dtype);
        if swing != Swing::None {
            // q = 4 u and k = -+4 u + noise: |s| ~ 16 d, so s / sqrt(d) saturates any cap up to
            // about 2 sqrt(d) (tanh(3.6) at d = 128 and cap 50).
            let u = random_tensor(&mut rng, d, dtype);
            for (i, x) in q.iter_mut().enumerate() {
                *x = 4.0 * u[i % d];
            }
            for (i, x) in k.iter_mut().enumerate() {
                let key = key_of(i);
                let low = match swing {
                    Swing::LastLow => key + 128 >= problem.seqlen_k,
                    _ => key < 128,
                };
                let sign = if low { -4.0 } else { 4.0 };
                *x = round_to(dtype, sign * u[i % d] + 0.25 * *x);
            }
        }
        let exact = attention_f64(&problem, &q, &k, &v);
        let lowp = attention_lowp(&problem, &q, &k, &v, dtype);
        Reference {
            problem,
            q,
            k,
            v,
            exact,
            lowp,
        }
    }
}

/// Runs `kernel` on the reference's inputs laid out as `layout`, with the output poisoned
/// (all bits set: NaN in every float format) first, and compares.
pub fn run_case(
    kernel: &AttentionKernel,
    reference: &Reference,
    layout: Layout,
    stream: &Stream,
) -> qimeng_runtime::Result<Comparison> {
    match kernel.spec().dtype {
        DType::F16 => run_typed::<f16>(kernel, reference, layout, stream),
        DType::Bf16 => run_typed::<bf16>(kernel, reference, layout, stream),
        DType::F32 => run_typed::<f32>(kernel, reference, layout, stream),
    }
}

fn run_typed<T: Element>(
    kernel: &AttentionKernel,
    r: &Reference,
    layout: Layout,
    stream: &Stream,
) -> qimeng_runtime::Result<Comparison> {
    let p = &r.problem;
    let conv = |x: &[f32]| x.iter().map(|v| T::from_f32(*v)).collect::<Vec<T>>();
    let q_shape = [p.batch, p.seqlen_q, p.heads_q, p.head_dim];
    let kv_shape = [p.batch, p.seqlen_k, p.heads_kv, p.head_dim];
    let mut out_buf = DeviceBuffer::<T>::alloc(p.q_len())?;
    out_buf.fill_bytes(0xFF)?;
    let slopes = match &p.alibi_slopes {
        Some(s) => Some(DeviceBuffer::from_host(s)?),
        None => None,
    };
    let extras = || qimeng_runtime::Extras {
        alibi_slopes: slopes.as_ref(),
        varlen: None,
    };
    match layout {
        Layout::Contiguous => {
            let qb = DeviceBuffer::from_host(&conv(&r.q))?;
            let kb = DeviceBuffer::from_host(&conv(&r.k))?;
            let vb = DeviceBuffer::from_host(&conv(&r.v))?;
            let q = Tensor::new(&qb, q_shape)?;
            let k = Tensor::new(&kb, kv_shape)?;
            let v = Tensor::new(&vb, kv_shape)?;
            let mut out = TensorMut::new(&mut out_buf, q_shape)?;
            kernel.run_with(&q, &k, &v, &mut out, extras(), Some(p.scale), stream)?;
        }
        Layout::PackedQkv => {
            // One [b, s, hq + 2 hkv, d] buffer; needs seqlen_q == seqlen_k.
            let (d, hq, hkv) = (p.head_dim, p.heads_q, p.heads_kv);
            let width = (hq + 2 * hkv) * d;
            let mut packed = vec![T::from_f32(0.0); p.batch * p.seqlen_q * width];
            for b in 0..p.batch {
                for s in 0..p.seqlen_q {
                    let row = &mut packed[(b * p.seqlen_q + s) * width..][..width];
                    let src = |t: &[f32], h: usize, n: usize| -> Vec<T> {
                        conv(&t[((b * p.seqlen_q + s) * n + h) * d..][..d])
                    };
                    for h in 0..hq {
                        row[h * d..][..d].copy_from_slice(&src(&r.q, h, hq));
                    }
                    for h in 0..hkv {
                        row[(hq + h) * d..][..d].copy_from_slice(&src(&r.k, h, hkv));
                        row[(hq + hkv + h) * d..][..d].copy_from_slice(&src(&r.v, h, hkv));
                    }
                }
            }
            let buf = DeviceBuffer::from_host(&packed)?;
            let strides = [p.seqlen_q * width, width, d];
            let q = Tensor::with_strides(&buf, q_shape, strides, 0)?;
            let k = Tensor::with_strides(&buf, kv_shape, strides, hq * d)?;
            let v = Tensor::with_strides(&buf, kv_shape, strides, (hq + hkv) * d)?;
            let mut out = TensorMut::new(&mut out_buf, q_shape)?;
            kernel.run_with(&q, &k, &v, &mut out, extras(), Some(p.scale), stream)?;
        }
    }
    stream.synchronize()?;
    let out: Vec<f32> = out_buf.to_host()?.iter().map(|x| x.to_f32()).collect();
    Ok(compare(kernel.spec().dtype, &out, &r.exact, &r.lowp))
}

/// Per-sequence `(query, key)` lengths of the packed batch a varlen kernel is checked on: a
/// sequence with no queries (it must write nothing), one with no keys (zero rows), single
/// tokens, tails (17, 1000) and unequal query and key lengths in both directions.
pub fn varlen_lengths(small: bool) -> Vec<(usize, usize)> {
    if small {
        vec![(3, 5), (0, 4), (1, 1), (17, 40), (6, 0), (70, 33)]
    } else {
        vec![
            (17, 17),
            (0, 9),
            (1, 1),
            (1000, 1000),
            (5, 0),
            (300, 1100),
            (257, 64),
            (1, 700),
        ]
    }
}

/// What a varlen check found: the comparison over every sequence's rows, and the poisoned
/// elements around and between the output rows (a guard region before and after the output
/// view, and padding at the end of every row) that the kernel overwrote.
pub struct VarlenOutcome {
    /// Against the per-sequence references.
    pub comparison: Comparison,
    /// Poisoned elements outside every sequence's rows that no longer hold the poison.
    pub clobbered: usize,
    /// Total tokens of q and k.
    pub totals: (usize, usize),
}

/// Runs a varlen `kernel` on packed random sequences of [`varlen_lengths`] (GQA 4:2), the
/// output a strided view into a poisoned buffer with guard rows before and after and padding
/// after each row; compares with [`qimeng_reference::attention_varlen`] and counts writes
/// outside the sequences' rows.
pub fn run_varlen(
    kernel: &AttentionKernel,
    small: bool,
    stream: &Stream,
) -> qimeng_runtime::Result<VarlenOutcome> {
    match kernel.spec().dtype {
        DType::F16 => varlen_typed::<f16>(kernel, small, stream),
        DType::Bf16 => varlen_typed::<bf16>(kernel, small, stream),
        DType::F32 => varlen_typed::<f32>(kernel, small, stream),
    }
}

fn varlen_typed<T: Element>(
    kernel: &AttentionKernel,
    small: bool,
    stream: &Stream,
) -> qimeng_runtime::Result<VarlenOutcome> {
    let spec = kernel.spec();
    let lens = varlen_lengths(small);
    let (hq, hkv) = (4, 2);
    let (tq, tk): (usize, usize) = (
        lens.iter().map(|l| l.0).sum(),
        lens.iter().map(|l| l.1).sum(),
    );
    let mut p = Problem::for_spec(&spec, 1, tq, tk, hq, hkv);
    if p.alibi_slopes.is_some() {
        // [sequences, heads_q]: each sequence its own slopes.
        p.alibi_slopes = Some(random_slopes(&mut Rng::new(78), lens.len() * hq));
    }
    let d = p.head_dim;
    let mut rng = qimeng_reference::Rng::new(77);
    let q = random_tensor(&mut rng, tq * hq * d, spec.dtype);
    let k = random_tensor(&mut rng, tk * hkv * d, spec.dtype);
    let v = random_tensor(&mut rng, tk * hkv * d, spec.dtype);
    let (exact, lowp) = qimeng_reference::attention_varlen(&p, &lens, &q, &k, &v, spec.dtype);
    let offsets = |f: fn(&(usize, usize)) -> usize| -> Vec<i32> {
        std::iter::once(0)
            .chain(lens.iter().scan(0, |acc, l| {
                *acc += f(l);
                Some(*acc as i32)
            }))
            .collect()
    };
    let (cu_q, cu_k) = (offsets(|l| l.0), offsets(|l| l.1));
    let max_q = lens.iter().map(|l| l.0).max().unwrap_or(0);
    let max_k = lens.iter().map(|l| l.1).max().unwrap_or(0);

    let conv = |x: &[f32]| x.iter().map(|v| T::from_f32(*v)).collect::<Vec<T>>();
    let (qb, kb, vb) = (
        DeviceBuffer::from_host(&conv(&q))?,
        DeviceBuffer::from_host(&conv(&k))?,
        DeviceBuffer::from_host(&conv(&v))?,
    );
    // out: 2 guard rows, then tq rows of pitch hq * d + 8 (8 padding elements each), then 2
    // guard rows; every element poisoned.
    let pitch = hq * d + 8;
    let guard = 2 * pitch;
    let mut out_buf = DeviceBuffer::<T>::alloc(guard + tq * pitch + guard)?;
    out_buf.fill_bytes(0xFF)?;
    let (q_shape, kv_shape) = ([1, tq, hq, d], [1, tk, hkv, d]);
    let slopes = match &p.alibi_slopes {
        Some(s) => Some(DeviceBuffer::from_host(s)?),
        None => None,
    };
    {
        let qt = Tensor::new(&qb, q_shape)?;
        let kt = Tensor::new(&kb, kv_shape)?;
        let vt = Tensor::new(&vb, kv_shape)?;
        let mut out =
            TensorMut::with_strides(&mut out_buf, q_shape, [tq * pitch, pitch, d], guard)?;
        let extras = qimeng_runtime::Extras {
            alibi_slopes: slopes.as_ref(),
            varlen: Some(qimeng_runtime::Varlen {
                cu_seqlens_q: &cu_q,
                cu_seqlens_k: &cu_k,
                max_seqlen_q: max_q,
                max_seqlen_k: max_k,
            }),
        };
        kernel.run_with(&qt, &kt, &vt, &mut out, extras, Some(p.scale), stream)?;
    }
    stream.synchronize()?;
    let host = out_buf.to_host()?;
    // All bits set is NaN in every float format; the kernel writes no NaN where it writes.
    let is_poison = |x: &T| x.to_f32().is_nan();
    let mut got = Vec::with_capacity(tq * hq * d);
    let mut clobbered = host[..guard].iter().filter(|x| !is_poison(x)).count()
        + host[guard + tq * pitch..]
            .iter()
            .filter(|x| !is_poison(x))
            .count();
    for r in 0..tq {
        let row = &host[guard + r * pitch..][..pitch];
        got.extend(row[..hq * d].iter().map(|x| x.to_f32()));
        clobbered += row[hq * d..].iter().filter(|x| !is_poison(x)).count();
    }
    Ok(VarlenOutcome {
        comparison: compare(spec.dtype, &got, &exact, &lowp),
        clobbered,
        totals: (tq, tk),
    })
}
