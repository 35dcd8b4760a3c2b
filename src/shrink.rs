//! Giving memory back: shrinking after deletes, `mapshrink`, and `mapclear_release`.
//!
//! Go's map never shrinks (golang/go#20135): a map that once held a million entries keeps its
//! buckets after every delete, and `clear` keeps them too. gohmap shrinks, in one of two ways.
//! (What it frees goes to the allocator; the default one keeps up to 64 MiB of freed arrays for
//! reuse, `block_cache`, which `alloc::trim` releases and `alloc::set_cache_limit` bounds.)
//!
//! - **In one step**, for maps of up to `2^ONE_STEP_SHRINK_MAX_B` buckets (2.4 MB of u64 ->
//!   u64 buckets): the delete that finds the map under-loaded copies every entry into a new,
//!   smaller array and frees the old one (`shrink_in_one_step`). Nothing between the two arrays
//!   is ever visible, so the new size can skip sizes: it is the smallest that holds the entries
//!   at under half load. The pause is bounded by the array size: at most ~240 us here (measured
//!   with rdtsc at `2^14` buckets; ~60 us at `2^12`), the order of what Go pays to allocate and
//!   zero the array it grows into from that size.
//! - **Incrementally**, for bigger maps (whose one-step copy would be a long pause): a *shrink*
//!   is a grow towards a quarter of the buckets (`SHRINKING | BY_FOUR`, `B` two less): old
//!   bucket `i` and its upper siblings `i + 2^B`, `i + 2 * 2^B`, `i + 3 * 2^B` all evacuate
//!   into new bucket `i`, thirty-two old buckets in order per write (`grow::progress`; an insert
//!   also moves the four feeding the bucket it writes), as a grow evacuates. Maps whose keys
//!   may be NaNs halve instead (`SHRINKING` alone, two siblings, sixteen a write): an iterator
//!   tells which sibling a NaN came from by one tophash bit. Once the map is small enough, the
//!   next shrink is a one-step one.
//!
//! Why two ways. Evacuating is the cost of shrinking: a drain visits every old bucket of every
//! size it passes through, and the incremental machinery pays for marks, destinations and
//! bookkeeping on each. Draining 1024 u64 keys cost 36 ns a delete with incremental halvings
//! against 22 ns with no shrinking at all (Go: 30); shrinking in one step, skipping sizes,
//! costs 26.5 (`sidebyside delete_all`, A/B; strings: 38 -> 30, Go 39). The same holds for
//! big maps, whose incremental shrinks skip a size by quartering: draining 1M keys (`B` = 18),
//! halvings visit 2^18 + 2^17 + 2^16 + 2^15 old buckets and hold the map at 2^17 buckets or
//! more down to 53K entries; quarterings visit 2^18 + 2^16 and reach 2^16 buckets at 90K. u64
//! n = 1M: 86 -> 75 ns a delete, u32 77 -> 74.5, strings 194 -> 170, u64 n = 8M 122 -> 101
//! (A/B; Go: 82, 80, 158, ~94).
//!
//! When. After a delete, if the map is not growing, has at least `2^SHRINK_MIN_B` buckets, holds
//! under an eighth of the entries it would grow at (`under_load_for_shrink`), and no iterator
//! pins it. A halving then leaves it at most a quarter loaded, a quartering or a one-step shrink
//! under half loaded, so it must at least double to grow again and lose three quarters to shrink
//! again: a map oscillating around a size never thrashes. A big drop shrinks one quartering
//! after another, each started by a delete after the previous ended, then in one step.
//!
//! Iterators. A shrink never starts while an iterator pins the map (the promise "never while an
//! iterator could be hurt by it", and the reason for `mapiterdone`). An iterator that *starts*
//! during an incremental shrink walks the new, smaller array, reading for each new bucket the
//! old siblings that feed it in order, each from its old chain or, once it has moved, from the
//! new bucket filtered by origin (`iter.rs`). Allocation failure when starting a shrink, or during a one-step one, leaves the
//! map as it was, unreported: shrinking is an economy, never a duty.
//!
//! Tests reach mid-shrink states with small maps by making them shrink stepwise only, by
//! halvings or quarterings (`MapExtra::stepwise_shrink`, `raw::set_stepwise_shrink_levels`).

