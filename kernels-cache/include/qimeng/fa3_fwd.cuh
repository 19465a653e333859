/* qimeng Hopper forward (sm_90a): a warp-specialized FlashAttention kernel family on wgmma and
 * TMA. Same launch ABI and semantics as fa2_fwd.cuh (abi.h: BSHD strides in elements, GQA,
 * bottom-right causal, zero rows for rows that see no key, any seqlen).
 *
 * An entry (or the standalone driver bench/hopper/fa3_driver.cu) defines a spec and calls
 * fa3_fwd_launch<Spec>:
 *
 *     struct Spec {
 *         using Element = __nv_bfloat16;  // or __half; Q, K, V, O and the tensor-core inputs
 *         static constexpr int kHeadDim = 128;  // 64, 128, 192 or 256
 *         static constexpr int kBlockN = 128;   // keys per step: the N of S = Q K^T
 *         static constexpr int kStages = 2;     // K and V shared-memory ring depth (>= 2)
 *         static constexpr bool kCausal = false;
 *         static constexpr bool kOverlap = true;   // intra-warpgroup: softmax(j) || P(j-1) V
 *         static constexpr bool kPingPong = true;  // consumer warpgroups take turns on the
 *                                                  // tensor cores (needs kOverlap)
 *         // Optional (absent: the default):
 *         static constexpr int kConsumerWGs = 2;   // 2 (240 registers each) or 3 (160)
 *         static constexpr bool kWarpSpecialized = true;  // false (ablation): no producer
 *                                                  // warpgroup; consumer thread 0 issues the
 *                                                  // TMA loads in line (needs kOverlap)
 *         static constexpr bool kPersistent = false;  // true: grid = SMs, each block runs
 *                                                  // tiles in turn (see below; needs the
 *                                                  // producer warpgroup)
 *         static constexpr int kRowPartials = 2;   // softmax row max / sum in 1, 2 or 4 chains
 *         static constexpr bool kRowBoundMask = true;  // masked blocks: per-row key bounds
 *         static constexpr bool kUniformQ = true;  // Q's wgmma descriptors in uniform registers
 *         static constexpr int kQStages = 2;       // persistent: Q buffers, tiles in turn (1, 2)
 *         static constexpr bool kDeferEpilogue = true;  // persistent: a tile's epilogue after
 *                                                  // the next tile's first S GEMM (see below)
 *         static constexpr bool kCrossTile = true;  // persistent: the overlapped pipeline runs
 *                                                  // on across tiles (see below)
 *         static constexpr bool kLeanEpilogue = true;  // the lean epilogue (always at d128)
 *         static constexpr int kKStages = 3;       // persistent: K's ring depth, kStages + 1
 *                                                  // (K one block ahead of V; see below)
 *         static constexpr int kHeadGroup = 16;    // persistent: the tile order past ~8k rows
 *                                                  // (see below)
 *         static constexpr bool kShortLast = true; // persistent causal window past ~8k rows:
 *                                                  // its cut tiles last (Fa3Config::kShortLast)
 *         static constexpr bool kSpecExp = true;   // the speculative lazy softmax (see below)
 *         static constexpr bool kQScale = true;    // bf16 softcap: Q scaled per tile (see below)
 *         static constexpr bool kTensorSum = true; // the row sums in the P V GEMM (head_dim
 *                                                  // 64 or 128; Fa3Config::kTensorSum)
 *         static constexpr bool kAlibiPreload = false;  // ALiBi only: its key part in the
 *                                                  // exp2 offsets, not loaded into S
 *                                                  // (Fa3Config::kAlibiPreload)
 *         // Optional variants (absent: off), with fa2_fwd.cuh's semantics:
 *         static constexpr int kWindowLeft = 1024;  // sliding window: query i sees keys
 *         static constexpr int kWindowRight = 0;    //   i + sk - sq - left ..= i + sk - sq + right
 *         static constexpr float kSoftcap = 50.f;   // s = cap * tanh(s / cap), before the masks
 *         static constexpr bool kAlibi = true;      // s += -slope * |i + sk - sq - j| (abi.h)
 *         static constexpr bool kVarlen = true;     // packed sequences by cu_seqlens (abi.h;
 *                                                   //   see below)
 *     };
 *
 * Schedule. One block (CTA) owns BM = 128 query rows of one (batch, head): three warpgroups.
 *   WG0, producer (setmaxnreg down to 24): one thread issues TMA bulk tensor loads, Q once,
 *     then K_j and V_j for every key block j into a kStages-deep ring; each slot has a "full"
 *     mbarrier (the copy engine completes its bytes on it) and an "empty" mbarrier (the 8
 *     consumer warps arrive when their wgmmas have read it).
 *   WG1, WG2, consumers (setmaxnreg up to 240): rows 64 w .. 64 w + 63 each. Per key block:
 *     S = Q K_j^T (wgmma, both operands from shared memory, f32 in registers), online softmax
 *     in the log2 domain, P rounded to 16 bits in registers, O += P V_j (wgmma, A from
 *     registers, V read MN-major from shared memory).
 *   kOverlap: step j issues S_j = Q K_j^T and O += P_{j-1} V_{j-1} back to back, waits for S_j
 *     only, runs softmax(S_j) while the P V GEMM is in flight, then waits for it and rescales
 *     O. Registers: S (BN / 2) + P (BN / 4) + O (D / 2) f32/u32 per thread.
 *   kPingPong: two named barriers make WG1 and WG2 issue their GEMM batches in turn, so one
 *     warpgroup's softmax runs while the other's GEMMs keep the tensor cores busy.
 *   Epilogue: O / l (0 for a row that saw no key) as 16-bit values into the warpgroup's own Q
 *     rows of shared memory (same swizzled layout), then a TMA store (rows past seqlen_q are
 *     clipped by the copy engine).
 * kPersistent: min(tiles, SMs) blocks take one tile per round of gridDim.x tiles (causal: in
 *   alternate directions, and the query blocks of one (head, batch) in a row, longest first, so
 *   that the tiles running at once share K/V in L2 and the blocks' work evens out; kEvenTail:
 *   the last two or three rounds longest first across their heads, so the partial last round
 *   lands on blocks that drew short tiles; kHeadGroup: when a round would cover fewer than two
 *   (head, batch) pairs, groups of kHeadGroup pairs take turns per query block, so a round
 *   spans several heads' rows); the producer
 *   loads the next tile's Q once every consumer warp released this tile's Q (q_empty, after its
 *   last S GEMM) and runs the K/V ring on across tiles, so the next tile's loads overlap this
 *   tile's last GEMMs and epilogue; O is staged in its own shared tile (kOffO). The ping-pong
 *   turns run on across tiles, so the first consumer warpgroup starts the next tile under the
 *   last one's epilogue. kQStages = 2: two Q buffers, so the next tile's Q loads as soon as the
 *   tile before this one released its buffer, under this tile's key blocks. kDeferEpilogue: a
 *   consumer warpgroup issues the next tile's first S GEMM, passes the turn on, waits for S and
 *   only then runs this tile's epilogue (o and l outlive the tile), so the other warpgroup's
 *   next GEMMs do not wait for it. kCrossTile (instead of kDeferEpilogue): a consumer
 *   warpgroup issues a tile's last P V GEMM in the next tile's first turn, right after that
 *   tile's first S GEMM, runs the next tile's first softmax under it, and then this tile's
 *   epilogue (O and P outlive the tile), so neither boundary step leaves its GEMM batch alone;
 *   the block's last tile, or one followed by a tile that sees no key, issues it in a turn of
 *   its own.
 *   kKStages = kStages + 1: K and V on rings of their own depths; the producer issues K_c before
 *   V_{c-1}, and a tile's Q after its K_0 and the previous tile's last V, so the next tile's
 *   first K loads under this tile's last blocks (d128 BN 128: Q 32 + O 32 + 3 x K 32 + 2 x V 32
 *   KiB fit the 227 KiB where a third K/V stage does not).
 * Variants (score path only; the schedule is the same): a window's key blocks wholly outside
 *   it are never loaded (the tile's loop starts at the block of its first row's first key);
 *   blocks that every row of the tile sees whole run the unmasked softmax, and only the blocks
 *   on a window edge, the diagonal or the key tail mask per element; on the tile's first and
 *   last block, a consumer warpgroup whose rows see only one 64-key half runs the softmax and
 *   P V over that half (kHalfEdges). Softcap: tanh on the scores before any mask, the cap
 *   folded into the exp2 FFMA; on blocks without a mask whose
 *   warp sees only |s scale / cap| <= 1, an odd polynomial on the FMA pipe folded into the exp2
 *   argument (kPolyTanh), else tanh.approx.f16x2 (two MUFU.TANH.F16 on sm_90). Softcap and
 *   window kernels rescale O lazily (kLazyRescale), and kSpecExp kernels (plain, window,
 *   varlen, ALiBi) take an unmasked block's exp2s before its max; bf16 softcap kernels take each row's max
 *   on the tile's first block only and keep it (kFixedMax: the cap bounds every later P), and
 *   with kQScale each consumer warpgroup scales its Q rows in shared memory once they land, so
 *   that the narrow polynomial takes two FFMAs a score (Q rounded to bf16 once more). ALiBi:
 *   the bias from the tile's slope on every visited block, before the masks; with kSpecExp
 *   the tile's key blocks are visited outward from the diagonal (kOutward), so that the bias
 *   falls from block to block.
 * Tensor maps (host, per call): 4-d (head_dim, seqlen, heads, batch) over the strided BSHD
 * tensors, boxes of 64 elements (128 bytes, the 128-byte swizzle) x rows; sequence tails are
 * zero-filled by the copy engine and masked in the last key block.
 * kVarlen: tiles (query block, head, sequence b), their count sized by max_seqlen_q; a tile past
 *   its sequence's end (every tile of an empty one) is skipped: its block leaves at once, or,
 *   persistent, the producer and the consumers pass it over alike (the Q barriers' phase counts
 *   the tiles run, not the tiles drawn). The maps cover the packed [total, heads, head_dim]
 *   tensors as one batch entry, and a tile's rows start at cu_seqlens[b]: loads past the
 *   sequence's end read the next sequence's rows (zeros past the total), which the key mask
 *   (K, V) or the discarded rows (Q) make harmless. A TMA store is clipped only at the total,
 *   so a warpgroup whose 64 rows run past its sequence's end writes its rows from shared memory
 *   with plain stores, row by row.
 */
#ifndef QIMENG_FA3_FWD_CUH
#define QIMENG_FA3_FWD_CUH

#include <cuda.h>
#include <cuda_runtime.h>
#include <math_constants.h>

#include <type_traits>
#include <utility>

#include "qimeng/abi.h"
#include "qimeng/prims.cuh"
#include "qimeng/sm90.cuh"
#include "qimeng/spec_options.cuh"

/* The kernel body is sm_90a code (wgmma, setmaxnreg): a device pass for any other target would
 * compile an empty kernel that "succeeds" without writing O. */
#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "fa3_fwd.cuh is sm_90a code: compile with -gencode=arch=compute_90a,code=sm_90a"
#endif

namespace qimeng {

/* Launch arguments this family does not implement. abi.h may grow fields (ALiBi slopes, varlen
 * cu_seqlens); whichever of them exist must be unset (ALiBi, varlen: unless the kernel is built
 * with it, and then set), else the launch is refused (an error code, not a silently wrong result).
 * Detected by name so that this header compiles against either version of QimengAttnArgs. */
template <class A, class = void>
struct HasAlibi : std::false_type {};
template <class A>
struct HasAlibi<A, decltype(void(std::declval<A>().alibi_slopes))> : std::true_type {};
template <class A, class = void>
struct HasVarlen : std::false_type {};
template <class A>
struct HasVarlen<A, decltype(void(std::declval<A>().cu_seqlens_q),
                             void(std::declval<A>().cu_seqlens_k))> : std::true_type {};

template <class A>
inline bool fa3_unsupported_fields(const A& a, bool alibi, bool varlen) {
    bool bad = false;
    if constexpr (HasAlibi<A>::value) bad |= (a.alibi_slopes != nullptr) != alibi;
    else bad |= alibi;
    if constexpr (HasVarlen<A>::value) {
        bad |= (a.cu_seqlens_q != nullptr) != varlen || (a.cu_seqlens_k != nullptr) != varlen;
        if (varlen) bad |= a.max_seqlen_q <= 0 || a.max_seqlen_q > a.seqlen_q;
    } else {
        bad |= varlen;
    }
    return bad;
}

/* Optional spec members of this family (the variant options are in spec_options.cuh). */
QIMENG_SPEC_OPTION(ConsumerWGsOf, kConsumerWGs, int, 2);
QIMENG_SPEC_OPTION(PersistentOf, kPersistent, bool, false);
QIMENG_SPEC_OPTION(WarpSpecializedOf, kWarpSpecialized, bool, true);
/* The plain softmax's row max and row sum in this many independent partial chains per row
 * (1, 2 or 4): shorter dependent chains for a warp that has the issue slots to itself. */
QIMENG_SPEC_OPTION(RowPartialsOf, kRowPartials, int, 1);
/* A masked block compares each score's key offset in the block (a constant) with per-row
 * bounds computed once (2 instructions a score, not 4: hop7). */
QIMENG_SPEC_OPTION(RowBoundMaskOf, kRowBoundMask, bool, false);
/* Q's wgmma descriptors in uniform registers (UIADD3.64 a k step) instead of precomputed in
 * vector registers and moved over by R2UR each step (hvar4, hop8); always on for softcap and
 * ALiBi. d64 causal's short schedule gains 1-4% at 1k-4k keys from it; d64 full's loses 0.4-2.4%
 * (hop8), so it is per Spec. */
QIMENG_SPEC_OPTION(UniformQOf, kUniformQ, bool, false);
/* Persistent: Q in this many shared buffers (1 or 2), the tiles taking them in turn, so the
 * producer loads the next tile's Q while this tile's key blocks run, not after its last S GEMM
 * (hop9: +1-2% on d64 / d128 causal's short schedules at 512-4k keys; -1..-2% on d128 full at
 * 1k-16k, whose 224 KiB of shared memory it fills). */
QIMENG_SPEC_OPTION(QStagesOf, kQStages, int, 1);
/* Persistent: a consumer warpgroup issues the next tile's first S GEMM and passes the turn on
 * before this tile's epilogue, so the other warpgroup's next GEMMs do not wait for it (hop9:
 * with kQStages = 2, +0.5..1.3% on d64 full's and d128 causal's short schedules; alone, -3 to
 * -4.5% at 512 keys). */
QIMENG_SPEC_OPTION(DeferEpilogueOf, kDeferEpilogue, bool, false);
/* Persistent causal: the last two or three rounds take their tiles longest first across their
 * heads (see tile_index), so the blocks' work evens out where the alternating rounds leave it
 * uneven: the last, partial round (hop12). */
QIMENG_SPEC_OPTION(EvenTailOf, kEvenTail, bool, false);
/* Persistent causal window, where a round of tiles covers fewer than two (head, batch) pairs:
 * the query blocks whose window the sequence's start cuts (fewer key blocks than the rest) run
 * after every whole-window tile, longest first across the pairs, so the last rounds deal them
 * to the blocks that draw one tile more (Fa3Config::kShortLast). */
QIMENG_SPEC_OPTION(ShortLastOf, kShortLast, bool, false);
/* Persistent: the overlapped pipeline runs across tiles. A tile's last P V GEMM is issued in
 * the next tile's first turn, after its first S GEMM, so the next tile's first softmax runs
 * under it, and the tile's epilogue follows that softmax (hop11). */
QIMENG_SPEC_OPTION(CrossTileOf, kCrossTile, bool, false);
/* The lean epilogue (Fa3Config::kLeanEpilogue; always on at head_dim 128). */
QIMENG_SPEC_OPTION(LeanEpilogueOf, kLeanEpilogue, bool, false);
/* Persistent, warp-specialized: K's ring depth (0: kStages, one ring for both). Deeper than V's,
 * the producer issues K_{c+1} before V_c, so a tile's first K (and its first S GEMM) does not
 * queue behind the last V slots of the tile before it (hwin4, session 8). */
QIMENG_SPEC_OPTION(KStagesOf, kKStages, int, 0);
/* Persistent: when a round of tiles (one per block) would cover fewer than two (head, batch)
 * pairs, the tiles run in groups of this many pairs instead, the pairs of a group taking turns
 * query block by query block (causal: longest first), so that a round spans several heads'
 * rows; 0: one pair's query blocks after another always. The blocks of a round that read
 * different key blocks of one head at once (a window's tiles) run slower than when they spread
 * over several heads (session 9: causal w4096_0 at 16k keys, 0.83 -> 0.95x plain). */
QIMENG_SPEC_OPTION(HeadGroupOf, kHeadGroup, int, 0);
/* The speculative lazy softmax (overlapped schedule, not softcap): an unmasked key block after a
 * tile's first, but its last, takes its exp2s at the warp's running max at once, before its own
 * max is known (the max and its shuffles were ~0.45k cycles of the window's ~1.24k-cycle
 * softmax, ahead of every exp2: hprof2; FMNMX runs at half rate), and checks afterwards on P
 * itself (an integer max of P's bits): a row whose P passed 2^32 (bf16; f16 2^15) moves to its
 * own max by scaling its P, one past 2^64 (or a NaN) has S computed again by its warp alone
 * (mma.sync from shared memory: K_j and Q are held until the softmax is done). A block after
 * one that moved the max takes the exact path. Implies the lazy rescale (session 10). */
QIMENG_SPEC_OPTION(SpecExpOf, kSpecExp, bool, false);
/* bf16 softcap: each tile's Q scaled in shared memory so that the narrow tier's polynomial takes
 * two FFMAs a score, not three (Fa3Config::kQScale says how, and what it costs in accuracy). */
QIMENG_SPEC_OPTION(QScaleOf, kQScale, bool, false);
/* The row sums l on the tensor cores: V's shared-memory stages carry a box of ones past the
 * head dim, and the P V GEMM is N = head_dim + 8, so the softmax adds no P
 * (Fa3Config::kTensorSum). */
QIMENG_SPEC_OPTION(TensorSumOf, kTensorSum, bool, false);
/* bf16 softcap: a masked block whose warp sees only narrow scores takes the narrow tier's
 * polynomial folded into its exp2s, masked after (Fa3Config::kMaskedFold). */
QIMENG_SPEC_OPTION(MaskedFoldOf, kMaskedFold, bool, false);
/* ALiBi: the bias's key part loaded into S's accumulator before each S GEMM (true), or added in
 * each score's exp2 offset (false; Fa3Config::kAlibiPreload says when each wins). */
QIMENG_SPEC_OPTION(AlibiPreloadOf, kAlibiPreload, bool, true);

template <class Spec>
struct Fa3Config {
    using Element = typename Spec::Element;
    static constexpr int kHeadDim = Spec::kHeadDim;
    static constexpr int kBlockN = Spec::kBlockN;
    static constexpr int kStages = Spec::kStages;
    static constexpr int kKStages = KStagesOf<Spec>::value > 0 ? KStagesOf<Spec>::value : kStages;
    /* K and V on rings of their own depths, K one block ahead (kKStages) */
    static constexpr bool kSplitRing = kKStages != kStages;
    static constexpr bool kCausal = Spec::kCausal;
    static constexpr bool kOverlap = Spec::kOverlap;
    static constexpr bool kPingPong = Spec::kPingPong;

    static constexpr int kConsumerWGs = ConsumerWGsOf<Spec>::value;
    static constexpr bool kWarpSpecialized = WarpSpecializedOf<Spec>::value;
    static constexpr bool kPersistent = PersistentOf<Spec>::value;
    static constexpr int kRowPartials = RowPartialsOf<Spec>::value;
    static constexpr bool kRowBoundMask = RowBoundMaskOf<Spec>::value;
    static constexpr int kQStages = QStagesOf<Spec>::value;
    static constexpr bool kDeferEpilogue = DeferEpilogueOf<Spec>::value;
    static constexpr bool kEvenTail = EvenTailOf<Spec>::value;
    /* kShortLast: a causal window's tiles are nearly all equal (a whole window of key blocks)
     * but for the first ceil(left / BM) query blocks of each sequence, which see from 1 key
     * block up. In the (head, batch)-outer order those come with every pair's last tiles; where
     * a round covers about one pair (2 m_blocks > grid: 16k rows and up on an H100) they fall
     * on the same blocks round after round, and the blocks that run one tile more than others
     * draw whole-window ones: ncu puts w1024_0's busiest SM 6% over the mean at 16k keys, 4.6%
     * at 8k (the floor of 2048 tiles on 132 SMs is 3.1%). Dealt last there, longest first
     * across the pairs: w1024_0 +0.6..1.9%, w1024_0 + softcap +0.1..1.2% at 16k (session 18).
     * Below that switch the order is the committed one: dealt last at 4k-8k they lost 0.6-5.3%
     * (their keys out of L2, many short tiles in a row on one block). */
    static constexpr bool kShortLast = ShortLastOf<Spec>::value;
    static constexpr bool kCrossTile = CrossTileOf<Spec>::value;
    static constexpr int kHeadGroup = HeadGroupOf<Spec>::value;
    /* The lean epilogue (hepi, session 7): the shared base aligned in the shared window (STS /
     * STSM, not generic ST.E), O by stmatrix, 1 / l by rcp.approx and, in the plain overlapped
     * schedule, under the last P V GEMM. d128 only: +0.4..1.8% on every d128 FA3-grid cell and
     * the window / softcap entries, but -0.7..1.1% on d64 full 1k-16k and d64 causal 4k-16k
     * (bench/results/h100-fa3-entries-2026-11-26.md, Session 7 (hepi)); elsewhere only where a
     * Spec asks for it (d64 full's schedule for up to 512 keys: +2.7% at 512, -0.9% at 1k;
     * new-entry.py FA3_TINY), and the other schedules keep the code (PTX) they were verified
     * and timed with. */
    static constexpr bool kLeanEpilogue = kHeadDim == 128 || LeanEpilogueOf<Spec>::value;
    /* Sliding window: -1 on a side is unbounded; causal is a right bound of 0. */
    static constexpr int kWindowLeft = WindowLeftOf<Spec>::value;
    static constexpr int kWindowRight = kCausal ? 0 : WindowRightOf<Spec>::value;
    static constexpr bool kHasLeft = kWindowLeft >= 0;
    static constexpr bool kHasRight = kCausal || kWindowRight >= 0;
    static constexpr float kSoftcap = SoftcapOf<Spec>::value;
    static constexpr bool kAlibi = AlibiOf<Spec>::value;
    static constexpr bool kVarlen = VarlenOf<Spec>::value;
    /* softcap and ALiBi always keep Q's descriptors uniform (hvar4); others per Spec (hop8) */
    static constexpr bool kUniformQ = UniformQOf<Spec>::value || kAlibi || kSoftcap > 0.f;
    /* Lazy rescale (fa2_fwd.cuh's, FA4's idea) for the softcap and window kernels and every
     * kSpecExp kernel: a warp keeps its rows' stale max, and skips the O rescale, unless some
     * row's block max passed it by more than kRescaleThreshold (log2 units); then P <= 2^8
     * (finite in bf16/f16) and O / l is exact (both share the stale max). Without kSpecExp the
     * plain, ALiBi and varlen paths keep the eager update (ALiBi lazy measured -0.5% causal, +1%
     * full: hvar3, bench/results/h100-variants-2026-11-26.md run 4). The lazy path carries
     * ALiBi's row term (session 10); ALiBi takes it only with kSpecExp (and kOutward). */
    static constexpr bool kSpecExp = SpecExpOf<Spec>::value;
    /* kSpecExp: a speculative block keeps the running max while its P stays within this
     * (bits): 2^32 in bf16 (f32's exponent range: O's f32 sums stay finite while keys x |V| <
     * 2^96), 2^15 in f16 (its largest finite value is 65504); past it the row moves to its own
     * max, and past kSpecLimitBits (2^64) S is needed again (then alpha >= 2^-64 stays a
     * normal f32, which the ftz exp2 and the products keep) */
    static constexpr uint32_t kSpecKeepBits =
        std::is_same<Element, __nv_bfloat16>::value ? 0x4f800000u : 0x47000000u;
    static constexpr uint32_t kSpecLimitBits = 0x5f800000u;
    /* ALiBi with kSpecExp visits a tile's key blocks outward from the diagonal: the block that
     * holds the tile's first diagonal key, then those right of it in order, then those left of
     * it back to the first. Both ways the bias falls block by block, so the max the first
     * block sets keeps holding, as on the plain kernel; in key order the bias climbs by up to
     * slope BN log2 e (about 130 units) per block left of the diagonal, and each block moved
     * the max (session 10: -2.6% on full; predicting the climb instead, -5%: session 11). */
    static constexpr bool kOutward = kAlibi && kSpecExp;
    /* ALiBi: a block on one side of the diagonal has the bias's key part -sg a (8 c + e % 2) in
     * S before its softmax, 16 LDS.128 a warp from a per-tile shared table into S's
     * accumulator at the end of the step before (the S GEMM adds onto it); or, without the
     * preload, one FFMA a score in the exp2 offset, off S's path. The loads land late (shared
     * memory is busy with the wgmma operands) and the next S GEMM waits for them: ncu (session
     * 15) put ~8% of full ALiBi's warp samples there. Full ALiBi gains 0.7-3.6% (2k-16k keys)
     * without them; causal ALiBi, whose softmax also takes the masked diagonal block, loses
     * 0.3-1.3% (call 4, bench/results/h100-variants-2026-11-26.md "Session 15"). */
    static constexpr bool kAlibiPreload = kAlibi && AlibiPreloadOf<Spec>::value;
    static constexpr bool kLazyRescale =
        kSpecExp || (!kAlibi && !kVarlen && (kSoftcap > 0.f || kHasLeft || (!kCausal && kHasRight)));
    static constexpr float kRescaleThreshold = 8.f;
    /* kPolyTanh's blocks skip the rescale without an exact max while an upper bound of their
     * row maxima stays within this of the stale max (then P <= 2^14: finite in f16 and bf16).
     * Wider than kRescaleThreshold: the bound (from max |s|) sits above the exact max by a few
     * units on typical rows, and a warp whose bound keeps passing the stale max would take the
     * exact max on every block. */
    static constexpr float kBoundThreshold = 14.f;
    /* Softcap: blocks without a mask whose scores all have |s scale / cap| <= 1/4 (checked
     * per warp; every score of a typical block) take tanh as an odd polynomial on the FMA pipe
     * (kTanhS) instead of MUFU, up to 1 the degree-7 kTanhP: then softcap's MUFU work is the
     * plain kernel's. Both tiers stay: without the degree-7 one the loop is smaller and small
     * scores gain 2%, but scores past a quarter of the cap lose 13-17% (hvar5), and a loop
     * made as small with both tiers gains nothing (hvar6: bench/results/h100-variants-2026-11-26.md,
     * sessions 5 and 6). */
    static constexpr bool kPolyTanh = kSoftcap > 0.f && !kVarlen;
    /* Softcap bounds every logit to [-C, C] (C = cap log2(e), exp2's units), so with P in bf16
     * (f32's exponent range) a tile needs its rows' max only once: its first key block takes
     * the lazy max as above, from a floor of C - 100 instead of -inf, and the later blocks keep
     * that offset, with no row max, growth vote or O rescale. Every later P is then at most
     * 2^(C - floor) = 2^100, finite in bf16 and f32, and O / l is the quotient a moving max
     * gives; O stays finite while keys x |V| < 2^28 in the worst case (every first-block score
     * at -C and later ones at +C). The first block's exact max keeps P = 1 for the row's largest
     * score there, so a row with one key is exact (a fixed offset for every block was not:
     * bf16's rounding of P against l's f32 sum, 7.8e-3 at one key). f16 (largest 2^16) and
     * caps past C = 100 keep the lazy max on every block. */
    static constexpr bool kFixedMax = kPolyTanh && std::is_same<Element, __nv_bfloat16>::value &&
                                      kSoftcap * 1.4426950408889634f <= 100.f;
    static constexpr float kOffsetFloor = kSoftcap * 1.4426950408889634f - 100.f;
    /* kQScale (bf16 softcap): each consumer warpgroup scales its 64 rows of the tile's Q in
     * shared memory, once Q has landed, by qs = (cap log2(e) |kTanhS1|)^(1/3) scale / cap, and
     * every tier takes its coefficients for the scaled scores qs s. Then the narrow tier's
     * cubic coefficient is -1 and its exp2 argument s (t0 - s^2) + off takes two FFMAs a score
     * instead of FMUL + two FFMAs: the FMA pipe's third op cost ~10% of the causal softcap
     * entry (session 13: an ablation; kQScale gains +4.5% at 8k keys, +3% at 16k, Gemma 2's
     * window +4%, bench/results/h100-variants-2026-11-26.md). The cost is accuracy: the scaled
     * Q is rounded to bf16 once more (2^-9 relative per element, like scaling Q in bf16 before
     * the kernel): rel L2 against f32 2.1e-3 -> 2.6e-3 at q x 1, 2.4e-3 -> 4.4e-3 / 5.2e-3 at
     * q x 4 / 8, where the scores take the wide tier and the pass over Q costs 1.5-2.5%.
     * Scaling only where the warps took the narrow tier before keeps the wide scores'
     * accuracy; its best forms measured ran 1.5-2% under this one at 8k keys (session 13,
     * calls 5-14: raw/s13/qscale-adaptive*.patch). */
    static constexpr bool kQScale = QScaleOf<Spec>::value;
    /* kTensorSum: l = P 1 in the P V GEMM itself. Each V stage has a third 128-byte box of
     * ones after its head dim, and the GEMM's N is head_dim + 8: its last 8 columns (4 more
     * accumulators a thread, every column the row's sum) are l, rescaled with O. The softmax's
     * FADD per score leaves the FMA pipe, and l sums the same 16-bit P that O does. A separate
     * m64n8k16 row-sum wgmma per k step instead cost 5-9% (session 14, calls 1-2). */
    static constexpr bool kTensorSum = TensorSumOf<Spec>::value;
    /* kMaskedFold (kFixedMax): a masked block after the tile's first (a causal window's
     * diagonal block; its left edge comes first and sets the offset), while the warp's last
     * polynomial block took the narrow tier, takes that tier's test (a compare per score, one
     * vote); if every score of the warp is narrow, the cubic is folded into the exp2 argument
     * (two FFMAs with kQScale) and the mask selects -inf for it, instead of MUFU tanh with its
     * packing and unpacking, and the exp2's own FFMA. Session 17: w1024_0 + softcap +1.0..1.9%,
     * causal softcap's short schedule +2.3% at 8k keys, Gemma 2's window +0.3%, within 0.6% at
     * q x 4-8. Session 16's kMaskedPoly (tanh as the cubic, then the masked softmax as before:
     * two FMA-pipe ops a score more) lost 3-4%; visiting the left edge last so that it folds
     * too (session 17's kEdgeLast) lost 0.6-1.9%. */
    static constexpr bool kMaskedFold = MaskedFoldOf<Spec>::value;
    /* O's accumulators a thread (kTensorSum: and l's) */
    static constexpr int kOAcc = kHeadDim / 2 + (kTensorSum ? 4 : 0);
    /* Window kernels: a consumer warpgroup's 64 rows may see only one 64-key half of the tile's
     * first or last key block (a window edge: w1024_0's first and diagonal blocks, w256_256's
     * first and last); it then takes that block's masked softmax and P V GEMM over that half
     * alone, S staying the whole block's (bench/results/h100-variants-2026-11-26.md, session 5:
     * +1.5% w1024_0, +2.5% w256_256). */
    static constexpr bool kHalfEdges = (kHasLeft || (kHasRight && !kCausal)) && kBlockN == 128;
    static constexpr int kBlockM = 64 * kConsumerWGs; /* a wgmma M is 64 rows per warpgroup */
    static constexpr int kProducerWGs = kWarpSpecialized ? 1 : 0;
    static constexpr int kThreads = 128 * (kProducerWGs + kConsumerWGs);
    /* 24 x 128 + 240 x 256 (or 160 x 384) = 64512 of the SM's 65536 registers */
    static constexpr int kProducerRegs = 24;
    static constexpr int kConsumerRegs = kConsumerWGs == 2 ? 240 : 160;

