//! One test per behaviour of the spec's edge-case sections (§4) and per applicable row of its
//! table of Go's own map tests (§6), named after the behaviour. Iteration rows live in the
//! iteration tests.

mod common;

use std::ffi::c_void;

use common::*;
use gohmap::consts::*;
use gohmap::hash::{self, GoString};
use gohmap::panic::Code;
use gohmap::{Hmap, KeyKind, MapType, raw};

// ---- layout (TestHmapSize and §2) ----

#[test]
fn hmap_is_48_bytes_with_count_at_offset_0() {
    assert_eq!(size_of::<Hmap>(), 48);
    assert_eq!(std::mem::offset_of!(Hmap, count), 0);
    assert_eq!(std::mem::offset_of!(Hmap, flags), 8);
    assert_eq!(std::mem::offset_of!(Hmap, b), 9);
    assert_eq!(std::mem::offset_of!(Hmap, noverflow), 10);
    assert_eq!(std::mem::offset_of!(Hmap, hash0), 12);
    assert_eq!(std::mem::offset_of!(Hmap, buckets), 16);
    assert_eq!(std::mem::offset_of!(Hmap, oldbuckets), 24);
    assert_eq!(std::mem::offset_of!(Hmap, nevacuate), 32);
    assert_eq!(std::mem::offset_of!(Hmap, extra), 40);
}

#[test]
fn bucket_sizes_match_go_for_every_table_row() {
    // (key size, key align, elem size, elem align, bucketsize, flags) from spec §2.3.
    let rows = [
        (8, 8, 8, 8, 144, 4),
        (4, 4, 4, 4, 80, 4),
        (200, 1, 8, 8, 144, 5),
        (0, 1, 0, 1, 16, 4),
        (8, 8, 1, 1, 88, 4),
        (1, 1, 8, 8, 88, 4),
        (1, 1, 1, 1, 32, 4),
        (2, 2, 1, 1, 40, 4),
        (3, 1, 1, 1, 48, 4),
        (128, 1, 128, 1, 2064, 4),
        (129, 1, 129, 1, 144, 7),
        (8, 8, 4000, 8, 144, 6),
        (8, 8, 24, 8, 272, 4),
        (0, 1, 8, 8, 80, 4),
        (8, 8, 0, 1, 80, 4),
    ];
    for (ks, ka, es, ea, bs, fl) in rows {
        let t = MapType::new(
            ks,
            ka,
            es,
            ea,
            hash::memhash0,
            hash::memequal0,
            TYPE_REFLEXIVE_KEY,
        )
        .unwrap();
        assert_eq!((t.bucketsize, t.flags), (bs, fl), "key {ks} elem {es}");
        assert_eq!(t.validate(), Ok(()));
    }
    assert_eq!(kind(KeyKind::String, 8, 8).bucketsize, 208);
    assert_eq!(kind(KeyKind::String, 8, 8).flags, 12);
    assert_eq!(kind(KeyKind::F32, 8, 8).bucketsize, 112);
    assert_eq!(kind(KeyKind::F64, 8, 8).flags, 8);
    assert_eq!(kind(KeyKind::C128, 8, 8).bucketsize, 208);
}

// ---- bad descriptors ----

#[test]
fn bad_descriptor_is_refused_with_its_reason() {
    use gohmap::MapTypeError as E;
    let mk = |ks, ka, es, ea, f| MapType::new(ks, ka, es, ea, hash::memhash64, hash::memequal64, f);
    assert_eq!(mk(8, 3, 8, 8, 0).unwrap_err(), E::KeyAlign);
    assert_eq!(mk(8, 16, 8, 8, 0).unwrap_err(), E::KeyAlign);
    assert_eq!(mk(8, 8, 8, 4096, 0).unwrap_err(), E::ElemAlign);
    assert_eq!(mk(6, 4, 8, 8, 0).unwrap_err(), E::KeySizeAlign);
    assert_eq!(mk(8, 8, 6, 4, 0).unwrap_err(), E::ElemSizeAlign);
    assert_eq!(mk(8, 8, 8, 8, 1).unwrap_err(), E::KeyFlags);
    assert_eq!(mk(8, 8, 8, 8, 64).unwrap_err(), E::KeyFlags);
    assert_eq!(mk(1 << 41, 8, 8, 8, 0).unwrap_err(), E::KeyTooBig);
    assert_eq!(mk(8, 8, 1 << 41, 8, 0).unwrap_err(), E::ElemTooBig);
    assert!(E::KeyAlign.to_string().contains("key_align"));
    unsafe extern "C-unwind" fn h3(_: *const c_void, s: usize, _: *mut c_void) -> usize {
        s
    }
    unsafe extern "C-unwind" fn e3(_: *const c_void, _: *const c_void, _: *mut c_void) -> bool {
        true
    }
    let null_ctx = MapType::with_ctx(8, 8, 8, 8, h3, e3, std::ptr::null_mut(), 0);
    assert_eq!(
        null_ctx.unwrap_err(),
        E::NullCtx,
        "a null ctx would mean two-argument calls"
    );

    let good = kind(KeyKind::U64, 8, 8);
    let mut t = good;
    t.hasher = None;
    assert_eq!(t.validate(), Err(E::NoHasher));
    let mut t = good;
    t.equal = None;
    assert_eq!(t.validate(), Err(E::NoEqual));
    let mut t = good;
    t.bucketsize += 8;
    assert_eq!(t.validate(), Err(E::Derived));
    let mut t = good;
    t.flags |= TYPE_INDIRECT_KEY;
    assert_eq!(t.validate(), Err(E::Derived));
    let mut t = good;
    t.kind = KeyKind::U32 as u8;
    assert_eq!(t.validate(), Err(E::Kind));
    let mut t = good;
    t.kind = 99;
    assert_eq!(t.validate(), Err(E::Kind));
    let mut t = good;
    t.fast = 3;
    assert_eq!(t.validate(), Err(E::Fast));
    let mut t = good;
    t.reserved[1] = 1;
    assert_eq!(t.validate(), Err(E::Reserved));
    let mut t = kind(KeyKind::U64, 200, 8);
    t.fast = 2;
    assert_eq!(
        t.validate(),
        Err(E::Fast),
        "elems over 128 bytes never take a fast path"
    );
}

