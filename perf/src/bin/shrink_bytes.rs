//! `shrink_bytes`: how much memory a u64 -> u64 map keeps after losing 99% of its entries.
//!
//! The workload (identical in `perf/go/shrink_bytes.go`, checked by the `workload` line both
//! print): insert the keys `i * 0x9E3779B97F4A7C15` for `i < 1,000,000`, then delete 990,000
//! of them in a scrambled order (a Fisher-Yates shuffle of `0..N` driven by SplitMix64, first
//! 990,000 positions), then ask for the memory back explicitly. Bytes held are measured after
//! each of the three phases:
//!
//! - gohmap, through its C ABI: `gohmap_mapstats(...).bytes`, cross-checked against a counting
//!   allocator installed with gohmap's own hook (`gohmap_set_allocator`). The two must agree to
//!   the byte or the program fails. The explicit request is `gohmap_mapshrink`.
//! - hashbrown and std: a counting `#[global_allocator]` (live bytes before and after), and for
//!   hashbrown also `allocation_size()`, which must agree too. The explicit request is
//!   `shrink_to_fit`.
//!
//! Neither count includes what malloc adds (headers, size classes); Go's `HeapAlloc` does
//! include its size-class rounding, which is small for arrays this big.
//!
//! Timing: each implementation runs the workload `REPS` times; the per-operation times are the
//! minimum over the repetitions (the byte figures come from the first; gohmap's vary a little
//! with the random hash seed through the number of overflow buckets). Output: the markdown
//! rows of `perf/shrink.sh`'s table, then `note:` lines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gohmap::alloc::Allocator;
use gohmap::ffi as g;
use gohmap::stats::MapStats;
use gohmap::{Hmap, MapType};

const N: u64 = 1_000_000;
const DELETES: usize = 990_000;
const REMAINING: usize = N as usize - DELETES;
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED_DEL: u64 = 0x8CB9_2BA7_2F3D_8DD7;
const REPS: usize = 3;
const KIND_U64: i32 = 4;

// ------------------------------------------------------------------------ workload ---

fn key(i: u64) -> u64 {
    i.wrapping_mul(GAMMA)
}

/// SplitMix64, as `shrink_bytes.go` transcribes it.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The keys to delete, in deletion order.
fn delete_order() -> Vec<u64> {
    let mut perm: Vec<u64> = (0..N).collect();
    let mut rng = SplitMix(SEED_DEL);
    for i in (1..perm.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        perm.swap(i, j);
    }
    perm.truncate(DELETES);
    perm.into_iter().map(key).collect()
}

/// FNV-1a over the little-endian bytes of `xs`: the `workload` line's fingerprint.
fn fnv(xs: &[u64]) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in xs.iter().flat_map(|x| x.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
    }
    h
}

// ------------------------------------------------------------ counting allocators ---

/// Live bytes of the Rust heap (hashbrown, std): every allocation of this binary goes through
/// it, so a map's figure is the difference around its construction and mutation.
static RUST_LIVE: AtomicUsize = AtomicUsize::new(0);

struct CountingGlobal;

// SAFETY: every method forwards to `System` with the caller's arguments, keeping its contract;
// the counter is only bookkeeping.
unsafe impl GlobalAlloc for CountingGlobal {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's (valid, non-zero) layout.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            RUST_LIVE.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            RUST_LIVE.fetch_add(l.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        RUST_LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: `p` came from this allocator (hence System) with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: caller's promise, forwarded.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            RUST_LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            RUST_LIVE.fetch_add(new, Ordering::Relaxed);
        }
        q
    }
}

#[global_allocator]
static GLOBAL: CountingGlobal = CountingGlobal;

