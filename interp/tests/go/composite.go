// Slices, arrays, structs (named, nested, keyed and positional literals), copy, append,
// slicing, make, len, cap, value semantics of arrays and structs.
package main

import "fmt"

type Point struct {
	X, Y int
}

type Line struct {
	From, To Point
	Label    string
	Tags     []string
}

func move(p Point) Point {
	p.X += 100
	return p
}

func main() {
	p := Point{1, 2}
	q := Point{Y: 5}
	l := Line{From: p, To: Point{3, 4}, Label: "l1"}
	fmt.Println(p, q, l, l.To.Y)
	l.From.X = 9
	l.Tags = append(l.Tags, "a", "b")
	fmt.Println(l, p, move(p), p)
	pts := []Point{{1, 1}, {2, 2}}
	pts[1].Y = 20
	pts = append(pts, Point{3, 3})
	fmt.Println(pts, len(pts))
	grid := [3][3]int{}
	grid[1][1] = 5
	g2 := grid
	g2[0][0] = 1
	fmt.Println(grid, g2, grid == [3][3]int{{0, 0, 0}, {0, 5, 0}, {0, 0, 0}}, p == Point{1, 2})
	s := make([]int, 3, 10)
	fmt.Println(s, len(s), cap(s))
	s2 := append(s, 4)
	s3 := s[:cap(s)]
	fmt.Println(s2, len(s3), s2[3] == s3[3])
	a := []int{1, 2, 3, 4, 5}
	b := a[1:3]
	b[0] = 20
	fmt.Println(a, b, len(b), cap(b), a[2:], a[:2])
	c := make([]int, 2)
	nc := copy(c, a)
	fmt.Println(c, nc)
	var nilSlice []int
	fmt.Println(nilSlice == nil, len(nilSlice), nilSlice)
	nilSlice = append(nilSlice, 1)
	fmt.Println(nilSlice, nilSlice != nil)
	matrix := [][]string{{"a"}, {"b", "c"}, {}}
	matrix[2] = append(matrix[2], "d")
	fmt.Println(matrix, len(matrix[1]))
	arr := [0]int{}
	_ = arr
	keyed := []string{2: "two", 0: "zero"}
	fmt.Println(len(keyed), keyed)
	anon := struct {
		Name string
		Age  int
	}{"ann", 30}
	fmt.Println(anon, anon.Name)
	fmt.Printf("%v %+v\n", l, p)
	bs := []byte("abc")
	bs = append(bs, "de"...)
	fmt.Println(string(bs))
}
