//! The annotated declaration: `fn name(q, k, v, out, [scale,] stream) -> R;`.
//!
//! Parameters are recognised by position and their types by the last path segment, so
//! `Tensor<bf16>`, `qimeng_runtime::Tensor<'_, half::bf16>` and a re-export under another path
//! are all accepted; the element type must be the one the attribute's `dtype` names
//! ([`DType::rust_type`]). Every problem is reported, each at the token it is about.

use proc_macro2::TokenStream;
use qimeng_spec::{DType, Variants};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, Block, Error, FnArg, GenericArgument, GenericParam, Ident, Pat, PathArguments,
    PathSegment, ReturnType, Signature, Token, Type, Visibility, WherePredicate,
};

/// The item under the attribute: a function declaration, normally without a body.
pub(crate) struct Decl {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// A body the user wrote; always an error, kept to point at it.
    body: Option<Block>,
}

impl Parse for Decl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(syn::token::Brace) {
            Some(input.parse()?)
        } else {
            input.parse::<Token![;]>()?;
            None
        };
        Ok(Decl {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl Decl {
    /// Parses the item, explaining what the attribute applies to when it is something else.
    pub(crate) fn parse_item(item: TokenStream) -> Result<Decl, Error> {
        syn::parse2(item).map_err(|e| {
            Error::new(
                e.span(),
                format!(
                    "{e}: `#[flash_attention]` applies to a function declaration without a body, \
                     such as `pub fn attention(q: &Tensor<bf16>, k: &Tensor<bf16>, \
                     v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream) \
                     -> qimeng_runtime::Result<()>;`"
                ),
            )
        })
    }
}

/// How the softmax scale reaches the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scale {
    /// No scale parameter: the kernel's default, `1 / sqrt(head_dim)`.
    Default,
    /// `scale: f32`.
    Given(Ident),
    /// `scale: Option<f32>`.
    Optional(Ident),
}

/// The parameter names, to be forwarded to the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    pub(crate) q: Ident,
    pub(crate) k: Ident,
    pub(crate) v: Ident,
    pub(crate) out: Ident,
    pub(crate) scale: Scale,
    pub(crate) stream: Ident,
    /// `varlen = true`: cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k.
    pub(crate) varlen: Option<[Ident; 4]>,
    /// `alibi = true`: the slopes.
    pub(crate) alibi: Option<Ident>,
}

/// What a parameter position means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Q,
    K,
    V,
    Out,
    CuSeqlensQ,
    CuSeqlensK,
    MaxSeqlenQ,
    MaxSeqlenK,
    Slopes,
    Scale,
    Stream,
}

impl Role {
    fn what(self) -> &'static str {
        match self {
            Role::Q => "the queries",
            Role::K => "the keys",
            Role::V => "the values",
            Role::Out => "the output",
            Role::CuSeqlensQ => "the query sequence offsets",
            Role::CuSeqlensK => "the key sequence offsets",
            Role::MaxSeqlenQ => "the longest query length",
            Role::MaxSeqlenK => "the longest key length",
            Role::Slopes => "the ALiBi slopes",
            Role::Scale => "the softmax scale",
            Role::Stream => "the CUDA stream",
        }
    }
}

