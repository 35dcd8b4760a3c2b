//! Iteration: `mapiterinit`, `mapiternext` (spec §3.5) and `mapiterdone` (ours).
//!
//! An iterator walks the bucket array that was current when it started (its *snapshot*), from a
//! random bucket and a random cell rotation, and copes with everything the map does meanwhile.
//! The promises, numbered as the tests cite them:
//!
//! 1. Every entry present for the whole iteration is produced exactly once.
//! 2. An entry deleted before the iterator reaches it is not produced.
//! 3. An entry inserted during the iteration may or may not be produced, but never twice.
//! 4. An entry updated during the iteration is produced with its newest key and elem.
//! 5. The map may grow (doubling or same-size) any number of times during the iteration; 1–4
//!    still hold, and NaN keys are produced exactly once (split by their tophash bit).
//! 6. `mapclear` ends every running iteration: its next step reports the end, and it never
//!    produces entries of the cleared map (the later Go fix, #59411 / #70189).
//! 7. The order is random: the start bucket and the rotation come from `fastrand`.
//!
//! How growth is handled: while the map grows and the iterator's snapshot is the new array, an
//! old bucket not yet evacuated is read instead, keeping only the entries that will land in the
//! bucket being visited (`check_bucket`). When the snapshot is an old array, cells marked
//! evacuated are looked up again in the current map (`mapaccessK`), which also picks up updates
//! and skips deletions. All of this memory must stay alive while the iterator may read it: the
//! iterator *pins* the map ([`crate::retire`]) from `mapiterinit` until its end or `mapiterdone`.

use std::sync::atomic::Ordering;

use crate::access::mapaccess_k;
use crate::bucket::{Bucket, group, is_empty};
use crate::consts::*;
use crate::hmap::{Hmap, bucket_mask, bucket_shift};
use crate::key::AnyKey;
use crate::maptype::MapType;
use crate::panic;
use crate::rand::{fastrand, fastrand64};

/// `check_bucket` tag: the rest is an old bucket of a shrink whose entries alone are wanted.
const ORIGIN: usize = 1 << 62;
use crate::retire;

/// The iteration state (`gohmap_hiter`), 96 bytes, caller-owned. `key` is null once the
/// iteration is over; compiled loops test it and read `*key` / `*elem` between steps.
#[repr(C)]
#[derive(Debug)]
pub struct Hiter {
    /// The current key, or null when the iteration is over. Offset 0.
    pub key: *mut u8,
    /// The current elem. Offset 8.
    pub elem: *mut u8,
    /// The map's descriptor.
    pub t: *const MapType,
    /// The map, while the iterator holds a pin on it; null before, after the end, and for a
    /// nil or empty map.
    pub h: *const Hmap,
    /// The snapshot: `h.buckets` at `mapiterinit`.
    pub buckets: *mut u8,
    /// The bucket being walked, or null when the next main bucket must be fetched.
    pub bptr: *mut u8,
    /// The map's clear generation at `mapiterinit` (in Go's GC-only `overflow` word).
    pub clear_gen: u64,
    /// An old bucket still to walk for the main bucket last fetched, plus one; 0 if none. Used
    /// only by an iteration that started during a shrink (Go's GC-only `oldoverflow` word).
    pub sibling: usize,
    /// The random main bucket where the iteration began.
    pub start_bucket: usize,
    /// The random cell rotation applied to every bucket.
    pub offset: u8,
    /// Whether the bucket index has wrapped past the end of the array.
    pub wrapped: bool,
    /// `B` at `mapiterinit`.
    pub b: u8,
    /// The next cell ordinal (0..=8) to examine in `bptr`.
    pub i: u8,
    /// Halvings of the shrink in progress at `mapiterinit` (1 or 2), else 0: how many old
    /// siblings feed each bucket of the snapshot (in Go's padding).
    pub shrink_levels: u8,
    /// The cells of `bptr` still to visit after the current one, a bit per visiting position
    /// (bit `j` is position `j`, cell `(j + offset) % 8`), as they were occupied when the walk
    /// entered the bucket; 0 when unknown (in Go's padding). See [`mapiternext`].
    pub todo: u8,
    /// Go's padding; zero.
    pub reserved2: [u8; 2],
    /// The next main bucket to fetch.
    pub bucket: usize,
    /// `NO_CHECK`; or the new bucket on whose behalf an old bucket is being walked (a doubling
    /// grow); or `ORIGIN | i`: only entries whose old bucket in a shrink was `i` (a shrink).
    pub check_bucket: usize,
}

