/* qimeng decode attention (split-KV, paged or contiguous cache): the kernel template every
 * `dec-*` cache entry uses. The ABI, layouts and masking rules are in decode_abi.h.
 *
 * An entry defines a traits struct and calls decode_fwd_launch<Spec>:
 *
 *     struct Spec {
 *         using Element = __nv_bfloat16;     // dtype of q, k, v, o
 *         using MmaElement = __nv_bfloat16;  // dtype the tensor cores take (sm_75: __half;
 *                                            // bf16 is converted on the copy to shared memory)
 *         static constexpr int kHeadDim = 128;
 *         static constexpr int kBlockN = 64;        // keys per tile (one shared-memory stage)
 *         static constexpr int kStages = 3;         // K/V tiles in flight (cp.async; sm_75
 *                                                   // copies through registers)
 *         static constexpr int kMinBlocksPerSm = 2; // __launch_bounds__ occupancy hint
 *         static constexpr bool kTma = true;        // optional (default false), sm_90 only:
 *                                                   // K/V tiles by TMA where the layout allows
 *     };
 *
 * Dataflow (the entry's kernel.tl says the same in TL). Grid (num_splits, heads_kv, batch);
 * one block of 4 warps owns one chunk of one sequence's keys for one kv head and *every* query
 * row that reads that kv head (M = seqlen_q x group rows, row r = query i * group + head g), so
 * each K/V byte crosses HBM once. K and V tiles of kBlockN keys stream into shared memory
 * (rows padded by 16 bytes: conflict-free ldmatrix), kStages deep; a key's page is looked up
 * per row of 16-byte chunks, so the page size is a runtime value and pages may sit anywhere in
 * the pool. With Spec::kTma (Hopper), where the pages hold whole tiles or a tile holds whole
 * pages of 16 keys or more (and always for a contiguous cache), the TMA unit copies each tile
 * instead: a box of 64 columns x R keys per (K or V, 64-column half, page), 2 x D / 64 x N / R
 * requests per tile in place of N x D / 8 16-byte cp.async, each asked for by its own lane
 * (spread over the 4 warps, pages looked up a tile ahead), completing on one mbarrier per
 * stage, under an L2 evict-first policy (K and V are read once); the tile lands 128-byte
 * swizzled (chunk c of row r at c ^ (r % 8): conflict-free ldmatrix without padding). Other
 * page sizes take the cp.async path. A TMA launch of decode proper with at least two blocks per
 * SM runs WideSpec<Spec> instead (128-key tiles, one block per SM; see QIMENG_DECODE_WIDE).
 *
 * Rows go to 16-row MMA row groups (WR = 1, 2 or 4; compile-time); the 4 / WR warps of a row
 * group split each tile's keys. Decode proper (M <= 16: one token, GQA up to 16) has all 4 warps
 * on different keys. Each warp runs the FlashAttention-2 step on its keys with mma.sync
 * m16n8k16: S = Q K^T (Q fragments in registers for the whole block, K by ldmatrix), scale into
 * the log2 domain, mask (keys past the length, the causal edge), online softmax in registers,
 * O += P V (S accumulators reused as the A operand, V by ldmatrix.trans). Padding rows (M not a
 * multiple of 16) cost MMA lanes, not bytes: the kernel is bound by reading K and V. The WK
 * partial states of a row are merged through shared memory once at the end.
 *
 * With num_splits > 1 each block writes its normalized partial output and base-2 log-sum-exp
 * to the workspace and counts itself in with an atomic per (sequence, kv head); the block that
 * arrives last merges that pair's splits (weights 2^(lse_s - max)) and resets the counter, so
 * one launch does the whole job (a second merge kernel cost a launch gap and its own ramp,
 * a large share of a ~15 us problem at batch 1).
 */
#ifndef QIMENG_DECODE_FWD_CUH
#define QIMENG_DECODE_FWD_CUH

#include <cuda.h> /* CUtensorMap; the encoder comes through the runtime's driver entry point */
#include <cuda_runtime.h>
#include <math_constants.h>

#include <type_traits>

#include "qimeng/decode_abi.h"
#include "qimeng/prims.cuh"
#include "qimeng/sm90.cuh"
#include "qimeng/spec_options.cuh"

namespace qimeng {
namespace decode {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

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
    using T = typename Spec::Element;     /* dtype in global memory */
    using MT = typename Spec::MmaElement; /* dtype in shared memory and on the tensor cores */
    static constexpr bool kConvert = !std::is_same<T, MT>::value; /* sm_75 bf16 -> f16 */
    static constexpr int D = Spec::kHeadDim;
    static constexpr int N = Spec::kBlockN;
    static constexpr int kStages = Spec::kStages;
    /* Row pitch in shared memory: 16 bytes of padding per row put the 8 rows an ldmatrix reads
     * in 8 different bank groups. */
    static constexpr int kRowStride = D + 8;
    static constexpr int kChunksPerRow = D / 8;
    static constexpr int kTileElems = N * kRowStride;
    static constexpr int kKvBytes = 2 * kStages * kTileElems * 2;
    /* End-of-block merge: kWarps x 16 rows x (D outputs + max, sum) f32, over the K/V stages. */
    static constexpr int kMergeBytes = kWarps * 16 * (D + 2) * 4;
    static constexpr int kSmemBytes = kKvBytes > kMergeBytes ? kKvBytes : kMergeBytes;
    /* TMA path: unpadded 128-byte-swizzled tiles, D / 64 boxes of N rows x 128 bytes side by
     * side (K and V each), then the stages' mbarriers past whatever the merge overwrites, and
     * 1024 bytes to align the base (the swizzle pattern follows address bits 7-9). */
    static constexpr int kTmaTileBytes = N * D * 2;
    static constexpr int kTmaKvBytes = 2 * kStages * kTmaTileBytes;
    static constexpr int kTmaBarOffset = kTmaKvBytes > kMergeBytes ? kTmaKvBytes : kMergeBytes;
    static constexpr int kTmaSmemBytes = kTmaBarOffset + 8 * kStages + 1024;
    static_assert(D == 64 || D == 128, "decode kernels take head_dim 64 or 128");
    static_assert(N % 32 == 0, "a tile splits into 8-key MMA columns over up to 4 warps");
    static_assert(kStages >= 2, "at least double buffering");
};

/* Size of the L2 fetch that each K/V cp.async asks for (its `.L2::<n>B` prefetch-size hint):
 * 256 = one key row of one head at d128 (two at d64), so DRAM serves each row as one burst
 * instead of sector by sector. 0: no hint (the copy of prims.cuh). A compile-time switch so
 * that bench/decode.py can time the variants against each other (bench/NOTES.md, decode v5). */
#ifndef QIMENG_DECODE_L2_FETCH
#define QIMENG_DECODE_L2_FETCH 256
#endif
/* copy16_g2s with the L2 prefetch-size hint above (sm_80+; sm_75 copies through registers). */
template <bool kConvert>
__device__ __forceinline__ void copy_kv16(void* dst, const void* src, bool valid) {
#if defined(QIMENG_TURING) || QIMENG_DECODE_L2_FETCH == 0
    copy16_g2s<kConvert>(dst, src, valid);
#else
    static_assert(!kConvert, "bf16 -> f16 conversion on the copy is the sm_75 path only");
    const int src_size = valid ? 16 : 0; /* 0: zeros written; src only names a valid row */
#if QIMENG_DECODE_L2_FETCH == 256
    asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)),
                 "l"(src), "r"(src_size)
                 : "memory");
