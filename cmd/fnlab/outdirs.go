package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/internal/runlock"
	"github.com/fnlab/fnlab/search"
)

// openOutDir opens an --out directory for one run: its lock, its manifest
// of the files fnlab wrote there, and the clean-up of temporary files of a
// killed earlier run.
func openOutDir(out string, force bool) (*outdir.Dir, error) {
	d, err := outdir.Open(out, force)
	if err != nil {
		var busy *runlock.BusyError
		if errors.As(err, &busy) {
			return nil, fmt.Errorf("--out %s: %v; one run writes a directory at a time", out, err)
		}
		return nil, fmt.Errorf("--out %s: %v", out, err)
	}
	return d, nil
}

// outFileErr adds the way out to a refusal to replace a user's file.
func outFileErr(err error) error {
	if errors.Is(err, outdir.ErrForeign) {
		return fmt.Errorf("%v; move it away or pass --force to replace it", err)
	}
	return err
}

// claimChart claims a chart's PNG and SVG files.
func claimChart(d *outdir.Dir, name string) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := d.Claim(name + ext); err != nil {
			return err
		}
	}
	return nil
}

// specHash identifies a resolved spec (after extends and --set).
func specHash(s *arch.Spec) string {
	return fmt.Sprintf("%x", sha256.Sum256(search.SpecYAML(s)))[:16]
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
