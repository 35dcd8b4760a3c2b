//! The type checker, which also resolves the program into IR: names become slots, operators
//! are specialised by type, and map types get their gohmap descriptors.
//! Declarations and statements live here; expressions in `check_expr.rs`.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use crate::ast::*;
use crate::ir::*;
use crate::maps::{self, MapRt};
use crate::types::*;
use crate::value::{Value, zero};

pub type R<T> = Result<T, (Pos, String)>;

/// A compile-time constant value.
#[derive(Clone, Debug)]
pub enum CV {
    Int(i128),
    Float(f64),
    Str(Rc<str>),
    Bool(bool),
}

#[derive(Clone, Debug)]
pub enum Sym {
    Var {
        slot: u32,
        ty: Type,
        boxed: bool,
        used: Rc<Cell<bool>>,
        pos: Pos,
        name: String,
    },
    Global(u32, Type),
    Const(CV, Type),
    Type(Type),
    Func(u32, Type),
    Pkg(String),
    Builtin(&'static str),
    Nil,
}

pub struct FnCtx {
    pub scopes: Vec<Vec<(String, Sym)>>,
    pub nlocals: u32,
    pub caps: Vec<CapSrc>,
    pub cap_keys: Vec<(usize, u32)>,
    pub captured: HashSet<String>,
    pub results: Vec<Type>,
    pub loops: u32,
    pub breakable: u32,
    /// Named result variables (slot, boxed), returned by a bare `return`.
    pub named: Option<Vec<(u32, bool)>>,
}

pub struct Checker {
    pub universe: Vec<(String, Sym)>,
    pub ctxs: Vec<FnCtx>,
    pub func_irs: Vec<Rc<FuncIr>>,
    pub nglobals: u32,
    pub struct_ids: usize,
    pub maptypes: Vec<(Type, Type, &'static MapRt)>,
    pub imports: Vec<(String, Pos, Rc<Cell<bool>>)>,
    pub iota: Option<i64>,
    /// Captures of the function literal whose body was checked last.
    pub pending_caps: Option<Vec<CapSrc>>,
    /// Where package-level names start in `universe`.
    pub pkg_start: usize,
}

/// The checker's view of an expression: IR, type, and the constant value if it has one.
pub struct TE {
    pub e: E,
    pub ty: Type,
    pub cv: Option<CV>,
}

impl TE {
    pub fn new(e: E, ty: Type) -> TE {
        TE { e, ty, cv: None }
    }

    /// A constant expression: its run-time value and its compile-time value.
    pub fn constant(v: Value, ty: Type, cv: CV) -> TE {
        TE {
            e: E::Const(v),
            ty,
            cv: Some(cv),
        }
    }
}

impl Checker {
    /// A single right-hand side producing `n` values (`a, b := f()`, `v, ok := m[k]`): the
    /// checked expression and its value types, or Go's mismatch errors.
    fn multi_rhs(&mut self, pos: Pos, rhs: &Expr, n: usize) -> R<(TE, Vec<Type>)> {
        let te = self.expr_multi(rhs, n)?;
        let Type::Tuple(ts) = te.ty.clone() else {
            return err(
                pos,
                format!("assignment mismatch: {n} variables but 1 value"),
            );
        };
        if ts.len() != n {
            let callee = self.callee_name(rhs);
            let s = if ts.len() == 1 { "" } else { "s" };
            let msg = format!(
                "assignment mismatch: {n} variables but {callee} returns {} value{s}",
                ts.len()
            );
            return err(start_pos(rhs), msg);
        }
        Ok((te, ts.to_vec()))
    }
}

/// Go's "assignment mismatch: N variables but M values".
fn mismatch<T>(pos: Pos, vars: usize, vals: usize) -> R<T> {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    err(
        pos,
        format!(
            "assignment mismatch: {vars} variable{} but {vals} value{}",
            s(vars),
            s(vals)
        ),
    )
}

pub fn err<T>(pos: Pos, msg: impl Into<String>) -> R<T> {
    Err((pos, msg.into()))
}

/// Names used inside function literals anywhere in `b`: a local of the enclosing function with
/// one of these names may be captured, so it lives in a shared cell.
fn lit_names(b: &Block, inside: bool, out: &mut HashSet<String>) {
    for s in b {
        stmt_names(s, inside, out);
    }
}

fn stmt_names(s: &Stmt, inside: bool, out: &mut HashSet<String>) {
    let ex = |e: &Expr, out: &mut HashSet<String>| expr_names(e, inside, out);
    match &s.kind {
        StmtKind::Var(_, _, es) | StmtKind::Const(_, _, es, _) | StmtKind::Return(es) => {
            es.iter().for_each(|e| ex(e, out))
        }
        StmtKind::Define(a, b) | StmtKind::Assign(a, _, b) => {
            a.iter().chain(b.iter()).for_each(|e| ex(e, out))
        }
        StmtKind::IncDec(e, _) | StmtKind::Expr(e) => ex(e, out),
        StmtKind::If(i, c, t, e) => {
            if let Some(i) = i {
                stmt_names(i, inside, out);
            }
            ex(c, out);
            lit_names(t, inside, out);
            if let Some(e) = e {
                stmt_names(e, inside, out);
            }
        }
        StmtKind::For(i, c, p, b) => {
            if let Some(i) = i {
                stmt_names(i, inside, out);
            }
            if let Some(c) = c {
                ex(c, out);
            }
            if let Some(p) = p {
                stmt_names(p, inside, out);
            }
            lit_names(b, inside, out);
        }
        StmtKind::Range(k, v, _, x, b) => {
            for e in [k, v].into_iter().flatten() {
                ex(e, out);
            }
            ex(x, out);
            lit_names(b, inside, out);
        }
        StmtKind::Switch(i, t, cases) => {
            if let Some(i) = i {
                stmt_names(i, inside, out);
            }
            if let Some(t) = t {
                ex(t, out);
            }
            for c in cases {
                for e in c.exprs.iter().flatten() {
                    ex(e, out);
                }
                lit_names(&c.body, inside, out);
            }
        }
        StmtKind::Block(b) => lit_names(b, inside, out),
        _ => {}
    }
}

fn expr_names(e: &Expr, inside: bool, out: &mut HashSet<String>) {
    let mut go = |e: &Expr| expr_names(e, inside, out);
    match &e.kind {
        ExprKind::Ident(n) if inside => {
            out.insert(n.clone());
        }
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            go(a);
            go(b);
        }
        ExprKind::Unary(_, a) | ExprKind::Paren(a) | ExprKind::Selector(a, _) => go(a),
        ExprKind::Call(f, args, _) => {
            go(f);
            args.iter().for_each(go);
        }
        ExprKind::SliceExpr(a, l, h) => {
            go(a);
            for x in [l, h].into_iter().flatten() {
                go(x);
            }
        }
        ExprKind::Composite(_, elems) => {
            for (k, v) in elems {
                if let Some(k) = k {
                    go(k);
                }
                go(v);
            }
        }
        ExprKind::FuncLit(sig, body) => {
            // Inside the literal its parameters and named results shadow every outer name
            // they spell (their scope is the whole body, nested literals included), so those
            // uses never capture an enclosing variable: `id := func(i int) int {...}` does
            // not put the caller's `i` in a cell.
            let mut inner = HashSet::new();
            lit_names(body, true, &mut inner);
            for (n, _) in sig.params.iter().chain(&sig.results) {
                inner.remove(n);
            }
            out.extend(inner);
        }
        _ => {}
    }
}

const LIB_PKGS: &[&str] = &["fmt", "strings", "strconv", "sort", "math", "bufio", "os"];

impl Checker {
    pub fn new() -> Checker {
        let mut u: Vec<(String, Sym)> = Vec::new();
        let ty = |n: &str, t: Type| (n.to_string(), Sym::Type(t));
        u.push(ty("bool", Type::Bool));
        u.push(ty("int", Type::Int(IntK::Int)));
        u.push(ty("int8", Type::Int(IntK::I8)));
        u.push(ty("int16", Type::Int(IntK::I16)));
        u.push(ty("int32", Type::Int(IntK::I32)));
        u.push(ty("rune", Type::Int(IntK::I32)));
        u.push(ty("int64", Type::Int(IntK::I64)));
        u.push(ty("uint", Type::Int(IntK::Uint)));
        u.push(ty("uint8", Type::Int(IntK::U8)));
        u.push(ty("byte", Type::Int(IntK::U8)));
        u.push(ty("uint16", Type::Int(IntK::U16)));
        u.push(ty("uint32", Type::Int(IntK::U32)));
        u.push(ty("uint64", Type::Int(IntK::U64)));
        u.push(ty("float64", Type::Float));
        u.push(ty("string", Type::Str));
        u.push(ty("error", Type::Error));
        u.push(("true".into(), Sym::Const(CV::Bool(true), Type::UntypedBool)));
        u.push((
            "false".into(),
            Sym::Const(CV::Bool(false), Type::UntypedBool),
        ));
        u.push(("nil".into(), Sym::Nil));
        for b in ["len", "cap", "make", "append", "copy", "delete", "panic"] {
            u.push((b.into(), Sym::Builtin(b)));
        }
        Checker {
            universe: u,
            ctxs: Vec::new(),
            func_irs: Vec::new(),
            nglobals: 0,
            struct_ids: 0,
            maptypes: Vec::new(),
            imports: Vec::new(),
            iota: None,
            pending_caps: None,
            pkg_start: 0,
        }
    }

