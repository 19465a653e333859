/* The launch ABI between a qimeng kernel and the Rust side. Version 1.
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
 */
#ifndef QIMENG_ABI_H
#define QIMENG_ABI_H

#include <stdint.h>

#define QIMENG_ABI_VERSION 1

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
    int32_t reserved;
} QimengAttnArgs;

#ifdef __cplusplus
#define QIMENG_EXTERN_C extern "C"
#else
#define QIMENG_EXTERN_C
#endif

#endif /* QIMENG_ABI_H */
