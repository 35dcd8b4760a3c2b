//! The checker's types.

use std::fmt;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntK {
    Int,
    I8,
    I16,
    I32,
    I64,
    Uint,
    U8,
    U16,
    U32,
    U64,
}

impl IntK {
    pub fn size(self) -> usize {
        match self {
            IntK::I8 | IntK::U8 => 1,
            IntK::I16 | IntK::U16 => 2,
            IntK::I32 | IntK::U32 => 4,
            _ => 8,
        }
    }
    pub fn signed(self) -> bool {
        matches!(
            self,
            IntK::Int | IntK::I8 | IntK::I16 | IntK::I32 | IntK::I64
        )
    }
    /// Wraps an i64 (two's complement bits) to this kind's range, as Go's arithmetic does.
    #[inline]
    pub fn wrap(self, v: i64) -> i64 {
        match self {
            IntK::Int | IntK::I64 | IntK::Uint | IntK::U64 => v,
            IntK::I8 => v as i8 as i64,
            IntK::I16 => v as i16 as i64,
            IntK::I32 => v as i32 as i64,
            IntK::U8 => v as u8 as i64,
            IntK::U16 => v as u16 as i64,
            IntK::U32 => v as u32 as i64,
        }
    }
    /// Whether the exact value `v` is representable.
    pub fn fits(self, v: i128) -> bool {
        let (lo, hi): (i128, i128) = match self {
            IntK::I8 => (i8::MIN as i128, i8::MAX as i128),
            IntK::I16 => (i16::MIN as i128, i16::MAX as i128),
            IntK::I32 => (i32::MIN as i128, i32::MAX as i128),
            IntK::Int | IntK::I64 => (i64::MIN as i128, i64::MAX as i128),
            IntK::U8 => (0, u8::MAX as i128),
            IntK::U16 => (0, u16::MAX as i128),
            IntK::U32 => (0, u32::MAX as i128),
            IntK::Uint | IntK::U64 => (0, u64::MAX as i128),
        };
        lo <= v && v <= hi
    }
    pub fn name(self) -> &'static str {
        match self {
            IntK::Int => "int",
            IntK::I8 => "int8",
            IntK::I16 => "int16",
            IntK::I32 => "int32",
            IntK::I64 => "int64",
            IntK::Uint => "uint",
            IntK::U8 => "uint8",
            IntK::U16 => "uint16",
            IntK::U32 => "uint32",
            IntK::U64 => "uint64",
        }
    }
}

#[derive(Debug)]
pub struct StructT {
    pub name: String,
    pub fields: Vec<(String, Type)>,
    pub id: usize,
}

#[derive(Debug, PartialEq)]
pub struct FuncT {
    pub params: Vec<Type>,
    pub results: Vec<Type>,
    pub variadic: bool,
}

