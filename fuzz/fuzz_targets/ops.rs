//! libFuzzer target: every input is a sequence of map operations, run by the driver shared
//! with `tests/fuzz_replay.rs` (decoder, model, checks: `tests/fuzzing/`).
#![no_main]

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzzing::run(data);
});
