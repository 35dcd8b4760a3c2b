//! The bad-input catalogue (`docs/bad-input.md`): one test per row, named after the row, showing
//! what gohmap does with each bad input we know of. Rows about the C ABI go through the
//! exported `gohmap_*` functions (callable from Rust as `extern "C"` functions), with the test
//! handler in *record* mode: an unwind may not cross the C ABI (it would be turned into a fatal
//! abort, see `tests/misuse.rs`), and a C host whose handler returns sees exactly this.
//! Concurrent misuse and re-entrant callbacks are in `tests/misuse.rs`.

mod common;

use std::ffi::{CStr, c_void};

use common::*;
use gohmap::consts::*;
use gohmap::ffi::*;
use gohmap::hash::{self, GoString};
use gohmap::iter::Hiter;
use gohmap::panic::Code;
use gohmap::{Hmap, KeyKind, MapType};

/// The C ABI's refusal code for descriptors (`GOHMAP_PANIC_BAD_MAPTYPE`).
const BAD_MAPTYPE: i32 = Code::BadMapType as i32;

/// Why this thread's last refused descriptor was refused (`gohmap_maptype_last_error`).
fn last_error() -> String {
    // SAFETY: the library returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(gohmap_maptype_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// `gohmap_maptype_init` with Go's standard 8-byte functions and the given layout and flags.
fn init(ks: usize, ka: usize, es: usize, ea: usize, flags: u32) -> (i32, MapType) {
    let mut t = kind(KeyKind::U64, 8, 8);
    // SAFETY: `t` is writable.
    let r = unsafe {
        gohmap_maptype_init(
            &mut t,
            ks,
            ka,
            es,
            ea,
            Some(hash::memhash64),
            Some(hash::memequal64),
            flags,
        )
    };
    (r, t)
}

/// `gohmap_maptype_validate` of `t`, with the reason if refused.
fn validate(t: &MapType) -> Result<(), String> {
    // SAFETY: `t` is a readable descriptor.
    match unsafe { gohmap_maptype_validate(t) } {
        0 => Ok(()),
        BAD_MAPTYPE => Err(last_error()),
        other => panic!("unexpected code {other}"),
    }
}

/// A good u64 → u64 descriptor with one field changed by `f`.
fn mutated(f: impl FnOnce(&mut MapType)) -> MapType {
    let mut t = kind(KeyKind::U64, 8, 8);
    f(&mut t);
    t
}

/// Asserts the recorded reports are exactly one `(code, message containing what)` per entry.
fn assert_reports(want: &[(Code, &str)]) {
    let got = take_reports();
    assert_eq!(got.len(), want.len(), "reports: {got:?}");
    for ((c, m), (wc, wm)) in got.iter().zip(want) {
        assert!(
            c == wc && m.contains(wm),
            "got ({c:?}, {m:?}), want ({wc:?}, ..{wm}..)"
        );
    }
}

// ---- descriptors ----

#[test]
fn descriptor_with_a_null_hasher_or_equal_is_refused() {
    setup(1);
    let mut t = kind(KeyKind::U64, 8, 8);
    // SAFETY: `t` is writable.
    let r = unsafe { gohmap_maptype_init(&mut t, 8, 8, 8, 8, None, Some(hash::memequal64), 4) };
    assert_eq!(r, BAD_MAPTYPE);
    assert!(last_error().contains("hasher"), "{}", last_error());
    // SAFETY: as above.
    let r = unsafe { gohmap_maptype_init(&mut t, 8, 8, 8, 8, Some(hash::memhash64), None, 4) };
    assert_eq!(r, BAD_MAPTYPE);
    assert!(last_error().contains("equal"), "{}", last_error());
    let e = validate(&mutated(|t| t.hasher = None)).unwrap_err();
    assert!(e.contains("hasher is null"), "{e}");
    let e = validate(&mutated(|t| t.equal = None)).unwrap_err();
    assert!(e.contains("equal is null"), "{e}");
    assert_eq!(
        reports_len(),
        0,
        "descriptor functions return codes, not reports"
    );
}

#[test]
fn alignment_4096_is_refused_for_key_and_elem() {
    // Buckets pack keys and elems with no padding, so nothing beyond 8 can be honoured.
    setup(2);
    let (r, _) = init(4096, 4096, 8, 8, TYPE_REFLEXIVE_KEY);
    assert_eq!((r, last_error().contains("key_align")), (BAD_MAPTYPE, true));
    let (r, _) = init(8, 8, 4096, 4096, TYPE_REFLEXIVE_KEY);
    assert_eq!(
        (r, last_error().contains("elem_align")),
        (BAD_MAPTYPE, true)
    );
    let (r, _) = init(16, 16, 8, 8, TYPE_REFLEXIVE_KEY);
    assert_eq!(
        r, BAD_MAPTYPE,
        "16 is beyond the largest bucket alignment too"
    );
}

#[test]
fn alignment_that_is_not_a_power_of_two_is_refused() {
    setup(3);
    for a in [0usize, 3, 6] {
        let (r, _) = init(12, a, 8, 8, TYPE_REFLEXIVE_KEY);
        assert_eq!(
            (r, last_error().contains("key_align")),
            (BAD_MAPTYPE, true),
            "{a}"
        );
        let (r, _) = init(8, 8, 12, a, TYPE_REFLEXIVE_KEY);
        assert_eq!(
            (r, last_error().contains("elem_align")),
            (BAD_MAPTYPE, true),
            "{a}"
        );
    }
    let e = validate(&mutated(|t| t.key_align = 3)).unwrap_err();
    assert!(e.contains("key_align"), "{e}");
}

#[test]
fn size_that_is_not_a_multiple_of_its_alignment_is_refused() {
    setup(4);
    let (r, _) = init(6, 4, 8, 8, TYPE_REFLEXIVE_KEY);
    assert_eq!((r, last_error().contains("key_size")), (BAD_MAPTYPE, true));
    let (r, _) = init(8, 8, 6, 4, TYPE_REFLEXIVE_KEY);
    assert_eq!((r, last_error().contains("elem_size")), (BAD_MAPTYPE, true));
}

#[test]
fn sizes_beyond_2_pow_40_bytes_are_refused() {
    setup(5);
    let (r, _) = init(1 << 41, 8, 8, 8, TYPE_REFLEXIVE_KEY);
    assert_eq!((r, last_error().contains("key_size")), (BAD_MAPTYPE, true));
    let (r, _) = init(8, 8, usize::MAX & !7, 8, TYPE_REFLEXIVE_KEY);
    assert_eq!((r, last_error().contains("elem_size")), (BAD_MAPTYPE, true));
}

#[test]
fn key_flags_outside_gos_key_bits_are_refused() {
    setup(6);
    // 1 and 2 (indirect key/elem) are derived from the sizes; 32 and up mean nothing.
    for f in [1u32, 2, 32, 1 << 31] {
        let (r, _) = init(8, 8, 8, 8, f);
        assert_eq!(r, BAD_MAPTYPE, "flags {f:#x}");
    }
    let e = validate(&mutated(|t| t.flags |= 64)).unwrap_err();
    assert!(e.contains("flags"), "{e}");
}

#[test]
fn bucketsize_that_does_not_follow_from_the_sizes_is_refused() {
    setup(7);
    for bs in [0u32, 136, 152, u32::MAX] {
        let e = validate(&mutated(|t| t.bucketsize = bs)).unwrap_err();
        assert!(e.contains("bucketsize"), "{bs}: {e}");
    }
}

#[test]
fn slots_or_indirect_bits_that_do_not_follow_from_the_sizes_are_refused() {
    setup(8);
    for e in [
        validate(&mutated(|t| t.keyslot = 16)),
        validate(&mutated(|t| t.elemslot = 0)),
        validate(&mutated(|t| t.flags |= TYPE_INDIRECT_ELEM)),
        validate(&mutated(|t| t.flags |= TYPE_INDIRECT_KEY)),
    ] {
        assert!(e.unwrap_err().contains("keyslot, elemslot, bucketsize"));
    }
    // A big elem stored inline (indirect bit cleared, slot widened) is refused the same way.
    let mut big = kind(KeyKind::U64, 200, 8);
    big.flags &= !TYPE_INDIRECT_ELEM;
    assert!(validate(&big).is_err());
}

#[test]
fn unknown_kind_or_kind_disagreeing_with_the_key_is_refused() {
    setup(9);
    let mut t = kind(KeyKind::U64, 8, 8);
    for k in [-1, 0, 11, 99] {
        // SAFETY: `t` is writable.
        let r = unsafe { gohmap_maptype_init_kind(&mut t, k, 8, 8) };
        assert_eq!(
            (r, last_error().contains("kind")),
            (BAD_MAPTYPE, true),
            "kind {k}"
        );
    }
    let e = validate(&mutated(|t| t.kind = KeyKind::U32 as u8)).unwrap_err();
    assert!(e.contains("kind"), "{e}");
    let e = validate(&mutated(|t| t.kind = 200)).unwrap_err();
    assert!(e.contains("kind"), "{e}");
    let e = validate(&mutated(|t| t.flags &= !TYPE_REFLEXIVE_KEY)).unwrap_err();
    assert!(e.contains("kind"), "a standard kind's flags are fixed: {e}");
}

#[test]
fn fast_family_the_key_does_not_qualify_for_is_refused() {
    setup(10);
    for fam in [1u8, 3, 4] {
        let e = validate(&mutated(|t| t.fast = fam)).unwrap_err();
        assert!(e.contains("fast"), "{fam}: {e}");
    }
    let mut big = kind(KeyKind::U64, 200, 8);
    big.fast = 2;
    assert!(
        validate(&big).is_err(),
        "elems over 128 bytes never qualify"
    );
    assert_eq!(
        validate(&mutated(|t| t.fast = 0)),
        Ok(()),
        "claiming none is always fine"
    );
}

#[test]
fn nonzero_reserved_bytes_are_refused() {
    setup(11);
    let e = validate(&mutated(|t| t.reserved = [0, 1])).unwrap_err();
    assert!(e.contains("reserved"), "{e}");
}

unsafe extern "C-unwind" fn ctx_hash(p: *const c_void, seed: usize, _: *mut c_void) -> usize {
    // SAFETY: p points at a u64 key.
    unsafe { hash::memhash64(p, seed) }
}
unsafe extern "C-unwind" fn ctx_equal(a: *const c_void, b: *const c_void, _: *mut c_void) -> bool {
    // SAFETY: both point at u64 keys.
    unsafe { hash::memequal64(a, b) }
}

#[test]
fn null_ctx_with_ctx_callbacks_is_refused() {
    // The calling convention is told by `ctx != NULL`: a null ctx would call three-argument
    // callbacks with two arguments.
    setup(12);
    let mut t = kind(KeyKind::U64, 8, 8);
    let init_ctx = |t: &mut MapType, ctx: *mut c_void| {
        // SAFETY: `t` is writable.
        unsafe { gohmap_maptype_init_ctx(t, 8, 8, 8, 8, Some(ctx_hash), Some(ctx_equal), ctx, 4) }
    };
    assert_eq!(init_ctx(&mut t, std::ptr::null_mut()), BAD_MAPTYPE);
    assert!(last_error().contains("ctx is null"), "{}", last_error());
    let mut token = 0u8;
    assert_eq!(init_ctx(&mut t, (&raw mut token).cast()), 0);
    assert_eq!(validate(&t), Ok(()));
    // A standard kind never calls callbacks, so a ctx on one is a confused descriptor.
    let e = validate(&mutated(|t| t.ctx = (&raw mut token).cast())).unwrap_err();
    assert!(e.contains("kind"), "{e}");
}

#[test]
fn key_size_zero_is_accepted_as_gos_empty_struct() {
    // Go allows zero-sized keys (`map[struct{}]V`): every key is the same key, so the map holds
    // at most one entry; the hasher is memhash0 (the hash is the seed). A NULL key pointer is
    // fine for them through the C ABI, since nothing is read.
    setup(13);
    let mut t = kind(KeyKind::U64, 8, 8);
    // SAFETY: `t` is writable.
    let r = unsafe {
        gohmap_maptype_init(
            &mut t,
            0,
            1,
            8,
            8,
            Some(hash::memhash0),
            Some(hash::memequal0),
            TYPE_REFLEXIVE_KEY,
        )
    };
    assert_eq!((r, t.bucketsize, t.keyslot), (0, 8 + 64 + 8, 0));
    let unit = ();
    // SAFETY: live map; zero-sized keys may be passed as NULL or any address.
    unsafe {
        let h = gohmap_makemap(&t, 0, std::ptr::null_mut());
        gohmap_mapassign(&t, h, std::ptr::null())
            .cast::<u64>()
            .write(1);
        gohmap_mapassign(&t, h, (&raw const unit).cast())
            .cast::<u64>()
            .write(2);
        assert_eq!(gohmap_maplen(h), 1, "one key only");
        assert_eq!(*gohmap_mapaccess1(&t, h, std::ptr::null()).cast::<u64>(), 2);
        gohmap_mapdelete(&t, h, std::ptr::null());
        assert_eq!(gohmap_maplen(h), 0);
        gohmap_mapfree(&t, h);
    }
    assert_eq!(reports_len(), 0);
}

#[test]
fn a_bad_descriptor_given_to_makemap_or_mapclone_is_reported_and_nothing_is_made() {
    setup(14);
    set_mode(Mode::Record);
    let good = kind(KeyKind::U64, 8, 8);
    let bad = mutated(|t| t.bucketsize = 136);
    let m = M::new(good, 0);
    m.set(&1u64, 1u64);
    let before = live_blocks();
    // SAFETY: descriptors are readable; the map is live.
    unsafe {
        assert!(gohmap_makemap(&bad, 0, std::ptr::null_mut()).is_null());
        assert!(gohmap_mapclone(&bad, m.h).is_null());
    }
    assert_reports(&[
        (Code::BadMapType, "gohmap_makemap: maptype.keyslot"),
        (Code::BadMapType, "gohmap_mapclone: maptype.keyslot"),
    ]);
    assert_eq!(live_blocks(), before, "nothing was allocated");
    // Other routines trust the descriptor in release builds (a full check per call would cost
    // more than a lookup); debug builds check it on every call.
    if cfg!(debug_assertions) {
        let k = 2u64;
        // SAFETY: live map; the routine refuses before touching it.
        unsafe {
            assert!(gohmap_mapassign(&bad, m.h, (&raw const k).cast()).is_null());
        }
        assert_reports(&[(Code::BadMapType, "gohmap_mapassign: maptype.keyslot")]);
        assert_eq!(m.len(), 1);
    }
}

// ---- null pointers ----

#[test]
fn null_descriptor_pointer_is_reported_by_every_routine() {
    setup(15);
    set_mode(Mode::Record);
    let t = kind(KeyKind::U64, 8, 8);
    let m = M::new(t, 0);
    m.set(&1u64, 1u64);
    let nt = std::ptr::null::<MapType>();
    let k = 1u64;
    let kp: *const c_void = (&raw const k).cast();
    let zero = [0u8; 8];
    let mut ok = true;
    let mut it = Hiter::done();
    it.key = std::ptr::NonNull::dangling().as_ptr();
    // SAFETY: every pointer but the descriptor is valid; each routine must refuse first.
    unsafe {
        assert!(gohmap_makemap(nt, 0, std::ptr::null_mut()).is_null());
        assert!(gohmap_mapclone(nt, m.h).is_null());
        assert!(gohmap_mapassign(nt, m.h, kp).is_null());
        assert!(gohmap_mapassign_fast64(nt, m.h, 1).is_null());
        assert_eq!(
            gohmap_mapaccess1(nt, m.h, kp).cast(),
            gohmap::alloc::zero_val()
        );
        assert_eq!(*gohmap_mapaccess2(nt, m.h, kp, &mut ok).cast::<u64>(), 0);
        assert!(!ok);
        assert_eq!(
            gohmap_mapaccess1_fat(nt, m.h, kp, zero.as_ptr().cast()),
            zero.as_ptr().cast_mut().cast()
        );
        assert_eq!(*gohmap_mapaccess1_fast64(nt, m.h, 1).cast::<u64>(), 0);
        gohmap_mapdelete(nt, m.h, kp);
        gohmap_mapclear(nt, m.h);
        gohmap_mapfree(nt, m.h);
        gohmap_mapiterinit(nt, m.h, &mut it);
    }
    let reports = take_reports();
    assert_eq!(reports.len(), 12, "{reports:?}");
    assert!(
        reports
            .iter()
            .all(|(c, msg)| *c == Code::BadMapType && msg.ends_with("null maptype")),
        "{reports:?}"
    );
    assert!(it.key.is_null(), "the iterator is left finished");
    assert_eq!(
        (m.len(), m.get::<u64, u64>(&1)),
        (1, Some(1)),
        "the map is untouched"
    );
    // The descriptor functions return the code instead of reporting.
    // SAFETY: null is what is being tested.
    unsafe {
        assert_eq!(gohmap_maptype_validate(nt), BAD_MAPTYPE);
        assert_eq!(
            gohmap_maptype_init_kind(std::ptr::null_mut(), 4, 8, 8),
            BAD_MAPTYPE
        );
    }
    assert!(last_error().contains("null"));
    assert_eq!(reports_len(), 0);
}

#[test]
fn nil_map_reads_as_empty_and_assignment_panics_with_gos_message() {
    setup(16);
    set_mode(Mode::Record);
    let t = kind(KeyKind::U64, 8, 8);
    let nil = std::ptr::null_mut::<Hmap>();
    let k = 1u64;
    let kp: *const c_void = (&raw const k).cast();
    let mut ok = true;
    let mut it = Hiter::done();
    // SAFETY: a nil map is a valid argument everywhere.
    unsafe {
        assert_eq!(gohmap_maplen(nil), 0);
        assert_eq!(*gohmap_mapaccess2(&t, nil, kp, &mut ok).cast::<u64>(), 0);
        assert!(!ok);
        assert!(!gohmap_mapaccess1_fast64(&t, nil, 1).is_null());
        gohmap_mapdelete(&t, nil, kp);
        gohmap_mapclear(&t, nil);
        gohmap_mapfree(&t, nil);
        assert!(gohmap_mapclone(&t, nil).is_null());
        gohmap_mapiterinit(&t, nil, &mut it);
        assert!(it.key.is_null());
        assert_eq!(
            reports_len(),
            0,
            "reads, deletes, clear, free, clone, range: no panic"
        );
        assert!(gohmap_mapassign(&t, nil, kp).is_null());
        assert!(gohmap_mapassign_fast64(&t, nil, 1).is_null());
    }
    assert_reports(&[
        (Code::NilMap, "assignment to entry in nil map"),
        (Code::NilMap, "assignment to entry in nil map"),
    ]);
}

#[test]
fn null_key_pointer_is_reported_unless_the_key_is_zero_sized() {
    setup(17);
    set_mode(Mode::Record);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&0u64, 5u64);
    let null = std::ptr::null();
    let mut ok = true;
    // SAFETY: live map; the routines must refuse the null key before reading it.
    unsafe {
        assert!(gohmap_mapassign(&m.t, m.h, null).is_null());
        assert_eq!(
            *gohmap_mapaccess2(&m.t, m.h, null, &mut ok).cast::<u64>(),
            0
        );
        assert!(!ok, "not read as key 0");
        gohmap_mapdelete(&m.t, m.h, null);
    }
    assert_reports(&[
        (Code::BadArgument, "gohmap_mapassign: null key pointer"),
        (Code::BadArgument, "gohmap_mapaccess: null key pointer"),
        (Code::BadArgument, "gohmap_mapdelete: null key pointer"),
    ]);
    assert_eq!((m.len(), m.get::<u64, u64>(&0)), (1, Some(5)));
}

