//! Hash quality of every exported hash function, on the path this process chose (AES-NI when the
//! CPU has it; the portable path's own quality tests are unit tests in `src/hash/tests.rs`,
//! since only the crate can reach it on an AES machine).
//!
//! * **Avalanche**: flipping one input bit flips each output bit with probability 1/2. Over `N`
//!   random inputs a cell's flip rate has standard deviation `0.5/sqrt(N)`; every (input bit,
//!   output bit) cell must be within [`Z`] standard deviations of 1/2.
//! * **Distribution**: the map uses the low `B` bits (bucket) and the top 8 bits (tophash). For
//!   sequential, sparse (multiples of 2^k) and structured keys, across seeds (0, adjacent seeds,
//!   the largest 32-bit seed), the counts per bucket must pass a chi-squared test against the
//!   uniform distribution, as a normal deviate (Wilson–Hilferty) within `Z` of 0 (both tails:
//!   too even is as suspicious as too lumpy).
//! * **Seeds**: the same key under different seeds gives unrelated hashes.
//! * **Map seeds**: distinct maps get distinct `hash0`; `rand::set_seed` makes them repeatable.
//!
//! `Z = 6.5` puts each check's false-alarm chance near 1e-10, so the whole file (about a million
//! cells and a few thousand chi-squared tests) fails by chance about once in ten thousand runs,
//! while a real flaw (a bit that never flips, a bucket bit that ignores half the key) is tens of
//! standard deviations out. `memhash0` is left out: a zero-size key has one value, and its hash
//! is the seed by definition.

mod common;

use std::collections::HashSet;
use std::ffi::c_void;

use common::{MIRI, Rng, scaled};
use gohmap::hash::{self, GoString};
use gohmap::{KeyKind, raw};

/// Standard deviations a statistic may stray before the test fails.
const Z: f64 = 6.5;

/// A hash over a key's bytes (the key is copied to aligned storage first).
type ByteHash = Box<dyn Fn(&[u8], usize) -> usize>;

/// One exported function, seen as a hash of `len`-byte keys.
struct Fun {
    name: String,
    len: usize,
    hash: ByteHash,
    /// What the key bytes mean, for building structured key sets.
    shape: Shape,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Plain memory (integers, structs).
    Mem,
    /// The bytes of a string (hashed through strhash with a header pointing at them).
    Str,
    F32,
    F64,
    C64,
    C128,
}

/// Calls a two-argument hasher on an aligned copy of `key`.
fn call(f: hash::HashFn, key: &[u8], seed: usize) -> usize {
    let buf = common::aligned(key);
    // SAFETY: `buf` holds the key's bytes, as many as the hasher reads.
    unsafe { f(buf.as_ptr().cast::<c_void>(), seed) }
}

/// Every exported hash function, at the key sizes that exercise its code paths.
fn functions() -> Vec<Fun> {
    let fixed = |name: &str, len, f: hash::HashFn, shape| Fun {
        name: name.into(),
        len,
        hash: Box::new(move |k, s| call(f, k, s)),
        shape,
    };
    let mut v = vec![
        fixed("memhash8", 1, hash::memhash8, Shape::Mem),
        fixed("memhash16", 2, hash::memhash16, Shape::Mem),
        fixed("memhash32", 4, hash::memhash32, Shape::Mem),
        fixed("memhash64", 8, hash::memhash64, Shape::Mem),
        fixed("memhash128", 16, hash::memhash128, Shape::Mem),
        fixed("f32hash", 4, hash::f32hash, Shape::F32),
        fixed("f64hash", 8, hash::f64hash, Shape::F64),
        fixed("c64hash", 8, hash::c64hash, Shape::C64),
        fixed("c128hash", 16, hash::c128hash, Shape::C128),
    ];
    // memhash's size classes on both paths: under 16, 16, 17..32, 33..64, 65..128, beyond.
    let mem_lens: &[usize] = if MIRI {
        &[3, 24]
    } else {
        &[3, 7, 12, 24, 40, 96, 200]
    };
    for &len in mem_lens {
        v.push(Fun {
            name: format!("memhash({len})"),
            len,
            hash: Box::new(move |k, s| {
                let buf = common::aligned(k);
                // SAFETY: `buf` holds `len` readable bytes.
                unsafe { hash::memhash(buf.as_ptr().cast(), s, len) }
            }),
            shape: Shape::Mem,
        });
    }
    let str_lens: &[usize] = if MIRI { &[7] } else { &[7, 16, 33, 70] };
    for &len in str_lens {
        v.push(Fun {
            name: format!("strhash({len})"),
            len,
            hash: Box::new(|k, s| {
                let g = GoString {
                    ptr: k.as_ptr(),
                    len: k.len() as isize,
                };
                // SAFETY: the header points at the key's bytes, which live for the call.
                unsafe { hash::strhash((&raw const g).cast(), s) }
            }),
            shape: Shape::Str,
        });
    }
    v
}

