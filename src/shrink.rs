//! Giving memory back: shrinking after deletes, `mapshrink`, and `mapclear_release`.
//!
//! Go's map never shrinks (golang/go#20135): a map that once held a million entries keeps its
//! buckets after every delete, and `clear` keeps them too. gohmap shrinks with the machinery it
//! grows with. A *shrink* is a grow towards half the buckets (`SHRINKING`, `B` one less): old
//! bucket `i` and its upper sibling `i + 2^B` both evacuate into new bucket `i`, incrementally,
//! two siblings and one more for progress per write, exactly as a grow evacuates.
//!
//! When. After a delete, if the map is not growing, has at least `2^SHRINK_MIN_B` buckets, holds
//! under an eighth of the entries it would grow at (`under_load_for_shrink`), and no iterator
//! pins it. Halving then leaves it at most a quarter loaded, so it must double to grow again and
//! lose three quarters to shrink again: a map oscillating around a size never thrashes. A big
//! drop shrinks one halving after another, each started by a delete after the previous ended.
//!
//! Iterators. A shrink never starts while an iterator pins the map (the promise "never while an
//! iterator could be hurt by it", and the reason for `mapiterdone`). An iterator that *starts*
//! during a shrink walks the new, smaller array, reading for each new bucket the two old
//! siblings that feed it, or the new bucket filtered by origin once they have moved (`iter.rs`).
//! Allocation failure when starting a shrink leaves the map as it was, unreported: shrinking is
//! an economy, never a duty.

use crate::array;
use crate::consts::*;
use crate::free;
use crate::grow::{evacuate, start_shrink};
use crate::hmap::{Hmap, b_for_hint, under_load_for_shrink};
use crate::key::AnyKey;
use crate::maptype::MapType;
use crate::panic;
use crate::retire;

/// After a delete: starts a shrink if the map qualifies (see the module doc).
///
/// # Safety
/// The caller holds the writing flag of the live map `h` of `t`.
#[inline(always)]
pub unsafe fn after_delete(t: &MapType, h: &Hmap) {
    if under_load_for_shrink(h.count.get(), h.b.get()) && !h.growing() && !retire::pinned(h) {
        // SAFETY: not growing, B >= SHRINK_MIN_B >= 1, writing flag held. Out of memory: the
        // map simply stays at this size.
        let _ = unsafe { start_shrink(t, h) };
    }
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
        unsafe { start_shrink(t, h)? };
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
