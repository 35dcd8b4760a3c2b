//! The fuzz driver, shared by the libFuzzer target (`fuzz/fuzz_targets/ops.rs`) and the replay
//! test (`tests/fuzz_replay.rs`): decodes an input into operations on up to four maps of the
//! types in [`kinds`], runs them through the raw API (generic and fast routines, iterator steps,
//! clear, clone, free, make with hints, injected allocation failures), checks every result
//! against a `HashMap` model as it goes, and after every step checks `len` and runs the full
//! invariant walk on each map the step may have changed. At the end of an input every map is
//! compared whole with its model and freed, and every byte gohmap allocated must have been
//! given back.
//!
//! Any disagreement panics (a crash for libFuzzer, a failure for the test).
#![allow(dead_code)]

pub mod calls;
pub mod hooks;
pub mod kinds;
pub mod model;
pub mod ops;
pub mod stats;

use gohmap::panic::Code;
use gohmap::{FastFamily, Hmap, MapType, raw};

use calls::{KeyBuf, bytes, fast_assign, str_of, u32_of, u64_of};
use kinds::{Arena, KINDS, Kind};
use model::{IterState, Model};
use ops::Op;
use stats::{Stats, count};

/// At most this many operations per input (keeps every input fast).
pub const MAX_OPS: usize = 2000;
const MAX_MAPS: usize = 4;
const MAX_ITERS: usize = 2;

/// One live map with its descriptor (boxed: iterators keep its address), model and iterations.
struct Slot {
    kind: Kind,
    t: Box<MapType>,
    h: *mut Hmap,
    model: Model,
    iters: Vec<IterState>,
}

struct Driver {
    slots: Vec<Slot>,
    arena: Arena,
    next_val: u64,
}

/// Asserts that nothing was reported since the last call.
fn no_reports(what: &str) {
    let r = hooks::take_reports();
    assert!(r.is_empty(), "{what}: unexpected report {r:?}");
}

/// Whether the last call reported out of memory (and nothing else).
fn out_of_memory(what: &str) -> bool {
    let r = hooks::take_reports();
    match r.as_slice() {
        [] => false,
        [(Code::OutOfMemory, msg)] => {
            assert!(msg.starts_with("out of memory"), "{what}: message {msg:?}");
            count(|c| c.oom += 1);
            true
        }
        _ => panic!("{what}: unexpected reports {r:?}"),
    }
}

/// Runs one input. Panics on any disagreement with the model, broken invariant or leak.
pub fn run(data: &[u8]) {
    run_with_stats(data);
}

/// [`run`], returning what the input exercised.
pub fn run_with_stats(data: &[u8]) -> Stats {
    stats::reset();
    hooks::install();
    // Deterministic start buckets, rotations and seeds: a crash reproduces from its input.
    gohmap::rand::set_thread_seed(0x5eed ^ data.len() as u64);
    let base = hooks::live_bytes();
    let base_blocks = hooks::live_blocks();
    let Some((&first, rest)) = data.split_first() else {
        return Stats::default();
    };
    let mut d = Driver {
        slots: vec![],
        arena: Arena::default(),
        next_val: 1,
    };
    d.make(KINDS[first as usize % KINDS.len()], 0);
    assert_eq!(d.slots.len(), 1, "the first map needs no failing allocator");
    for op in ops::decode(rest, MAX_OPS) {
        d.step(op);
        // The maps the operation may have changed (the others were walked after their last
        // change; a stray write into them would be ASan's or the final check's to find).
        let touched = match op {
            Op::Assign { m, .. }
            | Op::Delete { m, .. }
            | Op::Clear { m }
            | Op::ClearRelease { m }
            | Op::Shrink { m }
            | Op::BulkAssign { m, .. }
            | Op::BulkDelete { m, .. }
            | Op::Access { m, .. }
            | Op::IterInit { m }
            | Op::IterNext { m, .. }
            | Op::IterDone { m, .. }
            | Op::Check { m } => d.pick(m)..d.pick(m) + 1,
            Op::Clone { .. } | Op::Remake { .. } | Op::Make { .. } => 0..d.slots.len(),
            Op::FailAlloc { .. } | Op::Nil { .. } => 0..0,
        };
        for s in &d.slots[touched] {
            s.check_len_and_invariants(&op);
        }
        // SAFETY: live maps.
        if d.slots.iter().any(|s| unsafe { (*s.h).growing() }) {
            count(|c| c.growing_steps += 1);
        }
    }
    hooks::fail_nth(None);
    for s in std::mem::take(&mut d.slots) {
        s.full_check();
        s.free();
    }
    no_reports("free");
    assert_eq!(
        (hooks::live_bytes(), hooks::live_blocks()),
        (base, base_blocks),
        "memory leaked (bytes, blocks) after freeing every map"
    );
    stats::get()
}

