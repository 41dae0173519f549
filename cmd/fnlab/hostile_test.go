package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/search"
	"github.com/fnlab/fnlab/tensorio"
)

// This file runs fnlab as a hostile user would: special files for every
// input, bombs, code objects, hostile results.json, two runs on one
// journal or directory, and files of the user's where fnlab writes. Each
// case checks the message, the exit status, a bound on what the run
// allocated, and that nothing of the user's changed.

// runBounded runs fnlab in-process with a watchdog (a hang, such as an
// open of a named pipe, fails the test instead of blocking it) and
// returns the error text, the exit status and the bytes allocated.
func runBounded(t *testing.T, args ...string) (string, int, uint64) {
	t.Helper()
	type result struct {
		errText string
		code    int
	}
	done := make(chan result, 1)
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	go func() {
		_, errText, code := run(t, args...)
		done <- result{errText, code}
	}()
	select {
	case r := <-done:
		runtime.ReadMemStats(&b)
		return r.errText, r.code, b.TotalAlloc - a.TotalAlloc
	case <-time.After(60 * time.Second): // generous: this catches hangs, not slowness
		t.Fatalf("fnlab %s: still running after 60 s", strings.Join(args, " "))
	}
	return "", 0, 0
}

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// snapshot records the files under dir (names and contents), to check
// that a refused run left them as they were.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		} else if err == nil && !fi.IsDir() {
			m[p] = fi.Mode().String()
		}
		return nil
	})
	return m
}

func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok || a != b {
			t.Errorf("%s changed or vanished", p)
		}
	}
}

const noLatencySpace = `name: nolat
base: t0
set: [embed_dim=8, feature_dim=16, num_classes=10, "input=3x32x32", "depths=[1,1,1,1]"]
vary:
  n_div: [2, 4]
objectives:
  - min: params
  - min: macs
`

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pthWith writes a torch.save-style zip whose data.pkl is pkl.
func pthWith(t *testing.T, path string, pkl []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Store})
	w.Write(pkl)
	zw.Close()
	return writeFile(t, path, buf.String())
}

type hostileCase struct {
	name string
	args []string
	code int
	want []string // substrings of the message
}

func checkCases(t *testing.T, dir string, cases []hostileCase, allocLimit uint64) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			start := time.Now()
			errText, code, alloc := runBounded(t, c.args...)
			t.Logf("%v, %d KB allocated: %s", time.Since(start), alloc>>10, errText)
			if code != c.code {
				t.Errorf("exit %d, want %d (%s)", code, c.code, errText)
			}
			for _, w := range c.want {
				if !strings.Contains(errText, w) {
					t.Errorf("message %q lacks %q", errText, w)
				}
			}
			if strings.Contains(errText, "\n") {
				t.Errorf("multi-line message %q", errText)
			}
			if alloc > allocLimit {
				t.Errorf("allocated %d bytes, limit %d", alloc, allocLimit)
			}
			sameFiles(t, before, snapshot(t, dir))
		})
	}
}

// TestSpecialFilesEverywhere gives a named pipe (and /dev/zero) for every
// kind of input: each is refused at once, naming the file.
func TestSpecialFilesEverywhere(t *testing.T) {
	dir := t.TempDir()
	pipe := func(name string) string { return mkfifo(t, filepath.Join(dir, name)) }
	in := filepath.Join(dir, "x.npy")
	if err := tensorio.WriteNPYFile(in, &tensorio.Tensor{Shape: []int{1, 3, 32, 32}, Data: make([]float32, 3*32*32)}); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.pth")
	os.Symlink("/dev/zero", zero)
	space := writeFile(t, filepath.Join(dir, "nolat.yaml"), noLatencySpace)
	ext := writeFile(t, filepath.Join(dir, "ext.yaml"), "extends: "+pipe("base.yaml")+"\n")
	abl := filepath.Join(dir, "abl")
	os.MkdirAll(abl, 0o755)
	mkfifo(t, filepath.Join(abl, "results.json"))
	os.WriteFile(filepath.Join(abl, outdir.ManifestName), []byte(`{"format":"fnlab-manifest","files":["results.json"]}`), 0o644)
	tinyT0 := []string{"--set", "embed_dim=8", "--set", "depths=[1,1,1,1]", "--set", "feature_dim=16", "--set", "num_classes=10"}
	const regular = "expected a regular file, found a named pipe"
	cases := []hostileCase{
		{"weights", append([]string{"infer", "t0", "--weights", pipe("w.pth"), "--input", in, "--output", filepath.Join(dir, "y.npy")}, tinyT0...), 1, []string{"w.pth", regular}},
		{"weights /dev/zero", append([]string{"infer", "t0", "--weights", zero, "--input", in, "--output", filepath.Join(dir, "y.npy")}, tinyT0...), 1, []string{"zero.pth", "expected a regular file, found a character device"}},
		{"input", []string{"infer", "t0", "--input", pipe("in.npy"), "--output", filepath.Join(dir, "y.npy")}, 1, []string{"in.npy", regular}},
		{"features", []string{"fit", "--features", pipe("f.npy")}, 1, []string{"--features", "f.npy", regular}},
		{"teacher", []string{"fit", "--teacher", pipe("teacher.pth") + ":w"}, 1, []string{"--teacher", "teacher.pth", regular}},
		{"spec", []string{"analyze", pipe("spec.yaml")}, 1, []string{"spec.yaml", regular}},
		{"extends target", []string{"analyze", ext}, 1, []string{"base.yaml", regular}},
		{"space", []string{"search", pipe("space.yaml")}, 1, []string{"space.yaml", regular}},
		{"journal", []string{"search", space, "--journal", pipe("j.jsonl"), "--resume", "--out", filepath.Join(dir, "s")}, 1, []string{"--journal", "j.jsonl", regular}},
		{"new journal over a pipe", []string{"search", space, "--journal", filepath.Join(dir, "j.jsonl"), "--out", filepath.Join(dir, "s")}, 1, []string{"--journal", "j.jsonl", "exists and is a named pipe"}},
		{"latency table", []string{"search", space, "--lut", pipe("t.lut.json"), "--out", filepath.Join(dir, "s")}, 1, []string{"--lut", "t.lut.json", regular}},
		{"results.json", append(append([]string(nil), tinyAblate...), "--out", abl, "--resume"), 1, []string{"--resume", "results.json", regular}},
	}
	checkCases(t, dir, cases, 64<<20)
}

