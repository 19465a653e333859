//! The Rust that goes to `$OUT_DIR/qimeng/`: one wrapper per spec (`<key>.rs`, `include!`d by
//! the macro's expansion), an error file per spec that could not be provided (`<key>.error`,
//! read by the macro), and `registry.rs` listing every kernel of the build.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use qimeng_spec::{DecodeSpec, KernelSpec, Spec};

use crate::Error;

/// The fields of `QimengAttnArgs` (kernels-cache/include/qimeng/abi.h), in order. The wrapper
/// copies `qimeng_runtime::LaunchArgs` into the header's struct field by field, so a header
/// whose struct differs fails to compile.
pub const ABI_FIELDS: &[&str] = &[
    "q",
    "k",
    "v",
    "o",
    "q_batch_stride",
    "q_row_stride",
    "q_head_stride",
    "k_batch_stride",
    "k_row_stride",
    "k_head_stride",
    "v_batch_stride",
    "v_row_stride",
    "v_head_stride",
    "o_batch_stride",
    "o_row_stride",
    "o_head_stride",
    "batch",
    "seqlen_q",
    "seqlen_k",
    "heads_q",
    "heads_kv",
    "head_dim",
    "softmax_scale",
    "alibi_batch_stride",
    "alibi_slopes",
    "cu_seqlens_q",
    "cu_seqlens_k",
    "max_seqlen_q",
    "max_seqlen_k",
];

/// The fields of `QimengDecodeArgs` (kernels-cache/include/qimeng/decode_abi.h), in order,
/// copied one by one from `qimeng_runtime::DecodeArgs` as [`ABI_FIELDS`] are.
pub const DECODE_ABI_FIELDS: &[&str] = &[
    "q",
    "k",
    "v",
    "o",
    "lse",
    "block_table",
    "cache_seqlens",
    "workspace",
    "q_batch_stride",
    "q_row_stride",
    "q_head_stride",
    "k_page_stride",
    "k_row_stride",
    "k_head_stride",
    "v_page_stride",
    "v_row_stride",
    "v_head_stride",
    "o_batch_stride",
    "o_row_stride",
    "o_head_stride",
    "block_table_stride",
    "batch",
    "seqlen_q",
    "heads_q",
    "heads_kv",
    "head_dim",
    "block_size",
    "num_blocks",
    "max_seqlen_k",
    "num_splits",
    "causal",
    "softmax_scale",
    "reserved",
];

/// How the launch function is reached.
pub enum Linkage<'a> {
    /// bindgen's declarations for a compiled entry.
    Compiled {
        /// bindgen output.
        bindings: &'a str,
    },
    /// Nothing was compiled (docs.rs): the kernel reports an error when run.
    Documentation,
}

/// The wrapper module for a kernel of either kind.
pub fn kernel_wrapper(
    spec: &KernelSpec,
    origin: &str,
    content_hash: &str,
    linkage: Linkage<'_>,
) -> String {
    match spec {
        KernelSpec::Prefill(s) => wrapper(s, origin, content_hash, linkage),
        KernelSpec::Decode(d) => decode_wrapper(d, origin, content_hash, linkage),
    }
}

