/* fwd-a100-bf16-d96-full: FlashAttention-2 forward for A100 (sm_80), bf16, head_dim 96, full. */
#ifndef QIMENG_FWD_A100_BF16_D96_FULL_H
#define QIMENG_FWD_A100_BF16_D96_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked bf16 attention, head_dim 96 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a100_bf16_d96_full(const QimengAttnArgs* args, void* stream);

#endif
