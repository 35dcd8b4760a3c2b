//! `MapType`: the descriptor that lays out a map's buckets and says how to hash and compare keys.
//!
//! A compiler emits one per map type as static data (and calls [`MapType::validate`] on it once),
//! or a runtime builds one with [`MapType::new`] / [`MapType::for_kind`]. The routines trust a
//! validated descriptor completely: every size, offset and callback they use comes from it.
//!
//! Layout rules (spec §2.5): a key or elem larger than 128 bytes is stored out of line and its
//! slot is a pointer; alignments are powers of two no larger than 8 (the bucket has no padding,
//! so nothing stricter can be honoured); sizes are multiples of their alignment;
//! `bucketsize = 8 + 8*keyslot + 8*elemslot + 8`.

use std::ffi::{CStr, c_void};

use crate::consts::*;
use crate::hash::{self, EqualFn, GoString, HashFn};

/// A hasher that also receives the descriptor's `ctx` (used when `ctx` is non-null).
pub type HashCtxFn =
    unsafe extern "C-unwind" fn(key: *const c_void, seed: usize, ctx: *mut c_void) -> usize;
/// An equality callback that also receives the descriptor's `ctx`.
pub type EqualCtxFn =
    unsafe extern "C-unwind" fn(a: *const c_void, b: *const c_void, ctx: *mut c_void) -> bool;

/// The standard key kinds (`GOHMAP_KIND_*`), each with Go's hasher, equality and key flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum KeyKind {
    /// Caller-supplied hasher and equality.
    Custom = 0,
    /// 1-byte integers and bools.
    U8 = 1,
    /// 2-byte integers.
    U16 = 2,
    /// 4-byte plain memory (fast32).
    U32 = 3,
    /// 8-byte plain memory (fast64).
    U64 = 4,
    /// A pointer used as a key (fast64; `mapassign_fast64ptr`).
    Ptr = 5,
    /// A [`GoString`] header (faststr).
    String = 6,
    /// `float32`: NaN never equal, +0 == -0.
    F32 = 7,
    /// `float64`.
    F64 = 8,
    /// `complex64`.
    C64 = 9,
    /// `complex128`.
    C128 = 10,
}

impl KeyKind {
    /// The kind with raw value `v`.
    pub fn from_raw(v: u8) -> Option<KeyKind> {
        use KeyKind::*;
        Some(match v {
            0 => Custom,
            1 => U8,
            2 => U16,
            3 => U32,
            4 => U64,
            5 => Ptr,
            6 => String,
            7 => F32,
            8 => F64,
            9 => C64,
            10 => C128,
            _ => return None,
        })
    }

    /// (size, align, hasher, equal, key flags) of a standard kind.
    fn standard(self) -> Option<(usize, usize, HashFn, EqualFn, u32)> {
        use KeyKind::*;
        let plain = TYPE_REFLEXIVE_KEY;
        let float = TYPE_NEED_KEY_UPDATE;
        Some(match self {
            Custom => return None,
            U8 => (1, 1, hash::memhash8, hash::memequal8, plain),
            U16 => (2, 2, hash::memhash16, hash::memequal16, plain),
            U32 => (4, 4, hash::memhash32, hash::memequal32, plain),
            U64 | Ptr => (8, 8, hash::memhash64, hash::memequal64, plain),
            String => (
                16,
                8,
                hash::strhash,
                hash::strequal,
                plain | TYPE_NEED_KEY_UPDATE,
            ),
            F32 => (4, 4, hash::f32hash, hash::f32equal, float),
            F64 => (8, 8, hash::f64hash, hash::f64equal, float),
            C64 => (8, 4, hash::c64hash, hash::c64equal, float),
            C128 => (16, 8, hash::c128hash, hash::c128equal, float),
        })
    }
}

/// Which specialised routine family a descriptor admits (`MapType::fast`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FastFamily {
    /// Generic routines only.
    None = 0,
    /// `*_fast32`: 4-byte key hashed by memhash32, elem at most 128 bytes.
    Fast32 = 1,
    /// `*_fast64` (and `fast64ptr`): 8-byte key hashed by memhash64.
    Fast64 = 2,
    /// `*_faststr`: a string header hashed by strhash.
    FastStr = 3,
}

