//! Iteration: Go's own iteration tests (spec §6.1 rows 3, 8–11, 14, 19–21), the end-of-iteration
//! rules, `mapclear` during iteration, misuse detection, reclamation while pinned, and
//! concurrent readers. Promise numbers refer to `gohmap::iter`.

mod common;

use std::collections::HashSet;

use common::*;
use gohmap::consts::*;
use gohmap::iter::Hiter;
use gohmap::panic::Code;
use gohmap::{Hmap, KeyKind, MapType, raw};

/// A running iteration over a test map, read as (K, V).
struct Iter<'a> {
    m: &'a M,
    it: Box<Hiter>,
}

impl<'a> Iter<'a> {
    fn new(m: &'a M) -> Iter<'a> {
        let mut it = Box::new(Hiter::done());
        // SAFETY: live map; the boxed iterator never moves.
        unsafe { raw::mapiterinit(&m.t, m.h, &mut *it) };
        Iter { m, it }
    }
    fn cur<K: Copy, V: Copy>(&self) -> Option<(K, V)> {
        if self.it.key.is_null() {
            return None;
        }
        assert_eq!(
            (size_of::<K>(), size_of::<V>()),
            (self.m.t.key_size, self.m.t.elem_size)
        );
        // SAFETY: key and elem point at live storage until the next write or step.
        unsafe {
            Some((
                self.it.key.cast::<K>().read_unaligned(),
                self.it.elem.cast::<V>().read_unaligned(),
            ))
        }
    }
    fn next(&mut self) {
        // SAFETY: started by mapiterinit on a live map.
        unsafe { raw::mapiternext(&mut *self.it) };
    }
    fn done(&mut self) {
        // SAFETY: as above.
        unsafe { raw::mapiterdone(&mut *self.it) };
    }
}

fn keys_u64(m: &M) -> Vec<u64> {
    collect(&m.t, m.h)
        .into_iter()
        .map(|(k, _)| u64::from_le_bytes(k.try_into().unwrap()))
        .collect()
}

// ---- empty, nil, end ----

#[test]
fn iterating_nil_and_empty_maps_produces_nothing_and_steps_after_the_end_are_no_ops() {
    setup(1);
    let t = kind(KeyKind::U64, 8, 8);
    for h in [std::ptr::null_mut(), M::new(t, 0).h] {
        let mut it = Hiter::done();
        it.key = std::ptr::NonNull::dangling().as_ptr(); // mapiterinit initialises the whole iterator
        // SAFETY: nil map, or a map freed right after (the iterator holds no pin on it).
        unsafe {
            raw::mapiterinit(&t, h, &mut it);
            assert!(it.key.is_null() && it.h.is_null());
            raw::mapiternext(&mut it);
            raw::mapiterdone(&mut it);
            assert!(it.key.is_null());
        }
    }
    let m = M::new(t, 0);
    m.set(&1u64, 1u64);
    let mut i = Iter::new(&m);
    assert_eq!(i.cur::<u64, u64>(), Some((1, 1)));
    i.next();
    assert_eq!(i.cur::<u64, u64>(), None);
    i.next();
    i.done();
    i.done();
    assert_eq!(i.cur::<u64, u64>(), None);
    assert_eq!(
        gohmap::retire::pins(m.hdr()),
        0,
        "the natural end releases the pin once"
    );
}

#[test]
fn every_entry_is_produced_once_with_its_elem() {
    setup(2);
    for n in [1u64, 7, 8, 9, 100, 5000] {
        let m = M::new(kind(KeyKind::U64, 8, 8), 0);
        for i in 0..n {
            m.set(&i, i * 3);
        }
        let got = collect(&m.t, m.h);
        assert_eq!(got.len() as u64, n);
        let mut seen = HashSet::new();
        for (k, v) in got {
            let (k, v) = (
                u64::from_le_bytes(k.try_into().unwrap()),
                u64::from_le_bytes(v.try_into().unwrap()),
            );
            assert_eq!(v, k * 3);
            assert!(seen.insert(k));
        }
    }
}

#[test]
fn entries_deleted_or_updated_ahead_in_the_current_bucket_are_seen_at_the_next_step() {
    // A one-bucket map: every step after the first stays in the bucket the iterator stands in,
    // the step that remembers which cells are still to visit (`Hiter::todo`). At the first
    // entry, delete every other key still ahead and update the rest: the deleted ones must not
    // be produced (promise 2), the rest must come with their new elems (promise 4). The runs
    // must have started at every one of the eight cell rotations.
    setup(3);
    let t = kind(KeyKind::U64, 8, 8);
    let mut rotations = HashSet::new();
    for run in 0..64 {
        let m = M::new(t, 0);
        for k in 0..8u64 {
            m.set(&k, k);
        }
        let mut it = Iter::new(&m);
        rotations.insert(it.it.offset);
        let (first, _) = it.cur::<u64, u64>().unwrap();
        let ahead: Vec<u64> = (0..8).filter(|&k| k != first).collect();
        let (deleted, kept): (Vec<u64>, Vec<u64>) =
            ahead.iter().partition(|&&k| (k + run) % 2 == 0);
        for k in &deleted {
            m.del(k);
        }
        for &k in &kept {
            m.set(&k, k + 100);
        }
        it.next();
        let mut got = vec![];
        while let Some((k, v)) = it.cur::<u64, u64>() {
            got.push((k, v));
            it.next();
        }
        got.sort();
        let want: Vec<(u64, u64)> = kept.iter().map(|&k| (k, k + 100)).collect();
        assert_eq!(got, want, "run {run}: first {first}, deleted {deleted:?}");
    }
    assert_eq!(rotations.len(), BUCKET_CNT, "rotations seen: {rotations:?}");
}

// ---- Go's tests ----

#[test]
fn nan_entries_are_each_produced_once() {
    setup(3);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    for v in [1u64, 2, 4] {
        m.set(&f64::NAN, v);
    }
    let mut or = 0;
    for (k, v) in collect(&m.t, m.h) {
        assert!(f64::from_le_bytes(k.try_into().unwrap()).is_nan());
        or |= u64::from_le_bytes(v.try_into().unwrap());
    }
    assert_eq!(or, 7);
}

#[test]
fn grow_with_nan_keeps_every_nan_entry() {
    setup(4);
    let m = M::new(kind(KeyKind::F64, 8, 8), 4);
    m.set(&f64::NAN, 1u64);
    m.set(&f64::NAN, 2u64);
    // SAFETY: a fresh NaN entry; op-assign through the slot.
    unsafe { *m.slot::<f64, u64>(&f64::NAN) += 4 };
    let (mut cnt, mut s, mut grew) = (0, 0, false);
    let mut it = Iter::new(&m);
    while let Some((k, v)) = it.cur::<f64, u64>() {
        if !grew {
            for i in 0..50 {
                m.set(&(i as f64), i as u64);
            }
            for i in 50..100 {
                // SAFETY: op-assign on a fresh entry.
                unsafe { *m.slot::<f64, u64>(&(i as f64)) += i as u64 };
            }
            grew = true;
        }
        if k.is_nan() {
            cnt += 1;
            s |= v;
        }
        it.next();
    }
    assert_eq!((cnt, s), (3, 7));
}

#[test]
fn grow_with_negative_zero_updates_key_and_elem_together() {
    setup(5);
    let m = M::new(
        common::layouts::all()
            .into_iter()
            .find(|l| l.name.starts_with("struct{f64"))
            .unwrap()
            .t,
        4,
    );
    type K = (f64, i64);
    type V = [u8; 40];
    let val = |x: u64| -> V {
        let mut v = [0u8; 40];
        v[..8].copy_from_slice(&x.to_le_bytes());
        v
    };
    let num = |v: V| u64::from_le_bytes(v[..8].try_into().unwrap());
    m.set::<K, V>(&(0.0, 0), val(1));
    m.set::<K, V>(&(0.0, 1), val(2));
    m.set::<K, V>(&(0.0, 2), val(4));
    m.set::<K, V>(&(0.0, 3), val(8));
    let (mut s, mut cnt, mut negcnt, mut grew) = (0, 0, 0, false);
    let mut it = Iter::new(&m);
    while let Some((k, v)) = it.cur::<K, V>() {
        if !grew {
            for i in 0..100 {
                m.set::<K, V>(&(3.0, i), val(0));
            }
            for i in 0..4 {
                let old = m.get::<K, V>(&(0.0, i)).unwrap();
                m.set::<K, V>(&(-0.0, i), val(num(old) | 16));
            }
            grew = true;
        }
        let v = num(v);
        if v != 0 {
            cnt += 1;
            if k.0.is_sign_negative() {
                assert_ne!(v & 16, 0, "key and elem not updated together");
                negcnt += 1;
                s |= v & 15;
            } else {
                assert_eq!(v & 16, 0, "key and elem not updated together");
                s |= v;
            }
        }
        it.next();
    }
    assert_eq!((cnt, negcnt, s), (4, 3, 15));
}

#[test]
fn iter_grow_and_delete_never_produces_a_deleted_key() {
    setup(6);
    let m = M::new(kind(KeyKind::U64, 8, 8), 4);
    for i in 0..100u64 {
        m.set(&i, i);
    }
    let mut it = Iter::new(&m);
    let mut first = true;
    while let Some((k, _)) = it.cur::<u64, u64>() {
        if first {
            for i in 100..1000u64 {
                m.set(&i, i);
            }
            for i in (1..1000u64).step_by(2) {
                m.del(&i);
            }
            first = false;
        } else {
            assert_eq!(k & 1, 0, "odd key {k} produced after its deletion");
        }
        it.next();
    }
}

#[test]
fn iter_grow_keeps_the_old_array_alive_for_the_iterator() {
    setup(7);
    let m = M::new(kind(KeyKind::U64, 8, 8), 4);
    for i in 0..8u64 {
        m.set(&i, i);
    }
    for i in 8..16u64 {
        // SAFETY: op-assign on a fresh entry.
        unsafe { *m.slot::<u64, u64>(&i) += i };
    }
    let (mut seen, mut first) = (0u32, true);
    let mut it = Iter::new(&m);
    while let Some((k, _)) = it.cur::<u64, u64>() {
        if first {
            for i in 100..1000u64 {
                m.set(&i, i);
            }
            first = false;
        }
        if k < 16 {
            seen |= 1 << k;
        }
        it.next();
    }
    assert_eq!(seen, 0xffff);
}

#[test]
fn nan_grow_iterator_sees_every_value_once_while_the_grow_completes() {
    setup(8);
    let m = M::new(kind(KeyKind::F64, 8, 8), 0);
    let n = 104u64;
    for i in 0..n {
        m.set(&f64::NAN, i);
    }
    m.set(&1.0f64, 1000u64);
    m.del(&1.0f64);
    assert!(m.hdr().growing());
    let mut found = vec![false; n as usize];
    let mut it = Iter::new(&m);
    let mut count = 0;
    while let Some((_, v)) = it.cur::<f64, u64>() {
        assert!(!found[v as usize], "value {v} twice");
        found[v as usize] = true;
        count += 1;
        if count == n / 2 {
            for _ in 0..16 {
                m.del(&1.0f64);
            }
        }
        it.next();
    }
    assert!(found.iter().all(|&f| f));
}

#[test]
fn big_items_are_produced_through_their_boxes() {
    setup(9);
    let m = M::new(kind(KeyKind::U64, 4096, 8), 4);
    for i in 0..100u64 {
        m.set(&i, [i; 512]);
    }
    let mut got: Vec<u64> = vec![];
    let mut it = Iter::new(&m);
    while let Some((k, v)) = it.cur::<u64, [u64; 512]>() {
        assert_eq!(v, [k; 512]);
        got.push(k);
        it.next();
    }
    got.sort();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

// ---- order (promise 7) ----

fn orders_differ(t: MapType, n: u64, deleted_above: Option<u64>) -> bool {
    let m = M::new(t, 0);
    for i in 0..n {
        m.set(&i, true);
    }
    if let Some(k) = deleted_above {
        for i in k..n {
            m.del(&i);
        }
    }
    let first = keys_u64(&m);
    (0..800).any(|_| keys_u64(&m) != first)
}

#[test]
fn iteration_order_is_randomised_even_for_tiny_maps() {
    setup(10);
    let t = kind(KeyKind::U64, 1, 1);
    for n in [3, 7, 9, 15] {
        assert!(
            orders_differ(t, n, None),
            "consistent iteration order for {n} keys"
        );
    }
}

#[test]
fn iteration_order_of_a_sparse_map_is_randomised() {
    setup(11);
    let t = kind(KeyKind::U64, 1, 1);
    assert!(orders_differ(t, 1000, Some(20)));
}

#[test]
fn one_bucket_orders_are_the_rotations_of_the_cells() {
    setup(12);
    let m = M::new(kind(KeyKind::U64, 1, 1), 0);
    for i in 0..5u64 {
        m.set(&i, true);
    }
    let orders: HashSet<Vec<u64>> = (0..2000).map(|_| keys_u64(&m)).collect();
    assert_eq!(
        orders.len(),
        5,
        "5 keys in slots 0..5 give exactly 5 rotations"
    );
}

#[test]
fn start_buckets_and_rotations_are_spread_evenly() {
    setup(13);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..200u64 {
        m.set(&i, i);
    }
    let nb = 1usize << m.hdr().b.get();
    let (mut starts, mut offs) = (vec![0u32; nb], [0u32; 8]);
    let rounds = scaled(32000, 400);
    for _ in 0..rounds {
        let mut it = Iter::new(&m);
        starts[it.it.start_bucket] += 1;
        offs[it.it.offset as usize] += 1;
        it.done();
    }
    // Chi-square against uniform, with generous bounds (p < 1e-6 for a fair source).
    let chi = |obs: &[u32]| -> f64 {
        let e = rounds as f64 / obs.len() as f64;
        obs.iter().map(|&o| (o as f64 - e).powi(2) / e).sum()
    };
    if !MIRI {
        assert!(chi(&starts) < nb as f64 * 3.0, "start buckets {starts:?}");
        assert!(chi(&offs) < 40.0, "rotations {offs:?}");
    }
    assert!(offs.iter().all(|&c| c > 0));
}

// ---- clear during iteration (promise 6, spec §7 limitation 8) ----

#[test]
fn clear_during_iteration_ends_it_without_stale_entries() {
    setup(14);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..208u64 {
        m.set(&i, i);
    }
    assert_eq!(m.hdr().b.get(), 5, "exactly full at B = 5");
    let mut it = Iter::new(&m);
    assert!(it.cur::<u64, u64>().is_some());
    m.set(&1000u64, 1000u64); // starts a grow
    assert!(m.hdr().growing());
    m.clear();
    it.next();
    assert_eq!(
        it.cur::<u64, u64>(),
        None,
        "Go 1.19 produced ~195 stale entries here"
    );
    m.set(&1u64, 1u64);
    assert_eq!(keys_u64(&m), [1], "later iterations see the new contents");
}

#[test]
fn clear_frees_what_running_iterators_kept_alive() {
    setup(15);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 200, 8), 0);
    for i in 0..100u64 {
        m.set(&i, [i; 25]);
    }
    let mut it = Iter::new(&m);
    let mut abandoned = Iter::new(&m);
    abandoned.next();
    for i in 0..100u64 {
        m.del(&i);
    }
    assert!(
        live_bytes() - base > 100 * 200,
        "deleted elems are retired while pinned"
    );
    m.set(&1u64, [1u64; 25]);
    m.clear();
    it.next();
    assert!(it.cur::<u64, [u64; 25]>().is_none());
    drop(it);
    drop(abandoned);
    let kept = live_bytes() - base;
    assert!(
        kept < 100 * 200,
        "clear freed the retired elems ({kept} bytes held)"
    );
}

