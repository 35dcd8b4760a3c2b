//! Key equality for plain memory and strings (spec §5.10). Float and complex equality, which is
//! IEEE rather than bitwise, lives in `float.rs`.

use std::ffi::c_void;

use super::GoString;

/// Reads a `T` that may be unaligned.
///
/// # Safety
/// `p` must point to `size_of::<T>()` readable bytes holding a valid `T`.
#[inline]
unsafe fn read<T: Copy>(p: *const c_void) -> T {
    // SAFETY: guaranteed by the caller; read_unaligned needs no alignment.
    unsafe { p.cast::<T>().read_unaligned() }
}

/// Equality of zero-size keys: there is only one value, so always true. Nothing is read.
///
/// # Safety
/// None needed; `unsafe` only to match [`EqualFn`](super::EqualFn).
#[unsafe(export_name = "gohmap_memequal0")]
pub unsafe extern "C-unwind" fn memequal0(_a: *const c_void, _b: *const c_void) -> bool {
    true
}

/// Bytewise equality of 1-byte keys.
///
/// # Safety
/// `a` and `b` must each point to 1 readable byte.
#[unsafe(export_name = "gohmap_memequal8")]
pub unsafe extern "C-unwind" fn memequal8(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads.
    unsafe { read::<u8>(a) == read::<u8>(b) }
}

/// Bytewise equality of 2-byte keys.
///
/// # Safety
/// `a` and `b` must each point to 2 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memequal16")]
pub unsafe extern "C-unwind" fn memequal16(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads.
    unsafe { read::<u16>(a) == read::<u16>(b) }
}

/// Bytewise equality of 4-byte keys.
///
/// # Safety
/// `a` and `b` must each point to 4 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memequal32")]
pub unsafe extern "C-unwind" fn memequal32(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads.
    unsafe { read::<u32>(a) == read::<u32>(b) }
}

/// Bytewise equality of 8-byte keys.
///
/// # Safety
/// `a` and `b` must each point to 8 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memequal64")]
pub unsafe extern "C-unwind" fn memequal64(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads.
    unsafe { read::<u64>(a) == read::<u64>(b) }
}

/// Bytewise equality of 16-byte keys.
///
/// # Safety
/// `a` and `b` must each point to 16 readable bytes (any alignment).
#[unsafe(export_name = "gohmap_memequal128")]
pub unsafe extern "C-unwind" fn memequal128(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both reads; [u64; 2] keeps the reads to 8-byte words.
    unsafe { read::<[u64; 2]>(a) == read::<[u64; 2]>(b) }
}

/// Bytewise equality of `size`-byte keys (Go's `memequal`, which `memequal_varlen` calls with
/// the size from its closure).
///
/// # Safety
/// `a` and `b` must each point to `size` readable bytes (either may be anything when
/// `size == 0`).
#[unsafe(export_name = "gohmap_memequal")]
pub unsafe extern "C-unwind" fn memequal(a: *const c_void, b: *const c_void, size: usize) -> bool {
    if size == 0 || a == b {
        return true;
    }
    // SAFETY: size > 0, so the caller guarantees both ranges are readable (hence non-null).
    unsafe { bytes(a.cast(), size) == bytes(b.cast(), size) }
}

/// Equality of Go strings: equal lengths, then equal bytes.
///
/// # Safety
/// `a` and `b` must each point to a readable [`GoString`] (any alignment) whose `len` is not
/// negative and whose `ptr` points to `len` readable bytes; `ptr` is never read when `len` is
/// 0, so it may be null or dangling.
#[unsafe(export_name = "gohmap_strequal")]
pub unsafe extern "C-unwind" fn strequal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller guarantees both headers are readable.
    let (a, b) = unsafe { (read::<GoString>(a), read::<GoString>(b)) };
    if a.len != b.len {
        return false;
    }
    // Identical data (a key compared with itself, or substrings of one constant) needs no
    // byte comparison; length 0 must not touch its pointer at all.
    if a.len == 0 || a.ptr == b.ptr {
        return true;
    }
    let len = a.len as usize;
    // SAFETY: len > 0, so the caller guarantees both `ptr`s point to `len` readable bytes.
    unsafe { bytes(a.ptr, len) == bytes(b.ptr, len) }
}

/// The `len` bytes at `p` as a slice.
///
/// # Safety
/// `len > 0` and `p..p+len` readable and not written for the slice's (short) life.
#[inline]
unsafe fn bytes<'a>(p: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: guaranteed by the caller; u8 has no alignment requirement.
    unsafe { std::slice::from_raw_parts(p, len) }
}