impl Driver {
    fn pick(&self, m: u8) -> usize {
        m as usize % self.slots.len()
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Assign { m, key, fast } => {
                let i = self.pick(m);
                self.assign(i, u64::from(key), fast);
            }
            Op::Access { m, key, fast, two } => {
                let i = self.pick(m);
                self.access(i, u64::from(key), fast, two);
            }
            Op::Delete { m, key, fast } => {
                let i = self.pick(m);
                self.delete(i, u64::from(key), fast);
            }
            Op::IterInit { m } => {
                let i = self.pick(m);
                self.slots[i].iter_init();
            }
            Op::IterNext { m, it, steps } => {
                let i = self.pick(m);
                let n = if steps >= 200 {
                    usize::MAX
                } else {
                    steps as usize % 32 + 1
                };
                self.slots[i].iter_next(it, n);
            }
            Op::IterDone { m, it } => {
                let i = self.pick(m);
                let s = &mut self.slots[i];
                if !s.iters.is_empty() {
                    let j = it as usize % s.iters.len();
                    let mut st = s.iters.remove(j);
                    // SAFETY: the iteration was started on this live map.
                    unsafe { raw::mapiterdone(&mut *st.it) };
                    assert!(st.it.key.is_null() && st.it.h.is_null(), "mapiterdone");
                }
            }
            Op::Clear { m } => {
                let i = self.pick(m);
                self.slots[i].clear();
            }
            Op::ClearRelease { m } => {
                let i = self.pick(m);
                self.slots[i].clear_release();
            }
            Op::Shrink { m } => {
                let i = self.pick(m);
                self.slots[i].shrink();
            }
            Op::Clone { m } => {
                let i = self.pick(m);
                self.clone_map(i);
            }
            Op::Remake { m, hint } => {
                let i = self.pick(m);
                self.remake(i, ops::hint(hint));
            }
            Op::Make { kind, hint } => {
                if self.slots.len() == MAX_MAPS {
                    self.slots.pop().expect("four maps").free();
                }
                self.make(KINDS[kind as usize % KINDS.len()], ops::hint(hint));
            }
            Op::BulkAssign { m, start, count } => {
                let i = self.pick(m);
                let start = u64::from(start);
                for k in start..start + 2 * u64::from(count) {
                    if !self.assign(i, k, k & 1 == 1) {
                        break;
                    }
                }
            }
            Op::BulkDelete { m, start, count } => {
                let i = self.pick(m);
                let start = u64::from(start);
                for k in start..start + 2 * u64::from(count) {
                    self.delete(i, k, k & 1 == 1);
                }
            }
            Op::FailAlloc { n } => hooks::fail_nth(Some(u64::from(n % 24) + 1)),
            Op::Check { m } => {
                let i = self.pick(m);
                self.slots[i].full_check();
            }
            Op::Nil { kind, which } => nil_op(KINDS[kind as usize % KINDS.len()], which),
        }
    }

    /// Makes a map and adds it; nothing happens if the allocation fails. Maps made with an odd
    /// hint shrink only incrementally, by halvings (hint 1 mod 4) or up to quarters (3 mod 4),
    /// so that small maps reach mid-shrink states too (`raw::set_stepwise_shrink_levels`; if
    /// its allocation fails, the map keeps the default); the others shrink in one step, the
    /// default.
    fn make(&mut self, kind: Kind, hint: isize) {
        let t = Box::new(kind.maptype());
        // SAFETY: t is a valid descriptor.
        let h = unsafe { raw::makemap(&t, hint, std::ptr::null_mut()) };
        if out_of_memory("makemap") {
            assert!(
                h.is_null(),
                "makemap reported out of memory but returned a map"
            );
            return;
        }
        assert!(!h.is_null(), "makemap returned null without a report");
        // SAFETY: a live map.
        unsafe {
            assert_eq!(raw::maplen(h), 0);
            stepwise_if_odd(h, hint);
        }
        self.slots.push(Slot {
            kind,
            t,
            h,
            model: Model::default(),
            iters: vec![],
        });
    }

    /// Frees map `i` and puts a new one made with `hint` in its place (iterations ended first);
    /// if the new map cannot be made the old one stays.
    fn remake(&mut self, i: usize, hint: isize) {
        let s = &mut self.slots[i];
        // SAFETY: a valid descriptor.
        let h = unsafe { raw::makemap(&s.t, hint, std::ptr::null_mut()) };
        if out_of_memory("remake") {
            assert!(h.is_null());
            s.full_check();
            return;
        }
        assert!(!h.is_null());
        // SAFETY: a live map.
        unsafe { stepwise_if_odd(h, hint) };
        s.end_iters();
        // SAFETY: live map, no iteration running, not used again.
        unsafe { raw::mapfree(&s.t, s.h) };
        no_reports("mapfree");
        s.h = h;
        s.model = Model::default();
    }

    /// `m[key(idx)] = v`. Returns false if it reported out of memory (checked: only a new
    /// key may, and the map is then exactly as before).
    fn assign(&mut self, i: usize, idx: u64, fast: bool) -> bool {
        let kind = self.slots[i].kind;
        let kb = kind.key(idx, &mut self.arena);
        let s = &self.slots[i];
        let canon = kind.canon(&kb);
        let old = canon
            .as_ref()
            .and_then(|c| s.model.live.get(c))
            .map(|e| e.1);
        count(|c| c.fast_calls += usize::from(fast && kind.fast() != FastFamily::None));
        // SAFETY: a live map of s.t; the key is of its type; its string bytes live in the arena.
        let p = unsafe {
            if fast {
                fast_assign(&s.t, s.h, &kb)
            } else {
                raw::mapassign(&s.t, s.h, KeyBuf::new(&kb).ptr())
            }
        };
        if out_of_memory("mapassign") {
            assert!(
                p.is_null(),
                "mapassign reported out of memory but returned a slot"
            );
            assert!(
                old.is_none(),
                "an update of an existing key needs no memory"
            );
            let s = &mut self.slots[i];
            s.full_check();
            return false;
        }
        assert!(!p.is_null(), "mapassign returned null without a report");
        let t = &*self.slots[i].t;
        // SAFETY: p is the elem slot: elem_size bytes, valid until the next write.
        let cur = unsafe { bytes(p, t.elem_size) };
        match old {
            Some(v) => assert_eq!(cur, kind.elem(v, t.elem_size), "assign found another slot"),
            None => assert!(
                cur.iter().all(|&b| b == 0),
                "a new entry's elem is not zero"
            ),
        }
        let v = kind.mask(self.next_val, t.elem_size);
        self.next_val += 1;
        let e = kind.elem(v, t.elem_size);
        // SAFETY: as above, writable.
        unsafe { std::ptr::copy_nonoverlapping(e.as_ptr(), p, e.len()) };
        let s = &mut self.slots[i];
        match canon {
            Some(c) => {
                s.model.live.insert(c, (kb, v));
            }
            None => {
                s.model.nans.insert(v, kb);
            }
        }
        true
    }

    fn access(&mut self, i: usize, idx: u64, fast: bool, two: bool) {
        let kind = self.slots[i].kind;
        let kb = kind.key(idx, &mut self.arena);
        let s = &self.slots[i];
        count(|c| c.fast_calls += usize::from(fast && kind.fast() != FastFamily::None));
        let (p, ok) = s.lookup(&kb, fast, two);
        no_reports("mapaccess");
        let want = kind
            .canon(&kb)
            .and_then(|c| s.model.live.get(&c).map(|e| e.1));
        // SAFETY: p points at elem_size readable bytes (the elem or the zero value).
        let got = unsafe { bytes(p, s.t.elem_size) };
        match want {
            Some(v) => {
                assert!(ok, "{kind:?}: key {idx} missing");
                assert_eq!(
                    got,
                    kind.elem(v, s.t.elem_size),
                    "{kind:?}: key {idx}: elem"
                );
            }
            None => {
                assert!(!ok, "{kind:?}: key {idx} found but not in the model");
                assert!(got.iter().all(|&b| b == 0), "the zero value is not zero");
            }
        }
    }

    fn delete(&mut self, i: usize, idx: u64, fast: bool) {
        let kind = self.slots[i].kind;
        let kb = kind.key(idx, &mut self.arena);
        let s = &mut self.slots[i];
        // SAFETY: live map, a key of its type.
        unsafe {
            match (fast, kind.fast()) {
                (true, FastFamily::Fast32) => raw::mapdelete_fast32(&s.t, s.h, u32_of(&kb)),
                (true, FastFamily::Fast64) => raw::mapdelete_fast64(&s.t, s.h, u64_of(&kb)),
                (true, FastFamily::FastStr) => raw::mapdelete_faststr(&s.t, s.h, str_of(&kb)),
                _ => raw::mapdelete(&s.t, s.h, KeyBuf::new(&kb).ptr()),
            }
        }
        no_reports("mapdelete (needs no memory)");
        if let Some(c) = kind.canon(&kb) {
            s.model.live.remove(&c);
            for st in &mut s.iters {
                st.deleted(&c);
            }
        }
    }

    /// Clones map `i`, checks the clone against the model and keeps it (replacing another map
    /// when four are live), so either can be used on.
    fn clone_map(&mut self, i: usize) {
        let s = &self.slots[i];
        // SAFETY: live map, no write in progress.
        let c = unsafe { raw::mapclone(&s.t, s.h) };
        if out_of_memory("mapclone") {
            assert!(c.is_null());
            self.slots[i].full_check();
            return;
        }
        assert!(!c.is_null(), "mapclone of a live map returned null");
        let new = Slot {
            kind: s.kind,
            t: Box::new(*s.t),
            h: c,
            model: s.model.clone(),
            iters: vec![],
        };
        new.full_check();
        count(|c| c.clones += 1);
        if self.slots.len() == MAX_MAPS {
            let j = (i + 1) % MAX_MAPS;
            self.slots.remove(j).free();
        }
        self.slots.push(new);
    }
}