// ---- reclamation while pinned ----

#[test]
fn memory_dropped_during_iteration_is_retired_then_freed_at_the_end() {
    setup(16);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 200, 8), 0);
    for i in 0..300u64 {
        m.set(&i, [i; 25]);
    }
    let full = live_bytes() - base;
    let mut it = Iter::new(&m);
    let mut seen = 0;
    while let Some((k, v)) = it.cur::<u64, [u64; 25]>() {
        assert_eq!(
            v, [k; 25],
            "an elem read through the iterator is intact (not freed)"
        );
        if seen == 0 {
            for i in 0..300u64 {
                m.del(&i);
            }
            for i in 1000..1600u64 {
                m.set(&i, [i; 25]); // grows twice past the snapshot
            }
            for i in 1000..1600u64 {
                m.del(&i);
            }
            assert!(
                live_bytes() - base > full,
                "nothing the iterator can reach was freed"
            );
        }
        seen += 1;
        it.next();
    }
    let after = live_bytes() - base;
    assert!(
        after < full,
        "the end of the iteration drained the retired list ({after} vs {full})"
    );
    m.check();
}

#[test]
fn mapiterdone_releases_the_pin_of_an_abandoned_loop() {
    setup(17);
    let base = live_bytes();
    let m = M::new(kind(KeyKind::U64, 200, 8), 0);
    for i in 0..50u64 {
        m.set(&i, [i; 25]);
    }
    let mut it = Iter::new(&m);
    for i in 0..50u64 {
        m.del(&i);
    }
    let held = live_bytes() - base;
    it.done();
    assert!(
        live_bytes() - base < held - 40 * 200,
        "mapiterdone freed the retired elems"
    );
    assert_eq!(gohmap::retire::pins(m.hdr()), 0);
}

