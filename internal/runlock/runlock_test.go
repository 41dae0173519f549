package runlock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSecondHolderRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "journal.jsonl.lock")
	a, err := Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(p)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v, want busy with PID %d", err, os.Getpid())
	}
	if want := "in use by fnlab process " + strconv.Itoa(os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
	b, err := Acquire(p)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	b.Release()
}

// A lock file left by a killed holder (no flock on it) is taken over.
func TestStaleLockFileTaken(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	if err := os.WriteFile(p, []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	b, _ := os.ReadFile(p)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want our PID", b)
	}
}

func TestLockNotASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	os.WriteFile(target, []byte("keep"), 0o644)
	p := filepath.Join(dir, "x.lock")
	os.Symlink(target, p)
	if _, err := Acquire(p); err == nil {
		t.Fatal("followed a symlink")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("victim changed: %q", b)
	}
}

// A file of the user's at the lock path is neither taken nor removed.
func TestForeignFileAtLockPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.lock")
	os.WriteFile(p, []byte("my notes\n"), 0o644)
	if _, err := Acquire(p); err == nil || !strings.Contains(err.Error(), "not an fnlab lock file") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "my notes\n" {
		t.Errorf("changed to %q", b)
	}
}
