//! The `#[flash_attention(...)]` argument grammar, shared by the macro (which has spans) and
//! the build script (which has file and line). Both hand over `key = value` pairs; errors point
//! back at a pair by its index so each side can render them in its own way.

use std::fmt;

use crate::{DType, Gpu, HEAD_DIMS, Spec, Variants, Window};

/// A literal on the right of `key = value`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(u64),
    /// `true` or `false`.
    Bool(bool),
    /// A float literal (`softcap = 50.0`).
    Float(f64),
    /// A parenthesized tuple of literals (`window = (1024, 0)`).
    Tuple(Vec<Value>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a bool",
            Value::Float(_) => "a float",
            Value::Tuple(_) => "a tuple",
        }
    }
}

/// One `key = value` pair of the attribute, in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The key, e.g. `gpu`.
    pub key: String,
    /// The literal.
    pub value: Value,
}

impl Arg {
    /// A pair.
    pub fn new(key: impl Into<String>, value: Value) -> Arg {
        Arg {
            key: key.into(),
            value,
        }
    }
}

/// A problem with the attribute's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgError {
    /// The offending pair's index in the argument list, or `None` when the problem is with the
    /// attribute as a whole (a missing key).
    pub arg: Option<usize>,
    /// Whether the error is about the value (`true`) or the key (`false`).
    pub at_value: bool,
    /// What is wrong and what would be right.
    pub message: String,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgError {}

/// The keys the attribute takes, with what each expects.
pub const KEYS: &[(&str, &str)] = &[
    ("gpu", "a GPU name such as \"h100\""),
    ("dtype", "\"f16\", \"bf16\" or \"f32\""),
    ("head_dim", "an integer head dimension"),
    ("causal", "true or false (default false)"),
    (
        "window",
        "a sliding window `(left, right)` of non-negative integers (default none)",
    ),
    (
        "softcap",
        "a whole-number logit cap such as 50 (default none)",
    ),
    (
        "alibi",
        "true or false (default false): ALiBi biases from per-head slopes",
    ),
    (
        "varlen",
        "true or false (default false): packed variable-length sequences",
    ),
];

