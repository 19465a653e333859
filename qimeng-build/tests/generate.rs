//! Generation through an LLM, end to end, against a scripted chat-completions server on
//! 127.0.0.1 that replays curated entries as the model's answers: the gates (TL parse, check
//! and interpretation; the CUDA lint; nvcc for the target arch; bindgen and the launch ABI)
//! and their feedback, the retries, and what is written — a whole, sealed entry with its
//! transcript on success, nothing at all on failure. nvcc is real (about 2 s per candidate);
//! without a CUDA toolchain the tests that compile report themselves skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use qimeng_build::cache::{self, Cache};
use qimeng_build::generate::{self, Written};
use qimeng_llm::fake_server::{FakeServer, Recorded, Step};
use qimeng_llm::prompts::load_examples;
use qimeng_llm::{ApiKey, Config};
use qimeng_spec::Spec;
use qimeng_toolchain::Toolchain;

const KEY: &str = "sk-qimeng-test-5f2b9c1d7e";

struct Curated {
    sketch: String,
    tl: String,
    cu: String,
    h: String,
}

fn curated(key: &str) -> Curated {
    let e = load_examples(&cache::bundled_dir())
        .into_iter()
        .find(|e| e.spec.key() == key)
        .expect("curated entry");
    Curated {
        sketch: e.sketch(),
        tl: e.tl.clone(),
        cu: e.cu.clone(),
        h: e.h.clone(),
    }
}

fn tl_answer(tl: &str) -> Step {
    Step::answer(format!("Here is the plan.\n\n```tl\n{tl}```\n"))
}

fn cuda_answer(cu: &str, h: &str) -> Step {
    Step::answer(format!(
        "The translation:\n\n```cuda kernel.cu\n{cu}```\n\n```c kernel.h\n{h}```\n"
    ))
}

fn toolchain() -> Option<Toolchain> {
    match Toolchain::find(&[Path::new(env!("CARGO_MANIFEST_DIR"))]) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("skipped: no CUDA toolchain (bash scripts/setup.sh installs one)");
            None
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qimeng-gen-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn config(server: &FakeServer, attempts: u32) -> Config {
    let mut c = Config::new(server.base_url(), "fake-coder-1");
    c.api_key = Some(ApiKey::new(KEY));
    c.attempts = attempts;
    c.retries = 2;
    c.backoff = Duration::from_millis(10);
    c.read_timeout = Duration::from_secs(10);
    c.budget = Duration::from_secs(300);
    c
}

fn run(spec: &str, server: &FakeServer, attempts: u32, dir: &Path) -> Result<Written, String> {
    run_with(spec, config(server, attempts), dir)
}

fn run_with(spec: &str, config: Config, dir: &Path) -> Result<Written, String> {
    let spec = Spec::from_key(spec).unwrap();
    let toolchain = Toolchain::find(&[Path::new(env!("CARGO_MANIFEST_DIR"))]).ok();
    let toolchain = toolchain.unwrap_or_else(|| Toolchain {
        // Tests that never reach the compile gate run without a toolchain.
        root: "/nonexistent".into(),
        nvcc: "/nonexistent/nvcc".into(),
        include: "/nonexistent".into(),
        lib: "/nonexistent".into(),
        cutlass_include: None,
        source: qimeng_toolchain::Source::Env("test"),
    });
    let cache_dir = dir.join("cache");
    generate::generate(
        &spec,
        config,
        &toolchain,
        &cache_dir,
        &dir.join("scratch"),
        &(),
    )
    .map_err(|e| e.to_string())
}

/// Nothing of the spec was written: no entry, no temporary folder.
fn assert_nothing_written(dir: &Path) {
    let cache_dir = dir.join("cache");
    let left: Vec<_> = fs::read_dir(&cache_dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "written: {left:?}");
}

/// The key went out in the Authorization header of every request, and nowhere else.
fn assert_key_only_in_authorization(reqs: &[Recorded]) {
    assert!(!reqs.is_empty());
    for r in reqs {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert!(!r.body.contains(KEY), "the key is in a request body");
        for (k, v) in &r.headers {
            assert!(
                k == "authorization" || !v.contains(KEY),
                "the key is in header {k}"
            );
        }
    }
}

/// The last user message of request `i`.
fn last_user(reqs: &[Recorded], i: usize) -> String {
    reqs[i]
        .messages()
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map(|m| m.content.clone())
        .unwrap_or_default()
}

fn assert_no_key_in(dir: &Path) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = fs::read_to_string(&p).unwrap();
        assert!(!text.contains(KEY), "{} holds the key", p.display());
    }
}

