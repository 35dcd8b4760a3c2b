//! What the benches share: key generators, the key kinds with their gohmap routines, an owning
//! map handle, the per-size key sets, and the probe cursor. Each bench is its own crate and uses
//! only part of this, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::Write;
use std::ptr;

use gohmap::hash::GoString;
use gohmap::{Hmap, KeyKind, MapType, fast, raw};

/// Lookups and updates per timed iteration: enough that loop and timer overhead vanish.
pub const BATCH: usize = 1024;

/// splitmix64's step on `x`: a bijection, so distinct ids always give distinct keys.
pub fn mix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// murmur3's finaliser: a bijection on u32 (truncating `mix64` would collide at 1M keys).
pub fn mix32(mut h: u32) -> u32 {
    h = (h ^ (h >> 16)).wrapping_mul(0x85EB_CA6B);
    h = (h ^ (h >> 13)).wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// A key kind and its routines: `FAST` picks the fast one, otherwise its generic twin, which
/// gets the key's address (the Rust value is laid out exactly as the descriptor's key). Being
/// a const parameter, the choice costs nothing at run time. A kind without a fast family runs
/// its generic routines either way.
pub trait Key: Copy {
    const NAME: &'static str;
    /// The descriptor of a map from this key to u64.
    fn map_type() -> MapType;
    /// One key per id, distinct for distinct ids. String bytes go to `arena`, which must then
    /// stay untouched (moving the Vec is fine: its buffer stays put) while the keys are used.
    fn make(ids: &[u64], arena: &mut Vec<u8>) -> Vec<Self>;
    /// # Safety
    /// `h` is a live map of `t`, and `t` is `Self::map_type()`.
    unsafe fn access1<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8;
    /// # Safety
    /// As for `access1`.
    unsafe fn assign<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> *mut u8;
    /// # Safety
    /// As for `access1`.
    unsafe fn delete<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self);
}

/// The three routines of a standard kind: the fast family's, or the generic ones by address.
macro_rules! routines {
    ($kind:ident, $access1:ident, $assign:ident, $delete:ident) => {
        fn map_type() -> MapType {
            MapType::for_kind(KeyKind::$kind, 8, 8).expect("descriptor")
        }
        routines!(@ access1, $access1, mapaccess1, *mut u8);
        routines!(@ assign, $assign, mapassign, *mut u8);
        routines!(@ delete, $delete, mapdelete, ());
    };
    (@ $name:ident, $fast:ident, $generic:ident, $ret:ty) => {
        unsafe fn $name<const FAST: bool>(t: &MapType, h: *mut Hmap, k: Self) -> $ret {
            // SAFETY: forwarded: `h` is a live map of `t`, which has this kind's fast family and
            // key layout (`addr(&k)` is a readable key of it for the generic twin).
            unsafe { if FAST { fast::$fast(t, h, k) } else { raw::$generic(t, h, addr(&k)) } }
        }
    };
}

/// A key's address, as the generic routines take it.
pub fn addr<K>(k: &K) -> *const u8 {
    ptr::from_ref(k).cast()
}

impl Key for u32 {
    const NAME: &'static str = "u32";
    fn make(ids: &[u64], _: &mut Vec<u8>) -> Vec<Self> {
        ids.iter().map(|&id| mix32(id as u32)).collect()
    }
    routines!(U32, mapaccess1_fast32, mapassign_fast32, mapdelete_fast32);
}

impl Key for u64 {
    const NAME: &'static str = "u64";
    fn make(ids: &[u64], _: &mut Vec<u8>) -> Vec<Self> {
        ids.iter().map(|&id| mix64(id)).collect()
    }
    routines!(U64, mapaccess1_fast64, mapassign_fast64, mapdelete_fast64);
}

impl Key for GoString {
    const NAME: &'static str = "str16";
    fn make(ids: &[u64], arena: &mut Vec<u8>) -> Vec<Self> {
        // 16 hex digits of a 64-bit bijection: printable, distinct, and all the same length,
        // so every comparison reaches the bytes. Headers are taken once the arena is full.
        arena.clear();
        for &id in ids {
            write!(arena, "{:016x}", mix64(id)).expect("write to a Vec");
        }
        let key = |c: &[u8]| GoString {
            ptr: c.as_ptr(),
            len: 16,
        };
        arena.chunks_exact(16).map(key).collect()
    }
    routines!(
        String,
        mapaccess1_faststr,
        mapassign_faststr,
        mapdelete_faststr
    );
}