/// The wrapper module for a decode kernel: `SPEC`, `CONTENT_HASH` and `KERNEL`, a
/// `qimeng_runtime::DecodeKernel`.
pub fn decode_wrapper(
    spec: &DecodeSpec,
    origin: &str,
    content_hash: &str,
    linkage: Linkage<'_>,
) -> String {
    let (mut s, raw_body) = module_head(
        &spec.to_string(),
        origin,
        linkage,
        "QimengDecodeArgs",
        DECODE_ABI_FIELDS,
        &spec.symbol(),
    );
    let _ = write!(
        s,
        "\
/// Content hash of the cache entry this kernel was compiled from.
pub const CONTENT_HASH: &str = \"{content_hash}\";

/// The spec this module's kernel implements.
pub const SPEC: ::qimeng_runtime::DecodeSpec = ::qimeng_runtime::DecodeSpec {{
    gpu: ::qimeng_runtime::Gpu::{gpu:?},
    dtype: ::qimeng_runtime::DType::{dtype:?},
    head_dim: {head_dim},
}};

unsafe fn raw(a: &::qimeng_runtime::DecodeArgs, stream: *mut ::core::ffi::c_void) -> i32 {{
{raw_body}
}}

/// The decode kernel for `{spec}`, compiled for {sm}.
// SAFETY: `raw` calls the launch function of this spec's cache entry, which follows decode_abi.h.
pub const KERNEL: ::qimeng_runtime::DecodeKernel =
    unsafe {{ ::qimeng_runtime::DecodeKernel::from_raw(SPEC, raw) }};
",
        gpu = spec.gpu,
        dtype = spec.dtype,
        head_dim = spec.head_dim,
        sm = spec.gpu_info().sm_arch(),
    );
    s
}

/// The wrapper module for `spec`.
pub fn wrapper(spec: &Spec, origin: &str, content_hash: &str, linkage: Linkage<'_>) -> String {
    let (mut s, raw_body) = module_head(
        &spec.to_string(),
        origin,
        linkage,
        "QimengAttnArgs",
        ABI_FIELDS,
        &spec.symbol(),
    );
    let info = spec.gpu_info();
    let _ = write!(
        s,
        "\
/// Content hash of the cache entry this kernel was compiled from.
pub const CONTENT_HASH: &str = \"{content_hash}\";

/// The spec this module's kernel implements.
pub const SPEC: ::qimeng_runtime::Spec = ::qimeng_runtime::Spec {{
    gpu: ::qimeng_runtime::Gpu::{gpu:?},
    dtype: ::qimeng_runtime::DType::{dtype:?},
    head_dim: {head_dim},
    causal: {causal},
    variants: ::qimeng_runtime::Variants {{
        window: {window},
        softcap: {softcap},
        alibi: {alibi},
        varlen: {varlen},
    }},
}};

unsafe fn raw(a: &::qimeng_runtime::LaunchArgs, stream: *mut ::core::ffi::c_void) -> i32 {{
{raw_body}
}}

/// The kernel for `{spec}`, compiled for {sm}.
// SAFETY: `raw` calls the launch function of this spec's cache entry, which follows abi.h.
pub const KERNEL: ::qimeng_runtime::AttentionKernel =
    unsafe {{ ::qimeng_runtime::AttentionKernel::from_raw(SPEC, raw) }};
",
        gpu = spec.gpu,
        dtype = spec.dtype,
        head_dim = spec.head_dim,
        causal = spec.causal,
        window = match spec.variants.window {
            Some(w) => format!(
                "::core::option::Option::Some(::qimeng_runtime::Window {{ left: {}, right: {} }})",
                w.left, w.right
            ),
            None => "::core::option::Option::None".into(),
        },
        softcap = match spec.variants.softcap {
            Some(c) => format!("::core::option::Option::Some({c})"),
            None => "::core::option::Option::None".into(),
        },
        alibi = spec.variants.alibi,
        varlen = spec.variants.varlen,
        sm = info.sm_arch(),
    );
    s
}

