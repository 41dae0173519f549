package tensorio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/fnlab/fnlab/internal/atomicfile"
)

// maxSafetensorsHeader is the largest JSON header accepted, the same limit
// as the reference safetensors implementation (100 MB).
const maxSafetensorsHeader = 100_000_000

var safetensorsDtypes = map[string]dtype{
	"F64":  dtF64,
	"F32":  dtF32,
	"F16":  dtF16,
	"BF16": dtBF16,
	"I64":  dtI64,
	"I32":  dtI32,
	"I16":  dtI16,
	"I8":   dtI8,
	"U64":  dtU64,
	"U32":  dtU32,
	"U16":  dtU16,
	"U8":   dtU8,
	"BOOL": dtBool,
}

// ReadSafetensors reads a .safetensors file. Every tensor is converted to
// float32; State.Names lists the tensors in the order of the JSON header.
func ReadSafetensors(path string) (*State, error) {
	return readSafetensorsFile(path, nil)
}

func readSafetensorsFile(path string, expect Expect) (*State, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readSafetensorsExpect(f, size, expect)
	if err != nil {
		return nil, withPath(path, err)
	}
	return s, nil
}

type stEntry struct {
	name       string
	dt         dtype
	dtName     string
	shape      []int
	begin, end int64
}

// readSafetensors parses and validates a safetensors image of the given
// size. Errors carry no path; the caller adds it.
func readSafetensors(r io.ReaderAt, size int64) (*State, error) {
	return readSafetensorsExpect(r, size, nil)
}

func readSafetensorsExpect(r io.ReaderAt, size int64, expect Expect) (*State, error) {
	errf := func(format string, args ...any) error {
		return &Error{Msg: oneLine(fmt.Sprintf(format, args...))}
	}
	if size < 8 {
		return nil, errf("file is %d bytes, too short for the 8-byte safetensors header length", size)
	}
	var lb [8]byte
	if _, err := r.ReadAt(lb[:], 0); err != nil {
		return nil, errf("cannot read header length: %v", err)
	}
	hlen := binary.LittleEndian.Uint64(lb[:])
	if string(lb[:4]) == "PK\x03\x04" {
		return nil, errf("not a safetensors file: this is a zip archive (a PyTorch checkpoint? give it the .pth extension)")
	}
	if hlen > maxSafetensorsHeader {
		return nil, errf("header length %d exceeds the %d-byte limit (not a safetensors file?)", hlen, maxSafetensorsHeader)
	}
	if int64(hlen) > size-8 {
		return nil, errf("header length %d exceeds the %d bytes after the length field (truncated file?)", hlen, size-8)
	}
	if hlen < 2 {
		return nil, errf("header length %d is too small for a JSON object", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, errf("cannot read %d-byte header: %v", hlen, err)
	}
	dataStart := 8 + int64(hlen)
	dataLen := size - dataStart
	entries, meta, err := parseSafetensorsHeader(hdr, dataLen)
	if err != nil {
		return nil, &Error{Msg: oneLine(err.Error())}
	}

	shapeOnly := map[string]bool{}
	if expect != nil {
		kept := entries[:0:0]
		for _, e := range entries {
			err := expect(e.name, e.shape)
			switch {
			case err == ErrSkip:
				continue
			case err == ErrShapeOnly:
				shapeOnly[e.name] = true
			case err != nil:
				return nil, errf("tensor %s: %v", quoteName(e.name), err)
			}
			kept = append(kept, e)
		}
		entries = kept
	}
	s := &State{Names: make([]string, 0, len(entries)), Tensors: make(map[string]*Tensor, len(entries)), Metadata: meta}
	var buf []byte
	for _, e := range entries {
		if shapeOnly[e.name] {
			s.Names = append(s.Names, e.name)
			s.Tensors[e.name] = &Tensor{Shape: e.shape}
			continue
		}
		n := int(e.end - e.begin)
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		b := buf[:n]
		if m, err := r.ReadAt(b, dataStart+e.begin); m < n {
			return nil, errf("tensor %s: cannot read data at offsets [%d, %d): %v", quoteName(e.name), e.begin, e.end, err)
		}
		numel := n / e.dt.size()
		t := &Tensor{Shape: e.shape, Data: make([]float32, numel)}
		e.dt.decode(t.Data, b, binary.LittleEndian)
		s.Names = append(s.Names, e.name)
		s.Tensors[e.name] = t
	}
	return s, nil
}

// parseSafetensorsHeader validates the JSON header against the size of the
// data section and returns the tensor entries in header order.
func parseSafetensorsHeader(hdr []byte, dataLen int64) (entries []stEntry, meta map[string]string, err error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("header is not valid UTF-8 JSON")
	}
	if hdr[0] != '{' {
		return nil, nil, fmt.Errorf("header must be a JSON object starting with '{', found %q", hdr[:min(len(hdr), 16)])
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{'
		return nil, nil, fmt.Errorf("bad header JSON: %v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		var tok json.Token
		tok, err = dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("bad header JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("bad header JSON: expected a key, found %v", tok)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("tensor %s appears twice in the header", quoteName(name))
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("bad header JSON at key %s: %v", quoteName(name), err)
		}
		if name == "__metadata__" {
			if err := json.Unmarshal(raw, &meta); err != nil || meta == nil {
				return nil, nil, fmt.Errorf("__metadata__ must be a JSON object of strings, found %s", truncate(string(raw), 60))
			}
			continue
		}
		e, err := parseSafetensorsEntry(name, raw, dataLen)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %s: %v", quoteName(name), err)
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, fmt.Errorf("bad header JSON: %v", err)
	}
	if rest := bytes.TrimSpace(hdr[dec.InputOffset():]); len(rest) > 0 {
		return nil, nil, fmt.Errorf("unexpected %q after the header's JSON object", rest[:min(len(rest), 16)])
	}

	// Non-empty tensors must not overlap.
	idx := make([]int, 0, len(entries))
	for i, e := range entries {
		if e.end > e.begin {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return entries[idx[a]].begin < entries[idx[b]].begin })
	for k := 1; k < len(idx); k++ {
		p, c := entries[idx[k-1]], entries[idx[k]]
		if c.begin < p.end {
			return nil, nil, fmt.Errorf("tensor %s data [%d, %d) overlaps tensor %s data [%d, %d)", quoteName(c.name), c.begin, c.end, quoteName(p.name), p.begin, p.end)
		}
	}
	return entries, meta, nil
}

func parseSafetensorsEntry(name string, raw json.RawMessage, dataLen int64) (stEntry, error) {
	e := stEntry{name: name}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return e, fmt.Errorf("expected a JSON object with dtype, shape and data_offsets, found %s", truncate(string(raw), 60))
	}
	dtRaw, ok1 := fields["dtype"]
	shapeRaw, ok2 := fields["shape"]
	offRaw, ok3 := fields["data_offsets"]
	if !ok1 || !ok2 || !ok3 {
		return e, fmt.Errorf("expected fields dtype, shape and data_offsets, found %s", truncate(string(raw), 60))
	}
	if err := json.Unmarshal(dtRaw, &e.dtName); err != nil {
		return e, fmt.Errorf("dtype must be a string, found %s", truncate(string(dtRaw), 30))
	}
	dt, ok := safetensorsDtypes[e.dtName]
	if !ok {
		return e, fmt.Errorf("unsupported dtype %s (expected F32, F16, BF16, F64 or an integer type)", quoteName(e.dtName))
	}
	e.dt = dt
	shape, err := jsonInts(shapeRaw, 64)
	if err != nil {
		return e, fmt.Errorf("shape: %v", err)
	}
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		if d > math.MaxInt {
			return e, fmt.Errorf("shape %v has more than %d elements (the limit)", shape, MaxTensorElements)
		}
		e.shape[i] = int(d)
	}
	offs, err := jsonInts(offRaw, 2)
	if err != nil {
		return e, fmt.Errorf("data_offsets: %v", err)
	}
	if len(offs) != 2 {
		return e, fmt.Errorf("data_offsets must have 2 entries, found %d", len(offs))
	}
	e.begin, e.end = int64(offs[0]), int64(offs[1])
	if offs[0] > offs[1] {
		return e, fmt.Errorf("data offsets [%d, %d) are reversed (begin > end)", offs[0], offs[1])
	}
	if offs[1] > uint64(dataLen) {
		return e, fmt.Errorf("data offsets [%d, %d) exceed the %d bytes of data", offs[0], offs[1], dataLen)
	}
	numel, err := numelOf(e.shape)
	if err != nil {
		return e, err
	}
	need := int64(numel) * int64(dt.size())
	if have := e.end - e.begin; have != need {
		return e, fmt.Errorf("data offsets [%d, %d) hold %d bytes but shape %s %s needs %d", e.begin, e.end, have, shapeString(e.shape), e.dtName, need)
	}
	return e, nil
}

