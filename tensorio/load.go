package tensorio

import (
	"archive/zip"
	"errors"
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
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) || zr == nil {
		return nil, fileErr(path, "not a valid .npz (zip) archive: %v", err)
	}
	s := NewState()
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		name := strings.TrimSuffix(zf.Name, ".npy")
		if name == zf.Name {
			return nil, fileErr(path, "member %s: expected a name ending in .npy", quoteName(zf.Name))
		}
		if _, dup := s.Tensors[name]; dup {
			return nil, fileErr(path, "member %s appears twice", quoteName(zf.Name))
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fileErr(path, "member %s: %v", quoteName(zf.Name), err)
		}
		msize := int64(zf.UncompressedSize64)
		if zf.UncompressedSize64 > 1<<62 {
			msize = -1
		}
		t, err := readNPY(rc, msize)
		rc.Close()
		if err != nil {
			return nil, fileErr(path, "member %s: %v", quoteName(zf.Name), err)
		}
		s.Names = append(s.Names, name)
		s.Tensors[name] = t
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
