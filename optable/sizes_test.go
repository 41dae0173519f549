package optable

import (
	"fmt"
	"testing"
)

func TestParseSizes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"96x56x56", "[96x56x56] <nil>"},
		{"16x8x8, 32x4x4", "[16x8x8 32x4x4] <nil>"},
		{"16x8", `[] "16x8": expected CxHxW items such as 96x56x56, got "16x8"`},
		{"16x0x8", `[] "16x0x8": "0" is not a positive size up to 4096`},
		{"16x8x8,", `[] "16x8x8,": expected CxHxW items such as 96x56x56, got ""`},
	} {
		s, err := ParseSizes(c.in)
		if got := fmt.Sprint(s, " ", err); got != c.want {
			t.Errorf("ParseSizes(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
