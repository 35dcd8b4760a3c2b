//! The fast key kinds: `u32`, `u64` (and pointers), and string headers, passed by value (Go's
//! `mapaccess1_fast32` & co., spec §3.2.5, §3.2.6, §3.3.2–§3.3.4, §3.4.2–§3.4.3).
//!
//! They plug into the same routines as the generic key ([`crate::key::AnyKey`]) and work on the
//! same buckets, so a map can be used through both families at once. What differs is only what
//! a [`MapKey`] decides: the hash is the family's standard one, called directly (the descriptor
//! guarantees it is the one the generic routines call through `t.hash`), keys compare by value,
//! and a one-bucket map is searched without hashing at all.

use crate::bucket::{Bucket, is_empty};
use crate::consts::*;
use crate::hash::{self, GoString};
use crate::key::MapKey;
use crate::maptype::MapType;

/// A 4-byte key passed by value (`*_fast32`).
#[derive(Clone, Copy, Debug)]
pub struct U32Key(pub u32);

/// An 8-byte key passed by value (`*_fast64`).
#[derive(Clone, Copy, Debug)]
pub struct U64Key(pub u64);

/// A pointer used as an 8-byte key (`mapassign_fast64ptr`): stored as a pointer, so the bits
/// in the bucket keep the pointer's provenance.
#[derive(Clone, Copy, Debug)]
pub struct PtrKey(pub *const u8);

/// A string header passed by value (`*_faststr`).
#[derive(Clone, Copy, Debug)]
pub struct StrKey(pub GoString);

/// Scans the 8 cells of a lone bucket for a value key: Go compares keys first and skips
/// empties, with no tophash and no early exit (the scan is short and branch-free enough).
/// The slot width stays the descriptor's here, unlike the other key accesses of the fast
/// kinds: with the constant width the loop was unrolled into a branch per cell, 14% slower per
/// lookup at n = 8 (and a branch-free compare of all eight was faster for u32 keys but slower
/// for u64 ones, and stalled deletes reading the tophash word they had just written).
///
/// # Safety
/// `b` is a live bucket whose key slots hold `V`s.
#[inline(always)]
unsafe fn scan_values<V: Copy + PartialEq>(
    t: &MapType,
    b: Bucket,
    key: V,
) -> Option<Option<usize>> {
    for i in 0..BUCKET_CNT {
        // SAFETY: caller's promise; slots may be unaligned only for custom 4-byte keys.
        unsafe {
            if b.key_slot(t, i).cast::<V>().read_unaligned() == key && !is_empty(b.tophash(i)) {
                return Some(Some(i));
            }
        }
    }
    Some(None)
}

/// The `MapKey` of a key passed by value and compared by value (`u32`, `u64`): they differ only
/// in width and in which of Go's hashes they use.
macro_rules! value_key {
    ($key:ident, $ty:ty, $hash:path) => {
        impl MapKey for $key {
            const SLOT: usize = size_of::<$ty>();
            #[inline(always)]
            unsafe fn hash(self, _: &MapType, seed: usize) -> usize {
                $hash(self.0, seed)
            }
            #[inline(always)]
            unsafe fn hash_stored(_: &MapType, k: *const u8, seed: usize) -> usize {
                // SAFETY: a stored key of this family has the key's width.
                $hash(unsafe { k.cast::<$ty>().read_unaligned() }, seed)
            }
            #[inline(always)]
            unsafe fn matches(self, t: &MapType, b: Bucket, i: usize) -> bool {
                // SAFETY: cell i's key slot holds a key of this width.
                unsafe { b.key_slot_of::<Self>(t, i).cast::<$ty>().read_unaligned() == self.0 }
            }
            #[inline(always)]
            unsafe fn store(self, t: &MapType, b: Bucket, i: usize) {
                // SAFETY: cell i's key slot has room for a key of this width.
                unsafe {
                    b.key_slot_of::<Self>(t, i)
                        .cast::<$ty>()
                        .write_unaligned(self.0)
                }
            }
            #[inline(always)]
            unsafe fn update(self, _: &MapType, _: Bucket, _: usize) {}
            #[inline(always)]
            unsafe fn find_in_one_bucket(self, t: &MapType, b: Bucket) -> Option<Option<usize>> {
                // SAFETY: caller's promise.
                unsafe { scan_values(t, b, self.0) }
            }
        }
    };
}

