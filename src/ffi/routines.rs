//! The exported map routines: argument checks, then the raw routine. One line of logic each.

use std::ffi::{c_char, c_int, c_void};

use super::{descriptor, guard, key_ptr};
use crate::alloc::zero_val;
use crate::hash::GoString;
use crate::hmap::Hmap;
use crate::invariants::Check;
use crate::iter::Hiter;
use crate::maptype::MapType;
use crate::stats::MapStats;
use crate::visit::VisitFn;
use crate::{fast, raw};

/// The descriptor, if its elems fit the shared zero value (a miss returns it; a larger elem
/// would read past it): elems over 1024 bytes need the `_fat` forms.
fn small_elem<'a>(t: &'a MapType, routine: &str) -> Option<&'a MapType> {
    if t.elem_size <= crate::consts::MAX_ZERO {
        return Some(t);
    }
    crate::panic::report_fmt(
        crate::panic::Code::BadArgument,
        format_args!(
            "{routine}: elem of {} bytes: use the _fat form",
            t.elem_size
        ),
    );
    None
}

/// Writes `v` through `ok` unless it is null.
fn set_ok(ok: *mut bool, v: bool) {
    // SAFETY: a non-null `ok` points at a writable bool (the header's contract).
    if let Some(ok) = unsafe { ok.as_mut() } {
        *ok = v;
    }
}

/// `gohmap_makemap`. See the header.
///
/// # Safety
/// As `raw::makemap`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_makemap(t: *const MapType, hint: isize, h: *mut Hmap) -> *mut Hmap {
    guard("gohmap_makemap", || {
        match descriptor(t, "gohmap_makemap", true) {
            // SAFETY: caller's promise.
            Some(t) => unsafe { raw::makemap(t, hint, h) },
            None => std::ptr::null_mut(),
        }
    })
}

/// `gohmap_makemap_bucket`. See the header.
///
/// # Safety
/// As `raw::makemap_with_bucket`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_makemap_bucket(
    t: *const MapType,
    hint: isize,
    h: *mut Hmap,
    bucket: *mut c_void,
) -> *mut Hmap {
    guard("gohmap_makemap_bucket", || {
        match descriptor(t, "gohmap_makemap_bucket", true) {
            // SAFETY: caller's promise.
            Some(t) => unsafe { raw::makemap_with_bucket(t, hint, h, bucket.cast()) },
            None => std::ptr::null_mut(),
        }
    })
}

/// `gohmap_makemap_small`. See the header.
#[unsafe(no_mangle)]
pub extern "C" fn gohmap_makemap_small() -> *mut Hmap {
    guard("gohmap_makemap_small", raw::makemap_small)
}

/// `gohmap_maplen`. See the header.
///
/// # Safety
/// `h` is null or a live map.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_maplen(h: *const Hmap) -> isize {
    // SAFETY: caller's promise.
    unsafe { raw::maplen(h) }
}

/// `gohmap_mapclone`. See the header.
///
/// # Safety
/// As `raw::mapclone`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapclone(t: *const MapType, h: *const Hmap) -> *mut Hmap {
    guard("gohmap_mapclone", || {
        match descriptor(t, "gohmap_mapclone", true) {
            // SAFETY: caller's promise.
            Some(t) => unsafe { raw::mapclone(t, h) },
            None => std::ptr::null_mut(),
        }
    })
}

/// `gohmap_mapclear`. See the header.
///
/// # Safety
/// As `raw::mapclear`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapclear(t: *const MapType, h: *mut Hmap) {
    guard("gohmap_mapclear", || {
        if let Some(t) = descriptor(t, "gohmap_mapclear", false) {
            // SAFETY: caller's promise.
            unsafe { raw::mapclear(t, h) }
        }
    })
}

/// `gohmap_mapshrink`. See the header.
///
/// # Safety
/// As `raw::mapshrink`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapshrink(t: *const MapType, h: *mut Hmap) -> c_int {
    guard("gohmap_mapshrink", || {
        let Some(t) = descriptor(t, "gohmap_mapshrink", false) else {
            return 0;
        };
        // SAFETY: caller's promise.
        match unsafe { raw::mapshrink(t, h) } {
            Ok(()) => 0,
            Err(raw::ShrinkError::Busy) => 1,
            Err(raw::ShrinkError::OutOfMemory(_)) => 2,
        }
    })
}

/// `gohmap_mapclear_release`. See the header.
///
/// # Safety
/// As `raw::mapclear_release`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapclear_release(t: *const MapType, h: *mut Hmap) {
    guard("gohmap_mapclear_release", || {
        if let Some(t) = descriptor(t, "gohmap_mapclear_release", false) {
            // SAFETY: caller's promise.
            unsafe { raw::mapclear_release(t, h) }
        }
    })
}

