/* Tile variants of the FA2 forward template for the H100 (bf16), checked and timed by
 * `fa_check --sweep` beside the cache entries, to choose each entry's tile configuration.
 * Name: sweep-d<D>-m<BM>-n<BN>-w<WARPS>-r<rows per warp>-s<STAGES>-q<Q in registers>.
 * Results (H100, b=4 s=4096 h=16, TFLOP/s full / causal) are in
 * tests/cuda/results/h100-2026-11-25.log; the entries took the best of each head_dim:
 * d128 m128-n32-w4-r32 (300 / 248), d64 full m128-n64-w4-r32 (284), d64 causal m128-n128-w8-r16
 * (182; its r32 variant spills in the mask path). */
#include "entry.h"
#include "qimeng/fa2_fwd.cuh"

namespace {

template <int D, int BM, int BN, int W, int WR, int ST, bool QR, int MINB, bool CAUSAL>
struct SweepSpec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockM = BM;
    static constexpr int kBlockN = BN;
    static constexpr int kWarps = W;
    static constexpr int kWarpRows = WR;
    static constexpr int kStages = ST;
    static constexpr bool kCausal = CAUSAL;
    static constexpr bool kQInRegisters = QR;
    static constexpr int kMinBlocksPerSm = MINB;
};

template <class Spec>
int launch(const QimengAttnArgs* args, void* stream) {
    return qimeng::fa2_fwd_launch<Spec>(args, stream);
}

}  // namespace

#define QIMENG_SWEEP(D, BM, BN, W, WR, ST, QR, MINB)                                          \
    {"sweep-d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-s" #ST "-q" #QR "-full",              \
     launch<SweepSpec<D, BM, BN, W, WR, ST, QR, MINB, false>>, "h100", "bf16", D, false},     \
    {"sweep-d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-s" #ST "-q" #QR "-causal",            \
     launch<SweepSpec<D, BM, BN, W, WR, ST, QR, MINB, true>>, "h100", "bf16", D, true},

extern const CheckEntry kSweep[] = {
    QIMENG_SWEEP(128, 128, 64, 8, 16, 2, 1, 1)  /* the entries' tiles before this sweep */
    QIMENG_SWEEP(128, 128, 128, 8, 16, 2, 1, 1)
    QIMENG_SWEEP(128, 64, 64, 4, 16, 2, 1, 2)
    QIMENG_SWEEP(128, 128, 32, 4, 32, 2, 0, 2)
    QIMENG_SWEEP(128, 256, 32, 8, 32, 2, 0, 1)
    QIMENG_SWEEP(128, 128, 64, 4, 32, 2, 0, 2)  /* FA2's sm80/sm90 tiles for d128; spills here */
    QIMENG_SWEEP(64, 128, 128, 8, 16, 2, 1, 1)  /* the entries' tiles before this sweep */
    QIMENG_SWEEP(64, 128, 64, 8, 16, 2, 1, 1)
    QIMENG_SWEEP(64, 128, 64, 4, 32, 2, 1, 2)
    QIMENG_SWEEP(64, 256, 64, 8, 32, 2, 1, 1)
};
extern const int kSweepCount = sizeof(kSweep) / sizeof(kSweep[0]);
