//! [`DeviceBuffer`]: an owned allocation of device memory.

use std::ffi::{c_int, c_void};
use std::fmt;
use std::marker::PhantomData;

use crate::device::{DeviceGuard, check, current_device, synchronize_device};
use crate::{Element, Error, Result, ffi};

/// `len` elements of `T` in the global memory of one device, freed on drop.
///
/// Host transfers ([`copy_from_host`](Self::copy_from_host), [`to_host`](Self::to_host),
/// [`fill_bytes`](Self::fill_bytes)) synchronize the buffer's device before and after: they
/// see every kernel queued before them on any stream, including the non-blocking ones
/// [`Stream::new`](crate::Stream::new) makes, and the next kernel sees them. That makes them
/// simple to use correctly and unsuited to overlapping copies with compute.
pub struct DeviceBuffer<T: Element> {
    /// Device address from `cudaMalloc`; never null.
    addr: usize,
    len: usize,
    device: i32,
    _marker: PhantomData<T>,
}

impl<T: Element> DeviceBuffer<T> {
    /// Allocates `len` elements on the calling thread's current device (device 0 unless
    /// changed). The contents are unspecified; zero `len` is [`Error::EmptyBuffer`].
    pub fn alloc(len: usize) -> Result<Self> {
        Self::bytes(len)?;
        Self::alloc_on(current_device()?, len)
    }

    /// Allocates `len` elements on device `device`. The contents are unspecified.
    pub fn alloc_on(device: i32, len: usize) -> Result<Self> {
        let bytes = Self::bytes(len)?;
        let _guard = DeviceGuard::set(device)?;
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: writes one pointer; on success it owns `bytes` bytes of device memory.
        check("cudaMalloc", unsafe { ffi::cudaMalloc(&mut ptr, bytes) })?;
        if ptr.is_null() {
            return Err(Error::Cuda {
                call: "cudaMalloc",
                code: 0,
                name: "cudaSuccess".into(),
                message: "returned a null pointer".into(),
            });
        }
        Ok(DeviceBuffer {
            addr: ptr as usize,
            len,
            device,
            _marker: PhantomData,
        })
    }

    /// The size of `len` elements in bytes, if a buffer can have it.
    fn bytes(len: usize) -> Result<usize> {
        if len == 0 {
            return Err(Error::EmptyBuffer);
        }
        len.checked_mul(size_of::<T>())
            .filter(|&b| isize::try_from(b).is_ok())
            .ok_or_else(|| Error::Overflow {
                tensor: "buffer",
                what: format!("{len} elements of {} overflow the address space", T::DTYPE),
            })
    }

    /// Allocates `len` elements on the current device, every byte zero (`0.0` in every dtype).
    pub fn zeros(len: usize) -> Result<Self> {
        let mut buf = Self::alloc(len)?;
        buf.fill_bytes(0)?;
        Ok(buf)
    }

    /// Allocates a buffer on the current device holding a copy of `data`. An empty slice is
    /// [`Error::EmptyBuffer`].
    pub fn from_host(data: &[T]) -> Result<Self> {
        let mut buf = Self::alloc(data.len())?;
        buf.copy_from_host(data)?;
        Ok(buf)
    }

    /// Overwrites the whole buffer with `data`, which must have exactly [`len`](Self::len)
    /// elements ([`Error::Length`] otherwise).
    pub fn copy_from_host(&mut self, data: &[T]) -> Result<()> {
        if data.len() != self.len {
            return Err(Error::Length {
                expected: self.len,
                actual: data.len(),
            });
        }
        self.synchronized(|dst, bytes| {
            // SAFETY: `dst` holds `bytes` bytes of device memory and `data` as many host bytes.
            check("cudaMemcpy (host to device)", unsafe {
                ffi::cudaMemcpy(dst, data.as_ptr().cast(), bytes, ffi::MEMCPY_HOST_TO_DEVICE)
            })
        })
    }

