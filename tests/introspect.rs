//! Introspection for hosts: `mapstats` figures on known maps (bytes held checked against the
//! counting allocator), `mapvisit` against a model, and `mapcheck` catching one deliberately
//! corrupted invariant per check.

mod common;

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_void};

use common::*;
use gohmap::bucket::{Bucket, is_empty};
use gohmap::consts::*;
use gohmap::ffi::{gohmap_mapcheck, gohmap_mapstats, gohmap_mapvisit};
use gohmap::hmap::MapExtra;
use gohmap::invariants::Check;
use gohmap::iter::Hiter;
use gohmap::raw::{self, MapStats};
use gohmap::{Hmap, KeyKind, MapType, array};

// ---- helpers ----

const HDR: usize = size_of::<Hmap>();
const EXTRA: usize = size_of::<MapExtra>();

fn stats(t: &MapType, h: *const Hmap) -> MapStats {
    // SAFETY: h is null or a live map of t with no write in progress.
    unsafe { raw::mapstats(t, h) }
}

/// Bytes of an array for `B = b` as allocated (its 16-byte header included).
fn array_bytes(t: &MapType, b: u8) -> usize {
    array::array_alloc_size(t, b).unwrap()
}

/// Every (key, elem) the visitor is given, as bytes.
fn visit_all(t: &MapType, h: *const Hmap) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = vec![];
    // SAFETY: live map; the visitor only reads key_size / elem_size bytes.
    let r = unsafe {
        raw::mapvisit(t, h, |k, e| {
            out.push((
                std::slice::from_raw_parts(k, t.key_size).to_vec(),
                std::slice::from_raw_parts(e, t.elem_size).to_vec(),
            ));
            0
        })
    };
    assert_eq!(r, 0, "a visitor returning 0 walks to the end");
    out
}

/// The u64 -> u64 entries the visitor is given, sorted; panics on a duplicate.
fn visit_u64(t: &MapType, h: *const Hmap) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for (k, e) in visit_all(t, h) {
        let k = u64::from_le_bytes(k.try_into().unwrap());
        let e = u64::from_le_bytes(e.try_into().unwrap());
        assert!(out.insert(k, e).is_none(), "key {k} visited twice");
    }
    out
}

/// `gohmap_mapcheck` through the C ABI: the code and the message.
fn mapcheck(t: *const MapType, h: *const Hmap) -> (c_int, String) {
    let mut buf = [0x55 as c_char; 160];
    // SAFETY: the buffer is writable for its length.
    let code = unsafe { gohmap_mapcheck(t, h, buf.as_mut_ptr(), buf.len()) };
    // SAFETY: mapcheck NUL-terminates within the buffer.
    let msg = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    (code, msg.to_string_lossy().into_owned())
}

/// Asserts mapcheck finds exactly `check`, with a message starting with its name.
fn assert_caught(m: &M, check: Check) {
    let (code, msg) = mapcheck(&m.t, m.h);
    assert_eq!(code, check.code(), "{check:?}: got \"{msg}\"");
    assert!(
        msg.starts_with(&format!("{}: ", check.name())),
        "{check:?}: message \"{msg}\""
    );
}

/// After a corruption is repaired, the map is valid again (and then freed normally on drop).
fn assert_repaired(m: &M) {
    assert_eq!(mapcheck(&m.t, m.h), (0, String::new()));
}

unsafe extern "C-unwind" fn collide_hash(key: *const c_void, _seed: usize) -> usize {
    // Bucket 0 at every B, and a tophash that differs from key to key.
    // SAFETY: keys are 8 bytes.
    let k = unsafe { key.cast::<u64>().read_unaligned() };
    (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) as usize) & !0xffff
}

unsafe extern "C-unwind" fn eq8(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: keys are 8 bytes.
    unsafe { a.cast::<u64>().read_unaligned() == b.cast::<u64>().read_unaligned() }
}

/// map[collidingU64]u64: every key hashes to bucket 0.
fn colliding() -> MapType {
    MapType::new(8, 8, 8, 8, collide_hash, eq8, TYPE_REFLEXIVE_KEY).unwrap()
}

unsafe extern "C-unwind" fn hash200(key: *const c_void, seed: usize) -> usize {
    // SAFETY: keys are 200 bytes.
    unsafe { gohmap::hash::memhash(key, seed, 200) }
}

