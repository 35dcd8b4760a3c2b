// A map that loses most of its entries gives its memory back (gohmap shrinks; Go's map would
// keep every bucket). Run with GOMINI_DEBUG=maps to see the map's statistics on stderr.
package main

import "fmt"

func main() {
	m := make(map[int]string)
	for i := 0; i < 100000; i++ {
		m[i] = "v"
	}
	small := map[int]int{1: 1}
	fmt.Println(len(m), small)
	for i := 0; i < 99990; i++ {
		delete(m, i)
	}
	fmt.Println(len(m), m)
}
