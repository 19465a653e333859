//! Property tests: the printer and the parser are inverses (`parse(print(p)) == p` for any
//! program), and the parser never panics on any text, TL-like or not.

use proptest::prelude::*;
use qimeng_spec::DType;
use qimeng_tl::Program;
use qimeng_tl::ast::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Q".to_string()),
        Just("sK".to_string()),
        Just("O_acc".to_string()),
        Just("m_new".to_string()),
        Just("T".to_string()),
        "[a-z][a-z0-9_]{0,5}".prop_filter("not a keyword", |s| !is_keyword(s)),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0u64..100_000).prop_map(Expr::Int),
        name().prop_map(Expr::Var),
        Just(Expr::Var("key".into())),
        Just(Expr::Var("query".into())),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        let op = prop_oneof![
            Just(BinOp::Add),
            Just(BinOp::Sub),
            Just(BinOp::Mul),
            Just(BinOp::Div),
            Just(BinOp::Rem)
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(l, o, r)| Expr::Bin(
                Box::new(l),
                o,
                Box::new(r)
            )),
            (name(), prop::collection::vec(inner, 1..3)).prop_map(|(n, a)| Expr::Call(n, a)),
        ]
    })
}

fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![Just(DType::F16), Just(DType::Bf16), Just(DType::F32)]
}

fn space() -> impl Strategy<Value = Space> {
    prop_oneof![
        Just(Space::Global),
        Just(Space::Shared),
        Just(Space::Register)
    ]
}

fn names() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), 1..3)
}

fn shape() -> impl Strategy<Value = Vec<Expr>> {
    prop::collection::vec(expr(), 1..4)
}

fn coord() -> impl Strategy<Value = Coord> {
    (
        prop_oneof![Just(Axis::Row), Just(Axis::Key), Just(Axis::Split)],
        name(),
    )
        .prop_map(|(axis, index)| Coord { axis, index })
}

fn copy_opt() -> impl Strategy<Value = CopyOpt> {
    prop_oneof![
        Just(CopyOpt::Async),
        Just(CopyOpt::Sync),
        Just(CopyOpt::Tma),
        expr().prop_map(CopyOpt::Deep),
        expr().prop_map(CopyOpt::ZeroFill),
        expr().prop_map(CopyOpt::Guard),
    ]
}

fn cond() -> impl Strategy<Value = Cond> {
    let op = prop_oneof![
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
        Just(CmpOp::Eq)
    ];
    (expr(), op, expr()).prop_map(|(lhs, op, rhs)| Cond { lhs, op, rhs })
}

fn base() -> impl Strategy<Value = ExpBase> {
    prop_oneof![Just(ExpBase::E), Just(ExpBase::Two)]
}

fn operand() -> impl Strategy<Value = Operand> {
    (name(), any::<bool>()).prop_map(|(name, transposed)| Operand { name, transposed })
}