impl Spec {
    /// Builds a spec from the attribute's pairs, collecting every error rather than stopping
    /// at the first. `gpu`, `dtype` and `head_dim` are required; `causal` defaults to false.
    pub fn from_args(args: &[Arg]) -> Result<Spec, Vec<ArgError>> {
        let mut errors = Vec::new();
        let mut gpu = None;
        let mut dtype = None;
        let mut head_dim = None;
        let mut causal = None;
        let mut variants = Variants::NONE;
        let mut seen: Vec<(&str, usize)> = Vec::new();

        for (i, arg) in args.iter().enumerate() {
            let key_err = |message: String| ArgError {
                arg: Some(i),
                at_value: false,
                message,
            };
            let value_err = |message: String| ArgError {
                arg: Some(i),
                at_value: true,
                message,
            };
            let Some(&(key, expects)) = KEYS.iter().find(|(k, _)| *k == arg.key) else {
                let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                errors.push(key_err(format!(
                    "unknown key `{}`; the keys are: {}",
                    arg.key,
                    known.join(", ")
                )));
                continue;
            };
            if let Some(&(_, first)) = seen.iter().find(|(k, _)| *k == key) {
                errors.push(key_err(format!(
                    "`{key}` is given twice (first as argument {})",
                    first + 1
                )));
                continue;
            }
            seen.push((key, i));
            match (key, &arg.value) {
                ("gpu", Value::Str(name)) => match Gpu::from_name(name) {
                    Some(g) => gpu = Some(g),
                    None => errors.push(value_err(format!(
                        "unknown gpu \"{name}\"; the known GPUs are: {}",
                        Gpu::known_names()
                    ))),
                },
                ("dtype", Value::Str(name)) => match DType::from_name(name) {
                    Some(d) => dtype = Some(d),
                    None => errors.push(value_err(format!(
                        "unknown dtype \"{name}\"; expected \"f16\", \"bf16\" or \"f32\""
                    ))),
                },
                ("head_dim", Value::Int(n)) => match u32::try_from(*n) {
                    Ok(n) if HEAD_DIMS.contains(&n) => head_dim = Some(n),
                    _ => errors.push(value_err(format!(
                        "unsupported head_dim {n}; supported head dims are {}",
                        HEAD_DIMS
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))),
                },
                ("causal", Value::Bool(b)) => causal = Some(*b),
                ("alibi", Value::Bool(b)) => variants.alibi = *b,
                ("varlen", Value::Bool(b)) => variants.varlen = *b,
                ("window", Value::Tuple(items)) => {
                    let side = |v: &Value| match v {
                        Value::Int(n) => u32::try_from(*n).ok(),
                        _ => None,
                    };
                    match items.as_slice() {
                        [l, r] if side(l).is_some() && side(r).is_some() => {
                            variants.window = Some(Window {
                                left: side(l).unwrap_or(0),
                                right: side(r).unwrap_or(0),
                            });
                        }
                        _ => errors.push(value_err(
                            "`window` expects two non-negative integers `(left, right)`, \
                             e.g. `window = (4096, 0)`"
                                .into(),
                        )),
                    }
                }
                ("softcap", v @ (Value::Int(_) | Value::Float(_) | Value::Str(_))) => {
                    let cap = match v {
                        Value::Int(n) => Some(*n as f64),
                        Value::Float(x) => Some(*x),
                        Value::Str(s) => s.trim().parse::<f64>().ok(),
                        _ => None,
                    };
                    match cap {
                        Some(c) if c.fract() == 0.0 && (1.0..=10000.0).contains(&c) => {
                            variants.softcap = Some(c as u32)
                        }
                        _ => errors.push(value_err(format!(
                            "`softcap` expects a whole number from 1 to 10000 (Gemma 2 uses \
                             50; the cap is part of the kernel's key, so fractions are not \
                             taken), found {}",
                            match v {
                                Value::Int(n) => n.to_string(),
                                Value::Float(x) => x.to_string(),
                                Value::Str(s) => format!("\"{s}\""),
                                _ => String::new(),
                            }
                        ))),
                    }
                }
                (_, v) => errors.push(value_err(format!(
                    "`{key}` expects {expects}, found {}",
                    v.kind()
                ))),
            }
        }

        let given = |key: &str| seen.iter().any(|(k, _)| *k == key);
        for key in ["gpu", "dtype", "head_dim"] {
            if !given(key) {
                let expects = KEYS.iter().find(|(k, _)| *k == key).map_or("", |k| k.1);
                errors.push(ArgError {
                    arg: None,
                    at_value: false,
                    message: format!("missing `{key} = ...` ({expects})"),
                });
            }
        }

        match (gpu, dtype, head_dim) {
            (Some(gpu), Some(dtype), Some(head_dim)) if errors.is_empty() => {
                let spec = Spec {
                    gpu,
                    dtype,
                    head_dim,
                    causal: causal.unwrap_or(false),
                    variants,
                };
                spec.check_variants().map(|()| spec).map_err(|message| {
                    // At the window when there is one (the softcap range is checked above),
                    // else at `alibi` (the ALiBi-softcap conflict).
                    let at = ["window", "alibi"]
                        .iter()
                        .find_map(|key| seen.iter().find(|(k, _)| k == key))
                        .map(|(_, i)| *i);
                    vec![ArgError {
                        arg: at,
                        at_value: at.is_some(),
                        message,
                    }]
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn full_spec_parses_and_causal_defaults_to_false() {
        let spec = Spec::from_args(&[
            Arg::new("gpu", s("T4")),
            Arg::new("dtype", s("f16")),
            Arg::new("head_dim", Value::Int(64)),
        ])
        .unwrap();
        assert_eq!(spec.key(), "fwd-t4-f16-d64-full");
    }

    #[test]
    fn errors_are_collected_and_located() {
        let errs = Spec::from_args(&[
            Arg::new("gpu", s("v100")),
            Arg::new("dtype", Value::Int(3)),
            Arg::new("head_dim", Value::Int(100)),
            Arg::new("gpu", s("h100")),
            Arg::new("windows", Value::Int(3)),
        ])
        .unwrap_err();
        let got: Vec<(Option<usize>, bool)> = errs.iter().map(|e| (e.arg, e.at_value)).collect();
        assert_eq!(
            got,
            vec![
                (Some(0), true),
                (Some(1), true),
                (Some(2), true),
                (Some(3), false),
                (Some(4), false)
            ]
        );
        assert!(errs[0].message.contains("t4, rtx8000, a100"), "{}", errs[0]);
        assert!(errs[2].message.contains("32, 64, 96, 128, 192, 256"));
        assert!(errs[3].message.contains("given twice"));
        assert!(errs[4].message.contains("unknown key `windows`"));
    }

    #[test]
    fn variants_parse_into_the_key() {
        let base = [
            Arg::new("gpu", s("h100")),
            Arg::new("dtype", s("bf16")),
            Arg::new("head_dim", Value::Int(128)),
        ];
        let with = |extra: &[Arg]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            Spec::from_args(&v)
        };
        let w = |l, r| Value::Tuple(vec![Value::Int(l), Value::Int(r)]);
        let spec = with(&[
            Arg::new("causal", Value::Bool(true)),
            Arg::new("window", w(1024, 0)),
            Arg::new("softcap", Value::Float(50.0)),
        ])
        .unwrap();
        assert_eq!(spec.key(), "fwd-h100-bf16-d128-causal-w1024_0-softcap50");
        assert_eq!(
            spec.attribute(),
            "#[flash_attention(gpu = \"h100\", dtype = \"bf16\", head_dim = 128, causal = true, \
             window = (1024, 0), softcap = 50)]"
        );
        let two_sided = with(&[Arg::new("window", w(256, 256))]).unwrap();
        assert_eq!(two_sided.key(), "fwd-h100-bf16-d128-full-w256_256");
        assert_eq!(
            with(&[Arg::new("softcap", s("30.0"))]).unwrap().key(),
            "fwd-h100-bf16-d128-full-softcap30"
        );

        // Rejected combinations, located at the window.
        let e = with(&[
            Arg::new("causal", Value::Bool(true)),
            Arg::new("window", w(128, 64)),
        ])
        .unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(4), true));
        assert!(e[0].message.contains("right = 0"), "{}", e[0]);
        let e = with(&[Arg::new("window", w(128, 0))]).unwrap_err();
        assert!(e[0].message.contains("causal = true"), "{}", e[0]);
        for bad in [Value::Int(0), Value::Float(30.5), s("x"), Value::Bool(true)] {
            let e = with(&[Arg::new("softcap", bad)]).unwrap_err();
            assert_eq!((e[0].arg, e[0].at_value), (Some(3), true));
        }
        let both = with(&[
            Arg::new("causal", Value::Bool(true)),
            Arg::new("window", w(1024, 0)),
            Arg::new("alibi", Value::Bool(true)),
            Arg::new("varlen", Value::Bool(true)),
        ])
        .unwrap();
        assert_eq!(both.key(), "fwd-h100-bf16-d128-causal-w1024_0-alibi-varlen");
        assert!(both.attribute().ends_with("alibi = true, varlen = true)]"));
        let e = with(&[
            Arg::new("softcap", Value::Int(30)),
            Arg::new("alibi", Value::Bool(true)),
        ])
        .unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(4), true));
        assert!(e[0].message.contains("ALiBi and softcap"), "{}", e[0]);
        let e = with(&[Arg::new("varlen", Value::Int(1))]).unwrap_err();
        assert!(
            e[0].message.contains("`varlen` expects true or false"),
            "{}",
            e[0]
        );
        let e = with(&[Arg::new("window", Value::Int(3))]).unwrap_err();
        assert!(e[0].message.contains("expects"), "{}", e[0]);
        let e = with(&[Arg::new("window", Value::Tuple(vec![Value::Int(1)]))]).unwrap_err();
        assert!(e[0].message.contains("(left, right)"), "{}", e[0]);
    }

    #[test]
    fn missing_keys_are_named() {
        let errs = Spec::from_args(&[Arg::new("causal", Value::Bool(true))]).unwrap_err();
        let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs.len(), 3);
        assert!(msgs[0].starts_with("missing `gpu"));
        assert!(msgs[1].starts_with("missing `dtype"));
        assert!(msgs[2].starts_with("missing `head_dim"));
    }
}
