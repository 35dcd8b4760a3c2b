//! Go's fmt formatting for the subset: %v %d %s %q %t %x %X %c %f %e %g %%, widths, precision
//! and the - + 0 flags; maps print with sorted keys as Go's fmt (internal/fmtsort) does.

use std::cmp::Ordering;

use crate::maps;
use crate::types::{IntK, Type};
use crate::value::Value;

#[derive(Clone, Copy, Default)]
pub struct Spec {
    pub minus: bool,
    pub plus: bool,
    pub zero: bool,
    pub space: bool,
    pub sharp: bool,
    pub width: Option<usize>,
    pub prec: Option<usize>,
}

/// Go's %v of a float64: strconv.FormatFloat(f, 'g', -1, 64).
pub fn fmt_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    // strconv's shortest 'g': %e when the exponent is < -4 or >= 6 (checked against Go 1.19).
    if !(-4..6).contains(&exp) {
        return sci(sign, &digits, exp);
    }
    fixed(sign, &digits, exp)
}

fn sci(sign: &str, digits: &str, exp: i32) -> String {
    let mut s = String::from(sign);
    s.push_str(&digits[..1]);
    if digits.len() > 1 {
        s.push('.');
        s.push_str(&digits[1..]);
    }
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", exp.abs()));
    s
}

fn fixed(sign: &str, digits: &str, exp: i32) -> String {
    let mut s = String::from(sign);
    if exp < 0 {
        s.push_str("0.");
        for _ in 0..(-exp - 1) {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            s.push_str(digits);
            for _ in digits.len()..int_len {
                s.push('0');
            }
        } else {
            s.push_str(&digits[..int_len]);
            s.push('.');
            s.push_str(&digits[int_len..]);
        }
    }
    s
}

fn unsigned(t: &Type) -> bool {
    matches!(t, Type::Int(k) if !k.signed())
}

pub fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\x07' => o.push_str("\\a"),
            '\x08' => o.push_str("\\b"),
            '\x0c' => o.push_str("\\f"),
            '\x0b' => o.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                o.push_str(&format!("\\x{:02x}", c as u32))
            }
            '\u{FFFD}' => o.push_str("\\ufffd"),
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    o.push_str(&format!("\\u{:04x}", c as u32))
                } else {
                    o.push_str(&format!("\\U{:08x}", c as u32))
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn pad(out: &mut String, s: &str, spec: &Spec, numeric: bool) {
    let n = s.chars().count();
    let w = spec.width.unwrap_or(0);
    if n >= w {
        out.push_str(s);
    } else if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', w - n));
    } else if spec.zero && numeric {
        let (sign, rest) = if s.starts_with(['-', '+']) {
            s.split_at(1)
        } else {
            ("", s)
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', w - n));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', w - n));
        out.push_str(s);
    }
}

fn int_str(v: i64, t: &Type, verb: char, spec: &Spec) -> String {
    let uns = unsigned(t);
    let (neg, mag): (bool, u64) = if uns || v >= 0 {
        (false, v as u64)
    } else {
        (true, v.unsigned_abs())
    };
    let mut digits = match verb {
        'x' => format!("{mag:x}"),
        'X' => format!("{mag:X}"),
        'o' => format!("{mag:o}"),
        'b' => format!("{mag:b}"),
        _ => format!("{mag}"),
    };
    if let Some(p) = spec.prec
        && digits.len() < p
    {
        digits = "0".repeat(p - digits.len()) + &digits;
    }
    if spec.sharp && verb == 'x' {
        digits = format!("0x{digits}");
    }
    if neg {
        format!("-{digits}")
    } else if spec.plus && verb != 'v' {
        format!("+{digits}")
    } else if spec.space {
        format!(" {digits}")
    } else {
        digits
    }
}

fn float_str(f: f64, verb: char, spec: &Spec) -> String {
    let s = if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        }
    } else {
        match verb {
            'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f),
            'e' => {
                let s = format!("{:.*e}", spec.prec.unwrap_or(6), f);
                let (m, e) = s.split_once('e').expect("exponent");
                let e: i32 = e.parse().expect("int");
                format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
            }
            _ => match spec.prec {
                Some(p) => {
                    // %.Ng: N significant digits.
                    let s = format!("{:.*e}", p.max(1) - 1, f);
                    let v: f64 = s.parse().unwrap_or(f);
                    fmt_g(v)
                }
                None => fmt_g(f),
            },
        }
    };
    if spec.plus && verb != 'v' && !s.starts_with(['-', '+']) {
        format!("+{s}")
    } else {
        s
    }
}

