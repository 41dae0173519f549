package tensorio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
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
	maxPickleMemo     = 1 << 22 // memo entries
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
	}
	return k // identity: pointers are comparable
}

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

func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		_, err := u.take(1)
		return err
	case 0x95: // FRAME: opcodes follow inline
		_, err := u.take(8)
		return err
	case '(': // MARK
		if len(u.marks) >= maxPickleMarks {
			return fmt.Errorf("more than %d open MARKs", maxPickleMarks)
		}
		u.marks = append(u.marks, len(u.stack))
		return nil
	case '0': // POP
		if len(u.stack) == u.floor() && len(u.marks) > 0 {
			u.marks = u.marks[:len(u.marks)-1] // POP of a mark, as CPython does
			return nil
		}
		_, err := u.pop()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.push(v)
	case 'N':
		return u.push(nil)
	case 0x88:
		return u.push(true)
	case 0x89:
		return u.push(false)
	case 'I': // INT (text)
		s := u.line()
		switch s {
		case "01":
			return u.push(true)
		case "00":
			return u.push(false)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("INT %q: expected a 64-bit integer", s)
		}
		return u.push(int(n))
	case 'L': // LONG (text)
		s := strings.TrimSuffix(strings.TrimSpace(u.line()), "L")
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("LONG %q: expected a 64-bit integer", s)
		}
		return u.push(int(n))
	case 'J':
		v, err := u.uint(4)
		if err != nil {
			return err
		}
		return u.push(int(int32(uint32(v))))
	case 'K', 'M':
		n := 1
		if op == 'M' {
			n = 2
		}
		v, err := u.uint(n)
		if err != nil {
			return err
		}
		return u.push(int(v))
	case 0x8a, 0x8b: // LONG1, LONG4
		n := 1
		if op == 0x8b {
			n = 4
		}
		k, err := u.uint(n)
		if err != nil {
			return err
		}
		if k > maxPickleLongBytes {
			return fmt.Errorf("integer of %d bytes is too long", k)
		}
		b, err := u.take(int(k))
		if err != nil {
			return err
		}
		v, err := decodeLong(b)
		if err != nil {
			return err
		}
		return u.push(v)
	case 'F':
		s := strings.TrimSpace(u.line())
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("FLOAT %q: not a number", s)
		}
		return u.push(f)
	case 'G':
		b, err := u.take(8)
		if err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'S': // STRING: a quoted repr
		s := u.line()
		if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
			s = s[1 : len(s)-1]
		} else {
			return fmt.Errorf("STRING argument is not quoted")
		}
		return u.push(s)
	case 'V': // UNICODE (raw-unicode-escape; taken as is)
		return u.push(u.line())
	case 'T', 'X', 'B': // 4-byte length
		k, err := u.uint(4)
		if err != nil {
			return err
		}
		return u.pushBytes(op, int(k))
	case 'U', 0x8c, 'C': // 1-byte length
		k, err := u.uint(1)
		if err != nil {
			return err
		}
		return u.pushBytes(op, int(k))
	case 0x8d, 0x8e, 0x96: // 8-byte length
		k, err := u.uint(8)
		if err != nil {
			return err
		}
		if k > uint64(len(u.p)) {
			return fmt.Errorf("argument of %d bytes runs past the end of the pickle", k)
		}
		return u.pushBytes(op, int(k))
	case ')':
		return u.push(&pkTuple{depth: 1})
	case 't':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.tuple(items)
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(op - 0x84)
		if len(u.stack)-u.floor() < n {
			return fmt.Errorf("stack underflow")
		}
		items := append([]any(nil), u.stack[len(u.stack)-n:]...)
		u.stack = u.stack[:len(u.stack)-n]
		return u.tuple(items)
	case ']':
		return u.push(&pkList{depth: 1})
	case 'l':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d, err := nest(1, items...)
		if err != nil {
			return err
		}
		return u.push(&pkList{items: items, depth: d})
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		var err error
		if op == 'a' {
			var v any
			if v, err = u.pop(); err == nil {
				items = []any{v}
			}
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		l, ok := t.(*pkList)
		if !ok {
			return fmt.Errorf("APPEND to %s, expected a list", describe(t))
		}
		if l.depth, err = nest(l.depth, items...); err != nil {
			return err
		}
		l.items = append(l.items, items...)
		return nil
	case '}':
		return u.push(&pkDict{depth: 1})
	case 'd':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := &pkDict{depth: 1}
		return u.setItems(d, items, true)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		var err error
		if op == 's' {
			if len(u.stack)-u.floor() < 2 {
				return fmt.Errorf("stack underflow")
			}
			items = append([]any(nil), u.stack[len(u.stack)-2:]...)
			u.stack = u.stack[:len(u.stack)-2]
		} else if items, err = u.popMark(); err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		d, ok := t.(*pkDict)
		if !ok {
			return fmt.Errorf("SETITEM on %s, expected a dict", describe(t))
		}
		return u.setItems(d, items, false)
	case 0x8f: // EMPTY_SET
		return u.push(&pkSet{depth: 1})
	case 0x90: // ADDITEMS
		items, err := u.popMark()
		if err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		s, ok := t.(*pkSet)
		if !ok {
			return fmt.Errorf("ADDITEMS to %s, expected a set", describe(t))
		}
		if s.depth, err = nest(s.depth, items...); err != nil {
			return err
		}
		s.items = append(s.items, items...)
		return nil
	case 0x91: // FROZENSET
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d, err := nest(1, items...)
		if err != nil {
			return err
		}
		return u.push(&pkSet{items: items, depth: d})
	case 'p', 'q', 'r', 0x94: // PUT, BINPUT, LONG_BINPUT, MEMOIZE
		var idx int
		switch op {
		case 'p':
			n, err := strconv.Atoi(strings.TrimSpace(u.line()))
			if err != nil {
				return fmt.Errorf("PUT index is not an integer")
			}
			idx = n
		case 'q', 'r':
			n := 1
			if op == 'r' {
				n = 4
			}
			v, err := u.uint(n)
			if err != nil {
				return err
			}
			idx = int(v)
		default:
			idx = len(u.memo)
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		if _, ok := u.memo[idx]; !ok && len(u.memo) >= maxPickleMemo {
			return fmt.Errorf("memo holds more than %d entries", maxPickleMemo)
		}
		u.memo[idx] = v
		return nil
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		var idx int
		switch op {
		case 'g':
			n, err := strconv.Atoi(strings.TrimSpace(u.line()))
			if err != nil {
				return fmt.Errorf("GET index is not an integer")
			}
			idx = n
		default:
			n := 1
			if op == 'j' {
				n = 4
			}
			v, err := u.uint(n)
			if err != nil {
				return err
			}
			idx = int(v)
		}
		v, ok := u.memo[idx]
		if !ok {
			return fmt.Errorf("memo entry %d was never stored", idx)
		}
		return u.push(v)
	case 'c': // GLOBAL
		module := u.line()
		name := u.line()
		return u.push(u.resolveGlobal(module, name))
	case 0x93: // STACK_GLOBAL
		name, err1 := u.pop()
		module, err2 := u.pop()
		ms, ok1 := module.(string)
		ns, ok2 := name.(string)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL expects two strings")
		}
		return u.push(u.resolveGlobal(ms, ns))
	case 'R': // REDUCE
		args, err := u.pop()
		if err != nil {
			return err
		}
		fn, err := u.pop()
		if err != nil {
			return err
		}
		t, ok := args.(*pkTuple)
		if !ok {
			return fmt.Errorf("REDUCE arguments are %s, expected a tuple", describe(args))
		}
		v, err := u.call(fn, t.items)
		if err != nil {
			return err
		}
		return u.push(v)
	case 0x81: // NEWOBJ
		args, err := u.pop()
		if err != nil {
			return err
		}
		cls, err := u.pop()
		if err != nil {
			return err
		}
		t, ok := args.(*pkTuple)
		if !ok {
			return fmt.Errorf("NEWOBJ arguments are %s, expected a tuple", describe(args))
		}
		v, err := u.call(cls, t.items)
		if err != nil {
			return err
		}
		return u.push(v)
	case 'b': // BUILD
		state, err := u.pop()
		if err != nil {
			return err
		}
		obj, err := u.top()
		if err != nil {
			return err
		}
		switch o := obj.(type) {
		case *pkDict:
			o.state = state // OrderedDict._metadata: kept for the walk, not merged
		case *ptTensor:
			o.state = state // Parameter state (requires_grad, hooks): ignored
		case *forbiddenGlobal:
		default:
			return fmt.Errorf("BUILD on %s is not allowed", describe(obj))
		}
		return nil
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.ck.persistentLoad(pid)
		if err != nil {
			return err
		}
		return u.push(v)
	case 'P':
		return fmt.Errorf("text persistent ids (PERSID) are not used by torch.save")
	case 0x92, 'i', 'o': // NEWOBJ_EX, INST, OBJ
		return fmt.Errorf("instance-creating opcode is not allowed in a state dict (torch.load(weights_only=True) refuses it too)")
	case 0x82, 0x83, 0x84:
		return fmt.Errorf("extension-registry opcodes are not allowed")
	case 0x97, 0x98:
		return fmt.Errorf("out-of-band buffers are not supported")
	}
	return fmt.Errorf("unknown opcode")
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

