// Package outdir guards an output directory that fnlab writes (ablate's
// and search's --out, fit's and ops' --out): fnlab never replaces or deletes
// a file in it that fnlab did not write.
//
// Each directory keeps a small manifest, .fnlab-manifest, listing the files
// fnlab wrote there (relative names). A name is added to the manifest before
// its file is written, so a kill between the two leaves at most a listed
// name without a file, never an unlisted file of fnlab's. A file that exists
// but is not listed is the user's: Claim refuses it (ErrForeign) unless the
// directory was opened with force. Opening a directory also removes the
// temporary files that a killed atomic write (internal/atomicfile) of a
// listed file left behind, and takes the directory's run lock
// (internal/runlock), so that two runs never write one directory.
package outdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/runlock"
)

// Names of the bookkeeping files in a directory.
const (
	ManifestName = ".fnlab-manifest"
	LockName     = ".fnlab.lock"
	format       = "fnlab-manifest"
	maxManifest  = 4 << 20
)

// ErrForeign is wrapped by Claim's error for a file fnlab did not write.
var ErrForeign = errors.New("not written by fnlab")

// Dir is an open output directory.
type Dir struct {
	path  string
	lock  *runlock.Lock
	names map[string]bool
	force bool
}

type manifest struct {
	Format string   `json:"format"`
	Files  []string `json:"files"`
}

// Open creates path if needed, takes its lock (refusing with a
// *runlock.BusyError if another process holds it), reads its manifest and
// removes the leftover temporary files of the files it lists.
func Open(path string, force bool) (*Dir, error) { return open(path, force, runlock.Acquire) }

// OpenWait is Open that waits for another holder of the lock instead of
// refusing.
func OpenWait(path string, force bool) (*Dir, error) { return open(path, force, runlock.AcquireWait) }

func open(path string, force bool, acquire func(string) (*runlock.Lock, error)) (*Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	l, err := acquire(filepath.Join(path, LockName))
	if err != nil {
		return nil, err
	}
	d := &Dir{path: path, lock: l, names: map[string]bool{}, force: force}
	if err := d.read(); err != nil {
		l.Release()
		return nil, err
	}
	d.cleanTemps()
	return d, nil
}

func (d *Dir) read() error {
	p := filepath.Join(d.path, ManifestName)
	b, err := inputfile.ReadFile(p, maxManifest, "a manifest")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != format {
		return fmt.Errorf("%s: not an fnlab manifest (expected JSON with \"format\": %q)", p, format)
	}
	for _, n := range m.Files {
		if clean, ok := cleanName(n); ok {
			d.names[clean] = true
		}
	}
	return nil
}

// cleanName accepts a relative name inside the directory.
func cleanName(n string) (string, bool) {
	c := filepath.Clean(n)
	if n == "" || filepath.IsAbs(c) || c == "." || c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
		return "", false
	}
	return c, true
}

// cleanTemps removes ".NAME.tmpDIGITS" files (atomicfile's temporary
// names) of listed names and of the manifest.
func (d *Dir) cleanTemps() {
	names := append(d.Names(""), ManifestName)
	for _, n := range names {
		dir, base := filepath.Split(filepath.Join(d.path, n))
		matches, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".tmp*"))
		for _, m := range matches {
			suffix := strings.TrimPrefix(filepath.Base(m), "."+base+".tmp")
			if suffix != "" && strings.Trim(suffix, "0123456789") == "" {
				os.Remove(m)
			}
		}
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// Path is the directory.
func (d *Dir) Path() string { return d.path }

// Join returns the path of name in the directory.
func (d *Dir) Join(name string) string { return filepath.Join(d.path, name) }

// Owns reports whether the manifest lists name.
func (d *Dir) Owns(name string) bool {
	c, ok := cleanName(name)
	return ok && d.names[c]
}

// Names lists the manifest's names under prefix (a subdirectory, or "" for
// all), sorted.
func (d *Dir) Names(prefix string) []string {
	var out []string
	for n := range d.names {
		if prefix == "" || strings.HasPrefix(n, filepath.Clean(prefix)+string(filepath.Separator)) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Claim records that fnlab is about to write name. If a file exists there
// that the manifest does not list, Claim refuses (unless the directory was
// opened with force) and leaves it alone.
func (d *Dir) Claim(name string) error {
	if err := d.Check(name); err != nil {
		return err
	}
	c, _ := cleanName(name)
	if d.names[c] {
		return nil
	}
	p := d.Join(c)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	d.names[c] = true
	return d.save()
}

// Check is Claim without recording anything: it refuses name if a file
// fnlab did not write is there, so that a run can refuse before it starts.
func (d *Dir) Check(name string) error {
	c, ok := cleanName(name)
	if !ok {
		return fmt.Errorf("%s: not a name inside %s", name, d.path)
	}
	if d.names[c] {
		return nil
	}
	p := d.Join(c)
	if _, err := os.Lstat(p); err == nil && !d.force {
		return &ForeignError{Path: p, Manifest: d.Join(ManifestName)}
	}
	return nil
}

// ForeignError is Claim's refusal of a file fnlab did not write.
type ForeignError struct{ Path, Manifest string }

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%s exists and fnlab did not write it (it is not in %s); it is left as it is", e.Path, e.Manifest)
}
func (e *ForeignError) Unwrap() error { return ErrForeign }

// Write claims name and writes it atomically.
func (d *Dir) Write(name string, write func(io.Writer) error) error {
	if err := d.Claim(name); err != nil {
		return err
	}
	return atomicfile.Write(d.Join(name), write)
}

// Remove deletes a file the manifest lists and drops it from the manifest;
// names it does not list are left alone.
func (d *Dir) Remove(name string) error {
	c, ok := cleanName(name)
	if !ok || !d.names[c] {
		return nil
	}
	if err := os.Remove(d.Join(c)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	delete(d.names, c)
	return d.save()
}

func (d *Dir) save() error {
	m := manifest{Format: format, Files: d.Names("")}
	return atomicfile.Write(d.Join(ManifestName), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// Close releases the directory's lock.
func (d *Dir) Close() error {
	if d == nil {
		return nil
	}
	return d.lock.Release()
}
