package fitreport

import (
	"github.com/fnlab/fnlab/fit"
	"github.com/fnlab/fnlab/internal/atomicfile"
	"github.com/fnlab/fnlab/internal/outdir"
)

// Save writes d's loss charts (Charts, recorded in d.Charts) and d as
// fit.json into od.
func Save(d *fit.Report, od *outdir.Dir) error {
	var err error
	if d.Charts, err = Charts(d, od, ""); err != nil {
		return err
	}
	if err := od.Claim("fit.json"); err != nil {
		return err
	}
	return atomicfile.WriteJSON(od.Join("fit.json"), d)
}