#[test]
fn null_ok_pointer_in_a_comma_ok_lookup_is_allowed() {
    setup(18);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&3u64, 30u64);
    let k = 3u64;
    // SAFETY: live map; `ok` may be null.
    let v = unsafe { gohmap_mapaccess2(&m.t, m.h, (&raw const k).cast(), std::ptr::null_mut()) };
    // SAFETY: a found elem is 8 readable bytes.
    assert_eq!(unsafe { v.cast::<u64>().read_unaligned() }, 30);
    // SAFETY: as above.
    let v = unsafe { gohmap_mapaccess2_fast64(&m.t, m.h, 3, std::ptr::null_mut()) };
    // SAFETY: as above.
    assert_eq!(unsafe { v.cast::<u64>().read_unaligned() }, 30);
    assert_eq!(reports_len(), 0);
}

#[test]
fn null_zero_buffer_in_a_fat_lookup_comes_back_as_null_on_a_miss() {
    // Not checked: the `zero` argument is returned as is on a miss, as Go returns its `zero`.
    setup(19);
    let m = M::new(kind(KeyKind::U64, 2000, 8), 0);
    let (hit, miss) = (1u64, 2u64);
    // SAFETY: live map; the new elem has 2000 writable bytes.
    unsafe {
        gohmap_mapassign(&m.t, m.h, (&raw const hit).cast())
            .cast::<u8>()
            .write(7);
        let p = gohmap_mapaccess1_fat(&m.t, m.h, (&raw const hit).cast(), std::ptr::null());
        assert_eq!(*p.cast::<u8>(), 7, "a hit does not need the buffer");
        let p = gohmap_mapaccess1_fat(&m.t, m.h, (&raw const miss).cast(), std::ptr::null());
        assert!(p.is_null());
    }
    assert_eq!(reports_len(), 0);
}

