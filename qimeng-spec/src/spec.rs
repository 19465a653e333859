use std::fmt;

use crate::{DType, Gpu, GpuInfo};

/// Head dimensions a kernel may be generated for: rows of 16-byte vectors that the tensor-core
/// tiles divide evenly.
pub const HEAD_DIMS: &[u32] = &[32, 64, 96, 128, 192, 256];

/// A sliding (local) attention window, aligned bottom-right like the causal mask: query row `i`
/// sees key `j` iff `i + seqlen_k - seqlen_q - left <= j <= i + seqlen_k - seqlen_q + right`
/// (FlashAttention's `window_size = (left, right)`; Mistral: `(4096, 0)` with causal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    /// Keys before the diagonal a query sees.
    pub left: u32,
    /// Keys after the diagonal a query sees (0 when causal).
    pub right: u32,
}

/// The attention variants of a spec besides causal masking; [`Variants::NONE`] is plain
/// attention. Each is a compile-time property of the kernel and appends a suffix to the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Variants {
    /// Sliding window (`-w<left>_<right>` in the key).
    pub window: Option<Window>,
    /// Logit soft-capping (Gemma 2): `s = cap * tanh(s / cap)` on the scaled scores, before any
    /// mask (`-softcap<cap>` in the key). A whole number so that the key spells it one way.
    pub softcap: Option<u32>,
    /// ALiBi (`-alibi` in the key): `s += -slope_h * |i + seqlen_k - seqlen_q - j|` on the
    /// scaled scores, bottom-right aligned like the causal mask (FlashAttention's convention);
    /// the per-head slopes are runtime data (`alibi_slopes` of the launch).
    pub alibi: bool,
    /// Packed variable-length batches (`-varlen` in the key): q and out are
    /// `[1, total_q, heads_q, head_dim]`, k and v `[1, total_k, heads_kv, head_dim]`, and
    /// sequence `b` owns rows `cu_seqlens_q[b]..cu_seqlens_q[b + 1]` of q and out and
    /// `cu_seqlens_k[b]..cu_seqlens_k[b + 1]` of k and v; causal and window alignment are per
    /// sequence.
    pub varlen: bool,
}

impl Variants {
    /// No variant: plain (or causal) attention.
    pub const NONE: Variants = Variants {
        window: None,
        softcap: None,
        alibi: false,
        varlen: false,
    };

    /// Whether no variant is set.
    pub fn is_none(&self) -> bool {
        *self == Variants::NONE
    }

    /// The key suffix, in this order: `-w<left>_<right>`, `-softcap<cap>`, `-alibi`,
    /// `-varlen` (`""` for none; `-w1024_0-varlen`, say).
    pub fn key_suffix(&self) -> String {
        let mut s = String::new();
        if let Some(w) = self.window {
            s += &format!("-w{}_{}", w.left, w.right);
        }
        if let Some(c) = self.softcap {
            s += &format!("-softcap{c}");
        }
        if self.alibi {
            s += "-alibi";
        }
        if self.varlen {
            s += "-varlen";
        }
        s
    }
}

/// One kernel: everything that makes two attention kernels different.
///
/// Causal masking, when on, is aligned to the bottom-right corner of the score matrix: query row
/// `i` sees key `j` when `j <= i + seqlen_k - seqlen_q` (as FlashAttention 2.1 and later).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Spec {
    /// Target card.
    pub gpu: Gpu,
    /// Element type of q, k, v and out.
    pub dtype: DType,
    /// Size of each head's vectors.
    pub head_dim: u32,
    /// Causal (bottom-right aligned) masking.
    pub causal: bool,
    /// Sliding window, softcap, ALiBi and varlen; [`Variants::NONE`] for plain attention.
    pub variants: Variants,
}

impl Spec {
    /// The canonical key: names the cache entry, the generated wrapper file and (through
    /// [`Spec::symbol`]) the linked function. `fwd-<gpu>-<dtype>-d<head_dim>-<causal|full>`,
    /// then the variants' suffix ([`Variants::key_suffix`]): `-w<left>_<right>` for a window,
    /// `-softcap<cap>` for a softcap, `-alibi` for ALiBi and `-varlen` for packed sequences,
    /// in that order (`fwd-h100-bf16-d128-causal-w1024_0-varlen`, say).
    pub fn key(&self) -> String {
        format!(
            "fwd-{}-{}-d{}-{}{}",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim,
            if self.causal { "causal" } else { "full" },
            self.variants.key_suffix()
        )
    }

