//! Tokens and the lexer, with Go's automatic semicolon insertion.

use crate::ast::Pos;

/// A token kind. Operators and keywords are kept as their source text in `Op`/`Kw` so the parser
/// can match on string slices; that keeps this file short.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(u128),
    Float(f64),
    Char(i64),
    Str(String),
    Kw(&'static str),
    Op(&'static str),
    Semi,
    Eof,
}

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

// Longest first, so the scanner can take the first match.
const OPS: &[&str] = &[
    "<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=", ">=", ":=", "+=",
    "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "&^", "+", "-", "*", "/", "%", "&", "|",
    "^", "<", ">", "=", "!", "(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "~",
];

/// Splits `src` into tokens with positions, or a `line:col: message` syntax error.
pub fn lex(src: &str) -> Result<Vec<(Tok, Pos)>, (Pos, String)> {
    let b = src.as_bytes();
    let mut out: Vec<(Tok, Pos)> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let needs_semi = |out: &Vec<(Tok, Pos)>| match out.last() {
        Some((Tok::Ident(_) | Tok::Int(_) | Tok::Float(_) | Tok::Char(_) | Tok::Str(_), _)) => true,
        Some((Tok::Kw(k), _)) => matches!(*k, "break" | "continue" | "fallthrough" | "return"),
        Some((Tok::Op(o), _)) => matches!(*o, "++" | "--" | ")" | "]" | "}"),
        _ => false,
    };
    while i < b.len() {
        let c = b[i];
        let pos = Pos { line, col };
        if c == b'\n' {
            if needs_semi(&out) {
                out.push((Tok::Semi, pos));
            }
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            col += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut nl = false;
            i += 2;
            col += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    nl = true;
                    line += 1;
                    col = 1;
                } else {
                    col += 1;
                }
                i += 1;
            }
            if i >= b.len() {
                return Err((pos, "comment not terminated".into()));
            }
            i += 2;
            col += 2;
            if nl && needs_semi(&out) {
                out.push((Tok::Semi, pos));
            }
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            let w = &src[start..i];
            let t = match KEYWORDS.iter().find(|k| **k == w) {
                Some(k) => Tok::Kw(k),
                None => Tok::Ident(w.to_string()),
            };
            col += w.chars().count() as u32;
            out.push((t, pos));
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let t = lex_number(b, &mut i).map_err(|m| (pos, m))?;
            col += (i - start) as u32;
            out.push((t, pos));
            continue;
        }
        if c == b'"' {
            i += 1;
            let mut s = Vec::new();
            loop {
                match b.get(i) {
                    None | Some(b'\n') => {
                        return Err((pos, "string literal not terminated".into()));
                    }
                    Some(b'"') => break,
                    Some(b'\\') => {
                        let r = lex_escape(b, &mut i, b'"').map_err(|m| (pos, m))?;
                        push_escape(&mut s, r);
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            col += src[start..i].chars().count() as u32;
            let s = String::from_utf8(s)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into());
            out.push((Tok::Str(s), pos));
            continue;
        }
        if c == b'`' {
            i += 1;
            while i < b.len() && b[i] != b'`' {
                if b[i] == b'\n' {
                    line += 1;
                    col = 0;
                }
                col += 1;
                i += 1;
            }
            if i >= b.len() {
                return Err((pos, "raw string literal not terminated".into()));
            }
            let s = src[start + 1..i].replace('\r', "");
            i += 1;
            col += 2;
            out.push((Tok::Str(s), pos));
            continue;
        }
        if c == b'\'' {
            i += 1;
            let r = match b.get(i) {
                Some(b'\\') => match lex_escape(b, &mut i, b'\'').map_err(|m| (pos, m))? {
                    Esc::Rune(r) => r as i64,
                    Esc::Byte(x) => x as i64,
                },
                Some(_) => {
                    let ch = src[i..].chars().next().unwrap_or('\0');
                    i += ch.len_utf8();
                    ch as i64
                }
                None => return Err((pos, "rune literal not terminated".into())),
            };
            if b.get(i) != Some(&b'\'') {
                return Err((pos, "rune literal not terminated".into()));
            }
            i += 1;
            col += src[start..i].chars().count() as u32;
            out.push((Tok::Char(r), pos));
            continue;
        }
        match OPS.iter().find(|o| src[i..].starts_with(**o)) {
            Some(o) => {
                i += o.len();
                col += o.len() as u32;
                out.push((Tok::Op(o), pos));
            }
            None => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err((pos, format!("invalid character {ch:?}")));
            }
        }
    }
    if needs_semi(&out) {
        out.push((Tok::Semi, Pos { line, col }));
    }
    out.push((Tok::Eof, Pos { line, col }));
    Ok(out)
}

