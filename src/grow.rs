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
use crate::bucket::{Bucket, group, is_empty, top_hash};
use crate::consts::*;
use crate::hmap::{Hmap, bucket_mask, bucket_shift, over_load_factor};
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
        let mut next = (*e).next_overflow.get();
        let ovf = Bucket(array::take_stock(t, &mut next));
        (*e).next_overflow.set(next);
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
    if ovf.is_null() {
        if let Some(r) = reserve {
            ovf = r.take(t);
        }
        if ovf.is_null() {
            ovf = Bucket(array::alloc_bucket(t)?);
        }
        if !(h.b.get() == 0 && h.flags() & CALLER_BUCKET != 0) {
            // SAFETY: the current array is one we made (not the caller's bucket), and live.
            unsafe { array::note_separate_overflow(h.buckets.get()) };
        }
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
    if over_load_factor(h.count.get() + 1, h.b.get()) {
        // SAFETY: caller's promise.
        unsafe { start(t, h, h.b.get() + 1, 0) }
    } else {
        // SAFETY: caller's promise.
        unsafe { start(t, h, h.b.get(), SAME_SIZE_GROW) }
    }
}

/// Starts a shrink by `levels` halvings (1, or 2 for a quarter): the same machinery as a grow,
/// towards fewer buckets (see `shrink.rs`).
///
/// # Safety
/// The map is not growing, `1 <= levels <= min(B, MAX_SHRINK_LEVELS)`, the key type is
/// reflexive if `levels > 1`, and the caller owns the map for writing.
pub unsafe fn start_shrink(t: &MapType, h: &Hmap, levels: u8) -> Result<(), usize> {
    debug_assert!((1..=MAX_SHRINK_LEVELS).contains(&levels) && h.b.get() >= levels);
    debug_assert!(levels == 1 || t.reflexive_key());
    let kind = if levels == 2 {
        SHRINKING | BY_FOUR
    } else {
        SHRINKING
    };
    // SAFETY: caller's promise.
    unsafe { start(t, h, h.b.get() - levels, kind) }
}

