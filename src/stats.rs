//! `mapstats`: what a map holds and how it is shaped, for hosts' profilers and memory reports.
//!
//! One read-only walk of the map: it allocates nothing, does no growth work and calls no host
//! callback (keys are never hashed). Everything is derived from the structure itself:
//!
//! * **Bytes held** is the sum of the sizes gohmap asked its allocator for and has not given
//!   back, counted from the map itself: the header (unless the caller supplied it), the current
//!   and old bucket arrays (their 16-byte headers included; not a caller's first bucket), the
//!   extra record, every separately allocated overflow bucket (found, as `mapfree` finds them,
//!   as the chain links that lie outside their array), the out-of-line key and elem objects of
//!   live entries (8-byte header included), and everything on the retired list (arrays with
//!   their overflow buckets, deleted objects) kept for pinning iterators. This is exact: with
//!   a counting allocator the figure equals the live bytes. What the allocator itself adds
//!   (malloc headers, size-class rounding) is not counted, because gohmap cannot know it.
//! * **Overflow buckets** are the buckets linked after a chain's head in the current and old
//!   tables, evacuated old chains included (their memory is held until the grow ends).
//! * **Longest chain** is measured over the chains a lookup may walk: the current table's and
//!   the old table's chains not yet evacuated.
//!
//! Like any read, it must not run concurrently with a write to the map, nor with the end of an
//! iteration on another thread (the last iterator out frees the retired memory this walks).

use std::sync::atomic::Ordering;

use crate::array::{self, ARRAY_HDR};
use crate::bucket::{Bucket, is_empty};
use crate::consts::*;
use crate::hmap::{Hmap, MapExtra, bucket_shift};
use crate::maptype::MapType;
use crate::retire::{self, OBJ_HDR};

/// Which grow is in progress (`MapStats::grow_kind`, `GOHMAP_GROW_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GrowKind {
    /// Not growing.
    None = 0,
    /// Doubling: `2^(B-1)` old buckets split into `2^B`.
    Doubling = 1,
    /// Same size: the chains are being compacted.
    SameSize = 2,
    /// Shrinking: two or four times as many old buckets as new ones (see `shrink.rs`).
    Shrinking = 3,
}

/// The grow in progress. The one place that maps the header's state to a kind, so a new kind of
/// grow adds one arm here.
pub fn grow_kind(h: &Hmap) -> GrowKind {
    if !h.growing() {
        GrowKind::None
    } else if h.shrinking() {
        GrowKind::Shrinking
    } else if h.same_size_grow() {
        GrowKind::SameSize
    } else {
        GrowKind::Doubling
    }
}

/// The shape and footprint of a map (`gohmap_stats` in C, filled by `gohmap_mapstats`). All zero
/// for a nil map.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MapStats {
    /// Live entries (`len(m)`).
    pub count: isize,
    /// log2 of the number of main buckets.
    pub b: u8,
    /// A [`GrowKind`] value.
    pub grow_kind: u8,
    /// Zero.
    pub reserved: [u8; 6],
    /// Main buckets of the current table (`2^B`; 0 before the first bucket is made).
    pub buckets: usize,
    /// Main buckets of the old table (0 when not growing).
    pub oldbuckets: usize,
    /// Old main buckets already evacuated (0 when not growing).
    pub evacuated: usize,
    /// Overflow buckets linked into the chains of the current and old tables.
    pub overflow: usize,
    /// Preallocated overflow buckets of the current array still free.
    pub prealloc_free: usize,
    /// Bytes the map holds through the allocator (see the module documentation).
    pub bytes: usize,
    /// `count / 2^B` (0 when there is no bucket).
    pub load: f64,
    /// Buckets in the longest chain a lookup may walk.
    pub longest_chain: usize,
    /// Iterations currently pinning the map.
    pub pins: usize,
}

/// What one walk over a table's chains finds.
#[derive(Default)]
struct Chains {
    overflow: usize,
    separate: usize,
    longest: usize,
    objects: usize,
}

/// Which array a walk is over: it decides which chains are live (count for lookups and own
/// their entries' out-of-line objects).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// The current table: every chain is live.
    Current,
    /// The old table: the chains not yet evacuated are live.
    Old,
    /// A retired array: nothing is live (its evacuated cells share the new table's objects).
    Retired,
}

