//! The key/elem layouts every model test runs over, with their model identity.

use std::ffi::c_void;

use gohmap::consts::*;
use gohmap::hash::{self, GoString};
use gohmap::{KeyKind, MapType};

/// Keeps string bytes alive for the whole test (the map only stores headers).
#[derive(Default)]
pub struct Arena(Vec<Vec<u8>>);

impl Arena {
    /// A header for `bytes` in fresh storage: equal strings get different pointers. The bytes
    /// live in a `Vec` that is never moved out of or touched again (a moved `Box` would be
    /// retagged as unique under Stacked Borrows, invalidating the header's pointer).
    pub fn string(&mut self, bytes: &[u8]) -> GoString {
        self.0.push(bytes.to_vec());
        let b = self.0.last().unwrap();
        let ptr = if b.is_empty() {
            std::ptr::null()
        } else {
            b.as_ptr()
        };
        GoString {
            ptr,
            len: bytes.len() as isize,
        }
    }
}

/// One layout: a descriptor, how to make the key for index `i`, and how the model identifies keys.
pub struct Layout {
    pub name: &'static str,
    pub t: MapType,
    /// Keys are drawn from indices `0..key_space`.
    pub key_space: u64,
    /// The key's bytes as passed to the map (a string header for string keys).
    pub make_key: fn(u64, &mut Arena) -> Vec<u8>,
    /// The model's identity of a key; None for keys not equal to themselves (NaN).
    pub canon: fn(&[u8]) -> Option<Vec<u8>>,
}

fn le_key(i: u64, n: usize) -> Vec<u8> {
    let mut v = i
        .wrapping_mul(0x9e3779b97f4a7c15)
        .to_le_bytes()
        .repeat(n.div_ceil(8));
    v[..8.min(n)].copy_from_slice(&i.to_le_bytes()[..8.min(n)]);
    v.truncate(n);
    v
}
fn bytes_canon(k: &[u8]) -> Option<Vec<u8>> {
    Some(k.to_vec())
}

fn f64_key(i: u64) -> f64 {
    match i % 40 {
        0 => f64::NAN,
        1 => 0.0,
        2 => -0.0,
        3 => f64::from_bits(0x7ff8_0000_0000_0001), // another NaN payload
        _ => i as f64 * 0.5,
    }
}
fn f64_canon(k: &[u8]) -> Option<Vec<u8>> {
    let f = f64::from_le_bytes(k[..8].try_into().unwrap());
    if f.is_nan() {
        None
    } else if f == 0.0 {
        Some(vec![0; 8])
    } else {
        Some(k[..8].to_vec())
    }
}

fn string_key(i: u64, a: &mut Arena) -> Vec<u8> {
    // Lengths 0..=40 and one long one; shared prefixes and suffixes between keys.
    let len = if i % 17 == 16 {
        1000
    } else {
        (i % 41) as usize
    };
    let mut s = vec![b'p'; len];
    let tag = format!("{i}");
    let n = tag.len().min(len);
    let mid = len / 2;
    s[mid.saturating_sub(n / 2)..mid.saturating_sub(n / 2) + n]
        .copy_from_slice(&tag.as_bytes()[..n]);
    if len < tag.len() {
        // Short strings cannot hold the tag: derive distinct bytes instead.
        for (j, c) in s.iter_mut().enumerate() {
            *c = b'a' + ((i >> (5 * j)) % 26) as u8;
        }
    }
    header_bytes(a.string(&s))
}

/// A string header's 16 bytes, copied untyped so the pointer keeps its provenance (Miri).
pub fn header_bytes(h: GoString) -> Vec<u8> {
    let mut v = vec![0u8; 16];
    // SAFETY: a GoString is 16 bytes.
    unsafe { std::ptr::copy_nonoverlapping((&raw const h).cast::<u8>(), v.as_mut_ptr(), 16) };
    v
}

/// The string header stored in 16 bytes (read as a pointer, never through an integer).
pub fn read_header(b: &[u8]) -> GoString {
    assert!(b.len() >= 16);
    // SAFETY: 16 readable bytes holding a header.
    unsafe { b.as_ptr().cast::<GoString>().read_unaligned() }
}
fn string_canon(k: &[u8]) -> Option<Vec<u8>> {
    let h = read_header(k);
    let (ptr, len) = (h.ptr, h.len as usize);
    if len == 0 {
        return Some(vec![]);
    }
    // SAFETY: the arena keeps the bytes alive for the test.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec())
}

macro_rules! mem_hasher {
    ($hash:ident, $eq:ident, $n:expr) => {
        unsafe extern "C-unwind" fn $hash(p: *const c_void, seed: usize) -> usize {
            // SAFETY: p points at a key of $n bytes.
            unsafe { hash::memhash(p, seed, $n) }
        }
        unsafe extern "C-unwind" fn $eq(a: *const c_void, b: *const c_void) -> bool {
            // SAFETY: both point at keys of $n bytes.
            unsafe {
                std::slice::from_raw_parts(a.cast::<u8>(), $n)
                    == std::slice::from_raw_parts(b.cast::<u8>(), $n)
            }
        }
    };
}
mem_hasher!(hash3, eq3, 3);
mem_hasher!(hash24, eq24, 24);
mem_hasher!(hash200, eq200, 200);

/// Every key collides: same bucket, same tophash, one long chain.
unsafe extern "C-unwind" fn const_hash(_: *const c_void, _: usize) -> usize {
    0xabcd_0000_0000_0017
}

