//! Model-based tests: long random sequences of assign / lookup / delete / clear on every layout
//! of the catalogue, compared with `std::collections::HashMap` after every step, with the full
//! invariant walk after every step and a leak check at the end.

mod common;

use std::collections::HashMap;

use common::layouts::{self, Arena, Layout};
use common::*;
use gohmap::{Hmap, raw};

/// A key copied into 8-aligned storage (hosts pass keys aligned to their type).
struct Key(Vec<u64>);
impl Key {
    fn new(bytes: &[u8]) -> Key {
        Key(aligned(bytes))
    }
    fn ptr(&self) -> *const u8 {
        self.0.as_ptr().cast()
    }
}

#[derive(Default)]
struct Model {
    live: HashMap<Vec<u8>, Vec<u8>>,
    nans: usize,
}

struct Run<'a> {
    l: &'a Layout,
    h: *mut Hmap,
    m: Model,
    arena: Arena,
    rng: Rng,
    zero: Vec<u64>,
}

impl Run<'_> {
    fn elem_size(&self) -> usize {
        self.l.t.elem_size
    }

    fn lookup(&self, key: &Key) -> (*mut u8, bool) {
        // SAFETY: h is a live map of l.t; key is a key of its type; zero is big enough.
        unsafe {
            if self.elem_size() > 1024 {
                raw::mapaccess2_fat(&self.l.t, self.h, key.ptr(), self.zero.as_ptr() as *mut u8)
            } else {
                raw::mapaccess2(&self.l.t, self.h, key.ptr())
            }
        }
    }

    fn read_elem(&self, p: *mut u8) -> Vec<u8> {
        // SAFETY: p points at elem_size readable bytes.
        unsafe { std::slice::from_raw_parts(p, self.elem_size()).to_vec() }
    }

    fn random_elem(&mut self) -> Vec<u8> {
        (0..self.elem_size())
            .map(|_| self.rng.next() as u8)
            .collect()
    }

    fn assign(&mut self, idx: u64) {
        let kb = (self.l.make_key)(idx, &mut self.arena);
        let key = Key::new(&kb);
        let canon = (self.l.canon)(&kb);
        let v = self.random_elem();
        // SAFETY: live map, key of its type.
        let p = unsafe { raw::mapassign(&self.l.t, self.h, key.ptr()) };
        assert!(!p.is_null(), "{}: assign returned null", self.l.name);
        let fresh = canon.as_ref().is_none_or(|c| !self.m.live.contains_key(c));
        if fresh {
            assert!(
                self.read_elem(p).iter().all(|&b| b == 0),
                "{}: new entry not zeroed",
                self.l.name
            );
        } else {
            let want = &self.m.live[canon.as_ref().unwrap()];
            assert_eq!(
                &self.read_elem(p),
                want,
                "{}: assign to existing key gave another slot",
                self.l.name
            );
        }
        // SAFETY: p has elem_size writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len()) };
        match canon {
            Some(c) => {
                self.m.live.insert(c, v);
            }
            None => self.m.nans += 1,
        }
    }

    fn get(&mut self, idx: u64) {
        let kb = (self.l.make_key)(idx, &mut self.arena);
        let key = Key::new(&kb);
        let (p, ok) = self.lookup(&key);
        match (self.l.canon)(&kb).and_then(|c| self.m.live.get(&c)) {
            Some(want) => {
                assert!(ok, "{}: key {idx} missing", self.l.name);
                assert_eq!(
                    &self.read_elem(p),
                    want,
                    "{}: key {idx} has the wrong elem",
                    self.l.name
                );
            }
            None => {
                assert!(
                    !ok,
                    "{}: key {idx} found but absent in the model",
                    self.l.name
                );
                assert!(
                    self.read_elem(p).iter().all(|&b| b == 0),
                    "zero value is not zero"
                );
            }
        }
    }

    fn delete(&mut self, idx: u64) {
        let kb = (self.l.make_key)(idx, &mut self.arena);
        let key = Key::new(&kb);
        // SAFETY: live map.
        unsafe { raw::mapdelete(&self.l.t, self.h, key.ptr()) };
        if let Some(c) = (self.l.canon)(&kb) {
            self.m.live.remove(&c);
        }
    }

    fn clear(&mut self) {
        // SAFETY: live map.
        unsafe { raw::mapclear(&self.l.t, self.h) };
        self.m = Model::default();
    }

    fn check(&self, step: usize) {
        // SAFETY: live map.
        let len = unsafe { raw::maplen(self.h) } as usize;
        assert_eq!(
            len,
            self.m.live.len() + self.m.nans,
            "{}: len after step {step}",
            self.l.name
        );
        // SAFETY: live map, no write in progress.
        if let Err(v) = unsafe { raw::check_invariants(&self.l.t, self.h) } {
            panic!("{}: invariant broken after step {step}: {v}", self.l.name);
        }
    }

    fn check_all(&mut self) {
        let keys: Vec<Vec<u8>> = self.m.live.keys().cloned().collect();
        for c in keys {
            // Look up by the canonical bytes (for strings: a header over fresh storage).
            let kb = if self.l.name.starts_with("string") {
                layouts::header_bytes(self.arena.string(&c))
            } else {
                c.clone()
            };
            let (p, ok) = self.lookup(&Key::new(&kb));
            assert!(ok, "{}: model key missing in full check", self.l.name);
            assert_eq!(&self.read_elem(p), &self.m.live[&c]);
        }
    }
}

fn run_layout(l: &Layout, seed: u64, steps: usize) {
    setup(seed);
    let before = live_bytes();
    // SAFETY: l.t is validated.
    let h = unsafe { raw::makemap(&l.t, (seed % 3) as isize * 20, std::ptr::null_mut()) };
    let mut r = Run {
        l,
        h,
        m: Model::default(),
        arena: Arena::default(),
        rng: Rng(seed),
        zero: vec![0u64; l.t.elem_size.div_ceil(8) + 1],
    };
    for step in 0..steps {
        // Three phases: mostly growing, mixed churn, mostly shrinking.
        let phase = step * 3 / steps;
        let (pa, pd) = [(70, 10), (40, 35), (20, 60)][phase];
        let idx = r.rng.below(l.key_space);
        let roll = r.rng.below(1000);
        if roll < 3 {
            r.clear();
        } else if roll < pa * 10 {
            r.assign(idx);
        } else if roll < (pa + pd) * 10 {
            r.delete(idx);
        } else {
            r.get(idx);
        }
        r.check(step);
        if step % 512 == 511 {
            r.check_all();
        }
    }
    r.check_all();
    // SAFETY: live map, freed once.
    unsafe { raw::mapfree(&l.t, r.h) };
    assert_eq!(live_bytes(), before, "{}: bytes leaked", l.name);
    assert_eq!(live_blocks(), 0, "{}: blocks leaked", l.name);
}

#[test]
fn model_matches_hashmap_on_every_layout() {
    let steps = scaled(12000, 120);
    for l in layouts::all() {
        let seeds: &[u64] = if MIRI {
            &[1]
        } else {
            &[1, 0xfeed, 0xc0ffee, 77]
        };
        for &seed in seeds {
            run_layout(&l, seed, steps);
        }
    }
}

#[test]
fn model_catalogue_covers_at_least_ten_layouts() {
    assert!(layouts::all().len() >= 10);
}