#[test]
fn fast_family_follows_key_kind_and_elem_size() {
    use gohmap::FastFamily as F;
    assert_eq!(kind(KeyKind::U32, 8, 8).fast_family(), F::Fast32);
    assert_eq!(kind(KeyKind::U64, 128, 8).fast_family(), F::Fast64);
    assert_eq!(kind(KeyKind::Ptr, 8, 8).fast_family(), F::Fast64);
    assert_eq!(kind(KeyKind::String, 8, 8).fast_family(), F::FastStr);
    assert_eq!(kind(KeyKind::U64, 129, 1).fast_family(), F::None);
    assert_eq!(kind(KeyKind::F64, 8, 8).fast_family(), F::None);
    assert_eq!(kind(KeyKind::U16, 8, 8).fast_family(), F::None);
    let t = MapType::new(
        4,
        1,
        8,
        8,
        hash::memhash32,
        hash::memequal32,
        TYPE_REFLEXIVE_KEY,
    )
    .unwrap();
    // Recognised by function address: unique for a function compiled once (always, natively),
    // but Miri deliberately varies addresses; there the check can only miss (refuse the fast
    // routines), never admit a wrong descriptor.
    if !MIRI {
        assert_eq!(
            t.fast_family(),
            F::Fast32,
            "a [4]byte key with memhash32 is fast32 however built"
        );
    }
}

// ---- nil map (§4.1, test/nil.go) ----

#[test]
fn nil_map_reads_zero_deletes_nothing_and_refuses_assignment() {
    setup(1);
    let t = kind(KeyKind::U64, 8, 8);
    let nil = std::ptr::null_mut::<Hmap>();
    let k = 7u64;
    // SAFETY: a nil map is a valid argument to every routine.
    unsafe {
        assert_eq!(raw::maplen(nil), 0);
        let p = raw::mapaccess1(&t, nil, (&k as *const u64).cast());
        assert_eq!(*p.cast::<u64>(), 0);
        assert!(!raw::mapaccess2(&t, nil, (&k as *const u64).cast()).1);
        raw::mapdelete(&t, nil, (&k as *const u64).cast());
        raw::mapclear(&t, nil);
        raw::mapfree(&t, nil);
        let r = catch(|| raw::mapassign(&t, nil, (&k as *const u64).cast())).unwrap_err();
        assert_eq!(
            (r.code, r.msg.as_str()),
            (Code::NilMap, "assignment to entry in nil map")
        );
        set_mode(Mode::Record);
        assert!(raw::mapassign(&t, nil, (&k as *const u64).cast()).is_null());
    }
}

// ---- NaN keys (§4.2, TestMapAssignmentNan, TestMapOperatorAssignmentNan, testnan) ----

#[test]
fn nan_key_assignment_always_creates_a_new_entry() {
    setup(2);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    for v in [1u64, 2, 4] {
        m.set(&f64::NAN, v);
    }
    assert_eq!(m.len(), 3);
    assert_eq!(
        m.get::<f64, u64>(&f64::NAN),
        None,
        "a NaN lookup always misses"
    );
    m.del(&f64::NAN);
    assert_eq!(m.len(), 3, "a NaN delete removes nothing");
    let entries = dump(&m.t, m.h);
    let mut or = 0;
    for (k, v) in entries {
        assert!(f64::from_le_bytes(k.try_into().unwrap()).is_nan());
        let v = u64::from_le_bytes(v.try_into().unwrap());
        assert_eq!(v.count_ones(), 1);
        or |= v;
    }
    assert_eq!(or, 7);
}

#[test]
fn nan_key_operator_assignment_starts_each_entry_at_zero() {
    setup(3);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    for v in [1u64, 2, 4] {
        let p = m.slot::<f64, u64>(&f64::NAN);
        // SAFETY: p is the fresh entry's elem.
        unsafe {
            assert_eq!(p.read_unaligned(), 0);
            p.write_unaligned(p.read_unaligned() + v);
        }
    }
    assert_eq!(m.len(), 3);
}

#[test]
fn five_hundred_nan_keys_make_five_hundred_entries_across_growth() {
    setup(4);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    let n = scaled(500, 60);
    for _ in 0..n {
        m.set(&f64::NAN, 1u64);
        m.check();
    }
    assert_eq!(m.len(), n);
    assert!(
        MIRI || m.hdr().b.get() >= 6,
        "NaNs spread over buckets and grow the map"
    );
    assert_eq!(dump(&m.t, m.h).len(), n);
}

// ---- +0 / -0 (§4.3, TestNegativeZero, test/map.go testfloat) ----

fn stored_f64_keys(m: &M) -> Vec<f64> {
    dump(&m.t, m.h)
        .into_iter()
        .map(|(k, _)| f64::from_le_bytes(k.try_into().unwrap()))
        .collect()
}

#[test]
fn negative_zero_is_the_same_key_and_assignment_rewrites_the_stored_key() {
    setup(5);
    let m = M::new(kind(KeyKind::F64, 1, 1), 0);
    m.set(&0.0f64, 1u8);
    m.set(&-0.0f64, 1u8);
    assert_eq!(m.len(), 1);
    assert!(
        stored_f64_keys(&m)[0].is_sign_negative(),
        "+0 then -0 leaves -0"
    );

    let m = M::new(kind(KeyKind::F64, 1, 1), 0);
    m.set(&-0.0f64, 1u8);
    m.set(&0.0f64, 1u8);
    assert_eq!(m.len(), 1);
    assert!(
        stored_f64_keys(&m)[0].is_sign_positive(),
        "-0 then +0 leaves +0"
    );
}

