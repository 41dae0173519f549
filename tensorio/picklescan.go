package tensorio

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxPickleNumberText bounds the text of protocol-0 INT/LONG/FLOAT
// arguments (CPython refuses int strings over 4300 digits by default), and
// maxPickleLongBytes the binary LONG1/LONG4 arguments.
const (
	maxPickleNumberText = 4300
	maxPickleLongBytes  = 4096
)

// scanPickle walks the opcode stream of a pickle without executing it and
// checks that it is well formed as far as framing goes: every opcode is
// known, every length-prefixed argument fits in the remaining data, and the
// stream ends with STOP. The unpickler allocates buffers of the sizes that
// the stream claims before reading them, so this check is what keeps a
// hostile or corrupt file from making it allocate absurd amounts of memory.
func scanPickle(p []byte) error {
	i := 0
	n := len(p)
	need := func(op byte, at, k int) error {
		if k < 0 || k > n-i {
			return fmt.Errorf("pickle opcode 0x%02x at offset %d needs %d more bytes, only %d remain", op, at, k, n-i)
		}
		return nil
	}
	line := func(op byte, at, max int) error {
		j := bytes.IndexByte(p[i:], '\n')
		if j < 0 {
			return fmt.Errorf("pickle opcode 0x%02x at offset %d: unterminated text argument", op, at)
		}
		if max > 0 && j > max {
			return fmt.Errorf("pickle opcode 0x%02x at offset %d: %d-character argument is too long", op, at, j)
		}
		i += j + 1
		return nil
	}
	for i < n {
		at := i
		op := p[i]
		i++
		var err error
		switch op {
		// No argument.
		case '(', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o',
			's', 't', ')', 'u', '\x81', '\x85', '\x86', '\x87', '\x88', '\x89',
			'\x8f', '\x90', '\x91', '\x92', '\x93', '\x94', '\x97', '\x98':
		case '.': // STOP
			return nil
		// Fixed-size arguments.
		case 'K', 'h', 'q', '\x82':
			err = need(op, at, 1)
			i++
		case 'M', '\x83':
			err = need(op, at, 2)
			i += 2
		case 'J', 'j', 'r', '\x84':
			err = need(op, at, 4)
			i += 4
		case 'G':
			err = need(op, at, 8)
			i += 8
		case '\x80': // PROTO
			if err = need(op, at, 1); err == nil {
				if p[i] > 5 {
					return fmt.Errorf("unsupported pickle protocol %d (expected at most 5)", p[i])
				}
				i++
			}
		// Newline-terminated text arguments.
		case 'F', 'I', 'L':
			err = line(op, at, maxPickleNumberText)
		case 'P', 'S', 'V', 'g', 'p':
			err = line(op, at, 0)
		case 'c', 'i': // GLOBAL, INST: module and name lines
			if err = line(op, at, 0); err == nil {
				err = line(op, at, 0)
			}
		// Length-prefixed arguments.
		case 'U', 'C', '\x8c', '\x8a': // 1-byte length
			if err = need(op, at, 1); err == nil {
				k := int(p[i])
				i++
				if op == '\x8a' && k == 0 {
					return fmt.Errorf("pickle opcode LONG1 at offset %d has an empty argument", at)
				}
				err = need(op, at, k)
				i += k
			}
		case 'T', 'X', 'B', '\x8b': // 4-byte length
			if err = need(op, at, 4); err == nil {
				k := int64(binary.LittleEndian.Uint32(p[i:]))
				if op == 'T' || op == '\x8b' {
					k = int64(int32(uint32(k)))
				}
				i += 4
				if op == '\x8b' && (k <= 0 || k > maxPickleLongBytes) {
					return fmt.Errorf("pickle opcode LONG4 at offset %d has a %d-byte argument (expected 1..%d)", at, k, maxPickleLongBytes)
				}
				if k < 0 || k > int64(n-i) {
					return fmt.Errorf("pickle opcode 0x%02x at offset %d claims %d bytes, only %d remain", op, at, k, n-i)
				}
				i += int(k)
			}
		case '\x8d', '\x8e', '\x96': // 8-byte length
			if err = need(op, at, 8); err == nil {
				k := binary.LittleEndian.Uint64(p[i:])
				i += 8
				if k > uint64(n-i) {
					return fmt.Errorf("pickle opcode 0x%02x at offset %d claims %d bytes, only %d remain", op, at, k, n-i)
				}
				i += int(k)
			}
		case '\x95': // FRAME: the frame's opcodes follow inline
			if err = need(op, at, 8); err == nil {
				k := binary.LittleEndian.Uint64(p[i:])
				i += 8
				if k > uint64(n-i) {
					return fmt.Errorf("pickle FRAME at offset %d claims %d bytes, only %d remain", at, k, n-i)
				}
			}
		default:
			return fmt.Errorf("unknown pickle opcode 0x%02x at offset %d", op, at)
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("pickle ends after %d bytes without a STOP opcode", n)
}
