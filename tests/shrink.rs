//! Shrinking (gohmap's, Go has none): automatic after deletes, with hysteresis, never started
//! while an iterator pins the map; `mapshrink`; `mapclear_release`; model-based runs with heavy
//! deletes on every layout, checking the invariants after every step.

mod common;

use std::collections::{HashMap, HashSet};

use common::layouts::{self, Arena};
use common::*;
use gohmap::consts::*;
use gohmap::hmap::b_for_hint;
use gohmap::iter::Hiter;
use gohmap::raw::{self, ShrinkError};
use gohmap::{KeyKind, MapType};

fn u64map() -> M {
    M::new(kind(KeyKind::U64, 8, 8), 0)
}

/// A fresh map of `t` holding `k -> k` for `k` in `0..n`.
fn identity_map(t: MapType, n: u64) -> M {
    let m = M::new(t, 0);
    for k in 0..n {
        m.set(&k, k);
    }
    m
}

fn b(m: &M) -> u8 {
    m.hdr().b.get()
}

fn shrinking(m: &M) -> bool {
    m.hdr().flags.load(std::sync::atomic::Ordering::Relaxed) & SHRINKING != 0
}

#[test]
fn stepwise_deletes_down_to_an_eighth_of_the_load_halve_the_map_and_give_memory_back() {
    deletes_down_to_an_eighth_of_the_load_shrink_the_map_and_give_memory_back(1);
}

#[test]
fn stepwise_deletes_down_to_an_eighth_of_the_load_quarter_the_map_and_give_memory_back() {
    deletes_down_to_an_eighth_of_the_load_shrink_the_map_and_give_memory_back(2);
}

/// Incremental shrinks by `levels` halvings at once, each started under an eighth of the load.
fn deletes_down_to_an_eighth_of_the_load_shrink_the_map_and_give_memory_back(levels: u8) {
    setup(1);
    let n = scaled(20_000, 600) as u64;
    let m = u64map().stepwise_by(levels);
    for k in 0..n {
        m.set(&k, k * 3);
    }
    let full_b = b(&m);
    let full_bytes = live_bytes();
    let mut shrinks_seen = 0;
    let mut last_b = full_b;
    for k in 0..n - n / 100 {
        m.del(&k);
        if b(&m) < last_b {
            // A shrink started in this delete: only below an eighth of the load it would
            // grow at, `levels` halvings at a time (an eighth of the load fits a quarter of
            // the buckets at under full load, so it always takes both of two).
            shrinks_seen += 1;
            assert_eq!(b(&m) + levels, last_b);
            assert!(shrinking(&m) && m.hdr().nevacuate.get() == 0);
            assert!(
                (m.len() as f64) < 6.5 * f64::from(1u32 << last_b) / 8.0,
                "shrink started at len {} with B {last_b}",
                m.len()
            );
            last_b = b(&m);
        }
        if k % 97 == 0 || shrinking(&m) && k % 7 == 0 {
            m.check();
        }
    }
    m.check();
    eprintln!(
        "{shrinks_seen} shrinks by {levels}, B {full_b} -> {}",
        b(&m)
    );
    assert!(shrinks_seen >= 3 / levels, "only {shrinks_seen} shrinks");
    assert!(
        b(&m) + 3 <= full_b,
        "B went from {full_b} to only {}",
        b(&m)
    );
    assert!(
        live_bytes() * 4 < full_bytes,
        "{} of {full_bytes} bytes",
        live_bytes()
    );
    for k in 0..n {
        let want = (k >= n - n / 100).then_some(k * 3);
        assert_eq!(m.get::<u64, u64>(&k), want, "key {k}");
    }
}