    /// Parses a key made by [`Spec::key`]; `None` for anything else.
    pub fn from_key(key: &str) -> Option<Spec> {
        let mut parts = key.split('-');
        if parts.next()? != "fwd" {
            return None;
        }
        let gpu = Gpu::from_name(parts.next()?)?;
        let dtype = DType::from_name(parts.next()?)?;
        let head_dim: u32 = parts.next()?.strip_prefix('d')?.parse().ok()?;
        let causal = match parts.next()? {
            "causal" => true,
            "full" => false,
            _ => return None,
        };
        let mut variants = Variants::NONE;
        let mut next = parts.next();
        if let Some(w) = next.and_then(|p| p.strip_prefix('w')) {
            let (l, r) = w.split_once('_')?;
            variants.window = Some(Window {
                left: l.parse().ok()?,
                right: r.parse().ok()?,
            });
            next = parts.next();
        }
        if let Some(c) = next.and_then(|p| p.strip_prefix("softcap")) {
            variants.softcap = Some(c.parse().ok()?);
            next = parts.next();
        }
        if next == Some("alibi") {
            variants.alibi = true;
            next = parts.next();
        }
        if next == Some("varlen") {
            variants.varlen = true;
            next = parts.next();
        }
        let spec = Spec {
            gpu,
            dtype,
            head_dim,
            causal,
            variants,
        };
        // Round trip through `key` rejects leading zeros, `+`, and combinations that
        // `Spec::check_variants` refuses.
        (next.is_none()
            && HEAD_DIMS.contains(&head_dim)
            && spec.check_variants().is_ok()
            && spec.key() == key)
            .then_some(spec)
    }

