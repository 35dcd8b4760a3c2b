//! Shared test support: a per-thread counting allocator that can fail on the Nth call, a panic
//! handler that records or unwinds, deterministic randomness, and the layout catalogue.
#![allow(dead_code)]

pub mod layouts;

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Once;

use gohmap::alloc::Allocator;
use gohmap::panic::Code;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
    static LIVE_BLOCKS: Cell<i64> = const { Cell::new(0) };
    static FAIL_AT: Cell<Option<u64>> = const { Cell::new(None) };
    static FAIL_FROM: Cell<Option<u64>> = const { Cell::new(None) };
    static MODE: Cell<Mode> = const { Cell::new(Mode::Unwind) };
    static REPORTS: RefCell<Vec<(Code, String)>> = const { RefCell::new(Vec::new()) };
}

/// What the test panic handler does with a non-fatal code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Record it and return (the routine then returns null / does nothing).
    Record,
    /// Record it and unwind with a `Reported` payload.
    Unwind,
}

/// The payload the handler unwinds with.
#[derive(Debug, Clone)]
pub struct Reported {
    pub code: Code,
    pub msg: String,
}

unsafe extern "C" fn test_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    assert!(size > 0, "gohmap asked for zero bytes");
    let n = ALLOCS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if FAIL_AT.with(|f| f.get()) == Some(n) || FAIL_FROM.with(|f| f.get()).is_some_and(|m| n >= m) {
        return std::ptr::null_mut();
    }
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    LIVE_BYTES.with(|c| c.set(c.get() + size as i64));
    LIVE_BLOCKS.with(|c| c.set(c.get() + 1));
    p.cast()
}

unsafe extern "C" fn test_free(_: *mut c_void, p: *mut c_void, size: usize, align: usize) {
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // Poison: anything that reads this block after the free (an iterator walking memory the map
    // let go of too early) sees 0xdd garbage and fails its assertions, even without valgrind.
    // SAFETY: gohmap hands back a block of `size` bytes it no longer uses.
    unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0xdd, size) };
    // Freed with the size and alignment it was allocated with, or std's allocator complains.
    // SAFETY: gohmap promises to pass back exactly what it got.
    unsafe { std::alloc::dealloc(p.cast(), layout) };
    LIVE_BYTES.with(|c| c.set(c.get() - size as i64));
    LIVE_BLOCKS.with(|c| c.set(c.get() - 1));
}

unsafe extern "C-unwind" fn test_handler(code: c_int, msg: *const c_char) {
    // SAFETY: gohmap passes a NUL-terminated message.
    let msg = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned();
    let code = Code::from_raw(code).expect("unknown panic code");
    REPORTS.with(|r| r.borrow_mut().push((code, msg.clone())));
    if code.is_fatal() || MODE.with(|m| m.get()) == Mode::Unwind {
        std::panic::panic_any(Reported { code, msg });
    }
}

/// Installs the test allocator and handler (once per process) and gives this thread a
/// deterministic random sequence, fresh counters and the unwinding handler mode.
pub fn setup(seed: u64) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gohmap::alloc::set_allocator(Some(&Allocator {
            alloc: test_alloc,
            free: test_free,
            ctx: std::ptr::null_mut(),
        }));
        gohmap::panic::set_panic_handler(Some(test_handler));
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<Reported>().is_none() {
                prev(info);
            }
        }));
    });
    gohmap::rand::set_thread_seed(seed);
    FAIL_AT.with(|f| f.set(None));
    FAIL_FROM.with(|f| f.set(None));
    MODE.with(|m| m.set(Mode::Unwind));
    REPORTS.with(|r| r.borrow_mut().clear());
}

