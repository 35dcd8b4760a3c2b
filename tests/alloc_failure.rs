//! Allocation failure: for every N, make the Nth allocation of a scenario fail. The failing call
//! must report out of memory, leave the map exactly as it was (len, every key and elem, the
//! invariants), and the map must stay usable; at the end nothing has leaked. Both handler styles
//! are covered: one that returns (the routine returns null / does nothing) and one that unwinds.
//! The second half does the same while iterations run across grows (and starts iterations
//! with the allocator failing): a running iteration keeps its promises through failed assigns.

mod common;

use std::collections::{HashMap, HashSet};

use common::layouts::{self, Arena, Layout};
use common::*;
use gohmap::iter::Hiter;
use gohmap::panic::Code;
use gohmap::{Hmap, raw};

#[derive(Clone, Copy, Debug)]
enum Op {
    Make(isize),
    Set(u64),
    Del(u64),
    Clear,
}

fn scenario(n: u64) -> Vec<Op> {
    let mut ops = vec![Op::Make(0)];
    ops.extend((0..n).map(Op::Set));
    ops.extend((0..n).step_by(3).map(Op::Del));
    ops.extend((n..n + n / 2).map(Op::Set));
    ops.push(Op::Clear);
    ops.extend((0..n / 2).map(Op::Set));
    ops.extend((0..n / 2).step_by(2).map(Op::Del));
    ops.push(Op::Make(n as isize)); // a second map made with a hint: several allocations
    ops.extend((0..n / 4).map(Op::Set));
    ops
}

/// (len, sorted entries): everything a caller can observe of a map's contents.
type Snapshot = (usize, Vec<(Vec<u8>, Vec<u8>)>);

fn snapshot(l: &Layout, h: *mut Hmap) -> Snapshot {
    if h.is_null() {
        return (0, vec![]);
    }
    let mut d = dump(&l.t, h);
    d.sort();
    // SAFETY: live map.
    (unsafe { raw::maplen(h) } as usize, d)
}

/// Runs one operation; returns whether it completed (false: out of memory was reported).
fn apply(l: &Layout, h: &mut *mut Hmap, op: Op, arena: &mut Arena, mode: Mode) -> bool {
    let before = snapshot(l, *h);
    let run = |h: &mut *mut Hmap, arena: &mut Arena| -> bool {
        // SAFETY: *h is null or a live map of l.t; keys are of its type.
        unsafe {
            match op {
                Op::Make(hint) => {
                    let m = raw::makemap(&l.t, hint, std::ptr::null_mut());
                    if m.is_null() {
                        return false;
                    }
                    raw::mapfree(&l.t, *h);
                    *h = m;
                    true
                }
                Op::Set(i) => {
                    let k = aligned(&(l.make_key)(i, arena));
                    let p = raw::mapassign(&l.t, *h, k.as_ptr().cast());
                    if p.is_null() {
                        return false;
                    }
                    std::ptr::write_bytes(p, i as u8 | 1, l.t.elem_size);
                    true
                }
                Op::Del(i) => {
                    let k = aligned(&(l.make_key)(i, arena));
                    let n0 = reports_len();
                    raw::mapdelete(&l.t, *h, k.as_ptr().cast());
                    reports_len() == n0
                }
                Op::Clear => {
                    raw::mapclear(&l.t, *h);
                    true
                }
            }
        }
    };
    let ok = match mode {
        Mode::Record => {
            take_reports();
            let ok = run(h, arena);
            let reports = take_reports();
            assert_eq!(
                ok,
                reports.is_empty(),
                "{}: {op:?}: failure and report disagree",
                l.name
            );
            if let Some((code, msg)) = reports.first() {
                assert_eq!(*code, Code::OutOfMemory, "{}: {op:?}", l.name);
                assert!(msg.starts_with("out of memory"), "{msg}");
            }
            ok
        }
        Mode::Unwind => match catch(|| run(h, arena)) {
            Ok(ok) => {
                assert!(ok, "{}: {op:?} failed without unwinding", l.name);
                true
            }
            Err(r) => {
                assert_eq!(r.code, Code::OutOfMemory, "{}: {op:?}", l.name);
                false
            }
        },
    };
    if !ok {
        assert_eq!(
            snapshot(l, *h),
            before,
            "{}: {op:?}: a failed call changed the map",
            l.name
        );
    }
    if !h.is_null() {
        assert_invariants(&l.t, *h);
    }
    ok
}

