//! Where every byte comes from: the host's allocator (default: libc), and the zero value.
//!
//! Contract (also in the C header): `alloc` returns zeroed memory aligned to `align`, or null;
//! `free` receives exactly the size and alignment given to `alloc`; gohmap never asks for zero
//! bytes. The allocator is global to the process and should be set before the first map is
//! made; maps made under one allocator must be freed under the same one.
//!
//! The default allocator is libc's, with three measured departures: blocks up to 1 KiB are
//! `malloc`ed and zeroed here (`SMALL_MAX`), blocks of 4 MiB and more are mapped on huge pages
//! (`HUGE_MIN`), and freed blocks of 128 KiB and more are kept for reuse, up to 64 MiB in all
//! (`block_cache`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use crate::block_cache;
use crate::consts::{MAX_ALLOC, MAX_ZERO};

/// Allocates `size` zeroed bytes aligned to `align` (a power of two), or returns null.
pub type AllocFn = unsafe extern "C" fn(ctx: *mut c_void, size: usize, align: usize) -> *mut c_void;
/// Frees a block from the matching [`AllocFn`], given the same size and alignment.
pub type FreeFn = unsafe extern "C" fn(ctx: *mut c_void, p: *mut c_void, size: usize, align: usize);

/// A host allocator (`gohmap_allocator`). Copied when installed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Allocator {
    /// Zeroed allocation.
    pub alloc: AllocFn,
    /// Release.
    pub free: FreeFn,
    /// Passed back to both.
    pub ctx: *mut c_void,
}

// Three words, each read with a relaxed load on every allocation. They are only written by
// `set_allocator`, which the contract says happens before maps exist.
static ALLOC: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());
static FREE: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());
static CTX: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());

/// Installs `a`, or restores libc when `None`. Either way the default allocator's kept blocks
/// go back to the system first ([`trim`]).
pub fn set_allocator(a: Option<&Allocator>) {
    trim();
    match a {
        Some(a) => {
            CTX.store(a.ctx, Ordering::Relaxed);
            FREE.store(a.free as *mut (), Ordering::Relaxed);
            ALLOC.store(a.alloc as *mut (), Ordering::Release);
        }
        None => {
            ALLOC.store(std::ptr::null_mut(), Ordering::Release);
            FREE.store(std::ptr::null_mut(), Ordering::Relaxed);
            CTX.store(std::ptr::null_mut(), Ordering::Relaxed);
        }
    }
}

/// Frees the big blocks the default allocator keeps for reuse (module `block_cache`) and returns
/// how many bytes that was. Maps are unaffected; the next big allocations come from the system
/// again.
pub fn trim() -> usize {
    // SAFETY: every kept block is a live block of `libc_alloc` with this size and alignment,
    // owned by the cache alone, and `trim` hands each out once.
    block_cache::trim(|p, size, align| unsafe { release(p, size, align) })
}

/// Sets how many bytes of freed big blocks the default allocator may keep for reuse (0: none;
/// the default is [`block_cache::DEFAULT_LIMIT`], 64 MiB) and returns the previous limit. Kept
/// blocks over the new limit are freed now, the longest kept first.
pub fn set_cache_limit(bytes: usize) -> usize {
    // SAFETY: as in `trim`: the cache hands out each of its blocks once.
    block_cache::set_limit(bytes, |p, size, align| unsafe { release(p, size, align) })
}

/// glibc's malloc returns 16-byte aligned blocks; anything stricter goes through memalign.
const MALLOC_ALIGN: usize = 16;

/// A transparent huge page on x86-64 and arm64 Linux.
const HUGE_PAGE: usize = 2 << 20;

/// Blocks from this size on (big bucket arrays) are mapped directly, starting at a 2 MiB
/// boundary, and marked `MADV_HUGEPAGE`. Go's heap asks for huge pages and glibc's does not, so
/// at a million entries and up every random probe of a gohmap array also missed the TLB: in one
/// run of `sidebyside -keys u64 -sizes 1048576`, insert_presized went 120 -> 90 ns, insert_fresh
/// 171 -> 117, delete_all 150 -> 118, lookup_hit 58 -> 54. The mapping is rounded to whole small
/// pages only: the kernel backs each whole 2 MiB extent with a huge page and the tail with small
/// ones, so nothing is wasted. Smaller blocks stay with malloc, which reuses freed memory: mapping
/// 1-4 MiB arrays too sped up growing maps of 64K entries (81 -> 61 ns an insert) but slowed
/// presized ones (20 -> 24 ns, each array faulting in afresh), and rounding those up to a huge
/// page would waste up to half of each. Where THP is off or unavailable `madvise` fails
/// harmlessly and the block keeps small pages.
const HUGE_MIN: usize = 4 << 20;

