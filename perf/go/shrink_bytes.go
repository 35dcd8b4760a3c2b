// shrink_bytes: how much memory Go 1.19's map[uint64]uint64 keeps after losing 99% of its
// entries (the Go side of perf/shrink.sh; the Rust side is perf/src/bin/shrink_bytes.rs).
//
// The workload is the Rust program's, checked by the "workload" line both print: insert the
// keys i*0x9E3779B97F4A7C15 for i < 1,000,000, delete 990,000 of them in the order of a
// SplitMix64-driven Fisher-Yates shuffle, then "the Go way to shrink": copy the survivors
// into a new map made with len(m) as its hint and drop the old one (Go's map never shrinks,
// golang/go#20135).
//
// Bytes held: runtime.MemStats.HeapAlloc after two runtime.GC() calls, minus the same figure
// taken before the map was made (the key slices already exist then). HeapAlloc includes the
// size-class rounding of Go's allocator, which for arrays this large is at most a page.
//
// The workload runs reps times; times are the best of the runs, bytes are the first run's.
// Output: the markdown rows of perf/shrink.sh's table, then "note:" lines.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"time"
)

const (
	n         = 1000000
	deletes   = 990000
	remaining = n - deletes
	gamma     = 0x9E3779B97F4A7C15
	seedDel   = 0x8CB92BA72F3D8DD7
)

func key(i uint64) uint64 { return i * gamma }

type splitMix struct{ s uint64 }

func (r *splitMix) next() uint64 {
	r.s += gamma
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// deleteOrder is the keys to delete, in deletion order.
func deleteOrder() []uint64 {
	perm := make([]uint64, n)
	for i := range perm {
		perm[i] = uint64(i)
	}
	rng := splitMix{seedDel}
	for i := n - 1; i >= 1; i-- {
		j := int(rng.next() % uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	out := make([]uint64, deletes)
	for i := range out {
		out[i] = key(perm[i])
	}
	return out
}

// fnv is FNV-1a over the little-endian bytes of xs: the workload line's fingerprint.
func fnv(xs []uint64) uint64 {
	h := uint64(0xCBF29CE484222325)
	for _, x := range xs {
		for b := 0; b < 8; b++ {
			h = (h ^ ((x >> (8 * b)) & 0xFF)) * 0x100000001B3
		}
	}
	return h
}

// heap is the live heap after two collections (the second sweeps what the first freed).
func heap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

type result struct {
	afterInsert, afterDelete, afterCopy int64
	nsInsert, nsDelete, msCopy          float64
}

func run(keys, del []uint64) result {
	var r result
	base := heap()
	m := make(map[uint64]uint64)
	t0 := time.Now()
	for i, k := range keys {
		m[k] = uint64(i)
	}
	r.nsInsert = float64(time.Since(t0).Nanoseconds()) / float64(len(keys))
	r.afterInsert = heap() - base

	t0 = time.Now()
	for _, k := range del {
		delete(m, k)
	}
	r.nsDelete = float64(time.Since(t0).Nanoseconds()) / float64(len(del))
	r.afterDelete = heap() - base
	if len(m) != remaining {
		panic("wrong length after deletes")
	}

	t0 = time.Now()
	m2 := make(map[uint64]uint64, len(m))
	for k, v := range m {
		m2[k] = v
	}
	m = nil
	r.msCopy = float64(time.Since(t0).Nanoseconds()) / 1e6
	r.afterCopy = heap() - base
	// The survivors must all have moved.
	for i, k := range keys {
		if v, ok := m2[k]; ok && v != uint64(i) {
			panic("wrong value after the copy")
		}
	}
	if len(m2) != remaining {
		panic("wrong length after the copy")
	}
	runtime.KeepAlive(m)
	runtime.KeepAlive(m2)
	return r
}

// commas prints 1234567 as 1,234,567 (as the Rust program does).
func commas(x int64) string {
	s := strconv.FormatInt(x, 10)
	out := ""
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out += ","
		}
		out += string(c)
	}
	return out
}

func main() {
	reps := flag.Int("reps", 3, "repetitions (best time, first run's bytes)")
	flag.Parse()
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = key(uint64(i))
	}
	del := deleteOrder()
	gone := make(map[uint64]bool, len(del))
	for _, k := range del {
		gone[k] = true
	}
	var kept []uint64
	for _, k := range keys {
		if !gone[k] {
			kept = append(kept, k)
		}
	}
	gone = nil
	sort.Slice(kept, func(i, j int) bool { return kept[i] < kept[j] })
	fmt.Printf("workload n=%d deletes=%d delorder_fnv=%016x kept_fnv=%016x\n",
		n, deletes, fnv(del), fnv(kept))

	var best result
	lo, hi := int64(-1), int64(0)
	for i := 0; i < *reps; i++ {
		r := run(keys, del)
		if i == 0 {
			best = r
		}
		if r.nsInsert < best.nsInsert {
			best.nsInsert = r.nsInsert
		}
		if r.nsDelete < best.nsDelete {
			best.nsDelete = r.nsDelete
		}
		if r.msCopy < best.msCopy {
			best.msCopy = r.msCopy
		}
		if lo < 0 || r.afterDelete < lo {
			lo = r.afterDelete
		}
		if r.afterDelete > hi {
			hi = r.afterDelete
		}
	}
	fmt.Printf("| Go 1.19 | %s | %s | — | %.1f | %.1f | %.1f | — |\n",
		commas(best.afterInsert), commas(best.afterDelete),
		float64(best.afterDelete)/remaining, best.nsInsert, best.nsDelete)
	fmt.Printf("| Go 1.19 (copied into a new map) | — | — | %s | %.1f | — | — | %.2f ms (copy) |\n",
		commas(best.afterCopy), float64(best.afterCopy)/remaining, best.msCopy)
	fmt.Printf("note: Go 1.19 (%s): HeapAlloc after deletes over %d runs: %s..%s\n",
		runtime.Version(), *reps, commas(lo), commas(hi))
}
