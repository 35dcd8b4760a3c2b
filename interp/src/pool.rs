//! The interpreter's allocator: free lists of small blocks in front of the system allocator.
//!
//! An interpreted program allocates and frees small blocks all the time (strings, slice
//! arrays, struct and closure storage, `Rc` boxes), many with short and interleaved lives.
//! glibc's malloc spends much of that time coalescing freed neighbours (`unlink_chunk`,
//! `malloc_consolidate`) once its per-size caches overflow. Like CPython's pymalloc, we keep
//! blocks of up to `MAX_SMALL` bytes on one free list per 16-byte size class and carve new
//! ones from 64 KiB chunks; a freed block is only ever reused for its own class, never
//! returned to the system. Larger or over-aligned blocks go straight to the system allocator.
//! (gohmap's buckets do not come through here: the library calls malloc itself.)
//!
//! A loop that frees what it allocates reuses the same blocks, so it still runs in constant
//! memory (`tests/go/memory.go`). The cost is that memory freed in one size class is not
//! available to another.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Size-class granularity, and the alignment every pooled block has.
const GRAIN: usize = 16;
/// Largest pooled block.
const MAX_SMALL: usize = 256;
const CLASSES: usize = MAX_SMALL / GRAIN;
/// Bytes requested from the system at a time for new blocks.
const CHUNK: usize = 64 * 1024;

/// The free lists and the unused tail of the current chunk.
struct State {
    /// Head of each class's free list; a free block's first word is the next block.
    free: [*mut u8; CLASSES],
    bump: *mut u8,
    end: *mut u8,
}

impl State {
    const fn new() -> State {
        State {
            free: [std::ptr::null_mut(); CLASSES],
            bump: std::ptr::null_mut(),
            end: std::ptr::null_mut(),
        }
    }
}

thread_local! {
    /// Each thread has its own lists (gomini interprets on one thread), so no lock is needed.
    /// Constant initialisation and no destructor: using it never allocates and never fails,
    /// even while the thread exits. A block freed by another thread than the one that
    /// allocated it just joins the freeing thread's list.
    static STATE: UnsafeCell<State> = const { UnsafeCell::new(State::new()) };
}

/// Runs `f` with the calling thread's lists.
#[inline]
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: the state is the thread's own, and `f` (a `take` or `give`) does not re-enter
    // the allocator (`System` does not call back), so this is the only reference.
    STATE.with(|s| f(unsafe { &mut *s.get() }))
}

/// The global allocator (a handle: the state is per thread).
pub struct Pool;

impl Pool {
    pub const fn new() -> Pool {
        Pool
    }
}

impl Default for Pool {
    fn default() -> Pool {
        Pool::new()
    }
}

/// The size class of a layout, if it is pooled.
#[inline]
fn class(l: Layout) -> Option<usize> {
    (l.size() <= MAX_SMALL && l.align() <= GRAIN).then(|| l.size().max(1).div_ceil(GRAIN) - 1)
}

impl State {
    /// A block of class `c`: from its free list, else carved from the current chunk.
    ///
    /// # Safety
    /// The free lists hold only blocks of their class that nobody uses.
    unsafe fn take(&mut self, c: usize) -> *mut u8 {
        let head = self.free[c];
        if !head.is_null() {
            // SAFETY: a free block's first word holds the next free block (see `give`).
            self.free[c] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = (c + 1) * GRAIN;
        if (self.end as usize) - (self.bump as usize) < size {
            // The old chunk's tail (under one block) is abandoned.
            // SAFETY: CHUNK is non-zero and GRAIN a power of two.
            let p = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, GRAIN)) };
            if p.is_null() {
                return p;
            }
            self.bump = p;
            // SAFETY: `p` starts a block of CHUNK bytes.
            self.end = unsafe { p.add(CHUNK) };
        }
        let p = self.bump;
        // SAFETY: at least `size` bytes remain before `end`.
        self.bump = unsafe { p.add(size) };
        p
    }

    /// Puts a block back on its class's free list.
    ///
    /// # Safety
    /// `p` is a block of class `c` from `take` that is no longer used.
    unsafe fn give(&mut self, c: usize, p: *mut u8) {
        // SAFETY: the block has at least GRAIN bytes, 16-aligned, and is ours again.
        unsafe { p.cast::<*mut u8>().write(self.free[c]) };
        self.free[c] = p;
    }
}

