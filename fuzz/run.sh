#!/usr/bin/env bash
# Fuzzes gohmap for a set time: fuzz/run.sh [seconds]   (default 60)
#
# Builds the libFuzzer target `ops` (fuzz_targets/ops.rs: the driver in tests/fuzzing/) with
# cargo-fuzz on the nightly toolchain, AddressSanitizer and debug assertions, and runs it on one
# core over fuzz/corpus/ops (where new inputs go) and fuzz/seeds (the hand-made seeds). Prints
# the number of executions. Exits non-zero if the fuzzer found a crash (the input is saved in
# fuzz/artifacts/ops/; reproduce with `cargo +nightly fuzz run ops <file>`).
#
# Installs cargo-fuzz if missing. If the nightly toolchain or cargo-fuzz cannot be had, or the
# target does not build here, it says so and exits 0: `cargo test --test fuzz_replay` runs the
# same checks over the committed corpus and seeds on any toolchain.
#
# Environment: FUZZ_SANITIZER=none|address (default address), FUZZ_MAX_LEN (default 512).
set -uo pipefail
secs="${1:-60}"
cd "$(dirname "$0")"
skip() {
  echo "fuzz/run.sh: $1; not fuzzing."
  echo "fuzz/run.sh: the corpus replay test (cargo test --test fuzz_replay) covers the same checks."
  exit 0
}

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal >/dev/null 2>&1 \
    || skip "the nightly toolchain is not installed and could not be installed"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz"
  cargo install cargo-fuzz --locked -j1 >/dev/null 2>&1 \
    || skip "cargo-fuzz is not installed and could not be installed"
fi

flags=(-O -a --no-trace-compares --sanitizer "${FUZZ_SANITIZER:-address}")
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo +nightly fuzz build "${flags[@]}" ops \
  || skip "the fuzz target does not build with this toolchain"

mkdir -p corpus/ops
log="$(mktemp)"
cargo +nightly fuzz run "${flags[@]}" ops corpus/ops seeds -- \
  -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-512}" -timeout=30 -print_final_stats=1 \
  2>&1 | tee "$log" | grep -E '^#[0-9]+[[:space:]]+(pulse|DONE|INITED)|ERROR|panicked|SUMMARY'
rc="${PIPESTATUS[0]}"
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
echo "fuzz/run.sh: ${execs:-?} executions in ${secs}s, exit status $rc"
if [ "$rc" != 0 ]; then
  echo "fuzz/run.sh: the fuzzer failed; the log is in $log and the input in fuzz/artifacts/ops/"
  tail -60 "$log"
  exit "$rc"
fi
rm -f "$log"
