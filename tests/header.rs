//! `ffi/gohmap.h` against the library: every layout constant, code, kind and flag in the header
//! equals the Rust side. (The exported symbols are checked by `c_abi.rs`, which builds them.)

use std::collections::HashMap;
use std::mem::offset_of;

use gohmap::Hmap;
use gohmap::consts::*;
use gohmap::invariants::Check;
use gohmap::iter::Hiter;
use gohmap::maptype::{FastFamily, KeyKind, MapType};
use gohmap::panic::Code;
use gohmap::stats::{GrowKind, MapStats};

fn header() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ffi/gohmap.h")).unwrap()
}

/// `#define NAME number` and `NAME = number` (enums) from the header.
fn constants() -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for line in header().lines() {
        let line = line.trim();
        let (name, value) = if let Some(rest) = line.strip_prefix("#define ") {
            let mut parts = rest.split_whitespace();
            (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
        } else if let Some((n, v)) = line.split_once(" = ") {
            (
                n.trim(),
                v.trim_end_matches([',', ' '])
                    .split_whitespace()
                    .next()
                    .unwrap_or(""),
            )
        } else {
            continue;
        };
        let v = value.trim_end_matches(',').trim_end_matches('u');
        if let Ok(n) = v.parse::<u64>() {
            out.insert(name.to_string(), n);
        }
    }
    out
}

#[test]
fn layout_constants_match_the_rust_structs() {
    let c = constants();
    let want: &[(&str, usize)] = &[
        ("GOHMAP_BUCKET_CNT", BUCKET_CNT),
        ("GOHMAP_DATA_OFFSET", DATA_OFFSET),
        ("GOHMAP_MAX_KEY_SIZE", MAX_KEY_SIZE),
        ("GOHMAP_MAX_ELEM_SIZE", MAX_ELEM_SIZE),
        ("GOHMAP_ZERO_SIZE", MAX_ZERO),
        ("GOHMAP_HMAP_SIZE", size_of::<Hmap>()),
        ("GOHMAP_HMAP_COUNT_OFFSET", offset_of!(Hmap, count)),
        ("GOHMAP_HMAP_FLAGS_OFFSET", offset_of!(Hmap, flags)),
        ("GOHMAP_HMAP_B_OFFSET", offset_of!(Hmap, b)),
        ("GOHMAP_HMAP_NOVERFLOW_OFFSET", offset_of!(Hmap, noverflow)),
        ("GOHMAP_HMAP_HASH0_OFFSET", offset_of!(Hmap, hash0)),
        ("GOHMAP_HMAP_BUCKETS_OFFSET", offset_of!(Hmap, buckets)),
        (
            "GOHMAP_HMAP_OLDBUCKETS_OFFSET",
            offset_of!(Hmap, oldbuckets),
        ),
        ("GOHMAP_HMAP_NEVACUATE_OFFSET", offset_of!(Hmap, nevacuate)),
        ("GOHMAP_HMAP_EXTRA_OFFSET", offset_of!(Hmap, extra)),
        ("GOHMAP_HITER_SIZE", size_of::<Hiter>()),
        ("GOHMAP_HITER_KEY_OFFSET", offset_of!(Hiter, key)),
        ("GOHMAP_HITER_ELEM_OFFSET", offset_of!(Hiter, elem)),
        ("GOHMAP_MAPTYPE_SIZE", size_of::<MapType>()),
        ("GOHMAP_MAPTYPE_HASHER_OFFSET", offset_of!(MapType, hasher)),
        ("GOHMAP_MAPTYPE_EQUAL_OFFSET", offset_of!(MapType, equal)),
        ("GOHMAP_MAPTYPE_CTX_OFFSET", offset_of!(MapType, ctx)),
        (
            "GOHMAP_MAPTYPE_KEY_SIZE_OFFSET",
            offset_of!(MapType, key_size),
        ),
        (
            "GOHMAP_MAPTYPE_ELEM_SIZE_OFFSET",
            offset_of!(MapType, elem_size),
        ),
        (
            "GOHMAP_MAPTYPE_BUCKETSIZE_OFFSET",
            offset_of!(MapType, bucketsize),
        ),
        ("GOHMAP_MAPTYPE_FLAGS_OFFSET", offset_of!(MapType, flags)),
        (
            "GOHMAP_MAPTYPE_KEY_ALIGN_OFFSET",
            offset_of!(MapType, key_align),
        ),
        (
            "GOHMAP_MAPTYPE_ELEM_ALIGN_OFFSET",
            offset_of!(MapType, elem_align),
        ),
        (
            "GOHMAP_MAPTYPE_KEYSLOT_OFFSET",
            offset_of!(MapType, keyslot),
        ),
        (
            "GOHMAP_MAPTYPE_ELEMSLOT_OFFSET",
            offset_of!(MapType, elemslot),
        ),
        ("GOHMAP_MAPTYPE_KIND_OFFSET", offset_of!(MapType, kind)),
        ("GOHMAP_MAPTYPE_FAST_OFFSET", offset_of!(MapType, fast)),
        ("GOHMAP_TYPE_INDIRECT_KEY", TYPE_INDIRECT_KEY as usize),
        ("GOHMAP_TYPE_INDIRECT_ELEM", TYPE_INDIRECT_ELEM as usize),
        ("GOHMAP_KEY_REFLEXIVE", TYPE_REFLEXIVE_KEY as usize),
        ("GOHMAP_KEY_NEEDUPDATE", TYPE_NEED_KEY_UPDATE as usize),
        (
            "GOHMAP_KEY_HASH_MIGHT_PANIC",
            TYPE_HASH_MIGHT_PANIC as usize,
        ),
        ("GOHMAP_FAST_NONE", FastFamily::None as usize),
        ("GOHMAP_FAST_32", FastFamily::Fast32 as usize),
        ("GOHMAP_FAST_64", FastFamily::Fast64 as usize),
        ("GOHMAP_FAST_STR", FastFamily::FastStr as usize),
    ];
    for (name, v) in want {
        assert_eq!(c.get(*name).copied(), Some(*v as u64), "{name}");
    }
}

