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
				NDiv     int    `json:"n_div,omitempty"`  // pconv only
				Groups   int    `json:"groups,omitempty"` // gconv only
				Forward  string `json:"pconv_fw_type,omitempty"`
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
				rw := row{Name: p, Mixer: string(s.Mixer), EmbedDim: s.EmbedDim, Depths: s.Depths, Act: string(s.Act), Params: r.Totals.Params, MACs: r.Totals.MACs}
				switch s.Mixer {
				case arch.PConv:
					rw.NDiv, rw.Forward = s.NDiv, string(s.PConvFwType)
				case arch.GConv:
					rw.Groups = s.Groups
				}
				rows = append(rows, rw)
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			t := &report.Table{Header: []string{"spec", "mixer", "setting", "embed_dim", "depths", "act", "params", "MACs"},
				Right: []bool{false, false, false, true, false, false, true, true}}
			for _, r := range rows {
				setting := "-"
				switch {
				case r.NDiv > 0:
					setting = fmt.Sprintf("n_div=%d %s", r.NDiv, r.Forward)
				case r.Groups > 0:
					setting = fmt.Sprintf("groups=%d", r.Groups)
				}
				t.Add(r.Name, r.Mixer, setting, fmt.Sprint(r.EmbedDim), fmt.Sprint(r.Depths), r.Act, report.SI(r.Params), report.SI(r.MACs))
			}
			return t.Write(cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return c
}