unsafe extern "C-unwind" fn eq200(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: keys are 200 bytes.
    unsafe {
        std::slice::from_raw_parts(a.cast::<u8>(), 200)
            == std::slice::from_raw_parts(b.cast::<u8>(), 200)
    }
}

/// map[[200]byte][200]byte: keys and elems out of line.
fn indirect() -> MapType {
    MapType::new(200, 1, 200, 1, hash200, eq200, TYPE_REFLEXIVE_KEY).unwrap()
}

fn key200(i: u64) -> [u8; 200] {
    let mut k = [0u8; 200];
    k[..8].copy_from_slice(&i.to_le_bytes());
    k[199] = i as u8;
    k
}

/// A u64 -> u64 map of 833 entries: the 833rd insert started a doubling grow to B = 8 that has
/// evacuated one or two of its 128 old buckets.
fn mid_grow() -> M {
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..833u64 {
        m.set(&i, i * 3);
    }
    assert!(m.hdr().growing() && !m.hdr().same_size_grow());
    m
}

/// Old main buckets of a growing map, evacuated or not.
fn old_heads(m: &M) -> Vec<(usize, bool)> {
    let h = m.hdr();
    let evacuated = |j| {
        // SAFETY: j is a main bucket of the live old array.
        unsafe { Bucket::at(h.oldbuckets.get(), &m.t, j).evacuated() }
    };
    (0..h.noldbuckets()).map(|j| (j, evacuated(j))).collect()
}

fn bucket(m: &M, j: usize) -> Bucket {
    // SAFETY: callers pass a main bucket of the current array.
    unsafe { Bucket::at(m.hdr().buckets.get(), &m.t, j) }
}

fn old_bucket(m: &M, j: usize) -> Bucket {
    // SAFETY: callers pass a main bucket of the old array of a growing map.
    unsafe { Bucket::at(m.hdr().oldbuckets.get(), &m.t, j) }
}

/// A u64 -> u64 map at B = 0 with keys 1 and 2 (cells 0 and 1 full, 2..8 emptyRest).
fn two_entries() -> M {
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 10u64);
    m.set(&2u64, 20u64);
    assert_eq!(m.hdr().b.get(), 0);
    m
}

// ---- mapstats ----

#[test]
fn stats_of_a_nil_map_are_all_zero() {
    setup(1);
    let t = kind(KeyKind::U64, 8, 8);
    assert_eq!(stats(&t, std::ptr::null()), MapStats::default());
    assert_eq!(stats(&t, std::ptr::null()).load, 0.0);
}

#[test]
fn stats_of_an_empty_small_map_count_only_its_header() {
    setup(2);
    let base = live_bytes();
    let t = kind(KeyKind::U64, 8, 8);
    let h = raw::makemap_small();
    let s = stats(&t, h);
    let want = MapStats {
        bytes: HDR,
        ..MapStats::default()
    };
    assert_eq!(s, want);
    assert_eq!(s.bytes as i64, live_bytes() - base);
    // SAFETY: made above, freed once.
    unsafe { raw::mapfree(&t, h) };
}

