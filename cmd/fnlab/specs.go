package main

import (
	"fmt"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
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
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			type row struct {
				Name     string `json:"name"`
				Mixer    string `json:"mixer"`
				EmbedDim int    `json:"embed_dim"`
				Depths   []int  `json:"depths"`
				Act      string `json:"act_layer"`
				Params   int64  `json:"params"`
				MACs     int64  `json:"macs"`
			}
			var rows []row
			for _, p := range arch.Presets() {
				s, err := arch.Load(p, nil)
				if err != nil {
					return err
				}
				g, err := arch.Compile(s)
				if err != nil {
					return err
				}
				r := analyze.Count(g, analyze.BNFused)
				rows = append(rows, row{p, string(s.Mixer), s.EmbedDim, s.Depths, string(s.Act), r.Totals.Params, r.Totals.MACs})
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			t := &report.Table{Header: []string{"spec", "mixer", "embed_dim", "depths", "act", "params", "MACs"},
				Right: []bool{false, false, true, false, false, true, true}}
			for _, r := range rows {
				t.Add(r.Name, r.Mixer, fmt.Sprint(r.EmbedDim), fmt.Sprint(r.Depths), r.Act, report.SI(r.Params), report.SI(r.MACs))
			}
			return t.Write(cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}