/// Big maps (over `2^ONE_STEP_SHRINK_MAX_B` buckets) of self-equal keys shrink incrementally
/// by a quarter under the default policy: two halvings for the price of one pass over the old
/// array. The map ends small, then one-step shrinks take over; nothing is lost on the way.
#[test]
#[cfg_attr(miri, ignore = "needs a map of 2^15 buckets: minutes under Miri")]
fn big_maps_shrink_incrementally_by_a_quarter() {
    setup(2);
    let n = 1u64 << 17;
    let m = u64map();
    for k in 0..n {
        m.set(&k, !k);
    }
    let full_b = b(&m);
    assert!(full_b > ONE_STEP_SHRINK_MAX_B, "B = {full_b}");
    let mut k = 0;
    while !shrinking(&m) {
        m.del(&k);
        k += 1;
        assert!(k < n, "deleting never started a shrink");
    }
    let flags = m.hdr().flags.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(b(&m) + 2, full_b);
    assert_ne!(flags & BY_FOUR, 0);
    assert_eq!(m.hdr().noldbuckets(), 4 << b(&m));
    m.check();
    let mut during = 0;
    while shrinking(&m) {
        m.del(&k);
        k += 1;
        during += 1;
        if during % 64 == 0 {
            m.check();
        }
    }
    // Thirty-two old buckets a delete (`grow::progress`).
    assert_eq!(
        during,
        (1usize << full_b).div_ceil(32),
        "deletes mid-shrink"
    );
    m.check();
    for j in 0..n {
        let want = (j >= k).then_some(!j);
        assert_eq!(m.get::<u64, u64>(&j), want, "key {j}");
    }
}

/// Small maps (the default policy up to `2^ONE_STEP_SHRINK_MAX_B` buckets) shrink inside the
/// delete that finds them under an eighth of the load, straight to the size that holds their
/// entries at under half load: no shrink in progress afterwards, sizes skipped, nothing lost.
#[test]
fn small_maps_shrink_in_one_step_to_under_half_load_skipping_sizes() {
    setup(11);
    let n = scaled(3000, 300) as u64;
    let base = live_bytes();
    let m = u64map();
    for k in 0..n {
        m.set(&k, k * 5);
    }
    let full_b = b(&m);
    assert!(full_b <= ONE_STEP_SHRINK_MAX_B);
    let full_bytes = live_bytes() - base;
    let (mut last_b, mut shrinks, mut skipped) = (full_b, 0, 0);
    for k in 0..n - 3 {
        m.del(&k);
        assert!(
            !m.hdr().growing(),
            "a one-step shrink left a shrink in progress"
        );
        if b(&m) != last_b {
            shrinks += 1;
            let len = m.len();
            assert!(b(&m) < last_b);
            let threshold = 6.5 * f64::from(1u32 << last_b) / 8.0;
            assert!(
                (len as f64) < threshold && len as f64 + 1.0 >= threshold,
                "shrank at len {len} with B {last_b}"
            );
            assert_eq!(b(&m), b_for_hint(2 * len as isize).min(last_b - 1));
            if b(&m) + 1 < last_b {
                skipped += 1;
            }
            m.check();
            for j in k + 1..n {
                assert_eq!(m.get::<u64, u64>(&j), Some(j * 5), "key {j} after a shrink");
            }
            last_b = b(&m);
        }
    }
    assert!(
        shrinks >= 2 && skipped >= 1,
        "{shrinks} shrinks, {skipped} skipping sizes"
    );
    assert!(
        (live_bytes() - base) * 8 < full_bytes,
        "{} of {full_bytes} bytes",
        live_bytes() - base
    );
    drop(m);
    assert_eq!(live_bytes(), base, "leaked");
}

/// A one-step shrink that runs out of memory at any of its allocations changes nothing: the
/// delete that started it is done, every other entry is where it was, and nothing leaks or is
/// reported (shrinking is an economy).
#[test]
fn a_one_step_shrink_out_of_memory_at_every_allocation_leaves_the_map_as_it_was() {
    setup(12);
    let t = kind(KeyKind::U64, 8, 8);
    let n = scaled(3000, 300) as u64;
    let mut nth = 1;
    loop {
        let base = live_bytes();
        let m = identity_map(t, n);
        let full_b = b(&m);
        // Delete up to the last key before the threshold.
        let mut k = 0;
        while (m.len() as f64 - 1.0) >= 6.5 * f64::from(1u32 << full_b) / 8.0 {
            m.del(&k);
            k += 1;
        }
        assert_eq!(b(&m), full_b);
        fail_nth(Some(nth));
        m.del(&k);
        fail_nth(None);
        let shrank = b(&m) < full_b;
        m.check();
        assert_eq!(m.len() as u64, n - k - 1);
        for j in 0..n {
            assert_eq!(m.get::<u64, u64>(&j), (j > k).then_some(j), "key {j}");
        }
        drop(m);
        assert_eq!(live_bytes(), base, "leak after failing allocation {nth}");
        if shrank {
            break;
        }
        nth += 1;
    }
    assert!(nth > 1, "no allocation was failed: the test cannot fail");
    assert!(take_reports().is_empty(), "a failed shrink reports nothing");
}

