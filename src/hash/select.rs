//! Choosing the path and making the process keys (spec §5.6): once per process, on first use,
//! without heap allocation.
//!
//! A single byte of state says "not chosen yet", "being chosen", "AES" or "fallback". Every
//! hash loads it once: the same load that checks initialisation picks the path. The keys sit
//! next to it in static storage and are written exactly once, before the choice is published.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::rand::os_random_u64;

const UNINIT: u8 = 0;
const BUSY: u8 = 1;
// The AES state and schedule exist on every target so that the state machine reads the same
// everywhere; only x86-64 ever uses them.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const AES: u8 = 2;
const FALLBACK: u8 = 3;

/// The chosen path with its keys.
#[derive(Clone, Copy, Debug)]
pub(super) enum Path<'a> {
    /// The AES-NI path with its 128-byte key schedule. Only [`Selector`] makes this variant,
    /// and only after the CPU passed `aes::supported`, so holding one proves the CPU support
    /// that the `aes` functions require.
    #[cfg(target_arch = "x86_64")]
    Aes(&'a Schedule),
    /// The portable path with Go's `hashkey` (each word odd).
    Fallback(&'a [u64; 4]),
}

/// An AES key schedule: eight 16-byte round keys, 16-byte aligned by its type, so that the AES
/// path can use each round key as an instruction's memory operand (legacy SSE requires those
/// aligned) instead of loading it into a register first.
#[repr(C, align(16))]
pub(super) struct Schedule(pub(super) [u8; 128]);

impl std::fmt::Debug for Schedule {
    /// The keys stay out of debug output: they are what keeps hash flooding out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schedule(..)")
    }
}

/// The process keys.
#[repr(C)]
struct Keys {
    aes: Schedule,
    hashkey: [u64; 4],
}

/// A path choice and its keys. The process has one (see [`path`]); tests make their own to
/// watch a first use happen.
pub(super) struct Selector {
    state: AtomicU8,
    keys: UnsafeCell<Keys>,
}

// SAFETY: `keys` is written only by the one thread that moved `state` from UNINIT to BUSY, and
// only before that thread stores AES or FALLBACK with Release. It is read only through `Path`s
// made after an Acquire load saw one of those two, and never written again.
unsafe impl Sync for Selector {}

impl Selector {
    /// A selector that has not chosen yet.
    pub(super) const fn new() -> Self {
        Selector {
            state: AtomicU8::new(UNINIT),
            keys: UnsafeCell::new(Keys {
                aes: Schedule([0; 128]),
                hashkey: [0; 4],
            }),
        }
    }

    /// The path, choosing it first if nobody has yet.
    #[inline]
    pub(super) fn path(&self) -> Path<'_> {
        // Acquire pairs with the Release that published the keys. On x86-64, where the AES
        // path lives, it is an ordinary load, as cheap as a relaxed one.
        match self.published(self.state.load(Ordering::Acquire)) {
            Some(p) => p,
            None => self.init(),
        }
    }

    /// The path for state `s`, if `s` (obtained with Acquire) says the keys are published.
    #[inline(always)]
    fn published(&self, s: u8) -> Option<Path<'_>> {
        #[cfg(target_arch = "x86_64")]
        if s == AES {
            // SAFETY: `s` came from an Acquire load that saw the keys published; they are
            // complete and will never be written again.
            return Some(Path::Aes(unsafe { &(*self.keys.get()).aes }));
        }
        if s == FALLBACK {
            // SAFETY: as above.
            return Some(Path::Fallback(unsafe { &(*self.keys.get()).hashkey }));
        }
        None
    }

    /// Chooses the path and fills its keys; threads that lose the race wait for the winner,
    /// so every thread of the process hashes with the same keys.
    #[cold]
    #[inline(never)]
    fn init(&self) -> Path<'_> {
        loop {
            match self
                .state
                .compare_exchange(UNINIT, BUSY, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => {
                    // SAFETY: winning the exchange makes this thread the only writer, and no
                    // reader looks at the keys before the Release store below.
                    let keys = unsafe { &mut *self.keys.get() };
                    let chosen = choose(keys);
                    self.state.store(chosen, Ordering::Release);
                }
                // Filling the keys takes a few system calls; yield rather than burn the core
                // the winner may need.
                Err(BUSY) => std::thread::yield_now(),
                Err(_) => {}
            }
            if let Some(p) = self.published(self.state.load(Ordering::Acquire)) {
                return p;
            }
        }
    }
}

/// Picks the path for this CPU and fills only that path's keys, as Go's `alginit` does.
fn choose(keys: &mut Keys) -> u8 {
    #[cfg(target_arch = "x86_64")]
    if super::aes::supported() {
        fill_aes_schedule(&mut keys.aes.0, os_random_u64);
        return AES;
    }
    fill_hashkey(&mut keys.hashkey, os_random_u64);
    FALLBACK
}

/// Fills the AES key schedule with random bytes.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) fn fill_aes_schedule(out: &mut [u8; 128], mut random: impl FnMut() -> u64) {
    for chunk in out.chunks_exact_mut(8) {
        chunk.copy_from_slice(&random().to_le_bytes());
    }
}

/// Fills `hashkey` with random words, each forced odd as Go does (Go's earlier hashes multiplied
/// by these words, and an odd multiplier is invertible, so it loses no input bits).
pub(super) fn fill_hashkey(out: &mut [u64; 4], mut random: impl FnMut() -> u64) {
    for w in out.iter_mut() {
        *w = random() | 1;
    }
}

/// The process's selector.
static SELECTOR: Selector = Selector::new();

/// The process's path and keys, chosen on first use.
#[inline]
pub(super) fn path() -> Path<'static> {
    SELECTOR.path()
}

/// Runs `f` with the process's path, choosing the path first if nobody has yet.
///
/// The hashers use this rather than [`path`]: the first-use branch calls `f` from a cold
/// function of its own, so the hot path is one load, one compare and a jump into the chosen
/// algorithm, with no stack frame kept for a call that almost never happens.
#[inline(always)]
pub(super) fn with_path<R>(f: impl FnOnce(Path<'static>) -> R) -> R {
    match SELECTOR.published(SELECTOR.state.load(Ordering::Acquire)) {
        Some(p) => f(p),
        None => first_use(f),
    }
}

/// The rare branch of [`with_path`].
#[cold]
#[inline(never)]
fn first_use<R>(f: impl FnOnce(Path<'static>) -> R) -> R {
    f(SELECTOR.init())
}
