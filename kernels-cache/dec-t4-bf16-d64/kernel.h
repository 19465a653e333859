/* dec-t4-bf16-d64: split-KV decode attention (paged or contiguous cache) for T4 (sm_75), bf16, head_dim 64. */
#ifndef QIMENG_DEC_T4_BF16_D64_H
#define QIMENG_DEC_T4_BF16_D64_H

#include "qimeng/decode_abi.h"

/** Enqueues bf16 decode attention, head_dim 64 on `stream` (see decode_abi.h); returns the cudaError_t of the launch. */
QIMENG_EXTERN_C int qimeng_dec_t4_bf16_d64(const QimengDecodeArgs* args, void* stream);

#endif
