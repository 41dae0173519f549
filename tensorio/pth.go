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

// maxBroadcastElements bounds tensors that have more elements than their
// storage (views with zero strides, e.g. from expand()), so that a tiny
// file cannot ask for gigabytes of output.
const maxBroadcastElements = 1 << 24

// stateDictKeys are the keys under which training scripts commonly wrap a
// state dict, in order of preference.
var stateDictKeys = []string{"state_dict", "model_state_dict", "model", "module"}

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

type entry struct {
	key string
	val any
}

// dictEntries returns the entries of a pickled dict in insertion order
// (a repeated key has replaced the value in place, as in Python).
func dictEntries(obj any) ([]entry, bool) {
	d, ok := obj.(*pkDict)
	if !ok {
		return nil, false
	}
	out := make([]entry, len(d.keys))
	for i, k := range d.keys {
		ks, ok := k.(string)
		if !ok {
			ks = "\x00" + describe(k)
		}
		out[i] = entry{ks, d.vals[i]}
	}
	return out, true
}

// describe names the Python type of a decoded pickle value, for errors.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case *ptTensor:
		return "a tensor"
	case *ptStorage:
		return "a storage"
	case *storageClass:
		return x.name
	case []byte:
		return "a bytes"
	case *pkDict:
		if x.ordered {
			return "an OrderedDict"
		}
		return "a dict"
	case *pkList:
		return "a list"
	case *pkTuple:
		return "a tuple"
	case *pkSet:
		return "a set"
	case *pkGlobal:
		return x.name
	case *pkValue:
		return "a " + x.name + " object"
	case *pickleFunc:
		return x.name
	case *forbiddenGlobal:
		if x.instance {
			return "an instance of " + x.name
		}
		return x.name
	}
	return fmt.Sprintf("a %T", v)
}

// isStateDict reports whether every entry maps a string to a tensor
// (entries ending in "_extra_state" are ignored) and there is at least one.
func isStateDict(es []entry) bool {
	n := 0
	for _, e := range es {
		if strings.HasSuffix(e.key, "_extra_state") {
			continue
		}
		if _, ok := e.val.(*ptTensor); !ok || strings.HasPrefix(e.key, "\x00") {
			return false
		}
		n++
	}
	return n > 0
}

// findStateDict locates the state dict in the unpickled top-level object.
func findStateDict(obj any, depth int) ([]entry, error) {
	es, ok := dictEntries(obj)
	if !ok {
		return nil, fmt.Errorf("top-level object is %s, expected a state dict (dict of name -> tensor)", describe(obj))
	}
	if isStateDict(es) {
		return es, nil
	}
	if depth < 2 {
		for _, k := range stateDictKeys {
			for _, e := range es {
				if e.key != k {
					continue
				}
				if inner, err := findStateDict(e.val, depth+1); err == nil {
					return inner, nil
				}
			}
		}
	}
	// Explain what was found.
	keys := make([]string, 0, len(es))
	var bad *entry
	tensors := 0
	for i := range es {
		k := es[i].key
		if strings.HasPrefix(k, "\x00") {
			k = "<" + k[1:] + ">"
		}
		if len(keys) < 10 {
			keys = append(keys, k)
		} else if len(keys) == 10 {
			keys = append(keys, "...")
		}
		if _, ok := es[i].val.(*ptTensor); ok {
			tensors++
		} else if bad == nil && !strings.HasSuffix(k, "_extra_state") {
			bad = &es[i]
		}
	}
	if tensors > 0 && bad != nil {
		return nil, fmt.Errorf("state dict entry %s is %s, expected a tensor", quoteName(bad.key), describe(bad.val))
	}
	if len(es) == 0 {
		return nil, errors.New("the checkpoint holds an empty dict, expected a state dict with tensors")
	}
	return nil, fmt.Errorf("expected a state dict (name -> tensor) or a dict holding one under \"state_dict\", \"model_state_dict\", \"model\" or \"module\"; found a dict with keys [%s]", strings.Join(keys, " "))
}

