//! Each fast routine (`*_fast32`, `*_fast64`, `*_faststr`) against its generic twin on the same
//! descriptor and the same map, so the only difference measured is the entry point: keys by
//! value with a direct hash and compare, versus keys by address through the descriptor's
//! callbacks. Groups are `op/kind/n` with functions `fast` and `generic`; every throughput is
//! in map operations, so criterion reports time per operation.
//!
//!     cargo bench -j1 --bench fast_vs_generic
//!     cargo bench -j1 --bench fast_vs_generic -- --warm-up-time 0.3 --measurement-time 1 \
//!         --sample-size 10    # the whole matrix in a few minutes

use std::io::Write;
use std::ptr;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, Bencher, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use gohmap::hash::GoString;
use gohmap::{Hmap, KeyKind, MapType, fast, raw};

type Group<'c> = BenchmarkGroup<'c, WallTime>;

const SIZES: [usize; 4] = [8, 1024, 65536, 1 << 20];

/// Lookups and updates per timed iteration: enough that loop and timer overhead vanish.
const BATCH: usize = 1024;

/// splitmix64's step on `x`: a bijection, so distinct ids always give distinct keys.
fn mix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// murmur3's finaliser: a bijection on u32 (truncating `mix64` would collide at 1M keys).
fn mix32(mut h: u32) -> u32 {
    h = (h ^ (h >> 16)).wrapping_mul(0x85EB_CA6B);
    h = (h ^ (h >> 13)).wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// A key kind and its routines: `FAST` picks the fast one, otherwise its generic twin, which
/// gets the key's address (a u32, u64 or GoString is laid out exactly as the descriptor's key).
/// Being a const parameter, the choice costs nothing at run time.
trait Key: Copy {
    const NAME: &'static str;
    const KIND: KeyKind;
    /// One key per id, distinct for distinct ids. String bytes go to `arena`, which must then
    /// stay untouched (moving the Vec is fine: its buffer stays put) while the keys are used.
    fn make(ids: &[u64], arena: &mut Vec<u8>) -> Vec<Self>;
    unsafe fn access1<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8;
    unsafe fn assign<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8;
    unsafe fn delete<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self);
}

macro_rules! routines {
    ($access1:ident, $assign:ident, $delete:ident) => {
        routines!(@ access1, $access1, mapaccess1, *mut u8);
        routines!(@ assign, $assign, mapassign, *mut u8);
        routines!(@ delete, $delete, mapdelete, ());
    };
    (@ $name:ident, $fast:ident, $generic:ident, $ret:ty) => {
        unsafe fn $name<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> $ret {
            // SAFETY: forwarded: `h` is a live map of `t`, which has this kind's fast family and
            // key layout (`addr(&k)` is a readable key of it for the generic twin).
            unsafe { if FAST { fast::$fast(t, h, k) } else { raw::$generic(t, h, addr(&k)) } }
        }
    };
}

fn addr<K>(k: &K) -> *const u8 {
    ptr::from_ref(k).cast()
}

impl Key for u32 {
    const NAME: &'static str = "u32";
    const KIND: KeyKind = KeyKind::U32;
    fn make(ids: &[u64], _: &mut Vec<u8>) -> Vec<Self> {
        ids.iter().map(|&id| mix32(id as u32)).collect()
    }
    routines!(mapaccess1_fast32, mapassign_fast32, mapdelete_fast32);
}

impl Key for u64 {
    const NAME: &'static str = "u64";
    const KIND: KeyKind = KeyKind::U64;
    fn make(ids: &[u64], _: &mut Vec<u8>) -> Vec<Self> {
        ids.iter().map(|&id| mix64(id)).collect()
    }
    routines!(mapaccess1_fast64, mapassign_fast64, mapdelete_fast64);
}

impl Key for GoString {
    const NAME: &'static str = "str16";
    const KIND: KeyKind = KeyKind::String;
    fn make(ids: &[u64], arena: &mut Vec<u8>) -> Vec<Self> {
        // 16 hex digits of a 64-bit bijection: printable, distinct, and all the same length,
        // so every comparison reaches the bytes. Headers are taken once the arena is full.
        arena.clear();
        for &id in ids {
            write!(arena, "{:016x}", mix64(id)).expect("write to a Vec");
        }
        let key = |c: &[u8]| GoString {
            ptr: c.as_ptr(),
            len: 16,
        };
        arena.chunks_exact(16).map(key).collect()
    }
    routines!(mapaccess1_faststr, mapassign_faststr, mapdelete_faststr);
}

