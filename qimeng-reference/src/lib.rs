//! CPU reference attention and the correctness standard every qimeng kernel is held to.
//!
//! A kernel passes when, against the exact (f64) attention of the same inputs,
//! - no output is NaN or infinite,
//! - its largest absolute error is at most twice that of a plain implementation in the
//!   kernel's dtype (rounding after each step, as a framework computing in that dtype does),
//!   plus a tiny absolute slack, and
//! - its relative L2 error is under 1e-2 (bf16), 2e-3 (f16) or 1e-5 (f32).
//!
//! # Example
//!
//! ```
//! use qimeng_reference::{Problem, Rng, attention_f64, attention_lowp, compare, random_tensor};
//! use qimeng_spec::DType;
//!
//! let p = Problem::new(1, 17, 33, 4, 1, 64, true);
//! let mut rng = Rng::new(7);
//! let q = random_tensor(&mut rng, p.q_len(), DType::Bf16);
//! let k = random_tensor(&mut rng, p.kv_len(), DType::Bf16);
//! let v = random_tensor(&mut rng, p.kv_len(), DType::Bf16);
//! let exact = attention_f64(&p, &q, &k, &v);
//! let lowp = attention_lowp(&p, &q, &k, &v, DType::Bf16);
//! // The dtype-rounded implementation passes against itself.
//! assert!(compare(DType::Bf16, &lowp, &exact, &lowp).passed);
//! ```
#![deny(missing_docs)]

use half::{bf16, f16};
use qimeng_spec::{DType, Spec};

mod decode;

pub use decode::{DecodeProblem, DecodeReference, decode_reference, gather};

/// One attention problem. Tensors are contiguous `[batch, seqlen, heads, head_dim]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Batch size.
    pub batch: usize,
    /// Query length.
    pub seqlen_q: usize,
    /// Key/value length.
    pub seqlen_k: usize,
    /// Query heads.
    pub heads_q: usize,
    /// Key/value heads (divides `heads_q`).
    pub heads_kv: usize,
    /// Head dimension.
    pub head_dim: usize,
    /// Bottom-right aligned causal mask: query `i` sees key `j` iff `j <= i + seqlen_k - seqlen_q`.
    pub causal: bool,
    /// Softmax scale.
    pub scale: f32,
    /// Sliding window `(left, right)`, bottom-right aligned: query `i` sees key `j` iff
    /// `i + sk - sq - left <= j <= i + sk - sq + right` (and, causal, `j <= i + sk - sq`).
    pub window: Option<(usize, usize)>,
    /// Logit softcap: `s = cap * tanh(s / cap)` on the scaled scores, before the masks.
    pub softcap: Option<f32>,
    /// ALiBi slopes, `[heads_q]` (every batch entry alike) or `[batch, heads_q]`: the scaled
    /// score of query `i`, key `j`, head `h` gets `-slope * |i + sk - sq - j|` (bottom-right
    /// aligned, FlashAttention's convention), after the softcap and before the masks.
    pub alibi_slopes: Option<Vec<f32>>,
}

impl Problem {
    /// A problem with the default scale `1/sqrt(head_dim)`.
    pub fn new(
        batch: usize,
        seqlen_q: usize,
        seqlen_k: usize,
        heads_q: usize,
        heads_kv: usize,
        head_dim: usize,
        causal: bool,
    ) -> Problem {
        Problem {
            batch,
            seqlen_q,
            seqlen_k,
            heads_q,
            heads_kv,
            head_dim,
            causal,
            scale: 1.0 / (head_dim as f32).sqrt(),
            window: None,
            softcap: None,
            alibi_slopes: None,
        }
    }

