package main

type P struct{ X int }

func main() {
	m := map[int]P{}
	m[1].X = 2
}
