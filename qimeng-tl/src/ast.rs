//! The syntax tree of a TL program. One [`Stmt`] per source line; `Loop` and `Role` own the
//! statements up to their `End`.
//!
//! Equality ignores source positions, so `parse(print(p)) == p` compares meaning and layout
//! (comments, blank lines) but not where a statement happened to stand.

use qimeng_spec::DType;

/// Where a statement or token stands in the source: 1-based line and column (in characters),
/// and its length in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column of the first character.
    pub col: u32,
    /// Length in characters (at least 1 when rendered).
    pub len: u32,
}

/// A whole program: the body of one thread block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// Top-level statements in order.
    pub stmts: Vec<Stmt>,
}

/// One statement with its position and an optional trailing `# comment`.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What the statement says.
    pub kind: StmtKind,
    /// The statement's text on its line (not compared by `==`).
    pub span: Span,
    /// Text after a trailing `#`, without the `#` (trailing blanks dropped).
    pub comment: Option<String>,
}

impl PartialEq for Stmt {
    fn eq(&self, other: &Stmt) -> bool {
        self.kind == other.kind && self.comment == other.comment
    }
}

impl Stmt {
    /// A statement with no position and no comment (for building programs in code).
    pub fn new(kind: StmtKind) -> Stmt {
        Stmt {
            kind,
            span: Span::default(),
            comment: None,
        }
    }
}

/// The statements of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// An empty line.
    Blank,
    /// A whole-line `# comment` (the text after `#`).
    Comment(String),
    /// `param BM = 128, BN = 64, ...`: tunable parameters, declared once.
    Param(Vec<(String, u64)>),
    /// `Allocate names in space (shape) dtype [at batch b, head h]`.
    Allocate(Allocate),
    /// `Copy ...`: a tile moved between memory spaces.
    Copy(Copy),
    /// `Compute ...`: arithmetic on register tiles.
    Compute(Compute),
    /// `Reshape S from accumulator layout to operand layout as dtype -> P`.
    Reshape(Reshape),
    /// `Sync`, `Sync arrive bar`, `Sync wait bar`.
    Sync(Sync),
    /// `Loop j over key blocks [up to the diagonal of block i]` ... `End`.
    Loop(Loop),
    /// `Role name (warps N[, registers R][, pingpong][, overlap])` ... `End`: statements run by
    /// one warp role.
    Role(Role),
    /// `Barrier full[, empty] for buf`: the mbarriers that guard a shared buffer (one per stage
    /// of a staged buffer).
    Barrier(Barrier),
    /// `Combine over splits` ... `End` (decode): the merge of the splits' partial outputs, run
    /// once per batch and KV head after every split block has finished (the CUDA's second
    /// kernel).
    Combine(Vec<Stmt>),
    /// `Schedule persistent [when COND]` or `Schedule block per tile [when COND]` (top level
    /// only): the statements up to the next `Schedule` are a whole program, one of the kernel's
    /// schedules; the launcher runs the first whose condition holds for the call's shape.
    Schedule(Schedule),
}

/// A memory space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// Device memory: the problem's tensors.
    Global,
    /// Per-block shared memory.
    Shared,
    /// Per-thread registers (a tile is spread over the block's threads).
    Register,
}

impl Space {
    /// The keyword.
    pub fn name(self) -> &'static str {
        match self {
            Space::Global => "global",
            Space::Shared => "shared",
            Space::Register => "register",
        }
    }
}

/// An integer (or, in `scale`, real) expression over parameters and index names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A literal.
    Int(u64),
    /// A name: a parameter, `S_q`, `S_k`, `GROUP`, `b`, `h`, `i`, a loop variable, `key`,
    /// `query`, `e`, `softmax_scale`.
    Var(String),
    /// `f(args)`: `log2`, `exp2`, `min`, `max`, `abs`.
    Call(String, Vec<Expr>),
    /// `a op b`.
    Bin(Box<Expr>, BinOp, Box<Expr>),
}

/// A binary operator; `*`, `/`, `%` bind tighter than `+`, `-`; all are left-associative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (floor division on integers)
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Binding strength: 1 for `+ -`, 2 for `* / %`.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            _ => 2,
        }
    }
}