    static constexpr int kBoxCols = 64; /* 16-bit elements in a 128-byte swizzled row */
    static constexpr int kBoxes = kHeadDim / kBoxCols;
    static constexpr int kTileQBytes = kBlockM * kHeadDim * 2;
    static constexpr int kTileKVBytes = kBlockN * kHeadDim * 2;
    static constexpr int kOffK = kQStages * kTileQBytes;
    static constexpr int kOffV = kOffK + kKStages * kTileKVBytes;
    /* a V stage (kTensorSum: and its box of ones) */
    static constexpr int kTileVBytes = kTileKVBytes + (kTensorSum ? kBlockN * 128 : 0);
    /* persistent: O is staged in its own buffer, so the next tile's Q can land during the
     * epilogue; otherwise in the Q rows (the block's last use of them) */
    static constexpr int kOffO = kOffV + kStages * kTileVBytes;
    static constexpr int kOffBar = kOffO + (kPersistent ? kTileQBytes : 0);
    static constexpr int kBarBytes = 8 * (2 * kQStages + 2 * kKStages + 2 * kStages);
    /* kAlibiPreload: per consumer warpgroup, the key part of the bias for the tile's slope (f32,
     * one accumulator fragment per side of the diagonal), the S GEMM's initial accumulator;
     * none without the preload */
    static constexpr int kOffAlibi = kOffBar + kBarBytes;
    static constexpr int kAlibiBytes = kAlibiPreload ? kConsumerWGs * 2 * (kBlockN / 2) * 4 : 0;
    /* + 1024: the dynamic shared-memory base is aligned up to 1024 bytes in the kernel */
    static constexpr int kSmemBytes = kOffBar + kBarBytes + kAlibiBytes + 1024;

    static_assert(std::is_same<Element, __half>::value ||
                      std::is_same<Element, __nv_bfloat16>::value,
                  "Element is __half or __nv_bfloat16");
    static_assert(kHeadDim % 64 == 0 && kHeadDim <= 256, "head_dim is 64, 128, 192 or 256");
    static_assert(kBlockN % 16 == 0 && kBlockN >= 64 && kBlockN <= 256,
                  "BN is the N of one wgmma: a multiple of 16, 64..256");
    static_assert(kStages >= 2, "the producer runs at least one block ahead");
    static_assert(!kSplitRing || (kKStages == kStages + 1 && kPersistent && kOverlap),
                  "kKStages: kStages + 1 (K one block ahead of V), on the persistent overlapped "
                  "schedule");
    static_assert(!kPingPong || kOverlap, "ping-pong is scheduled around the overlapped step");
    static_assert(kConsumerWGs == 2 || kConsumerWGs == 3, "2 or 3 consumer warpgroups");
    static_assert(kWarpSpecialized || kOverlap, "the in-line producer sits in the overlapped step");
    static_assert(!kPersistent || kWarpSpecialized, "the persistent loop needs the producer warpgroup");
    /* S, P and O (with kTensorSum's l) per consumer thread, and 32 registers for the rest. The
     * d64 3-warpgroup schedule with kTensorSum is 4 over (132 of 160 - 32): ptxas spills 4-20
     * bytes, one reload in the causal masked path, and it still measured 2.3-2.9% faster than
     * without kTensorSum (session 14); kRegSlack admits those 4. */
    static constexpr int kRegSlack = kTensorSum && kConsumerWGs == 3 ? 4 : 0;
    static_assert(kBlockN / 2 + kBlockN / 4 + kOAcc <= kConsumerRegs - 32 + kRegSlack,
                  "S, P and O of one consumer thread fit its registers");
    static_assert(kSmemBytes <= 227 * 1024, "shared memory exceeds the sm_90 block limit");
    static_assert(kOffAlibi % 16 == 0, "the ALiBi table is read 16 bytes at a time");
    static_assert(!kTensorSum || kHeadDim == 64 || kHeadDim == 128,
                  "kTensorSum: the P V wgmma is N = head_dim + 8, generated for 72 and 136 "
                  "(N = 264 would pass wgmma's 256)");
    static_assert(!kTensorSum || (!kDeferEpilogue && !kCrossTile),
                  "kTensorSum: l lives in O's accumulators, which a pending tile does not keep");
    static_assert(!kCausal || WindowRightOf<Spec>::value <= 0,
                  "a causal window has kWindowRight == 0");
    static_assert(kSoftcap >= 0.f, "kSoftcap is a positive cap, or 0 for none");
    static_assert(!kMaskedFold || (kFixedMax && kRowBoundMask && !kAlibi),
                  "kMaskedFold: kFixedMax's tiers, kRowBoundMask's per-row bounds");
    static_assert(kQStages == 1 || (kQStages == 2 && kPersistent),
                  "kQStages is 1, or 2 on the persistent schedule");
    static_assert(!kDeferEpilogue || (kPersistent && kPingPong && !kAlibi && !kVarlen),
                  "kDeferEpilogue: the plain persistent ping-pong schedule");
    static_assert(!kEvenTail || (kPersistent && kCausal), "kEvenTail: the persistent causal schedule");
    static_assert(!kCrossTile || (kPersistent && kPingPong && !kAlibi && !kVarlen &&
                                  !kDeferEpilogue),
                  "kCrossTile: the persistent ping-pong schedule, not with kDeferEpilogue "
                  "(it defers the epilogue itself), ALiBi or varlen");
    static_assert(kHeadGroup == 0 || (kHeadGroup > 0 && kHeadGroup <= 64 && kPersistent &&
                                      !kEvenTail),
                  "kHeadGroup: 1..64 (tile_at's int index math), on the persistent schedule (not "
                  "with kEvenTail)");
    static_assert(!kShortLast || (kPersistent && kCausal && kHasLeft && !kVarlen &&
                                  kHeadGroup == 0 && !kEvenTail),
                  "kShortLast: a causal window on the persistent schedule, not varlen (its "
                  "sequences' lengths are per batch entry), nor with kHeadGroup or kEvenTail "
                  "(other tile orders)");
    static_assert(kRowPartials == 1 || kRowPartials == 2 || kRowPartials == 4,
                  "kRowPartials is 1, 2 or 4");
    static_assert(!kSpecExp || (kOverlap && kSoftcap == 0.f),
                  "kSpecExp: the overlapped schedule's lazy softmax, without softcap (whose bf16 "
                  "kernels take no max after a tile's first block: kFixedMax)");
    static_assert(!kQScale || (kPolyTanh && std::is_same<Element, __nv_bfloat16>::value),
                  "kQScale: the bf16 softcap polynomial (scaled f16 inputs would lose range)");
    static_assert(!kOutward || !kHalfEdges, "kOutward: a window's half-block edges assume key order");
    static_assert(!(kAlibi && kSoftcap > 0.f),
                  "ALiBi and softcap do not combine (qimeng-spec's check_variants says why)");
};

/* tanh of two f32 values in one PTX op (tanh.approx.f16x2; sm_90 runs it as two MUFU.TANH.F16,
 * so the MUFU work is one op per score either way): through f16 (2^-11 relative rounding of the
 * input; past 65504 it becomes inf, whose tanh 1 it would have saturated to), the result's
 * relative error tanh.approx.f32's 2^-11; packed, a in the low half. */
__device__ __forceinline__ uint32_t tanh2_f16(float a, float b) {
    uint32_t h;
    asm("{\n\t.reg .b32 x;\n\tcvt.rn.f16x2.f32 x, %2, %1;\n\ttanh.approx.f16x2 %0, x;\n\t}\n"
        : "=r"(h)
        : "f"(a), "f"(b));
    return h;
}

/* tanh(x) = x P(x^2) on |x| <= 1: P of degree 3 through the 4 Chebyshev nodes of x^2 in
 * [0, 1] (relative error 8.4e-5, absolute 6.0e-5: under tanh.approx's 2^-11 relative; tanh is
 * increasing there, and so is x P(x^2)). */
constexpr float kTanhP0 = 0.9999159574508667f, kTanhP1 = -0.33060958981513977f,
                kTanhP2 = 0.11878100037574768f, kTanhP3 = -0.02655303105711937f;
/* The same on |x| <= 1/4: degree 1 through the 2 Chebyshev nodes of x^2 in [0, 1/16] (relative
 * error 6.4e-5, absolute 1.6e-5; x P(x^2) increasing there). */
constexpr float kTanhS0 = 0.9999365210533142f, kTanhS1 = -0.3251805305480957f;

/* An f16x2 bit pattern as two f32 values (low half first). */
__device__ __forceinline__ float2 unpack_f16x2(uint32_t h) {
    return __half22float2(*reinterpret_cast<const __half2*>(&h));
}

/* 16 bytes of shared memory at a shared-window address, as one 128-bit load. Volatile: stays
 * behind the barrier that publishes the data. */
__device__ __forceinline__ float4 lds_f32x4(uint32_t addr) {
    float4 v;
    asm volatile("ld.shared.v4.f32 {%0, %1, %2, %3}, [%4];\n"
                 : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
                 : "r"(addr)
                 : "memory");
    return v;
}

/* lds_f32x4's store (volatile: it stays before the fence and barrier that publish it) */
__device__ __forceinline__ void sts_f32x4(uint32_t addr, float4 v) {
    asm volatile("st.shared.v4.f32 [%0], {%1, %2, %3, %4};\n" ::"r"(addr), "f"(v.x), "f"(v.y),
                 "f"(v.z), "f"(v.w)
                 : "memory");
}

/* The two bf16 values in a 32-bit register's bits times an f32 factor: each product in f32,
 * then rounded to bf16 (a double rounding, at most one bf16 ulp off where it happens) */
__device__ __forceinline__ float scale_bf16x2(float bits, float f) {
    const uint32_t x = __float_as_uint(bits);
    const float lo = __uint_as_float(x << 16) * f, hi = __uint_as_float(x & 0xffff0000u) * f;
    const __nv_bfloat162 r = __floats2bfloat162_rn(lo, hi);
    return __uint_as_float(*reinterpret_cast<const uint32_t*>(&r));
}

/* 1 / x by the approximate reciprocal (max relative error 2^-23; x >= 1 here: a row sum
 * includes its maximum's exp(0) = 1, so flushing subnormals cannot matter). */
__device__ __forceinline__ float rcp_approx(float x) {
    float r;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

/* log2(x), approximate (lg2.approx.ftz): one MUFU op. */
__device__ __forceinline__ float log2_approx(float x) {
    float y;
    asm("lg2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
    return y;
}

/* ldmatrix x4 at a shared-window address. */
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}

/* kSpecExp's rare path: one warp's 16 rows of S = Q K^T again, from Q and K in shared memory
 * (128-byte swizzled rows: chunk c of a row at c ^ (address bits 7..9), boxes of 64 columns),
 * by mma.sync, which is warp-level: the other warps of the warpgroup need not join, as a wgmma
 * would need. Its m16n8 fragment is the wgmma accumulator's, chunk by 8-column chunk (s[4 c ..
 * 4 c + 3]). q_rows: the warp's first Q row in box 0; k_tile: K's stage. */
template <class Cfg>
__device__ __forceinline__ void fa3_warp_qk(float (&s)[Cfg::kBlockN / 2], uint32_t q_rows,
                                         uint32_t k_tile, int lane, bool acc) {
    using T = typename Cfg::Element;
    constexpr int BN = Cfg::kBlockN, BM = Cfg::kBlockM;
    if (!acc) /* acc: S starts from s (ALiBi's key bias) */
#pragma unroll
        for (int i = 0; i < BN / 2; ++i) s[i] = 0.f;
    auto swz = [](uint32_t row, int chunk) { return row + ((chunk ^ ((row >> 7) & 7)) << 4); };
#pragma unroll 1
    for (int kk = 0; kk < Cfg::kHeadDim / 16; ++kk) {
        const int box = kk / 4, ch = 2 * (kk % 4);
        uint32_t a[4];
        ldsm_x4(a, swz(q_rows + box * BM * 128 + (lane & 15) * 128, ch + (lane >> 4)));
#pragma unroll
        for (int nn = 0; nn < BN / 16; ++nn) {
            uint32_t b[4];
            ldsm_x4(b, swz(k_tile + box * BN * 128 + (16 * nn + (lane & 7) + 8 * (lane >> 4)) * 128,
                           ch + ((lane >> 3) & 1)));
            mma_m16n8k16<T>(*reinterpret_cast<float(*)[4]>(&s[8 * nn]), a, b[0], b[1]);
            mma_m16n8k16<T>(*reinterpret_cast<float(*)[4]>(&s[8 * nn + 4]), a, b[2], b[3]);
        }
    }
}

/* Named barrier ids (0 is __syncthreads). */
enum Fa3Barrier : int {
    kBarSchedBase = 1,    /* + consumer warpgroup: its turn to issue GEMMs (ping-pong) */
    kBarEpilogueBase = 4, /* + consumer warpgroup: its 128 threads */
};

/* 16-bit stores of four 8 x 8 matrices, one register of each per thread in the MMA
 * accumulator layout (row lane / 4, columns 2 (lane % 4) and + 1); lane i names the 16-byte
 * row i % 8 of matrix i / 8 at shared-window address addr. */
__device__ __forceinline__ void stmatrix_x4(uint32_t addr, uint32_t r0, uint32_t r1, uint32_t r2,
                                            uint32_t r3) {
    asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};\n" ::"r"(addr),
                 "r"(r0), "r"(r1), "r"(r2), "r"(r3)
                 : "memory");
}

/* 1 / a row's sum, 0 for a row that saw no key. kApprox: rcp.approx (one MUFU, no IEEE slow
 * path), within an ulp of 1 / sum, far below the 16-bit rounding of the O it scales. */
template <bool kApprox>
__device__ __forceinline__ float fa3_inv_sum(float sum) {
    if constexpr (kApprox)
        return sum > 0.f ? rcp_approx(sum) : 0.f;
    else
        return sum > 0.f ? 1.f / sum : 0.f;
}
/* The thread's two accumulator rows' 1 / l from its partial row sums (kLeanEpilogue: by
 * rcp.approx). */
template <class Cfg>
__device__ __forceinline__ void fa3_row_inv(const float (&l)[2], float (&inv)[2]) {
#pragma unroll
    for (int r = 0; r < 2; ++r) inv[r] = fa3_inv_sum<Cfg::kLeanEpilogue>(quad_sum(l[r]));
}

/* fa3_row_inv for kTensorSum: l is O's last accumulator chunk (rows g and g + 8; every
 * column holds the row's whole sum, so no quad sum), rcp.approx as kLeanEpilogue */
template <class Cfg>
__device__ __forceinline__ void fa3_row_inv_sums(const float (&o)[Cfg::kOAcc], float (&inv)[2]) {
#pragma unroll
    for (int r = 0; r < 2; ++r) inv[r] = fa3_inv_sum<true>(o[Cfg::kHeadDim / 2 + 2 * r]);
}

/* The epilogue of one consumer warpgroup's tile: O x inv (fa3_row_inv) as 16-bit values into
 * its rows of the staging tile sOut, then a TMA store (varlen: row-clipped plain stores for a
 * tail). g, t: the thread's accumulator row group and column pair. */
