// The library subset: fmt verbs and widths, strings, strconv, sort, math.
package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

type pair struct {
	k string
	v int
}

func main() {
	fmt.Printf("%d|%5d|%-5d|%05d|%x|%X|%o|%b|%c|%q\n", 42, 42, 42, -42, 255, 255, 8, 5, 'G', 'q')
	fmt.Printf("%s|%10s|%-10s|%q|%x|%v|%t\n", "go", "go", "go", "a\tb\"c", "hi", "v", true)
	fmt.Printf("%f|%.2f|%8.3f|%-8.1f|%e|%g|%v|%v\n", math.Pi, math.Pi, math.Pi, 2.5, 123456.789, 0.000012, 1e6, 100.0)
	fmt.Printf("%v %v %v %d %s\n", []int{1, 2}, [2]bool{true, false}, pair{"a", 1}, []int{3, 4}, []string{"x", "y"})
	fmt.Printf("%%|%d %d\n", 1)
	fmt.Printf("%v %v %v %v\n", math.NaN(), math.Inf(1), math.Inf(-1), -0.0)
	s := fmt.Sprintf("%03d-%s", 7, "x")
	fmt.Println(s, fmt.Sprint("a", 1, 2, "b", "c", 3.5), fmt.Sprintln("x", 1))
	fmt.Print("p", 1, 2, "\n")
	fmt.Println(strings.Fields("  a b\t c\n"), strings.Split("a,b,,c", ","), strings.Join([]string{"x", "y"}, "-"))
	fmt.Println(strings.ToLower("MiXeD"), strings.ToUpper("MiXeD"), strings.Contains("seafood", "foo"), strings.HasPrefix("golang", "go"), strings.HasSuffix("golang", "ng"))
	fmt.Println(strings.Repeat("ab", 3), "["+strings.TrimSpace("  \t pad \n")+"]", strings.Index("chicken", "ken"))
	fmt.Println(strconv.Itoa(-45), strconv.Itoa(0))
	n, err := strconv.Atoi("123")
	fmt.Println(n, err, err == nil)
	_, err = strconv.Atoi("12a")
	fmt.Println(err, err != nil)
	_, err = strconv.Atoi("99999999999999999999")
	fmt.Println(err.Error())
	xs := []string{"pear", "apple", "fig"}
	sort.Strings(xs)
	is := []int{5, -1, 3}
	sort.Ints(is)
	ps := []pair{{"b", 2}, {"a", 2}, {"c", 1}, {"d", 5}, {"e", 0}, {"f", 3}, {"g", 9}, {"h", 4}, {"i", 8}, {"j", 6}, {"k", 7}, {"l", 11}, {"m", 10}, {"n", 12}}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].v != ps[j].v {
			return ps[i].v < ps[j].v
		}
		return ps[i].k < ps[j].k
	})
	fmt.Println(xs, is, ps)
	fmt.Println(math.Sqrt(2), math.IsNaN(math.NaN()), math.IsNaN(1), math.MaxInt64, math.MinInt64)
	var big int64 = math.MaxInt64
	fmt.Println(big, float64(big), math.Abs(-2.5), math.Floor(2.7))
	fmt.Println(1.0/3.0, 2.0/3.0, 1e100, 123456789.0, 12345.678, float64(1<<53))
	var e error
	fmt.Println(e == nil, e)
	e = fmt.Errorf("bad %d", 7)
	fmt.Println(e, e.Error())
}
