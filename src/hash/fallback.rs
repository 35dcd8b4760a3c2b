//! The portable path (spec §5.5): Go's `hash64.go`, a wyhash-style multiply-and-fold hash used
//! when the CPU has no AES-NI (or under Miri).
//!
//! Only `hashkey[0]` feeds a 64-bit hash; the array keeps Go's four words so that the key
//! material has the same shape as Go's.

const M1: u64 = 0xa0761d6478bd642f;
const M2: u64 = 0xe7037ed1a0b428db;
const M3: u64 = 0x8ebc6af09c88c6e3;
const M4: u64 = 0x589965cc75374cc3;
const M5: u64 = 0x1d8e4e27c47d124f;

/// Folds the full 128-bit product: both halves matter, as the tophash takes the top byte and
/// the bucket index the low bits.
#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    ((p >> 64) as u64) ^ (p as u64)
}

/// Little-endian u32 at `p`, zero-extended.
///
/// # Safety
/// `p..p+4` must be readable; any alignment.
#[inline]
unsafe fn r4(p: *const u8) -> u64 {
    // SAFETY: the caller guarantees the 4 bytes are readable; read_unaligned needs no alignment.
    u64::from(u32::from_le(unsafe { p.cast::<u32>().read_unaligned() }))
}

/// Little-endian u64 at `p`.
///
/// # Safety
/// `p..p+8` must be readable; any alignment.
#[inline]
unsafe fn r8(p: *const u8) -> u64 {
    // SAFETY: the caller guarantees the 8 bytes are readable; read_unaligned needs no alignment.
    u64::from_le(unsafe { p.cast::<u64>().read_unaligned() })
}

/// `memhashFallback(p, seed, s)`.
///
/// # Safety
/// `p..p+s` must be readable (`p` may be anything, even null, when `s == 0`).
pub(super) unsafe fn memhash(p: *const u8, seed: u64, s: usize, hashkey: &[u64; 4]) -> u64 {
    let mut seed = seed ^ hashkey[0] ^ M1;
    // SAFETY: each branch reads only inside `p..p+s`: single bytes at indices below s, 4-byte
    // words starting at 0 and s-4 when s >= 4, 8-byte words starting at 0 and s-8 when s >= 8,
    // and in the long case 16- and 48-byte strides that stop while more than 16 bytes remain,
    // followed by the last 16 bytes.
    let (a, b) = unsafe {
        match s {
            0 => return seed,
            1..=3 => {
                let a =
                    u64::from(*p) | u64::from(*p.add(s >> 1)) << 8 | u64::from(*p.add(s - 1)) << 16;
                (a, 0)
            }
            4..=7 => (r4(p), r4(p.add(s - 4))),
            8..=16 => (r8(p), r8(p.add(s - 8))),
            _ => {
                let mut p = p;
                let mut l = s;
                if l > 48 {
                    // Three independent lanes let the multiplies overlap in the pipeline.
                    let (mut seed1, mut seed2) = (seed, seed);
                    while l > 48 {
                        seed = mix(r8(p) ^ M2, r8(p.add(8)) ^ seed);
                        seed1 = mix(r8(p.add(16)) ^ M3, r8(p.add(24)) ^ seed1);
                        seed2 = mix(r8(p.add(32)) ^ M4, r8(p.add(40)) ^ seed2);
                        p = p.add(48);
                        l -= 48;
                    }
                    seed ^= seed1 ^ seed2;
                }
                while l > 16 {
                    seed = mix(r8(p) ^ M2, r8(p.add(8)) ^ seed);
                    p = p.add(16);
                    l -= 16;
                }
                // The last 16 bytes of the key, which may overlap bytes already hashed (`l`
                // can be below 16 after the 48-byte strides, so step back from the end).
                let end = p.add(l);
                (r8(end.sub(16)), r8(end.sub(8)))
            }
        }
    };
    mix(M5 ^ s as u64, mix(a ^ M2, b ^ seed))
}

/// `memhash32Fallback`: `memhash` of the key's 4 bytes, with the size dispatch removed.
#[inline]
pub(super) fn memhash32(key: u32, seed: u64, hashkey: &[u64; 4]) -> u64 {
    // `r4` of the key's memory: the same value whatever the host byte order.
    let a = u64::from(u32::from_le_bytes(key.to_ne_bytes()));
    mix(M5 ^ 4, mix(a ^ M2, a ^ seed ^ hashkey[0] ^ M1))
}

/// `memhash64Fallback`: `memhash` of the key's 8 bytes, with the size dispatch removed.
#[inline]
pub(super) fn memhash64(key: u64, seed: u64, hashkey: &[u64; 4]) -> u64 {
    let a = u64::from_le_bytes(key.to_ne_bytes());
    mix(M5 ^ 8, mix(a ^ M2, a ^ seed ^ hashkey[0] ^ M1))
}