// state turns the unpickled object into a State.
func (ck *checkpoint) state(obj any, expect Expect) (*State, error) {
	es, err := findStateDict(obj, 0)
	if err != nil {
		return nil, pthErr("%v", err)
	}
	kept := es[:0:0]
	for _, e := range es {
		if _, ok := e.val.(*ptTensor); ok {
			kept = append(kept, e)
		}
	}
	strip := len(kept) > 0
	for _, e := range kept {
		if !strings.HasPrefix(e.key, "module.") || len(e.key) == len("module.") {
			strip = false
			break
		}
	}
	shapeOnly := map[string][]int{}
	if expect != nil {
		// Every name and shape is checked before any storage is read.
		all := kept
		kept = kept[:0:0]
		for _, e := range all {
			name := e.key
			if strip {
				name = strings.TrimPrefix(name, "module.")
			}
			shape, err := intsOf(e.val.(*ptTensor).size, "size")
			if err != nil {
				return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
			}
			err = expect(name, shape)
			switch {
			case err == ErrSkip:
				continue
			case err == ErrShapeOnly:
				shapeOnly[e.key] = shape
			case err != nil:
				return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
			}
			kept = append(kept, e)
		}
	}
	if err := checkViewTotal(kept, shapeOnly); err != nil {
		return nil, pthErr("%v", err)
	}
	s := &State{Names: make([]string, 0, len(kept)), Tensors: make(map[string]*Tensor, len(kept))}
	for _, e := range kept {
		var t *Tensor
		if shape, ok := shapeOnly[e.key]; ok {
			t = &Tensor{Shape: shape}
		} else if t, err = ck.materialize(e.val.(*ptTensor)); err != nil {
			return nil, pthErr("tensor %s: %v", quoteName(e.key), err)
		}
		name := e.key
		if strip {
			name = strings.TrimPrefix(name, "module.")
		}
		s.Names = append(s.Names, name)
		s.Tensors[name] = t
	}
	return s, nil
}

// maxViewCopies bounds what the tensors copy out of their storages, as a
// multiple of the stored elements (plus maxBroadcastElements): tensors that
// share a storage (tied weights) are copied each, but a few kilobytes of
// pickle must not copy one storage a thousand times.
const maxViewCopies = 4

func checkViewTotal(kept []entry, shapeOnly map[string][]int) error {
	var out, stored int64
	seen := map[string]bool{} // by record: each persistent id makes its own *ptStorage
	for _, e := range kept {
		if _, ok := shapeOnly[e.key]; ok {
			continue
		}
		t := e.val.(*ptTensor)
		if !seen[t.storage.rec.Name] {
			seen[t.storage.rec.Name] = true
			stored += t.storage.numel
		}
		shape, err := intsOf(t.size, "size")
		if err != nil {
			continue // reported with the tensor's name when it is materialized
		}
		n, err := numelOf(shape)
		if err != nil {
			continue
		}
		out += int64(n)
	}
	if out > maxViewCopies*stored+maxBroadcastElements {
		return fmt.Errorf("the tensors' views copy %d elements out of %d stored, more than %dx (a view bomb?)", out, stored, maxViewCopies)
	}
	return nil
}

func intsOf(v any, what string) ([]int, error) {
	var vals []any
	switch x := v.(type) {
	case *pkTuple:
		vals = x.items
	case *pkList:
		vals = x.items
	default:
		return nil, fmt.Errorf("%s is %s, expected a tuple of ints", what, describe(v))
	}
	if len(vals) > 64 {
		return nil, fmt.Errorf("%s has %d dimensions, more than 64", what, len(vals))
	}
	out := make([]int, len(vals))
	for i, e := range vals {
		n, ok := e.(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s has entry %v, expected a non-negative int", what, e)
		}
		out[i] = n
	}
	return out, nil
}

