//! `sidebyside`: gohmap (through its C ABI) and hashbrown on the workload matrix of
//! `../shared/bench/go119/main.go`, printing the same `impl op keytype n ns_per_op` lines so the
//! Go program's output and this one join into one table (`perf/run.sh` does the join).
//!
//! The key sets, probe sets, delete order, the ops and the measurement method (calibrate the
//! iteration count so one repetition takes >= 0.2 s, report the minimum of 5 repetitions) are
//! the Go program's, transcribed one function at a time; `--checksum` prints the same FNV-1a
//! lines as `go119bench -checksum` so the two can be compared byte for byte.
//!
//! Differences that a C-ABI map library forces, and how they are handled:
//! - Go frees maps by GC; here `insert_*` frees each map inside the timed loop (Go's loop pays
//!   for allocation and for the collector it triggers; this one pays allocation and free).
//! - `delete_all` builds `max(1, 4096/n)` maps untimed, times the deletes, frees untimed.
//! - String keys: gohmap stores `GoString` headers into one arena per key set (probes in their
//!   own arenas, as in Go); hashbrown stores `&[u8]` slices of the same arenas (also 16-byte
//!   headers, hashed with foldhash, hashbrown's default hasher).

#![warn(clippy::undocumented_unsafe_blocks)]

use std::ffi::{c_int, c_void};
use std::hash::Hash;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gohmap::ffi as g;
use gohmap::hash::GoString;
use gohmap::iter::Hiter;
use gohmap::{Hmap, MapType};

// ------------------------------------------------------------------ workload (as main.go) ---

const SEED_KEYS: u64 = 0x0123_4567_89AB_CDEF;
const SEED_KEYS32: u32 = 0x2545_F491;
const SEED_PROBE: u64 = 0xD1B5_4A32_D192_ED03;
const SEED_DEL: u64 = 0x8CB9_2BA7_2F3D_8DD7;
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const MIN_PROBES: usize = 1024;
const BATCH_OPS: usize = 4096;

const KIND_U32: c_int = 3;
const KIND_U64: c_int = 4;
const KIND_STRING: c_int = 6;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix64(self.0)
    }
}

fn key64(i: u64) -> u64 {
    mix64(SEED_KEYS.wrapping_add(i.wrapping_add(1).wrapping_mul(GAMMA)))
}

fn fmix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 13;
    x = x.wrapping_mul(0xC2B2_AE35);
    x ^= x >> 16;
    x
}

fn key32(i: u64) -> u32 {
    // Go: seedKeys32 + uint32(i+1)*0x9E3779B9 (uint32 arithmetic).
    fmix32(SEED_KEYS32.wrapping_add((i.wrapping_add(1) as u32).wrapping_mul(0x9E37_79B9)))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn str_key_bytes(i: u64, out: &mut [u8]) {
    let a = key64(i);
    let b = mix64(a ^ 0x5851_F42D_4C95_7F2D);
    for (j, o) in out[..11].iter_mut().enumerate() {
        *o = ALPHABET[((a >> (6 * j)) & 63) as usize];
    }
    for (j, o) in out[11..16].iter_mut().enumerate() {
        *o = ALPHABET[((b >> (6 * j)) & 63) as usize];
    }
}

fn gen64(idx: &[u64]) -> Vec<u64> {
    idx.iter().map(|&i| key64(i)).collect()
}

fn gen32(idx: &[u64]) -> Vec<u32> {
    idx.iter().map(|&i| key32(i)).collect()
}

/// One contiguous arena of 16 bytes per key (Go's `genStr`).
fn gen_str_arena(idx: &[u64]) -> Vec<u8> {
    let mut buf = vec![0u8; 16 * idx.len()];
    for (chunk, &i) in buf.chunks_exact_mut(16).zip(idx) {
        str_key_bytes(i, chunk);
    }
    buf
}

fn perm_idx(n: usize, p: usize, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix(seed);
    let mut out = Vec::with_capacity(p);
    let mut perm = vec![0u64; n];
    while out.len() < p {
        for (i, v) in perm.iter_mut().enumerate() {
            *v = i as u64;
        }
        for i in (1..n).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            perm.swap(i, j);
        }
        let take = n.min(p - out.len());
        out.extend_from_slice(&perm[..take]);
    }
    out
}

fn range_idx(lo: usize, hi: usize) -> Vec<u64> {
    (lo as u64..hi as u64).collect()
}

