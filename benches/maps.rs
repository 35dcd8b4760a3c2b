//! gohmap against `hashbrown::HashMap` (its default foldhash) and `std::collections::HashMap`
//! (SipHash-1-3) on the same keys, in the same order (issue 7).
//!
//! Groups are `op/key/n`, each with functions `gohmap`, `hashbrown` and `std`:
//! - op: `insert_fresh` (fill an empty map, growing as it goes), `insert_presized` (fill a map
//!   made for `n` entries), `lookup_hit`, `lookup_miss`, `update` (`m[k] += 1` on present keys:
//!   `mapassign` for gohmap, `entry().or_insert()` for the Rust maps), `delete_all` (empty a
//!   full map in shuffled order), `iterate` (a full range, summing the elems);
//! - key: `u32`, `u64`, `str16` (16-byte strings) through gohmap's fast routines, and
//!   `struct24` (`{a, b, c: u64}`, memhash/memequal) through its generic ones; elems are u64;
//! - n: 8, 1024, 65536, 1048576, and 8388608 for u64 only.
//!
//! Throughput is in elements (map operations; for `iterate`, entries visited), so criterion
//! prints time per operation. Inserts and deletes build their map untimed (`iter_batched`) and
//! do `n` operations; lookups and updates do a batch of 1024 probes over a prebuilt map, the
//! probe position carrying over between samples so large maps are swept in full. Each cell's
//! maps are built (and checked to agree) on first use, so a filtered run builds only what it
//! measures.
//!
//! `GOHMAP_BENCH_MAX_N` caps n (default 1048576; 8388608 runs only when set that high). Unless
//! overridden on the command line, warm-up is 1 s and measurement 2 s per function; the default
//! full run (336 functions, no plots) takes about 20 minutes on the shared 2-core development
//! machine: an estimate from partial runs (the 65536 and 1M cells of u64, 42 functions, took
//! 2.8 minutes; small cells take about 3.3 s per function), not a timed full run.
//!
//!     cargo bench -j1 --bench maps
//!     GOHMAP_BENCH_MAX_N=8388608 cargo bench -j1 --bench maps -- '/u64/'
//!     cargo bench -j1 --bench maps -- --warm-up-time 0.2 --measurement-time 0.5 \
//!         --sample-size 10 'lookup_hit/u64'    # quick: one op and key, every size
//!     cargo bench -j1 --bench maps -- --plotting-backend plotters    # with the HTML report

mod common;

use std::cell::{LazyCell, RefCell};
use std::collections::HashMap as StdMap;
use std::ffi::c_void;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, Bencher, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use gohmap::consts::TYPE_REFLEXIVE_KEY;
use gohmap::hash::{self, GoString};
use gohmap::iter::Hiter;
use gohmap::{FastFamily, Hmap, MapType, raw};
use hashbrown::HashMap as BrownMap;

use common::{BATCH, Cursor, Key, Keys, Map, addr, mix64};

type Group<'c> = BenchmarkGroup<'c, WallTime>;

const SIZES: [usize; 5] = [8, 1024, 65536, 1 << 20, 1 << 23];

/// Sizes beyond 1M are for u64 only: they are there to show the cache-miss regime once.
const U64_ONLY_FROM: usize = 1 << 23;

/// The largest n run unless `GOHMAP_BENCH_MAX_N` says otherwise.
const DEFAULT_MAX_N: usize = 1 << 20;

/// A 24-byte plain-memory key: no fast family fits it, so gohmap runs its generic routines.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Struct24 {
    a: u64,
    b: u64,
    c: u64,
}

/// Go's hasher for a 24-byte memory key (`memhash_varlen` with size 24).
///
/// # Safety
/// `p` points at 24 readable bytes.
unsafe extern "C-unwind" fn hash24(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the caller's promise.
    unsafe { hash::memhash(p, seed, 24) }
}

/// Go's equality for a 24-byte memory key.
///
/// # Safety
/// `a` and `b` point at 24 readable bytes each.
unsafe extern "C-unwind" fn equal24(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the caller's promise.
    unsafe { hash::memequal(a, b, 24) }
}