/// Random bytes.
fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next() as u8).collect()
}

/// `n` random keys of `f`, or every key when there are fewer than 4096 (drawing `n` from 256
/// values would not be `n` independent samples, and the tolerance would be wrong).
fn sample_keys(f: &Fun, n: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    if f.len * 8 < 12 {
        (0..1u64 << (8 * f.len))
            .map(|v| v.to_le_bytes()[..f.len].to_vec())
            .collect()
    } else {
        (0..n).map(|_| random_bytes(rng, f.len)).collect()
    }
}

/// [`Z`] standard deviations of a rate of 1/2 measured over `n` samples.
fn tolerance(n: usize) -> f64 {
    Z * 0.5 / (n as f64).sqrt()
}

/// The input bits to flip: all of them up to 128, else 128 spread over the key.
fn flip_positions(len: usize) -> Vec<usize> {
    let bits = len * 8;
    if bits <= 128 {
        (0..bits).collect()
    } else {
        // One bit in each of 128 bytes spread over the key, cycling through bit positions.
        (0..128).map(|j| (j * len / 128) * 8 + j % 8).collect()
    }
}

/// Counts, over `keys`, how often flipping bit `positions[i]` (of the key, or of the seed when
/// `seed_bits`) flips output bit `o`. Returns the worst `|rate - 1/2|` and where.
fn avalanche(f: &Fun, keys: Vec<Vec<u8>>, seed: usize, seed_bits: bool) -> (f64, usize, usize) {
    let n = keys.len();
    let positions: Vec<usize> = if seed_bits {
        (0..64).collect()
    } else {
        flip_positions(f.len)
    };
    let mut counts = vec![[0u32; 64]; positions.len()];
    for mut key in keys {
        let h = (f.hash)(&key, seed);
        for (row, &p) in counts.iter_mut().zip(&positions) {
            let h2 = if seed_bits {
                (f.hash)(&key, seed ^ (1 << p))
            } else {
                key[p / 8] ^= 1 << (p % 8);
                let h2 = (f.hash)(&key, seed);
                key[p / 8] ^= 1 << (p % 8);
                h2
            };
            let mut d = h ^ h2;
            while d != 0 {
                row[d.trailing_zeros() as usize] += 1;
                d &= d - 1;
            }
        }
    }
    let mut worst = (0.0, 0, 0);
    for (i, row) in counts.iter().enumerate() {
        for (o, &c) in row.iter().enumerate() {
            let bias = (f64::from(c) / n as f64 - 0.5).abs();
            if bias > worst.0 {
                worst = (bias, positions[i], o);
            }
        }
    }
    worst
}

#[test]
fn flipping_any_input_bit_flips_each_output_bit_half_the_time() {
    let n = scaled(3000, 40);
    let mut rng = Rng(0x5eed_0001);
    let mut report = vec![];
    for (i, f) in functions().iter().enumerate() {
        // Seeds rotate over the functions so that seed 0 and small seeds are both covered.
        let seed = [0usize, 1, 0x9e37_79b9, u32::MAX as usize][i % 4];
        let keys = sample_keys(f, n, &mut rng);
        let tol = tolerance(keys.len());
        let (bias, bit, out) = avalanche(f, keys, seed, false);
        report.push(format!(
            "{}: worst {bias:.4} (in {bit}, out {out}; tolerance {tol:.4})",
            f.name
        ));
        if !MIRI {
            assert!(
                bias < tol,
                "{} seed {seed:#x}: flipping input bit {bit} flips output bit {out} with rate \
                 1/2 {bias:+.4}, beyond {tol:.4}",
                f.name
            );
        }
    }
    println!("avalanche, up to {n} keys:\n  {}", report.join("\n  "));
}

