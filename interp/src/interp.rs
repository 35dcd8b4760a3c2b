//! The tree-walking interpreter over the checker's resolved IR.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

pub use crate::ir::FuncIr;
use crate::ir::*;
use crate::maps::{self, MapIter, MapObj};
use crate::types::IntK;
use crate::value::{Closure, Slice, Value, empty_str, equal};

thread_local! {
    /// Buffered stdout; flushed when large, at exit, and before a panic message.
    pub static OUT: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1 << 16));
}

pub fn write_out(b: &[u8]) {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.extend_from_slice(b);
        if o.len() > 1 << 16 {
            let _ = std::io::stdout().write_all(&o);
            o.clear();
        }
    });
}

pub fn flush_out() {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        let _ = std::io::stdout().write_all(&o);
        let _ = std::io::stdout().flush();
        o.clear();
    });
}

/// A Go panic: there is no `recover` in the subset, so print Go's report and exit with 2.
pub fn go_panic(msg: &str) -> ! {
    flush_out();
    eprintln!("panic: {msg}\n\ngoroutine 1 [running]:\nmain.main()\n\t(gomini)");
    std::process::exit(2);
}

pub fn runtime_error(msg: &str) -> ! {
    go_panic(&format!("runtime error: {msg}"))
}

/// What a statement did to the enclosing control flow.
#[derive(PartialEq)]
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return,
}

pub struct Frame<'a> {
    pub locals: Vec<Value>,
    pub caps: &'a [Rc<RefCell<Value>>],
}

pub struct Interp {
    pub globals: Vec<Value>,
    pub funcs: Vec<Rc<FuncIr>>,
    func_vals: Vec<Value>,
    pub ret: Value,
    pub lib: crate::library::LibState,
    /// Spare local vectors, reused by calls to avoid an allocation per call.
    pool: Vec<Vec<Value>>,
}

/// The contents of a cell or slice array as a raw pointer, without a borrow guard (see
/// `Interp::locate` for why no mutable borrow can be live; debug builds check it).
#[inline]
fn unguarded<T>(c: &RefCell<T>) -> *const T {
    debug_assert!(c.try_borrow().is_ok(), "value mutably borrowed while read");
    c.as_ptr()
}

#[inline]
fn cell(v: &Value) -> &Rc<RefCell<Value>> {
    match v {
        Value::Cell(c) => c,
        _ => unreachable!("boxed slot without a cell"),
    }
}

#[inline]
pub fn int_op(op: IOp, k: IntK, a: i64, b: i64) -> i64 {
    match op {
        IOp::Add => k.wrap(a.wrapping_add(b)),
        IOp::Sub => k.wrap(a.wrapping_sub(b)),
        IOp::Mul => k.wrap(a.wrapping_mul(b)),
        IOp::Div | IOp::Rem => {
            if b == 0 {
                runtime_error("integer divide by zero");
            }
            let r = if k.signed() {
                if op == IOp::Div {
                    a.wrapping_div(b)
                } else {
                    a.wrapping_rem(b)
                }
            } else if op == IOp::Div {
                ((a as u64) / (b as u64)) as i64
            } else {
                ((a as u64) % (b as u64)) as i64
            };
            k.wrap(r)
        }
        IOp::And => a & b,
        IOp::Or => a | b,
        IOp::Xor => k.wrap(a ^ b),
        IOp::AndNot => a & !b,
        IOp::Shl => {
            if b < 0 {
                runtime_error("negative shift amount");
            }
            if b >= 64 { 0 } else { k.wrap(a << b) }
        }
        IOp::Shr => {
            if b < 0 {
                runtime_error("negative shift amount");
            }
            if k.signed() {
                a >> b.min(63)
            } else if b >= 64 {
                0
            } else {
                ((a as u64) >> b) as i64
            }
        }
    }
}

#[inline]
pub fn float_op(op: IOp, a: f64, b: f64) -> f64 {
    match op {
        IOp::Add => a + b,
        IOp::Sub => a - b,
        IOp::Mul => a * b,
        _ => a / b,
    }
}

pub fn bin(b: Bin, x: &Value, y: &Value) -> Value {
    match b {
        Bin::Int(op, k) => Value::Int(int_op(op, k, x.int(), y.int())),
        Bin::Float(op) => Value::Float(float_op(op, x.float(), y.float())),
        Bin::Concat => {
            let mut s = String::with_capacity(x.str().len() + y.str().len());
            s.push_str(x.str());
            s.push_str(y.str());
            Value::Str(Rc::from(s))
        }
    }
}

fn cmp<T: PartialOrd>(op: COp, a: T, b: T) -> bool {
    match op {
        COp::Eq => a == b,
        COp::Ne => a != b,
        COp::Lt => a < b,
        COp::Le => a <= b,
        COp::Gt => a > b,
        COp::Ge => a >= b,
    }
}

/// `a op b` for two values of the comparison's kind.
#[inline]
fn compare(op: COp, k: CKind, a: &Value, b: &Value) -> bool {
    match k {
        CKind::Int => cmp(op, a.int(), b.int()),
        CKind::Uint => cmp(op, a.int() as u64, b.int() as u64),
        CKind::Float => cmp(op, a.float(), b.float()),
        CKind::Str => cmp(op, a.str(), b.str()),
        CKind::Bool => cmp(op, a.bool(), b.bool()),
        CKind::Any => (op == COp::Eq) == equal(a, b),
    }
}

fn index_check(i: i64, len: usize) -> usize {
    if i < 0 || i as usize >= len {
        runtime_error(&format!("index out of range [{i}] with length {len}"));
    }
    i as usize
}