/// The map type descriptor (`gohmap_maptype`). Transparent: fields are part of the C ABI.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MapType {
    /// Hash of the key at `key` with `seed` (called as [`HashCtxFn`] when `ctx` is non-null).
    pub hasher: Option<HashFn>,
    /// Key equality (called as [`EqualCtxFn`] when `ctx` is non-null).
    pub equal: Option<EqualFn>,
    /// Host context for the callbacks; null for Go-style two-argument callbacks.
    pub ctx: *mut c_void,
    /// Size of a key in bytes.
    pub key_size: usize,
    /// Size of an elem in bytes.
    pub elem_size: usize,
    /// Bytes per bucket: `8 + 8*keyslot + 8*elemslot + 8`.
    pub bucketsize: u32,
    /// `TYPE_*` bits: indirect key 1, indirect elem 2, reflexive key 4, need key update 8,
    /// hash might panic 16.
    pub flags: u32,
    /// Key alignment (1, 2, 4 or 8).
    pub key_align: u8,
    /// Elem alignment (1, 2, 4 or 8).
    pub elem_align: u8,
    /// Bytes per key slot: `key_size`, or 8 when the key is stored out of line.
    pub keyslot: u8,
    /// Bytes per elem slot: `elem_size`, or 8 when the elem is stored out of line.
    pub elemslot: u8,
    /// The [`KeyKind`] this descriptor was built for (0 = custom).
    pub kind: u8,
    /// The [`FastFamily`] the descriptor admits; derived, and checked by `validate`.
    pub fast: u8,
    /// Zero.
    pub reserved: [u8; 2],
}

// SAFETY: a MapType is immutable shared configuration; the callbacks' thread-safety is the host's
// contract (Go's hashers are pure functions), and `ctx` is only passed back to them.
unsafe impl Sync for MapType {}
// SAFETY: as above.
unsafe impl Send for MapType {}

/// Why a descriptor was refused. [`MapTypeError::message`] says which field and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapTypeError {
    /// `hasher` is null.
    NoHasher,
    /// `equal` is null.
    NoEqual,
    /// Key alignment is not 1, 2, 4 or 8.
    KeyAlign,
    /// Elem alignment is not 1, 2, 4 or 8.
    ElemAlign,
    /// Key size is not a multiple of its alignment.
    KeySizeAlign,
    /// Elem size is not a multiple of its alignment.
    ElemSizeAlign,
    /// Key size is beyond 2^40 bytes.
    KeyTooBig,
    /// Elem size is beyond 2^40 bytes.
    ElemTooBig,
    /// Key flags carry bits other than reflexive (4), need-update (8), hash-might-panic (16).
    KeyFlags,
    /// A derived field (`keyslot`, `elemslot`, `bucketsize`, indirect bits) does not match.
    Derived,
    /// `kind` is not a known kind, or its fixed size, hasher or equality do not match.
    Kind,
    /// `fast` names a family the key and elem do not qualify for.
    Fast,
    /// `reserved` is not zero.
    Reserved,
    /// `with_ctx` was given a null `ctx` (a null ctx means two-argument callbacks).
    NullCtx,
}

impl MapTypeError {
    /// The reason, as a static NUL-terminated string.
    pub fn message(self) -> &'static CStr {
        use MapTypeError::*;
        match self {
            NoHasher => c"maptype.hasher is null: every key type needs a hash function",
            NoEqual => c"maptype.equal is null: the key type is not comparable",
            KeyAlign => c"maptype.key_align must be 1, 2, 4 or 8 (buckets have no padding)",
            ElemAlign => c"maptype.elem_align must be 1, 2, 4 or 8 (buckets have no padding)",
            KeySizeAlign => c"maptype.key_size is not a multiple of key_align",
            ElemSizeAlign => c"maptype.elem_size is not a multiple of elem_align",
            KeyTooBig => c"maptype.key_size is over 2^40 bytes",
            ElemTooBig => c"maptype.elem_size is over 2^40 bytes",
            KeyFlags => c"key flags may only be REFLEXIVE (4), NEEDUPDATE (8), HASH_MIGHT_PANIC (16)",
            Derived => c"maptype.keyslot, elemslot, bucketsize or the indirect bits do not follow from the sizes",
            Kind => c"maptype.kind is unknown or disagrees with the key size, hasher or equal",
            Fast => c"maptype.fast names a fast family this key and elem do not qualify for",
            Reserved => c"maptype.reserved must be zero",
            NullCtx => c"ctx is null: callbacks taking a ctx need a non-null one (pass any token)",
        }
    }
}

impl std::fmt::Display for MapTypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().to_string_lossy())
    }
}

