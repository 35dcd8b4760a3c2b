//! Growth: starting a grow, evacuating old buckets, finishing, and making overflow buckets.
//!
//! A grow is incremental (spec §3.7). `hash_grow` swaps in a new array (twice the size, or the
//! same size when overflow chains got too long) and keeps the old one as `oldbuckets`; every
//! later assign or delete then evacuates the old bucket that feeds the bucket it is about to use,
//! plus one more in order, so a grow over `N` old buckets ends within `N` writes.
//!
//! Failure atomicity. Evacuating one old chain is all-or-nothing: before moving anything we count
//! how many overflow buckets the destinations will need, and allocate the ones the array's
//! preallocated stock cannot supply. If that fails, nothing has moved and the caller reports out
//! of memory. A grow that has started but not progressed is an ordinary state of the map, so a
//! failure after `hash_grow` changes nothing observable either (len, keys, elems, iteration).

use crate::array;
use crate::bucket::{Bucket, is_empty, top_hash};
use crate::consts::*;
use crate::hmap::{Hmap, bucket_mask, over_load_factor};
use crate::key::MapKey;
use crate::maptype::MapType;
use crate::panic;
use crate::rand::fastrand;
use crate::retire;

/// Overflow buckets allocated ahead of an evacuation, linked through their overflow fields.
struct Reserve {
    head: Bucket,
}

impl Reserve {
    fn new() -> Reserve {
        Reserve { head: Bucket::NULL }
    }

