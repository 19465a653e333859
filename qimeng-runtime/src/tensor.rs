//! Tensor views over device memory: [`Tensor`] (read) and [`TensorMut`] (write), shaped
//! `[batch, seqlen, heads, head_dim]` with strides in elements and the last dimension contiguous.

use std::fmt;
use std::marker::PhantomData;

use crate::{DeviceBuffer, Element, Error, Result};

/// What a view is, without its lifetime or element type: the metadata every check of a launch
/// reads. Building one proves that every element it addresses lies inside its memory and that
/// every byte address is representable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct View {
    /// Device address of element `[0, 0, 0, 0]`.
    pub(crate) addr: usize,
    pub(crate) device: i32,
    pub(crate) shape: [usize; 4],
    /// Batch, seq and head strides in elements; the head_dim stride is 1.
    pub(crate) strides: [usize; 3],
    /// Bytes of one element.
    pub(crate) elem: usize,
}

impl View {
    /// Number of elements from the first addressed one to the last, inclusive; 0 for an empty
    /// view. `None` on overflow.
    fn span(shape: [usize; 4], strides: [usize; 3]) -> Option<usize> {
        if shape.contains(&0) {
            return Some(0);
        }
        let mut last = shape[3] - 1;
        for (n, s) in shape[..3].iter().zip(strides) {
            last = last.checked_add((n - 1).checked_mul(s)?)?;
        }
        last.checked_add(1)
    }

    /// Bytes from the first addressed byte to one past the last; 0 when empty.
    pub(crate) fn byte_span(&self) -> usize {
        // Construction checked that the span, in bytes and added to `addr`, does not overflow.
        Self::span(self.shape, self.strides).unwrap_or(0) * self.elem
    }

    /// A view of `shape` with `strides` at `offset` elements into a buffer of `len` elements at
    /// device address `base`.
    fn in_buffer<T: Element>(
        base: usize,
        len: usize,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
        offset: usize,
    ) -> Result<View> {
        let span = Self::span(shape, strides).ok_or_else(|| overflow(shape, strides))?;
        let end = offset
            .checked_add(span)
            .ok_or_else(|| overflow(shape, strides))?;
        if span > 0 && end > len {
            return Err(Error::OutOfBounds {
                tensor: "view",
                shape,
                strides,
                offset,
                last: end - 1,
                len,
            });
        }
        // Within (or, for an empty view, at most one element past) the allocation: in range.
        let addr = base.wrapping_add(offset.min(len).wrapping_mul(size_of::<T>()));
        Ok(View {
            addr,
            device,
            shape,
            strides,
            elem: size_of::<T>(),
        })
    }

    /// A view over raw device memory at `addr`.
    fn raw<T: Element>(
        addr: usize,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
    ) -> Result<View> {
        Self::span(shape, strides)
            .and_then(|span| span.checked_mul(size_of::<T>()))
            .and_then(|bytes| addr.checked_add(bytes))
            .ok_or_else(|| overflow(shape, strides))?;
        Ok(View {
            addr,
            device,
            shape,
            strides,
            elem: size_of::<T>(),
        })
    }

    /// Rejects strides under which two indices name the same element: a writer would race
    /// with itself. (Sufficient test: ordered by stride, each dimension of size > 1 steps past
    /// everything the smaller ones span.)
    fn check_no_overlap(&self) -> Result<()> {
        if self.shape.contains(&0) {
            return Ok(());
        }
        let mut dims = [
            (1, self.shape[3]),
            (self.strides[2], self.shape[2]),
            (self.strides[1], self.shape[1]),
            (self.strides[0], self.shape[0]),
        ];
        dims.sort_unstable();
        let mut reach = 0usize; // highest index reached by the smaller dims
        for (stride, n) in dims.into_iter().filter(|&(_, n)| n > 1) {
            if stride <= reach {
                return Err(Error::Stride {
                    tensor: "view",
                    strides: self.strides,
                    reason: format!(
                        "a writable view's elements must not overlap, but the stride {stride} \
                         is within the {} elements the smaller dimensions of shape {:?} span",
                        reach + 1,
                        self.shape
                    ),
                });
            }
            // Bounded by the span, which construction checked.
            reach += (n - 1) * stride;
        }
        Ok(())
    }
}

