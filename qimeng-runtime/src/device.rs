//! Devices: how many, what they are, why none is usable; CUDA error codes to [`Error`]s; the
//! guard that makes a device current for the duration of a call.

use std::ffi::{CStr, c_char, c_int};

use crate::ffi::{self, CudaError};
use crate::{Error, Gpu, Result};

/// Codes that mean "no usable GPU on this machine" rather than "this call went wrong".
const NO_GPU_CODES: [CudaError; 5] = [
    ffi::ERROR_STUB_LIBRARY,
    ffi::ERROR_INSUFFICIENT_DRIVER,
    ffi::ERROR_NO_DEVICE,
    ffi::ERROR_SYSTEM_DRIVER_MISMATCH,
    ffi::ERROR_COMPAT_NOT_SUPPORTED,
];

/// `cudaGetErrorName` and `cudaGetErrorString` of `code`; they need no driver.
pub(crate) fn error_text(code: CudaError) -> (String, String) {
    // SAFETY: both return a pointer to a static NUL-terminated string for every code (an
    // "unrecognized error code" text for unknown ones); a null return is handled anyway.
    let read = |p: *const c_char| {
        if p.is_null() {
            String::from("unrecognized error code")
        } else {
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    unsafe {
        (
            read(ffi::cudaGetErrorName(code)),
            read(ffi::cudaGetErrorString(code)),
        )
    }
}

/// The [`Error::Cuda`] for a failed `call`.
pub(crate) fn cuda_error(call: &'static str, code: CudaError) -> Error {
    let (name, message) = error_text(code);
    Error::Cuda {
        call,
        code,
        name,
        message,
    }
}

/// `Ok` for `cudaSuccess`; [`Error::NoDevice`] for the codes of a machine without a usable
/// GPU; [`Error::Cuda`] otherwise.
///
/// A failed call also leaves its code as the thread's "last error"; it is consumed here, since
/// it is being reported, so that the next launch does not blame it on earlier work.
pub(crate) fn check(call: &'static str, code: CudaError) -> Result<()> {
    if code == ffi::SUCCESS {
        return Ok(());
    }
    // SAFETY: plain call; only clears the thread's last-error slot.
    let _ = unsafe { ffi::cudaGetLastError() };
    if NO_GPU_CODES.contains(&code) {
        let (name, message) = error_text(code);
        let reason = no_gpu_reason().unwrap_or_else(|| format!("{call}: {message} ({name})"));
        Err(Error::NoDevice { reason })
    } else {
        Err(cuda_error(call, code))
    }
}

/// Number of CUDA devices visible to this process.
///
/// `Ok(0)` when the machine has no usable GPU: no driver (`libcuda.so.1` missing, which the
/// static runtime reports as `cudaErrorInsufficientDriver`), a driver older than CUDA 13.0, a
/// stub driver, or no device. Other failures are errors. [`no_gpu_reason`] says which.
pub fn device_count() -> Result<usize> {
    let mut count: c_int = 0;
    // SAFETY: writes one int.
    let code = unsafe { ffi::cudaGetDeviceCount(&mut count) };
    if NO_GPU_CODES.contains(&code) {
        return Ok(0);
    }
    if code != ffi::SUCCESS {
        return Err(cuda_error("cudaGetDeviceCount", code));
    }
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Why no CUDA device can be used here, or `None` when one can.
///
/// For skipping GPU tests with a reason, and for error messages:
/// `Some("no CUDA driver found (libcuda.so.1 could not be loaded) ...")` on a machine without an
/// NVIDIA driver.
pub fn no_gpu_reason() -> Option<String> {
    let mut driver: c_int = 0;
    // SAFETY: writes one int; reports 0 (with success) when no driver can be loaded.
    let code = unsafe { ffi::cudaDriverGetVersion(&mut driver) };
    if code != ffi::SUCCESS || driver == 0 {
        return Some(
            "no CUDA driver found (libcuda.so.1 could not be loaded); qimeng kernels need an \
             NVIDIA driver for CUDA 13.0 or newer (driver 580+)"
                .into(),
        );
    }
    let mut runtime: c_int = 0;
    // SAFETY: writes one int.
    unsafe { ffi::cudaRuntimeGetVersion(&mut runtime) };
    let mut count: c_int = 0;
    // SAFETY: writes one int.
    let code = unsafe { ffi::cudaGetDeviceCount(&mut count) };
    if code != ffi::SUCCESS {
        let (name, message) = error_text(code);
        return Some(format!(
            "cudaGetDeviceCount failed: {message} ({name}); the driver supports CUDA {}, the \
             runtime is CUDA {}",
            cuda_version(driver),
            cuda_version(runtime)
        ));
    }
    if count <= 0 {
        let visible = std::env::var("CUDA_VISIBLE_DEVICES")
            .map(|v| format!("CUDA_VISIBLE_DEVICES={v:?}"))
            .unwrap_or_else(|_| "CUDA_VISIBLE_DEVICES unset".into());
        return Some(format!(
            "the CUDA driver (CUDA {}) sees no device ({visible})",
            cuda_version(driver)
        ));
    }
    None
}

/// `13000` -> `13.0`.
fn cuda_version(v: c_int) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// What one device is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The CUDA device ordinal.
    pub ordinal: i32,
    /// The marketing name, e.g. `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Compute capability as major * 10 + minor (`90` for an H100).
    pub sm: u32,
    /// Number of streaming multiprocessors.
    pub sm_count: u32,
}

impl DeviceInfo {
    /// The row of qimeng's GPU table this device is, if any: a table name that is a word of
    /// the device name, or two adjacent words joined (`RTX 4090`), possibly followed by letters
    /// (`A10G`), compared case-insensitively, and whose compute capability matches.
    /// `NVIDIA H100 80GB HBM3` is [`Gpu::H100`], `NVIDIA GeForce RTX 4090` is [`Gpu::Rtx4090`],
    /// an unknown card is `None`.
    pub fn gpu(&self) -> Option<Gpu> {
        let lower = self.name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let candidates: Vec<String> = words
            .iter()
            .map(|w| w.to_string())
            .chain(words.windows(2).map(|p| p.concat()))
            .collect();
        Gpu::all().find(|g| {
            g.info().sm == self.sm
                && candidates.iter().any(|c| {
                    c.strip_prefix(g.name())
                        .is_some_and(|rest| rest.chars().all(|ch| ch.is_ascii_alphabetic()))
                })
        })
    }
}

/// Name, compute capability and SM count of device `ordinal`.
pub fn device_info(ordinal: i32) -> Result<DeviceInfo> {
    let attr = |attr: c_int, call: &'static str| -> Result<u32> {
        let mut value: c_int = 0;
        // SAFETY: writes one int.
        check(call, unsafe {
            ffi::cudaDeviceGetAttribute(&mut value, attr, ordinal)
        })?;
        Ok(u32::try_from(value).unwrap_or(0))
    };
    let major = attr(
        ffi::ATTR_COMPUTE_CAPABILITY_MAJOR,
        "cudaDeviceGetAttribute(ComputeCapabilityMajor)",
    )?;
    let minor = attr(
        ffi::ATTR_COMPUTE_CAPABILITY_MINOR,
        "cudaDeviceGetAttribute(ComputeCapabilityMinor)",
    )?;
    let sm_count = attr(
        ffi::ATTR_MULTIPROCESSOR_COUNT,
        "cudaDeviceGetAttribute(MultiProcessorCount)",
    )?;
    // cudaDeviceProp opens with `char name[256]`; a zeroed buffer far larger than the struct
    // (1008 bytes in CUDA 13.0), aligned for its 8-byte fields, receives it safely.
    let mut prop = vec![0u64; ffi::DEVICE_PROP_BYTES / 8];
    // SAFETY: the buffer is larger than cudaDeviceProp and suitably aligned.
    check("cudaGetDeviceProperties", unsafe {
        ffi::cudaGetDeviceProperties(prop.as_mut_ptr().cast(), ordinal)
    })?;
    let bytes: Vec<u8> = prop
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .take(256)
        .collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Ok(DeviceInfo {
        ordinal,
        name: String::from_utf8_lossy(&bytes[..end]).into_owned(),
        sm: major * 10 + minor,
        sm_count,
    })
}

/// The current device of the calling thread.
pub(crate) fn current_device() -> Result<i32> {
    let mut device: c_int = 0;
    // SAFETY: writes one int.
    check("cudaGetDevice", unsafe { ffi::cudaGetDevice(&mut device) })?;
    Ok(device)
}

/// Makes a device current for the calling thread and restores the previous one on drop.
///
/// The runtime API acts on the thread's current device: allocations, synchronisation and kernel
/// launches (a launch into a stream of another device fails; one into the legacy default
/// stream would run on the wrong device).
pub(crate) struct DeviceGuard {
    previous: Option<i32>,
}

impl DeviceGuard {
    pub(crate) fn set(device: i32) -> Result<DeviceGuard> {
        let current = current_device()?;
        if current == device {
            return Ok(DeviceGuard { previous: None });
        }
        // SAFETY: plain call; an invalid ordinal is reported as an error.
        check("cudaSetDevice", unsafe { ffi::cudaSetDevice(device) })?;
        Ok(DeviceGuard {
            previous: Some(current),
        })
    }
}

impl Drop for DeviceGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous {
            // SAFETY: plain call; `previous` was current a moment ago. Nothing to report to.
            unsafe { ffi::cudaSetDevice(previous) };
        }
    }
}

