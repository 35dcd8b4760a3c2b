//! The raw API: Go's runtime map entry points as unsafe Rust functions over type-erased memory.
//!
//! These are what the C ABI (`ffi`) exports, minus the argument checks a C boundary needs. Keys
//! are passed by address and hashed through the descriptor. Every function's contract:
//!
//! * `t` is a descriptor accepted by [`MapType::validate`] (or built by `MapType::new` /
//!   `MapType::for_kind`), and it is the descriptor the map was made with.
//! * `h` is null (a nil map) or a map made by [`makemap`] / [`makemap_small`] and not freed.
//! * `key` points at `t.key_size` readable bytes (any address for a zero-sized key).
//! * A returned elem pointer stays valid until the next write (assign, delete, clear, free) to
//!   the map. The zero value returned by a miss is read-only and permanent.
//! * Panics and fatal errors go to the panic handler (`panic::set_panic_handler`).

use crate::consts::MAX_SHRINK_LEVELS;
use crate::hmap::Hmap;
use crate::iter::{self, Hiter};
use crate::key::AnyKey;
use crate::maptype::MapType;
use crate::{access, assign, clone, delete, free, invariants, make, retire, shrink};

pub use crate::fast::*;

pub use crate::invariants::Violation;

/// Makes a map for about `hint` entries, in the caller's header `h` if non-null (see
/// [`makemap_with_bucket`] for the caller's first bucket too). Null after reporting out of memory.
///
/// # Safety
/// See the module contract; `h` is null or 48 writable bytes, 8-aligned, outliving the map.
pub unsafe fn makemap(t: &MapType, hint: isize, h: *mut Hmap) -> *mut Hmap {
    // SAFETY: caller's promise.
    unsafe { make::makemap(t, hint, h, std::ptr::null_mut()) }
}

/// [`makemap`] with a caller-owned first bucket (`t.bucketsize` bytes, 8-aligned), used when the
/// hint needs one bucket: with a caller header too, a map of up to 8 entries allocates nothing
/// (Go's non-escaping maps).
///
/// # Safety
/// As [`makemap`]; `bucket` is null or `t.bucketsize` writable bytes outliving the map.
pub unsafe fn makemap_with_bucket(
    t: &MapType,
    hint: isize,
    h: *mut Hmap,
    bucket: *mut u8,
) -> *mut Hmap {
    // SAFETY: caller's promise.
    unsafe { make::makemap(t, hint, h, bucket) }
}

/// Makes an empty map whose first bucket is allocated on first insert.
pub fn makemap_small() -> *mut Hmap {
    make::makemap_small()
}

/// `len(m)`.
///
/// # Safety
/// See the module contract.
pub unsafe fn maplen(h: *const Hmap) -> isize {
    // SAFETY: caller's promise.
    unsafe { make::maplen(h) }
}

/// `v := m[k]`: the elem for `key`, or the shared zero value.
///
/// # Safety
/// See the module contract; `t.elem_size <= 1024` (use [`mapaccess1_fat`] beyond).
pub unsafe fn mapaccess1(t: &MapType, h: *const Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: caller's promise.
    unsafe { access::mapaccess1(t, h, AnyKey(key)) }
}

/// `v, ok := m[k]`.
///
/// # Safety
/// As [`mapaccess1`].
pub unsafe fn mapaccess2(t: &MapType, h: *const Hmap, key: *const u8) -> (*mut u8, bool) {
    // SAFETY: caller's promise.
    unsafe { access::mapaccess2(t, h, AnyKey(key)) }
}

/// `v := m[k]` for elems larger than the shared zero value: a miss returns `zero`.
///
/// # Safety
/// As [`mapaccess1`]; `zero` is a zeroed buffer of at least `t.elem_size` bytes.
pub unsafe fn mapaccess1_fat(
    t: &MapType,
    h: *const Hmap,
    key: *const u8,
    zero: *mut u8,
) -> *mut u8 {
    // SAFETY: caller's promise.
    unsafe { access::mapaccess2_fat(t, h, AnyKey(key), zero).0 }
}

/// `v, ok := m[k]` for elems larger than the shared zero value.
///
/// # Safety
/// As [`mapaccess1_fat`].
pub unsafe fn mapaccess2_fat(
    t: &MapType,
    h: *const Hmap,
    key: *const u8,
    zero: *mut u8,
) -> (*mut u8, bool) {
    // SAFETY: caller's promise.
    unsafe { access::mapaccess2_fat(t, h, AnyKey(key), zero) }
}

/// `m[k] = v`, first half: the elem storage for `key` (zeroed if new). Null for a nil map or
/// when memory ran out, after reporting through the panic handler; the map is then unchanged.
///
/// # Safety
/// See the module contract.
pub unsafe fn mapassign(t: &MapType, h: *mut Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: caller's promise.
    unsafe { assign::mapassign(t, h, AnyKey(key)) }
}

/// `delete(m, k)`.
///
/// # Safety
/// See the module contract.
pub unsafe fn mapdelete(t: &MapType, h: *mut Hmap, key: *const u8) {
    // SAFETY: caller's promise.
    unsafe { delete::mapdelete(t, h, AnyKey(key)) }
}

/// Removes every entry; running iterations end at their next step.
///
/// # Safety
/// See the module contract.
pub unsafe fn mapclear(t: &MapType, h: *mut Hmap) {
    // SAFETY: caller's promise.
    unsafe { free::mapclear(t, h) }
}

/// Releases everything the map owns. The map and its iterators must not be used afterwards.
///
/// # Safety
/// See the module contract.
pub unsafe fn mapfree(t: &MapType, h: *mut Hmap) {
    // SAFETY: caller's promise.
    unsafe { free::mapfree(t, h) }
}

