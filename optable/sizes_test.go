package optable

import (
	"errors"
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

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		ops    []string
		sizes  []Size
		failOp string
	}{
		{[]string{"pconv", "conv"}, []Size{{16, 8, 8}}, ""},
		{[]string{"conv", "bogus"}, []Size{{16, 8, 8}}, "bogus"},
		{[]string{"conv", "pconv"}, []Size{{16, 8, 8}, {3, 8, 8}}, "pconv"},
	} {
		err := Check(c.ops, c.sizes, 2)
		got := ""
		var se *StackError
		if errors.As(err, &se) {
			got = se.Op
		} else if err != nil {
			got = "not a *StackError"
		}
		if got != c.failOp {
			t.Errorf("%v %v: %v, want a failure of %q", c.ops, c.sizes, err, c.failOp)
		}
	}
}
