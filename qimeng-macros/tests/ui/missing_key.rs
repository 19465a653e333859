use qimeng_runtime::{Stream, Tensor, TensorMut, bf16};

#[qimeng_macros::flash_attention(gpu = "h100", causal = true)]
pub fn attention(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