    /// The problem a kernel of `spec` is tested on: its head_dim, causality, window, softcap
    /// and ALiBi. A softcapped spec is tested at scale `4 / sqrt(head_dim)` (logits of standard
    /// deviation 4 on random inputs) so that the cap bites: at the default scale the logits
    /// stay where `cap * tanh(s / cap)` is `s` to within 1e-3, and a kernel that skipped the
    /// cap would pass. An ALiBi spec gets [`random_slopes`] in the `[batch, heads_q]` layout
    /// (a fixed seed: different per head and per batch entry, so a kernel that reads the wrong
    /// slope fails); callers may replace them.
    pub fn for_spec(
        spec: &Spec,
        batch: usize,
        seqlen_q: usize,
        seqlen_k: usize,
        heads_q: usize,
        heads_kv: usize,
    ) -> Problem {
        let d = spec.head_dim as usize;
        let mut p = Problem::new(batch, seqlen_q, seqlen_k, heads_q, heads_kv, d, spec.causal);
        p.window = spec
            .variants
            .window
            .map(|w| (w.left as usize, w.right as usize));
        p.softcap = spec.variants.softcap.map(|c| c as f32);
        if p.softcap.is_some() {
            p.scale = 4.0 / (d as f32).sqrt();
        }
        if spec.variants.alibi {
            p.alibi_slopes = Some(random_slopes(&mut Rng::new(0xA11B), batch * heads_q));
        }
        p
    }

    /// The ALiBi slope of batch entry `b`, head `h` (`None` without ALiBi).
    ///
    /// # Panics
    /// If the slopes are neither `heads_q` nor `batch * heads_q` long.
    pub fn slope(&self, b: usize, h: usize) -> Option<f32> {
        let s = self.alibi_slopes.as_deref()?;
        if s.len() == self.heads_q {
            Some(s[h])
        } else {
            assert_eq!(
                s.len(),
                self.batch * self.heads_q,
                "ALiBi slopes are [heads_q] or [batch, heads_q]"
            );
            Some(s[b * self.heads_q + h])
        }
    }

    /// The ALiBi bias of query `i`, key `j` in batch entry `b`, head `h`: `-slope * |i + sk -
    /// sq - j|`, or 0 without ALiBi.
    pub fn alibi_bias(&self, b: usize, i: usize, j: usize, h: usize) -> f64 {
        self.slope(b, h).map_or(0.0, |slope| {
            let dist = (i as i64 + self.seqlen_k as i64 - self.seqlen_q as i64 - j as i64).abs();
            -f64::from(slope) * dist as f64
        })
    }

    /// Elements of q (and out).
    pub fn q_len(&self) -> usize {
        self.batch * self.seqlen_q * self.heads_q * self.head_dim
    }

    /// Elements of k (and v).
    pub fn kv_len(&self) -> usize {
        self.batch * self.seqlen_k * self.heads_kv * self.head_dim
    }

    /// Floating-point operations of the two GEMMs over the visible part of the score matrix
    /// (`4 * b * h * visible * d`), the count FlashAttention's benchmarks use.
    pub fn flops(&self) -> f64 {
        let visible: usize = (0..self.seqlen_q).map(|i| self.visible_keys(i)).sum();
        4.0 * (self.batch * self.heads_q) as f64 * visible as f64 * self.head_dim as f64
    }

    /// How many keys query row `i` sees.
    pub fn visible_keys(&self, i: usize) -> usize {
        self.visible_range(i).len()
    }

    /// The keys query row `i` sees (empty when none).
    pub fn visible_range(&self, i: usize) -> std::ops::Range<usize> {
        // The diagonal of row i: key i + sk - sq (may be negative).
        let diag = i as i64 + self.seqlen_k as i64 - self.seqlen_q as i64;
        let sk = self.seqlen_k as i64;
        let mut lo = 0i64;
        let mut hi = sk; // exclusive
        if self.causal {
            hi = hi.min(diag + 1);
        }
        if let Some((left, right)) = self.window {
            lo = lo.max(diag - left as i64);
            hi = hi.min(diag + right as i64 + 1);
        }
        let (lo, hi) = (lo.clamp(0, sk) as usize, hi.clamp(0, sk) as usize);
        lo..hi.max(lo)
    }

    /// Flat index of the first element of q (or out) row `(b, i, h)`.
    pub fn q_index(&self, b: usize, i: usize, h: usize) -> usize {
        ((b * self.seqlen_q + i) * self.heads_q + h) * self.head_dim
    }