fn overflow(shape: [usize; 4], strides: [usize; 3]) -> Error {
    Error::Overflow {
        tensor: "view",
        what: format!("shape {shape:?} with strides {strides:?} addresses more memory than exists"),
    }
}

/// The strides of a contiguous `[batch, seqlen, heads, head_dim]` tensor.
pub(crate) fn contiguous(shape: [usize; 4]) -> Result<[usize; 3]> {
    let head = shape[3];
    let seq = shape[2].checked_mul(head);
    let batch = seq.and_then(|s| shape[1].checked_mul(s));
    match (batch, seq) {
        (Some(batch), Some(seq)) => Ok([batch, seq, head]),
        _ => Err(overflow(shape, [0; 3])),
    }
}

/// A contiguous view must cover its buffer exactly: a different element count is almost always
/// a wrong dimension. (Use `with_strides` for a view of part of a buffer.)
fn check_covers(shape: [usize; 4], len: usize) -> Result<()> {
    let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n));
    if count == Some(len) {
        Ok(())
    } else {
        Err(Error::Shape {
            tensor: "view",
            expected: format!("{len} elements, the length of the buffer"),
            actual: format!(
                "{shape:?} = {} elements",
                count.map_or_else(|| "too many".to_string(), |c| c.to_string())
            ),
        })
    }
}

/// A read-only view `[batch, seqlen, heads, head_dim]` of device memory, borrowed for `'a`.
///
/// Strides count elements; the last dimension is contiguous. Every element the view addresses
/// lies inside its buffer (checked when it is made). Whether it suits a kernel (dtype, head_dim,
/// alignment, strides) is checked by [`AttentionKernel::run`](crate::AttentionKernel::run).
pub struct Tensor<'a, T: Element> {
    view: View,
    _borrow: PhantomData<&'a [T]>,
}

impl<T: Element> Clone for Tensor<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Element> Copy for Tensor<'_, T> {}

impl<'a, T: Element> Tensor<'a, T> {
    /// A contiguous view of the whole buffer, whose length must be the product of `shape`
    /// ([`Error::Shape`] otherwise).
    pub fn new(buf: &'a DeviceBuffer<T>, shape: [usize; 4]) -> Result<Self> {
        check_covers(shape, buf.len())?;
        Self::with_strides(buf, shape, contiguous(shape)?, 0)
    }

    /// A strided view starting `offset` elements into `buf`; `strides` are the batch, seq and
    /// head strides in elements. [`Error::OutOfBounds`] if any element lies outside `buf`.
    pub fn with_strides(
        buf: &'a DeviceBuffer<T>,
        shape: [usize; 4],
        strides: [usize; 3],
        offset: usize,
    ) -> Result<Self> {
        let view = View::in_buffer::<T>(
            buf.as_ptr() as usize,
            buf.len(),
            buf.device(),
            shape,
            strides,
            offset,
        )?;
        Ok(Tensor {
            view,
            _borrow: PhantomData,
        })
    }

    /// A view of device memory this crate did not allocate (another library's tensor, say).
    ///
    /// Only overflow is checked here; launches check the rest.
    ///
    /// # Safety
    /// `ptr` must be a device pointer on device `device`, and every element the view addresses
    /// must stay allocated, and not be written by anyone else, for `'a`.
    pub unsafe fn from_raw_parts(
        ptr: *const T,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
    ) -> Result<Self> {
        Ok(Tensor {
            view: View::raw::<T>(ptr as usize, device, shape, strides)?,
            _borrow: PhantomData,
        })
    }

    pub(crate) fn view(&self) -> &View {
        &self.view
    }
}

/// A writable view `[batch, seqlen, heads, head_dim]` of device memory, borrowed for `'a`.
///
/// As [`Tensor`], and in addition no two indices address the same element.
pub struct TensorMut<'a, T: Element> {
    view: View,
    _borrow: PhantomData<&'a mut [T]>,
}