#elif QIMENG_DECODE_L2_FETCH == 128
    asm volatile("cp.async.cg.shared.global.L2::128B [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)),
                 "l"(src), "r"(src_size)
                 : "memory");
#else
#error "QIMENG_DECODE_L2_FETCH is 0, 128 or 256"
#endif
#endif
}

/* 16-byte chunks of a K (or V) tile that each thread copies: one key row per pass. */
template <class Spec>
constexpr int kPasses = Config<Spec>::N * Config<Spec>::kChunksPerRow / kThreads;

/* Key row of tile `tile` that this thread copies in pass `pass`. */
template <class Spec>
__device__ __forceinline__ int pass_key(int tile, int pass) {
    using Cfg = Config<Spec>;
    return tile * Cfg::N + pass * (kThreads / Cfg::kChunksPerRow) + threadIdx.x / Cfg::kChunksPerRow;
}

/* Where each key row this thread copies of tile `tile` lives: its page (a block-table entry
 * when paged, b when contiguous, -1 for a key at or past `end`) and its row in that page. The
 * rows of one thread are kThreads / kChunksPerRow keys apart, so one division per tile finds
 * the first row's page and the others follow by adding and wrapping: a division per row (~25
 * instructions each) made the copies issue-bound where one block is alone on its SM (paged at
 * 0.57-0.72 of contiguous: bench/NOTES.md, decode v5). The table reads are plain loads whose
 * values load_tile first needs an iteration later, so their latency hides behind a tile. */
template <class Spec>
__device__ __forceinline__ void tile_pages(const QimengDecodeArgs& a, int b, int tile, int end,
                                           int (&pages)[kPasses<Spec>],
                                           int (&rows)[kPasses<Spec>]) {
    constexpr int kStep = kThreads / Config<Spec>::kChunksPerRow;
    int j = pass_key<Spec>(tile, 0);
    if (a.block_table == nullptr) {
#pragma unroll
        for (int pass = 0; pass < kPasses<Spec>; ++pass) {
            pages[pass] = j + pass * kStep < end ? b : -1;
            rows[pass] = j + pass * kStep;
        }
        return;
    }
    const int bs = a.block_size;
    const int32_t* table = a.block_table + int64_t(b) * a.block_table_stride;
    int slot = j / bs;
    int row = j - slot * bs;
#pragma unroll
    for (int pass = 0; pass < kPasses<Spec>; ++pass) {
        pages[pass] = j < end ? table[slot] : -1;
        rows[pass] = row;
        j += kStep;
        row += kStep;
        while (row >= bs) { /* once at most for pages of kStep keys or more */
            row -= bs;
            ++slot;
        }
    }
}

/* Issues the copies of tile `tile` of sequence b, kv head hk, into stage buffers sk, sv, from
 * the pages and rows tile_pages found; rows of page -1 (past the end) or of a page outside the
 * pool are zero-filled, so that a masked P = 0 never meets a NaN of stale memory. */
template <class Spec>
__device__ __forceinline__ void load_tile(const QimengDecodeArgs& a, int hk, int tile,
                                          const int (&pages)[kPasses<Spec>],
                                          const int (&rows)[kPasses<Spec>],
                                          typename Config<Spec>::MT* sk,
                                          typename Config<Spec>::MT* sv) {
    using Cfg = Config<Spec>;
    using T = typename Cfg::T;
    static_assert(Cfg::N * Cfg::kChunksPerRow % kThreads == 0, "whole passes of 16-byte chunks");
    static_assert(kThreads % Cfg::kChunksPerRow == 0, "a thread keeps its column");
    const int col = (threadIdx.x % Cfg::kChunksPerRow) * 8;
    const T* kbase = static_cast<const T*>(a.k) + int64_t(hk) * a.k_head_stride + col;
    const T* vbase = static_cast<const T*>(a.v) + int64_t(hk) * a.v_head_stride + col;
#pragma unroll
    for (int pass = 0; pass < kPasses<Spec>; ++pass) {
        const int n = pass_key<Spec>(tile, pass) - tile * Cfg::N;
        const int page = pages[pass];
        const bool valid = page >= 0 && page < a.num_blocks;
        const int row = rows[pass];
        const int64_t koff = valid ? page * a.k_page_stride + int64_t(row) * a.k_row_stride : 0;
        const int64_t voff = valid ? page * a.v_page_stride + int64_t(row) * a.v_row_stride : 0;
        copy_kv16<Cfg::kConvert>(sk + n * Cfg::kRowStride + col, kbase + koff, valid);
        copy_kv16<Cfg::kConvert>(sv + n * Cfg::kRowStride + col, vbase + voff, valid);
    }
}

/* Spec::kTma if the entry declares it, else false; QIMENG_DECODE_TMA=0 turns it off (A/B
 * builds, bench/decode.py). */