    /// Copies the whole buffer into `out`, which must have exactly [`len`](Self::len) elements
    /// ([`Error::Length`] otherwise).
    pub fn copy_to_host(&self, out: &mut [T]) -> Result<()> {
        if out.len() != self.len {
            return Err(Error::Length {
                expected: self.len,
                actual: out.len(),
            });
        }
        self.synchronized(|src, bytes| {
            // SAFETY: `src` holds `bytes` bytes of device memory and `out` as many host bytes.
            check("cudaMemcpy (device to host)", unsafe {
                ffi::cudaMemcpy(
                    out.as_mut_ptr().cast(),
                    src,
                    bytes,
                    ffi::MEMCPY_DEVICE_TO_HOST,
                )
            })
        })
    }

    /// Copies the whole buffer to a new host vector.
    pub fn to_host(&self) -> Result<Vec<T>> {
        let mut out = vec![T::from_f32(0.0); self.len];
        self.copy_to_host(&mut out)?;
        Ok(out)
    }

    /// Sets every byte to `byte` (`cudaMemset`). `0xFF` makes every f16, bf16 and f32 a NaN:
    /// tests poison outputs with it so that an element a kernel failed to write cannot pass.
    pub fn fill_bytes(&mut self, byte: u8) -> Result<()> {
        self.synchronized(|dst, bytes| {
            // SAFETY: `dst` holds `bytes` bytes of device memory.
            check("cudaMemset", unsafe {
                ffi::cudaMemset(dst, c_int::from(byte), bytes)
            })
        })
    }

    /// Number of elements (never zero).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a buffer holds at least one element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The CUDA ordinal of the device the memory is on.
    pub fn device(&self) -> i32 {
        self.device
    }

    /// The device address of the first element, for passing to other CUDA code. It must not be
    /// dereferenced on the host.
    pub fn as_ptr(&self) -> *const T {
        self.addr as *const T
    }

    /// The device address of the first element, writable. It must not be dereferenced on the
    /// host.
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.addr as *mut T
    }

    /// Runs a host transfer on the buffer's device with the device idle before and after
    /// (see the type's documentation for why).
    fn synchronized(&self, op: impl FnOnce(*mut c_void, usize) -> Result<()>) -> Result<()> {
        let _guard = DeviceGuard::set(self.device)?;
        synchronize_device(self.device)?;
        op(self.addr as *mut c_void, self.len * size_of::<T>())?;
        synchronize_device(self.device)
    }
}

impl<T: Element> Drop for DeviceBuffer<T> {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; cudaFree waits for work using the memory.
        let _guard = DeviceGuard::set(self.device);
        // SAFETY: `addr` came from cudaMalloc and is freed exactly once, here.
        unsafe { ffi::cudaFree(self.addr as *mut c_void) };
    }
}

impl<T: Element> fmt::Debug for DeviceBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceBuffer")
            .field("dtype", &T::DTYPE)
            .field("len", &self.len)
            .field("device", &self.device)
            .field("addr", &format_args!("{:#x}", self.addr))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{bf16, device_count};

    #[test]
    fn zero_length_is_an_error_not_an_allocation() {
        assert_eq!(
            DeviceBuffer::<f32>::alloc_on(0, 0).unwrap_err(),
            Error::EmptyBuffer
        );
        assert_eq!(
            DeviceBuffer::<bf16>::from_host(&[]).unwrap_err(),
            Error::EmptyBuffer
        );
        assert_eq!(
            DeviceBuffer::<bf16>::alloc(0).unwrap_err(),
            Error::EmptyBuffer
        );
    }

    #[test]
    fn oversized_allocations_overflow_before_cuda() {
        let err = DeviceBuffer::<f32>::alloc_on(0, usize::MAX / 2).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Overflow {
                    tensor: "buffer",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn without_a_gpu_allocation_is_a_clear_error() {
        if device_count() != Ok(0) {
            return; // covered by the GPU tests
        }
        let err = DeviceBuffer::<f32>::alloc(16).unwrap_err();
        let Error::NoDevice { reason } = &err else {
            panic!("expected NoDevice, got {err:?}");
        };
        assert!(reason.contains("driver"), "{reason}");
        assert!(
            err.to_string().starts_with("no usable CUDA device: "),
            "{err}"
        );
        let err = DeviceBuffer::<f32>::from_host(&[1.0; 4]).unwrap_err();
        assert!(matches!(err, Error::NoDevice { .. }), "{err:?}");
    }
}
