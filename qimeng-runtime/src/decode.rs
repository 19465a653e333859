//! Decode attention: a few new query tokens per sequence against a long key/value cache,
//! contiguous or paged ([`KvCache`]), launched through [`DecodeKernel::run`] with a reusable
//! [`DecodeWorkspace`]. The C side is `kernels-cache/include/qimeng/decode_abi.h`.

use std::ffi::c_void;
use std::fmt;

use crate::device::{DeviceGuard, check, cuda_error};
use crate::kernel::{abi_dims, abi_strides, take_pending_error};
use crate::tensor::View;
use crate::{ALIGN, DType, DeviceBuffer, Element, Error, Result, Stream, Tensor, TensorMut, ffi};
use qimeng_spec::{DECODE_MAX_ROWS, DECODE_MAX_SEQLEN_Q, DECODE_MAX_SPLITS, DecodeSpec};

/// The argument block of a decode launch: `QimengDecodeArgs` of
/// `kernels-cache/include/qimeng/decode_abi.h` (ABI version 2), field for field.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeArgs {
    /// Device address of q, `[batch, seqlen_q, heads_q, head_dim]`.
    pub q: *const c_void,
    /// Device address of the key pool, `[num_blocks, block_size, heads_kv, head_dim]`.
    pub k: *const c_void,
    /// Device address of the value pool, shaped as k.
    pub v: *const c_void,
    /// Device address of the output, shaped as q.
    pub o: *mut c_void,
    /// Device address of the f32 log-sum-exp output `[batch, heads_q, seqlen_q]`, or null.
    pub lse: *mut f32,
    /// Device address of the page table `[batch, block_table_stride]`; null for a contiguous cache.
    pub block_table: *const i32,
    /// Device address of the int32 cache length of each sequence, or null (all `max_seqlen_k`).
    pub cache_seqlens: *const i32,
    /// Device scratch for the split-KV counters and partials; unused (may be null) with one split.
    pub workspace: *mut c_void,
    /// Elements between batches of q.
    pub q_batch_stride: i64,
    /// Elements between query positions of q.
    pub q_row_stride: i64,
    /// Elements between heads of q.
    pub q_head_stride: i64,
    /// Elements between pages of the key pool.
    pub k_page_stride: i64,
    /// Elements between rows of a key page.
    pub k_row_stride: i64,
    /// Elements between heads of the key pool.
    pub k_head_stride: i64,
    /// Elements between pages of the value pool.
    pub v_page_stride: i64,
    /// Elements between rows of a value page.
    pub v_row_stride: i64,
    /// Elements between heads of the value pool.
    pub v_head_stride: i64,
    /// Elements between batches of the output.
    pub o_batch_stride: i64,
    /// Elements between query positions of the output.
    pub o_row_stride: i64,
    /// Elements between heads of the output.
    pub o_head_stride: i64,
    /// Entries between sequences of the block table.
    pub block_table_stride: i64,
    /// Number of sequences.
    pub batch: i32,
    /// New query tokens per sequence (1 to 8).
    pub seqlen_q: i32,
    /// Query heads, a multiple of `heads_kv`.
    pub heads_q: i32,
    /// Key/value heads.
    pub heads_kv: i32,
    /// Elements per head; the kernel's own head dim.
    pub head_dim: i32,
    /// Keys per page (the capacity for a contiguous cache).
    pub block_size: i32,
    /// Pages in the pool (the batch for a contiguous cache).
    pub num_blocks: i32,
    /// Longest cache length; every length is clamped to it.
    pub max_seqlen_k: i32,
    /// Chunks each sequence's keys are split into (1 to `DECODE_MAX_SPLITS`).
    pub num_splits: i32,
    /// 1 to mask causally among the new tokens, else 0.
    pub causal: i32,
    /// Factor applied to `q . k` before the softmax.
    pub softmax_scale: f32,
    /// Zero.
    pub reserved: i32,
}

// The layout of QimengDecodeArgs as gcc lays it out on x86-64 and aarch64 Linux.
const _: () = {
    assert!(size_of::<DecodeArgs>() == 216);
    assert!(align_of::<DecodeArgs>() == 8);
    assert!(std::mem::offset_of!(DecodeArgs, q_batch_stride) == 64);
    assert!(std::mem::offset_of!(DecodeArgs, batch) == 168);
    assert!(std::mem::offset_of!(DecodeArgs, softmax_scale) == 208);
};

/// A decode kernel's launch function, `int qimeng_dec_<...>(const QimengDecodeArgs*, void*)`
/// wrapped by generated code: enqueues on `stream` and returns the launch's `cudaError_t`.
pub type RawDecodeLaunch = unsafe fn(args: &DecodeArgs, stream: *mut c_void) -> i32;

/// Fewest tiles a split gets (unless the cache has fewer): a split block's fixed costs (the
/// length and query loads, the pipeline's first round trip, its partial output and its share of
/// the merge) are worth a few tiles of streaming, so shorter splits only add overhead (H100,
/// bench/NOTES.md decode v3: 2-3 tiles per split was slower than 5).
pub const DECODE_MIN_SPLIT_TILES: u32 = 4;

