/* Tile variants of the FA2 forward template (kernels-cache/include/qimeng/fa2_fwd.cuh), bf16 on
 * the H100, exported for bench/bench.py --variants: the candidates a cache entry's tiles are
 * chosen from. Built by bench/build.sh with nvcc directly (not through qimeng-build: these are
 * not cache entries). Name: d<D>-m<BM>-n<BN>-w<WARPS>-r<rows per warp>-q<Q in registers>. */
#include "qimeng/fa2_fwd.cuh"

#include "variant_exports.h"

namespace {

template <int D, int BM, int BN, int W, int WR, bool QR, int MINB, bool CAUSAL, bool LAZY, int KKU,
          bool ONEBAR>
struct VariantSpec {
    using Element = __nv_bfloat16;
    using MmaElement = __nv_bfloat16;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockM = BM;
    static constexpr int kBlockN = BN;
    static constexpr int kWarps = W;
    static constexpr int kWarpRows = WR;
    static constexpr int kStages = 2;
    static constexpr bool kCausal = CAUSAL;
    static constexpr bool kQInRegisters = QR;
    static constexpr int kMinBlocksPerSm = MINB;
    static constexpr bool kLazyRescale = LAZY; /* skip the O rescale unless a max grew > 2^8 */
    static constexpr int kQkUnroll = KKU;      /* k-loop unroll of S = Q K^T (Q from shared) */
    static constexpr bool kSingleBarrier = ONEBAR; /* one __syncthreads per main-loop step */
};

using qimeng_bench::Variant;

#define QIMENG_VARIANT(D, BM, BN, W, WR, QR, MINB, LAZY, KKU, ONEBAR, TAG)                     \
    {"d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-q" #QR TAG,                                   \
     qimeng::fa2_fwd_launch<VariantSpec<D, BM, BN, W, WR, QR, MINB, false, LAZY, KKU, ONEBAR>>, D, 0}, \
    {"d" #D "-m" #BM "-n" #BN "-w" #W "-r" #WR "-q" #QR TAG,                                   \
     qimeng::fa2_fwd_launch<VariantSpec<D, BM, BN, W, WR, QR, MINB, true, LAZY, KKU, ONEBAR>>, D, 1},

/* v2/v3 (issue 6 follow-up), against the v3 entries (lazy rescale, one barrier per step, d128
 * full with the Q K^T k loop unrolled 8): "-eager" is the v1 kernel (rescale every step, two
 * barriers), "-lazy-u<k>-2bar" the v2 kernels (lazy rescale, two barriers per step). */
const Variant kVariants[] = {
    QIMENG_VARIANT(128, 128, 64, 4, 32, false, 2, false, 2, false, "-eager")   /* v1 entries */
    QIMENG_VARIANT(128, 128, 64, 4, 32, false, 2, true, 2, false, "-lazy-u2-2bar")  /* v2 */
    QIMENG_VARIANT(128, 128, 64, 4, 32, false, 2, true, 8, false, "-lazy-u8-2bar")
    QIMENG_VARIANT(128, 128, 64, 4, 32, false, 2, true, 2, true, "-lazy-u2-1bar")
    QIMENG_VARIANT(64, 128, 64, 4, 32, true, 2, false, 2, false, "-eager")     /* v1 entries */
    QIMENG_VARIANT(64, 128, 64, 4, 32, true, 2, true, 2, false, "-lazy-2bar")  /* v2 entries */
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