/// Formats one operand with a verb. `out` receives the padded result.
pub fn format_arg(out: &mut String, v: &Value, t: &Type, verb: char, spec: &Spec) {
    match (v, t) {
        (Value::Slice(_) | Value::Array(_), Type::Slice(et) | Type::Array(_, et)) => {
            if verb == 's' && **et == Type::Int(IntK::U8) {
                let b: Vec<u8> = elems(v).iter().map(|x| x.int() as u8).collect();
                pad(out, &String::from_utf8_lossy(&b), spec, false);
                return;
            }
            out.push('[');
            for (i, e) in elems(v).iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(out, e, et, verb, spec);
            }
            out.push(']');
        }
        (Value::Struct(fs), Type::Struct(st)) => {
            out.push('{');
            for (i, (f, (name, ft))) in fs.iter().zip(&st.fields).enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if spec.plus && verb == 'v' {
                    out.push_str(name);
                    out.push(':');
                }
                format_arg(out, f, ft, verb, spec);
            }
            out.push('}');
        }
        (Value::Map(m), Type::Map(kt, vt)) => {
            out.push_str("map[");
            if let Some(m) = m {
                if maps::debug_maps() {
                    eprintln!("{}", maps::debug_line(m));
                }
                let mut es = maps::entries(m);
                es.sort_by(|a, b| compare(&a.0, &b.0, kt));
                for (i, (k, val)) in es.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    format_arg(out, k, kt, verb, spec);
                    out.push(':');
                    format_arg(out, val, vt, verb, spec);
                }
            }
            out.push(']');
        }
        (_, Type::Error) | (Value::Nil, _) => match v {
            Value::Str(s) => pad(out, s, spec, false),
            _ => pad(out, "<nil>", spec, false),
        },
        (Value::Func(f), _) => pad(out, if f.is_some() { "0x1" } else { "<nil>" }, spec, false),
        (Value::Bool(b), _) => match verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, spec, false),
            _ => bad_verb(out, verb, t, if *b { "true" } else { "false" }),
        },
        (Value::Int(i), _) => match verb {
            'v' | 'd' | 'x' | 'X' | 'o' | 'b' => pad(out, &int_str(*i, t, verb, spec), spec, true),
            'c' => pad(
                out,
                &char::from_u32(*i as u32).unwrap_or('\u{FFFD}').to_string(),
                spec,
                false,
            ),
            'q' => {
                let c = char::from_u32(*i as u32).unwrap_or('\u{FFFD}');
                let q = quote(&c.to_string());
                let inner = &q[1..q.len() - 1];
                let inner = if inner == "\\\"" {
                    "\""
                } else if c == '\'' {
                    "\\'"
                } else {
                    inner
                };
                pad(out, &format!("'{inner}'"), spec, false)
            }
            'f' | 'e' | 'g' | 's' => bad_verb(out, verb, t, &int_str(*i, t, 'd', &Spec::default())),
            _ => bad_verb(out, verb, t, &int_str(*i, t, 'd', &Spec::default())),
        },
        (Value::Float(f), _) => match verb {
            'v' | 'g' | 'f' | 'F' | 'e' => pad(out, &float_str(*f, verb, spec), spec, true),
            _ => bad_verb(out, verb, t, &fmt_g(*f)),
        },
        (Value::Str(s), _) => match verb {
            'v' | 's' => {
                let s: &str = match spec.prec {
                    Some(p) => match s.char_indices().nth(p) {
                        Some((i, _)) => &s[..i],
                        None => s,
                    },
                    None => s,
                };
                pad(out, s, spec, false)
            }
            'q' => pad(out, &quote(s), spec, false),
            'x' | 'X' => {
                let h: String = s
                    .bytes()
                    .map(|b| {
                        if verb == 'x' {
                            format!("{b:02x}")
                        } else {
                            format!("{b:02X}")
                        }
                    })
                    .collect();
                pad(out, &h, spec, false)
            }
            _ => bad_verb(out, verb, t, s),
        },
        _ => pad(out, "?", spec, false),
    }
}

