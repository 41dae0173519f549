package report

import (
	"bytes"
	"testing"
)

func TestNumberFormats(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{SI(3905500), "3.905M"},
		{SI(335422720), "335.4M"},
		{SI(15494383616), "15.49G"},
		{SI(940), "940"},
		{SI(0), "0"},
		{SI(-31890000), "-31.89M"},
		{SIf(2.5), "2.500"},
		{Bytes(1536), "1.5 KiB"},
		{Bytes(512), "512 B"},
		{Bytes(40013872), "38.2 MiB"},
		{Comma(335422720), "335,422,720"},
		{Comma(-1000), "-1,000"},
		{Comma(12), "12"},
		{Signed(282200), "+282.2K"},
		{Signed(-5), "-5"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestTableAlignment(t *testing.T) {
	tab := &Table{Header: []string{"name", "n", "note"}, Right: []bool{false, true, false}}
	tab.Add("a", "1", "x")
	tab.Add("long name", "1000", "→ y")
	var b bytes.Buffer
	if err := tab.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "name          n  note\n" +
		"a             1  x\n" +
		"long name  1000  → y\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTreeDepth(t *testing.T) {
	for path, want := range map[string]int{"": 0, "head": 1, "stages.0": 2, "stages.0.blocks.0": 3, "stages.0.blocks.0.mlp.0": 5} {
		if got := TreeDepth(path); got != want {
			t.Errorf("TreeDepth(%q) = %d, want %d", path, got, want)
		}
	}
}
