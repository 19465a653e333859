/* fwd-h100-bf16-d128-causal-w4096_0: Hopper warp-specialized attention forward for H100 (sm_90a), bf16, head_dim 128, causal, sliding window (4096, 0). */
#ifndef QIMENG_FWD_H100_BF16_D128_CAUSAL_W4096_0_H
#define QIMENG_FWD_H100_BF16_D128_CAUSAL_W4096_0_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) bf16 attention, head_dim 128, sliding window (4096, 0) on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal_w4096_0(const QimengAttnArgs* args, void* stream);

#endif
