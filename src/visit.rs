//! `mapvisit`: every live key and elem, once each, for a host's garbage collector.
//!
//! A host whose keys or elems hold references to its own objects must mark them; the map's
//! memory is not the host's heap, so its collector cannot scan it. `mapvisit` hands it the
//! address of every live key and elem *value*: the current table's full cells and the full
//! cells of old chains not yet evacuated. An evacuated old cell is a stale copy of an entry the
//! current table holds, and retired memory holds no live entry, so neither is visited. For keys
//! or elems stored out of line the address is the out-of-line object; the slot holding the
//! pointer to it is map memory that holds no host reference.
//!
//! The walk reads only: it allocates nothing, calls no host callback but the visitor, and never
//! hashes a key. It is a read, so it may run alongside other reads. The visitor must not modify
//! the map: a write from it (or from another thread) is detected, on a best-effort basis, by
//! re-reading the header after every call, and reported as Go's fatal "concurrent map iteration
//! and map write" before the walk touches bucket memory again.

use std::ffi::{c_int, c_void};

use crate::bucket::{Bucket, is_empty};
use crate::consts::*;
use crate::hmap::{Hmap, bucket_shift};
use crate::maptype::MapType;
use crate::panic;

/// A host's visitor (`gohmap_visitor`): `ctx` as given to `gohmap_mapvisit`, then the addresses
/// of one entry's key and elem. Non-zero stops the walk.
pub type VisitFn =
    unsafe extern "C-unwind" fn(ctx: *mut c_void, key: *mut c_void, elem: *mut c_void) -> c_int;

/// The header fields a write changes (every write that frees or moves bucket memory changes
/// `buckets`, `oldbuckets`, `nevacuate`, `count` or `noverflow`; `mapclear` changes `hash0`).
#[derive(PartialEq, Eq)]
struct Snapshot {
    count: isize,
    noverflow: u16,
    hash0: u32,
    buckets: *mut u8,
    oldbuckets: *mut u8,
    nevacuate: usize,
    writing: bool,
}

impl Snapshot {
    fn of(h: &Hmap) -> Snapshot {
        Snapshot {
            count: h.count.get(),
            noverflow: h.noverflow.get(),
            hash0: h.hash0.get(),
            buckets: h.buckets.get(),
            oldbuckets: h.oldbuckets.get(),
            nevacuate: h.nevacuate.get(),
            writing: h.flags() & HASH_WRITING != 0,
        }
    }
}

/// Calls `visitor(key, elem)` for every live entry of `h`, until it returns non-zero; returns
/// that value, or 0 when every entry was visited.
///
/// # Safety
/// `t` is the map's validated descriptor; `h` is null or a live map of `t`. The visitor must
/// not write to the map, and nothing else may write to it during the walk.
pub unsafe fn mapvisit(
    t: &MapType,
    h: *const Hmap,
    mut visitor: impl FnMut(*mut u8, *mut u8) -> c_int,
) -> c_int {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        return 0;
    };
    let before = Snapshot::of(h);
    if before.writing {
        panic::concurrent_iter_write();
    }
    if before.buckets.is_null() || before.count == 0 {
        return 0;
    }
    let mut tables = [
        (before.buckets, bucket_shift(h.b.get()), false),
        (std::ptr::null_mut(), 0, true),
    ];
    if h.growing() {
        tables[1] = (before.oldbuckets, h.noldbuckets(), true);
    }
    for (base, n, old) in tables {
        for j in 0..n {
            // SAFETY: j is a main bucket of a live array; the header is unchanged since the
            // walk began (checked after every visitor call), so the chain is still live.
            let mut b = unsafe { Bucket::at(base, t, j) };
            // SAFETY: as above.
            if old && unsafe { b.evacuated() } {
                continue;
            }
            while !b.is_null() {
                for i in 0..BUCKET_CNT {
                    // SAFETY: b is a live bucket of the chain; full cells hold live entries.
                    let (k, e) = unsafe {
                        if is_empty(b.tophash(i)) {
                            continue;
                        }
                        (b.key(t, i), b.elem(t, i))
                    };
                    let r = visitor(k, e);
                    if Snapshot::of(h) != before {
                        panic::concurrent_iter_write();
                    }
                    if r != 0 {
                        return r;
                    }
                }
                // SAFETY: b is live.
                b = unsafe { b.overflow(t) };
            }
        }
    }
    0
}