impl Key for Struct24 {
    const NAME: &'static str = "struct24";
    fn map_type() -> MapType {
        let t = MapType::new(24, 8, 8, 8, hash24, equal24, TYPE_REFLEXIVE_KEY).expect("struct24");
        assert_eq!(
            t.fast_family(),
            FastFamily::None,
            "struct24 must be generic"
        );
        t
    }
    fn make(ids: &[u64], _: &mut Vec<u8>) -> Vec<Self> {
        // `a` alone is a bijection of the id, so keys are distinct; `b` and `c` make the
        // equality read all 24 bytes of a match.
        let key = |id: u64| {
            let a = mix64(id);
            Struct24 {
                a,
                b: mix64(a),
                c: id,
            }
        };
        ids.iter().map(|&id| key(id)).collect()
    }
    // No fast family: `FAST` is ignored and the generic routines get the key's address.
    unsafe fn access1<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8 {
        // SAFETY: the caller's promise; `addr(&k)` is a readable 24-byte key.
        unsafe { raw::mapaccess1(t, h, addr(&k)) }
    }
    unsafe fn assign<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8 {
        // SAFETY: as in `access1`.
        unsafe { raw::mapassign(t, h, addr(&k)) }
    }
    unsafe fn delete<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) {
        // SAFETY: as in `access1`.
        unsafe { raw::mapdelete(t, h, addr(&k)) }
    }
}

/// A string key as the Rust maps hold it: the same arena bytes, hashed and compared exactly as
/// the `&str` a Rust program would borrow them as, but without tying the maps to the arena's
/// lifetime.
#[derive(Clone, Copy)]
struct Str16(GoString);

impl Str16 {
    fn as_str(&self) -> &str {
        // SAFETY: every GoString here comes from `Key::make`, whose arena of ASCII hex digits
        // the cell's `Keys` keeps alive and untouched for as long as any map holds the key.
        unsafe {
            let bytes = std::slice::from_raw_parts(self.0.ptr, self.0.len as usize);
            std::str::from_utf8_unchecked(bytes)
        }
    }
}

