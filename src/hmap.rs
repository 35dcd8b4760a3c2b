//! The map header (`hmap`, Go 1.19's layout) and its private extension (`MapExtra`).
//!
//! `count` is the first field so compiled code can read `len(m)` inline. Everything else in the
//! header is the library's: a host may read `count` and nothing else without a call.
//!
//! Field states (written once here, relied on everywhere):
//! * `buckets` is null only while `B == 0` and no entry was ever stored (the first bucket is made
//!   lazily), or in a header whose `makemap` failed.
//! * `oldbuckets` is non-null exactly while a grow is in progress (spec §9 I7).
//! * `extra` is null until the map needs it: for preallocated overflow buckets (`B >= 4`), or for
//!   its first iterator (pins, retired memory, clear generation). It is freed by `mapfree` only.
//! * `flags` is the only field concurrent readers write (iterators set their bits with an atomic
//!   OR), so it is atomic; all other fields are plain, because a writer concurrent with anything
//!   is a host bug that Go only detects on a best-effort basis.
//! * No routine ever holds a `&mut Hmap`: fields are `Cell`s (same layout) reached through a
//!   shared reference, because host callbacks run in the middle of writes, and a callback that
//!   re-enters the map (a host bug we must *detect*) would otherwise be undefined behaviour.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

use crate::consts::*;

/// The map header (`gohmap_hmap`), 48 bytes, Go 1.19's field order.
#[repr(C)]
#[derive(Debug)]
pub struct Hmap {
    /// Live entries, old table included. Offset 0: `len(m)`.
    pub count: Cell<isize>,
    /// `ITERATOR | OLD_ITERATOR | HASH_WRITING | SAME_SIZE_GROW`, plus gohmap's ownership bits.
    pub flags: AtomicU8,
    /// log2 of the number of main buckets.
    pub b: Cell<u8>,
    /// Overflow buckets made for the current table (exact below B = 16, sampled above).
    pub noverflow: Cell<u16>,
    /// Per-map hash seed.
    pub hash0: Cell<u32>,
    /// The current bucket array (`2^B` main buckets, then any preallocated overflow buckets).
    pub buckets: Cell<*mut u8>,
    /// The previous array while growing, else null.
    pub oldbuckets: Cell<*mut u8>,
    /// Every old bucket below this index has been evacuated.
    pub nevacuate: Cell<usize>,
    /// Optional fields, null until needed.
    pub extra: AtomicPtr<MapExtra>,
}

/// Fields only some maps need (Go's `mapextra`, reshaped: we track overflow buckets by address
/// range instead of lists, and add what reclamation without a GC requires).
#[repr(C)]
#[derive(Debug)]
pub struct MapExtra {
    /// Next free preallocated overflow bucket of `buckets`, or null.
    pub next_overflow: Cell<*mut u8>,
    /// Iterators of the current clear generation that have not finished (see `retire`).
    pub pins: AtomicUsize,
    /// Head of the list of memory retired while pins were held (a tagged header address).
    pub retired: AtomicPtr<u8>,
    /// Bumped by `mapclear`; an iterator from an older generation ends at its next step.
    /// 64 bits: a 32-bit count could wrap back to a stale iterator's value.
    pub clear_gen: AtomicU64,
    /// Tests only (`raw::set_stepwise_shrink`): if not 0, the map never shrinks in one step,
    /// only incrementally and by at most this many levels at a time, and each write moves four
    /// old buckets (not sixteen or thirty-two, `grow::progress`), so that tests reach every
    /// mid-shrink state with small maps.
    pub stepwise_shrink: Cell<u8>,
}