fn compute() -> impl Strategy<Value = Compute> {
    prop_oneof![
        (
            operand(),
            operand(),
            name(),
            prop::option::of(shape()),
            prop::option::of(dtype()),
            any::<bool>(),
            prop_oneof![
                Just(Engine::TensorCore),
                Just(Engine::Fma),
                Just(Engine::Wgmma)
            ]
        )
            .prop_map(
                |(a, b, c, shape, dtype, accumulate, engine)| Compute::Gemm {
                    a,
                    b,
                    c,
                    shape,
                    dtype,
                    accumulate,
                    engine
                }
            ),
        (name(), expr()).prop_map(|(target, factor)| Compute::Scale { target, factor }),
        (name(), any::<bool>(), expr()).prop_map(|(target, negative, term)| Compute::Bias {
            target,
            negative,
            term
        }),
        (
            name(),
            cond(),
            prop_oneof![
                Just(MaskWhen::Always),
                Just(MaskWhen::Tail),
                Just(MaskWhen::Diagonal),
                Just(MaskWhen::IfCausal)
            ]
        )
            .prop_map(|(target, cond, when)| Compute::Mask { target, cond, when }),
        (name(), name(), prop::option::of(shape())).prop_map(|(src, dst, shape)| Compute::RowMax {
            src,
            dst,
            shape
        }),
        (
            names(),
            base(),
            name(),
            name(),
            prop::option::of((name(), name()))
        )
            .prop_map(|(targets, base, old, new, commit)| Compute::Rescale {
                targets,
                base,
                old,
                new,
                commit
            }),
        (base(), name(), name(), name()).prop_map(|(base, src, sub, dst)| Compute::Exp {
            base,
            src,
            sub,
            dst
        }),
        (name(), name(), any::<bool>()).prop_map(|(src, dst, accumulate)| Compute::RowSum {
            src,
            dst,
            accumulate
        }),
        (name(), name(), any::<bool>()).prop_map(|(target, by, zero_guard)| Compute::Normalize {
            target,
            by,
            zero_guard
        }),
        (names(), dtype(), dtype()).prop_map(|(names, from, to)| Compute::Convert {
            names,
            from,
            to
        }),
    ]
}

/// The decode forms: a split's lse, the combined lse over splits, the merge.
fn decode_compute() -> impl Strategy<Value = Compute> {
    prop_oneof![
        (base(), name(), name(), name()).prop_map(|(base, max, sum, dst)| Compute::Lse {
            base,
            max,
            sum,
            dst
        }),
        (base(), name(), name()).prop_map(|(base, src, dst)| Compute::SplitLse { base, src, dst }),
        (name(), prop::option::of((base(), name(), name())), name()).prop_map(
            |(src, weight, dst)| Compute::Merge {
                src,
                weight: weight.map(|(base, parts, total)| MergeWeight { base, parts, total }),
                dst
            }
        ),
    ]
}

fn comment() -> impl Strategy<Value = String> {
    "[ a-zA-Z0-9,.()#:-]{0,20}".prop_map(|s| s.trim_end().to_string())
}

fn simple() -> impl Strategy<Value = StmtKind> {
    prop_oneof![
        Just(StmtKind::Blank),
        comment().prop_map(StmtKind::Comment),
        prop::collection::vec((name(), 0u64..1 << 20), 1..4).prop_map(StmtKind::Param),
        (
            names(),
            space(),
            shape(),
            dtype(),
            prop::option::of((
                any::<bool>(),
                expr(),
                expr(),
                any::<bool>(),
                prop::option::of(name())
            ))
        )
            .prop_map(
                |(names, space, shape, dtype, at)| StmtKind::Allocate(Allocate {
                    names,
                    space,
                    shape,
                    dtype,
                    at: at.map(|(packed, batch, head, group, paged)| GlobalAt {
                        packed,
                        batch,
                        head,
                        group,
                        paged,
                    }),
                })
            ),
        (
            names(),
            any::<bool>(),
            shape(),
            prop::option::of(dtype()),
            prop::option::of(coord()),
            prop::option::of(space()),
            names(),
            prop::option::of(coord()),
            prop::collection::vec(prop::collection::vec(copy_opt(), 1..3), 0..3),
        )
            .prop_map(
                |(srcs, tile, shape, as_dtype, src_at, from, dsts, dst_at, options)| {
                    StmtKind::Copy(Copy {
                        srcs,
                        tile,
                        shape,
                        as_dtype,
                        src_at,
                        from,
                        dsts,
                        dst_at,
                        options,
                    })
                }
            ),
        compute().prop_map(StmtKind::Compute),
        decode_compute().prop_map(StmtKind::Compute),
        (name(), dtype(), name()).prop_map(|(src, dtype, dst)| StmtKind::Reshape(Reshape {
            src,
            dtype,
            dst
        })),
        prop_oneof![
            Just(Sync::Block),
            name().prop_map(Sync::Arrive),
            name().prop_map(Sync::Wait)
        ]
        .prop_map(StmtKind::Sync),
        (name(), prop::option::of(name()), name()).prop_map(|(full, empty, buffer)| {
            StmtKind::Barrier(Barrier {
                full,
                empty,
                buffer,
            })
        }),
    ]
}

