package tensorio

import (
	"bytes"
	"fmt"
	"math"
)

// This file is a restricted unpickler for the data.pkl of a checkpoint.
// It implements the opcodes that torch.save and Python's pickle emit for
// state dicts and refuses the rest. Its work is bounded by the size of the
// pickle: every opcode costs one unit of a budget proportional to the
// number of bytes (plus one unit per item it moves), and the stack, the
// marks, the memo and container nesting each have a limit, checked as the
// opcodes run, so that a few kilobytes of MARK, DUP or nested-container
// opcodes cannot make it use gigabytes. Nothing is ever executed: GLOBAL
// resolves names against a fixed table (see resolveGlobal) and anything
// outside it becomes a forbiddenGlobal, which makes the load fail.

// Limits of the unpickler. A state dict's pickle moves a few items per
// byte, nests containers 3 to 6 deep and memoizes about one object per 20
// bytes; the limits leave orders of magnitude of room for honest files.
const (
	pickleWorkPerByte = 4       // work units per byte of pickle
	pickleWorkBase    = 1 << 12 // plus this many, for tiny pickles
	maxPickleStack    = 1 << 20 // items on the stack (all marks together)
	maxPickleMarks    = 64      // open MARKs
	maxPickleMemo     = 1 << 20 // memo entries
	maxPickleNesting  = 64      // containers inside containers
)

// pkList, pkTuple, pkDict and pkSet are the decoded Python containers. Each
// records its nesting depth at construction (1 + the deepest item added),
// which is how nested-container bombs are refused early; walkPickle checks
// the depth of the final graph, which aliasing through the memo can make
// deeper than any one insertion saw.
type pkList struct {
	items []any
	depth int
}

type pkTuple struct {
	items []any
	depth int
}

// pkDict keeps insertion order; keys that are str, int, float, bool or None
// compare by value (a repeated key replaces the value in place, as in
// Python), other keys by identity.
type pkDict struct {
	keys, vals []any
	index      map[any]int
	ordered    bool // collections.OrderedDict
	state      any  // BUILD argument (OrderedDict's _metadata), kept for walkPickle
	depth      int
}

type pkSet struct {
	items []any
	depth int
}

// pkGlobal is an allowed name that is not itself a tensor constructor
// (torch.Size, a dtype, torch.Tensor used as a type argument, ...).
type pkGlobal struct {
	name string
	call func(args []any) (any, error) // nil: calling it yields an inert pkValue
}

// pkValue is an inert result of calling an allowed pkGlobal.
type pkValue struct{ name string }

// forbiddenGlobal is any name outside the allowed table (os.system,
// builtins.eval, argparse.Namespace, ...). Calling it, building it or
// instantiating it gives back the same kind of value; it is never run.
type forbiddenGlobal struct {
	name     string
	instance bool
}

// pickleFunc is an allowed tensor constructor.
type pickleFunc struct {
	name string
	call func(args []any) (any, error)
}

func depthOf(v any) int {
	switch x := v.(type) {
	case *pkList:
		return x.depth
	case *pkTuple:
		return x.depth
	case *pkDict:
		return x.depth
	case *pkSet:
		return x.depth
	}
	return 0
}

// dictKeyOf returns the value-comparable key for a dict entry.
func dictKeyOf(k any) any {
	switch x := k.(type) {
	case string, int, bool, nil:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x) // 1.0 == 1 in Python
		}
		return x
	case []byte:
		return bytesKey(x) // slices are not comparable; bytes compare by value
	}
	return k // identity: pointers are comparable
}

// bytesKey is a bytes dict key, distinct from a str key of the same text.
type bytesKey string

