/* qimeng FlashAttention-2 forward: the one kernel template every `fwd-*` cache entry uses.
 *
 * An entry defines a spec struct and calls fa2_fwd_launch<Spec>:
 *
 *     struct Spec {
 *         using Element = __nv_bfloat16;     // dtype of Q, K, V, O in global memory
 *         using MmaElement = __nv_bfloat16;  // dtype the tensor cores take (sm_75: __half)
 *         static constexpr int kHeadDim = 128;
 *         static constexpr int kBlockM = 128;     // query rows per block
 *         static constexpr int kBlockN = 64;      // keys per main-loop step
 *         static constexpr int kWarps = 8;
 *         static constexpr int kWarpRows = 16;    // query rows per warp: 16, or 32 to reuse
 *                                                 // each K/V fragment for two MMA row tiles
 *         static constexpr int kStages = 2;       // K/V shared-memory buffers
 *         static constexpr bool kCausal = true;
 *         static constexpr bool kQInRegisters = true;  // Q fragments loaded once, kept
 *         static constexpr int kMinBlocksPerSm = 1;    // __launch_bounds__ occupancy hint
 *         // Optional variants (absent: off), each a compile-time property of the kernel:
 *         static constexpr int kWindowLeft = 1024;  // sliding window: query i sees keys
 *         static constexpr int kWindowRight = 0;    //   i + sk - sq - left ..= i + sk - sq + right
 *         static constexpr float kSoftcap = 50.f;   // s = cap * tanh(s / cap), before the masks
 *         static constexpr bool kAlibi = true;      // s += -slope_h * |i + sk - sq - j| (abi.h)
 *         static constexpr bool kVarlen = true;     // packed sequences by cu_seqlens (abi.h)
 *     };
 *
 * Dataflow (the entry's kernel.tl says the same in TL): one block owns BM query rows of one
 * (batch, head); warp w owns rows R*w..R*w+R-1 (R = kWarpRows, one or two
 * 16-row MMA tiles). Q -> shared once; K, V stream through shared
 * memory in blocks of BN keys, kStages deep (cp.async; sm_75 copies through registers).
 * S = Q K^T stays in registers (f32), is scaled into the log2 domain, masked where needed
 * (key tail, causal diagonal, window edges), and goes through the online softmax; P is rounded to 16 bits in
 * registers and is directly the A operand of O += P V (C-fragment -> A-fragment identity).
 * The epilogue divides by the row sum (0 for a row that saw no key) and stores through shared
 * memory with 16-byte writes.
 */
#ifndef QIMENG_FA2_FWD_CUH
#define QIMENG_FA2_FWD_CUH

#include <cuda_runtime.h>
#include <math_constants.h>

#include "qimeng/abi.h"
#include "qimeng/prims.cuh"
#include "qimeng/spec_options.cuh"

namespace qimeng {

/* Optional spec members of this family (the variant options are in spec_options.cuh):
 * kLazyRescale (default true): see Fa2Config::kLazyRescale;
 * kQkUnroll: unrolling of the k loop of S = Q K^T when Q is read from shared memory (default
 * QIMENG_KK_UNROLL; D / 16 unrolls fully);
 * kSingleBarrier (default true; only with kStages >= 2): see Fa2Config::kSingleBarrier. */
#ifndef QIMENG_KK_UNROLL
#define QIMENG_KK_UNROLL 2
#endif
QIMENG_SPEC_OPTION(LazyRescaleOf, kLazyRescale, bool, true);
QIMENG_SPEC_OPTION(QkUnrollOf, kQkUnroll, int, QIMENG_KK_UNROLL);
QIMENG_SPEC_OPTION(SingleBarrierOf, kSingleBarrier, bool, true);

/* Everything the kernel derives from an entry's spec, with its preconditions. */
template <class Spec>
struct Fa2Config {
    using Element = typename Spec::Element;       /* global memory */
    using MmaElement = typename Spec::MmaElement; /* shared memory and tensor cores */

