//! The runtime against a real device: memory, transfers, streams, events and a launch through
//! the launch ABI. A custom harness, so that on a machine without a usable GPU the tests that
//! need one are reported as skipped rather than passing silently.

use std::ffi::{c_int, c_void};
use std::process::ExitCode;

use qimeng_runtime::{
    AttentionKernel, DType, DeviceBuffer, Error, Event, Gpu, LaunchArgs, Spec, Stream, Tensor,
    TensorMut, bf16, device_count, device_info, f16, no_gpu_reason,
};

// From the static CUDA runtime this crate links.
unsafe extern "C" {
    fn cudaMemsetAsync(ptr: *mut c_void, value: c_int, count: usize, stream: *mut c_void) -> c_int;
}

fn gpu() -> bool {
    match no_gpu_reason() {
        None => true,
        Some(reason) => {
            eprintln!("skipped: {reason}");
            assert_eq!(device_count(), Ok(0));
            false
        }
    }
}

const SPEC: Spec = Spec {
    gpu: Gpu::H100,
    dtype: DType::Bf16,
    head_dim: 64,
    causal: false,
    variants: qimeng_runtime::Variants::NONE,
};

/// A stand-in kernel: zeroes `out` (contiguous, as the test makes it) on the stream.
unsafe fn zero_out(args: &LaunchArgs, stream: *mut c_void) -> i32 {
    let elems = args.batch as usize * args.seqlen_q as usize * args.heads_q as usize;
    let bytes = elems * args.head_dim as usize * 2;
    unsafe { cudaMemsetAsync(args.o, 0, bytes, stream) }
}

/// A stand-in kernel whose launch fails (cudaErrorLaunchOutOfResources).
unsafe fn too_big(_: &LaunchArgs, _: *mut c_void) -> i32 {
    701
}

fn no_gpu_is_reported_consistently() {
    match no_gpu_reason() {
        Some(reason) => {
            assert_eq!(device_count(), Ok(0));
            assert!(!reason.is_empty());
            let err = DeviceBuffer::<f32>::alloc(1).unwrap_err();
            assert!(matches!(err, Error::NoDevice { .. }), "{err:?}");
        }
        None => assert!(device_count().unwrap() > 0),
    }
}

fn device_info_describes_the_card() {
    if !gpu() {
        return;
    }
    let info = device_info(0).unwrap();
    eprintln!("{info:?} -> {:?}", info.gpu());
    assert_eq!(info.ordinal, 0);
    assert!(!info.name.is_empty());
    assert!(info.sm >= 75, "{info:?}");
    assert!(info.sm_count > 0, "{info:?}");
    if info.name.contains("H100") {
        assert_eq!(info.gpu(), Some(Gpu::H100));
        assert_eq!(info.sm, 90);
    }
    let count = device_count().unwrap() as i32;
    assert!(matches!(device_info(count), Err(Error::Cuda { .. })));
}

fn host_round_trips_are_exact() {
    if !gpu() {
        return;
    }
    let data: Vec<f32> = (0..1000).map(|i| i as f32 * 0.25 - 7.0).collect();
    let mut buf = DeviceBuffer::from_host(&data).unwrap();
    assert_eq!(buf.len(), 1000);
    assert_eq!(buf.to_host().unwrap(), data);
    let data2: Vec<f32> = data.iter().map(|x| -x).collect();
    buf.copy_from_host(&data2).unwrap();
    assert_eq!(buf.to_host().unwrap(), data2);
    assert_eq!(
        buf.copy_from_host(&data2[1..]),
        Err(Error::Length {
            expected: 1000,
            actual: 999
        })
    );

    let halves: Vec<bf16> = (0..77).map(|i| bf16::from_f32(i as f32)).collect();
    assert_eq!(
        DeviceBuffer::from_host(&halves).unwrap().to_host().unwrap(),
        halves
    );
    let halves: Vec<f16> = (0..77).map(|i| f16::from_f32(i as f32)).collect();
    assert_eq!(
        DeviceBuffer::from_host(&halves).unwrap().to_host().unwrap(),
        halves
    );

    let zeros = DeviceBuffer::<bf16>::zeros(33).unwrap();
    assert!(zeros.to_host().unwrap().iter().all(|x| x.to_bits() == 0));
}

