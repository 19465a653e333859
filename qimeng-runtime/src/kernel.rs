//! Launching a kernel: the C argument block of `abi.h` ([`LaunchArgs`]), the launch function's
//! type ([`RawLaunch`]) and [`AttentionKernel`], which checks every argument before the launch.

use std::ffi::c_void;
use std::fmt;

use crate::device::{DeviceGuard, check, cuda_error};
use crate::tensor::View;
use crate::{DType, DeviceBuffer, Element, Error, Result, Spec, Stream, Tensor, TensorMut, ffi};

/// Required alignment, in bytes, of each tensor's first element and of every stride: one
/// 16-byte vector, the unit of the kernels' global-memory loads and stores.
pub const ALIGN: usize = 16;

/// The argument block of a launch: `QimengAttnArgs` of `kernels-cache/include/qimeng/abi.h`
/// (ABI version 2), field for field.
///
/// Tensors are `[batch, seqlen, heads, head_dim]`, strides in elements, the last dimension
/// contiguous. Query head `h` reads key/value head `h / (heads_q / heads_kv)`. Causal masking is
/// bottom-right aligned: query `i` sees key `j` iff `j <= i + seqlen_k - seqlen_q`; a query row
/// that sees no key is written as zeros. [`AttentionKernel::launch_args`] makes one from checked
/// views; the stride of a dimension of size 1 is passed as 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaunchArgs {
    /// Device address of q, `[batch, seqlen_q, heads_q, head_dim]`.
    pub q: *const c_void,
    /// Device address of k, `[batch, seqlen_k, heads_kv, head_dim]`.
    pub k: *const c_void,
    /// Device address of v, shaped as k.
    pub v: *const c_void,
    /// Device address of the output, shaped as q.
    pub o: *mut c_void,
    /// Elements between batches of q (0 for varlen or a batch of 1).
    pub q_batch_stride: i64,
    /// Elements between sequence positions of q.
    pub q_row_stride: i64,
    /// Elements between heads of q.
    pub q_head_stride: i64,
    /// Elements between batches of k.
    pub k_batch_stride: i64,
    /// Elements between sequence positions of k.
    pub k_row_stride: i64,
    /// Elements between heads of k.
    pub k_head_stride: i64,
    /// Elements between batches of v.
    pub v_batch_stride: i64,
    /// Elements between sequence positions of v.
    pub v_row_stride: i64,
    /// Elements between heads of v.
    pub v_head_stride: i64,
    /// Elements between batches of the output.
    pub o_batch_stride: i64,
    /// Elements between sequence positions of the output.
    pub o_row_stride: i64,
    /// Elements between heads of the output.
    pub o_head_stride: i64,
    /// Number of sequences (for varlen: of `cu_seqlens_q` entries less one).
    pub batch: i32,
    /// Query positions per sequence (for varlen: total query rows).
    pub seqlen_q: i32,
    /// Key positions per sequence (for varlen: total key rows).
    pub seqlen_k: i32,
    /// Query heads, a multiple of `heads_kv`.
    pub heads_q: i32,
    /// Key/value heads.
    pub heads_kv: i32,
    /// Elements per head; the kernel's own head dim.
    pub head_dim: i32,
    /// Factor applied to `q . k` before the softmax.
    pub softmax_scale: f32,
    /// Slopes between batches in `alibi_slopes`: 0 (`[heads_q]`) or `heads_q` (`[batch, heads_q]`).
    pub alibi_batch_stride: i32,
    /// Device address of the f32 ALiBi slopes; null for a kernel without ALiBi.
    pub alibi_slopes: *const f32,
    /// Device address of `batch + 1` query row offsets; null unless varlen.
    pub cu_seqlens_q: *const i32,
    /// Device address of `batch + 1` key row offsets; null unless varlen.
    pub cu_seqlens_k: *const i32,
    /// At least the longest query length (sizes the grid); `seqlen_q` unless varlen.
    pub max_seqlen_q: i32,
    /// At least the longest key length; `seqlen_k` unless varlen.
    pub max_seqlen_k: i32,
}

// The layout of QimengAttnArgs as gcc lays it out on x86-64 and aarch64 Linux.
const _: () = {
    assert!(size_of::<LaunchArgs>() == 192);
    assert!(align_of::<LaunchArgs>() == 8);
    assert!(std::mem::offset_of!(LaunchArgs, o) == 24);
    assert!(std::mem::offset_of!(LaunchArgs, batch) == 128);
    assert!(std::mem::offset_of!(LaunchArgs, softmax_scale) == 152);
    assert!(std::mem::offset_of!(LaunchArgs, alibi_batch_stride) == 156);
    assert!(std::mem::offset_of!(LaunchArgs, alibi_slopes) == 160);
    assert!(std::mem::offset_of!(LaunchArgs, cu_seqlens_k) == 176);
    assert!(std::mem::offset_of!(LaunchArgs, max_seqlen_k) == 188);
};

