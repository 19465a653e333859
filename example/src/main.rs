//! qimeng's main job: four attention kernels, asked for by attribute, compiled at build time
//! from the curated cache, and run.
//!
//! On a machine with no GPU it says so, interprets the Thinking Language plan (`kernel.tl`) of
//! each kernel it built on the CPU on a small problem and prints its error against the f64
//! reference; on a GPU it runs every kernel the card can run (its own architecture natively,
//! older ones through PTX JIT), checks a sample of output rows against the f64 CPU reference
//! and prints the error and the speed.

use std::process::ExitCode;

use qimeng_macros::flash_attention;
use qimeng_reference::{Problem, Rng, compare, random_tensor, row_f64, row_lowp};
use qimeng_runtime::{
    DType, DeviceBuffer, Element, Event, Gpu, Result, Spec, Stream, Tensor, TensorMut, bf16,
    device_count, device_info, f16, no_gpu_reason,
};

/// Hopper, bf16, head_dim 128, no mask.
#[flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128)]
pub fn attention_h100(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> Result<()>;

/// Hopper, bf16, head_dim 128, causal, with an explicit softmax scale (`None`: 1/sqrt(128)).
#[flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
pub fn attention_h100_causal(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    scale: Option<f32>,
    stream: &Stream,
) -> Result<()>;

/// Ampere (A100), bf16, head_dim 128, causal.
#[flash_attention(gpu = "a100", dtype = "bf16", head_dim = 128, causal = true)]
pub fn attention_a100_causal(
    q: &Tensor<bf16>,
    k: &Tensor<bf16>,
    v: &Tensor<bf16>,
    out: &mut TensorMut<bf16>,
    stream: &Stream,
) -> Result<()>;

/// Turing (T4), f16, head_dim 64.
#[flash_attention(gpu = "t4", dtype = "f16", head_dim = 64)]
pub fn attention_t4(
    q: &Tensor<f16>,
    k: &Tensor<f16>,
    v: &Tensor<f16>,
    out: &mut TensorMut<f16>,
    stream: &Stream,
) -> Result<()>;

// PLANS: (key, kernel.tl) of every kernel the build compiled (written by build.rs).
include!(concat!(env!("OUT_DIR"), "/tl_plans.rs"));

type Launch<T> =
    dyn Fn(&Tensor<T>, &Tensor<T>, &Tensor<T>, &mut TensorMut<T>, &Stream) -> Result<()>;

fn main() -> ExitCode {
    let specs = [
        spec(Gpu::H100, DType::Bf16, 128, false),
        spec(Gpu::H100, DType::Bf16, 128, true),
        spec(Gpu::A100, DType::Bf16, 128, true),
        spec(Gpu::T4, DType::F16, 64, false),
    ];
    println!(
        "qimeng example: {} kernels compiled from the curated cache:",
        specs.len()
    );
    for s in &specs {
        println!("  {} ({})", s.key(), s.gpu_info().sm_arch());
    }
    if device_count().unwrap_or(0) == 0 {
        let why = no_gpu_reason().unwrap_or_else(|| "no CUDA device".into());
        println!("\nNo GPU here: {why}.");
        println!("The kernels are built and linked. Run this binary on a machine with an NVIDIA");
        println!("GPU (driver for CUDA 13) to check and time them. Meanwhile, on the CPU:");
        return if interpret_plans(&specs) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    match run(&specs) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Checks each built kernel's TL plan against its spec and interprets it on the CPU (b=2,
/// s_q=17, s_k=150: tails; 4 query heads per KV head), comparing with the f64 reference.
fn interpret_plans(specs: &[Spec]) -> bool {
    println!(
        "\n{:<28} {:>26} {:>10} {:>10}",
        "TL plan (interpreted)", "b x s_q x s_k x h:h_kv", "max err", "2x lowp"
    );
    let mut ok = true;
    for s in specs {
        let Some((_, source)) = PLANS.iter().find(|(k, _)| *k == s.key()) else {
            println!("{:<28} no kernel.tl in its cache entry", s.key());
            ok = false;
            continue;
        };
        let program = match qimeng_tl::parse(source) {
            Ok(p) => p,
            Err(e) => {
                println!("{:<28} does not parse: {e}", s.key());
                ok = false;
                continue;
            }
        };
        let report = qimeng_tl::check(&program, &qimeng_tl::Target::from(*s));
        if let Some(d) = report.diagnostics.first() {
            println!("{:<28} rejected: {d}", s.key());
            ok = false;
            continue;
        }
        let p = Problem::new(2, 17, 150, 4, 1, s.head_dim as usize, s.causal);
        match qimeng_tl::interp::run(&program, s.dtype, &p, 42) {
            Ok(run) => {
                let c = &run.comparison;
                println!(
                    "{:<28} {:>26} {:>10.3e} {:>10.3e} {}",
                    s.key(),
                    format!("2x17x150x4:1 d={}", s.head_dim),
                    c.max_error,
                    2.0 * c.lowp_error,
                    if c.passed { "ok" } else { "FAIL" }
                );
                ok &= c.passed;
            }
            Err(e) => {
                println!("{:<28} fault: {e}", s.key());
                ok = false;
            }
        }
    }
    ok
}

fn spec(gpu: Gpu, dtype: DType, head_dim: u32, causal: bool) -> Spec {
    Spec {
        gpu,
        dtype,
        head_dim,
        causal,
        variants: qimeng_runtime::Variants::NONE,
    }
}

fn run(specs: &[Spec; 4]) -> Result<bool> {
    let dev = device_info(0)?;
    println!(
        "\ndevice 0: {} (sm_{}, {} SMs)",
        dev.name, dev.sm, dev.sm_count
    );
    println!(
        "{:<28} {:<8} {:>22} {:>10} {:>10} {:>9} {:>9}",
        "kernel", "mode", "b x s x h x d", "max err", "2x lowp", "ms", "TFLOP/s"
    );
    let stream = Stream::new()?;
    let h100_causal =
        |q: &Tensor<bf16>,
         k: &Tensor<bf16>,
         v: &Tensor<bf16>,
         o: &mut TensorMut<bf16>,
         s: &Stream| { attention_h100_causal(q, k, v, o, None, s) };
    let mut ok = true;
    ok &= check(&specs[0], &dev, &stream, &attention_h100)?;
    ok &= check(&specs[1], &dev, &stream, &h100_causal)?;
    ok &= check(&specs[2], &dev, &stream, &attention_a100_causal)?;
    ok &= check(&specs[3], &dev, &stream, &attention_t4)?;
    Ok(ok)
}

/// Runs one kernel on b=4, s=4096, 16 heads: checks 256 sampled rows against the f64
/// reference and reports the median of 20 timed runs.
fn check<T: Element>(
    spec: &Spec,
    dev: &qimeng_runtime::DeviceInfo,
    stream: &Stream,
    launch: &Launch<T>,
) -> Result<bool> {
    let info = spec.gpu_info();
    let runnable = if info.arch_specific {
        dev.sm == info.sm
    } else {
        dev.sm >= info.sm
    };
    if !runnable {
        println!(
            "{:<28} skipped: built for {}, this card is sm_{}",
            spec.key(),
            info.sm_arch(),
            dev.sm
        );
        return Ok(true);
    }
    let mode = if dev.sm == info.sm {
        "native"
    } else {
        "ptx-jit"
    };
    let p = Problem::new(4, 4096, 4096, 16, 16, spec.head_dim as usize, spec.causal);
    let mut rng = Rng::new(42);
    let (q, k, v) = (
        random_tensor(&mut rng, p.q_len(), spec.dtype),
        random_tensor(&mut rng, p.kv_len(), spec.dtype),
        random_tensor(&mut rng, p.kv_len(), spec.dtype),
    );
    let to_dev =
        |x: &[f32]| DeviceBuffer::from_host(&x.iter().map(|v| T::from_f32(*v)).collect::<Vec<T>>());
    let (qb, kb, vb) = (to_dev(&q)?, to_dev(&k)?, to_dev(&v)?);
    let shape = [p.batch, p.seqlen_q, p.heads_q, p.head_dim];
    let mut ob = DeviceBuffer::<T>::alloc(p.q_len())?;
    ob.fill_bytes(0xFF)?;
    let (qt, kt, vt) = (
        Tensor::new(&qb, shape)?,
        Tensor::new(&kb, shape)?,
        Tensor::new(&vb, shape)?,
    );
    let mut ot = TensorMut::new(&mut ob, shape)?;
    launch(&qt, &kt, &vt, &mut ot, stream)?;
    stream.synchronize()?;

    let mut times = Vec::new();
    let (start, end) = (Event::new()?, Event::new()?);
    for _ in 0..20 {
        start.record(stream)?;
        launch(&qt, &kt, &vt, &mut ot, stream)?;
        end.record(stream)?;
        end.synchronize()?;
        times.push(Event::elapsed_ms(&start, &end)?);
    }
    times.sort_by(f32::total_cmp);
    let ms = times[times.len() / 2];

    let out: Vec<f32> = ob.to_host()?.iter().map(|x| x.to_f32()).collect();
    let (mut got, mut exact, mut lowp) = (Vec::new(), Vec::new(), Vec::new());
    let d = p.head_dim;
    for _ in 0..256 {
        let (b, i, h) = (
            (rng.next_u64() % p.batch as u64) as usize,
            (rng.next_u64() % p.seqlen_q as u64) as usize,
            (rng.next_u64() % p.heads_q as u64) as usize,
        );
        let mut e = vec![0.0; d];
        let mut l = vec![0.0; d];
        row_f64(&p, &q, &k, &v, b, i, h, &mut e);
        row_lowp(&p, &q, &k, &v, spec.dtype, b, i, h, &mut l);
        got.extend_from_slice(&out[p.q_index(b, i, h)..][..d]);
        exact.extend(e);
        lowp.extend(l);
    }
    let c = compare(spec.dtype, &got, &exact, &lowp);
    let tflops = p.flops() / (ms as f64 * 1e-3) / 1e12;
    println!(
        "{:<28} {:<8} {:>22} {:>10.3e} {:>10.3e} {:>9.3} {:>9.1} {}",
        spec.key(),
        mode,
        format!("{}x{}x{}x{}", p.batch, p.seqlen_q, p.heads_q, d),
        c.max_error,
        2.0 * c.lowp_error,
        ms,
        tflops,
        if c.passed { "ok" } else { "FAIL" }
    );
    Ok(c.passed)
}
