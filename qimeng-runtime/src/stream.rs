//! [`Stream`]s that kernels are queued on, and [`Event`]s that time them.

use std::ffi::c_void;
use std::fmt;

use crate::device::{DeviceGuard, check, current_device};
use crate::ffi::{self, Handle};
use crate::{Error, Result};

/// A CUDA stream of one device: kernels launched on it run in order, asynchronously to the host.
pub struct Stream {
    raw: Handle,
    device: i32,
    /// Whether this value created the stream and destroys it on drop.
    owned: bool,
}

// SAFETY: a cudaStream_t may be used from any host thread; the runtime API is thread-safe.
unsafe impl Send for Stream {}
// SAFETY: as above; no method mutates the Rust value.
unsafe impl Sync for Stream {}

impl Stream {
    /// Creates a stream on the calling thread's current device (device 0 unless changed).
    ///
    /// The stream is non-blocking (`cudaStreamNonBlocking`): it does not wait for, nor hold up,
    /// the legacy default stream. [`DeviceBuffer`](crate::DeviceBuffer)'s host transfers
    /// synchronize the whole device, so they stay correctly ordered with it.
    pub fn new() -> Result<Stream> {
        Stream::on(current_device()?)
    }

    /// Creates a non-blocking stream on device `device`.
    pub fn on(device: i32) -> Result<Stream> {
        let _guard = DeviceGuard::set(device)?;
        let mut raw: Handle = std::ptr::null_mut();
        // SAFETY: writes one handle.
        check("cudaStreamCreateWithFlags", unsafe {
            ffi::cudaStreamCreateWithFlags(&mut raw, ffi::STREAM_NON_BLOCKING)
        })?;
        Ok(Stream {
            raw,
            device,
            owned: true,
        })
    }

    /// Wraps a stream created elsewhere (another library's); it is not destroyed on drop.
    /// A null `raw` is the legacy default stream of `device`.
    ///
    /// # Safety
    /// `raw` must be null or a live `cudaStream_t` of device `device`, and stay alive as long as
    /// the returned value.
    pub unsafe fn from_raw(raw: *mut c_void, device: i32) -> Stream {
        Stream {
            raw,
            device,
            owned: false,
        }
    }

    /// Waits until all work queued on this stream has finished; reports errors of that work.
    pub fn synchronize(&self) -> Result<()> {
        let _guard = DeviceGuard::set(self.device)?;
        // SAFETY: `raw` is a live stream of this device (or null).
        check("cudaStreamSynchronize", unsafe {
            ffi::cudaStreamSynchronize(self.raw)
        })
    }

    /// The CUDA ordinal of the stream's device.
    pub fn device(&self) -> i32 {
        self.device
    }

    /// The `cudaStream_t`, for other CUDA code; valid while `self` lives.
    pub fn as_raw(&self) -> *mut c_void {
        self.raw
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if self.owned {
            // Queued work still completes; errors cannot be reported from drop.
            let _guard = DeviceGuard::set(self.device);
            // SAFETY: created by this value, destroyed exactly once, here.
            unsafe { ffi::cudaStreamDestroy(self.raw) };
        }
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("device", &self.device)
            .field("raw", &self.raw)
            .field("owned", &self.owned)
            .finish()
    }
}

/// A CUDA event, for timing work on a stream.
///
/// ```no_run
/// # fn main() -> qimeng_runtime::Result<()> {
/// use qimeng_runtime::{Event, Stream};
/// let stream = Stream::new()?;
/// let (start, end) = (Event::new()?, Event::new()?);
/// start.record(&stream)?;
/// // ... launch kernels on `stream` ...
/// end.record(&stream)?;
/// println!("{} ms", Event::elapsed_ms(&start, &end)?);
/// # Ok(()) }
/// ```
pub struct Event {
    raw: Handle,
    device: i32,
}

// SAFETY: a cudaEvent_t may be used from any host thread; the runtime API is thread-safe.
unsafe impl Send for Event {}
// SAFETY: as above; no method mutates the Rust value.
unsafe impl Sync for Event {}

impl Event {
    /// Creates a timing event on the current device.
    pub fn new() -> Result<Event> {
        let device = current_device()?;
        let mut raw: Handle = std::ptr::null_mut();
        // SAFETY: writes one handle.
        check("cudaEventCreateWithFlags", unsafe {
            ffi::cudaEventCreateWithFlags(&mut raw, ffi::EVENT_DEFAULT)
        })?;
        Ok(Event { raw, device })
    }

    /// Records the event at the current end of `stream`'s queue. The stream must be on the
    /// event's device ([`Error::Device`] otherwise).
    pub fn record(&self, stream: &Stream) -> Result<()> {
        if stream.device != self.device {
            return Err(Error::Device {
                tensor: "event",
                expected: stream.device,
                actual: self.device,
            });
        }
        let _guard = DeviceGuard::set(self.device)?;
        // SAFETY: both handles are live and of the same device.
        check("cudaEventRecord", unsafe {
            ffi::cudaEventRecord(self.raw, stream.raw)
        })
    }

    /// Waits until the work before the event's last record has finished.
    pub fn synchronize(&self) -> Result<()> {
        // SAFETY: live handle.
        check("cudaEventSynchronize", unsafe {
            ffi::cudaEventSynchronize(self.raw)
        })
    }

    /// Milliseconds between two recorded events (about 0.5 µs resolution); waits for `end`.
    pub fn elapsed_ms(start: &Event, end: &Event) -> Result<f32> {
        end.synchronize()?;
        let mut ms = 0f32;
        // SAFETY: writes one float; both handles are live.
        check("cudaEventElapsedTime", unsafe {
            ffi::cudaEventElapsedTime(&mut ms, start.raw, end.raw)
        })?;
        Ok(ms)
    }

    /// The CUDA ordinal of the event's device.
    pub fn device(&self) -> i32 {
        self.device
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        let _guard = DeviceGuard::set(self.device);
        // SAFETY: created by this value, destroyed exactly once, here.
        unsafe { ffi::cudaEventDestroy(self.raw) };
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("device", &self.device)
            .field("raw", &self.raw)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device_count;

    #[test]
    fn without_a_gpu_streams_and_events_are_clear_errors() {
        if device_count() != Ok(0) {
            return;
        }
        assert!(matches!(Stream::new(), Err(Error::NoDevice { .. })));
        assert!(matches!(Stream::on(0), Err(Error::NoDevice { .. })));
        assert!(matches!(Event::new(), Err(Error::NoDevice { .. })));
    }

    #[test]
    fn borrowed_streams_report_their_device() {
        // SAFETY: null is the legacy default stream; nothing is queued on it here.
        let s = unsafe { Stream::from_raw(std::ptr::null_mut(), 3) };
        assert_eq!(s.device(), 3);
        assert!(s.as_raw().is_null());
        drop(s); // borrowed: no cudaStreamDestroy
    }
}
