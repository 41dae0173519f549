package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxPickleBytes bounds the size of the data.pkl record of a checkpoint.
// A state dict's pickle takes roughly 100 bytes per tensor.
const maxPickleBytes = 256 << 20

// ReadPTH reads a PyTorch checkpoint in the zip-based torch.save format
// (torch >= 1.6; .pth, .pt, .bin, .tar). The top-level object must be a
// state dict (name -> tensor) or a dict holding one under "state_dict",
// "model_state_dict", "model" or "module". A "module." prefix shared by every
// key (nn.DataParallel) is stripped. Tensors are converted to contiguous
// float32, honouring storage offsets and strides.
//
// No code from the file is executed: classes named in the pickle are
// resolved to a fixed set of tensor constructors or to inert placeholders.
func ReadPTH(path string) (*State, error) {
	return readPTHFile(path, nil)
}

func readPTHFile(path string, expect Expect) (*State, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readPTHExpect(f, size, expect)
	if err != nil {
		return nil, withPath(path, err)
	}
	return s, nil
}

func pthErr(format string, args ...any) error {
	return &Error{Msg: oneLine(fmt.Sprintf(format, args...))}
}

// readPTH reads a zip checkpoint image of the given size.
func readPTH(r io.ReaderAt, size int64) (*State, error) {
	return readPTHExpect(r, size, nil)
}

func readPTHExpect(r io.ReaderAt, size int64, expect Expect) (*State, error) {
	var head [512]byte
	n, _ := r.ReadAt(head[:], 0)
	if err := sniffPTH(head[:n]); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are only looked up, never used as paths
		return nil, pthErr("corrupt zip archive: %v", err)
	}
	if zr == nil {
		return nil, pthErr("corrupt zip archive: %v", err)
	}
	ck := &checkpoint{r: r, size: size, records: map[string]*zip.File{}, raw: map[string][]byte{}, expansion: newExpansion()}
	var pkl []*zip.File
	for _, f := range zr.File {
		ck.records[f.Name] = f
		if f.Name == "data.pkl" || (path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1) {
			pkl = append(pkl, f)
		}
	}
	switch len(pkl) {
	case 0:
		return nil, pthErr("no data.pkl record: expected a torch.save zip checkpoint, found records %s", listNames(zr.File))
	case 1:
	default:
		return nil, pthErr("%d data.pkl records (%s, %s): expected exactly one", len(pkl), pkl[0].Name, pkl[1].Name)
	}
	ck.prefix = strings.TrimSuffix(pkl[0].Name, "data.pkl")
	if _, ok := ck.records[ck.prefix+"constants.pkl"]; ok {
		return nil, pthErr("this is a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save")
	}
	ck.order = binary.LittleEndian
	if f, ok := ck.records[ck.prefix+"byteorder"]; ok {
		b, err := readRecord(f, 16)
		if err != nil {
			return nil, pthErr("record %s: %v", f.Name, err)
		}
		switch strings.TrimSpace(string(b)) {
		case "little":
		case "big":
			ck.order = binary.BigEndian
		default:
			return nil, pthErr("record %s: expected \"little\" or \"big\", found %q", f.Name, b)
		}
	}
	data, err := readRecord(pkl[0], maxPickleBytes)
	if err != nil {
		return nil, pthErr("record %s: %v", pkl[0].Name, err)
	}
	obj, err := ck.unpickle(data)
	if err != nil {
		return nil, pthErr("record %s: %v", pkl[0].Name, err)
	}
	return ck.state(obj, expect)
}

// sniffPTH recognises formats that are not zip checkpoints, to give a
// precise error.
func sniffPTH(head []byte) error {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return nil
	case len(head) == 0:
		return pthErr("empty file: expected a torch.save zip checkpoint")
	case len(head) >= 2 && head[0] == 0x80 && head[1] <= 5:
		return pthErr("legacy (non-zip) torch.save format, written by torch < 1.6 or with _use_new_zipfile_serialization=False, is not supported; re-save it with torch >= 1.6")
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return pthErr("legacy tar torch.save format is not supported; re-save it with torch >= 1.6")
	case len(head) >= 10 && string(head[8:10]) == `{"`:
		return pthErr("not a PyTorch zip checkpoint: this looks like a safetensors file; give it the .safetensors extension")
	case bytes.HasPrefix(head, []byte(npyMagic)):
		return pthErr("not a PyTorch zip checkpoint: this is a NumPy .npy file")
	}
	return pthErr("not a PyTorch zip checkpoint: expected zip magic %q, found %q", "PK\x03\x04", head[:min(len(head), 4)])
}