#[test]
fn several_iterators_pin_independently_and_an_abandoned_one_leaks_nothing_at_free() {
    setup(18);
    let base = live_bytes();
    {
        let m = M::new(kind(KeyKind::U64, 200, 8), 0);
        for i in 0..64u64 {
            m.set(&i, [i; 25]);
        }
        let mut a = Iter::new(&m);
        let mut b = Iter::new(&m);
        let mut abandoned = Iter::new(&m);
        abandoned.next();
        assert_eq!(gohmap::retire::pins(m.hdr()), 3);
        for i in 0..32u64 {
            m.del(&i);
        }
        for _ in 0..1000 {
            a.next();
            b.next();
        }
        assert!(a.cur::<u64, [u64; 25]>().is_none() && b.cur::<u64, [u64; 25]>().is_none());
        assert_eq!(
            gohmap::retire::pins(m.hdr()),
            1,
            "the abandoned iterator still pins"
        );
        drop(abandoned); // no mapiterdone: the pin stays until mapfree
    } // mapfree with one pin left: everything retired is freed now
    assert_eq!(live_bytes(), base);
}

// ---- misuse ----

#[test]
fn stepping_an_iterator_during_a_write_is_fatal() {
    setup(19);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    m.set(&2u64, 2u64);
    let mut it = Iter::new(&m);
    m.hdr().set_flags(m.hdr().flags() | HASH_WRITING);
    let r = catch(|| it.next()).unwrap_err();
    assert_eq!(
        (r.code, r.msg.as_str()),
        (
            Code::ConcurrentIterWrite,
            "concurrent map iteration and map write"
        )
    );
    m.hdr().set_flags(m.hdr().flags() & !HASH_WRITING);
    it.done();
}

