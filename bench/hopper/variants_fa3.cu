/* Schedule variants of the Hopper family (kernels-cache/include/qimeng/fa3_fwd.cuh), bf16, for
 * bench/bench.py --variants: timed interleaved with the cache entries and cuDNN in the harness,
 * on the cells still under cuDNN (short sequences). The same exports as bench/variants.cu;
 * built by bench/hopper/build-variants.sh. Name: d<D>-w<consumer WGs>-n<BN>-s<stages>-<pers|tile>
 * then the softmax options (hop7): -p<kRowPartials>, -m: kRowBoundMask; -u: kUniformQ (hop8);
 * -q2: kQStages = 2, -e: kDeferEpilogue (hop9). (hop7's call 1 timed kExp2FmaEvery, exp2 on the FMA pipe, with this
 * file at commit f6c2a5e; its call 2 the d64 3-WG and d128 4-chain variants, at 6c29f2d.) */
#include "qimeng/fa3_fwd.cuh"

#include "../variant_exports.h"

namespace {

template <int D, int WGS, int BN, int STAGES, bool PERS, bool CAUSAL, int NP, bool MASK, bool UQ,
          int QS, bool DEFER>
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
    static constexpr bool kUniformQ = UQ;
    static constexpr int kQStages = QS;
    static constexpr bool kDeferEpilogue = DEFER;
};

using qimeng_bench::Variant;

/* The persistent 2-warpgroup schedule (BN 128) with the given options; TAG names them. */
#define QIMENG_FA3_VARIANT(D, STAGES, CAUSAL, NP, MASK, UQ, QS, DEFER, TAG)                      \
    {"d" #D "-w2-n128-s" #STAGES "-pers-p" #NP TAG,                                              \
     qimeng::fa3_fwd_launch<VariantSpec<D, 2, 128, STAGES, true, CAUSAL, NP, MASK, UQ, QS, DEFER>>, \
     D, CAUSAL},

/* hop9, call 2: each entry's short (d128 full: only) persistent schedule as main builds it (the
 * control), then d64 full with a 3-stage ring alone and with two Q buffers (-q2) and/or the
 * epilogue under the next tile's first S GEMM (-e); d64 causal with -q2 on 2 stages; d128 full
 * with uniform Q (-u), with -q2; d128 causal with -q2, -q2-e. (Call 1's table, at commit
 * ce1061c, had -q2, -e and -q2-e on every control and d128 full -u-q2-e.) */
const Variant kVariants[] = {
    QIMENG_FA3_VARIANT(64, 2, 0, 4, false, false, 1, false, "")
    QIMENG_FA3_VARIANT(64, 3, 0, 4, false, false, 1, false, "")
    QIMENG_FA3_VARIANT(64, 3, 0, 4, false, false, 2, false, "-q2")
    QIMENG_FA3_VARIANT(64, 3, 0, 4, false, false, 1, true, "-e")
    QIMENG_FA3_VARIANT(64, 3, 0, 4, false, false, 2, true, "-q2-e")
    QIMENG_FA3_VARIANT(64, 3, 1, 2, true, true, 1, false, "-m-u")
    QIMENG_FA3_VARIANT(64, 3, 1, 2, true, true, 2, false, "-m-u-q2")
    QIMENG_FA3_VARIANT(64, 2, 1, 2, true, true, 2, false, "-m-u-q2")
    QIMENG_FA3_VARIANT(128, 2, 0, 1, false, false, 1, false, "")
    QIMENG_FA3_VARIANT(128, 2, 0, 1, false, true, 1, false, "-u")
    QIMENG_FA3_VARIANT(128, 2, 0, 1, false, true, 2, false, "-u-q2")
    QIMENG_FA3_VARIANT(128, 2, 1, 1, true, false, 1, false, "-m")
    QIMENG_FA3_VARIANT(128, 2, 1, 1, true, false, 2, false, "-m-q2")
    QIMENG_FA3_VARIANT(128, 2, 1, 1, true, false, 2, true, "-m-q2-e")
};

}  // namespace

QIMENG_VARIANT_EXPORTS(kVariants)
