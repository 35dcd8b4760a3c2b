//! Runtime values. Integers and floats are unboxed; strings, slices, structs and arrays share
//! their storage through `Rc` (structs and arrays copy on write, which gives Go's value
//! semantics); maps are gohmap maps behind an `Rc` (see `maps.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::FuncIr;
use crate::maps::MapObj;
use crate::types::Type;

#[derive(Debug, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    /// Every integer kind, as two's-complement bits wrapped to the kind's width.
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Slice(Slice),
    /// Arrays and structs: one allocation holding the elements, copied on write.
    Array(Rc<[Value]>),
    Struct(Rc<[Value]>),
    Map(Option<Rc<MapObj>>),
    Func(Option<Rc<Closure>>),
    Tuple(Rc<Vec<Value>>),
    /// A variable captured by a closure: the slot holds the shared cell.
    Cell(Rc<RefCell<Value>>),
}

impl Clone for Value {
    /// Scalars are copied inline; only reference-counted values take the out-of-line path.
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Bool(b) => Value::Bool(*b),
            _ => self.clone_counted(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_counted(&self) -> Value {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Slice(s) => Value::Slice(s.clone()),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Struct(a) => Value::Struct(a.clone()),
            Value::Map(m) => Value::Map(m.clone()),
            Value::Func(f) => Value::Func(f.clone()),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::Cell(c) => Value::Cell(c.clone()),
        }
    }
}

/// A slice header: backing array, offset and length. `arr` is None for a nil slice.
///
/// The capacity is not stored: a backing array is created exactly as long as the capacity Go
/// gives it and never changes length, and the subset has no three-index slices, so the
/// capacity is always the array's length past `off` (see `cap`). Without it the header is 16
/// bytes and every `Value` 24 instead of 32.
#[derive(Clone, Debug, Default)]
pub struct Slice {
    pub arr: Option<Rc<RefCell<Vec<Value>>>>,
    pub off: u32,
    pub len: u32,
}

pub struct Closure {
    pub func: Rc<FuncIr>,
    pub captures: Vec<Rc<RefCell<Value>>>,
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "func {}", self.func.name)
    }
}

impl Value {
    #[inline]
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            _ => 0,
        }
    }
    #[inline]
    pub fn float(&self) -> f64 {
        match self {
            Value::Float(f) => *f,
            _ => 0.0,
        }
    }
    #[inline]
    pub fn bool(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
    pub fn str(&self) -> &str {
        match self {
            Value::Str(s) => s,
            _ => "",
        }
    }
    pub fn from_str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    /// The slice header this value is (taking it, with no reference-count traffic).
    #[inline]
    pub fn into_slice(self) -> Slice {
        match self {
            Value::Slice(s) => s,
            _ => Slice::default(),
        }
    }
    pub fn slice(&self) -> Slice {
        match self {
            Value::Slice(s) => s.clone(),
            _ => Slice::default(),
        }
    }
}

impl Slice {
    pub fn from_vec(v: Vec<Value>) -> Slice {
        let n = v.len() as u32;
        Slice {
            arr: Some(Rc::new(RefCell::new(v))),
            off: 0,
            len: n,
        }
    }
    /// Go's `cap(s)`: the backing array's length past the slice's start.
    #[inline]
    pub fn cap(&self) -> u32 {
        self.arr
            .as_ref()
            .map_or(0, |a| a.borrow().len() as u32 - self.off)
    }
    /// The elements, cloned (cheap: values share storage).
    pub fn to_vec(&self) -> Vec<Value> {
        match &self.arr {
            None => Vec::new(),
            Some(a) => a.borrow()[self.off as usize..(self.off + self.len) as usize].to_vec(),
        }
    }
    #[inline]
    pub fn get(&self, i: usize) -> Value {
        match &self.arr {
            Some(a) => a.borrow()[self.off as usize + i].clone(),
            None => Value::Nil,
        }
    }
}

/// Go's zero value of `t`.
pub fn zero(t: &Type) -> Value {
    match t {
        Type::Bool | Type::UntypedBool => Value::Bool(false),
        Type::Int(_) | Type::UntypedInt | Type::UntypedRune => Value::Int(0),
        Type::Float | Type::UntypedFloat => Value::Float(0.0),
        Type::Str | Type::UntypedString => Value::Str(empty_str()),
        Type::Slice(_) => Value::Slice(Slice::default()),
        Type::Array(n, e) => Value::Array(Rc::<[Value]>::from(
            (0..*n).map(|_| zero(e)).collect::<Vec<Value>>(),
        )),
        Type::Struct(s) => Value::Struct(Rc::<[Value]>::from(
            s.fields
                .iter()
                .map(|(_, t)| zero(t))
                .collect::<Vec<Value>>(),
        )),
        Type::Map(..) => Value::Map(None),
        Type::Func(_) => Value::Func(None),
        _ => Value::Nil,
    }
}

thread_local! {
    static EMPTY: Rc<str> = Rc::from("");
}

pub fn empty_str() -> Rc<str> {
    EMPTY.with(|e| e.clone())
}

/// `a == b` for values of the same comparable type `t`.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Array(x), Value::Array(y)) | (Value::Struct(x), Value::Struct(y)) => {
            x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::Slice(s), Value::Nil) | (Value::Nil, Value::Slice(s)) => s.arr.is_none(),
        (Value::Map(m), Value::Nil) | (Value::Nil, Value::Map(m)) => m.is_none(),
        (Value::Func(f), Value::Nil) | (Value::Nil, Value::Func(f)) => f.is_none(),
        (Value::Nil, Value::Nil) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interpreter's memory use and speed depend on this (slices of values, struct
    /// storage, frames): a value is a tag and two words.
    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn capacity_is_the_array_past_the_offset() {
        let mut s = Slice::from_vec(vec![Value::Int(0); 5]);
        assert_eq!(s.cap(), 5);
        s.off = 2;
        s.len = 1;
        assert_eq!(s.cap(), 3);
        assert_eq!(Slice::default().cap(), 0);
    }
}
