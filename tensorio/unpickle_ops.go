package tensorio

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// step executes one opcode of the restricted unpickler (unpickle.go);
// every opcode it does not know, or that torch.load(weights_only=True)
// refuses, is an error.
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
