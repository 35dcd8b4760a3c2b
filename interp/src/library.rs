//! The library subset: fmt, strings, strconv, sort, math, bufio (Scanner over stdin), os.

use std::io::Read;
use std::rc::Rc;

use crate::fmt;
use crate::interp::{Interp, flush_out, write_out};
use crate::ir::Lib;
use crate::types::Type;
use crate::value::{Slice, Value};

/// A bufio.Scanner over stdin (the whole input is read on the first Scan).
#[derive(Default)]
pub struct Scanner {
    words: bool,
    data: Option<String>,
    pos: usize,
    tok: Rc<str>,
}

#[derive(Default)]
pub struct LibState {
    scanners: Vec<Scanner>,
}

fn strs(v: &Value) -> Vec<Rc<str>> {
    v.slice()
        .to_vec()
        .into_iter()
        .map(|x| match x {
            Value::Str(s) => s,
            _ => Rc::from(""),
        })
        .collect()
}

fn str_slice<'a>(it: impl Iterator<Item = &'a str>) -> Value {
    Value::Slice(Slice::from_vec(it.map(Value::from_str).collect()))
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\u{85}' | '\u{A0}'
    ) || c.is_whitespace()
}

/// The first position at or after `i` whose character is not a space (`spaces`) or is a
/// space (`!spaces`); ASCII is tested byte by byte.
fn skip(s: &str, mut i: usize, spaces: bool) -> Option<usize> {
    let b = s.as_bytes();
    while i < b.len() {
        let (sp, len) = if b[i] < 0x80 {
            (
                matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'),
                1,
            )
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            (is_space(c), c.len_utf8())
        };
        if sp != spaces {
            return Some(i);
        }
        i += len;
    }
    None
}

impl Scanner {
    fn scan(&mut self) -> bool {
        // The whole input, decoded once (invalid UTF-8 becomes U+FFFD).
        let data = self.data.get_or_insert_with(|| {
            flush_out();
            let mut v = Vec::new();
            let _ = std::io::stdin().lock().read_to_end(&mut v);
            match String::from_utf8(v) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }
        });
        let rest = &data[self.pos..];
        if self.words {
            let Some(start) = skip(rest, 0, true) else {
                self.pos = data.len();
                return false;
            };
            let end = skip(rest, start, false).unwrap_or(rest.len());
            self.tok = Rc::from(&rest[start..end]);
            // Skip the word and the one separator after it.
            let sep = rest[end..].chars().next().map_or(0, char::len_utf8);
            self.pos += end + sep;
            true
        } else {
            if rest.is_empty() {
                return false;
            }
            let (line, adv) = match rest.find('\n') {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.tok = Rc::from(line);
            self.pos += adv;
            true
        }
    }
}

/// sort.Slice. `less(i, j)` compares the elements at positions i and j of the live slice; we
/// leave the slice untouched while sorting a permutation of positions (so every call sees the
/// original elements), then apply it. A bottom-up merge sort: about n log n calls, never fails
/// on an inconsistent `less`. It is stable, where Go's is not: for elements that compare equal
/// the order may differ from Go's. Later passes visit the elements in random order, so each
/// step prefetches what the next comparisons will read (`prefetch_run`).
fn sort_slice(it: &mut Interp, s: &Slice, less: &Value) {
    let n = s.len as usize;
    let Some(arr) = s.arr.clone() else { return };
    let Value::Func(Some(less)) = less else {
        if n > 1 {
            crate::interp::runtime_error("invalid memory address or nil pointer dereference");
        }
        return;
    };
    let off = s.off as usize;
    // One frame for every call of `less`.
    let mut frame = Vec::new();
    let mut lt =
        |it: &mut Interp, i: usize, j: usize| it.call_less(less, &mut frame, i as i64, j as i64);
    let mut perm: Vec<usize> = (0..n).collect();
    let mut tmp = vec![0usize; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut a, mut b, mut k) = (lo, mid, lo);
            while a < mid && b < hi {
                // The next comparison reads one of the two runs' next elements; fetch their
                // memory now (the positions are random after the first passes).
                prefetch_run(&arr, off, &perm[a + 1..mid]);
                prefetch_run(&arr, off, &perm[b + 1..hi]);
                // Take from the right run only when it is strictly less (stability).
                if lt(it, perm[b], perm[a]) {
                    tmp[k] = perm[b];
                    b += 1;
                } else {
                    tmp[k] = perm[a];
                    a += 1;
                }
                k += 1;
            }
            tmp[k..k + mid - a].copy_from_slice(&perm[a..mid]);
            k += mid - a;
            tmp[k..k + hi - b].copy_from_slice(&perm[b..hi]);
            lo = hi;
        }
        std::mem::swap(&mut perm, &mut tmp);
        width *= 2;
    }
    let mut v = arr.borrow_mut();
    let sorted: Vec<Value> = perm
        .iter()
        .map(|&p| std::mem::take(&mut v[off + p]))
        .collect();
    for (k, x) in sorted.into_iter().enumerate() {
        v[off + k] = x;
    }
}

