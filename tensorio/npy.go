package tensorio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/internal/atomicfile"
)

const (
	npyMagic = "\x93NUMPY"
	// maxNPYHeader bounds the header length we are willing to read.
	// NumPy itself refuses headers over 10000 bytes by default.
	maxNPYHeader = 1 << 20
	npyAlign     = 64
	// npyGrowthDigits mirrors numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: NumPy
	// leaves room in the header so that the first axis can grow in place.
	npyGrowthDigits = 21
)

// ReadNPY reads one array in NumPy .npy format (versions 1.0, 2.0 and 3.0)
// from r and converts it to float32. It reads exactly the header and the
// array data, so several arrays written back to back can be read in turn.
func ReadNPY(r io.Reader) (*Tensor, error) {
	t, err := readNPY(r, -1)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Path == "" {
			return nil, &Error{Msg: "npy: " + e.Msg, Err: e.Err}
		}
		return nil, err
	}
	return t, nil
}

// ReadNPYFile reads a .npy file. Unlike ReadNPY it also checks that the file
// holds nothing after the array data.
func ReadNPYFile(path string) (*Tensor, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := readNPY(bufio.NewReaderSize(f, 1<<16), size)
	if err != nil {
		return nil, withPath(path, err)
	}
	return t, nil
}

// npyErr is a path-less format error; callers add the path.
func npyErr(format string, args ...any) error {
	return &Error{Msg: oneLine(fmt.Sprintf(format, args...))}
}

// readNPY parses one array. size is the total number of bytes available in
// the input (file size), or -1 if unknown; when known the data must end
// exactly at the end of the input.
func readNPY(r io.Reader, size int64) (*Tensor, error) {
	return readNPYChecked(r, size, nil)
}

// readNPYChecked is readNPY with a check of the shape, called after the
// header is parsed and validated and before any data is read; its error is
// returned as is.
func readNPYChecked(r io.Reader, size int64, check func(shape []int) error) (*Tensor, error) {
	var pre [10]byte
	n, err := io.ReadFull(r, pre[:8])
	if err != nil {
		if n == 0 && err == io.EOF {
			return nil, npyErr("empty input: expected the .npy magic string %q", npyMagic)
		}
		return nil, npyErr("truncated: expected an 8-byte magic and version, found only %d bytes", n)
	}
	if string(pre[:6]) != npyMagic {
		return nil, npyErr("not a .npy file: expected magic %q, found %q", npyMagic, pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen int
	var prefix int
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, npyErr("truncated: expected a 2-byte header length after the version")
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
		prefix = 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, npyErr("truncated: expected a 4-byte header length after the version")
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > maxNPYHeader {
			return nil, npyErr("header length %d exceeds the %d-byte limit", h, maxNPYHeader)
		}
		hlen = int(h)
		prefix = 12
	default:
		return nil, npyErr("unsupported .npy format version %d.%d (expected 1.0, 2.0 or 3.0)", major, minor)
	}
	if minor != 0 {
		return nil, npyErr("unsupported .npy format version %d.%d (expected 1.0, 2.0 or 3.0)", major, minor)
	}
	if size >= 0 && int64(prefix+hlen) > size {
		return nil, npyErr("truncated header: header length field says %d bytes but the file has only %d bytes after the %d-byte prefix", hlen, size-int64(prefix), prefix)
	}
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return nil, npyErr("truncated header: expected %d header bytes, found only %d", hlen, n)
	}
	h, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, npyErr("bad header %q: %v", strings.TrimSpace(string(hdr)), err)
	}
	numel, err := numelOf(h.shape)
	if err != nil {
		return nil, npyErr("%v", err)
	}
	esize := h.dtype.size()
	need := int64(numel) * int64(esize)
	if size >= 0 {
		have := size - int64(prefix+hlen)
		if have < need {
			return nil, npyErr("truncated data: shape %s %s needs %d bytes, found only %d", shapeString(h.shape), h.descr, need, have)
		}
		if have > need {
			return nil, npyErr("%d unexpected trailing bytes after the %d bytes of data for shape %s %s", have-need, need, shapeString(h.shape), h.descr)
		}
	}
	if check != nil {
		if err := check(h.shape); err != nil {
			return nil, err
		}
	}
	// Read in bounded chunks so that a header claiming a huge array does
	// not make us allocate before the data is actually there.
	const chunkElems = 1 << 16
	out := make([]float32, 0, min(numel, chunkElems))
	buf := make([]byte, min(numel, chunkElems)*esize)
	for len(out) < numel {
		k := min(numel-len(out), chunkElems)
		b := buf[:k*esize]
		if m, err := io.ReadFull(r, b); err != nil {
			got := int64(len(out))*int64(esize) + int64(m)
			return nil, npyErr("truncated data: shape %s %s needs %d bytes, found only %d", shapeString(h.shape), h.descr, need, got)
		}
		start := len(out)
		out = append(out, make([]float32, k)...)
		h.dtype.decode(out[start:], b, h.order)
	}
	shape := h.shape
	if shape == nil {
		shape = []int{}
	}
	return &Tensor{Shape: shape, Data: out}, nil
}

