//! Decode attention's reference: each sequence's `seqlen_q` new queries against its own
//! cache of `seqlens[b]` keys (the new tokens being the last `seqlen_q` of them), with
//! bottom-right causal masking among the new tokens, and the log-sum-exp of each row.
//!
//! The caches are given *logically*: sequence `b`'s keys as a contiguous `[seqlens[b],
//! heads_kv, head_dim]` block, the blocks of all sequences one after another ([`gather`]
//! builds this from a paged pool and its block table). Each sequence is then one prefill
//! problem (batch 1, `seqlen_k = seqlens[b]`), computed by [`row_f64`] and [`row_lowp`].

use qimeng_spec::DType;

use crate::{Problem, round_to, row_f64, row_lowp};

/// One decode problem: q and out are `[batch, seqlen_q, heads_q, head_dim]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeProblem {
    /// Sequences.
    pub batch: usize,
    /// New tokens per sequence.
    pub seqlen_q: usize,
    /// Query heads.
    pub heads_q: usize,
    /// Key/value heads.
    pub heads_kv: usize,
    /// Head size.
    pub head_dim: usize,
    /// Bottom-right causal masking among the new tokens.
    pub causal: bool,
    /// Softmax scale.
    pub scale: f32,
    /// Keys of each sequence (0 allowed: its rows are zero, their lse `-inf`).
    pub seqlens: Vec<usize>,
}

/// Exact (f64) and dtype-rounded outputs, and the log-sum-exps (`[batch, heads_q, seqlen_q]`,
/// natural log of the scaled scores' softmax denominator, `-inf` for a row that sees no key).
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeReference {
    /// Exact output.
    pub exact: Vec<f64>,
    /// Output computed in the dtype.
    pub lowp: Vec<f32>,
    /// Exact log-sum-exp.
    pub lse_exact: Vec<f64>,
    /// Log-sum-exp of the dtype-rounded scores, in f32.
    pub lse_lowp: Vec<f32>,
}

impl DecodeProblem {
    /// Elements of q (and out).
    pub fn q_len(&self) -> usize {
        self.batch * self.seqlen_q * self.heads_q * self.head_dim
    }

    /// Elements of the logical (ragged) k or v: every sequence's keys.
    pub fn kv_len(&self) -> usize {
        self.seqlens.iter().sum::<usize>() * self.heads_kv * self.head_dim
    }

    /// Elements of the log-sum-exp output.
    pub fn lse_len(&self) -> usize {
        self.batch * self.heads_q * self.seqlen_q
    }

    /// Sequence `b` as a prefill problem of batch 1.
    fn sequence(&self, b: usize) -> Problem {
        let mut p = Problem::new(
            1,
            self.seqlen_q,
            self.seqlens[b],
            self.heads_q,
            self.heads_kv,
            self.head_dim,
            self.causal,
        );
        p.scale = self.scale;
        p
    }

    /// Offset of sequence `b`'s keys in the logical k and v.
    fn kv_offset(&self, b: usize) -> usize {
        self.seqlens[..b].iter().sum::<usize>() * self.heads_kv * self.head_dim
    }
}

/// Copies a paged pool (`[num_blocks, block_size, heads_kv, head_dim]`, row-major) into the
/// logical layout of `p`: key `j` of sequence `b` is row `j % block_size` of block
/// `table[b * blocks_per_seq + j / block_size]`.
///
/// # Panics
/// If a table entry a sequence reaches is outside the pool.
pub fn gather(
    p: &DecodeProblem,
    pool: &[f32],
    block_size: usize,
    table: &[i32],
    blocks_per_seq: usize,
) -> Vec<f32> {
    let row = p.heads_kv * p.head_dim;
    let mut out = Vec::with_capacity(p.kv_len());
    for (b, &len) in p.seqlens.iter().enumerate() {
        for j in 0..len {
            let page = usize::try_from(table[b * blocks_per_seq + j / block_size])
                .expect("block table entry is negative");
            let at = (page * block_size + j % block_size) * row;
            out.extend_from_slice(&pool[at..at + row]);
        }
    }
    out
}

