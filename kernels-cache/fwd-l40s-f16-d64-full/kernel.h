/* fwd-l40s-f16-d64-full: FlashAttention-2 forward for L40S (sm_89), f16, head_dim 64, full. */
#ifndef QIMENG_FWD_L40S_F16_D64_FULL_H
#define QIMENG_FWD_L40S_F16_D64_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked f16 attention, head_dim 64 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_l40s_f16_d64_full(const QimengAttnArgs* args, void* stream);

#endif