// TestHostileWeightsCLI: a pickle bomb and a checkpoint with os.system
// beside its state dict, given to infer.
func TestHostileWeightsCLI(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.npy")
	tensorio.WriteNPYFile(in, &tensorio.Tensor{Shape: []int{1, 3, 32, 32}, Data: make([]float32, 3*32*32)})
	bomb := pthWith(t, filepath.Join(dir, "bomb.pth"), append(append([]byte{0x80, 2}, bytes.Repeat([]byte{'('}, 8<<10)...), '.'))
	code := pthWith(t, filepath.Join(dir, "code.pth"), []byte("\x80\x02}X\x04\x00\x00\x00hookcos\nsystem\nX\x02\x00\x00\x00ls\x85Rs."))
	// A deflated .npz member of 96 MiB of zeros (about 100 KB on disk).
	const n = 24 << 20
	hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }", n)
	hdr += strings.Repeat(" ", 63-(10+len(hdr))%64) + "\n"
	npy := append([]byte("\x93NUMPY\x01\x00"+string([]byte{byte(len(hdr)), byte(len(hdr) >> 8)})+hdr), make([]byte, 4*n)...)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zf, _ := zw.CreateHeader(&zip.FileHeader{Name: "w.npy", Method: zip.Deflate})
	zf.Write(npy)
	zw.Close()
	npz := writeFile(t, filepath.Join(dir, "bomb.npz"), zbuf.String())
	tinyT0 := []string{"--set", "embed_dim=8", "--set", "depths=[1,1,1,1]", "--set", "feature_dim=16", "--set", "num_classes=10"}
	out := filepath.Join(dir, "y.npy")
	cases := []hostileCase{
		{"pickle bomb", append([]string{"infer", "t0", "--weights", bomb, "--input", in, "--output", out}, tinyT0...), 1, []string{"bomb.pth", "more than 64 open MARKs"}},
		{"os.system", append([]string{"infer", "t0", "--weights", code, "--input", in, "--output", out}, tinyT0...), 1, []string{"code.pth", `["hook"] is an instance of os.system, which is not allowed`}},
		{"teacher with os.system", []string{"fit", "--teacher", code + ":w"}, 1, []string{"--teacher", "code.pth", "os.system"}},
		{"deflate bomb", []string{"fit", "--teacher", npz + ":w"}, 1, []string{"--teacher", "bomb.npz", `member "w.npy": compressed record expands`, "more than 256:1"}},
		{"deflate bomb as weights", append([]string{"infer", "t0", "--weights", npz, "--input", in, "--output", out}, tinyT0...), 1, []string{"bomb.npz", "compressed record expands"}},
	}
	checkCases(t, dir, cases, 64<<20)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written for refused weights")
	}
}