impl Hash for Str16 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Str16 {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str16 {}

/// A key kind and its form in the Rust maps. Converting is free (the value or a newtype of
/// it), so all three maps are driven from the same key lists inside the timed loops.
trait Native: Key {
    type R: Copy + Hash + Eq;
    fn native(self) -> Self::R;
}

macro_rules! native_as_is {
    ($($t:ty),*) => {$(
        impl Native for $t {
            type R = $t;
            fn native(self) -> $t {
                self
            }
        }
    )*};
}
native_as_is!(u32, u64, Struct24);

impl Native for GoString {
    type R = Str16;
    fn native(self) -> Str16 {
        Str16(self)
    }
}

/// What a benchmark does to a map, in each implementation's idiom. Elems are u64; a miss
/// reads 0 (gohmap's zero value).
trait Table<K: Native>: Sized {
    /// An empty map sized for `hint` entries (0: grows from the start).
    fn make(t: &'static MapType, hint: usize) -> Self;
    /// `m[k]`.
    fn find(&self, k: K) -> u64;
    /// `m[k] = v` (`mapassign`; `insert`).
    fn set(&mut self, k: K, v: u64);
    /// The slot of `m[k]`, inserted if absent (`mapassign`; `entry().or_insert(0)`).
    fn slot(&mut self, k: K) -> &mut u64;
    /// `delete(m, k)`.
    fn remove(&mut self, k: K);
    fn count(&self) -> usize;
    /// A full range over the map: (entries visited, wrapping sum of their elems).
    fn walk(&self) -> (usize, u64);

    /// `keys[i] -> i + 1` (never 0, so a hit is told from a miss); never timed.
    fn filled(t: &'static MapType, keys: &[K]) -> Self {
        let mut m = Self::make(t, 0);
        for (i, &k) in keys.iter().enumerate() {
            m.set(k, i as u64 + 1);
        }
        m
    }
}

impl<K: Native> Table<K> for Map<'static> {
    fn make(t: &'static MapType, hint: usize) -> Self {
        Map::with_hint(t, hint)
    }
    fn find(&self, k: K) -> u64 {
        // SAFETY: a live map of `self.t`, which is `K::map_type()`; a hit's elem and the zero
        // value are readable u64s.
        unsafe { *K::access1::<true>(self.t, self.h, k).cast::<u64>() }
    }
    fn set(&mut self, k: K, v: u64) {
        *Table::<K>::slot(self, k) = v;
    }
    fn slot(&mut self, k: K) -> &mut u64 {
        // SAFETY: a live map of `self.t`; the slot is the key's 8-aligned u64 elem, valid until
        // the next write to the map, which the `&mut self` borrow rules out.
        unsafe { &mut *K::assign::<true>(self.t, self.h, k).cast::<u64>() }
    }
    fn remove(&mut self, k: K) {
        // SAFETY: a live map of `self.t`.
        unsafe { K::delete::<true>(self.t, self.h, k) }
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn walk(&self) -> (usize, u64) {
        let mut it = Hiter::done();
        let (mut count, mut sum) = (0, 0u64);
        // SAFETY: a live map of `self.t`; `it` stays in place until the iteration runs to its
        // end, and nothing writes to the map meanwhile. Each `it.elem` is a readable u64.
        unsafe {
            raw::mapiterinit(self.t, self.h, &mut it);
            while !it.key.is_null() {
                count += 1;
                sum = sum.wrapping_add(*it.elem.cast::<u64>());
                raw::mapiternext(&mut it);
            }
        }
        (count, sum)
    }
}

/// The same methods for both Rust maps, whose APIs agree.
macro_rules! rust_table {
    ($map:ident) => {
        impl<K: Native> Table<K> for $map<K::R, u64> {
            fn make(_: &'static MapType, hint: usize) -> Self {
                $map::with_capacity(hint)
            }
            fn find(&self, k: K) -> u64 {
                $map::get(self, &k.native()).copied().unwrap_or(0)
            }
            fn set(&mut self, k: K, v: u64) {
                $map::insert(self, k.native(), v);
            }
            fn slot(&mut self, k: K) -> &mut u64 {
                $map::entry(self, k.native()).or_insert(0)
            }
            fn remove(&mut self, k: K) {
                $map::remove(self, &k.native());
            }
            fn count(&self) -> usize {
                $map::len(self)
            }
            fn walk(&self) -> (usize, u64) {
                let mut sum = 0u64;
                let mut count = 0;
                for (_, &v) in self {
                    count += 1;
                    sum = sum.wrapping_add(v);
                }
                (count, sum)
            }
        }
    };
}
rust_table!(BrownMap);
rust_table!(StdMap);

/// All three maps must hold the same entries before their speeds are compared: a prebuilt map
/// is checked once, every key and every miss, and one full walk.
fn check<K: Native, T: Table<K>>(m: &T, keys: &Keys<K>, who: &str) {
    let n = keys.present.len();
    let what = format!("{who} {}/{n}", K::NAME);
    assert_eq!(m.count(), n, "{what}: len");
    for (i, &k) in keys.present.iter().enumerate() {
        assert_eq!(m.find(k), i as u64 + 1, "{what}: key {i}");
    }
    let found = keys.misses.iter().filter(|&&k| m.find(k) != 0).count();
    assert_eq!(found, 0, "{what}: misses found");
    let sum = (n as u64) * (n as u64 + 1) / 2;
    assert_eq!(m.walk(), (n, sum), "{what}: walk");
}

fn lookup<K: Native, T: Table<K>>(b: &mut Bencher, m: &T, list: &[K], cur: &mut Cursor) {
    b.iter(|| {
        let mut sum = 0u64;
        cur.sweep(&[list], |k| sum = sum.wrapping_add(m.find(k)));
        sum
    });
}

/// Updates alternate between the two probe arenas pass by pass: gohmap's string update stores
/// the probe's header (Go's key update), so the next pass must come from the other arena for
/// the equality to keep reading bytes. The Rust maps get the same keys in the same order.
fn update<K: Native, T: Table<K>>(b: &mut Bencher, m: &mut T, keys: &Keys<K>, cur: &mut Cursor) {
    b.iter(|| {
        cur.sweep(&[&keys.probes[0][..], &keys.probes[1][..]], |k| {
            *m.slot(k) += 1;
        });
    });
}

/// Fills a map made by `make` (untimed) with every key; the map goes back to criterion, which
/// drops it outside the timed region. The length check costs one load per `n` inserts.
fn insert<K: Native, T: Table<K>>(b: &mut Bencher, make: impl FnMut() -> T, keys: &[K]) {
    let n = keys.len();
    b.iter_batched(
        make,
        |mut m| {
            for (i, &k) in keys.iter().enumerate() {
                m.set(k, i as u64 + 1);
            }
            assert_eq!(m.count(), n, "insert lost keys");
            m
        },
        batch_size(n),
    );
}

/// Deletes every key of a full map (built untimed) in shuffled order.
fn delete_all<K: Native, T: Table<K>>(b: &mut Bencher, fill: impl FnMut() -> T, order: &[K]) {
    b.iter_batched(
        fill,
        |mut m| {
            for &k in order {
                m.remove(k);
            }
            assert_eq!(m.count(), 0, "delete left keys");
            m
        },
        batch_size(order.len()),
    );
}

fn walk<K: Native, T: Table<K>>(b: &mut Bencher, m: &T) {
    let n = m.count();
    b.iter(|| {
        let (count, sum) = m.walk();
        assert_eq!(count, n, "walk missed entries");
        sum
    });
}

/// Small maps are built many at a time; a large one is built per iteration so only one is
/// alive at once.
fn batch_size(n: usize) -> BatchSize {
    if n <= BATCH {
        BatchSize::LargeInput
    } else {
        BatchSize::PerIteration
    }
}

/// Group `op/key/n`, timed per element (`elems` of them per iteration).
fn group<'c, K: Key>(c: &'c mut Criterion, op: &str, n: usize, elems: usize) -> Group<'c> {
    let mut g = c.benchmark_group(format!("{op}/{}/{n}", K::NAME));
    g.throughput(Throughput::Elements(elems as u64));
    if elems == n && n >= 1 << 16 {
        // Each iteration fills, empties or walks the whole map: equal-size samples instead of
        // linear sampling's 1 + 2 + ... + 100 iterations, which would overrun the target time.
        g.sampling_mode(SamplingMode::Flat);
    }
    if n >= 1 << 20 {
        g.sample_size(10);
    }
    g
}

