//! Maps under the default allocator, which keeps freed bucket arrays of 128 KiB and more (up to
//! 64 MiB in all) and hands them out again (src/block_cache.rs). Every other test file installs a counting
//! allocator, which keeps nothing; this one never calls `common::setup`, so arrays freed by one
//! map (a grow, a shrink, a clear that releases, a free) come back as another map's arrays, on
//! this thread or another. In debug builds a kept array is filled with 0xdd until reused, so a
//! reused array that was not zeroed shows up as garbage tophashes in the invariant walk.

mod common;

use std::collections::HashMap;

use common::*;
use gohmap::KeyKind;

/// One map's life: grow to `n` entries (arrays doubling, each old one freed), check every
/// entry, delete nine in ten (the map shrinks, freeing and allocating arrays), check again,
/// then either release its buckets or free it. The model is a `HashMap`.
fn one_life<const E: usize>(seed: u64, n: u64) {
    let m = M::new(kind(KeyKind::U64, 8 * E, 8), 0);
    let mut model = HashMap::new();
    let mut rng = Rng(seed);
    for _ in 0..n {
        let k = rng.next();
        m.set(&k, [k ^ seed; E]);
        model.insert(k, [k ^ seed; E]);
    }
    m.check();
    assert_eq!(m.len(), model.len());
    for (k, v) in &model {
        assert_eq!(m.get::<u64, [u64; E]>(k), Some(*v));
    }
    assert_eq!(m.get::<u64, [u64; E]>(&!seed), model.get(&!seed).copied());
    let keys: Vec<u64> = model.keys().copied().collect();
    for (i, k) in keys.iter().enumerate() {
        if i % 10 != 0 {
            m.del(k);
            model.remove(k);
        }
    }
    m.check();
    assert_eq!(m.len(), model.len());
    for (k, v) in &model {
        assert_eq!(m.get::<u64, [u64; E]>(k), Some(*v));
    }
    if seed.is_multiple_of(2) {
        // SAFETY: a live map of its type, no iteration running.
        unsafe { gohmap::raw::mapclear_release(&m.t, m.h) };
        assert_eq!(m.len(), 0);
        m.check();
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "arrays of 128 KiB and more; the block cache has unit tests"
)]
fn maps_on_four_threads_reuse_freed_arrays_and_stay_exact() {
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || {
                for round in 0..6u64 {
                    // 20000 u64 -> u64 entries reach 2^12 buckets (590 KB); 8-byte and
                    // 40-byte elems give arrays of two sizes, so some are reused and some not.
                    if (t + round) % 3 == 0 {
                        one_life::<5>(t * 1000 + round, 20_000);
                    } else {
                        one_life::<1>(t * 1000 + round, 20_000);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Everything kept goes back; a second trim finds nothing.
    gohmap::alloc::trim();
    assert_eq!(gohmap::alloc::trim(), 0);
}