/// Live bytes gohmap holds through its allocator hook. It calls `System` directly, so gohmap's
/// blocks never reach `RUST_LIVE` and the two counts stay apart.
static GOHMAP_LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn hook_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    let Ok(l) = Layout::from_size_align(size, align) else {
        return std::ptr::null_mut();
    };
    // SAFETY: gohmap never asks for zero bytes (alloc.rs contract), so the layout is non-zero.
    let p = unsafe { System.alloc_zeroed(l) };
    if !p.is_null() {
        GOHMAP_LIVE.fetch_add(size, Ordering::Relaxed);
    }
    p.cast()
}

unsafe extern "C" fn hook_free(_: *mut c_void, p: *mut c_void, size: usize, align: usize) {
    GOHMAP_LIVE.fetch_sub(size, Ordering::Relaxed);
    // SAFETY: gohmap frees with the size and alignment it allocated with (alloc.rs contract),
    // and `p` came from `hook_alloc`, which used exactly that layout with `System`.
    unsafe { System.dealloc(p.cast(), Layout::from_size_align_unchecked(size, align)) }
}

// -------------------------------------------------------------------- one result ---

/// One implementation's figures for one repetition.
#[derive(Clone, Copy, Default)]
struct Run {
    after_insert: usize,
    after_delete: usize,
    after_shrink: usize,
    ns_insert: f64,
    ns_delete: f64,
    ms_shrink: f64,
}

impl Run {
    /// Figures of the first repetition, best times of all.
    fn best(runs: &[Run]) -> Run {
        let mut r = runs[0];
        for x in &runs[1..] {
            r.ns_insert = r.ns_insert.min(x.ns_insert);
            r.ns_delete = r.ns_delete.min(x.ns_delete);
            r.ms_shrink = r.ms_shrink.min(x.ms_shrink);
        }
        r
    }
}