/// Halves the bucket array until it is what `makemap` would pick for the current length,
/// finishing any grow first, before returning (Go has no such call). Refused while an iterator
/// pins the map. See [`crate::shrink`].
///
/// # Safety
/// See the module contract.
pub unsafe fn mapshrink(t: &MapType, h: *mut Hmap) -> Result<(), ShrinkError> {
    // SAFETY: caller's promise.
    unsafe { shrink::mapshrink(t, h) }
}

/// Test support: makes the map shrink by incremental halvings only, even when it is small
/// enough to shrink in one step, so that tests reach every mid-shrink state with small maps
/// (see [`crate::shrink`]). `on = false` restores the normal policy. Not in the C ABI.
///
/// # Safety
/// `h` is a live map, not being written concurrently.
#[doc(hidden)]
pub unsafe fn set_stepwise_shrink(h: *mut Hmap, on: bool) {
    // SAFETY: caller's promise.
    let set = unsafe { set_stepwise_shrink_levels(h, u8::from(on)) };
    assert!(set, "no memory for the extension record");
}

/// Test support: as [`set_stepwise_shrink`], with incremental shrinks of up to `levels`
/// halvings at once (1 or 2; 0 restores the normal policy). The setting lives in the map's
/// extension record: false, and nothing changed, if there is none and no memory to make one.
/// Not in the C ABI.
///
/// # Safety
/// `h` is a live map, not being written concurrently.
#[doc(hidden)]
pub unsafe fn set_stepwise_shrink_levels(h: *mut Hmap, levels: u8) -> bool {
    assert!(
        levels <= MAX_SHRINK_LEVELS,
        "at most {MAX_SHRINK_LEVELS} levels"
    );
    // SAFETY: caller's promise.
    let h = unsafe { &*h };
    if levels == 0 && h.extra_ptr().is_null() {
        return true;
    }
    let Ok(e) = retire::ensure_extra(h) else {
        return false;
    };
    // SAFETY: extra is live.
    unsafe { (*e).stepwise_shrink.set(levels) };
    true
}

/// [`mapclear`], then gives every bucket back: the map is as `makemap_small` made it.
///
/// # Safety
/// See the module contract.
pub unsafe fn mapclear_release(t: &MapType, h: *mut Hmap) {
    // SAFETY: caller's promise.
    unsafe { shrink::mapclear_release(t, h) }
}

/// `for k, v := range m`: starts an iteration into the caller's `it` and steps to the first
/// entry (`it.key` is null if there is none). See [`crate::iter`] for the promises.
///
/// # Safety
/// See the module contract; `it` is 96 writable bytes, 8-aligned, kept in place until the
/// iteration ends or [`mapiterdone`].
pub unsafe fn mapiterinit(t: &MapType, h: *const Hmap, it: *mut Hiter) {
    // SAFETY: caller's promise.
    unsafe { iter::mapiterinit(t, h, it) }
}

/// Steps to the next entry; `it.key` becomes null at the end. A no-op after the end.
///
/// # Safety
/// `it` was started by [`mapiterinit`] on a map that has not been freed.
#[inline]
pub unsafe fn mapiternext(it: *mut Hiter) {
    // SAFETY: caller's promise.
    unsafe { iter::mapiternext(it) }
}

/// Ends an iteration before its end (`break`, `return`, a panic out of the loop), so the memory
/// kept alive for it can be freed. Idempotent; a no-op after the natural end.
///
/// # Safety
/// As [`mapiternext`].
pub unsafe fn mapiterdone(it: *mut Hiter) {
    // SAFETY: caller's promise.
    unsafe { iter::mapiterdone(it) }
}

/// `maps.Clone(m)`: a deep copy with its own seed; null for a nil map, or after reporting out
/// of memory (the source is untouched).
///
/// # Safety
/// See the module contract; no write to `h` may be in progress.
pub unsafe fn mapclone(t: &MapType, h: *const Hmap) -> *mut Hmap {
    // SAFETY: caller's promise.
    unsafe { clone::mapclone(t, h) }
}

/// Walks every structural invariant; returns the first violation.
///
/// # Safety
/// See the module contract; no write may be in progress.
pub unsafe fn check_invariants(t: &MapType, h: *const Hmap) -> Result<(), Violation> {
    // SAFETY: caller's promise.
    unsafe { invariants::check_invariants(t, h) }
}

pub use crate::shrink::ShrinkError;
pub use crate::stats::{GrowKind, MapStats};

/// The shape and footprint of the map (all zero for a nil map). Reads only: no allocation, no
/// growth work, no host callback. See [`crate::stats`] for what each figure counts.
///
/// # Safety
/// See the module contract; no write may be in progress, and no iteration of the map may end
/// on another thread meanwhile.
pub unsafe fn mapstats(t: &MapType, h: *const Hmap) -> MapStats {
    // SAFETY: caller's promise.
    unsafe { crate::stats::mapstats(t, h) }
}

/// Calls `visitor(key, elem)` with the address of every live key and elem value (out-of-line
/// ones through their pointer), once each, until it returns non-zero; returns that value, or 0.
/// See [`crate::visit`].
///
/// # Safety
/// See the module contract; the visitor must not write to the map, nor anything else during
/// the walk.
pub unsafe fn mapvisit(
    t: &MapType,
    h: *const Hmap,
    visitor: impl FnMut(*mut u8, *mut u8) -> std::ffi::c_int,
) -> std::ffi::c_int {
    // SAFETY: caller's promise.
    unsafe { crate::visit::mapvisit(t, h, visitor) }
}
