/* qimeng decode attention (split-KV, paged or contiguous cache): the kernel template every
 * `dec-*` cache entry uses. The ABI, layouts and masking rules are in decode_abi.h.
 *
 * An entry defines a traits struct and calls decode_fwd_launch<Spec>:
 *
 *     struct Spec {
 *         using Element = __nv_bfloat16;  // dtype of q, k, v, o
 *         static constexpr int kHeadDim = 128;
 *         static constexpr int kBlockN = 64;        // keys per tile (one shared-memory stage)
 *         static constexpr int kStages = 3;         // K/V tiles in flight (cp.async; sm_75: 2,
 *                                                   // copied through registers)
 *         static constexpr int kMinBlocksPerSm = 2; // __launch_bounds__ occupancy hint
 *     };
 *
 * Dataflow (the entry's kernel.tl says the same in TL). Grid (num_splits, heads_kv, batch);
 * one block of 8 warps owns one chunk of one sequence's keys for one kv head and *every* query
 * row that reads that kv head (M = seqlen_q x group rows, row r = query i * group + head g), so
 * each K/V byte crosses HBM once. K and V tiles of kBlockN keys stream into shared memory,
 * kStages deep; a key's page is looked up per row of 16-byte chunks, so the page size is a
 * runtime value and pages may sit anywhere in the pool.
 *
 * The 8 warps form WR row groups x WK key groups (WR * WK = 8): a warp owns RW rows (1, 2, 4 or
 * 8; compile-time) and 1/WK of each tile's keys. With few rows (decode proper: M <= 8) all 8
 * warps split the keys; with many (speculative decoding, M up to 64) they split the rows. Each
 * warp keeps its own online softmax (max, sum, output accumulator in f32 registers) over its
 * keys, so no barrier is needed for the softmax; the WK partial states of a row are merged
 * through shared memory once at the end.
 *   S = q k^T: a key's row is spread over D/8 lanes (16 bytes each), partial dot products are
 *     summed with shuffles; scores are written to a per-warp strip of shared memory, masked
 *     (keys past the length, the causal edge) to -inf.
 *   softmax: per row, max and sum over the warp's keys by shuffles; rescale of the accumulator.
 *   O += P V: lane owns D/32 output columns; V rows read from shared memory, P broadcast.
 * Tensor cores are not used: at M <= 8 rows a tile costs ~4 FMA per K/V byte pair, well under
 * what the SM issues while HBM delivers the bytes.
 *
 * With num_splits > 1 each block writes its normalized partial output and base-2 log-sum-exp
 * to the workspace, and decode_combine merges the splits of each row (weights 2^(lse_s - max)).
 */
#ifndef QIMENG_DECODE_FWD_CUH
#define QIMENG_DECODE_FWD_CUH

#include <cuda_runtime.h>
#include <math_constants.h>

#include "qimeng/decode_abi.h"
#include "qimeng/prims.cuh"

