//! The crate's error type.

use crate::DType;

/// What [`Error`] results carry; `E` defaults to this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, each variant with the context to act on it.
///
/// Tensors are named as the kernel names them: `"q"`, `"k"`, `"v"` and `"out"` for
/// [`AttentionKernel::run`](crate::AttentionKernel::run), `"view"` while a view is built, and
/// shapes are written `[batch, seqlen, heads, head_dim]`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No usable CUDA device: no driver, a driver too old for the CUDA 13 runtime, or no card.
    #[error("no usable CUDA device: {reason}")]
    NoDevice {
        /// Why, as [`no_gpu_reason`](crate::no_gpu_reason) says it.
        reason: String,
    },
    /// A CUDA runtime call failed.
    #[error("{call} failed: {message} ({name} = {code})")]
    Cuda {
        /// The call, e.g. `"cudaMalloc"` or `"kernel launch"`.
        call: &'static str,
        /// The `cudaError_t` value.
        code: i32,
        /// `cudaGetErrorName` of the code, e.g. `cudaErrorMemoryAllocation`.
        name: String,
        /// `cudaGetErrorString` of the code.
        message: String,
    },
    /// A buffer of zero elements was asked for; CUDA has no such allocation.
    #[error("a device buffer must hold at least one element")]
    EmptyBuffer,
    /// A host slice and a device buffer differ in length.
    #[error("host slice has {actual} elements but the device buffer holds {expected}")]
    Length {
        /// Elements of the device buffer.
        expected: usize,
        /// Elements of the host slice.
        actual: usize,
    },
    /// A tensor has a dimension of size zero.
    #[error("{tensor} is empty: its shape {shape:?} has a zero dimension")]
    Empty {
        /// Which tensor.
        tensor: &'static str,
        /// Its shape.
        shape: [usize; 4],
    },
    /// A tensor's shape is not what it must be.
    #[error("{tensor} has the wrong shape: expected {expected}, got {actual}")]
    Shape {
        /// Which tensor.
        tensor: &'static str,
        /// What it must be.
        expected: String,
        /// What it is.
        actual: String,
    },
    /// Two tensors that must have the same shape do not.
    #[error(
        "{first} and {second} must have the same shape: {first} is {first_shape:?}, {second} is {second_shape:?}"
    )]
    ShapeMismatch {
        /// The tensor whose shape is the reference.
        first: &'static str,
        /// Its shape.
        first_shape: [usize; 4],
        /// The tensor that differs.
        second: &'static str,
        /// Its shape.
        second_shape: [usize; 4],
    },
    /// A tensor's element type is not the kernel's.
    #[error("{tensor} has dtype {actual} but the kernel was built for dtype {expected}")]
    DType {
        /// Which tensor.
        tensor: &'static str,
        /// The kernel's dtype.
        expected: DType,
        /// The tensor's dtype.
        actual: DType,
    },
    /// A tensor's last dimension is not the kernel's head_dim.
    #[error(
        "{tensor} has head_dim {actual} (shape {shape:?}) but the kernel was built for head_dim {expected}"
    )]
    HeadDim {
        /// Which tensor.
        tensor: &'static str,
        /// The kernel's head_dim.
        expected: u32,
        /// The tensor's last dimension.
        actual: usize,
        /// The tensor's shape.
        shape: [usize; 4],
    },
    /// The query heads are not a multiple of the key/value heads (GQA and MQA need they are).
    #[error("q has {q_heads} heads, which is not a multiple of the {kv_heads} heads of k and v")]
    HeadRatio {
        /// Heads of q (and out).
        q_heads: usize,
        /// Heads of k and v.
        kv_heads: usize,
    },
    /// A tensor's first element is not 16-byte aligned.
    #[error(
        "{tensor} starts at device address {address:#x}, which is not a multiple of {align} bytes"
    )]
    Alignment {
        /// Which tensor.
        tensor: &'static str,
        /// Device address of its first element (base pointer plus offset).
        address: usize,
        /// The alignment required, in bytes.
        align: usize,
    },
    /// A tensor's strides are unusable.
    #[error("{tensor} has strides {strides:?} (batch, seq, head; in elements): {reason}")]
    Stride {
        /// Which tensor.
        tensor: &'static str,
        /// Its strides.
        strides: [usize; 3],
        /// What is wrong with them.
        reason: String,
    },
    /// A view reaches past the end of its buffer.
    #[error(
        "{tensor} of shape {shape:?}, strides {strides:?} and offset {offset} reaches element {last}, past the end of its buffer of {len} elements"
    )]
    OutOfBounds {
        /// Which tensor.
        tensor: &'static str,
        /// The view's shape.
        shape: [usize; 4],
        /// The view's strides.
        strides: [usize; 3],
        /// The view's offset in elements.
        offset: usize,
        /// Index of the last element the view addresses.
        last: usize,
        /// Elements in the buffer.
        len: usize,
    },
    /// A tensor lives on another device than the stream.
    #[error("{tensor} is on device {actual} but the stream is on device {expected}")]
    Device {
        /// Which tensor (or `"event"`).
        tensor: &'static str,
        /// The stream's device.
        expected: i32,
        /// The tensor's device.
        actual: i32,
    },
    /// A size does not fit the integer type it must be passed as.
    #[error("{tensor}: {what}")]
    Overflow {
        /// Which tensor (or `"buffer"`).
        tensor: &'static str,
        /// What overflowed.
        what: String,
    },
    /// The softmax scale is not a finite positive number.
    #[error("softmax scale must be finite and greater than zero, got {scale}")]
    Scale {
        /// The scale given.
        scale: f32,
    },
    /// The per-sequence offsets of a varlen launch are unusable, or a fixed-length launch was
    /// asked of a varlen kernel (or the reverse).
    #[error("varlen: {reason}")]
    Varlen {
        /// What is wrong and what would be right.
        reason: String,
    },
    /// The ALiBi slopes are missing, unexpected or of the wrong length.
    #[error("alibi: {reason}")]
    Alibi {
        /// What is wrong and what would be right.
        reason: String,
    },
    /// `out` overlaps an input in device memory, so the kernel would read what it writes.
    #[error("out overlaps {tensor} in device memory: out must not share memory with q, k or v")]
    Alias {
        /// The input it overlaps.
        tensor: &'static str,
    },
    /// A decode launch's `lse` output overlaps another tensor in device memory.
    #[error(
        "lse overlaps {tensor} in device memory: lse must not share memory with q, k, v or out"
    )]
    LseAlias {
        /// The tensor it overlaps.
        tensor: &'static str,
    },
    /// A decode launch's block table does not fit the batch or points outside the pool.
    #[error("block table: {reason}")]
    BlockTable {
        /// What is wrong, naming the sequence and the entry.
        reason: String,
    },
    /// A decode launch's cache lengths do not fit the batch or the cache.
    #[error("cache lengths: {reason}")]
    CacheLength {
        /// What is wrong, naming the sequence.
        reason: String,
    },
}