// resolveGlobal maps a module and name to an allowed object: the names that
// torch.load(weights_only=True) accepts in a state dict. Anything else is a
// forbiddenGlobal.
func (u *unpickler) resolveGlobal(module, name string) any {
	full := module + "." + name
	switch full {
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		return &pickleFunc{full, rebuildTensor}
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return &pickleFunc{full, func(args []any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("%s: missing data argument", full)
			}
			if _, ok := args[0].(*ptTensor); !ok {
				return nil, fmt.Errorf("%s: data is %s, expected a tensor", full, describe(args[0]))
			}
			return args[0], nil
		}}
	case "torch._tensor._rebuild_from_type_v2":
		return &pickleFunc{full, func(args []any) (any, error) {
			if len(args) < 3 {
				return nil, fmt.Errorf("%s: expected at least 3 arguments", full)
			}
			fargs, ok := args[2].(*pkTuple)
			if _, isFn := args[0].(*pickleFunc); !isFn || !ok {
				return nil, fmt.Errorf("%s: expected (tensor function, type, args tuple, ...)", full)
			}
			if g, ok := args[1].(*pkGlobal); !ok || (!tensorTypes[g.name]) {
				return nil, fmt.Errorf("%s: type %s is not allowed (expected torch.Tensor or torch.nn.Parameter)", full, describe(args[1]))
			}
			return u.call(args[0], fargs.items)
		}}
	case "collections.OrderedDict":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) != 0 {
				return nil, fmt.Errorf("OrderedDict with arguments is not supported")
			}
			return &pkDict{ordered: true, depth: 1}, nil
		}}
	case "torch.Size":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("torch.Size expects one tuple")
			}
			t, ok := args[0].(*pkTuple)
			if !ok {
				return nil, fmt.Errorf("torch.Size of %s, expected a tuple", describe(args[0]))
			}
			return t, nil
		}}
	case "_codecs.encode":
		return &pkGlobal{full, func(args []any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("_codecs.encode expects a string")
			}
			s, ok := args[0].(string)
			if !ok {
				return nil, fmt.Errorf("_codecs.encode of %s, expected a str", describe(args[0]))
			}
			return []byte(s), nil
		}}
	case "builtins.set", "builtins.frozenset", "__builtin__.set":
		return &pkGlobal{full, func(args []any) (any, error) {
			s := &pkSet{depth: 1}
			if len(args) == 1 {
				l, ok := args[0].(*pkList)
				if !ok {
					return nil, fmt.Errorf("%s of %s, expected a list", full, describe(args[0]))
				}
				s.items, s.depth = append([]any(nil), l.items...), l.depth
			}
			return s, nil
		}}
	case "torch.Tensor", "torch._tensor.Tensor", "torch.nn.parameter.Parameter", "torch.device", "torch.serialization._get_layout",
		"torch.strided", "torch.sparse_coo", "builtins.complex", "builtins.bytearray":
		return &pkGlobal{name: full}
	}
	if module == "torch" {
		if strings.HasSuffix(name, "Storage") {
			return &storageClass{name: "torch." + name, dt: storageClasses[name]}
		}
		if _, ok := torchDtypes[name]; ok {
			return &pkGlobal{name: full}
		}
	}
	if u.firstForbidden == "" {
		u.firstForbidden = full
	}
	return &forbiddenGlobal{name: full}
}

// tensorTypes are the types _rebuild_from_type_v2 may rebuild a tensor as.
var tensorTypes = map[string]bool{"torch.Tensor": true, "torch._tensor.Tensor": true, "torch.nn.parameter.Parameter": true}

// torchDtypes are the torch dtype names a state dict may mention (in
// _extra_state or quantization parameters).
var torchDtypes = map[string]bool{
	"float32": true, "float": true, "float64": true, "double": true, "float16": true, "half": true,
	"bfloat16": true, "int64": true, "long": true, "int32": true, "int": true, "int16": true,
	"short": true, "int8": true, "uint8": true, "bool": true, "complex64": true, "complex128": true,
}
