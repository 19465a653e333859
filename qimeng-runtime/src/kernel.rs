//! Launching a kernel: the C argument block of `abi.h` ([`LaunchArgs`]), the launch function's
//! type ([`RawLaunch`]) and [`AttentionKernel`], which checks every argument before the launch.

use std::ffi::c_void;
use std::fmt;

use crate::device::{DeviceGuard, cuda_error};
use crate::tensor::View;
use crate::{DType, Element, Error, Result, Spec, Stream, Tensor, TensorMut, ffi};

/// Required alignment, in bytes, of each tensor's first element and of every stride: one
/// 16-byte vector, the unit of the kernels' global-memory loads and stores.
pub const ALIGN: usize = 16;

/// The argument block of a launch: `QimengAttnArgs` of `kernels-cache/include/qimeng/abi.h`
/// (ABI version 1), field for field.
///
/// Tensors are `[batch, seqlen, heads, head_dim]`, strides in elements, the last dimension
/// contiguous. Query head `h` reads key/value head `h / (heads_q / heads_kv)`. Causal masking is
/// bottom-right aligned: query `i` sees key `j` iff `j <= i + seqlen_k - seqlen_q`; a query row
/// that sees no key is written as zeros. [`AttentionKernel::launch_args`] makes one from checked
/// views; the stride of a dimension of size 1 is passed as 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(missing_docs)] // the fields are those of the C struct, documented there
pub struct LaunchArgs {
    pub q: *const c_void,
    pub k: *const c_void,
    pub v: *const c_void,
    pub o: *mut c_void,
    pub q_batch_stride: i64,
    pub q_row_stride: i64,
    pub q_head_stride: i64,
    pub k_batch_stride: i64,
    pub k_row_stride: i64,
    pub k_head_stride: i64,
    pub v_batch_stride: i64,
    pub v_row_stride: i64,
    pub v_head_stride: i64,
    pub o_batch_stride: i64,
    pub o_row_stride: i64,
    pub o_head_stride: i64,
    pub batch: i32,
    pub seqlen_q: i32,
    pub seqlen_k: i32,
    pub heads_q: i32,
    pub heads_kv: i32,
    pub head_dim: i32,
    pub softmax_scale: f32,
    /// Zero.
    pub reserved: i32,
}

// The layout of QimengAttnArgs as gcc lays it out on x86-64 and aarch64 Linux.
const _: () = {
    assert!(size_of::<LaunchArgs>() == 160);
    assert!(align_of::<LaunchArgs>() == 8);
    assert!(std::mem::offset_of!(LaunchArgs, o) == 24);
    assert!(std::mem::offset_of!(LaunchArgs, batch) == 128);
    assert!(std::mem::offset_of!(LaunchArgs, softmax_scale) == 152);
    assert!(std::mem::offset_of!(LaunchArgs, reserved) == 156);
};

/// A kernel's launch function: enqueues the attention forward pass described by `args` on
/// `stream` (a `cudaStream_t`; null is the legacy default stream) and returns the launch's
/// `cudaError_t`, 0 on success. It never synchronizes.
///
/// The C side is `int qimeng_<key>(const QimengAttnArgs* args, void* stream)`; generated code
/// wraps it in a function of this type.
pub type RawLaunch = unsafe fn(args: &LaunchArgs, stream: *mut c_void) -> i32;

/// A compiled attention kernel for one [`Spec`]: the only way to launch one.
///
/// Usually obtained from the function `#[flash_attention]` generates, which calls
/// [`AttentionKernel::run`].
#[derive(Clone, Copy)]
pub struct AttentionKernel {
    spec: Spec,
    raw: RawLaunch,
}

/// The names errors give q, k, v and out, in that order.
const NAMES: [&str; 4] = ["q", "k", "v", "out"];

impl AttentionKernel {
    /// Binds a launch function to the spec it implements.
    ///
    /// # Safety
    /// `raw` must launch a kernel implementing `spec` under the ABI of `abi.h`: given arguments
    /// [`run`](Self::run) has checked, it must access only the elements the four views address.
    pub const unsafe fn from_raw(spec: Spec, raw: RawLaunch) -> Self {
        AttentionKernel { spec, raw }
    }

    /// The spec the kernel implements.
    pub const fn spec(&self) -> Spec {
        self.spec
    }

