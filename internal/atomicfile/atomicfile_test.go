package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the old contents and no temporary file.
	boom := errors.New("boom")
	if err := Write(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("contents %q after a failed write, want %q", b, "one")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want only the target", len(ents))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if err := Write(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil }); err == nil {
		t.Error("missing directory: want an error")
	}
}

// TestGroupAllOrNothing fails the third of three writes: no target
// changes and no temporary file remains.
func TestGroupAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 3; i++ {
		p := filepath.Join(dir, fmt.Sprintf("y_out%d.npy", i))
		os.WriteFile(p, []byte("old"), 0o644)
		paths = append(paths, p)
	}
	var g Group
	for i, p := range paths {
		err := g.Add(p, func(w io.Writer) error {
			if i == 2 {
				return errors.New("disk full")
			}
			_, err := io.WriteString(w, "new")
			return err
		})
		if (err != nil) != (i == 2) {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Errorf("%d files in the directory, want the 3 targets only", len(ents))
	}
	for _, p := range paths {
		if b, _ := os.ReadFile(p); string(b) != "old" {
			t.Errorf("%s changed to %q", p, b)
		}
	}
	g = Group{}
	for _, p := range paths {
		if err := g.Add(p, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if b, _ := os.ReadFile(p); string(b) != "new" {
			t.Errorf("%s is %q after commit", p, b)
		}
	}
}