/// The four index sets of one cell: keys, hit probes, miss probes, delete order.
struct IdxSet {
    keys: Vec<u64>,
    hits: Vec<u64>,
    misses: Vec<u64>,
    del: Vec<u64>,
}

fn idx_set(n: usize) -> IdxSet {
    let p = n.max(MIN_PROBES);
    IdxSet {
        keys: range_idx(0, n),
        hits: perm_idx(n, p, SEED_PROBE),
        misses: range_idx(n, n + p),
        del: perm_idx(n, n, SEED_DEL),
    }
}

struct KeySet<K> {
    keys: Vec<K>,
    hits: Vec<K>,
    misses: Vec<K>,
    del: Vec<K>,
}

/// String arenas of one cell; the key set borrows from them.
struct StrArenas {
    keys: Vec<u8>,
    hits: Vec<u8>,
    misses: Vec<u8>,
    del: Vec<u8>,
}

impl StrArenas {
    fn new(ix: &IdxSet) -> Self {
        StrArenas {
            keys: gen_str_arena(&ix.keys),
            hits: gen_str_arena(&ix.hits),
            misses: gen_str_arena(&ix.misses),
            del: gen_str_arena(&ix.del),
        }
    }

    fn key_set(&self) -> KeySet<&[u8]> {
        KeySet {
            keys: self.keys.chunks_exact(16).collect(),
            hits: self.hits.chunks_exact(16).collect(),
            misses: self.misses.chunks_exact(16).collect(),
            del: self.del.chunks_exact(16).collect(),
        }
    }
}

// ------------------------------------------------------------------- key types ---

