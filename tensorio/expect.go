package tensorio

import (
	"archive/zip"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
)

// Expect checks a tensor's name and shape before any of its data is read.
// LoadExpect calls it for every tensor of a file, all of them before the
// first tensor's data, so that a file that does not fit the model fails
// without decompressing or allocating anything for its data.
// Returning ErrSkip leaves the tensor out of the State, unread.
type Expect func(name string, shape []int) error

// ErrSkip, returned by an Expect, skips a tensor without reading it.
// ErrShapeOnly keeps the tensor in the State with its shape and no data
// (Data nil), unread, so that the caller can list every tensor that does
// not fit (engine.LoadWeights does) without reading any of them.
var (
	ErrSkip      = errors.New("skip this tensor")
	ErrShapeOnly = errors.New("keep only this tensor's shape")
)

// OnlyTensor returns an Expect that reads the tensor name and skips all
// others (fnlab fit --teacher FILE:KEY needs one tensor of a whole model).
func OnlyTensor(name string) Expect {
	return func(n string, _ []int) error {
		if n == name {
			return nil
		}
		return ErrSkip
	}
}

// maxUnexpectedElements bounds a tensor that ExpectShapes does not know:
// small extras (BatchNorm's num_batches_tracked) are read so that the
// caller can list them; anything bigger is refused unread.
const maxUnexpectedElements = 1 << 16

// ExpectShapes returns an Expect that reads the named tensors if their
// shapes match exactly and other names up to 1<<16 elements; every other
// tensor is kept as a shape only (ErrShapeOnly), so a file reads no more
// data than the model needs.
func ExpectShapes(want map[string][]int) Expect {
	return func(name string, shape []int) error {
		if w, ok := want[name]; ok {
			if !slices.Equal(w, shape) {
				return ErrShapeOnly
			}
			return nil
		}
		if n, err := numelOf(shape); err != nil || n > maxUnexpectedElements {
			return ErrShapeOnly
		}
		return nil
	}
}

// LoadExpect is Load with every tensor's name and shape checked by expect
// before any tensor data is read.
func LoadExpect(path string, expect Expect) (*State, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".safetensors":
		return readSafetensorsFile(path, expect)
	case ".pth", ".pt", ".bin", ".tar", ".ckpt":
		return readPTHFile(path, expect)
	case ".npz":
		return readNPZFile(path, expect)
	}
	return Load(path)
}

// Deflated zip members may expand by at most maxDeflateRatio, except for
// maxDeflateFree bytes per archive (shared by all its members, so that
// many small bombs cannot add up). PyTorch stores its records
// uncompressed, and np.savez_compressed of trained weights compresses by
// 1.1 to 2, so honest files never meet the cap; a deflate bomb (up to
// 1032:1) does. A deflated data.pkl (which torch never writes) gets
// maxPickleFree bytes beyond the ratio.
const (
	maxDeflateRatio = 256
	maxDeflateFree  = 64 << 20
	maxPickleFree   = 1 << 20
)

// expansion is the expansion allowance left to an archive's members.
type expansion struct{ free uint64 }

func newExpansion() *expansion { return &expansion{free: maxDeflateFree} }

// check refuses a member whose declared size is out of proportion to its
// compressed size, before it is decompressed, and charges what it expands
// beyond the ratio to the archive's allowance.
func (x *expansion) check(f *zip.File) error {
	if f.Method == zip.Store {
		if f.CompressedSize64 != f.UncompressedSize64 {
			return fmt.Errorf("stored record claims %d bytes but occupies %d", f.UncompressedSize64, f.CompressedSize64)
		}
		return nil
	}
	if f.CompressedSize64 > math.MaxUint64/maxDeflateRatio {
		return nil
	}
	allowed := f.CompressedSize64 * maxDeflateRatio
	if f.UncompressedSize64 <= allowed {
		return nil
	}
	if excess := f.UncompressedSize64 - allowed; excess <= x.free {
		x.free -= excess
		return nil
	}
	return fmt.Errorf("compressed record expands %d bytes to %d, more than %d:1 (a compression bomb?)", f.CompressedSize64, f.UncompressedSize64, maxDeflateRatio)
}