template <class Cfg>
__device__ __forceinline__ void fa3_store_o(const float (&o)[Cfg::kOAcc],
                                            const float (&inv)[2], int row0, int seqlen_q,
                                            int q_start, int head, int map_batch,
                                            unsigned char* sOut, int w, int wtid, int g, int t,
                                            const CUtensorMap* tmO, const QimengAttnArgs& args) {
    using T = typename Cfg::Element;
    constexpr int BM = Cfg::kBlockM, D = Cfg::kHeadDim;
    using namespace sm90;
    /* persistent: the previous tile's store has read the staging rows */
    if (Cfg::kPersistent && wtid == 0) tma_store_wait_read();
    /* every warp of this warpgroup is past its last wgmma reading its Q rows (and,
     * persistent, the previous store is done with the staging rows) */
    named_bar_sync(kBarEpilogueBase + w, 128);
    /* the warpgroup's own rows (64 rows x 128 B per box, swizzled like the TMA layout).
     * kLeanEpilogue: two 16-byte chunks c, c + 1 (c even) of the warp's 16 rows per stmatrix: matrix m is chunk
     * c + m / 2 of rows 8 (m % 2) .. + 7, i.e. accumulator values 4 (c + m / 2) + 2 (m % 2)
     * and + 1. Lane i's row r = 16 warp + 8 (m % 2) + i % 8 (m = i / 8) has r % 8 = i % 8, so
     * its chunk lands at ((c % 8) ^ (m / 2) ^ (i % 8)) x 16 bytes */
    const int r_local = 16 * (wtid / 32) + g; /* plain stores: and + 8 */
    unsigned char* sO = sOut + 64 * w * 128;
    if constexpr (Cfg::kLeanEpilogue) {
        const int lane = wtid % 32, m = lane / 8;
        const uint32_t row_addr =
            smem_u32(sO) + (16 * (wtid / 32) + 8 * (m % 2) + lane % 8) * 128;
        const int x = (m / 2) ^ (lane % 8);
#pragma unroll
        for (int c = 0; c < D / 8; c += 2) {
            stmatrix_x4(row_addr + (c / 8) * BM * 128 + (((c % 8) ^ x) * 16),
                        pack2<T>(o[4 * c] * inv[0], o[4 * c + 1] * inv[0]),
                        pack2<T>(o[4 * c + 2] * inv[1], o[4 * c + 3] * inv[1]),
                        pack2<T>(o[4 * c + 4] * inv[0], o[4 * c + 5] * inv[0]),
                        pack2<T>(o[4 * c + 6] * inv[1], o[4 * c + 7] * inv[1]));
        }
    } else {
        /* one 32-bit store per row and chunk (r % 8 == g) */
#pragma unroll
        for (int c = 0; c < D / 8; ++c) {
            const int box = c / 8, chunk = c % 8;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int r = r_local + 8 * h;
                unsigned char* dst = sO + box * BM * 128 + r * 128 + ((chunk ^ g) * 16) + 4 * t;
                *reinterpret_cast<uint32_t*>(dst) =
                    pack2<T>(o[4 * c + 2 * h] * inv[h], o[4 * c + 2 * h + 1] * inv[h]);
            }
        }
    }
    fence_proxy_async_smem();
    named_bar_sync(kBarEpilogueBase + w, 128);
    const int rows_left = seqlen_q - (row0 + 64 * w); /* this warpgroup's real rows */
    if (Cfg::kVarlen && rows_left > 0 && rows_left < 64) {
        /* the TMA store would write the next sequence's rows: 16-byte chunks, row-clipped */
        constexpr int kChunks = D / 8;
        T* gO = static_cast<T*>(args.o) +
                int64_t(q_start + row0 + 64 * w) * args.o_row_stride +
                int64_t(head) * args.o_head_stride;
#pragma unroll
        for (int i = wtid; i < 64 * kChunks; i += 128) {
            const int r = i / kChunks, c = i % kChunks;
            if (r < rows_left) {
                const unsigned char* src =
                    sO + (c / 8) * BM * 128 + r * 128 + (((c % 8) ^ (r % 8)) * 16);
                *reinterpret_cast<uint4*>(gO + int64_t(r) * args.o_row_stride + c * 8) =
                    *reinterpret_cast<const uint4*>(src);
            }
        }
    } else if (wtid == 0 && rows_left > 0) {
#pragma unroll
        for (int b = 0; b < Cfg::kBoxes; ++b)
            tma_store_4d(tmO, sO + b * BM * 128, b * 64, q_start + row0 + 64 * w, head,
                         map_batch);
        tma_store_commit();
        /* persistent: waited for at the next tile's epilogue, or below */
        if (!Cfg::kPersistent) tma_store_wait_read();
    }
}

/* kDeferEpilogue: the tile whose epilogue is still to run (valid), and what its store needs */
struct Fa3Pending {
    int row0, seqlen_q, q_start, head, map_batch;
    bool valid;
};

/* kDeferEpilogue: the pending tile's epilogue (o, l hold its rows), then o and l zero for the
 * tile starting now */
template <class Cfg>
__device__ __forceinline__ void fa3_flush_pending(float (&o)[Cfg::kOAcc], float (&l)[2],
                                                  Fa3Pending& pend, unsigned char* sOut, int w,
                                                  int wtid, int g, int t, const CUtensorMap* tmO,
                                                  const QimengAttnArgs& args) {
    if (pend.valid) {
        float inv[2];
        fa3_row_inv<Cfg>(l, inv);
        fa3_store_o<Cfg>(o, inv, pend.row0, pend.seqlen_q, pend.q_start, pend.head, pend.map_batch,
                         sOut, w, wtid, g, t, tmO, args);
    }
    pend.valid = false;
#pragma unroll
    for (int i = 0; i < Cfg::kOAcc; ++i) o[i] = 0.f;
    l[0] = l[1] = 0.f;
}