/// A key type of the matrix, with its gohmap C-ABI entry points.
trait BenchKey: Copy + Eq + Hash {
    const KIND: c_int;
    /// # Safety
    /// `t` is the descriptor `h` was made with; `h` is a live map.
    unsafe fn assign(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void;
    /// # Safety
    /// As `assign`.
    unsafe fn access1(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void;
    /// # Safety
    /// As `assign`.
    unsafe fn delete(t: &MapType, h: *mut Hmap, k: Self);
    /// The hash gohmap's fast routines compute for this key with `seed` (for [`floor_touch`]).
    fn hash_with(self, seed: usize) -> usize;
    /// The bytes main.go's `keyBytes` feeds to FNV-1a.
    fn checksum_bytes(&self, out: &mut Vec<u8>);
}

/// `BenchKey` for an integer key passed by value: the two differ only in width and in which
/// fast family they call.
macro_rules! int_key {
    ($ty:ty, $kind:expr, $assign:ident, $access1:ident, $delete:ident, $hash:ident) => {
        impl BenchKey for $ty {
            const KIND: c_int = $kind;
            #[inline(always)]
            unsafe fn assign(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void {
                // SAFETY: the caller's promise; the descriptor's fast family matches the kind.
                unsafe { g::$assign(t, h, k) }
            }
            #[inline(always)]
            unsafe fn access1(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void {
                // SAFETY: as in `assign`.
                unsafe { g::$access1(t, h, k) }
            }
            #[inline(always)]
            unsafe fn delete(t: &MapType, h: *mut Hmap, k: Self) {
                // SAFETY: as in `assign`.
                unsafe { g::$delete(t, h, k) }
            }
            #[inline(always)]
            fn hash_with(self, seed: usize) -> usize {
                gohmap::hash::$hash(self, seed)
            }
            fn checksum_bytes(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(self.to_string().as_bytes());
                out.push(b',');
            }
        }
    };
}

int_key!(
    u64,
    KIND_U64,
    gohmap_mapassign_fast64,
    gohmap_mapaccess1_fast64,
    gohmap_mapdelete_fast64,
    hash_u64
);
int_key!(
    u32,
    KIND_U32,
    gohmap_mapassign_fast32,
    gohmap_mapaccess1_fast32,
    gohmap_mapdelete_fast32,
    hash_u32
);

#[inline(always)]
fn go_string(s: &[u8]) -> GoString {
    GoString {
        ptr: s.as_ptr(),
        len: s.len() as isize,
    }
}

impl BenchKey for &[u8] {
    const KIND: c_int = KIND_STRING;
    #[inline(always)]
    unsafe fn assign(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void {
        // SAFETY: the caller's promise; the descriptor's fast family is FAST_STR (kind STRING);
        // the key's bytes live in an arena that outlives every map of the cell.
        unsafe { g::gohmap_mapassign_faststr(t, h, go_string(k)) }
    }
    #[inline(always)]
    unsafe fn access1(t: &MapType, h: *mut Hmap, k: Self) -> *mut c_void {
        // SAFETY: as in `assign`.
        unsafe { g::gohmap_mapaccess1_faststr(t, h, go_string(k)) }
    }
    #[inline(always)]
    unsafe fn delete(t: &MapType, h: *mut Hmap, k: Self) {
        // SAFETY: as in `assign`.
        unsafe { g::gohmap_mapdelete_faststr(t, h, go_string(k)) }
    }
    #[inline(always)]
    fn hash_with(self, seed: usize) -> usize {
        // SAFETY: the slice's bytes are readable.
        unsafe { gohmap::hash::hash_bytes(self.as_ptr(), self.len(), seed) }
    }
    fn checksum_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
        out.push(b',');
    }
}

/// The descriptor of `map[K]uint64`.
fn descriptor<K: BenchKey>() -> MapType {
    let mut t = MaybeUninit::<MapType>::uninit();
    // SAFETY: `t` is writable storage for one descriptor; init_kind writes all of it on success.
    let rc = unsafe { g::gohmap_maptype_init_kind(t.as_mut_ptr(), K::KIND, 8, 8) };
    assert_eq!(rc, 0, "gohmap_maptype_init_kind({}) failed", K::KIND);
    // SAFETY: rc == 0: the descriptor was written.
    unsafe { t.assume_init() }
}

// ------------------------------------------------------------- gohmap map wrapper ---

/// One gohmap map driven through the C ABI; freed on drop.
struct GoMap<'t, K: BenchKey> {
    t: &'t MapType,
    h: *mut Hmap,
    _k: std::marker::PhantomData<K>,
}

impl<'t, K: BenchKey> GoMap<'t, K> {
    #[inline(always)]
    fn new(t: &'t MapType, hint: usize) -> Self {
        // SAFETY: `t` is a valid descriptor that outlives the map (borrowed for 't).
        let h = unsafe { g::gohmap_makemap(t, hint as isize, std::ptr::null_mut()) };
        assert!(!h.is_null(), "gohmap_makemap failed");
        GoMap {
            t,
            h,
            _k: std::marker::PhantomData,
        }
    }

    #[inline(always)]
    fn set(&mut self, k: K, v: u64) {
        // SAFETY: `h` is live and was made with `t`.
        let p = unsafe { K::assign(self.t, self.h, k) };
        // SAFETY: a non-null assign result is the elem slot (8 bytes, 8-aligned) of a u64 elem,
        // valid until the next write to the map; the default panic handler aborts on failure.
        unsafe { p.cast::<u64>().write(v) };
    }

    #[inline(always)]
    fn get(&self, k: K) -> u64 {
        // SAFETY: `h` is live and was made with `t`.
        let p = unsafe { K::access1(self.t, self.h, k) };
        // SAFETY: access1 returns the elem (a u64) or the zero value, both readable 8 bytes.
        unsafe { p.cast::<u64>().read() }
    }

    #[inline(always)]
    fn delete(&mut self, k: K) {
        // SAFETY: `h` is live and was made with `t`.
        unsafe { K::delete(self.t, self.h, k) }
    }

    fn len(&self) -> usize {
        // SAFETY: `h` is a live map.
        unsafe { g::gohmap_maplen(self.h) as usize }
    }

    /// Sum of all elems, by a full `range` over the map.
    #[inline(always)]
    fn sum_elems(&self) -> u64 {
        let mut it = MaybeUninit::<Hiter>::uninit();
        // SAFETY: `h` is live and made with `t`; mapiterinit initialises the whole iterator.
        unsafe { g::gohmap_mapiterinit(self.t, self.h, it.as_mut_ptr()) };
        // SAFETY: initialised just above.
        let it = unsafe { it.assume_init_mut() };
        let mut s = 0u64;
        while !it.key.is_null() {
            // SAFETY: while key is non-null, elem points at the current u64 elem.
            s = s.wrapping_add(unsafe { it.elem.cast::<u64>().read() });
            // SAFETY: `it` is a live iterator over a map not written during the loop.
            unsafe { g::gohmap_mapiternext(it) };
        }
        s
    }
}

impl<K: BenchKey> Drop for GoMap<'_, K> {
    fn drop(&mut self) {
        // SAFETY: `h` was made with `t`, no iteration is live, and it is freed once.
        unsafe { g::gohmap_mapfree(self.t, self.h) }
    }
}

type HbMap<K> = hashbrown::HashMap<K, u64>;

// ---------------------------------------------------------------------- measuring ---

struct Config {
    min_rep: Duration,
    reps: usize,
}

/// main.go's `measure`: calibrate `iters` so one repetition takes >= min_rep, then the minimum
/// ns/op of `reps` repetitions. `run(iters)` returns (timed duration, ops performed).
fn measure(cfg: &Config, mut run: impl FnMut(usize) -> (Duration, usize)) -> f64 {
    let mut iters = 1usize;
    loop {
        let (d, _) = run(iters);
        if d >= cfg.min_rep {
            break;
        }
        let mut next = iters * 10;
        if d > Duration::ZERO {
            let est = (iters as f64 * 1.25 * cfg.min_rep.as_nanos() as f64 / d.as_nanos() as f64)
                .ceil() as usize
                + 1;
            next = next.min(est);
        }
        if next <= iters {
            next = iters + 1;
        }
        iters = next;
    }
    let mut best = f64::INFINITY;
    for _ in 0..cfg.reps {
        let (d, ops) = run(iters);
        best = best.min(d.as_nanos() as f64 / ops as f64);
    }
    best
}

/// Checks a built map before timing lookups on it: `keys[i]` maps to `i`, misses read zero.
fn verify<K: BenchKey>(n: usize, len: usize, keys: &[K], misses: &[K], get: impl Fn(K) -> u64) {
    assert_eq!(len, n, "map length after building");
    for (i, &k) in keys.iter().enumerate() {
        assert_eq!(get(k), i as u64, "lookup of key #{i}");
    }
    for (i, &k) in misses.iter().enumerate() {
        assert_eq!(get(k), 0, "lookup of miss #{i}");
    }
}

fn go_build<'t, K: BenchKey>(t: &'t MapType, keys: &[K], hint: usize) -> GoMap<'t, K> {
    let mut m = GoMap::new(t, hint);
    for (i, &k) in keys.iter().enumerate() {
        m.set(k, i as u64);
    }
    m
}

