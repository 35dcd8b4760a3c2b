//! Iteration promises under mutation, against a model, on every layout: iterator steps are
//! interleaved with assigns, deletes, bursts of inserts (several doublings during one loop),
//! churn (same-size grows), clears and early exits. Promise numbers are `gohmap::iter`'s.

mod common;

use std::collections::{HashMap, HashSet};

use common::layouts::{self, Arena, Layout};
use common::*;
use gohmap::iter::Hiter;
use gohmap::{Hmap, raw};

/// The model: canonical key -> (latest key bytes, elem bytes); NaN entries by elem.
#[derive(Default, Clone)]
struct Model {
    live: HashMap<Vec<u8>, (Vec<u8>, Vec<u8>)>,
    nans: Vec<Vec<u8>>,
}

struct Run<'a> {
    l: &'a Layout,
    h: *mut Hmap,
    m: Model,
    arena: Arena,
    rng: Rng,
}

impl Run<'_> {
    fn assign(&mut self, idx: u64) {
        let kb = (self.l.make_key)(idx, &mut self.arena);
        let v: Vec<u8> = (0..self.l.t.elem_size)
            .map(|_| self.rng.next() as u8)
            .collect();
        let k = aligned(&kb);
        // SAFETY: live map, a key of its type.
        unsafe {
            let p = raw::mapassign(&self.l.t, self.h, k.as_ptr().cast());
            std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
        }
        match (self.l.canon)(&kb) {
            Some(c) => {
                let latest = if self.l.t.need_key_update() || !self.m.live.contains_key(&c) {
                    kb
                } else {
                    self.m.live[&c].0.clone()
                };
                self.m.live.insert(c, (latest, v));
            }
            None => self.m.nans.push(v),
        }
    }

    fn delete(&mut self, idx: u64) -> Option<Vec<u8>> {
        let kb = (self.l.make_key)(idx, &mut self.arena);
        let k = aligned(&kb);
        // SAFETY: live map.
        unsafe { raw::mapdelete(&self.l.t, self.h, k.as_ptr().cast()) };
        let c = (self.l.canon)(&kb)?;
        self.m.live.remove(&c).map(|_| c)
    }

    fn delete_key(&mut self, kb: &[u8]) {
        let k = aligned(kb);
        // SAFETY: live map.
        unsafe { raw::mapdelete(&self.l.t, self.h, k.as_ptr().cast()) };
        if let Some(c) = (self.l.canon)(kb) {
            self.m.live.remove(&c);
        }
    }

    fn check(&self) {
        assert_invariants(&self.l.t, self.h);
        // SAFETY: live map.
        let len = unsafe { raw::maplen(self.h) } as usize;
        assert_eq!(
            len,
            self.m.live.len() + self.m.nans.len(),
            "{}",
            self.l.name
        );
    }
}

/// Whether NaN entries can be told apart by their elems (random, at least 8 bytes).
fn nan_identity(l: &Layout) -> bool {
    l.t.elem_size >= 8
}

