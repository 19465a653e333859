//! `qimeng cache` as a user runs it: the binary against a scratch cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qimeng-cli-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// The miss and tamper messages print `qimeng cache seal KEY --cache-dir DIR` with no --date:
// that command must work as printed, recording today's date.
#[test]
fn seal_without_a_date_records_today() {
    let key = "fwd-t4-f16-d64-full";
    let root = scratch("seal");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kernels-cache")
        .join(key);
    let dir = root.join(key);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["spec.json", "kernel.tl", "kernel.cu", "kernel.h"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let before = qimeng_build::generate::today();
    let out = Command::new(env!("CARGO_BIN_EXE_qimeng"))
        .env_remove("QIMENG_CACHE_DIR")
        .args(["cache", "seal", key, "--cache-dir"])
        .arg(&root)
        .output()
        .unwrap();
    let after = qimeng_build::generate::today();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let date = meta["provenance"]["date"].as_str().unwrap();
    assert!(date == before || date == after, "recorded {date}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_bad_key_points_to_the_key_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_qimeng"))
        .args(["show", "fwd-h100-bf16-d128-causal-varlen-alibi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("qimeng_spec::Spec::key"), "{err}");
    assert!(err.contains("qimeng list"), "{err}");
}

// Dates are compared as text by the coverage table: a date of another shape is refused before
// anything is written.
#[test]
fn seal_refuses_a_date_that_is_not_iso() {
    let key = "fwd-t4-f16-d64-full";
    let root = scratch("seal-date");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kernels-cache")
        .join(key);
    let dir = root.join(key);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["spec.json", "kernel.tl", "kernel.cu", "kernel.h"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_qimeng"))
        .env_remove("QIMENG_CACHE_DIR")
        .args(["cache", "seal", key, "--date", "26/11/2026", "--cache-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a YYYY-MM-DD date"), "{err}");
    assert!(!dir.join("meta.json").exists());
    let _ = std::fs::remove_dir_all(&root);
}