impl Interp {
    pub fn new(prog: &Program) -> Interp {
        let func_vals = prog
            .funcs
            .iter()
            .map(|f| {
                Value::Func(Some(Rc::new(Closure {
                    func: f.clone(),
                    captures: vec![],
                })))
            })
            .collect();
        Interp {
            globals: vec![Value::Nil; prog.nglobals as usize],
            funcs: prog.funcs.clone(),
            func_vals,
            ret: Value::Nil,
            lib: Default::default(),
            pool: Vec::new(),
        }
    }

    pub fn run(&mut self, prog: &Program) {
        let mut fr = Frame {
            locals: vec![Value::Nil; prog.init_locals as usize],
            caps: &[],
        };
        self.exec_block(&mut fr, &prog.init);
        let main = self.funcs[prog.main as usize].clone();
        self.call(&main, Vec::new(), &[]);
    }

    pub fn call(
        &mut self,
        f: &Rc<FuncIr>,
        mut args: Vec<Value>,
        caps: &[Rc<RefCell<Value>>],
    ) -> Value {
        args.resize(f.nlocals as usize, Value::Nil);
        for &b in &f.boxed_params {
            let v = std::mem::take(&mut args[b as usize]);
            args[b as usize] = Value::Cell(Rc::new(RefCell::new(v)));
        }
        let mut fr = Frame { locals: args, caps };
        let r = match &f.body[..] {
            // A body that is one `return e` (small helpers and closures): no statement walk.
            [S::Return(es)] if es.len() == 1 => self.eval(&mut fr, &es[0]),
            body => match self.exec_block(&mut fr, body) {
                Flow::Return => std::mem::take(&mut self.ret),
                _ => Value::Nil,
            },
        };
        if self.pool.len() < 256 {
            let mut locals = fr.locals;
            locals.clear();
            self.pool.push(locals);
        }
        r
    }

    /// Calls the func value `f` with two int arguments and returns its bool result, reusing
    /// `locals` as the frame (sort.Slice's `less`, called about n log n times): no frame is
    /// taken from or returned to the pool per call.
    pub fn call_less(&mut self, f: &Closure, locals: &mut Vec<Value>, i: i64, j: i64) -> bool {
        let func = &f.func;
        locals.clear();
        locals.push(Value::Int(i));
        locals.push(Value::Int(j));
        locals.resize(func.nlocals as usize, Value::Nil);
        for &b in &func.boxed_params {
            let v = std::mem::take(&mut locals[b as usize]);
            locals[b as usize] = Value::Cell(Rc::new(RefCell::new(v)));
        }
        let mut fr = Frame {
            locals: std::mem::take(locals),
            caps: &f.captures,
        };
        let r = match self.exec_block(&mut fr, &func.body) {
            Flow::Return => std::mem::take(&mut self.ret),
            _ => Value::Nil,
        };
        *locals = fr.locals;
        matches!(r, Value::Bool(true))
    }

    /// An empty vector from the frame pool (for building call arguments).
    pub fn spare_vec(&mut self) -> Vec<Value> {
        self.pool.pop().unwrap_or_default()
    }

    pub fn call_value(&mut self, f: &Value, args: Vec<Value>) -> Value {
        match f {
            Value::Func(Some(c)) => self.call(&c.func, args, &c.captures),
            _ => runtime_error("invalid memory address or nil pointer dereference"),
        }
    }

    fn args(&mut self, fr: &mut Frame, args: &[E], spread: bool) -> Vec<Value> {
        let mut v = self.pool.pop().unwrap_or_default();
        if spread {
            match self.eval(fr, &args[0]) {
                Value::Tuple(t) => v.extend(t.iter().cloned()),
                x => v.push(x),
            }
        } else {
            for a in args {
                let x = self.eval(fr, a);
                v.push(x);
            }
        }
        v
    }

    /// An integer-typed expression, without building (and dropping) a `Value` for the
    /// common leaf and arithmetic cases.
    #[inline]
    pub fn eval_int(&mut self, fr: &mut Frame, e: &E) -> i64 {
        match e {
            E::Local(s) => match &fr.locals[*s as usize] {
                Value::Int(i) => *i,
                _ => 0,
            },
            E::Const(Value::Int(i)) => *i,
            E::IntBin(op, k, a, b) => {
                let a = self.eval_int(fr, a);
                let b = self.eval_int(fr, b);
                int_op(*op, *k, a, b)
            }
            E::Boxed(_) | E::Cap(_) | E::Field(..) | E::Index(..) if is_path(e) => {
                let p = self.locate(fr, e);
                // SAFETY: `locate`'s pointer is read at once, before any interpreted code.
                unsafe { (*p).int() }
            }
            _ => match self.eval(fr, e) {
                Value::Int(i) => i,
                _ => 0,
            },
        }
    }

    /// A boolean expression, with integer comparisons evaluated unboxed.
    #[inline]
    pub fn eval_bool(&mut self, fr: &mut Frame, e: &E) -> bool {
        match e {
            E::Cmp(op, CKind::Int, a, b) => {
                let a = self.eval_int(fr, a);
                let b = self.eval_int(fr, b);
                cmp(*op, a, b)
            }
            E::CmpRef(op, k, a, b) => {
                let pa = self.locate(fr, a);
                let pb = self.locate(fr, b);
                // SAFETY: locating the pure path `b` ran no code and stored nothing, so `pa`
                // is still valid; both are read at once.
                unsafe { compare(*op, *k, &*pa, &*pb) }
            }
            E::AndAnd(a, b) => self.eval_bool(fr, a) && self.eval_bool(fr, b),
            E::OrOr(a, b) => self.eval_bool(fr, a) || self.eval_bool(fr, b),
            E::Not(a) => !self.eval_bool(fr, a),
            _ => matches!(self.eval(fr, e), Value::Bool(true)),
        }
    }