const MAX_OBJECT: usize = 1 << 40;

fn slot(size: usize, max: usize) -> usize {
    if size > max { PTR_SIZE } else { size }
}

impl MapType {
    /// Builds a descriptor for keys of `key_size`/`key_align` hashed by `hasher` and compared by
    /// `equal`, with Go's key flags `key_flags` (reflexive 4, need-update 8, hash-might-panic
    /// 16), deriving slot sizes, bucket size, indirection and the fast family.
    pub fn new(
        key_size: usize,
        key_align: usize,
        elem_size: usize,
        elem_align: usize,
        hasher: HashFn,
        equal: EqualFn,
        key_flags: u32,
    ) -> Result<MapType, MapTypeError> {
        if key_flags & !TYPE_KEY_FLAGS != 0 {
            return Err(MapTypeError::KeyFlags);
        }
        check_layout(key_size, key_align, elem_size, elem_align)?;
        let mut t = MapType {
            hasher: Some(hasher),
            equal: Some(equal),
            ctx: std::ptr::null_mut(),
            key_size,
            elem_size,
            bucketsize: 0,
            flags: key_flags,
            key_align: key_align as u8,
            elem_align: elem_align as u8,
            keyslot: 0,
            elemslot: 0,
            kind: KeyKind::Custom as u8,
            fast: 0,
            reserved: [0; 2],
        };
        t.derive();
        t.fast = t.derived_fast() as u8;
        Ok(t)
    }

    /// Builds a descriptor for a standard key kind with Go's hasher, equality and flags.
    pub fn for_kind(
        kind: KeyKind,
        elem_size: usize,
        elem_align: usize,
    ) -> Result<MapType, MapTypeError> {
        let (ks, ka, h, e, f) = kind.standard().ok_or(MapTypeError::Kind)?;
        let mut t = MapType::new(ks, ka, elem_size, elem_align, h, e, f)?;
        t.kind = kind as u8;
        t.fast = t.derived_fast() as u8;
        Ok(t)
    }

    /// Builds a descriptor whose callbacks take `ctx` as a third argument (for hosts whose key
    /// types are only known at run time: one hasher serves every type, `ctx` says which).
    #[allow(clippy::too_many_arguments)]
    pub fn with_ctx(
        key_size: usize,
        key_align: usize,
        elem_size: usize,
        elem_align: usize,
        hasher: HashCtxFn,
        equal: EqualCtxFn,
        ctx: *mut c_void,
        key_flags: u32,
    ) -> Result<MapType, MapTypeError> {
        // The calling convention is told by `ctx != NULL`, so a null ctx would make the
        // three-argument callbacks be called with two arguments.
        if ctx.is_null() {
            return Err(MapTypeError::NullCtx);
        }
        // SAFETY: the two-argument and three-argument pointer types are only ever called as the
        // type they were created as: `hash`/`eq` pick the three-argument form when ctx is set.
        let (h, e) = unsafe {
            (
                std::mem::transmute::<HashCtxFn, HashFn>(hasher),
                std::mem::transmute::<EqualCtxFn, EqualFn>(equal),
            )
        };
        let mut t = MapType::new(key_size, key_align, elem_size, elem_align, h, e, key_flags)?;
        t.ctx = ctx;
        t.fast = 0;
        Ok(t)
    }

    fn derive(&mut self) {
        let ks = slot(self.key_size, MAX_KEY_SIZE);
        let es = slot(self.elem_size, MAX_ELEM_SIZE);
        self.keyslot = ks as u8;
        self.elemslot = es as u8;
        self.bucketsize = (DATA_OFFSET + BUCKET_CNT * (ks + es) + PTR_SIZE) as u32;
        self.flags &= TYPE_KEY_FLAGS;
        if self.key_size > MAX_KEY_SIZE {
            self.flags |= TYPE_INDIRECT_KEY;
        }
        if self.elem_size > MAX_ELEM_SIZE {
            self.flags |= TYPE_INDIRECT_ELEM;
        }
    }

