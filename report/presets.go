package report

import (
	"fmt"
	"io"

	"github.com/fnlab/fnlab/analyze"
	"github.com/fnlab/fnlab/arch"
)

// PresetRow is one built-in spec: its main settings and its counts (BN
// fused).
type PresetRow struct {
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

// Presets describes every preset and ablation spec built into fnlab.
func Presets() ([]PresetRow, error) {
	var rows []PresetRow
	for _, p := range arch.Presets() {
		s, err := arch.Load(p, nil)
		if err != nil {
			return nil, err
		}
		g, err := arch.Compile(s)
		if err != nil {
			return nil, err
		}
		r := analyze.Count(g, analyze.BNFused)
		rw := PresetRow{Name: p, Mixer: string(s.Mixer), EmbedDim: s.EmbedDim, Depths: s.Depths, Act: string(s.Act), Params: r.Totals.Params, MACs: r.Totals.MACs}
		switch s.Mixer {
		case arch.PConv:
			rw.NDiv, rw.Forward = s.NDiv, string(s.PConvFwType)
		case arch.GConv:
			rw.Groups = s.Groups
		}
		rows = append(rows, rw)
	}
	return rows, nil
}

// PresetTable prints rows as a table, one spec a line.
func PresetTable(w io.Writer, rows []PresetRow) error {
	t := &Table{Header: []string{"spec", "mixer", "setting", "embed_dim", "depths", "act", "params", "MACs"},
		Right: []bool{false, false, false, true, false, false, true, true}}
	for _, r := range rows {
		setting := "-"
		switch {
		case r.NDiv > 0:
			setting = fmt.Sprintf("n_div=%d %s", r.NDiv, r.Forward)
		case r.Groups > 0:
			setting = fmt.Sprintf("groups=%d", r.Groups)
		}
		t.Add(r.Name, r.Mixer, setting, fmt.Sprint(r.EmbedDim), fmt.Sprint(r.Depths), r.Act, SI(r.Params), SI(r.MACs))
	}
	return t.Write(w)
}