template <class Spec>
__global__ void __launch_bounds__(Fa3Config<Spec>::kThreads, 1)
    fa3_fwd_kernel(const __grid_constant__ CUtensorMap tmQ, const __grid_constant__ CUtensorMap tmK,
                   const __grid_constant__ CUtensorMap tmV, const __grid_constant__ CUtensorMap tmO,
                   const QimengAttnArgs args) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
    using Cfg = Fa3Config<Spec>;
    using T = typename Cfg::Element;
    constexpr int BM = Cfg::kBlockM, BN = Cfg::kBlockN, D = Cfg::kHeadDim;
    constexpr int kStages = Cfg::kStages;
    using namespace sm90;

    extern __shared__ unsigned char smem_raw[];
    /* 1024-byte aligned. kLeanEpilogue: by an offset from smem_raw, the pad taken from the
     * shared-window address (what the swizzle and TMA see): a pointer derived from smem_raw
     * keeps the shared address space, so plain accesses through it compile to STS / LDS with
     * 32-bit addresses (aligning the generic address as an integer loses it: generic ST.E). */
    unsigned char* smem;
    if constexpr (Cfg::kLeanEpilogue)
        smem = smem_raw + ((0u - smem_u32(smem_raw)) & 1023u);
    else
        smem = reinterpret_cast<unsigned char*>((reinterpret_cast<uintptr_t>(smem_raw) + 1023) &
                                                ~uintptr_t(1023));
    unsigned char* sQ = smem;                /* kQStages x kBoxes x (BM rows x 128 B) */
    unsigned char* sK = smem + Cfg::kOffK;   /* kKStages x kBoxes x (BN rows x 128 B) */
    unsigned char* sV = smem + Cfg::kOffV;   /* kStages x the same */
    unsigned char* sOut = Cfg::kPersistent ? smem + Cfg::kOffO : sQ; /* like sQ */
    uint64_t* bars = reinterpret_cast<uint64_t*>(smem + Cfg::kOffBar);
    uint64_t* q_full = bars; /* kQStages each */
    /* persistent: every consumer warp is done reading Q */
    uint64_t* q_empty = bars + Cfg::kQStages;
    uint64_t* k_full = bars + 2 * Cfg::kQStages;
    uint64_t* k_empty = k_full + Cfg::kKStages;
    uint64_t* v_full = k_empty + Cfg::kKStages;
    uint64_t* v_empty = v_full + kStages;

    const int group = args.heads_q / args.heads_kv;

    /* Tiles: (query block, head, batch). Without kPersistent a block owns the one tile of its
     * grid coordinates; with it, grid = min(tiles, SMs) blocks take one tile per round of
     * gridDim.x tiles in a fixed order with the query block fastest (kHeadGroup, when a round
     * would cover fewer than two (head, batch) pairs: the pairs of a group fastest), so the
     * blocks running at once share their heads' K and V in L2 (causal: longest query block
     * first per head). */
    const int m_blocks = ((Cfg::kVarlen ? args.max_seqlen_q : args.seqlen_q) + BM - 1) / BM;
    const int n_tiles = Cfg::kPersistent ? m_blocks * args.heads_q * args.batch : 1;
    /* persistent: a round of gridDim.x tiles covers fewer than two (head, batch) pairs' query
     * blocks, where kHeadGroup and kShortLast change the order */
    auto few_pairs_a_round = [&]() { return 2 * m_blocks > int(gridDim.x); };
    /* The k-th tile of this block (k = 0, 1, ...; n_tiles or more: none left). Causal: rounds
     * alternate direction (block b takes slot b of even rounds and slot G - 1 - b of odd ones),
     * so a block that drew a long query block in one round draws a short one in the next.
     * kEvenTail: when 2G is a multiple of m_blocks, each pair of rounds gives every block
     * m_blocks + 1 key blocks (plain causal), and only the last, partial round is uneven
     * (blocks with one tile more than others, some of them long). Then the last two or three
     * rounds, from an even one (tail_start: whole heads), keep their (round, slot) places but
     * take the tail's tiles longest first across its heads (place u: query block
     * u / tail_heads, counted from the longest, of the tail's head u % tail_heads), so the
     * alternating rounds pair long tiles with short ones and the partial round deals the
     * shortest. A model (a tile costs c0 + its key blocks, c0 0.5..1) at 512 keys, d64 /
     * d128 causal (4096 / 2048 tiles on 132 SMs): the busiest block 1.0-1.5% over the mean,
     * not 3.1%. The tail's K/V (tail_heads heads, 34 / 50 at 512 keys) fits in L2. A separate
     * branch, so that the other entries' code (PTX) stays as it was. */
    auto tile_index = [&](int k) {
        if (!Cfg::kPersistent) return k == 0 ? 0 : n_tiles;
        const int G = int(gridDim.x), b = int(blockIdx.x);
        if constexpr (Cfg::kEvenTail) {
            const int p = k * G + ((k & 1) ? G - 1 - b : b);
            const int rounds = (n_tiles + G - 1) / G;
            if ((2 * G) % m_blocks != 0 || rounds < 2) return p;
            const int tail_start = (rounds - 2) / 2 * 2 * G;
            if (p < tail_start || p >= n_tiles) return p;
            const int tail_heads = (n_tiles - tail_start) / m_blocks, u = p - tail_start;
            return tail_start + (u % tail_heads) * m_blocks + u / tail_heads;
        } else {
            return k * G + ((Cfg::kCausal && (k & 1)) ? G - 1 - b : b);
        }
    };
    /* key blocks kb0 .. kb0 + n_blocks - 1; n_left, n_unmasked: absolute block indices.
     * seqlen_q/k: the sequence's own lengths; q_start/k_start: its first row in the tensor
     * maps, whose batch coordinate is map_batch (varlen: one packed batch entry). */
    struct Tile {
        int row0, head, batch, kb0, n_blocks, n_left, n_unmasked;
        int seqlen_q, seqlen_k, q_start, k_start, map_batch;
        /* the first visited block (absolute) and how many are visited rightwards from it
         * (kOutward; in key order kb0 and n_blocks) */
        int visit0, n_right;
    };
    auto tile_at = [&](int t) {
        Tile r;
        int m_block;
        if (!Cfg::kPersistent) {
            m_block = Cfg::kCausal ? int(gridDim.x) - 1 - int(blockIdx.x) : int(blockIdx.x);
            r.head = blockIdx.y;
            r.batch = blockIdx.z;
        } else if (Cfg::kHeadGroup > 0) {
            /* groups of hg (head, batch) pairs (the last one may be smaller), the pairs of a
             * group in turn per query block; hg = 1 (a round covers two pairs or more): one
             * pair's query blocks after another, as below */
            const int hg = few_pairs_a_round() ? Cfg::kHeadGroup : 1;
            const int n_hb = args.heads_q * args.batch;
            const int grp = t / (hg * m_blocks);
            const int gs = min(hg, n_hb - grp * hg);
            const int u = t - grp * hg * m_blocks;
            const int hb = grp * hg + u % gs;
            m_block = Cfg::kCausal ? m_blocks - 1 - u / gs : u / gs;
            r.head = hb % args.heads_q;
            r.batch = hb / args.heads_q;
        } else if (Cfg::kShortLast && few_pairs_a_round()) {
            /* the whole-window query blocks as below, (head, batch) outer; then the ns short
             * ones (query block m's first row would see keys before the sequence's first when
             * m BM + causal_shift < left), by query block, longest first, the pairs in turn */
            const int n_hb = args.heads_q * args.batch;
            const int cut = Cfg::kWindowLeft - (args.seqlen_k - args.seqlen_q) + BM - 1;
            const int ns = cut <= 0 ? 0 : min(m_blocks, cut / BM);
            const int nl = m_blocks - ns; /* whole-window query blocks a pair */
            int hb;
            if (t < n_hb * nl) {
                hb = t / nl;
                m_block = m_blocks - 1 - (t - hb * nl);
            } else {
                const int u = t - n_hb * nl;
                m_block = ns - 1 - u / n_hb;
                hb = u % n_hb;
            }
            r.head = hb % args.heads_q;
            r.batch = hb / args.heads_q;
        } else if (Cfg::kCausal) {
            /* (head, batch) outer, query blocks longest first inside: the tiles running at
             * once cover few heads, whose K/V stay in L2 for all their query blocks */
            const int hb = t / m_blocks;
            m_block = m_blocks - 1 - (t - hb * m_blocks);
            r.head = hb % args.heads_q;
            r.batch = hb / args.heads_q;
        } else {
            m_block = t % m_blocks;
            const int rest = t / m_blocks;
            r.head = rest % args.heads_q;
            r.batch = rest / args.heads_q;
        }
        r.row0 = m_block * BM;
        r.seqlen_q = args.seqlen_q;
        r.seqlen_k = args.seqlen_k;
        r.q_start = 0;
        r.k_start = 0;
        r.map_batch = r.batch;
        if (Cfg::kVarlen) {
            r.q_start = args.cu_seqlens_q[r.batch];
            r.k_start = args.cu_seqlens_k[r.batch];
            r.seqlen_q = args.cu_seqlens_q[r.batch + 1] - r.q_start;
            r.seqlen_k = args.cu_seqlens_k[r.batch + 1] - r.k_start;
            r.map_batch = 0;
        }
        const int seqlen_q = r.seqlen_q, seqlen_k = r.seqlen_k;
        const int causal_shift = seqlen_k - seqlen_q;
        /* Key blocks [kb0, n_end) this query block sees: query i sees key j iff j <= i +
         * causal_shift + right (causal: right = 0), so the block's last real row bounds the
         * loop, and iff j >= i + causal_shift - left, so its first row's first key starts it.
         * Blocks [n_left, n_unmasked) need no mask: every key exists, the block's first row
         * sees its last key and its last row its first key. */
        int n_end = (seqlen_k + BN - 1) / BN;
        int n_unmasked = seqlen_k / BN;
        if (Cfg::kHasRight) {
            const int keys_seen =
                min(r.row0 + BM, seqlen_q) + causal_shift + Cfg::kWindowRight; /* may be <= 0 */
            n_end = keys_seen <= 0 ? 0 : min(n_end, (keys_seen + BN - 1) / BN);
            const int last_key_first_row = r.row0 + causal_shift + Cfg::kWindowRight;
            n_unmasked =
                min(n_unmasked, last_key_first_row < 0 ? 0 : (last_key_first_row + 1) / BN);
        }
        int kb0 = 0, n_left = 0;
        if (Cfg::kHasLeft) {
            const int first_key = r.row0 + causal_shift - Cfg::kWindowLeft;
            kb0 = first_key <= 0 ? 0 : min(first_key / BN, n_end);
            const int first_key_last_row = r.row0 + BM - 1 + causal_shift - Cfg::kWindowLeft;
            n_left = max(kb0, min(n_end, first_key_last_row <= 0
                                             ? 0
                                             : (first_key_last_row + BN - 1) / BN));
        }
        r.kb0 = kb0;
        r.n_blocks = n_end - kb0;
        r.n_left = n_left;
        r.n_unmasked = min(n_unmasked, n_end);
        r.visit0 = kb0;
        r.n_right = r.n_blocks;
        if (Cfg::kOutward) {
            /* the block of the first row's diagonal key, within [kb0, n_end) */
            const int d = min(max((r.row0 + causal_shift) / BN - kb0, 0), r.n_blocks - 1);
            r.visit0 = kb0 + d;
            r.n_right = r.n_blocks - d;
        }
        return r;
    };

    /* varlen: the tiles cover max_seqlen_q; one past its sequence's end has no rows. A block
     * per tile leaves (the whole block, before any barrier). */
    auto empty_tile = [&](const Tile& t) { return Cfg::kVarlen && t.row0 >= t.seqlen_q; };
    /* the absolute key block a tile visits j-th, for the producer's loads and every consumer
     * index: in key order, or (kOutward) outward from its first row's diagonal key, rightwards
     * first, then leftwards back to the tile's first block */
    auto visit_block = [&](const Tile& t, int j) {
        if constexpr (Cfg::kOutward)
            return t.visit0 + (j < t.n_right ? j : t.n_right - 1 - j);
        else
            return t.kb0 + j;
    };
    if (!Cfg::kPersistent && empty_tile(tile_at(0))) return;

    const int tid = threadIdx.x;
    const int wg = tid / 128;
    if (tid == 0) {
#pragma unroll
        for (int s = 0; s < Cfg::kQStages; ++s) {
            mbar_init(&q_full[s], 1);
            mbar_init(&q_empty[s], 4 * Cfg::kConsumerWGs);
        }
#pragma unroll
        for (int s = 0; s < kStages; ++s) {
            mbar_init(&k_full[s], 1);
            mbar_init(&v_full[s], 1);
            mbar_init(&k_empty[s], 4 * Cfg::kConsumerWGs); /* one arrival per consumer warp */
            mbar_init(&v_empty[s], 4 * Cfg::kConsumerWGs);
        }
        if constexpr (Cfg::kSplitRing) {
            for (int s = kStages; s < Cfg::kKStages; ++s) {
                mbar_init(&k_full[s], 1);
                mbar_init(&k_empty[s], 4 * Cfg::kConsumerWGs);
            }
        }
        mbar_init_fence();
    }
    if constexpr (Cfg::kTensorSum) {
        /* every V stage's third box: 1.0 in both 16-bit halves; read only by wgmma */
        const float one = __uint_as_float(std::is_same<T, __half>::value ? 0x3C003C00u : 0x3F803F80u);
        for (int i = tid; i < kStages * BN * 128 / 16; i += Cfg::kThreads) {
            const int st = i / (BN * 128 / 16), x = i % (BN * 128 / 16);
            sts_f32x4(smem_u32(sV + st * Cfg::kTileVBytes + Cfg::kBoxes * BN * 128) + 16 * x,
                      make_float4(one, one, one, one));
        }
        fence_proxy_async_smem();
    }
    __syncthreads();

    /* Q of the tile into buffer qs (kQStages) */
    auto load_q = [&](const Tile& tl, int qs) {
        tma_prefetch_map(&tmK);
        tma_prefetch_map(&tmV);
        mbar_arrive_expect_tx(&q_full[qs], Cfg::kTileQBytes);
#pragma unroll
        for (int b = 0; b < Cfg::kBoxes; ++b)
            tma_load_4d(sQ + qs * Cfg::kTileQBytes + b * BM * 128, &tmQ, &q_full[qs], b * 64,
                        tl.q_start + tl.row0, tl.head, tl.map_batch);
    };
    /* K (V) of key rows row.. into its ring's slot for key block c (c counts key blocks over
     * all of this block's tiles: K's ring is kKStages deep, V's kStages), once the consumers
     * have released it */
    auto load_k = [&](int c, int row, int head_kv, int batch) {
        const int st = c % Cfg::kKStages;
        mbar_wait(&k_empty[st], ((c / Cfg::kKStages) & 1) ^ 1);
        mbar_arrive_expect_tx(&k_full[st], Cfg::kTileKVBytes);
#pragma unroll
        for (int b = 0; b < Cfg::kBoxes; ++b)
            tma_load_4d(sK + st * Cfg::kTileKVBytes + b * BN * 128, &tmK, &k_full[st], b * 64,
                        row, head_kv, batch);
    };
    auto load_v = [&](int c, int row, int head_kv, int batch) {
        const int st = c % kStages;
        mbar_wait(&v_empty[st], ((c / kStages) & 1) ^ 1);
        mbar_arrive_expect_tx(&v_full[st], Cfg::kTileKVBytes);
#pragma unroll
        for (int b = 0; b < Cfg::kBoxes; ++b)
            tma_load_4d(sV + st * Cfg::kTileVBytes + b * BN * 128, &tmV, &v_full[st], b * 64,
                        row, head_kv, batch);
    };
    /* K_j and V_j of the tile (one ring: kKStages == kStages) */
    auto load_kv = [&](const Tile& tl, int c, int j) {
        const int head_kv = tl.head / group;
        load_k(c, tl.k_start + j * BN, head_kv, tl.map_batch);
        load_v(c, tl.k_start + j * BN, head_kv, tl.map_batch);
    };

    if (Cfg::kWarpSpecialized && wg == 0) {
        /* ------------------------------------------------------------ producer */
        setmaxnreg_dec<Cfg::kProducerRegs>();
        if constexpr (Cfg::kSplitRing) {
            if (tid == 0) {
                /* K_c's load goes before V_{c-1}'s, and a tile's Q after its K_0 and the last
                 * V of the tile before it: the next tile's K_0 waits only for its own slot
                 * (S of three blocks back), not for this tile's last V slots or its Q buffer,
                 * and the last P V GEMM's V for nothing of the next tile */
                int kv = 0;
                int run = 0; /* tiles run: the phase of q_empty */
                int pv_c = -1, pv_row = 0, pv_head = 0, pv_batch = 0; /* the V not yet loaded */
                auto load_pending_v = [&]() {
                    load_v(pv_c, pv_row, pv_head, pv_batch);
                    pv_c = -1;
                };
                for (int it = 0; tile_index(it) < n_tiles; ++it) {
                    const Tile tl = tile_at(tile_index(it));
                    if (empty_tile(tl)) continue;
                    const int q_round = run++;
                    const int qs = q_round % Cfg::kQStages;
                    const int head_kv = tl.head / group;
                    auto next_q = [&]() {
                        mbar_wait(&q_empty[qs], ((q_round / Cfg::kQStages) & 1) ^ 1);
                        load_q(tl, qs);
                    };
                    for (int j = 0; j < tl.n_blocks; ++j) {
                        const int c = kv + j;
                        const int row = tl.k_start + visit_block(tl, j) * BN;
                        load_k(c, row, head_kv, tl.map_batch);
                        if (pv_c >= 0) load_pending_v();
                        if (j == 0) next_q();
                        pv_c = c;
                        pv_row = row;
                        pv_head = head_kv;
                        pv_batch = tl.map_batch;
                    }
                    if (tl.n_blocks == 0) {
                        if (pv_c >= 0) load_pending_v();
                        next_q(); /* the consumers wait for it even when the tile sees no key */
                    }
                    kv += tl.n_blocks;
                }
                if (pv_c >= 0) load_pending_v();
            }
        } else if (tid == 0) {
            int kv = 0;
            int run = 0; /* tiles run: the phase of q_empty */
            for (int it = 0; tile_index(it) < n_tiles; ++it) {
                const Tile tl = tile_at(tile_index(it));
                if (empty_tile(tl)) continue;
                const int q_round = run++;
                /* persistent: Q of every tile (the consumers wait for it even when the tile
                 * sees no key), once the previous tile's S GEMMs are done with the buffer;
                 * the K/V ring runs on across tiles */
                if (Cfg::kPersistent) {
                    const int qs = q_round % Cfg::kQStages;
                    mbar_wait(&q_empty[qs], ((q_round / Cfg::kQStages) & 1) ^ 1);
                    load_q(tl, qs);
                } else if (tl.n_blocks > 0) {
                    load_q(tl, 0);
                }
                for (int j = 0; j < tl.n_blocks; ++j) load_kv(tl, kv + j, visit_block(tl, j));
                kv += tl.n_blocks;
            }
        }
    } else {
        /* ------------------------------------------------------------ consumers */
        if (Cfg::kWarpSpecialized) setmaxnreg_inc<Cfg::kConsumerRegs>();
        const int w = wg - Cfg::kProducerWGs; /* consumer warpgroup: rows 64 w .. 64 w + 63 */
        const int wtid = tid - 128 * wg;      /* 0..127 */
        /* without a producer warpgroup, this thread issues the loads in line */
        const bool inline_producer = !Cfg::kWarpSpecialized && w == 0 && wtid == 0;
        const int lane = tid % 32;
        const int g = lane / 4, t = lane % 4;
        /* The exp2 FFMA's factor: s * scale * log2(e); softcap: s is tanh(s * scale / cap)
         * after the cap step, so the factor is cap * log2(e). */
        const float scale_log2 = Cfg::kSoftcap > 0.f ? Cfg::kSoftcap * 1.4426950408889634f
                                                     : args.softmax_scale * 1.4426950408889634f;
        const float cap_raw = Cfg::kSoftcap > 0.f ? args.softmax_scale / Cfg::kSoftcap : 0.f;
        /* kPolyTanh: the exp2 argument cap log2(e) tanh(s k) + off = s Q(s^2) + off with
         * Q(y) = sum_i q_i y^i, q_i = cap log2(e) P_i k^(2 i + 1), k = scale / cap; for k in
         * [1e-4, 1e4] (poly_k) every q_i is a normal f32 and, with |s k| <= 1, so is each
         * Horner step. kQScale: s is the scaled Q's score qs s, and k = cap_in = k / qs (a
         * constant of the cap alone, ~0.35 at cap 50) */
        const float qs_raw = cap_raw * cbrtf(scale_log2 * -kTanhS1);
        const bool poly_k = Cfg::kPolyTanh && cap_raw >= 1e-4f && cap_raw <= 1e4f &&
                            (!Cfg::kQScale || (qs_raw >= 1e-6f && qs_raw <= 1e6f));
        const float qs = Cfg::kQScale && poly_k ? qs_raw : 1.f; /* Q's scale (kQScale) */
        const float cap_in = cap_raw / qs;
        /* kFixedMax's narrow tier as a bound on |s| (|s cap_in| <= 1/4) */
        const float abs_narrow = Cfg::kSoftcap > 0.f ? 0.25f / cap_in : 0.f;
        const float kk = cap_in * cap_in;
        const float tq0 = scale_log2 * kTanhP0 * cap_in;
        const float tq1 = scale_log2 * kTanhP1 * cap_in * kk;
        const float tq2 = scale_log2 * kTanhP2 * cap_in * kk * kk;
        const float tq3 = scale_log2 * kTanhP3 * cap_in * kk * kk * kk;
        const float ts0 = scale_log2 * kTanhS0 * cap_in;
        const float ts1 = scale_log2 * kTanhS1 * cap_in * kk;

        auto sched_wait = [&]() {
            if (Cfg::kPingPong) named_bar_sync(kBarSchedBase + w, 256);
        };
        constexpr int kWGs = Cfg::kConsumerWGs;
        auto sched_arrive = [&]() { /* hand the tensor cores to the next warpgroup */
            if (Cfg::kPingPong) named_bar_arrive(kBarSchedBase + (w + 1) % kWGs, 256);
        };
        auto release = [&](uint64_t* bar) {
            if (lane == 0) mbar_arrive(bar);
        };
        int q_slot = 0; /* this tile's Q buffer (kQStages) */
        /* persistent: this warp's wgmmas have read Q for the last time in this tile */
        auto release_q = [&]() {
            if (Cfg::kPersistent) release(&q_empty[q_slot]);
        };

        /* kUniformQ: w through a shuffle from lane 0, which the compiler knows is the same in
         * every lane, so Q's descriptors live in uniform registers (UIADD3.64 per k step);
         * otherwise register pressure has it rebuild each one in vector registers (5
         * instructions a step, under the ping-pong turn) */
        const uint32_t q_addr =
            smem_u32(sQ) + 64 * (Cfg::kUniformQ ? __shfl_sync(0xffffffffu, w, 0) : w) * 128;
        const uint32_t k_addr = smem_u32(sK), v_addr = smem_u32(sV);
        /* kQScale: this warpgroup's 64 rows of the tile's Q (landed) times qs, in place, before
         * its first S GEMM reads them, 4 chunks of 16 bytes per thread and box; the async
         * proxy (wgmma) sees the stores after the fence and the warpgroup's barrier */
        auto scale_q = [&]() {
            if constexpr (Cfg::kQScale) {
                if (!poly_k) return;
                const uint32_t rows = q_addr + q_slot * Cfg::kTileQBytes;
#pragma unroll
                for (int b = 0; b < Cfg::kBoxes; ++b)
#pragma unroll
                    for (int k = 0; k < 4; ++k) {
                        const uint32_t a = rows + b * Cfg::kBlockM * 128 + (wtid + 128 * k) * 16;
                        float4 x = lds_f32x4(a); /* 8 bf16 values, as bits */
                        x.x = scale_bf16x2(x.x, qs);
                        x.y = scale_bf16x2(x.y, qs);
                        x.z = scale_bf16x2(x.z, qs);
                        x.w = scale_bf16x2(x.w, qs);
                        sts_f32x4(a, x);
                    }
                fence_proxy_async_smem();
                named_bar_sync(kBarEpilogueBase + w, 128);
            }
        };

        /* kCarryTurns (persistent): the ping-pong turns run on across tiles, so the first
         * warpgroup issues the next tile's first GEMM as soon as the last one has issued this
         * tile's last, under the last one's epilogue, instead of after it */
        constexpr bool kCarryTurns = Cfg::kPersistent && Cfg::kPingPong;
        bool turns_started = false; /* a tile with key blocks has run (its turns began) */
        /* kFixedMax: this warp's last polynomial block took the narrow tier */
        bool tier_narrow = true;
        int kv = 0;
        int run = 0; /* tiles run: the phase of q_full */
        /* kDeferEpilogue: O's accumulators and the partial row sums outlive their tile, whose
         * epilogue (pend) runs in the next tile, after its first S GEMM */
        float o_next[Cfg::kOAcc];
        float l_next[2];
        Fa3Pending pend{};
        /* kCrossTile: the pending tile (pend) still has its last P V GEMM to issue, over ring
         * block pv_c in half mode pv_mode, and then its epilogue with O in o_next and its row
         * sums in l_prev; o_next is zero whenever no tile is pending */
        int pv_c = 0, pv_mode = 0;
        uint32_t p_next[BN / 16][4];
        float l_prev[2] = {0.f, 0.f};
        if constexpr (Cfg::kCrossTile) {
#pragma unroll
            for (int i = 0; i < Cfg::kOAcc; ++i) o_next[i] = 0.f;
        }
        for (int it = 0; tile_index(it) < n_tiles; ++it) {
        const Tile tl = tile_at(tile_index(it));
        if (empty_tile(tl)) continue;
        const int q_round = run++;
        q_slot = q_round % Cfg::kQStages;
        const int row0 = tl.row0, n_blocks = tl.n_blocks;
        const int seqlen_q = tl.seqlen_q, seqlen_k = tl.seqlen_k;
        const int causal_shift = seqlen_k - seqlen_q;
        /* accumulator fragment (m64nN, f32): warp k of the warpgroup holds rows 16 k + g and
         * 16 k + g + 8; element 4 c + e is (row + 8 (e / 2), column 8 c + 2 t + e % 2) */
        const int row_a = row0 + 64 * w + 16 * (wtid / 32) + g;
        /* ALiBi in the unscaled domain of s (the scale is applied in the exp2 FFMA): the scaled
         * score gets -slope * distance, so s gets -(slope / scale) * distance */
        const float alibi_neg_slope =
            Cfg::kAlibi ? -args.alibi_slopes[int64_t(tl.batch) * args.alibi_batch_stride +
                                             tl.head] /
                              args.softmax_scale
                        : 0.f;
        if constexpr (Cfg::kAlibiPreload) {
            /* this warpgroup's table (alibi_preload): entry 4 c + e of side sg (+1 left, -1
             * right) is the bias's key part -sg a (8 c + e % 2) with a = alibi_neg_slope (the
             * softmax's FFMA form below). The previous tile's last reads of it (the dead
             * preload after its last step too) are behind its last turn's barrier and the
             * epilogue's; kCrossTile and kDeferEpilogue, which move those, do not take ALiBi. */
            float* tab = reinterpret_cast<float*>(smem + Cfg::kOffAlibi + 2 * w * (BN / 2) * 4);
            for (int i = wtid; i < BN; i += 128) {
                const int x = i % (BN / 2);
                const float sg = i < BN / 2 ? 1.f : -1.f;
                tab[i] = -sg * alibi_neg_slope * float(8 * (x / 4) + (x & 1));
            }
            named_bar_sync(kBarEpilogueBase + w, 128);
        }

        float o_own[Cfg::kOAcc];
        float(&o)[Cfg::kOAcc] = Cfg::kDeferEpilogue || Cfg::kCrossTile ? o_next : o_own;
        if (!Cfg::kDeferEpilogue && !Cfg::kCrossTile) {
#pragma unroll
            for (int i = 0; i < Cfg::kOAcc; ++i) o[i] = 0.f;
        }
        float s[BN / 2];
#pragma unroll
        for (int i = 0; i < BN / 2; ++i) s[i] = 0.f;
        uint32_t p_own[BN / 16][4];
        /* kCrossTile: P outlives its tile (the last P V GEMM runs in the next one) */
        uint32_t(&p)[BN / 16][4] = Cfg::kCrossTile ? p_next : p_own;
        /* running max of s * scale_log2 (kFixedMax: from its floor, set by the first block) */
        float m[2] = {Cfg::kFixedMax ? Cfg::kOffsetFloor : -CUDART_INF_F,
                      Cfg::kFixedMax ? Cfg::kOffsetFloor : -CUDART_INF_F};
        float l_own[2] = {0.f, 0.f}; /* this thread's partial row sums */
        float(&l)[2] = Cfg::kDeferEpilogue ? l_next : l_own;
        /* the plain epilogue's 1 / l (fa3_row_inv): kLeanEpilogue with kOverlap computes it
         * under the last P V GEMM (l is final after the last softmax), kTensorSum after its
         * wait (l is final with O); 0 for a tile that sees no key */
        float inv_l[2] = {0.f, 0.f};
        bool rescale = true; /* kLazyRescale: the last softmax moved this warp's max */
        /* kSpecExp: the next loop block may speculate (the last one did not move the max) */
        bool spec_next = true;

        /* S = Q K^T over stage st: D / 16 wgmmas; k step kk is box kk / 4, 32 bytes per 16
         * columns inside the box's swizzled rows */
        auto gemm_qk = [&](int st, bool acc = false) { /* acc: S starts from s (ALiBi) */
            const uint64_t dq =
                make_desc_sw128(q_addr + q_slot * Cfg::kTileQBytes, 16, 1024);
            const uint64_t dk = make_desc_sw128(k_addr + st * Cfg::kTileKVBytes, 16, 1024);
            wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                wgmma_ss<T, BN>(s, dq + (((kk / 4) * BM * 128 + (kk % 4) * 32) >> 4),
                                dk + (((kk / 4) * BN * 128 + (kk % 4) * 32) >> 4),
                                kk > 0 || (Cfg::kAlibiPreload && acc));
            }
            wgmma_commit();
        };
        /* ALiBi: key block jb (absolute) lies wholly left of the diagonal for every row of the
         * tile (+1; causal: every visible key does), wholly right (-1), or crosses it (0) */
        auto alibi_side = [&](int jb) {
            if (Cfg::kCausal || (jb + 1) * BN - 1 <= row0 + causal_shift) return 1;
            return jb * BN >= row0 + BM - 1 + causal_shift ? -1 : 0;
        };
        /* ALiBi: key block jb's distance base for this thread (row_a against the block's key
         * 2 t), and the row term sg a (base + 8 (e / 2)) of a block on side sd (see softmax) */
        auto alibi_base = [&](int jb) { return row_a + causal_shift - jb * BN - 2 * t; };
        auto alibi_row_term = [&](int base, int sd, float (&rt)[2]) {
            const float sg = float(sd);
            rt[0] = sg * alibi_neg_slope * float(base);
            rt[1] = sg * alibi_neg_slope * float(base + 8);
        };
        /* ALiBi: the block whose softmax comes next (alibi_row): whether it lies on one side
         * of the diagonal, its row term, and its key part's factor -sg a (0 across the
         * diagonal; read only without the preload). The softmax reads this state, so every
         * S GEMM's block has it set first (alibi_next). The overlapped loop sets it with the
         * block's preload at the end of the step before: at the head of its softmax, between
         * S landing and the first exp2, this arithmetic delayed every exp2 (session 12: the
         * row term there, causal -0.4..1.4%; session 15: the side there too, full -0.3..1%). */
        bool alibi_one = false;
        float alibi_rt[2] = {0.f, 0.f};
        float alibi_k = 0.f;
        auto alibi_row = [&](int jb) {
            if constexpr (Cfg::kAlibi) {
                const int sd = alibi_side(jb);
                alibi_one = sd != 0;
                alibi_k = sd == 0 ? 0.f : sd < 0 ? alibi_neg_slope : -alibi_neg_slope;
                alibi_row_term(alibi_base(jb), sd, alibi_rt);
            } else {
                (void)jb;
            }
        };
        /* kAlibiPreload: before block jb's S GEMM (s is dead then), s = the key part of its
         * bias from this tile's table for the block's side of the diagonal: the GEMM adds S to
         * it. True if the block lies on one side; one crossing the diagonal is loaded too and
         * its S GEMM ignores s (scale-d 0 on its first k step). The overlapped loop calls it
         * at the end of the step before, right after convert_p frees s: ptxas then interleaves
         * the loads and the side's uniform arithmetic with convert_p, where at the next step's
         * head they delayed the S GEMM (session 12: full ALiBi +1.4%, causal +1..4%). */
        auto alibi_preload = [&](int jb) {
            if constexpr (Cfg::kAlibiPreload) {
                const int sd = alibi_side(jb);
                const uint32_t tab = smem_u32(smem + Cfg::kOffAlibi) + 2 * w * (BN / 2) * 4 +
                                     (sd < 0 ? (BN / 2) * 4 : 0);
#pragma unroll
                for (int c = 0; c < BN / 8; ++c) {
                    const float4 v = lds_f32x4(tab + 16 * c);
                    s[4 * c + 0] = v.x;
                    s[4 * c + 1] = v.y;
                    s[4 * c + 2] = v.z;
                    s[4 * c + 3] = v.w;
                }
                return sd != 0;
            } else {
                (void)jb;
                return false;
            }
        };
        /* ALiBi: block jb's preload and state, ahead of its S GEMM; true if S starts from s */
        auto alibi_next = [&](int jb) {
            const bool acc = alibi_preload(jb);
            alibi_row(jb);
            return acc;
        };
        /* O += P V over stage st: BN / 16 wgmmas; k step kk is keys 16 kk.., 16 rows of 128 B
         * down every box; the N direction (head_dim) crosses boxes BN * 128 bytes apart */
        auto gemm_pv = [&](int st) {
            const uint64_t dv = make_desc_sw128(v_addr + st * Cfg::kTileVBytes, BN * 128, 1024);
            wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < BN / 16; ++kk)
                wgmma_rs_tb<T, 2 * Cfg::kOAcc>(o, p[kk], dv + ((kk * 16 * 128) >> 4), 1);
            wgmma_commit();
        };
        /* kHalfEdges: O += P V over the k steps of keys 64 h .. 64 h + 63 only (S is the
         * whole block's: a 64-key S GEMM beside the 128-key one made ptxas serialize every
         * wgmma of the kernel, C7511, in each form tried: bench/results/h100-variants-2026-11-26.md
         * session 5) */
        auto gemm_pv_half = [&](int st, auto hi_tag) {
            constexpr int h = decltype(hi_tag)::value ? 1 : 0;
            const uint64_t dv = make_desc_sw128(v_addr + st * Cfg::kTileVBytes, BN * 128, 1024);
            wgmma_fence();
#pragma unroll
            for (int kk = h * BN / 32; kk < (h + 1) * BN / 32; ++kk)
                wgmma_rs_tb<T, 2 * Cfg::kOAcc>(o, p[kk], dv + ((kk * 16 * 128) >> 4), 1);
            wgmma_commit();
        };
        /* kHalfEdges: 1 (2) when this warpgroup's rows see only the first (last) 64 keys of
         * absolute key block jb, else 0 (both or neither: the full GEMMs). Warp-uniform to the
         * compiler (lane 0's value): wgmmas on a path it takes for divergent are serialized
         * (ptxas C7518; 0.53 x plain instead of 0.79 on w1024_0, raw/hwin/run1). */
        auto half_mode = [&](int jb) {
            if constexpr (!Cfg::kHalfEdges) {
                return 0;
            } else {
                const int r = row0 + 64 * w + causal_shift; /* the warpgroup's first row */
                const int k0 = jb * BN, km = k0 + BN / 2;
                auto seen = [&](int a, int b) { /* some row sees a key of a ..= b */
                    return (!Cfg::kHasLeft || b >= r - Cfg::kWindowLeft) &&
                           (!Cfg::kHasRight || a <= r + 63 + Cfg::kWindowRight);
                };
                const bool lo = seen(k0, km - 1), hi = seen(km, k0 + BN - 1);
                return __shfl_sync(0xffffffffu, lo == hi ? 0 : (lo ? 1 : 2), 0);
            }
        };
        auto gemm_pv_at = [&](int st, int mode) {
            if constexpr (Cfg::kHalfEdges) {
                if (mode == 1) return gemm_pv_half(st, std::false_type{});
                if (mode == 2) return gemm_pv_half(st, std::true_type{});
            }
            gemm_pv(st);
        };
        /* kCrossTile: the pending tile's epilogue once its last P V GEMM is done, then o zero
         * for the tile starting now */
        auto cross_store = [&]() {
            float inv[2];
            fa3_row_inv<Cfg>(l_prev, inv);
            fa3_store_o<Cfg>(o, inv, pend.row0, pend.seqlen_q, pend.q_start, pend.head,
                             pend.map_batch, sOut, w, wtid, g, t, &tmO, args);
            pend.valid = false;
#pragma unroll
            for (int i = 0; i < Cfg::kOAcc; ++i) o[i] = 0.f;
        };
        /* kCrossTile: the pending tile's last P V GEMM in a turn of its own (no S GEMM beside
         * it: the block's last tile, or a tile that sees no key), then its epilogue */
        auto cross_finish = [&]() {
            mbar_wait(&v_full[pv_c % kStages], (pv_c / kStages) & 1);
            sched_wait();
            gemm_pv_at(pv_c % kStages, pv_mode);
            sched_arrive();
            wgmma_wait<0>();
            fence_regs(o);
            fence_regs(p);
            release(&v_empty[pv_c % kStages]);
            cross_store();
        };
        /* kRowBoundMask: key j BN + 2 t + o (o = 8 c + e % 2) of row h (row_a + 8 h) is past the
         * key tail, the causal diagonal or the window's edges when key_out(hi, lo, o) */
        auto row_bounds = [&](int j, int h, int& hi, int& lo) {
            const int base = j * BN + 2 * t;
            const int row = row_a + 8 * h;
            hi = seqlen_k - 1 - base;
            if (Cfg::kHasRight) hi = min(hi, row + causal_shift + Cfg::kWindowRight - base);
            lo = row + causal_shift - Cfg::kWindowLeft - base;
        };
        auto key_out = [](int hi, int lo, int o) { return o > hi || (Cfg::kHasLeft && o < lo); };
        /* kLazyRescale: bmax = this block's row maxima (log2 domain); sets rescale, m, alpha */
        auto lazy_max = [&](const float (&bmax)[2], auto mask_tag, float (&alpha)[2]) {
            constexpr bool kMask = decltype(mask_tag)::value;
            bool grow = false;
#pragma unroll
            for (int r = 0; r < 2; ++r)
                grow |= bmax[r] > m[r] + Cfg::kRescaleThreshold; /* -inf + 8: the first grows */
            /* warp-uniform: every row of the warp takes its exact max when one needs to */
            rescale = __any_sync(0xffffffffu, grow);
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                if (rescale) {
                    const float m_new = fmaxf(m[r], bmax[r]);
                    const float m_use = (kMask && m_new == -CUDART_INF_F) ? 0.f : m_new;
                    alpha[r] = exp2_approx(m[r] - m_use);
                    m[r] = m_new;
                } else {
                    alpha[r] = 1.f;
                }
            }
        };
        /* Softcap on a block without a mask when every score of the warp has |s k| <= 1 (else
         * false, nothing done: softmax()'s MUFU tanh takes the block): tanh as the polynomial
         * of kTanhP (kTanhS when every |s k| <= 1/4) on the FMA pipe, folded into the exp2
         * argument. One max of |s| per score serves the range vote and bounds each row's block
         * max (the polynomial is odd and increasing): while the bound stays within
         * kBoundThreshold of the stale max, no exact max is taken; else the exact one (the
         * polynomial at the raw row max) decides, as in lazy_max. */
        /* kFixedMax's narrow tier: whether every score s[i0 .. i1 - 1] of the warp has |s k|
         * <= 1/4 (a compare per score ORed into 4 predicates, one vote), and its cubic, cap
         * log2(e) tanh(v k) = v narrow_q(v) (kQScale: ts1 is -1) */
        auto warp_narrow = [&](int i0, int i1) {
            bool big[4] = {false, false, false, false};
#pragma unroll
            for (int i = i0; i < i1; ++i) big[i % 4] |= fabsf(s[i]) > abs_narrow;
            return !__any_sync(0xffffffffu, (big[0] || big[1]) || (big[2] || big[3]));
        };
        auto narrow_q = [&](float v) {
            if constexpr (Cfg::kQScale)
                return fmaf(-v, v, ts0);
            else
                return fmaf(ts1, v * v, ts0);
        };
        auto softmax_poly_tanh = [&](float (&alpha)[2], bool keep) {
            bool narrow = false, fits;
            float wv = 0.f;
            /* kFixedMax's later blocks need no max, only the tier. After a narrow block, one
             * compare per score ORed into 4 predicates (FSETP) and one vote test for the
             * narrow tier again: the max's FMNMX chain ahead of it cost the causal softcap
             * entry ~8% at 8k keys, the compares win 4% of it back (session 11). After a wide
             * block, or when the compares fail, the max below (the compares and then the max
             * on every block lost 3-5% on wide scores, q x 4-8). A NaN score passes the
             * compares and escapes the max, and the polynomial propagates it. */
            const bool test_narrow = Cfg::kFixedMax && keep && tier_narrow;
            if (test_narrow) {
                narrow = warp_narrow(0, BN / 2);
                fits = true;
            }
            if (!narrow) {
                /* max |s| per row in 4 interleaved chains, not one: the max is on the
                 * softmax's critical path (each score's exp2 waits for the decision it feeds) */
                float amax[2];
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    float a[4];
#pragma unroll
                    for (int c = 0; c < BN / 8; ++c) {
                        const float x =
                            fmaxf(fabsf(s[4 * c + 2 * r]), fabsf(s[4 * c + 2 * r + 1]));
                        a[c % 4] = c < 4 ? x : fmaxf(a[c % 4], x);
                    }
                    amax[r] = fmaxf(fmaxf(a[0], a[1]), fmaxf(a[2], a[3]));
                }
                /* the warp's max |s| in one REDUX (non-negative floats order as their bits):
                 * it decides the tier and bounds every row's block max; kFixedMax's later
                 * blocks need no bound: two votes on this lane's max (session 10: +1..1.5% on
                 * the causal softcap entry at 8k-16k keys) */
                const float lv = fmaxf(amax[0], amax[1]);
                if (Cfg::kFixedMax && keep) {
                    narrow = !test_narrow && __all_sync(0xffffffffu, lv * cap_in <= 0.25f);
                    fits = __all_sync(0xffffffffu, lv * cap_in <= 1.f);
                } else {
                    wv = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(lv)));
                    narrow = wv * cap_in <= 0.25f;
                    fits = wv * cap_in <= 1.f;
                }
            }
            if constexpr (Cfg::kFixedMax) tier_narrow = narrow;
            if (!fits) return false;
            auto run = [&](auto narrow_tag) {
                /* cap log2(e) tanh(v k) = v Q(v^2) */
                auto q = [&](float v) {
                    if constexpr (decltype(narrow_tag)::value)
                        return narrow_q(v);
                    const float y = v * v;
                    return fmaf(fmaf(fmaf(tq3, y, tq2), y, tq1), y, tq0);
                };
                if (Cfg::kFixedMax && keep) { /* the tile's offset stays */
                    rescale = false;
                    alpha[0] = alpha[1] = 1.f;
                } else {
                const float bound = wv * q(wv);
                bool grow = false;
#pragma unroll
                for (int r = 0; r < 2; ++r)
                    grow |= bound > m[r] + Cfg::kBoundThreshold; /* m = -inf: grows */
                if (__any_sync(0xffffffffu, grow)) {
                    float bmax[2];
#pragma unroll
                    for (int r = 0; r < 2; ++r) {
                        float mx = s[2 * r];
#pragma unroll
                        for (int c = 0; c < BN / 8; ++c)
                            mx = fmaxf(mx, fmaxf(s[4 * c + 2 * r], s[4 * c + 2 * r + 1]));
                        const float v = quad_max(mx);
                        bmax[r] = v * q(v);
                    }
                    lazy_max(bmax, std::false_type{}, alpha);
                } else {
                    rescale = false;
                    alpha[0] = alpha[1] = 1.f;
                }
                }
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    const float off = -m[r];
                    float sum = 0.f;
#pragma unroll
                    for (int c = 0; c < BN / 8; ++c) {
#pragma unroll
                        for (int e = 0; e < 2; ++e) {
                            const float v = s[4 * c + 2 * r + e];
                            s[4 * c + 2 * r + e] = exp2_approx(fmaf(v, q(v), off));
                        }
                        sum += s[4 * c + 2 * r] + s[4 * c + 2 * r + 1];
                    }
                    l[r] = l[r] * alpha[r] + sum;
                }
            };
            if (narrow)
                run(std::true_type{});
            else
                run(std::false_type{});
            return true;
        };
        /* Online softmax of S (key block j) in place; alpha = the rescale factor of O and l.
         * spec_tag (kSpecExp): P at the running max first; false when S is needed again. ALiBi:
         * block j's side, row term and key factor come from alibi_row's state (alibi_next). */
        auto softmax = [&](int j, auto mask_tag, float (&alpha)[2], auto half_tag, bool keep,
                           auto spec_tag) -> bool {
            constexpr bool kMask = decltype(mask_tag)::value;
            /* kHalfEdges: only key chunks c0 .. c1 - 1 (the 64-key half the warpgroup sees,
             * half_tag 1 or 2); the other half of S is left as it is, its P never read (its
             * P V k steps are skipped) */
            constexpr int kHalf = decltype(half_tag)::value;
            constexpr int c0 = kHalf == 2 ? BN / 16 : 0, c1 = kHalf == 1 ? BN / 16 : BN / 8;
            /* kMaskedFold: the narrow tier folded into the exp2s, then the mask (kRowBoundMask's
             * per-row bounds, as below); the offset stays (kFixedMax, a later block) */
            if constexpr (Cfg::kMaskedFold && kMask) {
                if (keep && tier_narrow && poly_k && warp_narrow(4 * c0, 4 * c1)) {
#pragma unroll
                    for (int h = 0; h < 2; ++h) {
                        int hi, lo;
                        row_bounds(j, h, hi, lo);
                        const float off = -m[h];
                        float sum = 0.f;
#pragma unroll
                        for (int c = c0; c < c1; ++c)
#pragma unroll
                            for (int e = 0; e < 2; ++e) {
                                const float v = s[4 * c + 2 * h + e];
                                const float x = exp2_approx(key_out(hi, lo, 8 * c + e)
                                                                ? -CUDART_INF_F
                                                                : fmaf(v, narrow_q(v), off));
                                s[4 * c + 2 * h + e] = x;
                                sum += x;
                            }
                        l[h] += sum;
                    }
                    rescale = false;
                    alpha[0] = alpha[1] = 1.f;
                    return true;
                }
            }
            /* softcap before any mask: tanh(-inf) = -1 would turn a masked score into -cap, a
             * weight the softmax counts */
            if constexpr (Cfg::kSoftcap > 0.f) {
#pragma unroll
                for (int i = 4 * c0; i < 4 * c1; i += 2) {
                    const float2 f = unpack_f16x2(tanh2_f16(s[i] * cap_in, s[i + 1] * cap_in));
                    s[i] = f.x;
                    s[i + 1] = f.y;
                }
            }
            /* ALiBi on every block. Element 4 c + e of this thread is row_a + 8 (e / 2), key
             * j BN + 2 t + 8 c + e % 2: distance d = row + causal_shift - key = base + 8 (e / 2)
             * - 8 c - e % 2. A block wholly on one side of the diagonal for every row of the tile
             * (causal: every visible key is) has |d| = sg d, sg = +-1, so the bias a |d| (a =
             * -slope / scale) splits into -sg a (8 c + e % 2), the same for every block of one
             * side (kAlibiPreload: in S's accumulator before the GEMM; else added below, or in
             * the speculative path's exp2 offsets), and the row's term rt = sg a (base + 8 (e /
             * 2)), added to the row max and to the exp2 FFMA's addend (it is the same for every
             * key of the row in this block). Blocks that cross the diagonal take |d| per
             * element. */
            float rt[2] = {0.f, 0.f};
            if constexpr (Cfg::kAlibi) {
                if (alibi_one) {
                    rt[0] = alibi_rt[0];
                    rt[1] = alibi_rt[1];
                    if constexpr (!Cfg::kAlibiPreload && !decltype(spec_tag)::value) {
#pragma unroll
                        for (int c = 0; c < BN / 8; ++c)
#pragma unroll
                            for (int e = 0; e < 4; ++e)
                                s[4 * c + e] = fmaf(alibi_k, float(8 * c + (e & 1)), s[4 * c + e]);
                    }
                } else {
                    const float fb = float(alibi_base(j));
#pragma unroll
                    for (int c = 0; c < BN / 8; ++c)
#pragma unroll
                        for (int e = 0; e < 4; ++e)
                            s[4 * c + e] =
                                fmaf(alibi_neg_slope,
                                     fabsf(fb + float((e >> 1) * 8 - 8 * c - (e & 1))),
                                     s[4 * c + e]);
                }
            }
            /* the key tail, the causal diagonal and the window's edges */
            if (kMask && Cfg::kRowBoundMask) {
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    int hi, lo;
                    row_bounds(j, h, hi, lo);
#pragma unroll
                    for (int c = c0; c < c1; ++c)
#pragma unroll
                        for (int e = 0; e < 2; ++e)
                            if (key_out(hi, lo, 8 * c + e)) s[4 * c + 2 * h + e] = -CUDART_INF_F;
                }
            } else if (kMask) {
#pragma unroll
                for (int c = c0; c < c1; ++c)
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const int key = j * BN + 8 * c + 2 * t + (e & 1);
                        const int row = row_a + (e >> 1) * 8;
                        if (key >= seqlen_k ||
                            (Cfg::kHasRight && key > row + causal_shift + Cfg::kWindowRight) ||
                            (Cfg::kHasLeft && key < row + causal_shift - Cfg::kWindowLeft))
                            s[4 * c + e] = -CUDART_INF_F;
                    }
            }
            if constexpr (Cfg::kLazyRescale) {
                /* ALiBi (kSpecExp only; else the eager update below): the row term rt in the
                 * block max and the exp2 offset */
                (void)rt;
                if constexpr (decltype(spec_tag)::value) {
                    /* kSpecExp (the caller checked that every row of the warp has a finite
                     * max): P = 2^(s scale - m) at once, with each row's sum and largest P (P
                     * >= 0 orders as its bits: an integer max, no FMNMX), then a lazy rule on
                     * it: every P within kSpecKeepBits (2^32 in bf16, not the exact path's 2^8:
                     * then a row's max moves only on a jump of 32 in log2 units, which peaked
                     * rows' early blocks took at 2^8, q x 4-8 losing 2-5% to the rescale of
                     * P) keeps m. Else a row past it moves to its own max, m + log2 of its
                     * largest P, scaling its P and sum by alpha = 1 / that P; past
                     * kSpecLimitBits (a score that far above m, or a NaN) false: S is needed
                     * again. */
                    float sum[2];
                    uint32_t pbits[2];
#pragma unroll
                    for (int r = 0; r < 2; ++r) {
                        float off = -m[r];
                        if constexpr (Cfg::kAlibi) off = fmaf(rt[r], scale_log2, off);
                        float sm = 0.f;
                        uint32_t pb = 0u;
                        /* ALiBi without the preload: the key part in each score's exp2 offset,
                         * one FFMA a score that does not wait for S */
                        constexpr bool kAlibiInKey = Cfg::kAlibi && !Cfg::kAlibiPreload;
                        const float ks = kAlibiInKey ? alibi_k * scale_log2 : 0.f;
#pragma unroll
                        for (int c = c0; c < c1; ++c) {
                            const float off0 =
                                kAlibiInKey ? fmaf(ks, float(8 * c), off) : off;
                            const float off1 =
                                kAlibiInKey ? fmaf(ks, float(8 * c + 1), off) : off;
                            s[4 * c + 2 * r] =
                                exp2_approx(fmaf(s[4 * c + 2 * r], scale_log2, off0));
                            s[4 * c + 2 * r + 1] =
                                exp2_approx(fmaf(s[4 * c + 2 * r + 1], scale_log2, off1));
                            sm += s[4 * c + 2 * r] + s[4 * c + 2 * r + 1];
                            pb = max(pb, max(__float_as_uint(s[4 * c + 2 * r]),
                                             __float_as_uint(s[4 * c + 2 * r + 1])));
                        }
                        sum[r] = sm;
                        pbits[r] = pb;
                    }
                    const uint32_t wpb = max(pbits[0], pbits[1]);
                    rescale = __any_sync(0xffffffffu, wpb > Cfg::kSpecKeepBits);
                    if (rescale) {
                        if (__any_sync(0xffffffffu, wpb >= Cfg::kSpecLimitBits)) return false;
#pragma unroll
                        for (int r = 0; r < 2; ++r) {
                            uint32_t pb = pbits[r];
                            pb = max(pb, __shfl_xor_sync(0xffffffffu, pb, 1));
                            pb = max(pb, __shfl_xor_sync(0xffffffffu, pb, 2));
                            alpha[r] = 1.f;
                            if (pb > Cfg::kSpecKeepBits) {
                                const float d = log2_approx(__uint_as_float(pb));
                                m[r] += d;
                                alpha[r] = exp2_approx(-d);
                            }
#pragma unroll
                            for (int c = c0; c < c1; ++c) {
                                s[4 * c + 2 * r] *= alpha[r];
                                s[4 * c + 2 * r + 1] *= alpha[r];
                            }
                            sum[r] *= alpha[r];
                        }
                    } else {
                        alpha[0] = alpha[1] = 1.f;
                    }
#pragma unroll
                    for (int r = 0; r < 2; ++r) l[r] = l[r] * alpha[r] + sum[r];
                    return true;
                }
                if (Cfg::kFixedMax && keep) { /* the tile's offset stays */
                    rescale = false;
                    alpha[0] = alpha[1] = 1.f;
                } else {
                float bmax[2];
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    float mx = s[4 * c0 + 2 * r];
#pragma unroll
                    for (int c = c0; c < c1; ++c)
                        mx = fmaxf(mx, fmaxf(s[4 * c + 2 * r], s[4 * c + 2 * r + 1]));
                    if constexpr (Cfg::kAlibi) mx += rt[r];
                    bmax[r] = quad_max(mx) * scale_log2;
                }
                lazy_max(bmax, mask_tag, alpha);
                }
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    /* a row with no visible key so far keeps max -inf: subtract 0, not -inf */
                    float off =
                        (kMask && !Cfg::kFixedMax && m[r] == -CUDART_INF_F) ? 0.f : -m[r];
                    if constexpr (Cfg::kAlibi) off = fmaf(rt[r], scale_log2, off);
                    float sum = 0.f;
