//! The corpus of wrong programs (tests/wrong/*.tl): each classic mistake is rejected, and the
//! rejection contains the text of its `.expected` file. Each program names its spec on its
//! first line (`# spec: KEY`).

use std::path::PathBuf;

use qimeng_spec::{KernelSpec, Spec};

fn corpus() -> Vec<(String, String, KernelSpec)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wrong");
    let mut v = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "tl") {
            let src = std::fs::read_to_string(&path).unwrap();
            let key = src
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# spec: "))
                .unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            v.push((name, src.clone(), KernelSpec::from_key(key.trim()).unwrap()));
        }
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn rejection(src: &str, spec: &KernelSpec, name: &str) -> String {
    let verdict = match spec {
        KernelSpec::Prefill(s) => qimeng_tl::verify(src, s).map(drop),
        KernelSpec::Decode(d) => qimeng_tl::verify_decode(src, d).map(drop),
    };
    match verdict {
        Ok(()) => panic!("{name}: the wrong program was accepted"),
        Err(e) => qimeng_tl::diag::render_all(&e.diagnostics(), src, &format!("{name}.tl"), false),
    }
}

fn prefill(spec: KernelSpec) -> Spec {
    match spec {
        KernelSpec::Prefill(s) => s,
        KernelSpec::Decode(d) => panic!("{} is a decode spec", d.key()),
    }
}

#[test]
fn every_wrong_program_is_rejected_with_its_expected_message() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wrong");
    let corpus = corpus();
    assert!(corpus.len() >= 7);
    let bless = std::env::var_os("QIMENG_BLESS").is_some();
    let mut failures = Vec::new();
    for (name, src, spec) in &corpus {
        let got = rejection(src, spec, name);
        let exp_path = dir.join(format!("{name}.expected"));
        if bless {
            std::fs::write(&exp_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&exp_path)
            .unwrap_or_else(|_| panic!("{name}.expected is missing; run with QIMENG_BLESS=1"));
        if got != expected {
            failures.push(format!("{name}:\n--- expected\n{expected}\n--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The interpreter alone, with the checker bypassed, computes wrong numbers for the mistakes
/// that change the function: it follows the statements, not the intended algorithm.
#[test]
fn the_interpreter_catches_semantic_mistakes_by_itself() {
    for name in [
        "acc_not_rescaled",
        "rowsum_not_rescaled",
        "tail_mask_off_by_one",
        "tail_mask_drops_last_key",
        "causal_mask_top_left",
        "causal_mask_missing",
        "gqa_off_by_one",
        "unwritten_read",
        "missing_normalize",
        "rescale_after_accumulate",
        "window_off_by_one",
        "softcap_after_mask",
        "alibi_sign",
    ] {
        let (_, src, spec) = corpus().into_iter().find(|c| c.0 == name).unwrap();
        let spec = prefill(spec);
        let program = qimeng_tl::parse(&src).unwrap();
        match qimeng_tl::run_spec(&program, &spec) {
            Err(fault) => println!("{name}: fault: {fault}"),
            Ok(runs) => {
                let bad = runs.iter().find(|r| !r.comparison.passed);
                let bad = bad.unwrap_or_else(|| panic!("{name}: the interpreter did not notice"));
                // An element over the bound, a NaN, or (softcap after the mask: rows that see no
                // key average V instead of being 0) a relative L2 error over the dtype's bound.
                assert!(
                    bad.mismatch.is_some()
                        || bad.comparison.non_finite > 0
                        || bad.comparison.rel_l2 >= qimeng_reference::rel_l2_bound(spec.dtype)
                );
                println!("{name}: {}", bad.summary());
            }
        }
    }
}

/// The ring's barriers in the interpreter's serialization: with more key blocks than stages
/// (5 blocks of 128 over 2 stages), a curated Hopper plan runs and matches the reference, and
/// the same plan with one consumer release removed faults (deadlock) at the block that
/// reuses the stage, although its numbers would be right. A checker-free run, like above.
#[test]
fn the_interpreter_runs_the_ring_and_finds_its_deadlock() {
    let problem = qimeng_reference::Problem::new(1, 200, 600, 2, 1, 128, true);
    let curated = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../kernels-cache/fwd-h100-bf16-d128-causal/kernel.tl"),
    )
    .unwrap();
    let program = qimeng_tl::parse(&curated).unwrap();
    let run = qimeng_tl::interp::run(&program, qimeng_spec::DType::Bf16, &problem, 7).unwrap();
    assert!(run.comparison.passed, "{}", run.summary());

    let (_, src, _) = corpus()
        .into_iter()
        .find(|c| c.0 == "hopper_stage_never_released")
        .unwrap();
    let program = qimeng_tl::parse(&src).unwrap();
    let fault = qimeng_tl::interp::run(&program, qimeng_spec::DType::Bf16, &problem, 7)
        .expect_err("the missing release deadlocks");
    assert!(
        fault
            .to_string()
            .contains("deadlock: `Sync wait k_empty` (stage 0, phase 0)"),
        "{fault}"
    );
}

/// The decode mistakes change the function too: the interpreter alone (splits, then the
/// combine) misses the decode reference.
#[test]
fn the_interpreter_catches_decode_mistakes_by_itself() {
    for name in [
        "decode_combine_without_rescale",
        "decode_paged_without_block_table",
    ] {
        let (_, src, spec) = corpus().into_iter().find(|c| c.0 == name).unwrap();
        let KernelSpec::Decode(spec) = spec else {
            panic!("{name} is a decode program")
        };
        let program = qimeng_tl::parse(&src).unwrap();
        let runs: Vec<_> = qimeng_tl::decode_cases(&spec)
            .iter()
            .map(|c| qimeng_tl::run_decode(&program, spec.dtype, c, 7).unwrap())
            .collect();
        let bad = runs.iter().find(|r| !r.passed);
        let bad = bad.unwrap_or_else(|| panic!("{name}: the interpreter did not notice"));
        println!("{name}: {}", bad.summary());
    }
}
