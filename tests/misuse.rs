//! Concurrent misuse is reported as Go reports it (spec §4.5): `concurrent map writes`,
//! `concurrent map read and map write`, `concurrent map iteration and map write`, all fatal.
//!
//! Two threads racing on one map is a data race, undefined behaviour in Rust terms, and Go's
//! detection (one `hashWriting` bit, checked before and after each write and before each read
//! or iterator step) is best-effort by design. So every scenario here runs in a **child
//! process**: the test binary re-runs itself (`--exact <test> --nocapture`) with
//! `GOHMAP_MISUSE_CHILD` naming the test. A racing child installs a handler that records the
//! first fatal report and ends the process with [`DETECTED`]; after a bounded number of rounds
//! with no report it exits with [`MISSED`]. Whatever the race corrupted dies with the child.
//! The single-threaded fatal paths (callbacks that re-enter the map they serve) run with the
//! **default** handler, which prints Go's `fatal error: ...` and aborts, or with handlers that
//! return or unwind, to pin what `panic::fatal` does then.

#![cfg(not(miri))] // every scenario runs in a child process, which Miri cannot start

mod common;

use std::ffi::{CStr, c_char, c_int, c_void};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Barrier, OnceLock};
use std::time::{Duration, Instant};

use gohmap::consts::*;
use gohmap::hash::{self, GoString};
use gohmap::iter::Hiter;
use gohmap::panic::Code;
use gohmap::{Hmap, KeyKind, MapType, raw};

/// The environment variable that makes the test binary a child running one scenario.
const CHILD_ENV: &str = "GOHMAP_MISUSE_CHILD";
/// Child exit status: a fatal report was seen (the report is on stdout).
const DETECTED: i32 = 42;
/// Child exit status: every round ran without a report.
const MISSED: i32 = 43;
/// Rounds a racing child runs before giving up (each round is two threads' bursts).
const ROUNDS: usize = 2000;
/// Map operations per thread per round: long enough that the threads overlap even when the
/// scheduler runs them one after the other on a loaded machine (a preemption lands mid-call).
const BURST: usize = 20_000;
/// How long the parent waits for a child before killing it (a race may have hung it).
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// What a child printed and how it ended.
struct ChildRun {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
}

impl ChildRun {
    /// The `MISUSE code=<c> round=<r> ops=<n> msg=<m>` line a racing child printed, if any.
    fn report(&self) -> Option<(i32, usize, usize, String)> {
        // libtest may have printed `test <name> ... ` on the same line first.
        let line = self
            .stdout
            .lines()
            .find_map(|l| Some(&l[l.find("MISUSE ")?..]))?;
        let field = |name: &str| {
            let start = line.find(&format!("{name}="))? + name.len() + 1;
            let rest = &line[start..];
            Some(rest.split(' ').next()?.to_string())
        };
        let msg = &line[line.find("msg=")? + 4..];
        Some((
            field("code")?.parse().ok()?,
            field("round")?.parse().ok()?,
            field("ops")?.parse().ok()?,
            msg.to_string(),
        ))
    }
}

/// Whether this process is the child for `test`.
fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == test)
}

/// Runs this test binary as the child for `test` (with `extra` environment) and collects it.
fn run_child(test: &str, extra: &[(&str, &str)]) -> ChildRun {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // Drain both pipes on threads so a chatty child can never block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let s = child.wait().unwrap();
            panic!("child {test} did not finish in {CHILD_TIMEOUT:?} ({s})");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    use std::os::unix::process::ExitStatusExt;
    ChildRun {
        code: status.code(),
        signal: status.signal(),
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

// ---- the racing child's side ----

/// The round the child is in, for the report.
static ROUND: AtomicUsize = AtomicUsize::new(0);
/// Map operations done so far by all racing threads (updated once per burst).
static OPS: AtomicUsize = AtomicUsize::new(0);
/// The first code reported (0: none yet).
static FIRST: AtomicI32 = AtomicI32::new(0);

/// The racing child's handler: the first fatal report is printed and ends the process with
/// [`DETECTED`]; a thread reporting second waits for that exit. Never returns, so the library's
/// abort after a returning fatal handler is never reached.
unsafe extern "C-unwind" fn recording_handler(code: c_int, msg: *const c_char) {
    // SAFETY: gohmap passes a NUL-terminated message valid during the call.
    let msg = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    if FIRST
        .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "MISUSE code={code} round={} ops={} msg={msg}",
            ROUND.load(Ordering::SeqCst),
            OPS.load(Ordering::SeqCst)
        );
        let _ = out.flush();
        std::process::exit(DETECTED);
    }
    loop {
        std::thread::park();
    }
}