    /// A pointer to the storage a path expression (`is_path`) names: a variable, or an
    /// element or field reached from one. Index operands are evaluated first (inner ones
    /// last), and the storage is located after them, so no interpreted code runs between
    /// finding the pointer and the caller's use of it.
    ///
    /// The pointer is valid until interpreted code runs or a value is stored: the caller must
    /// read through it at once. Cells and slice arrays are `RefCell`s, read here without a
    /// guard: the interpreter never holds a mutable borrow while it evaluates an expression
    /// (stores borrow mutably only around the store itself), and debug builds check that.
    fn locate(&mut self, fr: &mut Frame, e: &E) -> *const Value {
        match e {
            E::Local(s) => &fr.locals[*s as usize],
            E::Boxed(s) => unguarded(cell(&fr.locals[*s as usize])),
            E::Cap(i) => unguarded(&fr.caps[*i as usize]),
            E::Global(i) => &self.globals[*i as usize],
            E::Field(b, i) => {
                let p = self.locate(fr, b);
                // SAFETY: `p` was just located; nothing has run since.
                match unsafe { &*p } {
                    Value::Struct(fs) => &fs[*i as usize],
                    _ => unreachable!("field of a non-struct"),
                }
            }
            E::Index(b, i) => {
                let i = self.eval_int(fr, i);
                let p = self.locate(fr, b);
                // SAFETY: `p` was just located; nothing has run since.
                match unsafe { &*p } {
                    Value::Slice(s) => {
                        let i = index_check(i, s.len as usize);
                        let arr = s.arr.as_ref().expect("non-empty slice has an array");
                        let v = unguarded(arr);
                        // SAFETY: `v` is the live backing array (see `unguarded`), and
                        // `off + i < off + len <= v.len()`.
                        unsafe { (*v).as_ptr().add(s.off as usize + i) }
                    }
                    Value::Array(a) => &a[index_check(i, a.len())],
                    _ => unreachable!("index of a non-sequence"),
                }
            }
            _ => unreachable!("locate of a non-path expression"),
        }
    }

    /// Runs `f` on the value of `e` without copying it where `e` names storage (variables,
    /// and elements and fields of them): `s[i].f` reads one field, not the whole element.
    /// Indices are evaluated first; `f` must not run interpreted code.
    pub fn eval_ref<R>(&mut self, fr: &mut Frame, e: &E, f: &mut dyn FnMut(&Value) -> R) -> R {
        if is_path(e) {
            let p = self.locate(fr, e);
            // SAFETY: `locate`'s pointer is used by `f` only, which runs no interpreted code.
            return f(unsafe { &*p });
        }
        // Fields and elements of a temporary (`f().x`, `m[k][i]`).
        match e {
            E::Field(b, i) => self.eval_ref(fr, b, &mut |v| match v {
                Value::Struct(fs) => f(&fs[*i as usize]),
                _ => unreachable!("field of a non-struct"),
            }),
            E::Index(b, i) => {
                let i = self.eval_int(fr, i);
                self.eval_ref(fr, b, &mut |v| match v {
                    Value::Slice(s) => {
                        let i = index_check(i, s.len as usize);
                        let arr = s
                            .arr
                            .as_ref()
                            .expect("non-empty slice has an array")
                            .borrow();
                        f(&arr[s.off as usize + i])
                    }
                    Value::Array(a) => f(&a[index_check(i, a.len())]),
                    _ => unreachable!("index of a non-sequence"),
                })
            }
            _ => {
                let v = self.eval(fr, e);
                f(&v)
            }
        }
    }

    /// The hot expression kinds are evaluated here; the rest in `eval_cold`, which keeps
    /// this function's stack frame small (every nested expression pays for it).
    pub fn eval(&mut self, fr: &mut Frame, e: &E) -> Value {
        match e {
            E::Const(v) => v.clone(),
            E::Local(s) => fr.locals[*s as usize].clone(),
            E::IntBin(op, k, a, b) => {
                let a = self.eval_int(fr, a);
                let b = self.eval_int(fr, b);
                Value::Int(int_op(*op, *k, a, b))
            }
            E::Cmp(_, CKind::Int, ..) | E::AndAnd(..) | E::OrOr(..) | E::Not(_) | E::CmpRef(..) => {
                Value::Bool(self.eval_bool(fr, e))
            }
            E::Index(..) | E::Field(..) if is_path(e) => {
                let p = self.locate(fr, e);
                // SAFETY: `locate`'s pointer is read at once, before any interpreted code.
                unsafe { (*p).clone() }
            }
            E::CallDirect(i, args, spread) => {
                let args = self.args(fr, args, *spread);
                let f = self.funcs[*i as usize].clone();
                self.call(&f, args, &[])
            }
            E::CallValue(f, args, spread) => {
                let f = self.eval(fr, f);
                let args = self.args(fr, args, *spread);
                self.call_value(&f, args)
            }
            E::MapGet(rt, m, k) => self.with_map_key(fr, m, k, |h, k| {
                // SAFETY: (for every map operation) `h` is null (a nil map) or a live map header,
                // kept alive by its variable or by `with_map_key`; no interpreted code runs
                // until the operation is done.
                unsafe { maps::get(rt, h, k).0 }
            }),
            E::Lib(f, args, tys) => self.eval_lib(fr, *f, args, tys),
            E::FloatBin(op, a, b) => {
                let a = self.eval(fr, a).float();
                let b = self.eval(fr, b).float();
                Value::Float(float_op(*op, a, b))
            }
            E::Convert(c, x) => {
                let v = self.eval(fr, x);
                convert(*c, v)
            }
            _ => self.eval_cold(fr, e),
        }
    }

