//! The printer: the canonical text of a program, two spaces of indent per block level.
//! `parse(&program.to_string()) == Ok(program)` for every program the parser can produce.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::*;

impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        print_block(f, &self.stmts, 0)
    }
}

fn print_block(f: &mut Formatter<'_>, stmts: &[Stmt], depth: usize) -> fmt::Result {
    for s in stmts {
        print_stmt(f, s, depth)?;
    }
    Ok(())
}

fn print_stmt(f: &mut Formatter<'_>, s: &Stmt, depth: usize) -> fmt::Result {
    let indent = "  ".repeat(depth);
    match &s.kind {
        StmtKind::Blank => return f.write_char('\n'),
        StmtKind::Comment(c) => return writeln!(f, "{indent}#{c}"),
        _ => {}
    }
    write!(f, "{indent}{}", StmtLine(&s.kind))?;
    if let Some(c) = &s.comment {
        write!(f, "  #{c}")?;
    }
    f.write_char('\n')?;
    let body = match &s.kind {
        StmtKind::Loop(l) => &l.body,
        StmtKind::Role(r) => &r.body,
        StmtKind::Combine(b) => b,
        _ => return Ok(()),
    };
    print_block(f, body, depth + 1)?;
    writeln!(f, "{indent}End")
}

/// The text of one statement's own line (a block's header line, without its body).
pub struct StmtLine<'a>(pub &'a StmtKind);

impl Display for StmtLine<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            StmtKind::Blank => Ok(()),
            StmtKind::Comment(c) => write!(f, "#{c}"),
            StmtKind::Param(ps) => {
                f.write_str("param ")?;
                list(f, ps.iter().map(|(n, v)| format!("{n} = {v}")))
            }
            StmtKind::Allocate(a) => {
                write!(f, "Allocate {} in {} ", a.names.join(", "), a.space.name())?;
                shape(f, &a.shape)?;
                write!(f, " {}", a.dtype)?;
                if let Some(at) = &a.at {
                    let by = if at.packed { "sequence" } else { "batch" };
                    let head = if at.group { "group" } else { "head" };
                    write!(f, " at {by} {}, {head} {}", at.batch, at.head)?;
                    if let Some(t) = &at.paged {
                        write!(f, " through {t}")?;
                    }
                }
                Ok(())
            }
            StmtKind::Copy(c) => {
                write!(f, "Copy {}", c.srcs.join(", "))?;
                if c.tile {
                    f.write_str(" tile")?;
                }
                f.write_char(' ')?;
                shape(f, &c.shape)?;
                if let Some(d) = c.as_dtype {
                    write!(f, " as {d}")?;
                }
                if let Some(at) = &c.src_at {
                    write!(f, " at {at}")?;
                }
                if let Some(s) = c.from {
                    write!(f, " from {}", s.name())?;
                }
                write!(f, " to {}", c.dsts.join(", "))?;
                if let Some(at) = &c.dst_at {
                    write!(f, " at {at}")?;
                }
                if !c.options.is_empty() {
                    f.write_str(" (")?;
                    for (i, g) in c.options.iter().enumerate() {
                        if i > 0 {
                            f.write_str("; ")?;
                        }
                        list(f, g.iter())?;
                    }
                    f.write_char(')')?;
                }
                Ok(())
            }
            StmtKind::Compute(c) => write!(f, "Compute {c}"),
            StmtKind::Reshape(r) => write!(
                f,
                "Reshape {} from accumulator layout to operand layout as {} -> {}",
                r.src, r.dtype, r.dst
            ),
            StmtKind::Sync(Sync::Block) => f.write_str("Sync"),
            StmtKind::Sync(Sync::Arrive(b)) => write!(f, "Sync arrive {b}"),
            StmtKind::Sync(Sync::Wait(b)) => write!(f, "Sync wait {b}"),
            StmtKind::Loop(l) => {
                write!(f, "Loop {} over key blocks", l.var)?;
                match &l.bound {
                    LoopBound::All => {}
                    LoopBound::Diagonal(i) => write!(f, " up to the diagonal of block {i}")?,
                    LoopBound::Window(i) => write!(f, " in the window of block {i}")?,
                    LoopBound::Split(s) => write!(f, " of split {s}")?,
                }
                Ok(())
            }
            StmtKind::Role(r) => {
                write!(f, "Role {} (warps {}", r.name, r.warps)?;
                if let Some(n) = r.registers {
                    write!(f, ", registers {n}")?;
                }
                if r.pingpong {
                    f.write_str(", pingpong")?;
                }
                if r.overlap {
                    f.write_str(", overlap")?;
                }
                f.write_char(')')
            }
            StmtKind::Barrier(b) => {
                write!(f, "Barrier {}", b.full)?;
                if let Some(e) = &b.empty {
                    write!(f, ", {e}")?;
                }
                write!(f, " for {}", b.buffer)
            }
            StmtKind::Combine(_) => f.write_str("Combine over splits"),
            StmtKind::Schedule(h) => {
                f.write_str(if h.persistent {
                    "Schedule persistent"
                } else {
                    "Schedule block per tile"
                })?;
                match &h.when {
                    Some(c) => write!(f, " when {c}"),
                    None => Ok(()),
                }
            }
        }
    }
}

