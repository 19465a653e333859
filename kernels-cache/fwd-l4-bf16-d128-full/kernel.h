/* fwd-l4-bf16-d128-full: FlashAttention-2 forward for L4 (sm_89), bf16, head_dim 128, full. */
#ifndef QIMENG_FWD_L4_BF16_D128_FULL_H
#define QIMENG_FWD_L4_BF16_D128_FULL_H

#include "qimeng/abi.h"

/** Enqueues unmasked bf16 attention, head_dim 128 on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_l4_bf16_d128_full(const QimengAttnArgs* args, void* stream);

#endif
