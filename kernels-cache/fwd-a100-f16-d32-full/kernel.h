/* fwd-a100-f16-d32-full: FlashAttention-2 forward for A100 (sm_80), f16, head_dim 32, full. */
#ifndef QIMENG_FWD_A100_F16_D32_FULL_H
#define QIMENG_FWD_A100_F16_D32_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f16 attention, head_dim 32 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a100_f16_d32_full(const QimengAttnArgs* args, void* stream);

#endif
