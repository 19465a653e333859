use std::fmt;

use crate::DType;

/// A GPU that qimeng generates kernels for.
///
/// Facts about each card live in [`GPUS`]; reach them with [`Gpu::info`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gpu {
    /// NVIDIA T4 (Turing, sm_75).
    T4,
    /// NVIDIA Quadro RTX 8000 (Turing, sm_75).
    Rtx8000,
    /// NVIDIA A100 (Ampere, sm_80).
    A100,
    /// NVIDIA A10 (Ampere, sm_86).
    A10,
    /// NVIDIA GeForce RTX 3090 (Ampere, sm_86).
    Rtx3090,
    /// NVIDIA L4 (Ada, sm_89).
    L4,
    /// NVIDIA GeForce RTX 4090 (Ada, sm_89).
    Rtx4090,
    /// NVIDIA L40S (Ada, sm_89).
    L40s,
    /// NVIDIA H100 (Hopper, sm_90a).
    H100,
    /// NVIDIA H200 (Hopper, sm_90a).
    H200,
}

/// What a kernel generator needs to know about one GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuInfo {
    /// The card.
    pub gpu: Gpu,
    /// Name used in the attribute and the key, lower case (`"h100"`).
    pub name: &'static str,
    /// Compute capability as major * 10 + minor (`90` for sm_90a).
    pub sm: u32,
    /// Whether the arch-specific feature set (`sm_90a`: wgmma, setmaxnreg) is targeted.
    pub arch_specific: bool,
    /// Largest dynamic shared memory one block may opt into, in bytes.
    pub smem_per_block: u32,
    /// Shared memory of one SM, in bytes.
    pub smem_per_sm: u32,
    /// 32-bit registers of one SM.
    pub regs_per_sm: u32,
    /// Number of SMs of the common SKU.
    pub sm_count: u32,
    /// Element types the tensor cores take natively as GEMM operands.
    /// Any other dtype needs an explicit conversion step before its GEMMs.
    pub tensor_core_dtypes: &'static [DType],
    /// The widest warp-level `mma.sync` shape for 16-bit operands.
    pub mma_shape: &'static str,
    /// `cp.async` global -> shared copies (sm_80 and later).
    pub cp_async: bool,
    /// Warpgroup MMA (`wgmma`) and the TMA copy engine (sm_90a).
    pub wgmma: bool,
}

const KIB: u32 = 1024;
const TURING: &[DType] = &[DType::F16];
const AMPERE_ON: &[DType] = &[DType::F16, DType::Bf16];

/// The GPU table: one row per supported card. The single source of these facts.
pub const GPUS: &[GpuInfo] = &[
    turing(Gpu::T4, "t4", 40),
    turing(Gpu::Rtx8000, "rtx8000", 72),
    ampere(Gpu::A100, "a100", 80, 163 * KIB, 164 * KIB, 108),
    ampere(Gpu::A10, "a10", 86, 99 * KIB, 100 * KIB, 72),
    ampere(Gpu::Rtx3090, "rtx3090", 86, 99 * KIB, 100 * KIB, 82),
    ampere(Gpu::L4, "l4", 89, 99 * KIB, 100 * KIB, 58),
    ampere(Gpu::Rtx4090, "rtx4090", 89, 99 * KIB, 100 * KIB, 128),
    ampere(Gpu::L40s, "l40s", 89, 99 * KIB, 100 * KIB, 142),
    hopper(Gpu::H100, "h100"),
    hopper(Gpu::H200, "h200"),
];

const fn turing(gpu: Gpu, name: &'static str, sm_count: u32) -> GpuInfo {
    GpuInfo {
        gpu,
        name,
        sm: 75,
        arch_specific: false,
        smem_per_block: 64 * KIB,
        smem_per_sm: 64 * KIB,
        regs_per_sm: 64 * KIB,
        sm_count,
        tensor_core_dtypes: TURING,
        mma_shape: "m16n8k8",
        cp_async: false,
        wgmma: false,
    }
}