#ifndef QIMENG_DECODE_TMA
#define QIMENG_DECODE_TMA 1
#endif
QIMENG_SPEC_OPTION(TmaOf, kTma, bool, false);
template <class Spec>
constexpr bool kUseTma = QIMENG_DECODE_TMA && TmaOf<Spec>::value;

/* Warps whose lanes ask the TMA unit for a tile's boxes. Box i of a tile goes to warp
 * i % kTmaWarps, lane i / kTmaWarps: with one thread issuing them all, the 16 boxes of a tile
 * of 16-key pages (4 with a contiguous cache) held that thread's warp, and so the block's
 * barrier, for the whole issue on every tile (ncu, paged-16 at one block per SM: half of all
 * warp stalls at that barrier; bench/NOTES.md, decode v8). */
/* 1 (default): the K/V TMA loads carry an L2 evict_first policy (+2-4% at batch 1 and 16,
 * neutral at 64: bench/results/h100-decode-2026-11-26.md, session 5 (dec7)); 0 builds the plain
 * loads for an A/B. */
#ifndef QIMENG_DECODE_TMA_EVICT_FIRST
#define QIMENG_DECODE_TMA_EVICT_FIRST 1
#endif

#ifndef QIMENG_DECODE_TMA_WARPS
#define QIMENG_DECODE_TMA_WARPS 4
#endif
constexpr int kTmaWarps = QIMENG_DECODE_TMA_WARPS;
static_assert(kTmaWarps >= 1 && kTmaWarps <= kWarps, "issuing warps are warps of the block");

/* Wide tiles (1, default; 0 builds without them for an A/B): where a TMA launch of decode proper
 * (rows <= 16) has at least two blocks for every SM (batch 64: (1, 8, 64) = 512 blocks on 132
 * SMs), its blocks take 128-key tiles, QIMENG_DECODE_WIDE_STAGES deep, one block per SM,
 * instead of the entry's 64-key tiles at two per SM: half the block barriers and per-tile
 * issue per byte, and each box reads 128 rows of a head's 2 KiB-strided rows instead of 64.
 * The grid, the splits and the workspace stay as they are; smaller grids keep the entry's
 * tiles (at one block per SM and a few tiles per split the wide tile loses: b1 4k -4%,
 * bench/NOTES.md decode v7). */
#ifndef QIMENG_DECODE_WIDE
#define QIMENG_DECODE_WIDE 1
#endif
#ifndef QIMENG_DECODE_WIDE_STAGES
#define QIMENG_DECODE_WIDE_STAGES 2
#endif
/* Blocks per SM from which a launch takes the wide tiles (0: every decode-proper TMA launch; an
 * A/B probe). */
#ifndef QIMENG_DECODE_WIDE_PER_SM
#define QIMENG_DECODE_WIDE_PER_SM 2
#endif
template <class Spec>
struct WideSpec : Spec {
    static constexpr int kBlockN = 128;
    static constexpr int kStages = QIMENG_DECODE_WIDE_STAGES;
    static constexpr int kMinBlocksPerSm = 1;
};

/* Keys per TMA box: the tile for a contiguous cache or pages of N keys or more, else a page. */
template <class Spec>
__device__ __forceinline__ int tma_box_rows(const QimengDecodeArgs& a) {
    return a.block_table == nullptr || a.block_size >= Config<Spec>::N ? Config<Spec>::N
                                                                         : a.block_size;
}

/* One TMA box of a tile: K (kv 0) or V (1), 64-column half h, page s of the tile (boxes of
 * `box_rows` keys; s = 0 unless a tile holds several pages). Box i of a tile is kv = i % 2,
 * h = i / 2 % (D / 64), s = i / (D / 32). */
struct TmaBox {
    int kv, h, s;
};

template <class Spec>
__device__ __forceinline__ TmaBox tma_box(int i) {
    constexpr int kHalves = Config<Spec>::D / 64;
    return TmaBox{i % 2, i / 2 % kHalves, i / (2 * kHalves)};
}

/* Boxes per tile: K and V, each D / 64 halves x N / box_rows pages. */
template <class Spec>
__device__ __forceinline__ int tma_boxes(int box_rows) {
    return 2 * (Config<Spec>::D / 64) * (Config<Spec>::N / box_rows);
}

/* The page and row coordinates of one lane's box through consecutive tiles, with one division
 * at the start and additions after it: a division per tile (~25 instructions) on each issuing
 * warp's path between two barriers is time its block waits for where it is alone on its SM.
 * Pages of N keys or more: a box is a tile, `row` steps by N and wraps into the next slot.
 * Smaller pages: a tile holds N / bs of them, box s reads slot tile * N / bs + s. A box whose
 * keys all lie at or past `end` gets page -1 (out of bounds: TMA writes zeros, reads nothing);
 * a contiguous cache has page b and row tile * N. */
struct TmaWalk {
    const int32_t* table; /* this lane's entry of slot 0 (+ s), or nullptr: contiguous */
    int bs, first;        /* page size; first key of the box within its tile (s * bs) */
    int j, slot, row;     /* the current tile's first key, its slot, its row in the page */
    int rstep, sstep;     /* per tile: rows (pages >= N keys) or slots (smaller pages) */

    template <class Spec>
    __device__ __forceinline__ void start(const QimengDecodeArgs& a, int b, int tile,
                                          const TmaBox& box) {
        constexpr int N = Config<Spec>::N;
        j = tile * N;
        bs = a.block_size;
        table = nullptr;
        slot = 0;
        row = j;
        rstep = N;
        sstep = 0;
        first = 0;
        if (a.block_table == nullptr) return;
        table = a.block_table + int64_t(b) * a.block_table_stride;
        if (bs >= N) {
            slot = j / bs;
            row = j - slot * bs;
        } else {
            sstep = N / bs;
            slot = tile * sstep;
            row = 0;
            rstep = 0;
            first = box.s * bs;
            table += box.s;
        }
    }

    /* Page of the current tile (a table load when paged). */
    __device__ __forceinline__ int page(int b, int end) const {
        if (table == nullptr) return b;
        return j + first < end ? table[slot] : -1;
    }

