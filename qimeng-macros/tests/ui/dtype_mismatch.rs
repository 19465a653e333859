use qimeng_runtime::{Stream, Tensor, TensorMut, bf16, f16};

#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 64)]
pub fn attention(
    q: &Tensor<f16>,
    k: &Tensor<half::f16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<f32>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
