//! Every number the map's structure depends on, in one place (spec §1).
//!
//! The relations between them that the code relies on are pinned by `const` assertions at the
//! bottom, each with the reason it must hold.

/// log2 of [`BUCKET_CNT`].
pub const BUCKET_CNT_BITS: u32 = 3;
/// Slots per bucket, main or overflow.
pub const BUCKET_CNT: usize = 1 << BUCKET_CNT_BITS;

/// The load factor is 13/2 = 6.5 entries per bucket, kept as a ratio so that the check is
/// integer arithmetic. Go's measurements (spec §1): at 6.5 about 21 % of buckets overflow and a
/// map costs ~10.8 bytes of overhead per entry; at 8.0, 41 % overflow; at 4.0, 20.8 bytes.
pub const LOAD_FACTOR_NUM: usize = 13;
/// Denominator of the load factor.
pub const LOAD_FACTOR_DEN: usize = 2;

/// Keys larger than this are stored out of line (the slot holds a pointer).
pub const MAX_KEY_SIZE: usize = 128;
/// Elems larger than this are stored out of line.
pub const MAX_ELEM_SIZE: usize = 128;
/// Offset of the first key slot: the tophash array rounded up to 8 bytes.
pub const DATA_OFFSET: usize = 8;
/// Size of a pointer (and of an out-of-line slot) on the only targets we build for.
pub const PTR_SIZE: usize = 8;

// Tophash cell states. Values below MIN_TOP_HASH are marks; full cells hold MIN_TOP_HASH..=255.
/// Empty, and so is every later cell of this bucket and of every later bucket in the chain.
pub const EMPTY_REST: u8 = 0;
/// Empty (a tombstone); later cells in the chain may be full.
pub const EMPTY_ONE: u8 = 1;
/// Old table only: the entry was copied to the low half (X) of the new table.
pub const EVACUATED_X: u8 = 2;
/// Old table only: the entry was copied to the high half (Y) of the new table.
pub const EVACUATED_Y: u8 = 3;
/// Old table only: the cell was empty when its bucket was evacuated.
pub const EVACUATED_EMPTY: u8 = 4;
/// The smallest tophash of a full cell.
pub const MIN_TOP_HASH: u8 = 5;

// hmap.flags bits. The low four are Go's; the high ones are ours and never leave the library.
/// An iterator may be walking `buckets`.
pub const ITERATOR: u8 = 1;
/// An iterator may be walking `oldbuckets`.
pub const OLD_ITERATOR: u8 = 2;
/// A write (assign, delete, clear) is in progress; only used to detect concurrent misuse.
pub const HASH_WRITING: u8 = 4;
/// The grow in progress keeps the bucket count (it only compacts overflow chains).
pub const SAME_SIZE_GROW: u8 = 8;
/// gohmap: the header was supplied by the caller, so `mapfree` must not free it.
pub const CALLER_HEADER: u8 = 16;
/// gohmap: the one-bucket array in use (or retired) was supplied by the caller; never freed.
pub const CALLER_BUCKET: u8 = 32;
/// gohmap: the grow in progress shrinks the bucket array (see `shrink.rs`): by half, old bucket
/// `i` and its sibling `i + 2^B` both evacuating into new bucket `i`; or, with `BY_FOUR`, by a
/// quarter, old buckets `i + m * 2^B` for `m` = 0..3 all evacuating into new bucket `i`.
pub const SHRINKING: u8 = 64;
/// gohmap: with `SHRINKING`, the shrink in progress leaves a quarter of the buckets (two
/// levels at once); never set without it.
pub const BY_FOUR: u8 = 128;

/// The most levels (halvings) one incremental shrink takes at once: `BY_FOUR`.
pub const MAX_SHRINK_LEVELS: u8 = 2;

/// Maps with fewer buckets than `2^SHRINK_MIN_B` never shrink by themselves: the memory is
/// small and a tiny map's size swings are the common case (`mapshrink` still works).
pub const SHRINK_MIN_B: u8 = 4;

/// Maps with at most `2^ONE_STEP_SHRINK_MAX_B` buckets shrink in one step, inside the delete
/// that finds them under-loaded; bigger ones halve incrementally as a grow doubles (`shrink.rs`).
/// At 12, draining 64K u64 keys halved incrementally once from 2^14 buckets, then once more,
/// at 43 ns a delete; at 14 it shrinks in one step, 32 ns (`sidebyside delete_all`, A/B; str
/// 49.5 -> 42), for a worst pause of ~240 us (rdtsc, 2^14 u64 buckets) instead of ~60 us.
pub const ONE_STEP_SHRINK_MAX_B: u8 = 14;

/// `hiter.check_bucket` value meaning "no filtering".
pub const NO_CHECK: usize = usize::MAX;

/// Size of the shared read-only zero value returned by lookups that miss.
pub const MAX_ZERO: usize = 1024;

/// Largest allocation we ask for; beyond this a hint is treated as bogus (Go's `maxAlloc` on
/// linux/amd64 is 2^48).
pub const MAX_ALLOC: usize = 1 << 48;

// maptype.flags bits (Go's values, spec §2.5).
/// The key is stored out of line.
pub const TYPE_INDIRECT_KEY: u32 = 1;
/// The elem is stored out of line.
pub const TYPE_INDIRECT_ELEM: u32 = 2;
/// `k == k` for every key value.
pub const TYPE_REFLEXIVE_KEY: u32 = 4;
/// Assigning to an existing key must overwrite the stored key bytes (+0/-0, strings).
pub const TYPE_NEED_KEY_UPDATE: u32 = 8;
/// The hasher may fail (report through the panic handler) for some keys.
pub const TYPE_HASH_MIGHT_PANIC: u32 = 16;
/// The key bits a descriptor builder accepts from its caller.
pub const TYPE_KEY_FLAGS: u32 = TYPE_REFLEXIVE_KEY | TYPE_NEED_KEY_UPDATE | TYPE_HASH_MIGHT_PANIC;

const _: () = assert!(
    BUCKET_CNT.is_power_of_two() && BUCKET_CNT == 8,
    "tophash groups are read as one u64: a bucket must have exactly 8 slots"
);
const _: () = assert!(
    EVACUATED_Y == EVACUATED_X + 1 && EVACUATED_Y == EVACUATED_X ^ 1,
    "the low bit of an evacuated mark is the X/Y choice of a NaN key"
);
const _: () = assert!(
    MIN_TOP_HASH > EVACUATED_EMPTY && EMPTY_ONE < EVACUATED_X,
    "every mark must sort below the smallest full tophash, and empties below evacuation marks"
);
const _: () = assert!(
    EMPTY_REST == 0,
    "freshly zeroed bucket memory must read as 'everything empty from here on'"
);
const _: () = assert!(
    MAX_KEY_SIZE <= u8::MAX as usize && MAX_ELEM_SIZE <= u8::MAX as usize,
    "slot sizes are stored in a u8"
);
const _: () = assert!(
    DATA_OFFSET == BUCKET_CNT && DATA_OFFSET.is_multiple_of(PTR_SIZE),
    "keys start right after the tophash array, pointer-aligned"
);
const _: () = assert!(
    (CALLER_HEADER | CALLER_BUCKET | SHRINKING | BY_FOUR)
        & (ITERATOR | OLD_ITERATOR | HASH_WRITING | SAME_SIZE_GROW)
        == 0,
    "gohmap's private flag bits must not overlap Go's"
);
const _: () = assert!(usize::BITS == 64, "gohmap is built for 64-bit targets only");
