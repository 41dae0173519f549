package inputfile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRefusesSpecialFiles makes each kind of non-regular file and checks
// that Open and ReadFile refuse it with the file type, without blocking
// (a named pipe with no writer would block open forever).
func TestRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cases := []struct{ path, want string }{
		{fifo, "expected a regular file, found a named pipe"},
		{zero, "expected a regular file, found a character device"},
		{dir, "expected a regular file, found a directory"},
		{sock, "expected a regular file, found a socket"},
		{filepath.Join(dir, "missing"), "no such file or directory"},
	}
	for _, c := range cases {
		done := make(chan error, 2)
		go func() {
			_, _, err := Open(c.path)
			done <- err
			_, err = ReadFile(c.path, 1<<20, "a test file")
			done <- err
		}()
		for i := 0; i < 2; i++ {
			select {
			case err := <-done:
				if err == nil || err.Error() != c.path+": "+c.want {
					t.Errorf("%s: err = %v, want %q", c.path, err, c.want)
				}
			case <-time.After(20 * time.Second): // generous: a hang, not a slow machine
				t.Fatalf("%s: open blocked", c.path)
			}
		}
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v does not unwrap to fs.ErrNotExist", err)
	}
}

func TestReadFileBounds(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p, 99, "a spec"); err == nil || !strings.Contains(err.Error(), "100 bytes, more than the 99-byte limit for a spec") {
		t.Errorf("err = %v", err)
	}
	if b, err := ReadFile(p, 100, "a spec"); err != nil || len(b) != 100 {
		t.Errorf("at the limit: %v (%d bytes)", err, len(b))
	}
	// A file that reports size 0 but has content (as in /proc) is bounded
	// by what is read.
	if _, err := ReadFile("/proc/self/status", 10, "a status"); err == nil || !strings.Contains(err.Error(), "more than the 10-byte limit") {
		t.Errorf("/proc: err = %v", err)
	}
}

func TestWithoutPath(t *testing.T) {
	_, err := os.Open(filepath.Join(t.TempDir(), "missing"))
	if got := WithoutPath(err); got != fs.ErrNotExist && !errors.Is(got, fs.ErrNotExist) || strings.Contains(got.Error(), "missing") {
		t.Errorf("WithoutPath(%v) = %v", err, got)
	}
	other := errors.New("other")
	if got := WithoutPath(other); got != other {
		t.Errorf("WithoutPath(other) = %v", got)
	}
}