    /// Computes `out = softmax(q k^T * scale [+ causal mask]) v` per batch and head, queued on
    /// `stream`; returns once queued (synchronize the stream, or copy `out` to the host, to
    /// wait for it). `scale` defaults to `1 / sqrt(head_dim)`.
    ///
    /// Nothing reaches the GPU unless every check passes:
    /// - the element type is the spec's dtype, and each tensor's last dimension is its head_dim;
    /// - `q` and `out` have the same shape, `k` and `v` the same shape, all four the same batch;
    /// - no dimension is zero, and the heads of `q` are a multiple of those of `k` (GQA, MQA);
    /// - every dimension fits an `i32`, every stride an `i64`;
    /// - each tensor's first element is 16-byte aligned and each stride (of a dimension larger
    ///   than 1) is a multiple of 16 bytes: 8 elements of f16/bf16, 4 of f32;
    /// - all four are on the stream's device;
    /// - `out` shares no memory with `q`, `k` or `v` (compared as address ranges: views that
    ///   interleave within one allocation are rejected too);
    /// - `scale` is finite and positive.
    ///
    /// Causal masking, when the spec has it, is aligned bottom-right: query `i` sees key `j`
    /// when `j <= i + seqlen_k - seqlen_q` (as FlashAttention 2.1 and later); a query that sees
    /// no key gets a zero row.
    ///
    /// A nonzero return of the launch function is [`Error::Cuda`] with `call: "kernel launch"`.
    /// Errors while the kernel runs surface at the next synchronization.
    pub fn run<T: Element>(
        &self,
        q: &Tensor<'_, T>,
        k: &Tensor<'_, T>,
        v: &Tensor<'_, T>,
        out: &mut TensorMut<'_, T>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<()> {
        let args = self.launch_args(q, k, v, out, scale, stream)?;
        let _guard = DeviceGuard::set(stream.device())?;
        take_pending_error()?;
        // SAFETY: `from_raw`'s contract, and the arguments passed every check of `run`.
        unsafe { launch(self.raw, &args, stream.as_raw()) }
    }

    /// Runs every check of [`run`](Self::run) and returns the arguments the kernel would get,
    /// touching no GPU. For launching by other means (a CUDA graph, say) and for tests.
    pub fn launch_args<T: Element>(
        &self,
        q: &Tensor<'_, T>,
        k: &Tensor<'_, T>,
        v: &Tensor<'_, T>,
        out: &TensorMut<'_, T>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<LaunchArgs> {
        validate(
            self.spec,
            T::DTYPE,
            [q.view(), k.view(), v.view(), out.view()],
            scale,
            stream.device(),
        )
    }
}

impl fmt::Debug for AttentionKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttentionKernel")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

/// Calls the launch function and turns its return code into a result.
///
/// # Safety
/// As for [`RawLaunch`]: `raw` may be called with `args` and `stream`.
unsafe fn launch(raw: RawLaunch, args: &LaunchArgs, stream: *mut c_void) -> Result<()> {
    // SAFETY: the caller's contract.
    let code = unsafe { raw(args, stream) };
    if code == ffi::SUCCESS {
        Ok(())
    } else {
        Err(cuda_error("kernel launch", code))
    }
}

/// Clears the thread's last CUDA error before a launch, whose own code would otherwise be
/// mistaken for it, and reports it: it belongs to earlier, unchecked work.
fn take_pending_error() -> Result<()> {
    // SAFETY: plain call.
    let code = unsafe { ffi::cudaGetLastError() };
    if code == ffi::SUCCESS {
        Ok(())
    } else {
        Err(cuda_error(
            "earlier CUDA work (its error, still pending before this launch)",
            code,
        ))
    }
}

