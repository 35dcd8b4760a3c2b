//! The gohmap glue: per-map-type descriptors, the raw layout of keys and elems in bucket
//! memory, and the map operations the interpreter lowers `m[k]`, `delete`, `len` and `range` to.
//!
//! Layout. Every Go value has a fixed-size raw encoding (`Enc`): integers at their own width,
//! float64 as 8 bytes, bool as 1 byte, a string as Go's `{ptr, len}` header, a slice as
//! `{ptr, off u32, len u32}` (its capacity is its array's, see `Slice`), maps and funcs as one
//! pointer (null = nil), structs and arrays as their fields at naturally aligned offsets. All-zero bytes decode to Go's zero
//! value, which is exactly what gohmap hands back for a new or missing entry.
//!
//! Ownership. Pointers in an *elem* are counted references (`Rc::into_raw`); the map entry owns
//! them and they are released on overwrite, delete and when the map is freed. A *key* is
//! encoded without counts (the map must only hash and compare it), so a key that contains
//! strings gets an "owner" copy at the end of its elem slot: the same bytes, counted. The map
//! keeps the owner in step with the stored key (gohmap overwrites stored string keys on update,
//! NEEDKEYUPDATE), and `range` decodes keys from the owner.

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;

use gohmap::consts::{TYPE_NEED_KEY_UPDATE, TYPE_REFLEXIVE_KEY};
use gohmap::ffi::*;
use gohmap::hash::{self, GoString};
use gohmap::iter::Hiter;
use gohmap::{Hmap, KeyKind, MapType};

use crate::types::{IntK, Type};
use crate::value::{Closure, Slice, Value, empty_str};

/// How one Go type is laid out in raw memory.
#[derive(Debug)]
pub enum Enc {
    Bool,
    Int(IntK),
    Float,
    Str,
    Slice,
    Map,
    Func,
    Struct(Vec<(usize, Enc)>),
    Array(usize, usize, Box<Enc>),
}

/// An encoding with its size and what it contains.
#[derive(Debug)]
pub struct Lay {
    pub enc: Enc,
    pub size: usize,
    pub align: usize,
    /// Holds counted pointers when owned (strings, slices, maps, funcs).
    pub refs: bool,
    pub floats: bool,
    pub strings: bool,
    /// Plain memory: no floats, strings, pointers or padding (Go's AMEM class).
    pub plain: bool,
}

pub fn layout(t: &Type) -> Lay {
    let leaf = |enc, size: usize, refs, floats, strings| Lay {
        enc,
        size,
        align: size.clamp(1, 8),
        refs,
        floats,
        strings,
        plain: !refs && !floats,
    };
    match t {
        Type::Bool => leaf(Enc::Bool, 1, false, false, false),
        Type::Int(k) => leaf(Enc::Int(*k), k.size(), false, false, false),
        Type::Float => leaf(Enc::Float, 8, false, true, false),
        Type::Str => leaf(Enc::Str, 16, true, false, true),
        Type::Slice(_) => leaf(Enc::Slice, 16, true, false, false),
        Type::Map(..) => leaf(Enc::Map, 8, true, false, false),
        Type::Func(_) => leaf(Enc::Func, 8, true, false, false),
        Type::Struct(s) => {
            let mut fields = Vec::new();
            let (mut off, mut align, mut refs, mut floats, mut strings, mut plain) =
                (0usize, 1usize, false, false, false, true);
            let mut packed = 0;
            for (_, ft) in &s.fields {
                let l = layout(ft);
                off = off.next_multiple_of(l.align);
                align = align.max(l.align);
                refs |= l.refs;
                floats |= l.floats;
                strings |= l.strings;
                plain &= l.plain;
                packed += l.size;
                fields.push((off, l.enc));
                off += l.size;
            }
            let size = off.next_multiple_of(align);
            Lay {
                enc: Enc::Struct(fields),
                size,
                align,
                refs,
                floats,
                strings,
                plain: plain && packed == size,
            }
        }
        Type::Array(n, e) => {
            let l = layout(e);
            Lay {
                size: l.size * n,
                align: l.align,
                refs: l.refs && *n > 0,
                floats: l.floats,
                strings: l.strings && *n > 0,
                plain: l.plain,
                enc: Enc::Array(*n, l.size, Box::new(l.enc)),
            }
        }
        _ => leaf(Enc::Bool, 0, false, false, false),
    }
}