#[test]
fn float_keys_equal_for_reads_and_writes_but_nans_never_match() {
    setup(6);
    for k in [KeyKind::F32, KeyKind::F64, KeyKind::C64, KeyKind::C128] {
        let size = MapType::for_kind(k, 8, 8).unwrap().key_size;
        let m = M::new(kind(k, 8, 8), 0);
        let key = |f: f64| -> [u8; 16] {
            let mut b = [0u8; 16];
            match size {
                4 => b[..4].copy_from_slice(&(f as f32).to_le_bytes()),
                8 if k == KeyKind::C64 => {
                    b[..4].copy_from_slice(&0f32.to_le_bytes());
                    b[4..8].copy_from_slice(&(f as f32).to_le_bytes());
                }
                8 => b[..8].copy_from_slice(&f.to_le_bytes()),
                _ => b[8..16].copy_from_slice(&f.to_le_bytes()),
            }
            b
        };
        let (pz, nz, nan) = (key(0.0), key(-0.0), key(f64::NAN));
        m.set(&pz, 1u64);
        m.set(&nan, 2u64);
        m.set(&nan, 3u64);
        assert_eq!(m.get::<_, u64>(&nz), Some(1), "{k:?}: -0 reads +0's entry");
        m.set(&nz, 4u64);
        assert_eq!(m.get::<_, u64>(&pz), Some(4), "{k:?}: -0 writes +0's entry");
        assert_eq!(m.get::<_, u64>(&nan), None, "{k:?}: NaN never found");
        assert_eq!(m.len(), 3, "{k:?}");
        m.set(&nan, 5u64);
        assert_eq!(m.len(), 4, "{k:?}");
    }
}

// ---- zero-sized keys and elems (§4.6, TestEmptyKeyAndValue, gcc61258) ----

#[test]
fn zero_sized_keys_and_elems_behave_as_go() {
    setup(7);
    let unit_elem = M::new(kind(KeyKind::U64, 0, 1), 4);
    // SAFETY: live map.
    let p = unsafe { raw::mapassign(&unit_elem.t, unit_elem.h, (&0u64 as *const u64).cast()) };
    assert!(!p.is_null(), "a zero-sized elem still gets a non-null slot");
    assert_eq!(unit_elem.len(), 1);
    assert!(unit_elem.get::<u64, ()>(&0).is_some());

    let t = MapType::new(
        0,
        1,
        8,
        8,
        hash::memhash0,
        hash::memequal0,
        TYPE_REFLEXIVE_KEY,
    )
    .unwrap();
    let unit_key = M::new(t, 4);
    unit_key.set(&(), 0u64);
    unit_key.set(&(), 1u64);
    assert_eq!((unit_key.len(), unit_key.get::<(), u64>(&())), (1, Some(1)));
    unit_key.del(&());
    assert_eq!(
        unit_key.len(),
        0,
        "deleting the zero-size key works (gcc61258)"
    );

    let t = MapType::new(
        0,
        1,
        0,
        1,
        hash::memhash0,
        hash::memequal0,
        TYPE_REFLEXIVE_KEY,
    )
    .unwrap();
    assert_eq!(t.bucketsize, 16);
    let both = M::new(t, 4);
    both.set(&(), ());
    both.set(&(), ());
    assert_eq!(both.len(), 1);
    both.check();
}

// ---- big keys and elems (§4.7, TestBigItems, TestMapLargeKeyNoPointer, ...ValNoPointer, bigmap.go) ----

unsafe extern "C-unwind" fn strings256_hash(p: *const c_void, mut seed: usize) -> usize {
    for i in 0..256 {
        // SAFETY: p points at [GoString; 256].
        seed = unsafe { hash::strhash(p.cast::<GoString>().add(i).cast(), seed) };
    }
    seed
}
unsafe extern "C-unwind" fn strings256_eq(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: both point at [GoString; 256].
    (0..256).all(|i| unsafe {
        hash::strequal(
            a.cast::<GoString>().add(i).cast(),
            b.cast::<GoString>().add(i).cast(),
        )
    })
}

#[test]
fn big_string_array_keys_and_elems_are_stored_out_of_line() {
    setup(8);
    let t = MapType::new(
        4096,
        8,
        4096,
        8,
        strings256_hash,
        strings256_eq,
        TYPE_REFLEXIVE_KEY | TYPE_NEED_KEY_UPDATE,
    )
    .unwrap();
    assert_eq!((t.flags, t.bucketsize), (15, 144));
    let m = M::new(t, 4);
    let foo = b"foo";
    let names: Vec<String> = (0..scaled(100, 12))
        .map(|i| format!("string{i:02}"))
        .collect();
    let mk = |s: &str| -> [GoString; 256] {
        let mut a = [GoString {
            ptr: foo.as_ptr(),
            len: 3,
        }; 256];
        a[37] = GoString {
            ptr: s.as_ptr(),
            len: s.len() as isize,
        };
        a
    };
    for n in &names {
        m.set(&mk(n), mk(n));
    }
    m.check();
    let mut ks: Vec<String> = vec![];
    let mut vs: Vec<String> = vec![];
    for (k, v) in dump(&m.t, m.h) {
        let s = |b: &[u8]| {
            let g = common::layouts::read_header(&b[37 * 16..]);
            // SAFETY: the header points into `names`, alive for the test.
            String::from_utf8(unsafe { std::slice::from_raw_parts(g.ptr, 8) }.to_vec()).unwrap()
        };
        ks.push(s(&k));
        vs.push(s(&v));
    }
    ks.sort();
    vs.sort();
    assert_eq!(ks, names);
    assert_eq!(vs, names);
}

