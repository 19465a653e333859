//! Links the static CUDA runtime (`libcudart_static.a`) of the toolchain `qimeng-toolchain`
//! finds. Under `DOCS_RS` nothing is linked, so documentation builds need no CUDA.

use std::env;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    for var in qimeng_toolchain::ENV_VARS {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if env::var_os("DOCS_RS").is_some() {
        return ExitCode::SUCCESS;
    }

    // A project-local install lies above the project; when this crate comes from a registry its
    // manifest dir is not in the project, but OUT_DIR (under the project's target dir) is.
    let dirs: Vec<PathBuf> = ["CARGO_MANIFEST_DIR", "OUT_DIR"]
        .iter()
        .filter_map(|v| env::var_os(v).map(PathBuf::from))
        .collect();
    let dir_refs: Vec<&std::path::Path> = dirs.iter().map(PathBuf::as_path).collect();
    let tc = match qimeng_toolchain::Toolchain::find(&dir_refs) {
        Ok(tc) => tc,
        Err(not_found) => {
            eprintln!("error: qimeng-runtime links the static CUDA runtime, but {not_found}");
            return ExitCode::FAILURE;
        }
    };

    println!(
        "cargo:rerun-if-changed={}",
        tc.lib.join("libcudart_static.a").display()
    );
    println!("cargo:rustc-link-search=native={}", tc.lib.display());
    println!("cargo:rustc-link-lib=static=cudart_static");
    // libcudart_static.a loads libcuda.so.1 with dlopen and uses threads and clock_gettime.
    // On glibc 2.34 and later these live in libc; naming them keeps older glibc working.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        for lib in ["dl", "rt", "pthread"] {
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
    }
    // Metadata for the build scripts of crates that depend on this one (`links` key):
    // DEP_QIMENG_CUDART_ROOT, DEP_QIMENG_CUDART_LIB, DEP_QIMENG_CUDART_INCLUDE.
    println!("cargo:root={}", tc.root.display());
    println!("cargo:lib={}", tc.lib.display());
    println!("cargo:include={}", tc.include.display());
    ExitCode::SUCCESS
}