/// Which entry points a map type uses, chosen as Go's compiler chooses (spec §3.9).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Route {
    Fast32,
    Fast64,
    FastStr,
    Generic,
}

/// Everything the interpreter needs for one map type; built once per type at check time and
/// leaked (descriptors must outlive every map made with them).
impl std::fmt::Debug for MapRt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "maptype({:?})", self.route)
    }
}

pub struct MapRt {
    pub t: MapType,
    pub key: Lay,
    pub val: Lay,
    /// Offset of the owner copy of the key inside the elem slot (keys with strings).
    pub owner_off: Option<usize>,
    pub slot_size: usize,
    pub route: Route,
    /// Zero elem for the `_fat` lookups (elems over 1024 bytes).
    zero: Vec<u64>,
}

const ZERO_SIZE: usize = 1024;

pub fn maptype(k: &Type, v: &Type) -> &'static MapRt {
    let key = layout(k);
    let val = layout(v);
    let owner_off = key.strings.then(|| val.size.next_multiple_of(8));
    let slot_size = owner_off.map_or(val.size, |o| o + key.size);
    let slot_align = if owner_off.is_some() {
        val.align.max(8)
    } else {
        val.align
    };
    let slot_size = slot_size.next_multiple_of(slot_align);
    let single_string = matches!(key.enc, Enc::Str)
        || matches!(&key.enc, Enc::Struct(f) if f.len() == 1 && matches!(f[0].1, Enc::Str))
        || matches!(&key.enc, Enc::Array(1, _, e) if matches!(**e, Enc::Str));
    let kind = if single_string {
        Some(KeyKind::String)
    } else if key.plain && key.size == 4 {
        Some(KeyKind::U32)
    } else if key.plain && key.size == 8 {
        Some(KeyKind::U64)
    } else if key.plain && key.size == 1 {
        Some(KeyKind::U8)
    } else if key.plain && key.size == 2 {
        Some(KeyKind::U16)
    } else if matches!(key.enc, Enc::Float) {
        Some(KeyKind::F64)
    } else {
        None
    };
    let t = match kind {
        Some(kind) => MapType::for_kind(kind, slot_size, slot_align),
        None => {
            let mut flags = 0;
            if !key.floats {
                flags |= TYPE_REFLEXIVE_KEY;
            }
            if key.floats || key.strings {
                flags |= TYPE_NEED_KEY_UPDATE;
            }
            // The hasher gets the key's encoding as its context; leaked with the descriptor.
            let enc: &'static Enc = Box::leak(Box::new(layout(k).enc));
            MapType::with_ctx(
                key.size,
                key.align,
                slot_size,
                slot_align,
                hash_ctx,
                equal_ctx,
                enc as *const Enc as *mut c_void,
                flags,
            )
        }
    }
    .expect("gomini builds only valid map descriptors");
    let route = match t.fast {
        1 => Route::Fast32,
        2 => Route::Fast64,
        3 => Route::FastStr,
        _ => Route::Generic,
    };
    let zero = vec![0u64; slot_size.div_ceil(8).max(1)];
    Box::leak(Box::new(MapRt {
        t,
        key,
        val,
        owner_off,
        slot_size,
        route,
        zero,
    }))
}

// ---- hashing composite keys ---------------------------------------------------------------

/// The hasher of composite and other non-standard keys: each component hashed by gohmap's own
/// function for its kind, chained through the seed as Go's generated struct hashers do.
unsafe extern "C-unwind" fn hash_ctx(key: *const c_void, seed: usize, ctx: *mut c_void) -> usize {
    // SAFETY: ctx is the leaked `Enc` this descriptor was built with; key points at a key of it.
    unsafe { hash_enc(&*(ctx as *const Enc), key.cast(), seed) }
}

unsafe fn hash_enc(e: &Enc, p: *const u8, seed: usize) -> usize {
    // SAFETY: `p` points at a key encoded with `e`.
    unsafe {
        match e {
            Enc::Bool => hash::memhash8(p.cast(), seed),
            Enc::Int(k) => hash::memhash(p.cast(), seed, k.size()),
            Enc::Float => hash::f64hash(p.cast(), seed),
            Enc::Str => hash::strhash(p.cast(), seed),
            Enc::Struct(fs) => fs
                .iter()
                .fold(seed, |h, (off, fe)| hash_enc(fe, p.add(*off), h)),
            Enc::Array(n, stride, fe) => {
                (0..*n).fold(seed, |h, i| hash_enc(fe, p.add(i * stride), h))
            }
            Enc::Slice | Enc::Map | Enc::Func => seed,
        }
    }
}

