// Benchmark twin of examples/floatkeys.go at scale: float64 keys (generic routines with
// gohmap's f64hash), n operations from stdin.
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
	m := map[float64]int{}
	for i := 0; i < n; i++ {
		k := float64(i%50000) / 8
		m[k] += i % 7
	}
	hits := 0
	for i := 0; i < n; i++ {
		if _, ok := m[float64(i%100000)/8]; ok {
			hits++
		}
	}
	sum := 0
	for k, v := range m {
		if k < 100 {
			sum += v
		}
	}
	fmt.Println(len(m), hits, sum)
}
