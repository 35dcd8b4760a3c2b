//! Behaviour of the public API, on whichever path this process chose. The spec's vectors are in
//! `tests/vectors.rs`; properties checked on both paths with fixed keys in `tests/paths.rs`.

mod paths;
mod vectors;

use std::ffi::c_void;

use super::*;

const SEED: usize = 0x0123456789abcdef;

/// A `*const c_void` to `v`, for calling the C-shaped callbacks.
fn ptr<T>(v: &T) -> *const c_void {
    (v as *const T).cast()
}

/// The hasher applied to `v`.
fn hash<T>(f: HashFn, v: &T, seed: usize) -> usize {
    // SAFETY: `v` is a live `T` and every hasher used with this reads at most size_of::<T>().
    unsafe { f(ptr(v), seed) }
}

/// The equality callback applied to `a` and `b`.
fn eq<T>(f: EqualFn, a: &T, b: &T) -> bool {
    // SAFETY: both are live `T`s and every callback used with this reads at most size_of::<T>().
    unsafe { f(ptr(a), ptr(b)) }
}

/// `hash_bytes` over a slice.
fn hash_slice(b: &[u8], seed: usize) -> usize {
    // SAFETY: the slice's bytes are readable.
    unsafe { hash_bytes(b.as_ptr(), b.len(), seed) }
}

#[test]
fn signed_zeros_hash_equal_for_every_float_hasher() {
    for seed in [0, 1, SEED, usize::MAX] {
        assert_eq!(hash(f32hash, &0.0f32, seed), hash(f32hash, &-0.0f32, seed));
        assert_eq!(hash(f64hash, &0.0f64, seed), hash(f64hash, &-0.0f64, seed));
        let c64 = [[0.0f32, 0.0], [-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0]]
            .map(|c| hash(c64hash, &c, seed));
        assert!(
            c64.iter().all(|&h| h == c64[0]),
            "c64hash of signed zeros: {c64:x?}"
        );
        let c128 = [[0.0f64, 0.0], [-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0]]
            .map(|c| hash(c128hash, &c, seed));
        assert!(
            c128.iter().all(|&h| h == c128[0]),
            "c128hash of signed zeros: {c128:x?}"
        );
    }
}

#[test]
fn nan_hashes_differ_between_calls() {
    let (n32, n64) = (f32::NAN, f64::NAN);
    assert_ne!(hash(f32hash, &n32, SEED), hash(f32hash, &n32, SEED));
    assert_ne!(hash(f64hash, &n64, SEED), hash(f64hash, &n64, SEED));
    assert_ne!(
        hash(c64hash, &[1.0, n32], SEED),
        hash(c64hash, &[1.0, n32], SEED)
    );
    assert_ne!(
        hash(c64hash, &[n32, 1.0], SEED),
        hash(c64hash, &[n32, 1.0], SEED)
    );
    assert_ne!(
        hash(c128hash, &[n64, 1.0], SEED),
        hash(c128hash, &[n64, 1.0], SEED)
    );
    assert_ne!(
        hash(c128hash, &[1.0, n64], SEED),
        hash(c128hash, &[1.0, n64], SEED)
    );
}

#[test]
fn ordinary_floats_hash_as_memhash_of_their_bytes() {
    for seed in [0, SEED] {
        let (a, b) = (1.5f32, -2.25f64);
        assert_eq!(hash(f32hash, &a, seed), hash_slice(&a.to_ne_bytes(), seed));
        assert_eq!(hash(f64hash, &b, seed), hash_slice(&b.to_ne_bytes(), seed));
        let re = hash_slice(&a.to_ne_bytes(), seed);
        assert_eq!(
            hash(c64hash, &[a, 3.0f32], seed),
            hash_slice(&3.0f32.to_ne_bytes(), re)
        );
    }
}

#[test]
fn memhash32_and_memhash64_agree_with_hash_u32_and_hash_u64() {
    let mut buf = [0u8; 24];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i * 37 + 11) as u8;
    }
    for off in 0..16 {
        for seed in [0, 7, SEED] {
            let p: *const c_void = buf[off..].as_ptr().cast();
            let k32 = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap());
            let k64 = u64::from_ne_bytes(buf[off..off + 8].try_into().unwrap());
            // SAFETY: at least 8 bytes of `buf` follow `p`; the hashers read unaligned.
            let (h32, h64) = unsafe { (memhash32(p, seed), memhash64(p, seed)) };
            assert_eq!(h32, hash_u32(k32, seed), "offset {off}");
            assert_eq!(h64, hash_u64(k64, seed), "offset {off}");
        }
    }
}