impl<'a, T: Element> TensorMut<'a, T> {
    /// A contiguous view of the whole buffer, whose length must be the product of `shape`
    /// ([`Error::Shape`] otherwise).
    pub fn new(buf: &'a mut DeviceBuffer<T>, shape: [usize; 4]) -> Result<Self> {
        check_covers(shape, buf.len())?;
        let strides = contiguous(shape)?;
        Self::with_strides(buf, shape, strides, 0)
    }

    /// A strided view starting `offset` elements into `buf`; `strides` are the batch, seq and
    /// head strides in elements. [`Error::OutOfBounds`] if any element lies outside `buf`,
    /// [`Error::Stride`] if two indices would address the same element.
    pub fn with_strides(
        buf: &'a mut DeviceBuffer<T>,
        shape: [usize; 4],
        strides: [usize; 3],
        offset: usize,
    ) -> Result<Self> {
        let view = View::in_buffer::<T>(
            buf.as_mut_ptr() as usize,
            buf.len(),
            buf.device(),
            shape,
            strides,
            offset,
        )?;
        view.check_no_overlap()?;
        Ok(TensorMut {
            view,
            _borrow: PhantomData,
        })
    }

    /// A writable view of device memory this crate did not allocate.
    ///
    /// Overflow and overlapping strides are checked here; launches check the rest.
    ///
    /// # Safety
    /// `ptr` must be a device pointer on device `device`, and every element the view addresses
    /// must stay allocated, and not be read or written by anyone else, for `'a`.
    pub unsafe fn from_raw_parts(
        ptr: *mut T,
        device: i32,
        shape: [usize; 4],
        strides: [usize; 3],
    ) -> Result<Self> {
        let view = View::raw::<T>(ptr as usize, device, shape, strides)?;
        view.check_no_overlap()?;
        Ok(TensorMut {
            view,
            _borrow: PhantomData,
        })
    }

    /// A read-only view of the same elements, borrowing this one.
    pub fn as_tensor(&self) -> Tensor<'_, T> {
        Tensor {
            view: self.view,
            _borrow: PhantomData,
        }
    }

    /// The device address of element `[0, 0, 0, 0]`, writable. Not for host dereference.
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.view.addr as *mut T
    }

    pub(crate) fn view(&self) -> &View {
        &self.view
    }
}

