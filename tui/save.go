package tui

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/inputfile"
	"github.com/fnlab/fnlab/internal/yamlx"
)

// SpecYAML writes s as a spec that arch.Load reads back to the same model.
// With a base (a preset name or a spec file, relative paths taken from the
// working directory) it writes `extends: base` and only the keys whose
// values differ from base's; depths and stages go together, since a base
// whose stages list sets depths would otherwise override new depths.
// dir is the directory the YAML will be saved in (file bases are written
// relative to it). header becomes a comment at the top.
func SpecYAML(s *arch.Spec, name, base, dir, header string) (string, error) {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		if line != "" {
			fmt.Fprintf(&b, "# %s\n", line)
		}
	}
	var changed map[string]bool
	if base != "" {
		bs, err := arch.Load(base, nil)
		if err != nil {
			return "", err
		}
		changed = map[string]bool{}
		for _, k := range arch.Diff(bs, s) {
			changed[k] = true
		}
		fmt.Fprintf(&b, "extends: %s\n", extendsRef(base, dir))
	}
	fmt.Fprintf(&b, "name: %s\n", yamlString(name))
	shapeDiffers := changed["depths"] || changed["stages"]
	for _, e := range arch.Fields(s) {
		shape := e.Key == "depths" || e.Key == "stages"
		if changed != nil && !changed[e.Key] && !(shape && shapeDiffers) {
			continue
		}
		if e.Key == "stages" && changed == nil && s.UniformStages() {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", e.Key, e.Value)
	}
	return b.String(), nil
}

// extendsRef writes a file base relative to the directory of the saved
// spec (arch resolves extends from the including file); presets stay names.
func extendsRef(base, dir string) string {
	if !yamlx.IsPath(base) {
		return yamlString(base)
	}
	abs, err := filepath.Abs(base)
	if err != nil {
		return yamlString(base)
	}
	if d, err := filepath.Abs(dir); err == nil {
		if rel, err := filepath.Rel(d, abs); err == nil {
			return yamlString(filepath.ToSlash(rel))
		}
	}
	return yamlString(abs)
}

// yamlString quotes s when YAML would read it as something else.
func yamlString(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || strings.TrimSpace(s) != s {
		return strconv.Quote(s)
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		return strconv.Quote(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.Quote(s)
	}
	return s
}

// sameModel reports whether two specs describe the same model (names and
// sources aside).
func sameModel(a, b *arch.Spec) bool {
	x, y := *a, *b
	x.Name, y.Name, x.Source, y.Source = "", "", "", ""
	return reflect.DeepEqual(x, y)
}

// SaveSpec writes s to path as YAML extending base (or, if that does not
// read back as the same model, as a full spec) and checks that arch.Load
// reads the file back to s. It returns a short description of what it wrote.
func SaveSpec(path string, s *arch.Spec, base string, header string) (string, error) {
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".yaml"), ".yml")
	dir := filepath.Dir(path)
	try := func(base string) (bool, error) {
		text, err := SpecYAML(s, name, base, dir, header)
		if err != nil {
			return false, err
		}
		// Atomic: a failed save never leaves a half-written spec.
		if err := atomicfile.Write(path, func(w io.Writer) error { _, err := io.WriteString(w, text); return err }); err != nil {
			return false, fmt.Errorf("save %s: %v", path, inputfile.WithoutPath(err))
		}
		back, err := arch.Load(path, nil)
		if err != nil {
			return false, nil
		}
		return sameModel(back, s), nil
	}
	if base != "" {
		ok, err := try(base)
		if err != nil {
			return "", err
		}
		if ok {
			return "extends " + base, nil
		}
	}
	ok, err := try("")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("save %s: the written spec does not read back as the edited model (a bug in fnlab tui)", path)
	}
	return "full spec", nil
}
