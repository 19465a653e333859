/* fwd-a100-bf16-d128-full: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;  /* A100 tensor cores take bf16 (m16n8k16) */
    static constexpr int kHeadDim = 128;
    static constexpr int kBlockM = 128;  /* 8 warps x 16 rows: each K/V tile serves 128 queries */
    static constexpr int kBlockN = 64;  /* S is 32 f32 registers/thread beside O's 64 and Q's 32 */
    static constexpr int kWarps = 8;
    static constexpr int kStages = 2;  /* cp.async double buffer: 102 KiB of 163 KiB */
    static constexpr bool kCausal = false;
    static constexpr bool kQInRegisters = true;  /* 32 registers; the total stays under 255 with no spill */
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d128_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