fn per_op(t: Instant, ops: usize) -> f64 {
    t.elapsed().as_nanos() as f64 / ops as f64
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------- gohmap ---

/// `gohmap_mapstats` of `h`.
///
/// # Safety
/// `h` is a live map of `t` with no write in progress.
unsafe fn stats(t: &MapType, h: *mut Hmap) -> MapStats {
    let mut s = MaybeUninit::<MapStats>::uninit();
    // SAFETY: caller's promise; mapstats fills the whole struct.
    unsafe {
        g::gohmap_mapstats(t, h, s.as_mut_ptr());
        s.assume_init()
    }
}

/// The bytes `h` holds, from `mapstats`, after checking them against the hook's count.
///
/// # Safety
/// As [`stats`], and `h` is the only gohmap map alive.
unsafe fn held(t: &MapType, h: *mut Hmap, at: &str) -> usize {
    // SAFETY: caller's promise.
    let s = unsafe { stats(t, h) };
    let live = GOHMAP_LIVE.load(Ordering::Relaxed);
    assert_eq!(
        s.bytes, live,
        "gohmap {at}: mapstats says {} bytes, the allocator hook counts {live}",
        s.bytes
    );
    s.bytes
}

fn gohmap_run(t: &MapType, keys: &[u64], del: &[u64], notes: &mut Vec<String>) -> Run {
    assert_eq!(
        GOHMAP_LIVE.load(Ordering::Relaxed),
        0,
        "a gohmap map leaked"
    );
    let mut r = Run::default();
    // SAFETY: `t` is a valid u64 -> u64 descriptor that outlives `h`; every call below passes
    // the live map `h` of `t`, single-threaded, no iteration ever runs, and each assign's elem
    // pointer is written before the next call (the default panic handler aborts on failure,
    // so a returned pointer is never null).
    unsafe {
        let h = g::gohmap_makemap(t, 0, std::ptr::null_mut());
        assert!(!h.is_null());
        let t0 = Instant::now();
        for (i, &k) in keys.iter().enumerate() {
            g::gohmap_mapassign_fast64(t, h, k)
                .cast::<u64>()
                .write(i as u64);
        }
        r.ns_insert = per_op(t0, keys.len());
        r.after_insert = held(t, h, "after inserts");
        let s_ins = stats(t, h);

        let t0 = Instant::now();
        for &k in del {
            g::gohmap_mapdelete_fast64(t, h, k);
        }
        r.ns_delete = per_op(t0, del.len());
        r.after_delete = held(t, h, "after deletes");
        let s_del = stats(t, h);
        assert_eq!(g::gohmap_maplen(h), REMAINING as isize);

        let t0 = Instant::now();
        assert_eq!(g::gohmap_mapshrink(t, h), 0, "gohmap_mapshrink failed");
        r.ms_shrink = ms(t0);
        r.after_shrink = held(t, h, "after mapshrink");
        let s_shr = stats(t, h);
        // Every survivor must still be there after both kinds of shrinking.
        let deleted: std::collections::HashSet<u64> = del.iter().copied().collect();
        for (i, &k) in keys.iter().enumerate() {
            let p = g::gohmap_mapaccess1_fast64(t, h, k).cast::<u64>().read();
            let want = if deleted.contains(&k) { 0 } else { i as u64 };
            assert_eq!(p, want, "lookup of key #{i} after shrinking");
        }

        g::gohmap_mapclear_release(t, h);
        let cleared = held(t, h, "after mapclear_release");
        g::gohmap_mapfree(t, h);
        assert_eq!(GOHMAP_LIVE.load(Ordering::Relaxed), 0, "mapfree left bytes");

        if notes.is_empty() {
            notes.push(format!(
                "gohmap shape (first run): after inserts B={} ({} overflow buckets); after \
                 deletes B={} ({}, {} overflow buckets); after mapshrink B={}; after \
                 mapclear_release {cleared} bytes (header and extra record); mapstats.bytes \
                 equalled the allocator hook's live count at every point of every run",
                s_ins.b,
                s_ins.overflow,
                s_del.b,
                grow_state(&s_del),
                s_del.overflow,
                s_shr.b
            ));
        }
    }
    r
}

/// What `mapstats` says about a grow or shrink in progress, in words.
fn grow_state(s: &MapStats) -> String {
    match s.grow_kind {
        0 => "no grow or shrink in progress".into(),
        3 => format!(
            "a shrink from B={} still in progress, {} of {} old buckets evacuated",
            s.b + 1,
            s.evacuated,
            s.oldbuckets
        ),
        k => format!("grow kind {k} in progress"),
    }
}

// --------------------------------------------------------------- hashbrown, std ---

fn rust_live() -> usize {
    RUST_LIVE.load(Ordering::Relaxed)
}

/// The workload on a Rust map type, through closures so hashbrown and std share the code.
/// `size` optionally reports the map's own idea of its allocation, which must agree.
fn rust_run<M>(
    keys: &[u64],
    del: &[u64],
    new: impl Fn() -> M,
    insert: impl Fn(&mut M, u64, u64),
    remove: impl Fn(&mut M, u64),
    shrink: impl Fn(&mut M),
    size: impl Fn(&M) -> Option<usize>,
) -> Run {
    let mut r = Run::default();
    let base = rust_live();
    let mut m = new();
    let check = |m: &M, at: &str| {
        let bytes = rust_live() - base;
        if let Some(s) = size(m) {
            assert_eq!(s, bytes, "{at}: allocation_size {s} != counted {bytes}");
        }
        bytes
    };
    let t0 = Instant::now();
    for (i, &k) in keys.iter().enumerate() {
        insert(&mut m, k, i as u64);
    }
    r.ns_insert = per_op(t0, keys.len());
    r.after_insert = check(&m, "after inserts");
    let t0 = Instant::now();
    for &k in del {
        remove(&mut m, k);
    }
    r.ns_delete = per_op(t0, del.len());
    r.after_delete = check(&m, "after deletes");
    let t0 = Instant::now();
    shrink(&mut m);
    r.ms_shrink = ms(t0);
    r.after_shrink = check(&m, "after shrink_to_fit");
    drop(black_box(m));
    assert_eq!(rust_live(), base, "the map leaked");
    r
}

// ------------------------------------------------------------------------ output ---

/// `1234567` -> `1,234,567` (as the Go program prints).
fn commas(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The two rows of one implementation: as deletes leave it, and after the explicit request.
fn rows(name: &str, shrunk: &str, how: &str, r: &Run) {
    println!(
        "| {name} | {} | {} | — | {:.1} | {:.1} | {:.1} | — |",
        commas(r.after_insert),
        commas(r.after_delete),
        r.after_delete as f64 / REMAINING as f64,
        r.ns_insert,
        r.ns_delete
    );
    println!(
        "| {shrunk} | — | — | {} | {:.1} | — | — | {:.2} ms ({how}) |",
        commas(r.after_shrink),
        r.after_shrink as f64 / REMAINING as f64,
        r.ms_shrink
    );
}

fn main() {
    // SAFETY: a valid allocator record (copied by the call), installed before any map exists.
    unsafe {
        g::gohmap_set_allocator(&Allocator {
            alloc: hook_alloc,
            free: hook_free,
            ctx: std::ptr::null_mut(),
        })
    };
    let keys: Vec<u64> = (0..N).map(key).collect();
    let del = delete_order();
    let mut kept: Vec<u64> = {
        let d: std::collections::HashSet<u64> = del.iter().copied().collect();
        keys.iter().copied().filter(|k| !d.contains(k)).collect()
    };
    kept.sort_unstable();
    println!(
        "workload n={N} deletes={DELETES} delorder_fnv={:016x} kept_fnv={:016x}",
        fnv(&del),
        fnv(&kept)
    );

    let mut t = MaybeUninit::<MapType>::uninit();
    // SAFETY: `t` is writable storage for one descriptor; init_kind writes all of it on success.
    let rc = unsafe { g::gohmap_maptype_init_kind(t.as_mut_ptr(), KIND_U64, 8, 8) };
    assert_eq!(rc, 0);
    // SAFETY: rc == 0: the descriptor was written.
    let t = unsafe { t.assume_init() };

    let mut notes = Vec::new();
    let go: Vec<Run> = (0..REPS)
        .map(|_| gohmap_run(&t, &keys, &del, &mut notes))
        .collect();
    let hb: Vec<Run> = (0..REPS)
        .map(|_| {
            rust_run(
                &keys,
                &del,
                hashbrown::HashMap::<u64, u64>::new,
                |m, k, v| {
                    m.insert(k, v);
                },
                |m, k| {
                    m.remove(&k);
                },
                |m| m.shrink_to_fit(),
                |m| Some(m.allocation_size()),
            )
        })
        .collect();
    let st: Vec<Run> = (0..REPS)
        .map(|_| {
            rust_run(
                &keys,
                &del,
                std::collections::HashMap::<u64, u64>::new,
                |m, k, v| {
                    m.insert(k, v);
                },
                |m, k| {
                    m.remove(&k);
                },
                |m| m.shrink_to_fit(),
                |_| None,
            )
        })
        .collect();

    let var = |runs: &[Run], f: fn(&Run) -> usize| {
        let (lo, hi) = runs
            .iter()
            .map(f)
            .fold((usize::MAX, 0), |(lo, hi), x| (lo.min(x), hi.max(x)));
        format!("{}..{}", commas(lo), commas(hi))
    };
    notes.push(format!(
        "gohmap bytes over {REPS} runs (random hash seed): after inserts {}, after deletes {}, \
         after mapshrink {}",
        var(&go, |r| r.after_insert),
        var(&go, |r| r.after_delete),
        var(&go, |r| r.after_shrink)
    ));
    rows(
        "gohmap (auto)",
        "gohmap (after mapshrink)",
        "gohmap_mapshrink",
        &Run::best(&go),
    );
    rows(
        "hashbrown",
        "hashbrown (after shrink_to_fit)",
        "shrink_to_fit",
        &Run::best(&hb),
    );
    rows(
        "std",
        "std (after shrink_to_fit)",
        "shrink_to_fit",
        &Run::best(&st),
    );
    for n in notes {
        println!("note: {n}");
    }
}