/// A map pointer handed to racing threads. Sharing it is the misuse under test.
#[derive(Clone, Copy)]
struct Shared(*mut Hmap);
// SAFETY: deliberately unsound: the threads race on the map (that is the scenario), inside a
// child process that exists only to be corrupted.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// Runs up to [`ROUNDS`] rounds; in each, a fresh map of `t` made by `prepare` is hit by two
/// threads running `a` and `b` (each given the map and its op count) from a common start.
/// Exits with [`MISSED`] if no round was reported.
fn race(
    t: &MapType,
    prepare: impl Fn(&MapType) -> *mut Hmap,
    a: impl Fn(Shared) + Sync,
    b: impl Fn(Shared) + Sync,
) -> ! {
    gohmap::panic::set_panic_handler(Some(recording_handler));
    for round in 1..=ROUNDS {
        ROUND.store(round, Ordering::SeqCst);
        let h = Shared(prepare(t));
        let start = Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                start.wait();
                a(h);
            });
            s.spawn(|| {
                start.wait();
                b(h);
            });
        });
        OPS.fetch_add(2 * BURST, Ordering::SeqCst);
        // SAFETY: no thread uses the map any more. A race that went unreported may have left
        // it inconsistent; the keys and elems are inline, so freeing only releases arrays.
        unsafe { raw::mapfree(t, h.0) };
    }
    println!("MISSED rounds={ROUNDS}");
    let _ = std::io::stdout().flush();
    std::process::exit(MISSED)
}

/// A map of `t` presized for `n` entries (so the bursts never grow it) holding `keys(0..n)`.
fn filled(t: &MapType, n: usize, key: impl Fn(usize) -> Vec<u8>) -> *mut Hmap {
    // SAFETY: validated descriptor; fresh map; keys are t.key_size bytes.
    unsafe {
        let h = raw::makemap(t, 2 * n as isize, std::ptr::null_mut());
        for i in 0..n {
            let k = common::aligned(&key(i));
            let e = raw::mapassign(t, h, k.as_ptr().cast());
            e.cast::<u64>().write_unaligned(i as u64);
        }
        h
    }
}

/// Updates (and, for half the keys, inserts) `n` keys of a u64 map in a burst.
fn write_burst(t: &MapType, h: Shared, first: u64, n: u64) {
    for i in 0..BURST as u64 {
        let k = first + i % n;
        // SAFETY: the race is the scenario; the map is live and never grows (presized).
        unsafe {
            let e = raw::mapassign(t, h.0, (&raw const k).cast());
            e.cast::<u64>().write_unaligned(i);
        }
    }
}

const KEYS: usize = 512;

fn u64_key(i: usize) -> Vec<u8> {
    (i as u64).to_ne_bytes().to_vec()
}

/// The parent's side of a racing scenario: runs the child `times` times, asserts each ended by
/// reporting exactly `(code, msg)`, and prints how many rounds and operations it took.
fn expect_detected(test: &str, env: &[(&str, &str)], code: Code, msg: &str, times: usize) {
    let mut rounds = vec![];
    for _ in 0..times {
        let run = run_child(test, env);
        match run.code {
            Some(DETECTED) => {}
            Some(MISSED) => panic!(
                "{test} {env:?}: no report in {ROUNDS} rounds of {BURST} operations per thread"
            ),
            _ => panic!(
                "{test} {env:?}: child ended with code {:?} signal {:?}\nstdout:\n{}\nstderr:\n{}",
                run.code, run.signal, run.stdout, run.stderr
            ),
        }
        let (c, round, ops, m) = run.report().expect("a detecting child prints its report");
        assert_eq!((c, m.as_str()), (code as i32, msg), "{test} {env:?}");
        rounds.push((round, ops));
    }
    println!("{test} {env:?}: detected {times}/{times}; (round, ops before it) = {rounds:?}");
}

// ---- two threads assigning ----

