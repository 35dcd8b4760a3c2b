//! Making maps: `makemap` (with a size hint, optionally into a caller's header and first bucket)
//! and `makemap_small` (spec §3.1).
//!
//! Everything is allocated before the header is written, so a failure leaves nothing behind. A
//! header supplied by the caller need not be zeroed; it is initialised whatever happens (to an
//! empty map if an allocation fails), and `mapfree` never frees it.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU8};

use crate::alloc;
use crate::array;
use crate::consts::*;
use crate::hmap::{Hmap, MapExtra, b_for_hint};
use crate::maptype::MapType;
use crate::panic;
use crate::rand::fastrand;

/// Go's treatment of a bogus hint (negative, or so large that `hint * bucketsize` overflows or
/// exceeds the largest allocation): it is ignored, not an error (issue 19926).
fn sane_hint(t: &MapType, hint: isize) -> isize {
    match (hint as usize).checked_mul(t.bucketsize as usize) {
        Some(mem) if mem <= MAX_ALLOC => hint,
        _ => 0,
    }
}

/// Writes an empty map into `h`.
///
/// # Safety
/// `h` points at 48 writable bytes, aligned to 8.
unsafe fn init_header(h: *mut Hmap, flags: u8, b: u8, buckets: *mut u8, extra: *mut MapExtra) {
    // SAFETY: caller's promise; `write` does not read the (possibly garbage) old contents.
    unsafe {
        h.write(Hmap {
            count: Cell::new(0),
            flags: AtomicU8::new(flags),
            b: Cell::new(b),
            noverflow: Cell::new(0),
            hash0: Cell::new(fastrand()),
            buckets: Cell::new(buckets),
            oldbuckets: Cell::new(std::ptr::null_mut()),
            nevacuate: Cell::new(0),
            extra: AtomicPtr::new(extra),
        })
    };
}

/// Makes a map for about `hint` entries. `h`, if non-null, is a caller-owned header to use;
/// `bucket`, if non-null and the hint needs only one bucket, is a caller-owned first bucket of
/// `t.bucketsize` bytes, aligned to 8 (Go's non-escaping maps: nothing is allocated then).
/// Returns the map, or null after reporting out of memory.
///
/// # Safety
/// `t` is validated; `h` is null or 48 writable bytes aligned to 8 that outlive the map; `bucket`
/// is null or `t.bucketsize` writable bytes aligned to 8 that outlive the map.
pub unsafe fn makemap(t: &MapType, hint: isize, h: *mut Hmap, bucket: *mut u8) -> *mut Hmap {
    let b = b_for_hint(sane_hint(t, hint));
    match allocate(t, b, h) {
        Ok((hdr, buckets, extra)) => {
            let mut flags = if h.is_null() { 0 } else { CALLER_HEADER };
            let mut buckets = buckets;
            if b == 0 && !bucket.is_null() {
                // SAFETY: the caller's bucket has bucketsize writable bytes.
                unsafe { std::ptr::write_bytes(bucket, 0, t.bucketsize as usize) };
                buckets = bucket;
                flags |= CALLER_BUCKET;
            }
            // SAFETY: hdr is the caller's header or a fresh allocation of 48 bytes.
            unsafe { init_header(hdr, flags, b, buckets, extra) };
            hdr
        }
        Err(size) => {
            if !h.is_null() {
                // SAFETY: caller's header: leave it a valid empty map.
                unsafe {
                    init_header(
                        h,
                        CALLER_HEADER,
                        0,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    )
                };
            }
            panic::out_of_memory(size);
            std::ptr::null_mut()
        }
    }
}

/// The header (fresh unless given), the bucket array for `b` (none for 0) and the extra fields
/// its preallocated overflow buckets need; all or nothing.
fn allocate(
    t: &MapType,
    b: u8,
    h: *mut Hmap,
) -> Result<(*mut Hmap, *mut u8, *mut MapExtra), usize> {
    let (mut buckets, mut extra) = (std::ptr::null_mut(), std::ptr::null_mut::<MapExtra>());
    if b != 0 {
        let (arr, next) = array::new_array(t, b)?;
        buckets = arr;
        if !next.is_null() {
            extra = alloc::alloc_zeroed(size_of::<MapExtra>(), 8).cast();
            if extra.is_null() {
                // SAFETY: never published.
                unsafe { array::free_array(t, arr) };
                return Err(size_of::<MapExtra>());
            }
            // SAFETY: fresh zeroed MapExtra.
            unsafe { (*extra).next_overflow.set(next) };
        }
    }
    let mut hdr = h;
    if hdr.is_null() {
        hdr = alloc::alloc_zeroed(size_of::<Hmap>(), 8).cast();
        if hdr.is_null() {
            // SAFETY: never published.
            unsafe {
                if !extra.is_null() {
                    alloc::free(extra.cast(), size_of::<MapExtra>(), 8);
                }
                if !buckets.is_null() {
                    array::free_array(t, buckets);
                }
            }
            return Err(size_of::<Hmap>());
        }
    }
    Ok((hdr, buckets, extra))
}

/// A fresh map for about `hint` entries, or `Err(size)` without reporting (for `mapclone`,
/// which reports after cleaning up).
pub(crate) fn makemap_quiet(t: &MapType, hint: isize) -> Result<*mut Hmap, usize> {
    let b = b_for_hint(sane_hint(t, hint));
    let (hdr, buckets, extra) = allocate(t, b, std::ptr::null_mut())?;
    // SAFETY: a fresh 48-byte header.
    unsafe { init_header(hdr, 0, b, buckets, extra) };
    Ok(hdr)
}

/// A map for at most 8 entries before its first grow; the first bucket is made on first insert.
/// Returns null after reporting out of memory.
pub fn makemap_small() -> *mut Hmap {
    let hdr = alloc::alloc_zeroed(size_of::<Hmap>(), 8).cast::<Hmap>();
    if hdr.is_null() {
        panic::out_of_memory(size_of::<Hmap>());
        return hdr;
    }
    // SAFETY: fresh 48-byte allocation.
    unsafe { init_header(hdr, 0, 0, std::ptr::null_mut(), std::ptr::null_mut()) };
    hdr
}

/// `len(m)`: 0 for a nil map.
///
/// # Safety
/// `h` is null or a live map.
#[inline]
pub unsafe fn maplen(h: *const Hmap) -> isize {
    if h.is_null() {
        return 0;
    }
    // SAFETY: caller's promise.
    unsafe { (*h).count.get() }
}