#[test]
fn happy_path_h100_after_a_multi_megabyte_answer_without_a_fence() {
    let Some(_) = toolchain() else { return };
    let key = "fwd-h100-bf16-d128-causal";
    let c = curated(key);
    let rambling = "Let me think about tiling. ".repeat(150_000); // ~4 MB, no code block
    let server = FakeServer::start(vec![
        Step::answer(rambling),
        tl_answer(&c.sketch),
        tl_answer(&c.tl),
        cuda_answer(&c.cu, &c.h),
    ])
    .unwrap();
    let dir = scratch("h100");
    let written = run(key, &server, 3, &dir).unwrap();
    let Written::Created(entry) = written else {
        panic!("not created")
    };
    // A whole entry that loads through the normal cache path, with its provenance.
    let cache = Cache {
        dirs: vec![dir.join("cache")],
    };
    let loaded = cache.lookup(entry.spec).unwrap().expect("entry");
    let p = &loaded.meta.provenance;
    assert_eq!(p.origin, "generated");
    let g = p.generation.as_ref().expect("generation record");
    assert_eq!(g.model, "fake-coder-1");
    assert_eq!(g.attempts, 4);
    assert_eq!(
        g.prompts.keys().collect::<Vec<_>>(),
        ["stage1a-sketch", "stage1b-params", "stage2-cuda"]
    );
    assert!(g.prompts["stage2-cuda"].starts_with("v1 sha256:"));
    let transcript = fs::read_to_string(entry.dir.join("transcript.json")).unwrap();
    assert_eq!(cache::sha256(transcript.as_bytes()), g.transcript_sha256);
    assert!(
        transcript.len() < 1 << 20,
        "the 4 MB answer is clipped in the transcript"
    );
    assert!(transcript.contains("bytes left out"));
    assert_eq!(
        fs::read_to_string(entry.dir.join("kernel.tl")).unwrap(),
        c.tl
    );
    let cu = fs::read_to_string(entry.dir.join("kernel.cu")).unwrap();
    assert!(cu.starts_with("/* kernel.cu of `fwd-h100-bf16-d128-causal`: generated by"));
    assert_no_key_in(&entry.dir);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert!(last_user(&reqs, 1).contains("rejected by the `extract` gate"));
    assert!(last_user(&reqs, 1).contains("no fenced code block"));
    // Stage 1b is asked around the accepted sketch; stage 2 around the verified program.
    assert!(last_user(&reqs, 2).contains(c.sketch.trim()));
    assert!(last_user(&reqs, 3).contains(c.tl.trim()));
    assert!(last_user(&reqs, 3).contains("QIMENG_EXTERN_C int qimeng_fwd_h100_bf16_d128_causal("));
    assert_key_only_in_authorization(&reqs);
}

#[test]
fn happy_path_t4_through_a_429_with_retry_after() {
    let Some(_) = toolchain() else { return };
    let key = "fwd-t4-bf16-d64-full";
    let c = curated(key);
    let server = FakeServer::start(vec![
        Step::Status {
            code: 429,
            body: r#"{"error": {"message": "Rate limit reached"}}"#.into(),
            retry_after: Some("1".into()),
        },
        tl_answer(&c.sketch),
        tl_answer(&c.tl),
        cuda_answer(&c.cu, &c.h),
    ])
    .unwrap();
    let dir = scratch("t4");
    let t = std::time::Instant::now();
    let written = run(key, &server, 2, &dir).unwrap();
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert!(matches!(written, Written::Created(_)));
    let g = written.entry().meta.provenance.generation.clone().unwrap();
    assert_eq!(
        g.attempts, 3,
        "the 429 is a retry of one call, not an answer"
    );
    // The t4 prompt states that bf16 needs a conversion there.
    assert!(
        server.requests()[0]
            .body
            .contains("is NOT a tensor-core operand type here")
    );
    assert_key_only_in_authorization(&server.requests());
}