#[test]
fn two_threads_assigning_are_reported_as_concurrent_map_writes() {
    const NAME: &str = "two_threads_assigning_are_reported_as_concurrent_map_writes";
    if is_child(NAME) {
        let t = common::kind(KeyKind::U64, 8, 8);
        race(
            &t,
            |t| filled(t, KEYS / 2, u64_key),
            |h| write_burst(&t, h, 0, KEYS as u64),
            |h| write_burst(&t, h, KEYS as u64 / 4, KEYS as u64),
        );
    }
    expect_detected(
        NAME,
        &[],
        Code::ConcurrentWrites,
        "concurrent map writes",
        3,
    );
}

#[test]
fn racing_writers_under_the_default_handler_abort_with_gos_message() {
    const NAME: &str = "racing_writers_under_the_default_handler_abort_with_gos_message";
    if is_child(NAME) {
        let t = common::kind(KeyKind::U64, 8, 8);
        // As `race`, but with the default handler left in place.
        for round in 1..=ROUNDS {
            ROUND.store(round, Ordering::SeqCst);
            let h = Shared(filled(&t, KEYS / 2, u64_key));
            let start = Barrier::new(2);
            std::thread::scope(|s| {
                let start = &start;
                let t = &t;
                s.spawn(move || {
                    start.wait();
                    write_burst(t, h, 0, KEYS as u64);
                });
                s.spawn(move || {
                    start.wait();
                    write_burst(t, h, 7, KEYS as u64);
                });
            });
            // SAFETY: as in `race`.
            unsafe { raw::mapfree(&t, h.0) };
        }
        std::process::exit(MISSED);
    }
    let run = run_child(NAME, &[]);
    assert_eq!(
        (run.code, run.signal),
        (None, Some(6)),
        "SIGABRT expected; stderr:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fatal error: concurrent map writes"),
        "{}",
        run.stderr
    );
}

// ---- one thread assigning while another reads ----

/// The read routine a reader thread hammers, chosen by the child's `GOHMAP_MISUSE_READ`.
fn reader_scenario() {
    let which = std::env::var("GOHMAP_MISUSE_READ").unwrap();
    // String keys point at bytes that outlive the child's maps.
    static STRS: OnceLock<Vec<String>> = OnceLock::new();
    let strs = STRS.get_or_init(|| (0..KEYS).map(|i| format!("key{i:04}")).collect());
    let str_key = |i: usize| {
        let s = &strs[i % KEYS];
        let g = GoString {
            ptr: s.as_ptr(),
            len: s.len() as isize,
        };
        // SAFETY: GoString is two plain words.
        unsafe { std::slice::from_raw_parts((&raw const g).cast::<u8>(), 16) }.to_vec()
    };
    let (kind, key): (KeyKind, &dyn Fn(usize) -> Vec<u8>) = match which.as_str() {
        "access1_fast32" | "access2_fast32" => {
            (KeyKind::U32, &|i: usize| (i as u32).to_ne_bytes().to_vec())
        }
        "access1_faststr" | "access2_faststr" => (KeyKind::String, &str_key),
        _ => (KeyKind::U64, &u64_key),
    };
    let t = common::kind(kind, 8, 8);
    // Built once, outside the racing threads (which only read them).
    let keys: Vec<Vec<u64>> = (0..KEYS).map(|i| common::aligned(&key(i))).collect();
    let keys = &keys;
    let reader = |h: Shared| {
        let mut sink = 0u64;
        for i in 0..BURST {
            let k = &keys[i % KEYS];
            let kp: *const u8 = k.as_ptr().cast();
            // SAFETY: the race is the scenario; the map is live and never grows. Keys are of
            // the map's kind (a u32, u64 or string header at `kp`).
            let p = unsafe {
                match which.as_str() {
                    "access1" => raw::mapaccess1(&t, h.0, kp),
                    "access2" => raw::mapaccess2(&t, h.0, kp).0,
                    "access1_fast64" => raw::mapaccess1_fast64(&t, h.0, kp.cast::<u64>().read()),
                    "access2_fast64" => raw::mapaccess2_fast64(&t, h.0, kp.cast::<u64>().read()).0,
                    "access1_fast32" => raw::mapaccess1_fast32(&t, h.0, kp.cast::<u32>().read()),
                    "access2_fast32" => raw::mapaccess2_fast32(&t, h.0, kp.cast::<u32>().read()).0,
                    "access1_faststr" => {
                        raw::mapaccess1_faststr(&t, h.0, kp.cast::<GoString>().read())
                    }
                    "access2_faststr" => {
                        raw::mapaccess2_faststr(&t, h.0, kp.cast::<GoString>().read()).0
                    }
                    other => panic!("unknown read routine {other}"),
                }
            };
            // SAFETY: lookups return an elem of 8 bytes or the zero value.
            sink = sink.wrapping_add(unsafe { p.cast::<u64>().read_unaligned() });
        }
        std::hint::black_box(sink);
    };
    let writer = |h: Shared| {
        for i in 0..BURST {
            // SAFETY: as for the reader; only existing keys are written, so nothing moves.
            unsafe {
                let e = raw::mapassign(&t, h.0, keys[i % KEYS].as_ptr().cast());
                e.cast::<u64>().write_unaligned(i as u64);
            }
        }
    };
    race(&t, |t| filled(t, KEYS, key), reader, writer);
}

