// Maps: every key kind, comma-ok, delete, len, nil maps, make with hint, literals, op= on
// elements, maps of slices and structs, iteration while deleting, printing sorted.
package main

import (
	"fmt"
	"sort"
)

type key struct {
	a int8
	b string
	c bool
}

type small struct{ a, b int16 }

func main() {
	m := make(map[string]int, 100)
	m["a"] = 1
	m["b"] += 2
	m["c"]++
	m["a"] *= 10
	v, ok := m["a"]
	v2, ok2 := m["zz"]
	fmt.Println(m, len(m), v, ok, v2, ok2)
	var found bool
	v, found = m["b"]
	fmt.Println(v, found)
	delete(m, "b")
	delete(m, "nope")
	fmt.Println(m)

	var nilMap map[int]string
	fmt.Println(nilMap == nil, len(nilMap), nilMap[3] == "", nilMap)
	delete(nilMap, 1)
	for range nilMap {
		fmt.Println("never")
	}

	i8 := map[int8]int{-1: 1, 127: 2}
	u16 := map[uint16]bool{65535: true}
	i32 := map[int32]string{-5: "neg"}
	r := map[rune]int{'a': 1, 'é': 2}
	u64 := map[uint64]int{1<<64 - 1: 9}
	bm := map[bool]string{true: "t", false: "f"}
	fmt.Println(i8, u16, i32, r, u64, bm)
	sk := map[key]int{{1, "x", true}: 1}
	sk[key{1, "x", true}]++
	sk[key{2, "x", true}]++
	fmt.Println(sk, len(sk))
	ak := map[[3]int]string{{1, 2, 3}: "a"}
	ak[[3]int{1, 2, 3}] += "b"
	fmt.Println(ak)
	ss := map[small]int{{1, 2}: 3}
	fmt.Println(ss[small{1, 2}], ss)
	strArr := map[[2]string]int{{"a", "b"}: 1}
	strArr[[2]string{"a", "b"}] = 5
	fmt.Println(strArr)

	ms := map[string][]int{}
	ms["x"] = append(ms["x"], 1, 2)
	ms["x"][0] = 10
	ms["y"] = nil
	fmt.Println(ms, len(ms["nope"]))
	type acct struct {
		Name    string
		Balance float64
	}
	accts := map[int]acct{1: {"ann", 10.5}}
	a := accts[1]
	a.Balance *= 2
	accts[1] = a
	accts[2] = acct{Name: "bob"}
	fmt.Println(accts)

	big := map[int]int{}
	for i := 0; i < 1000; i++ {
		big[i] = i * i
	}
	for k := range big {
		if k%2 == 1 {
			delete(big, k)
		}
	}
	sum := 0
	for _, v := range big {
		sum += v
	}
	fmt.Println(len(big), sum)
	keys := []int{}
	for k := range map[int]bool{5: true, 1: true, 3: true} {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Println(keys)
	words := map[string]int{"b": 2, "a": 1, "c": 3}
	names := make([]string, 0, len(words))
	for w := range words {
		names = append(names, w)
	}
	sort.Strings(names)
	fmt.Println(names)
	fmt.Printf("%v %d\n", words, map[int]int{2: 4, 1: 1})
	cp := map[string]int{}
	for k, v := range words {
		cp[k] = v
	}
	m2 := cp
	m2["z"] = 26
	fmt.Println(len(cp), cp["z"])
	m3 := map[int]int{}
	m3[1] /= 1
	m3[2] %= 5
	fmt.Println(m3)
}