value_key!(U32Key, u32, hash::hash_u32);
value_key!(U64Key, u64, hash::hash_u64);

impl MapKey for PtrKey {
    const SLOT: usize = 8;
    #[inline(always)]
    unsafe fn hash(self, _: &MapType, seed: usize) -> usize {
        hash::hash_u64(self.0.addr() as u64, seed)
    }
    #[inline(always)]
    unsafe fn hash_stored(_: &MapType, k: *const u8, seed: usize) -> usize {
        // SAFETY: a stored key of a fast64 map is 8 bytes.
        hash::hash_u64(unsafe { k.cast::<u64>().read_unaligned() }, seed)
    }
    #[inline(always)]
    unsafe fn matches(self, t: &MapType, b: Bucket, i: usize) -> bool {
        // SAFETY: as U64Key: compare the address bits.
        unsafe { U64Key(self.0.addr() as u64).matches(t, b, i) }
    }
    #[inline(always)]
    unsafe fn store(self, t: &MapType, b: Bucket, i: usize) {
        // SAFETY: cell i's key slot has 8 writable bytes, 8-aligned for pointer keys.
        unsafe {
            b.key_slot_of::<Self>(t, i)
                .cast::<*const u8>()
                .write_unaligned(self.0)
        }
    }
    #[inline(always)]
    unsafe fn update(self, _: &MapType, _: Bucket, _: usize) {}
}

/// Whether `n` bytes at `a` and `b` are equal, comparing the first and last words before
/// anything else: most unequal keys differ there, and for keys of up to 16 bytes the two words
/// are the whole comparison. A one-bucket miss on 16-byte keys compares eight keys; with a
/// `memcmp` call each it was 2.4x slower than hashing (criterion, `lookup_miss/str16/8`).
///
/// # Safety
/// Both point at `n` readable bytes.
#[inline(always)]
unsafe fn same_bytes(a: *const u8, b: *const u8, n: usize) -> bool {
    // SAFETY: every read below stays within the first `n` bytes.
    unsafe {
        let w64 = |p: *const u8, off: usize| p.add(off).cast::<u64>().read_unaligned();
        let w32 = |p: *const u8, off: usize| p.add(off).cast::<u32>().read_unaligned();
        match n {
            0 => true,
            1..=3 => (0..n).all(|i| *a.add(i) == *b.add(i)),
            4..=7 => w32(a, 0) == w32(b, 0) && w32(a, n - 4) == w32(b, n - 4),
            _ => {
                if w64(a, 0) != w64(b, 0) || w64(a, n - 8) != w64(b, n - 8) {
                    return false;
                }
                n <= 16 || std::slice::from_raw_parts(a, n) == std::slice::from_raw_parts(b, n)
            }
        }
    }
}

impl StrKey {
    fn bytes_equal(self, other: GoString) -> bool {
        if self.0.ptr == other.ptr {
            return true;
        }
        // SAFETY: both headers name `len` readable bytes (the caller's and a stored key's),
        // and the callers compared the lengths.
        unsafe { same_bytes(self.0.ptr, other.ptr, self.0.len as usize) }
    }

    /// Four bytes at `off` of a string at least 4 long.
    ///
    /// # Safety
    /// `s` names at least `off + 4` readable bytes.
    unsafe fn word(s: GoString, off: usize) -> u32 {
        // SAFETY: caller's promise.
        unsafe { s.ptr.add(off).cast::<u32>().read_unaligned() }
    }
}

/// Go's cut-off between short keys (compare whole) and long keys (compare ends first).
const LONG_STRING: isize = 32;