#pragma unroll
                    for (int c = c0; c < c1; ++c) {
                        s[4 * c + 2 * r] = exp2_approx(fmaf(s[4 * c + 2 * r], scale_log2, off));
                        s[4 * c + 2 * r + 1] =
                            exp2_approx(fmaf(s[4 * c + 2 * r + 1], scale_log2, off));
                        sum += s[4 * c + 2 * r] + s[4 * c + 2 * r + 1];
                    }
                    l[r] = l[r] * alpha[r] + sum;
                }
            } else {
                /* the row max and sum in NP independent chains (kRowPartials; one chain is
                 * BN / 8 dependent steps); a kHalfEdges half block takes one chain */
                constexpr int NP = c1 - c0 == BN / 8 ? Cfg::kRowPartials : 1;
#pragma unroll
                for (int r = 0; r < 2; ++r) {
                    float mp[NP];
#pragma unroll
                    for (int i = 0; i < NP; ++i)
                        mp[i] = fmaxf(s[4 * (c0 + i) + 2 * r], s[4 * (c0 + i) + 2 * r + 1]);
#pragma unroll
                    for (int c = c0 + NP; c < c1; ++c)
                        mp[(c - c0) % NP] = fmaxf(mp[(c - c0) % NP],
                                                  fmaxf(s[4 * c + 2 * r], s[4 * c + 2 * r + 1]));
#pragma unroll
                    for (int w2 = NP / 2; w2 > 0; w2 /= 2)
#pragma unroll
                        for (int i = 0; i < w2; ++i) mp[i] = fmaxf(mp[i], mp[i + w2]);
                    float mx = mp[0];
                    if constexpr (Cfg::kAlibi) mx += rt[r];
                    const float m_new = fmaxf(m[r], quad_max(mx) * scale_log2);
                    /* a row with no visible key so far keeps max -inf: subtract 0, not -inf */
                    const float m_use = (kMask && m_new == -CUDART_INF_F) ? 0.f : m_new;
                    alpha[r] = exp2_approx(m[r] - m_use);
                    m[r] = m_new;
                    const float off = Cfg::kAlibi ? fmaf(rt[r], scale_log2, -m_use) : -m_use;
                    float sp[NP];
#pragma unroll
                    for (int i = 0; i < NP; ++i) sp[i] = 0.f;
#pragma unroll
                    for (int c = c0; c < c1; ++c) {
                        s[4 * c + 2 * r] = exp2_approx(fmaf(s[4 * c + 2 * r], scale_log2, off));
                        s[4 * c + 2 * r + 1] =
                            exp2_approx(fmaf(s[4 * c + 2 * r + 1], scale_log2, off));
                        sp[(c - c0) % NP] += s[4 * c + 2 * r] + s[4 * c + 2 * r + 1];
                    }
#pragma unroll
                    for (int w2 = NP / 2; w2 > 0; w2 /= 2)
#pragma unroll
                        for (int i = 0; i < w2; ++i) sp[i] += sp[i + w2];
                    l[r] = l[r] * alpha[r] + sp[0];
                }
            }
            return true;
        };
        /* key block j (absolute) needs no mask */
        auto unmasked_block = [&](int j) {
            return j < tl.n_unmasked && (!Cfg::kHasLeft || j >= tl.n_left);
        };
        /* j: the key block (absolute); keep: not the tile's first (kFixedMax keeps the offset
         * its first block set) */
        auto softmax_at = [&](int j, float (&alpha)[2], int mode, bool keep = false) {
            using Whole = std::integral_constant<int, 0>;
            using Exact = std::false_type;
            if (unmasked_block(j)) {
                if (!Cfg::kPolyTanh || !poly_k || !softmax_poly_tanh(alpha, keep))
                    softmax(j, std::false_type{}, alpha, Whole{}, keep, Exact{});
            } else if (Cfg::kHalfEdges && mode == 1) {
                softmax(j, std::true_type{}, alpha, std::integral_constant<int, 1>{}, keep, Exact{});
            } else if (Cfg::kHalfEdges && mode == 2) {
                softmax(j, std::true_type{}, alpha, std::integral_constant<int, 2>{}, keep, Exact{});
            } else {
                softmax(j, std::true_type{}, alpha, Whole{}, keep, Exact{});
            }
        };
        auto rescale_o = [&](const float (&alpha)[2]) {
            if constexpr (!Cfg::kFixedMax) { /* kFixedMax: O is zero or alpha 1 */
            if (Cfg::kLazyRescale && !rescale) return;
#pragma unroll
            for (int c = 0; c < Cfg::kOAcc / 4; ++c) {
                o[4 * c + 0] *= alpha[0];
                o[4 * c + 1] *= alpha[0];
                o[4 * c + 2] *= alpha[1];
                o[4 * c + 3] *= alpha[1];
            }
            }
        };
        /* P's accumulator fragment is the A register fragment of the next wgmma: key columns
         * 16 kk .. 16 kk + 15 are accumulator chunks 2 kk and 2 kk + 1 */
        auto convert_p = [&]() {
#pragma unroll
            for (int kk = 0; kk < BN / 16; ++kk) {
                p[kk][0] = pack2<T>(s[8 * kk + 0], s[8 * kk + 1]);
                p[kk][1] = pack2<T>(s[8 * kk + 2], s[8 * kk + 3]);
                p[kk][2] = pack2<T>(s[8 * kk + 4], s[8 * kk + 5]);
                p[kk][3] = pack2<T>(s[8 * kk + 6], s[8 * kk + 7]);
            }
        };

        if (Cfg::kPersistent) {
            mbar_wait(&q_full[q_slot], (q_round / Cfg::kQStages) & 1);
            if (n_blocks == 0) release_q();
        }
        if constexpr (Cfg::kDeferEpilogue) {
            if (n_blocks == 0)
                fa3_flush_pending<Cfg>(o_next, l_next, pend, sOut, w, wtid, g, t, &tmO, args);
        }
        /* kCrossTile: the tile before this one finishes here if this one has no S GEMM to
         * share the turn with; both warpgroups see the same tiles, so their turns still pair */
        if constexpr (Cfg::kCrossTile) {
            if (n_blocks == 0 && pend.valid) cross_finish();
        }
        if (n_blocks > 0) {
            if (inline_producer) {
                load_q(tl, 0);
                for (int j = 0; j < kStages && j < n_blocks; ++j) load_kv(tl, j, visit_block(tl, j));
            }
            if (!Cfg::kPersistent) mbar_wait(q_full, 0);
            scale_q();
            /* the first consumer warpgroup goes first (kCarryTurns: in the block's first tile
             * only; later tiles continue the turns of the previous one) */
            if (Cfg::kPingPong && w == kWGs - 1 && !(kCarryTurns && turns_started))
                named_bar_arrive(kBarSchedBase + 0, 256);
            turns_started = true;
            if (Cfg::kOverlap) {
                float alpha[2];
                const int mode_first = half_mode(tl.kb0),
                          mode_last = half_mode(tl.kb0 + n_blocks - 1);
                const int jb0 = visit_block(tl, 0);
                const bool acc0 = alibi_next(jb0);
                mbar_wait(&k_full[kv % Cfg::kKStages], (kv / Cfg::kKStages) & 1);
                auto step0 = [&](auto cross_tag) {
                if constexpr (decltype(cross_tag)::value) {
                    /* block 0: S_0, and the previous tile's last P V GEMM in the same turn
                     * after it (warp-uniform to the compiler: lane 0's flag) */
                    const bool cross_pv = __shfl_sync(0xffffffffu, int(pend.valid), 0) != 0;
                    if (cross_pv) mbar_wait(&v_full[pv_c % kStages], (pv_c / kStages) & 1);
                    sched_wait();
                    gemm_qk(kv % Cfg::kKStages, acc0);
                    /* the GEMM and its wait in one branch: ptxas does not pair two branches on
                     * one flag, and on the unpaired path it serializes every wgmma (C7514) */
                    if (cross_pv) {
                        gemm_pv_at(pv_c % kStages, pv_mode);
                        sched_arrive();
                        wgmma_wait<1>(); /* S_0 landed; the previous tile's P V may still run */
                    } else {
                        sched_arrive();
                        wgmma_wait<0>();
                    }
                    fence_regs(s);
                    release(&k_empty[kv % Cfg::kKStages]);
                    if (n_blocks == 1) release_q();
                    softmax_at(jb0, alpha, mode_first); /* this tile's O is zero */
                    /* on both paths, so that no path leaves O's GEMM pending for ptxas (a
                     * wait with nothing in flight costs one instruction) */
                    wgmma_wait<0>();
                    if (cross_pv) {
                        fence_regs(o);
                        fence_regs(p);
                        release(&v_empty[pv_c % kStages]);
                        convert_p();
                        cross_store(); /* then O is zero for this tile */
                    } else {
                        convert_p();
                    }
                } else {
                /* block 0: S only (a separate copy from kCrossTile's: the kernels without it
                 * keep their PTX byte for byte) */
                sched_wait();
                gemm_qk(kv % Cfg::kKStages, acc0);
                sched_arrive();
                wgmma_wait<0>();
                fence_regs(s);
                release(&k_empty[kv % Cfg::kKStages]);
                if (n_blocks == 1) release_q();
                /* kDeferEpilogue: the previous tile's epilogue, under the other warpgroup's
                 * GEMMs (before the S GEMM's wait, ptxas injects one: C7517) */
                if constexpr (Cfg::kDeferEpilogue)
                    fa3_flush_pending<Cfg>(o_next, l_next, pend, sOut, w, wtid, g, t, &tmO, args);
                softmax_at(jb0, alpha, mode_first); /* O is zero: nothing to rescale */
                convert_p();
                }
                };
                /* kCrossTile: one copy of the step, its flag at run time; without it, the
                 * call below as the kernels without it were verified with (their PTX) */
                if constexpr (Cfg::kCrossTile)
                    step0(std::true_type{});
                else
                    step0(std::false_type{});
                /* kSpecExp: the j-th visited block speculates if it is unmasked, not the tile's
                 * last (so Q, released before the last block's softmax, is still held for the S
                 * recompute), after a block that kept the max, every row's max finite. Decided
                 * at the end of the step before (with the ALiBi preload), off the next step's
                 * head, whose uniform arithmetic waits for nothing else. */
                auto plan_spec = [&](int jn) {
                    return Cfg::kSpecExp && jn < n_blocks - 1 && spec_next &&
                           unmasked_block(visit_block(tl, jn)) &&
                           __all_sync(0xffffffffu,
                                      m[0] != -CUDART_INF_F && m[1] != -CUDART_INF_F);
                };
                /* block jn's preload (ALiBi) and speculation decision, at the end of the step
                 * before it (block 1: after step 0) */
                bool acc_next = false, spec_pre = false;
                auto plan_next = [&](int jn) {
                    const int jb = visit_block(tl, jn);
                    acc_next = alibi_next(jb);
                    spec_pre = plan_spec(jn);
                };
                plan_next(1);
                for (int j = 1; j < n_blocks; ++j) {
                    /* unsigned: the ring's slot and phase without a sign fix-up */
                    const unsigned c = unsigned(kv + j);
                    const int st = int(c % Cfg::kKStages), pst = int((c - 1) % kStages);
                    const int jb = visit_block(tl, j);
                    const bool acc = acc_next; /* S starts from the preloaded key part */
                    const bool spec = spec_pre;
                    mbar_wait(&k_full[st], (c / Cfg::kKStages) & 1);
                    sched_wait();
                    gemm_qk(st, acc);
                    mbar_wait(&v_full[pst], ((c - 1) / kStages) & 1);
                    gemm_pv_at(pst, j == 1 ? mode_first : 0);
                    sched_arrive();
                    wgmma_wait<1>(); /* S_j landed; P_{j-1} V_{j-1} may still run */
                    fence_regs(s);
                    /* kSpecExp: the speculative softmax; if a P overflowed, S_j again (this
                     * warp's rows: K_j and Q are held until here) and the exact one */
                    bool exact = true;
                    if constexpr (Cfg::kSpecExp) {
                        if (spec) {
                            exact = !softmax(jb, std::false_type{}, alpha,
                                             std::integral_constant<int, 0>{}, true,
                                             std::true_type{});
                            if (exact)
                                fa3_warp_qk<Cfg>(s,
                                                 q_addr + q_slot * Cfg::kTileQBytes +
                                                     (wtid / 32) * 16 * 128,
                                                 k_addr + st * Cfg::kTileKVBytes, lane,
                                                 alibi_preload(jb));
                        }
                    }
                    if (!spec) {
                        release(&k_empty[st]);
                        if (j == n_blocks - 1) release_q();
                    }
                    if (exact) softmax_at(jb, alpha, j == n_blocks - 1 ? mode_last : 0, true);
                    /* a block that moved the max predicts another (large scores: q x 8 lost
                     * 5-11% on the windows when every such block rescaled its own P) */
                    if constexpr (Cfg::kSpecExp) spec_next = !rescale;
                    if (spec) release(&k_empty[st]); /* not the last block: Q stays held */
                    wgmma_wait<0>();
                    fence_regs(o);
                    fence_regs(p);
                    release(&v_empty[pst]);
                    /* stage pst is free once every warpgroup released it */
                    if (inline_producer && j - 1 + kStages < n_blocks) load_kv(tl, j - 1 + kStages, visit_block(tl, j - 1 + kStages));
                    rescale_o(alpha);
                    convert_p();
                    /* after the tile's last step, for the block past it: dead loads, kept
                     * unconditional so that ptxas interleaves them with convert_p */
                    plan_next(j + 1);
                }
                const int lc = kv + n_blocks - 1, lst = lc % kStages;
                if constexpr (Cfg::kCrossTile) {
                    /* the last P V GEMM goes with the next tile's first S GEMM */
                    pv_c = lc;
                    pv_mode = mode_last;
                } else {
                mbar_wait(&v_full[lst], (lc / kStages) & 1);
                sched_wait();
                gemm_pv_at(lst, mode_last);
                /* the first warpgroup takes no further turn in this tile: no arrival from
                 * the last one, unless the turns carry on into the next tile (kCarryTurns) */
                if (kCarryTurns || w != kWGs - 1) sched_arrive();
                if constexpr (Cfg::kLeanEpilogue && !Cfg::kDeferEpilogue && !Cfg::kTensorSum)
                    fa3_row_inv<Cfg>(l, inv_l);
                wgmma_wait<0>();
                fence_regs(o);
                /* l is final with O: 1 / l here, before the release and the epilogue's
                 * bookkeeping (session 15: at the epilogue instead, Gemma 2's window -1.5..2.3%) */
                if constexpr (Cfg::kTensorSum) fa3_row_inv_sums<Cfg>(o, inv_l);
                release(&v_empty[lst]);
                }
            } else {
                for (int j = 0; j < n_blocks; ++j) {
                    const int c = kv + j;
                    const int st = c % kStages;
                    const uint32_t ph = (c / kStages) & 1;
                    float alpha[2];
                    const int jb = visit_block(tl, j);
                    const bool acc = alibi_next(jb);
                    mbar_wait(&k_full[st], ph);
                    gemm_qk(st, acc);
                    wgmma_wait<0>();
                    fence_regs(s);
                    release(&k_empty[st]);
                    if (j == n_blocks - 1) release_q();
                    softmax_at(jb, alpha, 0, j > 0);
                    rescale_o(alpha);
                    convert_p();
                    mbar_wait(&v_full[st], ph);
                    gemm_pv(st);
                    wgmma_wait<0>();
                    fence_regs(o);
                    fence_regs(p);
                    release(&v_empty[st]);
                }
            }
        }
        kv += n_blocks;

        if constexpr (Cfg::kDeferEpilogue) {
            /* its epilogue runs in the next tile, or after the last (fa3_flush_pending) */
            pend = {tl.row0, tl.seqlen_q, tl.q_start, tl.head, tl.map_batch, true};
        } else if (Cfg::kCrossTile && n_blocks > 0) {
            /* its last P V GEMM and epilogue run in the next tile, or after the last */
            pend = {tl.row0, tl.seqlen_q, tl.q_start, tl.head, tl.map_batch, true};
            l_prev[0] = l[0];
            l_prev[1] = l[1];
            if (tile_index(it + 1) >= n_tiles) cross_finish(); /* the block's last tile */
        } else {
            /* ------------------------------------------------------------ epilogue */
            if constexpr (Cfg::kTensorSum) {
                if constexpr (!Cfg::kOverlap) fa3_row_inv_sums<Cfg>(o, inv_l);
            } else if constexpr (!Cfg::kLeanEpilogue || !Cfg::kOverlap) {
                fa3_row_inv<Cfg>(l, inv_l);
            }
            fa3_store_o<Cfg>(o, inv_l, row0, seqlen_q, tl.q_start, tl.head, tl.map_batch, sOut, w,
                             wtid, g, t, &tmO, args);
        }
        }
        if constexpr (Cfg::kDeferEpilogue) /* the last tile's epilogue */
            fa3_flush_pending<Cfg>(o_next, l_next, pend, sOut, w, wtid, g, t, &tmO, args);
        /* kCarryTurns: the last warpgroup's arrival after the block's last tile has no turn
         * after it; the first one takes it, so that every arrival is matched */
        if (kCarryTurns && turns_started && w == 0) sched_wait();
        if (Cfg::kPersistent && wtid == 0) tma_store_wait_read();
    }