    template <class Spec>
    __device__ __forceinline__ void next() {
        j += Config<Spec>::N;
        row += rstep;
        slot += sstep;
        if (table != nullptr && row >= bs) {
            row -= bs;
            ++slot;
        }
    }
};

/* This warp's share of a tile's requests into stage buffers sk, sv, completing on `bar`
 * (kTmaWarps arrivals a phase): lane 0 announces the warp's `bytes`, then each lane that owns
 * a box (`dst`: its offset in the stage, map, column c0) issues it at (page, row). `row` is
 * read by those lanes only (a TmaWalk the others never started). */
__device__ __forceinline__ void tma_issue(bool issuer, int lane, uint32_t bytes,
                                          unsigned char* dst, const CUtensorMap* map, int c0,
                                          const int& row, int hk, int page, uint64_t* bar) {
    if (lane == 0) sm90::mbar_arrive_expect_tx(bar, bytes);
    __syncwarp();
#if QIMENG_DECODE_TMA_EVICT_FIRST
    /* Every K/V byte is read once: its L2 lines may go first, ahead of Q, the output and the
     * split workspace. */
    if (issuer)
        sm90::tma_load_4d_hint(dst, map, bar, c0, row, hk, page, sm90::l2_evict_first_policy());
#else
    if (issuer) sm90::tma_load_4d(dst, map, bar, c0, row, hk, page);
#endif
}

/* Element offset of 16-byte chunk `chunk` of key row `row` in a swizzled TMA tile. */
template <class Spec>
__device__ __forceinline__ int swz(int row, int chunk) {
    return (chunk / 8) * Config<Spec>::N * 64 + row * 64 + ((chunk % 8) ^ (row % 8)) * 8;
}

/* Query row r of sequence b for kv head hk (query r / group, head hk * group + r % group), or
 * nullptr for a padding row past the last: worked out once per row, since q_word's 32 loads
 * per thread would otherwise each redo the divisions (~50 instructions apiece ahead of the
 * first tile). */
template <class Spec>
__device__ __forceinline__ const typename Config<Spec>::T* q_row(const QimengDecodeArgs& a, int b,
                                                                 int hk, int group, int rows,
                                                                 int r) {
    if (r >= rows) return nullptr;
    const int i = r / group, h = hk * group + r % group;
    return static_cast<const typename Config<Spec>::T*>(a.q) + b * a.q_batch_stride +
           i * a.q_row_stride + h * a.q_head_stride;
}

/* Two query elements (columns col, col + 1 of a q_row) as one MMA operand word; zeros for a
 * padding row. */
template <class Spec>
__device__ __forceinline__ uint32_t q_word(const typename Config<Spec>::T* row, int col) {
    using Cfg = Config<Spec>;
    if (row == nullptr) return 0u;
    uint32_t w = *reinterpret_cast<const uint32_t*>(row + col);
    if constexpr (Cfg::kConvert) {
        const __half2 hv = __floats2half2_rn(__uint_as_float(w << 16), __uint_as_float(w & 0xffff0000u));
        w = *reinterpret_cast<const uint32_t*>(&hv);
    }
    return w;
}

/* Bytes of split counters at the start of the workspace (decode_abi.h), a multiple of 16 so
 * that the f32 partials after them stay 16-byte aligned. */
__host__ __device__ __forceinline__ int64_t counter_bytes(int batch, int heads_kv) {
    return (int64_t(batch) * heads_kv * 4 + 15) / 16 * 16;
}

/* The merge of every split's partial rows of (sequence b, kv head hk), by the block that
 * finished last: weights 2^(lse_s - max). A thread per (row, 4 columns) reads its row's
 * log-sum-exps and partial outputs kUnroll splits at a time, all loads of a round in flight
 * together, and keeps an online max (as the main loop does over keys), so that up to kUnroll
 * splits cost one L2 round trip: a warp-per-row pass for the max and the sum first, then the
 * outputs, cost three or more on this block's critical path (the launch's last one). */
template <class Spec>
__device__ __forceinline__ void merge_splits(const QimengDecodeArgs& a, int b, int hk, int group,
                                             int rows, const float* ws_o, const float* ws_lse,
                                             int64_t total_rows) {
    using T = typename Config<Spec>::T;
    constexpr int D = Config<Spec>::D;
    constexpr int kUnroll = 16;
    const int S = a.num_splits;
    const int items = rows * (D / 4);
    for (int item = threadIdx.x; item < items; item += kThreads) {
        const int r = item / (D / 4), col = (item % (D / 4)) * 4;
        const int i = r / group, h = hk * group + r % group;
        /* Workspace row of query row r in split 0; split s is s * total_rows rows further. */
        const int64_t w0 = (int64_t(b) * a.seqlen_q + i) * a.heads_q + h;
        float m = -CUDART_INF_F, l = 0.f;
        float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
        for (int s0 = 0; s0 < S; s0 += kUnroll) {
            float lse_u[kUnroll];
            float4 x[kUnroll];
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                const int s = s0 + u < S ? s0 + u : S - 1; /* past the end: masked below */
                lse_u[u] = __ldcg(ws_lse + w0 + s * total_rows);
                x[u] = __ldcg(reinterpret_cast<const float4*>(ws_o + (w0 + s * total_rows) * D + col));
            }
            float mx = m;
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                if (s0 + u >= S) lse_u[u] = -CUDART_INF_F;
                mx = fmaxf(mx, lse_u[u]);
            }
            /* An empty split wrote lse = -inf and zeros: weight 0, finite terms. */
            const float ref = mx == -CUDART_INF_F ? 0.f : mx;
            const float alpha = exp2_approx(m - ref);
            m = mx;
            l *= alpha;
            acc.x *= alpha;
            acc.y *= alpha;
            acc.z *= alpha;
            acc.w *= alpha;
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                const float w = exp2_approx(lse_u[u] - ref);
                l += w;
                acc.x += w * x[u].x;
                acc.y += w * x[u].y;
                acc.z += w * x[u].z;
                acc.w += w * x[u].w;
            }
        }
        const float inv = l > 0.f ? 1.f / l : 0.f;
        T* op = static_cast<T*>(a.o) + b * a.o_batch_stride + i * a.o_row_stride +
                h * a.o_head_stride + col;
        uint2 packed;
        packed.x = pack2<T>(acc.x * inv, acc.y * inv);
        packed.y = pack2<T>(acc.z * inv, acc.w * inv);
        *reinterpret_cast<uint2*>(op) = packed;
        if (a.lse && col == 0)
            a.lse[(int64_t(b) * a.heads_q + h) * a.seqlen_q + i] =
                l > 0.f ? ((m == -CUDART_INF_F ? 0.f : m) + __log2f(l)) * kLn2 : -CUDART_INF_F;
    }
}

