//! The expansion compiles against the real qimeng-runtime, without warnings, given a build
//! script that writes wrappers the way qimeng-build does: `cargo check` of the crate in
//! `tests/expansion/`. (trybuild cannot do this: its crates have no build script.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

#[test]
fn expansion_type_checks_against_the_runtime() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = here.parent().expect("qimeng-macros lives in the workspace");
    let krate = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("expansion");
    fs::create_dir_all(krate.join("src")).unwrap();
    let dep = |name: &str| format!("{{ path = {:?} }}", workspace.join(name));
    let manifest = format!(
        "[package]\nname = \"qimeng-expansion-test\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\nqimeng-macros = {}\nqimeng-runtime = {}\nhalf = \"2\"\n\n\
         [workspace]\n",
        dep("qimeng-macros"),
        dep("qimeng-runtime"),
    );
    fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    fs::copy(
        here.join("tests/expansion/build.rs"),
        krate.join("build.rs"),
    )
    .unwrap();
    fs::copy(
        here.join("tests/expansion/lib.rs"),
        krate.join("src/lib.rs"),
    )
    .unwrap();
    // Start from the workspace's versions, so no registry is asked for new ones.
    if !krate.join("Cargo.lock").exists() {
        let _ = fs::copy(workspace.join("Cargo.lock"), krate.join("Cargo.lock"));
    }

    let output = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["check", "--quiet", "--message-format=short", "--target-dir"])
        .arg(krate.join("target"))
        .current_dir(&krate)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo check failed:\n{stderr}");
    assert!(
        !stderr.contains("warning"),
        "the expansion warns:\n{stderr}"
    );
}
