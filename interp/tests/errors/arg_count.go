package main

func f(a, b int) int { return a + b }

func main() {
	f(1)
}
