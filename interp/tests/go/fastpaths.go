// The interpreter's fast paths must not change what a program sees: keys read in place,
// comparisons of fields and elements without copies, integer map elems updated in place,
// one-return bodies, closures whose parameters shadow outer names, and sort.Slice.
package main

import (
	"fmt"
	"sort"
	"strings"
)

type rec struct {
	name string
	n    int
	tags [2]string
}

func twice(x int) int { return x * 2 }

func pair(a, b int) (int, int) { return b, a }

func named(x int) (r int) {
	r = x + 1
	return
}

func main() {
	// A parameter named like an outer variable shadows it; the outer one stays a plain
	// variable, and a closure that really captures it still sees its updates.
	i := 10
	double := func(i int) int { return i * 2 }
	get := func() int { return i }
	nest := func(i int) func() int { return func() int { return i } }
	i = 20
	inner := nest(7)
	i++
	fmt.Println(double(3), get(), inner(), i)
	for i := 0; i < 3; i++ {
		fmt.Print(double(i), " ")
	}
	fmt.Println(get())

	// One-return bodies: results, tuples, recursion, named results.
	var fib func(n int) int
	fib = func(n int) int {
		if n < 2 {
			return n
		}
		return fib(n-1) + fib(n-2)
	}
	a, b := pair(1, 2)
	fmt.Println(twice(21), a, b, fib(20), named(4))

	// Map keys read where they are stored: slice elements, struct fields, array elements.
	words := strings.Fields("b a c a b a")
	counts := map[string]int{}
	for j := range words {
		counts[words[j]]++
	}
	recs := []rec{{"x", 1, [2]string{"p", "q"}}, {"y", 2, [2]string{"q", "r"}}}
	byName := map[string]rec{}
	for j := 0; j < len(recs); j++ {
		byName[recs[j].name] = recs[j]
		counts[recs[j].tags[1]] += recs[j].n
	}
	v, ok := counts[recs[0].tags[0]]
	w, ok2 := counts[words[0]]
	delete(counts, words[1])
	fmt.Println(counts, byName["y"].n, v, ok, w, ok2, len(counts))

	// The key is read after the right-hand side, which changes the variable it is read from.
	k := "before"
	m := map[string]int{}
	m[k] = func() int { k = "after"; return 1 }()
	fmt.Println(m)

	// Integer elems updated in place, with the elem type's wrap-around; / and % still read
	// first, so a division by zero panics before the entry exists (not exercised here).
	small := map[string]int8{"a": 100}
	small["a"] += 100
	small["b"] -= 1
	small["a"] *= 3
	small["a"] /= 2
	small["c"] %= 5
	big := map[int]uint32{}
	big[1] -= 1
	big[2] <<= 3
	big[1] >>= 4
	fmt.Println(small, big)

	// Comparisons of fields and elements in place: strings, structs, arrays, floats.
	ps := []rec{{"b", 2, [2]string{"x", "y"}}, {"a", 2, [2]string{"x", "y"}}, {"b", 2, [2]string{"x", "y"}}}
	fmt.Println(ps[0].name < ps[1].name, ps[0] == ps[2], ps[0] == ps[1], ps[0].tags == ps[1].tags,
		ps[0].tags[1] >= ps[2].tags[0], ps[i-21].name != ps[1].name)
	fs := []float64{1.5, 2.5}
	fmt.Println(fs[0] < fs[1], fs[1] <= fs[0])

	// sort.Slice over structs (no ties: the order is Go's), then over ints by a key held
	// elsewhere, and a slice shorter than two.
	people := []rec{{"carol", 3, [2]string{}}, {"alice", 5, [2]string{}}, {"bob", 3, [2]string{}},
		{"dave", 1, [2]string{}}, {"eve", 5, [2]string{}}}
	sort.Slice(people, func(x, y int) bool {
		if people[x].n != people[y].n {
			return people[x].n > people[y].n
		}
		return people[x].name < people[y].name
	})
	for _, p := range people {
		fmt.Print(p.name, ":", p.n, " ")
	}
	fmt.Println()
	idx := []int{4, 0, 3, 1, 2}
	key := []string{"e", "d", "c", "b", "a"}
	calls := 0
	sort.Slice(idx, func(x, y int) bool {
		calls++
		return key[idx[x]] < key[idx[y]]
	})
	// Capacities follow the backing array, also for slices stored in a map and read back.
	grow := []int{}
	var caps []int
	for j := 0; j < 20; j++ {
		grow = append(grow, j)
		caps = append(caps, cap(grow))
	}
	ms := map[string][]int{}
	ms["a"] = grow[3:7]
	got := ms["a"]
	got = append(got, 99)
	fmt.Println(caps, len(got), cap(got), cap(ms["a"][1:]), grow[7], cap(grow[20:]), cap(grow[:0]))
	one := []int{1}
	sort.Slice(one, func(x, y int) bool { panic("never called") })
	fmt.Println(idx, calls > 0, one)
}