/// Old buckets moved so far must be exactly `0..nevacuate` (plus lower siblings moved by
/// inserts): deletes during a shrink move nothing out of order.
fn moved_out_of_order(m: &M) -> usize {
    use gohmap::bucket::Bucket;
    let h = m.hdr();
    (h.nevacuate.get()..h.noldbuckets())
        // SAFETY: i indexes the live old array of the shrink in progress.
        .filter(|&i| unsafe { Bucket::at(h.oldbuckets.get(), &m.t, i).evacuated() })
        .count()
}

#[test]
fn deletes_during_a_shrink_move_old_buckets_in_order_only_and_find_keys_where_they_are() {
    deletes_during_a_shrink_move_in_order_and_find_keys(1);
}

#[test]
fn deletes_during_a_shrink_by_four_move_old_buckets_in_order_only_and_find_keys_where_they_are() {
    deletes_during_a_shrink_move_in_order_and_find_keys(2);
}

fn deletes_during_a_shrink_move_in_order_and_find_keys(levels: u8) {
    setup(5);
    let n = scaled(20_000, 600) as u64;
    let m = u64map().stepwise_by(levels);
    let mut live: HashSet<u64> = (0..n).collect();
    for k in 0..n {
        m.set(&k, k + 1);
    }
    // Delete in a scattered order until shrinks have run, checking at every delete made
    // while one is in progress that old buckets moved only in order, and that the deleted key
    // is gone wherever it was (its old chain, or the new bucket it had moved to).
    // 7919 is a prime that divides neither size, so `k * 7919 % n` visits every key once.
    let order: Vec<u64> = (0..n).map(|k| k * 7919 % n).collect();
    assert_eq!(order.iter().collect::<HashSet<_>>().len(), n as usize);
    let mut during = 0;
    for &key in &order[..(n - n / 100) as usize] {
        assert!(live.remove(&key));
        m.del(&key);
        if shrinking(&m) {
            during += 1;
            assert_eq!(
                moved_out_of_order(&m),
                0,
                "a delete moved an old bucket out of order"
            );
            assert_eq!(m.get::<u64, u64>(&key), None);
            if during % 61 == 0 {
                m.check();
                for &l in live.iter().take(50) {
                    assert_eq!(m.get::<u64, u64>(&l), Some(l + 1));
                }
            }
        }
    }
    assert!(
        during > scaled(100, 20),
        "deletes ran during shrinks ({during})"
    );
    m.check();
    assert_eq!(m.len(), live.len());
    for &l in &live {
        assert_eq!(m.get::<u64, u64>(&l), Some(l + 1));
    }
}

#[test]
fn a_map_oscillating_around_a_size_never_thrashes() {
    setup(2);
    let m = u64map();
    let base = scaled(4000, 300) as u64;
    for k in 0..base {
        m.set(&k, k);
    }
    // Settle: whatever the first deletes trigger, then count array changes from there.
    let mut arrays = HashSet::new();
    let mut changes = 0;
    let mut last = m.hdr().buckets.get();
    let mut next_key = base;
    for round in 0..scaled(200, 20) {
        // Swing by a quarter of the size either way: delete the oldest, insert new ones.
        let swing = base / 4;
        for _ in 0..swing {
            m.set(&next_key, next_key);
            next_key += 1;
        }
        for k in next_key - base - swing..next_key - base {
            m.del(&k);
        }
        let cur = m.hdr().buckets.get();
        if cur != last {
            changes += 1;
            last = cur;
            arrays.insert(cur as usize);
        }
        if round % 10 == 0 {
            m.check();
        }
        assert_eq!(m.len() as u64, base);
    }
    assert!(
        changes <= 4,
        "the bucket array changed {changes} times while the size swung by 25%"
    );
}

#[test]
fn no_shrink_starts_while_an_iterator_pins_the_map_and_one_starts_after_mapiterdone() {
    setup(3);
    let m = u64map();
    let n = scaled(2000, 300) as u64;
    for k in 0..n {
        m.set(&k, k);
    }
    let full_b = b(&m);
    let mut it = Box::new(Hiter::done());
    // SAFETY: live map; the boxed iterator stays put.
    unsafe { raw::mapiterinit(&m.t, m.h, &mut *it) };
    for k in 0..n - 10 {
        m.del(&k);
    }
    assert_eq!(b(&m), full_b, "shrank under a running iteration");
    assert!(!m.hdr().growing());
    assert_eq!(
        // SAFETY: live map.
        unsafe { raw::mapshrink(&m.t, m.h) },
        Err(ShrinkError::Busy)
    );
    // SAFETY: the iteration ends early.
    unsafe { raw::mapiterdone(&mut *it) };
    m.del(&(n - 10));
    assert!(
        b(&m) < full_b && !shrinking(&m),
        "the next delete after the iteration shrinks the map (in one step: it is small)"
    );
    m.check();
}