/// An implementation's constructors as values: items inside a generic fn (a type alias, say)
/// cannot name its generics, but a value can carry them into `three!`'s bodies.
struct Ctor<K, T> {
    make: fn(&'static MapType, usize) -> T,
    filled: fn(&'static MapType, &[K]) -> T,
}

fn ctor<K: Native, T: Table<K>>() -> Ctor<K, T> {
    Ctor {
        make: T::make,
        filled: T::filled,
    }
}

/// Runs `$body` as functions `gohmap`, `hashbrown` and `std` of group `$g`, in that order. The
/// `[...]` form binds `$m` to the implementation's lazily built map, and `$cur` to a fresh probe
/// cursor per function (each sees the same keys); the `$K` form (tried second, as a type would
/// swallow the brackets) binds `$T` to the implementation's constructors.
macro_rules! three {
    ($g:ident, [$go:ident, $hb:ident, $st:ident], |$b:ident, $m:ident $(, $cur:ident)?| $body:expr) => {{
        {
            let $m = &$go;
            $(let mut $cur = Cursor::default();)?
            $g.bench_function("gohmap", |$b| $body);
        }
        {
            let $m = &$hb;
            $(let mut $cur = Cursor::default();)?
            $g.bench_function("hashbrown", |$b| $body);
        }
        {
            let $m = &$st;
            $(let mut $cur = Cursor::default();)?
            $g.bench_function("std", |$b| $body);
        }
        $g.finish();
    }};
    ($g:ident, $K:ty, |$b:ident, $T:ident| $body:expr) => {{
        {
            let $T = ctor::<$K, Map<'static>>();
            $g.bench_function("gohmap", |$b| $body);
        }
        {
            let $T = ctor::<$K, BrownMap<<$K as Native>::R, u64>>();
            $g.bench_function("hashbrown", |$b| $body);
        }
        {
            let $T = ctor::<$K, StdMap<<$K as Native>::R, u64>>();
            $g.bench_function("std", |$b| $body);
        }
        $g.finish();
    }};
}

fn bench_key<K: Native>(c: &mut Criterion, max_n: usize) {
    // Leaked once per key kind, so maps need no lifetime: 56 bytes for the whole run.
    let t: &'static MapType = Box::leak(Box::new(K::map_type()));
    for n in SIZES {
        if n > max_n || (n >= U64_ONLY_FROM && K::NAME != "u64") {
            continue;
        }
        bench_cell::<K>(c, t, n);
    }
}

/// One `key/n` cell: the keys are made once, and each implementation's prebuilt map on first
/// use (then checked); lookups, the walk and the updates share it, in that order.
fn bench_cell<K: Native>(c: &mut Criterion, t: &'static MapType, n: usize) {
    let keys = LazyCell::new(|| Keys::<K>::new(n));
    fn prebuilt<K: Native, T: Table<K>>(t: &'static MapType, keys: &Keys<K>, who: &str) -> T {
        let m = T::filled(t, &keys.present);
        check(&m, keys, who);
        m
    }
    let go = LazyCell::new(|| RefCell::new(prebuilt::<K, Map<'static>>(t, &keys, "gohmap")));
    let hb = LazyCell::new(|| RefCell::new(prebuilt::<K, BrownMap<_, _>>(t, &keys, "hashbrown")));
    let st = LazyCell::new(|| RefCell::new(prebuilt::<K, StdMap<_, _>>(t, &keys, "std")));

    let mut g = group::<K>(c, "lookup_hit", n, BATCH);
    three! { g, [go, hb, st], |b, m, cur| lookup(b, &*m.borrow(), &keys.probes[0], &mut cur) }
    let mut g = group::<K>(c, "lookup_miss", n, BATCH);
    three! { g, [go, hb, st], |b, m, cur| lookup(b, &*m.borrow(), &keys.misses, &mut cur) }
    let mut g = group::<K>(c, "iterate", n, n);
    three! { g, [go, hb, st], |b, m| walk::<K, _>(b, &*m.borrow()) }
    let mut g = group::<K>(c, "update", n, BATCH);
    three! { g, [go, hb, st], |b, m, cur| update(b, &mut *m.borrow_mut(), &keys, &mut cur) }
    // The prebuilt maps (those that were built) go before the batched groups build their own.
    drop((go, hb, st));

    let mut g = group::<K>(c, "insert_fresh", n, n);
    three! { g, K, |b, imp| insert(b, || (imp.make)(t, 0), &keys.present) }
    let mut g = group::<K>(c, "insert_presized", n, n);
    three! { g, K, |b, imp| insert(b, || (imp.make)(t, n), &keys.present) }
    let mut g = group::<K>(c, "delete_all", n, n);
    three! { g, K, |b, imp| delete_all(b, || (imp.filled)(t, &keys.present), &keys.probes[0]) }
}

fn all(c: &mut Criterion) {
    let max_n = match std::env::var("GOHMAP_BENCH_MAX_N") {
        Ok(v) => v
            .parse()
            .expect("GOHMAP_BENCH_MAX_N is a number of entries"),
        Err(_) => DEFAULT_MAX_N,
    };
    bench_key::<u32>(c, max_n);
    bench_key::<u64>(c, max_n);
    bench_key::<GoString>(c, max_n);
    bench_key::<Struct24>(c, max_n);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        // Plotting costs about 5 s per function here, more than measuring it: opt in with
        // `--plotting-backend plotters` (or `gnuplot`) for the HTML report.
        .without_plots();
    targets = all
}
criterion_main!(benches);