// materialize validates a tensor's view of its storage and copies it out
// as contiguous float32.
func (ck *checkpoint) materialize(t *ptTensor) (*Tensor, error) {
	offset, ok := t.offset.(int)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("storage offset is %v, expected a non-negative int", t.offset)
	}
	shape, err := intsOf(t.size, "size")
	if err != nil {
		return nil, err
	}
	stride, err := intsOf(t.stride, "stride")
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("size %s has %d dimensions but stride %v has %d", shapeString(shape), len(shape), stride, len(stride))
	}
	numel, err := numelOf(shape)
	if err != nil {
		return nil, err
	}
	st := t.storage
	if int64(numel) > st.numel && numel > maxBroadcastElements {
		return nil, fmt.Errorf("view (size %s, stride %v) expands %d storage elements to %d; refusing broadcast views of more than %d elements", shapeString(shape), stride, st.numel, numel, maxBroadcastElements)
	}
	if numel == 0 {
		return &Tensor{Shape: shape, Data: []float32{}}, nil
	}
	// The last element touched is offset + sum((size-1)*stride); it must
	// lie inside the storage. Each term is checked before adding so the sum
	// cannot overflow.
	last := int64(offset)
	if last >= st.numel {
		return nil, fmt.Errorf("storage offset %d is past the %d elements of storage %q", offset, st.numel, st.key)
	}
	for i, d := range shape {
		if stride[i] != 0 && int64(d-1) > (st.numel-1)/int64(stride[i]) {
			return nil, fmt.Errorf("view (offset %d, size %s, stride %v) reaches past the %d elements of storage %q", offset, shapeString(shape), stride, st.numel, st.key)
		}
		last += int64(d-1) * int64(stride[i])
		if last >= st.numel {
			return nil, fmt.Errorf("view (offset %d, size %s, stride %v) reaches past the %d elements of storage %q", offset, shapeString(shape), stride, st.numel, st.key)
		}
	}
	// The storage is read (and checked) before the output is allocated.
	raw, err := ck.storageBytes(st)
	if err != nil {
		return nil, err
	}
	out := &Tensor{Shape: shape, Data: make([]float32, numel)}
	es := st.dt.size()
	if isContiguous(shape, stride) {
		st.dt.decode(out.Data, raw[offset*es:], ck.order)
		return out, nil
	}
	// General strided gather, odometer style.
	idx := make([]int, len(shape))
	pos := offset
	for i := range out.Data {
		out.Data[i] = st.dt.at(raw, pos, ck.order)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			pos += stride[d]
			if idx[d] < shape[d] {
				break
			}
			pos -= stride[d] * shape[d]
			idx[d] = 0
		}
	}
	return out, nil
}

// isContiguous reports whether stride is the C-contiguous stride for shape
// (dimensions of size 1 may have any stride).
func isContiguous(shape, stride []int) bool {
	want := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= shape[i]
	}
	return true
}

// storageBytes reads (once) the raw bytes of a storage record.
func (ck *checkpoint) storageBytes(st *ptStorage) ([]byte, error) {
	if b, ok := ck.raw[st.rec.Name]; ok {
		return b, nil
	}
	want := int64(st.rec.UncompressedSize64)
	if want > maxTensorBytes {
		return nil, fmt.Errorf("storage %q is %d bytes, more than the %d-byte limit", st.key, want, int64(maxTensorBytes))
	}
	if err := ck.expansion.check(st.rec); err != nil {
		return nil, fmt.Errorf("storage %q: record %s: %v", st.key, st.rec.Name, err)
	}
	rc, err := st.rec.Open()
	if err != nil {
		return nil, fmt.Errorf("storage %q: cannot open record %s: %v", st.key, st.rec.Name, err)
	}
	defer rc.Close()
	var b []byte
	if off, err := st.rec.DataOffset(); err == nil && st.rec.Method == zip.Store && off+want <= ck.size {
		// Stored (uncompressed) data that fits in the file: read it directly.
		b = make([]byte, want)
		_, err = io.ReadFull(rc, b)
		if err != nil {
			return nil, fmt.Errorf("storage %q: reading record %s: %v", st.key, st.rec.Name, err)
		}
	} else {
		// Compressed, or claims more than the file holds: let the buffer
		// grow with the data actually read.
		b, err = io.ReadAll(io.LimitReader(rc, want+1))
		if err != nil {
			return nil, fmt.Errorf("storage %q: reading record %s: %v", st.key, st.rec.Name, err)
		}
		if int64(len(b)) != want {
			return nil, fmt.Errorf("storage %q: record %s holds %d bytes, its header says %d", st.key, st.rec.Name, len(b), want)
		}
	}
	ck.raw[st.rec.Name] = b
	return b, nil
}