/// Blocks up to this size (headers, small bucket arrays, overflow buckets) come from `malloc`
/// and are zeroed here, not from `calloc`: glibc's `calloc` never takes from the per-thread
/// cache (tcache) that `free` fills, so a map made and freed in a loop found the cache full,
/// freed its array into the main arena, merged it with the top chunk and paid a
/// `malloc_consolidate` per map (11% of `sidebyside -keys u32 -sizes 8 -ops insert_fresh`).
/// 1024 is about the largest request the tcache serves.
const SMALL_MAX: usize = 1024;

/// Whether the default allocator maps a block of `size` bytes itself (see [`HUGE_MIN`]). Miri
/// does not model `mmap`, so it always uses malloc.
fn mapped_directly(size: usize, align: usize) -> bool {
    !cfg!(miri) && cfg!(target_os = "linux") && size >= HUGE_MIN && align <= HUGE_PAGE
}

/// The system's page size (what `mmap` lengths are made of), asked once.
fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no preconditions.
            let p = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
                .ok()
                .filter(|p| p.is_power_of_two())
                .unwrap_or(4096);
            PAGE.store(p, Ordering::Relaxed);
            p
        }
        p => p,
    }
}

/// `size` rounded up to whole pages (the length that is mapped).
fn mapped_len(size: usize) -> usize {
    size.next_multiple_of(page_size())
}

/// A fresh zeroed mapping of `mapped_len(size)` bytes starting at a huge-page boundary, or null.
fn map_huge(size: usize) -> *mut c_void {
    let len = mapped_len(size);
    // Map one huge page more than needed, then unmap the misaligned head and the tail.
    let Some(over) = len.checked_add(HUGE_PAGE) else {
        return std::ptr::null_mut();
    };
    // SAFETY: an anonymous private mapping chosen by the kernel touches no existing memory.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            over,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    let head = raw.addr().next_multiple_of(HUGE_PAGE) - raw.addr();
    let p = raw.wrapping_byte_add(head);
    // SAFETY: both ranges lie inside the mapping just made and nothing refers to them; the
    // block kept, `p..p + len`, is untouched by either call. `madvise` is advice: if the kernel
    // refuses it (THP off, old kernel), the block simply keeps small pages.
    unsafe {
        if head != 0 {
            libc::munmap(raw, head);
        }
        if HUGE_PAGE - head != 0 {
            libc::munmap(p.wrapping_byte_add(len), HUGE_PAGE - head);
        }
        libc::madvise(p, len, libc::MADV_HUGEPAGE);
    }
    p
}

unsafe extern "C" fn libc_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    if block_cache::keeps(size)
        && let Some(p) = block_cache::take(size, align)
    {
        return p;
    }
    if mapped_directly(size, align) {
        // Anonymous mappings are zero-filled: no memset, and untouched pages cost nothing.
        return map_huge(size);
    }
    if align <= MALLOC_ALIGN && size <= SMALL_MAX {
        // SAFETY: malloc accepts any size; a non-null block has `size` writable bytes.
        unsafe {
            // black_box: LLVM turns malloc + memset(0) back into calloc.
            let p = std::hint::black_box(libc::malloc(size));
            if !p.is_null() {
                std::ptr::write_bytes(p.cast::<u8>(), 0, size);
            }
            return p;
        }
    }
    if align <= MALLOC_ALIGN {
        // SAFETY: calloc accepts any size; it returns null or zeroed memory.
        return unsafe { libc::calloc(1, size) };
    }
    let mut p = std::ptr::null_mut();
    // SAFETY: `align` is a power of two and a multiple of the pointer size (checked by callers).
    if unsafe { libc::posix_memalign(&mut p, align, size) } != 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: posix_memalign gave us `size` writable bytes at `p`.
    unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0, size) };
    p
}

unsafe extern "C" fn libc_free(_: *mut c_void, p: *mut c_void, size: usize, align: usize) {
    // SAFETY: the allocator contract: `p` is a live block of `size` and `align` from
    // `libc_alloc`, given up here.
    if block_cache::keeps(size)
        // SAFETY: as above; the cache gives the blocks it evicts to `release`, which frees
        // blocks of this allocator.
        && unsafe { block_cache::keep(p, size, align, |q, n, a| release(q, n, a)) }
    {
        return;
    }
    // SAFETY: as above.
    unsafe { release(p, size, align) }
}

/// Gives a block of [`libc_alloc`] back to the system (malloc's heap or the kernel).
///
/// # Safety
/// `p` is a live block from `libc_alloc(size, align)`, freed once.
unsafe fn release(p: *mut c_void, size: usize, align: usize) {
    if mapped_directly(size, align) {
        // SAFETY: the allocator contract gives back the size and alignment of the allocation,
        // so `p` is a block `map_huge(size)` mapped, `mapped_len(size)` bytes long.
        unsafe { libc::munmap(p, mapped_len(size)) };
        return;
    }
    // SAFETY: `p` came from malloc, calloc or posix_memalign above.
    unsafe { libc::free(p) }
}

