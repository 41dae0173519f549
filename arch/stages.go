package arch

// StageShape is the feature map a stage's blocks run on (per image).
type StageShape struct {
	Channels, Height, Width int
}

// StageWidth is the channel width of stage i when the first stage has
// embedDim channels: each merge doubles it.
func StageWidth(embedDim, i int) int { return embedDim << uint(i) }

// StageShapes lists each stage's map as Compile shapes it: the patch
// embedding, then one merge before each later stage, with PyTorch's conv
// arithmetic (convOut, no padding). A validated spec leaves every side at
// least 1.
func (s *Spec) StageShapes() []StageShape {
	out := make([]StageShape, len(s.Stages))
	h := convOut(s.Input.Height, s.PatchSize, s.PatchStride, 0)
	w := convOut(s.Input.Width, s.PatchSize, s.PatchStride, 0)
	for i := range out {
		if i > 0 {
			h, w = convOut(h, s.PatchSize2, s.PatchStride2, 0), convOut(w, s.PatchSize2, s.PatchStride2, 0)
		}
		out[i] = StageShape{Channels: s.StageDim(i), Height: h, Width: w}
	}
	return out
}

// StageShapes lists each stage's map as the graph holds it: the output of
// the patch embedding for stage 0, of the merge after stage i-1 for stage
// i (an empty stage still has its map). A graph without a patch embedding
// (an operator stack) has none.
func (g *Graph) StageShapes() []StageShape {
	var out []StageShape
	for i := range g.Layers {
		l := &g.Layers[i]
		var at int // the stage whose map l's output is
		switch l.Role {
		case RoleEmbed:
			at = 0
		case RoleMerge:
			at = l.Stage + 1
		default:
			continue
		}
		sh := g.OutShape(l) // a conv then its BN: the last one wins
		for len(out) <= at {
			out = append(out, StageShape{})
		}
		out[at] = StageShape{Channels: sh[1], Height: sh[2], Width: sh[3]}
	}
	return out
}
