// Package atomicfile writes a file so that readers see the old contents or
// the new, never a part: the data goes to a temporary file in the same
// directory, which is synced, given mode 0644 and renamed over the target.
// A failed write removes the temporary file and leaves the target as it
// was. Results files (results.json, latency tables, charts, weights) are
// written this way so that an interrupted run loses nothing it had saved.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a buffered writer on a temporary file next to
// path, then syncs it and renames it to path. Errors are returned as the
// os package reports them (they name the temporary file or path).
func Write(path string, write func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
