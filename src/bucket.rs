//! Bucket geometry: the only module that computes addresses inside bucket memory.
//!
//! ```text
//!  offset 0           8                  8+8*KS             8+8*KS+8*ES        bucketsize-8
//!  +-----------------+------------------+------------------+------------------+
//!  | tophash[8]      | keys[8] (KS each)| elems[8] (ES each)| overflow *bucket |
//!  +-----------------+------------------+------------------+------------------+
//! ```
//! `KS`/`ES` are the slot sizes (`keyslot`/`elemslot`): the real size, or 8 for a pointer to an
//! out-of-line object. Keys are grouped, then elems, so `map[int64]int8` needs no padding; with
//! alignments of at most 8 there is never any padding at all. Buckets of an array follow each
//! other with no gap. A zero-sized elem's slot aliases the overflow field: never write through it.
//!
//! The eight tophash bytes are also read as one little-endian `u64` ("group") so that a bucket is
//! searched with a few word operations instead of eight byte compares ([`group`]).

use crate::consts::*;
use crate::key::MapKey;
use crate::maptype::MapType;

/// A pointer to one bucket (main or overflow). Null means "no bucket".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket(pub *mut u8);

impl Bucket {
    /// No bucket.
    pub const NULL: Bucket = Bucket(std::ptr::null_mut());

    /// Bucket `i` of the array at `base`.
    ///
    /// # Safety
    /// `base` is a bucket array of `t` with more than `i` buckets.
    #[inline(always)]
    pub unsafe fn at(base: *mut u8, t: &MapType, i: usize) -> Bucket {
        // SAFETY: in bounds of the array by the caller's promise.
        Bucket(unsafe { base.add(i * t.bucketsize as usize) })
    }

    /// Whether this is [`Bucket::NULL`].
    #[inline(always)]
    pub fn is_null(self) -> bool {
        self.0.is_null()
    }

    /// The tophash of cell `i`.
    ///
    /// # Safety
    /// `self` is a live bucket and `i < 8`.
    #[inline(always)]
    pub unsafe fn tophash(self, i: usize) -> u8 {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: the first 8 bytes of a bucket are its tophash array.
        unsafe { *self.0.add(i) }
    }

    /// Sets the tophash of cell `i`.
    ///
    /// # Safety
    /// As [`Bucket::tophash`], and the caller owns the map for writing.
    #[inline(always)]
    pub unsafe fn set_tophash(self, i: usize, v: u8) {
        debug_assert!(i < BUCKET_CNT);
        // SAFETY: as tophash.
        unsafe { *self.0.add(i) = v }
    }

    /// All eight tophash bytes as one little-endian word (byte `i` is cell `i`).
    ///
    /// # Safety
    /// `self` is a live bucket.
    #[inline(always)]
    pub unsafe fn group(self) -> u64 {
        // SAFETY: buckets are 8-aligned and start with 8 tophash bytes.
        u64::from_le(unsafe { self.0.cast::<u64>().read() })
    }

    /// Sets all eight tophash bytes to `v`.
    ///
    /// # Safety
    /// As [`Bucket::group`], and the caller owns the map for writing.
    #[inline(always)]
    pub unsafe fn set_all_tophash(self, v: u8) {
        // SAFETY: buckets are 8-aligned and start with 8 tophash bytes.
        unsafe {
            self.0
                .cast::<u64>()
                .write(u64::from_ne_bytes([v; BUCKET_CNT]))
        }
    }

    /// Sets all eight tophash bytes from one little-endian word (byte `i` is cell `i`).
    ///
    /// # Safety
    /// As [`Bucket::set_all_tophash`].
    #[inline(always)]
    pub unsafe fn set_group(self, g: u64) {
        // SAFETY: buckets are 8-aligned and start with 8 tophash bytes.
        unsafe { self.0.cast::<u64>().write(g.to_le()) }
    }

