package yamlx

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0].Content[1] // value of the single key
}

func TestDecoder(t *testing.T) {
	d := &Decoder{File: "space.yaml"}
	cases := []struct {
		src  string
		read func(n *yaml.Node) (any, error)
		want any
		err  string // substring of the error; "" means none
	}{
		{"k: 4", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 4, ""},
		{"k: 4.0", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 4, ""},
		{"k: 1_024", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 2048) }, 1024, ""},
		{"k: 9", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 0, "space.yaml:1: k: expected an integer from 1 to 8, found 9"},
		{"k: 4.5", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 0, `found "4.5"`},
		{"k: [1]", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 0, "found a list"},
		{"k: ~", func(n *yaml.Node) (any, error) { return d.IntIn(n, "k", 1, 8) }, 0, "found null"},
		{"k: 0.5", func(n *yaml.Node) (any, error) { return d.FloatIn(n, "k", 0, 1, true) }, 0.5, ""},
		{"k: 0", func(n *yaml.Node) (any, error) { return d.FloatIn(n, "k", 0, 1, true) }, 0.0, "above 0"},
		{"k: .nan", func(n *yaml.Node) (any, error) { return d.FloatIn(n, "k", 0, 1, false) }, 0.0, "a number from 0 to 1"},
		{"k: Yes", func(n *yaml.Node) (any, error) { return d.Bool(n, "k") }, true, ""},
		{"k: off", func(n *yaml.Node) (any, error) { return d.Bool(n, "k") }, false, ""},
		{"k: maybe", func(n *yaml.Node) (any, error) { return d.Bool(n, "k") }, false, "expected true or false"},
		{"k: GELU", func(n *yaml.Node) (any, error) { return d.Enum(n, "k", true, "relu", "gelu") }, "gelu", ""},
		{"k: GELU", func(n *yaml.Node) (any, error) { return d.Enum(n, "k", false, "relu", "gelu") }, "", "expected one of relu, gelu"},
	}
	for _, c := range cases {
		got, err := c.read(node(t, c.src))
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("%q: got %v, %v; want %v", c.src, got, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v; want one containing %q", c.src, err, c.err)
		}
	}
}

func TestOrigin(t *testing.T) {
	n := node(t, "k: x")
	d := &Decoder{File: "a.yaml", Origin: map[*yaml.Node]string{n: "--set k"}}
	if _, err := d.IntIn(n, "k", 0, 1); err == nil || !strings.HasPrefix(err.Error(), "--set k: k:") {
		t.Errorf("error %v; want it located at --set k", err)
	}
}