/// Owns a map and frees it on drop, so that maps `iter_batched` hands back are freed by
/// criterion outside the timed region, and every map is freed exactly once.
struct Map<'t> {
    t: &'t MapType,
    h: *mut Hmap,
}

impl<'t> Map<'t> {
    fn new(t: &'t MapType) -> Self {
        // SAFETY: `t` comes from `MapType::for_kind`; a null header asks makemap for one.
        let h = unsafe { raw::makemap(t, 0, ptr::null_mut()) };
        assert!(!h.is_null(), "makemap failed");
        Map { t, h }
    }

    /// `keys[i] -> i + 1` (never 0, so a hit is told from the zero value), built generically:
    /// building is never timed.
    fn filled<K: Key>(t: &'t MapType, keys: &[K]) -> Self {
        let m = Map::new(t);
        for (i, &k) in keys.iter().enumerate() {
            // SAFETY: a live map of `t`; the returned slot is the key's 8-byte, 8-aligned elem.
            unsafe { *K::assign::<false>(t, m.h, k).cast::<u64>() = i as u64 + 1 };
        }
        m
    }
}

impl Drop for Map<'_> {
    fn drop(&mut self) {
        // SAFETY: made by makemap in `new`, and this is its only free.
        unsafe { raw::mapfree(self.t, self.h) }
    }
}

/// The keys of one benchmark size and the arenas behind string keys (declared before any map,
/// so they outlive them).
struct Keys<K> {
    /// Insertion order.
    present: Vec<K>,
    /// The present keys shuffled, in two more arenas: probes never share a pointer with the
    /// stored key, so `strequal`'s pointer-equality shortcut never fires (see `assign_update`).
    probes: [Vec<K>; 2],
    /// Keys never inserted.
    misses: Vec<K>,
    _arenas: [Vec<u8>; 4],
}

impl<K: Key> Keys<K> {
    fn new(n: usize) -> Self {
        // Even ids are present and odd ids are misses, so no miss can be present.
        let ids: Vec<u64> = (0..n as u64).map(|i| 2 * i).collect();
        let miss_ids: Vec<u64> = ids.iter().map(|i| i + 1).collect();
        let mut shuffled = ids.clone();
        for i in (1..n).rev() {
            shuffled.swap(i, (mix64(!(i as u64)) % (i as u64 + 1)) as usize);
        }
        let mut a: [Vec<u8>; 4] = Default::default();
        Keys {
            present: K::make(&ids, &mut a[0]),
            probes: [K::make(&shuffled, &mut a[1]), K::make(&shuffled, &mut a[2])],
            misses: K::make(&miss_ids, &mut a[3]),
            _arenas: a,
        }
    }
}

/// A position in a cycle over probe lists, kept outside `b.iter` so that it carries over from
/// one criterion sample to the next and a large map is swept in full, not just its warm start.
#[derive(Default)]
struct Cursor {
    i: usize,
    pass: usize,
}

impl Cursor {
    /// Feeds `BATCH` keys to `f`, moving on to the next list at the end of each one.
    fn sweep<K: Copy>(&mut self, lists: &[&[K]], mut f: impl FnMut(K)) {
        for _ in 0..BATCH {
            let list = lists[self.pass % lists.len()];
            f(list[self.i]);
            self.i += 1;
            if self.i == list.len() {
                (self.i, self.pass) = (0, self.pass + 1);
            }
        }
    }
}

fn lookup<K: Key, const FAST: bool>(b: &mut Bencher, m: &Map, list: &[K], cur: &mut Cursor) {
    b.iter(|| {
        let mut sum = 0u64;
        cur.sweep(&[list], |k| {
            // SAFETY: a live map of `m.t`; a hit's elem and the zero value are readable u64s.
            sum = sum.wrapping_add(unsafe { *K::access1::<FAST>(m.t, m.h, k).cast::<u64>() });
        });
        sum
    });
}

/// Updates alternate between the two probe arenas pass by pass: an update stores the probe's
/// header (Go's key update), so the next pass must come from the other arena to stay honest.
fn assign_update<K: Key, const FAST: bool>(b: &mut Bencher, m: &Map, k: &Keys<K>, c: &mut Cursor) {
    b.iter(|| {
        c.sweep(&[&k.probes[0][..], &k.probes[1][..]], |k| {
            // SAFETY: a live map of `m.t` holding `k`: the slot is its writable u64 elem.
            unsafe { *K::assign::<FAST>(m.t, m.h, k).cast::<u64>() += 1 };
        });
    });
}

