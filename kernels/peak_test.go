package kernels

import "testing"

func TestPeakGFLOPS(t *testing.T) {
	p := PeakGFLOPS(1)
	if !(p > 0.1) {
		t.Fatalf("PeakGFLOPS(1) = %v", p)
	}
	if q := PeakGFLOPS(1); q != p {
		t.Errorf("second call %v, want the cached %v", q, p)
	}
	t.Logf("peak: %.1f GFLOPS on 1 thread at %s", p, BestLevel())
}