    fn kv_index(&self, b: usize, j: usize, h: usize) -> usize {
        ((b * self.seqlen_k + j) * self.heads_kv + h) * self.head_dim
    }
}

/// Packed variable-length attention: sequence `s` is the problem `Problem { batch: 1, seqlen_q:
/// lens[s].0, seqlen_k: lens[s].1, ..p }` (so causal and window masks align with that
/// sequence's own lengths) on rows `cu_q[s]..cu_q[s + 1]` of the packed `[total_q, heads_q,
/// head_dim]` q and out and `cu_k[s]..cu_k[s + 1]` of the packed k and v. Returns the exact
/// (f64) and dtype-rounded outputs, packed. A sequence with no queries contributes no rows; one
/// with no keys, zero rows. ALiBi slopes `[batch, heads_q]` give sequence `s` row `s` (batch
/// is the number of sequences here); `[heads_q]` slopes serve every sequence.
///
/// # Panics
/// If the slices do not hold the packed lengths.
pub fn attention_varlen(
    p: &Problem,
    lens: &[(usize, usize)],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    dtype: DType,
) -> (Vec<f64>, Vec<f32>) {
    let (qrow, krow) = (p.heads_q * p.head_dim, p.heads_kv * p.head_dim);
    let (mut exact, mut lowp) = (Vec::with_capacity(q.len()), Vec::with_capacity(q.len()));
    let (mut q0, mut k0) = (0, 0);
    let hq = p.heads_q;
    for (seq, &(lq, lk)) in lens.iter().enumerate() {
        let alibi_slopes = p.alibi_slopes.as_ref().map(|s| {
            if s.len() == hq {
                s.clone()
            } else {
                s[seq * hq..(seq + 1) * hq].to_vec()
            }
        });
        let sub = Problem {
            batch: 1,
            seqlen_q: lq,
            seqlen_k: lk,
            alibi_slopes,
            ..p.clone()
        };
        let (qs, ks, vs) = (
            &q[q0 * qrow..(q0 + lq) * qrow],
            &k[k0 * krow..(k0 + lk) * krow],
            &v[k0 * krow..(k0 + lk) * krow],
        );
        exact.extend(attention_f64(&sub, qs, ks, vs));
        lowp.extend(attention_lowp(&sub, qs, ks, vs, dtype));
        (q0, k0) = (q0 + lq, k0 + lk);
    }
    assert_eq!(exact.len(), q.len(), "q holds the packed sequences");
    (exact, lowp)
}

/// Rounds `x` to the nearest value of `dtype` (round to nearest even), as f32.
pub fn round_to(dtype: DType, x: f32) -> f32 {
    match dtype {
        DType::F16 => f16::from_f32(x).to_f32(),
        DType::Bf16 => bf16::from_f32(x).to_f32(),
        DType::F32 => x,
    }
}

/// A small deterministic generator (SplitMix64), so test inputs are reproducible by seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

/// `n` ALiBi slopes, log-uniform in `[1/256, 1]` (the range of the geometric slopes of ALiBi's
/// paper for up to 64 heads): some barely tilt the scores, some confine a row to a few keys.
pub fn random_slopes(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| (-8.0 * rng.uniform()).exp2() as f32)
        .collect()
}

/// `len` standard-normal values, rounded to `dtype` (never zeros).
pub fn random_tensor(rng: &mut Rng, len: usize, dtype: DType) -> Vec<f32> {
    (0..len).map(|_| round_to(dtype, rng.normal())).collect()
}

/// Exact attention in f64, contiguous `[batch, seqlen_q, heads_q, head_dim]`. Rows that see no
/// key are zero.
///
/// # Panics
/// If the slices' lengths do not match the problem or `heads_q` is not a multiple of
/// `heads_kv`.
pub fn attention_f64(p: &Problem, q: &[f32], k: &[f32], v: &[f32]) -> Vec<f64> {
    check_lens(p, q, k, v);
    let mut out = vec![0.0f64; p.q_len()];
    for_each_row(p, &mut out, |b, i, h, row| {
        row_f64(p, q, k, v, b, i, h, row)
    });
    out
}

