package main

import "fmt"

func check(n int) {
	if n > 2 {
		panic("too big: " + fmt.Sprint(n))
	}
}

func main() {
	for i := 0; i < 5; i++ {
		fmt.Println(i)
		check(i)
	}
}