    /// Copies cell `i` (its key and elem slots) into cell `di` of `dst` and gives that cell the
    /// tophash `top`: how every evacuation and shrink moves an entry.
    ///
    /// # Safety
    /// Both are live buckets of `t`, `i, di < 8`, cell `i` is full and cell `di` is free; the
    /// caller owns the map for writing.
    #[inline(always)]
    pub unsafe fn copy_cell_to(self, t: &MapType, i: usize, dst: Bucket, di: usize, top: u8) {
        // SAFETY: caller's promise; slots of different buckets never overlap.
        unsafe {
            dst.set_tophash(di, top);
            copy_slot(
                self.key_slot(t, i),
                dst.key_slot(t, di),
                usize::from(t.keyslot),
            );
            copy_slot(
                self.elem_slot(t, i),
                dst.elem_slot(t, di),
                usize::from(t.elemslot),
            );
        }
    }

    /// The address of key slot `i` (the key itself, or the pointer to an out-of-line key).
    ///
    /// # Safety
    /// `self` is a live bucket of `t` and `i < 8`.
    #[inline(always)]
    pub unsafe fn key_slot(self, t: &MapType, i: usize) -> *mut u8 {
        // SAFETY: within the bucket's key array.
        unsafe { self.0.add(DATA_OFFSET + i * t.keyslot as usize) }
    }

    /// [`Bucket::key_slot`] for a key kind whose slot width `K::SLOT` is fixed (the fast kinds:
    /// their descriptors are admitted only with exactly that key size), so the address is a
    /// shift and an add instead of a multiply by a field loaded from the descriptor: the search
    /// loop's chain (tophash word, match, index, key address, key) is that much shorter.
    ///
    /// # Safety
    /// As [`Bucket::key_slot`]; `K` fits `t`.
    #[inline(always)]
    pub unsafe fn key_slot_of<K: MapKey>(self, t: &MapType, i: usize) -> *mut u8 {
        if K::SLOT == 0 {
            // SAFETY: caller's promise.
            return unsafe { self.key_slot(t, i) };
        }
        debug_assert_eq!(K::SLOT, t.keyslot as usize);
        // SAFETY: within the bucket's key array, whose slots are K::SLOT wide.
        unsafe { self.0.add(DATA_OFFSET + i * K::SLOT) }
    }

    /// [`Bucket::elem`] for key kind `K`: with a fixed slot width (the fast kinds, whose elems
    /// are always inline) the elem array's offset is a constant.
    ///
    /// # Safety
    /// As [`Bucket::elem`]; `K` fits `t`.
    #[inline(always)]
    pub unsafe fn elem_of<K: MapKey>(self, t: &MapType, i: usize) -> *mut u8 {
        if K::SLOT == 0 {
            // SAFETY: caller's promise.
            return unsafe { self.elem(t, i) };
        }
        debug_assert!(K::SLOT == t.keyslot as usize && !t.indirect_elem());
        let off = DATA_OFFSET + BUCKET_CNT * K::SLOT + i * t.elemslot as usize;
        // SAFETY: within the bucket's elem array; fast kinds keep elems inline.
        unsafe { self.0.add(off) }
    }

    /// The address of elem slot `i`.
    ///
    /// # Safety
    /// `self` is a live bucket of `t` and `i < 8`.
    #[inline(always)]
    pub unsafe fn elem_slot(self, t: &MapType, i: usize) -> *mut u8 {
        let off = DATA_OFFSET + BUCKET_CNT * t.keyslot as usize + i * t.elemslot as usize;
        // SAFETY: within the bucket's elem array.
        unsafe { self.0.add(off) }
    }

    /// The key of cell `i`, through the slot's pointer when keys are out of line.
    ///
    /// # Safety
    /// As [`Bucket::key_slot`]; for an out-of-line key the cell must hold one (be full, or be an
    /// evacuated cell whose object is still alive).
    #[inline(always)]
    pub unsafe fn key(self, t: &MapType, i: usize) -> *mut u8 {
        // SAFETY: caller's promise.
        let k = unsafe { self.key_slot(t, i) };
        if t.indirect_key() {
            // SAFETY: an out-of-line key slot holds an 8-aligned pointer.
            unsafe { k.cast::<*mut u8>().read() }
        } else {
            k
        }
    }