    fn fill(&mut self, t: &MapType, n: usize) -> Result<(), usize> {
        for _ in 0..n {
            match array::alloc_bucket(t) {
                // SAFETY: a fresh zeroed bucket we own.
                Ok(p) => unsafe {
                    Bucket(p).set_overflow(t, self.head);
                    self.head = Bucket(p);
                },
                Err(size) => {
                    self.release(t);
                    return Err(size);
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, t: &MapType) -> Bucket {
        let b = self.head;
        if !b.is_null() {
            // SAFETY: reserve buckets are ours; unlink before handing out (zeroed again).
            unsafe {
                self.head = b.overflow(t);
                b.set_overflow(t, Bucket::NULL);
            }
        }
        b
    }

    fn release(&mut self, t: &MapType) {
        while !self.head.is_null() {
            let b = self.take(t);
            // SAFETY: never published.
            unsafe { array::free_bucket(t, b.0) };
        }
    }
}

/// Counts an overflow bucket made for the current table (sampled above B = 16, spec §3.0.6).
fn incr_noverflow(h: &Hmap) {
    if h.b.get() < 16 {
        h.noverflow.set(h.noverflow.get().wrapping_add(1));
        return;
    }
    let mask = (1u32 << (h.b.get() - 15)) - 1;
    if fastrand() & mask == 0 {
        h.noverflow.set(h.noverflow.get().wrapping_add(1));
    }
}

/// Takes a free preallocated overflow bucket of the current array, if any.
fn take_prealloc(t: &MapType, h: &Hmap) -> Bucket {
    let e = h.extra_ptr();
    if e.is_null() {
        return Bucket::NULL;
    }
    // SAFETY: extra is live; next_overflow is null or a free preallocated bucket (I10).
    unsafe {
        let ovf = Bucket((*e).next_overflow.get());
        if ovf.is_null() {
            return ovf;
        }
        if ovf.overflow(t).is_null() {
            (*e).next_overflow.set(ovf.0.add(t.bucketsize as usize));
        } else {
            // The last one: its overflow field holds the sentinel.
            ovf.set_overflow(t, Bucket::NULL);
            (*e).next_overflow.set(std::ptr::null_mut());
        }
        ovf
    }
}

/// Links a new empty overflow bucket after `b` (Go's `newoverflow`), from the preallocated stock,
/// then `reserve`, then the allocator.
///
/// # Safety
/// `b` is the last bucket of a chain of the current table; the caller owns the map for writing.
unsafe fn new_overflow(
    t: &MapType,
    h: &Hmap,
    b: Bucket,
    reserve: Option<&mut Reserve>,
) -> Result<Bucket, usize> {
    let mut ovf = take_prealloc(t, h);
    if ovf.is_null()
        && let Some(r) = reserve
    {
        ovf = r.take(t);
    }
    if ovf.is_null() {
        ovf = Bucket(array::alloc_bucket(t)?);
    }
    incr_noverflow(h);
    // SAFETY: caller's promise about b.
    unsafe { b.set_overflow(t, ovf) };
    Ok(ovf)
}

/// Attaches a new overflow bucket after `b` for an insertion.
///
/// # Safety
/// As [`new_overflow`].
pub unsafe fn new_overflow_for_insert(t: &MapType, h: &Hmap, b: Bucket) -> Result<Bucket, usize> {
    // SAFETY: caller's promise.
    unsafe { new_overflow(t, h, b, None) }
}

/// Starts a grow (spec §3.7.1): doubling if the next insert would overload the table, otherwise
/// same-size. Allocates before changing anything.
///
/// # Safety
/// The map is not growing and the caller owns it for writing.
pub unsafe fn hash_grow(t: &MapType, h: &Hmap) -> Result<(), usize> {
    debug_assert!(!h.growing());
    let bigger = u8::from(over_load_factor(h.count.get() + 1, h.b.get()));
    let (new, next) = array::new_array(t, h.b.get() + bigger)?;
    if !next.is_null()
        && let Err(size) = retire::ensure_extra(h)
    {
        // SAFETY: `new` was never published.
        unsafe { array::free_array(t, new) };
        return Err(size);
    }
    let mut flags = h.flags() & !(ITERATOR | OLD_ITERATOR);
    if h.flags() & ITERATOR != 0 {
        flags |= OLD_ITERATOR;
    }
    if bigger == 0 {
        flags |= SAME_SIZE_GROW;
    }
    h.b.set(h.b.get() + bigger);
    h.set_flags(flags);
    h.oldbuckets.set(h.buckets.get());
    h.buckets.set(new);
    h.nevacuate.set(0);
    h.noverflow.set(0);
    let e = h.extra_ptr();
    if !e.is_null() {
        // SAFETY: extra is live.
        unsafe { (*e).next_overflow.set(next) };
    }
    Ok(())
}

/// Evacuates the old bucket feeding new bucket `bucket`, then one more for progress
/// (spec §3.7.2). Only the first is needed for correctness: if memory for the second is short,
/// it is skipped without a report.
///
/// # Safety
/// The map is growing and the caller owns it for writing.
pub unsafe fn grow_work<K: MapKey>(t: &MapType, h: &Hmap, bucket: usize) -> Result<(), usize> {
    let oldmask = h.noldbuckets() - 1;
    // SAFETY: growing, so oldbuckets is live.
    unsafe { evacuate::<K>(t, h, bucket & oldmask)? };
    if h.growing() {
        // SAFETY: as above.
        let _ = unsafe { evacuate::<K>(t, h, h.nevacuate.get()) };
    }
    Ok(())
}

/// Overflow buckets needed to evacuate the chain at `b`: each destination starts empty (I3), so
/// a destination receiving `n` entries needs `(n - 1) / 8` overflow buckets. The count is exact
/// only because nothing it depends on (`hash0`, the `ITERATOR` bit, the keys) changes between
/// this count and `move_chain`: both run inside one write, with the writing flag held.
/// NaN-like keys evacuated without an iterator go X or Y by a fresh random hash, so they are
/// counted on both sides.
///
/// # Safety
/// `b` is an unevacuated old head bucket.
unsafe fn overflow_needed<K: MapKey>(t: &MapType, h: &Hmap, b: Bucket, newbit: usize) -> usize {
    let (mut nx, mut ny, mut either) = (0usize, 0usize, 0usize);
    let same = h.same_size_grow();
    let iter = h.flags() & ITERATOR != 0;
    let mut ob = b;
    while !ob.is_null() {
        for i in 0..BUCKET_CNT {
            // SAFETY: ob is a live bucket of the old chain; full cells hold live keys.
            unsafe {
                if is_empty(ob.tophash(i)) {
                    continue;
                }
                if same {
                    nx += 1;
                    continue;
                }
                let k = ob.key(t, i);
                if !t.reflexive_key() && !t.eq(k, k) {
                    match (iter, ob.tophash(i) & 1) {
                        (false, _) => either += 1,
                        (true, 0) => nx += 1,
                        (true, _) => ny += 1,
                    }
                } else if K::hash_stored(t, k, h.hash0.get() as usize) & newbit != 0 {
                    ny += 1;
                } else {
                    nx += 1;
                }
            }
        }
        // SAFETY: ob is live.
        ob = unsafe { ob.overflow(t) };
    }
    let need = |n: usize| n.saturating_sub(1) / BUCKET_CNT;
    need(nx + either) + need(ny + either)
}

/// A destination of evacuation: the bucket being filled and the next free cell in it.
struct Dest {
    b: Bucket,
    i: usize,
}

/// Moves every entry of old bucket `oldbucket`'s chain to the new table (spec §3.7.3), then
/// advances `nevacuate` if this was the bucket it pointed at.
///
/// # Safety
/// The map is growing, `oldbucket < noldbuckets`, and the caller owns it for writing.
pub unsafe fn evacuate<K: MapKey>(t: &MapType, h: &Hmap, oldbucket: usize) -> Result<(), usize> {
    let newbit = h.noldbuckets();
    // SAFETY: oldbucket is in range of the old array.
    let b = unsafe { Bucket::at(h.oldbuckets.get(), t, oldbucket) };
    // SAFETY: b is a live old head bucket.
    if unsafe { !b.evacuated() } {
        let mut reserve = Reserve::new();
        // SAFETY: b is live; only chains with overflow can need overflow buckets.
        if unsafe { !b.overflow(t).is_null() } {
            // SAFETY: b is an unevacuated head bucket, buckets is the current array.
            let need = unsafe { overflow_needed::<K>(t, h, b, newbit) };
            // SAFETY: next_overflow is null or a free bucket of the current array (I10).
            let have =
                unsafe { array::prealloc_left(t, h.buckets.get(), h.b.get(), h.next_overflow()) };
            reserve.fill(t, need.saturating_sub(have))?;
        }
        // SAFETY: destinations are untouched new buckets (I3); the reserve covers overflow.
        unsafe { move_chain::<K>(t, h, b, oldbucket, newbit, &mut reserve) };
        reserve.release(t);
    }
    if oldbucket == h.nevacuate.get() {
        // SAFETY: caller's promise.
        unsafe { advance_evacuation_mark(t, h, newbit) };
    }
    Ok(())
}

/// # Safety
/// As [`evacuate`], with `reserve` holding enough buckets beyond the preallocated stock.
unsafe fn move_chain<K: MapKey>(
    t: &MapType,
    h: &Hmap,
    b: Bucket,
    oldbucket: usize,
    newbit: usize,
    reserve: &mut Reserve,
) {
    let same = h.same_size_grow();
    // SAFETY: X (and Y for a doubling grow) are in range of the new array.
    let mut dst = unsafe {
        let y = if same {
            Bucket::NULL
        } else {
            Bucket::at(h.buckets.get(), t, oldbucket + newbit)
        };
        [
            Dest {
                b: Bucket::at(h.buckets.get(), t, oldbucket),
                i: 0,
            },
            Dest { b: y, i: 0 },
        ]
    };
    let mut ob = b;
    while !ob.is_null() {
        for i in 0..BUCKET_CNT {
            // SAFETY: ob is a live old bucket; destinations are live new buckets.
            unsafe {
                let mut top = ob.tophash(i);
                if is_empty(top) {
                    ob.set_tophash(i, EVACUATED_EMPTY);
                    continue;
                }
                if top < MIN_TOP_HASH {
                    panic::bad_map_state("evacuation mark in an unevacuated bucket");
                }
                let mut use_y = 0u8;
                if !same {
                    let k = ob.key(t, i);
                    let hash = K::hash_stored(t, k, h.hash0.get() as usize);
                    if h.flags() & ITERATOR != 0 && !t.reflexive_key() && !t.eq(k, k) {
                        // A NaN's hash is random: the choice must be one an iterator can
                        // recompute, so take it from the old tophash and re-randomise that.
                        use_y = top & 1;
                        top = top_hash(hash);
                    } else if hash & newbit != 0 {
                        use_y = 1;
                    }
                }
                ob.set_tophash(i, EVACUATED_X + use_y);
                let d = &mut dst[usize::from(use_y)];
                if d.i == BUCKET_CNT {
                    d.b = new_overflow(t, h, d.b, Some(reserve))
                        .unwrap_or_else(|_| panic::bad_map_state("evacuation reserve too small"));
                    d.i = 0;
                }
                d.b.set_tophash(d.i, top);
                std::ptr::copy_nonoverlapping(
                    ob.key_slot(t, i),
                    d.b.key_slot(t, d.i),
                    usize::from(t.keyslot),
                );
                std::ptr::copy_nonoverlapping(
                    ob.elem_slot(t, i),
                    d.b.elem_slot(t, d.i),
                    usize::from(t.elemslot),
                );
                d.i += 1;
            }
        }
        // SAFETY: ob is live.
        ob = unsafe { ob.overflow(t) };
    }
}

/// Moves `nevacuate` past evacuated buckets (at most 1024 at a time) and finishes the grow when
/// it reaches the end: the old array leaves the map (freed, or retired while iterators run).
///
/// # Safety
/// The map is growing and the caller owns it for writing.
unsafe fn advance_evacuation_mark(t: &MapType, h: &Hmap, newbit: usize) {
    h.nevacuate.set(h.nevacuate.get() + 1);
    let stop = (h.nevacuate.get() + 1024).min(newbit);
    while h.nevacuate.get() != stop {
        // SAFETY: nevacuate < newbit here, so the bucket is in range of the old array.
        if unsafe { !Bucket::at(h.oldbuckets.get(), t, h.nevacuate.get()).evacuated() } {
            break;
        }
        h.nevacuate.set(h.nevacuate.get() + 1);
    }
    if h.nevacuate.get() == newbit {
        let old = h.oldbuckets.get();
        let old_b = h.old_b();
        h.oldbuckets.set(std::ptr::null_mut());
        h.set_flags(h.flags() & !SAME_SIZE_GROW);
        // SAFETY: no field references the old array any more.
        unsafe { retire::release_array(t, h, old, old_b) };
    }
}

/// The main bucket for `hash` to read from: the old one while it is not yet evacuated.
///
/// # Safety
/// `h.buckets.get()` is live.
#[inline(always)]
pub unsafe fn read_bucket(t: &MapType, h: &Hmap, hash: usize) -> Bucket {
    let m = bucket_mask(h.b.get());
    // SAFETY: hash & m is a main bucket of the current array.
    let b = unsafe { Bucket::at(h.buckets.get(), t, hash & m) };
    if h.growing() {
        let om = if h.same_size_grow() { m } else { m >> 1 };
        // SAFETY: hash & om is a main bucket of the old array.
        let oldb = unsafe { Bucket::at(h.oldbuckets.get(), t, hash & om) };
        // SAFETY: oldb is live.
        if unsafe { !oldb.evacuated() } {
            return oldb;
        }
    }
    b
}
