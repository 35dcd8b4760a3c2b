//! Properties of both algorithm paths with the spec's fixed keys (the public API exercises only
//! the path this CPU chose), and of the one-time path selection.

use std::sync::Barrier;

use super::super::fallback;
use super::super::select::{self, Path, Selector};
use super::vectors::{HASHKEY, fallback_mem};
#[cfg(target_arch = "x86_64")]
use super::vectors::{aes_mem, aes_runs};

/// A path's `memhash` over slices, with the spec's fixed keys.
type MemHash = fn(&[u8], usize) -> usize;

/// Every path this CPU can run, by name.
fn paths(test: &str) -> Vec<(&'static str, MemHash)> {
    let mut v: Vec<(&'static str, MemHash)> = vec![("fallback", fallback_mem)];
    #[cfg(target_arch = "x86_64")]
    if aes_runs(test) {
        v.push(("AES", aes_mem));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = test;
    v
}

#[test]
fn both_paths_ignore_bytes_beyond_len() {
    for (name, mem) in paths("both_paths_ignore_bytes_beyond_len") {
        let mut buf: Vec<u8> = (0..1100).map(|i| (i * 11 + 3) as u8).collect();
        for len in (0..=300).chain([511, 512, 513, 1000]) {
            let before = mem(&buf[..len], 9);
            for b in &mut buf[len..] {
                *b = b.wrapping_add(0x5b);
            }
            assert_eq!(mem(&buf[..len], 9), before, "{name} len {len}");
        }
    }
}

#[test]
fn both_paths_read_every_byte_of_the_key() {
    // Flipping any one byte inside the key must change the hash: no byte is skipped by the
    // size classes, the overlapping tails or the 128-byte loop.
    for (name, mem) in paths("both_paths_read_every_byte_of_the_key") {
        for len in [
            1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 48, 49, 64, 65, 127, 129, 256, 300,
        ] {
            let mut buf: Vec<u8> = (0..len).map(|i| (i * 17 + 1) as u8).collect();
            let h = mem(&buf, 3);
            for i in 0..len {
                buf[i] ^= 0x40;
                assert_ne!(mem(&buf, 3), h, "{name} len {len}: byte {i} ignored");
                buf[i] ^= 0x40;
            }
        }
    }
}

#[test]
fn both_paths_do_not_depend_on_alignment() {
    let src: Vec<u8> = (0..400).map(|i| (i * 13 + 5) as u8).collect();
    for (name, mem) in paths("both_paths_do_not_depend_on_alignment") {
        let mut buf = vec![0u8; 400 + 16];
        for len in [
            0, 1, 2, 3, 4, 6, 8, 11, 16, 17, 32, 40, 64, 65, 128, 129, 200, 257, 400,
        ] {
            let want = mem(&src[..len], 1);
            for off in 0..16 {
                buf[off..off + len].copy_from_slice(&src[..len]);
                assert_eq!(
                    mem(&buf[off..off + len], 1),
                    want,
                    "{name} len {len} off {off}"
                );
            }
        }
    }
}

#[test]
fn both_paths_mix_in_the_length() {
    // Zero bytes of different lengths must not collide: only the length tells them apart.
    let zeros = [0u8; 300];
    for (name, mem) in paths("both_paths_mix_in_the_length") {
        let mut seen: Vec<usize> = (0..=300).map(|n| mem(&zeros[..n], 0)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 301, "{name}: lengths of zero bytes collide");
    }
}

#[test]
fn fallback_fixed_size_hashers_equal_memhash_of_4_and_8_bytes() {
    for k in [0u64, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
        for seed in [0u64, 5, u64::MAX] {
            let k32 = k as u32;
            let m32 = fallback_mem(&k32.to_ne_bytes(), seed as usize) as u64;
            let m64 = fallback_mem(&k.to_ne_bytes(), seed as usize) as u64;
            assert_eq!(fallback::memhash32(k32, seed, &HASHKEY), m32);
            assert_eq!(fallback::memhash64(k, seed, &HASHKEY), m64);
        }
    }
}

#[test]
fn hashkey_words_are_forced_odd() {
    let mut next = 0u64;
    let mut key = [0u64; 4];
    select::fill_hashkey(&mut key, || {
        next += 2;
        next << 40
    });
    assert_eq!(key, [2 << 40 | 1, 4 << 40 | 1, 6 << 40 | 1, 8 << 40 | 1]);
}

#[test]
fn aes_schedule_takes_every_random_byte() {
    let mut next = 0u64;
    let mut ks = [0u8; 128];
    select::fill_aes_schedule(&mut ks, || {
        let w = u64::from_le_bytes(std::array::from_fn(|i| (next * 8 + i as u64) as u8));
        next += 1;
        w
    });
    assert_eq!(ks, std::array::from_fn(|i| i as u8));
}

/// The keys a path carries, as bytes, so that paths can be compared.
fn key_bytes(p: Path<'_>) -> Vec<u8> {
    match p {
        #[cfg(target_arch = "x86_64")]
        Path::Aes(ks) => ks.0.to_vec(),
        Path::Fallback(hk) => {
            assert!(
                hk.iter().all(|w| w & 1 == 1),
                "hashkey words must be odd: {hk:x?}"
            );
            hk.iter().flat_map(|w| w.to_le_bytes()).collect()
        }
    }
}

#[test]
fn threads_racing_on_first_use_all_get_the_same_keys() {
    // A fresh selector (not the process's, which other tests have already initialised), hit by
    // many threads at once.
    static FRESH: Selector = Selector::new();
    const THREADS: usize = 8;
    let start = Barrier::new(THREADS);
    let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    key_bytes(FRESH.path())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "threads saw different keys"
    );
    assert!(keys[0].iter().any(|&b| b != 0), "keys were not filled");
    // Later calls see the same keys again.
    assert_eq!(key_bytes(FRESH.path()), keys[0]);
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        matches!(FRESH.path(), Path::Aes(_)),
        super::super::aes::supported()
    );
}

#[test]
fn process_path_is_chosen_once() {
    assert_eq!(key_bytes(select::path()), key_bytes(select::path()));
    // Both are the same static storage, not two fillings that happen to be equal.
    match (select::path(), select::path()) {
        #[cfg(target_arch = "x86_64")]
        (Path::Aes(a), Path::Aes(b)) => assert!(std::ptr::eq(a, b)),
        (Path::Fallback(a), Path::Fallback(b)) => assert!(std::ptr::eq(a, b)),
        #[allow(unreachable_patterns)]
        other => panic!("the path changed: {other:?}"),
    }
}
