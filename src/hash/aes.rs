//! The AES-NI path (spec §5.3, §5.4): Go's `aeshashbody`, `memhash32` and `memhash64` on amd64.
//!
//! Every function takes the 128-byte key schedule as a parameter so that tests can run the
//! spec's fixed schedule next to the process's random one; its type, [`Schedule`], is 16-byte
//! aligned, so the assembly below can use round keys as memory operands. All of them need
//! AES-NI, SSSE3 and SSE4.1 (see [`supported`]); calling them on a CPU without those is
//! undefined behaviour.

use super::select::Schedule;
use core::arch::x86_64::{
    __m128i, _mm_aesenc_si128, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_set_epi64x,
    _mm_setzero_si128, _mm_xor_si128,
};

/// Whether this CPU can run the AES path: Go's `alginit` test (AES-NI, SSSE3, SSE4.1). Miri
/// cannot execute AES-NI, so under Miri the answer is always no.
pub(super) fn supported() -> bool {
    !cfg!(miri)
        && std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

/// One AES encryption round of `v` with round key `k`.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn enc(v: __m128i, k: __m128i) -> __m128i {
    _mm_aesenc_si128(v, k)
}

/// Three rounds of a block keyed by itself: the per-block diffusion every size class ends with.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn three_rounds(v: __m128i) -> __m128i {
    let v = enc(v, v);
    let v = enc(v, v);
    enc(v, v)
}

/// `K[j]`, the `j`-th 16-byte round key.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn round_key(ks: &Schedule, j: usize) -> __m128i {
    // Clamped so that no caller can make the load below leave the array; every caller passes
    // a constant below 8, so the clamp folds away.
    let j = j & 7;
    // SAFETY: 16 * j + 16 <= 128, so the 16 bytes read are inside `ks`; loadu allows any
    // alignment.
    unsafe { _mm_loadu_si128(ks.0.as_ptr().add(16 * j).cast()) }
}

/// The seed `s` scrambled for block `j`: `AESENC(s ^ K[j], s ^ K[j])`.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn scrambled_seed(s: __m128i, ks: &Schedule, j: usize) -> __m128i {
    let x = _mm_xor_si128(s, round_key(ks, j));
    enc(x, x)
}

/// The 16 bytes at `p`, at any alignment.
///
/// # Safety
/// `p..p+16` must be readable.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
unsafe fn load(p: *const u8) -> __m128i {
    // SAFETY: the caller guarantees the 16 bytes are readable; loadu allows any alignment.
    unsafe { _mm_loadu_si128(p.cast()) }
}

/// Bytes 0..8 of `v`, little-endian: the hash.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn lo64(v: __m128i) -> u64 {
    _mm_cvtsi128_si64(v) as u64
}

/// A 128-bit value from its two little-endian halves (bytes 0..8 = `lo`).
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn from_halves(lo: u64, hi: u64) -> __m128i {
    _mm_set_epi64x(hi as i64, lo as i64)
}

/// The `n` bytes at `p` (1 <= n <= 16), zero-padded to 16, as (bytes 0..8, bytes 8..16).
///
/// Go loads a whole 16-byte block and masks it, which may read past the key. Overlapping
/// loads inside the key, shifted so that the repeated bytes fall off, give the same zero
/// padding without touching a byte outside `p..p+n`, and without a variable-length copy.
///
/// # Safety
/// `p..p+n` must be readable and `1 <= n <= 16`.
#[inline]
unsafe fn load_partial(p: *const u8, n: usize) -> (u64, u64) {
    debug_assert!((1..=16).contains(&n));
    // SAFETY: each read below lies inside `p..p+n`: the 8-byte ones need n >= 8, the 4-byte
    // ones n >= 4, the single bytes n >= 1, which the branches establish.
    unsafe {
        let r8 = |q: *const u8| u64::from_le(q.cast::<u64>().read_unaligned());
        let r4 = |q: *const u8| u64::from(u32::from_le(q.cast::<u32>().read_unaligned()));
        let b = |i: usize| u64::from(*p.add(i)) << (8 * i);
        if n > 8 {
            (r8(p), r8(p.add(n - 8)) >> (8 * (16 - n)))
        } else if n >= 4 {
            // For n == 4 the shift is 32, which clears the repeated word entirely.
            (r4(p) | (r4(p.add(n - 4)) >> (8 * (8 - n))) << 32, 0)
        } else {
            // Indices 0, n/2 and n-1 cover all of 0..n for n <= 3; repeats OR in the same bits.
            (b(0) | b(n / 2) | b(n - 1), 0)
        }
    }
}

/// XORs the eight lanes down to one in Go's order and returns its low word.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
fn fold8(v: &[__m128i; 8]) -> u64 {
    let a = _mm_xor_si128(v[0], v[4]);
    let b = _mm_xor_si128(v[1], v[5]);
    let c = _mm_xor_si128(v[2], v[6]);
    let d = _mm_xor_si128(v[3], v[7]);
    lo64(_mm_xor_si128(_mm_xor_si128(a, c), _mm_xor_si128(b, d)))
}

