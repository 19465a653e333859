//! The parser: one statement per line, `Loop`/`Role` blocks closed by `End`, `#` comments.
//!
//! It never panics: every malformed input is a [`ParseError`] with a line, a column and the
//! text that was expected.

use qimeng_spec::DType;

use crate::ast::*;
use crate::diag::Diagnostic;

/// A syntax error at one place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {message}", span.line, span.col)]
pub struct ParseError {
    /// Where.
    pub span: Span,
    /// What was wrong (`expected ..., found ...`).
    pub message: String,
    /// What would have been accepted here, for the caret label.
    pub label: String,
}

impl ParseError {
    /// The error as a renderable diagnostic (rule `parse`).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error("parse", Some(self.span), self.message.clone()).label(self.label.clone())
    }
}

/// Parses a whole program.
pub fn parse(source: &str) -> Result<Program, ParseError> {
    // Stack of open blocks: (statement being built, body so far).
    let mut stack: Vec<(Stmt, Vec<Stmt>)> = Vec::new();
    let mut top: Vec<Stmt> = Vec::new();
    let mut line_no = 0u32;
    for raw in source.split_terminator('\n') {
        line_no = line_no.saturating_add(1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let mut p = LineParser::new(raw, line_no)?;
        let stmt = p.statement()?;
        let body = match stack.last_mut() {
            Some((_, b)) => b,
            None => &mut top,
        };
        match stmt {
            Line::Stmt(s) => body.push(s),
            Line::Open(s) => stack.push((s, Vec::new())),
            Line::End(span) => {
                let Some((mut open, inner)) = stack.pop() else {
                    return Err(err(
                        span,
                        "`End` with no open `Loop`, `Role` or `Combine`",
                        "nothing to end",
                    ));
                };
                match &mut open.kind {
                    StmtKind::Loop(l) => l.body = inner,
                    StmtKind::Role(r) => r.body = inner,
                    StmtKind::Combine(b) => *b = inner,
                    _ => {}
                }
                match stack.last_mut() {
                    Some((_, b)) => b.push(open),
                    None => top.push(open),
                }
            }
        }
    }
    if let Some((open, _)) = stack.pop() {
        return Err(err(
            open.span,
            "this block has no `End`",
            "opened here; close it with `End`",
        ));
    }
    Ok(Program { stmts: top })
}

fn err(span: Span, message: impl Into<String>, label: impl Into<String>) -> ParseError {
    ParseError {
        span,
        message: message.into(),
        label: label.into(),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Int(u64),
    Punct(&'static str),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Int(n) => format!("`{n}`"),
            Tok::Punct(p) => format!("`{p}`"),
        }
    }
}

const PUNCTS: &[&str] = &[
    "->", ">=", "<=", "==", "(", ")", "[", "]", ",", ";", "=", "^", "+", "-", "*", "/", "%", "<",
    ">",
];

enum Line {
    Stmt(Stmt),
    Open(Stmt),
    End(Span),
}

struct LineParser {
    toks: Vec<(Tok, u32, u32)>, // token, column, length (characters)
    pos: usize,
    line: u32,
    end_col: u32,
    comment: Option<String>,
    first_col: u32,
}

impl LineParser {
    fn new(text: &str, line: u32) -> Result<LineParser, ParseError> {
        let chars: Vec<char> = text.chars().collect();
        let mut toks = Vec::new();
        let mut comment = None;
        let mut i = 0usize;
        let col = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
        while i < chars.len() {
            let c = chars[i];
            if c == ' ' || c == '\t' {
                i += 1;
            } else if c == '#' {
                let rest: String = chars[i + 1..].iter().collect();
                comment = Some(rest.trim_end().to_string());
                break;
            } else if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                toks.push((Tok::Word(w), col(start), (i - start) as u32));
            } else if c.is_ascii_digit() {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                let span = Span {
                    line,
                    col: col(start),
                    len: (i - start) as u32,
                };
                let n = w
                    .parse::<u64>()
                    .map_err(|_| err(span, format!("number `{w}` is too large"), "too large"))?;
                if i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '_') {
                    return Err(err(
                        Span {
                            line,
                            col: col(i),
                            len: 1,
                        },
                        "a name cannot start with a digit",
                        "letter after a number",
                    ));
                }
                toks.push((Tok::Int(n), span.col, span.len));
            } else {
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else {
                    return Err(err(
                        Span {
                            line,
                            col: col(i),
                            len: 1,
                        },
                        format!("unexpected character `{}`", c.escape_debug()),
                        "not part of TL",
                    ));
                };
                toks.push((Tok::Punct(p), col(i), p.len() as u32));
                i += p.len();
            }
        }
        let end_col = toks.last().map_or(1, |(_, c, l)| c + l);
        let first_col = toks.first().map_or(1, |(_, c, _)| *c);
        Ok(LineParser {
            toks,
            pos: 0,
            line,
            end_col,
            comment,
            first_col,
        })
    }

    fn span_here(&self) -> Span {
        match self.toks.get(self.pos) {
            Some((_, c, l)) => Span {
                line: self.line,
                col: *c,
                len: *l,
            },
            None => Span {
                line: self.line,
                col: self.end_col,
                len: 1,
            },
        }
    }

    fn stmt_span(&self) -> Span {
        Span {
            line: self.line,
            col: self.first_col,
            len: self.end_col.saturating_sub(self.first_col).max(1),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn found(&self) -> String {
        self.peek().map_or("the end of the line".into(), Tok::show)
    }

    fn expected(&self, what: &str) -> ParseError {
        err(
            self.span_here(),
            format!("expected {what}, found {}", self.found()),
            format!("expected {what}"),
        )
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(x)) if *x == p)
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.is_word(w);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn word(&mut self, w: &str) -> Result<(), ParseError> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{w}`")))
        }
    }

    fn words(&mut self, ws: &[&str]) -> Result<(), ParseError> {
        ws.iter().try_for_each(|w| self.word(w))
    }

    fn punct(&mut self, p: &str) -> Result<(), ParseError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    fn int(&mut self) -> Result<u64, ParseError> {
        match self.peek() {
            Some(Tok::Int(n)) => {
                let n = *n;
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.expected("a number")),
        }
    }

    /// A user name (buffer, parameter, variable): a word that is not a keyword.
    fn name(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(Tok::Word(w)) if !is_keyword(w) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            Some(Tok::Word(w)) => Err(err(
                self.span_here(),
                format!("expected a name, found the keyword `{w}`"),
                "keywords cannot name buffers or variables",
            )),
            _ => Err(self.expected("a name")),
        }
    }

    fn names(&mut self) -> Result<Vec<String>, ParseError> {
        let mut v = vec![self.name()?];
        while self.eat_punct(",") {
            v.push(self.name()?);
        }
        Ok(v)
    }

    fn dtype(&mut self) -> Result<DType, ParseError> {
        let d = match self.peek() {
            Some(Tok::Word(w)) => DType::from_name(w),
            _ => None,
        };
        match d {
            Some(d) => {
                self.pos += 1;
                Ok(d)
            }
            None => Err(self.expected("a dtype (`f16`, `bf16`, `f32`)")),
        }
    }

    fn opt_dtype(&mut self) -> Option<DType> {
        let d = match self.peek() {
            Some(Tok::Word(w)) => DType::from_name(w),
            _ => None,
        }?;
        self.pos += 1;
        Some(d)
    }

    fn space(&mut self) -> Result<Space, ParseError> {
        for s in [Space::Global, Space::Shared, Space::Register] {
            if self.eat_word(s.name()) {
                return Ok(s);
            }
        }
        Err(self.expected("a memory space (`global`, `shared`, `register`)"))
    }

    fn shape(&mut self) -> Result<Vec<Expr>, ParseError> {
        self.punct("(")?;
        let mut v = vec![self.expr()?];
        while self.eat_punct(",") {
            v.push(self.expr()?);
        }
        self.punct(")")?;
        Ok(v)
    }

    /// A shape in parentheses, only if one starts here (`(` followed by a non-keyword).
    fn opt_shape(&mut self) -> Result<Option<Vec<Expr>>, ParseError> {
        let next_is_shape = self.is_punct("(")
            && match self.toks.get(self.pos + 1).map(|t| &t.0) {
                Some(Tok::Int(_)) => true,
                Some(Tok::Word(w)) => !is_keyword(w) || w == "key" || w == "query",
                Some(Tok::Punct("(")) => true,
                _ => false,
            };
        if next_is_shape {
            self.shape().map(Some)
        } else {
            Ok(None)
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.expr_prec(1)
    }

    fn expr_prec(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.atom()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Punct("+")) => BinOp::Add,
                Some(Tok::Punct("-")) => BinOp::Sub,
                Some(Tok::Punct("*")) => BinOp::Mul,
                Some(Tok::Punct("/")) => BinOp::Div,
                Some(Tok::Punct("%")) => BinOp::Rem,
                _ => return Ok(lhs),
            };
            if op.precedence() < min {
                return Ok(lhs);
            }
            self.pos += 1;
            let rhs = self.expr_prec(op.precedence() + 1)?;
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(rhs));
        }
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Int(n)) => {
                self.pos += 1;
                Ok(Expr::Int(n))
            }
            Some(Tok::Punct("(")) => {
                self.pos += 1;
                let e = self.expr()?;
                self.punct(")")?;
                Ok(e)
            }
            Some(Tok::Word(w)) if !is_keyword(&w) || w == "key" || w == "query" => {
                // A call is a name directly followed by `(`: `log2(e)`, not `S_k (tail ...)`.
                let end = self.toks[self.pos].1 + self.toks[self.pos].2;
                let touching = self.toks.get(self.pos + 1).is_some_and(|t| t.1 == end);
                self.pos += 1;
                if !is_keyword(&w) && touching && self.eat_punct("(") {
                    let mut args = vec![self.expr()?];
                    while self.eat_punct(",") {
                        args.push(self.expr()?);
                    }
                    self.punct(")")?;
                    return Ok(Expr::Call(w, args));
                }
                Ok(Expr::Var(w))
            }
            _ => Err(self.expected("an expression")),
        }
    }

    fn cond(&mut self) -> Result<Cond, ParseError> {
        let lhs = self.expr()?;
        let op = match self.peek() {
            Some(Tok::Punct("<")) => CmpOp::Lt,
            Some(Tok::Punct("<=")) => CmpOp::Le,
            Some(Tok::Punct(">")) => CmpOp::Gt,
            Some(Tok::Punct(">=")) => CmpOp::Ge,
            Some(Tok::Punct("==")) => CmpOp::Eq,
            _ => return Err(self.expected("a comparison (`<`, `<=`, `>`, `>=`, `==`)")),
        };
        self.pos += 1;
        let rhs = self.expr()?;
        Ok(Cond { lhs, op, rhs })
    }

    fn coord(&mut self) -> Result<Coord, ParseError> {
        self.punct("[")?;
        let axis = if self.eat_word("row") {
            Axis::Row
        } else if self.eat_word("key") {
            Axis::Key
        } else if self.eat_word("split") {
            Axis::Split
        } else {
            return Err(self.expected("`row`, `key` or `split`"));
        };
        if axis != Axis::Split {
            self.word("block")?;
        }
        let index = self.name()?;
        self.punct("]")?;
        Ok(Coord { axis, index })
    }

    fn end_of_line(&self) -> Result<(), ParseError> {
        if self.pos < self.toks.len() {
            Err(err(
                self.span_here(),
                format!("unexpected {} after the statement", self.found()),
                "expected the end of the line",
            ))
        } else {
            Ok(())
        }
    }

    fn statement(&mut self) -> Result<Line, ParseError> {
        if self.toks.is_empty() {
            let kind = match self.comment.take() {
                Some(c) => StmtKind::Comment(c),
                None => StmtKind::Blank,
            };
            return Ok(Line::Stmt(Stmt {
                kind,
                span: Span {
                    line: self.line,
                    col: 1,
                    len: 1,
                },
                comment: None,
            }));
        }
        let Some(Tok::Word(head)) = self.peek().cloned() else {
            return Err(self.expected("a statement (`param`, `Allocate`, `Copy`, `Compute`, `Reshape`, `Sync`, `Loop`, `Role`, `Barrier`, `Combine`, `Schedule`, `End`)"));
        };
        self.pos += 1;
        let kind = match head.as_str() {
            "End" => {
                self.end_of_line()?;
                if self.comment.is_some() {
                    return Err(err(
                        self.stmt_span(),
                        "`End` takes no comment",
                        "put the comment on its own line",
                    ));
                }
                return Ok(Line::End(self.stmt_span()));
            }
            "param" => self.param()?,
            "Allocate" => self.allocate()?,
            "Copy" => self.copy()?,
            "Compute" => StmtKind::Compute(self.compute()?),
            "Reshape" => {
                let src = self.name()?;
                self.words(&[
                    "from",
                    "accumulator",
                    "layout",
                    "to",
                    "operand",
                    "layout",
                    "as",
                ])?;
                let dtype = self.dtype()?;
                self.punct("->")?;
                let dst = self.name()?;
                StmtKind::Reshape(Reshape { src, dtype, dst })
            }
            "Sync" => StmtKind::Sync(if self.eat_word("arrive") {
                Sync::Arrive(self.name()?)
            } else if self.eat_word("wait") {
                Sync::Wait(self.name()?)
            } else {
                Sync::Block
            }),
            "Loop" => {
                let var = self.name()?;
                self.words(&["over", "key", "blocks"])?;
                let bound = if self.eat_word("up") {
                    self.words(&["to", "the", "diagonal", "of", "block"])?;
                    LoopBound::Diagonal(self.name()?)
                } else if self.eat_word("in") {
                    self.words(&["the", "window", "of", "block"])?;
                    LoopBound::Window(self.name()?)
                } else if self.eat_word("of") {
                    self.word("split")?;
                    LoopBound::Split(self.name()?)
                } else {
                    LoopBound::All
                };
                StmtKind::Loop(Loop {
                    var,
                    bound,
                    body: Vec::new(),
                })
            }
            "Combine" => {
                self.words(&["over", "splits"])?;
                StmtKind::Combine(Vec::new())
            }
            "Role" => {
                let name = self.name()?;
                self.punct("(")?;
                self.word("warps")?;
                let warps = self.int()?;
                let (mut registers, mut pingpong, mut overlap) = (None, false, false);
                while self.eat_punct(",") {
                    if registers.is_none() && !pingpong && !overlap && self.eat_word("registers") {
                        registers = Some(self.int()?);
                    } else if !pingpong && !overlap && self.eat_word("pingpong") {
                        pingpong = true;
                    } else if !overlap && self.eat_word("overlap") {
                        overlap = true;
                    } else {
                        return Err(self.expected(
                            "`registers N`, `pingpong` or `overlap` (in this order, once each)",
                        ));
                    }
                }
                self.punct(")")?;
                StmtKind::Role(Role {
                    name,
                    warps,
                    registers,
                    pingpong,
                    overlap,
                    body: Vec::new(),
                })
            }
            "Schedule" => {
                let persistent = if self.eat_word("persistent") {
                    true
                } else if self.eat_word("block") {
                    self.words(&["per", "tile"])?;
                    false
                } else {
                    return Err(self.expected("`persistent` or `block per tile`"));
                };
                let when = if self.eat_word("when") {
                    Some(self.cond()?)
                } else {
                    None
                };
                StmtKind::Schedule(Schedule { persistent, when })
            }
            "Barrier" => {
                let full = self.name()?;
                let empty = if self.eat_punct(",") {
                    Some(self.name()?)
                } else {
                    None
                };
                self.word("for")?;
                let buffer = self.name()?;
                StmtKind::Barrier(Barrier {
                    full,
                    empty,
                    buffer,
                })
            }
            _ => {
                self.pos -= 1;
                return Err(self.expected("a statement (`param`, `Allocate`, `Copy`, `Compute`, `Reshape`, `Sync`, `Loop`, `Role`, `Barrier`, `Combine`, `Schedule`, `End`)"));
            }
        };
        self.end_of_line()?;
        let opens = matches!(
            kind,
            StmtKind::Loop(_) | StmtKind::Role(_) | StmtKind::Combine(_)
        );
        let stmt = Stmt {
            kind,
            span: self.stmt_span(),
            comment: self.comment.take(),
        };
        Ok(if opens {
            Line::Open(stmt)
        } else {
            Line::Stmt(stmt)
        })
    }

    fn param(&mut self) -> Result<StmtKind, ParseError> {
        let mut v = Vec::new();
        loop {
            let n = self.name()?;
            self.punct("=")?;
            v.push((n, self.int()?));
            if !self.eat_punct(",") {
                return Ok(StmtKind::Param(v));
            }
        }
    }

    fn allocate(&mut self) -> Result<StmtKind, ParseError> {
        let names = self.names()?;
        self.word("in")?;
        let space = self.space()?;
        let shape = self.shape()?;
        let dtype = self.dtype()?;
        let at = if self.eat_word("at") {
            let packed = self.eat_word("sequence");
            if !packed {
                self.word("batch")?;
            }
            let batch = self.expr()?;
            self.punct(",")?;
            let group = self.eat_word("group");
            if !group {
                self.word("head")?;
            }
            let head = self.expr()?;
            let paged = if self.eat_word("through") {
                Some(self.name()?)
            } else {
                None
            };
            Some(GlobalAt {
                packed,
                batch,
                head,
                group,
                paged,
            })
        } else {
            None
        };
        Ok(StmtKind::Allocate(Allocate {
            names,
            space,
            shape,
            dtype,
            at,
        }))
    }

    fn copy(&mut self) -> Result<StmtKind, ParseError> {
        let srcs = self.names()?;
        let tile = self.eat_word("tile");
        let shape = self.shape()?;
        let as_dtype = if self.eat_word("as") {
            Some(self.dtype()?)
        } else {
            None
        };
        let src_at = if self.eat_word("at") {
            Some(self.coord()?)
        } else {
            None
        };
        let from = if self.eat_word("from") {
            Some(self.space()?)
        } else {
            None
        };
        self.word("to")?;
        let dsts = self.names()?;
        let dst_at = if self.eat_word("at") {
            Some(self.coord()?)
        } else {
            None
        };
        let mut options = Vec::new();
        if self.eat_punct("(") {
            loop {
                let mut group = vec![self.copy_opt()?];
                while self.eat_punct(",") {
                    group.push(self.copy_opt()?);
                }
                options.push(group);
                if !self.eat_punct(";") {
                    break;
                }
            }
            self.punct(")")?;
        }
        Ok(StmtKind::Copy(Copy {
            srcs,
            tile,
            shape,
            as_dtype,
            src_at,
            from,
            dsts,
            dst_at,
            options,
        }))
    }

    fn copy_opt(&mut self) -> Result<CopyOpt, ParseError> {
        if self.eat_word("async") {
            return Ok(CopyOpt::Async);
        }
        if self.eat_word("sync") {
            return Ok(CopyOpt::Sync);
        }
        if self.eat_word("tma") {
            return Ok(CopyOpt::Tma);
        }
        if self.eat_word("rows") {
            if self.eat_punct(">=") {
                let e = self.expr()?;
                self.words(&["as", "zeros"])?;
                return Ok(CopyOpt::ZeroFill(e));
            }
            if self.eat_punct("<") {
                return Ok(CopyOpt::Guard(self.expr()?));
            }
            return Err(self.expected("`>=` or `<`"));
        }
        match self.peek() {
            Some(Tok::Int(_) | Tok::Punct("(")) => {}
            Some(Tok::Word(w)) if !is_keyword(w) || w == "key" || w == "query" => {}
            _ => {
                return Err(self.expected(
                    "a copy option (`async`, `sync`, `tma`, `N deep`, `rows >= E as zeros`, `rows < E`)",
                ));
            }
        }
        let e = self.expr()?;
        self.word("deep")?;
        Ok(CopyOpt::Deep(e))
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        let name = self.name()?;
        let transposed = if self.eat_punct("^") {
            match self.peek() {
                Some(Tok::Word(w)) if w == "T" => {
                    self.pos += 1;
                    true
                }
                _ => return Err(self.expected("`T` (transpose)")),
            }
        } else {
            false
        };
        Ok(Operand { name, transposed })
    }

    fn accumulate_flag(&mut self) -> Result<bool, ParseError> {
        if self.eat_punct("(") {
            self.word("accumulate")?;
            self.punct(")")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn compute(&mut self) -> Result<Compute, ParseError> {
        let Some(Tok::Word(op)) = self.peek().cloned() else {
            return Err(self.expected("a computation"));
        };
        self.pos += 1;
        Ok(match op.as_str() {
            "GEMM" => {
                let a = self.operand()?;
                self.punct(",")?;
                let b = self.operand()?;
                self.punct("->")?;
                let c = self.name()?;
                let shape = self.opt_shape()?;
                let dtype = self.opt_dtype();
                let accumulate = self.accumulate_flag()?;
                let engine = if matches!(self.peek(), Some(Tok::Word(w)) if w == "on") {
                    self.pos += 1;
                    if self.eat_word("wgmma") {
                        Engine::Wgmma
                    } else {
                        self.word("fma")?;
                        Engine::Fma
                    }
                } else {
                    Engine::TensorCore
                };
                Compute::Gemm {
                    a,
                    b,
                    c,
                    shape,
                    dtype,
                    accumulate,
                    engine,
                }
            }
            "scale" => {
                let target = self.name()?;
                self.word("by")?;
                Compute::Scale {
                    target,
                    factor: self.expr()?,
                }
            }
            "softcap" => {
                let target = self.name()?;
                self.word("by")?;
                Compute::Softcap {
                    target,
                    cap: self.expr()?,
                }
            }
            "bias" => {
                let target = self.name()?;
                self.word("by")?;
                let negative = self.eat_punct("-");
                Compute::Bias {
                    target,
                    negative,
                    term: self.expr()?,
                }
            }
            "mask" => {
                let target = self.name()?;
                self.word("where")?;
                let cond = self.cond()?;
                let when = if self.eat_punct("(") {
                    let w = if self.eat_word("tail") {
                        self.word("block")?;
                        MaskWhen::Tail
                    } else if self.eat_word("diagonal") {
                        self.word("blocks")?;
                        MaskWhen::Diagonal
                    } else if self.eat_word("if") {
                        self.word("causal")?;
                        self.punct(")")?;
                        return Ok(Compute::Mask {
                            target,
                            cond,
                            when: MaskWhen::IfCausal,
                        });
                    } else {
                        return Err(self
                            .expected("`tail block only`, `diagonal blocks only` or `if causal`"));
                    };
                    self.word("only")?;
                    self.punct(")")?;
                    w
                } else {
                    MaskWhen::Always
                };
                Compute::Mask { target, cond, when }
            }
            "rowmax" => {
                let src = self.name()?;
                self.punct("->")?;
                let dst = self.name()?;
                let shape = self.opt_shape()?;
                Compute::RowMax { src, dst, shape }
            }
            "rescale" => {
                let targets = self.names()?;
                self.word("by")?;
                let base = self.exp_base()?;
                self.punct("(")?;
                let old = self.name()?;
                self.punct("-")?;
                let new = self.name()?;
                self.punct(")")?;
                let commit = if self.eat_punct(";") {
                    let l = self.name()?;
                    self.punct("=")?;
                    Some((l, self.name()?))
                } else {
                    None
                };
                Compute::Rescale {
                    targets,
                    base,
                    old,
                    new,
                    commit,
                }
            }
            "exp" | "exp2" => {
                self.pos -= 1;
                let base = self.exp_base()?;
                let src = self.name()?;
                self.punct("-")?;
                let sub = self.name()?;
                self.punct("->")?;
                let dst = self.name()?;
                Compute::Exp {
                    base,
                    src,
                    sub,
                    dst,
                }
            }
            "rowsum" => {
                let src = self.name()?;
                self.punct("->")?;
                let dst = self.name()?;
                let accumulate = self.accumulate_flag()?;
                Compute::RowSum {
                    src,
                    dst,
                    accumulate,
                }
            }
            "normalize" => {
                let target = self.name()?;
                self.word("by")?;
                let by = self.name()?;
                let zero_guard = if self.eat_punct("(") {
                    let here = self.span_here();
                    let n = self.name()?;
                    if n != by {
                        return Err(err(
                            here,
                            format!("the guard must test the divisor `{by}`, found `{n}`"),
                            format!("expected `{by}`"),
                        ));
                    }
                    self.punct("==")?;
                    if self.int()? != 0 {
                        return Err(err(
                            self.span_here(),
                            "the guard is `== 0 -> 0`",
                            "expected 0",
                        ));
                    }
                    self.punct("->")?;
                    if self.int()? != 0 {
                        return Err(err(
                            self.span_here(),
                            "the guard is `== 0 -> 0`",
                            "expected 0",
                        ));
                    }
                    self.punct(")")?;
                    true
                } else {
                    false
                };
                Compute::Normalize {
                    target,
                    by,
                    zero_guard,
                }
            }
            "logsumexp" | "logsumexp2" => {
                let base = if op == "logsumexp2" {
                    ExpBase::Two
                } else {
                    ExpBase::E
                };
                let first = self.name()?;
                if self.eat_word("over") {
                    self.word("splits")?;
                    self.punct("->")?;
                    let dst = self.name()?;
                    Compute::SplitLse {
                        base,
                        src: first,
                        dst,
                    }
                } else {
                    self.punct(",")?;
                    let sum = self.name()?;
                    self.punct("->")?;
                    let dst = self.name()?;
                    Compute::Lse {
                        base,
                        max: first,
                        sum,
                        dst,
                    }
                }
            }
            "merge" => {
                let src = self.name()?;
                self.words(&["over", "splits"])?;
                let weight = if self.eat_word("by") {
                    let base = self.exp_base()?;
                    self.punct("(")?;
                    let parts = self.name()?;
                    self.punct("-")?;
                    let total = self.name()?;
                    self.punct(")")?;
                    Some(MergeWeight { base, parts, total })
                } else {
                    None
                };
                self.punct("->")?;
                let dst = self.name()?;
                Compute::Merge { src, weight, dst }
            }
            "convert" => {
                let names = self.names()?;
                let from = self.dtype()?;
                self.punct("->")?;
                let to = self.dtype()?;
                Compute::Convert { names, from, to }
            }
            _ => {
                self.pos -= 1;
                return Err(self.expected(
                    "a computation (`GEMM`, `scale`, `softcap`, `bias`, `mask`, `rowmax`, `rescale`, `exp2`, `exp`, `rowsum`, `normalize`, `convert`, `logsumexp2`, `merge`)",
                ));
            }
        })
    }

    fn exp_base(&mut self) -> Result<ExpBase, ParseError> {
        if self.eat_word("exp2") {
            Ok(ExpBase::Two)
        } else if self.eat_word("exp") {
            Ok(ExpBase::E)
        } else {
            Err(self.expected("`exp2` or `exp`"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(src: &str) -> ParseError {
        parse(src).expect_err(src)
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e =
            parse_err("param BM = 64\nCopy Q tile (BM, D) at [row block i] from global into sQ\n");
        assert_eq!((e.span.line, e.span.col, e.span.len), (2, 50, 4));
        assert_eq!(e.message, "expected `to`, found `into`");
        let e = parse_err("Compute GEMM sQ, sK^X -> S");
        assert_eq!(
            (e.span.col, e.message.as_str()),
            (21, "expected `T` (transpose), found `X`")
        );
        let e = parse_err("Loop j over key blocks\n  Sync\n");
        assert_eq!(
            (e.span.line, e.message.as_str()),
            (1, "this block has no `End`")
        );
        let e = parse_err("End");
        assert_eq!(e.message, "`End` with no open `Loop`, `Role` or `Combine`");
        let e = parse_err("Allocate to in shared (BM) f16");
        assert!(e.message.contains("keyword `to`"), "{e}");
        let e = parse_err("Sync $");
        assert_eq!(
            (e.span.col, e.message.as_str()),
            (6, "unexpected character `$`")
        );
        let e = parse_err("param BM = 99999999999999999999999");
        assert!(e.message.contains("too large"));
    }

    #[test]
    fn blocks_nest() {
        let p = parse("Loop j over key blocks\n  Role producer (warps 4, registers 40)\n    Sync arrive full\n  End\nEnd\n").unwrap();
        let StmtKind::Loop(l) = &p.stmts[0].kind else {
            panic!()
        };
        let StmtKind::Role(r) = &l.body[0].kind else {
            panic!()
        };
        assert_eq!((r.warps, r.registers), (4, Some(40)));
        assert_eq!(r.body[0].kind, StmtKind::Sync(Sync::Arrive("full".into())));
    }

    #[test]
    fn expressions_respect_precedence() {
        let p = parse("Compute mask S where key > query + S_k - S_q * 2 / 4").unwrap();
        let StmtKind::Compute(Compute::Mask { cond, .. }) = &p.stmts[0].kind else {
            panic!()
        };
        let v = |s: &str| Box::new(Expr::Var(s.into()));
        let rhs = Expr::Bin(
            Box::new(Expr::Bin(v("query"), BinOp::Add, v("S_k"))),
            BinOp::Sub,
            Box::new(Expr::Bin(
                Box::new(Expr::Bin(v("S_q"), BinOp::Mul, Box::new(Expr::Int(2)))),
                BinOp::Div,
                Box::new(Expr::Int(4)),
            )),
        );
        assert_eq!(cond.rhs, rhs);
    }
}