    /// Whether the variants make sense together, with the reason when they do not:
    /// - a window with `right > 0` and `causal = true`: causal means `right = 0`;
    /// - a window with `right = 0` and `causal = false`: that is the causal window, spelled
    ///   `causal = true` (one kernel, one key);
    /// - a softcap of 0: no cap (omit `softcap`); above 10000: not a cap any model uses, and
    ///   `tanh(s / cap)` no longer differs from `s / cap` in f32;
    /// - ALiBi with a softcap: the bias would be added to capped scores, which are then no
    ///   longer capped (or, added before, the cap squashes the distance penalty it is meant to
    ///   impose); no model combines them, and the order would be an arbitrary convention.
    ///
    /// Varlen combines with everything (causal, window, softcap, ALiBi): each sequence is its
    /// own problem, aligned with its own lengths.
    pub fn check_variants(&self) -> Result<(), String> {
        if let Some(w) = self.variants.window {
            if self.causal && w.right > 0 {
                return Err(format!(
                    "a causal window has right = 0 (query i sees no key after i + S_k - S_q): \
                     write window = ({}, 0), or causal = false for a two-sided window",
                    w.left
                ));
            }
            if !self.causal && w.right == 0 {
                return Err(format!(
                    "window = ({}, 0) is the causal window: write causal = true, window = ({}, 0)",
                    w.left, w.left
                ));
            }
        }
        if let Some(c) = self.variants.softcap
            && !(1..=10000).contains(&c)
        {
            return Err(format!(
                "softcap {c} is out of range: a cap is 1 to 10000 (Gemma 2 uses 50); omit \
                 `softcap` for none"
            ));
        }
        if self.variants.alibi && self.variants.softcap.is_some() {
            return Err(
                "ALiBi and softcap do not combine: a bias added after the cap leaves \
                        the scores uncapped, and a cap applied after the bias squashes the \
                        distance penalty; no model uses both (drop one of `alibi`, `softcap`)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The C symbol of the launch function for this spec.
    pub fn symbol(&self) -> String {
        format!("qimeng_{}", self.key().replace('-', "_"))
    }

    /// The Rust module name the build script and the macro use for this spec's wrapper.
    pub fn module_name(&self) -> String {
        format!("__qimeng_{}", self.key().replace('-', "_"))
    }

    /// File name of the generated wrapper, relative to `$OUT_DIR/qimeng/`.
    pub fn wrapper_file(&self) -> String {
        format!("{}.rs", self.key())
    }

    /// File name, relative to `$OUT_DIR/qimeng/`, where the build script explains why it could
    /// not provide this spec (a cache miss, say), for the macro to report at the attribute.
    pub fn error_file(&self) -> String {
        format!("{}.error", self.key())
    }

    /// The attribute that asks for this spec, as a user would write it.
    pub fn attribute(&self) -> String {
        format!("#[flash_attention({self})]")
    }

    /// The target card's row of the GPU table.
    pub fn gpu_info(&self) -> &'static GpuInfo {
        self.gpu.info()
    }

    /// The default softmax scale, `1 / sqrt(head_dim)`.
    pub fn default_scale(&self) -> f32 {
        1.0 / (self.head_dim as f32).sqrt()
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gpu = \"{}\", dtype = \"{}\", head_dim = {}, causal = {}",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim,
            self.causal
        )?;
        if let Some(w) = self.variants.window {
            write!(f, ", window = ({}, {})", w.left, w.right)?;
        }
        if let Some(c) = self.variants.softcap {
            write!(f, ", softcap = {c}")?;
        }
        if self.variants.alibi {
            f.write_str(", alibi = true")?;
        }
        if self.variants.varlen {
            f.write_str(", varlen = true")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_key_round_trips() {
        for gpu in Gpu::all() {
            for dtype in DType::ALL {
                for &head_dim in HEAD_DIMS {
                    for causal in [false, true] {
                        let s = Spec {
                            gpu,
                            dtype,
                            head_dim,
                            causal,
                            variants: Variants::NONE,
                        };
                        assert_eq!(Spec::from_key(&s.key()), Some(s));
                        let window = Window {
                            left: 1024,
                            right: if causal { 0 } else { 256 },
                        };
                        let w = Variants {
                            window: Some(window),
                            ..Variants::NONE
                        };
                        let c = Variants {
                            softcap: Some(50),
                            ..Variants::NONE
                        };
                        let a = Variants {
                            alibi: true,
                            ..Variants::NONE
                        };
                        let vl = Variants {
                            varlen: true,
                            ..Variants::NONE
                        };
                        for variants in [
                            w,
                            c,
                            Variants {
                                softcap: Some(30),
                                ..w
                            },
                            a,
                            vl,
                            Variants { varlen: true, ..a },
                            Variants { varlen: true, ..w },
                            Variants {
                                window: Some(window),
                                ..Variants { varlen: true, ..c }
                            },
                            Variants {
                                window: Some(window),
                                ..Variants { varlen: true, ..a }
                            },
                        ] {
                            let v = Spec { variants, ..s };
                            assert_eq!(Spec::from_key(&v.key()), Some(v), "{}", v.key());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for k in [
            "",
            "fwd",
            "fwd-h100-bf16-d128",
            "fwd-h100-bf16-d100-full",
            "fwd-h100-bf16-d128-full-x",
            "fwd-H100-bf16-d128-full",
            "bwd-h100-bf16-d128-full",
            "fwd-h100-bf16-d0128-full",
            "fwd-h100-bf16-d128-causal-w128_64",
            "fwd-h100-bf16-d128-full-w128_0",
            "fwd-h100-bf16-d128-causal-w128",
            "fwd-h100-bf16-d128-causal-w0128_0",
            "fwd-h100-bf16-d128-causal-softcap0",
            "fwd-h100-bf16-d128-causal-softcap50-w128_0",
            "fwd-h100-bf16-d128-causal-softcap50.0",
            "fwd-h100-bf16-d128-causal-w128_0-",
            "fwd-h100-bf16-d128-causal-varlen-alibi",
            "fwd-h100-bf16-d128-causal-alibi-w128_0",
            "fwd-h100-bf16-d128-causal-softcap50-alibi",
            "fwd-h100-bf16-d128-causal-varlen-varlen",
            "fwd-h100-bf16-d128-causal-alibi-",
        ] {
            assert_eq!(Spec::from_key(k), None, "{k}");
        }
    }
}