    /// The elem of cell `i`, through the slot's pointer when elems are out of line.
    ///
    /// # Safety
    /// As [`Bucket::key`].
    #[inline(always)]
    pub unsafe fn elem(self, t: &MapType, i: usize) -> *mut u8 {
        // SAFETY: caller's promise.
        let e = unsafe { self.elem_slot(t, i) };
        if t.indirect_elem() {
            // SAFETY: an out-of-line elem slot holds an 8-aligned pointer.
            unsafe { e.cast::<*mut u8>().read() }
        } else {
            e
        }
    }

    /// The next bucket of the chain, or [`Bucket::NULL`].
    ///
    /// # Safety
    /// `self` is a live bucket of `t`.
    #[inline(always)]
    pub unsafe fn overflow(self, t: &MapType) -> Bucket {
        // SAFETY: the last 8 bytes of a bucket are its overflow pointer, 8-aligned.
        Bucket(unsafe {
            self.0
                .add(t.bucketsize as usize - PTR_SIZE)
                .cast::<*mut u8>()
                .read()
        })
    }

    /// Links `next` after this bucket.
    ///
    /// # Safety
    /// `self` is a live bucket of `t` that the caller may write.
    #[inline(always)]
    pub unsafe fn set_overflow(self, t: &MapType, next: Bucket) {
        // SAFETY: as overflow.
        unsafe {
            self.0
                .add(t.bucketsize as usize - PTR_SIZE)
                .cast::<*mut u8>()
                .write(next.0)
        }
    }

    /// Whether this old-table head bucket has been evacuated (only cell 0 is read).
    ///
    /// # Safety
    /// `self` is a live bucket.
    #[inline(always)]
    pub unsafe fn evacuated(self) -> bool {
        // SAFETY: caller's promise.
        let h = unsafe { self.tophash(0) };
        h > EMPTY_ONE && h < MIN_TOP_HASH
    }
}

/// The tophash of a full cell for `hash`: its top byte, moved clear of the marks.
#[inline(always)]
pub fn top_hash(hash: usize) -> u8 {
    let top = (hash >> (usize::BITS - 8)) as u8;
    if top < MIN_TOP_HASH {
        top + MIN_TOP_HASH
    } else {
        top
    }
}

/// Whether a tophash says "empty" (emptyRest or emptyOne).
#[inline(always)]
pub fn is_empty(x: u8) -> bool {
    x <= EMPTY_ONE
}

/// Copies one key or elem slot of `n` bytes. The common sizes are single moves: evacuation
/// copies every entry, and a `memcpy` call per slot (the size is only known at run time) took
/// about a tenth of a shrinking `delete_all` (`perf record`, u64 -> u64, n = 1024). The moves
/// go through `MaybeUninit` so that pointers inside keys and elems keep their provenance.
///
/// # Safety
/// `src` and `dst` are valid for `n` bytes and do not overlap.
#[inline(always)]
pub unsafe fn copy_slot(src: *const u8, dst: *mut u8, n: usize) {
    use std::mem::MaybeUninit;
    // SAFETY: the caller's promise; unaligned reads and writes of exactly `n` bytes.
    unsafe {
        match n {
            8 => dst
                .cast::<MaybeUninit<[u8; 8]>>()
                .write_unaligned(src.cast::<MaybeUninit<[u8; 8]>>().read_unaligned()),
            16 => dst
                .cast::<MaybeUninit<[u8; 16]>>()
                .write_unaligned(src.cast::<MaybeUninit<[u8; 16]>>().read_unaligned()),
            4 => dst
                .cast::<MaybeUninit<[u8; 4]>>()
                .write_unaligned(src.cast::<MaybeUninit<[u8; 4]>>().read_unaligned()),
            _ => std::ptr::copy_nonoverlapping(src, dst, n),
        }
    }
}