#[test]
fn stats_of_a_small_map_give_its_one_bucket() {
    setup(3);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..5u64 {
        m.set(&i, i);
    }
    let s = stats(&m.t, m.h);
    let want = MapStats {
        count: 5,
        b: 0,
        buckets: 1,
        bytes: HDR + array_bytes(&m.t, 0),
        load: 5.0,
        longest_chain: 1,
        ..MapStats::default()
    };
    assert_eq!(s, want);
    assert_eq!(
        s.bytes,
        48 + 16 + 144,
        "header, array header, one 144-byte bucket"
    );
    assert_eq!(s.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_of_a_map_made_with_a_hint_count_preallocated_overflow_and_extra() {
    setup(4);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 100);
    let s = stats(&m.t, m.h);
    // B = 4: 16 main buckets and, in a 2592-byte size class, 2 preallocated overflow buckets.
    let want = MapStats {
        b: 4,
        buckets: 16,
        prealloc_free: 2,
        bytes: HDR + 16 + 18 * 144 + EXTRA,
        longest_chain: 1,
        ..MapStats::default()
    };
    assert_eq!(s, want);
    assert_eq!(s.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_after_growth_to_b7_report_its_shape_and_exact_bytes() {
    setup(5);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    // 833 entries would start the grow to B = 8; 700 leave the map at B = 7, grown and done.
    for i in 0..700u64 {
        m.set(&i, i);
    }
    assert!(!m.hdr().growing());
    let s = stats(&m.t, m.h);
    assert_eq!((s.count, s.b, s.grow_kind), (700, 7, 0));
    assert_eq!((s.buckets, s.oldbuckets, s.evacuated), (128, 0, 0));
    assert_eq!(s.load, 700.0 / 128.0);
    assert!(s.longest_chain >= 1 && s.longest_chain <= 1 + s.overflow);
    // Overflow buckets come from the array's stock first: used plus free is the stock.
    let stock = array::array_len(&m.t, 7) - 128;
    assert!(s.prealloc_free <= stock);
    let separate = s.overflow.saturating_sub(stock - s.prealloc_free);
    assert_eq!(
        s.bytes,
        HDR + array_bytes(&m.t, 7) + EXTRA + separate * 144,
        "{s:?}"
    );
    assert_eq!(s.bytes as i64, live_bytes() - base);
    assert_eq!(s.pins, 0);
}

#[test]
fn stats_mid_growth_count_old_buckets_and_the_evacuated_ones() {
    setup(6);
    let base = live_bytes();
    let m = mid_grow();
    let s = stats(&m.t, m.h);
    let evacuated = old_heads(&m).iter().filter(|(_, e)| *e).count();
    assert!((1..=2).contains(&evacuated), "{evacuated}");
    assert_eq!((s.count, s.b, s.grow_kind), (833, 8, 1));
    assert_eq!(
        (s.buckets, s.oldbuckets, s.evacuated),
        (256, 128, evacuated)
    );
    assert_eq!(s.bytes as i64, live_bytes() - base);
    // Each further write evacuates more, and the figure follows.
    for i in 0..10u64 {
        m.set(&i, i);
    }
    let s2 = stats(&m.t, m.h);
    let evacuated2 = old_heads(&m).iter().filter(|(_, e)| *e).count();
    assert!(evacuated2 > evacuated);
    assert_eq!(s2.evacuated, evacuated2);
    assert_eq!(s2.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_of_a_same_size_grow_report_kind_two() {
    setup(7);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let live = 1000u64;
    for i in 0..live {
        m.set(&i, i);
    }
    let mut i = live;
    while !(m.hdr().growing() && m.hdr().same_size_grow()) {
        m.set(&i, i);
        m.del(&(i - live));
        i += 1;
        assert!(i < 1_000_000, "churn never started a same-size grow");
    }
    let s = stats(&m.t, m.h);
    assert_eq!(s.grow_kind, 2);
    assert_eq!(s.oldbuckets, s.buckets);
    assert_eq!(s.count, live as isize);
    assert_eq!(s.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_visit_and_check_follow_a_shrink_after_deletes() {
    setup(13);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 8, 8), 0).stepwise();
    let mut model = BTreeMap::new();
    for i in 0..1000u64 {
        m.set(&i, i + 1);
        model.insert(i, i + 1);
    }
    let mut i = 0u64;
    while !(m.hdr().growing() && m.hdr().shrinking()) {
        m.del(&i);
        model.remove(&i);
        i += 1;
        assert!(i < 1000, "deleting never started a shrink");
    }
    let s = stats(&m.t, m.h);
    assert_eq!(s.grow_kind, 3);
    assert_eq!(s.oldbuckets, 2 * s.buckets);
    assert_eq!(s.count as usize, model.len());
    assert_eq!(s.bytes as i64, live_bytes() - base, "{s:?}");
    assert_eq!(visit_u64(&m.t, m.h), model);
    assert_eq!(mapcheck(&m.t, m.h), (0, String::new()));
}

#[test]
fn stats_count_overflow_buckets_and_the_longest_chain() {
    setup(8);
    let base = live_bytes();
    // B = 1 holds 13 entries without growing; all of them hash to bucket 0.
    let m = M::new(colliding(), 13);
    assert_eq!(m.hdr().b.get(), 1);
    for i in 0..13u64 {
        m.set(&i, i);
    }
    assert!(!m.hdr().growing());
    let s = stats(&m.t, m.h);
    let bs = m.t.bucketsize as usize;
    let want = MapStats {
        count: 13,
        b: 1,
        buckets: 2,
        overflow: 1,
        bytes: HDR + array_bytes(&m.t, 1) + bs,
        load: 6.5,
        longest_chain: 2,
        ..MapStats::default()
    };
    assert_eq!(s, want);
    assert_eq!(s.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_bytes_include_out_of_line_keys_and_elems() {
    setup(9);
    let base = live_bytes();
    let m = M::new(indirect(), 0);
    for i in 0..100u64 {
        m.set(&key200(i), [i as u8; 200]);
    }
    for i in (0..100u64).step_by(3) {
        m.del(&key200(i));
    }
    let s = stats(&m.t, m.h);
    assert_eq!(s.count, 66);
    assert_eq!(s.bytes as i64, live_bytes() - base, "{s:?}");
    // 66 keys and 66 elems of 200 bytes, each with an 8-byte header.
    assert!(s.bytes >= HDR + 66 * 2 * 208);
}

#[test]
fn stats_bytes_include_memory_retired_for_a_pinning_iterator() {
    setup(10);
    let base = live_bytes();
    let m = M::new(indirect(), 0);
    for i in 0..50u64 {
        m.set(&key200(i), [1u8; 200]);
    }
    let mut it = Hiter::done();
    // SAFETY: live map; `it` stays in place until mapiterdone.
    unsafe { raw::mapiterinit(&m.t, m.h, &mut it) };
    for i in 0..20u64 {
        m.del(&key200(i)); // retired key and elem objects
    }
    for i in 50..200u64 {
        m.set(&key200(i), [2u8; 200]); // whole grows: retired old arrays
    }
    let s = stats(&m.t, m.h);
    assert_eq!(s.pins, 1);
    assert_eq!(s.bytes as i64, live_bytes() - base, "{s:?}");
    // SAFETY: started above.
    unsafe { raw::mapiterdone(&mut it) };
    let after = stats(&m.t, m.h);
    assert_eq!(after.pins, 0);
    assert!(after.bytes < s.bytes, "the retired memory was freed");
    assert_eq!(after.bytes as i64, live_bytes() - base);
}

#[test]
fn stats_do_not_count_a_callers_header_and_bucket() {
    setup(11);
    let base = live_bytes();
    let t = kind(KeyKind::U64, 8, 8);
    let mut hdr = std::mem::MaybeUninit::<Hmap>::uninit();
    let mut first = [0u64; 18]; // 144 bytes, 8-aligned
    // SAFETY: both outlive the map, which is freed below.
    let h = unsafe { raw::makemap_with_bucket(&t, 8, hdr.as_mut_ptr(), first.as_mut_ptr().cast()) };
    for i in 0..8u64 {
        // SAFETY: live map.
        unsafe { *raw::mapassign(&t, h, (&raw const i).cast()).cast::<u64>() = i };
    }
    let s = stats(&t, h);
    assert_eq!(
        (s.count, s.buckets, s.bytes),
        (8, 1, 0),
        "nothing allocated"
    );
    assert_eq!(live_bytes(), base);
    for i in 8..40u64 {
        // SAFETY: live map.
        unsafe { *raw::mapassign(&t, h, (&raw const i).cast()).cast::<u64>() = i };
    }
    let s = stats(&t, h);
    assert_eq!(s.bytes as i64, live_bytes() - base, "{s:?}");
    // SAFETY: freed once; the header and bucket are ours and outlive the call.
    unsafe { raw::mapfree(&t, h) };
}

#[test]
fn stats_through_the_c_abi_equal_the_raw_ones_and_refuse_a_null_out_pointer() {
    setup(12);
    let m = mid_grow();
    let mut s = MapStats {
        count: -1,
        ..MapStats::default()
    };
    // SAFETY: live map, writable stats.
    unsafe { gohmap_mapstats(&m.t, m.h, &mut s) };
    assert_eq!(s, stats(&m.t, m.h));
    set_mode(Mode::Record);
    // SAFETY: a null out pointer is refused before anything is written.
    unsafe { gohmap_mapstats(&m.t, m.h, std::ptr::null_mut()) };
    let r = take_reports();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, gohmap::panic::Code::BadArgument);
}

// ---- mapvisit ----

#[test]
fn visit_of_a_nil_or_empty_map_calls_nothing() {
    setup(20);
    let t = kind(KeyKind::U64, 8, 8);
    assert!(visit_all(&t, std::ptr::null()).is_empty());
    let m = M::new(t, 0);
    assert!(visit_all(&m.t, m.h).is_empty());
    m.set(&1u64, 1u64);
    m.del(&1u64);
    assert!(visit_all(&m.t, m.h).is_empty());
}

#[test]
fn visit_returns_exactly_the_live_entries_during_a_grow_with_deletes() {
    setup(21);
    let m = mid_grow();
    let mut model: BTreeMap<u64, u64> = (0..833u64).map(|i| (i, i * 3)).collect();
    assert!(
        old_heads(&m).iter().any(|(_, e)| !e),
        "entries still in old buckets"
    );
    assert_eq!(visit_u64(&m.t, m.h), model);
    for i in (0..833u64).step_by(5) {
        m.del(&i);
        model.remove(&i);
        if i % 50 == 0 {
            assert_eq!(visit_u64(&m.t, m.h), model, "after deleting {i}");
        }
    }
    for i in 1000..1100u64 {
        m.set(&i, i);
        model.insert(i, i);
    }
    assert_eq!(visit_u64(&m.t, m.h), model);
}

#[test]
fn visit_returns_exactly_the_live_entries_during_a_same_size_grow() {
    setup(22);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let live = 1000u64;
    let mut model = BTreeMap::new();
    for i in 0..live {
        m.set(&i, !i);
        model.insert(i, !i);
    }
    let mut i = live;
    let mut seen_growing = 0;
    while seen_growing < 3 {
        m.set(&i, !i);
        model.insert(i, !i);
        m.del(&(i - live));
        model.remove(&(i - live));
        if m.hdr().growing() && m.hdr().same_size_grow() {
            seen_growing += 1;
            assert_eq!(visit_u64(&m.t, m.h), model, "same-size grow, after key {i}");
        }
        i += 1;
        assert!(i < 1_000_000, "churn never started a same-size grow");
    }
}

#[test]
fn visit_gives_out_of_line_keys_and_elems_by_their_storage() {
    setup(23);
    let m = M::new(indirect(), 0);
    let mut model = BTreeMap::new();
    for i in 0..300u64 {
        m.set(&key200(i), [i as u8; 200]);
        model.insert(key200(i).to_vec(), vec![i as u8; 200]);
    }
    for i in (0..300u64).step_by(4) {
        m.del(&key200(i));
        model.remove(key200(i).as_slice());
    }
    assert!(m.t.indirect_key() && m.t.indirect_elem());
    let got: BTreeMap<Vec<u8>, Vec<u8>> = visit_all(&m.t, m.h).into_iter().collect();
    assert_eq!(got.len(), model.len(), "no entry twice");
    assert_eq!(got, model);
    // The pointers are the out-of-line objects themselves: the ones lookups return.
    let k = key200(1);
    // SAFETY: live map.
    let (e, ok) = unsafe { raw::mapaccess2(&m.t, m.h, k.as_ptr()) };
    let mut found = false;
    // SAFETY: live map.
    unsafe {
        raw::mapvisit(&m.t, m.h, |_, elem| {
            found |= elem == e;
            0
        })
    };
    assert!(ok && found);
}

#[test]
fn visit_counts_every_nan_key_once_across_growth() {
    setup(24);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    let mut model = BTreeMap::new();
    for i in 0..200u64 {
        let k = i as f64 + 0.5;
        m.set(&k, i);
        model.insert(k.to_bits(), i);
        m.set(&f64::NAN, 1000 + i); // a new entry every time
    }
    let (mut nans, mut rest) = (vec![], BTreeMap::new());
    for (k, e) in visit_all(&m.t, m.h) {
        let k = f64::from_le_bytes(k.try_into().unwrap());
        let e = u64::from_le_bytes(e.try_into().unwrap());
        if k.is_nan() {
            nans.push(e);
        } else {
            assert!(rest.insert(k.to_bits(), e).is_none());
        }
    }
    nans.sort();
    assert_eq!(nans, (1000..1200).collect::<Vec<u64>>());
    assert_eq!(rest, model);
    assert_eq!(m.len(), 400);
}

#[test]
fn visit_stops_at_the_first_non_zero_result_and_returns_it() {
    setup(25);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..100u64 {
        m.set(&i, i);
    }
    let mut calls = 0;
    // SAFETY: live map; the visitor does not write to it.
    let r = unsafe {
        raw::mapvisit(&m.t, m.h, |_, _| {
            calls += 1;
            if calls == 3 { -7 } else { 0 }
        })
    };
    assert_eq!((r, calls), (-7, 3));
}

unsafe extern "C-unwind" fn count_sum(
    ctx: *mut c_void,
    key: *mut c_void,
    elem: *mut c_void,
) -> c_int {
    // SAFETY: ctx is a (count, sum) pair; u64 keys and elems.
    unsafe {
        let acc = &mut *ctx.cast::<(u64, u64)>();
        acc.0 += 1;
        acc.1 += key.cast::<u64>().read() * 1000 + elem.cast::<u64>().read();
    }
    0
}

#[test]
fn visit_through_the_c_abi_passes_the_context() {
    setup(26);
    let m = mid_grow();
    let mut acc = (0u64, 0u64);
    // SAFETY: live map; count_sum reads u64 keys and elems and writes only acc.
    let r = unsafe { gohmap_mapvisit(&m.t, m.h, Some(count_sum), (&raw mut acc).cast()) };
    let want: u64 = (0..833u64).map(|i| i * 1000 + i * 3).sum();
    assert_eq!((r, acc), (0, (833, want)));
}

#[test]
fn a_visitor_that_writes_to_the_map_is_a_fatal_error() {
    setup(27);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..20u64 {
        m.set(&i, i);
    }
    let r = catch(|| {
        // SAFETY: the visitor breaks the contract on purpose; the walk must notice before it
        // reads bucket memory again.
        unsafe {
            raw::mapvisit(&m.t, m.h, |_, _| {
                m.set(&1000u64, 1u64);
                0
            })
        }
    });
    let err = r.expect_err("a write during the walk is reported");
    assert_eq!(err.code, gohmap::panic::Code::ConcurrentIterWrite);
    assert_eq!(m.len(), 21);
    m.check();
}

// ---- mapcheck: valid maps ----

#[test]
fn check_passes_valid_maps_in_every_state() {
    setup(30);
    let t = kind(KeyKind::U64, 8, 8);
    assert_eq!(mapcheck(&t, std::ptr::null()), (0, String::new()));
    let m = mid_grow();
    assert_eq!(mapcheck(&m.t, m.h), (0, String::new()));
    let c = M::new(colliding(), 0);
    for i in 0..100u64 {
        c.set(&i, i);
    }
    assert_eq!(mapcheck(&c.t, c.h), (0, String::new()));
    // A null message buffer is fine.
    // SAFETY: live map; no buffer.
    let code = unsafe { gohmap_mapcheck(&m.t, m.h, std::ptr::null_mut(), 0) };
    assert_eq!(code, 0);
}

#[test]
fn check_message_is_truncated_to_the_buffer_and_terminated() {
    setup(31);
    let m = two_entries();
    m.hdr().count.set(3);
    let mut buf = [0x55 as c_char; 4];
    // SAFETY: the buffer is writable for 4 bytes.
    let code = unsafe { gohmap_mapcheck(&m.t, m.h, buf.as_mut_ptr(), buf.len()) };
    assert_eq!(code, Check::Count.code());
    assert_eq!(buf.map(|c| c as u8), *b"I6:\0");
    m.hdr().count.set(2);
    assert_repaired(&m);
}

// ---- mapcheck: one corruption per check ----

#[test]
fn check_catches_a_refused_descriptor_before_the_map() {
    setup(40);
    let m = two_entries();
    let mut bad = m.t;
    bad.bucketsize += 8;
    let (code, msg) = mapcheck(&bad, m.h);
    assert_eq!(code, Check::MapType.code());
    assert!(msg.starts_with("maptype: "), "{msg}");
    let (code, msg) = mapcheck(std::ptr::null(), m.h);
    assert_eq!(
        (code, msg.as_str()),
        (Check::MapType.code(), "maptype: null descriptor")
    );
}

#[test]
fn check_catches_i1_a_mark_in_the_current_table() {
    setup(41);
    let m = two_entries();
    let b = bucket(&m, 0);
    // SAFETY: cell 3 of the live bucket; restored below.
    unsafe { b.set_tophash(3, EVACUATED_EMPTY) };
    assert_caught(&m, Check::CellState);
    // SAFETY: as above.
    unsafe { b.set_tophash(3, EMPTY_REST) };
    assert_repaired(&m);
}

#[test]
fn check_catches_i2_a_partly_evacuated_old_chain() {
    setup(42);
    let m = mid_grow();
    let heads = old_heads(&m);
    let &(j, _) = heads.iter().find(|(_, e)| !e).unwrap();
    let b = old_bucket(&m, j);
    // SAFETY: cell 1 of a live old bucket; restored below.
    let was = unsafe { b.tophash(1) };
    // SAFETY: as above.
    unsafe { b.set_tophash(1, EVACUATED_X) };
    assert_caught(&m, Check::Evacuation);
    // SAFETY: as above.
    unsafe { b.set_tophash(1, was) };
    assert_repaired(&m);

    // The other half of I2: an evacuated chain with a cell that is not marked.
    let &(j, _) = heads.iter().find(|(_, e)| *e).unwrap();
    let b = old_bucket(&m, j);
    // SAFETY: as above.
    let was = unsafe { b.tophash(7) };
    // SAFETY: as above.
    unsafe { b.set_tophash(7, EMPTY_REST) };
    assert_caught(&m, Check::Evacuation);
    // SAFETY: as above.
    unsafe { b.set_tophash(7, was) };
    assert_repaired(&m);
}

#[test]
fn check_catches_i3_a_new_bucket_written_before_its_source_moved() {
    setup(43);
    let m = mid_grow();
    let &(j, _) = old_heads(&m).iter().find(|(_, e)| !e).unwrap();
    let b = bucket(&m, j);
    // SAFETY: the key slot of cell 0 of a live new bucket (a byte no other check reads while
    // the cell is empty); restored below.
    unsafe { b.key_slot(&m.t, 0).write(1) };
    assert_caught(&m, Check::Untouched);
    // SAFETY: as above.
    unsafe { b.key_slot(&m.t, 0).write(0) };
    assert_repaired(&m);
}

#[test]
fn check_catches_i4_a_cell_after_empty_rest() {
    setup(44);
    let m = two_entries();
    let b = bucket(&m, 0);
    // SAFETY: cell 7 of the live bucket; restored below.
    unsafe { b.set_tophash(7, EMPTY_ONE) };
    assert_caught(&m, Check::EmptyRest);
    // SAFETY: as above.
    unsafe { b.set_tophash(7, EMPTY_REST) };
    assert_repaired(&m);
}

#[test]
fn check_catches_i5_an_empty_cell_with_a_non_zero_elem() {
    setup(45);
    let m = two_entries();
    let b = bucket(&m, 0);
    // SAFETY: the elem slot of empty cell 5; restored below.
    unsafe { b.elem_slot(&m.t, 5).add(7).write(0x80) };
    assert_caught(&m, Check::ZeroElem);
    // SAFETY: as above.
    unsafe { b.elem_slot(&m.t, 5).add(7).write(0) };
    assert_repaired(&m);
}

#[test]
fn check_catches_i6_a_wrong_count() {
    setup(46);
    let m = mid_grow();
    m.hdr().count.set(834);
    assert_caught(&m, Check::Count);
    m.hdr().count.set(833);
    assert_repaired(&m);
}

#[test]
fn check_catches_i7_nevacuate_beyond_the_old_table() {
    setup(47);
    let m = mid_grow();
    let was = m.hdr().nevacuate.get();
    m.hdr().nevacuate.set(m.hdr().noldbuckets());
    assert_caught(&m, Check::GrowState);
    m.hdr().nevacuate.set(was);
    assert_repaired(&m);
}

#[test]
fn check_catches_i8_a_one_bucket_map_that_grows() {
    setup(48);
    let m = two_entries();
    m.hdr().oldbuckets.set(m.hdr().buckets.get());
    assert_caught(&m, Check::SmallMap);
    m.hdr().oldbuckets.set(std::ptr::null_mut());
    assert_repaired(&m);
}

#[test]
fn check_catches_i9_the_writing_flag_left_set() {
    setup(49);
    let m = two_entries();
    m.hdr().set_flags(m.hdr().flags() | HASH_WRITING);
    assert_caught(&m, Check::Writing);
    m.hdr().set_flags(m.hdr().flags() & !HASH_WRITING);
    assert_repaired(&m);
}

#[test]
fn check_catches_i10_a_dirty_preallocated_bucket() {
    setup(50);
    let m = M::new(kind(KeyKind::U64, 8, 8), 100);
    let last = array::array_len(&m.t, 4) - 1;
    assert!(last >= 16 && !m.hdr().next_overflow().is_null());
    let b = bucket(&m, last);
    // SAFETY: the last (free, preallocated) bucket of the array; restored below.
    unsafe { b.set_tophash(0, 77) };
    assert_caught(&m, Check::Prealloc);
    // SAFETY: as above.
    unsafe { b.set_tophash(0, 0) };
    assert_repaired(&m);
}

#[test]
fn check_catches_a_misplaced_key() {
    setup(51);
    let m = two_entries();
    let b = bucket(&m, 0);
    // SAFETY: cell 0 is full; its tophash is changed to another full value and restored.
    let was = unsafe { b.tophash(0) };
    // SAFETY: as above.
    unsafe { b.set_tophash(0, if was == 255 { 254 } else { was + 1 }) };
    assert_caught(&m, Check::Placement);
    // SAFETY: as above.
    unsafe { b.set_tophash(0, was) };
    assert_repaired(&m);
}

#[test]
fn check_catches_memory_retired_without_a_pin() {
    setup(52);
    let m = M::new(kind(KeyKind::U64, 8, 8), 100);
    let e = m.hdr().extra_ptr();
    assert!(!e.is_null() && gohmap::retire::pins(m.hdr()) == 0);
    // Any non-null head will do: the walk never follows the list. It must be emptied again
    // before the map is freed, which would drain it.
    let bogus = m.h.cast::<u8>();
    // SAFETY: the map's live extra record.
    unsafe {
        (*e).retired
            .store(bogus, std::sync::atomic::Ordering::Relaxed)
    };
    assert_caught(&m, Check::Reclaim);
    // SAFETY: as above.
    unsafe {
        (*e).retired
            .store(std::ptr::null_mut(), std::sync::atomic::Ordering::Relaxed)
    };
    assert_repaired(&m);
}

#[test]
fn check_catches_an_overflow_chain_that_loops() {
    setup(53);
    // B = 1; every key in bucket 0, so bucket 1 is an empty head we can tie into a loop.
    let m = M::new(colliding(), 13);
    for i in 0..5u64 {
        m.set(&i, i);
    }
    let b = bucket(&m, 1);
    // SAFETY: bucket 1 is live and empty. All-emptyOne cells never end the chain, and its
    // overflow link to itself makes it endless; both are restored below.
    unsafe {
        assert!(is_empty(b.tophash(0)) && b.overflow(&m.t).is_null());
        for i in 0..8 {
            b.set_tophash(i, EMPTY_ONE);
        }
        b.set_overflow(&m.t, b);
    }
    assert_caught(&m, Check::Chain);
    // SAFETY: as above.
    unsafe {
        b.set_overflow(&m.t, Bucket::NULL);
        for i in 0..8 {
            b.set_tophash(i, EMPTY_REST);
        }
    }
    assert_repaired(&m);
}

#[test]
fn every_check_has_a_corruption_test() {
    // The tests above, one per check: this list must name every code, so a new check without
    // a test fails here.
    let tested = [
        Check::CellState,
        Check::Evacuation,
        Check::Untouched,
        Check::EmptyRest,
        Check::ZeroElem,
        Check::Count,
        Check::GrowState,
        Check::SmallMap,
        Check::Writing,
        Check::Prealloc,
        Check::Placement,
        Check::Reclaim,
        Check::Chain,
        Check::MapType,
    ];
    assert_eq!(tested, Check::ALL);
    let codes: Vec<i32> = Check::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(
        codes,
        (1..=14).collect::<Vec<_>>(),
        "codes are stable and dense"
    );
}
