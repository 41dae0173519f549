package lut

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBuildFileRefusals(t *testing.T) {
	dir := t.TempDir()
	notTable := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(notTable, []byte("notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	interrupted := filepath.Join(dir, "t.lut.json")
	if err := os.WriteFile(PartialPath(interrupted), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		b       FileBuild
		outErr  bool
		target  error
		notTabl bool
	}{
		{"not a table", FileBuild{Out: notTable}, true, nil, true},
		{"forced: measurement error", FileBuild{Out: notTable, Force: true}, false, nil, false},
		{"interrupted build", FileBuild{Out: interrupted}, true, ErrProgressExists, false},
	} {
		_, err := BuildFile(nil, Options{}, c.b)
		var oe *OutError
		var nt *NotTableError
		if err == nil || errors.As(err, &oe) != c.outErr || errors.As(err, &nt) != c.notTabl || c.target != nil && !errors.Is(err, c.target) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := os.Stat(notTable); err != nil {
		t.Errorf("the refused file is gone: %v", err)
	}
}