#[derive(Clone, Debug)]
pub enum Type {
    Bool,
    Int(IntK),
    Float,
    Str,
    Slice(Rc<Type>),
    Array(usize, Rc<Type>),
    Map(Rc<Type>, Rc<Type>),
    Struct(Rc<StructT>),
    Func(Rc<FuncT>),
    Tuple(Rc<Vec<Type>>),
    UntypedInt,
    UntypedFloat,
    UntypedRune,
    UntypedString,
    UntypedBool,
    UntypedNil,
    /// The "type" of a call with no results.
    Void,
    /// Go's `error` (nil, or a message).
    Error,
    /// Library types the program can hold but not inspect (`*bufio.Scanner`, `any`, ...).
    Opaque(&'static str),
}

impl PartialEq for Type {
    fn eq(&self, o: &Type) -> bool {
        use Type::*;
        match (self, o) {
            (Bool, Bool) | (Float, Float) | (Str, Str) | (Void, Void) | (Error, Error) => true,
            (Opaque(a), Opaque(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Slice(a), Slice(b)) => a == b,
            (Array(n, a), Array(m, b)) => n == m && a == b,
            (Map(k, v), Map(k2, v2)) => k == k2 && v == v2,
            // Named structs are identical only to themselves; anonymous ones by structure.
            (Struct(a), Struct(b)) => {
                a.id == b.id
                    || (a.name.is_empty()
                        && b.name.is_empty()
                        && a.fields.len() == b.fields.len()
                        && a.fields
                            .iter()
                            .zip(&b.fields)
                            .all(|(x, y)| x.0 == y.0 && x.1 == y.1))
            }
            (Func(a), Func(b)) => a == b,
            (Tuple(a), Tuple(b)) => a == b,
            (UntypedInt, UntypedInt)
            | (UntypedFloat, UntypedFloat)
            | (UntypedRune, UntypedRune)
            | (UntypedString, UntypedString)
            | (UntypedBool, UntypedBool)
            | (UntypedNil, UntypedNil) => true,
            _ => false,
        }
    }
}

impl Type {
    pub fn is_untyped(&self) -> bool {
        matches!(
            self,
            Type::UntypedInt
                | Type::UntypedFloat
                | Type::UntypedRune
                | Type::UntypedString
                | Type::UntypedBool
                | Type::UntypedNil
        )
    }
    /// The type an untyped constant takes when nothing else decides (`x := 1`).
    pub fn default_type(&self) -> Type {
        match self {
            Type::UntypedInt => Type::Int(IntK::Int),
            Type::UntypedFloat => Type::Float,
            Type::UntypedRune => Type::Int(IntK::I32),
            Type::UntypedString => Type::Str,
            Type::UntypedBool => Type::Bool,
            t => t.clone(),
        }
    }
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Type::Int(_) | Type::Float | Type::UntypedInt | Type::UntypedFloat | Type::UntypedRune
        )
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Int(_) | Type::UntypedInt | Type::UntypedRune)
    }
    pub fn is_string(&self) -> bool {
        matches!(self, Type::Str | Type::UntypedString)
    }
    pub fn is_bool(&self) -> bool {
        matches!(self, Type::Bool | Type::UntypedBool)
    }
    /// Whether == is defined (Go's comparable types, plus nil comparisons handled elsewhere).
    pub fn comparable(&self) -> bool {
        match self {
            Type::Slice(_) | Type::Map(..) | Type::Func(_) | Type::Tuple(_) | Type::Void => false,
            Type::Opaque(_) => false,
            Type::Array(_, e) => e.comparable(),
            Type::Struct(s) => s.fields.iter().all(|(_, t)| t.comparable()),
            _ => true,
        }
    }
    pub fn nilable(&self) -> bool {
        matches!(
            self,
            Type::Slice(_) | Type::Map(..) | Type::Func(_) | Type::Error | Type::Opaque(_)
        )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => write!(f, "bool"),
            Type::Int(k) => write!(f, "{}", k.name()),
            Type::Float => write!(f, "float64"),
            Type::Str => write!(f, "string"),
            Type::Slice(e) => write!(f, "[]{e}"),
            Type::Array(n, e) => write!(f, "[{n}]{e}"),
            Type::Map(k, v) => write!(f, "map[{k}]{v}"),
            Type::Struct(s) if !s.name.is_empty() => write!(f, "{}", s.name),
            Type::Struct(s) => {
                write!(f, "struct{{")?;
                for (i, (n, t)) in s.fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{n} {t}")?;
                }
                write!(f, "}}")
            }
            Type::Func(ft) => {
                write!(f, "func(")?;
                for (i, p) in ft.params.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if ft.variadic
                        && i == ft.params.len() - 1
                        && let Type::Slice(e) = p
                    {
                        write!(f, "...{e}")?;
                        continue;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, ")")?;
                match ft.results.len() {
                    0 => Ok(()),
                    1 => write!(f, " {}", ft.results[0]),
                    _ => {
                        write!(f, " (")?;
                        for (i, r) in ft.results.iter().enumerate() {
                            if i > 0 {
                                write!(f, ", ")?;
                            }
                            write!(f, "{r}")?;
                        }
                        write!(f, ")")
                    }
                }
            }
            Type::Tuple(ts) => {
                write!(f, "(")?;
                for (i, r) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{r}")?;
                }
                write!(f, ")")
            }
            Type::UntypedInt => write!(f, "untyped int"),
            Type::UntypedFloat => write!(f, "untyped float"),
            Type::UntypedRune => write!(f, "untyped rune"),
            Type::UntypedString => write!(f, "untyped string"),
            Type::UntypedBool => write!(f, "untyped bool"),
            Type::UntypedNil => write!(f, "untyped nil"),
            Type::Void => write!(f, "no value"),
            Type::Error => write!(f, "error"),
            Type::Opaque(n) => write!(f, "{n}"),
        }
    }
}