use crate::array;
use crate::bucket::{Bucket, group};
use crate::consts::*;
use crate::free;
use crate::grow::{evacuate, start_shrink};
use crate::hmap::{Hmap, b_for_hint, bucket_shift, under_load_for_shrink};
use crate::key::AnyKey;
use crate::maptype::MapType;
use crate::panic;
use crate::retire;

/// After a delete: shrinks the map, or starts a shrink, if it qualifies (see the module doc).
///
/// # Safety
/// The caller holds the writing flag of the live map `h` of `t`.
#[inline(always)]
pub unsafe fn after_delete(t: &MapType, h: &Hmap) {
    if under_load_for_shrink(h.count.get(), h.b.get()) && !h.growing() && !retire::pinned(h) {
        let target = b_for_hint(h.count.get().saturating_mul(2)).min(h.b.get() - 1);
        // SAFETY: (both) not growing, not pinned, target < B (B >= SHRINK_MIN_B >= 1), writing
        // flag held. Out of memory: the map simply stays at this size.
        let _ = unsafe {
            if h.b.get() <= ONE_STEP_SHRINK_MAX_B && h.stepwise_shrink() == 0 {
                shrink_in_one_step(t, h, target)
            } else {
                start_shrink(t, h, levels_toward(t, h, target))
            }
        };
    }
}

/// Halvings an incremental shrink towards `2^target` buckets takes at once: as many as it
/// needs, at most `MAX_SHRINK_LEVELS` (or the test setting, `raw::set_stepwise_shrink`). A map
/// whose keys may be NaNs only halves: an iterator tells which old sibling a NaN came from by
/// one tophash bit (`grow::move_chain`), which has room for two siblings, not four.
fn levels_toward(t: &MapType, h: &Hmap, target: u8) -> u8 {
    debug_assert!(target < h.b.get());
    let most = match h.stepwise_shrink() {
        0 => MAX_SHRINK_LEVELS,
        n => n,
    };
    if t.reflexive_key() {
        (h.b.get() - target).min(most)
    } else {
        1
    }
}

/// Copies every entry into a new array of `2^new_b` buckets and frees the old one, all at once:
/// old bucket `i` and every other one congruent to it modulo `2^new_b` land in new bucket
/// `i & (2^new_b - 1)`, where their hashes put them (no hashing, no comparing). No state
/// between the two arrays is ever visible, so there are no evacuation marks to write, nothing
/// for iterators or lookups to reconcile, and the shrink can skip sizes (halving is just the
/// case a grow's machinery can do incrementally). The old array is only read: running out of
/// memory part way frees the new one and leaves the map exactly as it was.
///
/// # Safety
/// The map is not growing, no iterator pins it, `new_b < B`, and the caller holds its writing
/// flag.
unsafe fn shrink_in_one_step(t: &MapType, h: &Hmap, new_b: u8) -> Result<(), usize> {
    debug_assert!(!h.growing() && new_b < h.b.get() && !retire::pinned(h));
    let (new, mut stock) = array::new_array(t, new_b)?;
    // The extra record keeps the new array's preallocated stock; make sure it exists first.
    if !stock.is_null()
        && let Err(size) = retire::ensure_extra(h)
    {
        // SAFETY: `new` was never published.
        unsafe { array::free_array(t, new) };
        return Err(size);
    }
    let old = h.buckets.get();
    let old_b = h.b.get();
    let nnew = bucket_shift(new_b);
    let mut overflow_used = 0usize;
    for j in 0..nnew {
        // SAFETY: j < 2^new_b: a main bucket of the new array.
        let (mut d, mut di) = (unsafe { Bucket::at(new, t, j) }, 0);
        for src in (j..bucket_shift(old_b)).step_by(nnew) {
            // SAFETY: src < 2^old_b: a main bucket of the old array.
            let mut ob = unsafe { Bucket::at(old, t, src) };
            while !ob.is_null() {
                // SAFETY: ob is a live bucket of the old array's chains (not growing, so no
                // cell holds an evacuation mark); d is a live new bucket with cell di free.
                unsafe {
                    for (i, top) in group::non_empty_cells(ob.group()) {
                        if top < MIN_TOP_HASH {
                            panic::bad_map_state("evacuation mark in a map that is not growing");
                        }
                        if di == BUCKET_CNT {
                            let next = match Bucket(array::take_stock(t, &mut stock)) {
                                b if !b.is_null() => b,
                                _ => match array::alloc_bucket(t) {
                                    Ok(p) => {
                                        array::note_separate_overflow(new);
                                        Bucket(p)
                                    }
                                    Err(size) => {
                                        // SAFETY: `new` was never published; its header counts
                                        // the buckets allocated so far, so they go with it.
                                        array::free_array(t, new);
                                        return Err(size);
                                    }
                                },
                            };
                            d.set_overflow(t, next);
                            overflow_used += 1;
                            (d, di) = (next, 0);
                        }
                        ob.copy_cell_to(t, i, d, di, top);
                        di += 1;
                    }
                    ob = ob.overflow(t);
                }
            }
        }
    }
    h.buckets.set(new);
    h.b.set(new_b);
    // Exact below B = 16, as incr_noverflow counts (new_b < ONE_STEP_SHRINK_MAX_B < 16).
    h.noverflow.set(overflow_used as u16);
    let e = h.extra_ptr();
    if !e.is_null() {
        // SAFETY: extra is live.
        unsafe { (*e).next_overflow.set(stock) };
    }
    // SAFETY: no field references the old array any more; the writing flag is held.
    unsafe { retire::release_array(t, h, old, old_b) };
    Ok(())
}

