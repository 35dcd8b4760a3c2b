// Breadth-first search over a generated graph held in map[int][]int (gohmap's fast64
// routines), with the distances in a second map. The graph size comes from stdin.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func readInt(sc *bufio.Scanner) int {
	sc.Scan()
	n, err := strconv.Atoi(sc.Text())
	if err != nil {
		panic(err)
	}
	return n
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Split(bufio.ScanWords)
	n := readInt(sc)
	edgesPerNode := readInt(sc)

	// A deterministic pseudo-random graph (LCG), keyed by sparse node ids.
	graph := make(map[int][]int)
	seed := 12345
	next := func() int {
		seed = (seed*1103515245 + 12345) % 2147483648
		return seed
	}
	id := func(i int) int { return i*7919 + 3 }
	for i := 0; i < n; i++ {
		for e := 0; e < edgesPerNode; e++ {
			j := next() % n
			graph[id(i)] = append(graph[id(i)], id(j))
		}
	}

	dist := map[int]int{id(0): 0}
	queue := []int{id(0)}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range graph[v] {
			if _, seen := dist[w]; !seen {
				dist[w] = dist[v] + 1
				queue = append(queue, w)
			}
		}
	}

	maxd, sum := 0, 0
	hist := map[int]int{}
	for _, d := range dist {
		sum += d
		if d > maxd {
			maxd = d
		}
		hist[d]++
	}
	fmt.Println("nodes:", len(graph), "reached:", len(dist), "max distance:", maxd, "sum:", sum)
	fmt.Println("per distance:", hist)
}
