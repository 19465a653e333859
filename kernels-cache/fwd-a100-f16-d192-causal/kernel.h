/* fwd-a100-f16-d192-causal: FlashAttention-2 forward for A100 (sm_80), f16, head_dim 192, causal. */
#ifndef QIMENG_FWD_A100_F16_D192_CAUSAL_H
#define QIMENG_FWD_A100_F16_D192_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 192 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a100_f16_d192_causal(const QimengAttnArgs* args, void* stream);

#endif
