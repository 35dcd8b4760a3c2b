//! Replays the fuzz corpus (`fuzz/corpus/ops/`) and a few thousand pseudo-random inputs from a
//! fixed seed through the fuzz driver (`tests/fuzzing/mod.rs`), so what the fuzzer checks is
//! also checked by `cargo test` on machines where libFuzzer does not build.
//!
//! The hand-made seed inputs live in `fuzz/seeds/`; `GOHMAP_WRITE_SEEDS=1 cargo test --test
//! fuzz_replay committed_seed` rewrites them from `seeds()`.

mod fuzzing;

use fuzzing::ops::{Op, encode};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/ops");
const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds");

/// splitmix64: the replay's own deterministic randomness.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn scaled(n: usize, small: usize) -> usize {
    if cfg!(miri) { small } else { n }
}

/// An input of random operations, biased the way the seeds are: mostly single-key work on a
/// small key space, some bulk work, iteration steps, and now and then the rare operations.
fn random_input(r: &mut Rng) -> Vec<u8> {
    let mut ops = vec![];
    let n = (r.next() % 120) as usize;
    for _ in 0..n {
        let (m, key) = (r.byte() % 4, r.byte() % 64);
        let op = match r.next() % 100 {
            0..=29 => Op::Assign {
                m,
                key,
                fast: r.next() & 1 == 1,
            },
            30..=44 => {
                let f = r.byte();
                Op::Access {
                    m,
                    key,
                    fast: f & 1 == 1,
                    two: f & 2 == 2,
                }
            }
            45..=59 => Op::Delete {
                m,
                key,
                fast: r.next() & 1 == 1,
            },
            60..=64 => Op::IterInit { m },
            65..=74 => Op::IterNext {
                m,
                it: r.byte(),
                steps: r.byte(),
            },
            75 => Op::IterDone { m, it: r.byte() },
            76 => {
                if r.next() & 3 == 0 {
                    Op::ClearRelease { m }
                } else {
                    Op::Clear { m }
                }
            }
            77..=78 => Op::Clone { m },
            79 => Op::Remake { m, hint: r.byte() },
            80..=81 => Op::Make {
                kind: r.byte(),
                hint: r.byte(),
            },
            82..=86 => Op::BulkAssign {
                m,
                start: r.byte(),
                count: r.byte() % 64,
            },
            87..=89 => Op::BulkDelete {
                m,
                start: r.byte(),
                count: r.byte() % 64,
            },
            90..=94 => Op::FailAlloc { n: r.byte() },
            95..=96 => Op::Check { m },
            97 => Op::Shrink { m },
            _ => Op::Nil {
                kind: r.byte(),
                which: r.byte(),
            },
        };
        ops.push(op);
    }
    let mut data = vec![r.byte()];
    data.extend(encode(&ops));
    data
}

#[test]
fn every_corpus_and_seed_input_passes_the_driver() {
    let mut files: Vec<_> = [CORPUS, SEEDS]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).expect("the corpus directories exist"))
        .map(|e| e.expect("readable entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the seed corpus is committed");
    let take = scaled(files.len(), 3);
    for f in &files[..take] {
        let data = std::fs::read(f).expect("readable corpus file");
        let r = std::panic::catch_unwind(|| fuzzing::run(&data));
        assert!(r.is_ok(), "corpus input {} failed", f.display());
    }
}

#[test]
fn pseudo_random_inputs_pass_the_driver() {
    let mut r = Rng(0x00c0_ffee);
    for i in 0..scaled(3000, 4) {
        let data = random_input(&mut r);
        let res = std::panic::catch_unwind(|| fuzzing::run(&data));
        assert!(res.is_ok(), "random input {i} failed: {data:?}");
    }
}

#[test]
fn raw_random_bytes_pass_the_driver() {
    // Unstructured bytes, as the fuzzer's first mutations are: every byte is an opcode or an
    // argument, so these exercise the decoder's edges too.
    let mut r = Rng(0xbad5eed);
    for i in 0..scaled(1000, 2) {
        let len = (r.next() % 300) as usize;
        let data: Vec<u8> = (0..len).map(|_| r.byte()).collect();
        let res = std::panic::catch_unwind(|| fuzzing::run(&data));
        assert!(res.is_ok(), "raw input {i} failed: {data:?}");
    }
}

#[test]
fn decoding_inverts_encoding() {
    let mut r = Rng(3);
    for _ in 0..200 {
        let data = random_input(&mut r);
        let ops = fuzzing::ops::decode(&data[1..], usize::MAX);
        assert_eq!(encode(&ops), data[1..], "encode(decode(x)) == x");
    }
}

