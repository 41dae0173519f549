package tensorio

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/internal/inputfile"
)

// MaxTensorElements is the largest number of elements a single tensor may
// have (1<<30 elements, i.e. 4 GiB as float32). Files that claim more are
// rejected before anything is allocated.
const MaxTensorElements = 1 << 30

// maxTensorBytes bounds the on-disk size of one tensor's data (4 GiB).
const maxTensorBytes = 4 << 30

// Tensor is a dense, C-ordered (row-major) float32 array.
// A scalar has an empty Shape and one element.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Numel returns the number of elements implied by Shape (1 for a scalar).
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// State is an ordered collection of named tensors, such as a PyTorch
// state dict. Names lists the tensors in file order; Tensors maps each
// name to its tensor.
type State struct {
	Names   []string
	Tensors map[string]*Tensor
	// Metadata holds the free-form string metadata of a .safetensors file
	// ("__metadata__"); it is nil for other formats.
	Metadata map[string]string
}

// NewState returns an empty State.
func NewState() *State {
	return &State{Tensors: map[string]*Tensor{}}
}

// Add appends a tensor under a new name. It fails if the name is already
// present.
func (s *State) Add(name string, t *Tensor) error {
	if s.Tensors == nil {
		s.Tensors = map[string]*Tensor{}
	}
	if _, dup := s.Tensors[name]; dup {
		return fmt.Errorf("tensor %q added twice", name)
	}
	s.Names = append(s.Names, name)
	s.Tensors[name] = t
	return nil
}

// Get returns the tensor stored under name, if any.
func (s *State) Get(name string) (*Tensor, bool) {
	t, ok := s.Tensors[name]
	return t, ok
}

// orderedNames checks that Names and Tensors agree and that every tensor's
// Data length matches its Shape, returning the names in write order. If
// Names is empty the map keys are used in sorted order.
func (s *State) orderedNames() ([]string, error) {
	if s == nil {
		return nil, errors.New("nil State")
	}
	names := s.Names
	if len(names) == 0 {
		for k := range s.Tensors {
			names = append(names, k)
		}
		sort.Strings(names)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("tensor %q listed twice in Names", n)
		}
		seen[n] = true
		t, ok := s.Tensors[n]
		if !ok || t == nil {
			return nil, fmt.Errorf("tensor %q is listed in Names but has no tensor", n)
		}
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("tensor %q: %v", n, err)
		}
	}
	if len(seen) != len(s.Tensors) {
		for k := range s.Tensors {
			if !seen[k] {
				return nil, fmt.Errorf("tensor %q is in Tensors but not in Names", k)
			}
		}
	}
	return names, nil
}

// check verifies that the shape is valid and matches len(Data).
func (t *Tensor) check() error {
	if t == nil {
		return errors.New("nil tensor")
	}
	n, err := numelOf(t.Shape)
	if err != nil {
		return err
	}
	if n != len(t.Data) {
		return fmt.Errorf("shape %s has %d elements but Data has %d", shapeString(t.Shape), n, len(t.Data))
	}
	return nil
}

// numelOf multiplies the dimensions, rejecting negative dimensions and
// products above MaxTensorElements without overflowing.
func numelOf(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %s has a negative dimension", shapeString(shape))
		}
	}
	for _, d := range shape {
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range shape {
		if d > MaxTensorElements || n > MaxTensorElements/d {
			return 0, fmt.Errorf("shape %s has more than %d elements (the limit)", shapeString(shape), MaxTensorElements)
		}
		n *= d
	}
	return n, nil
}

// shapeString formats a shape like a Python tuple: (), (3,), (2, 3).
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", d)
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// fileErr builds a one-line error prefixed by the file path.
func fileErr(path, format string, args ...any) error {
	return &Error{Path: path, Msg: oneLine(fmt.Sprintf(format, args...))}
}

// Error is the error type returned for malformed or unsupported files.
// Its message is a single line: "<path>: <what was expected vs found>".
type Error struct {
	Path string // file path as given by the caller ("" for io.Reader input)
	Msg  string
	Err  error // underlying error, if any (e.g. fs.ErrNotExist)
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// withPath prefixes an error from a path-less reader with the file path.
func withPath(path string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Path == "" {
		return &Error{Path: path, Msg: e.Msg, Err: e.Err}
	}
	return &Error{Path: path, Msg: oneLine(err.Error()), Err: err}
}

// osErr turns an os-level error (open, stat, read) into a one-line Error
// that still unwraps to the underlying cause (e.g. fs.ErrNotExist).
func osErr(path, op string, err error) error {
	err = inputfile.WithoutPath(err)
	return &Error{Path: path, Msg: op + ": " + oneLine(err.Error()), Err: err}
}

// oneLine collapses control characters so that an error message (which may
// embed text taken from a file) stays on one line, and bounds its length.
func oneLine(s string) string {
	const max = 400
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) && len(s) <= max {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
		if b.Len() > max {
			b.WriteString("...")
			break
		}
	}
	return b.String()
}

// quoteName quotes a name read from a file for inclusion in an error.
func quoteName(s string) string {
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32, handling
// subnormals, infinities and NaNs exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: value = mant * 2^-24.
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// bf16ToFloat32 converts a bfloat16 value to float32 (exact).
func bf16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}
