//! Allocation failure: for every N, make the Nth allocation of a scenario fail. The failing call
//! must report out of memory, leave the map exactly as it was (len, every key and elem, the
//! invariants), and the map must stay usable; at the end nothing has leaked. Both handler styles
//! are covered: one that returns (the routine returns null / does nothing) and one that unwinds.

mod common;

use common::layouts::{self, Arena, Layout};
use common::*;
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
