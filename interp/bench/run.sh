#!/bin/sh
# Runs each map-heavy example beside its CPython twin (same algorithm, dicts) and prints the
# time ratio. Usage: interp/bench/run.sh   (from anywhere; builds gomini --release first)
# GOMINI=/path/to/gomini skips the build and times that binary instead.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -n "$GOMINI" ]; then
    gomini=$GOMINI
else
    (cd "$root" && cargo build -j1 --release -p gomini >/dev/null 2>&1)
    gomini="$root/target/release/gomini"
fi
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" "$here/gen_words.py" 1000000 > "$tmp/words.txt"
echo "300000 3" > "$tmp/graph.in"
echo 1000000 > "$tmp/n1m.in"
echo 400000 > "$tmp/n400k.in"

# best of 3 wall-clock seconds
best() {
    b=""
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        "$@" > "$tmp/out" 2>&1
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}

printf '%-10s %10s %10s %8s  %s\n' program gomini_s cpython_s ratio "same output"
row() {
    name=$1 go=$2 pyf=$3 input=$4
    tg=$(best sh -c "'$gomini' '$go' < '$input'")
    cp "$tmp/out" "$tmp/go.out"
    tp=$(best sh -c "'$py' '$pyf' < '$input'")
    same=no
    cmp -s "$tmp/out" "$tmp/go.out" && same=yes
    printf '%-10s %10.3f %10.3f %7.2fx  %s\n' "$name" "$tg" "$tp" "$(echo "$tp / $tg" | bc -l)" "$same"
}
row wordfreq "$root/interp/examples/wordfreq.go" "$here/wordfreq.py" "$tmp/words.txt"
row graph "$root/interp/examples/graph.go" "$here/graph.py" "$tmp/graph.in"
row dedup "$here/dedup.go" "$here/dedup.py" "$tmp/n1m.in"
row floatkeys "$here/floatkeys.go" "$here/floatkeys.py" "$tmp/n1m.in"
row nested "$here/nested.go" "$here/nested.py" "$tmp/n400k.in"
echo "ratio = CPython time / gomini time (above 1.00x: gomini is faster)"