    static constexpr int kHeadDim = Spec::kHeadDim;
    static constexpr int kBlockM = Spec::kBlockM;
    static constexpr int kBlockN = Spec::kBlockN;
    static constexpr int kWarps = Spec::kWarps;
    static constexpr int kStages = Spec::kStages;
    static constexpr bool kCausal = Spec::kCausal;
    static constexpr bool kQInRegisters = Spec::kQInRegisters;
    static constexpr int kWarpRows = Spec::kWarpRows;
    static constexpr int kMTiles = kWarpRows / 16; /* 16-row MMA tiles per warp */
    /* Sliding window (FlashAttention's window_size): -1 on a side is unbounded. Causal is a
     * right bound of 0, so a causal window states only its left side. */
    static constexpr int kWindowLeft = WindowLeftOf<Spec>::value;
    static constexpr int kWindowRight = kCausal ? 0 : WindowRightOf<Spec>::value;
    static constexpr bool kHasLeft = kWindowLeft >= 0;
    static constexpr bool kHasRight = kCausal || kWindowRight >= 0;
    static constexpr float kSoftcap = SoftcapOf<Spec>::value;
    static constexpr bool kAlibi = AlibiOf<Spec>::value;
    static constexpr bool kVarlen = VarlenOf<Spec>::value;
    /* Lazy rescale (FA4's trick): a warp keeps its rows' running max, and skips the O / row-sum
     * rescale, unless some row's max grew by more than kRescaleThreshold (log2 units) in this
     * key block; then P <= 2^kRescaleThreshold = 256 (finite in f16/bf16, exact ratio: O and l
     * share the stale max, and O / l is unchanged). Saves D/8 * 4 * MT FMULs per thread per
     * step on almost every step past the first few. */
    static constexpr bool kLazyRescale = LazyRescaleOf<Spec>::value;
    static constexpr float kRescaleThreshold = 8.f;
    /* One barrier per main-loop step (kStages >= 2): wait for block n, barrier, then prefetch
     * block n + STAGES - 1 into the stage block n - 1 used (every warp passed the barrier, so
     * it is free). Otherwise (and always with one stage): prefetch, wait, barrier, compute,
     * barrier. */
    static constexpr bool kSingleBarrier = Spec::kStages >= 2 && SingleBarrierOf<Spec>::value;
    /* Unrolling of the k loop of S = Q K^T: Q in registers needs constant indices (full
     * unroll); Q from shared memory unrolls by kQkUnroll (default 2: fewer fragments live). */
    static constexpr int kQkUnroll = kQInRegisters ? kHeadDim / 16 : QkUnrollOf<Spec>::value;

    static constexpr int kThreads = kWarps * 32;
    static constexpr int kPitch = kHeadDim + 8; /* shared row, elements: +16 B spreads banks */
    static constexpr int kChunksPerRow = kHeadDim / 8; /* 16-byte chunks */
    static constexpr int kSmemQ = kBlockM * kPitch;    /* elements, (BM, D) */
    static constexpr int kSmemKV = kStages * kBlockN * kPitch; /* elements, (STAGES, BN, D) */
    static constexpr int kSmemBytes = (kSmemQ + 2 * kSmemKV) * int(sizeof(MmaElement));
    static constexpr bool kConvert = !std::is_same<Element, MmaElement>::value;

