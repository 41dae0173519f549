package outdir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/internal/runlock"
)

func write(d *Dir, name, s string) error {
	return d.Write(name, func(w io.Writer) error { _, err := io.WriteString(w, s); return err })
}

func TestForeignFilesKept(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "report.md"), []byte("my report"), 0o644)
	d, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	err = write(d, "report.md", "fnlab's")
	if !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "fnlab did not write it") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "report.md")); string(b) != "my report" {
		t.Fatalf("user's file changed: %q", b)
	}
	if err := write(d, "results.json", "1"); err != nil {
		t.Fatal(err)
	}
	if err := write(d, "front/01_a.yaml", "a"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "front", "mine.yaml"), []byte("mine"), 0o644)
	for _, n := range d.Names("front") {
		if err := d.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	d.Remove("front/mine.yaml") // not listed: left alone
	if _, err := os.Stat(filepath.Join(dir, "front", "mine.yaml")); err != nil {
		t.Errorf("user's front spec removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "front", "01_a.yaml")); !os.IsNotExist(err) {
		t.Errorf("own front spec not removed: %v", err)
	}
	// A second run while this one holds the directory is refused.
	var busy *runlock.BusyError
	if _, err := Open(dir, false); !errors.As(err, &busy) {
		t.Fatalf("second Open: %v, want busy", err)
	}
	d.Close()
	// With force the user's file is replaced.
	d, err = Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := write(d, "report.md", "fnlab's"); err != nil {
		t.Fatal(err)
	}
	if !d.Owns("results.json") {
		t.Error("manifest lost results.json")
	}
}

func TestTempFilesOfKilledWritesRemoved(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	write(d, "results.json", "{}")
	d.Close()
	leftovers := []string{".results.json.tmp123456", "..fnlab-manifest.tmp42"}
	kept := []string{".results.json.tmpfoo", ".notes.tmp99", "notes.txt"}
	for _, n := range append(append([]string(nil), leftovers...), kept...) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	d, err = Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, n := range leftovers {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s left behind", n)
		}
	}
	for _, n := range kept {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
}

func TestBadManifest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"files": ["../../etc/passwd"]}`), 0o644)
	if _, err := Open(dir, false); err == nil || !strings.Contains(err.Error(), "not an fnlab manifest") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(filepath.Join(dir, ManifestName), []byte(`{"format": "fnlab-manifest", "files": ["../../etc/passwd", "/abs", "ok.json"]}`), 0o644)
	d, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Names(""); len(got) != 1 || got[0] != "ok.json" {
		t.Errorf("names %v: paths outside the directory must be dropped", got)
	}
}
