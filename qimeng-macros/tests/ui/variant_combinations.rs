use qimeng_runtime::{Result, Stream, Tensor, TensorMut, bf16};

// Causal attention sees no key after the diagonal: a window with right > 0 contradicts it.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true, window = (1024, 64))]
pub fn local(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

// The cap names the kernel, so it is a whole number.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, softcap = 30.5)]
pub fn capped(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

// A window is a pair.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, window = (1024, -1))]
pub fn one_sided(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

fn main() {}