/// Zeroes one key or elem slot of `n` bytes, the common sizes with single stores, for the same
/// reason as [`copy_slot`]: a delete zeroes its key and elem, and the two `memset` calls were a
/// twentieth of `delete_all` (`perf record`, str -> u64, n = 8).
///
/// # Safety
/// `dst` is valid for writes of `n` bytes.
#[inline(always)]
pub unsafe fn zero_slot(dst: *mut u8, n: usize) {
    // SAFETY: the caller's promise; unaligned writes of exactly `n` bytes.
    unsafe {
        match n {
            8 => dst.cast::<[u8; 8]>().write_unaligned([0; 8]),
            16 => dst.cast::<[u8; 16]>().write_unaligned([0; 16]),
            4 => dst.cast::<[u8; 4]>().write_unaligned([0; 4]),
            _ => std::ptr::write_bytes(dst, 0, n),
        }
    }
}

/// Word-at-a-time searches over a bucket's tophash group. Masks have bit 7 of byte `i` set for
/// each matching cell `i` (lookups use [`group::Matches`], a bit per cell on x86-64); they are
/// exact (no false positives), because a false match on an empty cell would compare a deleted
/// key's stale bytes and resurrect it.
pub mod group {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ONES: u64 = 0x0101_0101_0101_0101;

    /// Bytes of `x` that are zero, exactly: adding 0x7f to the low seven bits carries into bit 7
    /// for any non-zero byte, without crossing into the next byte.
    #[inline(always)]
    fn zero_bytes(x: u64) -> u64 {
        !(((x & LO7).wrapping_add(LO7)) | x | LO7)
    }

    /// Cells whose tophash equals `top`.
    #[inline(always)]
    pub fn match_byte(g: u64, top: u8) -> u64 {
        zero_bytes(g ^ (ONES * u64::from(top)))
    }

    /// Cells that are empty (emptyRest 0 or emptyOne 1).
    #[inline(always)]
    pub fn match_empty(g: u64) -> u64 {
        zero_bytes(g & !ONES)
    }

    /// Cells that are emptyRest.
    #[inline(always)]
    pub fn match_empty_rest(g: u64) -> u64 {
        zero_bytes(g)
    }

    /// Cells that hold a key, current or evacuated: all but emptyRest, emptyOne and
    /// evacuatedEmpty. What an iterator can produce.
    #[inline(always)]
    pub fn match_occupied(g: u64) -> u64 {
        !(match_empty(g) | match_byte(g, super::EVACUATED_EMPTY)) & (ONES << 7)
    }

    /// Cells that are not empty: full, or an evacuation mark (evacuatedEmpty included). Five
    /// operations where [`match_occupied`] takes ten; for walks that stop at any mark anyway.
    #[inline(always)]
    pub fn match_non_empty(g: u64) -> u64 {
        !match_empty(g) & (ONES << 7)
    }

    /// The cells of group `g` that are not empty, lowest first, each with its tophash byte:
    /// full cells, and evacuation marks (which callers that expect none must refuse).
    #[inline(always)]
    pub fn non_empty_cells(g: u64) -> impl Iterator<Item = (usize, u8)> {
        let mut m = match_non_empty(g);
        std::iter::from_fn(move || {
            if m == 0 {
                return None;
            }
            let i = first(m);
            m = rest(m);
            Some((i, (g >> (8 * i)) as u8))
        })
    }

    /// The bytes of `g` that become emptyRest when cell `i` is deleted and everything after it
    /// is emptyRest: cell `i` and the run of emptyOne cells just below it. Also says whether
    /// that run reaches cell 0 (the walk then goes on in the previous bucket of the chain).
    ///
    /// One mask and one store instead of a byte loop whose length depends on the data, whose
    /// exit mispredicts as a map drains: delete_all u64 n = 1024 23.2 -> 21.6 ns, 64K 29.0 ->
    /// 27.0, str 64K 38.4 -> 33.9 (A/B). The word is loaded only once the cell is known to
    /// need it: loading it first for every delete cost str n = 1M 172 -> 188.
    #[inline(always)]
    pub fn tombstone_run(g: u64, i: usize) -> (u64, bool) {
        debug_assert!(i < 8);
        let upto = if i == 7 {
            !0
        } else {
            (1u64 << (8 * (i + 1))) - 1
        };
        // Bit 7 of each byte below cell i that is not emptyOne: where the run stops.
        let below = (1u64 << (8 * i)) - 1;
        let stop = !match_byte(g, super::EMPTY_ONE) & below & (ONES << 7);
        if stop == 0 {
            return (upto, true);
        }
        // Bit 7 of the highest stopping byte p is bit 8p + 7; the run starts at byte p + 1.
        let from = 64 - stop.leading_zeros() as usize;
        (upto & !((1u64 << from) - 1), false)
    }

