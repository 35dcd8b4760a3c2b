// Declarations, constants with iota, multiple results, recursion, :=, =, op=, ++, --, _.
package main

import "fmt"

const (
	Red = iota
	Green
	Blue
)

const (
	KB = 1 << (10 * (iota + 1))
	MB
	GB
)

const greeting = "hi"
const typed int8 = 100

var global = 7
var g1, g2 = 1, "two"

func swap(a, b string) (string, string) {
	return b, a
}

func fact(n int) int {
	if n <= 1 {
		return 1
	}
	return n * fact(n-1)
}

func stats(xs ...int) (int, int, float64) {
	min, max, sum := xs[0], xs[0], 0
	for _, x := range xs {
		if x < min {
			min = x
		}
		if x > max {
			max = x
		}
		sum += x
	}
	return min, max, float64(sum) / float64(len(xs))
}

func noResult(p int8arr) {}

type int8arr = [2]int8

func main() {
	fmt.Println(Red, Green, Blue, KB, MB, GB, greeting, typed)
	a, b := swap("x", "y")
	fmt.Println(a, b, fact(10), global, g1, g2)
	lo, hi, avg := stats(3, 9, 1, 4)
	fmt.Println(lo, hi, avg)
	nums := []int{5, 6, 7}
	_, _, m := stats(nums...)
	fmt.Println(m)
	x := 10
	x += 5
	x -= 3
	x *= 2
	x /= 4
	x %= 4
	x <<= 3
	x >>= 1
	x |= 1
	x &= 7
	x ^= 2
	x &^= 1
	x++
	x--
	fmt.Println(x)
	var y, z int
	y, z = 1, 2
	y, z = z, y
	fmt.Println(y, z)
	_, w := 1, 2
	fmt.Println(w)
	var f float64 = 3
	f /= 2
	f++
	fmt.Println(f, -f, 7/2, 7.0/2, -7/2, -7%3, 1<<10)
	s := "go"
	s += "mini"
	fmt.Println(s, len(s), s[0], s[1:3], s[:2], s[2:])
	var u8 uint8 = 250
	u8 += 10
	var i8 int8 = 127
	i8++
	var u64 uint64 = 1<<64 - 1
	var u32 uint32 = 1 << 31
	fmt.Println(u8, i8, u64, u64/3, u32*2, uint16(7000), int32(-1)>>1, ^0, ^uint8(1))
	fmt.Println(float64(7)/2, int(3.0), int64(u8)*1000000000000, rune('a'), byte('A'+2))
	fmt.Println(string(rune(72)), string([]byte{104, 105}), []byte("hey"), []rune("héllo"), string([]rune{0x4e16, 0x754c}))
}