    /// A library call: the operands (a multi-valued call spreads into them), then the call.
    #[inline(never)]
    fn eval_lib(
        &mut self,
        fr: &mut Frame,
        f: Lib,
        args: &[E],
        tys: &[crate::types::Type],
    ) -> Value {
        let mut vals;
        match args {
            // One operand that is one value (`sc.Text()`, `strings.ToLower(w)`): no vector.
            [a] => match self.eval(fr, a) {
                Value::Tuple(t) => {
                    vals = self.pool.pop().unwrap_or_default();
                    vals.extend(t.iter().cloned());
                }
                v => return crate::library::call(self, f, std::slice::from_ref(&v), tys),
            },
            _ => {
                vals = self.pool.pop().unwrap_or_default();
                for a in args {
                    match self.eval(fr, a) {
                        // fmt.Println(f()) with a multi-valued f: its results are the operands.
                        Value::Tuple(t) => vals.extend(t.iter().cloned()),
                        v => vals.push(v),
                    }
                }
            }
        }
        let r = crate::library::call(self, f, &vals, tys);
        if self.pool.len() < 256 {
            vals.clear();
            self.pool.push(vals);
        }
        r
    }

    #[inline(never)]
    fn eval_cold(&mut self, fr: &mut Frame, e: &E) -> Value {
        match e {
            E::Const(_)
            | E::Local(_)
            | E::IntBin(..)
            | E::CallDirect(..)
            | E::CallValue(..)
            | E::MapGet(..)
            | E::Lib(..)
            | E::Cmp(_, CKind::Int, ..)
            | E::AndAnd(..)
            | E::OrOr(..)
            | E::Not(_)
            | E::CmpRef(..)
            | E::FloatBin(..)
            | E::Convert(..) => unreachable!("evaluated by `eval`"),
            E::Boxed(s) => cell(&fr.locals[*s as usize]).borrow().clone(),
            E::Cap(i) => fr.caps[*i as usize].borrow().clone(),
            E::Global(i) => self.globals[*i as usize].clone(),
            E::Concat(a, b) => {
                let a = self.eval(fr, a);
                let b = self.eval(fr, b);
                bin(Bin::Concat, &a, &b)
            }
            E::Cmp(op, k, a, b) => {
                let a = self.eval(fr, a);
                let b = self.eval(fr, b);
                Value::Bool(compare(*op, *k, &a, &b))
            }
            E::Neg(k, a) => Value::Int(k.wrap(self.eval(fr, a).int().wrapping_neg())),
            E::FNeg(a) => Value::Float(-self.eval(fr, a).float()),
            E::BitNot(k, a) => Value::Int(k.wrap(!self.eval(fr, a).int())),
            E::FuncRef(i) => self.func_vals[*i as usize].clone(),
            E::Index(..) | E::Field(..) => self.eval_ref(fr, e, &mut |v| v.clone()),
            E::StrIndex(s, i) => {
                let s = self.eval(fr, s);
                let i = self.eval(fr, i).int();
                let b = s.str().as_bytes();
                Value::Int(b[index_check(i, b.len())] as i64)
            }
            E::MapGet2(rt, m, k) => {
                // SAFETY: as for MapGet in `eval`.
                let (v, ok) = self.with_map_key(fr, m, k, |h, k| unsafe { maps::get(rt, h, k) });
                Value::Tuple(Rc::new(vec![v, Value::Bool(ok)]))
            }
            E::SliceOf(s, lo, hi) => {
                let v = self.eval(fr, s);
                let lo = lo.as_ref().map(|e| self.eval(fr, e).int());
                let hi = hi.as_ref().map(|e| self.eval(fr, e).int());
                slice_of(v, lo, hi)
            }
            E::StrSlice(s, lo, hi) => {
                let v = self.eval(fr, s);
                let s = v.str();
                let lo = lo.as_ref().map_or(0, |e| self.eval(fr, e).int());
                let hi = hi
                    .as_ref()
                    .map_or(s.len() as i64, |e| self.eval(fr, e).int());
                if hi < 0 || hi as usize > s.len() {
                    runtime_error(&format!(
                        "slice bounds out of range [:{hi}] with length {}",
                        s.len()
                    ));
                }
                if lo < 0 || lo > hi {
                    runtime_error(&format!("slice bounds out of range [{lo}:{hi}]"));
                }
                let b = &s.as_bytes()[lo as usize..hi as usize];
                Value::Str(Rc::from(String::from_utf8_lossy(b).as_ref()))
            }
            E::MakeSliceLit(es) => {
                let v: Vec<Value> = es.iter().map(|e| self.eval(fr, e)).collect();
                Value::Slice(Slice::from_vec(v))
            }
            E::MakeArray(es) => Value::Array(Rc::<[Value]>::from(
                es.iter().map(|e| self.eval(fr, e)).collect::<Vec<Value>>(),
            )),
            E::MakeStruct(es) => Value::Struct(Rc::<[Value]>::from(
                es.iter().map(|e| self.eval(fr, e)).collect::<Vec<Value>>(),
            )),
            E::MakeMapLit(rt, kvs) => {
                let m = MapObj::new(rt, kvs.len() as i64);
                for (k, v) in kvs {
                    let k = self.eval(fr, k);
                    let v = self.eval(fr, v);
                    // SAFETY: `m` is a live map of `rt`.
                    unsafe { maps::set(rt, m.h, &k, &v) };
                }
                Value::Map(Some(Rc::new(m)))
            }
            E::MakeSlice(z, n, c) => {
                let n = self.eval(fr, n).int();
                let c = c.as_ref().map_or(n, |c| self.eval(fr, c).int());
                if n < 0 || n > u32::MAX as i64 {
                    runtime_error("makeslice: len out of range");
                }
                if c < n || c > u32::MAX as i64 {
                    runtime_error("makeslice: cap out of range");
                }
                let mut v = Vec::with_capacity(c as usize);
                v.resize(c as usize, z.clone());
                let mut s = Slice::from_vec(v);
                s.len = n as u32;
                Value::Slice(s)
            }
            E::MakeMap(rt, hint) => {
                let h = hint.as_ref().map_or(0, |e| self.eval(fr, e).int());
                if h < 0 {
                    runtime_error("makemap: size out of range");
                }
                Value::Map(Some(Rc::new(MapObj::new(rt, h))))
            }
            E::Closure(f, caps) => {
                let captures = caps
                    .iter()
                    .map(|c| match c {
                        CapSrc::Local(s) => cell(&fr.locals[*s as usize]).clone(),
                        CapSrc::Cap(i) => fr.caps[*i as usize].clone(),
                    })
                    .collect();
                Value::Func(Some(Rc::new(Closure {
                    func: f.clone(),
                    captures,
                })))
            }
            E::Len(x) => Value::Int(self.eval_ref(fr, x, &mut |v| match v {
                Value::Str(s) => s.len() as i64,
                Value::Slice(s) => s.len as i64,
                Value::Array(a) => a.len() as i64,
                Value::Map(m) => m.as_ref().map_or(0, |m| m.len() as i64),
                _ => 0,
            })),
            E::CapOf(x) => Value::Int(match self.eval(fr, x) {
                Value::Slice(s) => s.cap() as i64,
                Value::Array(a) => a.len() as i64,
                _ => 0,
            }),
            E::Append(s, xs) => {
                let s = self.eval(fr, s).into_slice();
                let mut v = self.spare_vec();
                for e in xs {
                    let x = self.eval(fr, e);
                    v.push(x);
                }
                let r = Value::Slice(append(s, &mut v));
                if self.pool.len() < 256 {
                    self.pool.push(v);
                }
                r
            }
            E::AppendSpread(s, t) => {
                let s = self.eval(fr, s).into_slice();
                let xs = match self.eval(fr, t) {
                    Value::Str(st) => st.bytes().map(|b| Value::Int(b as i64)).collect(),
                    v => v.slice().to_vec(),
                };
                Value::Slice(append(s, &mut { xs }))
            }
            E::Copy(d, s) => {
                let d = self.eval(fr, d).into_slice();
                let src = match self.eval(fr, s) {
                    Value::Str(st) => st.bytes().map(|b| Value::Int(b as i64)).collect(),
                    v => v.slice().to_vec(),
                };
                let n = (d.len as usize).min(src.len());
                if let Some(a) = &d.arr {
                    let mut a = a.borrow_mut();
                    for (i, v) in src.into_iter().take(n).enumerate() {
                        a[d.off as usize + i] = v;
                    }
                }
                Value::Int(n as i64)
            }
            E::Delete(rt, m, k) => {
                // SAFETY: as for MapGet.
                self.with_map_key(fr, m, k, |h, k| unsafe { maps::delete(rt, h, k) });
                Value::Nil
            }
            E::Panic(x, t) => {
                let v = self.eval(fr, x);
                let msg = crate::fmt::panic_value(&v, t);
                go_panic(&msg)
            }
            E::TupleAt(x, i) => match self.eval(fr, x) {
                Value::Tuple(t) => t[*i as usize].clone(),
                v => v,
            },
        }
    }

