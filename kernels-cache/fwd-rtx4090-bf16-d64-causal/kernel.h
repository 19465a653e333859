/* fwd-rtx4090-bf16-d64-causal: FlashAttention-2 forward for RTX 4090 (sm_89), bf16, head_dim 64, causal. */
#ifndef QIMENG_FWD_RTX4090_BF16_D64_CAUSAL_H
#define QIMENG_FWD_RTX4090_BF16_D64_CAUSAL_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) bf16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_rtx4090_bf16_d64_causal(const QimengAttnArgs* args, void* stream);

#endif
