package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/search"
)

// TestMain lets a test run this test binary as fnlab itself
// (FNLAB_AS_MAIN=1), to check real exit statuses and locks held by
// another process.
func TestMain(m *testing.M) {
	if os.Getenv("FNLAB_AS_MAIN") == "1" {
		os.Args = append([]string{"fnlab"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fnlabProcess runs fnlab in a child process and returns its stderr and
// exit status.
func fnlabProcess(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FNLAB_AS_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stderr.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

// TestSecondProcessRefused: while this process writes a journal, a second
// fnlab process resuming it is refused with this process's PID and exit
// status 1; once the journal is closed, the resume runs. Exit statuses of a
// bad invocation and of bad input come from the real main.
func TestSecondProcessRefused(t *testing.T) {
	dir := t.TempDir()
	space := writeFile(t, filepath.Join(dir, "nolat.yaml"), noLatencySpace)
	sp, err := search.LoadSpace(space)
	if err != nil {
		t.Fatal(err)
	}
	jpath := filepath.Join(dir, "j.jsonl")
	h := search.Header{Format: search.JournalFormat, Version: search.JournalVersion, Space: sp.Name, SpaceHash: sp.Hash,
		Strategy: "grid", Seed: 1, Budget: int(sp.Size()), Shard: "0/1", Latency: "none"}
	j, err := search.CreateJournal(jpath, h)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"search", space, "--strategy", "grid", "--journal", jpath, "--resume", "--out", filepath.Join(dir, "out")}
	msg, code := fnlabProcess(t, args...)
	if want := fmt.Sprintf("in use by fnlab process %d", os.Getpid()); code != 1 || !strings.Contains(msg, want) {
		t.Fatalf("second process: exit %d %q, want exit 1 and %q", code, msg, want)
	}
	j.Close()
	if msg, code := fnlabProcess(t, args...); code != 0 {
		t.Fatalf("after the first writer closed: exit %d %q", code, msg)
	}
	if _, code := fnlabProcess(t, "nosuch"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if _, code := fnlabProcess(t, "analyze", filepath.Join(dir, "missing.yaml")); code != 1 {
		t.Errorf("missing spec: exit %d, want 1", code)
	}
}
