package main

import (
	"errors"
	"fmt"

	"github.com/fnlab/fnlab/internal/outdir"
	"github.com/fnlab/fnlab/internal/runlock"
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
