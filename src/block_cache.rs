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
//! What. At most [`SLOTS`] blocks of [`MIN_BLOCK`] bytes or more, [`BUDGET`] bytes in all, each
//! reused only for exactly its own size and alignment (a map asks again for the sizes it had:
//! `bucketsize << B` plus its preallocated overflow buckets). A block that does not fit is freed
//! at once. Reuse zeroes the block (the allocator contract); freeing one into the cache costs
//! nothing, except in debug builds, where it is filled with `0xdd` so a use after free still
//! reads garbage in tests. `trim` (the C ABI's `gohmap_alloc_trim`) frees them all; so does
//! installing another allocator.
//!
//! Threads. Maps on different threads allocate concurrently, so the slots sit behind a mutex,
//! taken with `try_lock` only: a thread that finds it busy allocates or frees as if the cache
//! did not exist. No thread ever waits, and a process forked while another thread held it
//! merely runs without the cache.

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard, TryLockError};

/// Smallest block kept: glibc's default `mmap` threshold, below which its heap reuses blocks
/// well on its own.
pub const MIN_BLOCK: usize = 128 << 10;

/// Bytes kept at most, all blocks together: a map growing to a 4 MiB array frees blocks that
/// sum to less than that again (the sizes double).
pub const BUDGET: usize = 8 << 20;

/// Blocks kept at most.
const SLOTS: usize = 16;

/// One kept block: `p` (null if the slot is free) with the size and alignment it was allocated
/// with.
#[derive(Clone, Copy)]
struct Block {
    p: *mut c_void,
    size: usize,
    align: usize,
}

const EMPTY: Block = Block {
    p: std::ptr::null_mut(),
    size: 0,
    align: 0,
};

struct Cache {
    blocks: [Block; SLOTS],
    bytes: usize,
}

// SAFETY: the blocks are plain memory owned by the cache, not tied to any thread.
unsafe impl Send for Cache {}

impl Cache {
    const fn new() -> Cache {
        Cache {
            blocks: [EMPTY; SLOTS],
            bytes: 0,
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

    /// Keeps `p` if the budget and a slot allow; false if the caller must free it.
    fn keep(&mut self, p: *mut c_void, size: usize, align: usize) -> bool {
        if self.bytes + size > BUDGET {
            return false;
        }
        let Some(slot) = self.blocks.iter_mut().find(|b| b.p.is_null()) else {
            return false;
        };
        *slot = Block { p, size, align };
        self.bytes += size;
        true
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

/// Whether blocks of `size` bytes are worth keeping.
#[inline]
pub fn keeps(size: usize) -> bool {
    (MIN_BLOCK..=BUDGET).contains(&size)
}

/// A kept block of exactly `size` bytes and `align`, zeroed, or None.
pub fn take(size: usize, align: usize) -> Option<*mut c_void> {
    let p = try_cache()?.take(size, align)?;
    // SAFETY: the block has `size` writable bytes and is ours alone now.
    unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0, size) };
    Some(p)
}

/// Keeps block `p` (allocated with `size` and `align`) if there is room; false if the caller
/// must free it.
///
/// # Safety
/// `p` is a live block of the default allocator of `size` bytes and `align`, and the caller
/// gives it up.
pub unsafe fn keep(p: *mut c_void, size: usize, align: usize) -> bool {
    let Some(mut c) = try_cache() else {
        return false;
    };
    if cfg!(debug_assertions) && c.bytes + size <= BUDGET {
        // Filled while the lock is held: once the block is in a slot another thread may take
        // and zero it. (Filled even if every slot is taken; it is being given up either way.)
        // SAFETY: the caller's promise: `size` writable bytes, given up.
        unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0xdd, size) };
    }
    c.keep(p, size, align)
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
        assert!(c.keep(fake(1), MIN_BLOCK, 8));
        assert_eq!(c.take(MIN_BLOCK, 16), None);
        assert_eq!(c.take(MIN_BLOCK + 8, 8), None);
        assert_eq!(c.take(MIN_BLOCK, 8), Some(fake(1)));
        assert_eq!(c.take(MIN_BLOCK, 8), None);
        assert_eq!(c.bytes, 0);
    }

    /// The budget and the slot count both bound what is kept; what does not fit is refused
    /// (for the caller to free), and draining frees exactly what was kept.
    #[test]
    fn the_cache_keeps_within_its_budget_and_slots_and_drains_everything() {
        let mut c = Cache::new();
        let half = BUDGET / 2;
        assert!(c.keep(fake(1), half, 8));
        assert!(c.keep(fake(2), half, 8));
        assert!(!c.keep(fake(3), MIN_BLOCK, 8), "over budget");
        let mut freed = Vec::new();
        assert_eq!(c.drain(|p, size, _| freed.push((p, size))), BUDGET);
        assert_eq!(freed, [(fake(1), half), (fake(2), half)]);
        assert_eq!(c.bytes, 0);

        let kept = (0..SLOTS + 1)
            .filter(|&i| c.keep(fake(i + 1), MIN_BLOCK / 4, 8))
            .count();
        assert_eq!(kept, SLOTS, "one block per slot");
        assert_eq!(c.drain(|_, _, _| {}), SLOTS * MIN_BLOCK / 4);
        assert!(c.blocks.iter().all(|b| b.p.is_null()));
    }
}
