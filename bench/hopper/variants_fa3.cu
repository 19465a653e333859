/* Schedule variants of the Hopper family (kernels-cache/include/qimeng/fa3_fwd.cuh), bf16, for
 * bench/bench.py --variants: timed interleaved with the cache entries and cuDNN in the harness,
 * on the cells still under cuDNN (short sequences). The same exports as bench/variants.cu;
 * built by bench/hopper/build-variants.sh. Name: d<D>-w<consumer WGs>-n<BN>-s<stages>-<pers|tile>
 * then the softmax options (hop7): -p<kRowPartials>, -m: kRowBoundMask. (hop7's call 1 timed
 * kExp2FmaEvery, exp2 on the FMA pipe, with this file at commit f6c2a5e.) */
#include "qimeng/fa3_fwd.cuh"

#include "../variant_exports.h"

namespace {

template <int D, int WGS, int BN, int STAGES, bool PERS, bool CAUSAL, int NP, bool MASK>
struct VariantSpec {
    using Element = __nv_bfloat16;
    static constexpr int kHeadDim = D;
    static constexpr int kBlockN = BN;
    static constexpr int kStages = STAGES;
    static constexpr bool kCausal = CAUSAL;
    static constexpr bool kOverlap = true;
    static constexpr bool kPingPong = true;
    static constexpr int kConsumerWGs = WGS;
    static constexpr bool kPersistent = PERS;
    static constexpr int kRowPartials = NP;
    static constexpr bool kRowBoundMask = MASK;
};

using qimeng_bench::Variant;

/* MTAG: "-m" sets kRowBoundMask, "" leaves it off */
#define QIMENG_FA3_VARIANT(D, WGS, BN, STAGES, PERS, TAG, CAUSAL, NP, MTAG)                       \
    {"d" #D "-w" #WGS "-n" #BN "-s" #STAGES TAG "-p" #NP MTAG,                                     \
     qimeng::fa3_fwd_launch<VariantSpec<D, WGS, BN, STAGES, PERS, CAUSAL, NP, (sizeof(MTAG) > 1)>>, \
     D, CAUSAL},

/* hop7 call 2, beside the entries of call 1's choice: the d64 long schedule (3 warpgroups per
 * tile) with 4 row chains and, causal, with the per-row mask bounds; the d128 persistent
 * schedule with 4 row chains. */
const Variant kVariants[] = {
    QIMENG_FA3_VARIANT(64, 3, 128, 2, false, "-tile", 0, 4, "")
    QIMENG_FA3_VARIANT(64, 3, 128, 2, false, "-tile", 1, 4, "")
    QIMENG_FA3_VARIANT(64, 3, 128, 2, false, "-tile", 1, 1, "-m")
    QIMENG_FA3_VARIANT(128, 2, 128, 2, true, "-pers", 0, 4, "")
    QIMENG_FA3_VARIANT(128, 2, 128, 2, true, "-pers", 1, 4, "")
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