/// Allocates `size` zeroed bytes aligned to `align`, or returns null (never reports: the caller
/// decides whether the failure is fatal to its operation and restores the map first).
///
/// `size` must be non-zero; sizes above 2^48 fail without asking the allocator.
#[inline]
pub fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    debug_assert!(size > 0 && align.is_power_of_two());
    if size > MAX_ALLOC {
        return std::ptr::null_mut();
    }
    let f = ALLOC.load(Ordering::Acquire);
    if f.is_null() {
        // SAFETY: libc_alloc has no preconditions beyond a power-of-two alignment.
        return unsafe { libc_alloc(std::ptr::null_mut(), size, align) }.cast();
    }
    // SAFETY: ALLOC holds an AllocFn stored by set_allocator; calling it is the host contract.
    unsafe {
        let f = std::mem::transmute::<*mut (), AllocFn>(f);
        f(CTX.load(Ordering::Relaxed), size, align).cast()
    }
}

/// Releases a block from [`alloc_zeroed`].
///
/// # Safety
/// `p` must come from `alloc_zeroed(size, align)` under the current allocator and not have
/// been freed.
#[inline]
pub unsafe fn free(p: *mut u8, size: usize, align: usize) {
    debug_assert!(!p.is_null() && size > 0);
    let f = FREE.load(Ordering::Relaxed);
    if ALLOC.load(Ordering::Acquire).is_null() {
        // SAFETY: under the default allocator `p` came from libc_alloc.
        unsafe { libc_free(std::ptr::null_mut(), p.cast(), size, align) };
        return;
    }
    // SAFETY: FREE holds the FreeFn installed together with the AllocFn that made `p`.
    unsafe {
        let f = std::mem::transmute::<*mut (), FreeFn>(f);
        f(CTX.load(Ordering::Relaxed), p.cast(), size, align)
    }
}

/// The shared read-only zero value that lookups return on a miss (Go's `zeroVal`). It lives in
/// a read-only section, so a caller writing through it faults instead of corrupting every map.
#[repr(C, align(16))]
pub struct ZeroVal(pub [u8; MAX_ZERO]);

/// See [`ZeroVal`].
pub static ZERO_VAL: ZeroVal = ZeroVal([0; MAX_ZERO]);

/// The address of [`ZERO_VAL`], as lookups return it.
#[inline]
pub fn zero_val() -> *mut u8 {
    ZERO_VAL.0.as_ptr().cast_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big blocks come from their own huge-page-aligned mapping, zeroed, writable to the last
    /// byte, and go back with `munmap`; blocks just under the threshold still come from malloc.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri has no mmap here, and 16 MB of byte checks take minutes"
    )]
    fn big_blocks_are_mapped_huge_page_aligned_and_zeroed() {
        for size in [HUGE_MIN, HUGE_MIN + 1, 3 * HUGE_PAGE + 12_345, HUGE_MIN - 1] {
            // SAFETY: a valid size and alignment; the block is freed with both below.
            let p = unsafe { libc_alloc(std::ptr::null_mut(), size, 8) }.cast::<u8>();
            assert!(!p.is_null());
            assert_eq!(
                p.addr() % HUGE_PAGE == 0,
                mapped_directly(size, 8),
                "size {size}"
            );
            // SAFETY: the block holds `size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts_mut(p, size) };
            assert!(bytes.iter().all(|&b| b == 0), "size {size}: zeroed");
            bytes.fill(0xa5);
            // SAFETY: allocated just above with this size and alignment.
            unsafe { libc_free(std::ptr::null_mut(), p.cast(), size, 8) };
        }
    }

    /// The default allocator keeps a freed big block and hands it out again for the same size
    /// and alignment, zeroed (in debug builds it was filled with 0xdd meanwhile). Unless the
    /// cache was busy or full of other tests' blocks, which this test then says.
    #[test]
    fn a_freed_big_block_is_reused_zeroed() {
        let size = block_cache::MIN_BLOCK + 8 * 997; // a size no map asks for
        // SAFETY: a valid size and alignment; the block is freed with both.
        unsafe {
            let p = libc_alloc(std::ptr::null_mut(), size, 8).cast::<u8>();
            assert!(!p.is_null());
            std::ptr::write_bytes(p, 0xa5, size);
            libc_free(std::ptr::null_mut(), p.cast(), size, 8);
            let q = libc_alloc(std::ptr::null_mut(), size, 8).cast::<u8>();
            assert!(!q.is_null());
            if q != p {
                eprintln!("a_freed_big_block_is_reused_zeroed: not kept (cache busy or full)");
            }
            let bytes = std::slice::from_raw_parts(q, size);
            assert!(bytes.iter().all(|&b| b == 0), "reused block not zeroed");
            libc_free(std::ptr::null_mut(), q.cast(), size, 8);
        }
    }
}