/// `gohmap_mapfree`. See the header.
///
/// # Safety
/// As `raw::mapfree`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapfree(t: *const MapType, h: *mut Hmap) {
    guard("gohmap_mapfree", || {
        if let Some(t) = descriptor(t, "gohmap_mapfree", false) {
            // SAFETY: caller's promise.
            unsafe { raw::mapfree(t, h) }
        }
    })
}

/// `gohmap_mapaccess1`. See the header.
///
/// # Safety
/// As `raw::mapaccess1`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapaccess1(
    t: *const MapType,
    h: *mut Hmap,
    key: *const c_void,
) -> *mut c_void {
    // SAFETY: caller's promise.
    unsafe { gohmap_mapaccess2(t, h, key, std::ptr::null_mut()) }
}

/// `gohmap_mapaccess2`. See the header.
///
/// # Safety
/// As `raw::mapaccess2`; `ok` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapaccess2(
    t: *const MapType,
    h: *mut Hmap,
    key: *const c_void,
    ok: *mut bool,
) -> *mut c_void {
    guard("gohmap_mapaccess2", || {
        let t = descriptor(t, "gohmap_mapaccess", false);
        if let Some(t) = t
            && small_elem(t, "gohmap_mapaccess").is_none()
        {
            // Not the shared zero value: it is shorter than this elem, and a host whose handler
            // returned would read past its end. NULL fails loudly instead.
            set_ok(ok, false);
            return std::ptr::null_mut();
        }
        let found = t
            .and_then(|t| Some((t, key_ptr(t, key, "gohmap_mapaccess")?)))
            // SAFETY: caller's promise.
            .map(|(t, k)| unsafe { raw::mapaccess2(t, h, k) });
        let (p, found) = found.unwrap_or((zero_val(), false));
        set_ok(ok, found);
        p.cast()
    })
}

/// `gohmap_mapaccess1_fat`. See the header.
///
/// # Safety
/// As `raw::mapaccess1_fat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapaccess1_fat(
    t: *const MapType,
    h: *mut Hmap,
    key: *const c_void,
    zero: *const c_void,
) -> *mut c_void {
    // SAFETY: caller's promise.
    unsafe { gohmap_mapaccess2_fat(t, h, key, zero, std::ptr::null_mut()) }
}

/// `gohmap_mapaccess2_fat`. See the header.
///
/// # Safety
/// As `raw::mapaccess2_fat`; `ok` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapaccess2_fat(
    t: *const MapType,
    h: *mut Hmap,
    key: *const c_void,
    zero: *const c_void,
    ok: *mut bool,
) -> *mut c_void {
    guard("gohmap_mapaccess2_fat", || {
        let found = descriptor(t, "gohmap_mapaccess_fat", false)
            .and_then(|t| Some((t, key_ptr(t, key, "gohmap_mapaccess_fat")?)))
            // SAFETY: caller's promise.
            .map(|(t, k)| unsafe { raw::mapaccess2_fat(t, h, k, zero.cast_mut().cast()) });
        let (p, found) = found.unwrap_or((zero.cast_mut().cast(), false));
        set_ok(ok, found);
        p.cast()
    })
}

/// `gohmap_mapassign`. See the header.
///
/// # Safety
/// As `raw::mapassign`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapassign(
    t: *const MapType,
    h: *mut Hmap,
    key: *const c_void,
) -> *mut c_void {
    guard("gohmap_mapassign", || {
        descriptor(t, "gohmap_mapassign", false)
            .and_then(|t| Some((t, key_ptr(t, key, "gohmap_mapassign")?)))
            // SAFETY: caller's promise.
            .map_or(std::ptr::null_mut(), |(t, k)| unsafe {
                raw::mapassign(t, h, k)
            })
            .cast()
    })
}

/// `gohmap_mapdelete`. See the header.
///
/// # Safety
/// As `raw::mapdelete`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapdelete(t: *const MapType, h: *mut Hmap, key: *const c_void) {
    guard("gohmap_mapdelete", || {
        if let Some(t) = descriptor(t, "gohmap_mapdelete", false)
            && let Some(k) = key_ptr(t, key, "gohmap_mapdelete")
        {
            // SAFETY: caller's promise.
            unsafe { raw::mapdelete(t, h, k) }
        }
    })
}

