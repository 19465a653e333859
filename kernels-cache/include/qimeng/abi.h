/* The launch ABI between a qimeng kernel and the Rust side. Version 2 (1 plus ALiBi and
 * varlen: the trailing fields from alibi_batch_stride on).
 *
 * Every cache entry's kernel.h declares exactly one function
 *
 *     int qimeng_<key with '-' as '_'>(const QimengAttnArgs* args, void* stream);
 *
 * which enqueues the attention forward pass on `stream` (a cudaStream_t; NULL is the legacy
 * default stream) and returns the cudaError_t of the launch (0 on success). It never
 * synchronizes. The Rust side has validated every field before the call: pointers are device
 * pointers aligned to 16 bytes, strides are multiples of 16 bytes (a stride of a dimension of
 * size 1 may be passed as 0), shapes are non-empty and
 * heads_q is a multiple of heads_kv.
 *
 * Tensors are [batch, seqlen, heads, head_dim] with the last dimension contiguous; strides are
 * counted in elements. Query head h reads key/value head h / (heads_q / heads_kv).
 * Causal masking is aligned bottom-right: query i sees key j iff j <= i + seqlen_k - seqlen_q.
 * A query row that sees no key at all is written as zeros.
 *
 * ALiBi (kernels whose key has -alibi; alibi_slopes is NULL for every other kernel): the
 * scaled score of query i, key j of head h gets -slope * |i + seqlen_k - seqlen_q - j| added
 * (bottom-right aligned like causal; with varlen, the sequence's own lengths), slope =
 * alibi_slopes[b * alibi_batch_stride + h]: f32 on the device, [heads_q] (batch stride 0) or
 * [batch, heads_q] (batch stride heads_q).
 *
 * Varlen (kernels whose key has -varlen; both cu_seqlens are NULL for every other kernel):
 * q, k, v, o are packed [total_tokens, heads, head_dim] tensors (the *_batch_stride fields
 * are unused, 0); sequence b (0 <= b < batch) owns rows cu_seqlens_q[b] .. cu_seqlens_q[b+1]
 * of q and o and rows cu_seqlens_k[b] .. cu_seqlens_k[b+1] of k and v. cu_seqlens_* are
 * device arrays of batch + 1 non-decreasing int32 offsets from 0 to seqlen_q (seqlen_k),
 * which then hold the total tokens. max_seqlen_q (max_seqlen_k) is at least every sequence's
 * query (key) length and sizes the grid. Causal and window masks align bottom-right with each
 * sequence's own lengths; a sequence of length 0 is skipped (o untouched), and rows of o
 * outside every sequence are never written. For fixed-length kernels max_seqlen_q/k equal
 * seqlen_q/k.
 */
#ifndef QIMENG_ABI_H
#define QIMENG_ABI_H

#include <stdint.h>

#define QIMENG_ABI_VERSION 2

typedef struct QimengAttnArgs {
    const void* q;
    const void* k;
    const void* v;
    void* o;
    int64_t q_batch_stride;
    int64_t q_row_stride;
    int64_t q_head_stride;
    int64_t k_batch_stride;
    int64_t k_row_stride;
    int64_t k_head_stride;
    int64_t v_batch_stride;
    int64_t v_row_stride;
    int64_t v_head_stride;
    int64_t o_batch_stride;
    int64_t o_row_stride;
    int64_t o_head_stride;
    int32_t batch;
    int32_t seqlen_q;
    int32_t seqlen_k;
    int32_t heads_q;
    int32_t heads_kv;
    int32_t head_dim;
    float softmax_scale;
    int32_t alibi_batch_stride;
    const float* alibi_slopes;
    const int32_t* cu_seqlens_q;
    const int32_t* cu_seqlens_k;
    int32_t max_seqlen_q;
    int32_t max_seqlen_k;
} QimengAttnArgs;

#ifdef __cplusplus
#define QIMENG_EXTERN_C extern "C"
#else
#define QIMENG_EXTERN_C
#endif

#endif /* QIMENG_ABI_H */