enum Esc {
    Rune(u32),
    Byte(u8),
}

fn push_escape(s: &mut Vec<u8>, e: Esc) {
    match e {
        Esc::Byte(x) => s.push(x),
        Esc::Rune(r) => {
            let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
            let mut buf = [0u8; 4];
            s.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn lex_escape(b: &[u8], i: &mut usize, quote: u8) -> Result<Esc, String> {
    *i += 1; // the backslash
    let c = *b.get(*i).ok_or("escape sequence not terminated")?;
    *i += 1;
    let hex = |i: &mut usize, n: usize| -> Result<u32, String> {
        let s = b.get(*i..*i + n).ok_or("escape sequence not terminated")?;
        let s = std::str::from_utf8(s).map_err(|_| "invalid escape")?;
        *i += n;
        u32::from_str_radix(s, 16).map_err(|_| "invalid character in escape sequence".to_string())
    };
    Ok(match c {
        b'n' => Esc::Byte(b'\n'),
        b't' => Esc::Byte(b'\t'),
        b'r' => Esc::Byte(b'\r'),
        b'a' => Esc::Byte(7),
        b'b' => Esc::Byte(8),
        b'f' => Esc::Byte(12),
        b'v' => Esc::Byte(11),
        b'\\' => Esc::Byte(b'\\'),
        b'x' => Esc::Byte(hex(i, 2)? as u8),
        b'u' => Esc::Rune(hex(i, 4)?),
        b'U' => Esc::Rune(hex(i, 8)?),
        b'0'..=b'7' => {
            let s = b
                .get(*i - 1..*i + 2)
                .ok_or("escape sequence not terminated")?;
            *i += 2;
            let s = std::str::from_utf8(s).map_err(|_| "invalid escape")?;
            Esc::Byte(u8::from_str_radix(s, 8).map_err(|_| "invalid octal escape")?)
        }
        q if q == quote => Esc::Byte(q),
        _ => return Err("unknown escape sequence".into()),
    })
}

fn lex_number(b: &[u8], i: &mut usize) -> Result<Tok, String> {
    let start = *i;
    if b[*i] == b'0' && matches!(b.get(*i + 1), Some(b'x' | b'X' | b'b' | b'B' | b'o' | b'O')) {
        let radix = match b[*i + 1] {
            b'x' | b'X' => 16,
            b'b' | b'B' => 2,
            _ => 8,
        };
        *i += 2;
        while *i < b.len() && (b[*i].is_ascii_hexdigit() || b[*i] == b'_') {
            *i += 1;
        }
        let s: String = b[start + 2..*i]
            .iter()
            .filter(|c| **c != b'_')
            .map(|c| *c as char)
            .collect();
        return u128::from_str_radix(&s, radix)
            .map(Tok::Int)
            .map_err(|_| "invalid integer literal".into());
    }
    let mut float = false;
    while *i < b.len() {
        let c = b[*i];
        if c.is_ascii_digit() || c == b'_' {
            *i += 1;
        } else if c == b'.' {
            float = true;
            *i += 1;
        } else if c == b'e' || c == b'E' {
            float = true;
            *i += 1;
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
        } else {
            break;
        }
    }
    let s: String = b[start..*i]
        .iter()
        .filter(|c| **c != b'_')
        .map(|c| *c as char)
        .collect();
    if float {
        s.parse::<f64>()
            .map(Tok::Float)
            .map_err(|_| "invalid floating-point literal".into())
    } else if s.len() > 1 && s.starts_with('0') {
        u128::from_str_radix(&s[1..], 8)
            .map(Tok::Int)
            .map_err(|_| "invalid octal literal".into())
    } else {
        s.parse::<u128>()
            .map(Tok::Int)
            .map_err(|_| "integer literal too large".into())
    }
}
