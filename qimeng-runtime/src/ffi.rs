//! The few CUDA runtime functions this crate calls, declared by hand from `cuda_runtime_api.h`
//! of CUDA 13 (symbols checked with `nm -g libcudart_static.a`). Every one returns a
//! `cudaError_t`, which is a C enum: an `i32` here.

use std::ffi::{c_char, c_int, c_uint, c_void};

/// `cudaError_t`.
pub(crate) type CudaError = c_int;
/// `cudaStream_t`, `cudaEvent_t`: opaque handles.
pub(crate) type Handle = *mut c_void;

pub(crate) const SUCCESS: CudaError = 0;
/// `cudaErrorStubLibrary`: the stub libcuda of a toolkit was loaded instead of a driver.
pub(crate) const ERROR_STUB_LIBRARY: CudaError = 34;
/// `cudaErrorInsufficientDriver`: no driver, or one older than the runtime (what a machine
/// without `libcuda.so.1` reports).
pub(crate) const ERROR_INSUFFICIENT_DRIVER: CudaError = 35;
/// `cudaErrorNoDevice`: a driver, but no device visible.
pub(crate) const ERROR_NO_DEVICE: CudaError = 100;
/// `cudaErrorSystemDriverMismatch`: kernel module and user-mode driver disagree.
pub(crate) const ERROR_SYSTEM_DRIVER_MISMATCH: CudaError = 803;
/// `cudaErrorCompatNotSupportedOnDevice`: forward-compatibility libcuda on an unsupported card.
pub(crate) const ERROR_COMPAT_NOT_SUPPORTED: CudaError = 804;

/// `cudaMemcpyHostToDevice`.
pub(crate) const MEMCPY_HOST_TO_DEVICE: c_int = 1;
/// `cudaMemcpyDeviceToHost`.
pub(crate) const MEMCPY_DEVICE_TO_HOST: c_int = 2;
/// `cudaStreamNonBlocking`: no implicit synchronisation with the legacy default stream.
pub(crate) const STREAM_NON_BLOCKING: c_uint = 1;
/// `cudaEventDefault`: timing enabled.
pub(crate) const EVENT_DEFAULT: c_uint = 0;

/// `cudaDevAttrMultiProcessorCount`.
pub(crate) const ATTR_MULTIPROCESSOR_COUNT: c_int = 16;
/// `cudaDevAttrComputeCapabilityMajor`.
pub(crate) const ATTR_COMPUTE_CAPABILITY_MAJOR: c_int = 75;
/// `cudaDevAttrComputeCapabilityMinor`.
pub(crate) const ATTR_COMPUTE_CAPABILITY_MINOR: c_int = 76;

/// Bytes reserved for a `cudaDeviceProp` (1008 bytes in CUDA 13.0). Only its leading
/// `char name[256]` is read; the rest is slack for larger future layouts.
pub(crate) const DEVICE_PROP_BYTES: usize = 4096;

unsafe extern "C" {
    pub(crate) fn cudaGetErrorString(error: CudaError) -> *const c_char;
    pub(crate) fn cudaGetErrorName(error: CudaError) -> *const c_char;
    pub(crate) fn cudaGetLastError() -> CudaError;

    pub(crate) fn cudaDriverGetVersion(version: *mut c_int) -> CudaError;
    pub(crate) fn cudaRuntimeGetVersion(version: *mut c_int) -> CudaError;
    pub(crate) fn cudaGetDeviceCount(count: *mut c_int) -> CudaError;
    pub(crate) fn cudaGetDevice(device: *mut c_int) -> CudaError;
    pub(crate) fn cudaSetDevice(device: c_int) -> CudaError;
    pub(crate) fn cudaDeviceSynchronize() -> CudaError;
    pub(crate) fn cudaDeviceGetAttribute(
        value: *mut c_int,
        attr: c_int,
        device: c_int,
    ) -> CudaError;
    /// CUDA 13 exports this name (CUDA 12 had `cudaGetDeviceProperties_v2`).
    pub(crate) fn cudaGetDeviceProperties(prop: *mut c_void, device: c_int) -> CudaError;

    pub(crate) fn cudaMalloc(ptr: *mut *mut c_void, size: usize) -> CudaError;
    pub(crate) fn cudaFree(ptr: *mut c_void) -> CudaError;
    pub(crate) fn cudaMemcpy(
        dst: *mut c_void,
        src: *const c_void,
        count: usize,
        kind: c_int,
    ) -> CudaError;
    pub(crate) fn cudaMemset(ptr: *mut c_void, value: c_int, count: usize) -> CudaError;
    pub(crate) fn cudaMemsetAsync(
        ptr: *mut c_void,
        value: c_int,
        count: usize,
        stream: Handle,
    ) -> CudaError;
    pub(crate) fn cudaMallocAsync(ptr: *mut *mut c_void, size: usize, stream: Handle) -> CudaError;
    pub(crate) fn cudaFreeAsync(ptr: *mut c_void, stream: Handle) -> CudaError;
    pub(crate) fn cudaMemcpyAsync(
        dst: *mut c_void,
        src: *const c_void,
        count: usize,
        kind: c_int,
        stream: Handle,
    ) -> CudaError;

    pub(crate) fn cudaStreamCreateWithFlags(stream: *mut Handle, flags: c_uint) -> CudaError;
    pub(crate) fn cudaStreamDestroy(stream: Handle) -> CudaError;
    pub(crate) fn cudaStreamSynchronize(stream: Handle) -> CudaError;

    pub(crate) fn cudaEventCreateWithFlags(event: *mut Handle, flags: c_uint) -> CudaError;
    pub(crate) fn cudaEventDestroy(event: Handle) -> CudaError;
    pub(crate) fn cudaEventRecord(event: Handle, stream: Handle) -> CudaError;
    pub(crate) fn cudaEventSynchronize(event: Handle) -> CudaError;
    pub(crate) fn cudaEventElapsedTime(ms: *mut f32, start: Handle, end: Handle) -> CudaError;
}