#[test]
fn a_reader_racing_a_writer_is_reported_as_concurrent_map_read_and_map_write() {
    const NAME: &str = "a_reader_racing_a_writer_is_reported_as_concurrent_map_read_and_map_write";
    if is_child(NAME) {
        reader_scenario();
    }
    for which in [
        "access1",
        "access2",
        "access1_fast64",
        "access2_fast64",
        "access1_fast32",
        "access2_fast32",
        "access1_faststr",
        "access2_faststr",
    ] {
        expect_detected(
            NAME,
            &[("GOHMAP_MISUSE_READ", which)],
            Code::ConcurrentReadWrite,
            "concurrent map read and map write",
            1,
        );
    }
}

// ---- one thread iterating while another assigns ----

#[test]
fn an_iteration_racing_a_writer_is_reported_as_concurrent_map_iteration_and_map_write() {
    const NAME: &str =
        "an_iteration_racing_a_writer_is_reported_as_concurrent_map_iteration_and_map_write";
    if is_child(NAME) {
        let t = common::kind(KeyKind::U64, 8, 8);
        let iterate = |h: Shared| {
            let mut steps = 0;
            while steps < BURST {
                let mut it = Hiter::done();
                // SAFETY: the race is the scenario; the writer only updates existing keys, so
                // nothing the iterator walks is moved or freed.
                unsafe {
                    raw::mapiterinit(&t, h.0, &mut it);
                    while !it.key.is_null() && steps < BURST {
                        raw::mapiternext(&mut it);
                        steps += 1;
                    }
                    raw::mapiterdone(&mut it);
                }
            }
        };
        race(
            &t,
            |t| filled(t, KEYS, u64_key),
            iterate,
            |h| write_burst(&t, h, 0, KEYS as u64),
        );
    }
    expect_detected(
        NAME,
        &[],
        Code::ConcurrentIterWrite,
        "concurrent map iteration and map write",
        3,
    );
}

// ---- callbacks that re-enter the map they serve (single-threaded, deterministic) ----

/// The map and descriptor a re-entering callback calls into.
static REENTER_MAP: AtomicPtr<Hmap> = AtomicPtr::new(std::ptr::null_mut());
static REENTER_TYPE: AtomicPtr<MapType> = AtomicPtr::new(std::ptr::null_mut());
/// What the callback does to the map: 1 assign, 2 lookup, 3 step an iterator.
static REENTER_HOW: AtomicI32 = AtomicI32::new(0);
/// Guards against the callback recursing through its own re-entry.
static REENTERING: AtomicBool = AtomicBool::new(false);

/// Calls back into the map as `REENTER_HOW` says, once at a time.
fn reenter() {
    let h = REENTER_MAP.load(Ordering::SeqCst);
    let t = REENTER_TYPE.load(Ordering::SeqCst);
    if h.is_null() || t.is_null() || REENTERING.swap(true, Ordering::SeqCst) {
        return;
    }
    let k = 1_000_000u64;
    // SAFETY: the test's live map and descriptor; re-entering is the misuse under test.
    unsafe {
        let t = &*t;
        match REENTER_HOW.load(Ordering::SeqCst) {
            1 => {
                let e = raw::mapassign(t, h, (&raw const k).cast());
                e.cast::<u64>().write_unaligned(1);
            }
            2 => {
                raw::mapaccess1(t, h, (&raw const k).cast());
            }
            _ => {
                let mut it = Hiter::done();
                raw::mapiterinit(t, h, &mut it);
                raw::mapiternext(&mut it);
                raw::mapiterdone(&mut it);
            }
        }
    }
    REENTERING.store(false, Ordering::SeqCst);
}