#[test]
fn a_tl_that_computes_the_wrong_function_is_caught_and_the_mismatch_sent_back() {
    let key = "fwd-t4-f16-d64-full";
    let c = curated(key);
    // Parses and passes the checker, but loads K into sV and V into sK: softmax(Q V^T) K.
    // Only running it shows the mistake.
    let wrong = c.tl.replace("to sK, sV", "to sV, sK");
    assert_ne!(wrong, c.tl);
    // Then CUDA that breaks the lint twice: the stage fails and nothing is written.
    let evil = c.cu.replace(
        "#include \"kernel.h\"",
        "#include \"kernel.h\"\n#include <stdio.h>",
    );
    let server = FakeServer::start(vec![
        tl_answer(&c.sketch),
        tl_answer(&wrong),
        tl_answer(&c.tl),
        cuda_answer(&evil, &c.h),
        cuda_answer(&evil, &c.h),
    ])
    .unwrap();
    let dir = scratch("wrong-tl");
    let err = run(key, &server, 2, &dir).unwrap_err();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    let fb = last_user(&reqs, 2);
    assert!(fb.contains("rejected by the `tl-interpret` gate"), "{fb}");
    assert!(fb.contains("computes the wrong function"), "{fb}");
    assert!(
        fb.contains("max error") && fb.contains("first mismatch O["),
        "{fb}"
    );
    assert!(last_user(&reqs, 4).contains("[include-allowlist]"));
    assert!(
        err.contains("stage 2 (CUDA) failed: all 2 answers were rejected"),
        "{err}"
    );
    assert!(err.contains("`lint` gate"), "{err}");
    assert!(
        err.contains("kernel.cu:line 3: [include-allowlist]"),
        "{err}"
    );
    assert_nothing_written(&dir);
}

#[test]
fn cuda_with_a_compile_error_then_a_fix() {
    let Some(_) = toolchain() else { return };
    let key = "fwd-t4-f16-d64-full";
    let c = curated(key);
    let broken = c.cu.replace("kBlockM = 64;", "kBlockM = 64 +;");
    assert_ne!(broken, c.cu);
    let server = FakeServer::start(vec![
        tl_answer(&c.sketch),
        tl_answer(&c.tl),
        cuda_answer(&broken, &c.h),
        cuda_answer(&c.cu, &c.h),
    ])
    .unwrap();
    let dir = scratch("compile");
    let written = run(key, &server, 2, &dir).unwrap();
    assert!(matches!(written, Written::Created(_)));
    let reqs = server.requests();
    let fb = last_user(&reqs, 3);
    assert!(fb.contains("rejected by the `nvcc` gate"), "{fb}");
    assert!(fb.contains("sm_75"), "{fb}");
    assert!(fb.contains("kernel.cu(") && fb.contains("error"), "{fb}");
    assert!(
        !fb.contains(&dir.display().to_string()),
        "scratch paths are not shown"
    );
    // The repaired answer is what was written, and the transcript holds the whole exchange.
    let t = fs::read_to_string(written.entry().dir.join("transcript.json")).unwrap();
    assert!(
        t.contains("\"gate\": \"nvcc\""),
        "{}",
        &t[..t.len().min(2000)]
    );
}

#[test]
fn a_header_that_breaks_the_abi_is_sent_back() {
    let key = "fwd-t4-f16-d64-full";
    let c = curated(key);
    let bad_h = c.h.replace("void* stream", "cudaStream_t stream");
    let server = FakeServer::start(vec![
        tl_answer(&c.sketch),
        tl_answer(&c.tl),
        cuda_answer(&c.cu, &bad_h),
    ])
    .unwrap();
    let dir = scratch("abi");
    let err = run(key, &server, 1, &dir).unwrap_err();
    assert!(err.contains("`abi` gate"), "{err}");
    assert!(
        err.contains("const QimengAttnArgs* args, void* stream"),
        "{err}"
    );
    assert_nothing_written(&dir);
}

