/* fwd-h200-f16-d128-causal: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
 * ring, producer/consumer warpgroups, ping-pong, intra-warpgroup overlap; docs/HOPPER.md).
 * Choices: bench/results/h100-hopper-2026-11-25.md (measured on H100; H200 is the same sm_90a chip class). */
#include "kernel.h"

#include "qimeng/fa3_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockN = 128;  /* BN 128: 709-727 TFLOP/s full 16k (cuDNN 639-657), 720 causal 16k */
    static constexpr int kStages = 2;  /* K/V ring of 2 stages: a third stage does not fit with BM 128 (kernel.tl's Allocate line counts the shared memory) */
    static constexpr bool kCausal = true;
    static constexpr bool kOverlap = true;  /* softmax(j) under P V of block j-1: without it -7 to -14% at d128 full */
    static constexpr bool kPingPong = true;  /* warpgroups take turns on the tensor cores: without it -1 to -5% at d128 full */
    static constexpr int kConsumerWGs = 2;  /* 2 x 64 rows at 240 registers: S + P + O = 64 + 32 + 64 registers per thread */
    static constexpr bool kSpecExp = true;  /* the speculative softmax: plain +0.3..1.1% at 512, +2.4..4.5% at 1k-2k, +4.4..6.4% at 4k-16k keys (f16 +4.6..5.8% at 8k), the same at q x 4 and 8; windows +1.5..3.6%, varlen +4..8% */
    static constexpr bool kTensorSum = true;  /* l in the P V GEMM (N = head_dim + 8 over a box of ones in each V stage): no FADD per score; +1.7..3.3% at 2k-16k keys full, +2.0% causal at 16k (session 14) */
};

/* The schedule of calls with up to kMaxSeqlenK keys: persistent up to 8k keys: 316 / 456 / 567 / 638 / 676 TFLOP/s at 512 .. 8k, 1.08-1.17x cuDNN, vs 271 / 396 / 512 / 601 / 653 with a block per tile; at 16k persistent makes 489 (0.78x: a round of 132 tiles is about one head, the static split uneven) and a block per tile 711. */
struct ShortSpec : Spec {
    static constexpr bool kRowBoundMask = true;  /* masked blocks (the diagonal) compare key offsets with per-row bounds: 2 instructions a score, not 4 (hop7) */
    static constexpr int kQStages = 2;  /* two Q buffers: the producer loads the next tile's Q under this tile's key blocks; hop9: +1.2..1.5% at 512, +0.1% at 1k / 2k, +0.6..0.9% at 4k, +1.1..1.3% at 8k */
    static constexpr bool kCrossTile = true;  /* a tile's last P V GEMM in the next tile's first turn, its epilogue under the next tile's first softmax (hop11: bench/results/h100-*-2026-11-26.md, session 7) */
    static constexpr bool kTensorSum = false;  /* not on the short schedule: -3.4 / -1.1% at 512 / 1k keys, with one Q buffer and no kCrossTile to make room (session 14) */
    static constexpr bool kPersistent = true;
    static constexpr int kMaxSeqlenK = 8192;  /* the launcher's bound, and the TL's `Schedule persistent when S_k <= 8192` */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h200_f16_d128_causal(const QimengAttnArgs* args, void* stream) {
    /* the schedule for this call's shape (one source of truth: ShortSpec::kMaxSeqlenK) */
    if (args != nullptr && args->seqlen_k <= ShortSpec::kMaxSeqlenK)
        return qimeng::fa3_fwd_launch<ShortSpec>(args, stream);
    return qimeng::fa3_fwd_launch<Spec>(args, stream);
}
