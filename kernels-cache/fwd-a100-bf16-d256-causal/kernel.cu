/* fwd-a100-bf16-d256-causal: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 256;
    static constexpr int kBlockM = 128;  /* 8 warps x 16 rows (FA2's d256 tile): O is 128 f32 registers/thread */
    static constexpr int kBlockN = 32;  /* 132 KiB of a100's 163 KiB per block (BN=64 would take 198 KiB) */
    static constexpr int kWarps = 8;
    static constexpr int kWarpRows = 16;  /* one 16-row MMA tile per warp: 32 rows would need 256 O registers */
    static constexpr int kStages = 2;  /* cp.async double buffer, 1 block/SM */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = false;  /* Q re-read from shared memory: registers go to O */
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d256_causal(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
