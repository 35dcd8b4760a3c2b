// Word frequency over stdin: map[string]int (gohmap's faststr routines).
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
)

type entry struct {
	word  string
	count int
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	sc.Split(bufio.ScanWords)
	counts := make(map[string]int)
	total := 0
	for sc.Scan() {
		w := strings.ToLower(sc.Text())
		counts[w]++
		total++
	}
	entries := make([]entry, 0, len(counts))
	for w, c := range counts {
		entries = append(entries, entry{w, c})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].count != entries[j].count {
			return entries[i].count > entries[j].count
		}
		return entries[i].word < entries[j].word
	})
	fmt.Printf("%d words, %d distinct\n", total, len(counts))
	for i := 0; i < len(entries) && i < 10; i++ {
		fmt.Printf("%-12s %6d\n", entries[i].word, entries[i].count)
	}
}