    static_assert(std::is_same<Element, __half>::value ||
                      std::is_same<Element, __nv_bfloat16>::value,
                  "Element is __half or __nv_bfloat16");
    static_assert(!kConvert || (std::is_same<Element, __nv_bfloat16>::value &&
                                std::is_same<MmaElement, __half>::value),
                  "the only conversion is bf16 (global) -> f16 (tensor cores), for sm_75");
    static_assert(kHeadDim % 16 == 0 && kHeadDim >= 32 && kHeadDim <= 256,
                  "head_dim is a multiple of the MMA k (16), 32..256");
    static_assert(kWarpRows == 16 || kWarpRows == 32, "a warp owns 16 or 32 query rows");
    static_assert(kBlockM == kWarpRows * kWarps, "warps split the query rows: BM == rows * WARPS");
    static_assert(kBlockN % 16 == 0 && kBlockN >= 16, "BN is a multiple of the MMA k (16)");
    static_assert(kStages >= 1 && kStages <= 4, "1..4 K/V stages");
    static_assert((kBlockM * kChunksPerRow) % kThreads == 0,
                  "the Q tile splits evenly into 16-byte chunks over the block");
    static_assert((kBlockN * kChunksPerRow) % kThreads == 0,
                  "a K/V tile splits evenly into 16-byte chunks over the block");
    static_assert(kSmemBytes <= 227 * 1024, "shared memory exceeds every GPU's block limit");
    static_assert(!(kCausal && WindowRightOf<Spec>::value > 0),
                  "a causal window has kWindowRight == 0");
    static_assert(kSoftcap >= 0.f, "kSoftcap is a positive cap, or 0 for none");
    static_assert(!(kAlibi && kSoftcap > 0.f),
                  "ALiBi and softcap do not combine (qimeng-spec's check_variants says why)");
};

/* Copies a (kRows, D) tile global -> shared (pitch kPitch); rows >= rows_valid become zeros.
 * Thread `tid` copies chunk column tid % kChunksPerRow of rows tid / kChunksPerRow + i * kRowStep.
 * The global addresses form a chain through an opaque register move, so the compiler computes
 * them with one 64-bit add each instead of keeping kIters loop-invariant 64-bit offsets live
 * across the main loop (that cost 30+ registers and spilled at BN = 64, d = 128). */
template <class Cfg, int kRows>
__device__ __forceinline__ void load_tile(typename Cfg::MmaElement* s,
                                          const typename Cfg::Element* g, int64_t row_stride,
                                          int rows_valid, int tid) {
    if constexpr (Cfg::kThreads % Cfg::kChunksPerRow != 0) {
        /* D = 96, 192: a row's chunks do not divide the block, so flat chunk indices (chunk c
         * is row c / kChunksPerRow, column c % kChunksPerRow). */
        constexpr int kIters = kRows * Cfg::kChunksPerRow / Cfg::kThreads;
#pragma unroll
        for (int i = 0; i < kIters; ++i) {
            const int c = tid + i * Cfg::kThreads;
            const int row = c / Cfg::kChunksPerRow;
            const int col = (c % Cfg::kChunksPerRow) * 8;
            const bool valid = row < rows_valid;
            copy16_g2s<Cfg::kConvert>(s + row * Cfg::kPitch + col,
                                      valid ? g + row * row_stride + col : g, valid);
        }
    } else {
        static_assert(Cfg::kThreads % Cfg::kChunksPerRow == 0, "whole rows per pass");
        constexpr int kRowStep = Cfg::kThreads / Cfg::kChunksPerRow;
        constexpr int kIters = kRows / kRowStep;
        static_assert(kRows % kRowStep == 0, "the tile splits into whole passes");
        const int row = tid / Cfg::kChunksPerRow;
        const int col = (tid % Cfg::kChunksPerRow) * 8;
        const typename Cfg::Element* src = g + row * row_stride + col;
        const int64_t step = int64_t(kRowStep) * row_stride;
        typename Cfg::MmaElement* dst = s + row * Cfg::kPitch + col;
#pragma unroll
        for (int i = 0; i < kIters; ++i) {
            const bool valid = row + i * kRowStep < rows_valid;
            copy16_g2s<Cfg::kConvert>(dst + i * kRowStep * Cfg::kPitch, valid ? src : g, valid);
            src += step;
            asm("" : "+l"(src)); /* opaque: no hoisted per-chunk offsets */
        }
    }
}

template <class Spec>
__global__ void __launch_bounds__(Fa2Config<Spec>::kThreads, Spec::kMinBlocksPerSm)
    fa2_fwd_kernel(const QimengAttnArgs args) {
    using Cfg = Fa2Config<Spec>;
    using Element = typename Cfg::Element;
    using T = typename Cfg::MmaElement;
    constexpr int BM = Cfg::kBlockM, BN = Cfg::kBlockN, D = Cfg::kHeadDim;
    constexpr int MT = Cfg::kMTiles; /* 16-row MMA tiles per warp */
    constexpr int kPitch = Cfg::kPitch;
    constexpr int kStages = Cfg::kStages;
#ifdef __CUDA_ARCH__
    static_assert(Cfg::kSmemBytes <= kArchSmemPerBlock,
                  "shared memory of this spec exceeds the block limit of the target arch");
#endif
#ifdef QIMENG_TURING
    static_assert(std::is_same<T, __half>::value,
                  "sm_75 tensor cores take f16 only: set MmaElement = __half");
#endif

    /* ------------------------------------------------------------ tensors */
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* sQ = reinterpret_cast<T*>(smem_raw); /* (BM, D), pitch kPitch; later O staging */
    T* sK = sQ + Cfg::kSmemQ;               /* (STAGES, BN, D) */
    T* sV = sK + Cfg::kSmemKV;              /* (STAGES, BN, D) */

    const int m_block = int(gridDim.x) - 1 - int(blockIdx.x); /* longest causal blocks first */
    const int head = blockIdx.y;
    const int batch = blockIdx.z;
    const int head_kv = head / (args.heads_q / args.heads_kv);
    const int row0 = m_block * BM;

    /* This block's sequence: a fixed-length batch entry, or (varlen) rows cu_seqlens[batch] ..
     * cu_seqlens[batch + 1] of the packed tensors, whose lengths every mask below uses. */
    int seqlen_q = args.seqlen_q;
    int seqlen_k = args.seqlen_k;
    int64_t q_off = batch * args.q_batch_stride, o_off = batch * args.o_batch_stride;
    int64_t k_off = batch * args.k_batch_stride, v_off = batch * args.v_batch_stride;
    if (Cfg::kVarlen) {
        const int q_start = args.cu_seqlens_q[batch];
        const int k_start = args.cu_seqlens_k[batch];
        seqlen_q = args.cu_seqlens_q[batch + 1] - q_start;
        seqlen_k = args.cu_seqlens_k[batch + 1] - k_start;
        /* The grid covers max_seqlen_q: blocks past this sequence's end (all of them for an
         * empty sequence) have no rows; the whole block leaves before any barrier. */
        if (row0 >= seqlen_q) return;
        q_off = int64_t(q_start) * args.q_row_stride;
        o_off = int64_t(q_start) * args.o_row_stride;
        k_off = int64_t(k_start) * args.k_row_stride;
        v_off = int64_t(k_start) * args.v_row_stride;
    }

    const Element* gQ = static_cast<const Element*>(args.q) + q_off +
                        head * args.q_head_stride + row0 * args.q_row_stride; /* (BM, D) */
    const Element* gK = static_cast<const Element*>(args.k) + k_off +
                        head_kv * args.k_head_stride; /* (S_k, D) */
    const Element* gV = static_cast<const Element*>(args.v) + v_off +
                        head_kv * args.v_head_stride; /* (S_k, D) */
    Element* gO = static_cast<Element*>(args.o) + o_off +
                  head * args.o_head_stride + row0 * args.o_row_stride; /* (BM, D) */

    /* Key blocks [n_begin, n_blocks) this query block sees. Causal (bottom-right): query i sees
     * key j iff j <= i + seqlen_k - seqlen_q (+ kWindowRight for a two-sided window), so the
     * block's last real row bounds the loop; a window's left side (j >= i + seqlen_k -
     * seqlen_q - kWindowLeft) starts it at the block of the first row's first key. */
    int n_blocks = (seqlen_k + BN - 1) / BN;
    if (Cfg::kHasRight) {
        const int keys_seen = min(row0 + BM, seqlen_q) + seqlen_k - seqlen_q +
                              Cfg::kWindowRight; /* may be <= 0 */
        n_blocks = keys_seen <= 0 ? 0 : min(n_blocks, (keys_seen + BN - 1) / BN);
    }
    int n_begin = 0;
    if (Cfg::kHasLeft) {
        const int first_key = row0 + seqlen_k - seqlen_q - Cfg::kWindowLeft;
        n_begin = first_key <= 0 ? 0 : min(first_key / BN, n_blocks);
    }

    /* ------------------------------------------------------------ partitioning */
    const int tid = threadIdx.x;
    const int warp = tid / 32;
    const int lane = tid % 32;
    const int g = lane / 4; /* MMA row group: this thread's rows are g and g + 8 of each tile */
    const int t = lane % 4; /* MMA column pair: columns 2t, 2t + 1 of each 8-wide tile */
    const int warp_row = warp * Cfg::kWarpRows; /* first row of this warp in the block */

    /* ldmatrix row addresses (see prims.cuh for the fragment layouts). */
    const T* sQ_warp = sQ + (warp_row + (lane % 8) + ((lane / 8) % 2) * 8) * kPitch +
                       (lane / 16) * 8; /* A: x4 = rows 0-7|8-15 x cols 0-7|8-15 */
    const int k_lane_off = ((lane % 8) + (lane / 16) * 8) * kPitch + ((lane / 8) % 2) * 8;
    /* B from K (n = key, k = dim): x4 = (keys 0-7, dims 0-7 | 8-15), (keys 8-15, ...) */
    const int v_lane_off = ((lane % 8) + ((lane / 8) % 2) * 8) * kPitch + (lane / 16) * 8;
    /* B from V^T (k = key, n = dim), transposed: x4 = (keys 0-7|8-15, dims 0-7), (.., 8-15) */

    float o_acc[MT][D / 8][4]; /* (kWarpRows, D) per warp, f32 accumulator fragments */
#pragma unroll
    for (int mi = 0; mi < MT; ++mi)
#pragma unroll
        for (int j = 0; j < D / 8; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) o_acc[mi][j][e] = 0.f;
    float row_max[MT][2]; /* rows g, g + 8 of each tile; running max of s * scale_log2 */
    float row_sum[MT][2]; /* this thread's partial sums */
#pragma unroll
    for (int mi = 0; mi < MT; ++mi) {
        row_max[mi][0] = row_max[mi][1] = -CUDART_INF_F;
        row_sum[mi][0] = row_sum[mi][1] = 0.f;
    }
    uint32_t q_frag[MT][D / 16][4]; /* used when kQInRegisters */

    const float scale_log2 = args.softmax_scale * 1.4426950408889634f; /* scale * log2(e) */
    const int row_g = row0 + warp_row + g; /* global query row of c0, c1 of tile 0 (c2, c3: + 8) */
    const int causal_shift = seqlen_k - seqlen_q;
    /* softcap in the unscaled domain of s_acc (see the softcap step) */
    const float cap_in = Cfg::kSoftcap > 0.f ? args.softmax_scale / Cfg::kSoftcap : 0.f;
    const float cap_out = Cfg::kSoftcap > 0.f ? Cfg::kSoftcap / args.softmax_scale : 0.f;
    /* ALiBi in the unscaled domain of s_acc too: the scaled score gets -slope * distance, so s
     * gets -(slope / scale) * distance; the scale is applied in the exp2 FFMA. */
    const float alibi_neg_slope =
        Cfg::kAlibi ? -args.alibi_slopes[int64_t(batch) * args.alibi_batch_stride + head] /
                          args.softmax_scale
                    : 0.f;

    /* ------------------------------------------------------------ main loop */
    if (n_blocks > n_begin) {
        load_tile<Cfg, BM>(sQ, gQ, args.q_row_stride, seqlen_q - row0, tid);
        cp_async_commit();
#pragma unroll
        for (int s0 = 0; s0 < kStages - 1; ++s0) {
            const int s = n_begin + s0; /* key block; its stage is s % kStages, as in step() */
            if (s < n_blocks) {
                const int st = s % kStages;
                load_tile<Cfg, BN>(sK + st * BN * kPitch, gK + int64_t(s) * BN * args.k_row_stride,
                                   args.k_row_stride, seqlen_k - s * BN, tid);
                load_tile<Cfg, BN>(sV + st * BN * kPitch, gV + int64_t(s) * BN * args.v_row_stride,
                                   args.v_row_stride, seqlen_k - s * BN, tid);
            }
            cp_async_commit();
        }
        if (Cfg::kQInRegisters) {
            cp_async_wait<kStages - 1>(); /* the Q group is the oldest */
            block_sync();
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int kk = 0; kk < D / 16; ++kk)
                    ldmatrix_x4(q_frag[mi][kk], sQ_warp + mi * 16 * kPitch + kk * 16);
        }
    }