/// memhash64, after calling back into the map.
unsafe extern "C-unwind" fn reentering_hash(p: *const c_void, seed: usize) -> usize {
    reenter();
    // SAFETY: p points at a u64 key.
    unsafe { hash::memhash64(p, seed) }
}

/// memequal64, after calling back into the map.
unsafe extern "C-unwind" fn reentering_equal(a: *const c_void, b: *const c_void) -> bool {
    reenter();
    // SAFETY: both point at u64 keys.
    unsafe { hash::memequal64(a, b) }
}

/// Child: a map whose hasher (or equality) re-enters it as `how` says, driven by inserts
/// until the library reports (the default handler then aborts). Exits [`MISSED`] otherwise.
fn reentering_child(via_equal: bool) -> ! {
    let how: i32 = std::env::var("GOHMAP_MISUSE_HOW").unwrap().parse().unwrap();
    let (hasher, equal): (hash::HashFn, hash::EqualFn) = if via_equal {
        (hash::memhash64, reentering_equal)
    } else {
        (reentering_hash, hash::memequal64)
    };
    let t = Box::leak(Box::new(
        MapType::new(8, 8, 8, 8, hasher, equal, TYPE_REFLEXIVE_KEY).unwrap(),
    ));
    // SAFETY: fresh map of a validated descriptor.
    let h = unsafe { raw::makemap(t, 0, std::ptr::null_mut()) };
    let one = 1u64;
    // The iterator scenario needs an entry to step to, placed before the callback is armed.
    // SAFETY: live map.
    unsafe { raw::mapassign(t, h, (&raw const one).cast()) };
    REENTER_TYPE.store(t, Ordering::SeqCst);
    REENTER_MAP.store(h, Ordering::SeqCst);
    REENTER_HOW.store(how, Ordering::SeqCst);
    // The hasher runs with the write flag set only when a write evacuates (the first hash of
    // each write happens before the flag is set, as in Go, so that re-entry goes unnoticed);
    // the equality runs under the flag whenever an assign meets a key with the same tophash,
    // as re-assigning key 1 does.
    for i in 1..200u64 {
        // SAFETY: live map; the callbacks' re-entry is the misuse under test.
        unsafe {
            let e = raw::mapassign(t, h, (&raw const i).cast());
            e.cast::<u64>().write_unaligned(i);
        }
    }
    println!("MISSED");
    std::process::exit(MISSED)
}

