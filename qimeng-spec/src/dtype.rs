use std::fmt;

/// Element type of q, k, v and out.
///
/// The Rust element types are those of the `half` crate (`half::f16`, `half::bf16`) and `f32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// IEEE single precision.
    F32,
}

impl DType {
    /// Every dtype, in key order.
    pub const ALL: [DType; 3] = [DType::F16, DType::Bf16, DType::F32];

    /// The name used in the attribute and in the key (`"f16"`, `"bf16"`, `"f32"`).
    pub const fn name(self) -> &'static str {
        match self {
            DType::F16 => "f16",
            DType::Bf16 => "bf16",
            DType::F32 => "f32",
        }
    }

    /// Parses an attribute or key name.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            DType::F16 | DType::Bf16 => 2,
            DType::F32 => 4,
        }
    }

    /// The last path segment of the Rust element type (`half::bf16` ends in `bf16`).
    pub const fn rust_type(self) -> &'static str {
        self.name()
    }

    /// The CUDA element type a kernel for this dtype reads and writes.
    pub const fn cuda_type(self) -> &'static str {
        match self {
            DType::F16 => "__half",
            DType::Bf16 => "__nv_bfloat16",
            DType::F32 => "float",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
