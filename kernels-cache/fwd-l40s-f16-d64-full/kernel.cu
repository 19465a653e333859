/* fwd-l40s-f16-d64-full: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    using MmaElement = __half;  /* L40S tensor cores take f16 (m16n8k16) */
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockM = 128;  /* 4 warps x 32 rows, as on a100/h100 */
    static constexpr int kBlockN = 32;  /* 36 KiB: 2 blocks fit 100 KiB/SM on sm_89; BN=64 (54 KiB) fits one */
    static constexpr int kWarps = 4;
    static constexpr int kWarpRows = 32;  /* each K/V fragment feeds 2 MMA row tiles: half the ldmatrix traffic */
    static constexpr int kStages = 2;  /* cp.async double buffer (1 stage of BN=64 is as small, but waits on every copy) */
    static constexpr bool kCausal = false;
    static constexpr bool kQInRegisters = true;  /* 32 registers, read once instead of every key block */
    static constexpr int kMinBlocksPerSm = 2;  /* 2 x 36 KiB of shared memory per SM on sm_89 */
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_l40s_f16_d64_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
