package fit

import (
	"fmt"
	"testing"
)

func TestParseStagesAndRedundancies(t *testing.T) {
	for _, c := range []struct{ in, stages, reds string }{
		{"1, 4", "[64x56x56 512x7x7] <nil>", `[] "1, 4": "1" is not a number in [0, 1)`},
		{"16x8x8", "[16x8x8] <nil>", `[] "16x8x8": "16x8x8" is not a number in [0, 1)`},
		{"0.5,0", `[] "0.5,0": "0.5": expected a paper stage 1-4 or CxHxW`, "[0.5 0] <nil>"},
		{"5", `[] "5": stage 5: expected 1 to 4 or CxHxW`, `[] "5": "5" is not a number in [0, 1)`},
		{",", "[] expected at least one stage", "[] expected at least one value"},
	} {
		st, err := ParseStages(c.in)
		if got := fmt.Sprint(st, " ", err); got != c.stages {
			t.Errorf("ParseStages(%q) = %s, want %s", c.in, got, c.stages)
		}
		r, err := ParseRedundancies(c.in)
		if got := fmt.Sprint(r, " ", err); got != c.reds {
			t.Errorf("ParseRedundancies(%q) = %s, want %s", c.in, got, c.reds)
		}
	}
}
