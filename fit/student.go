package fit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
)

// Kind is what a student is made of.
type Kind string

const (
	KindPConv  Kind = "pconv"  // PConv + PWConv
	KindGConv  Kind = "gconv"  // GConv + PWConv
	KindDWConv Kind = "dwconv" // DWConv + PWConv
	KindPWConv Kind = "pwconv" // PWConv alone
	KindConv   Kind = "conv"   // a full 3x3 conv, the control
)

// Student is a cheap replacement for the teacher's 3x3 conv: a spatial
// mixer followed by a 1x1 conv (c -> c), or a 1x1 conv alone, or a full
// 3x3 conv (the control, which can represent the teacher exactly).
type Student struct {
	Kind   Kind `json:"kind"`
	NDiv   int  `json:"n_div,omitempty"`
	Groups int  `json:"groups,omitempty"`
}

// Name is the student's label: "pconv+pwconv", "pconv(n_div=2)+pwconv",
// "gconv+pwconv", "dwconv+pwconv", "pwconv", "conv".
func (s Student) Name() string {
	switch s.Kind {
	case KindPConv:
		if s.NDiv != 4 {
			return fmt.Sprintf("pconv(n_div=%d)+pwconv", s.NDiv)
		}
		return "pconv+pwconv"
	case KindGConv:
		if s.Groups != 16 {
			return fmt.Sprintf("gconv(groups=%d)+pwconv", s.Groups)
		}
		return "gconv+pwconv"
	case KindDWConv:
		return "dwconv+pwconv"
	}
	return string(s.Kind)
}

// StudentFor is the student of a model's mixer (+ PWConv): the mixer at
// its n_div (PConv) or groups (GConv); a full conv is the conv student.
// nDiv and groups are read only for the mixer that has them.
func StudentFor(m arch.Mixer, nDiv, groups int) (Student, error) {
	switch m {
	case arch.PConv:
		return Student{Kind: KindPConv, NDiv: nDiv}, nil
	case arch.GConv:
		return Student{Kind: KindGConv, Groups: groups}, nil
	case arch.DWConv:
		return Student{Kind: KindDWConv}, nil
	case arch.Conv:
		return Student{Kind: KindConv}, nil
	}
	return Student{}, fmt.Errorf("no student for mixer %q", m)
}

// DefaultStudents are the paper's three plus the two references.
var DefaultStudents = []Student{{Kind: KindPConv, NDiv: 4}, {Kind: KindGConv, Groups: 16}, {Kind: KindDWConv}, {Kind: KindPWConv}, {Kind: KindConv}}

// ParseStudent reads pconv[:N] (n_div, default 4), gconv[:G] (groups,
// default 16), dwconv, pwconv or conv; a "+pwconv" suffix is accepted.
func ParseStudent(s string) (Student, error) {
	k, arg, hasArg := strings.Cut(strings.TrimSuffix(strings.TrimSpace(s), "+pwconv"), ":")
	n := 0
	if hasArg {
		v, err := strconv.Atoi(arg)
		if err != nil || v < 1 {
			return Student{}, fmt.Errorf("student %q: expected a positive number after ':'", s)
		}
		n = v
	}
	kind := Kind(k)
	switch kind {
	case KindPConv:
		return Student{Kind: kind, NDiv: max(n, 0) + 4*b2i(n == 0)}, nil
	case KindGConv:
		return Student{Kind: kind, Groups: max(n, 0) + 16*b2i(n == 0)}, nil
	case KindDWConv, KindPWConv, KindConv:
		if hasArg {
			return Student{}, fmt.Errorf("student %q: %s takes no ':' argument", s, kind)
		}
		return Student{Kind: kind}, nil
	}
	return Student{}, fmt.Errorf("student %q: expected pconv[:n_div], gconv[:groups], dwconv, pwconv or conv", s)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