    // ---- scopes ------------------------------------------------------------------------

    pub fn ctx(&mut self) -> &mut FnCtx {
        self.ctxs.last_mut().expect("inside a function")
    }

    pub fn push_scope(&mut self) {
        self.ctx().scopes.push(Vec::new());
    }

    pub fn pop_scope(&mut self) -> R<()> {
        let scope = self.ctx().scopes.pop().unwrap_or_default();
        for (_, s) in scope {
            if let Sym::Var {
                used, pos, name, ..
            } = s
                && !used.get()
            {
                return err(pos, format!("{name} declared but not used"));
            }
        }
        Ok(())
    }

    pub fn new_slot(&mut self) -> u32 {
        let c = self.ctx();
        c.nlocals += 1;
        c.nlocals - 1
    }

    /// Declares a local variable; returns its slot and whether it lives in a cell.
    pub fn declare_var(&mut self, name: &str, ty: Type, pos: Pos) -> R<(u32, bool)> {
        let slot = self.new_slot();
        if name == "_" {
            return Ok((slot, false));
        }
        let boxed = self.ctx().captured.contains(name);
        let used = Rc::new(Cell::new(false));
        let sym = Sym::Var {
            slot,
            ty,
            boxed,
            used,
            pos,
            name: name.to_string(),
        };
        self.declare(name, sym, pos)?;
        Ok((slot, boxed))
    }

    pub fn declare(&mut self, name: &str, sym: Sym, pos: Pos) -> R<()> {
        if name == "_" {
            return Ok(());
        }
        let scope = if self.ctxs.is_empty() {
            &mut self.universe
        } else {
            self.ctx().scopes.last_mut().expect("a scope")
        };
        if scope.iter().any(|(n, _)| n == name) {
            return err(pos, format!("{name} redeclared in this block"));
        }
        scope.push((name.to_string(), sym));
        Ok(())
    }