/// Checks the declaration against the kernel's calling convention.
///
/// `dtype` is the attribute's element type when the attribute is valid; without it the
/// tensors' element types are not checked (the attribute's own error says what is wrong).
pub(crate) fn check(
    decl: &Decl,
    dtype: Option<DType>,
    variants: Variants,
) -> Result<Params, Vec<Error>> {
    let (mut errors, typed) = check_common(decl);
    let sig = &decl.sig;
    let elem = dtype.map_or("T", DType::rust_type);
    // The variants' runtime data sits between `out` and the scale, in this order.
    let mut base = vec![Role::Q, Role::K, Role::V, Role::Out];
    let mut extra_decl = String::new();
    let mut needs = Vec::new();
    if variants.varlen {
        base.extend([
            Role::CuSeqlensQ,
            Role::CuSeqlensK,
            Role::MaxSeqlenQ,
            Role::MaxSeqlenK,
        ]);
        extra_decl += "cu_seqlens_q: &[i32], cu_seqlens_k: &[i32], max_seqlen_q: usize, \
                       max_seqlen_k: usize, ";
        needs.push(
            "`varlen = true` needs the sequence offsets and max lengths after `out` \
             (`cu_seqlens_q: &[i32], cu_seqlens_k: &[i32], max_seqlen_q: usize, \
             max_seqlen_k: usize`)",
        );
    }
    if variants.alibi {
        base.push(Role::Slopes);
        extra_decl += "alibi_slopes: &DeviceBuffer<f32>, ";
        needs.push(
            "`alibi = true` needs the slopes after `out` and any varlen parameters \
             (`alibi_slopes: &DeviceBuffer<f32>`)",
        );
    }
    let n = typed.len();
    let with_scale = match n.checked_sub(base.len()) {
        Some(1) => false,
        Some(2) => true,
        _ => {
            // With the wrong count, which parameter was meant to be which is a guess: say
            // only what the list must look like, at the name (the list may span many lines).
            let (plain, scaled) = (base.len() + 1, base.len() + 2);
            let mut message = format!(
                "expected {plain} parameters, `(q: &Tensor<{elem}>, k: &Tensor<{elem}>, \
                 v: &Tensor<{elem}>, out: &mut TensorMut<{elem}>, {extra_decl}stream: &Stream)`, \
                 or {scaled} with a softmax scale (`scale: f32` or `scale: Option<f32>`) before \
                 the stream; found {n}"
            );
            for need in needs {
                message += "; ";
                message += need;
            }
            errors.push(Error::new(sig.ident.span(), message));
            return Err(errors);
        }
    };
    let mut roles = base;
    if with_scale {
        roles.push(Role::Scale);
    }
    roles.push(Role::Stream);

    let mut names = Vec::with_capacity(roles.len());
    let mut extra_names = Vec::new();
    let mut scale = Scale::Default;
    for (i, (arg, &role)) in typed.iter().zip(&roles).enumerate() {
        let n = i + 1;
        let name = binding(&arg.pat).map_err(|e| errors.push(e)).ok();
        let checked = match role {
            Role::Q | Role::K | Role::V | Role::Out => check_tensor(&arg.ty, n, role, dtype),
            Role::Stream => check_stream(&arg.ty, n),
            Role::CuSeqlensQ | Role::CuSeqlensK => check_offsets(&arg.ty, n, role),
            Role::MaxSeqlenQ | Role::MaxSeqlenK => check_usize(&arg.ty, n, role),
            Role::Slopes => check_slopes(&arg.ty, n),
            Role::Scale => check_scale(&arg.ty, n).map(|optional| {
                if let Some(name) = &name {
                    scale = if optional {
                        Scale::Optional(name.clone())
                    } else {
                        Scale::Given(name.clone())
                    };
                }
            }),
        };
        if let Err(e) = checked {
            errors.push(e);
        }
        match role {
            Role::Scale => {}
            Role::Q | Role::K | Role::V | Role::Out | Role::Stream => names.extend(name),
            _ => extra_names.extend(name),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut extra = extra_names.into_iter();
    let varlen = if variants.varlen {
        let mut four = || extra.next();
        match (four(), four(), four(), four()) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => return Err(errors),
        }
    } else {
        None
    };
    let alibi = if variants.alibi {
        Some(extra.next().ok_or_else(Vec::new)?)
    } else {
        None
    };
    match <[Ident; 5]>::try_from(names) {
        Ok([q, k, v, out, stream]) => Ok(Params {
            q,
            k,
            v,
            out,
            scale,
            stream,
            varlen,
            alibi,
        }),
        _ => Err(errors),
    }
}

/// Checks `&[i32]` (host-side cumulative sequence offsets) at parameter `n`.
fn check_offsets(ty: &Type, n: usize, role: Role) -> Result<(), Error> {
    let ok = match peel(ty) {
        Type::Reference(r) if r.mutability.is_none() => {
            matches!(peel(&r.elem), Type::Slice(s) if is_named(&s.elem, "i32"))
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(Error::new_spanned(
        ty,
        format!(
            "parameter {n} ({}) must be `&[i32]`: batch + 1 cumulative offsets on the host, \
             checked and copied to the device by each call",
            role.what()
        ),
    ))
}

/// Checks `usize` at parameter `n`.
fn check_usize(ty: &Type, n: usize, role: Role) -> Result<(), Error> {
    if is_named(ty, "usize") {
        return Ok(());
    }
    Err(Error::new_spanned(
        ty,
        format!("parameter {n} ({}) must be `usize`", role.what()),
    ))
}

/// Checks `&DeviceBuffer<f32>` at parameter `n`.
fn check_slopes(ty: &Type, n: usize) -> Result<(), Error> {
    let ok = match peel(ty) {
        Type::Reference(r) if r.mutability.is_none() => {
            type_argument(&r.elem, "DeviceBuffer").is_some_and(|t| is_named(t, "f32"))
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(Error::new_spanned(
        ty,
        format!(
            "parameter {n} ({}) must be `&DeviceBuffer<f32>`: one slope per query head, or per \
             batch entry and query head",
            Role::Slopes.what()
        ),
    ))
}

/// The checks every `#[flash_attention]` declaration gets, whatever its mode: qualifiers,
/// generics, return type, body and receiver. Returns the errors and the typed parameters.
pub(crate) fn check_common(decl: &Decl) -> (Vec<Error>, Vec<&syn::PatType>) {
    let mut errors = Vec::new();
    let sig = &decl.sig;

    if let Some(t) = &sig.constness {
        errors.push(Error::new_spanned(
            t,
            "a `#[flash_attention]` function cannot be `const`: it launches a kernel",
        ));
    }
    if let Some(t) = &sig.asyncness {
        errors.push(Error::new_spanned(
            t,
            "a `#[flash_attention]` function cannot be `async`: it enqueues the kernel on \
             `stream` and returns at once; synchronize the stream to wait for it",
        ));
    }
    if let Some(t) = &sig.unsafety {
        errors.push(Error::new_spanned(
            t,
            "a `#[flash_attention]` function cannot be `unsafe`: every launch is validated \
             and reports bad inputs as `Err`",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::new_spanned(
            abi,
            "a `#[flash_attention]` function cannot have an ABI: it is a Rust function",
        ));
    }
    for param in &sig.generics.params {
        let what = match param {
            GenericParam::Lifetime(_) => continue,
            GenericParam::Type(_) => "type",
            GenericParam::Const(_) => "const",
        };
        errors.push(Error::new_spanned(
            param,
            format!(
                "a `#[flash_attention]` function takes no {what} parameters: the kernel is \
                 fixed by the attribute (the element type by `dtype`, the head size by `head_dim`)"
            ),
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        for predicate in &where_clause.predicates {
            if let WherePredicate::Type(_) = predicate {
                errors.push(Error::new_spanned(
                    predicate,
                    "a `#[flash_attention]` function takes no type bounds: the kernel is fixed \
                     by the attribute",
                ));
            }
        }
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "a `#[flash_attention]` function cannot be variadic",
        ));
    }
    if let ReturnType::Default = sig.output {
        errors.push(Error::new(
            sig.paren_token.span.close(),
            "missing return type: a `#[flash_attention]` function returns the launch's result, \
             `-> qimeng_runtime::Result<()>`",
        ));
    }
    if let Some(body) = &decl.body {
        errors.push(Error::new(
            body.brace_token.span.open(),
            "a `#[flash_attention]` function has no body: the attribute writes it; end the \
             declaration with `;`",
        ));
    }

    let mut typed = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.push(Error::new_spanned(
                receiver,
                "a `#[flash_attention]` function takes no `self`: declare it as a free function \
                 or an associated function without a receiver",
            )),
            FnArg::Typed(typed_arg) => typed.push(typed_arg),
        }
    }

    (errors, typed)
}

/// The binding name of a parameter, which must be a plain identifier since it is forwarded.
pub(crate) fn binding(pat: &Pat) -> Result<Ident, Error> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Ok(p.ident.clone()),
        other => Err(Error::new_spanned(
            other,
            "write a plain name here: the parameter is forwarded to the kernel",
        )),
    }
}

/// Strips the invisible groups and parentheses around a type.
pub(crate) fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => peel(&g.elem),
        Type::Paren(p) => peel(&p.elem),
        other => other,
    }
}

