package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README is the user's manual: every `$ fnlab ...` example in it is run
// here, in README order in one scratch directory (later examples use files
// that earlier ones wrote), and its output is compared with what the README
// shows. Deterministic commands must match exactly (timings masked);
// measuring commands must match in structure (every number masked). The
// examples that take minutes run only with FNLAB_README_SLOW=1 (.ci/run
// sets it).

type readmeExample struct {
	line int
	args []string
	want string
}

// readmeExamples reads the `$ fnlab` examples of README.md: the command
// (with backslash continuations) and the output up to the next command or
// the end of the code block.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []readmeExample
	inBlock := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock || !strings.HasPrefix(l, "$ fnlab ") {
			continue
		}
		ex := readmeExample{line: i + 1}
		cmd := strings.TrimPrefix(l, "$ fnlab ")
		for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
			i++
			cmd = strings.TrimSuffix(cmd, `\`) + " " + strings.TrimSpace(lines[i])
		}
		ex.args = strings.Fields(cmd)
		var body []string
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "```") && !strings.HasPrefix(lines[i+1], "$ ") {
			i++
			body = append(body, lines[i])
		}
		if len(body) > 0 {
			ex.want = strings.Join(body, "\n") + "\n"
		}
		out = append(out, ex)
	}
	return out
}

var (
	msTiming  = regexp.MustCompile(`\d+(\.\d+)? ms`)
	number    = regexp.MustCompile(`[-+]?[0-9]+([.,][0-9]+)*[a-zA-Z%]*`)
	spaces    = regexp.MustCompile(`[ \t]+`)
	boxes     = regexp.MustCompile(`[█░·*@]+`)
	barPair   = regexp.MustCompile(`█* \| ░*`)
	warning   = regexp.MustCompile(`(?m)^warning: .*\n`)
	simdLevel = regexp.MustCompile(`\b(avx512|avx2|generic) kernels`)
)

// exactCommands print the same text on every machine except timings.
var exactCommands = map[string]bool{"analyze": true, "specs": true, "export": true, "infer": true}

// slowCommands take minutes as the README shows them.
var slowCommands = map[string]bool{"ablate": true, "fit": true, "search": true, "lut": true, "ops": true}

func structure(s string) string {
	s = warning.ReplaceAllString(s, "")
	s = simdLevel.ReplaceAllString(s, "SIMD kernels") // the pure-Go CI pass prints "generic"
	s = barPair.ReplaceAllString(s, "BARS")
	s = boxes.ReplaceAllString(s, "#")
	s = number.ReplaceAllString(s, "N")
	s = spaces.ReplaceAllString(s, " ")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return strings.Join(out, "\n")
}

func TestREADMEExamples(t *testing.T) {
	exs := readmeExamples(t)
	if len(exs) < 10 {
		t.Fatalf("found %d README examples, expected the manual's", len(exs))
	}
	dir := t.TempDir()
	for _, f := range []string{"tiny_pconv.safetensors", "tiny_input.npy"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/golden", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	slow := os.Getenv("FNLAB_README_SLOW") != ""
	for _, ex := range exs {
		name := ex.args[0]
		if strings.ContainsAny(strings.Join(ex.args, " "), "$|><&") {
			// A shell session (variables, pipes, background workers): the
			// worked example of a shared study, whose commands and outputs
			// the study's own tests run against a real server.
			t.Logf("README:%d fnlab %s: a shell session, not run here", ex.line, strings.Join(ex.args, " "))
			continue
		}
		if slowCommands[name] && !slow {
			t.Logf("README:%d fnlab %s: skipped (takes minutes; FNLAB_README_SLOW=1 runs it)", ex.line, strings.Join(ex.args, " "))
			continue
		}
		args := make([]string, len(ex.args))
		for i, a := range ex.args {
			// Absolute scratch paths in the README land in this test's directory.
			args[i] = strings.Replace(a, "/tmp/", dir+"/", 1)
		}
		got, errText, code := run(t, args...)
		if code != 0 {
			t.Errorf("README:%d fnlab %s: exit %d %s", ex.line, strings.Join(ex.args, " "), code, errText)
			continue
		}
		got = strings.ReplaceAll(got, dir+"/", "/tmp/")
		if d := os.Getenv("FNLAB_README_DUMP"); d != "" {
			// The raw outputs, to refresh the README's examples from.
			_ = os.WriteFile(filepath.Join(d, fmt.Sprintf("README_%d.txt", ex.line)), []byte(got), 0o644)
		}
		want := ex.want
		ok := true
		if exactCommands[name] {
			got, want = msTiming.ReplaceAllString(got, "N ms"), msTiming.ReplaceAllString(want, "N ms")
			ok = want == "" || elidedMatch(got, want)
		} else {
			got, want = structure(got), structure(want)
			ok = want == "" || sameLines(got, want)
		}
		if !ok {
			t.Errorf("README:%d fnlab %s: the README shows\n%s\nthe command prints\n%s", ex.line, strings.Join(ex.args, " "), want, got)
		}
	}
}

// sameLines compares measured outputs line by line in any order (rows
// sorted by a measured time come in another order on every run); with a
// "..." line in want, want's lines need only all be in got.
func sameLines(got, want string) bool {
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	elided := false
	for _, l := range strings.Split(want, "\n") {
		if l == "..." {
			elided = true
			continue
		}
		if count[l]--; count[l] < 0 {
			return false
		}
	}
	if !elided {
		for _, n := range count {
			if n != 0 {
				return false
			}
		}
	}
	return true
}

// elidedMatch compares got with want, where a line "..." in want stands
// for any lines (the README shortens long outputs).
func elidedMatch(got, want string) bool {
	head, tail, elided := strings.Cut(want, "\n...\n")
	if !elided {
		return got == want
	}
	return strings.HasPrefix(got, head+"\n") && strings.HasSuffix(got, tail) && len(got) >= len(head)+len(tail)
}
