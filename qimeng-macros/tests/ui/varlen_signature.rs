use qimeng_runtime::{DeviceBuffer, Result, Stream, Tensor, TensorMut, bf16};

// varlen = true: the sequence offsets and max lengths are missing.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true, varlen = true)]
pub fn packed(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

// The offsets are host slices of i32, the max lengths usize.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, varlen = true)]
pub fn typed(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    cu_seqlens_q: &[u32],
    cu_seqlens_k: &Vec<i32>,
    max_seqlen_q: i32,
    max_seqlen_k: usize,
    stream: &Stream,
) -> Result<()>;

// alibi = true: the slopes are missing.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, alibi = true)]
pub fn biased(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

// ALiBi and softcap do not combine.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, softcap = 30, alibi = true)]
pub fn both(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;

// The same invalid attribute with the slopes it asks for declared: the attribute's error only,
// no second one about a parameter the plain convention lacks.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, softcap = 30, alibi = true)]
pub fn both_with_slopes(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, alibi_slopes: &DeviceBuffer<f32>, stream: &Stream) -> Result<()>;

fn main() {}
