//! `qimeng generate` as a user runs it: the binary, configured through the environment,
//! against the scripted chat-completions server; and `--dry-run` with no LLM at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use qimeng_llm::fake_server::{FakeServer, Step};

const KEY: &str = "sk-cli-test-a8f3e2d1";

fn qimeng() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qimeng"));
    for v in [
        "QIMENG_LLM_BASE_URL",
        "QIMENG_LLM_MODEL",
        "QIMENG_LLM_API_KEY",
        "QIMENG_LLM_CONFIG",
        "QIMENG_OFFLINE",
        "QIMENG_CACHE_DIR",
    ] {
        c.env_remove(v);
    }
    // No config file from the machine's home.
    c.env("XDG_CONFIG_HOME", "/nonexistent");
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    c
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qimeng-cli-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn entry_file(key: &str, f: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kernels-cache")
        .join(key)
        .join(f);
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn dry_run_writes_the_three_prompts_without_an_llm() {
    let dir = scratch("dry");
    let out = qimeng()
        .args([
            "generate",
            "--gpu",
            "a10",
            "--dtype",
            "f16",
            "--head-dim",
            "64",
            "--dry-run",
        ])
        .arg("--prompts-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "stage1a-sketch.v1.md",
        "stage1b-params.v1.md",
        "stage2-cuda.v1.md",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(text.contains("fwd-a10-f16-d64-full"), "{f}");
        assert!(!text.contains("{{"), "{f}: a placeholder is left");
    }
}

#[test]
fn without_an_llm_the_error_says_how_to_configure_one() {
    let out = qimeng()
        .args([
            "generate",
            "--gpu",
            "a10",
            "--dtype",
            "f16",
            "--head-dim",
            "96",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("no LLM is configured: set QIMENG_LLM_BASE_URL"),
        "{e}"
    );
    assert!(e.contains("--dry-run"), "{e}");
}

#[test]
fn generates_an_entry_through_the_configured_endpoint() {
    if qimeng_toolchain::Toolchain::find(&[Path::new(env!("CARGO_MANIFEST_DIR"))]).is_err() {
        eprintln!("skipped: no CUDA toolchain");
        return;
    }
    // A spec the curated cache holds, regenerated with --force into a scratch cache (searched
    // first); the model replays the T4 entry (same sm_75) renamed for it.
    let (key, like) = ("fwd-rtx8000-f16-d128-full", "fwd-t4-f16-d128-full");
    let renamed = |f: &str| {
        entry_file(like, f)
            .replace("fwd_t4_", "fwd_rtx8000_")
            .replace("FWD_T4_", "FWD_RTX8000_")
            .replace("fwd-t4-", "fwd-rtx8000-")
    };
    let tl = renamed("kernel.tl");
    let sketch: String = tl
        .lines()
        .filter(|l| !l.starts_with("param") && !l.starts_with("Allocate"))
        .map(|l| format!("{l}\n"))
        .collect();
    let server = FakeServer::start(vec![
        Step::answer(format!("```tl\n{sketch}```\n")),
        Step::answer(format!("```tl\n{tl}```\n")),
        Step::answer(format!(
            "```cuda kernel.cu\n{}```\n```c kernel.h\n{}```\n",
            renamed("kernel.cu"),
            renamed("kernel.h")
        )),
    ])
    .unwrap();
    let cache = scratch("cache");
    let out = qimeng()
        .args([
            "generate",
            "--gpu",
            "rtx8000",
            "--dtype",
            "f16",
            "--head-dim",
            "128",
            "--force",
        ])
        .env("QIMENG_LLM_BASE_URL", server.base_url())
        .env("QIMENG_LLM_MODEL", "fake-coder-1")
        .env("QIMENG_LLM_API_KEY", KEY)
        .env("QIMENG_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{so}\n{se}");
    assert!(
        so.contains("generating `fwd-rtx8000-f16-d128-full` with `fake-coder-1`"),
        "{so}"
    );
    assert!(so.contains("wrote "), "{so}");
    assert!(!so.contains(KEY) && !se.contains(KEY));
    assert!(cache.join(key).join("transcript.json").is_file());
    let meta = std::fs::read_to_string(cache.join(key).join("meta.json")).unwrap();
    assert!(meta.contains("\"origin\": \"generated\""), "{meta}");
    assert!(!meta.contains(KEY));
    assert_eq!(server.requests().len(), 3);
}
