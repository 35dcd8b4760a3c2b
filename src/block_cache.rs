//! The default allocator's memory of a few freed big blocks, handed out again to the next
//! request of the same size and alignment instead of going back to the system.
//!
//! Why. A map that grows allocates arrays of doubling size and frees each old one after
//! evacuation; a program that makes, fills and drops maps does so over and over. glibc serves
//! blocks from 128 KiB up with fresh `mmap`s (or trims them off the top of its heap once freed),
//! so every such array came back as pages the kernel had to fault in and zero one 4 KiB page at
//! a time: in `sidebyside -keys u32 -sizes 65536 -ops insert_fresh` a fifth of the time was in
//! page faults, and with glibc told never to map or trim (`GLIBC_TUNABLES=
//! glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456`, which a library
//! must not impose on its host) an insert took 40 ns instead of 70. Go's heap keeps its freed
//! spans for reuse and zeroes them with one `memclr`; this cache does the same for the blocks
//! that matter, within a fixed budget, and leaves every other block to malloc.
//!
//! What. At most [`SLOTS`] blocks of [`MIN_BLOCK`] bytes or more, [`DEFAULT_LIMIT`] bytes in
//! all (or the host's limit, [`set_limit`]), each reused only for exactly its own size and
//! alignment (a map asks again for the sizes it had: `bucketsize << B` plus its preallocated
//! overflow buckets). A block that does not fit is freed, unless kept blocks have gone stale
//! ([`STALE_AFTER`]): those are pushed out for it, the oldest first. Reuse zeroes the block (the
//! allocator contract): one memset, which costs less than the kernel's fault-in and zeroing of
//! fresh pages it replaces (54 MB: 0.8 ms against 9.6 ms on huge pages, 21.6 ms on small ones,
//! on the benchmark VM). Freeing one into the cache costs nothing, except in debug builds, where
//! it is filled with `0xdd` so a use after free still reads garbage in tests. `trim` (the C
//! ABI's `gohmap_alloc_trim`) frees them all; so does installing another allocator.
//!
//! Threads. Maps on different threads allocate concurrently, so the slots sit behind a mutex,
//! taken with `try_lock` only: a thread that finds it busy allocates or frees as if the cache
//! did not exist. No thread ever waits, and a process forked while another thread held it
//! merely runs without the cache.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// Smallest block kept: glibc's default `mmap` threshold, below which its heap reuses blocks
/// well on its own.
pub const MIN_BLOCK: usize = 128 << 10;

/// Bytes kept at most, all blocks together, unless the host sets another limit
/// (`gohmap_alloc_set_cache_limit`). 64 MiB is as much as glibc's own heap may keep of freed
/// memory before it trims (its dynamic mmap threshold tops out at 32 MiB, its trim threshold at
/// twice that), and holds the arrays a map of a million entries drops: a 1M-entry `u64` map
/// grows through arrays that sum to 38 MB before its final 38 MB one, a presized 1M-entry
/// string map has one of 54 MB.
pub const DEFAULT_LIMIT: usize = 64 << 20;

/// The limit in force: [`DEFAULT_LIMIT`] or what [`set_limit`] last set. Read without the lock
/// (a relaxed load) to decide whether a block is worth offering at all.
static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT);

/// A kept block is stale once this many blocks have been offered after it: then a new block
/// that does not fit may push it out. Until then a block that does not fit is refused. Why not
/// push out the oldest at once: a program that makes, fills and drops maps in a loop offers
/// the same sequence of sizes every time (a growing map's arrays, then its last one), and
/// evicting the oldest block to make room for the newest then throws out, every time, just the
/// block the next map will ask for first (a 1M-entry u64 map in a loop: its 20 MB array pushed
/// out by its own 5 MB one). Refusing keeps a stable set that is reused on every round; a
/// cycle offers a dozen blocks at most (one per array size from 128 KiB up), so a block that
/// saw 32 offers go by unreused belongs to a pattern that has ended.
const STALE_AFTER: u64 = 32;

/// Blocks kept at most.
const SLOTS: usize = 16;

/// One kept block: `p` (null if the slot is free) with the size and alignment it was allocated
/// with, and when it was kept (the cache's `clock`), to tell a stale block.
#[derive(Clone, Copy)]
struct Block {
    p: *mut c_void,
    size: usize,
    align: usize,
    kept_at: u64,
}

const EMPTY: Block = Block {
    p: std::ptr::null_mut(),
    size: 0,
    align: 0,
    kept_at: 0,
};

struct Cache {
    blocks: [Block; SLOTS],
    /// Bytes of all kept blocks together.
    bytes: usize,
    /// Counts the blocks ever offered (kept or not): the age of each kept block.
    clock: u64,
}

// SAFETY: the blocks are plain memory owned by the cache, not tied to any thread.
unsafe impl Send for Cache {}

