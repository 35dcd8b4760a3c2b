//! The raw calls by key family: keys as hosts pass them (8-aligned bytes for the generic
//! routines, values for the fast ones), and reading what a call returned.

use gohmap::hash::GoString;
use gohmap::{FastFamily, Hmap, MapType, raw};

/// A key's bytes in 8-aligned storage, as a host passes keys of an 8-aligned type.
pub struct KeyBuf(Vec<u64>);

impl KeyBuf {
    pub fn new(b: &[u8]) -> KeyBuf {
        let mut v = vec![0u64; b.len().div_ceil(8).max(1)];
        // SAFETY: v has room for b.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), v.as_mut_ptr().cast(), b.len()) };
        KeyBuf(v)
    }
    pub fn ptr(&self) -> *const u8 {
        self.0.as_ptr().cast()
    }
}

/// `n` bytes at `p`.
///
/// # Safety
/// `p` points at `n` readable bytes.
pub unsafe fn bytes(p: *const u8, n: usize) -> Vec<u8> {
    // SAFETY: caller's promise.
    unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
}

pub fn u32_of(kb: &[u8]) -> u32 {
    u32::from_le_bytes(kb[..4].try_into().expect("4 bytes"))
}
pub fn u64_of(kb: &[u8]) -> u64 {
    u64::from_le_bytes(kb[..8].try_into().expect("8 bytes"))
}
pub fn str_of(kb: &[u8]) -> GoString {
    // SAFETY: 16 bytes holding a string header (read as a pointer, keeping its provenance).
    unsafe { kb.as_ptr().cast::<GoString>().read_unaligned() }
}

/// The fast assign of `t`'s family (the generic one for a type without).
///
/// # Safety
/// `h` is nil or a live map of `t`; `kb` is a key of its type.
pub unsafe fn fast_assign(t: &MapType, h: *mut Hmap, kb: &[u8]) -> *mut u8 {
    // SAFETY: caller's promise.
    unsafe {
        match t.fast_family() {
            FastFamily::Fast32 => raw::mapassign_fast32(t, h, u32_of(kb)),
            FastFamily::Fast64 => raw::mapassign_fast64(t, h, u64_of(kb)),
            FastFamily::FastStr => raw::mapassign_faststr(t, h, str_of(kb)),
            FastFamily::None => raw::mapassign(t, h, KeyBuf::new(kb).ptr()),
        }
    }
}
