# CPython twin of examples/graph.go: same LCG graph in a dict of lists, BFS with a dist dict.
import sys


def main():
    data = sys.stdin.read().split()
    n, edges_per_node = int(data[0]), int(data[1])
    graph = {}
    seed = 12345

    def id_(i):
        return i * 7919 + 3

    for i in range(n):
        for _ in range(edges_per_node):
            seed = (seed * 1103515245 + 12345) % 2147483648
            j = seed % n
            graph.setdefault(id_(i), []).append(id_(j))
    dist = {id_(0): 0}
    queue = [id_(0)]
    qi = 0
    while qi < len(queue):
        v = queue[qi]
        qi += 1
        for w in graph.get(v, ()):
            if w not in dist:
                dist[w] = dist[v] + 1
                queue.append(w)
    maxd = 0
    total = 0
    hist = {}
    for d in dist.values():
        total += d
        if d > maxd:
            maxd = d
        hist[d] = hist.get(d, 0) + 1
    print("nodes:", len(graph), "reached:", len(dist), "max distance:", maxd, "sum:", total)
    print("per distance: map[" + " ".join(f"{k}:{hist[k]}" for k in sorted(hist)) + "]")


main()
