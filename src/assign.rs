//! `mapassign`: find or insert the entry for a key and return its elem storage (spec §3.3).
//!
//! The caller writes the value through the returned pointer. For a new key that storage reads
//! as zero (I5), so `m[k] op= v` works on fresh entries (issue 25936).
//!
//! Order of work, chosen so that every failure leaves the map consistent and unchanged in what a
//! caller can observe: hash before setting `hashWriting` (a failing hasher touches nothing,
//! issue 19359); grow work; scan; start a grow if needed and retry; allocate the out-of-line key
//! and elem, then an overflow bucket if the chain is full; only then write the new cell.

use crate::access::find;
use crate::array;
use crate::bucket::{Bucket, group, top_hash};
use crate::consts::*;
use crate::grow::{grow_work, hash_grow, new_overflow_for_insert};
use crate::hmap::{Hmap, bucket_mask, over_load_factor, too_many_overflow_buckets};
use crate::key::MapKey;
use crate::maptype::MapType;
use crate::panic;
use crate::retire::{self, Obj};

/// `mapassign`: the elem slot for `key`, inserting a zeroed entry if absent. Returns null if the
/// map is nil or memory ran out (after reporting through the panic handler), with the map as
/// it was.
///
/// # Safety
/// `t` is validated and `K` fits it; `h` is null or a live map of `t`.
#[inline(always)]
pub unsafe fn mapassign<K: MapKey>(t: &MapType, h: *mut Hmap, key: K) -> *mut u8 {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        panic::nil_map();
        return std::ptr::null_mut();
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    // SAFETY: caller's promise.
    let hash = unsafe { key.hash(t, h.hash0.get() as usize) };
    h.toggle_writing();
    // SAFETY: we hold the writing flag.
    let r = unsafe { assign_locked(t, h, key, hash) };
    if h.flags() & HASH_WRITING == 0 {
        panic::concurrent_writes();
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    match r {
        Ok(e) => e,
        Err(size) => {
            panic::out_of_memory(size);
            std::ptr::null_mut()
        }
    }
}

/// # Safety
/// As [`mapassign`], with the writing flag held.
#[inline(always)]
unsafe fn assign_locked<K: MapKey>(
    t: &MapType,
    h: &Hmap,
    key: K,
    hash: usize,
) -> Result<*mut u8, usize> {
    if h.buckets.get().is_null() {
        h.buckets.set(array::new_array(t, 0)?.0);
    }
    let top = top_hash(hash);
    loop {
        let bucket = hash & bucket_mask(h.b.get());
        let moved = if h.growing() {
            // SAFETY: growing, writing flag held.
            unsafe { grow_work::<K>(t, h, bucket) }
        } else {
            Ok(())
        };
        if let Err(size) = moved {
            // No memory to evacuate the key's old bucket first. Updating an existing key needs
            // none: it is still in that old chain, so update it there; only a new key (which
            // must go to the new table) reports out of memory.
            // SAFETY: the map is non-empty or growing, so buckets are live.
            return match unsafe { find(t, h, key, hash) } {
                // SAFETY: a found cell is full.
                Some((b, i)) => unsafe {
                    key.update(t, b, i);
                    Ok(b.elem_of::<K>(t, i))
                },
                None => Err(size),
            };
        }
        // SAFETY: bucket is a main bucket of the current array.
        let mut b = unsafe { Bucket::at(h.buckets.get(), t, bucket) };
        let mut slot: Option<(Bucket, usize)> = None;
        loop {
            // SAFETY: b is a live bucket of the chain.
            let g = unsafe { b.group() };
            let mut m = group::match_byte(g, top);
            while m != 0 {
                let i = group::first(m);
                // SAFETY: cell i is full.
                unsafe {
                    if key.matches(t, b, i) {
                        key.update(t, b, i);
                        return Ok(b.elem_of::<K>(t, i));
                    }
                }
                m = group::rest(m);
            }
            if slot.is_none() {
                let e = group::match_empty(g);
                if e != 0 {
                    slot = Some((b, group::first(e)));
                }
            }
            // emptyRest ends the live part of the chain (I4): the key is absent.
            if group::match_empty_rest(g) != 0 {
                break;
            }
            // SAFETY: b is live.
            let next = unsafe { b.overflow(t) };
            if next.is_null() {
                break;
            }
            b = next;
        }
        // Growth invalidates the remembered slot, so it restarts the search.
        if !h.growing()
            && (over_load_factor(h.count.get() + 1, h.b.get())
                || too_many_overflow_buckets(h.noverflow.get(), h.b.get()))
        {
            // SAFETY: not growing, writing flag held.
            unsafe { hash_grow(t, h)? };
            continue;
        }
        // SAFETY: `b` is the chain's last bucket when no slot was found.
        return unsafe { insert(t, h, key, top, slot, b) };
    }
}

/// Fills a new cell for `key`: `slot` if the scan found a free one, else cell 0 of a new
/// overflow bucket after `last`.
///
/// # Safety
/// Writing flag held; `slot` is a free cell of the key's chain or `last` is its last bucket.
unsafe fn insert<K: MapKey>(
    t: &MapType,
    h: &Hmap,
    key: K,
    top: u8,
    slot: Option<(Bucket, usize)>,
    last: Bucket,
) -> Result<*mut u8, usize> {
    let kobj = if t.indirect_key() {
        retire::alloc_object(t, Obj::Key)?
    } else {
        std::ptr::null_mut()
    };
    let eobj = if t.indirect_elem() {
        match retire::alloc_object(t, Obj::Elem) {
            Ok(p) => p,
            Err(size) => {
                // SAFETY: never published.
                unsafe { free_objects(t, kobj, std::ptr::null_mut()) };
                return Err(size);
            }
        }
    } else {
        std::ptr::null_mut()
    };
    let (b, i) = match slot {
        Some(s) => s,
        // SAFETY: `last` is the chain's last bucket.
        None => match unsafe { new_overflow_for_insert(t, h, last) } {
            Ok(nb) => (nb, 0),
            Err(size) => {
                // SAFETY: never published.
                unsafe { free_objects(t, kobj, eobj) };
                return Err(size);
            }
        },
    };
    // SAFETY: cell i of b is free and ours to fill.
    unsafe {
        if !kobj.is_null() {
            b.key_slot(t, i).cast::<*mut u8>().write(kobj);
        }
        if !eobj.is_null() {
            b.elem_slot(t, i).cast::<*mut u8>().write(eobj);
        }
        key.store(t, b, i);
        b.set_tophash(i, top);
        h.count.set(h.count.get() + 1);
        Ok(b.elem_of::<K>(t, i))
    }
}

/// # Safety
/// Each non-null pointer came from `alloc_object` and was never published.
unsafe fn free_objects(t: &MapType, kobj: *mut u8, eobj: *mut u8) {
    // SAFETY: caller's promise.
    unsafe {
        if !kobj.is_null() {
            retire::free_object(t, Obj::Key, kobj);
        }
        if !eobj.is_null() {
            retire::free_object(t, Obj::Elem, eobj);
        }
    }
}
