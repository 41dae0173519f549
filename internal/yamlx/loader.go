package yamlx

import (
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/fnlab/fnlab/internal/inputfile"
)

// Loader reads YAML documents named either by the name of a document
// embedded in the binary or by a path on disk. Files go through inputfile:
// regular files only, at most Max bytes.
type Loader struct {
	FS      fs.FS                    // embedded documents
	Dir     string                   // names embedded files in errors: "specs/"
	Lookup  func(name string) string // the file of FS that name stands for, or ""
	Noun    string                   // starts file errors: "spec PATH: ..."
	What    string                   // "spec": limits are "for a spec", a refused file is "(a YAML spec)"
	Max     int64                    // size limit in bytes
	Unknown func(ref string) error   // a name that is neither embedded nor a file
}

// IsPath reports whether ref names a file rather than an embedded
// document: it holds a path separator or ends in .yaml or .yml.
func IsPath(ref string) bool {
	return strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}

// Embedded returns the embedded document name stands for, named as
// errors and locations name it (Dir + its file); ok is false if there is
// none.
func (l *Loader) Embedded(name string) (file string, data []byte, ok bool, err error) {
	f := l.Lookup(name)
	if f == "" {
		return "", nil, false, nil
	}
	data, err = fs.ReadFile(l.FS, f)
	return l.Dir + f, data, true, err
}

// Missing is the Unknown error for a name that is not embedded, unless a
// file of that name exists (then it is read as a file).
func (l *Loader) Missing(ref string) error {
	if _, err := os.Stat(ref); err != nil {
		return l.Unknown(ref)
	}
	return nil
}

// ReadFile reads the file at path; its errors read
// "NOUN PATH: REASON (a YAML WHAT)".
func (l *Loader) ReadFile(path string) ([]byte, error) {
	data, err := inputfile.ReadFile(path, l.Max, "a "+l.What)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %s (a YAML %s)", l.Noun, path, inputfile.Reason(err), l.What)
	}
	return data, nil
}

// Load reads ref: the embedded document a name stands for, else the file
// ref. It returns the document's name for errors (Dir + file for an
// embedded one, ref for a file) and its bytes.
func (l *Loader) Load(ref string) (file string, data []byte, err error) {
	if !IsPath(ref) {
		if file, data, ok, err := l.Embedded(ref); ok || err != nil {
			return file, data, err
		}
		if err := l.Missing(ref); err != nil {
			return "", nil, err
		}
	}
	data, err = l.ReadFile(ref)
	return ref, data, err
}