/// Packed variable-length sequences, for a kernel whose spec has `varlen`: the host-side
/// cumulative offsets of each sequence's rows in the packed tensors.
///
/// q and out are `[1, total_q, heads_q, head_dim]`, k and v `[1, total_k, heads_kv,
/// head_dim]`; sequence `b` owns rows `cu_seqlens_q[b]..cu_seqlens_q[b + 1]` of q and out and
/// rows `cu_seqlens_k[b]..cu_seqlens_k[b + 1]` of k and v. Each sequence is its own attention
/// problem: causal and window masks align bottom-right with that sequence's own lengths, a
/// sequence with no queries writes nothing, one with no keys writes zero rows, and rows of
/// out that no sequence owns are never written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Varlen<'a> {
    /// `batch + 1` offsets into q's rows: 0, non-decreasing, the last `total_q`.
    pub cu_seqlens_q: &'a [i32],
    /// `batch + 1` offsets into k's and v's rows: 0, non-decreasing, the last `total_k`.
    pub cu_seqlens_k: &'a [i32],
    /// At least the longest query length (sizes the grid), at most `total_q`.
    pub max_seqlen_q: usize,
    /// At least the longest key length, at most `total_k`.
    pub max_seqlen_k: usize,
}

/// The runtime data of a spec's variants; [`Extras::default`] (none) for every other kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras<'a> {
    /// ALiBi slopes, f32, one per query head (`[heads_q]`, shared by every batch entry) or
    /// one per batch entry and query head (`[batch, heads_q]`; with varlen, batch is the
    /// number of sequences). Required exactly when the spec has `alibi`.
    pub alibi_slopes: Option<&'a DeviceBuffer<f32>>,
    /// Sequence offsets. Required exactly when the spec has `varlen`.
    pub varlen: Option<Varlen<'a>>,
}

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
        self.run_with(q, k, v, out, Extras::default(), scale, stream)
    }

    /// [`run`](Self::run) for a kernel with ALiBi or varlen: `extras` carries the slopes and
    /// the sequence offsets, each required exactly when the spec has that variant.
    ///
    /// Besides every check of `run` (on the packed `[1, total, heads, head_dim]` tensors for
    /// varlen), before anything reaches the GPU:
    /// - varlen: both offset lists have `batch + 1 >= 2` entries (batch at most 65535), start
    ///   at 0, never decrease, end at the packed tensors' token counts, and fit `i32`;
    ///   `max_seqlen_q` / `max_seqlen_k` are at least the longest sequence and at most the
    ///   totals. The offsets are copied to the device on `stream` (stream-ordered allocation,
    ///   freed on the stream after the kernel), so the slices may be dropped on return;
    /// - ALiBi: the slopes buffer holds `heads_q` or `batch * heads_q` values and is on the
    ///   stream's device.
    #[allow(clippy::too_many_arguments)] // the kernel's operands, as FlashAttention takes them
    pub fn run_with<T: Element>(
        &self,
        q: &Tensor<'_, T>,
        k: &Tensor<'_, T>,
        v: &Tensor<'_, T>,
        out: &mut TensorMut<'_, T>,
        extras: Extras<'_>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<()> {
        let mut args = self.launch_args_with(q, k, v, out, extras, scale, stream)?;
        let _guard = DeviceGuard::set(stream.device())?;
        take_pending_error()?;
        let Some(varlen) = extras.varlen else {
            // SAFETY: `from_raw`'s contract, and the arguments passed every check of `run`.
            return unsafe { launch(self.raw, &args, stream.as_raw()) };
        };
        let offsets: Vec<i32> = varlen
            .cu_seqlens_q
            .iter()
            .chain(varlen.cu_seqlens_k)
            .copied()
            .collect();
        let bytes = size_of_val(offsets.as_slice());
        let raw_stream = stream.as_raw();
        let mut dev: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: writes one pointer; on success it owns `bytes` bytes, usable in stream order.
        check("cudaMallocAsync", unsafe {
            ffi::cudaMallocAsync(&mut dev, bytes, raw_stream)
        })?;
        let launched = (|| {
            // SAFETY: `offsets` holds `bytes` bytes; the pageable source is staged before the
            // call returns, so dropping it afterwards is fine.
            check("cudaMemcpyAsync", unsafe {
                ffi::cudaMemcpyAsync(
                    dev,
                    offsets.as_ptr().cast(),
                    bytes,
                    ffi::MEMCPY_HOST_TO_DEVICE,
                    raw_stream,
                )
            })?;
            args.cu_seqlens_q = dev as *const i32;
            // SAFETY: within the allocation: the second list follows the first.
            args.cu_seqlens_k = unsafe { args.cu_seqlens_q.add(varlen.cu_seqlens_q.len()) };
            // SAFETY: as in `run`; the offsets were checked on the host and are on the device
            // in stream order before the kernel starts.
            unsafe { launch(self.raw, &args, raw_stream) }
        })();
        // SAFETY: `dev` came from cudaMallocAsync; freed in stream order, after the kernel.
        let freed = check("cudaFreeAsync", unsafe {
            ffi::cudaFreeAsync(dev, raw_stream)
        });
        launched.and(freed)
    }

    /// Every check of [`run_with`](Self::run_with), touching no GPU; the arguments the kernel
    /// would get, except that the varlen offsets, which `run_with` copies to the device, are
    /// null pointers here.
    #[allow(clippy::too_many_arguments)]
    pub fn launch_args_with<T: Element>(
        &self,
        q: &Tensor<'_, T>,
        k: &Tensor<'_, T>,
        v: &Tensor<'_, T>,
        out: &TensorMut<'_, T>,
        extras: Extras<'_>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<LaunchArgs> {
        let variants = self.spec.variants;
        match (variants.varlen, extras.varlen.is_some()) {
            (true, false) => {
                return Err(Error::Varlen {
                    reason: "the kernel is built for packed variable-length sequences: give \
                             the offsets (`Extras::varlen`)"
                        .into(),
                });
            }
            (false, true) => {
                return Err(Error::Varlen {
                    reason: "the kernel is built for fixed-length batches; sequence offsets \
                             need a kernel whose spec has `varlen = true`"
                        .into(),
                });
            }
            _ => {}
        }
        match (variants.alibi, extras.alibi_slopes.is_some()) {
            (true, false) => {
                return Err(Error::Alibi {
                    reason: "the kernel is built with ALiBi: give the slopes \
                             (`Extras::alibi_slopes`)"
                        .into(),
                });
            }
            (false, true) => {
                return Err(Error::Alibi {
                    reason: "the kernel is built without ALiBi; slopes need a kernel whose \
                             spec has `alibi = true`"
                        .into(),
                });
            }
            _ => {}
        }
        let mut args = validate(
            self.spec,
            T::DTYPE,
            [q.view(), k.view(), v.view(), out.view()],
            scale,
            stream.device(),
        )?;
        if let Some(varlen) = extras.varlen {
            check_varlen(&mut args, &varlen)?;
        }
        if let Some(slopes) = extras.alibi_slopes {
            let (batch, heads) = (args.batch as usize, args.heads_q as usize);
            args.alibi_batch_stride = if slopes.len() == heads {
                0
            } else if Some(slopes.len()) == batch.checked_mul(heads) {
                args.heads_q
            } else {
                return Err(Error::Alibi {
                    reason: format!(
                        "{} slopes, but the launch needs {heads} (one per query head) or \
                         {batch} x {heads} (per batch entry and query head)",
                        slopes.len()
                    ),
                });
            };
            if slopes.device() != stream.device() {
                return Err(Error::Device {
                    tensor: "alibi_slopes",
                    expected: stream.device(),
                    actual: slopes.device(),
                });
            }
            args.alibi_slopes = slopes.as_ptr();
        }
        Ok(args)
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
        self.launch_args_with(q, k, v, out, Extras::default(), scale, stream)
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
pub(crate) fn take_pending_error() -> Result<()> {
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

/// The varlen checks of [`AttentionKernel::run_with`] on arguments `validate` accepted; sets
/// the batch (the number of sequences) and the max lengths.
fn check_varlen(args: &mut LaunchArgs, varlen: &Varlen<'_>) -> Result<()> {
    let fail = |reason: String| Err(Error::Varlen { reason });
    if args.batch != 1 {
        return fail(format!(
            "packed tensors are [1, total_tokens, heads, head_dim], but q and k have batch {}",
            args.batch
        ));
    }
    let (cu_q, cu_k) = (varlen.cu_seqlens_q, varlen.cu_seqlens_k);
    if cu_q.len() != cu_k.len() {
        return fail(format!(
            "cu_seqlens_q has {} offsets and cu_seqlens_k {}: both are batch + 1 long",
            cu_q.len(),
            cu_k.len()
        ));
    }
    if !(2..=65536).contains(&cu_q.len()) {
        return fail(format!(
            "{} offsets: batch + 1 offsets for 1 to 65535 sequences",
            cu_q.len()
        ));
    }
    let mut longest = [0usize; 2];
    for (((name, cu), total), longest) in [("cu_seqlens_q", cu_q), ("cu_seqlens_k", cu_k)]
        .into_iter()
        .zip([args.seqlen_q, args.seqlen_k])
        .zip(&mut longest)
    {
        if cu[0] != 0 {
            return fail(format!("{name} starts at {}, not 0", cu[0]));
        }
        for (b, pair) in cu.windows(2).enumerate() {
            if pair[1] < pair[0] {
                return fail(format!(
                    "{name} decreases from {} to {} at sequence {b}",
                    pair[0], pair[1]
                ));
            }
            *longest = (*longest).max((pair[1] - pair[0]) as usize);
        }
        let last = cu[cu.len() - 1];
        if last != total {
            return fail(format!(
                "{name} ends at {last}, but the packed tensor has {total} tokens"
            ));
        }
    }
    for (name, given, longest, total) in [
        (
            "max_seqlen_q",
            varlen.max_seqlen_q,
            longest[0],
            args.seqlen_q,
        ),
        (
            "max_seqlen_k",
            varlen.max_seqlen_k,
            longest[1],
            args.seqlen_k,
        ),
    ] {
        if given < longest || given > total as usize {
            return fail(format!(
                "{name} is {given}, but the longest sequence has {longest} tokens and the \
                 packed tensor {total}: give a value from {longest} to {total}"
            ));
        }
    }
    args.batch = (cu_q.len() - 1) as i32;
    // `given <= total`, which fits i32.
    args.max_seqlen_q = varlen.max_seqlen_q as i32;
    args.max_seqlen_k = varlen.max_seqlen_k as i32;
    Ok(())
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
        alibi_batch_stride: 0,
        alibi_slopes: std::ptr::null(),
        cu_seqlens_q: std::ptr::null(),
        cu_seqlens_k: std::ptr::null(),
        max_seqlen_q: seqlen_q,
        max_seqlen_k: seqlen_k,
    })
}