fn hb_build<K: BenchKey>(keys: &[K], hint: usize) -> HbMap<K> {
    let mut m = if hint > 0 {
        HbMap::with_capacity(hint)
    } else {
        HbMap::new()
    };
    for (i, &k) in keys.iter().enumerate() {
        m.insert(k, i as u64);
    }
    m
}

/// One op of one cell for gohmap: ns/op.
fn go_op<K: BenchKey>(cfg: &Config, t: &MapType, ks: &KeySet<K>, n: usize, op: &str) -> f64 {
    let (keys, hits, misses, del) = (&ks.keys[..], &ks.hits[..], &ks.misses[..], &ks.del[..]);
    match op {
        "insert_fresh" | "insert_presized" => {
            let hint = if op == "insert_presized" { n } else { 0 };
            measure(cfg, |iters| {
                let t0 = Instant::now();
                for _ in 0..iters {
                    let m = go_build(t, black_box(keys), hint);
                    black_box(m.h);
                    drop(m);
                }
                (t0.elapsed(), iters * n)
            })
        }
        "lookup_hit" | "lookup_miss" => {
            let m = go_build(t, keys, 0);
            verify(n, m.len(), keys, misses, |k| m.get(k));
            let probes = if op == "lookup_miss" { misses } else { hits };
            measure(cfg, |iters| {
                let mut s = 0u64;
                let t0 = Instant::now();
                for _ in 0..iters {
                    for &k in black_box(probes) {
                        s = s.wrapping_add(m.get(k));
                    }
                }
                let d = t0.elapsed();
                black_box(s);
                (d, iters * probes.len())
            })
        }
        "update" => {
            let mut m = go_build(t, keys, 0);
            measure(cfg, |iters| {
                let t0 = Instant::now();
                for _ in 0..iters {
                    for (j, &k) in black_box(hits).iter().enumerate() {
                        m.set(k, j as u64);
                    }
                }
                let d = t0.elapsed();
                black_box(m.len());
                (d, iters * hits.len())
            })
        }
        "iterate" => {
            let m = go_build(t, keys, 0);
            measure(cfg, |iters| {
                let mut s = 0u64;
                let t0 = Instant::now();
                for _ in 0..iters {
                    s = s.wrapping_add(black_box(&m).sum_elems());
                }
                let d = t0.elapsed();
                black_box(s);
                (d, iters * n)
            })
        }
        "delete_all" => {
            let batch = (BATCH_OPS / n).max(1);
            measure(cfg, |iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut maps: Vec<GoMap<K>> =
                        (0..batch).map(|_| go_build(t, keys, 0)).collect();
                    let t0 = Instant::now();
                    for m in maps.iter_mut() {
                        for &k in black_box(del) {
                            m.delete(k);
                        }
                    }
                    total += t0.elapsed();
                    for m in &maps {
                        black_box(m.len());
                    }
                }
                (total, iters * batch * n)
            })
        }
        _ => unknown_op(op),
    }
}

