package main

import "fmt"

func main() {
	a, b := 10, 0
	fmt.Println(a / 2)
	fmt.Println(a % b)
}