fn run(l: &Layout, ops: &[Op], fail_at: Option<u64>, mode: Mode) -> (u64, usize) {
    setup(7);
    set_mode(mode);
    let base = live_bytes();
    let mut arena = Arena::default();
    let mut h: *mut Hmap = std::ptr::null_mut();
    let start = allocs();
    fail_nth(fail_at);
    let mut failures = 0;
    for &op in ops {
        if !apply(l, &mut h, op, &mut arena, mode) {
            failures += 1;
            // The map stays usable: the same operation now succeeds.
            assert!(
                apply(l, &mut h, op, &mut arena, mode),
                "{}: retry of {op:?}",
                l.name
            );
        }
    }
    let used = allocs() - start;
    // SAFETY: freed once.
    unsafe { raw::mapfree(&l.t, h) };
    assert_eq!(
        live_bytes(),
        base,
        "{}: leaked with allocation {fail_at:?} failing",
        l.name
    );
    (used, failures)
}

fn every_n(name: &str, n: u64, mode: Mode) {
    let all = layouts::all();
    let l = all.iter().find(|l| l.name == name).unwrap();
    let ops = scenario(n);
    let (total, _) = run(l, &ops, None, mode);
    assert!(total > 5);
    let mut failed = 0;
    for k in 1..=total {
        let (_, f) = run(l, &ops, Some(k), mode);
        failed += f;
    }
    assert!(
        failed as u64 >= total * 9 / 10,
        "{name}: most injected failures hit a reporting call"
    );
}

#[test]
fn every_failed_allocation_leaves_the_map_unchanged_u64() {
    every_n("u64->u64", scaled(700, 40) as u64, Mode::Record);
}

#[test]
fn every_failed_allocation_leaves_the_map_unchanged_when_the_handler_unwinds() {
    every_n("u64->u64", scaled(700, 40) as u64, Mode::Unwind);
}

#[test]
fn every_failed_allocation_leaves_the_map_unchanged_out_of_line() {
    every_n(
        "[200]byte->[200]byte (indirect)",
        scaled(90, 12) as u64,
        Mode::Record,
    );
}

#[test]
fn every_failed_allocation_leaves_the_map_unchanged_in_long_chains() {
    every_n("colliding u64->u64", scaled(150, 20) as u64, Mode::Unwind);
}

#[test]
fn every_failed_allocation_leaves_the_map_unchanged_strings() {
    every_n("string->string", scaled(300, 20) as u64, Mode::Record);
}

/// Delete, and update of an existing key, need no memory: with every allocation failing in the
/// middle of a grow whose unevacuated chain needs new overflow buckets to move, they still
/// succeed and report nothing (they work on the old chain); only a new key reports.
#[test]
fn delete_and_update_need_no_memory_during_a_grow() {
    use gohmap::bucket::Bucket;
    use gohmap::hmap::{over_load_factor, too_many_overflow_buckets};
    setup(9);
    set_mode(Mode::Record);
    let all = layouts::all();
    let l = all.iter().find(|l| l.name == "colliding u64->u64").unwrap();
    let m = M::new(l.t, 0);
    let key = |i: u64| -> u64 {
        u64::from_le_bytes((l.make_key)(i, &mut Arena::default()).try_into().unwrap())
    };
    // Fill until the next insert starts a grow out of B = 2 (every key is in one long chain).
    let mut n = 0;
    loop {
        let h = m.hdr();
        let next_grows = !h.growing()
            && (over_load_factor(h.count.get() + 1, h.b.get())
                || too_many_overflow_buckets(h.noverflow.get(), h.b.get()));
        if next_grows && h.b.get() >= 2 {
            break;
        }
        m.set(&key(n), n);
        n += 1;
    }
    // The triggering insert: the new array is allocated (call 1), evacuating the long chain
    // needs overflow buckets (call 2 on) and fails: the map is left growing, chain unmoved.
    fail_from(Some(2));
    let k = key(n);
    // SAFETY: live map.
    assert!(unsafe { raw::mapassign(&l.t, m.h, (&raw const k).cast()) }.is_null());
    assert_eq!(take_reports()[0].0, Code::OutOfMemory);
    let h = m.hdr();
    let old = h.noldbuckets();
    // SAFETY: growing, so the old array is live; the constant hash picks this old bucket.
    let moved = unsafe {
        Bucket::at(h.oldbuckets.get(), &l.t, 0xabcd_0000_0000_0017 & (old - 1)).evacuated()
    };
    assert!(
        h.growing() && !moved,
        "the scenario needs an unevacuated chain"
    );
    m.check();

    fail_from(Some(1));
    m.del(&key(0));
    m.set(&key(1), 111u64); // an update
    assert!(
        take_reports().is_empty(),
        "delete and update reported out of memory"
    );
    assert_eq!(m.get::<u64, u64>(&key(0)), None);
    assert_eq!(m.get::<u64, u64>(&key(1)), Some(111));
    assert_eq!(m.len() as u64, n - 1);
    m.check();
    let fresh = key(n + 1000);
    // SAFETY: live map; a new key needs a cell in the new table.
    let p = unsafe { raw::mapassign(&l.t, m.h, (&raw const fresh).cast()) };
    assert!(p.is_null());
    assert_eq!(take_reports()[0].0, Code::OutOfMemory);
    fail_from(None);
    m.set(&key(n + 1000), 5u64);
    m.check();
}