/// The seed inputs: each a meaningful scenario on one kind of map.
fn seeds() -> Vec<(String, Vec<u8>)> {
    use Op::*;
    let mut out = vec![];
    for kind in 0..6u8 {
        let scenarios: Vec<(&str, Vec<Op>)> = vec![
            (
                "grow",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 100,
                    },
                    Check { m: 0 },
                ],
            ),
            (
                "churn",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 40,
                    },
                    BulkDelete {
                        m: 0,
                        start: 0,
                        count: 30,
                    },
                    BulkAssign {
                        m: 0,
                        start: 100,
                        count: 40,
                    },
                    BulkDelete {
                        m: 0,
                        start: 50,
                        count: 40,
                    },
                    Check { m: 0 },
                ],
            ),
            (
                "iterate-while-growing",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 5,
                    },
                    IterInit { m: 0 },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 3,
                    },
                    BulkAssign {
                        m: 0,
                        start: 20,
                        count: 60,
                    },
                    Delete {
                        m: 0,
                        key: 3,
                        fast: false,
                    },
                    Assign {
                        m: 0,
                        key: 4,
                        fast: true,
                    },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 255,
                    },
                ],
            ),
            (
                "iterate-clear",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 10,
                    },
                    IterInit { m: 0 },
                    IterInit { m: 0 },
                    Clear { m: 0 },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 2,
                    },
                    Assign {
                        m: 0,
                        key: 1,
                        fast: false,
                    },
                    IterNext {
                        m: 0,
                        it: 1,
                        steps: 255,
                    },
                ],
            ),
            (
                "clone-and-diverge",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 30,
                    },
                    IterInit { m: 0 },
                    Clone { m: 0 },
                    Delete {
                        m: 1,
                        key: 2,
                        fast: true,
                    },
                    Assign {
                        m: 0,
                        key: 200,
                        fast: false,
                    },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 255,
                    },
                    Check { m: 1 },
                ],
            ),
            (
                "oom-growth",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 13,
                    },
                    FailAlloc { n: 0 },
                    BulkAssign {
                        m: 0,
                        start: 50,
                        count: 20,
                    },
                    FailAlloc { n: 1 },
                    BulkAssign {
                        m: 0,
                        start: 150,
                        count: 20,
                    },
                    FailAlloc { n: 2 },
                    Clone { m: 0 },
                    FailAlloc { n: 0 },
                    IterInit { m: 0 },
                ],
            ),
            (
                "oom-iterating",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 12,
                    },
                    IterInit { m: 0 },
                    FailAlloc { n: 0 },
                    BulkAssign {
                        m: 0,
                        start: 60,
                        count: 30,
                    },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 10,
                    },
                    FailAlloc { n: 1 },
                    BulkAssign {
                        m: 0,
                        start: 180,
                        count: 30,
                    },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 255,
                    },
                ],
            ),
            (
                "remake-hints",
                vec![
                    Remake { m: 0, hint: 2 },
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 20,
                    },
                    Make {
                        kind: kind + 1,
                        hint: 1,
                    },
                    BulkAssign {
                        m: 1,
                        start: 0,
                        count: 8,
                    },
                    Remake { m: 0, hint: 254 },
                    Remake { m: 1, hint: 3 },
                    FailAlloc { n: 0 },
                    Make { kind, hint: 7 },
                ],
            ),
            (
                "single-keys",
                (0..40u8)
                    .flat_map(|k| {
                        [
                            Assign {
                                m: 0,
                                key: k,
                                fast: k % 2 == 0,
                            },
                            Access {
                                m: 0,
                                key: k / 2,
                                fast: k % 3 == 0,
                                two: k % 4 < 2,
                            },
                            Delete {
                                m: 0,
                                key: k / 3,
                                fast: k % 2 == 1,
                            },
                        ]
                    })
                    .collect(),
            ),
            (
                "shrink",
                vec![
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 120,
                    },
                    IterInit { m: 0 },
                    BulkDelete {
                        m: 0,
                        start: 0,
                        count: 100,
                    },
                    Shrink { m: 0 },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 255,
                    },
                    BulkDelete {
                        m: 0,
                        start: 0,
                        count: 110,
                    },
                    Shrink { m: 0 },
                    IterInit { m: 0 },
                    ClearRelease { m: 0 },
                    IterNext {
                        m: 0,
                        it: 0,
                        steps: 1,
                    },
                    BulkAssign {
                        m: 0,
                        start: 0,
                        count: 90,
                    },
                    FailAlloc { n: 1 },
                    BulkDelete {
                        m: 0,
                        start: 0,
                        count: 85,
                    },
                    Shrink { m: 0 },
                    Check { m: 0 },
                    ClearRelease { m: 0 },
                ],
            ),
            ("nil", (0..16u8).map(|w| Nil { kind, which: w }).collect()),
        ];
        for (name, ops) in scenarios {
            let mut data = vec![kind];
            data.extend(encode(&ops));
            out.push((format!("seed-{kind}-{name}"), data));
        }
    }
    out
}

