//! Bucket arrays: how big they are, how they are made, zeroed and freed.
//!
//! An array of `2^B` main buckets is followed, for `B >= 4`, by preallocated overflow buckets
//! (Go's policy, spec §3.1.4: `2^(B-4)` of them, plus whatever fills the allocator size class).
//! Free preallocated buckets are handed out from `extra.next_overflow`; the last one's overflow
//! field holds a non-null sentinel (the array base) and the others hold null (spec §9 I10).
//!
//! Every array we allocate starts with a 16-byte header, invisible to the map: word 0 is the link
//! used when the array is retired (see `retire`), word 1 is its `B` in the low byte and, above
//! it, how many separately allocated overflow buckets were ever linked into its chains. Those
//! buckets (`newoverflow` when no preallocated one is left) carry no header: they belong to the
//! array whose chain they hang from and are freed with it, found by walking its chains and
//! keeping the buckets whose address lies outside the array. Chains are never unlinked, so this
//! walk always finds every one of them exactly once. The count lets `free_array` skip the walk
//! when there are none, which is the common case (the preallocated stock usually suffices): the
//! walk reads one word of every bucket, a cache miss each on a big array, and every grow and
//! every shrink frees an array (insert_fresh u64 n = 1M: 120 -> 105 ns an insert, A/B).

use crate::alloc;
use crate::bucket::Bucket;
use crate::hmap::bucket_shift;
use crate::maptype::MapType;

/// Bytes before the first bucket of an array we allocated.
pub const ARRAY_HDR: usize = 16;
/// Alignment of arrays and overflow buckets.
pub const BUCKET_ALIGN: usize = 16;

/// Go 1.19's malloc size classes up to 32 KiB (spec §3.1.4), used only to decide how many
/// overflow buckets to preallocate, so that bucket counts match Go's exactly.
const SIZE_CLASSES: [usize; 67] = [
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
    384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
    2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    32768,
];

fn roundupsize(sz: usize) -> usize {
    if sz < 32768 {
        let i = SIZE_CLASSES.partition_point(|&c| c < sz);
        return SIZE_CLASSES[i];
    }
    sz.checked_add(8191).map_or(sz, |s| s & !8191)
}

/// Total buckets (main plus preallocated overflow) in an array for `B = b`.
pub fn array_len(t: &MapType, b: u8) -> usize {
    let base = bucket_shift(b);
    if b < 4 {
        return base;
    }
    let bs = t.bucketsize as usize;
    let n = base + (base >> 4);
    let sz = bs.saturating_mul(n);
    let up = roundupsize(sz);
    if up != sz { up / bs } else { n }
}

/// Bytes to allocate for an array for `B = b`, header included, or None if absurd.
pub fn array_alloc_size(t: &MapType, b: u8) -> Option<usize> {
    (t.bucketsize as usize)
        .checked_mul(array_len(t, b))?
        .checked_add(ARRAY_HDR)
}

/// Makes a zeroed array for `B = b`. Returns the first bucket and the first free preallocated
/// overflow bucket (or null), or `Err(size)` if the allocator failed.
pub fn new_array(t: &MapType, b: u8) -> Result<(*mut u8, *mut u8), usize> {
    let size = array_alloc_size(t, b).ok_or(usize::MAX)?;
    let p = alloc::alloc_zeroed(size, BUCKET_ALIGN);
    if p.is_null() {
        return Err(size);
    }
    // SAFETY: the allocation is ARRAY_HDR + n*bucketsize bytes; word 1 of the header is ours.
    unsafe {
        p.cast::<usize>().add(1).write(usize::from(b));
        let base = p.add(ARRAY_HDR);
        Ok((base, init_prealloc(t, base, b)))
    }
}

/// Zeroes every bucket of the array at `base` (preallocated ones too) and rebuilds the sentinel.
/// Returns the new `next_overflow`.
///
/// # Safety
/// `base` is an array of `t` for `B = b`, from [`new_array`] or a caller's one-bucket array.
pub unsafe fn reset_array(t: &MapType, base: *mut u8, b: u8) -> *mut u8 {
    let bytes = t.bucketsize as usize * array_len(t, b);
    // SAFETY: the array has exactly that many bytes.
    unsafe {
        std::ptr::write_bytes(base, 0, bytes);
        init_prealloc(t, base, b)
    }
}

/// # Safety
/// `base` is a zeroed array of `t` for `B = b`.
unsafe fn init_prealloc(t: &MapType, base: *mut u8, b: u8) -> *mut u8 {
    let n = array_len(t, b);
    let nmain = bucket_shift(b);
    if n == nmain {
        return std::ptr::null_mut();
    }
    // SAFETY: n-1 and nmain are in bounds; the sentinel marks the last preallocated bucket.
    unsafe {
        Bucket::at(base, t, n - 1).set_overflow(t, Bucket(base));
        Bucket::at(base, t, nmain).0
    }
}

/// How many preallocated overflow buckets remain from `next` on, in the array at `base`.
///
/// # Safety
/// `next` is null or a free preallocated bucket of that array (spec §9 I10).
pub unsafe fn prealloc_left(t: &MapType, base: *mut u8, b: u8, next: *mut u8) -> usize {
    if next.is_null() {
        return 0;
    }
    let end = base as usize + t.bucketsize as usize * array_len(t, b);
    (end - next as usize) / t.bucketsize as usize
}