/// One output row `(batch b, query i, head h)` of [`attention_f64`], written into `row`
/// (`head_dim` long, zeroed by the caller). For checking a sample of rows of a large problem.
#[allow(clippy::too_many_arguments)]
pub fn row_f64(
    p: &Problem,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    b: usize,
    i: usize,
    h: usize,
    row: &mut [f64],
) {
    {
        let qrow = &q[p.q_index(b, i, h)..][..p.head_dim];
        let hk = h / (p.heads_q / p.heads_kv);
        let keys = p.visible_range(i);
        if keys.is_empty() {
            return;
        }
        let scores: Vec<f64> = keys
            .clone()
            .map(|j| {
                let krow = &k[p.kv_index(b, j, hk)..][..p.head_dim];
                let dot: f64 = qrow
                    .iter()
                    .zip(krow)
                    .map(|(a, b)| *a as f64 * *b as f64)
                    .sum();
                let s = dot * p.scale as f64;
                let s = match p.softcap {
                    Some(c) => c as f64 * (s / c as f64).tanh(),
                    None => s,
                };
                s + p.alibi_bias(b, i, j, h)
            })
            .collect();
        let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
        let sum: f64 = weights.iter().sum();
        for (j, w) in keys.zip(&weights) {
            let vrow = &v[p.kv_index(b, j, hk)..][..p.head_dim];
            for (o, x) in row.iter_mut().zip(vrow) {
                *o += w / sum * *x as f64;
            }
        }
    }
}

/// Attention as a framework computes it in `dtype`: scores rounded, softmax in f32 rounded,
/// `P V` accumulated in f32 and rounded. The error of this against [`attention_f64`] is the
/// yardstick a kernel's error is compared with.
///
/// # Panics
/// As [`attention_f64`].
pub fn attention_lowp(p: &Problem, q: &[f32], k: &[f32], v: &[f32], dtype: DType) -> Vec<f32> {
    check_lens(p, q, k, v);
    let mut out = vec![0.0f32; p.q_len()];
    for_each_row(p, &mut out, |b, i, h, row| {
        row_lowp(p, q, k, v, dtype, b, i, h, row)
    });
    out
}

/// One output row of [`attention_lowp`], written into `row` (`head_dim` long).
#[allow(clippy::too_many_arguments)]
pub fn row_lowp(
    p: &Problem,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    dtype: DType,
    b: usize,
    i: usize,
    h: usize,
    row: &mut [f32],
) {
    let r = |x: f32| round_to(dtype, x);
    {
        let qrow = &q[p.q_index(b, i, h)..][..p.head_dim];
        let hk = h / (p.heads_q / p.heads_kv);
        let keys = p.visible_range(i);
        if keys.is_empty() {
            return;
        }
        let scores: Vec<f32> = keys
            .clone()
            .map(|j| {
                let krow = &k[p.kv_index(b, j, hk)..][..p.head_dim];
                let dot: f32 = qrow.iter().zip(krow).map(|(a, b)| a * b).sum();
                let s = r(r(dot) * p.scale);
                let s = match p.softcap {
                    Some(c) => r(c * (s / c).tanh()),
                    None => s,
                };
                if p.alibi_slopes.is_some() {
                    r(s + p.alibi_bias(b, i, j, h) as f32)
                } else {
                    s
                }
            })
            .collect();
        let max = scores.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let weights: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
        let sum: f32 = weights.iter().sum();
        let mut acc = vec![0.0f32; p.head_dim];
        for (j, w) in keys.zip(&weights) {
            let pw = r(w / sum);
            let vrow = &v[p.kv_index(b, j, hk)..][..p.head_dim];
            for (a, x) in acc.iter_mut().zip(vrow) {
                *a += pw * x;
            }
        }
        for (o, a) in row.iter_mut().zip(acc) {
            *o = r(a);
        }
    }
}

