use qimeng_runtime::{Stream, Tensor, TensorMut, bf16};

#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, sliding_window = 256)]
pub fn attention(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