const _: () = assert!(size_of::<Hiter>() == 96, "hiter is 12 words, as in Go");
const _: () = assert!(
    std::mem::offset_of!(Hiter, key) == 0 && std::mem::offset_of!(Hiter, elem) == 8,
    "compiled loops read it.key at offset 0 and it.elem at offset 8"
);
const _: () = assert!(
    std::mem::offset_of!(Hiter, clear_gen) == 48,
    "the generation lives in Go's GC-only overflow word"
);

impl Hiter {
    /// An iterator that has produced everything (what `mapiterinit` starts from).
    pub const fn done() -> Hiter {
        Hiter {
            key: std::ptr::null_mut(),
            elem: std::ptr::null_mut(),
            t: std::ptr::null(),
            h: std::ptr::null(),
            buckets: std::ptr::null_mut(),
            bptr: std::ptr::null_mut(),
            clear_gen: 0,
            sibling: 0,
            start_bucket: 0,
            offset: 0,
            wrapped: false,
            b: 0,
            i: 0,
            shrink_levels: 0,
            todo: 0,
            reserved2: [0; 2],
            bucket: 0,
            check_bucket: NO_CHECK,
        }
    }
}

/// Starts iterating `h` and steps to the first entry. `it` need not be initialised. If pinning
/// the map needs memory that cannot be had, reports out of memory; the iteration is then empty.
///
/// # Safety
/// `t` is validated; `h` is null or a live map of `t`; `it` points at 96 writable bytes,
/// 8-aligned, that the caller keeps (unmoved) until the iteration ends or `mapiterdone`.
pub unsafe fn mapiterinit(t: &MapType, h: *const Hmap, it: *mut Hiter) {
    // SAFETY: caller's promise; write does not read the old contents.
    unsafe { it.write(Hiter { t, ..Hiter::done() }) };
    // SAFETY: caller's promise.
    let Some(hm) = (unsafe { h.as_ref() }) else {
        return;
    };
    if hm.count.get() == 0 {
        return;
    }
    let generation = match retire::pin(hm) {
        Ok(g) => g,
        Err(size) => {
            panic::out_of_memory(size);
            return;
        }
    };
    let b = hm.b.get();
    let r = if b > 28 {
        fastrand64()
    } else {
        u64::from(fastrand())
    };
    let start = r as usize & bucket_mask(b);
    // SAFETY: `it` was just initialised.
    let itr = unsafe { &mut *it };
    itr.h = h;
    itr.b = b;
    itr.shrink_levels = hm.shrink_levels();
    itr.buckets = hm.buckets.get();
    itr.start_bucket = start;
    itr.bucket = start;
    itr.offset = ((r >> b) & 7) as u8;
    itr.clear_gen = generation;
    if hm.flags() & (ITERATOR | OLD_ITERATOR) != ITERATOR | OLD_ITERATOR {
        // Concurrent iterations are legal, so this is the one write a reader makes: atomic.
        hm.flags
            .fetch_or(ITERATOR | OLD_ITERATOR, Ordering::Relaxed);
    }
    // SAFETY: the iterator is initialised and pinned.
    unsafe { mapiternext(it) };
}

