//! The map's invariants (spec §9) as code: a walk over the whole structure that returns the
//! first violation. Tests run it after every step; hosts may run it in debug builds.
//!
//! * I1 cell states: 0, 1, or a full tophash (>= 5) in the current table; 2..=4 only in old ones.
//! * I2 evacuation is all-or-nothing per old chain, and only cell 0 of the head is consulted.
//! * I3 a new bucket receives nothing before its old source is evacuated.
//! * I4 emptyRest cells form a suffix of each chain, not preceded by an emptyOne.
//! * I5 empty cells have zero inline elems and null out-of-line elem pointers.
//! * I6 `count` is the number of full cells, current table plus unevacuated old buckets.
//! * I7 growth bookkeeping: old buckets below `nevacuate` are evacuated; `sameSizeGrow` only
//!   while growing.
//! * I8 `B == 0` means not growing and no overflow buckets.
//! * I9 `hashWriting` is clear between operations.
//! * I10 free preallocated overflow buckets are zero, linked by null except the last, whose
//!   overflow field is the sentinel (the array base).
//! * Placement: a full cell whose key equals itself sits in the bucket its hash selects, with
//!   the tophash its hash gives.
//! * Reclamation: memory is retired only while iterators pin the map.
//! * Chains: an overflow chain longer than 2^24 buckets is taken to be a loop.
//!
//! Each check has a stable code ([`Check`]), the `GOHMAP_CHECK_*` constants of the C header,
//! returned by `gohmap_mapcheck`. The walk detects corruption of the map's *values* (marks,
//! counts, links to the sentinel); a wild pointer (a freed array, an overwritten overflow link)
//! is followed, not detected: that is undefined behaviour no walk can guard against.
//!
//! The walk calls the descriptor's hasher and equality on stored keys (never on NaN-like keys'
//! hashes, which are random), and allocates nothing.

use crate::array;
use crate::bucket::{Bucket, is_empty, top_hash};
use crate::consts::*;
use crate::hmap::{Hmap, bucket_mask, bucket_shift};
use crate::maptype::MapType;
use crate::retire;

/// One check of the walk. Its [`Check::code`] is stable: it is the `GOHMAP_CHECK_*` value that
/// `gohmap_mapcheck` returns, so a host can act on it without parsing the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Check {
    /// I1: a mark only old tables may hold (2..=4) in the current table.
    CellState = 1,
    /// I2: a partly evacuated old chain.
    Evacuation = 2,
    /// I3: a new bucket written before its old source was evacuated.
    Untouched = 3,
    /// I4: emptyRest not a suffix of its chain.
    EmptyRest = 4,
    /// I5: an empty cell with a non-zero elem.
    ZeroElem = 5,
    /// I6: `count` differs from the full cells.
    Count = 6,
    /// I7: growth bookkeeping (`nevacuate`, `sameSizeGrow`, array sizes).
    GrowState = 7,
    /// I8: `B = 0` while growing or with an overflow bucket.
    SmallMap = 8,
    /// I9: `hashWriting` set outside a write.
    Writing = 9,
    /// I10: the free preallocated overflow buckets.
    Prealloc = 10,
    /// A key in the wrong bucket, or with a tophash its hash does not give.
    Placement = 11,
    /// Memory retired while no iterator pins the map.
    Reclaim = 12,
    /// An overflow chain that loops.
    Chain = 13,
    /// The descriptor fails validation (only `gohmap_mapcheck` reports this: the walk itself
    /// trusts its descriptor).
    MapType = 14,
}

impl Check {
    /// Every check, in code order.
    pub const ALL: [Check; 14] = [
        Check::CellState,
        Check::Evacuation,
        Check::Untouched,
        Check::EmptyRest,
        Check::ZeroElem,
        Check::Count,
        Check::GrowState,
        Check::SmallMap,
        Check::Writing,
        Check::Prealloc,
        Check::Placement,
        Check::Reclaim,
        Check::Chain,
        Check::MapType,
    ];

    /// The stable code (`GOHMAP_CHECK_*`), never 0.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The name messages start with: the spec's (`"I4"`, `"placement"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Check::CellState => "I1",
            Check::Evacuation => "I2",
            Check::Untouched => "I3",
            Check::EmptyRest => "I4",
            Check::ZeroElem => "I5",
            Check::Count => "I6",
            Check::GrowState => "I7",
            Check::SmallMap => "I8",
            Check::Writing => "I9",
            Check::Prealloc => "I10",
            Check::Placement => "placement",
            Check::Reclaim => "reclaim",
            Check::Chain => "chain",
            Check::MapType => "maptype",
        }
    }
}

