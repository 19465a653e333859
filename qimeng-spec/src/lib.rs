//! What the `#[flash_attention]` macro and the qimeng build script agree on.
//!
//! Both sides take every fact from here and re-derive nothing: the GPU table, the element types,
//! the head-dim rule, the attribute grammar and the canonical key that names a kernel in the
//! cache, in `OUT_DIR` and in the linked symbol.
//!
//! # Example
//!
//! ```
//! use qimeng_spec::{Arg, Spec, Value};
//!
//! let args = [
//!     Arg::new("gpu", Value::Str("h100".into())),
//!     Arg::new("dtype", Value::Str("bf16".into())),
//!     Arg::new("head_dim", Value::Int(128)),
//!     Arg::new("causal", Value::Bool(true)),
//! ];
//! let spec = Spec::from_args(&args).unwrap();
//! assert_eq!(spec.key(), "fwd-h100-bf16-d128-causal");
//! assert_eq!(spec.symbol(), "qimeng_fwd_h100_bf16_d128_causal");
//! assert_eq!(spec.gpu_info().sm, 90);
//! assert_eq!(Spec::from_key(&spec.key()), Some(spec));
//! ```
#![deny(missing_docs)]

mod attr;
mod decode;
mod dtype;
mod gpu;
mod spec;

pub use attr::{Arg, ArgError, KEYS, Value};
pub use decode::{
    DECODE_DTYPES, DECODE_HEAD_DIMS, DECODE_KEYS, DECODE_MAX_ROWS, DECODE_MAX_SEQLEN_Q,
    DECODE_MAX_SPLITS, DecodeRequest, DecodeSpec, KernelSpec, Request,
};
pub use dtype::DType;
pub use gpu::{GPUS, Gpu, GpuInfo};
pub use spec::{HEAD_DIMS, Spec, Variants, Window};

#[cfg(feature = "syn")]
pub mod syntax;
