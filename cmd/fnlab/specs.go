package main

import (
	"io"

	"github.com/fnlab/fnlab/report"
	"github.com/spf13/cobra"
)

func newSpecsCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "specs",
		Short: "List the preset and ablation specs built into fnlab",
		Example: `  fnlab specs
  fnlab specs --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := report.Presets()
			if err != nil {
				return err
			}
			return printDoc(cmd, format, rows, func(w io.Writer) error { return report.PresetTable(w, rows) })
		},
	}
	formatFlag(c, &format, "table", "json")
	return c
}