fn stmt(kind: StmtKind, comment: Option<String>) -> Stmt {
    let mut s = Stmt::new(kind);
    if !matches!(s.kind, StmtKind::Blank | StmtKind::Comment(_)) {
        s.comment = comment;
    }
    s
}

fn stmts() -> impl Strategy<Value = Vec<Stmt>> {
    let leaf = prop::collection::vec(
        (simple(), prop::option::of(comment())).prop_map(|(k, c)| stmt(k, c)),
        0..6,
    );
    leaf.prop_recursive(2, 40, 6, |inner| {
        let block = prop_oneof![
            (name(), 0u8..4, name(), inner.clone()).prop_map(|(var, kind, at, body)| {
                let bound = match kind {
                    0 => LoopBound::All,
                    1 => LoopBound::Diagonal(at),
                    2 => LoopBound::Window(at),
                    _ => LoopBound::Split(at),
                };
                StmtKind::Loop(Loop { var, bound, body })
            }),
            inner.clone().prop_map(StmtKind::Combine),
            (
                name(),
                0u64..64,
                prop::option::of(0u64..256),
                any::<(bool, bool)>(),
                inner.clone()
            )
                .prop_map(|(name, warps, registers, (pingpong, overlap), body)| {
                    StmtKind::Role(Role {
                        name,
                        warps,
                        registers,
                        pingpong,
                        overlap,
                        body,
                    })
                }),
        ];
        prop::collection::vec(
            prop_oneof![
                3 => (simple(), prop::option::of(comment())).prop_map(|(k, c)| stmt(k, c)),
                1 => (block, prop::option::of(comment())).prop_map(|(k, c)| stmt(k, c)),
            ],
            0..6,
        )
    })
}

#[test]
fn parse_inverts_print() {
    // Nested strategies need more stack than a test thread has.
    let run = || {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
        runner
            .run(&stmts(), |body| {
                let program = Program { stmts: body };
                let text = program.to_string();
                let parsed = qimeng_tl::parse(&text)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(parsed, program, "{}", text);
                Ok(())
            })
            .unwrap();
    };
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]


    #[test]
    fn the_parser_never_panics_on_tl_like_text(
        words in prop::collection::vec(prop_oneof![
            "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
            "[0-9]{1,22}",
            prop::sample::select(vec!["(", ")", "[", "]", ",", ";", "->", "^T", "=", "==", "<", ">=", "+", "-", "*", "/", "%", "#", "\n", "\n  ", "End\n", "Loop j over key blocks\n", "Compute", "Copy", "Allocate", "Role r (warps 4)\n"]).prop_map(str::to_string),
        ], 0..40)
    ) {
        let text = words.join(" ");
        if let Ok(p) = qimeng_tl::parse(&text) {
            prop_assert_eq!(qimeng_tl::parse(&p.to_string()).unwrap(), p.clone());
            let _ = qimeng_tl::check(&p, &qimeng_tl::Target::gpu(qimeng_spec::Gpu::A100));
        }
    }

    #[test]
    fn the_parser_never_panics_on_any_text(text in "\\PC{0,200}") {
        let _ = qimeng_tl::parse(&text);
    }
}

#[test]
fn every_cache_program_survives_single_line_deletions() {
    // Dropping any one line of a real program: the parser and checker answer, never panic.
    let src = include_str!("../../kernels-cache/fwd-t4-bf16-d128-causal/kernel.tl");
    let lines: Vec<&str> = src.lines().collect();
    for skip in 0..lines.len() {
        let text: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        if let Ok(p) = qimeng_tl::parse(&text) {
            let _ = qimeng_tl::check(&p, &qimeng_tl::Target::gpu(qimeng_spec::Gpu::T4));
        }
    }
}