/// The references of `p` for `q` and the logical `k`, `v`, in `dtype`.
///
/// # Panics
/// If the slices' lengths do not match `p`, or `heads_q` is not a multiple of `heads_kv`.
pub fn decode_reference(
    p: &DecodeProblem,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    dtype: DType,
) -> DecodeReference {
    assert!(p.heads_kv > 0 && p.heads_q.is_multiple_of(p.heads_kv));
    assert_eq!(p.seqlens.len(), p.batch, "one length per sequence");
    assert_eq!(q.len(), p.q_len(), "q length");
    assert_eq!(k.len(), p.kv_len(), "k length");
    assert_eq!(v.len(), p.kv_len(), "v length");
    let d = p.head_dim;
    let mut r = DecodeReference {
        exact: vec![0.0; p.q_len()],
        lowp: vec![0.0; p.q_len()],
        lse_exact: vec![f64::NEG_INFINITY; p.lse_len()],
        lse_lowp: vec![f32::NEG_INFINITY; p.lse_len()],
    };
    let per_seq = p.seqlen_q * p.heads_q * d;
    for b in 0..p.batch {
        let s = p.sequence(b);
        let q_b = &q[b * per_seq..][..per_seq];
        let (off, n) = (p.kv_offset(b), s.kv_len());
        let (k_b, v_b) = (&k[off..off + n], &v[off..off + n]);
        for i in 0..p.seqlen_q {
            for h in 0..p.heads_q {
                let at = b * per_seq + (i * p.heads_q + h) * d;
                row_f64(&s, q_b, k_b, v_b, 0, i, h, &mut r.exact[at..at + d]);
                row_lowp(&s, q_b, k_b, v_b, dtype, 0, i, h, &mut r.lowp[at..at + d]);
                let keys = s.visible_range(i);
                if keys.is_empty() {
                    continue;
                }
                let qrow = &q_b[s.q_index(0, i, h)..][..d];
                let hk = h / (p.heads_q / p.heads_kv);
                let krow = |j: usize| &k_b[(j * p.heads_kv + hk) * d..][..d];
                let exact: Vec<f64> = keys
                    .clone()
                    .map(|j| {
                        let dot: f64 = qrow
                            .iter()
                            .zip(krow(j))
                            .map(|(a, b)| *a as f64 * *b as f64)
                            .sum();
                        dot * p.scale as f64
                    })
                    .collect();
                let lowp: Vec<f32> = keys
                    .map(|j| {
                        let dot: f32 = qrow.iter().zip(krow(j)).map(|(a, b)| a * b).sum();
                        round_to(dtype, round_to(dtype, dot) * p.scale)
                    })
                    .collect();
                let li = (b * p.heads_q + h) * p.seqlen_q + i;
                let m = exact.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                r.lse_exact[li] = m + exact.iter().map(|s| (s - m).exp()).sum::<f64>().ln();
                let m = lowp.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                r.lse_lowp[li] = m + lowp.iter().map(|s| (s - m).exp()).sum::<f32>().ln();
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Rng, attention_f64, random_tensor};

    fn problem(seqlens: Vec<usize>, causal: bool) -> DecodeProblem {
        DecodeProblem {
            batch: seqlens.len(),
            seqlen_q: 3,
            heads_q: 4,
            heads_kv: 2,
            head_dim: 16,
            causal,
            scale: 0.25,
            seqlens,
        }
    }

    #[test]
    fn equal_lengths_are_prefill() {
        let p = problem(vec![9, 9], true);
        let mut rng = Rng::new(3);
        let q = random_tensor(&mut rng, p.q_len(), DType::F16);
        let k = random_tensor(&mut rng, p.kv_len(), DType::F16);
        let v = random_tensor(&mut rng, p.kv_len(), DType::F16);
        let mut prefill = Problem::new(2, 3, 9, 4, 2, 16, true);
        prefill.scale = 0.25;
        let want = attention_f64(&prefill, &q, &k, &v);
        let got = decode_reference(&p, &q, &k, &v, DType::F16);
        assert_eq!(got.exact, want);
        assert!(got.lse_exact.iter().all(|l| l.is_finite()));
    }

    #[test]
    fn short_sequences_and_the_lse() {
        // Length 1 with 3 causal queries: rows 0 and 1 see nothing, row 2 sees key 0.
        let p = problem(vec![1, 0, 5], true);
        let mut rng = Rng::new(4);
        let q = random_tensor(&mut rng, p.q_len(), DType::Bf16);
        let k = random_tensor(&mut rng, p.kv_len(), DType::Bf16);
        let v = random_tensor(&mut rng, p.kv_len(), DType::Bf16);
        let r = decode_reference(&p, &q, &k, &v, DType::Bf16);
        let lse = |b: usize, h: usize, i: usize| r.lse_exact[(b * 4 + h) * 3 + i];
        assert_eq!(lse(0, 0, 0), f64::NEG_INFINITY);
        assert_eq!(lse(0, 1, 1), f64::NEG_INFINITY);
        assert_eq!(lse(1, 3, 2), f64::NEG_INFINITY);
        // One key: lse is its scaled score, the output its value row.
        let dot: f64 = (0..16)
            .map(|x| q[(2 * 4) * 16 + x] as f64 * k[x] as f64)
            .sum();
        assert!((lse(0, 0, 2) - dot * 0.25).abs() < 1e-12);
        assert_eq!(r.exact[(2 * 4) * 16] as f32, v[0]);
        assert!(r.exact[..(2 * 4) * 16].iter().all(|x| *x == 0.0));
    }

    #[test]
    fn gather_follows_the_table() {
        let p = DecodeProblem {
            head_dim: 1,
            heads_kv: 1,
            ..problem(vec![3, 2], false)
        };
        // Pool of 3 blocks of 2 keys: values are their pool positions.
        let pool: Vec<f32> = (0..6).map(|x| x as f32).collect();
        let got = gather(&p, &pool, 2, &[2, 0, 1, 7], 2);
        assert_eq!(got, vec![4.0, 5.0, 0.0, 2.0, 3.0]);
    }
}