/// A hint for the merge, given the positions that follow a run's head: starts loading what
/// `less` will likely read for them, one level of indirection per step of distance: the slice
/// slot of the third, the heap storage (or string bytes) of the second (its slot was hinted
/// one step ago), and the string bytes in the fields of the first (its storage was hinted one
/// step ago). Only reads what is there; `less` may have changed the slice in between (then a
/// hint is merely useless).
#[inline]
fn prefetch_run(arr: &std::cell::RefCell<Vec<Value>>, off: usize, next: &[usize]) {
    let Ok(v) = arr.try_borrow() else { return };
    if let Some(&p) = next.get(2)
        && let Some(x) = v.get(off + p)
    {
        prefetch(x);
    }
    if let Some(&p) = next.get(1) {
        match v.get(off + p) {
            Some(Value::Struct(fs) | Value::Array(fs)) => prefetch(fs.as_ptr()),
            Some(Value::Str(s)) => prefetch(s.as_ptr()),
            _ => {}
        }
    }
    if let Some(&p) = next.first()
        && let Some(Value::Struct(fs) | Value::Array(fs)) = v.get(off + p)
    {
        for f in fs.iter().take(4) {
            if let Value::Str(s) = f {
                prefetch(s.as_ptr());
            }
        }
    }
}

/// Asks the CPU to load the cache line at `p` (no effect on other targets). Never faults.
#[inline]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it does not dereference `p` in the language's sense and
    // cannot fault, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

fn maps_to_itself(mut m: impl Iterator<Item = char>, c: char) -> bool {
    m.next() == Some(c) && m.next().is_none()
}

