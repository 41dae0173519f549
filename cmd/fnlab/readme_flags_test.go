package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagsCell is the README command table's flags cell for c.
func flagsCell(c *cobra.Command) string {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && f.Name != "format" && !f.Hidden {
			names = append(names, "`--"+f.Name+"`")
		}
	})
	slices.Sort(names)
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, " ")
}

// TestREADMECommandFlags: the README's command table lists every command
// and exactly the flags each takes.
func TestREADMECommandFlags(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `fnlab ([a-z]+)[^`]*` \\| [^|]* \\| (.*) \\|$")
	cells := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		cells[m[1]] = m[2]
	}
	root := newRoot()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		want := flagsCell(c)
		if len(c.Commands()) > 0 {
			var parts []string
			if want != "-" {
				parts = append(parts, want)
			}
			for _, sub := range c.Commands() {
				parts = append(parts, sub.Name()+": "+flagsCell(sub))
			}
			want = strings.Join(parts, "; ")
		}
		got, ok := cells[c.Name()]
		if !ok {
			t.Errorf("README's command table has no row for fnlab %s", c.Name())
			continue
		}
		if got != want {
			t.Errorf("README row of fnlab %s lists\n%s\nthe command takes\n%s", c.Name(), got, want)
		}
	}
}