#[test]
fn mapiterinit_sets_both_iterator_flags() {
    setup(20);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    m.set(&1u64, 1u64);
    let mut it = Iter::new(&m);
    assert_eq!(
        m.hdr().flags() & (ITERATOR | OLD_ITERATOR),
        ITERATOR | OLD_ITERATOR
    );
    it.done();
}

// ---- concurrent readers (TestConcurrentReadsAfterGrowth) ----

#[test]
fn concurrent_readers_and_iterators_after_growth_are_safe() {
    /// The map pointer, shared with reader threads (no writer runs while they do).
    #[derive(Clone, Copy)]
    struct Shared(*mut Hmap);
    // SAFETY: only read concurrently; the map is written between the thread scopes.
    unsafe impl Send for Shared {}
    // SAFETY: as above.
    unsafe impl Sync for Shared {}
    setup(21);
    let t = kind(KeyKind::U64, 8, 8);
    for _ in 0..scaled(3, 1) {
        let m = M::new(t, 0);
        for gs in 0..scaled(120, 12) as u64 {
            m.set(&gs, gs);
            let h = Shared(m.h);
            std::thread::scope(|s| {
                for r in 0..4 {
                    s.spawn(move || {
                        let h = h;
                        if r % 2 == 0 {
                            assert_eq!(collect(&t, h.0).len() as u64, gs + 1);
                        } else {
                            for k in 0..=gs {
                                // SAFETY: no writer runs while the readers do.
                                let (p, ok) =
                                    unsafe { raw::mapaccess2(&t, h.0, (&raw const k).cast()) };
                                // SAFETY: a found elem is 8 readable bytes.
                                assert!(ok && unsafe { *p.cast::<u64>() } == k);
                            }
                        }
                    });
                }
            });
        }
    }
}

