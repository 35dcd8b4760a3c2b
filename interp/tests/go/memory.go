// Making and dropping a map on every pass runs in constant memory: a dropped map is freed
// (reference counting), including its string keys, slices and inner maps.
package main

import (
	"fmt"
	"strconv"
)

func build(i int) map[string][]int {
	m := make(map[string][]int)
	for j := 0; j < 20; j++ {
		k := "k" + strconv.Itoa(j)
		m[k] = append(m[k], i, j)
	}
	return m
}

func main() {
	total := 0
	for i := 0; i < 100000; i++ {
		m := build(i)
		inner := map[int]map[int]string{1: {2: "x"}}
		total += len(m) + len(inner[1])
	}
	fmt.Println(total)
}
