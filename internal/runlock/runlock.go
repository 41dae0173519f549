// Package runlock gives a run exclusive use of a file or directory it
// writes (a search journal, an ablate output directory, a latency table),
// so that two fnlab processes never write one journal: the second is
// refused with the first one's PID.
//
// The lock is an flock(2) on a small lock file next to the target, holding
// the PID of the holder. flock is released by the kernel when the holder
// dies, so a killed run leaves no stale lock (as SQLite's and Optuna's
// file-lock storages rely on); the lock file itself is removed on Release.
// Because a contender may open the lock file just before the holder removes
// it, Acquire re-checks after locking that the path still names the file it
// locked, and retries if not.
package runlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Lock is a held run lock.
type Lock struct {
	f    *os.File
	path string
}

// BusyError says that another process holds the lock.
type BusyError struct {
	Path string // the lock file
	PID  int    // 0 if the holder has not written it yet
}

func (e *BusyError) Error() string {
	if e.PID == 0 {
		return "in use by another fnlab process (lock " + e.Path + ")"
	}
	return fmt.Sprintf("in use by fnlab process %d (lock %s)", e.PID, e.Path)
}

// Acquire takes the lock file at path, refusing with a *BusyError if
// another process holds it.
func Acquire(path string) (*Lock, error) { return acquire(path, false) }

// AcquireWait takes the lock file at path, waiting while another process
// holds it (shards of one search that finish together write their reports
// into one directory in turn).
func AcquireWait(path string) (*Lock, error) { return acquire(path, true) }

func acquire(path string, wait bool) (*Lock, error) {
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxLockBytes || !isPIDText(f) {
			// Not a lock file this package wrote: leave it alone.
			f.Close()
			return nil, fmt.Errorf("lock %s: exists and is not an fnlab lock file (a PID); remove it if no fnlab run uses it", path)
		}
		how := unix.LOCK_EX | unix.LOCK_NB
		if wait {
			how = unix.LOCK_EX
		}
		if err := unix.Flock(int(f.Fd()), how); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, &BusyError{Path: path, PID: readPID(path)}
			}
			return nil, fmt.Errorf("lock %s: %v", path, err)
		}
		// The holder we waited on may have removed the file; then our lock
		// is on an unlinked inode and protects nothing.
		var a, b unix.Stat_t
		if unix.Fstat(int(f.Fd()), &a) == nil && unix.Stat(path, &b) == nil && a.Ino == b.Ino && a.Dev == b.Dev {
			if err := f.Truncate(0); err == nil {
				_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return &Lock{f: f, path: path}, nil
		}
		f.Close()
		if attempt > 100 {
			return nil, fmt.Errorf("lock %s: keeps being replaced", path)
		}
	}
}

// maxLockBytes bounds a lock file's content: a PID and a newline.
const maxLockBytes = 32

// isPIDText reports whether f is empty or holds a PID.
func isPIDText(f *os.File) bool {
	b := make([]byte, maxLockBytes+1)
	n, err := f.ReadAt(b, 0)
	if (err != nil && n == 0 && !errors.Is(err, io.EOF)) || n > maxLockBytes {
		return false
	}
	t := strings.TrimSpace(string(b[:n]))
	if t == "" {
		return true
	}
	_, err = strconv.Atoi(t)
	return err == nil
}

func readPID(path string) int {
	b := make([]byte, 32)
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return 0
	}
	defer f.Close()
	n, _ := f.Read(b)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	return pid
}

// Release removes the lock file and drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }
