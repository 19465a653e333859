/* fwd-h100-f16-d64-causal: this spec's tile configuration and its launcher (the kernel is fa2_fwd.cuh). */
#include "kernel.h"

#include "qimeng/fa2_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    using MmaElement = __half;  /* H100 tensor cores take f16 (m16n8k16) */
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockM = 128;  /* 8 warps x 16 rows: 32 rows per warp spills in the causal mask path (174 vs 182) */
    static constexpr int kBlockN = 128;  /* d64 leaves room: S is 64 f32 registers/thread beside O's 32 */
    static constexpr int kWarps = 8;
    static constexpr int kWarpRows = 16;  /* one 16-row MMA tile per warp */
    static constexpr int kStages = 2;  /* cp.async double buffer: 90 KiB of 227 KiB */
    static constexpr bool kCausal = true;
    static constexpr bool kQInRegisters = true;  /* 16 registers, read once instead of every key block */
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_h100_f16_d64_causal(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}
