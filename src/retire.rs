//! Reclamation without a garbage collector (spec §8.2): when memory that left the map may be
//! freed.
//!
//! Go lets an iterator keep walking the bucket array it started on after the map has grown away
//! from it, read out-of-line keys through stale evacuated cells of that array, and stand in an
//! old bucket between two steps. Go's GC keeps all of that alive. We keep it alive by *pins*:
//!
//! * `mapiterinit` on a non-empty map pins the map (`extra.pins += 1`, atomically: concurrent
//!   iterations are legal). The pin is released when the iteration reaches its end, or by
//!   `mapiterdone` — which a compiler emits on every other exit from a `range` loop.
//! * While any pin is held, memory that becomes unreachable from the map — an old bucket array
//!   (with its overflow buckets) when a grow completes, an out-of-line key or elem when its entry
//!   is deleted — is *retired*: pushed on `extra.retired` instead of freed. Without pins it is
//!   freed at once.
//! * The list is drained (everything on it freed) when the last pin is released, at `mapclear`,
//!   and at `mapfree`.
//! * `mapclear` starts a new *clear generation*: every iterator of an older generation ends at
//!   its next step without touching map memory again, so clear may free everything at once and
//!   forget the old pins. This also bounds what abandoned iterators cost.
//!
//! Bound for a host that abandons an iterator without `mapiterdone`: its pin is never released,
//! so everything the map makes unreachable from then on is kept until the next `mapclear` or
//! `mapfree` of that map: every out-of-line key and elem deleted since, and every old bucket
//! array. Doubling grows keep less than the current array in total (sizes halve going back),
//! but churn at a constant size triggers same-size grows, each of which retires a whole array:
//! under churn the retained memory grows without bound until the clear or free. Hence the
//! contract that compilers emit `mapiterdone` on early exits. Debug builds report leftover pins
//! on stderr at `mapfree`. Nothing is ever leaked.
//!
//! Retiring never allocates: retirable blocks carry their own link. Arrays have a 16-byte header
//! (`array::ARRAY_HDR`); out-of-line keys and elems have an 8-byte header. The list head's low
//! two bits say what the block is (headers are 8-aligned); links stay pointers throughout.

use std::sync::atomic::Ordering;

use crate::alloc;
use crate::array;
use crate::consts::*;
use crate::hmap::{Hmap, MapExtra};
use crate::maptype::MapType;

/// Bytes before an out-of-line key or elem object.
pub const OBJ_HDR: usize = 8;
const OBJ_ALIGN: usize = 8;

/// Retired-list tag (low bits of a link): a bucket array.
pub const TAG_ARRAY: usize = 0;
/// Retired-list tag: an out-of-line key.
pub const TAG_KEY: usize = 1;
/// Retired-list tag: an out-of-line elem.
pub const TAG_ELEM: usize = 2;
/// The tag bits of a retired-list link.
pub const TAG_MASK: usize = 3;

/// Which out-of-line object a pointer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obj {
    /// A key (size `t.key_size`).
    Key,
    /// An elem (size `t.elem_size`).
    Elem,
}

impl Obj {
    fn size(self, t: &MapType) -> usize {
        match self {
            Obj::Key => t.key_size,
            Obj::Elem => t.elem_size,
        }
    }
    fn tag(self) -> usize {
        match self {
            Obj::Key => TAG_KEY,
            Obj::Elem => TAG_ELEM,
        }
    }
}

/// A zeroed out-of-line object of `which`'s size, or `Err(size)`.
pub fn alloc_object(t: &MapType, which: Obj) -> Result<*mut u8, usize> {
    let size = which.size(t) + OBJ_HDR;
    let p = alloc::alloc_zeroed(size, OBJ_ALIGN);
    if p.is_null() {
        return Err(size);
    }
    // SAFETY: the block is OBJ_HDR + size bytes.
    Ok(unsafe { p.add(OBJ_HDR) })
}

/// Frees an object from [`alloc_object`] at once.
///
/// # Safety
/// `obj` came from `alloc_object(t, which)` and nobody will read it again.
pub unsafe fn free_object(t: &MapType, which: Obj, obj: *mut u8) {
    // SAFETY: the block starts OBJ_HDR before the object, with the size allocated.
    unsafe { alloc::free(obj.sub(OBJ_HDR), which.size(t) + OBJ_HDR, OBJ_ALIGN) }
}

/// Whether an iterator may still be reading memory that leaves the map.
#[inline]
pub fn pinned(h: &Hmap) -> bool {
    let e = h.extra_ptr();
    // SAFETY: a non-null extra is live for the map's lifetime.
    !e.is_null() && unsafe { (*e).pins.load(Ordering::Acquire) } != 0
}

/// # Safety
/// `hdr` is the header address of a retirable block; the caller owns the map for writing.
unsafe fn push(h: &Hmap, hdr: *mut u8, tag: usize) {
    let e = h.extra_ptr();
    // SAFETY: pinned() was true, so extra exists; writers are exclusive, readers never push.
    // The link is a pointer (tag in its low bits), never an integer: provenance is kept.
    unsafe {
        let head = (*e).retired.load(Ordering::Relaxed);
        hdr.cast::<*mut u8>().write(head);
        (*e).retired
            .store(hdr.map_addr(|a| a | tag), Ordering::Release);
    }
}

