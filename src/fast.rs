//! The specialised entry points (Go's `map_fast32.go`, `map_fast64.go`, `map_faststr.go`), each
//! one line over the shared generic routine, specialised by key kind ([`crate::fastkey`]).
//!
//! A fast routine only accepts a descriptor whose `fast` family is its own (4-byte memhash32
//! keys, 8-byte memhash64 keys, string headers; elems of at most 128 bytes): anything else is
//! refused through the panic handler with `BadArgument` — never silent corruption. As in Go, a
//! nil map is handled first (zero value, no-op, or the nil-map panic), whatever the descriptor.

use crate::access;
use crate::alloc::zero_val;
use crate::assign;
use crate::delete;
use crate::fastkey::{PtrKey, StrKey, U32Key, U64Key};
use crate::hash::GoString;
use crate::hmap::Hmap;
use crate::maptype::{FastFamily, MapType};
use crate::panic::{self, Code};

/// Whether `t` admits `fam`; reports `BadArgument` if not. Nil maps are not checked.
#[inline(always)]
fn admits(t: &MapType, h: *const Hmap, fam: FastFamily, routine: &str) -> bool {
    // The family test first: it is the one that passes on every call that matters.
    if t.fast == fam as u8 || h.is_null() {
        return true;
    }
    wrong_family(t, fam, routine);
    false
}

#[cold]
#[inline(never)]
fn wrong_family(t: &MapType, fam: FastFamily, routine: &str) {
    panic::report_fmt(
        Code::BadArgument,
        format_args!(
            "{routine}: the maptype does not admit the {fam:?} routines (its fast family is \
             {:?}; key size {}, elem size {}): use the generic routines",
            t.fast_family(),
            t.key_size,
            t.elem_size
        ),
    );
}

macro_rules! value_family {
    ($fam:expr, $ty:ty, $key:ident,
     $access1:ident, $access2:ident, $assign:ident, $delete:ident) => {
        /// `v := m[k]` for this key family: the elem, or the shared zero value.
        ///
        /// # Safety
        /// `t` is validated; `h` is null or a live map of `t`.
        #[inline(always)]
        pub unsafe fn $access1(t: &MapType, h: *const Hmap, key: $ty) -> *mut u8 {
            if !admits(t, h, $fam, stringify!($access1)) {
                return zero_val();
            }
            // SAFETY: caller's promise; the family check makes the key kind fit.
            unsafe { access::mapaccess1(t, h, $key(key)) }
        }

        /// `v, ok := m[k]` for this key family.
        ///
        /// # Safety
        /// As the `access1` form.
        #[inline(always)]
        pub unsafe fn $access2(t: &MapType, h: *const Hmap, key: $ty) -> (*mut u8, bool) {
            if !admits(t, h, $fam, stringify!($access2)) {
                return (zero_val(), false);
            }
            // SAFETY: as above.
            unsafe { access::mapaccess2(t, h, $key(key)) }
        }

        /// `m[k] = v`, first half, for this key family: the elem slot (zeroed if new), or null
        /// after a report (nil map, wrong family, out of memory).
        ///
        /// # Safety
        /// As the `access1` form.
        #[inline(always)]
        pub unsafe fn $assign(t: &MapType, h: *mut Hmap, key: $ty) -> *mut u8 {
            if !admits(t, h, $fam, stringify!($assign)) {
                return std::ptr::null_mut();
            }
            // SAFETY: as above.
            unsafe { assign::mapassign(t, h, $key(key)) }
        }

        /// `delete(m, k)` for this key family.
        ///
        /// # Safety
        /// As the `access1` form.
        #[inline(always)]
        pub unsafe fn $delete(t: &MapType, h: *mut Hmap, key: $ty) {
            if admits(t, h, $fam, stringify!($delete)) {
                // SAFETY: as above.
                unsafe { delete::mapdelete(t, h, $key(key)) }
            }
        }
    };
}

value_family!(
    FastFamily::Fast32,
    u32,
    U32Key,
    mapaccess1_fast32,
    mapaccess2_fast32,
    mapassign_fast32,
    mapdelete_fast32
);
value_family!(
    FastFamily::Fast64,
    u64,
    U64Key,
    mapaccess1_fast64,
    mapaccess2_fast64,
    mapassign_fast64,
    mapdelete_fast64
);
value_family!(
    FastFamily::FastStr,
    GoString,
    StrKey,
    mapaccess1_faststr,
    mapaccess2_faststr,
    mapassign_faststr,
    mapdelete_faststr
);

/// `m[k] = v` for an 8-byte key that holds a pointer (Go's `mapassign_fast64ptr`): `key` is the
/// pointer *value*, stored as a pointer.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t`.
pub unsafe fn mapassign_fast64ptr(t: &MapType, h: *mut Hmap, key: *const u8) -> *mut u8 {
    if !admits(t, h, FastFamily::Fast64, "mapassign_fast64ptr") {
        return std::ptr::null_mut();
    }
    // SAFETY: caller's promise; the family check makes the key kind fit.
    unsafe { assign::mapassign(t, h, PtrKey(key)) }
}

/// `m[k] = v` for a 4-byte key that holds a pointer (Go's `mapassign_fast32ptr`, emitted only
/// for 32-bit targets). On a 64-bit host it takes a pointer-typed value that must fit in 32
/// bits (a compressed pointer or handle); a wider one is refused with `BadArgument`.
///
/// # Safety
/// As [`mapassign_fast64ptr`].
pub unsafe fn mapassign_fast32ptr(t: &MapType, h: *mut Hmap, key: *const u8) -> *mut u8 {
    let v = match u32::try_from(key.addr()) {
        Ok(v) => v,
        Err(_) if h.is_null() => 0, // the nil map is reported first, as in Go
        Err(_) => {
            panic::report(
                Code::BadArgument,
                "mapassign_fast32ptr: key does not fit in 32 bits",
            );
            return std::ptr::null_mut();
        }
    };
    // SAFETY: caller's promise.
    unsafe { mapassign_fast32(t, h, v) }
}