fn iterate_once(r: &mut Run, max_steps: usize) {
    let l = r.l;
    let start = r.m.clone();
    let mut it = Box::new(Hiter::done());
    // SAFETY: live map; the boxed iterator stays put.
    unsafe { raw::mapiterinit(&l.t, r.h, &mut *it) };
    let mut produced: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut deleted_since: HashSet<Vec<u8>> = HashSet::new();
    let mut deleted_ever: HashSet<Vec<u8>> = HashSet::new();
    let mut nan_seen: Vec<Vec<u8>> = vec![];
    let mut cleared = false;
    let mut steps = 0;
    while !it.key.is_null() {
        // SAFETY: key and elem are valid until the next write or step.
        let (k, e) = unsafe {
            (
                std::slice::from_raw_parts(it.key, l.t.key_size).to_vec(),
                std::slice::from_raw_parts(it.elem, l.t.elem_size).to_vec(),
            )
        };
        match (l.canon)(&k) {
            Some(c) => {
                let (latest, want) = r.m.live.get(&c).unwrap_or_else(|| {
                    panic!(
                        "{}: promise 2: produced a key that is not in the map",
                        l.name
                    )
                });
                assert_eq!(&e, want, "{}: promise 4: a stale elem", l.name);
                assert_eq!(&k, latest, "{}: promise 4: a stale key", l.name);
                let n = produced.entry(c.clone()).or_default();
                assert!(
                    *n == 0 || deleted_since.contains(&c),
                    "{}: promise 3: produced twice",
                    l.name
                );
                *n += 1;
                deleted_since.remove(&c);
            }
            None => nan_seen.push(e),
        }
        // Mutate between steps.
        steps += 1;
        let roll = r.rng.below(100);
        let idx = r.rng.below(l.key_space);
        match roll {
            0..=24 => r.assign(idx),
            25..=44 => {
                if let Some(c) = r.delete(idx) {
                    deleted_since.insert(c.clone());
                    deleted_ever.insert(c);
                }
            }
            45..=46 => {
                // A burst of inserts: one or more doublings in the middle of the loop.
                for _ in 0..r.rng.below(300) {
                    let i = r.rng.below(l.key_space);
                    r.assign(i);
                }
            }
            47..=48 => {
                // Churn at a constant size: same-size grows.
                for _ in 0..r.rng.below(400) {
                    let (a, d) = (r.rng.below(l.key_space), r.rng.below(l.key_space));
                    r.assign(a);
                    if let Some(c) = r.delete(d) {
                        deleted_since.insert(c.clone());
                        deleted_ever.insert(c);
                    }
                }
            }
            49 if r.rng.chance(10) => {
                // SAFETY: live map.
                unsafe { raw::mapclear(&l.t, r.h) };
                r.m = Model::default();
                cleared = true;
            }
            50 if r.rng.chance(20) => {
                // SAFETY: an early exit from the loop.
                unsafe { raw::mapiterdone(&mut *it) };
                assert!(it.key.is_null());
                r.check();
                return;
            }
            _ => {}
        }
        r.check();
        // SAFETY: started by mapiterinit on the live map.
        unsafe { raw::mapiternext(&mut *it) };
        if cleared {
            assert!(
                it.key.is_null(),
                "{}: promise 6: clear ends the iteration",
                l.name
            );
            return;
        }
        if steps >= max_steps {
            // SAFETY: early exit.
            unsafe { raw::mapiterdone(&mut *it) };
            return;
        }
    }
    // The natural end: promises 1 and 5.
    for c in start.live.keys() {
        if !deleted_ever.contains(c) {
            assert_eq!(
                produced.get(c),
                Some(&1),
                "{}: promise 1: an entry present throughout",
                l.name
            );
        }
    }
    if nan_identity(l) {
        let seen: HashSet<&Vec<u8>> = nan_seen.iter().collect();
        assert_eq!(
            seen.len(),
            nan_seen.len(),
            "{}: a NaN entry produced twice",
            l.name
        );
        for e in &start.nans {
            assert!(
                seen.contains(e),
                "{}: promise 5: a NaN entry was skipped",
                l.name
            );
        }
    } else {
        assert!(nan_seen.len() >= start.nans.len());
    }
}

fn run_layout(l: &Layout, seed: u64) {
    setup(seed);
    let base = live_bytes();
    // SAFETY: validated descriptor.
    let h = unsafe { raw::makemap(&l.t, 0, std::ptr::null_mut()) };
    // Seeds 1 and 2 mod 3 shrink incrementally, by halvings or by quarters (as big maps do),
    // so iterations also start mid-shrink; the others shrink in one step, as small maps do by
    // default.
    // SAFETY: live map.
    assert!(unsafe { raw::set_stepwise_shrink_levels(h, (seed % 3) as u8) });
    let mut r = Run {
        l,
        h,
        m: Model::default(),
        arena: Arena::default(),
        rng: Rng(seed),
    };
    for round in 0..scaled(40, 3) {
        let fill = r.rng.below(if round % 4 == 0 { 600 } else { 60 });
        for _ in 0..fill {
            let i = r.rng.below(l.key_space);
            r.assign(i);
        }
        if round % 3 == 1 {
            // Delete most of the map: a shrink starts (no iterator pins it now) and the
            // iteration below may start part way through it.
            let keep = r.rng.below(20);
            let victims: Vec<Vec<u8>> = r.m.live.values().map(|(k, _)| k.clone()).collect();
            for kb in victims {
                if r.rng.below(100) >= keep {
                    r.delete_key(&kb);
                }
            }
        }
        r.check();
        iterate_once(&mut r, scaled(3000, 60));
    }
    // SAFETY: freed once.
    unsafe { raw::mapfree(&l.t, r.h) };
    assert_eq!(live_bytes(), base, "{}: leaked", l.name);
}

#[test]
fn iteration_keeps_gos_promises_under_mutation_on_every_layout() {
    for l in layouts::all() {
        for seed in [1u64, 2, 3] {
            run_layout(&l, seed);
        }
    }
}
