//! The end of a map's life, and of its contents: `mapclear` (spec §3.6, with the later fix for
//! running iterators) and `mapfree` (Go has none: without a GC we must give memory back).

use crate::alloc;
use crate::array;
use crate::bucket::{Bucket, is_empty};
use crate::consts::*;
use crate::hmap::{Hmap, MapExtra, bucket_shift};
use crate::maptype::MapType;
use crate::panic;
use crate::rand::fastrand;
use crate::retire::{self, Obj};

/// Frees the out-of-line key and elem of every live entry: the full cells of the current table
/// and of the old buckets not yet evacuated (an evacuated cell shares its pointers with the new
/// table, so each object is freed exactly once).
///
/// # Safety
/// The caller owns the map for writing and nobody will read those objects again.
unsafe fn free_live_objects(t: &MapType, h: &Hmap) {
    if !t.indirect_key() && !t.indirect_elem() {
        return;
    }
    // No Vec: every byte must come from the host's allocator, and this needs none.
    let cur = (
        h.buckets.get(),
        if h.buckets.get().is_null() {
            0
        } else {
            bucket_shift(h.b.get())
        },
    );
    let old = (
        h.oldbuckets.get(),
        if h.growing() { h.noldbuckets() } else { 0 },
    );
    for (base, n) in [cur, old] {
        for j in 0..n {
            // SAFETY: j is a main bucket; chains are live; full cells own their objects.
            unsafe {
                let mut b = Bucket::at(base, t, j);
                if b.evacuated() {
                    continue;
                }
                while !b.is_null() {
                    for i in 0..BUCKET_CNT {
                        if is_empty(b.tophash(i)) {
                            continue;
                        }
                        if t.indirect_key() {
                            retire::free_object(t, Obj::Key, b.key(t, i));
                        }
                        if t.indirect_elem() {
                            retire::free_object(t, Obj::Elem, b.elem(t, i));
                        }
                    }
                    b = b.overflow(t);
                }
            }
        }
    }
}

/// Frees an array now, unless it is the caller's one-bucket array.
///
/// # Safety
/// Nobody will read `base` again.
pub(crate) unsafe fn discard_array(t: &MapType, h: &Hmap, base: *mut u8, b: u8) {
    if b == 0 && h.flags() & CALLER_BUCKET != 0 {
        h.set_flags(h.flags() & !CALLER_BUCKET);
        return;
    }
    // SAFETY: an array we allocated.
    unsafe { array::free_array(t, base) };
}

/// What clear and free both do before dealing with the current array: free every live entry's
/// out-of-line storage, and the old table if a grow is in progress.
///
/// # Safety
/// The caller owns the map for writing and nobody will read that memory again.
pub(crate) unsafe fn drop_entries_and_old_table(t: &MapType, h: &Hmap) {
    // SAFETY: caller's promise.
    unsafe {
        free_live_objects(t, h);
        if h.growing() {
            discard_array(t, h, h.oldbuckets.get(), h.old_b());
        }
    }
}

/// `mapclear`: removes every entry, keeping the current bucket array (zeroed) and `B`. Running
/// iterations end at their next step (a new clear generation), so everything else — old array,
/// overflow buckets, out-of-line objects, retired memory — is freed at once.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t`.
pub unsafe fn mapclear(t: &MapType, h: *mut Hmap) {
    // SAFETY: caller's promise.
    let h = match unsafe { h.as_ref() } {
        Some(h) if h.count.get() != 0 => h,
        _ => return,
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    h.toggle_writing();
    // SAFETY: writing flag held; after new_generation no iterator reads map memory again.
    unsafe {
        retire::new_generation(t, h);
        drop_entries_and_old_table(t, h);
        array::free_separate_overflow(t, h.buckets.get(), h.b.get());
        let next = array::reset_array(t, h.buckets.get(), h.b.get());
        let e = h.extra_ptr();
        if !e.is_null() {
            (*e).next_overflow.set(next);
        }
    }
    reset_header(h, h.b.get());
    if h.flags() & HASH_WRITING == 0 {
        panic::concurrent_writes();
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// The header of an emptied map with `2^b` buckets and no grow: a fresh seed, so the old
/// contents' collisions do not carry over.
pub(crate) fn reset_header(h: &Hmap, b: u8) {
    h.b.set(b);
    h.oldbuckets.set(std::ptr::null_mut());
    h.nevacuate.set(0);
    h.noverflow.set(0);
    h.count.set(0);
    h.hash0.set(fastrand());
    h.set_flags(h.flags() & !(SAME_SIZE_GROW | SHRINKING | BY_FOUR));
}

/// `mapfree`: releases everything the map owns — out-of-line keys and elems, bucket arrays and
/// their overflow buckets, retired memory, the extra fields, and the header unless the caller
/// supplied it. A nil map is ignored. Iterators of the map must not be used afterwards.
///
/// # Safety
/// `t` is the map's validated descriptor; `h` is null or a live map of `t`, not used again.
pub unsafe fn mapfree(t: &MapType, hp: *mut Hmap) {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { hp.as_ref() }) else {
        return;
    };
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_writes();
    }
    let pins = retire::pins(h);
    if cfg!(debug_assertions) && pins != 0 {
        eprintln!(
            "gohmap: mapfree of a map with {pins} unfinished iteration(s): memory retired for \
             them was kept until now (call mapiterdone when leaving a range loop early)"
        );
    }
    // SAFETY: the map is ours to destroy; each block is freed exactly once.
    unsafe {
        retire::drain(t, h);
        drop_entries_and_old_table(t, h);
        if !h.buckets.get().is_null() {
            discard_array(t, h, h.buckets.get(), h.b.get());
        }
        let e = h.extra_ptr();
        if !e.is_null() {
            alloc::free(e.cast(), size_of::<MapExtra>(), 8);
        }
        let caller_header = h.flags() & CALLER_HEADER != 0;
        std::ptr::write_bytes(hp.cast::<u8>(), 0, size_of::<Hmap>());
        if caller_header {
            // The caller's header is left a valid empty map that is still theirs, so a second
            // mapfree (or reuse) never frees caller memory.
            (*hp)
                .flags
                .store(CALLER_HEADER, std::sync::atomic::Ordering::Relaxed);
        } else {
            alloc::free(hp.cast(), size_of::<Hmap>(), 8);
        }
    }
}
