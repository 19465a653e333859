/* fwd-h100-f16-d64-causal: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
 * ring, producer/consumer warpgroups, ping-pong, intra-warpgroup overlap; docs/HOPPER.md).
 * Choices: bench/results/h100-hopper-2026-11-25.md. */
#include "kernel.h"

#include "qimeng/fa3_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockN = 128;  /* BN 128: BN 192 with 2 warpgroups reached only 498 at 16k; S + P + O = 64 + 32 + 32 registers fit 160 */
    static constexpr int kStages = 2;  /* K/V ring of 2 stages: the producer stays a block ahead (kernel.tl's Allocate line counts the shared memory) */
    static constexpr bool kCausal = true;
    static constexpr bool kOverlap = true;  /* softmax(j) under P V of block j-1: without it -7 to -14% at d128 full */
    static constexpr bool kPingPong = true;  /* warpgroups take turns on the tensor cores: without it -1 to -5% at d128 full */
    static constexpr int kConsumerWGs = 3;  /* 3 x 64 rows at 160 registers: 551-575 TFLOP/s full and 500-528 causal at 8k-16k vs 463-470 and 448-482 with 2 (2 are 7-9% faster only at causal 512-1k) */
    static constexpr bool kSpecExp = true;  /* the speculative softmax on the 3-warpgroup schedule: +2.7% causal, +4.5% full at 8k keys */
    static constexpr bool kUniformQ = true;  /* Q's wgmma descriptors in uniform registers: without them the speculative softmax's S recompute spilled 24 bytes, reloaded every key block; causal +2.0% at 8k-16k, full +0.8..1.5% at 2k-16k (session 11) */
    static constexpr bool kTensorSum = true;  /* l in the P V GEMM (N = head_dim + 8 over a box of ones in each V stage): no FADD per score; +2.3..2.9% at 8k-16k keys (session 14) */
};

/* The schedule of calls with up to kMaxSeqlenK keys: 2 warpgroups persistent up to 4k keys: 239 / 321 / 374 TFLOP/s at 512 / 1k / 2k vs 177 / 252 / 367 with 3 per tile; a 3-stage K/V ring (128 KiB) adds 1-3% at 512-2k (248 / 334 / 386 vs 242 / 328 / 381); the row max and sum in 2 partial chains add 1.3 / 2.6 / 3.6% at 512 / 1k / 2k (4 chains: 1.0-1.8%) and make it 1.04x the 3 per tile schedule at 4k, 0.95x at 8k. */
struct ShortSpec : Spec {
    static constexpr int kConsumerWGs = 2;  /* 64 x 2 rows, 240 registers */
    static constexpr int kStages = 3;  /* K/V ring of 3 stages: the producer runs further ahead across tiles */
    static constexpr int kRowPartials = 2;  /* the softmax's row max and sum in 2 partial chains: shorter dependent chains for a warp alone on its scheduler (hop7) */
    static constexpr bool kRowBoundMask = true;  /* masked blocks (the diagonal) compare key offsets with per-row bounds: 2 instructions a score, not 4 (hop7) */
    static constexpr bool kUniformQ = true;  /* Q's wgmma descriptors in uniform registers, not moved over from vector registers each k step: +0.2 / +1.1 / +2.4 / +3.8% at 512 / 1k / 2k / 4k (hop8) */
    static constexpr int kQStages = 2;  /* two Q buffers: the producer loads the next tile's Q under this tile's key blocks; hop9: +1.0 / +0.4 / +1.1 / +1.4% at 512 / 1k / 2k / 4k (with the deferred epilogue too -2.3% at 512) */
    static constexpr bool kSpecExp = false;  /* not on the short schedule: -5.5% at 1k keys */
    static constexpr bool kTensorSum = false;  /* not on the short schedule: -2.8..-6.3% at 512-4k keys (session 14) */
    static constexpr bool kEvenTail = true;  /* the last two or three rounds' tiles longest first across their heads: in a model (tile = c0 + key blocks) of 512 keys, the busiest of 132 blocks 1.3% over the mean, not 3.1% (hop12) */
    static constexpr bool kPersistent = true;
    static constexpr int kMaxSeqlenK = 4096;  /* the launcher's bound, and the TL's `Schedule persistent when S_k <= 4096` */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h100_f16_d64_causal(const QimengAttnArgs* args, void* stream) {
    /* the schedule for this call's shape (one source of truth: ShortSpec::kMaxSeqlenK) */
    if (args != nullptr && args->seqlen_k <= ShortSpec::kMaxSeqlenK)
        return qimeng::fa3_fwd_launch<ShortSpec>(args, stream);
    return qimeng::fa3_fwd_launch<Spec>(args, stream);
}
