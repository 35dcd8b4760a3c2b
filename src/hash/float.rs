//! Float and complex hashers and equality (spec §5.7, §5.10).
//!
//! Equal keys must hash equally, and IEEE equality is not bit equality: +0 and -0 are equal, so
//! both get the hash of zero; a NaN is equal to nothing, so it gets a random hash, which spreads
//! the NaNs that a map can hold any number of instead of piling them into one chain.

use std::ffi::c_void;

use crate::rand::fastrand;

/// Go's 64-bit constants for the zero and NaN cases.
const C0: usize = 33054211828000289;
const C1: usize = 23344194077549503;

/// `f32hash` of the value `f`, with `mem` as `memhash` (so tests can supply fixed keys).
///
/// Ordinary values go through the generic `memhash(p, h, 4)`, not `memhash32`, as in Go.
#[inline]
pub(super) fn f32hash_with(f: f32, h: usize, mem: &impl Fn(&[u8], usize) -> usize) -> usize {
    if f == 0.0 {
        C1.wrapping_mul(C0 ^ h)
    } else if f.is_nan() {
        C1.wrapping_mul(C0 ^ h ^ fastrand() as usize)
    } else {
        mem(&f.to_ne_bytes(), h)
    }
}

/// `f64hash` of the value `f`, with `mem` as `memhash`; ordinary values use `memhash(p, h, 8)`.
#[inline]
pub(super) fn f64hash_with(f: f64, h: usize, mem: &impl Fn(&[u8], usize) -> usize) -> usize {
    if f == 0.0 {
        C1.wrapping_mul(C0 ^ h)
    } else if f.is_nan() {
        C1.wrapping_mul(C0 ^ h ^ fastrand() as usize)
    } else {
        mem(&f.to_ne_bytes(), h)
    }
}

/// `c64hash` of `re + im·i`: the imaginary part hashed with the real part's hash as seed.
#[inline]
pub(super) fn c64hash_with(
    re: f32,
    im: f32,
    h: usize,
    mem: &impl Fn(&[u8], usize) -> usize,
) -> usize {
    f32hash_with(im, f32hash_with(re, h, mem), mem)
}

/// `c128hash` of `re + im·i`, chained like [`c64hash_with`].
#[inline]
pub(super) fn c128hash_with(
    re: f64,
    im: f64,
    h: usize,
    mem: &impl Fn(&[u8], usize) -> usize,
) -> usize {
    f64hash_with(im, f64hash_with(re, h, mem), mem)
}

/// `memhash` with the process keys, over a slice.
#[inline]
fn process_memhash(bytes: &[u8], seed: usize) -> usize {
    // SAFETY: a slice's bytes are readable for its whole length.
    unsafe { super::hash_bytes(bytes.as_ptr(), bytes.len(), seed) }
}

/// Reads a `T` that may be unaligned.
///
/// # Safety
/// `p` must point to `size_of::<T>()` readable bytes holding a valid `T`.
#[inline]
unsafe fn read<T: Copy>(p: *const c_void) -> T {
    // SAFETY: guaranteed by the caller; read_unaligned needs no alignment.
    unsafe { p.cast::<T>().read_unaligned() }
}

/// Hasher of `float32` keys: equal for +0 and -0, random for NaN.
///
/// # Safety
/// `p` must point to 4 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_f32hash")]
pub unsafe extern "C-unwind" fn f32hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees 4 readable bytes; every bit pattern is an f32.
    f32hash_with(unsafe { read::<f32>(p) }, seed, &process_memhash)
}

/// Hasher of `float64` keys: equal for +0 and -0, random for NaN.
///
/// # Safety
/// `p` must point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_f64hash")]
pub unsafe extern "C-unwind" fn f64hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees 8 readable bytes; every bit pattern is an f64.
    f64hash_with(unsafe { read::<f64>(p) }, seed, &process_memhash)
}

/// Hasher of `complex64` keys (real part at offset 0, imaginary part at offset 4).
///
/// # Safety
/// `p` must point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_c64hash")]
pub unsafe extern "C-unwind" fn c64hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees 8 readable bytes; every bit pattern is a [f32; 2].
    let [re, im] = unsafe { read::<[f32; 2]>(p) };
    c64hash_with(re, im, seed, &process_memhash)
}

/// Hasher of `complex128` keys (real part at offset 0, imaginary part at offset 8).
///
/// # Safety
/// `p` must point to 16 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_c128hash")]
pub unsafe extern "C-unwind" fn c128hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller guarantees 16 readable bytes; every bit pattern is a [f64; 2].
    let [re, im] = unsafe { read::<[f64; 2]>(p) };
    c128hash_with(re, im, seed, &process_memhash)
}

/// IEEE equality of two `float32` keys: +0 == -0, NaN equals nothing (not even itself).
///
/// # Safety
/// `a` and `b` must each point to 4 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_f32equal")]
pub unsafe extern "C-unwind" fn f32equal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads; every bit pattern is an f32.
    unsafe { read::<f32>(a) == read::<f32>(b) }
}

/// IEEE equality of two `float64` keys.
///
/// # Safety
/// `a` and `b` must each point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_f64equal")]
pub unsafe extern "C-unwind" fn f64equal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads; every bit pattern is an f64.
    unsafe { read::<f64>(a) == read::<f64>(b) }
}

/// Equality of two `complex64` keys: both parts IEEE-equal.
///
/// # Safety
/// `a` and `b` must each point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_c64equal")]
pub unsafe extern "C-unwind" fn c64equal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads; every bit pattern is a [f32; 2].
    unsafe { read::<[f32; 2]>(a) == read::<[f32; 2]>(b) }
}

/// Equality of two `complex128` keys: both parts IEEE-equal.
///
/// # Safety
/// `a` and `b` must each point to 16 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_c128equal")]
pub unsafe extern "C-unwind" fn c128equal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads; every bit pattern is a [f64; 2].
    unsafe { read::<[f64; 2]>(a) == read::<[f64; 2]>(b) }
}