fn list<T: Display>(f: &mut Formatter<'_>, items: impl Iterator<Item = T>) -> fmt::Result {
    for (i, x) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

fn shape(f: &mut Formatter<'_>, dims: &[Expr]) -> fmt::Result {
    f.write_char('(')?;
    list(f, dims.iter())?;
    f.write_char(')')
}

impl Display for Coord {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let axis = match self.axis {
            Axis::Row => "row",
            Axis::Key => "key",
            Axis::Split => return write!(f, "[split {}]", self.index),
        };
        write!(f, "[{axis} block {}]", self.index)
    }
}

impl Display for CopyOpt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CopyOpt::Async => f.write_str("async"),
            CopyOpt::Sync => f.write_str("sync"),
            CopyOpt::Tma => f.write_str("tma"),
            CopyOpt::Deep(e) => write!(f, "{e} deep"),
            CopyOpt::ZeroFill(e) => write!(f, "rows >= {e} as zeros"),
            CopyOpt::Guard(e) => write!(f, "rows < {e}"),
        }
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if self.transposed {
            f.write_str("^T")?;
        }
        Ok(())
    }
}

impl Display for Compute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Compute::Gemm {
                a,
                b,
                c,
                shape: s,
                dtype,
                accumulate,
                engine,
            } => {
                write!(f, "GEMM {a}, {b} -> {c}")?;
                if let Some(s) = s {
                    f.write_char(' ')?;
                    shape(f, s)?;
                }
                if let Some(d) = dtype {
                    write!(f, " {d}")?;
                }
                if *accumulate {
                    f.write_str(" (accumulate)")?;
                }
                match engine {
                    Engine::TensorCore => {}
                    Engine::Fma => f.write_str(" on fma")?,
                    Engine::Wgmma => f.write_str(" on wgmma")?,
                }
                Ok(())
            }
            Compute::Scale { target, factor } => write!(f, "scale {target} by {factor}"),
            Compute::Softcap { target, cap } => write!(f, "softcap {target} by {cap}"),
            Compute::Bias {
                target,
                negative,
                term,
            } => write!(
                f,
                "bias {target} by {}{term}",
                if *negative { "-" } else { "" }
            ),
            Compute::Mask { target, cond, when } => {
                write!(f, "mask {target} where {cond}")?;
                match when {
                    MaskWhen::Always => Ok(()),
                    MaskWhen::Tail => f.write_str(" (tail block only)"),
                    MaskWhen::Diagonal => f.write_str(" (diagonal blocks only)"),
                    MaskWhen::IfCausal => f.write_str(" (if causal)"),
                }
            }
            Compute::RowMax { src, dst, shape: s } => {
                write!(f, "rowmax {src} -> {dst}")?;
                if let Some(s) = s {
                    f.write_char(' ')?;
                    shape(f, s)?;
                }
                Ok(())
            }
            Compute::Rescale {
                targets,
                base,
                old,
                new,
                commit,
            } => {
                write!(
                    f,
                    "rescale {} by {}({old} - {new})",
                    targets.join(", "),
                    base.name()
                )?;
                if let Some((l, r)) = commit {
                    write!(f, "; {l} = {r}")?;
                }
                Ok(())
            }
            Compute::Exp {
                base,
                src,
                sub,
                dst,
            } => write!(f, "{} {src} - {sub} -> {dst}", base.name()),
            Compute::RowSum {
                src,
                dst,
                accumulate,
            } => {
                write!(f, "rowsum {src} -> {dst}")?;
                if *accumulate {
                    f.write_str(" (accumulate)")?;
                }
                Ok(())
            }
            Compute::Normalize {
                target,
                by,
                zero_guard,
            } => {
                write!(f, "normalize {target} by {by}")?;
                if *zero_guard {
                    write!(f, " ({by} == 0 -> 0)")?;
                }
                Ok(())
            }
            Compute::Convert { names, from, to } => {
                write!(f, "convert {} {from} -> {to}", names.join(", "))
            }
            Compute::Lse {
                base,
                max,
                sum,
                dst,
            } => write!(f, "{} {max}, {sum} -> {dst}", lse_word(*base)),
            Compute::SplitLse { base, src, dst } => {
                write!(f, "{} {src} over splits -> {dst}", lse_word(*base))
            }
            Compute::Merge { src, weight, dst } => {
                write!(f, "merge {src} over splits")?;
                if let Some(w) = weight {
                    write!(f, " by {}({} - {})", w.base.name(), w.parts, w.total)?;
                }
                write!(f, " -> {dst}")
            }
        }
    }
}

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.lhs, self.op.symbol(), self.rhs)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Int(n) => write!(f, "{n}"),
            Expr::Var(v) => f.write_str(v),
            Expr::Call(name, args) => {
                write!(f, "{name}(")?;
                list(f, args.iter())?;
                f.write_char(')')
            }
            Expr::Bin(l, op, r) => {
                let p = op.precedence();
                // Left-associative: a left child of equal precedence needs no parentheses,
                // a right one does.
                let paren = |e: &Expr, right: bool| match e {
                    Expr::Bin(_, o, _) => o.precedence() < p || (right && o.precedence() == p),
                    _ => false,
                };
                if paren(l, false) {
                    write!(f, "({l})")?;
                } else {
                    write!(f, "{l}")?;
                }
                write!(f, " {} ", op.symbol())?;
                if paren(r, true) {
                    write!(f, "({r})")
                } else {
                    write!(f, "{r}")
                }
            }
        }
    }
}

fn lse_word(base: ExpBase) -> &'static str {
    match base {
        ExpBase::E => "logsumexp",
        ExpBase::Two => "logsumexp2",
    }
}
