package main

import "fmt"

func main() {
	var n int
	n = "text"
	fmt.Println(n)
}
