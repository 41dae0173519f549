package search

import "github.com/fnlab/fnlab/arch"

// SpecYAML renders s as a complete, self-contained spec file (arch.Marshal).
func SpecYAML(s *arch.Spec, header ...string) []byte { return arch.Marshal(s, header...) }
