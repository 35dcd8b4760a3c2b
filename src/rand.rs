//! `fastrand`: the random numbers behind `hash0`, iterator starts, NaN hashes and overflow
//! sampling (spec §5.11).
//!
//! Each thread runs its own wyrand state, seeded once from the OS and the thread's identity, so
//! maps on different threads never contend. [`set_seed`] switches the whole process to one
//! shared deterministic sequence (for tests and reproducible runs); [`set_thread_seed`] does the
//! same for the calling thread only, which is what parallel Rust tests want.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const WY_ADD: u64 = 0xa0761d6478bd642f;
const WY_XOR: u64 = 0xe7037ed1a0b428db;

#[inline]
fn wymix(s: u64) -> u64 {
    let p = (s as u128).wrapping_mul((s ^ WY_XOR) as u128);
    ((p >> 64) as u64) ^ (p as u64)
}

static SEEDED: AtomicBool = AtomicBool::new(false);
static SHARED: AtomicU64 = AtomicU64::new(0);
static THREADS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // 0 means "not yet seeded" (a state of exactly 0 after seeding is replaced by 1).
    static STATE: Cell<u64> = const { Cell::new(0) };
    static THREAD_FIXED: Cell<bool> = const { Cell::new(false) };
}

/// Bytes from the OS for seeding; falls back to the clock and addresses if getrandom fails.
pub(crate) fn os_random_u64() -> u64 {
    let mut v = 0u64;
    // SAFETY: we pass a valid 8-byte buffer.
    let n = unsafe { libc::getrandom((&raw mut v).cast(), 8, 0) };
    if n == 8 {
        return v;
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    wymix(t ^ (&raw const v as u64) ^ u64::from(std::process::id()))
}

#[cold]
fn seed_thread() -> u64 {
    let id = THREADS.fetch_add(1, Ordering::Relaxed);
    let s = wymix(os_random_u64() ^ id.wrapping_mul(WY_ADD)) | 1;
    STATE.with(|c| c.set(s));
    s
}

/// The next 64 random bits.
#[inline]
pub fn fastrand64() -> u64 {
    if SEEDED.load(Ordering::Relaxed) && !THREAD_FIXED.with(Cell::get) {
        let s = SHARED
            .fetch_add(WY_ADD, Ordering::Relaxed)
            .wrapping_add(WY_ADD);
        return wymix(s);
    }
    STATE.with(|c| {
        let mut s = c.get();
        if s == 0 {
            s = seed_thread();
        }
        s = s.wrapping_add(WY_ADD);
        c.set(if s == 0 { 1 } else { s });
        wymix(s)
    })
}

/// The next 32 random bits.
#[inline]
pub fn fastrand() -> u32 {
    fastrand64() as u32
}

/// Switches every thread (that has no thread seed) to one deterministic sequence starting from
/// `seed`. Calling it again restarts the sequence.
pub fn set_seed(seed: u64) {
    SHARED.store(seed, Ordering::Relaxed);
    SEEDED.store(true, Ordering::Relaxed);
}

/// Makes the calling thread's sequence deterministic from `seed`, whatever other threads do.
pub fn set_thread_seed(seed: u64) {
    THREAD_FIXED.with(|f| f.set(true));
    STATE.with(|c| c.set(if seed == 0 { 1 } else { seed }));
}