type npyHeader struct {
	descr string
	dtype dtype
	order binary.ByteOrder
	shape []int
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
func parseNPYHeader(s string) (*npyHeader, error) {
	p := &pyParser{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the dict", p.rest())
	}
	d, ok := v.(pyDict)
	if !ok {
		return nil, errors.New("expected a dict literal")
	}
	var h npyHeader
	var haveDescr, haveFortran, haveShape bool
	for _, kv := range d {
		switch kv.key {
		case "descr":
			s, ok := kv.val.(string)
			if !ok {
				return nil, errors.New("descr is a structured (record) dtype; only plain numeric arrays are supported")
			}
			h.descr = s
			haveDescr = true
		case "fortran_order":
			b, ok := kv.val.(bool)
			if !ok {
				return nil, errors.New("fortran_order must be True or False")
			}
			if b {
				return nil, errors.New("fortran_order arrays are not supported; save with np.ascontiguousarray")
			}
			haveFortran = true
		case "shape":
			t, ok := kv.val.(pyTuple)
			if !ok {
				return nil, errors.New("shape must be a tuple of ints")
			}
			h.shape = []int(t)
			haveShape = true
		default:
			return nil, fmt.Errorf("unexpected key %q (expected descr, fortran_order, shape)", kv.key)
		}
	}
	switch {
	case !haveDescr:
		return nil, errors.New("missing key 'descr'")
	case !haveFortran:
		return nil, errors.New("missing key 'fortran_order'")
	case !haveShape:
		return nil, errors.New("missing key 'shape'")
	}
	dt, order, err := parseDescr(h.descr)
	if err != nil {
		return nil, err
	}
	h.dtype, h.order = dt, order
	return &h, nil
}

// parseDescr maps a NumPy dtype string such as '<f4' to a dtype.
func parseDescr(descr string) (dtype, binary.ByteOrder, error) {
	unsupported := fmt.Errorf("unsupported dtype %q (expected a float or integer type such as '<f4', '<f2', '<f8', '<i8', '|u1')", descr)
	if len(descr) < 2 {
		return dtInvalid, nil, unsupported
	}
	var order binary.ByteOrder
	switch descr[0] {
	case '<', '|', '=':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	default:
		return dtInvalid, nil, unsupported
	}
	var dt dtype
	switch descr[1:] {
	case "f2", "e":
		dt = dtF16
	case "f4", "f":
		dt = dtF32
	case "f8", "d":
		dt = dtF64
	case "i1", "b":
		dt = dtI8
	case "i2", "h":
		dt = dtI16
	case "i4", "i":
		dt = dtI32
	case "i8", "q":
		dt = dtI64
	case "u1", "B":
		dt = dtU8
	case "u2", "H":
		dt = dtU16
	case "u4", "I":
		dt = dtU32
	case "u8", "Q":
		dt = dtU64
	case "b1", "?":
		dt = dtBool
	default:
		return dtInvalid, nil, unsupported
	}
	return dt, order, nil
}

// A minimal parser for the Python literals that appear in .npy headers.
type (
	pyDict []pyKV
	pyKV   struct {
		key string
		val any
	}
	pyTuple []int
	pyList  struct{} // any list, or a tuple of non-ints
)

type pyParser struct {
	s     string
	i     int
	depth int
}

func (p *pyParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *pyParser) value() (any, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, errors.New("unexpected end of header")
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 32 {
		return nil, errors.New("literal nested too deeply")
	}
	c := p.s[p.i]
	switch {
	case c == '{':
		return p.dict()
	case c == '(':
		return p.tuple()
	case c == '[':
		return p.list()
	case c == '\'' || c == '"':
		return p.str()
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	case c >= '0' && c <= '9':
		return p.int()
	}
	return nil, fmt.Errorf("unexpected %q", p.rest())
}

func (p *pyParser) dict() (any, error) {
	p.i++ // '{'
	var d pyDict
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, nil
		}
		if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
			return nil, fmt.Errorf("expected a quoted key, found %q", p.rest())
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		for _, kv := range d {
			if kv.key == k {
				return nil, fmt.Errorf("duplicate key %q", k)
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' after key %q", k)
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		d = append(d, pyKV{k, v})
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			continue
		}
		return nil, fmt.Errorf("expected ',' or '}' in dict, found %q", p.rest())
	}
}