/// The first invariant found broken, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub check: Check,
    /// What is wrong.
    pub what: &'static str,
    /// Main bucket index where it was seen (0 when not about a bucket).
    pub bucket: usize,
    /// Whether that bucket is in the old table.
    pub old: bool,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = if self.old { "old" } else { "current" };
        write!(
            f,
            "{}: {} ({} bucket {})",
            self.check.name(),
            self.what,
            table,
            self.bucket
        )
    }
}

fn fail<T>(check: Check, what: &'static str, bucket: usize, old: bool) -> Result<T, Violation> {
    Err(Violation {
        check,
        what,
        bucket,
        old,
    })
}

/// Chains longer than this are taken to be cycles.
const MAX_CHAIN: usize = 1 << 24;

/// Walks every invariant of a map.
///
/// # Safety
/// `h` is null or a live map of the validated descriptor `t`, with no write in progress on
/// another thread.
pub unsafe fn check_invariants(t: &MapType, h: *const Hmap) -> Result<(), Violation> {
    // SAFETY: caller's promise.
    let Some(h) = (unsafe { h.as_ref() }) else {
        return Ok(());
    };
    if h.flags() & HASH_WRITING != 0 {
        return fail(Check::Writing, "hashWriting set outside a write", 0, false);
    }
    if !h.growing() && h.flags() & SAME_SIZE_GROW != 0 {
        return fail(
            Check::GrowState,
            "sameSizeGrow set while not growing",
            0,
            false,
        );
    }
    if h.shrinking() && (!h.growing() || h.same_size_grow()) {
        let what = "shrinking set while not growing, or with sameSizeGrow";
        return fail(Check::GrowState, what, 0, false);
    }
    if h.flags() & BY_FOUR != 0 && (!h.shrinking() || !t.reflexive_key()) {
        let what = "by-four set without shrinking, or for keys that may be NaN";
        return fail(Check::GrowState, what, 0, false);
    }
    if h.buckets.get().is_null() {
        if h.count.get() != 0 || h.b.get() != 0 || h.growing() {
            return fail(
                Check::Count,
                "no buckets but entries, B > 0 or growing",
                0,
                false,
            );
        }
        return check_retired(h);
    }
    if h.b.get() == 0 && h.growing() {
        return fail(Check::SmallMap, "B = 0 while growing", 0, false);
    }
    // The arrays' recorded sizes must agree with B and the grow kind before anything indexes
    // them (a wrong sameSizeGrow bit would otherwise send this walk past an array's end).
    let caller = |b: u8| b == 0 && h.flags() & CALLER_BUCKET != 0;
    // SAFETY: arrays we allocated record their B in their header.
    if !caller(h.b.get()) && unsafe { array::array_b(h.buckets.get()) } != h.b.get() {
        return fail(
            Check::GrowState,
            "the bucket array's size does not match B",
            0,
            false,
        );
    }
    if h.growing() {
        let old_b = h.old_b();
        // SAFETY: as above.
        if !caller(old_b) && unsafe { array::array_b(h.oldbuckets.get()) } != old_b {
            return fail(
                Check::GrowState,
                "the old array's size does not match B and the grow kind",
                0,
                true,
            );
        }
    }
    let mut live = 0usize;
    for j in 0..bucket_shift(h.b.get()) {
        // SAFETY: j is a main bucket of the current array.
        live += unsafe { check_chain(t, h, j, false)? };
    }
    if h.growing() {
        let nold = h.noldbuckets();
        if h.nevacuate.get() >= nold {
            return fail(
                Check::GrowState,
                "nevacuate beyond the old table",
                h.nevacuate.get(),
                true,
            );
        }
        for j in 0..nold {
            // SAFETY: j is a main bucket of the old array.
            let evacuated = unsafe { Bucket::at(h.oldbuckets.get(), t, j).evacuated() };
            if j < h.nevacuate.get() && !evacuated {
                return fail(
                    Check::GrowState,
                    "bucket below nevacuate not evacuated",
                    j,
                    true,
                );
            }
            if !evacuated {
                // SAFETY: as above.
                unsafe {
                    check_untouched(t, h, j)?;
                    live += check_chain(t, h, j, true)?;
                }
            } else {
                // SAFETY: as above.
                unsafe { check_evacuated(t, h, j)? };
            }
        }
    }
    if live != h.count.get() as usize {
        return fail(
            Check::Count,
            "count differs from the number of full cells",
            0,
            false,
        );
    }
    // SAFETY: buckets is live.
    unsafe { check_prealloc(t, h)? };
    check_retired(h)
}