/// `memhash` of the key size carried in `ctx`, so one hasher serves every key size.
unsafe extern "C-unwind" fn memhash_ctx(p: *const c_void, s: usize, ctx: *mut c_void) -> usize {
    // SAFETY: ctx carries the key size; p points at a key of that size.
    unsafe { hash::memhash(p, s, ctx.addr()) }
}

/// Byte equality of two keys of the size carried in `ctx`.
unsafe extern "C-unwind" fn memequal_ctx(
    a: *const c_void,
    b: *const c_void,
    ctx: *mut c_void,
) -> bool {
    // SAFETY: as above, for both keys.
    unsafe { hash::memequal(a, b, ctx.addr()) }
}

/// A delete frees the entry's out-of-line key and elem objects, each once, and only those: the
/// blocks held go back to the map's own after every key is deleted. (An earlier edit of
/// `delete::remove` took the elem's address instead of its slot's for out-of-line elems, wrote
/// null into the elem's bytes and freed whatever its first word held.)
#[test]
fn deletes_free_each_out_of_line_key_and_elem_once() {
    setup(23);
    for (ks, es) in [(200usize, 8usize), (8, 200), (200, 200)] {
        let t = MapType::with_ctx(
            ks,
            8,
            es,
            8,
            memhash_ctx,
            memequal_ctx,
            std::ptr::without_provenance_mut(ks),
            TYPE_REFLEXIVE_KEY,
        )
        .unwrap();
        assert_eq!(
            (t.indirect_key(), t.indirect_elem()),
            (ks > 128, es > 128),
            "sizes over 128 bytes are stored out of line"
        );
        let m = M::new(t, 0);
        let n = 40usize;
        let key = |i: usize| {
            let mut k = vec![0u8; ks];
            k[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            k
        };
        for i in 0..n {
            // SAFETY: live map; key and elem of the declared sizes. Every elem byte is set, so
            // an elem read as a pointer would be wild.
            unsafe {
                let p = raw::mapassign(&m.t, m.h, key(i).as_ptr());
                std::ptr::write_bytes(p, 0xa5, es);
            }
        }
        let blocks_full = live_blocks();
        for i in (0..n).step_by(2) {
            // SAFETY: live map, key of the declared size.
            unsafe { raw::mapdelete(&m.t, m.h, key(i).as_ptr()) };
        }
        m.check();
        for i in 0..n {
            // SAFETY: live map, key of the declared size.
            let (p, ok) = unsafe { raw::mapaccess2(&m.t, m.h, key(i).as_ptr()) };
            assert_eq!(ok, i % 2 == 1, "key {i}");
            if ok {
                // SAFETY: a found elem has es bytes.
                let v = unsafe { std::slice::from_raw_parts(p, es) };
                assert!(v.iter().all(|&b| b == 0xa5), "elem {i} intact");
            }
        }
        for i in (1..n).step_by(2) {
            // SAFETY: live map, key of the declared size.
            unsafe { raw::mapdelete(&m.t, m.h, key(i).as_ptr()) };
        }
        let objects = n as i64 * (i64::from(ks > 128) + i64::from(es > 128));
        assert!(objects > 0);
        assert!(
            live_blocks() <= blocks_full - objects,
            "{ks}/{es}: {} blocks held with the map empty, {blocks_full} when full, {objects} objects",
            live_blocks()
        );
    }
}

#[test]
fn large_pointer_free_keys_and_elems_survive_many_inserts() {
    setup(9);
    let n = scaled(1000, 50);
    unsafe extern "C-unwind" fn h512(p: *const c_void, s: usize) -> usize {
        // SAFETY: p points at a 512-byte key.
        unsafe { hash::memhash(p, s, 512) }
    }
    unsafe extern "C-unwind" fn e512(a: *const c_void, b: *const c_void) -> bool {
        // SAFETY: both point at 512-byte keys.
        unsafe { hash::memequal(a, b, 512) }
    }
    let km = M::new(
        MapType::new(512, 8, 8, 8, h512, e512, TYPE_REFLEXIVE_KEY).unwrap(),
        0,
    );
    let vm = M::new(kind(KeyKind::U64, 512, 8), 0);
    let big = |i: usize| -> [u64; 64] { std::array::from_fn(|j| (i + j) as u64) };
    for i in 0..n {
        km.set(&big(i), i as u64);
        vm.set(&(i as u64), big(i));
    }
    km.check();
    vm.check();
    for i in 0..n {
        assert_eq!(km.get::<_, u64>(&big(i)), Some(i as u64));
        assert_eq!(vm.get::<_, [u64; 64]>(&(i as u64)), Some(big(i)));
    }
}

#[test]
fn inline_and_out_of_line_storage_for_every_size_mix() {
    setup(10);
    for (ks, es) in [
        (1, 1),
        (100, 1),
        (1, 100),
        (1000, 1),
        (1, 1000),
        (1000, 1000),
        (200, 1),
        (1, 200),
        (200, 200),
    ] {
        let mut t = MapType::new(
            ks,
            1,
            es,
            1,
            hash::memhash0,
            hash::memequal0,
            TYPE_REFLEXIVE_KEY,
        )
        .unwrap();
        // A hasher over `ks` bytes through ctx, so every size works with one function.
        unsafe extern "C-unwind" fn h(p: *const c_void, s: usize, ctx: *mut c_void) -> usize {
            // SAFETY: ctx carries the key size.
            unsafe { hash::memhash(p, s, ctx.addr()) }
        }
        unsafe extern "C-unwind" fn e(
            a: *const c_void,
            b: *const c_void,
            ctx: *mut c_void,
        ) -> bool {
            // SAFETY: as above.
            unsafe {
                std::slice::from_raw_parts(a.cast::<u8>(), ctx.addr())
                    == std::slice::from_raw_parts(b.cast::<u8>(), ctx.addr())
            }
        }
        t = MapType::with_ctx(
            ks,
            1,
            es,
            1,
            h,
            e,
            std::ptr::without_provenance_mut(ks),
            t.flags & TYPE_KEY_FLAGS,
        )
        .unwrap();
        let m = M::new(t, 0);
        let (mut k0, mut k1) = (vec![0u8; ks], vec![0u8; ks]);
        k1[0] = 1;
        let (mut v1, mut v2) = (vec![0u8; es], vec![0u8; es]);
        v1[0] = 1;
        v2[0] = 2;
        for (k, v) in [(&mut k0, &v1), (&mut k1, &v2)] {
            // SAFETY: live map, key and elem of the declared sizes.
            unsafe {
                let p = raw::mapassign(&m.t, m.h, k.as_ptr());
                std::ptr::copy_nonoverlapping(v.as_ptr(), p, es);
            }
        }
        for (k, v) in [(&k0, &v1), (&k1, &v2)] {
            let zero = vec![0u8; es];
            // SAFETY: as above; the zero buffer covers elems over 1024 bytes.
            let (p, ok) =
                unsafe { raw::mapaccess2_fat(&m.t, m.h, k.as_ptr(), zero.as_ptr() as *mut u8) };
            assert!(ok);
            // SAFETY: p has es bytes.
            let got = unsafe { std::slice::from_raw_parts(p, es) };
            assert_eq!(got, &v[..], "key {ks} elem {es}");
        }
        m.check();
    }
}

#[test]
fn huge_elem_miss_returns_the_callers_zero_buffer() {
    setup(11);
    let m = M::new(kind(KeyKind::U64, 4000, 8), 0);
    let zero = vec![0u8; 4000];
    let k = 0u64;
    // SAFETY: live map; zero covers the elem.
    unsafe {
        let p = raw::mapaccess1_fat(
            &m.t,
            m.h,
            (&k as *const u64).cast(),
            zero.as_ptr() as *mut u8,
        );
        assert_eq!(p, zero.as_ptr() as *mut u8);
        let (p, ok) = raw::mapaccess2_fat(
            &m.t,
            m.h,
            (&k as *const u64).cast(),
            zero.as_ptr() as *mut u8,
        );
        assert!(!ok && std::ptr::eq(p, zero.as_ptr()));
        let (p, ok) = raw::mapaccess2(&m.t, m.h, (&k as *const u64).cast());
        assert!(!ok && p == gohmap::alloc::zero_val());
    }
}

// ---- sizes and hints (§3.1, §4.8, TestMapBuckets, TestIgnoreBogusMapHint) ----

#[test]
fn hint_picks_the_smallest_b_that_is_not_overloaded() {
    setup(12);
    let t = kind(KeyKind::U64, 8, 8);
    for (hint, b) in [
        (0, 0),
        (8, 0),
        (9, 1),
        (13, 1),
        (14, 2),
        (26, 2),
        (27, 3),
        (52, 3),
        (53, 4),
        (104, 4),
        (105, 5),
        (208, 5),
        (209, 6),
        (416, 6),
        (1 << 20, 18),
    ] {
        if MIRI && hint > 416 {
            continue; // a 40 MB zeroed array takes minutes under Miri
        }
        let m = M::new(t, hint);
        assert_eq!(m.hdr().b.get(), b, "hint {hint}");
        assert_eq!(
            m.hdr().buckets.get().is_null(),
            b == 0,
            "hint {hint}: buckets made eagerly only for B > 0"
        );
    }
}

#[test]
fn bogus_hints_are_ignored() {
    setup(13);
    let t = kind(KeyKind::U64, 8, 8);
    for hint in [-1isize, 1 << 62, isize::MIN, isize::MAX] {
        let m = M::new(t, hint);
        assert_eq!(m.hdr().b.get(), 0, "hint {hint}");
        m.set(&1u64, 1u64);
    }
}

#[test]
fn bucket_count_after_n_inserts_matches_go() {
    setup(14);
    let t = kind(KeyKind::U64, 8, 8);
    for (n, buckets) in [
        (-(1 << 30), 1usize),
        (-1, 1),
        (0, 1),
        (1, 1),
        (8, 1),
        (9, 2),
        (13, 2),
        (14, 4),
        (26, 4),
    ] {
        for hint in [0, n] {
            let m = M::new(t, hint);
            for i in 0..n.max(0) as u64 {
                m.set(&i, i);
            }
            assert_eq!(1usize << m.hdr().b.get(), buckets, "n {n} hint {hint}");
            if buckets > 1 {
                assert!(!m.hdr().buckets.get().is_null());
            }
        }
    }
}

#[test]
fn growth_starts_at_go_counts_and_small_grows_finish_in_the_same_insert() {
    setup(15);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let mut starts = vec![];
    let mut b = 0;
    for i in 0..1700u64 {
        m.set(&i, i);
        let h = m.hdr();
        if h.b.get() != b {
            starts.push(i + 1);
            b = h.b.get();
            assert_eq!(h.growing(), b >= 3, "count {}: B={b}", i + 1);
        }
    }
    assert_eq!(starts, [9, 14, 27, 53, 105, 209, 417, 833, 1665]);
}

#[test]
fn updates_never_grow_the_map() {
    setup(16);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..8u64 {
        m.set(&i, i);
    }
    for r in 0..100u64 {
        for i in 0..8u64 {
            m.set(&i, r);
        }
    }
    assert_eq!((m.hdr().b.get(), m.hdr().growing()), (0, false));
}

// ---- caller-provided memory (§3.1.3, TestNonEscapingMap) ----

#[test]
fn caller_header_and_bucket_make_a_map_that_allocates_nothing() {
    setup(17);
    let t = kind(KeyKind::U64, 8, 8);
    let mut hdr = std::mem::MaybeUninit::<Hmap>::uninit();
    let hp = hdr.as_mut_ptr();
    // Garbage in the caller's header must not matter.
    // SAFETY: 48 writable bytes.
    unsafe { std::ptr::write_bytes(hp.cast::<u8>(), 0xab, 48) };
    let mut bucket = vec![0xcdu64; t.bucketsize as usize / 8];
    let before = allocs();
    // SAFETY: header and bucket outlive the map.
    let h = unsafe { raw::makemap_with_bucket(&t, 8, hp, bucket.as_mut_ptr().cast()) };
    assert_eq!(h, hp);
    // SAFETY: h is live.
    unsafe {
        assert!(
            !(*h).buckets.get().is_null(),
            "the first bucket is there from the start"
        )
    };
    for i in 0..8u64 {
        // SAFETY: live map.
        unsafe { *raw::mapassign(&t, h, (&i as *const u64).cast()).cast::<u64>() = i };
    }
    assert_eq!(
        allocs(),
        before,
        "up to 8 entries in a caller map allocate nothing"
    );
    assert_invariants(&t, h);
    for i in 8..200u64 {
        // SAFETY: live map; growth leaves the caller's bucket behind without freeing it.
        unsafe { *raw::mapassign(&t, h, (&i as *const u64).cast()).cast::<u64>() = i };
    }
    assert_invariants(&t, h);
    // SAFETY: freed once; the header and bucket are ours (the test allocator would abort on a
    // free of memory it did not allocate).
    unsafe { raw::mapfree(&t, h) };
    assert_eq!(live_blocks(), 0);
}

// ---- elems of new entries start at zero (§4.10, TestIncrementAfterDelete*, issue 25936) ----

#[test]
fn increment_after_delete_starts_from_zero() {
    setup(18);
    let m = M::new(kind(KeyKind::U64, 4, 4), 0);
    m.set(&12u64, 99u32);
    m.del(&12u64);
    let p = m.slot::<u64, u32>(&13);
    // SAFETY: fresh entry.
    unsafe { *p += 1 };
    assert_eq!(m.get::<u64, u32>(&13), Some(1));

    let s = M::new(kind(KeyKind::String, 16, 8), 0);
    let (empty, x) = (
        GoString {
            ptr: std::ptr::null(),
            len: 0,
        },
        GoString {
            ptr: b"x".as_ptr(),
            len: 1,
        },
    );
    s.set(
        &empty,
        GoString {
            ptr: b"99".as_ptr(),
            len: 2,
        },
    );
    s.del(&empty);
    let p = s.slot::<GoString, GoString>(&x);
    // SAFETY: fresh entry: an empty string header.
    let g = unsafe { p.read_unaligned() };
    assert!(
        g.ptr.is_null() && g.len == 0,
        "the reused cell's elem is an empty string"
    );
}

#[test]
fn increment_after_bulk_clear_starts_from_zero() {
    setup(19);
    let m = M::new(kind(KeyKind::String, 8, 8), 0);
    let x = GoString {
        ptr: b"x".as_ptr(),
        len: 1,
    };
    m.set(&x, 5u64);
    m.clear();
    let p = m.slot::<GoString, u64>(&x);
    // SAFETY: fresh entry.
    unsafe { *p += 1 };
    assert_eq!(m.get::<GoString, u64>(&x), Some(1));
}

/// A delete zeroes the elem (I5) and, for keys that may hold a pointer (string headers,
/// pointers, custom keys), the key too, so a collector scanning bucket memory finds no dead
/// object through an empty cell. Number keys are left in their empty cells, as Go leaves keys
/// without pointers, and a stale one is never found again.
#[test]
fn a_delete_zeroes_the_elem_and_every_key_that_may_hold_a_pointer() {
    setup(21);
    /// The key and elem bytes of the lone bucket of a B = 0 map.
    fn slots(m: &M) -> (Vec<u8>, Vec<u8>) {
        assert_eq!(m.hdr().b.get(), 0);
        let b = m.hdr().buckets.get().cast_const();
        let (ks, es) = (usize::from(m.t.keyslot) * 8, usize::from(m.t.elemslot) * 8);
        // SAFETY: the live lone bucket: 8 tophash bytes, then the key slots, then the elems.
        unsafe {
            (
                std::slice::from_raw_parts(b.add(8), ks).to_vec(),
                std::slice::from_raw_parts(b.add(8 + ks), es).to_vec(),
            )
        }
    }
    let words = ["alpha", "beta", "gamma", "delta", "epsilon"];
    let strings: Vec<GoString> = words
        .iter()
        .map(|w| GoString {
            ptr: w.as_ptr(),
            len: w.len() as isize,
        })
        .collect();
    let s = M::new(kind(KeyKind::String, 8, 8), 0);
    let p = M::new(kind(KeyKind::Ptr, 8, 8), 0);
    let n = M::new(kind(KeyKind::U64, 8, 8), 0);
    for (i, g) in strings.iter().enumerate() {
        s.set(g, 7u64);
        p.set(&(g.ptr as usize), 7u64);
        n.set(&(i as u64 + 1), 7u64);
    }
    for (i, g) in strings.iter().enumerate() {
        s.del(g);
        p.del(&(g.ptr as usize));
        n.del(&(i as u64 + 1));
    }
    for (m, name) in [(&s, "string"), (&p, "pointer")] {
        let (keys, elems) = slots(m);
        assert!(keys.iter().all(|&x| x == 0), "{name} keys zeroed");
        assert!(elems.iter().all(|&x| x == 0), "{name} elems zeroed");
        m.check();
    }
    let (_, elems) = slots(&n);
    assert!(elems.iter().all(|&x| x == 0), "number elems zeroed");
    for i in 1..=words.len() as u64 {
        assert_eq!(
            n.get::<u64, u64>(&i),
            None,
            "a deleted number key stays deleted"
        );
    }
    n.check();
}

#[test]
fn operator_assignment_reads_and_writes_one_slot() {
    setup(20);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&0u64, 12345u64);
    // SAFETY: each slot is used before the next write.
    unsafe {
        *m.slot::<u64, u64>(&0) += 67890;
        *m.slot::<u64, u64>(&0) /= 123;
        *m.slot::<u64, u64>(&0) %= 456;
    }
    assert_eq!(m.get::<u64, u64>(&0), Some(196));
}