/// The number of key/value splits for a launch: enough blocks to fill the card's
/// `sm_count * blocks_per_sm` slots in one wave, with as few tiles per block as that allows.
///
/// With `batch * heads_kv` blocks already filling most of the card (80%) or a cache of one
/// tile, one split. Otherwise as many splits as fit one wave (at most
/// `slots / (batch * heads_kv)`, at least [`DECODE_MIN_SPLIT_TILES`] tiles each, at most
/// [`DECODE_MAX_SPLITS`]) give the fewest tiles per split, and of the counts that give that
/// many tiles the smallest is taken: every split then holds the same number of tiles but the
/// last, and none is empty. The block that streams the most tiles sets the time, so 15 splits of
/// a 64-tile cache (5 tiles each, 13 of them busy) cost as much as 13, while 16 take 4 each.
/// This is the one implementation of the heuristic; bench/decode.py mirrors it for its raw
/// library path.
pub fn num_splits(
    batch: u32,
    heads_kv: u32,
    max_seqlen_k: u32,
    tile_keys: u32,
    sm_count: u32,
    blocks_per_sm: u32,
) -> u32 {
    let tiles = max_seqlen_k.div_ceil(tile_keys.max(1));
    let base = u64::from(batch.max(1)) * u64::from(heads_kv.max(1));
    let slots = u64::from(sm_count.max(1)) * u64::from(blocks_per_sm.max(1));
    if tiles <= 1 || base * 10 >= slots * 8 {
        return 1;
    }
    let most = (slots / base)
        .min(u64::from(tiles / DECODE_MIN_SPLIT_TILES))
        .min(u64::from(DECODE_MAX_SPLITS))
        .max(1);
    let per = u64::from(tiles).div_ceil(most);
    // per >= 1 and tiles / per <= most <= DECODE_MAX_SPLITS: the count fits u32.
    u64::from(tiles).div_ceil(per) as u32
}

/// Where the keys and values of each sequence are, and how many there are.
///
/// Lengths and block tables are host data: each launch checks them and uploads them into the
/// [`DecodeWorkspace`]. The new tokens are the last `seqlen_q` keys of each sequence's cache.
#[derive(Clone, Copy)]
pub struct KvCache<'a, 'b, T: Element> {
    k: &'a Tensor<'b, T>,
    v: &'a Tensor<'b, T>,
    block_table: Option<&'a [i32]>,
    seqlens: Option<&'a [i32]>,
}

impl<'a, 'b, T: Element> KvCache<'a, 'b, T> {
    /// A contiguous cache: `k` and `v` are `[batch, capacity, heads_kv, head_dim]`; sequence
    /// `b` holds `seqlens[b]` keys (at most `capacity`), or `capacity` without `seqlens`.
    pub fn contiguous(
        k: &'a Tensor<'b, T>,
        v: &'a Tensor<'b, T>,
        seqlens: Option<&'a [i32]>,
    ) -> Self {
        KvCache {
            k,
            v,
            block_table: None,
            seqlens,
        }
    }

    /// A paged cache: `k` and `v` are pools `[num_blocks, block_size, heads_kv, head_dim]`
    /// (any block size: it is a launch value); `block_table` is `[batch, blocks_per_seq]`
    /// row-major, and key `j` of sequence `b` is row `j % block_size` of block
    /// `block_table[b * blocks_per_seq + j / block_size]`. Sequence `b` holds `seqlens[b]`
    /// keys, at most `blocks_per_seq * block_size`. Only the entries a sequence's length
    /// reaches are read, and each must lie in `[0, num_blocks)`.
    pub fn paged(
        k: &'a Tensor<'b, T>,
        v: &'a Tensor<'b, T>,
        block_table: &'a [i32],
        seqlens: &'a [i32],
    ) -> Self {
        KvCache {
            k,
            v,
            block_table: Some(block_table),
            seqlens: Some(seqlens),
        }
    }
}

/// Device memory a decode launch needs besides its tensors: the split-KV partial results and
/// the uploaded block table and cache lengths. Reuse one per stream: it grows to the largest
/// launch seen and then allocates nothing. Launches on one workspace must be ordered (one
/// stream, or synchronized), as each overwrites what the previous one uploaded.
pub struct DecodeWorkspace {
    device: i32,
    sm_count: u32,
    scratch: Option<Scratch>,
    /// Leading bytes of `scratch` known to be zero: the split counters of the last split
    /// launch, which each launch leaves zero (decode_abi.h); the partials after them are not.
    zero_prefix: usize,
    table: Option<Scratch>,
    seqlens: Option<Scratch>,
}

impl fmt::Debug for DecodeWorkspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeWorkspace")
            .field("device", &self.device)
            .field("sm_count", &self.sm_count)
            .finish_non_exhaustive()
    }
}

impl DecodeWorkspace {
    /// An empty workspace for launches on `stream`'s device, whose SM count it reads once
    /// (the split heuristic's input). Allocates nothing yet.
    pub fn new(stream: &Stream) -> Result<Self> {
        let info = crate::device_info(stream.device())?;
        Ok(Self::with_sm_count(stream.device(), info.sm_count))
    }

    /// An empty workspace for `device`, with the SM count given rather than read: for planning
    /// launches without a GPU ([`DecodeKernel::plan`]).
    pub fn with_sm_count(device: i32, sm_count: u32) -> Self {
        DecodeWorkspace {
            device,
            sm_count,
            scratch: None,
            zero_prefix: 0,
            table: None,
            seqlens: None,
        }
    }

    /// The SM count the split heuristic uses.
    pub fn sm_count(&self) -> u32 {
        self.sm_count
    }
}