    /* One main-loop step over key block n. kMask: the block needs the key-tail or causal mask
     * (only the last ceil(BM / BN) + 1 blocks of a query block can); the unmasked steps carry
     * no mask code and no -inf guards. */
    auto step = [&](const int n, auto mask_tag) {
        constexpr bool kMask = decltype(mask_tag)::value;
        /* Prefetch block n + STAGES - 1 into the stage block n - 1 used; with one stage that
         * is block n itself. */
        auto prefetch = [&]() {
            const int pre = n + kStages - 1;
            if (pre < n_blocks) {
                const int st = pre % kStages;
                load_tile<Cfg, BN>(sK + st * BN * kPitch, gK + int64_t(pre) * BN * args.k_row_stride,
                                   args.k_row_stride, seqlen_k - pre * BN, tid);
                load_tile<Cfg, BN>(sV + st * BN * kPitch, gV + int64_t(pre) * BN * args.v_row_stride,
                                   args.v_row_stride, seqlen_k - pre * BN, tid);
            }
            cp_async_commit();
        };
        if (Cfg::kSingleBarrier) {
            /* groups newer than block n's: the prefetches of blocks n+1 .. n+STAGES-2 */
            cp_async_wait<(Cfg::kSingleBarrier ? kStages - 2 : 0)>();
            block_sync(); /* block n visible to all; every warp is done with block n - 1 */
            prefetch();   /* into block n - 1's stage */
        } else {
            prefetch();                   /* into the stage freed by the last step's barrier */
            cp_async_wait<kStages - 1>(); /* block n (and Q) landed for this thread */
            block_sync();                 /* ... and for every thread */
        }

        const T* sK_st = sK + (n % kStages) * BN * kPitch; /* (BN, D) */
        const T* sV_st = sV + (n % kStages) * BN * kPitch; /* (BN, D) */

        /* S = Q K^T: (kWarpRows, BN) per warp, f32; each K fragment serves MT row tiles */
        float s_acc[MT][BN / 8][4];
#pragma unroll
        for (int mi = 0; mi < MT; ++mi)
#pragma unroll
            for (int j = 0; j < BN / 8; ++j)
#pragma unroll
                for (int e = 0; e < 4; ++e) s_acc[mi][j][e] = 0.f;
        /* Q from shared memory: unrolling by 2 keeps fewer K fragments live; Q in registers
         * needs constant indices, so a full unroll. */
#pragma unroll(Cfg::kQkUnroll)
        for (int kk = 0; kk < D / 16; ++kk) {
            uint32_t a[MT][4];
#pragma unroll
            for (int mi = 0; mi < MT; ++mi) {
                if (Cfg::kQInRegisters) {
#pragma unroll
                    for (int r = 0; r < 4; ++r) a[mi][r] = q_frag[mi][kk][r];
                } else {
                    ldmatrix_x4(a[mi], sQ_warp + mi * 16 * kPitch + kk * 16);
                }
            }
#pragma unroll
            for (int nn = 0; nn < BN / 16; ++nn) {
                uint32_t b[4];
                ldmatrix_x4(b, sK_st + nn * 16 * kPitch + kk * 16 + k_lane_off);
#pragma unroll
                for (int mi = 0; mi < MT; ++mi) {
                    mma_m16n8k16<T>(s_acc[mi][2 * nn], a[mi], b[0], b[1]);
                    mma_m16n8k16<T>(s_acc[mi][2 * nn + 1], a[mi], b[2], b[3]);
                }
            }
        }

        /* softcap, before any mask (tanh(-inf) = -1 would turn a masked score into -cap, a
         * weight the softmax counts). The scale stays folded into the exp2 FFMA below, so the
         * cap works on s / scale: s <- (cap / scale) * tanh(s * scale / cap). */
        if (Cfg::kSoftcap > 0.f) {
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int j = 0; j < BN / 8; ++j)
#pragma unroll
                    for (int e = 0; e < 4; ++e)
                        s_acc[mi][j][e] = cap_out * tanh_approx(s_acc[mi][j][e] * cap_in);
        }

