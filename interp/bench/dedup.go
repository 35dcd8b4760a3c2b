// Benchmark twin of examples/dedup.go at scale: struct keys (generic routines with a
// composed hasher), n points from stdin.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

type point struct {
	x, y int
}

type tagged struct {
	name string
	n    int
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Split(bufio.ScanWords)
	sc.Scan()
	n, _ := strconv.Atoi(sc.Text())
	seen := make(map[point]int)
	seed := 42
	for i := 0; i < n; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		p := point{seed % 1000, (seed / 1000) % 1000}
		seen[p]++
	}
	maxc := 0
	for _, c := range seen {
		if c > maxc {
			maxc = c
		}
	}
	names := []string{"ann", "bob", "cid", "dan", "eve", "fay", "gus", "hal"}
	tags := map[tagged]bool{}
	for i := 0; i < n/4; i++ {
		tags[tagged{names[i%8], i % 5000}] = true
	}
	fmt.Println(len(seen), maxc, len(tags))
}