/// Waits for all work queued on `device`, on every stream.
pub(crate) fn synchronize_device(device: i32) -> Result<()> {
    let _guard = DeviceGuard::set(device)?;
    // SAFETY: plain call.
    check("cudaDeviceSynchronize", unsafe {
        ffi::cudaDeviceSynchronize()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, sm: u32) -> DeviceInfo {
        DeviceInfo {
            ordinal: 0,
            name: name.into(),
            sm,
            sm_count: 1,
        }
    }

    #[test]
    fn device_names_map_to_the_gpu_table() {
        assert_eq!(info("NVIDIA H100 80GB HBM3", 90).gpu(), Some(Gpu::H100));
        assert_eq!(info("NVIDIA H100 PCIe", 90).gpu(), Some(Gpu::H100));
        assert_eq!(info("NVIDIA H200", 90).gpu(), Some(Gpu::H200));
        assert_eq!(info("NVIDIA A100-SXM4-80GB", 80).gpu(), Some(Gpu::A100));
        assert_eq!(info("NVIDIA A10", 86).gpu(), Some(Gpu::A10));
        assert_eq!(info("Tesla T4", 75).gpu(), Some(Gpu::T4));
        assert_eq!(info("Quadro RTX 8000", 75).gpu(), Some(Gpu::Rtx8000));
        assert_eq!(
            info("NVIDIA GeForce RTX 3090", 86).gpu(),
            Some(Gpu::Rtx3090)
        );
        assert_eq!(
            info("NVIDIA GeForce RTX 4090", 89).gpu(),
            Some(Gpu::Rtx4090)
        );
        assert_eq!(info("NVIDIA L4", 89).gpu(), Some(Gpu::L4));
        assert_eq!(info("NVIDIA L40S", 89).gpu(), Some(Gpu::L40s));
        assert_eq!(info("NVIDIA A10G", 86).gpu(), Some(Gpu::A10));
        assert_eq!(info("NVIDIA H100 NVL", 90).gpu(), Some(Gpu::H100));
        // Unknown cards, and names whose compute capability disagrees, are not guessed.
        assert_eq!(info("NVIDIA L40", 89).gpu(), None);
        assert_eq!(info("NVIDIA A40", 86).gpu(), None);
        assert_eq!(info("Tesla V100-SXM2-16GB", 70).gpu(), None);
        assert_eq!(info("NVIDIA H100", 80).gpu(), None);
    }

    #[test]
    fn cuda_versions_read_as_major_minor() {
        assert_eq!(cuda_version(13000), "13.0");
        assert_eq!(cuda_version(12080), "12.8");
    }

    #[test]
    fn error_text_needs_no_driver() {
        let (name, message) = error_text(2);
        assert_eq!(name, "cudaErrorMemoryAllocation");
        assert_eq!(message, "out of memory");
        let (_, message) = error_text(123_456);
        assert!(message.contains("unrecognized"), "{message}");
    }

    #[test]
    fn other_codes_are_cuda_errors() {
        match check("cudaMalloc", 2) {
            Err(Error::Cuda {
                call: "cudaMalloc",
                code: 2,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(check("x", 0), Ok(()));
    }
}
