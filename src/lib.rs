//! # gohmap: Go's classic runtime hash map, for any language runtime
//!
//! gohmap is the `hmap` of Go 1.0–1.23 rebuilt as a type-erased library: a compiler, VM or
//! interpreter describes a map type with a [`MapType`] (key and elem sizes, a hasher, an
//! equality) and calls the same entry points Go's compiler calls — `mapassign` returns the elem
//! slot to store into, `mapaccess1` returns the slot to read from or a shared zero value — on raw
//! bucket memory laid out exactly as Go 1.19 lays it out.
//!
//! ```
//! use gohmap::{KeyKind, MapType, raw};
//!
//! let t = MapType::for_kind(KeyKind::U64, 8, 8).unwrap(); // map[uint64]uint64
//! unsafe {
//!     let m = raw::makemap(&t, 0, std::ptr::null_mut()); // make(map[uint64]uint64)
//!     let k = 42u64;
//!     *raw::mapassign(&t, m, (&raw const k).cast()).cast::<u64>() = 7; // m[42] = 7
//!     let (v, ok) = raw::mapaccess2(&t, m, (&raw const k).cast()); // v, ok := m[42]
//!     assert!(ok && *v.cast::<u64>() == 7 && raw::maplen(m) == 1);
//!     raw::mapfree(&t, m); // Go has a GC; we don't
//! }
//! ```
//!
//! ## The structure
//! A map is a 48-byte header ([`Hmap`], `count` first so `len(m)` is one load) pointing at an
//! array of `2^B` **buckets**. A bucket holds 8 cells: 8 *tophash* bytes, then 8 keys, then 8
//! elems, then a pointer to an **overflow bucket** when the 8 cells are not enough. A key's hash
//! picks the bucket by its low `B` bits; its top byte, moved clear of the marks 0..=4, is the
//! cell's tophash, so almost every non-matching cell is rejected by one byte — here, eight cells
//! at a time with one word operation ([`bucket::group`]). Keys or elems over 128 bytes live out of
//! line; the cell holds a pointer.
//!
//! Keys never move within a table: a lookup, an assign and an iterator all agree on where an
//! entry is. Deletion leaves a tombstone (*emptyOne*); a run of empties reaching the end of a
//! chain is marked *emptyRest*, so searches stop early.
//!
//! ## Growth
//! When an insert would push the load past 6.5 entries per bucket, the map **doubles**; when
//! there are about as many overflow buckets as buckets (churn), it rebuilds at the **same size**.
//! Growth is incremental: the old array stays as `oldbuckets`, and each later assign or delete
//! evacuates the old bucket it needs plus one more. Old bucket `j` splits into new buckets `j`
//! (X) and `j + 2^(B-1)` (Y) by one more hash bit. Lookups read the old bucket until it has moved.
//! NaN keys, whose hashes are random, are split by their tophash's low bit when an iterator may
//! need to recompute the choice.
//!
//! ## Shrinking (gohmap's; Go never shrinks)
//! A delete that leaves the map under an eighth of the load it would grow at **shrinks** it. A
//! map of up to 16384 buckets is copied in that delete into the smallest array that holds it at
//! under half load; a bigger one starts the grow machinery towards a quarter of the buckets, old
//! buckets `j + m * 2^B` (`m` = 0..3) merging incrementally into new bucket `j` (under half
//! loaded after; maps whose keys may be NaNs halve). Either way sizes never thrash. No shrink
//! starts while an iterator pins the map; one that starts mid-shrink walks the old siblings of
//! each new bucket in order, each from its old chain or, once it has moved, from the new bucket
//! filtered by origin.
//! `mapshrink` does it all at once on request; `mapclear_release` gives every bucket back.
//!
//! ## Ownership without a GC
//! Go's GC frees what the map drops; we must decide when. The map owns its header (unless the
//! caller supplied it), bucket arrays, overflow buckets and out-of-line keys and elems; the bytes
//! a key *points to* (string data) stay the caller's. Pointers returned by lookups and assigns
//! are valid until the next write to the map. An iterator may keep reading an array the map has
//! grown away from, so iterators **pin** the map and memory dropped while pinned is **retired**
//! until the last pin goes ([`retire`] explains the policy and its bound). `mapclear` ends running
//! iterations; `mapfree` releases everything. A failed allocation leaves the map as it was:
//! allocations happen before the first write of every operation, and evacuation reserves its
//! overflow buckets before it moves anything.
//!
//! ## Failure
//! Go's panics (nil map assignment, out of memory, bad descriptor) and fatal errors (concurrent
//! misuse) go to one host-settable handler ([`panic`](mod@panic)) with Go's messages. The handler is only
//! called where the map is consistent, so it may unwind or `longjmp`.
//!
//! ## Invariants
//! Written once in [`invariants`] (spec §9) and checked by a full walk after every step of the
//! model tests. The ones every routine leans on: tophash marks 2..=4 appear only in old tables
//! and cover whole chains (I1, I2); a new bucket is untouched until its source is evacuated (I3);
//! emptyRest is a suffix of each chain (I4); empty cells hold zero elems, so new entries start at
//! zero (I5); `count` counts full cells (I6).
//!
//! ## Modules
//! | module | holds |
//! |---|---|
//! | [`consts`] | every constant and mark, with the relations between them pinned |
//! | [`maptype`] | the descriptor: building, validation, callbacks |
//! | [`hmap`] | the header and its extension; load-factor arithmetic |
//! | [`bucket`] | all bucket address arithmetic; tophash groups |
//! | [`array`](mod@array) | bucket arrays: sizing, preallocated overflow, freeing |
//! | [`retire`] | reclamation: pins, retired memory, clear generations |
//! | [`key`] | the key-kind seam that makes every routine generic |
//! | [`fastkey`], [`fast`] | the fast key kinds (u32, u64, string) and their entry points |
//! | `make`, `access`, `assign`, `delete`, `grow`, `free` | the routines, one operation each |
//! | [`shrink`] | when to shrink, `mapshrink`, `mapclear_release` |
//! | [`iter`] | iteration, with the numbered promises the tests cite; `clone` |
//! | [`raw`] | the public unsafe entry points over type-erased keys |
//! | [`ffi`] | the C ABI (`ffi/gohmap.h`): argument checks over `raw`, nothing else |
//! | [`hash`] | Go's hash functions (AES-NI and portable) |
//! | [`alloc`], [`panic`](mod@panic), [`rand`] | the host hooks and randomness |
//! | `block_cache` | the default allocator's few kept big blocks, reused zeroed |
//! | [`invariants`] | the invariant walk, one numbered check per invariant (`mapcheck`) |
//! | [`stats`], [`visit`] | introspection for hosts: `mapstats`, and `mapvisit` for tracing GCs |
//!
//! ## Build
//! There is no `build.rs`: nothing has to happen at build time. The C header `ffi/gohmap.h` is
//! written by hand as the contract, and tests hold its layout constants equal to these structs
//! (`tests/header.rs`) and its declarations equal to the exported symbols (`tests/c_abi.rs`).

#![warn(clippy::undocumented_unsafe_blocks)]

pub mod alloc;
pub mod array;
pub mod bucket;
pub mod consts;
pub mod fast;
pub mod fastkey;
pub mod ffi;
pub mod hash;
pub mod hmap;
pub mod invariants;
pub mod iter;
pub mod key;
pub mod maptype;
pub mod panic;
pub mod rand;
pub mod raw;
pub mod retire;
pub mod stats;
pub mod visit;

mod access;
mod assign;
mod block_cache;
mod clone;
mod delete;
mod free;
mod grow;
mod make;
pub mod shrink;

pub use hmap::Hmap;
pub use maptype::{FastFamily, KeyKind, MapType, MapTypeError};