// ---- tombstones (TestMapTombstones, I4) ----

#[test]
fn tombstones_keep_emptyrest_a_suffix_through_every_phase() {
    setup(21);
    let n = scaled(10000, 300) as u64;
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..n {
        m.set(&i, i);
    }
    m.check();
    for i in (0..n).step_by(2) {
        m.del(&i);
    }
    m.check();
    for i in n..n + n / 2 {
        m.set(&i, i);
    }
    m.check();
    for i in 0..n + n / 2 {
        m.del(&i);
    }
    m.check();
    assert_eq!(m.len(), 0);
}

// ---- seeds (§4.9, issue 25237) ----

#[test]
fn seed_is_redrawn_when_the_map_becomes_empty_and_on_clear() {
    setup(22);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    let s0 = m.hdr().hash0.get();
    m.del(&1u64);
    let s1 = m.hdr().hash0.get();
    assert_ne!(s0, s1, "delete to empty reseeds");
    m.set(&1u64, 1u64);
    m.set(&2u64, 1u64);
    m.del(&1u64);
    assert_eq!(
        m.hdr().hash0.get(),
        s1,
        "a delete that leaves entries keeps the seed"
    );
    m.clear();
    assert_ne!(m.hdr().hash0.get(), s1, "clear reseeds");
}

