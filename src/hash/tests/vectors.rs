//! Every row of the spec's §5.12 tables, on both paths, through the parameterised algorithm
//! functions with the spec's fixed keys (the process keys are random, so the public API cannot
//! reproduce fixed values).

#[cfg(target_arch = "x86_64")]
use super::super::aes;
use super::super::select::Schedule;
use super::super::{GoString, fallback, float};

/// The spec's AES key schedule: byte `i` is `(13*i + 5) mod 256`.
pub(super) const AES_SCHEDULE: Schedule = Schedule({
    let mut k = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        k[i] = ((13 * i + 5) % 256) as u8;
        i += 1;
    }
    k
});

/// The spec's fallback `hashkey`.
pub(super) const HASHKEY: [u64; 4] = [
    0x243f6a8885a308d3,
    0x13198a2e03707345,
    0xa4093822299f31d1,
    0x082efa98ec4e6c89,
];

/// The spec's seeds, in table column order.
const SEEDS: [u64; 2] = [0, 0x0123456789abcdef];

/// The spec's data: byte `i` is `(31*i + 7) mod 256`; `len` bytes of `data(n)` are hashed.
pub(super) fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((31 * i + 7) % 256) as u8).collect()
}

/// `memhash(&data[0], seed, len)`: (len, [AES seed 0, AES seed 1], [fallback seed 0, seed 1]).
// One row per line, as in the spec's table, so the two can be compared line by line.
#[rustfmt::skip]
const MEMHASH_ROWS: [(usize, [u64; 2], [u64; 2]); 32] = [
    (0, [0x8e80111b155bfbc1, 0x55ec6c4659c2caee], [0x844977ecfd1e6cfc, 0x856a328b74b5a113]),
    (1, [0xdbb0db00d822a9da, 0x371815b9876309f6], [0xb24d58bdb53e35de, 0x7fdcd26a5246c7e3]),
    (2, [0x64c16c2b65620e8b, 0x0707486126c763c5], [0x90ea0e88babf2515, 0x44b84131f2aeae97]),
    (3, [0xd550dea8e219bbfa, 0x104d20855e68cd51], [0x2d218aab5f44600c, 0x471d83d750b71d1c]),
    (4, [0x9b0d8b877fcae93f, 0x58b1746462519ceb], [0x879c27ab90171633, 0xefa9989a2ddba0a7]),
    (5, [0x7220b1fb9bd0a151, 0x99031a53ef4887fe], [0xe86c16c44dde272c, 0x4ece1a237b40d14a]),
    (7, [0x19937bffb5c3a227, 0x42e87660dcecab12], [0xe36d053dc93c7312, 0x564bc919785a20c5]),
    (8, [0x2c33aaca0879f52e, 0xc3082191b18d6ffe], [0xe3b2ddd55d5e65a1, 0xb40c169ebe9f998d]),
    (9, [0x750b6c41887d022f, 0xa9c6c13d916794cd], [0x1f898c1668ef14f2, 0x8cf5eaa253a0a56f]),
    (12, [0xd8bc8bce968bad3b, 0x60bc8e3f1e5ac2bb], [0x8c81d52f04edc531, 0xf6340ffe6be890d7]),
    (15, [0x5e0b0591a6112456, 0x2ed7a75c71125529], [0x147a81a567114eed, 0x12a42981bafb2c81]),
    (16, [0x44709504e498d005, 0x09bf1e23594847cb], [0x6e115f88ba6fe78b, 0x087591f96ea608f7]),
    (17, [0x195598e094fb5bb4, 0x8c5f18dc303998c6], [0xa6516483615da4a2, 0xe0f2a5c781f9ed76]),
    (24, [0x9fb968bff284e4a0, 0xf82e4dd0a51ffb0a], [0x6911077d9f8f2729, 0xb2afb80b419cc329]),
    (31, [0xeb172b0e313ef109, 0x59a4bc012fab06f8], [0xb81df207ea98586c, 0x256cabb5fb1a48e4]),
    (32, [0xe3e005a99a1a4437, 0x81abc1bffb71c1c3], [0xc00cdad4b351bb3b, 0x781c850ccda569d5]),
    (33, [0x01919d433d4584dd, 0xfa92e7c6b4e727b2], [0xd4d73cfb3f953834, 0x3528633d940ac2b5]),
    (48, [0x003fb6638a2174bb, 0x542e08ed3827a121], [0x1b779944901deda4, 0xf271db2e1a09aeb2]),
    (49, [0xf9262e1bcb38e66d, 0x453c882d50b4d29a], [0xc67faff01d875c02, 0x4c70e45d21f1edd6]),
    (63, [0x07d68804fa47f9c2, 0xc8214fb0a7689faa], [0xba43a69124f1b2b4, 0xf9f1d2907a0576fb]),
    (64, [0x2295f1f1cb169c42, 0x5fe5da7fd68396ca], [0x122203636e03e90a, 0x50e7b035e1e6ad28]),
    (65, [0x7a2eb3d76bbfce16, 0xc1b6db3644928833], [0x63074764ddb97421, 0xd4c9d2b50112f8ea]),
    (96, [0x966bf2f3cbef758d, 0xec2e916104b89a1a], [0xd378a59bf40d44ea, 0x50ab8117fa88608c]),
    (127, [0x29e3a3abb859bc2e, 0x2fdb5d767ffbf668], [0x85d42996810fe729, 0x1a1385f2bdedafcb]),
    (128, [0x2de146d7be4692ac, 0x36edb77c600a73fe], [0x237af19dcc91de04, 0xfc47244c5ae062b1]),
    (129, [0xf603c8d08cc3abde, 0x685d0c87510645e6], [0xddf11202d127ffaa, 0xa9806a4e153583d5]),
    (200, [0x56a7eacd77583169, 0xcb813567525c7fd8], [0x66bb10273f2cbd6b, 0x61934d109833ca23]),
    (255, [0xfbce3fd837851bb8, 0x9c15e3546d0f2f34], [0x3ec019f298ab47b8, 0x0af0749134201e20]),
    (256, [0x7011d66504693104, 0x3b4a96217bbb41e0], [0xdf581a35fffcc64b, 0x9a2bf6048d7e9358]),
    (257, [0x1d33fcc45dc86b42, 0xdd497c5bb8a0fe34], [0xbdaa80c561eafc53, 0xb058d3a62f18c5e6]),
    (300, [0xd5ac0f3a1bce58c7, 0x8ac44de5a0eb4f50], [0x3ba6e1cf7817c30c, 0x9698fc4fb354ff92]),
    (1000, [0xcef6477eac1f9044, 0xdb6c8f9831d0ccc6], [0x2fdab04e8a93907f, 0xe42b20882115ca0a]),
];