#[test]
fn null_iterator_pointer_is_reported_by_mapiterinit_and_ignored_by_the_others() {
    setup(20);
    set_mode(Mode::Record);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    // SAFETY: null is what is being tested; the map is live.
    unsafe {
        gohmap_mapiterinit(&m.t, m.h, std::ptr::null_mut());
        gohmap_mapiternext(std::ptr::null_mut());
        gohmap_mapiterdone(std::ptr::null_mut());
    }
    assert_reports(&[(Code::BadArgument, "gohmap_mapiterinit: null iterator")]);
    assert_eq!(gohmap::retire::pins(m.hdr()), 0, "no pin was taken");
}

// ---- wrong routine for the descriptor ----

#[test]
fn wrong_fast_family_is_reported_and_the_map_is_unchanged() {
    setup(21);
    set_mode(Mode::Record);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    let s = GoString {
        ptr: b"x".as_ptr(),
        len: 1,
    };
    let mut ok = true;
    // SAFETY: live map; the routines must refuse before touching it.
    unsafe {
        assert!(gohmap_mapassign_fast32(&m.t, m.h, 1).is_null());
        assert!(gohmap_mapassign_faststr(&m.t, m.h, s).is_null());
        assert_eq!(
            *gohmap_mapaccess2_fast32(&m.t, m.h, 1, &mut ok).cast::<u64>(),
            0
        );
        assert!(!ok, "key 1 is there, but a u32 lookup must not find it");
        gohmap_mapdelete_fast32(&m.t, m.h, 1);
    }
    let r = take_reports();
    assert_eq!(r.len(), 4, "{r:?}");
    assert!(r.iter().all(|(c, _)| *c == Code::BadArgument));
    assert!(
        r[0].1.contains("mapassign_fast32") && r[0].1.contains("Fast64"),
        "{}",
        r[0].1
    );
    assert_eq!((m.len(), m.get::<u64, u64>(&1)), (1, Some(1)));
    // Elems over 128 bytes never take a fast routine, even with the right key.
    let big = M::new(kind(KeyKind::U64, 200, 8), 0);
    // SAFETY: live map.
    assert!(unsafe { gohmap_mapassign_fast64(&big.t, big.h, 1) }.is_null());
    assert_reports(&[(Code::BadArgument, "mapassign_fast64")]);
}

