// De-duplication with struct keys: map[point]int (a 16-byte plain key: the generic routines
// with a hasher composed from gohmap's memhash) and map[record]bool (a key with strings).
package main

import (
	"fmt"
	"strings"
)

type point struct {
	x, y int
}

type record struct {
	name string
	age  int
	city string
}

func main() {
	seen := make(map[point]int)
	order := []point{}
	seed := 42
	for i := 0; i < 5000; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		p := point{seed % 50, (seed / 50) % 40}
		if _, ok := seen[p]; !ok {
			order = append(order, p)
		}
		seen[p]++
	}
	fmt.Println("distinct points:", len(seen), "first:", order[:5])
	most := order[0]
	for _, p := range order {
		if seen[p] > seen[most] {
			most = p
		}
	}
	fmt.Println("most frequent:", most, seen[most])

	lines := []string{
		"ann 31 paris", "bob 25 rome", "ann 31 paris", "cid 40 oslo",
		"bob 25 rome", "bob 26 rome", "ANN 31 PARIS",
	}
	uniq := map[record]bool{}
	var kept []record
	for _, l := range lines {
		f := strings.Fields(strings.ToLower(l))
		age := 0
		for _, c := range f[1] {
			age = age*10 + int(c-'0')
		}
		r := record{f[0], age, f[2]}
		if !uniq[r] {
			uniq[r] = true
			kept = append(kept, r)
		}
	}
	fmt.Println(len(uniq), kept)
	fmt.Println(uniq)
	delete(uniq, record{"bob", 25, "rome"})
	fmt.Println(len(uniq), uniq[record{"bob", 25, "rome"}], uniq[record{"bob", 26, "rome"}])
}
