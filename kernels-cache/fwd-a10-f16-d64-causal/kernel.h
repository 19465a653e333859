/* fwd-a10-f16-d64-causal: FlashAttention-2 forward for A10 (sm_86), f16, head_dim 64, causal. */
#ifndef QIMENG_FWD_A10_F16_D64_CAUSAL_H
#define QIMENG_FWD_A10_F16_D64_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a10_f16_d64_causal(const QimengAttnArgs* args, void* stream);

#endif