#[test]
fn elem_over_1024_bytes_with_mapaccess1_is_refused_use_the_fat_form() {
    // A miss would return the shared zero value, which is only 1024 bytes: a bigger elem would
    // be read past its end. The C ABI refuses such lookups, returning NULL, (the raw API makes it the caller's
    // precondition). Even a hit is refused, so the mistake shows on the first call.
    setup(22);
    set_mode(Mode::Record);
    let m = M::new(kind(KeyKind::U64, 2048, 8), 0);
    let k = 1u64;
    let kp: *const c_void = (&raw const k).cast();
    // SAFETY: live map; the elem has 2048 writable bytes.
    unsafe {
        gohmap_mapassign(&m.t, m.h, kp)
            .cast::<u8>()
            .add(2047)
            .write(9)
    };
    let mut ok = true;
    // SAFETY: live map.
    let p = unsafe { gohmap_mapaccess2(&m.t, m.h, kp, &mut ok) };
    assert!(
        !ok && p.is_null(),
        "NULL, not the 1024-byte shared zero value"
    );
    // SAFETY: live map.
    let p = unsafe { gohmap_mapaccess1(&m.t, m.h, kp) };
    assert!(p.is_null());
    assert_reports(&[
        (Code::BadArgument, "elem of 2048 bytes: use the _fat form"),
        (Code::BadArgument, "elem of 2048 bytes: use the _fat form"),
    ]);
    let zero = vec![0u8; 2048];
    // SAFETY: live map; `zero` has elem_size bytes.
    let p = unsafe { gohmap_mapaccess1_fat(&m.t, m.h, kp, zero.as_ptr().cast()) };
    // SAFETY: a found elem has 2048 readable bytes.
    assert_eq!(unsafe { *p.cast::<u8>().add(2047) }, 9);
    let elem_1024 = M::new(kind(KeyKind::U64, 1024, 8), 0);
    // SAFETY: live map: 1024 bytes still fit the zero value.
    unsafe { gohmap_mapaccess1(&elem_1024.t, elem_1024.h, kp) };
    assert_eq!(reports_len(), 0);
}