/// A comparison `lhs op rhs` (mask conditions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    /// Left side.
    pub lhs: Expr,
    /// The comparison.
    pub op: CmpOp,
    /// Right side.
    pub rhs: Expr,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
}

impl CmpOp {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
        }
    }

    /// Applies the comparison.
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
        }
    }
}

/// `Allocate names in space (shape) dtype [at batch B, head H]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocate {
    /// One or more buffer names, each with this shape.
    pub names: Vec<String>,
    /// Where the buffers live.
    pub space: Space,
    /// Dimensions, outermost first.
    pub shape: Vec<Expr>,
    /// Element type.
    pub dtype: DType,
    /// For global tensors: which batch and head this block sees.
    pub at: Option<GlobalAt>,
}

/// `at batch B, head H`: the slice of a `[batch, seq, heads, head_dim]` tensor a block uses;
/// `at sequence B, head H` (varlen): rows `cu_seqlens[B] .. cu_seqlens[B + 1]` of a packed
/// `[total_tokens, heads, head_dim]` tensor, with `S_q` and `S_k` that sequence's lengths.
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalAt {
    /// Whether the tensor is packed and addressed by sequence (`at sequence`).
    pub packed: bool,
    /// Batch (or sequence) index (normally `b`).
    pub batch: Expr,
    /// Head index (`h` for Q and O, `h / GROUP` for K and V).
    pub head: Expr,
    /// `group` (decode): `at batch b, group H` — the `GROUP` query heads of KV head `H`,
    /// rows `r = query * GROUP + g` (query `r / GROUP`, query head `H * GROUP + r % GROUP`).
    pub group: bool,
    /// `through NAME` (decode): a paged cache read through the block table `NAME` — key `j` of
    /// sequence `batch` is row `j % page` of page `NAME[batch][j / page]`.
    pub paged: Option<String>,
}

/// Which sequence a tile coordinate walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// `row block i`: query rows.
    Row,
    /// `key block j`: key rows.
    Key,
    /// `split s` (decode): split `s`'s slice of a partial-result workspace.
    Split,
}

/// `[row block i]` / `[key block j]`: tile number `index` of the sequence, tile rows each.
#[derive(Clone, Debug, PartialEq)]
pub struct Coord {
    /// Query or key sequence.
    pub axis: Axis,
    /// The block index variable.
    pub index: String,
}

/// One option of a `Copy`.
#[derive(Clone, Debug, PartialEq)]
pub enum CopyOpt {
    /// `async`: cp.async (sm_80+); the data is there after the next `Sync`.
    Async,
    /// `sync`: through registers, done when the statement ends (per thread).
    Sync,
    /// `tma`: the Hopper copy engine (sm_90).
    Tma,
    /// `N deep`: pipelined over N buffers (stages).
    Deep(Expr),
    /// `rows >= E as zeros`: rows at or past E read as zeros (load guard).
    ZeroFill(Expr),
    /// `rows < E`: only rows before E are written (store guard).
    Guard(Expr),
}

/// `Copy srcs [tile] (shape) [as dtype] [at [coord]] [from space] to dsts [at [coord]] [(options)]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Copy {
    /// Source buffers.
    pub srcs: Vec<String>,
    /// Whether the word `tile` was written (no meaning; kept for the printer).
    pub tile: bool,
    /// Tile shape.
    pub shape: Vec<Expr>,
    /// Convert to this dtype on the way (stores of f32 accumulators).
    pub as_dtype: Option<DType>,
    /// Tile coordinate in the source (loads).
    pub src_at: Option<Coord>,
    /// The source space, if written out.
    pub from: Option<Space>,
    /// Destination buffers, one per source.
    pub dsts: Vec<String>,
    /// Tile coordinate in the destination (stores).
    pub dst_at: Option<Coord>,
    /// Option groups: `;` separates groups, `,` options within one.
    pub options: Vec<Vec<CopyOpt>>,
}

impl Copy {
    /// Every option, flattened.
    pub fn opts(&self) -> impl Iterator<Item = &CopyOpt> {
        self.options.iter().flatten()
    }
}

