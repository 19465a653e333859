//! Checks every compiled kernel of the cache on the GPU against the CPU f64 reference, under
//! DESIGN.md's correctness standard. With no GPU every kernel is reported as skipped.
//!
//! Environment: `QIMENG_TEST_SHAPES=small` for the compute-sanitizer grid;
//! `QIMENG_VERIFY_LOG=path` to append one JSON line per kernel for `qimeng cache record`;
//! `QIMENG_TEST_FILTER=substring` to check only matching keys.
//!
//! ALiBi kernels run the same grid with random slopes per head, alternating between the
//! `[batch, heads_q]` and `[heads_q]` layouts, plus a tall GQA case (`tests/gpu/src/lib.rs`,
//! `cases`).

use std::collections::HashMap;
use std::io::Write as _;
use std::process::ExitCode;

use qimeng_gpu_tests::{
    CONTENT_HASHES, DECODE_CONTENT_HASHES, DECODE_KERNELS, KERNELS, Reference, Swing, cases,
    decode_cases, run_case, run_decode_case, run_varlen,
};
use qimeng_runtime::{
    AttentionKernel, DecodeWorkspace, Stream, device_count, device_info, no_gpu_reason,
};

/// Runs a varlen kernel on its packed batch; prints one line; (passed, max error, rel L2).
fn check_varlen(kernel: &AttentionKernel, small: bool, stream: &Stream) -> (bool, f64, f64) {
    let key = kernel.spec().key();
    match run_varlen(kernel, small, stream) {
        Ok(o) => {
            let c = &o.comparison;
            let ok = c.passed && o.clobbered == 0;
            println!(
                "{key:<44} varlen {:?} tq={} tk={} hq=4 hkv=2 {:>10.3e} {:>10.3e} {:>10.3e}  {} \
                 ({} poisoned elements outside the sequences overwritten)",
                qimeng_gpu_tests::varlen_lengths(small),
                o.totals.0,
                o.totals.1,
                c.max_error,
                2.0 * c.lowp_error,
                c.rel_l2,
                if ok { "ok" } else { "FAIL" },
                o.clobbered
            );
            (ok, c.max_error, c.rel_l2)
        }
        Err(e) => {
            println!("{key:<44} varlen: error: {e}");
            (false, 0.0, 0.0)
        }
    }
}