// ---- hints ----

#[test]
fn hint_minus_one_and_absurd_hints_are_ignored() {
    // As Go (issue 19926): a negative hint, or one whose memory would overflow, means "no hint".
    setup(23);
    let t = kind(KeyKind::U64, 8, 8);
    for hint in [-1isize, 1 << 62, isize::MAX, isize::MIN] {
        // SAFETY: validated descriptor.
        let h = unsafe { gohmap_makemap(&t, hint, std::ptr::null_mut()) };
        assert!(!h.is_null());
        // SAFETY: fresh map.
        let hdr = unsafe { &*h };
        assert_eq!(hdr.b.get(), 0, "hint {hint}");
        let k = 7u64;
        // SAFETY: live map.
        unsafe {
            gohmap_mapassign(&t, h, (&raw const k).cast())
                .cast::<u64>()
                .write(1);
            assert_eq!(gohmap_maplen(h), 1);
            gohmap_mapfree(&t, h);
        }
    }
    assert_eq!(reports_len(), 0);
}

#[test]
fn hint_that_fits_the_address_space_but_not_memory_reports_out_of_memory() {
    // 2^40 entries need 2^37 buckets (20 TB): a sane hint, so it is honoured, and the allocator
    // is asked. Here the allocator refuses, as it would on any real machine.
    setup(24);
    set_mode(Mode::Record);
    let t = kind(KeyKind::U64, 8, 8);
    fail_from(Some(1));
    // SAFETY: validated descriptor.
    let h = unsafe { gohmap_makemap(&t, 1 << 40, std::ptr::null_mut()) };
    fail_from(None);
    assert!(h.is_null());
    let r = take_reports();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, Code::OutOfMemory);
    assert!(
        r[0].1.starts_with("out of memory (allocating "),
        "{}",
        r[0].1
    );
}