/// Owns a map and frees it on drop, so that maps `iter_batched` hands back are freed by
/// criterion outside the timed region, and every map is freed exactly once.
pub struct Map<'t> {
    pub t: &'t MapType,
    pub h: *mut Hmap,
}

impl<'t> Map<'t> {
    /// An empty map (`make(map[K]V)`).
    pub fn new(t: &'t MapType) -> Self {
        Map::with_hint(t, 0)
    }

    /// An empty map sized for `hint` entries (`make(map[K]V, hint)`).
    pub fn with_hint(t: &'t MapType, hint: usize) -> Self {
        // SAFETY: `t` is a validated descriptor (built by `MapType`'s constructors); a null
        // header asks makemap for one.
        let h = unsafe { raw::makemap(t, hint as isize, ptr::null_mut()) };
        assert!(!h.is_null(), "makemap failed");
        Map { t, h }
    }

    /// `keys[i] -> i + 1` (never 0, so a hit is told from the zero value), built generically:
    /// building is never timed.
    pub fn filled<K: Key>(t: &'t MapType, keys: &[K]) -> Self {
        let m = Map::new(t);
        for (i, &k) in keys.iter().enumerate() {
            // SAFETY: a live map of `t`; the returned slot is the key's 8-byte, 8-aligned elem.
            unsafe { *K::assign::<false>(t, m.h, k).cast::<u64>() = i as u64 + 1 };
        }
        m
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        // SAFETY: a live map.
        unsafe { raw::maplen(self.h) as usize }
    }
}

impl Drop for Map<'_> {
    fn drop(&mut self) {
        // SAFETY: made by makemap in `with_hint`, and this is its only free.
        unsafe { raw::mapfree(self.t, self.h) }
    }
}

/// The keys of one benchmark size and the arenas behind string keys (declared before any map,
/// so they outlive them).
pub struct Keys<K> {
    /// Insertion order.
    pub present: Vec<K>,
    /// The present keys shuffled, in two more arenas: probes never share a pointer with the
    /// stored key, so `strequal`'s pointer-equality shortcut never fires, and updates (which
    /// store the probe's header) can alternate between them pass by pass.
    pub probes: [Vec<K>; 2],
    /// Keys never inserted.
    pub misses: Vec<K>,
    _arenas: [Vec<u8>; 4],
}

impl<K: Key> Keys<K> {
    pub fn new(n: usize) -> Self {
        // Even ids are present and odd ids are misses, so no miss can be present.
        let ids: Vec<u64> = (0..n as u64).map(|i| 2 * i).collect();
        let miss_ids: Vec<u64> = ids.iter().map(|i| i + 1).collect();
        let mut shuffled = ids.clone();
        for i in (1..n).rev() {
            shuffled.swap(i, (mix64(!(i as u64)) % (i as u64 + 1)) as usize);
        }
        let mut a: [Vec<u8>; 4] = Default::default();
        Keys {
            present: K::make(&ids, &mut a[0]),
            probes: [K::make(&shuffled, &mut a[1]), K::make(&shuffled, &mut a[2])],
            misses: K::make(&miss_ids, &mut a[3]),
            _arenas: a,
        }
    }
}

/// A position in a cycle over probe lists, kept outside `b.iter` so that it carries over from
/// one criterion sample to the next and a large map is swept in full, not just its warm start.
#[derive(Default)]
pub struct Cursor {
    i: usize,
    pass: usize,
}

impl Cursor {
    /// Feeds `BATCH` keys to `f`, moving on to the next list at the end of each one.
    pub fn sweep<K: Copy>(&mut self, lists: &[&[K]], mut f: impl FnMut(K)) {
        for _ in 0..BATCH {
            let list = lists[self.pass % lists.len()];
            f(list[self.i]);
            self.i += 1;
            if self.i == list.len() {
                (self.i, self.pass) = (0, self.pass + 1);
            }
        }
    }
}
