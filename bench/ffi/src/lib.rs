//! Every kernel of the cache behind a C ABI, for `bench/bench.py` (ctypes on torch tensors).
//!
//! The launch goes through the same path a user's `#[flash_attention]` function takes:
//! views over foreign device memory ([`Tensor::from_raw_parts`]), a foreign stream
//! ([`Stream::from_raw`]) and [`qimeng_runtime::AttentionKernel::run`], which validates every
//! argument before the launch.
#![deny(missing_docs)]

use std::ffi::{CStr, c_char, c_void};
use std::sync::{Mutex, PoisonError};

use qimeng_runtime::{
    DType, DeviceBuffer, Element, Extras, Stream, Tensor, TensorMut, Varlen, bf16, f16,
};

include!(concat!(env!("OUT_DIR"), "/qimeng/registry.rs"));

/// Number of kernels in the library.
#[unsafe(no_mangle)]
pub extern "C" fn qimeng_bench_count() -> i32 {
    KERNELS.len() as i32
}

/// Writes the key of kernel `index` (NUL-terminated, truncated to `cap`) into `buf`; returns its
/// length, or -1 for an index out of range.
///
/// # Safety
/// `buf` must be valid for `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qimeng_bench_key(index: i32, buf: *mut c_char, cap: usize) -> i32 {
    let Some(kernel) = usize::try_from(index).ok().and_then(|i| KERNELS.get(i)) else {
        return -1;
    };
    let key = kernel.spec().key();
    if cap > 0 {
        let n = key.len().min(cap - 1);
        // SAFETY: the caller gives `cap` writable bytes; n + 1 <= cap.
        unsafe {
            std::ptr::copy_nonoverlapping(key.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    key.len() as i32
}

/// One attention call's tensors: `[batch, seqlen, heads, head_dim]` device pointers with their
/// batch, seq and head strides in elements (head_dim contiguous), as torch reports them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BenchArgs {
    /// Queries `[b, sq, hq, d]`.
    pub q: *const c_void,
    /// Keys `[b, sk, hkv, d]`.
    pub k: *const c_void,
    /// Values `[b, sk, hkv, d]`.
    pub v: *const c_void,
    /// Output `[b, sq, hq, d]`.
    pub o: *mut c_void,
    /// Strides (batch, seq, head) of q, k, v, o, in elements.
    pub strides: [[i64; 3]; 4],
    /// Batch.
    pub batch: i64,
    /// Query length.
    pub seqlen_q: i64,
    /// Key length.
    pub seqlen_k: i64,
    /// Query heads.
    pub heads_q: i64,
    /// Key/value heads.
    pub heads_kv: i64,
    /// Head size.
    pub head_dim: i64,
    /// Softmax scale; 0 or less: the default 1/sqrt(head_dim).
    pub scale: f32,
    /// Device ordinal of the tensors and the stream.
    pub device: i32,
    /// `cudaStream_t` to enqueue on (torch's current stream); null: the legacy default stream.
    pub stream: *mut c_void,
}

/// Packed variable-length sequences for [`qimeng_bench_run_varlen`]: host arrays of
/// `sequences + 1` offsets each (abi.h's cu_seqlens; `run_with` copies them to the device).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BenchVarlen {
    /// Query row offsets, host memory.
    pub cu_seqlens_q: *const i32,
    /// Key row offsets, host memory.
    pub cu_seqlens_k: *const i32,
    /// Number of sequences.
    pub sequences: i64,
    /// Longest query length.
    pub max_seqlen_q: i64,
    /// Longest key length.
    pub max_seqlen_k: i64,
}

/// Enqueues kernel `key` (a cache key, `fwd-h100-bf16-d128-causal`) on `args`. An ALiBi
/// kernel gets the slopes of [`alibi_slopes`] (one per query head, shared by the batch).
/// Returns 0 once queued; -1: no such kernel; -2: bad dimensions; 1: refused or failed (the
/// message, NUL-terminated and truncated to `cap`, is written to `err`).
///
/// # Safety
/// `key` must be a NUL-terminated string; the pointers of `args` must address device memory of
/// the given shapes and strides that stays alive until the queued work is done; `err` must be
/// valid for `cap` bytes (or `cap` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qimeng_bench_run(
    key: *const c_char,
    args: *const BenchArgs,
    err: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { run_key(key, args, None, err, cap) }
}

/// [`qimeng_bench_run`] for a varlen kernel: `args` describes the packed tensors as batch 1,
/// seqlen_q (seqlen_k) the total query (key) rows; `varlen` the sequences.
///
/// # Safety
/// As [`qimeng_bench_run`]; `varlen`'s offset arrays must hold `sequences + 1` entries each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qimeng_bench_run_varlen(
    key: *const c_char,
    args: *const BenchArgs,
    varlen: *const BenchVarlen,
    err: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let vl = unsafe { *varlen };
    if vl.sequences <= 0 || vl.max_seqlen_q < 0 || vl.max_seqlen_k < 0 {
        return -2;
    }
    let n = vl.sequences as usize + 1;
    // SAFETY: the caller's contract: `n` offsets each.
    let (cu_q, cu_k) = unsafe {
        (
            std::slice::from_raw_parts(vl.cu_seqlens_q, n),
            std::slice::from_raw_parts(vl.cu_seqlens_k, n),
        )
    };
    let varlen = Varlen {
        cu_seqlens_q: cu_q,
        cu_seqlens_k: cu_k,
        max_seqlen_q: vl.max_seqlen_q as usize,
        max_seqlen_k: vl.max_seqlen_k as usize,
    };
    // SAFETY: the caller's contract.
    unsafe { run_key(key, args, Some(varlen), err, cap) }
}