/// Accessors both views share.
macro_rules! accessors {
    ($ty:ident) => {
        impl<T: Element> $ty<'_, T> {
            /// `[batch, seqlen, heads, head_dim]`.
            pub fn shape(&self) -> [usize; 4] {
                self.view.shape
            }
            /// Batch, seq and head strides in elements (the head_dim stride is 1).
            pub fn strides(&self) -> [usize; 3] {
                self.view.strides
            }
            /// Batch size.
            pub fn batch(&self) -> usize {
                self.view.shape[0]
            }
            /// Sequence length.
            pub fn seqlen(&self) -> usize {
                self.view.shape[1]
            }
            /// Number of heads.
            pub fn heads(&self) -> usize {
                self.view.shape[2]
            }
            /// Size of each head's vectors.
            pub fn head_dim(&self) -> usize {
                self.view.shape[3]
            }
            /// The CUDA ordinal of the device the memory is on.
            pub fn device(&self) -> i32 {
                self.view.device
            }
            /// Whether the strides are those of a contiguous tensor of this shape.
            pub fn is_contiguous(&self) -> bool {
                contiguous(self.view.shape).is_ok_and(|s| s == self.view.strides)
            }
            /// The device address of element `[0, 0, 0, 0]`. Not for host dereference.
            pub fn as_ptr(&self) -> *const T {
                self.view.addr as *const T
            }
        }

        impl<T: Element> fmt::Debug for $ty<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("dtype", &T::DTYPE)
                    .field("shape", &self.view.shape)
                    .field("strides", &self.view.strides)
                    .field("device", &self.view.device)
                    .field("addr", &format_args!("{:#x}", self.view.addr))
                    .finish()
            }
        }
    };
}
accessors!(Tensor);
accessors!(TensorMut);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bf16;

    const BASE: usize = 0x7f00_0000_0000;

    fn view(shape: [usize; 4], strides: [usize; 3], offset: usize, len: usize) -> Result<View> {
        View::in_buffer::<bf16>(BASE, len, 0, shape, strides, offset)
    }

    #[test]
    fn contiguous_strides_are_row_major() {
        assert_eq!(
            contiguous([2, 17, 4, 64]).unwrap(),
            [17 * 4 * 64, 4 * 64, 64]
        );
        assert!(matches!(
            contiguous([1, usize::MAX, 2, 64]),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn a_contiguous_view_must_cover_its_buffer() {
        check_covers([2, 17, 4, 64], 2 * 17 * 4 * 64).unwrap();
        let err = check_covers([2, 17, 4, 64], 2 * 16 * 4 * 64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "view has the wrong shape: expected 8192 elements, the length of the buffer, \
             got [2, 17, 4, 64] = 8704 elements"
        );
        assert!(check_covers([usize::MAX, 2, 1, 1], 4).is_err());
    }

    #[test]
    fn every_element_of_a_view_must_be_in_its_buffer() {
        // [1, 4, 2, 8] with row stride 24 (padded rows): last element 3*24 + 1*8 + 7 = 87.
        let v = view([1, 4, 2, 8], [96, 24, 8], 0, 88).unwrap();
        assert_eq!(v.byte_span(), 88 * 2);
        let err = view([1, 4, 2, 8], [96, 24, 8], 1, 88).unwrap_err();
        assert_eq!(
            err,
            Error::OutOfBounds {
                tensor: "view",
                shape: [1, 4, 2, 8],
                strides: [96, 24, 8],
                offset: 1,
                last: 88,
                len: 88
            }
        );
        assert!(
            err.to_string()
                .contains("reaches element 88, past the end of its buffer of 88 elements")
        );
        // The offset moves the address by whole elements.
        let v = view([1, 4, 2, 8], [96, 24, 8], 8, 200).unwrap();
        assert_eq!(v.addr, BASE + 16);
    }

    #[test]
    fn overflowing_strides_are_rejected_not_wrapped() {
        let err = view([3, 2, 2, 8], [usize::MAX / 2 + 1, 16, 8], 0, 100).unwrap_err();
        assert!(matches!(err, Error::Overflow { .. }), "{err:?}");
        let err = View::raw::<f32>(usize::MAX - 64, 0, [1, 1, 1, 32], [32, 32, 32]).unwrap_err();
        assert!(matches!(err, Error::Overflow { .. }), "{err:?}");
    }

    #[test]
    fn empty_views_address_nothing() {
        let v = view([0, 4, 2, 8], [64, 16, 8], 0, 1).unwrap();
        assert_eq!(v.byte_span(), 0);
        v.check_no_overlap().unwrap();
    }

    #[test]
    fn writable_views_must_not_overlap() {
        // Contiguous, padded and head-major layouts are fine.
        view([2, 3, 4, 8], [96, 32, 8], 0, 1000)
            .unwrap()
            .check_no_overlap()
            .unwrap();
        view([2, 3, 4, 8], [200, 40, 8], 0, 1000)
            .unwrap()
            .check_no_overlap()
            .unwrap();
        view([2, 3, 4, 8], [96, 8, 24], 0, 1000)
            .unwrap()
            .check_no_overlap()
            .unwrap();
        // A size-1 dimension may have any stride.
        view([1, 3, 4, 8], [0, 32, 8], 0, 1000)
            .unwrap()
            .check_no_overlap()
            .unwrap();
        // Broadcast heads (stride 0), rows overlapping the head_dim, heads overlapping rows.
        for strides in [[96, 32, 0], [96, 4, 8], [96, 32, 16]] {
            let err = view([2, 3, 4, 8], strides, 0, 1000)
                .unwrap()
                .check_no_overlap()
                .unwrap_err();
            assert!(
                matches!(err, Error::Stride { tensor: "view", .. }),
                "{strides:?}: {err:?}"
            );
            assert!(err.to_string().contains("must not overlap"), "{err}");
        }
    }
}