/// Parent: the child for `name` with `how` ends in SIGABRT after printing `fatal error: msg`.
fn expect_abort(name: &str, how: &str, msg: &str) {
    let run = run_child(name, &[("GOHMAP_MISUSE_HOW", how)]);
    assert_eq!(
        (run.code, run.signal),
        (None, Some(6)),
        "{name} how={how}: SIGABRT expected\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let want = format!("fatal error: {msg}");
    assert!(
        run.stderr.contains(&want),
        "{name} how={how}: want {want:?} in\n{}",
        run.stderr
    );
}

#[test]
fn a_hasher_that_re_enters_its_map_during_a_write_is_fatal() {
    const NAME: &str = "a_hasher_that_re_enters_its_map_during_a_write_is_fatal";
    if is_child(NAME) {
        reentering_child(false);
    }
    expect_abort(NAME, "1", "concurrent map writes");
    expect_abort(NAME, "2", "concurrent map read and map write");
    expect_abort(NAME, "3", "concurrent map iteration and map write");
}

#[test]
fn an_equality_that_re_enters_its_map_during_a_write_is_fatal() {
    const NAME: &str = "an_equality_that_re_enters_its_map_during_a_write_is_fatal";
    if is_child(NAME) {
        reentering_child(true);
    }
    expect_abort(NAME, "1", "concurrent map writes");
    expect_abort(NAME, "2", "concurrent map read and map write");
    expect_abort(NAME, "3", "concurrent map iteration and map write");
}

// ---- what `fatal` does when the host handler does not end the process ----

static HANDLER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Prints the code and returns, as a careless host handler would.
unsafe extern "C-unwind" fn returning_handler(code: c_int, msg: *const c_char) {
    // SAFETY: NUL-terminated message.
    let msg = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    HANDLER_CALLS.fetch_add(1, Ordering::SeqCst);
    eprintln!("handler saw code={code} msg={msg}; returning");
}

/// Prints the code and unwinds, as a Rust host handler may.
unsafe extern "C-unwind" fn unwinding_handler(code: c_int, msg: *const c_char) {
    // SAFETY: NUL-terminated message.
    let msg = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    eprintln!("handler saw code={code} msg={msg}; unwinding");
    std::panic::panic_any(code);
}

/// A u64 map that looks as if another thread were writing it.
fn map_being_written(t: &MapType) -> *mut Hmap {
    // SAFETY: fresh map of a validated descriptor.
    let h = unsafe { raw::makemap(t, 0, std::ptr::null_mut()) };
    let k = 1u64;
    // SAFETY: live map.
    unsafe { raw::mapassign(t, h, (&raw const k).cast()) };
    // SAFETY: live map; the flag is what a racing writer would have set.
    let hdr = unsafe { &*h };
    hdr.set_flags(hdr.flags() | HASH_WRITING);
    h
}

#[test]
fn a_handler_that_returns_from_a_fatal_report_does_not_stop_the_abort() {
    const NAME: &str = "a_handler_that_returns_from_a_fatal_report_does_not_stop_the_abort";
    if is_child(NAME) {
        gohmap::panic::set_panic_handler(Some(returning_handler));
        let t = common::kind(KeyKind::U64, 8, 8);
        let h = map_being_written(&t);
        let k = 2u64;
        // SAFETY: live map; the write flag makes this a concurrent write.
        unsafe { raw::mapassign(&t, h, (&raw const k).cast()) };
        println!("not reached");
        std::process::exit(MISSED);
    }
    let run = run_child(NAME, &[]);
    assert_eq!((run.code, run.signal), (None, Some(6)), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("handler saw code=10 msg=concurrent map writes; returning"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("not reached"));
}

#[test]
fn a_handler_unwinding_from_a_fatal_report_through_the_raw_api_reaches_the_caller() {
    // The raw Rust API lets a fatal report unwind to the caller (`C-unwind` handler); the map
    // was consistent when reported, so the caller can still clear the flag and free it. This
    // runs in a child only to keep the process-wide handler away from the other tests.
    const NAME: &str =
        "a_handler_unwinding_from_a_fatal_report_through_the_raw_api_reaches_the_caller";
    if is_child(NAME) {
        gohmap::panic::set_panic_handler(Some(unwinding_handler));
        std::panic::set_hook(Box::new(|_| {}));
        let t = common::kind(KeyKind::U64, 8, 8);
        let h = map_being_written(&t);
        let k = 2u64;
        // SAFETY: live map; the write flag makes this a concurrent write.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
            raw::mapassign(&t, h, (&raw const k).cast())
        }));
        let code = *r.unwrap_err().downcast::<c_int>().unwrap();
        println!("caught code={code}");
        // SAFETY: live map, and no write is in progress any more.
        unsafe {
            let hdr = &*h;
            hdr.set_flags(hdr.flags() & !HASH_WRITING);
            assert_eq!(raw::maplen(h), 1, "the refused write changed nothing");
            raw::mapfree(&t, h);
        }
        std::process::exit(DETECTED);
    }
    let run = run_child(NAME, &[]);
    assert_eq!(run.code, Some(DETECTED), "{}", run.stderr);
    assert!(run.stdout.contains("caught code=10"), "{}", run.stdout);
}

#[test]
fn a_handler_unwinding_into_the_c_abi_aborts_the_process() {
    // No unwind may cross `extern "C"`: the entry point's guard turns the unwind into a fatal
    // `bad map state` report naming the routine, and when the handler unwinds from that too,
    // the process aborts rather than unwind into C.
    const NAME: &str = "a_handler_unwinding_into_the_c_abi_aborts_the_process";
    if is_child(NAME) {
        gohmap::panic::set_panic_handler(Some(unwinding_handler));
        std::panic::set_hook(Box::new(|_| {}));
        let t = common::kind(KeyKind::U64, 8, 8);
        let h = map_being_written(&t);
        let k = 2u64;
        // SAFETY: live map and descriptor; the write flag makes this a concurrent write.
        unsafe { gohmap::ffi::gohmap_mapassign(&t, h, (&raw const k).cast()) };
        println!("not reached");
        std::process::exit(MISSED);
    }
    let run = run_child(NAME, &[]);
    assert_eq!((run.code, run.signal), (None, Some(6)), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("handler saw code=10 msg=concurrent map writes; unwinding"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("handler saw code=13 msg=gohmap_mapassign; unwinding"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("not reached"));
}