#[test]
fn mapshrink_leaves_the_size_makemap_would_pick_with_every_entry() {
    setup(4);
    for layout in layouts::all() {
        let t = layout.t;
        let mut arena = Arena::default();
        // SAFETY: validated descriptor.
        let h = unsafe { raw::makemap(&t, 0, std::ptr::null_mut()) };
        let n = scaled(3000, 200) as u64;
        let mut keys = vec![];
        for i in 0..n {
            let kb = (layout.make_key)(i, &mut arena);
            let k = aligned(&kb);
            // SAFETY: live map, key of its type.
            unsafe {
                let p = raw::mapassign(&t, h, k.as_ptr().cast());
                std::ptr::write_bytes(p, i as u8, t.elem_size);
            }
            keys.push(k);
        }
        for k in &keys[..keys.len() * 9 / 10] {
            // SAFETY: live map.
            unsafe { raw::mapdelete(&t, h, k.as_ptr().cast()) };
        }
        let mut before = dump(&t, h);
        before.sort();
        // SAFETY: live map, no iteration.
        assert_eq!(unsafe { raw::mapshrink(&t, h) }, Ok(()), "{}", layout.name);
        // SAFETY: live map.
        let hm = unsafe { &*h };
        assert!(!hm.growing(), "{}", layout.name);
        assert_eq!(hm.b.get(), b_for_hint(hm.count.get()), "{}", layout.name);
        assert_invariants(&t, h);
        let mut after = dump(&t, h);
        after.sort();
        assert_eq!(after, before, "{}: contents changed", layout.name);
        // Still a working map: insert everything again.
        for (i, k) in keys.iter().enumerate() {
            // SAFETY: live map.
            unsafe {
                let p = raw::mapassign(&t, h, k.as_ptr().cast());
                std::ptr::write_bytes(p, i as u8, t.elem_size);
            }
        }
        assert_invariants(&t, h);
        // SAFETY: freed once.
        unsafe { raw::mapfree(&t, h) };
    }
}

