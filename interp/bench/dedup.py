# CPython twin of bench/dedup.go: tuple keys in dicts.
import sys


def main():
    n = int(sys.stdin.read().split()[0])
    seen = {}
    seed = 42
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        p = (seed % 1000, (seed // 1000) % 1000)
        seen[p] = seen.get(p, 0) + 1
    maxc = 0
    for c in seen.values():
        if c > maxc:
            maxc = c
    names = ["ann", "bob", "cid", "dan", "eve", "fay", "gus", "hal"]
    tags = {}
    for i in range(n // 4):
        tags[(names[i % 8], i % 5000)] = True
    print(len(seen), maxc, len(tags))


main()
