/* qimeng f32 forward: single-precision attention on the CUDA cores (FMA), for the `fwd-*-f32-*`
 * cache entries of every GPU.
 *
 * Why not the tensor cores' tf32 path: tf32 keeps 10 mantissa bits, so each product of Q K^T
 * and P V carries a relative error near 2^-11 (5e-4): fifty times over DESIGN.md's f32 standard
 * (relative L2 error under 1e-5). Error-compensated 3xTF32 would meet it at three MMAs per
 * product; plain FMA meets it exactly as a framework's f32 attention does, and is what ships.
 *
 * An entry defines a spec struct and calls f32_fwd_launch<Spec>:
 *
 *     struct Spec {
 *         using Element = float;
 *         static constexpr int kHeadDim = 128;      // multiple of 16
 *         static constexpr int kBlockM = 64;        // query rows per block
 *         static constexpr int kBlockN = 32;        // keys per main-loop step
 *         static constexpr int kWarps = 8;          // two 16-thread row groups per warp
 *         static constexpr int kStages = 1;         // one K/V buffer (synchronous copies)
 *         static constexpr bool kCausal = false;    // bottom-right aligned, as abi.h
 *         static constexpr int kMinBlocksPerSm = 2; // __launch_bounds__ occupancy hint
 *     };
 *
 * Schedule (one block per (query block, head, batch)): Q's tile stays in shared memory; for each
 * key block, K and V are copied in (16-byte loads, rows past seqlen_k as zeros), S = Q K^T is
 * accumulated by FMA in registers, masked, and turned into exp2 weights with the online-softmax
 * rescale of O; the weights go through shared memory (P) because P V reads them by key, across
 * the row group's threads; then O += P V. Thread (ty, tx), tx = lane % 16, owns query rows
 * ty * kRows .. + kRows - 1 of the block, score columns tx + 16 c and output columns tx + 16 c:
 * the 16 threads of a row group are half a warp, so row max and row sum are 4 shuffles.
 * Shared-memory rows of Q and K are padded by 4 floats: the 16 lanes' 16-byte reads of 16 K rows
 * then fall in distinct bank groups two wavefronts apart, the minimum for 256 bytes.
 */
#ifndef QIMENG_F32_FWD_CUH
#define QIMENG_F32_FWD_CUH

#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include <type_traits>

#include "qimeng/abi.h"

namespace qimeng {

template <class Spec>
struct F32Config {
    static constexpr int kHeadDim = Spec::kHeadDim;
    static constexpr int kBlockM = Spec::kBlockM;
    static constexpr int kBlockN = Spec::kBlockN;
    static constexpr int kThreads = Spec::kWarps * 32;
    static constexpr bool kCausal = Spec::kCausal;
    static constexpr int kLanes = 16; /* threads of one row group: half a warp */
    static constexpr int kRowGroups = kThreads / kLanes;
    static constexpr int kRows = kBlockM / kRowGroups;    /* query rows per thread */
    static constexpr int kCols = kBlockN / kLanes;        /* scores per row per thread */
    static constexpr int kOutCols = kHeadDim / kLanes;    /* output columns per row per thread */
    static constexpr int kPitch = kHeadDim + 4;           /* sQ, sK row pitch, floats */
    static constexpr int kPPitch = kBlockN + 4;           /* sP row pitch, floats */
    static constexpr int kSmemQ = kBlockM * kPitch;
    static constexpr int kSmemK = kBlockN * kPitch;
    static constexpr int kSmemV = kBlockN * kHeadDim;
    static constexpr int kSmemP = kBlockM * kPPitch;
    static constexpr int kSmemBytes = (kSmemQ + kSmemK + kSmemV + kSmemP) * 4;