#[test]
fn fixed_size_hashers_equal_memhash_of_their_size() {
    let v: [u8; 16] = std::array::from_fn(|i| (i * 29 + 3) as u8);
    let p = ptr(&v);
    for seed in [0, SEED] {
        // SAFETY: `v` has 16 readable bytes, the most any of these reads.
        unsafe {
            assert_eq!(memhash0(p, seed), seed);
            assert_eq!(memhash8(p, seed), memhash(p, seed, 1));
            assert_eq!(memhash16(p, seed), memhash(p, seed, 2));
            assert_eq!(memhash128(p, seed), memhash(p, seed, 16));
            assert_eq!(memhash(p, seed, 16), hash_slice(&v, seed));
        }
    }
}

#[test]
fn strhash_equals_hash_bytes_over_the_string_bytes() {
    let text = b"the quick brown fox jumps over the lazy dog, twice over: the quick brown fox";
    for len in [0, 1, 5, 16, 17, 33, 64, 65, text.len()] {
        let s = GoString {
            ptr: text.as_ptr(),
            len: len as isize,
        };
        assert_eq!(
            hash(strhash, &s, SEED),
            hash_slice(&text[..len], SEED),
            "len {len}"
        );
    }
}

#[test]
fn memhash_ignores_bytes_beyond_len() {
    let mut buf: Vec<u8> = (0..340).map(|i| (i * 7 + 1) as u8).collect();
    for len in 0..=300 {
        let before = hash_slice(&buf[..len], SEED);
        for b in &mut buf[len..] {
            *b = !*b;
        }
        // The same `len` bytes, read from the same place, with everything after them changed.
        let after = hash_slice(&buf[..len], SEED);
        assert_eq!(before, after, "len {len}");
    }
}

#[test]
fn memhash_does_not_depend_on_alignment() {
    let src: Vec<u8> = (0..300).map(|i| (i * 13 + 5) as u8).collect();
    let mut buf = vec![0xa5u8; 300 + 16];
    for len in [
        1, 3, 4, 7, 8, 12, 16, 17, 31, 32, 48, 64, 100, 128, 129, 255, 256, 300,
    ] {
        let want = hash_slice(&src[..len], SEED);
        for off in 0..16 {
            buf[off..off + len].copy_from_slice(&src[..len]);
            assert_eq!(
                hash_slice(&buf[off..off + len], SEED),
                want,
                "len {len} offset {off}"
            );
        }
    }
}

#[test]
fn zero_length_with_null_pointer_hashes_and_compares() {
    let null = std::ptr::null();
    let empty = GoString { ptr: null, len: 0 };
    let dangling = GoString {
        ptr: std::ptr::NonNull::dangling().as_ptr(),
        len: 0,
    };
    // SAFETY: with length 0 nothing behind the pointers is read.
    let (h, m) = unsafe { (hash_bytes(null, 0, SEED), memhash(null.cast(), SEED, 0)) };
    assert_eq!(h, hash_slice(&[], SEED));
    assert_eq!(m, h);
    assert_eq!(hash(strhash, &empty, SEED), h);
    assert!(eq(strequal, &empty, &dangling));
    // SAFETY: size 0 reads nothing.
    assert!(unsafe { memequal(null.cast(), null.cast(), 0) });
}

#[test]
fn plain_memory_equality_compares_exactly_the_key_bytes() {
    // SAFETY: every pointer is to a live value of the size its callback reads.
    unsafe {
        assert!(memequal0(ptr(&()), ptr(&())));
        assert!(memequal8(ptr(&7u8), ptr(&7u8)) && !memequal8(ptr(&7u8), ptr(&8u8)));
        assert!(memequal16(ptr(&0x1234u16), ptr(&0x1234u16)));
        assert!(!memequal16(ptr(&0x1234u16), ptr(&0x1235u16)));
        assert!(memequal32(ptr(&5u32), ptr(&5u32)) && !memequal32(ptr(&5u32), ptr(&(5u32 << 24))));
        assert!(memequal64(ptr(&9u64), ptr(&9u64)) && !memequal64(ptr(&9u64), ptr(&(9u64 << 56))));
        let (a, mut b) = ([3u8; 16], [3u8; 16]);
        assert!(memequal128(ptr(&a), ptr(&b)) && memequal(ptr(&a), ptr(&b), 16));
        b[15] = 4;
        assert!(!memequal128(ptr(&a), ptr(&b)) && !memequal(ptr(&a), ptr(&b), 16));
        assert!(memequal(ptr(&a), ptr(&b), 15));
        // +0 and -0 differ as plain memory: the bytes decide, not the float value.
        assert!(!memequal64(ptr(&0.0f64), ptr(&-0.0f64)));
    }
}

