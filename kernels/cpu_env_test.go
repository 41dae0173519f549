package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestEnvError runs this test binary again with a bad FNLAB_SIMD: the
// value is reported, not silently ignored.
func TestEnvError(t *testing.T) {
	if v := os.Getenv("FNLAB_SIMD"); v == "frobnicate" {
		if err := EnvError(); err == nil || !strings.Contains(err.Error(), `FNLAB_SIMD=frobnicate: unknown SIMD level "frobnicate"`) {
			t.Fatalf("EnvError() = %v", err)
		}
		if CurrentLevel() != BestLevel() {
			t.Fatalf("level %s, want the best %s", CurrentLevel(), BestLevel())
		}
		return
	}
	if err := EnvError(); err != nil && os.Getenv("FNLAB_SIMD") == "" {
		t.Fatalf("EnvError() = %v without FNLAB_SIMD", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestEnvError$")
	cmd.Env = append(os.Environ(), "FNLAB_SIMD=frobnicate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
