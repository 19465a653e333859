//! `mode = "decode"`: the declaration a decode kernel is called through, checked, and its body.
//!
//! Parameters by position (names free):
//!
//! | parameter | type | when |
//! |---|---|---|
//! | q, k, v | `&Tensor<T>` | always (k, v: the cache, or the pools when paged) |
//! | block_table | `&[i32]` | `paged = true` |
//! | cache_seqlens | `&[i32]` | always |
//! | out | `&mut TensorMut<T>` | always |
//! | lse | `&mut DeviceBuffer<f32>` | `lse = true` |
//! | scale | `f32` or `Option<f32>` | optional |
//! | workspace | `&mut DecodeWorkspace` | always |
//! | stream | `&Stream` | always |

use proc_macro2::{Span, TokenStream};
use qimeng_spec::DecodeRequest;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Ident, PatType, ReturnType, Type};

use crate::signature::{
    Decl, Role, Scale, binding, check_common, check_scale, check_stream, check_tensor, is_named,
    peel, type_argument,
};

/// What each parameter position is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Q,
    K,
    V,
    Table,
    Lens,
    Out,
    Lse,
    Scale,
    Workspace,
    Stream,
}

/// The names to forward.
#[derive(Debug)]
pub(crate) struct DecodeParams {
    names: Vec<(Slot, Ident)>,
    scale: Scale,
}

/// The slot a parameter's type says it is, for naming what is missing.
fn classify(ty: &Type) -> Option<Slot> {
    let Type::Reference(r) = peel(ty) else {
        return (is_named(ty, "f32") || type_argument(ty, "Option").is_some())
            .then_some(Slot::Scale);
    };
    let elem = &*r.elem;
    if let Type::Slice(_) = peel(elem) {
        return Some(Slot::Lens);
    }
    if type_argument(elem, "DeviceBuffer").is_some() {
        return Some(Slot::Lse);
    }
    if is_named(elem, "DecodeWorkspace") {
        return Some(Slot::Workspace);
    }
    if is_named(elem, "Stream") {
        return Some(Slot::Stream);
    }
    if type_argument(elem, "TensorMut").is_some() {
        return Some(Slot::Out);
    }
    type_argument(elem, "Tensor").map(|_| Slot::Q)
}