fn main() -> ExitCode {
    let filter = std::env::var("QIMENG_TEST_FILTER").unwrap_or_default();
    let kernels: Vec<_> = KERNELS
        .iter()
        .zip(CONTENT_HASHES)
        .filter(|(k, _)| k.spec().key().contains(&filter))
        .collect();
    let decode_kernels: Vec<_> = DECODE_KERNELS
        .iter()
        .zip(DECODE_CONTENT_HASHES)
        .filter(|(k, _)| k.spec().key().contains(&filter))
        .collect();
    println!(
        "running {} kernel checks",
        kernels.len() + decode_kernels.len()
    );
    if device_count().unwrap_or(0) == 0 {
        let why = no_gpu_reason().unwrap_or_else(|| "no CUDA device".into());
        let keys = kernels
            .iter()
            .map(|(k, _)| k.spec().key())
            .chain(decode_kernels.iter().map(|(k, _)| k.spec().key()));
        for key in keys {
            println!("kernel {key} ... skipped ({why})");
        }
        println!(
            "\nkernels: 0 passed, 0 failed, {} skipped",
            kernels.len() + decode_kernels.len()
        );
        return ExitCode::SUCCESS;
    }
    let dev = match device_info(0) {
        Ok(d) => d,
        Err(e) => {
            println!("error: cannot query device 0: {e}");
            return ExitCode::FAILURE;
        }
    };
    let small = std::env::var("QIMENG_TEST_SHAPES").is_ok_and(|s| s == "small");
    let date = std::env::var("QIMENG_DATE").unwrap_or_else(|_| "unknown".into());
    let command = std::env::var("QIMENG_COMMAND").unwrap_or_default();
    let mut log = std::env::var_os("QIMENG_VERIFY_LOG").map(|p| {
        // Appended to, so that runs over several filters can share one log; `qimeng cache
        // record` keeps one record per card, date and content.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .expect("QIMENG_VERIFY_LOG must be writable")
    });
    println!(
        "device 0: {} (sm_{}, {} SMs)\n",
        dev.name, dev.sm, dev.sm_count
    );
    if !kernels.is_empty() {
        println!(
            "{:<44} {:>2} {:>5} {:>5} {:>3} {:>3} {:<10} {:>10} {:>10} {:>10}  result",
            "kernel", "b", "sq", "sk", "hq", "hkv", "layout", "max err", "2x lowp", "rel L2"
        );
    }

    let stream = match Stream::new() {
        Ok(s) => s,
        Err(e) => {
            println!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut references: HashMap<(usize, usize, String), Reference> = HashMap::new();
    for (kernel, hash) in kernels {
        let spec = kernel.spec();
        let info = spec.gpu_info();
        let Some(mode) = run_mode(info.sm, info.arch_specific, dev.sm) else {
            println!(
                "kernel {} ... skipped (built for {}, device is sm_{})",
                spec.key(),
                info.sm_arch(),
                dev.sm
            );
            skipped += 1;
            continue;
        };
        let (mut ok, mut worst, mut worst_l2) = (true, 0.0f64, 0.0f64);
        let cases = if spec.variants.varlen {
            // One packed batch of unequal sequences instead of the fixed-length grid.
            let (passed, err, l2) = check_varlen(kernel, small, &stream);
            (ok, worst, worst_l2) = (passed, err, l2);
            Vec::new()
        } else {
            cases(&spec, small)
        };
        for (ci, case) in cases.iter().enumerate() {
            let problem = case.problem(kernel);
            // Inputs and references are shared by kernels that pose the same problem.
            let key = (
                ci,
                spec.head_dim as usize,
                format!("{}{}{:?}", spec.dtype, spec.causal, spec.variants),
            );
            let reference = references
                .entry(key)
                .or_insert_with(|| Reference::new(problem, spec.dtype, 1000 + ci as u64, case));
            let layout = match (spec.variants.alibi, case.slopes_per_batch) {
                (false, _) => format!("{:?}", case.layout),
                // Which ALiBi slope layout: [batch, heads_q] or [heads_q].
                (true, true) => format!("{:?}/s[b,h]", case.layout),
                (true, false) => format!("{:?}/s[h]", case.layout),
            } + &if case.q_scale == 1.0 {
                String::new()
            } else {
                format!("/qx{}", case.q_scale)
            } + match case.swing {
                Swing::None => "",
                Swing::FirstLow => "/swing",
                Swing::LastLow => "/swing-last",
            } + if case.q_tiers { "/q-tiers" } else { "" };
            match run_case(kernel, reference, case.layout, &stream) {
                Ok(c) => {
                    worst = worst.max(c.max_error);
                    worst_l2 = worst_l2.max(c.rel_l2);
                    ok &= c.passed;
                    println!(
                        "{:<44} {:>2} {:>5} {:>5} {:>3} {:>3} {:<10} {:>10.3e} {:>10.3e} {:>10.3e}  {}{}",
                        spec.key(),
                        case.batch,
                        case.seqlen_q,
                        case.seqlen_k,
                        case.heads_q,
                        case.heads_kv,
                        layout,
                        c.max_error,
                        2.0 * c.lowp_error,
                        c.rel_l2,
                        if c.passed { "ok" } else { "FAIL" },
                        match (c.passed, c.first_bad) {
                            (false, Some(i)) =>
                                format!(" (first bad element {i}, {} non-finite)", c.non_finite),
                            _ => String::new(),
                        }
                    );
                }
                Err(e) => {
                    ok = false;
                    println!("{:<44} case {ci}: error: {e}", spec.key());
                }
            }
        }
        println!(
            "kernel {} ... {} ({mode})",
            spec.key(),
            if ok { "ok" } else { "FAILED" }
        );
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        if let Some(f) = log.as_mut() {
            let line = format!(
                "{{\"key\":\"{}\",\"verification\":{{\"card\":\"{}\",\"mode\":\"{mode}\",\"date\":\"{date}\",\"command\":\"{}\",\"shapes\":{},\"max_error\":{worst:e},\"rel_l2\":{worst_l2:e},\"passed\":{ok},\"content_hash\":\"{hash}\"}}}}",
                spec.key(),
                dev.name,
                command.replace('"', "'"),
                cases.len().max(1),
            );
            let _ = writeln!(f, "{line}");
        }
    }

    // Decode kernels: one workspace for all, reused as an application would.
    let mut workspace = match DecodeWorkspace::new(&stream) {
        Ok(w) => w,
        Err(e) => {
            println!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !decode_kernels.is_empty() {
        println!(
            "\n{:<28} {:>2} {:>3} {:>3} {:<24} {:<11} {:>3} {:>6} {:>10} {:>10} {:>10} {:>10}  result",
            "decode kernel",
            "sq",
            "hq",
            "hkv",
            "lengths",
            "layout",
            "cau",
            "splits",
            "max err",
            "2x lowp",
            "rel L2",
            "lse err"
        );
    }
    for (kernel, hash) in decode_kernels {
        let spec = kernel.spec();
        let info = spec.gpu_info();
        let Some(mode) = run_mode(info.sm, info.arch_specific, dev.sm) else {
            println!(
                "kernel {} ... skipped (built for {}, device is sm_{})",
                spec.key(),
                info.sm_arch(),
                dev.sm
            );
            skipped += 1;
            continue;
        };
        let (mut ok, mut worst, mut worst_l2) = (true, 0.0f64, 0.0f64);
        let cases = decode_cases(small);
        for (ci, case) in cases.iter().enumerate() {
            match run_decode_case(kernel, case, 7000 + ci as u64, &mut workspace, &stream) {
                Ok(o) => {
                    worst = worst.max(o.out.max_error);
                    worst_l2 = worst_l2.max(o.out.rel_l2);
                    ok &= o.passed();
                    let lens = format!("{:?}", case.seqlens);
                    println!(
                        "{:<28} {:>2} {:>3} {:>3} {:<24} {:<11} {:>3} {:>6} {:>10.3e} {:>10.3e} {:>10.3e} {:>10}  {}",
                        spec.key(),
                        case.seqlen_q,
                        case.heads_q,
                        case.heads_kv,
                        lens,
                        format!("{:?}", case.layout),
                        if case.causal { "yes" } else { "no" },
                        o.splits,
                        o.out.max_error,
                        2.0 * o.out.lowp_error,
                        o.out.rel_l2,
                        o.lse.as_ref().map_or("-".into(), |l| format!(
                            "{:.3e}{}",
                            l.max_error,
                            if l.passed { "" } else { "!" }
                        )),
                        if o.passed() { "ok" } else { "FAIL" },
                    );
                }
                Err(e) => {
                    ok = false;
                    println!("{:<28} case {ci}: error: {e}", spec.key());
                }
            }
        }
        println!(
            "kernel {} ... {} ({mode})",
            spec.key(),
            if ok { "ok" } else { "FAILED" }
        );
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        if let Some(f) = log.as_mut() {
            let line = format!(
                "{{\"key\":\"{}\",\"verification\":{{\"card\":\"{}\",\"mode\":\"{mode}\",\"date\":\"{date}\",\"command\":\"{}\",\"shapes\":{},\"max_error\":{worst:e},\"rel_l2\":{worst_l2:e},\"passed\":{ok},\"content_hash\":\"{hash}\"}}}}",
                spec.key(),
                dev.name,
                command.replace('"', "'"),
                cases.len(),
            );
            let _ = writeln!(f, "{line}");
        }
    }
    println!("\nkernels: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// How a kernel built for `built` (an `arch_specific` build such as sm_90a runs on that arch
/// only) runs on a device of compute capability `sm`: natively, through the driver's JIT of its
/// PTX (a newer device), or not at all.
fn run_mode(built: u32, arch_specific: bool, sm: u32) -> Option<&'static str> {
    let runnable = if arch_specific {
        sm == built
    } else {
        sm >= built
    };
    runnable.then_some(if sm == built { "native" } else { "ptx-jit" })
}
