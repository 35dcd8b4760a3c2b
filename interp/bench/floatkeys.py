# CPython twin of bench/floatkeys.go: float keys in a dict.
import sys


def main():
    n = int(sys.stdin.read().split()[0])
    m = {}
    for i in range(n):
        k = (i % 50000) / 8
        m[k] = m.get(k, 0) + i % 7
    hits = 0
    for i in range(n):
        if (i % 100000) / 8 in m:
            hits += 1
    total = 0
    for k, v in m.items():
        if k < 100:
            total += v
    print(len(m), hits, total)


main()