    /// The fast family the sizes, callbacks and elem admit (spec §3.9 and the design's
    /// "however the descriptor was built").
    fn derived_fast(&self) -> FastFamily {
        if self.elem_size > MAX_ELEM_SIZE || !self.ctx.is_null() {
            return FastFamily::None;
        }
        match KeyKind::from_raw(self.kind) {
            Some(KeyKind::U32) => return FastFamily::Fast32,
            Some(KeyKind::U64 | KeyKind::Ptr) => return FastFamily::Fast64,
            Some(KeyKind::String) => return FastFamily::FastStr,
            Some(KeyKind::Custom) => {}
            _ => return FastFamily::None,
        }
        // A custom descriptor qualifies if it names the standard functions. Function addresses
        // are not guaranteed unique in Rust, so this can only miss (and refuse the fast
        // routines), never admit a descriptor that hashes differently.
        let (h, e) = match (self.hasher, self.equal) {
            (Some(h), Some(e)) => (h as usize, e as usize),
            _ => return FastFamily::None,
        };
        let is = |hf: HashFn, ef: EqualFn| h == hf as usize && e == ef as usize;
        match self.key_size {
            4 if is(hash::memhash32, hash::memequal32) => FastFamily::Fast32,
            8 if is(hash::memhash64, hash::memequal64) => FastFamily::Fast64,
            16 if self.key_align == 8 && is(hash::strhash, hash::strequal) => FastFamily::FastStr,
            _ => FastFamily::None,
        }
    }

    /// Checks a descriptor a compiler emitted (or a caller filled in by hand): every field must
    /// be what [`MapType::new`] would have derived. Call it once per descriptor; the routines do
    /// not re-check in release builds.
    pub fn validate(&self) -> Result<(), MapTypeError> {
        if self.hasher.is_none() {
            return Err(MapTypeError::NoHasher);
        }
        if self.equal.is_none() {
            return Err(MapTypeError::NoEqual);
        }
        if self.reserved != [0; 2] {
            return Err(MapTypeError::Reserved);
        }
        check_layout(
            self.key_size,
            usize::from(self.key_align),
            self.elem_size,
            usize::from(self.elem_align),
        )?;
        if self.flags & !(TYPE_KEY_FLAGS | TYPE_INDIRECT_KEY | TYPE_INDIRECT_ELEM) != 0 {
            return Err(MapTypeError::KeyFlags);
        }
        let mut d = *self;
        d.derive();
        if (d.keyslot, d.elemslot, d.bucketsize, d.flags)
            != (self.keyslot, self.elemslot, self.bucketsize, self.flags)
        {
            return Err(MapTypeError::Derived);
        }
        let kind = KeyKind::from_raw(self.kind).ok_or(MapTypeError::Kind)?;
        // A standard kind decides hashing and equality itself (see `hash`), so its descriptor
        // must have the kind's key shape and flags; its callback fields are not called.
        if let Some((ks, ka, _, _, f)) = kind.standard() {
            let flags = self.flags & TYPE_KEY_FLAGS;
            if self.key_size != ks || usize::from(self.key_align) != ka || flags != f {
                return Err(MapTypeError::Kind);
            }
            if !self.ctx.is_null() {
                return Err(MapTypeError::Kind);
            }
        }
        if self.fast != 0 && self.fast != self.derived_fast() as u8 {
            return Err(MapTypeError::Fast);
        }
        Ok(())
    }

    /// Whether keys are numbers of a standard kind (`U8`..`U64`, `F32`..`C128`): plain bytes
    /// that never hold a pointer (a `Ptr`, a `String` header and custom keys may).
    #[inline(always)]
    pub fn key_holds_no_pointer(&self) -> bool {
        let k = self.kind;
        (KeyKind::U8 as u8..=KeyKind::U64 as u8).contains(&k)
            || (KeyKind::F32 as u8..=KeyKind::C128 as u8).contains(&k)
    }
    /// Whether keys live out of line.
    #[inline(always)]
    pub fn indirect_key(&self) -> bool {
        self.flags & TYPE_INDIRECT_KEY != 0
    }
    /// Whether elems live out of line.
    #[inline(always)]
    pub fn indirect_elem(&self) -> bool {
        self.flags & TYPE_INDIRECT_ELEM != 0
    }
    /// Whether `k == k` for every key.
    #[inline(always)]
    pub fn reflexive_key(&self) -> bool {
        self.flags & TYPE_REFLEXIVE_KEY != 0
    }
    /// Whether an update overwrites the stored key.
    #[inline(always)]
    pub fn need_key_update(&self) -> bool {
        self.flags & TYPE_NEED_KEY_UPDATE != 0
    }
    /// Whether the hasher may fail for some keys.
    #[inline(always)]
    pub fn hash_might_panic(&self) -> bool {
        self.flags & TYPE_HASH_MIGHT_PANIC != 0
    }
    /// The fast family this descriptor admits.
    #[inline(always)]
    pub fn fast_family(&self) -> FastFamily {
        match self.fast {
            1 => FastFamily::Fast32,
            2 => FastFamily::Fast64,
            3 => FastFamily::FastStr,
            _ => FastFamily::None,
        }
    }

