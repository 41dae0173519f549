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

// Group writes several files all or nothing: Add writes each to a synced
// temporary file, Commit renames them all into place, and Abort (or a
// failed Add) removes every temporary file, leaving all targets as they
// were. fnlab infer writes the outputs of a fork_feat model this way, so a
// failure never leaves a mix of new and old feature maps.
type Group struct {
	tmps, paths []string
}

// Add writes path's new content to a temporary file next to it.
func (g *Group) Add(path string, write func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		g.Abort()
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			g.Abort()
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
	g.tmps = append(g.tmps, tmp.Name())
	g.paths = append(g.paths, path)
	return nil
}

// Commit renames every temporary file to its target.
func (g *Group) Commit() error {
	for i, t := range g.tmps {
		if err := os.Rename(t, g.paths[i]); err != nil {
			g.tmps = g.tmps[i:]
			g.paths = g.paths[i:]
			g.Abort()
			return err
		}
	}
	g.tmps, g.paths = nil, nil
	return nil
}

// Abort removes the temporary files written so far.
func (g *Group) Abort() {
	for _, t := range g.tmps {
		os.Remove(t)
	}
	g.tmps, g.paths = nil, nil
}