    /// Runs `f` on the storage of a place (evaluating its indices first).
    fn with_place<R>(
        &mut self,
        fr: &mut Frame,
        p: &Place,
        f: &mut dyn FnMut(&mut Value) -> R,
    ) -> R {
        match p {
            Place::Blank => f(&mut Value::Nil),
            Place::Local(s) => f(&mut fr.locals[*s as usize]),
            Place::Boxed(s) => f(&mut cell(&fr.locals[*s as usize]).borrow_mut()),
            Place::Cap(i) => f(&mut fr.caps[*i as usize].borrow_mut()),
            Place::Global(i) => f(&mut self.globals[*i as usize]),
            Place::SliceElem(s, i) => {
                let s = self.eval(fr, s).into_slice();
                let i = index_check(self.eval(fr, i).int(), s.len as usize);
                let arr = s.arr.expect("non-empty slice has an array");
                let mut a = arr.borrow_mut();
                f(&mut a[s.off as usize + i])
            }
            Place::ArrayElem(base, i) => {
                let i = self.eval(fr, i).int();
                self.with_place(fr, base, &mut |a| match a {
                    Value::Array(a) => {
                        let i = index_check(i, a.len());
                        f(&mut cow(a)[i])
                    }
                    _ => unreachable!(),
                })
            }
            Place::Field(base, i) => self.with_place(fr, base, &mut |s| match s {
                Value::Struct(s) => f(&mut cow(s)[*i as usize]),
                _ => unreachable!(),
            }),
            Place::MapElem(..) => unreachable!("map elements are not addressable"),
        }
    }

    /// The header of the map `m` evaluates to, and the value keeping it alive. A local
    /// variable keeps its map alive itself (no clone): callers evaluate the key first, so no
    /// interpreted code runs between this and the map operation.
    #[inline]
    fn map_operand(&mut self, fr: &mut Frame, m: &E) -> (*mut gohmap::Hmap, Value) {
        if let E::Local(s) = m {
            return (map_h(&fr.locals[*s as usize]), Value::Nil);
        }
        let v = self.eval(fr, m);
        (map_h(&v), v)
    }

