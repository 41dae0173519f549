// Command fnlab builds FasterNet variants from YAML specs and measures what
// they cost: exact counts, native-kernel latency and more. Run
// `fnlab --help` for the commands.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	watchInterrupts(os.Stderr)
	root := newRoot()
	if err := root.Execute(); err != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
		fmt.Fprintln(os.Stderr, "fnlab: "+msg)
		os.Exit(exitCode(err))
	}
}