/// The shape as the ABI's `int32`s.
pub(crate) fn abi_dims(tensor: &'static str, t: &View) -> Result<[i32; 4]> {
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
pub(crate) fn abi_strides(tensor: &'static str, t: &View, dtype: DType) -> Result<[i64; 3]> {
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::{Gpu, bf16, device_count};

    // Launches recorded by the fake launch functions, per test thread.
    thread_local! {
        static LAUNCHES: RefCell<Vec<(LaunchArgs, *mut c_void)>> = const { RefCell::new(Vec::new()) };
    }

    /// A launch function that records its arguments and succeeds.
    unsafe fn record(args: &LaunchArgs, stream: *mut c_void) -> i32 {
        LAUNCHES.with(|l| l.borrow_mut().push((*args, stream)));
        0
    }

    /// A launch function that records its arguments and fails as a kernel compiled for
    /// another architecture does (cudaErrorNoKernelImageForDevice).
    unsafe fn fail(args: &LaunchArgs, stream: *mut c_void) -> i32 {
        LAUNCHES.with(|l| l.borrow_mut().push((*args, stream)));
        209
    }

    fn launches() -> Vec<(LaunchArgs, *mut c_void)> {
        LAUNCHES.with(|l| l.borrow_mut().drain(..).collect())
    }

    const SPEC: Spec = Spec {
        gpu: Gpu::H100,
        dtype: DType::Bf16,
        head_dim: 64,
        causal: true,
        variants: crate::Variants::NONE,
    };
    // SAFETY: `record` touches no memory of the arguments' pointers.
    const KERNEL: AttentionKernel = unsafe { AttentionKernel::from_raw(SPEC, record) };

    // Fake device addresses, 1 GiB apart: never dereferenced, as no launch function here reads
    // through them.
    const Q: usize = 1 << 30;
    const K: usize = 2 << 30;
    const V: usize = 3 << 30;
    const O: usize = 4 << 30;

    fn contiguous(shape: [usize; 4]) -> [usize; 3] {
        crate::tensor::contiguous(shape).unwrap()
    }

    fn tensor_on<T: Element>(
        addr: usize,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
    ) -> Tensor<'static, T> {
        // SAFETY: the address is fake and never dereferenced (see above).
        unsafe { Tensor::from_raw_parts(addr as *const T, device, shape, strides) }.unwrap()
    }

    fn tensor(addr: usize, shape: [usize; 4]) -> Tensor<'static, bf16> {
        tensor_on(addr, 0, shape, contiguous(shape))
    }

    fn out_on<T: Element>(
        addr: usize,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
    ) -> TensorMut<'static, T> {
        // SAFETY: as `tensor_on`.
        unsafe { TensorMut::from_raw_parts(addr as *mut T, device, shape, strides) }.unwrap()
    }

    fn out(addr: usize, shape: [usize; 4]) -> TensorMut<'static, bf16> {
        out_on(addr, 0, shape, contiguous(shape))
    }

    fn stream(device: i32) -> Stream {
        // SAFETY: the legacy default stream; launches here never reach it unless a GPU exists,
        // and then only through `record`, which queues nothing.
        unsafe { Stream::from_raw(std::ptr::null_mut(), device) }
    }

    /// Asserts that `run` refuses the arguments with the same error `launch_args` gives,
    /// without calling the launch function, and returns the error.
    fn rejected<T: Element>(
        kernel: &AttentionKernel,
        q: &Tensor<'_, T>,
        k: &Tensor<'_, T>,
        v: &Tensor<'_, T>,
        o: &mut TensorMut<'_, T>,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Error {
        launches();
        let err = kernel.run(q, k, v, o, scale, stream).unwrap_err();
        assert!(launches().is_empty(), "launched despite {err}");
        // Compared as text: a NaN scale makes the errors unequal to themselves.
        assert_eq!(
            format!("{:?}", kernel.launch_args(q, k, v, o, scale, stream)),
            format!("{:?}", Err::<LaunchArgs, _>(err.clone()))
        );
        err
    }

    /// The error for q, k, v, out of the given shapes (contiguous, on device 0).
    fn shape_error(shapes: [[usize; 4]; 4]) -> Error {
        let [q, k, v, o] = shapes;
        rejected(
            &KERNEL,
            &tensor(Q, q),
            &tensor(K, k),
            &tensor(V, v),
            &mut out(O, o),
            None,
            &stream(0),
        )
    }

    #[test]
    fn checked_arguments_reach_the_kernel_field_for_field() {
        // GQA 8:2, sq != sk, v with padded rows, out head-major.
        let (qs, ks) = ([2, 17, 8, 64], [2, 33, 2, 64]);
        let q = tensor(Q, qs);
        let k = tensor(K, ks);
        let v = tensor_on(V, 0, ks, [33 * 2 * 72, 2 * 72, 72]);
        let o = out_on(O, 0, qs, [17 * 8 * 64, 64, 17 * 64]);
        let args = KERNEL
            .launch_args(&q, &k, &v, &o, None, &stream(0))
            .unwrap();
        assert_eq!(
            args,
            LaunchArgs {
                q: Q as *const c_void,
                k: K as *const c_void,
                v: V as *const c_void,
                o: O as *mut c_void,
                q_batch_stride: 17 * 8 * 64,
                q_row_stride: 8 * 64,
                q_head_stride: 64,
                k_batch_stride: 33 * 2 * 64,
                k_row_stride: 2 * 64,
                k_head_stride: 64,
                v_batch_stride: 33 * 2 * 72,
                v_row_stride: 2 * 72,
                v_head_stride: 72,
                o_batch_stride: 17 * 8 * 64,
                o_row_stride: 64,
                o_head_stride: 17 * 64,
                batch: 2,
                seqlen_q: 17,
                seqlen_k: 33,
                heads_q: 8,
                heads_kv: 2,
                head_dim: 64,
                softmax_scale: 0.125,
                alibi_batch_stride: 0,
                alibi_slopes: std::ptr::null(),
                cu_seqlens_q: std::ptr::null(),
                cu_seqlens_k: std::ptr::null(),
                max_seqlen_q: 17,
                max_seqlen_k: 33,
            }
        );
        let args = KERNEL
            .launch_args(&q, &k, &v, &o, Some(0.5), &stream(0))
            .unwrap();
        assert_eq!(args.softmax_scale, 0.5);
    }

    #[test]
    fn mqa_and_single_element_dimensions_are_accepted() {
        // One key/value head for all query heads; batch 1, seqlen 1, heads 1.
        let q = tensor(Q, [1, 1, 4, 64]);
        let k = tensor(K, [1, 1000, 1, 64]);
        let v = tensor(V, [1, 1000, 1, 64]);
        // Strides of size-1 dimensions never step: any value is fine and 0 is passed.
        let o = out_on(O, 0, [1, 1, 4, 64], [3, 5, 64]);
        let args = KERNEL
            .launch_args(&q, &k, &v, &o, None, &stream(0))
            .unwrap();
        assert_eq!((args.heads_q, args.heads_kv, args.seqlen_q), (4, 1, 1));
        assert_eq!(
            [args.o_batch_stride, args.o_row_stride, args.o_head_stride],
            [0, 0, 64]
        );
        assert_eq!(
            [args.k_batch_stride, args.k_row_stride, args.k_head_stride],
            [0, 64, 0]
        );
    }

    #[test]
    fn run_calls_the_kernel_only_with_a_device() {
        let (q, k, v) = (
            tensor(Q, [1, 16, 2, 64]),
            tensor(K, [1, 16, 2, 64]),
            tensor(V, [1, 16, 2, 64]),
        );
        let mut o = out(O, [1, 16, 2, 64]);
        launches();
        let result = KERNEL.run(&q, &k, &v, &mut o, None, &stream(0));
        let calls = launches();
        if device_count() == Ok(0) {
            // Checks pass, then making the stream's device current fails: no launch.
            let err = result.unwrap_err();
            assert!(matches!(err, Error::NoDevice { .. }), "{err:?}");
            assert!(calls.is_empty());
        } else {
            result.unwrap();
            assert_eq!(calls.len(), 1);
            assert_eq!(calls[0].0.q, Q as *const c_void);
            assert!(calls[0].1.is_null());
        }
    }

    #[test]
    fn launch_failures_become_cuda_errors() {
        let args = KERNEL
            .launch_args(
                &tensor(Q, [1, 16, 2, 64]),
                &tensor(K, [1, 16, 2, 64]),
                &tensor(V, [1, 16, 2, 64]),
                &out(O, [1, 16, 2, 64]),
                None,
                &stream(0),
            )
            .unwrap();
        launches();
        let s = 0x1234 as *mut c_void;
        // SAFETY: the fakes dereference nothing.
        assert_eq!(unsafe { launch(record, &args, s) }, Ok(()));
        let err = unsafe { launch(fail, &args, s) }.unwrap_err();
        assert_eq!(
            err,
            Error::Cuda {
                call: "kernel launch",
                code: 209,
                name: "cudaErrorNoKernelImageForDevice".into(),
                message: "no kernel image is available for execution on the device".into(),
            }
        );
        assert_eq!(
            err.to_string(),
            "kernel launch failed: no kernel image is available for execution on the device \
             (cudaErrorNoKernelImageForDevice = 209)"
        );
        let calls = launches();
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|&(a, st)| a == args && st == s));
    }

    #[test]
    fn the_dtype_must_be_the_kernels() {
        // SAFETY: `record` touches nothing.
        let f16_kernel = unsafe {
            AttentionKernel::from_raw(
                Spec {
                    dtype: DType::F16,
                    ..SPEC
                },
                record,
            )
        };
        let s = [1, 16, 2, 64];
        let err = rejected(
            &f16_kernel,
            &tensor(Q, s),
            &tensor(K, s),
            &tensor(V, s),
            &mut out(O, s),
            None,
            &stream(0),
        );
        assert_eq!(
            err.to_string(),
            "q has dtype bf16 but the kernel was built for dtype f16"
        );
    }

    #[test]
    fn every_tensor_must_have_the_kernels_head_dim() {
        let good = [2, 16, 4, 64];
        let bad = [2, 16, 4, 128];
        for (i, name) in NAMES.iter().enumerate() {
            let mut shapes = [good; 4];
            shapes[i] = bad;
            let err = shape_error(shapes);
            assert_eq!(
                err,
                Error::HeadDim {
                    tensor: name,
                    expected: 64,
                    actual: 128,
                    shape: bad
                }
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "{name} has head_dim 128 (shape [2, 16, 4, 128]) but the kernel was built \
                     for head_dim 64"
                )
            );
        }
    }

    #[test]
    fn q_and_out_k_and_v_must_have_the_same_shapes() {
        let err = shape_error([
            [2, 16, 4, 64],
            [2, 17, 4, 64],
            [2, 16, 4, 64],
            [2, 16, 4, 64],
        ]);
        assert_eq!(
            err.to_string(),
            "k and v must have the same shape: k is [2, 17, 4, 64], v is [2, 16, 4, 64]"
        );
        let err = shape_error([
            [2, 16, 4, 64],
            [2, 16, 4, 64],
            [2, 16, 4, 64],
            [2, 15, 4, 64],
        ]);
        assert_eq!(
            err.to_string(),
            "q and out must have the same shape: q is [2, 16, 4, 64], out is [2, 15, 4, 64]"
        );
    }

    #[test]
    fn every_tensor_must_have_the_same_batch() {
        let err = shape_error([
            [2, 16, 4, 64],
            [3, 16, 4, 64],
            [3, 16, 4, 64],
            [2, 16, 4, 64],
        ]);
        assert_eq!(
            err.to_string(),
            "k has the wrong shape: expected batch 2, as q [2, 16, 4, 64], got batch 3 in \
             [3, 16, 4, 64]"
        );
    }

    #[test]
    fn no_dimension_may_be_empty() {
        let full = [2, 16, 4, 64];
        for (name, shapes) in [
            ("q", [[2, 0, 4, 64], full, full, [2, 0, 4, 64]]),
            (
                "q",
                [
                    [0, 16, 4, 64],
                    [0, 16, 4, 64],
                    [0, 16, 4, 64],
                    [0, 16, 4, 64],
                ],
            ),
            ("k", [full, [2, 0, 4, 64], [2, 0, 4, 64], full]),
            ("k", [full, [2, 16, 0, 64], [2, 16, 0, 64], full]),
        ] {
            let err = shape_error(shapes);
            assert!(
                matches!(err, Error::Empty { tensor, .. } if tensor == name),
                "{err:?}"
            );
        }
        assert_eq!(
            shape_error([[2, 0, 4, 64], full, full, [2, 0, 4, 64]]).to_string(),
            "q is empty: its shape [2, 0, 4, 64] has a zero dimension"
        );
    }

    #[test]
    fn query_heads_must_be_a_multiple_of_key_value_heads() {
        let kv = [2, 16, 3, 64];
        let err = shape_error([[2, 16, 8, 64], kv, kv, [2, 16, 8, 64]]);
        assert_eq!(
            err,
            Error::HeadRatio {
                q_heads: 8,
                kv_heads: 3
            }
        );
        assert_eq!(
            err.to_string(),
            "q has 8 heads, which is not a multiple of the 3 heads of k and v"
        );
        // More key/value heads than query heads is no grouping either.
        let kv = [2, 16, 8, 64];
        let err = shape_error([[2, 16, 4, 64], kv, kv, [2, 16, 4, 64]]);
        assert!(matches!(err, Error::HeadRatio { .. }), "{err:?}");
    }

    #[test]
    fn dimensions_must_fit_the_abis_int32() {
        let big = [1, 1 << 31, 1, 64];
        let ok = [1, 16, 1, 64];
        let err = rejected(
            &KERNEL,
            &tensor(Q, big),
            &tensor(K, ok),
            &tensor(V, ok),
            &mut out(1 << 50, big),
            None,
            &stream(0),
        );
        assert_eq!(
            err.to_string(),
            "q: seqlen 2147483648 (shape [1, 2147483648, 1, 64]) does not fit the launch ABI's \
             int32"
        );
    }

    #[test]
    fn strides_must_be_multiples_of_16_bytes() {
        let s = [2, 16, 4, 64];
        let c = contiguous(s);
        for (i, name) in NAMES.iter().enumerate() {
            // A row stride of 260 bf16 elements: 520 bytes, not a multiple of 16.
            let bad = [16 * 260, 260, 64];
            let t = |j: usize, addr| tensor_on::<bf16>(addr, 0, s, if i == j { bad } else { c });
            let mut o = out_on(O, 0, s, if i == 3 { bad } else { c });
            let err = rejected(
                &KERNEL,
                &t(0, Q),
                &t(1, K),
                &t(2, V),
                &mut o,
                None,
                &stream(0),
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "{name} has strides [4160, 260, 64] (batch, seq, head; in elements): every \
                     stride must be a multiple of 16 bytes (8 elements of bf16), but the seqlen \
                     stride is 260"
                )
            );
        }
        // For f32, 16 bytes are 4 elements: a row stride of 260 is fine, 258 is not.
        // SAFETY: `record` touches nothing.
        let f32_kernel = unsafe {
            AttentionKernel::from_raw(
                Spec {
                    dtype: DType::F32,
                    head_dim: 32,
                    ..SPEC
                },
                record,
            )
        };
        let s = [2, 16, 4, 32];
        let t = |addr, row| tensor_on::<f32>(addr, 0, s, [16 * row, row, 32]);
        let o = out_on::<f32>(O, 0, s, [16 * 260, 260, 32]);
        f32_kernel
            .launch_args(&t(Q, 260), &t(K, 260), &t(V, 260), &o, None, &stream(0))
            .unwrap();
        let mut o = out_on::<f32>(O, 0, s, [16 * 260, 260, 32]);
        let err = rejected(
            &f32_kernel,
            &t(Q, 258),
            &t(K, 260),
            &t(V, 260),
            &mut o,
            None,
            &stream(0),
        );
        assert!(err.to_string().contains("(4 elements of f32)"), "{err}");
    }

    #[test]
    fn first_elements_must_be_16_byte_aligned() {
        let s = [2, 16, 4, 64];
        for (i, name) in NAMES.iter().enumerate() {
            // One bf16 element past an aligned address.
            let addr = |j: usize, a: usize| if i == j { a + 2 } else { a };
            let mut o = out(addr(3, O), s);
            let err = rejected(
                &KERNEL,
                &tensor(addr(0, Q), s),
                &tensor(addr(1, K), s),
                &tensor(addr(2, V), s),
                &mut o,
                None,
                &stream(0),
            );
            assert_eq!(
                err,
                Error::Alignment {
                    tensor: name,
                    address: addr(i, [Q, K, V, O][i]),
                    align: 16
                }
            );
            assert!(
                err.to_string()
                    .contains("which is not a multiple of 16 bytes"),
                "{err}"
            );
        }
    }

    #[test]
    fn every_tensor_must_be_on_the_streams_device() {
        let s = [2, 16, 4, 64];
        let c = contiguous(s);
        for (i, name) in NAMES.iter().enumerate() {
            let dev = |j: usize| if i == j { 1 } else { 0 };
            let mut o = out_on(O, dev(3), s, c);
            let err = rejected(
                &KERNEL,
                &tensor_on::<bf16>(Q, dev(0), s, c),
                &tensor_on(K, dev(1), s, c),
                &tensor_on(V, dev(2), s, c),
                &mut o,
                None,
                &stream(0),
            );
            assert_eq!(
                err.to_string(),
                format!("{name} is on device 1 but the stream is on device 0")
            );
        }
    }

    #[test]
    fn out_must_not_overlap_an_input() {
        let s = [1, 16, 2, 64];
        let bytes = 16 * 2 * 64 * 2;
        for (i, name) in NAMES[..3].iter().enumerate() {
            let addr = |j: usize, a: usize| if i == j { O + bytes - 16 } else { a };
            let mut o = out(O, s);
            let err = rejected(
                &KERNEL,
                &tensor(addr(0, Q), s),
                &tensor(addr(1, K), s),
                &tensor(addr(2, V), s),
                &mut o,
                None,
                &stream(0),
            );
            assert_eq!(err, Error::Alias { tensor: name });
        }
        // Adjacent is not overlapping.
        let o = out(O, s);
        KERNEL
            .launch_args(
                &tensor(O + bytes, s),
                &tensor(K, s),
                &tensor(V, s),
                &o,
                None,
                &stream(0),
            )
            .unwrap();
    }

    #[test]
    fn the_scale_must_be_finite_and_positive() {
        let s = [1, 16, 2, 64];
        for scale in [0.0, -0.125, f32::NAN, f32::INFINITY] {
            let err = rejected(
                &KERNEL,
                &tensor(Q, s),
                &tensor(K, s),
                &tensor(V, s),
                &mut out(O, s),
                Some(scale),
                &stream(0),
            );
            assert!(matches!(err, Error::Scale { .. }), "{scale}: {err:?}");
            assert!(
                err.to_string().starts_with("softmax scale must be finite"),
                "{err}"
            );
        }
    }

    /// A varlen kernel of [`SPEC`] (with ALiBi when `alibi`), recording its launches.
    fn varlen_kernel(alibi: bool) -> AttentionKernel {
        let spec = Spec {
            variants: crate::Variants {
                varlen: true,
                alibi,
                ..crate::Variants::NONE
            },
            ..SPEC
        };
        // SAFETY: `record` touches nothing.
        unsafe { AttentionKernel::from_raw(spec, record) }
    }

    fn varlen_args(cu_q: &[i32], cu_k: &[i32], max: [usize; 2]) -> Result<LaunchArgs> {
        let (tq, tk) = (
            *cu_q.last().unwrap_or(&1) as usize,
            *cu_k.last().unwrap_or(&1) as usize,
        );
        let (qs, ks) = ([1, tq.max(1), 8, 64], [1, tk.max(1), 2, 64]);
        let extras = Extras {
            alibi_slopes: None,
            varlen: Some(Varlen {
                cu_seqlens_q: cu_q,
                cu_seqlens_k: cu_k,
                max_seqlen_q: max[0],
                max_seqlen_k: max[1],
            }),
        };
        varlen_kernel(false).launch_args_with(
            &tensor(Q, qs),
            &tensor(K, ks),
            &tensor(V, ks),
            &out(O, qs),
            extras,
            None,
            &stream(0),
        )
    }

    #[test]
    fn varlen_offsets_reach_the_kernel_as_sequences() {
        // Lengths q: 0, 1, 17; k: 5, 0, 40 (unequal per sequence).
        let args = varlen_args(&[0, 0, 1, 18], &[0, 5, 5, 45], [17, 40]).unwrap();
        assert_eq!((args.batch, args.seqlen_q, args.seqlen_k), (3, 18, 45));
        assert_eq!((args.max_seqlen_q, args.max_seqlen_k), (17, 40));
        assert_eq!([args.q_batch_stride, args.k_batch_stride], [0, 0]);
        assert_eq!(args.q_row_stride, 8 * 64);
        // Offsets are uploaded by `run_with`; here they are not on the device yet.
        assert!(args.cu_seqlens_q.is_null() && args.alibi_slopes.is_null());
    }

    #[test]
    fn bad_varlen_offsets_are_refused() {
        let bad = |cu_q: &[i32], cu_k: &[i32], max: [usize; 2]| {
            let e = varlen_args(cu_q, cu_k, max).unwrap_err();
            assert!(matches!(e, Error::Varlen { .. }), "{e:?}");
            e.to_string()
        };
        assert!(bad(&[0, 4], &[0, 4, 8], [4, 4]).contains("both are batch + 1"));
        assert!(bad(&[4], &[4], [4, 4]).contains("1 to 65535 sequences"));
        assert!(bad(&[1, 4], &[0, 4], [4, 4]).contains("starts at 1"));
        assert!(bad(&[0, 5, 4], &[0, 2, 4], [5, 2]).contains("decreases from 5 to 4"));
        assert!(bad(&[0, 2, 4], &[0, 2, 4], [1, 2]).contains("max_seqlen_q is 1"));
        assert!(bad(&[0, 2, 4], &[0, 2, 4], [2, 5]).contains("max_seqlen_k is 5"));
        // The last offset must be the packed tensor's token count.
        let e = varlen_kernel(false)
            .launch_args_with(
                &tensor(Q, [1, 9, 8, 64]),
                &tensor(K, [1, 4, 2, 64]),
                &tensor(V, [1, 4, 2, 64]),
                &out(O, [1, 9, 8, 64]),
                Extras {
                    alibi_slopes: None,
                    varlen: Some(Varlen {
                        cu_seqlens_q: &[0, 4, 8],
                        cu_seqlens_k: &[0, 2, 4],
                        max_seqlen_q: 4,
                        max_seqlen_k: 2,
                    }),
                },
                None,
                &stream(0),
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("cu_seqlens_q ends at 8, but the packed tensor has 9")
        );
        // Packed tensors have batch 1.
        let s = [2, 4, 8, 64];
        let e = varlen_kernel(false)
            .launch_args_with(
                &tensor(Q, s),
                &tensor(K, s),
                &tensor(V, s),
                &out(O, s),
                Extras {
                    alibi_slopes: None,
                    varlen: Some(Varlen {
                        cu_seqlens_q: &[0, 4],
                        cu_seqlens_k: &[0, 4],
                        max_seqlen_q: 4,
                        max_seqlen_k: 4,
                    }),
                },
                None,
                &stream(0),
            )
            .unwrap_err();
        assert!(e.to_string().contains("[1, total_tokens"), "{e}");
    }

    #[test]
    fn variants_and_their_data_must_agree() {
        let s = [1, 16, 2, 64];
        let (q, k, v, mut o) = (tensor(Q, s), tensor(K, s), tensor(V, s), out(O, s));
        // A varlen kernel refuses a plain run, and never launches.
        let e = rejected(&varlen_kernel(false), &q, &k, &v, &mut o, None, &stream(0));
        assert!(
            e.to_string()
                .starts_with("varlen: the kernel is built for packed")
        );
        // A plain kernel refuses offsets.
        let extras = Extras {
            alibi_slopes: None,
            varlen: Some(Varlen {
                cu_seqlens_q: &[0, 16],
                cu_seqlens_k: &[0, 16],
                max_seqlen_q: 16,
                max_seqlen_k: 16,
            }),
        };
        let e = KERNEL
            .launch_args_with(&q, &k, &v, &o, extras, None, &stream(0))
            .unwrap_err();
        assert!(e.to_string().contains("fixed-length"), "{e}");
        // An ALiBi kernel wants slopes.
        let e = varlen_kernel(true)
            .launch_args_with(&q, &k, &v, &o, extras, None, &stream(0))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("alibi: the kernel is built with ALiBi"),
            "{e}"
        );
    }

    #[test]
    fn the_spec_is_kept() {
        assert_eq!(KERNEL.spec(), SPEC);
        assert!(format!("{KERNEL:?}").contains("H100"));
    }

    /// `LaunchArgs` has exactly the fields of `QimengAttnArgs`, in order, with matching C
    /// types; read from abi.h when the workspace is at hand (not in a published crate).
    #[test]
    fn launch_args_match_abi_h() {
        let header = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../kernels-cache/include/qimeng/abi.h"
        );
        let Ok(text) = std::fs::read_to_string(header) else {
            return;
        };
        let body = text
            .split("typedef struct QimengAttnArgs {")
            .nth(1)
            .and_then(|b| b.split('}').next())
            .expect("abi.h defines QimengAttnArgs");
        let fields: Vec<(String, String)> = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let l = l.trim_end_matches(';');
                let (ty, name) = l.rsplit_once(' ').expect("`type name;`");
                (ty.replace(' ', ""), name.to_string())
            })
            .collect();
        let ours: Vec<(&str, &str)> = vec![
            ("constvoid*", "q"),
            ("constvoid*", "k"),
            ("constvoid*", "v"),
            ("void*", "o"),
            ("int64_t", "q_batch_stride"),
            ("int64_t", "q_row_stride"),
            ("int64_t", "q_head_stride"),
            ("int64_t", "k_batch_stride"),
            ("int64_t", "k_row_stride"),
            ("int64_t", "k_head_stride"),
            ("int64_t", "v_batch_stride"),
            ("int64_t", "v_row_stride"),
            ("int64_t", "v_head_stride"),
            ("int64_t", "o_batch_stride"),
            ("int64_t", "o_row_stride"),
            ("int64_t", "o_head_stride"),
            ("int32_t", "batch"),
            ("int32_t", "seqlen_q"),
            ("int32_t", "seqlen_k"),
            ("int32_t", "heads_q"),
            ("int32_t", "heads_kv"),
            ("int32_t", "head_dim"),
            ("float", "softmax_scale"),
            ("int32_t", "alibi_batch_stride"),
            ("constfloat*", "alibi_slopes"),
            ("constint32_t*", "cu_seqlens_q"),
            ("constint32_t*", "cu_seqlens_k"),
            ("int32_t", "max_seqlen_q"),
            ("int32_t", "max_seqlen_k"),
        ];
        let theirs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(t, n)| (t.as_str(), n.as_str()))
            .collect();
        assert_eq!(theirs, ours);
        assert!(text.contains("#define QIMENG_ABI_VERSION 2"));
    }
}
