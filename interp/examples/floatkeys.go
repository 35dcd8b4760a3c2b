// Float keys: NaN is never equal to itself, +0 and -0 are the same key, and assigning -0
// over +0 updates the stored key (gohmap's f64hash and NEEDKEYUPDATE, as in Go).
package main

import (
	"fmt"
	"math"
)

func main() {
	m := map[float64]string{}
	nan := math.NaN()
	m[nan] = "first nan"
	m[nan] = "second nan"
	m[1.5] = "one and a half"
	fmt.Println("len with two NaN keys:", len(m))
	_, ok := m[nan]
	fmt.Println("lookup NaN finds it:", ok)
	delete(m, nan)
	fmt.Println("len after delete(NaN):", len(m))

	zero := 0.0
	negZero := -zero
	m[zero] = "plus zero"
	m[negZero] = "minus zero"
	fmt.Println("len after +0 and -0:", len(m), m[0])
	for k, v := range m {
		if k == 0 {
			fmt.Println("stored zero key:", k, math.Signbit(k), v)
		}
	}
	nans := 0
	for k := range m {
		if math.IsNaN(k) {
			nans++
		}
	}
	fmt.Println("NaN keys seen by range:", nans)

	inf := map[float64]int{math.Inf(1): 1, math.Inf(-1): -1, 2.25: 2}
	fmt.Println(inf)

	// Struct and array keys with floats use the generic routines with composed hashers.
	type pt struct{ x, y float64 }
	pm := map[pt]int{}
	pm[pt{zero, 1}]++
	pm[pt{negZero, 1}]++
	pm[pt{nan, 1}]++
	pm[pt{nan, 1}]++
	fmt.Println("struct keys:", len(pm), pm[pt{0, 1}])
	am := map[[2]float64]bool{{1, 2}: true, {negZero, 2}: true}
	fmt.Println(am[[2]float64{0, 2}], am[[2]float64{1, 2}], am[[2]float64{2, 1}])

	sum := 0.0
	fm := make(map[float64]float64, 100)
	for i := 0; i < 1000; i++ {
		k := float64(i%100) / 4
		fm[k] += 0.5
	}
	for _, v := range fm {
		sum += v
	}
	fmt.Printf("%d keys, sum %.1f\n", len(fm), sum)
}