namespace qimeng {
namespace decode {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

/* 8 elements of T (one 16-byte chunk) -> f32. */
template <class T>
__device__ __forceinline__ void unpack8(const uint4& v, float (&f)[8]) {
    const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        if constexpr (std::is_same<T, __nv_bfloat16>::value) {
            f[2 * i] = __uint_as_float(w[i] << 16);
            f[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
        } else {
            const float2 p = __half22float2(*reinterpret_cast<const __half2*>(&w[i]));
            f[2 * i] = p.x;
            f[2 * i + 1] = p.y;
        }
    }
}

/* N (2 or 4) elements of T packed in N/2 words -> f32. */
template <class T, int N>
__device__ __forceinline__ void unpack_words(const uint32_t* w, float* f) {
#pragma unroll
    for (int i = 0; i < N / 2; ++i) {
        if constexpr (std::is_same<T, __nv_bfloat16>::value) {
            f[2 * i] = __uint_as_float(w[i] << 16);
            f[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
        } else {
            const float2 p = __half22float2(*reinterpret_cast<const __half2*>(&w[i]));
            f[2 * i] = p.x;
            f[2 * i + 1] = p.y;
        }
    }
}

__device__ __forceinline__ float warp_max(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}

__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

/* Number of keys of sequence b the kernel reads. */
__device__ __forceinline__ int cache_len(const QimengDecodeArgs& a, int b) {
    int len = a.cache_seqlens ? a.cache_seqlens[b] : a.max_seqlen_k;
    len = len < a.max_seqlen_k ? len : a.max_seqlen_k;
    return len > 0 ? len : 0;
}

/* Tiles [t0, t1) of a sequence of `tiles` tiles that split `split` of `splits` owns. */
__device__ __forceinline__ void split_range(int tiles, int split, int splits, int& t0, int& t1) {
    const int per = (tiles + splits - 1) / splits;
    t0 = split * per;
    t1 = min(t0 + per, tiles);
    if (t0 > t1) t0 = t1;
}

template <class Spec>
struct Config {
    using T = typename Spec::Element;
    static constexpr int D = Spec::kHeadDim;
    static constexpr int N = Spec::kBlockN;
    static constexpr int kStages = Spec::kStages;
    static constexpr int kChunksPerRow = D / 8;            /* 16-byte chunks per key row */
    static constexpr int kLanesPerKey = D / 8;             /* S phase: lanes sharing one key */
    static constexpr int kKeysPerStep = 32 / kLanesPerKey; /* S phase: keys per warp step */
    static constexpr int kColsPerLane = D / 32;            /* PV phase: output columns per lane */
    static constexpr int kTileElems = N * D;
    static constexpr int kKvBytes = 2 * kStages * kTileElems * 2;
    static_assert(D == 64 || D == 128, "decode kernels take head_dim 64 or 128");
    static_assert(N % (kWarps * 4) == 0 || N >= 32, "tile keys split over up to 8 warps");
    static_assert(kStages >= 2, "at least double buffering");

    /* Dynamic shared memory for M_pad padded rows: K/V stages, then scores [M_pad][N] f32. The
     * end-of-block merge reuses the K/V stages: 8 warps x RW rows x (D + 2) f32. */
    static __host__ __device__ int smem_bytes(int rows_padded) {
        return kKvBytes + rows_padded * N * 4;
    }
};

/* Issues the copies of tile `tile` of sequence b, kv head hk, into stage buffers sk, sv; keys
 * at or past `len` (and pages outside the pool) are zero-filled, so that a masked P = 0 never
 * meets a NaN of stale memory. */
template <class Spec>
__device__ __forceinline__ void load_tile(const QimengDecodeArgs& a, int b, int hk, int tile,
                                          int len, typename Config<Spec>::T* sk,
                                          typename Config<Spec>::T* sv) {
    using Cfg = Config<Spec>;
    using T = typename Cfg::T;
    constexpr int kChunks = Cfg::N * Cfg::kChunksPerRow;
    static_assert(kChunks % kThreads == 0 || kThreads % Cfg::kChunksPerRow == 0, "");
    const int tid = threadIdx.x;
#pragma unroll
    for (int c = tid; c < kChunks; c += kThreads) {
        const int n = c / Cfg::kChunksPerRow;
        const int col = (c % Cfg::kChunksPerRow) * 8;
        const int j = tile * Cfg::N + n;
        bool valid = j < len;
        int64_t page = b;
        int row = j;
        if (a.block_table) {
            const int slot = j / a.block_size;
            row = j - slot * a.block_size;
            page = valid ? a.block_table[b * a.block_table_stride + slot] : 0;
        }
        valid = valid && page >= 0 && page < a.num_blocks;
        const T* kp = static_cast<const T*>(a.k);
        const T* vp = static_cast<const T*>(a.v);
        const int64_t koff = valid ? page * a.k_page_stride + int64_t(row) * a.k_row_stride +
                                         int64_t(hk) * a.k_head_stride + col
                                   : 0;
        const int64_t voff = valid ? page * a.v_page_stride + int64_t(row) * a.v_row_stride +
                                         int64_t(hk) * a.v_head_stride + col
                                   : 0;
        copy16_g2s<false>(sk + n * Cfg::D + col, kp + koff, valid);
        copy16_g2s<false>(sv + n * Cfg::D + col, vp + voff, valid);
    }
}

/* 8 rows per warp need more than the 128 registers two blocks per SM leave: one block. */
template <class Spec, int RW>
__global__ void __launch_bounds__(kThreads, RW >= 8 ? 1 : Spec::kMinBlocksPerSm)
    decode_split_kernel(const QimengDecodeArgs a, int wr_groups) {
    using Cfg = Config<Spec>;
    using T = typename Cfg::T;
    constexpr int D = Cfg::D;
    constexpr int N = Cfg::N;
    constexpr int LPK = Cfg::kLanesPerKey;
    constexpr int KPS = Cfg::kKeysPerStep;
    constexpr int CPL = Cfg::kColsPerLane;

    extern __shared__ __align__(16) unsigned char smem[];
    T* s_k = reinterpret_cast<T*>(smem);
    T* s_v = s_k + Cfg::kStages * Cfg::kTileElems;
    float* s_s = reinterpret_cast<float*>(smem + Cfg::kKvBytes);

    const int split = blockIdx.x, hk = blockIdx.y, b = blockIdx.z;
    const int group = a.heads_q / a.heads_kv;
    const int rows = a.seqlen_q * group;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wk_groups = kWarps / wr_groups;
    const int wr = warp / wk_groups, wk = warp % wk_groups;
    const int keys_per_warp = N / wk_groups;
    const int r0 = wr * RW;

    const int len = cache_len(a, b);
    const int tiles = (len + N - 1) / N;
    int t0, t1;
    split_range(tiles, split, a.num_splits, t0, t1);

    /* q rows of this warp, this lane's 8 columns, pre-scaled into the log2 domain. */
    const float qscale = a.softmax_scale * kLog2e;
    float q[RW][8];
    const int qcol = (lane % LPK) * 8;
#pragma unroll
    for (int r = 0; r < RW; ++r) {
        const int row = r0 + r;
        if (row < rows) {
            const int i = row / group, h = hk * group + row % group;
            const T* qp = static_cast<const T*>(a.q) + b * a.q_batch_stride + i * a.q_row_stride +
                          h * a.q_head_stride + qcol;
            unpack8<T>(*reinterpret_cast<const uint4*>(qp), q[r]);
#pragma unroll
            for (int e = 0; e < 8; ++e) q[r][e] *= qscale;
        } else {
#pragma unroll
            for (int e = 0; e < 8; ++e) q[r][e] = 0.f;
        }
    }

    float m[RW], l[RW], acc[RW][CPL];
    /* Last key each row may see (causal) or len - 1. */
    int last[RW];
#pragma unroll
    for (int r = 0; r < RW; ++r) {
        m[r] = -CUDART_INF_F;
        l[r] = 0.f;
#pragma unroll
        for (int c = 0; c < CPL; ++c) acc[r][c] = 0.f;
        const int i = (r0 + r) / group;
        last[r] = a.causal ? min(i + len - a.seqlen_q, len - 1) : len - 1;
    }

#pragma unroll
    for (int s = 0; s < Cfg::kStages - 1; ++s) {
        if (t0 + s < t1)
            load_tile<Spec>(a, b, hk, t0 + s, len, s_k + s * Cfg::kTileElems,
                            s_v + s * Cfg::kTileElems);
        cp_async_commit();
    }

    for (int t = t0; t < t1; ++t) {
        const int it = t - t0;
        cp_async_wait<Cfg::kStages - 2>();
        block_sync(); /* tile t landed for everyone; stage (it - 1) % S is free again */
        {
            const int tn = t + Cfg::kStages - 1;
            const int st = (it + Cfg::kStages - 1) % Cfg::kStages;
            if (tn < t1)
                load_tile<Spec>(a, b, hk, tn, len, s_k + st * Cfg::kTileElems,
                                s_v + st * Cfg::kTileElems);
            cp_async_commit();
        }
        const T* tk = s_k + (it % Cfg::kStages) * Cfg::kTileElems;
        const T* tv = s_v + (it % Cfg::kStages) * Cfg::kTileElems;
        const int n0 = wk * keys_per_warp;

        /* S = q k^T for this warp's rows and keys -> s_s (log2 domain, masked). */
        for (int kk = 0; kk < keys_per_warp; kk += KPS) {
            const int n = n0 + kk + lane / LPK;
            float kf[8];
            unpack8<T>(*reinterpret_cast<const uint4*>(tk + n * D + qcol), kf);
            const int j = t * N + n;
#pragma unroll
            for (int r = 0; r < RW; ++r) {
                float s = 0.f;
#pragma unroll
                for (int e = 0; e < 8; ++e) s = fmaf(q[r][e], kf[e], s);
#pragma unroll
                for (int o = LPK / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
                if ((lane % LPK) == (r % LPK))
                    s_s[(r0 + r) * N + n] = j <= last[r] ? s : -CUDART_INF_F;
            }
        }
        __syncwarp();

        /* Online softmax over this warp's keys, row by row. */
#pragma unroll
        for (int r = 0; r < RW; ++r) {
            float* srow = s_s + (r0 + r) * N + n0;
            float mx = -CUDART_INF_F;
            for (int c = lane; c < keys_per_warp; c += 32) mx = fmaxf(mx, srow[c]);
            mx = warp_max(mx);
            const float m_new = fmaxf(m[r], mx);
            const float ref = m_new == -CUDART_INF_F ? 0.f : m_new;
            const float alpha = exp2_approx(m[r] - ref);
            float sum = 0.f;
            for (int c = lane; c < keys_per_warp; c += 32) {
                const float p = exp2_approx(srow[c] - ref);
                srow[c] = p;
                sum += p;
            }
            sum = warp_sum(sum);
            l[r] = l[r] * alpha + sum;
            m[r] = m_new;
#pragma unroll
            for (int c = 0; c < CPL; ++c) acc[r][c] *= alpha;
        }
        __syncwarp();

        /* O += P V: lane owns columns lane * CPL .. + CPL. */
        for (int kk = 0; kk < keys_per_warp; kk += 4) {
            float pv[RW][4];
#pragma unroll
            for (int r = 0; r < RW; ++r) {
                const float4 p4 = *reinterpret_cast<const float4*>(s_s + (r0 + r) * N + n0 + kk);
                pv[r][0] = p4.x;
                pv[r][1] = p4.y;
                pv[r][2] = p4.z;
                pv[r][3] = p4.w;
            }
#pragma unroll
            for (int u = 0; u < 4; ++u) {
                const T* vrow = tv + (n0 + kk + u) * D + lane * CPL;
                uint32_t w[CPL / 2];
                if constexpr (CPL == 4) {
                    const uint2 x = *reinterpret_cast<const uint2*>(vrow);
                    w[0] = x.x;
                    w[1] = x.y;
                } else {
                    w[0] = *reinterpret_cast<const uint32_t*>(vrow);
                }
                float vf[CPL];
                unpack_words<T, CPL>(w, vf);
#pragma unroll
                for (int r = 0; r < RW; ++r)
#pragma unroll
                    for (int c = 0; c < CPL; ++c) acc[r][c] = fmaf(pv[r][u], vf[c], acc[r][c]);
            }
        }
        __syncwarp();
    }

    /* Merge the wk_groups partial states of each row through shared memory (the K/V stages). */
    cp_async_wait<0>();
    block_sync();
    float* s_o = reinterpret_cast<float*>(smem); /* [warp][RW][D] */
    float* s_ml = s_o + kWarps * RW * D;         /* [warp][RW][2] */
#pragma unroll
    for (int r = 0; r < RW; ++r) {
#pragma unroll
        for (int c = 0; c < CPL; ++c) s_o[(warp * RW + r) * D + lane * CPL + c] = acc[r][c];
        if (lane == 0) {
            s_ml[(warp * RW + r) * 2] = m[r];
            s_ml[(warp * RW + r) * 2 + 1] = l[r];
        }
    }
    block_sync();

    const bool direct = a.num_splits == 1;
    float* ws_o = static_cast<float*>(a.workspace);
    const int64_t total_rows = int64_t(a.num_splits) * a.batch * a.heads_q * a.seqlen_q;
    float* ws_lse = ws_o + total_rows * D;
    /* Thread per (row, column group of 4): rows x D/4 items over the block. */
    const int items = rows * (D / 4);
    for (int it = threadIdx.x; it < items; it += kThreads) {
        const int row = it / (D / 4), col = (it % (D / 4)) * 4;
        const int rg = row / RW, r = row % RW; /* row group, row within the warp */
        float mx = -CUDART_INF_F;
        for (int g = 0; g < wk_groups; ++g) mx = fmaxf(mx, s_ml[((rg * wk_groups + g) * RW + r) * 2]);
        const float ref = mx == -CUDART_INF_F ? 0.f : mx;
        float lsum = 0.f, o[4] = {0.f, 0.f, 0.f, 0.f};
        for (int g = 0; g < wk_groups; ++g) {
            const int w = rg * wk_groups + g;
            const float sc = exp2_approx(s_ml[(w * RW + r) * 2] - ref);
            lsum += s_ml[(w * RW + r) * 2 + 1] * sc;
            const float4 x = *reinterpret_cast<const float4*>(s_o + (w * RW + r) * D + col);
            o[0] += x.x * sc;
            o[1] += x.y * sc;
            o[2] += x.z * sc;
            o[3] += x.w * sc;
        }
        const float inv = lsum > 0.f ? 1.f / lsum : 0.f;
        const float lse2 = lsum > 0.f ? ref + __log2f(lsum) : -CUDART_INF_F;
        const int i = row / group, h = hk * group + row % group;
        if (direct) {
            T* op = static_cast<T*>(a.o) + b * a.o_batch_stride + i * a.o_row_stride +
                    h * a.o_head_stride + col;
            uint2 packed;
            packed.x = pack2<T>(o[0] * inv, o[1] * inv);
            packed.y = pack2<T>(o[2] * inv, o[3] * inv);
            *reinterpret_cast<uint2*>(op) = packed;
            if (a.lse && col == 0) a.lse[(int64_t(b) * a.heads_q + h) * a.seqlen_q + i] = lse2 * kLn2;
        } else {
            /* Workspace rows in (split, batch, query row, head) order. */
            const int64_t wrow =
                ((int64_t(split) * a.batch + b) * a.seqlen_q + i) * a.heads_q + h;
            *reinterpret_cast<float4*>(ws_o + wrow * D + col) =
                make_float4(o[0] * inv, o[1] * inv, o[2] * inv, o[3] * inv);
            if (col == 0) ws_lse[wrow] = lse2;
        }
    }
}

/* Merges the splits of each query row: one warp per (batch, query row, head). */
template <class Spec>
__global__ void __launch_bounds__(128) decode_combine_kernel(const QimengDecodeArgs a) {
    using T = typename Config<Spec>::T;
    constexpr int D = Config<Spec>::D;
    constexpr int CPL = D / 32;
    const int lane = threadIdx.x % 32;
    const int64_t row = int64_t(blockIdx.x) * 4 + threadIdx.x / 32;
    const int64_t rows = int64_t(a.batch) * a.seqlen_q * a.heads_q;
    if (row >= rows) return;
    const float* ws_o = static_cast<const float*>(a.workspace);
    const float* ws_lse = ws_o + int64_t(a.num_splits) * rows * D;

    float mx = -CUDART_INF_F;
    for (int s = lane; s < a.num_splits; s += 32) mx = fmaxf(mx, ws_lse[s * rows + row]);
    mx = warp_max(mx);
    const float ref = mx == -CUDART_INF_F ? 0.f : mx;
    float o[CPL];
#pragma unroll
    for (int c = 0; c < CPL; ++c) o[c] = 0.f;
    float wsum = 0.f;
    for (int s0 = 0; s0 < a.num_splits; s0 += 32) {
        const int s = s0 + lane;
        const float w_lane = s < a.num_splits ? exp2_approx(ws_lse[s * rows + row] - ref) : 0.f;
        const int n = min(32, a.num_splits - s0);
        for (int u = 0; u < n; ++u) {
            const float w = __shfl_sync(0xffffffffu, w_lane, u);
            wsum += w;
            if (w == 0.f) continue; /* an empty split's partial output is not read */
            const float* src = ws_o + ((s0 + u) * rows + row) * D + lane * CPL;
            if constexpr (CPL == 4) {
                const float4 x = *reinterpret_cast<const float4*>(src);
                o[0] += w * x.x;
                o[1] += w * x.y;
                o[2] += w * x.z;
                o[3] += w * x.w;
            } else {
                const float2 x = *reinterpret_cast<const float2*>(src);
                o[0] += w * x.x;
                o[1] += w * x.y;
            }
        }
    }
    const float inv = wsum > 0.f ? 1.f / wsum : 0.f;
    const int h = int(row % a.heads_q);
    const int i = int((row / a.heads_q) % a.seqlen_q);
    const int b = int(row / (int64_t(a.heads_q) * a.seqlen_q));
    T* op = static_cast<T*>(a.o) + b * a.o_batch_stride + i * a.o_row_stride + h * a.o_head_stride +
            lane * CPL;
    if constexpr (CPL == 4) {
        uint2 packed;
        packed.x = pack2<T>(o[0] * inv, o[1] * inv);
        packed.y = pack2<T>(o[2] * inv, o[3] * inv);
        *reinterpret_cast<uint2*>(op) = packed;
    } else {
        *reinterpret_cast<uint32_t*>(op) = pack2<T>(o[0] * inv, o[1] * inv);
    }
    if (a.lse && lane == 0) {
        a.lse[(int64_t(b) * a.heads_q + h) * a.seqlen_q + i] =
            wsum > 0.f ? (ref + __log2f(wsum)) * kLn2 : -CUDART_INF_F;
    }
}

template <class Spec, int RW>
cudaError_t launch_split(const QimengDecodeArgs& a, int wr_groups, cudaStream_t stream) {
    using Cfg = Config<Spec>;
    const int smem = Cfg::smem_bytes(wr_groups * RW);
    /* The end-of-block merge reuses the K/V stages. */
    static_assert(Cfg::kKvBytes >= kWarps * RW * (Cfg::D + 2) * 4, "merge area fits the stages");
    if (smem > 48 * 1024) {
        const cudaError_t err = cudaFuncSetAttribute(
            decode_split_kernel<Spec, RW>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (err != cudaSuccess) return err;
    }
    const dim3 grid(a.num_splits, a.heads_kv, a.batch);
    decode_split_kernel<Spec, RW><<<grid, kThreads, smem, stream>>>(a, wr_groups);
    return cudaGetLastError();
}

}  // namespace decode

/* Enqueues the decode kernel(s) for `args` on `stream`; returns the cudaError_t of the launch
 * (cudaErrorInvalidValue for arguments outside what decode_abi.h allows). */
template <class Spec>
int decode_fwd_launch(const QimengDecodeArgs* args, void* stream_ptr) {
    using namespace decode;
    const QimengDecodeArgs& a = *args;
    const cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
    if (a.head_dim != Spec::kHeadDim || a.heads_kv <= 0 || a.heads_q % a.heads_kv != 0 ||
        a.num_splits < 1 || a.num_splits > QIMENG_DECODE_MAX_SPLITS || a.batch <= 0 ||
        a.seqlen_q <= 0 || a.block_size <= 0 ||
        (a.num_splits > 1 && a.workspace == nullptr))
        return cudaErrorInvalidValue;
    const int rows = a.seqlen_q * (a.heads_q / a.heads_kv);
    if (rows > QIMENG_DECODE_MAX_ROWS) return cudaErrorInvalidValue;
    /* Rows per warp: the smallest of 1, 2, 4, 8 that holds every row in one row group; past 8
     * rows, 8 per warp and 2, 4 or 8 row groups. */
    int rw = 1;
    while (rw < rows && rw < 8) rw *= 2;
    int wr = 1;
    while (wr * rw < rows) wr *= 2;
    cudaError_t err;
    switch (rw) {
        case 1: err = launch_split<Spec, 1>(a, wr, stream); break;
        case 2: err = launch_split<Spec, 2>(a, wr, stream); break;
        case 4: err = launch_split<Spec, 4>(a, wr, stream); break;
        default: err = launch_split<Spec, 8>(a, wr, stream); break;
    }
    if (err != cudaSuccess || a.num_splits == 1) return err;
    const int64_t total = int64_t(a.batch) * a.seqlen_q * a.heads_q;
    decode_combine_kernel<Spec><<<unsigned((total + 3) / 4), 128, 0, stream>>>(a);
    return cudaGetLastError();
}

}  // namespace qimeng

#endif /* QIMENG_DECODE_FWD_CUH */
