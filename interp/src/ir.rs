//! The resolved program the checker produces and the interpreter runs: variables are slots,
//! operators are specialised by type, map operations carry their map type's descriptor.

use std::rc::Rc;

use crate::maps::MapRt;
use crate::types::{IntK, Type};
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
    Xor,
    AndNot,
    Shl,
    Shr,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum COp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What a comparison compares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CKind {
    Int,
    Uint,
    Float,
    Str,
    Bool,
    /// Structs, arrays, and comparisons with nil.
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Conv {
    IntToInt(IntK),
    IntToFloat(bool),
    FloatToInt(IntK),
    RuneToStr,
    BytesToStr,
    RunesToStr,
    StrToBytes,
    StrToRunes,
    None,
}

/// Library functions and methods (fmt, strings, strconv, sort, math, bufio, os, error).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lib {
    Println,
    Printf,
    Print,
    Sprintf,
    Sprint,
    Sprintln,
    Errorf,
    Fields,
    Split,
    Join,
    ToLower,
    ToUpper,
    Contains,
    HasPrefix,
    HasSuffix,
    Repeat,
    TrimSpace,
    Index,
    Itoa,
    Atoi,
    SortStrings,
    SortInts,
    SortSlice,
    NaN,
    Inf,
    IsNaN,
    Signbit,
    IsInf,
    Sqrt,
    Abs,
    Floor,
    NewScanner,
    Scan,
    Text,
    SplitWords,
    Buffer,
    Exit,
    Error,
}

#[derive(Debug)]
pub enum E {
    Const(Value),
    Local(u32),
    Boxed(u32),
    Cap(u32),
    Global(u32),
    IntBin(IOp, IntK, Box<E>, Box<E>),
    FloatBin(IOp, Box<E>, Box<E>),
    Concat(Box<E>, Box<E>),
    Cmp(COp, CKind, Box<E>, Box<E>),
    /// A comparison (not of ints) whose operands are both `is_pure_path`: compared where they
    /// are stored, without copying (no reference-count traffic for strings and structs).
    CmpRef(COp, CKind, Box<E>, Box<E>),
    AndAnd(Box<E>, Box<E>),
    OrOr(Box<E>, Box<E>),
    Not(Box<E>),
    Neg(IntK, Box<E>),
    FNeg(Box<E>),
    BitNot(IntK, Box<E>),
    CallDirect(u32, Vec<E>, bool),
    FuncRef(u32),
    /// A call whose arguments include a multi-value call spread into them (`f(g())`).
    CallValue(Box<E>, Vec<E>, bool),
    Index(Box<E>, Box<E>),
    StrIndex(Box<E>, Box<E>),
    Field(Box<E>, u32),
    MapGet(&'static MapRt, Box<E>, Box<E>),
    MapGet2(&'static MapRt, Box<E>, Box<E>),
    SliceOf(Box<E>, Option<Box<E>>, Option<Box<E>>),
    StrSlice(Box<E>, Option<Box<E>>, Option<Box<E>>),
    MakeSliceLit(Vec<E>),
    MakeArray(Vec<E>),
    MakeStruct(Vec<E>),
    MakeMapLit(&'static MapRt, Vec<(E, E)>),
    MakeSlice(Value, Box<E>, Option<Box<E>>),
    MakeMap(&'static MapRt, Option<Box<E>>),
    Closure(Rc<FuncIr>, Vec<CapSrc>),
    Convert(Conv, Box<E>),
    Len(Box<E>),
    CapOf(Box<E>),
    Append(Box<E>, Vec<E>),
    AppendSpread(Box<E>, Box<E>),
    Copy(Box<E>, Box<E>),
    Delete(&'static MapRt, Box<E>, Box<E>),
    Panic(Box<E>, Type),
    Lib(Lib, Vec<E>, Vec<Type>),
    /// Element `i` of a multi-value expression.
    TupleAt(Box<E>, u32),
}

#[derive(Clone, Copy, Debug)]
pub enum CapSrc {
    Local(u32),
    Cap(u32),
}

#[derive(Debug)]
pub enum Place {
    Blank,
    Local(u32),
    Boxed(u32),
    Cap(u32),
    Global(u32),
    /// Slice element: the slice is evaluated as a value (slices share their backing array).
    SliceElem(Box<E>, Box<E>),
    /// Array element: the array is itself a place (arrays are values).
    ArrayElem(Box<Place>, Box<E>),
    Field(Box<Place>, u32),
    MapElem(&'static MapRt, Box<E>, Box<E>),
}

#[derive(Debug)]
pub enum S {
    Expr(E),
    Decl(u32, E, bool),
    Set(Place, E),
    /// Parallel assignment: every right-hand side first, then the stores in order.
    SetMulti(Vec<Place>, Vec<E>),
    /// `a, b = f()` / `v, ok = m[k]`: one multi-valued right-hand side.
    SetTuple(Vec<Place>, E),
    /// `x op= e` (and `++`/`--`): the place is resolved once.
    OpSet(Place, Bin, E),
    If(E, Vec<S>, Vec<S>),
    For(Option<E>, Option<Box<S>>, Vec<S>),
    RangeSlice(Place, Place, E, Vec<S>),
    RangeArray(Place, Place, E, Vec<S>),
    RangeStr(Place, Place, E, Vec<S>),
    RangeMap(Place, Place, bool, E, Vec<S>),
    /// `switch`: the tag (if any) is stored in the slot; each case is a list of conditions.
    Switch(Option<(u32, E)>, Vec<SwitchCase>, Option<usize>),
    Break,
    Continue,
    Return(Vec<E>),
    Block(Vec<S>),
}

#[derive(Debug)]
pub struct SwitchCase {
    pub conds: Vec<E>,
    pub body: Vec<S>,
    pub fallthrough: bool,
}

/// A binary operator as used by `op=`.
#[derive(Clone, Copy, Debug)]
pub enum Bin {
    Int(IOp, IntK),
    Float(IOp),
    Concat,
}

#[derive(Debug, Default)]
pub struct FuncIr {
    pub name: String,
    pub nlocals: u32,
    /// Parameters captured by closures (their slots hold cells).
    pub boxed_params: Vec<u32>,
    pub body: Vec<S>,
}

#[derive(Debug, Default)]
pub struct Program {
    pub funcs: Vec<Rc<FuncIr>>,
    pub nglobals: u32,
    /// Package-level initialisers, run in a frame of `init_locals` slots.
    pub init: Vec<S>,
    pub init_locals: u32,
    pub main: u32,
}

/// Whether `e` names storage: a variable, or fields and elements reached from one. Such an
/// expression can be read in place (`Interp::locate` in interp.rs) instead of copied.
#[inline]
pub fn is_path(e: &E) -> bool {
    match e {
        E::Local(_) | E::Boxed(_) | E::Cap(_) | E::Global(_) => true,
        E::Field(b, _) | E::Index(b, _) => is_path(b),
        _ => false,
    }
}

/// A path whose index operands run no interpreted code and store nothing (variables,
/// constants, integer arithmetic, reads of other such paths): two of them can be located one
/// after the other and both pointers stay valid.
pub fn is_pure_path(e: &E) -> bool {
    fn pure(e: &E) -> bool {
        match e {
            E::Const(_) => true,
            E::IntBin(_, _, a, b) => pure(a) && pure(b),
            _ => is_pure_path(e),
        }
    }
    match e {
        E::Local(_) | E::Boxed(_) | E::Cap(_) | E::Global(_) => true,
        E::Field(b, _) => is_pure_path(b),
        E::Index(b, i) => is_pure_path(b) && pure(i),
        _ => false,
    }
}