/// The seeds pass, and together reach every path the driver checks: injected allocation
/// failures, iterations producing entries (NaN keys too) and ending naturally or by a clear,
/// fast routines, clones, and steps taken while a map is growing.
#[test]
fn seed_inputs_pass_the_driver_and_reach_every_checked_path() {
    let mut total = fuzzing::stats::Stats::default();
    for (name, data) in seeds().into_iter().take(scaled(usize::MAX, 8)) {
        let r = std::panic::catch_unwind(|| fuzzing::run_with_stats(&data));
        let s = r.unwrap_or_else(|_| panic!("seed {name} failed"));
        total.oom += s.oom;
        total.produced += s.produced;
        total.produced_nans += s.produced_nans;
        total.completed += s.completed;
        total.ended_by_clear += s.ended_by_clear;
        total.fast_calls += s.fast_calls;
        total.clones += s.clones;
        total.growing_steps += s.growing_steps;
        total.shrinks += s.shrinks;
    }
    if cfg!(miri) {
        return; // too few seeds run to reach everything
    }
    let t = total;
    eprintln!("seed totals: {t:?}");
    assert!(
        t.oom >= 10
            && t.produced >= 500
            && t.produced_nans >= 1
            && t.completed >= 10
            && t.ended_by_clear >= 5
            && t.fast_calls >= 100
            && t.clones >= 5
            && t.growing_steps >= 10
            && t.shrinks >= 3,
        "the seeds no longer reach every path: {t:?}"
    );
}

/// Found by the fuzzer (the seed with `ClearRelease`): `mapclear_release` freed the separately
/// allocated overflow buckets of the current array, then freed the array through `free_array`,
/// which walked the same chains again through the freed buckets and freed them a second time
/// (heap-use-after-free, then double free, in `src/shrink.rs`). A map with overflow chains: 60
/// colliding keys in four buckets, and 400 u64 keys.
#[test]
fn clear_release_of_a_map_with_overflow_buckets_frees_each_bucket_once() {
    for name in [
        "regress-clear-release-overflow-colliding",
        "regress-clear-release-overflow-u64",
    ] {
        let data = std::fs::read(format!("{SEEDS}/{name}")).expect("committed regression input");
        let s = fuzzing::run_with_stats(&data);
        assert_eq!(s.oom, 0, "{name}: nothing fails");
    }
    // The same, spelled out: kind 5 (colliding), 60 keys, clear_release.
    let ops = [
        Op::BulkAssign {
            m: 0,
            start: 0,
            count: 30,
        },
        Op::ClearRelease { m: 0 },
        Op::BulkAssign {
            m: 0,
            start: 0,
            count: 30,
        },
        Op::Check { m: 0 },
    ];
    let mut data = vec![5];
    data.extend(encode(&ops));
    fuzzing::run(&data);
}

/// The hand-made seeds are committed in `fuzz/seeds/` exactly as `seeds()` makes them (the
/// fuzzer reads them as a second corpus directory, which `cargo fuzz cmin` never prunes).
/// `GOHMAP_WRITE_SEEDS=1` rewrites them first.
#[test]
fn committed_seed_files_match_the_seed_scenarios() {
    if std::env::var_os("GOHMAP_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(SEEDS).unwrap();
        for (name, data) in seeds() {
            std::fs::write(format!("{SEEDS}/{name}"), data).unwrap();
        }
    }
    for (name, data) in seeds() {
        let file = std::fs::read(format!("{SEEDS}/{name}")).unwrap_or_else(|e| {
            panic!("seed {name} is not committed ({e}): run with GOHMAP_WRITE_SEEDS=1")
        });
        assert_eq!(
            file, data,
            "seed {name} is out of date: run with GOHMAP_WRITE_SEEDS=1"
        );
    }
}