// ---------------------------------------------------------------------------------------------
// Allocation failure while an iteration runs.
//
// The map's model, plus what a running iteration must still do (promise numbers are
// `gohmap::iter`'s): produce every entry present at its start and never deleted (1), nothing
// twice unless deleted and inserted again in between (3), and only entries in the map now, with
// their current key and elem (2, 4), however often the map grows meanwhile (5).

/// The map as the caller sees it: canonical key -> (key bytes stored last, elem), and the NaN
/// entries by their elem (unique: every elem written carries a fresh counter).
#[derive(Clone, Default, PartialEq, Debug)]
struct IterModel {
    live: HashMap<Vec<u8>, (Vec<u8>, Vec<u8>)>,
    nans: HashSet<Vec<u8>>,
}

/// A running iteration and its bookkeeping.
struct Running {
    it: Box<Hiter>,
    must: HashSet<Vec<u8>>,
    must_nans: HashSet<Vec<u8>>,
    produced: HashSet<Vec<u8>>,
    produced_nans: HashSet<Vec<u8>>,
}

struct IterRun<'a> {
    l: &'a Layout,
    h: *mut Hmap,
    m: IterModel,
    arena: Arena,
    counter: u64,
    mode: Mode,
    failures: usize,
    /// Iteration steps taken while the map was growing.
    steps_growing: usize,
}

