package main

import "fmt"

func main() {
	a, b := 1, "x"
	fmt.Println(a + b)
}
