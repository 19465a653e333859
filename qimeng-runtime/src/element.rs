//! Element types of device buffers: `f16`, `bf16` and `f32`.

use half::{bf16, f16};

use crate::DType;

mod sealed {
    pub trait Sealed {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
    impl Sealed for f32 {}
}

/// An element type a kernel reads and writes: [`f16`](struct@f16), [`bf16`] or `f32`.
///
/// Sealed: the set matches [`DType`], which the kernels are generated for. Every bit pattern of
/// these types is a valid value, so reading device memory back never makes an invalid one.
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// Widens to `f32` (exact for every type here).
    fn to_f32(self) -> f32;
    /// Rounds from `f32` to nearest even.
    fn from_f32(x: f32) -> Self;
}

impl Element for f16 {
    const DTYPE: DType = DType::F16;
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    fn from_f32(x: f32) -> Self {
        f16::from_f32(x)
    }
}

impl Element for bf16 {
    const DTYPE: DType = DType::Bf16;
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    fn from_f32(x: f32) -> Self {
        bf16::from_f32(x)
    }
}

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(x: f32) -> Self {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_dtypes() {
        assert_eq!(size_of::<f16>(), f16::DTYPE.size());
        assert_eq!(size_of::<bf16>(), bf16::DTYPE.size());
        assert_eq!(size_of::<f32>(), f32::DTYPE.size());
    }

    #[test]
    fn conversions_round_to_the_type() {
        assert_eq!(<f16 as Element>::from_f32(1.0 / 3.0).to_f32(), 0.333_251_95);
        assert_eq!(
            <bf16 as Element>::from_f32(1.0 / 3.0).to_f32(),
            0.333_984_38
        );
        assert_eq!(<f32 as Element>::from_f32(0.1).to_f32(), 0.1);
        // The 0xFFFF poison the tests write is NaN in both 16-bit types.
        assert!(f16::from_bits(0xFFFF).to_f32().is_nan());
        assert!(bf16::from_bits(0xFFFF).to_f32().is_nan());
    }
}