/// A struct {f float64; i int64} hashed the way Go's compiler composes it, through ctx.
unsafe extern "C-unwind" fn pair_hash(p: *const c_void, seed: usize, ctx: *mut c_void) -> usize {
    assert_eq!(ctx.addr(), 0x5eed, "ctx is passed through");
    // SAFETY: p points at 16 bytes.
    unsafe { hash::memhash64(p.cast::<u8>().add(8).cast(), hash::f64hash(p, seed)) }
}
unsafe extern "C-unwind" fn pair_eq(a: *const c_void, b: *const c_void, _: *mut c_void) -> bool {
    // SAFETY: both point at 16 bytes, 8-aligned.
    unsafe {
        let (a, b) = (a.cast::<f64>(), b.cast::<f64>());
        *a == *b && *a.cast::<i64>().add(1) == *b.cast::<i64>().add(1)
    }
}
fn pair_key(i: u64) -> Vec<u8> {
    let mut v = f64_key(i / 3).to_le_bytes().to_vec();
    v.extend_from_slice(&(i % 3).to_le_bytes());
    v
}
fn pair_canon(k: &[u8]) -> Option<Vec<u8>> {
    let mut c = f64_canon(&k[..8])?;
    c.extend_from_slice(&k[8..16]);
    Some(c)
}

fn kind(k: KeyKind, es: usize, ea: usize) -> MapType {
    MapType::for_kind(k, es, ea).unwrap()
}
fn custom(
    ks: usize,
    ka: usize,
    es: usize,
    ea: usize,
    h: hash::HashFn,
    e: hash::EqualFn,
    f: u32,
) -> MapType {
    MapType::new(ks, ka, es, ea, h, e, f).unwrap()
}

/// The catalogue.
pub fn all() -> Vec<Layout> {
    vec![
        Layout {
            name: "u8->u8",
            t: kind(KeyKind::U8, 1, 1),
            key_space: 256,
            make_key: |i, _| vec![i as u8],
            canon: bytes_canon,
        },
        Layout {
            name: "tiny u8 keys->u32",
            t: kind(KeyKind::U8, 4, 4),
            key_space: 12,
            make_key: |i, _| vec![i as u8],
            canon: bytes_canon,
        },
        Layout {
            name: "u32->u32",
            t: kind(KeyKind::U32, 4, 4),
            key_space: 5000,
            make_key: |i, _| (i as u32).wrapping_mul(2654435761).to_le_bytes().to_vec(),
            canon: bytes_canon,
        },
        Layout {
            name: "u64->u64",
            t: kind(KeyKind::U64, 8, 8),
            key_space: 5000,
            make_key: |i, _| le_key(i, 8),
            canon: bytes_canon,
        },
        Layout {
            name: "string->string",
            t: kind(KeyKind::String, 16, 8),
            key_space: 3000,
            make_key: string_key,
            canon: string_canon,
        },
        Layout {
            name: "f64->u64",
            t: kind(KeyKind::F64, 8, 8),
            key_space: 3000,
            make_key: |i, _| f64_key(i).to_le_bytes().to_vec(),
            canon: f64_canon,
        },
        Layout {
            name: "[3]byte->u16",
            t: custom(3, 1, 2, 2, hash3, eq3, TYPE_REFLEXIVE_KEY),
            key_space: 4000,
            make_key: |i, _| le_key(i, 3),
            canon: bytes_canon,
        },
        Layout {
            name: "[24]byte->[24]byte",
            t: custom(24, 8, 24, 8, hash24, eq24, TYPE_REFLEXIVE_KEY),
            key_space: 3000,
            make_key: |i, _| le_key(i, 24),
            canon: bytes_canon,
        },
        Layout {
            name: "[200]byte->[200]byte (indirect)",
            t: custom(200, 1, 200, 1, hash200, eq200, TYPE_REFLEXIVE_KEY),
            key_space: 1500,
            make_key: |i, _| le_key(i, 200),
            canon: bytes_canon,
        },
        Layout {
            name: "u64->struct{}",
            t: kind(KeyKind::U64, 0, 1),
            key_space: 3000,
            make_key: |i, _| le_key(i, 8),
            canon: bytes_canon,
        },
        Layout {
            name: "colliding u64->u64",
            t: custom(8, 8, 8, 8, const_hash, hash::memequal64, TYPE_REFLEXIVE_KEY),
            key_space: 150,
            make_key: |i, _| le_key(i, 8),
            canon: bytes_canon,
        },
        Layout {
            name: "struct{}->u64",
            t: custom(
                0,
                1,
                8,
                8,
                hash::memhash0,
                hash::memequal0,
                TYPE_REFLEXIVE_KEY,
            ),
            key_space: 1,
            make_key: |_, _| vec![],
            canon: bytes_canon,
        },
        Layout {
            name: "struct{f64,i64} via ctx->[40]byte",
            t: MapType::with_ctx(
                16,
                8,
                40,
                8,
                pair_hash,
                pair_eq,
                std::ptr::without_provenance_mut(0x5eed),
                TYPE_NEED_KEY_UPDATE,
            )
            .unwrap(),
            key_space: 3000,
            make_key: |i, _| pair_key(i),
            canon: pair_canon,
        },
        Layout {
            name: "u64->[4000]byte (indirect, fat)",
            t: kind(KeyKind::U64, 4000, 8),
            key_space: 600,
            make_key: |i, _| le_key(i, 8),
            canon: bytes_canon,
        },
    ]
}