/// A GEMM operand, possibly transposed (`sK^T`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operand {
    /// Buffer name.
    pub name: String,
    /// `^T`.
    pub transposed: bool,
}

/// `exp` or `exp2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpBase {
    /// Natural exponential.
    E,
    /// Base 2 (scores scaled by log2(e) first).
    Two,
}

impl ExpBase {
    /// The keyword.
    pub fn name(self) -> &'static str {
        match self {
            ExpBase::E => "exp",
            ExpBase::Two => "exp2",
        }
    }
}

/// Which key blocks a mask is applied on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskWhen {
    /// Every block (no qualifier).
    Always,
    /// `(tail block only)`: the last key block of the sequence.
    Tail,
    /// `(diagonal blocks only)`: blocks that the causal diagonal crosses.
    Diagonal,
    /// `(if causal)` (decode): every block, when the launch asks for causal masking (a run-time
    /// flag of the decode kernels).
    IfCausal,
}

/// The units a GEMM runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// Tensor-core MMA (`mma.sync`, `wgmma`): 16-bit operands, f32 accumulators, MMA tile shapes.
    #[default]
    TensorCore,
    /// `on fma`: CUDA-core fused multiply-adds, exact f32 (the f32 kernels: tf32 tensor cores
    /// would miss f32's error standard). Any operand dtype; rows split over 16-thread groups.
    Fma,
    /// `on wgmma`: Hopper warpgroup MMA (sm_90a): asynchronous, 64 rows per warpgroup, B (and
    /// A, unless it is a register tile) read from shared memory.
    Wgmma,
}

/// The `Compute` forms.
#[derive(Clone, Debug, PartialEq)]
pub enum Compute {
    /// `GEMM a, b[^T] -> c [(shape)] [dtype] [(accumulate)] [on fma]`: c = a b (or c += a b), f32.
    Gemm {
        /// Left operand (M, K).
        a: Operand,
        /// Right operand (K, N), or (N, K) when transposed.
        b: Operand,
        /// Accumulator (M, N).
        c: String,
        /// Result shape, if written.
        shape: Option<Vec<Expr>>,
        /// Accumulator dtype, if written.
        dtype: Option<DType>,
        /// `(accumulate)`: add to c instead of overwriting it.
        accumulate: bool,
        /// Which units multiply: tensor cores (the default) or `on fma`.
        engine: Engine,
    },
    /// `scale S by expr`.
    Scale {
        /// The tile.
        target: String,
        /// Real-valued factor (`softmax_scale * log2(e)`).
        factor: Expr,
    },
    /// `mask S where cond [(tail block only | diagonal blocks only)]`: -inf where cond holds.
    Mask {
        /// The score tile.
        target: String,
        /// Over `key`, `query` (absolute indices) and sizes.
        cond: Cond,
        /// On which blocks.
        when: MaskWhen,
    },
    /// `softcap S by cap`: `S = cap * tanh(S / cap)` elementwise (on `softmax_scale`-scaled
    /// scores, before any mask).
    Softcap {
        /// The score tile.
        target: String,
        /// The cap (an integer expression).
        cap: Expr,
    },
    /// `bias S by [-]expr`: adds the real expression (over `key`, `query`, `slope`, sizes),
    /// negated when written with a leading `-`, to each score. ALiBi is
    /// `bias S by -slope * abs(query + S_k - S_q - key)` on `softmax_scale`-scaled scores,
    /// before any mask (`slope`: this block's head's slope, of its batch entry).
    Bias {
        /// The score tile.
        target: String,
        /// Whether the term is negated (a leading `-`).
        negative: bool,
        /// The term added (or subtracted).
        term: Expr,
    },
    /// `rowmax S -> m_new [(shape)]`: m_new = max(m, max of each row of S), m the running max.
    RowMax {
        /// Score tile.
        src: String,
        /// New running max.
        dst: String,
        /// Shape, if written.
        shape: Option<Vec<Expr>>,
    },
    /// `rescale X, Y by exp2(m - m_new)[; m = m_new]`.
    Rescale {
        /// Row-scaled buffers.
        targets: Vec<String>,
        /// exp or exp2.
        base: ExpBase,
        /// Old running max.
        old: String,
        /// New running max.
        new: String,
        /// `; m = m_new`: commit the new max.
        commit: Option<(String, String)>,
    },
    /// `exp2 S - m_new -> P`: elementwise exponential of the row-shifted scores.
    Exp {
        /// exp or exp2.
        base: ExpBase,
        /// Scores.
        src: String,
        /// Row vector subtracted.
        sub: String,
        /// Destination.
        dst: String,
    },
    /// `rowsum P -> l [(accumulate)]`.
    RowSum {
        /// Tile.
        src: String,
        /// Row vector.
        dst: String,
        /// Add to dst.
        accumulate: bool,
    },
    /// `normalize O_acc by l [(l == 0 -> 0)]`: divide each row.
    Normalize {
        /// Tile divided.
        target: String,
        /// Row vector divisor.
        by: String,
        /// Rows whose divisor is 0 become 0 (rows that saw no key).
        zero_guard: bool,
    },
    /// `logsumexp2 m, l -> lse` (decode, end of a split): `lse = m + log2(l)` per row (`exp`:
    /// `m + ln(l)`), `-inf` where `l == 0`.
    Lse {
        /// exp or exp2: the domain of `m`.
        base: ExpBase,
        /// Running max.
        max: String,
        /// Row sum.
        sum: String,
        /// Destination row vector.
        dst: String,
    },
    /// `logsumexp2 lse_part over splits -> lse` (decode combine): `lse = log2 Σ_s 2^lse_part[s]`
    /// per row, the largest term subtracted first.
    SplitLse {
        /// exp or exp2.
        base: ExpBase,
        /// The partial lse workspace `(SPLITS, rows)`.
        src: String,
        /// Destination row vector.
        dst: String,
    },
    /// `merge O_part over splits [by exp2(lse_part - lse)] -> O_c` (decode combine):
    /// `O_c = Σ_s w_s O_part[s]` with `w_s = 2^(lse_part[s] - lse)` per row; no `by`: a plain
    /// sum (wrong unless there is one split).
    Merge {
        /// The partial output workspace `(SPLITS, rows, D)`.
        src: String,
        /// `by exp2(parts - total)`: the per-split weights.
        weight: Option<MergeWeight>,
        /// Destination tile.
        dst: String,
    },
    /// `convert X, Y from -> to`: round the contents in place.
    Convert {
        /// Buffers.
        names: Vec<String>,
        /// Dtype the contents have.
        from: DType,
        /// Dtype they get.
        to: DType,
    },
}