fn bad_verb(out: &mut String, verb: char, t: &Type, shown: &str) {
    out.push_str(&format!("%!{verb}({t}={shown})"));
}

fn elems(v: &Value) -> Vec<Value> {
    match v {
        Value::Slice(s) => s.to_vec(),
        Value::Array(a) => a.to_vec(),
        _ => vec![],
    }
}

/// internal/fmtsort's order: numbers, strings, bools (false first), NaN before other floats,
/// arrays and structs element by element.
pub fn compare(a: &Value, b: &Value, t: &Type) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            if unsigned(t) {
                (*x as u64).cmp(&(*y as u64))
            } else {
                x.cmp(y)
            }
        }
        (Value::Float(x), Value::Float(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        },
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Struct(x), Value::Struct(y)) => {
            let Type::Struct(st) = t else {
                return Ordering::Equal;
            };
            for ((p, q), (_, ft)) in x.iter().zip(y.iter()).zip(&st.fields) {
                let c = compare(p, q, ft);
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }
        (Value::Array(x), Value::Array(y)) => {
            let Type::Array(_, et) = t else {
                return Ordering::Equal;
            };
            for (p, q) in x.iter().zip(y.iter()) {
                let c = compare(p, q, et);
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }
        _ => Ordering::Equal,
    }
}

/// Go's Printf family.
pub fn sprintf(format: &str, args: &[Value], tys: &[Type]) -> String {
    let mut out = String::new();
    let mut ai = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let num =
            |chars: &mut std::iter::Peekable<std::str::Chars>, ai: &mut usize| -> Option<usize> {
                if chars.peek() == Some(&'*') {
                    chars.next();
                    let v = args.get(*ai).map(|v| v.int() as usize);
                    *ai += 1;
                    return v;
                }
                let mut n = None;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    n = Some(n.unwrap_or(0) * 10 + d as usize);
                    chars.next();
                }
                n
            };
        spec.width = num(&mut chars, &mut ai);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(num(&mut chars, &mut ai).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(ai) {
            Some(v) => {
                let t = &tys[ai];
                if verb == 'T' {
                    out.push_str(&t.to_string());
                } else {
                    format_arg(&mut out, v, t, verb, &spec);
                }
            }
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        ai += 1;
    }
    if ai < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, (v, t)) in args[ai..].iter().zip(&tys[ai..]).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{t}="));
            format_arg(&mut out, v, t, 'v', &Spec::default());
        }
        out.push(')');
    }
    out
}

/// Println (spaces between all operands, newline) or Print (spaces only between operands
/// that are not strings).
pub fn sprint(args: &[Value], tys: &[Type], ln: bool) -> String {
    let mut out = String::new();
    for (i, (v, t)) in args.iter().zip(tys).enumerate() {
        if i > 0 && (ln || !(matches!(v, Value::Str(_)) || matches!(args[i - 1], Value::Str(_)))) {
            out.push(' ');
        }
        format_arg(&mut out, v, t, 'v', &Spec::default());
    }
    if ln {
        out.push('\n');
    }
    out
}

/// What `panic(v)` prints after "panic: ".
pub fn panic_value(v: &Value, t: &Type) -> String {
    match (v, t) {
        (Value::Str(s), Type::Error) => s.to_string(),
        (Value::Str(s), _) => s.to_string(),
        (Value::Float(f), _) => {
            let s = format!("{:.6e}", f);
            let (m, e) = s.split_once('e').expect("exponent");
            let e: i32 = e.parse().expect("int");
            let m = if m.starts_with('-') {
                m.to_string()
            } else {
                format!("+{m}")
            };
            format!("{m}e{}{:03}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        (Value::Int(_) | Value::Bool(_), _) => {
            let mut s = String::new();
            format_arg(&mut s, v, t, 'v', &Spec::default());
            if matches!(t, Type::Int(IntK::Int)) {
                s
            } else {
                format!("{t}({s})")
            }
        }
        (Value::Nil, _) => "nil".into(),
        _ => {
            let mut s = String::new();
            format_arg(&mut s, v, t, 'v', &Spec::default());
            format!("({t}) {s}")
        }
    }
}
