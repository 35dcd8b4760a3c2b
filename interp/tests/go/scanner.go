// bufio.Scanner over stdin by lines, and os.Exit.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	lines := 0
	for sc.Scan() {
		line := sc.Text()
		lines++
		fmt.Printf("%d: %q %d\n", lines, line, len(strings.Fields(line)))
	}
	fmt.Println("lines:", lines)
	os.Exit(3)
	fmt.Println("not reached")
}
