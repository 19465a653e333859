//! Token-level parsing of `#[flash_attention(...)]`, shared by the macro and the build script
//! so that both read the attribute the same way (feature `syn`).

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, MetaNameValue, Token};

use crate::{Arg, Spec, Value};

/// The attribute's name, as written by users (`#[flash_attention(...)]` or a path ending in it).
pub const ATTRIBUTE: &str = "flash_attention";

/// One `key = value` pair with where it was written.
#[derive(Clone, Debug)]
pub struct SpannedArg {
    /// The pair.
    pub arg: Arg,
    /// Span of the key.
    pub key_span: Span,
    /// Span of the value.
    pub value_span: Span,
}

/// Parses the tokens inside the attribute's parentheses into pairs.
pub fn parse_args(tokens: TokenStream) -> syn::Result<Vec<SpannedArg>> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(tokens)?;
    let mut out = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for pair in pairs {
        let key = match pair.path.get_ident() {
            Some(ident) => ident.to_string(),
            None => {
                push(
                    &mut errors,
                    syn::Error::new(pair.path.span(), "expected a key such as `gpu`"),
                );
                continue;
            }
        };
        let value = match &pair.value {
            Expr::Lit(ExprLit { lit, .. }) => match lit {
                Lit::Str(s) => Some(Value::Str(s.value())),
                Lit::Int(i) => i.base10_parse::<u64>().ok().map(Value::Int),
                Lit::Bool(b) => Some(Value::Bool(b.value)),
                _ => None,
            },
            _ => None,
        };
        match value {
            Some(value) => out.push(SpannedArg {
                arg: Arg::new(key, value),
                key_span: pair.path.span(),
                value_span: pair.value.span(),
            }),
            None => push(
                &mut errors,
                syn::Error::new(
                    pair.value.span(),
                    format!("`{key}` takes a literal: a string, an integer or true/false"),
                ),
            ),
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Parses the attribute's tokens into a [`Spec`]. Every error is spanned: at the key or value
/// it concerns, or at `whole` (the attribute) for a missing key. All errors are combined.
pub fn spec_from_tokens(tokens: TokenStream, whole: Span) -> syn::Result<Spec> {
    let args = parse_args(tokens)?;
    let plain: Vec<Arg> = args.iter().map(|a| a.arg.clone()).collect();
    Spec::from_args(&plain).map_err(|errs| {
        let mut combined: Option<syn::Error> = None;
        for e in errs {
            let span = match e.arg {
                Some(i) if e.at_value => args[i].value_span,
                Some(i) => args[i].key_span,
                None => whole,
            };
            push(&mut combined, syn::Error::new(span, e.message));
        }
        combined.unwrap_or_else(|| syn::Error::new(whole, "invalid attribute"))
    })
}

/// Whether `path` names the attribute (`flash_attention`, `qimeng::flash_attention`, ...).
pub fn is_attribute_path(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == ATTRIBUTE)
}

fn push(acc: &mut Option<syn::Error>, e: syn::Error) {
    match acc {
        Some(a) => a.combine(e),
        None => *acc = Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote_free::ts;

    mod quote_free {
        pub fn ts(s: &str) -> proc_macro2::TokenStream {
            s.parse().unwrap()
        }
    }

    #[test]
    fn parses_a_full_attribute() {
        let spec = spec_from_tokens(
            ts(r#"gpu = "a100", dtype = "bf16", head_dim = 128, causal = true,"#),
            Span::call_site(),
        )
        .unwrap();
        assert_eq!(spec.key(), "fwd-a100-bf16-d128-causal");
    }

    #[test]
    fn non_literal_values_and_bad_keys_are_errors() {
        let err = parse_args(ts(r#"gpu = GPU, a::b = 1"#)).unwrap_err();
        let msgs: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("takes a literal"));
        assert!(msgs[1].contains("expected a key"));
    }

    #[test]
    fn grammar_errors_are_all_reported() {
        let err =
            spec_from_tokens(ts(r#"gpu = "v100", head_dim = 7"#), Span::call_site()).unwrap_err();
        let msgs: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("unknown gpu"));
        assert!(msgs[1].contains("unsupported head_dim 7"));
        assert!(msgs[2].contains("missing `dtype"));
    }
}