/// A growable raw device allocation (bytes), freed on drop.
struct Scratch {
    buf: DeviceBuffer<f32>,
}

impl Scratch {
    /// Makes `slot` hold at least `bytes` bytes on `device`, reallocating only to grow.
    fn ensure(slot: &mut Option<Scratch>, device: i32, bytes: usize) -> Result<*mut c_void> {
        Self::ensure_fresh(slot, device, bytes).map(|(ptr, _)| ptr)
    }

    /// [`Scratch::ensure`], also saying whether the memory is a new allocation.
    fn ensure_fresh(
        slot: &mut Option<Scratch>,
        device: i32,
        bytes: usize,
    ) -> Result<(*mut c_void, bool)> {
        let words = bytes.div_ceil(4).max(1);
        let fresh = slot.as_ref().is_none_or(|s| s.buf.len() < words);
        if fresh {
            *slot = None; // free first: the old and the new need not fit together
            *slot = Some(Scratch {
                buf: DeviceBuffer::alloc_on(device, words)?,
            });
        }
        let scratch = slot.as_mut().ok_or(Error::EmptyBuffer)?;
        Ok((scratch.buf.as_mut_ptr().cast(), fresh))
    }

    /// Uploads `data` into `slot` on `stream` (ordered with the launch that reads it).
    fn upload(
        slot: &mut Option<Scratch>,
        device: i32,
        data: &[i32],
        stream: &Stream,
    ) -> Result<*const i32> {
        let bytes = size_of_val(data);
        let ptr = Self::ensure(slot, device, bytes)?;
        // SAFETY: `ptr` holds at least `bytes` bytes on the stream's device; a pageable host
        // source is staged before cudaMemcpyAsync returns, so `data` may go right after.
        check("cudaMemcpyAsync", unsafe {
            ffi::cudaMemcpyAsync(
                ptr,
                data.as_ptr().cast(),
                bytes,
                ffi::MEMCPY_HOST_TO_DEVICE,
                stream.as_raw(),
            )
        })?;
        Ok(ptr.cast_const().cast())
    }
}

/// A checked decode launch, before its host data is uploaded: what
/// [`DecodeKernel::plan`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodePlan {
    /// The arguments, with null `block_table`, `cache_seqlens` and `workspace` (filled at
    /// launch).
    pub args: DecodeArgs,
    /// The block table to upload (`[batch, blocks_per_seq]`), empty for a contiguous cache.
    pub block_table: Vec<i32>,
    /// The cache lengths to upload, empty when every sequence holds the whole capacity.
    pub seqlens: Vec<i32>,
    /// Bytes of split-KV workspace the launch needs (0 with one split).
    pub workspace_bytes: usize,
    /// Leading bytes of the workspace that hold the split counters, which must be zero when
    /// the launch starts (0 with one split); the launch leaves them zero.
    pub counter_bytes: usize,
}

/// A compiled decode kernel for one [`DecodeSpec`]: the only way to launch one.
#[derive(Clone, Copy)]
pub struct DecodeKernel {
    spec: DecodeSpec,
    raw: RawDecodeLaunch,
}

