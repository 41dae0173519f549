package tensorio

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocDuring returns the bytes allocated while f runs (TotalAlloc is
// monotonic, so this is an upper bound on f's peak, not a timing).
func allocDuring(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// repeat returns n copies of b.
func repeat(n int, b ...byte) []byte { return bytes.Repeat(b, n) }

// goodDict writes OrderedDict(w=tensor over storage 0) without STOP, and
// leaves it on the stack, so that a case can add hostile siblings.
func goodDict(p *pickler) {
	p.op('}').mark().str("state_dict").orderedDict().mark()
	p.str("w").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1})
	p.op('u')
}

// TestPickleBombs feeds ~8 KB pickles built to make an unbounded
// unpickler use gigabytes (or loop forever) and checks that each is refused
// with a one-line message, without allocating more than a small multiple
// of the file.
func TestPickleBombs(t *testing.T) {
	const n = 8 << 10
	cases := []struct {
		name  string
		build func(p *pickler)
		want  string
	}{
		{"marks", func(p *pickler) { p.op(repeat(n, '(')...).op('.') }, "more than 64 open MARKs"},
		{"mark pop churn", func(p *pickler) { p.op(']').op(repeat(n, '(', '1')...).op('.') }, "top-level object is a list"},
		{"nested tuples", func(p *pickler) { p.op('N').op(repeat(n, 0x85)...).op('.') }, "containers nested more than 64 deep"},
		{"nested lists by append", func(p *pickler) {
			p.op(']')
			for i := 0; i < n/4; i++ {
				p.op(']', 0x94, 'a') // new list, memoize, append to the outer one
			}
			p.op('.')
		}, "top-level object is a list"},
		{"doubling DAG", func(p *pickler) {
			// L(k+1) = [L(k), L(k)] through the memo: 2^k paths, k nodes.
			p.op(']', 'q', 0)
			for i := 0; i < n/8; i++ {
				p.op('(', 'h', 0, 'h', 0, 'l', 'q', 0, '0')
			}
			p.op('h', 0, '.')
		}, "containers nested more than 64 deep"},
		{"aliased deep chain", func(p *pickler) {
			// Append each new list to the previous one after it was
			// stored: insertion never sees the depth, the final walk does.
			p.op(']', 'q', 1) // the root stays on the stack
			for i := 1; i < 200; i++ {
				p.op('j').op(le32(i)...)          // old
				p.op(']', 'r').op(le32(i + 1)...) // new, memo i+1
				p.op('a', '0')                    // old.append(new); pop old
			}
			p.op('.')
		}, "containers nested more than 64 deep"},
		{"dup stack", func(p *pickler) { p.op('N').op(repeat(n, '2')...).op('.') }, "top-level object is None"},
		{"memo churn", func(p *pickler) {
			p.op(']')
			for i := 0; i < n/5; i++ {
				p.op('r').op(le32(i * 7919)...)
			}
			p.op('.')
		}, "top-level object is a list"},
		{"self cycle", func(p *pickler) {
			p.op(']', 'q', 0)
			p.op('(').op(repeat(n/2, 'h', 0)...).op('e', '.')
		}, "top-level object is a list"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p pickler
			p.proto()
			c.build(&p)
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".pth")
			writeZip(t, path, ckptRecords(p.Bytes(), nil))
			fi, _ := os.Stat(path)
			var err error
			start := time.Now()
			alloc := allocDuring(func() { _, err = Load(path) })
			t.Logf("%d-byte file: %v, %d KB allocated", fi.Size(), time.Since(start), alloc>>10)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Fatalf("message %q, want one line starting with the path and containing %q", msg, c.want)
			}
			if limit := uint64(64 << 20); alloc > limit {
				t.Fatalf("allocated %d bytes for a %d-byte file, limit %d", alloc, fi.Size(), limit)
			}
		})
	}
}

