//! Growth from empty to 1M entries and back to empty, with the invariant walk at every power of
//! two, and the memory accounting at the end (shrinking gives the buckets back as it empties).

mod common;

use common::*;
use gohmap::KeyKind;

#[test]
fn grows_to_a_million_entries_and_back_to_empty() {
    setup(41);
    let base = live_bytes();
    let n = scaled(1 << 20, 2000) as u64;
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    let key = |i: u64| i.wrapping_mul(0x9e3779b97f4a7c15);
    for i in 0..n {
        m.set(&key(i), i);
        if (i + 1).is_power_of_two() {
            m.check();
            assert_eq!(m.len() as u64, i + 1);
        }
    }
    m.check();
    let b = m.hdr().b.get();
    if !MIRI {
        assert_eq!(b, 18, "1M entries need 2^18 buckets, as in Go");
    }
    for i in (0..n).step_by(7) {
        assert_eq!(m.get::<u64, u64>(&key(i)), Some(i));
    }
    assert_eq!(m.get::<u64, u64>(&key(n)), None);
    for i in 0..n {
        m.del(&key(i));
        if (n - i - 1).is_power_of_two() {
            m.check();
        }
    }
    // Go keeps all 2^18 buckets; gohmap halves as the deletes go (src/shrink.rs) down to
    // 2^SHRINK_MIN_B buckets and one halving below.
    assert_eq!(m.len(), 0);
    assert!(
        m.hdr().b.get() < gohmap::consts::SHRINK_MIN_B,
        "emptying a map with B = {b} left B = {}",
        m.hdr().b.get()
    );
    assert!(
        live_bytes() - base < 4096,
        "{} bytes held",
        live_bytes() - base
    );
    m.check();
    drop(m);
    assert_eq!(live_bytes(), base);
}

#[test]
fn a_grow_left_half_done_still_answers_every_lookup() {
    setup(42);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    for i in 0..832u64 {
        m.set(&i, i);
    }
    m.set(&832u64, 832u64); // the 833rd insert starts a grow to B=8
    assert!(m.hdr().growing());
    for i in 0..=832u64 {
        assert_eq!(m.get::<u64, u64>(&i), Some(i), "key {i} during the grow");
    }
    m.check();
}

/// Lookups (and deletes during a shrink) do not read an old bucket below `nevacuate`: every one
/// of those has moved (I7), and reading its marks is a cache miss in a big old array. Shown by
/// blanking the marks of the moved old buckets: a lookup that still read them would take them
/// for unmoved, empty chains and miss keys that are now in the new array.
#[test]
fn lookups_mid_grow_do_not_read_old_buckets_below_nevacuate() {
    setup(43);
    let m = M::new(kind(KeyKind::U64, 8, 8), 0);
    // The 833rd insert starts a grow to B = 8; each later one moves one or two old buckets.
    let n = 833 + 40u64;
    for i in 0..n {
        m.set(&i, i);
    }
    let h = m.hdr();
    assert!(h.growing() && !h.same_size_grow());
    let moved = h.nevacuate.get();
    assert!(moved >= 40, "the sweep moved {moved} old buckets");
    let old = |j: usize| {
        // SAFETY: j is a main bucket of the live old array.
        unsafe { gohmap::bucket::Bucket::at(h.oldbuckets.get(), &m.t, j) }
    };
    // SAFETY: the map is not in use; the old groups are restored before anything else runs.
    let saved: Vec<u64> = (0..moved).map(|j| unsafe { old(j).group() }).collect();
    for j in 0..moved {
        // SAFETY: as above; all emptyRest reads as an unmoved, empty chain.
        unsafe { old(j).set_group(0) };
    }
    let misses = (0..n).filter(|i| m.get::<u64, u64>(i) != Some(*i)).count();
    for (j, &g) in saved.iter().enumerate() {
        // SAFETY: as above.
        unsafe { old(j).set_group(g) };
    }
    assert_eq!(misses, 0, "lookups read moved old buckets");
    m.check();
}