    /// Looks a name up: innermost function first, then enclosing functions (capturing), then
    /// the package and universe. Returns the symbol and how to reach a variable.
    pub fn lookup(&mut self, name: &str) -> Option<(Sym, Option<Access>)> {
        let depth = self.ctxs.len();
        for d in (0..depth).rev() {
            let found = self.ctxs[d].scopes.iter().rev().find_map(|s| {
                s.iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, s)| s.clone())
            });
            if let Some(sym) = found {
                if let Sym::Var { slot, boxed, .. } = &sym {
                    let acc = if d == depth - 1 {
                        if *boxed {
                            Access::Boxed(*slot)
                        } else {
                            Access::Local(*slot)
                        }
                    } else {
                        Access::Cap(self.capture(depth - 1, d, *slot))
                    };
                    return Some((sym, Some(acc)));
                }
                return Some((sym, None));
            }
        }
        self.universe
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| (s.clone(), None))
    }

    /// The capture index in function `d` of slot `slot` of enclosing function `owner`.
    fn capture(&mut self, d: usize, owner: usize, slot: u32) -> u32 {
        if let Some(i) = self.ctxs[d]
            .cap_keys
            .iter()
            .position(|k| *k == (owner, slot))
        {
            return i as u32;
        }
        let src = if d == owner + 1 {
            CapSrc::Local(slot)
        } else {
            CapSrc::Cap(self.capture(d - 1, owner, slot))
        };
        let c = &mut self.ctxs[d];
        c.cap_keys.push((owner, slot));
        c.caps.push(src);
        (c.caps.len() - 1) as u32
    }

    pub fn maptype(&mut self, k: &Type, v: &Type) -> &'static MapRt {
        if let Some((_, _, rt)) = self.maptypes.iter().find(|(a, b, _)| a == k && b == v) {
            return rt;
        }
        let rt = maps::maptype(k, v);
        self.maptypes.push((k.clone(), v.clone(), rt));
        rt
    }

    // ---- types -------------------------------------------------------------------------

    pub fn resolve_type(&mut self, t: &TypeExpr) -> R<Type> {
        Ok(match t {
            TypeExpr::Name(n, pos) => match self.lookup(n) {
                Some((Sym::Type(t), _)) => t,
                Some(_) => return err(*pos, format!("{n} is not a type")),
                None => return err(*pos, format!("undefined: {n}")),
            },
            TypeExpr::Qualified(p, n, pos) => {
                self.use_pkg(p, *pos)?;
                match (p.as_str(), n.as_str()) {
                    // Only ever used as *bufio.Scanner (see TypeExpr::Ptr).
                    ("bufio", "Scanner") => Type::Opaque("*bufio.Scanner"),
                    _ => return err(*pos, format!("undefined: {p}.{n}")),
                }
            }
            TypeExpr::Slice(e) => Type::Slice(Rc::new(self.resolve_type(e)?)),
            TypeExpr::Array(n, e) => {
                let te = self.expr(n)?;
                let len = match te.cv {
                    Some(CV::Int(i)) if i >= 0 => i as usize,
                    _ => {
                        return err(
                            n.pos,
                            "array length must be a non-negative integer constant",
                        );
                    }
                };
                Type::Array(len, Rc::new(self.resolve_type(e)?))
            }
            TypeExpr::Map(k, v, kpos) => {
                let kt = self.resolve_type(k)?;
                if !kt.comparable() {
                    return err(*kpos, format!("invalid map key type {kt}"));
                }
                let vt = self.resolve_type(v)?;
                Type::Map(Rc::new(kt), Rc::new(vt))
            }
            TypeExpr::Struct(fields) => self.struct_type("", fields)?,
            TypeExpr::Func(sig) => Type::Func(Rc::new(self.sig_type(sig)?)),
            TypeExpr::Ptr(inner, pos) => match self.resolve_type(inner)? {
                t @ Type::Opaque("*bufio.Scanner") => t,
                _ => return err(*pos, "pointer types are not supported by gomini"),
            },
        })
    }

    fn struct_type(&mut self, name: &str, fields: &[(String, TypeExpr)]) -> R<Type> {
        let mut fs = Vec::new();
        for (n, t) in fields {
            fs.push((n.clone(), self.resolve_type(t)?));
        }
        self.struct_ids += 1;
        Ok(Type::Struct(Rc::new(StructT {
            name: name.to_string(),
            fields: fs,
            id: self.struct_ids,
        })))
    }

    pub fn sig_type(&mut self, sig: &FuncSig) -> R<FuncT> {
        let mut params = Vec::new();
        for (i, (_, t)) in sig.params.iter().enumerate() {
            let t = self.resolve_type(t)?;
            params.push(if sig.variadic && i == sig.params.len() - 1 {
                Type::Slice(Rc::new(t))
            } else {
                t
            });
        }
        let mut results = Vec::new();
        for (_, t) in &sig.results {
            results.push(self.resolve_type(t)?);
        }
        Ok(FuncT {
            params,
            results,
            variadic: sig.variadic,
        })
    }

    pub fn use_pkg(&mut self, p: &str, pos: Pos) -> R<()> {
        match self.imports.iter().find(|(n, _, _)| n == p) {
            Some((_, _, used)) => {
                used.set(true);
                Ok(())
            }
            None => err(pos, format!("undefined: {p}")),
        }
    }

    // ---- the program -------------------------------------------------------------------

    pub fn program(&mut self, f: &File) -> R<Program> {
        for (path, pos) in &f.imports {
            if !LIB_PKGS.contains(&path.as_str()) {
                return err(
                    *pos,
                    format!(
                        "package {path} is not in std (gomini supports fmt, strings, strconv, sort, math, bufio, os)"
                    ),
                );
            }
            let used = Rc::new(Cell::new(false));
            self.imports.push((path.clone(), *pos, used));
            self.universe.push((path.clone(), Sym::Pkg(path.clone())));
        }
        self.pkg_start = self.universe.len();
        // Package-level declarations run in an init function with its own frame.
        self.ctxs.push(FnCtx {
            scopes: vec![Vec::new()],
            nlocals: 0,
            caps: vec![],
            cap_keys: vec![],
            captured: HashSet::new(),
            results: vec![],
            loops: 0,
            breakable: 0,
            named: None,
        });
        // Types first, then function signatures, so bodies and initialisers can use them all.
        for d in &f.decls {
            if let StmtKind::Type(name, t) = &d.kind {
                let ty = match t {
                    TypeExpr::Struct(fields) => self.struct_type(name, fields)?,
                    t => self.resolve_type(t)?,
                };
                self.universe.push((name.clone(), Sym::Type(ty)));
            }
        }
        let mut main = None;
        let mut sigs = Vec::new();
        for (i, fd) in f.funcs.iter().enumerate() {
            let ft = self.sig_type(&fd.sig)?;
            if fd.name == "main" {
                if !ft.params.is_empty() || !ft.results.is_empty() {
                    return err(
                        fd.pos,
                        "func main must have no arguments and no return values",
                    );
                }
                main = Some(i as u32);
            }
            let t = Type::Func(Rc::new(ft));
            if self
                .universe
                .iter()
                .skip(self.pkg_start)
                .any(|(n, s)| n == &fd.name && !matches!(s, Sym::Pkg(_)))
            {
                return err(fd.pos, format!("{} redeclared in this block", fd.name));
            }
            self.universe
                .push((fd.name.clone(), Sym::Func(i as u32, t.clone())));
            sigs.push(t);
            self.func_irs.push(Rc::new(FuncIr::default()));
        }
        let mut init = Vec::new();
        for d in &f.decls {
            match &d.kind {
                StmtKind::Type(..) => {}
                StmtKind::Const(..) => {
                    self.stmt(d, &mut init)?;
                    // Constants were declared in the init scope; make them package-level.
                    let s = std::mem::take(self.ctx().scopes.last_mut().expect("scope"));
                    self.universe.extend(s);
                }
                StmtKind::Var(names, ty, vals) => self.global_var(names, ty, vals, &mut init)?,
                _ => {}
            }
        }
        let init_locals = self.ctx().nlocals;
        for (i, fd) in f.funcs.iter().enumerate() {
            let Type::Func(ft) = &sigs[i] else {
                unreachable!()
            };
            let ir = self.func_body(&fd.name, &fd.sig, ft, &fd.body, fd.pos)?;
            self.func_irs[i] = Rc::new(ir);
        }
        for (p, pos, used) in &self.imports {
            if !used.get() {
                return err(*pos, format!("imported and not used: \"{p}\""));
            }
        }
        let Some(main) = main else {
            return err(
                Pos { line: 1, col: 1 },
                "function main is undeclared in the main package",
            );
        };
        Ok(Program {
            funcs: self.func_irs.clone(),
            nglobals: self.nglobals,
            init,
            init_locals,
            main,
        })
    }

    fn global_var(
        &mut self,
        names: &[(String, Pos)],
        ty: &Option<TypeExpr>,
        vals: &[Expr],
        init: &mut Vec<S>,
    ) -> R<()> {
        let (types, es) = self.var_values(names, ty, vals)?;
        let mut places = Vec::new();
        for ((name, pos), t) in names.iter().zip(types) {
            let g = self.nglobals;
            self.nglobals += 1;
            if name != "_" {
                if self
                    .universe
                    .iter()
                    .skip(self.pkg_start)
                    .any(|(n, _)| n == name)
                {
                    return err(*pos, format!("{name} redeclared in this block"));
                }
                self.universe.push((name.clone(), Sym::Global(g, t)));
            }
            places.push(Place::Global(g));
        }
        init.push(match es {
            VarInit::Each(es) => S::SetMulti(places, es),
            VarInit::Tuple(e) => S::SetTuple(places, e),
        });
        Ok(())
    }

    pub fn func_body(
        &mut self,
        name: &str,
        sig: &FuncSig,
        ft: &FuncT,
        body: &Block,
        pos: Pos,
    ) -> R<FuncIr> {
        let mut captured = HashSet::new();
        lit_names(body, false, &mut captured);
        self.ctxs.push(FnCtx {
            scopes: vec![Vec::new()],
            nlocals: 0,
            caps: vec![],
            cap_keys: vec![],
            captured,
            results: ft.results.clone(),
            loops: 0,
            breakable: 0,
            named: None,
        });
        let mut boxed_params = Vec::new();
        for ((pname, _), pt) in sig.params.iter().zip(&ft.params) {
            let (slot, boxed) = self.declare_var(pname, pt.clone(), pos)?;
            // Parameters count as used (Go does not report unused parameters).
            if let Some((_, Sym::Var { used, .. })) = self.ctx().scopes[0].last() {
                used.set(true);
            }
            if boxed {
                boxed_params.push(slot);
            }
        }
        let mut out = Vec::new();
        if sig.results.iter().any(|(n, _)| !n.is_empty()) {
            let mut named = Vec::new();
            for ((n, _), t) in sig.results.iter().zip(&ft.results) {
                let (slot, boxed) = self.declare_var(n, t.clone(), pos)?;
                if let Some((_, Sym::Var { used, .. })) = self.ctx().scopes[0].last() {
                    used.set(true);
                }
                out.push(S::Decl(slot, E::Const(zero(t)), boxed));
                named.push((slot, boxed));
            }
            self.ctx().named = Some(named);
        }
        self.push_scope();
        for s in body {
            self.stmt(s, &mut out)?;
        }
        self.pop_scope()?;
        if !ft.results.is_empty() && !terminates(body) {
            return err(
                if sig.end.line > 0 { sig.end } else { pos },
                "missing return",
            );
        }
        let ctx = self.ctxs.pop().expect("pushed above");
        self.pending_caps = Some(ctx.caps.clone());
        Ok(FuncIr {
            name: name.to_string(),
            nlocals: ctx.nlocals,
            boxed_params,
            body: out,
        })
    }

    // ---- statements --------------------------------------------------------------------

    pub fn block(&mut self, b: &Block) -> R<Vec<S>> {
        self.push_scope();
        let mut out = Vec::new();
        for s in b {
            self.stmt(s, &mut out)?;
        }
        self.pop_scope()?;
        Ok(out)
    }

    pub fn stmt(&mut self, s: &Stmt, out: &mut Vec<S>) -> R<()> {
        let pos = s.pos;
        match &s.kind {
            StmtKind::Var(names, ty, vals) => {
                let (types, es) = self.var_values(names, ty, vals)?;
                let mut places = Vec::new();
                let mut decls = Vec::new();
                for ((name, p), t) in names.iter().zip(types) {
                    let (slot, boxed) = self.declare_var(name, t.clone(), *p)?;
                    decls.push((slot, boxed, t));
                    places.push(if boxed {
                        Place::Boxed(slot)
                    } else {
                        Place::Local(slot)
                    });
                }
                match es {
                    VarInit::Each(es) if es.len() == decls.len() => {
                        if decls.len() == 1 {
                            let (slot, boxed, _) = decls.pop().expect("one");
                            out.push(S::Decl(slot, es.into_iter().next().expect("one"), boxed));
                        } else {
                            for (slot, boxed, t) in &decls {
                                out.push(S::Decl(*slot, E::Const(zero(t)), *boxed));
                            }
                            out.push(S::SetMulti(places, es));
                        }
                    }
                    VarInit::Each(_) => unreachable!(),
                    VarInit::Tuple(e) => {
                        for (slot, boxed, t) in &decls {
                            out.push(S::Decl(*slot, E::Const(zero(t)), *boxed));
                        }
                        out.push(S::SetTuple(places, e));
                    }
                }
            }
            StmtKind::Const(names, ty, vals, iota) => {
                if vals.len() != names.len() {
                    return err(
                        pos,
                        if vals.len() < names.len() {
                            "missing init expr for const declaration"
                        } else {
                            "extra init expr"
                        },
                    );
                }
                let declared = match ty {
                    Some(t) => Some(self.resolve_type(t)?),
                    None => None,
                };
                self.iota = Some(*iota);
                for ((name, p), v) in names.iter().zip(vals) {
                    let te = self.expr(v);
                    let te = match te {
                        Ok(te) => te,
                        Err(e) => {
                            self.iota = None;
                            return Err(e);
                        }
                    };
                    let Some(cv) = te.cv.clone() else {
                        self.iota = None;
                        return err(v.pos, format!("{} is not constant", self.describe(v)));
                    };
                    let (cv, t) = match &declared {
                        Some(t) => {
                            let e =
                                self.convert_const(&cv, &te.ty, t, v.pos, "constant declaration")?;
                            let _ = e;
                            (cv, t.clone())
                        }
                        None => (cv, te.ty.clone()),
                    };
                    self.declare(name, Sym::Const(cv, t), *p)?;
                }
                self.iota = None;
            }
            StmtKind::Type(name, t) => {
                let ty = match t {
                    TypeExpr::Struct(fields) => self.struct_type(name, fields)?,
                    t => self.resolve_type(t)?,
                };
                self.declare(name, Sym::Type(ty), pos)?;
            }
            StmtKind::Define(lhs, rhs) => self.define(lhs, rhs, pos, out)?,
            StmtKind::Assign(lhs, op, rhs) => self.assign(lhs, op, rhs, pos, out)?,
            StmtKind::IncDec(x, inc) => {
                let (place, t) = self.place(x)?;
                let b = match &t {
                    Type::Int(k) => Bin::Int(if *inc { IOp::Add } else { IOp::Sub }, *k),
                    Type::Float => Bin::Float(if *inc { IOp::Add } else { IOp::Sub }),
                    _ => {
                        return err(
                            pos,
                            format!(
                                "invalid operation: {}{} (non-numeric type {t})",
                                self.describe(x),
                                if *inc { "++" } else { "--" }
                            ),
                        );
                    }
                };
                let one = match t {
                    Type::Float => Value::Float(1.0),
                    _ => Value::Int(1),
                };
                out.push(S::OpSet(place, b, E::Const(one)));
            }
            StmtKind::Expr(e) => {
                let te = self.expr(e)?;
                let is_call = matches!(&e.kind, ExprKind::Call(..))
                    || matches!(&e.kind, ExprKind::Paren(x) if matches!(x.kind, ExprKind::Call(..)));
                let conversion = matches!(te.e, E::Convert(..)) || te.cv.is_some();
                if !is_call
                    || conversion
                    || matches!(
                        te.e,
                        E::Len(_) | E::Cap(_) | E::Append(..) | E::AppendSpread(..)
                    )
                {
                    return err(
                        e.pos,
                        format!(
                            "{} ({}) is not used",
                            self.describe(e),
                            if te.cv.is_some() { "constant" } else { "value" }.to_string()
                                + &format!(" of type {}", te.ty)
                        ),
                    );
                }
                out.push(S::Expr(te.e));
            }
            StmtKind::If(init, cond, then, els) => {
                self.push_scope();
                let mut pre = Vec::new();
                if let Some(i) = init {
                    self.stmt(i, &mut pre)?;
                }
                let c = self.expr(cond)?;
                if !c.ty.is_bool() {
                    return err(cond.pos, "non-boolean condition in if statement");
                }
                let t = self.block(then)?;
                let mut f = Vec::new();
                if let Some(e) = els {
                    self.stmt(e, &mut f)?;
                }
                self.pop_scope()?;
                let s = S::If(c.e, t, f);
                if pre.is_empty() {
                    out.push(s);
                } else {
                    pre.push(s);
                    out.push(S::Block(pre));
                }
            }
            StmtKind::For(init, cond, post, body) => {
                self.push_scope();
                let mut pre = Vec::new();
                if let Some(i) = init {
                    self.stmt(i, &mut pre)?;
                }
                let c = match cond {
                    Some(c) => {
                        let te = self.expr(c)?;
                        if !te.ty.is_bool() {
                            return err(c.pos, "non-boolean condition in for statement");
                        }
                        Some(te.e)
                    }
                    None => None,
                };
                let p = match post {
                    Some(p) => {
                        let mut v = Vec::new();
                        self.stmt(p, &mut v)?;
                        if v.len() == 1 {
                            v.pop().map(Box::new)
                        } else {
                            Some(Box::new(S::Block(v)))
                        }
                    }
                    None => None,
                };
                self.ctx().loops += 1;
                self.ctx().breakable += 1;
                let b = self.block(body);
                self.ctx().loops -= 1;
                self.ctx().breakable -= 1;
                let b = b?;
                self.pop_scope()?;
                pre.push(S::For(c, p, b));
                out.push(S::Block(pre));
            }
            StmtKind::Range(k, v, define, x, body) => {
                self.range(k, v, *define, x, body, pos, out)?
            }
            StmtKind::Switch(init, tag, cases) => self.switch(init, tag, cases, pos, out)?,
            StmtKind::Break => {
                if self.ctx().breakable == 0 {
                    return err(pos, "break is not in a loop, switch, or select");
                }
                out.push(S::Break);
            }
            StmtKind::Continue => {
                if self.ctx().loops == 0 {
                    return err(pos, "continue is not in a loop");
                }
                out.push(S::Continue);
            }
            StmtKind::Fallthrough => return err(pos, "fallthrough statement out of place"),
            StmtKind::Return(es) => {
                let want = self.ctx().results.clone();
                if es.len() == 1 && want.len() > 1 {
                    let te = self.expr(&es[0])?;
                    if let Type::Tuple(ts) = &te.ty
                        && **ts == want
                    {
                        // return f() with f's results: spread the tuple.
                        let slot = self.new_slot();
                        let parts = (0..want.len())
                            .map(|i| E::TupleAt(Box::new(E::Local(slot)), i as u32))
                            .collect();
                        out.push(S::Decl(slot, te.e, false));
                        out.push(S::Return(parts));
                        return Ok(());
                    }
                    return err(es[0].pos, "not enough return values");
                }
                if es.is_empty()
                    && let Some(named) = &self.ctx().named
                {
                    let vals = named
                        .iter()
                        .map(|&(s, b)| if b { E::Boxed(s) } else { E::Local(s) })
                        .collect();
                    out.push(S::Return(vals));
                    return Ok(());
                }
                if es.len() < want.len() {
                    return err(pos, "not enough return values");
                }
                if es.len() > want.len() {
                    return err(es[0].pos, "too many return values");
                }
                let mut v = Vec::new();
                for (e, t) in es.iter().zip(&want) {
                    let te = self.expr_hint(e, Some(t))?;
                    v.push(self.assign_to(te, t, e, "return statement")?);
                }
                out.push(S::Return(v));
            }
            StmtKind::Block(b) => {
                let b = self.block(b)?;
                out.push(S::Block(b));
            }
        }
        Ok(())
    }

    /// Types and initialisers of `var names [T] = vals`.
    fn var_values(
        &mut self,
        names: &[(String, Pos)],
        ty: &Option<TypeExpr>,
        vals: &[Expr],
    ) -> R<(Vec<Type>, VarInit)> {
        let declared = match ty {
            Some(t) => Some(self.resolve_type(t)?),
            None => None,
        };
        let pos = names[0].1;
        if vals.is_empty() {
            let t = declared.expect("parser requires a type or values");
            let es = names.iter().map(|_| E::Const(zero(&t))).collect();
            return Ok((names.iter().map(|_| t.clone()).collect(), VarInit::Each(es)));
        }
        if vals.len() == 1 && names.len() > 1 {
            let (te, ts) = self.multi_rhs(pos, &vals[0], names.len())?;
            if let Some(d) = &declared
                && ts.iter().any(|t| t != d)
            {
                return err(
                    vals[0].pos,
                    format!("cannot use {} value as {d} value", self.describe(&vals[0])),
                );
            }
            return Ok((ts.to_vec(), VarInit::Tuple(te.e)));
        }
        if vals.len() != names.len() {
            return mismatch(pos, names.len(), vals.len());
        }
        let mut types = Vec::new();
        let mut es = Vec::new();
        for v in vals {
            let te = self.expr_hint(v, declared.as_ref())?;
            let t = match &declared {
                Some(t) => t.clone(),
                None => {
                    if matches!(te.ty, Type::UntypedNil) {
                        return err(v.pos, "use of untyped nil in variable declaration");
                    }
                    self.value_type(&te, v)?
                }
            };
            es.push(self.assign_to(te, &t, v, "variable declaration")?);
            types.push(t);
        }
        Ok((types, VarInit::Each(es)))
    }

    /// The type a variable initialised by `te` gets.
    pub fn value_type(&self, te: &TE, e: &Expr) -> R<Type> {
        match &te.ty {
            Type::Void => err(
                e.pos,
                format!("{} (no value) used as value", self.describe(e)),
            ),
            Type::Tuple(_) => err(
                e.pos,
                format!(
                    "multiple-value {} in single-value context",
                    self.describe(e)
                ),
            ),
            Type::UntypedNil => err(e.pos, "use of untyped nil in assignment"),
            t => Ok(t.default_type()),
        }
    }

    fn define(&mut self, lhs: &[Expr], rhs: &[Expr], pos: Pos, out: &mut Vec<S>) -> R<()> {
        let mut names = Vec::new();
        for l in lhs {
            match &l.kind {
                ExprKind::Ident(n) => names.push((n.clone(), l.pos)),
                _ => {
                    return err(
                        l.pos,
                        format!("non-name {} on left side of :=", self.describe(l)),
                    );
                }
            }
        }
        // Right-hand sides are checked before the new names are in scope.
        let (types, init) = if rhs.len() == 1 && lhs.len() > 1 {
            let (te, ts) = self.multi_rhs(pos, &rhs[0], lhs.len())?;
            (ts.to_vec(), VarInit::Tuple(te.e))
        } else {
            if rhs.len() != lhs.len() {
                return mismatch(pos, lhs.len(), rhs.len());
            }
            let mut tes = Vec::new();
            for (i, r) in rhs.iter().enumerate() {
                // An existing variable on the left fixes the type.
                let existing = self.existing_in_scope(&names[i].0);
                let te = self.expr_hint(r, existing.as_ref())?;
                let t = match existing {
                    Some(t) => t,
                    None => self.value_type(&te, r)?,
                };
                tes.push((te, t, r));
            }
            let mut types = Vec::new();
            let mut es = Vec::new();
            for (te, t, r) in tes {
                es.push(self.assign_to(te, &t, r, "assignment")?);
                types.push(t);
            }
            (types, VarInit::Each(es))
        };
        let mut places = Vec::new();
        let mut any_new = false;
        let mut decls = Vec::new();
        for ((name, p), t) in names.iter().zip(types) {
            if name == "_" {
                places.push(Place::Blank);
                continue;
            }
            if let Some(et) = self.existing_in_scope(name) {
                if et != t {
                    return err(
                        *p,
                        format!("cannot use value of type {t} as {et} value in assignment"),
                    );
                }
                let (pl, _) = self.place(&Expr {
                    pos: *p,
                    kind: ExprKind::Ident(name.clone()),
                })?;
                places.push(pl);
                continue;
            }
            any_new = true;
            let (slot, boxed) = self.declare_var(name, t.clone(), *p)?;
            decls.push((slot, boxed, t));
            places.push(if boxed {
                Place::Boxed(slot)
            } else {
                Place::Local(slot)
            });
        }
        if !any_new {
            return err(pos, "no new variables on left side of :=");
        }
        match init {
            VarInit::Each(mut es) if es.len() == 1 && decls.len() == 1 => {
                let (slot, boxed, _) = decls.pop().expect("one");
                out.push(S::Decl(slot, es.pop().expect("one"), boxed));
            }
            VarInit::Each(es) => {
                for (slot, boxed, t) in &decls {
                    if *boxed {
                        out.push(S::Decl(*slot, E::Const(zero(t)), true));
                    }
                }
                out.push(S::SetMulti(places, es));
            }
            VarInit::Tuple(e) => {
                for (slot, boxed, t) in &decls {
                    if *boxed {
                        out.push(S::Decl(*slot, E::Const(zero(t)), true));
                    }
                }
                out.push(S::SetTuple(places, e));
            }
        }
        Ok(())
    }

    /// The type of `name` if it is a variable declared in the innermost scope.
    fn existing_in_scope(&mut self, name: &str) -> Option<Type> {
        let scope = self.ctx().scopes.last()?;
        scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, s)| match s {
                Sym::Var { ty, .. } => Some(ty.clone()),
                _ => None,
            })
    }

    fn assign(
        &mut self,
        lhs: &[Expr],
        op: &str,
        rhs: &[Expr],
        pos: Pos,
        out: &mut Vec<S>,
    ) -> R<()> {
        if op != "=" {
            let (place, t) = self.place(&lhs[0])?;
            let r = self.expr_hint(&rhs[0], Some(&t))?;
            let bop = &op[..op.len() - 1];
            let iop = match bop {
                "+" => IOp::Add,
                "-" => IOp::Sub,
                "*" => IOp::Mul,
                "/" => IOp::Div,
                "%" => IOp::Rem,
                "&" => IOp::And,
                "|" => IOp::Or,
                "^" => IOp::Xor,
                "&^" => IOp::AndNot,
                "<<" => IOp::Shl,
                _ => IOp::Shr,
            };
            let shift = matches!(iop, IOp::Shl | IOp::Shr);
            let re = if shift {
                if !r.ty.is_integer() {
                    return err(
                        rhs[0].pos,
                        format!(
                            "invalid operation: shift count type {} must be integer",
                            r.ty
                        ),
                    );
                }
                let rt = r.ty.default_type();
                self.assign_to(r, &rt, &rhs[0], "assignment")?
            } else {
                self.assign_to(r, &t, &rhs[0], "assignment")?
            };
            if let (IOp::Div | IOp::Rem, E::Const(Value::Int(0))) = (iop, &re) {
                return err(rhs[0].pos, "invalid operation: division by zero");
            }
            let b = match &t {
                Type::Int(k) => Bin::Int(iop, *k),
                Type::Float if matches!(iop, IOp::Add | IOp::Sub | IOp::Mul | IOp::Div) => {
                    Bin::Float(iop)
                }
                Type::Str if iop == IOp::Add => Bin::Concat,
                _ => {
                    return err(
                        pos,
                        format!(
                            "invalid operation: operator {bop} not defined on {} (variable of type {t})",
                            self.describe(&lhs[0])
                        ),
                    );
                }
            };
            out.push(S::OpSet(place, b, re));
            return Ok(());
        }
        if rhs.len() == 1 && lhs.len() > 1 {
            let (te, ts) = self.multi_rhs(pos, &rhs[0], lhs.len())?;
            let mut places = Vec::new();
            for (l, t) in lhs.iter().zip(ts.iter()) {
                let (p, lt) = self.place(l)?;
                if !matches!(p, Place::Blank) && lt != *t {
                    return err(
                        l.pos,
                        format!("cannot use {t} value as {lt} value in assignment"),
                    );
                }
                places.push(p);
            }
            out.push(S::SetTuple(places, te.e));
            return Ok(());
        }
        if rhs.len() != lhs.len() {
            return mismatch(pos, lhs.len(), rhs.len());
        }
        let mut places = Vec::new();
        let mut es = Vec::new();
        for (l, r) in lhs.iter().zip(rhs) {
            let (p, t) = self.place(l)?;
            let te = self.expr_hint(
                r,
                if matches!(p, Place::Blank) {
                    None
                } else {
                    Some(&t)
                },
            )?;
            let e = if matches!(p, Place::Blank) {
                self.value_type(&te, r)?;
                te.e
            } else {
                self.assign_to(te, &t, r, "assignment")?
            };
            places.push(p);
            es.push(e);
        }
        if places.len() == 1 {
            out.push(S::Set(places.pop().expect("one"), es.pop().expect("one")));
        } else {
            out.push(S::SetMulti(places, es));
        }
        Ok(())
    }

    /// An assignable location and its type.
    pub fn place(&mut self, e: &Expr) -> R<(Place, Type)> {
        match &e.kind {
            ExprKind::Ident(n) if n == "_" => Ok((Place::Blank, Type::Void)),
            ExprKind::Ident(n) => match self.lookup(n) {
                Some((Sym::Var { ty, .. }, Some(acc))) => Ok((
                    match acc {
                        Access::Local(s) => Place::Local(s),
                        Access::Boxed(s) => Place::Boxed(s),
                        Access::Cap(i) => Place::Cap(i),
                    },
                    ty,
                )),
                Some((Sym::Global(g, ty), _)) => Ok((Place::Global(g), ty)),
                Some(_) => err(
                    e.pos,
                    format!(
                        "cannot assign to {n} (neither addressable nor a map index expression)"
                    ),
                ),
                None => err(e.pos, format!("undefined: {n}")),
            },
            ExprKind::Paren(x) => self.place(x),
            ExprKind::Index(b, i) => {
                let bt = self.type_of_place_base(b)?;
                match bt {
                    Type::Slice(et) => {
                        let s = self.expr(b)?;
                        let i = self.index_expr(i, None)?;
                        Ok((Place::SliceElem(Box::new(s.e), Box::new(i)), (*et).clone()))
                    }
                    Type::Array(n, et) => {
                        let (p, _) = self.place(b)?;
                        let i = self.index_expr(i, Some(n))?;
                        Ok((Place::ArrayElem(Box::new(p), Box::new(i)), (*et).clone()))
                    }
                    Type::Map(kt, vt) => {
                        let m = self.expr(b)?;
                        let k = self.expr_hint(i, Some(&kt))?;
                        let k = self.assign_to(k, &kt, i, "map index")?;
                        let rt = self.maptype(&kt, &vt);
                        Ok((
                            Place::MapElem(rt, Box::new(m.e), Box::new(k)),
                            (*vt).clone(),
                        ))
                    }
                    Type::Str => err(
                        e.pos,
                        format!(
                            "cannot assign to {} (neither addressable nor a map index expression)",
                            self.describe(e)
                        ),
                    ),
                    t => err(
                        e.pos,
                        format!(
                            "invalid operation: cannot index {} (variable of type {t})",
                            self.describe(b)
                        ),
                    ),
                }
            }
            ExprKind::Selector(b, f) => {
                let bt = self.type_of_place_base(b)?;
                let Type::Struct(st) = &bt else {
                    return err(
                        e.pos,
                        format!(
                            "{}.{f} undefined (type {bt} has no field or method {f})",
                            self.describe(b)
                        ),
                    );
                };
                let Some(fi) = st.fields.iter().position(|(n, _)| n == f) else {
                    return err(
                        e.pos,
                        format!(
                            "{}.{f} undefined (type {bt} has no field or method {f})",
                            self.describe(b)
                        ),
                    );
                };
                if let ExprKind::Index(mb, _) = &b.kind
                    && matches!(self.type_of_place_base(mb)?, Type::Map(..))
                {
                    return err(
                        start_pos(e),
                        format!("cannot assign to struct field {} in map", self.describe(e)),
                    );
                }
                let (p, _) = self.place(b)?;
                Ok((
                    Place::Field(Box::new(p), fi as u32),
                    st.fields[fi].1.clone(),
                ))
            }
            _ => err(
                e.pos,
                format!(
                    "cannot assign to {} (neither addressable nor a map index expression)",
                    self.describe(e)
                ),
            ),
        }
    }

    /// The type of an expression used as the base of a place, without marking variables used.
    fn type_of_place_base(&mut self, b: &Expr) -> R<Type> {
        if let ExprKind::Ident(n) = &b.kind
            && let Some((Sym::Var { ty, used, .. }, _)) = self.lookup(n)
        {
            // Indexing or selecting through a variable reads it (Go counts it as a use).
            used.set(true);
            return Ok(ty);
        }
        Ok(self.expr(b)?.ty)
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        k: &Option<Expr>,
        v: &Option<Expr>,
        define: bool,
        x: &Expr,
        body: &Block,
        pos: Pos,
        out: &mut Vec<S>,
    ) -> R<()> {
        let xt = self.expr(x)?;
        let (kt, vt) = match &xt.ty {
            Type::Slice(e) | Type::Array(_, e) => (Type::Int(IntK::Int), (**e).clone()),
            Type::Str | Type::UntypedString => (Type::Int(IntK::Int), Type::Int(IntK::I32)),
            Type::Map(k, v) => ((**k).clone(), (**v).clone()),
            t => {
                return err(
                    x.pos,
                    format!(
                        "cannot range over {} (variable of type {t})",
                        self.describe(x)
                    ),
                );
            }
        };
        self.push_scope();
        let mut pre = Vec::new();
        let mut places = Vec::new();
        for (e, t) in [(k, kt), (v, vt)] {
            let p = match e {
                None => Place::Blank,
                Some(e) if define => {
                    let ExprKind::Ident(n) = &e.kind else {
                        return err(
                            e.pos,
                            format!("non-name {} on left side of :=", self.describe(e)),
                        );
                    };
                    if n == "_" {
                        Place::Blank
                    } else {
                        let (slot, boxed) = self.declare_var(n, t.clone(), e.pos)?;
                        if boxed {
                            pre.push(S::Decl(slot, E::Const(zero(&t)), true));
                            Place::Boxed(slot)
                        } else {
                            Place::Local(slot)
                        }
                    }
                }
                Some(e) => {
                    let (p, pt) = self.place(e)?;
                    if !matches!(p, Place::Blank) && pt != t {
                        return err(
                            e.pos,
                            format!(
                                "cannot assign {t} to {} (variable of type {pt}) in range",
                                self.describe(e)
                            ),
                        );
                    }
                    p
                }
            };
            places.push(p);
        }
        let vp = places.pop().expect("two");
        let kp = places.pop().expect("two");
        self.ctx().loops += 1;
        self.ctx().breakable += 1;
        let b = self.block(body);
        self.ctx().loops -= 1;
        self.ctx().breakable -= 1;
        let b = b?;
        self.pop_scope()?;
        let s = match &xt.ty {
            Type::Slice(_) => S::RangeSlice(kp, vp, xt.e, b),
            Type::Array(..) => S::RangeArray(kp, vp, xt.e, b),
            Type::Map(..) => {
                let want = !matches!(vp, Place::Blank);
                S::RangeMap(kp, vp, want, xt.e, b)
            }
            _ => S::RangeStr(kp, vp, xt.e, b),
        };
        let _ = pos;
        pre.push(s);
        out.push(S::Block(pre));
        Ok(())
    }

    fn switch(
        &mut self,
        init: &Option<Box<Stmt>>,
        tag: &Option<Expr>,
        cases: &[Case],
        pos: Pos,
        out: &mut Vec<S>,
    ) -> R<()> {
        self.push_scope();
        let mut pre = Vec::new();
        if let Some(i) = init {
            self.stmt(i, &mut pre)?;
        }
        let tag = match tag {
            Some(t) => {
                let te = self.expr(t)?;
                let ty = self.value_type(&te, t)?;
                let e = self.assign_to(te, &ty, t, "switch expression")?;
                let slot = self.new_slot();
                Some((slot, e, ty))
            }
            None => None,
        };
        let mut default = None;
        let mut out_cases = Vec::new();
        for (ci, c) in cases.iter().enumerate() {
            let mut conds = Vec::new();
            match &c.exprs {
                None => {
                    if default.is_some() {
                        return err(c.pos, "multiple defaults in switch");
                    }
                    default = Some(ci);
                }
                Some(es) => {
                    for e in es {
                        let te = self.expr(e)?;
                        match &tag {
                            Some((slot, _, ty)) => {
                                let l = TE::new(E::Local(*slot), ty.clone());
                                let r = self.binary("==", l, te, e.pos, e)?;
                                conds.push(r.e);
                            }
                            None => {
                                if !te.ty.is_bool() {
                                    return err(
                                        e.pos,
                                        format!(
                                            "invalid case {} in switch (mismatched types {} and bool)",
                                            self.describe(e),
                                            te.ty
                                        ),
                                    );
                                }
                                conds.push(te.e);
                            }
                        }
                    }
                }
            }
            let mut body = &c.body[..];
            let mut fallthrough = false;
            if let Some(last) = body.last()
                && matches!(last.kind, StmtKind::Fallthrough)
            {
                if ci == cases.len() - 1 {
                    return err(last.pos, "cannot fallthrough final case in switch");
                }
                fallthrough = true;
                body = &body[..body.len() - 1];
            }
            self.ctx().breakable += 1;
            let b = self.block(&body.to_vec());
            self.ctx().breakable -= 1;
            out_cases.push(SwitchCase {
                conds,
                body: b?,
                fallthrough,
            });
        }
        self.pop_scope()?;
        let _ = pos;
        pre.push(S::Switch(tag.map(|(s, e, _)| (s, e)), out_cases, default));
        out.push(S::Block(pre));
        Ok(())
    }
}

