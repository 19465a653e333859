//! The decode cases: every `dec-*` kernel against [`decode_reference`], on random inputs with
//! poisoned outputs and log-sum-exps, ragged cache lengths (1, and lengths that are not a
//! multiple of the block size), shuffled block tables over a pool with spare blocks, GQA up
//! to 8:1, block sizes 16 and 64 and the contiguous layout, 1 to 8 new tokens.

use qimeng_reference::{
    Comparison, DecodeProblem, DecodeReference, Rng, compare, decode_reference, gather,
    random_tensor,
};
use qimeng_runtime::{
    DType, DecodeKernel, DecodeWorkspace, DeviceBuffer, Element, KvCache, Stream, Tensor,
    TensorMut, bf16, f16,
};

/// Where the cache lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheLayout {
    /// `[batch, capacity, heads_kv, head_dim]`, capacity a few keys past the longest sequence.
    Contiguous,
    /// A pool of blocks of this many keys, in a shuffled order, with spare blocks.
    Paged(usize),
}

/// One decode test case.
#[derive(Clone, Copy, Debug)]
pub struct DecodeCase {
    /// New tokens per sequence.
    pub seqlen_q: usize,
    /// Query heads.
    pub heads_q: usize,
    /// Key/value heads.
    pub heads_kv: usize,
    /// Cache length of each sequence (the batch is its length).
    pub seqlens: &'static [usize],
    /// Layout of the cache.
    pub layout: CacheLayout,
    /// Causal masking among the new tokens.
    pub causal: bool,
    /// Whether the lse is asked for (and checked).
    pub lse: bool,
}

const fn dcase(
    seqlen_q: usize,
    heads_q: usize,
    heads_kv: usize,
    seqlens: &'static [usize],
    layout: CacheLayout,
    causal: bool,
    lse: bool,
) -> DecodeCase {
    DecodeCase {
        seqlen_q,
        heads_q,
        heads_kv,
        seqlens,
        layout,
        causal,
        lse,
    }
}

use CacheLayout::{Contiguous, Paged};

/// 40 ragged cache lengths: with 8 kv heads, 320 blocks at one split, at least 2 per SM on a
/// 132-SM card, where decode_fwd.cuh's TMA path takes its wide (128-key) tiles.
const WIDE_GRID: &[usize] = &[
    1, 17, 128, 129, 300, 64, 65, 2, 511, 256, 1000, 7, 33, 200, 127, 384, 5, 640, 96, 250, 16, 15,
    700, 129, 3, 448, 257, 31, 90, 1, 513, 160, 12, 383, 77, 600, 8, 255, 130, 41,
];
/// 36 short ragged lengths (288 blocks with 8 kv heads): the wide tiles in the small grid.
const WIDE_GRID_SMALL: &[usize] = &[
    1, 17, 128, 129, 30, 64, 65, 2, 100, 7, 33, 127, 5, 96, 16, 15, 3, 31, 90, 1, 12, 77, 8, 130,
    41, 63, 70, 9, 111, 4, 50, 129, 6, 80, 20, 44,
];

/// The full decode grid.
pub const DECODE_FULL: &[DecodeCase] = &[
    dcase(1, 32, 8, WIDE_GRID, Paged(16), false, true),
    dcase(2, 16, 8, WIDE_GRID, Contiguous, true, true),
    dcase(1, 32, 8, &[1, 17, 1000, 4096], Paged(16), false, true),
    dcase(4, 8, 1, &[1, 63, 700], Paged(64), true, true),
    dcase(8, 8, 8, &[8, 333], Contiguous, true, false),
    dcase(1, 32, 4, &[32768], Contiguous, false, true),
    dcase(2, 16, 2, &[5, 130, 1], Paged(16), true, true),
    dcase(3, 8, 2, &[2, 65, 129, 1000, 64], Paged(64), true, true),
    dcase(1, 8, 1, &[3000, 7, 1, 515], Contiguous, false, true),
];

/// Small decode shapes for compute-sanitizer (the last one splits the keys).
pub const DECODE_SMALL: &[DecodeCase] = &[
    dcase(1, 8, 1, &[1, 100], Paged(16), false, true),
    dcase(4, 4, 2, &[3, 70], Contiguous, true, true),
    dcase(8, 8, 8, &[200], Paged(64), true, true),
    dcase(1, 16, 8, WIDE_GRID_SMALL, Paged(64), false, true),
];

/// The decode cases ([`DECODE_FULL`] or [`DECODE_SMALL`]).
pub fn decode_cases(small: bool) -> &'static [DecodeCase] {
    if small { DECODE_SMALL } else { DECODE_FULL }
}

/// A decode case's outcome: the output's comparison and, when asked for, the lse's.
#[derive(Clone, Debug)]
pub struct DecodeOutcome {
    /// The output against the reference.
    pub out: Comparison,
    /// The lse against the reference (rows that see no key must be exactly `-inf`).
    pub lse: Option<Comparison>,
    /// How many splits the launch used.
    pub splits: i32,
}

impl DecodeOutcome {
    /// Whether the output (and the lse, if checked) passed.
    pub fn passed(&self) -> bool {
        self.out.passed && self.lse.as_ref().is_none_or(|c| c.passed)
    }
}