#[test]
fn distinct_maps_get_distinct_seeds() {
    setup(23);
    let t = kind(KeyKind::U64, 8, 8);
    let seeds: std::collections::HashSet<u32> =
        (0..64).map(|_| M::new(t, 0).hdr().hash0.get()).collect();
    assert!(seeds.len() >= 63);
}

#[test]
fn thread_seed_makes_the_seed_sequence_repeatable() {
    let t = kind(KeyKind::U64, 8, 8);
    setup(99);
    let a: Vec<u32> = (0..4).map(|_| M::new(t, 0).hdr().hash0.get()).collect();
    setup(99);
    let b: Vec<u32> = (0..4).map(|_| M::new(t, 0).hdr().hash0.get()).collect();
    assert_eq!(a, b);
}

// ---- keys are copied, never retained (§8.6, TestMapStringBytesLookup) ----

#[test]
fn assign_copies_the_key_bytes_and_lookups_never_allocate() {
    setup(24);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let mut k = 5u64;
    m.set(&k, 50u64);
    k = 6;
    assert_eq!(m.get::<u64, u64>(&5), Some(50));
    assert_eq!(m.get::<u64, u64>(&k), None);
    let s = M::new(kind(KeyKind::String, 8, 8), 0);
    let buf = b"a 49-byte key that lives in the caller's buffer!!".to_vec();
    s.set(
        &GoString {
            ptr: buf.as_ptr(),
            len: buf.len() as isize,
        },
        1u64,
    );
    let copy = buf.clone();
    let before = allocs();
    for _ in 0..100 {
        assert_eq!(
            s.get::<_, u64>(&GoString {
                ptr: copy.as_ptr(),
                len: copy.len() as isize
            }),
            Some(1)
        );
    }
    assert_eq!(allocs(), before, "lookups allocate nothing");
}

