package optable

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// ParseSizes parses comma-separated feature map sizes CxHxW, each
// dimension 1 to 4096 (arch.ParseCHW).
func ParseSizes(s string) ([]Size, error) {
	var out []Size
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		c, h, w, err := arch.ParseCHW(f)
		var de *arch.DimError
		switch {
		case errors.As(err, &de):
			return nil, fmt.Errorf("%q: %v", s, de)
		case err != nil:
			return nil, fmt.Errorf("%q: expected CxHxW items such as 96x56x56, got %q", s, f)
		}
		out = append(out, Size{C: c, H: h, W: w})
	}
	return out, nil
}
