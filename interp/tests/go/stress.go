// Churn on maps whose keys and values own memory (strings, slices, inner maps): inserts,
// updates with fresh key strings, deletes, growth, iteration with deletes; the results are
// order-independent sums.
package main

import (
	"fmt"
	"strconv"
)

type rec struct {
	name string
	id   int
}

func main() {
	m := map[string][]string{}
	r := map[rec]map[string]int{}
	seed := 99
	for i := 0; i < 20000; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		k := "key" + strconv.Itoa(seed%3000)
		switch seed % 5 {
		case 0:
			delete(m, k)
			delete(r, rec{k, seed % 7})
		case 1, 2:
			m[k] = append(m[k], strconv.Itoa(i))
		default:
			inner, ok := r[rec{k, seed % 7}]
			if !ok {
				inner = map[string]int{}
				r[rec{k, seed % 7}] = inner
			}
			inner[k+"!"] += i
		}
	}
	total := 0
	for k, v := range m {
		total += len(k) + len(v)
		if len(v) > 3 {
			delete(m, k)
		}
	}
	sum := 0
	for k, inner := range r {
		for ik, v := range inner {
			sum += v + len(ik) + k.id
		}
	}
	fmt.Println(len(m), total, len(r), sum)
	keys := 0
	for k := range m {
		keys += len(k)
	}
	fmt.Println(keys)
}