/// Both families must agree on the map before their speeds are compared.
fn check<K: Key>(m: &Map, keys: &Keys<K>) {
    // SAFETY: a live map.
    assert_eq!(unsafe { raw::maplen(m.h) }, keys.present.len() as isize);
    let get = |k: K| -> [u64; 2] {
        // SAFETY: lookups on a live map of `m.t`; elems and the zero value are readable u64s.
        unsafe {
            [
                K::access1::<true>(m.t, m.h, k),
                K::access1::<false>(m.t, m.h, k),
            ]
            .map(|p| *p.cast::<u64>())
        }
    };
    for (i, &k) in keys.present.iter().enumerate() {
        assert_eq!(get(k), [i as u64 + 1; 2], "{} key {i}", K::NAME);
    }
    let found = keys.misses.iter().filter(|&&k| get(k) != [0; 2]).count();
    assert_eq!(found, 0, "{} misses found", K::NAME);
}

/// Runs `$body` as function `fast`, then `generic`, of group `$g`, with the const `$F` saying
/// which.
macro_rules! both {
    ($g:ident, |$b:ident, $F:ident| $body:expr) => {{
        {
            const $F: bool = true;
            $g.bench_function("fast", |$b| $body);
        }
        {
            const $F: bool = false;
            $g.bench_function("generic", |$b| $body);
        }
        $g.finish();
    }};
}

/// Group `op/kind/n`, timed per map operation (`ops` of them per iteration).
fn group<'c, K: Key>(c: &'c mut Criterion, op: &str, n: usize, ops: usize) -> Group<'c> {
    let mut g = c.benchmark_group(format!("{op}/{}/{n}", K::NAME));
    g.throughput(Throughput::Elements(ops as u64));
    if ops >= 1 << 20 {
        g.sample_size(10); // each iteration fills or empties a whole 1M-entry map
    }
    g
}

fn bench_kind<K: Key>(c: &mut Criterion) {
    let t = MapType::for_kind(K::KIND, 8, 8).expect("descriptor");
    for n in SIZES {
        let keys = Keys::<K>::new(n);
        let lookups = Map::filled(&t, &keys.present);
        check(&lookups, &keys);
        // Building or emptying a large map per iteration: hold one at a time.
        let batch = if n <= BATCH {
            BatchSize::LargeInput
        } else {
            BatchSize::PerIteration
        };

        let (mut g, mut cur) = (group::<K>(c, "lookup_hit", n, BATCH), Cursor::default());
        both! { g, |b, F| lookup::<K, F>(b, &lookups, &keys.probes[0], &mut cur) }
        let (mut g, mut cur) = (group::<K>(c, "lookup_miss", n, BATCH), Cursor::default());
        both! { g, |b, F| lookup::<K, F>(b, &lookups, &keys.misses, &mut cur) }
        drop(lookups);

        // One map and one cursor shared by both families keep the arena alternation in step.
        let (mut g, mut cur) = (group::<K>(c, "assign_update", n, BATCH), Cursor::default());
        let updates = Map::filled(&t, &keys.present);
        both! { g, |b, F| assign_update::<K, F>(b, &updates, &keys, &mut cur) }
        drop(updates);

        // Maps come back from the routine so that criterion frees them after timing.
        let mut g = group::<K>(c, "insert", n, n);
        both! { g, |b, F| b.iter_batched(
            || Map::new(&t),
            |m| {
                for &k in &keys.present {
                    // SAFETY: a live map of `t`: the slot is the key's writable u64 elem.
                    unsafe { *K::assign::<F>(&t, m.h, k).cast::<u64>() = 1 };
                }
                m
            },
            batch,
        ) }

        let mut g = group::<K>(c, "delete", n, n);
        both! { g, |b, F| b.iter_batched(
            || Map::filled(&t, &keys.present),
            |m| {
                for &k in &keys.probes[0] {
                    // SAFETY: a live map of `t`.
                    unsafe { K::delete::<F>(&t, m.h, k) };
                }
                m
            },
            batch,
        ) }
    }
}

fn all(c: &mut Criterion) {
    bench_kind::<u32>(c);
    bench_kind::<u64>(c);
    bench_kind::<GoString>(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