func le32(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

// TestPickleWorkBudget checks the step budget itself, which the opcodes'
// own limits make hard to reach from a file.
func TestPickleWorkBudget(t *testing.T) {
	var p pickler
	p.proto().op(']').op(repeat(100, '(', '1')...).op('.')
	u := &unpickler{p: p.Bytes(), memo: map[int]any{}, budget: 50}
	if _, err := u.run(); err == nil || !strings.Contains(err.Error(), "more than 50 steps") {
		t.Fatalf("err = %v, want the budget refusal", err)
	}
	u = &unpickler{p: p.Bytes(), memo: map[int]any{}, budget: pickleWorkBase + pickleWorkPerByte*p.Len()}
	if _, err := u.run(); err != nil {
		t.Fatalf("default budget: %v", err)
	}
}

// TestPickleCodeObjects checks that a checkpoint whose state dict is fine
// but which holds callables outside torch.load(weights_only=True)'s
// allowlist is refused, naming the key path.
func TestPickleCodeObjects(t *testing.T) {
	cases := []struct {
		name  string
		build func(p *pickler)
		want  string
	}{
		{"os.system beside the state dict", func(p *pickler) {
			goodDict(p)
			p.str("hook").global("os", "system").str("echo pwned").op(0x85, 'R', 's', '.')
		}, `["hook"] is an instance of os.system, which is not allowed`},
		{"eval in a list", func(p *pickler) {
			goodDict(p)
			p.str("cbs").op(']').global("builtins", "eval").op('a', 's', '.')
		}, `["cbs"][0] is builtins.eval, which is not allowed`},
		{"subprocess via STACK_GLOBAL", func(p *pickler) {
			goodDict(p)
			p.str("x").str("subprocess").str("Popen").op(0x93).op(')', 0x81, 's', '.')
		}, `["x"] is an instance of subprocess.Popen`},
		{"Namespace args", func(p *pickler) {
			goodDict(p)
			p.str("args").global("argparse", "Namespace").op(')', 0x81, '}', 'b', 's', '.')
		}, `["args"] is an instance of argparse.Namespace`},
		{"in OrderedDict metadata", func(p *pickler) {
			p.orderedDict().mark().str("w").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1}).op('u')
			p.op('}').str("_metadata").global("posix", "system").op('s', 'b', '.')
		}, `.__setstate__["_metadata"] is posix.system`},
		{"in a tensor's size", func(p *pickler) {
			p.orderedDict().mark().str("w")
			p.global("torch._utils", "_rebuild_tensor_v2").mark()
			p.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(2).op('t', 'Q')
			p.int(0).global("os", "getcwd").op(')', 'R', 0x85).ints(1).op(0x89).orderedDict().op('t', 'R')
			p.op('u', '.')
		}, `["w"].size()[0] is an instance of os.getcwd`},
		{"discarded", func(p *pickler) {
			p.global("os", "system").op('0')
			p.orderedDict().mark().str("w").tensor("FloatStorage", "0", 2, 0, []int{2}, []int{1}).op('u', '.')
		}, "the pickle refers to os.system, which is not allowed"},
		{"INST opcode", func(p *pickler) {
			goodDict(p)
			p.str("x").op('(').op([]byte("ios\nsystem\n")...).op('s', '.')
		}, "instance-creating opcode is not allowed"},
		{"_rebuild_from_type_v2 with a foreign type", func(p *pickler) {
			p.orderedDict().mark().str("w")
			p.global("torch._tensor", "_rebuild_from_type_v2").mark()
			p.global("torch._utils", "_rebuild_tensor_v2").global("os", "system")
			p.mark().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(2).op('t', 'Q')
			p.int(0).ints(2).ints(1).op(0x89).orderedDict().op('t')
			p.op('}', 't', 'R', 'u', '.')
		}, "type os.system is not allowed"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p pickler
			p.proto()
			c.build(&p)
			path := filepath.Join(dir, "m.pth")
			writeZip(t, path, ckptRecords(p.Bytes(), map[string][]byte{"0": make([]byte, 8)}))
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Fatalf("message %q, want one line starting with the path and containing %q", msg, c.want)
			}
		})
	}
	// The same state dict without the extra entry loads.
	var p pickler
	p.proto()
	goodDict(&p)
	p.op('.')
	path := filepath.Join(dir, "ok.pth")
	writeZip(t, path, ckptRecords(p.Bytes(), map[string][]byte{"0": make([]byte, 8)}))
	if s, err := Load(path); err != nil || len(s.Names) != 1 {
		t.Fatalf("clean checkpoint: %v", err)
	}
}
