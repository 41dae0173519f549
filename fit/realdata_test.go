package fit

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnlab/fnlab/tensorio"
)

func TestLoadRealData(t *testing.T) {
	dir := t.TempDir()
	st := tensorio.NewState()
	for name, shape := range map[string][]int{"w": {4, 4, 3, 3}, "pw": {4, 4, 1, 1}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		if err := st.Add(name, &tensorio.Tensor{Shape: shape, Data: make([]float32, n)}); err != nil {
			t.Fatal(err)
		}
	}
	teacher := filepath.Join(dir, "t.safetensors")
	if err := tensorio.WriteSafetensors(teacher, st); err != nil {
		t.Fatal(err)
	}
	npy := func(name string, shape ...int) string {
		n := 1
		for _, d := range shape {
			n *= d
		}
		p := filepath.Join(dir, name)
		if err := tensorio.WriteNPYFile(p, &tensorio.Tensor{Shape: shape, Data: make([]float32, n)}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, few, flat := npy("x.npy", 3, 4, 5, 5), npy("few.npy", 2, 4, 5, 5), npy("flat.npy", 3, 100)
	if d, err := LoadFeatures(good); err != nil || d.N != 3 || d.C != 4 || d.H != 5 || len(d.X) != 300 {
		t.Errorf("LoadFeatures: %+v, %v", d, err)
	}
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"two images", "N >= 3 images", second(LoadFeatures(few))},
		{"not 4-d", "got shape [3 100]", second(LoadFeatures(flat))},
		{"no file", "missing.npy", second(LoadFeatures(filepath.Join(dir, "missing.npy")))},
		{"no tensor", `no tensor "k" (the file has`, second(LoadTeacher(teacher, "k"))},
		{"not 3x3", "expected a 3x3 conv weight", second(LoadTeacher(teacher, "pw"))},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || strings.Contains(c.err.Error(), "--") {
			t.Errorf("%s: %v, want an error mentioning %q and no flag", c.name, c.err, c.want)
		}
	}
	w, err := LoadTeacher(teacher, "w")
	if err != nil || len(w) != 4*4*9 {
		t.Fatalf("LoadTeacher: %d weights, %v", len(w), err)
	}
	// A teacher alone sets every stage's width at its own map size.
	e := &Experiment{Stages: []Stage{PaperStages[0], PaperStages[3]}}
	if err := e.UseRealData(nil, "", w, "t.safetensors:w"); err != nil || e.Stages[0].Name != "4x56x56" || e.Stages[1].C != 4 || e.TeacherName != "t.safetensors:w" {
		t.Errorf("teacher only: %+v, %v", e.Stages, err)
	}
	// Features replace the stages; their width must be the teacher's.
	x, _ := LoadFeatures(good)
	e = &Experiment{Stages: PaperStages}
	if err := e.UseRealData(x, good, w, "t"); err != nil || len(e.Stages) != 1 || e.Stages[0] != (Stage{Name: "features", C: 4, H: 5, W: 5}) {
		t.Errorf("features and teacher: %+v, %v", e.Stages, err)
	}
	x.C = 8
	if err := (&Experiment{}).UseRealData(x, good, w, "t"); err == nil || !strings.Contains(err.Error(), "has 4 channels") {
		t.Errorf("width mismatch: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestExperimentCheck(t *testing.T) {
	st := []Stage{{Name: "a", C: 16, H: 4, W: 4}}
	for _, c := range []struct {
		s    Student
		want string // "" if it fits
	}{
		{Student{Kind: "pconv", NDiv: 16}, ""},
		{Student{Kind: "pconv", NDiv: 17}, "pconv(n_div=17)+pwconv does not fit stage a (16 channels)"},
		{Student{Kind: "gconv", Groups: 8}, ""},
		{Student{Kind: "gconv", Groups: 5}, "gconv(groups=5)+pwconv does not fit stage a (16 channels)"},
		{Student{Kind: "dwconv"}, ""},
	} {
		got := ""
		if err := (&Experiment{Stages: st, Students: []Student{c.s}}).Check(); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.s.Name(), got, c.want)
		}
	}
}
