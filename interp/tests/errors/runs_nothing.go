package main

import "fmt"

func main() {
	fmt.Println("must not be printed")
	y := undefinedThing
}