unsafe extern "C-unwind" fn equal_ctx(
    a: *const c_void,
    b: *const c_void,
    ctx: *mut c_void,
) -> bool {
    // SAFETY: as for hash_ctx; both keys are encoded with the context's `Enc`.
    unsafe { equal_enc(&*(ctx as *const Enc), a.cast(), b.cast()) }
}

unsafe fn equal_enc(e: &Enc, a: *const u8, b: *const u8) -> bool {
    // SAFETY: `a` and `b` point at keys encoded with `e`.
    unsafe {
        match e {
            Enc::Bool => *a == *b,
            Enc::Int(k) => hash::memequal(a.cast(), b.cast(), k.size()),
            Enc::Float => a.cast::<f64>().read_unaligned() == b.cast::<f64>().read_unaligned(),
            Enc::Str => hash::strequal(a.cast(), b.cast()),
            Enc::Struct(fs) => fs
                .iter()
                .all(|(off, fe)| equal_enc(fe, a.add(*off), b.add(*off))),
            Enc::Array(n, stride, fe) => {
                (0..*n).all(|i| equal_enc(fe, a.add(i * stride), b.add(i * stride)))
            }
            Enc::Slice | Enc::Map | Enc::Func => true,
        }
    }
}

// ---- encoding and decoding -----------------------------------------------------------------

/// Writes `v` at `p`. `owned`: take counted references (elems, owners) or borrow (keys).
///
/// # Safety
/// `p` points at `layout.size` writable bytes holding no live references.
pub unsafe fn write(e: &Enc, p: *mut u8, v: &Value, owned: bool) {
    // SAFETY: `p` has room for the encoding; each arm writes within it.
    unsafe {
        match e {
            Enc::Bool => *p = v.bool() as u8,
            Enc::Int(k) => {
                let x = v.int();
                match k.size() {
                    1 => *p = x as u8,
                    2 => p.cast::<u16>().write_unaligned(x as u16),
                    4 => p.cast::<u32>().write_unaligned(x as u32),
                    _ => p.cast::<i64>().write_unaligned(x),
                }
            }
            Enc::Float => p.cast::<f64>().write_unaligned(v.float()),
            Enc::Str => {
                let s = match v {
                    Value::Str(s) => s.clone(),
                    _ => empty_str(),
                };
                let len = s.len() as isize;
                let ptr = if owned {
                    Rc::into_raw(s) as *const u8
                } else {
                    s.as_ptr()
                };
                p.cast::<GoString>().write_unaligned(GoString { ptr, len });
            }
            Enc::Slice => {
                let s = v.slice();
                let ptr = match s.arr {
                    Some(a) => Rc::into_raw(a) as usize,
                    None => 0,
                };
                p.cast::<usize>().write_unaligned(ptr);
                p.add(8).cast::<u32>().write_unaligned(s.off);
                p.add(12).cast::<u32>().write_unaligned(s.len);
            }
            Enc::Map => {
                let ptr = match v {
                    Value::Map(Some(m)) => Rc::into_raw(m.clone()) as usize,
                    _ => 0,
                };
                p.cast::<usize>().write_unaligned(ptr);
            }
            Enc::Func => {
                let ptr = match v {
                    Value::Func(Some(f)) => Rc::into_raw(f.clone()) as usize,
                    _ => 0,
                };
                p.cast::<usize>().write_unaligned(ptr);
            }
            Enc::Struct(fs) => {
                if let Value::Struct(vals) = v {
                    for ((off, fe), fv) in fs.iter().zip(vals.iter()) {
                        write(fe, p.add(*off), fv, owned);
                    }
                }
            }
            Enc::Array(_, stride, fe) => {
                if let Value::Array(vals) = v {
                    for (i, ev) in vals.iter().enumerate() {
                        write(fe, p.add(i * stride), ev, owned);
                    }
                }
            }
        }
    }
}

