//! Evaluation of expressions and conditions, shared by the checker and the interpreter.

use std::collections::HashMap;

use crate::ast::{BinOp, Cond, Expr};

/// Values of names: parameters, sizes, indices.
pub type Env = HashMap<String, i64>;

/// Integer value of `e` (floor division); `Err` names the unknown name or the fault.
pub fn int(e: &Expr, env: &Env) -> Result<i64, String> {
    int_by(e, &|v| env.get(v).copied())
}

/// Integer value of `e`, names looked up by `get`.
pub fn int_by(e: &Expr, get: &dyn Fn(&str) -> Option<i64>) -> Result<i64, String> {
    match e {
        Expr::Int(n) => i64::try_from(*n).map_err(|_| format!("{n} is too large")),
        Expr::Var(v) => get(v).ok_or_else(|| format!("`{v}` is not defined here")),
        Expr::Call(name, args) => {
            let vals = args
                .iter()
                .map(|a| int_by(a, get))
                .collect::<Result<Vec<_>, _>>()?;
            match (name.as_str(), vals.as_slice()) {
                ("min", [a, b]) => Ok(*a.min(b)),
                ("max", [a, b]) => Ok(*a.max(b)),
                ("cdiv", [a, b]) if *b != 0 => {
                    Ok(a.div_euclid(*b) + i64::from(a.rem_euclid(*b) != 0))
                }
                _ => Err(format!(
                    "`{name}` with {} arguments is not an integer function (min, max, cdiv)",
                    vals.len()
                )),
            }
        }
        Expr::Bin(l, op, r) => {
            let (a, b) = (int_by(l, get)?, int_by(r, get)?);
            let v = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                BinOp::Div => (b != 0).then(|| a.div_euclid(b)),
                BinOp::Rem => (b != 0).then(|| a.rem_euclid(b)),
            };
            v.ok_or_else(|| format!("`{e}` overflows or divides by zero"))
        }
    }
}

/// Real value of `e`: integers, names of `env`, `e`, `softmax_scale` (given), `log2`, `exp2`,
/// `exp`, `sqrt`, `abs`.
pub fn real(e: &Expr, env: &Env, softmax_scale: f64) -> Result<f64, String> {
    real_by(e, &|v| match v {
        "softmax_scale" => Some(softmax_scale),
        _ => env.get(v).map(|x| *x as f64),
    })
}

/// Real value of `e`, names (other than `e`) looked up by `get`.
pub fn real_by(e: &Expr, get: &dyn Fn(&str) -> Option<f64>) -> Result<f64, String> {
    match e {
        Expr::Int(n) => Ok(*n as f64),
        Expr::Var(v) if v == "e" => Ok(std::f64::consts::E),
        Expr::Var(v) => get(v).ok_or_else(|| format!("`{v}` is not defined here")),
        Expr::Call(name, args) => {
            let vals = args
                .iter()
                .map(|a| real_by(a, get))
                .collect::<Result<Vec<_>, _>>()?;
            match (name.as_str(), vals.as_slice()) {
                ("log2", [x]) => Ok(x.log2()),
                ("exp2", [x]) => Ok(x.exp2()),
                ("exp", [x]) => Ok(x.exp()),
                ("sqrt", [x]) => Ok(x.sqrt()),
                ("abs", [x]) => Ok(x.abs()),
                _ => Err(format!(
                    "`{name}` with {} arguments is not a real function (log2, exp, sqrt, abs)",
                    vals.len()
                )),
            }
        }
        Expr::Bin(l, op, r) => {
            let (a, b) = (real_by(l, get)?, real_by(r, get)?);
            Ok(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Rem => a % b,
            })
        }
    }
}

/// Whether `c` holds.
pub fn cond(c: &Cond, env: &Env) -> Result<bool, String> {
    Ok(c.op.holds(int(&c.lhs, env)?, int(&c.rhs, env)?))
}

/// Whether `name` occurs in `e`.
pub fn mentions(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Int(_) => false,
        Expr::Var(v) => v == name,
        Expr::Call(_, a) => a.iter().any(|x| mentions(x, name)),
        Expr::Bin(l, _, r) => mentions(l, name) || mentions(r, name),
    }
}