#[test]
fn mapshrink_out_of_memory_at_every_allocation_keeps_the_map_whole() {
    setup(5);
    let t = kind(KeyKind::U64, 8, 8);
    let n = scaled(3000, 300) as u64;
    let mut nth = 1;
    loop {
        let base = live_bytes();
        let m = identity_map(t, n);
        // Leave the map mid-grow sometimes: deletes below start a shrink.
        for k in 0..n * 19 / 20 {
            m.del(&k);
        }
        let sorted = |mut v: Vec<(Vec<u8>, Vec<u8>)>| {
            v.sort();
            v
        };
        let before = sorted(dump(&m.t, m.h));
        fail_nth(Some(nth));
        // SAFETY: live map.
        let r = unsafe { raw::mapshrink(&m.t, m.h) };
        fail_nth(None);
        m.check();
        assert_eq!(sorted(dump(&m.t, m.h)), before, "allocation {nth} failed");
        for k in 0..n {
            m.set(&k, k + 1);
        }
        m.check();
        assert_eq!(m.len() as u64, n);
        drop(m);
        assert_eq!(live_bytes(), base, "leak after failing allocation {nth}");
        match r {
            Ok(()) => break,
            Err(ShrinkError::OutOfMemory(_)) => nth += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(nth > 1, "no allocation was failed: the test cannot fail");
    assert!(take_reports().is_empty(), "mapshrink reports nothing");
}

#[test]
fn mapclear_release_returns_every_bucket_and_leaves_a_working_map() {
    setup(6);
    let base = live_bytes();
    let m = u64map();
    let header_only = live_bytes() - base;
    for k in 0..5000u64 {
        m.set(&k, k);
    }
    let mut it = Box::new(Hiter::done());
    // SAFETY: live map; an iteration that the release must end.
    unsafe { raw::mapiterinit(&m.t, m.h, &mut *it) };
    // SAFETY: live map.
    unsafe { raw::mapclear_release(&m.t, m.h) };
    // SAFETY: the iteration was ended by the release: stepping reports the end.
    unsafe { raw::mapiternext(&mut *it) };
    assert!(it.key.is_null(), "mapclear_release ends running iterations");
    assert_eq!(m.len(), 0);
    assert_eq!(b(&m), 0);
    assert!(m.hdr().buckets.get().is_null());
    m.check();
    // Header plus the small extension record that carries the clear generation.
    let kept = live_bytes() - base;
    assert!(kept <= header_only + 64, "kept {kept} bytes");
    for k in 0..100u64 {
        m.set(&k, k + 7);
    }
    m.check();
    assert_eq!(m.get::<u64, u64>(&99), Some(106));
    // On an empty map that still holds buckets (everything deleted), it releases them too.
    for k in 0..100u64 {
        m.del(&k);
    }
    // SAFETY: live map.
    unsafe { raw::mapclear_release(&m.t, m.h) };
    assert!(m.hdr().buckets.get().is_null());
}

#[test]
fn mapclear_release_keeps_a_caller_supplied_first_bucket() {
    setup(7);
    let t = kind(KeyKind::U32, 4, 4);
    let mut bucket = vec![0u64; t.bucketsize as usize / 8];
    // SAFETY: a zeroed, 8-aligned bucket of t's size that outlives the map.
    let h = unsafe {
        raw::makemap_with_bucket(&t, 0, std::ptr::null_mut(), bucket.as_mut_ptr().cast())
    };
    let k = 5u32;
    // SAFETY: live map.
    unsafe {
        raw::mapassign(&t, h, (&raw const k).cast())
            .cast::<u32>()
            .write_unaligned(9);
        raw::mapclear_release(&t, h);
        assert_eq!((*h).buckets.get(), bucket.as_mut_ptr().cast());
        assert_eq!(raw::maplen(h), 0);
        assert_invariants(&t, h);
        raw::mapfree(&t, h);
    }
}

#[test]
fn nan_keys_survive_shrinks_and_are_produced_once_by_iterations_started_mid_shrink() {
    setup(8);
    let t = kind(KeyKind::F64, 8, 8);
    let m = M::new(t, 0).stepwise();
    let nans = 40u64;
    for i in 0..nans {
        m.set(&f64::NAN, 1_000_000 + i);
    }
    let n = scaled(3000, 300) as u64;
    for k in 0..n {
        m.set(&(k as f64), k);
    }
    let mut mid_shrink_iterations = 0;
    for k in 0..n {
        m.del(&(k as f64));
        if shrinking(&m) && k % 5 == 0 {
            mid_shrink_iterations += 1;
            let got = collect(&m.t, m.h);
            assert_eq!(got.len(), m.len());
            let nan_elems: HashSet<u64> = got
                .iter()
                .filter(|(k, _)| f64::from_le_bytes(k[..].try_into().unwrap()).is_nan())
                .map(|(_, e)| u64::from_le_bytes(e[..].try_into().unwrap()))
                .collect();
            assert_eq!(nan_elems.len() as u64, nans, "NaNs lost or repeated");
            m.check();
        }
    }
    assert!(MIRI || mid_shrink_iterations > 3);
    assert_eq!(m.len() as u64, nans);
    // SAFETY: live map.
    assert_eq!(unsafe { raw::mapshrink(&m.t, m.h) }, Ok(()));
    assert_eq!(collect(&m.t, m.h).len() as u64, nans);
}

/// Runs an iteration that starts mid-shrink, mutating between steps: every entry present
/// throughout is produced exactly once, none twice, none deleted, each with its current elem.
#[test]
fn iterations_started_mid_shrink_keep_gos_promises_under_mutation() {
    let mut started_mid_shrink = 0;
    for seed in 0..scaled(60, 2) as u64 {
        setup(100 + seed);
        let mut rng = Rng(seed);
        // Halvings and quarterings in turn.
        let m = u64map().stepwise_by(1 + (seed % 2) as u8);
        let n = (scaled(1000, 60) + scaled(3000, 60)) as u64;
        let n = n / 2 + rng.below(n / 2);
        let mut model: HashMap<u64, u64> = HashMap::new();
        for k in 0..n {
            m.set(&k, k);
            model.insert(k, k);
        }
        // Delete to a random small fraction: a shrink starts, and stops part way.
        let keep = n * (2 + rng.below(10)) / 100;
        for k in 0..n - keep {
            m.del(&k);
            model.remove(&k);
        }
        if shrinking(&m) {
            started_mid_shrink += 1;
        }
        let start: HashMap<u64, u64> = model.clone();
        let mut it = Box::new(Hiter::done());
        // SAFETY: live map; the box stays put.
        unsafe { raw::mapiterinit(&m.t, m.h, &mut *it) };
        let mut produced = HashSet::new();
        let mut deleted = HashSet::new();
        let mut next_key = n;
        while !it.key.is_null() {
            // SAFETY: valid until the next write or step.
            let (k, v) = unsafe {
                (
                    *it.key.cast::<u64>(),
                    it.elem.cast::<u64>().read_unaligned(),
                )
            };
            assert_eq!(
                model.get(&k),
                Some(&v),
                "produced a deleted key or a stale elem"
            );
            assert!(produced.insert(k), "key {k} produced twice");
            match rng.below(10) {
                0..=2 => {
                    let d = n - keep + rng.below(keep);
                    m.del(&d);
                    if model.remove(&d).is_some() {
                        deleted.insert(d);
                    }
                }
                3..=4 => {
                    m.set(&next_key, next_key);
                    model.insert(next_key, next_key);
                    next_key += 1;
                }
                5 => {
                    // A burst: finishes the shrink and may start a doubling.
                    for _ in 0..rng.below(scaled(400, 40) as u64) {
                        m.set(&next_key, next_key);
                        model.insert(next_key, next_key);
                        next_key += 1;
                    }
                }
                6 => {
                    let u = n - keep + rng.below(keep);
                    if model.contains_key(&u) {
                        m.set(&u, u + 1);
                        model.insert(u, u + 1);
                    }
                }
                _ => {}
            }
            m.check();
            // SAFETY: as above.
            unsafe { raw::mapiternext(&mut *it) };
        }
        for k in start.keys() {
            if !deleted.contains(k) {
                assert!(
                    produced.contains(k),
                    "seed {seed}: key {k} present throughout, not produced"
                );
            }
        }
    }
    assert!(
        MIRI || started_mid_shrink > 15,
        "only {started_mid_shrink} iterations started mid-shrink"
    );
}

/// Model-based: random assigns and heavy deletes on every layout, invariants after each step.
#[test]
fn model_with_heavy_deletes_on_every_layout() {
    // Under Miri, three layouts (inline, out-of-line, strings) at a smaller size: every layout
    // at full size takes over 20 minutes there.
    let all = layouts::all();
    let chosen: Vec<_> = if MIRI {
        let keep = [
            "u64->u64",
            "string->string",
            "[200]byte->[200]byte (indirect)",
        ];
        all.into_iter().filter(|l| keep.contains(&l.name)).collect()
    } else {
        all
    };
    for (li, layout) in chosen.into_iter().enumerate() {
        setup(9);
        let base = live_bytes();
        let t: MapType = layout.t;
        let mut arena = Arena::default();
        let mut rng = Rng(77);
        // SAFETY: validated descriptor.
        let h = unsafe { raw::makemap(&t, 0, std::ptr::null_mut()) };
        // Layouts in turn shrink by incremental halvings, by incremental quarterings (as big
        // maps do; halvings for keys that may be NaN), or in one step (as these small ones do
        // by default).
        // SAFETY: live map.
        assert!(unsafe { raw::set_stepwise_shrink_levels(h, [1, 2, 0][li % 3]) });
        let mut last_b = 0;
        let mut model: HashMap<Vec<u8>, (Vec<u8>, Vec<u8>)> = HashMap::new();
        let mut nans = 0usize;
        let mut shrinks = 0;
        let space = layout.key_space.min(2000);
        let phase = scaled(3000, 100) as u64;
        for step in 0..4 * phase {
            // Phases: fill most of the key space at random, then delete every key in a
            // scrambled order (2003 is prime: a permutation of 0..space for space <= 2000).
            let deleting = (step / phase) % 2 == 1;
            let idx = if deleting {
                (step * 2003 + step / space) % space
            } else {
                rng.below(space)
            };
            let kb = (layout.make_key)(idx, &mut arena);
            let k = aligned(&kb);
            let canon = (layout.canon)(&kb);
            if deleting || rng.chance(10) {
                // SAFETY: live map.
                unsafe { raw::mapdelete(&t, h, k.as_ptr().cast()) };
                if let Some(c) = canon {
                    model.remove(&c);
                }
            } else {
                let v: Vec<u8> = (0..t.elem_size).map(|_| rng.next() as u8).collect();
                // SAFETY: live map.
                unsafe {
                    let p = raw::mapassign(&t, h, k.as_ptr().cast());
                    std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
                }
                match canon {
                    Some(c) => {
                        model.insert(c, (kb, v));
                    }
                    None => nans += 1,
                }
            }
            // SAFETY: live map.
            let hm = unsafe { &*h };
            if hm.flags.load(std::sync::atomic::Ordering::Relaxed) & SHRINKING != 0
                || hm.b.get() < last_b
            {
                shrinks += 1;
            }
            last_b = hm.b.get();
            if step % 3 == 0 {
                assert_invariants(&t, h);
            }
            assert_eq!(
                hm.count.get() as usize,
                model.len() + nans,
                "{}",
                layout.name
            );
        }
        // Layouts with a handful of distinct keys never reach 2^SHRINK_MIN_B buckets.
        if space >= 200 && !MIRI {
            assert!(shrinks > 0, "{}: never shrank", layout.name);
        }
        for (kb, v) in model.values() {
            let k = aligned(kb);
            // SAFETY: live map; a hit has elem_size readable bytes.
            let got = unsafe {
                let (p, ok) = raw::mapaccess2(&t, h, k.as_ptr().cast());
                assert!(ok, "{}: a live key is missing", layout.name);
                std::slice::from_raw_parts(p, t.elem_size).to_vec()
            };
            assert_eq!(&got, v, "{}", layout.name);
        }
        // SAFETY: freed once.
        unsafe { raw::mapfree(&t, h) };
        assert_eq!(live_bytes(), base, "{}: leaked", layout.name);
    }
}

/// The invariant iterators rely on mid-shrink: while only the lower sibling has moved, the new
/// bucket holds nothing from the upper one. Corrupt exactly that and the walk names it.
#[test]
fn the_invariant_walk_catches_an_upper_sibling_entry_in_a_half_fed_new_bucket() {
    setup(10);
    let m = u64map().stepwise();
    let n_keys = scaled(3000, 300) as u64;
    for k in 0..n_keys {
        m.set(&k, k);
    }
    let mut k = 0u64;
    while !shrinking(&m) {
        m.del(&k);
        k += 1;
    }
    use gohmap::bucket::{Bucket, is_empty};
    let t = m.t;
    // Writes of progress move lower siblings (old 0, 1, 2, ...) until some moved lower sibling
    // has an unmoved upper one holding an entry and a new bucket with a free cell.
    let (j, upper, from, new0, to) = loop {
        m.del(&k);
        k += 1;
        let hm = m.hdr();
        assert!(
            shrinking(&m),
            "the shrink ended before a half-fed bucket was seen"
        );
        let half = 1usize << hm.b.get();
        // SAFETY: shrinking, so both arrays are live; indexes in range; heads are live.
        let found = unsafe {
            (0..half).find_map(|j| {
                let lower = Bucket::at(hm.oldbuckets.get(), &t, j);
                let upper = Bucket::at(hm.oldbuckets.get(), &t, j + half);
                let new = Bucket::at(hm.buckets.get(), &t, j);
                if !lower.evacuated() || upper.evacuated() {
                    return None;
                }
                let from = (0..8).find(|&i| !is_empty(upper.tophash(i)))?;
                let to = (0..8).find(|&i| is_empty(new.tophash(i)))?;
                Some((j, upper, from, new, to))
            })
        };
        if let Some(f) = found {
            break f;
        }
    };
    m.check();
    // Copy a live cell of the upper sibling into the free cell of new bucket j.
    // SAFETY: live buckets of the map; the new bucket's bytes are restored before any use.
    unsafe {
        let size = t.bucketsize as usize;
        let saved = std::slice::from_raw_parts(new0.0, size).to_vec();
        new0.set_tophash(to, upper.tophash(from));
        std::ptr::copy_nonoverlapping(upper.key_slot(&t, from), new0.key_slot(&t, to), 8);
        let v = raw::check_invariants(&t, m.h).unwrap_err();
        assert_eq!(v.check, gohmap::invariants::Check::Untouched, "{v}");
        assert!(
            v.to_string().contains("upper sibling") && v.bucket == j,
            "{v}"
        );
        std::ptr::copy_nonoverlapping(saved.as_ptr(), new0.0, size);
    }
    m.check();
}
