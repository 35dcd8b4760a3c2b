//! The map types the fuzzer drives: how each makes the key for an index, how the model
//! identifies a key, how elems encode a value, and which fast family it admits.

use std::ffi::c_void;

use gohmap::consts::TYPE_REFLEXIVE_KEY;
use gohmap::hash::{self, GoString};
use gohmap::{FastFamily, KeyKind, MapType};

/// Keeps string bytes alive for a whole input (the map stores only headers). Each key gets
/// fresh storage, so equal strings have different pointers and key updates are visible.
#[derive(Default)]
pub struct Arena(Vec<Vec<u8>>);

impl Arena {
    fn string(&mut self, bytes: Vec<u8>) -> GoString {
        self.0.push(bytes);
        let b = self.0.last().expect("just pushed");
        let ptr = if b.is_empty() {
            std::ptr::null()
        } else {
            b.as_ptr()
        };
        GoString {
            ptr,
            len: b.len() as isize,
        }
    }
}

/// One of the fuzzed map types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `map[uint32]uint32`: fast32 and generic interleaved.
    U32,
    /// `map[uint64]uint64`: fast64 and generic.
    U64,
    /// `map[string]uint64`: faststr and generic.
    Str,
    /// `map[float64]uint64`: generic; NaN never found, +0 == -0 (the key is updated).
    F64,
    /// `map[[144]byte][200]byte`: key and elem out of line, generic.
    Indirect,
    /// `map[uint64]uint64` whose hash takes four values: long chains, same-size grows.
    Colliding,
}

/// Every kind, indexed by the input's kind bytes.
pub const KINDS: [Kind; 6] = [
    Kind::U32,
    Kind::U64,
    Kind::Str,
    Kind::F64,
    Kind::Indirect,
    Kind::Colliding,
];

const BIG_KEY: usize = 144;
const BIG_ELEM: usize = 200;

unsafe extern "C-unwind" fn big_hash(p: *const c_void, seed: usize) -> usize {
    // SAFETY: the map passes a key of BIG_KEY bytes.
    unsafe { hash::memhash(p, seed, BIG_KEY) }
}

unsafe extern "C-unwind" fn big_equal(a: *const c_void, b: *const c_void) -> bool {
    // SAFETY: the map passes two keys of BIG_KEY bytes.
    unsafe {
        std::slice::from_raw_parts(a.cast::<u8>(), BIG_KEY)
            == std::slice::from_raw_parts(b.cast::<u8>(), BIG_KEY)
    }
}

/// Four hash values, all with distinct top bytes and low bits, ignoring the seed.
unsafe extern "C-unwind" fn colliding_hash(p: *const c_void, _seed: usize) -> usize {
    // SAFETY: the map passes an 8-byte key; keys are only 1-aligned in our key buffers.
    let k = unsafe { p.cast::<u64>().read_unaligned() };
    [
        0x1234_5678_9abc_def0,
        0xf00d_0000_0000_0001,
        0x0bad_cafe_0000_0002,
        0x7777_0000_1111_0003,
    ][(k & 3) as usize]
}

impl Kind {
    /// The descriptor.
    pub fn maptype(self) -> MapType {
        let t = match self {
            Kind::U32 => MapType::for_kind(KeyKind::U32, 4, 4),
            Kind::U64 => MapType::for_kind(KeyKind::U64, 8, 8),
            Kind::Str => MapType::for_kind(KeyKind::String, 8, 8),
            Kind::F64 => MapType::for_kind(KeyKind::F64, 8, 8),
            Kind::Indirect => MapType::new(
                BIG_KEY,
                8,
                BIG_ELEM,
                8,
                big_hash,
                big_equal,
                TYPE_REFLEXIVE_KEY,
            ),
            Kind::Colliding => MapType::new(
                8,
                8,
                8,
                8,
                colliding_hash,
                hash::memequal64,
                TYPE_REFLEXIVE_KEY,
            ),
        }
        .expect("valid descriptor");
        assert_eq!(t.fast_family(), self.fast(), "{self:?}: fast family");
        t
    }

    /// The fast family whose routines the driver may use.
    pub fn fast(self) -> FastFamily {
        match self {
            Kind::U32 => FastFamily::Fast32,
            Kind::U64 => FastFamily::Fast64,
            Kind::Str => FastFamily::FastStr,
            _ => FastFamily::None,
        }
    }

