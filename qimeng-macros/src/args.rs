//! The attribute's `key = value` pairs: tokens in, [`qimeng_spec::Spec`] out, through the
//! parser the build script uses too ([`qimeng_spec::syntax`]). Missing keys are reported at the
//! attribute (the macro's call site).

use proc_macro2::{Span, TokenStream};
use qimeng_spec::Request;
#[cfg(test)]
use qimeng_spec::Spec;
use syn::Error;

/// Parses and validates the attribute's arguments, any mode; every error spanned.
pub(crate) fn parse_request(attr: TokenStream) -> Result<Request, Vec<Error>> {
    qimeng_spec::syntax::parse_request(attr, Span::call_site())
}

/// As [`parse_request`], for a prefill attribute.
#[cfg(test)]
pub(crate) fn parse(attr: TokenStream) -> Result<Spec, Vec<Error>> {
    qimeng_spec::syntax::parse(attr, Span::call_site())
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
            r#"gpu = "v100", dtype = 3, head_dim = 100, gpu = "h100", windows = 3, causal = "yes""#,
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
        assert_eq!(got[4].0, "windows");
        assert!(got[4].1.contains("unknown key `windows`"));
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
