/* fwd-a100-bf16-d32-causal: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 32;
    static constexpr int kBlockM = 128;  /* 4 warps x 32 rows, as at d64 */
    static constexpr int kBlockN = 64;  /* O (32) + S (64) + Q (16) registers/thread: far under 255 */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 32;  /* each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic */
    static constexpr int kStages = 2;  /* cp.async double buffer: 30 KiB, 2+ blocks/SM on a100 */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = true;  /* 16 registers, read once instead of every key block */
    static constexpr int kMinBlocksPerSm = 2;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d32_causal(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
