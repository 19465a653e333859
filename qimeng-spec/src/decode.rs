//! Decode attention (`mode = "decode"`): a few new query tokens per sequence against a long,
//! optionally paged, key/value cache. The kernel ([`DecodeSpec`], key `dec-<gpu>-<dtype>-d<hd>`)
//! is fixed by the card, the dtype and the head size; paging, the block size, per-sequence
//! cache lengths, causal masking among the new tokens and the log-sum-exp output are launch
//! arguments of that one kernel (`kernels-cache/include/qimeng/decode_abi.h`), so they shape
//! the generated function ([`DecodeRequest`]) but not the key.

use std::fmt;

use crate::{Arg, ArgError, DType, Gpu, GpuInfo, Spec, Value};

/// Head dimensions the decode kernels exist for.
pub const DECODE_HEAD_DIMS: &[u32] = &[64, 128];

/// Element types the decode kernels exist for.
pub const DECODE_DTYPES: &[DType] = &[DType::F16, DType::Bf16];

/// Most new query tokens per sequence a decode launch takes.
pub const DECODE_MAX_SEQLEN_Q: u32 = 8;

/// Most query rows (`seqlen_q * heads_q / heads_kv`) one block owns: `QIMENG_DECODE_MAX_ROWS`.
pub const DECODE_MAX_ROWS: u32 = 64;

/// Most key/value splits of one launch: `QIMENG_DECODE_MAX_SPLITS`.
pub const DECODE_MAX_SPLITS: u32 = 256;

/// One decode kernel: everything that makes two decode kernels different.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecodeSpec {
    /// Target card.
    pub gpu: Gpu,
    /// Element type of q, the cache and out (f16 or bf16).
    pub dtype: DType,
    /// Size of each head's vectors (64 or 128).
    pub head_dim: u32,
}

impl DecodeSpec {
    /// The canonical key: `dec-<gpu>-<dtype>-d<head_dim>`.
    pub fn key(&self) -> String {
        format!(
            "dec-{}-{}-d{}",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim
        )
    }

    /// Parses a key made by [`DecodeSpec::key`]; `None` for anything else.
    pub fn from_key(key: &str) -> Option<DecodeSpec> {
        let mut parts = key.split('-');
        if parts.next()? != "dec" {
            return None;
        }
        let spec = DecodeSpec {
            gpu: Gpu::from_name(parts.next()?)?,
            dtype: DType::from_name(parts.next()?)?,
            head_dim: parts.next()?.strip_prefix('d')?.parse().ok()?,
        };
        (parts.next().is_none() && spec.check().is_ok() && spec.key() == key).then_some(spec)
    }

    /// Whether a decode kernel can exist for this spec, with the reason when not.
    pub fn check(&self) -> Result<(), String> {
        if !DECODE_DTYPES.contains(&self.dtype) {
            return Err(format!(
                "decode kernels take dtype \"f16\" or \"bf16\", not \"{}\"",
                self.dtype.name()
            ));
        }
        if !DECODE_HEAD_DIMS.contains(&self.head_dim) {
            return Err(format!(
                "decode kernels take head_dim 64 or 128, not {}",
                self.head_dim
            ));
        }
        Ok(())
    }

    /// The C symbol of the launch function.
    pub fn symbol(&self) -> String {
        format!("qimeng_{}", self.key().replace('-', "_"))
    }

    /// The Rust module name of the wrapper.
    pub fn module_name(&self) -> String {
        format!("__qimeng_{}", self.key().replace('-', "_"))
    }

    /// File name of the generated wrapper, relative to `$OUT_DIR/qimeng/`.
    pub fn wrapper_file(&self) -> String {
        format!("{}.rs", self.key())
    }

    /// File name, relative to `$OUT_DIR/qimeng/`, of the build script's reason for a miss.
    pub fn error_file(&self) -> String {
        format!("{}.error", self.key())
    }

    /// The target card's row of the GPU table.
    pub fn gpu_info(&self) -> &'static GpuInfo {
        self.gpu.info()
    }

    /// The default softmax scale, `1 / sqrt(head_dim)`.
    pub fn default_scale(&self) -> f32 {
        1.0 / (self.head_dim as f32).sqrt()
    }

    /// Keys per tile of the split kernel (`kBlockN` of the entry's kernel.cu, pinned by
    /// qimeng-tl's plan_matches_cuda test): a split owns whole tiles, so the split heuristic
    /// counts in these. Turing's smaller shared memory takes 32.
    pub fn tile_keys(&self) -> u32 {
        if self.gpu_info().sm < 80 { 32 } else { 64 }
    }

    /// Blocks of the split kernel resident on one SM (`kMinBlocksPerSm` of kernel.cu).
    pub fn blocks_per_sm(&self) -> u32 {
        if self.gpu_info().sm < 80 { 1 } else { 2 }
    }
}

