package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestClaimChart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "user.svg"), []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.ClaimChart("mine"); err != nil {
		t.Errorf("a new chart: %v", err)
	}
	if err := d.ClaimChart("user"); !errors.Is(err, ErrForeign) {
		t.Errorf("a chart over a user's SVG: %v, want ErrForeign", err)
	}
}