/* WR row groups of 16 rows (1, 2 or 4); the 4 / WR warps of a row group split each tile's keys.
 * kTma: K/V tiles by TMA through the maps mk, mv (unused otherwise). */
template <class Spec, int WR, bool kTma>
__global__ void __launch_bounds__(kThreads, Spec::kMinBlocksPerSm)
    decode_split_kernel(const QimengDecodeArgs a, const __grid_constant__ CUtensorMap mk,
                        const __grid_constant__ CUtensorMap mv) {
    using Cfg = Config<Spec>;
    using T = typename Cfg::T;
    using MT = typename Cfg::MT;
    constexpr int D = Cfg::D;
    constexpr int N = Cfg::N;
    constexpr int RS = Cfg::kRowStride;
    constexpr int WK = kWarps / WR; /* key groups */
    constexpr int NW = N / WK;      /* keys per warp per tile */
    constexpr int NT = NW / 8;      /* S column tiles of the warp */
    constexpr int KS = (NT + 1) / 2; /* P V k-steps of 16 keys (the last half empty if NT is odd) */
    constexpr int DT = D / 8;       /* O column tiles */
    constexpr int DK = D / 16;      /* Q K^T k-steps */
    static_assert(NW % 8 == 0 && NT >= 1, "8-key MMA columns per warp");

    extern __shared__ __align__(16) unsigned char smem_raw[];
    unsigned char* smem = smem_raw;
    if constexpr (kTma)
        smem = reinterpret_cast<unsigned char*>((reinterpret_cast<uintptr_t>(smem_raw) + 1023) &
                                                ~uintptr_t(1023));
    MT* s_k = reinterpret_cast<MT*>(smem);
    MT* s_v = s_k + Cfg::kStages * (kTma ? Cfg::kTmaTileBytes / 2 : Cfg::kTileElems);
    /* Elements from one stage to the next. */
    constexpr int kStageElems = kTma ? Cfg::kTmaTileBytes / 2 : Cfg::kTileElems;
    uint64_t* bars = reinterpret_cast<uint64_t*>(smem + Cfg::kTmaBarOffset);

    const int split = blockIdx.x, hk = blockIdx.y, b = blockIdx.z;
    const int group = a.heads_q / a.heads_kv;
    const int rows = a.seqlen_q * group;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wr = warp / WK, wk = warp % WK;
    const int g = lane / 4, tq = lane % 4;
    const int ra = wr * 16 + g, rb = ra + 8; /* the two rows this lane holds */

    const int len = cache_len(a, b);
    const int tiles = (len + N - 1) / N;
    int t0, t1;
    split_range(tiles, split, a.num_splits, t0, t1);
    /* Keys this block may copy: its split's tiles, and none at or past the length. */
    const int end = min(len, t1 * N);
    int pages[kPasses<Spec>], page_rows[kPasses<Spec>];
    /* TMA path: this thread's box (if it issues one) and its coordinates, one tile ahead. */
    const int box_rows = tma_box_rows<Spec>(a);
    const bool tma_warp = warp < kTmaWarps;
    const int box_id = lane * kTmaWarps + warp;
    const int boxes = tma_boxes<Spec>(box_rows);
    const TmaBox my_box = tma_box<Spec>(box_id);
    const bool tma_lane = tma_warp && box_id < boxes;
    /* Bytes this warp's boxes bring: lane 0 announces them on the stage's barrier. */
    const uint32_t warp_bytes = uint32_t((boxes - warp + kTmaWarps - 1) / kTmaWarps * box_rows * 128);
    /* Where the box lands in a stage's K or V buffer, and which map it reads. */
    unsigned char* const tma_dst =
        reinterpret_cast<unsigned char*>(my_box.kv ? s_v : s_k) +
        (tma_lane ? my_box.h * N * 128 + my_box.s * box_rows * 128 : 0);
    const CUtensorMap* const tma_map = my_box.kv ? &mv : &mk;
    TmaWalk walk;
    int tpage = 0;
    if constexpr (kTma) {
        if (threadIdx.x == 0) {
#pragma unroll
            for (int st = 0; st < Cfg::kStages; ++st) sm90::mbar_init(&bars[st], kTmaWarps);
            sm90::mbar_init_fence();
            sm90::tma_prefetch_map(&mk);
            sm90::tma_prefetch_map(&mv);
        }
        /* The first kStages tiles' pages, all loads in flight at once (one round trip). */
        int pg[Cfg::kStages] = {}, rw[Cfg::kStages] = {};
        if (tma_lane) {
            walk.start<Spec>(a, b, t0, my_box);
#pragma unroll
            for (int st = 0; st < Cfg::kStages; ++st) {
                pg[st] = walk.page(b, end);
                rw[st] = walk.row;
                if (st + 1 < Cfg::kStages) walk.next<Spec>();
            }
        }
        /* The barriers' inits are visible to every thread before any arrives or waits. */
        block_sync();
        if (tma_warp) {
#pragma unroll
            for (int st = 0; st < Cfg::kStages - 1; ++st)
                if (t0 + st < t1)
                    tma_issue(tma_lane, lane, warp_bytes, tma_dst + st * Cfg::kTmaTileBytes,
                              tma_map, my_box.h * 64, rw[st], hk, pg[st], &bars[st]);
        }
        tpage = pg[Cfg::kStages - 1];
    } else {
#pragma unroll
        for (int st = 0; st < Cfg::kStages - 1; ++st) {
            if (t0 + st < t1) {
                tile_pages<Spec>(a, b, t0 + st, end, pages, page_rows);
                load_tile<Spec>(a, hk, t0 + st, pages, page_rows, s_k + st * Cfg::kTileElems,
                                s_v + st * Cfg::kTileElems);
            }
            cp_async_commit();
        }
        /* The first iteration's tile; each iteration then looks up the next one's pages. */
        tile_pages<Spec>(a, b, t0 + Cfg::kStages - 1, end, pages, page_rows);
    }

    uint32_t qf[DK][4];
    {
        const T* qa = q_row<Spec>(a, b, hk, group, rows, ra);
        const T* qb = q_row<Spec>(a, b, hk, group, rows, rb);
#pragma unroll
        for (int kk = 0; kk < DK; ++kk) {
            qf[kk][0] = q_word<Spec>(qa, kk * 16 + 2 * tq);
            qf[kk][1] = q_word<Spec>(qb, kk * 16 + 2 * tq);
            qf[kk][2] = q_word<Spec>(qa, kk * 16 + 2 * tq + 8);
            qf[kk][3] = q_word<Spec>(qb, kk * 16 + 2 * tq + 8);
        }
    }
    const float scale = a.softmax_scale * kLog2e;
    /* Last key each of the two rows may see: len - 1, or the causal edge. */
    const int last_a = a.causal ? min(ra / group + len - a.seqlen_q, len - 1) : len - 1;
    const int last_b = a.causal ? min(rb / group + len - a.seqlen_q, len - 1) : len - 1;

    float o[DT][4];
#pragma unroll
    for (int dt = 0; dt < DT; ++dt) o[dt][0] = o[dt][1] = o[dt][2] = o[dt][3] = 0.f;
    float m_a = -CUDART_INF_F, m_b = -CUDART_INF_F, l_a = 0.f, l_b = 0.f; /* l: this lane's part */

    const int n0 = wk * NW;
    for (int t = t0; t < t1; ++t) {
        const int it = t - t0;
        const MT* tk = s_k + (it % Cfg::kStages) * kStageElems;
        const MT* tv = s_v + (it % Cfg::kStages) * kStageElems;
        if constexpr (kTma) {
            sm90::mbar_wait(&bars[it % Cfg::kStages], (it / Cfg::kStages) & 1);
            /* Keys at or past `end` in the last tile: TMA copied whatever the pool holds there
             * (only whole boxes past it read as zeros). S masks them, but V must be finite
             * under P = 0. Whole rows, so the swizzle does not matter. */
            const int nz = end - t * N;
            if (nz < N) {
                MT* zv = const_cast<MT*>(tv);
                for (int item = threadIdx.x; item < (N - nz) * (D / 8); item += kThreads) {
                    const int n = nz + item / (D / 8), c = item % (D / 8);
                    *reinterpret_cast<uint4*>(zv + swz<Spec>(n, c)) = make_uint4(0, 0, 0, 0);
                }
                sm90::fence_proxy_async_smem();
            }
        } else {
            cp_async_wait<Cfg::kStages - 2>();
        }
        block_sync(); /* tile t landed for everyone; stage (it - 1) % S is free again */
        {
            const int tn = t + Cfg::kStages - 1;
            const int st = (it + Cfg::kStages - 1) % Cfg::kStages;
            if constexpr (kTma) {
                if (tma_warp && tn < t1) {
                    tma_issue(tma_lane, lane, warp_bytes, tma_dst + st * Cfg::kTmaTileBytes,
                              tma_map, my_box.h * 64, walk.row, hk, tpage, &bars[st]);
                    if (tma_lane && tn + 1 < t1) {
                        walk.next<Spec>();
                        tpage = walk.page(b, end);
                    }
                }
            } else {
                if (tn < t1)
                    load_tile<Spec>(a, hk, tn, pages, page_rows, s_k + st * Cfg::kTileElems,
                                    s_v + st * Cfg::kTileElems);
                cp_async_commit();
                tile_pages<Spec>(a, b, tn + 1, end, pages, page_rows); /* used next iteration */
            }
        }

        /* S = Q K^T over the warp's NW keys. */
        float s[NT][4];
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
#pragma unroll
        for (int kk = 0; kk < DK; ++kk) {
#pragma unroll
            for (int nt = 0; nt < NT; nt += 2) {
                const int hi = (nt + 1 < NT) ? (lane / 16) : 0;
                uint32_t r[4];
                const int krow = n0 + nt * 8 + lane % 8 + 8 * hi;
                if constexpr (kTma)
                    ldmatrix_x4(r, tk + swz<Spec>(krow, 2 * kk + (lane / 8) % 2));
                else
                    ldmatrix_x4(r, tk + krow * RS + kk * 16 + 8 * ((lane / 8) % 2));
                mma_m16n8k16<MT>(s[nt], qf[kk], r[0], r[1]);
                if (nt + 1 < NT) mma_m16n8k16<MT>(s[nt + 1], qf[kk], r[2], r[3]);
            }
        }

        /* Scale into the log2 domain, mask, online softmax of rows ra (e = 0, 1), rb (2, 3). */
        float mx_a = -CUDART_INF_F, mx_b = -CUDART_INF_F;
        const int jbase = t * N + n0 + 2 * tq;
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int j = jbase + nt * 8 + (e & 1);
                const bool ok = j <= (e < 2 ? last_a : last_b);
                s[nt][e] = ok ? s[nt][e] * scale : -CUDART_INF_F;
            }
            mx_a = fmaxf(mx_a, fmaxf(s[nt][0], s[nt][1]));
            mx_b = fmaxf(mx_b, fmaxf(s[nt][2], s[nt][3]));
        }
        mx_a = quad_max(mx_a);
        mx_b = quad_max(mx_b);
        const float mn_a = fmaxf(m_a, mx_a), mn_b = fmaxf(m_b, mx_b);
        const float ref_a = mn_a == -CUDART_INF_F ? 0.f : mn_a;
        const float ref_b = mn_b == -CUDART_INF_F ? 0.f : mn_b;
        const float al_a = exp2_approx(m_a - ref_a), al_b = exp2_approx(m_b - ref_b);
        m_a = mn_a;
        m_b = mn_b;
        float sum_a = 0.f, sum_b = 0.f;
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
            s[nt][0] = exp2_approx(s[nt][0] - ref_a);
            s[nt][1] = exp2_approx(s[nt][1] - ref_a);
            s[nt][2] = exp2_approx(s[nt][2] - ref_b);
            s[nt][3] = exp2_approx(s[nt][3] - ref_b);
            sum_a += s[nt][0] + s[nt][1];
            sum_b += s[nt][2] + s[nt][3];
        }
        l_a = l_a * al_a + sum_a;
        l_b = l_b * al_b + sum_b;