        /* ALiBi: s += -(slope / scale) * |row + causal_shift - key| on every block, before the
         * masks (a masked score is -inf either way). The distance of element (mi, j, e) is
         * this thread's base plus a compile-time offset. */
        if (Cfg::kAlibi) {
            const float base = float(row_g + causal_shift - n * BN - 2 * t);
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int j = 0; j < BN / 8; ++j)
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const float dist =
                            fabsf(base + float(mi * 16 + (e >> 1) * 8 - j * 8 - (e & 1)));
                        s_acc[mi][j][e] = fmaf(alibi_neg_slope, dist, s_acc[mi][j][e]);
                    }
        }

        /* mask the key tail, the causal diagonal and the window's edges (raw scores; -inf never
         * reaches a sum) */
        if (kMask) {
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int j = 0; j < BN / 8; ++j)
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const int key = n * BN + j * 8 + 2 * t + (e & 1);
                        const int row = row_g + mi * 16 + (e >> 1) * 8;
                        if (key >= seqlen_k ||
                            (Cfg::kHasRight && key > row + causal_shift + Cfg::kWindowRight) ||
                            (Cfg::kHasLeft && key < row + causal_shift - Cfg::kWindowLeft))
                            s_acc[mi][j][e] = -CUDART_INF_F;
                    }
        }

        /* online softmax in the log2 domain, the scale folded into one FFMA per score:
         * p = 2^(s * scale_log2 - m), m = running max of s * scale_log2 (lazily updated) */
        float blk_max[MT][2];
        bool grow = false;
