use qimeng_runtime::{Stream, Tensor, TensorMut, bf16};

#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128)]
pub fn attention(
    q: &mut Tensor<bf16>,
    k: Tensor<bf16>,
    v: &Vec<bf16>,
    out: &TensorMut<bf16>,
    scale: f64,
    stream: Stream,
) -> qimeng_runtime::Result<()>;

fn main() {}