/// Reads the value at `p` (an owned encoding, or all zeros), taking new references.
///
/// # Safety
/// `p` points at an owned encoding written by `write`, or zeros.
pub unsafe fn read(e: &Enc, p: *const u8) -> Value {
    // SAFETY: each counted pointer read here was made by `Rc::into_raw` in
    // `write` and is still owned by the slot, so incrementing and rebuilding an Rc is sound.
    unsafe {
        match e {
            Enc::Bool => Value::Bool(*p != 0),
            Enc::Int(k) => Value::Int(match k {
                IntK::I8 => *p as i8 as i64,
                IntK::U8 => *p as i64,
                IntK::I16 => p.cast::<i16>().read_unaligned() as i64,
                IntK::U16 => p.cast::<u16>().read_unaligned() as i64,
                IntK::I32 => p.cast::<i32>().read_unaligned() as i64,
                IntK::U32 => p.cast::<u32>().read_unaligned() as i64,
                _ => p.cast::<i64>().read_unaligned(),
            }),
            Enc::Float => Value::Float(p.cast::<f64>().read_unaligned()),
            Enc::Str => {
                let g = p.cast::<GoString>().read_unaligned();
                if g.ptr.is_null() {
                    return Value::Str(empty_str());
                }
                let fat = std::ptr::slice_from_raw_parts(g.ptr, g.len as usize) as *const str;
                Rc::increment_strong_count(fat);
                Value::Str(Rc::from_raw(fat))
            }
            Enc::Slice => {
                let ptr = p.cast::<usize>().read_unaligned() as *const RefCell<Vec<Value>>;
                let arr = (!ptr.is_null()).then(|| {
                    Rc::increment_strong_count(ptr);
                    Rc::from_raw(ptr)
                });
                Value::Slice(Slice {
                    arr,
                    off: p.add(8).cast::<u32>().read_unaligned(),
                    len: p.add(12).cast::<u32>().read_unaligned(),
                })
            }
            Enc::Map => {
                let ptr = p.cast::<usize>().read_unaligned() as *const MapObj;
                Value::Map((!ptr.is_null()).then(|| {
                    Rc::increment_strong_count(ptr);
                    Rc::from_raw(ptr)
                }))
            }
            Enc::Func => {
                let ptr = p.cast::<usize>().read_unaligned() as *const Closure;
                Value::Func((!ptr.is_null()).then(|| {
                    Rc::increment_strong_count(ptr);
                    Rc::from_raw(ptr)
                }))
            }
            Enc::Struct(fs) => Value::Struct(Rc::<[Value]>::from(
                fs.iter()
                    .map(|(off, fe)| read(fe, p.add(*off)))
                    .collect::<Vec<Value>>(),
            )),
            Enc::Array(n, stride, fe) => Value::Array(Rc::<[Value]>::from(
                (0..*n)
                    .map(|i| read(fe, p.add(i * stride)))
                    .collect::<Vec<Value>>(),
            )),
        }
    }
}

/// Drops the references an owned encoding at `p` holds (the bytes are left as they are).
///
/// # Safety
/// As for `read`; afterwards the bytes must be overwritten or discarded, not read.
pub unsafe fn release(e: &Enc, p: *const u8) {
    // SAFETY: as in `read`, each non-null pointer is one counted reference
    // owned by the slot; rebuilding the Rc and dropping it gives that reference back.
    unsafe {
        match e {
            Enc::Str => {
                let g = p.cast::<GoString>().read_unaligned();
                if !g.ptr.is_null() {
                    let fat = std::ptr::slice_from_raw_parts(g.ptr, g.len as usize) as *const str;
                    drop(Rc::from_raw(fat));
                }
            }
            Enc::Slice => {
                let ptr = p.cast::<usize>().read_unaligned() as *const RefCell<Vec<Value>>;
                if !ptr.is_null() {
                    drop(Rc::from_raw(ptr));
                }
            }
            Enc::Map => {
                let ptr = p.cast::<usize>().read_unaligned() as *const MapObj;
                if !ptr.is_null() {
                    drop(Rc::from_raw(ptr));
                }
            }
            Enc::Func => {
                let ptr = p.cast::<usize>().read_unaligned() as *const Closure;
                if !ptr.is_null() {
                    drop(Rc::from_raw(ptr));
                }
            }
            Enc::Struct(fs) => {
                for (off, fe) in fs {
                    release(fe, p.add(*off));
                }
            }
            Enc::Array(n, stride, fe) => {
                for i in 0..*n {
                    release(fe, p.add(i * stride));
                }
            }
            Enc::Bool | Enc::Int(_) | Enc::Float => {}
        }
    }
}

// ---- maps ----------------------------------------------------------------------------------

