/* fwd-h100-bf16-d128-causal-varlen: Hopper warp-specialized attention forward for H100 (sm_90a), bf16, head_dim 128, causal, packed variable-length sequences. */
#ifndef QIMENG_FWD_H100_BF16_D128_CAUSAL_VARLEN_H
#define QIMENG_FWD_H100_BF16_D128_CAUSAL_VARLEN_H

#include "qimeng/abi.h"

/** Enqueues causal (bottom-right) bf16 attention, head_dim 128, packed variable-length sequences on `stream` (see abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal_varlen(const QimengAttnArgs* args, void* stream);

#endif
