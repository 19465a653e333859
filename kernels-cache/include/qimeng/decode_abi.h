/* The launch ABI of qimeng's decode kernels (`dec-*` cache entries). Version 2 (version 1 had
 * no split counters in the workspace and merged the splits in a second kernel).
 *
 * Decode: a few new query tokens per sequence (seqlen_q 1 to 8) against a long key/value cache,
 * with per-sequence cache lengths, optionally paged. Every `dec-*` entry's kernel.h declares
 *
 *     int qimeng_<key with '-' as '_'>(const QimengDecodeArgs* args, void* stream);
 *
 * which enqueues the decode attention on `stream` (a cudaStream_t; NULL is the legacy default
 * stream) and returns the cudaError_t of the launch (0 on success). It never synchronizes.
 *
 * Layouts (strides in elements, head_dim contiguous):
 *   q, o    [batch, seqlen_q, heads_q, head_dim]
 *   k, v    a pool of pages [num_blocks, block_size, heads_kv, head_dim]; key j of sequence b is
 *           row j % block_size of page block_table[b * block_table_stride + j / block_size].
 *           Contiguous cache ([batch, capacity, heads_kv, head_dim]): block_table = NULL, the
 *           "page" of sequence b is b itself, block_size = capacity, num_blocks = batch.
 *   lse     optional (NULL: not written), f32 [batch, heads_q, seqlen_q] contiguous: the natural
 *           log of each query row's softmax denominator (of the scaled scores); -inf for a row
 *           that sees no key.
 *   cache_seqlens  int32 [batch] on the device, or NULL: every sequence holds max_seqlen_k keys.
 *           The kernel reads min(cache_seqlens[b], max_seqlen_k) keys of sequence b (negative: 0).
 *
 * The new tokens are the last seqlen_q keys of the cache. With `causal`, query i of a sequence
 * of length L sees key j iff j <= i + L - seqlen_q (bottom-right, as the prefill kernels); a row
 * that sees no key is written as zeros. Query head h reads key/value head h / (heads_q / heads_kv).
 *
 * Split-KV (flash-decoding): each sequence's keys are cut into num_splits contiguous chunks
 * (whole tiles); each (chunk, kv head, sequence) is one block that handles every query row of
 * that kv head (seqlen_q x heads_q / heads_kv rows, at most 64), so each K/V tile is read once.
 * With num_splits > 1 the partial results go to `workspace`, and the last block of each
 * (sequence, kv head) to finish merges them with their log-sum-exp (one launch). The workspace
 * is, 16-byte aligned:
 *     counters  int32 [batch * heads_kv], padded to a multiple of 16 bytes; they must be zero
 *               when the launch starts, and the launch leaves them zero (each merging block
 *               resets its own), so a workspace zeroed once serves every later launch whose
 *               batch * heads_kv fits in what was zeroed and not overwritten since
 *     partials  f32 [num_splits, batch, seqlen_q, heads_q, head_dim], then
 *               f32 [num_splits, batch, seqlen_q, heads_q] base-2 log-sum-exps
 * that is ceil(batch * heads_kv * 4 / 16) * 16
 *        + num_splits * batch * seqlen_q * heads_q * (head_dim + 1) * 4 bytes. With num_splits == 1
 * it is not touched (may be NULL). num_splits is chosen by the caller (qimeng-runtime's
 * heuristic: batch, heads, cache length, SM count), 1 to 256.
 *
 * What the caller (qimeng-runtime) validates before the call: pointers are device pointers,
 * q/k/v/o 16-byte aligned and their strides multiples of 16 bytes; shapes non-empty;
 * heads_q a multiple of heads_kv and seqlen_q * heads_q / heads_kv <= 64; block_size >= 1;
 * block_table rows hold ceil(max_seqlen_k / block_size) entries; for contiguous caches
 * max_seqlen_k <= block_size. Host-side only (when the caller has them on the host): every
 * cache length is at most max_seqlen_k and every block_table entry used lies in
 * [0, num_blocks). Device-side, the kernel itself never reads outside the pool: a page index
 * outside [0, num_blocks) reads as zeros, and lengths are clamped to max_seqlen_k.
 */
#ifndef QIMENG_DECODE_ABI_H
#define QIMENG_DECODE_ABI_H

#include <stdint.h>

#define QIMENG_DECODE_ABI_VERSION 2

/* Largest seqlen_q * heads_q / heads_kv (query rows one block owns). */
#define QIMENG_DECODE_MAX_ROWS 64
/* Largest num_splits. */
#define QIMENG_DECODE_MAX_SPLITS 256

typedef struct QimengDecodeArgs {
    const void* q;
    const void* k;
    const void* v;
    void* o;
    float* lse;
    const int32_t* block_table;
    const int32_t* cache_seqlens;
    void* workspace;
    int64_t q_batch_stride;
    int64_t q_row_stride;
    int64_t q_head_stride;
    int64_t k_page_stride;
    int64_t k_row_stride;
    int64_t k_head_stride;
    int64_t v_page_stride;
    int64_t v_row_stride;
    int64_t v_head_stride;
    int64_t o_batch_stride;
    int64_t o_row_stride;
    int64_t o_head_stride;
    int64_t block_table_stride;
    int32_t batch;
    int32_t seqlen_q;
    int32_t heads_q;
    int32_t heads_kv;
    int32_t head_dim;
    int32_t block_size;
    int32_t num_blocks;
    int32_t max_seqlen_k;
    int32_t num_splits;
    int32_t causal;
    float softmax_scale;
    int32_t reserved;
} QimengDecodeArgs;

#ifdef __cplusplus
#define QIMENG_EXTERN_C extern "C"
#else
#define QIMENG_EXTERN_C
#endif

#endif /* QIMENG_DECODE_ABI_H */