/// `registry.rs`: `pub static KERNELS: &[AttentionKernel]`, one per prefill spec of the build,
/// sorted, and `DECODE_KERNELS: &[DecodeKernel]` likewise, each with its content hashes.
pub fn registry(all: &[KernelSpec]) -> String {
    let specs: Vec<Spec> = all.iter().filter_map(KernelSpec::prefill).collect();
    let decode: Vec<DecodeSpec> = all.iter().filter_map(KernelSpec::decode).collect();
    let mut s = String::from("// @generated by qimeng-build. Do not edit.\n\n");
    for spec in &decode {
        let _ = writeln!(
            s,
            "#[allow(dead_code)]\nmod {} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/qimeng/{}\"));\n}}",
            spec.module_name(),
            spec.wrapper_file()
        );
    }
    s.push_str(
        "\n/// Every decode kernel this crate's build script compiled, sorted by spec.\n\
         pub static DECODE_KERNELS: &[::qimeng_runtime::DecodeKernel] = &[\n",
    );
    for spec in &decode {
        let _ = writeln!(s, "    {}::KERNEL,", spec.module_name());
    }
    s.push_str(
        "];\n\n/// Content hash of each kernel of [`DECODE_KERNELS`], in the same order.\n\
         pub static DECODE_CONTENT_HASHES: &[&str] = &[\n",
    );
    for spec in &decode {
        let _ = writeln!(s, "    {}::CONTENT_HASH,", spec.module_name());
    }
    s.push_str("];\n\n");
    for spec in &specs {
        let _ = writeln!(
            s,
            "#[allow(dead_code)]\nmod {} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/qimeng/{}\"));\n}}",
            spec.module_name(),
            spec.wrapper_file()
        );
    }
    s.push_str(
        "\n/// Every kernel this crate's build script compiled, sorted by spec.\n\
         pub static KERNELS: &[::qimeng_runtime::AttentionKernel] = &[\n",
    );
    for spec in &specs {
        let _ = writeln!(s, "    {}::KERNEL,", spec.module_name());
    }
    s.push_str(
        "];\n\n/// Content hash of the cache entry of each kernel of [`KERNELS`], in the same order.\n\
         pub static CONTENT_HASHES: &[&str] = &[\n",
    );
    for spec in &specs {
        let _ = writeln!(s, "    {}::CONTENT_HASH,", spec.module_name());
    }
    s.push_str("];\n");
    s
}