/// Ends an iteration early (a `break`, `return` or panic out of a `range` loop): releases its
/// pin so memory retired for it can be freed. Calling it after the end, twice, or on the
/// iterator of a nil or empty map does nothing.
///
/// # Safety
/// `it` was initialised by `mapiterinit`, and its map has not been freed.
pub unsafe fn mapiterdone(it: *mut Hiter) {
    // SAFETY: caller's promise.
    let itr = unsafe { &mut *it };
    itr.key = std::ptr::null_mut();
    itr.elem = std::ptr::null_mut();
    itr.todo = 0;
    // SAFETY: a non-null `h` is the live map this iterator pinned.
    if let Some(h) = unsafe { itr.h.as_ref() } {
        itr.h = std::ptr::null();
        // SAFETY: the pin is this iterator's and is released once.
        unsafe { retire::unpin(&*itr.t, h, itr.clear_gen) };
    }
}

/// Steps to the next entry; sets `key` (and `elem`) to null at the end and releases the pin.
/// After the end it does nothing.
///
/// Three tiers, each tried only when the one before cannot take the step, and each deciding
/// exactly as the general walk would:
/// * the next cell of the bucket the iterator stands in, known from `todo` (inlined into
///   `gohmap_mapiternext`, with a small stack frame);
/// * [`next_fast`] (through [`next_bucket`]): the rest of an unfiltered chain and the next main
///   buckets of a map that is not growing;
/// * [`next_slow`]: the end, a cleared map, a write in progress, and every step that meets
///   growth.
///
/// The checks every step needs (the pin, a clear, a write in progress) are made once, here.
///
/// `todo` saves the first tier from finding the occupied cells again at every step (the
/// tophash word, its empty-cell test, the rotation and the mask of the cells already passed),
/// and keeping the bucket change out of line leaves this tier few live values and no loop, so
/// it saves and restores two registers (the earlier design, with `next_fast` inlined here,
/// saved six on every step). Instructions a `gohmap_mapiternext` call, bucket changes included
/// (callgrind, `sidebyside` iterate u64): n = 8 94 -> 64, n = 1024 99 -> 77 (67 and 79 after
/// the second change below, which is faster nonetheless). A/B (one process per run, minimum of 3 rounds), ns an
/// entry: u64 n = 8 10.4 -> 8.1, n = 1024 8.95 -> 7.08; str n = 1024 11.2 -> 6.6; n = 64K and
/// 1M 5-22% faster. Then making the checks once and leaving the bucket at its last remembered
/// cell ([`next_position`]): n = 1024 a further 7-15% (two A/Bs of 4 and 6 rounds, u32, u64,
/// str; u64 once unchanged), n = 8 within noise.
///
/// A cell in `todo` may have been emptied since (deleted) or marked (evacuated): its tophash is
/// read again and anything but a real one goes to the next tier, which starts from `i`. A cell
/// filled since, after the current one, is not in `todo` and is not produced, which promise 3
/// allows (and which `next_fast` does too for cells of buckets already passed).
///
/// # Safety
/// `it` was initialised by `mapiterinit` and its map has not been freed.
#[inline(always)]
pub unsafe fn mapiternext(it: *mut Hiter) {
    // SAFETY: caller's promise.
    let itr = unsafe { &mut *it };
    // SAFETY: a non-null `h` is the live map this iterator pinned.
    if let Some(h) = unsafe { itr.h.as_ref() }
        && !retire::stale(h, itr.clear_gen)
        && h.flags() & HASH_WRITING == 0
    {
        // `todo` is set only by `next_fast` (so the chain is unfiltered and `bptr` is in it)
        // and cleared by every other tier, and by the end.
        if itr.todo != 0 {
            let j = itr.todo.trailing_zeros() as usize;
            // In bytes on purpose: written as `j + usize::from(offset)`, the compiler read
            // `offset` with a 4-byte load that also covers `wrapped` and `i`, which the
            // previous step had just stored as single bytes. A load wider than a pending store
            // cannot take its value from the store buffer and waits for the store to reach the
            // cache: that stall made this whole tier 10-30% slower than the code it replaced
            // (A/B), for fewer instructions.
            let cell = usize::from((j as u8).wrapping_add(itr.offset) & (BUCKET_CNT as u8 - 1));
            let b = Bucket(itr.bptr);
            // SAFETY: `bptr` is a bucket of the pinned map's memory (kept alive by the pin).
            if unsafe { b.tophash(cell) } >= MIN_TOP_HASH {
                // SAFETY: the descriptor outlives the map; a cell with a real tophash holds a
                // live key and elem. (Both addresses first: storing `key` before reading the
                // descriptor for `elem` would make the compiler read it twice, as the store
                // might alias it.)
                let (key, elem) = unsafe {
                    let t = &*itr.t;
                    (b.key(t, cell), b.elem(t, cell))
                };
                itr.key = key;
                itr.elem = elem;
                itr.todo &= itr.todo - 1;
                itr.i = next_position(j, itr.todo);
                return;
            }
        }
        // SAFETY: caller's promise; `h` passed the checks `next_fast` needs.
        return unsafe { next_bucket(it, h) };
    }
    // SAFETY: caller's promise.
    unsafe { next_slow(it) }
}