/// The weight of a `merge`: `exp2(parts - total)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeWeight {
    /// exp or exp2.
    pub base: ExpBase,
    /// The per-split lse (`lse_part`).
    pub parts: String,
    /// The combined lse.
    pub total: String,
}

/// `Reshape S from accumulator layout to operand layout as dtype -> P`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reshape {
    /// Accumulator tile.
    pub src: String,
    /// Operand dtype (rounded to).
    pub dtype: DType,
    /// Operand tile.
    pub dst: String,
}

/// Barriers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sync {
    /// `Sync`: block-wide barrier; waits for this thread's async copies first.
    Block,
    /// `Sync arrive bar`: signal a named barrier (producer/consumer).
    Arrive(String),
    /// `Sync wait bar`: wait on a named barrier; what the arrivals copied is visible after it.
    Wait(String),
}

/// Loop bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoopBound {
    /// Every key block.
    All,
    /// `up to the diagonal of block i`: key blocks a causal query block can see.
    Diagonal(String),
    /// `in the window of block i`: key blocks a query block's sliding window reaches (from the
    /// first row's left edge to the last row's right edge or diagonal).
    Window(String),
    /// `of split s` (decode): the key blocks split `s` of `SPLITS` owns — `per = cdiv(cdiv(S_k,
    /// BN), SPLITS)` blocks from `s * per` (none past the end).
    Split(String),
}

/// `Loop j over key blocks [...]` with its body.
#[derive(Clone, Debug, PartialEq)]
pub struct Loop {
    /// Loop variable.
    pub var: String,
    /// Range.
    pub bound: LoopBound,
    /// Body, up to `End`.
    pub body: Vec<Stmt>,
}

