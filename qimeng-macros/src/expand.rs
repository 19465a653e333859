//! From the attribute and the item to the tokens that replace them.

use std::path::Path;

use proc_macro2::{Span, TokenStream};
use qimeng_spec::{KernelSpec, Request, Spec};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Ident, ReturnType};

use crate::args;
use crate::build_output;
use crate::decode;
use crate::signature::{self, Decl, Params, Scale};

/// The macro's answer: the tokens to emit and the errors to report with them.
pub(crate) struct Expansion {
    /// The wrapper function, or after an error a stand-in with the user's signature so that
    /// callers do not pile "cannot find function" errors on top.
    pub(crate) item: TokenStream,
    /// Every problem found, in the order the user reads them: attribute, then declaration,
    /// then what the build script provided.
    pub(crate) errors: Vec<Error>,
}

impl Expansion {
    /// The item and one `compile_error!` per error.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut tokens = self.item;
        tokens.extend(self.errors.iter().map(Error::to_compile_error));
        tokens
    }
}

/// Expands `#[flash_attention(#attr)] #item`, with `out_dir` standing for `$OUT_DIR`.
///
/// The build script's output is looked at only once the attribute and the declaration are
/// valid: a problem in the source is the one to fix first, and without a valid spec there is
/// no file name to look for.
pub(crate) fn expand(attr: TokenStream, item: TokenStream, out_dir: Option<&Path>) -> Expansion {
    let mut errors = Vec::new();
    // Whether the attribute asks for decode, even when it has errors: then the declaration is
    // not held to the prefill calling convention.
    let decode_mode = attr
        .to_string()
        .split_whitespace()
        .collect::<String>()
        .contains("mode=\"decode\"");
    let request = args::parse_request(attr).map_err(|e| errors.extend(e)).ok();
    let spec = match request {
        Some(Request::Decode(req)) => return expand_decode(req, item, out_dir, errors),
        Some(Request::Prefill(spec)) => Some(spec),
        None if decode_mode => {
            return match Decl::parse_item(item.clone()) {
                Ok(decl) => Expansion {
                    item: stand_in(&decl),
                    errors,
                },
                Err(e) => {
                    errors.push(e);
                    Expansion { item, errors }
                }
            };
        }
        None => None,
    };
    let decl = match Decl::parse_item(item.clone()) {
        Ok(decl) => decl,
        Err(e) => {
            errors.push(e);
            // Not a function: rustc parsed it as an item, so it can stay as written.
            return Expansion { item, errors };
        }
    };
    let params = match spec {
        Some(s) => signature::check(&decl, Some(s.dtype), s.variants)
            .map_err(|e| errors.extend(e))
            .ok(),
        None => {
            // The attribute is invalid, so which variants (and so which extra parameters) it
            // meant is unknown: report the signature only if it fits none of them, with the
            // plain convention's errors, not a second error about parameters the attribute
            // may well ask for.
            let any_fits = variant_choices()
                .into_iter()
                .any(|v| signature::check(&decl, None, v).is_ok());
            if !any_fits {
                let _ = signature::check(&decl, None, qimeng_spec::Variants::NONE)
                    .map_err(|e| errors.extend(e));
            }
            None
        }
    };
    if let (Some(spec), Some(params), true) = (spec, params, errors.is_empty()) {
        match build_output::check(&KernelSpec::Prefill(spec), out_dir) {
            Ok(()) => {
                return Expansion {
                    item: wrapper(&spec, &decl, &params),
                    errors,
                };
            }
            Err(e) => errors.push(e),
        }
    }
    Expansion {
        item: stand_in(&decl),
        errors,
    }
}

/// As [`expand`], for a valid `mode = "decode"` attribute.
fn expand_decode(
    req: qimeng_spec::DecodeRequest,
    item: TokenStream,
    out_dir: Option<&Path>,
    mut errors: Vec<Error>,
) -> Expansion {
    let decl = match Decl::parse_item(item.clone()) {
        Ok(decl) => decl,
        Err(e) => {
            errors.push(e);
            return Expansion { item, errors };
        }
    };
    match decode::check(&decl, &req) {
        Ok(params) => match build_output::check(&KernelSpec::Decode(req.spec), out_dir) {
            Ok(()) => {
                return Expansion {
                    item: decode::wrapper(&req, &decl, &params),
                    errors,
                };
            }
            Err(e) => errors.push(e),
        },
        Err(e) => errors.extend(e),
    }
    Expansion {
        item: stand_in(&decl),
        errors,
    }
}