// ---- clone ----

fn sorted(mut v: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    v.sort();
    v
}

#[test]
fn clone_equals_the_source_under_iteration_and_is_independent() {
    setup(22);
    for l in common::layouts::all() {
        let base = live_bytes();
        let mut arena = common::layouts::Arena::default();
        let m = M::new(l.t, 0);
        let mut rng = Rng(3);
        for i in 0..scaled(700, 40) as u64 {
            let k = aligned(&(l.make_key)(
                rng.below(l.key_space.max(1) * 2) + i % 2,
                &mut arena,
            ));
            // SAFETY: live map.
            unsafe {
                let p = raw::mapassign(&l.t, m.h, k.as_ptr().cast());
                std::ptr::write_bytes(p, i as u8, l.t.elem_size);
            }
        }
        // SAFETY: live map, no write in progress.
        let c = unsafe { raw::mapclone(&l.t, m.h) };
        assert_invariants(&l.t, c);
        assert_eq!(
            sorted(collect(&l.t, c)),
            sorted(collect(&l.t, m.h)),
            "{}",
            l.name
        );
        // SAFETY: live maps.
        unsafe {
            assert_eq!(raw::maplen(c), raw::maplen(m.h));
            if raw::maplen(c) > 0 {
                assert_ne!(
                    (*c).hash0.get(),
                    m.hdr().hash0.get(),
                    "{}: a fresh seed",
                    l.name
                );
            }
        }
        let before = sorted(collect(&l.t, c));
        m.clear();
        assert_eq!(
            sorted(collect(&l.t, c)),
            before,
            "{}: the clone does not share storage",
            l.name
        );
        // SAFETY: freed once.
        unsafe { raw::mapfree(&l.t, c) };
        drop(m);
        assert_eq!(live_bytes(), base, "{}", l.name);
    }
}

