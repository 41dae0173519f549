package fit

import (
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func TestStudentFor(t *testing.T) {
	for _, c := range []struct {
		m            arch.Mixer
		ndiv, groups int
		want         string
	}{
		{arch.PConv, 4, 16, "pconv+pwconv"},
		{arch.PConv, 2, 16, "pconv(n_div=2)+pwconv"},
		{arch.GConv, 4, 8, "gconv(groups=8)+pwconv"},
		{arch.DWConv, 4, 16, "dwconv+pwconv"},
		{arch.Conv, 4, 16, "conv"},
	} {
		s, err := StudentFor(c.m, c.ndiv, c.groups)
		if err != nil || s.Name() != c.want {
			t.Errorf("StudentFor(%s, %d, %d) = %s, %v; want %s", c.m, c.ndiv, c.groups, s.Name(), err, c.want)
		}
	}
	for _, m := range arch.Mixers {
		if _, err := StudentFor(m, 4, 16); err != nil {
			t.Errorf("mixer %s has no student: %v", m, err)
		}
	}
	if _, err := StudentFor("winograd", 4, 16); err == nil {
		t.Error("an unknown mixer has a student")
	}
}
