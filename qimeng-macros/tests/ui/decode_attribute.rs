use qimeng_runtime::{DecodeWorkspace, Stream, Tensor, TensorMut, f16};

// The block size is a launch value; decode kernels exist for f16/bf16 and head_dim 64/128;
// `paged` belongs to decode.
#[qimeng_macros::flash_attention(mode = "decode", gpu = "a100", dtype = "f16", head_dim = 128, block_size = 16)]
pub fn with_block_size(
    q: &Tensor<f16>,
    k: &Tensor<f16>,
    v: &Tensor<f16>,
    cache_seqlens: &[i32],
    out: &mut TensorMut<f16>,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

#[qimeng_macros::flash_attention(mode = "decode", gpu = "a100", dtype = "f16", head_dim = 96)]
pub fn head_dim_96(
    q: &Tensor<f16>,
    k: &Tensor<f16>,
    v: &Tensor<f16>,
    cache_seqlens: &[i32],
    out: &mut TensorMut<f16>,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

#[qimeng_macros::flash_attention(gpu = "a100", dtype = "f16", head_dim = 128, paged = true)]
pub fn prefill_paged(
    q: &Tensor<f16>,
    k: &Tensor<f16>,
    v: &Tensor<f16>,
    out: &mut TensorMut<f16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