#[test]
fn flipping_any_seed_bit_flips_each_output_bit_half_the_time() {
    let n = scaled(3000, 40);
    let mut rng = Rng(0x5eed_0002);
    let mut report = vec![];
    for f in functions() {
        let keys = sample_keys(&f, n, &mut rng);
        let tol = tolerance(keys.len());
        let (bias, bit, out) = avalanche(&f, keys, 0x1234_5678, true);
        report.push(format!(
            "{}: worst {bias:.4} (seed bit {bit}, out {out}; tolerance {tol:.4})",
            f.name
        ));
        if !MIRI {
            assert!(
                bias < tol,
                "{}: flipping seed bit {bit} flips output bit {out} with rate 1/2 {bias:+.4}, \
                 beyond {tol:.4}",
                f.name
            );
        }
    }
    println!("seed avalanche, up to {n} keys:\n  {}", report.join("\n  "));
}

#[test]
fn adjacent_seeds_give_unrelated_hashes_of_the_same_key() {
    let n = scaled(4000, 40);
    let mut rng = Rng(0x5eed_0003);
    let mut worst_overall = 0.0f64;
    for f in functions() {
        for s in [0usize, 1, 0x7fff_ffff, 0xffff_fffe] {
            let keys = sample_keys(&f, n, &mut rng);
            let (n, tolerance) = (keys.len(), tolerance(keys.len()));
            let mut agree = [0u32; 64];
            for k in keys {
                let (a, b) = ((f.hash)(&k, s), (f.hash)(&k, s + 1));
                assert_ne!(a, b, "{}: seeds {s:#x} and +1 collide on {k:x?}", f.name);
                let mut same = !(a ^ b);
                while same != 0 {
                    agree[same.trailing_zeros() as usize] += 1;
                    same &= same - 1;
                }
            }
            for (o, &c) in agree.iter().enumerate() {
                let bias = (f64::from(c) / n as f64 - 0.5).abs();
                worst_overall = worst_overall.max(bias);
                if !MIRI {
                    assert!(
                        bias < tolerance,
                        "{}: output bit {o} agrees between seeds {s:#x} and +1 at rate 1/2 \
                         {bias:+.4}",
                        f.name
                    );
                }
            }
        }
    }
    println!("seed s vs s+1: worst per-bit agreement bias {worst_overall:.4}");
}

// ---- bucket distribution ----

/// A named set of `n` keys of one function's shape, key `i` built by `make(i)`.
struct KeySet {
    name: String,
    n: usize,
    make: Box<dyn Fn(u64) -> Vec<u8>>,
}

fn key_set(name: impl Into<String>, n: usize, make: impl Fn(u64) -> Vec<u8> + 'static) -> KeySet {
    KeySet {
        name: name.into(),
        n,
        make: Box::new(make),
    }
}

/// Which bits of a hash a distribution test counts.
type BitPick = Box<dyn Fn(usize) -> usize>;

/// `v` as the low bytes of a `len`-byte little-endian integer (the rest zero).
fn int_bytes(v: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    let n = len.min(8);
    b[..n].copy_from_slice(&v.to_le_bytes()[..n]);
    b
}