func listNames(files []*zip.File) string {
	var names []string
	for i, f := range files {
		if i == 8 {
			names = append(names, fmt.Sprintf("... (%d records)", len(files)))
			break
		}
		names = append(names, f.Name)
	}
	return "[" + strings.Join(names, " ") + "]"
}

// readRecord reads a whole zip record of at most max bytes.
func readRecord(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("record is %d bytes, more than the %d-byte limit", f.UncompressedSize64, max)
	}
	if err := (&expansion{free: maxPickleFree}).check(f); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("record is more than %d bytes", max)
	}
	return b, nil
}

// checkpoint holds what is needed while decoding one zip checkpoint.
type checkpoint struct {
	r       io.ReaderAt
	size    int64
	prefix  string // "archive/" or similar
	records map[string]*zip.File
	order   binary.ByteOrder
	raw     map[string][]byte // storage key -> bytes, read on first use
	// expansion is what the archive's deflated storages may still
	// expand beyond the ratio cap.
	expansion *expansion
}

// storageClass is a torch.*Storage class named in the pickle.
type storageClass struct {
	name string
	dt   dtype
}

// ptStorage is a typed view of one storage record.
type ptStorage struct {
	key   string
	rec   *zip.File
	dt    dtype
	numel int64
}

// ptTensor is the unmaterialized result of torch._utils._rebuild_tensor_v2.
type ptTensor struct {
	storage *ptStorage
	offset  any
	size    any
	stride  any
	state   any // BUILD state of a Parameter; ignored
}

var storageClasses = map[string]dtype{
	"FloatStorage":    dtF32,
	"HalfStorage":     dtF16,
	"BFloat16Storage": dtBF16,
	"DoubleStorage":   dtF64,
	"LongStorage":     dtI64,
	"IntStorage":      dtI32,
	"ShortStorage":    dtI16,
	"CharStorage":     dtI8,
	"ByteStorage":     dtU8,
	"BoolStorage":     dtBool,
}

func rebuildTensor(args []any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: expected at least 4 arguments, found %d", len(args))
	}
	st, ok := args[0].(*ptStorage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: first argument is %s, expected a storage", describe(args[0]))
	}
	return &ptTensor{storage: st, offset: args[1], size: args[2], stride: args[3]}, nil
}

// persistentLoad resolves ('storage', StorageClass, key, location, numel).
func (ck *checkpoint) persistentLoad(pid any) (any, error) {
	pt, ok := pid.(*pkTuple)
	if !ok || len(pt.items) < 5 {
		return nil, fmt.Errorf("persistent id is %s, expected ('storage', class, key, location, numel)", describe(pid))
	}
	t := pt.items
	if s, _ := t[0].(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of type %s, expected 'storage'", describe(t[0]))
	}
	cls, ok1 := t[1].(*storageClass)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("storage persistent id has types (%s, %s, %s), expected (torch.*Storage, str, int)", describe(t[1]), describe(t[2]), describe(t[4]))
	}
	if cls.dt == dtInvalid {
		return nil, fmt.Errorf("storage %q has unsupported type %s (expected Float, Half, BFloat16, Double, Long, Int, Short, Char, Byte or Bool storage)", key, cls.name)
	}
	rec, ok := ck.records[ck.prefix+"data/"+key]
	if !ok {
		return nil, fmt.Errorf("storage %q: record %sdata/%s is missing", key, ck.prefix, key)
	}
	es := int64(cls.dt.size())
	if numel < 0 || int64(numel) > int64(rec.UncompressedSize64)/es || int64(numel)*es != int64(rec.UncompressedSize64) {
		return nil, fmt.Errorf("storage %q: pickle says %d %s elements (%d bytes) but record %s holds %d bytes", key, numel, cls.dt, int64(numel)*es, rec.Name, rec.UncompressedSize64)
	}
	return &ptStorage{key: key, rec: rec, dt: cls.dt, numel: int64(numel)}, nil
}

// unpickle runs the restricted unpickler on data.pkl and checks that the
// result holds nothing but what torch.load(weights_only=True) accepts.
func (ck *checkpoint) unpickle(data []byte) (any, error) {
	if err := scanPickle(data); err != nil {
		return nil, err
	}
	u := &unpickler{p: data, memo: map[int]any{}, ck: ck, budget: pickleWorkBase + pickleWorkPerByte*len(data)}
	obj, err := u.run()
	if err != nil {
		return nil, err
	}
	if err := walkPickle(obj, u.firstForbidden); err != nil {
		return nil, err
	}
	return obj, nil
}