fn check_lens(p: &Problem, q: &[f32], k: &[f32], v: &[f32]) {
    assert!(
        p.heads_kv > 0 && p.heads_q.is_multiple_of(p.heads_kv),
        "heads_q must be a multiple of heads_kv"
    );
    assert_eq!(q.len(), p.q_len(), "q length");
    assert_eq!(k.len(), p.kv_len(), "k length");
    assert_eq!(v.len(), p.kv_len(), "v length");
}

/// Calls `f(b, i, h, out_row)` for every query row, spread over the machine's threads.
fn for_each_row<T: Send, F>(p: &Problem, out: &mut [T], f: F)
where
    F: Fn(usize, usize, usize, &mut [T]) + Sync,
{
    let d = p.head_dim;
    let rows = out.len() / d;
    if rows == 0 {
        return; // an empty problem (a varlen sequence with no queries) has no rows
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(rows.max(1));
    let per = rows.div_ceil(threads);
    std::thread::scope(|s| {
        for (t, chunk) in out.chunks_mut(per * d).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (r, row) in chunk.chunks_mut(d).enumerate() {
                    let flat = t * per + r; // ((b * sq) + i) * hq + h
                    let h = flat % p.heads_q;
                    let i = (flat / p.heads_q) % p.seqlen_q;
                    let b = flat / (p.heads_q * p.seqlen_q);
                    f(b, i, h, row);
                }
            });
        }
    });
}

/// The relative L2 error a kernel of `dtype` must stay under.
pub fn rel_l2_bound(dtype: DType) -> f64 {
    match dtype {
        DType::Bf16 => 1e-2,
        DType::F16 => 2e-3,
        DType::F32 => 1e-5,
    }
}

/// Absolute slack added to twice the dtype-rounded error: covers shapes where that error
/// happens to be zero (a single key: the output is exactly v).
pub const ABS_SLACK: f64 = 1e-6;

/// A kernel's output measured against the references.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Largest |out - exact|.
    pub max_error: f64,
    /// Largest |lowp - exact|.
    pub lowp_error: f64,
    /// ||out - exact|| / ||exact||.
    pub rel_l2: f64,
    /// Outputs that are NaN or infinite.
    pub non_finite: usize,
    /// First element (flat index) over the bound, if any: where to look.
    pub first_bad: Option<usize>,
    /// Whether the standard holds.
    pub passed: bool,
}

