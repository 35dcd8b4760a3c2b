// Benchmark twin of examples/nested.go at scale: map[int]map[int]int (maps stored in map
// elems), n links from stdin.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Split(bufio.ScanWords)
	sc.Scan()
	n, _ := strconv.Atoi(sc.Text())
	adj := map[int]map[int]int{}
	seed := 7
	for i := 0; i < n; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		a := seed % 5000
		b := (seed / 5000) % 5000
		row, ok := adj[a]
		if !ok {
			row = map[int]int{}
			adj[a] = row
		}
		row[b]++
	}
	edges, total := 0, 0
	for _, row := range adj {
		edges += len(row)
		for _, c := range row {
			total += c
		}
	}
	fmt.Println(len(adj), edges, total)
}
