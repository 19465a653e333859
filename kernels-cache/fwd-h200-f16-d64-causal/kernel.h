/* fwd-h200-f16-d64-causal: Hopper warp-specialized attention forward for H200 (sm_90a), f16, head_dim 64, causal. */
#ifndef QIMENG_FWD_H200_F16_D64_CAUSAL_H
#define QIMENG_FWD_H200_F16_D64_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h200_f16_d64_causal(const QimengAttnArgs* args, void* stream);

#endif
