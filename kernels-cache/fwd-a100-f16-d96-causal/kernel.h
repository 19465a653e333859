/* fwd-a100-f16-d96-causal: FlashAttention-2 forward for A100 (sm_80), f16, head_dim 96, causal. */
#ifndef QIMENG_FWD_A100_F16_D96_CAUSAL_H
#define QIMENG_FWD_A100_F16_D96_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 96 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a100_f16_d96_causal(const QimengAttnArgs* args, void* stream);

#endif