/// The `i` to leave after producing position `j` with `todo` left: `j + 1`, or past the end of
/// the bucket when nothing was left in it, so the next step goes straight to the next bucket
/// instead of searching this one's tophash word again. That skips only cells filled since the
/// walk entered the bucket, which promise 3 allows.
#[inline(always)]
fn next_position(j: usize, todo: u8) -> u8 {
    if todo == 0 {
        BUCKET_CNT as u8
    } else {
        j as u8 + 1
    }
}

/// The second and third tiers of [`mapiternext`], for a live, pinned map with no write in
/// progress.
///
/// # Safety
/// As [`mapiternext`], and `h` is the iterator's map, checked as [`next_fast`] requires.
#[inline(never)]
unsafe fn next_bucket(it: *mut Hiter, h: &Hmap) {
    // SAFETY: caller's promise.
    let itr = unsafe { &mut *it };
    itr.todo = 0;
    // SAFETY: caller's promise; the descriptor outlives the map.
    match unsafe { next_fast(&*itr.t, h, itr) } {
        Fast::Entry => {}
        // SAFETY: the iteration is over; release its pin once.
        Fast::End => unsafe { mapiterdone(it) },
        // SAFETY: caller's promise.
        Fast::Slow => unsafe { next_slow(it) },
    }
}

/// [`mapiternext`] for everything [`next_fast`] leaves: the end, a cleared map, a write in
/// progress, and every step that meets growth.
///
/// # Safety
/// As [`mapiternext`].
#[inline(never)]
unsafe fn next_slow(it: *mut Hiter) {
    // SAFETY: caller's promise.
    let itr = unsafe { &mut *it };
    // SAFETY: a non-null `h` is the live map this iterator pinned.
    let Some(h) = (unsafe { itr.h.as_ref() }) else {
        itr.key = std::ptr::null_mut();
        itr.elem = std::ptr::null_mut();
        return;
    };
    // SAFETY: the descriptor outlives the map.
    let t = unsafe { &*itr.t };
    if retire::stale(h, itr.clear_gen) {
        // A mapclear ended this iteration (promise 6); its pin was forgotten then.
        itr.h = std::ptr::null();
        itr.key = std::ptr::null_mut();
        itr.elem = std::ptr::null_mut();
        return;
    }
    if h.flags() & HASH_WRITING != 0 {
        panic::concurrent_iter_write();
    }
    // SAFETY: the map is pinned, so every bucket the iterator can reach is alive.
    if !unsafe { step(t, h, itr) } {
        // SAFETY: the iteration is over; release its pin once.
        unsafe { mapiterdone(it) };
    }
}