impl Slot {
    fn lookup(&self, kb: &[u8], fast: bool, two: bool) -> (*mut u8, bool) {
        let (t, h) = (&*self.t, self.h);
        // SAFETY: a live map of t (or nil); the key is of its type.
        let (p, ok) = unsafe {
            let k = KeyBuf::new(kb);
            match (fast, two, self.kind.fast()) {
                (true, false, FastFamily::Fast32) => {
                    (raw::mapaccess1_fast32(t, h, u32_of(kb)), true)
                }
                (true, true, FastFamily::Fast32) => raw::mapaccess2_fast32(t, h, u32_of(kb)),
                (true, false, FastFamily::Fast64) => {
                    (raw::mapaccess1_fast64(t, h, u64_of(kb)), true)
                }
                (true, true, FastFamily::Fast64) => raw::mapaccess2_fast64(t, h, u64_of(kb)),
                (true, false, FastFamily::FastStr) => {
                    (raw::mapaccess1_faststr(t, h, str_of(kb)), true)
                }
                (true, true, FastFamily::FastStr) => raw::mapaccess2_faststr(t, h, str_of(kb)),
                (_, false, _) => (raw::mapaccess1(t, h, k.ptr()), true),
                (_, true, _) => raw::mapaccess2(t, h, k.ptr()),
            }
        };
        // access1 cannot say whether it found the key: call it found when the elem is not the
        // shared zero value, which is what a miss returns.
        if two {
            (p, ok)
        } else {
            (p, p != gohmap::alloc::zero_val())
        }
    }