/// One op of one cell for hashbrown: ns/op.
fn hb_op<K: BenchKey>(cfg: &Config, ks: &KeySet<K>, n: usize, op: &str) -> f64 {
    let (keys, hits, misses, del) = (&ks.keys[..], &ks.hits[..], &ks.misses[..], &ks.del[..]);
    match op {
        "insert_fresh" | "insert_presized" => {
            let hint = if op == "insert_presized" { n } else { 0 };
            measure(cfg, |iters| {
                let t0 = Instant::now();
                for _ in 0..iters {
                    let m = hb_build(black_box(keys), hint);
                    black_box(&m);
                    drop(m);
                }
                (t0.elapsed(), iters * n)
            })
        }
        "lookup_hit" | "lookup_miss" => {
            let m = hb_build(keys, 0);
            verify(n, m.len(), keys, misses, |k| {
                m.get(&k).copied().unwrap_or(0)
            });
            let probes = if op == "lookup_miss" { misses } else { hits };
            measure(cfg, |iters| {
                let mut s = 0u64;
                let t0 = Instant::now();
                for _ in 0..iters {
                    for k in black_box(probes) {
                        s = s.wrapping_add(m.get(k).copied().unwrap_or(0));
                    }
                }
                let d = t0.elapsed();
                black_box(s);
                (d, iters * probes.len())
            })
        }
        "update" => {
            let mut m = hb_build(keys, 0);
            measure(cfg, |iters| {
                let t0 = Instant::now();
                for _ in 0..iters {
                    for (j, &k) in black_box(hits).iter().enumerate() {
                        m.insert(k, j as u64);
                    }
                }
                let d = t0.elapsed();
                black_box(m.len());
                (d, iters * hits.len())
            })
        }
        "iterate" => {
            let m = hb_build(keys, 0);
            measure(cfg, |iters| {
                let mut s = 0u64;
                let t0 = Instant::now();
                for _ in 0..iters {
                    for v in black_box(&m).values() {
                        s = s.wrapping_add(*v);
                    }
                }
                let d = t0.elapsed();
                black_box(s);
                (d, iters * n)
            })
        }
        "delete_all" => {
            let batch = (BATCH_OPS / n).max(1);
            measure(cfg, |iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut maps: Vec<HbMap<K>> = (0..batch).map(|_| hb_build(keys, 0)).collect();
                    let t0 = Instant::now();
                    for m in maps.iter_mut() {
                        for k in black_box(del) {
                            m.remove(k);
                        }
                    }
                    total += t0.elapsed();
                    for m in &maps {
                        black_box(m.len());
                    }
                }
                (total, iters * batch * n)
            })
        }
        _ => unknown_op(op),
    }
}

fn unknown_op(op: &str) -> ! {
    eprintln!("unknown op {op:?}");
    std::process::exit(2)
}

// ------------------------------------------------------------------------- floor ---