impl fmt::Display for DecodeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mode = \"decode\", gpu = \"{}\", dtype = \"{}\", head_dim = {}",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim
        )
    }
}

/// Any kernel of the cache: a prefill (forward) kernel or a decode kernel. The cache, the
/// lock and the build script handle both through this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KernelSpec {
    /// `fwd-*`: [`Spec`].
    Prefill(Spec),
    /// `dec-*`: [`DecodeSpec`].
    Decode(DecodeSpec),
}

impl From<Spec> for KernelSpec {
    fn from(s: Spec) -> KernelSpec {
        KernelSpec::Prefill(s)
    }
}

impl From<DecodeSpec> for KernelSpec {
    fn from(s: DecodeSpec) -> KernelSpec {
        KernelSpec::Decode(s)
    }
}

impl KernelSpec {
    /// The canonical key ([`Spec::key`] or [`DecodeSpec::key`]).
    pub fn key(&self) -> String {
        match self {
            KernelSpec::Prefill(s) => s.key(),
            KernelSpec::Decode(s) => s.key(),
        }
    }

    /// Parses either kind of key.
    pub fn from_key(key: &str) -> Option<KernelSpec> {
        Spec::from_key(key)
            .map(KernelSpec::Prefill)
            .or_else(|| DecodeSpec::from_key(key).map(KernelSpec::Decode))
    }

    /// The C symbol of the launch function.
    pub fn symbol(&self) -> String {
        format!("qimeng_{}", self.key().replace('-', "_"))
    }

    /// The Rust module name of the wrapper.
    pub fn module_name(&self) -> String {
        format!("__qimeng_{}", self.key().replace('-', "_"))
    }

    /// File name of the generated wrapper, relative to `$OUT_DIR/qimeng/`.
    pub fn wrapper_file(&self) -> String {
        format!("{}.rs", self.key())
    }

    /// File name of the build script's reason for a miss, relative to `$OUT_DIR/qimeng/`.
    pub fn error_file(&self) -> String {
        format!("{}.error", self.key())
    }

    /// The target card.
    pub fn gpu(&self) -> Gpu {
        match self {
            KernelSpec::Prefill(s) => s.gpu,
            KernelSpec::Decode(s) => s.gpu,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            KernelSpec::Prefill(s) => s.dtype,
            KernelSpec::Decode(s) => s.dtype,
        }
    }

    /// The head size.
    pub fn head_dim(&self) -> u32 {
        match self {
            KernelSpec::Prefill(s) => s.head_dim,
            KernelSpec::Decode(s) => s.head_dim,
        }
    }

    /// The target card's row of the GPU table.
    pub fn gpu_info(&self) -> &'static GpuInfo {
        self.gpu().info()
    }

    /// The prefill spec, if this is one.
    pub fn prefill(&self) -> Option<Spec> {
        match self {
            KernelSpec::Prefill(s) => Some(*s),
            KernelSpec::Decode(_) => None,
        }
    }

    /// The decode spec, if this is one.
    pub fn decode(&self) -> Option<DecodeSpec> {
        match self {
            KernelSpec::Decode(s) => Some(*s),
            KernelSpec::Prefill(_) => None,
        }
    }

    /// The attribute that asks for this kernel, as a user would write it.
    pub fn attribute(&self) -> String {
        format!("#[flash_attention({self})]")
    }
}

impl fmt::Display for KernelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelSpec::Prefill(s) => s.fmt(f),
            KernelSpec::Decode(s) => s.fmt(f),
        }
    }
}

/// What a decode attribute asks for: the kernel, and the launch options that shape the
/// generated function's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecodeRequest {
    /// The kernel.
    pub spec: DecodeSpec,
    /// Causal masking among the new tokens (bottom-right: query `i` of a sequence of length
    /// `L` sees key `j` iff `j <= i + L - seqlen_q`).
    pub causal: bool,
    /// A paged cache (pool of blocks, block table per sequence) rather than a contiguous one.
    pub paged: bool,
    /// Whether the function also writes the log-sum-exp of each query row.
    pub lse: bool,
}

/// What one `#[flash_attention(...)]` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Request {
    /// Prefill (the default mode).
    Prefill(Spec),
    /// `mode = "decode"`.
    Decode(DecodeRequest),
}

/// The keys a decode attribute takes, with what each expects.
pub const DECODE_KEYS: &[(&str, &str)] = &[
    ("mode", "\"prefill\" (default) or \"decode\""),
    ("gpu", "a GPU name such as \"h100\""),
    ("dtype", "\"f16\" or \"bf16\""),
    ("head_dim", "64 or 128"),
    ("causal", "true or false (default false)"),
    (
        "paged",
        "true for a paged cache with a block table (default false)",
    ),
    (
        "lse",
        "true to also write each query row's log-sum-exp (default false)",
    ),
];

