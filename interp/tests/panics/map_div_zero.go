package main

import "fmt"

func main() {
	m := map[string]int{"a": 4}
	z := 0
	m["a"] /= 2
	fmt.Println(m)
	m["b"] /= z
}