impl Hmap {
    /// The flag bits (relaxed: the bits guard against misuse, they order nothing).
    #[inline(always)]
    pub fn flags(&self) -> u8 {
        self.flags.load(Ordering::Relaxed)
    }
    /// Overwrites the flag bits.
    #[inline(always)]
    pub fn set_flags(&self, f: u8) {
        self.flags.store(f, Ordering::Relaxed);
    }
    /// Go's `flags ^= hashWriting`: an XOR, so a racing writer that set the bit clears it and
    /// the check at the end of the operation sees the interference.
    #[inline(always)]
    pub fn toggle_writing(&self) {
        self.set_flags(self.flags() ^ HASH_WRITING);
    }
    /// Whether a grow is in progress.
    #[inline(always)]
    pub fn growing(&self) -> bool {
        !self.oldbuckets.get().is_null()
    }
    /// Whether the grow in progress keeps the bucket count.
    #[inline(always)]
    pub fn same_size_grow(&self) -> bool {
        self.flags() & SAME_SIZE_GROW != 0
    }
    /// Whether the grow in progress shrinks the bucket array (gohmap's shrink).
    #[inline(always)]
    pub fn shrinking(&self) -> bool {
        self.flags() & SHRINKING != 0
    }
    /// Halvings the shrink in progress makes at once: 1 or 2 (`BY_FOUR`); 0 when not shrinking.
    #[inline(always)]
    pub fn shrink_levels(&self) -> u8 {
        match self.flags() & (SHRINKING | BY_FOUR) {
            0 => 0,
            SHRINKING => 1,
            _ => 2,
        }
    }
    /// `B` of the old array in the grow in progress.
    #[inline(always)]
    pub fn old_b(&self) -> u8 {
        match self.flags() & (SAME_SIZE_GROW | SHRINKING | BY_FOUR) {
            0 => self.b.get() - 1,
            SAME_SIZE_GROW => self.b.get(),
            SHRINKING => self.b.get() + 1,
            _ => self.b.get() + 2,
        }
    }
    /// The mask that selects a hash's old bucket in the grow in progress.
    #[inline(always)]
    pub fn old_mask(&self) -> usize {
        self.noldbuckets() - 1
    }
    /// Old buckets in the grow in progress (`noldbuckets`).
    #[inline(always)]
    pub fn noldbuckets(&self) -> usize {
        bucket_shift(self.old_b())
    }
    /// The extension, or null.
    #[inline(always)]
    pub fn extra_ptr(&self) -> *mut MapExtra {
        self.extra.load(Ordering::Acquire)
    }
    /// The test-only stepwise shrink levels (see `MapExtra::stepwise_shrink`); 0 normally.
    #[inline]
    pub fn stepwise_shrink(&self) -> u8 {
        let e = self.extra_ptr();
        if e.is_null() {
            0
        } else {
            // SAFETY: a non-null extra is live for the map's lifetime.
            unsafe { (*e).stepwise_shrink.get() }
        }
    }
    /// The next free preallocated overflow bucket, or null.
    #[inline(always)]
    pub fn next_overflow(&self) -> *mut u8 {
        let e = self.extra_ptr();
        if e.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: a non-null extra is a live MapExtra owned by this map.
        unsafe { (*e).next_overflow.get() }
    }
}

/// `2^b` (the shift is masked, as in Go, so it never overflows).
#[inline(always)]
pub fn bucket_shift(b: u8) -> usize {
    1usize << (b & 63)
}

/// `2^b - 1`.
#[inline(always)]
pub fn bucket_mask(b: u8) -> usize {
    bucket_shift(b) - 1
}

/// Whether `count` entries overload a table of `2^b` buckets (spec §3.0.9).
#[inline(always)]
pub fn over_load_factor(count: isize, b: u8) -> bool {
    count > BUCKET_CNT as isize
        && (count as usize) > LOAD_FACTOR_NUM * (bucket_shift(b) / LOAD_FACTOR_DEN)
}

/// Whether there are about as many overflow buckets as main buckets (spec §3.0.10).
#[inline(always)]
pub fn too_many_overflow_buckets(noverflow: u16, b: u8) -> bool {
    let b = b.min(15);
    noverflow >= (1u16 << b)
}

/// Whether `count` entries are few enough for a table of `2^b` buckets to shrink: under an
/// eighth of the load at which it would grow (0.8 entries per bucket). Halving then leaves at
/// most a quarter of that load, so a map must double its entries to grow again and lose three
/// quarters of them to shrink again: sizes near either threshold never thrash.
#[inline(always)]
pub fn under_load_for_shrink(count: isize, b: u8) -> bool {
    b >= SHRINK_MIN_B && (count as usize) < LOAD_FACTOR_NUM * (bucket_shift(b) >> 4)
}

/// The `B` that `makemap` picks for `hint` entries.
pub fn b_for_hint(hint: isize) -> u8 {
    let mut b = 0u8;
    while over_load_factor(hint, b) {
        b += 1;
    }
    b
}

const _: () = assert!(
    std::mem::size_of::<Hmap>() == 48,
    "hmap is 48 bytes, as in Go 1.19"
);
const _: () = assert!(
    std::mem::offset_of!(Hmap, count) == 0,
    "compiled code reads len(m) at offset 0"
);