    /// Runs the map operation `f` with the header of map `m` and the key `k`. The common case,
    /// a map variable and a key that names storage (`counts[w]`, `seen[p.x]`), reads the key
    /// in place: no copy, so no reference-count traffic on a string key.
    #[inline]
    fn with_map_key<R>(
        &mut self,
        fr: &mut Frame,
        m: &E,
        k: &E,
        f: impl FnOnce(*mut gohmap::Hmap, &Value) -> R,
    ) -> R {
        if let E::Local(ms) = m
            && is_path(k)
        {
            let pk = self.locate(fr, k);
            let h = map_h(&fr.locals[*ms as usize]);
            // SAFETY: `pk` was just located and nothing runs before `f`, a map operation that
            // runs no interpreted code and changes no variable: whatever storage holds the key
            // is reachable from the frame and stays alive and unchanged.
            return f(h, unsafe { &*pk });
        }
        let k = self.eval(fr, k);
        let (h, _keep) = self.map_operand(fr, m);
        f(h, &k)
    }

    /// A copy of `p` whose index operands (and slice and map operands) are already evaluated.
    fn pin_place(&mut self, fr: &mut Frame, p: &Place) -> Place {
        let c = |v: Value| Box::new(E::Const(v));
        match p {
            Place::Blank => Place::Blank,
            Place::Local(s) => Place::Local(*s),
            Place::Boxed(s) => Place::Boxed(*s),
            Place::Cap(i) => Place::Cap(*i),
            Place::Global(i) => Place::Global(*i),
            Place::SliceElem(s, i) => {
                let s = self.eval(fr, s);
                let i = self.eval(fr, i);
                Place::SliceElem(c(s), c(i))
            }
            Place::ArrayElem(b, i) => {
                let b = self.pin_place(fr, b);
                let i = self.eval(fr, i);
                Place::ArrayElem(Box::new(b), c(i))
            }
            Place::Field(b, f) => Place::Field(Box::new(self.pin_place(fr, b)), *f),
            Place::MapElem(rt, m, k) => {
                let m = self.eval(fr, m);
                let k = self.eval(fr, k);
                Place::MapElem(rt, c(m), c(k))
            }
        }
    }

    pub fn store(&mut self, fr: &mut Frame, p: &Place, v: Value) {
        match p {
            Place::Blank => {}
            Place::Local(s) => fr.locals[*s as usize] = v,
            Place::MapElem(rt, m, k) => {
                // SAFETY: as for MapGet; a nil map reaches gohmap, which reports it.
                self.with_map_key(fr, m, k, |h, k| unsafe { maps::set(rt, h, k, &v) });
            }
            _ => {
                let mut v = Some(v);
                self.with_place(fr, p, &mut |slot| *slot = v.take().unwrap_or_default());
            }
        }
    }

    fn op_set(&mut self, fr: &mut Frame, p: &Place, b: Bin, r: Value) {
        match p {
            Place::Local(s) => {
                let slot = &mut fr.locals[*s as usize];
                if let (Bin::Int(op, k), Value::Int(x)) = (b, &*slot) {
                    *slot = Value::Int(int_op(op, k, *x, r.int()));
                } else {
                    *slot = bin(b, slot, &r);
                }
            }
            // SAFETY: as for MapGet. `m[k] op= v` is one mapassign and a read-modify-write of
            // its slot, except / and %, which read first so /0 panics before the assign.
            Place::MapElem(rt, m, k) => self.with_map_key(fr, m, k, |h, k| unsafe {
                if matches!(b, Bin::Int(IOp::Div | IOp::Rem, _)) {
                    let (cur, _) = maps::get(rt, h, k);
                    let v = bin(b, &cur, &r);
                    maps::set(rt, h, k, &v);
                } else {
                    let slot = maps::assign(rt, h, k);
                    if let (Bin::Int(op, ik), maps::Enc::Int(_)) = (b, &rt.val.enc) {
                        // Integer elems: no Value round trip and nothing to release.
                        let cur = maps::read(&rt.val.enc, slot).int();
                        maps::write(
                            &rt.val.enc,
                            slot,
                            &Value::Int(int_op(op, ik, cur, r.int())),
                            true,
                        );
                    } else {
                        let cur = maps::read(&rt.val.enc, slot);
                        let v = bin(b, &cur, &r);
                        maps::release(&rt.val.enc, slot);
                        maps::write(&rt.val.enc, slot, &v, true);
                    }
                }
            }),
            _ => self.with_place(fr, p, &mut |slot| *slot = bin(b, slot, &r)),
        }
    }

    pub fn exec_block(&mut self, fr: &mut Frame, b: &[S]) -> Flow {
        for s in b {
            let f = self.exec(fr, s);
            if f != Flow::Normal {
                return f;
            }
        }
        Flow::Normal
    }

    /// Runs a loop body; returns Some(flow) when the loop must stop with it.
    #[inline]
    fn body(&mut self, fr: &mut Frame, b: &[S]) -> Option<Flow> {
        match self.exec_block(fr, b) {
            Flow::Break => Some(Flow::Normal),
            Flow::Return => Some(Flow::Return),
            _ => None,
        }
    }