/// The common step: the next entry is current data in the rest of this bucket, its overflow
/// chain, or the next main buckets of a map that is not growing. Those are exactly the cases in
/// which [`step`] would produce a cell as it stands (no filter, a real tophash, no old bucket
/// to consult), so this walks them with one tophash-word test per bucket and no call. It gives
/// up, changing nothing, at the first cell or bucket that needs more (an evacuation mark, a
/// filtered or sibling walk, growth, the end), and [`step`] then redoes the walk from the same
/// state. Iterating a 1024-entry u64 map cost 7.7 ns an entry with every bucket change going
/// through [`step`] (a third of the time), 5.8 ns with this (Go: 8.0).
///
/// # Safety
/// `it` is pinned on the live map `h` of `t`, and no write is in progress.
#[inline(always)]
unsafe fn next_fast(t: &MapType, h: &Hmap, it: &mut Hiter) -> Fast {
    if it.check_bucket != NO_CHECK || it.sibling != 0 {
        return Fast::Slow;
    }
    let offset = usize::from(it.offset);
    let mut b = Bucket(it.bptr);
    let mut i = usize::from(it.i);
    let mut bucket = it.bucket;
    let mut wrapped = it.wrapped;
    loop {
        if b.is_null() {
            if h.growing() {
                return Fast::Slow;
            }
            if bucket == it.start_bucket && wrapped {
                // Back at the start of a map that is not growing: [`step`] would end here too.
                // Ending without it saves a call and a second walk of the state per iteration
                // (iterate u64 n = 8: 7.9 -> 7.1 ns an entry).
                return Fast::End;
            }
            // SAFETY: `bucket` indexes the snapshot, kept alive by the pin; with no grow in
            // progress this is the chain `fetch` would return, unfiltered.
            b = unsafe { Bucket::at(it.buckets, t, bucket) };
            bucket += 1;
            if bucket == bucket_shift(it.b) {
                bucket = 0;
                wrapped = true;
            }
            i = 0;
        }
        if i < BUCKET_CNT {
            // SAFETY: b is a live bucket (pinned).
            let g = unsafe { b.group() };
            // Evacuation marks stay in (evacuatedEmpty too, unlike `step`'s mask): the check
            // below sends every mark to `step`, and the cheaper mask saves five operations an
            // entry (104 -> 99 instructions a call; iterate u64 n = 1024 5.94 -> 5.45 ns an
            // entry, 64K 7.87 -> 7.45, A/B).
            let occupied = group::match_non_empty(g).rotate_right(8 * offset as u32);
            let todo = occupied & (!0u64 << (8 * i));
            if todo != 0 {
                let j = group::first(todo);
                let offi = (j + offset) & (BUCKET_CNT - 1);
                if ((g >> (8 * offi)) as u8) < MIN_TOP_HASH {
                    return Fast::Slow; // an evacuation mark: `step` looks the entry up
                }
                // SAFETY: b is live; a cell with a real tophash holds a live key and elem.
                unsafe {
                    it.key = b.key(t, offi);
                    it.elem = b.elem(t, offi);
                }
                it.bptr = b.0;
                it.todo = group::to_bits(group::rest(todo));
                it.i = next_position(j, it.todo);
                it.bucket = bucket;
                it.wrapped = wrapped;
                return Fast::Entry;
            }
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
        i = 0;
    }
}

/// What [`next_fast`] did.
enum Fast {
    /// Stepped to the next entry.
    Entry,
    /// Found the iteration over (the caller ends it).
    End,
    /// Changed nothing: the general walk must take this step.
    Slow,
}

/// Advances to the next entry; false at the end.
///
/// # Safety
/// `it` is pinned on the live map `h` of `t`.
#[inline(never)]
unsafe fn step(t: &MapType, h: &Hmap, it: &mut Hiter) -> bool {
    let mut bucket = it.bucket;
    let mut b = Bucket(it.bptr);
    let mut i = usize::from(it.i);
    let mut check = it.check_bucket;
    loop {
        if b.is_null() && it.sibling != 0 {
            // SAFETY: the sibling is an old bucket of the shrink this iteration started in.
            (b, check) = unsafe { fetch_sibling(t, h, it) };
            i = 0;
        }
        if b.is_null() {
            if bucket == it.start_bucket && it.wrapped {
                return false;
            }
            // SAFETY: `bucket` indexes the snapshot; old buckets are in range of the old array.
            unsafe {
                (b, check) = fetch(t, h, it, bucket);
            }
            bucket += 1;
            if bucket == bucket_shift(it.b) {
                bucket = 0;
                it.wrapped = true;
            }
            i = 0;
        }
        // The cells still to visit in this bucket, in visiting order (position `j` is cell
        // `(j + offset) % 8`), that hold a key: found from the tophash word at once, so empty
        // cells cost no branch each (a branch per cell mispredicts on half-full tables).
        let offset = usize::from(it.offset);
        // SAFETY: b is a live bucket (pinned).
        let occupied = group::match_occupied(unsafe { b.group() }).rotate_right(8 * offset as u32);
        let mut todo = if i < BUCKET_CNT {
            occupied & (!0u64 << (8 * i))
        } else {
            0
        };
        while todo != 0 {
            let j = group::first(todo);
            todo = group::rest(todo);
            let offi = (j + offset) & (BUCKET_CNT - 1);
            // SAFETY: b is a live bucket (pinned); cell offi's key is live unless empty.
            if let Some((k, e)) = unsafe { produce(t, h, it, b, offi, check) } {
                it.key = k;
                it.elem = e;
                it.bucket = bucket;
                it.bptr = b.0;
                it.i = (j + 1) as u8;
                it.check_bucket = check;
                return true;
            }
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
        i = 0;
    }
}

/// The chain to walk for snapshot bucket `bucket`, and its filter.
///
/// # Safety
/// As [`step`].
unsafe fn fetch(t: &MapType, h: &Hmap, it: &mut Hiter, bucket: usize) -> (Bucket, usize) {
    if h.growing() && it.b == h.b.get() && h.shrinking() {
        // SAFETY: caller's promise.
        return unsafe { fetch_shrinking(t, h, it, bucket) };
    }
    if h.growing() && it.b == h.b.get() {
        // The iterator started during this grow, or the grow is same-size and the snapshot
        // may be the array now in `oldbuckets`: read the old bucket until it has moved.
        let oldbucket = bucket & (h.noldbuckets() - 1);
        // SAFETY: in range of the old array.
        let oldb = unsafe { Bucket::at(h.oldbuckets.get(), t, oldbucket) };
        // SAFETY: oldb is live.
        if unsafe { !oldb.evacuated() } {
            // Whether to filter is decided now, once, for the whole chain: a doubling grow's
            // filter stays valid (it is relative to it.b and the NaN tophash bit) even if that
            // grow ends and a same-size one starts while the iterator stands in this chain.
            // Go decides at every cell from the current grow kind, and can then drop NaNs or
            // produce entries twice; we do not.
            let check = if h.same_size_grow() { NO_CHECK } else { bucket };
            return (oldb, check);
        }
    }
    // SAFETY: in range of the snapshot, which the pin keeps alive even after later grows.
    (unsafe { Bucket::at(it.buckets, t, bucket) }, NO_CHECK)
}

/// `fetch` for an iteration that started during the shrink in progress (shrinks never start
/// while an iterator pins the map, so `it.b == h.b` means exactly that, and the snapshot is the
/// new array). New bucket `j` is fed by its old siblings `j + m * 2^B`, `m` from 0 to 1 (or 3,
/// `it.shrink_levels`), and a sibling never moves before the ones below it (`grow_work`). If
/// the last has moved, all have: the new bucket is walked whole. Otherwise the siblings are
/// walked one after the other (`it.sibling`, see [`fetch_sibling`]), each from one place, chosen
/// when the walk reaches it: its old chain if it has not moved (read to its end even if it
/// moves meanwhile: moved cells are looked up again, as for any stale snapshot), else new
/// bucket `j` filtered to the entries that came from it. So nothing is produced twice: entries
/// of a sibling read in the old chain are filtered out of the new bucket, and those of a
/// sibling read in the new bucket are not in its old chain any more.
///
/// # Safety
/// As [`step`]; the map is shrinking and `it.b == h.b`.
unsafe fn fetch_shrinking(t: &MapType, h: &Hmap, it: &mut Hiter, j: usize) -> (Bucket, usize) {
    debug_assert!(it.buckets == h.buckets.get() && it.shrink_levels == h.shrink_levels());
    let last = j + (h.noldbuckets() - bucket_shift(it.b));
    // SAFETY: last < noldbuckets, a main bucket of the old array.
    if unsafe { Bucket::at(h.oldbuckets.get(), t, last).evacuated() } {
        // SAFETY: j is a main bucket of the snapshot.
        return (unsafe { Bucket::at(it.buckets, t, j) }, NO_CHECK);
    }
    it.sibling = j + 1;
    // SAFETY: caller's promise; it.sibling was just set.
    unsafe { fetch_sibling(t, h, it) }
}

/// The chain for old sibling `it.sibling - 1` of the main bucket last fetched (see
/// [`fetch_shrinking`]): its old chain if it has still not moved, else the new bucket filtered
/// to its entries. Sets `it.sibling` to the next sibling, or 0 after the last.
///
/// # Safety
/// As [`step`], `it.sibling` being set by `fetch_shrinking` or a previous call.
unsafe fn fetch_sibling(t: &MapType, h: &Hmap, it: &mut Hiter) -> (Bucket, usize) {
    let s = it.sibling - 1;
    let n = bucket_shift(it.b);
    let next = s + n;
    it.sibling = if next < n << it.shrink_levels {
        next + 1
    } else {
        0
    };
    // SAFETY: while this shrink runs, s is a main bucket of its old array; the snapshot (pinned)
    // has s & mask(it.b) in range whatever happened since.
    unsafe {
        if h.growing() && h.shrinking() && it.b == h.b.get() {
            let old = Bucket::at(h.oldbuckets.get(), t, s);
            if !old.evacuated() {
                return (old, NO_CHECK);
            }
        }
        (Bucket::at(it.buckets, t, s & (n - 1)), ORIGIN | s)
    }
}

/// The key and elem to produce for cell `i` of `b`, if any.
///
/// # Safety
/// As [`step`], `b` being a bucket the iterator reached.
unsafe fn produce(
    t: &MapType,
    h: &Hmap,
    it: &Hiter,
    b: Bucket,
    i: usize,
    check: usize,
) -> Option<(*mut u8, *mut u8)> {
    // SAFETY: b is live.
    let th = unsafe { b.tophash(i) };
    if is_empty(th) || th == EVACUATED_EMPTY {
        return None;
    }
    // SAFETY: a cell that is neither empty nor evacuated-empty holds a live key (or, if
    // evacuated, one the pin keeps alive).
    let k = unsafe { b.key(t, i) };
    // SAFETY: as above.
    let self_equal = t.reflexive_key() || unsafe { t.eq(k, k) };
    if check != NO_CHECK {
        // An old bucket walked on behalf of new bucket `check`: only its entries that will
        // land there. A NaN goes where its tophash bit sends it, as evacuation decides.
        let keep = if check & ORIGIN != 0 {
            // A new bucket walked on behalf of one of the old siblings that feed it (a shrink):
            // only the entries that came from that sibling. A NaN's tophash bit says which
            // (set by the shrink's evacuation, and kept in the mark by any later one).
            let origin = check & !ORIGIN;
            if self_equal {
                // SAFETY: a live key.
                let hash = unsafe { t.hash(k, h.hash0.get() as usize) };
                hash & bucket_mask(it.b + it.shrink_levels) == origin
            } else {
                // NaN-capable keys only halve (`shrink::levels_toward`): one bit says which.
                debug_assert!(it.shrink_levels == 1);
                origin >> it.b == usize::from(th & 1)
            }
        } else if self_equal {
            // SAFETY: a live key.
            let hash = unsafe { t.hash(k, h.hash0.get() as usize) };
            hash & bucket_mask(it.b) == check
        } else {
            check >> (it.b - 1) == usize::from(th & 1)
        };
        if !keep {
            return None;
        }
    }
    if (th != EVACUATED_X && th != EVACUATED_Y) || !self_equal {
        // Current data, or a NaN (which can be neither found, updated nor deleted).
        // SAFETY: cell i holds a live elem.
        return Some((k, unsafe { b.elem(t, i) }));
    }
    // The entry moved since the snapshot: look it up, which also sees updates and deletions.
    // SAFETY: no write is in progress (checked), and the key is live.
    unsafe { mapaccess_k(t, h, AnyKey(k)) }
}