/// Exports one fast family: access1, access2, assign, delete, over key type `$ty`.
macro_rules! export_fast {
    ($ty:ty, $a1:ident => $ra1:ident, $a2:ident => $ra2:ident, $as:ident => $ras:ident,
     $de:ident => $rde:ident) => {
        /// A fast lookup. See the header.
        ///
        /// # Safety
        /// As the raw routine of the same name.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $a1(t: *const MapType, h: *mut Hmap, key: $ty) -> *mut c_void {
            guard(stringify!($a1), || {
                descriptor(t, stringify!($a1), false)
                    // SAFETY: caller's promise.
                    .map_or(zero_val(), |t| unsafe { fast::$ra1(t, h, key) })
                    .cast()
            })
        }

        /// A fast comma-ok lookup. See the header.
        ///
        /// # Safety
        /// As the raw routine of the same name; `ok` is null or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $a2(
            t: *const MapType,
            h: *mut Hmap,
            key: $ty,
            ok: *mut bool,
        ) -> *mut c_void {
            guard(stringify!($a2), || {
                let r = descriptor(t, stringify!($a2), false)
                    // SAFETY: caller's promise.
                    .map(|t| unsafe { fast::$ra2(t, h, key) });
                let (p, found) = r.unwrap_or((zero_val(), false));
                set_ok(ok, found);
                p.cast()
            })
        }

        /// A fast assign. See the header.
        ///
        /// # Safety
        /// As the raw routine of the same name.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $as(t: *const MapType, h: *mut Hmap, key: $ty) -> *mut c_void {
            guard(stringify!($as), || {
                descriptor(t, stringify!($as), false)
                    // SAFETY: caller's promise.
                    .map_or(std::ptr::null_mut(), |t| unsafe { fast::$ras(t, h, key) })
                    .cast()
            })
        }

        /// A fast delete. See the header.
        ///
        /// # Safety
        /// As the raw routine of the same name.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $de(t: *const MapType, h: *mut Hmap, key: $ty) {
            guard(stringify!($de), || {
                if let Some(t) = descriptor(t, stringify!($de), false) {
                    // SAFETY: caller's promise.
                    unsafe { fast::$rde(t, h, key) }
                }
            })
        }
    };
}

export_fast!(u32,
    gohmap_mapaccess1_fast32 => mapaccess1_fast32, gohmap_mapaccess2_fast32 => mapaccess2_fast32,
    gohmap_mapassign_fast32 => mapassign_fast32, gohmap_mapdelete_fast32 => mapdelete_fast32);
export_fast!(u64,
    gohmap_mapaccess1_fast64 => mapaccess1_fast64, gohmap_mapaccess2_fast64 => mapaccess2_fast64,
    gohmap_mapassign_fast64 => mapassign_fast64, gohmap_mapdelete_fast64 => mapdelete_fast64);
export_fast!(GoString,
    gohmap_mapaccess1_faststr => mapaccess1_faststr, gohmap_mapaccess2_faststr => mapaccess2_faststr,
    gohmap_mapassign_faststr => mapassign_faststr, gohmap_mapdelete_faststr => mapdelete_faststr);

/// `gohmap_mapassign_fast32ptr`. See the header.
///
/// # Safety
/// As `fast::mapassign_fast32ptr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapassign_fast32ptr(
    t: *const MapType,
    h: *mut Hmap,
    key: *mut c_void,
) -> *mut c_void {
    guard("gohmap_mapassign_fast32ptr", || {
        descriptor(t, "gohmap_mapassign_fast32ptr", false)
            // SAFETY: caller's promise.
            .map_or(std::ptr::null_mut(), |t| unsafe {
                fast::mapassign_fast32ptr(t, h, key.cast())
            })
            .cast()
    })
}

/// `gohmap_mapassign_fast64ptr`. See the header.
///
/// # Safety
/// As `fast::mapassign_fast64ptr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapassign_fast64ptr(
    t: *const MapType,
    h: *mut Hmap,
    key: *mut c_void,
) -> *mut c_void {
    guard("gohmap_mapassign_fast64ptr", || {
        descriptor(t, "gohmap_mapassign_fast64ptr", false)
            // SAFETY: caller's promise.
            .map_or(std::ptr::null_mut(), |t| unsafe {
                fast::mapassign_fast64ptr(t, h, key.cast())
            })
            .cast()
    })
}

/// `gohmap_mapiterinit`. See the header.
///
/// # Safety
/// As `raw::mapiterinit`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapiterinit(t: *const MapType, h: *mut Hmap, it: *mut Hiter) {
    guard("gohmap_mapiterinit", || {
        if it.is_null() {
            crate::panic::report(
                crate::panic::Code::BadArgument,
                "gohmap_mapiterinit: null iterator",
            );
            return;
        }
        match descriptor(t, "gohmap_mapiterinit", false) {
            // SAFETY: caller's promise.
            Some(t) => unsafe { raw::mapiterinit(t, h, it) },
            // SAFETY: `it` is writable: leave it a finished iterator.
            None => unsafe { it.write(Hiter::done()) },
        }
    })
}

