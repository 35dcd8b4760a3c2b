//! How a routine sees a key: the one seam between the generic (descriptor-driven) routines and
//! the specialised ones.
//!
//! Go has three near-copies of every routine (`map_fast32.go`, `map_fast64.go`,
//! `map_faststr.go`) because it had no generics. Here each operation is written once, generic
//! over [`MapKey`], and the compiler stamps out one copy per key kind. A kind decides only how a
//! key is hashed, compared with a stored key, stored and updated; bucket layout, growth, the
//! write protocol and reclamation are shared, so the two families cannot drift apart and one map
//! can be used through both.

use crate::bucket::Bucket;
use crate::maptype::MapType;

/// A key as a routine receives it.
pub trait MapKey: Copy {
    /// The width of this kind's key slot when the kind fixes it (the fast kinds), else 0: the
    /// descriptor's `keyslot` then says (see [`Bucket::key_slot_of`]).
    const SLOT: usize = 0;

    /// Hash of this key with `seed`.
    ///
    /// # Safety
    /// `t` is a validated descriptor this key kind fits.
    unsafe fn hash(self, t: &MapType, seed: usize) -> usize;

    /// Hash of a key already stored at `k` (a dereferenced key, as `Bucket::key` gives).
    ///
    /// # Safety
    /// As [`MapKey::hash`]; `k` is a stored key of `t`.
    #[inline(always)]
    unsafe fn hash_stored(t: &MapType, k: *const u8, seed: usize) -> usize {
        // SAFETY: caller's promise.
        unsafe { t.hash(k, seed) }
    }

    /// Whether this key equals the stored key of full cell `i` of `b`.
    ///
    /// # Safety
    /// `b` is a live bucket of `t`, cell `i` is full.
    unsafe fn matches(self, t: &MapType, b: Bucket, i: usize) -> bool;

    /// Writes this key into a new cell. For out-of-line keys the slot already points at a zeroed
    /// object, so `b.key(t, i)` is the destination.
    ///
    /// # Safety
    /// `b` is a live bucket of `t` the caller may write; cell `i` is being filled.
    unsafe fn store(self, t: &MapType, b: Bucket, i: usize);

    /// The key was found at cell `i`: overwrite the stored key where the kind requires it
    /// (`needkeyupdate`: +0/-0, strings' new backing bytes).
    ///
    /// # Safety
    /// As [`MapKey::store`], cell `i` is full and equal to this key.
    unsafe fn update(self, t: &MapType, b: Bucket, i: usize);

    /// Searches a one-bucket map without hashing (Go's `B == 0` shortcut for the fast kinds):
    /// `Some(Some(i))` found at cell `i`, `Some(None)` absent, `None` when this kind (or this
    /// key) needs the hashed search.
    ///
    /// # Safety
    /// `b` is the only bucket of a live, non-growing map of `t`.
    #[inline(always)]
    unsafe fn find_in_one_bucket(self, t: &MapType, b: Bucket) -> Option<Option<usize>> {
        let _ = (t, b);
        None
    }
}

/// A key passed by address, hashed and compared through the descriptor's callbacks.
#[derive(Clone, Copy, Debug)]
pub struct AnyKey(pub *const u8);

impl MapKey for AnyKey {
    #[inline(always)]
    unsafe fn hash(self, t: &MapType, seed: usize) -> usize {
        // SAFETY: the caller passes a key of t's type.
        unsafe { t.hash(self.0, seed) }
    }

    #[inline(always)]
    unsafe fn matches(self, t: &MapType, b: Bucket, i: usize) -> bool {
        // SAFETY: cell i is full, so its key (or key object) is live.
        unsafe { t.eq(self.0, b.key(t, i)) }
    }

    #[inline(always)]
    unsafe fn store(self, t: &MapType, b: Bucket, i: usize) {
        // SAFETY: the destination has key_size writable bytes; the caller's key does not alias
        // map memory it is being copied into (a host passing a key that lives inside the map's
        // own free cell would be passing a dead key).
        unsafe { std::ptr::copy_nonoverlapping(self.0, b.key(t, i), t.key_size) }
    }

    #[inline(always)]
    unsafe fn update(self, t: &MapType, b: Bucket, i: usize) {
        if t.need_key_update() {
            // SAFETY: as store; `copy` because a caller may pass the stored key itself (it.key).
            unsafe { std::ptr::copy(self.0, b.key(t, i), t.key_size) }
        }
    }
}