#endif
}

namespace fa3_detail {

/* A 4-d map (head_dim, seqlen, heads, batch) over a BSHD tensor with element strides; boxes of
 * 64 elements x box_rows rows, 128-byte swizzle, out-of-bounds reads as zeros. A stride of 0
 * (a dimension of size 1, allowed by the ABI) is replaced by the packed stride: its index is
 * always 0, and the copy engine wants a nonzero multiple of 16 bytes. */
template <class T>
inline bool make_map(CUtensorMap* map, const void* ptr, int head_dim, int seqlen, int heads,
                     int batch, int64_t row_stride, int64_t head_stride, int64_t batch_stride,
                     int box_rows) {
    const int64_t e = int64_t(sizeof(T));
    const int64_t rs = row_stride != 0 ? row_stride : int64_t(head_dim);
    const int64_t hs = head_stride != 0 ? head_stride : rs * seqlen;
    const int64_t bs = batch_stride != 0 ? batch_stride : hs * heads;
    const cuuint64_t dims[4] = {cuuint64_t(head_dim), cuuint64_t(seqlen), cuuint64_t(heads),
                                cuuint64_t(batch)};
    const cuuint64_t strides[3] = {cuuint64_t(rs * e), cuuint64_t(hs * e), cuuint64_t(bs * e)};
    return sm90::encode_map_4d<T>(map, ptr, dims, strides, box_rows);
}

}  // namespace fa3_detail