/// Why `mapshrink` did not shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// An iterator pins the map (finish it, or `mapiterdone`); nothing changed.
    Busy,
    /// Memory for an evacuation was short; the map holds the same entries and is usable, part
    /// way through a grow or shrink.
    OutOfMemory(usize),
}

/// `mapshrink`: finishes any grow in progress, then halves the bucket array until it is the
/// size `makemap` would pick for the map's current length, all before returning. A nil map,
/// or one already that small, is left alone.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t`.
pub unsafe fn mapshrink(t: &MapType, h: *mut Hmap) -> Result<(), ShrinkError> {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        return Ok(());
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    if retire::pinned(h) {
        return Err(ShrinkError::Busy);
    }
    h.toggle_writing();
    // SAFETY: writing flag held.
    let r = unsafe { shrink_locked(t, h) };
    if h.flags() & HASH_WRITING == 0 {
        panic::concurrent_writes();
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    r.map_err(ShrinkError::OutOfMemory)
}

/// # Safety
/// As [`mapshrink`], with the writing flag held.
unsafe fn shrink_locked(t: &MapType, h: &Hmap) -> Result<(), usize> {
    let target = b_for_hint(h.count.get());
    loop {
        while h.growing() {
            // SAFETY: growing, writing flag held; nevacuate < noldbuckets while growing.
            unsafe { evacuate::<AnyKey>(t, h, h.nevacuate.get())? };
        }
        if h.b.get() <= target || h.buckets.get().is_null() {
            return Ok(());
        }
        // SAFETY: not growing, B > target >= 0, writing flag held.
        unsafe { start_shrink(t, h, levels_toward(t, h, target))? };
    }
}

/// `mapclear_release`: `mapclear`, then every bucket goes back to the allocator: the map is as
/// `makemap_small` made it (`B = 0`, no array until the next insert), keeping only its header,
/// its extension record (small; it carries the clear generation that ends running iterations)
/// and a caller-supplied first bucket. Works on an empty map too, which `mapclear` leaves alone.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t`.
pub unsafe fn mapclear_release(t: &MapType, h: *mut Hmap) {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        return;
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    h.toggle_writing();
    // SAFETY: writing flag held; after new_generation no iterator reads map memory again.
    unsafe {
        retire::new_generation(t, h);
        free::drop_entries_and_old_table(t, h);
        let base = h.buckets.get();
        if !base.is_null() {
            if h.b.get() == 0 && h.flags() & CALLER_BUCKET != 0 {
                // The caller's bucket costs us nothing to keep, and saves an allocation.
                array::free_separate_overflow(t, base, 0);
                array::reset_array(t, base, 0);
            } else {
                // Frees the chains' overflow buckets too: freeing them first would leave the
                // links in the array dangling for `free_array` to follow and free again.
                free::discard_array(t, h, base, h.b.get());
                h.buckets.set(std::ptr::null_mut());
            }
        }
        let e = h.extra_ptr();
        if !e.is_null() {
            (*e).next_overflow.set(std::ptr::null_mut());
        }
    }
    free::reset_header(h, 0);
    if h.flags() & HASH_WRITING == 0 {
        panic::concurrent_writes();
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}