// ---- use after free ----

#[test]
fn use_after_free_of_a_caller_header_sees_an_empty_map() {
    // mapfree leaves a caller-supplied header as a valid empty map that is still the caller's:
    // using it again is defined (it acts as a new map with seed 0) and a second mapfree never
    // frees caller memory.
    setup(25);
    let t = kind(KeyKind::U64, 8, 8);
    let base = live_bytes();
    let mut hdr = std::mem::MaybeUninit::<Hmap>::uninit();
    let h = hdr.as_mut_ptr();
    // SAFETY: `h` is 48 writable, aligned bytes that outlive every use below.
    unsafe {
        assert_eq!(gohmap_makemap(&t, 100, h), h);
        for k in 0..100u64 {
            gohmap_mapassign(&t, h, (&raw const k).cast())
                .cast::<u64>()
                .write(k);
        }
        gohmap_mapfree(&t, h);
        assert_eq!(live_bytes(), base, "everything the map made is freed");
        let k = 5u64;
        assert_eq!(gohmap_maplen(h), 0);
        let mut ok = true;
        gohmap_mapaccess2(&t, h, (&raw const k).cast(), &mut ok);
        assert!(!ok);
        gohmap_mapassign(&t, h, (&raw const k).cast())
            .cast::<u64>()
            .write(50);
        assert_eq!(
            *gohmap_mapaccess1(&t, h, (&raw const k).cast()).cast::<u64>(),
            50
        );
        gohmap_mapfree(&t, h);
        gohmap_mapfree(&t, h);
    }
    assert_eq!(live_bytes(), base);
}

