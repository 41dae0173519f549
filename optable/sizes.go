package optable

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSizes parses comma-separated feature map sizes CxHxW, each
// dimension 1 to 4096.
func ParseSizes(s string) ([]Size, error) {
	var out []Size
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		parts := strings.Split(f, "x")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%q: expected CxHxW items such as 96x56x56, got %q", s, f)
		}
		var v [3]int
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 4096 {
				return nil, fmt.Errorf("%q: %q is not a positive size up to 4096", s, p)
			}
			v[i] = n
		}
		out = append(out, Size{C: v[0], H: v[1], W: v[2]})
	}
	return out, nil
}