    /// The key for index `i`, as the bytes passed to the map (a header for strings).
    pub fn key(self, i: u64, arena: &mut Arena) -> Vec<u8> {
        match self {
            Kind::U32 => (i as u32).to_le_bytes().to_vec(),
            Kind::U64 | Kind::Colliding => {
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes().to_vec()
            }
            Kind::Str => {
                let h = arena.string(string_for(i));
                // Copied as bytes so the pointer keeps its provenance.
                let mut v = vec![0u8; 16];
                // SAFETY: a GoString is 16 bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping((&raw const h).cast::<u8>(), v.as_mut_ptr(), 16)
                };
                v
            }
            Kind::F64 => f64_for(i).to_bits().to_le_bytes().to_vec(),
            Kind::Indirect => {
                let mut v: Vec<u8> = (0..BIG_KEY).map(|j| (i as u8) ^ (j as u8)).collect();
                v[..8].copy_from_slice(&i.to_le_bytes());
                v
            }
        }
    }

    /// The model's identity of a key; `None` for a key not equal to itself (NaN).
    pub fn canon(self, key: &[u8]) -> Option<Vec<u8>> {
        match self {
            Kind::Str => {
                // SAFETY: 16 bytes holding a header made by `key`, whose bytes the arena keeps.
                let h = unsafe { key.as_ptr().cast::<GoString>().read_unaligned() };
                if h.len == 0 {
                    return Some(vec![]);
                }
                // SAFETY: as above; the header describes `len` live bytes.
                Some(unsafe { std::slice::from_raw_parts(h.ptr, h.len as usize) }.to_vec())
            }
            Kind::F64 => {
                let f = f64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
                if f.is_nan() {
                    None
                } else if f == 0.0 {
                    Some(vec![0; 8])
                } else {
                    Some(key.to_vec())
                }
            }
            _ => Some(key.to_vec()),
        }
    }

    /// The elem bytes that encode `v` (every byte depends on `v`).
    pub fn elem(self, v: u64, size: usize) -> Vec<u8> {
        let mut e: Vec<u8> = (0..size)
            .map(|j| (v as u8).wrapping_mul(31).wrapping_add(j as u8))
            .collect();
        let n = size.min(8);
        e[..n].copy_from_slice(&v.to_le_bytes()[..n]);
        e
    }

    /// The value an elem encodes (its first bytes); `elem` of it must give the bytes back.
    pub fn value(self, e: &[u8]) -> u64 {
        let mut b = [0u8; 8];
        let n = e.len().min(8);
        b[..n].copy_from_slice(&e[..n]);
        u64::from_le_bytes(b)
    }

    /// Values are truncated to the elem's width.
    pub fn mask(self, v: u64, size: usize) -> u64 {
        if size >= 8 {
            v
        } else {
            v & ((1u64 << (8 * size)) - 1)
        }
    }
}

/// Distinct strings of lengths 0 to about 110: the index's digits padded on both sides, so many
/// keys share prefixes and suffixes (faststr compares the ends of long keys first).
fn string_for(i: u64) -> Vec<u8> {
    if i == 0 {
        return vec![];
    }
    let digits = i.to_string();
    let (pre, post) = match i % 7 {
        0 => (0, 0),
        1 => (3, 0),
        2 => (0, 5),
        3 => ((i % 41) as usize, 2),
        4 => (16, 16),
        5 => (40, (i % 13) as usize),
        _ => (50, 60),
    };
    let mut s = vec![b'p'; pre];
    s.extend_from_slice(digits.as_bytes());
    s.extend(std::iter::repeat_n(b's', post));
    s
}

/// Floats with NaNs (several payloads), both zeros, infinities and plain values, some equal.
fn f64_for(i: u64) -> f64 {
    match i % 40 {
        0 => f64::NAN,
        1 => 0.0,
        2 => -0.0,
        3 => f64::from_bits(0x7ff8_0000_0000_0001),
        4 => -f64::NAN,
        5 => f64::INFINITY,
        6 => f64::NEG_INFINITY,
        _ => i as f64 * 0.5 - 10.0,
    }
}