/// A live map: a gohmap header and its type. Freed (entries released, then `mapfree`) when
/// the last `Rc` goes. Cycles through closures or nested maps are not collected.
pub struct MapObj {
    pub h: *mut Hmap,
    pub rt: &'static MapRt,
}

impl std::fmt::Debug for MapObj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "map({})", self.len())
    }
}

/// A key encoded into raw bytes for the generic routines (on the stack when it fits).
struct KeyBuf {
    small: [u64; 16],
    big: Vec<u64>,
}

impl KeyBuf {
    /// A zeroed buffer big enough for `rt`'s keys.
    #[inline(always)]
    fn zeroed(rt: &MapRt) -> KeyBuf {
        KeyBuf {
            small: [0; 16],
            big: if rt.key.size > 128 {
                vec![0; rt.key.size.div_ceil(8)]
            } else {
                Vec::new()
            },
        }
    }
    /// Encodes `k` into the buffer and returns where. (Filled in place rather than built
    /// and returned, which copied the whole buffer on every generic-route operation.)
    #[inline(always)]
    fn key(&mut self, rt: &MapRt, k: &Value) -> *mut u8 {
        let p = if self.big.is_empty() {
            self.small.as_mut_ptr().cast()
        } else {
            self.big.as_mut_ptr().cast()
        };
        // SAFETY: the buffer has key.size zeroed bytes; keys are written borrowed (no counts).
        unsafe { write(&rt.key.enc, p, k, false) };
        p
    }
}

#[inline]
fn gostr(k: &Value) -> GoString {
    match k {
        Value::Str(s) => GoString {
            ptr: s.as_ptr(),
            len: s.len() as isize,
        },
        Value::Struct(v) | Value::Array(v) => gostr(&v[0]),
        _ => GoString {
            ptr: std::ptr::null(),
            len: 0,
        },
    }
}

#[inline]
fn key32(rt: &MapRt, k: &Value) -> u32 {
    match k {
        Value::Int(i) => *i as u32,
        _ => {
            let mut b = KeyBuf::zeroed(rt);
            let kp = b.key(rt, k);
            // SAFETY: 4 key bytes were written into the buffer.
            unsafe { kp.cast::<u32>().read_unaligned() }
        }
    }
}

#[inline]
fn key64(rt: &MapRt, k: &Value) -> u64 {
    match k {
        Value::Int(i) => *i as u64,
        _ => {
            let mut b = KeyBuf::zeroed(rt);
            let kp = b.key(rt, k);
            // SAFETY: 8 key bytes were written into the buffer.
            unsafe { kp.cast::<u64>().read_unaligned() }
        }
    }
}

/// `mapaccess2` by the type's route: the elem slot (or the zero value) and whether found.
///
/// # Safety
/// `h` is null or a live map of `rt`.
#[inline]
pub unsafe fn access(rt: &'static MapRt, h: *mut Hmap, k: &Value) -> (*const u8, bool) {
    let mut ok = false;
    let t = &rt.t;
    // SAFETY: `t` is the map's validated descriptor, `h` null or its live map, and every key
    // argument is a key of the descriptor's family (borrowed string bytes outlive the call).
    let p = unsafe {
        match rt.route {
            Route::Fast32 => gohmap_mapaccess2_fast32(t, h, key32(rt, k), &mut ok),
            Route::Fast64 => gohmap_mapaccess2_fast64(t, h, key64(rt, k), &mut ok),
            Route::FastStr => gohmap_mapaccess2_faststr(t, h, gostr(k), &mut ok),
            Route::Generic => {
                let mut b = KeyBuf::zeroed(rt);
                let kp = b.key(rt, k);
                if rt.slot_size > ZERO_SIZE {
                    gohmap_mapaccess2_fat(t, h, kp.cast(), rt.zero.as_ptr().cast(), &mut ok)
                } else {
                    gohmap_mapaccess2(t, h, kp.cast(), &mut ok)
                }
            }
        }
    };
    (p as *const u8, ok)
}

/// `v, ok := m[k]`.
///
/// # Safety
/// As for `access`.
pub unsafe fn get(rt: &'static MapRt, h: *mut Hmap, k: &Value) -> (Value, bool) {
    // SAFETY: caller's promise; the slot is read before any other call on the map.
    unsafe {
        let (p, ok) = access(rt, h, k);
        (read(&rt.val.enc, p), ok)
    }
}

