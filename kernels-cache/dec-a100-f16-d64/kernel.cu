/* dec-a100-f16-d64: this spec's decode tile configuration and its launcher (the kernel is decode_fwd.cuh). */
#include "kernel.h"

#include "qimeng/decode_fwd.cuh"

namespace {

struct Spec {
    using Element = __half;
    using MmaElement = __half;
    static constexpr int kHeadDim = 64;
    static constexpr int kBlockN = 64;
    static constexpr int kStages = 2;  /* 2 x 64 keys x (K + V): 68 KiB at d128, 2 blocks/SM within 164 KiB */
    static constexpr int kMinBlocksPerSm = 2;
};

}  // namespace

QIMENG_EXTERN_C int qimeng_dec_a100_f16_d64(const QimengDecodeArgs* args, void* stream) {
    return qimeng::decode_fwd_launch<Spec>(args, stream);
}
