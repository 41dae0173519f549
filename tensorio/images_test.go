package tensorio

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadImagesNPY(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		shape []int
		want  string
	}{
		{[]int{2, 3, 4, 4}, "[2 3 4 4] <nil>"},
		{[]int{3, 4, 4}, "[1 3 4 4] <nil>"},
		{[]int{3, 16}, "[] X: shape [3 16]: expected an NCHW (or CHW) image tensor"},
	} {
		n := 1
		for _, d := range c.shape {
			n *= d
		}
		path := filepath.Join(dir, fmt.Sprint(len(c.shape), ".npy"))
		if err := WriteNPYFile(path, &Tensor{Shape: c.shape, Data: make([]float32, n)}); err != nil {
			t.Fatal(err)
		}
		_, shape, err := ReadImagesNPY(path)
		var te *Error
		if err != nil && !errors.As(err, &te) {
			t.Errorf("%v: error %T, want *Error", c.shape, err)
		}
		got := fmt.Sprint(shape, " ", err)
		if want := strings.Replace(c.want, "X", path, 1); got != want {
			t.Errorf("%v: %s, want %s", c.shape, got, want)
		}
	}
}