/// Checks one chain; returns its number of full cells.
///
/// # Safety
/// `j` is a main bucket of the chosen table; when `old`, it is not evacuated.
unsafe fn check_chain(t: &MapType, h: &Hmap, j: usize, old: bool) -> Result<usize, Violation> {
    let (base, mask) = if old {
        (h.oldbuckets.get(), h.noldbuckets() - 1)
    } else {
        (h.buckets.get(), bucket_mask(h.b.get()))
    };
    // SAFETY: caller's promise.
    let mut b = unsafe { Bucket::at(base, t, j) };
    let (mut live, mut seen_rest, mut prev) = (0usize, false, EMPTY_REST);
    let mut len = 0usize;
    while !b.is_null() {
        len += 1;
        if len > MAX_CHAIN {
            return Err(Violation {
                check: Check::Chain,
                what: "overflow chain loops",
                bucket: j,
                old,
            });
        }
        if h.b.get() == 0 && len > 1 {
            return Err(Violation {
                check: Check::SmallMap,
                what: "overflow bucket at B = 0",
                bucket: j,
                old,
            });
        }
        for i in 0..BUCKET_CNT {
            // SAFETY: b is a live bucket of the chain.
            let top = unsafe { b.tophash(i) };
            if (EVACUATED_X..=EVACUATED_EMPTY).contains(&top) {
                // In the current table no cell may ever hold a mark (I1); in an old chain that
                // is still live, a mark means it was evacuated only in part (I2).
                return if old {
                    let what = "evacuation mark in a chain that is not evacuated";
                    fail(Check::Evacuation, what, j, old)
                } else {
                    fail(
                        Check::CellState,
                        "evacuation mark in the current table",
                        j,
                        old,
                    )
                };
            }
            if seen_rest && top != EMPTY_REST {
                return Err(Violation {
                    check: Check::EmptyRest,
                    what: "cell after emptyRest",
                    bucket: j,
                    old,
                });
            }
            if top == EMPTY_REST && !seen_rest {
                seen_rest = true;
                if prev == EMPTY_ONE {
                    let what = "emptyOne just before the emptyRest suffix";
                    return Err(Violation {
                        check: Check::EmptyRest,
                        what,
                        bucket: j,
                        old,
                    });
                }
            }
            prev = top;
            if is_empty(top) {
                // SAFETY: b is live.
                unsafe { check_empty_cell(t, b, i, j, old)? };
                continue;
            }
            live += 1;
            // SAFETY: a full cell holds a live key.
            unsafe {
                let k = b.key(t, i);
                if t.reflexive_key() || t.eq(k, k) {
                    let hash = t.hash(k, h.hash0.get() as usize);
                    if hash & mask != j {
                        let what = "key in the wrong bucket";
                        return Err(Violation {
                            check: Check::Placement,
                            what,
                            bucket: j,
                            old,
                        });
                    }
                    if top != top_hash(hash) {
                        let what = "tophash differs from the key's hash";
                        return Err(Violation {
                            check: Check::Placement,
                            what,
                            bucket: j,
                            old,
                        });
                    }
                }
            }
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
    }
    if !seen_rest && prev == EMPTY_ONE {
        let what = "chain ends in emptyOne (its last cells should be emptyRest)";
        return Err(Violation {
            check: Check::EmptyRest,
            what,
            bucket: j,
            old,
        });
    }
    Ok(live)
}

/// # Safety
/// `b` is a live bucket and cell `i` is empty.
unsafe fn check_empty_cell(
    t: &MapType,
    b: Bucket,
    i: usize,
    j: usize,
    old: bool,
) -> Result<(), Violation> {
    // SAFETY: caller's promise.
    unsafe {
        let e = b.elem_slot(t, i);
        let clean = if t.indirect_elem() {
            e.cast::<*mut u8>().read().is_null()
        } else {
            (0..t.elem_size).all(|x| *e.add(x) == 0)
        };
        if !clean {
            return Err(Violation {
                check: Check::ZeroElem,
                what: "empty cell with a non-zero elem",
                bucket: j,
                old,
            });
        }
    }
    Ok(())
}

/// I3: the new buckets fed by unevacuated old bucket `j` have received nothing.
///
/// # Safety
/// Growing; `j` is an unevacuated old main bucket.
unsafe fn check_untouched(t: &MapType, h: &Hmap, j: usize) -> Result<(), Violation> {
    let newbit = h.noldbuckets();
    let targets = if h.shrinking() {
        // Old siblings j mod 2^B all feed new bucket j mod 2^B, lowest first (`grow_work`):
        // while one has not moved, none above it has, and the new bucket holds nothing but what
        // came from the siblings below it (nothing at all below the lowest).
        let n = bucket_shift(h.b.get());
        let mut above = j + n;
        while above < newbit {
            // SAFETY: above is a main bucket of the old array.
            if unsafe { Bucket::at(h.oldbuckets.get(), t, above).evacuated() } {
                let what = "old sibling evacuated before a lower one";
                return fail(Check::Untouched, what, j, true);
            }
            above += n;
        }
        if j >= n {
            // SAFETY: j is an unevacuated upper sibling; j mod n is in range of the new array.
            return unsafe { check_only_lower_moved(t, h, j) };
        }
        [j, j]
    } else if h.same_size_grow() {
        [j, j]
    } else {
        [j, j + newbit]
    };
    for n in targets {
        // SAFETY: n is a main bucket of the current array, bucketsize bytes long.
        let untouched = unsafe {
            let b = Bucket::at(h.buckets.get(), t, n);
            std::slice::from_raw_parts(b.0, t.bucketsize as usize)
                .iter()
                .all(|&x| x == 0)
        };
        if !untouched {
            let what = "new bucket written before its old bucket was evacuated";
            return fail(Check::Untouched, what, n, false);
        }
    }
    Ok(())
}

/// I3 in a shrink where old bucket `s`, an upper sibling, has not moved: every entry of its new
/// bucket came from a sibling below `s` (iterators rely on it, filtering by origin): a
/// self-equal key's hash selects an old bucket below `s`; a NaN's tophash bit says "lower" (set
/// by the evacuation; NaN-capable maps only halve, so `s` is the upper of two).
///
/// # Safety
/// Shrinking; `s` is an unevacuated old main bucket at or above `2^B`.
unsafe fn check_only_lower_moved(t: &MapType, h: &Hmap, s: usize) -> Result<(), Violation> {
    let j = s & bucket_mask(h.b.get());
    // SAFETY: caller's promise.
    let mut b = unsafe { Bucket::at(h.buckets.get(), t, j) };
    let old_mask = h.old_mask();
    while !b.is_null() {
        for i in 0..BUCKET_CNT {
            // SAFETY: b is live; a full cell holds a live key.
            let from_upper = unsafe {
                let top = b.tophash(i);
                if is_empty(top) {
                    continue;
                }
                let k = b.key(t, i);
                if t.reflexive_key() || t.eq(k, k) {
                    t.hash(k, h.hash0.get() as usize) & old_mask >= s
                } else {
                    top & 1 != 0
                }
            };
            if from_upper {
                let what = "new bucket holds an entry of an upper sibling not yet evacuated";
                return fail(Check::Untouched, what, j, false);
            }
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
    }
    Ok(())
}

/// I2: every cell of an evacuated old chain carries an evacuation mark.
///
/// # Safety
/// Growing; `j` is an evacuated old main bucket.
unsafe fn check_evacuated(t: &MapType, h: &Hmap, j: usize) -> Result<(), Violation> {
    // SAFETY: caller's promise.
    let mut b = unsafe { Bucket::at(h.oldbuckets.get(), t, j) };
    while !b.is_null() {
        for i in 0..BUCKET_CNT {
            // SAFETY: b is live.
            let top = unsafe { b.tophash(i) };
            if !(EVACUATED_X..=EVACUATED_EMPTY).contains(&top) {
                return fail(
                    Check::Evacuation,
                    "evacuated chain with a cell not marked evacuated",
                    j,
                    true,
                );
            }
        }
        // SAFETY: b is live.
        b = unsafe { b.overflow(t) };
    }
    Ok(())
}

/// I10: the free preallocated overflow buckets.
///
/// # Safety
/// `h.buckets.get()` is live.
unsafe fn check_prealloc(t: &MapType, h: &Hmap) -> Result<(), Violation> {
    let next = h.next_overflow();
    let total = array::array_len(t, h.b.get());
    let main = bucket_shift(h.b.get());
    if next.is_null() {
        return Ok(());
    }
    if !array::in_array(t, h.buckets.get(), h.b.get(), next) {
        return fail(
            Check::Prealloc,
            "nextOverflow outside the current array",
            0,
            false,
        );
    }
    let first = (next as usize - h.buckets.get() as usize) / t.bucketsize as usize;
    if first < main {
        return fail(
            Check::Prealloc,
            "nextOverflow points at a main bucket",
            first,
            false,
        );
    }
    for n in first..total {
        // SAFETY: n < total is inside the array.
        unsafe {
            let b = Bucket::at(h.buckets.get(), t, n);
            let want = if n == total - 1 {
                Bucket(h.buckets.get())
            } else {
                Bucket::NULL
            };
            if b.overflow(t) != want {
                return fail(
                    Check::Prealloc,
                    "free preallocated bucket with a wrong overflow link",
                    n,
                    false,
                );
            }
            if b.group() != 0 {
                return fail(
                    Check::Prealloc,
                    "free preallocated bucket is not empty",
                    n,
                    false,
                );
            }
        }
    }
    Ok(())
}

fn check_retired(h: &Hmap) -> Result<(), Violation> {
    let e = h.extra_ptr();
    if e.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null extra is live.
    let head = unsafe { (*e).retired.load(std::sync::atomic::Ordering::Acquire) };
    if !head.is_null() && retire::pins(h) == 0 {
        return fail(
            Check::Reclaim,
            "memory retired with no iterator pinning the map",
            0,
            false,
        );
    }
    Ok(())
}
