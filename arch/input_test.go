package arch_test

import (
	"strings"
	"testing"

	"github.com/fnlab/fnlab/arch"
)

// TestSizeForms: ParseSize and the input key read "CxHxW" and "HxW" alike
// and word their errors each their own way.
func TestSizeForms(t *testing.T) {
	cases := []struct {
		in         string
		c, h, w    int
		sizeErr    string // ParseSize's error
		specErr    string // the input key's error
		specC      int    // channels the spec ends with
		specLoaded bool
	}{
		{in: "3x224x160", c: 3, h: 224, w: 160, specC: 3, specLoaded: true},
		{in: "64X48", h: 64, w: 48, specC: 3, specLoaded: true},
		{in: " 1 x 64 x 64 ", c: 1, h: 64, w: 64, specC: 1, specLoaded: true},
		{in: "axb", sizeErr: `"axb": expected CxHxW or HxW`, specErr: `input: expected CxHxW (e.g. 3x224x224) or a mapping {channels, height, width, batch}, found "axb"`},
		{in: "1x2x3x4", sizeErr: `"1x2x3x4": expected CxHxW or HxW`, specErr: `input: expected CxHxW (e.g. 3x224x224), found "1x2x3x4"`},
		{in: "3x0x64", sizeErr: `"3x0x64": height must be from 1 to 16384, found 0`, specErr: "input: height must be from 1 to 16384, found 0"},
	}
	for _, c := range cases {
		ch, h, w, err := arch.ParseSize(c.in)
		switch {
		case c.sizeErr != "":
			if err == nil || !strings.Contains(err.Error(), c.sizeErr) {
				t.Errorf("ParseSize(%q): error %v, want %q", c.in, err, c.sizeErr)
			}
		case err != nil || ch != c.c || h != c.h || w != c.w:
			t.Errorf("ParseSize(%q) = %d, %d, %d, %v", c.in, ch, h, w, err)
		}
		s, err := arch.Parse("s.yaml", []byte("extends: t0\ninput: \""+c.in+"\"\n"))
		switch {
		case !c.specLoaded:
			if err == nil || !strings.Contains(err.Error(), c.specErr) {
				t.Errorf("input %q: error %v, want %q", c.in, err, c.specErr)
			}
		case err != nil:
			t.Errorf("input %q: %v", c.in, err)
		case s.Input.Channels != c.specC || s.Input.Height != c.h || s.Input.Width != c.w:
			t.Errorf("input %q: %+v", c.in, s.Input)
		}
	}
}
