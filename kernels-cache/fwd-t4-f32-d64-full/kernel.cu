/* fwd-t4-f32-d64-full: this spec's tile configuration and its launcher (the kernel is f32_fwd.cuh). */
#include "kernel.h"

#include "qimeng/f32_fwd.cuh"

namespace {

struct Spec {
    using Element = float;  /* exact f32 on FMA: tf32 tensor cores would miss f32's 1e-5 standard */
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockM = 64;  /* 16 row groups x 4 rows */
    static constexpr int kBlockN = 32;  /* 42 KiB under sm_75's 64 KiB per block */
    static constexpr int kWarps = 8;
    static constexpr int kStages = 1;
    static constexpr bool kCausal = false;
    static constexpr int kMinBlocksPerSm = 1;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_fwd_t4_f32_d64_full(const QimengAttnArgs* args, void* stream) {
    return qimeng::f32_fwd_launch<Spec>(args, stream);
}