impl Cache {
    const fn new() -> Cache {
        Cache {
            blocks: [EMPTY; SLOTS],
            bytes: 0,
            clock: 0,
        }
    }

    /// Removes and returns a kept block of exactly `size` and `align` (not zeroed).
    fn take(&mut self, size: usize, align: usize) -> Option<*mut c_void> {
        let slot = self
            .blocks
            .iter_mut()
            .find(|b| !b.p.is_null() && b.size == size && b.align == align)?;
        let p = std::mem::replace(slot, EMPTY).p;
        self.bytes -= size;
        Some(p)
    }

    /// Keeps `p` if it fits within `limit` bytes and a slot, making room only by removing stale
    /// blocks (see [`STALE_AFTER`]), the oldest first; the removed blocks go to `evict`, for the
    /// caller to free. False if `p` does not fit: the caller frees it.
    fn keep(
        &mut self,
        p: *mut c_void,
        size: usize,
        align: usize,
        limit: usize,
        mut evict: impl FnMut(Block),
    ) -> bool {
        self.clock += 1;
        if size > limit {
            return false;
        }
        while self.bytes + size > limit || self.blocks.iter().all(|b| !b.p.is_null()) {
            let oldest = self.oldest().expect("a cache with no room holds a block");
            if self.clock - self.blocks[oldest].kept_at < STALE_AFTER {
                return false;
            }
            self.evict(oldest, &mut evict);
        }
        let slot = self
            .blocks
            .iter_mut()
            .find(|b| b.p.is_null())
            .expect("room was made");
        *slot = Block {
            p,
            size,
            align,
            kept_at: self.clock,
        };
        self.bytes += size;
        true
    }

    /// The slot of the block kept longest ago, if any.
    fn oldest(&self) -> Option<usize> {
        (0..SLOTS)
            .filter(|&i| !self.blocks[i].p.is_null())
            .min_by_key(|&i| self.blocks[i].kept_at)
    }

    /// Removes the blocks kept longest ago until at most `bytes` are kept.
    fn shrink_to(&mut self, bytes: usize, evict: &mut impl FnMut(Block)) {
        while self.bytes > bytes {
            let oldest = self.oldest().expect("a cache holding bytes holds a block");
            self.evict(oldest, evict);
        }
    }

    /// Removes the block in `slot` and gives it to `evict`.
    fn evict(&mut self, slot: usize, evict: &mut impl FnMut(Block)) {
        let b = std::mem::replace(&mut self.blocks[slot], EMPTY);
        self.bytes -= b.size;
        evict(b);
    }

    /// Removes every block, calling `free` on each; returns the bytes removed.
    fn drain(&mut self, mut free: impl FnMut(*mut c_void, usize, usize)) -> usize {
        for b in self.blocks.iter_mut().filter(|b| !b.p.is_null()) {
            free(b.p, b.size, b.align);
            *b = EMPTY;
        }
        std::mem::take(&mut self.bytes)
    }
}

static CACHE: Mutex<Cache> = Mutex::new(Cache::new());

/// The cache, unless another thread holds it. A poisoned lock is still usable: nothing in the
/// critical sections can panic half way through an update.
fn try_cache() -> Option<MutexGuard<'static, Cache>> {
    match CACHE.try_lock() {
        Ok(c) => Some(c),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Whether blocks of `size` bytes are worth offering to the cache.
#[inline]
pub fn keeps(size: usize) -> bool {
    size >= MIN_BLOCK && size <= LIMIT.load(Ordering::Relaxed)
}

/// A kept block of exactly `size` bytes and `align`, zeroed, or None.
pub fn take(size: usize, align: usize) -> Option<*mut c_void> {
    let p = try_cache()?.take(size, align)?;
    // SAFETY: the block has `size` writable bytes and is ours alone now.
    unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0, size) };
    Some(p)
}

/// Keeps block `p` (allocated with `size` and `align`) if it fits, making room by giving stale
/// kept blocks to `free`; false if the caller must free `p` itself (the cache is busy, or `p`
/// does not fit).
///
/// # Safety
/// `p` is a live block of the default allocator of `size` bytes and `align`, and the caller
/// gives it up; `free` releases a block of the default allocator.
pub unsafe fn keep(
    p: *mut c_void,
    size: usize,
    align: usize,
    mut free: impl FnMut(*mut c_void, usize, usize),
) -> bool {
    let Some(mut c) = try_cache() else {
        return false;
    };
    let limit = LIMIT.load(Ordering::Relaxed);
    if cfg!(debug_assertions) && size <= limit {
        // Filled while the lock is held: once the block is in a slot another thread may take
        // and zero it. (Filled even if it is then refused; it is being given up either way.)
        // SAFETY: the caller's promise: `size` writable bytes, given up.
        unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0xdd, size) };
    }
    // Evicted blocks are freed after the lock is released: unmapping tens of MiB takes long
    // enough that other threads should not find the cache busy meanwhile.
    let mut evicted = [EMPTY; SLOTS];
    let mut n = 0;
    let kept = c.keep(p, size, align, limit, |b| {
        evicted[n] = b;
        n += 1;
    });
    drop(c);
    for b in &evicted[..n] {
        free(b.p, b.size, b.align);
    }
    kept
}

