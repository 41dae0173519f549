package yamlx

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoader(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("disk.yaml", []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("plain", []byte("b: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("big.yaml", []byte(strings.Repeat("#", 65)), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{
		FS:  fstest.MapFS{"x_one.yaml": {Data: []byte("c: 3\n")}},
		Dir: "embedded/",
		Lookup: func(name string) string {
			if name == "one" {
				return "x_one.yaml"
			}
			return ""
		},
		Noun:    "doc",
		What:    "document",
		Max:     64,
		Unknown: func(ref string) error { return errors.New("unknown " + ref) },
	}
	cases := []struct {
		ref, file, data, err string
	}{
		{ref: "one", file: "embedded/x_one.yaml", data: "c: 3\n"},
		{ref: "disk.yaml", file: "disk.yaml", data: "a: 1\n"},
		{ref: "plain", file: "plain", data: "b: 2\n"}, // not embedded, but a file
		{ref: "two", err: "unknown two"},
		{ref: "one.yaml", err: "doc one.yaml: no such file or directory (a YAML document)"}, // a path is never embedded
		{ref: "big.yaml", err: "doc big.yaml: 65 bytes, more than the 64-byte limit for a document (a YAML document)"},
		{ref: dir, err: "doc " + dir + ": expected a regular file, found a directory (a YAML document)"},
	}
	for _, c := range cases {
		file, data, err := l.Load(c.ref)
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("Load(%q): error %v, want %q", c.ref, err, c.err)
			}
		case err != nil:
			t.Errorf("Load(%q): %v", c.ref, err)
		case file != c.file || string(data) != c.data:
			t.Errorf("Load(%q) = %q, %q; want %q, %q", c.ref, file, data, c.file, c.data)
		}
	}
}

func TestIsPath(t *testing.T) {
	for ref, want := range map[string]bool{"t0": false, "a.yaml": true, "a.yml": true, "d/a": true, `d\a`: true, "a.json": false} {
		if got := IsPath(ref); got != want {
			t.Errorf("IsPath(%q) = %v", ref, got)
		}
	}
}
