package main

import "fmt"

func main() {
	err := fmt.Errorf("wrapped %d", 42)
	panic(err)
}