    fn check_len_and_invariants(&self, op: &Op) {
        // SAFETY: a live map.
        let len = unsafe { raw::maplen(self.h) } as usize;
        assert_eq!(len, self.model.len(), "{:?}: len after {op:?}", self.kind);
        // SAFETY: a live map, no write in progress.
        if let Err(v) = unsafe { raw::check_invariants(&self.t, self.h) } {
            panic!("{:?}: invariant broken after {op:?}: {v}", self.kind);
        }
    }

    /// The whole map equals the model: a complete fresh iteration produces exactly the model's
    /// entries (current key bytes and values), and every model key is found.
    fn full_check(&self) {
        let (kind, es, ks) = (self.kind, self.t.elem_size, self.t.key_size);
        hooks::unfailing(|| {
            let mut st = IterState::new(&self.model);
            // SAFETY: a live map; the iterator stays boxed in place.
            unsafe { raw::mapiterinit(&self.t, self.h, &mut *st.it) };
            let mut n = 0;
            while !st.it.key.is_null() {
                // SAFETY: the iterator points at the current key and elem.
                let (k, e) = unsafe { (bytes(st.it.key, ks), bytes(st.it.elem, es)) };
                check_entry(kind, &self.model, &mut st, &k, &e, es);
                n += 1;
                // SAFETY: the iteration is running on a live map.
                unsafe { raw::mapiternext(&mut *st.it) };
            }
            assert_eq!(n, self.model.len(), "{kind:?}: a full iteration's count");
            assert!(st.must.is_empty() && st.must_nans.is_empty());
            for (kb, v) in self.model.live.values() {
                let (p, ok) = self.lookup(kb, false, true);
                assert!(ok, "{kind:?}: a model key is missing");
                // SAFETY: p points at the elem.
                assert_eq!(unsafe { bytes(p, es) }, kind.elem(*v, es));
            }
            no_reports("full check");
        });
    }

