//! `#[flash_attention]`: a FlashAttention forward kernel for one spec, as a typed Rust function.
//!
//! # Example
//!
//! ```ignore
//! use qimeng_runtime::{bf16, Stream, Tensor, TensorMut};
//!
//! #[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128, causal = true)]
//! pub fn attention(
//!     q: &Tensor<bf16>,
//!     k: &Tensor<bf16>,
//!     v: &Tensor<bf16>,
//!     out: &mut TensorMut<bf16>,
//!     stream: &Stream,
//! ) -> qimeng_runtime::Result<()>;
//! ```
//!
//! with, in `Cargo.toml` and `build.rs`:
//!
//! ```toml
//! [build-dependencies]
//! qimeng-build = "0.1"
//! ```
//!
//! ```ignore
//! fn main() { qimeng_build::Builder::new().build(); }
//! ```
//!
//! The build script finds the attribute by scanning `src/`, provides the kernel for its spec
//! (from the cache, or generated) and writes a wrapper to `$OUT_DIR`; the attribute checks the
//! declaration and gives it a body that calls that wrapper. It never builds anything itself.
//!
//! # The attribute
//!
//! | key        | value   | default  | meaning |
//! |------------|---------|----------|---------|
//! | `gpu`      | string  | required | target card, a name of [`qimeng_spec::GPUS`] such as `"h100"` (any case) |
//! | `dtype`    | string  | required | element type of q, k, v and out: `"f16"`, `"bf16"` or `"f32"` |
//! | `head_dim` | integer | required | size of each head's vectors, one of [`qimeng_spec::HEAD_DIMS`] |
//! | `causal`   | bool    | `false`  | causal masking, aligned to the bottom-right corner when `seqlen_q != seqlen_k` |
//! | `window`   | `(left, right)` | none | sliding window: query `i` sees keys `i' - left ..= i' + right`, `i' = i + seqlen_k - seqlen_q`; with `causal = true`, `right` must be 0 |
//! | `softcap`  | number  | none     | logits become `c * tanh(s / c)` before masking (a whole number `c`) |
//! | `alibi`    | bool    | `false`  | ALiBi bias `-slope_h * \|i + seqlen_k - seqlen_q - j\|`, slopes passed per call (below); not with `softcap` |
//! | `varlen`   | bool    | `false`  | packed variable-length sequences: q and out `[1, total_q, heads_q, head_dim]`, k and v `[1, total_k, heads_kv, head_dim]`, offsets passed per call (below) |
//! | `mode`     | string  | `"prefill"` | `"decode"` for the decode kernels (below) |
//!
//! The grammar is [`qimeng_spec::Request::from_args`] (prefill: [`qimeng_spec::Spec::from_args`]),
//! shared with the build script.
//!
//! # Decode: `mode = "decode"`
//!
//! A few new tokens per sequence (1 to 8) against a key/value cache, split-KV, GQA up to
//! `seqlen_q * heads_q / heads_kv <= 64`. Keys: `gpu`, `dtype` (`"f16"` or `"bf16"`),
//! `head_dim` (64 or 128), `causal` (bottom-right among the new tokens), `paged` (default
//! false) and `lse` (default false). The block size of a paged cache is *not* an attribute: it
//! is the second dimension of the k and v pools, read at each launch (`block_size = ..` is an
//! error that says so). The declaration, by position:
//!
//! ```ignore
//! #[qimeng_macros::flash_attention(mode = "decode", gpu = "h100", dtype = "bf16",
//!                                  head_dim = 128, paged = true, lse = true)]
//! pub fn decode(
//!     q: &Tensor<bf16>,                 // [batch, seqlen_q, heads_q, head_dim]
//!     k_pool: &Tensor<bf16>,            // [num_blocks, block_size, heads_kv, head_dim]
//!     v_pool: &Tensor<bf16>,
//!     block_table: &[i32],              // [batch, blocks_per_seq] (only with paged = true)
//!     cache_seqlens: &[i32],            // [batch]
//!     out: &mut TensorMut<bf16>,
//!     lse: &mut DeviceBuffer<f32>,      // [batch, heads_q, seqlen_q] (only with lse = true)
//!     workspace: &mut DecodeWorkspace,  // reused across calls: split-KV scratch, tables
//!     stream: &Stream,
//! ) -> qimeng_runtime::Result<()>;
//! ```
//!
//! with an optional `f32` / `Option<f32>` scale before the workspace; without `paged` the k
//! and v tensors are `[batch, capacity, heads_kv, head_dim]`. A declaration that lacks what the
//! attribute asks for (the block table, the cache lengths, the lse output, the workspace) is an
//! error naming it. The body calls `qimeng_runtime::DecodeKernel::run`, which checks the host
//! block table (entries inside the pool) and the lengths (at most the blocks' capacity) before
//! uploading them.
//!
//! # The declaration
//!
//! A function without a body, its parameters by position (the names are free):
//!
//! | # | parameter | type |
//! |---|-----------|------|
//! | 1, 2, 3 | q, k, v | `&Tensor<T>` |
//! | 4 | out | `&mut TensorMut<T>` |
//! | with `varlen = true` | cu_seqlens_q, cu_seqlens_k | `&[i32]`: `batch + 1` row offsets of each sequence in q (k), from 0, non-decreasing, ending at the token count |
//! | with `varlen = true` | max_seqlen_q, max_seqlen_k | `usize`: at least the longest query (key) length |
//! | with `alibi = true` | alibi_slopes | `&DeviceBuffer<f32>`: `[heads_q]` or `[batch, heads_q]` |
//! | optional | softmax scale | `f32`, or `Option<f32>` where `None` means `1/sqrt(head_dim)` |
//! | last | stream | `&Stream` |
//!
//! in this order: the varlen parameters, then the slopes, then the scale, each only where the
//! attribute asks for it (`window` and `softcap` add none).
//!
//! `T` is the `dtype`: `bf16`, `f16` (from `half`, re-exported by `qimeng_runtime`) or `f32`.
//! Types are recognised by their last path segment, so `qimeng_runtime::Tensor<'_, half::bf16>`
//! is fine. The function must have a return type, normally `qimeng_runtime::Result<()>`, and
//! cannot be generic (lifetimes aside), `async`, `const`, `unsafe` or take `self`.
//!
//! # Expansion
//!
//! ```ignore
//! pub fn attention(q: &Tensor<bf16>, /* ... */ stream: &Stream) -> qimeng_runtime::Result<()> {
//!     #[allow(dead_code)] // the wrapper has items for other includers
//!     mod __qimeng_fwd_h100_bf16_d128_causal {
//!         include!(concat!(env!("OUT_DIR"), "/qimeng/", "fwd-h100-bf16-d128-causal.rs"));
//!     }
//!     __qimeng_fwd_h100_bf16_d128_causal::KERNEL.run(q, k, v, out, None, stream)
//! }
//! ```
//!
//! The scale argument is `None` without a scale parameter, `Some(scale)` for an `f32` and
//! `scale` itself for an `Option<f32>`.
//!
//! # Errors
//!
//! Every problem is reported at once, each at the token it is about: unknown, repeated or
//! missing keys, values of the wrong kind, an unknown GPU (with the list of known ones), an
//! unsupported head dim, tensors whose element type is not `dtype`, and any parameter,
//! reference kind or qualifier that does not fit the table above. Once the source is valid,
//! a crate without a build script, or one whose build script did not provide the kernel, gets
//! an error at the attribute that says what to add or why the kernel is missing.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::path::PathBuf;

mod args;
mod build_output;
mod decode;
mod expand;
mod signature;

/// Turns a bodyless function declaration into a call of the FlashAttention kernel for the
/// spec `gpu = "..", dtype = "..", head_dim = .., causal = ..`. See the [crate docs](crate).
#[proc_macro_attribute]
pub fn flash_attention(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    expand::expand(attr.into(), item.into(), out_dir.as_deref())
        .into_tokens()
        .into()
}

#[cfg(test)]
mod tests {
    //! Helpers shared by the unit tests of every module.

    use syn::Error;

    /// The messages of `errors`, in order.
    pub(crate) fn messages(errors: &[Error]) -> Vec<String> {
        errors.iter().map(Error::to_string).collect()
    }

    /// `(source text under the span, message)` of each error; the tokens must come from
    /// parsing a string, so that their spans have source text.
    pub(crate) fn spanned(errors: &[Error]) -> Vec<(String, String)> {
        errors
            .iter()
            .map(|e| {
                let text = e
                    .span()
                    .source_text()
                    .unwrap_or_else(|| "<no source>".into());
                (text, e.to_string())
            })
            .collect()
    }
}