const fn ampere(
    gpu: Gpu,
    name: &'static str,
    sm: u32,
    smem_per_block: u32,
    smem_per_sm: u32,
    sm_count: u32,
) -> GpuInfo {
    GpuInfo {
        gpu,
        name,
        sm,
        arch_specific: false,
        smem_per_block,
        smem_per_sm,
        regs_per_sm: 64 * KIB,
        sm_count,
        tensor_core_dtypes: AMPERE_ON,
        mma_shape: "m16n8k16",
        cp_async: true,
        wgmma: false,
    }
}

const fn hopper(gpu: Gpu, name: &'static str) -> GpuInfo {
    GpuInfo {
        gpu,
        name,
        sm: 90,
        arch_specific: true,
        smem_per_block: 227 * KIB,
        smem_per_sm: 228 * KIB,
        regs_per_sm: 64 * KIB,
        sm_count: 132,
        tensor_core_dtypes: AMPERE_ON,
        mma_shape: "m16n8k16",
        cp_async: true,
        wgmma: true,
    }
}

impl Gpu {
    /// Every GPU of the table, in table order.
    pub fn all() -> impl Iterator<Item = Gpu> {
        GPUS.iter().map(|g| g.gpu)
    }

    /// This card's row of [`GPUS`].
    pub fn info(self) -> &'static GpuInfo {
        GPUS.iter()
            .find(|g| g.gpu == self)
            .expect("every Gpu variant has a row in GPUS")
    }

    /// The lower-case name used in attributes and keys.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a card up by its name (case-insensitive, `"H100"` and `"h100"` alike).
    pub fn from_name(name: &str) -> Option<Gpu> {
        let lower = name.to_ascii_lowercase();
        GPUS.iter().find(|g| g.name == lower).map(|g| g.gpu)
    }

    /// The known names, comma-separated, for error messages.
    pub fn known_names() -> String {
        GPUS.iter().map(|g| g.name).collect::<Vec<_>>().join(", ")
    }
}

impl GpuInfo {
    /// The nvcc real architecture, e.g. `sm_90a` or `sm_75`.
    pub fn sm_arch(&self) -> String {
        format!(
            "sm_{}{}",
            self.sm,
            if self.arch_specific { "a" } else { "" }
        )
    }

    /// The nvcc virtual architecture whose PTX ships beside the binary, e.g. `compute_75`.
    pub fn compute_arch(&self) -> String {
        format!(
            "compute_{}{}",
            self.sm,
            if self.arch_specific { "a" } else { "" }
        )
    }

    /// Whether the tensor cores take `dtype` as a GEMM operand without conversion.
    pub fn native_tensor_core(&self, dtype: DType) -> bool {
        self.tensor_core_dtypes.contains(&dtype)
    }
}

impl fmt::Display for Gpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_exactly_one_row() {
        for gpu in [
            Gpu::T4,
            Gpu::Rtx8000,
            Gpu::A100,
            Gpu::A10,
            Gpu::Rtx3090,
            Gpu::L4,
            Gpu::Rtx4090,
            Gpu::L40s,
            Gpu::H100,
            Gpu::H200,
        ] {
            assert_eq!(GPUS.iter().filter(|g| g.gpu == gpu).count(), 1, "{gpu:?}");
        }
    }

    #[test]
    fn arch_strings() {
        assert_eq!(Gpu::H100.info().sm_arch(), "sm_90a");
        assert_eq!(Gpu::T4.info().compute_arch(), "compute_75");
        assert!(!Gpu::T4.info().native_tensor_core(DType::Bf16));
        assert!(Gpu::A100.info().native_tensor_core(DType::Bf16));
    }

    #[test]
    fn names_round_trip_case_insensitively() {
        for g in GPUS {
            assert_eq!(Gpu::from_name(&g.name.to_uppercase()), Some(g.gpu));
        }
        assert_eq!(Gpu::from_name("v100"), None);
    }
}
