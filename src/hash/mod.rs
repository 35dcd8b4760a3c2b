//! Go 1.19's runtime hash functions (spec §5): the hashers and equality callbacks that a map
//! type descriptor points at, and inline entry points for the map's fast paths.
//!
//! There are two algorithms, as in Go on amd64. When the CPU has AES-NI, SSSE3 and SSE4.1 the
//! AES path is used (`aes.rs`: Go's `aeshashbody`, plus separate `memhash32`/`memhash64`);
//! otherwise, and always under Miri, a portable wyhash-style multiply-and-fold hash
//! (`fallback.rs`). The path is chosen once per process, on the first hash, from any thread,
//! and its keys (a 128-byte AES key schedule, or Go's `hashkey` words) are drawn from the OS at
//! that moment (`select.rs`). Floats and complex numbers get IEEE-aware hashers on top
//! (`float.rs`). Because the keys are random, **hash values are per process**: the same key
//! hashes differently in every run and on every path, which is what makes collision flooding
//! impractical. They must never be persisted, sent to another process or compared across runs;
//! only equal-keys-hash-equal within one process, and a good spread, are promised.
//!
//! The `extern "C-unwind"` hashers and equalities are deliberately not `#[inline]`: descriptors
//! point at them, and `MapType` recognises the standard ones (to admit the fast routines) by
//! address, which is only unique for a function compiled once, in this crate.

#[cfg(not(target_pointer_width = "64"))]
compile_error!("the hash functions implement Go's 64-bit algorithms and constants only");

#[cfg(target_arch = "x86_64")]
mod aes;
mod equal;
mod fallback;
mod float;
mod select;
#[cfg(test)]
mod tests;

use std::ffi::c_void;

pub use equal::{
    memequal, memequal0, memequal8, memequal16, memequal32, memequal64, memequal128, strequal,
};
pub use float::{c64equal, c64hash, c128equal, c128hash, f32equal, f32hash, f64equal, f64hash};
use select::Path;

/// Hasher callback: the hash of the key at `key` with `seed` (the map's `hash0`, or the
/// previous component's hash when hashers are chained).
pub type HashFn = unsafe extern "C-unwind" fn(key: *const c_void, seed: usize) -> usize;

/// Key equality callback: whether the keys at `a` and `b` are equal.
pub type EqualFn = unsafe extern "C-unwind" fn(a: *const c_void, b: *const c_void) -> bool;

/// Go's string header (16 bytes): the key of faststr maps. `ptr` may be null or dangling when
/// `len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct GoString {
    /// The first byte.
    pub ptr: *const u8,
    /// The length in bytes (never negative).
    pub len: isize,
}

/// Go's `memhash32` of the key's 4 bytes (in memory order). On the AES path this is a separate
/// algorithm and differs from `memhash(p, seed, 4)`.
#[inline]
pub fn hash_u32(key: u32, seed: usize) -> usize {
    select::with_path(move |path| match path {
        #[cfg(target_arch = "x86_64")]
        Path::Aes(ks) => {
            // SAFETY: a `Path::Aes` exists only after the CPU passed `aes::supported`.
            unsafe { aes::memhash32(key, seed as u64, ks) as usize }
        }
        Path::Fallback(hk) => fallback::memhash32(key, seed as u64, hk) as usize,
    })
}

/// Go's `memhash64` of the key's 8 bytes (in memory order). On the AES path this is a separate
/// algorithm and differs from `memhash(p, seed, 8)`.
#[inline]
pub fn hash_u64(key: u64, seed: usize) -> usize {
    select::with_path(move |path| match path {
        #[cfg(target_arch = "x86_64")]
        Path::Aes(ks) => {
            // SAFETY: a `Path::Aes` exists only after the CPU passed `aes::supported`.
            unsafe { aes::memhash64(key, seed as u64, ks) as usize }
        }
        Path::Fallback(hk) => fallback::memhash64(key, seed as u64, hk) as usize,
    })
}

