package fit

import (
	"errors"

	"github.com/fnlab/fnlab/arch"
)

// ParseStudents parses a comma-separated list of students (ParseStudent's
// forms); an empty list is an error.
func ParseStudents(s string) ([]Student, error) {
	var out []Student
	for _, f := range arch.SplitList(s) {
		st, err := ParseStudent(f)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, errors.New("expected at least one student")
	}
	return out, nil
}