/// `mapassign` by route: the elem slot for `k` (its owner copy updated). A nil map goes to
/// gohmap too, whose panic handler ends the program with Go's message.
///
/// # Safety
/// As for `access`. The slot is valid until the next write to the map.
#[inline]
pub unsafe fn assign(rt: &'static MapRt, h: *mut Hmap, k: &Value) -> *mut u8 {
    let t = &rt.t;
    // SAFETY: as in `access`.
    let p = unsafe {
        match rt.route {
            Route::Fast32 => gohmap_mapassign_fast32(t, h, key32(rt, k)),
            Route::Fast64 => gohmap_mapassign_fast64(t, h, key64(rt, k)),
            Route::FastStr => gohmap_mapassign_faststr(t, h, gostr(k)),
            Route::Generic => {
                let mut b = KeyBuf::zeroed(rt);
                let kp = b.key(rt, k);
                gohmap_mapassign(t, h, kp.cast())
            }
        }
    }
    .cast::<u8>();
    if p.is_null() {
        crate::interp::go_panic("assignment to entry in nil map");
    }
    if let Some(off) = rt.owner_off {
        // SAFETY: the slot is `slot_size` bytes; the owner region holds zeros (new entry) or
        // the owned copy of the previously stored key, which we replace. The stored key now
        // points at `k`'s bytes, so the owner must hold `k`.
        unsafe {
            let o = p.add(off);
            let same = matches!(rt.key.enc, Enc::Str)
                && o.cast::<GoString>().read_unaligned().ptr == gostr(k).ptr;
            if !same {
                release(&rt.key.enc, o);
                write(&rt.key.enc, o, k, true);
            }
        }
    }
    p
}

/// `m[k] = v`.
///
/// # Safety
/// As for `access`.
pub unsafe fn set(rt: &'static MapRt, h: *mut Hmap, k: &Value, v: &Value) {
    // SAFETY: the slot from assign holds an owned encoding (or zeros); replace it.
    unsafe {
        let p = assign(rt, h, k);
        if rt.val.refs {
            release(&rt.val.enc, p);
        }
        write(&rt.val.enc, p, v, true);
    }
}

/// `delete(m, k)`: releases the entry's references after gohmap has removed it (the stored key
/// may point into the owner's strings until then).
///
/// # Safety
/// As for `access`.
pub unsafe fn delete(rt: &'static MapRt, h: *mut Hmap, k: &Value) {
    let t = &rt.t;
    let mut saved: Vec<u64> = Vec::new();
    if rt.val.refs || rt.owner_off.is_some() {
        // SAFETY: caller's promise; a found slot has slot_size readable bytes.
        unsafe {
            let (p, ok) = access(rt, h, k);
            if !ok {
                return;
            }
            saved = vec![0u64; rt.slot_size.div_ceil(8)];
            std::ptr::copy_nonoverlapping(p, saved.as_mut_ptr().cast::<u8>(), rt.slot_size);
        }
    }
    // SAFETY: as in `access`.
    unsafe {
        match rt.route {
            Route::Fast32 => gohmap_mapdelete_fast32(t, h, key32(rt, k)),
            Route::Fast64 => gohmap_mapdelete_fast64(t, h, key64(rt, k)),
            Route::FastStr => gohmap_mapdelete_faststr(t, h, gostr(k)),
            Route::Generic => {
                let mut b = KeyBuf::zeroed(rt);
                let kp = b.key(rt, k);
                gohmap_mapdelete(t, h, kp.cast())
            }
        }
    }
    if !saved.is_empty() {
        // SAFETY: `saved` is the removed entry's slot, whose references we now own.
        unsafe { release_slot(rt, saved.as_ptr().cast()) };
    }
}

/// Releases an elem slot's references: the elem and the owner copy of the key.
unsafe fn release_slot(rt: &MapRt, p: *const u8) {
    // SAFETY: `p` is a slot of `rt` whose references the caller owns.
    unsafe {
        if rt.val.refs {
            release(&rt.val.enc, p);
        }
        if let Some(off) = rt.owner_off {
            release(&rt.key.enc, p.add(off));
        }
    }
}

/// Maps made and not yet freed (reported by `GOMINI_MEMSTATS=1`, checked by the tests).
pub static LIVE_MAPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl MapObj {
    pub fn new(rt: &'static MapRt, hint: i64) -> MapObj {
        // SAFETY: the descriptor is valid and leaked (outlives the map).
        let h = unsafe { gohmap_makemap(&rt.t, hint as isize, std::ptr::null_mut()) };
        if h.is_null() {
            crate::interp::go_panic("makemap: out of memory");
        }
        LIVE_MAPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        MapObj { h, rt }
    }
    pub fn len(&self) -> usize {
        // SAFETY: `h` is live for as long as self.
        unsafe { gohmap_maplen(self.h) as usize }
    }
}