// SAFETY: pooled blocks are GRAIN-aligned (chunks are, and every class size is a multiple of
// GRAIN), at least as large as requested, and handed out once until freed; other layouts are
// served by `System` with the same layout on both sides.
unsafe impl GlobalAlloc for Pool {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        match class(l) {
            // SAFETY: the lists hold only free blocks of their class.
            Some(c) => with_state(|s| unsafe { s.take(c) }),
            // SAFETY: forwarded with the caller's promises.
            None => unsafe { System.alloc(l) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        match class(l) {
            // SAFETY: the caller frees a block it got from `alloc` with this layout, so of
            // this class.
            Some(c) => with_state(|s| unsafe { s.give(c, p) }),
            // SAFETY: forwarded: the block came from System with this layout.
            None => unsafe { System.dealloc(p, l) },
        }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller promises a valid new size for `l`'s alignment.
        let nl = unsafe { Layout::from_size_align_unchecked(new_size, l.align()) };
        match (class(l), class(nl)) {
            // SAFETY: both sides are the system's.
            (None, None) => unsafe { System.realloc(p, l, new_size) },
            // Same class: the block already has room.
            (Some(a), Some(b)) if a == b => p,
            _ => {
                // SAFETY: a fresh block, the overlap copied, the old block freed; all with
                // the layouts the caller gave.
                unsafe {
                    let q = self.alloc(nl);
                    if !q.is_null() {
                        std::ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                        self.dealloc(p, l);
                    }
                    q
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_reused_within_their_class_and_aligned() {
        let pool = Pool::new();
        let l24 = Layout::from_size_align(24, 8).unwrap();
        let l100 = Layout::from_size_align(100, 16).unwrap();
        // SAFETY: every block is freed once, with the layout it was allocated with.
        unsafe {
            let a = pool.alloc(l24);
            let b = pool.alloc(l100);
            assert!(!a.is_null() && !b.is_null());
            assert_eq!(a as usize % GRAIN, 0);
            assert_eq!(b as usize % GRAIN, 0);
            assert!(b as usize >= a as usize + 32 || a as usize >= b as usize + 112);
            pool.dealloc(a, l24);
            assert_eq!(pool.alloc(l24), a, "a freed block is the next of its class");
            let c = pool.alloc(l24);
            assert_ne!(c, a);
            pool.dealloc(b, l100);
            pool.dealloc(c, l24);
            pool.dealloc(a, l24);
        }
    }

    #[test]
    fn realloc_keeps_contents_across_classes_and_to_the_system() {
        let pool = Pool::new();
        let l = Layout::from_size_align(8, 8).unwrap();
        // SAFETY: realloc is given the layout of the live block each time; freed at the end.
        unsafe {
            let p = pool.alloc(l);
            p.cast::<u64>().write(0x1234_5678_9abc_def0);
            let q = pool.realloc(p, l, 200);
            assert_eq!(q.cast::<u64>().read(), 0x1234_5678_9abc_def0);
            let big = pool.realloc(q, Layout::from_size_align(200, 8).unwrap(), 5000);
            assert_eq!(big.cast::<u64>().read(), 0x1234_5678_9abc_def0);
            let back = pool.realloc(big, Layout::from_size_align(5000, 8).unwrap(), 16);
            assert_eq!(back.cast::<u64>().read(), 0x1234_5678_9abc_def0);
            pool.dealloc(back, Layout::from_size_align(16, 8).unwrap());
        }
    }
}
