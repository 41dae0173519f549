package arch

import (
	"fmt"
	"testing"
)

func TestParseLists(t *testing.T) {
	for _, c := range []struct {
		in, mixers, ndivs string
	}{
		{"", "[] <nil>", "[] <nil>"},
		{" pconv , dwconv,", "[pconv dwconv] <nil>", `[] " pconv , dwconv,": "pconv" is not a positive integer`},
		{"2,4, 8", `[] unknown mixer "2": expected pconv, conv, dwconv or gconv`, "[2 4 8] <nil>"},
		{"conv,0", `[] unknown mixer "0": expected pconv, conv, dwconv or gconv`, `[] "conv,0": "conv" is not a positive integer`},
	} {
		m, err := ParseMixers(c.in)
		if got := fmt.Sprint(m, " ", err); got != c.mixers {
			t.Errorf("ParseMixers(%q) = %s, want %s", c.in, got, c.mixers)
		}
		n, err := ParseNDivs(c.in)
		if got := fmt.Sprint(n, " ", err); got != c.ndivs {
			t.Errorf("ParseNDivs(%q) = %s, want %s", c.in, got, c.ndivs)
		}
	}
}

func TestParseCHW(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"96x56x56", "96 56 56 <nil>"},
		{"16x8", "0 0 0 expected CxHxW"},
		{"16x0x8", `0 0 0 "0" is not a positive size up to 4096`},
		{"16x8x4097", `0 0 0 "4097" is not a positive size up to 4096`},
	} {
		ch, h, w, err := ParseCHW(c.in)
		if got := fmt.Sprint(ch, h, w, err); got != c.want {
			t.Errorf("ParseCHW(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
