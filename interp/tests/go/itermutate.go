// Go's rules for mutating a map during range, checked as properties (output does not
// depend on the random order): deleted-before-reached entries are not produced, every
// entry present throughout is produced exactly once, updates are seen.
package main

import "fmt"

func main() {
	ok := true
	for trial := 0; trial < 50; trial++ {
		m := map[int]int{}
		for i := 0; i < 100; i++ {
			m[i] = i
		}
		seen := map[int]int{}
		deleted := map[int]bool{}
		for k, v := range m {
			if deleted[k] {
				ok = false
			}
			seen[k]++
			if v != m[k] && !deleted[k] {
				ok = false
			}
			// Delete a partner entry, and update another.
			p := (k + 37) % 100
			if _, present := m[p]; present && p != k {
				delete(m, p)
				deleted[p] = true
			}
			u := (k + 11) % 100
			if _, present := m[u]; present {
				m[u] = -u
			}
			// Add entries: they may or may not be produced.
			m[1000+k] = 1
		}
		for k := 0; k < 100; k++ {
			if !deleted[k] && seen[k] != 1 {
				ok = false
			}
			if seen[k] > 1 {
				ok = false
			}
		}
	}
	fmt.Println("iteration rules hold:", ok)

	// Clearing by deleting every key while ranging.
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	for k := range m {
		delete(m, k)
	}
	fmt.Println(len(m), m)

	// A range that breaks early leaves the map usable.
	big := map[int]bool{}
	for i := 0; i < 500; i++ {
		big[i] = true
	}
	n := 0
	for range big {
		n++
		if n == 10 {
			break
		}
	}
	for i := 500; i < 1000; i++ {
		big[i] = true
	}
	fmt.Println(n, len(big))
}
