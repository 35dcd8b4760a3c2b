//! The C ABI: thin `extern "C"` wrappers that check what a C caller can get wrong and call the
//! raw routines. Nothing else lives here; `ffi/gohmap.h` is the contract they implement.
//!
//! Every exported symbol starts with `gohmap_`. No unwinding crosses the boundary: each entry
//! point runs under a guard that turns an internal Rust panic into a fatal report (the handler,
//! then abort). Host callbacks may `longjmp` out (the handler at any report, a hasher before
//! the map is touched); the library keeps no destructors alive across those calls.
//!
//! Argument checks: a null descriptor, a null key pointer (for a key of non-zero size) and a
//! fast routine used with another key family are always reported (`BadMapType` /
//! `BadArgument`), because they are one compare each. Full descriptor validation runs where it
//! is cheap relative to the call (`makemap`, `mapclone`, the `maptype_*` functions) and, in
//! debug builds, on every call.

mod routines;

pub use routines::*;

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::panic::AssertUnwindSafe;

use crate::alloc::{self, Allocator};
use crate::maptype::{EqualCtxFn, HashCtxFn, KeyKind, MapType, MapTypeError};
use crate::panic::{self, Code, PanicHandler};
use crate::{hash, rand};

/// Runs an entry point's body; an internal Rust panic is fatal, never an unwind into C.
#[inline(always)]
fn guard<R>(name: &'static str, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => panic::fatal(Code::BadMapState, name),
    }
}

/// The descriptor behind `t`, or a report (`BadMapType`) and None.
#[inline(always)]
fn descriptor<'a>(t: *const MapType, routine: &str, full: bool) -> Option<&'a MapType> {
    // SAFETY: a non-null `t` is a descriptor the caller keeps alive for the map's life.
    let Some(t) = (unsafe { t.as_ref() }) else {
        null_maptype(routine);
        return None;
    };
    if (full || cfg!(debug_assertions))
        && let Err(e) = t.validate()
    {
        panic::report_fmt(Code::BadMapType, format_args!("{routine}: {e}"));
        return None;
    }
    Some(t)
}

/// Reports a null descriptor. Out of line and cold: formatting takes the routine's name by
/// reference, and inlined into an entry point that made every call store the name on the stack
/// first (three instructions and a stack frame on each fast lookup).
#[cold]
#[inline(never)]
fn null_maptype(routine: &str) {
    panic::report_fmt(Code::BadMapType, format_args!("{routine}: null maptype"));
}

/// The key pointer to use: null is refused unless the key is zero-sized (then any address is
/// fine, and a dangling one stands in so no null reaches a copy).
#[inline(always)]
fn key_ptr(t: &MapType, key: *const c_void, routine: &str) -> Option<*const u8> {
    if !key.is_null() {
        return Some(key.cast());
    }
    if t.key_size == 0 {
        return Some(std::ptr::NonNull::<u64>::dangling().as_ptr().cast());
    }
    panic::report_fmt(
        Code::BadArgument,
        format_args!("{routine}: null key pointer"),
    );
    None
}

thread_local! {
    static LAST_ERROR: Cell<&'static std::ffi::CStr> = const { Cell::new(c"") };
}

fn descriptor_result(r: Result<MapType, MapTypeError>, t: *mut MapType) -> c_int {
    match r {
        Ok(d) => {
            // SAFETY: checked non-null by the callers; the caller owns the storage.
            unsafe { t.write(d) };
            0
        }
        Err(e) => {
            LAST_ERROR.with(|c| c.set(e.message()));
            Code::BadMapType as c_int
        }
    }
}

fn null_descriptor() -> c_int {
    LAST_ERROR.with(|c| c.set(c"maptype pointer is null"));
    Code::BadMapType as c_int
}

/// `gohmap_maptype_init`: a descriptor for a custom key type (see the header).
///
/// # Safety
/// `t` is null or points at a writable `gohmap_maptype`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_maptype_init(
    t: *mut MapType,
    keysize: usize,
    keyalign: usize,
    elemsize: usize,
    elemalign: usize,
    hasher: Option<hash::HashFn>,
    equal: Option<hash::EqualFn>,
    keyflags: u32,
) -> c_int {
    guard("gohmap_maptype_init", || {
        if t.is_null() {
            return null_descriptor();
        }
        let r = match (hasher, equal) {
            (None, _) => Err(MapTypeError::NoHasher),
            (_, None) => Err(MapTypeError::NoEqual),
            (Some(h), Some(e)) => {
                MapType::new(keysize, keyalign, elemsize, elemalign, h, e, keyflags)
            }
        };
        descriptor_result(r, t)
    })
}