#[test]
fn strequal_compares_length_then_bytes() {
    let (x, y) = (b"hello, world", b"hello, there");
    let s = |b: &[u8], n: usize| GoString {
        ptr: b.as_ptr(),
        len: n as isize,
    };
    assert!(eq(strequal, &s(x, 12), &s(x, 12)), "same pointer");
    assert!(
        eq(strequal, &s(x, 7), &s(y, 7)),
        "equal bytes in different buffers"
    );
    assert!(!eq(strequal, &s(x, 12), &s(y, 12)), "different bytes");
    assert!(
        !eq(strequal, &s(x, 7), &s(x, 8)),
        "prefix of different length"
    );
}

#[test]
fn float_and_complex_equality_follow_ieee() {
    let (n32, n64) = (f32::NAN, f64::NAN);
    assert!(eq(f32equal, &0.0f32, &-0.0f32) && eq(f32equal, &1.5f32, &1.5f32));
    assert!(!eq(f32equal, &n32, &n32) && !eq(f32equal, &1.0f32, &2.0f32));
    assert!(eq(f64equal, &0.0f64, &-0.0f64) && eq(f64equal, &1.5f64, &1.5f64));
    assert!(!eq(f64equal, &n64, &n64) && !eq(f64equal, &1.0f64, &2.0f64));
    assert!(eq(c64equal, &[0.0f32, -0.0], &[-0.0f32, 0.0]));
    assert!(
        !eq(c64equal, &[1.0f32, n32], &[1.0, n32]) && !eq(c64equal, &[1.0f32, 2.0], &[1.0, 3.0])
    );
    assert!(!eq(c64equal, &[1.0f32, 2.0], &[3.0, 2.0]));
    assert!(eq(c128equal, &[0.0f64, -0.0], &[-0.0f64, 0.0]));
    assert!(
        !eq(c128equal, &[n64, 1.0], &[n64, 1.0]) && !eq(c128equal, &[1.0f64, 2.0], &[1.0, 3.0])
    );
    assert!(!eq(c128equal, &[1.0f64, 2.0], &[3.0, 2.0]));
}

#[test]
fn uses_aes_exactly_when_the_cpu_supports_it() {
    #[cfg(target_arch = "x86_64")]
    let want = aes::supported();
    #[cfg(not(target_arch = "x86_64"))]
    let want = false;
    assert_eq!(uses_aes(), want);
}

#[test]
fn hashes_are_stable_within_the_process_and_depend_on_the_seed() {
    let b = b"some key bytes";
    assert_eq!(hash_slice(b, SEED), hash_slice(b, SEED));
    assert_ne!(hash_slice(b, SEED), hash_slice(b, SEED ^ 1));
    assert_eq!(hash_u64(42, SEED), hash_u64(42, SEED));
    assert_ne!(hash_u64(42, SEED), hash_u64(42, SEED ^ 1));
    assert_ne!(hash_u32(42, SEED), hash_u32(42, SEED ^ 1));
}

#[test]
fn consecutive_keys_spread_over_top_byte_and_low_bits() {
    // The map uses the top 8 bits (tophash) and the low B bits (bucket): both must vary.
    let mut top = [false; 256];
    let mut low = [false; 256];
    for k in 0..1024u64 {
        for h in [
            hash_u64(k, SEED),
            hash_u32(k as u32, SEED),
            hash_slice(&k.to_ne_bytes()[..3], SEED),
        ] {
            top[h >> 56] = true;
            low[h & 0xff] = true;
        }
    }
    let (t, l) = (
        top.iter().filter(|&&x| x).count(),
        low.iter().filter(|&&x| x).count(),
    );
    assert!(
        t > 240 && l > 240,
        "distinct top bytes {t}, low bytes {l} of 256"
    );
}

// ---- quality of the portable path, which the public API only reaches on CPUs without AES-NI
// (and under Miri); `tests/hash_quality.rs` covers whichever path the process chose ----

/// A hash over key bytes and a seed.
type ByteHash = Box<dyn Fn(&[u8], usize) -> usize>;

/// Which bits of a hash a distribution test counts.
type BitPick = Box<dyn Fn(usize) -> usize>;

