package analyze

import "github.com/fnlab/fnlab/arch"

// RoleCost is the summed cost of every layer of one role (what the layer
// is in a FasterNet: patch embedding, spatial mixer, MLP, merge, head).
type RoleCost struct {
	Role arch.Role `json:"role"`
	Cost
}

// ByRole sums the layers' costs by role, in the order the roles first
// appear in the model (patch_embed, mixer, mlp, merge, head for a
// classifier); layers without a role are summed under arch.RoleOther.
// The parts add up to Totals: it answers "where do the MACs (or bytes)
// go" by kind of module, whatever the depths, where the module tree
// answers it block by block.
func (r *Report) ByRole() []RoleCost {
	var out []RoleCost
	at := map[arch.Role]int{}
	for _, l := range r.Layers {
		i, ok := at[l.Role]
		if !ok {
			i = len(out)
			at[l.Role] = i
			out = append(out, RoleCost{Role: l.Role})
		}
		out[i].Cost = out[i].Cost.Add(l.Cost)
	}
	return out
}
