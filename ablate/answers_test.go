package ablate

import (
	"strings"
	"testing"
)

func TestAnswers(t *testing.T) {
	pc := &Variant{Name: "pconv n_div=4", Mixer: "pconv", NDiv: 4, MedianMS: 5, MACs: 300e6, Bytes: 40 << 20, MixerMem: 100, MixerMAC: 10,
		LossMean: 0.42, LossStd: 0.01, Split: map[string]float64{"patch_embed": 0.2, "mixers": 0.8, "mlps": 3, "merges": 0.5, "head": 0.5}}
	dw := &Variant{Name: "dwconv", Mixer: "dwconv", MedianMS: 4, MACs: 290e6, LossMean: 0.44, LossStd: 0.01}
	cv := &Variant{Name: "conv", Mixer: "conv", MedianMS: 14, MACs: 880e6, Bytes: 60 << 20, MixerMem: 1000, MixerMAC: 160,
		Split: map[string]float64{"mixers": 9}}
	got := (&Doc{Variants: []*Variant{pc, cv, dw}}).Answers()
	for _, want := range []string{
		"**Would DWConv beat PConv inside FasterNet?** The DWConv variant runs in 4.000 ms against 5.000 ms for pconv n_div=4 (faster, 1.25x)",
		"a higher (worse) reconstruction loss: 0.4400 ± 0.0100 against 0.4200 ± 0.0100",
		"the patch embedding takes 0.200 ms of 5.000 ms (4%)",
		"from 5.000 ms to 14.000 ms (2.80x) and the mixers from 0.800 ms to 9.000 ms",
		"PConv's mixers access 100 elements against Conv's 1.000K: 0.100", "the model as a whole is below 1/4",
		"(0.0625, 1/16 = 0.0625)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("answers lack %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "**"); n != 6 {
		t.Errorf("%d bold marks, want three questions:\n%s", n, got)
	}
	// Without a DWConv variant the first question is left out; without
	// Conv, the other two; the PConv variant falls back to the first one.
	only := (&Doc{Variants: []*Variant{{Name: "pconv n_div=2", Mixer: "pconv", NDiv: 2, Split: pc.Split}, cv}}).Answers()
	if strings.Contains(only, "DWConv beat") || !strings.Contains(only, "In pconv n_div=2 the patch embedding") {
		t.Errorf("answers without dwconv:\n%s", only)
	}
	if s := (&Doc{Variants: []*Variant{pc}}).Answers(); s != "" {
		t.Errorf("answers with one variant: %q", s)
	}
}