    fn iter_init(&mut self) {
        if self.iters.len() == MAX_ITERS {
            let mut st = self.iters.remove(0);
            // SAFETY: started on this live map.
            unsafe { raw::mapiterdone(&mut *st.it) };
        }
        let mut st = IterState::new(&self.model);
        // SAFETY: a live map; the iterator is boxed and kept in place.
        unsafe { raw::mapiterinit(&self.t, self.h, &mut *st.it) };
        if out_of_memory("mapiterinit") {
            assert!(
                st.it.key.is_null() && st.it.h.is_null(),
                "a failed start is an empty iteration"
            );
            self.full_check();
            return;
        }
        if self.model.len() == 0 {
            assert!(
                st.it.key.is_null(),
                "an empty map's iteration produced something"
            );
        }
        self.iters.push(st);
        let j = self.iters.len() - 1;
        self.observe(j);
    }

    fn iter_next(&mut self, it: u8, steps: usize) {
        if self.iters.is_empty() {
            return;
        }
        let j = it as usize % self.iters.len();
        for _ in 0..steps {
            // SAFETY: the iteration runs on this live map; it has not ended (ended ones are
            // removed by `observe`).
            unsafe { raw::mapiternext(&mut *self.iters[j].it) };
            no_reports("mapiternext");
            if !self.observe(j) {
                break;
            }
        }
    }

