//! The host hooks the driver installs: a counting allocator that can be told to fail one call,
//! and a panic handler that records reports and returns (aborting only on fatal codes).
//!
//! Everything is per thread (libFuzzer runs inputs on one thread; the replay test runs one
//! input per call on its own thread), and nothing here depends on a test harness: a fatal
//! report panics, which libFuzzer turns into a crash and the test harness into a failure.

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Once;

use gohmap::alloc::Allocator;
use gohmap::panic::Code;

thread_local! {
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
    static LIVE_BLOCKS: Cell<i64> = const { Cell::new(0) };
    /// Allocations left before the armed failure: `Some(1)` fails the next call.
    static COUNTDOWN: Cell<Option<u64>> = const { Cell::new(None) };
    /// While set, the countdown is frozen (the checker's own allocations must not consume it).
    static SUSPENDED: Cell<bool> = const { Cell::new(false) };
    static REPORTS: RefCell<Vec<(Code, String)>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn counting_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    assert!(size > 0, "gohmap asked for zero bytes");
    if !SUSPENDED.with(Cell::get) {
        let fail = COUNTDOWN.with(|c| match c.get() {
            Some(1) => {
                c.set(None);
                true
            }
            Some(n) => {
                c.set(Some(n - 1));
                false
            }
            None => false,
        });
        if fail {
            return std::ptr::null_mut();
        }
    }
    let layout = std::alloc::Layout::from_size_align(size, align).expect("bad alignment");
    // SAFETY: the size is non-zero (asserted above).
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    if !p.is_null() {
        LIVE_BYTES.with(|c| c.set(c.get() + size as i64));
        LIVE_BLOCKS.with(|c| c.set(c.get() + 1));
    }
    p.cast()
}

unsafe extern "C" fn counting_free(_: *mut c_void, p: *mut c_void, size: usize, align: usize) {
    let layout = std::alloc::Layout::from_size_align(size, align).expect("bad alignment");
    // Poison first: a read of freed map memory (an iterator walking an array released too
    // early) then sees garbage and fails the model comparison even without a sanitizer.
    // SAFETY: gohmap hands back a block of `size` bytes it no longer uses.
    unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0xdd, size) };
    // SAFETY: gohmap passes back the size and alignment the block was allocated with.
    unsafe { std::alloc::dealloc(p.cast(), layout) };
    LIVE_BYTES.with(|c| c.set(c.get() - size as i64));
    LIVE_BLOCKS.with(|c| c.set(c.get() - 1));
}

unsafe extern "C-unwind" fn recording_handler(code: c_int, msg: *const c_char) {
    // SAFETY: gohmap passes a NUL-terminated message valid for this call.
    let msg = unsafe { CStr::from_ptr(msg) }
        .to_string_lossy()
        .into_owned();
    let code = Code::from_raw(code).expect("unknown panic code");
    // A fatal code means the map may be corrupt: no use going on.
    assert!(!code.is_fatal(), "gohmap reported a fatal error: {msg}");
    REPORTS.with(|r| r.borrow_mut().push((code, msg)));
}

/// Installs the hooks (once per process) and resets this thread's failure state and reports.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gohmap::alloc::set_allocator(Some(&Allocator {
            alloc: counting_alloc,
            free: counting_free,
            ctx: std::ptr::null_mut(),
        }));
        gohmap::panic::set_panic_handler(Some(recording_handler));
    });
    COUNTDOWN.with(|c| c.set(None));
    SUSPENDED.with(|c| c.set(false));
    REPORTS.with(|r| r.borrow_mut().clear());
}

/// Bytes gohmap holds through this thread's allocations.
pub fn live_bytes() -> i64 {
    LIVE_BYTES.with(Cell::get)
}

/// Blocks gohmap holds through this thread's allocations.
pub fn live_blocks() -> i64 {
    LIVE_BLOCKS.with(Cell::get)
}

/// Makes the `n`th allocation from now (1-based) fail, once; `None` disarms.
pub fn fail_nth(n: Option<u64>) {
    COUNTDOWN.with(|c| c.set(n));
}

/// Runs `f` with the failure countdown frozen: for the checker's own calls into the map.
pub fn unfailing<R>(f: impl FnOnce() -> R) -> R {
    let was = SUSPENDED.with(|s| s.replace(true));
    let r = f();
    SUSPENDED.with(|s| s.set(was));
    r
}

/// Takes the reports recorded on this thread.
pub fn take_reports() -> Vec<(Code, String)> {
    REPORTS.with(|r| std::mem::take(&mut *r.borrow_mut()))
}