impl Drop for MapObj {
    fn drop(&mut self) {
        LIVE_MAPS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let rt = self.rt;
        if rt.val.refs || rt.owner_off.is_some() {
            // Copy every slot out first: releasing an owner frees string bytes the stored keys
            // point into, and the map may still look at keys until it is freed.
            let mut saved: Vec<u64> = Vec::new();
            let words = rt.slot_size.div_ceil(8);
            let mut it = Box::new(Hiter::done());
            // SAFETY: the map is live; the boxed iterator does not move while in use.
            unsafe {
                gohmap_mapiterinit(&rt.t, self.h, &mut *it);
                while !it.key.is_null() {
                    let at = saved.len();
                    saved.resize(at + words, 0);
                    std::ptr::copy_nonoverlapping(
                        it.elem.cast_const(),
                        saved.as_mut_ptr().add(at).cast::<u8>(),
                        rt.slot_size,
                    );
                    gohmap_mapiternext(&mut *it);
                }
                gohmap_mapiterdone(&mut *it);
                gohmap_mapfree(&rt.t, self.h);
                if words > 0 {
                    for chunk in saved.chunks(words) {
                        release_slot(rt, chunk.as_ptr().cast());
                    }
                }
            }
        } else {
            // SAFETY: no iterator of ours is live (range loops hold an Rc to the map).
            unsafe { gohmap_mapfree(&rt.t, self.h) };
        }
    }
}

/// A `range` over a map: gohmap's iterator (boxed: it must not move), plus a reference that
/// keeps the map alive. Dropping it early (break, return) calls `mapiterdone`.
pub struct MapIter {
    it: Box<Hiter>,
    map: Rc<MapObj>,
    started: bool,
}

impl MapIter {
    pub fn new(map: Rc<MapObj>) -> MapIter {
        let mut it = Box::new(Hiter::done());
        // SAFETY: the map is live (we hold it) and the iterator is boxed.
        unsafe { gohmap_mapiterinit(&map.rt.t, map.h, &mut *it) };
        MapIter {
            it,
            map,
            started: false,
        }
    }
    /// Steps (except the first time: `mapiterinit` already stood on the first entry) and
    /// decodes the current entry. As in Go's compiled loops, the step happens after the
    /// previous body ran, so the body's deletes and updates are seen by the iteration.
    pub fn next_entry(&mut self, want_val: bool) -> Option<(Value, Value)> {
        if self.started {
            // SAFETY: the boxed iterator belongs to this live map.
            unsafe { gohmap_mapiternext(&mut *self.it) };
        }
        self.started = true;
        if self.it.key.is_null() {
            return None;
        }
        let rt = self.map.rt;
        // SAFETY: key/elem are valid until the next step or write; we decode them now.
        unsafe {
            let k = match rt.owner_off {
                Some(off) => read(&rt.key.enc, self.it.elem.add(off)),
                None => read(&rt.key.enc, self.it.key),
            };
            let v = if want_val {
                read(&rt.val.enc, self.it.elem)
            } else {
                Value::Nil
            };
            Some((k, v))
        }
    }
}

impl Drop for MapIter {
    fn drop(&mut self) {
        // SAFETY: idempotent, and a no-op after the natural end.
        unsafe { gohmap_mapiterdone(&mut *self.it) };
    }
}

/// `GOMINI_DEBUG=maps`: a line about the map's shape from `gohmap_mapstats`, which fmt writes to
/// stderr whenever it prints a map (stdout stays exactly Go's).
pub fn debug_line(m: &MapObj) -> String {
    let mut s = gohmap::raw::MapStats::default();
    // SAFETY: a live map of its descriptor; nothing writes to it during the call.
    unsafe { gohmap_mapstats(&m.rt.t, m.h, &mut s) };
    let grow = ["", ", doubling", ", same-size grow", ", shrinking"][usize::from(s.grow_kind & 3)];
    format!(
        "gomini: map len {} B {} buckets {} overflow {} bytes {} load {:.2} longest chain {}{}",
        s.count, s.b, s.buckets, s.overflow, s.bytes, s.load, s.longest_chain, grow
    )
}