/// Sets the most bytes the cache may keep (0: none) and returns the previous limit; blocks over
/// the new limit are given to `free`, the oldest first. Waits for the lock.
pub fn set_limit(bytes: usize, mut free: impl FnMut(*mut c_void, usize, usize)) -> usize {
    let mut c = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let old = LIMIT.swap(bytes, Ordering::Relaxed);
    c.shrink_to(bytes, &mut |b: Block| free(b.p, b.size, b.align));
    old
}

/// Empties the cache, calling `free(p, size, align)` for each block; returns the bytes freed.
/// Waits for the lock: trimming is rare and must not miss blocks.
pub fn trim(free: impl FnMut(*mut c_void, usize, usize)) -> usize {
    CACHE.lock().unwrap_or_else(|e| e.into_inner()).drain(free)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(n: usize) -> *mut c_void {
        std::ptr::without_provenance_mut(n * 4096)
    }

    /// A kept block comes back only for its own size and alignment, once.
    #[test]
    fn a_kept_block_is_taken_only_for_its_size_and_alignment() {
        let mut c = Cache::new();
        assert!(c.keep(fake(1), MIN_BLOCK, 8, DEFAULT_LIMIT, |_| {}));
        assert_eq!(c.take(MIN_BLOCK, 16), None);
        assert_eq!(c.take(MIN_BLOCK + 8, 8), None);
        assert_eq!(c.take(MIN_BLOCK, 8), Some(fake(1)));
        assert_eq!(c.take(MIN_BLOCK, 8), None);
        assert_eq!(c.bytes, 0);
    }

    /// The limit and the slot count both bound what is kept: a block that does not fit is
    /// refused (for the caller to free) while the kept ones are fresh, a block over the whole
    /// limit always; once STALE_AFTER blocks have been offered after a kept one, a new block
    /// that does not fit pushes out the stale ones, the oldest first, and no more of them than
    /// it needs. Draining frees exactly what is left.
    #[test]
    fn the_cache_keeps_within_its_limit_and_slots_and_pushes_out_only_stale_blocks() {
        let mut c = Cache::new();
        let mut evicted = Vec::new();
        let third = DEFAULT_LIMIT / 3;
        let mut offer =
            |c: &mut Cache, i, size| c.keep(fake(i), size, 8, DEFAULT_LIMIT, |b| evicted.push(b.p));
        assert!(!c.keep(fake(5), DEFAULT_LIMIT + 1, 8, DEFAULT_LIMIT, |_| {
            panic!("nothing pushed out for a block over the limit")
        }));
        assert!(offer(&mut c, 1, third));
        assert!(offer(&mut c, 2, third));
        assert!(offer(&mut c, 3, third));
        for i in 0..STALE_AFTER - 3 {
            assert!(
                !offer(&mut c, 100 + i as usize, 2 * third),
                "fresh blocks stay"
            );
        }
        // Block 1 has seen STALE_AFTER - 1 offers go by, block 2 one fewer: the next offer
        // makes block 1 stale, the one after block 2.
        assert!(offer(&mut c, 4, third));
        assert!(!offer(&mut c, 6, 2 * third), "block 3 is still fresh");
        assert!(offer(&mut c, 7, third));
        assert_eq!(
            evicted,
            [fake(1), fake(2)],
            "the stale ones, oldest first, one at a time"
        );
        let mut freed = Vec::new();
        assert_eq!(c.drain(|p, size, _| freed.push((p, size))), 3 * third);
        freed.sort_by_key(|&(p, _)| p.addr());
        assert_eq!(
            freed,
            [(fake(3), third), (fake(4), third), (fake(7), third)]
        );
        assert_eq!(c.bytes, 0);

        evicted.clear();
        for i in 0..SLOTS + 2 {
            let kept = c.keep(fake(i + 1), MIN_BLOCK, 8, DEFAULT_LIMIT, |b| {
                evicted.push(b.p)
            });
            assert_eq!(kept, i < SLOTS, "one block per slot");
        }
        assert!(evicted.is_empty());
        c.shrink_to(MIN_BLOCK * (SLOTS - 3), &mut |b| evicted.push(b.p));
        assert_eq!(
            evicted,
            [fake(1), fake(2), fake(3)],
            "a lower limit drops the oldest"
        );
        assert_eq!(c.drain(|_, _, _| {}), (SLOTS - 3) * MIN_BLOCK);
        assert!(c.blocks.iter().all(|b| b.p.is_null()));
    }
}
