//! bindgen over an entry's `kernel.h`: the Rust declaration of its launch function and of the
//! ABI struct, taken from the header itself so a header that drifts from the ABI fails to
//! compile instead of misbehaving.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Error;
use crate::cache::{Entry, include_dir};

/// The ABI struct every prefill launch function takes.
pub const ABI_STRUCT: &str = "QimengAttnArgs";

/// The ABI struct every decode launch function takes.
pub const DECODE_ABI_STRUCT: &str = "QimengDecodeArgs";

/// Runs bindgen on the entry's header, keeping only its launch function and the ABI struct.
pub fn generate(entry: &Entry) -> Result<String, Error> {
    let key = entry.spec.key();
    let symbol = entry.spec.symbol();
    let (abi_struct, abi_header) = match entry.spec {
        qimeng_spec::KernelSpec::Prefill(_) => (ABI_STRUCT, "qimeng/abi.h"),
        qimeng_spec::KernelSpec::Decode(_) => (DECODE_ABI_STRUCT, "qimeng/decode_abi.h"),
    };
    let header = entry.header();
    let fail = |message: String| Error::Bindgen {
        key: key.clone(),
        message,
    };
    let builder = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .clang_arg(format!("-I{}", include_dir().display()))
        .clang_arg(format!("-I{}", entry.dir.display()))
        .allowlist_function(&symbol)
        .allowlist_type(abi_struct)
        .use_core()
        .generate_comments(false)
        .layout_tests(true);
    // bindgen panics when it cannot load libclang; turn that into an error that says what to do.
    let generated = catch_unwind(AssertUnwindSafe(|| builder.generate())).map_err(|_| {
        fail(
            "bindgen could not load libclang. Install it (`apt-get install libclang-dev` on \
             Debian/Ubuntu) or point LIBCLANG_PATH at the folder holding libclang.so"
                .into(),
        )
    })?;
    let text = generated
        .map_err(|e| fail(format!("{}: {e}", header.display())))?
        .to_string();
    if !text.contains(&format!("pub fn {symbol}(")) {
        return Err(fail(format!(
            "{} does not declare `{symbol}`, the launch function of this spec",
            header.display()
        )));
    }
    if !text.contains(&format!("pub struct {abi_struct}")) {
        return Err(fail(format!(
            "{} does not bring in `{abi_struct}` (include \"{abi_header}\")",
            header.display()
        )));
    }
    Ok(text)
}
