//! Token-level parsing of `#[flash_attention(...)]`, shared by the macro (which reports errors at
//! their spans) and the build script (which reports them with file and line), so that both read
//! the attribute the same way (feature `syn`).
//!
//! This module knows only the *syntax* of a pair. Which keys exist, what each expects, the
//! defaults and every message about them come from [`Spec::from_args`]; an [`ArgError`] names
//! a pair by index and says whether its key or its value is at fault, and here that index is
//! turned back into the span of the token the user wrote.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Error, Expr, Ident, Lit, Token};

use crate::{Arg, ArgError, Request, Spec, Value};

/// The attribute's name, as written by users (`#[flash_attention(...)]` or a path ending in it).
pub const ATTRIBUTE: &str = "flash_attention";

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
/// the attribute as a whole (a missing key) is spanned at `whole`.
pub fn parse(attr: TokenStream, whole: Span) -> Result<Spec, Vec<Error>> {
    parse_with(attr, whole, Spec::from_args)
}

/// As [`parse`], for any mode: [`Request::from_args`] judges the pairs (`mode = "decode"` and
/// its keys included).
pub fn parse_request(attr: TokenStream, whole: Span) -> Result<Request, Vec<Error>> {
    parse_with(attr, whole, Request::from_args)
}

fn parse_with<T>(
    attr: TokenStream,
    whole: Span,
    grammar: fn(&[Arg]) -> Result<T, Vec<ArgError>>,
) -> Result<T, Vec<Error>> {
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

    match grammar(&args) {
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
                    None => errors.push(((usize::MAX, false), Error::new(whole, message))),
                }
            }
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    Err(errors.into_iter().map(|(_, e)| e).collect())
}

/// The value of one pair, if it is a literal the grammar can judge.
fn literal(expr: &Expr) -> Result<Value, Error> {
    const EXPECTED: &str =
        "expected a literal: a string, an integer, a float, `true`, `false` or a tuple `(a, b)`";
    match expr {
        // A value passed through a `macro_rules!` fragment arrives wrapped in an invisible group.
        Expr::Group(group) => literal(&group.expr),
        Expr::Paren(p) => literal(&p.expr),
        Expr::Tuple(t) => t
            .elems
            .iter()
            .map(literal)
            .collect::<Result<_, _>>()
            .map(Value::Tuple),
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Ok(Value::Str(s.value())),
            Lit::Int(n) => n.base10_parse().map(Value::Int),
            Lit::Float(x) => x.base10_parse().map(Value::Float),
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

    fn parse_str(s: &str) -> Result<Spec, Vec<Error>> {
        parse(s.parse().unwrap(), Span::call_site())
    }

    #[test]
    fn parses_a_full_attribute() {
        let spec =
            parse_str(r#"gpu = "a100", dtype = "bf16", head_dim = 128, causal = true,"#).unwrap();
        assert_eq!(spec.key(), "fwd-a100-bf16-d128-causal");
    }

    #[test]
    fn parses_variants() {
        let spec = parse_str(
            r#"gpu = "h100", dtype = "bf16", head_dim = 128, causal = true, window = (1024, 0), softcap = 50.0"#,
        )
        .unwrap();
        assert_eq!(spec.key(), "fwd-h100-bf16-d128-causal-w1024_0-softcap50");
        let msgs: Vec<String> = parse_str(
            r#"gpu = "h100", dtype = "bf16", head_dim = 128, causal = true, window = (1024, 8)"#,
        )
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
        assert!(msgs[0].contains("right = 0"), "{msgs:?}");
    }

    #[test]
    fn parses_a_decode_request() {
        let r = parse_request(
            r#"mode = "decode", gpu = "h100", dtype = "f16", head_dim = 64, paged = true"#
                .parse()
                .unwrap(),
            Span::call_site(),
        )
        .unwrap();
        assert_eq!(r.kernel().key(), "dec-h100-f16-d64");
        let e = parse_request(
            r#"gpu = "h100", dtype = "f16", head_dim = 64, lse = true"#
                .parse()
                .unwrap(),
            Span::call_site(),
        )
        .unwrap_err();
        assert!(e[0].to_string().contains("mode = \"decode\""), "{}", e[0]);
    }

    #[test]
    fn grammar_errors_are_all_reported_in_order() {
        let msgs: Vec<String> = parse_str(r#"gpu = "v100", head_dim = 7, x = GPU"#)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(msgs[0].contains("unknown gpu"));
        assert!(msgs[1].contains("unsupported head_dim 7"));
        assert!(msgs[2].contains("unknown key `x`"));
        assert!(msgs[3].contains("quote it"));
        assert!(msgs[4].contains("missing `dtype"));
    }
}
