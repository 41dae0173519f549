package fit

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/tensorio"
)

// LoadFeatures reads input features from an N x C x H x W .npy file, with
// N >= 3 images (the 70/10/20 split needs one of each).
func LoadFeatures(path string) (*Data, error) {
	t, err := tensorio.ReadNPYFile(path)
	if err != nil {
		return nil, err
	}
	if len(t.Shape) != 4 || t.Shape[0] < 3 || t.Shape[2] < 1 || t.Shape[3] < 1 {
		return nil, fmt.Errorf("%s: expected an N x C x H x W array with N >= 3 images, got shape %v", path, t.Shape)
	}
	return &Data{N: t.Shape[0], C: t.Shape[1], H: t.Shape[2], W: t.Shape[3], X: t.Data}, nil
}

// LoadTeacher reads tensor key of a .safetensors or .pth file, a 3x3 conv
// weight [c, c, 3, 3]; only that tensor is read.
func LoadTeacher(file, key string) ([]float32, error) {
	// The other tensors' names are kept for the message if key is missing.
	var names []string
	st, err := tensorio.LoadExpect(file, func(name string, _ []int) error {
		if name == key {
			return nil
		}
		names = append(names, name)
		return tensorio.ErrSkip
	})
	if err != nil {
		return nil, err
	}
	t, ok := st.Tensors[key]
	if !ok {
		if len(names) > 5 {
			names = append(names[:5:5], "...")
		}
		return nil, fmt.Errorf("%s: no tensor %q (the file has %s)", file, key, strings.Join(names, ", "))
	}
	if len(t.Shape) != 4 || t.Shape[0] != t.Shape[1] || t.Shape[2] != 3 || t.Shape[3] != 3 {
		return nil, fmt.Errorf("%s: %s has shape %v, expected a 3x3 conv weight [c, c, 3, 3]", file, key, t.Shape)
	}
	return t.Data, nil
}

// UseRealData sets real features (named for the report; Stages becomes
// their one shape) and a real teacher (likewise named) on e; either may
// be nil. With a teacher and generated features, every stage takes the
// teacher's width at its own map size.
func (e *Experiment) UseRealData(features *Data, featuresName string, teacher []float32, teacherName string) error {
	if features != nil {
		e.Features, e.FeaturesName = features, featuresName
		e.Stages = []Stage{{Name: "features", C: features.C, H: features.H, W: features.W}}
	}
	if teacher == nil {
		return nil
	}
	c := 0
	for c*c*9 < len(teacher) {
		c++
	}
	if c*c*9 != len(teacher) {
		return fmt.Errorf("teacher %s: %d weights, not a 3x3 conv c -> c", teacherName, len(teacher))
	}
	if features != nil && features.C != c {
		return fmt.Errorf("teacher %s has %d channels, features %s have %d", teacherName, c, featuresName, features.C)
	}
	e.Teacher, e.TeacherName = teacher, teacherName
	if features == nil {
		for i := range e.Stages {
			e.Stages[i].C = c
			e.Stages[i].Name = fmt.Sprintf("%dx%dx%d", c, e.Stages[i].H, e.Stages[i].W)
		}
	}
	return nil
}

// Check reports the first student that does not fit a stage: a PConv
// with more parts than channels, a GConv whose groups do not divide them.
func (e *Experiment) Check() error {
	for _, st := range e.Stages {
		for _, s := range e.Students {
			if (s.Kind == KindPConv && s.NDiv > st.C) || (s.Kind == KindGConv && st.C%s.Groups != 0) {
				return fmt.Errorf("%s does not fit stage %s (%d channels)", s.Name(), st.Name, st.C)
			}
		}
	}
	return nil
}