// ---- keys whose hashing fails (§4.4, issue 23734 and issue 19359) ----

unsafe extern "C-unwind" fn picky_hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: p points at a u64 key.
    if unsafe { *p.cast::<u64>() } == u64::MAX {
        std::panic::panic_any(Reported {
            code: Code::BadArgument,
            msg: "hash of unhashable type []int".into(),
        });
    }
    // SAFETY: as above.
    unsafe { hash::memhash64(p, seed) }
}

#[test]
fn unhashable_key_fails_even_on_nil_and_empty_maps() {
    setup(25);
    let t = MapType::new(
        8,
        8,
        8,
        8,
        picky_hash,
        hash::memequal64,
        TYPE_REFLEXIVE_KEY | TYPE_HASH_MIGHT_PANIC,
    )
    .unwrap();
    let bad = u64::MAX;
    let m = M::new(t, 0);
    for h in [std::ptr::null_mut(), m.h] {
        // SAFETY: nil or live map.
        unsafe {
            assert!(catch(|| raw::mapaccess1(&t, h, (&bad as *const u64).cast())).is_err());
            assert!(catch(|| raw::mapaccess2(&t, h, (&bad as *const u64).cast())).is_err());
            assert!(catch(|| raw::mapdelete(&t, h, (&bad as *const u64).cast())).is_err());
        }
    }
    let quiet = kind(KeyKind::U64, 8, 8);
    let q = M::new(quiet, 0);
    assert_eq!(
        q.get::<u64, u64>(&bad),
        None,
        "without the flag an empty map does not hash"
    );
}

