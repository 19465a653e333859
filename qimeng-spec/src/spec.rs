use std::fmt;

use crate::{DType, Gpu, GpuInfo};

/// Head dimensions a kernel may be generated for: rows of 16-byte vectors that the tensor-core
/// tiles divide evenly.
pub const HEAD_DIMS: &[u32] = &[32, 64, 96, 128, 192, 256];

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
}

impl Spec {
    /// The canonical key: names the cache entry, the generated wrapper file and (through
    /// [`Spec::symbol`]) the linked function. `fwd-<gpu>-<dtype>-d<head_dim>-<causal|full>`.
    pub fn key(&self) -> String {
        format!(
            "fwd-{}-{}-d{}-{}",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim,
            if self.causal { "causal" } else { "full" }
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
        let spec = Spec {
            gpu,
            dtype,
            head_dim,
            causal,
        };
        (parts.next().is_none() && HEAD_DIMS.contains(&head_dim) && spec.key() == key)
            .then_some(spec)
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
        format!(
            "#[flash_attention(gpu = \"{}\", dtype = \"{}\", head_dim = {}, causal = {})]",
            self.gpu.name(),
            self.dtype.name(),
            self.head_dim,
            self.causal
        )
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
        )
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
                        };
                        assert_eq!(Spec::from_key(&s.key()), Some(s));
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
        ] {
            assert_eq!(Spec::from_key(k), None, "{k}");
        }
    }
}
