//! Go panics and fatal errors, routed to one host-settable handler.
//!
//! Go raises two kinds of failure inside map code: *panics* (recoverable: assignment to a nil
//! map, a hasher that fails, an allocation size out of range) and *fatal errors* (concurrent
//! misuse, corrupted state). Without a Go runtime both become a call to the panic handler with a
//! [`Code`] and Go's message. The contract (written in the C header):
//!
//! * The handler is only called where the map is consistent, so a host may leave it by
//!   `longjmp` (C, C++) or, through the raw Rust API, by panicking (the handler type is
//!   `C-unwind`). Through the C ABI no unwind may pass: each entry point's guard turns one into
//!   a fatal abort, so a C++ handler must not throw.
//! * If it returns from a code below [`Code::FATAL_BASE`], the routine returns null or does
//!   nothing, and the map is exactly as before the call.
//! * If it returns from a fatal code, the process aborts: the map may be corrupt.

use std::ffi::{CStr, c_char, c_int};
use std::io::Write;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The host's handler: `code` is one of [`Code`]'s values and `msg` a NUL-terminated message
/// that lives only for the duration of the call.
pub type PanicHandler = unsafe extern "C-unwind" fn(code: c_int, msg: *const c_char);

/// The codes given to the panic handler (`GOHMAP_PANIC_*` / `GOHMAP_FATAL_*` in the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Code {
    /// `assignment to entry in nil map`.
    NilMap = 1,
    /// An allocation failed (or its size was out of range); the map is unchanged.
    OutOfMemory = 2,
    /// A descriptor failed validation; the message says which field and why.
    BadMapType = 3,
    /// A null key pointer, a fast routine used with the wrong key kind, and the like.
    BadArgument = 4,
    /// `concurrent map writes`.
    ConcurrentWrites = 10,
    /// `concurrent map read and map write`.
    ConcurrentReadWrite = 11,
    /// `concurrent map iteration and map write`.
    ConcurrentIterWrite = 12,
    /// An internal invariant does not hold (`bad map state`): memory was corrupted.
    BadMapState = 13,
}

impl Code {
    /// Codes from here on are fatal: the process aborts if the handler returns.
    pub const FATAL_BASE: i32 = 10;

    /// Whether the handler returning is the end of the process.
    pub fn is_fatal(self) -> bool {
        self as i32 >= Self::FATAL_BASE
    }

    /// Maps a raw code back (for handlers written in Rust).
    pub fn from_raw(code: c_int) -> Option<Code> {
        Some(match code {
            1 => Code::NilMap,
            2 => Code::OutOfMemory,
            3 => Code::BadMapType,
            4 => Code::BadArgument,
            10 => Code::ConcurrentWrites,
            11 => Code::ConcurrentReadWrite,
            12 => Code::ConcurrentIterWrite,
            13 => Code::BadMapState,
            _ => return None,
        })
    }
}

static HANDLER: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());

/// Installs `h` as the panic handler, or restores the default (message to stderr, then abort)
/// when `None`. May be called at any time; the change is seen by later calls on any thread.
pub fn set_panic_handler(h: Option<PanicHandler>) {
    let p = h.map_or(std::ptr::null_mut(), |f| f as *mut ());
    HANDLER.store(p, Ordering::Release);
}

/// The default handler: Go's wording on stderr, then abort (Go exits with status 2; a library
/// cannot choose the exit status of its host, and abort is what a fatal error means).
unsafe extern "C-unwind" fn default_handler(code: c_int, msg: *const c_char) {
    // SAFETY: `report` always passes a valid NUL-terminated string.
    let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    let prefix = if code >= Code::FATAL_BASE {
        "fatal error"
    } else {
        "panic"
    };
    let _ = writeln!(std::io::stderr(), "{prefix}: {text}");
    std::process::abort();
}

fn handler() -> PanicHandler {
    let p = HANDLER.load(Ordering::Acquire);
    if p.is_null() {
        default_handler
    } else {
        // SAFETY: HANDLER only ever holds null or a `PanicHandler` stored by set_panic_handler.
        unsafe { std::mem::transmute::<*mut (), PanicHandler>(p) }
    }
}

/// Reports `code` with `msg` (at most 255 bytes are kept) to the handler.
///
/// Returns if the handler returns and the code is not fatal; the caller then undoes nothing
/// (it must call this only where the map is consistent) and returns its failure value.
#[cold]
#[inline(never)]
pub fn report(code: Code, msg: &str) {
    report_bytes(code, msg.as_bytes());
}

/// [`report`] over raw message bytes. Nothing with a destructor is alive while the handler
/// runs, so a host may `longjmp` out of it without skipping a drop.
#[cold]
#[inline(never)]
fn report_bytes(code: Code, msg: &[u8]) {
    // A fixed buffer: the message must not need the allocator, which may be what failed.
    let mut buf = [0u8; 256];
    let n = msg.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&msg[..n]);
    let h = handler();
    // SAFETY: `buf` is NUL-terminated and outlives the call; the handler's contract is the
    // host's to keep.
    unsafe { h(code as c_int, buf.as_ptr().cast()) };
    if code.is_fatal() {
        std::process::abort();
    }
}

/// [`report`] with a message built from format arguments, without allocating.
#[cold]
#[inline(never)]
pub fn report_fmt(code: Code, args: std::fmt::Arguments<'_>) {
    struct Buf {
        bytes: [u8; 255],
        len: usize,
    }
    impl std::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let n = s.len().min(self.bytes.len() - self.len);
            self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
    let mut b = Buf {
        bytes: [0; 255],
        len: 0,
    };
    let _ = std::fmt::write(&mut b, args);
    // Truncation may cut a UTF-8 sequence; the handler receives bytes, so that is harmless.
    report_bytes(code, &b.bytes[..b.len]);
}

/// Reports a fatal code; never returns (the process aborts if the handler returns).
#[cold]
#[inline(never)]
pub fn fatal(code: Code, msg: &str) -> ! {
    debug_assert!(code.is_fatal());
    report(code, msg);
    std::process::abort()
}

/// Go's fatal `concurrent map writes`.
#[cold]
pub fn concurrent_writes() -> ! {
    fatal(Code::ConcurrentWrites, "concurrent map writes")
}

/// Go's fatal `concurrent map read and map write`.
#[cold]
pub fn concurrent_read_write() -> ! {
    fatal(
        Code::ConcurrentReadWrite,
        "concurrent map read and map write",
    )
}

/// Go's fatal `concurrent map iteration and map write`.
#[cold]
pub fn concurrent_iter_write() -> ! {
    fatal(
        Code::ConcurrentIterWrite,
        "concurrent map iteration and map write",
    )
}

/// Go's panic on assignment through a nil map (no `runtime error:` prefix, as in Go).
#[cold]
pub fn nil_map() {
    report(Code::NilMap, "assignment to entry in nil map");
}

/// Out of memory for a request of `size` bytes.
#[cold]
pub fn out_of_memory(size: usize) {
    report_fmt(
        Code::OutOfMemory,
        format_args!("out of memory (allocating {size} bytes)"),
    );
}

/// Internal corruption: Go's `bad map state` family.
#[cold]
pub fn bad_map_state(what: &str) -> ! {
    report_fmt(Code::BadMapState, format_args!("bad map state: {what}"));
    std::process::abort()
}
