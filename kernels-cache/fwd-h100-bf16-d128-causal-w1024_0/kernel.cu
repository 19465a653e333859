/* fwd-h100-bf16-d128-causal-w1024_0: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
 * ring, producer/consumer warpgroups, ping-pong, intra-warpgroup overlap; docs/HOPPER.md).
 * Choices: bench/results/h100-hopper-2026-11-25.md. */
#include "kernel.h"

#include "qimeng/fa3_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockN = 128;  /* BN 128: 709-727 TFLOP/s full 16k (cuDNN 639-657), 720 causal 16k */
    static constexpr int kStages = 2;  /* K/V ring of 2 stages: a third stage does not fit with BM 128 (kernel.tl's Allocate line counts the shared memory) */
    static constexpr bool kCausal = true;
    static constexpr bool kOverlap = true;  /* softmax(j) under P V of block j-1: without it -7 to -14% at d128 full */
    static constexpr bool kPingPong = true;  /* warpgroups take turns on the tensor cores: without it -1 to -5% at d128 full */
    static constexpr int kConsumerWGs = 2;  /* 2 x 64 rows at 240 registers: S + P + O = 64 + 32 + 64 registers per thread */
    static constexpr bool kPersistent = true;  /* persistent: a window's tiles do equal work and are short (9 key blocks at 1024 keys), so the next tile's loads and this one's epilogue overlap (bench/results/h100-variants-2026-11-26.md) */
    static constexpr bool kRowBoundMask = true;
    static constexpr int kHeadGroup = 0;  /* the committed tile order at every length: 16 (head, batch) pairs a round cost this window 1..2.2% at 16k keys, 8 or 4 pairs more (session 17, bench/results/h100-variants-2026-11-26.md) */
    static constexpr bool kShortLast = true;  /* past ~8k rows, the query blocks the sequence's start cuts run last: +0.6..1.9% on w1024_0, +0.1..1.2% with softcap at 16k keys (session 18, bench/results/h100-variants-2026-11-26.md) */
    static constexpr int kWindowLeft = 1024;  /* keys before the diagonal each query sees */
    static constexpr bool kSpecExp = true;  /* the speculative softmax: plain +0.3..1.1% at 512, +2.4..4.5% at 1k-2k, +4.4..6.4% at 4k-16k keys (f16 +4.6..5.8% at 8k), the same at q x 4 and 8; windows +1.5..3.6%, varlen +4..8% */
    static constexpr bool kTensorSum = true;  /* l in the P V GEMM (N = head_dim + 8 over a box of ones in each V stage): no FADD per score (session 16: w1024_0 +1.3..1.8% at 8k keys, 0 at 16k; w256_256 0..+0.7%; kKStages 2 makes room for the ones) */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal_w1024_0(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa3_fwd_launch<Spec>(args, stream);
}
