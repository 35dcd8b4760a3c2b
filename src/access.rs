//! Lookups: `mapaccess1`, `mapaccess2`, the `_fat` forms, and `mapaccessK` for the iterator
//! (spec §3.2). Lookups never allocate and never write to the map.

use crate::alloc::zero_val;
use crate::bucket::{Bucket, group, top_hash};
use crate::consts::*;
use crate::grow::read_bucket;
use crate::hmap::Hmap;
use crate::key::MapKey;
use crate::maptype::MapType;
use crate::panic;

/// The cell of bucket `b` (whose tophash word is `g`) that holds `key`, if any: the cells whose
/// tophash is `top`, compared in order.
///
/// # Safety
/// `b` is a live bucket of a map of `t` and `g` its current tophash word.
#[inline(always)]
pub unsafe fn find_in_bucket<K: MapKey>(
    t: &MapType,
    key: K,
    top: u8,
    b: Bucket,
    g: u64,
) -> Option<usize> {
    let mut m = group::find(g, top);
    while m.any() {
        let i = m.first();
        // SAFETY: cell i holds `top`, so it is full.
        if unsafe { key.matches(t, b, i) } {
            return Some(i);
        }
        m = m.rest();
    }
    None
}

/// The cell holding `key` in the chain starting at `b`, if any. Stops at the first emptyRest,
/// which marks the end of every live cell in the chain (I4), so a miss usually reads one bucket.
///
/// # Safety
/// `b` is a live head bucket of a map of `t`.
#[inline(always)]
pub unsafe fn find_in_chain<K: MapKey>(
    t: &MapType,
    key: K,
    top: u8,
    mut b: Bucket,
) -> Option<(Bucket, usize)> {
    loop {
        // SAFETY: b is a live bucket of the chain.
        let g = unsafe { b.group() };
        // SAFETY: as above.
        if let Some(i) = unsafe { find_in_bucket(t, key, top, b, g) } {
            return Some((b, i));
        }
        if group::has_empty_rest(g) {
            return None;
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
        if b.is_null() {
            return None;
        }
    }
}

/// The cell holding `key` (hashed to `hash`), in the old table while its bucket has not moved.
///
/// # Safety
/// `h` is a live non-empty map of `t`.
#[inline(always)]
pub unsafe fn find<K: MapKey>(
    t: &MapType,
    h: &Hmap,
    key: K,
    hash: usize,
) -> Option<(Bucket, usize)> {
    // SAFETY: non-empty maps have buckets; the chain is live.
    unsafe { find_in_chain(t, key, top_hash(hash), read_bucket(t, h, hash)) }
}

/// `mapaccess2`: the elem for `key` and `true`, or the shared zero value and `false`.
///
/// # Safety
/// `t` is validated and `K` fits it; `h` is null or a live map of `t`.
#[inline(always)]
pub unsafe fn mapaccess2<K: MapKey>(t: &MapType, h: *const Hmap, key: K) -> (*mut u8, bool) {
    // SAFETY: caller's promise.
    let h = match unsafe { h.as_ref() } {
        Some(h) if h.count.get() != 0 => h,
        _ => {
            if t.hash_might_panic() {
                // Go hashes anyway so that an unhashable key fails even on an empty map
                // (issue 23734).
                // SAFETY: caller's promise.
                unsafe { key.hash(t, 0) };
            }
            return (zero_val(), false);
        }
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_read_write();
    }
    if h.b.get() == 0 {
        // One bucket, never growing (I8): value kinds search it without hashing.
        let b = Bucket(h.buckets.get());
        // SAFETY: a non-empty B = 0 map has exactly this bucket.
        if let Some(found) = unsafe { key.find_in_one_bucket(t, b) } {
            return found.map_or((zero_val(), false), |i| {
                // SAFETY: a found cell is full.
                (unsafe { b.elem_of::<K>(t, i) }, true)
            });
        }
    }
    // SAFETY: caller's promise.
    let hash = unsafe { key.hash(t, h.hash0.get() as usize) };
    // SAFETY: h is live and non-empty.
    match unsafe { find(t, h, key, hash) } {
        // SAFETY: a found cell is full.
        Some((b, i)) => (unsafe { b.elem_of::<K>(t, i) }, true),
        None => (zero_val(), false),
    }
}

/// `mapaccess1`: the elem for `key`, or the shared zero value (never null).
///
/// # Safety
/// As [`mapaccess2`].
#[inline(always)]
pub unsafe fn mapaccess1<K: MapKey>(t: &MapType, h: *const Hmap, key: K) -> *mut u8 {
    // SAFETY: caller's promise.
    unsafe { mapaccess2(t, h, key).0 }
}

/// `mapaccess2_fat`: as [`mapaccess2`], but a miss returns the caller's `zero` (for elems larger
/// than the shared zero value).
///
/// # Safety
/// As [`mapaccess2`]; `zero` is the caller's zeroed buffer of at least `t.elem_size` bytes.
pub unsafe fn mapaccess2_fat<K: MapKey>(
    t: &MapType,
    h: *const Hmap,
    key: K,
    zero: *mut u8,
) -> (*mut u8, bool) {
    // SAFETY: caller's promise.
    let (e, ok) = unsafe { mapaccess2(t, h, key) };
    if ok { (e, true) } else { (zero, false) }
}

/// `mapaccessK`: the stored key and elem for `key`, without the misuse check or the empty-map
/// probe (the iterator's way back into the map).
///
/// # Safety
/// As [`mapaccess2`], and no write is in progress.
pub unsafe fn mapaccess_k<K: MapKey>(t: &MapType, h: &Hmap, key: K) -> Option<(*mut u8, *mut u8)> {
    if h.count.get() == 0 {
        return None;
    }
    // SAFETY: caller's promise.
    let hash = unsafe { key.hash(t, h.hash0.get() as usize) };
    // SAFETY: h is live and non-empty; found cells are full.
    unsafe { find(t, h, key, hash).map(|(b, i)| (b.key(t, i), b.elem(t, i))) }
}
