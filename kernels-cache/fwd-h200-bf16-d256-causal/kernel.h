/* fwd-h200-bf16-d256-causal: Hopper warp-specialized attention forward for H200 (sm_90a), bf16, head_dim 256, causal. */
#ifndef QIMENG_FWD_H200_BF16_D256_CAUSAL_H
#define QIMENG_FWD_H200_BF16_D256_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) bf16 attention, head_dim 256 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h200_bf16_d256_causal(const QimengAttnArgs* args, void* stream);

#endif
