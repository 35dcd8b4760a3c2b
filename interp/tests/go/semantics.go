// Value and reference semantics, Go 1.19 loop-variable capture, shadowing, wrapping
// arithmetic, deep recursion, and printing of zero values.
package main

import (
	"fmt"
	"math"
)

type inner struct {
	vals [2]int
	tags map[string]bool
}

type outer struct {
	name string
	in   inner
	list []int
}

var total = sum(10)

func sum(n int) int {
	if n == 0 {
		return 0
	}
	return n + sum(n-1)
}

func depth(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + depth(n-1)
}

func bump() { total++ }

func main() {
	var fs []func() int
	for i := 0; i < 3; i++ {
		fs = append(fs, func() int { return i })
	}
	for _, v := range []int{7, 8, 9} {
		fs = append(fs, func() int { return v })
	}
	for _, f := range fs {
		fmt.Print(f(), " ")
	}
	fmt.Println()

	m := map[string]outer{"a": {name: "a", in: inner{vals: [2]int{1, 2}, tags: map[string]bool{}}, list: []int{1}}}
	o := m["a"]
	o.name = "changed"
	o.in.vals[0] = 100
	o.in.tags["shared"] = true
	o.list[0] = 42
	fmt.Println(m["a"].name, m["a"].in.vals, m["a"].in.tags, m["a"].list, o.in.vals)
	arrs := map[string][2]int{"x": {1, 2}}
	v := arrs["x"]
	v[0] = 5
	fmt.Println(arrs, v)
	s := []int{1, 2, 3}
	ms := map[int][]int{0: s}
	s[0] = 9
	fmt.Println(ms[0])

	x := 1
	{
		x := 2
		x++
		_ = x
	}
	if x := 5; x > 3 {
		fmt.Println("inner x", x)
	}
	fmt.Println("outer x", x)

	big := int64(math.MaxInt64)
	big++
	var u uint8 = 0
	u--
	var i16 int16 = -32768
	i16 = -i16
	fmt.Println(big, u, i16)

	a := []int{1, 2, 3, 4}
	i, j := 0, 3
	a[i], a[j] = a[j], a[i]
	i, a[i] = 2, 50
	fmt.Println(a, i)

	bump()
	fmt.Println(total, depth(100000))

	var zs struct {
		A []int
		M map[int]int
		S string
		F float64
		B bool
	}
	var nilm map[string][]int
	fmt.Println(zs, nilm, len(zs.A), zs.M == nil)
	fmt.Printf("[%v] [%d] [%s] [%q]\n", zs, []int(nil), "", "日本")
	fmt.Println(inner{[2]int{1, 2}, nil}.vals == [2]int{1, 2})
}