#[test]
fn codes_and_kinds_match() {
    let c = constants();
    let codes = [
        ("GOHMAP_PANIC_NIL_MAP", Code::NilMap),
        ("GOHMAP_PANIC_OUT_OF_MEMORY", Code::OutOfMemory),
        ("GOHMAP_PANIC_BAD_MAPTYPE", Code::BadMapType),
        ("GOHMAP_PANIC_BAD_ARGUMENT", Code::BadArgument),
        ("GOHMAP_FATAL_CONCURRENT_WRITES", Code::ConcurrentWrites),
        (
            "GOHMAP_FATAL_CONCURRENT_READ_WRITE",
            Code::ConcurrentReadWrite,
        ),
        (
            "GOHMAP_FATAL_CONCURRENT_ITER_WRITE",
            Code::ConcurrentIterWrite,
        ),
        ("GOHMAP_FATAL_BAD_MAP_STATE", Code::BadMapState),
    ];
    for (name, code) in codes {
        assert_eq!(c.get(name).copied(), Some(code as u64), "{name}");
    }
    for (name, k) in [
        ("CUSTOM", KeyKind::Custom),
        ("U8", KeyKind::U8),
        ("U16", KeyKind::U16),
        ("U32", KeyKind::U32),
        ("U64", KeyKind::U64),
        ("PTR", KeyKind::Ptr),
        ("STRING", KeyKind::String),
        ("F32", KeyKind::F32),
        ("F64", KeyKind::F64),
        ("C64", KeyKind::C64),
        ("C128", KeyKind::C128),
    ] {
        assert_eq!(
            c.get(&format!("GOHMAP_KIND_{name}")).copied(),
            Some(k as u64),
            "{name}"
        );
    }
}

#[test]
fn stats_layout_matches_the_rust_struct() {
    let c = constants();
    let want: &[(&str, usize)] = &[
        ("GOHMAP_STATS_SIZE", size_of::<MapStats>()),
        ("GOHMAP_STATS_COUNT_OFFSET", offset_of!(MapStats, count)),
        ("GOHMAP_STATS_B_OFFSET", offset_of!(MapStats, b)),
        (
            "GOHMAP_STATS_GROW_KIND_OFFSET",
            offset_of!(MapStats, grow_kind),
        ),
        ("GOHMAP_STATS_BUCKETS_OFFSET", offset_of!(MapStats, buckets)),
        (
            "GOHMAP_STATS_OLDBUCKETS_OFFSET",
            offset_of!(MapStats, oldbuckets),
        ),
        (
            "GOHMAP_STATS_EVACUATED_OFFSET",
            offset_of!(MapStats, evacuated),
        ),
        (
            "GOHMAP_STATS_OVERFLOW_OFFSET",
            offset_of!(MapStats, overflow),
        ),
        (
            "GOHMAP_STATS_PREALLOC_FREE_OFFSET",
            offset_of!(MapStats, prealloc_free),
        ),
        ("GOHMAP_STATS_BYTES_OFFSET", offset_of!(MapStats, bytes)),
        ("GOHMAP_STATS_LOAD_OFFSET", offset_of!(MapStats, load)),
        (
            "GOHMAP_STATS_LONGEST_CHAIN_OFFSET",
            offset_of!(MapStats, longest_chain),
        ),
        ("GOHMAP_STATS_PINS_OFFSET", offset_of!(MapStats, pins)),
    ];
    for (name, v) in want {
        assert_eq!(c.get(*name).copied(), Some(*v as u64), "{name}");
    }
}

#[test]
fn grow_kinds_and_check_codes_match() {
    let c = constants();
    for (name, k) in [
        ("NONE", GrowKind::None),
        ("DOUBLING", GrowKind::Doubling),
        ("SAME_SIZE", GrowKind::SameSize),
        ("SHRINKING", GrowKind::Shrinking),
    ] {
        let name = format!("GOHMAP_GROW_{name}");
        assert_eq!(c.get(&name).copied(), Some(k as u64), "{name}");
    }
    assert_eq!(c.get("GOHMAP_CHECK_OK").copied(), Some(0));
    let header_checks: Vec<(&String, &u64)> = c
        .iter()
        .filter(|(n, _)| n.starts_with("GOHMAP_CHECK_") && *n != "GOHMAP_CHECK_OK")
        .collect();
    assert_eq!(
        header_checks.len(),
        Check::ALL.len(),
        "one constant per check"
    );
    for check in Check::ALL {
        // GOHMAP_CHECK_I4_EMPTY_REST, GOHMAP_CHECK_PLACEMENT, ...: the name is in the constant.
        let tag = format!("_{}", check.name().to_uppercase());
        let found: Vec<_> = header_checks
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("GOHMAP_CHECK{tag}")))
            .filter(|(n, _)| {
                let rest = &n[format!("GOHMAP_CHECK{tag}").len()..];
                rest.is_empty() || rest.starts_with('_')
            })
            .collect();
        assert_eq!(found.len(), 1, "{check:?}: {found:?}");
        assert_eq!(*found[0].1, check.code() as u64, "{check:?}");
    }
}