// jsonInts decodes a JSON array of non-negative integers of at most max
// entries.
func jsonInts(raw json.RawMessage, max int) ([]uint64, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || arr == nil {
		return nil, fmt.Errorf("expected an array of non-negative integers, found %s", truncate(string(raw), 40))
	}
	if len(arr) > max {
		return nil, fmt.Errorf("expected at most %d entries, found %d", max, len(arr))
	}
	out := make([]uint64, len(arr))
	for i, a := range arr {
		v, err := strconv.ParseUint(string(a), 10, 63)
		if err != nil {
			return nil, fmt.Errorf("expected a non-negative integer, found %s", truncate(string(a), 30))
		}
		out[i] = v
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// WriteSafetensors writes s to path as a safetensors file with every tensor
// stored as F32, in s.Names order (sorted order if Names is empty), and
// s.Metadata as "__metadata__" if it is not nil. The file is written to a
// temporary name and renamed into place.
func WriteSafetensors(path string, s *State) error {
	names, err := s.orderedNames()
	if err != nil {
		return fileErr(path, "cannot write state: %v", err)
	}
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if s.Metadata != nil {
		md, err := json.Marshal(s.Metadata)
		if err != nil {
			return fileErr(path, "cannot encode metadata: %v", err)
		}
		hdr.WriteString(`"__metadata__":`)
		hdr.Write(md)
	}
	var off int64
	for _, n := range names {
		t := s.Tensors[n]
		if hdr.Len() > 1 {
			hdr.WriteByte(',')
		}
		key, _ := json.Marshal(n)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		sh, _ := json.Marshal(shape)
		end := off + 4*int64(len(t.Data))
		fmt.Fprintf(&hdr, `%s:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, key, sh, off, end)
		off = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}

	err = atomicfile.Write(path, func(w io.Writer) error {
		var lb [8]byte
		binary.LittleEndian.PutUint64(lb[:], uint64(hdr.Len()))
		w.Write(lb[:])
		w.Write(hdr.Bytes())
		var b [4]byte
		for _, n := range names {
			for _, v := range s.Tensors[n].Data {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				if _, err := w.Write(b[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return osErr(path, "cannot write", err)
	}
	return nil
}
