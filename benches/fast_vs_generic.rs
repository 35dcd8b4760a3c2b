//! Each fast routine (`*_fast32`, `*_fast64`, `*_faststr`) against its generic twin on the same
//! descriptor and the same map, so the only difference measured is the entry point: keys by
//! value with a direct hash and compare, versus keys by address through the descriptor's
//! callbacks. Groups are `op/kind/n` with functions `fast` and `generic`; every throughput is
//! in map operations, so criterion reports time per operation.
//!
//!     cargo bench -j1 --bench fast_vs_generic
//!     cargo bench -j1 --bench fast_vs_generic -- --warm-up-time 0.3 --measurement-time 1 \
//!         --sample-size 10    # the whole matrix in a few minutes

mod common;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, Bencher, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use gohmap::hash::GoString;
use gohmap::raw;

use common::{BATCH, Cursor, Key, Keys, Map};

type Group<'c> = BenchmarkGroup<'c, WallTime>;

const SIZES: [usize; 4] = [8, 1024, 65536, 1 << 20];

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
    let t = K::map_type();
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