/// Swaps in a new array of `2^new_b` buckets and keeps the current one as `oldbuckets`.
///
/// # Safety
/// The map is not growing and the caller owns it for writing.
unsafe fn start(t: &MapType, h: &Hmap, new_b: u8, kind: u8) -> Result<(), usize> {
    debug_assert!(!h.growing());
    let (new, next) = array::new_array(t, new_b)?;
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
    h.b.set(new_b);
    h.set_flags(flags | kind);
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

/// Evacuates the old bucket feeding new bucket `bucket` (all of them in a shrink), then one
/// more for progress (spec §3.7.2). Only the first are needed for correctness: if memory for
/// the last is short, it is skipped without a report.
///
/// # Safety
/// The map is growing and the caller owns it for writing.
pub unsafe fn grow_work<K: MapKey>(t: &MapType, h: &Hmap, bucket: usize) -> Result<(), usize> {
    if h.shrinking() {
        // New bucket j is fed by its siblings old j, j + 2^B (and j + 2 * 2^B, j + 3 * 2^B by
        // four), in that order, so a sibling is never evacuated before the ones below it:
        // `iter.rs` and `invariants.rs` rely on it.
        let n = bucket_shift(h.b.get());
        let nold = h.noldbuckets();
        let mut sibling = bucket & (n - 1);
        while sibling < nold && h.growing() {
            // SAFETY: shrinking, so oldbuckets is live; sibling < nold.
            unsafe { evacuate::<K>(t, h, sibling)? };
            sibling += n;
        }
    } else {
        // SAFETY: growing, so oldbuckets is live.
        unsafe { evacuate::<K>(t, h, bucket & h.old_mask())? };
    }
    // SAFETY: caller's promise.
    unsafe { progress::<K>(t, h) };
    Ok(())
}

/// Evacuates the next old buckets in order (`nevacuate`), so a grow or shrink ends even if the
/// writes never touch some buckets. A grow is driven by inserts and only has to end before the
/// next one is due: one bucket a write. A shrink is driven by deletes and should end soon: until
/// it does, each delete reads the key's old bucket and, once that has moved, its new one, two
/// cache misses in a big map instead of one. Sixteen old buckets a delete (each holding under one
/// entry, read in order) cut the deletes made mid-shrink while draining 1M u64 keys from 129k to
/// 32k, and the drain from 122 to 102 ns a delete (`sidebyside delete_all`, A/B; it was four;
/// 64 gained little more and quadruples the pause, which is ~0.4 us at 16). A shrink by four
/// moves thirty-two: it has four old buckets for each new one to get through, and the sooner
/// the map is small the cheaper its deletes (u64 n = 1M: 84 -> 79 and 79 -> 70 ns in two A/B
/// runs; strings within noise; 64 gained nothing more), for a pause of ~0.8 us.
/// Maps made to shrink stepwise for tests move four, so that mid-shrink states last long enough
/// to be tested. Memory short for one of them just stops the progress for this write.
///
/// # Safety
/// The caller owns the map for writing.
pub unsafe fn progress<K: MapKey>(t: &MapType, h: &Hmap) {
    let steps = if !h.shrinking() {
        1
    } else if h.stepwise_shrink() != 0 {
        4
    } else if h.flags() & BY_FOUR != 0 {
        32
    } else {
        16
    };
    for _ in 0..steps {
        if !h.growing() {
            break;
        }
        // SAFETY: as above.
        if unsafe { evacuate::<K>(t, h, h.nevacuate.get()) }.is_err() {
            break;
        }
    }
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

impl Dest {
    /// Where a shrink appends to new chain `head`: the first emptyRest cell, after which the
    /// chain is empty (I4); and how many cells lie from there to the chain's end. The chain
    /// holds at most the entries of the lower sibling: nothing is inserted into it before both
    /// siblings are evacuated, though a delete that had no memory to evacuate may have left
    /// tombstones (they stay; any empty cell would do, the suffix is simply the cheapest).
    ///
    /// # Safety
    /// `head` is a live head bucket of the current table.
    unsafe fn append_point(t: &MapType, head: Bucket) -> (Dest, usize) {
        let mut b = head;
        loop {
            // SAFETY: b is a live bucket of the chain.
            let (m, next) = unsafe { (group::match_empty_rest(b.group()), b.overflow(t)) };
            if m != 0 {
                let i = group::first(m);
                let mut free = BUCKET_CNT - i;
                let mut n = next;
                while !n.is_null() {
                    free += BUCKET_CNT;
                    // SAFETY: n is a live bucket of the chain.
                    n = unsafe { n.overflow(t) };
                }
                return (Dest { b, i }, free);
            }
            if next.is_null() {
                return (Dest { b, i: BUCKET_CNT }, 0);
            }
            b = next;
        }
    }

    /// The cell to fill next, moving to the chain's next bucket (an empty one left linked by
    /// deletes, else a new overflow bucket) when this one is full.
    ///
    /// # Safety
    /// As [`move_chain`].
    unsafe fn next_cell(
        &mut self,
        t: &MapType,
        h: &Hmap,
        reserve: &mut Reserve,
    ) -> (Bucket, usize) {
        if self.i == BUCKET_CNT {
            // SAFETY: self.b is a live bucket of the current table.
            let next = unsafe { self.b.overflow(t) };
            self.b = if next.is_null() {
                // SAFETY: self.b ends its chain.
                unsafe { new_overflow(t, h, self.b, Some(reserve)) }
                    .unwrap_or_else(|_| panic::bad_map_state("evacuation reserve too small"))
            } else {
                next
            };
            self.i = 0;
        }
        self.i += 1;
        (self.b, self.i - 1)
    }
}

/// Full cells in the chain at `b`.
///
/// # Safety
/// `b` is a live head bucket.
unsafe fn chain_len(t: &MapType, mut b: Bucket) -> usize {
    let mut n = 0;
    while !b.is_null() {
        // SAFETY: b is live.
        unsafe {
            n += BUCKET_CNT - group::match_empty(b.group()).count_ones() as usize;
            b = b.overflow(t);
        }
    }
    n
}

/// Moves every entry of old bucket `oldbucket`'s chain to the new table (spec §3.7.3), then
/// advances `nevacuate` if this was the bucket it pointed at.
///
/// # Safety
/// The map is growing, `oldbucket < noldbuckets`, and the caller owns it for writing.
pub unsafe fn evacuate<K: MapKey>(t: &MapType, h: &Hmap, oldbucket: usize) -> Result<(), usize> {
    if oldbucket < h.nevacuate.get() {
        // Moved already (every old bucket below `nevacuate` has): no need to read its marks,
        // a cache miss in a big array for about half the writes made during a grow (Go reads
        // them). insert_fresh n = 1M, A/B: u64 134 -> 113 and 119 -> 107 ns, u32 110 -> 95,
        // str 221 -> 214; n = 64K u64 72 -> 67.
        return Ok(());
    }
    let nold = h.noldbuckets();
    // SAFETY: oldbucket is in range of the old array.
    let b = unsafe { Bucket::at(h.oldbuckets.get(), t, oldbucket) };
    // SAFETY: b is a live old head bucket.
    let (lone_and_empty, moved) =
        unsafe { (b.group() == 0 && b.overflow(t).is_null(), b.evacuated()) };
    if lone_and_empty {
        // Nothing to move: one store marks all eight cells, instead of the walk below. Most
        // old buckets of a shrinking map are empty (it holds under 0.8 entries a bucket).
        // SAFETY: as above; the caller owns the map for writing.
        unsafe { b.set_all_tophash(EVACUATED_EMPTY) };
    } else if !moved
        // SAFETY: b is an unevacuated old head bucket; the caller owns the map for writing.
        && !unsafe { move_lone_bucket::<K>(t, h, b, oldbucket) }
    {
        let new = h.buckets.get();
        let mut reserve = Reserve::new();
        let (dst, need) = if h.shrinking() {
            // SAFETY: in range of the new array; b is an unevacuated head bucket.
            unsafe {
                let head = Bucket::at(new, t, oldbucket & bucket_mask(h.b.get()));
                let (d, free) = Dest::append_point(t, head);
                let n = chain_len(t, b);
                let need = n.saturating_sub(free).div_ceil(BUCKET_CNT);
                (
                    [
                        d,
                        Dest {
                            b: Bucket::NULL,
                            i: 0,
                        },
                    ],
                    need,
                )
            }
        } else {
            // SAFETY: X (and Y for a doubling grow) are in range of the new array.
            let (x, y) = unsafe {
                let y = if h.same_size_grow() {
                    Bucket::NULL
                } else {
                    Bucket::at(new, t, oldbucket + nold)
                };
                (Bucket::at(new, t, oldbucket), y)
            };
            // SAFETY: b is live; only chains with overflow can need overflow buckets.
            let need = if unsafe { b.overflow(t).is_null() } {
                0
            } else {
                // SAFETY: b is an unevacuated head bucket, buckets is the current array.
                unsafe { overflow_needed::<K>(t, h, b, nold) }
            };
            ([Dest { b: x, i: 0 }, Dest { b: y, i: 0 }], need)
        };
        if need != 0 {
            // SAFETY: next_overflow is null or a free bucket of the current array (I10).
            let have = unsafe { array::prealloc_left(t, new, h.b.get(), h.next_overflow()) };
            reserve.fill(t, need.saturating_sub(have))?;
        }
        // SAFETY: destinations are as move_chain expects; the reserve covers overflow.
        unsafe { move_chain::<K>(t, h, b, oldbucket, dst, &mut reserve) };
        reserve.release(t);
    }
    if oldbucket == h.nevacuate.get() {
        // SAFETY: caller's promise.
        unsafe { advance_evacuation_mark(t, h, nold) };
    }
    Ok(())
}

/// The common case of [`evacuate`], in one pass with no reservations: an old bucket without
/// overflow whose keys all equal themselves (no NaN to treat apart), going to destinations with
/// room. That is every bucket of a doubling or same-size grow (X and Y start empty and take at
/// most the eight entries), and nearly every one of a shrink (the new chain holds the lower
/// sibling's few entries). Full cells are found with one mask and the old bucket's marks are
/// written with one store. Returns false, having changed nothing, when the case does not apply.
/// Measured with `sidebyside`, A/B, u64, n = 1024, when shrinks were still all incremental:
/// delete_all 36.0 -> 33.2 ns, insert_fresh 38.5 -> 37.3.
///
/// # Safety
/// `b` is the unevacuated old head bucket `oldbucket` of a growing map the caller owns for
/// writing.
#[inline(always)]
unsafe fn move_lone_bucket<K: MapKey>(t: &MapType, h: &Hmap, b: Bucket, oldbucket: usize) -> bool {
    // SAFETY: b is live.
    if !t.reflexive_key() || unsafe { !b.overflow(t).is_null() } {
        return false;
    }
    // SAFETY: b is live.
    let g = unsafe { b.group() };
    let new = h.buckets.get();
    let newbit = h.noldbuckets();
    let doubling = !h.shrinking() && !h.same_size_grow();
    // Destination buckets and their next free cells: [X, Y].
    let (dst, mut next) = if h.shrinking() {
        // SAFETY: in range of the new array.
        let head = unsafe { Bucket::at(new, t, oldbucket & bucket_mask(h.b.get())) };
        // SAFETY: head is live.
        let (hg, more) = unsafe { (head.group(), !head.overflow(t).is_null()) };
        let tail = group::match_empty_rest(hg);
        let room = if tail == 0 {
            0
        } else {
            BUCKET_CNT - group::first(tail)
        };
        if more || room < group::non_empty_cells(g).count() {
            return false;
        }
        ([head, Bucket::NULL], [BUCKET_CNT - room, 0])
    } else {
        let y = if doubling {
            // SAFETY: in range of the new array.
            unsafe { Bucket::at(new, t, oldbucket + newbit) }
        } else {
            Bucket::NULL
        };
        // SAFETY: in range of the new array.
        ([unsafe { Bucket::at(new, t, oldbucket) }, y], [0, 0])
    };
    let mut marks = u64::from_ne_bytes([EVACUATED_EMPTY; BUCKET_CNT]);
    for (i, top) in group::non_empty_cells(g) {
        if top < MIN_TOP_HASH {
            panic::bad_map_state("evacuation mark in an unevacuated bucket");
        }
        // SAFETY: cell i of b is full; destination cells are free (room checked above, or X and
        // Y untouched and given at most eight entries between them).
        unsafe {
            let use_y = if doubling {
                usize::from(K::hash_stored(t, b.key(t, i), h.hash0.get() as usize) & newbit != 0)
            } else {
                0
            };
            marks ^= u64::from(EVACUATED_EMPTY ^ (EVACUATED_X + use_y as u8)) << (8 * i);
            let (db, di) = (dst[use_y], next[use_y]);
            next[use_y] += 1;
            b.copy_cell_to(t, i, db, di, top);
        }
    }
    // SAFETY: b is live and ours to write.
    unsafe { b.set_group(marks) };
    true
}

/// # Safety
/// As [`evacuate`]: `dst` are the destination cursors (X, Y) — untouched new buckets (I3), or
/// for a shrink the append point of the one destination chain — and `reserve` holds enough
/// buckets beyond the preallocated stock.
unsafe fn move_chain<K: MapKey>(
    t: &MapType,
    h: &Hmap,
    b: Bucket,
    oldbucket: usize,
    mut dst: [Dest; 2],
    reserve: &mut Reserve,
) {
    let same = h.same_size_grow();
    let shrink = h.shrinking();
    let newbit = h.noldbuckets();
    let upper_sibling = u8::from(oldbucket >= bucket_shift(h.b.get()));
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
                if shrink {
                    let k = ob.key(t, i);
                    if !t.reflexive_key() && !t.eq(k, k) {
                        debug_assert!(h.shrink_levels() == 1, "NaN-capable keys halve only");
                        // A NaN cannot say by its hash which sibling it came from, and an
                        // iterator reading this chain on behalf of one sibling must know
                        // (iter.rs): record it in the tophash's low bit, which lookups never
                        // use for a NaN. 4 is not a valid tophash; 6 keeps the bit.
                        top = (top & !1) | upper_sibling;
                        if top < MIN_TOP_HASH {
                            top += 2;
                        }
                    }
                } else if !same {
                    let k = ob.key(t, i);
                    let hash = K::hash_stored(t, k, h.hash0.get() as usize);
                    if h.flags() & (ITERATOR | OLD_ITERATOR) != 0
                        && !t.reflexive_key()
                        && !t.eq(k, k)
                    {
                        // A NaN's hash is random: the choice must be one an iterator can
                        // recompute, so take it from the old tophash and re-randomise that.
                        // Go looks at ITERATOR only; an iterator that started during a shrink
                        // may later read this (by then old) array filtering NaNs by that bit,
                        // so the mark must keep it then too.
                        use_y = top & 1;
                        top = top_hash(hash);
                    } else if hash & newbit != 0 {
                        use_y = 1;
                    }
                }
                // The destination is Y only in a doubling grow; the mark may say Y in a
                // same-size grow too, for a NaN whose tophash bit an iterator filters on.
                let mark_y = if same && h.flags() & (ITERATOR | OLD_ITERATOR) != 0 {
                    let k = ob.key(t, i);
                    u8::from(!t.reflexive_key() && !t.eq(k, k)) & top
                } else {
                    use_y
                };
                ob.set_tophash(i, EVACUATED_X + mark_y);
                let (db, di) = dst[usize::from(use_y)].next_cell(t, h, reserve);
                ob.copy_cell_to(t, i, db, di, top);
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
        h.set_flags(h.flags() & !(SAME_SIZE_GROW | SHRINKING | BY_FOUR));
        // SAFETY: no field references the old array any more.
        unsafe { retire::release_array(t, h, old, old_b) };
    }
}

/// The main bucket for `hash` to read from: the old one while it is not yet evacuated.
///
/// An old bucket below `nevacuate` has moved (I7), so its marks are not read: as in
/// [`evacuate`], that skips a cache miss in a big old array for the lookups (and deletes during
/// a shrink) whose old bucket the in-order sweep has passed. Looking up every key of a u64 map
/// of 912K entries caught mid-grow with 92% of its sweep done: 65.5 -> 59.6 ns a lookup
/// (minimum of six alternating runs).
///
/// # Safety
/// `h.buckets.get()` is live.
#[inline(always)]
pub unsafe fn read_bucket(t: &MapType, h: &Hmap, hash: usize) -> Bucket {
    let m = bucket_mask(h.b.get());
    // SAFETY: hash & m is a main bucket of the current array.
    let b = unsafe { Bucket::at(h.buckets.get(), t, hash & m) };
    if h.growing() {
        let old = hash & h.old_mask();
        if old >= h.nevacuate.get() {
            // SAFETY: old is a main bucket of the old array.
            let oldb = unsafe { Bucket::at(h.oldbuckets.get(), t, old) };
            // SAFETY: oldb is live.
            if unsafe { !oldb.evacuated() } {
                return oldb;
            }
        }
    }
    b
}