    /// The statements that run per iteration of typical loops are executed here; the rest
    /// (multi-assignments, ranges, switch) in `exec_cold`, to keep this frame small.
    pub fn exec(&mut self, fr: &mut Frame, s: &S) -> Flow {
        match s {
            S::Expr(e) => {
                self.eval(fr, e);
            }
            S::Set(Place::Local(slot), e) => {
                let v = self.eval(fr, e);
                fr.locals[*slot as usize] = v;
            }
            S::Decl(slot, e, false) => {
                let v = self.eval(fr, e);
                fr.locals[*slot as usize] = v;
            }
            S::Set(p, e) => {
                let v = self.eval(fr, e);
                self.store(fr, p, v);
            }
            S::OpSet(Place::Local(slot), Bin::Int(op, k), e) => {
                let r = self.eval_int(fr, e);
                let slot = &mut fr.locals[*slot as usize];
                if let Value::Int(x) = slot {
                    *x = int_op(*op, *k, *x, r);
                }
            }
            S::OpSet(p, b, e) => {
                let r = self.eval(fr, e);
                self.op_set(fr, p, *b, r);
            }
            S::If(c, t, f) => {
                return if self.eval_bool(fr, c) {
                    self.exec_block(fr, t)
                } else {
                    self.exec_block(fr, f)
                };
            }
            S::For(cond, post, b) => loop {
                if let Some(c) = cond
                    && !self.eval_bool(fr, c)
                {
                    break;
                }
                if let Some(f) = self.body(fr, b) {
                    return f;
                }
                if let Some(p) = post {
                    self.exec(fr, p);
                }
            },
            S::Break => return Flow::Break,
            S::Continue => return Flow::Continue,
            S::Return(es) if es.len() == 1 => {
                self.ret = self.eval(fr, &es[0]);
                return Flow::Return;
            }
            S::Block(b) => return self.exec_block(fr, b),
            _ => return self.exec_cold(fr, s),
        }
        Flow::Normal
    }

