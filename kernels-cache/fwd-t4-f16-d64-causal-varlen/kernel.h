/* fwd-t4-f16-d64-causal-varlen: FlashAttention-2 forward for T4 (sm_75), f16, head_dim 64, causal, packed variable-length sequences. */
#ifndef QIMENG_FWD_T4_F16_D64_CAUSAL_VARLEN_H
#define QIMENG_FWD_T4_F16_D64_CAUSAL_VARLEN_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) f16 attention, head_dim 64, packed variable-length sequences on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_t4_f16_d64_causal_varlen(const QimengAttnArgs* args, void* stream);

#endif