/// `memhash(p, seed, n)` on the AES path for `1 <= n <= 16`, the size of most string keys:
/// the same result as [`memhash`], in inline assembly so that it inlines into the map routines
/// (see [`fixed_rounds`] for why).
///
/// # Safety
/// The CPU must pass [`supported`]; `p..p+n` is readable and `1 <= n <= 16`.
#[inline(always)]
pub(super) unsafe fn memhash_short(p: *const u8, seed: u64, n: usize, ks: &Schedule) -> u64 {
    // SAFETY: caller's promise.
    let (lo, hi) = unsafe { load_partial(p, n) };
    let len = u64::from(n as u16) * 0x0001_0001_0001_0001;
    let out: u64;
    // SAFETY: reads the first 16 bytes of `ks`, 16-byte aligned by its type as a legacy-SSE
    // memory operand must be; AES-NI and SSE2 by the caller's promise; no memory written, no
    // stack used.
    unsafe {
        std::arch::asm!(
            // s = seed | len pattern << 64; x0 = AESENC(s ^ K0, s ^ K0)
            "movq {s}, {seed}",
            "movq {t}, {len}",
            "punpcklqdq {s}, {t}",
            "pxor {s}, xmmword ptr [{ks}]", // aligned: see `fixed_rounds`
            "aesenc {s}, {s}",
            // the data block, xored with x0, then three rounds keyed by itself
            "movq {d}, {lo}",
            "movq {t}, {hi}",
            "punpcklqdq {d}, {t}",
            "pxor {d}, {s}",
            "aesenc {d}, {d}",
            "aesenc {d}, {d}",
            "aesenc {d}, {d}",
            "movq {out}, {d}",
            seed = in(reg) seed,
            len = in(reg) len,
            lo = in(reg) lo,
            hi = in(reg) hi,
            ks = in(reg) ks.0.as_ptr(),
            out = lateout(reg) out,
            s = out(xmm_reg) _,
            t = out(xmm_reg) _,
            d = out(xmm_reg) _,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    out
}

/// `memhash(p, seed, n)` on the AES path (spec §5.3).
///
/// # Safety
/// The CPU must pass [`supported`], and `p..p+n` must be readable (`p` may be anything,
/// even null, when `n == 0`).
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
pub(super) unsafe fn memhash(p: *const u8, seed: u64, n: usize, ks: &Schedule) -> u64 {
    // The length enters only here, as its low 16 bits repeated over the upper half.
    let s = from_halves(seed, u64::from(n as u16) * 0x0001_0001_0001_0001);
    let x0 = scrambled_seed(s, ks, 0);
    // SAFETY: every load below reads 16 bytes starting in `p..=p+n-16` (or `load_partial`'s
    // `n` bytes), so all of it lies inside `p..p+n`, which the caller guarantees readable.
    unsafe {
        match n {
            0 => lo64(enc(x0, x0)),
            // The maps hash these lengths with `memhash_short` (`hash_bytes`); this arm stays
            // as the reference the spec's vectors check and `memhash_short` is tested against.
            1..=16 => {
                let (lo, hi) = load_partial(p, n);
                lo64(three_rounds(_mm_xor_si128(from_halves(lo, hi), x0)))
            }
            17..=32 => {
                let v0 = three_rounds(_mm_xor_si128(load(p), x0));
                let x1 = scrambled_seed(s, ks, 1);
                let v1 = three_rounds(_mm_xor_si128(load(p.add(n - 16)), x1));
                lo64(_mm_xor_si128(v0, v1))
            }
            33..=64 => {
                let offsets = [0, 16, n - 32, n - 16];
                let mut v = [x0; 4];
                for (j, (lane, off)) in v.iter_mut().zip(offsets).enumerate() {
                    let x = if j == 0 { x0 } else { scrambled_seed(s, ks, j) };
                    *lane = three_rounds(_mm_xor_si128(load(p.add(off)), x));
                }
                let [a, b, c, d] = v;
                lo64(_mm_xor_si128(_mm_xor_si128(a, c), _mm_xor_si128(b, d)))
            }
            65..=128 => {
                let mut v = [x0; 8];
                for (j, lane) in v.iter_mut().enumerate() {
                    // The first 64 bytes, then the last 64 (the halves may overlap).
                    let off = if j < 4 { 16 * j } else { n + 16 * j - 128 };
                    let x = if j == 0 { x0 } else { scrambled_seed(s, ks, j) };
                    *lane = three_rounds(_mm_xor_si128(load(p.add(off)), x));
                }
                fold8(&v)
            }
            _ => memhash_long(p, n, s, x0, ks),
        }
    }
}

/// The `n >= 129` class: the last 128 bytes seed eight lanes, then every whole 128-byte block
/// from the start is folded in, the data acting as the round key.
///
/// # Safety
/// As for [`memhash`], with `n >= 129`.
#[inline]
#[target_feature(enable = "aes,sse2,ssse3,sse4.1")]
unsafe fn memhash_long(p: *const u8, n: usize, s: __m128i, x0: __m128i, ks: &Schedule) -> u64 {
    debug_assert!(n > 128);
    let tail = n - 128;
    let mut v = [_mm_setzero_si128(); 8];
    for (j, lane) in v.iter_mut().enumerate() {
        let x = if j == 0 { x0 } else { scrambled_seed(s, ks, j) };
        // SAFETY: the tail block `p+n-128..p+n` is inside the readable key.
        *lane = _mm_xor_si128(unsafe { load(p.add(tail + 16 * j)) }, x);
    }
    let mut q = p;
    // (n-1)/128 whole blocks: a length that is a multiple of 128 leaves its last block to the
    // tail lanes alone, so no block is read twice in the loop.
    for _ in 0..(n - 1) >> 7 {
        for lane in v.iter_mut() {
            *lane = enc(*lane, *lane);
        }
        for (j, lane) in v.iter_mut().enumerate() {
            // SAFETY: the loop runs (n-1)/128 times, so `q+128 <= p+n` throughout.
            *lane = enc(*lane, unsafe { load(q.add(16 * j)) });
        }
        // SAFETY: stays within (or one past the end of) the key, as shown above.
        q = unsafe { q.add(128) };
    }
    for lane in v.iter_mut() {
        *lane = three_rounds(*lane);
    }
    fold8(&v)
}

/// `memhash32(p, seed)` on the AES path (spec §5.4): the key bytes sit next to the seed and go
/// through three rounds keyed by `K[0..3]`; the length is not mixed in.
///
/// # Safety
/// The CPU must have passed [`supported`].
#[inline(always)]
pub(super) unsafe fn memhash32(key: u32, seed: u64, ks: &Schedule) -> u64 {
    // Bytes 8..12 hold the key in memory order: this path exists only on little-endian x86.
    // SAFETY: caller's promise.
    unsafe { fixed_rounds(seed, u64::from(key), ks) }
}

/// `memhash64(p, seed)` on the AES path (spec §5.4).
///
/// # Safety
/// The CPU must have passed [`supported`].
#[inline(always)]
pub(super) unsafe fn memhash64(key: u64, seed: u64, ks: &Schedule) -> u64 {
    // SAFETY: caller's promise.
    unsafe { fixed_rounds(seed, key, ks) }
}

/// The block `seed | key << 64` through three AES rounds keyed by `K[0..3]`: the whole of
/// `memhash32` and `memhash64`.
///
/// Written in inline assembly, not intrinsics, so that it inlines into every map routine: an
/// intrinsic needs `#[target_feature]`, and a function without the feature cannot inline one
/// that has it, so each fast-path lookup made a call (registers saved and restored) for these
/// six instructions. Compiling whole routines with the feature instead cost an extra call level
/// and was slower (lookup_hit u64 n = 8: 5.7 -> 7.0 ns). The assembly needs no feature to
/// compile; it only runs once the selector has seen the CPU support it.
///
/// # Safety
/// The CPU must have passed [`supported`].
#[inline(always)]
unsafe fn fixed_rounds(seed: u64, key: u64, ks: &Schedule) -> u64 {
    let out: u64;
    // SAFETY: reads the first 48 bytes of `ks` (in bounds, 16-byte aligned by its type as the
    // memory operands need); AES-NI and SSE2 are present by the caller's promise; no memory
    // is written and the stack is not touched.
    unsafe {
        std::arch::asm!(
            "movq {v}, {seed}",
            "movq {k}, {key}",
            "punpcklqdq {v}, {k}",
            // Round keys as memory operands, which legacy SSE requires 16-byte aligned: the
            // `Schedule` type is. One instruction a round instead of a load and a round, and
            // at n = 1M every instruction of a lookup counts (see the `floor64` measurement in
            // docs/performance.md): 80 -> 77 instructions a fast64 lookup, 128 -> 127 a
            // faststr one (callgrind, n = 1024); time within this VM's noise.
            "aesenc {v}, xmmword ptr [{ks}]",
            "aesenc {v}, xmmword ptr [{ks} + 16]",
            "aesenc {v}, xmmword ptr [{ks} + 32]",
            "movq {out}, {v}",
            seed = in(reg) seed,
            key = in(reg) key,
            ks = in(reg) ks.0.as_ptr(),
            out = lateout(reg) out,
            v = out(xmm_reg) _,
            k = out(xmm_reg) _,
            options(pure, readonly, nostack, preserves_flags),
        );
    }
    out
}
