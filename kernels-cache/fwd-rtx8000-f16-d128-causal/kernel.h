/* fwd-rtx8000-f16-d128-causal: FlashAttention-2 forward for RTX 8000 (sm_75), f16, head_dim 128, causal. */
#ifndef QIMENG_FWD_RTX8000_F16_D128_CAUSAL_H
#define QIMENG_FWD_RTX8000_F16_D128_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 128 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_rtx8000_f16_d128_causal(const QimengAttnArgs* args, void* stream);

#endif