/// Walks the `n` chains of the array at `base` (for `B = b`).
///
/// # Safety
/// `base` is a live array of `t` with at least `n` main buckets and well-formed chains.
unsafe fn walk(t: &MapType, base: *mut u8, b: u8, n: usize, table: Table, c: &mut Chains) {
    let obj = usize::from(t.indirect_key()) * (t.key_size + OBJ_HDR)
        + usize::from(t.indirect_elem()) * (t.elem_size + OBJ_HDR);
    for j in 0..n {
        // SAFETY: j < n main buckets; every link is a live bucket of the chain.
        unsafe {
            let head = Bucket::at(base, t, j);
            let live = match table {
                Table::Current => true,
                Table::Old => !head.evacuated(),
                Table::Retired => false,
            };
            let mut bk = head;
            let mut len = 0usize;
            while !bk.is_null() {
                len += 1;
                if bk != head {
                    c.overflow += 1;
                    if !array::in_array(t, base, b, bk.0) {
                        c.separate += 1;
                    }
                }
                if live && obj != 0 {
                    let full = (0..BUCKET_CNT)
                        .filter(|&i| !is_empty(bk.tophash(i)))
                        .count();
                    c.objects += full * obj;
                }
                bk = bk.overflow(t);
            }
            if live {
                c.longest = c.longest.max(len);
            }
        }
    }
}

/// Bytes of one array we allocated, with its separately allocated overflow buckets.
///
/// # Safety
/// `base` came from `array::new_array(t, _)` and its chains are well formed.
unsafe fn array_bytes(t: &MapType, base: *mut u8) -> usize {
    // SAFETY: caller's promise; the header records B.
    unsafe {
        let b = array::array_b(base);
        let mut c = Chains::default();
        walk(t, base, b, bucket_shift(b), Table::Retired, &mut c);
        array_alloc(t, b) + c.separate * t.bucketsize as usize
    }
}

fn array_alloc(t: &MapType, b: u8) -> usize {
    array::array_alloc_size(t, b).unwrap_or(0)
}

/// Bytes on the retired list.
///
/// # Safety
/// `e` is the map's live extra record; no drain runs concurrently.
unsafe fn retired_bytes(t: &MapType, e: *mut MapExtra) -> usize {
    // SAFETY: caller's promise: every block on the list is live and holds the next link.
    unsafe {
        let mut link = (*e).retired.load(Ordering::Acquire);
        let mut total = 0;
        while !link.is_null() {
            let hdr = link.map_addr(|a| a & !retire::TAG_MASK);
            total += match link.addr() & retire::TAG_MASK {
                retire::TAG_ARRAY => array_bytes(t, hdr.add(ARRAY_HDR)),
                retire::TAG_KEY => t.key_size + OBJ_HDR,
                _ => t.elem_size + OBJ_HDR,
            };
            link = hdr.cast::<*mut u8>().read();
        }
        total
    }
}

/// The statistics of map `h` (all zero for a nil map).
///
/// # Safety
/// `t` is the map's validated descriptor; `h` is null or a live map of `t`; no write to it is in
/// progress and no iteration of it ends concurrently.
pub unsafe fn mapstats(t: &MapType, h: *const Hmap) -> MapStats {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        return MapStats::default();
    };
    let mut s = MapStats {
        count: h.count.get(),
        b: h.b.get(),
        grow_kind: grow_kind(h) as u8,
        pins: retire::pins(h),
        ..MapStats::default()
    };
    let caller = |b: u8| b == 0 && h.flags() & CALLER_BUCKET != 0;
    if h.flags() & CALLER_HEADER == 0 {
        s.bytes += size_of::<Hmap>();
    }
    let e = h.extra_ptr();
    if !e.is_null() {
        s.bytes += size_of::<MapExtra>();
        // SAFETY: caller's promise.
        s.bytes += unsafe { retired_bytes(t, e) };
    }
    if h.buckets.get().is_null() {
        return s;
    }
    let mut c = Chains::default();
    s.buckets = bucket_shift(h.b.get());
    s.load = s.count as f64 / s.buckets as f64;
    // SAFETY: a live map's current array has 2^B main buckets and well-formed chains.
    unsafe {
        walk(
            t,
            h.buckets.get(),
            h.b.get(),
            s.buckets,
            Table::Current,
            &mut c,
        )
    };
    if !caller(h.b.get()) {
        s.bytes += array_alloc(t, h.b.get());
    }
    // SAFETY: next_overflow is null or a free preallocated bucket of the current array (I10).
    s.prealloc_free =
        unsafe { array::prealloc_left(t, h.buckets.get(), h.b.get(), h.next_overflow()) };
    if h.growing() {
        let old_b = h.old_b();
        s.oldbuckets = h.noldbuckets();
        for j in 0..s.oldbuckets {
            // SAFETY: j is a main bucket of the old array.
            if unsafe { Bucket::at(h.oldbuckets.get(), t, j).evacuated() } {
                s.evacuated += 1;
            }
        }
        // SAFETY: the old array has noldbuckets main buckets and well-formed chains.
        unsafe {
            walk(
                t,
                h.oldbuckets.get(),
                old_b,
                s.oldbuckets,
                Table::Old,
                &mut c,
            )
        };
        if !caller(old_b) {
            s.bytes += array_alloc(t, old_b);
        }
    }
    s.overflow = c.overflow;
    s.longest_chain = c.longest;
    s.bytes += c.separate * t.bucketsize as usize + c.objects;
    s
}