pub enum VarInit {
    Each(Vec<E>),
    Tuple(E),
}

#[derive(Clone, Copy, Debug)]
pub enum Access {
    Local(u32),
    Boxed(u32),
    Cap(u32),
}

/// Go's terminating statements (spec "Terminating statements"), for "missing return".
pub fn terminates(b: &Block) -> bool {
    let Some(last) = b.last() else { return false };
    match &last.kind {
        StmtKind::Return(_) => true,
        StmtKind::Expr(e) => matches!(&e.kind, ExprKind::Call(f, _, _)
            if matches!(&f.kind, ExprKind::Ident(n) if n == "panic")
            || matches!(&f.kind, ExprKind::Selector(p, n) if n == "Exit" && matches!(&p.kind, ExprKind::Ident(o) if o == "os"))),
        StmtKind::Block(b) => terminates(b),
        StmtKind::If(_, _, t, Some(e)) => terminates(t) && terminates(&vec![(**e).clone()]),
        StmtKind::For(_, None, _, body) => !has_break(body),
        StmtKind::Switch(_, _, cases) => {
            cases.iter().any(|c| c.exprs.is_none())
                && cases.iter().all(|c| {
                    !has_break(&c.body)
                        && (terminates(&c.body)
                            || matches!(
                                c.body.last().map(|s| &s.kind),
                                Some(StmtKind::Fallthrough)
                            ))
                })
        }
        _ => false,
    }
}

fn has_break(b: &Block) -> bool {
    b.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::Block(b) => has_break(b),
        StmtKind::If(_, _, t, e) => {
            has_break(t) || e.as_ref().is_some_and(|e| has_break(&vec![(**e).clone()]))
        }
        _ => false,
    })
}

/// Where an expression starts (Go reports some errors there).
pub fn start_pos(e: &Expr) -> Pos {
    match &e.kind {
        ExprKind::Index(b, _)
        | ExprKind::Selector(b, _)
        | ExprKind::Call(b, _, _)
        | ExprKind::SliceExpr(b, _, _)
        | ExprKind::Binary(_, b, _) => start_pos(b),
        _ => e.pos,
    }
}
