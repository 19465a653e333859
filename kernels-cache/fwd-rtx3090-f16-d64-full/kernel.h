/* fwd-rtx3090-f16-d64-full: FlashAttention-2 forward for RTX 3090 (sm_86), f16, head_dim 64, full. */
#ifndef QIMENG_FWD_RTX3090_F16_D64_FULL_H
#define QIMENG_FWD_RTX3090_F16_D64_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_rtx3090_f16_d64_full(const QimengAttnArgs* args, void* stream);

#endif