impl<'a> IterRun<'a> {
    /// A run on a new empty map of `l`.
    fn new(l: &'a Layout, mode: Mode) -> IterRun<'a> {
        // SAFETY: a valid descriptor.
        let h = unsafe { raw::makemap(&l.t, 0, std::ptr::null_mut()) };
        IterRun {
            l,
            h,
            m: IterModel::default(),
            arena: Arena::default(),
            counter: 0,
            mode,
            failures: 0,
            steps_growing: 0,
        }
    }

    fn elem(&mut self) -> Vec<u8> {
        self.counter += 1;
        let mut e: Vec<u8> = (0..self.l.t.elem_size)
            .map(|j| (self.counter as u8).wrapping_add(j as u8) | 1)
            .collect();
        let n = e.len().min(8);
        e[..n].copy_from_slice(&self.counter.to_le_bytes()[..n]);
        e
    }

    /// `m[key(i)] = fresh elem`, retried once if it reports out of memory (which must leave the
    /// map exactly as it was). Returns whether the first attempt failed.
    fn assign(&mut self, i: u64) -> bool {
        let kb = (self.l.make_key)(i, &mut self.arena);
        let k = aligned(&kb);
        let e = self.elem();
        let before = self.m.clone();
        let snap = snapshot(self.l, self.h);
        let (t, h) = (&self.l.t, self.h);
        // SAFETY: live map; a key of its type; the slot gets elem_size bytes.
        let attempt = || unsafe {
            let p = raw::mapassign(t, h, k.as_ptr().cast());
            if !p.is_null() {
                std::ptr::copy_nonoverlapping(e.as_ptr(), p, e.len());
            }
            !p.is_null()
        };
        take_reports();
        let ok = match self.mode {
            Mode::Record => {
                let ok = attempt();
                let r = take_reports();
                assert_eq!(
                    ok,
                    r.is_empty(),
                    "{}: failure and report disagree",
                    self.l.name
                );
                if let Some((code, _)) = r.first() {
                    assert_eq!(*code, Code::OutOfMemory);
                }
                ok
            }
            Mode::Unwind => match catch(attempt) {
                Ok(ok) => {
                    assert!(ok, "{}: null without unwinding", self.l.name);
                    true
                }
                Err(r) => {
                    assert_eq!(r.code, Code::OutOfMemory, "{}", self.l.name);
                    false
                }
            },
        };
        if !ok {
            self.failures += 1;
            assert_eq!(
                snapshot(self.l, self.h),
                snap,
                "{}: a failed assign changed the map",
                self.l.name
            );
            assert_eq!(self.m, before);
            assert_invariants(&self.l.t, self.h);
            // The map stays usable: the same assign now succeeds (the failure was one-shot).
            assert!(!self.assign(i), "{}: the retry failed", self.l.name);
            return true;
        }
        match (self.l.canon)(&kb) {
            Some(c) => {
                self.m.live.insert(c, (kb, e));
            }
            None => {
                self.m.nans.insert(e);
            }
        }
        false
    }

    fn delete(&mut self, i: u64, iters: &mut [&mut Running]) {
        let kb = (self.l.make_key)(i, &mut self.arena);
        let k = aligned(&kb);
        // SAFETY: live map.
        unsafe { raw::mapdelete(&self.l.t, self.h, k.as_ptr().cast()) };
        assert!(
            take_reports().is_empty(),
            "{}: delete reported",
            self.l.name
        );
        if let Some(c) = (self.l.canon)(&kb) {
            self.m.live.remove(&c);
            for r in iters {
                r.must.remove(&c);
                r.produced.remove(&c);
            }
        }
    }

    /// Starts an iteration; if pinning reported out of memory the iteration must be empty and
    /// hold no pin (returns None).
    fn start(&mut self) -> Option<Running> {
        let mut it = Box::new(Hiter::done());
        take_reports();
        // SAFETY: live map; the boxed iterator stays put.
        let r = catch(|| unsafe { raw::mapiterinit(&self.l.t, self.h, &mut *it) });
        let reports = take_reports();
        if r.is_err() || !reports.is_empty() {
            assert!(
                reports.iter().all(|(c, _)| *c == Code::OutOfMemory),
                "{}: {reports:?}",
                self.l.name
            );
            if let Err(rep) = r {
                assert_eq!(rep.code, Code::OutOfMemory);
            }
            assert!(
                it.key.is_null() && it.h.is_null(),
                "{}: a failed start is empty",
                self.l.name
            );
            return None;
        }
        let mut run = Running {
            it,
            must: self.m.live.keys().cloned().collect(),
            must_nans: self.m.nans.clone(),
            produced: HashSet::new(),
            produced_nans: HashSet::new(),
        };
        self.observe(&mut run);
        Some(run)
    }

    /// Checks the iteration's current entry; at its end, promise 1. Returns whether it runs on.
    fn observe(&self, r: &mut Running) -> bool {
        let l = self.l;
        if r.it.key.is_null() {
            assert!(
                r.it.h.is_null(),
                "{}: the ended iteration still pins",
                l.name
            );
            assert!(
                r.must.is_empty() && r.must_nans.is_empty(),
                "{}: promise 1: {} entries present throughout were never produced",
                l.name,
                r.must.len() + r.must_nans.len()
            );
            return false;
        }
        // SAFETY: key and elem are valid until the next write or step.
        let (k, e) = unsafe {
            (
                std::slice::from_raw_parts(r.it.key, l.t.key_size).to_vec(),
                std::slice::from_raw_parts(r.it.elem, l.t.elem_size).to_vec(),
            )
        };
        match (l.canon)(&k) {
            Some(c) => {
                let (latest, want) = self.m.live.get(&c).unwrap_or_else(|| {
                    panic!("{}: promise 2: produced a key not in the map", l.name)
                });
                assert_eq!(
                    (&k, &e),
                    (latest, want),
                    "{}: promise 4: stale entry",
                    l.name
                );
                r.must.remove(&c);
                assert!(
                    r.produced.insert(c),
                    "{}: promise 3: produced twice",
                    l.name
                );
            }
            None => {
                assert!(
                    self.m.nans.contains(&e),
                    "{}: produced an unknown NaN entry",
                    l.name
                );
                r.must_nans.remove(&e);
                assert!(r.produced_nans.insert(e), "{}: a NaN entry twice", l.name);
            }
        }
        true
    }

    fn step(&self, r: &mut Running) -> bool {
        if r.it.key.is_null() {
            return false;
        }
        // SAFETY: the iteration runs on this live map.
        unsafe { raw::mapiternext(&mut *r.it) };
        assert!(
            take_reports().is_empty(),
            "{}: a step reported",
            self.l.name
        );
        self.observe(r)
    }

    fn len(&self) -> usize {
        // SAFETY: live map.
        unsafe { raw::maplen(self.h) as usize }
    }

    fn note_growth(&mut self) {
        // SAFETY: live map.
        if unsafe { (*self.h).growing() } {
            self.steps_growing += 1;
        }
    }
}

/// Fills a map with `pre` keys, starts an iteration, then arms `fail_at` and interleaves
/// iteration steps with inserts of new keys (doubling the map several times, so most steps
/// happen during a grow), deletes, updates and a second iteration started midway; finally runs
/// both iterations to their ends and frees the map. Returns (allocations used after the
/// iteration started, failures hit).
fn iterate_while_failing(
    l: &Layout,
    (pre, rounds): (u64, u64),
    fail_at: Option<u64>,
    mode: Mode,
) -> (u64, usize, usize, u8) {
    setup(11);
    set_mode(Mode::Record);
    let base = live_bytes();
    let mut r = IterRun::new(l, mode);
    for i in 0..pre {
        r.assign(i);
    }
    let mut first = r.start().expect("no failure armed yet");
    set_mode(mode);
    let start = allocs();
    // SAFETY: live map.
    let b_at_start = unsafe { (*r.h).b.get() };
    fail_nth(fail_at);
    let mut second: Option<Running> = None;
    for j in 0..rounds {
        // Three steps a round while the map grows, so much of the iteration meets a grow.
        // SAFETY: live map.
        let steps = if unsafe { (*r.h).growing() } { 3 } else { 1 };
        for _ in 0..steps {
            if r.step(&mut first) {
                r.note_growth();
            }
        }
        r.assign(pre + j);
        if j % 3 == 0 {
            let mut its: Vec<&mut Running> = vec![&mut first];
            its.extend(second.as_mut());
            r.delete(j / 2, &mut its);
        }
        if j % 5 == 0 {
            r.assign(j / 4); // an update, or a re-insert of a deleted key
        }
        if j == rounds / 2 {
            second = r.start();
        }
        for _ in 0..steps {
            if let Some(s) = second.as_mut()
                && r.step(s)
            {
                r.note_growth();
            }
        }
        assert_invariants(&l.t, r.h);
        assert_eq!(r.len(), r.m.live.len() + r.m.nans.len());
    }
    while r.step(&mut first) {}
    if let Some(mut s) = second {
        while r.step(&mut s) {}
    }
    let used = allocs() - start;
    // SAFETY: live map.
    let doublings = unsafe { (*r.h).b.get() } - b_at_start;
    fail_nth(None);
    let mut d = dump(&l.t, r.h);
    d.sort();
    let mut want: Vec<(Vec<u8>, Vec<u8>)> = r.m.live.values().cloned().collect();
    want.sort();
    assert_eq!(r.len(), want.len() + r.m.nans.len());
    if r.m.nans.is_empty() {
        assert_eq!(d, want, "{}: the map differs from the model", l.name);
    }
    // SAFETY: freed once; both iterations have ended.
    unsafe { raw::mapfree(&l.t, r.h) };
    assert_eq!(
        live_bytes(),
        base,
        "{}: leaked with allocation {fail_at:?} failing",
        l.name
    );
    (used, r.failures, r.steps_growing, doublings)
}

fn iterate_every_n(name: &str, size: (u64, u64), mode: Mode) {
    let all = layouts::all();
    let l = all.iter().find(|l| l.name == name).unwrap();
    let (total, none, growing, doublings) = iterate_while_failing(l, size, None, mode);
    assert_eq!(none, 0);
    assert!(
        growing >= 8,
        "{name}: the iterations step while the map grows ({growing})"
    );
    // How many allocations the scenario makes depends on the process's random hash key (it
    // decides which buckets overflow), so the floor asserted is the deterministic part: each
    // doubling while iterating allocates a new array (CI once saw a u64 run with only 4).
    assert!(
        doublings >= 2,
        "{name}: the map doubles at least twice while iterating ({doublings})"
    );
    assert!(
        total >= u64::from(doublings),
        "{name}: every doubling while iterating allocates ({total} allocations, {doublings} doublings)"
    );
    let mut failed = 0;
    for k in 1..=total {
        failed += iterate_while_failing(l, size, Some(k), mode).1;
    }
    eprintln!(
        "{name} {mode:?}: {total} allocations while iterating, {failed} failed assigns, \
         {growing} steps during grows"
    );
    assert!(
        failed as u64 >= total / 2,
        "{name}: most injected failures hit an assign ({failed} of {total})"
    );
}

#[test]
fn failed_assigns_during_an_iteration_change_nothing_and_the_iteration_keeps_its_promises() {
    iterate_every_n(
        "u64->u64",
        (scaled(50, 10) as u64, scaled(400, 30) as u64),
        Mode::Record,
    );
}

#[test]
fn failed_assigns_during_an_iteration_with_an_unwinding_handler() {
    iterate_every_n(
        "u64->u64",
        (scaled(50, 10) as u64, scaled(400, 30) as u64),
        Mode::Unwind,
    );
}

#[test]
fn failed_assigns_during_an_iteration_out_of_line() {
    iterate_every_n(
        "[200]byte->[200]byte (indirect)",
        (scaled(20, 5) as u64, scaled(120, 10) as u64),
        Mode::Record,
    );
}

#[test]
fn failed_assigns_during_an_iteration_strings() {
    iterate_every_n(
        "string->string",
        (scaled(30, 5) as u64, scaled(400, 20) as u64),
        Mode::Unwind,
    );
}

#[test]
fn failed_assigns_during_an_iteration_nan_keys() {
    iterate_every_n(
        "f64->u64",
        (scaled(40, 5) as u64, scaled(300, 30) as u64),
        Mode::Record,
    );
}

#[test]
fn failed_assigns_during_an_iteration_in_long_chains() {
    iterate_every_n(
        "colliding u64->u64",
        (scaled(20, 5) as u64, scaled(120, 15) as u64),
        Mode::Record,
    );
}

/// An iteration's pin lives in the map's extension, made on first need. With every allocation
/// failing, starting an iteration on a map without one reports out of memory and yields an
/// empty iteration holding no pin, leaving the map as it was; once an iteration has made it,
/// iterations start and run to their end with the allocator still failing.
#[test]
fn starting_an_iteration_under_a_failing_allocator() {
    for mode in [Mode::Record, Mode::Unwind] {
        let all = layouts::all();
        let l = all.iter().find(|l| l.name == "u64->u64").unwrap();
        setup(5);
        set_mode(mode);
        let base = live_bytes();
        let mut r = IterRun::new(l, mode);
        let h = r.h;
        for i in 0..6 {
            r.assign(i);
        }
        assert!(r.m.nans.is_empty());
        let before = snapshot(l, h);
        fail_from(Some(1));
        assert!(
            r.start().is_none(),
            "pinning a map without its extension needs memory"
        );
        assert_eq!(snapshot(l, h), before);
        assert_invariants(&l.t, h);
        fail_from(None);
        let mut it = r.start().expect("starts once memory is back");
        while r.step(&mut it) {}
        fail_from(Some(1));
        let mut it = r
            .start()
            .expect("the extension exists now: no memory needed");
        let mut n = 1;
        while r.step(&mut it) {
            n += 1;
        }
        assert_eq!(n, 6, "every entry produced with the allocator failing");
        fail_from(None);
        // SAFETY: freed once.
        unsafe { raw::mapfree(&l.t, h) };
        assert_eq!(live_bytes(), base, "leaked");
    }
}