/// Finds `key`, checks the dimensions, runs it and reports an error into `err`.
///
/// # Safety
/// As [`qimeng_bench_run`].
unsafe fn run_key(
    key: *const c_char,
    args: *const BenchArgs,
    varlen: Option<Varlen<'_>>,
    err: *mut c_char,
    cap: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let (key, args) = unsafe { (CStr::from_ptr(key), *args) };
    let Some(kernel) = KERNELS
        .iter()
        .find(|k| key.to_str().is_ok_and(|s| s == k.spec().key()))
    else {
        return -1;
    };
    let dims = [
        args.batch,
        args.seqlen_q,
        args.seqlen_k,
        args.heads_q,
        args.heads_kv,
        args.head_dim,
    ];
    if dims.iter().any(|&x| x <= 0) || args.strides.iter().flatten().any(|&s| s < 0) {
        return -2;
    }
    let shape = dims.map(|x| x as usize);
    let st = args.strides.map(|s| s.map(|x| x as usize));
    let scale = (args.scale > 0.0).then_some(args.scale);
    // SAFETY: the caller's contract: live device memory and stream of `device`.
    let result = unsafe {
        let stream = Stream::from_raw(args.stream, args.device);
        match kernel.spec().dtype {
            DType::Bf16 => run::<bf16>(kernel, &args, shape, st, varlen, scale, &stream),
            DType::F16 => run::<f16>(kernel, &args, shape, st, varlen, scale, &stream),
            DType::F32 => run::<f32>(kernel, &args, shape, st, varlen, scale, &stream),
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let msg = e.to_string();
            if cap > 0 {
                let n = msg.len().min(cap - 1);
                // SAFETY: `err` holds `cap` bytes; n + 1 <= cap.
                unsafe {
                    std::ptr::copy_nonoverlapping(msg.as_ptr(), err.cast::<u8>(), n);
                    *err.add(n) = 0;
                }
            }
            1
        }
    }
}

/// The ALiBi slope of query head `h` of `heads`: the geometric sequence of the ALiBi paper,
/// `2^(-8 (h + 1) / heads)` (bench/variants_speed.py's reference uses the same).
fn alibi_slope(h: usize, heads: usize) -> f32 {
    (-8.0 * (h + 1) as f64 / heads as f64).exp2() as f32
}

/// The `[heads]` slopes of [`alibi_slope`] on `device`, uploaded on first use and kept for the
/// process (the upload synchronizes the device: it happens in a benchmark's warm-up call, never
/// in a timed one).
fn alibi_slopes(device: i32, heads: usize) -> qimeng_runtime::Result<&'static DeviceBuffer<f32>> {
    /// (device, heads) -> the slopes made for it.
    type Made = Vec<((i32, usize), &'static DeviceBuffer<f32>)>;
    static SLOPES: Mutex<Made> = Mutex::new(Vec::new());
    let mut made = SLOPES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, buf)) = made.iter().find(|(k, _)| *k == (device, heads)) {
        return Ok(buf);
    }
    let host: Vec<f32> = (0..heads).map(|h| alibi_slope(h, heads)).collect();
    let mut buf = DeviceBuffer::alloc_on(device, heads)?;
    buf.copy_from_host(&host)?;
    let buf: &'static DeviceBuffer<f32> = Box::leak(Box::new(buf));
    made.push(((device, heads), buf));
    Ok(buf)
}

/// Builds the four views and runs the kernel.
///
/// # Safety
/// As [`qimeng_bench_run`].
unsafe fn run<T: Element>(
    kernel: &qimeng_runtime::AttentionKernel,
    args: &BenchArgs,
    [b, sq, sk, hq, hkv, d]: [usize; 6],
    st: [[usize; 3]; 4],
    varlen: Option<Varlen<'_>>,
    scale: Option<f32>,
    stream: &Stream,
) -> qimeng_runtime::Result<()> {
    // SAFETY: the caller's contract.
    unsafe {
        let q = Tensor::from_raw_parts(args.q.cast::<T>(), args.device, [b, sq, hq, d], st[0])?;
        let k = Tensor::from_raw_parts(args.k.cast::<T>(), args.device, [b, sk, hkv, d], st[1])?;
        let v = Tensor::from_raw_parts(args.v.cast::<T>(), args.device, [b, sk, hkv, d], st[2])?;
        let mut o =
            TensorMut::from_raw_parts(args.o.cast::<T>(), args.device, [b, sq, hq, d], st[3])?;
        let extras = Extras {
            alibi_slopes: if kernel.spec().variants.alibi {
                Some(alibi_slopes(args.device, hq)?)
            } else {
                None
            },
            varlen,
        };
        kernel.run_with(&q, &k, &v, &mut o, extras, scale, stream)
    }
}