    #[inline(never)]
    fn exec_cold(&mut self, fr: &mut Frame, s: &S) -> Flow {
        match s {
            S::Expr(_)
            | S::Set(..)
            | S::OpSet(..)
            | S::If(..)
            | S::For(..)
            | S::Break
            | S::Continue
            | S::Block(_) => unreachable!("executed by `exec`"),
            S::Decl(slot, e, boxed) => {
                let v = self.eval(fr, e);
                fr.locals[*slot as usize] = if *boxed {
                    Value::Cell(Rc::new(RefCell::new(v)))
                } else {
                    v
                };
            }
            S::SetMulti(ps, es) => {
                // Go's two phases: index operands on the left and every right-hand side are
                // evaluated first, then the stores happen left to right.
                let ps: Vec<Place> = ps.iter().map(|p| self.pin_place(fr, p)).collect();
                let vs: Vec<Value> = es.iter().map(|e| self.eval(fr, e)).collect();
                for (p, v) in ps.iter().zip(vs) {
                    self.store(fr, p, v);
                }
            }
            S::SetTuple(ps, E::MapGet2(rt, m, k)) => {
                // `v, ok = m[k]` without building a tuple.
                // SAFETY: as for MapGet.
                let (v, ok) = self.with_map_key(fr, m, k, |h, k| unsafe { maps::get(rt, h, k) });
                self.store(fr, &ps[0], v);
                self.store(fr, &ps[1], Value::Bool(ok));
            }
            S::SetTuple(ps, e) => {
                if let Value::Tuple(t) = self.eval(fr, e) {
                    for (p, v) in ps.iter().zip(t.iter()) {
                        self.store(fr, p, v.clone());
                    }
                }
            }
            S::RangeSlice(k, v, x, b) => {
                let s = self.eval(fr, x).into_slice();
                for i in 0..s.len as usize {
                    self.store(fr, k, Value::Int(i as i64));
                    if !matches!(v, Place::Blank) {
                        self.store(fr, v, s.get(i));
                    }
                    if let Some(f) = self.body(fr, b) {
                        return f;
                    }
                }
            }
            S::RangeArray(k, v, x, b) => {
                if let Value::Array(a) = self.eval(fr, x) {
                    for (i, e) in a.iter().enumerate() {
                        self.store(fr, k, Value::Int(i as i64));
                        self.store(fr, v, e.clone());
                        if let Some(f) = self.body(fr, b) {
                            return f;
                        }
                    }
                }
            }
            S::RangeStr(k, v, x, b) => {
                let s = self.eval(fr, x);
                for (i, c) in s.str().char_indices() {
                    self.store(fr, k, Value::Int(i as i64));
                    self.store(fr, v, Value::Int(c as i64));
                    if let Some(f) = self.body(fr, b) {
                        return f;
                    }
                }
            }
            S::RangeMap(k, v, want_v, x, b) => {
                if let Value::Map(Some(m)) = self.eval(fr, x) {
                    let mut it = MapIter::new(m);
                    while let Some((kv, vv)) = it.next_entry(*want_v) {
                        self.store(fr, k, kv);
                        self.store(fr, v, vv);
                        if let Some(f) = self.body(fr, b) {
                            return f; // dropping `it` calls mapiterdone
                        }
                    }
                }
            }
            S::Switch(tag, cases, default) => {
                if let Some((slot, e)) = tag {
                    let v = self.eval(fr, e);
                    fr.locals[*slot as usize] = v;
                }
                let mut chosen = *default;
                'find: for (i, c) in cases.iter().enumerate() {
                    for cond in &c.conds {
                        if self.eval(fr, cond).bool() {
                            chosen = Some(i);
                            break 'find;
                        }
                    }
                }
                if let Some(mut i) = chosen {
                    loop {
                        match self.exec_block(fr, &cases[i].body) {
                            Flow::Break => return Flow::Normal,
                            Flow::Normal => {}
                            f => return f,
                        }
                        if cases[i].fallthrough && i + 1 < cases.len() {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            S::Return(es) => {
                self.ret = match es.len() {
                    0 => Value::Nil,
                    1 => self.eval(fr, &es[0]),
                    _ => Value::Tuple(Rc::new(es.iter().map(|e| self.eval(fr, e)).collect())),
                };
                return Flow::Return;
            }
        }
        Flow::Normal
    }
}

/// Copy on write for arrays and structs (Go's value semantics): the elements, unshared.
fn cow(rc: &mut Rc<[Value]>) -> &mut [Value] {
    if Rc::get_mut(rc).is_none() {
        *rc = rc.iter().cloned().collect();
    }
    Rc::get_mut(rc).expect("unshared after the copy")
}

#[inline]
pub fn map_h(m: &Value) -> *mut gohmap::Hmap {
    match m {
        Value::Map(Some(m)) => m.h,
        _ => std::ptr::null_mut(),
    }
}

fn slice_of(v: Value, lo: Option<i64>, hi: Option<i64>) -> Value {
    let (arr, off, len, cap) = match v {
        Value::Slice(s) => {
            let cap = s.cap();
            (s.arr, s.off, s.len, cap)
        }
        Value::Array(a) => {
            let n = a.len() as u32;
            (Some(Rc::new(RefCell::new(a.to_vec()))), 0, n, n)
        }
        _ => unreachable!(),
    };
    let lo = lo.unwrap_or(0);
    let hi = hi.unwrap_or(len as i64);
    if hi < 0 || hi > cap as i64 {
        runtime_error(&format!(
            "slice bounds out of range [:{hi}] with capacity {cap}"
        ));
    }
    if lo < 0 || lo > hi {
        runtime_error(&format!("slice bounds out of range [{lo}:{hi}]"));
    }
    Value::Slice(Slice {
        arr,
        off: off + lo as u32,
        len: (hi - lo) as u32,
    })
}

/// Go's append: in place when the capacity allows (sharing the backing array), otherwise a
/// new array with Go's growth (double, or 1.25x beyond 256 elements).
/// `xs` is drained (left empty, capacity kept).
pub fn append(s: Slice, xs: &mut Vec<Value>) -> Slice {
    let need = s.len as usize + xs.len();
    let old = s.cap() as usize;
    if let Some(arr) = &s.arr
        && need <= old
    {
        let mut a = arr.borrow_mut();
        let start = (s.off + s.len) as usize;
        for (i, x) in xs.drain(..).enumerate() {
            a[start + i] = x;
        }
        drop(a);
        return Slice {
            arr: s.arr.clone(),
            off: s.off,
            len: need as u32,
        };
    }
    if xs.is_empty() {
        return s;
    }
    let mut cap = old.max(1);
    if need > old * 2 {
        cap = need;
    }
    while cap < need {
        cap = if cap < 256 {
            cap * 2
        } else {
            cap + cap / 4 + 192
        };
    }
    let mut v = Vec::with_capacity(cap);
    v.extend(s.to_vec());
    v.append(xs);
    // Spare capacity holds zero values of the element type (derived from an element).
    let zero = zero_like(&v[0]);
    v.resize(cap, zero);
    Slice {
        arr: Some(Rc::new(RefCell::new(v))),
        off: 0,
        len: need as u32,
    }
}

fn zero_like(v: &Value) -> Value {
    match v {
        Value::Int(_) => Value::Int(0),
        Value::Float(_) => Value::Float(0.0),
        Value::Bool(_) => Value::Bool(false),
        Value::Str(_) => Value::Str(empty_str()),
        Value::Slice(_) => Value::Slice(Slice::default()),
        Value::Map(_) => Value::Map(None),
        Value::Func(_) => Value::Func(None),
        Value::Struct(s) => Value::Struct(Rc::<[Value]>::from(
            s.iter().map(zero_like).collect::<Vec<Value>>(),
        )),
        Value::Array(s) => Value::Array(Rc::<[Value]>::from(
            s.iter().map(zero_like).collect::<Vec<Value>>(),
        )),
        _ => Value::Nil,
    }
}

#[inline(never)]
pub fn convert(c: Conv, v: Value) -> Value {
    match c {
        Conv::None => v,
        Conv::IntToInt(k) => Value::Int(k.wrap(v.int())),
        Conv::IntToFloat(unsigned) => {
            let i = v.int();
            Value::Float(if unsigned { i as u64 as f64 } else { i as f64 })
        }
        Conv::FloatToInt(k) => {
            let f = v.float();
            let i = if matches!(k, IntK::U64 | IntK::Uint) && f >= 9.223_372_036_854_776e18 {
                f as u64 as i64
            } else {
                f as i64
            };
            Value::Int(k.wrap(i))
        }
        Conv::RuneToStr => {
            let c = char::from_u32(v.int() as u32).unwrap_or('\u{FFFD}');
            Value::Str(Rc::from(c.to_string()))
        }
        Conv::BytesToStr => {
            let b: Vec<u8> = v.slice().to_vec().iter().map(|x| x.int() as u8).collect();
            Value::Str(Rc::from(String::from_utf8_lossy(&b).as_ref()))
        }
        Conv::RunesToStr => {
            let s: String = v
                .slice()
                .to_vec()
                .iter()
                .map(|x| char::from_u32(x.int() as u32).unwrap_or('\u{FFFD}'))
                .collect();
            Value::Str(Rc::from(s))
        }
        Conv::StrToBytes => Value::Slice(Slice::from_vec(
            v.str().bytes().map(|b| Value::Int(b as i64)).collect(),
        )),
        Conv::StrToRunes => Value::Slice(Slice::from_vec(
            v.str().chars().map(|c| Value::Int(c as i64)).collect(),
        )),
    }
}
