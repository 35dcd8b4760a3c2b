# CPython twin of bench/nested.go: dict of dicts.
import sys


def main():
    n = int(sys.stdin.read().split()[0])
    adj = {}
    seed = 7
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        a = seed % 5000
        b = (seed // 5000) % 5000
        row = adj.get(a)
        if row is None:
            row = {}
            adj[a] = row
        row[b] = row.get(b, 0) + 1
    edges = 0
    total = 0
    for row in adj.values():
        edges += len(row)
        for c in row.values():
            total += c
    print(len(adj), edges, total)


main()