/// An out-of-line key or elem has left the map: free it, or retire it while pinned.
///
/// # Safety
/// `obj` came from `alloc_object(t, which)` and is no longer referenced by a live cell; the
/// caller owns the map for writing.
pub unsafe fn release_object(t: &MapType, h: &Hmap, which: Obj, obj: *mut u8) {
    // SAFETY: caller's promise; the header precedes the object.
    unsafe {
        if pinned(h) {
            push(h, obj.sub(OBJ_HDR), which.tag());
        } else {
            free_object(t, which, obj);
        }
    }
}

/// A bucket array (with its chains) has left the map: free it, retire it while pinned, or, if
/// it is the caller's one-bucket array, just forget it.
///
/// # Safety
/// `base` is an array of `t` for `B = b` that no map field references any more; the caller owns
/// the map for writing.
pub unsafe fn release_array(t: &MapType, h: &Hmap, base: *mut u8, b: u8) {
    if b == 0 && h.flags() & CALLER_BUCKET != 0 {
        h.set_flags(h.flags() & !CALLER_BUCKET);
        return;
    }
    // SAFETY: caller's promise; arrays we made have a header.
    unsafe {
        if pinned(h) {
            push(h, base.sub(array::ARRAY_HDR), TAG_ARRAY);
        } else {
            array::free_array(t, base);
        }
    }
}

/// Frees everything on the retired list.
///
/// # Safety
/// No iterator of the current generation holds a pin, or the caller is `mapfree`.
pub unsafe fn drain(t: &MapType, h: &Hmap) {
    let e = h.extra_ptr();
    if e.is_null() {
        return;
    }
    // SAFETY: extra is live; swap makes this drain the only owner of the list it took.
    let mut link = unsafe { (*e).retired.swap(std::ptr::null_mut(), Ordering::AcqRel) };
    while !link.is_null() {
        let hdr = link.map_addr(|a| a & !TAG_MASK);
        let tag = link.addr() & TAG_MASK;
        // SAFETY: every block on the list was pushed by push() with its header holding the link.
        unsafe {
            let next = hdr.cast::<*mut u8>().read();
            match tag {
                TAG_ARRAY => array::free_array(t, hdr.add(array::ARRAY_HDR)),
                TAG_KEY => free_object(t, Obj::Key, hdr.add(OBJ_HDR)),
                _ => free_object(t, Obj::Elem, hdr.add(OBJ_HDR)),
            }
            link = next;
        }
    }
}

/// The map's extension, made if missing. Safe against concurrent readers doing the same.
pub fn ensure_extra(h: &Hmap) -> Result<*mut MapExtra, usize> {
    let e = h.extra_ptr();
    if !e.is_null() {
        return Ok(e);
    }
    let size = std::mem::size_of::<MapExtra>();
    let p = alloc::alloc_zeroed(size, 8).cast::<MapExtra>();
    if p.is_null() {
        return Err(size);
    }
    // All-zero bytes are a valid, empty MapExtra (null pointers, zero counters).
    match h
        .extra
        .compare_exchange(std::ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
    {
        Ok(_) => Ok(p),
        Err(won) => {
            // SAFETY: p was never published.
            unsafe { alloc::free(p.cast(), size, 8) };
            Ok(won)
        }
    }
}

/// Pins the map for a new iterator; returns the clear generation the iterator belongs to.
pub fn pin(h: &Hmap) -> Result<u64, usize> {
    let e = ensure_extra(h)?;
    // SAFETY: extra is live.
    unsafe {
        (*e).pins.fetch_add(1, Ordering::AcqRel);
        Ok((*e).clear_gen.load(Ordering::Acquire))
    }
}

/// Whether an iterator of generation `generation` has been ended by a `mapclear` since.
pub fn stale(h: &Hmap, generation: u64) -> bool {
    let e = h.extra_ptr();
    // SAFETY: an iterator pinned the map, so extra exists and is live.
    e.is_null() || unsafe { (*e).clear_gen.load(Ordering::Acquire) } != generation
}

/// Releases an iterator's pin; the last one out drains the retired list.
///
/// # Safety
/// The iterator pinned this map with generation `generation` and has not released it.
pub unsafe fn unpin(t: &MapType, h: &Hmap, generation: u64) {
    if stale(h, generation) {
        return; // mapclear already forgot this pin
    }
    let e = h.extra_ptr();
    // SAFETY: extra is live; the pin being released is counted in `pins`.
    if unsafe { (*e).pins.fetch_sub(1, Ordering::AcqRel) } == 1 {
        // SAFETY: no pins remain, so no iterator can reach retired memory.
        unsafe { drain(t, h) };
    }
}

/// `mapclear`: end every running iteration (they see a new generation), forget their pins, and
/// free what they were keeping alive.
///
/// # Safety
/// The caller owns the map for writing.
pub unsafe fn new_generation(t: &MapType, h: &Hmap) {
    let e = h.extra_ptr();
    if e.is_null() {
        return;
    }
    // SAFETY: extra is live; iterators of the old generation never touch map memory again.
    unsafe {
        (*e).clear_gen.fetch_add(1, Ordering::AcqRel);
        (*e).pins.store(0, Ordering::Release);
        drain(t, h);
    }
}

/// Live pins (for `mapfree`'s debug warning and for tests).
pub fn pins(h: &Hmap) -> usize {
    let e = h.extra_ptr();
    if e.is_null() {
        return 0;
    }
    // SAFETY: a non-null extra is live.
    unsafe { (*e).pins.load(Ordering::Acquire) }
}