#pragma unroll
        for (int mi = 0; mi < MT; ++mi)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                float mx = s_acc[mi][0][2 * r];
#pragma unroll
                for (int j = 0; j < BN / 8; ++j)
                    mx = fmaxf(mx, fmaxf(s_acc[mi][j][2 * r], s_acc[mi][j][2 * r + 1]));
                blk_max[mi][r] = quad_max(mx) * scale_log2;
                grow |= blk_max[mi][r] > row_max[mi][r] + Cfg::kRescaleThreshold;
            }
        /* warp-uniform: every row of the warp takes its exact max when one row needs to */
        if (!Cfg::kLazyRescale || __any_sync(0xffffffffu, grow)) {
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    const float m_new = fmaxf(row_max[mi][r], blk_max[mi][r]);
                    /* masked steps only: a row with no visible key so far keeps max -inf;
                     * subtract 0 so that exp2 gives 0 rather than NaN from (-inf) - (-inf) */
                    const float m_use = (kMask && m_new == -CUDART_INF_F) ? 0.f : m_new;
                    const float alpha = exp2_approx(row_max[mi][r] - m_use); /* 0 if old -inf */
                    row_max[mi][r] = m_new;
                    row_sum[mi][r] *= alpha;
#pragma unroll
                    for (int j = 0; j < D / 8; ++j) {
                        o_acc[mi][j][2 * r] *= alpha;
                        o_acc[mi][j][2 * r + 1] *= alpha;
                    }
                }
        }