/// `gohmap_mapiternext`. See the header.
///
/// # Safety
/// As `raw::mapiternext`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapiternext(it: *mut Hiter) {
    guard("gohmap_mapiternext", || {
        if !it.is_null() {
            // SAFETY: caller's promise.
            unsafe { raw::mapiternext(it) }
        }
    })
}

/// `gohmap_mapiterdone`. See the header.
///
/// # Safety
/// As `raw::mapiterdone`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapiterdone(it: *mut Hiter) {
    guard("gohmap_mapiterdone", || {
        if !it.is_null() {
            // SAFETY: caller's promise.
            unsafe { raw::mapiterdone(it) }
        }
    })
}

/// `gohmap_mapstats`. See the header.
///
/// # Safety
/// As `raw::mapstats`; `stats` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapstats(t: *const MapType, h: *const Hmap, stats: *mut MapStats) {
    guard("gohmap_mapstats", || {
        if stats.is_null() {
            crate::panic::report(
                crate::panic::Code::BadArgument,
                "gohmap_mapstats: null stats pointer",
            );
            return;
        }
        let s = descriptor(t, "gohmap_mapstats", false)
            // SAFETY: caller's promise.
            .map(|t| unsafe { raw::mapstats(t, h) })
            .unwrap_or_default();
        // SAFETY: checked non-null; the caller's promise makes it writable.
        unsafe { stats.write(s) };
    })
}

/// A caller's message buffer: keeps what fits, always leaves room for the NUL.
struct MsgBuf {
    p: *mut u8,
    cap: usize,
    len: usize,
}

impl std::fmt::Write for MsgBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.cap - self.len);
        // SAFETY: len + n <= cap < the buffer's length.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), self.p.add(self.len), n) };
        self.len += n;
        Ok(())
    }
}

/// Writes `args`, truncated and NUL-terminated, into the caller's buffer (if any).
fn write_msg(msg: *mut c_char, msg_len: usize, args: std::fmt::Arguments<'_>) {
    if msg.is_null() || msg_len == 0 {
        return;
    }
    let mut b = MsgBuf {
        p: msg.cast(),
        cap: msg_len - 1,
        len: 0,
    };
    let _ = std::fmt::write(&mut b, args);
    // SAFETY: len <= msg_len - 1.
    unsafe { b.p.add(b.len).write(0) };
}

/// `gohmap_mapcheck`. See the header.
///
/// # Safety
/// `t` is null or a readable descriptor; when it validates, `h` is null or a live map of it
/// with no write in progress; `msg` is null or `msg_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapcheck(
    t: *const MapType,
    h: *const Hmap,
    msg: *mut c_char,
    msg_len: usize,
) -> c_int {
    guard("gohmap_mapcheck", || {
        // The descriptor is checked here, not through `descriptor`: a checker returns what it
        // finds instead of reporting it.
        // SAFETY: caller's promise.
        let t = match unsafe { t.as_ref() }.map(|d| (d, d.validate())) {
            None => {
                write_msg(msg, msg_len, format_args!("maptype: null descriptor"));
                return Check::MapType.code();
            }
            Some((_, Err(e))) => {
                let why = e.message().to_string_lossy();
                write_msg(msg, msg_len, format_args!("maptype: {why}"));
                return Check::MapType.code();
            }
            Some((d, Ok(()))) => d,
        };
        // SAFETY: caller's promise.
        match unsafe { raw::check_invariants(t, h) } {
            Ok(()) => {
                write_msg(msg, msg_len, format_args!(""));
                0
            }
            Err(v) => {
                write_msg(msg, msg_len, format_args!("{v}"));
                v.check.code()
            }
        }
    })
}

/// `gohmap_mapvisit`. See the header.
///
/// # Safety
/// As `raw::mapvisit`; `visitor` is null or a function the caller may call with `ctx`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gohmap_mapvisit(
    t: *const MapType,
    h: *const Hmap,
    visitor: Option<VisitFn>,
    ctx: *mut c_void,
) -> c_int {
    guard("gohmap_mapvisit", || {
        let Some(visitor) = visitor else {
            crate::panic::report(
                crate::panic::Code::BadArgument,
                "gohmap_mapvisit: null visitor",
            );
            return 0;
        };
        match descriptor(t, "gohmap_mapvisit", false) {
            // SAFETY: caller's promise; the visitor is the host's to keep.
            Some(t) => unsafe { raw::mapvisit(t, h, |k, e| visitor(ctx, k.cast(), e.cast())) },
            None => 0,
        }
    })
}