/// Runs `kernel` on `case` (inputs from `seed`) and compares.
pub fn run_decode_case(
    kernel: &DecodeKernel,
    case: &DecodeCase,
    seed: u64,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<DecodeOutcome> {
    match kernel.spec().dtype {
        DType::F16 => run_typed::<f16>(kernel, case, seed, workspace, stream),
        _ => run_typed::<bf16>(kernel, case, seed, workspace, stream),
    }
}

fn run_typed<T: Element>(
    kernel: &DecodeKernel,
    c: &DecodeCase,
    seed: u64,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<DecodeOutcome> {
    let spec = kernel.spec();
    let dtype = spec.dtype;
    let d = spec.head_dim as usize;
    let batch = c.seqlens.len();
    let p = DecodeProblem {
        batch,
        seqlen_q: c.seqlen_q,
        heads_q: c.heads_q,
        heads_kv: c.heads_kv,
        head_dim: d,
        causal: c.causal,
        scale: spec.default_scale(),
        seqlens: c.seqlens.to_vec(),
    };
    let mut rng = Rng::new(seed);
    let q = random_tensor(&mut rng, p.q_len(), dtype);
    let row = c.heads_kv * d;
    let longest = c.seqlens.iter().copied().max().unwrap_or(0);
    // The pool (or contiguous cache) as stored, random everywhere, and how it is addressed.
    let (pool_shape, table, per_seq) = match c.layout {
        Contiguous => ([batch, longest + 5, c.heads_kv, d], Vec::new(), 0),
        Paged(bs) => {
            let per = longest.div_ceil(bs) + 1; // one entry past the longest: never read
            let used: usize = c.seqlens.iter().map(|l| l.div_ceil(bs)).sum();
            let blocks = used + 3;
            // A shuffled order of the pool's blocks (Fisher-Yates).
            let mut order: Vec<i32> = (0..blocks as i32).collect();
            for i in (1..order.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            let mut table = vec![-1i32; batch * per];
            let mut next = order.into_iter();
            for (b, &len) in c.seqlens.iter().enumerate() {
                for slot in 0..len.div_ceil(bs) {
                    table[b * per + slot] = next.next().unwrap_or(0);
                }
            }
            ([blocks, bs, c.heads_kv, d], table, per)
        }
    };
    let pool_len: usize = pool_shape.iter().product();
    let k_pool = random_tensor(&mut rng, pool_len, dtype);
    let v_pool = random_tensor(&mut rng, pool_len, dtype);
    let (k, v) = match c.layout {
        Contiguous => {
            let cap = pool_shape[1];
            let logical = |pool: &[f32]| -> Vec<f32> {
                c.seqlens
                    .iter()
                    .enumerate()
                    .flat_map(|(b, &len)| pool[b * cap * row..][..len * row].to_vec())
                    .collect()
            };
            (logical(&k_pool), logical(&v_pool))
        }
        Paged(bs) => (
            gather(&p, &k_pool, bs, &table, per_seq),
            gather(&p, &v_pool, bs, &table, per_seq),
        ),
    };
    let DecodeReference {
        exact,
        lowp,
        lse_exact,
        lse_lowp,
    } = decode_reference(&p, &q, &k, &v, dtype);

    let conv = |x: &[f32]| x.iter().map(|v| T::from_f32(*v)).collect::<Vec<T>>();
    let q_shape = [batch, c.seqlen_q, c.heads_q, d];
    let qb = DeviceBuffer::from_host(&conv(&q))?;
    let kb = DeviceBuffer::from_host(&conv(&k_pool))?;
    let vb = DeviceBuffer::from_host(&conv(&v_pool))?;
    let mut ob = DeviceBuffer::<T>::alloc(p.q_len())?;
    ob.fill_bytes(0xFF)?;
    let mut lb = DeviceBuffer::<f32>::alloc(p.lse_len())?;
    lb.fill_bytes(0xFF)?;
    let qt = Tensor::new(&qb, q_shape)?;
    let kt = Tensor::new(&kb, pool_shape)?;
    let vt = Tensor::new(&vb, pool_shape)?;
    let lens: Vec<i32> = c.seqlens.iter().map(|&l| l as i32).collect();
    let cache = match c.layout {
        Contiguous => KvCache::contiguous(&kt, &vt, Some(&lens)),
        Paged(_) => KvCache::paged(&kt, &vt, &table, &lens),
    };
    let splits = {
        let ot = TensorMut::new(&mut ob, q_shape)?;
        let plan = kernel.plan(workspace, &qt, cache, &ot, None, c.causal, None, stream)?;
        plan.args.num_splits
    };
    let mut ot = TensorMut::new(&mut ob, q_shape)?;
    let lse_buf = if c.lse { Some(&mut lb) } else { None };
    kernel.run(
        workspace, &qt, cache, &mut ot, lse_buf, c.causal, None, stream,
    )?;
    stream.synchronize()?;
    let out: Vec<f32> = ob.to_host()?.iter().map(|x| x.to_f32()).collect();
    let out = compare(dtype, &out, &exact, &lowp);
    let lse = if c.lse {
        let got = lb.to_host()?;
        // Rows that see no key: exactly -inf, then left out of the numeric comparison.
        let mut wrong_inf = 0;
        let mut g = Vec::with_capacity(got.len());
        let (mut e, mut l) = (Vec::new(), Vec::new());
        for ((x, ex), lo) in got.iter().zip(&lse_exact).zip(&lse_lowp) {
            if ex.is_infinite() {
                wrong_inf += usize::from(*x != f32::NEG_INFINITY);
                continue;
            }
            g.push(*x);
            e.push(*ex);
            l.push(*lo);
        }
        let mut cmp = compare(dtype, &g, &e, &l);
        cmp.non_finite += wrong_inf;
        cmp.passed &= wrong_inf == 0;
        Some(cmp)
    } else {
        None
    };
    Ok(DecodeOutcome { out, lse, splits })
}