func (d *pkDict) set(k, v any) {
	if d.index == nil {
		d.index = map[any]int{}
	}
	key := dictKeyOf(k)
	if i, ok := d.index[key]; ok {
		d.vals[i] = v
		return
	}
	d.index[key] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// unpickler holds the machine state.
type unpickler struct {
	p      []byte
	i      int
	stack  []any
	marks  []int
	memo   map[int]any
	work   int
	budget int
	ck     *checkpoint
	// firstForbidden is the first name outside the allowed table.
	firstForbidden string
}

func (u *unpickler) errf(at int, format string, args ...any) error {
	return fmt.Errorf("pickle offset %d: "+format, append([]any{at}, args...)...)
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxPickleStack {
		return fmt.Errorf("pickle stack holds more than %d items", maxPickleStack)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) floor() int {
	if len(u.marks) > 0 {
		return u.marks[len(u.marks)-1]
	}
	return 0
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) <= u.floor() {
		return nil, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark pops the items above the last MARK (a fresh slice) and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	u.work += len(items)
	return items, nil
}

// nest computes the depth of a container holding items and refuses it if
// it is too deep.
func nest(cur int, items ...any) (int, error) {
	d := cur
	for _, it := range items {
		if c := depthOf(it) + 1; c > d {
			d = c
		}
	}
	if d > maxPickleNesting {
		return 0, fmt.Errorf("containers nested more than %d deep", maxPickleNesting)
	}
	return d, nil
}

func (u *unpickler) line() string {
	j := bytes.IndexByte(u.p[u.i:], '\n')
	if j < 0 { // scanPickle has checked; be safe anyway
		j = len(u.p) - u.i
	}
	s := string(u.p[u.i : u.i+j])
	u.i += j + 1
	return s
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.p)-u.i {
		return nil, fmt.Errorf("argument of %d bytes runs past the end of the pickle", n)
	}
	b := u.p[u.i : u.i+n]
	u.i += n
	return b, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.take(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for k := n - 1; k >= 0; k-- {
		v = v<<8 | uint64(b[k])
	}
	return v, nil
}

// decodeLong decodes a little-endian two's-complement integer, refusing
// values that do not fit in an int64.
func decodeLong(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(b) > 8 {
		// Accept sign-extension padding only.
		pad := byte(0)
		if b[len(b)-1]&0x80 != 0 {
			pad = 0xff
		}
		for _, c := range b[8:] {
			if c != pad {
				return 0, fmt.Errorf("integer of %d bytes does not fit in 64 bits", len(b))
			}
		}
		if (b[7]&0x80 != 0) != (pad == 0xff) {
			return 0, fmt.Errorf("integer of %d bytes does not fit in 64 bits", len(b))
		}
		b = b[:8]
	}
	var v uint64
	for k := len(b) - 1; k >= 0; k-- {
		v = v<<8 | uint64(b[k])
	}
	if s := uint(64 - 8*len(b)); s > 0 && s < 64 {
		return int(int64(v<<s) >> s), nil
	}
	return int(int64(v)), nil
}

// run executes the pickle and returns the object STOP leaves.
func (u *unpickler) run() (any, error) {
	for u.i < len(u.p) {
		at := u.i
		op := u.p[u.i]
		u.i++
		u.work++
		if u.work > u.budget {
			return nil, fmt.Errorf("pickle needs more than %d steps, the budget for a %d-byte pickle", u.budget, len(u.p))
		}
		if op == '.' {
			v, err := u.pop()
			if err != nil {
				return nil, u.errf(at, "STOP: %v", err)
			}
			return v, nil
		}
		if err := u.step(op); err != nil {
			return nil, u.errf(at, "opcode 0x%02x: %v", op, err)
		}
	}
	return nil, fmt.Errorf("pickle ends without a STOP opcode")
}

func (u *unpickler) pushBytes(op byte, k int) error {
	b, err := u.take(k)
	if err != nil {
		return err
	}
	switch op {
	case 'B', 'C', 0x8e, 0x96:
		return u.push(append([]byte(nil), b...))
	}
	return u.push(string(b))
}

func (u *unpickler) tuple(items []any) error {
	d, err := nest(1, items...)
	if err != nil {
		return err
	}
	return u.push(&pkTuple{items: items, depth: d})
}

func (u *unpickler) setItems(d *pkDict, items []any, push bool) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of items (%d) for a dict", len(items))
	}
	var err error
	if d.depth, err = nest(d.depth, items...); err != nil {
		return err
	}
	for k := 0; k < len(items); k += 2 {
		d.set(items[k], items[k+1])
	}
	if push {
		return u.push(d)
	}
	return nil
}

// call applies an allowed function or class to args.
func (u *unpickler) call(fn any, args []any) (any, error) {
	switch f := fn.(type) {
	case *pickleFunc:
		return f.call(args)
	case *pkGlobal:
		if f.call == nil {
			return &pkValue{name: f.name}, nil
		}
		return f.call(args)
	case *forbiddenGlobal:
		return &forbiddenGlobal{name: f.name, instance: true}, nil
	case *storageClass:
		return nil, fmt.Errorf("calling %s directly is not allowed (storages come from persistent ids)", f.name)
	}
	return nil, fmt.Errorf("%s is not callable", describe(fn))
}