    /// Hash of the key at `key` with `seed`: the standard function of the key kind, or the
    /// descriptor's callback for a custom kind.
    ///
    /// # Safety
    /// `self` is validated and `key` points at a key of this type.
    #[inline(always)]
    pub unsafe fn hash(&self, key: *const u8, seed: usize) -> usize {
        const U32: u8 = KeyKind::U32 as u8;
        const U64: u8 = KeyKind::U64 as u8;
        const PTR: u8 = KeyKind::Ptr as u8;
        const STR: u8 = KeyKind::String as u8;
        // SAFETY: a standard kind's key has that kind's size; reads tolerate any alignment.
        unsafe {
            match self.kind {
                0 => {}
                U32 => return hash::hash_u32(key.cast::<u32>().read_unaligned(), seed),
                U64 | PTR => return hash::hash_u64(key.cast::<u64>().read_unaligned(), seed),
                STR => return hash::strhash(key.cast(), seed),
                k => return standard_fns(k).0(key.cast(), seed),
            }
        }
        // SAFETY: validated descriptors have a hasher.
        let h = unsafe { self.hasher.unwrap_unchecked() };
        if self.ctx.is_null() {
            // SAFETY: the caller passes a key of this type; the hasher's contract is the host's.
            unsafe { h(key.cast(), seed) }
        } else {
            // SAFETY: with a non-null ctx the hasher was given as a HashCtxFn (`with_ctx`).
            unsafe { std::mem::transmute::<HashFn, HashCtxFn>(h)(key.cast(), seed, self.ctx) }
        }
    }

    /// Whether the keys at `a` and `b` are equal: the standard equality of the key kind, or the
    /// descriptor's callback for a custom kind.
    ///
    /// # Safety
    /// `self` is validated and both point at keys of this type.
    #[inline(always)]
    pub unsafe fn eq(&self, a: *const u8, b: *const u8) -> bool {
        if self.kind != KeyKind::Custom as u8 {
            // SAFETY: both are keys of this standard kind.
            return unsafe { standard_fns(self.kind).1(a.cast(), b.cast()) };
        }
        // SAFETY: validated descriptors have an equality callback.
        let e = unsafe { self.equal.unwrap_unchecked() };
        if self.ctx.is_null() {
            // SAFETY: both are keys of this type.
            unsafe { e(a.cast(), b.cast()) }
        } else {
            // SAFETY: with a non-null ctx the callback was given as an EqualCtxFn.
            unsafe { std::mem::transmute::<EqualFn, EqualCtxFn>(e)(a.cast(), b.cast(), self.ctx) }
        }
    }
}

/// The hasher and equality of standard kind `k` (validated descriptors only hold known kinds).
#[inline(always)]
fn standard_fns(k: u8) -> (HashFn, EqualFn) {
    match KeyKind::from_raw(k).and_then(KeyKind::standard) {
        Some((_, _, h, e, _)) => (h, e),
        None => (hash::memhash0, hash::memequal0),
    }
}

fn check_layout(ks: usize, ka: usize, es: usize, ea: usize) -> Result<(), MapTypeError> {
    let ok_align = |a: usize| a.is_power_of_two() && a <= PTR_SIZE;
    if !ok_align(ka) {
        return Err(MapTypeError::KeyAlign);
    }
    if !ok_align(ea) {
        return Err(MapTypeError::ElemAlign);
    }
    if !ks.is_multiple_of(ka) {
        return Err(MapTypeError::KeySizeAlign);
    }
    if !es.is_multiple_of(ea) {
        return Err(MapTypeError::ElemSizeAlign);
    }
    if ks > MAX_OBJECT {
        return Err(MapTypeError::KeyTooBig);
    }
    if es > MAX_OBJECT {
        return Err(MapTypeError::ElemTooBig);
    }
    Ok(())
}

const _: () = assert!(
    std::mem::size_of::<GoString>() == 16,
    "faststr key slots hold a 16-byte (ptr, len) header"
);
const _: () = assert!(
    std::mem::size_of::<MapType>() == 56,
    "MapType is part of the C ABI: its size is pinned by the header"
);
