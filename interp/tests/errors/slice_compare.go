package main

import "fmt"

func main() {
	a, b := []int{}, []int{}
	fmt.Println(a == b)
}
