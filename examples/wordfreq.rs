//! Counts the words on stdin with a gohmap map (string keys, 8-byte counts) and prints the ten
//! most frequent. The map stores string *headers*; the bytes stay in `input`, which outlives the
//! map — the ownership rule every host follows.
//!
//!     cargo run --release --example wordfreq < examples/sample.txt

use std::io::Read;

use gohmap::hash::GoString;
use gohmap::{KeyKind, MapType, raw};

fn main() {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .expect("read stdin");

    let t = MapType::for_kind(KeyKind::String, 8, 8).expect("descriptor");
    // SAFETY: t is validated; the map is freed below and the key bytes (in `input`) outlive it.
    let m = unsafe { raw::makemap(&t, 0, std::ptr::null_mut()) };
    let mut distinct: Vec<&str> = Vec::new();
    let mut total = 0;
    for w in input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        total += 1;
        let key = GoString {
            ptr: w.as_ptr(),
            len: w.len() as isize,
        };
        // SAFETY: `m[w] += 1`: the slot is an 8-byte count, zero for a new word.
        unsafe {
            let slot = raw::mapassign(&t, m, (&raw const key).cast()).cast::<u64>();
            if *slot == 0 {
                distinct.push(w);
            }
            *slot += 1;
        }
    }
    let count = |w: &str| -> u64 {
        let key = GoString {
            ptr: w.as_ptr(),
            len: w.len() as isize,
        };
        // SAFETY: a lookup on the live map; a miss reads the zero value.
        unsafe { *raw::mapaccess1(&t, m, (&raw const key).cast()).cast::<u64>() }
    };
    distinct.sort_by(|a, b| count(b).cmp(&count(a)).then(a.cmp(b)));
    // SAFETY: live map.
    println!("{total} words, {} distinct", unsafe { raw::maplen(m) });
    for w in distinct.iter().take(10) {
        println!("{:>6} {w}", count(w));
    }
    // SAFETY: freed once, not used again.
    unsafe { raw::mapfree(&t, m) };
}