/// `gohmap_maptype_init_ctx`: as `gohmap_maptype_init`, with callbacks that take `ctx`.
///
/// # Safety
/// As `gohmap_maptype_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_maptype_init_ctx(
    t: *mut MapType,
    keysize: usize,
    keyalign: usize,
    elemsize: usize,
    elemalign: usize,
    hasher: Option<HashCtxFn>,
    equal: Option<EqualCtxFn>,
    ctx: *mut c_void,
    keyflags: u32,
) -> c_int {
    guard("gohmap_maptype_init_ctx", || {
        if t.is_null() {
            return null_descriptor();
        }
        let r = match (hasher, equal) {
            (None, _) => Err(MapTypeError::NoHasher),
            (_, None) => Err(MapTypeError::NoEqual),
            (Some(h), Some(e)) => {
                MapType::with_ctx(keysize, keyalign, elemsize, elemalign, h, e, ctx, keyflags)
            }
        };
        descriptor_result(r, t)
    })
}

/// `gohmap_maptype_init_kind`: a descriptor for a standard key kind.
///
/// # Safety
/// As `gohmap_maptype_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_maptype_init_kind(
    t: *mut MapType,
    keykind: c_int,
    elemsize: usize,
    elemalign: usize,
) -> c_int {
    guard("gohmap_maptype_init_kind", || {
        if t.is_null() {
            return null_descriptor();
        }
        let kind = u8::try_from(keykind).ok().and_then(KeyKind::from_raw);
        let r = match kind {
            Some(k) if k != KeyKind::Custom => MapType::for_kind(k, elemsize, elemalign),
            _ => Err(MapTypeError::Kind),
        };
        descriptor_result(r, t)
    })
}

/// `gohmap_maptype_validate`: checks a descriptor emitted as static data.
///
/// # Safety
/// `t` is null or points at a readable `gohmap_maptype`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_maptype_validate(t: *const MapType) -> c_int {
    guard("gohmap_maptype_validate", || {
        // SAFETY: caller's promise.
        match unsafe { t.as_ref() } {
            None => null_descriptor(),
            Some(d) => match d.validate() {
                Ok(()) => 0,
                Err(e) => {
                    LAST_ERROR.with(|c| c.set(e.message()));
                    Code::BadMapType as c_int
                }
            },
        }
    })
}

/// `gohmap_maptype_last_error`: why this thread's last refused descriptor was refused.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_maptype_last_error() -> *const c_char {
    LAST_ERROR.with(|c| c.get().as_ptr())
}

/// `gohmap_set_allocator`: installs a host allocator (copied), or libc when `a` is null.
///
/// # Safety
/// `a` is null or points at a valid `gohmap_allocator`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_set_allocator(a: *const Allocator) {
    // SAFETY: caller's promise.
    alloc::set_allocator(unsafe { a.as_ref() });
}

/// `gohmap_alloc_trim`: frees the big blocks the default allocator keeps for reuse; returns
/// how many bytes that was.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_alloc_trim() -> usize {
    alloc::trim()
}

/// `gohmap_alloc_set_cache_limit`: sets how many bytes of freed big blocks the default
/// allocator may keep (0: none), frees what is over it, and returns the previous limit.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_alloc_set_cache_limit(bytes: usize) -> usize {
    alloc::set_cache_limit(bytes)
}

/// `gohmap_set_panic_handler`: installs the handler, or the default (stderr, abort) for null.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_set_panic_handler(h: Option<PanicHandler>) {
    panic::set_panic_handler(h);
}

/// `gohmap_set_seed`: makes seeds, iteration starts and NaN hashes a deterministic sequence.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_set_seed(seed: u64) {
    rand::set_seed(seed);
}

/// `gohmap_uses_aes`: whether this process hashes with AES-NI (1) or the portable hash (0).
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_uses_aes() -> c_int {
    c_int::from(hash::uses_aes())
}