fn poisoned_buffers_read_back_as_nan() {
    if !gpu() {
        return;
    }
    let mut buf = DeviceBuffer::from_host(&[bf16::ONE; 100]).unwrap();
    buf.fill_bytes(0xFF).unwrap();
    assert!(buf.to_host().unwrap().iter().all(|x| x.is_nan()));
    let mut buf = DeviceBuffer::from_host(&[1f32; 100]).unwrap();
    buf.fill_bytes(0xFF).unwrap();
    assert!(buf.to_host().unwrap().iter().all(|x| x.is_nan()));
}

fn a_launch_goes_through_the_abi_onto_the_stream() {
    if !gpu() {
        return;
    }
    let shape = [2, 17, 4, 64];
    let n = shape.iter().product();
    let input = vec![bf16::ONE; n];
    let (qb, kb, vb) = (
        DeviceBuffer::from_host(&input).unwrap(),
        DeviceBuffer::from_host(&input).unwrap(),
        DeviceBuffer::from_host(&input).unwrap(),
    );
    let mut ob = DeviceBuffer::<bf16>::alloc(n).unwrap();
    ob.fill_bytes(0xFF).unwrap();
    let stream = Stream::new().unwrap();
    assert_eq!(stream.device(), 0);
    {
        let (q, k, v) = (
            Tensor::new(&qb, shape).unwrap(),
            Tensor::new(&kb, shape).unwrap(),
            Tensor::new(&vb, shape).unwrap(),
        );
        let mut out = TensorMut::new(&mut ob, shape).unwrap();
        // SAFETY: `zero_out` writes exactly the contiguous `out`.
        let kernel = unsafe { AttentionKernel::from_raw(SPEC, zero_out) };
        let (start, end) = (Event::new().unwrap(), Event::new().unwrap());
        start.record(&stream).unwrap();
        kernel.run(&q, &k, &v, &mut out, None, &stream).unwrap();
        end.record(&stream).unwrap();
        let ms = Event::elapsed_ms(&start, &end).unwrap();
        assert!(ms >= 0.0, "{ms}");

        // SAFETY: nothing runs.
        let failing = unsafe { AttentionKernel::from_raw(SPEC, too_big) };
        let err = failing
            .run(&q, &k, &v, &mut out, None, &stream)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Cuda {
                    call: "kernel launch",
                    code: 701,
                    ..
                }
            ),
            "{err:?}"
        );
        // A view of a buffer of the wrong length is refused before any launch.
        let short = Tensor::new(&kb, [2, 16, 4, 64]).unwrap_err();
        assert!(matches!(short, Error::Shape { .. }), "{short:?}");
    }
    // The copy waits for the non-blocking stream's work: no NaN of the poison is left.
    let got = ob.to_host().unwrap();
    assert!(got.iter().all(|x| x.to_bits() == 0));
    stream.synchronize().unwrap();
}

fn buffers_and_streams_move_between_threads() {
    if !gpu() {
        return;
    }
    let buf = DeviceBuffer::from_host(&[3f32; 64]).unwrap();
    let stream = Stream::new().unwrap();
    let (buf, stream) = std::thread::spawn(move || {
        stream.synchronize().unwrap();
        assert_eq!(buf.to_host().unwrap(), vec![3f32; 64]);
        (buf, stream)
    })
    .join()
    .unwrap();
    assert_eq!(buf.device(), stream.device());
}

/// Tests that need a GPU, in order.
const GPU_TESTS: &[(&str, fn())] = &[
    (
        "device_info_describes_the_card",
        device_info_describes_the_card,
    ),
    ("host_round_trips_are_exact", host_round_trips_are_exact),
    (
        "poisoned_buffers_read_back_as_nan",
        poisoned_buffers_read_back_as_nan,
    ),
    (
        "a_launch_goes_through_the_abi_onto_the_stream",
        a_launch_goes_through_the_abi_onto_the_stream,
    ),
    (
        "buffers_and_streams_move_between_threads",
        buffers_and_streams_move_between_threads,
    ),
];

fn main() -> ExitCode {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut run = |name: &str, test: fn()| {
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if ok { passed += 1 } else { failed += 1 }
    };
    run(
        "no_gpu_is_reported_consistently",
        no_gpu_is_reported_consistently,
    );
    let no_gpu = no_gpu_reason();
    for (name, test) in GPU_TESTS {
        match &no_gpu {
            Some(reason) => {
                println!("test {name} ... skipped ({reason})");
                skipped += 1;
            }
            None => run(name, *test),
        }
    }
    println!("\ndevice: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