/// The last segment of a plain path type (`half::bf16` -> `bf16`).
pub(crate) fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match peel(ty) {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// `T` of a type `...::name<'a, T>`: the last segment is `name` and its only type argument
/// is `T` (lifetimes aside).
pub(crate) fn type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty).filter(|s| s.ident == name)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Lifetime(_) => None,
        GenericArgument::Type(t) => Some(Some(t)),
        _ => Some(None),
    });
    match (types.next(), types.next()) {
        (Some(Some(t)), None) => Some(t),
        _ => None,
    }
}

/// Whether `ty` is a plain path ending in `name`, without arguments.
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_none())
}

/// Checks `&Tensor<T>` (q, k, v) or `&mut TensorMut<T>` (out) at parameter `n` (1-based).
pub(crate) fn check_tensor(
    ty: &Type,
    n: usize,
    role: Role,
    dtype: Option<DType>,
) -> Result<(), Error> {
    let writes = role == Role::Out;
    let elem = dtype.map_or("T", DType::rust_type);
    let expected = if writes {
        format!("&mut TensorMut<{elem}>")
    } else {
        format!("&Tensor<{elem}>")
    };
    let head = format!("parameter {n} ({}) must be `{expected}`", role.what());

    let Type::Reference(reference) = peel(ty) else {
        return Err(Error::new_spanned(
            ty,
            format!("{head}, taken by reference"),
        ));
    };
    match (writes, &reference.mutability) {
        (false, Some(mutability)) => {
            let and = reference.and_token;
            return Err(Error::new_spanned(
                quote!(#and #mutability),
                format!(
                    "{head}: {} are only read, so take `&`, not `&mut`",
                    role.what()
                ),
            ));
        }
        (true, None) => {
            return Err(Error::new_spanned(
                reference.and_token,
                format!("{head}: the kernel writes {}, so take `&mut`", role.what()),
            ));
        }
        _ => {}
    }
    let name = if writes { "TensorMut" } else { "Tensor" };
    let Some(element) = type_argument(&reference.elem, name) else {
        return Err(Error::new_spanned(&reference.elem, head));
    };
    match dtype {
        Some(dtype) if !is_named(element, dtype.rust_type()) => {
            let found = match last_segment(element) {
                Some(s) if s.arguments.is_none() => format!(", found `{}`", s.ident),
                _ => String::new(),
            };
            Err(Error::new_spanned(
                element,
                format!(
                    "expected element type `{}`, as the attribute says `dtype = \"{}\"`{found}",
                    dtype.rust_type(),
                    dtype.name()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Checks `f32` or `Option<f32>` at parameter `n`; `true` for the `Option`.
pub(crate) fn check_scale(ty: &Type, n: usize) -> Result<bool, Error> {
    if is_named(ty, "f32") {
        return Ok(false);
    }
    if type_argument(ty, "Option").is_some_and(|t| is_named(t, "f32")) {
        return Ok(true);
    }
    Err(Error::new_spanned(
        ty,
        format!(
            "parameter {n} ({}) must be `f32` or `Option<f32>` (where `None` means \
             1/sqrt(head_dim))",
            Role::Scale.what()
        ),
    ))
}

/// Checks `&Stream` at parameter `n`.
pub(crate) fn check_stream(ty: &Type, n: usize) -> Result<(), Error> {
    let head = format!("parameter {n} ({}) must be `&Stream`", Role::Stream.what());
    let Type::Reference(reference) = peel(ty) else {
        return Err(Error::new_spanned(
            ty,
            format!("{head}, taken by reference"),
        ));
    };
    if let Some(mutability) = &reference.mutability {
        let and = reference.and_token;
        return Err(Error::new_spanned(
            quote!(#and #mutability),
            format!("{head}: take `&`, not `&mut`"),
        ));
    }
    if !is_named(&reference.elem, "Stream") {
        return Err(Error::new_spanned(&reference.elem, head));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::spanned;

    const GOOD: &str = "pub fn attention(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, \
                        out: &mut TensorMut<bf16>, stream: &Stream) -> Result<()>;";

    fn decl(item: &str) -> Decl {
        Decl::parse_item(item.parse().expect("test tokens lex")).expect("test item parses")
    }

    fn check_str(item: &str) -> Result<Params, Vec<Error>> {
        check(&decl(item), Some(DType::Bf16), Variants::NONE)
    }

    /// `(source text, message)` of the errors of `item` checked against `dtype = "bf16"`.
    fn errors(item: &str) -> Vec<(String, String)> {
        spanned(&check_str(item).expect_err("the declaration is rejected"))
    }

    fn ident(name: &str) -> Ident {
        Ident::new(name, proc_macro2::Span::call_site())
    }

    #[test]
    fn the_plain_form_is_accepted() {
        let p = check_str(GOOD).unwrap();
        assert_eq!(p.q, "q");
        assert_eq!(p.out, "out");
        assert_eq!(p.stream, "stream");
        assert_eq!(p.scale, Scale::Default);
    }

    #[test]
    fn paths_lifetimes_and_free_names_are_accepted() {
        let p = check_str(
            "fn f<'a>(query: &'a qimeng_runtime::Tensor<'a, half::bf16>, \
             k: &Tensor<'_, qimeng_runtime::bf16>, v: &(Tensor<bf16>), \
             o: &mut rt::TensorMut<'_, bf16>, s: &'a rt::Stream) -> R;",
        )
        .unwrap();
        assert_eq!(p.q, "query");
        assert_eq!(p.out, "o");
        assert_eq!(p.stream, "s");
    }

    #[test]
    fn the_scale_may_be_plain_or_optional() {
        let with = |ty: &str| {
            check_str(&format!(
                "fn f(q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, \
                 out: &mut TensorMut<bf16>, scale: {ty}, stream: &Stream) -> R;"
            ))
        };
        assert_eq!(with("f32").unwrap().scale, Scale::Given(ident("scale")));
        assert_eq!(
            with("Option<f32>").unwrap().scale,
            Scale::Optional(ident("scale"))
        );
        assert_eq!(
            with("core::option::Option<f32>").unwrap().scale,
            Scale::Optional(ident("scale"))
        );
        let e = spanned(&with("Option<f64>").unwrap_err());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "Option<f64>");
        assert!(
            e[0].1
                .starts_with("parameter 5 (the softmax scale) must be `f32` or")
        );
    }

    #[test]
    fn element_types_must_match_the_dtype() {
        let e = errors(
            "fn f(q: &Tensor<f16>, k: &Tensor<half::f16>, v: &Tensor<bf16>, \
             out: &mut TensorMut<[u8; 2]>, stream: &Stream) -> R;",
        );
        assert_eq!(e.len(), 3, "{e:#?}");
        assert_eq!(e[0].0, "f16");
        assert_eq!(
            e[0].1,
            "expected element type `bf16`, as the attribute says `dtype = \"bf16\"`, found `f16`"
        );
        assert_eq!(e[1].0, "half::f16");
        assert_eq!(e[2].0, "[u8; 2]");
        assert!(!e[2].1.contains("found"));
    }

    #[test]
    fn without_a_dtype_element_types_are_not_judged() {
        let item = GOOD.replace("bf16", "f16");
        assert!(check(&decl(&item), None, Variants::NONE).is_ok());
    }

    #[test]
    fn reference_kinds_are_checked() {
        let e = errors(
            "fn f(q: &mut Tensor<bf16>, k: Tensor<bf16>, v: &Vec<bf16>, \
             out: &TensorMut<bf16>, stream: Stream) -> R;",
        );
        let got: Vec<(&str, &str)> = e.iter().map(|(s, m)| (s.as_str(), m.as_str())).collect();
        assert_eq!(
            got,
            [
                (
                    "&mut",
                    "parameter 1 (the queries) must be `&Tensor<bf16>`: the queries are only \
                     read, so take `&`, not `&mut`"
                ),
                (
                    "Tensor<bf16>",
                    "parameter 2 (the keys) must be `&Tensor<bf16>`, taken by reference"
                ),
                (
                    "Vec<bf16>",
                    "parameter 3 (the values) must be `&Tensor<bf16>`"
                ),
                (
                    "&",
                    "parameter 4 (the output) must be `&mut TensorMut<bf16>`: the kernel writes \
                     the output, so take `&mut`"
                ),
                (
                    "Stream",
                    "parameter 5 (the CUDA stream) must be `&Stream`, taken by reference"
                ),
            ]
        );
    }

    #[test]
    fn tensor_types_need_one_element_type() {
        let e = errors(
            "fn f(q: &Tensor, k: &Tensor<bf16, bf16>, v: &Tensor<bf16>, \
             out: &mut Tensor<bf16>, stream: &mut Stream) -> R;",
        );
        let at: Vec<&str> = e.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(at, ["Tensor", "Tensor<bf16, bf16>", "Tensor<bf16>", "&mut"]);
        assert!(e[2].1.contains("must be `&mut TensorMut<bf16>`"));
        assert!(e[3].1.contains("take `&`, not `&mut`"));
    }

    #[test]
    fn wrong_arity_shows_the_expected_list() {
        let e = errors("fn f(q: &Tensor<bf16>, k: &Tensor<bf16>, stream: &Stream) -> R;");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "f");
        assert!(
            e[0].1.starts_with(
                "expected 5 parameters, `(q: &Tensor<bf16>, k: &Tensor<bf16>, \
                 v: &Tensor<bf16>, out: &mut TensorMut<bf16>, stream: &Stream)`, or 6"
            ),
            "{}",
            e[0].1
        );
        assert!(e[0].1.ends_with("found 3"));
        let e = check(&decl("fn f() -> R;"), None, Variants::NONE).unwrap_err();
        assert!(e[0].to_string().contains("(q: &Tensor<T>,"));
    }

    #[test]
    fn qualifiers_generics_receivers_and_bodies_are_rejected() {
        let e = errors(
            "const async unsafe extern \"C\" fn f<T, const N: usize>(&self, \
             q: &Tensor<bf16>, k: &Tensor<bf16>, v: &Tensor<bf16>, \
             out: &mut TensorMut<bf16>, stream: &Stream) where T: Copy { 0 }",
        );
        let at: Vec<&str> = e.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            at,
            [
                "const",
                "async",
                "unsafe",
                "extern \"C\"",
                "T",
                "const N: usize",
                "T: Copy",
                ")",
                "{",
                "&self"
            ]
        );
        assert!(e[7].1.starts_with("missing return type"));
        assert!(e[8].1.contains("has no body"));
        assert!(e[9].1.contains("takes no `self`"));
    }

    #[test]
    fn patterns_must_be_plain_names() {
        let e = errors(
            "fn f(_: &Tensor<bf16>, ref k: &Tensor<bf16>, v: &Tensor<bf16>, \
             out: &mut TensorMut<bf16>, s @ _: &Stream) -> R;",
        );
        let at: Vec<&str> = e.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(at, ["_", "ref k", "s @ _"]);
        assert!(e[0].1.contains("plain name"));
    }

    #[test]
    fn other_items_are_explained() {
        let e = Decl::parse_item("struct S;".parse().unwrap())
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(msg.starts_with("expected `fn`"), "{msg}");
        assert!(msg.contains("applies to a function declaration without a body"));
    }
}