#[test]
fn failed_calls_write_nothing_and_name_the_call() {
    let key = "fwd-t4-f16-d64-full";
    let c = curated(key);
    // 500s past the retries, in stage 1b.
    let server = FakeServer::start(vec![
        tl_answer(&c.sketch),
        Step::error(500, "upstream failure"),
        Step::error(502, "upstream failure"),
        Step::error(500, "upstream failure"),
    ])
    .unwrap();
    let dir = scratch("500");
    let err = run(key, &server, 2, &dir).unwrap_err();
    assert!(
        err.contains("stage 1b (TL program), attempt 1 of 2"),
        "{err}"
    );
    assert!(
        err.contains("HTTP 500: upstream failure (after 3 requests)"),
        "{err}"
    );
    assert!(!err.contains(KEY));
    assert_nothing_written(&dir);

    // A server that hangs past the read timeout.
    let server = FakeServer::start(vec![Step::Hang(Duration::from_secs(2)); 2]).unwrap();
    let dir = scratch("hang");
    let mut cfg = config(&server, 2);
    cfg.read_timeout = Duration::from_millis(200);
    cfg.retries = 1;
    let err = run_with(key, cfg, &dir).unwrap_err();
    assert!(
        err.contains("stage 1a (TL sketch), attempt 1 of 2"),
        "{err}"
    );
    assert!(err.contains("timed out"), "{err}");
    assert_nothing_written(&dir);

    // Truncated JSON on every try.
    let cut = Step::Raw(r#"{"choices": [{"message": {"content": "```tl"#.into());
    let server = FakeServer::start(vec![cut.clone(), cut.clone(), cut]).unwrap();
    let dir = scratch("truncated");
    let err = run(key, &server, 2, &dir).unwrap_err();
    assert!(err.contains("truncated JSON"), "{err}");
    assert_nothing_written(&dir);

    // An unknown model: one request, the server's words.
    let server = FakeServer::start(vec![Step::error(
        404,
        "The model `fake-coder-1` does not exist",
    )])
    .unwrap();
    let dir = scratch("model");
    let err = run(key, &server, 2, &dir).unwrap_err();
    assert!(
        err.contains("HTTP 404: The model `fake-coder-1` does not exist"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_nothing_written(&dir);
}

#[test]
fn a_missing_fence_on_every_attempt_fails_the_stage() {
    let server = FakeServer::start(vec![
        Step::answer("Loop j over key blocks ... (no code block)"),
        Step::answer("Sorry, here: Loop j over key blocks"),
    ])
    .unwrap();
    let dir = scratch("fence");
    let err = run("fwd-t4-f16-d64-full", &server, 2, &dir).unwrap_err();
    assert!(
        err.contains("stage 1a (TL sketch) failed: all 2 answers were rejected"),
        "{err}"
    );
    assert!(err.contains("no fenced code block"), "{err}");
    let reqs = server.requests();
    assert_eq!(
        reqs[1].messages().len(),
        4,
        "system, user, answer, feedback"
    );
    assert!(last_user(&reqs, 1).contains("```tl"));
    assert_nothing_written(&dir);
}

#[test]
fn two_generations_of_one_key_race_safely() {
    let key = "fwd-t4-f16-d64-full";
    let c = curated(key);
    let spec = Spec::from_key(key).unwrap();
    let g = qimeng_llm::Generated {
        spec,
        sketch: c.sketch.clone(),
        kernel_tl: c.tl.clone(),
        kernel_cu: c.cu.clone(),
        kernel_h: c.h.clone(),
        model: "m".into(),
        prompts: qimeng_llm::prompts::TEMPLATES
            .iter()
            .map(|t| t.id())
            .collect(),
        attempts: 3,
        transcript: qimeng_llm::Transcript {
            key: key.into(),
            model: "m".into(),
            endpoint: "http://127.0.0.1:1/v1".into(),
            prompts: Vec::new(),
            stages: Vec::new(),
        },
    };
    let dir = scratch("race").join("cache");
    let results: Vec<Written> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| generate::write_entry(&dir, &g, "2026-11-25").unwrap()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created = results
        .iter()
        .filter(|w| matches!(w, Written::Created(_)))
        .count();
    assert_eq!(created, 1, "exactly one writer wins");
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [key], "no temporary folder is left behind");
    Cache { dirs: vec![dir] }
        .lookup(spec)
        .unwrap()
        .expect("whole entry");
}

#[test]
fn at_build_time_progress_goes_to_cargo_warnings() {
    let Some(toolchain) = toolchain() else { return };
    let key = "fwd-t4-f16-d64-causal";
    let c = curated(key);
    let server = FakeServer::start(vec![
        tl_answer(&c.sketch),
        Step::answer("```tl\nparam BM = 64\n```\n"),
        tl_answer(&c.tl),
        cuda_answer(&c.cu, &c.h),
    ])
    .unwrap();
    let dir = scratch("build-time");
    let mut out = Vec::new();
    let spec = Spec::from_key(key).unwrap();
    let entry = generate::build_time(
        &spec,
        config(&server, 2),
        &toolchain,
        &dir.join("cache"),
        &dir.join("scratch"),
        &mut out,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.lines().all(|l| l.starts_with("cargo:warning=qimeng: ")),
        "{out}"
    );
    assert!(out.contains(&format!(
        "`{key}` is in no cache; generating it with `fake-coder-1`"
    )));
    assert!(out.contains("`qimeng generate --gpu t4 --dtype f16 --head-dim 64 --causal`"));
    assert!(
        out.contains(&format!(
            "{key}: stage 1b (TL program): answer 1 rejected by `tl-check`"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("{key}: stage 2 (CUDA): answer 1 accepted")));
    assert!(out.contains("wrote `fwd-t4-f16-d64-causal`"));
    assert!(!out.contains(KEY));
    assert_eq!(entry.meta.provenance.origin, "generated");
}
