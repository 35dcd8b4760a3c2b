// Nested maps: map[string]map[string]int and map[int]map[int]bool; inner maps are gohmap
// maps stored by reference in the outer map's elem slots, freed when unreachable.
package main

import (
	"fmt"
	"sort"
	"strings"
)

func main() {
	sales := []string{
		"north apples 3", "south pears 5", "north pears 2", "east apples 7",
		"south apples 1", "north apples 4", "east figs 9", "south pears 2",
	}
	byRegion := map[string]map[string]int{}
	for _, s := range sales {
		f := strings.Fields(s)
		n := 0
		for _, c := range f[2] {
			n = n*10 + int(c-'0')
		}
		inner, ok := byRegion[f[0]]
		if !ok {
			inner = map[string]int{}
			byRegion[f[0]] = inner
		}
		inner[f[1]] += n
	}
	fmt.Println(byRegion)
	regions := []string{}
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		total := 0
		for _, n := range byRegion[r] {
			total += n
		}
		fmt.Printf("%-6s %2d %v\n", r, total, byRegion[r])
	}

	// A sparse adjacency matrix.
	adj := map[int]map[int]bool{}
	link := func(a, b int) {
		if adj[a] == nil {
			adj[a] = map[int]bool{}
		}
		adj[a][b] = true
	}
	for i := 0; i < 20; i++ {
		link(i, (i*i)%20)
		link((i*7)%20, i)
	}
	edges := 0
	for _, row := range adj {
		edges += len(row)
	}
	fmt.Println("rows:", len(adj), "edges:", edges, "row 3:", adj[3], "missing row:", adj[99], len(adj[99]))

	// Three levels, and dropping inner maps.
	deep := map[string]map[int]map[bool]string{}
	deep["a"] = map[int]map[bool]string{1: {true: "yes", false: "no"}}
	deep["a"][2] = map[bool]string{true: "two"}
	deep["b"] = nil
	fmt.Println(deep, len(deep["b"]), deep["b"][7][true] == "")
	delete(deep, "a")
	fmt.Println(deep)
}
