/* fwd-h100-bf16-d128-causal-w4096_0: this spec's traits and its launcher. The kernel is fa3_fwd.cuh (wgmma, TMA K/V
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
    static constexpr int kKStages = 3;  /* K's ring a stage deeper than V's (224 KiB of 227), K one block ahead: the next tile's first K loads under this tile's last blocks (hwin5: +2.4..2.7% w256_256, w1024_0 within 1%; bench/results/h100-variants-2026-11-26.md) */
    static constexpr int kHeadGroup = 0;  /* no head groups: past ~8k rows kShortLast orders the tiles, which beat 16 (head, batch) pairs a round by +1.1..2.7% with softcap, +0.4..0.7% without, at 16k keys (session 18, bench/results/h100-variants-2026-11-26.md) */
    static constexpr bool kShortLast = true;  /* past ~8k rows, the query blocks the sequence's start cuts run last: +1.1..2.7% on Gemma 2's window, +0.4..0.7% on Mistral's at 16k keys, over kHeadGroup 16 (session 18, bench/results/h100-variants-2026-11-26.md) */
    static constexpr int kWindowLeft = 4096;  /* keys before the diagonal each query sees */
    static constexpr bool kSpecExp = true;  /* the speculative softmax: plain +0.3..1.1% at 512, +2.4..4.5% at 1k-2k, +4.4..6.4% at 4k-16k keys (f16 +4.6..5.8% at 8k), the same at q x 4 and 8; windows +1.5..3.6%, varlen +4..8% */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal_w4096_0(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa3_fwd_launch<Spec>(args, stream);
}