/// The part of a lookup that no map keeping Go's bucket layout behind one call per operation
/// can skip: the call, hashing the key with the map's seed (gohmap's own hash, AES when the CPU
/// has it), and reading the first byte of the key's bucket in the real map's array. It returns
/// the address of that byte, which the driver reads as it reads a found elem. It compares no
/// key, reads no elem, walks no chain and writes nothing, so every real lookup, miss or update
/// costs more: it is a lower bound, measured, for what the layout and the contract allow.
///
/// `PAD` adds that many register-only instructions to each call (`-impls floor64`: four
/// independent chains of adds, so they wait for nothing and cost no memory access). They
/// measure how much of a big map's lookup time is the instruction count alone: a probe's
/// instructions must all retire in order behind its cache miss, so the more instructions each
/// probe takes, the fewer later probes' misses the CPU can start while one is outstanding.
///
/// `h` must be a live map that is not growing, made with a descriptor whose buckets are
/// `bucketsize` bytes.
#[inline(never)]
fn floor_touch<K: BenchKey, const PAD: usize>(
    h: *const Hmap,
    bucketsize: usize,
    k: K,
) -> *const u8 {
    // SAFETY: the caller passes a live map (see above).
    let h = unsafe { &*h };
    let hash = k.hash_with(h.hash0.get() as usize);
    let i = hash & ((1usize << h.b.get()) - 1);
    if PAD > 0 {
        // SAFETY: register arithmetic on scratch registers only.
        unsafe {
            std::arch::asm!(
                ".rept {n}", "add {a}, 1", "add {b}, 1", "add {c}, 1", "add {d}, 1", ".endr",
                n = const PAD / 4,
                a = out(reg) _, b = out(reg) _, c = out(reg) _, d = out(reg) _,
                options(nomem, nostack),
            )
        };
    }
    h.buckets.get().wrapping_add(i * bucketsize)
}

/// The floor (see [`floor_touch`]) of a lookup_hit, lookup_miss or update cell: ns/op over the
/// same probes on the same map as gohmap's cell; `None` for the other ops.
fn floor_op<K: BenchKey>(
    cfg: &Config,
    t: &MapType,
    ks: &KeySet<K>,
    op: &str,
    pad: usize,
) -> Option<f64> {
    let probes = match op {
        "lookup_hit" | "update" => &ks.hits[..],
        "lookup_miss" => &ks.misses[..],
        _ => return None,
    };
    let m = go_build(t, &ks.keys, 0);
    // SAFETY: `m.h` is a live map.
    let h = unsafe { &*m.h };
    assert!(
        h.oldbuckets.get().is_null(),
        "floor: the built map is still growing"
    );
    // Called through a pointer the optimiser cannot see through, as a C-ABI call is made.
    let touch: fn(*const Hmap, usize, K) -> *const u8 = black_box(match pad {
        0 => floor_touch::<K, 0>,
        16 => floor_touch::<K, 16>,
        32 => floor_touch::<K, 32>,
        _ => floor_touch::<K, 64>,
    });
    let bucketsize = t.bucketsize as usize;
    Some(measure(cfg, |iters| {
        let mut s = 0u64;
        let t0 = Instant::now();
        for _ in 0..iters {
            for &k in black_box(probes) {
                // SAFETY: the address of a byte inside the map's live bucket array.
                s = s.wrapping_add(unsafe { touch(m.h, bucketsize, k).read() } as u64);
            }
        }
        let d = t0.elapsed();
        black_box(s);
        (d, iters * probes.len())
    }))
}

fn bench_cell<K: BenchKey>(
    cfg: &Config,
    impls: &[String],
    kname: &str,
    n: usize,
    ks: &KeySet<K>,
    ops: &[String],
) {
    let t = descriptor::<K>();
    for op in ops {
        for imp in impls {
            let ns = match imp.as_str() {
                "gohmap" => go_op(cfg, &t, ks, n, op),
                "hashbrown" => hb_op(cfg, ks, n, op),
                "floor" | "floor16" | "floor32" | "floor64" => {
                    match floor_op(cfg, &t, ks, op, imp[5..].parse().unwrap_or(0)) {
                        Some(ns) => ns,
                        None => continue,
                    }
                }
                other => {
                    eprintln!(
                        "unknown impl {other:?} (gohmap, hashbrown, floor, floor16, floor32, floor64)"
                    );
                    std::process::exit(2)
                }
            };
            println!("{imp} {op} {kname} {n} {ns:.3}");
        }
    }
}

// ------------------------------------------------------------------------ memory ---

/// Live bytes gohmap holds through the counting allocator (requested sizes).
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Total bytes gohmap has requested.
static TOTAL: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    let p = if align <= 16 {
        // SAFETY: calloc accepts any size; it returns null or zeroed memory.
        unsafe { calloc(1, size) }
    } else {
        let mut p = std::ptr::null_mut();
        // SAFETY: gohmap asks for power-of-two alignments that are multiples of a pointer.
        if unsafe { posix_memalign(&mut p, align, size) } != 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: posix_memalign gave `size` writable bytes at `p`.
        unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0, size) };
        p
    };
    if !p.is_null() {
        LIVE.fetch_add(size, Ordering::Relaxed);
        TOTAL.fetch_add(size, Ordering::Relaxed);
    }
    p
}