pub fn call(it: &mut Interp, f: Lib, a: &[Value], tys: &[Type]) -> Value {
    let s = |i: usize| a[i].str();
    match f {
        Lib::Println => write_out(fmt::sprint(a, tys, true).as_bytes()),
        Lib::Print => write_out(fmt::sprint(a, tys, false).as_bytes()),
        Lib::Printf => write_out(fmt::sprintf(s(0), &a[1..], &tys[1..]).as_bytes()),
        Lib::Sprintf => return Value::from_str(&fmt::sprintf(s(0), &a[1..], &tys[1..])),
        Lib::Errorf => return Value::from_str(&fmt::sprintf(s(0), &a[1..], &tys[1..])),
        Lib::Sprint => return Value::from_str(&fmt::sprint(a, tys, false)),
        Lib::Sprintln => return Value::from_str(&fmt::sprint(a, tys, true)),
        Lib::Fields => return str_slice(s(0).split(is_space).filter(|w| !w.is_empty())),
        Lib::Split => {
            return if s(1).is_empty() {
                Value::Slice(Slice::from_vec(
                    s(0).chars()
                        .map(|c| Value::from_str(&c.to_string()))
                        .collect(),
                ))
            } else {
                str_slice(s(0).split(s(1)))
            };
        }
        Lib::Join => {
            let parts = strs(&a[0]);
            let v: Vec<&str> = parts.iter().map(|p| &**p).collect();
            return Value::from_str(&v.join(s(1)));
        }
        // Unchanged strings are shared, not copied (the common case for ToLower of words).
        Lib::ToLower if !s(0).bytes().any(|b| b >= 0x80 || b.is_ascii_uppercase()) => {
            return a[0].clone();
        }
        Lib::ToLower if s(0).chars().all(|c| maps_to_itself(c.to_lowercase(), c)) => {
            return a[0].clone();
        }
        Lib::ToUpper if s(0).chars().all(|c| maps_to_itself(c.to_uppercase(), c)) => {
            return a[0].clone();
        }
        Lib::ToLower => return Value::from_str(&s(0).to_lowercase()),
        Lib::ToUpper => return Value::from_str(&s(0).to_uppercase()),
        Lib::TrimSpace => return Value::from_str(s(0).trim_matches(is_space)),
        Lib::Contains => return Value::Bool(s(0).contains(s(1))),
        Lib::HasPrefix => return Value::Bool(s(0).starts_with(s(1))),
        Lib::HasSuffix => return Value::Bool(s(0).ends_with(s(1))),
        Lib::Index => return Value::Int(s(0).find(s(1)).map_or(-1, |i| i as i64)),
        Lib::Repeat => {
            let n = a[1].int();
            if n < 0 {
                crate::interp::go_panic("strings: negative Repeat count");
            }
            return Value::from_str(&s(0).repeat(n as usize));
        }
        Lib::Itoa => return Value::from_str(&a[0].int().to_string()),
        Lib::Atoi => {
            let t = s(0);
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            let r = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<i64>().map_err(|_| "value out of range")
            } else {
                Err("invalid syntax")
            };
            return Value::Tuple(Rc::new(match r {
                Ok(n) => vec![Value::Int(n), Value::Nil],
                Err(why) => vec![
                    Value::Int(if why == "value out of range" {
                        if t.starts_with('-') {
                            i64::MIN
                        } else {
                            i64::MAX
                        }
                    } else {
                        0
                    }),
                    Value::from_str(&format!("strconv.Atoi: parsing {}: {why}", fmt::quote(t))),
                ],
            }));
        }
        Lib::SortStrings => {
            let sl = a[0].slice();
            if let Some(arr) = &sl.arr {
                let mut v = arr.borrow_mut();
                v[sl.off as usize..(sl.off + sl.len) as usize].sort_by(|x, y| x.str().cmp(y.str()));
            }
        }
        Lib::SortInts => {
            let sl = a[0].slice();
            if let Some(arr) = &sl.arr {
                let mut v = arr.borrow_mut();
                v[sl.off as usize..(sl.off + sl.len) as usize].sort_by_key(|x| x.int());
            }
        }
        Lib::SortSlice => sort_slice(it, &a[0].slice(), &a[1]),
        Lib::NaN => return Value::Float(f64::NAN),
        Lib::Inf => {
            return Value::Float(if a[0].int() >= 0 {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            });
        }
        Lib::IsNaN => return Value::Bool(a[0].float().is_nan()),
        Lib::Signbit => return Value::Bool(a[0].float().is_sign_negative()),
        Lib::IsInf => {
            let (x, sign) = (a[0].float(), a[1].int());
            return Value::Bool(
                (sign >= 0 && x == f64::INFINITY) || (sign <= 0 && x == f64::NEG_INFINITY),
            );
        }
        Lib::Sqrt => return Value::Float(a[0].float().sqrt()),
        Lib::Abs => return Value::Float(a[0].float().abs()),
        Lib::Floor => return Value::Float(a[0].float().floor()),
        Lib::NewScanner => {
            it.lib.scanners.push(Scanner::default());
            return Value::Int(it.lib.scanners.len() as i64 - 1);
        }
        Lib::Scan => return Value::Bool(it.lib.scanners[a[0].int() as usize].scan()),
        Lib::Text => return Value::Str(it.lib.scanners[a[0].int() as usize].tok.clone()),
        Lib::SplitWords => it.lib.scanners[a[0].int() as usize].words = a[1].int() == 1,
        Lib::Buffer => {}
        Lib::Exit => {
            flush_out();
            std::process::exit(a[0].int() as i32);
        }
        Lib::Error => return a[0].clone(),
    }
    Value::Nil
}
