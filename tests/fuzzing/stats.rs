//! What an input exercised: counters the replay test reads to show that the driver still
//! reaches every path it checks.

/// What an input exercised (for the replay test to show the driver reaches each path).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Operations that reported out of memory (and were checked to change nothing).
    pub oom: usize,
    /// Entries produced by iterations and checked against the model.
    pub produced: usize,
    /// Of which NaN keys.
    pub produced_nans: usize,
    /// Iterations that ran to their natural end (promise 1 checked).
    pub completed: usize,
    /// Iterations ended by a clear (promise 6 checked).
    pub ended_by_clear: usize,
    /// Assigns and lookups through the fast routines.
    pub fast_calls: usize,
    /// Successful clones compared with the model.
    pub clones: usize,
    /// Steps after which some map was in the middle of a grow.
    pub growing_steps: usize,
    /// `mapshrink` calls that made the map smaller.
    pub shrinks: usize,
}

thread_local! {
    static STATS: std::cell::Cell<Stats> = const { std::cell::Cell::new(Stats {
        oom: 0, produced: 0, produced_nans: 0, completed: 0, ended_by_clear: 0,
        fast_calls: 0, clones: 0, growing_steps: 0, shrinks: 0,
    }) };
}

pub fn count(f: impl FnOnce(&mut Stats)) {
    STATS.with(|c| {
        let mut s = c.get();
        f(&mut s);
        c.set(s);
    });
}

/// Starts counting afresh.
pub fn reset() {
    STATS.with(|c| c.set(Stats::default()));
}

/// The counts since the last reset.
pub fn get() -> Stats {
    STATS.with(std::cell::Cell::get)
}
