// Named results with bare returns, and a multi-valued call as the operands of fmt.Println.
package main

import "fmt"

func divmod(a, b int) (q, r int) {
	q = a / b
	r = a % b
	return
}

func parse(s string) (n int, ok bool) {
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	ok = true
	return
}

func main() {
	fmt.Println(divmod(17, 5))
	fmt.Println(parse("123"))
	fmt.Println(parse("1x"))
}