/// `Role name (warps N[, registers R])` with its body.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Role name (`producer`, `consumer`).
    pub name: String,
    /// Warps running the role.
    pub warps: u64,
    /// Registers per thread the role asks for (setmaxnreg, sm_90).
    pub registers: Option<u64>,
    /// `pingpong`: the role's warpgroups take turns issuing their GEMMs, so one warpgroup's
    /// softmax runs while another's GEMMs hold the tensor cores.
    pub pingpong: bool,
    /// `overlap`: within a warpgroup, block j's `GEMM P, sV` is issued right after block j+1's
    /// `GEMM sQ, sK^T` and runs while the softmax of block j+1 does (wgmma is asynchronous).
    pub overlap: bool,
    /// Body, up to `End`.
    pub body: Vec<Stmt>,
}

/// `Barrier full[, empty] for buf`: transaction barriers (mbarrier) guarding a shared buffer;
/// a staged buffer (leading `STAGES` dimension) has one of each per stage, a ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Barrier {
    /// Completes when a copy into the buffer (the stage of block `j`) has landed: readers wait
    /// on it.
    pub full: String,
    /// Completes when every reader of the stage is done with it: the writer waits on it before
    /// refilling the stage (first use of each stage: free). Absent for a buffer filled once.
    pub empty: Option<String>,
    /// The guarded shared buffer.
    pub buffer: String,
}

/// `Schedule ...`: how the grid maps blocks to tiles, and on which shapes this schedule runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// `persistent`: one block per SM takes tiles `(i, h, b)` in turn (the program is still one
    /// tile's body); otherwise (`block per tile`) one block per tile.
    pub persistent: bool,
    /// `when S_k <= 1024`: the shapes it runs on, over `S_q` and `S_k`; `None`: every shape no
    /// earlier schedule took (only the last schedule).
    pub when: Option<Cond>,
}

impl Program {
    /// The program's schedules in order: each top-level `Schedule` statement with the
    /// statements after it up to the next one, as a program of its own. A program without
    /// `Schedule` is one schedule (`None`). Statements before the first `Schedule` (its header
    /// comments) belong to none.
    pub fn schedules(&self) -> Vec<(Option<Schedule>, Program)> {
        let mut out: Vec<(Option<Schedule>, Program)> = Vec::new();
        for s in &self.stmts {
            match (&s.kind, out.last_mut()) {
                (StmtKind::Schedule(h), _) => out.push((Some(h.clone()), Program::default())),
                (_, Some((_, p))) => p.stmts.push(s.clone()),
                (_, None) => {}
            }
        }
        if out.is_empty() {
            out.push((None, self.clone()));
        }
        out
    }
}

/// Words that cannot name a buffer, parameter or variable.
pub const KEYWORDS: &[&str] = &[
    "param",
    "Allocate",
    "Copy",
    "Compute",
    "Reshape",
    "Sync",
    "Loop",
    "Role",
    "End",
    "in",
    "at",
    "batch",
    "sequence",
    "head",
    "tile",
    "as",
    "from",
    "to",
    "row",
    "key",
    "block",
    "blocks",
    "over",
    "up",
    "the",
    "diagonal",
    "of",
    "global",
    "shared",
    "register",
    "f16",
    "bf16",
    "f32",
    "async",
    "sync",
    "tma",
    "deep",
    "rows",
    "zeros",
    "GEMM",
    "scale",
    "by",
    "mask",
    "where",
    "tail",
    "only",
    "rowmax",
    "rescale",
    "exp",
    "exp2",
    "rowsum",
    "accumulate",
    "normalize",
    "convert",
    "accumulator",
    "layout",
    "operand",
    "arrive",
    "wait",
    "warps",
    "registers",
    "query",
    "window",
    "softcap",
    "bias",
    "Barrier",
    "for",
    "pingpong",
    "overlap",
    "wgmma",
    "group",
    "through",
    "split",
    "splits",
    "causal",
    "if",
    "Combine",
    "logsumexp",
    "logsumexp2",
    "merge",
    "Schedule",
    "persistent",
    "when",
];

/// Whether `word` is reserved.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}
