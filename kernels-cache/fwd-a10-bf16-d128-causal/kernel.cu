/* fwd-a10-bf16-d128-causal: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A10 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockM = 128;  /* 4 warps x 32 rows, as on a100/h100 */
    static constexpr int kBlockN = 32;  /* a100's tile: BN=64 x 2 stages (102 KiB) exceeds 99 KiB per block on sm_86 */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 32;  /* each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic */
    static constexpr int kStages = 3;  /* 3 stages (85 KiB) fit 99 KiB on sm_86: 1 block/SM with 2 or 3, so a deeper cp.async pipeline */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = false;  /* Q re-read from shared memory: no registers left for it at 32 rows */
    static constexpr int kMinBlocksPerSm = 1;  /* one 85 KiB block per 100 KiB SM on sm_86 */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a10_bf16_d128_causal(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
