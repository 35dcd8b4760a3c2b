//! Expressions: constants and their folding, operators, calls, builtins, the library,
//! composite literals, indexing, conversions.

use std::rc::Rc;

use crate::ast::*;
use crate::check::*;
use crate::ir::*;
use crate::types::*;
use crate::value::{Slice, Value, zero};

fn cv_value(cv: &CV, t: &Type) -> Value {
    match (cv, t) {
        (CV::Int(i), Type::Float | Type::UntypedFloat) => Value::Float(*i as f64),
        (CV::Int(i), _) => Value::Int(*i as i64),
        (CV::Float(f), Type::Int(_)) => Value::Int(*f as i64),
        (CV::Float(f), _) => Value::Float(*f),
        (CV::Str(s), _) => Value::Str(s.clone()),
        (CV::Bool(b), _) => Value::Bool(*b),
    }
}

fn untyped_rank(t: &Type) -> u8 {
    match t {
        Type::UntypedInt => 1,
        Type::UntypedRune => 2,
        Type::UntypedFloat => 3,
        _ => 0,
    }
}

impl Checker {
    /// Source text-ish description of an expression for messages.
    pub fn describe(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Float(f) => format!("{f}"),
            ExprKind::Char(c) => format!("{:?}", char::from_u32(*c as u32).unwrap_or('?')),
            ExprKind::Str(s) => format!("{s:?}"),
            ExprKind::Binary(op, a, b) => format!("{} {op} {}", self.describe(a), self.describe(b)),
            ExprKind::Unary(op, a) => format!("{op}{}", self.describe(a)),
            ExprKind::Call(f, args, _) => {
                let a: Vec<String> = args.iter().map(|a| self.describe(a)).collect();
                format!("{}({})", self.describe(f), a.join(", "))
            }
            ExprKind::Index(a, i) => format!("{}[{}]", self.describe(a), self.describe(i)),
            ExprKind::SliceExpr(a, _, _) => format!("{}[:]", self.describe(a)),
            ExprKind::Selector(a, n) => format!("{}.{n}", self.describe(a)),
            ExprKind::Composite(..) => "composite literal".into(),
            ExprKind::FuncLit(..) => "func literal".into(),
            ExprKind::Type(_) => "type".into(),
            ExprKind::Paren(a) => format!("({})", self.describe(a)),
        }
    }

    /// The called function's name in a call expression (for "f returns 2 values").
    pub fn callee_name(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Call(f, _, _) => self.describe(f),
            _ => self.describe(e),
        }
    }

    pub fn expr(&mut self, e: &Expr) -> R<TE> {
        self.expr_hint(e, None)
    }

    /// An expression that may be multi-valued (`f()`, `m[k]` with comma-ok when `n == 2`).
    pub fn expr_multi(&mut self, e: &Expr, n: usize) -> R<TE> {
        if n == 2
            && let ExprKind::Index(b, k) = &e.kind
        {
            let bt = self.expr(b)?;
            if let Type::Map(kt, vt) = &bt.ty {
                let kte = self.expr_hint(k, Some(kt))?;
                let ke = self.assign_to(kte, kt, k, "map index")?;
                let rt = self.maptype(kt, vt);
                let ty = Type::Tuple(Rc::new(vec![(**vt).clone(), Type::Bool]));
                return Ok(TE::new(E::MapGet2(rt, Box::new(bt.e), Box::new(ke)), ty));
            }
        }
        self.expr(e)
    }

    /// Converts `te` for use as a value of type `t` (assignability), or reports why not.
    pub fn assign_to(&mut self, te: TE, t: &Type, e: &Expr, ctx: &str) -> R<E> {
        if te.ty == *t {
            return Ok(te.e);
        }
        if matches!(te.ty, Type::Void | Type::Tuple(_)) {
            self.value_type(&te, e)?;
        }
        if matches!(t, Type::Opaque("any")) {
            return match &te.cv {
                Some(cv) => Ok(E::Const(cv_value(cv, &te.ty.default_type()))),
                None if matches!(te.ty, Type::UntypedNil) => Ok(E::Const(Value::Nil)),
                None => Ok(te.e),
            };
        }
        if te.ty.is_untyped() {
            if matches!(te.ty, Type::UntypedNil) {
                if t.nilable() {
                    return Ok(E::Const(if matches!(t, Type::Error) {
                        Value::Nil
                    } else {
                        zero(t)
                    }));
                }
                return err(e.pos, format!("cannot use nil as {t} value in {ctx}"));
            }
            if let Some(cv) = &te.cv {
                return self.convert_const(cv, &te.ty, t, e.pos, ctx).map(E::Const);
            }
            if te.ty.is_bool() && matches!(t, Type::Bool) {
                return Ok(te.e);
            }
            if te.ty.is_numeric() && t.is_numeric() {
                return Ok(te.e);
            }
        }
        let what = if te.cv.is_some() {
            "constant"
        } else if matches!(e.kind, ExprKind::Ident(_)) {
            "variable"
        } else {
            "value"
        };
        err(
            e.pos,
            format!(
                "cannot use {} ({what} of type {}) as {t} value in {ctx}",
                self.describe(e),
                te.ty
            ),
        )
    }

    /// A constant of (untyped or typed) type `from` as a value of type `to`.
    pub fn convert_const(&self, cv: &CV, from: &Type, to: &Type, pos: Pos, ctx: &str) -> R<Value> {
        let desc = |cv: &CV| match cv {
            CV::Int(i) => i.to_string(),
            CV::Float(f) => format!("{f}"),
            CV::Str(s) => format!("{s:?}"),
            CV::Bool(b) => b.to_string(),
        };
        let bad = |why: &str| {
            let c = if from.is_untyped() {
                format!("{} constant", from)
            } else {
                format!("constant of type {from}")
            };
            err(
                pos,
                format!("cannot use {} ({c}) as {to} value in {ctx}{why}", desc(cv)),
            )
        };
        match (cv, to) {
            (CV::Int(i), Type::Int(k)) => {
                if k.fits(*i) {
                    Ok(Value::Int(*i as i64))
                } else {
                    bad(" (overflows)")
                }
            }
            (CV::Int(i), Type::Float) => Ok(Value::Float(*i as f64)),
            (CV::Float(f), Type::Float) => Ok(Value::Float(*f)),
            (CV::Float(f), Type::Int(k)) => {
                if f.fract() == 0.0 && k.fits(*f as i128) {
                    Ok(Value::Int(*f as i64))
                } else {
                    bad(" (truncated)")
                }
            }
            (CV::Str(s), Type::Str) => Ok(Value::Str(s.clone())),
            (CV::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
            _ => bad(""),
        }
    }

    fn const_te(&self, cv: CV, ty: Type) -> TE {
        let v = cv_value(&cv, &ty.default_type());
        TE {
            e: E::Const(v),
            ty,
            cv: Some(cv),
        }
    }

    pub fn index_expr(&mut self, i: &Expr, len: Option<usize>) -> R<E> {
        let te = self.expr(i)?;
        if !te.ty.is_integer() {
            if let Some(CV::Float(f)) = te.cv
                && f.fract() == 0.0
            {
                return Ok(E::Const(Value::Int(f as i64)));
            }
            return err(
                i.pos,
                format!(
                    "invalid argument: index {} (variable of type {}) must be integer",
                    self.describe(i),
                    te.ty
                ),
            );
        }
        if let Some(CV::Int(v)) = te.cv {
            if v < 0 {
                return err(
                    i.pos,
                    format!(
                        "invalid argument: index {} (constant of type int) must not be negative",
                        self.describe(i)
                    ),
                );
            }
            if let Some(n) = len
                && v as usize >= n
            {
                return err(
                    i.pos,
                    format!("invalid argument: index {v} out of bounds [0:{n}]"),
                );
            }
            return Ok(E::Const(Value::Int(v as i64)));
        }
        Ok(te.e)
    }

    pub fn expr_hint(&mut self, e: &Expr, hint: Option<&Type>) -> R<TE> {
        let pos = e.pos;
        match &e.kind {
            ExprKind::Int(i) => Ok(self.const_te(CV::Int(*i as i128), Type::UntypedInt)),
            ExprKind::Float(f) => Ok(self.const_te(CV::Float(*f), Type::UntypedFloat)),
            ExprKind::Char(c) => Ok(self.const_te(CV::Int(*c as i128), Type::UntypedRune)),
            ExprKind::Str(s) => {
                Ok(self.const_te(CV::Str(Rc::from(s.as_str())), Type::UntypedString))
            }
            ExprKind::Paren(x) => self.expr_hint(x, hint),
            ExprKind::Ident(n) => self.ident(n, pos),
            ExprKind::Binary(op, a, b) => {
                if matches!(*op, "<<" | ">>") {
                    return self.shift(op, a, b, e);
                }
                let l = self.expr(a)?;
                let r = self.expr(b)?;
                self.binary(op, l, r, pos, e)
            }
            ExprKind::Unary(op, a) => self.unary(op, a, e),
            ExprKind::Call(f, args, dots) => self.call(f, args, *dots, e),
            ExprKind::Index(b, i) => {
                let bt = self.expr(b)?;
                match bt.ty.clone() {
                    Type::Slice(et) => {
                        let i = self.index_expr(i, None)?;
                        Ok(TE::new(
                            E::Index(Box::new(bt.e), Box::new(i)),
                            (*et).clone(),
                        ))
                    }
                    Type::Array(n, et) => {
                        let i = self.index_expr(i, Some(n))?;
                        Ok(TE::new(
                            E::Index(Box::new(bt.e), Box::new(i)),
                            (*et).clone(),
                        ))
                    }
                    Type::Str | Type::UntypedString => {
                        let n = match &bt.cv {
                            Some(CV::Str(s)) => Some(s.len()),
                            _ => None,
                        };
                        let i = self.index_expr(i, n)?;
                        Ok(TE::new(
                            E::StrIndex(Box::new(bt.e), Box::new(i)),
                            Type::Int(IntK::U8),
                        ))
                    }
                    Type::Map(kt, vt) => {
                        let kte = self.expr_hint(i, Some(&kt))?;
                        let k = self.assign_to(kte, &kt, i, "map index")?;
                        let rt = self.maptype(&kt, &vt);
                        Ok(TE::new(
                            E::MapGet(rt, Box::new(bt.e), Box::new(k)),
                            (*vt).clone(),
                        ))
                    }
                    t => err(
                        pos,
                        format!(
                            "invalid operation: cannot index {} (variable of type {t})",
                            self.describe(b)
                        ),
                    ),
                }
            }
            ExprKind::SliceExpr(b, lo, hi) => {
                let bt = self.expr(b)?;
                let idx = |x: &Option<Box<Expr>>, c: &mut Checker| -> R<Option<Box<E>>> {
                    match x {
                        Some(x) => Ok(Some(Box::new(c.index_expr(x, None)?))),
                        None => Ok(None),
                    }
                };
                let l = idx(lo, self)?;
                let h = idx(hi, self)?;
                match &bt.ty {
                    Type::Slice(_) => Ok(TE::new(E::SliceOf(Box::new(bt.e), l, h), bt.ty.clone())),
                    Type::Array(_, et) => Ok(TE::new(
                        E::SliceOf(Box::new(bt.e), l, h),
                        Type::Slice(et.clone()),
                    )),
                    Type::Str | Type::UntypedString => {
                        Ok(TE::new(E::StrSlice(Box::new(bt.e), l, h), Type::Str))
                    }
                    t => err(
                        pos,
                        format!("cannot slice {} (variable of type {t})", self.describe(b)),
                    ),
                }
            }
            ExprKind::Selector(b, name) => self.selector(b, name, e),
            ExprKind::Composite(t, elems) => {
                let ty = match t {
                    Some(t) => self.resolve_type(t)?,
                    None => match hint {
                        Some(h) => h.clone(),
                        None => return err(pos, "invalid composite literal type: missing type"),
                    },
                };
                self.composite(&ty, elems, pos)
            }
            ExprKind::FuncLit(sig, body) => {
                let ft = self.sig_type(sig)?;
                let (ir, caps) = self.func_body_caps("func literal", sig, &ft, body, pos)?;
                Ok(TE::new(
                    E::Closure(Rc::new(ir), caps),
                    Type::Func(Rc::new(ft)),
                ))
            }
            ExprKind::Type(_) => err(
                pos,
                format!("{} (type) is not an expression", self.describe(e)),
            ),
        }
    }

    fn ident(&mut self, n: &str, pos: Pos) -> R<TE> {
        if n == "_" {
            return err(pos, "cannot use _ as value");
        }
        if n == "iota"
            && let Some(i) = self.iota
            && self.lookup(n).is_none()
        {
            return Ok(self.const_te(CV::Int(i as i128), Type::UntypedInt));
        }
        match self.lookup(n) {
            Some((Sym::Var { ty, used, .. }, Some(acc))) => {
                used.set(true);
                let e = match acc {
                    Access::Local(s) => E::Local(s),
                    Access::Boxed(s) => E::Boxed(s),
                    Access::Cap(i) => E::Cap(i),
                };
                Ok(TE::new(e, ty))
            }
            Some((Sym::Global(g, ty), _)) => Ok(TE::new(E::Global(g), ty)),
            Some((Sym::Const(cv, ty), _)) => Ok(self.const_te(cv, ty)),
            Some((Sym::Func(i, ty), _)) => Ok(TE::new(E::FuncRef(i), ty)),
            Some((Sym::Nil, _)) => Ok(TE::new(E::Const(Value::Nil), Type::UntypedNil)),
            Some((Sym::Type(_), _)) => err(pos, format!("{n} (type) is not an expression")),
            Some((Sym::Builtin(b), _)) => {
                err(pos, format!("{b} (built-in function {b}) must be called"))
            }
            Some((Sym::Pkg(p), _)) => err(pos, format!("use of package {p} without selector")),
            Some((Sym::Var { .. }, None)) => unreachable!(),
            None => err(pos, format!("undefined: {n}")),
        }
    }

    pub fn func_body_caps(
        &mut self,
        name: &str,
        sig: &FuncSig,
        ft: &FuncT,
        body: &Block,
        pos: Pos,
    ) -> R<(FuncIr, Vec<CapSrc>)> {
        self.pending_caps = None;
        let ir = self.func_body(name, sig, ft, body, pos)?;
        Ok((ir, self.pending_caps.take().unwrap_or_default()))
    }

    fn unary(&mut self, op: &str, a: &Expr, e: &Expr) -> R<TE> {
        let x = self.expr(a)?;
        let bad = |c: &Checker| {
            err(
                e.pos,
                format!(
                    "invalid operation: operator {op} not defined on {} (variable of type {})",
                    c.describe(a),
                    x.ty
                ),
            )
        };
        match op {
            "+" => {
                if !x.ty.is_numeric() {
                    return bad(self);
                }
                Ok(x)
            }
            "-" => {
                if let Some(cv) = &x.cv {
                    let ncv = match cv {
                        CV::Int(i) => CV::Int(-i),
                        // Constants are exact: there is no negative zero constant.
                        CV::Float(f) => CV::Float(if *f == 0.0 { 0.0 } else { -f }),
                        _ => return bad(self),
                    };
                    if let Type::Int(k) = &x.ty
                        && let CV::Int(i) = ncv
                        && !k.fits(i)
                    {
                        return err(e.pos, format!("constant {i} overflows {}", k.name()));
                    }
                    return Ok(self.const_te(ncv, x.ty));
                }
                match &x.ty {
                    Type::Int(k) => Ok(TE::new(E::Neg(*k, Box::new(x.e)), x.ty.clone())),
                    Type::Float => Ok(TE::new(E::FNeg(Box::new(x.e)), Type::Float)),
                    _ => bad(self),
                }
            }
            "!" => {
                if !x.ty.is_bool() {
                    return bad(self);
                }
                if let Some(CV::Bool(b)) = x.cv {
                    return Ok(self.const_te(CV::Bool(!b), x.ty));
                }
                Ok(TE::new(E::Not(Box::new(x.e)), x.ty))
            }
            "^" => {
                if let Some(CV::Int(i)) = x.cv {
                    let r = match &x.ty {
                        Type::Int(k) if !k.signed() => k.wrap(!(i as i64)) as u64 as i128,
                        _ => !i,
                    };
                    return Ok(self.const_te(CV::Int(r), x.ty));
                }
                match &x.ty {
                    Type::Int(k) => Ok(TE::new(E::BitNot(*k, Box::new(x.e)), x.ty.clone())),
                    _ => bad(self),
                }
            }
            _ => err(e.pos, format!("operator {op} is not supported by gomini")),
        }
    }

    fn shift(&mut self, op: &str, a: &Expr, b: &Expr, e: &Expr) -> R<TE> {
        let l = self.expr(a)?;
        let r = self.expr(b)?;
        if !r.ty.is_integer() && !matches!(r.cv, Some(CV::Float(f)) if f.fract() == 0.0) {
            return err(
                b.pos,
                format!(
                    "invalid operation: shift count {} must be integer",
                    self.describe(b)
                ),
            );
        }
        if !l.ty.is_integer() && !matches!(l.cv, Some(CV::Float(f)) if f.fract() == 0.0) {
            return err(
                e.pos,
                format!(
                    "invalid operation: shifted operand {} must be integer",
                    self.describe(a)
                ),
            );
        }
        let iop = if op == "<<" { IOp::Shl } else { IOp::Shr };
        if let (Some(lc), Some(rc)) = (&l.cv, &r.cv) {
            let lv = match lc {
                CV::Int(i) => *i,
                CV::Float(f) => *f as i128,
                _ => 0,
            };
            let rv = match rc {
                CV::Int(i) => *i as u32,
                CV::Float(f) => *f as u32,
                _ => 0,
            };
            let v = if iop == IOp::Shl {
                lv.checked_shl(rv).unwrap_or(0)
            } else {
                lv >> rv.min(127)
            };
            let ty = if l.ty.is_untyped() {
                Type::UntypedInt
            } else {
                l.ty.clone()
            };
            if let Type::Int(k) = &ty
                && !k.fits(v)
            {
                return err(e.pos, format!("constant {v} overflows {}", k.name()));
            }
            return Ok(self.const_te(CV::Int(v), ty));
        }
        let lt = if l.ty.is_untyped() {
            Type::Int(IntK::Int)
        } else {
            l.ty.clone()
        };
        let Type::Int(k) = lt else { unreachable!() };
        let le = self.assign_to(l, &lt, a, "shift")?;
        let rt = r.ty.default_type();
        let re = self.assign_to(r, &rt, b, "shift")?;
        Ok(TE::new(E::IntBin(iop, k, Box::new(le), Box::new(re)), lt))
    }

    pub fn binary(&mut self, op: &str, l: TE, r: TE, pos: Pos, e: &Expr) -> R<TE> {
        let (la, ra) = match &e.kind {
            ExprKind::Binary(_, a, b) => (self.describe(a), self.describe(b)),
            _ => ("x".to_string(), self.describe(e)),
        };
        if matches!(l.ty, Type::Void | Type::Tuple(_))
            || matches!(r.ty, Type::Void | Type::Tuple(_))
        {
            let bad = if matches!(l.ty, Type::Void | Type::Tuple(_)) {
                &la
            } else {
                &ra
            };
            return err(pos, format!("{bad} (no value) used as value"));
        }
        let cmp = matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=");
        // Comparisons with nil.
        if matches!(l.ty, Type::UntypedNil) || matches!(r.ty, Type::UntypedNil) {
            let (other, oe) = if matches!(l.ty, Type::UntypedNil) {
                (&r.ty, r.e)
            } else {
                (&l.ty, l.e)
            };
            if !matches!(op, "==" | "!=") || !other.nilable() {
                return err(
                    pos,
                    format!(
                        "invalid operation: {la} {op} {ra} (mismatched types {} and {})",
                        l.ty, r.ty
                    ),
                );
            }
            let c = if op == "==" { COp::Eq } else { COp::Ne };
            return Ok(TE::new(
                E::Cmp(c, CKind::Any, Box::new(oe), Box::new(E::Const(Value::Nil))),
                Type::UntypedBool,
            ));
        }
        // Unify the operand types.
        let ty = if l.ty.is_untyped() && r.ty.is_untyped() {
            if l.ty.is_numeric() && r.ty.is_numeric() {
                if untyped_rank(&l.ty) >= untyped_rank(&r.ty) {
                    l.ty.clone()
                } else {
                    r.ty.clone()
                }
            } else if l.ty == r.ty {
                l.ty.clone()
            } else {
                return err(
                    pos,
                    format!(
                        "invalid operation: {la} {op} {ra} (mismatched types {} and {})",
                        l.ty, r.ty
                    ),
                );
            }
        } else if l.ty.is_untyped() {
            r.ty.clone()
        } else if r.ty.is_untyped() {
            l.ty.clone()
        } else if l.ty != r.ty {
            return err(
                pos,
                format!(
                    "invalid operation: {la} {op} {ra} (mismatched types {} and {})",
                    l.ty, r.ty
                ),
            );
        } else {
            l.ty.clone()
        };
        // Constant folding.
        if let (Some(a), Some(b)) = (&l.cv, &r.cv) {
            return self.fold(op, a, b, &ty, pos, &la, &ra);
        }
        if op == "&&" || op == "||" {
            if !ty.is_bool() {
                return err(
                    pos,
                    format!(
                        "invalid operation: operator {op} not defined on {la} (variable of type {ty})"
                    ),
                );
            }
            let (le, re) = (Box::new(l.e), Box::new(r.e));
            let out = if op == "&&" {
                E::AndAnd(le, re)
            } else {
                E::OrOr(le, re)
            };
            return Ok(TE::new(
                out,
                if ty == Type::UntypedBool {
                    Type::UntypedBool
                } else {
                    Type::Bool
                },
            ));
        }
        let concrete = ty.default_type();
        let le = self.coerce(l, &concrete, pos, &la)?;
        let re = self.coerce(r, &concrete, pos, &ra)?;
        if cmp {
            let c = match op {
                "==" => COp::Eq,
                "!=" => COp::Ne,
                "<" => COp::Lt,
                "<=" => COp::Le,
                ">" => COp::Gt,
                _ => COp::Ge,
            };
            let ordered = matches!(concrete, Type::Int(_) | Type::Float | Type::Str);
            if !matches!(c, COp::Eq | COp::Ne) && !ordered {
                return err(
                    pos,
                    format!(
                        "invalid operation: {la} {op} {ra} (operator {op} not defined on {la} (variable of type {concrete}))"
                    ),
                );
            }
            if !concrete.comparable() {
                let what = match concrete {
                    Type::Slice(_) => "slice",
                    Type::Map(..) => "map",
                    Type::Func(_) => "func",
                    _ => "value",
                };
                return err(
                    pos,
                    format!(
                        "invalid operation: {la} {op} {ra} ({what} can only be compared to nil)"
                    ),
                );
            }
            let k = match &concrete {
                Type::Int(k) if k.signed() => CKind::Int,
                Type::Int(_) => CKind::Uint,
                Type::Float => CKind::Float,
                Type::Str => CKind::Str,
                Type::Bool => CKind::Bool,
                _ => CKind::Any,
            };
            let e = if k != CKind::Int && is_pure_path(&le) && is_pure_path(&re) {
                E::CmpRef(c, k, Box::new(le), Box::new(re))
            } else {
                E::Cmp(c, k, Box::new(le), Box::new(re))
            };
            return Ok(TE::new(e, Type::UntypedBool));
        }
        let iop = match op {
            "+" => IOp::Add,
            "-" => IOp::Sub,
            "*" => IOp::Mul,
            "/" => IOp::Div,
            "%" => IOp::Rem,
            "&" => IOp::And,
            "|" => IOp::Or,
            "^" => IOp::Xor,
            "&^" => IOp::AndNot,
            _ => return err(pos, format!("operator {op} is not supported")),
        };
        if let (IOp::Div | IOp::Rem, E::Const(Value::Int(0))) = (iop, &re)
            && concrete.is_integer()
        {
            let rpos = match &e.kind {
                ExprKind::Binary(_, _, b) => b.pos,
                _ => pos,
            };
            return err(rpos, "invalid operation: division by zero");
        }
        let out = match &concrete {
            Type::Int(k) => E::IntBin(iop, *k, Box::new(le), Box::new(re)),
            Type::Float if matches!(iop, IOp::Add | IOp::Sub | IOp::Mul | IOp::Div) => {
                E::FloatBin(iop, Box::new(le), Box::new(re))
            }
            Type::Str if iop == IOp::Add => E::Concat(Box::new(le), Box::new(re)),
            t => {
                return err(
                    pos,
                    format!(
                        "invalid operation: operator {op} not defined on {la} (variable of type {t})"
                    ),
                );
            }
        };
        Ok(TE::new(out, concrete))
    }

    fn coerce(&mut self, te: TE, t: &Type, pos: Pos, desc: &str) -> R<E> {
        if te.ty == *t {
            return Ok(te.e);
        }
        match &te.cv {
            Some(cv) => {
                let c = self.convert_const(cv, &te.ty, t, pos, "expression");
                c.map(E::Const).map_err(|_| {
                    (
                        pos,
                        format!(
                            "cannot convert {desc} (untyped {} constant) to type {t}",
                            match te.ty {
                                Type::UntypedFloat => "float",
                                Type::UntypedString => "string",
                                Type::UntypedBool => "bool",
                                Type::UntypedRune => "rune",
                                _ => "int",
                            }
                        ),
                    )
                })
            }
            None => Ok(te.e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fold(&mut self, op: &str, a: &CV, b: &CV, ty: &Type, pos: Pos, la: &str, ra: &str) -> R<TE> {
        let float = matches!(ty, Type::Float | Type::UntypedFloat);
        let as_f = |c: &CV| match c {
            CV::Int(i) => *i as f64,
            CV::Float(f) => *f,
            _ => 0.0,
        };
        let as_i = |c: &CV| match c {
            CV::Int(i) => Some(*i),
            CV::Float(f) if f.fract() == 0.0 => Some(*f as i128),
            _ => None,
        };
        let boolean = |v: bool| Ok(self.const_te(CV::Bool(v), Type::UntypedBool));
        match (a, b) {
            (CV::Str(x), CV::Str(y)) => {
                return match op {
                    "+" => Ok(self.const_te(CV::Str(Rc::from(format!("{x}{y}"))), ty.clone())),
                    "==" => boolean(x == y),
                    "!=" => boolean(x != y),
                    "<" => boolean(x < y),
                    "<=" => boolean(x <= y),
                    ">" => boolean(x > y),
                    ">=" => boolean(x >= y),
                    _ => err(
                        pos,
                        format!(
                            "invalid operation: operator {op} not defined on {la} (untyped string constant)"
                        ),
                    ),
                };
            }
            (CV::Bool(x), CV::Bool(y)) => {
                return match op {
                    "&&" => boolean(*x && *y),
                    "||" => boolean(*x || *y),
                    "==" => boolean(x == y),
                    "!=" => boolean(x != y),
                    _ => err(
                        pos,
                        format!(
                            "invalid operation: operator {op} not defined on {la} (untyped bool constant)"
                        ),
                    ),
                };
            }
            (CV::Str(_) | CV::Bool(_), _) | (_, CV::Str(_) | CV::Bool(_)) => {
                return err(
                    pos,
                    format!("invalid operation: {la} {op} {ra} (mismatched types)"),
                );
            }
            _ => {}
        }
        if float {
            let (x, y) = (as_f(a), as_f(b));
            let v = match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" => {
                    if y == 0.0 {
                        return err(pos, "invalid operation: division by zero");
                    }
                    x / y
                }
                "==" => return boolean(x == y),
                "!=" => return boolean(x != y),
                "<" => return boolean(x < y),
                "<=" => return boolean(x <= y),
                ">" => return boolean(x > y),
                ">=" => return boolean(x >= y),
                _ => {
                    return err(
                        pos,
                        format!(
                            "invalid operation: operator {op} not defined on {la} (untyped float constant)"
                        ),
                    );
                }
            };
            return Ok(self.const_te(CV::Float(v), ty.clone()));
        }
        let (Some(x), Some(y)) = (as_i(a), as_i(b)) else {
            return err(
                pos,
                format!("invalid operation: {la} {op} {ra} (truncated)"),
            );
        };
        let v = match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x.saturating_mul(y),
            "/" | "%" => {
                if y == 0 {
                    return err(pos, "invalid operation: division by zero");
                }
                if op == "/" { x / y } else { x % y }
            }
            "&" => x & y,
            "|" => x | y,
            "^" => x ^ y,
            "&^" => x & !y,
            "==" => return boolean(x == y),
            "!=" => return boolean(x != y),
            "<" => return boolean(x < y),
            "<=" => return boolean(x <= y),
            ">" => return boolean(x > y),
            ">=" => return boolean(x >= y),
            _ => return err(pos, format!("operator {op} not supported on constants")),
        };
        if let Type::Int(k) = ty
            && !k.fits(v)
        {
            return err(pos, format!("constant {v} overflows {}", k.name()));
        }
        Ok(self.const_te(CV::Int(v), ty.clone()))
    }

    fn selector(&mut self, b: &Expr, name: &str, e: &Expr) -> R<TE> {
        if let ExprKind::Ident(p) = &b.kind
            && let Some((Sym::Pkg(pkg), _)) = self.lookup(p)
        {
            self.use_pkg(&pkg, b.pos)?;
            let c = |cv: CV, t: Type| Ok(TE::constant(cv_value(&cv, &t.default_type()), t, cv));
            return match (pkg.as_str(), name) {
                ("math", "MaxInt64") | ("math", "MaxInt") => {
                    c(CV::Int(i64::MAX as i128), Type::UntypedInt)
                }
                ("math", "MinInt64") | ("math", "MinInt") => {
                    c(CV::Int(i64::MIN as i128), Type::UntypedInt)
                }
                ("math", "MaxInt32") => c(CV::Int(i32::MAX as i128), Type::UntypedInt),
                ("math", "MinInt32") => c(CV::Int(i32::MIN as i128), Type::UntypedInt),
                ("math", "MaxUint32") => c(CV::Int(u32::MAX as i128), Type::UntypedInt),
                ("math", "Pi") => c(CV::Float(std::f64::consts::PI), Type::UntypedFloat),
                ("bufio", "ScanWords") => Ok(TE::new(
                    E::Const(Value::Int(1)),
                    Type::Opaque("bufio.SplitFunc"),
                )),
                ("bufio", "ScanLines") => Ok(TE::new(
                    E::Const(Value::Int(0)),
                    Type::Opaque("bufio.SplitFunc"),
                )),
                ("os", "Stdin") => Ok(TE::new(E::Const(Value::Nil), Type::Opaque("*os.File"))),
                _ => err(e.pos, format!("undefined: {pkg}.{name}")),
            };
        }
        let bt = self.expr(b)?;
        match &bt.ty {
            Type::Struct(st) => match st.fields.iter().position(|(n, _)| n == name) {
                Some(i) => Ok(TE::new(
                    E::Field(Box::new(bt.e), i as u32),
                    st.fields[i].1.clone(),
                )),
                None => err(
                    e.pos,
                    format!(
                        "{}.{name} undefined (type {} has no field or method {name})",
                        self.describe(b),
                        bt.ty
                    ),
                ),
            },
            t => err(
                e.pos,
                format!(
                    "{}.{name} undefined (type {t} has no field or method {name})",
                    self.describe(b)
                ),
            ),
        }
    }

    fn composite(&mut self, ty: &Type, elems: &[(Option<Expr>, Expr)], pos: Pos) -> R<TE> {
        match ty {
            Type::Slice(et) | Type::Array(_, et) => {
                let mut vals: Vec<Option<E>> = Vec::new();
                let mut next = 0usize;
                for (k, v) in elems {
                    if let Some(k) = k {
                        let kt = self.expr(k)?;
                        match kt.cv {
                            Some(CV::Int(i)) if i >= 0 => next = i as usize,
                            _ => return err(k.pos, "index must be non-negative integer constant"),
                        }
                    }
                    if let Type::Array(n, _) = ty
                        && next >= *n
                    {
                        return err(v.pos, format!("index {next} out of bounds [0:{n}]"));
                    }
                    let te = self.expr_hint(v, Some(et))?;
                    let e = self.assign_to(te, et, v, "slice literal")?;
                    if vals.len() <= next {
                        vals.resize_with(next + 1, || None);
                    }
                    if vals[next].is_some() {
                        return err(
                            v.pos,
                            format!("duplicate index {next} in array or slice literal"),
                        );
                    }
                    vals[next] = Some(e);
                    next += 1;
                }
                if let Type::Array(n, _) = ty {
                    vals.resize_with(*n, || None);
                }
                let es: Vec<E> = vals
                    .into_iter()
                    .map(|v| v.unwrap_or_else(|| E::Const(zero(et))))
                    .collect();
                Ok(TE::new(
                    if matches!(ty, Type::Slice(_)) {
                        E::MakeSliceLit(es)
                    } else {
                        E::MakeArray(es)
                    },
                    ty.clone(),
                ))
            }
            Type::Struct(st) => {
                let keyed = elems.first().is_some_and(|(k, _)| k.is_some());
                let mut vals: Vec<Option<E>> = st.fields.iter().map(|_| None).collect();
                if keyed {
                    for (k, v) in elems {
                        let Some(Expr {
                            kind: ExprKind::Ident(f),
                            pos: kp,
                        }) = k
                        else {
                            return err(
                                v.pos,
                                "mixture of field:value and value elements in struct literal",
                            );
                        };
                        let Some(i) = st.fields.iter().position(|(n, _)| n == f) else {
                            return err(
                                *kp,
                                format!("unknown field '{f}' in struct literal of type {ty}"),
                            );
                        };
                        if vals[i].is_some() {
                            return err(*kp, format!("duplicate field name {f} in struct literal"));
                        }
                        let ft = st.fields[i].1.clone();
                        let te = self.expr_hint(v, Some(&ft))?;
                        vals[i] = Some(self.assign_to(te, &ft, v, "struct literal")?);
                    }
                } else if !elems.is_empty() {
                    if elems.len() < st.fields.len() {
                        return err(
                            pos,
                            format!("too few values in struct literal of type {ty}"),
                        );
                    }
                    if elems.len() > st.fields.len() {
                        return err(
                            elems[st.fields.len()].1.pos,
                            format!("too many values in struct literal of type {ty}"),
                        );
                    }
                    for (i, (k, v)) in elems.iter().enumerate() {
                        if k.is_some() {
                            return err(
                                v.pos,
                                "mixture of field:value and value elements in struct literal",
                            );
                        }
                        let ft = st.fields[i].1.clone();
                        let te = self.expr_hint(v, Some(&ft))?;
                        vals[i] = Some(self.assign_to(te, &ft, v, "struct literal")?);
                    }
                }
                let es = vals
                    .into_iter()
                    .zip(&st.fields)
                    .map(|(v, (_, t))| v.unwrap_or_else(|| E::Const(zero(t))))
                    .collect();
                Ok(TE::new(E::MakeStruct(es), ty.clone()))
            }
            Type::Map(kt, vt) => {
                let mut kvs = Vec::new();
                let mut seen: Vec<Value> = Vec::new();
                for (k, v) in elems {
                    let Some(k) = k else {
                        return err(v.pos, "missing key in map literal");
                    };
                    let kte = self.expr_hint(k, Some(kt))?;
                    let is_const = kte.cv.is_some();
                    let ke = self.assign_to(kte, kt, k, "map literal")?;
                    if is_const && let E::Const(cv) = &ke {
                        if seen.iter().any(|s| crate::value::equal(s, cv)) {
                            return err(
                                k.pos,
                                format!("duplicate key {} in map literal", self.describe(k)),
                            );
                        }
                        seen.push(cv.clone());
                    }
                    let vte = self.expr_hint(v, Some(vt))?;
                    let ve = self.assign_to(vte, vt, v, "map literal")?;
                    kvs.push((ke, ve));
                }
                let rt = self.maptype(kt, vt);
                Ok(TE::new(E::MakeMapLit(rt, kvs), ty.clone()))
            }
            t => err(pos, format!("invalid composite literal type {t}")),
        }
    }

    // ---- calls -------------------------------------------------------------------------

    fn call(&mut self, f: &Expr, args: &[Expr], dots: bool, e: &Expr) -> R<TE> {
        let pos = e.pos;
        // Conversions: T(x).
        if let Some(t) = self.as_type(f)? {
            if args.len() != 1 || dots {
                return err(pos, format!("wrong argument count in conversion to {t}"));
            }
            return self.conversion(&t, &args[0], e);
        }
        match &f.kind {
            ExprKind::Ident(n) => {
                if let Some((Sym::Builtin(b), _)) = self.lookup(n) {
                    return self.builtin(b, args, dots, e);
                }
            }
            ExprKind::Selector(p, name) => {
                if let ExprKind::Ident(pk) = &p.kind
                    && let Some((Sym::Pkg(pkg), _)) = self.lookup(pk)
                {
                    self.use_pkg(&pkg, p.pos)?;
                    return self.lib_call(&pkg, name, args, e);
                }
                let bt = self.expr(p)?;
                if let Type::Opaque("*bufio.Scanner") | Type::Error = bt.ty {
                    return self.method_call(bt, name, args, e);
                }
            }
            _ => {}
        }
        let fte = self.expr(f)?;
        let Type::Func(ft) = fte.ty.clone() else {
            return err(
                pos,
                format!(
                    "invalid operation: cannot call non-function {} (variable of type {})",
                    self.describe(f),
                    fte.ty
                ),
            );
        };
        let (argv, spread) = self.args(&ft.params, ft.variadic, args, dots, e)?;
        let result = match ft.results.len() {
            0 => Type::Void,
            1 => ft.results[0].clone(),
            _ => Type::Tuple(Rc::new(ft.results.clone())),
        };
        let call = match fte.e {
            E::FuncRef(i) => E::CallDirect(i, argv, spread),
            fe => E::CallValue(Box::new(fe), argv, spread),
        };
        Ok(TE::new(call, result))
    }

    /// Checks arguments against parameters; packs variadic extras into a slice. Returns the
    /// argument IR and whether a single multi-valued call is spread over the parameters.
    fn args(
        &mut self,
        params: &[Type],
        variadic: bool,
        args: &[Expr],
        dots: bool,
        e: &Expr,
    ) -> R<(Vec<E>, bool)> {
        let name = match &e.kind {
            ExprKind::Call(f, _, _) => self.describe(f),
            _ => "call".into(),
        };
        if args.len() == 1 && params.len() > 1 {
            let te = self.expr(&args[0])?;
            if let Type::Tuple(ts) = &te.ty {
                let ok = if variadic {
                    ts.len() >= params.len() - 1
                } else {
                    ts.len() == params.len() && ts.iter().zip(params).all(|(a, b)| a == b)
                };
                if !ok || variadic {
                    return err(
                        args[0].pos,
                        format!(
                            "cannot use {} (value of type {}) as argument to {name}",
                            self.describe(&args[0]),
                            te.ty
                        ),
                    );
                }
                return Ok((vec![te.e], true));
            }
        }
        let fixed = if variadic {
            params.len() - 1
        } else {
            params.len()
        };
        let too_few = if variadic {
            args.len() < fixed
        } else {
            args.len() < params.len()
        };
        let too_many = !variadic && args.len() > params.len();
        if too_few || too_many || (dots && args.len() != params.len()) {
            let have: Vec<String> = args
                .iter()
                .map(|a| {
                    self.expr(a)
                        .map(|t| t.ty.default_type().to_string())
                        .unwrap_or_default()
                })
                .collect();
            let want: Vec<String> = params.iter().map(|t| t.to_string()).collect();
            return err(
                if too_many {
                    args[params.len()].pos
                } else {
                    args.last().map_or(e.pos, |a| a.pos)
                },
                format!(
                    "{} arguments in call to {name}\n\thave ({})\n\twant ({})",
                    if too_many { "too many" } else { "not enough" },
                    have.join(", "),
                    want.join(", ")
                ),
            );
        }
        let mut out = Vec::new();
        for (a, t) in args.iter().take(fixed).zip(params) {
            let te = self.expr_hint(a, Some(t))?;
            out.push(self.assign_to(te, t, a, &format!("argument to {name}"))?);
        }
        if variadic {
            let st = &params[fixed];
            if dots {
                let te = self.expr(&args[fixed])?;
                out.push(self.assign_to(te, st, &args[fixed], &format!("argument to {name}"))?);
            } else {
                let Type::Slice(et) = st else { unreachable!() };
                let mut extra = Vec::new();
                for a in &args[fixed..] {
                    let te = self.expr_hint(a, Some(et))?;
                    extra.push(self.assign_to(te, et, a, &format!("argument to {name}"))?);
                }
                out.push(if extra.is_empty() {
                    E::Const(Value::Slice(Slice::default()))
                } else {
                    E::MakeSliceLit(extra)
                });
            }
        }
        Ok((out, false))
    }

    /// `f` as a type, if it names one (for conversions).
    fn as_type(&mut self, f: &Expr) -> R<Option<Type>> {
        match &f.kind {
            ExprKind::Type(t) => Ok(Some(self.resolve_type(t)?)),
            ExprKind::Paren(x) => self.as_type(x),
            ExprKind::Ident(n) => match self.lookup(n) {
                Some((Sym::Type(t), _)) => Ok(Some(t)),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn conversion(&mut self, t: &Type, a: &Expr, e: &Expr) -> R<TE> {
        let x = self.expr_hint(a, Some(t))?;
        if matches!(x.ty, Type::UntypedNil) && t.nilable() {
            return Ok(TE::new(E::Const(zero(t)), t.clone()));
        }
        let bad = |c: &Checker, x: &TE| {
            err(
                e.pos,
                format!(
                    "cannot convert {} ({} of type {}) to type {t}",
                    c.describe(a),
                    if x.cv.is_some() {
                        "constant"
                    } else {
                        "variable"
                    },
                    x.ty
                ),
            )
        };
        if let Some(cv) = &x.cv {
            // Constant conversions stay constant where Go's do.
            match (cv, t) {
                (CV::Int(i), Type::Int(k)) => {
                    if !k.fits(*i) {
                        let c = if x.ty.is_untyped() {
                            "untyped int constant".to_string()
                        } else {
                            format!("constant {i} of type {}", x.ty)
                        };
                        return err(
                            a.pos,
                            format!("cannot convert {} ({c}) to type {t}", self.describe(a)),
                        );
                    }
                    return Ok(TE::constant(Value::Int(*i as i64), t.clone(), cv.clone()));
                }
                (CV::Int(i), Type::Float) => {
                    return Ok(TE::constant(
                        Value::Float(*i as f64),
                        t.clone(),
                        CV::Float(*i as f64),
                    ));
                }
                (CV::Float(f), Type::Float) => {
                    return Ok(TE::constant(Value::Float(*f), t.clone(), cv.clone()));
                }
                (CV::Float(f), Type::Int(_)) if !x.ty.is_untyped() => {
                    return Ok(TE::new(E::Const(Value::Int(*f as i128 as i64)), t.clone()));
                }
                (CV::Float(f), Type::Int(k)) => {
                    if f.fract() != 0.0 || !k.fits(*f as i128) {
                        return err(
                            a.pos,
                            format!(
                                "cannot convert {} (untyped float constant) to type {t}",
                                self.describe(a)
                            ),
                        );
                    }
                    return Ok(TE::constant(
                        Value::Int(*f as i64),
                        t.clone(),
                        CV::Int(*f as i128),
                    ));
                }
                (CV::Str(s), Type::Str) => {
                    return Ok(TE::constant(Value::Str(s.clone()), t.clone(), cv.clone()));
                }
                (CV::Bool(b), Type::Bool) => {
                    return Ok(TE::constant(Value::Bool(*b), t.clone(), cv.clone()));
                }
                (CV::Int(i), Type::Str) if x.ty.is_integer() => {
                    let c = char::from_u32(*i as u32).unwrap_or('\u{FFFD}');
                    let s: Rc<str> = Rc::from(c.to_string());
                    return Ok(TE::constant(Value::Str(s.clone()), Type::Str, CV::Str(s)));
                }
                _ => {}
            }
        }
        let from = x.ty.default_type();
        if from == *t {
            let e = self.assign_to(x, t, a, "conversion")?;
            return Ok(TE::new(e, t.clone()));
        }
        let conv = match (&from, t) {
            (Type::Int(_), Type::Int(k)) => Conv::IntToInt(*k),
            (Type::Int(k), Type::Float) => Conv::IntToFloat(!k.signed() && k.size() == 8),
            (Type::Float, Type::Int(k)) => Conv::FloatToInt(*k),
            (Type::Int(_), Type::Str) => Conv::RuneToStr,
            (Type::Slice(et), Type::Str) if **et == Type::Int(IntK::U8) => Conv::BytesToStr,
            (Type::Slice(et), Type::Str) if **et == Type::Int(IntK::I32) => Conv::RunesToStr,
            (Type::Str, Type::Slice(et)) if **et == Type::Int(IntK::U8) => Conv::StrToBytes,
            (Type::Str, Type::Slice(et)) if **et == Type::Int(IntK::I32) => Conv::StrToRunes,
            (Type::Struct(a), Type::Struct(b))
                if a.fields.len() == b.fields.len()
                    && a.fields.iter().zip(&b.fields).all(|(x, y)| x == y) =>
            {
                Conv::None
            }
            _ => return bad(self, &x),
        };
        let xe = match &x.cv {
            Some(cv) => E::Const(cv_value(cv, &from)),
            None => x.e,
        };
        Ok(TE::new(E::Convert(conv, Box::new(xe)), t.clone()))
    }

    fn builtin(&mut self, b: &str, args: &[Expr], dots: bool, e: &Expr) -> R<TE> {
        let pos = e.pos;
        let nargs = |n: usize, c: &Checker| -> R<()> {
            if args.len() < n {
                return err(
                    pos,
                    format!(
                        "not enough arguments for {}() (expected {n}, found {})",
                        b,
                        args.len()
                    ),
                );
            }
            if args.len() > n && b != "make" && b != "append" {
                let _ = c;
                return err(
                    args[n].pos,
                    format!(
                        "too many arguments for {}() (expected {n}, found {})",
                        b,
                        args.len()
                    ),
                );
            }
            Ok(())
        };
        match b {
            "len" | "cap" => {
                nargs(1, self)?;
                let x = self.expr(&args[0])?;
                if let Some(CV::Str(s)) = &x.cv
                    && b == "len"
                {
                    return Ok(self.const_te(CV::Int(s.len() as i128), Type::Int(IntK::Int)));
                }
                let ok = match &x.ty {
                    Type::Str | Type::Map(..) => b == "len",
                    Type::Slice(_) => true,
                    Type::Array(n, _) => {
                        return Ok(self.const_te(CV::Int(*n as i128), Type::Int(IntK::Int)));
                    }
                    _ => false,
                };
                if !ok {
                    return err(
                        args[0].pos,
                        format!(
                            "invalid argument: {} (variable of type {}) for {b}",
                            self.describe(&args[0]),
                            x.ty
                        ),
                    );
                }
                let xe = Box::new(x.e);
                Ok(TE::new(
                    if b == "len" { E::Len(xe) } else { E::CapOf(xe) },
                    Type::Int(IntK::Int),
                ))
            }
            "append" => {
                if args.is_empty() {
                    return err(
                        pos,
                        "not enough arguments for append() (expected 1, found 0)",
                    );
                }
                let s = self.expr(&args[0])?;
                let Type::Slice(et) = s.ty.clone() else {
                    return err(
                        args[0].pos,
                        format!(
                            "invalid argument: {} (variable of type {}) is not a slice",
                            self.describe(&args[0]),
                            s.ty
                        ),
                    );
                };
                if dots {
                    if args.len() != 2 {
                        return err(pos, "can only use ... with final argument in list");
                    }
                    let t = self.expr(&args[1])?;
                    let ok = t.ty == s.ty || (t.ty.is_string() && *et == Type::Int(IntK::U8));
                    if !ok {
                        return err(
                            args[1].pos,
                            format!(
                                "cannot use {} (variable of type {}) as {} value in argument to append",
                                self.describe(&args[1]),
                                t.ty,
                                s.ty
                            ),
                        );
                    }
                    return Ok(TE::new(E::AppendSpread(Box::new(s.e), Box::new(t.e)), s.ty));
                }
                let mut xs = Vec::new();
                for a in &args[1..] {
                    let te = self.expr_hint(a, Some(&et))?;
                    xs.push(self.assign_to(te, &et, a, "argument to append")?);
                }
                Ok(TE::new(E::Append(Box::new(s.e), xs), s.ty))
            }
            "copy" => {
                nargs(2, self)?;
                let d = self.expr(&args[0])?;
                let s = self.expr(&args[1])?;
                let ok = matches!(&d.ty, Type::Slice(_))
                    && (d.ty == s.ty
                        || (s.ty.is_string()
                            && matches!(&d.ty, Type::Slice(e) if **e == Type::Int(IntK::U8))));
                if !ok {
                    return err(
                        pos,
                        format!(
                            "invalid argument: copy expects slice arguments; found {} (variable of type {}) and {} (value of type {})",
                            self.describe(&args[0]),
                            d.ty,
                            self.describe(&args[1]),
                            s.ty
                        ),
                    );
                }
                Ok(TE::new(
                    E::Copy(Box::new(d.e), Box::new(s.e)),
                    Type::Int(IntK::Int),
                ))
            }
            "delete" => {
                nargs(2, self)?;
                let m = self.expr(&args[0])?;
                let Type::Map(kt, vt) = m.ty.clone() else {
                    return err(
                        args[0].pos,
                        format!(
                            "invalid argument: {} (variable of type {}) is not a map",
                            self.describe(&args[0]),
                            m.ty
                        ),
                    );
                };
                let k = self.expr_hint(&args[1], Some(&kt))?;
                let ke = self.assign_to(k, &kt, &args[1], "argument to delete")?;
                let rt = self.maptype(&kt, &vt);
                Ok(TE::new(
                    E::Delete(rt, Box::new(m.e), Box::new(ke)),
                    Type::Void,
                ))
            }
            "make" => {
                if args.is_empty() {
                    return err(pos, "not enough arguments for make() (expected 1, found 0)");
                }
                let Some(t) = self.as_type(&args[0])? else {
                    return err(
                        args[0].pos,
                        format!("{} is not a type", self.describe(&args[0])),
                    );
                };
                let mut sizes = Vec::new();
                for a in &args[1..] {
                    let te = self.expr(a)?;
                    if !te.ty.is_integer()
                        && !matches!(te.cv, Some(CV::Float(f)) if f.fract() == 0.0)
                    {
                        return err(
                            a.pos,
                            format!(
                                "cannot convert {} (variable of type {}) to type int",
                                self.describe(a),
                                te.ty
                            ),
                        );
                    }
                    if let Some(CV::Int(i)) = te.cv
                        && i < 0
                    {
                        return err(
                            a.pos,
                            format!(
                                "invalid argument: index {} (constant of type int) must not be negative",
                                self.describe(a)
                            ),
                        );
                    }
                    let e = self.coerce(te, &Type::Int(IntK::Int), a.pos, "size")?;
                    sizes.push(e);
                }
                match &t {
                    Type::Slice(et) => {
                        if sizes.is_empty() {
                            return err(
                                pos,
                                format!(
                                    "invalid operation: {} expects 2 or 3 arguments; found 1",
                                    self.describe(e)
                                ),
                            );
                        }
                        if sizes.len() > 2 {
                            return err(
                                pos,
                                format!(
                                    "invalid operation: {} expects 2 or 3 arguments; found {}",
                                    self.describe(e),
                                    args.len()
                                ),
                            );
                        }
                        let mut it = sizes.into_iter();
                        let n = it.next().expect("one");
                        let c = it.next().map(Box::new);
                        Ok(TE::new(E::MakeSlice(zero(et), Box::new(n), c), t.clone()))
                    }
                    Type::Map(kt, vt) => {
                        if sizes.len() > 1 {
                            return err(
                                pos,
                                format!(
                                    "invalid operation: {} expects 1 or 2 arguments; found {}",
                                    self.describe(e),
                                    args.len()
                                ),
                            );
                        }
                        let rt = self.maptype(kt, vt);
                        Ok(TE::new(
                            E::MakeMap(rt, sizes.pop().map(Box::new)),
                            t.clone(),
                        ))
                    }
                    _ => err(
                        args[0].pos,
                        format!(
                            "invalid argument: cannot make {}; type must be slice, map, or channel",
                            t
                        ),
                    ),
                }
            }
            "panic" => {
                nargs(1, self)?;
                let x = self.expr(&args[0])?;
                let t = x.ty.default_type();
                let xe = self.assign_to(x, &Type::Opaque("any"), &args[0], "argument to panic")?;
                Ok(TE::new(E::Panic(Box::new(xe), t), Type::Void))
            }
            _ => unreachable!(),
        }
    }

    fn method_call(&mut self, recv: TE, name: &str, args: &[Expr], e: &Expr) -> R<TE> {
        let (lib, params, result): (Lib, Vec<Type>, Type) = match (&recv.ty, name) {
            (Type::Opaque(_), "Scan") => (Lib::Scan, vec![], Type::Bool),
            (Type::Opaque(_), "Text") => (Lib::Text, vec![], Type::Str),
            (Type::Opaque(_), "Split") => (
                Lib::SplitWords,
                vec![Type::Opaque("bufio.SplitFunc")],
                Type::Void,
            ),
            (Type::Opaque(_), "Buffer") => (
                Lib::Buffer,
                vec![
                    Type::Slice(Rc::new(Type::Int(IntK::U8))),
                    Type::Int(IntK::Int),
                ],
                Type::Void,
            ),
            (Type::Error, "Error") => (Lib::Error, vec![], Type::Str),
            (t, _) => {
                return err(
                    e.pos,
                    format!(
                        "{}.{name} undefined (type {t} has no field or method {name})",
                        "x"
                    ),
                );
            }
        };
        let (mut argv, _) = self.args(&params, false, args, false, e)?;
        // The buffer given to Scanner.Buffer is never used (the input is read whole), and
        // `make` has no side effects: skip building it.
        if lib == Lib::Buffer && matches!(argv[0], E::MakeSlice(..)) {
            argv[0] = E::Const(Value::Slice(Slice::default()));
        }
        argv.insert(0, recv.e);
        Ok(TE::new(E::Lib(lib, argv, vec![]), result))
    }

    fn lib_call(&mut self, pkg: &str, name: &str, args: &[Expr], e: &Expr) -> R<TE> {
        let s = Type::Str;
        let int = Type::Int(IntK::Int);
        let f = Type::Float;
        let b = Type::Bool;
        let ss = Type::Slice(Rc::new(Type::Str));
        let any = Type::Opaque("any");
        let (lib, params, variadic, result): (Lib, Vec<Type>, bool, Type) = match (pkg, name) {
            ("fmt", "Println") => (Lib::Println, vec![], true, Type::Void),
            ("fmt", "Print") => (Lib::Print, vec![], true, Type::Void),
            ("fmt", "Printf") => (Lib::Printf, vec![s.clone()], true, Type::Void),
            ("fmt", "Sprintf") => (Lib::Sprintf, vec![s.clone()], true, s),
            ("fmt", "Sprint") => (Lib::Sprint, vec![], true, s),
            ("fmt", "Sprintln") => (Lib::Sprintln, vec![], true, s),
            ("fmt", "Errorf") => (Lib::Errorf, vec![s.clone()], true, Type::Error),
            ("strings", "Fields") => (Lib::Fields, vec![s], false, ss),
            ("strings", "Split") => (Lib::Split, vec![s.clone(), s], false, ss),
            ("strings", "Join") => (Lib::Join, vec![ss, s.clone()], false, s),
            ("strings", "ToLower") => (Lib::ToLower, vec![s.clone()], false, s),
            ("strings", "ToUpper") => (Lib::ToUpper, vec![s.clone()], false, s),
            ("strings", "TrimSpace") => (Lib::TrimSpace, vec![s.clone()], false, s),
            ("strings", "Contains") => (Lib::Contains, vec![s.clone(), s], false, b),
            ("strings", "HasPrefix") => (Lib::HasPrefix, vec![s.clone(), s], false, b),
            ("strings", "HasSuffix") => (Lib::HasSuffix, vec![s.clone(), s], false, b),
            ("strings", "Index") => (Lib::Index, vec![s.clone(), s], false, int),
            ("strings", "Repeat") => (Lib::Repeat, vec![s.clone(), int], false, s),
            ("strconv", "Itoa") => (Lib::Itoa, vec![int], false, s),
            ("strconv", "Atoi") => (
                Lib::Atoi,
                vec![s],
                false,
                Type::Tuple(Rc::new(vec![int, Type::Error])),
            ),
            ("sort", "Strings") => (Lib::SortStrings, vec![ss], false, Type::Void),
            ("sort", "Ints") => (
                Lib::SortInts,
                vec![Type::Slice(Rc::new(int))],
                false,
                Type::Void,
            ),
            ("sort", "Slice") => {
                let less = Type::Func(Rc::new(FuncT {
                    params: vec![int.clone(), int],
                    results: vec![b],
                    variadic: false,
                }));
                if args.len() == 2 {
                    let st = self.expr(&args[0])?;
                    if !matches!(st.ty, Type::Slice(_)) {
                        return err(
                            args[0].pos,
                            format!("sort.Slice: {} is not a slice", self.describe(&args[0])),
                        );
                    }
                    let lt = self.expr(&args[1])?;
                    let le = self.assign_to(lt, &less, &args[1], "argument to sort.Slice")?;
                    return Ok(TE::new(
                        E::Lib(Lib::SortSlice, vec![st.e, le], vec![]),
                        Type::Void,
                    ));
                }
                (Lib::SortSlice, vec![any, less], false, Type::Void)
            }
            ("math", "NaN") => (Lib::NaN, vec![], false, f),
            ("math", "Inf") => (Lib::Inf, vec![int], false, f),
            ("math", "IsNaN") => (Lib::IsNaN, vec![f], false, b),
            ("math", "Signbit") => (Lib::Signbit, vec![f], false, b),
            ("math", "IsInf") => (Lib::IsInf, vec![f, int], false, b),
            ("math", "Sqrt") => (Lib::Sqrt, vec![f.clone()], false, f),
            ("math", "Abs") => (Lib::Abs, vec![f.clone()], false, f),
            ("math", "Floor") => (Lib::Floor, vec![f.clone()], false, f),
            ("bufio", "NewScanner") => (
                Lib::NewScanner,
                vec![Type::Opaque("*os.File")],
                false,
                Type::Opaque("*bufio.Scanner"),
            ),
            ("os", "Exit") => (Lib::Exit, vec![int], false, Type::Void),
            _ => return err(e.pos, format!("undefined: {pkg}.{name}")),
        };
        let mut argv = Vec::new();
        let mut tys = Vec::new();
        if variadic && params.is_empty() && args.len() == 1 {
            let te = self.expr(&args[0])?;
            if let Type::Tuple(ts) = &te.ty {
                let tys = ts.to_vec();
                return Ok(TE::new(E::Lib(lib, vec![te.e], tys), result));
            }
        }
        if variadic {
            if args.len() < params.len() {
                return err(
                    e.pos,
                    format!("not enough arguments in call to {pkg}.{name}"),
                );
            }
            for (i, a) in args.iter().enumerate() {
                let te = self.expr(a)?;
                if let Some(p) = params.get(i) {
                    argv.push(self.assign_to(te, p, a, &format!("argument to {pkg}.{name}"))?);
                    tys.push(p.clone());
                } else {
                    let t = self.value_type(&te, a)?;
                    argv.push(self.assign_to(te, &Type::Opaque("any"), a, "argument")?);
                    tys.push(if matches!(t, Type::UntypedNil) {
                        Type::Error
                    } else {
                        t
                    });
                }
            }
        } else {
            let (v, _) = self.args(&params, false, args, false, e)?;
            argv = v;
        }
        Ok(TE::new(E::Lib(lib, argv, tys), result))
    }
}