/// Whether `GOMINI_DEBUG` asks for map statistics (read once).
pub fn debug_maps() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("GOMINI_DEBUG").is_ok_and(|v| v.split(',').any(|w| w == "maps"))
    })
}

/// All entries, for fmt (which sorts them) and the like.
pub fn entries(m: &Rc<MapObj>) -> Vec<(Value, Value)> {
    let mut it = MapIter::new(m.clone());
    let mut v = Vec::new();
    while let Some(e) = it.next_entry(true) {
        v.push(e);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc as R;

    fn st(fields: Vec<Type>) -> Type {
        Type::Struct(R::new(crate::types::StructT {
            name: "s".into(),
            fields: fields
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("f{i}"), t))
                .collect(),
            id: 1,
        }))
    }

    /// Key kinds choose the routine as Go's compiler does (spec §3.9).
    #[test]
    fn routes_follow_go() {
        let int = Type::Int(IntK::Int);
        let i32t = Type::Int(IntK::I32);
        let cases = [
            (int.clone(), Route::Fast64),
            (Type::Int(IntK::U64), Route::Fast64),
            (i32t.clone(), Route::Fast32),
            (Type::Int(IntK::U32), Route::Fast32),
            (Type::Str, Route::FastStr),
            (st(vec![Type::Str]), Route::FastStr),
            (Type::Array(1, R::new(Type::Str)), Route::FastStr),
            (Type::Array(4, R::new(Type::Int(IntK::U8))), Route::Fast32),
            (st(vec![i32t.clone(), i32t.clone()]), Route::Fast64),
            (Type::Float, Route::Generic),
            (Type::Bool, Route::Generic),
            (Type::Int(IntK::I16), Route::Generic),
            (st(vec![int.clone(), int.clone()]), Route::Generic),
            (st(vec![Type::Int(IntK::I8), i32t.clone()]), Route::Generic), // padding
            (st(vec![Type::Str, int.clone()]), Route::Generic),
        ];
        for (k, want) in cases {
            assert_eq!(maptype(&k, &int).route, want, "key {k}");
        }
        // Elems over 128 bytes take the generic routines whatever the key.
        assert_eq!(
            maptype(&int, &Type::Array(17, R::new(int.clone()))).route,
            Route::Generic
        );
        // Keys with strings carry an owner copy in the elem slot.
        let rt = maptype(&Type::Str, &int);
        assert_eq!((rt.owner_off, rt.slot_size), (Some(8), 24));
        // Floats are not reflexive and need key updates; strings need updates.
        let f = maptype(&st(vec![Type::Float]), &int);
        assert_eq!(
            f.t.flags & (TYPE_REFLEXIVE_KEY | TYPE_NEED_KEY_UPDATE),
            TYPE_NEED_KEY_UPDATE
        );
    }

    #[test]
    fn values_round_trip_through_bucket_memory() {
        let t = Type::Struct(R::new(crate::types::StructT {
            name: "v".into(),
            fields: vec![
                ("a".into(), Type::Int(IntK::I8)),
                ("s".into(), Type::Str),
                ("f".into(), Type::Float),
                ("l".into(), Type::Slice(R::new(Type::Int(IntK::Int)))),
            ],
            id: 2,
        }));
        let l = layout(&t);
        let v = Value::Struct(R::from(vec![
            Value::Int(-3),
            Value::from_str("hello"),
            Value::Float(-0.0),
            Value::Slice(Slice::from_vec(vec![Value::Int(7)])),
        ]));
        let mut buf = vec![0u64; l.size.div_ceil(8)];
        let p = buf.as_mut_ptr().cast::<u8>();
        // SAFETY: the buffer holds l.size bytes; written, read back, then released once.
        unsafe {
            write(&l.enc, p, &v, true);
            let back = read(&l.enc, p);
            release(&l.enc, p);
            let mut s = String::new();
            crate::fmt::format_arg(&mut s, &back, &t, 'v', &Default::default());
            assert_eq!(s, "{-3 hello -0 [7]}");
        }
        // All-zero bytes decode to the zero value.
        let zero = vec![0u64; l.size.div_ceil(8)];
        // SAFETY: zeros are a valid encoding of the zero value.
        let z = unsafe { read(&l.enc, zero.as_ptr().cast()) };
        let mut s = String::new();
        crate::fmt::format_arg(&mut s, &z, &t, 'v', &Default::default());
        assert_eq!(s, "{0  0 []}");
    }
}