#pragma unroll
        for (int mi = 0; mi < MT; ++mi)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                const float m_use =
                    (kMask && row_max[mi][r] == -CUDART_INF_F) ? 0.f : row_max[mi][r];
#pragma unroll
                for (int j = 0; j < BN / 8; ++j) {
                    s_acc[mi][j][2 * r] = exp2_approx(fmaf(s_acc[mi][j][2 * r], scale_log2, -m_use));
                    s_acc[mi][j][2 * r + 1] =
                        exp2_approx(fmaf(s_acc[mi][j][2 * r + 1], scale_log2, -m_use));
                    row_sum[mi][r] += s_acc[mi][j][2 * r] + s_acc[mi][j][2 * r + 1];
                }
            }

        /* O += P V: P's accumulator fragments of key tiles 2kk, 2kk+1 are the A fragment of
         * k-chunk kk once rounded to 16 bits (reshape accumulator -> operand layout) */
#pragma unroll
        for (int kk = 0; kk < BN / 16; ++kk) {
            uint32_t a[MT][4];
#pragma unroll
            for (int mi = 0; mi < MT; ++mi) {
                a[mi][0] = pack2<T>(s_acc[mi][2 * kk][0], s_acc[mi][2 * kk][1]);
                a[mi][1] = pack2<T>(s_acc[mi][2 * kk][2], s_acc[mi][2 * kk][3]);
                a[mi][2] = pack2<T>(s_acc[mi][2 * kk + 1][0], s_acc[mi][2 * kk + 1][1]);
                a[mi][3] = pack2<T>(s_acc[mi][2 * kk + 1][2], s_acc[mi][2 * kk + 1][3]);
            }
#pragma unroll
            for (int dd = 0; dd < D / 16; ++dd) {
                uint32_t b[4];
                ldmatrix_x4_trans(b, sV_st + kk * 16 * kPitch + dd * 16 + v_lane_off);
#pragma unroll
                for (int mi = 0; mi < MT; ++mi) {
                    mma_m16n8k16<T>(o_acc[mi][2 * dd], a[mi], b[0], b[1]);
                    mma_m16n8k16<T>(o_acc[mi][2 * dd + 1], a[mi], b[2], b[3]);
                }
            }
        }
        if (!Cfg::kSingleBarrier)
            block_sync(); /* every warp is done with this stage before it is refilled */
    };

    /* Blocks [n_left, n_unmasked) need no mask: every key of them exists, is seen by the
     * block's first query row (row0 sees keys <= row0 + causal_shift + right) and, with a left
     * window edge, by its last row (row0 + BM - 1 sees keys >= row0 + BM - 1 + causal_shift -
     * left). Blocks before n_left cross the left edge; blocks from n_unmasked on, the right. */
    int n_unmasked = min(n_blocks, seqlen_k / BN);
    if (Cfg::kHasRight) {
        const int last_key_first_row = row0 + causal_shift + Cfg::kWindowRight;
        n_unmasked = min(n_unmasked, last_key_first_row < 0 ? 0 : (last_key_first_row + 1) / BN);
    }
    int n_left = n_begin;
    if (Cfg::kHasLeft) {
        const int first_key_last_row = row0 + BM - 1 + causal_shift - Cfg::kWindowLeft;
        n_left = max(n_begin, min(n_blocks, first_key_last_row <= 0
                                                ? 0
                                                : (first_key_last_row + BN - 1) / BN));
    }
    int n = n_begin;
    for (; n < n_left; ++n) step(n, std::true_type{});
    for (; n < n_unmasked; ++n) step(n, std::false_type{});
    for (; n < n_blocks; ++n) step(n, std::true_type{});

    /* ------------------------------------------------------------ epilogue */
    cp_async_wait<0>(); /* nothing may land in shared memory after this point */
    /* Every lane of the warp has finished reading its Q rows (last step's ldmatrix) before any
     * lane overwrites them; with two barriers per step the last step's barrier did this
     * (compute-sanitizer racecheck reports the hazard without it). */
    __syncwarp();
    /* Stage the warp's rows in its own rows of sQ (only this warp ever read them). */
    Element* sO = reinterpret_cast<Element*>(sQ); /* (BM, D), pitch kPitch */