/// Every check of [`AttentionKernel::run`], on plain view metadata.
fn validate(
    spec: Spec,
    dtype: DType,
    views: [&View; 4],
    scale: Option<f32>,
    device: i32,
) -> Result<LaunchArgs> {
    let [q, k, v, out] = views;
    let named = || NAMES.into_iter().zip(views);

    if dtype != spec.dtype {
        return Err(Error::DType {
            tensor: "q",
            expected: spec.dtype,
            actual: dtype,
        });
    }
    for (tensor, t) in named() {
        if u32::try_from(t.shape[3]).ok() != Some(spec.head_dim) {
            return Err(Error::HeadDim {
                tensor,
                expected: spec.head_dim,
                actual: t.shape[3],
                shape: t.shape,
            });
        }
    }
    for (first, a, second, b) in [("q", q, "out", out), ("k", k, "v", v)] {
        if a.shape != b.shape {
            return Err(Error::ShapeMismatch {
                first,
                first_shape: a.shape,
                second,
                second_shape: b.shape,
            });
        }
    }
    if k.shape[0] != q.shape[0] {
        return Err(Error::Shape {
            tensor: "k",
            expected: format!("batch {}, as q {:?}", q.shape[0], q.shape),
            actual: format!("batch {} in {:?}", k.shape[0], k.shape),
        });
    }
    for (tensor, t) in named() {
        if t.shape.contains(&0) {
            return Err(Error::Empty {
                tensor,
                shape: t.shape,
            });
        }
    }
    if q.shape[2] % k.shape[2] != 0 {
        return Err(Error::HeadRatio {
            q_heads: q.shape[2],
            kv_heads: k.shape[2],
        });
    }
    let [batch, seqlen_q, heads_q, head_dim] = abi_dims("q", q)?;
    let [_, seqlen_k, heads_kv, _] = abi_dims("k", k)?; // v and out have these shapes too
    let [sq, sk, sv, so] = [
        abi_strides("q", q, dtype)?,
        abi_strides("k", k, dtype)?,
        abi_strides("v", v, dtype)?,
        abi_strides("out", out, dtype)?,
    ];
    for (tensor, t) in named() {
        if t.addr % ALIGN != 0 {
            return Err(Error::Alignment {
                tensor,
                address: t.addr,
                align: ALIGN,
            });
        }
    }
    for (tensor, t) in named() {
        if t.device != device {
            return Err(Error::Device {
                tensor,
                expected: device,
                actual: t.device,
            });
        }
    }
    let out_range = (out.addr, out.addr + out.byte_span());
    for (tensor, t) in named().take(3) {
        if t.addr < out_range.1 && out_range.0 < t.addr + t.byte_span() {
            return Err(Error::Alias { tensor });
        }
    }
    let scale = scale.unwrap_or_else(|| spec.default_scale());
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Error::Scale { scale });
    }

    Ok(LaunchArgs {
        q: q.addr as *const c_void,
        k: k.addr as *const c_void,
        v: v.addr as *const c_void,
        o: out.addr as *mut c_void,
        q_batch_stride: sq[0],
        q_row_stride: sq[1],
        q_head_stride: sq[2],
        k_batch_stride: sk[0],
        k_row_stride: sk[1],
        k_head_stride: sk[2],
        v_batch_stride: sv[0],
        v_row_stride: sv[1],
        v_head_stride: sv[2],
        o_batch_stride: so[0],
        o_row_stride: so[1],
        o_head_stride: so[2],
        batch,
        seqlen_q,
        seqlen_k,
        heads_q,
        heads_kv,
        head_dim,
        softmax_scale: scale,
        reserved: 0,
    })
}

/// The shape as the ABI's `int32`s.
fn abi_dims(tensor: &'static str, t: &View) -> Result<[i32; 4]> {
    let mut dims = [0i32; 4];
    for ((out, &n), what) in dims.iter_mut().zip(&t.shape).zip(DIM_NAMES) {
        *out = i32::try_from(n).map_err(|_| Error::Overflow {
            tensor,
            what: format!(
                "{what} {n} (shape {:?}) does not fit the launch ABI's int32",
                t.shape
            ),
        })?;
    }
    Ok(dims)
}

/// The strides as the ABI's `int64`s, each a multiple of [`ALIGN`] bytes; the stride of a
/// dimension of size 1 never steps, so it is not checked and is passed as 0.
fn abi_strides(tensor: &'static str, t: &View, dtype: DType) -> Result<[i64; 3]> {
    let mut strides = [0i64; 3];
    for (d, out) in strides.iter_mut().enumerate() {
        let stride = if t.shape[d] == 1 { 0 } else { t.strides[d] };
        if stride.checked_mul(t.elem).is_none_or(|b| b % ALIGN != 0) {
            return Err(Error::Stride {
                tensor,
                strides: t.strides,
                reason: format!(
                    "every stride must be a multiple of {ALIGN} bytes ({} elements of {dtype}), \
                     but the {} stride is {stride}",
                    ALIGN / t.elem,
                    DIM_NAMES[d]
                ),
            });
        }
        *out = i64::try_from(stride).map_err(|_| Error::Overflow {
            tensor,
            what: format!("stride {stride} does not fit the launch ABI's int64"),
        })?;
    }
    Ok(strides)
}

/// Names of the four dimensions, for messages.
const DIM_NAMES: [&str; 4] = ["batch", "seqlen", "heads", "head_dim"];