unsafe extern "C" fn count_free(_: *mut c_void, p: *mut c_void, size: usize, _: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
    // SAFETY: `p` came from calloc or posix_memalign in count_alloc.
    unsafe { free(p) }
}

unsafe extern "C" {
    fn calloc(n: usize, size: usize) -> *mut c_void;
    fn posix_memalign(p: *mut *mut c_void, align: usize, size: usize) -> c_int;
    fn free(p: *mut c_void);
}

fn install_counting_allocator() {
    gohmap::alloc::set_allocator(Some(&gohmap::alloc::Allocator {
        alloc: count_alloc,
        free: count_free,
        ctx: std::ptr::null_mut(),
    }));
}

/// Bytes per entry after inserting `keys` (grown and presized), main.go's `mem_live` lines.
fn mem_cell<K: BenchKey>(impls: &[String], kname: &str, keys: &[K]) {
    let t = descriptor::<K>();
    let n = keys.len();
    let fnn = n as f64;
    for presized in [false, true] {
        let hint = if presized { n } else { 0 };
        let suffix = if presized { "_presized" } else { "" };
        for imp in impls {
            match imp.as_str() {
                "gohmap" => {
                    let (l0, t0) = (LIVE.load(Ordering::Relaxed), TOTAL.load(Ordering::Relaxed));
                    let m = go_build(&t, keys, hint);
                    let (l1, t1) = (LIVE.load(Ordering::Relaxed), TOTAL.load(Ordering::Relaxed));
                    println!(
                        "gohmap mem_live{suffix} {kname} {n} {:.2}",
                        (l1 - l0) as f64 / fnn
                    );
                    println!(
                        "gohmap mem_alloc_total{suffix} {kname} {n} {:.2}",
                        (t1 - t0) as f64 / fnn
                    );
                    eprintln!("# gohmap mem{suffix} {kname} {n} len={}", m.len());
                    drop(m);
                }
                "hashbrown" => {
                    let m = hb_build(keys, hint);
                    let bytes = m.allocation_size();
                    println!(
                        "hashbrown mem_live{suffix} {kname} {n} {:.2}",
                        bytes as f64 / fnn
                    );
                    eprintln!(
                        "# hashbrown mem{suffix} {kname} {n} len={} capacity={}",
                        m.len(),
                        m.capacity()
                    );
                }
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------- checksum ---

fn fnv_sum<K: BenchKey>(xs: &[K]) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    let mut buf = Vec::with_capacity(32);
    for k in xs {
        buf.clear();
        k.checksum_bytes(&mut buf);
        for &c in &buf {
            h ^= c as u64;
            h = h.wrapping_mul(0x100_0000_01B3);
        }
    }
    h
}

fn print_checksums<K: BenchKey>(name: &str, ks: &KeySet<K>, n: usize) {
    println!(
        "{name} {n} keys={:016x} hits={:016x} misses={:016x} del={:016x}",
        fnv_sum(&ks.keys),
        fnv_sum(&ks.hits),
        fnv_sum(&ks.misses),
        fnv_sum(&ks.del)
    );
}

fn num_set(ix: &IdxSet, gen_fn: fn(&[u64]) -> Vec<u64>) -> KeySet<u64> {
    KeySet {
        keys: gen_fn(&ix.keys),
        hits: gen_fn(&ix.hits),
        misses: gen_fn(&ix.misses),
        del: gen_fn(&ix.del),
    }
}

fn u32_set(ix: &IdxSet) -> KeySet<u32> {
    KeySet {
        keys: gen32(&ix.keys),
        hits: gen32(&ix.hits),
        misses: gen32(&ix.misses),
        del: gen32(&ix.del),
    }
}

// -------------------------------------------------------------------------- main ---

struct Args {
    keys: Vec<String>,
    sizes: Vec<usize>,
    sizes_set: bool,
    ops: Vec<String>,
    impls: Vec<String>,
    mem: bool,
    checksum: bool,
    min_rep_ms: u64,
    reps: usize,
}

const ALL_OPS: [&str; 7] = [
    "insert_fresh",
    "insert_presized",
    "lookup_hit",
    "lookup_miss",
    "update",
    "delete_all",
    "iterate",
];

const USAGE: &str = "usage: sidebyside [-keys u32,u64,str] [-sizes 8,1024,65536,1048576,8388608] \
[-ops all|op,op] [-impls gohmap,hashbrown,floor] [-minrep_ms 200] [-reps 5] [-mem] [-checksum]
  flags as in ../shared/bench/go119 (one or two dashes, `-flag v` or `-flag=v`);
  floor: call + hash + one bucket byte per probe on lookup_hit/lookup_miss/update cells;
  floor16, floor32, floor64: the same with 16, 32 or 64 more register-only instructions a call;
  8388608 is only run for u64, as in the Go program; -mem defaults to n = 1048576";

fn parse_args() -> Args {
    let mut a = Args {
        keys: vec!["u32".into(), "u64".into(), "str".into()],
        sizes: vec![8, 1024, 65536, 1_048_576, 8_388_608],
        sizes_set: false,
        ops: ALL_OPS.iter().map(|s| s.to_string()).collect(),
        impls: vec!["gohmap".into(), "hashbrown".into(), "floor".into()],
        mem: false,
        checksum: false,
        min_rep_ms: 200,
        reps: 5,
    };
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let flag = arg.trim_start_matches('-');
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.to_string(), None),
        };
        let mut value = || -> String {
            inline.clone().or_else(|| it.next()).unwrap_or_else(|| {
                eprintln!("flag -{name} needs a value\n{USAGE}");
                std::process::exit(2)
            })
        };
        let num = |v: String| -> u64 {
            v.parse().unwrap_or_else(|_| {
                eprintln!("bad number {v:?}\n{USAGE}");
                std::process::exit(2)
            })
        };
        match name.as_str() {
            "keys" => a.keys = list(&value()),
            "sizes" => {
                a.sizes = list(&value())
                    .into_iter()
                    .map(|s| num(s) as usize)
                    .collect();
                a.sizes_set = true;
            }
            "ops" => {
                let v = value();
                if v != "all" {
                    a.ops = list(&v);
                }
            }
            "impls" | "impl" => a.impls = list(&value()),
            "minrep_ms" => a.min_rep_ms = num(value()),
            "reps" => a.reps = num(value()) as usize,
            "mem" => a.mem = true,
            "checksum" => a.checksum = true,
            "h" | "help" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            _ => {
                eprintln!("unknown flag {arg:?}\n{USAGE}");
                std::process::exit(2)
            }
        }
    }
    if a.mem && !a.sizes_set {
        a.sizes = vec![1_048_576];
    }
    a
}