impl MapKey for StrKey {
    const SLOT: usize = size_of::<GoString>();
    #[inline(always)]
    unsafe fn hash(self, _: &MapType, seed: usize) -> usize {
        // SAFETY: the header names len readable bytes (a contract of every string key).
        unsafe { hash::hash_bytes(self.0.ptr, self.0.len as usize, seed) }
    }
    #[inline(always)]
    unsafe fn hash_stored(_: &MapType, k: *const u8, seed: usize) -> usize {
        // SAFETY: a stored key of a faststr map is a header naming live bytes.
        unsafe {
            let s = k.cast::<GoString>().read();
            hash::hash_bytes(s.ptr, s.len as usize, seed)
        }
    }
    #[inline(always)]
    unsafe fn matches(self, t: &MapType, b: Bucket, i: usize) -> bool {
        // SAFETY: cell i is full: its slot holds a header of live bytes.
        let s = unsafe { b.key_slot_of::<Self>(t, i).cast::<GoString>().read() };
        s.len == self.0.len && self.bytes_equal(s)
    }
    #[inline(always)]
    unsafe fn store(self, t: &MapType, b: Bucket, i: usize) {
        // SAFETY: cell i's key slot has 16 writable bytes, 8-aligned.
        unsafe { b.key_slot_of::<Self>(t, i).cast::<GoString>().write(self.0) }
    }
    #[inline(always)]
    unsafe fn update(self, t: &MapType, b: Bucket, i: usize) {
        // The newest header wins: the map then refers to the bytes the caller just used. Only
        // `ptr` can differ (the lengths are equal), and it is stored only when it does: an
        // update loop that passes the same strings again then leaves the bucket's line clean
        // (sidebyside `update str`, A/B: n = 1024 13.2 -> 10.5 ns, n = 64K 20.7 -> 16.2).
        // SAFETY: as store; the slot holds a header.
        unsafe {
            let p = &raw mut (*b.key_slot_of::<Self>(t, i).cast::<GoString>()).ptr;
            if p.read() != self.0.ptr {
                p.write(self.0.ptr);
            }
        }
    }
    /// Go's one-bucket search for long keys: lengths first, then pointer identity; cells whose
    /// first or last 4 bytes differ are dismissed without a full compare, and if two cells
    /// survive that filter, hashing is cheaper than comparing both.
    ///
    /// Short keys (under 32 bytes) take the hashed path instead, unlike Go: Go skips hashing
    /// them in a one-bucket map and compares every same-length key, which reads up to eight
    /// stored strings (eight cache lines). With AES-NI hashing a short key costs a few ns and
    /// the tophash filter then reads at most one stored string. Measured with criterion on
    /// 16-byte keys at n = 8: the scan cost 26 ns per miss against 10 ns hashed, and 16 ns per
    /// hit against 13 ns. Long keys keep Go's scan: their hash grows with their length, while
    /// the scan reads 8 bytes per candidate.
    #[inline(always)]
    unsafe fn find_in_one_bucket(self, t: &MapType, b: Bucket) -> Option<Option<usize>> {
        let key = self.0;
        if key.len < LONG_STRING {
            return None;
        }
        let mut candidate = None;
        for i in 0..BUCKET_CNT {
            // SAFETY: b is the live lone bucket; full cells hold headers of live bytes.
            unsafe {
                let top = b.tophash(i);
                if top == EMPTY_REST {
                    break;
                }
                let s = b.key_slot_of::<Self>(t, i).cast::<GoString>().read();
                if s.len != key.len || is_empty(top) {
                    continue;
                }
                if s.ptr == key.ptr {
                    return Some(Some(i));
                }
                let n = key.len as usize;
                if Self::word(s, 0) != Self::word(key, 0)
                    || Self::word(s, n - 4) != Self::word(key, n - 4)
                {
                    continue;
                }
                if candidate.is_some() {
                    return None; // two plausible matches: let the hash decide
                }
                candidate = Some(i);
            }
        }
        Some(candidate.filter(|&i| {
            // SAFETY: cell i is full.
            let s = unsafe { b.key_slot_of::<Self>(t, i).cast::<GoString>().read() };
            self.bytes_equal(s)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_finds_a_difference_at_every_position_of_every_length() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).map(|x| x.wrapping_mul(7)).collect();
            let copy = a.clone();
            // SAFETY: both have n bytes.
            let equal = unsafe { same_bytes(a.as_ptr(), copy.as_ptr(), n) };
            assert!(equal, "len {n}");
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 0x40;
                // SAFETY: as above.
                let equal = unsafe { same_bytes(a.as_ptr(), b.as_ptr(), n) };
                assert!(!equal, "len {n} pos {i}");
            }
        }
    }
}
