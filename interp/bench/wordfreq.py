# CPython twin of examples/wordfreq.go: count words from stdin in a dict, print the top 10.
import sys


def main():
    counts = {}
    total = 0
    for line in sys.stdin:
        for w in line.split():
            w = w.lower()
            counts[w] = counts.get(w, 0) + 1
            total += 1
    entries = sorted(counts.items(), key=lambda e: (-e[1], e[0]))
    print(f"{total} words, {len(counts)} distinct")
    for w, c in entries[:10]:
        print(f"{w:<12s} {c:6d}")


main()