#pragma unroll
        for (int dt = 0; dt < DT; ++dt) {
            o[dt][0] *= al_a;
            o[dt][1] *= al_a;
            o[dt][2] *= al_b;
            o[dt][3] *= al_b;
        }

        /* O += P V: the S accumulators are the A operand (C -> A fragment identity). */
#pragma unroll
        for (int ks = 0; ks < KS; ++ks) {
            const bool full = 2 * ks + 1 < NT;
            uint32_t pa[4];
            pa[0] = pack2<MT>(s[2 * ks][0], s[2 * ks][1]);
            pa[1] = pack2<MT>(s[2 * ks][2], s[2 * ks][3]);
            pa[2] = full ? pack2<MT>(s[(2 * ks + 1) % NT][0], s[(2 * ks + 1) % NT][1]) : 0u;
            pa[3] = full ? pack2<MT>(s[(2 * ks + 1) % NT][2], s[(2 * ks + 1) % NT][3]) : 0u;
            /* Keys 8..15 of an empty half: any finite rows of the warp (P is 0 there). */
            const int key = n0 + ks * 16 + lane % 8 + (full ? 8 * ((lane / 8) % 2) : 0);
#pragma unroll
            for (int dt = 0; dt < DT; dt += 2) {
                uint32_t r[4];
                if constexpr (kTma)
                    ldmatrix_x4_trans(r, tv + swz<Spec>(key, dt + lane / 16));
                else
                    ldmatrix_x4_trans(r, tv + key * RS + dt * 8 + 8 * (lane / 16));
                mma_m16n8k16<MT>(o[dt], pa, r[0], r[1]);
                mma_m16n8k16<MT>(o[dt + 1], pa, r[2], r[3]);
            }
        }
    }
    l_a = quad_sum(l_a);
    l_b = quad_sum(l_b);

    /* Merge the WK partial states of each row through shared memory (over the K/V stages). */
    cp_async_wait<0>();
    block_sync();
    float* s_o = reinterpret_cast<float*>(smem); /* [warp][16][D] */
    float* s_ml = s_o + kWarps * 16 * D;         /* [warp][16][2] */
