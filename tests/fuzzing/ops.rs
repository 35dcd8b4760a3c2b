//! The input format: a byte string is a sequence of operations, each an opcode byte (taken
//! modulo 15, so every byte is an opcode; its top bit picks a variant of some) followed by its
//! argument bytes.
//! A truncated last operation is dropped. `encode` is the inverse, for writing seeds.

/// One step of the driver. `m` picks a live map (modulo their number), `key` a key index,
/// `it` one of the map's running iterations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `m[k] = v` through the generic routine, or the fast one when `fast` and the type has one.
    Assign { m: u8, key: u8, fast: bool },
    /// `v := m[k]` (`two`: `v, ok := m[k]`).
    Access {
        m: u8,
        key: u8,
        fast: bool,
        two: bool,
    },
    /// `delete(m, k)`.
    Delete { m: u8, key: u8, fast: bool },
    /// Starts an iteration (ending the oldest if the map already has two running).
    IterInit { m: u8 },
    /// Steps a running iteration `steps % 32 + 1` times, or to its end when `steps >= 200`.
    IterNext { m: u8, it: u8, steps: u8 },
    /// Ends a running iteration early (`mapiterdone`).
    IterDone { m: u8, it: u8 },
    /// `clear(m)`.
    Clear { m: u8 },
    /// `mapclear_release`: clear and give every bucket back.
    ClearRelease { m: u8 },
    /// `maps.Clone(m)`, compared with the model, then kept as another live map.
    Clone { m: u8 },
    /// Frees the map and replaces it by a new empty one of the same type made with a hint.
    Remake { m: u8, hint: u8 },
    /// Makes another map of kind `kind` (replacing the last one when four are live).
    Make { kind: u8, hint: u8 },
    /// Assigns keys `start .. start + 2 * count`, alternating fast and generic routines.
    BulkAssign { m: u8, start: u8, count: u8 },
    /// Deletes keys `start .. start + 2 * count`.
    BulkDelete { m: u8, start: u8, count: u8 },
    /// Makes allocation number `n % 24 + 1` from now fail.
    FailAlloc { n: u8 },
    /// Compares the whole map with the model (an iteration and a lookup of every key).
    Check { m: u8 },
    /// `mapshrink`: refused while an iteration pins the map, else halves it down to the size
    /// `makemap` would pick for its length.
    Shrink { m: u8 },
    /// One of the nil-map operations on a nil map of kind `kind`.
    Nil { kind: u8, which: u8 },
}

const NOPS: u8 = 15;

/// Reads bytes; `None` once the input is used up.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
}

/// The operations `data` encodes, at most `limit` of them.
pub fn decode(data: &[u8], limit: usize) -> Vec<Op> {
    let mut r = Reader(data);
    let mut ops = vec![];
    while ops.len() < limit {
        match decode_one(&mut r) {
            Some(op) => ops.push(op),
            None => break,
        }
    }
    ops
}

fn decode_one(r: &mut Reader) -> Option<Op> {
    let code = r.byte()?;
    let op = match code % NOPS {
        0 => Op::Assign {
            m: r.byte()?,
            key: r.byte()?,
            fast: code >= 128,
        },
        1 => {
            let (m, key, flags) = (r.byte()?, r.byte()?, r.byte()?);
            Op::Access {
                m,
                key,
                fast: flags & 1 != 0,
                two: flags & 2 != 0,
            }
        }
        2 => Op::Delete {
            m: r.byte()?,
            key: r.byte()?,
            fast: code >= 128,
        },
        3 => Op::IterInit { m: r.byte()? },
        4 => Op::IterNext {
            m: r.byte()?,
            it: r.byte()?,
            steps: r.byte()?,
        },
        5 => Op::IterDone {
            m: r.byte()?,
            it: r.byte()?,
        },
        6 if code >= 128 => Op::ClearRelease { m: r.byte()? },
        6 => Op::Clear { m: r.byte()? },
        7 => Op::Clone { m: r.byte()? },
        8 => Op::Remake {
            m: r.byte()?,
            hint: r.byte()?,
        },
        9 => Op::Make {
            kind: r.byte()?,
            hint: r.byte()?,
        },
        10 => Op::BulkAssign {
            m: r.byte()?,
            start: r.byte()?,
            count: r.byte()?,
        },
        11 => Op::BulkDelete {
            m: r.byte()?,
            start: r.byte()?,
            count: r.byte()?,
        },
        12 => Op::FailAlloc { n: r.byte()? },
        13 if code >= 128 => Op::Shrink { m: r.byte()? },
        13 => Op::Check { m: r.byte()? },
        _ => Op::Nil {
            kind: r.byte()?,
            which: r.byte()?,
        },
    };
    Some(op)
}

/// The bytes that decode to `ops`.
pub fn encode(ops: &[Op]) -> Vec<u8> {
    let mut out = vec![];
    for &op in ops {
        // 135 = 9 * NOPS: the same opcode with the top bit set (the fast routine for assign
        // and delete, the releasing clear, shrink instead of check).
        let fast_bit = |code: u8, fast: bool| if fast { code + 9 * NOPS } else { code };
        let bytes: Vec<u8> = match op {
            Op::Assign { m, key, fast } => vec![fast_bit(0, fast), m, key],
            Op::Access { m, key, fast, two } => vec![1, m, key, fast as u8 | (two as u8) << 1],
            Op::Delete { m, key, fast } => vec![fast_bit(2, fast), m, key],
            Op::IterInit { m } => vec![3, m],
            Op::IterNext { m, it, steps } => vec![4, m, it, steps],
            Op::IterDone { m, it } => vec![5, m, it],
            Op::Clear { m } => vec![6, m],
            Op::ClearRelease { m } => vec![fast_bit(6, true), m],
            Op::Clone { m } => vec![7, m],
            Op::Remake { m, hint } => vec![8, m, hint],
            Op::Make { kind, hint } => vec![9, kind, hint],
            Op::BulkAssign { m, start, count } => vec![10, m, start, count],
            Op::BulkDelete { m, start, count } => vec![11, m, start, count],
            Op::FailAlloc { n } => vec![12, n],
            Op::Check { m } => vec![13, m],
            Op::Shrink { m } => vec![fast_bit(13, true), m],
            Op::Nil { kind, which } => vec![14, kind, which],
        };
        out.extend(bytes);
    }
    out
}

/// The hint a hint byte stands for: zero, small, large, negative (ignored) or absurd (ignored).
pub fn hint(b: u8) -> isize {
    match b % 5 {
        0 => 0,
        1 => isize::from(b),
        2 => isize::from(b) * 8,
        3 => -isize::from(b),
        _ if b == 254 => isize::MAX,
        _ => isize::from(b % 9),
    }
}
