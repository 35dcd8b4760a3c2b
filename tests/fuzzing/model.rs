//! The model of one map, and of one running iteration with the promises it must keep.

use std::collections::{HashMap, HashSet};

/// What a map holds: canonical key -> (the key bytes stored last, the value), and the NaN
/// entries (never found, never deleted, only cleared) by their unique value.
#[derive(Clone, Default, Debug)]
pub struct Model {
    pub live: HashMap<Vec<u8>, (Vec<u8>, u64)>,
    pub nans: HashMap<u64, Vec<u8>>,
}

impl Model {
    /// `len(m)`.
    pub fn len(&self) -> usize {
        self.live.len() + self.nans.len()
    }
}

/// A running iteration. Go's promises (numbered as in `gohmap::iter`): an entry present at
/// the start and never deleted is produced exactly once (1); nothing is produced twice unless
/// it was deleted and inserted again in between (3); what is produced is in the map now, with
/// its current key and value (2, 4); after a clear of a non-empty map nothing more (6).
pub struct IterState {
    /// The caller-owned iterator: boxed, since it must not move while the iteration runs.
    pub it: Box<gohmap::iter::Hiter>,
    /// Entries that must still be produced (present at the start, not deleted since).
    pub must: HashSet<Vec<u8>>,
    pub must_nans: HashSet<u64>,
    /// Entries produced and not deleted since.
    pub produced: HashSet<Vec<u8>>,
    pub produced_nans: HashSet<u64>,
    /// The map was cleared while it held entries: the next step must end the iteration.
    pub cleared: bool,
}

impl IterState {
    /// An iteration starting on a map holding `m`.
    pub fn new(m: &Model) -> IterState {
        IterState {
            it: Box::new(gohmap::iter::Hiter::done()),
            must: m.live.keys().cloned().collect(),
            must_nans: m.nans.keys().copied().collect(),
            produced: HashSet::new(),
            produced_nans: HashSet::new(),
            cleared: false,
        }
    }

    /// The map deleted `c`: it need not be produced any more, and may be produced again if
    /// it is inserted again.
    pub fn deleted(&mut self, c: &[u8]) {
        self.must.remove(c);
        self.produced.remove(c);
    }

    /// Records that `c` (`None`: the NaN entry with value `v`) was produced; false if it had
    /// been produced already.
    pub fn produce(&mut self, c: Option<&Vec<u8>>, v: u64) -> bool {
        match c {
            Some(c) => {
                self.must.remove(c);
                self.produced.insert(c.clone())
            }
            None => {
                self.must_nans.remove(&v);
                self.produced_nans.insert(v)
            }
        }
    }
}