fn main() {
    let a = parse_args();
    if a.checksum {
        for n in [8, 1024, 65536] {
            let ix = idx_set(n);
            print_checksums("u32", &u32_set(&ix), n);
            print_checksums("u64", &num_set(&ix, gen64), n);
            let arenas = StrArenas::new(&ix);
            print_checksums("str", &arenas.key_set(), n);
        }
        return;
    }
    if a.mem {
        install_counting_allocator();
    }
    let cfg = Config {
        min_rep: Duration::from_millis(a.min_rep_ms),
        reps: a.reps,
    };
    let aes = g::gohmap_uses_aes();
    eprintln!(
        "# sidebyside gohmap(aes={aes}) hashbrown(foldhash) minrep_ms={} reps={}",
        a.min_rep_ms, a.reps
    );
    for kname in &a.keys {
        for &n in &a.sizes {
            if n > 1_048_576 && kname != "u64" {
                continue;
            }
            if a.mem {
                let keys_idx = range_idx(0, n);
                match kname.as_str() {
                    "u32" => mem_cell(&a.impls, kname, &gen32(&keys_idx)),
                    "u64" => mem_cell(&a.impls, kname, &gen64(&keys_idx)),
                    "str" => {
                        let arena = gen_str_arena(&keys_idx);
                        let keys: Vec<&[u8]> = arena.chunks_exact(16).collect();
                        mem_cell(&a.impls, kname, &keys)
                    }
                    other => unknown_key(other),
                }
                continue;
            }
            let ix = idx_set(n);
            match kname.as_str() {
                "u32" => bench_cell(&cfg, &a.impls, kname, n, &u32_set(&ix), &a.ops),
                "u64" => bench_cell(&cfg, &a.impls, kname, n, &num_set(&ix, gen64), &a.ops),
                "str" => {
                    let arenas = StrArenas::new(&ix);
                    bench_cell(&cfg, &a.impls, kname, n, &arenas.key_set(), &a.ops)
                }
                other => unknown_key(other),
            }
        }
    }
}

fn unknown_key(k: &str) -> ! {
    eprintln!("unknown key type {k:?}");
    std::process::exit(2)
}