/// The portable path's `memhash`, `memhash32` and `memhash64` over key bytes, with `hk`.
fn fallback_fns(hk: [u64; 4]) -> Vec<(String, usize, ByteHash)> {
    let mut v: Vec<(String, usize, ByteHash)> = vec![
        (
            "memhash32".into(),
            4,
            Box::new(move |k, s| {
                let k = u32::from_ne_bytes(k.try_into().unwrap());
                fallback::memhash32(k, s as u64, &hk) as usize
            }),
        ),
        (
            "memhash64".into(),
            8,
            Box::new(move |k, s| {
                let k = u64::from_ne_bytes(k.try_into().unwrap());
                fallback::memhash64(k, s as u64, &hk) as usize
            }),
        ),
    ];
    for len in [3usize, 8, 16, 24, 40, 64, 100] {
        v.push((
            format!("memhash({len})"),
            len,
            // SAFETY: the slice's bytes are readable.
            Box::new(move |k, s| unsafe {
                fallback::memhash(k.as_ptr(), s as u64, k.len(), &hk) as usize
            }),
        ));
    }
    v
}

/// 6.5 standard deviations: see `tests/hash_quality.rs` for the false-alarm arithmetic.
const QUALITY_Z: f64 = 6.5;

#[test]
fn fallback_flipping_any_input_or_seed_bit_flips_each_output_bit_half_the_time() {
    let n = if cfg!(miri) { 20 } else { 2000 };
    let tol = QUALITY_Z * 0.5 / (n as f64).sqrt();
    let mut state = 0x0123_4567_89ab_cdefu64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb) ^ (z >> 31)
    };
    let random_hk = [next() | 1, next() | 1, next() | 1, next() | 1];
    for hk in [vectors::HASHKEY, random_hk] {
        for (name, len, f) in fallback_fns(hk) {
            // Input bits (all of them up to 128, then one per byte), then the 64 seed bits.
            let bits: Vec<usize> = if len * 8 <= 128 {
                (0..len * 8).collect()
            } else {
                (0..len).map(|b| b * 8 + b % 8).collect()
            };
            let mut flips = vec![[0u32; 64]; bits.len() + 64];
            for _ in 0..n {
                let mut k: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let seed = next() as u32 as usize;
                let h = f(&k, seed);
                for (row, &p) in bits.iter().enumerate() {
                    k[p / 8] ^= 1 << (p % 8);
                    let d = h ^ f(&k, seed);
                    k[p / 8] ^= 1 << (p % 8);
                    (0..64).for_each(|o| flips[row][o] += (d >> o & 1) as u32);
                }
                for sb in 0..64 {
                    let d = h ^ f(&k, seed ^ (1 << sb));
                    (0..64).for_each(|o| flips[bits.len() + sb][o] += (d >> o & 1) as u32);
                }
            }
            let worst = flips
                .iter()
                .flatten()
                .map(|&c| (f64::from(c) / n as f64 - 0.5).abs())
                .fold(0.0, f64::max);
            assert!(
                cfg!(miri) || worst < tol,
                "fallback {name}: an output bit flips at rate 1/2 {worst:+.4} (tolerance {tol:.4})"
            );
        }
    }
}

#[test]
fn fallback_low_bucket_bits_and_tophash_are_uniform_for_sequential_and_sparse_keys() {
    let n = if cfg!(miri) { 64 } else { 8192 };
    for (name, len, f) in fallback_fns(vectors::HASHKEY) {
        for shift in [0u32, 8, 16, 32] {
            if len < 8 && 8 * len as u32 <= shift + 14 {
                continue; // not 8192 distinct keys of this width
            }
            for seed in [0usize, 1, 2, u32::MAX as usize] {
                let hashes: Vec<usize> = (0..n as u64)
                    .map(|i| {
                        let mut k = vec![0u8; len];
                        let v = (i << shift).to_le_bytes();
                        let m = len.min(8);
                        k[..m].copy_from_slice(&v[..m]);
                        f(&k, seed)
                    })
                    .collect();
                let mut tests: Vec<(u32, BitPick)> = (3..=12u32)
                    .filter(|b| n >> b >= 2)
                    .map(|b| (b, Box::new(move |h: usize| h & ((1 << b) - 1)) as Box<_>))
                    .collect();
                tests.push((8, Box::new(|h| h >> 56)));
                for (bits, pick) in tests {
                    let mut counts = vec![0u32; 1 << bits];
                    hashes.iter().for_each(|&h| counts[pick(h)] += 1);
                    let e = n as f64 / counts.len() as f64;
                    let chi2: f64 = counts.iter().map(|&c| (f64::from(c) - e).powi(2) / e).sum();
                    let df = (counts.len() - 1) as f64;
                    let v = 2.0 / (9.0 * df);
                    let z = ((chi2 / df).cbrt() - (1.0 - v)) / v.sqrt();
                    assert!(
                        cfg!(miri) || z.abs() < QUALITY_Z,
                        "fallback {name}, keys i << {shift}, seed {seed:#x}, {bits} bits: \
                         chi-squared at {z:+.2} standard deviations"
                    );
                }
            }
        }
    }
}