/// Writes `text` to `path` unless it already holds exactly that, so an unchanged build leaves
/// file times alone.
pub fn write_if_changed(path: &Path, text: &str) -> Result<(), Error> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// The start of a wrapper module (the `@generated` line and, when compiled, the bindgen `ffi`
/// module) and the body of its `raw` function: the args struct `args_struct` of the entry's
/// header filled field by field from the runtime's mirror `a` (so a drifting header fails to
/// compile), then the call of `symbol`.
fn module_head(
    spec: &str,
    origin: &str,
    linkage: Linkage<'_>,
    args_struct: &str,
    fields: &[&str],
    symbol: &str,
) -> (String, String) {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// @generated by qimeng-build for `{spec}` from {origin}. Do not edit.\n"
    );
    let raw_body = match linkage {
        Linkage::Compiled { bindings } => {
            let _ = writeln!(
                s,
                "#[allow(non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, \
                 unsafe_op_in_unsafe_fn, clippy::all)]\nmod ffi {{\n{bindings}\n}}\n"
            );
            let mut init = String::new();
            for f in fields {
                let _ = writeln!(init, "        {f}: a.{f},");
            }
            format!(
                "    let args = ffi::{args_struct} {{\n{init}    }};\n    \
                 // SAFETY: the runtime validated every field against the spec before this call.\n    \
                 unsafe {{ ffi::{symbol}(&args, stream) }}"
            )
        }
        Linkage::Documentation => "    let _ = (a, stream);\n    \
             98 // cudaErrorInvalidDeviceFunction: built without nvcc (docs.rs)"
            .to_string(),
    };
    (s, raw_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_fields_match_the_header() {
        let header = fs::read_to_string(crate::cache::include_dir().join("qimeng/abi.h")).unwrap();
        let body = header
            .split("typedef struct QimengAttnArgs {")
            .nth(1)
            .and_then(|b| b.split('}').next())
            .unwrap();
        let fields: Vec<&str> = body
            .lines()
            .filter_map(|l| l.trim().strip_suffix(';'))
            .map(|decl| decl.rsplit([' ', '*']).next().unwrap())
            .collect();
        assert_eq!(fields, ABI_FIELDS);
    }

    #[test]
    fn decode_abi_fields_match_the_header() {
        let header =
            fs::read_to_string(crate::cache::include_dir().join("qimeng/decode_abi.h")).unwrap();
        let body = header
            .split("typedef struct QimengDecodeArgs {")
            .nth(1)
            .and_then(|b| b.split('}').next())
            .unwrap();
        let fields: Vec<&str> = body
            .lines()
            .filter_map(|l| l.trim().strip_suffix(';'))
            .map(|decl| decl.rsplit([' ', '*']).next().unwrap())
            .collect();
        assert_eq!(fields, DECODE_ABI_FIELDS);
    }

    /// The split heuristic's tile facts (qimeng-spec's `DecodeSpec::tile_keys` and
    /// `blocks_per_sm`) are those of each decode entry's kernel.cu.
    #[test]
    fn decode_tiles_match_each_entry() {
        let dir = crate::cache::bundled_dir();
        let mut checked = 0;
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let Some(spec) = qimeng_spec::DecodeSpec::from_key(&name) else {
                continue;
            };
            let cu = fs::read_to_string(e.path().join("kernel.cu")).unwrap();
            let constant = |name: &str| -> u32 {
                let at = cu.find(&format!("{name} = ")).unwrap() + name.len() + 3;
                cu[at..].split(';').next().unwrap().trim().parse().unwrap()
            };
            assert_eq!(constant("kBlockN"), spec.tile_keys(), "{name}");
            assert_eq!(constant("kMinBlocksPerSm"), spec.blocks_per_sm(), "{name}");
            assert_eq!(constant("kHeadDim"), spec.head_dim, "{name}");
            checked += 1;
        }
        assert!(checked >= 12, "{checked}");
    }

    #[test]
    fn decode_wrappers_and_registry() {
        let spec = KernelSpec::from_key("dec-h100-bf16-d128").unwrap();
        let text = kernel_wrapper(&spec, "test", "sha256:0", Linkage::Documentation);
        assert!(
            text.contains("pub const KERNEL: ::qimeng_runtime::DecodeKernel ="),
            "{text}"
        );
        assert!(text.contains("head_dim: 128,"));
        let prefill = KernelSpec::from_key("fwd-t4-f16-d64-full").unwrap();
        let reg = registry(&[prefill, spec]);
        assert!(reg.contains("    __qimeng_dec_h100_bf16_d128::KERNEL,"));
        let decode_list = reg.split("DECODE_KERNELS").nth(1).unwrap();
        assert!(!decode_list.split("];").next().unwrap().contains("fwd_t4"));
    }

    #[test]
    fn wrapper_spells_the_variants() {
        let spec = Spec::from_key("fwd-h100-bf16-d128-causal-w1024_0-softcap50").unwrap();
        let text = wrapper(&spec, "test", "sha256:0", Linkage::Documentation);
        assert!(text.contains(
            "window: ::core::option::Option::Some(::qimeng_runtime::Window { left: 1024, right: 0 }),"
        ));
        assert!(text.contains("softcap: ::core::option::Option::Some(50),"));
        let plain = wrapper(
            &Spec::from_key("fwd-t4-f16-d64-full").unwrap(),
            "test",
            "sha256:0",
            Linkage::Documentation,
        );
        assert!(plain.contains("window: ::core::option::Option::None,"));
    }

    #[test]
    fn registry_lists_each_spec() {
        let spec = Spec::from_key("fwd-t4-f16-d64-full").unwrap();
        let text = registry(&[spec.into()]);
        assert!(text.contains("mod __qimeng_fwd_t4_f16_d64_full {"));
        assert!(text.contains("/qimeng/fwd-t4-f16-d64-full.rs"));
        assert!(text.contains("    __qimeng_fwd_t4_f16_d64_full::KERNEL,"));
    }
}
