use qimeng_runtime::{DecodeWorkspace, Stream, Tensor, TensorMut, bf16};

// No cache lengths and no workspace; then wrong types at their positions.
#[qimeng_macros::flash_attention(mode = "decode", gpu = "h100", dtype = "bf16", head_dim = 128)]
pub fn missing(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

#[qimeng_macros::flash_attention(mode = "decode", gpu = "h100", dtype = "bf16", head_dim = 128, paged = true)]
pub fn wrong_types(
    q: &Tensor<bf16>,
    k: &Tensor<half::f16>,
    v: &Tensor<bf16>,
    block_table: &[u32],
    cache_seqlens: &mut [i32],
    out: &mut TensorMut<bf16>,
    workspace: &DecodeWorkspace,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
