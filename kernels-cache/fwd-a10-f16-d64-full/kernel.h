/* fwd-a10-f16-d64-full: FlashAttention-2 forward for A10 (sm_86), f16, head_dim 64, full. */
#ifndef QIMENG_FWD_A10_F16_D64_FULL_H
#define QIMENG_FWD_A10_F16_D64_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_a10_f16_d64_full(const QimengAttnArgs* args, void* stream);

#endif
