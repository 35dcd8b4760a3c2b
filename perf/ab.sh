#!/usr/bin/env bash
# A/B of two builds of the side-by-side driver on one cell, the way to judge a change on a
# noisy machine: the two binaries alternate, one process per run (as perf/run.sh runs cells,
# so allocator and page state start fresh each time), and the minimum ns/op of each side over
# the rounds is compared.
#
#   perf/ab.sh OLD_BINARY NEW_BINARY KEYS SIZES OPS [ROUNDS]
#   e.g. cp target/release/sidebyside /tmp/side-old; (change, cargo build --release -p gohmap-perf)
#        perf/ab.sh /tmp/side-old target/release/sidebyside u64 1048576 delete_all 4
#
# Prints one line per cell: old and new minimum ns/op and new/old. Environment: MINREP_MS
# (default 200), REPS (default 3).
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
OLD=$1 NEW=$2 KEYS=$3 SIZES=$4 OPS=$5 ROUNDS=${6:-3}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for _ in $(seq 1 "$ROUNDS"); do
    for side in old new; do
        bin=$OLD; [ "$side" = new ] && bin=$NEW
        "$bin" -impls gohmap -keys "$KEYS" -sizes "$SIZES" -ops "$OPS" -reps "${REPS:-3}" \
            -minrep_ms "${MINREP_MS:-200}" | { grep -v '^#' || true; } | sed "s/^/$side /" >> "$OUT"
    done
done
# Lines: "<side> gohmap <op> <key> <n> <ns>".
awk '{ cell = $3 " " $4 " " $5
       if (!(cell in seen)) { seen[cell] = 1; order[++n] = cell }
       k = $1 SUBSEP cell
       if (!(k in best) || $6 < best[k]) best[k] = $6 }
     END { for (i = 1; i <= n; i++) { c = order[i]; o = best["old" SUBSEP c]; w = best["new" SUBSEP c]
           printf "%-32s old %9.2f  new %9.2f  new/old %.3f\n", c, o, w, w / o } }' "$OUT"
