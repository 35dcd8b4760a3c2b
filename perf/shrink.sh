#!/usr/bin/env bash
# The shrinking memory benchmark (issue 9): insert 1M u64 -> u64 entries, delete 99% of them,
# then ask for the memory back; bytes held at each point by Go 1.19's map, gohmap (through its
# C ABI), hashbrown and std's HashMap. Builds perf/go/shrink_bytes.go and the `shrink_bytes`
# binary of gohmap-perf (release), runs both, checks they ran the same workload, and writes
# one table to docs/shrinking.md (and stdout).
#
#   perf/shrink.sh                 write docs/shrinking.md
#   perf/shrink.sh --out DIR       write DIR/shrinking.md instead
#
# Environment: GO (the Go 1.19 binary; default /usr/lib/go-1.19/bin/go, else `go` on PATH if
# it is go1.19), CARGO_TARGET_DIR (default: target/). If Go 1.19 is not installed the script
# says so (and how to install it) and still reports the rest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/docs"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "shrink.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/gohmap-shrink.XXXXXX)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

# ---- Go 1.19 --------------------------------------------------------------------------------
GO="${GO:-}"
if [ -z "$GO" ]; then
    if [ -x /usr/lib/go-1.19/bin/go ]; then
        GO=/usr/lib/go-1.19/bin/go
    elif command -v go >/dev/null 2>&1 && go version 2>/dev/null | grep -q 'go1\.19'; then
        GO="$(command -v go)"
    fi
fi
GO_OK=0
GO_NOTE=""
if [ -z "$GO" ] || [ ! -x "$GO" ]; then
    GO_NOTE="Go 1.19 is not installed, so the Go rows are missing. Install it with: apt-get install -y golang-1.19-go (it lands in /usr/lib/go-1.19/bin/go), then rerun perf/shrink.sh."
    echo "shrink.sh: $GO_NOTE" >&2
