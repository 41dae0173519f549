package arch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	errSizeSyntax = errors.New("a dimension is not an integer")
	errSizeParts  = errors.New("not two or three dimensions")
)

// sizeDims reads "CxHxW" or "HxW" as its 3 or 2 numbers, in any case and
// with spaces around the numbers. Its errors are errSizeSyntax and
// errSizeParts; callers word their own messages.
func sizeDims(s string) ([]int, error) {
	parts := strings.Split(strings.ToLower(s), "x")
	vals := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, errSizeSyntax
		}
		vals[i] = v
	}
	if len(vals) != 2 && len(vals) != 3 {
		return nil, errSizeParts
	}
	return vals, nil
}

// ParseSize reads an input size "CxHxW" or "HxW" (channels 0 when not
// given), each dimension within the limits of the input key.
func ParseSize(s string) (channels, height, width int, err error) {
	dims, err := sizeDims(strings.TrimSpace(s))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%q: expected CxHxW or HxW (e.g. 3x224x224)", s)
	}
	if len(dims) == 3 {
		channels, dims = dims[0], dims[1:]
	}
	height, width = dims[0], dims[1]
	in := Input{Channels: max(channels, 1), Height: height, Width: width, Batch: 1}
	if err := checkInput(in, func(k, msg string) error { return fmt.Errorf("%q: %s %s", s, k, msg) }); err != nil {
		return 0, 0, 0, err
	}
	return channels, height, width, nil
}

// CheckBatch checks a batch size against the input key's limits.
func CheckBatch(n int) error {
	if n < 1 || n > maxBatch {
		return fmt.Errorf("%d: expected a batch size from 1 to %d", n, maxBatch)
	}
	return nil
}

// SetInput replaces the parts of s's input that are non-zero and checks
// the result as the input key is checked (limits, and a size that every
// stage's downsampling leaves at least 1x1).
func (s *Spec) SetInput(channels, height, width, batch int) error {
	in := s.Input
	if channels > 0 {
		in.Channels = channels
	}
	if height > 0 {
		in.Height = height
	}
	if width > 0 {
		in.Width = width
	}
	if batch > 0 {
		in.Batch = batch
	}
	if err := checkInput(in, func(k, msg string) error { return fmt.Errorf("input %s %s", k, msg) }); err != nil {
		return err
	}
	if need := minInput(s); in.Height < need || in.Width < need {
		return fmt.Errorf("input %dx%d is too small for %s: patch embedding (%d/%d) and %d merges (%d/%d) need at least %dx%d",
			in.Height, in.Width, s.Name, s.PatchSize, s.PatchStride, len(s.Depths)-1, s.PatchSize2, s.PatchStride2, need, need)
	}
	s.Input = in
	return nil
}
