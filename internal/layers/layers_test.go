package layers

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/fnlab/fnlab/"

// allowed lists, for each package, the fnlab packages it may import; a
// trailing "/" allows a whole tree. It is docs/architecture.md's table.
var allowed = map[string][]string{
	"kernels":             {},
	"internal/atomicfile": {},
	"internal/inputfile":  {},
	"internal/runlock":    {},
	"internal/timing":     {},
	"internal/onnxpb":     {},
	"internal/layers":     {},
	"internal/yamlx":      {"internal/inputfile"},
	"internal/outdir":     {"internal/atomicfile", "internal/inputfile", "internal/runlock"},
	"specs":               {},
	"arch":                {"internal/", "specs"},
	"tensorio":            {"internal/"},
	"engine":              {"arch", "kernels", "tensorio", "internal/"},
	"analyze":             {"arch", "engine", "kernels", "internal/"},
	"onnx":                {"arch", "engine", "internal/"},
	"report":              {"analyze", "arch"},
	"charts":              {"internal/"},
	"fit":                 {"arch", "kernels", "tensorio", "internal/"},
	"fit/fitreport":       {"fit", "charts", "report", "internal/"},
	"ablate":              {"analyze", "arch", "engine", "fit", "fit/fitreport", "report", "charts", "internal/"},
	"optable":             {"analyze", "arch", "engine", "kernels", "onnx", "report", "charts", "internal/"},
	"search/proxy":        {"arch", "engine", "fit", "kernels", "internal/"},
	"search/lut":          {"analyze", "arch", "engine", "internal/"},
	"search":              {"analyze", "arch", "engine", "report", "search/lut", "search/proxy", "specs", "internal/"},
	"search/study":        {"search", "report", "internal/"},
	"searchplot":          {"charts", "search"},
	"tui":                 {"analyze", "arch", "engine", "report", "search", "internal/"},
	"cmd/fnlab":           {""}, // everything
}

func TestImportRules(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// Other modules (generators, tools) and data are not fnlab's packages.
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rules, ok := allowed[pkg]
		if !ok {
			t.Errorf("%s: package %s is not in the import table (internal/layers, docs/architecture.md)", rel, pkg)
			return nil
		}
		seen[pkg] = true
		for _, im := range f.Imports {
			p := strings.Trim(im.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			p = strings.TrimPrefix(p, module)
			if !permitted(p, rules) {
				t.Errorf("%s imports %s, which the import table does not allow for %s", filepath.ToSlash(filepath.Join(rel, name)), p, pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var gone []string
	for pkg := range allowed {
		if !seen[pkg] {
			gone = append(gone, pkg)
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		t.Errorf("the import table lists packages that do not exist: %v", gone)
	}
}

func permitted(p string, rules []string) bool {
	for _, r := range rules {
		if r == "" || p == r || (strings.HasSuffix(r, "/") && strings.HasPrefix(p, r)) {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
