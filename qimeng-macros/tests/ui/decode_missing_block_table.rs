use qimeng_runtime::{DecodeWorkspace, DeviceBuffer, Stream, Tensor, TensorMut, bf16};

// `paged = true` without a block table, and `lse = true` without an lse output.
#[qimeng_macros::flash_attention(
    mode = "decode",
    gpu = "h100",
    dtype = "bf16",
    head_dim = 128,
    paged = true,
    lse = true
)]
pub fn decode(
    q: &Tensor<bf16>,
    k_pool: &Tensor<bf16>,
    v_pool: &Tensor<bf16>,
    cache_seqlens: &[i32],
    out: &mut TensorMut<bf16>,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

// A contiguous cache has no block table; an lse output needs `lse = true`.
#[qimeng_macros::flash_attention(mode = "decode", gpu = "h100", dtype = "bf16", head_dim = 64)]
pub fn contiguous(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    block_table: &[i32],
    cache_seqlens: &[i32],
    out: &mut TensorMut<bf16>,
    lse: &mut DeviceBuffer<f32>,
    workspace: &mut DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
