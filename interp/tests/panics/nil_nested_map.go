package main

import "fmt"

func main() {
	m := map[string]map[string]int{}
	m["a"] = map[string]int{}
	m["a"]["b"] = 1
	fmt.Println(m)
	m["z"]["b"]++
}