#[test]
fn failing_hasher_leaves_the_map_clean_and_writable() {
    setup(26);
    let t = MapType::new(
        8,
        8,
        8,
        8,
        picky_hash,
        hash::memequal64,
        TYPE_REFLEXIVE_KEY | TYPE_HASH_MIGHT_PANIC,
    )
    .unwrap();
    let m = M::new(t, 0);
    m.set(&1u64, 1u64);
    let bad = u64::MAX;
    // SAFETY: live map.
    unsafe {
        assert!(catch(|| raw::mapassign(&t, m.h, (&bad as *const u64).cast())).is_err());
        assert!(catch(|| raw::mapdelete(&t, m.h, (&bad as *const u64).cast())).is_err());
    }
    assert_eq!(m.hdr().flags() & HASH_WRITING, 0);
    m.set(&2u64, 2u64);
    assert_eq!((m.len(), m.get::<u64, u64>(&2)), (2, Some(2)));
    m.check();
}

// ---- concurrent misuse (§4.5) ----

#[test]
fn a_write_during_a_write_is_fatal_concurrent_map_writes() {
    setup(27);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    m.hdr().set_flags(m.hdr().flags() | HASH_WRITING);
    // SAFETY: live map; the handler unwinds on fatal codes in tests.
    unsafe {
        let r = catch(|| raw::mapassign(&m.t, m.h, (&2u64 as *const u64).cast())).unwrap_err();
        assert_eq!(
            (r.code, r.msg.as_str()),
            (Code::ConcurrentWrites, "concurrent map writes")
        );
        let r = catch(|| raw::mapdelete(&m.t, m.h, (&1u64 as *const u64).cast())).unwrap_err();
        assert_eq!(r.code, Code::ConcurrentWrites);
        let r = catch(|| raw::mapclear(&m.t, m.h)).unwrap_err();
        assert_eq!(r.code, Code::ConcurrentWrites);
        let r = catch(|| raw::mapaccess1(&m.t, m.h, (&1u64 as *const u64).cast())).unwrap_err();
        assert_eq!(
            (r.code, r.msg.as_str()),
            (
                Code::ConcurrentReadWrite,
                "concurrent map read and map write"
            )
        );
    }
    m.hdr().set_flags(m.hdr().flags() & !HASH_WRITING);
}

unsafe extern "C-unwind" fn meddling_hash(p: *const c_void, seed: usize) -> usize {
    // A hasher that runs while `hashWriting` is set (during evacuation) and clears the flag,
    // as a racing writer would.
    MEDDLE.with(|m| {
        if let Some(h) = m.get() {
            // SAFETY: the test's live map.
            let h = unsafe { &*h };
            h.set_flags(h.flags() & !HASH_WRITING);
        }
    });
    // SAFETY: p points at a u64.
    unsafe { hash::memhash64(p, seed) }
}
thread_local! {
    static MEDDLE: std::cell::Cell<Option<*const Hmap>> = const { std::cell::Cell::new(None) };
}

#[test]
fn a_writer_that_clears_the_flag_midway_is_caught_at_the_end() {
    setup(28);
    let t = MapType::new(
        8,
        8,
        8,
        8,
        meddling_hash,
        hash::memequal64,
        TYPE_REFLEXIVE_KEY,
    )
    .unwrap();
    let m = M::new(t, 0);
    for i in 0..54u64 {
        m.set(&i, i); // the 53rd insert starts a grow to B=4; 54 leaves it half done
    }
    assert!(m.hdr().growing());
    MEDDLE.with(|c| c.set(Some(m.h)));
    // SAFETY: live map.
    let r =
        catch(|| unsafe { raw::mapassign(&t, m.h, (&1000u64 as *const u64).cast()) }).unwrap_err();
    MEDDLE.with(|c| c.set(None));
    assert_eq!(r.code, Code::ConcurrentWrites);
    // The insert finished before the final flag check caught the interference: the map is
    // consistent (flag clear), so it is checked and freed normally.
    m.check();
}

// ---- clear (§3.6) ----

#[test]
fn clear_keeps_b_frees_overflow_and_leaves_a_usable_empty_map() {
    setup(29);
    let before = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..scaled(3000, 300) as u64 {
        m.set(&i, i);
    }
    let b = m.hdr().b.get();
    m.clear();
    assert_eq!(
        (
            m.len(),
            m.hdr().b.get(),
            m.hdr().growing(),
            m.hdr().noverflow.get()
        ),
        (0, b, false, 0)
    );
    m.check();
    let array = gohmap::array::array_alloc_size(&m.t, b).unwrap() as i64;
    assert!(
        live_bytes() - before <= array + 48 + 64,
        "only the array, header and extra remain"
    );
    for i in 0..100u64 {
        m.set(&i, i + 1);
    }
    assert_eq!(m.get::<u64, u64>(&50), Some(51));
    m.check();
}

#[test]
fn clear_during_a_grow_drops_the_old_table() {
    setup(30);
    let m = M::new(kind(KeyKind::U64, 200, 8), 0);
    for i in 0..54u64 {
        m.set(&i, [i; 25]);
    }
    assert!(m.hdr().growing());
    m.clear();
    assert!(!m.hdr().growing());
    m.check();
    m.set(&1u64, [7u64; 25]);
    assert_eq!(m.get::<u64, [u64; 25]>(&1), Some([7; 25]));
}

// ---- churn (§4.8 churn, limitation 4) ----

#[test]
fn churn_triggers_same_size_grows_and_b_stays_put() {
    setup(31);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let live = 1000u64;
    for i in 0..live {
        m.set(&i, i);
    }
    let b = m.hdr().b.get();
    let (mut same_size, mut was) = (0, false);
    let rounds = scaled(400_000, 1200) as u64;
    for i in live..live + rounds {
        m.set(&i, i);
        m.del(&(i - live));
        let now = m.hdr().growing() && m.hdr().same_size_grow();
        if now && !was {
            same_size += 1;
        }
        was = now;
    }
    m.check();
    assert_eq!(m.hdr().b.get(), b, "churn at a constant size never doubles");
    if !MIRI {
        assert!(
            same_size >= 2,
            "same-size grows compact the chains ({same_size})"
        );
    }
    assert_eq!(m.len(), live as usize);
}