/// Sequential, sparse and structured keys suited to `f`.
fn key_sets(f: &Fun) -> Vec<KeySet> {
    let max = scaled(10_000, 300);
    let len = f.len;
    let mut v = vec![];
    match f.shape {
        Shape::Mem => {
            let space = if len >= 8 {
                u64::MAX
            } else {
                (1u64 << (8 * len)) - 1
            };
            let n = (max as u64).min(space.saturating_add(1)) as usize;
            v.push(key_set("sequential", n, move |i| int_bytes(i, len)));
            for k in [8u32, 16, 32] {
                if 8 * len as u32 <= k + 8 {
                    continue; // fewer than 256 such keys fit
                }
                let fit = if 8 * len >= 64 {
                    u64::MAX
                } else {
                    (space >> k) + 1
                };
                let n = (max as u64).min(fit) as usize;
                v.push(key_set(format!("multiples of 2^{k}"), n, move |i| {
                    int_bytes(i << k, len)
                }));
            }
            if len >= 8 {
                // A struct whose one varying 4-byte field sits in the middle of constant bytes.
                let at = (len / 2) & !3;
                v.push(key_set("struct, one field varying", max, move |i| {
                    let mut b = vec![0xa5u8; len];
                    b[at..at + 4].copy_from_slice(&(i as u32).to_le_bytes());
                    b
                }));
            }
        }
        Shape::Str => {
            // "key0000".."key9999", padded with a constant tail to the function's length (never
            // cut: every key of a set must be distinct).
            let pad = move |mut s: Vec<u8>| {
                s.resize(len.max(s.len()), b'.');
                s
            };
            if len >= 7 {
                v.push(key_set("\"key0000\"..", max, move |i| {
                    pad(format!("key{i:04}").into_bytes())
                }));
            }
            v.push(key_set("decimal, right-aligned", max, move |i| {
                format!("{i:0>len$}").into_bytes()
            }));
            v.push(key_set("multiples of 4096, decimal", max, move |i| {
                pad(format!("{}", i << 12).into_bytes())
            }));
        }
        Shape::F32 => {
            v.push(key_set("0.0, 1.0, 2.0, ..", max, |i| {
                (i as f32).to_ne_bytes().to_vec()
            }));
            v.push(key_set("multiples of 2^20", max, |i| {
                ((i << 20) as f32).to_ne_bytes().to_vec()
            }));
            v.push(key_set("0.01 steps", max, |i| {
                (i as f32 * 0.01).to_ne_bytes().to_vec()
            }));
        }
        Shape::F64 => {
            v.push(key_set("0.0, 1.0, 2.0, ..", max, |i| {
                (i as f64).to_ne_bytes().to_vec()
            }));
            v.push(key_set("multiples of 2^40", max, |i| {
                ((i << 40) as f64).to_ne_bytes().to_vec()
            }));
            v.push(key_set("0.01 steps", max, |i| {
                (i as f64 * 0.01).to_ne_bytes().to_vec()
            }));
        }
        Shape::C64 => {
            let c = |re: f32, im: f32| [re.to_ne_bytes(), im.to_ne_bytes()].concat();
            v.push(key_set("(i, 0)", max, move |i| c(i as f32, 0.0)));
            v.push(key_set("(0, i)", max, move |i| c(0.0, i as f32)));
            v.push(key_set("(1, i/100)", max, move |i| c(1.0, i as f32 * 0.01)));
        }
        Shape::C128 => {
            let c = |re: f64, im: f64| [re.to_ne_bytes(), im.to_ne_bytes()].concat();
            v.push(key_set("(i, 0)", max, move |i| c(i as f64, 0.0)));
            v.push(key_set("(0, i)", max, move |i| c(0.0, i as f64)));
            v.push(key_set("(1, i/100)", max, move |i| c(1.0, i as f64 * 0.01)));
        }
    }
    v
}

/// The chi-squared statistic of `counts` against a uniform distribution, as a standard normal
/// deviate (Wilson–Hilferty: `(chi2/df)^(1/3)` is close to normal with mean `1 - 2/(9 df)` and
/// variance `2/(9 df)`, which keeps the upper tail honest where `(chi2 - df)/sqrt(2 df)` would
/// overstate it).
fn chi2_z(counts: &[u32], n: usize) -> f64 {
    let e = n as f64 / counts.len() as f64;
    let chi2: f64 = counts.iter().map(|&c| (f64::from(c) - e).powi(2) / e).sum();
    let df = (counts.len() - 1) as f64;
    let v = 2.0 / (9.0 * df);
    ((chi2 / df).cbrt() - (1.0 - v)) / v.sqrt()
}

#[test]
fn low_bucket_bits_and_tophash_bits_are_uniform_for_regular_keys() {
    let seeds: &[usize] = if MIRI {
        &[0, 1]
    } else {
        &[0, 1, 2, 0x9e37_79b9, 0x9e37_79ba, u32::MAX as usize]
    };
    let (mut checks, mut worst) = (0usize, (0.0f64, String::new()));
    for f in functions() {
        for set in key_sets(&f) {
            for &seed in seeds {
                let hashes: Vec<usize> = (0..set.n as u64)
                    .map(|i| (f.hash)(&(set.make)(i), seed))
                    .collect();
                // Low B bits for every B the key count can fill (at least 2 keys per bucket).
                let mut tests: Vec<(String, u32, BitPick)> = vec![];
                for b in 3..=12u32 {
                    if set.n >> b >= 2 {
                        tests.push((
                            format!("low {b} bits"),
                            b,
                            Box::new(move |h| h & ((1 << b) - 1)),
                        ));
                    }
                }
                if set.n >= 512 {
                    tests.push(("top 8 bits".into(), 8, Box::new(|h| h >> 56)));
                }
                for (what, bits, pick) in tests {
                    let mut counts = vec![0u32; 1 << bits];
                    for &h in &hashes {
                        counts[pick(h)] += 1;
                    }
                    let z = chi2_z(&counts, set.n);
                    checks += 1;
                    let place = format!("{} {}, seed {seed:#x}, {what}", f.name, set.name);
                    if z.abs() > worst.0 {
                        worst = (z.abs(), place.clone());
                    }
                    if !MIRI {
                        assert!(
                            z.abs() < Z,
                            "{place}: chi-squared is {z:+.2} standard deviations from uniform \
                             ({} keys)",
                            set.n
                        );
                    }
                }
            }
        }
    }
    println!(
        "{checks} chi-squared tests; worst |z| = {:.2} at {}",
        worst.0, worst.1
    );
}

