package search

import (
	"math"
	"sort"
)

// Point is one evaluated candidate as the sorting sees it: an objective
// vector (minimised) and its constraint violation (0: feasible).
type Point struct {
	Obj       []float64
	Violation float64
}

// dominates is Deb's constrained domination: a feasible point beats an
// infeasible one, of two infeasible points the smaller violation wins, and
// feasible points compare by Pareto dominance (no worse in every
// objective, better in one).
func dominates(a, b *Point) bool {
	af, bf := a.Violation == 0, b.Violation == 0
	switch {
	case af && !bf:
		return true
	case !af && bf:
		return false
	case !af && !bf:
		return a.Violation < b.Violation
	}
	better := false
	for i, x := range a.Obj {
		y := b.Obj[i]
		if x > y {
			return false
		}
		if x < y {
			better = true
		}
	}
	return better
}

// Sorter ranks points by non-dominated sorting with crowding distance
// (NSGA-II). Its buffers are reused across calls.
type Sorter struct {
	Rank     []int     // front index of each point, 0 = non-dominated
	Crowding []float64 // crowding distance within its front (Inf at the ends)
	count    []int     // how many points dominate each point
	dom      [][]int   // points each point dominates
	front    []int
	next     []int
	order    []int
	by       byObjective
}

// byObjective sorts point indices by one objective (then index), without
// allocating.
type byObjective struct {
	order []int
	pts   []Point
	k     int
}

func (b *byObjective) Len() int      { return len(b.order) }
func (b *byObjective) Swap(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] }
func (b *byObjective) Less(i, j int) bool {
	x, y := b.pts[b.order[i]].Obj[b.k], b.pts[b.order[j]].Obj[b.k]
	if x != y {
		return x < y
	}
	return b.order[i] < b.order[j]
}

// Sort computes Rank and Crowding for pts: O(M N^2) as in Deb et al. 2002.
func (s *Sorter) Sort(pts []Point) {
	n := len(pts)
	s.Rank = resizeInt(s.Rank, n)
	s.Crowding = resizeF(s.Crowding, n)
	s.count = resizeInt(s.count, n)
	if cap(s.dom) < n {
		s.dom = append(s.dom[:cap(s.dom)], make([][]int, n-cap(s.dom))...)
	}
	s.dom = s.dom[:n]
	for i := range s.dom {
		s.dom[i] = s.dom[i][:0]
		s.count[i] = 0
	}
	s.front = s.front[:0]
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case dominates(&pts[i], &pts[j]):
				s.dom[i] = append(s.dom[i], j)
				s.count[j]++
			case dominates(&pts[j], &pts[i]):
				s.dom[j] = append(s.dom[j], i)
				s.count[i]++
			}
		}
	}
	for i := 0; i < n; i++ {
		if s.count[i] == 0 {
			s.Rank[i] = 0
			s.front = append(s.front, i)
		}
	}
	rank := 0
	for len(s.front) > 0 {
		s.crowd(pts, s.front)
		s.next = s.next[:0]
		for _, i := range s.front {
			for _, j := range s.dom[i] {
				s.count[j]--
				if s.count[j] == 0 {
					s.Rank[j] = rank + 1
					s.next = append(s.next, j)
				}
			}
		}
		rank++
		s.front, s.next = s.next, s.front
	}
}

// crowd sets the crowding distance of one front: per objective, sort by
// value; the ends get +Inf, inner points add (next - prev) / (max - min).
func (s *Sorter) crowd(pts []Point, front []int) {
	for _, i := range front {
		s.Crowding[i] = 0
	}
	if len(front) == 0 {
		return
	}
	m := len(pts[front[0]].Obj)
	s.order = append(s.order[:0], front...)
	for k := 0; k < m; k++ {
		s.by = byObjective{order: s.order, pts: pts, k: k}
		sort.Sort(&s.by)
		lo, hi := pts[s.order[0]].Obj[k], pts[s.order[len(s.order)-1]].Obj[k]
		s.Crowding[s.order[0]] = math.Inf(1)
		s.Crowding[s.order[len(s.order)-1]] = math.Inf(1)
		span := hi - lo
		if !(span > 0) || math.IsInf(span, 0) {
			continue
		}
		for q := 1; q < len(s.order)-1; q++ {
			s.Crowding[s.order[q]] += (pts[s.order[q+1]].Obj[k] - pts[s.order[q-1]].Obj[k]) / span
		}
	}
}

// Better is NSGA-II's crowded comparison: lower rank, then larger
// crowding distance, then lower index (for determinism).
func (s *Sorter) Better(i, j int) bool {
	if s.Rank[i] != s.Rank[j] {
		return s.Rank[i] < s.Rank[j]
	}
	if s.Crowding[i] != s.Crowding[j] {
		return s.Crowding[i] > s.Crowding[j]
	}
	return i < j
}

// Select returns the indices of the best k points by crowded comparison,
// in that order (Sort must have run).
func (s *Sorter) Select(k int) []int {
	idx := make([]int, len(s.Rank))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.Better(idx[a], idx[b]) })
	if k < len(idx) {
		idx = idx[:k]
	}
	return idx
}

func resizeInt(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	return b[:n]
}

func resizeF(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// ParetoFront returns the indices of the feasible points no other
// feasible point dominates, in input order. Points with duplicate
// objective vectors are all kept.
func ParetoFront(pts []Point) []int {
	var out []int
	for i := range pts {
		if pts[i].Violation != 0 || hasInf(pts[i].Obj) {
			continue
		}
		dominated := false
		for j := range pts {
			if j != i && pts[j].Violation == 0 && dominates(&pts[j], &pts[i]) {
				dominated = true
				break
			}
		}
		if !dominated {
			out = append(out, i)
		}
	}
	return out
}

func hasInf(v []float64) bool {
	for _, x := range v {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return true
		}
	}
	return false
}

// Hypervolume is the volume dominated by pts (minimised objectives) and
// bounded by ref, computed exactly by slicing along the last objective
// (O(n^(d-1) log n) for d objectives; fronts here are small). Points not
// strictly better than ref in every objective add nothing.
func Hypervolume(pts [][]float64, ref []float64) float64 {
	var in [][]float64
	for _, p := range pts {
		ok := true
		for k, x := range p {
			ok = ok && x < ref[k]
		}
		if ok {
			in = append(in, p)
		}
	}
	return hv(in, ref, len(ref))
}

func hv(pts [][]float64, ref []float64, d int) float64 {
	if len(pts) == 0 {
		return 0
	}
	if d == 1 {
		best := ref[0]
		for _, p := range pts {
			best = math.Min(best, p[0])
		}
		return ref[0] - best
	}
	sorted := append([][]float64(nil), pts...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a][d-1] < sorted[b][d-1] })
	var vol float64
	for i := range sorted {
		top := ref[d-1]
		if i+1 < len(sorted) {
			top = sorted[i+1][d-1]
		}
		if h := top - sorted[i][d-1]; h > 0 {
			vol += hv(sorted[:i+1], ref, d-1) * h
		}
	}
	return vol
}