/// Go's `memhash` of the `len` bytes at `p`. Reads exactly those bytes, at any alignment.
///
/// # Safety
/// `p..p+len` must be readable. When `len` is 0, `p` is not read and may be null or dangling.
#[inline]
pub unsafe fn hash_bytes(p: *const u8, len: usize, seed: usize) -> usize {
    select::with_path(move |path| match path {
        #[cfg(target_arch = "x86_64")]
        Path::Aes(ks) => {
            // SAFETY: a `Path::Aes` exists only after the CPU passed `aes::supported`; the
            // caller guarantees the bytes.
            unsafe {
                if len.wrapping_sub(1) < 16 {
                    aes::memhash_short(p, seed as u64, len, ks) as usize
                } else {
                    aes::memhash(p, seed as u64, len, ks) as usize
                }
            }
        }
        Path::Fallback(hk) => {
            // SAFETY: the caller guarantees the bytes.
            unsafe { fallback::memhash(p, seed as u64, len, hk) as usize }
        }
    })
}

/// Go's `memhash(p, seed, size)`: the hasher of plain-memory keys of any size (Go installs it
/// through `memhash_varlen` for sizes without a dedicated hasher).
///
/// # Safety
/// As for [`hash_bytes`].
#[unsafe(export_name = "gohmap_memhash")]
pub unsafe extern "C-unwind" fn memhash(p: *const c_void, seed: usize, size: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { hash_bytes(p.cast(), size, seed) }
}

/// Hasher of zero-size keys: every key is the same value, so the hash is the seed. Nothing is
/// read.
///
/// # Safety
/// None needed; `unsafe` only to match [`HashFn`].
#[unsafe(export_name = "gohmap_memhash0")]
pub unsafe extern "C-unwind" fn memhash0(_p: *const c_void, seed: usize) -> usize {
    seed
}

/// Hasher of 1-byte keys: `memhash(p, seed, 1)`.
///
/// # Safety
/// `p` must point to 1 readable byte.
#[unsafe(export_name = "gohmap_memhash8")]
pub unsafe extern "C-unwind" fn memhash8(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the byte.
    unsafe { hash_bytes(p.cast(), 1, seed) }
}

/// Hasher of 2-byte keys: `memhash(p, seed, 2)`.
///
/// # Safety
/// `p` must point to 2 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memhash16")]
pub unsafe extern "C-unwind" fn memhash16(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the bytes.
    unsafe { hash_bytes(p.cast(), 2, seed) }
}

/// Hasher of 4-byte keys: Go's `memhash32`, the same as [`hash_u32`].
///
/// # Safety
/// `p` must point to 4 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memhash32")]
pub unsafe extern "C-unwind" fn memhash32(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the bytes; read_unaligned needs no alignment.
    hash_u32(unsafe { p.cast::<u32>().read_unaligned() }, seed)
}

/// Hasher of 8-byte keys: Go's `memhash64`, the same as [`hash_u64`].
///
/// # Safety
/// `p` must point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memhash64")]
pub unsafe extern "C-unwind" fn memhash64(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the bytes; read_unaligned needs no alignment.
    hash_u64(unsafe { p.cast::<u64>().read_unaligned() }, seed)
}

/// Hasher of 16-byte keys: `memhash(p, seed, 16)`.
///
/// # Safety
/// `p` must point to 16 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memhash128")]
pub unsafe extern "C-unwind" fn memhash128(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the bytes.
    unsafe { hash_bytes(p.cast(), 16, seed) }
}

/// Hasher of strings: `memhash` of the string's bytes (not of the header).
///
/// # Safety
/// `p` must point to a readable [`GoString`] (any alignment) whose `len` is not negative and
/// whose `ptr` points to `len` readable bytes (`ptr` is not read when `len` is 0).
#[unsafe(export_name = "gohmap_strhash")]
pub unsafe extern "C-unwind" fn strhash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees the header is readable; read_unaligned needs no alignment.
    let s = unsafe { p.cast::<GoString>().read_unaligned() };
    // SAFETY: the caller guarantees the string's bytes.
    unsafe { hash_bytes(s.ptr, s.len as usize, seed) }
}

/// Whether this process hashes with the AES path (chosen on first use; this call may be it).
pub fn uses_aes() -> bool {
    match select::path() {
        #[cfg(target_arch = "x86_64")]
        Path::Aes(_) => true,
        Path::Fallback(_) => false,
    }
}
