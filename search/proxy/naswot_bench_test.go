package proxy

import (
	"testing"

	"github.com/fnlab/fnlab/arch"
)

func BenchmarkNASWOTT0(b *testing.B) {
	s, err := arch.Load("t0", []string{"depths=[2,3,8,2]"})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := NASWOT(s, Config{Batch: 16, Resolution: 64, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