/// Bytes gohmap holds on this thread.
pub fn live_bytes() -> i64 {
    LIVE_BYTES.with(|c| c.get())
}
/// Blocks gohmap holds on this thread.
pub fn live_blocks() -> i64 {
    LIVE_BLOCKS.with(|c| c.get())
}
/// Allocation calls so far on this thread.
pub fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}
/// Makes allocation call number `n` (counting from now, 1-based) fail; None to stop.
pub fn fail_nth(n: Option<u64>) {
    let base = allocs();
    FAIL_AT.with(|f| f.set(n.map(|n| base + n)));
}
/// Makes every allocation call from the `n`th (counting from now, 1-based) on fail; None to stop.
pub fn fail_from(n: Option<u64>) {
    let base = allocs();
    FAIL_FROM.with(|f| f.set(n.map(|n| base + n)));
}
/// Sets the handler mode for this thread.
pub fn set_mode(m: Mode) {
    MODE.with(|c| c.set(m));
}
/// Takes the reports recorded on this thread.
pub fn take_reports() -> Vec<(Code, String)> {
    REPORTS.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

/// Runs `f`, returning the report it unwound with, if any.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Reported> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(p) => match p.downcast::<Reported>() {
            Ok(r) => Err(*r),
            Err(p) => std::panic::resume_unwind(p),
        },
    }
}

/// splitmix64: the tests' own deterministic randomness.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Whether the tests run under Miri (sizes are reduced there).
pub const MIRI: bool = cfg!(miri);

/// `n`, or `small` under Miri.
pub fn scaled(n: usize, small: usize) -> usize {
    if MIRI { small } else { n }
}

/// Every live entry (key bytes, elem bytes) found by walking the current table and the old
/// buckets not yet evacuated: what the map holds, independent of the iterator.
pub fn dump(t: &gohmap::MapType, h: *const gohmap::Hmap) -> Vec<(Vec<u8>, Vec<u8>)> {
    use gohmap::bucket::{Bucket, is_empty};
    let mut out = vec![];
    // SAFETY: h is a live map of t with no write in progress.
    unsafe {
        let h = &*h;
        if h.buckets.get().is_null() {
            return out;
        }
        let mut tables = vec![(h.buckets.get(), 1usize << h.b.get())];
        if h.growing() {
            tables.push((h.oldbuckets.get(), h.noldbuckets()));
        }
        for (base, n) in tables {
            for j in 0..n {
                let mut b = Bucket::at(base, t, j);
                if b.evacuated() {
                    continue;
                }
                while !b.is_null() {
                    for i in 0..8 {
                        if is_empty(b.tophash(i)) {
                            continue;
                        }
                        let k = std::slice::from_raw_parts(b.key(t, i), t.key_size).to_vec();
                        let e = std::slice::from_raw_parts(b.elem(t, i), t.elem_size).to_vec();
                        out.push((k, e));
                    }
                    b = b.overflow(t);
                }
            }
        }
    }
    out
}

/// Asserts the full invariant walk passes.
pub fn assert_invariants(t: &gohmap::MapType, h: *const gohmap::Hmap) {
    // SAFETY: h is a live map of t with no write in progress.
    if let Err(v) = unsafe { gohmap::raw::check_invariants(t, h) } {
        panic!("invariant broken: {v}");
    }
}

/// A test map with typed helpers over the raw API; freed on drop.
pub struct M {
    pub t: gohmap::MapType,
    pub h: *mut gohmap::Hmap,
}