/// Every combination of the variants that change the signature (ALiBi slopes, varlen offsets).
fn variant_choices() -> Vec<qimeng_spec::Variants> {
    let none = qimeng_spec::Variants::NONE;
    [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .map(|(alibi, varlen)| qimeng_spec::Variants {
            alibi,
            varlen,
            ..none
        })
        .collect()
}

/// The function, its body the call into the kernel the build script emitted.
fn wrapper(spec: &Spec, decl: &Decl, params: &Params) -> TokenStream {
    let Decl {
        attrs, vis, sig, ..
    } = decl;
    let module = Ident::new(&spec.module_name(), Span::call_site());
    let wrapper_file = spec.wrapper_file();
    let Params {
        q,
        k,
        v,
        out,
        scale,
        stream,
        varlen,
        alibi,
    } = params;
    let scale = match scale {
        Scale::Default => quote!(::core::option::Option::None),
        Scale::Given(scale) => quote!(::core::option::Option::Some(#scale)),
        Scale::Optional(scale) => quote!(#scale),
    };
    // The call, module path included, is spanned at the return type: a return type that the
    // launch's `qimeng_runtime::Result<()>` does not fit is then reported on it, not on the
    // attribute.
    let ret = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let module_at_ret = Ident::new(&spec.module_name(), ret);
    let call = if varlen.is_none() && alibi.is_none() {
        quote_spanned! {ret=>
            #module_at_ret::KERNEL.run(#q, #k, #v, #out, #scale, #stream)
        }
    } else {
        let varlen = match varlen {
            Some([cu_q, cu_k, max_q, max_k]) => quote! {
                ::core::option::Option::Some(::qimeng_runtime::Varlen {
                    cu_seqlens_q: #cu_q,
                    cu_seqlens_k: #cu_k,
                    max_seqlen_q: #max_q,
                    max_seqlen_k: #max_k,
                })
            },
            None => quote!(::core::option::Option::None),
        };
        let alibi = match alibi {
            Some(slopes) => quote!(::core::option::Option::Some(#slopes)),
            None => quote!(::core::option::Option::None),
        };
        quote_spanned! {ret=>
            #module_at_ret::KERNEL.run_with(
                #q, #k, #v, #out,
                ::qimeng_runtime::Extras { alibi_slopes: #alibi, varlen: #varlen },
                #scale, #stream,
            )
        }
    };
    // The wrapper also defines items for other includers (`CONTENT_HASH`, for the build's
    // registry), unused here.
    quote! {
        #(#attrs)*
        #vis #sig {
            #[allow(dead_code)]
            mod #module {
                ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/qimeng/", #wrapper_file));
            }
            #call
        }
    }
}

/// After an error: the user's function with a body that is never run (the crate does not
/// compile), so that only the real errors are reported.
///
/// The qualifiers already reported are dropped, since rustc has errors of its own for some
/// (`const async`, elided lifetimes in an `async fn`, a variadic Rust function).
fn stand_in(decl: &Decl) -> TokenStream {
    let Decl {
        attrs, vis, sig, ..
    } = decl;
    let mut sig = sig.clone();
    sig.constness = None;
    sig.asyncness = None;
    sig.abi = None;
    sig.variadic = None;
    quote! {
        #(#attrs)*
        #[allow(unused_variables)]
        #vis #sig {
            ::core::unreachable!()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::messages;
    use std::fs;
    use std::path::PathBuf;

    const ATTR: &str = r#"gpu = "h100", dtype = "bf16", head_dim = 128, causal = true"#;
    const ITEM: &str = "#[doc = \"Attention.\"] pub fn attention(q: &Tensor<bf16>, \
                        k: &Tensor<bf16>, v: &Tensor<bf16>, out: &mut TensorMut<bf16>, \
                        stream: &Stream) -> qimeng_runtime::Result<()>;";

    fn run(attr: &str, item: &str, out_dir: Option<&Path>) -> Expansion {
        expand(attr.parse().unwrap(), item.parse().unwrap(), out_dir)
    }

    /// An `$OUT_DIR` holding the wrapper for `ATTR`'s spec.
    fn out_dir_with_wrapper(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "qimeng-macros-expand-{}-{name}",
            std::process::id()
        ));
        let qimeng = dir.join("qimeng");
        fs::create_dir_all(&qimeng).unwrap();
        fs::write(qimeng.join("fwd-h100-bf16-d128-causal.rs"), "").unwrap();
        dir
    }

    fn normalized(tokens: TokenStream) -> String {
        tokens
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn valid_source_expands_to_the_kernel_call() {
        let dir = out_dir_with_wrapper("valid");
        let e = run(ATTR, ITEM, Some(&dir));
        assert!(e.errors.is_empty(), "{:?}", messages(&e.errors));
        let expected = quote! {
            #[doc = "Attention."]
            pub fn attention(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>,
                             out: &mut TensorMut<bf16>, stream: &Stream)
                -> qimeng_runtime::Result<()> {
                #[allow(dead_code)]
                mod __qimeng_fwd_h100_bf16_d128_causal {
                    ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/qimeng/",
                                                     "fwd-h100-bf16-d128-causal.rs"));
                }
                __qimeng_fwd_h100_bf16_d128_causal::KERNEL.run(
                    q, k, v, out, ::core::option::Option::None, stream)
            }
        };
        assert_eq!(normalized(e.into_tokens()), normalized(expected));
    }

    #[test]
    fn the_scale_is_forwarded() {
        let dir = out_dir_with_wrapper("scale");
        let item = |ty: &str| {
            ITEM.replace(
                "stream: &Stream",
                &format!("softmax_scale: {ty}, stream: &Stream"),
            )
        };
        let given = normalized(run(ATTR, &item("f32"), Some(&dir)).into_tokens());
        assert!(
            given.contains("out , :: core :: option :: Option :: Some (softmax_scale) , stream)"),
            "{given}"
        );
        let optional = normalized(run(ATTR, &item("Option<f32>"), Some(&dir)).into_tokens());
        assert!(
            optional.contains("out , softmax_scale , stream)"),
            "{optional}"
        );
    }

    #[test]
    fn attribute_and_declaration_errors_are_reported_together() {
        let e = run(
            r#"gpu = "v100", dtype = "bf16", head_dim = 128"#,
            &ITEM.replace(" -> qimeng_runtime::Result<()>", ""),
            None,
        );
        let msgs = messages(&e.errors);
        assert_eq!(msgs.len(), 2, "{msgs:#?}");
        assert!(msgs[0].starts_with("unknown gpu \"v100\""));
        assert!(msgs[1].starts_with("missing return type"));
        // The build script is not consulted while the source is wrong.
        assert!(!msgs.iter().any(|m| m.contains("build script")));
    }

    #[test]
    fn a_stand_in_keeps_the_signature_after_errors() {
        let e = run(ATTR, ITEM, None);
        assert_eq!(e.errors.len(), 1);
        assert!(e.errors[0].to_string().contains("no build script"));
        let tokens = normalized(e.into_tokens());
        assert!(tokens.contains("pub fn attention ("), "{tokens}");
        assert!(tokens.contains(":: core :: unreachable ! ()"), "{tokens}");
        assert!(tokens.contains("compile_error !"), "{tokens}");
    }

    #[test]
    fn the_stand_in_drops_the_qualifiers_already_reported() {
        let item = ITEM.replace("pub fn", "pub const async unsafe extern \"C\" fn");
        let e = run(ATTR, &item, None);
        assert_eq!(e.errors.len(), 4, "{:?}", messages(&e.errors));
        let tokens = normalized(e.item);
        assert!(tokens.contains("pub unsafe fn attention ("), "{tokens}");
    }

    #[test]
    fn a_missing_wrapper_is_reported_at_the_attribute() {
        let dir =
            std::env::temp_dir().join(format!("qimeng-macros-expand-{}-empty", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let e = run(ATTR, ITEM, Some(&dir));
        let msgs = messages(&e.errors);
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].contains("(key `fwd-h100-bf16-d128-causal`)"));
    }

    #[test]
    fn a_non_function_item_is_reported_with_the_attribute_errors() {
        let e = run("gpu = 1", "struct S;", None);
        let msgs = messages(&e.errors);
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(msgs[3].contains("applies to a function declaration"));
        assert_eq!(e.item.to_string(), "struct S ;");
    }
}