/* Enqueues the kernel for `args` on `stream`; returns the cudaError_t of the launch. */
template <class Spec>
int fa3_fwd_launch(const QimengAttnArgs* args, void* stream) {
    using Cfg = Fa3Config<Spec>;
    using T = typename Cfg::Element;
    if (args == nullptr || args->head_dim != Cfg::kHeadDim || args->heads_kv <= 0 ||
        args->heads_q % args->heads_kv != 0 || args->batch <= 0 || args->seqlen_q <= 0 ||
        args->seqlen_k <= 0 || args->heads_q > 65535 || args->batch > 65535 ||
        fa3_unsupported_fields(*args, Cfg::kAlibi, Cfg::kVarlen)) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    const QimengAttnArgs& a = *args;
    /* varlen: the packed tensors are one batch entry of the maps (seqlen = total tokens) */
    const int map_batch = Cfg::kVarlen ? 1 : a.batch;
    CUtensorMap tq, tk, tv, to;
    if (!fa3_detail::make_map<T>(&tq, a.q, Cfg::kHeadDim, a.seqlen_q, a.heads_q, map_batch,
                                 a.q_row_stride, a.q_head_stride, a.q_batch_stride,
                                 Cfg::kBlockM) ||
        !fa3_detail::make_map<T>(&tk, a.k, Cfg::kHeadDim, a.seqlen_k, a.heads_kv, map_batch,
                                 a.k_row_stride, a.k_head_stride, a.k_batch_stride,
                                 Cfg::kBlockN) ||
        !fa3_detail::make_map<T>(&tv, a.v, Cfg::kHeadDim, a.seqlen_k, a.heads_kv, map_batch,
                                 a.v_row_stride, a.v_head_stride, a.v_batch_stride,
                                 Cfg::kBlockN) ||
        !fa3_detail::make_map<T>(&to, a.o, Cfg::kHeadDim, a.seqlen_q, a.heads_q, map_batch,
                                 a.o_row_stride, a.o_head_stride, a.o_batch_stride, 64)) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    const int m_blocks =
        ((Cfg::kVarlen ? a.max_seqlen_q : a.seqlen_q) + Cfg::kBlockM - 1) / Cfg::kBlockM;
    dim3 grid(m_blocks, a.heads_q, a.batch);
    if (Cfg::kPersistent) {
        int dev = 0, sms = 0;
        cudaError_t e = cudaGetDevice(&dev);
        if (e == cudaSuccess) e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
        if (e != cudaSuccess) return static_cast<int>(e);
        const int64_t tiles = int64_t(m_blocks) * a.heads_q * a.batch;
        if (tiles > int64_t(2147483647)) return static_cast<int>(cudaErrorInvalidValue);
        grid = dim3(unsigned(tiles < sms ? tiles : sms), 1, 1);
    }
    const cudaError_t err = cudaFuncSetAttribute(
        fa3_fwd_kernel<Spec>, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes);
    if (err != cudaSuccess) return static_cast<int>(err);
    fa3_fwd_kernel<Spec><<<grid, Cfg::kThreads, Cfg::kSmemBytes, static_cast<cudaStream_t>(stream)>>>(
        tq, tk, tv, to, a);
    return static_cast<int>(cudaGetLastError());
}

}  // namespace qimeng

#endif /* QIMENG_FA3_FWD_CUH */