impl Request {
    /// The kernel this request needs.
    pub fn kernel(&self) -> KernelSpec {
        match self {
            Request::Prefill(s) => KernelSpec::Prefill(*s),
            Request::Decode(d) => KernelSpec::Decode(d.spec),
        }
    }

    /// Builds a request from the attribute's pairs: `mode` (default `"prefill"`) picks the
    /// grammar, prefill's being [`Spec::from_args`]. Every error is collected.
    pub fn from_args(args: &[Arg]) -> Result<Request, Vec<ArgError>> {
        let mut errors = Vec::new();
        let mut decode = false;
        let mut mode_at = None;
        for (i, arg) in args.iter().enumerate() {
            if arg.key != "mode" {
                continue;
            }
            if mode_at.is_some() {
                errors.push(ArgError {
                    arg: Some(i),
                    at_value: false,
                    message: "`mode` is given twice".into(),
                });
                continue;
            }
            mode_at = Some(i);
            match &arg.value {
                Value::Str(m) if m == "decode" => decode = true,
                Value::Str(m) if m == "prefill" => {}
                _ => errors.push(ArgError {
                    arg: Some(i),
                    at_value: true,
                    message: "`mode` expects \"prefill\" (the default) or \"decode\"".into(),
                }),
            }
        }

        // The pairs the prefill grammar judges, with their indices in `args`.
        let mut shared = Vec::new();
        let mut index = Vec::new();
        let mut flags = [None::<bool>; 2]; // paged, lse
        for (i, arg) in args.iter().enumerate() {
            let err = |at_value, message: String| ArgError {
                arg: Some(i),
                at_value,
                message,
            };
            match arg.key.as_str() {
                "mode" => {}
                key @ ("paged" | "lse") if !decode => errors.push(err(
                    false,
                    format!("`{key}` applies to decode kernels: add `mode = \"decode\"`"),
                )),
                key @ ("paged" | "lse") => {
                    let slot = &mut flags[usize::from(key == "lse")];
                    match (&arg.value, *slot) {
                        (_, Some(_)) => errors.push(err(false, format!("`{key}` is given twice"))),
                        (Value::Bool(b), None) => *slot = Some(*b),
                        _ => errors.push(err(true, format!("`{key}` expects true or false"))),
                    }
                }
                "block_size" if decode => errors.push(err(
                    false,
                    "the block size of a paged cache is a launch value, not part of the \
                     kernel: it is the second dimension of the k and v pools \
                     `[num_blocks, block_size, heads_kv, head_dim]`; remove `block_size`"
                        .into(),
                )),
                key @ ("window" | "softcap" | "alibi" | "varlen") if decode => errors.push(err(
                    false,
                    format!(
                        "decode kernels take no `{key}`; remove it or drop `mode = \"decode\"`"
                    ),
                )),
                _ => {
                    shared.push(arg.clone());
                    index.push(i);
                }
            }
        }

        let spec = match Spec::from_args(&shared) {
            Ok(spec) => Some(spec),
            Err(es) => {
                errors.extend(es.into_iter().map(|e| ArgError {
                    arg: e.arg.map(|i| index[i]),
                    ..e
                }));
                None
            }
        };
        let Some(spec) = spec.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        // Every prefill variant key is refused above in decode mode; a variant that still
        // reached the spec would be a key added to the prefill grammar since.
        if decode && !spec.variants.is_none() {
            return Err(vec![ArgError {
                arg: None,
                at_value: false,
                message: "decode kernels take no attention variants (window, softcap, alibi, \
                          varlen)"
                    .into(),
            }]);
        }
        if !decode {
            return Ok(Request::Prefill(spec));
        }
        let d = DecodeSpec {
            gpu: spec.gpu,
            dtype: spec.dtype,
            head_dim: spec.head_dim,
        };
        if let Err(message) = d.check() {
            let key = if DECODE_DTYPES.contains(&d.dtype) {
                "head_dim"
            } else {
                "dtype"
            };
            let at = args.iter().position(|a| a.key == key);
            return Err(vec![ArgError {
                arg: at,
                at_value: at.is_some(),
                message,
            }]);
        }
        Ok(Request::Decode(DecodeRequest {
            spec: d,
            causal: spec.causal,
            paged: flags[0].unwrap_or(false),
            lse: flags[1].unwrap_or(false),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    fn decode_args(extra: &[Arg]) -> Vec<Arg> {
        let mut v = vec![
            Arg::new("mode", s("decode")),
            Arg::new("gpu", s("h100")),
            Arg::new("dtype", s("bf16")),
            Arg::new("head_dim", Value::Int(128)),
        ];
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn decode_keys_round_trip() {
        for gpu in Gpu::all() {
            for &dtype in DECODE_DTYPES {
                for &head_dim in DECODE_HEAD_DIMS {
                    let d = DecodeSpec {
                        gpu,
                        dtype,
                        head_dim,
                    };
                    assert_eq!(DecodeSpec::from_key(&d.key()), Some(d));
                    assert_eq!(KernelSpec::from_key(&d.key()), Some(KernelSpec::Decode(d)));
                    assert_eq!(KernelSpec::from(d).symbol(), d.symbol());
                }
            }
        }
        for bad in [
            "dec-h100-f32-d128",
            "dec-h100-bf16-d96",
            "dec-h100-bf16-d128-x",
            "dec-h100-bf16-d0128",
            "dec-h100-bf16",
            "fwd-h100-bf16-d128",
        ] {
            assert_eq!(KernelSpec::from_key(bad), None, "{bad}");
        }
        let f = KernelSpec::from_key("fwd-t4-f16-d64-full").unwrap();
        assert_eq!(
            f.prefill().map(|s| s.key()).as_deref(),
            Some("fwd-t4-f16-d64-full")
        );
    }

    #[test]
    fn decode_attribute_parses() {
        let r = Request::from_args(&decode_args(&[
            Arg::new("paged", Value::Bool(true)),
            Arg::new("lse", Value::Bool(true)),
            Arg::new("causal", Value::Bool(true)),
        ]))
        .unwrap();
        let Request::Decode(d) = r else {
            panic!("{r:?}")
        };
        assert_eq!(d.spec.key(), "dec-h100-bf16-d128");
        assert!(d.paged && d.lse && d.causal);
        assert_eq!(r.kernel().key(), "dec-h100-bf16-d128");
        let plain = Request::from_args(&decode_args(&[])).unwrap();
        assert!(matches!(
            plain,
            Request::Decode(DecodeRequest {
                paged: false,
                lse: false,
                causal: false,
                ..
            })
        ));
    }

    #[test]
    fn prefill_is_the_default_mode() {
        let r = Request::from_args(&decode_args(&[])[1..]).unwrap();
        assert_eq!(r.kernel().key(), "fwd-h100-bf16-d128-full");
        let mut args = decode_args(&[]);
        args[0] = Arg::new("mode", s("prefill"));
        assert_eq!(
            Request::from_args(&args).unwrap().kernel().key(),
            "fwd-h100-bf16-d128-full"
        );
    }

    #[test]
    fn decode_errors_are_located() {
        // paged outside decode: at the key.
        let e = Request::from_args(&decode_args(&[Arg::new("paged", Value::Bool(true))])[1..])
            .unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(3), false));
        assert!(e[0].message.contains("mode = \"decode\""), "{}", e[0]);
        // block_size: at the key, says it is a launch value.
        let e = Request::from_args(&decode_args(&[Arg::new("block_size", Value::Int(16))]))
            .unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(4), false));
        assert!(e[0].message.contains("launch value"), "{}", e[0]);
        // f32 and head_dim 96: at the value.
        let mut args = decode_args(&[]);
        args[2] = Arg::new("dtype", s("f32"));
        let e = Request::from_args(&args).unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(2), true));
        let mut args = decode_args(&[]);
        args[3] = Arg::new("head_dim", Value::Int(96));
        let e = Request::from_args(&args).unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(3), true));
        assert!(e[0].message.contains("64 or 128"), "{}", e[0]);
        // Errors of the shared keys keep their indices; bad mode and flags at the value.
        let mut args = decode_args(&[Arg::new("lse", Value::Int(1))]);
        args[1] = Arg::new("gpu", s("v100"));
        let e = Request::from_args(&args).unwrap_err();
        let at: Vec<_> = e.iter().map(|e| (e.arg, e.at_value)).collect();
        assert_eq!(at, vec![(Some(4), true), (Some(1), true)]);
        let mut args = decode_args(&[]);
        args[0] = Arg::new("mode", s("train"));
        let e = Request::from_args(&args).unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(0), true));
        let e = Request::from_args(&decode_args(&[Arg::new("window", Value::Int(1))])).unwrap_err();
        assert_eq!((e[0].arg, e[0].at_value), (Some(4), false));
    }

    #[test]
    fn tile_geometry_follows_the_card() {
        let d = |gpu| DecodeSpec {
            gpu,
            dtype: DType::F16,
            head_dim: 64,
        };
        assert_eq!(
            (d(Gpu::T4).tile_keys(), d(Gpu::T4).blocks_per_sm()),
            (32, 1)
        );
        assert_eq!(
            (d(Gpu::H100).tile_keys(), d(Gpu::H100).blocks_per_sm()),
            (64, 2)
        );
    }
}
