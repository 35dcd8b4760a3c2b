//! The fast routines against the generic ones on the same maps: random operation sequences where
//! every step picks a family at random, checked against a model and the invariant walk; then one
//! test per faststr shortcut, each built so that a wrong shortcut gives a wrong answer.

mod common;

use std::collections::HashMap;

use common::layouts::Arena;
use common::*;
use gohmap::hash::GoString;
use gohmap::panic::Code;
use gohmap::{Hmap, KeyKind, MapType, fast, raw};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fam {
    F32,
    F64,
    Str,
}

/// One map driven through both families.
struct Dual<'a> {
    fam: Fam,
    t: MapType,
    h: *mut Hmap,
    arena: &'a mut Arena,
    rng: Rng,
}

impl Dual<'_> {
    fn go_fast(&mut self) -> bool {
        self.rng.chance(50)
    }

    /// The key passed by address to a generic routine (8-aligned storage).
    fn boxed(&mut self, k: &[u8]) -> Vec<u64> {
        let bytes = match self.fam {
            Fam::Str => layouts_header(self.arena.string(k)),
            _ => k.to_vec(),
        };
        let mut v = vec![0u64; 2];
        // SAFETY: at most 16 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast(), bytes.len())
        };
        v
    }

    fn assign(&mut self, k: &[u8]) -> *mut u8 {
        let (t, h) = (self.t, self.h);
        let t = &t;
        if self.go_fast() {
            // SAFETY: live map of the family's descriptor.
            unsafe {
                match self.fam {
                    Fam::F32 => {
                        fast::mapassign_fast32(t, h, u32::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::F64 => {
                        fast::mapassign_fast64(t, h, u64::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::Str => fast::mapassign_faststr(t, h, self.arena.string(k)),
                }
            }
        } else {
            let b = self.boxed(k);
            // SAFETY: as above.
            unsafe { raw::mapassign(&self.t, self.h, b.as_ptr().cast()) }
        }
    }

    fn lookup(&mut self, k: &[u8]) -> (*mut u8, bool) {
        let (t, h) = (self.t, self.h);
        let t = &t;
        if self.go_fast() {
            // SAFETY: as above.
            unsafe {
                match self.fam {
                    Fam::F32 => {
                        fast::mapaccess2_fast32(t, h, u32::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::F64 => {
                        fast::mapaccess2_fast64(t, h, u64::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::Str => fast::mapaccess2_faststr(t, h, self.arena.string(k)),
                }
            }
        } else {
            let b = self.boxed(k);
            // SAFETY: as above.
            unsafe { raw::mapaccess2(&self.t, self.h, b.as_ptr().cast()) }
        }
    }

    fn delete(&mut self, k: &[u8]) {
        let (t, h) = (self.t, self.h);
        let t = &t;
        if self.go_fast() {
            // SAFETY: as above.
            unsafe {
                match self.fam {
                    Fam::F32 => {
                        fast::mapdelete_fast32(t, h, u32::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::F64 => {
                        fast::mapdelete_fast64(t, h, u64::from_le_bytes(k.try_into().unwrap()))
                    }
                    Fam::Str => fast::mapdelete_faststr(t, h, self.arena.string(k)),
                }
            }
        } else {
            let b = self.boxed(k);
            // SAFETY: as above.
            unsafe { raw::mapdelete(&self.t, self.h, b.as_ptr().cast()) }
        }
    }
}

fn layouts_header(g: GoString) -> Vec<u8> {
    common::layouts::header_bytes(g)
}

/// String keys of the lengths the issue names, with shared prefixes and suffixes.
fn string_keys(n: usize) -> Vec<Vec<u8>> {
    let lens = [0usize, 1, 4, 8, 31, 32, 33, 64, 1000];
    let mut out = vec![];
    for i in 0..n {
        let len = lens[i % lens.len()];
        let mut s = vec![b'#'; len];
        if len > 0 {
            // Vary one byte in the middle (and for longer keys the ends too, sometimes), so many
            // keys share their first and last 4 bytes.
            let v = (i / lens.len()) as u64;
            s[len / 2] = b'a' + (v % 26) as u8;
            if len > 2 {
                s[len / 2 - 1] = b'a' + (v / 26 % 26) as u8;
            }
            if len >= 8 && i % 3 == 0 {
                s[0] = b'A' + (v % 7) as u8;
            }
            if len >= 8 && i % 5 == 0 {
                s[len - 1] = b'A' + (v % 11) as u8;
            }
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn run(fam: Fam, elem: usize, keys: &[Vec<u8>], steps: usize, seed: u64) {
    setup(seed);
    let base = live_bytes();
    let t = match fam {
        Fam::F32 => kind(KeyKind::U32, elem, 1),
        Fam::F64 => kind(KeyKind::U64, elem, 1),
        Fam::Str => kind(KeyKind::String, elem, 1),
    };
    let mut arena = Arena::default();
    // SAFETY: validated descriptor.
    let h = unsafe { raw::makemap(&t, 0, std::ptr::null_mut()) };
    let mut d = Dual {
        fam,
        t,
        h,
        arena: &mut arena,
        rng: Rng(seed),
    };
    let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for step in 0..steps {
        let k = keys[d.rng.below(keys.len() as u64) as usize].clone();
        let phase = step * 3 / steps;
        let roll = d.rng.below(100);
        let (pa, pd) = [(65, 10), (40, 35), (15, 70)][phase];
        if roll < pa {
            let v: Vec<u8> = (0..elem).map(|_| d.rng.next() as u8).collect();
            let p = d.assign(&k);
            assert!(!p.is_null());
            // SAFETY: p has elem writable bytes.
            unsafe {
                let old = std::slice::from_raw_parts(p, elem).to_vec();
                assert_eq!(
                    old,
                    model.get(&k).cloned().unwrap_or(vec![0; elem]),
                    "{fam:?} step {step}"
                );
                std::ptr::copy_nonoverlapping(v.as_ptr(), p, elem);
            }
            model.insert(k, v);
        } else if roll < pa + pd {
            d.delete(&k);
            model.remove(&k);
        } else {
            let (p, ok) = d.lookup(&k);
            assert_eq!(
                ok,
                model.contains_key(&k),
                "{fam:?} step {step}: presence of {k:?}"
            );
            if ok {
                // SAFETY: found elem.
                let got = unsafe { std::slice::from_raw_parts(p, elem) };
                assert_eq!(got, &model[&k][..]);
            }
        }
        // SAFETY: live map.
        let len = unsafe { raw::maplen(h) } as usize;
        assert_eq!(len, model.len(), "{fam:?} step {step}");
        // Under Miri the walk (hashing every stored key, some 1000 bytes long) dominates.
        if !MIRI || step % 16 == 0 {
            assert_invariants(&t, h);
        }
    }
    for (k, v) in &model {
        let (p, ok) = d.lookup(k);
        assert!(ok);
        // SAFETY: found elem.
        assert_eq!(unsafe { std::slice::from_raw_parts(p, elem) }, &v[..]);
    }
    // SAFETY: freed once.
    unsafe { raw::mapfree(&t, h) };
    assert_eq!(live_bytes(), base);
}

fn int_keys(n: usize, width: usize) -> Vec<Vec<u8>> {
    (0..n as u64)
        .map(|i| i.wrapping_mul(0x9e3779b97f4a7c15).to_le_bytes()[..width].to_vec())
        .collect()
}

#[test]
fn fast_and_generic_routines_agree_on_one_map() {
    let steps = scaled(20000, 150);
    let n = scaled(3000, 60);
    for (fam, keys) in [
        (Fam::F32, int_keys(n, 4)),
        (Fam::F64, int_keys(n, 8)),
        (Fam::Str, string_keys(n)),
        (Fam::F32, int_keys(12, 4)),
        (Fam::Str, string_keys(10)),
    ] {
        let elems: &[usize] = if MIRI { &[8] } else { &[8, 0, 128] };
        for &elem in elems {
            run(fam, elem, &keys, steps, 11 + elem as u64);
        }
    }
}

/// Keys that all land in main bucket 0 for B <= 8 under this map's seed: long chains, growth
/// and same-size growth with every cell contended.
#[test]
fn fast_and_generic_agree_on_colliding_keys() {
    setup(12);
    let t = kind(KeyKind::U64, 8, 8);
    let m = M::new(t, 0);
    m.set(&u64::MAX, 0u64); // keeps the map non-empty, so its seed never changes
    let seed = m.hdr().hash0.get() as usize;
    let keys: Vec<u64> = (0..u64::MAX)
        .filter(|&k| gohmap::hash::hash_u64(k, seed) & 0xff == 0)
        .take(scaled(300, 30))
        .collect();
    let mut rng = Rng(5);
    let mut model = HashMap::new();
    for round in 0..scaled(6000, 150) {
        let k = keys[rng.below(keys.len() as u64) as usize];
        let fast = rng.chance(50);
        // SAFETY: live fast64 map.
        unsafe {
            if rng.chance(60) {
                let p = if fast {
                    fast::mapassign_fast64(&t, m.h, k)
                } else {
                    raw::mapassign(&t, m.h, (&raw const k).cast())
                };
                *p.cast::<u64>() = round as u64;
                model.insert(k, round as u64);
            } else {
                if fast {
                    fast::mapdelete_fast64(&t, m.h, k)
                } else {
                    raw::mapdelete(&t, m.h, (&raw const k).cast())
                }
                model.remove(&k);
            }
        }
        m.check();
    }
    for (k, v) in model {
        // SAFETY: live map.
        let (p, ok) = unsafe { fast::mapaccess2_fast64(&t, m.h, k) };
        assert!(ok);
        // SAFETY: found elem.
        assert_eq!(unsafe { *p.cast::<u64>() }, v);
    }
}

// ---- faststr shortcuts (spec §3.2.6), each in a one-bucket map ----

fn s(b: &[u8]) -> GoString {
    GoString {
        ptr: b.as_ptr(),
        len: b.len() as isize,
    }
}

fn str_map(keys: &[GoString]) -> M {
    let m = M::new(kind(KeyKind::String, 8, 8), 0);
    for (i, k) in keys.iter().enumerate() {
        // SAFETY: live faststr map.
        unsafe { *fast::mapassign_faststr(&m.t, m.h, *k).cast::<u64>() = i as u64 + 1 };
    }
    assert_eq!(m.hdr().b.get(), 0, "the shortcuts apply to one-bucket maps");
    m
}

fn get(m: &M, k: GoString) -> Option<u64> {
    // SAFETY: live faststr map.
    let (p, ok) = unsafe { fast::mapaccess2_faststr(&m.t, m.h, k) };
    // SAFETY: found elem.
    ok.then(|| unsafe { *p.cast::<u64>() })
}

#[test]
fn single_bucket_string_keys_with_duplicate_lengths_are_all_found() {
    setup(13);
    let (x128, y128) = (vec![b'x'; 128], vec![b'y'; 128]);
    let keys = [
        s(b"x"),
        s(b"xx"),
        s(b"foo"),
        s(b"bar"),
        s(b"xxxx"),
        s(&x128),
        s(&y128),
    ];
    let m = str_map(&keys);
    for (i, k) in keys.iter().enumerate() {
        // SAFETY: the header names bytes alive for the test.
        let copy = unsafe { std::slice::from_raw_parts(k.ptr, k.len as usize) }.to_vec();
        assert_eq!(
            get(&m, s(&copy)),
            Some(i as u64 + 1),
            "key {i} behind another pointer"
        );
        assert_eq!(
            get(&m, *k),
            Some(i as u64 + 1),
            "key {i} behind its own pointer"
        );
    }
}

#[test]
fn single_bucket_string_keys_with_distinct_lengths_are_all_found() {
    setup(14);
    let x128 = vec![b'x'; 128];
    let keys = [
        s(b"x"),
        s(b"xx"),
        s(b"foo"),
        s(b"xxxx"),
        s(b"xxxxx"),
        s(b"xxxxxx"),
        s(&x128),
    ];
    let m = str_map(&keys);
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(get(&m, *k), Some(i as u64 + 1));
    }
    assert_eq!(get(&m, s(b"bar")), None);
}

#[test]
fn same_length_short_keys_are_told_apart_by_their_bytes() {
    setup(15);
    let m = str_map(&[s(b"foo"), s(b"bar")]);
    let (bar, baz) = (Vec::from(*b"bar"), Vec::from(*b"baz")); // other pointers, same bytes
    assert_eq!(
        get(&m, s(&bar)),
        Some(2),
        "a length match alone must not match"
    );
    assert_eq!(get(&m, s(&baz)), None);
}

#[test]
fn pointer_equality_shortcut_still_checks_the_length() {
    setup(16);
    let buf = b"xxyy".to_vec();
    let (two, one) = (
        GoString {
            ptr: buf.as_ptr(),
            len: 2,
        },
        GoString {
            ptr: buf.as_ptr(),
            len: 1,
        },
    );
    let m = str_map(&[two, one]);
    assert_eq!(
        get(&m, one),
        Some(2),
        "same pointer, shorter length: the other key"
    );
    assert_eq!(get(&m, two), Some(1));
    let long = [b'z'; 40];
    let m = str_map(&[
        GoString {
            ptr: long.as_ptr(),
            len: 40,
        },
        GoString {
            ptr: long.as_ptr(),
            len: 36,
        },
    ]);
    assert_eq!(
        get(
            &m,
            GoString {
                ptr: long.as_ptr(),
                len: 36
            }
        ),
        Some(2)
    );
}

#[test]
fn long_keys_differing_only_in_the_middle_fall_back_to_hashing() {
    setup(17);
    let a = vec![b'a'; 64];
    let mut b = a.clone();
    b[30] = b'b';
    let mut c = a.clone();
    c[31] = b'c';
    let m = str_map(&[s(&a), s(&b)]);
    // Both stored keys pass the first/last-4-bytes filter for `b`: two candidates.
    assert_eq!(get(&m, s(&b.clone())), Some(2));
    assert_eq!(get(&m, s(&a.clone())), Some(1));
    assert_eq!(get(&m, s(&c)), None, "two candidates, neither equal");
}

#[test]
fn long_keys_are_dismissed_by_their_first_or_last_four_bytes() {
    setup(18);
    let a = vec![b'a'; 50];
    let mut first = a.clone();
    first[1] = b'F';
    let mut last = a.clone();
    last[48] = b'L';
    let m = str_map(&[s(&first), s(&last)]);
    assert_eq!(
        get(&m, s(&a)),
        None,
        "single-candidate miss: both dismissed, none compared"
    );
    assert_eq!(get(&m, s(&first.clone())), Some(1));
    assert_eq!(get(&m, s(&last.clone())), Some(2));
    let mut mid = a.clone();
    mid[25] = b'M';
    let m = str_map(&[s(&a)]);
    assert_eq!(
        get(&m, s(&mid)),
        None,
        "one candidate whose full compare fails"
    );
}

#[test]
fn string_update_keeps_the_newest_header() {
    setup(19);
    let first = b"key".to_vec();
    let second = b"key".to_vec();
    let m = str_map(&[s(&first)]);
    // SAFETY: live map.
    unsafe { *fast::mapassign_faststr(&m.t, m.h, s(&second)).cast::<u64>() = 9 };
    let stored = dump(&m.t, m.h).pop().unwrap().0;
    assert_eq!(
        common::layouts::read_header(&stored).ptr,
        second.as_ptr(),
        "the map now refers to the newest bytes"
    );
    assert_eq!(get(&m, s(b"key")), Some(9));
}

// ---- refusals and the pointer forms ----

#[test]
fn a_fast_routine_refuses_a_descriptor_of_another_family() {
    setup(20);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    // SAFETY: live map; the routines must refuse before touching it.
    unsafe {
        let r = catch(|| fast::mapassign_fast32(&m.t, m.h, 1)).unwrap_err();
        assert_eq!(r.code, Code::BadArgument);
        assert!(
            r.msg.contains("mapassign_fast32") && r.msg.contains("Fast64"),
            "{}",
            r.msg
        );
        assert!(catch(|| fast::mapaccess1_faststr(&m.t, m.h, s(b"x"))).is_err());
        set_mode(Mode::Record);
        assert!(fast::mapassign_faststr(&m.t, m.h, s(b"x")).is_null());
        assert!(!fast::mapaccess2_fast32(&m.t, m.h, 1).1);
        fast::mapdelete_fast32(&m.t, m.h, 1);
        let big = M::new(kind(KeyKind::U64, 200, 8), 0);
        assert!(
            fast::mapassign_fast64(&big.t, big.h, 1).is_null(),
            "elems over 128 bytes are generic only"
        );
    }
    assert_eq!(m.len(), 1);
    let t32 = kind(KeyKind::U32, 8, 8);
    let nil = std::ptr::null_mut();
    set_mode(Mode::Unwind);
    // SAFETY: a nil map is handled before the family check, as in Go.
    unsafe {
        assert!(!fast::mapaccess2_faststr(&t32, nil, s(b"x")).1);
        let r = catch(|| fast::mapassign_faststr(&t32, nil, s(b"x"))).unwrap_err();
        assert_eq!(r.code, Code::NilMap);
    }
}

#[test]
fn fast64ptr_keys_are_pointer_values_shared_with_fast64_lookups() {
    setup(21);
    let t = kind(KeyKind::Ptr, 8, 8);
    let m = M::new(t, 0);
    let objs: Vec<Box<u64>> = (0..100).map(Box::new).collect();
    for o in &objs {
        // SAFETY: live map.
        unsafe { *fast::mapassign_fast64ptr(&t, m.h, (&raw const **o).cast()).cast::<u64>() = **o };
    }
    for o in &objs {
        let addr = (&raw const **o).addr() as u64;
        // SAFETY: live map.
        let (p, ok) = unsafe { fast::mapaccess2_fast64(&t, m.h, addr) };
        // SAFETY: found elem.
        assert!(ok && unsafe { *p.cast::<u64>() } == **o);
    }
    m.check();
    let t32 = kind(KeyKind::U32, 8, 8);
    let m32 = M::new(t32, 0);
    // SAFETY: live map; a pointer value that fits in 32 bits is a fast32 key.
    unsafe {
        *fast::mapassign_fast32ptr(&t32, m32.h, std::ptr::without_provenance(0x1234))
            .cast::<u64>() = 5;
        assert_eq!(
            *fast::mapaccess1_fast32(&t32, m32.h, 0x1234).cast::<u64>(),
            5
        );
        let r =
            catch(|| fast::mapassign_fast32ptr(&t32, m32.h, std::ptr::without_provenance(1 << 40)))
                .unwrap_err();
        assert_eq!(r.code, Code::BadArgument);
    }
}
