// if/else with init, all for forms, break/continue, switch forms, range over everything.
package main

import "fmt"

func classify(n int) string {
	switch {
	case n < 0:
		return "negative"
	case n == 0:
		return "zero"
	case n%2 == 0:
		return "even"
	default:
		return "odd"
	}
}

func main() {
	for i := 0; i < 3; i++ {
		if v := i * 10; v > 10 {
			fmt.Println("big", v)
		} else if v == 10 {
			fmt.Println("ten")
		} else {
			fmt.Println("small", v)
		}
	}
	n := 0
	for n < 5 {
		n++
	}
	for {
		n++
		if n > 8 {
			break
		}
	}
	fmt.Println(n)
	sum := 0
	for i := 0; i < 20; i++ {
		if i%3 == 0 {
			continue
		}
		if i > 15 {
			break
		}
		sum += i
	}
	fmt.Println(sum)
	for i, c := range "aé😀b" {
		fmt.Println(i, c, string(c))
	}
	arr := [3]string{"x", "y", "z"}
	for i, v := range arr {
		arr[2] = "changed"
		fmt.Print(i, v, " ")
	}
	fmt.Println(arr)
	for i := range []int{7, 8} {
		fmt.Print(i)
	}
	for range []int{1, 2} {
		fmt.Print("r")
	}
	fmt.Println()
	for _, x := range []int{-1, 0, 3, 4} {
		fmt.Print(classify(x), " ")
	}
	fmt.Println()
	switch day := 3; day {
	case 1, 7:
		fmt.Println("weekend")
	case 2, 3, 4, 5, 6:
		fmt.Println("weekday")
		fallthrough
	case 100:
		fmt.Println("fell through")
	default:
		fmt.Println("never")
	}
	switch s := "b"; s + "c" {
	case "bc":
		fmt.Println("bc!")
		if true {
			break
		}
		fmt.Println("unreachable")
	}
outer := 0
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if j == 2 {
				break
			}
			outer += j
		}
	}
	fmt.Println(outer)
}