impl fmt::Debug for DecodeKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeKernel")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl DecodeKernel {
    /// Binds a launch function to the spec it implements.
    ///
    /// # Safety
    /// `raw` must launch a kernel implementing `spec` under `decode_abi.h`: given arguments
    /// [`run`](Self::run) has checked, it must access only the memory they address.
    pub const unsafe fn from_raw(spec: DecodeSpec, raw: RawDecodeLaunch) -> Self {
        DecodeKernel { spec, raw }
    }

    /// The spec the kernel implements.
    pub const fn spec(&self) -> DecodeSpec {
        self.spec
    }

    /// Computes, per sequence and query head, `out = softmax(q k^T * scale [+ causal]) v` over
    /// that sequence's cached keys, queued on `stream`; with `lse`, also writes each query
    /// row's natural-log log-sum-exp of the scaled scores (`-inf` for a row that sees no key)
    /// into `lse`, f32 `[batch, heads_q, seqlen_q]`. `scale` defaults to `1 / sqrt(head_dim)`.
    ///
    /// `q` and `out` are `[batch, seqlen_q, heads_q, head_dim]` with `seqlen_q` 1 to 8; the new
    /// tokens are the last `seqlen_q` keys of each sequence. With `causal`, query `i` of a
    /// sequence of length `L` sees key `j` iff `j <= i + L - seqlen_q`; a row that sees no key
    /// is zero. Query head `h` reads key/value head `h / (heads_q / heads_kv)`.
    ///
    /// Checked before anything reaches the GPU, each an `Err`: dtype and head_dim; shapes
    /// (q = out, k = v, batch, `seqlen_q` 1..=8, `heads_q` a multiple of `heads_kv`,
    /// `seqlen_q * heads_q / heads_kv <= 64`); a block table of `batch` whole rows whose
    /// entries used lie inside the pool; every length between 0 and its sequence's capacity;
    /// alignment (16 bytes), strides, devices, `out` and `lse` overlapping no input; the scale.
    // Each argument is one of the launch's inputs, as the attribute's generated function
    // forwards them; a builder would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn run<T: Element>(
        &self,
        workspace: &mut DecodeWorkspace,
        q: &Tensor<'_, T>,
        cache: KvCache<'_, '_, T>,
        out: &mut TensorMut<'_, T>,
        lse: Option<&mut DeviceBuffer<f32>>,
        causal: bool,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<()> {
        let lse_view = lse.map(|b| (b.as_mut_ptr() as usize, b.len(), b.device()));
        let plan = self.plan_inner(
            workspace,
            q,
            &cache,
            out.view(),
            lse_view,
            causal,
            scale,
            stream.device(),
        )?;
        let _guard = DeviceGuard::set(stream.device())?;
        take_pending_error()?;
        let device = workspace.device;
        let mut args = plan.args;
        if !plan.block_table.is_empty() {
            args.block_table =
                Scratch::upload(&mut workspace.table, device, &plan.block_table, stream)?;
        }
        if !plan.seqlens.is_empty() {
            args.cache_seqlens =
                Scratch::upload(&mut workspace.seqlens, device, &plan.seqlens, stream)?;
        }
        if plan.workspace_bytes > 0 {
            let (ptr, fresh) =
                Scratch::ensure_fresh(&mut workspace.scratch, device, plan.workspace_bytes)?;
            if fresh {
                workspace.zero_prefix = 0; // a new allocation holds anything
            }
            if plan.counter_bytes > workspace.zero_prefix {
                // SAFETY: `ptr` holds at least `workspace_bytes >= counter_bytes` bytes on the
                // stream's device; the memset is ordered before the launch on `stream`.
                check("cudaMemsetAsync", unsafe {
                    ffi::cudaMemsetAsync(ptr, 0, plan.counter_bytes, stream.as_raw())
                })?;
            }
            // The launch overwrites the partials right after its counters and leaves the
            // counters zero.
            workspace.zero_prefix = plan.counter_bytes;
            args.workspace = ptr;
        }
        // SAFETY: `from_raw`'s contract; the arguments passed every check, and the uploaded
        // tables and the workspace are as large as the plan says.
        let code = unsafe { (self.raw)(&args, stream.as_raw()) };
        if code == ffi::SUCCESS {
            Ok(())
        } else {
            Err(cuda_error("kernel launch", code))
        }
    }

    /// Every check of [`run`](Self::run) and the launch it would make (the split count from
    /// `workspace`'s SM count), touching no GPU. `lse` is `(device address, elements,
    /// device)` of the log-sum-exp buffer, if any.
    #[allow(clippy::too_many_arguments)]
    pub fn plan<T: Element>(
        &self,
        workspace: &DecodeWorkspace,
        q: &Tensor<'_, T>,
        cache: KvCache<'_, '_, T>,
        out: &TensorMut<'_, T>,
        lse: Option<(usize, usize, i32)>,
        causal: bool,
        scale: Option<f32>,
        stream: &Stream,
    ) -> Result<DecodePlan> {
        self.plan_inner(
            workspace,
            q,
            &cache,
            out.view(),
            lse,
            causal,
            scale,
            stream.device(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_inner<T: Element>(
        &self,
        workspace: &DecodeWorkspace,
        q: &Tensor<'_, T>,
        cache: &KvCache<'_, '_, T>,
        out: &View,
        lse: Option<(usize, usize, i32)>,
        causal: bool,
        scale: Option<f32>,
        device: i32,
    ) -> Result<DecodePlan> {
        validate(
            self.spec,
            T::DTYPE,
            q.view(),
            cache,
            out,
            lse,
            causal,
            scale,
            device,
            workspace,
        )
    }
}

/// Every check of [`DecodeKernel::run`].
#[allow(clippy::too_many_arguments)]
fn validate<T: Element>(
    spec: DecodeSpec,
    dtype: DType,
    q: &View,
    cache: &KvCache<'_, '_, T>,
    out: &View,
    lse: Option<(usize, usize, i32)>,
    causal: bool,
    scale: Option<f32>,
    device: i32,
    workspace: &DecodeWorkspace,
) -> Result<DecodePlan> {
    let (k, v) = (cache.k.view(), cache.v.view());
    let views = [("q", q), ("k", k), ("v", v), ("out", out)];
    if dtype != spec.dtype {
        return Err(Error::DType {
            tensor: "q",
            expected: spec.dtype,
            actual: dtype,
        });
    }
    for (tensor, t) in views {
        if u32::try_from(t.shape[3]).ok() != Some(spec.head_dim) {
            return Err(Error::HeadDim {
                tensor,
                expected: spec.head_dim,
                actual: t.shape[3],
                shape: t.shape,
            });
        }
        if t.shape.contains(&0) {
            return Err(Error::Empty {
                tensor,
                shape: t.shape,
            });
        }
    }
    for (first, a, second, b) in [("q", q, "out", out), ("k", k, "v", v)] {
        if a.shape != b.shape {
            return Err(Error::ShapeMismatch {
                first,
                first_shape: a.shape,
                second,
                second_shape: b.shape,
            });
        }
    }
    let [batch, seqlen_q, heads_q, _] = q.shape;
    let [pages, block_size, heads_kv, _] = k.shape;
    if !(1..=DECODE_MAX_SEQLEN_Q as usize).contains(&seqlen_q) {
        return Err(Error::Shape {
            tensor: "q",
            expected: format!("1 to {DECODE_MAX_SEQLEN_Q} new tokens per sequence (seqlen_q)"),
            actual: format!("seqlen_q {seqlen_q} in {:?}", q.shape),
        });
    }
    if heads_q % heads_kv != 0 {
        return Err(Error::HeadRatio {
            q_heads: heads_q,
            kv_heads: heads_kv,
        });
    }
    if seqlen_q * (heads_q / heads_kv) > DECODE_MAX_ROWS as usize {
        return Err(Error::Shape {
            tensor: "q",
            expected: format!(
                "seqlen_q * heads_q / heads_kv at most {DECODE_MAX_ROWS} (the query rows one \
                 block owns)"
            ),
            actual: format!(
                "{seqlen_q} * {heads_q} / {heads_kv} = {}",
                seqlen_q * heads_q / heads_kv
            ),
        });
    }

    // Capacity of each sequence, and the table to upload.
    let (capacity, blocks_per_seq, table) = match cache.block_table {
        None => {
            if pages != batch {
                return Err(Error::Shape {
                    tensor: "k",
                    expected: format!("batch {batch}, as q {:?} (a contiguous cache)", q.shape),
                    actual: format!("batch {pages} in {:?}", k.shape),
                });
            }
            (block_size, 1, Vec::new())
        }
        Some(table) => {
            if table.is_empty() || table.len() % batch != 0 {
                return Err(Error::BlockTable {
                    reason: format!(
                        "it has {} entries, not a whole row of blocks for each of the {batch} \
                         sequences",
                        table.len()
                    ),
                });
            }
            let per = table.len() / batch;
            let cap = per.checked_mul(block_size).ok_or_else(|| Error::Overflow {
                tensor: "k",
                what: format!("{per} blocks of {block_size} keys overflow"),
            })?;
            (cap, per, table.to_vec())
        }
    };
    let lens: Vec<i32> = match cache.seqlens {
        Some(lens) if lens.len() != batch => {
            return Err(Error::CacheLength {
                reason: format!("{} lengths for {batch} sequences", lens.len()),
            });
        }
        Some(lens) => lens.to_vec(),
        None => Vec::new(),
    };
    for (b, &len) in lens.iter().enumerate() {
        if len < 0 || len as usize > capacity {
            return Err(Error::CacheLength {
                reason: format!(
                    "sequence {b} has length {len}, outside 0..={capacity} (the keys its {})",
                    if cache.block_table.is_some() {
                        format!("{blocks_per_seq} blocks of {block_size} hold")
                    } else {
                        "cache holds".into()
                    }
                ),
            });
        }
        if let Some(row) = table.get(b * blocks_per_seq..(b + 1) * blocks_per_seq) {
            let used = (len as usize).div_ceil(block_size);
            if let Some((slot, &page)) = row[..used]
                .iter()
                .enumerate()
                .find(|(_, p)| !(0..pages as i64).contains(&i64::from(**p)))
            {
                return Err(Error::BlockTable {
                    reason: format!(
                        "sequence {b}'s block {slot} is {page}, outside the pool of {pages} blocks"
                    ),
                });
            }
        }
    }
    let max_len = if lens.is_empty() {
        capacity
    } else {
        lens.iter().map(|&l| l as usize).max().unwrap_or(0)
    };

    let [_, sq_rows, _, _] = abi_dims("q", q)?;
    let [abi_pages, abi_block, abi_heads_kv, head_dim] = abi_dims("k", k)?;
    let too_big = |what: &str, n: usize| Error::Overflow {
        tensor: "k",
        what: format!("{what} {n} does not fit the launch ABI's int32"),
    };
    let max_seqlen_k = i32::try_from(max_len).map_err(|_| too_big("cache length", max_len))?;
    let per_i64 = i64::try_from(blocks_per_seq)
        .map_err(|_| too_big("blocks per sequence", blocks_per_seq))?;
    let [batch_i, _, heads_q_i, _] = abi_dims("q", q)?;
    let [sq, sk, sv, so] = [
        abi_strides("q", q, dtype)?,
        abi_strides("k", k, dtype)?,
        abi_strides("v", v, dtype)?,
        abi_strides("out", out, dtype)?,
    ];
    for (tensor, t) in views {
        if t.addr % ALIGN != 0 {
            return Err(Error::Alignment {
                tensor,
                address: t.addr,
                align: ALIGN,
            });
        }
        if t.device != device {
            return Err(Error::Device {
                tensor,
                expected: device,
                actual: t.device,
            });
        }
    }
    if workspace.device != device {
        return Err(Error::Device {
            tensor: "workspace",
            expected: device,
            actual: workspace.device,
        });
    }
    let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
    let range = |t: &View| (t.addr, t.addr + t.byte_span());
    for (tensor, t) in &views[..3] {
        if overlaps(range(out), range(t)) {
            return Err(Error::Alias { tensor });
        }
    }
    let lse_ptr = match lse {
        None => std::ptr::null_mut(),
        Some((addr, len, lse_device)) => {
            let want = batch * heads_q * seqlen_q;
            if len != want {
                return Err(Error::Shape {
                    tensor: "lse",
                    expected: format!("{want} f32 values ([batch, heads_q, seqlen_q])"),
                    actual: format!("{len}"),
                });
            }
            if lse_device != device {
                return Err(Error::Device {
                    tensor: "lse",
                    expected: device,
                    actual: lse_device,
                });
            }
            // The address and length are caller input (`plan` takes them as numbers).
            let end = len
                .checked_mul(4)
                .and_then(|bytes| addr.checked_add(bytes))
                .ok_or_else(|| Error::Overflow {
                    tensor: "lse",
                    what: format!("{len} f32 values from address {addr:#x} pass the address space"),
                })?;
            for (tensor, t) in views {
                if overlaps((addr, end), range(t)) {
                    return Err(Error::LseAlias { tensor });
                }
            }
            addr as *mut f32
        }
    };
    let scale = scale.unwrap_or_else(|| spec.default_scale());
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Error::Scale { scale });
    }

    let splits = num_splits(
        batch as u32,
        heads_kv as u32,
        max_seqlen_k as u32,
        spec.tile_keys(),
        workspace.sm_count,
        // One slot per SM, not the kernel's occupancy (spec.blocks_per_sm()): measured on H100
        // (bench/NOTES.md, decode v3), twice as many splits was slower at batch 1 and 16 (each
        // block's fixed costs and the merge's reads grow with the count, while one block per
        // SM already keeps enough bytes in flight).
        1,
    );
    // decode_abi.h: int32 counters per (sequence, kv head), padded to 16 bytes, then the f32
    // partial outputs and log-sum-exps of every split.
    let (counter_bytes, workspace_bytes) = if splits > 1 {
        let counters = (batch * heads_kv * 4).next_multiple_of(16);
        let partials =
            splits as usize * batch * seqlen_q * heads_q * (spec.head_dim as usize + 1) * 4;
        (counters, counters + partials)
    } else {
        (0, 0)
    };
    Ok(DecodePlan {
        args: DecodeArgs {
            q: q.addr as *const c_void,
            k: k.addr as *const c_void,
            v: v.addr as *const c_void,
            o: out.addr as *mut c_void,
            lse: lse_ptr,
            block_table: std::ptr::null(),
            cache_seqlens: std::ptr::null(),
            workspace: std::ptr::null_mut(),
            q_batch_stride: sq[0],
            q_row_stride: sq[1],
            q_head_stride: sq[2],
            k_page_stride: sk[0],
            k_row_stride: sk[1],
            k_head_stride: sk[2],
            v_page_stride: sv[0],
            v_row_stride: sv[1],
            v_head_stride: sv[2],
            o_batch_stride: so[0],
            o_row_stride: so[1],
            o_head_stride: so[2],
            block_table_stride: if table.is_empty() { 0 } else { per_i64 },
            batch: batch_i,
            seqlen_q: sq_rows,
            heads_q: heads_q_i,
            heads_kv: abi_heads_kv,
            head_dim,
            block_size: abi_block,
            num_blocks: abi_pages,
            max_seqlen_k,
            num_splits: splits as i32,
            causal: i32::from(causal),
            softmax_scale: scale,
            reserved: 0,
        },
        block_table: table,
        seqlens: lens,
        workspace_bytes,
        counter_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gpu, bf16, device_count};
    use std::cell::RefCell;

    thread_local! {
        static LAUNCHES: RefCell<Vec<DecodeArgs>> = const { RefCell::new(Vec::new()) };
    }

    /// A launch function that records its arguments and succeeds.
    unsafe fn record(args: &DecodeArgs, _stream: *mut c_void) -> i32 {
        LAUNCHES.with(|l| l.borrow_mut().push(*args));
        0
    }

    const SPEC: DecodeSpec = DecodeSpec {
        gpu: Gpu::H100,
        dtype: DType::Bf16,
        head_dim: 128,
    };
    // SAFETY: `record` reads no memory through the arguments.
    const KERNEL: DecodeKernel = unsafe { DecodeKernel::from_raw(SPEC, record) };

    // Fake device addresses, never dereferenced.
    const Q: usize = 1 << 30;
    const K: usize = 2 << 30;
    const V: usize = 3 << 30;
    const O: usize = 4 << 30;
    const L: usize = 5 << 30;

    fn tensor(addr: usize, shape: [usize; 4]) -> Tensor<'static, bf16> {
        let strides = crate::tensor::contiguous(shape).unwrap();
        // SAFETY: fake address, never dereferenced.
        unsafe { Tensor::from_raw_parts(addr as *const bf16, 0, shape, strides) }.unwrap()
    }

    fn out(shape: [usize; 4]) -> TensorMut<'static, bf16> {
        let strides = crate::tensor::contiguous(shape).unwrap();
        // SAFETY: as `tensor`.
        unsafe { TensorMut::from_raw_parts(O as *mut bf16, 0, shape, strides) }.unwrap()
    }

    fn stream() -> Stream {
        // SAFETY: the legacy default stream, never launched on without a GPU.
        unsafe { Stream::from_raw(std::ptr::null_mut(), 0) }
    }

    fn ws() -> DecodeWorkspace {
        DecodeWorkspace::with_sm_count(0, 132)
    }

    /// Plans a paged launch: batch 2, seqlen_q `sq`, 32 / 8 heads, pool of 8 blocks of 16.
    fn paged(sq: usize, table: &[i32], lens: &[i32], lse: Option<usize>) -> Result<DecodePlan> {
        let q = tensor(Q, [2, sq, 32, 128]);
        let k = tensor(K, [8, 16, 8, 128]);
        let v = tensor(V, [8, 16, 8, 128]);
        let o = out([2, sq, 32, 128]);
        KERNEL.plan(
            &ws(),
            &q,
            KvCache::paged(&k, &v, table, lens),
            &o,
            lse.map(|n| (L, n, 0)),
            true,
            None,
            &stream(),
        )
    }

    #[test]
    fn a_paged_launch_is_planned() {
        let plan = paged(2, &[3, 1, 0, 7, 6, 5], &[40, 1], Some(2 * 32 * 2)).unwrap();
        let a = plan.args;
        assert_eq!((a.batch, a.seqlen_q, a.heads_q, a.heads_kv), (2, 2, 32, 8));
        assert_eq!((a.block_size, a.num_blocks, a.max_seqlen_k), (16, 8, 40));
        assert_eq!(a.block_table_stride, 3);
        assert_eq!(a.k_page_stride, 16 * 8 * 128);
        assert_eq!(a.lse, L as *mut f32);
        assert_eq!(a.causal, 1);
        assert_eq!(plan.block_table, vec![3, 1, 0, 7, 6, 5]);
        assert_eq!(plan.seqlens, vec![40, 1]);
        assert!(a.block_table.is_null() && a.workspace.is_null());
        assert_eq!(a.softmax_scale, 1.0 / 128f32.sqrt());
        // Entries past a sequence's length are not read, so not checked.
        assert!(paged(1, &[3, 1, 0, 7, -1, 99], &[40, 16], None).is_ok());
    }

    #[test]
    fn bad_host_data_is_an_error() {
        let msg = |r: Result<DecodePlan>| r.unwrap_err().to_string();
        let e = msg(paged(1, &[3, 1, 0, 7, 8, 5], &[40, 20], None));
        assert!(
            e.contains("sequence 1's block 1 is 8, outside the pool of 8"),
            "{e}"
        );
        let e = msg(paged(1, &[3, -1, 0, 7, 6, 5], &[40, 20], None));
        assert!(e.contains("block 1 is -1"), "{e}");
        let e = msg(paged(1, &[3, 1, 0, 7, 6, 5], &[49, 20], None));
        assert!(e.contains("length 49, outside 0..=48"), "{e}");
        let e = msg(paged(1, &[3, 1, 0, 7, 6, 5], &[-1, 20], None));
        assert!(e.contains("length -1"), "{e}");
        let e = msg(paged(1, &[3, 1, 0, 7, 6], &[4, 20], None));
        assert!(e.contains("not a whole row"), "{e}");
        let e = msg(paged(1, &[3, 1, 0, 7, 6, 5], &[4], None));
        assert!(e.contains("1 lengths for 2 sequences"), "{e}");
        let e = msg(paged(9, &[0; 6], &[4, 4], None));
        assert!(e.contains("1 to 8 new tokens"), "{e}");
        let e = msg(paged(1, &[0; 6], &[4, 4], Some(63)));
        assert!(e.contains("64 f32 values"), "{e}");
        let e = msg({
            // lse inside out's range.
            let q = tensor(Q, [2, 1, 32, 128]);
            let k = tensor(K, [8, 16, 8, 128]);
            let o = out([2, 1, 32, 128]);
            KERNEL.plan(
                &ws(),
                &q,
                KvCache::paged(&k, &k, &[0; 6], &[4, 4]),
                &o,
                Some((O + 64, 64, 0)),
                false,
                None,
                &stream(),
            )
        });
        assert!(e.starts_with("lse overlaps out"), "{e}");
    }

    #[test]
    fn lse_overlapping_an_input_or_passing_the_address_space_is_an_error() {
        let q = tensor(Q, [2, 1, 32, 128]);
        let k = tensor(K, [8, 16, 8, 128]);
        let o = out([2, 1, 32, 128]);
        let plan = |lse| {
            KERNEL.plan(
                &ws(),
                &q,
                KvCache::paged(&k, &k, &[0; 6], &[4, 4]),
                &o,
                Some(lse),
                false,
                None,
                &stream(),
            )
        };
        assert_eq!(
            plan((Q + 128, 64, 0)).unwrap_err(),
            Error::LseAlias { tensor: "q" }
        );
        // 64 values would end past usize::MAX: an Err, not a wrapped range that misses q.
        let err = plan((usize::MAX - 100, 64, 0)).unwrap_err();
        assert!(
            matches!(err, Error::Overflow { tensor: "lse", .. }),
            "{err}"
        );
    }

    #[test]
    fn heads_must_divide_and_rows_fit() {
        let q = tensor(Q, [1, 1, 12, 128]);
        let k = tensor(K, [1, 64, 8, 128]);
        let o = out([1, 1, 12, 128]);
        let e = KERNEL
            .plan(
                &ws(),
                &q,
                KvCache::contiguous(&k, &k, None),
                &o,
                None,
                false,
                None,
                &stream(),
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::HeadRatio {
                    q_heads: 12,
                    kv_heads: 8
                }
            ),
            "{e}"
        );
        let q = tensor(Q, [1, 8, 16, 128]);
        let k = tensor(K, [1, 64, 1, 128]);
        let o = out([1, 8, 16, 128]);
        let e = KERNEL
            .plan(
                &ws(),
                &q,
                KvCache::contiguous(&k, &k, None),
                &o,
                None,
                false,
                None,
                &stream(),
            )
            .unwrap_err();
        assert!(e.to_string().contains("8 * 16 / 1 = 128"), "{e}");
    }

    #[test]
    fn a_contiguous_launch_has_no_table() {
        let q = tensor(Q, [4, 1, 32, 128]);
        let k = tensor(K, [4, 4096, 8, 128]);
        let v = tensor(V, [4, 4096, 8, 128]);
        let o = out([4, 1, 32, 128]);
        let plan = KERNEL
            .plan(
                &ws(),
                &q,
                KvCache::contiguous(&k, &v, None),
                &o,
                None,
                false,
                Some(0.5),
                &stream(),
            )
            .unwrap();
        assert!(plan.block_table.is_empty() && plan.seqlens.is_empty());
        assert_eq!((plan.args.block_size, plan.args.num_blocks), (4096, 4));
        assert_eq!(plan.args.max_seqlen_k, 4096);
        // 32 blocks on 264 slots: split to fill the card.
        let s = plan.args.num_splits as usize;
        assert_eq!(s, num_splits(4, 8, 4096, 64, 132, 1) as usize);
        assert!(s > 1);
        assert_eq!(plan.counter_bytes, 4 * 8 * 4);
        assert_eq!(plan.workspace_bytes, 4 * 8 * 4 + s * 4 * 32 * 129 * 4);
        let plan = KERNEL
            .plan(
                &ws(),
                &q,
                KvCache::contiguous(&k, &v, Some(&[1, 2, 3, 100])),
                &o,
                None,
                false,
                None,
                &stream(),
            )
            .unwrap();
        assert_eq!(plan.args.max_seqlen_k, 100);
        let e = KERNEL
            .plan(
                &ws(),
                &q,
                KvCache::contiguous(&k, &v, Some(&[1, 2, 3, 4097])),
                &o,
                None,
                false,
                None,
                &stream(),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("length 4097, outside 0..=4096"),
            "{e}"
        );
    }

    #[test]
    fn the_split_heuristic() {
        // What the runtime asks for (one slot per SM) on the ANCHORS decode grid (H100, 8 kv
        // heads, 64-key tiles): 16 splits of 4 and 32 tiles at batch 1 (128 blocks), none from
        // batch 16 on.
        assert_eq!(num_splits(1, 8, 4096, 64, 132, 1), 16);
        assert_eq!(num_splits(1, 8, 32768, 64, 132, 1), 16);
        assert_eq!(num_splits(16, 8, 4096, 64, 132, 1), 1);
        // Batch 2 and 4: still one wave of 128 blocks.
        assert_eq!(num_splits(2, 8, 4096, 64, 132, 1), 8);
        assert_eq!(num_splits(4, 8, 32768, 64, 132, 1), 4);
        // A full card: one split; one tile: one split.
        assert_eq!(num_splits(64, 8, 32768, 64, 132, 2), 1);
        assert_eq!(num_splits(1, 8, 64, 64, 132, 2), 1);
        // 264 slots: 33 splits would leave the last one 8 of 16 tiles; 32 do it evenly.
        assert_eq!(num_splits(1, 8, 32768, 64, 132, 2), 32);
        // 65 tiles on 16 splits: 5 tiles each, so 13 splits (the last holds 5) do the same.
        assert_eq!(num_splits(1, 8, 65 * 64, 64, 132, 1), 13);
        // At least DECODE_MIN_SPLIT_TILES tiles per split; never past the ABI's limit.
        assert_eq!(num_splits(1, 1, 300, 64, 132, 2), 1);
        assert_eq!(num_splits(1, 1, 1000, 64, 132, 1), 4);
        assert_eq!(num_splits(1, 1, 1 << 24, 64, 1000, 2), DECODE_MAX_SPLITS);
    }

    #[test]
    fn split_launches_stay_under_the_wide_tiles_grid() {
        // decode_fwd.cuh runs 128-key tiles (WideSpec) where a launch has >= 2 blocks per SM;
        // the heuristic counts 64-key tiles, so it must only split grids below that: a split
        // launch fits one wave at one block per SM.
        for sms in [108, 114, 132] {
            for heads_kv in [1, 2, 4, 8, 16] {
                for batch in 1..=128 {
                    for len in [64, 1000, 4096, 32768, 1 << 20] {
                        let s = num_splits(batch, heads_kv, len, 64, sms, 1);
                        let blocks = u64::from(s) * u64::from(batch) * u64::from(heads_kv);
                        assert!(
                            s == 1 || blocks <= u64::from(sms),
                            "{s} splits of batch {batch} x {heads_kv} heads on {sms} SMs"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn run_launches_with_uploaded_tables() {
        if device_count().unwrap_or(0) == 0 {
            return;
        }
        let stream = Stream::new().unwrap();
        let mut ws = DecodeWorkspace::new(&stream).unwrap();
        let q_buf = DeviceBuffer::<bf16>::zeros(2 * 32 * 128).unwrap();
        let kv = DeviceBuffer::<bf16>::zeros(8 * 16 * 8 * 128).unwrap();
        let mut o_buf = DeviceBuffer::<bf16>::zeros(2 * 32 * 128).unwrap();
        let q = Tensor::new(&q_buf, [2, 1, 32, 128]).unwrap();
        let k = Tensor::new(&kv, [8, 16, 8, 128]).unwrap();
        let mut o = TensorMut::new(&mut o_buf, [2, 1, 32, 128]).unwrap();
        let cache = KvCache::paged(&k, &k, &[0, 1, 2, 3], &[32, 17]);
        KERNEL
            .run(&mut ws, &q, cache, &mut o, None, false, None, &stream)
            .unwrap();
        stream.synchronize().unwrap();
        let a = LAUNCHES.with(|l| l.borrow_mut().pop()).unwrap();
        assert!(!a.block_table.is_null() && !a.cache_seqlens.is_null());
    }
}