/// Checks the declaration against what the request needs; every problem spanned.
pub(crate) fn check(decl: &Decl, req: &DecodeRequest) -> Result<DecodeParams, Vec<Error>> {
    let (mut errors, typed) = check_common(decl);
    let dtype = Some(req.spec.dtype);
    let elem = req.spec.dtype.rust_type();
    let slices = typed
        .iter()
        .filter(|a| classify(&a.ty) == Some(Slot::Lens))
        .count();
    let has = |slot| typed.iter().any(|a| classify(&a.ty) == Some(slot));
    let name = decl.sig.ident.span();

    // What the mode needs and the declaration lacks (or has without asking), said first.
    let mut missing = Vec::new();
    if req.paged && slices < 2 {
        missing.push(format!(
            "`paged = true` needs the block table, `block_table: &[i32]` (`[batch, \
             blocks_per_seq]`, row-major), before the cache lengths{}",
            if slices == 0 {
                ", and the cache lengths, `cache_seqlens: &[i32]`"
            } else {
                ""
            }
        ));
    } else if slices == 0 {
        missing.push(
            "a decode kernel needs the cache lengths, `cache_seqlens: &[i32]` (keys per \
             sequence), after v"
                .into(),
        );
    }
    if req.lse && !has(Slot::Lse) {
        missing.push(format!(
            "`lse = true` needs the log-sum-exp output, `lse: &mut DeviceBuffer<f32>` \
             (`[batch, heads_q, seqlen_q]`), after `out: &mut TensorMut<{elem}>`"
        ));
    }
    if !has(Slot::Workspace) {
        missing.push(
            "a decode kernel needs its reusable workspace, `workspace: &mut DecodeWorkspace`, \
             before the stream"
                .into(),
        );
    }
    for m in missing {
        errors.push(Error::new(name, m));
    }
    let mut extra_slice = !req.paged && slices > 1;
    for a in &typed {
        match classify(&a.ty) {
            Some(Slot::Lens) if std::mem::take(&mut extra_slice) => {
                errors.push(Error::new_spanned(
                    &a.ty,
                    "a contiguous cache takes one `&[i32]` (the cache lengths); for a block table \
                 add `paged = true` to the attribute",
                ))
            }
            Some(Slot::Lse) if !req.lse => errors.push(Error::new_spanned(
                &a.ty,
                "an lse output without `lse = true`: add `lse = true` to the attribute, or \
                 remove this parameter",
            )),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Then each position against its type.
    let mut slots = vec![Slot::Q, Slot::K, Slot::V];
    if req.paged {
        slots.push(Slot::Table);
    }
    slots.extend([Slot::Lens, Slot::Out]);
    if req.lse {
        slots.push(Slot::Lse);
    }
    let with_scale = typed.len() == slots.len() + 3;
    if with_scale {
        slots.push(Slot::Scale);
    }
    slots.extend([Slot::Workspace, Slot::Stream]);
    if typed.len() != slots.len() {
        let list: Vec<String> = slots
            .iter()
            .filter(|s| **s != Slot::Scale)
            .map(|s| describe(*s, elem))
            .collect();
        errors.push(Error::new(
            name,
            format!(
                "expected {} parameters, `({})`, with an optional softmax scale (`f32` or \
                 `Option<f32>`) before the workspace; found {}",
                list.len(),
                list.join(", "),
                typed.len()
            ),
        ));
        return Err(errors);
    }
    let mut names = Vec::new();
    let mut scale = Scale::Default;
    for (i, (arg, &slot)) in typed.iter().zip(&slots).enumerate() {
        let n = i + 1;
        let ident = binding(&arg.pat).map_err(|e| errors.push(e)).ok();
        let checked = match slot {
            Slot::Q => check_tensor(&arg.ty, n, Role::Q, dtype),
            Slot::K => check_tensor(&arg.ty, n, Role::K, dtype),
            Slot::V => check_tensor(&arg.ty, n, Role::V, dtype),
            Slot::Out => check_tensor(&arg.ty, n, Role::Out, dtype),
            Slot::Stream => check_stream(&arg.ty, n),
            Slot::Scale => check_scale(&arg.ty, n).map(|optional| {
                if let Some(id) = &ident {
                    scale = if optional {
                        Scale::Optional(id.clone())
                    } else {
                        Scale::Given(id.clone())
                    };
                }
            }),
            other => check_other(arg, n, other, elem),
        };
        if let Err(e) = checked {
            errors.push(e);
        }
        if let (Some(id), true) = (ident, slot != Slot::Scale) {
            names.push((slot, id));
        }
    }
    if errors.is_empty() {
        Ok(DecodeParams { names, scale })
    } else {
        Err(errors)
    }
}

/// How a slot is written, for messages.
fn describe(slot: Slot, elem: &str) -> String {
    match slot {
        Slot::Q => format!("q: &Tensor<{elem}>"),
        Slot::K => format!("k: &Tensor<{elem}>"),
        Slot::V => format!("v: &Tensor<{elem}>"),
        Slot::Table => "block_table: &[i32]".into(),
        Slot::Lens => "cache_seqlens: &[i32]".into(),
        Slot::Out => format!("out: &mut TensorMut<{elem}>"),
        Slot::Lse => "lse: &mut DeviceBuffer<f32>".into(),
        Slot::Scale => "scale: f32".into(),
        Slot::Workspace => "workspace: &mut DecodeWorkspace".into(),
        Slot::Stream => "stream: &Stream".into(),
    }
}

/// Checks the block table, lengths, lse and workspace positions.
fn check_other(arg: &PatType, n: usize, slot: Slot, elem: &str) -> Result<(), Error> {
    let want = describe(slot, elem);
    let want_ty = want.split_once(": ").map_or(want.as_str(), |p| p.1);
    let bad = || {
        Error::new_spanned(
            &arg.ty,
            format!("parameter {n} must be `{want_ty}` (`{want}`)"),
        )
    };
    let Type::Reference(r) = peel(&arg.ty) else {
        return Err(bad());
    };
    let mutable = r.mutability.is_some();
    let ok = match slot {
        Slot::Table | Slot::Lens => {
            !mutable && matches!(peel(&r.elem), Type::Slice(s) if is_named(&s.elem, "i32"))
        }
        Slot::Lse => {
            mutable && type_argument(&r.elem, "DeviceBuffer").is_some_and(|t| is_named(t, "f32"))
        }
        Slot::Workspace => mutable && is_named(&r.elem, "DecodeWorkspace"),
        _ => true,
    };
    if ok { Ok(()) } else { Err(bad()) }
}

/// The function, its body the call into the decode kernel the build script emitted.
pub(crate) fn wrapper(req: &DecodeRequest, decl: &Decl, params: &DecodeParams) -> TokenStream {
    let Decl {
        attrs, vis, sig, ..
    } = decl;
    let spec = req.spec;
    let module = Ident::new(&spec.module_name(), Span::call_site());
    let wrapper_file = spec.wrapper_file();
    let get = |slot: Slot| {
        params
            .names
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, id)| quote!(#id))
    };
    let (q, k, v, lens, out, ws, stream) = (
        get(Slot::Q),
        get(Slot::K),
        get(Slot::V),
        get(Slot::Lens),
        get(Slot::Out),
        get(Slot::Workspace),
        get(Slot::Stream),
    );
    let cache = match get(Slot::Table) {
        Some(table) => quote!(::qimeng_runtime::KvCache::paged(#k, #v, #table, #lens)),
        None => quote!(::qimeng_runtime::KvCache::contiguous(
            #k, #v, ::core::option::Option::Some(#lens)
        )),
    };
    let lse = match get(Slot::Lse) {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    };
    let scale = match &params.scale {
        Scale::Default => quote!(::core::option::Option::None),
        Scale::Given(s) => quote!(::core::option::Option::Some(#s)),
        Scale::Optional(s) => quote!(#s),
    };
    let causal = req.causal;
    let ret = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let module_at_ret = Ident::new(&spec.module_name(), ret);
    let call = quote_spanned! {ret=>
        #module_at_ret::KERNEL.run(#ws, #q, #cache, #out, #lse, #causal, #scale, #stream)
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::messages;
    use qimeng_spec::{DType, DecodeSpec, Gpu};

    fn req(paged: bool, lse: bool) -> DecodeRequest {
        DecodeRequest {
            spec: DecodeSpec {
                gpu: Gpu::H100,
                dtype: DType::Bf16,
                head_dim: 128,
            },
            causal: true,
            paged,
            lse,
        }
    }

    fn run(item: &str, r: &DecodeRequest) -> Result<DecodeParams, Vec<Error>> {
        check(&Decl::parse_item(item.parse().unwrap()).unwrap(), r)
    }

    const PAGED_LSE: &str = "pub fn decode(q: &Tensor<bf16>, k: &Tensor<bf16>, \
        v: &Tensor<bf16>, block_table: &[i32], cache_seqlens: &[i32], \
        out: &mut TensorMut<bf16>, lse: &mut DeviceBuffer<f32>, \
        workspace: &mut DecodeWorkspace, stream: &Stream) -> qimeng_runtime::Result<()>;";

    #[test]
    fn a_paged_lse_declaration_expands() {
        let r = req(true, true);
        let decl = Decl::parse_item(PAGED_LSE.parse().unwrap()).unwrap();
        let p = check(&decl, &r).unwrap();
        let text = wrapper(&r, &decl, &p).to_string();
        assert!(
            text.contains("KvCache :: paged (k , v , block_table , cache_seqlens)"),
            "{text}"
        );
        assert!(text.contains("Some (lse)"), "{text}");
        assert!(text.contains("KERNEL . run (workspace , q ,"), "{text}");
    }

    #[test]
    fn what_is_missing_is_named() {
        let no_table = PAGED_LSE.replace("block_table: &[i32], ", "");
        let msgs = messages(&run(&no_table, &req(true, true)).unwrap_err());
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].contains("needs the block table"), "{msgs:?}");
        let no_lse = PAGED_LSE.replace("lse: &mut DeviceBuffer<f32>, ", "");
        let msgs = messages(&run(&no_lse, &req(true, true)).unwrap_err());
        assert!(msgs[0].contains("needs the log-sum-exp output"), "{msgs:?}");
        let msgs = messages(&run(PAGED_LSE, &req(false, true)).unwrap_err());
        assert!(msgs[0].contains("add `paged = true`"), "{msgs:?}");
        let msgs = messages(&run(PAGED_LSE, &req(true, false)).unwrap_err());
        assert!(msgs[0].contains("without `lse = true`"), "{msgs:?}");
        let no_lens = no_table.replace("cache_seqlens: &[i32], ", "");
        let msgs = messages(&run(&no_lens, &req(false, true)).unwrap_err());
        assert!(msgs[0].contains("needs the cache lengths"), "{msgs:?}");
    }

    #[test]
    fn a_contiguous_declaration_with_a_scale() {
        let item = "fn d(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, lens: &[i32], \
                    o: &mut TensorMut<bf16>, s: f32, ws: &mut DecodeWorkspace, st: &Stream) \
                    -> qimeng_runtime::Result<()>;";
        let r = req(false, false);
        let decl = Decl::parse_item(item.parse().unwrap()).unwrap();
        let p = check(&decl, &r).unwrap();
        assert_eq!(p.scale, Scale::Given(Ident::new("s", Span::call_site())));
        let text = wrapper(&r, &decl, &p).to_string();
        assert!(
            text.contains(
                "KvCache :: contiguous (k , v , :: core :: option :: Option :: Some (lens))"
            ),
            "{text}"
        );
        let bad = item.replace("lens: &[i32]", "lens: &[u32]");
        let msgs = messages(&run(&bad, &r).unwrap_err());
        assert!(msgs[0].contains("must be `&[i32]`"), "{msgs:?}");
    }
}