    /// Checks iteration `j`'s current position; at the end checks promise 1 and drops it.
    /// Returns whether it is still running.
    fn observe(&mut self, j: usize) -> bool {
        let (kind, es, ks) = (self.kind, self.t.elem_size, self.t.key_size);
        let st = &mut self.iters[j];
        if st.it.key.is_null() {
            assert!(st.it.h.is_null(), "an ended iteration still pins the map");
            if !st.cleared {
                assert!(
                    st.must.is_empty() && st.must_nans.is_empty(),
                    "{kind:?}: iteration ended without producing {} entries present throughout \
                     and {} NaN entries",
                    st.must.len(),
                    st.must_nans.len()
                );
            }
            count(|c| {
                if st.cleared {
                    c.ended_by_clear += 1
                } else {
                    c.completed += 1
                }
            });
            self.iters.remove(j);
            return false;
        }
        assert!(
            !st.cleared,
            "{kind:?}: an iteration produced an entry after a clear"
        );
        // SAFETY: the iterator points at the current key and elem.
        let (k, e) = unsafe { (bytes(st.it.key, ks), bytes(st.it.elem, es)) };
        check_entry(kind, &self.model, st, &k, &e, es);
        count(|c| {
            c.produced += 1;
            c.produced_nans += usize::from(kind.canon(&k).is_none());
        });
        true
    }

    fn clear(&mut self) {
        // SAFETY: a live map.
        unsafe { raw::mapclear(&self.t, self.h) };
        no_reports("mapclear");
        if self.model.len() > 0 {
            for st in &mut self.iters {
                st.cleared = true;
            }
        }
        self.model = Model::default();
    }

    /// `mapclear_release`: ends every running iteration (even on an empty map) and leaves the
    /// map as `makemap_small` made it.
    fn clear_release(&mut self) {
        // SAFETY: a live map.
        unsafe { raw::mapclear_release(&self.t, self.h) };
        no_reports("mapclear_release");
        for st in &mut self.iters {
            st.cleared = true;
        }
        self.model = Model::default();
        // SAFETY: a live map.
        let h = unsafe { &*self.h };
        assert!(
            h.b.get() == 0 && h.buckets.get().is_null() && !h.growing(),
            "{:?}: mapclear_release kept buckets",
            self.kind
        );
    }

    /// `mapshrink`: refused while a running iteration pins the map; otherwise, unless memory
    /// ran short (the map then holds the same entries), the map ends not growing and no bigger
    /// than `makemap` would make it for its length.
    fn shrink(&mut self) {
        let pinned = self.iters.iter().any(|st| !st.cleared);
        // SAFETY: a live map.
        let b0 = unsafe { (*self.h).b.get() };
        // SAFETY: a live map.
        let r = unsafe { raw::mapshrink(&self.t, self.h) };
        no_reports("mapshrink");
        // SAFETY: a live map.
        let h = unsafe { &*self.h };
        match r {
            Ok(()) => {
                assert!(
                    !pinned,
                    "{:?}: mapshrink ignored a running iteration",
                    self.kind
                );
                let target = gohmap::hmap::b_for_hint(h.count.get());
                assert!(
                    !h.growing() && h.b.get() <= target,
                    "{:?}: after mapshrink B = {} (target {target})",
                    self.kind,
                    h.b.get()
                );
                if h.b.get() < b0 {
                    count(|c| c.shrinks += 1);
                }
            }
            Err(raw::ShrinkError::Busy) => {
                assert!(
                    pinned,
                    "{:?}: mapshrink refused without an iteration",
                    self.kind
                );
                assert_eq!(h.b.get(), b0, "a refused shrink changed the map");
            }
            Err(raw::ShrinkError::OutOfMemory(_)) => {
                count(|c| c.oom += 1);
                self.full_check();
            }
        }
    }