impl M {
    pub fn new(t: gohmap::MapType, hint: isize) -> M {
        // SAFETY: t is validated.
        let h = unsafe { gohmap::raw::makemap(&t, hint, std::ptr::null_mut()) };
        assert!(!h.is_null());
        M { t, h }
    }
    /// The map reads `key_size` bytes through a key pointer: a key of another Rust type (an
    /// integer literal inferred as i32 for a u64 map) would be read past its end.
    fn key_fits<K>(&self) {
        assert!(
            size_of::<K>() >= self.t.key_size,
            "a {}-byte key for a map of {}-byte keys",
            size_of::<K>(),
            self.t.key_size
        );
    }
    /// `m[k] = v`.
    pub fn set<K, V: Copy>(&self, k: &K, v: V) {
        self.key_fits::<K>();
        assert_eq!(size_of::<V>(), self.t.elem_size);
        // SAFETY: live map; K is the key type.
        let p = unsafe { gohmap::raw::mapassign(&self.t, self.h, (k as *const K).cast()) };
        assert!(!p.is_null());
        // SAFETY: p has elem_size bytes; elems are only 8-aligned in buckets, so write unaligned.
        unsafe { p.cast::<V>().write_unaligned(v) };
    }
    /// `p := &m[k]` (assign), for op-assign tests.
    pub fn slot<K, V: Copy>(&self, k: &K) -> *mut V {
        self.key_fits::<K>();
        // SAFETY: live map.
        let p = unsafe { gohmap::raw::mapassign(&self.t, self.h, (k as *const K).cast()) };
        assert!(!p.is_null());
        p.cast()
    }
    /// `v, ok := m[k]`.
    pub fn get<K, V: Copy>(&self, k: &K) -> Option<V> {
        self.key_fits::<K>();
        // SAFETY: live map.
        let (p, ok) = unsafe { gohmap::raw::mapaccess2(&self.t, self.h, (k as *const K).cast()) };
        // SAFETY: p has elem_size readable bytes.
        ok.then(|| unsafe { p.cast::<V>().read_unaligned() })
    }
    /// `delete(m, k)`.
    pub fn del<K>(&self, k: &K) {
        self.key_fits::<K>();
        // SAFETY: live map.
        unsafe { gohmap::raw::mapdelete(&self.t, self.h, (k as *const K).cast()) }
    }
    pub fn len(&self) -> usize {
        // SAFETY: live map.
        unsafe { gohmap::raw::maplen(self.h) as usize }
    }
    pub fn clear(&self) {
        // SAFETY: live map.
        unsafe { gohmap::raw::mapclear(&self.t, self.h) }
    }
    /// The map shrinks by incremental halvings only (as big maps do), even when small.
    pub fn stepwise(self) -> M {
        self.stepwise_by(1)
    }
    /// The map shrinks only incrementally, by up to `levels` halvings at once (2: quarters, as
    /// big maps of self-equal keys do), even when small.
    pub fn stepwise_by(self, levels: u8) -> M {
        // SAFETY: live map, no other user.
        let set = unsafe { gohmap::raw::set_stepwise_shrink_levels(self.h, levels) };
        assert!(set, "no memory for the extension record");
        self
    }
    pub fn hdr(&self) -> &gohmap::Hmap {
        // SAFETY: live map.
        unsafe { &*self.h }
    }
    pub fn check(&self) {
        assert_invariants(&self.t, self.h);
    }
}

impl Drop for M {
    fn drop(&mut self) {
        // SAFETY: freed once.
        unsafe { gohmap::raw::mapfree(&self.t, self.h) };
    }
}

/// Descriptor for a standard kind.
pub fn kind(k: gohmap::KeyKind, elem_size: usize, elem_align: usize) -> gohmap::MapType {
    gohmap::MapType::for_kind(k, elem_size, elem_align).unwrap()
}

/// Reports recorded on this thread so far (without taking them).
pub fn reports_len() -> usize {
    REPORTS.with(|r| r.borrow().len())
}

/// Every (key, elem) an iteration produces, in order, read through `it.key` / `it.elem`.
pub fn collect(t: &gohmap::MapType, h: *const gohmap::Hmap) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut it = gohmap::iter::Hiter::done();
    let mut out = vec![];
    // SAFETY: h is null or a live map of t; `it` stays in place for the whole loop.
    unsafe {
        gohmap::raw::mapiterinit(t, h, &mut it);
        while !it.key.is_null() {
            out.push((
                std::slice::from_raw_parts(it.key, t.key_size).to_vec(),
                std::slice::from_raw_parts(it.elem, t.elem_size).to_vec(),
            ));
            gohmap::raw::mapiternext(&mut it);
        }
    }
    out
}

/// A key's bytes copied into 8-aligned storage (hosts pass keys aligned to their type).
pub fn aligned(bytes: &[u8]) -> Vec<u64> {
    let mut v = vec![0u64; bytes.len().div_ceil(8).max(1)];
    // SAFETY: v has room for the bytes.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast(), bytes.len()) };
    v
}