#pragma unroll
    for (int dt = 0; dt < DT; ++dt) {
        *reinterpret_cast<float2*>(s_o + (warp * 16 + g) * D + dt * 8 + 2 * tq) =
            make_float2(o[dt][0], o[dt][1]);
        *reinterpret_cast<float2*>(s_o + (warp * 16 + g + 8) * D + dt * 8 + 2 * tq) =
            make_float2(o[dt][2], o[dt][3]);
    }
    if (tq == 0) {
        s_ml[(warp * 16 + g) * 2] = m_a;
        s_ml[(warp * 16 + g) * 2 + 1] = l_a;
        s_ml[(warp * 16 + g + 8) * 2] = m_b;
        s_ml[(warp * 16 + g + 8) * 2 + 1] = l_b;
    }
    block_sync();

    const bool direct = a.num_splits == 1;
    int* counters = static_cast<int*>(a.workspace);
    float* ws_o = reinterpret_cast<float*>(static_cast<unsigned char*>(a.workspace) +
                                           counter_bytes(a.batch, a.heads_kv));
    const int64_t total_rows = int64_t(a.batch) * a.heads_q * a.seqlen_q;
    float* ws_lse = ws_o + int64_t(a.num_splits) * total_rows * D;
    /* Thread per (row, 4 columns). */
    const int items = rows * (D / 4);
    for (int item = threadIdx.x; item < items; item += kThreads) {
        const int row = item / (D / 4), col = (item % (D / 4)) * 4;
        const int rg = row / 16, r = row % 16;
        float mx = -CUDART_INF_F;
#pragma unroll
        for (int k = 0; k < WK; ++k) mx = fmaxf(mx, s_ml[((rg * WK + k) * 16 + r) * 2]);
        const float ref = mx == -CUDART_INF_F ? 0.f : mx;
        float lsum = 0.f, acc[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
        for (int k = 0; k < WK; ++k) {
            const int w = rg * WK + k;
            const float sc = exp2_approx(s_ml[(w * 16 + r) * 2] - ref);
            lsum += s_ml[(w * 16 + r) * 2 + 1] * sc;
            const float4 x = *reinterpret_cast<const float4*>(s_o + (w * 16 + r) * D + col);
            acc[0] += x.x * sc;
            acc[1] += x.y * sc;
            acc[2] += x.z * sc;
            acc[3] += x.w * sc;
        }
        const float inv = lsum > 0.f ? 1.f / lsum : 0.f;
        const float lse2 = lsum > 0.f ? ref + __log2f(lsum) : -CUDART_INF_F;
        const int i = row / group, h = hk * group + row % group;
        if (direct) {
            T* op = static_cast<T*>(a.o) + b * a.o_batch_stride + i * a.o_row_stride +
                    h * a.o_head_stride + col;
            uint2 packed;
            packed.x = pack2<T>(acc[0] * inv, acc[1] * inv);
            packed.y = pack2<T>(acc[2] * inv, acc[3] * inv);
            *reinterpret_cast<uint2*>(op) = packed;
            if (a.lse && col == 0) a.lse[(int64_t(b) * a.heads_q + h) * a.seqlen_q + i] = lse2 * kLn2;
        } else {
            /* Workspace rows in (split, batch, query row, head) order. */
            const int64_t wrow = ((int64_t(split) * a.batch + b) * a.seqlen_q + i) * a.heads_q + h;
            *reinterpret_cast<float4*>(ws_o + wrow * D + col) =
                make_float4(acc[0] * inv, acc[1] * inv, acc[2] * inv, acc[3] * inv);
            if (col == 0) ws_lse[wrow] = lse2;
        }
    }
    if (direct) return;

    /* The split-KV merge, in the same launch: the last block of (sequence b, kv head hk) to
     * finish merges every split's rows of that pair. Release: each thread's partial writes are
     * visible device-wide before the block's arrival is counted. */
    __shared__ int s_last;
    __threadfence();
    block_sync();
    if (threadIdx.x == 0) {
        int* cnt = counters + b * a.heads_kv + hk;
        const int last = atomicAdd(cnt, 1) == a.num_splits - 1;
        /* Every split has arrived, so nothing else touches the counter in this launch: zero it
         * for the next launch on this workspace (decode_abi.h: the counters start zero). */
        if (last) *cnt = 0;
        s_last = last;
    }
    block_sync();
    if (!s_last) return;
    __threadfence(); /* acquire: the other splits' partials, read below through L2 (ld.cg) */
    merge_splits<Spec>(a, b, hk, group, rows, ws_o, ws_lse, total_rows);
}