// ---- map seeds ----

#[test]
fn distinct_maps_on_many_threads_and_their_clones_get_distinct_seeds() {
    common::setup(1);
    let t = common::kind(KeyKind::U64, 8, 8);
    let per_thread = scaled(500, 10);
    // OS-seeded threads (no thread seed): what a real host gets.
    let seeds: Vec<u32> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(move || {
                    (0..per_thread)
                        .map(|_| {
                            // SAFETY: validated descriptor; the map is freed at once.
                            unsafe {
                                let h = raw::makemap(&t, 0, std::ptr::null_mut());
                                let seed = (*h).hash0.get();
                                raw::mapfree(&t, h);
                                seed
                            }
                        })
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let distinct: HashSet<u32> = seeds.iter().copied().collect();
    // 2000 random 32-bit seeds collide with probability 5e-4; two collisions, 1e-7.
    assert!(
        seeds.len() - distinct.len() <= 1,
        "{} repeated seeds among {}",
        seeds.len() - distinct.len(),
        seeds.len()
    );
    let m = common::M::new(t, 0);
    m.set(&1u64, 1u64);
    let mut clones = HashSet::new();
    for _ in 0..scaled(100, 5) {
        // SAFETY: live map, no write in progress.
        let c = unsafe { raw::mapclone(&t, m.h) };
        // SAFETY: a fresh clone.
        let s = unsafe { (*c).hash0.get() };
        assert_ne!(s, m.hdr().hash0.get(), "a clone gets a fresh seed");
        clones.insert(s);
        // SAFETY: freed once.
        unsafe { raw::mapfree(&t, c) };
    }
    assert!(clones.len() >= scaled(100, 5) - 1);
}

/// `set_seed` is process-wide, so its test runs in a child process (re-running this binary for
/// just that test), where it cannot disturb the seeds of tests running in parallel.
const CHILD_ENV: &str = "GOHMAP_HASH_QUALITY_CHILD";

fn seeds_of(n: usize) -> Vec<u32> {
    let t = common::kind(KeyKind::U64, 8, 8);
    (0..n)
        .map(|_| {
            // SAFETY: validated descriptor; the map is freed at once.
            unsafe {
                let h = raw::makemap(&t, 0, std::ptr::null_mut());
                let s = (*h).hash0.get();
                raw::mapfree(&t, h);
                s
            }
        })
        .collect()
}

#[test]
fn set_seed_restarts_one_shared_sequence_that_thread_seeds_override() {
    const NAME: &str = "set_seed_restarts_one_shared_sequence_that_thread_seeds_override";
    if std::env::var(CHILD_ENV).is_err() {
        if MIRI {
            return; // no processes under Miri
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    use gohmap::rand::{set_seed, set_thread_seed};
    set_seed(7);
    let a = seeds_of(8);
    set_seed(7);
    assert_eq!(
        seeds_of(8),
        a,
        "calling set_seed again restarts the sequence"
    );
    set_seed(8);
    assert_ne!(seeds_of(8), a, "another seed, another sequence");
    assert_eq!(
        a.iter().collect::<HashSet<_>>().len(),
        8,
        "the sequence does not repeat"
    );
    // The sequence is shared: maps made on another thread draw from it too, so two threads
    // making four maps each get the same eight seeds between them.
    set_seed(7);
    let other = std::thread::spawn(|| seeds_of(4)).join().unwrap();
    let mine = seeds_of(4);
    let mut both: Vec<u32> = other.into_iter().chain(mine).collect();
    both.sort_unstable();
    let mut want = a.clone();
    want.sort_unstable();
    assert_eq!(both, want, "one shared sequence across threads");
    // A thread seed takes the thread out of the shared sequence, whatever set_seed does.
    let own = || {
        set_thread_seed(5);
        let x = seeds_of(4);
        set_seed(7);
        set_thread_seed(5);
        (x, seeds_of(4))
    };
    let (x, y) = std::thread::spawn(own).join().unwrap();
    assert_eq!(x, y);
    set_seed(7);
    assert_eq!(
        seeds_of(8),
        a,
        "the thread-seeded thread did not consume the shared sequence"
    );
}
