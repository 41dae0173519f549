// Package inputfile is the one way fnlab opens a file it reads: weights,
// --input and --features arrays, specs and their extends: targets, search
// spaces, journals, results.json and latency tables.
//
// Opening a named pipe blocks until a writer appears, and a device such as
// /dev/zero (or a symlink to it) never ends, so a path that is not a
// regular file would hang fnlab or eat its memory. Open therefore checks the
// file type with stat before opening, opens without blocking, and checks
// again with fstat on the descriptor it got (the path may have been
// replaced in between). ReadFile also bounds the size, both as stat reports
// it and as the bytes actually read (files in /proc report size 0).
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Error says why a path cannot be read. Error() is "PATH: MSG"; callers
// that name the file themselves (with a flag or a key) use Msg.
type Error struct {
	Path string
	Msg  string
	Err  error // the operating system's error, if any
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Reason returns err's message without the path when err is an *Error,
// else err.Error().
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// Describe names a file type for messages ("a named pipe").
func Describe(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file (" + m.String() + ")"
}

// WithoutPath returns the operating system's error inside an
// *fs.PathError ("no such file or directory"), for messages that name the
// path themselves (and so that a temporary file's name does not show);
// other errors are returned as they are.
func WithoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// osError reports an operating-system error as "PATH: no such file or
// directory"; op prefixes errors other than open's and stat's.
func osError(path, op string, err error) *Error {
	err = WithoutPath(err)
	msg := err.Error()
	if op != "" {
		msg = op + ": " + msg
	}
	return &Error{Path: path, Msg: msg, Err: err}
}

func notRegular(path string, m fs.FileMode) *Error {
	return &Error{Path: path, Msg: "expected a regular file, found " + Describe(m)}
}

// Open opens a regular file for reading and returns it with its size.
// Anything else is refused before it is opened, and again after (fstat).
func Open(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, osError(path, "", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, notRegular(path, fi.Mode())
	}
	// O_NONBLOCK: if the path became a pipe since the stat, open returns
	// at once instead of waiting for a writer; fstat then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, osError(path, "", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, osError(path, "cannot stat", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, notRegular(path, st.Mode())
	}
	return f, st.Size(), nil
}

// ReadFile reads a whole regular file of at most max bytes; what names the
// content in the size message ("a spec", "a journal").
func ReadFile(path string, max int64, what string) ([]byte, error) {
	f, size, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > max {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("%d bytes, more than the %d-byte limit for %s", size, max, what)}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, osError(path, "cannot read", err)
	}
	if int64(len(b)) > max {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("more than the %d-byte limit for %s", max, what)}
	}
	return b, nil
}