template <class Spec, int WR, bool kTma>
cudaError_t launch_split(const QimengDecodeArgs& a, const CUtensorMap& mk, const CUtensorMap& mv,
                         cudaStream_t stream) {
    constexpr int smem = kTma ? Config<Spec>::kTmaSmemBytes : Config<Spec>::kSmemBytes;
    if (smem > 48 * 1024) {
        const cudaError_t err = cudaFuncSetAttribute(
            decode_split_kernel<Spec, WR, kTma>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (err != cudaSuccess) return err;
    }
    const dim3 grid(a.num_splits, a.heads_kv, a.batch);
    decode_split_kernel<Spec, WR, kTma><<<grid, kThreads, smem, stream>>>(a, mk, mv);
    return cudaGetLastError();
}

template <class Spec, bool kTma>
cudaError_t launch_rows(const QimengDecodeArgs& a, const CUtensorMap& mk, const CUtensorMap& mv,
                        cudaStream_t stream) {
    const int rows = a.seqlen_q * (a.heads_q / a.heads_kv);
    /* 16-row MMA row groups: one (decode proper, GQA up to 16) lets all 4 warps split the keys. */
    return rows <= 16   ? launch_split<Spec, 1, kTma>(a, mk, mv, stream)
           : rows <= 32 ? launch_split<Spec, 2, kTma>(a, mk, mv, stream)
                        : launch_split<Spec, 4, kTma>(a, mk, mv, stream);
}

/* The map of a K or V pool as a 4-d tensor (head_dim, rows per page, heads_kv, pages), boxes
 * of 64 columns x box_rows keys of one head of one page, 128-byte swizzle, out of bounds
 * (a page index outside the pool, rows past `rows`) read as zeros. */
template <class T>
bool kv_map(CUtensorMap* map, const void* ptr, int head_dim, int rows, int heads, int pages,
            int64_t row_stride, int64_t head_stride, int64_t page_stride, int box_rows) {
    const int64_t e = int64_t(sizeof(T));
    /* The copy engine takes strides that are nonzero multiples of 16 bytes under 2^40. */
    for (const int64_t st : {row_stride, head_stride, page_stride})
        if (st <= 0 || st * e % 16 != 0 || st * e >= (int64_t(1) << 40)) return false;
    const cuuint64_t dims[4] = {cuuint64_t(head_dim), cuuint64_t(rows), cuuint64_t(heads),
                                cuuint64_t(pages)};
    const cuuint64_t strides[3] = {cuuint64_t(row_stride * e), cuuint64_t(head_stride * e),
                                   cuuint64_t(page_stride * e)};
    return sm90::encode_map_4d<T>(map, ptr, dims, strides, box_rows);
}

/* Whether `a` can take the TMA path, and its two maps if so: a contiguous cache (rows past
 * max_seqlen_k out of bounds), or pages holding whole tiles (block_size a multiple of kBlockN)
 * or tiles holding whole pages of 16 keys or more. */
template <class Spec>
bool tma_maps(const QimengDecodeArgs& a, CUtensorMap* mk, CUtensorMap* mv) {
    using T = typename Config<Spec>::T;
    constexpr int N = Config<Spec>::N;
    const bool contiguous = a.block_table == nullptr;
    const int bs = a.block_size;
    if (a.max_seqlen_k <= 0 || a.num_blocks <= 0 || a.heads_kv > 65535) return false;
    if (!contiguous && bs % N != 0 && (bs < 16 || N % bs != 0)) return false;
    const int rows = contiguous ? (a.max_seqlen_k < bs ? a.max_seqlen_k : bs) : bs;
    const int box_rows = contiguous || bs >= N ? N : bs;
    return kv_map<T>(mk, a.k, Spec::kHeadDim, rows, a.heads_kv, a.num_blocks, a.k_row_stride,
                     a.k_head_stride, a.k_page_stride, box_rows) &&
           kv_map<T>(mv, a.v, Spec::kHeadDim, rows, a.heads_kv, a.num_blocks, a.v_row_stride,
                     a.v_head_stride, a.v_page_stride, box_rows);
}

/* Whether the launch of `a` has at least QIMENG_DECODE_WIDE_PER_SM blocks for every SM of the
 * current device (the wide tiles' condition; false if the device cannot be queried). */
inline bool wide_grid(const QimengDecodeArgs& a) {
    if (QIMENG_DECODE_WIDE_PER_SM <= 0) return true;
    int dev = 0, sms = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || sms <= 0)
        return false;
    return int64_t(a.num_splits) * a.heads_kv * a.batch >= QIMENG_DECODE_WIDE_PER_SM * int64_t(sms);
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
    CUtensorMap mk{}, mv{}; /* zeros: the cp.async path never reads them */
    if constexpr (kUseTma<Spec>) {
#if QIMENG_DECODE_WIDE
        if (rows <= 16 && wide_grid(a) && tma_maps<WideSpec<Spec>>(a, &mk, &mv))
            return launch_split<WideSpec<Spec>, 1, true>(a, mk, mv, stream);
#endif
        if (tma_maps<Spec>(a, &mk, &mv)) return launch_rows<Spec, true>(a, mk, mv, stream);
    }
    return launch_rows<Spec, false>(a, mk, mv, stream);
}

}  // namespace qimeng

#endif /* QIMENG_DECODE_FWD_CUH */