    static_assert(std::is_same<typename Spec::Element, float>::value, "the f32 kernel: Element = float");
    static_assert(Spec::kStages == 1, "one K/V buffer: copies are synchronous");
    static_assert(kHeadDim % 16 == 0, "head_dim must be a multiple of 16");
    static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
    static_assert(kBlockM % kRowGroups == 0, "every row group owns the same number of rows");
    static_assert(kBlockN % kLanes == 0 && kBlockN % 4 == 0, "kBlockN: a multiple of 16");
};

/* Copies `rows` rows of `cols` floats (a multiple of 4) from global (row stride `stride`
 * elements) into shared memory (row pitch `pitch`); rows at or past `valid` become zeros. */
template <int kThreads>
__device__ __forceinline__ void f32_load_rows(float* dst, int pitch, const float* src,
                                              int64_t stride, int rows, int cols, int valid) {
    const int vecs = cols / 4;
    for (int idx = threadIdx.x; idx < rows * vecs; idx += kThreads) {
        const int r = idx / vecs, c = (idx - r * vecs) * 4;
        float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
        if (r < valid) x = *reinterpret_cast<const float4*>(src + r * stride + c);
        *reinterpret_cast<float4*>(dst + r * pitch + c) = x;
    }
}

/* Max and sum over the 16 lanes of a row group (xor offsets below 16 stay in the half warp). */
__device__ __forceinline__ float f32_group_max(float x) {
#pragma unroll
    for (int o = 8; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}
__device__ __forceinline__ float f32_group_sum(float x) {
#pragma unroll
    for (int o = 8; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

template <class Spec>
__global__ void __launch_bounds__(F32Config<Spec>::kThreads, Spec::kMinBlocksPerSm)
    f32_fwd_kernel(const QimengAttnArgs args) {
    using Cfg = F32Config<Spec>;
    constexpr int BM = Cfg::kBlockM, BN = Cfg::kBlockN, D = Cfg::kHeadDim;
    constexpr int RM = Cfg::kRows, NC = Cfg::kCols, OC = Cfg::kOutCols;
    constexpr int kPitch = Cfg::kPitch, kPPitch = Cfg::kPPitch;

    extern __shared__ __align__(16) float smem_f32[];
    float* sQ = smem_f32;         /* (BM, D), pitch kPitch */
    float* sK = sQ + Cfg::kSmemQ; /* (BN, D), pitch kPitch */
    float* sV = sK + Cfg::kSmemK; /* (BN, D), dense */
    float* sP = sV + Cfg::kSmemV; /* (BM, BN), pitch kPPitch */

    const int m_block = int(gridDim.x) - 1 - int(blockIdx.x); /* longest causal blocks first */
    const int head = blockIdx.y;
    const int batch = blockIdx.z;
    const int head_kv = head / (args.heads_q / args.heads_kv);
    const int seqlen_q = args.seqlen_q, seqlen_k = args.seqlen_k;
    const int row0 = m_block * BM;
    const int causal_shift = seqlen_k - seqlen_q; /* query i sees key j iff j <= i + shift */

    const float* gQ = static_cast<const float*>(args.q) + batch * args.q_batch_stride +
                      head * args.q_head_stride + row0 * args.q_row_stride;
    const float* gK = static_cast<const float*>(args.k) + batch * args.k_batch_stride +
                      head_kv * args.k_head_stride;
    const float* gV = static_cast<const float*>(args.v) + batch * args.v_batch_stride +
                      head_kv * args.v_head_stride;
    float* gO = static_cast<float*>(args.o) + batch * args.o_batch_stride +
                head * args.o_head_stride + row0 * args.o_row_stride;

    const int tx = threadIdx.x % Cfg::kLanes;
    const int ty = threadIdx.x / Cfg::kLanes;
    const int r0 = ty * RM; /* this thread's first row in the block */

    /* Keys this block sees: all, or (causal) up to the last row's diagonal. */
    int n_end = seqlen_k;
    if (Cfg::kCausal) n_end = min(seqlen_k, row0 + BM - 1 + causal_shift + 1);
    const int n_blocks = n_end > 0 ? (n_end + BN - 1) / BN : 0;

    float o[RM][OC];
    float m[RM], l[RM]; /* running max (log2 domain) and this thread's partial row sum */
#pragma unroll
    for (int i = 0; i < RM; ++i) {
        m[i] = -INFINITY;
        l[i] = 0.f;
#pragma unroll
        for (int c = 0; c < OC; ++c) o[i][c] = 0.f;
    }
    const float scale_log2 = args.softmax_scale * 1.4426950408889634f;

    f32_load_rows<Cfg::kThreads>(sQ, kPitch, gQ, args.q_row_stride, BM, D, seqlen_q - row0);

    for (int nb = 0; nb < n_blocks; ++nb) {
        const int n0 = nb * BN;
        f32_load_rows<Cfg::kThreads>(sK, kPitch, gK + n0 * args.k_row_stride, args.k_row_stride,
                                     BN, D, seqlen_k - n0);
        f32_load_rows<Cfg::kThreads>(sV, D, gV + n0 * args.v_row_stride, args.v_row_stride, BN,
                                     D, seqlen_k - n0);
        __syncthreads();

        /* S = Q K^T for rows r0.. and keys n0 + tx + 16 c, four head-dim elements at a time. */
        float s[RM][NC];
#pragma unroll
        for (int i = 0; i < RM; ++i)
#pragma unroll
            for (int c = 0; c < NC; ++c) s[i][c] = 0.f;
#pragma unroll 4
        for (int k = 0; k < D; k += 4) {
            float4 q[RM], kk[NC];
#pragma unroll
            for (int i = 0; i < RM; ++i)
                q[i] = *reinterpret_cast<const float4*>(sQ + (r0 + i) * kPitch + k);
#pragma unroll
            for (int c = 0; c < NC; ++c)
                kk[c] = *reinterpret_cast<const float4*>(sK + (tx + 16 * c) * kPitch + k);
#pragma unroll
            for (int i = 0; i < RM; ++i)
#pragma unroll
                for (int c = 0; c < NC; ++c) {
                    s[i][c] = fmaf(q[i].x, kk[c].x, s[i][c]);
                    s[i][c] = fmaf(q[i].y, kk[c].y, s[i][c]);
                    s[i][c] = fmaf(q[i].z, kk[c].z, s[i][c]);
                    s[i][c] = fmaf(q[i].w, kk[c].w, s[i][c]);
                }
        }

        /* Mask, online softmax, weights into sP. */
#pragma unroll
        for (int i = 0; i < RM; ++i) {
            const int row = row0 + r0 + i;
            float mx = -INFINITY;
#pragma unroll
            for (int c = 0; c < NC; ++c) {
                const int key = n0 + tx + 16 * c;
                const bool visible = key < seqlen_k && (!Cfg::kCausal || key <= row + causal_shift);
                s[i][c] = visible ? s[i][c] * scale_log2 : -INFINITY;
                mx = fmaxf(mx, s[i][c]);
            }
            const float m_new = fmaxf(m[i], f32_group_max(mx));
            /* A row that has seen no key yet keeps weight 0 everywhere (no -inf - -inf). */
            const float m_use = m_new == -INFINITY ? 0.f : m_new;
            const float alpha = exp2f(m[i] - m_use);
            m[i] = m_new;
            float sum = 0.f;
#pragma unroll
            for (int c = 0; c < NC; ++c) {
                const float p = exp2f(s[i][c] - m_use);
                sum += p;
                sP[(r0 + i) * kPPitch + tx + 16 * c] = p;
            }
            l[i] = l[i] * alpha + sum;
#pragma unroll
            for (int c = 0; c < OC; ++c) o[i][c] *= alpha;
        }
        /* sP rows are written and read by the same row group (half a warp): a warp barrier. */
        __syncwarp();

        /* O += P V, four keys at a time. */
#pragma unroll 2
        for (int n = 0; n < BN; n += 4) {
            float4 p[RM];
#pragma unroll
            for (int i = 0; i < RM; ++i)
                p[i] = *reinterpret_cast<const float4*>(sP + (r0 + i) * kPPitch + n);
#pragma unroll
            for (int c = 0; c < OC; ++c) {
                const float v0 = sV[(n + 0) * D + tx + 16 * c];
                const float v1 = sV[(n + 1) * D + tx + 16 * c];
                const float v2 = sV[(n + 2) * D + tx + 16 * c];
                const float v3 = sV[(n + 3) * D + tx + 16 * c];
#pragma unroll
                for (int i = 0; i < RM; ++i) {
                    o[i][c] = fmaf(p[i].x, v0, o[i][c]);
                    o[i][c] = fmaf(p[i].y, v1, o[i][c]);
                    o[i][c] = fmaf(p[i].z, v2, o[i][c]);
                    o[i][c] = fmaf(p[i].w, v3, o[i][c]);
                }
            }
        }
        __syncthreads(); /* sK, sV and sP are overwritten by the next step */
    }

    /* Normalize and store rows < seqlen_q; a row that saw no key is zeros. */
#pragma unroll
    for (int i = 0; i < RM; ++i) {
        const float total = f32_group_sum(l[i]);
        const float inv = total > 0.f ? 1.f / total : 0.f;
        const int r = r0 + i;
        if (row0 + r < seqlen_q) {
#pragma unroll
            for (int c = 0; c < OC; ++c) gO[r * args.o_row_stride + tx + 16 * c] = o[i][c] * inv;
        }
    }
}

/* Enqueues the kernel for `args` on `stream`; returns the cudaError_t of the launch. */
template <class Spec>
int f32_fwd_launch(const QimengAttnArgs* args, void* stream) {
    using Cfg = F32Config<Spec>;
    if (args == nullptr || args->head_dim != Cfg::kHeadDim || args->heads_kv <= 0 ||
        args->heads_q % args->heads_kv != 0 || args->batch <= 0 || args->seqlen_q <= 0 ||
        args->seqlen_k <= 0 || args->heads_q > 65535 || args->batch > 65535) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    const dim3 grid((args->seqlen_q + Cfg::kBlockM - 1) / Cfg::kBlockM, args->heads_q, args->batch);
    if (Cfg::kSmemBytes > 48 * 1024) {
        const cudaError_t err = cudaFuncSetAttribute(
            f32_fwd_kernel<Spec>, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes);
        if (err != cudaSuccess) return static_cast<int>(err);
    }
    f32_fwd_kernel<Spec><<<grid, Cfg::kThreads, Cfg::kSmemBytes, static_cast<cudaStream_t>(stream)>>>(
        *args);
    return static_cast<int>(cudaGetLastError());
}

}  // namespace qimeng

#endif /* QIMENG_F32_FWD_CUH */
