//! `mapclone` (Go 1.21's `maps.Clone`): a deep copy with its own seed.
//!
//! Go 1.21 copies buckets wholesale and keeps the source's seed, so collisions an attacker
//! found in one map carry over to its clones. We give the clone a fresh seed, which means every
//! key must be placed again by its new hash; but keys are known to be distinct, so each cell is
//! copied straight into its new bucket — key and elem slot bytes, no equality calls, no growth
//! (the clone is sized for the count up front). Out-of-line keys and elems are duplicated.
//! Building is all-or-nothing: on allocation failure the partial clone is freed and the source
//! was never touched.

use crate::array;
use crate::bucket::{Bucket, group, is_empty, top_hash};
use crate::consts::*;
use crate::free::mapfree;
use crate::grow::new_overflow_for_insert;
use crate::hmap::{Hmap, bucket_mask, bucket_shift};
use crate::make;
use crate::maptype::MapType;
use crate::panic::{self, Code};
use crate::retire::{self, Obj};

/// A deep copy of `h` (null for a nil map). Returns null after reporting out of memory.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t` with no write in progress.
pub unsafe fn mapclone(t: &MapType, h: *const Hmap) -> *mut Hmap {
    // SAFETY: caller's promise.
    let Some(src) = (unsafe { h.as_ref() }) else {
        return std::ptr::null_mut();
    };
    if src.flags() & HASH_WRITING != 0 {
        panic::fatal(
            Code::ConcurrentReadWrite,
            "concurrent map clone and map write",
        );
    }
    let dst = make::makemap_quiet(t, src.count.get());
    let Ok(dst) = dst else {
        panic::out_of_memory(dst.unwrap_err());
        return std::ptr::null_mut();
    };
    // SAFETY: dst is a fresh map of t, private to us; src is live.
    match unsafe { copy_all(t, src, &*dst) } {
        Ok(()) => dst,
        Err(size) => {
            // SAFETY: dst is ours and consistent (count matches its full cells).
            unsafe { mapfree(t, dst) };
            panic::out_of_memory(size);
            std::ptr::null_mut()
        }
    }
}

/// Copies every live entry of `src` into the empty `dst`.
///
/// # Safety
/// `dst` is a fresh, empty map of `t` sized for `src.count`; `src` is live.
unsafe fn copy_all(t: &MapType, src: &Hmap, dst: &Hmap) -> Result<(), usize> {
    if src.count.get() == 0 {
        return Ok(());
    }
    if dst.buckets.get().is_null() {
        dst.buckets.set(array::new_array(t, 0)?.0);
    }
    let cur = (src.buckets.get(), bucket_shift(src.b.get()));
    let old = (
        src.oldbuckets.get(),
        if src.growing() { src.noldbuckets() } else { 0 },
    );
    for (base, n) in [cur, old] {
        for j in 0..n {
            // SAFETY: j is a main bucket of that array; chains are live.
            unsafe {
                let mut b = Bucket::at(base, t, j);
                if b.evacuated() {
                    continue; // its entries are in the current table
                }
                while !b.is_null() {
                    for i in 0..BUCKET_CNT {
                        if !is_empty(b.tophash(i)) {
                            copy_cell(t, dst, b, i)?;
                        }
                    }
                    b = b.overflow(t);
                }
            }
        }
    }
    Ok(())
}

/// Places full cell `i` of `b` into `dst` by its hash under `dst`'s seed.
///
/// # Safety
/// As [`copy_all`]; cell `i` of `b` is full.
unsafe fn copy_cell(t: &MapType, dst: &Hmap, b: Bucket, i: usize) -> Result<(), usize> {
    // SAFETY: a full cell holds a live key (hashing it again cannot fail: it was hashed once).
    let hash = unsafe { t.hash(b.key(t, i), dst.hash0.get() as usize) };
    // SAFETY: in range of dst's current array.
    let mut d = unsafe { Bucket::at(dst.buckets.get(), t, hash & bucket_mask(dst.b.get())) };
    let slot = loop {
        // SAFETY: d is a live bucket of dst.
        let free = group::match_empty(unsafe { d.group() });
        if free != 0 {
            break group::first(free);
        }
        // SAFETY: as above.
        let next = unsafe { d.overflow(t) };
        if next.is_null() {
            // SAFETY: d is the chain's last bucket.
            d = unsafe { new_overflow_for_insert(t, dst, d)? };
            break 0;
        }
        d = next;
    };
    // SAFETY: d's cell `slot` is free; objects are allocated before the cell is published, and
    // freed if the second allocation fails.
    unsafe {
        let (ks, es) = (b.key_slot(t, i), b.elem_slot(t, i));
        let (dk, de) = (d.key_slot(t, slot), d.elem_slot(t, slot));
        if t.indirect_key() {
            let obj = retire::alloc_object(t, Obj::Key)?;
            std::ptr::copy_nonoverlapping(b.key(t, i), obj, t.key_size);
            dk.cast::<*mut u8>().write(obj);
        } else {
            std::ptr::copy_nonoverlapping(ks, dk, t.key_size);
        }
        if t.indirect_elem() {
            let obj = match retire::alloc_object(t, Obj::Elem) {
                Ok(p) => p,
                Err(size) => {
                    if t.indirect_key() {
                        retire::free_object(
                            t,
                            Obj::Key,
                            dk.cast::<*mut u8>().replace(std::ptr::null_mut()),
                        );
                    }
                    return Err(size);
                }
            };
            std::ptr::copy_nonoverlapping(b.elem(t, i), obj, t.elem_size);
            de.cast::<*mut u8>().write(obj);
        } else {
            std::ptr::copy_nonoverlapping(es, de, t.elem_size);
        }
        d.set_tophash(slot, top_hash(hash));
    }
    dst.count.set(dst.count.get() + 1);
    Ok(())
}