func (p *pyParser) tuple() (any, error) {
	p.i++ // '('
	var t pyTuple
	sawComma, nonInt := false, false
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			if len(t) == 1 && !sawComma && !nonInt {
				return nil, errors.New("shape (n) is an int, not a tuple; expected (n,)")
			}
			if nonInt {
				return pyList{}, nil // a tuple of other things: only valid in a structured descr
			}
			if t == nil {
				t = pyTuple{}
			}
			return t, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n, ok := v.(int)
		if !ok {
			nonInt = true
		}
		t = append(t, n)
		if len(t) > 64 {
			return nil, errors.New("more than 64 dimensions")
		}
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			sawComma = true
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			continue
		}
		return nil, fmt.Errorf("expected ',' or ')' in tuple, found %q", p.rest())
	}
}

// list skips over a list literal (structured dtype descriptions are lists);
// its content is not needed since such dtypes are rejected.
func (p *pyParser) list() (any, error) {
	p.i++ // '['
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return pyList{}, nil
		}
		if _, err := p.value(); err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			continue
		}
		return nil, fmt.Errorf("expected ',' or ']' in list, found %q", p.rest())
	}
}

func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", fmt.Errorf("escape sequences in string %q are not supported", v)
	}
	p.i += end + 2
	return v, nil
}

func (p *pyParser) int() (any, error) {
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil || uint64(n) > math.MaxInt {
		return nil, fmt.Errorf("dimension %s is too large", p.s[p.i:j])
	}
	p.i = j
	if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long suffix
		p.i++
	}
	return int(n), nil
}

// WriteNPY writes t as a version 1.0 .npy array of dtype '<f4' in C order,
// with the header padded exactly as NumPy pads it (to a multiple of 64
// bytes, with room for the first axis to grow).
func WriteNPY(w io.Writer, t *Tensor) error {
	if err := t.check(); err != nil {
		return &Error{Msg: "npy: cannot write tensor: " + err.Error()}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(npyHeaderBytes(t.Shape)); err != nil {
		return &Error{Msg: "npy: write: " + oneLine(err.Error()), Err: err}
	}
	var b [4]byte
	for _, v := range t.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		if _, err := bw.Write(b[:]); err != nil {
			return &Error{Msg: "npy: write: " + oneLine(err.Error()), Err: err}
		}
	}
	if err := bw.Flush(); err != nil {
		return &Error{Msg: "npy: write: " + oneLine(err.Error()), Err: err}
	}
	return nil
}

// npyHeaderBytes builds the magic, version, length and padded header for a
// float32 C-order array, following numpy.lib.format._write_array_header.
func npyHeaderBytes(shape []int) []byte {
	h := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }"
	if len(shape) > 0 {
		h += strings.Repeat(" ", max(0, npyGrowthDigits-len(strconv.Itoa(shape[0]))))
	}
	hlen := len(h) + 1 // trailing newline
	prefix := 10
	if pad := npyAlign - (prefix+hlen)%npyAlign; hlen+pad > math.MaxUint16 {
		prefix = 12
	}
	pad := npyAlign - (prefix+hlen)%npyAlign
	out := make([]byte, 0, prefix+hlen+pad)
	out = append(out, npyMagic...)
	if prefix == 10 {
		out = append(out, 1, 0)
		out = binary.LittleEndian.AppendUint16(out, uint16(hlen+pad))
	} else {
		out = append(out, 2, 0)
		out = binary.LittleEndian.AppendUint32(out, uint32(hlen+pad))
	}
	out = append(out, h...)
	out = append(out, strings.Repeat(" ", pad)...)
	out = append(out, '\n')
	return out
}

// WriteNPYFile writes t to path as a float32 .npy file.
func WriteNPYFile(path string, t *Tensor) error {
	if err := t.check(); err != nil {
		return fileErr(path, "cannot write tensor: %v", err)
	}
	var werr error // an encoding error, as opposed to a file error
	err := atomicfile.Write(path, func(w io.Writer) error {
		werr = WriteNPY(w, t)
		return werr
	})
	if werr != nil {
		var e *Error
		if errors.As(werr, &e) {
			return &Error{Path: path, Msg: strings.TrimPrefix(e.Msg, "npy: "), Err: e.Err}
		}
		return withPath(path, werr)
	}
	if err != nil {
		return osErr(path, "cannot write", err)
	}
	return nil
}
