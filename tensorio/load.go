package tensorio

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fnlab/fnlab/internal/inputfile"
)

// Load reads a weights file, choosing the format by extension:
//
//	.safetensors               ReadSafetensors
//	.pth .pt .bin .tar .ckpt   ReadPTH (zip-based torch.save checkpoints)
//	.npz                       ReadNPZ
func Load(path string) (*State, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".safetensors":
		return ReadSafetensors(path)
	case ".pth", ".pt", ".bin", ".tar", ".ckpt":
		return ReadPTH(path)
	case ".npz":
		return ReadNPZ(path)
	case ".npy":
		return nil, fileErr(path, "a .npy file holds one array, not named weights; use ReadNPYFile (Load expects .safetensors, .pth, .pt, .bin, .tar, .ckpt or .npz)")
	default:
		if ext == "" {
			ext = "no extension"
		}
		return nil, fileErr(path, "unsupported weights file type (%s): expected .safetensors, .pth, .pt, .bin, .tar, .ckpt or .npz", ext)
	}
}

// ReadNPZ reads a NumPy .npz archive (np.savez or np.savez_compressed):
// each member "name.npy" becomes tensor "name", in archive order.
func ReadNPZ(path string) (*State, error) {
	return readNPZFile(path, nil)
}

func readNPZFile(path string, expect Expect) (*State, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readNPZ(f, size, expect)
	if err != nil {
		return nil, withPath(path, err)
	}
	return s, nil
}

// errHeaderOnly stops readNPYChecked after the header (first pass).
var errHeaderOnly = errors.New("header only")

// readNPZ reads an .npz image in two passes: the first checks every
// member's name, declared sizes, compression ratio and .npy header (and
// expect, if given), reading no data; the second reads the data, each
// member bounded by the size its zip header declares.
func readNPZ(r io.ReaderAt, size int64, expect Expect) (*State, error) {
	errf := func(format string, args ...any) error {
		return &Error{Msg: oneLine(fmt.Sprintf(format, args...))}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) || zr == nil {
		return nil, errf("not a valid .npz (zip) archive: %v", err)
	}
	type member struct {
		zf        *zip.File
		name      string
		shape     []int
		shapeOnly bool
	}
	var members []member
	seen := map[string]bool{}
	budget := newExpansion()
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		name := strings.TrimSuffix(zf.Name, ".npy")
		if name == zf.Name {
			return nil, errf("member %s: expected a name ending in .npy", quoteName(zf.Name))
		}
		if seen[name] {
			return nil, errf("member %s appears twice", quoteName(zf.Name))
		}
		seen[name] = true
		if err := budget.check(zf); err != nil {
			return nil, errf("member %s: %v", quoteName(zf.Name), err)
		}
		if zf.UncompressedSize64 > maxTensorBytes+maxNPYHeader+16 {
			return nil, errf("member %s: %d bytes, more than the %d-byte limit for one array", quoteName(zf.Name), zf.UncompressedSize64, int64(maxTensorBytes))
		}
		members = append(members, member{zf: zf, name: name})
	}
	read := func(m member, check func([]int) error) (*Tensor, error) {
		rc, err := m.zf.Open()
		if err != nil {
			return nil, errf("member %s: %v", quoteName(m.zf.Name), err)
		}
		defer rc.Close()
		msize := int64(m.zf.UncompressedSize64)
		t, err := readNPYChecked(io.LimitReader(rc, msize), msize, check)
		if err == errHeaderOnly {
			return nil, nil
		}
		if err != nil {
			return nil, errf("member %s: %v", quoteName(m.zf.Name), err)
		}
		// The member must end where its header says; reaching the end
		// also makes the zip reader verify the CRC.
		var one [1]byte
		if n, err := rc.Read(one[:]); n > 0 || err != io.EOF {
			return nil, errf("member %s: holds more than the %d bytes its zip header declares, or is corrupt (%v)", quoteName(m.zf.Name), msize, err)
		}
		return t, nil
	}
	var kept []member
	for _, m := range members {
		skip := false
		if _, err := read(m, func(shape []int) error {
			m.shape = shape
			if expect != nil {
				switch err := expect(m.name, shape); {
				case err == ErrSkip:
					skip = true
				case err == ErrShapeOnly:
					m.shapeOnly = true
				case err != nil:
					return err
				}
			}
			return errHeaderOnly
		}); err != nil {
			return nil, err
		}
		if !skip {
			kept = append(kept, m)
		}
	}
	s := NewState()
	for _, m := range kept {
		t := &Tensor{Shape: m.shape}
		if !m.shapeOnly {
			if t, err = read(m, nil); err != nil {
				return nil, err
			}
		}
		s.Names = append(s.Names, m.name)
		s.Tensors[m.name] = t
	}
	return s, nil
}

// openRegular opens path for reading and returns its size; anything but a
// regular file (a directory, a device, a pipe) is refused, so that a reader
// never blocks or reads without end.
func openRegular(path string) (*os.File, int64, error) {
	f, size, err := inputfile.Open(path)
	if err != nil {
		var e *inputfile.Error
		errors.As(err, &e)
		msg := inputfile.Reason(err)
		if e.Err != nil {
			msg = "cannot open: " + msg
		}
		return nil, 0, &Error{Path: path, Msg: msg, Err: e.Err}
	}
	return f, size, nil
}
