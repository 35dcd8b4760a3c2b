//! `mapdelete`: remove the entry for a key, if present (spec §3.4).
//!
//! The cell becomes a tombstone (emptyOne); if everything after it in the chain is empty, it and
//! the tombstones before it become emptyRest, so lookups stop early (I4). Out-of-line storage is
//! released (freed, or retired while an iterator may read it); inline elem bytes are zeroed, so a
//! reused cell's elem starts at zero (I5), and so are inline keys that may hold a pointer (keys
//! of the number kinds are left, as Go leaves keys without pointers; see `remove`).

use crate::access::find_in_chain;
use crate::bucket::{Bucket, group, top_hash, zero_slot};
use crate::consts::*;
use crate::grow::{grow_work, progress, read_bucket};
use crate::hmap::{Hmap, bucket_mask};
use crate::key::MapKey;
use crate::maptype::MapType;
use crate::panic;
use crate::rand::fastrand;
use crate::retire::{self, Obj};
use crate::shrink;

/// `mapdelete`. Deleting from a nil map or a missing key does nothing. Never allocates in a way
/// that can fail it: without memory to evacuate first, it deletes in the old table.
///
/// # Safety
/// `t` is validated and `K` fits it; `h` is null or a live map of `t`.
#[inline(always)]
pub unsafe fn mapdelete<K: MapKey>(t: &MapType, h: *mut Hmap, key: K) {
    // SAFETY: caller's promise.
    let h = match unsafe { h.as_ref() } {
        Some(h) if h.count.get() != 0 => h,
        _ => {
            if t.hash_might_panic() {
                // SAFETY: caller's promise (issue 23734: an unhashable key fails even here).
                unsafe { key.hash(t, 0) };
            }
            return;
        }
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    if h.b.get() == 0 {
        // One bucket, never growing (I8), too small to shrink: value kinds find the key by
        // scanning, as lookups do, and need no hash (delete_all u64 n = 8: 17.4 -> 11.1 ns a delete).
        let b = Bucket(h.buckets.get());
        // SAFETY: a non-empty B = 0 map has exactly this bucket.
        if let Some(found) = unsafe { key.find_in_one_bucket(t, b) } {
            h.toggle_writing();
            if let Some(i) = found {
                // SAFETY: a found full cell of the lone bucket, writing flag held.
                unsafe { remove::<K>(t, h, b, b, i) };
            }
            finish_write(h);
            return;
        }
    }
    // SAFETY: caller's promise.
    let hash = unsafe { key.hash(t, h.hash0.get() as usize) };
    h.toggle_writing();
    // SAFETY: writing flag held.
    unsafe { delete_locked(t, h, key, hash) };
    finish_write(h);
}

/// Drops the writing flag, reporting a concurrent write if someone else dropped it meanwhile.
#[inline(always)]
fn finish_write(h: &Hmap) {
    if h.flags() & HASH_WRITING == 0 {
        panic::concurrent_writes();
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// # Safety
/// As [`mapdelete`], with the writing flag held and the map non-empty.
#[inline(always)]
unsafe fn delete_locked<K: MapKey>(t: &MapType, h: &Hmap, key: K, hash: usize) {
    let bucket = hash & bucket_mask(h.b.get());
    // SAFETY: a main bucket of the current array.
    let mut head = unsafe { Bucket::at(h.buckets.get(), t, bucket) };
    if h.growing() && h.shrinking() {
        // A shrink moves old buckets in order only, never the ones this key's lookup needs:
        // those are scattered over two arrays, and reading them at random (two old siblings
        // and the new bucket, cache misses on a big map) for every delete cost more than the
        // delete itself (draining 64K u64 keys: 82 ns a delete, against 23 without shrinking).
        // The key is found where it is now, in its old chain if that has not moved yet: a
        // delete needs no room in the new array.
        // SAFETY: writing flag held.
        unsafe { progress::<K>(t, h) };
        // SAFETY: buckets are live; read_bucket picks the old chain until it has moved.
        head = unsafe { read_bucket(t, h, hash) };
    } else if h.growing()
        // SAFETY: growing, writing flag held.
        && unsafe { grow_work::<K>(t, h, bucket) }.is_err()
    {
        // No memory to evacuate the old bucket first. Deleting needs none: the entry, if any,
        // is still in the old chain (its new bucket is untouched, I3), so delete it there and
        // report nothing ("report unless the routine can complete without that memory").
        // SAFETY: buckets are live; the needed old bucket is unevacuated, so this is it.
        head = unsafe { read_bucket(t, h, hash) };
    }
    // SAFETY: head is a live head bucket of the key's chain.
    if let Some((b, i)) = unsafe { find_in_chain(t, key, top_hash(hash), head) } {
        // SAFETY: a found cell of this chain, writing flag held.
        unsafe {
            remove::<K>(t, h, head, b, i);
            shrink::after_delete(t, h);
        }
    }
}

/// Empties full cell `i` of `b` in the chain starting at `head`.
///
/// Inlined into both callers: as a call it cost delete_all str n = 8 16.4 -> 15.0 ns and u64
/// n = 64K 36.3 -> 35.1 (A/B, minimum of three alternating runs). Specialised by key kind: a
/// fast kind (`K::SLOT != 0`) keeps keys and elems inline in slots of known width, so its
/// deletes test no out-of-line flags and address slots without reading their widths: 148 ->
/// 136 instructions a `gohmap_mapdelete_fast64` call (callgrind, delete_all u64 n = 1024).
/// That matters where a delete waits on memory (see "Big maps" in docs/performance.md):
/// delete_all n = 1M u64 110.6 -> 100.8 and 92.5 -> 85.4 ns, u32 95.9 -> 88.7 and 82.3 ->
/// 78.4 (two A/Bs, 3 and 4 rounds); n = 1024 and strings within noise.
///
/// # Safety
/// Writing flag held; the cell is full and in the current table; `K` fits `t`.
#[inline(always)]
unsafe fn remove<K: MapKey>(t: &MapType, h: &Hmap, head: Bucket, mut b: Bucket, i: usize) {
    // Fast kinds never store keys or elems out of line (their descriptors are admitted only so).
    let inline_only = K::SLOT != 0;
    // SAFETY: the cell is full; its out-of-line objects are live and referenced only here.
    unsafe {
        let ks = b.key_slot_of::<K>(t, i);
        if !inline_only && t.indirect_key() {
            let obj = ks.cast::<*mut u8>().replace(std::ptr::null_mut());
            retire::release_object(t, h, Obj::Key, obj);
        } else if !t.key_holds_no_pointer() {
            // A key that may hold a pointer (a string header, a pointer, a custom key) is
            // zeroed, so a collector scanning the bucket never finds a dead object through it.
            // A number is left in its empty cell, as Go leaves keys without pointers: its
            // bytes are overwritten by the next insert, and nothing reads an empty cell's key.
            // Zeroing it stored into one more cache line per delete, often one the delete did
            // not otherwise write: delete_all u64 n = 1M 171 -> 144 ns (A/B, this VM).
            zero_slot(ks, if inline_only { K::SLOT } else { t.key_size });
        }
        // The slot, not the elem: for an out-of-line elem `elem_of` would follow its pointer.
        let es = if inline_only {
            b.elem_of::<K>(t, i)
        } else {
            b.elem_slot(t, i)
        };
        if !inline_only && t.indirect_elem() {
            let obj = es.cast::<*mut u8>().replace(std::ptr::null_mut());
            retire::release_object(t, h, Obj::Elem, obj);
        } else {
            zero_slot(es, t.elem_size);
        }
        // If everything after this cell is emptyRest, it and the tombstones before it become
        // emptyRest too (I4): within this bucket with one store, then, if that run reached
        // cell 0, walking back across bucket boundaries (the predecessor is found from the
        // head: chains are singly linked and short).
        let rest_follows = if i == BUCKET_CNT - 1 {
            let next = b.overflow(t);
            next.is_null() || next.tophash(0) == EMPTY_REST
        } else {
            b.tophash(i + 1) == EMPTY_REST
        };
        if !rest_follows {
            b.set_tophash(i, EMPTY_ONE);
        } else {
            let g = b.group();
            let (run, mut to_start) = group::tombstone_run(g, i);
            b.set_group(g & !run);
            // The run reached cell 0: it goes on in the previous bucket if that one ends in
            // emptyOne cells.
            while to_start && b != head {
                let cur = b;
                b = head;
                while b.overflow(t) != cur {
                    b = b.overflow(t);
                }
                let g = b.group();
                if (g >> (8 * (BUCKET_CNT - 1))) as u8 != EMPTY_ONE {
                    break;
                }
                let (run, more) = group::tombstone_run(g, BUCKET_CNT - 1);
                b.set_group(g & !run);
                to_start = more;
            }
        }
    }
    h.count.set(h.count.get() - 1);
    if h.count.get() == 0 {
        // A fresh seed, so an attacker cannot keep reusing collisions (issue 25237).
        h.hash0.set(fastrand());
    }
}
