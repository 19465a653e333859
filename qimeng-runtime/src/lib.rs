//! Device memory, tensor views, streams and checked launches for the FlashAttention kernels
//! qimeng generates, over the static CUDA runtime.
//!
//! # Example
//!
//! The usual way to a kernel is the function `#[flash_attention]` expands to, which wraps the
//! [`AttentionKernel`] the build script linked:
//!
//! ```text
//! #[qimeng::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 64, causal = true)]
//! pub fn attention(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>,
//!                  out: &mut TensorMut<bf16>, stream: &Stream) -> qimeng_runtime::Result<()>;
//! ```
//!
//! Given a kernel, a launch allocates device memory, views it as `[batch, seqlen, heads,
//! head_dim]` tensors and runs on a stream. Every argument is checked first; a wrong shape is
//! an `Err` that names the tensor, never undefined behaviour.
//!
//! ```no_run
//! use qimeng_runtime::{AttentionKernel, DeviceBuffer, Element, Stream, Tensor, TensorMut, bf16};
//!
//! fn attend(kernel: &AttentionKernel) -> qimeng_runtime::Result<Vec<bf16>> {
//!     // Grouped-query attention: 8 query heads share 2 key/value heads.
//!     let (batch, seqlen_q, seqlen_k, heads_q, heads_kv, head_dim) = (2, 1000, 1000, 8, 2, 64);
//!     let q_host: Vec<bf16> = (0..batch * seqlen_q * heads_q * head_dim)
//!         .map(|i| bf16::from_f32((i % 7) as f32 / 7.0))
//!         .collect();
//!     let kv_host = vec![bf16::from_f32(0.5); batch * seqlen_k * heads_kv * head_dim];
//!
//!     let q_buf = DeviceBuffer::from_host(&q_host)?;
//!     let k_buf = DeviceBuffer::from_host(&kv_host)?;
//!     let v_buf = DeviceBuffer::from_host(&kv_host)?;
//!     let mut out_buf = DeviceBuffer::<bf16>::alloc(q_host.len())?;
//!     out_buf.fill_bytes(0xFF)?; // NaN everywhere the kernel does not write
//!
//!     let q = Tensor::new(&q_buf, [batch, seqlen_q, heads_q, head_dim])?;
//!     let k = Tensor::new(&k_buf, [batch, seqlen_k, heads_kv, head_dim])?;
//!     let v = Tensor::new(&v_buf, [batch, seqlen_k, heads_kv, head_dim])?;
//!     let mut out = TensorMut::new(&mut out_buf, [batch, seqlen_q, heads_q, head_dim])?;
//!
//!     let stream = Stream::new()?;
//!     kernel.run(&q, &k, &v, &mut out, None, &stream)?; // scale 1/sqrt(64)
//!     stream.synchronize()?;
//!     out_buf.to_host()
//! }
//!
//! // On a machine without a GPU, say why instead of failing later.
//! if let Some(reason) = qimeng_runtime::no_gpu_reason() {
//!     eprintln!("skipping: {reason}");
//! }
//! ```
//!
//! # Linking
//!
//! The build script links `libcudart_static.a` of the toolchain `qimeng-toolchain` finds
//! (`QIMENG_CUDA_HOME`, `CUDA_HOME`, `CUDA_PATH`, `nvcc` on `PATH`, or a project-local
//! `.qimeng/toolchain`), plus `dl`, `rt` and `pthread` on Linux; with no toolchain the build
//! fails saying how to install one. Under `DOCS_RS` nothing is linked. The binary then needs
//! only an NVIDIA driver for CUDA 13.0 or newer at run time; without one, [`device_count`] is
//! `Ok(0)` and GPU calls return [`Error::NoDevice`]. Kernel objects linked beside this crate
//! use its runtime and must not link another (with the `cc` crate: `.cuda(true)
//! .cudart("none")`): two static runtimes in one binary would each keep their own state. Their
//! host code needs `libstdc++` (`__cxa_guard_*`), which `cc` links for C++ sources.
//!
//! # Contents
//!
//! - memory: [`DeviceBuffer`]; views: [`Tensor`], [`TensorMut`];
//! - execution: [`Stream`], [`Event`]; devices: [`device_count`], [`device_info`],
//!   [`no_gpu_reason`];
//! - launches: [`AttentionKernel`], [`LaunchArgs`], [`RawLaunch`]; decode:
//!   [`DecodeKernel`] with [`KvCache`] (contiguous or paged) and [`DecodeWorkspace`];
//! - element types: [`Element`] for [`f16`](struct@f16), [`bf16`] and `f32`;
//! - errors: [`Error`], [`Result`].
#![deny(missing_docs)]

pub use half::{bf16, f16};
pub use qimeng_spec::{DType, DecodeSpec, Gpu, Spec, Variants, Window};

mod buffer;
mod decode;
mod device;
mod element;
mod error;
mod ffi;
mod kernel;
mod stream;
mod tensor;

pub use buffer::DeviceBuffer;
pub use decode::{
    DECODE_MIN_SPLIT_TILES, DecodeArgs, DecodeKernel, DecodePlan, DecodeWorkspace, KvCache,
    RawDecodeLaunch, num_splits,
};
pub use device::{DeviceInfo, device_count, device_info, no_gpu_reason};
pub use element::Element;
pub use kernel::{ALIGN, AttentionKernel, Extras, LaunchArgs, RawLaunch, Varlen};
pub use stream::{Event, Stream};
pub use tensor::{Tensor, TensorMut};

pub use error::{Error, Result};