    /// Ends every running iteration.
    fn end_iters(&mut self) {
        for mut st in self.iters.drain(..) {
            // SAFETY: started on this live map.
            unsafe { raw::mapiterdone(&mut *st.it) };
        }
    }

    /// Ends the iterations and frees the map.
    fn free(mut self) {
        self.end_iters();
        // SAFETY: a live map, not used again.
        unsafe { raw::mapfree(&self.t, self.h) };
        no_reports("mapfree");
    }
}

/// An entry an iteration produced must be in the map now, with its current key bytes and
/// value, and not produced before by this iteration.
fn check_entry(kind: Kind, m: &Model, st: &mut IterState, k: &[u8], e: &[u8], es: usize) {
    let c = kind.canon(k);
    let v = kind.value(e);
    let (stored_key, want) = match &c {
        Some(c) => m
            .live
            .get(c)
            .map(|(kb, v)| (kb, *v))
            .unwrap_or_else(|| panic!("{kind:?}: produced an entry not in the map")),
        None => (
            m.nans
                .get(&v)
                .unwrap_or_else(|| panic!("{kind:?}: produced a NaN entry not in the map")),
            v,
        ),
    };
    assert_eq!(k, stored_key.as_slice(), "{kind:?}: produced a stale key");
    assert_eq!(e, kind.elem(want, es), "{kind:?}: produced a stale elem");
    assert!(
        st.produce(c.as_ref(), v),
        "{kind:?}: produced an entry twice"
    );
}

/// A nil map: lookups miss with the zero value, delete and clear do nothing, len is zero,
/// iteration is empty, clone is nil, and assignment reports Go's nil-map panic.
fn nil_op(kind: Kind, which: u8) {
    let t = kind.maptype();
    let h: *mut Hmap = std::ptr::null_mut();
    let kb = kind.key(u64::from(which), &mut Arena::default());
    let k = KeyBuf::new(&kb);
    let fast = which & 8 != 0;
    // SAFETY: a nil map is a valid map argument; the key is of the type.
    unsafe {
        match which % 8 {
            0 | 1 => {
                let s = Slot {
                    kind,
                    t: Box::new(t),
                    h,
                    model: Model::default(),
                    iters: vec![],
                };
                let (p, ok) = s.lookup(&kb, fast, which % 8 == 1);
                assert!(!ok && bytes(p, t.elem_size).iter().all(|&b| b == 0));
            }
            2 => {
                let p = if fast {
                    fast_assign(&t, h, &kb)
                } else {
                    raw::mapassign(&t, h, k.ptr())
                };
                assert!(p.is_null());
                let r = hooks::take_reports();
                assert!(
                    matches!(r.as_slice(), [(Code::NilMap, m)] if m == "assignment to entry in nil map"),
                    "nil map assignment reported {r:?}"
                );
            }
            3 => raw::mapdelete(&t, h, k.ptr()),
            4 => {
                let mut it = gohmap::iter::Hiter::done();
                raw::mapiterinit(&t, h, &mut it);
                assert!(it.key.is_null());
                raw::mapiternext(&mut it);
                assert!(it.key.is_null());
            }
            5 => assert!(raw::mapclone(&t, h).is_null()),
            6 => raw::mapclear(&t, h),
            _ => {
                assert_eq!(raw::maplen(h), 0);
                raw::mapfree(&t, h);
            }
        }
    }
    no_reports("nil map");
}

/// See [`Driver::make`].
///
/// # Safety
/// `h` is a live map.
unsafe fn stepwise_if_odd(h: *mut gohmap::Hmap, hint: isize) {
    let levels = match hint & 3 {
        1 => 1,
        3 => 2,
        _ => 0,
    };
    // SAFETY: caller's promise. Out of memory (a failure the driver injected) leaves the
    // default policy, unreported: a test setting, not a map operation.
    let _ = unsafe { raw::set_stepwise_shrink_levels(h, levels) };
}