    /// The cells of one group that hold a tophash, one bit each, lowest cell first: what a
    /// lookup walks. On x86-64 it is SSE2's byte compare (`pcmpeqb` + `pmovmskb`, in every
    /// x86-64 CPU), a bit per cell, so the cell is the bit's index; elsewhere the SWAR mask
    /// above. The SWAR match is ten instructions and three 64-bit constants held in registers,
    /// plus a shift to turn a bit into a cell; the SSE2 one is five. Lookups, updates and
    /// deletes run it on every bucket they search. callgrind, `gohmap_mapaccess1_fast64` at
    /// n = 1024: 85.7 -> 79.7 instructions a call; A/B (minimum of three alternating runs):
    /// lookup_hit u64 n = 1024 5.13 -> 4.80 ns, lookup_miss 4.35 -> 3.88, str hit 8.57 ->
    /// 8.18, delete_all u64 24.4 -> 22.6.
    #[derive(Clone, Copy, Debug)]
    pub struct Matches(u64);

    /// Bits of a [`Matches`] per cell.
    const MATCH_BITS: u32 = if cfg!(all(target_arch = "x86_64", target_feature = "sse2")) {
        1
    } else {
        8
    };

    impl Matches {
        /// Whether any cell matched.
        #[inline(always)]
        pub fn any(self) -> bool {
            self.0 != 0
        }
        /// The lowest matching cell; `any()` must hold.
        #[inline(always)]
        pub fn first(self) -> usize {
            (self.0.trailing_zeros() / MATCH_BITS) as usize
        }
        /// The matches without the lowest one.
        #[inline(always)]
        pub fn rest(self) -> Matches {
            Matches(self.0 & self.0.wrapping_sub(1))
        }
    }