/// Whether the AES rows can run; prints why not when they cannot, so a skip is visible.
#[cfg(target_arch = "x86_64")]
pub(super) fn aes_runs(test: &str) -> bool {
    let ok = aes::supported();
    if !ok {
        println!("note: {test}: skipped, this CPU lacks AES-NI, SSSE3 or SSE4.1");
    }
    ok
}

/// `memhash` on the AES path with the spec's schedule. Only call after [`aes_runs`] said yes.
#[cfg(target_arch = "x86_64")]
pub(super) fn aes_mem(bytes: &[u8], seed: usize) -> usize {
    assert!(aes::supported());
    // SAFETY: the CPU support was just checked; the slice's bytes are readable.
    unsafe { aes::memhash(bytes.as_ptr(), seed as u64, bytes.len(), &AES_SCHEDULE) as usize }
}

/// `memhash` on the fallback path with the spec's `hashkey`.
pub(super) fn fallback_mem(bytes: &[u8], seed: usize) -> usize {
    // SAFETY: the slice's bytes are readable.
    unsafe { fallback::memhash(bytes.as_ptr(), seed as u64, bytes.len(), &HASHKEY) as usize }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn memhash_aes_matches_every_spec_row() {
    if !aes_runs("memhash_aes_matches_every_spec_row") {
        return;
    }
    let d = data(1000);
    for (len, want, _) in MEMHASH_ROWS {
        for (seed, want) in SEEDS.into_iter().zip(want) {
            let got = aes_mem(&d[..len], seed as usize) as u64;
            assert_eq!(
                got, want,
                "AES memhash len {len} seed {seed:#x}: got {got:#018x}"
            );
        }
    }
}

#[test]
fn memhash_fallback_matches_every_spec_row() {
    let d = data(1000);
    for (len, _, want) in MEMHASH_ROWS {
        for (seed, want) in SEEDS.into_iter().zip(want) {
            let got = fallback_mem(&d[..len], seed as usize) as u64;
            assert_eq!(
                got, want,
                "fallback memhash len {len} seed {seed:#x}: got {got:#018x}"
            );
        }
    }
}

/// The key words of the fixed-size rows: `data[0..4]` and `data[0..8]` in memory order.
fn fixed_keys() -> (u32, u64) {
    let d = data(8);
    (
        u32::from_ne_bytes(d[..4].try_into().unwrap()),
        u64::from_ne_bytes(d[..8].try_into().unwrap()),
    )
}

/// `strhash` of the header of `data[0..5]`: the bytes it hashes are the ones the header names.
fn via_string_header(bytes: &[u8], seed: usize, mem: impl Fn(&[u8], usize) -> usize) -> usize {
    let s = GoString {
        ptr: bytes.as_ptr(),
        len: 5,
    };
    // SAFETY: the header names 5 bytes of `bytes`, which is longer than that.
    mem(
        unsafe { std::slice::from_raw_parts(s.ptr, s.len as usize) },
        seed,
    )
}

#[cfg(target_arch = "x86_64")]
#[test]
fn memhash32_memhash64_and_strhash_aes_match_spec_rows() {
    if !aes_runs("memhash32_memhash64_and_strhash_aes_match_spec_rows") {
        return;
    }
    let (k32, k64) = fixed_keys();
    let d = data(16);
    let rows = [
        (
            0,
            [0xae67e8d3607076b8, 0xe41bb65af9cf015b, 0x7220b1fb9bd0a151],
        ),
        (
            1,
            [0xd0cb5ee5b6e3c197, 0x56259bcfaf9b53bc, 0x99031a53ef4887fe],
        ),
    ];
    for (i, [h32, h64, hs]) in rows {
        let seed = SEEDS[i];
        // SAFETY: `aes_runs` checked the CPU support.
        let (g32, g64) = unsafe {
            (
                aes::memhash32(k32, seed, &AES_SCHEDULE),
                aes::memhash64(k64, seed, &AES_SCHEDULE),
            )
        };
        assert_eq!(g32, h32, "AES memhash32 seed {seed:#x}");
        assert_eq!(g64, h64, "AES memhash64 seed {seed:#x}");
        assert_eq!(
            via_string_header(&d, seed as usize, aes_mem) as u64,
            hs,
            "AES strhash"
        );
    }
}

#[test]
fn memhash32_memhash64_and_strhash_fallback_match_spec_rows() {
    let (k32, k64) = fixed_keys();
    let d = data(16);
    let rows = [
        (
            0,
            [0x879c27ab90171633, 0xe3b2ddd55d5e65a1, 0xe86c16c44dde272c],
        ),
        (
            1,
            [0xefa9989a2ddba0a7, 0xb40c169ebe9f998d, 0x4ece1a237b40d14a],
        ),
    ];
    for (i, [h32, h64, hs]) in rows {
        let seed = SEEDS[i];
        assert_eq!(
            fallback::memhash32(k32, seed, &HASHKEY),
            h32,
            "memhash32 seed {seed:#x}"
        );
        assert_eq!(
            fallback::memhash64(k64, seed, &HASHKEY),
            h64,
            "memhash64 seed {seed:#x}"
        );
        let got = via_string_header(&d, seed as usize, fallback_mem) as u64;
        assert_eq!(got, hs, "fallback strhash seed {seed:#x}");
    }
}

/// Checks the float rows for one path, given its `memhash` and the table's column.
fn check_float_rows(path: &str, mem: fn(&[u8], usize) -> usize, column: usize) {
    // (f32hash(1.5), f32hash(+0), f32hash(-0), f64hash(1.5), f64hash(+0), c64, c128), per
    // (path, seed) column of the spec's table: AES 0, AES 1, fallback 0, fallback 1.
    let columns: [[u64; 7]; 4] = [
        [
            0x16e2743d34f23c66,
            0x041fe719c053b59f,
            0x041fe719c053b59f,
            0x54941fa965581cb6,
            0x041fe719c053b59f,
            0xec0e831097c3578a,
            0xbf499b75dd760cc3,
        ],
        [
            0x083afe53676a3f18,
            0x79696cf7ccd618b2,
            0x79696cf7ccd618b2,
            0x702f10595b748297,
            0x79696cf7ccd618b2,
            0xdf22a0bbba246ece,
            0x9205811e574b5126,
        ],
        [
            0x994b23c16081d50d,
            0x041fe719c053b59f,
            0x041fe719c053b59f,
            0xe4610c3974f7cadc,
            0x041fe719c053b59f,
            0x6746e4df67405532,
            0x7c11824f968e79ad,
        ],
        [
            0x50bf3ebc2c1adcac,
            0x79696cf7ccd618b2,
            0x79696cf7ccd618b2,
            0x9fa8b017927b104d,
            0x79696cf7ccd618b2,
            0x542077480440d55a,
            0xa47729991155613d,
        ],
    ];
    for (i, seed) in SEEDS.into_iter().enumerate() {
        let h = seed as usize;
        let got = [
            float::f32hash_with(1.5, h, &mem),
            float::f32hash_with(0.0, h, &mem),
            float::f32hash_with(-0.0, h, &mem),
            float::f64hash_with(1.5, h, &mem),
            float::f64hash_with(0.0, h, &mem),
            float::c64hash_with(1.5, -2.0, h, &mem),
            float::c128hash_with(1.5, -2.0, h, &mem),
        ]
        .map(|g| g as u64);
        assert_eq!(
            got,
            columns[column + i],
            "{path} float rows, seed {seed:#x}"
        );
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn float_and_complex_hashers_aes_match_spec_rows() {
    if aes_runs("float_and_complex_hashers_aes_match_spec_rows") {
        check_float_rows("AES", aes_mem, 0);
    }
}

#[test]
fn float_and_complex_hashers_fallback_match_spec_rows() {
    check_float_rows("fallback", fallback_mem, 2);
}

/// The inline-assembly short path gives exactly the intrinsic path's hash for every length it
/// takes (1..=16), at several seeds and alignments.
#[test]
fn aes_short_strings_hash_the_same_on_both_aes_routines() {
    if !aes_runs("aes_short_strings_hash_the_same_on_both_aes_routines") {
        return;
    }
    let bytes: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
    for n in 1..=16 {
        for off in [0, 1, 7, 13] {
            for seed in [0u64, 1, 0x9e37_79b9_7f4a_7c15, u64::MAX] {
                let p = bytes[off..].as_ptr();
                // SAFETY: the CPU support was checked; `p..p+n` is inside `bytes`.
                let (short, long) = unsafe {
                    (
                        aes::memhash_short(p, seed, n, &AES_SCHEDULE),
                        aes::memhash(p, seed, n, &AES_SCHEDULE),
                    )
                };
                assert_eq!(short, long, "n {n} offset {off} seed {seed:#x}");
            }
        }
    }
}