#[test]
fn clone_while_growing_copies_old_and_new_tables() {
    setup(23);
    let m = M::new(kind(KeyKind::U64, 200, 8), 0);
    for i in 0..833u64 {
        m.set(&i, [i; 25]);
    }
    assert!(m.hdr().growing());
    // SAFETY: live map.
    let c = unsafe { raw::mapclone(&m.t, m.h) };
    assert_invariants(&m.t, c);
    assert_eq!(sorted(collect(&m.t, c)), sorted(collect(&m.t, m.h)));
    // SAFETY: live clone; nil clones to nil.
    unsafe {
        assert!(!(*c).growing(), "a clone starts settled");
        raw::mapfree(&m.t, c);
        assert!(raw::mapclone(&m.t, std::ptr::null()).is_null());
    }
}

#[test]
fn clone_out_of_memory_leaves_the_source_and_leaks_nothing() {
    setup(24);
    set_mode(Mode::Record);
    let t = kind(KeyKind::U64, 200, 8);
    let m = M::new(t, 0);
    for i in 0..60u64 {
        m.set(&i, [i; 25]);
    }
    let before = sorted(collect(&t, m.h));
    let base = live_bytes();
    let mut n = 1;
    loop {
        fail_nth(Some(n));
        // SAFETY: live map.
        let c = unsafe { raw::mapclone(&t, m.h) };
        fail_nth(None);
        if !c.is_null() {
            // SAFETY: freed once.
            unsafe { raw::mapfree(&t, c) };
            break;
        }
        assert_eq!(take_reports()[0].0, Code::OutOfMemory);
        assert_eq!(live_bytes(), base, "failed clone {n} leaked");
        assert_eq!(sorted(collect(&t, m.h)), before);
        n += 1;
    }
    assert!(
        n > 60,
        "every allocation of the clone was made to fail once ({n})"
    );
}

/// Review finding: an iterator standing in an old chain of a same-size grow, when that grow
/// completes, must still produce the NaN entries later in the chain (Go 1.19 drops them: it
/// re-decides whether to filter at every cell from the current grow kind).
#[test]
fn nan_entries_survive_a_same_size_grow_completing_mid_chain() {
    setup(25);
    let mut completed_mid_iteration = 0;
    for attempt in 0..scaled(60, 4) as u64 {
        let m = M::new(kind(KeyKind::F64, 8, 8), 0);
        let nans = 60u64;
        for v in 0..nans {
            m.set(&f64::NAN, 1000 + v);
        }
        let mut next = 0u64;
        for _ in 0..100 {
            m.set(&(next as f64), next);
            next += 1;
        }
        // Churn until a same-size grow is in progress.
        let mut guard = 0;
        while !(m.hdr().growing() && m.hdr().same_size_grow()) {
            m.set(&(next as f64), next);
            m.del(&((next - 100) as f64));
            next += 1;
            guard += 1;
            assert!(guard < 1_000_000, "no same-size grow");
        }
        let mut it = Iter::new(&m);
        let mut seen = HashSet::new();
        let complete_at = attempt % 40;
        let mut step = 0;
        while let Some((k, v)) = it.cur::<f64, u64>() {
            if k.is_nan() {
                assert!(seen.insert(v), "NaN value {v} produced twice");
            }
            if step == complete_at && m.hdr().growing() {
                // Finish the grow while the iterator stands wherever it is.
                while m.hdr().growing() {
                    m.del(&((next - 100) as f64));
                    m.set(&(next as f64), next);
                    next += 1;
                }
                completed_mid_iteration += 1;
            }
            step += 1;
            it.next();
        }
        assert_eq!(
            seen.len() as u64,
            nans,
            "attempt {attempt}: NaN entries lost"
        );
    }
    assert!(completed_mid_iteration > 0);
}