/// The child-process switch for tests that change process-wide state (the allocator).
const CHILD_ENV: &str = "GOHMAP_BAD_INPUT_CHILD";

/// Runs `test` alone in a child process; true in the child (which then runs the body).
fn in_child_process(test: &str) -> bool {
    if std::env::var(CHILD_ENV).is_ok_and(|v| v == test) {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// An allocator that never gives memory back, so a freed header can still be read.
unsafe extern "C" fn quarantine_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: gohmap never asks for zero bytes.
    unsafe { std::alloc::alloc_zeroed(layout) }.cast()
}
unsafe extern "C" fn quarantine_free(_: *mut c_void, _: *mut c_void, _: usize, _: usize) {}

#[test]
fn use_after_free_of_an_allocated_map_is_not_detected_but_reads_a_zeroed_header() {
    // Nothing can detect it in general (the header's memory belongs to the allocator again);
    // valgrind or ASan report it. gohmap zeroes the header before freeing it, so where the
    // memory has not been reused yet, a stale reader sees an empty map instead of stale
    // buckets. Shown with an allocator that keeps freed memory mapped (in a child process,
    // since the allocator is process-wide).
    const NAME: &str =
        "use_after_free_of_an_allocated_map_is_not_detected_but_reads_a_zeroed_header";
    if MIRI || !in_child_process(NAME) {
        return;
    }
    gohmap::alloc::set_allocator(Some(&gohmap::alloc::Allocator {
        alloc: quarantine_alloc,
        free: quarantine_free,
        ctx: std::ptr::null_mut(),
    }));
    let t = kind(KeyKind::U64, 8, 8);
    // SAFETY: the header stays mapped after mapfree (quarantine), so the stale reads below
    // read memory that exists; that is the scenario.
    unsafe {
        let h = gohmap_makemap(&t, 0, std::ptr::null_mut());
        for k in 0..100u64 {
            gohmap_mapassign(&t, h, (&raw const k).cast())
                .cast::<u64>()
                .write(k);
        }
        gohmap_mapfree(&t, h);
        let bytes = std::slice::from_raw_parts(h.cast::<u8>(), size_of::<Hmap>());
        assert!(bytes.iter().all(|&b| b == 0), "{bytes:?}");
        let k = 5u64;
        assert_eq!(gohmap_maplen(h), 0);
        assert_eq!(
            *gohmap_mapaccess1(&t, h, (&raw const k).cast()).cast::<u64>(),
            0
        );
    }
}

// ---- iterators ----

/// A live iterator of `m`, started.
fn start(m: &M) -> Box<Hiter> {
    let mut it = Box::new(Hiter::done());
    // SAFETY: live map; the boxed iterator never moves.
    unsafe { gohmap_mapiterinit(&m.t, m.h, &mut *it) };
    it
}

#[test]
fn mapiternext_after_the_end_is_a_no_op() {
    setup(26);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    let mut it = start(&m);
    assert!(!it.key.is_null());
    // SAFETY: the iterator belongs to the live map.
    unsafe {
        gohmap_mapiternext(&mut *it);
        assert!(it.key.is_null());
        for _ in 0..3 {
            gohmap_mapiternext(&mut *it);
            assert!(it.key.is_null() && it.elem.is_null());
        }
    }
    assert_eq!(
        gohmap::retire::pins(m.hdr()),
        0,
        "the end released the pin once"
    );
    assert_eq!(reports_len(), 0);
}

#[test]
fn mapiterinit_on_a_running_iterator_abandons_its_pin_until_clear_or_free() {
    // The iterator is caller memory that mapiterinit overwrites without reading (it need not be
    // initialised), so the old iteration's pin is never released: memory the map drops is kept
    // until the next clear or free, as for any iteration abandoned without mapiterdone. Nothing
    // leaks.
    setup(27);
    let base = live_bytes();
    {
        let m = M::new(kind(KeyKind::U64, 8, 8), 0);
        for k in 0..20u64 {
            m.set(&k, k);
        }
        let mut it = start(&m);
        assert_eq!(gohmap::retire::pins(m.hdr()), 1);
        // SAFETY: live map; re-initialising a running iterator is the misuse under test.
        unsafe { gohmap_mapiterinit(&m.t, m.h, &mut *it) };
        assert_eq!(
            gohmap::retire::pins(m.hdr()),
            2,
            "the first pin is orphaned"
        );
        while !it.key.is_null() {
            // SAFETY: the iterator belongs to the live map.
            unsafe { gohmap_mapiternext(&mut *it) };
        }
        assert_eq!(
            gohmap::retire::pins(m.hdr()),
            1,
            "only the second is released"
        );
        m.clear();
        assert_eq!(
            gohmap::retire::pins(m.hdr()),
            0,
            "clear forgets orphaned pins"
        );
        let _it2 = start(&m); // an empty map: nothing is pinned
        m.set(&1u64, 1u64);
        let _abandoned = start(&m);
    }
    assert_eq!(live_bytes(), base, "free releases what abandoned pins kept");
}

#[test]
fn mapiterdone_twice_releases_the_pin_once() {
    setup(28);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for k in 0..20u64 {
        m.set(&k, k);
    }
    let mut a = start(&m);
    let mut b = start(&m);
    assert_eq!(gohmap::retire::pins(m.hdr()), 2);
    // SAFETY: both iterators belong to the live map.
    unsafe {
        gohmap_mapiterdone(&mut *a);
        gohmap_mapiterdone(&mut *a);
        gohmap_mapiternext(&mut *a);
        assert!(a.key.is_null(), "a finished iterator stays finished");
        assert_eq!(gohmap::retire::pins(m.hdr()), 1, "b still holds its pin");
        let mut n = 0;
        while !b.key.is_null() {
            n += 1;
            gohmap_mapiternext(&mut *b);
        }
        assert_eq!(n, 20, "b was not disturbed");
        gohmap_mapiterdone(&mut *b);
    }
    assert_eq!(gohmap::retire::pins(m.hdr()), 0);
}

// ---- callbacks that break their contract ----

unsafe extern "C-unwind" fn unstable_hash(p: *const c_void, seed: usize) -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    // SAFETY: p points at a u64 key.
    let h = unsafe { hash::memhash64(p, seed) };
    h ^ CALLS
        .fetch_add(1, Ordering::Relaxed)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[test]
fn a_hasher_that_is_not_a_function_of_the_key_makes_duplicate_entries() {
    // Not detectable (the map cannot tell a bad hash from a collision): equal keys land in
    // different buckets and are stored many times, and lookups miss them, as in Go.
    setup(29);
    let t = MapType::new(
        8,
        8,
        8,
        8,
        unstable_hash,
        hash::memequal64,
        TYPE_REFLEXIVE_KEY,
    )
    .unwrap();
    let m = M::new(t, 0);
    for _ in 0..100 {
        m.set(&7u64, 7u64);
    }
    assert!(m.len() > 1, "len {}", m.len());
    assert_eq!(
        m.get::<u64, u64>(&7),
        None,
        "a lookup hashes elsewhere again"
    );
}
