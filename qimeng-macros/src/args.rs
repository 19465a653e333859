//! The attribute's `key = value` pairs: tokens in, [`qimeng_spec::Spec`] out.
//!
//! This module knows only the *syntax* of a pair. Which keys exist, what each expects, the
//! defaults and every message about them come from [`Spec::from_args`]; an [`ArgError`] names
//! a pair by index and says whether its key or its value is at fault, and here that index is
//! turned back into the span of the token the user wrote.

use proc_macro2::{Span, TokenStream};
use qimeng_spec::{Arg, ArgError, Spec, Value};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Error, Expr, Ident, Lit, Token};

/// One `key = value` pair as written, kept for its spans.
struct Pair {
    key: Ident,
    value: Expr,
}

fn parse_pair(input: ParseStream) -> syn::Result<Pair> {
    // `parse_any` takes keywords too, so `type = 1` is reported by the grammar as an unknown
    // key rather than as a syntax error.
    let key = Ident::parse_any(input)?;
    if !input.peek(Token![=]) {
        return Err(Error::new(
            input.span(),
            format!("expected `{key} = <value>`"),
        ));
    }
    input.parse::<Token![=]>()?;
    let value = input.parse()?;
    Ok(Pair { key, value })
}

/// Parses the attribute's arguments and validates them through [`Spec::from_args`].
///
/// Every error is returned, each spanned at the key or the value it is about; an error about
/// the attribute as a whole (a missing key) is spanned at the attribute.
pub(crate) fn parse(attr: TokenStream) -> Result<Spec, Vec<Error>> {
    let pairs = (|input: ParseStream| {
        Punctuated::<Pair, Token![,]>::parse_terminated_with(input, parse_pair)
    })
    .parse2(attr)
    .map_err(|e| vec![e])?;

    // ((pair, at value), error): errors are reported in source order, whole-attribute ones last.
    let mut errors: Vec<((usize, bool), Error)> = Vec::new();
    let mut unreadable = vec![false; pairs.len()];
    let mut args = Vec::with_capacity(pairs.len());
    for (i, pair) in pairs.iter().enumerate() {
        let value = match literal(&pair.value) {
            Ok(value) => value,
            Err(e) => {
                errors.push(((i, true), e));
                unreadable[i] = true;
                // A stand-in so that the grammar still sees the key (unknown, repeated,
                // present); whatever it says about this stand-in value is dropped below.
                Value::Bool(false)
            }
        };
        args.push(Arg::new(pair.key.unraw().to_string(), value));
    }

    match Spec::from_args(&args) {
        Ok(spec) if errors.is_empty() => return Ok(spec),
        Ok(_) => {}
        Err(arg_errors) => {
            for ArgError {
                arg,
                at_value,
                message,
            } in arg_errors
            {
                match arg.and_then(|i| Some((i, pairs.get(i)?))) {
                    Some((i, _)) if at_value && unreadable[i] => {}
                    Some((i, pair)) if at_value => {
                        errors.push(((i, true), Error::new_spanned(&pair.value, message)));
                    }
                    Some((i, pair)) => {
                        errors.push(((i, false), Error::new(pair.key.span(), message)))
                    }
                    None => {
                        errors.push(((usize::MAX, false), Error::new(Span::call_site(), message)))
                    }
                }
            }
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    Err(errors.into_iter().map(|(_, e)| e).collect())
}

/// The value of one pair, if it is a literal the grammar can judge.
fn literal(expr: &Expr) -> Result<Value, Error> {
    const EXPECTED: &str = "expected a literal: a string, an integer, `true` or `false`";
    match expr {
        // A value passed through a `macro_rules!` fragment arrives wrapped in an invisible group.
        Expr::Group(group) => literal(&group.expr),
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Ok(Value::Str(s.value())),
            Lit::Int(n) => n.base10_parse().map(Value::Int),
            Lit::Bool(b) => Ok(Value::Bool(b.value)),
            other => Err(Error::new_spanned(other, EXPECTED)),
        },
        Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
            let name = path.to_token_stream().to_string();
            Err(Error::new_spanned(
                path,
                format!("{EXPECTED}; to name `{name}`, quote it: \"{name}\""),
            ))
        }
        other => Err(Error::new_spanned(other, EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{messages, spanned};
    use qimeng_spec::{DType, Gpu};

    fn parse_str(attr: &str) -> Result<Spec, Vec<Error>> {
        parse(attr.parse().expect("test tokens lex"))
    }

    #[test]
    fn full_attribute() {
        let spec =
            parse_str(r#"gpu = "h100", dtype = "bf16", head_dim = 128, causal = true,"#).unwrap();
        assert_eq!(spec.gpu, Gpu::H100);
        assert_eq!(spec.dtype, DType::Bf16);
        assert_eq!(spec.key(), "fwd-h100-bf16-d128-causal");
    }

    #[test]
    fn causal_defaults_to_false_and_gpu_is_case_insensitive() {
        let spec = parse_str(r#"head_dim = 64, dtype = "f16", gpu = "A100""#).unwrap();
        assert_eq!(spec.key(), "fwd-a100-f16-d64-full");
    }

    #[test]
    fn errors_point_at_the_key_or_the_value() {
        let errs = parse_str(
            r#"gpu = "v100", dtype = 3, head_dim = 100, gpu = "h100", window = 3, causal = "yes""#,
        )
        .unwrap_err();
        let got = spanned(&errs);
        assert_eq!(got.len(), 6, "{got:#?}");
        assert_eq!(got[0].0, r#""v100""#);
        assert!(got[0].1.contains("known GPUs are: t4,"), "{}", got[0].1);
        assert_eq!(got[1].0, "3");
        assert!(got[1].1.contains("`dtype` expects"), "{}", got[1].1);
        assert_eq!(got[2].0, "100");
        assert!(got[2].1.contains("unsupported head_dim 100"));
        assert_eq!(got[3].0, "gpu");
        assert!(got[3].1.contains("given twice"));
        assert_eq!(got[4].0, "window");
        assert!(got[4].1.contains("unknown key `window`"));
        assert_eq!(got[5].0, r#""yes""#);
        assert!(got[5].1.contains("`causal` expects true or false"));
    }

    #[test]
    fn missing_keys_come_last_and_name_the_key() {
        let errs = parse_str(r#"causal = 1, gpu = "t4""#).unwrap_err();
        let msgs = messages(&errs);
        assert_eq!(msgs.len(), 3, "{msgs:#?}");
        assert!(msgs[0].contains("`causal` expects"));
        assert!(msgs[1].starts_with("missing `dtype = ...`"));
        assert!(msgs[2].starts_with("missing `head_dim = ...`"));
    }

    #[test]
    fn empty_attribute_misses_every_required_key() {
        let msgs = messages(&parse_str("").unwrap_err());
        assert_eq!(msgs.len(), 3);
    }

    #[test]
    fn non_literal_values_are_reported_once_and_keys_still_count() {
        // `gpu` is given (as a bare name): one error at the value, no "missing `gpu`".
        let errs = parse_str("gpu = h100, dtype = \"bf16\", head_dim = 64 + 64").unwrap_err();
        let got = spanned(&errs);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0].0, "h100");
        assert!(got[0].1.contains(r#"quote it: "h100""#), "{}", got[0].1);
        assert_eq!(got[1].0, "64 + 64");
        assert!(got[1].1.starts_with("expected a literal"));
    }

    #[test]
    fn unknown_keys_with_unreadable_values_are_still_unknown() {
        let got = spanned(
            &parse_str(r#"gpu = "h100", dtype = "f32", head_dim = 32, tile = [64]"#).unwrap_err(),
        );
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0].0, "tile");
        assert!(got[0].1.contains("unknown key `tile`"));
        assert_eq!(got[1].0, "[64]");
    }

    #[test]
    fn keywords_are_keys_and_raw_idents_are_unrawed() {
        let got = spanned(
            &parse_str(r#"r#gpu = "h100", dtype = "f32", head_dim = 32, type = 1"#).unwrap_err(),
        );
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0].0, "type");
    }

    #[test]
    fn syntax_errors_are_spanned() {
        let got = spanned(&parse_str(r#"gpu "h100""#).unwrap_err());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, r#""h100""#);
        assert_eq!(got[0].1, "expected `gpu = <value>`");
    }
}