/// Compares a kernel's `out` with the exact and dtype-rounded references.
pub fn compare(dtype: DType, out: &[f32], exact: &[f64], lowp: &[f32]) -> Comparison {
    assert_eq!(out.len(), exact.len());
    assert_eq!(lowp.len(), exact.len());
    let lowp_error = lowp
        .iter()
        .zip(exact)
        .map(|(l, e)| (*l as f64 - e).abs())
        .fold(0.0, f64::max);
    let bound = 2.0 * lowp_error + ABS_SLACK;
    let mut max_error = 0.0f64;
    let mut non_finite = 0;
    let mut first_bad = None;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (idx, (o, e)) in out.iter().zip(exact).enumerate() {
        if !o.is_finite() {
            non_finite += 1;
            first_bad.get_or_insert(idx);
            continue;
        }
        let err = (*o as f64 - e).abs();
        if err > bound {
            first_bad.get_or_insert(idx);
        }
        max_error = max_error.max(err);
        num += err * err;
        den += e * e;
    }
    let rel_l2 = if den > 0.0 {
        (num / den).sqrt()
    } else {
        num.sqrt()
    };
    let passed = non_finite == 0 && max_error <= bound && rel_l2 < rel_l2_bound(dtype);
    Comparison {
        max_error,
        lowp_error,
        rel_l2,
        non_finite,
        first_bad,
        passed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(p: &Problem, dtype: DType, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(seed);
        (
            random_tensor(&mut rng, p.q_len(), dtype),
            random_tensor(&mut rng, p.kv_len(), dtype),
            random_tensor(&mut rng, p.kv_len(), dtype),
        )
    }

    #[test]
    fn single_key_returns_v() {
        let p = Problem::new(2, 3, 1, 4, 2, 32, false);
        let (q, k, v) = inputs(&p, DType::F16, 1);
        let out = attention_f64(&p, &q, &k, &v);
        for b in 0..2 {
            for i in 0..3 {
                for h in 0..4 {
                    let o = &out[p.q_index(b, i, h)..][..32];
                    let vr = &v[p.kv_index(b, 0, h / 2)..][..32];
                    for (a, x) in o.iter().zip(vr) {
                        assert!((a - *x as f64).abs() < 1e-12);
                    }
                }
            }
        }
    }

    #[test]
    fn window_is_bottom_right_aligned_and_inclusive() {
        // sk - sq = 2: row i's diagonal is key i + 2.
        let mut p = Problem::new(1, 4, 6, 1, 1, 32, true);
        p.window = Some((1, 0));
        let r: Vec<_> = (0..4).map(|i| p.visible_range(i)).collect();
        assert_eq!(r, vec![1..3, 2..4, 3..5, 4..6]);
        let mut two = Problem::new(1, 4, 6, 1, 1, 32, false);
        two.window = Some((0, 2));
        let r: Vec<_> = (0..4).map(|i| two.visible_range(i)).collect();
        assert_eq!(r, vec![2..5, 3..6, 4..6, 5..6]);
        // sq > sk: the first rows see nothing, as with causal.
        let mut tall = Problem::new(1, 6, 2, 1, 1, 32, true);
        tall.window = Some((1, 0));
        assert_eq!(tall.visible_keys(0), 0);
        assert_eq!(tall.visible_range(5), 0..2);
        // Windowed attention is plain attention over the visible keys only.
        let (q, k, v) = inputs(&p, DType::F32, 3);
        let out = attention_f64(&p, &q, &k, &v);
        let mut one = Problem::new(1, 1, 2, 1, 1, 32, false);
        one.scale = p.scale;
        let row = &out[p.q_index(0, 0, 0)..][..32];
        let sub = attention_f64(&one, &q[..32], &k[32..96], &v[32..96]);
        for (a, b) in row.iter().zip(&sub) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn softcap_bounds_the_logits_before_the_softmax() {
        let spec = Spec::from_key("fwd-h100-bf16-d128-full-softcap30").unwrap();
        let p = Problem::for_spec(&spec, 1, 3, 50, 2, 1);
        assert_eq!(p.softcap, Some(30.0));
        assert!((p.scale - 4.0 / 128f32.sqrt()).abs() < 1e-7);
        let (q, k, v) = inputs(&p, DType::Bf16, 5);
        let capped = attention_f64(&p, &q, &k, &v);
        let plain = attention_f64(
            &Problem {
                softcap: None,
                ..p.clone()
            },
            &q,
            &k,
            &v,
        );
        let diff = capped
            .iter()
            .zip(&plain)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(diff > 0.1, "the cap should change the output: {diff}");
        let lowp = attention_lowp(&p, &q, &k, &v, DType::Bf16);
        // The cap changes the output by more than bf16 rounding does: a kernel that skips it
        // (or applies it after the mask) fails the standard.
        let c = compare(DType::Bf16, &lowp, &capped, &lowp);
        assert!(2.0 * c.lowp_error < diff, "{c:?} vs {diff}");
    }

    #[test]
    fn causal_is_bottom_right_aligned() {
        let p = Problem::new(1, 4, 6, 1, 1, 32, true);
        assert_eq!(
            (0..4).map(|i| p.visible_keys(i)).collect::<Vec<_>>(),
            vec![3, 4, 5, 6]
        );
        let p = Problem::new(1, 6, 4, 1, 1, 32, true);
        assert_eq!(
            (0..6).map(|i| p.visible_keys(i)).collect::<Vec<_>>(),
            vec![0, 0, 1, 2, 3, 4]
        );
        // Rows with no visible key are zero.
        let (q, k, v) = inputs(&p, DType::F32, 2);
        let out = attention_f64(&p, &q, &k, &v);
        assert!(out[..2 * 32].iter().all(|x| *x == 0.0));
        assert!(out[2 * 32..].iter().all(|x| *x != 0.0));
    }

    #[test]
    fn the_standard_rejects_wrong_answers() {
        let p = Problem::new(1, 17, 40, 4, 1, 64, true);
        let (q, k, v) = inputs(&p, DType::Bf16, 3);
        let exact = attention_f64(&p, &q, &k, &v);
        let lowp = attention_lowp(&p, &q, &k, &v, DType::Bf16);
        let ok = compare(DType::Bf16, &lowp, &exact, &lowp);
        assert!(ok.passed, "{ok:?}");
        assert!(ok.lowp_error > 0.0);

        let mut nan = lowp.clone();
        nan[5] = f32::NAN;
        let c = compare(DType::Bf16, &nan, &exact, &lowp);
        assert!(!c.passed && c.non_finite == 1 && c.first_bad == Some(5));

        let zeros = vec![0.0; lowp.len()];
        assert!(!compare(DType::Bf16, &zeros, &exact, &lowp).passed);

        // Non-causal attention is a different function: caught.
        let full = Problem {
            causal: false,
            ..p.clone()
        };
        let wrong: Vec<f32> = attention_f64(&full, &q, &k, &v)
            .iter()
            .map(|x| *x as f32)
            .collect();
        assert!(!compare(DType::Bf16, &wrong, &exact, &lowp).passed);
    }

    #[test]
    fn flops_count_only_visible_scores() {
        let full = Problem::new(2, 8, 8, 3, 3, 64, false);
        let causal = Problem {
            causal: true,
            ..full.clone()
        };
        assert_eq!(full.flops(), 4.0 * 6.0 * 64.0 * 64.0);
        assert_eq!(causal.flops(), 4.0 * 6.0 * 36.0 * 64.0);
    }

    #[test]
    fn varlen_is_each_sequence_on_its_own() {
        // Lengths: no queries, no keys, single tokens, unequal q and k; GQA 4:2, causal.
        let lens = [(0, 4), (3, 0), (1, 1), (17, 40), (9, 5)];
        let (tq, tk) = lens.iter().fold((0, 0), |a, l| (a.0 + l.0, a.1 + l.1));
        let p = Problem::new(1, tq, tk, 4, 2, 16, true);
        let mut rng = Rng::new(3);
        let q = random_tensor(&mut rng, tq * 4 * 16, DType::Bf16);
        let k = random_tensor(&mut rng, tk * 2 * 16, DType::Bf16);
        let v = random_tensor(&mut rng, tk * 2 * 16, DType::Bf16);
        let (exact, lowp) = attention_varlen(&p, &lens, &q, &k, &v, DType::Bf16);
        assert_eq!((exact.len(), lowp.len()), (q.len(), q.len()));
        // Sequence (3, 0) sees no key: zero rows; sequence (17, 40) equals its own problem.
        assert!(exact[..3 * 64].iter().all(|x| *x == 0.0));
        let (q0, k0) = (3 + 1, 4 + 1);
        let sub = Problem::new(1, 17, 40, 4, 2, 16, true);
        let own = attention_f64(
            &sub,
            &q[q0 * 64..(q0 + 17) * 64],
            &k[k0 * 32..(k0 + 40) * 32],
            &v[k0 * 32..(k0 + 40) * 32],
        );
        assert_eq!(&exact[q0 * 64..(q0 + 17) * 64], own.as_slice());
        assert!(compare(DType::Bf16, &lowp, &exact, &lowp).passed);
    }

    #[test]
    fn alibi_slope_zero_is_plain_attention() {
        let mut p = Problem::new(2, 17, 40, 4, 2, 32, true);
        let (q, k, v) = inputs(&p, DType::Bf16, 11);
        let plain = attention_f64(&p, &q, &k, &v);
        let plain_lowp = attention_lowp(&p, &q, &k, &v, DType::Bf16);
        p.alibi_slopes = Some(vec![0.0; 4]);
        assert_eq!(attention_f64(&p, &q, &k, &v), plain);
        assert_eq!(attention_lowp(&p, &q, &k, &v, DType::Bf16), plain_lowp);
        // A real slope changes the output by more than the bf16 rounding does.
        p.alibi_slopes = Some(random_slopes(&mut Rng::new(1), 2 * 4));
        let biased = attention_f64(&p, &q, &k, &v);
        let lowp = attention_lowp(&p, &q, &k, &v, DType::Bf16);
        let c = compare(DType::Bf16, &lowp, &biased, &lowp);
        let plain32: Vec<f32> = plain.iter().map(|x| *x as f32).collect();
        assert!(c.passed, "{c:?}");
        assert!(!compare(DType::Bf16, &plain32, &biased, &lowp).passed);
    }

    #[test]
    fn a_huge_slope_attends_to_the_diagonal_key_only() {
        // Bottom-right aligned: row i's nearest key is i + sk - sq (clamped into 0..sk).
        for (sq, sk) in [(5, 9), (9, 5), (6, 6)] {
            let mut p = Problem::new(1, sq, sk, 2, 1, 16, false);
            p.alibi_slopes = Some(vec![1e4, 1e4]);
            let (q, k, v) = inputs(&p, DType::F32, 4);
            let out = attention_f64(&p, &q, &k, &v);
            for i in 0..sq {
                let diag = (i as i64 + sk as i64 - sq as i64).clamp(0, sk as i64 - 1) as usize;
                for h in 0..2 {
                    let o = &out[p.q_index(0, i, h)..][..16];
                    let vr = &v[p.kv_index(0, diag, 0)..][..16];
                    for (a, x) in o.iter().zip(vr) {
                        assert!((a - *x as f64).abs() < 1e-9, "sq={sq} sk={sk} i={i}");
                    }
                }
            }
        }
    }

    #[test]
    fn alibi_bias_is_negative_distance_per_batch_and_head() {
        let mut p = Problem::new(2, 3, 7, 2, 1, 16, false);
        p.alibi_slopes = Some(vec![0.5, 0.25, 2.0, 1.0]); // [batch, heads_q]
        // Query 0 sits at key 0 + 7 - 3 = 4.
        assert_eq!(p.alibi_bias(0, 0, 4, 0), 0.0);
        assert_eq!(p.alibi_bias(0, 0, 0, 0), -2.0);
        assert_eq!(p.alibi_bias(0, 0, 6, 1), -0.5);
        assert_eq!(p.alibi_bias(1, 2, 0, 0), -12.0);
        p.alibi_slopes = Some(vec![0.5, 0.25]); // [heads_q]: every batch entry alike
        assert_eq!(p.alibi_bias(1, 2, 0, 1), -1.5);
        let spec = Spec::from_key("fwd-h100-bf16-d128-causal-alibi").unwrap();
        let p = Problem::for_spec(&spec, 2, 5, 5, 3, 1);
        let s = p.alibi_slopes.as_deref().unwrap();
        assert_eq!(s.len(), 6);
        assert!(s.iter().all(|x| (1.0 / 256.0..=1.0).contains(x)));
    }

    #[test]
    fn varlen_gives_each_sequence_its_own_slopes() {
        let lens = [(3, 5), (4, 4)];
        let mut p = Problem::new(1, 7, 9, 2, 1, 16, true);
        p.alibi_slopes = Some(vec![0.1, 0.2, 0.9, 0.4]); // [sequences, heads_q]
        let mut rng = Rng::new(8);
        let q = random_tensor(&mut rng, 7 * 2 * 16, DType::F32);
        let k = random_tensor(&mut rng, 9 * 16, DType::F32);
        let v = random_tensor(&mut rng, 9 * 16, DType::F32);
        let (exact, _) = attention_varlen(&p, &lens, &q, &k, &v, DType::F32);
        let mut second = Problem::new(1, 4, 4, 2, 1, 16, true);
        second.alibi_slopes = Some(vec![0.9, 0.4]);
        let own = attention_f64(&second, &q[3 * 32..], &k[5 * 16..], &v[5 * 16..]);
        assert_eq!(&exact[3 * 32..], own.as_slice());
    }
}