else
    echo "shrink.sh: building perf/go/shrink_bytes.go with $("$GO" version)" >&2
    if (cd "$ROOT/perf/go" && GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" GOPROXY=off \
            GO111MODULE=off "$GO" build -o "$WORK/shrink_bytes_go" shrink_bytes.go); then
        GO_OK=1
    else
        GO_NOTE="Building perf/go/shrink_bytes.go failed (see stderr), so the Go rows are missing."
        echo "shrink.sh: $GO_NOTE" >&2
    fi
fi

# ---- the Rust side --------------------------------------------------------------------------
echo "shrink.sh: cargo build --release -j1 -p gohmap-perf --bin shrink_bytes" >&2
cargo build --release -j1 -p gohmap-perf --bin shrink_bytes >&2

# ---- run both, one after the other ----------------------------------------------------------
T0=$(date +%s)
: > "$WORK/go.txt"
if [ "$GO_OK" = 1 ]; then
    echo "shrink.sh: running Go 1.19" >&2
    "$WORK/shrink_bytes_go" > "$WORK/go.txt"
    cat "$WORK/go.txt" >&2
fi
echo "shrink.sh: running gohmap, hashbrown, std" >&2
"$TARGET/release/shrink_bytes" > "$WORK/rust.txt"
cat "$WORK/rust.txt" >&2
T1=$(date +%s)

# Both programs print the workload's fingerprint first; they must agree.
RUST_WL="$(grep '^workload ' "$WORK/rust.txt")"
if [ "$GO_OK" = 1 ]; then
    GO_WL="$(grep '^workload ' "$WORK/go.txt")"
    if [ "$GO_WL" != "$RUST_WL" ]; then
        echo "shrink.sh: THE WORKLOADS DIFFER:" >&2
        printf '  go:   %s\n  rust: %s\n' "$GO_WL" "$RUST_WL" >&2
        exit 1
    fi
    WL_NOTE="identical in Go and Rust (\`$RUST_WL\`)"
else
    WL_NOTE="not compared (Go not run): \`$RUST_WL\`"
fi

# ---- the report -----------------------------------------------------------------------------
MD="$OUT/shrinking.md"
{
    cat <<'EOF'
# Shrinking: bytes held after deleting 99% of a map

Workload (`perf/shrink.sh`): a `u64 -> u64` map, grown from empty by inserting 1,000,000 keys
(`i * 0x9E3779B97F4A7C15`), then 990,000 of them deleted in a scrambled order (a SplitMix64
Fisher-Yates shuffle), leaving 10,000. Bytes are measured after the inserts, after the deletes,
and after an explicit request to give memory back.

| map | bytes after 1M inserts | bytes after 990k deletes | bytes after explicit shrink | bytes / remaining entry | ns / insert | ns / delete | explicit shrink took |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
    grep '^|' "$WORK/go.txt" || true
    grep '^|' "$WORK/rust.txt"
    cat <<'EOF'

How to read it. Each map has two rows: the first is the map as the deletes leave it (its
"bytes / remaining entry" is the after-deletes figure divided by 10,000), the second is the
same map after the explicit request (that figure divided by 10,000). Go 1.19's figures are
`runtime.MemStats.HeapAlloc` after two `runtime.GC()` calls minus a baseline taken before the
map was made; its explicit shrink is the only one Go has, copying the survivors into a new map
made with `len(m)` as hint and dropping the old one. gohmap's figures are `gohmap_mapstats`'s
`bytes`, which the benchmark checks, at every point and to the byte, against a counting
allocator installed through gohmap's own allocator hook; its explicit request is
`gohmap_mapshrink`. hashbrown's and std's figures come from a counting `#[global_allocator]`
(for hashbrown also checked equal to `allocation_size()`); their explicit request is
`shrink_to_fit`. None of the Rust-side counts include malloc's own headers and rounding; Go's
include its size classes. Times are the best of 3 runs of the whole workload (bytes are the
first run's); this machine's clock is unreliable, so read them as rough ratios only.

How gohmap shrinks ([`src/shrink.rs`](../src/shrink.rs)). Go's map never gives memory back
(golang/go#20135): after the deletes it still holds every bucket it grew to. gohmap shrinks.
After a delete, a map with at least 16 buckets that holds fewer than an eighth of the entries
it would grow at (and that no iterator pins) shrinks. A big map (over 16384 buckets) starts an
incremental *shrink*: a grow towards a quarter of the buckets, where old buckets `i + m * 2^B`
(`m` = 0..3) evacuate into new bucket `i` (thirty-two old buckets in order per later delete or
insert; an insert also moves the four feeding the bucket it writes), as a grow evacuates, and
without calling the hasher (maps whose keys may be NaNs halve instead); a large drop shrinks
one quartering after another, so during the deletes the map walks down from `B = 18` and the
extra work shows up in the per-delete time. A map of up to 16384 buckets shrinks in one
step inside the delete, straight to the smallest array that holds its entries at under half
load (a pause bounded by copying 16384 buckets). Either way the map is left at most half
loaded, so a map oscillating around one size never thrashes between growing and shrinking;
the price is that automatic shrinking stops while the map is still up to 8 times larger than
`make` would make it for its length (and a big map may be mid-shrink when the deletes end,
holding both arrays; see the notes). `gohmap_mapshrink` finishes the job on request: it
completes any grow or shrink in progress and shrinks until the array is the size
`gohmap_makemap` would pick for `len(m)`, all before returning. `gohmap_mapclear_release`
empties a map and returns every bucket.

hashbrown (and std, which is hashbrown) never shrinks on deletes; `shrink_to_fit` rebuilds the
table at the smallest capacity that fits the entries, rehashing them into a new allocation.
EOF
    echo
    echo "Notes from this run:"
    echo
    grep -h '^note: ' "$WORK/go.txt" "$WORK/rust.txt" | sed 's/^note: /- /'
    echo "- Workload: $WL_NOTE."
    [ -z "$GO_NOTE" ] || echo "- $GO_NOTE"
    echo "- Command: \`perf/shrink.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), ran in $((T1 - T0)) s; $(nproc) CPUs; $(uname -m)."
} > "$MD"
echo "shrink.sh: wrote $MD (work files in $WORK)" >&2
cat "$MD"
