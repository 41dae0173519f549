package ablate

import (
	"fmt"
	"strings"

	"github.com/fnlab/fnlab/arch"
	"github.com/fnlab/fnlab/report"
)

// Answers answers the seed analysis' three questions (would DWConv beat
// PConv inside FasterNet; is the speed only the patch embedding; is
// PConv's memory access really 1/4 of Conv's) with the run's numbers, as
// Markdown paragraphs, one per question that the run can answer: the
// first needs a PConv and a DWConv variant, the other two a PConv and a
// Conv variant (measured, for the time split; fitted, for the losses).
// The PConv variant is the one at n_div 4 (the paper's), else the first.
// fnlab ablate's report.md and the notebooks print the same text, so the
// wording lives here once.
func (d *Doc) Answers() string {
	var b strings.Builder
	pc := findVariant(d, func(v *Variant) bool { return v.Mixer == arch.PConv && v.NDiv == 4 })
	if pc == nil {
		pc = findVariant(d, func(v *Variant) bool { return v.Mixer == arch.PConv })
	}
	dw := findVariant(d, func(v *Variant) bool { return v.Mixer == arch.DWConv })
	cv := findVariant(d, func(v *Variant) bool { return v.Mixer == arch.Conv })
	if pc != nil && dw != nil {
		faster := "slower"
		if dw.MedianMS < pc.MedianMS {
			faster = "faster"
		}
		better := "a higher (worse)"
		if dw.LossMean < pc.LossMean {
			better = "a lower (better)"
		}
		fmt.Fprintf(&b, "**Would DWConv beat PConv inside FasterNet?** The DWConv variant runs in %.3f ms against %.3f ms for %s (%s, %.2fx), with %s MACs against %s, and has %s reconstruction loss: %.4f ± %.4f against %.4f ± %.4f. ",
			dw.MedianMS, pc.MedianMS, pc.Name, faster, pc.MedianMS/dw.MedianMS, report.SI(dw.MACs), report.SI(pc.MACs), better, dw.LossMean, dw.LossStd, pc.LossMean, pc.LossStd)
		b.WriteString("Loss here is a proxy (how well the mixer + 1x1 conv can imitate a 3x3 conv on generated features), not ImageNet accuracy.\n\n")
	}
	if pc != nil && cv != nil && pc.Split != nil {
		var tot float64
		for _, v := range pc.Split {
			tot += v
		}
		fmt.Fprintf(&b, "**Is the speed only the patch embedding?** In %s the patch embedding takes %.3f ms of %.3f ms (%.0f%%), the spatial mixers %.3f ms (%.0f%%), the MLPs %.3f ms (%.0f%%). Swapping PConv for a full 3x3 conv, with the same embedding, takes the model from %.3f ms to %.3f ms (%.2fx) and the mixers from %.3f ms to %.3f ms: the mixer choice, not the embedding, decides that difference.\n\n",
			pc.Name, pc.Split["patch_embed"], tot, 100*pc.Split["patch_embed"]/tot, pc.Split["mixers"], 100*pc.Split["mixers"]/tot, pc.Split["mlps"], 100*pc.Split["mlps"]/tot,
			pc.MedianMS, cv.MedianMS, cv.MedianMS/pc.MedianMS, pc.Split["mixers"], cv.Split["mixers"])
	}
	if pc != nil && cv != nil && cv.MixerMem > 0 {
		fmt.Fprintf(&b, "**Is PConv's memory access really 1/4 of Conv's?** By the paper's formula (h·w·2c_p + 9c_p² against h·w·2c + 9c², summed over the mixers of the model) PConv's mixers access %s elements against Conv's %s: %.3f (the paper's 1/4 holds where the feature-map term h·w·2c dominates, early stages; where the weight term 9c² dominates, late stages, the ratio tends to 1/16, so the model as a whole is %s 1/4). Their MACs: %s against %s (%.4f, 1/16 = 0.0625). Counting all bytes the model moves (fnlab analyze: inputs, weights, outputs of every layer, including split_cat's copy of the untouched channels), the whole model moves %s against %s (%.2f): the MLP dominates the traffic of both.\n\n",
			report.SI(pc.MixerMem), report.SI(cv.MixerMem), float64(pc.MixerMem)/float64(cv.MixerMem), map[bool]string{true: "below", false: "above"}[float64(pc.MixerMem)/float64(cv.MixerMem) < 0.25],
			report.SI(pc.MixerMAC), report.SI(cv.MixerMAC), float64(pc.MixerMAC)/float64(cv.MixerMAC),
			report.Bytes(pc.Bytes), report.Bytes(cv.Bytes), float64(pc.Bytes)/float64(cv.Bytes))
	}
	return b.String()
}

func findVariant(d *Doc, pred func(*Variant) bool) *Variant {
	for _, v := range d.Variants {
		if pred(v) {
			return v
		}
	}
	return nil
}
