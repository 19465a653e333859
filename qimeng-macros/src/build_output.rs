//! What the build script left in `$OUT_DIR/qimeng/` for a spec.
//!
//! The contract with qimeng-build: for each spec it found, it writes either the wrapper
//! ([`KernelSpec::wrapper_file`]) or a human-readable reason why it could not
//! ([`KernelSpec::error_file`]). The macro only reads; it never builds anything.

use std::io::ErrorKind;
use std::path::Path;
use std::{fs, io};

use proc_macro2::Span;
use qimeng_spec::KernelSpec;
use syn::Error;

/// The `[build-dependencies]` line that adds the build script's crate, at this release's
/// version (the qimeng crates are released together).
const BUILD_DEPENDENCY: &str = concat!(
    "qimeng-build = \"",
    env!("CARGO_PKG_VERSION_MAJOR"),
    ".",
    env!("CARGO_PKG_VERSION_MINOR"),
    "\""
);

/// The line `build.rs` needs.
const BUILD_CALL: &str = "qimeng_build::Builder::new().build();";

/// Checks that the build script provided `spec`'s wrapper; the error, spanned at the attribute,
/// says why not and what to do.
///
/// `out_dir` is `$OUT_DIR` as seen at expansion time, `None` when the crate has no build script.
pub(crate) fn check(spec: &KernelSpec, out_dir: Option<&Path>) -> Result<(), Error> {
    let error = |message: String| Err(Error::new(Span::call_site(), message));
    let Some(out_dir) = out_dir else {
        return error(format!(
            "this crate has no build script, so nothing built the kernel this attribute asks for \
             (cargo sets OUT_DIR only for crates with one). Add to Cargo.toml:\n\
             \n    [build-dependencies]\n    {BUILD_DEPENDENCY}\n\
             \nand create build.rs next to Cargo.toml:\n\
             \n    fn main() {{ {BUILD_CALL} }}\n"
        ));
    };
    let dir = out_dir.join("qimeng");

    let error_file = dir.join(spec.error_file());
    match fs::read_to_string(&error_file) {
        Ok(reason) if reason.trim().is_empty() => {
            return error(format!(
                "the qimeng build script could not provide the kernel for `{spec}` (key `{}`) \
                 and left no reason in {}",
                spec.key(),
                error_file.display()
            ));
        }
        Ok(reason) => return error(reason.trim_end().to_owned()),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return error(unreadable(&error_file, &e)),
    }

    let wrapper = dir.join(spec.wrapper_file());
    match fs::metadata(&wrapper) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => error(format!("{} is not a file", wrapper.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => error(format!(
            "the qimeng build script did not provide the kernel for `{spec}` (key `{key}`): \
             there is no {wrapper}.\n\
             build.rs must call `{BUILD_CALL}`. It finds the kernels to build by scanning the \
             files under `src/` for `#[flash_attention(...)]`, so write this attribute literally \
             in a file under `src/`, not through another macro.",
            key = spec.key(),
            wrapper = wrapper.display(),
        )),
        Err(e) => error(unreadable(&wrapper, &e)),
    }
}

fn unreadable(path: &Path, e: &io::Error) -> String {
    format!(
        "cannot read {}, written by the qimeng build script: {e}",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use qimeng_spec::{DType, Gpu, Spec};
    use std::path::PathBuf;

    const SPEC: Spec = Spec {
        gpu: Gpu::H100,
        dtype: DType::Bf16,
        head_dim: 128,
        causal: true,
        variants: qimeng_spec::Variants::NONE,
    };

    /// A fresh `$OUT_DIR` with an empty `qimeng/` in it.
    fn out_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("qimeng-macros-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("qimeng")).unwrap();
        dir
    }

    fn message(r: Result<(), Error>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn no_out_dir_says_what_to_add() {
        let msg = message(check(&SPEC.into(), None));
        assert!(msg.contains("no build script"), "{msg}");
        assert!(
            msg.contains("[build-dependencies]\n    qimeng-build = \"0.1\"\n"),
            "{msg}"
        );
        assert!(
            msg.contains("fn main() { qimeng_build::Builder::new().build(); }"),
            "{msg}"
        );
    }

    #[test]
    fn missing_wrapper_names_spec_key_and_fix() {
        let dir = out_dir("missing");
        let msg = message(check(&SPEC.into(), Some(&dir)));
        assert!(
            msg.contains("did not provide the kernel for `gpu = \"h100\""),
            "{msg}"
        );
        assert!(msg.contains("(key `fwd-h100-bf16-d128-causal`)"), "{msg}");
        assert!(msg.contains("fwd-h100-bf16-d128-causal.rs"), "{msg}");
        assert!(
            msg.contains("qimeng_build::Builder::new().build();"),
            "{msg}"
        );
        assert!(msg.contains("scanning the files under `src/`"), "{msg}");
        assert!(msg.contains("not through another macro"), "{msg}");
    }

    #[test]
    fn error_file_is_reported_verbatim_and_wins() {
        let dir = out_dir("error");
        let qimeng = dir.join("qimeng");
        fs::write(
            qimeng.join(SPEC.wrapper_file()),
            "pub const KERNEL: () = ();",
        )
        .unwrap();
        fs::write(
            qimeng.join(SPEC.error_file()),
            "no cached kernel for fwd-h100-bf16-d128-causal\nrun `qimeng generate`\n",
        )
        .unwrap();
        assert_eq!(
            message(check(&SPEC.into(), Some(&dir))),
            "no cached kernel for fwd-h100-bf16-d128-causal\nrun `qimeng generate`"
        );
        fs::write(qimeng.join(SPEC.error_file()), " \n").unwrap();
        assert!(message(check(&SPEC.into(), Some(&dir))).contains("left no reason"));
    }

    #[test]
    fn wrapper_present_is_ok() {
        let dir = out_dir("ok");
        fs::write(dir.join("qimeng").join(SPEC.wrapper_file()), "").unwrap();
        assert!(check(&SPEC.into(), Some(&dir)).is_ok());
        // Another spec's wrapper does not count.
        let other = Spec {
            causal: false,
            ..SPEC
        };
        assert!(check(&other.into(), Some(&dir)).is_err());
    }
}