    /// The bytes of `g` equal to the same byte of `x`, a bit per cell.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn equal_bytes(g: u64, x: u64) -> Matches {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_cvtsi64_si128, _mm_movemask_epi8};
        // Both vectors have zero upper halves, which compare equal: keep the low 8 bits.
        // SAFETY: SSE2 is part of the x86-64 baseline (every x86-64 target enables it), so
        // these are plain instructions on any CPU this code runs on.
        let eq = unsafe {
            _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_cvtsi64_si128(g as i64),
                _mm_cvtsi64_si128(x as i64),
            ))
        };
        Matches(u64::from(eq as u32 & 0xff))
    }

    /// Cells whose tophash equals `top`, for a lookup (see [`Matches`]).
    #[inline(always)]
    pub fn find(g: u64, top: u8) -> Matches {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        return equal_bytes(g, ONES * u64::from(top));
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        return Matches(match_byte(g, top));
    }

    /// Whether some cell of `g` is emptyRest: the chain's live cells end in this bucket (I4).
    #[inline(always)]
    pub fn has_empty_rest(g: u64) -> bool {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        return equal_bytes(g, 0).any();
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        return match_empty_rest(g) != 0;
    }

    /// The cell index of the lowest set bit of a non-zero mask.
    #[inline(always)]
    pub fn first(mask: u64) -> usize {
        (mask.trailing_zeros() / 8) as usize
    }

    /// `mask` without its lowest set cell.
    #[inline(always)]
    pub fn rest(mask: u64) -> u64 {
        mask & (mask - 1)
    }

    /// A byte-per-cell mask (`0x80` in each chosen byte) as one bit per cell, cell `j` in bit
    /// `j`. The multiplier puts a copy of byte `j`'s bit at bit `56 + j` for every `j`, and
    /// every other product term below bit 56 lands alone, so no carry disturbs the top byte.
    #[inline(always)]
    pub fn to_bits(mask: u64) -> u8 {
        ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::group::*;
    use super::*;

    #[test]
    fn top_hash_keeps_marks_free() {
        assert_eq!(top_hash(0), MIN_TOP_HASH);
        assert_eq!(top_hash(4usize << 56), 4 + MIN_TOP_HASH);
        assert_eq!(top_hash(5usize << 56), 5);
        assert_eq!(top_hash(usize::MAX), 255);
    }

    #[test]
    fn tombstone_run_is_the_emptyone_run_below_the_cell() {
        // Every group of emptyRest, emptyOne, evacuatedEmpty and full bytes, every cell (a
        // spread-out sample of them under Miri, which is slow).
        let bytes = [EMPTY_REST, EMPTY_ONE, EVACUATED_EMPTY, 200];
        for code in (0..4u32.pow(8)).step_by(if cfg!(miri) { 61 } else { 1 }) {
            let cells: Vec<u8> = (0..8)
                .map(|k| bytes[(code >> (2 * k)) as usize & 3])
                .collect();
            let g = u64::from_le_bytes(cells.clone().try_into().unwrap());
            for i in 0..8 {
                let mut j = i;
                while j > 0 && cells[j - 1] == EMPTY_ONE {
                    j -= 1;
                }
                let want: u64 = (j..=i).map(|k| 0xffu64 << (8 * k)).sum();
                assert_eq!(tombstone_run(g, i), (want, j == 0), "g {g:#018x} i {i}");
            }
        }
    }

    /// The cells of a SWAR mask, lowest first.
    fn cells(mut m: u64) -> Vec<usize> {
        let mut got = vec![];
        while m != 0 {
            got.push(first(m));
            m = rest(m);
        }
        got
    }

    /// The cells of a [`Matches`], lowest first.
    fn matched(mut m: Matches) -> Vec<usize> {
        let mut got = vec![];
        while m.any() {
            got.push(m.first());
            m = m.rest();
        }
        got
    }

    #[test]
    fn to_bits_keeps_each_cell_in_its_own_bit() {
        for bits in 0..=255u8 {
            let mask = (0..8)
                .filter(|j| bits & (1 << j) != 0)
                .fold(0u64, |m, j| m | 0x80 << (8 * j));
            assert_eq!(to_bits(mask), bits, "mask {mask:#018x}");
        }
    }

    #[test]
    fn group_masks_are_exact_for_every_byte_pair() {
        // Every byte value under the native run; a sample under Miri, which is ~1000x slower.
        let step = if cfg!(miri) { 37 } else { 1 };
        for a in (0..=255u8).step_by(step) {
            for b in [0u8, 1, 2, 4, 5, 0x80, 0x81, 0xff, a.wrapping_add(1)] {
                let g = u64::from_le_bytes([a, b, a, 0, 1, b, 0xff, a]);
                let bytes = g.to_le_bytes();
                for top in [a, b, 5, 0x80, 0xff] {
                    let want: Vec<usize> = (0..8).filter(|&i| bytes[i] == top).collect();
                    assert_eq!(cells(match_byte(g, top)), want, "group {g:#x} top {top}");
                    assert_eq!(
                        matched(find(g, top)),
                        want,
                        "find in group {g:#x} top {top}"
                    );
                }
                let empties: Vec<usize> = (0..8).filter(|&i| bytes[i] <= 1).collect();
                assert_eq!(cells(match_empty(g)), empties, "empty cells of {g:#x}");
                let occupied: Vec<usize> =
                    (0..8).filter(|&i| !matches!(bytes[i], 0 | 1 | 4)).collect();
                assert_eq!(
                    cells(match_occupied(g)),
                    occupied,
                    "occupied cells of {g:#x}"
                );
                let non_empty: Vec<usize> = (0..8).filter(|&i| bytes[i] > 1).collect();
                assert_eq!(
                    cells(match_non_empty(g)),
                    non_empty,
                    "non-empty cells of {g:#x}"
                );
                let rests = (0..8).filter(|&i| bytes[i] == 0).count();
                assert_eq!(match_empty_rest(g).count_ones() as usize, rests);
                assert_eq!(has_empty_rest(g), rests != 0, "emptyRest in {g:#x}");
            }
        }
    }
}