/// Takes the next free preallocated overflow bucket from `stock` and advances it, or returns
/// null when the stock is used up. The last one's overflow field holds a sentinel (spec §9
/// I10), cleared here.
///
/// # Safety
/// `*stock` is null or a free preallocated bucket of a live array of `t`.
pub unsafe fn take_stock(t: &MapType, stock: &mut *mut u8) -> *mut u8 {
    let b = Bucket(*stock);
    if b.is_null() {
        return b.0;
    }
    // SAFETY: caller's promise.
    unsafe {
        if b.overflow(t).is_null() {
            *stock = stock.add(t.bucketsize as usize);
        } else {
            b.set_overflow(t, Bucket::NULL);
            *stock = std::ptr::null_mut();
        }
    }
    b.0
}

/// Whether `p` lies inside the array at `base` (a preallocated bucket, not a separate one).
pub fn in_array(t: &MapType, base: *mut u8, b: u8, p: *mut u8) -> bool {
    let start = base as usize;
    let end = start + t.bucketsize as usize * array_len(t, b);
    (start..end).contains(&(p as usize))
}

/// A zeroed overflow bucket of its own, or `Err(size)`.
pub fn alloc_bucket(t: &MapType) -> Result<*mut u8, usize> {
    let size = t.bucketsize as usize;
    let p = alloc::alloc_zeroed(size, BUCKET_ALIGN);
    if p.is_null() { Err(size) } else { Ok(p) }
}

/// Frees a bucket from [`alloc_bucket`].
///
/// # Safety
/// `p` came from `alloc_bucket(t)` and is no longer reachable.
pub unsafe fn free_bucket(t: &MapType, p: *mut u8) {
    // SAFETY: same size and alignment as alloc_bucket used.
    unsafe { alloc::free(p, t.bucketsize as usize, BUCKET_ALIGN) }
}

/// Frees the separately allocated overflow buckets hanging from the chains of the array at
/// `base` (not the array, not any out-of-line key or elem).
///
/// # Safety
/// `base` is an array of `t` for `B = b` whose chains nobody will walk again.
pub unsafe fn free_separate_overflow(t: &MapType, base: *mut u8, b: u8) {
    for i in 0..bucket_shift(b) {
        // SAFETY: i is a main bucket; every link is a live bucket of this array's chains.
        unsafe {
            let mut ovf = Bucket::at(base, t, i).overflow(t);
            while !ovf.is_null() {
                let next = ovf.overflow(t);
                if !in_array(t, base, b, ovf.0) {
                    free_bucket(t, ovf.0);
                }
                ovf = next;
            }
        }
    }
}

/// Records that a separately allocated overflow bucket was linked into a chain of the array at
/// `base` (see the module doc). Over-counting only costs a walk; under-counting would leak.
///
/// # Safety
/// `base` came from [`new_array`] and is live.
pub unsafe fn note_separate_overflow(base: *mut u8) {
    // SAFETY: word 1 of the header is ours; B sits in its low byte, the count above.
    unsafe {
        let w = base.sub(ARRAY_HDR).cast::<usize>().add(1);
        w.write(w.read().saturating_add(1 << 8));
    }
}

/// Whether any separately allocated overflow bucket was ever linked into the array at `base`.
///
/// # Safety
/// `base` came from [`new_array`] and is live.
unsafe fn has_separate_overflow(base: *mut u8) -> bool {
    // SAFETY: word 1 of the header is ours.
    unsafe { base.sub(ARRAY_HDR).cast::<usize>().add(1).read() >> 8 != 0 }
}

/// The `B` recorded in the header of an array from [`new_array`].
///
/// # Safety
/// `base` came from `new_array`.
pub unsafe fn array_b(base: *mut u8) -> u8 {
    // SAFETY: word 1 of the header holds B.
    unsafe { base.sub(ARRAY_HDR).cast::<usize>().add(1).read() as u8 }
}

/// Frees an array from [`new_array`] and the overflow buckets of its chains.
///
/// # Safety
/// `base` came from `new_array(t, _)` and nobody will read it again.
pub unsafe fn free_array(t: &MapType, base: *mut u8) {
    // SAFETY: caller's promise; the header records B, so the size is the one allocated.
    unsafe {
        let b = array_b(base);
        if has_separate_overflow(base) {
            free_separate_overflow(t, base, b);
        }
        let size = array_alloc_size(t, b).unwrap_unchecked();
        alloc::free(base.sub(ARRAY_HDR), size, BUCKET_ALIGN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::{KeyKind, MapType};

    /// Spec §3.1.4's table of total bucket counts, measured on Go 1.19.8.
    #[test]
    fn preallocated_bucket_counts_match_go() {
        let t144 = MapType::for_kind(KeyKind::U64, 8, 8).unwrap();
        let t208 = MapType::for_kind(KeyKind::String, 8, 8).unwrap();
        let t2064 = MapType::for_kind(KeyKind::Custom, 0, 1);
        assert!(t2064.is_err());
        let mut big = t144;
        big.bucketsize = 2064;
        let rows: [(u8, usize, usize, usize); 10] = [
            (0, 1, 1, 1),
            (3, 8, 8, 8),
            (4, 18, 19, 19),
            (5, 37, 39, 35),
            (6, 71, 68, 71),
            (7, 142, 137, 138),
            (8, 284, 275, 273),
            (10, 1137, 1102, 1091),
            (12, 4380, 4371, 4353),
            (16, 69632, 69632, 69632),
        ];
        for (b, n144, n208, n2064) in rows {
            assert_eq!(array_len(&t144, b), n144, "B={b} bucketsize 144");
            assert_eq!(array_len(&t208, b), n208, "B={b} bucketsize 208");
            assert_eq!(array_len(&big, b), n2064, "B={b} bucketsize 2064");
        }
    }
}