// TestAblateHostileResults: a hostile or mismatched results.json on
// --resume, a second run on one directory, and a user's report.md.
func TestAblateHostileResults(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	args := append(append([]string(nil), tinyAblate...), "--out", out)
	if _, errText, code := run(t, args...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errText)
	}
	good, _ := os.ReadFile(filepath.Join(out, "results.json"))
	with := func(name string, mod func(string) string) string {
		d := filepath.Join(dir, name)
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "results.json"), []byte(mod(string(good))), 0o644)
		os.WriteFile(filepath.Join(d, outdir.ManifestName), []byte(`{"format":"fnlab-manifest","files":["results.json","report.md"]}`), 0o644)
		return d
	}
	nullVariant := with("null", func(s string) string {
		i := strings.Index(s, `"variants": [`) + len(`"variants": [`)
		return s[:i] + "null," + s[i:]
	})
	zero := filepath.Join(dir, "zero")
	os.MkdirAll(zero, 0o755)
	os.Symlink("/dev/zero", filepath.Join(zero, "results.json"))
	os.WriteFile(filepath.Join(zero, outdir.ManifestName), []byte(`{"format":"fnlab-manifest","files":["results.json"]}`), 0o644)
	user := filepath.Join(dir, "user")
	writeFile(t, filepath.Join(user, "report.md"), "# my notes\n")
	resume := func(o string, extra ...string) []string {
		a := append(append([]string(nil), tinyAblate...), "--out", o, "--resume")
		return append(a, extra...)
	}
	// With the same flags a second writer is refused while one holds the
	// directory.
	held, err := outdir.Open(filepath.Join(dir, "held"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	cases := []hostileCase{
		{"null variant", resume(nullVariant), 1, []string{"results.json: variants[0]: null, expected a variant"}},
		{"symlink to /dev/zero", resume(zero), 1, []string{"results.json", "found a character device"}},
		{"other --runs", resume(out, "--runs", "3"), 2, []string{"was made with --runs 2, this run has --runs 3"}},
		{"other --max-iter", resume(out, "--max-iter", "4"), 2, []string{"--max-iter 3, this run has --max-iter 4"}},
		{"other --mixers", append(resume(out), "--mixers", "pconv,conv"), 2, []string{"--mixers pconv,dwconv,conv, this run has --mixers pconv,conv"}},
		{"other --n-div", append(resume(out), "--n-div", "4"), 2, []string{"--n-div 2, this run has --n-div 4"}},
		{"other --set", append(resume(out), "--set", "n_div=8"), 2, []string{"another spec or other --set values"}},
		{"busy directory", append(append([]string(nil), tinyAblate...), "--out", filepath.Join(dir, "held")), 1, []string{fmt.Sprintf("in use by fnlab process %d", os.Getpid())}},
		{"user's report.md", append(append([]string(nil), tinyAblate...), "--out", user), 1, []string{"report.md exists and fnlab did not write it", "--force"}},
	}
	checkCases(t, dir, cases, 256<<20)
}

// TestSearchOwnFilesOnly: a second search on a running journal, the
// user's own front specs, merge over an unrelated journal, a space named
// like a path, lut build over a file that is not a table.
func TestSearchOwnFilesOnly(t *testing.T) {
	dir := t.TempDir()
	space := writeFile(t, filepath.Join(dir, "nolat.yaml"), noLatencySpace)
	out := filepath.Join(dir, "s")
	mine := writeFile(t, filepath.Join(out, "front", "mine.yaml"), "extends: t0\n")
	if _, errText, code := run(t, "search", space, "--strategy", "grid", "--out", out); code != 0 {
		t.Fatalf("search: %s", errText)
	}
	if _, errText, code := run(t, "search", space, "--strategy", "grid", "--out", out, "--resume"); code != 0 {
		t.Fatalf("resume: %s", errText)
	}
	if b, _ := os.ReadFile(mine); string(b) != "extends: t0\n" {
		t.Errorf("the user's front spec was removed or changed")
	}
	// A journal held by a running search.
	jpath := filepath.Join(dir, "running.jsonl")
	h := search.Header{Format: search.JournalFormat, Version: search.JournalVersion}
	j, err := search.CreateJournal(jpath, h)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	merged := filepath.Join(dir, "merged")
	writeFile(t, filepath.Join(merged, "journal.jsonl"), "my own notes\n")
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), strings.Replace(noLatencySpace, "name: nolat", "name: ../../x", 1))
	notTable := writeFile(t, filepath.Join(dir, "t.lut.json"), `{"mine": true}`)
	interrupted := filepath.Join(dir, "i.lut.json")
	writeFile(t, interrupted+".partial", `{"format":"fnlab-lut-progress","space":"nolat"}`+"\n")
	cases := []hostileCase{
		{"second writer", []string{"search", space, "--strategy", "grid", "--journal", jpath, "--resume", "--out", out}, 1,
			[]string{"--journal", fmt.Sprintf("in use by fnlab process %d", os.Getpid())}},
		{"merge over an unrelated file", []string{"search", "merge", space, filepath.Join(out, "journal.jsonl"), "--out", merged}, 1,
			[]string{"journal.jsonl", "exists and is not a search journal"}},
		{"space named like a path", []string{"search", bad, "--out", filepath.Join(dir, "b")}, 1, []string{`"../../x": expected letters, digits`}},
		{"lut build over a file that is not a table", []string{"lut", "build", space, "--out", notTable, "--runs", "2"}, 1,
			[]string{"t.lut.json: exists and is not a latency table", "--force"}},
		{"lut build over an interrupted build", []string{"lut", "build", space, "--out", interrupted, "--runs", "2"}, 1,
			[]string{"i.lut.json.partial: holds the measurements of an interrupted build; pass --resume to continue it"}},
		{"lut build --resume with other settings", []string{"lut", "build", space, "--out", interrupted, "--runs", "2", "--resume"}, 2,
			[]string{"--resume", "made by another build"}},
	}
	checkCases(t, dir, cases, 64<<20)
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Error("a file was written outside the directory")
	}
}