#pragma unroll
    for (int mi = 0; mi < MT; ++mi) {
        float inv[2];
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const float l = quad_sum(row_sum[mi][r]);
            inv[r] = l > 0.f ? 1.f / l : 0.f; /* a row that saw no key is written as zeros */
        }
#pragma unroll
        for (int j = 0; j < D / 8; ++j) {
            Element* p = sO + (warp_row + mi * 16 + g) * kPitch + j * 8 + 2 * t;
            *reinterpret_cast<uint32_t*>(p) =
                pack2<Element>(o_acc[mi][j][0] * inv[0], o_acc[mi][j][1] * inv[0]);
            *reinterpret_cast<uint32_t*>(p + 8 * kPitch) =
                pack2<Element>(o_acc[mi][j][2] * inv[1], o_acc[mi][j][3] * inv[1]);
        }
    }
    __syncwarp();
#pragma unroll
    for (int i = 0; i < Cfg::kWarpRows * Cfg::kChunksPerRow / 32; ++i) {
        const int c = lane + i * 32;
        const int row = warp_row + c / Cfg::kChunksPerRow;
        const int col = (c % Cfg::kChunksPerRow) * 8;
        if (row0 + row < seqlen_q) {
            *reinterpret_cast<uint4*>(gO + row * args.o_row_stride + col) =
                *reinterpret_cast<const uint4*>(sO + row * kPitch + col);
        }
    }
}

/* Enqueues the kernel for `args` on `stream`; returns the cudaError_t of the launch. */
template <class Spec>
int fa2_fwd_launch(const QimengAttnArgs* args, void* stream) {
    using Cfg = Fa2Config<Spec>;
    if (args == nullptr || args->head_dim != Cfg::kHeadDim || args->heads_kv <= 0 ||
        args->heads_q % args->heads_kv != 0 || args->batch <= 0 || args->seqlen_q <= 0 ||
        args->seqlen_k <= 0 || args->heads_q > 65535 || args->batch > 65535 ||
        (Cfg::kAlibi && args->alibi_slopes == nullptr) ||
        (Cfg::kVarlen && (args->cu_seqlens_q == nullptr || args->cu_seqlens_k == nullptr ||
                          args->max_seqlen_q <= 0 || args->max_seqlen_q > args->seqlen_q))) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    const int rows = Cfg::kVarlen ? args->max_seqlen_q : args->seqlen_q;
    const dim3 grid((rows + Cfg::kBlockM - 1) / Cfg::kBlockM, args->heads_q, args->batch);
    const dim3 block(Cfg::kThreads);
    if (Cfg::kSmemBytes > 48 * 1024) {
        const cudaError_t err = cudaFuncSetAttribute(
            fa2_fwd_kernel<Spec>, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes);
        if (err != cudaSuccess) return static_cast<int>(err);
    }
    fa2_fwd_kernel<Spec><<<grid, block, Cfg::kSmemBytes, static_cast<cudaStream_t>(stream)>>>(*args);
    return static_cast<int>(cudaGetLastError());
}

}  // namespace qimeng

#endif /* QIMENG_FA2_FWD_CUH */
