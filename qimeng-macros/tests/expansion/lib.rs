//! Every form of declaration `#[flash_attention]` accepts, expanded against the real runtime.
#![deny(warnings)]

use qimeng_runtime::{Stream, Tensor, TensorMut, bf16, f16};

/// The plain form.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
pub fn attention(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()>;

/// The same spec again, with a scale and paths.
#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
pub(crate) fn scaled<'a>(
    query: &'a qimeng_runtime::Tensor<'a, half::bf16>,
    key: &Tensor<'_, qimeng_runtime::bf16>,
    value: &Tensor<bf16>,
    o: &mut qimeng_runtime::TensorMut<'_, bf16>,
    softmax_scale: f32,
    s: &Stream,
) -> Result<(), qimeng_runtime::Error>;

/// Methods without a receiver.
pub struct Model;

impl Model {
    /// An optional scale, another spec.
    #[qimeng_macros::flash_attention(gpu = "T4", dtype = "f16", head_dim = 64)]
    pub fn attention(
        q: &Tensor<f16>,
        k: &Tensor<f16>,
        v: &Tensor<f16>,
        out: &mut TensorMut<f16>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> qimeng_runtime::Result<()>;
}

/// Calls each, so that the types are checked at the call sites too.
pub fn call_all(
    q: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    q16: &Tensor<f16>,
    out16: &mut TensorMut<f16>,
    stream: &Stream,
) -> qimeng_runtime::Result<()> {
    attention(q, q, q, out, stream)?;
    scaled(q, q, q, out, 0.125, stream)?;
    Model::attention(q16, q16, q16, out16, None, stream)
}
