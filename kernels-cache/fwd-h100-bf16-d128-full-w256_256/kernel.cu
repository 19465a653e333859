/* fwd-h100-bf16-d128-full-w256_256: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
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
    static constexpr bool kCausal = false;
    static constexpr bool kOverlap = true;  /* softmax(j) under P V of block j-1: without it -7 to -14% at d128 full */
    static constexpr bool kPingPong = true;  /* warpgroups take turns on the tensor cores: without it -1 to -5% at d128 full */
    static constexpr int kConsumerWGs = 2;  /* 2 x 64 rows at 240 registers: S + P + O = 64 + 32 + 64 registers per thread */
    static constexpr bool kPersistent = true;  /* persistent: 496-716 TFLOP/s, 1.06-1.13x cuDNN on every cell of the FA3 grid, vs 441-711 (0.94x at 512) with a block per tile */
    static constexpr bool kRowBoundMask = true;
    static constexpr int kHeadGroup = 16;  /* past ~8k rows a round of tiles spans 16 (head, batch) pairs, not one pair's rows (session 9: w4096_0 at 16k 0.83 -> 0.95x plain; bench/results/h100-variants-2026-11-26.md) */
    static constexpr int kWindowLeft = 256;  /* keys before the diagonal each query sees */
    static constexpr int kWindowRight = 256;  /* keys after the diagonal each query sees */
    static constexpr bool kSpecExp = true;  /* the speculative softmax: plain +0.3..1.1% at 512, +2.4..4.5% at 1k-2k, +4.4..6.4% at 4k-16k keys (f16 +4.6..5.8% at 8k), the same at q x 4 and 8; windows +1.5..3.6%, varlen +4..8% */
    static constexpr bool kTensorSum = true;  /* l in the P V GEMM (N = head_dim + 8 over a box of ones in each V stage): no FADD per score (session 16: w1024_0 +1.3..1.8% at 8k keys, 0 at 16k; w256_256 0..+0.7%; kKStages 2 makes room for the ones) */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_full_w256_256(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa3_fwd_launch<Spec>(args, stream);
}
